"""Smaller faults a hostile or unlucky content repository meets (issue 15, item 13): a qa.toml
with a byte-order mark or in Latin-1, files with old-Mac line endings, a baseline too large to
load, the qa.toml search walking out of the repository or the home folder, front matter closed at
the very end of a file, and ``-q`` silencing the engine line. Each is run
through ``python -m qa`` on real files, as a CI step would meet it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.baseline import BASELINE_MAX_BYTES, read_baseline
from qa.config import find_config
from qa.errors import InputError

ES = "---\ntitle: El plan\nlang: es\n---\n\nEl ministro de Finanzas habló ayer en Madrid.\n"
EN = "---\ntitle: The plan\nlang: en\n---\n\nThe Minister of Finance spoke yesterday in Madrid.\n"


def qa(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False, env=env)


def write_pair(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.es.md").write_text(ES, encoding="utf-8")
    (folder / "plan.en.md").write_text(EN, encoding="utf-8")


@pytest.mark.parametrize(("raw", "message"), [
    (b'\xef\xbb\xbfengine = "none"\n', "qa.toml: starts with a byte-order mark (BOM); save it as UTF-8 without one"),
    ('engine = "none"  # r\u00e9sum\u00e9\n'.encode("latin-1"), "qa.toml: not UTF-8 text (byte 20); TOML files must be UTF-8"),
])
def test_a_qa_toml_that_is_not_plain_utf8_is_one_line_and_exit_2(tmp_path, raw, message):
    write_pair(tmp_path / "content")
    (tmp_path / "qa.toml").write_bytes(raw)
    run = qa("check", "content", cwd=tmp_path)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == [f"qa: error: {message}"]


def test_cr_only_line_endings_report_real_line_numbers(tmp_path):
    body = "The Minister of Finance spoke.\r\rThe president of the president of the president spoke yesterday.\r"
    (tmp_path / "plan.en.md").write_bytes(f"---\rtitle: The plan\rlang: en\r---\r\r{body}".encode())
    source = "El ministro de Finanzas habló.\r\rEl presidente habló ayer.\r"
    (tmp_path / "plan.es.md").write_bytes(f"---\rtitle: El plan\rlang: es\r---\r\r{source}".encode())
    run = qa("check", ".", "--engine", "none", "--format", "jsonl", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()][1:]
    by_text = {record["text"]: record for record in records}
    assert by_text["The plan"]["line"] == 2  # front matter closed by a lone CR is read
    flagged = [record for record in records if record["flagged"]]
    assert [(record["line"], record["column"]) for record in flagged] == [(8, 1)]
    assert flagged[0]["source_line"] == 8


def test_a_baseline_over_the_size_limit_is_refused_without_reading_it(tmp_path):
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:  # sparse: no disk or time spent
        handle.truncate(BASELINE_MAX_BYTES + 1)
    with pytest.raises(InputError, match=r"baseline is too large \(over 100 MiB\)"):
        read_baseline(huge)
    write_pair(tmp_path / "content")
    run = qa("check", "content", "--engine", "none", "--baseline", "/dev/zero", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1] == (
        "qa: error: /dev/zero: baseline is too large (over 100 MiB); is it a qa baseline?"
    )


def test_the_qa_toml_search_stops_at_home_outside_git(tmp_path, monkeypatch):
    """Outside git the root whose settings are read is the first of the current folder and home
    met going up from the checked path (issue 26: only the root's settings are read, so the
    root is now the current folder when it holds the path, where home used to come first)."""
    (tmp_path / "qa.toml").write_text('engine = "none"\n', encoding="utf-8")
    home = tmp_path / "home" / "ana"
    site = home / "sites" / "news"
    write_pair(site / "content")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert find_config(site / "content") is None  # the qa.toml above home is never read
    (home / "qa.toml").write_text('engine = "none"\n', encoding="utf-8")
    assert find_config(site / "content") == home / "qa.toml"  # run from elsewhere, home is the root
    monkeypatch.chdir(site)
    assert find_config(site / "content") is None  # run from the site, the site is the root
    (site / "qa.toml").write_text('engine = "none"\n', encoding="utf-8")
    assert find_config(site / "content") == site / "qa.toml"


def test_outside_git_and_home_the_search_stops_at_the_current_folder(tmp_path, monkeypatch):
    """A world-writable /tmp/qa.toml must not configure a check run in /tmp/site."""
    (tmp_path / "qa.toml").write_text('src_lang = "fr"\n', encoding="utf-8")
    site = tmp_path / "site"
    write_pair(site / "content")
    monkeypatch.setenv("HOME", str(tmp_path / "nobody"))
    monkeypatch.chdir(site)
    assert find_config(site / "content") is None
    env = {**os.environ, "HOME": str(tmp_path / "nobody")}
    run = qa("check", "content", "--engine", "none", cwd=site, env=env)
    assert run.returncode == 0, run.stderr  # read as es-en, not as fr-en from the stray file
    (site / "qa.toml").write_text('engine = "none"\n', encoding="utf-8")
    assert find_config(site / "content") == site / "qa.toml"
    (site / "qa.toml").unlink()
    monkeypatch.chdir(site / "content")  # started above the current folder: its own folder only
    assert find_config(site) is None


def test_front_matter_closed_at_the_end_of_the_file_without_a_newline_is_read(tmp_path):
    (tmp_path / "plan.es.md").write_text("---\ntitle: El plan del ministro\nlang: es\n---", encoding="utf-8")
    (tmp_path / "plan.en.md").write_text("---\ntitle: The minister's plan\nlang: en\n---", encoding="utf-8")
    result = qa("inspect", str(tmp_path), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pairs = json.loads(result.stdout)["pairs"]
    assert len(pairs) == 1 and pairs[0]["method"] != "unpaired"  # both front matters read: paired
    blocks = pairs[0]["target"]["blocks"]
    assert [block["text"] for block in blocks] == ["The minister's plan"]  # the title, not "---"


@pytest.mark.parametrize("engine", ["none", "apertium"])
def test_quiet_silences_the_engine_line(tmp_path, engine, request):
    if engine == "apertium":
        request.getfixturevalue("apertium_available")
    write_pair(tmp_path)
    loud = qa("check", str(tmp_path), "--engine", engine, cwd=tmp_path)
    quiet = qa("check", str(tmp_path), "--engine", engine, "-q", cwd=tmp_path)
    assert f"qa: engine {engine}" in loud.stderr
    assert "qa: engine" not in quiet.stderr and quiet.returncode == loud.returncode


def test_an_empty_notes_file_in_a_folder_is_skipped_but_an_emptied_translation_is_not(tmp_path):
    write_pair(tmp_path / "content")
    (tmp_path / "content" / "notes.txt").write_bytes(b"")
    done = qa("check", "--engine", "none", "--", str(tmp_path / "content"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"qa: {tmp_path / 'content' / 'notes.txt'}: file is empty; skipped" in done.stderr.splitlines()
    # Named on the command line, the same file is an error; so is an empty file that could be a
    # translation (its source is there): emptying one must never pass.
    named = qa("check", "--engine", "none", "--", str(tmp_path / "content" / "notes.txt"), cwd=tmp_path)
    assert named.returncode == 2 and "notes.txt: file is empty" in named.stderr
    (tmp_path / "content" / "plan.en.md").write_bytes(b"")
    emptied = qa("check", "--engine", "none", "--", str(tmp_path / "content"), cwd=tmp_path)
    assert emptied.returncode == 2
    assert f"qa: error: {tmp_path / 'content' / 'plan.en.md'}: file is empty" in emptied.stderr.splitlines()
