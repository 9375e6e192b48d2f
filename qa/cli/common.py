"""What every command shares: exit codes, error reporting, warnings and engine options."""

from __future__ import annotations

import functools
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from qa.errors import EngineError, InputError, QAError, first_line
from qa.printable import printable
from qa.translate.base import is_out_of_memory

EXIT_OK = 0
EXIT_FLAGGED = 1
EXIT_BAD_INPUT = 2
EXIT_ENGINE = 3
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_TERMINATED = 128 + signal.SIGTERM


def error_line(message: object) -> None:
    """Print one ``qa: error: ...`` line on stderr (control characters escaped: one line)."""
    click.echo(f"qa: error: {printable(str(message))}", err=True)


def note_line(message: object) -> None:
    """Print one ``qa: ...`` informational line on stderr (stdout is kept for results)."""
    click.echo(f"qa: {printable(str(message))}", err=True)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    click.echo(f"qa: warning: {printable(str(message))}", err=True)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread as Ctrl-C raises KeyboardInterrupt, so that every
    ``finally`` runs: worker processes and engine pipelines are ended before qa exits."""


def _raise_terminated(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: a second SIGTERM does not cut the clean-up short
    raise Terminated


def _catch_sigterm() -> Any:
    """Make SIGTERM raise Terminated; the handler it replaces (None off the main thread,
    where signals cannot be caught)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


def _lines_of(error: EngineError) -> Sequence[object]:
    """What to print for an engine error: one line, or one per article or pair no worker could do."""
    from qa.workers import WorkLost

    return error.lines if isinstance(error, WorkLost) else (error,)


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the library's typed errors into one stderr line and the documented exit code.

    Library code raises; only here do errors become messages, so no traceback reaches a user
    for a failure qa knows about. Ctrl-C (SIGINT) exits with 130 and SIGTERM with 143 (128 + 15),
    each with one line, once every ``finally`` has run.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        warnings.showwarning = _show_warning
        previous = _catch_sigterm()
        try:
            return command(*args, **kwargs)
        except InputError as error:
            error_line(error)
            sys.exit(EXIT_BAD_INPUT)
        except EngineError as error:
            for line in _lines_of(error):
                error_line(line)
            sys.exit(EXIT_ENGINE)
        except QAError as error:
            error_line(error)
            sys.exit(EXIT_ENGINE)
        except (MemoryError, RuntimeError) as error:
            if not is_out_of_memory(error):
                raise
            error_line(f"out of memory ({first_line(str(error))})")
            sys.exit(EXIT_ENGINE)
        except KeyboardInterrupt:
            error_line("interrupted")
            sys.exit(EXIT_INTERRUPTED)
        except Terminated:
            error_line("terminated")
            sys.exit(EXIT_TERMINATED)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    return wrapper


# Where --models-dir leaves its value on the click context (it is not a command parameter).
MODELS_DIR_META = "qa.models_dir"


def _remember_models_dir(context: click.Context, parameter: click.Parameter, value: Path | None) -> None:
    """Keep ``--models-dir`` on the context for :func:`parse_model_options`, so that commands
    take it without a parameter of their own."""
    context.meta[MODELS_DIR_META] = value


def parse_model_options(values: tuple[str, ...], directions: list[tuple[str, str]]) -> dict[str, str]:
    """``--model`` values (and the command's ``--models-dir``) as a direction -> model mapping.

    ``SRC-TGT=NAME|PATH`` sets one direction; a hub name, or a folder of ``opus-mt-SRC-TGT``
    folders, applies to every direction. An unprefixed model folder is refused when more than one
    direction is needed (see :func:`qa.config.parse_model_values`).
    """
    from qa.config import parse_model_values

    context = click.get_current_context(silent=True)
    models_dir = context.meta.get(MODELS_DIR_META) if context is not None else None
    return parse_model_values(values, directions, models_dir)


def flagger_options(command):
    """``--threshold`` and ``--flagger``, shared by commands that flag."""
    command = click.option(
        "--flagger", "flagger_path", type=click.Path(dir_okay=False, path_type=Path),
        help="Weights and thresholds file written by `qa calibrate` (default: the packaged one).",
    )(command)
    return click.option(
        "--threshold", type=click.FloatRange(0, 1),
        help="Flag segments whose garble score reaches this (default: the flagger's info threshold).",
    )(command)


def engine_options(*, with_none: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options that choose and tune a translation engine, shared by every command.

    ``with_none`` adds the engine ``none`` (only the checks that need no model)."""
    from qa.config import BEAM_RANGE, DEVICES, ENGINES, THREADS_RANGE

    choices = ENGINES if with_none else tuple(name for name in ENGINES if name != "none")
    none_help = " none: only the checks that need no model." if with_none else ""
    options = [
        click.option(
            "--engine",
            type=click.Choice(choices),
            help="Translation engine (default auto: MarianMT when its model is available, else "
            "Apertium)." + none_help,
        ),
        click.option(
            "--model",
            "models",
            metavar="[SRC-TGT=]NAME|PATH",
            multiple=True,
            help="MarianMT model: a Hugging Face name or a local folder (default "
            "Helsinki-NLP/opus-mt-SRC-TGT); prefix SRC-TGT= to set one direction (a folder serves one "
            "direction). Repeatable.",
        ),
        click.option(
            "--models-dir",
            type=click.Path(file_okay=False, path_type=Path),
            expose_value=False,
            metavar="DIR",
            callback=_remember_models_dir,
            help="Folder of MarianMT model folders named opus-mt-SRC-TGT (as on the model hub); "
            "--model SRC-TGT= wins for its direction.",
        ),
        click.option("--beam", "beam_size", type=click.IntRange(*BEAM_RANGE),
                     help="Beam size for MarianMT (default 1: greedy)."),
        click.option("--threads", type=click.IntRange(*THREADS_RANGE),
                     help="CPU threads for MarianMT (default: all cores)."),
        click.option("--device", type=click.Choice(DEVICES),
                     help="Where MarianMT runs (default cpu)."),
        click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Translation cache file (default: the user cache folder, or $QA_CACHE_DIR)."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the translation cache."),
    ]

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@dataclass(frozen=True)
class EngineFlags:
    """The values of :func:`engine_options` as one parameter (see :func:`grouped_engine_options`)."""

    engine: str | None
    models: tuple[str, ...]
    beam: int | None
    threads: int | None
    device: str | None
    cache: Path | None
    no_cache: bool

    def settings_options(self) -> dict[str, Any]:
        """The flags that are settings (``--model`` is laid over them by load_command_settings)."""
        return {"engine": self.engine, "beam": self.beam, "threads": self.threads, "device": self.device,
                "cache": self.cache}


def grouped_engine_options(*, with_none: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """:func:`engine_options`, given to the command as one ``engine_flags`` (:class:`EngineFlags`)."""
    names = ("engine", "models", "beam_size", "threads", "device", "cache_path", "no_cache")

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def grouped(*args: Any, **kwargs: Any) -> Any:
            flags = EngineFlags(*(kwargs.pop(name) for name in names))
            return command(*args, engine_flags=flags, **kwargs)

        return engine_options(with_none=with_none)(grouped)

    return decorate


def parallel_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--jobs`` and ``--scheduler``: where the work runs."""
    from qa.config import JOBS_RANGE, scheduler_address

    def address(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
        try:
            return None if value is None else scheduler_address(value)
        except InputError as error:
            raise click.BadParameter(str(error)) from None

    command = click.option(
        "--scheduler", metavar="ADDRESS", callback=address,
        help="Run on the workers of a Dask cluster (e.g. tcp://10.0.0.5:8786, or tls://... with Dask's TLS "
        "settings) instead of local processes; default $QA_SCHEDULER. The cluster must be trusted: it can run "
        "code in qa. Needs newsroom-qa[cluster].")(command)
    return click.option(
        "--jobs", "-j", type=click.IntRange(*JOBS_RANGE),
        help="Worker processes (default: one per two cores available; an input of one chunk runs "
        "in one).")(command)


def load_command_settings(start: str | Path | None, options: Mapping[str, Any], *, config_file: Path | None = None,
                          models: tuple[str, ...] = (), directions: list[tuple[str, str]] | None = None,
                          checked: Sequence[str | Path] = ()):
    """The settings of a command: its flags over the environment over qa.toml / ``[tool.qa]``
    (the root's of ``start``, or ``config_file``; one below the root, on the way to ``start`` or
    ``checked``, is not read and is warned about) over the defaults, with ``--model`` values laid
    over the configured models for ``directions`` (default: the settings' own, both ways)."""
    from qa.config import load_settings
    from qa.session import check_directions, with_models

    settings, _ = load_settings(Path(start) if start is not None else Path.cwd(), options, config_file=config_file,
                                checked=[Path(path) for path in checked])
    return with_models(settings, parse_model_options(models, directions or check_directions(settings)))
