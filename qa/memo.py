"""qa's own costly results, kept in the translation cache so that re-checking an unchanged article
computes nothing again: the sentence alignment of each part of an article, and each segment's
signals.

An entry is keyed by everything its result depends on: its inputs (texts, translations, scores)
written as JSON, and a fingerprint of qa's code and of the libraries that compute signals, so
any change to either makes a fresh entry rather than reusing an old one. Values are JSON, never
pickles: a cache file restored from elsewhere can at worst hold wrong numbers, never code. An
entry longer than a result of its inputs can be (:func:`longest_result`) is never read: it is
computed again, as an entry that does not decode is.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from qa import __version__
from qa.align import Link
from qa.signals import Segment, Signal, compute_signals
from qa.signals.ahead import SignalsAhead
from qa.store import CacheScope, TranslationCache
from qa.translate.base import EngineInfo, TokenScores

Item = TypeVar("Item")
Result = TypeVar("Result")
# Libraries whose versions the cached results depend on besides qa's own code.
LIBRARIES = ("sacrebleu", "lingua-language-detector", "sentencex", "wordfreq", "pocketsphinx")
# The longest result, in characters of JSON, kept for inputs whose JSON has n characters:
# RESULT_PER_INPUT_CHARACTER * n + RESULT_CONSTANT. An alignment has at most one link of a few
# numbers per sentence, and a sentence costs its inputs at least its quotes and comma; a segment's
# signals are a fixed list whose explanations quote its texts. Checking newstest2013's 52
# articles (15 of them with Apertium), no result was longer than 2 * n + 755 characters (the
# longest: an alignment of 3,326, signals of 1,340). Every entry read may be this long, so the
# constant is kept small: an article of many short segments could otherwise read a lot.
RESULT_PER_INPUT_CHARACTER = 4
RESULT_CONSTANT = 4096


def longest_result(inputs_json: str) -> int:
    """The longest result, in characters, a computation over ``inputs_json`` can have."""
    return RESULT_PER_INPUT_CHARACTER * len(inputs_json) + RESULT_CONSTANT


@functools.cache
def code_fingerprint() -> str:
    """A hash of qa's version, its Python sources, the models the signals read (the fluency
    models: qa.signals.fluency.model_files) and the versions of LIBRARIES."""
    from qa.signals.fluency import model_files

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    for path in model_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for name in LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{name}={metadata.version(name)}".encode())
    return digest.hexdigest()[:16]


class Memo:
    """Results of one kind of computation for one language pair, read from and written to a
    translation cache; without a cache, everything is computed."""

    def __init__(self, cache: TranslationCache | None, kind: str, src: str, tgt: str) -> None:
        self.cache = cache
        info = EngineInfo("qa", kind, code_fingerprint())
        self.scope = CacheScope.of(kind, info, src, tgt)

    def many(
        self,
        items: Sequence[Item],
        key_of: Callable[[Item], Any],
        compute: Callable[[Item], Result],
        encode: Callable[[Result], Any],
        decode: Callable[[Any, Item], Result],
    ) -> list[Result]:
        """``compute(item)`` for each of ``items``, taken from the cache where it is there (and
        decodes) and stored there otherwise; ``key_of(item)`` is everything the result depends
        on, as JSON-able values; ``encode`` turns a result into JSON and ``decode(data, item)`` back,
        raising ValueError if the data cannot be the result for that item."""
        # The cache keeps the text it is given beside each entry; a digest of the inputs keeps
        # that small (a segment's inputs include its token scores).
        inputs = [json.dumps(key_of(item), sort_keys=True) for item in items]
        keys = [hashlib.sha256(text.encode("ascii")).hexdigest() for text in inputs]
        longest = dict(zip(keys, map(longest_result, inputs), strict=True)).__getitem__
        stored = self.cache.get_many(self.scope, keys, longest) if self.cache else {}
        results: list[Result] = []
        fresh: dict[str, str] = {}
        for item, key in zip(items, keys, strict=True):
            if key in stored:
                # An unreadable entry (from a damaged file) is computed again and overwritten.
                with contextlib.suppress(ValueError, KeyError, TypeError, IndexError):
                    results.append(decode(json.loads(stored[key]), item))
                    continue
            result = compute(item)
            fresh[key] = json.dumps(encode(result), ensure_ascii=False)
            results.append(result)
        if self.cache is not None and fresh:
            self.cache.put_many(self.scope, fresh, longest)
        return results


def cached_signals(
    segments: Sequence[Segment], cache: TranslationCache | None, src: str, tgt: str, *,
    ahead: SignalsAhead | None = None,
) -> list[dict[str, Signal]]:
    """``compute_signals`` of each segment, kept in ``cache`` when there is one; what ``ahead``
    computed while the engine scored is used rather than computed again."""
    def compute(segment: Segment) -> dict[str, Signal]:
        early = ahead.completed(segment) if ahead is not None else None
        return early if early is not None else compute_signals(segment)

    memo = Memo(cache, "signals", src, tgt)
    return memo.many(segments, segment_key, compute, signals_to_json, signals_from_json)


def links_to_json(links: Sequence[Link]) -> list[list]:
    """An alignment as JSON: [source indices, target indices, similarity] per link."""
    return [[list(link.src), list(link.tgt), link.similarity] for link in links]


def links_from_json(data: Any, texts: Sequence) -> list[Link]:
    """The alignment :func:`links_to_json` wrote for ``texts`` (the sources and targets first);
    ValueError unless every sentence is in exactly one link, in order."""
    if not isinstance(data, list):
        raise ValueError("an alignment is a list of links")
    links = [Link(tuple(int(i) for i in src), tuple(int(j) for j in tgt), float(similarity))
             for src, tgt, similarity in data]
    sources, targets = texts[0], texts[1]
    if [i for link in links for i in link.src] != list(range(len(sources))) or [
        j for link in links for j in link.tgt
    ] != list(range(len(targets))):
        raise ValueError("the alignment does not cover every sentence once")
    return links


def segment_key(segment: Segment) -> list:
    """Everything a segment's signals depend on, as JSON-able values."""
    def scores(token_scores: TokenScores | None) -> list | None:
        return None if token_scores is None else [list(token_scores.tokens), list(token_scores.logprobs)]

    return [
        segment.source, segment.target, segment.src_lang, segment.tgt_lang, segment.back_translation,
        segment.forward_translation, segment.round_trip, scores(segment.target_scores),
        scores(segment.source_scores), list(segment.preceding_targets),
        None if segment.target_unknown is None else list(segment.target_unknown), segment.heading,
        None if segment.target_tags is None else list(segment.target_tags),
        None if segment.source_tags is None else list(segment.source_tags),
    ]


def signals_to_json(signals: dict[str, Signal]) -> list[list]:
    """A segment's signals as JSON, in their order."""
    return [[s.name, s.value, s.garble, s.explanation, list(s.span) if s.span else None] for s in signals.values()]


def signals_from_json(data: Any, segment: Segment | None = None) -> dict[str, Signal]:
    """The signals :func:`signals_to_json` wrote; ValueError if they are not a list of signals."""
    if not isinstance(data, list):
        raise ValueError("signals are a list")
    signals = {}
    for name, value, garble, explanation, span in data:
        signals[name] = Signal(str(name), float(value), float(garble), str(explanation),
                               (int(span[0]), int(span[1])) if span else None)
    return signals
