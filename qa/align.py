"""Sentence alignment of a source article with its translation.

Sentences are matched 1-1, 1-2, 2-1, 1-0 and 0-1 by dynamic programming over a similarity that
combines character n-gram F-score (sacrebleu's chrF n-gram extraction) between the source and
the back-translated target, overlap of anchor tokens (numbers, names) that survive translation
unchanged, and agreement of lengths. The functions here are pure: the caller back-translates.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sacrebleu.metrics.helpers import extract_all_char_ngrams

CHAR_ORDER = 6
# Links whose similarity exceeds the baseline by less than this are worth less than leaving both
# sides unaligned. Tuned on newstest2013 with random merges, splits, drops and insertions.
MIN_LINK_SIMILARITY = 0.05
BASELINE_SAMPLE = 8
MOVES: tuple[tuple[int, int], ...] = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1))

_ANCHOR = re.compile(r"\d+(?:[.,]\d+)*|\b[A-ZÁÉÍÓÚÑÜ][\w'-]{2,}")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Profile:
    """What the similarity needs to know about one sentence, computed once."""

    ngrams: tuple[frozenset[str], ...]
    anchors: frozenset[str]
    length: int


@dataclass(frozen=True, slots=True)
class Link:
    """Source sentences ``src`` aligned to target sentences ``tgt`` (indices; either may be
    empty for an omission or an addition) with the similarity that justified the link."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    similarity: float

    @property
    def kind(self) -> str:
        """``"1-1"``, ``"2-1"``, ``"1-0"``... as sentence counts on each side."""
        return f"{len(self.src)}-{len(self.tgt)}"


def profile(text: str) -> Profile:
    """Character n-grams, anchor tokens and length of one sentence."""
    normalised = text.lower()
    return Profile(
        ngrams=tuple(frozenset(c) for c in extract_all_char_ngrams(normalised, CHAR_ORDER, include_whitespace=False)),
        anchors=frozenset(_anchor_tokens(text)),
        length=len(text),
    )


def _anchor_tokens(text: str) -> set[str]:
    anchors = set()
    for match in _ANCHOR.finditer(text):
        token = match.group(0)
        anchors.add(re.sub(r"[.,]", "", token) if token[0].isdigit() else token.lower())
    return anchors


def merge_profiles(profiles: Sequence[Profile]) -> Profile:
    """The profile of several consecutive sentences read as one."""
    if len(profiles) == 1:
        return profiles[0]
    ngrams = tuple(frozenset().union(*(p.ngrams[n] for p in profiles)) for n in range(CHAR_ORDER))
    return Profile(
        ngrams=ngrams,
        anchors=frozenset().union(*(p.anchors for p in profiles)),
        length=sum(p.length for p in profiles) + len(profiles) - 1,
    )


def char_fscore(hypothesis: Profile, reference: Profile, beta: float = 1.0) -> float:
    """chrF in [0, 1]: F-beta of character n-gram precision and recall averaged over orders."""
    precisions, recalls = [], []
    for hyp, ref in zip(hypothesis.ngrams, reference.ngrams, strict=True):
        hyp_total, ref_total = len(hyp), len(ref)
        if hyp_total == 0 or ref_total == 0:
            continue
        matches = len(hyp & ref)
        precisions.append(matches / hyp_total)
        recalls.append(matches / ref_total)
    if not precisions:
        return 0.0
    precision, recall = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    if precision + recall == 0:
        return 0.0
    return (1 + beta**2) * precision * recall / (beta**2 * precision + recall)


def anchor_overlap(a: Profile, b: Profile) -> float | None:
    """Jaccard overlap of anchor tokens, or None when neither side has any."""
    union = a.anchors | b.anchors
    if not union:
        return None
    return len(a.anchors & b.anchors) / len(union)


def length_agreement(source_length: int, target_length: int, expected_ratio: float = 1.0) -> float:
    """1.0 when the target is as long as expected, falling towards 0 as lengths diverge."""
    if source_length == 0 or target_length == 0:
        return 0.0
    return math.exp(-abs(math.log(target_length / (source_length * expected_ratio))))


def similarity(
    source: Profile,
    target: Profile,
    back_translated: Profile | None = None,
    forward_translated: Profile | None = None,
    expected_ratio: float = 1.0,
) -> float:
    """How well target sentences match source sentences, in [0, 1].

    chrF is taken between the source and the back-translated target, and between the target and
    the forward-translated source, averaged over what is available; without either translation
    the two sides are compared directly (names, numbers and cognates still match).
    """
    scores = []
    if back_translated is not None:
        scores.append(char_fscore(back_translated, source))
    if forward_translated is not None:
        scores.append(char_fscore(forward_translated, target))
    chrf = sum(scores) / len(scores) if scores else char_fscore(target, source)
    length = length_agreement(source.length, target.length, expected_ratio)
    overlap = anchor_overlap(source, target)
    if overlap is None:
        return 0.8 * chrf + 0.2 * length
    return 0.65 * chrf + 0.2 * overlap + 0.15 * length


class _Side:
    """Profiles of one side's sentences and of pairs of neighbours, computed when first asked for.

    The alignment moves along both sides within a band, so only the profiles of the last
    ``keep`` spans asked for are kept: a text of thousands of sentences is aligned in the memory
    its band needs, not in memory for every sentence's character n-grams.
    """

    def __init__(self, texts: Sequence[str], keep: int) -> None:
        self.texts = texts
        self._cached = functools.lru_cache(maxsize=keep)(self._profile)

    def span(self, end: int, size: int) -> Profile:
        """The profile of the ``size`` sentences ending before index ``end``."""
        return self._cached(end, size)

    def _profile(self, end: int, size: int) -> Profile:
        if size == 1:
            return profile(self.texts[end - 1])
        return merge_profiles([self._cached(end - size + k + 1, 1) for k in range(size)])


def align_sentences(
    sources: Sequence[str],
    targets: Sequence[str],
    back_translations: Sequence[str] | None = None,
    forward_translations: Sequence[str] | None = None,
    *,
    expected_ratio: float = 1.0,
    min_similarity: float = MIN_LINK_SIMILARITY,
    skip_penalty: float = 0.0,
) -> list[Link]:
    """Align source sentences with target sentences, in order.

    ``back_translations[j]`` is ``targets[j]`` translated into the source language and
    ``forward_translations[i]`` is ``sources[i]`` translated into the target language; either may
    be None. Every sentence appears in exactly one link. A link is worth its similarity, less the
    spans' baseline similarity to unrelated sentences, less ``min_similarity``; leaving a
    sentence unaligned costs ``skip_penalty``.
    """
    if back_translations is not None and len(back_translations) != len(targets):
        raise ValueError("need one back-translation per target sentence")
    if forward_translations is not None and len(forward_translations) != len(sources):
        raise ValueError("need one forward translation per source sentence")
    n, m = len(sources), len(targets)
    band = max(12, abs(n - m) + 6)
    # A row of the band asks for about 4 * band target spans; the baseline samples are asked
    # for all along.
    keep = 4 * band + 4 * BASELINE_SAMPLE + 16
    src, tgt = _Side(sources, keep), _Side(targets, keep)
    back = None if back_translations is None else _Side(back_translations, keep)
    forward = None if forward_translations is None else _Side(forward_translations, keep)

    @functools.lru_cache(maxsize=4 * keep)
    def span_similarity(i: int, di: int, j: int, dj: int) -> float:
        back_span = None if back is None else back.span(j, dj)
        forward_span = None if forward is None else forward.span(i, di)
        return similarity(src.span(i, di), tgt.span(j, dj), back_span, forward_span, expected_ratio)

    # How similar a span is to unrelated sentences of the other side. Long or generic spans
    # resemble everything a little; subtracting this baseline keeps merges and skips honest.
    src_sample = _spread(n, BASELINE_SAMPLE)
    tgt_sample = _spread(m, BASELINE_SAMPLE)

    @functools.cache
    def source_baseline(i: int, di: int) -> float:
        return sum(span_similarity(i, di, k + 1, 1) for k in tgt_sample) / len(tgt_sample)

    @functools.cache
    def target_baseline(j: int, dj: int) -> float:
        return sum(span_similarity(k + 1, 1, j, dj) for k in src_sample) / len(src_sample)

    # Only the cells of the band are kept (row i: column j -> score, and the step that reached
    # it), so memory grows with the number of sentences, not with its square.
    best: list[dict[int, float]] = [{} for _ in range(n + 1)]
    steps: list[dict[int, tuple[int, int, float]]] = [{} for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        centre = i * m / n if n else 0
        for j in range(max(0, int(centre - band)), min(m, int(centre + band)) + 1):
            for di, dj in MOVES:
                if di > i or dj > j or (j - dj) not in best[i - di]:
                    continue
                if di and dj:
                    value = span_similarity(i, di, j, dj)
                    baseline = 0.5 * (source_baseline(i, di) + target_baseline(j, dj))
                    gain = value - baseline - min_similarity
                else:
                    value, gain = 0.0, -skip_penalty
                candidate = best[i - di][j - dj] + gain
                if candidate > best[i].get(j, -math.inf):
                    best[i][j] = candidate
                    steps[i][j] = (di, dj, value)

    links: list[Link] = []
    i, j = n, m
    while i > 0 or j > 0:
        step = steps[i].get(j)
        assert step is not None, "the band always reaches the end cell"
        di, dj, value = step
        links.append(Link(tuple(range(i - di, i)), tuple(range(j - dj, j)), value))
        i, j = i - di, j - dj
    links.reverse()
    return links


def _spread(count: int, size: int) -> list[int]:
    """Up to ``size`` indices spread evenly over ``range(count)`` (``[0]`` when count is 0...1)."""
    if count <= 1:
        return [0] if count else []
    step = max(1, count // size)
    return list(range(0, count, step))[:size]


def pair_adjacent_gaps(links: Sequence[Link]) -> list[Link]:
    """Join an unaligned source sentence and an unaligned target sentence that stand side by side
    into one (weak) 1-1 link.

    The aligner leaves both unaligned when the translation is too poor to resemble its source,
    which is exactly the passage a checker must score against that source (an omission inside
    the sentence, a mistranslation), rather than report as a dropped and an added sentence.
    """
    paired: list[Link] = []
    for link in links:
        previous = paired[-1] if paired else None
        if previous is not None and {previous.kind, link.kind} == {"1-0", "0-1"}:
            paired[-1] = Link(previous.src + link.src, previous.tgt + link.tgt, max(previous.similarity, link.similarity))
        else:
            paired.append(link)
    return paired
