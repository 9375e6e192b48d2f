"""MarianMT (opus-mt) translation and forced-decoding scores with transformers.

A model is a local folder or a Hugging Face hub name. Hub names are taken from the local Hugging
Face cache first; the hub itself is contacted only when a quick TCP probe says it answers, so an
offline machine gets a one-line EngineUnavailable within seconds instead of a long retry loop.

Inputs longer than the model accepts are never silently truncated: they are split at sentence,
clause or word boundaries, translated piecewise and joined, and a line is added to
``MarianEngine.notes``. Over-long pairs given to :meth:`MarianEngine.score` are not scored (None)
and noted the same way.

torch and transformers are imported only when a model is loaded.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa.errors import EngineUnavailable, first_line
from qa.translate.base import EngineInfo, TokenScores, in_shrinking_batches
from qa.translate.batching import length_batches, output_bound, pair_lengths, split_to_fit
from qa.translate.locate import (
    REMEDY,
    ModelLocation,
    hub_reachable,
    locate_model,
    location_model,
    location_revision,
    pretrained_source,
    torch_problem,
    unavailable,
)
from qa.translate.per_direction import PerDirectionEngine

# Names other modules and tests import from here (they now live in locate, batching and
# per_direction).
__all__ = [
    "REMEDY",
    "MarianEngine",
    "ModelLocation",
    "PerDirectionEngine",
    "hub_reachable",
    "load_tokenizer",
    "locate_model",
    "split_to_fit",
]

# Logit values held at once while scoring (batch x target length x vocabulary): about 256 MB.
SCORE_LOGIT_BUDGET = 64_000_000
# Held while transformers imports or loads a tokenizer (see load_tokenizer).
_TRANSFORMERS_LOADING = threading.Lock()


@dataclass(slots=True)
class _Loaded:
    """A loaded model and tokenizer for one direction."""

    tokenizer: Any
    model: Any
    max_positions: int
    # Most tokens, end-of-sentence included, that one input or target may have.
    max_tokens: int

    def count(self, texts: Sequence[str], *, target: bool = False) -> list[int]:
        """Token counts (end-of-sentence included) of source or target texts."""
        if not texts:
            return []
        if target:
            encoded = self.tokenizer(text_target=list(texts), verbose=False)
        else:
            encoded = self.tokenizer(list(texts), verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]



class MarianEngine(PerDirectionEngine):
    """MarianMT through transformers (see :class:`PerDirectionEngine`)."""

    name = "marian"

    def check(self, src: str, tgt: str) -> None:
        """Raise EngineUnavailable if PyTorch or the model for this direction cannot be had
        (loads nothing)."""
        missing = torch_problem("the marian engine")
        if missing:
            raise EngineUnavailable(missing)
        location = locate_model(self.options, src, tgt)
        if location.problem:
            raise unavailable(location.problem)

    def info(self, src: str, tgt: str) -> EngineInfo:
        """The model and its revision: the cache snapshot's commit, or a local folder's hash."""
        location = locate_model(self.options, src, tgt, probe=False)
        return EngineInfo(self.name, location_model(location), location_revision(location))

    def score(
        self, sources: Sequence[str], targets: Sequence[str], src: str, tgt: str
    ) -> list[TokenScores | None]:
        """Forced decoding: each target token's log-probability given the source and the target
        tokens before it; None (and a note) for a pair longer than the model accepts."""
        if len(sources) != len(targets):
            raise ValueError(f"{len(sources)} sources but {len(targets)} targets")
        if not sources:
            return []
        loaded = self._load(src, tgt)
        source_lengths = loaded.count(sources)
        target_lengths = loaded.count(targets, target=True)
        lengths, notes = pair_lengths(source_lengths, target_lengths, loaded.max_tokens)
        self._notes.extend(notes)
        vocab = int(loaded.model.config.decoder_vocab_size or loaded.model.config.vocab_size)
        results: list[TokenScores | None] = [None] * len(sources)

        def score_batch(batch: list[int]) -> list[TokenScores]:
            return self._score_batch(
                loaded, [sources[i] for i in batch], [targets[i] for i in batch]
            )

        for batch in length_batches(
            lengths, self.options.batch_size, max(1, SCORE_LOGIT_BUDGET // vocab)
        ):
            scored = in_shrinking_batches(batch, score_batch, self._notes)
            for index, item in zip(batch, scored, strict=True):
                results[index] = item
        return results

    def _load_direction(self, src: str, tgt: str) -> _Loaded:
        location = locate_model(self.options, src, tgt)
        if location.problem:
            raise unavailable(location.problem)
        import torch
        from transformers.utils import logging as hf_logging

        if self.options.threads:
            torch.set_num_threads(self.options.threads)
        hf_logging.disable_progress_bar()

        source = pretrained_source(location)
        tokenizer, model = _load_pretrained(source.name, what=source.what, **source.kwargs)
        model.to(self.options.device)
        model.eval()
        max_positions = int(model.config.max_position_embeddings)
        tokenizer_limit = int(min(tokenizer.model_max_length, 1_000_000))
        return _Loaded(tokenizer, model, max_positions, min(max_positions, tokenizer_limit))

    def _generate(self, loaded: _Loaded, texts: list[str]) -> list[str]:
        """Translate texts that fit the model, batched by length, in input order."""
        import torch

        lengths = loaded.count(texts)
        results = [""] * len(texts)

        def generate(batch: list[int]) -> list[str]:
            encoded = loaded.tokenizer([texts[i] for i in batch], return_tensors="pt", padding=True)
            encoded = encoded.to(self.options.device)
            bounds = [output_bound(lengths[i], loaded.max_positions) for i in batch]
            with torch.inference_mode():
                generated = loaded.model.generate(
                    **encoded,
                    num_beams=self.options.beam_size,
                    do_sample=False,
                    max_length=max(bounds),
                )
            # Each row keeps its own bound, so an output never depends on its batch-mates. A row
            # generated alone would end at its bound with a forced end-of-sentence, which is dropped
            # here along with whatever its batch-mates made it generate beyond that.
            rows = [generated[row, : bound - 1] for row, bound in enumerate(bounds)]
            return loaded.tokenizer.batch_decode(rows, skip_special_tokens=True)

        for batch in length_batches(
            lengths, self.options.batch_size, self.options.max_tokens_per_batch
        ):
            decoded = in_shrinking_batches(batch, generate, self._notes)
            for index, translation in zip(batch, decoded, strict=True):
                results[index] = translation.strip()
        return results

    def _score_batch(
        self, loaded: _Loaded, sources: list[str], targets: list[str]
    ) -> list[TokenScores]:
        import torch

        encoded = loaded.tokenizer(sources, text_target=targets, return_tensors="pt", padding=True)
        encoded = encoded.to(self.options.device)
        labels = encoded["labels"]
        model = loaded.model
        with torch.inference_mode():
            logits = model(
                input_ids=encoded["input_ids"],
                attention_mask=encoded["attention_mask"],
                decoder_input_ids=model.prepare_decoder_input_ids_from_labels(labels),
                use_cache=False,
            ).logits
            logprobs = torch.log_softmax(logits.float(), dim=-1)
            chosen = logprobs.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
        real = labels.ne(loaded.tokenizer.pad_token_id)
        scores = []
        for row in range(labels.shape[0]):
            ids = labels[row][real[row]].tolist()
            tokens = loaded.tokenizer.convert_ids_to_tokens(ids)
            scores.append(TokenScores(tuple(tokens), tuple(chosen[row][real[row]].tolist())))
        return scores



def load_tokenizer(name: str, *, what: str, **kwargs: Any) -> Any:
    """Load a MarianTokenizer, turning any failure into a one-line EngineUnavailable that names
    ``what`` was being loaded."""
    # transformers imports its classes lazily, and two threads importing one at once can each
    # find it missing: the ct2 engine loads its directions on their own threads.
    with _TRANSFORMERS_LOADING:
        from transformers import MarianTokenizer

    try:
        with _TRANSFORMERS_LOADING, warnings.catch_warnings():
            # Without sacremoses the tokenizer skips Moses punctuation normalisation and says so on
            # every load; the translations are still usable.
            warnings.filterwarnings("ignore", message=".*sacremoses.*")
            return MarianTokenizer.from_pretrained(name, **kwargs)
    except Exception as error:  # any corrupt file surfaces as a different exception type
        raise unavailable(f"{what} cannot be loaded ({first_line(error)})") from error


def _load_pretrained(name: str, *, what: str, **kwargs: Any) -> tuple[Any, Any]:
    """Load a MarianTokenizer and MarianMTModel, turning any failure into a one-line
    EngineUnavailable that names ``what`` was being loaded."""
    from transformers import MarianMTModel

    tokenizer = load_tokenizer(name, what=what, **kwargs)
    try:
        model = MarianMTModel.from_pretrained(name, **kwargs)
    except Exception as error:  # any corrupt file surfaces as a different exception type
        raise unavailable(f"{what} cannot be loaded ({first_line(error)})") from error
    return tokenizer, model
