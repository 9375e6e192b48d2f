"""Scoring segments: ask the engine for the translations the signals need, compute the signals,
and let the flagger judge. ``score_pairs`` is how pipelines and evaluations call qa."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from qa.corpus.model import SentencePair
from qa.flag import Flagger, judge, load_flagger
from qa.memo import cached_signals
from qa.progress import NullProgress, Progress
from qa.results import SegmentResult
from qa.signals import Segment, Signal, compute_signals
from qa.translate.base import Engine, TokenScores
from qa.translate.cache import TranslationCache

# Translations are requested in chunks of this many texts so progress can be shown.
CHUNK = 64


def translate_all(
    engine: Engine, texts: Sequence[str], src: str, tgt: str, progress: Progress, what: str
) -> list[str]:
    """Translate ``texts`` (each distinct text once) in chunks, advancing a progress task."""
    unique = list(dict.fromkeys(texts))
    done: dict[str, str] = {}
    with progress.task(f"{what} {src}→{tgt}", len(unique)) as task:
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start : start + CHUNK]
            done.update(zip(chunk, engine.translate(chunk, src, tgt), strict=True))
            task.advance(len(chunk))
    return [done[text] for text in texts]


def _score_all(
    engine: Engine, sources: Sequence[str], targets: Sequence[str], src: str, tgt: str,
    progress: Progress,
) -> list[TokenScores | None]:
    results: list[TokenScores | None] = []
    with progress.task(f"scoring {src}→{tgt}", len(sources)) as task:
        for start in range(0, len(sources), CHUNK):
            results += engine.score(sources[start : start + CHUNK], targets[start : start + CHUNK], src, tgt)
            task.advance(min(CHUNK, len(sources) - start))
    return results


def add_translations(
    segments: Sequence[Segment], engine: Engine | None, progress: Progress | None = None
) -> list[Segment]:
    """Segments with what the engine can add: back-translations and forward translations (where
    not already given), round trips for segments with no source, and forced-decoding scores.
    With no engine, unchanged."""
    if engine is None or not segments:
        return list(segments)
    progress = progress or NullProgress()
    src, tgt = segments[0].src_lang, segments[0].tgt_lang
    updates: list[dict] = [{} for _ in segments]

    def fill(field_name: str, texts: dict[int, str], from_lang: str, to_lang: str, what: str) -> None:
        """Translate the text of each segment index in ``texts`` into its update ``field_name``."""
        translations = translate_all(engine, list(texts.values()), from_lang, to_lang, progress, what)
        for k, text in zip(texts, translations, strict=True):
            updates[k][field_name] = text

    need_back = {k: s.target for k, s in enumerate(segments) if s.target and s.back_translation is None}
    fill("back_translation", need_back, tgt, src, "back-translating")
    need_forward = {k: s.source for k, s in enumerate(segments) if s.source and s.forward_translation is None}
    fill("forward_translation", need_forward, src, tgt, "translating")

    def back_translation(k: int) -> str:
        text = updates[k].get("back_translation", segments[k].back_translation)
        assert text is not None  # a segment with a target was back-translated above, if not before
        return text

    lonely = [k for k, s in enumerate(segments) if s.target and not s.source and s.round_trip is None]
    fill("round_trip", {k: back_translation(k) for k in lonely}, src, tgt, "round trip")

    if engine.can_analyse:
        with_target = {k: s.target for k, s in enumerate(segments) if s.target and s.target_unknown is None}
        indices = list(with_target)
        with progress.task(f"analysing {tgt}", len(indices)) as task:
            for start in range(0, len(indices), CHUNK):
                chunk = indices[start : start + CHUNK]
                words = engine.unknown_words([with_target[k] for k in chunk], tgt, src)
                for k, unknown in zip(chunk, words, strict=True):
                    updates[k]["target_unknown"] = unknown
                task.advance(len(chunk))

    if engine.can_score:
        both = {k: (s.source, s.target) for k, s in enumerate(segments) if s.target and s.source}
        sources = [source for source, _ in both.values()]
        targets = [target for _, target in both.values()]
        for k, scores in zip(both, _score_all(engine, sources, targets, src, tgt, progress), strict=True):
            updates[k]["target_scores"] = scores
        for k, scores in zip(both, _score_all(engine, targets, sources, tgt, src, progress), strict=True):
            updates[k]["source_scores"] = scores
    return [dataclasses.replace(segment, **update) for segment, update in zip(segments, updates, strict=True)]


def judge_segment(
    segment_id: str,
    segment: Segment,
    flagger: Flagger,
    extra_signals: Iterable[Signal] = (),
    *,
    signals: dict[str, Signal] | None = None,
) -> SegmentResult:
    """Signals and verdict of one segment that already carries its translations;
    ``extra_signals`` adds evidence found outside the segment (such as alignment). ``signals``
    are the segment's own signals when they were already computed (``compute_signals``)."""
    signals = dict(compute_signals(segment) if signals is None else signals)
    signals.update((signal.name, signal) for signal in extra_signals)
    verdict = judge(signals, flagger, f"{segment.src_lang}-{segment.tgt_lang}")
    return SegmentResult(
        id=segment_id,
        source=segment.source,
        target=segment.target,
        score=verdict.score,
        flagged=verdict.flagged,
        severity=verdict.severity,
        reasons=verdict.reasons,
        signals=signals,
        span=verdict.span,
        back_translation=segment.back_translation,
    )


def score_pairs(
    pairs: Iterable[SentencePair | tuple[str, str]],
    *,
    src_lang: str,
    tgt_lang: str,
    engine: Engine | None = None,
    flagger: Flagger | None = None,
    cache: TranslationCache | None = None,
    progress: Progress | None = None,
) -> list[SegmentResult]:
    """Score sentence pairs (``SentencePair`` or ``(src, tgt)`` tuples), in input order.

    ``engine`` None runs only the checks that need no model. Each pair's signals are kept in
    ``cache`` when one is given (whatever the engine), so scoring the same pairs again computes
    nothing; the engine's translations are cached only when it is wrapped in a
    :class:`~qa.translate.cache.CachedEngine`.
    """
    flagger = flagger or load_flagger()
    if flagger.engine is None:  # a flagger not yet bound to the engine that serves it
        flagger = flagger.for_engine(engine.name if engine is not None else "none", f"{src_lang}-{tgt_lang}")
    items = [
        pair if isinstance(pair, SentencePair) else SentencePair(str(n), pair[0], pair[1], n)
        for n, pair in enumerate(pairs, start=1)
    ]
    segments = [Segment(p.src or None, p.tgt or None, src_lang, tgt_lang) for p in items]
    segments = add_translations(segments, engine, progress)
    signals = cached_signals(segments, cache, src_lang, tgt_lang)
    return [
        judge_segment(item.id, segment, flagger, signals=computed)
        for item, segment, computed in zip(items, segments, signals, strict=True)
    ]
