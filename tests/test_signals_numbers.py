"""Numbers, percentages, years and amounts compared across languages."""

from __future__ import annotations

import pytest

from qa.signals.base import Segment
from qa.signals.numbers import (
    SIGNALS,
    compare_numbers,
    find_quantities,
    find_spelled,
    numbers,
    other_reading,
    parse_numeral,
    roman_value,
)


def es_en(source: str, target: str) -> Segment:
    return Segment(source=source, target=target, src_lang="es", tgt_lang="en")


@pytest.mark.parametrize(
    ("numeral", "lang", "value"),
    [
        ("3,5", "es", 3.5),
        ("1.500", "es", 1500),
        ("1.250", "es", 1250),
        ("1.234.567", "es", 1234567),
        ("1.234,5", "es", 1234.5),
        ("1.5", "es", 1.5),  # one digit after the point: a decimal, whatever the convention
        ("1,500", "en", 1500),
        ("1,234,567.25", "en", 1234567.25),
        ("3.5", "en", 3.5),
        ("1,5", "en", 1.5),
        ("212,6", "es", 212.6),
        ("2024", "es", 2024),
        ("3,5", "de", 3.5),  # other decimal-comma languages follow the same rules
        ("3.5", "ja", 3.5),
    ],
)
def test_numerals_follow_each_language(numeral, lang, value):
    assert parse_numeral(numeral, lang) == pytest.approx(value)


def test_an_ambiguous_numeral_has_another_reading():
    assert other_reading("24,310", "es") == 24310  # Spanish text written with English conventions
    assert other_reading("1.500", "es") is None  # a Spanish thousands point is unambiguous
    assert other_reading("3,5", "es") is None


def test_quantities_carry_multipliers_percentages_and_clock_times():
    text = "Entre las 23.00 y las 6.00 horas, 1.250 millones, el 3,5 %, 230 000 personas, 2020-2030 y €5m."
    found = {q.text: q for q in find_quantities(text, "es")}
    assert found["23.00"].clock == (23, 0) and found["6.00"].clock == (6, 0)
    assert found["1.250 millones"].value == pytest.approx(1.25e9)
    assert found["3,5 %"].value == pytest.approx(3.5)
    assert found["230 000"].value == 230000
    assert found["2020"].value == 2020 and found["2030"].value == 2030
    assert found["5m"].value == 5e6
    english = {
        q.text: q.value for q in find_quantities("It cost $3bn, 1.25 billion euros and 40 per cent.", "en")
    }
    assert english == {"3bn": 3e9, "1.25 billion": 1.25e9, "40 per cent": 40}


def test_spelled_numbers_are_found_for_confirmation():
    values = {q.text: q.value for q in find_spelled("Mil millones, dos temporadas y veintitrés goles.", "es")}
    assert values == {"Mil millones": 1e9, "dos": 2, "veintitrés": 23}
    values = {
        q.text: q.value for q in find_spelled("A billion euros, twenty-one days, one hundred cars.", "en")
    }
    assert values == {"A billion": 1e9, "twenty-one": 21, "one hundred": 100}
    assert roman_value("XIX") == 19 and roman_value("MCMXCIV") == 1994 and roman_value("I") is None


@pytest.mark.parametrize(
    ("source", "target", "expected_source", "expected_target"),
    [
        (
            "El embalse llega al 8,5 % de su capacidad.",
            "The reservoir is at 85% of its capacity.",
            "8,5 %",
            "85%",
        ),
        (
            "La deuda bajará hasta los 340 millones de euros.",
            "The debt will fall to 340 billion euros.",
            "340 millones",
            "340 billion",
        ),
        ("El ensayo empezó en octubre de 2022.", "The trial began in October 2021.", "2022", "2021"),
        ("Se construirán 1.500 pisos.", "1.5 flats will be built.", "1.500", "1.5"),
        ("Acudieron 12 personas.", "17 people came.", "12", "17"),
    ],
)
def test_numbers_catch_changed_figures(source, target, expected_source, expected_target):
    signal = numbers(es_en(source, target))
    assert signal.garble >= 0.8
    assert signal.value == 1
    assert f"the source has {expected_source} but the translation has {expected_target}" in signal.explanation
    start, end = signal.span
    assert target[start:end] == expected_target


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (
            "El consumo ha caído un 3,5 % respecto a marzo de 2024.",
            "Consumption has fallen by 3.5% compared with March 2024.",
        ),
        ("El presupuesto asciende a 1.250 millones de euros.", "The budget amounts to 1.25 billion euros."),
        ("El presupuesto asciende a 1.250 millones de euros.", "The budget amounts to 1,250 million euros."),
        (
            "Es la primera vez que supera los mil millones de euros.",
            "It is the first time it has exceeded one billion euros.",
        ),
        (
            "Es la primera vez que supera los mil millones de euros.",
            "It is the first time it has exceeded a billion euros.",
        ),
        ("Se construirán 1.500 pisos.", "1,500 flats will be built."),
        ("La partida de vivienda suma 212,6 millones.", "The housing item adds up to 212.6 million."),
        ("Afecta a unas 230.000 personas.", "It affects some 230,000 people."),
        ("Las entradas cuestan 6,50 euros.", "Tickets cost 6.50 euros."),
        ("El gol llegó en el 67.", "The goal came in the 67th minute."),
        ("Una hoja de ruta para 2020-2030.", "A roadmap for 2020-2030."),
        ("Habrá cortes entre las 23.00 y las 6.00 horas.", "There will be cuts between 11 pm and 6 am."),
        ("Siguieron a los pacientes durante dos temporadas.", "They followed the patients over 2 seasons."),
        ("Un puente de 45 millones de euros.", "A 45-million-euro bridge."),
        ("Ocurrió en el siglo XIX.", "It happened in the 19th century."),
        ("La música de los años 90.", "The music of the 1990s."),
        ("En la temporada 2012-13 ganó la liga.", "He won the league in the 2012-2013 season."),
        ("La región tiene 2,3 millones de habitantes.", "The region has 2.3m people."),
        ("Nadie dijo nada.", "Nobody said anything."),
    ],
)
def test_numbers_accept_correct_conversions(source, target):
    signal = numbers(es_en(source, target))
    assert signal.garble == 0, signal.explanation
    assert signal.value == 0


def test_a_figure_on_one_side_only_is_weaker_evidence():
    missing = numbers(es_en("Fiebre durante menos de 24 horas.", "Some fever."))
    assert 0 < missing.garble < 0.5
    assert "the source's 24 is missing from the translation" in missing.explanation
    assert missing.span is None
    added = numbers(es_en("Llegaron muchos turistas.", "Some 12,000 tourists arrived."))
    assert 0 < added.garble < 0.5
    assert added.span == (5, 11)


def test_several_mismatches_add_up():
    comparison = compare_numbers(
        "Entre 2019 y 2022 creció un 4 %.", "Between 2018 and 2021 it grew 40%.", "es", "en"
    )
    assert len(comparison.changed) == 3
    assert (
        numbers(es_en("Entre 2019 y 2022 creció un 4 %.", "Between 2018 and 2021 it grew 40%.")).garble == 1.0
    )


def test_numbers_work_the_other_way_round():
    def en_es(source: str, target: str) -> Segment:
        return Segment(source=source, target=target, src_lang="en", tgt_lang="es")

    assert (
        numbers(
            en_es("Prices rose 3.5% to 1,500 euros.", "Los precios subieron un 3,5 % hasta 1.500 euros.")
        ).garble
        == 0
    )
    assert numbers(en_es("Prices rose 3.5%.", "Los precios subieron un 35 %.")).garble >= 0.8
    assert numbers(en_es("It cost 2 billion dollars.", "Costó 2.000 millones de dólares.")).garble == 0
    assert numbers(en_es("It cost 2 billion dollars.", "Costó 2 billones de dólares.")).garble >= 0.8
    # Tokenised machine translation leaves spaces after separators.
    assert numbers(en_es("Over 1,000 left by 3:30 a.m.", "Más de 1, 000 salieron a las 3: 30.")).garble == 0
    assert numbers(en_es("It opened on January 1, 2013.", "Abrió el 1 de enero de 2013.")).garble == 0


def test_numbers_need_a_source():
    assert numbers(Segment(None, "It rose 5%.", "es", "en")) is None
    assert numbers(Segment("Subió un 5 %.", None, "es", "en")) is None
    assert set(SIGNALS) == {"numbers"}
