"""Numbers that do not survive translation: a figure, percentage, year, date or amount of the
source that the translation drops or changes, or one the translation adds.

Each side is read in its own language's conventions before comparing values: Spanish writes
"3,5 %" and "1.500" where English writes "3.5%" and "1,500"; "1.250 millones" is 1.25 billion;
"mil millones", "miles de millones" and "thousand million" are a billion (the Spanish "billón" is
a million million); "312 mil 450" is 312,450. A range or list that writes its scale word or
percent sign once gives it to each figure ("entre 265 y 275 millones", "5-7 %"). Ordinals
("67th"), ranges ("2020-2030") and clock times ("las 23.00" = "11 pm") are handled. Figures
written in words ("dos", "a billion", "two thirds") only ever confirm a figure written in digits
on the other side, since words like "one" or "un" are far more often not numbers at all.
Figures left over on both sides are paired like with like (years with years, percentages with
percentages) before the rest are paired in order.

Every step is linear in the length of the text: look-behinds read a bounded window and figures
are matched through an index of their values.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import defaultdict
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache

from qa.signals.base import Segment, Signal, SignalSpec
from qa.signals.lexicon import lexicon, phrase_pattern
from qa.signals.text import base_lang, combine

# Languages that write a decimal comma and group thousands with a point (or a space).
DECIMAL_COMMA = frozenset(
    ["es", "fr", "de", "it", "pt", "ca", "gl", "eu", "nl", "ro", "pl", "cs", "sk", "sl", "hr", "sr", "bs", "bg", "ru", "uk", "da", "sv", "no", "nb", "nn", "fi", "et", "lv", "lt", "hu", "tr", "el", "id", "vi"]
)

# Scale words after a number ("340 millones", "1.35 thousand million", "450 thousands of flats").
# The longest match wins, so "mil millones" beats "mil" and "miles de millones" beats "miles de".
MULTIPLIERS: dict[str, dict[str, float]] = {
    "en": {
        **dict.fromkeys(["trillion", "trillions"], 1e12),
        **dict.fromkeys(["thousand million", "thousand millions", "billion", "billions", "bn"], 1e9),
        **dict.fromkeys(["million", "millions"], 1e6),
        **dict.fromkeys(["thousand", "thousands"], 1e3),
    },
    "es": {
        **dict.fromkeys(["billón", "billones", "billon"], 1e12),
        **dict.fromkeys(["mil millones", "miles de millones", "millardo", "millardos"], 1e9),
        **dict.fromkeys(["millón", "millones", "millon"], 1e6),
        **dict.fromkeys(["mil", "miles de"], 1e3),  # "450 miles de pisos" is rare but means 450,000
    },
}
SCALE_ARTICLES: dict[str, tuple[str, ...]] = {"es": ("los", "las")}
# Abbreviations that mean a multiplier only right after a currency amount ("€5m", "$3bn", "$2tn").
CURRENCY_MULTIPLIERS = {"m": 1e6, "mn": 1e6, "bn": 1e9, "k": 1e3, "tn": 1e12}
PERCENT = re.compile(r"\s?(?:%|por\s+ciento\b|per\s*cent\b|percent\b)", re.IGNORECASE)
# Words that join the figures of a range or list ("entre 265 y 275 millones", "2 to 3 billion").
RANGE_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("and", "to", "or", "and the", "to the"),
    "es": (
        *("y", "e", "a", "al", "o", "u", "hasta"),
        *("y el", "y la", "y los", "y las", "a los", "a las", "o el", "o los"),
        *("y unos", "y unas", "a unos", "a unas"),
    ),
}


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
        # Decades: "the Sixties" is "los años 60" or "los años 1960".
        **_counting("twenties thirties forties fifties sixties seventies eighties nineties", 20, 10),
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
        **dict.fromkeys(["millar", "millares"], 1000),  # "un millar de personas"
    },
}
ARTICLES_OF_ONE = frozenset({"a", "an", "un", "una"})
_HUNDREDS = frozenset({"hundred", "cien", "ciento"})
_THOUSANDS = frozenset({"thousand", "mil", "millar", "millares"})
_NUMBER_JOINERS = frozenset({"and", "y", "-"})

# Fractions in words, which confirm a percentage ("two thirds" = 67 %, "la mitad" = 50 %).
FRACTION_NUMERATORS: dict[str, dict[str, int]] = {
    "en": {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3},
    "es": {"un": 1, "una": 1, "dos": 2, "tres": 3},
}
FRACTION_DENOMINATORS: dict[str, dict[str, int]] = {
    "en": {
        **dict.fromkeys(["third", "thirds"], 3),
        **dict.fromkeys(["quarter", "quarters"], 4),
        **dict.fromkeys(["fifth", "fifths"], 5),
        **dict.fromkeys(["tenth", "tenths"], 10),
    },
    "es": {
        **dict.fromkeys(["tercio", "tercios", "tercera parte", "terceras partes"], 3),
        **dict.fromkeys(["cuarto", "cuartos", "cuarta parte", "cuartas partes"], 4),
        **dict.fromkeys(["quinto", "quintos", "quinta parte", "quintas partes"], 5),
        **dict.fromkeys(["décimo", "décimos", "décima parte", "décimas partes"], 10),
    },
}
HALVES = {"en": ("half",), "es": ("mitad",)}

_NUMERAL = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*")
# A further group of three digits: RAE style groups thousands with spaces ("230 000"), and
# tokenised machine translation leaves a space after the separator ("1, 000").
_SPACE_GROUP = re.compile(r"(?:[ \u00a0\u202f\u2009]|(?P<mark>[.,]) )(?P<digits>\d{3})(?!\d|[.,]\d)")
# The next part of a number written with scale words: "312 mil 450", "5 millones 143 mil 312".
_COMPOUND_PART = re.compile(r"[ \u00a0]+(\d{1,3})(?!\d|[.,]\d)")
_LOOSE_SUFFIX = re.compile(r"(m|mn|bn|k|tn)\b")  # "2.3m people": probably million, maybe metres
_CURRENCY = r"(?:(?:US|A|C|R|NZ|HK)?\$|[€£¥]|\b(?:EUR|USD|GBP|CHF|JPY))"
_CURRENCY_BEFORE = re.compile(rf"{_CURRENCY}\s?$")
LOOK_BEHIND = 12  # characters before a figure that may say what it is ("US$ ", "a las ")
_CLOCK = re.compile(r"(?<![\w.,])([01]?\d|2[0-4])(:\s?|[.h])([0-5]\d)(?!\d|[.,]\d)")
_CLOCK_AMPM = re.compile(
    r"(?<![\w.,])(1[0-2]|0?\d)(?::\s?([0-5]\d)|\.([0-5]\d))?\s?(a\.\s?m\.|p\.\s?m\.|am\b|pm\b)",
    re.IGNORECASE,
)
_CLOCK_BEFORE = re.compile(r"\b(?:las|la|a\s+las)\s+$", re.IGNORECASE)
# Digits that read as a time of day whatever the words around: "23.30", "8:15".
_TIME_WRITTEN = re.compile(r"([01]?\d|2[0-4])[.:,]([0-5]\d)")
_CLOCK_AFTER = re.compile(r"\s?(?:h\b|hrs?\b|horas\b|hs\b|GMT\b|UTC\b)", re.IGNORECASE)
_YEAR = re.compile(r"1\d{3}|20\d{2}")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_ROMAN = re.compile(r"(?=[MDCLXVI]{2,}$)M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
MAX_RANGE_GAP = 24  # characters between the figures of a range: " y unos US$ "

# What a figure is, so that figures left over on both sides are paired like with like.
AMOUNT, YEAR, PERCENTAGE, CLOCK, FRACTION = "amount", "year", "percentage", "clock", "fraction"


@dataclass(frozen=True, slots=True)
class Quantity:
    """A figure found in a text: its value with any multiplier applied ("340 millones" is
    3.4e8), a clock time as hour and minute, what kind of figure it is, and where it was
    written."""

    value: float
    text: str
    start: int
    end: int
    clock: tuple[int, int] | None = None  # (hour, minute) for a time of day
    spelled: bool = False  # written in words: only confirms a figure in digits
    # Other plausible readings: "24,310" in a Spanish text written with English conventions,
    # "2.3m" meaning 2.3 million rather than metres.
    alternatives: tuple[float, ...] = ()
    kind: str = AMOUNT

    def equals(self, other: Quantity) -> bool:
        """Whether two figures (neither a clock time) have the same value."""
        return not (self.clock or other.clock) and _close(self.value, other.value)

    def same_as(self, other: Quantity) -> bool:
        """Whether two figures may say the same: equal values or alternative readings, the same
        time on a 12-hour clock (23.00 = 11 pm = 23), a year and its two last digits ("el 98" =
        1998, "2012-13"), or a fraction and a percentage ("two thirds" = 67 %)."""
        if self.clock or other.clock:
            return _clock_key(self) is not None and _clock_key(self) == _clock_key(other)
        if _fraction_and_percentage(self, other) or _fraction_and_percentage(other, self):
            return True
        return any(
            _close(a, b) or _year_and_short(a, b, other) or _year_and_short(b, a, self)
            for a in self.readings
            for b in other.readings
        )

    @property
    def readings(self) -> tuple[float, ...]:
        """The value and any alternative readings."""
        return (self.value, *self.alternatives)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def _clock_key(quantity: Quantity) -> tuple[int, int] | None:
    """The time of day a figure may be, on a 12-hour clock: a clock time, a whole hour ("las
    8"), or digits written as a time with a point or a comma that the words around did not
    mark as one ("at 23.30" in an English text: the Spanish way of writing 11:30 p.m.)."""
    if quantity.clock is not None:
        return quantity.clock[0] % 12, quantity.clock[1]
    if quantity.value.is_integer() and 0 <= quantity.value <= 24:
        return int(quantity.value) % 12, 0
    written = _TIME_WRITTEN.fullmatch(quantity.text)
    if written and not quantity.spelled:
        return int(written.group(1)) % 12, int(written.group(2))
    return None


def _is_year(value: float) -> bool:
    return value.is_integer() and 1900 <= value <= 2099


def _is_short_year(value: float, quantity: Quantity) -> bool:
    """Whether ``value`` may be the last two digits of a year: a number in words only as a decade
    ("los noventa" = the 1990s), not "dos nombres" for 2002."""
    return value.is_integer() and 0 <= value <= 99 and (not quantity.spelled or value % 10 == 0)


def _year_and_short(year: float, short: float, short_quantity: Quantity) -> bool:
    return _is_year(year) and _is_short_year(short, short_quantity) and year % 100 == short


def _fraction_and_percentage(fraction: Quantity, percentage: Quantity) -> bool:
    return (
        fraction.kind == FRACTION
        and percentage.kind == PERCENTAGE
        and abs(100 * fraction.value - percentage.value) <= 1
    )


def _percent_keys(fraction: float) -> set[float]:
    """The percentages a fraction is written as: two thirds is 66 %, 67 % or 66.7 %."""
    percent = 100 * fraction
    return {float(math.floor(percent)), float(math.ceil(percent)), round(percent, 1)}


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


@dataclass(frozen=True, slots=True)
class _Figure:
    """A figure in digits as first read, before a range shares its scale word with it: the
    quantity, the value of the digits alone, the first scale word after them and its factor (1
    without one), and whether it is a percentage or follows a currency sign."""

    quantity: Quantity
    digits: float
    scale: float
    scale_word: str
    percent: bool
    currency: bool


def find_quantities(text: str, lang: str) -> list[Quantity]:
    """The figures of ``text`` written in digits: numbers with their multipliers, percentages,
    years, ordinals, and clock times, in order."""
    clocks = _find_clocks(text, lang)
    in_clock = {i for clock in clocks for i in range(clock.start, clock.end)}
    figures: list[_Figure] = []
    read_up_to = 0  # a numeral may take in the digits after it ("230 000", "312 mil 450")
    for match in _NUMERAL.finditer(text):
        start = match.start()
        if start < read_up_to or start in in_clock:
            continue
        previous = figures[-1].quantity if figures else None
        currency = _currency_before(text, start) or (
            previous is not None
            and figures[-1].currency
            and _range_link(text, previous.end, start, lang) is not None  # "$2-3bn"
        )
        figures.append(_read_figure(text, match, lang, currency=currency))
        read_up_to = figures[-1].quantity.end
    return sorted(clocks + _share_scales(text, figures, lang), key=lambda q: q.start)


def _read_figure(text: str, match: re.Match[str], lang: str, *, currency: bool) -> _Figure:
    """The figure whose digits start at ``match``, with the scale words, currency abbreviation
    and percent sign after it."""
    start = match.start()
    numeral, digits_end = _whole_numeral(text, match)
    digits = parse_numeral(numeral, lang)
    value, scale, end = _scaled(text, digits, digits_end, lang, currency=currency)
    other = other_reading(numeral, lang)
    alternatives = () if other is None else (other * scale,)
    if scale == 1.0 and (suffix := _LOOSE_SUFFIX.match(text, end)):
        alternatives = (*alternatives, digits * CURRENCY_MULTIPLIERS[suffix.group(1)])
    elif not _close(value, digits * scale):  # written in parts: "312 mil 450" has one reading
        alternatives = ()
    scale_word = text[digits_end:end].strip(" -")
    percent = PERCENT.match(text, end)
    if percent:
        kind, end = PERCENTAGE, percent.end()
    elif scale == 1.0 and not currency and _YEAR.fullmatch(numeral):
        kind = YEAR
    else:
        kind = AMOUNT
    quantity = Quantity(value, text[start:end], start, end, alternatives=alternatives, kind=kind)
    return _Figure(quantity, digits, scale, scale_word, percent is not None, currency)


def _whole_numeral(text: str, match: re.Match[str]) -> tuple[str, int]:
    """The numeral at ``match`` with any further groups of three digits after a space ("230
    000"), and where it ends."""
    numeral, end = match.group(), match.end()
    if "," not in numeral and "." not in numeral and len(numeral) <= 3:
        while group := _SPACE_GROUP.match(text, end):
            numeral += (group["mark"] or "") + group["digits"]
            end = group.end()
    return numeral, end


def _currency_before(text: str, start: int) -> bool:
    return _CURRENCY_BEFORE.search(text, max(0, start - LOOK_BEHIND), start) is not None


def _scaled(text: str, digits: float, end: int, lang: str, *, currency: bool) -> tuple[float, float, int]:
    """The value of ``digits`` with the scale words after them, also for a number written in
    parts ("312 mil 450", "12 mil 500 millones", "5 millones 143 mil 312"); returns the value,
    the factor of the first scale word (1 without one) and where the number ends."""
    scale, end = _multiplier_after(text, end, lang, currency=currency)
    if scale == 1.0:
        return digits, 1.0, end
    total, current, last = _add_scale(0.0, digits, scale), 0.0, scale
    while part := _COMPOUND_PART.match(text, end):
        factor, factor_end = _multiplier_after(text, part.end(), lang, currency=False)
        # After "mil" any number of up to three digits follows; after "millones" only one with a
        # smaller scale word of its own ("5 millones 143 mil"), not "3 millones 20 personas".
        if not (last < 1e6 or 1.0 < factor < last):
            break
        if factor == 1.0:
            current, end = float(part.group(1)), part.end()
            break
        total, last, end = _add_scale(total, float(part.group(1)), factor), factor, factor_end
    return total + current, scale, end


def _add_scale(total: float, current: float, factor: float) -> float:
    """The running total of a number in parts once ``current`` meets a scale word: "12 mil 500
    millones" scales all before it, "5 millones 143 mil" only its own part."""
    return (total + current) * factor if total < factor else total + current * factor


@cache
def _scale_pattern(lang: str) -> re.Pattern[str] | None:
    words = sorted(MULTIPLIERS.get(lang, {}), key=len, reverse=True)
    if not words:
        return None
    alternation = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in words)
    # "serán 40 los millones de usuarios": Spanish may put an article before the scale word.
    article = "|".join(SCALE_ARTICLES.get(lang, ()))
    before = rf"(?:(?:{article})\s+)?" if article else ""
    return re.compile(rf"[\s-]?{before}({alternation})\b", re.IGNORECASE)  # "45-million"


_CURRENCY_SCALE = re.compile(rf"\s?({'|'.join(CURRENCY_MULTIPLIERS)})\b")


def _multiplier_after(text: str, end: int, lang: str, *, currency: bool) -> tuple[float, int]:
    """The factor of the scale word at ``end`` (1 without one) and where it ends."""
    lang = base_lang(lang)
    pattern = _scale_pattern(lang)
    if pattern is not None and (match := pattern.match(text, end)):
        return MULTIPLIERS[lang][" ".join(match.group(1).lower().split())], match.end()
    if currency and (match := _CURRENCY_SCALE.match(text, end)):
        return CURRENCY_MULTIPLIERS[match.group(1)], match.end()
    return 1.0, end


@cache
def _range_pattern(lang: str) -> re.Pattern[str]:
    words = sorted(RANGE_WORDS.get(lang, ()), key=len, reverse=True)
    joined = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in words)
    word_link = rf"|\s+(?:{joined})\s+" if words else ""
    return re.compile(rf"(?:\s*(?P<comma>,)\s*|\s*[-–—]\s*{word_link})(?:{_CURRENCY}\s?)?", re.IGNORECASE)


def _range_link(text: str, end: int, start: int, lang: str) -> str | None:
    """How the text between two figures joins them into a range or list: "comma", "word" (a
    word or dash), or None when it does not."""
    if start - end > MAX_RANGE_GAP:
        return None
    match = _range_pattern(base_lang(lang)).fullmatch(text, end, start)
    if match is None:
        return None
    return "comma" if match["comma"] else "word"


def _share_scales(text: str, figures: Sequence[_Figure], lang: str) -> list[Quantity]:
    """The quantities of ``figures``, those of a range or list given the scale word or percent
    sign written only after its last figure: "265 y 275 millones", "between 2 and 3 billion",
    "3, 4 or 5 million", "de 10 a 12 millones", "2-3 million", "del 5 al 7 %"."""
    quantities = [figure.quantity for figure in figures]
    chain: list[int] = []  # bare figures just before, each joined to the next
    for i, figure in enumerate(figures):
        link = _range_link(text, figures[i - 1].quantity.end, figure.quantity.start, lang) if chain else None
        if figure.scale == 1.0 and not figure.percent:
            if link:
                chain.append(i)
            else:
                chain = [i]
            continue
        # A list ends with a word ("3, 4 or 5 million"); "de esos 5, 30 millones" is no list.
        if link == "word":
            for j in chain:
                quantities[j] = _shared(figures[j], figure)
        chain = []
    return quantities


def _shared(member: _Figure, last: _Figure) -> Quantity:
    """The quantity of a figure of a range that takes the scale word or percent sign of its last
    figure. A scale word is shared only by smaller figures: "pasó de 300.000 a 1 millón" has
    none to share."""
    quantity = member.quantity
    if last.scale != 1.0 and member.digits <= last.digits:
        quantity = dataclasses.replace(
            quantity,
            value=quantity.value * last.scale,
            text=f"{quantity.text} ({last.scale_word})",  # what the explanation says it read
            alternatives=tuple(alternative * last.scale for alternative in quantity.alternatives),
            kind=AMOUNT,
        )
    if last.percent and quantity.kind != YEAR:
        quantity = dataclasses.replace(quantity, kind=PERCENTAGE)
    return quantity


def _find_clocks(text: str, lang: str = "") -> list[Quantity]:
    """Times of day: with "am"/"pm", with a colon or an "h" ("20h45"), with a point where
    the words around say it is a time ("a las 10.30", "23.00 horas"), or with the clock phrases
    of ``lang`` ("las 8 y media", "half past 8", "8 o'clock", "las 8 de la tarde")."""
    clocks = []
    for match in _CLOCK_AMPM.finditer(text):
        hour = int(match.group(1)) % 12 + (12 if match.group(4).lower().startswith("p") else 0)
        minute = int(match.group(2) or match.group(3) or 0)
        clocks.append(_clock(match, hour, minute))
    taken = {i for clock in clocks for i in range(clock.start, clock.end)}
    # A clock phrase is never a number of anything else, so one in words ("half past eight",
    # "noon") counts as a figure in digits, not only as a confirmation.
    for clock in _phrase_clocks(text, lang, spelled=False) + _phrase_clocks(text, lang, spelled=True):
        if not taken.intersection(range(clock.start, clock.end)):
            clocks.append(clock)
            taken.update(range(clock.start, clock.end))
    for match in _CLOCK.finditer(text):
        if match.start() in taken:
            continue
        hour, separator, minute = int(match.group(1)), match.group(2), int(match.group(3))
        before = _CLOCK_BEFORE.search(text, max(0, match.start() - LOOK_BEHIND), match.start())
        if separator.startswith(":") or separator == "h" or before or _CLOCK_AFTER.match(text, match.end()):
            clocks.append(_clock(match, hour, minute))
    return sorted(clocks, key=lambda q: q.start)


@cache
def _clock_patterns(lang: str, spelled: bool) -> tuple[re.Pattern[str], ...]:
    """The clock phrases of ``lang`` with the hour in digits (or, ``spelled``, in words), each
    with the groups ``hour``, ``minute`` (digits), ``half``, ``past``, ``to``, ``evening``."""
    words = lexicon(lang)
    if words is None:
        return ()
    clock = words.clock
    hour = phrase_pattern(tuple(words.hour_words)) if spelled else r"\d{1,2}"
    if not hour:
        return ()
    hour = rf"(?P<hour>{hour})(?![\w.,]\d)"
    before = phrase_pattern(clock.get("before", ()))
    after = phrase_pattern(clock.get("after", ()))
    evening = phrase_pattern(clock.get("evening", ()))
    morning = phrase_pattern(clock.get("morning", ()))
    half, past, to = (phrase_pattern(clock.get(k, ())) for k in ("half_past", "quarter_past", "quarter_to"))
    minutes = phrase_pattern(clock.get("minutes_past", ()))
    oclock = phrase_pattern(clock.get("oclock", ()))
    day_part = (
        rf"(?:\s+(?:{after}))?\s+(?:(?P<evening>{evening})|{morning})(?!\w)" if evening and morning else None
    )
    patterns = []
    # "las 8 y media", "las 8 y cuarto", "las 9 menos cuarto", "las 8 y 20": the hour first.
    following = [f"(?P<half>{half})" if half else "", f"(?P<past>{past})" if past else "", f"(?P<to>{to})" if to else ""]
    if minutes and not spelled:
        following.append(rf"(?:{minutes})\s+(?P<minute>[0-5]?\d)(?!\d)")
    following = [f for f in following if f]
    if before and following:
        optional_day_part = f"(?:{day_part})?" if day_part else ""
        patterns.append(rf"\b(?:{before})\s+{hour}\s+(?:{'|'.join(following)})(?!\w){optional_day_part}")
    # "half past eight", "quarter to 9": the phrase first.
    leading = [f"(?P<half>{half})" if half else "", f"(?P<past>{past})" if past else "", f"(?P<to>{to})" if to else ""]
    leading = [f for f in leading if f]
    if leading:
        patterns.append(rf"(?<!\w)(?:{'|'.join(leading)})\s+{hour}(?!\w)")
    if oclock:
        patterns.append(rf"(?<![\w.,]){hour}\s+(?:{oclock})(?!\w)")
    if before and day_part:  # "a las 8 de la tarde", "at 8 in the evening"
        patterns.append(rf"\b(?:{before})\s+{hour}(?:[.:](?P<minute>[0-5]\d))?{day_part}")
    return tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)


def _phrase_clocks(text: str, lang: str, *, spelled: bool) -> list[Quantity]:
    """The times of day the clock phrases of ``lang`` write, with the hour in digits or, when
    ``spelled``, in words (and then noon and midnight too)."""
    words = lexicon(lang) if lang else None
    if words is None:
        return []
    found: list[Quantity] = []
    taken: set[int] = set()
    for pattern in _clock_patterns(words.lang, spelled):
        for match in pattern.finditer(text):
            if taken.intersection(range(match.start("hour"), match.end("hour"))):
                continue
            written = match.group("hour").lower()
            hour = words.hour_words[written] if spelled else int(written)
            if hour > 24:
                continue
            minute = int(match.group("minute")) if match.groupdict().get("minute") else 0
            if match.groupdict().get("half"):
                minute = 30
            elif match.groupdict().get("past"):
                minute = 15
            elif match.groupdict().get("to"):
                hour, minute = (hour - 1) % 24, 45
            if match.groupdict().get("evening") and hour < 12:
                hour += 12
            found.append(
                Quantity(hour + minute / 60, match.group(), match.start(), match.end(), (hour, minute), kind=CLOCK)
            )
            taken.update(range(match.start(), match.end()))
    if spelled:
        for name, hour in (("noon", 12), ("midnight", 0)):
            phrases = words.clock.get(name, ())
            if phrases:
                for match in re.finditer(rf"(?<!\w)(?:{phrase_pattern(phrases)})(?!\w)", text, re.IGNORECASE):
                    found.append(Quantity(float(hour), match.group(), match.start(), match.end(), (hour, 0), kind=CLOCK))
    return found


def _clock(match: re.Match[str], hour: int, minute: int) -> Quantity:
    return Quantity(hour + minute / 60, match.group(), match.start(), match.end(), (hour, minute), kind=CLOCK)


def find_spelled(text: str, lang: str) -> list[Quantity]:
    """Figures written in words ("dos", "twenty-one", "mil millones", "a billion", "siglo XIX",
    "two thirds"), as :class:`Quantity` marked ``spelled``. Over-generous on purpose: they only
    confirm."""
    words = NUMBER_WORDS.get(base_lang(lang), {})
    tokens = [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
    spelled = []
    i = 0
    while i < len(tokens):
        run = _number_word_run(tokens, i, words)
        if not run and tokens[i][0] in ARTICLES_OF_ONE:  # "a billion", "un millón"
            run = [tokens[i]] if _spelled_multiplier(text, tokens[i][2], lang) else []
        if not run:
            _, start, end = tokens[i]
            if roman := roman_value(text[start:end]):  # "siglo XIX"
                spelled.append(Quantity(float(roman), text[start:end], start, end, spelled=True))
            i += 1
            continue
        value = _words_value([word for word, _, _ in run], words)
        start, end = run[0][1], run[-1][2]
        multiplier = _spelled_multiplier(text, end, lang)
        if multiplier:
            value, end = value * multiplier[0], multiplier[1]
        spelled.append(Quantity(value, text[start:end], start, end, spelled=True))
        i += len(run)
        while i < len(tokens) and tokens[i][1] < end:  # the scale word just read
            i += 1
    # The words of a clock phrase ("media" in "las 8 y media", "eight" in "half past eight") are
    # read with it, by find_quantities.
    clocks = _phrase_clocks(text, lang, spelled=False) + _phrase_clocks(text, lang, spelled=True)
    spelled += _find_fractions(text, lang)
    spelled = [q for q in spelled if not any(c.start <= q.start and q.end <= c.end for c in clocks)]
    return sorted(spelled, key=lambda q: q.start)


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


def _spelled_multiplier(text: str, end: int, lang: str) -> tuple[float, int] | None:
    """A scale word of a million or more at ``end`` ("un millón", "a thousand million"): its
    factor and where it ends."""
    factor, factor_end = _multiplier_after(text, end, lang, currency=False)
    return (factor, factor_end) if factor >= 1e6 else None


@cache
def _fraction_pattern(lang: str) -> re.Pattern[str] | None:
    denominators = sorted(FRACTION_DENOMINATORS.get(lang, {}), key=len, reverse=True)
    if not denominators:
        return None
    numerators = "|".join(FRACTION_NUMERATORS.get(lang, {}))
    fraction = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in denominators)
    halves = "|".join(HALVES.get(lang, ()))
    return re.compile(
        rf"\b(?:(?P<numerator>{numerators})[\s-]+(?P<denominator>{fraction})|(?P<half>{halves}))\b",
        re.IGNORECASE,
    )


def _find_fractions(text: str, lang: str) -> list[Quantity]:
    """Fractions in words ("two thirds", "dos terceras partes", "la mitad"), which confirm a
    percentage."""
    lang = base_lang(lang)
    pattern = _fraction_pattern(lang)
    if pattern is None:
        return []
    fractions = []
    for match in pattern.finditer(text):
        if match["half"]:
            value = 0.5
        else:
            denominator = FRACTION_DENOMINATORS[lang][" ".join(match["denominator"].lower().split())]
            value = FRACTION_NUMERATORS[lang][match["numerator"].lower()] / denominator
        fractions.append(
            Quantity(value, match.group(), match.start(), match.end(), spelled=True, kind=FRACTION)
        )
    return fractions


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
    side; what remains on both sides is paired as changed figures, like with like first.
    """
    source_digits, target_digits = find_quantities(source, src_lang), find_quantities(target, tgt_lang)
    source_left, target_left = _match(source_digits, target_digits)
    source_left, _ = _match(source_left, find_spelled(target, tgt_lang))
    target_left, _ = _match(target_left, find_spelled(source, src_lang))
    return _pair_leftovers(source_left, target_left)


def _match(left: Sequence[Quantity], right: Sequence[Quantity]) -> tuple[list[Quantity], list[Quantity]]:
    """Pair equal figures, exact values before looser equalities, each figure of ``left`` with
    the first free one of ``right``; returns what stays unpaired."""
    left_over, right_over = list(left), list(right)
    for exact in (True, False):
        left_over, right_over = _match_once(left_over, right_over, exact=exact)
    return left_over, right_over


def _match_once(
    left: Sequence[Quantity], right: Sequence[Quantity], *, exact: bool
) -> tuple[list[Quantity], list[Quantity]]:
    """One round of :func:`_match`, through an index of ``right`` by key so that it stays linear."""
    index: dict[Hashable, list[int]] = defaultdict(list)
    for j, quantity in enumerate(right):
        for key in _keys(quantity, exact=exact, filed=True):
            index[key].append(j)
    first_free: dict[Hashable, int] = defaultdict(int)  # per key, where its free positions start
    taken: set[int] = set()
    unmatched = []
    for quantity in left:
        best = None
        for key in _keys(quantity, exact=exact, filed=False):
            positions, at = index.get(key, ()), first_free[key]
            while at < len(positions) and positions[at] in taken:
                at += 1
            first_free[key] = at
            if at == len(positions) or (best is not None and positions[at] >= best):
                continue
            other = right[positions[at]]
            if quantity.equals(other) if exact else quantity.same_as(other):
                best = positions[at]
        if best is None:
            unmatched.append(quantity)
        else:
            taken.add(best)
    return unmatched, [quantity for j, quantity in enumerate(right) if j not in taken]


def _keys(quantity: Quantity, *, exact: bool, filed: bool) -> Iterator[Hashable]:
    """Where ``quantity`` is filed in the index of its side (``filed``), or where it looks in the
    other side's: under its value, or when not ``exact`` under its readings and the partner of
    each looser equality of :meth:`Quantity.same_as` (a clock time and an hour, a year and its
    two last digits, a fraction and a percentage)."""
    clock = _clock_key(quantity)
    if quantity.clock is not None:
        if not exact:
            yield "clock", clock
            if not filed:
                yield "hour", clock
        return
    readings = (quantity.value,) if exact else quantity.readings
    for reading in readings:
        yield "value", _rounded(reading)
    if exact:
        return
    if clock is not None:
        yield ("hour" if filed else "clock"), clock
    for reading in readings:
        if _is_year(reading):
            yield ("year" if filed else "short"), reading % 100
        if _is_short_year(reading, quantity):
            yield ("short" if filed else "year"), reading
    if quantity.kind == FRACTION:
        for percent in _percent_keys(quantity.value):
            yield ("fraction" if filed else "percentage"), _rounded(percent)
    if quantity.kind == PERCENTAGE:
        yield ("percentage" if filed else "fraction"), _rounded(quantity.value)


def _rounded(value: float) -> float:
    """``value`` to seven significant digits: equal figures computed differently (1.35 * 1e9 and
    1350 * 1e6) get the same key."""
    return float(f"{value:.7g}")


# Leftover figures pair with their own kind first: a year with a year, not with the amount
# that happens to come next.
_PAIRING_KINDS = (YEAR, PERCENTAGE, AMOUNT, CLOCK)


def _pair_leftovers(source_left: Sequence[Quantity], target_left: Sequence[Quantity]) -> NumberComparison:
    """Pair the figures left on both sides as changed ones, each kind in order (years with
    years, percentages with percentages, amounts with amounts), then the rest in order; what
    stays unpaired is missing from or added to the translation."""
    pairs: list[tuple[int, int]] = []
    for kind in _PAIRING_KINDS:
        sources = [i for i, quantity in enumerate(source_left) if quantity.kind == kind]
        targets = [j for j, quantity in enumerate(target_left) if quantity.kind == kind]
        pairs += zip(sources, targets, strict=False)
    paired_sources, paired_targets = {i for i, _ in pairs}, {j for _, j in pairs}
    pairs += zip(
        [i for i in range(len(source_left)) if i not in paired_sources],
        [j for j in range(len(target_left)) if j not in paired_targets],
        strict=False,
    )
    paired_sources, paired_targets = {i for i, _ in pairs}, {j for _, j in pairs}
    return NumberComparison(
        tuple((source_left[i], target_left[j]) for i, j in sorted(pairs)),
        tuple(q for i, q in enumerate(source_left) if i not in paired_sources),
        tuple(q for j, q in enumerate(target_left) if j not in paired_targets),
    )


# A changed figure that looks like a classic slip (x10, x1000, a decimal mark, a year off by one)
# is an error. Any other changed figure is a warning: between two careful texts it is as often a
# correction, a rounding or a conversion as a mistake, but an editor must look.
SLIP_WEIGHT = 0.9
CHANGED_WEIGHT = 0.7
# The billion trap: "billón" is a million million, "billion" a thousand million, and translators
# on both sides fall for it ("2,4 billones" for 2.4 billion, "350 mil millones" for 350 million). A
# thousandfold difference that lies in such scale words alone is a warning: one of the texts is
# wrong, as often the source as the translation, and an editor must look.
BILLION_TRAP_WEIGHT = 0.6
# A figure changed otherwise where the pairing is sure (_confidently_paired): an error.
CONFIDENT_CHANGE_WEIGHT = 0.85
ONE_SIDED_WEIGHT = 0.4
WITHOUT_SLIP_CAP = 0.75
_BILLION_FAMILY = re.compile(
    r"\b(?:bill(?:ón|on|ones|ions?)|mil(?:es de)? millones|thousand millions?|millardos?)\b", re.IGNORECASE
)


def numbers(segment: Segment) -> Signal | None:
    """Figures of the source missing or changed in the translation, or added to it.

    ``value`` is the number of mismatches (a changed figure counts once). ``garble`` is 0.7 for
    a changed figure (0.9 when it looks like a decimal-mark, tenfold or off-by-one slip; 0.6 for
    the billion trap), 0.4 for a figure on one side only, plus 0.1 for each further
    mismatch, at most 0.75 without a slip. The span is the first
    wrong or added figure in the translation. None without a source.
    """
    if not segment.source or not segment.target:
        return None
    comparison = compare_numbers(segment.source, segment.target, segment.src_lang, segment.tgt_lang)
    if not comparison.count:
        return Signal("numbers", 0.0, 0.0, "the figures match the source")
    weights = [_changed_weight(s, t) for s, t in comparison.changed]
    weights += [ONE_SIDED_WEIGHT] * (len(comparison.missing) + len(comparison.added))
    garble = combine(weights)
    if weights == [CHANGED_WEIGHT] and _confidently_paired(segment, *comparison.changed[0]):
        garble = CONFIDENT_CHANGE_WEIGHT
    elif max(weights) < SLIP_WEIGHT:  # several figures that differ without a slip stay a warning
        garble = min(garble, WITHOUT_SLIP_CAP)
    wrong = [t for _, t in comparison.changed] + list(comparison.added)
    first = min(wrong, key=lambda q: q.start) if wrong else None
    return Signal(
        "numbers",
        float(comparison.count),
        garble,
        _explain(comparison),
        (first.start, first.end) if first else None,
    )


def _confidently_paired(segment: Segment, source: Quantity, target: Quantity) -> bool:
    """Whether a changed figure is surely the translation of the source's: the only figure that
    differs, of the same kind (a year for a year, a percentage for a percentage), in one sentence
    on each side, and, when the engine translated the source, a figure its translation carries
    too. Such a change is an error, not a divergence an editor may weigh."""
    assert segment.source is not None and segment.target is not None
    if source.kind != target.kind or _sentences(segment.source) > 1 or _sentences(segment.target) > 1:
        return False
    if segment.forward_translation is None:
        return True
    # The engine read the source's figure as qa did (a figure it drops or changes may be misread).
    return any(q.same_as(source) for q in find_quantities(segment.forward_translation, segment.tgt_lang))


# A sentence ends at a full stop, question or exclamation mark before a capital or an opening mark.
_SENTENCE_BREAK = re.compile(r"[.!?…][\"”»']?\s+[\"“«¿¡(]?[A-ZÁÉÍÓÚÑ]")


def _sentences(text: str) -> int:
    return 1 + len(_SENTENCE_BREAK.findall(text.strip()))


def _changed_weight(source: Quantity, target: Quantity) -> float:
    if _in_billion_trap(source, target):
        return BILLION_TRAP_WEIGHT
    return SLIP_WEIGHT if _is_slip(source, target) else CHANGED_WEIGHT


def _in_billion_trap(source: Quantity, target: Quantity) -> bool:
    """Whether two figures differ by a power of a thousand and one of them says it with a word
    of the billion family."""
    if source.value <= 0 or target.value <= 0:
        return False
    thousands = math.log10(target.value / source.value) / 3
    family = _BILLION_FAMILY.search(source.text) or _BILLION_FAMILY.search(target.text)
    return bool(family) and abs(thousands - round(thousands)) < 1e-9 and round(thousands) != 0


def _is_slip(source: Quantity, target: Quantity) -> bool:
    if source.value == 0 or target.value == 0:
        return False
    ratio = math.log10(target.value / source.value)
    off_by_one_year = 1900 <= source.value <= 2099 and abs(target.value - source.value) == 1
    return off_by_one_year or (abs(ratio - round(ratio)) < 1e-9 and round(ratio) != 0)


def _explain(comparison: NumberComparison) -> str:
    parts = [_explain_changed(s, t) for s, t in comparison.changed]
    parts += [f"the source's {q.text} is missing from the translation" for q in comparison.missing]
    parts += [f"the translation's {q.text} is not in the source" for q in comparison.added]
    return "; ".join(parts)


def _explain_changed(source: Quantity, target: Quantity) -> str:
    """A changed figure in words; two figures written alike but read differently by each
    language's conventions are told apart by their readings."""
    if source.text.strip() != target.text.strip():
        return f"the source has {source.text} but the translation has {target.text}"
    return (
        f"{target.text} reads as {_reading(source)} in the source but as {_reading(target)} in the translation"
    )


def _reading(quantity: Quantity) -> str:
    if quantity.clock is not None:
        return f"the time {quantity.clock[0]}:{quantity.clock[1]:02d}"
    return f"{quantity.value:,.10g}"


SPECS = (
    SignalSpec("numbers", numbers, "Numbers, dates or amounts that differ from the source", "check", label="numbers",
               needs=frozenset({"forward_translation"})),
)
