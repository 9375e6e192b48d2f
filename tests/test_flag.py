"""The flagger: noisy-OR of the fitted model and the checks, severities, and its data file."""

from __future__ import annotations

import dataclasses
import json
import math
from types import MappingProxyType

import pytest

from qa.errors import InputError
from qa.flag import (
    FEATURE_SIGNS,
    Flagger,
    LogisticPart,
    flagger_to_dict,
    judge,
    load_flagger,
    parse_flagger,
)
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
    flagger = Flagger(models={"*": model}, thresholds=THRESHOLDS, model_ceiling=1.0)  # the model itself
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


# --------------------------------------------------------------------------------------------
# Models per engine and direction


def _part(weight=-2.0):
    return LogisticPart(bias=-1.0, weights={"bt_chrf": weight}, means={"bt_chrf": 50.0},
                        scales={"bt_chrf": 10.0}, base_rate=0.3)


LOW_CHRF = {"bt_chrf": _signal("bt_chrf", 30.0, 0.7)}


def test_a_model_serves_only_the_engine_and_direction_it_was_fitted_for():
    flagger = Flagger(models={"apertium:es-en": _part()}, thresholds=THRESHOLDS, model_ceiling=1.0)
    fitted = judge(LOW_CHRF, flagger, "es-en", engine="apertium").score
    assert fitted == pytest.approx(1 / (1 + math.exp(-3.0)))
    for engine, direction in [("ct2", "es-en"), ("marian", "es-en"), ("none", "es-en"), ("apertium", "en-es")]:
        assert judge(LOW_CHRF, flagger, direction, engine=engine).score == 0.0, (engine, direction)
    # An engine nobody named: no model either (never another engine's weights).
    assert judge(LOW_CHRF, flagger, "es-en").score == 0.0
    # Bound to the engine in use, judge needs no engine argument.
    assert judge(LOW_CHRF, flagger.for_engine("apertium", "es-en")).score == fitted
    assert judge(LOW_CHRF, flagger.for_engine("apertium"), "es-en").score == fitted
    assert judge(LOW_CHRF, flagger.for_engine("ct2"), "es-en").score == 0.0


def test_wildcards_serve_any_engine_or_direction():
    flagger = Flagger(models={"apertium:*": _part(-1.0), "*": _part(-3.0)}, thresholds=THRESHOLDS)
    assert flagger.model_entry("apertium", "en-es")[0] == "apertium:*"
    assert flagger.model_entry("marian", "es-en")[0] == "*"
    assert flagger.model_entry(None, None)[0] == "*"


def test_without_a_model_the_note_and_the_signature_say_so():
    flagger = Flagger(models={"apertium:es-en": _part()}, thresholds=THRESHOLDS)
    assert flagger.missing_model_note("apertium", "es-en") is None
    assert flagger.missing_model_note("ct2", "es-en") == (
        "the flagger has no model fitted for ct2 es-en; only the model-free checks flag "
        "(fit one with qa calibrate --engine ct2)")
    assert "no model for engine none" in flagger.missing_model_note("none", "es-en")
    assert flagger.for_engine(None).engine == "none"


def test_the_signature_names_the_model_that_serves_the_engine_or_none():
    from qa.signature import flagger_hash, make_signature

    flagger = Flagger(models={"apertium:es-en": _part()}, thresholds=THRESHOLDS, source="mine.json")
    served = make_signature(None, flagger, "es", "en")
    assert served.engine == "none" and served.flagger_model is None
    assert served.flagger_note == "none fitted for none:es-en; only the model-free checks flag"
    assert served.flagger == "mine.json" and served.flagger_hash == flagger_hash(flagger)
    assert served.to_dict()["short"] == served.short() and served.short().startswith("qa ")
    assert "flagger mine.json#" in served.short() and "model none" in served.short()
    # The hash follows what decides verdicts: a threshold changes it, the file's name does not.
    assert flagger_hash(flagger.with_threshold(0.5)) != flagger_hash(flagger)
    assert flagger_hash(dataclasses.replace(flagger, source="other.json")) == flagger_hash(flagger)
    rows = dict(served.rows())
    assert rows["flagger"] == "mine.json" and rows["engine"] == "none"


def test_weights_must_respect_the_declared_directions():
    with pytest.raises(ValueError, match="fwd_chrf is an agreement metric: its weight must be <= 0"):
        LogisticPart(weights={"fwd_chrf": 0.2})
    with pytest.raises(ValueError, match="unknown_words is a disagreement: its weight must be >= 0"):
        LogisticPart(weights={"unknown_words": -0.2})
    with pytest.raises(ValueError, match="'mystery' has no declared direction"):
        LogisticPart(weights={"mystery": 1.0})
    assert FEATURE_SIGNS["bt_chrf"] == -1 and FEATURE_SIGNS["unknown_words"] == 1


def test_a_derived_feature_reads_its_signal_and_explains_by_it():
    part = LogisticPart(bias=0.0, weights={"length_deviation": 2.0}, means={"length_deviation": 0.1},
                        scales={"length_deviation": 0.1})
    flagger = Flagger(models={"*": part}, thresholds=THRESHOLDS, model_ceiling=1.0)
    short = judge({"length_ratio": _signal("length_ratio", -0.5, 0.0)}, flagger)
    long = judge({"length_ratio": _signal("length_ratio", 0.5, 0.6)}, flagger)
    assert short.score == pytest.approx(long.score)  # |log ratio| either way
    assert short.score == pytest.approx(1 / (1 + math.exp(-8.0)))
    assert [r.signal for r in long.reasons] == ["length_ratio"]
    assert short.reasons == ()  # a garble-0 signal explains nothing


def _document(models, **extra):
    return {"models": models, "thresholds": dict(THRESHOLDS), **extra}


def test_model_keys_name_an_engine():
    part = {"bias": 0.0, "weights": {"bt_chrf": -1.0}, "means": {"bt_chrf": 50}, "scales": {"bt_chrf": 10}}
    with pytest.raises(InputError, match="model 'es-en': model key 'es-en' must be ENGINE:SRC-TGT"):
        parse_flagger(_document({"es-en": part}), "old.json")
    wrong = {**part, "weights": {"bt_chrf": 1.0}}
    with pytest.raises(InputError, match="old.json: model 'apertium:es-en': the weight of bt_chrf"):
        parse_flagger(_document({"apertium:es-en": wrong}), "old.json")
    flagger = parse_flagger(_document({"apertium:es-en": part}, fitted_on={"engine": "apertium", "l2": 1.0}), "f")
    assert list(flagger.models) == ["apertium:es-en"]
    again = parse_flagger(flagger_to_dict(flagger), "f")
    assert again.models == flagger.models and dict(again.fitted_on) == {"engine": "apertium", "l2": 1.0}


def test_packaged_flagger_is_fitted_per_engine_and_direction_with_cross_validated_figures():
    flagger = load_flagger()
    assert flagger.prior == 0.05
    assert set(flagger.models) == {"apertium:es-en", "apertium:en-es"}
    record = flagger.fitted_on
    assert record["engine"] == "apertium" and set(record["cv"]) == set(record["files"])
    for figures in record["cv"].values():
        assert figures["trained_on"] and 0 < figures["flagger_auc"] < 1
    for part in flagger.models.values():
        assert sorted(part.weights) == sorted(record["features"])


def test_the_model_alone_never_reaches_an_error():
    from qa.signals.base import Signal

    part = LogisticPart(bias=8.0, weights={"unknown_words": 3.0}, means={"unknown_words": 0.0},
                        scales={"unknown_words": 1.0}, base_rate=0.5)
    flagger = Flagger(models={"apertium:es-en": part}, checks={"repetition": 1.0}).for_engine("apertium", "es-en")
    many = {"unknown_words": Signal("unknown_words", 9.0, 1.0, "9 words not in the English dictionary")}
    verdict = judge(many, flagger)
    assert verdict.score == pytest.approx(flagger.model_ceiling) and verdict.severity == "warning"
    doubled = {**many, "repetition": Signal("repetition", 1.0, 0.9, "'the plan' appears twice")}
    assert judge(doubled, flagger).severity == "error"


def test_the_signature_of_a_real_engine_names_its_models_both_ways(apertium_available):
    from qa.signature import make_signature
    from qa.translate.apertium import ApertiumEngine

    flagger = Flagger(models={"apertium:es-en": _part()}, thresholds=THRESHOLDS)
    signature = make_signature(ApertiumEngine(), flagger, "es", "en")
    assert signature.engine == "apertium" and signature.flagger_model == "apertium:es-en"
    assert signature.flagger_note is None and signature.beam is None
    assert set(signature.models) == {"es-en", "en-es"}
    assert signature.model.model == signature.models["es-en"].model
    assert f"apertium {signature.model}" in signature.short()
