"""Reading input files safely (every way a file can be unusable becomes one clear InputError),
and what a file's name and folders say about its language."""

from __future__ import annotations

import codecs
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from qa.config import enclosing_repository
from qa.errors import InputError
from qa.langid import is_language_code

EMPTY_FILE = "file is empty"

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MB
BINARY_SNIFF_BYTES = 8192


def read_text_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The UTF-8 text of ``path``, without a byte-order mark and otherwise exactly as stored.

    Line endings are kept, so offsets into the returned text are offsets into the decoded file.
    Raises :class:`InputError` naming the file for a folder, a missing or unreadable file, an
    empty or whitespace-only file, a binary file, invalid UTF-8, or a file over ``max_bytes``.
    """
    path = Path(path)
    return decode_text(_read_bytes(path, max_bytes), str(path))


def read_stdin_text(stream: BinaryIO, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The UTF-8 text read from ``stream`` (standard input, shown as ``name``), with the checks
    and the size limit of :func:`read_text_file`."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"input is too large (over {_size(max_bytes)})", name)
    return decode_text(data, name)


def decode_text(data: bytes, name: str) -> str:
    """``data`` as text, without a byte-order mark; InputError naming ``name`` for a binary,
    undecodable, empty or whitespace-only input."""
    path = name
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        raise InputError("binary file, not text", str(path))
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = bom + error.start
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[offset]:02x} at offset {offset})", str(path)
        ) from None
    if not text.strip():
        raise InputError(EMPTY_FILE, str(path))
    return text


def as_file_text(text: str, name: str) -> str:
    """``text`` given in memory (pasted, posted) as it would be read from a file called ``name``:
    without a byte-order mark; InputError for what a file could not hold as text (empty or
    whitespace only, a NUL, a lone surrogate), as :func:`decode_text` says it."""
    return decode_text(text.encode("utf-8", "surrogatepass"), name)


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"file is too large ({_size(size, exact=True)}; the limit is {_size(max_bytes)})", str(path)
            )
        with open_binary(path) as stream:
            # read one byte past the limit so a file that grew since stat() is still caught
            data = stream.read(max_bytes + 1)
    except OSError as error:
        raise reading_error(path, error) from None
    if len(data) > max_bytes:
        raise InputError(f"file is too large (over {_size(max_bytes)})", str(path))
    return data


def open_binary(path: Path, buffering: int = -1) -> BinaryIO:
    """``path`` opened for binary reading; InputError naming it for a folder or a file that is
    missing or cannot be read."""
    if path.is_dir():
        raise InputError("is a folder, not a file", str(path))
    try:
        return path.open("rb", buffering=buffering)
    except OSError as error:
        raise reading_error(path, error) from None


def reading_error(path: Path, error: OSError) -> InputError:
    """The InputError for an OSError met opening or reading ``path``."""
    if isinstance(error, FileNotFoundError):
        return InputError("no such file", str(path))
    if isinstance(error, PermissionError):
        return InputError("cannot read file (permission denied)", str(path))
    return InputError(f"cannot read file ({error.strerror or error})", str(path))


@dataclass(frozen=True)
class Boundary:
    """The folder a checked path is read within: the top of its git repository, else (outside
    git) the checked folder, or a checked file's folder. ``named`` is that folder as the path
    names it, ``real`` with its symbolic links resolved; ``name`` says which it is, for messages."""

    named: Path
    real: Path
    name: str


def reading_boundary(path: Path) -> Boundary:
    """The :class:`Boundary` of a checked ``path`` (a file or folder)."""
    top = enclosing_repository(path)
    if top is not None:
        return Boundary(top, top.resolve(), "the repository")
    absolute = Path(os.path.abspath(path))
    folder = absolute if absolute.is_dir() else absolute.parent
    return Boundary(folder, folder.resolve(), "the checked folder")


def link_problem(path: Path, boundary: Boundary, *, kind: str = "file") -> str | None:
    """Why ``path`` (a ``kind``, "file" or "folder") must not be read: it resolves, through a
    symbolic link, outside ``boundary`` (``/etc/passwd``, a secrets file) or into a hidden part
    of it (``.git/config``, which holds CI credentials, or ``.env``), where the folder walk never
    goes. None when it may be read, or when it does not resolve (its reader says why)."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(boundary.real):
        return f"symbolic link to a {kind} outside {boundary.name} ({real})"
    inside = real.relative_to(boundary.real)
    absolute = Path(os.path.abspath(path))
    named = absolute.relative_to(boundary.named).parts if absolute.is_relative_to(boundary.named) else None
    if named != inside.parts and any(part.startswith(".") for part in inside.parts):
        return f"symbolic link to a hidden {kind} of {boundary.name} ({inside.as_posix()})"
    return None


def _size(size: int, *, exact: bool = False) -> str:
    """ "20.0 MB" for a file's size (``exact``), "10 MB" for a round limit."""
    for unit, scale in (("MB", MB), ("KB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{value:g} {unit}" if value.is_integer() and not exact else f"{value:.1f} {unit}"
    return f"{size} bytes"


def split_lang_suffix(path: str | Path) -> tuple[str, str | None]:
    """A file's stem and the language code its name ends with: ``slug.es.md`` -> ("slug", "es").

    The code must be one lingua knows, so "v1.2.md" or "notes.md" carry no language.
    """
    stem = Path(path).stem
    base, dot, suffix = stem.rpartition(".")
    if dot and base and is_language_code(suffix):
        return base, suffix.lower()
    return stem, None


def folder_lang(path: str | Path, langs: Collection[str] | None = None) -> tuple[int, str] | None:
    """The nearest parent folder named like a language code (``es/``, ``en/``), as its index in
    ``Path(path).parts`` and the code; None when there is none.

    With ``langs``, only those codes count, so that a folder far up such as ``/home/it/`` is not
    taken for Italian when the pair is Spanish and English.
    """
    parts = Path(path).parts
    for index in range(len(parts) - 2, -1, -1):
        name = parts[index].lower()
        if len(name) == 2 and is_language_code(name) and (langs is None or name in langs):
            return index, name
    return None


def lang_from_path(path: str | Path, langs: Collection[str] | None = None) -> str | None:
    """The language a file's name (``slug.es.md``) or a parent folder (``es/``) declares; a
    folder counts only if its code is among ``langs`` (when given)."""
    _, lang = split_lang_suffix(path)
    if lang:
        return lang
    found = folder_lang(path, langs)
    return found[1] if found else None
