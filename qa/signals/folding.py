"""What the checks read: the text without invisible characters and with look-alike letters
folded, so "Fi\u200bnance" or a Cyrillic "і" inside a Latin word cannot hide a garble from them.
Spans the checks report are mapped back to the original text, which is what editors see."""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from qa.signals.base import Segment, Signal

# Cyrillic and Greek letters drawn like Latin ones, folded only inside a word that also holds a
# Latin letter: Russian or Greek text stays as it is.
CONFUSABLES = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    "ԁ": "d", "һ": "h", "ӏ": "l", "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O",
    "Р": "P", "С": "C", "Т": "T", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
    "ο": "o", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ρ": "p", "τ": "t", "υ": "u",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Χ": "X", "Υ": "Y",
})
_WORD = re.compile(r"\w+")
_LATIN = re.compile(r"[A-Za-z]")


def fold(text: str) -> tuple[str, list[int]]:
    """The text the checks read, and for each of its characters the offset it came from in
    ``text`` (one more entry, for the end). Format characters (zero-width spaces and joiners,
    soft hyphens, bidirectional marks) are dropped; look-alike letters in Latin words folded."""
    kept: list[str] = []
    origin: list[int] = []
    for offset, char in enumerate(text):
        if unicodedata.category(char) != "Cf":
            kept.append(char)
            origin.append(offset)
    folded = "".join(kept)
    folded = _WORD.sub(lambda word: word[0].translate(CONFUSABLES) if _LATIN.search(word[0]) else word[0], folded)
    origin.append(len(text))
    return folded, origin


def folded_segment(segment: Segment) -> tuple[Segment, list[int] | None]:
    """The segment with its source and target folded, and the target's offset map (None when
    folding changed nothing, the common case)."""
    # ASCII text has neither format characters nor look-alikes: most segments skip the work.
    source = fold(segment.source)[0] if segment.source and not segment.source.isascii() else segment.source
    target, origin = (
        fold(segment.target) if segment.target and not segment.target.isascii() else (segment.target, None)
    )
    if source == segment.source and target == segment.target:
        return segment, None
    return dataclasses.replace(segment, source=source, target=target), origin if target != segment.target else None


def unfolded(signal: Signal, origin: list[int] | None) -> Signal:
    """The signal with its span mapped back to the original target text."""
    if origin is None or signal.span is None:
        return signal
    start, end = signal.span
    start, end = max(0, min(start, len(origin) - 1)), max(0, min(end, len(origin) - 1))
    return dataclasses.replace(signal, span=(origin[start], origin[end - 1] + 1 if end > start else origin[start]))
