"""Proper names present on one side only."""

from __future__ import annotations

import pytest

from qa.signals.base import Segment
from qa.signals.names import (
    SPECS,
    acronym_present,
    changed_name,
    find_names,
    is_acronym,
    look_alike,
    names,
    same_name_word,
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
    assert [spec.name for spec in SPECS] == ["names", "changed_name"]


# --- names changed ----------------------------------------------------------------------------------


def with_engine(source: str, target: str, forward: str | None) -> Segment:
    return Segment(source, target, "es", "en", forward_translation=forward)


SPOKESWOMAN = "La portavoz del grupo municipal, Clara Martín, explicó ayer la propuesta del gobierno local."
SPOKESWOMAN_ENGINE = "The spokeswoman of the municipal group, Clara Martín, explained yesterday the proposal of the local government."


@pytest.mark.parametrize(
    ("source", "target", "forward", "said"),
    [
        (SPOKESWOMAN, "The municipal group's spokeswoman, Clara Ruiz, explained the local government's proposal yesterday.",
         SPOKESWOMAN_ENGINE, "the source's 'Clara Martín' is 'Clara Ruiz' in the translation"),
        # Rendered word for word: the engine copies the surname, the translation turns it into a word.
        ("El astronauta español Pedro Duque viajó ayer a la estación espacial.",
         "The Spanish astronaut Pedro Duke travelled to the space station yesterday.",
         "The Spanish astronaut Pedro Duque travelled yesterday to the space station.",
         "the source's 'Pedro Duque' is 'Pedro Duke' in the translation"),
        # The opening word of a sentence belongs to the name it starts.
        ("Bill Gates, su fundador, es un amigo íntimo del presidente.",
         "The founder, Bill Davies, is a close friend of the president.",
         "Bill Gates, his founder, is an intimate friend of the president.",
         "the source's 'Bill Gates' is 'Bill Davies' in the translation"),
    ],
)
def test_a_name_with_a_word_replaced_is_an_error(source, target, forward, said):
    signal = changed_name(with_engine(source, target, forward))
    assert signal.garble >= 0.8
    assert signal.explanation == said
    assert target[signal.span[0] : signal.span[1]] in said
    # Without the engine's translation the same change is a warning.
    assert 0.55 <= changed_name(with_engine(source, target, None)).garble < 0.8


@pytest.mark.parametrize(
    ("source", "target", "forward"),
    [
        (SPOKESWOMAN, "The municipal group's spokeswoman, Clara Martín, explained the local government's proposal yesterday.",
         SPOKESWOMAN_ENGINE),
        # Spellings of one name: accents, transliteration, a given name in its English form.
        ("El líder soviético Nikita Jruschov visitó ayer la ciudad de Varsovia.",
         "The Soviet leader Nikita Khrushchev visited the city of Warsaw yesterday.",
         "The Soviet leader Nikita Jruschov visited yesterday the city of Warsaw."),
        ("La reina Isabel Tudor recibió ayer a los embajadores en el palacio.",
         "Queen Elizabeth Tudor received the ambassadors at the palace yesterday.",
         "The queen Isabel Tudor received yesterday to the ambassadors in the palace."),
        # A name the engine translates may be translated; a place's adjective is not a change.
        ("Los soldados llegaron ayer a Costa de Marfil tras el acuerdo de paz.",
         "The soldiers arrived in Ivory Coast yesterday after the peace agreement.",
         "The soldiers arrived yesterday to Ivory Coast after the agreement of peace."),
        ("El mejor jugador de Puerto Rico firmó ayer con el equipo local.",
         "The best Puerto Rican player signed with the local team yesterday.",
         "The best player of Puerto Rico signed yesterday with the local team."),
        # Institutions and titles are translated, and a headline's capitals prove nothing.
        ("El Ministerio de Sanidad Pública publicó ayer el informe anual.",
         "The Ministry of Public Health published the annual report yesterday.",
         "The Ministry of Public Health published yesterday the annual report."),
    ],
)
def test_a_name_kept_or_spelt_the_other_language_s_way_is_no_change(source, target, forward):
    assert changed_name(with_engine(source, target, forward)).garble == 0


def test_transliterated_spellings_are_one_name_but_short_words_are_not_stretched():
    assert same_name_word("jruschov", "khrushchev") and same_name_word("yanukovich", "yanukovych")
    assert not same_name_word("martin", "party") and not same_name_word("duque", "duke")


def test_a_person_inside_an_institution_s_name_is_compared_too():
    source = "Mientras tanto, el Gobierno de Tomás Ferrer no baja la guardia ante los mercados."
    target = "Meanwhile, the Government of Tomás Galindo does not lower its guard before the markets."
    forward = "Meanwhile, the Government of Tomás Ferrer does not lower the guard before the markets."
    signal = changed_name(with_engine(source, target, forward))
    assert signal.garble == 0.9 and "'Tomás Ferrer'" in signal.explanation
    assert target[signal.span[0] : signal.span[1]] == "Tomás Galindo"
    kept = target.replace("Galindo", "Ferrer")
    assert changed_name(with_engine(source, kept, forward)).garble == 0


def test_the_words_after_an_institution_word_are_a_person_only_after_a_given_name():
    source = "La Ley de Control de Presupuesto fue aprobada en agosto por el Congreso."
    target = "The Budget Control Act was passed in August by Congress."
    forward = "The Law of Budget Control was approved in August by the Congress."
    assert changed_name(with_engine(source, target, forward)).garble == 0
