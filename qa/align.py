"""Sentence alignment of a source article with its translation.

Sentences are matched 1-1, 1-2, 2-1, 1-0 and 0-1 by dynamic programming over a similarity that
combines character n-gram F-score (sacrebleu's chrF n-gram extraction) between the source and
the back-translated target, overlap of anchor tokens (numbers, names) that survive translation
unchanged, and agreement of lengths. The functions here are pure: the caller back-translates.

The dynamic programme runs inside a corridor of cells whose width is bounded, so time and memory
grow in proportion to the article, whatever the gap between its sentence counts. When the counts
are close, the corridor is the band around the diagonal it always was. When they are far apart,
it follows a guide path through confident 1-1 links (a name, a number or a whole sentence that
each side has exactly once) and, between them, through the points where both sides have read the
same share of their characters. Texts whose corridor would take more work than
MAX_ALIGNMENT_WORK are refused with :class:`AlignmentTooLarge` before any work is done; the
work is counted from the sentences alone, so a caller can ask (:func:`alignment_work`) before
translating them.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sacrebleu.metrics.helpers import extract_all_char_ngrams

from qa.errors import InputError

CHAR_ORDER = 6
# Links whose similarity exceeds the baseline by less than this are worth less than leaving both
# sides unaligned. Tuned on newstest2013 with random merges, splits, drops and insertions.
MIN_LINK_SIMILARITY = 0.05
BASELINE_SAMPLE = 8
MOVES: tuple[tuple[int, int], ...] = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1))
# The band around the diagonal reaches this far from it, and as far again as the sentence counts
# differ, since the path may need the whole difference in one place...
MIN_BAND = 12
BAND_SLACK = 6
# ...up to this. Past it, the corridor follows a guide path through anchor links instead (see
# guided_corridor), at least this far on either side of it.
MAX_BAND = 24
GUIDE_MIN_BAND = 6
# An anchor link's sentences are no more than this many times as long as each other.
ANCHOR_LENGTH_RATIO = 2.0
# A stretch between two anchors may take this many cells, or this many per sentence.
STRETCH_ALLOWANCE = 20_000
STRETCH_CELLS = 8
# The stretches' character ratio tells split sentences from added ones once there are this many.
MIN_STRETCHES_FOR_RATIO = 5
# Character n-grams of a sentence are read from its first this many characters (news sentences
# are under 1,000), so that no sentence makes a cell of the corridor costly.
MAX_PROFILE_CHARS = 1000
# The most work an alignment may take, in characters compared: each cell of the corridor counts
# its source and its target sentence's length (at most MAX_PROFILE_CHARS, plus one). A long-form
# article of 20,000 words needs about 7 million; news joined into a 1 MB article 53 million,
# which take 15 s on one core (40 s with both translations); a 10 MB one 500 million.
MAX_ALIGNMENT_WORK = 60_000_000

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


class AlignmentTooLarge(InputError):
    """Aligning two texts would take more work than the bound allows (see MAX_ALIGNMENT_WORK)."""

    @classmethod
    def of(cls, sources: int, targets: int, work: int, bound: int, path: str | None = None) -> AlignmentTooLarge:
        """The error for ``sources`` and ``targets`` sentences whose alignment takes ``work``."""
        return cls(f"too long to align: {sources:,} source and {targets:,} target sentences would take "
                   f"{work:,} units of work, over the bound of {bound:,}; not checked", path)


def profile(text: str) -> Profile:
    """Character n-grams and anchor tokens (of the first MAX_PROFILE_CHARS characters) and length
    of one sentence."""
    read = text[:MAX_PROFILE_CHARS]
    return Profile(
        ngrams=tuple(frozenset(c) for c in extract_all_char_ngrams(read.lower(), CHAR_ORDER, include_whitespace=False)),
        anchors=frozenset(_anchor_tokens(read)),
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
    precision = recall = 0.0
    orders = 0
    matched = True
    for hyp, ref in zip(hypothesis.ngrams, reference.ngrams, strict=True):
        if hyp and ref:
            orders += 1
            # Every n-gram holds an (n - 1)-gram: past an order without matches, none match. (The
            # aligner compares mostly unrelated sentences, so this halves its time.)
            if matched:
                matches = len(hyp & ref)
                precision += matches / len(hyp)
                recall += matches / len(ref)
                matched = matches > 0
    if not orders:
        return 0.0
    precision, recall = precision / orders, recall / orders
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

    The alignment moves along both sides within its corridor, so only the profiles of the last
    ``keep`` spans asked for are kept: a text of thousands of sentences is aligned in the memory
    its corridor needs, not in memory for every sentence's character n-grams.
    """

    def __init__(self, texts: Sequence[str], keep: int) -> None:
        self.texts = texts
        # span(end, size): the profile of the ``size`` sentences ending before index ``end``.
        self.span = functools.lru_cache(maxsize=keep)(self._profile)

    def _profile(self, end: int, size: int) -> Profile:
        if size == 1:
            return profile(self.texts[end - 1])
        return merge_profiles([self.span(end - size + k + 1, 1) for k in range(size)])


@dataclass(frozen=True, eq=False)
class Corridor:
    """The cells the alignment may visit. Cell (i, j) stands for the first ``i`` source and
    ``j`` target sentences aligned; row ``i`` holds the columns ``low[i]`` to ``high[i]``.
    ``low`` starts at 0 and never decreases, each row reaches into the one before it and the last
    ends at the last column, so every cell can be reached from (0, 0) and the last cell is."""

    low: array[int]
    high: array[int]

    def cells(self) -> int:
        """How many cells the corridor holds."""
        return sum(self.high) - sum(self.low) + len(self.low)

    def widest(self) -> int:
        """The most cells of one row."""
        return max(high - low + 1 for low, high in zip(self.low, self.high))

    def work(self, sources: Sequence[str], targets: Sequence[str]) -> int:
        """Characters compared: every cell's source and target sentence lengths (see
        MAX_ALIGNMENT_WORK)."""
        # Column j stands for target sentence j - 1, and column 0 for none; before[j] adds up the
        # columns before j.
        before = [0, 0, *itertools.accumulate(map(_weight, targets))]
        total = 0
        for i, (low, high) in enumerate(zip(self.low, self.high)):
            source = _weight(sources[i - 1]) if i else 0
            total += (high - low + 1) * source + before[high + 1] - before[low]
        return total


def _weight(text: str) -> int:
    return min(len(text), MAX_PROFILE_CHARS) + 1


def corridor(sources: Sequence[str], targets: Sequence[str]) -> Corridor:
    """The cells :func:`align_sentences` visits for these sentences: the band around the
    diagonal as wide as the sentence counts differ (and MIN_BAND) while that is at most MAX_BAND,
    else the :func:`guided_corridor`."""
    n, m = len(sources), len(targets)
    band = max(MIN_BAND, abs(n - m) + BAND_SLACK)
    if band > MAX_BAND:
        return guided_corridor(sources, targets)
    centres = [i * m / n if n else 0 for i in range(n + 1)]
    return Corridor(
        array("q", (max(0, int(centre - band)) for centre in centres)),
        array("q", (min(m, int(centre + band)) for centre in centres)),
    )


def guided_corridor(sources: Sequence[str], targets: Sequence[str]) -> Corridor:
    """The cells around a guide path through the :func:`anchor_links`.

    Between two anchors the guide runs where both sides have read the same share of their
    characters, so it follows sentences split on one side however many there are. Its band there
    is as wide as the stretch has sentences more on one side than on the other, plus BAND_SLACK,
    as the diagonal's band is; once there are MIN_STRETCHES_FOR_RATIO stretches to tell how long
    the two sides usually are to each other, only the sentences that the stretch's characters
    account for count (split sentences add none). A stretch whose band would take more than
    STRETCH_ALLOWANCE cells gets STRETCH_CELLS cells a sentence at most, so the corridor grows
    in proportion to the sentences however their counts differ.
    """
    n, m = len(sources), len(targets)
    source_at = [0, *itertools.accumulate(map(_weight, sources))]
    target_at = [0, *itertools.accumulate(map(_weight, targets))]
    anchors = anchor_links(sources, targets)
    ratio = _usual_ratio(source_at, target_at, anchors)
    sentence_length = target_at[m] / max(m, 1)
    # Row i covers the guide's columns from row i - 1's last to its own, and its band either side.
    guide, bands = [0] * (n + 1), [GUIDE_MIN_BAND] * (n + 1)
    for (i0, j0), (i1, j1) in itertools.pairwise(_guide_points(anchors, n, m)):
        guide[i0] = max(guide[i0], j0)
        rows, columns = i1 - i0, j1 - j0
        if not rows:
            continue
        source_span, target_span = source_at[i1] - source_at[i0], target_at[j1] - target_at[j0]
        gap = abs(rows - columns)
        if ratio is not None:
            gap = min(gap, math.ceil(abs(target_span - ratio * source_span) / sentence_length))
        band = max(GUIDE_MIN_BAND, gap + BAND_SLACK)
        if rows * (2 * band + 1) > STRETCH_ALLOWANCE:
            band = max(GUIDE_MIN_BAND, min(band, (STRETCH_CELLS * (rows + columns) // rows - 1) // 2))
        for i in range(i0 + 1, i1 + 1):
            # The target position as far into the stretch as row i is into its source side.
            position = target_at[j0] + (source_at[i] - source_at[i0]) * target_span / source_span
            guide[i] = max(guide[i], bisect.bisect_right(target_at, position, j0, j1 + 1) - 1)
            bands[i] = band
    bands[0] = bands[min(1, n)]
    guide[n] = m
    guide = list(itertools.accumulate(guide, max))
    low = itertools.accumulate((max(0, guide[i - 1] - bands[i]) if i else 0 for i in range(n + 1)), max)
    return Corridor(array("q", low), array("q", (min(m, guide[i] + bands[i]) for i in range(n + 1))))


def _guide_points(anchors: Sequence[tuple[int, int]], n: int, m: int) -> list[tuple[int, int]]:
    """The cells a guide path passes: (0, 0), both ends of each anchor link, (n, m)."""
    return [(0, 0), *((p, q) for i, j in anchors for p, q in ((i, j), (i + 1, j + 1))), (n, m)]


def _usual_ratio(source_at: Sequence[int], target_at: Sequence[int], anchors: Sequence[tuple[int, int]]) -> float | None:
    """The median ratio of target to source characters over the stretches between anchors (not
    the anchors themselves, which may be halves of split sentences), or None with fewer than
    MIN_STRETCHES_FOR_RATIO of them."""
    n, m = len(source_at) - 1, len(target_at) - 1
    starts = [(0, 0), *((i + 1, j + 1) for i, j in anchors)]
    ends = [*anchors, (n, m)]
    ratios = sorted(
        (target_at[j1] - target_at[j0]) / (source_at[i1] - source_at[i0])
        for (i0, j0), (i1, j1) in zip(starts, ends) if i1 > i0 and j1 > j0
    )
    return ratios[len(ratios) // 2] if len(ratios) >= MIN_STRETCHES_FOR_RATIO else None


def anchor_links(sources: Sequence[str], targets: Sequence[str]) -> list[tuple[int, int]]:
    """Confident 1-1 links (source index, target index), in order: a source and a target
    sentence of comparable length (neither more than ANCHOR_LENGTH_RATIO times the other) that
    share a name, a number or their whole wording that no other sentence of either side has. A
    sentence linked so to two different ones is left out; of the rest, the longest chain in order
    on both sides is kept."""
    shared = _keys_seen_once(sources) & _keys_seen_once(targets)
    where_in_targets = {key: j for j, text in enumerate(targets) for key in _anchor_keys(text) & shared}
    partners = {i: {where_in_targets[key] for key in keys} for i, text in enumerate(sources)
                if (keys := _anchor_keys(text) & shared)}
    linked = [(i, js.pop()) for i, js in partners.items() if len(js) == 1]
    target_uses = Counter(j for _, j in linked)
    return _longest_chain([
        (i, j) for i, j in linked
        if target_uses[j] == 1 and 1 / ANCHOR_LENGTH_RATIO <= _weight(targets[j]) / _weight(sources[i]) <= ANCHOR_LENGTH_RATIO
    ])


def _anchor_keys(text: str) -> set[str]:
    """A sentence's names and numbers, and its whole wording when it has three words or more."""
    text = text[:MAX_PROFILE_CHARS]
    keys = _anchor_tokens(text)
    words = _WORD.findall(text.lower())
    if len(words) >= 3:
        keys.add("\0" + " ".join(words))
    return keys


def _keys_seen_once(texts: Sequence[str]) -> set[str]:
    counts = Counter(key for text in texts for key in _anchor_keys(text))
    return {key for key, count in counts.items() if count == 1}


def _longest_chain(links: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of ``links`` (in increasing source order) whose target indices
    increase too (patience sorting)."""
    tails: list[int] = []  # tails[k]: the target index ending the best chain of length k + 1
    ends: list[int] = []  # ends[k]: that chain's last link, as a position in ``links``
    before: list[int] = []  # before[p]: the position of the link before links[p] in its chain
    for position, (_, j) in enumerate(links):
        k = bisect.bisect_left(tails, j)
        before.append(ends[k - 1] if k else -1)
        if k == len(tails):
            tails.append(j)
            ends.append(position)
        else:
            tails[k], ends[k] = j, position
    chain: list[tuple[int, int]] = []
    position = ends[-1] if ends else -1
    while position >= 0:
        chain.append(links[position])
        position = before[position]
    return chain[::-1]


def alignment_work(sources: Sequence[str], targets: Sequence[str]) -> int:
    """The work :func:`align_sentences` does on these sentences, in characters compared (see
    MAX_ALIGNMENT_WORK). It reads only the sentences' lengths, names and numbers, so it can be
    asked before translating them."""
    return corridor(sources, targets).work(sources, targets)


def align_sentences(
    sources: Sequence[str],
    targets: Sequence[str],
    back_translations: Sequence[str] | None = None,
    forward_translations: Sequence[str] | None = None,
    *,
    expected_ratio: float = 1.0,
    min_similarity: float = MIN_LINK_SIMILARITY,
    skip_penalty: float = 0.0,
    max_work: int = MAX_ALIGNMENT_WORK,
) -> list[Link]:
    """Align source sentences with target sentences, in order.

    ``back_translations[j]`` is ``targets[j]`` translated into the source language and
    ``forward_translations[i]`` is ``sources[i]`` translated into the target language; either may
    be None. Every sentence appears in exactly one link. A link is worth its similarity, less the
    spans' baseline similarity to unrelated sentences, less ``min_similarity``; leaving a
    sentence unaligned costs ``skip_penalty``. Raises AlignmentTooLarge, before aligning
    anything, when the :func:`alignment_work` would exceed ``max_work``.
    """
    if back_translations is not None and len(back_translations) != len(targets):
        raise ValueError("need one back-translation per target sentence")
    if forward_translations is not None and len(forward_translations) != len(sources):
        raise ValueError("need one forward translation per source sentence")
    n, m = len(sources), len(targets)
    cells = corridor(sources, targets)
    work = cells.work(sources, targets)
    if work > max_work:
        raise AlignmentTooLarge.of(n, m, work, max_work)
    # A row of the corridor asks for two target spans a column; the baseline samples are asked
    # for all along. Rows wider than the diagonal's widest band compute their spans again.
    keep = 2 * min(cells.widest(), 2 * MAX_BAND + 1) + 4 * BASELINE_SAMPLE + 16
    src, tgt = _Side(sources, keep), _Side(targets, keep)
    back = None if back_translations is None else _Side(back_translations, keep)
    forward = None if forward_translations is None else _Side(forward_translations, keep)

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

    def worth(i: int, di: int, j: int, dj: int) -> tuple[float, float]:
        value = span_similarity(i, di, j, dj)
        baseline = 0.5 * (source_baseline(i, di) + target_baseline(j, dj))
        return value - baseline - min_similarity, value

    return [
        Link(tuple(range(i - di, i)), tuple(range(j - dj, j)), value)
        for i, di, j, dj, value in _best_path(cells, worth, skip_penalty)
    ]


def _best_path(
    cells: Corridor, worth: Callable[[int, int, int, int], tuple[float, float]], skip_penalty: float,
) -> list[tuple[int, int, int, int, float]]:
    """The moves (i, di, j, dj, similarity) of the path through the corridor from (0, 0) to its
    last cell whose gains add up to the most, in order; the first of equal moves wins.
    ``worth(i, di, j, dj)`` is a link's gain and similarity; leaving a sentence out gains
    ``-skip_penalty`` and records similarity 0.

    Scores are kept for the last three rows only; each cell keeps the move that reached it (one
    byte) and that move's similarity, so memory grows with the corridor's cells."""
    low, high = cells.low, cells.high
    skip = (-skip_penalty, 0.0)
    offset = [0, *itertools.accumulate(h - lo + 1 for lo, h in zip(low, high))]
    moves = bytearray(offset[-1])  # index into MOVES of the best move into each cell
    values = array("d", bytes(8 * offset[-1]))  # its similarity
    rows: list[list[float]] = [[], []]  # scores of rows i - 2 and i - 1
    for i in range(len(low)):
        row = [-math.inf] * (high[i] - low[i] + 1)
        if i == 0:
            row[0] = 0.0
        for j in range(low[i], high[i] + 1):
            best, chosen, recorded = row[j - low[i]], 0, 0.0
            for index, (di, dj) in enumerate(MOVES):
                if di > i or dj > j:
                    continue
                before = row if di == 0 else rows[-di]
                column = j - dj - low[i - di]
                if column < 0 or column >= len(before) or before[column] == -math.inf:
                    continue
                gain, value = worth(i, di, j, dj) if di and dj else skip
                if before[column] + gain > best:
                    best, chosen, recorded = before[column] + gain, index, value
            cell = offset[i] + j - low[i]
            row[j - low[i]], moves[cell], values[cell] = best, chosen, recorded
        rows = [rows[-1], row]
    path = []
    i, j = len(low) - 1, high[-1]
    while i > 0 or j > 0:
        cell = offset[i] + j - low[i]
        di, dj = MOVES[moves[cell]]
        path.append((i, di, j, dj, values[cell]))
        i, j = i - di, j - dj
    return path[::-1]


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
