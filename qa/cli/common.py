"""What every command shares: exit codes, error reporting, warnings and engine options."""

from __future__ import annotations

import functools
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from qa.errors import EngineError, InputError, QAError
from qa.translate.base import is_out_of_memory

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


def note_flagger_model(flagger: Any, engine: str | None, direction: str) -> None:
    """One line on stderr when the flagger has no model fitted for the engine and direction
    (only the model-free checks then flag)."""
    note = flagger.missing_model_note(engine or "none", direction)
    if note:
        note_line(note)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
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
        except (MemoryError, RuntimeError) as error:
            if not is_out_of_memory(error):
                raise
            error_line(f"out of memory ({_first_line(error)})")
            sys.exit(EXIT_ENGINE)
        except KeyboardInterrupt:
            error_line("interrupted")
            sys.exit(130)

    return wrapper


def _first_line(error: BaseException, limit: int = 200) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:limit] if lines else type(error).__name__


def parse_model_options(values: tuple[str, ...], directions: list[tuple[str, str]]) -> dict[str, str]:
    """``--model`` values as a direction -> model mapping.

    ``NAME|PATH`` applies to every direction; ``SRC-TGT=NAME|PATH`` to one direction.
    """
    models: dict[str, str] = {}
    for value in values:
        direction, equals, model = value.partition("=")
        if equals and len(direction.split("-")) == 2 and "/" not in direction:
            models[direction] = model
        else:
            models.update({f"{src}-{tgt}": value for src, tgt in directions})
    return models


def engine_options(*, with_none: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options that choose and tune a translation engine, shared by every command.

    ``with_none`` adds the engine ``none`` (only the checks that need no model)."""
    from qa.translate import ENGINE_CHOICES

    choices = (*ENGINE_CHOICES, "none") if with_none else ENGINE_CHOICES
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
            "Helsinki-NLP/opus-mt-SRC-TGT); prefix SRC-TGT= to set one direction. Repeatable.",
        ),
        click.option("--beam", "beam_size", type=click.IntRange(1, 16),
                     help="Beam size for MarianMT (default 1: greedy)."),
        click.option("--threads", type=click.IntRange(1, 256),
                     help="CPU threads for MarianMT (default: all cores)."),
        click.option("--device", type=click.Choice(["cpu", "cuda"]),
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


def close_engine(cached: Any, *, quiet: bool = False) -> None:
    """Print the engine's notes (over-long inputs split, batches retried after running out of
    memory) on stderr, each distinct one once, then close it. ``cached`` may be None."""
    if cached is None:
        return
    try:
        if not quiet:
            for note, count in Counter(cached.notes).items():
                note_line(note if count == 1 else f"{note} ({count} times)")
    finally:
        cached.close()


def open_engine(
    *,
    engine: str | None,
    models: Mapping[str, str],
    beam_size: int | None,
    cache_path: Path | None,
    threads: int | None = None,
    device: str | None = None,
    no_cache: bool,
    directions: list[tuple[str, str]],
):
    """Create the engine the options ask for, wrapped in the translation cache.

    Prints the engine choice on stderr (for ``auto`` with the reason) and returns the cached
    engine and a description of it for output signatures (None for engine ``none``); raises
    EngineUnavailable when no engine can serve ``directions``. ``models`` maps directions to
    model names or folders (see :func:`parse_model_options`).
    """
    engine = engine or "auto"
    beam_size = beam_size or 1
    if engine == "none":
        note_line("engine none: only the checks that need no model")
        return None, None
    from qa.translate import EngineOptions, create_engine
    from qa.translate.cache import CachedEngine, TranslationCache, default_cache_path

    options = EngineOptions(
        models=dict(models), beam_size=beam_size, threads=threads, device=device or "cpu"
    )
    inner, choice_note = create_engine(engine, options, directions)
    if engine == "auto":
        note_line(choice_note)
    described = {}
    for src, tgt in directions:
        info = inner.info(src, tgt)
        described[f"{src}-{tgt}"] = {"model": info.model, "revision": info.revision}
    first = next(iter(described.values()))
    note_line(f"engine {inner.name}, model {first['model']} (revision {first['revision']})")
    signature = {"engine": inner.name, "model": first["model"], "revision": first["revision"],
                 "models": described, "beam": beam_size}
    cache = None if no_cache else TranslationCache(cache_path or default_cache_path())
    return CachedEngine(inner, cache), signature
