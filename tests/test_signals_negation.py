"""Negation dropped or added, judged through the engine's translations (qa.signals.negation).

The engine's translations are written here by hand, as Apertium gives them, so the rules are
tested on their own; tests/test_facts.py runs the real engine. Then a clause negated twice, as
Spanish does (qa.signals.negation.double_negative), which needs no source."""

from __future__ import annotations

import pytest

from qa.signals.base import Segment
from qa.signals.negation import SPECS, double_negative, dropped, negation, negations
from tests.conftest import CLEAN_RATE, clean_english_fire_rate


def pair(source: str, target: str, forward: str | None, back: str | None) -> Segment:
    return Segment(source, target, "es", "en", back_translation=back, forward_translation=forward)


def test_each_negation_is_tied_to_the_word_it_negates():
    assert [(n.token.text, n.head) for n in negations("The deputy did not present amendments.", "en")] == [
        ("not", "prese"),
    ]
    assert [(n.token.text, n.head) for n in negations("Nunca dijo nada.", "es")] == [("Nunca", "dijo"), ("nada", "")]


@pytest.mark.parametrize(
    "text",
    [
        "Sin embargo, llegó tarde.",  # a fixed phrase: "however"
        "No solo llegó tarde, sino que se fue pronto.",  # "not only ... but"
        "No representan más que el 11% de los votantes.",  # "no ... más que" is "only"
        "Ni el alcalde ni su esposa.",  # "ni" joins what another word negates
        "El expediente AP/SIN/CLN se cerró.",  # a code in capitals
    ],
)
def test_fixed_phrases_limits_and_codes_are_not_negations(text):
    assert negations(text, "es") == []


def test_a_dropped_negation_needs_the_word_used_plainly_and_fewer_negations():
    negated = "The deputy did not present amendments."
    assert dropped(negated, "The deputy presented several amendments.", "en").head == "prese"
    # Still negated, reworded with a negation, or not using the word: nothing dropped.
    assert dropped(negated, "The deputy did not present any amendments.", "en") is None
    assert dropped(negated, "The deputy submitted no amendments.", "en") is None
    assert dropped(negated, "No amendments came from the deputy.", "en") is None
    # A negative prefix or suffix keeps the negation: "sin contacto" / "contactless".
    assert dropped("They pay without contact.", "They pay by contactless card.", "en") is None
    assert dropped("It is not clear.", "It remains unclear.", "en") is None


def test_the_issue_example_is_a_dropped_negation():
    signal = negation(pair(
        "El diputado no presentó enmiendas al proyecto.",
        "The deputy presented several amendments to the bill.",
        "The deputy did not present amendments to the project.",
        "El diputado presentó varias enmiendas a la factura.",
    ))
    assert signal.value == 1 and 0.55 <= signal.garble < 0.8
    assert signal.explanation == (
        "the source is negated (the engine says 'not present') but the translation says 'presented' without a negation"
    )
    assert signal.span == (11, 20)


def test_an_added_negation_is_flagged_at_the_negation():
    target = "The deputy did not present amendments to the bill."
    signal = negation(pair(
        "El diputado presentó enmiendas al proyecto.",
        target,
        "The deputy presented amendments to the project.",
        "El diputado no presentó enmiendas a la factura.",
    ))
    assert signal.value == -1 and signal.garble >= 0.55
    assert target[signal.span[0] : signal.span[1]] == "not"


def test_a_rephrased_negation_raises_nothing():
    signal = negation(pair(
        "Llegaron sin dinero y no encontraron trabajo.",
        "They arrived penniless and found no work.",
        "They arrived without money and did not find work.",
        "Llegaron sin un duro y no encontraron trabajo.",
    ))
    assert signal.garble == 0


def test_one_direction_alone_is_not_enough():
    # The English comparison sees a dropped negation, but the Spanish one does not (the
    # back-translation keeps it): a rephrasing the engine understood.
    signal = negation(pair(
        "No hubo presión de los jugadores.",
        "There was pressure from the players.",
        "There was not pressure of the players.",
        "No hubo presión de los jugadores.",
    ))
    assert signal.garble == 0


def test_negation_needs_both_translations_and_a_source():
    assert negation(pair("No vino.", "He came.", None, None)) is None  # engine none: not judged
    assert negation(Segment(None, "He came.", "es", "en")) is None
    assert [spec.name for spec in SPECS] == ["negation", "double_negative"]


# --- a clause negated twice ----------------------------------------------------------------------


def english(text: str) -> Segment:
    return Segment(None, text, "es", "en")


@pytest.mark.parametrize(
    ("text", "negations"),
    [
        ("“I will not accept that not a single drop of blood is spilled,” he said.", "not accept that not a single"),
        ("The minister did not say nothing about the port.", "not say nothing"),
        ("The firms didn't have no choice.", "n't have no"),
        ("He has never met nobody from the council.", "never met nobody"),
    ],
)
def test_a_clause_negated_twice_is_flagged(text, negations):
    signal = double_negative(english(text))
    assert signal.garble == 0.7 and signal.value == 1
    assert text[signal.span[0] : signal.span[1]] == negations


@pytest.mark.parametrize(
    "text",
    [
        "She would not rule out that no agreement is reached.",  # a clause of its own
        "It does not matter since nobody wanted the extra work.",
        "The advisers are not elected and have no mandate.",
        "Telling them not to do it is no good.",  # "no" far from the verb "not" goes with
        "You cannot win no matter what.",  # fixed phrases
        "It was not for nothing that he left.",
        "They did not come, and nobody else did.",  # a comma ends the clause
        "There is no longer any doubt.",
    ],
)
def test_english_that_negates_again_in_a_clause_of_its_own_is_not_flagged(text):
    assert double_negative(english(text)).garble == 0


def test_double_negative_reads_english_only():
    assert double_negative(Segment(None, "No dijo nada.", "en", "es")) is None


def test_clean_english_news_almost_never_negates_twice():
    fired, total = clean_english_fire_rate(double_negative)
    assert total > 5000 and fired <= CLEAN_RATE * total
