"""Engine and cache faults. An engine that is missing, crashes, is killed or hangs ends the run with
exit code 3 and one clear line, and the translations finished before the fault stay in the cache;
a cache that is corrupt, locked, shared by two runs at once or on a full disk never stops a check
and is never left corrupt.

Faults a real engine cannot be made to show on demand are played by stand-ins, each named as
such: a fake ``lt-proc`` first on PATH that starts one mode's pipeline, hands its first blocks to
the real lt-proc and then crashes, kills itself or hangs; a Marian model whose ``generate`` raises out-of-memory.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_hostile_inputs import error_lines, qa_command

import qa.translate.apertium as apertium_module
from qa.cli import cli
from qa.corpus import read_paths
from qa.pipeline import check_corpus
from qa.report import renderer
from qa.translate import EngineOptions
from qa.translate.apertium import ApertiumEngine
from qa.translate.base import in_shrinking_batches, started_together
from qa.translate.cache import CachedEngine, CacheScope, CacheWarning, TranslationCache
from qa.translate.marian import MarianEngine

pytestmark = [pytest.mark.apertium, pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")]

ARTICLES = {
    "agua": (["El gobierno aprobó el martes un plan para el agua.", "La medida costará 300 millones de euros."],
             ["The government approved a water plan on Tuesday.", "The measure will cost 300 million euros."]),
    "campo": (["Los agricultores recibirán menos agua este verano.", "El ministro habló con la prensa en Madrid."],
              ["Farmers will receive less water this summer.", "The minister spoke to the press in Madrid."]),
    "puerto": (["El puerto de Valencia abrirá una nueva terminal.", "Las obras empezarán en enero."],
               ["The port of Valencia will open a new terminal.", "Work will begin in January."]),
}


def write_corpus(folder: Path, slugs=tuple(ARTICLES)) -> Path:
    """Spanish and English Markdown articles in es/ and en/; returns the folder."""
    for slug in slugs:
        es, en = ARTICLES[slug]
        for lang, title, sentences in (("es", "Un titular", es), ("en", "A headline", en)):
            path = folder / lang / f"{slug}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"---\ntitle: {title} {slug}\n---\n\n" + " ".join(sentences) + "\n", encoding="utf-8")
    return folder


# The stand-in for Apertium's first stage (lt-proc) in one mode: blocks before FROM go to the real
# lt-proc and back; from block FROM on (counted across restarts), it becomes the shell FAULT.
_FAKE_LT_PROC = """#!{python}
import os, subprocess, sys
real, analyser, counter, start, fault = {real!r}, {analyser!r}, {counter!r}, {start}, {fault!r}
if analyser not in sys.argv or "-w" in sys.argv:
    os.execv(real, [real, *sys.argv[1:]])
inner = subprocess.Popen([real, *sys.argv[1:]], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
pending = b""
while chunk := sys.stdin.buffer.read1(65536):
    *blocks, pending = (pending + chunk).split(b"\\0")
    for block in blocks:
        count = int(open(counter).read()) + 1 if os.path.exists(counter) else 1
        open(counter, "w").write(str(count))
        if count >= start:
            os.execv("/bin/sh", ["sh", "-c", fault])
        inner.stdin.write(block + b"\\0")
        inner.stdin.flush()
        answer = b""
        while not answer.endswith(b"\\0"):
            answer += inner.stdout.read1(65536)
        sys.stdout.buffer.write(answer)
        sys.stdout.buffer.flush()
"""


def fake_apertium(folder: Path, fault: str, *, mode: str, from_block: int) -> dict[str, str]:
    """The environment of a run whose Apertium pipeline for ``mode`` starts with a stand-in
    lt-proc: it hands blocks (one per line) before ``from_block`` to the real lt-proc and then
    runs the shell ``fault`` in its place. Every other use of lt-proc is the real one."""
    real = shutil.which("lt-proc")
    analyser = apertium_module.analyser_of(mode)
    assert real and analyser
    bin_folder = folder / "fake-bin"
    bin_folder.mkdir(exist_ok=True)
    script = bin_folder / "lt-proc"
    script.write_text(_FAKE_LT_PROC.format(python=sys.executable, real=real, analyser=str(analyser),
                                           counter=str(folder / f"{mode}-blocks"), start=from_block, fault=fault))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {**os.environ, "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}"}


def apertium_scope(src: str, tgt: str) -> CacheScope:
    """Where the Apertium engine's translations from ``src`` to ``tgt`` are cached."""
    return CacheScope.of("translate", ApertiumEngine().info(src, tgt), src, tgt)


def cached_rows(path: Path) -> dict[tuple[str, str], int]:
    """Engine entries (translations and scores) per direction in a cache file, after checking the
    file is sound."""
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = connection.execute("SELECT src, tgt, COUNT(*) FROM entries WHERE kind IN ('translate', 'score') "
                                  "GROUP BY src, tgt").fetchall()
    finally:
        connection.close()
    return {(src, tgt): count for src, tgt, count in rows}


def target_sentences(folder: Path) -> int:
    return sum(len(list(pair.target.sentences())) for pair in read_paths([folder]).complete)


# --- engine faults -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["check", "{corpus}"], ["translate", "Hola"], ["score", "{pairs}"]],
    ids=["check", "translate", "score"],
)
def test_apertium_missing(tmp_path, args):
    corpus = write_corpus(tmp_path / "content")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("Hola.\tHello.\n")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}
    arguments = [arg.format(corpus=corpus, pairs=pairs) for arg in args]
    run = qa_command(*arguments, "--engine", "apertium", env=env)
    assert run.returncode == 3
    # check and score can go on without an engine, so they offer that way out; translate cannot.
    way_out = "" if args[0] == "translate" else "; or --engine none: only the checks that need no model"
    assert error_lines(run.stderr) == [f"qa: error: apertium is not installed; apt-get install apertium-eng-spa{way_out}"]


def test_no_engine_at_all_for_auto(tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    run = qa_command("check", str(write_corpus(tmp_path / "content")), env={**os.environ, "PATH": str(empty)})
    assert run.returncode == 3 and len(error_lines(run.stderr)) == 1


def test_apertium_killed_mid_run_keeps_the_first_batch(apertium_available, tmp_path):
    corpus = write_corpus(tmp_path / "content")
    cache = tmp_path / "cache.sqlite3"
    # The English sentences are back-translated; the pipeline translating the Spanish ones is killed.
    env = fake_apertium(tmp_path, "kill -9 $$", mode="spa-eng", from_block=1)
    run = qa_command("check", str(corpus), "--engine", "apertium", "--cache", str(cache), "-o",
                     str(tmp_path / "report.json"), env=env)
    assert run.returncode == 3
    (line,) = error_lines(run.stderr)
    assert line == "qa: error: apertium spa-eng failed: stage lt-proc exited (killed by signal 9)"
    assert not (tmp_path / "report.json").exists()
    english = target_sentences(corpus)
    assert cached_rows(cache) == {("en", "es"): english}

    again = qa_command("check", str(corpus), "--engine", "apertium", "--cache", str(cache))
    assert again.returncode == 0, again.stderr
    assert f"translations: {english} from the cache, {english} computed".encode() in again.stderr


def test_apertium_crashing_on_the_third_chunk_of_a_file(apertium_available, tmp_path):
    lines = tmp_path / "lines.txt"
    lines.write_text("".join(f"El perro come {n} manzanas.\n" for n in range(150)))
    cache = tmp_path / "cache.sqlite3"
    env = fake_apertium(tmp_path, 'echo "apertium: cannot allocate memory" >&2\nexit 1', mode="spa-eng",
                        from_block=129)
    run = qa_command("translate", "--engine", "apertium", "--cache", str(cache), "--file", str(lines), env=env)
    assert run.returncode == 3 and run.stdout == b""
    assert error_lines(run.stderr) == [
        "qa: error: apertium spa-eng failed: stage lt-proc exited (exit status 1): apertium: cannot allocate memory"
    ]
    assert cached_rows(cache) == {("es", "en"): 128}  # two chunks of 64 done before the crash


def test_hanging_apertium_times_out_and_keeps_the_first_chunk(apertium_available, tmp_path, monkeypatch):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"src": f"El perro come {n} manzanas.", "tgt": f"The dog eats {n} apples."}) + "\n"
                             for n in range(100)))
    cache = tmp_path / "cache.sqlite3"
    pid_file = tmp_path / "hung.pid"
    env = fake_apertium(tmp_path, f"echo $$ > {pid_file}\nsleep 600", mode="eng-spa", from_block=65)
    monkeypatch.setenv("PATH", env["PATH"])
    monkeypatch.setattr(apertium_module, "line_timeout", lambda line: 2.0)  # instead of 30 s and more
    result = CliRunner().invoke(cli, ["score", str(pairs), "--engine", "apertium", "--cache", str(cache)])
    assert result.exit_code == 3, result.output
    assert [list(json.loads(line)) for line in result.stdout.splitlines()] == [["signature"]]  # no result
    assert error_lines(result.stderr) == ["qa: error: apertium eng-spa took longer than 2 s on 1 line"]
    assert cached_rows(cache) == {("en", "es"): 64}
    assert not process_alive(int(pid_file.read_text()))


def test_a_killed_apertium_stage_is_named_at_once(apertium_available, tmp_path):
    from test_worker_faults import descendants

    lines = tmp_path / "lines.txt"  # some 20 s of work: the stage is killed long before the end
    lines.write_text("".join(f"El ministro come {n} manzanas en la casa del alcalde.\n" for n in range(20_000)))
    run = subprocess.Popen([sys.executable, "-m", "qa", "translate", "--engine", "apertium", "--no-cache", "--file",
                            str(lines)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (stage := [pid for (pid, _), command in descendants(run.pid).items()
                         if command.startswith("apertium-transfer ")]):
        assert run.poll() is None and time.monotonic() < deadline, "no apertium-transfer stage started"
        time.sleep(0.05)
    os.kill(stage[0], signal.SIGKILL)
    killed = time.monotonic()
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 3
    assert error_lines(stderr) == [
        "qa: error: apertium spa-eng failed: stage apertium-transfer exited (killed by signal 9)"]
    assert time.monotonic() - killed < 15  # a bound on a hang: the answer's own timeout is 30 s


def process_alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie counts as gone), after a short grace period."""
    for _ in range(50):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as status:
                if status.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return False
        except FileNotFoundError:
            return False
        time.sleep(0.1)
    return True


# --- Marian faults -----------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["missing vocab.json", "corrupt model.safetensors"])
def test_damaged_marian_folder_is_one_line(tiny_marian, tmp_path, damage):
    folder = tmp_path / "model"
    shutil.copytree(tiny_marian[("es", "en")], folder)
    if damage.startswith("missing"):
        (folder / "vocab.json").unlink()
    else:
        (folder / "model.safetensors").write_bytes(b"\x00not a model")
    result = CliRunner().invoke(cli, ["translate", "--engine", "marian", "--model", str(folder),
                                      "--cache", str(tmp_path / "c.sqlite3"), "Hola"])
    assert result.exit_code == 3
    (line,) = error_lines(result.stderr)
    assert str(folder) in line


def out_of_memory_from(monkeypatch, *, call: int = 1, rows: int = 0) -> None:
    """Stand-in for a batch too big for memory: MarianMTModel.generate raises torch's
    OutOfMemoryError from its ``call``-th call on, for batches of more than ``rows`` rows."""
    import torch
    from transformers import MarianMTModel

    real = MarianMTModel.generate
    calls = []

    def generate(self, *args, **kwargs):
        calls.append(1)
        if len(calls) >= call and kwargs["input_ids"].shape[0] > rows:
            raise torch.OutOfMemoryError("CPU out of memory: tried to allocate 96.00 GiB")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(MarianMTModel, "generate", generate)


def test_marian_out_of_memory_is_one_line_and_keeps_finished_chunks(tiny_marian, tmp_path, monkeypatch):
    lines = tmp_path / "lines.txt"
    lines.write_text("".join(f"El perro come {n} manzanas.\n" for n in range(100)))
    cache = tmp_path / "cache.sqlite3"
    out_of_memory_from(monkeypatch, call=3)  # the first chunk of 64 is two batches of 32
    result = CliRunner().invoke(cli, ["translate", "--engine", "marian", "--model", str(tiny_marian[("es", "en")]),
                                      "--cache", str(cache), "--file", str(lines)])
    assert result.exit_code == 3
    assert error_lines(result.stderr) == ["qa: error: out of memory (CPU out of memory: tried to allocate 96.00 GiB)"]
    assert cached_rows(cache) == {("es", "en"): 64}


def test_shrinking_batches_keep_order_and_give_up_only_on_one_item():
    def squares(limit: int, error: Exception):
        def run(batch: list[int]) -> list[int]:
            if len(batch) > limit:
                raise error
            return [i * i for i in batch]
        return run

    notes: list[str] = []
    batch = [5, 1, 4, 2, 3]
    assert in_shrinking_batches(batch, squares(1, MemoryError()), notes) == [25, 1, 16, 4, 9]
    assert notes[0] == "a batch of 5 ran out of memory; retried it in halves"
    with pytest.raises(MemoryError):
        in_shrinking_batches(batch, squares(0, MemoryError()), [])
    with pytest.raises(RuntimeError, match="shape mismatch"):  # not memory: no retry
        in_shrinking_batches(batch, squares(1, RuntimeError("shape mismatch")), notes := [])
    assert notes == []


def test_batches_started_together_keep_order_and_rerun_alone_what_ran_out_of_memory():
    class Pending:
        """What an engine's asynchronous call returns: a result to wait for (a stand-in)."""

        def __init__(self, value: int | Exception) -> None:
            self.value = value

        def result(self) -> int:
            if isinstance(self.value, Exception):
                raise self.value
            return self.value

    started: list[tuple[tuple[int, ...], bool]] = []

    def run(batch: list[int], asynchronous: bool) -> list:
        started.append((tuple(batch), asynchronous))
        if asynchronous:  # the batch holding 4 runs out of memory beside the others
            return [Pending(MemoryError() if 4 in batch else i * i) for i in batch]
        if len(batch) > 1:
            raise MemoryError()
        return [i * i for i in batch]

    notes: list[str] = []
    batches = [[5, 1], [4, 2], [3]]
    assert list(started_together(batches, run, notes)) == [[25, 1], [16, 4], [9]]
    # Every batch started before any was waited for; the one that failed ran again alone, in halves.
    assert started[:3] == [((5, 1), True), ((4, 2), True), ((3,), True)]
    assert started[3:] == [((4, 2), False), ((4,), False), ((2,), False)]
    assert notes == ["a batch of 2 ran out of memory; retried it in halves"]
    # Not memory: no retry, and what was started after the failed batch is still waited for.
    waited: list[int] = []

    class Recorded(Pending):
        def result(self) -> int:
            waited.append(self.value if isinstance(self.value, int) else -1)
            return super().result()

    failing = {1: RuntimeError("shape mismatch")}
    with pytest.raises(RuntimeError, match="shape mismatch"):
        list(started_together([[0], [1], [2]], lambda batch, _: [Recorded(failing.get(batch[0], batch[0]))], []))
    assert waited == [0, -1, 2]
    # A caller that stops reading early also leaves nothing running.
    waited.clear()
    reading = started_together([[0], [1], [2]], lambda batch, _: [Recorded(batch[0])], [])
    assert next(reading) == [0]
    reading.close()
    assert waited == [0, 1, 2]


def test_marian_out_of_memory_falls_back_to_smaller_batches(tiny_marian, tmp_path, monkeypatch):
    lines = tmp_path / "lines.txt"
    lines.write_text("".join(f"El perro come {n} manzanas.\n" for n in range(10)))
    command = ["translate", "--engine", "marian", "--model", str(tiny_marian[("es", "en")]), "--no-cache",
               "--file", str(lines)]
    expected = CliRunner().invoke(cli, command).stdout
    out_of_memory_from(monkeypatch, rows=2)
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected  # every line, in input order
    assert "a batch of 10 ran out of memory; retried it in halves" in result.stderr


def test_marian_scoring_out_of_memory_falls_back_to_smaller_batches(tiny_marian, monkeypatch):
    import torch
    from transformers import MarianMTModel

    engine = MarianEngine(EngineOptions(models={"es-en": str(tiny_marian[("es", "en")])}, threads=1))
    sources = [f"El perro come {n} manzanas." for n in range(7)]
    targets = [f"The dog eats {n} apples." for n in range(7)]
    expected = engine.score(sources, targets, "es", "en")
    real = MarianMTModel.forward

    def forward(self, *args, **kwargs):
        if kwargs["input_ids"].shape[0] > 1:
            raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 96 GB")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(MarianMTModel, "forward", forward)
    scores = engine.score(sources, targets, "es", "en")
    assert [s.tokens for s in scores] == [s.tokens for s in expected]
    for got, want in zip(scores, expected):
        assert torch.allclose(torch.tensor(got.logprobs), torch.tensor(want.logprobs), atol=1e-4)
    assert len(engine.notes) == 6  # 7 -> 3 + 4 -> 1 + 2 + 2 + 2


# --- cache faults ------------------------------------------------------------------------------


def checked_json(run: subprocess.CompletedProcess) -> dict:
    assert run.returncode == 0 and error_lines(run.stderr) == [], run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_cache_is_moved_aside_and_the_check_completes(apertium_available, tmp_path, damage):
    corpus = write_corpus(tmp_path / "content")
    cache = tmp_path / "cache.sqlite3"
    with TranslationCache(cache) as filler:
        filler.put_many(apertium_scope("en", "es"), {f"filler {n}": "relleno " * 30 for n in range(2000)})
    with cache.open("r+b") as handle:
        if damage == "garbage":  # SQLite's header, then pages overwritten
            handle.seek(100)
            handle.write(b"not a database page " * 200)
        else:
            handle.truncate(cache.stat().st_size // 2)
    damaged = cache.read_bytes()
    run = qa_command("check", str(corpus), "--engine", "apertium", "--cache", str(cache), "--format", "json",
                     "--fail-on", "never")
    checked_json(run)
    assert b"was damaged" in run.stderr and b"moved it to" in run.stderr
    (aside,) = [p for p in tmp_path.iterdir() if p.name.startswith("cache.sqlite3.corrupt-") and "-wal" not in p.name
                and "-shm" not in p.name]
    assert aside.read_bytes() == damaged
    assert cached_rows(cache)[("en", "es")] == target_sentences(corpus)


def test_a_locked_cache_waits_or_steps_aside(apertium_available, tmp_path):
    corpus = write_corpus(tmp_path / "content")
    cache = tmp_path / "cache.sqlite3"
    with TranslationCache(cache) as first:
        first.put_many(apertium_scope("en", "es"), {"Hola": "Hola"})
    holder = sqlite3.connect(cache, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")

    def unlock() -> None:
        holder.execute("ROLLBACK")
        holder.close()

    release = threading.Timer(3.0, unlock)  # well within the 10 s the cache waits for a lock
    release.start()
    try:
        run = qa_command("check", str(corpus), "--engine", "apertium", "--cache", str(cache), "--format", "json",
                         "--fail-on", "never")
    finally:
        release.join()
    checked_json(run)
    assert cached_rows(cache)[("en", "es")] in (1, 1 + target_sentences(corpus))


def test_two_checks_at_once_on_one_cache(apertium_available, tmp_path):
    corpus = write_corpus(tmp_path / "content")
    cache = tmp_path / "cache.sqlite3"
    command = [sys.executable, "-m", "qa", "check", str(corpus), "--engine", "apertium", "--cache", str(cache),
               "--format", "json", "--fail-on", "never"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    documents = [checked_json(subprocess.CompletedProcess(command, run.returncode, out, err))
                 for run, (out, err) in zip(runs, outputs)]
    assert documents[0] == documents[1]
    assert cached_rows(cache) == {("en", "es"): target_sentences(corpus), ("es", "en"): target_sentences(corpus)}


def test_full_disk_switches_the_cache_off_and_leaves_it_sound(apertium_available, tmp_path, monkeypatch):
    """A full disk, simulated by SQLite's own limit on the file's pages (``max_page_count``, set to
    the pages the file has): a write that needs a new page fails with the real SQLITE_FULL error,
    "database or disk is full". A sentence too long for one page makes sure the first write does."""
    corpus = write_corpus(tmp_path / "content")
    long_es = "El consejo aprobó el plan del agua" + ", del riego y del campo" * 250 + "."
    long_en = "The council approved the water plan" + ", irrigation and the countryside" * 180 + "."
    (corpus / "es" / "largo.md").write_text(f"---\ntitle: Largo\n---\n\n{long_es}\n", encoding="utf-8")
    (corpus / "en" / "largo.md").write_text(f"---\ntitle: Long\n---\n\n{long_en}\n", encoding="utf-8")
    cache_path = tmp_path / "cache.sqlite3"
    engine = ApertiumEngine()
    with TranslationCache(cache_path) as cache:
        cache.put_many(apertium_scope("en", "es"), {"Hola": "Hola"})
    real_connect = TranslationCache._connect

    def connect_to_a_full_disk(self):
        connection = real_connect(self)
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages}")
        return connection

    monkeypatch.setattr(TranslationCache, "_connect", connect_to_a_full_disk)
    pairs = read_paths([corpus]).pairs
    with TranslationCache(cache_path) as cache, pytest.warns(CacheWarning, match="database or disk is full"):
        cached = CachedEngine(engine, cache)
        report = check_corpus(pairs, engine=cached, cache=cache)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        expected = check_corpus(pairs, engine=CachedEngine(engine, None))
    assert renderer("json")(report) == renderer("json")(expected)
    assert cached_rows(cache_path) == {("en", "es"): 1}
