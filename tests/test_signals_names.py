"""Proper names present on one side only."""

from __future__ import annotations

import pytest

from qa.signals.base import Segment
from qa.signals.names import (
    SPECS,
    acronym_present,
    find_names,
    is_acronym,
    look_alike,
    names,
)


def es_en(source: str, target: str) -> Segment:
    return Segment(source=source, target=target, src_lang="es", tgt_lang="en")


def test_names_found_in_a_sentence():
    text = "Ayer la portavoz, Marta Ribas Soler, habló con el FBI y con Luis de la Fuente en EE. UU."
    found = {name.text: name for name in find_names(text, "es")}
    assert set(found) == {"Marta Ribas Soler", "FBI", "Luis de la Fuente", "EE. UU."}
    assert found["Marta Ribas Soler"].size == 3
    assert found["EE. UU."].acronym and found["EE. UU."].words == ("EEUU",)
    assert find_names("Según fuentes oficiales, nada cambia.", "es") == []  # sentence start is not a name


def test_acronyms_and_look_alikes():
    assert is_acronym("FBI") and is_acronym("EE. UU.") and not is_acronym("XIX") and not is_acronym("G20")
    assert acronym_present("OTAN", ["NATO"])
    assert acronym_present("ONU", ["the", "UN"])
    assert acronym_present("FED", ["the", "Fed"])
    assert acronym_present("NY", ["Nueva", "York"])
    assert acronym_present("ONG", ["non-governmental", "organisation"])
    assert not acronym_present("FBI", ["the", "federal", "police"])
    assert (
        look_alike("nacional", "national") and look_alike("londres", "london") and look_alike("jose", "jose")
    )
    assert not look_alike("sanidad", "health")


def test_a_dropped_person_name_fires():
    signal = names(
        es_en("La portavoz, Marta Ribas Soler, anunció un recurso.", "The spokeswoman announced an appeal.")
    )
    assert signal.garble >= 0.5
    assert signal.value == 1
    assert signal.explanation == "the source's 'Marta Ribas Soler' is not in the translation"
    assert signal.span is None  # nothing in the translation to point at


def test_a_name_from_nowhere_fires_and_is_highlighted():
    target = "The spokeswoman, John Miller, announced an appeal."
    signal = names(es_en("La portavoz anunció un recurso.", target))
    assert signal.garble >= 0.5
    assert target[signal.span[0] : signal.span[1]] == "John Miller"


def test_a_dropped_acronym_is_weaker_evidence():
    signal = names(es_en("El FBI abrió una investigación.", "The federal police opened an investigation."))
    assert 0 < signal.garble < 0.5
    assert "'FBI'" in signal.explanation


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("El alcalde, José Pérez, habló ayer.", "The mayor, Jose Perez, spoke yesterday."),
        ("El plan de Ana Gómez fue aprobado.", "Ana Gómez's plan was approved."),
        ("El FBI y la OTAN se reunieron.", "The FBI and NATO met."),
        ("La ONU pidió calma en EE. UU.", "The United Nations called for calm in the U.S."),
        (
            "Según fuentes del Ministerio del Interior, el plan sigue.",
            "According to Interior Ministry sources, the plan goes on.",
        ),
        ("Firmó con la Guardia Nacional Republicana.", "It signed with the Republican National Guard."),
        ("El Ministerio de Sanidad evaluará la vacuna.", "The Ministry of Health will assess the vaccine."),
        ("El partido será el sábado 15 de febrero.", "The match will be on Saturday 15 February."),
        (
            "La consejera de Medio Ambiente pidió ahorrar agua.",
            "The environment minister asked people to save water.",
        ),
        ("Visitó Londres y Sevilla.", "She visited London and Seville."),
        ("Ocurrió en el siglo XIX.", "It happened in the 19th century."),
        ("Enseñó su carné de identidad.", "She showed her ID card."),
    ],
)
def test_names_kept_or_translated_as_expected_do_not_fire(source, target):
    assert names(es_en(source, target)).garble < 0.5


def test_a_name_facing_an_unmatched_name_may_be_its_translation():
    signal = names(es_en("Visitaron la Ciudad Prohibida.", "They visited the Forbidden City."))
    assert signal.garble < 0.5


def test_names_need_a_source():
    assert names(Segment(None, "John Miller spoke.", "es", "en")) is None
    assert names(es_en("Habló.", "He spoke.")).garble == 0
    assert [spec.name for spec in SPECS] == ["names"]
