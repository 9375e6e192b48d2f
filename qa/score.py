"""Scoring segments: ask the engine for the translations the signals need, compute the signals,
and let the flagger judge. ``score_pairs`` is how pipelines and evaluations call qa.

What the engine is asked for follows the signals chosen (``qa.signals.needs_of``): each signal
declares the inputs it reads, so a selection without translation signals translates nothing. By
default every signal is chosen and every input the engine can give is asked for."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass

from qa.corpus.model import SentencePair
from qa.errors import EngineUnavailable
from qa.flag import Flagger, judge, load_flagger
from qa.langid import warm_up
from qa.memo import cached_signals
from qa.progress import NullProgress, Progress, Task
from qa.results import SegmentResult
from qa.signals import INPUTS, Input, Segment, Signal, compute_signals, needs_of, selected
from qa.signals.ahead import SignalsAhead
from qa.store import TranslationCache
from qa.translate.base import Engine, TokenScores
from qa.translate.cached import CachedEngine

# Translations are requested in chunks of this many texts so progress can be shown.
CHUNK = 64
# score_pairs computes signals this many pairs at a time, as their translations arrive.
SIGNAL_BATCH = 128
# Every input an engine can add: what scoring asks for when no signals are chosen.
EVERY_INPUT: frozenset[Input] = frozenset(INPUTS)


class Translating:
    """Translations asked of an engine (each distinct text once), read as they are wanted.
    Engines that run beside qa work on all of them as soon as they are asked."""

    def __init__(self, engine: Engine, texts: Sequence[str], src: str, tgt: str, what: str) -> None:
        self.texts = list(texts)
        self.unique = list(dict.fromkeys(texts))
        self.label = f"{what} {src}→{tgt}"
        self._position = {text: k for k, text in enumerate(self.unique)}
        self._chunks = engine.translate_chunks(self.unique, src, tgt, CHUNK)
        self._done: dict[str, str] = {}

    def translations_of(self, texts: Sequence[str], task: Task) -> list[str]:
        """The translations of ``texts`` (some of those asked), reading the engine's answers
        as far as the last of them and advancing ``task`` per chunk read."""
        needed = max((self._position[text] for text in texts), default=-1)
        while len(self._done) <= needed:
            translated = next(self._chunks)
            chunk = self.unique[len(self._done) : len(self._done) + len(translated)]
            self._done.update(zip(chunk, translated, strict=True))
            task.advance(len(chunk))
        return [self._done[text] for text in texts]

    def collect(self, progress: Progress) -> list[str]:
        """Every translation, in the order of the texts, under a progress task."""
        with progress.task(self.label, len(self.unique)) as task:
            return self.translations_of(self.texts, task)


class Scoring:
    """Forced-decoding scores asked of an engine for pairs of one direction, read when wanted.
    Engines that run beside qa work on them as soon as they are asked, so that both directions
    are scored together."""

    def __init__(self, engine: Engine, sources: Sequence[str], targets: Sequence[str], src: str, tgt: str) -> None:
        self.label = f"scoring {src}→{tgt}"
        self.size = len(sources)
        starts = range(0, len(sources), CHUNK)
        self._chunks = engine.score_chunks(
            [(sources[start : start + CHUNK], targets[start : start + CHUNK]) for start in starts], src, tgt)

    def collect(self, progress: Progress) -> list[TokenScores | None]:
        """Every score, in the order of the pairs, under a progress task."""
        results: list[TokenScores | None] = []
        with progress.task(self.label, self.size) as task:
            for scores in self._chunks:
                results += scores
                task.advance(len(scores))
        return results


def add_translations(
    segments: Sequence[Segment], engine: Engine | None, progress: Progress | None = None, *,
    needs: frozenset[Input] = EVERY_INPUT, ahead: SignalsAhead | None = None,
) -> list[Segment]:
    """Segments with what the engine can add among ``needs`` (by default everything):
    back-translations and forward translations (where not already given), round trips for
    segments with no source, the words the engine does not know, tags and forced-decoding
    scores. With no engine, unchanged. ``ahead`` computes signals while the engine scores."""
    batches = translated_batches(segments, engine, progress, len(segments) or 1, needs=needs, ahead=ahead)
    return [segment for batch in batches for segment in batch]


def translated_batches(
    segments: Sequence[Segment], engine: Engine | None, progress: Progress | None, size: int, *,
    needs: frozenset[Input] = EVERY_INPUT, ahead: SignalsAhead | None = None,
) -> Iterator[list[Segment]]:
    """:func:`add_translations` ``size`` segments at a time. Every translation is asked for
    first, both directions together, so an engine that runs beside qa translates the next batches
    while the caller works on this one."""
    if engine is None or not segments:
        yield from (list(segments[start : start + size]) for start in range(0, len(segments), size))
        return
    progress = progress or NullProgress()
    src, tgt = segments[0].src_lang, segments[0].tgt_lang
    before = computed_so_far(engine)
    back = forward = None
    if "back_translation" in needs or "round_trip" in needs:  # a round trip starts from the back-translation
        back = Translating(engine, [s.target for s in segments if s.target and s.back_translation is None],
                           tgt, src, "back-translating")
    if "forward_translation" in needs:
        forward = Translating(engine, [s.source for s in segments if s.source and s.forward_translation is None],
                              src, tgt, "translating")
    if back is not None or forward is not None:
        warm_up_when_computing(engine, before, (src, tgt))
    with ExitStack() as tasks:
        back_task = tasks.enter_context(progress.task(back.label, len(back.unique))) if back else None
        forward_task = tasks.enter_context(progress.task(forward.label, len(forward.unique))) if forward else None
        translating = any(asked is not None and asked.unique for asked in (back, forward))
        for start in range(0, len(segments), size):
            batch = segments[start : start + size]
            # Scores need no translation: asked before the batch's translations are read, a
            # direction that has translated its part scores while the other still translates.
            scores = AskedScores.of(batch, engine, needs) if translating else None
            translated = _with_translations(batch, (back, back_task), (forward, forward_task))
            yield _with_analyses(translated, engine, progress, needs, ahead, scores)


def computed_so_far(engine: Engine) -> int | None:
    """How many translations a cached engine has had to compute so far; None for an engine
    without a cache, which computes every one."""
    return engine.stats.misses if isinstance(engine, CachedEngine) else None


def warm_up_when_computing(engine: Engine, before: int | None, languages: tuple[str, str]) -> None:
    """Load the language identifier's models in the background while the engine translates,
    when it has anything to translate (``before``: :func:`computed_so_far` before asking). A run
    whose translations all come from the cache likely finds its signals there too, and loading
    the models would only hold it up."""
    after = computed_so_far(engine)
    if after is None or after != before:
        warm_up(languages)


Asked = tuple[Translating | None, Task | None]  # translations asked for (None: not needed), and their task


def _with_translations(batch: Sequence[Segment], back: Asked, forward: Asked) -> list[Segment]:
    """The batch's segments with their asked-for back and forward translations."""
    updates: list[dict] = [{} for _ in batch]

    def fill(field_name: str, texts: dict[int, str], asked: Asked) -> None:
        translating, task = asked
        if translating is None or task is None:
            return
        for k, text in zip(texts, translating.translations_of(list(texts.values()), task), strict=True):
            updates[k][field_name] = text

    fill("back_translation", {k: s.target for k, s in enumerate(batch) if s.target and s.back_translation is None},
         back)
    fill("forward_translation", {k: s.source for k, s in enumerate(batch) if s.source and s.forward_translation is None},
         forward)
    return [dataclasses.replace(segment, **update) for segment, update in zip(batch, updates, strict=True)]


def _with_analyses(
    batch: list[Segment], engine: Engine, progress: Progress, needs: frozenset[Input], ahead: SignalsAhead | None,
    scores: AskedScores | None,
) -> list[Segment]:
    """The batch's segments with what ``needs`` asks of the rest: round trips for those with no
    source, the target's unknown words, tags and forced-decoding scores (``scores``, when they
    were asked already), as far as the engine gives them. While the engine computes scores,
    ``ahead`` (when given) computes the signals that read none."""
    src, tgt = batch[0].src_lang, batch[0].tgt_lang
    updates: list[dict] = [{} for _ in batch]
    lonely = {k: s.back_translation for k, s in enumerate(batch)
              if s.target and not s.source and s.round_trip is None and s.back_translation is not None}
    # Round trips and scores are all asked for before any is read: an engine that runs beside qa
    # scores one direction while it translates the round trips in the other.
    trips = (Translating(engine, list(lonely.values()), src, tgt, "round trip")
             if lonely and "round_trip" in needs else None)
    asked = scores or AskedScores.of(batch, engine, needs)
    if trips is not None:
        for k, text in zip(lonely, trips.collect(progress), strict=True):
            updates[k]["round_trip"] = text

    if engine.can_analyse and "target_unknown" in needs:
        with_target = {k: s.target for k, s in enumerate(batch) if s.target and s.target_unknown is None}
        indices = list(with_target)
        with progress.task(f"analysing {tgt}", len(indices)) as task:
            for start in range(0, len(indices), CHUNK):
                chunk = indices[start : start + CHUNK]
                words = engine.unknown_words([with_target[k] for k in chunk], tgt, src)
                for k, unknown in zip(chunk, words, strict=True):
                    updates[k]["target_unknown"] = unknown
                task.advance(len(chunk))

    if engine.can_tag and needs & {"target_tags", "source_tags"}:
        _add_tags(batch, updates, engine, progress, needs)

    if ahead is not None and asked.computing:
        ahead.start([dataclasses.replace(segment, **update) for segment, update in zip(batch, updates, strict=True)])
    try:
        for field_name, (scored, scoring) in asked.scorings.items():
            for k, token_scores in zip(scored, scoring.collect(progress), strict=True):
                updates[k][field_name] = token_scores
    finally:
        if ahead is not None:
            ahead.stop()
    return [dataclasses.replace(segment, **update) for segment, update in zip(batch, updates, strict=True)]


@dataclass(frozen=True, slots=True)
class AskedScores:
    """The forced-decoding scores of a batch, both directions asked at once: for each segment
    field, the batch positions scored and their Scoring; ``computing`` when the engine has any of
    them to compute (not all in the cache)."""

    scorings: dict[str, tuple[list[int], Scoring]]
    computing: bool

    @classmethod
    def of(cls, batch: Sequence[Segment], engine: Engine, needs: frozenset[Input]) -> AskedScores:
        """Ask the engine for the scores ``needs`` names, of the batch's segments with both sides."""
        if not engine.can_score:
            return cls({}, computing=False)
        src, tgt = batch[0].src_lang, batch[0].tgt_lang
        both = {k: (s.source, s.target) for k, s in enumerate(batch) if s.target and s.source}
        sources = [source for source, _ in both.values()]
        targets = [target for _, target in both.values()]
        before = computed_so_far(engine)
        scorings = {}
        if "target_scores" in needs:
            scorings["target_scores"] = (list(both), Scoring(engine, sources, targets, src, tgt))
        if "source_scores" in needs:
            scorings["source_scores"] = (list(both), Scoring(engine, targets, sources, tgt, src))
        computing = bool(scorings) and (before is None or computed_so_far(engine) != before)
        return cls(scorings, computing)


def _add_tags(
    batch: list[Segment], updates: list[dict], engine: Engine, progress: Progress, needs: frozenset[Input]
) -> None:
    """Put each side's tagged words in ``updates``, for the sides ``needs`` asks for whose language
    a part-of-speech fluency model covers (the only signals that read them). A pair without a
    tagger here gets none: the signal is then absent, not an error."""
    from qa.signals.fluency import tagged_languages

    src, tgt = batch[0].src_lang, batch[0].tgt_lang
    covered = tagged_languages()
    for field_name, side, lang, other in (("target_tags", "target", tgt, src), ("source_tags", "source", src, tgt)):
        if lang not in covered or field_name not in needs:
            continue
        texts = {k: getattr(s, side) for k, s in enumerate(batch) if getattr(s, side) and getattr(s, field_name) is None}
        indices = list(texts)
        with progress.task(f"tagging {lang}", len(indices)) as task:
            for begin in range(0, len(indices), CHUNK):
                chunk = indices[begin : begin + CHUNK]
                try:
                    tagged = engine.tagged_words([texts[k] for k in chunk], lang, other)
                except EngineUnavailable:
                    break
                for k, tags in zip(chunk, tagged, strict=True):
                    updates[k][field_name] = tags
                task.advance(len(chunk))


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
    signals: Iterable[str] | None = None,
) -> list[SegmentResult]:
    """Score sentence pairs (``SentencePair`` or ``(src, tgt)`` tuples), in input order.

    ``engine`` None runs only the checks that need no model. Each pair's signals are kept in
    ``cache`` when one is given (whatever the engine), so scoring the same pairs again computes
    nothing; the engine's translations are cached only when it is wrapped in a
    :class:`~qa.translate.cached.CachedEngine`.

    ``signals`` names the signals to compute (None: every registered one): the engine is asked
    only for the inputs they read, and the flagger judges on them alone. A chosen selection's
    signals are computed afresh, not kept in ``cache``. ValueError for an unknown name.
    """
    chosen = None if signals is None else selected(signals)
    flagger = flagger or load_flagger()
    if flagger.engine is None:  # a flagger not yet bound to the engine that serves it
        flagger = flagger.for_engine(engine.name if engine is not None else "none", f"{src_lang}-{tgt_lang}")
    items = [
        pair if isinstance(pair, SentencePair) else SentencePair(str(n), pair[0], pair[1], n)
        for n, pair in enumerate(pairs, start=1)
    ]
    segments = [Segment(p.src or None, p.tgt or None, src_lang, tgt_lang) for p in items]
    results: list[SegmentResult] = []
    ahead = SignalsAhead() if chosen is None else None
    # The signals of one batch are computed while the engine translates the next ones, and those
    # that read no score while it scores this one.
    for batch in translated_batches(segments, engine, progress, SIGNAL_BATCH, needs=needs_of(chosen), ahead=ahead):
        if chosen is None:
            computed = cached_signals(batch, cache, src_lang, tgt_lang, ahead=ahead)
        else:
            computed = [compute_signals(segment, chosen) for segment in batch]
        done = items[len(results) : len(results) + len(batch)]
        results += [judge_segment(item.id, segment, flagger, signals=own)
                    for item, segment, own in zip(done, batch, computed, strict=True)]
    return results
