"""Typed errors raised by the library. Only ``qa.cli`` turns them into messages and exit codes."""

from __future__ import annotations


class QAError(Exception):
    """Base class of every error qa raises on purpose."""


class InputError(QAError):
    """A file or value given by the user cannot be used (exit code 2 on the command line).

    ``path`` names the offending file when there is one, so the message can start with it.
    """

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path

    def __str__(self) -> str:
        message = super().__str__()
        return f"{self.path}: {message}" if self.path else message

    def __reduce__(self) -> tuple:
        # Raised in a worker process, it is pickled back to the driver with its path.
        return type(self), (super().__str__(), self.path)


class EngineError(QAError):
    """A translation engine failed while running (exit code 3)."""


class EngineUnavailable(EngineError):
    """A translation engine or its model cannot be had on this machine (exit code 3).

    The message says what is missing and the way out, in one line.
    """


class InputWarning(UserWarning):
    """An input the library could not read, while it went on with the others (``qa.check`` warns
    once per unreadable file; its report holds the error and its return code is then 2)."""


class CacheError(QAError):
    """The translation cache could not be used; callers fall back to running without it."""


def first_line(error: BaseException | str, limit: int = 200) -> str:
    """A short, single-line description of an exception or of an error text (a tool's stderr),
    for user-facing messages.

    The first non-blank line, stripped; for an exception it is prefixed with the exception's type
    (``"OSError: disk full"``), and is the bare type name when the message is empty; an empty text
    gives ``"no error message"``. Longer than ``limit`` characters, it is cut to ``limit`` with a
    trailing ``…``.
    """
    text = error if isinstance(error, str) else str(error)
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not isinstance(error, str):
        line = f"{type(error).__name__}: {line}" if line else type(error).__name__
    elif not line:
        line = "no error message"
    return line if len(line) <= limit else line[: limit - 1] + "…"
