"""qa score and the library's score_pairs: sentence pairs in, one verdict per pair, in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

import qa.run as run_module
from qa.cli import cli
from qa.score import score_pairs

REPO = Path(__file__).resolve().parent.parent


def run_qa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True,
                          timeout=300, cwd=REPO, env=dict(os.environ))


PAIRS = [
    {"id": "a", "src": "El embalse está al 8,5 % de su capacidad.", "tgt": "The reservoir is at 85% of its capacity."},
    {"id": "b", "src": "El plan se aprobó el martes.", "tgt": "The plan was approved on Tuesday."},
    {"id": "c", "src": "Ambas partes estudiarán la cooperación.", "tgt": "Both sides will consider cooperation on both sides."},
]


def test_score_jsonl_keeps_input_order_and_ids(tmp_path, apertium_available):
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in PAIRS), encoding="utf-8")
    result = run_qa("score", str(path), "--engine", "apertium", "--quiet")
    assert result.returncode == 1, result.stderr  # pairs flagged as errors, as qa check exits
    signature, *rows = (json.loads(line) for line in result.stdout.splitlines())
    assert signature["signature"]["engine"]["engine"] == "apertium"
    assert signature["signature"]["flagger_model"] == "apertium:es-en"
    assert [row["id"] for row in rows] == ["a", "b", "c"]
    for row in rows:
        assert set(row) >= {"id", "score", "flagged", "severity", "reasons", "signals"}
        assert 0 <= row["score"] <= 1
        assert "bt_chrf" in row["signals"]
    assert rows[0]["flagged"] and any(r["signal"] == "numbers" for r in rows[0]["reasons"])
    assert not rows[1]["flagged"]
    assert rows[2]["flagged"] and any(r["signal"] == "repetition" for r in rows[2]["reasons"])


def test_score_tsv_with_engine_none(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("".join(f"{p['src']}\t{p['tgt']}\n" for p in PAIRS), encoding="utf-8")
    result = run_qa("score", str(path), "--engine", "none")
    assert result.returncode == 1, result.stderr
    signature, *rows = (json.loads(line) for line in result.stdout.splitlines())
    assert signature["signature"]["short"].startswith("qa ") and signature["signature"]["engine"]["engine"] == "none"
    assert [row["id"] for row in rows] == ["1", "2", "3"]
    assert [row["flagged"] for row in rows] == [True, False, True]
    assert all("bt_chrf" not in row["signals"] for row in rows)


def test_score_bad_file_is_exit_code_2(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"src": "hola"}\n', encoding="utf-8")
    result = run_qa("score", str(path), "--engine", "none")
    assert result.returncode == 2
    assert str(path) in result.stderr and "Traceback" not in result.stderr


def test_score_pairs_library_accepts_tuples():
    results = score_pairs([(p["src"], p["tgt"]) for p in PAIRS], src_lang="es", tgt_lang="en")
    assert [r.id for r in results] == ["1", "2", "3"]
    assert results[0].flagged and not results[1].flagged


def test_score_streams_in_chunks_in_order_and_reports_bad_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "SCORE_CHUNK_PAIRS", 2)  # the library streams qa score's chunks
    rows = [*PAIRS, {"id": "bad", "src": "sin traducción"}, *({**p, "id": p["id"] * 2} for p in PAIRS)]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in rows), encoding="utf-8")
    result = CliRunner().invoke(cli, ["score", str(path), "--engine", "none"])
    assert result.exit_code == 2
    assert f"qa: error: {path}:4: record has no 'tgt' string" in result.stderr.splitlines()
    _signature, *scored = (json.loads(line) for line in result.stdout.splitlines())
    assert [row["id"] for row in scored] == ["a", "b", "c", "aa", "bb", "cc"]
    whole = score_pairs([(p["src"], p["tgt"]) for p in PAIRS * 2], src_lang="es", tgt_lang="en")
    assert [row["score"] for row in scored] == [r.to_dict()["score"] for r in whole]


def test_the_language_models_load_beside_the_engine_only_when_it_translates(monkeypatch, tmp_path, apertium_available):
    import qa.score as score_module
    from qa.translate.apertium import ApertiumEngine
    from qa.translate.cache import CachedEngine, TranslationCache

    warmed: list[tuple[str, str]] = []
    monkeypatch.setattr(score_module, "warm_up", warmed.append)
    pairs = [(row["src"], row["tgt"]) for row in PAIRS]
    with TranslationCache(tmp_path / "cache.sqlite3") as cache:
        engine = CachedEngine(ApertiumEngine(), cache)
        try:
            cold = score_pairs(pairs, src_lang="es", tgt_lang="en", engine=engine)
            assert warmed == [("es", "en")]  # while Apertium translated
            warm = score_pairs(pairs, src_lang="es", tgt_lang="en", engine=engine)
            assert warmed == [("es", "en")]  # everything came from the cache: nothing to wait for
        finally:
            engine.close()
    assert [r.to_dict() for r in warm] == [r.to_dict() for r in cold]


def test_the_library_scores_with_an_engine_named_as_qa_score_does(tmp_path, apertium_available):
    import qa

    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in PAIRS), encoding="utf-8")
    cli = run_qa("score", str(path), "--engine", "apertium", "--no-cache", "-q")
    assert cli.returncode == 1, cli.stderr
    from_cli = [json.loads(line) for line in cli.stdout.splitlines()[1:]]
    pairs = [(row["src"], row["tgt"]) for row in PAIRS]
    library = qa.score_pairs(pairs, src_lang="es", tgt_lang="en", engine="apertium", cache=False)
    assert [{**r.to_dict(), "id": row["id"]} for r, row in zip(library, PAIRS, strict=True)] == from_cli
    assert all(r.back_translation for r in library)


def test_the_library_takes_the_engine_qa_toml_names_by_default(tmp_path, monkeypatch):
    import qa

    (tmp_path / "qa.toml").write_text('engine = "none"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    (result,) = qa.score_pairs([("El plan se aprobó.", "The plan was approved.")], cache=False)
    assert result.back_translation is None and "bt_chrf" not in result.signals  # engine none, as configured


def test_dir_lists_the_library_entry_points():
    import qa

    assert {"check", "score_pairs", "__version__"} <= set(dir(qa))


def test_qa_score_exits_as_qa_check_does_at_the_fail_on_severity(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in PAIRS), encoding="utf-8")
    severities = {row["severity"] for row in map(json.loads, run_qa("score", str(path), "--engine", "none",
                                                                      "--fail-on", "never").stdout.splitlines()[1:])}
    assert "error" in severities
    assert run_qa("score", str(path), "--engine", "none").returncode == 1  # default: fail on error
    assert run_qa("score", str(path), "--engine", "none", "--fail-on", "never").returncode == 0
    clean = tmp_path / "clean.jsonl"
    clean.write_text(json.dumps(PAIRS[1], ensure_ascii=False) + "\n", encoding="utf-8")
    assert run_qa("score", str(clean), "--engine", "none", "--fail-on", "info").returncode == 0
    (tmp_path / "qa.toml").write_text('fail-on = "never"\n', encoding="utf-8")
    assert run_qa("score", str(path), "--engine", "none").returncode == 0  # qa.toml's fail-on applies
