"""What the checks read: the text as a reader sees it, so a character that shows nothing, a
compatibility form or a look-alike letter cannot hide a garble from them ("Fi\\u200bnance",
"Fi\\u034fnance", "Ｆｉｎａｎｃｅ", a Cyrillic "і" inside a Latin word). Spans the checks report
are mapped back to the original text, which is what editors see.

Folding, in order:

1. drop what displays as nothing: Unicode's default-ignorable code points (zero-width spaces and
   joiners, soft hyphen, combining grapheme joiner U+034F, variation selectors, Khmer and
   Mongolian U+17B4/U+17B5/U+180B–U+180F, tags, Hangul fillers), every other format character
   (category Cf: bidirectional controls among them), and C0/C1 control characters other than
   tab and line ends;
2. NFKC, one grapheme cluster at a time (so each folded character maps back to the characters
   it came from), except superscripts, subscripts and vulgar fractions, which say something
   about numbers ("50 m²", "2.º", "½") and are kept as written;
3. Cyrillic and Greek letters drawn like Latin ones, inside a word that also holds a Latin
   letter, read as Latin.

Text with none of these is read exactly as written.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

import regex

from qa.segment import TextMap, TextMapBuilder, identity_map
from qa.signals.base import Segment, Signal

# regex knows Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt), which
# the standard library's unicodedata does not.
HIDDEN = regex.compile(r"[\p{Default_Ignorable_Code_Point}\p{Cf}\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_GRAPHEME = regex.compile(r"\X")
# Compatibility mappings NFKC would apply but the checks must not: "m²" is not "m2".
_KEPT_FORMS = ("<super>", "<sub>", "<fraction>")

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


def fold(text: str) -> TextMap:
    """The text the checks read (see the module docstring), with the span of ``text`` each of
    its characters came from."""
    if text.isascii() and not _ASCII_CONTROL.search(text):
        return identity_map(text)  # nothing to drop, normalise or fold
    visible, offsets = _without_hidden(text)
    normalised = _normalised(visible, offsets)
    folded = _WORD.sub(lambda word: word[0].translate(CONFUSABLES) if _LATIN.search(word[0]) else word[0],
                       normalised.text)
    return dataclasses.replace(normalised, text=folded)  # one character for one: the map holds


def _without_hidden(text: str) -> tuple[str, list[int]]:
    """``text`` without the characters that display as nothing, and the offset in ``text`` of
    each character kept."""
    kept: list[str] = []
    offsets: list[int] = []
    position = 0
    for match in HIDDEN.finditer(text):
        kept.append(text[position : match.start()])
        offsets += range(position, match.start())
        position = match.end()
    kept.append(text[position:])
    offsets += range(position, len(text))
    return "".join(kept), offsets


def _normalised(visible: str, offsets: list[int]) -> TextMap:
    """``visible`` in NFKC (but the kept forms), each grapheme cluster normalised on its own so
    the characters it becomes map back to the whole cluster."""
    builder = TextMapBuilder()
    if unicodedata.is_normalized("NFKC", visible):
        for char, offset in zip(visible, offsets, strict=True):
            builder.replace(char, offset, offset + 1)
        return builder.build()
    for cluster in _GRAPHEME.finditer(visible):
        start, end = cluster.span()
        written = cluster.group()
        shown = HIDDEN.sub("", _nfkc(written))  # NFKC can make a filler (U+FFA0 -> U+1160)
        if shown == written:
            for k in range(start, end):
                builder.replace(visible[k], offsets[k], offsets[k] + 1)
        else:
            builder.replace(shown, offsets[start], offsets[end - 1] + 1)
    return builder.build()


def _nfkc(cluster: str) -> str:
    if cluster.isascii():
        return cluster
    if not any(unicodedata.decomposition(char).startswith(_KEPT_FORMS) for char in cluster):
        return unicodedata.normalize("NFKC", cluster)
    return "".join(char if unicodedata.decomposition(char).startswith(_KEPT_FORMS)
                   else unicodedata.normalize("NFKC", char) for char in cluster)


def folded_segment(segment: Segment) -> tuple[Segment, TextMap | None]:
    """The segment with its source and target folded, and the target's map back to its
    original text (None when folding changed nothing, the common case)."""
    source = fold(segment.source).text if segment.source else segment.source
    target_map = fold(segment.target) if segment.target else None
    target = target_map.text if target_map is not None else segment.target
    if source == segment.source and target == segment.target:
        return segment, None
    return dataclasses.replace(segment, source=source, target=target), target_map if target != segment.target else None


def unfolded(signal: Signal, text_map: TextMap | None) -> Signal:
    """The signal with its span mapped back to the original target text."""
    if text_map is None or signal.span is None:
        return signal
    length = len(text_map.text)
    start, end = (max(0, min(edge, length)) for edge in signal.span)
    if end > start:
        return dataclasses.replace(signal, span=text_map.source_span(start, end))
    point = text_map.starts[start] if start < length else (text_map.ends[-1] if length else 0)
    return dataclasses.replace(signal, span=(point, point))
