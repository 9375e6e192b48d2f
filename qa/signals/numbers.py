"""Numbers that do not survive translation: a figure, percentage, year, date or amount of the
source that the translation drops or changes, or one the translation adds.

Each side is read in its own language's conventions before comparing values: Spanish writes
"3,5 %" and "1.500" where English writes "3.5%" and "1,500"; "1.250 millones" is 1.25 billion;
"mil millones" is a billion (the Spanish "billón" is a million million). Ordinals ("67th"),
ranges ("2020-2030") and clock times ("las 23.00" = "11 pm") are handled. Figures written in
words ("dos", "a billion") only ever confirm a figure written in digits on the other side, since
words like "one" or "un" are far more often not numbers at all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.signals.base import Segment, Signal
from qa.signals.intrinsic import base_lang, combine

# Languages that write a decimal comma and group thousands with a point (or a space).
DECIMAL_COMMA = frozenset(
    "es fr de it pt ca gl eu nl ro pl cs sk sl hr sr bs bg ru uk da sv no nb nn fi et lv lt hu tr el id "
    "vi".split()
)

# Multiplier words after a number, longest first so "mil millones" wins over "mil".
MULTIPLIERS: dict[str, dict[str, float]] = {
    "en": {"trillion": 1e12, "billion": 1e9, "bn": 1e9, "million": 1e6, "thousand": 1e3},
    "es": {
        "mil millones": 1e9,
        "millardo": 1e9,
        "millardos": 1e9,
        "billón": 1e12,
        "billones": 1e12,
        "billon": 1e12,
        "millón": 1e6,
        "millones": 1e6,
        "millon": 1e6,
        "mil": 1e3,
    },
}
# Abbreviations that mean a multiplier only right after a currency amount ("€5m", "$3bn").
CURRENCY_MULTIPLIERS = {"m": 1e6, "bn": 1e9, "k": 1e3}
PERCENT = re.compile(r"\s?(?:%|por\s+ciento\b|per\s*cent\b|percent\b)", re.IGNORECASE)


def _counting(words: str, first: float, step: float = 1) -> dict[str, float]:
    """Consecutive numbers in words: ``_counting("two three", 2)`` is {"two": 2, "three": 3}."""
    return {word: first + step * i for i, word in enumerate(words.split())}


# Numbers and ordinals written in words, used only to confirm a figure in digits.
NUMBER_WORDS: dict[str, dict[str, float]] = {
    "en": {
        **_counting(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
            "sixteen seventeen eighteen nineteen",
            0,
        ),
        **_counting("twenty thirty forty fifty sixty seventy eighty ninety", 20, 10),
        **_counting("first second third fourth fifth sixth seventh eighth ninth tenth", 1),
        **dict.fromkeys(["single"], 1),
        **dict.fromkeys(["both", "twice", "double"], 2),
        **{"dozen": 12, "half": 0.5, "hundred": 100, "thousand": 1000},
    },
    "es": {
        **_counting(
            "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
            "dieciséis diecisiete dieciocho diecinueve veinte veintiuno veintidós veintitrés veinticuatro "
            "veinticinco veintiséis veintisiete veintiocho veintinueve",
            0,
        ),
        **_counting("treinta cuarenta cincuenta sesenta setenta ochenta noventa", 30, 10),
        **_counting("primero segundo tercero cuarto quinto sexto séptimo octavo noveno décimo", 1),
        **_counting("primera segunda tercera cuarta quinta sexta séptima octava novena décima", 1),
        **_counting("doscientos trescientos cuatrocientos quinientos seiscientos setecientos", 200, 100),
        **_counting("doscientas trescientas cuatrocientas quinientas seiscientas setecientas", 200, 100),
        **{"ochocientos": 800, "ochocientas": 800, "novecientos": 900, "novecientas": 900},
        **dict.fromkeys(["un", "una", "primer"], 1),
        **dict.fromkeys(["ambos", "ambas", "doble"], 2),
        **dict.fromkeys(["medio", "media", "mitad"], 0.5),
        **{"tercer": 3, "docena": 12, "cien": 100, "ciento": 100, "mil": 1000},
    },
}
ARTICLES_OF_ONE = frozenset({"a", "an", "un", "una"})
_HUNDREDS = frozenset({"hundred", "cien", "ciento"})
_THOUSANDS = frozenset({"thousand", "mil"})
_NUMBER_JOINERS = frozenset({"and", "y", "-"})

_NUMERAL = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*")
# A further group of three digits: RAE style groups thousands with spaces ("230 000"), and
# tokenised machine translation leaves a space after the separator ("1, 000").
_SPACE_GROUP = re.compile(r"(?:[ \u00a0\u202f\u2009]|(?P<mark>[.,]) )(?P<digits>\d{3})(?!\d|[.,]\d)")
_LOOSE_SUFFIX = re.compile(r"(m|bn|k)\b")  # "2.3m people": probably million, maybe metres
_CURRENCY_BEFORE = re.compile(r"[$€£¥]\s?$|\b(?:EUR|USD|GBP)\s?$")
_CLOCK = re.compile(r"(?<![\w.,])([01]?\d|2[0-4])(:\s?|[.h])([0-5]\d)(?!\d|[.,]\d)")
_CLOCK_AMPM = re.compile(
    r"(?<![\w.,])(1[0-2]|0?\d)(?::\s?([0-5]\d)|\.([0-5]\d))?\s?(a\.\s?m\.|p\.\s?m\.|am\b|pm\b)",
    re.IGNORECASE,
)
_CLOCK_BEFORE = re.compile(r"\b(?:las|la|a\s+las)\s+$", re.IGNORECASE)
_CLOCK_AFTER = re.compile(r"^\s?(?:h\b|hrs?\b|horas\b|hs\b|GMT\b|UTC\b)", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_ROMAN = re.compile(r"(?=[MDCLXVI]{2,}$)M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A figure found in a text: its value with any multiplier applied ("340 millones" is
    3.4e8), a clock time as hour and minute, and where it was written."""

    value: float
    text: str
    start: int
    end: int
    clock: tuple[int, int] | None = None  # (hour, minute) for a time of day
    spelled: bool = False  # written in words: only confirms a figure in digits
    # Another plausible reading: "24,310" in a Spanish text written with English conventions,
    # "2.3m" meaning 2.3 million rather than metres.
    alternative: float | None = None

    def equals(self, other: Quantity) -> bool:
        """Whether two figures (neither a clock time) have the same value."""
        return not (self.clock or other.clock) and _close(self.value, other.value)

    def same_as(self, other: Quantity) -> bool:
        """Whether two figures may say the same: equal values or alternative readings, the same
        time on a 12-hour clock (23.00 = 11 pm = 23), or a year and its two last digits
        ("el 98" = 1998, "2012-13")."""
        if self.clock or other.clock:
            return _clock_key(self) is not None and _clock_key(self) == _clock_key(other)
        readings = [(a, b) for a in self.readings for b in other.readings]
        return any(_close(a, b) or _year_and_short(a, b) or _year_and_short(b, a) for a, b in readings)

    @property
    def readings(self) -> tuple[float, ...]:
        """The value and, if any, the alternative reading."""
        return (self.value,) if self.alternative is None else (self.value, self.alternative)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def _clock_key(quantity: Quantity) -> tuple[int, int] | None:
    if quantity.clock is not None:
        return quantity.clock[0] % 12, quantity.clock[1]
    if quantity.value.is_integer() and 0 <= quantity.value <= 24:
        return int(quantity.value) % 12, 0
    return None


def _year_and_short(year: float, short: float) -> bool:
    return (
        1900 <= year <= 2099
        and year.is_integer()
        and short.is_integer()
        and 0 <= short <= 99
        and year % 100 == short
    )


def decimal_separator(lang: str) -> str:
    """The decimal mark of ``lang``: a comma (Spanish, French...) or a point (English...)."""
    return "," if base_lang(lang) in DECIMAL_COMMA else "."


def parse_numeral(numeral: str, lang: str) -> float:
    """The value of digits with separators, read in the conventions of ``lang``.

    With both separators, the last one is the decimal mark ("1.234,5", "1,234.5"). A separator
    used more than once groups thousands. A single one is the language's decimal mark, or, if it
    is the other mark, groups thousands when exactly three digits follow ("1.500" in Spanish,
    "1,500" in English) and is read as a decimal mark otherwise ("1.5" in Spanish).
    """
    numeral = re.sub(r"[ \u00a0\u202f\u2009]", "", numeral)
    has_point, has_comma = "." in numeral, "," in numeral
    if has_point and has_comma:
        decimal = "." if numeral.rfind(".") > numeral.rfind(",") else ","
        return float(numeral.replace("," if decimal == "." else ".", "").replace(",", "."))
    separator = "." if has_point else "," if has_comma else None
    if separator is None:
        return float(numeral)
    parts = numeral.split(separator)
    if len(parts) > 2:
        return float("".join(parts))
    if separator == decimal_separator(lang) or len(parts[1]) != 3:
        return float(f"{parts[0]}.{parts[1]}")
    return float("".join(parts))


def other_reading(numeral: str, lang: str) -> float | None:
    """The value of a numeral read the other way, when the writer may have followed the other
    convention: a single decimal mark of ``lang`` followed by exactly three digits ("24,310" in a
    Spanish text from Mexico). A separator that can only group thousands ("1.500" in Spanish)
    has no other reading."""
    parts = numeral.split(decimal_separator(lang))
    if len(parts) == 2 and len(parts[1]) == 3 and parts[0].isdigit() and parts[1].isdigit():
        return float("".join(parts))
    return None


def find_quantities(text: str, lang: str) -> list[Quantity]:
    """The figures of ``text`` written in digits: numbers with their multipliers, percentages,
    years, ordinals, and clock times, in order."""
    quantities = _find_clocks(text)
    for match in _NUMERAL.finditer(text):
        start, end = match.start(), match.end()
        if any(q.start <= start < q.end for q in quantities):
            continue
        numeral = match.group()
        if "," not in numeral and "." not in numeral and len(numeral) <= 3:
            while group := _SPACE_GROUP.match(text, end):
                numeral += (group["mark"] or "") + group["digits"]
                end = group.end()
        value, alternative = parse_numeral(numeral, lang), other_reading(numeral, lang)
        currency = _CURRENCY_BEFORE.search(text[:start]) is not None
        multiplier, end = _multiplier_after(text, end, lang, currency=currency)
        if multiplier == 1.0 and (suffix := _LOOSE_SUFFIX.match(text, end)):
            alternative = value * CURRENCY_MULTIPLIERS[suffix.group(1)]
        elif alternative is not None:
            alternative *= multiplier
        if percent := PERCENT.match(text, end):
            end = percent.end()
        quantities.append(Quantity(value * multiplier, text[start:end], start, end, alternative=alternative))
    return sorted(quantities, key=lambda q: q.start)


def _find_clocks(text: str) -> list[Quantity]:
    """Times of day: with "am"/"pm", with a colon, or with a point where the words around say
    it is a time ("a las 10.30", "23.00 horas")."""
    clocks = []
    for match in _CLOCK_AMPM.finditer(text):
        hour = int(match.group(1)) % 12 + (12 if match.group(4).lower().startswith("p") else 0)
        minute = int(match.group(2) or match.group(3) or 0)
        clocks.append(_clock(match, hour, minute))
    for match in _CLOCK.finditer(text):
        if any(c.start <= match.start() < c.end for c in clocks):
            continue
        hour, separator, minute = int(match.group(1)), match.group(2), int(match.group(3))
        context = _CLOCK_BEFORE.search(text[: match.start()]) or _CLOCK_AFTER.match(text[match.end() :])
        if separator.startswith(":") or context:
            clocks.append(_clock(match, hour, minute))
    return clocks


def _clock(match: re.Match[str], hour: int, minute: int) -> Quantity:
    return Quantity(hour + minute / 60, match.group(), match.start(), match.end(), (hour, minute))


def _multiplier_after(text: str, end: int, lang: str, *, currency: bool) -> tuple[float, int]:
    rest = text[end:]
    for word, factor in MULTIPLIERS.get(base_lang(lang), {}).items():
        if match := re.match(rf"[\s-]?{re.escape(word)}\b", rest, re.IGNORECASE):  # "45-million"
            return factor, end + match.end()
    if currency:
        for word, factor in CURRENCY_MULTIPLIERS.items():
            if match := re.match(rf"\s?{word}\b", rest):
                return factor, end + match.end()
    return 1.0, end


def find_spelled(text: str, lang: str) -> list[Quantity]:
    """Figures written in words ("dos", "twenty-one", "mil millones", "a billion", "siglo XIX"),
    as :class:`Quantity` marked ``spelled``. Over-generous on purpose: they only confirm."""
    words = NUMBER_WORDS.get(base_lang(lang), {})
    multipliers = MULTIPLIERS.get(base_lang(lang), {})
    tokens = [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
    spelled = []
    i = 0
    while i < len(tokens):
        run = _number_word_run(tokens, i, words)
        if not run and tokens[i][0] in ARTICLES_OF_ONE:  # "a billion", "un millón"
            run = [tokens[i]] if _spelled_multiplier(text, tokens[i][2], multipliers) else []
        if not run:
            _, start, end = tokens[i]
            if roman := roman_value(text[start:end]):  # "siglo XIX"
                spelled.append(Quantity(roman, text[start:end], start, end, spelled=True))
            i += 1
            continue
        value = _words_value([word for word, _, _ in run], words)
        start, end = run[0][1], run[-1][2]
        multiplier = _spelled_multiplier(text, end, multipliers)
        if multiplier:
            value, end = value * multiplier[0], multiplier[1]
        spelled.append(Quantity(value, text[start:end], start, end, spelled=True))
        i += len(run)
    return spelled


def roman_value(word: str) -> int | None:
    """The value of an uppercase Roman numeral of two or more letters ("XIX" = 19), else None."""
    if not _ROMAN.fullmatch(word):
        return None
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for letter, following in zip(word, word[1:] + " ", strict=True):
        value = values[letter]
        total += -value if following != " " and values[following] > value else value
    return total


def _number_word_run(tokens: Sequence[tuple[str, int, int]], i: int, words: dict[str, float]) -> list:
    """The number words from token ``i`` on, joined by "and"/"y" ("treinta y dos")."""
    run: list[tuple[str, int, int]] = []
    j = i
    while j < len(tokens):
        parts = tokens[j][0].split("-")
        if all(part in words for part in parts):
            run.append(tokens[j])
            j += 1
        elif run and tokens[j][0] in _NUMBER_JOINERS and j + 1 < len(tokens) and tokens[j + 1][0] in words:
            j += 1
        else:
            break
    return run


def _words_value(run: Sequence[str], words: dict[str, float]) -> float:
    total, current = 0.0, 0.0
    for word in (part for token in run for part in token.split("-")):
        value = words.get(word, 1)  # an article of one
        if word in _HUNDREDS:
            current = max(current, 1) * 100
        elif word in _THOUSANDS:
            total += max(current, 1) * 1000
            current = 0
        else:
            current += value
    return total + current


def _spelled_multiplier(text: str, end: int, multipliers: dict[str, float]) -> tuple[float, int] | None:
    for word, factor in multipliers.items():
        if factor >= 1e6 and (match := re.match(rf"\s?{re.escape(word)}\b", text[end:], re.IGNORECASE)):
            return factor, end + match.end()
    return None


@dataclass(frozen=True, slots=True)
class NumberComparison:
    """Figures of the source and the translation that found no counterpart: ``changed`` pairs
    (one from each side), and figures ``missing`` from or ``added`` to the translation."""

    changed: tuple[tuple[Quantity, Quantity], ...]
    missing: tuple[Quantity, ...]
    added: tuple[Quantity, ...]

    @property
    def count(self) -> int:
        """How many mismatches: a changed figure counts once."""
        return len(self.changed) + len(self.missing) + len(self.added)


def compare_numbers(source: str, target: str, src_lang: str, tgt_lang: str) -> NumberComparison:
    """Match the figures of ``source`` and ``target`` and report those left over.

    Figures in digits are matched first to each other, then to figures in words on the other
    side; what remains on both sides is paired in order as changed figures.
    """
    source_digits, target_digits = find_quantities(source, src_lang), find_quantities(target, tgt_lang)
    source_left, target_left = _match(source_digits, target_digits)
    source_left, _ = _match(source_left, find_spelled(target, tgt_lang))
    target_left, _ = _match(target_left, find_spelled(source, src_lang))
    pairs = min(len(source_left), len(target_left))
    return NumberComparison(
        tuple(zip(source_left[:pairs], target_left[:pairs], strict=True)),
        tuple(source_left[pairs:]),
        tuple(target_left[pairs:]),
    )


def _match(left: Sequence[Quantity], right: Sequence[Quantity]) -> tuple[list[Quantity], list[Quantity]]:
    """Pair equal figures, exact values before looser equalities; returns what stays unpaired."""
    left_over, right_over = list(left), list(right)
    for exact in (True, False):
        for quantity in list(left_over):
            for other in right_over:
                if quantity.equals(other) if exact else quantity.same_as(other):
                    left_over.remove(quantity)
                    right_over.remove(other)
                    break
    return left_over, right_over


CHANGED_WEIGHT = 0.8
SLIP_WEIGHT = 0.9  # a changed figure that looks like a classic slip: x10, x1000, a year off by one
ONE_SIDED_WEIGHT = 0.4


def numbers(segment: Segment) -> Signal | None:
    """Figures of the source missing or changed in the translation, or added to it.

    ``value`` is the number of mismatches (a changed figure counts once). ``garble`` is 0.8 for
    a changed figure (0.9 when it looks like a decimal-mark, thousandfold or off-by-one slip),
    0.4 for a figure on one side only, plus 0.1 for each further mismatch. The span is the first
    wrong or added figure in the translation. None without a source.
    """
    if not segment.source or not segment.target:
        return None
    comparison = compare_numbers(segment.source, segment.target, segment.src_lang, segment.tgt_lang)
    if not comparison.count:
        return Signal("numbers", 0.0, 0.0, "the figures match the source")
    weights = [SLIP_WEIGHT if _is_slip(s, t) else CHANGED_WEIGHT for s, t in comparison.changed]
    weights += [ONE_SIDED_WEIGHT] * (len(comparison.missing) + len(comparison.added))
    wrong = [t for _, t in comparison.changed] + list(comparison.added)
    first = min(wrong, key=lambda q: q.start) if wrong else None
    return Signal(
        "numbers",
        float(comparison.count),
        combine(weights),
        _explain(comparison),
        (first.start, first.end) if first else None,
    )


def _is_slip(source: Quantity, target: Quantity) -> bool:
    if source.value == 0 or target.value == 0:
        return False
    ratio = math.log10(target.value / source.value)
    off_by_one_year = 1900 <= source.value <= 2099 and abs(target.value - source.value) == 1
    return off_by_one_year or (abs(ratio - round(ratio)) < 1e-9 and round(ratio) != 0)


def _explain(comparison: NumberComparison) -> str:
    parts = [f"the source has {s.text} but the translation has {t.text}" for s, t in comparison.changed]
    parts += [f"the source's {q.text} is missing from the translation" for q in comparison.missing]
    parts += [f"the translation's {q.text} is not in the source" for q in comparison.added]
    return "; ".join(parts)


SIGNALS = {"numbers": numbers}
