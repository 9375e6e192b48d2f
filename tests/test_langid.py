"""Language identification among the pair's languages."""

from __future__ import annotations

import pytest

from qa.corpus.model import Block, Role, Sentence
from qa.langid import (
    candidates_with,
    identify,
    identify_beside_names,
    identify_block,
    is_language_code,
    language_spans,
    looks_like_name,
    warm_up,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("El gobierno aprobó ayer la reforma de las pensiones.", "es"),
        ("The government approved the pension reform yesterday.", "en"),
        ("Los dos países firman un acuerdo de seguridad", "es"),
        ("More in Sports", "en"),
    ],
)
def test_identifies_spanish_and_english(text, expected):
    assert identify(text, ("es", "en")) == expected


@pytest.mark.parametrize("text", ["", "   ", "1999-2001", "OK", "María Luisa Ortega", "Hola"])
def test_too_short_names_or_uncertain_is_none(text):
    assert identify(text, ("es", "en")) is None


def test_candidates_restrict_the_answer():
    french = "Le gouvernement a approuvé hier la réforme des retraites."
    assert identify(french, ("fr", "en")) == "fr"
    assert identify("The government approved the reform yesterday.", ("fr", "en")) == "en"


def test_fewer_than_two_known_candidates_is_none():
    assert identify("The government approved the reform.", ("en",)) is None
    assert identify("The government approved the reform.", ("en", "xx")) is None


def test_language_spans_find_an_untranslated_passage():
    text = (
        "The mayor explained that the vote had been very important for both countries. "
        "Sin embargo, el gobierno de Marruecos todavía no ha confirmado la fecha de la visita. "
        "Then the delegation left the building."
    )
    spans = language_spans(text, ("es", "en"))
    assert [span.lang for span in spans] == ["en", "es", "en"]
    spanish = spans[1]
    assert "gobierno de Marruecos" in text[spanish.start : spanish.end]
    for span in spans:
        assert text[span.start : span.end] == text[span.start : span.end].strip()


def test_language_codes():
    assert is_language_code("es") and is_language_code("EN")
    assert not is_language_code("xx") and not is_language_code("js")


def test_looks_like_name():
    assert looks_like_name("María Luisa Ortega")
    assert not looks_like_name("La reunión de Rabat")


def test_candidates_with_keeps_order_without_repeats():
    assert candidates_with("en", ("es", "en")) == ("en", "es")


def test_identify_block_sets_block_and_sentence_languages():
    text = "Marruecos y Estados Unidos firman nuevos acuerdos de seguridad."
    block = Block(Role.BODY, text, 0, len(text), (Sentence(text, 0, len(text)),))
    identified = identify_block(block, "en", ("en", "es"))
    assert identified.lang == "es"
    assert identified.sentences[0].lang == "es"
    byline = Block(Role.BYLINE, "María Luisa Ortega", 0, 18, (Sentence("María Luisa Ortega", 0, 18),))
    assert identify_block(byline, "en", ("en", "es")).lang == "en"


@pytest.mark.parametrize("candidates", [("es", "en"), ("es", "xx"), ("en",)])
def test_warming_up_ends_and_changes_no_answer(candidates):
    before = identify("El gobierno aprobó ayer el presupuesto.", candidates)
    thread = warm_up(candidates)
    thread.join(timeout=60)
    assert not thread.is_alive() and thread.daemon  # a run never waits for it to exit
    assert identify("El gobierno aprobó ayer el presupuesto.", candidates) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # names of one language in a headline of the other: the other words decide
        ("Ana María Rodríguez Fernández to open two Ramón Llull schools in Túnez", "en"),
        ("José Luis Martínez Gómez will visit the Instituto Cervantes of Valparaíso", "en"),
        ("Los ministros Pérez y Gómez se reúnen por segunda vez en Sevilla", "es"),
        # too few other words: the whole text decides
        ("Reunión de Alto Nivel Chile-Perú: Declaración Final", "es"),
    ],
)
def test_names_are_set_aside(text, expected):
    assert identify_beside_names(text, ("es", "en")) == expected


def test_a_headline_full_of_spanish_names_reads_as_spanish_without_setting_them_aside():
    # what identify_beside_names is for: the plain identification is misled by the names
    text = "Ana María Rodríguez Fernández to open two Ramón Llull schools in Túnez"
    assert identify(text, ("es", "en")) == "es"


def test_identify_block_sets_names_aside():
    text = "José Luis Martínez Gómez will visit the Instituto Cervantes of Valparaíso"
    block = Block(Role.HEADLINE, text, 0, len(text), (Sentence(text, 0, len(text)),))
    identified = identify_block(block, "en", ("en", "es"))
    assert identified.lang == "en" and identified.sentences[0].lang == "en"
