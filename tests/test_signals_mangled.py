"""lost_accent, joined_words, lowercase_start and dangling_end: text damaged on its way to an
English page (a letter lost with its accent, a space lost, a sentence's start lost, a sentence cut
off). Every text here is made up."""

from __future__ import annotations

import pytest

from qa.signals import compute_signals
from qa.signals.base import Segment
from qa.signals.mangled import SPECS, dangling_end, joined, joined_words, lost_accent, lowercase_start, restored
from tests.conftest import CLEAN_RATE, clean_english_fire_rate


def english(text: str, preceding: tuple[str, ...] = (), src_lang: str = "es") -> Segment:
    return Segment(None, text, src_lang, "en", preceding_targets=preceding)


# --- a letter lost with its accent -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "word", "fixed"),
    [
        ("Hctor Gimeno won the prize for theatre.", "Hctor", "Héctor"),
        ("The jury praised Luca Valds for her novel.", "Valds", "Valdés"),
        ("Ramn Ibarra and his band closed the festival.", "Ramn", "Ramón"),
        ("The prize for young poesa went to a student.", "poesa", "poesía"),
    ],
)
def test_a_word_that_lost_its_accented_letter(text, word, fixed):
    signal = lost_accent(english(text))
    assert signal.garble == 0.7 and signal.value == 1
    assert text[signal.span[0] : signal.span[1]] == word
    assert f"'{fixed}'" in signal.explanation


@pytest.mark.parametrize(
    "text",
    [
        "Mara Bayona and Luca Pinto opened the show.",  # names in their own right
        "The riots in Jos left many dead.",  # a city, and too short to judge alone
        "Olli Rehn spoke for the Commission.",  # "rehén" is a Spanish word, "Rehn" a name
        "The sofa and the pea soup were cold.",  # English words
        "José, Raúl and Inés arrived on time.",  # accents in place
        "Jose Ramirez and Ruben Dario wrote it.",  # accent marks dropped, letters kept: usual in English
    ],
)
def test_names_and_words_that_lost_nothing_are_not_flagged(text):
    assert lost_accent(english(text)).garble == 0


def test_once_the_page_shows_the_damage_shorter_names_count():
    damaged_before = ("Hctor Gimeno won the prize for theatre.",)
    text = "Jos Abreu and Zo Pardo read their poems."
    assert lost_accent(english(text)).garble == 0  # alone, too short to tell
    signal = lost_accent(english(text, damaged_before))
    assert signal.value == 2 and text[signal.span[0] : signal.span[1]] == "Jos"
    assert "'José'" in signal.explanation and "(and 1 more)" in signal.explanation
    # A short name with no capitalised word beside it is not read as one.
    assert lost_accent(english("The riots in Jos left many dead.", damaged_before)).garble == 0
    assert lost_accent(english(text, ("The prize went to a theatre group.",))).garble == 0


def test_restoration_needs_a_spanish_source_and_enough_letters():
    assert restored("Hctor") == "héctor" and restored("Rehn") is None
    assert restored("Jos") is None and restored("Sofa") is None
    assert lost_accent(english("Hctor Gimeno won.", src_lang="fr")) is None
    assert lost_accent(Segment(None, "Hctor Gimeno won.", "es", "de")) is None


# --- words run together ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "left", "right"),
    [
        ("The tests will end before the close of 2031at the northern range.", "2031", "at"),
        ("It is the first KORMANa drone built in the country.", "KORMAN", "a"),
        ("The plan runs until 2030and then stops.", "2030", "and"),
        ("Sales rose in 2019while costs fell.", "2019", "while"),
    ],
)
def test_words_run_together(text, left, right):
    signal = joined_words(english(text))
    assert signal.garble == 0.7 and signal.value == 1
    assert text[signal.span[0] : signal.span[1]] == f"{left}{right}"
    assert f"'{left} {right}'" in signal.explanation


@pytest.mark.parametrize(
    "text",
    [
        "The 3rd stage is 180km long and starts at 10am.",
        "In the 1990s, NGOs and CEOs met in 24h sessions.",
        "The pressure reached 5 MPa, and the ATPase was measured.",
        "A 55in screen and a 4x4 car.",
        "The UN and NATO met in 2024.",
    ],
)
def test_units_ordinals_plurals_and_spaced_words_are_not_joined(text):
    assert joined(text) == []
    assert joined_words(english(text)).garble == 0


# --- a sentence cut off --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["NATO lists for the first time the risks in the", "The minister thanked the mayor and.", "He sold his car to their"],
)
def test_a_sentence_that_ends_on_an_article_or_a_conjunction(text):
    signal = dangling_end(english(text))
    assert signal.garble == 0.7 and text[signal.span[0] : signal.span[1]] in {"the", "and", "their"}


@pytest.mark.parametrize(
    "text",
    [
        "What are they afraid of?",  # a preposition may end a sentence
        "She gave the book to her.",
        "They wanted a vitamin A",
        "Plan B.",
        "It is the end of an era.",
    ],
)
def test_a_sentence_that_ends_on_a_full_word_is_not_flagged(text):
    assert dangling_end(english(text)).garble == 0


# --- a sentence that opens in lowercase ------------------------------------------------------------


def test_a_sentence_that_opens_in_lowercase_after_a_full_stop():
    text = "if the ministry approve the budget for next year, army of Ruritania take a big step."
    signal = lowercase_start(english(text, preceding=("The port of Vela was closed on Monday.",)))
    assert signal.garble == 0.7 and signal.value == 1
    assert text[signal.span[0] : signal.span[1]] == "if" and "'if'" in signal.explanation
    assert lowercase_start(english(text)).garble == 0.7  # the page's first sentence too


@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("and invested in a freight railway as well.", "He buys shares in companies he understands,"),
        ("de Vega said the port would reopen on Friday.", "The port was closed."),  # a name's particle
        ("iPhone sales rose again in the spring.", "Markets were calm."),  # a capital inside the word
        ("“and then we left the harbour at dawn.", "It was late."),  # a quote goes on
        ("- more money for the harbour and the docks.", "The plan has two parts:"),  # a list item
        ("the end", "It was late."),  # too short, and no final mark
    ],
)
def test_continuations_particles_brands_quotes_and_list_items_are_not_flagged(text, before):
    assert lowercase_start(english(text, preceding=(before,))).garble == 0


def test_a_heading_in_lowercase_is_not_judged():
    segment = Segment(None, "why the port of Vela closed its doors.", "es", "en", heading=True)
    assert lowercase_start(segment).garble == 0


def test_the_checks_are_registered_and_run_on_a_segment():
    assert [spec.name for spec in SPECS] == ["lost_accent", "joined_words", "lowercase_start", "dangling_end"]
    signals = compute_signals(english("Hctor Gimeno will test it in 2031at the range and"))
    assert {signals[name].garble for name in ("lost_accent", "joined_words", "dangling_end")} == {0.7}
    assert joined_words(Segment(None, "Probado en 2031at", "en", "es")) is None


@pytest.mark.parametrize("name", ('lost_accent', 'joined_words', 'lowercase_start', 'dangling_end'))
def test_clean_english_news_almost_never_fires(name):
    """Every sentence of the English side of both newstest years, as a page without a source."""
    fired, total = clean_english_fire_rate(next(spec.function for spec in SPECS if spec.name == name))
    assert total > 5000 and fired <= CLEAN_RATE * total
