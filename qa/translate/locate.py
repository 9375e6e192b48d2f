"""Finding a Marian model without loading it: a local folder, a folder of ``opus-mt-SRC-TGT``
folders (``models-dir``), the local Hugging Face cache, or the hub; and what a located model is
called and which revision it is (a folder's content hash, a cache snapshot's commit).

The hub is contacted only when a quick TCP probe says it answers, so an offline machine gets a
one-line EngineUnavailable within seconds instead of a long retry loop.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import socket
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from qa.errors import EngineUnavailable
from qa.files import MODEL_FOLDER, looks_like_path, model_folder
from qa.translate.options import EngineOptions

# How to give Marian its models; with the other way out when a Marian model is missing.
MODEL_REMEDY = "pass --models-dir DIR (opus-mt-SRC-TGT folders) or --model SRC-TGT=PATH"
REMEDY = f"{MODEL_REMEDY}, or use --engine apertium"
DEFAULT_ENDPOINT = "https://huggingface.co"
REQUIRED_FILES = ("config.json", "source.spm", "target.spm", "vocab.json")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
# A hub repository id: "name" or "owner/name".
HUB_NAME = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?")
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
    """The configured model for a direction: ``options.models["src-tgt"]``, else the direction's
    folder in ``options.models_dir`` (``DIR/opus-mt-SRC-TGT``), else the hub name template."""
    named = options.models.get(f"{src}-{tgt}")
    if named:
        return named
    if options.models_dir:
        return str(model_folder(options.models_dir, src, tgt))
    return options.model_template.format(src=src, tgt=tgt)


def missing_folder_problem(options: EngineOptions, src: str, tgt: str, folder: Path) -> str:
    """Why a configured model folder cannot be used because it does not exist, naming the
    models folder when the folder was to come from there."""
    if not options.models.get(f"{src}-{tgt}") and options.models_dir:
        name = MODEL_FOLDER.format(src=src, tgt=tgt)
        return f"the models folder {Path(options.models_dir).expanduser()} has no {name} folder"
    return f"model folder {folder} does not exist"


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
            problem = missing_folder_problem(options, src, tgt, folder)
            return ModelLocation(spec, "missing", problem=problem)
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
