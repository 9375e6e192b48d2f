"""The words of one language that the fact checks read: weekdays, months, relative days,
negation and clock phrases. They are data, one file per language (``qa/data/facts.<lang>.json``),
so that a language pair gets the checks by adding its files; a language without one has none.

Also the packaged lists of Spanish given names and surnames (``qa/data/spanish_names.json``) that
the name, pronoun and mangled-word checks read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

from qa.signals.text import base_lang, fold_accents


@dataclass(frozen=True)
class Lexicon:
    """One language's fact words, lowercase as written in its file (accents kept)."""

    lang: str
    weekdays: tuple[str, ...]  # Monday first
    months: tuple[tuple[str, ...], ...]  # January first; each month's spellings
    calendar_words_are_lowercase: bool  # Spanish: a capitalised "Domingo" inside a sentence is a name
    ambiguous_calendar_words: frozenset[str]  # "may", "march": a month only when the context says so
    relative_days: Mapping[str, int]  # "ayer" -> -1
    relative_day_not_after: Mapping[str, frozenset[str]]  # "la mañana" is the morning, not tomorrow
    next_words: tuple[str, ...]
    last_words: tuple[str, ...]
    this_words: tuple[str, ...]
    date_joiners: tuple[str, ...]  # "5 de mayo", "the 5th of May"
    negations: frozenset[str]
    negation_coordinators: frozenset[str]  # "ni", "nor": they join clauses another word negates
    not_negation_before: Mapping[str, frozenset[str]]  # "si no" is "sino" (but), not a negation
    not_negation_after: frozenset[str]  # "no obstante", "not only": no negation of what follows
    negation_limiters: tuple[str, ...]  # "no ... más que" means "only"
    negative_words: frozenset[str]  # words that carry a negation without being one ("lack", "refused")
    negative_prefixes: tuple[str, ...]
    negative_suffixes: tuple[str, ...]
    clock: Mapping[str, tuple[str, ...]]  # the clock_* lists, by name without the prefix
    hour_words: Mapping[str, int]

    def weekday(self, word: str) -> int | None:
        """The day (0 for Monday) ``word`` names, any case or accents; None if it names none."""
        return _index(self.weekdays).get(fold_accents(word))

    def month(self, word: str) -> int | None:
        """The month (1 for January) ``word`` names, any case or accents; None if it names none."""
        return _month_index(self.months).get(fold_accents(word))

    def is_negation(self, word: str) -> bool:
        """Whether ``word`` (lowercase) is a negation word, contractions ("didn't") included."""
        return word in self.negations or ("n't" in self.negations and word.replace("’", "'").endswith("n't"))


@cache
def _index(words: tuple[str, ...]) -> Mapping[str, int]:
    return MappingProxyType({fold_accents(word): n for n, word in enumerate(words)})


@cache
def _month_index(months: tuple[tuple[str, ...], ...]) -> Mapping[str, int]:
    return MappingProxyType({fold_accents(form): n for n, forms in enumerate(months, start=1) for form in forms})


def lexicon(lang: str) -> Lexicon | None:
    """The fact words of ``lang`` ("es", "en-GB"), or None when qa has no file for it."""
    code = base_lang(lang)
    return _read(code) if re.fullmatch(r"[a-z]{2,3}", code) else None


@cache
def _read(code: str) -> Lexicon | None:
    try:
        text = resources.files("qa.data").joinpath(f"facts.{code}.json").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return None
    data = json.loads(text)
    words = lambda key: tuple(str(w).lower() for w in data.get(key, ()))  # noqa: E731
    return Lexicon(
        lang=code,
        weekdays=words("weekdays"),
        months=tuple(tuple(str(form).lower() for form in forms) for forms in data["months"]),
        calendar_words_are_lowercase=bool(data.get("calendar_words_are_lowercase", False)),
        ambiguous_calendar_words=frozenset(words("ambiguous_calendar_words")),
        relative_days=MappingProxyType({str(k).lower(): int(v) for k, v in data.get("relative_days", {}).items()}),
        relative_day_not_after=MappingProxyType(
            {str(k).lower(): frozenset(str(w).lower() for w in v) for k, v in data.get("relative_day_not_after", {}).items()}
        ),
        next_words=words("next_words"),
        last_words=words("last_words"),
        this_words=words("this_words"),
        date_joiners=words("date_joiners"),
        negations=frozenset(words("negations")),
        negation_coordinators=frozenset(words("negation_coordinators")),
        not_negation_before=MappingProxyType(
            {str(k).lower(): frozenset(str(w).lower() for w in v) for k, v in data.get("not_negation_before", {}).items()}
        ),
        not_negation_after=frozenset(words("not_negation_after")),
        negation_limiters=words("negation_limiters"),
        negative_words=frozenset(words("negative_words")),
        negative_prefixes=words("negative_prefixes"),
        negative_suffixes=words("negative_suffixes"),
        clock=MappingProxyType(
            {key.removeprefix("clock_"): tuple(str(w) for w in value) for key, value in data.items() if key.startswith("clock_")}
        ),
        hour_words=MappingProxyType({str(k).lower(): int(v) for k, v in data.get("hour_words", {}).items()}),
    )


@cache
def calendar_words() -> frozenset[str]:
    """Every weekday and month word of every language qa has words for, folded ("miercoles",
    "may"): capitalised in some languages, they are never names."""
    words: set[str] = set()
    for entry in resources.files("qa.data").iterdir():
        match = re.fullmatch(r"facts\.([a-z]{2,3})\.json", entry.name)
        found = _read(match.group(1)) if match else None
        if found is not None:
            words.update(fold_accents(w) for w in found.weekdays)
            words.update(fold_accents(form.rstrip(".")) for forms in found.months for form in forms)
    return frozenset(words)


def phrase_pattern(phrases: tuple[str, ...]) -> str:
    """A regular-expression alternation of ``phrases``, longest first, any run of spaces between
    their words."""
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(re.escape(phrase).replace(r"\ ", r"\s+") for phrase in ordered)


@dataclass(frozen=True, slots=True)
class SpanishNames:
    """Given names (as written), surnames (folded), every name as written in lowercase, the
    surname each English rendering stands for ("Duke" -> "Duque"), the renderings that are
    English surnames as well, and the women's given names."""

    given: frozenset[str]
    surnames: frozenset[str]
    written: frozenset[str]
    renderings: Mapping[str, tuple[str, ...]]
    english_surnames: frozenset[str]  # renderings that are common English surnames too ("Duke")
    female: frozenset[str]  # the given names that are women's


@cache
def spanish_names() -> SpanishNames:
    """The packaged lists of Spanish given names and surnames and the surnames' renderings."""
    data = json.loads(resources.files("qa.data").joinpath("spanish_names.json").read_text(encoding="utf-8"))
    renderings: dict[str, tuple[str, ...]] = {}
    for surname, forms in data["surname_renderings"].items():
        for rendering in forms:
            renderings[rendering] = (*renderings.get(rendering, ()), surname)
    given = [*data["given_names_male"], *data["given_names_female"]]
    return SpanishNames(
        frozenset(given),
        frozenset(fold_accents(name) for name in data["surnames"]),
        frozenset(name.lower() for name in [*given, *data["surnames"]]),
        renderings,
        frozenset(data["english_surnames"]),
        frozenset(data["given_names_female"]),
    )
