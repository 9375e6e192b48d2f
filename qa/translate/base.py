"""The interface every translation engine implements."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass


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

    @abstractmethod
    def info(self, src: str, tgt: str) -> EngineInfo:
        """Engine, model and model revision used for this direction (loads nothing heavy)."""

    @abstractmethod
    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        """Translate each text from ``src`` to ``tgt`` (ISO 639-1 codes), in input order."""

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
    ) -> list[TokenScores]:
        """Per-token log-probabilities of each target given its source, in input order."""
        raise NotImplementedError(f"the {self.name} engine cannot score translations")

    def close(self) -> None:
        """Release processes or memory held by the engine."""
