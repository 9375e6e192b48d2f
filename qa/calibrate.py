"""Measuring and fitting the flagger on labelled data: the glue between ``qa.score`` (signals and
verdicts) and ``qa.evaluate`` (metrics and the monotone logistic fit).

How the flagger's logistic part is fitted (``qa calibrate``):

- the features are the translation signals named in :data:`CANDIDATE_FEATURES` (those the files
  hold; absent ones are ignored), each with a declared direction (``qa.flag.FEATURE_SIGNS``), so
  the fit is monotone and direction-agnostic: one set of weights is fitted on every file pooled,
  each file weighing the same however many pairs it holds;
- the L2 strength and the feature subset are chosen by leave-one-labelled-file-out (LOFO)
  cross-validation: a fold fits on every other file (pooled across directions) and scores the
  held-out one with the whole flagger (model and checks); WMT12 ranking sets given too are scored
  by the flagger fitted on every labelled file (their concordance with human preferences, on the
  scale of a ROC-AUC); features are added greedily, each only when it raises the mean of these
  held-out figures by :data:`SELECTION_MARGIN`;
- the model is stored under ``engine:direction`` for each direction in the files, its bias refitted
  on that direction's files (with their base rate), so the prior shift of ``qa.flag`` holds.

``qa eval`` reports the same held-out figures next to each single signal, never a fit scored on
its own data.

Both commands are library calls: :func:`evaluate_paths` and :func:`calibrate_paths` read each file
once and open the run with a :class:`~qa.session.Session`; :func:`evaluate_in`, :func:`score_sets`
and :func:`calibrate_scored` do the same work in a session the caller opened, and
:func:`write_flagger` writes the fitted flagger file.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from qa import evaluate
from qa.errors import InputError
from qa.files import write_atomically
from qa.flag import (
    FEATURE_SIGNS,
    Flagger,
    LogisticPart,
    feature_sign,
    feature_value,
    flagger_to_dict,
    judge,
    model_key,
)
from qa.progress import Progress
from qa.score import SegmentResult, score_pairs
from qa.session import FROM_SETTINGS, CacheChoice, EngineChoice, Note, Session, library_settings
from qa.signals.base import Signal
from qa.signature import Signature, make_signature
from qa.translate.base import Engine

# The features the logistic part may be fitted on, in the order ties are broken. Extend freely:
# each must have a direction in qa.flag.FEATURE_SIGNS; those no file holds are ignored. The
# model-free checks are combined by noisy-OR with hand-set confidences instead.
CANDIDATE_FEATURES = (
    "bt_chrf",
    "fwd_chrf",
    "round_trip_chrf",
    "tgt_logprob",
    "src_logprob",
    "invariants",
    "length_deviation",
    "length_shortfall",
    "length_excess",
    "source_length",
    "unknown_words",
    "fluency",
    "fluency_window",
    "source_fluency",
    "pos_fluency",
    "pos_window",
    "source_pos_fluency",
)
# Strong penalties matter: with files this unlike, shrunken (more equal) weights transfer best.
L2_GRID = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0)
# A feature joins the model only when it raises the mean held-out figure by this much.
SELECTION_MARGIN = 0.005
# Used when there is no second file to cross-validate on (and nothing else is asked for).
DEFAULT_FEATURES = ("bt_chrf", "fwd_chrf", "length_deviation", "source_length")
DEFAULT_L2 = 1.0


@dataclass(frozen=True)
class LabelledScores:
    """One labelled file scored by an engine: what fitting and cross-validation need."""

    name: str  # the file name, as recorded in fitted_on.files
    direction: str  # "es-en"
    labels: tuple[int, ...]
    signals: tuple[Mapping[str, Signal], ...]  # each pair's signals, in file order

    def rows(self, features: Sequence[str]) -> list[dict[str, float]]:
        """Each pair's values of ``features`` (absent ones left out)."""
        rows = []
        for signals in self.signals:
            values = {name: signal.value for name, signal in signals.items()}
            row = {}
            for name in features:
                value = feature_value(name, values)
                if value is not None and math.isfinite(value):
                    row[name] = value
            rows.append(row)
        return rows

    def has(self, feature: str) -> bool:
        """Whether any pair of the file has a value of ``feature``."""
        return any(self.rows([feature]))


def _score(items: Sequence[tuple[str, str]], src: str, tgt: str, engine, flagger, progress) -> list[SegmentResult]:
    return score_pairs(items, src_lang=src, tgt_lang=tgt, engine=engine, flagger=flagger, progress=progress)


def score_labelled(
    data: evaluate.LabelledSet | str | Path, *, engine: Engine | None, flagger: Flagger,
    progress: Progress | None = None, name: str | None = None,
) -> LabelledScores:
    """Score a labelled file (a path or a loaded set) and keep its signals."""
    if not isinstance(data, evaluate.LabelledSet):
        name = name or Path(data).name
        data = evaluate.load_labelled(data)
    results = _score([(i.src, i.tgt) for i in data.items], data.src_lang, data.tgt_lang, engine, flagger, progress)
    return LabelledScores(
        name=name or f"{data.name}.jsonl",
        direction=f"{data.src_lang}-{data.tgt_lang}",
        labels=tuple(data.labels),
        signals=tuple(r.signals for r in results),
    )


@dataclass(frozen=True)
class RankingScores:
    """A WMT12 ranking set scored by an engine: each candidate translation's signals and the
    human preferences between them. Never fitted on; it judges settings from outside."""

    name: str
    direction: str
    keys: tuple[tuple[int, str], ...]  # (line, system) of each candidate
    signals: tuple[Mapping[str, Signal], ...]
    preferences: tuple[evaluate.Preference, ...]

    def concordance(self, flagger: Flagger) -> float:
        """How often the flagger scores the translation humans found worse higher: Kendall tau
        mapped to [0, 1], ((tau + 1) / 2), the same scale as a ROC-AUC."""
        scores = [judge(signals, flagger, self.direction).score for signals in self.signals]
        tau = evaluate.kendall_tau_wmt(list(self.preferences), dict(zip(self.keys, scores, strict=True))).tau
        return (tau + 1) / 2


def score_ranking(
    data: evaluate.RankingSet, *, engine: Engine | None, flagger: Flagger, progress: Progress | None = None,
) -> RankingScores:
    """Score every candidate of a ranking set and keep its signals."""
    candidates = data.candidates()
    results = _score([(c.src, c.mt) for c in candidates], data.src_lang, data.tgt_lang, engine, flagger, progress)
    return RankingScores(data.name, f"{data.src_lang}-{data.tgt_lang}", tuple((c.line, c.system) for c in candidates),
                         tuple(r.signals for r in results), tuple(data.preferences))


# --------------------------------------------------------------------------------------------
# Fitting


def present_features(files: Sequence[LabelledScores], candidates: Sequence[str] = CANDIDATE_FEATURES) -> list[str]:
    """The candidates some file holds, in candidate order; ValueError for one without a sign."""
    for name in candidates:
        feature_sign(name)
    return [name for name in candidates if any(f.has(name) for f in files)]


def _weights(files: Sequence[LabelledScores]) -> list[float]:
    """Per-row weights under which every file sums to the same."""
    return [1.0 / len(f.labels) for f in files for _ in f.labels]


@dataclass(frozen=True)
class FittedModels:
    """One fit: the pooled model and, per direction, the same weights with that direction's
    bias and base rate."""

    pooled: LogisticPart
    by_direction: Mapping[str, LogisticPart]
    trained_on: tuple[str, ...]

    def for_direction(self, direction: str) -> LogisticPart:
        """The direction's model; the pooled one for a direction the files did not hold."""
        return self.by_direction.get(direction, self.pooled)


def fit_models(files: Sequence[LabelledScores], features: Sequence[str], l2: float) -> FittedModels | None:
    """Fit the monotone logistic part on ``files`` pooled (each weighing the same), then refit
    its overall scale (unpenalised: see ``evaluate.fit_scale``) and its bias per direction. None
    when no feature is asked for or none is present."""
    features = [name for name in features if any(f.has(name) for f in files)]
    if not features:
        return None
    rows = [row for f in files for row in f.rows(features)]
    labels = [label for f in files for label in f.labels]
    pooled = evaluate.fit_logistic(rows, labels, l2=l2, sample_weight=_weights(files))
    # The penalty chose the weights' direction; their spread is refitted unpenalised.
    pooled = evaluate.fit_scale(pooled, rows, labels, sample_weight=_weights(files))
    by_direction = {}
    for direction in dict.fromkeys(f.direction for f in files):
        same = [f for f in files if f.direction == direction]
        same_labels = [label for f in same for label in f.labels]
        if 0 < sum(same_labels) < len(same_labels):
            same_rows = [row for f in same for row in f.rows(features)]
            by_direction[direction] = evaluate.fit_intercept(
                pooled, same_rows, same_labels, sample_weight=_weights(same)
            )
    return FittedModels(pooled, MappingProxyType(by_direction), tuple(f.name for f in files))


def with_model(flagger: Flagger, engine: str, direction: str, part: LogisticPart | None) -> Flagger:
    """The flagger with only ``part`` as its model, for ``engine`` on ``direction``."""
    models = {} if part is None else {model_key(engine, direction): part}
    return dataclasses.replace(flagger, models=MappingProxyType(models)).for_engine(engine, direction)


def flagger_scores(file: LabelledScores, flagger: Flagger) -> list[float]:
    """The flagger's garble score of each pair of the file (model and checks, as ``qa check``)."""
    return [judge(signals, flagger, file.direction).score for signals in file.signals]


@dataclass(frozen=True)
class Fold:
    """One held-out file: what was fitted without it and how the flagger then scored it."""

    held_out: str
    trained_on: tuple[str, ...]
    model: LogisticPart | None  # the part that scored the held-out file
    scores: tuple[float, ...]
    auc: float


def lofo(
    files: Sequence[LabelledScores], *, features: Sequence[str], l2: float, base: Flagger, engine: str,
) -> list[Fold]:
    """Leave one labelled file out: for each file, fit on all the others (pooled across
    directions) and score it with ``base``'s checks and the fitted part."""
    if len(files) < 2:
        raise ValueError("leave-one-file-out cross-validation needs at least two labelled files")
    folds = []
    for held in files:
        others = [f for f in files if f is not held]
        if not _both_classes(others):
            raise ValueError(f"the files other than {held.name} hold one class only: nothing to fit")
        fitted = fit_models(others, features, l2)
        part = fitted.for_direction(held.direction) if fitted else None
        scores = flagger_scores(held, with_model(base, engine, held.direction, part))
        folds.append(Fold(held.name, tuple(f.name for f in others), part, tuple(scores),
                          evaluate.roc_auc(list(held.labels), scores)))
    return folds


def _both_classes(files: Sequence[LabelledScores]) -> bool:
    labels = [label for f in files for label in f.labels]
    return 0 < sum(labels) < len(labels)


def _mean_auc(folds: Sequence[Fold]) -> float:
    return float(np.mean([fold.auc for fold in folds]))


@dataclass(frozen=True)
class Selection:
    """The settings LOFO cross-validation chose, with its held-out figures."""

    features: tuple[str, ...]
    l2: float
    folds: tuple[Fold, ...]
    steps: tuple[dict, ...] = field(default_factory=tuple)  # each feature added, in order
    figure: float | None = None  # what chose it: the mean held-out figure (see select_settings)

    @property
    def mean_auc(self) -> float:
        return _mean_auc(self.folds)


def select_settings(
    files: Sequence[LabelledScores], *, base: Flagger, engine: str,
    candidates: Sequence[str] = CANDIDATE_FEATURES, l2_grid: Sequence[float] = L2_GRID,
    margin: float = SELECTION_MARGIN, features: Sequence[str] | None = None, l2: float | None = None,
    rankings: Sequence[RankingScores] = (), progress: Progress | None = None,
) -> Selection:
    """Choose the feature subset (greedy forward selection) and the L2 strength (a grid) by the
    mean held-out figure of the flagger: the LOFO ROC-AUC of each labelled file and, for each
    ranking set in ``rankings``, the concordance with human preferences of the flagger fitted
    on all labelled files (never fitted on, a ranking set is always held out). ``features`` or
    ``l2`` fix that setting instead."""
    grid = (l2,) if l2 is not None else tuple(l2_grid)
    if not grid:
        raise ValueError("l2_grid must hold at least one strength")

    def judged(chosen: Sequence[str], strength: float, folds: Sequence[Fold]) -> float:
        figures = [fold.auc for fold in folds]
        if rankings:
            fitted = fit_models(files, chosen, strength)
            for ranking in rankings:
                part = fitted.for_direction(ranking.direction) if fitted else None
                figures.append(ranking.concordance(with_model(base, engine, ranking.direction, part)))
        return float(np.mean(figures))

    def best_l2(chosen: Sequence[str]) -> tuple[float, float, list[Fold]]:
        best: tuple[float, float, list[Fold]] | None = None
        for strength in grid:
            folds = lofo(files, features=chosen, l2=strength, base=base, engine=engine)
            figure = judged(chosen, strength, folds)
            if best is None or figure > best[0] + 1e-9:
                best = (figure, strength, folds)
            if not chosen:
                break  # no model: the strength changes nothing
        assert best is not None  # the grid is not empty
        return best

    if features is not None:
        chosen = present_features(files, features)
        auc, strength, folds = best_l2(chosen)
        return Selection(tuple(chosen), strength, tuple(folds), ({"fixed": list(chosen), "mean_figure": auc},), auc)
    pool = present_features(files, candidates)
    chosen = []
    auc, strength, folds = best_l2(chosen)
    steps = [{"features": [], "mean_figure": round(auc, 4)}]
    while True:
        trials = []
        for name in pool:
            if name not in chosen:
                trial_auc, trial_l2, trial_folds = best_l2([*chosen, name])
                trials.append((trial_auc, -pool.index(name), name, trial_l2, trial_folds))
        if not trials:
            break
        trial_auc, _, name, trial_l2, trial_folds = max(trials, key=lambda t: (t[0], t[1]))
        if trial_auc < auc + margin:
            break
        chosen.append(name)
        auc, strength, folds = trial_auc, trial_l2, trial_folds
        steps.append({"added": name, "l2": trial_l2, "mean_figure": round(auc, 4)})
    return Selection(tuple(chosen), strength, tuple(folds), tuple(steps), auc)


def single_signal_aucs(file: LabelledScores, features: Sequence[str] = CANDIDATE_FEATURES) -> dict[str, float]:
    """ROC-AUC of each feature on its own, oriented by its sign (agreement metrics negated); a
    pair without the feature counts as the file's mean. Features the file lacks are left out."""
    aucs = {}
    labels = list(file.labels)
    for name in features:
        values = [row.get(name) for row in file.rows([name])]
        present = [v for v in values if v is not None]
        if not present:
            continue
        mean = float(np.mean(present))
        sign = FEATURE_SIGNS[name]
        aucs[name] = evaluate.roc_auc(labels, [sign * (mean if v is None else v) for v in values])
    return aucs


def best_signal(aucs: Mapping[str, float]) -> tuple[str | None, float | None]:
    """The single signal with the highest ROC-AUC."""
    if not aucs:
        return None, None
    name = max(aucs, key=lambda n: aucs[n])
    return name, aucs[name]


def calibrate(
    files: Sequence[LabelledScores], *, base: Flagger, engine: str, features: Sequence[str] | None = None,
    l2: float | None = None, candidates: Sequence[str] = CANDIDATE_FEATURES,
    rankings: Sequence[RankingScores] = (),
) -> tuple[Flagger, dict]:
    """Fit the flagger's logistic part for ``engine`` on labelled files, with settings chosen by
    LOFO cross-validation (or fixed by ``features`` / ``l2``; with one file, the defaults).

    Returns the flagger (``base``'s checks, thresholds and prior kept; its models for ``engine``
    replaced by one per direction in the files; other engines' models kept) and the ``fitted_on``
    record: files, pairs, engine, the chosen settings, and the per-file held-out figures.
    """
    if not files:
        raise ValueError("no labelled files to fit on")
    record: dict = {
        "files": [f.name for f in files],
        "pairs": {f.name: len(f.labels) for f in files},
        "engine": engine,
    }
    if len(files) >= 2:
        selection = select_settings(files, base=base, engine=engine, features=features, l2=l2,
                                    candidates=candidates, rankings=rankings)
        chosen, strength = list(selection.features), selection.l2
        judged_by = "held-out ROC-AUC" + (" and WMT12 concordance" if rankings else "")
        record["selection"] = "leave-one-labelled-file-out cross-validation, greedy forward selection " \
            f"by mean {judged_by} (margin {SELECTION_MARGIN}) over " \
            f"{', '.join(present_features(files, candidates))}; l2 from {list(L2_GRID) if l2 is None else [l2]}"
        record["steps"] = list(selection.steps)
        record["cv"] = {}
        for fold, held in zip(selection.folds, files, strict=True):
            singles = single_signal_aucs(held, candidates)
            name, value = best_signal(singles)
            record["cv"][held.name] = {
                "flagger_auc": round(fold.auc, 4), "trained_on": list(fold.trained_on),
                "best_single_signal": name, "best_single_auc": None if value is None else round(value, 4),
                "single_signal_auc": {k: round(v, 4) for k, v in singles.items()},
            }
        record["cv_mean_auc"] = round(selection.mean_auc, 4)
        if rankings:
            fitted = fit_models(files, chosen, strength)
            record["rankings"] = {
                r.name: round(2 * r.concordance(with_model(base, engine, r.direction,
                                                           fitted.for_direction(r.direction) if fitted else None)) - 1, 4)
                for r in rankings
            }
            assert selection.figure is not None  # select_settings always records it
            record["cv_mean_figure"] = round(selection.figure, 4)
    else:
        chosen = present_features(files, features if features is not None else DEFAULT_FEATURES)
        strength = DEFAULT_L2 if l2 is None else l2
        record["selection"] = "one labelled file: no cross-validation, settings as given or the defaults"
    record["features"] = chosen
    record["l2"] = strength
    fitted = fit_models(files, chosen, strength)
    models = {key: part for key, part in base.models.items() if not key.startswith(f"{engine}:")}
    if fitted is not None:
        for direction in dict.fromkeys(f.direction for f in files):
            models[model_key(engine, direction)] = fitted.for_direction(direction)
    flagger = dataclasses.replace(base, models=MappingProxyType(models), source="calibrated",
                                  fitted_on=MappingProxyType(record), engine=None, direction=None)
    return flagger, record


# --------------------------------------------------------------------------------------------
# Evaluation


@dataclass(frozen=True)
class FileEvaluation:
    """One evaluation file's figures: the flagger (held out when it was fitted on the file) next
    to each single signal on the same file."""

    file: str
    n: int
    metric: str  # "ROC-AUC" or "Kendall tau"
    flagger: float | None
    fit: str  # how the flagger's figure was obtained (see evaluate_sets)
    signals: dict[str, float]
    best_signal: str | None
    best_signal_value: float | None
    trained_on: tuple[str, ...] | None = None
    model: str | None = None  # the flagger's model for the engine and the file's direction
    ap: float | None = None
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None

    def table_row(self) -> dict[str, object]:
        """The row of the ``qa eval`` table: the flagger, then each single signal."""
        row: dict[str, object] = {"file": self.file, "n": self.n, "metric": self.metric,
                                  "flagger": self.flagger, "ap": self.ap, "fit": self.fit}
        row.update(self.signals)
        row["best single"] = self.best_signal
        row["flagger - best"] = (
            None if self.flagger is None or self.best_signal_value is None else self.flagger - self.best_signal_value
        )
        return row


def _fitted_record(flagger: Flagger) -> Mapping[str, Any]:
    """The flagger's ``fitted_on`` record ({} when it has none): JSON as calibrate wrote it, read
    here without validation (a malformed value raises where it is used)."""
    return flagger.fitted_on or {}


def _fitted_settings(flagger: Flagger, engine: str, direction: str) -> tuple[list[str], float] | None:
    """The features and L2 strength of the flagger's model for the engine (for refits)."""
    part = flagger.model_for(engine, direction)
    if part is None:
        return None
    record = _fitted_record(flagger)
    l2 = float(record.get("l2", DEFAULT_L2)) if record.get("engine") == engine else DEFAULT_L2
    features = list(record.get("features") or part.weights) if record.get("engine") == engine else list(part.weights)
    return features, l2


def evaluate_sets(
    loaded: Sequence[tuple[str | Path, evaluate.EvalSet]], *, engine: Engine | None, engine_name: str | None,
    flagger: Flagger, progress: Progress | None = None,
) -> list[FileEvaluation]:
    """Score labelled files and WMT12 ranking sets (each path with its loaded set:
    :func:`qa.evaluate.load_eval_sets`) and measure the flagger next to each single signal. For a
    labelled file the flagger's figure never comes from a model fitted on it:

    - ``LOFO``: with two or more labelled files given, and the flagger having a model for the
      engine, that model's settings are refitted on the other given files and the file is scored;
    - ``calibrate's LOFO``: the file is the only one given and was fitted on: the held-out
      figure calibrate recorded;
    - ``as given``: the flagger was not fitted on the file, or has no model for the engine (only
      the checks flag; ``fit`` says so).
    """
    engine_name = engine_name or "none"
    bound = flagger.for_engine(engine_name)
    labelled = [
        score_labelled(data, engine=engine, flagger=bound, progress=progress, name=Path(path).name)
        for path, data in loaded if isinstance(data, evaluate.LabelledSet)
    ]
    by_name = iter(labelled)
    fitted_files = set(_fitted_record(flagger).get("files") or ())
    fitted_engine = _fitted_record(flagger).get("engine")
    rows = []
    for _, data in loaded:
        if not isinstance(data, evaluate.LabelledSet):
            rows.append(_evaluate_ranking(data, engine=engine, flagger=bound, progress=progress))
            continue
        held = next(by_name)
        labels = list(held.labels)
        singles = single_signal_aucs(held)
        best, best_value = best_signal(singles)
        settings = _fitted_settings(flagger, engine_name, held.direction)
        trained_on = None
        fitted_here = held.name in fitted_files and fitted_engine == engine_name
        others = [f for f in labelled if f is not held]
        model = (flagger.model_entry(engine_name, held.direction) or (None,))[0]
        if settings is not None and len(labelled) >= 2 and _both_classes(others):
            fitted = fit_models(others, settings[0], settings[1])
            part = fitted.for_direction(held.direction) if fitted else None
            scores = flagger_scores(held, with_model(flagger, engine_name, held.direction, part))
            fit, trained_on = "LOFO", tuple(f.name for f in others)
        elif settings is not None and fitted_here:
            recorded = (_fitted_record(flagger).get("cv") or {}).get(held.name) or {}
            value = recorded.get("flagger_auc")
            rows.append(FileEvaluation(
                held.name, len(labels), "ROC-AUC", None if value is None else float(value),
                "calibrate's LOFO" if value is not None else "fitted on this file: give the others to cross-validate",
                singles, best, best_value, tuple(recorded.get("trained_on") or ()) or None, model,
            ))
            continue
        else:
            scores = flagger_scores(held, bound.for_engine(engine_name, held.direction))
            fit = "as given" if settings is not None else f"no model for {model_key(engine_name, held.direction)}"
        flagged = [score >= flagger.threshold for score in scores]
        prf = evaluate.precision_recall_f1(labels, flagged)
        rows.append(FileEvaluation(
            held.name, len(labels), "ROC-AUC", evaluate.roc_auc(labels, scores), fit, singles, best,
            best_value, trained_on, model, evaluate.average_precision(labels, scores), prf.precision, prf.recall,
            prf.f1,
        ))
    return rows


def _evaluate_ranking(data: evaluate.RankingSet, *, engine, flagger: Flagger, progress) -> FileEvaluation:
    """Kendall tau of the flagger (as given: ranking files are never fitted on) and of each single
    signal, oriented by its sign, against the WMT12 human preferences."""
    candidates = data.candidates()
    items = [(c.src, c.mt) for c in candidates]
    results = _score(items, data.src_lang, data.tgt_lang, engine, flagger, progress)
    keys = [(c.line, c.system) for c in candidates]

    def tau(scores: Sequence[float]) -> float:
        return evaluate.kendall_tau_wmt(data.preferences, dict(zip(keys, scores, strict=True))).tau

    as_file = LabelledScores(data.name, f"{data.src_lang}-{data.tgt_lang}", (), tuple(r.signals for r in results))
    singles = {}
    for name in CANDIDATE_FEATURES:
        values = [row.get(name) for row in as_file.rows([name])]
        present = [v for v in values if v is not None]
        if present:
            mean = float(np.mean(present))
            singles[name] = tau([FEATURE_SIGNS[name] * (mean if v is None else v) for v in values])
    best, best_value = best_signal(singles)
    return FileEvaluation(data.name, len(data.preferences), "Kendall tau", tau([r.score for r in results]),
                          "as given", singles, best, best_value)


# --------------------------------------------------------------------------------------------
# Runs: ``qa eval`` and ``qa calibrate`` as library calls


@dataclass(frozen=True)
class Evaluation:
    """What ``qa eval`` prints: one row per file (:func:`evaluate_sets`) and the signature of
    the run on the first file's direction."""

    rows: list[FileEvaluation]
    signature: Signature


def evaluate_in(
    session: Session, loaded: Sequence[tuple[str | Path, evaluate.EvalSet]], *, progress: Progress | None = None,
) -> Evaluation:
    """Measure the session's flagger and engine on loaded evaluation files (:func:`evaluate_sets`)."""
    rows = evaluate_sets(loaded, engine=session.engine, engine_name=session.engine_name, flagger=session.flagger,
                         progress=progress)
    first = evaluate.judged_directions([data for _, data in loaded])[0]
    src, tgt = first.split("-")
    return Evaluation(rows, make_signature(session.engine, session.flagger_for(first), src, tgt))


def evaluate_paths(
    paths: Sequence[str | Path], *, engine: EngineChoice = FROM_SETTINGS, cache: CacheChoice = True,
    config: str | Path | None = None, flagger: str | Path | None = None, threshold: float | None = None,
    progress: Progress | None = None, note: Note = lambda _: None,
) -> Evaluation:
    """``qa eval`` as a call: read each evaluation file once, open a :class:`~qa.session.Session`
    from the settings found beside the first (or ``config``) with these arguments over them, and
    measure it (:func:`evaluate_in`). ``note`` hears the engine chosen and the directions the
    flagger has no model for. InputError for an unreadable file, EngineUnavailable without an
    engine (pass ``engine=None`` for the checks only)."""
    if not paths:
        raise InputError("no evaluation files given")
    loaded = evaluate.load_eval_sets(paths)
    sets = [data for _, data in loaded]
    overrides = {name: value for name, value in (("flagger", flagger), ("threshold", threshold)) if value is not None}
    settings = library_settings(Path(paths[0]), overrides, engine=engine, cache=cache, config=config)
    with Session.open(settings, engine=engine, cache=cache, directions=evaluate.directions_of(sets),
                      judged=evaluate.judged_directions(sets), note=note) as session:
        return evaluate_in(session, loaded, progress=progress)


@dataclass(frozen=True)
class ScoredSets:
    """Evaluation files scored by one engine, ready to fit on: the labelled files, the ranking
    sets (never fitted on), the flagger to start from and the engine's name."""

    files: list[LabelledScores]
    rankings: list[RankingScores]
    base: Flagger
    engine: str


def score_sets(
    session: Session, loaded: Sequence[tuple[str | Path, evaluate.EvalSet]], *, progress: Progress | None = None,
) -> ScoredSets:
    """Score every loaded file with the session's engine for fitting its model; the session's
    flagger file (``base_flagger``) is what the fit starts from."""
    bound = session.flagger_for(None)
    files = [score_labelled(data, engine=session.engine, flagger=bound, progress=progress, name=Path(path).name)
             for path, data in loaded if isinstance(data, evaluate.LabelledSet)]
    rankings = [score_ranking(data, engine=session.engine, flagger=bound, progress=progress)
                for _, data in loaded if not isinstance(data, evaluate.LabelledSet)]
    return ScoredSets(files, rankings, session.base_flagger, session.engine_name)


@dataclass(frozen=True)
class Calibration:
    """A fitted flagger (:func:`calibrate`), its ``fitted_on`` record, and the engine it was
    fitted for."""

    flagger: Flagger
    record: dict
    engine: str

    @property
    def document(self) -> dict:
        """The flagger file to write (:func:`flagger_document`)."""
        return flagger_document(self.flagger, self.engine)


def calibrate_scored(
    scored: ScoredSets, *, features: Sequence[str] | None = None, l2: float | None = None,
) -> Calibration:
    """Fit the flagger's model for the scored files' engine (:func:`calibrate`)."""
    fitted, record = calibrate(scored.files, base=scored.base, engine=scored.engine, features=features, l2=l2,
                               rankings=scored.rankings)
    return Calibration(fitted, record, scored.engine)


# Why ``qa calibrate`` refuses engine none, which has no model to fit.
NO_ENGINE_TO_FIT = "qa calibrate fits the model of an engine: engine none (from the settings) has none"


def calibrate_paths(
    paths: Sequence[str | Path], *, engine: EngineChoice = FROM_SETTINGS, cache: CacheChoice = True,
    config: str | Path | None = None, flagger: str | Path | None = None, features: Sequence[str] | None = None,
    l2: float | None = None, progress: Progress | None = None, note: Note = lambda _: None,
) -> Calibration:
    """``qa calibrate`` as a call: read each file once, score it with the engine the settings
    (or ``engine``) name, starting from their flagger file (or ``flagger``), and fit; write the
    result with :func:`write_flagger` (``Calibration.document``). The engine is closed before
    the fit. InputError for an unreadable file or engine none."""
    if not paths:
        raise InputError("no labelled files given")
    loaded = evaluate.load_eval_sets(paths)
    overrides = {"flagger": flagger} if flagger is not None else {}
    settings = library_settings(Path(paths[0]), overrides, engine=engine, cache=cache, config=config)
    if settings.engine == "none" and not isinstance(engine, Engine):
        raise InputError(NO_ENGINE_TO_FIT)
    with Session.open(settings, engine=engine, cache=cache, directions=evaluate.directions_of([d for _, d in loaded]),
                      judged=(), note=note, allow_none=False, threshold=False) as session:
        scored = score_sets(session, loaded, progress=progress)
    return calibrate_scored(scored, features=features, l2=l2)


def flagger_document(flagger: Flagger, engine: str) -> dict:
    """A calibrated flagger as the JSON document of a flagger file, opening with a comment that
    says what wrote it."""
    comment = (f"Written by qa calibrate (engine {engine}) on the labelled files named in fitted_on; "
               "checks and thresholds set by hand (see README).")
    return {"comment": comment, **flagger_to_dict(flagger)}


def write_flagger(document: Mapping[str, Any], path: str | Path) -> None:
    """Write a flagger file (:func:`flagger_document`) as indented JSON, atomically: an
    interrupted run leaves the old file. OSError when the folder cannot take it."""
    write_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
