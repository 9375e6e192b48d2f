"""literal_name and article_pronoun: names translated word for word, and the Spanish article read as
a pronoun, on English text of a Spanish original, without the source. Every text here is made up."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from qa.signals import compute_signals
from qa.signals.base import Segment
from qa.signals.literal import (
    SPECS,
    article_pronoun,
    literal_forms,
    literal_institutions,
    literal_name,
    literal_surnames,
    named_surname_renderings,
    spanish_names,
)
from tests.conftest import CLEAN_RATE, clean_english_fire_rate

LISTED = json.loads(resources.files("qa.data").joinpath("literal_names.json").read_text(encoding="utf-8"))
NAMES = json.loads(resources.files("qa.data").joinpath("spanish_names.json").read_text(encoding="utf-8"))


def english(text: str, back_translation: str | None = None, src_lang: str = "es") -> Segment:
    return Segment(None, text, src_lang, "en", back_translation=back_translation)


# --- outlets, parties and institutions -----------------------------------------------------------

LITERAL_CASES = [
    (entry["name"], form, entry.get("cue"))
    for entry in LISTED["names"]
    for form in [*entry.get("literal", ()), *entry.get("literal_after_cue", ())]
]
ACCEPTED_CASES = [(entry["name"], form) for entry in LISTED["names"] for form in entry.get("accepted", ())]


def test_every_listed_name_says_what_it_is_and_how_english_news_writes_it():
    for entry in LISTED["names"]:
        assert entry["name"].strip() and entry["what"].startswith("the ")
        assert entry.get("literal") or entry.get("literal_after_cue") or entry.get("accepted")
        assert ("literal_after_cue" in entry) == ("cue" in entry)
        assert entry.get("cue", "press") in LISTED["cues"]
    assert len(literal_forms()) == len(LITERAL_CASES)


@pytest.mark.parametrize(("name", "form", "cue"), LITERAL_CASES)
def test_each_listed_rendering_is_flagged_naming_the_established_name(name, form, cue):
    before = {"press": "the daily", "party": "the party leader of"}.get(cue, "a report in")
    text = f"On Tuesday, {before} {form} said the talks would go on until the spring."
    signal = literal_name(english(text))
    assert signal.garble == 1.0 and signal.value == 1
    assert text[signal.span[0] : signal.span[1]] == form
    assert f"'{form}'" in signal.explanation and f"English news calls it {name}" in signal.explanation


@pytest.mark.parametrize(("name", "form"), ACCEPTED_CASES)
def test_an_established_english_name_is_not_flagged(name, form):
    text = f"On Tuesday, a report in the {form} said the talks would go on until the spring."
    assert literal_name(english(text)).garble == 0


@pytest.mark.parametrize(
    "text",
    [
        "The World Bank raised its forecast for the region on Monday.",  # part of a longer name
        "Across The Country Music Awards, the winners thanked their fans.",
        "Yes We Can was the slogan of the 2008 campaign.",
        "How We Can Stop The World From Warming",  # a title-case headline
        "According to the Spanish government, the reform is ready.",  # ordinary English
        "The Spanish newspaper ran the story on its front page.",
        "The Civil Guard closed the road after the storm.",
        "He stood in the vanguard of the reform and in the country at large.",
        "She said she can attend, and the party can too.",
    ],
)
def test_ordinary_english_is_not_a_rendering(text):
    assert literal_institutions(text) == []


def test_a_rendering_that_is_ordinary_english_needs_its_cue():
    assert literal_institutions("Sources at The Spanish said the plan was ready.") == []
    [hit] = literal_institutions("The digital newspaper The Spanish said the plan was ready.")
    assert "El Español" in hit.explanation
    assert literal_institutions("He asked what they Can do.") == []
    [hit] = literal_institutions("The leader of Can, Ana Ruiz, voted against.")
    assert "Podemos" in hit.explanation


def test_a_rendering_of_a_distinct_word_counts_in_a_title_case_headline_too():
    assert literal_institutions("Minister Tells Chain SER Radio Nothing")[0].explanation.startswith("'Chain SER'")
    assert literal_institutions("Minister Tells The Country Nothing New") == []


# --- surnames ---------------------------------------------------------------------------------------

RENDERINGS = [(surname, form) for surname, forms in NAMES["surname_renderings"].items() for form in forms]


@pytest.mark.parametrize(("surname", "form"), RENDERINGS)
def test_each_listed_surname_rendering_after_a_spanish_given_name_is_flagged(surname, form):
    text = f"Yesterday Joaquín {form} told reporters that the plan was ready."
    signal = literal_name(english(text))
    assert text[signal.span[0] : signal.span[1]] == f"Joaquín {form}"
    assert surname in signal.explanation
    # A rendering that is an English surname too may be the person's own name: a warning, not an error.
    assert signal.garble == (0.7 if form in NAMES["english_surnames"] else 0.9)


def test_the_given_names_are_spanish_and_the_lists_hold_what_the_renderings_name():
    names = spanish_names()
    assert {"Pedro", "José", "Begoña"} <= names.given and "David" not in names.given
    assert all(surname in NAMES["surnames"] for surname, _ in RENDERINGS)
    assert set(NAMES["english_surnames"]) <= {form for _, form in RENDERINGS}


def test_a_second_given_name_or_an_initial_may_stand_between():
    [hit] = literal_surnames("The former minister José Luis Shoemaker spoke first.")
    assert hit.explanation.startswith("'José Luis Shoemaker'") and "Zapatero" in hit.explanation
    [hit] = literal_surnames("Lucía M. Oaks chaired the session.")
    assert "Robles" in hit.explanation


@pytest.mark.parametrize(
    "text",
    [
        "Pedro Thompson, a British engineer, led the team.",  # a real English surname, not a rendering
        "Carmen Harris and Javier Robinson signed the letter.",
        "The Santa María Church was full on Sunday.",  # a saint's name, a place
        "Mass was held at San Pedro Church.",
        "David White and Laura Brown chaired the panel.",  # English given names
        "Pedro Sánchez met the king on Monday.",  # lowercase common noun after the name
        "Pedro Castle Street is closed for repairs.",  # part of a longer name
    ],
)
def test_real_surnames_saints_and_english_names_are_not_flagged(text):
    assert literal_surnames(text) == []


def test_a_second_surname_after_the_rendering_does_not_hide_it():
    [hit] = literal_surnames("Juan Manuel Brown Bonilla won the regional election.")
    assert hit.garble == 0.7 and "Moreno or Pardo" in hit.explanation


def test_the_back_translation_shows_a_surname_the_list_does_not_render():
    # "Notary" is listed, "Clerk" is not: the engine's back-translation gives the surname back.
    text = "Ignacio Clerk presented the report to the committee."
    assert literal_surnames(text) == []
    [hit] = literal_surnames(text, "Ignacio Escribano presentó el informe al comité.")
    assert hit.garble == 0.7 and "Escribano" in hit.explanation
    # The same word kept as it is, or a surname the text already has, is no rendering.
    assert literal_surnames(text, "Ignacio Clerk presentó el informe al comité.") == []
    assert literal_surnames("Ignacio Sánchez presented it.", "Ignacio Sánchez lo presentó.") == []
    # Occurrences that cannot be paired (the engine dropped one) say nothing.
    assert literal_surnames("Ignacio Clerk and Ignacio Ruiz met.", "Ignacio Escribano se reunió.") == []


def test_a_rendering_of_a_surname_the_page_names_is_flagged():
    earlier = ("The brothers Tomás and Luis Escribano run the family firm.",)
    text = "The Notaries have had to pledge all their shares with the bank."
    [hit] = named_surname_renderings(text, earlier)
    assert text[hit.start : hit.end] == "Notaries" and hit.garble == 0.7 and "Escribano" in hit.explanation
    signal = literal_name(Segment(None, text, "es", "en", preceding_targets=earlier))
    assert signal.garble == 0.7 and text[signal.span[0] : signal.span[1]] == "Notaries"


@pytest.mark.parametrize(
    ("text", "earlier"),
    [
        ("The Notaries have had to pledge their shares.", ()),  # the page names no Escribano
        ("Notaries pledged their shares.", ("Luis Escribano spoke.",)),  # a sentence's first word
        ("The White House said so.", ("Ana Blanco spoke.",)),  # an English surname too; a longer name
        ("The notaries pledged their shares.", ("Luis Escribano spoke.",)),  # not capitalised
    ],
)
def test_a_rendering_needs_the_surname_on_the_page_and_a_capital_inside_the_sentence(text, earlier):
    assert named_surname_renderings(text, earlier) == []


def test_literal_name_applies_to_english_from_spanish_only():
    text = "Pedro Duke and the editors of The Country met in Madrid."
    signal = literal_name(english(text))
    assert signal.value == 2 and signal.garble == 1.0
    assert text[signal.span[0] : signal.span[1]] == "The Country"  # the surer hit
    assert literal_name(english(text, src_lang="fr")) is None
    assert literal_name(Segment("texto", None, "es", "en")) is None
    assert literal_name(english("The council met on Monday.")).value == 0


# --- the article read as a pronoun ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "garble"),
    [
        ("He Congress of Ruritania dismissed the president after a brief trial.", 0.9),
        ("She Ministry of Health announced new rules on Friday.", 0.9),
        ("He El Faro Award recognises the work of young poets.", 1.0),
        ("• “He La Palma Prize went to a novel this year.", 1.0),
    ],
)
def test_a_spanish_article_read_as_a_pronoun(text, garble):
    signal = article_pronoun(english(text))
    assert signal.garble == garble and signal.value == 1
    assert text[signal.span[0] : signal.span[1]].split()[0] in {"He", "She"}
    assert "pronoun" in signal.explanation


@pytest.mark.parametrize(
    "text",
    [
        "He said the Congress would vote on Friday.",
        "She Told Reporters The Plan Was Ready",  # a title-case headline
        "He Jiankui presented his results in Hong Kong.",  # a Chinese surname before a given name
        "It was the Congress that voted.",
        "He I think was right.",
        "Then He Congress of Ruritania met.",  # not the sentence's first word
        "He EU rules apply.",
    ],
)
def test_a_pronoun_opening_an_ordinary_sentence_is_not_flagged(text):
    assert article_pronoun(english(text)).garble == 0


def test_the_checks_are_registered_and_run_on_a_segment():
    assert [spec.name for spec in SPECS] == ["literal_name", "article_pronoun"]
    signals = compute_signals(english("He Congress asked the astronaut Pedro Duke about the report in The Country."))
    assert signals["literal_name"].garble == 1.0 and signals["article_pronoun"].garble == 0.9


@pytest.mark.parametrize("name", ('literal_name', 'article_pronoun'))
def test_clean_english_news_almost_never_fires(name):
    """Every sentence of the English side of both newstest years, as a page without a source."""
    fired, total = clean_english_fire_rate(next(spec.function for spec in SPECS if spec.name == name))
    assert total > 5000 and fired <= CLEAN_RATE * total
