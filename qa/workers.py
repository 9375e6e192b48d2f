"""What runs on the workers of a spread run, and how the driver collects it.

:mod:`qa.distribute` knows *where* work runs (local processes, a Dask cluster); this module knows
*what* runs there: a worker opens one :class:`~qa.session.Session` per run from a picklable
:class:`WorkerSetup` and keeps it for every chunk it is given (:func:`score_chunk` for ``qa
score``, :func:`check_chunk` for ``qa check``), and the driver collects what comes back with
:class:`Spread`: each note once, the first signature, the cache figures, in input order. The
functions a runner sends are pickled by their module path, so the driver and its workers must
run the same qa.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import os
import pickle
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from qa import distribute
from qa.config import Settings
from qa.corpus.model import ArticlePair, SentencePair
from qa.distribute import LostChunk, Runner
from qa.errors import EngineError
from qa.results import ArticleReport, Report, SegmentResult
from qa.session import Note, Session
from qa.signature import Signature
from qa.translate.cached import CacheStats

Chunk = TypeVar("Chunk", bound=Sequence)

# Engines whose models allocate and free large buffers for every batch.
MODEL_ENGINES = ("ct2", "marian")
# A glibc trim threshold below this returns memory to the system so often that a model engine slows
# down: 60 newstest pairs with ct2 took 17.8 s at Dask's 65536 against 9.6 s at glibc's default.
SLOW_TRIM_BELOW = 1024 * 1024


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker needs to open the run's session (engine, cache and flagger). It is pickled to
    each worker process (or cluster machine), so it holds settings, not open objects: the cache
    is the file ``settings.cache`` names, opened by each worker when ``use_cache``. ``threads`` is
    what a model engine gets when the settings leave it open: the driver's cores shared among its
    local jobs, or (None) the cores of the machine a cluster worker runs on; Dask's workers run
    with OMP_NUM_THREADS=1, which a model would otherwise take for its thread count."""

    settings: Settings
    use_cache: bool
    threads: int | None = None

    def worker_settings(self) -> Settings:
        """The settings a worker opens its session with."""
        if self.settings.threads is not None:
            return self.settings
        return dataclasses.replace(self.settings, threads=self.threads or distribute.available_cores())


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
class _WorkerSession:
    """A worker process's session for one run, kept for every chunk of it, and the notes it has
    heard (its own and its engine's) that it has not yet given back."""

    session: Session
    notes: list[str]
    notes_passed: int = 0
    # A Dask worker may run several tasks at once on threads; an engine serves one at a time.
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fresh_notes(self) -> tuple[str, ...]:
        """The notes (the worker's own and the engine's) not yet given back, oldest first."""
        engine = self.session.engine
        every = [*self.notes, *(engine.notes if engine is not None else [])]
        fresh, self.notes_passed = tuple(every[self.notes_passed :]), len(every)
        return fresh


_SESSIONS: dict[bytes, _WorkerSession] = {}
_OPENING = threading.Lock()


def _session(setup: WorkerSetup) -> _WorkerSession:
    """This process's session for ``setup``, opened on first use."""
    key = pickle.dumps(setup)
    with _OPENING:
        if key not in _SESSIONS:
            notes: list[str] = []
            session = Session.open(setup.worker_settings(), cache=setup.use_cache, note=notes.append)
            slow = slow_malloc_note(session.engine_name) if session.engine is not None else None
            _SESSIONS[key] = _WorkerSession(session, notes + ([slow] if slow else []))
        return _SESSIONS[key]


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
    """Close every session this process opened as a worker."""
    while _SESSIONS:
        _, worker = _SESSIONS.popitem()
        worker.session.close()


def _work(setup: WorkerSetup, run: Callable[[Session], list[Any]]) -> WorkDone:
    worker = _session(setup)
    session = worker.session
    with worker.lock:
        before = session.stats
        hits, misses = (before.hits, before.misses) if before is not None else (0, 0)
        results = run(session)
        after = session.stats
        if after is not None:
            hits, misses = after.hits - hits, after.misses - misses
        return WorkDone(results, session.signature, worker.fresh_notes(), hits, misses)


def score_chunk(setup: WorkerSetup, pairs: Sequence[SentencePair]) -> WorkDone:
    """Score one chunk of sentence pairs in a worker (``qa score``): :class:`SegmentResult`\\ s."""
    from qa.score import score_pairs

    def run(session: Session) -> list[SegmentResult]:
        return score_pairs(pairs, src_lang=setup.settings.src_lang, tgt_lang=setup.settings.tgt_lang,
                           engine=session.engine, flagger=session.flagger, cache=session.cache)

    return _work(setup, run)


def check_chunk(setup: WorkerSetup, pairs: Sequence[ArticlePair]) -> WorkDone:
    """Check one chunk of article pairs in a worker (``qa check``): :class:`ArticleReport`\\ s."""
    from qa.pipeline import check_corpus

    def run(session: Session) -> list[ArticleReport]:
        report = check_corpus(pairs, engine=session.engine, cache=session.cache, flagger=session.flagger,
                              src_lang=setup.settings.src_lang, tgt_lang=setup.settings.tgt_lang)
        return list(report.articles)

    return _work(setup, run)


class WorkLost(EngineError):
    """Articles (or pairs) no worker could do (exit code 3), raised once every other chunk is
    done: ``lines`` holds one line per article or pair not done (:func:`not_checked`), ``report``
    what the other chunks of a check gave, in input order (None for scoring)."""

    def __init__(self, lines: Sequence[str], report: Report | None = None) -> None:
        kind = "article(s) not checked" if report is not None else "pair(s) not scored"
        super().__init__(f"{len(lines)} {kind}; the first: {lines[0] if lines else '-'}")
        self.lines = tuple(lines)
        self.report = report


def worker_setup(session: Session, runner: Runner) -> WorkerSetup:
    """What the workers of ``runner`` need to open a session like the driver's ``session``
    (opened without an engine): its settings, naming the cache file it opened."""
    settings = session.settings
    if session.cache is not None:
        settings = dataclasses.replace(settings, cache=session.cache.path)
    return WorkerSetup(settings, use_cache=session.cache is not None, threads=runner.threads_per_worker)


class Spread(Generic[Chunk]):
    """The driver's side of a spread run: :meth:`run` sends each chunk to ``runner``'s workers and
    gives back each chunk with what came of it, in input order, passing each note (the runner's,
    a worker's) on to ``note`` once. ``signature`` is the first one a worker gave; ``stats`` the
    cache figures summed over the chunks done."""

    def __init__(self, runner: Runner, note: Note) -> None:
        self.runner = runner
        self.signature: Signature | None = None
        self.hits = self.misses = 0
        self._note = note
        self._heard: set[str] = set()

    def hear(self, messages: Iterable[str]) -> None:
        """Pass each message on once."""
        for message in messages:
            if message not in self._heard:
                self._heard.add(message)
                self._note(message)

    def run(
        self, function: Callable[[WorkerSetup, Chunk], WorkDone], setup: WorkerSetup, chunks: Iterable[Chunk],
    ) -> Iterator[tuple[Chunk, WorkDone | LostChunk]]:
        """``function(setup, chunk)`` on the workers for each of ``chunks``: each chunk with its
        WorkDone, or LostChunk when its worker died on it twice. A chunk is read from ``chunks``
        only when a worker is about to be free."""
        sent: deque[Chunk] = deque()

        def remembered() -> Iterator[Chunk]:
            for chunk in chunks:
                sent.append(chunk)
                yield chunk

        for done in self.runner.map_in_order(functools.partial(function, setup), remembered()):
            self.hear(self.runner.take_notes())
            if not isinstance(done, LostChunk):
                self.hear(done.notes)
                self.signature = self.signature or done.signature
                self.hits, self.misses = self.hits + done.hits, self.misses + done.misses
            yield sent.popleft(), done

    def stats(self, settings: Settings) -> CacheStats | None:
        """The cache figures of the chunks done, or None when the run had no engine."""
        return CacheStats(self.hits, self.misses) if settings.engine != "none" else None


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


def not_checked(chunk: Sequence[ArticlePair], lost: LostChunk) -> list[str]:
    """One line per article of a chunk of ``qa check`` work no worker could finish."""
    return [f"{article.path if article is not None else ''}: not checked: {lost.reason}"
            for article in (pair.target or pair.source for pair in chunk)]
