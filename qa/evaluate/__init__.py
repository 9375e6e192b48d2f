"""Measuring the checker against human-labelled data, and fitting the weights that combine signals.

* :mod:`qa.evaluate.loaders`: labelled sentence pairs and WMT12 ranking sets (JSON Lines), read
  with an :class:`~qa.errors.InputError` naming the file and line of a bad record;
* :mod:`qa.evaluate.metrics`: ROC AUC, average precision, precision / recall / F1, thresholds and
  the WMT segment-level Kendall tau of garble scores (higher = more garbled);
* :mod:`qa.evaluate.tables`: the plain-text (and Markdown) table of results;
* :mod:`qa.evaluate.fit`: the monotone logistic fit of signal weights and its refits.

Every public name of the four modules is importable from here (``qa.evaluate.roc_auc``). Everything
is pure except the loaders, which read files.
"""

from __future__ import annotations

from qa.evaluate.fit import fit_intercept, fit_logistic, fit_scale
from qa.evaluate.loaders import (
    MAX_EVAL_FILE_BYTES,
    PREFERENCES_SUFFIX,
    SEGMENTS_SUFFIX,
    Candidate,
    EvalSet,
    Kind,
    LabelledPair,
    LabelledSet,
    Preference,
    RankedSegment,
    RankingSet,
    detect_kind,
    directions_of,
    find_ranking_pair,
    judged_directions,
    load_eval_set,
    load_eval_sets,
    load_labelled,
    load_wmt_ranking,
)
from qa.evaluate.metrics import (
    PRF,
    CurvePoint,
    EvalResult,
    RankingResult,
    TauCounts,
    average_precision,
    evaluate_labelled,
    evaluate_ranking,
    flag_at,
    kendall_tau_wmt,
    pick_threshold,
    precision_recall_curve,
    precision_recall_f1,
    roc_auc,
)
from qa.evaluate.tables import format_table

__all__ = [
    "MAX_EVAL_FILE_BYTES",
    "PREFERENCES_SUFFIX",
    "PRF",
    "SEGMENTS_SUFFIX",
    "Candidate",
    "CurvePoint",
    "EvalResult",
    "EvalSet",
    "Kind",
    "LabelledPair",
    "LabelledSet",
    "Preference",
    "RankedSegment",
    "RankingResult",
    "RankingSet",
    "TauCounts",
    "average_precision",
    "detect_kind",
    "directions_of",
    "evaluate_labelled",
    "evaluate_ranking",
    "find_ranking_pair",
    "fit_intercept",
    "fit_logistic",
    "fit_scale",
    "flag_at",
    "format_table",
    "judged_directions",
    "kendall_tau_wmt",
    "load_eval_set",
    "load_eval_sets",
    "load_labelled",
    "load_wmt_ranking",
    "pick_threshold",
    "precision_recall_curve",
    "precision_recall_f1",
    "roc_auc",
]
