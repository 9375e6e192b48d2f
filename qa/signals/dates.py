"""Days and dates that do not survive translation: a weekday, a month, a day of the month or a
relative day ("ayer", "el próximo miércoles") of the source that the translation replaces with
another one ("miércoles" / "Thursday", "5 de mayo" / "May 6", "next Wednesday" / "last
Wednesday").

Each side is read with its own language's words (``qa/data/facts.<lang>.json``); dates may be
written in any order ("5 de mayo", "May 5", "5 May", "the 5th of May"). Only a replacement is
strong evidence: a translation may leave a weekday out or say "on Tuesday" for "ayer" without
being wrong, so a day on one side only is never more than a hint.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from qa.signals.base import Segment, Signal, SignalSpec
from qa.signals.lexicon import Lexicon, lexicon, phrase_pattern
from qa.signals.text import combine, fold_accents, opens_sentence, tokenize

WEEKDAY, MONTH, DATE, RELATIVE = "weekday", "month", "date", "relative day"
CHANGED_WEIGHT = 0.9  # a day, month or date replaced by another: an error
WHEN_CHANGED_WEIGHT = 0.7  # "next Wednesday" for "el pasado miércoles": the same day, another week
ONE_SIDED_WEIGHT = 0.2  # on one side only: a hint, below any check's floor
_DAY_NUMBER = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|º|°)?"


@dataclass(frozen=True, slots=True)
class Mention:
    """A weekday, month, date or relative day found in a text. ``value`` is the weekday (0 for
    Monday), the month (1 for January) or the day's offset from today (-1 for yesterday);
    ``days`` the day of the month of a date (both ends of a range); ``when`` -1, 0 or +1 for "last", "this" and
    "next" before or after a weekday."""

    kind: str
    value: int
    text: str
    start: int
    end: int
    days: tuple[int, ...] = ()
    when: int | None = None


def find_mentions(text: str, lang: str, other: str | None = None) -> list[Mention]:
    """The weekdays, months (with their day, when a date gives one) and relative days of
    ``text`` in ``lang``, in order; empty for a language qa has no words for. ``other`` is the
    other side of the segment: a capitalised word it holds as it is ("May" in "Theresa May")
    is a name there, not a month."""
    words = lexicon(lang)
    if words is None or not text:
        return []
    mentions = []
    tokens = tokenize(text)
    for index, token in enumerate(tokens):
        weekday, month = words.weekday(token.text), _month(words, text, token.text, token.end)
        if weekday is None and month is None:
            continue
        if not _is_calendar_word(words, text, tokens, index, other):
            continue
        if weekday is not None:
            mentions.append(Mention(WEEKDAY, weekday, token.text, token.start, token.end, when=_when(words, text, tokens, index)))
        elif month is not None:
            mentions.append(_with_day(words, text, Mention(MONTH, month, token.text, token.start, token.end)))
    mentions += _relative_days(words, text)
    return sorted(mentions, key=lambda m: m.start)


def _month(words: Lexicon, text: str, word: str, end: int) -> int | None:
    """The month ``word`` names; an abbreviation ("Aug.") only with its point."""
    month = words.month(word)
    if month is None and end < len(text) and text[end] == ".":
        month = words.month(word + ".")
    return month


def _is_calendar_word(words: Lexicon, text: str, tokens: Sequence, index: int, other: str | None) -> bool:
    """Whether the weekday or month word at ``tokens[index]`` is one, not a name ("Plácido
    Domingo", "Theresa May", "Mayo Clinic") nor a verb ("they may", "March on")."""
    token = tokens[index]
    capitalised = token.is_capitalised
    starts = opens_sentence(text, token.start)
    if words.calendar_words_are_lowercase:
        # "el domingo" is a day; "Domingo" inside a sentence is a name.
        return not capitalised or starts or token.text.isupper()
    if not capitalised:
        return False
    if other and re.search(rf"(?<!\w){re.escape(token.text)}(?!\w)", other):
        return False  # the other side keeps the word as it is: a name
    if fold_accents(token.key) in words.ambiguous_calendar_words:
        next_is_figure = re.match(r"\s*\d", text[token.end :]) is not None
        previous = tokens[index - 1] if index > 0 else None
        after_name = previous is not None and previous.is_capitalised and not opens_sentence(text, previous.start)
        before_figure = re.search(r"\d\s*(?:st|nd|rd|th)?\s*(?:of\s+)?$", text[max(0, token.start - 8) : token.start])
        if next_is_figure or before_figure:
            return True
        return not starts and not after_name and previous is not None and previous.key in ("in", "of", "since", "until", "last", "next", "early", "late", "mid", "by", "from", "this", "through")
    return True


def _when(words: Lexicon, text: str, tokens: Sequence, index: int) -> int | None:
    """-1, 0 or +1 for "last", "this" or "next" just before or after the weekday at ``index``."""
    before = " ".join(t.key for t in tokens[max(0, index - 2) : index])
    after = tokens[index + 1].key if index + 1 < len(tokens) else ""
    for when, phrases in ((1, words.next_words), (-1, words.last_words), (0, words.this_words)):
        for phrase in phrases:
            if re.search(rf"(?:^|\s){re.escape(phrase)}$", before):
                return when
            # "el lunes pasado": Spanish puts it after the day too (never "this").
            if when and after == phrase and text[tokens[index].end : tokens[index + 1].start].isspace():
                return when
    return None


def _with_day(words: Lexicon, text: str, month: Mention) -> Mention:
    """A month mention with the day of the month written before or after it, in any order
    ("5 de mayo", "May 5", "5 May", "the 5th of May"), and the first day of a range ("del 16
    al 20 de noviembre", "November 16 to 20") as another day of it."""
    joiners = phrase_pattern(words.date_joiners)
    joined = rf"(?:\s+(?:{joiners}))*" if joiners else ""
    window = text[max(0, month.start - 40) : month.start]
    before = re.search(rf"(?:{_DAY_NUMBER.replace('day', 'first')}{_RANGE})?(?<![\d.,]){_DAY_NUMBER}{joined}\s+$", window, re.IGNORECASE)
    if before and 1 <= int(before.group("day")) <= 31:
        start = month.start - len(window) + before.start("day")
        days = _days(before.group("first"), before.group("day"))
        return Mention(DATE, month.value, text[start : month.end], start, month.end, days=days)
    after = re.match(rf"\.?\s+{_DAY_NUMBER}(?![\d.,]\d|\d)(?:{_RANGE}{_DAY_NUMBER.replace('day', 'second')}(?!\d))?", text[month.end :], re.IGNORECASE)
    if after and 1 <= int(after.group("day")) <= 31 and not re.match(r"\s*\d{3}", text[month.end + after.end("day") :]):
        end = month.end + after.end("day")
        days = _days(after.group("day"), after.group("second"))
        return Mention(DATE, month.value, text[month.start : end], month.start, end, days=days)
    return month


# What joins the two days of a range: "16 y el 20", "16 al 20", "16-20", "16 to 20".
_RANGE = r"\s*(?:-|–|y\s+el|y|al|a|to|and|until|through)\s*(?:the\s+)?"


def _days(*written: str | None) -> tuple[int, ...]:
    return tuple(int(day) for day in written if day is not None and 1 <= int(day) <= 31)


def _relative_days(words: Lexicon, text: str) -> list[Mention]:
    """ "hoy", "ayer", "pasado mañana", "yesterday": relative days, longest phrase first; "la
    mañana" (the morning) is none."""
    if not words.relative_days:
        return []
    pattern = re.compile(rf"(?<!\w)(?:{phrase_pattern(tuple(words.relative_days))})(?!\w)", re.IGNORECASE)
    found = []
    for match in pattern.finditer(text):
        phrase = " ".join(match.group().lower().split())
        previous = re.search(r"(\w+)\s+$", text[max(0, match.start() - 20) : match.start()])
        if previous and previous.group(1).lower() in words.relative_day_not_after.get(phrase, frozenset()):
            continue
        found.append(Mention(RELATIVE, words.relative_days[phrase], match.group(), match.start(), match.end()))
    return found


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A day of the source that the translation replaced (``target`` set) or left out."""

    source: Mention | None
    target: Mention | None
    weight: float


def compare_mentions(source: Sequence[Mention], target: Sequence[Mention]) -> list[Mismatch]:
    """Weekdays, months, dates and relative days of the source with no equal in the target,
    paired in order with those of the target that have none in the source."""
    mismatches: list[Mismatch] = []
    for kinds in ((WEEKDAY,), (MONTH, DATE), (RELATIVE,)):
        left = [m for m in source if m.kind in kinds]
        right = [m for m in target if m.kind in kinds]
        if kinds == (MONTH, DATE):
            mismatches += _compare_dates(left, right)
            continue
        missing = _without(left, right)
        added = _without(right, left)
        for before, after in zip(missing, added, strict=False):
            mismatches.append(Mismatch(before, after, CHANGED_WEIGHT))
        mismatches += [Mismatch(m, None, ONE_SIDED_WEIGHT) for m in missing[len(added) :]]
        if kinds == (WEEKDAY,):
            mismatches += _changed_week(left, right)
    return mismatches


def _without(mentions: Sequence[Mention], others: Sequence[Mention]) -> list[Mention]:
    """The ``mentions`` whose value ``others`` lacks, each value counted as often as it occurs."""
    available = Counter(m.value for m in others)
    left = []
    for mention in mentions:
        if available[mention.value]:
            available[mention.value] -= 1
        else:
            left.append(mention)
    return left


def _compare_dates(source: Sequence[Mention], target: Sequence[Mention]) -> list[Mismatch]:
    """Months replaced by others, and days of the month changed within the same month."""
    mismatches = []
    missing, added = _without(source, target), _without(target, source)
    for before, after in zip(missing, added, strict=False):
        mismatches.append(Mismatch(before, after, CHANGED_WEIGHT))
    mismatches += [Mismatch(m, None, ONE_SIDED_WEIGHT) for m in missing[len(added) :]]
    for mention in source:
        if not mention.days:
            continue
        same_month = [m for m in target if m.value == mention.value and m.days]
        if same_month and not any(set(m.days) & set(mention.days) for m in same_month):
            mismatches.append(Mismatch(mention, same_month[0], CHANGED_WEIGHT))
    return mismatches


def _changed_week(source: Sequence[Mention], target: Sequence[Mention]) -> list[Mismatch]:
    """The same weekday said of another week: "el próximo miércoles" / "last Wednesday"."""
    mismatches = []
    for mention in source:
        if mention.when not in (-1, 1):
            continue
        opposite = [m for m in target if m.value == mention.value and m.when == -mention.when]
        if opposite and not any(m.value == mention.value and m.when == mention.when for m in target):
            mismatches.append(Mismatch(mention, opposite[0], WHEN_CHANGED_WEIGHT))
    return mismatches


def dates(segment: Segment) -> Signal | None:
    """Weekdays, months, dates and relative days of the source that the translation replaces
    with others.

    ``value`` is the number of mismatches; ``garble`` is 0.9 for a day, month, date or relative
    day replaced by another, 0.7 for a weekday moved to another week ("next" / "last"), 0.2 for
    one the translation leaves out, plus 0.1 for each further mismatch of 0.3 or more. The span
    is the first replacement in the translation. None without a source, or for a language pair
    qa has no words for.
    """
    if not segment.source or not segment.target:
        return None
    if lexicon(segment.src_lang) is None or lexicon(segment.tgt_lang) is None:
        return None
    source = find_mentions(segment.source, segment.src_lang, segment.target)
    target = find_mentions(segment.target, segment.tgt_lang, segment.source)
    mismatches = compare_mentions(source, target)
    if not mismatches:
        return Signal("dates", 0.0, 0.0, "the days and dates match the source")
    replaced = [m.target for m in mismatches if m.target is not None]
    span = (replaced[0].start, replaced[0].end) if replaced else None
    explanation = "; ".join(_explain(m, segment.tgt_lang) for m in sorted(mismatches, key=lambda m: -m.weight)[:2])
    return Signal("dates", float(len(mismatches)), combine([m.weight for m in mismatches]), explanation, span)


def _explain(mismatch: Mismatch, tgt_lang: str) -> str:
    source, target = mismatch.source, mismatch.target
    assert source is not None
    said = f"'{source.text}'"
    meaning = _in_language(source, tgt_lang)
    if meaning and fold_accents(meaning) != fold_accents(source.text):
        said += f" ({meaning})"
    if target is None:
        return f"the source's {said} is not in the translation"
    if source.kind == target.kind == WEEKDAY and source.value == target.value and source.when and target.when:
        return (
            f"the source says {_WEEK[source.when]} {meaning or source.text} but the translation says "
            f"{_WEEK[target.when]} {target.text}"
        )
    return f"the source says {said} but the translation says '{target.text}'"


_WEEK = {1: "next", -1: "last"}


def _in_language(mention: Mention, lang: str) -> str | None:
    """How ``lang`` names a weekday or month mention (a date's month with its day)."""
    words = lexicon(lang)
    if words is None:
        return None
    if mention.kind == WEEKDAY:
        return words.weekdays[mention.value].capitalize()
    if mention.kind in (MONTH, DATE):
        month = words.months[mention.value - 1][0].capitalize()
        return f"{month} {mention.days[-1]}" if mention.days else month
    return None


SPECS = (
    SignalSpec("dates", dates, "Weekdays, months, dates or relative days that differ from the source", "check", label="days and dates"),
)
