"""Fitting the flagger by leave-one-labelled-file-out cross-validation (``qa.calibrate``), and the
commands that fit it and measure it held out (``qa calibrate``, ``qa eval``), with the note and
signature of an engine the flagger has no model for. The labelled files here are invented."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest

import qa.evaluate.loaders
from qa.calibrate import (
    LabelledScores,
    calibrate,
    calibrate_paths,
    evaluate_paths,
    fit_models,
    flagger_document,
    flagger_scores,
    lofo,
    select_settings,
    single_signal_aucs,
    with_model,
    write_flagger,
)
from qa.errors import InputError
from qa.evaluate import roc_auc
from qa.flag import Flagger, LogisticPart, judge, load_flagger
from qa.signals.base import Signal

REPO = Path(__file__).resolve().parent.parent
THRESHOLDS = MappingProxyType({"info": 0.4, "warning": 0.55, "error": 0.8})
BASE = Flagger(checks={"repetition": 1.0}, thresholds=THRESHOLDS, prior=0.05)


def _file(name, direction, n, seed, *, chrf_offset=0.0, positives=0.3):
    """A scored labelled file: back-translation chrF lower for garbled pairs, length as noise."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < positives).astype(int)
    labels[:2] = [0, 1]
    chrf = 60 + chrf_offset - 15 * labels + 8 * rng.normal(size=n)
    length = rng.normal(2.5, 0.5, size=n)
    signals = tuple(
        {"bt_chrf": Signal("bt_chrf", float(c), 1 - c / 100, ""), "source_length": Signal("source_length", float(s), 0.0, "")}
        for c, s in zip(chrf, length, strict=True)
    )
    return LabelledScores(name, direction, tuple(int(v) for v in labels), signals)


@pytest.fixture
def files():
    # The third file sits far off on chrF: had it been fitted on, the means would show it.
    return [
        _file("a.jsonl", "es-en", 120, 1),
        _file("b.jsonl", "en-es", 200, 2, positives=0.5),
        _file("c.jsonl", "en-es", 80, 3, chrf_offset=500.0),
    ]


def test_lofo_never_fits_on_the_held_out_file(files):
    folds = lofo(files, features=["bt_chrf", "source_length"], l2=1.0, base=BASE, engine="apertium")
    assert [fold.held_out for fold in folds] == ["a.jsonl", "b.jsonl", "c.jsonl"]
    for fold, held in zip(folds, files, strict=True):
        others = [f for f in files if f is not held]
        assert fold.trained_on == tuple(f.name for f in others)
        assert held.name not in fold.trained_on
        # What scored the held-out file is exactly the fit on the other files...
        assert fold.model == fit_models(others, ["bt_chrf", "source_length"], 1.0).for_direction(held.direction)
        # ...whose standardisation saw only them, each file weighing the same.
        expected_mean = np.mean([np.mean([s["bt_chrf"].value for s in f.signals]) for f in others])
        assert fold.model.means["bt_chrf"] == pytest.approx(expected_mean)
        assert list(fold.scores) == flagger_scores(held, with_model(BASE, "apertium", held.direction, fold.model))
        assert fold.auc == roc_auc(list(held.labels), list(fold.scores))
    # No es-en file is left when a.jsonl is held out: the pooled model scores it.
    others = files[1:]
    pooled = fit_models(others, ["bt_chrf", "source_length"], 1.0)
    assert "es-en" not in pooled.by_direction and folds[0].model == pooled.pooled
    assert folds[0].model.base_rate == pytest.approx(np.mean([np.mean(f.labels) for f in others]))


def test_lofo_needs_two_files(files):
    with pytest.raises(ValueError, match="at least two labelled files"):
        lofo(files[:1], features=["bt_chrf"], l2=1.0, base=BASE, engine="apertium")


def test_selection_adds_a_feature_only_when_held_out_files_gain(files):
    selection = select_settings(files, base=BASE, engine="apertium", margin=0.03)
    assert selection.features == ("bt_chrf",)  # length is noise here
    assert selection.steps[1]["added"] == "bt_chrf"
    assert selection.mean_auc > selection.steps[0]["mean_figure"] + 0.03
    assert selection.l2 in (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0)


def test_single_signals_are_oriented_by_their_sign(files):
    aucs = single_signal_aucs(files[1])
    assert set(aucs) == {"bt_chrf", "source_length"}
    assert aucs["bt_chrf"] > 0.8  # lower chrF means garbled: negated, it ranks well


def test_calibrate_stores_one_model_per_direction_and_records_the_cross_validation(files):
    marian = LogisticPart(weights={"tgt_logprob": -1.0})
    old = LogisticPart(weights={"bt_chrf": -5.0})
    base = Flagger(models={"marian:es-en": marian, "apertium:fr-en": old}, checks={"repetition": 1.0},
                   thresholds=THRESHOLDS, prior=0.05)
    flagger, record = calibrate(files, base=base, engine="apertium", features=["bt_chrf"], l2=1.0)
    assert set(flagger.models) == {"marian:es-en", "apertium:es-en", "apertium:en-es"}
    assert flagger.models["marian:es-en"] is marian  # other engines' models are kept
    es_en, en_es = flagger.models["apertium:es-en"], flagger.models["apertium:en-es"]
    assert es_en.weights == en_es.weights  # one fit, pooled across directions
    assert es_en.base_rate == pytest.approx(np.mean(files[0].labels))
    assert en_es.base_rate == pytest.approx((np.mean(files[1].labels) + np.mean(files[2].labels)) / 2)
    assert flagger.checks == base.checks and flagger.prior == 0.05 and flagger.thresholds == THRESHOLDS
    assert record["features"] == ["bt_chrf"] and record["l2"] == 1.0
    assert record["files"] == ["a.jsonl", "b.jsonl", "c.jsonl"] and dict(flagger.fitted_on) == record
    for name, figures in record["cv"].items():
        assert name not in figures["trained_on"]
        assert figures["best_single_signal"] in figures["single_signal_auc"]
    # The model judges through the real path.
    assert judge(files[0].signals[1], flagger, "es-en", engine="apertium").score > 0


# --------------------------------------------------------------------------------------------
# The commands, with Apertium and invented sentences

GOOD = [
    ("El gobierno aprobó el presupuesto el martes.", "The government approved the budget on Tuesday."),
    ("La ciudad abrió un nuevo hospital.", "The city opened a new hospital."),
    ("Los estudiantes volvieron a clase en septiembre.", "The students went back to class in September."),
    ("El tren llegó a la estación con retraso.", "The train arrived at the station late."),
    ("La empresa contrató a cien trabajadores.", "The company hired a hundred workers."),
    ("El museo recibe miles de visitantes cada año.", "The museum receives thousands of visitors every year."),
    ("La lluvia causó inundaciones en el norte.", "The rain caused floods in the north."),
]
BAD = [
    ("El ministro visitó la frontera ayer.", "Of the of minister the the visited visited border border."),
    ("La biblioteca cierra los domingos.", "Purple elephants sing loudly under the frozen ocean tonight."),
    ("El alcalde anunció un plan de vivienda.", "El alcalde anunció un plan de vivienda."),
    ("Las exportaciones crecieron un cinco por ciento.", "Exports."),
    ("El equipo ganó el campeonato nacional.", "The the the team team won won the the the championship."),
]


def _labelled(path: Path, pairs_good, pairs_bad) -> Path:
    records = [{"id": f"g{k}", "src_lang": "es", "tgt_lang": "en", "src": s, "tgt": t, "label": 0}
               for k, (s, t) in enumerate(pairs_good)]
    records += [{"id": f"b{k}", "src_lang": "es", "tgt_lang": "en", "src": s, "tgt": t, "label": 1}
                for k, (s, t) in enumerate(pairs_bad)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def two_files(tmp_path):
    return (_labelled(tmp_path / "first.jsonl", GOOD[:4], BAD[:3]),
            _labelled(tmp_path / "second.jsonl", GOOD[3:], BAD[2:]))


def run_qa(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, check=False,
                          timeout=timeout, cwd=REPO, env=dict(os.environ))


def test_eval_reports_held_out_figures_next_to_each_single_signal(apertium_available, two_files, tmp_path):
    cache = str(tmp_path / "cache.sqlite3")
    table = run_qa("eval", *map(str, two_files), "--engine", "apertium", "--cache", cache)
    assert table.returncode == 0, table.stderr
    signature, _blank, header, _rule, *rows = table.stdout.strip().splitlines()
    assert signature.startswith("signature: qa ") and "apertium" in signature
    for column in ("flagger", "fit", "bt_chrf", "fwd_chrf", "source_length", "best single", "flagger - best"):
        assert f" {column} " in header, header
    assert len(rows) == 2 and all(" LOFO " in row for row in rows)

    result = run_qa("eval", *map(str, two_files), "--engine", "apertium", "--cache", cache, "--format", "json")
    assert result.returncode == 0, result.stderr
    signature, first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert signature["signature"]["engine"]["engine"] == "apertium"
    assert first["fit"] == "LOFO" and first["trained_on"] == ["second.jsonl"]
    assert second["trained_on"] == ["first.jsonl"]
    assert first["model"] == "apertium:es-en"
    assert 0 <= first["flagger"] <= 1 and {"bt_chrf", "fwd_chrf"} <= set(first["signals"])
    assert first["best_signal_value"] == max(first["signals"].values())


def test_calibrate_then_eval_one_file_it_was_fitted_on(apertium_available, two_files, tmp_path):
    cache, output = str(tmp_path / "cache.sqlite3"), tmp_path / "flagger.json"
    fitted = run_qa("calibrate", *map(str, two_files), "--engine", "apertium", "--cache", cache, "-o", str(output))
    assert fitted.returncode == 0, fitted.stderr
    assert "held out first.jsonl: flagger ROC-AUC" in fitted.stderr
    document = json.loads(output.read_text(encoding="utf-8"))
    assert set(document["models"]) == {"apertium:es-en"}
    record = document["fitted_on"]
    assert record["engine"] == "apertium" and set(record["cv"]) == {"first.jsonl", "second.jsonl"}
    assert record["cv"]["first.jsonl"]["trained_on"] == ["second.jsonl"]
    assert document["prior"] == 0.05 and document["thresholds"] == {"info": 0.4, "warning": 0.55, "error": 0.8}
    # A file it was fitted on, given alone, gets the figure calibrate held out: never a self-fit.
    alone = run_qa("eval", str(two_files[0]), "--engine", "apertium", "--cache", cache, "--flagger", str(output),
                   "--format", "json")
    assert alone.returncode == 0, alone.stderr
    _signature, row = (json.loads(line) for line in alone.stdout.splitlines())
    assert row["fit"] == "calibrate's LOFO" and row["flagger"] == record["cv"]["first.jsonl"]["flagger_auc"]


NOTE = "the flagger has no model fitted for {engine} es-en; only the model-free checks flag (fit one with qa calibrate --engine {engine})"


def test_engine_none_says_only_the_checks_flag(tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("El perro come pan.\tThe dog eats bread.\n", encoding="utf-8")
    check = run_qa("check", str(pairs), "--engine", "none", "--format", "json", "--fail-on", "never")
    assert check.returncode == 0, check.stderr
    assert "qa: the flagger has no model for engine none (es-en); only the model-free checks flag" in check.stderr
    signature = json.loads(check.stdout)["signature"]
    assert signature["flagger_model"] is None
    assert signature["flagger_note"] == "none fitted for none:es-en; only the model-free checks flag"
    score = run_qa("score", str(pairs), "--engine", "none")
    assert score.returncode == 0, score.stderr
    assert "the flagger has no model for engine none (es-en)" in score.stderr


def test_an_engine_without_a_fitted_model_never_borrows_apertiums(tiny_marian, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("El perro come pan.\tThe dog eats bread.\n", encoding="utf-8")
    models = ("--model", f"es-en={tiny_marian[('es', 'en')]}", "--model", f"en-es={tiny_marian[('en', 'es')]}")
    result = run_qa("check", str(pairs), "--engine", "marian", *models, "--format", "json", "--fail-on", "never",
                    "--cache", str(tmp_path / "cache.sqlite3"))
    assert result.returncode == 0, result.stderr
    assert "qa: " + NOTE.format(engine="marian") in result.stderr.splitlines()
    document = json.loads(result.stdout)
    assert document["signature"]["flagger_model"] is None
    assert document["signature"]["flagger_note"] == "none fitted for marian:es-en; only the model-free checks flag"
    (segment,) = document["articles"][0]["segments"]
    assert "bt_chrf" in segment["signals"]  # the packaged apertium model would have scored this
    assert segment["score"] == 0.0


# --------------------------------------------------------------------------------------------
# Evaluation and calibration as library calls, which the commands only render


def test_evaluate_paths_is_what_qa_eval_prints_and_reads_each_file_once(two_files, tmp_path, monkeypatch):
    ranking = tmp_path / "tiny.dev.segments.jsonl"
    ranking.write_text(json.dumps({"line": 1, "doc": 1, "src": GOOD[0][0], "ref": GOOD[0][1], "src_lang": "es",
                                   "tgt_lang": "en", "mt": {"A": GOOD[0][1], "B": BAD[0][1]}}) + "\n", encoding="utf-8")
    (tmp_path / "tiny.dev.preferences.jsonl").write_text(
        json.dumps({"line": 1, "better": "A", "worse": "B"}) + "\n", encoding="utf-8")
    paths = [*map(str, two_files), str(ranking)]
    cli = run_qa("eval", *paths, "--engine", "none", "--format", "json")
    assert cli.returncode == 0, cli.stderr

    reads = []
    real_read = qa.evaluate.loaders.read_text_file

    def counted(path, **options):  # a spy over the real reader: it counts, then reads
        reads.append(Path(path).name)
        return real_read(path, **options)

    monkeypatch.setattr(qa.evaluate.loaders, "read_text_file", counted)
    notes = []
    evaluation = evaluate_paths(paths, engine=None, cache=False, note=notes.append)
    assert sorted(reads) == sorted(["first.jsonl", "second.jsonl", "tiny.dev.segments.jsonl",
                                    "tiny.dev.preferences.jsonl"])
    signature, *rows = (json.loads(line) for line in cli.stdout.splitlines())
    assert signature == {"signature": evaluation.signature.to_dict()}
    assert rows == [json.loads(json.dumps(dataclasses.asdict(row))) for row in evaluation.rows]
    assert [row["fit"] for row in rows] == ["no model for none:es-en"] * 2 + ["as given"]
    assert notes == ["engine none: only the checks that need no model",
                     "the flagger has no model for engine none (es-en); only the model-free checks flag"]


def test_calibrate_paths_writes_the_file_qa_calibrate_writes(apertium_available, two_files, tmp_path):
    cache = tmp_path / "cache.sqlite3"
    calibration = calibrate_paths(two_files, engine="apertium", cache=cache, features=["bt_chrf"], l2=1.0)
    assert calibration.engine == "apertium" and calibration.record["features"] == ["bt_chrf"]
    assert set(calibration.record["cv"]) == {"first.jsonl", "second.jsonl"}
    written = tmp_path / "library.json"
    write_flagger(calibration.document, written)
    assert load_flagger(written).models.keys() == {"apertium:es-en"}

    output = tmp_path / "command.json"
    command = run_qa("calibrate", *map(str, two_files), "--engine", "apertium", "--cache", str(cache),
                     "--features", "bt_chrf", "--l2", "1", "-o", str(output))
    assert command.returncode == 0, command.stderr
    assert output.read_bytes() == written.read_bytes()


def test_calibrate_paths_refuses_engine_none(two_files):
    with pytest.raises(InputError, match="^qa calibrate fits the model of an engine: engine none"):
        calibrate_paths(two_files, engine=None)


def test_write_flagger_replaces_a_file_whole_or_not_at_all(tmp_path):
    path = tmp_path / "flagger.json"
    write_flagger(flagger_document(BASE, "apertium"), path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["comment"].startswith("Written by qa calibrate (engine apertium)")
    assert document["checks"] == {"repetition": 1.0}
    before = path.read_bytes()
    with pytest.raises(TypeError):
        write_flagger({"comment": "half", "checks": {"repetition": object()}}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["flagger.json"]  # no temporary file left behind
