"""Ctrl-C: a check interrupted while the engine works, or while a big corpus is scored, exits
promptly with code 130 and one line, leaves the translation cache sound (what was finished
stays in it), leaves no half-written report or temporary file, and leaves no engine process
behind. The hung engine is a stand-in (a fake ``apertium`` that sleeps; see test_faults.py).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_faults import (
    cached_rows,
    fake_apertium,
    process_alive,
    target_sentences,
    write_corpus,
)
from test_hostile_inputs import error_lines

from qa.files import write_atomically

# Generous: an interrupted run ends within a second or two; this only keeps a hung test finite.
EXIT_WITHIN = 60


def start_check(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "qa", "check", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env or dict(os.environ), cwd=cwd)


def wait_for(condition, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def interrupt(process: subprocess.Popen) -> tuple[int, bytes, bytes]:
    """Send Ctrl-C's signal to ``process``; its exit code and output."""
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=EXIT_WITHIN)
    return process.returncode, stdout, stderr


def leftovers(folder: Path, name: str) -> list[Path]:
    """The report and any temporary file write_atomically would have made for it."""
    return [p for p in folder.iterdir() if p.name == name or p.name.startswith(f".{name}.")]


@pytest.mark.apertium
def test_ctrl_c_while_the_engine_works(apertium_available, tmp_path):
    corpus = write_corpus(tmp_path / "content")
    cache = tmp_path / "cache.sqlite3"
    pid_file = tmp_path / "hung.pid"
    # The English sentences are back-translated; then the engine hangs on the Spanish ones.
    env = fake_apertium(tmp_path, f"echo $$ > {pid_file}\nsleep 600", mode="spa-eng", from_block=1)
    check = start_check(str(corpus), "--engine", "apertium", "--cache", str(cache), "--format", "json",
                        "-o", str(tmp_path / "report.json"), env=env)
    english = target_sentences(corpus)
    # The directions run together: wait until the back-translations are stored as well.
    wait_for(lambda: pid_file.exists() and pid_file.read_text().strip() and stored(cache) == {("en", "es"): english},
             "the engine to hang")
    code, _, stderr = interrupt(check)
    assert code == 130
    assert error_lines(stderr) == ["qa: error: interrupted"]
    assert leftovers(tmp_path, "report.json") == []
    assert cached_rows(cache) == {("en", "es"): english}
    assert not process_alive(int(pid_file.read_text()))


def stored(cache: Path) -> dict[tuple[str, str], int] | None:
    """The cache's engine entries per direction, or None while it cannot be read yet."""
    try:
        return cached_rows(cache)
    except sqlite3.Error:
        return None


def write_big_corpus(folder: Path, paragraphs: int) -> Path:
    es = "\n\n".join(f"El consejo aprobó la medida número {n} para el distrito." for n in range(paragraphs))
    en = "\n\n".join(f"The council approved measure number {n} for the district." for n in range(paragraphs))
    folder.mkdir(parents=True)
    (folder / "big.es.md").write_text(f"---\ntitle: Titular\n---\n\n{es}\n", encoding="utf-8")
    (folder / "big.en.md").write_text(f"---\ntitle: Headline\n---\n\n{en}\n", encoding="utf-8")
    return folder


def test_ctrl_c_while_a_big_corpus_is_checked(tmp_path):
    corpus = write_big_corpus(tmp_path / "content", 3000)  # some 15 s of scoring uninterrupted
    check = start_check(str(corpus), "--engine", "none", "--format", "html", "-o", "report.html", cwd=tmp_path)
    # The engine note comes once the corpus is read, just before the check starts.
    first_line = check.stderr.readline()
    assert first_line.startswith(b"qa: engine none"), first_line
    time.sleep(1.0)
    code, _, stderr = interrupt(check)
    assert code == 130, stderr
    assert error_lines(stderr) == ["qa: error: interrupted"]
    assert leftovers(tmp_path, "report.html") == []


@pytest.mark.parametrize("where", ["while writing", "before the rename"])
def test_interrupted_write_keeps_the_old_report_and_no_temporary_file(tmp_path, monkeypatch, where):
    report = tmp_path / "report.json"
    report.write_text('{"old": true}\n')

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync" if where == "while writing" else "replace", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(report, '{"new": true}\n' * 10_000)
    assert report.read_text() == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
