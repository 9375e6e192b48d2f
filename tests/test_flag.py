"""The flagger: noisy-OR of the fitted model and the checks, severities, and its data file."""

from __future__ import annotations

import json
import math
from types import MappingProxyType

import pytest

from qa.errors import InputError
from qa.flag import Flagger, LogisticPart, judge, load_flagger, parse_flagger
from qa.signals.base import Signal

THRESHOLDS = MappingProxyType({"info": 0.4, "warning": 0.55, "error": 0.8})


def _signal(name, value, garble, span=None):
    return Signal(name, value, garble, f"{name} says {value}", span)


def test_checks_combine_as_noisy_or():
    flagger = Flagger(checks={"repetition": 0.5, "numbers": 0.6}, thresholds=THRESHOLDS, check_floor=0.0)
    verdict = judge({"repetition": _signal("repetition", 1, 1.0), "numbers": _signal("numbers", 1, 0.5)}, flagger)
    assert verdict.score == pytest.approx(1 - (1 - 0.5) * (1 - 0.3))
    assert verdict.flagged and verdict.severity == "warning"
    assert [r.signal for r in verdict.reasons] == ["repetition", "numbers"]


def test_model_part_uses_standardised_weights_and_ignores_missing_features():
    model = LogisticPart(bias=-1.0, weights={"bt_chrf": -2.0}, means={"bt_chrf": 50.0}, scales={"bt_chrf": 10.0})
    flagger = Flagger(models={"*": model}, thresholds=THRESHOLDS)
    low = judge({"bt_chrf": _signal("bt_chrf", 30.0, 0.7)}, flagger)
    assert low.score == pytest.approx(1 / (1 + math.exp(-(-1.0 + 4.0))))
    assert low.severity == "error"
    assert low.reasons[0].signal == "bt_chrf"
    # Without any model feature the model says nothing (no bias-only score).
    assert judge({}, flagger).score == 0.0


def test_severity_bands_and_threshold_override():
    flagger = Flagger(checks={"oscillation": 1.0}, thresholds=THRESHOLDS, check_floor=0.0)
    assert judge({"oscillation": _signal("oscillation", 1, 0.3)}, flagger).flagged is False
    lowered = flagger.with_threshold(0.25)
    verdict = judge({"oscillation": _signal("oscillation", 1, 0.3)}, lowered)
    assert verdict.flagged and verdict.severity == "info"
    raised = flagger.with_threshold(0.9)
    assert raised.thresholds["warning"] == 0.9 and raised.thresholds["error"] == 0.9
    with pytest.raises(InputError):
        flagger.with_threshold(1.5)


def test_span_comes_from_the_strongest_reason_with_one():
    flagger = Flagger(checks={"repetition": 0.9, "numbers": 0.5}, thresholds=THRESHOLDS)
    verdict = judge({"repetition": _signal("repetition", 1, 1.0, (10, 20)),
                     "numbers": _signal("numbers", 1, 1.0, (0, 3))}, flagger)
    assert verdict.span == (10, 20)


def test_packaged_flagger_loads():
    flagger = load_flagger()
    assert set(flagger.thresholds) == {"info", "warning", "error"}
    assert flagger.checks["circular_name"] > 0.5


@pytest.mark.parametrize("document,message", [
    ([], "JSON object"),
    ({"thresholds": {"info": 0.4, "warning": 0.55, "error": 0.8}, "weigths": {}}, "unknown key 'weigths'"),
    ({"thresholds": {"info": 0.9, "warning": 0.55, "error": 0.8}}, "rise"),
    ({"thresholds": {"info": 0.4}}, "exactly"),
    ({"checks": {"x": "high"}, "thresholds": {"info": 0.4, "warning": 0.5, "error": 0.8}}, "malformed"),
])
def test_bad_flagger_files_are_named(document, message):
    with pytest.raises(InputError, match=message) as error:
        parse_flagger(document, "my-flagger.json")
    assert str(error.value).startswith("my-flagger.json: ")


def test_flagger_file_from_disk(tmp_path):
    path = tmp_path / "f.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_flagger(path)
    path.write_text(json.dumps({"checks": {"repetition": 0.7},
                                "thresholds": {"info": 0.3, "warning": 0.5, "error": 0.9}}), encoding="utf-8")
    assert load_flagger(path).checks == {"repetition": 0.7}


def test_weak_check_evidence_below_the_floor_does_not_count():
    flagger = Flagger(checks={"names": 1.0, "repetition": 1.0}, thresholds=THRESHOLDS, check_floor=0.5)
    verdict = judge({"names": _signal("names", 1, 0.45), "repetition": _signal("repetition", 1, 0.6)}, flagger)
    assert verdict.score == pytest.approx(0.6)
    assert [r.signal for r in verdict.reasons] == ["repetition"]
