"""Intrinsic garble signals: repetition, circular names, oscillation and length ratio."""

from __future__ import annotations

import pytest

from qa.signals.base import Segment
from qa.signals.intrinsic import SPECS, circular_name, length_ratio, oscillation, repetition
from qa.signals.text import combine, is_content_word, tokenize
from qa.signals.untranslated import untranslated

SIGNALS = {spec.name: spec.function for spec in SPECS}
TARGET_ONLY = {
    **{name: SIGNALS[name] for name in ("repetition", "circular_name", "oscillation")},
    "untranslated": untranslated,
}


def english(text: str, source: str | None = None) -> Segment:
    return Segment(source=source, target=text, src_lang="es", tgt_lang="en")


def spanish(text: str) -> Segment:
    return Segment(source=None, target=text, src_lang="en", tgt_lang="es")


def test_registry_names_the_signals():
    assert [spec.name for spec in SPECS] == ["repetition", "circular_name", "oscillation", "length_ratio"]
    for name, function in SIGNALS.items():
        signal = function(english("The council met on Monday.", "El consejo se reunió el lunes."))
        assert signal is not None and signal.name == name


def test_tokens_keep_compounds_and_offsets():
    text = "The mayor's Directorate-General met 19-year-old players."
    tokens = tokenize(text)
    assert [t.text for t in tokens] == [
        "The",
        "mayor's",
        "Directorate-General",
        "met",
        "19-year-old",
        "players",
    ]
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert tokens[1].key == "mayor"


def test_content_words_have_a_generic_fallback():
    [long_word, short_word] = tokenize("Wasserplan und")
    assert is_content_word(long_word, "de") and not is_content_word(short_word, "de")
    [function_word, noun] = tokenize("the reservoir")
    assert not is_content_word(function_word, "en") and is_content_word(noun, "en")


# --- repetition -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Officials will audit the accounts of accounts before the summer.", "accounts"),
        ("The mayor called for the renovation of the renovation of the old market.", "renovation"),
        ("The unions asked both parties to consider talks on both parties.", "both parties"),
        ("The city approved a new water plan with a new water plan for farms.", "new water plan"),
        ("The museum will reopen the museum museum in May.", "museum"),
    ],
)
def test_repetition_fires_on_garbled_repeats(text, phrase):
    signal = repetition(english(text))
    assert signal.garble >= 0.5
    assert signal.value >= 1
    start, end = signal.span
    assert text[start:end] == phrase
    assert start > text.index(phrase)  # the second occurrence is the one highlighted
    assert phrase in signal.explanation


@pytest.mark.parametrize(
    "text",
    [
        "Prices went up step by step, year after year, and summer after summer.",
        "The match was played minute by minute, side by side, face to face.",
        "Little by little, one by one, the villagers came back day after day.",
        "The Minister of Justice and the Minister of Defence met in Lisbon.",
        "The plan covers solar panels and solar farms in the south.",
        "The report looks at the safety of citizens, and safety comes first, said the report's author.",
        "It is the best of the best, the organisers said.",
        "She said again, again and again that she would not resign.",
        "We will save water in every home and in every field.",
    ],
)
def test_repetition_ignores_idioms_and_parallel_structure(text):
    assert repetition(english(text)).garble < 0.5


@pytest.mark.parametrize(
    "text",
    [
        "The match was played at the municipal sports centre, in the sports centre of the town.",
        "The council approved the water plan, and the water plan will cost millions.",
        "Prices in the euro zone, he said, and growth in the euro zone are both falling.",
    ],
)
def test_a_phrase_of_two_content_words_said_again_in_one_sentence_is_flagged(text):
    # Punctuation or "and" between the two copies does not make them parallel structure: a list
    # repeats single words, rarely two content words in a row.
    signal = repetition(english(text))
    assert 0.5 <= signal.garble < 0.8
    assert signal.explanation.endswith("appears twice")


@pytest.mark.parametrize(
    "text",
    [
        "Madrid is growing, and Madrid will keep growing, the mayor said.",  # a name said twice
        "The Minister of Justice and the Minister of Finance met.",  # one content word in the phrase
        "He visited the Valdeoro Sports Centre, then the Valdeoro Sports Centre annex.",  # a name
    ],
)
def test_a_name_or_a_single_word_said_twice_is_not_a_repeated_phrase(text):
    assert repetition(english(text)).garble < 0.5


def test_a_word_said_twice_close_by_is_weak_evidence():
    signal = repetition(english("The plant produces nuclear fuel and nuclear waste for export."))
    assert 0 < signal.garble < 0.5


# Severities an editor would give: a double or an "X of X" is an error (garble >= 0.8), a content
# phrase said again further on at most a warning, one word with its article said again nothing.
@pytest.mark.parametrize(
    ("text", "least", "most"),
    [
        ("The plan will the plan will have a budget of two million.", 0.8, 1.0),
        ("Talks between the United States United States and Morocco resumed.", 0.8, 1.0),
        ("A security guard from a security agency found the bag.", 0.0, 0.45),
        ("She took the early train to catch the early ferry.", 0.0, 0.45),
        ("The harbour master closed the harbour at dawn.", 0.0, 0.45),
        ("I don't sign what I don't read.", 0.0, 0.45),
        ("The new water plan was approved in May by the council that wrote the new water plan.", 0.5, 0.7),
        # "X of X" is an error, unless the second X modifies the noun after it.
        ("They counted the losses of losses in the market.", 0.8, 1.0),
        ("The cost of cost overruns worried the board.", 0.0, 0.45),
        ("It is the favourite lake of lake swimmer Ana Ruiz.", 0.0, 0.45),
        # Punctuation between them: the second X modifies nothing.
        ("They spoke on the security of security: a test.", 0.8, 1.0),
    ],
)
def test_repetition_severity_matches_what_an_editor_sees(text, least, most):
    assert least <= repetition(english(text)).garble <= most


def test_a_repeat_the_source_makes_too_is_faithful():
    text = "What is cheap here is cheap there."
    assert repetition(english(text)).garble >= 0.8
    faithful = repetition(english(text, source="Lo que es barato aquí es barato allí."))
    assert faithful.garble <= 0.25
    # A double stays an error whatever the source says.
    double = "The museum will reopen the museum museum in May."
    assert repetition(english(double, source="El museo y el museo reabrirán en mayo.")).garble >= 0.8


def test_a_name_around_of_is_left_to_circular_name():
    text = "We agree, said Ana Ferrer of Ferrer Logistics."
    assert repetition(english(text)).garble == 0
    assert circular_name(english(text)).garble >= 0.7
    source = "Estamos de acuerdo, dijo Ana Ferrer, de Ferrer Logistics."
    assert circular_name(english(text, source=source)).garble <= 0.25


def test_repetition_counts_each_suspicious_repeat():
    text = "The review of review looked at links linked to costs and prices linked to costs."
    signal = repetition(english(text))
    assert signal.value >= 2
    assert signal.garble > 0.85  # the strongest plus something for the other


def test_repetition_in_spanish():
    assert (
        repetition(spanish("El ayuntamiento revisará las pérdidas de las pérdidas este año.")).garble >= 0.5
    )
    assert repetition(spanish("Los precios subieron paso a paso, año tras año y poco a poco.")).garble == 0


def test_repetition_in_a_language_without_word_lists():
    def italian(text: str) -> Segment:
        return Segment(None, text, "es", "it")

    assert (
        repetition(italian("Il comune approva il nuovo piano idrico con il nuovo piano idrico.")).garble
        >= 0.5
    )
    assert repetition(italian("È stato un anno molto, molto difficile.")).garble == 0  # emphasis
    assert (
        repetition(italian("Il sindaco e il vicesindaco del comune e del porto.")).garble == 0
    )  # short words


def test_no_target_no_signal():
    assert repetition(Segment("Hola.", None, "es", "en")) is None


def test_combine_adds_a_little_for_each_other_piece():
    assert combine([]) == 0
    assert combine([0.4]) == 0.4
    assert combine([0.4, 0.35, 0.1]) == pytest.approx(0.5)
    assert combine([0.9, 0.8, 0.7]) == 1.0


# --- circular names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "repeated"),
    [
        ("Sources at the Water Agency of the Agency for Water said the plan is ready.", "Water"),
        ("The Health Department for the Department of Health published the figures.", "Department"),
        ("The Office of the Regional Tourism Office of Tourism opens on Monday.", "Office"),
        ("The Coastal Railway Company for the Coastal Railway of Marbella bought six trains.", "Railway"),
    ],
)
def test_circular_name_fires(text, repeated):
    signal = circular_name(english(text))
    assert signal.garble >= 0.5
    assert repeated in signal.explanation
    start, end = signal.span
    assert repeated in text[start:end] and text[start].isupper()


@pytest.mark.parametrize(
    "text",
    [
        "The Director of the National Institute of Statistics of the Republic of Chile resigned.",
        "The Ministry of the Interior said the border would stay open.",
        "The Directorate-General for National Security of the Ministry of the Interior and Portugal's "
        "General Secretariat of the Internal Security System signed the plan.",
        "Boutros Boutros-Ghali visited the Bank of Spain on Friday.",
        "Real Madrid and Real Sociedad drew at the Santiago Bernabéu Stadium.",
    ],
)
def test_circular_name_leaves_normal_names_alone(text):
    assert circular_name(english(text)).garble == 0


def test_only_modifiers_repeated_is_weak():
    signal = circular_name(english("The National Council of the National Front met on Sunday."))
    assert 0 < signal.garble < 0.5


def test_title_case_headlines_are_discounted():
    headline = circular_name(english("Water Board Of The Water Agency Warns Of Cuts Across The Region"))
    sentence = circular_name(english("The Water Board of the Water Agency warned of cuts across the region."))
    assert headline.garble < 0.5 <= sentence.garble


def test_circular_name_in_spanish():
    signal = circular_name(
        spanish("La Dirección General de la Dirección de Tráfico abrió una investigación.")
    )
    assert signal.garble >= 0.5


# --- oscillation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unit", "copies"),
    [
        ("The results will be published in the the the report.", "the", 3),
        ("Fans will travel to the next match of the match of the match of the match.", "of the match", 3),
        ("They said that the talks will continue continue continue continue next week.", "continue", 4),
    ],
)
def test_oscillation_finds_loops(text, unit, copies):
    signal = oscillation(english(text))
    assert signal.garble >= 0.8
    assert signal.value == copies
    assert f"'{unit}'" in signal.explanation
    start, end = signal.span
    assert text[start:end].endswith(unit.split()[-1])


@pytest.mark.parametrize(
    "text",
    [
        '"No, no, no," the coach said.',
        "It was a very, very long night.",
        "The the report is late.",  # a doubled word is a typo, not a loop
        "Prices rose year after year after year.",
    ],
)
def test_oscillation_ignores_emphasis_and_doubles(text):
    assert oscillation(english(text)).garble == 0


# --- length ratio ---------------------------------------------------------------------------------

SOURCE = (
    "Los efectos adversos fueron leves en su mayoría: dolor de cabeza, cansancio y, en algunos "
    "casos, fiebre durante menos de un día."
)


def test_length_ratio_needs_a_source():
    assert length_ratio(english("Side effects were mild.")) is None


def test_length_ratio_of_a_faithful_translation_is_near_zero():
    target = (
        "Side effects were mostly mild: headache, tiredness and, in some cases, fever for less than a day."
    )
    signal = length_ratio(english(target, SOURCE))
    assert abs(signal.value) < 0.3
    assert signal.garble == 0


def test_length_ratio_flags_omission_and_addition():
    short = length_ratio(english("Side effects were mostly mild.", SOURCE))
    assert short.value < -0.7 and short.garble >= 0.5
    assert "shorter" in short.explanation
    long_target = " ".join(["The figures were confirmed by the ministry on Monday."] * 6)
    long = length_ratio(english(long_target, "El ministerio confirmó las cifras el lunes."))
    assert long.value > 0.7 and long.garble == 1.0
    assert "longer" in long.explanation


def test_length_ratio_expects_a_pair_specific_ratio():
    text = "a" * 100
    known = length_ratio(Segment(text, "b" * 90, "es", "en"))
    unknown = length_ratio(Segment(text, "b" * 90, "fi", "sv"))
    assert abs(known.value) < 1e-9
    assert unknown.value < 0


# --- the brief's sample page (../shared, read at run time) -----------------------------------------


def test_sample_page_garbled_lines_fire_and_ok_lines_do_not(sample_labels):
    by_label: dict[str, list[str]] = {}
    for record in sample_labels:
        by_label.setdefault(record["label"], []).append(record["text"])
    assert by_label["garbled"] and by_label["ok"]
    for text in by_label["garbled"]:
        segment = english(text)
        strongest = max(repetition(segment).garble, circular_name(segment).garble)
        assert strongest >= 0.5, text
    for text in by_label["ok"]:
        segment = english(text)
        fired = {name: f(segment).garble for name, f in TARGET_ONLY.items() if f(segment).garble >= 0.5}
        assert not fired, (text, fired)
    for text in by_label.get("untranslated", []):
        assert untranslated(english(text)).garble == 1.0
