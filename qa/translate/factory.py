"""Which engines there are and how one is built for the directions a run needs."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

from qa.errors import InputError
from qa.translate.base import Engine
from qa.translate.options import EngineOptions

ENGINES: dict[str, str] = {
    "marian": "qa.translate.marian:MarianEngine",
    "ct2": "qa.translate.ct2:Ct2Engine",
    "apertium": "qa.translate.apertium:ApertiumEngine",
}
ENGINE_CHOICES = ("auto", "marian", "ct2", "apertium")


def engine_class(name: str) -> Callable[[EngineOptions], Engine]:
    """Import and return the engine class registered under ``name``; InputError if unknown.

    Typed as what it is used for: every registered class is built from EngineOptions, which the
    abstract Engine's constructor does not promise."""
    if name not in ENGINES:
        raise InputError(f"unknown engine {name!r}; choose one of {', '.join(ENGINE_CHOICES)}")
    module_name, class_name = ENGINES[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)


def create_engine(
    name: str, options: EngineOptions, directions: Sequence[tuple[str, str]]
) -> tuple[Engine, str]:
    """Build the engine ``name`` (one of ENGINE_CHOICES) for ``directions``.

    Returns the engine and a one-line note on the choice. Raises InputError for an unknown engine
    or language code, and EngineUnavailable (one line, with the way out) when the engine cannot
    serve a direction on this machine.
    """
    from qa.translate.languages import normalize_code

    directions = [(normalize_code(src), normalize_code(tgt)) for src, tgt in directions]
    if name == "auto":
        from qa.translate.auto import select_engine

        return select_engine(options, directions)

    engine = engine_class(name)(options)
    try:
        for src, tgt in directions:
            engine.check(src, tgt)
    except BaseException:
        engine.close()
        raise
    models = ", ".join(dict.fromkeys(engine.info(src, tgt).model for src, tgt in directions))
    return engine, f"{name} engine as requested" + (f" ({models})" if models else "")
