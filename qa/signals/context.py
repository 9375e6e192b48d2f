"""Signals that read a sentence against the sentences before it in the same article: a sentence
that says again what the previous one said, and an institution renamed since its first mention."""

from __future__ import annotations

import re
from functools import lru_cache

from qa.signals.base import Segment, Signal, SignalSpec
from qa.signals.text import fold_accents, is_content_word, tokenize

# A sentence repeats the previous one when they share a run of this many words (one of them a
# content word) and this many content words in all, a fair share of the sentence's own.
SHARED_RUN_WORDS = 3
SHARED_CONTENT_WORDS = 3
SHARED_CONTENT_SHARE = 0.3
# Two long names are variants of one name when they share this many content words and most of
# their words (Jaccard), yet neither contains the other.
DRIFT_SHARED_WORDS = 4
DRIFT_JACCARD = 0.6

_NAME_RUN = re.compile(
    r"\b[A-ZÁÉÍÓÚÑ][\w'-]*(?:\s+(?:(?:of|for|and|the|de|del|la|y)\s+)*[A-ZÁÉÍÓÚÑ][\w'-]*)+"
)


def _content_words(text: str, lang: str, *, names: bool = True) -> list[str]:
    return [
        fold_accents(t.key) for t in tokenize(text)
        if is_content_word(t, lang) and len(t.key) > 2 and (names or not t.is_capitalised)
    ]


# Every segment reads the sentences before it, so each sentence is read many times: remember the
# words of the most recent ones (the pipeline passes at most 500 preceding sentences).
@lru_cache(maxsize=4096)
def _common_words(text: str, lang: str) -> frozenset[str]:
    """The content words of ``text`` other than names (capitalised words)."""
    return frozenset(_content_words(text, lang, names=False))


def _shared_run(a: str, b: str, lang: str) -> str | None:
    """A run of SHARED_RUN_WORDS words found in both texts that holds a content word."""
    words_a = [t for t in tokenize(a)]
    keys_b = " " + " ".join(fold_accents(t.key) for t in tokenize(b)) + " "
    for start in range(len(words_a) - SHARED_RUN_WORDS + 1):
        run = words_a[start : start + SHARED_RUN_WORDS]
        # A run through a name ("and Sahara region") is the topic recurring, not a repeat.
        if any(t.is_capitalised for t in run) or not any(is_content_word(t, lang) for t in run):
            continue
        phrase = " ".join(fold_accents(t.key) for t in run)
        if f" {phrase} " in keys_b:
            return a[run[0].start : run[-1].end]
    return None


def repeats_previous(segment: Segment) -> Signal | None:
    """The sentence says again much of what the sentence before it said (a translation that
    merged or duplicated content)."""
    if not segment.target or not segment.preceding_targets:
        return None
    previous = segment.preceding_targets[-1]
    # Names and the article's topic words (already used before the previous sentence) recur
    # legitimately; what a sentence says, said again right after, does not.
    lang = segment.tgt_lang
    own = _content_words(segment.target, lang, names=False)
    earlier = segment.preceding_targets[:-1]
    shared = sorted(
        word for word in set(own) & _common_words(previous, lang)
        if not any(word in _common_words(text, lang) for text in earlier)
    )
    run = _shared_run(segment.target, previous, segment.tgt_lang)
    fires = bool(
        own and run and len(shared) >= SHARED_CONTENT_WORDS and len(shared) / len(set(own)) >= SHARED_CONTENT_SHARE
    )
    span = None
    if run:
        start = segment.target.find(run)
        span = (start, start + len(run)) if start >= 0 else None
    return Signal(
        "repeats_previous", float(len(shared)), 0.7 if fires else 0.0,
        f"repeats the previous sentence ('{run}'; shared words: {', '.join(shared)})" if fires else "",
        span if fires else None,
    )


@lru_cache(maxsize=4096)
def _long_names(text: str, lang: str) -> tuple[tuple[str, frozenset[str]], ...]:
    names = []
    for match in _NAME_RUN.finditer(text):
        words = frozenset(_content_words(match.group(), lang))
        if len(words) >= DRIFT_SHARED_WORDS:
            names.append((match.group(), words))
    return tuple(names)


def name_drift(segment: Segment) -> Signal | None:
    """A long institution name that differs from one used earlier in the article by a word or two
    ("National Security and Territorial Surveillance" becoming "Homeland and Territorial Security
    Surveillance"): one body rendered two ways."""
    if not segment.target or not segment.preceding_targets:
        return None
    earlier = [name for text in segment.preceding_targets for name in _long_names(text, segment.tgt_lang)]
    for name, words in _long_names(segment.target, segment.tgt_lang):
        for first, first_words in earlier:
            shared = words & first_words
            if words <= first_words or first_words <= words:
                continue
            if len(shared) >= DRIFT_SHARED_WORDS and len(shared) / len(words | first_words) >= DRIFT_JACCARD:
                start = segment.target.find(name)
                return Signal(
                    "name_drift", 1.0, 0.7,
                    f"'{name}' looks like '{first}', named differently earlier in the article",
                    (start, start + len(name)),
                )
    return Signal("name_drift", 0.0, 0.0, "")


SPECS = (
    SignalSpec("repeats_previous", repeats_previous, "A sentence that repeats the previous one", "check", label="repeats the previous sentence"),
    SignalSpec("name_drift", name_drift, "An institution named differently from its first mention", "check", label="name drift"),
)
