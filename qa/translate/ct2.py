"""MarianMT (opus-mt) through CTranslate2: the same models as the marian engine, several times
faster on a CPU once converted to int8.

Models are found exactly as the marian engine finds them (a local folder, the local Hugging Face
cache, or the hub). The first use of a model converts it with CTranslate2's TransformersConverter
and keeps the result under ``<qa cache folder>/ct2/<name>-<revision>-<compute type>``, so a new
revision of the model (a changed folder, a new hub commit) is converted again and an unchanged one
never is. A conversion is written to a staging folder and renamed into place only when complete,
so concurrent runs and interrupted ones never leave half a model behind.

Text is cut into the sentencepiece pieces the model's own MarianTokenizer would make, read straight
from the model folder (:mod:`qa.translate.pieces`; MarianTokenizer itself for folders that module
does not mirror). Translations and forced-decoding scores follow the marian engine's conventions:
over-long inputs are translated in pieces (and noted), over-long pairs are not scored, and a score's
tokens end with "</s>". Inputs are sorted by length into batches of at most ``batch_size`` items and
a bounded number of padded tokens (TRANSLATE_TOKEN_BUDGET when translating, SCORE_LOGIT_BUDGET
logits when scoring), so memory stays bounded on long articles; in greedy search each sentence
stops at its own length bound. Results always come back in input order.

Each direction's work runs on a worker thread of its own (see :class:`Ct2Engine`), and the first
use of a model says that it is being converted. ctranslate2 is imported only when a model is loaded.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from qa.errors import EngineError, EngineUnavailable, first_line
from qa.translate.base import EngineInfo, TokenScores, started_together
from qa.translate.batching import length_batches, output_bound, pair_lengths
from qa.translate.locate import (
    ModelLocation,
    locate_model,
    location_model,
    location_revision,
    pretrained_source,
    torch_problem,
    unavailable,
)
from qa.translate.marian import load_tokenizer
from qa.translate.options import EngineOptions
from qa.translate.per_direction import DirectionWorkers, PerDirectionEngine, in_order
from qa.translate.pieces import (
    MAX_TOKENS_CEILING,
    MarianPieces,
    installed_transformers,
    transformers_problem,
)

INSTALL_REMEDY = "pip install ctranslate2, or use --engine marian"
# Files a finished conversion always has; a folder without them is not a usable model.
CONVERTED_FILES = ("model.bin", "config.json")
STAGING_SUFFIX = ".partial"
# Logit values held at once while scoring (batch x target length x vocabulary). CTranslate2 keeps
# about two copies of them: 16 million is about 130 MB, 250 tokens a batch for opus-mt.
SCORE_LOGIT_BUDGET = 16_000_000
# Padded source tokens in one translation batch at most (fewer if max_tokens_per_batch says so).
# Decoding memory grows with the batch times its output bound (twice the source): at 2,048 a batch
# of long sentences stays near 300 MB for opus-mt, and typical sentences still fill 32-long batches.
TRANSLATE_TOKEN_BUDGET = 2048
# A staging folder untouched for this long belongs to a run that was killed.
STALE_STAGING_SECONDS = 3600.0


def ct2_installed() -> bool:
    """Whether the ctranslate2 package can be imported (without importing it)."""
    return importlib.util.find_spec("ctranslate2") is not None


def ct2_cache_root(options: EngineOptions) -> Path:
    """The folder of converted models: ``options.ct2_cache``, else ``ct2`` beside the
    translation cache (which follows QA_CACHE_DIR)."""
    if options.ct2_cache:
        return Path(options.ct2_cache).expanduser()
    from qa.store import default_cache_path

    return default_cache_path().parent / "ct2"


def safe_name(model: str) -> str:
    """A readable file-name form of a model name or folder: its last two path parts, with every
    character that is not a letter, digit, dot, dash or underscore replaced."""
    parts = [part for part in re.split(r"[/\\]+", model) if part][-2:]
    return re.sub(r"[^\w.-]+", "_", "--".join(parts)).strip("._-")[:80] or "model"


def converted_folder(root: Path, model: str, revision: str, compute_type: str) -> Path:
    """Where the conversion of one revision of a model to ``compute_type`` is kept."""
    return root / f"{safe_name(model)}-{revision}-{compute_type}"


def is_converted(folder: Path) -> bool:
    """Whether ``folder`` holds a finished conversion."""
    return all((folder / name).is_file() for name in CONVERTED_FILES)


def decoding_bound(source_tokens: int, max_positions: int) -> int:
    """Most tokens CTranslate2 may generate for a source of ``source_tokens`` tokens, the same as
    the marian engine keeps: transformers' bound counts the decoder start token and ends with a
    forced end-of-sentence, which is dropped."""
    return max(1, output_bound(source_tokens, max_positions) - 2)


def stop_at(bounds: Sequence[int]) -> Callable[[Any], bool]:
    """A greedy-search callback that ends each row of a batch once it has ``bounds[row]`` tokens
    (CTranslate2 calls it with every token a row generates)."""

    def reached(step: Any) -> bool:
        return bool(step.step + 1 >= bounds[step.batch_id])

    return reached


def threads_per_direction(options: EngineOptions) -> int:
    """Threads each direction's model computes with: ``options.threads`` (default: the cores this
    process may use) shared between the directions that run at the same time."""
    return max(1, _threads(options) // options.parallel_directions)


def workers_per_direction(options: EngineOptions) -> int:
    """Batches each direction's model may run at a time: as many as there are directions, so that
    the one left working alone still keeps every core busy, when there are threads enough for
    each direction to have its own; else one."""
    return options.parallel_directions if _threads(options) >= options.parallel_directions else 1


def _threads(options: EngineOptions) -> int:
    from qa.distribute import available_cores

    return options.threads or available_cores()


def parse_device(device: str) -> tuple[str, int]:
    """CTranslate2's device and device index from a torch-style name ("cpu", "cuda", "cuda:1")."""
    kind, _, index = device.partition(":")
    return kind, int(index) if index.isdigit() else 0


def remove_stale_staging(root: Path, *, older_than: float = STALE_STAGING_SECONDS) -> None:
    """Delete staging folders left by conversions that were killed before they could clean up."""
    now = time.time()
    for folder in root.glob(f".*{STAGING_SUFFIX}"):
        with contextlib.suppress(OSError):
            if now - folder.stat().st_mtime > older_than:
                shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def staging_folder(root: Path) -> Iterator[Path]:
    """A fresh hidden folder under ``root`` for a conversion in progress, removed on exit
    (whatever was not moved out of it is discarded, also on an interrupt)."""
    root.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(root)
    staging = Path(tempfile.mkdtemp(prefix=".", suffix=STAGING_SUFFIX, dir=root))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def publish(staging: Path, destination: Path) -> Path:
    """Move a finished conversion into place in one rename and return ``destination``.

    When another run got there first its copy is kept and ours is discarded; a leftover that is
    not a finished conversion is replaced.
    """
    if destination.exists() and not is_converted(destination):
        shutil.rmtree(destination, ignore_errors=True)
    try:
        os.rename(staging, destination)
    except OSError:
        if not is_converted(destination):
            raise
    return destination


class ConversionFailed(RuntimeError):
    """The converter failed; the message is its own last line of output."""


_CONVERT_SCRIPT = (
    "import sys; from qa.translate.ct2 import convert_here; convert_here(*sys.argv[1:])"
)


def convert_marian(source: str, staging: Path, quantization: str) -> None:
    """Convert the Marian model ``source`` (a folder, or a hub name to download) to a CTranslate2
    model in ``staging``, quantized to ``quantization``; ConversionFailed if it cannot be.

    The converter runs in a child Python process: it needs torch and the full-precision model
    (about 1 GB for opus-mt), which the checking process then never holds.
    """
    missing = torch_problem("converting a Marian model for the ct2 engine")
    if missing:
        raise ConversionFailed(missing)
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", _CONVERT_SCRIPT, source, str(staging), quantization],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
        check=False,
    )
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        raise ConversionFailed(lines[-1] if lines else f"exit code {result.returncode}")


def convert_here(source: str, staging: str, quantization: str) -> None:
    """The conversion itself, in the current process (see :func:`convert_marian`); a failure ends
    the process with one line on stderr and exit code 1."""
    try:
        from ctranslate2.converters import TransformersConverter
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*sacremoses.*")
            converter = TransformersConverter(source, low_cpu_mem_usage=True)
            converter.convert(staging, quantization=quantization, force=True)
    except Exception as error:  # corrupt files surface as many exception types
        raise SystemExit(first_line(error)) from error


def read_max_positions(model_folder: Path) -> int:
    """The model's ``max_position_embeddings`` from its config.json (512 when absent)."""
    config = json.loads((model_folder / "config.json").read_text(encoding="utf-8"))
    return int(config.get("max_position_embeddings") or 512)


class TransformersPieces:
    """The pieces of :class:`~qa.translate.pieces.MarianPieces` through transformers'
    MarianTokenizer itself, for the model folders MarianPieces does not mirror."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.max_tokens = int(min(tokenizer.model_max_length, MAX_TOKENS_CEILING))
        self.vocab_size = len(tokenizer)

    def source_tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """Sentencepiece pieces of source texts, end-of-sentence included."""
        return self._pieces(self.tokenizer(list(texts), verbose=False)) if texts else []

    def target_tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """Sentencepiece pieces of target texts, end-of-sentence included."""
        return self._pieces(self.tokenizer(text_target=list(texts), verbose=False)) if texts else []

    def decode(self, rows: Sequence[Sequence[str]]) -> list[str]:
        """Texts of generated pieces, special tokens left out."""
        ids = [self.tokenizer.convert_tokens_to_ids(list(row)) for row in rows]
        return [text.strip() for text in self.tokenizer.batch_decode(ids, skip_special_tokens=True)]

    def _pieces(self, encoded: Any) -> list[list[str]]:
        return [self.tokenizer.convert_ids_to_tokens(ids) for ids in encoded["input_ids"]]


Pieces = MarianPieces | TransformersPieces


def load_pieces(location: ModelLocation) -> Pieces:
    """The model's tokenization: read straight from its folder when MarianPieces mirrors it
    (without importing transformers, a second or more per process), else MarianTokenizer's."""
    if location.path is not None and transformers_problem(installed_transformers()) is None:
        with contextlib.suppress(OSError, ValueError):
            return MarianPieces.load(location.path)
    source = pretrained_source(location)
    return TransformersPieces(load_tokenizer(source.name, what=source.what, **source.kwargs))


@dataclass(slots=True)
class _Loaded:
    """A converted model and its tokenization for one direction."""

    pieces: Pieces
    translator: Any
    max_positions: int
    # Most tokens, end-of-sentence included, that one input or target may have.
    max_tokens: int

    def count(self, texts: Sequence[str]) -> list[int]:
        """Token counts of source texts, end-of-sentence included."""
        return [len(pieces) for pieces in self.pieces.source_tokens(texts)]


class Ct2Engine(PerDirectionEngine):
    """MarianMT through CTranslate2; one converted model per direction, loaded on first use (see
    :class:`~qa.translate.per_direction.PerDirectionEngine`).

    It runs beside qa: what :meth:`translate_chunks` and :meth:`score_chunks` are asked starts at
    once on the direction's own worker thread (CTranslate2 lets go of Python while it works), so
    the two directions of a check are translated and scored at the same time, each on its share
    of the cores (``EngineOptions.parallel_directions``).
    """

    name = "ct2"

    def __init__(self, options: EngineOptions) -> None:
        super().__init__(options)
        self._workers = DirectionWorkers()

    def translate_chunks(self, texts: Sequence[str], src: str, tgt: str, size: int) -> Iterator[list[str]]:
        """The translations of ``texts``, ``size`` at a time, in order; all of them started at
        once on the direction's worker."""
        futures = [self._workers.submit((src, tgt), partial(self.translate, texts[start : start + size], src, tgt))
                   for start in range(0, len(texts), size)]
        return in_order(futures)

    def score_chunks(
        self, chunks: Sequence[tuple[Sequence[str], Sequence[str]]], src: str, tgt: str
    ) -> Iterator[list[TokenScores | None]]:
        """The scores of each chunk, in order; all of them started at once on the direction's
        worker."""
        futures = [self._workers.submit((src, tgt), partial(self.score, sources, targets, src, tgt))
                   for sources, targets in chunks]
        return in_order(futures)

    def close(self) -> None:
        """Stop the workers (work not yet started is dropped) and drop the loaded models."""
        self._workers.close()
        super().close()

    def check(self, src: str, tgt: str) -> None:
        """Raise EngineUnavailable if ctranslate2, the device or the model for this direction
        cannot be had (loads nothing)."""
        if not ct2_installed():
            raise EngineUnavailable(f"the ct2 engine needs ctranslate2; {INSTALL_REMEDY}")
        self._check_device()
        location = locate_model(self.options, src, tgt)
        if location.problem:
            raise unavailable(location.problem)

    def info(self, src: str, tgt: str) -> EngineInfo:
        """The Marian model and its revision (as the marian engine reports them) followed by the
        compute type, e.g. ``0123abcd4567+int8``."""
        location = locate_model(self.options, src, tgt, probe=False)
        revision = f"{location_revision(location)}+{self.options.compute_type}"
        return EngineInfo(self.name, location_model(location), revision)

    def converted_model(self, src: str, tgt: str) -> Path:
        """The folder of the converted model for this direction, converting it first unless a
        conversion of the same model revision and compute type is already kept."""
        location = self._locate(src, tgt)
        root = ct2_cache_root(self.options)
        compute_type = self.options.compute_type
        if location.kind != "hub":
            destination = self._destination(root, location)
            if is_converted(destination):
                return destination
        what = pretrained_source(location).what
        # A cached model converts from its snapshot folder; only a hub model is downloaded.
        source = str(location.path) if location.path else location.spec
        self._say(f"converting {location_model(location)} to CTranslate2 {compute_type}, once: "
                  f"this takes a minute or so, and the result is kept in {root}")
        with staging_folder(root) as staging:
            try:
                convert_marian(source, staging, compute_type)
            except (ConversionFailed, OSError) as error:
                detail = str(error) if isinstance(error, ConversionFailed) else first_line(error)
                raise unavailable(
                    f"{what} cannot be converted to CTranslate2 ({detail})"
                ) from error
            if location.kind == "hub":
                # The conversion downloaded the model; its revision is the cached snapshot's.
                location = self._locate(src, tgt)
            return publish(staging, self._destination(root, location))

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
        source_tokens = loaded.pieces.source_tokens(sources)
        target_tokens = loaded.pieces.target_tokens(targets)
        lengths, notes = pair_lengths(
            [len(row) for row in source_tokens],
            [len(row) for row in target_tokens],
            loaded.max_tokens,
        )
        self._notes.extend(notes)
        budget = max(1, SCORE_LOGIT_BUDGET // loaded.pieces.vocab_size)
        max_tokens = min(budget, self.options.max_tokens_per_batch or budget)
        results: list[TokenScores | None] = [None] * len(sources)

        def score_batch(batch: list[int], asynchronous: bool) -> list[Any]:
            return loaded.translator.score_batch(
                [source_tokens[i] for i in batch],
                # CTranslate2 adds the end-of-sentence token and scores it too.
                [target_tokens[i][:-1] for i in batch],
                max_input_length=0,
                asynchronous=asynchronous,
            )

        batches = length_batches(lengths, self.options.batch_size, max_tokens)
        for batch, scored in zip(batches, started_together(batches, score_batch, self._notes), strict=True):
            for index, result in zip(batch, scored, strict=True):
                results[index] = _token_scores(target_tokens[index], result.log_probs)
        return results

    def _check_device(self) -> None:
        import ctranslate2

        kind, index = parse_device(self.options.device)
        if kind not in ("cpu", "cuda"):
            raise EngineUnavailable(
                f"the ct2 engine runs on cpu or cuda, not {self.options.device!r}; use --device cpu"
            )
        if kind == "cuda" and ctranslate2.get_cuda_device_count() <= index:
            raise EngineUnavailable(
                f"CTranslate2 finds no CUDA device {index} on this machine; use --device cpu"
            )
        supported = ctranslate2.get_supported_compute_types(kind, index)
        if self.options.compute_type not in supported:
            raise EngineUnavailable(
                f"CTranslate2 cannot compute in {self.options.compute_type} on {kind} here "
                f"(it can in {', '.join(sorted(supported))})"
            )

    def _locate(self, src: str, tgt: str) -> ModelLocation:
        location = locate_model(self.options, src, tgt)
        if location.problem:
            raise unavailable(location.problem)
        return location

    def _destination(self, root: Path, location: ModelLocation) -> Path:
        return converted_folder(
            root, location_model(location), location_revision(location), self.options.compute_type
        )

    def _load_direction(self, src: str, tgt: str) -> _Loaded:
        if not ct2_installed():
            raise EngineUnavailable(f"the ct2 engine needs ctranslate2; {INSTALL_REMEDY}")
        import ctranslate2

        self._check_device()
        folder = self.converted_model(src, tgt)
        location = self._locate(src, tgt)
        pieces = load_pieces(location)
        device, index = parse_device(self.options.device)
        try:
            translator = ctranslate2.Translator(
                str(folder),
                device=device,
                device_index=index,
                compute_type=self.options.compute_type,
                inter_threads=workers_per_direction(self.options),
                intra_threads=threads_per_direction(self.options),
            )
        except Exception as error:
            raise EngineUnavailable(
                f"converted model {folder} cannot be loaded ({first_line(error)}); "
                "delete that folder to convert the model again"
            ) from error
        max_positions = read_max_positions(location.path) if location.path else 512
        return _Loaded(pieces, translator, max_positions, min(max_positions, pieces.max_tokens))

    def _generate(self, loaded: _Loaded, texts: list[str]) -> list[str]:
        """Translate texts that fit the model, batched by length, in input order."""
        tokens = loaded.pieces.source_tokens(texts)
        lengths = [len(row) for row in tokens]
        bounds = [decoding_bound(length, loaded.max_positions) for length in lengths]
        results = [""] * len(texts)
        max_tokens = min(
            self.options.max_tokens_per_batch or TRANSLATE_TOKEN_BUDGET, TRANSLATE_TOKEN_BUDGET
        )

        def generate(batch: list[int], asynchronous: bool) -> list[Any]:
            own = [bounds[i] for i in batch]
            greedy = self.options.beam_size == 1
            return loaded.translator.translate_batch(
                [tokens[i] for i in batch],
                beam_size=self.options.beam_size,
                max_decoding_length=max(own),
                max_input_length=0,
                # Greedy rows stop at their own bound rather than run on to the batch's longest.
                callback=stop_at(own) if greedy else None,
                asynchronous=asynchronous,
            )

        batches = length_batches(lengths, self.options.batch_size, max_tokens)
        for batch, outputs in zip(batches, started_together(batches, generate, self._notes), strict=True):
            # Each row keeps its own bound, so an output never depends on its batch-mates.
            rows = [output.hypotheses[0][: bounds[i]] for i, output in zip(batch, outputs, strict=True)]
            for index, translation in zip(batch, loaded.pieces.decode(rows), strict=True):
                results[index] = translation
        return results


def _token_scores(tokens: Sequence[str], logprobs: Sequence[float]) -> TokenScores:
    """TokenScores of one target; EngineError if CTranslate2 scored a different number of
    tokens than the tokenizer made."""
    if len(tokens) != len(logprobs):
        raise EngineError(
            f"CTranslate2 scored {len(logprobs)} tokens of a target the tokenizer cut into "
            f"{len(tokens)}"
        )
    return TokenScores(tuple(tokens), tuple(float(value) for value in logprobs))
