"""Sentence segmentation with exact character offsets.

sentencex finds the boundaries. Two newsroom habits it gets wrong are corrected around it:

* it never splits inside quotation marks, yet news copy quotes several sentences at a time, so
  quote characters are masked with spaces (same length, so offsets hold) before it runs and the
  quotes are handed back to the right sentence afterwards: an opening quote belongs to the
  sentence it opens, a closing quote right after the end punctuation to the sentence it closes;
* it splits after abbreviations it does not know ("a las 10 p. m. del lunes"), so a piece that
  starts with a lowercase letter, or a digit glued to the previous number, is merged back;
* it reads a line that starts with a list marker ("- ", "• ", "1. ") as a list item, never splits
  inside one, and once two such lines have passed it takes everything up to the next blank line
  for the last item: a 1,400-character "sentence". So each list item's line is split on its own,
  with its marker masked like a quote, and the text after it apart from it.

:class:`TextMap` carries plain text derived from markup (Markdown, YAML) together with where each
plain character came from, so sentences found in the plain text point back into the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sentencex

FALLBACK_LANG = "en"

# Double quotes and guillemets are always quotation marks; single curly quotes only when they are
# not an apostrophe between two letters ("Rabat’s").
_QUOTES = frozenset('"“”«»„‟‹›')
_SINGLE_QUOTES = frozenset("‘’")
_ALL_QUOTES = "".join(sorted(_QUOTES | _SINGLE_QUOTES))
# Invisible characters page dumps carry around text; trimmed like whitespace.
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
# Characters that may precede the first letter of a sentence without being part of a word.
_LEADING_PUNCTUATION = frozenset("\"“”«»„‟‹›‘’'¿¡([—–-") | _ZERO_WIDTH
# Abbreviations a number follows ("n.º 5", "No. 5", "pág. 45", "art. 3"): no sentence ends there.
_BEFORE_NUMBER = re.compile(
    r"(?:^|[\s(])(?:n\.?º|nº|no|núm|num|nos|pág|pp?|art|arts|cap|vol|fig)\.$", re.IGNORECASE
)
# A list item's marker at the start of a line: a bullet, or a number of one or two digits with a
# point or a parenthesis, then a space ("- ", "• ", "  2. ", "3) ").
LIST_MARKER = re.compile(r"[ \t]*(?:[-–•*·▪‣◦]|\d{1,2}[.)])[ \t]+(?=\S)")


@dataclass(frozen=True, slots=True)
class SentenceSpan:
    """One sentence found in a text: its text and half-open offsets. (Kept apart from
    ``qa.corpus.model.Sentence`` so segmentation does not depend on the corpus model.)"""

    text: str
    start: int
    end: int


def split_sentences(text: str, lang: str, offset: int = 0) -> list[SentenceSpan]:
    """Split ``text`` into sentences in language ``lang`` (ISO 639-1).

    Returns spans whose ``start``/``end`` are offsets into the larger text that ``text`` was cut
    from at ``offset``: ``text[s.start - offset:s.end - offset] == s.text``, trimmed of
    surrounding whitespace (non-breaking and zero-width spaces included). A language sentencex
    does not know falls back to its generic rules; whitespace-only text has no sentences.
    """
    spans = sentence_spans(text, lang)
    return [SentenceSpan(text[s:e], s + offset, e + offset) for s, e in spans]


def sentence_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """Half-open ``(start, end)`` spans of the sentences of ``text``, trimmed of whitespace."""
    if all(_is_blank(char) for char in text):
        return []
    spans: list[tuple[int, int]] = []
    for piece_start, piece_end in list_pieces(text):
        piece = text[piece_start:piece_end]
        spans += [(piece_start + s, piece_start + e) for s, e in _piece_spans(piece, lang)]
    trimmed = [trim_span(text, s, e) for s, e in spans]
    return _merge_false_splits(text, [span for span in trimmed if span[0] < span[1]])


def list_pieces(text: str) -> list[tuple[int, int]]:
    """``text`` cut into pieces sentencex reads right: each line that starts with a list marker
    is a piece of its own, and each run of other lines is one piece (see the module's notes)."""
    pieces: list[tuple[int, int]] = []
    start = position = 0
    for line in text.splitlines(keepends=True):
        if LIST_MARKER.match(line):
            pieces += [(start, position)] if position > start else []
            pieces.append((position, position + len(line)))
            start = position + len(line)
        position += len(line)
    if position > start or not pieces:
        pieces.append((start, position))
    return pieces


def _piece_spans(piece: str, lang: str) -> list[tuple[int, int]]:
    """Untrimmed spans of the sentences of one piece (see :func:`list_pieces`)."""
    masked = mask_list_marker(mask_quotes(piece))
    cuts = [_place_cut(piece, masked, cut) for cut in _sentencex_cuts(masked, lang)]
    spans: list[tuple[int, int]] = []
    start = 0
    for prev_end, next_start in cuts:
        spans.append((start, prev_end))
        start = next_start
    spans.append((start, len(piece)))
    return spans


def mask_list_marker(text: str) -> str:
    """``text`` with the list marker it starts with (if any) replaced by spaces."""
    marker = LIST_MARKER.match(text)
    return " " * marker.end() + text[marker.end() :] if marker else text


def mask_quotes(text: str) -> str:
    """``text`` with every quotation mark replaced by a space (apostrophes are kept)."""
    chars = list(text)
    for i, char in enumerate(chars):
        if char in _QUOTES or (char in _SINGLE_QUOTES and not _is_apostrophe(text, i)):
            chars[i] = " "
    return "".join(chars)


def _is_apostrophe(text: str, i: int) -> bool:
    return 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()


def _sentencex_cuts(masked: str, lang: str) -> list[int]:
    """Positions where sentencex starts a new sentence (the end of each segment but the last)."""
    try:
        segments = sentencex.get_sentence_boundaries(lang or FALLBACK_LANG, masked)
    except Exception:  # sentencex raises assorted errors for codes it cannot load
        segments = sentencex.get_sentence_boundaries(FALLBACK_LANG, masked)
    ends = sorted({seg["end_index"] for seg in segments})
    return [end for end in ends if 0 < end < len(masked)]


def _place_cut(text: str, masked: str, cut: int) -> tuple[int, int]:
    """Where the previous sentence ends and the next begins around a sentencex cut.

    The gap is the run of (masked) spaces around the cut; in the original text it holds
    whitespace and quotes. Quotes touching the previous sentence close it; quotes touching the
    next sentence open it; with no whitespace between to tell, they stay with the previous one.
    """
    left = cut
    while left > 0 and masked[left - 1].isspace():
        left -= 1
    right = cut
    while right < len(masked) and masked[right].isspace():
        right += 1
    gap = text[left:right]
    if not any(char.isspace() for char in gap):
        return right, right
    closing = len(gap) - len(gap.lstrip(_ALL_QUOTES))
    opening = len(gap) - len(gap.rstrip(_ALL_QUOTES))
    return left + closing, right - opening


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` narrowed to exclude whitespace (non-breaking and zero-width spaces too) at
    either end."""
    while start < end and _is_blank(text[start]):
        start += 1
    while end > start and _is_blank(text[end - 1]):
        end -= 1
    return start, end


def _is_blank(char: str) -> bool:
    return char.isspace() or char in _ZERO_WIDTH


def _merge_false_splits(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and _continues(text, merged[-1], start):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _continues(text: str, previous: tuple[int, int], start: int) -> bool:
    """Whether the sentence at ``start`` is really the rest of the previous one: it starts with a
    lowercase letter ("p. m. del lunes"), or with a digit that continues a number ("3.\u200b500")
    or follows a number abbreviation ("n.º 5")."""
    gap = text[previous[1] : start]
    if "\n\n" in gap.replace("\r", ""):
        return False
    if ("\n" in gap or "\r" in gap) and LIST_MARKER.match(text, start):
        return False  # a new list item, even one starting with a lowercase word
    first = _first_word_char(text, start)
    if first is None:
        return False
    if first.islower():
        return True
    if not first.isdigit():
        return False
    before = text[previous[0] : previous[1]]
    split_number = re.search(r"\d[.,]$", before) is not None and not any(c.isspace() for c in gap)
    return split_number or _BEFORE_NUMBER.search(before) is not None


def _first_word_char(text: str, start: int) -> str | None:
    for char in text[start : start + 8]:
        if char not in _LEADING_PUNCTUATION and not char.isspace():
            return char
    return None


@dataclass(frozen=True, slots=True)
class TextMap:
    """Plain text derived from marked-up source text, with a map back to the source.

    ``starts[i]``/``ends[i]`` is the half-open source span that plain character ``i`` came from
    (one character for copied text, the whole entity or escape for ``&amp;`` or ``\\*``).
    """

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The source span covering plain characters ``start:end`` (``end > start``)."""
        return self.starts[start], self.ends[end - 1]

    def strip(self) -> tuple[int, int]:
        """Plain ``(start, end)`` of the text without surrounding whitespace."""
        return trim_span(self.text, 0, len(self.text))


@dataclass
class TextMapBuilder:
    """Builds a :class:`TextMap` piece by piece while markup is being stripped."""

    chars: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    def copy(self, source_text: str, source_start: int) -> None:
        """Append source text kept as it is, found at ``source_start``."""
        for i, char in enumerate(source_text):
            self.chars.append(char)
            self.starts.append(source_start + i)
            self.ends.append(source_start + i + 1)

    def replace(self, plain: str, source_start: int, source_end: int) -> None:
        """Append ``plain`` standing for the source span ``source_start:source_end``."""
        for char in plain:
            self.chars.append(char)
            self.starts.append(source_start)
            self.ends.append(source_end)

    def build(self) -> TextMap:
        """The finished map."""
        return TextMap("".join(self.chars), tuple(self.starts), tuple(self.ends))


def identity_map(text: str, offset: int = 0) -> TextMap:
    """A map for text taken verbatim from the source at ``offset``."""
    builder = TextMapBuilder()
    builder.copy(text, offset)
    return builder.build()


def split_mapped(text_map: TextMap, lang: str) -> list[SentenceSpan]:
    """Sentences of a map's plain text; ``text`` is plain, offsets point into the source."""
    sentences = []
    for start, end in sentence_spans(text_map.text, lang):
        source_start, source_end = text_map.source_span(start, end)
        sentences.append(SentenceSpan(text_map.text[start:end], source_start, source_end))
    return sentences
