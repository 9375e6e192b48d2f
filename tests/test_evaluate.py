"""Evaluation: loaders, metrics (checked against values worked out by hand), results table, and
fitting signal weights. The tests marked ``eval`` read ../shared/eval at run time."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import EVAL, need
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from qa.errors import InputError
from qa.evaluate import (
    EvalResult,
    LabelledPair,
    LabelledSet,
    Preference,
    RankedSegment,
    RankingSet,
    average_precision,
    detect_kind,
    directions_of,
    evaluate_labelled,
    evaluate_ranking,
    find_ranking_pair,
    fit_intercept,
    fit_logistic,
    fit_scale,
    flag_at,
    format_table,
    judged_directions,
    kendall_tau_wmt,
    load_eval_set,
    load_eval_sets,
    load_labelled,
    load_wmt_ranking,
    pick_threshold,
    precision_recall_curve,
    precision_recall_f1,
    roc_auc,
)
from qa.flag import LogisticPart


def write_jsonl(path, records):
    """Write records (dicts, or raw strings for deliberately bad lines) one per line."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def pair_record(id_, label, src="Hola.", tgt="Hello.", src_lang="es", tgt_lang="en"):
    return {"id": id_, "src_lang": src_lang, "tgt_lang": tgt_lang, "src": src, "tgt": tgt, "label": label}


# --------------------------------------------------------------------------------------------
# ROC AUC and average precision


def test_auc_of_a_perfect_ranking_is_one_and_of_the_reverse_zero():
    labels = [0, 0, 1, 1]
    assert roc_auc(labels, [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert roc_auc(labels, [0.9, 0.8, 0.2, 0.1]) == 0.0


def test_auc_of_all_tied_scores_is_one_half():
    assert roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5


def test_auc_counts_won_positive_negative_pairs_and_half_for_ties():
    # positives 0.3 and 0.6, negatives 0.3 and 0.1: the pairs score 0.5 (tie) + 1 + 1 + 1 out of 4
    assert roc_auc([1, 0, 1, 0], [0.3, 0.3, 0.6, 0.1]) == pytest.approx(3.5 / 4)
    # positives 0.2 and 0.6, negatives 0.3 and 0.1: 0 + 1 + 1 + 1 out of 4
    assert roc_auc([1, 0, 1, 0], [0.2, 0.3, 0.6, 0.1]) == pytest.approx(3 / 4)


def test_lower_is_worse_scores_are_negated():
    labels = [1, 0, 1, 0]
    chrf = [20.0, 30.0, 60.0, 10.0]  # a similarity: lower means more garbled
    assert roc_auc(labels, chrf, higher_is_worse=False) == pytest.approx(1 / 4)
    assert roc_auc(labels, chrf, higher_is_worse=False) == roc_auc(labels, [-x for x in chrf])
    negated = [-x for x in chrf]
    assert average_precision(labels, chrf, higher_is_worse=False) == average_precision(labels, negated)


def test_average_precision_by_hand():
    # ranked: pos (P=1, R=1/2), neg, pos (P=2/3, R=1) -> AP = 1/2 * 1 + 1/2 * 2/3
    assert average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx(5 / 6)
    assert average_precision([0, 1, 1], [0.1, 0.7, 0.9]) == 1.0


@pytest.mark.parametrize("metric", [roc_auc, average_precision, precision_recall_curve, pick_threshold])
@pytest.mark.parametrize("labels", [[0, 0, 0], [1, 1, 1]])
def test_ranking_metrics_refuse_a_single_class(metric, labels):
    with pytest.raises(ValueError, match="both classes"):
        metric(labels, [0.1, 0.2, 0.3])


@pytest.mark.parametrize(
    ("labels", "scores", "message"),
    [
        ([0, 1], [0.1], "2 labels but 1 scores"),
        ([0, 1, 2], [0.1, 0.2, 0.3], "0 or 1"),
        ([], [], "non-empty"),
        ([0, 1], [0.1, float("nan")], "finite"),
    ],
)
def test_ranking_metrics_refuse_bad_input(labels, scores, message):
    with pytest.raises(ValueError, match=message):
        roc_auc(labels, scores)


# --------------------------------------------------------------------------------------------
# Precision, recall, F1, the curve and thresholds


def test_precision_recall_f1_by_hand():
    prf = precision_recall_f1([1, 1, 0, 0, 1], [True, False, True, False, True])
    assert (prf.true_positives, prf.false_positives, prf.false_negatives) == (2, 1, 1)
    assert prf.precision == pytest.approx(2 / 3)
    assert prf.recall == pytest.approx(2 / 3)
    assert prf.f1 == pytest.approx(2 / 3)


def test_precision_recall_f1_degenerate_cases_are_nan_or_zero():
    nothing_flagged = precision_recall_f1([1, 0, 1], [False, False, False])
    assert math.isnan(nothing_flagged.precision)
    assert nothing_flagged.recall == 0.0 and nothing_flagged.f1 == 0.0

    no_positives = precision_recall_f1([0, 0, 0], [True, False, False])
    assert no_positives.precision == 0.0 and no_positives.f1 == 0.0
    assert math.isnan(no_positives.recall)

    neither = precision_recall_f1([0, 0], [False, False])
    assert math.isnan(neither.precision) and math.isnan(neither.recall) and math.isnan(neither.f1)


def test_precision_recall_f1_refuses_mismatched_flags():
    with pytest.raises(ValueError, match="3 labels but 2 flags"):
        precision_recall_f1([0, 1, 1], [True, False])


def test_precision_recall_curve_by_hand():
    labels, scores = [0, 1, 1, 0], [0.1, 0.5, 0.5, 0.9]
    points = precision_recall_curve(labels, scores)
    assert [p.threshold for p in points] == pytest.approx([0.1, 0.5, 0.9])
    assert [p.precision for p in points] == pytest.approx([2 / 4, 2 / 3, 0.0])
    assert [p.recall for p in points] == pytest.approx([1.0, 1.0, 0.0])


@pytest.mark.parametrize("higher_is_worse", [True, False])
def test_curve_points_agree_with_flagging_at_their_threshold(higher_is_worse):
    labels = [0, 1, 0, 1, 1, 0, 0, 1]
    scores = [0.3, 0.8, 0.1, 0.3, 0.6, 0.7, 0.2, 0.9]
    if not higher_is_worse:
        scores = [1 - s for s in scores]
    points = precision_recall_curve(labels, scores, higher_is_worse=higher_is_worse)
    assert len(points) == len(set(scores))
    assert points[0].recall == 1.0  # the most lenient threshold flags everything
    for point in points:
        prf = precision_recall_f1(labels, flag_at(scores, point.threshold, higher_is_worse=higher_is_worse))
        assert (prf.precision, prf.recall) == pytest.approx((point.precision, point.recall))


LABELS = [0, 0, 1, 0, 1, 1]
SCORES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
# F1 flagging scores >= t: t=0.1 2/3, 0.2 3/4, 0.3 6/7, 0.4 2/3, 0.5 4/5, 0.6 1/2
# precision:               t=0.1 1/2, 0.2 3/5, 0.3 3/4, 0.4 2/3, 0.5 1,   0.6 1


def test_pick_threshold_maximises_f1():
    assert pick_threshold(LABELS, SCORES) == 0.3


def test_pick_threshold_for_a_target_precision_keeps_the_most_recall():
    assert pick_threshold(LABELS, SCORES, target="precision", min_precision=0.9) == 0.5
    assert pick_threshold(LABELS, SCORES, target="precision", min_precision=0.7) == 0.3
    with pytest.raises(ValueError, match="no threshold reaches precision"):
        pick_threshold([1, 0, 0], [0.1, 0.5, 0.9], target="precision", min_precision=0.9)


def test_pick_threshold_prefers_the_strictest_of_equal_thresholds():
    # flagging the top one and flagging all four both give F1 = 2/3
    assert pick_threshold([1, 0, 0, 1], [0.9, 0.8, 0.7, 0.6]) == 0.9


def test_pick_threshold_on_lower_is_worse_scores():
    similarity = [1 - s for s in SCORES]
    threshold = pick_threshold(LABELS, similarity, higher_is_worse=False)
    assert threshold == pytest.approx(0.7)
    assert flag_at(similarity, threshold, higher_is_worse=False) == flag_at(SCORES, 0.3)


# --------------------------------------------------------------------------------------------
# WMT Kendall tau

PREFERENCES = [
    Preference(1, better="A", worse="B"),  # B 0.5 > A 0.1: concordant
    Preference(1, better="B", worse="C"),  # C 0.5 = B 0.5: tie, discordant
    Preference(1, better="A", worse="C"),  # C 0.5 > A 0.1: concordant
    Preference(2, better="X", worse="Y"),  # Y 0.2 < X 0.9: discordant
    Preference(2, better="Z", worse="Y"),  # Y 0.2 > Z 0.0: concordant
]
GARBLE = {(1, "A"): 0.1, (1, "B"): 0.5, (1, "C"): 0.5, (2, "X"): 0.9, (2, "Y"): 0.2, (2, "Z"): 0.0}


def test_kendall_tau_counts_ties_as_discordant():
    counts = kendall_tau_wmt(PREFERENCES, GARBLE)
    assert (counts.concordant, counts.discordant, counts.ties) == (3, 2, 1)
    assert counts.preferences == 5
    assert counts.tau == pytest.approx((3 - 2) / 5)


def test_kendall_tau_of_a_constant_checker_is_minus_one():
    counts = kendall_tau_wmt(PREFERENCES, lambda line, system: 0.5)
    assert counts.tau == -1.0 and counts.ties == 5


def test_kendall_tau_on_lower_is_worse_scores_keeps_ties_discordant():
    counts = kendall_tau_wmt(PREFERENCES, GARBLE, higher_is_worse=False)
    # every strict comparison flips, the tie stays discordant: 1 concordant, 4 discordant
    assert (counts.concordant, counts.discordant, counts.ties) == (1, 4, 1)
    assert counts.tau == pytest.approx(-3 / 5)


def test_kendall_tau_refuses_missing_scores_and_no_preferences():
    with pytest.raises(ValueError, match="no score for system 'Z' on line 2"):
        kendall_tau_wmt(PREFERENCES, {key: v for key, v in GARBLE.items() if key != (2, "Z")})
    with pytest.raises(ValueError, match="at least one preference"):
        kendall_tau_wmt([], GARBLE)


# --------------------------------------------------------------------------------------------
# Results and the table


def test_evaluate_labelled_by_hand():
    items = [LabelledPair(str(i), "s", "t", label) for i, label in enumerate([1, 0, 1, 0])]
    labelled = LabelledSet("tiny", "es", "en", items)
    scores = [0.3, 0.3, 0.6, 0.1]
    result = evaluate_labelled(labelled, scores, flag_at(scores, 0.3), threshold=0.3)
    # AUC and AP as worked out above; 3 flagged, 2 of them positive, both positives caught
    assert (result.name, result.n, result.positives) == ("tiny", 4, 2)
    assert (result.flagged, result.threshold) == (3, 0.3)
    assert (result.auc, result.ap) == pytest.approx((0.875, 5 / 6))
    assert (result.precision, result.recall, result.f1) == pytest.approx((2 / 3, 1.0, 0.8))
    with pytest.raises(ValueError, match="4 items but 3 scores"):
        evaluate_labelled(labelled, [0.1, 0.2, 0.3], [False] * 4)


def test_evaluate_ranking_by_hand():
    segments = [
        RankedSegment(1, 0, "s", "r", {"A": "a", "B": "b", "C": "c"}),
        RankedSegment(2, 0, "s", "r", {"X": "x", "Y": "y", "Z": "z"}),
    ]
    ranking = RankingSet("tiny", "es", "en", segments, PREFERENCES)
    result = evaluate_ranking(ranking, GARBLE)
    assert (result.name, result.preferences) == ("tiny", 5)
    assert (result.concordant, result.discordant, result.ties) == (3, 2, 1)
    assert result.tau == pytest.approx(0.2)


def test_format_table_is_an_aligned_markdown_table():
    rows = [
        EvalResult("set-a", 10, 4, 0.75, 0.5, 3, 2 / 3, 0.5, 4 / 7),
        {"name": "a-much-longer-set-name", "n": 1200, "auc": float("nan")},
    ]
    lines = format_table(rows).splitlines()
    assert len(lines) == 4
    assert len({len(line) for line in lines}) == 1  # every line the same width
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header[:4] == ["name", "n", "positives", "auc"] and header[-1] == "threshold"
    rule = [cell.strip() for cell in lines[1].strip("|").split("|")]
    assert rule[0].endswith("-") and rule[1].endswith(":")  # text left, numbers right
    first = [cell.strip() for cell in lines[2].strip("|").split("|")]
    assert first[:4] == ["set-a", "10", "4", "0.750"] and first[-1] == ""
    second = [cell.strip() for cell in lines[3].strip("|").split("|")]
    assert second[:4] == ["a-much-longer-set-name", "1200", "", "n/a"]


# --------------------------------------------------------------------------------------------
# Loaders on small files


def test_load_labelled(tmp_path):
    records = [pair_record("a", 0), "", pair_record(7, 1, tgt="Garble garble.")]
    path = write_jsonl(tmp_path / "news.jsonl", records)
    labelled = load_labelled(path)
    assert (labelled.name, labelled.src_lang, labelled.tgt_lang) == ("news", "es", "en")
    assert labelled.items == [
        LabelledPair("a", "Hola.", "Hello.", 0),
        LabelledPair("7", "Hola.", "Garble garble.", 1),
    ]
    assert labelled.labels == [0, 1] and labelled.positives == 1


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"id": "x", "label": 0', "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (pair_record("x", 2), "'label' must be 0 or 1"),
        (pair_record("x", True), "'label' must be 0 or 1"),
        ({k: v for k, v in pair_record("x", 1).items() if k != "tgt"}, "'tgt' must be a string"),
        (pair_record("a", 1), "id 'a' appears twice"),
        (pair_record("x", 1, src_lang="en", tgt_lang="es"), "differs from the file's es->en"),
    ],
)
def test_load_labelled_names_the_file_and_line_of_a_bad_record(tmp_path, bad, message):
    path = write_jsonl(tmp_path / "bad.jsonl", [pair_record("a", 0), bad, pair_record("c", 1)])
    with pytest.raises(InputError, match=message) as caught:
        load_labelled(path)
    assert str(caught.value).startswith(f"{path}:2: ")


def test_load_labelled_refuses_an_empty_file(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        load_labelled(path)


def write_ranking(folder, preferences=None):
    langs = {"src_lang": "es", "tgt_lang": "en"}
    segments = [
        {"line": 4, "doc": 0, "src": "Uno.", "ref": "One.", "mt": {"sysB": "One.", "sysA": "Un."}, **langs},
        {"line": 2, "doc": 0, "src": "Dos.", "ref": "Two.", "mt": {"sysA": "Two."}, **langs},
    ]
    if preferences is None:
        preferences = [{"line": 4, "better": "sysB", "worse": "sysA", "judge": "j1"}]
    return (
        write_jsonl(folder / "wmt-x.dev.segments.jsonl", segments),
        write_jsonl(folder / "wmt-x.dev.preferences.jsonl", preferences),
    )


def test_load_wmt_ranking(tmp_path):
    segments_path, preferences_path = write_ranking(tmp_path)
    ranking = load_wmt_ranking(segments_path, preferences_path)
    assert (ranking.name, ranking.src_lang, ranking.tgt_lang) == ("wmt-x.dev", "es", "en")
    assert ranking.preferences == [Preference(4, "sysB", "sysA", "j1")]
    assert [(c.line, c.system, c.src, c.mt) for c in ranking.candidates()] == [
        (2, "sysA", "Dos.", "Two."),
        (4, "sysA", "Uno.", "Un."),
        (4, "sysB", "Uno.", "One."),
    ]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"line": 2, "better": "sysB", "worse": "sysA"}, "system 'sysB' has no translation of line 2"),
        ({"line": 9, "better": "sysB", "worse": "sysA"}, "line 9 is not in the segments file"),
        ({"line": 4, "better": "sysA", "worse": "sysA"}, "the same system"),
        ({"line": "4", "better": "sysB", "worse": "sysA"}, "'line' must be a whole number"),
    ],
)
def test_load_wmt_ranking_names_the_line_of_a_bad_preference(tmp_path, bad, message):
    good = {"line": 4, "better": "sysB", "worse": "sysA", "judge": "j1"}
    segments_path, preferences_path = write_ranking(tmp_path, [good, bad])
    with pytest.raises(InputError, match=message) as caught:
        load_wmt_ranking(segments_path, preferences_path)
    assert str(caught.value).startswith(f"{preferences_path}:2: ")


def test_find_ranking_pair_from_either_file(tmp_path):
    segments_path, preferences_path = write_ranking(tmp_path)
    assert find_ranking_pair(segments_path) == (segments_path, preferences_path)
    assert find_ranking_pair(preferences_path) == (segments_path, preferences_path)
    preferences_path.unlink()
    with pytest.raises(InputError, match="partner file wmt-x.dev.preferences.jsonl is missing"):
        find_ranking_pair(segments_path)
    with pytest.raises(InputError, match="not a ranking file"):
        find_ranking_pair(tmp_path / "other.jsonl")


def test_detect_kind_by_name_and_by_content(tmp_path):
    segments_path, preferences_path = write_ranking(tmp_path)
    assert detect_kind(segments_path) == "ranking" and detect_kind(preferences_path) == "ranking"
    labelled = write_jsonl(tmp_path / "pairs.jsonl", [pair_record("a", 1)])
    assert detect_kind(labelled) == "labelled"
    renamed = write_jsonl(tmp_path / "prefs.jsonl", [{"line": 1, "better": "a", "worse": "b"}])
    assert detect_kind(renamed) == "ranking"
    other = write_jsonl(tmp_path / "articles.jsonl", ["", {"id": "x", "lang": "en", "paragraphs": []}])
    with pytest.raises(InputError, match="cannot tell the kind") as caught:
        detect_kind(other)
    assert str(caught.value).startswith(f"{other}:2: ")


def test_load_eval_set_dispatches_on_kind(tmp_path):
    segments_path, _ = write_ranking(tmp_path)
    assert isinstance(load_eval_set(segments_path), RankingSet)
    assert isinstance(load_eval_set(write_jsonl(tmp_path / "p.jsonl", [pair_record("a", 1)])), LabelledSet)


# --------------------------------------------------------------------------------------------
# The real evaluation files (read at run time, never copied)


@pytest.mark.eval
@pytest.mark.parametrize(
    ("filename", "direction", "n", "positives"),
    [
        ("wmt14-qe-en-es.train.jsonl", ("en", "es"), 1957, 470),
        ("bio-mqm-es-en.talp_upc_run1.jsonl", ("es", "en"), 432, 86),
        ("bio-mqm-en-es.TMT_run1.jsonl", ("en", "es"), 482, 290),
    ],
)
def test_real_labelled_files_load(filename, direction, n, positives):
    path = EVAL / filename
    need(path.is_file(), f"{path} is absent")
    assert detect_kind(path) == "labelled"
    labelled = load_labelled(path)
    assert (labelled.src_lang, labelled.tgt_lang) == direction
    assert len(labelled.items) == n and labelled.positives == positives
    assert len({item.id for item in labelled.items}) == n


@pytest.mark.eval
@pytest.mark.parametrize(("pair", "direction"), [("es-en", ("es", "en")), ("en-es", ("en", "es"))])
def test_real_wmt12_files_load(pair, direction):
    path = EVAL / f"wmt12-{pair}.dev.preferences.jsonl"
    need(path.is_file(), f"{path} is absent")
    segments_path, preferences_path = find_ranking_pair(path)
    assert detect_kind(segments_path) == "ranking"
    ranking = load_wmt_ranking(segments_path, preferences_path)
    assert (ranking.src_lang, ranking.tgt_lang) == direction
    assert ranking.segments and ranking.preferences
    systems_of = {segment.line: set(segment.mt) for segment in ranking.segments}
    for preference in ranking.preferences:
        assert {preference.better, preference.worse} <= systems_of[preference.line]
    candidates = ranking.candidates()
    assert len(candidates) == sum(len(systems) for systems in systems_of.values())
    # a checker that scores every candidate gets a tau in [-1, 1] over every preference
    result = evaluate_ranking(ranking, {(c.line, c.system): float(len(c.mt)) for c in candidates})
    assert result.preferences == len(ranking.preferences) and -1.0 <= result.tau <= 1.0


# --------------------------------------------------------------------------------------------
# Fitting weights


def synthetic(n=600, seed=1):
    """Rows with a disagreement feature that raises the odds, an agreement metric that lowers
    them and a size that is noise, on raw scales far from standard so standardising matters."""
    rng = np.random.default_rng(seed)
    up, down, noise = rng.normal(size=(3, n))
    probability = 1 / (1 + np.exp(-(2.0 * up - 1.5 * down - 0.5)))
    labels = (rng.random(n) < probability).astype(int).tolist()
    rows = [
        {"unknown_words": 50 + 10 * u, "bt_chrf": 0.01 * d - 3, "source_length": 1000 * z}
        for u, d, z in zip(up, down, noise, strict=True)
    ]
    return rows, labels


def _sklearn_fit(rows, labels, names, l2):
    matrix = np.array([[row[name] for name in names] for row in rows])
    scaler = StandardScaler().fit(matrix)
    model = LogisticRegression(C=1 / l2, max_iter=5000, tol=1e-10).fit(scaler.transform(matrix), labels)
    return model, scaler, matrix


def test_fit_logistic_recovers_the_signs_of_planted_features():
    rows, labels = synthetic()
    fitted = fit_logistic(rows, labels)
    assert isinstance(fitted, LogisticPart)
    assert sorted(fitted.weights) == ["bt_chrf", "source_length", "unknown_words"]
    assert fitted.weights["unknown_words"] > 1.0
    assert fitted.weights["bt_chrf"] < -0.7
    assert abs(fitted.weights["source_length"]) < 0.3
    assert fitted.means["unknown_words"] == pytest.approx(np.mean([r["unknown_words"] for r in rows]))
    assert fitted.scales["source_length"] == pytest.approx(np.std([r["source_length"] for r in rows]))
    assert fitted.base_rate == pytest.approx(np.mean(labels))


@pytest.mark.parametrize("l2", [1.0, 0.1, 10.0])
def test_without_active_bounds_the_fit_is_scikit_learns(l2):
    # Both planted signs agree with the declared ones, so the bounds do not bind.
    rows, labels = synthetic(n=300, seed=2)
    rows = [{"unknown_words": r["unknown_words"], "bt_chrf": r["bt_chrf"]} for r in rows]
    fitted = fit_logistic(rows, labels, l2=l2)
    names = ["bt_chrf", "unknown_words"]
    model, scaler, matrix = _sklearn_fit(rows, labels, names, l2)
    expected = model.predict_proba(scaler.transform(matrix))[:, 1]
    predicted = [fitted.probability(row) for row in rows]
    assert predicted == pytest.approx(expected.tolist(), abs=1e-5)
    assert [fitted.weights[name] for name in names] == pytest.approx(model.coef_[0].tolist(), abs=1e-4)


def collinear(n=800, seed=3):
    """Back- and forward-translation chrF that move together, with labels that an unconstrained
    fit explains by giving forward chrF a positive weight (more agreement, more garbled)."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=n)
    bt = 60 + 10 * (common + 0.15 * rng.normal(size=n))
    fwd = 60 + 10 * (common + 0.15 * rng.normal(size=n))
    z = -3.0 * (bt - 60) / 10 + 2.0 * (fwd - 60) / 10  # the suppressor effect of collinear features
    labels = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int).tolist()
    return [{"bt_chrf": b, "fwd_chrf": f} for b, f in zip(bt, fwd, strict=True)], labels


def test_collinear_agreement_metrics_never_get_a_positive_weight():
    rows, labels = collinear()
    model, _, _ = _sklearn_fit(rows, labels, ["bt_chrf", "fwd_chrf"], 1.0)
    assert model.coef_[0][1] > 0.5  # the unconstrained fit gets the sign wrong
    fitted = fit_logistic(rows, labels)
    assert fitted.weights["fwd_chrf"] <= 0 and fitted.weights["bt_chrf"] < 0
    # At its bound forward chrF adds nothing: the fit is the one on back-translation chrF alone.
    alone = fit_logistic([{"bt_chrf": row["bt_chrf"]} for row in rows], labels)
    assert fitted.weights["fwd_chrf"] == pytest.approx(0.0, abs=1e-6)
    assert fitted.weights["bt_chrf"] == pytest.approx(alone.weights["bt_chrf"], abs=1e-4)


def test_a_disagreement_feature_never_gets_a_negative_weight():
    rng = np.random.default_rng(4)
    x = rng.normal(size=400)
    labels = (rng.random(400) < 1 / (1 + np.exp(2 * x))).astype(int).tolist()  # more TER, fewer garbles
    fitted = fit_logistic([{"length_deviation": v} for v in x], labels)
    assert fitted.weights["length_deviation"] == 0.0


def test_a_feature_without_a_declared_direction_is_refused():
    with pytest.raises(ValueError, match="'mystery' has no declared direction.*FEATURE_SIGNS"):
        fit_logistic([{"mystery": 1.0}, {"mystery": 2.0}], [0, 1])


def test_stronger_l2_shrinks_the_weights():
    rows, labels = synthetic()
    loose, tight = fit_logistic(rows, labels, l2=0.01), fit_logistic(rows, labels, l2=100.0)
    assert sum(abs(w) for w in tight.weights.values()) < sum(abs(w) for w in loose.weights.values())


def test_each_file_weighs_the_same_however_many_rows_it_holds():
    rows, labels = synthetic(n=300, seed=5)
    small, big = (rows[:100], labels[:100]), (rows[100:], labels[100:])
    # Weighing each file by 1/len is the same as repeating the small file's rows twice.
    weighted = fit_logistic(small[0] + big[0], small[1] + big[1],
                            sample_weight=[1 / 100] * 100 + [1 / 200] * 200)
    # (The weights are normalised to the number of rows, 300 here and 400 there: same penalty per row.)
    repeated = fit_logistic(small[0] * 2 + big[0], small[1] * 2 + big[1], l2=400 / 300)
    assert weighted.weights == pytest.approx(dict(repeated.weights), abs=1e-4)
    assert weighted.base_rate == pytest.approx((np.mean(small[1]) + np.mean(big[1])) / 2)


def test_missing_features_take_the_training_mean():
    rows, labels = synthetic(n=200)
    rows[0] = {"unknown_words": rows[0]["unknown_words"]}  # two features missing while fitting
    rows[1]["bt_chrf"] = float("nan")
    fitted = fit_logistic(rows, labels)
    assert fitted.means["bt_chrf"] == pytest.approx(np.mean([row["bt_chrf"] for row in rows[2:]]))
    assert fitted.probability({}) is None  # nothing to judge by
    mean_row = dict(fitted.means)
    assert fitted.probability({"unknown_words": 70.0}) == pytest.approx(
        fitted.probability({**mean_row, "unknown_words": 70.0}))
    assert fitted.probability({"unknown_words": 70.0, "unknown": 5.0}) == fitted.probability({"unknown_words": 70.0})


def test_scale_and_intercept_refits_keep_the_ranking_and_the_signs():
    rows, labels = synthetic(n=400, seed=6)
    shrunk = fit_logistic(rows, labels, l2=10_000.0)
    scaled = fit_scale(shrunk, rows, labels)
    factor = scaled.weights["unknown_words"] / shrunk.weights["unknown_words"]
    assert factor > 5  # the penalty had made the probabilities timid
    for name in shrunk.weights:
        assert scaled.weights[name] == pytest.approx(factor * shrunk.weights[name])
    assert roc_auc(labels, [scaled.probability(r) for r in rows]) == pytest.approx(
        roc_auc(labels, [shrunk.probability(r) for r in rows]))
    half = rows[:200], [1] * 150 + [0] * 50
    refitted = fit_intercept(scaled, *half)
    assert refitted.weights == scaled.weights and refitted.base_rate == 0.75
    assert np.mean([refitted.probability(r) for r in half[0]]) == pytest.approx(0.75, abs=0.01)


@pytest.mark.parametrize(
    ("rows", "labels", "message"),
    [
        ([{"bt_chrf": 1.0}, {"bt_chrf": 2.0}], [1, 1], "both classes"),
        ([{"bt_chrf": 1.0}], [0, 1], "1 feature rows but 2 labels"),
        ([{}, {}], [0, 1], "no features"),
        ([{"bt_chrf": None}, {"bt_chrf": float("nan")}], [0, 1], "'bt_chrf' has no value"),
        ([{"bt_chrf": "high"}, {"bt_chrf": 1.0}], [0, 1], "must be numbers"),
    ],
)
def test_fit_logistic_refuses_unusable_input(rows, labels, message):
    with pytest.raises(ValueError, match=message):
        fit_logistic(rows, labels)


# --------------------------------------------------------------------------------------------
# The package: one module per job, every public name at qa.evaluate


def test_the_package_re_exports_every_public_name_of_its_modules():
    import ast
    import inspect

    import qa.evaluate
    from qa.evaluate import fit, loaders, metrics, tables

    for module in (loaders, metrics, tables, fit):
        tree = ast.parse(inspect.getsource(module))
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)}
        defined |= {target.id for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign)
                    for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                    if isinstance(target, ast.Name)}
        public = {name for name in defined if not name.startswith("_")}
        assert public
        missing = sorted(name for name in public if getattr(qa.evaluate, name, None) is not getattr(module, name))
        assert not missing, (module.__name__, missing)
    assert not hasattr(qa.evaluate, "Segment")  # the ranked line no longer shadows the signals' Segment


def test_directions_an_engine_needs_and_those_judged(tmp_path):
    first = write_jsonl(tmp_path / "a.jsonl", [pair_record("1", 0), pair_record("2", 1)])
    second = write_jsonl(tmp_path / "b.jsonl", [pair_record("1", 0, src_lang="en", tgt_lang="es"),
                                                pair_record("2", 1, src_lang="en", tgt_lang="es")])
    third = write_jsonl(tmp_path / "c.jsonl", [pair_record("1", 1)])
    loaded = load_eval_sets([first, second, third])
    assert [path for path, _ in loaded] == [first, second, third]
    sets = [data for _, data in loaded]
    assert directions_of(sets) == [("es", "en"), ("en", "es")]
    assert judged_directions(sets) == ["es-en", "en-es"]
