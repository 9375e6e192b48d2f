"""The command line as a user runs it: the installed ``qa`` entry point in a subprocess, or click's
runner where only the output matters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from qa import __version__
from qa.cli import cli

REPO = Path(__file__).resolve().parent.parent
HEADLINE_ES = "Marruecos-Estados Unidos: nuevos acuerdos para garantizar la estabilidad del Sahel"


def run_qa(*args: str, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m qa`` as a user would, with the test's environment (isolated caches)."""
    return subprocess.run(
        [sys.executable, "-m", "qa", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={**os.environ, **(env or {})},
    )


def all_commands(group: click.Group, prefix: str = "qa"):
    for name, command in group.commands.items():
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):
            yield from all_commands(command, f"{prefix} {name}")


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


@pytest.mark.parametrize("name,command", list(all_commands(cli)), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_has_help(name, command):
    assert command.help and len(command.help.strip()) > 20, f"{name} has no help text"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts[0]} has no help text"
    result = CliRunner().invoke(cli, [*name.split()[1:], "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_translate_with_apertium_prints_english(apertium_available):
    result = run_qa("translate", "--engine", "apertium", "--from", "es", "--to", "en", HEADLINE_ES)
    assert result.returncode == 0, result.stderr
    english = result.stdout.strip()
    assert "Morocco" in english and "Sahel" in english and "Marruecos" not in english
    assert "engine apertium" in result.stderr


def test_translate_with_a_tiny_marian_model_hits_the_cache_the_second_time(tiny_marian, tmp_path):
    model = str(tiny_marian[("es", "en")])
    cache = str(tmp_path / "cache.sqlite3")
    args = ("translate", "--engine", "marian", "--model", model, "--cache", cache, "--format", "json",
            "el perro come pan", "la casa es grande")
    first = run_qa(*args)
    assert first.returncode == 0, first.stderr
    assert "engine marian" in first.stderr and "0 from the cache, 2 translated" in first.stderr
    second = run_qa(*args)
    assert second.returncode == 0, second.stderr
    assert "2 from the cache, 0 translated" in second.stderr
    assert second.stdout == first.stdout
    signature, *rows = (json.loads(line) for line in first.stdout.splitlines())
    assert signature["signature"]["engine"]["engine"] == "marian"
    assert [row["src"] for row in rows] == ["el perro come pan", "la casa es grande"]


def test_no_cache_translates_every_time(tiny_marian, tmp_path):
    args = ("translate", "--engine", "marian", "--model", str(tiny_marian[("es", "en")]),
            "--cache", str(tmp_path / "c.sqlite3"), "--no-cache", "hola")
    for _ in range(2):
        result = run_qa(*args)
        assert result.returncode == 0, result.stderr
        assert "0 from the cache, 1 translated" in result.stderr
    assert not (tmp_path / "c.sqlite3").exists()


def test_translate_a_file_line_by_line(apertium_available, tmp_path):
    source = tmp_path / "lines.txt"
    source.write_text("El perro come pan.\n\nLa casa es grande.\n", encoding="utf-8")
    result = run_qa("translate", "--engine", "apertium", "--file", str(source))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["The dog eats bread.", "", "The house is big."]


def test_marian_without_a_model_or_hub_fails_in_one_line(tmp_path):
    # The hub endpoint is a closed local port, as on a machine with no route to the hub.
    env = {"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": "http://127.0.0.1:9"}
    result = run_qa("translate", "--engine", "marian", "hola", env=env, timeout=10)
    assert result.returncode == 3
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Helsinki-NLP/opus-mt-es-en" in lines[0]
    assert "--model" in lines[0] and "apertium" in lines[0]
    assert "Traceback" not in result.stderr


def test_translate_needs_text():
    result = CliRunner().invoke(cli, ["translate", "--engine", "apertium"])
    assert result.exit_code == 2
    assert "nothing to translate" in result.output


def test_inspect_reports_each_bad_file_and_still_shows_the_good_ones(tmp_path):
    good = tmp_path / "good.en.md"
    good.write_text("---\ntitle: A good headline\nlang: en\n---\n\nA body sentence. Another one.\n", encoding="utf-8")
    (tmp_path / "binary.md").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "latin1.md").write_bytes("café con leche".encode("latin-1"))
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    (tmp_path / "huge.txt").write_text("Una frase corta. " * 1_250_000, encoding="utf-8")  # ~21 MB
    (tmp_path / "nothing-here").mkdir()
    bad = ["binary.md", "latin1.md", "empty.md", "huge.txt", "nothing-here"]

    result = run_qa("inspect", *(str(tmp_path / name) for name in [*bad, "good.en.md"]))

    assert result.returncode == 2
    errors = result.stderr.strip().splitlines()
    assert len(errors) == len(bad), result.stderr
    assert sorted(line.split(": ")[2] for line in errors) == sorted(str(tmp_path / name) for name in bad)
    assert all(line.startswith("qa: error: ") for line in errors)
    assert "Traceback" not in result.stderr
    assert "A body sentence." in result.stdout and "Another one." in result.stdout


def test_inspect_json_gives_offsets_into_the_file(tmp_path):
    text = "---\ntitle: Titular de prueba\nlang: es\n---\n\nEl Sr. Pérez llegó a EE. UU. el lunes. Volvió el martes.\n"
    path = tmp_path / "nota.es.md"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["inspect", "--format", "json", str(path)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    article = document["pairs"][0]["source"]
    sentences = [s for block in article["blocks"] for s in block["sentences"]]
    assert [s["text"] for s in sentences] == [
        "Titular de prueba", "El Sr. Pérez llegó a EE. UU. el lunes.", "Volvió el martes."]
    for sentence in sentences:
        assert text[sentence["start"] : sentence["end"]] == sentence["text"]
    assert sentences[1]["line"] == 6 and sentences[1]["column"] == 1


def test_inspect_pairs_the_sample_corpus():
    result = CliRunner().invoke(cli, ["inspect", "--format", "json", str(REPO / "corpora")])
    assert result.exit_code == 0, result.output
    pairs = json.loads(result.output)["pairs"]
    assert len(pairs) == 6
    assert {pair["method"] for pair in pairs} == {"front-matter"}
    assert all(pair["source"]["lang"] == "es" and pair["target"]["lang"] == "en" for pair in pairs)


def test_every_command_takes_quiet():
    from qa.cli import cli

    for name, command in cli.commands.items():
        flags = {flag for parameter in command.params for flag in getattr(parameter, "opts", [])}
        assert {"--quiet", "-q"} <= flags, name


def test_with_no_engine_for_the_pair_the_error_offers_engine_none_where_it_is_accepted(tmp_path):
    from qa.translate.apertium import ApertiumEngine

    if ApertiumEngine().problem("es", "fr") is None:
        pytest.skip("this machine has Apertium's es-fr pair: an engine can be had")
    news = tmp_path / "news"
    for language, text in (("es", "El pleno aprobó ayer el presupuesto."), ("fr", "Le conseil a voté le budget hier.")):
        (news / language).mkdir(parents=True)
        (news / language / "pleno.md").write_text(f"{text}\n", encoding="utf-8")
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"id": "1", "src": "Hola.", "tgt": "Bonjour."}) + "\n", encoding="utf-8")
    offline = {"HF_HUB_OFFLINE": "1"}  # no es-fr model can be fetched, and none is in the (empty) cache
    for args in (("check", str(news)), ("score", str(pairs))):
        result = run_qa(*args, "--src-lang", "es", "--tgt-lang", "fr", env=offline)
        assert result.returncode == 3, result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("qa: error:")]
        assert len(errors) == 1 and "no translation engine is available" in errors[0]
        assert errors[0].endswith("; or --engine none: only the checks that need no model")
    result = run_qa("translate", "--from", "es", "--to", "fr", "Hola.", env=offline)  # translate needs an engine
    assert result.returncode == 3
    assert "no translation engine is available" in result.stderr and "--engine none" not in result.stderr
