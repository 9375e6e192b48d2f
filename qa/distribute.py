"""Where work runs: local processes (``--jobs``) or a Dask cluster (``--scheduler``).

The driver cuts the input into chunks and hands each to a worker; the results come back in input
order. What a worker runs, and the session it keeps for every chunk (so Apertium's pipelines, or
a MarianMT model, start once per worker, not once per chunk), is :mod:`qa.workers`'s; this module
knows runners and chunks, not what a check is. Each worker reads and writes its own cache
connection: SQLite's WAL journal keeps one cache file sound under several processes, and on a
cluster each machine keeps its own.

Chunks are pure functions of their input, so a chunk that runs again after a worker died gives the
same results, and the driver keeps exactly one answer per chunk: nothing is lost or doubled. Dask
runs a dead worker's chunks elsewhere by itself. Local workers are qa's own processes, each with a
pipe to the driver, so the driver knows which chunk a dead worker held: that chunk runs again once,
on a new worker, and is given back as :class:`LostChunk` if that worker dies too. (Python's
``ProcessPoolExecutor`` fails every chunk of the pool when one worker dies, and can hang when a
worker dies while it sends a result.)

Local workers end with the run: told to end (SIGTERM, which the driver sends when it is itself
ended or interrupted, and the kernel sends when the driver dies), a worker kills its Apertium
pipelines' process groups before it exits.
"""

from __future__ import annotations

import copyreg
import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from qa.errors import EngineError, InputError, first_line
from qa.translate.null_flush import exit_reason, kill_every_pipeline


def read_only(mapping: dict) -> MappingProxyType:
    """``mapping`` behind a read-only view, as qa's results and settings hold mappings."""
    return MappingProxyType(mapping)


# Read-only mappings cannot be pickled as they are; they cross to workers and back as dicts.
copyreg.pickle(MappingProxyType, lambda mapping: (read_only, (dict(mapping),)))

Item = TypeVar("Item")
Result = TypeVar("Result")

# How many chunks may wait for a free worker, per worker: enough to keep every worker busy,
# few enough that memory stays bounded on an input of any size.
CHUNKS_AHEAD_PER_WORKER = 2
# Pairs in one chunk of ``qa score`` work: big enough that handing it over costs little, small
# enough that two workers share an 800-pair file evenly.
JOB_CHUNK_PAIRS = 200
# Target sentences in one chunk of ``qa check`` work (whole articles, so a chunk may hold more).
JOB_CHUNK_SENTENCES = 400
# Seconds local workers get to end their pipelines and exit, once told to, before they are killed.
WORKER_END_GRACE = 5.0
# Seconds allowed to reach a Dask scheduler before giving up with one line (Dask's own default,
# 30 s, is long to wait for a typing mistake; a reachable scheduler answers in milliseconds).
SCHEDULER_TIMEOUT = 5


# Cores one job keeps busy: qa's own process, and the engine beside it (Apertium's two pipelines,
# or a model's threads). On 2 cores, with Apertium, --jobs 2 ran at 0.68 to 1.04 times the speed
# of one job (benchmarks/scale.py, 800 and 2,000 newstest pairs): one job fills both cores.
CORES_PER_JOB = 2


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_jobs() -> int:
    """``--jobs`` when it is not given: a job for every CORES_PER_JOB cores available."""
    return max(1, available_cores() // CORES_PER_JOB)


@dataclass(frozen=True)
class LostChunk:
    """What a runner gives for a chunk whose worker process died on it twice: on its first run and
    again when it ran alone on a fresh pool. ``reason`` says how the worker ended."""

    reason: str


def _start_worker(driver: int) -> None:
    """Run in each local worker process as it starts. Ctrl-C is the driver's to handle (a terminal
    sends it to the worker too); SIGTERM kills the worker's pipelines, then the worker; and the
    worker is sent SIGTERM when the driver dies, however it dies (Linux)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_worker)
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != driver:  # the driver died before the request was made
            _end_worker(signal.SIGTERM, None)


def _end_worker(signum: int, frame: object) -> None:
    """A worker's SIGTERM handler: kill its pipelines' process groups and exit at once."""
    kill_every_pipeline()
    os._exit(128 + signum)


class Runner(Protocol):
    """Where chunks run: local processes or a Dask cluster."""

    workers: int
    threads_per_worker: int | None

    def map_in_order(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result | LostChunk]:
        """``function`` over ``items``, spread over the workers, the results in input order; a
        :class:`LostChunk` for an item no worker could finish."""
        ...

    def take_notes(self) -> list[str]:
        """What a user should hear about the run since the last call (a worker that died)."""
        ...

    def close(self) -> None:
        """Stop the workers this runner started, once their work is done (a cluster's own
        workers keep running)."""
        ...

    def terminate(self) -> None:
        """Stop at once, dropping the work not done: the run was interrupted or failed."""
        ...


class _Future(Protocol):
    def result(self) -> Any: ...
    def cancel(self) -> Any: ...


def _in_order(submit: Callable[[Item], _Future], items: Iterable[Item], ahead: int) -> Iterator[Any]:
    """Submit ``items`` keeping at most ``ahead`` unfinished, and yield their results in order."""
    pending: deque[_Future] = deque()
    try:
        for item in items:
            pending.append(submit(item))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


@dataclass
class _Task:
    """An item to run, its place in the input, and how many workers died while holding it."""

    index: int
    item: Any
    deaths: int = 0


@dataclass(frozen=True)
class _Outcome:
    """What came of a task: its result, or the exception its function raised."""

    value: Any
    failed: bool = False

    def get(self) -> Any:
        if self.failed:
            raise self.value
        return self.value


def _serve(connection: multiprocessing.connection.Connection, driver: int) -> None:
    """A local worker process: run each ``(function, item)`` the driver sends and send back its
    outcome, until the driver closes the pipe."""
    _start_worker(driver)
    while True:
        try:
            function, item = connection.recv()
        except (EOFError, OSError):  # the driver is done
            return
        try:
            outcome = _Outcome(function(item))
        except Exception as error:
            outcome = _Outcome(error, failed=True)
        try:
            connection.send(outcome)
        except OSError:  # the driver stopped listening
            return
        except Exception as error:  # a result or an error that cannot be pickled
            connection.send(_Outcome(EngineError(f"a worker could not send its result back ({first_line(error)})"),
                                     failed=True))


class _Worker:
    """One local worker process, the pipe to it, and the task it runs (None while idle)."""

    def __init__(self, context: Any) -> None:
        self.connection, theirs = context.Pipe()
        # Daemonic: a driver that exits without closing its runner ends its workers (SIGTERM).
        self.process = context.Process(target=_serve, args=(theirs, os.getpid()), name="qa worker", daemon=True)
        self.process.start()
        theirs.close()
        self.task: _Task | None = None

    def end(self) -> str:
        """Forget a worker that has ended; how it ended."""
        self.connection.close()
        self.process.join()
        code = self.process.exitcode
        return exit_reason(code) if code else "ended unexpectedly"


class ProcessRunner:
    """``--jobs N``: N local worker processes, started as work comes. A worker that dies is
    replaced; the task it held runs again, once, on another worker, and becomes a LostChunk if
    that one dies too."""

    def __init__(self, jobs: int) -> None:
        self.workers = jobs
        self.threads_per_worker: int | None = max(1, available_cores() // jobs)
        # Spawned, not forked: the driver may hold engine pipes, SQLite connections and threads.
        self._context = multiprocessing.get_context("spawn")
        self._running: list[_Worker] = []
        self._notes: list[str] = []

    def map_in_order(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result | LostChunk]:
        ahead = self.workers * CHUNKS_AHEAD_PER_WORKER
        unread = iter(items)
        waiting: deque[_Task] = deque()
        done: dict[int, _Outcome] = {}
        read = given = 0
        while True:
            while read - given < ahead and (item := next(unread, _END_OF_ITEMS)) is not _END_OF_ITEMS:
                waiting.append(_Task(read, item))
                read += 1
            if given in done:
                yield done.pop(given).get()
                given += 1
            elif given == read:
                return
            else:
                self._hand_out(function, waiting, done)
                self._take_back(waiting, done)

    def _hand_out(self, function: Callable[[Item], Result], waiting: deque[_Task], done: dict[int, _Outcome]) -> None:
        """Give waiting tasks to idle workers, starting workers up to the number of jobs."""
        for worker in [worker for worker in self._running if worker.task is None and not worker.process.is_alive()]:
            self._running.remove(worker)  # it died idle: no task of its to run again
            self._notes.append(f"a worker process died ({worker.end()}) while it waited for work")
        idle = [worker for worker in self._running if worker.task is None]
        while waiting and (idle or len(self._running) < self.workers):
            task = waiting.popleft()
            try:
                worker = idle.pop() if idle else self._start()
            except OSError as error:  # it died as it started, before it could be told what to do
                self._count_death(task, first_line(error), waiting, done)
                continue
            worker.task = task
            try:
                worker.connection.send((function, task.item))
            except OSError:  # it died before it could take the task
                self._died(worker, waiting, done)

    def _start(self) -> _Worker:
        worker = _Worker(self._context)
        self._running.append(worker)
        return worker

    def _take_back(self, waiting: deque[_Task], done: dict[int, _Outcome]) -> None:
        """Wait until a busy worker answers or dies, and take what came of its task."""
        busy = [worker for worker in self._running if worker.task is not None]
        if not busy:  # every task handed out was lost on the way: nothing to wait for
            return
        ready = multiprocessing.connection.wait([worker.connection for worker in busy]
                                                + [worker.process.sentinel for worker in busy])
        for worker in busy:
            assert worker.task is not None
            if worker.connection in ready:
                try:
                    done[worker.task.index] = worker.connection.recv()
                except (EOFError, OSError):  # it died before it sent all of it
                    self._died(worker, waiting, done)
                else:
                    worker.task = None
            elif worker.process.sentinel in ready:
                self._died(worker, waiting, done)

    def _died(self, worker: _Worker, waiting: deque[_Task], done: dict[int, _Outcome]) -> None:
        """A worker died holding a task."""
        self._running.remove(worker)
        how = worker.end()
        assert worker.task is not None
        self._count_death(worker.task, how, waiting, done)

    def _count_death(self, task: _Task, how: str, waiting: deque[_Task], done: dict[int, _Outcome]) -> None:
        """The worker holding ``task`` died (``how``): the task runs again first, or, on its second
        death, is lost."""
        task.deaths += 1
        if task.deaths == 1:
            self._notes.append(f"a worker process died ({how}); its chunk runs again")
            waiting.appendleft(task)
        else:
            done[task.index] = _Outcome(LostChunk(f"its worker process died twice ({how})"))

    def take_notes(self) -> list[str]:
        notes, self._notes = self._notes, []
        return notes

    def close(self) -> None:
        """End the workers once they are idle: each exits when its pipe closes."""
        for worker in self._running:
            worker.connection.close()
        for worker in self._running:
            worker.process.join()
        self._running = []

    def terminate(self) -> None:
        """Tell every worker to end (SIGTERM: each kills its pipelines, then itself), and kill
        those still there after WORKER_END_GRACE."""
        for worker in self._running:
            worker.process.terminate()
        deadline = time.monotonic() + WORKER_END_GRACE
        for worker in self._running:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.exitcode is None:
                worker.process.kill()
            worker.end()
        self._running = []


_END_OF_ITEMS = object()


class _Survived:
    """A Dask future whose chunk, when the workers running it kept dying (Dask gives up after
    ``distributed.scheduler.allowed-failures`` deaths with KilledWorker), is a LostChunk."""

    def __init__(self, future: Any) -> None:
        self.future = future

    def result(self) -> Any:
        from distributed import KilledWorker

        try:
            return self.future.result()
        except KilledWorker:
            return LostChunk("the Dask workers running it died (Dask's allowed-failures reached)")

    def cancel(self) -> Any:
        return self.future.cancel()


class DaskRunner:
    """``--scheduler ADDRESS``: the workers of a Dask distributed cluster."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
            from distributed.security import Security
        except ImportError:
            raise InputError("--scheduler needs Dask's distributed scheduler: pip install 'newsroom-qa[cluster]'") from None
        # Client reads Dask's TLS settings (distributed.comm.tls.*, DASK_DISTRIBUTED__COMM__TLS__*) itself.
        if address.startswith("tls://") and Security().get_connection_args("client").get("ssl_context") is None:
            raise InputError(f"the Dask scheduler at {address} speaks TLS, and Dask has no TLS settings: set "
                             "DASK_DISTRIBUTED__COMM__TLS__CA_FILE, __CLIENT__CERT and __CLIENT__KEY "
                             "(or distributed.comm.tls in Dask's configuration)")
        try:
            self.client = Client(address, timeout=SCHEDULER_TIMEOUT)
        except (OSError, TimeoutError) as error:
            raise EngineError(f"cannot reach the Dask scheduler at {address} ({first_line(error)}); "
                              "start one with `dask scheduler` and its workers with `dask worker ADDRESS`") from None
        try:
            self.client.wait_for_workers(1, timeout=SCHEDULER_TIMEOUT)
        except TimeoutError:
            self.client.close()
            raise EngineError(f"the Dask scheduler at {address} has no workers; start them with "
                              f"`dask worker {address}`") from None
        self.workers = len(self.client.scheduler_info().get("workers", {}))
        self.threads_per_worker: int | None = None  # each machine's own cores

    def map_in_order(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result | LostChunk]:
        def submit(item: Item) -> _Future:
            # Not pure: a chunk Dask runs again after a worker died must not be merged with another.
            return _Survived(self.client.submit(function, item, pure=False))

        return _in_order(submit, items, self.workers * CHUNKS_AHEAD_PER_WORKER)

    def take_notes(self) -> list[str]:
        return []  # Dask runs a dead worker's chunks elsewhere, and its own logs say so

    def close(self) -> None:
        self.client.close()

    def terminate(self) -> None:
        self.client.close()  # the cluster drops the work of a client that left


def open_runner(jobs: int | None, scheduler: str | None) -> Runner | None:
    """The runner for ``--jobs``/``--scheduler``, or None to run in this process (one job)."""
    if scheduler:
        return DaskRunner(scheduler)
    jobs = default_jobs() if jobs is None else jobs
    return ProcessRunner(jobs) if jobs > 1 else None


def chunks_of(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """Consecutive lists of ``size`` items (the last one shorter) until ``items`` runs out."""
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch

