"""An engine wrapped in the translation cache (:class:`qa.store.TranslationCache`): each
translation, score and analysis is asked of the engine once per text, model revision and
direction, and read back from the cache after that."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from qa.errors import EngineError
from qa.store import STORE_CHUNK, CacheScope, TranslationCache
from qa.translate.base import Engine, EngineInfo, TokenScores

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(slots=True)
class CacheStats:
    """What a :class:`CachedEngine` did: ``hits`` counts inputs answered from the cache,
    ``misses`` the distinct inputs the inner engine had to compute, ``engine_calls`` the calls
    made to the inner engine's translate or score."""

    hits: int = 0
    misses: int = 0
    engine_calls: int = 0


def scores_to_json(scores: TokenScores | None) -> str:
    """TokenScores as compact JSON; ``null`` for a pair the engine could not score."""
    if scores is None:
        return "null"
    return json.dumps({"tokens": scores.tokens, "logprobs": scores.logprobs}, ensure_ascii=False)


def scores_from_json(text: str) -> TokenScores | None:
    """TokenScores (or None) from :func:`scores_to_json`; ValueError if malformed."""
    data = json.loads(text)
    if data is None:
        return None
    tokens, logprobs = tuple(data["tokens"]), tuple(float(value) for value in data["logprobs"])
    if len(tokens) != len(logprobs) or not all(isinstance(token, str) for token in tokens):
        raise ValueError("tokens and logprobs do not match")
    return TokenScores(tokens, logprobs)


class CachedEngine(Engine):
    """An engine that answers from a :class:`TranslationCache` when it can and asks the engine it
    wraps only for the distinct inputs it has not seen. ``cache=None`` (--no-cache) sends every
    call through. Closing it closes the inner engine, not the cache."""

    def __init__(self, engine: Engine, cache: TranslationCache | None) -> None:
        self.inner = engine
        self.cache = cache
        self.stats = CacheStats()
        # Word analyses are cheap and not translations: counted apart, not reported.
        self.analysis_stats = CacheStats()
        self.name = engine.name

    @property
    def hits(self) -> int:
        """Inputs answered from the cache."""
        return self.stats.hits

    @property
    def misses(self) -> int:
        """Distinct inputs the inner engine computed."""
        return self.stats.misses

    @property
    def engine_calls(self) -> int:
        """Calls made to the inner engine's translate or score."""
        return self.stats.engine_calls

    @property
    def notes(self) -> list[str]:
        """The inner engine's notes."""
        return self.inner.notes

    @property
    def beam_size(self) -> int | None:
        """The inner engine's beam width."""
        return self.inner.beam_size

    @property
    def can_score(self) -> bool:
        """Whether the inner engine can score."""
        return self.inner.can_score

    def info(self, src: str, tgt: str) -> EngineInfo:
        """The inner engine's info."""
        return self.inner.info(src, tgt)

    def tell(self, listener: Callable[[str], None]) -> None:
        """The inner engine tells ``listener``."""
        self.inner.tell(listener)

    def check(self, src: str, tgt: str) -> None:
        """The inner engine's check."""
        self.inner.check(src, tgt)

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        """Translations from the cache, the rest from the inner engine (then stored)."""
        scope = CacheScope.of("translate", self.inner.info(src, tgt), src, tgt)
        texts = list(texts)
        keys = {text: text for text in texts}

        def compute(missing: list[str]) -> list[str]:
            return self.inner.translate(missing, src, tgt)

        return self._answer(scope, texts, keys, compute, str, str)

    def translate_chunks(self, texts: Sequence[str], src: str, tgt: str, size: int) -> Iterator[list[str]]:
        """Translations ``size`` at a time: from the cache, the rest streamed from the inner
        engine (started on all of them at once) and stored as each of its chunks arrives."""
        scope = CacheScope.of("translate", self.inner.info(src, tgt), src, tgt)
        texts = list(texts)
        keys = {text: text for text in texts}
        known, missing = self._lookup(scope, texts, keys, str, self.stats)
        computed = self.inner.translate_chunks(missing, src, tgt, STORE_CHUNK) if missing else iter(())

        def chunks() -> Iterator[list[str]]:
            waiting = iter(range(0, len(missing), STORE_CHUNK))
            for start in range(0, len(texts), size):
                chunk = texts[start : start + size]
                while any(text not in known for text in chunk):
                    asked = missing[next(waiting) :][:STORE_CHUNK]
                    answered = next(computed)
                    self.stats.engine_calls += 1
                    self._check_count(answered, asked)
                    self._store(scope, known, dict(zip(asked, answered)), keys, str)
                yield [known[text] for text in chunk]

        return chunks()

    def score(
        self, sources: Sequence[str], targets: Sequence[str], src: str, tgt: str
    ) -> list[TokenScores | None]:
        """Scores from the cache, the rest from the inner engine (then stored)."""
        if len(sources) != len(targets):
            raise ValueError(f"{len(sources)} sources but {len(targets)} targets")
        scope = CacheScope.of("score", self.inner.info(src, tgt), src, tgt)
        pairs = list(zip(sources, targets))
        keys = {pair: f"{pair[0]}\x00{pair[1]}" for pair in pairs}

        def compute(missing: list[tuple[str, str]]) -> list[TokenScores | None]:
            return self.inner.score([s for s, _ in missing], [t for _, t in missing], src, tgt)

        return self._answer(scope, pairs, keys, compute, scores_to_json, scores_from_json)

    def score_chunks(
        self, chunks: Sequence[tuple[Sequence[str], Sequence[str]]], src: str, tgt: str
    ) -> Iterator[list[TokenScores | None]]:
        """Scores chunk by chunk: from the cache, the rest asked of the inner engine at once (each
        distinct pair once, in the chunk that first holds it, as :meth:`score` chunk after chunk
        would ask) and stored as each of its chunks arrives."""
        scope = CacheScope.of("score", self.inner.info(src, tgt), src, tgt)
        wanted = []
        for sources, targets in chunks:
            if len(sources) != len(targets):
                raise ValueError(f"{len(sources)} sources but {len(targets)} targets")
            wanted.append(list(zip(sources, targets)))
        keys = {pair: f"{pair[0]}\x00{pair[1]}" for chunk in wanted for pair in chunk}
        known, missing = self._lookup(scope, [pair for chunk in wanted for pair in chunk], keys,
                                      scores_from_json, CacheStats())
        asked = _first_chunk_holding(wanted, set(missing))
        # Counted as score counts a call per chunk: a pair is a hit where an earlier chunk has it.
        earlier: set[tuple[str, str]] = set(known)
        for chunk, new in zip(wanted, asked, strict=True):
            self.stats.hits += sum(1 for pair in chunk if pair in earlier)
            earlier.update(new)
        self.stats.misses += len(missing)
        parts = [new[start : start + STORE_CHUNK] for new in asked for start in range(0, len(new), STORE_CHUNK)]
        computed = self.inner.score_chunks([([s for s, _ in part], [t for _, t in part]) for part in parts], src, tgt)

        def results() -> Iterator[list[TokenScores | None]]:
            for chunk, new in zip(wanted, asked, strict=True):
                for start in range(0, len(new), STORE_CHUNK):
                    part = new[start : start + STORE_CHUNK]
                    answered = next(computed)
                    self.stats.engine_calls += 1
                    self._check_count(answered, part)
                    self._store(scope, known, dict(zip(part, answered)), keys, scores_to_json)
                yield [known[pair] for pair in chunk]

        return results()

    @property
    def can_analyse(self) -> bool:
        """Whether the inner engine can tell unknown words."""
        return self.inner.can_analyse

    def unknown_words(self, texts: Sequence[str], src: str, tgt: str) -> list[tuple[str, ...]]:
        """Unknown words from the cache, the rest from the inner engine (then stored)."""
        return self._word_lists("unknown", texts, src, tgt, self.inner.unknown_words)

    @property
    def can_tag(self) -> bool:
        """Whether the inner engine can tag words."""
        return self.inner.can_tag

    def tagged_words(self, texts: Sequence[str], src: str, tgt: str) -> list[tuple[str, ...]]:
        """Tagged words from the cache, the rest from the inner engine (then stored)."""
        return self._word_lists("tags", texts, src, tgt, self.inner.tagged_words)

    def _word_lists(
        self, kind: str, texts: Sequence[str], src: str, tgt: str,
        analyse: Callable[[list[str], str, str], list[tuple[str, ...]]],
    ) -> list[tuple[str, ...]]:
        """One word list per text (an analysis of ``kind``: unknown words, tags) from the cache,
        the rest from ``analyse`` on the inner engine, then stored."""
        scope = CacheScope.of(kind, self.inner.info(src, tgt), src, tgt)
        texts = list(texts)

        def decode(stored: str) -> tuple[str, ...]:
            words = json.loads(stored)
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise ValueError("a word list is stored as a list of strings")
            return tuple(words)

        return self._answer(scope, texts, {t: t for t in texts}, lambda missing: analyse(missing, src, tgt),
                            lambda words: json.dumps(list(words), ensure_ascii=False), decode,
                            stats=self.analysis_stats)

    def close(self) -> None:
        """Close the inner engine."""
        self.inner.close()

    def _answer(
        self,
        scope: CacheScope,
        inputs: list[K],
        keys: Mapping[K, str],
        compute: Callable[[list[K]], list[V]],
        encode: Callable[[V], str],
        decode: Callable[[str], V],
        stats: CacheStats | None = None,
    ) -> list[V]:
        stats = stats or self.stats
        known, missing = self._lookup(scope, inputs, keys, decode, stats)
        for start in range(0, len(missing), STORE_CHUNK):
            chunk = missing[start : start + STORE_CHUNK]
            stats.engine_calls += 1
            computed = compute(chunk)
            self._check_count(computed, chunk)
            self._store(scope, known, dict(zip(chunk, computed)), keys, encode)
        return [known[item] for item in inputs]

    def _check_count(self, results: Sequence[object], inputs: Sequence[object]) -> None:
        if len(results) != len(inputs):
            raise EngineError(f"the {self.name} engine returned {len(results)} results for {len(inputs)} inputs")

    def _lookup(self, scope: CacheScope, inputs: list[K], keys: Mapping[K, str],
                decode: Callable[[str], V], stats: CacheStats) -> tuple[dict[K, V], list[K]]:
        """What the cache knows of ``inputs``, and the distinct inputs it does not know."""
        distinct = list(dict.fromkeys(inputs))
        stored = self.cache.get_many(scope, [keys[item] for item in distinct]) if self.cache else {}
        known: dict[K, V] = {}
        for item in distinct:
            if keys[item] in stored:
                # An unreadable entry is recomputed and overwritten.
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    known[item] = decode(stored[keys[item]])
        missing = [item for item in distinct if item not in known]
        stats.hits += sum(1 for item in inputs if item in known)
        stats.misses += len(missing)
        return known, missing

    def _store(self, scope: CacheScope, known: dict[K, V], computed: dict[K, V],
               keys: Mapping[K, str], encode: Callable[[V], str]) -> None:
        """Add freshly computed results to ``known`` and to the cache."""
        known.update(computed)
        if self.cache is not None:
            self.cache.put_many(scope, {keys[item]: encode(value) for item, value in computed.items()})


def _first_chunk_holding(chunks: Sequence[Sequence[K]], missing: set[K]) -> list[list[K]]:
    """For each chunk, the items of ``missing`` that no earlier chunk holds (each once)."""
    seen: set[K] = set()
    firsts = []
    for chunk in chunks:
        new = [item for item in dict.fromkeys(chunk) if item in missing and item not in seen]
        seen.update(new)
        firsts.append(new)
    return firsts
