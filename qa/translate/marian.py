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

import gc
import hashlib
import importlib.util
import os
import re
import socket
import threading
import warnings
from abc import abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from qa.errors import EngineUnavailable, first_line
from qa.translate import EngineOptions
from qa.translate.base import Engine, EngineInfo, TokenScores, in_shrinking_batches

REMEDY = "pass --model PATH to a local Marian folder, or use --engine apertium"
DEFAULT_ENDPOINT = "https://huggingface.co"
REQUIRED_FILES = ("config.json", "source.spm", "target.spm", "vocab.json")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
# A hub repository id: "name" or "owner/name".
HUB_NAME = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?")
# Logit values held at once while scoring (batch x target length x vocabulary): about 256 MB.
SCORE_LOGIT_BUDGET = 64_000_000
SMALL_FILE = 1 << 20


@dataclass(frozen=True, slots=True)
class ModelLocation:
    """Where the model for one direction comes from.

    ``kind`` is "folder" (a local folder), "cached" (a hub name found in the local Hugging Face
    cache), "hub" (a hub name to download) or "missing". ``problem`` says why the model cannot be
    used, in words fit for a one-line message, or is None.
    """

    spec: str
    kind: str
    path: Path | None = None
    problem: str | None = None


def model_spec(options: EngineOptions, src: str, tgt: str) -> str:
    """The configured model for a direction: ``options.models["src-tgt"]`` or the template."""
    return options.models.get(f"{src}-{tgt}") or options.model_template.format(src=src, tgt=tgt)


def looks_like_path(spec: str) -> bool:
    """Whether ``spec`` names a folder rather than a hub repository.

    Hub names contain one "/" (owner/name), so a single "/" alone does not make a path.
    """
    return (
        spec.startswith((".", "~", "/", os.sep))
        or "\\" in spec
        or (os.sep != "/" and os.sep in spec)
        or spec.count("/") > 1
    )


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache folder, read from the environment at call time."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser() / "huggingface" / "hub"


def hub_endpoint() -> str:
    """The model hub URL (HF_ENDPOINT, default https://huggingface.co)."""
    return os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT


def offline_mode(options: EngineOptions) -> bool:
    """Whether the hub must not be contacted: ``options.offline`` if set, else HF_HUB_OFFLINE."""
    if options.offline is not None:
        return bool(options.offline)
    flags = (os.environ.get(name, "") for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))
    return any(flag.strip().lower() in {"1", "true", "yes", "on"} for flag in flags)


@lru_cache(maxsize=8)
def hub_reachable(endpoint: str, timeout: float) -> bool:
    """Whether a TCP connection to the endpoint's host opens within ``timeout`` seconds.

    Runs in a daemon thread because name resolution has no timeout of its own. Remembered for the
    life of the process.
    """
    parts = urlsplit(endpoint)
    host = parts.hostname
    if not host:
        return False
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    result: list[bool] = []

    def connect() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    probe = threading.Thread(target=connect, daemon=True, name="qa-hub-probe")
    probe.start()
    probe.join(timeout)
    return bool(result and result[0])


def hub_unavailable_reason(options: EngineOptions) -> str | None:
    """Why the hub cannot be used now (offline mode or no answer), or None if it can."""
    if offline_mode(options):
        return "offline mode is on (HF_HUB_OFFLINE)"
    if options.offline is False:
        return None
    endpoint = hub_endpoint()
    if not hub_reachable(endpoint, float(options.hub_timeout)):
        return f"the model hub ({endpoint}) cannot be reached"
    return None


def cached_snapshot(repo_id: str, cache_dir: Path) -> Path | None:
    """The local cache snapshot folder of a hub model if its config and weights are there."""
    from huggingface_hub import try_to_load_from_cache

    try:
        config = try_to_load_from_cache(repo_id, "config.json", cache_dir=str(cache_dir))
    except ValueError:  # an invalid repository id
        return None
    if not isinstance(config, str):
        return None
    snapshot = Path(config).parent
    return snapshot if any((snapshot / name).is_file() for name in WEIGHT_FILES) else None


def folder_problem(folder: Path) -> str | None:
    """What is missing from a Marian model folder, or None if all the needed files are there."""
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        missing.append(" or ".join(WEIGHT_FILES))
    if not missing:
        return None
    return f"model folder {folder} is not a complete Marian model: missing {', '.join(missing)}"


def locate_model(
    options: EngineOptions, src: str, tgt: str, *, probe: bool = True
) -> ModelLocation:
    """Find the model for ``src``->``tgt`` without loading it.

    With ``probe`` False a hub name that is not cached is reported as "hub" without asking whether
    the hub answers (for :meth:`MarianEngine.info`, which must stay cheap).
    """
    spec = model_spec(options, src, tgt)
    folder = Path(spec).expanduser()
    if looks_like_path(spec) or folder.is_dir():
        if not folder.is_dir():
            return ModelLocation(spec, "missing", problem=f"model folder {folder} does not exist")
        return ModelLocation(spec, "folder", folder.resolve(), folder_problem(folder))
    if not HUB_NAME.fullmatch(spec):
        return ModelLocation(
            spec,
            "missing",
            problem=f"model {spec!r} is neither an existing folder nor a model hub name",
        )
    snapshot = cached_snapshot(spec, hf_cache_dir())
    if snapshot is not None:
        return ModelLocation(spec, "cached", snapshot)
    reason = hub_unavailable_reason(options) if probe else None
    if reason:
        return ModelLocation(
            spec, "missing", problem=f"model {spec} is not in the local cache and {reason}"
        )
    return ModelLocation(spec, "hub")


# PyTorch is the marian extra, not a default dependency: Apertium, ct2 on converted models and
# the model-free checks run without it, and its default wheel pulls gigabytes of CUDA.
TORCH_REMEDY = ("pip install 'newsroom-qa[marian]' (for the CPU-only build, first "
                "pip install torch --index-url https://download.pytorch.org/whl/cpu)")


def torch_problem(what: str) -> str | None:
    """Why ``what`` cannot run here when PyTorch is not installed (with the way out), or None."""
    if importlib.util.find_spec("torch") is None:
        return f"{what} needs PyTorch, which is not installed; {TORCH_REMEDY}"
    return None


def unavailable(problem: str) -> EngineUnavailable:
    """The one-line EngineUnavailable for a model problem, with the way out."""
    return EngineUnavailable(f"{problem}; {REMEDY}")


def _file_fingerprint(path: Path, size: int) -> bytes:
    """The whole content of a small file, or its first and last megabyte."""
    with path.open("rb") as handle:
        if size < SMALL_FILE:
            return handle.read()
        head = handle.read(SMALL_FILE)
        handle.seek(-SMALL_FILE, os.SEEK_END)
        return head + handle.read(SMALL_FILE)


def _folder_stat(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """(relative name, size, mtime) of every file under ``folder``, sorted."""
    entries = []
    for path in folder.rglob("*"):
        if path.is_file():
            stat = path.stat()
            entries.append((path.relative_to(folder).as_posix(), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(entries))


@lru_cache(maxsize=32)
def _hash_folder(folder: Path, stat: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for name, size, _mtime in stat:
        digest.update(f"{name}\0{size}\0".encode())
        digest.update(_file_fingerprint(folder / name, size))
    return digest.hexdigest()[:12]


def folder_revision(folder: Path) -> str:
    """A short content hash of a model folder: file names, sizes, and the content of small files
    plus the first and last megabyte of large ones. Recomputed only when a file's size or
    modification time changes."""
    return _hash_folder(folder, _folder_stat(folder))


def location_model(location: ModelLocation) -> str:
    """The model name recorded in an engine's info: a local folder's resolved path, else the
    configured name."""
    if location.kind == "folder" and location.path is not None:
        return str(location.path)
    return location.spec


def location_revision(location: ModelLocation) -> str:
    """The model's revision: a local folder's content hash, a cache snapshot's commit, or
    "unknown" for a model still to be downloaded. Loads nothing."""
    if location.kind == "folder" and location.path is not None:
        return folder_revision(location.path)
    if location.kind == "cached" and location.path is not None:
        return location.path.name
    return "unknown"


def _preview(text: str, limit: int = 40) -> str:
    """The start of a text, quoted, for messages."""
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")


# Split points for an over-long input, most preferred first.
_BOUNDARIES = (
    re.compile(r"(?<=[.!?…])\s+"),
    re.compile(r"(?<=[,;:\u2013\u2014])\s+"),  # comma, semicolon, colon, en and em dash
    re.compile(r"\s+"),
)


def _pack(parts: list[str], fits: Callable[[str], bool]) -> list[str]:
    """Join consecutive parts with spaces as long as the result still fits."""
    chunks: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current} {part}" if current else part
        if current and not fits(candidate):
            chunks.append(current)
            current = part
        else:
            current = candidate
    chunks.append(current)
    return chunks


def split_to_fit(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Split ``text`` into pieces that each satisfy ``fits``: at sentence ends if possible, then
    at clause punctuation, then between words, and as a last resort inside a word."""
    if fits(text) or len(text) <= 1:
        return [text]
    for boundary in _BOUNDARIES:
        parts = [part for part in boundary.split(text.strip()) if part]
        if len(parts) > 1:
            return [piece for chunk in _pack(parts, fits) for piece in split_to_fit(chunk, fits)]
    middle = len(text) // 2
    return split_to_fit(text[:middle], fits) + split_to_fit(text[middle:], fits)


@dataclass(frozen=True, slots=True)
class Split:
    """Inputs cut to fit a model: the pieces to translate, the input index each piece belongs to,
    and one note per input that had to be cut."""

    pieces: list[str]
    owners: list[int]
    notes: list[str]


def split_inputs(
    todo: Sequence[tuple[int, str]],
    lengths: Sequence[int],
    max_tokens: int,
    fits: Callable[[str], bool],
) -> Split:
    """Cut each (index, text) of ``todo`` whose token count in ``lengths`` exceeds ``max_tokens``
    into pieces that satisfy ``fits`` (see :func:`split_to_fit`); others stay whole."""
    pieces: list[str] = []
    owners: list[int] = []
    notes: list[str] = []
    for (index, text), length in zip(todo, lengths, strict=True):
        parts = [text] if length <= max_tokens else split_to_fit(text, fits)
        if len(parts) > 1:
            notes.append(
                f"input {index + 1} ({_preview(text)}) has {length} tokens, more than the "
                f"{max_tokens} the model accepts; it was translated in {len(parts)} pieces"
            )
        pieces.extend(parts)
        owners.extend([index] * len(parts))
    return Split(pieces, owners, notes)


def join_pieces(
    results: list[str], owners: Sequence[int], translations: Sequence[str]
) -> list[str]:
    """Put the translation of each piece back into ``results`` at its owner's index, joining the
    pieces of a cut input with spaces; returns ``results``."""
    joined: dict[int, list[str]] = {}
    for owner, translation in zip(owners, translations, strict=True):
        joined.setdefault(owner, []).append(translation)
    for index, parts in joined.items():
        results[index] = " ".join(part for part in parts if part)
    return results


def pair_lengths(
    source_lengths: Sequence[int], target_lengths: Sequence[int], max_tokens: int
) -> tuple[list[int | None], list[str]]:
    """The longer side of each pair that fits ``max_tokens``, in tokens (None for one that does
    not: scores of a cut pair would mean nothing), and a note when some did not fit."""
    too_long = [
        index
        for index, (s, t) in enumerate(zip(source_lengths, target_lengths))
        if max(s, t) > max_tokens
    ]
    notes = []
    if too_long:
        first = too_long[0]
        notes.append(
            f"{len(too_long)} pair(s) longer than the {max_tokens} tokens the model accepts were "
            f"not scored (the first: {source_lengths[first]} source and "
            f"{target_lengths[first]} target tokens)"
        )
    longer = [max(pair) for pair in zip(source_lengths, target_lengths)]
    return [length if length <= max_tokens else None for length in longer], notes


def length_batches(
    lengths: Sequence[int | None], batch_size: int, max_tokens: int | None
) -> list[list[int]]:
    """Group indices into batches of similar length: sorted by length, at most ``batch_size``
    items and (when set) at most ``max_tokens`` padded tokens per batch, never empty. Indices
    whose length is None are left out."""
    batches: list[list[int]] = []
    current: list[int] = []
    present = {index: length for index, length in enumerate(lengths) if length is not None}
    for index in sorted(present, key=present.__getitem__):
        padded = (len(current) + 1) * present[index]
        if current and (
            len(current) >= batch_size or (max_tokens is not None and padded > max_tokens)
        ):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def output_bound(source_tokens: int, max_positions: int) -> int:
    """Most tokens (decoder start included) generated for a source of ``source_tokens`` tokens,
    so that a confused model stops: translations are rarely twice as long as their source."""
    return min(max_positions, 2 * source_tokens + 16)


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


@dataclass(frozen=True, slots=True)
class PretrainedSource:
    """How ``from_pretrained`` reaches a located model: the name or folder to pass, its keyword
    arguments, and words naming the model in messages."""

    name: str
    kwargs: dict[str, Any]
    what: str


def pretrained_source(location: ModelLocation) -> PretrainedSource:
    """The ``from_pretrained`` arguments for a located model (a folder, the local Hugging Face
    cache, or the hub)."""
    if location.kind == "folder":
        return PretrainedSource(
            str(location.path), {"local_files_only": True}, f"model folder {location.path}"
        )
    cache = {"cache_dir": str(hf_cache_dir())}
    if location.kind == "cached":
        return PretrainedSource(
            location.spec,
            {"local_files_only": True, **cache},
            f"model {location.spec} in the local cache ({location.path})",
        )
    return PretrainedSource(
        location.spec, {"local_files_only": False, **cache}, f"model {location.spec}"
    )


def load_tokenizer(name: str, *, what: str, **kwargs: Any) -> Any:
    """Load a MarianTokenizer, turning any failure into a one-line EngineUnavailable that names
    ``what`` was being loaded."""
    from transformers import MarianTokenizer

    try:
        with warnings.catch_warnings():
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
