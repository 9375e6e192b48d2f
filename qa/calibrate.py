"""Measuring and fitting the flagger on labelled data: the glue between ``qa.score`` (signals and
verdicts) and ``qa.evaluate`` (metrics and logistic regression)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType

from qa import evaluate
from qa.flag import Flagger, LogisticPart
from qa.progress import Progress
from qa.score import SegmentResult, score_pairs
from qa.translate.base import Engine

# The translation signals the logistic part of the flagger is fitted on. The model-free checks
# are combined by noisy-OR with hand-set confidences: they fire too rarely in labelled data to fit.
MODEL_FEATURES = ("bt_chrf", "fwd_chrf", "length_ratio", "source_length", "tgt_logprob", "src_logprob")


def length_ratio_score(src: str, tgt: str) -> float:
    """The length-ratio baseline: how far the target's length is from the source's (|log ratio|)."""
    return abs(math.log((len(tgt) + 1) / (len(src) + 1)))


def bt_chrf_score(result: SegmentResult) -> float:
    """The back-translation chrF baseline as a garble score (100 - chrF); 100 when absent."""
    signal = result.signals.get("bt_chrf")
    return 100.0 - signal.value if signal else 100.0


@dataclass(frozen=True)
class FileEvaluation:
    """One evaluation file's figures: qa's combined score next to the two baselines."""

    file: str
    n: int
    metric: str  # "ROC-AUC" or "Kendall tau"
    qa: float
    bt_chrf: float
    length_ratio: float
    ap: float | None = None
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None


def _score(items: Sequence[tuple[str, str]], src: str, tgt: str, engine, flagger, progress) -> list[SegmentResult]:
    return score_pairs(items, src_lang=src, tgt_lang=tgt, engine=engine, flagger=flagger, progress=progress)


def evaluate_file(
    path: str, *, engine: Engine | None, flagger: Flagger, progress: Progress | None = None
) -> FileEvaluation:
    """Score a labelled file or a WMT12 ranking pair and measure qa against the baselines."""
    data = evaluate.load_eval_set(path)
    if isinstance(data, evaluate.LabelledSet):
        items = [(item.src, item.tgt) for item in data.items]
        results = _score(items, data.src_lang, data.tgt_lang, engine, flagger, progress)
        labels = data.labels
        combined = evaluate.evaluate_labelled(data, [r.score for r in results], [r.flagged for r in results])
        return FileEvaluation(
            file=data.name, n=len(items), metric="ROC-AUC", qa=combined.auc,
            bt_chrf=evaluate.roc_auc(labels, [bt_chrf_score(r) for r in results]),
            length_ratio=evaluate.roc_auc(labels, [length_ratio_score(s, t) for s, t in items]),
            ap=combined.ap, precision=combined.precision, recall=combined.recall, f1=combined.f1,
        )
    candidates = data.candidates()
    items = [(c.src, c.mt) for c in candidates]
    results = _score(items, data.src_lang, data.tgt_lang, engine, flagger, progress)
    keys = [(c.line, c.system) for c in candidates]

    def tau(scores: Sequence[float]) -> float:
        return evaluate.kendall_tau_wmt(data.preferences, dict(zip(keys, scores, strict=True))).tau

    return FileEvaluation(
        file=data.name, n=len(data.preferences), metric="Kendall tau",
        qa=tau([r.score for r in results]),
        bt_chrf=tau([bt_chrf_score(r) for r in results]),
        length_ratio=tau([length_ratio_score(s, t) for s, t in items]),
    )


def feature_row(result: SegmentResult) -> dict[str, float]:
    """The model features of one scored segment."""
    return {name: result.signals[name].value for name in MODEL_FEATURES if name in result.signals}


def fit_flagger(
    paths: Sequence[str], *, engine: Engine | None, base: Flagger, l2: float = 1.0,
    progress: Progress | None = None,
) -> tuple[Flagger, dict[str, int]]:
    """Fit one logistic part per direction on labelled files, keeping the base's checks and
    thresholds; each file weighs the same within its direction, however many pairs it has.
    Returns the new flagger and the number of training pairs per direction."""
    by_direction: dict[str, tuple[list[dict[str, float]], list[int], list[float]]] = {}
    for path in paths:
        data = evaluate.load_labelled(path)
        results = _score([(i.src, i.tgt) for i in data.items], data.src_lang, data.tgt_lang, engine, base, progress)
        rows, labels, weights = by_direction.setdefault(f"{data.src_lang}-{data.tgt_lang}", ([], [], []))
        rows += [feature_row(r) for r in results]
        labels += data.labels
        weights += [1000 / len(results)] * len(results)
    models = dict(base.models)
    for direction, (rows, labels, weights) in by_direction.items():
        # Unweighted classes: the model's output is then a probability at the data's base
        # rate, which is what the noisy-OR with the checks expects.
        fitted = evaluate.fit_logistic(rows, labels, l2=l2, class_weight=None, sample_weight=weights)
        models[direction] = LogisticPart(
            bias=fitted.bias,
            weights=MappingProxyType(dict(fitted.weights)),
            means=MappingProxyType(dict(fitted.feature_means)),
            scales=MappingProxyType(dict(fitted.feature_scales)),
            base_rate=sum(w for w, label in zip(weights, labels, strict=True) if label) / sum(weights),
        )
    counts = {direction: len(labels) for direction, (_, labels, _) in by_direction.items()}
    return dataclasses.replace(base, models=MappingProxyType(models), source="calibrated"), counts
