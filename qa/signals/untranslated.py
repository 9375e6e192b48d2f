"""Source-language text left in a translation: a clause copied across untranslated, or a whole
sentence (a Spanish headline on an English page).

Two kinds of evidence must agree, because each alone is easily fooled by the proper names and
titles a news translation rightly keeps ("Real Montesol", "*La memoria del agua*"):

* words: function words of the source language that the target language does not have ("que",
  "los", "para", "según" in English text), counted only in lowercase (or opening a sentence)
  and not inside a name ("Universidad de Salamanca");
* lingua, restricted to the pair's two languages (:mod:`qa.langid`), must say the stretch those
  words mark is in the source language.

For a language with no function-word list, lingua's mixed-language spans are used alone, with a
higher bar on their length.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from qa.langid import identify, language_name, language_spans
from qa.signals.base import Segment, Signal, SignalSpec
from qa.signals.text import Token, base_lang, function_words, opens_sentence, tokenize

# Function words of one list that are ordinary words of another language ("a", "no", "son",
# "sin", "once", "has"): no evidence of either.
HOMOGRAPHS = frozenset(["a", "as", "e", "era", "has", "hay", "he", "i", "me", "mi", "no", "o", "once", "son", "sea", "sin", "solo", "tan", "ante", "u"])

MIN_MARKERS = 2  # source function words that make a stretch (with fewer, lingua must be sure)
MIN_WORDS = 3
MIN_MARKER_SHARE = 0.25
TITLE_MAX_WORDS = 8  # a quoted or capitalised Spanish stretch this short is a title or a name
SPAN_CONFIDENCE = 0.6  # lingua's confidence needed for a stretch (whole sentences use the default)
SURE = 0.9  # lingua's confidence that stands in for missing word evidence
GENERIC_MIN_WORDS = 5
GENERIC_WHOLE_SHARE = 0.8


@dataclass(frozen=True, slots=True)
class Markers:
    """Function words that give away each language of a pair: in ``source`` but not ``target``
    and the other way round."""

    source: frozenset[str]
    target: frozenset[str]


@lru_cache(maxsize=64)
def pair_markers(src_lang: str, tgt_lang: str) -> Markers | None:
    """The telltale function words of a pair, or None when either language has no list."""
    source, target = function_words(src_lang), function_words(tgt_lang)
    if source is None or target is None:
        return None
    return Markers(source - target - HOMOGRAPHS, target - source - HOMOGRAPHS)


@dataclass(frozen=True, slots=True)
class ForeignSpan:
    """A stretch of the target in the source language: offsets, words, source function words."""

    start: int
    end: int
    words: int
    markers: int
    title_like: bool = False


def classify_tokens(text: str, tokens: Sequence[Token], markers: Markers) -> list[str]:
    """The kind of each token: "S" for a telltale source function word, "T" for a target one,
    "" for anything else.

    A source word counts only in lowercase or opening a sentence (so "Los Angeles" and "El Paso"
    mid-sentence do not) and not between two capitalised words ("Universidad de Salamanca",
    "Bank of America").
    """
    connectors = markers.source | markers.target | HOMOGRAPHS
    kinds = []
    for index, token in enumerate(tokens):
        key = token.key
        if key in markers.target:
            kinds.append("T")
        elif (
            key in markers.source and _plain_word(text, token) and not inside_name(tokens, index, connectors)
        ):
            kinds.append("S")
        else:
            kinds.append("")
    return kinds


def _plain_word(text: str, token: Token) -> bool:
    """Lowercase, or capitalised only because it opens a sentence ("Las autoridades...")."""
    if token.text.islower():
        return True
    return token.text[1:].islower() and opens_sentence(text, token.start)


def inside_name(tokens: Sequence[Token], index: int, connectors: frozenset[str]) -> bool:
    """Whether the nearest words on both sides that are not ``connectors`` (function words) are
    capitalised ("King of the Pack", "Universidad de las Palmas")."""

    def neighbour(step: int) -> Token | None:
        i = index + step
        while 0 <= i < len(tokens) and abs(i - index) <= 3:
            if tokens[i].key not in connectors:
                return tokens[i]
            i += step
        return None

    before, after = neighbour(-1), neighbour(1)
    return before is not None and after is not None and before.is_capitalised and after.is_capitalised


def foreign_spans(text: str, src_lang: str, tgt_lang: str) -> list[ForeignSpan]:
    """Stretches of ``text`` written in ``src_lang`` although the text is in ``tgt_lang``.

    A stretch runs from a telltale source word up to the next target function word and must
    hold enough source words; lingua must then agree it is in the source language.
    """
    markers = pair_markers(src_lang, tgt_lang)
    if markers is None:
        return _lingua_spans(text, src_lang, tgt_lang)
    tokens = tokenize(text)
    kinds = classify_tokens(text, tokens, markers)
    spans = []
    for first, last in _target_free_runs(kinds):
        count = kinds[first:last].count("S")
        words = last - first
        if (words < MIN_WORDS and count < 3) or count / words < MIN_MARKER_SHARE:
            continue
        start, end = tokens[first].start, tokens[last - 1].end
        # With a single source word, only a stretch lingua is sure about.
        confidence = SPAN_CONFIDENCE if count >= MIN_MARKERS else SURE
        if identify(text[start:end], (src_lang, tgt_lang), min_confidence=confidence) != base_lang(src_lang):
            continue
        spans.append(
            ForeignSpan(start, end, words, count, _looks_like_title(text, tokens, first, last, markers))
        )
    return spans


def _target_free_runs(kinds: Sequence[str]) -> list[tuple[int, int]]:
    """(first, end) token ranges from a source word up to the next target word."""
    runs = []
    start = None
    for index, kind in enumerate([*kinds, "T"]):
        if kind == "T":
            if start is not None:
                runs.append((start, index))
            start = None
        elif kind == "S" and start is None:
            start = index
    return runs


def _looks_like_title(text: str, tokens: Sequence[Token], first: int, last: int, markers: Markers) -> bool:
    """Whether a short stretch is a work's title or a name: it opens with a capitalised word
    mid-sentence ("*El amor en los tiempos del cólera*"), or it or all its source function words
    sit inside quotation marks."""
    if last - first > TITLE_MAX_WORDS:
        return False
    content = [t for t in tokens[first:last] if t.key not in markers.source and t.has_letters]
    if content and all(t.is_capitalised for t in content):  # "of the Pack"
        return True
    opening = [tokens[i] for i in range(max(first - 2, 1), first)]
    if any(t.is_capitalised and t.key in markers.source | _ARTICLES for t in opening):
        return True
    if inside_quotes(text, tokens[first].start, tokens[last - 1].end):
        return True
    # The stretch runs on past the closing quote into a name ("'De cara al mundo', Onda Madrid"):
    # its source words are all quoted.
    return all(inside_quotes(text, t.start, t.end) for t in tokens[first:last] if t.key in markers.source)


_ARTICLES = frozenset(
    {"el", "la", "los", "las", "un", "una", "the", "a", "an", "le", "les", "der", "die", "das"}
)
_PAIRED_QUOTES = (("“", "”"), ("«", "»"), ("‘", "’"))
_SYMMETRIC_QUOTES = ('"', "*", "_")  # Markdown emphasis marks a title like quotes do


def inside_quotes(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` lies between an opening and a closing quotation mark (or
    Markdown emphasis), straight single quotes included ('De cara al mundo')."""
    marks = _quote_marks(text)

    def before(mark: str) -> int:  # how many times ``mark`` occurs before the span
        return bisect.bisect_left(marks[mark], start)

    def after(mark: str) -> bool:  # whether ``mark`` occurs after the span
        return bool(marks[mark]) and marks[mark][-1] >= end

    for opening, closing in _PAIRED_QUOTES:
        last_opening = marks[opening][before(opening) - 1] if before(opening) else -1
        last_closing = marks[closing][before(closing) - 1] if before(closing) else -1
        if last_opening > last_closing and after(closing):
            return True
    if any(before(mark) % 2 == 1 and after(mark) for mark in _SYMMETRIC_QUOTES):
        return True
    return any(opening < start and end <= closing for opening, closing in _single_quoted(text))


# A straight single quote opens after a space or a bracket, before a word, and closes after a
# word, before a space or a mark; an apostrophe ("Morocco's", "ministers' ") has a letter on
# one side and is neither.
_SINGLE_QUOTED = re.compile(r"(?<![\w'])'(?=[^\s'])((?:[^'\n]|'(?=\w))*?[^\s'])'(?!\w)")


@lru_cache(maxsize=256)
def _single_quoted(text: str) -> tuple[tuple[int, int], ...]:
    """(opening, closing) offsets of the stretches of ``text`` in straight single quotes."""
    return tuple((match.start(), match.end() - 1) for match in _SINGLE_QUOTED.finditer(text))


@lru_cache(maxsize=256)
def _quote_marks(text: str) -> dict[str, list[int]]:
    """Where each quotation mark occurs in ``text``, in order: a lookup per span then costs a
    binary search instead of a pass over the text."""
    marks: dict[str, list[int]] = {mark: [] for pair in _PAIRED_QUOTES for mark in pair}
    marks.update({mark: [] for mark in _SYMMETRIC_QUOTES})
    for index, char in enumerate(text):
        if char in marks:
            marks[char].append(index)
    return marks


def _lingua_spans(text: str, src_lang: str, tgt_lang: str) -> list[ForeignSpan]:
    spans = []
    for span in language_spans(text, (src_lang, tgt_lang)):
        words = len(tokenize(text[span.start : span.end]))
        if span.lang == base_lang(src_lang) and words >= GENERIC_MIN_WORDS:
            spans.append(ForeignSpan(span.start, span.end, words, 0))
    return spans


def in_source_language(text: str, src_lang: str, tgt_lang: str) -> bool:
    """Whether the whole of ``text`` is in the source language: lingua says so and, where the
    pair has word lists, the words agree: some source function words and (almost) no target
    ones, or, in a short sentence with neither, lingua is sure. Without word lists, lingua's
    mixed-language spans must put most of the text in the source language."""
    pair, src = (src_lang, tgt_lang), base_lang(src_lang)
    markers = pair_markers(src_lang, tgt_lang)
    tokens = tokenize(text)
    if markers is None:  # lingua alone: most of the text must be in the source language
        if len(tokens) < GENERIC_MIN_WORDS or identify(text, pair) != src:
            return False
        covered = sum(span.end - span.start for span in _lingua_spans(text, src_lang, tgt_lang))
        return covered >= GENERIC_WHOLE_SHARE * len(text.strip())
    kinds = classify_tokens(text, tokens, markers)
    source, target = kinds.count("S"), kinds.count("T")
    if source == 0 and target == 0:
        return len(tokens) >= 3 and identify(text, pair, min_confidence=SURE) == src
    # The words are checked first: they are cheap and rule out most sentences.
    return source >= 1 and target <= source / 4 and identify(text, pair) == src


def quoted_title_only(text: str, src_lang: str, tgt_lang: str) -> bool:
    """Whether the source-language part of ``text`` is a quoted title: the text has a quoted
    stretch short enough to be one, and without it what is left is not in the source language
    ("'De cara al mundo', Onda Madrid": a programme's name and the station's). A longer quote
    left in the source language is untranslated text."""
    tokens = tokenize(text)
    quoted = [token for token in tokens if inside_quotes(text, token.start, token.end)]
    if not quoted or len(quoted) > TITLE_MAX_WORDS:
        return False
    if _QUOTED_SENTENCE_END.match(text, quoted[-1].end):
        return False  # "Es un barco sin marineros.": a sentence quoted, not a title
    rest = list(text)
    for token in quoted:
        rest[token.start : token.end] = " " * (token.end - token.start)
    outside = "".join(rest)
    if _ATTRIBUTION.fullmatch(outside):
        return False  # "'Sonó una señal de alarma', dice Lyman": a quotation and who said it
    return not in_source_language(outside, src_lang, tgt_lang)


# A quoted stretch that ends with a sentence's final mark inside its quotes is a sentence.
_QUOTED_SENTENCE_END = re.compile(r"\s*[.!?…]")
# What is left of a sentence once its quotation is blanked, when it only says who said it: a
# lowercase verb, perhaps a name ("…", dice Lyman. / …", destacó.).
_ATTRIBUTION = re.compile(r"[\W_]*[a-záéíóúñ]+(?:\s+[A-ZÁÉÍÓÚÑ][\w.-]*)*[\W_]*")


def untranslated(segment: Segment) -> Signal | None:
    """Target text left in the source language.

    ``value`` is the share of the target's characters in the source language (1.0 for a whole
    sentence). ``garble`` is 1.0 for a whole sentence, 0.9 for a stretch of six or more words
    with three or more source function words, 0.7 for a shorter one, 0.2 for something that looks
    like a quoted or capitalised title (a sentence whose source-language words are all in a
    quoted title is read as such a stretch). The span is the longest such stretch. Needs only
    the languages, not the source text.
    """
    text = segment.target
    if not text or not text.strip():
        return None
    src, tgt = language_name(segment.src_lang), language_name(segment.tgt_lang)
    if in_source_language(text, segment.src_lang, segment.tgt_lang) and not quoted_title_only(
        text, segment.src_lang, segment.tgt_lang
    ):
        start, end = len(text) - len(text.lstrip()), len(text.rstrip())
        return Signal("untranslated", 1.0, 1.0, f"this sentence is in {src}, not {tgt}", (start, end))
    spans = foreign_spans(text, segment.src_lang, segment.tgt_lang)
    if not spans:
        return Signal("untranslated", 0.0, 0.0, f"no {src} text found")
    longest = max(spans, key=lambda s: s.end - s.start)
    share = sum(s.end - s.start for s in spans) / len(text.strip())
    garble = max(_span_weight(s) for s in spans)
    quoted = text[longest.start : longest.end]
    said = f"looks like a title or a name in {src}" if all(s.title_like for s in spans) else f"is in {src}"
    return Signal("untranslated", share, garble, f"'{quoted}' {said}", (longest.start, longest.end))


def _span_weight(span: ForeignSpan) -> float:
    if span.title_like:
        return 0.2
    return 0.9 if span.words >= 6 and span.markers >= 3 else 0.7


SPECS = (SignalSpec("untranslated", untranslated, "Text left in the source language", "check", label="untranslated"),)
