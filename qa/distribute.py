"""Spreading a run over local processes (``--jobs``) or a Dask cluster (``--scheduler``).

The driver cuts the input into chunks and hands each to a worker; the results come back in input
order. A worker process opens the run's engine, cache and flagger once, from a picklable
:class:`WorkerSetup`, and keeps them for every chunk it is given, so Apertium's pipelines (or a
MarianMT model) start once per worker, not once per chunk. Each worker reads and writes its own
cache connection: SQLite's WAL journal keeps one cache file sound under several processes, and on
a cluster each machine keeps its own.

Chunks are pure functions of their input, so a chunk that Dask runs again after a worker died
gives the same results, and the driver keeps exactly one answer per chunk: nothing is lost or
doubled.
"""

from __future__ import annotations

import atexit
import copyreg
import dataclasses
import functools
import multiprocessing
import os
import pickle
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from qa.config import Settings
from qa.corpus.model import ArticlePair, SentencePair
from qa.errors import EngineError, InputError, first_line
from qa.flag import Flagger
from qa.results import ArticleReport, SegmentResult
from qa.signature import Signature, make_signature
from qa.translate.cache import CachedEngine, TranslationCache


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
# Engines whose models allocate and free large buffers for every batch.
MODEL_ENGINES = ("ct2", "marian")
# A glibc trim threshold below this returns memory to the system so often that a model engine slows
# down: 60 newstest pairs with ct2 took 17.8 s at Dask's 65536 against 9.6 s at glibc's default.
SLOW_TRIM_BELOW = 1024 * 1024
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
class WorkerSetup:
    """What a worker needs to open the run's engine, cache and flagger. It is pickled to each
    worker process (or cluster machine), so it holds settings, not open objects. ``threads`` is
    what a model engine gets when the settings leave it open: the driver's cores shared among its
    local jobs, or (None) the cores of the machine a cluster worker runs on; Dask's workers run
    with OMP_NUM_THREADS=1, which a model would otherwise take for its thread count."""

    settings: Settings
    use_cache: bool
    threads: int | None = None

    def worker_settings(self) -> Settings:
        """The settings a worker opens its engine with."""
        if self.settings.threads is not None:
            return self.settings
        return dataclasses.replace(self.settings, threads=self.threads or available_cores())


@dataclass(frozen=True)
class WorkDone:
    """What a worker gives back for one chunk: its results, the run's signature as the worker's
    engine states it, the notes the worker has not yet passed on (the engine chosen, inputs it
    had to split) and its cache figures for the chunk."""

    results: list[Any]
    signature: Signature
    notes: tuple[str, ...] = ()
    hits: int = 0
    misses: int = 0


@dataclass
class _Opened:
    """A worker's engine, cache and flagger, kept for every chunk of the run."""

    engine: CachedEngine | None
    cache: TranslationCache | None
    flagger: Flagger
    notes: list[str] = field(default_factory=list)
    notes_passed: int = 0
    # A Dask worker may run several tasks at once on threads; an engine serves one at a time.
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fresh_notes(self) -> tuple[str, ...]:
        """The notes (the worker's own and the engine's) not yet given back, oldest first."""
        every = [*self.notes, *(self.engine.notes if self.engine is not None else [])]
        fresh, self.notes_passed = tuple(every[self.notes_passed :]), len(every)
        return fresh


_OPENED: dict[bytes, _Opened] = {}
_OPENING = threading.Lock()


def _opened(setup: WorkerSetup) -> _Opened:
    """This process's engine, cache and flagger for ``setup``, opened on first use."""
    from qa.run import configured_flagger, open_cache, open_engine

    key = pickle.dumps(setup)
    with _OPENING:
        if key not in _OPENED:
            notes: list[str] = []
            settings = setup.worker_settings()
            cache = open_cache(settings, enabled=setup.use_cache)
            engine = open_engine(settings, cache, note=notes.append)
            flagger = configured_flagger(settings, engine.name if engine is not None else "none")
            missing = flagger.missing_model_note()
            notes += [missing] if missing else []
            slow = slow_malloc_note(engine.name) if engine is not None else None
            notes += [slow] if slow else []
            _OPENED[key] = _Opened(engine, cache, flagger, notes)
        return _OPENED[key]


def slow_malloc_note(engine_name: str) -> str | None:
    """A note when a model engine runs where glibc was told to trim memory very often, as a Dask
    nanny tells the worker processes it starts (MALLOC_TRIM_THRESHOLD_=65536)."""
    threshold = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    if engine_name not in MODEL_ENGINES or not threshold or not threshold.isdigit() or int(threshold) >= SLOW_TRIM_BELOW:
        return None
    return (f"this worker runs with MALLOC_TRIM_THRESHOLD_={threshold} (a Dask nanny's setting), which made the "
            f"{engine_name} engine about twice as slow; start the workers with `dask worker --no-nanny`")


@atexit.register
def close_workers() -> None:
    """Close every engine and cache this process opened as a worker."""
    while _OPENED:
        _, opened = _OPENED.popitem()
        try:
            if opened.engine is not None:
                opened.engine.close()
        finally:
            if opened.cache is not None:
                opened.cache.close()


def _work(setup: WorkerSetup, run: Callable[[_Opened], list[Any]]) -> WorkDone:
    opened = _opened(setup)
    settings = setup.settings
    with opened.lock:
        engine = opened.engine
        hits, misses = (engine.stats.hits, engine.stats.misses) if engine is not None else (0, 0)
        results = run(opened)
        signature = make_signature(engine, opened.flagger, settings.src_lang, settings.tgt_lang)
        if engine is not None:
            hits, misses = engine.stats.hits - hits, engine.stats.misses - misses
        return WorkDone(results, signature, opened.fresh_notes(), hits, misses)


def score_chunk(setup: WorkerSetup, pairs: Sequence[SentencePair]) -> WorkDone:
    """Score one chunk of sentence pairs in a worker (``qa score``): :class:`SegmentResult`\\ s."""
    from qa.score import score_pairs

    def run(opened: _Opened) -> list[SegmentResult]:
        return score_pairs(pairs, src_lang=setup.settings.src_lang, tgt_lang=setup.settings.tgt_lang,
                           engine=opened.engine, flagger=opened.flagger, cache=opened.cache)

    return _work(setup, run)


def check_chunk(setup: WorkerSetup, pairs: Sequence[ArticlePair]) -> WorkDone:
    """Check one chunk of article pairs in a worker (``qa check``): :class:`ArticleReport`\\ s."""
    from qa.pipeline import check_corpus

    def run(opened: _Opened) -> list[ArticleReport]:
        report = check_corpus(pairs, engine=opened.engine, cache=opened.cache, flagger=opened.flagger,
                              src_lang=setup.settings.src_lang, tgt_lang=setup.settings.tgt_lang)
        return list(report.articles)

    return _work(setup, run)


class Runner(Protocol):
    """Where chunks run: local processes or a Dask cluster."""

    workers: int
    threads_per_worker: int | None

    def map_in_order(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
        """``function`` over ``items``, spread over the workers, the results in input order."""
        ...

    def close(self) -> None:
        """Stop the workers this runner started (a cluster's own workers keep running)."""
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


class ProcessRunner:
    """``--jobs N``: N local worker processes."""

    def __init__(self, jobs: int) -> None:
        self.workers = jobs
        self.threads_per_worker: int | None = max(1, available_cores() // jobs)
        # Spawned, not forked: the driver may hold engine pipes, SQLite connections and threads.
        self._pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"))

    def map_in_order(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
        return _in_order(lambda item: self._pool.submit(function, item), items,
                         self.workers * CHUNKS_AHEAD_PER_WORKER)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskRunner:
    """``--scheduler ADDRESS``: the workers of a Dask distributed cluster."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise InputError("--scheduler needs Dask's distributed scheduler: pip install 'newsroom-qa[cluster]'") from None
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

    def map_in_order(self, function: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
        def submit(item: Item) -> _Future:
            # Not pure: a chunk Dask runs again after a worker died must not be merged with another.
            return self.client.submit(function, item, pure=False)

        return _in_order(submit, items, self.workers * CHUNKS_AHEAD_PER_WORKER)

    def close(self) -> None:
        self.client.close()


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


def spread_scoring(
    chunks: Iterable[list[SentencePair]], setup: WorkerSetup, runner: Runner
) -> Iterator[tuple[list[SentencePair], WorkDone]]:
    """``qa score``'s work spread over ``runner``'s workers: each chunk of pairs with what its
    worker gave back, in input order. A chunk is read only when a worker is about to be free."""
    sent: deque[list[SentencePair]] = deque()

    def remembered() -> Iterator[list[SentencePair]]:
        for chunk in chunks:
            sent.append(chunk)
            yield chunk

    for done in runner.map_in_order(functools.partial(score_chunk, setup), remembered()):
        yield sent.popleft(), done


def article_chunks(pairs: Sequence[ArticlePair], sentences: int) -> list[list[ArticlePair]]:
    """``pairs`` cut, in order, into chunks of whole articles holding about ``sentences`` target
    sentences each (an article longer than that is a chunk of its own)."""
    chunks: list[list[ArticlePair]] = []
    current: list[ArticlePair] = []
    held = 0
    for pair in pairs:
        current.append(pair)
        held += sum(1 for _ in pair.target.sentences()) if pair.target is not None else 0
        if held >= sentences:
            chunks.append(current)
            current, held = [], 0
    if current:
        chunks.append(current)
    return chunks


def spread_check(chunks: Iterable[Sequence[ArticlePair]], setup: WorkerSetup, runner: Runner) -> Iterator[WorkDone]:
    """``qa check``'s work spread over ``runner``'s workers: what each chunk's worker gave back
    (its :class:`ArticleReport`\\ s), in input order."""
    return runner.map_in_order(functools.partial(check_chunk, setup), chunks)
