"""Where the translation cache used to live, kept so that existing imports keep working: the
SQLite store is :mod:`qa.store` and the engine wrapped in it :mod:`qa.translate.cached`."""

from qa.store import (
    FILE_NAME,
    FORMAT_VERSION,
    MARKER_TABLE,
    STORE_CHUNK,
    VALUE_BOUNDS,
    CacheScope,
    CacheWarning,
    RefusedFile,
    TranslationCache,
    default_cache_path,
    entry_key,
    longest_value,
)
from qa.translate.cached import CachedEngine, CacheStats, scores_from_json, scores_to_json

__all__ = [
    "FILE_NAME",
    "FORMAT_VERSION",
    "MARKER_TABLE",
    "STORE_CHUNK",
    "VALUE_BOUNDS",
    "CacheScope",
    "CacheStats",
    "CacheWarning",
    "CachedEngine",
    "RefusedFile",
    "TranslationCache",
    "default_cache_path",
    "entry_key",
    "longest_value",
    "scores_from_json",
    "scores_to_json",
]
