"""What the marian and ct2 engines share: one model per direction, loaded on first use, and
inputs too long for it translated in pieces."""

from __future__ import annotations

import gc
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any

from qa.translate.base import Engine
from qa.translate.batching import join_pieces, split_inputs
from qa.translate.options import EngineOptions


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
        self._notes: list[str] = []

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
        if (src, tgt) not in self._loaded:
            self._loaded[(src, tgt)] = self._load_direction(src, tgt)
        return self._loaded[(src, tgt)]

    @abstractmethod
    def _load_direction(self, src: str, tgt: str) -> Any:
        """The model and tokenizer of one direction."""

    @abstractmethod
    def _generate(self, loaded: Any, texts: list[str]) -> list[str]:
        """Translate texts that fit the model, in input order."""
