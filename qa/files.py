"""Writing output files so that a reader never sees half of one, and text that can always be
written: Python strings may hold lone surrogates (from a JSON ``\\ud800`` escape, or standing for
the undecodable bytes of a file name) that no UTF-8 file can."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, one character for one (so offsets
    into the text still hold)."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def write_atomically(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename, so an
    interrupted run leaves the old file (or none), never a half-written one. Lone surrogates are
    written as U+FFFD. Raises OSError when the folder cannot take the file."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(without_lone_surrogates(text))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
