"""Ctrl-C and SIGTERM: a check interrupted while the engine works, or while a big corpus is
scored, exits promptly with code 130 (SIGINT) or 143 (SIGTERM) and one line, leaves the
translation cache sound (what was finished stays in it), leaves no half-written report or
temporary file, and leaves no engine process behind; with ``--jobs 2``, no worker process or
Apertium pipeline either, and qa's stdout and stderr reach their end. The hung engine is a
stand-in (a fake ``apertium`` that sleeps; see test_faults.py).
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
from test_distribute import write_pairs
from test_faults import (
    cached_rows,
    fake_apertium,
    process_alive,
    target_sentences,
    write_corpus,
)
from test_hostile_inputs import error_lines
from test_worker_faults import newsroom, record_while_working, still_running

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


def interrupt(process: subprocess.Popen, signum: int = signal.SIGINT,
              within: float = EXIT_WITHIN) -> tuple[int, bytes, bytes]:
    """Send Ctrl-C's signal (or ``signum``) to ``process``; its exit code and output, read to
    their end."""
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=within)
    return process.returncode, stdout, stderr


# How qa answers each signal: its exit code (128 + the signal) and its one line.
ANSWERS = {signal.SIGINT: (130, "qa: error: interrupted"), signal.SIGTERM: (143, "qa: error: terminated")}


def leftovers(folder: Path, name: str) -> list[Path]:
    """The report and any temporary file write_atomically would have made for it."""
    return [p for p in folder.iterdir() if p.name == name or p.name.startswith(f".{name}.")]


@pytest.mark.apertium
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_while_the_engine_works(apertium_available, tmp_path, signum):
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
    code, _, stderr = interrupt(check, signum)
    assert (code, error_lines(stderr)) == (ANSWERS[signum][0], [ANSWERS[signum][1]])
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


@pytest.mark.apertium
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("command", ["check", "score"])
def test_a_signal_ends_every_worker_and_pipeline(apertium_available, tmp_path, command, signum):
    if command == "check":
        work = [str(newsroom(tmp_path / "news")), "--format", "json"]
    else:
        work = [str(write_pairs(tmp_path / "pairs.jsonl", 1201))]
    # A caller reading qa's output to its end, as CI does: it must reach the end once qa exits.
    qa_process = subprocess.Popen([sys.executable, "-m", "qa", command, *work, "--engine", "apertium", "--no-cache",
                                   "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        seen = record_while_working(qa_process)
    except BaseException:
        qa_process.kill()
        raise
    code, _, stderr = interrupt(qa_process, signum, within=10)
    assert (code, error_lines(stderr)) == (ANSWERS[signum][0], [ANSWERS[signum][1]])
    assert still_running(seen) == []  # workers, their Apertium stages, multiprocessing's tracker
