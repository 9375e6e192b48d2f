"""Translation engines (MarianMT through transformers or CTranslate2, Apertium), their options,
and how one is chosen.

Importing this package is cheap: torch, transformers and ctranslate2 load only when a model does.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from qa.errors import InputError
from qa.translate.base import Engine, EngineInfo, TokenScores

__all__ = [
    "CT2_COMPUTE_TYPES",
    "ENGINES",
    "ENGINE_CHOICES",
    "Engine",
    "EngineInfo",
    "EngineOptions",
    "TokenScores",
    "create_engine",
]


# Precisions a Marian model can be converted to and run in by CTranslate2 on any CPU.
CT2_COMPUTE_TYPES = ("int8", "int8_float32", "int16", "float32")


@dataclass(frozen=True)
class EngineOptions:
    """How engines find and run their models.

    ``models`` maps a direction ("es-en") to a hub name or a local folder and overrides
    ``model_template``. ``batch_size`` counts sentences per batch (batches group sentences of
    similar length) and ``max_tokens_per_batch`` bounds their padded size. ``offline`` None means:
    offline when HF_HUB_OFFLINE is set, otherwise ask a quick TCP probe (``hub_timeout`` seconds)
    whether the model hub answers; True never contacts the hub; False assumes it answers.
    ``threads`` None leaves torch's thread count alone; when set it applies to the whole process
    (and is the ct2 engine's thread count). ``compute_type`` is the precision the ct2 engine
    converts and runs models in, and ``ct2_cache`` the folder it keeps converted models in (None:
    ``ct2`` beside the translation cache).
    """

    models: Mapping[str, str] = field(default_factory=dict)
    model_template: str = "Helsinki-NLP/opus-mt-{src}-{tgt}"
    beam_size: int = 1
    batch_size: int = 32
    max_tokens_per_batch: int | None = 4096
    device: str = "cpu"
    offline: bool | None = None
    hub_timeout: float = 3.0
    threads: int | None = None
    compute_type: str = "int8"
    ct2_cache: str | None = None

    def __post_init__(self) -> None:
        # A read-only copy, so options stay what they were when an engine was built from them.
        object.__setattr__(self, "models", MappingProxyType(dict(self.models)))
        for name in ("beam_size", "batch_size"):
            if getattr(self, name) < 1:
                raise InputError(
                    f"{name.replace('_', ' ')} must be at least 1, not {getattr(self, name)}"
                )
        if self.max_tokens_per_batch is not None and self.max_tokens_per_batch < 1:
            raise InputError(
                f"max tokens per batch must be at least 1, not {self.max_tokens_per_batch}"
            )
        if self.threads is not None and self.threads < 1:
            raise InputError(f"threads must be at least 1, not {self.threads}")
        if self.compute_type not in CT2_COMPUTE_TYPES:
            raise InputError(
                f"compute type must be one of {', '.join(CT2_COMPUTE_TYPES)}, "
                f"not {self.compute_type!r}"
            )
        if self.hub_timeout <= 0:
            raise InputError(f"hub timeout must be positive, not {self.hub_timeout}")


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
