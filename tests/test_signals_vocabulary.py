"""unknown_words: words of the translation its language's analyser does not know."""

from __future__ import annotations

from qa.signals.base import Segment
from qa.signals.vocabulary import unknown_words


def segment(target: str, unknown: tuple[str, ...] | None, source: str | None = None) -> Segment:
    return Segment(source, target, "es", "en", target_unknown=unknown)


def test_counts_unknown_words_the_source_does_not_have():
    signal = unknown_words(segment("Tymoshenko said the vaccin is safe.", ("Tymoshenko", "vaccin"),
                                   source="Tymoshenko dijo que la vacuna es segura."))
    assert signal.value == 1 and "'vaccin'" in signal.explanation and "Tymoshenko" not in signal.explanation
    assert 0 < signal.garble < 1


def test_nothing_unknown_and_no_analyser():
    assert unknown_words(segment("The vaccine is safe.", ())).value == 0
    assert unknown_words(segment("The vaccine is safe.", None)) is None
    assert unknown_words(segment("The vaccine is safe.", ("x", "é"))).value == 0  # single letters
    assert unknown_words(segment("a b c d", ("bb", "cc", "dd", "ee"))).garble == 1.0
