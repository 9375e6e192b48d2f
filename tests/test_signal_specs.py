"""Signals register as specs (name, function, description, role), and everything that names a
signal takes it from there: the flagger's checks, the SARIF rules, the language names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import qa
import qa.report.html
import qa.signals.untranslated
import qa.signals.vocabulary
from qa.errors import InputError
from qa.flag import FEATURE_SIGNS, feature_source, flagger_to_dict, load_flagger, parse_flagger
from qa.langid import language_name
from qa.report.sarif import report_to_sarif, rule_description
from qa.signals import SIGNAL_ROLES, SignalSpec, compute_signals, describe, registry, specs
from qa.signals.base import Segment

THRESHOLDS = {"info": 0.4, "warning": 0.55, "error": 0.8}
ALIGNMENT_SIGNALS = {"omission", "addition", "gutted"}


def test_every_signal_has_a_description_and_a_role():
    assert len(specs()) >= 20
    for name, spec in specs().items():
        assert spec.name == name
        assert spec.description.strip() and spec.description[0].isupper() and "\n" not in spec.description
        assert spec.role in SIGNAL_ROLES
        assert describe(name) == spec.description
        assert spec.label.strip() and "_" not in spec.label  # words an editor reads, not the code


def test_a_spec_refuses_an_unknown_role_an_empty_description_or_a_code_for_a_label():
    with pytest.raises(ValueError, match="role 'metric'"):
        SignalSpec("x", None, "Something", "metric", label="x")
    with pytest.raises(ValueError, match="no description"):
        SignalSpec("x", None, " ", "check", label="x")
    with pytest.raises(ValueError, match="label of plain words"):
        SignalSpec("bt_chrf", None, "Something", "feature", label="bt_chrf")
    with pytest.raises(KeyError):
        describe("no_such_signal")


def test_registry_holds_the_functions_and_the_alignment_signals_have_none():
    assert {name for name, spec in specs().items() if spec.function is None} == ALIGNMENT_SIGNALS
    assert registry() == {name: spec.function for name, spec in specs().items() if name not in ALIGNMENT_SIGNALS}
    segment = Segment("El consejo se reunió el lunes en Rabat.", "The council met on Monday in Rabat.", "es", "en")
    signals = compute_signals(segment)
    assert signals and all(signal.name == name and name in registry() for name, signal in signals.items())


def test_roles_say_how_the_flagger_uses_each_signal():
    packaged = load_flagger()
    assert {specs()[name].role for name in packaged.checks} == {"check"}
    sources = {feature_source(name) for name in FEATURE_SIGNS}
    assert sources <= set(specs())
    # A feature is one the fitted model can weigh; a check may also feed features (length_ratio).
    assert {name for name, spec in specs().items() if spec.role == "feature"} <= sources


def test_the_packaged_flagger_and_one_weighing_every_check_parse():
    packaged = load_flagger()
    assert set(packaged.checks) >= ALIGNMENT_SIGNALS
    again = parse_flagger(flagger_to_dict(packaged), "again.json")
    assert again.checks == packaged.checks
    every = {name: 0.5 for name, spec in specs().items() if spec.role == "check"}
    assert parse_flagger({"checks": every, "thresholds": THRESHOLDS}, "every.json").checks == every


def test_an_unknown_check_name_is_refused_naming_the_file_and_the_name(tmp_path):
    document = {"checks": {"repetition": 1.0, "circular_names": 0.9}, "thresholds": THRESHOLDS}
    with pytest.raises(InputError, match=r"unknown check 'circular_names'.*did you mean 'circular_name'") as error:
        parse_flagger(document, "my-flagger.json")
    assert str(error.value).startswith("my-flagger.json: ")
    path = tmp_path / "flagger.json"
    path.write_text(json.dumps({"checks": {"zzz": 1.0}, "thresholds": THRESHOLDS}), encoding="utf-8")
    with pytest.raises(InputError, match="unknown check 'zzz' in flagger file$") as error:
        load_flagger(path)
    assert error.value.path == str(path)


def article(title: str, paragraphs: list[str]) -> str:
    return f"---\ntitle: {title}\ntranslationKey: acuerdo\n---\n\n" + "\n\n".join(paragraphs) + "\n"


@pytest.fixture
def report(tmp_path: Path, monkeypatch):
    """A checked pair (engine none) flagged for a circular name and for an omitted sentence."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "acuerdo.es.md").write_text(article("Acuerdo", [
        "La Dirección General de Estados Unidos se reunió el lunes.",
        "El ministro llegó el lunes a Rabat para firmar el acuerdo.",
        "Los agricultores del valle piden más agua para sus cosechas este verano.",
        "El presidente del gobierno regional habló ayer con los sindicatos del puerto.",
    ]), encoding="utf-8")
    (tmp_path / "acuerdo.en.md").write_text(article("Agreement", [
        "The United States General Department for the United States met on Monday.",
        "The minister arrived in Rabat on Monday to sign the agreement.",
        "The president of the regional government spoke yesterday with the port unions.",
    ]), encoding="utf-8")
    return qa.check(str(tmp_path), engine=None, cache=False)


def test_sarif_rules_carry_the_registered_descriptions(report):
    rules = report_to_sarif(report)["runs"][0]["tool"]["driver"]["rules"]
    assert {rule["id"] for rule in rules} == {"circular_name", "omission"}
    for rule in rules:
        assert rule["shortDescription"]["text"] == specs()[rule["id"]].description
    assert describe("omission") == "A source sentence with no counterpart in the translation"


def test_sarif_rule_texts_beyond_the_signals():
    assert rule_description("score") == "Several weak signals that add up to a garbled passage"
    assert rule_description("someone_elses_signal") == "qa signal someone_elses_signal"


def test_one_table_of_language_names():
    assert qa.report.html.language_name is language_name
    assert qa.signals.untranslated.language_name is language_name
    assert qa.signals.vocabulary.language_name is language_name
    assert not hasattr(qa.report.html, "LANGUAGE_NAMES") and not hasattr(qa.signals.untranslated, "LANGUAGE_NAMES")
    assert language_name("es") == language_name("es-ES") == language_name("ES_es") == "Spanish"
    assert language_name("eu") == "Basque" and language_name("nl") == "Dutch"
    assert language_name("xx-YY") == "xx-YY"
