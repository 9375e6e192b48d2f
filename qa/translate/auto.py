"""``--engine auto``: MarianMT when its models can be had (through CTranslate2 when it is installed,
else transformers), else Apertium, else a clear error."""

from __future__ import annotations

from collections.abc import Sequence

from qa.errors import EngineUnavailable
from qa.translate.apertium import ApertiumEngine
from qa.translate.base import Engine
from qa.translate.ct2 import Ct2Engine, ct2_installed
from qa.translate.locate import MODEL_REMEDY, ModelLocation, locate_model
from qa.translate.marian import MarianEngine
from qa.translate.options import EngineOptions


def describe_location(location: ModelLocation) -> str:
    """A few words on where a usable Marian model comes from."""
    if location.kind == "folder":
        return f"{location.path} (local folder)"
    if location.kind == "cached":
        return f"{location.spec} (local cache)"
    return f"{location.spec} (to download from the model hub)"


def marian_problems(options: EngineOptions, directions: Sequence[tuple[str, str]]) -> list[str]:
    """Why Marian cannot serve some of ``directions`` (empty when it can serve them all)."""
    problems = (locate_model(options, src, tgt).problem for src, tgt in directions)
    return list(dict.fromkeys(problem for problem in problems if problem))


def select_engine(
    options: EngineOptions, directions: Sequence[tuple[str, str]]
) -> tuple[Engine, str]:
    """Choose an engine for ``directions`` and say why, in one line.

    Marian models when every one is a local folder, in the Hugging Face cache, or downloadable
    (hub reachable and not offline), run by ct2 when ctranslate2 is installed and by marian
    otherwise; else Apertium when it has every needed mode; else EngineUnavailable naming both
    reasons and the way out.
    """
    marian_missing = marian_problems(options, directions)
    if not marian_missing:
        models = ", ".join(
            dict.fromkeys(
                describe_location(locate_model(options, src, tgt)) for src, tgt in directions
            )
        )
        engine = Ct2Engine(options) if ct2_installed() else MarianEngine(options)
        return engine, f"auto chose {engine.name}: {models or 'no directions needed'}"

    apertium = ApertiumEngine(options)
    apertium_problems = (apertium.problem(src, tgt) for src, tgt in directions)
    apertium_missing = list(dict.fromkeys(problem for problem in apertium_problems if problem))
    if not apertium_missing:
        return apertium, f"auto chose apertium: {'; '.join(marian_missing)}"
    raise EngineUnavailable(
        f"no translation engine is available. marian: {'; '.join(marian_missing)}. "
        f"apertium: {'; '.join(apertium_missing)}. "
        f"Otherwise {MODEL_REMEDY}"
    )
