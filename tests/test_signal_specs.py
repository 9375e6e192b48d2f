"""Signals register as specs (name, function, description, role, the engine's inputs they read),
and everything that names a signal takes it from there: the flagger's checks, the SARIF rules, the
language names, and what scoring asks the engine for."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
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
from qa.score import add_translations, score_pairs
from qa.signals import INPUTS, SIGNAL_ROLES, SignalSpec, compute_signals, describe, needs_of, registry, specs
from qa.signals.base import Segment
from qa.translate.base import Engine, EngineInfo, TokenScores

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


# --------------------------------------------------------------------------------------------
# What each signal reads of the engine's work (SignalSpec.needs)

SPANISH = "El ministro no firmó el acuerdo de 30 millones de euros con Pedro Duque y Luis Castro en Madrid el lunes."
ENGLISH = "The minister signed the agreement of 40 million euros with Pedro Duke and Luis Window in Madrid on Monday blorft."


def tagged(text: str) -> tuple[str, ...]:
    """Invented tagger output in Apertium's form: each word a noun, capitalised ones names."""
    return tuple(f"{w}/{w.lower()}<{'np' if w[0].isupper() else 'n'}><sg>" for w in text.rstrip(".").split())


def filled(source: str | None, target: str, src_lang: str = "es", tgt_lang: str = "en") -> Segment:
    """A segment with every input an engine can add filled in, each differing from what the
    texts alone say (a dropped negation, another figure, a surname rendered, an unknown word)."""
    words = target.split()
    return Segment(
        source, target, src_lang, tgt_lang,
        back_translation="El ministro firmó el acuerdo de 40 millones de euros con Pedro Duque y Luis Castro en Madrid el lunes.",
        forward_translation="The minister did not sign the 30 million euro agreement with Pedro Duque and Luis Castro in Madrid "
                            "on Monday.",
        round_trip="The minister signed one agreement in Madrid.",
        target_scores=TokenScores(tuple(f"▁{w}" for w in words), tuple(-0.3 * (k % 4) for k in range(len(words)))),
        source_scores=TokenScores(("▁El", "▁ministro", "</s>"), (-0.5, -2.0, -0.1)),
        target_unknown=("blorft", "Duke"),
        target_tags=tagged(target),
        source_tags=tagged(source or "El ministro"),
        preceding_targets=("The ministry met on Sunday.",),
    )


FILLED = [filled(SPANISH, ENGLISH), filled(None, ENGLISH), filled(ENGLISH, SPANISH, "en", "es")]


def without(segment: Segment, kept: frozenset[str]) -> Segment:
    return dataclasses.replace(segment, **{name: None for name in INPUTS if name not in kept})


def test_every_signal_declares_known_inputs_and_a_spec_refuses_an_unknown_one():
    for spec in specs().values():
        assert set(spec.needs) <= set(INPUTS), spec.name
    with pytest.raises(ValueError, match="needs back_translations, not among back_translation"):
        SignalSpec("x", None, "Something", "check", label="x", needs=frozenset({"back_translations"}))


@pytest.mark.parametrize("name", sorted(registry()))
def test_a_signal_reads_no_input_it_does_not_declare(name):
    needs = specs()[name].needs
    for segment in FILLED:
        assert compute_signals(segment, [name]) == compute_signals(without(segment, needs), [name]), segment.src_lang


def test_every_declared_input_changes_its_signal_on_the_filled_segments():
    # Without this the test above would pass for signals that read an input the segments leave
    # unused: each input a signal declares changes it on one of the segments.
    for name, spec in specs().items():
        for need in spec.needs:
            assert any(compute_signals(segment, [name]) != compute_signals(dataclasses.replace(segment, **{need: None}), [name])
                       for segment in FILLED), (name, need)


def test_needs_of_a_selection():
    assert needs_of() == frozenset(INPUTS) == needs_of(registry())
    assert needs_of(["repetition", "dates"]) == frozenset()
    assert needs_of(["bt_chrf", "unknown_words"]) == {"back_translation", "target_unknown"}
    assert needs_of(["round_trip_chrf"]) == {"round_trip", "back_translation"}  # a round trip starts from it
    with pytest.raises(ValueError, match="no signal is named 'repetitions'"):
        needs_of(["repetitions"])
    assert list(compute_signals(FILLED[0], ["numbers", "repetition"])) == ["repetition", "numbers"]  # registry order


class CountingEngine(Engine):
    """A test double: an engine that echoes its input as the translation, scores, analyses and
    tags it, and counts each call by method and direction."""

    name = "counting"

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str, str]] = Counter()

    def info(self, src: str, tgt: str) -> EngineInfo:
        return EngineInfo("counting", "echo", "1")

    def translate(self, texts, src, tgt):
        self.calls["translate", src, tgt] += 1
        return [f"{text} ({tgt})" for text in texts]

    @property
    def can_score(self) -> bool:
        return True

    def score(self, sources, targets, src, tgt):
        self.calls["score", src, tgt] += 1
        return [TokenScores(("▁a", "</s>"), (-1.0, -0.5)) for _ in targets]

    @property
    def can_analyse(self) -> bool:
        return True

    def unknown_words(self, texts, src, tgt):
        self.calls["unknown_words", src, tgt] += 1
        return [() for _ in texts]

    @property
    def can_tag(self) -> bool:
        return True

    def tagged_words(self, texts, src, tgt):
        self.calls["tagged_words", src, tgt] += 1
        return [tagged(text) for text in texts]


PAIRS = [("El consejo se reunió el lunes.", "The council met on Monday."), ("", "The council the council of the council.")]


def test_scoring_asks_the_engine_only_for_what_the_chosen_signals_read():
    engine = CountingEngine()
    results = score_pairs(PAIRS, src_lang="es", tgt_lang="en", engine=engine, signals=["repetition"])
    assert engine.calls == Counter()
    assert [list(result.signals) for result in results] == [["repetition"], ["repetition"]]
    assert results[1].signals["repetition"].garble > 0

    score_pairs(PAIRS, src_lang="es", tgt_lang="en", engine=engine, signals=["bt_chrf", "pos_fluency"])
    assert set(engine.calls) == {("translate", "en", "es"), ("tagged_words", "en", "es")}

    engine.calls.clear()
    results = score_pairs(PAIRS, src_lang="es", tgt_lang="en", engine=engine, signals=["round_trip_chrf"])
    assert set(engine.calls) == {("translate", "en", "es"), ("translate", "es", "en")}  # back, then the round trip
    assert list(results[1].signals) == ["round_trip_chrf"] and not results[0].signals


def test_scoring_every_signal_asks_for_everything():
    engine = CountingEngine()
    results = score_pairs(PAIRS, src_lang="es", tgt_lang="en", engine=engine)
    assert set(engine.calls) == {
        ("translate", "en", "es"), ("translate", "es", "en"), ("score", "es", "en"), ("score", "en", "es"),
        ("unknown_words", "en", "es"), ("tagged_words", "en", "es"), ("tagged_words", "es", "en"),
    }
    assert {"bt_chrf", "fwd_chrf", "tgt_logprob", "src_logprob", "unknown_words", "pos_fluency"} <= set(results[0].signals)
    assert "round_trip_chrf" in results[1].signals
    assert results[0].signals == compute_signals(add_translations(
        [Segment(PAIRS[0][0], PAIRS[0][1], "es", "en")], CountingEngine())[0])
