"""Translation engines (MarianMT through transformers or CTranslate2, Apertium), their options,
and how one is chosen.

Importing this package is cheap: torch, transformers and ctranslate2 load only when a model does.
"""

from qa.translate.base import Engine, EngineInfo, TokenScores
from qa.translate.factory import ENGINE_CHOICES, ENGINES, create_engine, engine_class
from qa.translate.options import CT2_COMPUTE_TYPES, EngineOptions, engine_options_for

__all__ = [
    "CT2_COMPUTE_TYPES",
    "ENGINES",
    "ENGINE_CHOICES",
    "Engine",
    "EngineInfo",
    "EngineOptions",
    "TokenScores",
    "create_engine",
    "engine_class",
    "engine_options_for",
]
