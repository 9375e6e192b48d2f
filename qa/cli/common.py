"""What every command shares: exit codes, error reporting, warnings and engine options."""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from qa.errors import EngineError, InputError, QAError

EXIT_OK = 0
EXIT_FLAGGED = 1
EXIT_BAD_INPUT = 2
EXIT_ENGINE = 3


def error_line(message: object) -> None:
    """Print one ``qa: error: ...`` line on stderr."""
    click.echo(f"qa: error: {message}", err=True)


def note_line(message: object) -> None:
    """Print one ``qa: ...`` informational line on stderr (stdout is kept for results)."""
    click.echo(f"qa: {message}", err=True)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ARG001
    click.echo(f"qa: warning: {message}", err=True)


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the library's typed errors into one stderr line and the documented exit code.

    Library code raises; only here do errors become messages, so no traceback reaches a user
    for a failure qa knows about.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        warnings.showwarning = _show_warning
        try:
            return command(*args, **kwargs)
        except InputError as error:
            error_line(error)
            sys.exit(EXIT_BAD_INPUT)
        except EngineError as error:
            error_line(error)
            sys.exit(EXIT_ENGINE)
        except QAError as error:
            error_line(error)
            sys.exit(EXIT_ENGINE)
        except KeyboardInterrupt:
            error_line("interrupted")
            sys.exit(130)

    return wrapper


def engine_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options that choose and tune a translation engine, shared by every command."""
    from qa.translate import ENGINE_CHOICES

    options = [
        click.option(
            "--engine",
            type=click.Choice(ENGINE_CHOICES),
            default="auto",
            show_default=True,
            help="Translation engine. auto: MarianMT when its model is available, else Apertium.",
        ),
        click.option(
            "--model",
            metavar="NAME|PATH",
            help="MarianMT model for this direction: a Hugging Face name or a local folder "
            "(default Helsinki-NLP/opus-mt-SRC-TGT).",
        ),
        click.option("--beam", "beam_size", type=click.IntRange(1, 16), default=1, show_default=True,
                     help="Beam size for MarianMT (1 = greedy)."),
        click.option("--cache", "cache_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Translation cache file (default: the user cache folder, or $QA_CACHE_DIR)."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the translation cache."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def open_engine(
    *,
    engine: str,
    model: str | None,
    beam_size: int,
    cache_path: Path | None,
    no_cache: bool,
    directions: list[tuple[str, str]],
):
    """Create the engine the options ask for, wrapped in the translation cache.

    Prints the engine choice on stderr (for ``auto`` with the reason) and returns the cached
    engine; raises EngineUnavailable when no engine can serve ``directions``.
    """
    from qa.translate import EngineOptions, create_engine
    from qa.translate.cache import CachedEngine, TranslationCache, default_cache_path

    models = {f"{src}-{tgt}": model for src, tgt in directions} if model else {}
    options = EngineOptions(models=models, beam_size=beam_size)
    inner, choice_note = create_engine(engine, options, directions)
    src, tgt = directions[0]
    info = inner.info(src, tgt)
    note_line(f"{choice_note}" if engine == "auto" else f"engine {info.engine}")
    note_line(f"model {info.model} (revision {info.revision})")
    cache = None if no_cache else TranslationCache(cache_path or default_cache_path())
    return CachedEngine(inner, cache)
