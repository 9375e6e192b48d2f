"""Language codes: the user speaks ISO 639-1 (es, en); Apertium names its modes in ISO 639-3."""

from __future__ import annotations

from qa.errors import InputError


def _lingua_language(code: str):
    """The lingua ``Language`` for an ISO 639-1 code, or InputError."""
    from lingua import IsoCode639_1, Language

    cleaned = code.strip().lower() if isinstance(code, str) else ""
    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(cleaned))
    except ValueError:
        raise InputError(
            f"unknown or unsupported language code {code!r}; "
            "give a two-letter ISO 639-1 code such as es or en"
        ) from None


def normalize_code(code: str) -> str:
    """The canonical (lower-case) ISO 639-1 form of ``code``; InputError if it is not one."""
    return _lingua_language(code).iso_code_639_1.name.lower()


def to_iso639_3(code: str) -> str:
    """ISO 639-1 -> ISO 639-3, e.g. ``es`` -> ``spa``; InputError for an unknown code."""
    return _lingua_language(code).iso_code_639_3.name.lower()


def to_iso639_1(code: str) -> str:
    """ISO 639-3 -> ISO 639-1, e.g. ``spa`` -> ``es``; InputError for an unknown code."""
    from lingua import IsoCode639_3, Language

    cleaned = code.strip().lower() if isinstance(code, str) else ""
    try:
        language = Language.from_iso_code_639_3(IsoCode639_3.from_str(cleaned))
    except ValueError:
        raise InputError(f"unknown or unsupported ISO 639-3 language code {code!r}") from None
    return language.iso_code_639_1.name.lower()


def apertium_mode(src: str, tgt: str) -> str:
    """The Apertium mode for a direction in ISO 639-1 codes, e.g. es, en -> ``spa-eng``."""
    return f"{to_iso639_3(src)}-{to_iso639_3(tgt)}"
