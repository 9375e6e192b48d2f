"""Progress reporting for long work: a no-op for the library, a rich bar on a terminal."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from typing import Protocol


class Task(Protocol):
    def advance(self, amount: int = 1) -> None: ...


class Progress(Protocol):
    """Something that shows how far along a named piece of work is."""

    def task(self, description: str, total: int | None) -> AbstractContextManager[Task]: ...


class _NullTask:
    def advance(self, amount: int = 1) -> None:
        pass

    def __enter__(self) -> _NullTask:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass


class NullProgress:
    """Shows nothing (library use, pipes, --quiet)."""

    def __enter__(self) -> NullProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def task(self, description: str, total: int | None) -> _NullTask:
        return _NullTask()


class _RichTask:
    def __init__(self, bar, description: str, total: int | None) -> None:
        self._bar, self._description, self._total = bar, description, total
        self._id = None

    def __enter__(self) -> _RichTask:
        self._id = self._bar.add_task(self._description, total=self._total)
        return self

    def advance(self, amount: int = 1) -> None:
        self._bar.advance(self._id, amount)

    def __exit__(self, *exc_info: object) -> None:
        self._bar.remove_task(self._id)


class RichProgress:
    """A transient rich progress bar on stderr: it disappears when the work is done."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar

        self._bar = Bar(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True,
        )

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._bar.stop()

    def task(self, description: str, total: int | None) -> _RichTask:
        return _RichTask(self._bar, description, total)


def terminal_progress(enabled: bool = True) -> RichProgress | NullProgress:
    """A rich bar when stderr is a terminal and progress is wanted, else nothing."""
    if enabled and sys.stderr.isatty():
        return RichProgress()
    return NullProgress()
