"""Invisible characters and look-alike letters hide no garble: the checks read folded text and
point at the original."""

from __future__ import annotations

import pytest

from qa.signals import compute_signals
from qa.signals.base import Segment
from qa.signals.folding import fold

CIRCLE = "The Ministry of Finance of the Ministry of Finance met on Monday."


@pytest.mark.parametrize("hidden", ["\u200b", "\u00ad", "\u200d", "\u2060", "\u202e"])
def test_a_format_character_inside_a_word_hides_nothing(hidden):
    text = CIRCLE.replace("Finance", f"Fi{hidden}nance", 1)
    signal = compute_signals(Segment(None, text, "es", "en"))["circular_name"]
    assert signal.garble >= 0.8
    start, end = signal.span
    assert text[start:end].replace(hidden, "") == "The Ministry of Finance of the Ministry of Finance"


def test_a_cyrillic_letter_in_a_latin_word_is_read_as_latin():
    text = CIRCLE.replace("Ministry", "M\u0456nistry", 1)  # Cyrillic і
    assert compute_signals(Segment(None, text, "es", "en"))["circular_name"].garble >= 0.8


def test_folding_keeps_other_scripts_and_maps_every_offset():
    folded, origin = fold("Москва и\u200b Madrid")
    assert folded == "Москва и Madrid"
    assert len(origin) == len(folded) + 1 and origin[-1] == len("Москва и\u200b Madrid")
    assert all("Москва и\u200b Madrid"[o] == c for o, c in zip(origin, folded, strict=False))


def test_clean_text_is_scored_exactly_as_before():
    from qa.signals import registry

    segment = Segment("El ministerio de Hacienda se reunió.", CIRCLE, "es", "en")
    unfolded = {name: function(segment) for name, function in registry().items()}
    assert compute_signals(segment) == {name: signal for name, signal in unfolded.items() if signal is not None}
    assert fold(CIRCLE) == (CIRCLE, [*range(len(CIRCLE)), len(CIRCLE)])
