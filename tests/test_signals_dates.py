"""Weekdays, months, dates and relative days compared across languages (qa.signals.dates)."""

from __future__ import annotations

import pytest

from qa.signals.base import Segment
from qa.signals.dates import DATE, MONTH, RELATIVE, SPECS, WEEKDAY, dates, find_mentions
from qa.signals.lexicon import lexicon


def es_en(source: str, target: str) -> Segment:
    return Segment(source=source, target=target, src_lang="es", tgt_lang="en")


def test_each_language_reads_its_own_days_months_and_dates_in_any_order():
    spanish = find_mentions("El lunes 5 de mayo, y ayer, del 16 al 20 de noviembre.", "es")
    assert [(m.kind, m.value, m.days) for m in spanish] == [
        (WEEKDAY, 0, ()), (DATE, 5, (5,)), (RELATIVE, -1, ()), (DATE, 11, (16, 20)),
    ]
    english = find_mentions("On Monday, May 5, and on 6 June and the 7th of July, then in August.", "en")
    assert [(m.kind, m.value, m.days) for m in english] == [
        (WEEKDAY, 0, ()), (DATE, 5, (5,)), (DATE, 6, (6,)), (DATE, 7, (7,)), (MONTH, 8, ()),
    ]


def test_names_and_verbs_are_not_days_or_months():
    # A capitalised Spanish day inside a sentence is a name; English "may" and "march" are verbs
    # unless the context makes them months; a word the other side keeps as it is is a name.
    assert find_mentions("Cantó Plácido Domingo en la gala.", "es") == []
    assert find_mentions("They may march to the square.", "en") == []
    assert find_mentions("He said May would resign.", "en", other="Dijo que May dimitiría.") == []
    assert [m.value for m in find_mentions("It happened in May, on May 3.", "en")] == [5, 5]


@pytest.mark.parametrize(
    ("source", "target", "explanation"),
    [
        ("La votación será el miércoles.", "The vote will be on Thursday.",
         "the source says 'miércoles' (Wednesday) but the translation says 'Thursday'"),
        ("Se aprobó en mayo.", "It was approved in June.", "the source says 'mayo' (May) but the translation says 'June'"),
        ("Se firmó el 5 de mayo.", "It was signed on May 6.",
         "the source says '5 de mayo' (May 5) but the translation says 'May 6'"),
        ("Llegará mañana.", "He arrived yesterday.", "the source says 'mañana' but the translation says 'yesterday'"),
    ],
)
def test_a_day_or_date_replaced_by_another_is_an_error(source, target, explanation):
    signal = dates(es_en(source, target))
    assert signal.garble >= 0.8
    assert signal.explanation == explanation
    assert target[signal.span[0] : signal.span[1]] in explanation


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("La votación será el miércoles.", "The vote will be on Wednesday."),
        ("Se firmó el 5 de mayo de 2012.", "It was signed on May 5, 2012."),
        ("Se firmó el 5 de mayo de 2012.", "It was signed on 5 May 2012."),
        ("Se firmó el 5 de mayo de 2012.", "It was signed on the 5th of May 2012."),
        ("El festival será del 16 al 20 de noviembre.", "The festival runs from November 16 to 20."),
        ("Llegará el próximo miércoles.", "He will arrive next Wednesday."),
        ("Llegó ayer por la mañana.", "He arrived yesterday morning."),
        ("Se reunieron por la mañana.", "They met in the morning."),  # "la mañana" is not tomorrow
    ],
)
def test_the_same_day_in_either_language_raises_nothing(source, target):
    assert dates(es_en(source, target)).garble == 0


def test_what_is_only_left_out_or_reworded_stays_below_any_flag():
    # "ayer" may be "on Tuesday" in English news, and a weekday may be left out.
    assert dates(es_en("Llegó ayer.", "He arrived on Tuesday.")).garble < 0.5
    assert dates(es_en("Llegó el martes.", "He arrived.")).garble < 0.5


def test_the_same_weekday_of_another_week_is_a_warning():
    signal = dates(es_en("Llegará el próximo miércoles.", "He arrived last Wednesday."))
    assert 0.55 <= signal.garble < 0.8
    assert signal.explanation == "the source says next Wednesday but the translation says last Wednesday"


def test_dates_need_a_source_and_words_for_both_languages():
    assert dates(Segment(None, "On Monday.", "es", "en")) is None
    assert dates(Segment("El lunes.", "Am Montag.", "es", "de")) is None  # no German words: no check
    assert lexicon("de") is None and lexicon("es-ES") is lexicon("es")
    assert [spec.name for spec in SPECS] == ["dates"]
