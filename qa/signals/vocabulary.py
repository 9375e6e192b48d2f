"""Words of the translation that its language's dictionary does not know, as the engine's
morphological analyser sees them (Apertium marks them ``*``): misspellings, garbled words and
source-language words left in. Words the source also has (names, acronyms) do not count."""

from __future__ import annotations

from qa.langid import language_name
from qa.signals.base import Segment, Signal, SignalSpec
from qa.signals.intrinsic import fold_accents, tokenize

# A garble score that grows with each unknown word and is full at this many.
FULL_AT = 3


def novel_unknown_words(segment: Segment) -> list[str]:
    """The target's unknown words that the source does not have, words of two letters or more."""
    source = {fold_accents(token.key) for token in tokenize(segment.source or "")}
    return [
        word for word in segment.target_unknown or ()
        if sum(char.isalpha() for char in word) >= 2 and fold_accents(word) not in source
    ]


def unknown_words(segment: Segment) -> Signal | None:
    """How many words of the translation its language's analyser does not know.

    ``value`` is that count (words the source has aside); ``garble`` grows to 1 at FULL_AT words.
    None when the engine has no analyser (only Apertium has one) or there is no target.
    """
    if segment.target_unknown is None or not segment.target:
        return None
    words = novel_unknown_words(segment)
    if not words:
        return Signal("unknown_words", 0.0, 0.0, f"every word is in the {language_name(segment.tgt_lang)} dictionary")
    shown = ", ".join(f"'{word}'" for word in dict.fromkeys(words[:4]))
    return Signal(
        "unknown_words", float(len(words)), min(1.0, len(words) / FULL_AT),
        f"{len(words)} word{'s' if len(words) > 1 else ''} not in the {language_name(segment.tgt_lang)} dictionary: {shown}",
    )


SPECS = (
    SignalSpec("unknown_words", unknown_words, "Words the target language's dictionary does not know", "feature", label="unknown words"),
)
