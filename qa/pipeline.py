"""Checking paired articles: translate, align, score and flag every passage.

``check_corpus`` is the check itself; ``qa.run`` wraps it with discovery, settings, ignores and
the baseline for ``qa check`` and ``qa.check()``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from qa.align import (
    MAX_ALIGNMENT_WORK,
    AlignmentTooLarge,
    Link,
    align_sentences,
    alignment_work,
    pair_adjacent_gaps,
    profile,
    similarity,
)
from qa.corpus.model import Article, ArticlePair, Role, Sentence
from qa.errors import InputError
from qa.flag import Flagger, load_flagger
from qa.memo import Memo, cached_signals, links_from_json, links_to_json
from qa.progress import NullProgress, Progress
from qa.results import ArticleReport, CheckedSegment, Report
from qa.score import Translating, add_translations, computed_so_far, judge_segment, warm_up_when_computing
from qa.signals import Segment, Signal
from qa.signals.ahead import SignalsAhead
from qa.signals.alignment import gutted
from qa.signature import make_signature
from qa.store import TranslationCache
from qa.translate.base import Engine

# A target sentence "carries" a source headline it resembles at least this much, and this many
# standard deviations more than the article's sentences do on average.
HEADLINE_CARRIER_SIMILARITY = 0.25
HEADLINE_CARRIER_SPREAD = 2.5
# The context signals read at most this many of the article's sentences before a segment. News
# articles are far shorter; the bound keeps a pathological file of thousands of paragraphs from
# costing time and memory that grow with the square of its length.
CONTEXT_SENTENCES = 500


@dataclass
class _Plan:
    """The segments planned for one pair before scoring."""

    pair: ArticlePair
    kinds: list[str] = field(default_factory=list)
    targets: list[tuple[Sentence, ...]] = field(default_factory=list)
    sources: list[tuple[Sentence, ...]] = field(default_factory=list)
    related: list[tuple[Sentence, ...]] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    target_texts: list[str] = field(default_factory=list)  # every planned target sentence, in order
    headings: frozenset[Sentence] = frozenset()  # target sentences of headlines and subtitles


# A paragraph of one short sentence without a final mark reads as a subheading.
SUBHEADING_WORDS = 12
_ENDS_SENTENCE = re.compile(r"[.!?…:;\"'»”’)\]]\s*$")


def _headings(article: Article | None) -> frozenset[Sentence]:
    """The sentences of an article that are headings: headlines, subtitles, and one-sentence
    paragraphs that read as subheadings (short, no final mark), as page dumps and JSON
    articles write them."""
    if article is None:
        return frozenset()
    found: set[Sentence] = set()
    for block in article.blocks:
        sentences = block.sentences
        if block.role in (Role.HEADLINE, Role.SUBTITLE):
            found.update(sentences)
        elif len(sentences) == 1 and len(sentences[0].text.split()) <= SUBHEADING_WORDS and not _ENDS_SENTENCE.search(
            sentences[0].text
        ):
            found.add(sentences[0])
    return frozenset(found)


def _text_sentences(article: Article | None) -> list[tuple[Role, Sentence]]:
    if article is None:
        return []
    return [(block.role, sentence) for block, sentence in article.sentences()]


def _role_parts(
    sources: list[tuple[Role, Sentence]], targets: list[tuple[Role, Sentence]],
) -> list[tuple[list[tuple[Role, Sentence]], list[tuple[Role, Sentence]]]]:
    """What an article's alignment is made of: headline to headline, subtitle to subtitle, body
    to body."""
    return [([(r, s) for r, s in sources if r is role], [(r, t) for r, t in targets if r is role])
            for role in (Role.HEADLINE, Role.SUBTITLE, Role.BODY)]


def _headings_lost_by_a_page(
    pair: ArticlePair, sources: list[tuple[Role, Sentence]], targets: list[tuple[Role, Sentence]],
) -> bool:
    """Whether one side of a headline or subtitle part is empty because that side is a page dump
    read without one (a page saved from its first paragraph on): its headings are then neither
    added nor omitted, and the target's are checked without a source."""
    part = sources or targets
    if (sources and targets) or not part or part[0][0] not in (Role.HEADLINE, Role.SUBTITLE):
        return False
    lacking = pair.target if sources else pair.source
    return lacking is not None and lacking.format in ("page", "html")


def alignable(pairs: Sequence[ArticlePair]) -> tuple[list[ArticlePair], list[InputError]]:
    """The pairs whose sentences can be aligned within MAX_ALIGNMENT_WORK, and an InputError
    naming the translation of each other pair (reading only lengths, names and numbers, before
    anything is translated)."""
    kept: list[ArticlePair] = []
    refused: list[InputError] = []
    for pair in pairs:
        sources, targets = _text_sentences(pair.source), _text_sentences(pair.target)
        if pair.target is None or pair.prealigned or pair.method == "embedded-headline" or not sources:
            kept.append(pair)
            continue
        parts = [([s.text for _, s in part_sources], [t.text for _, t in part_targets])
                 for part_sources, part_targets in _role_parts(sources, targets)]
        work = sum(alignment_work(*texts) for texts in parts)
        if work > MAX_ALIGNMENT_WORK:
            refused.append(AlignmentTooLarge.of(len(sources), len(targets), work, MAX_ALIGNMENT_WORK, pair.target.path))
        else:
            kept.append(pair)
    return kept, refused


def _join(sentences: Sequence[Sentence]) -> str | None:
    return " ".join(s.text for s in sentences) or None


def _alignment_signal(kind: str, src_lang: str, tgt_lang: str) -> list[Signal]:
    if kind == "1-0":
        return [Signal("omission", 1.0, 1.0, f"this {src_lang} sentence has no counterpart in the {tgt_lang} text")]
    if kind == "0-1":
        return [Signal("addition", 1.0, 1.0, f"this sentence has no counterpart in the {src_lang} source")]
    return []


def _carriers(headline: str, headline_translation: str | None, targets: Sequence[str]) -> list[int]:
    """Indices of the target sentences that carry the content of a source headline: the (at
    most two) that resemble it clearly more than the rest of the article does."""
    if not targets:
        return []
    source = profile(headline)
    forward = profile(headline_translation) if headline_translation else None
    values = [similarity(source, profile(t), None, forward) for t in targets]
    mean = sum(values) / len(values)
    spread = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    floor = max(HEADLINE_CARRIER_SIMILARITY, mean + HEADLINE_CARRIER_SPREAD * spread)
    ranked = sorted(range(len(values)), key=values.__getitem__, reverse=True)
    return sorted(k for k in ranked[:2] if values[k] >= floor)


class _Checker:
    """Runs the phases over all pairs at once, so the engine sees large batches."""

    def __init__(
        self, engine: Engine | None, cache: TranslationCache | None, flagger: Flagger, src_lang: str, tgt_lang: str,
        progress: Progress,
    ):
        self.engine, self.cache, self.flagger, self.progress = engine, cache, flagger, progress
        self.src, self.tgt = src_lang, tgt_lang
        self.alignments = Memo(cache, "alignment", src_lang, tgt_lang)
        # Computes the signals that read no score while the engine scores.
        self.ahead = SignalsAhead()
        self.refused: list[InputError] = []

    def translate(self, texts: list[str], from_lang: str, to_lang: str, what: str) -> Callable[[], dict[str, str]]:
        """Ask for the translations of ``texts`` now; the call returned reads them."""
        if self.engine is None or not texts:
            return dict
        translating = Translating(self.engine, texts, from_lang, to_lang, what)
        return lambda: dict(zip(texts, translating.collect(self.progress), strict=True))

    def run(self, pairs: Sequence[ArticlePair]) -> list[ArticleReport]:
        pairs, self.refused = alignable([pair for pair in pairs if pair.target is not None])
        target_texts = [s.text for pair in pairs for _, s in _text_sentences(pair.target)]
        source_texts = [s.text for pair in pairs for _, s in _text_sentences(pair.source)]
        # Both directions are asked for before either is read: an engine that can runs them together.
        before = computed_so_far(self.engine) if self.engine is not None else None
        back_of = self.translate(target_texts, self.tgt, self.src, "back-translating")
        forward_of = self.translate(source_texts, self.src, self.tgt, "translating")
        if self.engine is not None:
            warm_up_when_computing(self.engine, before, (self.src, self.tgt))
        back, forward = back_of(), forward_of()
        plans = [self.plan(pair, back, forward) for pair in pairs]
        segments = add_translations([s for plan in plans for s in plan.segments], self.engine, self.progress,
                                    ahead=self.ahead)
        reports, cursor = [], 0
        with self.progress.task("scoring", len(segments)) as task:
            for plan in plans:
                count = len(plan.segments)
                reports.append(self.finish(plan, segments[cursor : cursor + count]))
                cursor += count
                task.advance(count)
        return reports

    def plan(self, pair: ArticlePair, back: dict[str, str], forward: dict[str, str]) -> _Plan:
        targets = _text_sentences(pair.target)
        plan = _Plan(pair, headings=_headings(pair.target))
        sources = _text_sentences(pair.source)
        if pair.method == "embedded-headline" or not sources:
            self.plan_without_source(plan, sources, targets, back, forward)
        elif pair.prealigned:
            # run() keeps only pairs with a translation, and there are source sentences
            assert pair.source is not None and pair.target is not None
            # Block k of each side holds pair k's sentence, or none when that side was empty: pair
            # the blocks, not the sentences, or one empty side would shift every later pair.
            for source_block, target_block in zip(pair.source.blocks, pair.target.blocks, strict=True):
                s, t = source_block.sentences, target_block.sentences
                if s or t:
                    self.add(plan, f"{len(s)}-{len(t)}", t, s, back, forward)
        else:
            # Sentences left in the source language are aligned too: they stand where their
            # translation should be, and the untranslated signal flags them.
            parts = []
            for role_sources, role_targets in _role_parts(sources, targets):
                texts = (
                    [s.text for _, s in role_sources],
                    [t.text for _, t in role_targets],
                    [back[t.text] for _, t in role_targets] if back else None,
                    [forward[s.text] for _, s in role_sources] if forward else None,
                )
                parts.append((role_sources, role_targets, texts))
            alignments = self.alignments.many(
                [texts for _, _, texts in parts], list, lambda texts: align_sentences(*texts),
                links_to_json, links_from_json,
            )
            for (role_sources, role_targets, _), links in zip(parts, alignments, strict=True):
                if _headings_lost_by_a_page(pair, role_sources, role_targets):
                    for _, target in role_targets:
                        self.add(plan, "no-source", (target,), (), back)
                    continue
                for link in pair_adjacent_gaps(links):
                    self.add_link(plan, link, role_sources, role_targets, back, forward)
        return plan

    def plan_without_source(self, plan, sources, targets, back, forward) -> None:
        """Targets with no source text to align to. Source headlines (a page that kept its
        source headline) are matched to the target sentences that carry their content, shown
        as related source, not scored against."""
        untranslated = {k for k, (_, t) in enumerate(targets) if t.lang == self.src and self.src != self.tgt}
        captions = [s for b, s in plan.pair.target.sentences(text_only=False) if b.role is Role.CAPTION]
        translated = [k for k in range(len(targets)) if k not in untranslated]
        related: dict[int, tuple[Sentence, ...]] = {}
        candidates = [targets[k][1].text for k in translated] + [c.text for c in captions]
        for _, headline in sources:
            for position in _carriers(headline.text, forward.get(headline.text), candidates):
                if position < len(translated):  # captions carry headlines too, but are not scored
                    k = translated[position]
                    related[k] = (*related.get(k, ()), headline)
        for k, (_, sentence) in enumerate(targets):
            kind = "untranslated" if k in untranslated else "no-source"
            self.add(plan, kind, (sentence,), (), back, related=related.get(k, ()))

    def add_link(self, plan, link: Link, sources, translated, back, forward) -> None:
        self.add(
            plan, link.kind,
            tuple(translated[j][1] for j in link.tgt),
            tuple(sources[i][1] for i in link.src),
            back, forward,
        )

    def add(self, plan: _Plan, kind, targets, sources, back, forward=None, related=()) -> None:
        forward = forward or {}
        target_text, source_text = _join(targets), _join(sources)
        back_text = " ".join(back[t.text] for t in targets) if back and targets else None
        forward_text = " ".join(forward[s.text] for s in sources) if forward and sources else None
        plan.kinds.append(kind)
        plan.targets.append(targets)
        plan.sources.append(sources)
        plan.related.append(related)
        plan.segments.append(Segment(
            source_text, target_text, self.src, self.tgt,
            back_translation=back_text, forward_translation=forward_text,
            preceding_targets=tuple(plan.target_texts[-CONTEXT_SENTENCES:]),
            heading=any(t in plan.headings for t in targets),
        ))
        plan.target_texts.extend(t.text for t in targets)

    def finish(self, plan: _Plan, segments: Sequence[Segment]) -> ArticleReport:
        article = plan.pair.target
        assert article is not None  # run() plans only the pairs with a translation
        roles = {sentence: block.role for block in article.blocks for sentence in block.sentences}
        checked = []
        computed = cached_signals(segments, self.cache, self.src, self.tgt, ahead=self.ahead)
        article_signal = _article_signal(plan, self.src, self.tgt)
        # The article's verdict goes with its first missing sentence, where an editor starts reading.
        first_missing = next((n for n, targets in enumerate(plan.targets) if not targets), None)
        for n, (kind, targets, sources, related, segment, signals) in enumerate(
            zip(plan.kinds, plan.targets, plan.sources, plan.related, segments, computed, strict=True)
        ):
            extra = _alignment_signal(kind, self.src, self.tgt)
            if n == first_missing and article_signal is not None:
                extra.append(article_signal)
            result = judge_segment(f"{article.path}#{n + 1}", segment, self.flagger, extra, signals=signals)
            anchor = targets[0].start if targets else _insertion_point(plan, n)
            line, column = article.line_col(anchor)
            role = roles.get(targets[0], Role.BODY) if targets else Role.BODY
            checked.append(CheckedSegment(
                kind, role, targets, sources, result, line, column,
                _file_span(article, targets, result.span), related, anchor,
            ))
        checked.sort(key=lambda c: (c.line, c.column))
        return ArticleReport(plan.pair, tuple(checked))


def _article_signal(plan: _Plan, src_lang: str, tgt_lang: str) -> Signal | None:
    """How much of the source the translation lacks, as the ``gutted`` signal (or None)."""
    omitted = sum(len(sources) for targets, sources in zip(plan.targets, plan.sources, strict=True) if not targets)
    return gutted(omitted, sum(len(sources) for sources in plan.sources), src_lang, tgt_lang)


def _insertion_point(plan: _Plan, index: int) -> int:
    """Where an omitted source sentence would have gone: the start of the next target sentence."""
    for targets in plan.targets[index + 1 :]:
        if targets:
            return targets[0].start
    for targets in reversed(plan.targets[:index]):
        if targets:
            return targets[-1].end
    return 0


def _file_span(article: Article, targets: Sequence[Sentence], span: tuple[int, int] | None) -> tuple[int, int] | None:
    """Map a span in the joined target text back to file offsets; the whole segment when the
    sentence text differs from the file (markup) or no span was given."""
    if not targets:
        return None
    whole = (targets[0].start, targets[-1].end)
    if span is None:
        return whole
    offset = 0
    for sentence in targets:
        length = len(sentence.text)
        if offset <= span[0] < offset + length:
            if article.text[sentence.start : sentence.end] != sentence.text:
                return whole
            end = min(span[1] - offset, length)
            return sentence.start + span[0] - offset, sentence.start + end
        offset += length + 1
    return whole


def check_corpus(
    pairs: Sequence[ArticlePair],
    *,
    engine: Engine | None,
    cache: TranslationCache | None = None,
    flagger: Flagger | None = None,
    src_lang: str = "es",
    tgt_lang: str = "en",
    errors: Sequence[InputError] = (),
    progress: Progress | None = None,
) -> Report:
    """Check every pair that has a translation; ``engine`` None runs only the model-free checks.
    A pair too long to align is not checked: the report's errors name it (see :func:`alignable`).
    Alignments and signals are kept in ``cache`` when one is given, whatever the engine.
    (``qa.run`` wraps this with everything else a check does: settings, ignores, baseline.)"""
    flagger = flagger or load_flagger()
    if flagger.engine is None:  # a flagger not yet bound to the engine that serves it
        flagger = flagger.for_engine(engine.name if engine is not None else "none", f"{src_lang}-{tgt_lang}")
    checker = _Checker(engine, cache, flagger, src_lang, tgt_lang, progress or NullProgress())
    articles = checker.run(pairs)
    return Report(tuple(articles), (*errors, *checker.refused), make_signature(engine, flagger, src_lang, tgt_lang))
