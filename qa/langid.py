"""Language identification of short texts with lingua, restricted to the languages in play.

Restricting lingua to the candidate languages (usually the two of the pair) makes it both faster
and far more accurate on headlines and single sentences than an open-set detector. A detector is
built once per candidate set; lingua loads each language model lazily on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from lingua import IsoCode639_1, LanguageDetector, LanguageDetectorBuilder

if TYPE_CHECKING:  # the corpus readers import this module; no import back at run time
    from qa.corpus.model import Block

DEFAULT_CANDIDATES = ("es", "en")
MIN_LETTERS = 4
MIN_CONFIDENCE = 0.75
# Long enough that lingua loads every n-gram order of its models to identify it.
_WARM_UP_TEXT = "the models of every language are loaded before the first sentence"
# Up to this many words, a text whose every word is capitalised is taken for a name ("José
# Antonio Sierra"): names say little about the language a text is written in.
NAME_MAX_WORDS = 4
# A text's words other than names decide its language when they hold at least this many letters
# ("to visit three centres in"); fewer, and the whole text does ("Reunión de Alto Nivel").
COMMON_WORDS_MIN_LETTERS = 10
# Texts whose language identify remembers (a few thousand sentences: a few MB).
IDENTIFIED_TEXTS = 8192
# English names of the languages a report or an explanation names; other codes are shown as they are.
LANGUAGE_NAMES = {
    "ca": "Catalan", "de": "German", "en": "English", "es": "Spanish", "eu": "Basque",
    "fr": "French", "gl": "Galician", "it": "Italian", "nl": "Dutch", "pt": "Portuguese",
}


@dataclass(frozen=True, slots=True)
class LanguageSpan:
    """A stretch of text in one language: half-open offsets into the identified text."""

    start: int
    end: int
    lang: str


def language_name(code: str) -> str:
    """A language's English name ("es" and "es-ES" -> "Spanish"), else the code as it is."""
    return LANGUAGE_NAMES.get(code.split("-")[0].split("_")[0].strip().lower(), code)


def is_language_code(code: str) -> bool:
    """Whether ``code`` is an ISO 639-1 code lingua knows (case-insensitive)."""
    return _iso_code(code) is not None


def identify(
    text: str,
    candidates: Iterable[str] = DEFAULT_CANDIDATES,
    *,
    min_confidence: float = MIN_CONFIDENCE,
) -> str | None:
    """The language of ``text`` among ``candidates`` (ISO 639-1 codes), lowercase.

    None when the text is too short, looks like a bare name, or the best language's confidence
    is below ``min_confidence``; also None with fewer than two known candidates, as there is then
    nothing to tell apart.
    """
    return _identified(text, tuple(candidates), min_confidence)


# Every sentence and block is identified, and a one-sentence block twice; a server or a notebook
# reads the same paragraphs again on each re-check. lingua is most of the cost of reading.
@lru_cache(maxsize=IDENTIFIED_TEXTS)
def _identified(text: str, candidates: tuple[str, ...], min_confidence: float) -> str | None:
    detector = _detector_for(candidates)
    if detector is None or _letter_count(text) < MIN_LETTERS or looks_like_name(text):
        return None
    confidences = detector.compute_language_confidence_values(text)
    if not confidences or confidences[0].value < min_confidence:
        return None
    return confidences[0].language.iso_code_639_1.name.lower()


def identify_beside_names(
    text: str,
    candidates: Iterable[str] = DEFAULT_CANDIDATES,
    *,
    min_confidence: float = MIN_CONFIDENCE,
) -> str | None:
    """The language of ``text`` judged by its words other than names, as :func:`identify` says.

    A headline full of names ("Luis García Montero to visit three Cervantes Institute centres in
    Morocco") reads as the names' language; its other words ("to visit three centres in") tell
    the language it is written in. Capitalised words are set aside as names when the rest holds
    at least COMMON_WORDS_MIN_LETTERS letters; otherwise the whole text is identified.
    """
    common = " ".join(word for word in text.split() if not _starts_capitalised(word))
    if _letter_count(common) >= COMMON_WORDS_MIN_LETTERS:
        return identify(common, candidates, min_confidence=min_confidence)
    return identify(text, candidates, min_confidence=min_confidence)


def language_spans(text: str, candidates: Iterable[str] = DEFAULT_CANDIDATES) -> list[LanguageSpan]:
    """Stretches of ``text`` in each candidate language, in order, trimmed of whitespace.

    Uses lingua's mixed-language detection; meant for finding source-language passages left
    untranslated inside a translation. Empty when there are fewer than two known candidates.
    """
    detector = _detector_for(candidates)
    if detector is None or not text.strip():
        return []
    spans = []
    for result in detector.detect_multiple_languages_of(text):
        start, end = result.start_index, result.end_index
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append(LanguageSpan(start, end, result.language.iso_code_639_1.name.lower()))
    return spans


def warm_up(candidates: Iterable[str]) -> threading.Thread:
    """Load lingua's models for ``candidates`` in a background thread and return it. Loading
    takes about 0.3 s for two languages on first use; a run that waits for its first translations
    meanwhile starts this first, so no signal waits for the models later."""
    detector = _detector_for(candidates)
    thread = threading.Thread(
        target=detector.compute_language_confidence_values if detector is not None else (lambda _: None),
        args=(_WARM_UP_TEXT,), daemon=True, name="lingua warm-up",
    )
    thread.start()
    return thread


def candidates_with(lang: str, pair: Iterable[str]) -> tuple[str, ...]:
    """The candidate set for an article in ``lang``: its language and the pair's, no repeats."""
    return tuple(dict.fromkeys((lang, *pair)))


def identify_block(block: Block, default: str, candidates: Iterable[str]) -> Block:
    """``block`` with its language and each sentence's language identified.

    The block falls back to ``default`` (the article's language) when its text is undecided; a
    sentence keeps None then, so callers can tell a guess from an identification. Names are set
    aside (:func:`identify_beside_names`). Bylines and
    page furniture are names and credits, which tell nothing of a language: they keep ``default``.
    """
    if block.role in ("byline", "furniture"):  # Role is a StrEnum
        return replace(block, lang=default)
    sentences = tuple(replace(s, lang=identify_beside_names(s.text, candidates)) for s in block.sentences)
    return replace(block, lang=identify_beside_names(block.text, candidates) or default, sentences=sentences)


def looks_like_name(text: str) -> bool:
    """Whether ``text`` is a few capitalised words and nothing else ("María Luisa Ortega")."""
    words = [word for word in text.replace("-", " ").split() if any(c.isalpha() for c in word)]
    if not words or len(words) > NAME_MAX_WORDS:
        return False
    return all(next(c for c in word if c.isalpha()).isupper() for word in words)


def _starts_capitalised(word: str) -> bool:
    first = next((char for char in word if char.isalpha()), None)
    return first is not None and first.isupper()


def _letter_count(text: str) -> int:
    return sum(1 for char in text if char.isalpha())


def _iso_code(code: str) -> IsoCode639_1 | None:
    try:
        return IsoCode639_1.from_str(code.strip().lower())
    except ValueError:
        return None


def _detector_for(candidates: Iterable[str]) -> LanguageDetector | None:
    codes = frozenset(code.strip().lower() for code in candidates)
    return _build_detector(codes)


@lru_cache(maxsize=16)
def _build_detector(codes: frozenset[str]) -> LanguageDetector | None:
    isos = {iso for iso in map(_iso_code, codes) if iso is not None}
    if len(isos) < 2:
        return None
    return LanguageDetectorBuilder.from_iso_codes_639_1(*sorted(isos, key=lambda iso: iso.name)).build()
