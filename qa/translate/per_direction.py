"""What the marian and ct2 engines share: one model per direction, loaded on first use, and
inputs too long for it translated in pieces."""

from __future__ import annotations

import gc
import threading
from abc import abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from typing import Any, TypeVar

from qa.errors import EngineError
from qa.translate.base import Engine
from qa.translate.batching import join_pieces, split_inputs
from qa.translate.options import EngineOptions

Result = TypeVar("Result")


class PerDirectionEngine(Engine):
    """What the marian and ct2 engines share: one model per direction, loaded on first use by
    ``_load_direction``; inputs too long for it translated in pieces; ``_generate`` translating
    inputs that fit. A loaded model offers ``count(texts)`` (token counts) and ``max_tokens``.

    ``notes`` collects one line per input that was too long for the model and was translated in
    pieces, one per batch that ran out of memory and was retried in halves, and one per call
    that left pairs too long to score; callers may show and clear it.
    """

    def __init__(self, options: EngineOptions) -> None:
        self.options = options
        self._loaded: dict[tuple[str, str], Any] = {}
        self._loading: dict[tuple[str, str], threading.Lock] = {}
        self._loading_guard = threading.Lock()
        self._notes: list[str] = []
        self._listener: Callable[[str], None] = _silent

    @property
    def beam_size(self) -> int | None:
        """The beam width of its searches."""
        return self.options.beam_size

    @property
    def notes(self) -> list[str]:
        """Lines about over-long inputs and shrunk batches (see the class docstring)."""
        return self._notes

    @property
    def can_score(self) -> bool:
        """Marian models score targets by forced decoding."""
        return True

    def tell(self, listener: Callable[[str], None]) -> None:
        """Tell ``listener`` when a model is being prepared (see :meth:`_say`)."""
        self._listener = listener

    def _say(self, line: str) -> None:
        self._listener(line)

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        """Translate each text; blank texts give "" without running the model."""
        results = [""] * len(texts)
        todo = [(index, text) for index, text in enumerate(texts) if text.strip()]
        if not todo:
            return results
        loaded = self._load(src, tgt)

        def fits(piece: str) -> bool:
            return loaded.count([piece])[0] <= loaded.max_tokens

        lengths = loaded.count([text for _, text in todo])
        split = split_inputs(todo, lengths, loaded.max_tokens, fits)
        self._notes.extend(split.notes)
        return join_pieces(results, split.owners, self._generate(loaded, split.pieces))

    def close(self) -> None:
        """Drop the loaded models."""
        self._loaded.clear()
        gc.collect()

    def _load(self, src: str, tgt: str) -> Any:
        """The direction's model, loaded once even when several threads ask for it together."""
        direction = (src, tgt)
        if direction not in self._loaded:
            with self._loading_guard:
                lock = self._loading.setdefault(direction, threading.Lock())
            with lock:
                if direction not in self._loaded:
                    self._loaded[direction] = self._load_direction(src, tgt)
        return self._loaded[direction]

    @abstractmethod
    def _load_direction(self, src: str, tgt: str) -> Any:
        """The model and tokenizer of one direction."""

    @abstractmethod
    def _generate(self, loaded: Any, texts: list[str]) -> list[str]:
        """Translate texts that fit the model, in input order."""


def _silent(_: str) -> None:
    """A listener that hears nothing."""


class DirectionWorkers:
    """One worker thread per direction, on which an engine that runs beside qa does that
    direction's work in the order it was asked: two directions asked together run at the same
    time, while the caller goes on."""

    def __init__(self) -> None:
        self._pools: dict[tuple[str, str], ThreadPoolExecutor] = {}
        self._guard = threading.Lock()

    def submit(self, direction: tuple[str, str], work: Callable[[], Result]) -> Future[Result]:
        """Queue ``work`` on the direction's worker."""
        with self._guard:
            pool = self._pools.get(direction)
            if pool is None:
                pool = self._pools[direction] = ThreadPoolExecutor(1, thread_name_prefix="qa-" + "-".join(direction))
        return pool.submit(work)

    def close(self) -> None:
        """Drop work not yet started and wait for the work under way to end."""
        with self._guard:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


def in_order(futures: Sequence[Future[Result]]) -> Iterator[Result]:
    """The futures' results in order, each waited for when it is wanted; EngineError for work
    dropped because the engine was closed first."""
    for future in futures:
        try:
            yield future.result()
        except CancelledError:
            raise EngineError("the engine was closed before this work was done") from None
