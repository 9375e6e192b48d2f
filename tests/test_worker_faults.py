"""Local worker processes (``--jobs 2``) killed with SIGKILL while they work, and a driver killed
with SIGKILL. Real worker processes, real Apertium pipelines and real signals, sent from the test
to processes it finds in /proc as they appear: a chunk whose worker dies runs again on a new
worker; a chunk whose worker dies again is one line per article or pair, exit code 3, no
traceback; everything the other chunks gave is kept, in input order.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_distribute import write_pairs
from test_hostile_inputs import error_lines

import qa
from qa.config import Settings
from qa.distribute import JOB_CHUNK_PAIRS, JOB_CHUNK_SENTENCES
from qa.progress import NullProgress
from qa.report.json import report_to_dict
from qa.run import read_pairs
from qa.workers import WorkLost, article_chunks

pytestmark = pytest.mark.apertium

REPO = Path(__file__).resolve().parent.parent
# A bound on a hang, not a duration under test: these runs take seconds.
RUN_WITHIN = 120
GONE_WITHIN = 10
DEATH = "its worker process died twice (killed by signal 9)"


# --- processes, read from /proc -----------------------------------------------------------------


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def started(pid: int) -> str | None:
    """The process's start time (field 22 of /proc/PID/stat): with its pid, it names one process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[19]
    except OSError:
        return None


def running(process: Process) -> bool:
    """Whether the process (pid, start time) still runs: not gone, not a zombie, not a new one."""
    pid, start = process
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z" and started(pid) == start


Process = tuple[int, str | None]  # a pid and its start time


def descendants(pid: int) -> dict[Process, str]:
    """Every process below ``pid`` now, with its command line."""
    found: dict[Process, str] = {}
    waiting = [pid]
    while waiting:
        for child in children(waiting.pop()):
            found[(child, started(child))] = command_line(child)
            waiting.append(child)
    return found


def workers_of(driver: int) -> list[int]:
    """The local worker processes of a qa process (multiprocessing's spawned children)."""
    return [child for child in children(driver) if "spawn_main" in command_line(child)]


def still_running(processes: dict[Process, str]) -> list[str]:
    """The command lines of ``processes`` still running, once each has had GONE_WITHIN seconds to go."""
    deadline = time.monotonic() + GONE_WITHIN
    while (alive := [process for process in processes if running(process)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [f"{process[0]}: {processes[process]}" for process in alive]


class WorkerKiller(threading.Thread):
    """Kills (SIGKILL) the worker processes of the process ``driver`` as they appear, once
    ``ready()`` says so: one worker, once it works (its Apertium pipelines are up), or with
    ``every`` each worker that ever appears."""

    def __init__(self, driver: int, *, every: bool, ready: Callable[[], bool] = lambda: True) -> None:
        super().__init__(daemon=True)
        self.driver, self.every, self.ready = driver, every, ready
        self.killed: list[int] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set() and (self.every or not self.killed):
            for worker in workers_of(self.driver):
                once = not self.every and (self.killed or not children(worker))  # one, once it works
                if worker not in self.killed and self.ready() and not once:
                    os.kill(worker, signal.SIGKILL)
                    self.killed.append(worker)
            time.sleep(0.01)

    def stop(self) -> None:
        self.done.set()
        self.join()


def run_qa_killing_workers(tmp_path: Path, *args: str, every: bool, after_lines: int = 0):
    """Run ``python -m qa ARGS`` (output to files, so it never waits for a reader) while killing its
    workers; after ``after_lines`` lines of stdout when given. Its exit code, stdout, stderr and
    the workers killed."""
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        qa_process = subprocess.Popen([sys.executable, "-m", "qa", *args], stdout=stdout, stderr=stderr, cwd=REPO)

    def ready() -> bool:
        return len(out.read_bytes().splitlines()) >= after_lines

    killer = WorkerKiller(qa_process.pid, every=every, ready=ready)
    killer.start()
    try:
        qa_process.wait(timeout=RUN_WITHIN)
    finally:
        killer.stop()
        if qa_process.poll() is None:
            qa_process.kill()
    return qa_process.returncode, out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8"), killer.killed


def newsroom(folder: Path, copies: int = 12) -> Path:
    """``copies`` copies of the sample corpus: 12 make 72 article pairs, three chunks of work."""
    for copy in range(copies):
        shutil.copytree(REPO / "corpora", folder / f"desk{copy}")
    return folder


def chunks_in(folder: Path) -> int:
    pairs, _ = read_pairs([folder], Settings())
    return len(article_chunks(pairs, JOB_CHUNK_SENTENCES))


# --- qa check -----------------------------------------------------------------------------------


def test_a_worker_killed_mid_check_has_its_work_run_again(apertium_available, tmp_path):
    folder = newsroom(tmp_path / "news")
    assert chunks_in(folder) == 3
    check = ["check", str(folder), "--engine", "apertium", "--no-cache", "--format", "json", "--fail-on", "never"]
    code, report, stderr, killed = run_qa_killing_workers(tmp_path, *check, "--jobs", "2", every=False)
    assert len(killed) == 1 and code == 0, stderr
    assert error_lines(stderr) == []  # and no traceback
    assert "qa: a worker process died (killed by signal 9); its chunk runs again" in stderr
    alone = subprocess.run([sys.executable, "-m", "qa", *check, "--jobs", "1"], capture_output=True, text=True,
                           cwd=REPO, timeout=RUN_WITHIN)
    assert alone.returncode == 0, alone.stderr
    assert json.loads(report) == json.loads(alone.stdout)  # the complete report, in order
    assert json.loads(report)["summary"]["articles"] == 72


def test_workers_killed_every_time_leave_one_line_per_article(apertium_available, tmp_path):
    folder = newsroom(tmp_path / "news")
    output = tmp_path / "report.json"
    code, _, stderr, killed = run_qa_killing_workers(
        tmp_path, "check", str(folder), "--engine", "apertium", "--no-cache", "--jobs", "2", "-o", str(output),
        every=True)
    assert code == 3
    assert len(killed) == 2 * 3  # each chunk's worker, then the one that ran it again
    lines = error_lines(stderr)  # no traceback
    articles = sorted(str(path) for path in folder.glob("desk*/en/*.md"))
    assert sorted(line.removeprefix("qa: error: ").removesuffix(f": not checked: {DEATH}") for line in lines) == articles
    # The report is still written, with what was checked: nothing here.
    assert output.read_text(encoding="utf-8").startswith("0 flagged (0 error, 0 warning, 0 info) in 0 article(s)")


def test_the_library_keeps_what_the_other_chunks_gave(apertium_available, tmp_path):
    folder = newsroom(tmp_path / "news")
    whole = report_to_dict(qa.check(folder, engine="apertium", jobs=1, cache=False))

    class FirstChunkSeen(NullProgress):
        """Progress that tells when the first chunk's articles are in."""

        def __init__(self) -> None:
            self.seen = threading.Event()

        def task(self, description, total):
            seen = self.seen

            class Task:
                def advance(self, amount: int = 1) -> None:
                    seen.set()

                def __enter__(self):
                    return self

                def __exit__(self, *exc_info) -> None:
                    pass

            return Task()

    progress = FirstChunkSeen()
    killer = WorkerKiller(os.getpid(), every=True, ready=progress.seen.is_set)
    killer.start()
    try:
        with pytest.raises(WorkLost) as lost:
            qa.check(folder, engine="apertium", jobs=2, cache=False, progress=progress)
    finally:
        killer.stop()
    kept = report_to_dict(lost.value.report)["articles"]
    assert 31 <= len(kept) < 72  # the first chunk at least, in input order, as a whole run gives them
    assert kept == whole["articles"][: len(kept)]
    named = [line.removesuffix(f": not checked: {DEATH}") for line in lost.value.lines]
    assert named == [article["path"] for article in whole["articles"][len(kept):]]


# --- qa score -----------------------------------------------------------------------------------


def test_qa_score_with_a_worker_killed_gives_every_line_in_order(apertium_available, tmp_path):
    pairs = write_pairs(tmp_path / "pairs.jsonl", 1201)
    score = ["score", str(pairs), "--engine", "apertium", "--no-cache"]
    code, stdout, stderr, killed = run_qa_killing_workers(tmp_path, *score, "--jobs", "2", every=False)
    assert len(killed) == 1 and code == 1  # flagged pairs, as without the fault
    assert error_lines(stderr) == []
    alone = subprocess.run([sys.executable, "-m", "qa", *score, "-q", "--jobs", "1"], capture_output=True,
                           text=True, cwd=REPO, timeout=RUN_WITHIN)
    assert stdout == alone.stdout
    assert len(stdout.splitlines()) == 1 + 1201  # the signature, then a line per pair


def test_qa_score_writes_an_error_line_for_every_pair_it_could_not_score(apertium_available, tmp_path):
    pairs = write_pairs(tmp_path / "pairs.jsonl", 1201)
    # Every worker killed once the first chunk's lines are out: the others cannot be scored.
    code, stdout, stderr, killed = run_qa_killing_workers(
        tmp_path, "score", str(pairs), "--engine", "apertium", "--no-cache", "--jobs", "2", every=True,
        after_lines=2)
    assert code == 3 and killed
    signature, *lines = (json.loads(line) for line in stdout.splitlines())
    assert "signature" in signature
    assert [line["id"] for line in lines] == [f"p{n}" for n in range(1201)]  # one line per pair, in order
    failed = [line for line in lines if "error" in line]
    assert failed == [{"id": line["id"], "error": f"not scored: {DEATH}"} for line in failed]
    assert JOB_CHUNK_PAIRS <= len(lines) - len(failed) < 1201  # the first chunk at least was scored
    assert lines[-1] in failed
    assert all("score" in line for line in lines if line not in failed)
    numbers = [int(line["id"][1:]) + 1 for line in failed]
    assert error_lines(stderr) == [f"qa: error: {pairs}:{number}: not scored: {DEATH}" for number in numbers]


# --- the driver killed --------------------------------------------------------------------------


def test_workers_and_pipelines_end_when_the_driver_is_killed(apertium_available, tmp_path):
    folder = newsroom(tmp_path / "news")
    driver = subprocess.Popen([sys.executable, "-m", "qa", "check", str(folder), "--engine", "apertium", "--no-cache",
                               "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    try:
        seen = record_while_working(driver)
    finally:
        driver.kill()  # SIGKILL: the driver cannot clean up; the kernel tells the workers (SIGTERM)
        driver.wait()
    assert still_running(seen) == []


def record_while_working(driver: subprocess.Popen) -> dict[Process, str]:
    """The processes below ``driver``, recorded until both its workers run their Apertium
    pipelines (and checked to include them)."""
    seen: dict[Process, str] = {}
    deadline = time.monotonic() + RUN_WITHIN
    while len(working := [worker for worker in workers_of(driver.pid) if len(children(worker)) > 1]) < 2:
        assert driver.poll() is None and time.monotonic() < deadline, "the workers never started their engines"
        seen.update(descendants(driver.pid))
        time.sleep(0.05)
    time.sleep(0.5)  # every stage started
    seen.update(descendants(driver.pid))
    assert {pid for pid, _ in seen} >= set(working)
    assert len({pid for (pid, _), command in seen.items() if command.startswith("apertium-transfer ")}) >= 2
    return seen
