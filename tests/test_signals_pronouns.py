"""pronoun_gender: a man's pronoun where the sentences before speak of a woman only, as machine
translation of Spanish (which leaves the subject out) writes it. Every text here is made up."""

from __future__ import annotations

import pytest

from qa.signals import compute_signals
from qa.signals.base import Segment
from qa.signals.pronouns import SPECS, pronoun_gender
from tests.conftest import CLEAN_RATE, clean_english_fire_rate


def english(text: str, before: tuple[str, ...] = (), src_lang: str = "es") -> Segment:
    return Segment(None, text, src_lang, "en", preceding_targets=before)


@pytest.mark.parametrize(
    "before",
    [
        ("Minister Begoña Larra opened the fair on Monday.", "The fair fills two halls."),
        ("The fair fills two halls.", "More exhibitors will come, she said."),
        ("The spokeswoman of the port spoke to reporters.",),
        ("Mrs Ferrer was re-elected in May.",),
    ],
)
def test_he_after_mentions_of_a_woman_only(before):
    text = "He described the event as the most important of the year."
    signal = pronoun_gender(english(text, before))
    assert signal.garble == 0.7 and signal.value == 1
    assert text[signal.span[0] : signal.span[1]] == "He" and "woman" in signal.explanation


@pytest.mark.parametrize(
    "before",
    [
        ("Begoña Larra met the mayor, Tomás Vidal.", "She thanked him."),  # a man named too
        ("Begoña Larra said the robbers had fled. He was caught later.",),  # "he" already used
        ("She met the harbour master, Olek Brzęcki.",),  # a name of unknown sex
        ("She met John at the harbour.",),  # a common English given name
        ("The port was closed on Monday.",),  # nobody mentioned
        ("Minister Begoña Larra opened the fair.", "The fair fills two halls.", "It was late."),  # too far back
    ],
)
def test_a_man_or_a_person_of_unknown_sex_before_it_raises_nothing(before):
    assert pronoun_gender(english("He described the event as a success.", before)).garble == 0


def test_only_a_sentence_opening_on_he_and_only_english_from_spanish():
    before = ("She opened the fair.",)
    assert pronoun_gender(english("The fair, he said, was a success.", before)).garble == 0
    assert pronoun_gender(english("He said it was a success.", before, src_lang="fr")) is None
    heading = Segment(None, "He opens the fair", "es", "en", preceding_targets=before, heading=True)
    assert pronoun_gender(heading).garble == 0


def test_the_check_is_registered_and_runs_on_a_segment():
    assert [spec.name for spec in SPECS] == ["pronoun_gender"]
    signals = compute_signals(english("He thanked the staff.", ("Minister Begoña Larra visited the port.",)))
    assert signals["pronoun_gender"].garble == 0.7


def test_clean_english_news_almost_never_fires():
    fired, total = clean_english_fire_rate(pronoun_gender)
    assert total > 5000 and fired <= CLEAN_RATE * total
