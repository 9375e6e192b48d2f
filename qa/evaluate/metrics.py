"""Measuring garble scores against human labels and preferences: ROC AUC, average precision,
precision / recall / F1, thresholds, and the WMT segment-level Kendall tau.

Score orientation. Every function that takes scores treats them as *garble scores*: higher means
more garbled, more worth flagging. A baseline whose scores run the other way (chrF against a
back-translation: lower chrF = more garbled) passes ``higher_is_worse=False``, which is the same
as negating the scores; thresholds are always reported on the caller's own scale.

Degenerate inputs. Ranking metrics (AUC, average precision, the precision-recall curve, threshold
picking) need both classes and raise ``ValueError`` saying so when the labels hold only one.
Empty or mismatched inputs, labels other than 0/1 and non-finite scores raise ``ValueError`` too.
Precision, recall and F1 of a fixed set of flags are ``nan`` when undefined (precision when nothing
is flagged, recall when nothing is positive, F1 when both); see :func:`precision_recall_f1`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sklearn import metrics as skm

from qa.evaluate.loaders import LabelledSet, Preference, RankingSet


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 of a set of flags, with the counts behind them."""

    precision: float
    recall: float
    f1: float
    true_positives: int
    false_positives: int
    false_negatives: int


@dataclass(frozen=True)
class CurvePoint:
    """Precision and recall when flagging every score at or beyond ``threshold``."""

    threshold: float
    precision: float
    recall: float


@dataclass(frozen=True)
class TauCounts:
    """The WMT segment-level Kendall tau and its counts. ``ties`` (equal checker scores) are
    already counted in ``discordant``; ``tau = (concordant - discordant) / preferences``."""

    tau: float
    concordant: int
    discordant: int
    ties: int

    @property
    def preferences(self) -> int:
        """How many human preferences were compared."""
        return self.concordant + self.discordant


def roc_auc(labels: Sequence[int], scores: Sequence[float], *, higher_is_worse: bool = True) -> float:
    """ROC AUC of ``scores`` at separating label 1 from label 0 (1 = perfect, 0.5 = chance, tied
    scores count half). ValueError when the labels hold one class only."""
    y, s = _ranking_inputs(labels, scores, higher_is_worse)
    return float(skm.roc_auc_score(y, s))


def average_precision(
    labels: Sequence[int], scores: Sequence[float], *, higher_is_worse: bool = True
) -> float:
    """Average precision (area under the step precision-recall curve, scikit-learn's definition).
    Chance level is the share of positives. ValueError when the labels hold one class only."""
    y, s = _ranking_inputs(labels, scores, higher_is_worse)
    return float(skm.average_precision_score(y, s))


def precision_recall_curve(
    labels: Sequence[int], scores: Sequence[float], *, higher_is_worse: bool = True
) -> list[CurvePoint]:
    """One point per distinct score, from the most lenient threshold (everything flagged) to the
    strictest. A point's threshold flags scores ``>= threshold`` (``<=`` when
    ``higher_is_worse=False``). ValueError when the labels hold one class only."""
    y, s = _ranking_inputs(labels, scores, higher_is_worse)
    precision, recall, thresholds = skm.precision_recall_curve(y, s)
    sign = 1.0 if higher_is_worse else -1.0
    # scikit-learn appends a final (precision 1, recall 0) point with no threshold: dropped
    return [
        CurvePoint(sign * float(t), float(p), float(r))
        for t, p, r in zip(thresholds, precision[:-1], recall[:-1], strict=True)
    ]


def precision_recall_f1(labels: Sequence[int], flagged: Sequence[bool]) -> PRF:
    """Precision, recall and F1 of ``flagged`` against ``labels``.

    Undefined ratios are ``nan``, never an error: precision when nothing is flagged, recall when
    nothing is positive. F1 is 2·TP / (2·TP + FP + FN), so it is 0 when either side is empty but
    the other is not, and ``nan`` only when there are no positives and no flags.
    """
    y = _labels_array(labels)
    f = _flags_array(flagged, len(y))
    precision, recall, f1, _ = skm.precision_recall_fscore_support(
        y, f, average="binary", zero_division=np.nan
    )
    return PRF(
        precision=float(precision),
        recall=float(recall),
        f1=float(f1),
        true_positives=int(np.sum(y & f)),
        false_positives=int(np.sum(~y & f)),
        false_negatives=int(np.sum(y & ~f)),
    )


def flag_at(scores: Sequence[float], threshold: float, *, higher_is_worse: bool = True) -> list[bool]:
    """Which scores a threshold flags: ``score >= threshold`` (``<=`` if ``higher_is_worse=False``)."""
    if higher_is_worse:
        return [score >= threshold for score in scores]
    return [score <= threshold for score in scores]


def pick_threshold(
    labels: Sequence[int],
    scores: Sequence[float],
    *,
    target: Literal["f1", "precision"] = "f1",
    min_precision: float = 0.9,
    higher_is_worse: bool = True,
) -> float:
    """The threshold (one of ``scores``, on their own scale; see :func:`flag_at`) that

    * ``target="f1"``: maximises F1;
    * ``target="precision"``: maximises recall among thresholds whose precision is at least
      ``min_precision``, raising ValueError when none reaches it.

    Among equally good thresholds the strictest (fewest flags) wins. ValueError when the labels
    hold one class only.
    """
    points = precision_recall_curve(labels, scores, higher_is_worse=higher_is_worse)
    if target == "f1":
        candidates = [(_f1(point), point) for point in points]
    elif target == "precision":
        if not 0.0 < min_precision <= 1.0:
            raise ValueError(f"min_precision must be in (0, 1], got {min_precision}")
        candidates = [(point.recall, point) for point in points if point.precision >= min_precision]
        if not candidates:
            best = max(point.precision for point in points)
            raise ValueError(f"no threshold reaches precision {min_precision} (the best is {best:.3f})")
    else:
        raise ValueError(f"target must be 'f1' or 'precision', got {target!r}")
    # points run lenient -> strict, so on equal merit the later (stricter) point wins
    best_value = max(value for value, _ in candidates)
    return [point for value, point in candidates if value == best_value][-1].threshold


def kendall_tau_wmt(
    preferences: Iterable[Preference],
    score_of: Mapping[tuple[int, str], float] | Callable[[int, str], float],
    *,
    higher_is_worse: bool = True,
) -> TauCounts:
    """The WMT12 segment-level Kendall tau of garble scores against human preferences.

    ``score_of`` maps (line, system) to the checker's garble score (a mapping or a function). A
    preference is concordant when the worse translation has the higher garble score; equal scores
    count as discordant (the WMT12 convention, so a constant checker scores -1). ValueError when
    there are no preferences, a (line, system) has no score, or a score is not finite.
    """
    lookup = _score_lookup(score_of, higher_is_worse)
    concordant = discordant = ties = 0
    for preference in preferences:
        worse, better = lookup(preference.line, preference.worse), lookup(preference.line, preference.better)
        if worse > better:
            concordant += 1
        else:
            discordant += 1
            ties += int(worse == better)
    total = concordant + discordant
    if total == 0:
        raise ValueError("Kendall tau needs at least one preference")
    return TauCounts((concordant - discordant) / total, concordant, discordant, ties)


def _score_lookup(
    score_of: Mapping[tuple[int, str], float] | Callable[[int, str], float], higher_is_worse: bool
) -> Callable[[int, str], float]:
    sign = 1.0 if higher_is_worse else -1.0

    def lookup(line: int, system: str) -> float:
        if callable(score_of):
            score = score_of(line, system)
        elif (line, system) in score_of:
            score = score_of[(line, system)]
        else:
            raise ValueError(f"no score for system {system!r} on line {line}")
        if not math.isfinite(score):
            raise ValueError(f"the score of system {system!r} on line {line} is not finite ({score})")
        return sign * float(score)

    return lookup


def _f1(point: CurvePoint) -> float:
    total = point.precision + point.recall
    return 0.0 if total == 0 else 2 * point.precision * point.recall / total


def _ranking_inputs(
    labels: Sequence[int], scores: Sequence[float], higher_is_worse: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Checked labels and oriented scores for a ranking metric (both classes required)."""
    y = _labels_array(labels)
    s = np.asarray(scores, dtype=float)
    if s.shape != y.shape:
        raise ValueError(f"{len(y)} labels but {len(s)} scores")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores must be finite numbers (found nan or infinity)")
    positives = int(y.sum())
    if positives in (0, len(y)):
        only = "positive (1)" if positives else "negative (0)"
        raise ValueError(f"ranking metrics need both classes, but all {len(y)} labels are {only}")
    return y.astype(int), s if higher_is_worse else -s


def _labels_array(labels: Sequence[int]) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError("labels must be a non-empty list of 0/1")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("labels must be 0 or 1")
    return y.astype(bool)


def _flags_array(flagged: Sequence[bool], n: int) -> np.ndarray:
    f = np.asarray(flagged)
    if f.shape != (n,):
        raise ValueError(f"{n} labels but {len(f)} flags")
    return f.astype(bool)


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class EvalResult:
    """How the checker did on a labelled set. ``precision``/``recall``/``f1`` describe the given
    flags (``threshold`` records how they were made, when known); ``auc``/``ap`` the scores."""

    name: str
    n: int
    positives: int
    auc: float
    ap: float
    flagged: int
    precision: float
    recall: float
    f1: float
    threshold: float | None = None


@dataclass(frozen=True)
class RankingResult:
    """How the checker's scores agree with WMT human preferences (ties are in ``discordant``)."""

    name: str
    preferences: int
    tau: float
    concordant: int
    discordant: int
    ties: int


def evaluate_labelled(
    labelled: LabelledSet,
    scores: Sequence[float],
    flagged: Sequence[bool],
    *,
    threshold: float | None = None,
    higher_is_worse: bool = True,
) -> EvalResult:
    """Measure garble ``scores`` and ``flagged`` decisions, both in ``labelled.items`` order.
    ValueError on length mismatches or a one-class set (see the module notes)."""
    labels = labelled.labels
    if len(scores) != len(labels):
        raise ValueError(f"{labelled.name}: {len(labels)} items but {len(scores)} scores")
    prf = precision_recall_f1(labels, flagged)
    return EvalResult(
        name=labelled.name,
        n=len(labels),
        positives=labelled.positives,
        auc=roc_auc(labels, scores, higher_is_worse=higher_is_worse),
        ap=average_precision(labels, scores, higher_is_worse=higher_is_worse),
        flagged=prf.true_positives + prf.false_positives,
        precision=prf.precision,
        recall=prf.recall,
        f1=prf.f1,
        threshold=threshold,
    )


def evaluate_ranking(
    ranking: RankingSet,
    scores: Mapping[tuple[int, str], float] | Callable[[int, str], float],
    *,
    higher_is_worse: bool = True,
) -> RankingResult:
    """The WMT Kendall tau of garble ``scores`` (keyed by (line, system)) on a ranking set."""
    counts = kendall_tau_wmt(ranking.preferences, scores, higher_is_worse=higher_is_worse)
    return RankingResult(
        ranking.name, counts.preferences, counts.tau, counts.concordant, counts.discordant, counts.ties
    )
