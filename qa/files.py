"""Writing output files so that a reader never sees half of one, and text that can always be
written: Python strings may hold lone surrogates (from a JSON ``\\ud800`` escape, or standing for
the undecodable bytes of a file name) that no UTF-8 file can. Also how a model setting names a
folder: a path rather than a hub name, and the ``opus-mt-SRC-TGT`` folders of a models folder."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


# The name of one direction's folder in a models folder (``models-dir``), as the hub names opus-mt.
MODEL_FOLDER = "opus-mt-{src}-{tgt}"


def model_folder(models_dir: str | Path, src: str, tgt: str) -> Path:
    """The folder of the ``src``->``tgt`` model in a models folder: ``models_dir/opus-mt-SRC-TGT``."""
    return Path(models_dir).expanduser() / MODEL_FOLDER.format(src=src, tgt=tgt)


def holds_model_folders(folder: str | Path) -> bool:
    """Whether ``folder`` is a models folder: a folder holding ``opus-mt-*`` folders."""
    path = Path(folder).expanduser()
    return path.is_dir() and any(child.is_dir() for child in path.glob("opus-mt-*"))


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


def without_lone_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, one character for one (so offsets
    into the text still hold)."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def write_atomically(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` so an interrupted run leaves the old file (or none), never a
    half-written one: through a temporary file in the same folder and a rename. Lone surrogates
    are written as U+FFFD. Raises OSError when the folder cannot take the file.

    What ``path`` is stays as it was: a symlink is written through (its target is replaced, the
    link kept), a FIFO or device (``/dev/stdout``) is written to in place, never renamed over,
    and a file keeps its mode; a new file gets the mode the umask allows.
    """
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    if path.exists() and not path.is_file():
        if path.is_dir():
            raise IsADirectoryError(21, "is a folder", str(path))
        with path.open("w", encoding="utf-8", newline="\n") as stream:  # a FIFO, a terminal, a device
            stream.write(without_lone_surrogates(text))
        return
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
    folder = path.parent if str(path.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(without_lone_surrogates(text))
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def folder_of(path: Path) -> Path:
    """The absolute folder of ``path`` (itself for a folder), its ``..`` resolved by name."""
    try:
        absolute = Path(os.path.abspath(path))
    except OSError:  # a deleted current folder
        absolute = Path(path)
    return absolute if absolute.is_dir() else absolute.parent


def enclosing_repository(path: Path) -> Path | None:
    """The top folder of the git repository holding ``path`` (the nearest folder at or above it
    with a ``.git``), by name, without following a symbolic link in ``path``; None outside git."""
    folder = folder_of(path)
    return next((candidate for candidate in (folder, *folder.parents) if (candidate / ".git").exists()), None)


def link_out_of_repository(path: Path) -> str | None:
    """Why a report must not be written through ``path``: it is a symbolic link inside a git
    repository (which a pull request may have committed) that leads out of the repository, or
    into a hidden part of it (``.git/hooks``, ``.git/config``), whether or not its target exists
    yet. None for anything else: a plain file, a link outside any repository (``/dev/stdout``),
    or a link to a visible file of the same repository."""
    if not path.is_symlink():
        return None
    top = enclosing_repository(path)
    if top is None:
        return None
    try:
        real = path.resolve()
    except (OSError, RuntimeError):
        return "is a symbolic link that loops"
    inside = top.resolve()
    if not real.is_relative_to(inside):
        return f"is a symbolic link out of the repository (to {real}); qa writes no report through it"
    if any(part.startswith(".") for part in real.relative_to(inside).parts):
        return (f"is a symbolic link to a hidden file of the repository ({real.relative_to(inside).as_posix()}); "
                "qa writes no report through it")
    return None


def _umask() -> int:
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def output_path(written: str, inputs: list[Path]) -> Path:
    """The file ``-o`` names, checked before any work starts: not a folder (``newdir/``), in a
    folder that exists, and not one of the ``inputs`` (an article would be lost under the
    report). ValueError with the reason otherwise."""
    path = Path(written)
    if written.endswith(("/", os.sep)) or path.is_dir():
        raise ValueError("is a folder; name a file to write to")
    if not (path.parent if str(path.parent) else Path(".")).is_dir():
        raise ValueError(f"is in a folder that does not exist ({path.parent})")
    target = path.resolve()
    problem = link_out_of_repository(path)
    if problem:
        raise ValueError(problem)
    for item in inputs:
        if item.resolve() == target or (target.exists() and item.exists() and os.path.samefile(item, target)):
            raise ValueError("is one of the files being checked; qa never writes over an input")
    return path
