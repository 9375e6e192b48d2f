"""--jobs and --scheduler: the same results from local worker processes and from a real Dask
cluster on loopback (LocalCluster, and `dask scheduler` / `dask worker` processes), a worker
killed mid-run losing nothing, and clear errors for a scheduler that is not there."""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster

import qa
from qa.config import Settings
from qa.corpus.model import SentencePair
from qa.distribute import DaskRunner, LostChunk, chunks_of
from qa.errors import EngineError
from qa.report.json import report_to_dict
from qa.run import read_pairs
from qa.score import score_pairs
from qa.workers import WorkerSetup, article_chunks, score_chunk

REPO = Path(__file__).resolve().parent.parent
CITIES = [("Sevilla", "Seville"), ("Valencia", "Valencia"), ("Zaragoza", "Zaragoza"), ("Bilbao", "Bilbao"),
          ("Málaga", "Malaga")]
THINGS = [("las escuelas", "schools"), ("los hospitales", "hospitals"), ("el transporte público", "public transport"),
          ("las bibliotecas", "libraries"), ("los parques", "parks")]


def made_up_pairs(count: int) -> list[dict]:
    """Sentence pairs written for these tests, with a circular name and a changed figure here and there."""
    rows = []
    for n in range(count):
        es_city, en_city = CITIES[n % len(CITIES)]
        es_thing, en_thing = THINGS[(n // len(CITIES)) % len(THINGS)]
        amount = 3 + n
        target = f"The {en_city} city council approved {amount} million euros for {en_thing}."
        if n % 7 == 0:
            target = f"The council of {en_city} of the council of {en_city} approved {amount} million euros."
        elif n % 11 == 0:
            target = f"The {en_city} city council approved {amount * 10} million euros for {en_thing}."
        source = f"El ayuntamiento de {es_city} aprobó {amount} millones de euros para {es_thing}."
        rows.append({"id": f"p{n}", "src": source, "tgt": target})
    return rows


def write_pairs(path: Path, count: int) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in made_up_pairs(count)),
                    encoding="utf-8")
    return path


def qa_command(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=timeout)


def scored(output: str) -> list[dict]:
    """The per-pair lines of `qa score`'s output (the signature line is checked apart)."""
    lines = [json.loads(line) for line in output.splitlines()]
    assert "signature" in lines[0]
    return lines[1:]


@pytest.mark.parametrize("engine", ["none", "apertium"])
def test_qa_score_gives_the_same_lines_on_two_jobs_as_on_one(tmp_path, engine, request):
    if engine == "apertium":
        request.getfixturevalue("apertium_available")
    pairs = write_pairs(tmp_path / "pairs.jsonl", 450)  # three chunks: spread over the jobs
    one = qa_command("score", str(pairs), "--engine", engine, "--no-cache", "-q", "--jobs", "1")
    two = qa_command("score", str(pairs), "--engine", engine, "--no-cache", "-q", "--jobs", "2")
    assert one.returncode == two.returncode == 1, two.stderr  # circular names: flagged as errors
    assert two.stdout == one.stdout
    lines = scored(two.stdout)
    assert [line["id"] for line in lines] == [f"p{n}" for n in range(450)]
    assert sum(line["flagged"] for line in lines) >= 450 // 7  # the circular names at least


def test_two_jobs_share_one_cache_file_soundly(tmp_path, apertium_available):
    pairs = write_pairs(tmp_path / "pairs.jsonl", 450)
    cache = tmp_path / "cache.sqlite3"
    cold = qa_command("score", str(pairs), "--engine", "apertium", "--cache", str(cache), "--jobs", "2")
    warm = qa_command("score", str(pairs), "--engine", "apertium", "--cache", str(cache), "--jobs", "2")
    assert cold.returncode == warm.returncode == 1, cold.stderr
    assert warm.stdout == cold.stdout
    assert "0 from the cache" in cold.stderr
    assert ", 0 computed" in warm.stderr  # every translation the two workers stored was found again


def test_qa_check_gives_the_same_report_on_two_jobs_and_from_the_library(tmp_path):
    folder = tmp_path / "news"
    for copy in range(6):  # 36 article pairs: more than one chunk of work
        shutil.copytree(REPO / "corpora", folder / f"desk{copy}")
    pairs, _ = read_pairs([folder], Settings())
    assert len(article_chunks(pairs, 400)) > 1
    one = qa_command("check", str(folder), "--engine", "none", "--format", "json", "--jobs", "1", "-q")
    two = qa_command("check", str(folder), "--engine", "none", "--format", "json", "--jobs", "2", "-q")
    assert one.returncode == two.returncode == 1  # the corpus holds errors
    assert two.stdout == one.stdout
    from_cli = json.loads(two.stdout)
    assert from_cli["summary"]["articles"] == 36 and from_cli["summary"]["flagged"] > 0
    report = qa.check(folder, engine="none", jobs=2, cache=False)
    assert json.loads(json.dumps(report_to_dict(report), ensure_ascii=False)) == from_cli


@pytest.fixture
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as local:
        yield local


def sentence_pairs(count: int) -> list[SentencePair]:
    return [SentencePair(row["id"], row["src"], row["tgt"], n) for n, row in enumerate(made_up_pairs(count), 1)]


def test_a_local_dask_cluster_gives_what_a_local_run_gives(cluster):
    pairs = sentence_pairs(300)
    expected = [result.to_dict() for result in score_pairs(pairs, src_lang="es", tgt_lang="en")]
    runner = DaskRunner(cluster.scheduler_address)
    try:
        assert runner.workers == 2
        setup = WorkerSetup(Settings(engine="none"), use_cache=False)
        done = list(runner.map_in_order(functools.partial(score_chunk, setup), chunks_of(pairs, 40)))
    finally:
        runner.close()
    assert [result.to_dict() for chunk in done for result in chunk.results] == expected
    assert done[0].signature.engine == "none"


def test_a_worker_killed_mid_run_loses_nothing(cluster):
    pairs = sentence_pairs(1200)
    expected = [result.to_dict() for result in score_pairs(pairs, src_lang="es", tgt_lang="en")]
    runner = DaskRunner(cluster.scheduler_address)
    setup = WorkerSetup(Settings(engine="none"), use_cache=False)
    try:
        results = runner.map_in_order(functools.partial(score_chunk, setup), chunks_of(pairs, 50))
        first = next(results)
        victim = sorted(runner.client.run(os.getpid).values())[0]
        os.kill(victim, signal.SIGKILL)
        rest = list(results)
        pids_after = runner.client.run(os.getpid)
    finally:
        runner.close()
    assert len(rest) == 1200 // 50 - 1
    assert victim not in pids_after.values()  # the worker did die; its chunks ran elsewhere
    got = [result.to_dict() for chunk in [first, *rest] for result in chunk.results]
    assert got == expected  # nothing lost, nothing doubled, in input order


def _wait_for(path: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear")
        time.sleep(0.1)


def test_qa_score_on_two_dask_worker_processes_matches_a_local_run(tmp_path, apertium_available):
    dask = Path(sys.executable).parent / "dask"
    scheduler_file = tmp_path / "scheduler.json"
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                   "--scheduler-file", scheduler_file], stderr=subprocess.DEVNULL)]
    try:
        _wait_for(scheduler_file, 60)
        address = json.loads(scheduler_file.read_text())["address"]
        processes += [subprocess.Popen([dask, "worker", address, "--nworkers", "1", "--nthreads", "1",
                                        "--no-dashboard"], stderr=subprocess.DEVNULL) for _ in range(2)]
        with Client(address) as client:
            client.wait_for_workers(2, timeout=60)
        pairs = write_pairs(tmp_path / "pairs.jsonl", 300)
        local = qa_command("score", str(pairs), "--engine", "apertium", "--no-cache", "-q", "--jobs", "1")
        remote = qa_command("score", str(pairs), "--engine", "apertium", "--no-cache", "-q", "--scheduler", address)
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    assert local.returncode == remote.returncode == 1, remote.stderr
    assert remote.stdout == local.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_scheduler_that_is_not_there_is_one_line(tmp_path):
    pairs = write_pairs(tmp_path / "pairs.jsonl", 10)
    address = f"tcp://127.0.0.1:{_free_port()}"
    result = qa_command("score", str(pairs), "--engine", "none", "--scheduler", address, timeout=60)
    assert result.returncode == 3
    assert result.stderr.startswith(f"qa: error: cannot reach the Dask scheduler at {address}")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_scheduler_without_workers_is_one_error_not_a_wait():
    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None) as empty, \
            pytest.raises(EngineError, match="has no workers; start them with `dask worker"):
        DaskRunner(empty.scheduler_address)


@pytest.mark.parametrize(("setting", "message"), [
    ("jobs = 0", "'jobs' must be a whole number from 1 to 256, not 0"),
    ('scheduler = "http://host/path"', "is not a Dask scheduler address such as tcp://127.0.0.1:8786"),
])
def test_bad_jobs_and_scheduler_settings_are_one_line(tmp_path, setting, message):
    (tmp_path / "qa.toml").write_text(setting + "\n", encoding="utf-8")
    pairs = write_pairs(tmp_path / "pairs.jsonl", 10)
    result = qa_command("score", str(pairs), "--engine", "none")
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_bad_jobs_and_scheduler_options_are_refused_by_the_command_line(tmp_path):
    pairs = write_pairs(tmp_path / "pairs.jsonl", 10)
    assert qa_command("score", str(pairs), "--jobs", "0").returncode == 2
    result = qa_command("check", str(REPO / "corpora"), "--scheduler", "not an address")
    assert result.returncode == 2 and "not a Dask scheduler address" in result.stderr


@pytest.mark.parametrize(("cores", "jobs"), [(1, 1), (2, 1), (3, 1), (8, 4)])
def test_a_job_is_started_for_every_two_cores_by_default(monkeypatch, cores, jobs):
    import qa.distribute as distribute

    monkeypatch.setattr(distribute, "available_cores", lambda: cores)
    assert distribute.default_jobs() == jobs
    runner = distribute.open_runner(None, None)
    assert (runner is None) == (jobs == 1)
    if runner is not None:
        assert runner.workers == jobs and runner.threads_per_worker == cores // jobs
        runner.close()


def test_a_worker_engine_gets_its_share_of_the_cores_unless_threads_are_set(monkeypatch):
    import qa.distribute as distribute

    monkeypatch.setattr(distribute, "available_cores", lambda: 16)
    assert WorkerSetup(Settings(), use_cache=False, threads=4).worker_settings().threads == 4
    assert WorkerSetup(Settings(), use_cache=False).worker_settings().threads == 16  # a cluster machine's own
    assert WorkerSetup(Settings(threads=3), use_cache=False, threads=4).worker_settings().threads == 3


@pytest.mark.parametrize(("engine", "threshold", "noted"), [
    ("ct2", "65536", True), ("marian", "65536", True), ("apertium", "65536", False), ("ct2", None, False),
    ("ct2", "134217728", False), ("ct2", "lots", False),
])
def test_a_model_engine_under_a_nannys_malloc_setting_is_noted(monkeypatch, engine, threshold, noted):
    from qa.workers import slow_malloc_note

    if threshold is None:
        monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    else:
        monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", threshold)
    note = slow_malloc_note(engine)
    assert (note is not None) == noted
    assert note is None or "dask worker --no-nanny" in note


def test_dask_nannies_set_the_malloc_setting_the_note_is_about(cluster):
    with Client(cluster.scheduler_address) as client:
        seen = set(client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_")).values())
    assert seen == {"65536"}  # if Dask stops setting it, the note (and the README's advice) can go


def test_a_chunk_whose_dask_workers_keep_dying_is_lost_not_a_traceback():
    """Dask gives up on a task after its allowed failures (0 here) with KilledWorker: that chunk
    is one LostChunk, the other chunks' results arrive in order. The work is time.sleep, so the
    worker holding the long chunk is known: the only one still busy after the short ones."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address=None) as local:
        runner = DaskRunner(local.scheduler_address)
        try:
            results = runner.map_in_order(time.sleep, [0, 60, 0, 0])
            first = next(results)
            deadline = time.monotonic() + 30
            while len(busy := [address for address, keys in runner.client.processing().items() if keys]) != 1:
                assert time.monotonic() < deadline, "the long chunk never ran alone"
                time.sleep(0.05)
            os.kill(runner.client.run(os.getpid, workers=busy)[busy[0]], signal.SIGKILL)
            rest = list(results)
        finally:
            runner.close()
    # The long chunk is lost; a short one queued behind it on the same worker may be too. Every
    # chunk has its one answer, in order, and none is a traceback.
    assert first is None and len(rest) == 3
    assert isinstance(rest[0], LostChunk) and "allowed-failures" in rest[0].reason
    assert all(result is None or isinstance(result, LostChunk) for result in rest[1:])
