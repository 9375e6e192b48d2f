"""The interface every translation engine implements."""

from __future__ import annotations

import contextlib
import gc
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

Result = TypeVar("Result")


def is_out_of_memory(error: BaseException) -> bool:
    """Whether an error means memory ran out: Python's MemoryError, torch's OutOfMemoryError (a
    RuntimeError), or the CPU allocator's "can't allocate memory" RuntimeError."""
    if isinstance(error, MemoryError) or type(error).__name__ == "OutOfMemoryError":
        return True
    message = str(error).lower()
    return isinstance(error, RuntimeError) and (
        "out of memory" in message or "can't allocate memory" in message
    )


def in_shrinking_batches(
    batch: list[int], run: Callable[[list[int]], list[Result]], notes: list[str]
) -> list[Result]:
    """``run(batch)``, or, if memory runs out, each half of the batch in turn (halving again as
    often as needed), so results still come back one per index in the batch's order.

    Each batch that ran out of memory adds a line to ``notes``. A single index that still runs
    out of memory raises the error.
    """
    try:
        return run(batch)
    except (MemoryError, RuntimeError) as error:
        if len(batch) == 1 or not is_out_of_memory(error):
            raise
    # Retrying outside the except block lets the failed attempt's tensors be freed first.
    gc.collect()
    notes.append(f"a batch of {len(batch)} ran out of memory; retried it in halves")
    half = len(batch) // 2
    return in_shrinking_batches(batch[:half], run, notes) + in_shrinking_batches(
        batch[half:], run, notes
    )


def started_together(
    batches: Sequence[list[int]], run: Callable[[list[int], bool], list[Any]], notes: list[str]
) -> Iterator[list[Any]]:
    """The results of each batch, in order: ``run(batch, True)`` starts every batch at once (it
    returns results to wait for with ``.result()``, so an engine with several workers runs several
    batches at a time), and a batch that runs out of memory is run again alone, ``run(batch,
    False)``, in shrinking batches (see :func:`in_shrinking_batches`)."""
    started: list[list[Any]] = []
    waited = 0
    try:
        for batch in batches:
            started.append(run(batch, True))
        for batch, pending in zip(batches, started, strict=True):
            waited += 1
            try:
                done = [item.result() for item in pending]
            except (MemoryError, RuntimeError) as error:
                if not is_out_of_memory(error):
                    raise
                done = in_shrinking_batches(batch, lambda part: run(part, False), notes)
            yield done
    finally:
        # On an error, or when the caller stops reading, what was started still ends before this
        # returns: work left running could call back into a Python that has moved on (or exited).
        for pending in started[waited:]:
            for item in pending:
                with contextlib.suppress(Exception):
                    item.result()


@dataclass(frozen=True, slots=True)
class TokenScores:
    """Forced-decoding scores of one target given its source: each target token (sentencepiece
    piece, end-of-sentence included) with its natural-log probability."""

    tokens: tuple[str, ...]
    logprobs: tuple[float, ...]

    @property
    def mean(self) -> float:
        """Mean log-probability per token (Seq-Logprob); -inf for an empty target."""
        return sum(self.logprobs) / len(self.logprobs) if self.logprobs else -math.inf


@dataclass(frozen=True, slots=True)
class EngineInfo:
    """What produced a translation, recorded in the cache key and in every output's signature."""

    engine: str
    model: str
    revision: str


class Engine(ABC):
    """A translation engine. One instance serves every direction it supports."""

    name: str = "engine"

    @property
    def beam_size(self) -> int | None:
        """The beam width it decodes with, for engines that search (None otherwise)."""
        return None

    @abstractmethod
    def info(self, src: str, tgt: str) -> EngineInfo:
        """Engine, model and model revision used for this direction (loads nothing heavy)."""

    @abstractmethod
    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        """Translate each text from ``src`` to ``tgt`` (ISO 639-1 codes), in input order."""

    def translate_chunks(self, texts: Sequence[str], src: str, tgt: str, size: int) -> Iterator[list[str]]:
        """The translations of ``texts``, ``size`` at a time, in order, as the iterator is
        consumed. Engines that run beside qa (Apertium) start on all of them at once, so that
        several directions can be translated together."""
        for start in range(0, len(texts), size):
            yield self.translate(texts[start : start + size], src, tgt)

    def score_chunks(
        self, chunks: Sequence[tuple[Sequence[str], Sequence[str]]], src: str, tgt: str
    ) -> Iterator[list[TokenScores | None]]:
        """The scores of each (sources, targets) chunk, as :meth:`score` gives them, in order, as
        the iterator is consumed. Engines that run beside qa start on all of them at once, so that
        both directions can be scored together."""
        for sources, targets in chunks:
            yield self.score(sources, targets, src, tgt)

    def tell(self, listener: Callable[[str], None]) -> None:
        """Have the engine tell ``listener``, as it happens, what the user should know while it
        works, such as a model being prepared for a while (engines with nothing to say ignore it)."""

    def check(self, src: str, tgt: str) -> None:
        """Raise EngineUnavailable, in one line, when this direction cannot be served here.

        Cheap: it looks for binaries and model files but loads nothing heavy.
        """

    @property
    def notes(self) -> list[str]:
        """Things the user should know about the work done so far, e.g. an over-long input that was
        translated in pieces. Callers may read and clear the list."""
        return []

    @property
    def can_score(self) -> bool:
        """Whether :meth:`score` is implemented (forced decoding needs a neural model)."""
        return False

    def score(
        self, sources: Sequence[str], targets: Sequence[str], src: str, tgt: str
    ) -> list[TokenScores | None]:
        """Per-token log-probabilities of each target given its source, in input order; None
        for a pair the engine cannot score (longer than its model accepts)."""
        raise NotImplementedError(f"the {self.name} engine cannot score translations")

    @property
    def can_analyse(self) -> bool:
        """Whether :meth:`unknown_words` is implemented (it needs a morphological analyser)."""
        return False

    def unknown_words(self, texts: Sequence[str], src: str, tgt: str) -> list[tuple[str, ...]]:
        """The words of each text (written in ``src``) that the engine's ``src``→``tgt`` pair
        does not know, in input order."""
        raise NotImplementedError(f"the {self.name} engine has no morphological analyser")

    @property
    def can_tag(self) -> bool:
        """Whether :meth:`tagged_words` is implemented (it needs a part-of-speech tagger)."""
        return False

    def tagged_words(self, texts: Sequence[str], src: str, tgt: str) -> list[tuple[str, ...]]:
        """Each word of each text (written in ``src``) as the ``src``→``tgt`` pair's tagger reads
        it, in input order; see :meth:`qa.translate.apertium.ApertiumEngine.tagged_words`."""
        raise NotImplementedError(f"the {self.name} engine has no part-of-speech tagger")

    def close(self) -> None:
        """Release processes or memory held by the engine."""
