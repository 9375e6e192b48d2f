"""Numbers, percentages, years and amounts compared across languages."""

from __future__ import annotations

import pytest

from qa.signals.base import Segment
from qa.signals.numbers import (
    SPECS,
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
        ("El paro subió un 15%.", "Unemployment rose 50 %.", "15%", "50 %"),
        ("Se construirán 1.500 pisos.", "15,000 flats will be built.", "1.500", "15,000"),
        ("El ensayo empezó en 2012.", "The trial began in 2013.", "2012", "2013"),
        (
            "Costará entre 265 y 275 millones.",
            "It will cost between 265 and 285 million.",
            "275 millones",
            "285 million",
        ),
        ("Se dañaron 312 mil 450 hectáreas.", "450,312 hectares were damaged.", "312 mil 450", "450,312"),
        ("Hay dos candidatos desde 2001.", "There have been two candidates since 2002.", "2001", "2002"),
    ],
)
def test_numbers_catch_changed_figures(source, target, expected_source, expected_target):
    signal = numbers(es_en(source, target))
    assert signal.garble >= 0.6  # a warning at least (see the severity test below)
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
        # Scale words in both languages.
        ("La promotora levantará 450.000 pisos.", "The developer will put up 450 thousands of flats."),
        ("El fondo recibió 1.350 millones de euros.", "The fund received 1.35 thousand million euros."),
        ("La planta costó 1.800 millones.", "The plant cost 1.8 billion."),
        ("La liga ingresó mil millones.", "The league took in a thousand million."),
        ("La liga ingresó 1.000 millones.", "The league took in a thousand million."),
        ("La naviera facturó 10,7 miles de millones de dólares.", "The shipping firm billed $10.7 billion."),
        ("La deuda roza los 3 millardos.", "The debt is close to 3 billion."),
        ("El país debe 2 billones de dólares.", "The country owes $2tn."),
        ("El país debe 2 billones de dólares.", "The country owes 2 trillion dollars."),
        ("Ganó 3.000 millones de dólares.", "It made $3bn."),
        ("Ganó 4 millones de libras.", "It made £4m."),
        ("Cobra 40.000 euros.", "She earns €40k."),
        # A range or list that writes its scale word once.
        (
            "Costará entre 265 y 275 millones de dólares.",
            "It will cost between $265 million and $275 million.",
        ),
        ("Entre 2.000 y 3.000 millones de euros.", "Between 2 and 3 billion euros."),
        ("Habrá 3, 4 o 5 millones de votantes.", "There will be 3 million, 4 million or 5 million voters."),
        ("Llegarán de 10 a 12 millones de turistas.", "From 10 million to 12 million tourists will come."),
        ("Se perderán entre 2 y 3 millones de empleos.", "2-3 million jobs will be lost."),
        ("Subirá entre el 5 y el 7 %.", "It will rise between 5% and 7%."),
        # "A thousand", "un millar", "a million", "one billion" against digits.
        ("Acudieron 1.000 vecinos.", "A thousand residents came."),
        ("Acudieron 1.000 vecinos.", "One thousand residents came."),
        ("Acudió un millar de vecinos.", "1,000 residents came."),
        ("La obra costó 1 millón.", "The work cost a million."),
        ("La obra costó 1.000 millones.", "The work cost one billion."),
        # Percentages with or without a space, in signs or words.
        ("El paro bajó un 5 %.", "Unemployment fell 5%."),
        ("El paro bajó un 5%.", "Unemployment fell 5 percent."),
        ("El paro bajó un 5 por ciento.", "Unemployment fell 5 per cent."),
        # Fractions in words against percentages.
        ("Dos terceras partes del pleno votaron a favor.", "67% of the chamber voted in favour."),
        ("El 66 % del pleno votó a favor.", "Two thirds of the chamber voted in favour."),
        ("El 50 % del pleno votó a favor.", "Half of the chamber voted in favour."),
        ("La mitad del pleno votó a favor.", "50 per cent of the chamber voted in favour."),
        ("Un 25 % del pleno votó a favor.", "A quarter of the chamber voted in favour."),
        # Numbers written in parts (Mexican press), 24-hour times with "h", decades in words.
        ("Se dañaron 312 mil 450 hectáreas.", "312,450 hectares were damaged."),
        ("El estado recibió 5 millones 143 mil 312 dólares.", "The state received 5,143,312 dollars."),
        ("El estado invirtió 12 mil 500 millones de pesos.", "The state invested 12,500 million pesos."),
        ("El partido empieza a las 20h45.", "The match starts at 8:45 pm."),
        ("Fue una moda de los años 60.", "It was a fashion of the Sixties."),
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


@pytest.mark.parametrize(
    ("source", "target", "least", "most"),
    [
        # Slips are errors: a decimal mark, a tenfold figure, a thousandfold one in digits, a year
        # off by one.
        ("Llega al 8,5 % de su capacidad.", "It reaches 85% of its capacity.", 0.8, 1.0),
        ("Se construirán 1.500 pisos.", "1.5 flats will be built.", 0.8, 1.0),
        ("Empezó en 2022.", "It began in 2021.", 0.8, 1.0),
        # Another figure changed where the pairing is sure (the only figure that differs, in one
        # sentence on each side) is an error too: "23" became "32".
        ("Acudieron 23 personas.", "32 people came.", 0.8, 0.9),
        ("Tiene 50.000 empleados.", "It has 55,000 employees.", 0.8, 0.9),
        # Where it is not sure, a warning: an editor looks, the build does not fail.
        ("Acudieron 12 personas. Luego se fueron.", "17 people came. Then they left.", 0.7, 0.75),
        ("Acudieron 12 personas y 3 perros.", "17 people and 4 dogs came.", 0.7, 0.75),
        ("Acudieron 12 personas en 2019.", "2017 saw people come.", 0.7, 0.75),
        # The billion trap, a thousandfold difference in scale words of the billion family, is a
        # warning whichever side fell into it.
        ("Costará 3,2 billones de dólares.", "It will cost 3.2 billion dollars.", 0.55, 0.65),
        ("Se vendieron 350 mil millones de acciones.", "350 million shares were sold.", 0.55, 0.65),
        ("La deuda bajará a 340 millones.", "The debt will fall to 340 billion.", 0.55, 0.65),
    ],
)
def test_changed_figures_are_errors_only_when_they_look_like_slips(source, target, least, most):
    assert least <= numbers(es_en(source, target)).garble <= most


def test_a_changed_figure_is_an_error_only_if_the_engine_reads_the_source_figure_too():
    def with_forward(forward: str) -> Segment:
        return Segment("Acudieron 23 personas.", "32 people came.", "es", "en", forward_translation=forward)

    assert numbers(with_forward("23 people attended.")).garble >= 0.8
    assert 0.7 <= numbers(with_forward("Some people attended.")).garble < 0.8


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("La reunión empezó a las 23.30.", "The meeting began at 11:30 p.m."),
        ("La reunión empezó a las 23.30.", "The meeting began at 23.30."),
        ("Abre a las 8.15 horas.", "It opens at 8:15."),
        ("Abre a las 8.15 horas.", "It opens at 8.15 a.m."),
        ("Llegó a las 8 y media.", "He arrived at half past eight."),
        ("Llegó a las 8 y media de la tarde.", "He arrived at 8:30 p.m."),
        ("Llegó a las 9 menos cuarto.", "He arrived at a quarter to nine."),
        ("Llegó a las 20:00 horas.", "He arrived at 8 p.m."),
        ("Llegó a las 20.00 h.", "He arrived at 8 o'clock in the evening."),
        ("Cerró al mediodía.", "It closed at noon."),
    ],
)
def test_spanish_clock_times_equal_their_english_forms(source, target):
    signal = numbers(es_en(source, target))
    assert signal.garble == 0, signal.explanation


def test_a_changed_clock_time_is_told_plainly():
    signal = numbers(es_en("Llegó a las 8 y media.", "He arrived at half past nine."))
    assert signal.garble >= 0.7
    assert signal.explanation == "the source has a las 8 y media but the translation has half past nine"
    # A time of day in the Spanish way in an English text is read as one, never reported as "the
    # source has 23.30 but the translation has 23.30".
    assert numbers(es_en("Llegó a las 23.30.", "He arrived at 23.30 and left at 23.45.")).explanation == (
        "the translation's 23.45 is not in the source"
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
    assert 0.5 <= numbers(en_es("It cost 2 billion dollars.", "Costó 2 billones de dólares.")).garble < 0.8
    # Tokenised machine translation leaves spaces after separators.
    assert numbers(en_es("Over 1,000 left by 3:30 a.m.", "Más de 1, 000 salieron a las 3: 30.")).garble == 0
    assert numbers(en_es("It opened on January 1, 2013.", "Abrió el 1 de enero de 2013.")).garble == 0


@pytest.mark.parametrize(
    ("text", "lang", "values"),
    [
        ("450 thousands of flats", "en", [450e3]),
        ("1.35 thousand million euros and 1.8 billion", "en", [1.35e9, 1.8e9]),
        ("$2tn, £4m, €40k, $3bn, 5 trillion", "en", [2e12, 4e6, 4e4, 3e9, 5e12]),
        ("2 tn of coal", "en", [2]),  # "tn" is a trillion only after a currency sign
        ("10,7 miles de millones, 450 miles de pisos, 3 millardos", "es", [10.7e9, 450e3, 3e9]),
        ("2 billones, 1.250 millones, 3 mil millones", "es", [2e12, 1.25e9, 3e9]),
        ("312 mil 450, 5 millones 143 mil 312, 12 mil 500 millones", "es", [312450, 5143312, 12.5e9]),
        ("3 millones 20 personas", "es", [3e6, 20]),  # a further part needs its own scale word
    ],
)
def test_scale_words_multiply(text, lang, values):
    assert [q.value for q in find_quantities(text, lang)] == pytest.approx(values)


@pytest.mark.parametrize(
    ("text", "lang", "values"),
    [
        ("entre 265 y 275 millones", "es", [265e6, 275e6]),
        ("between 2 and 3 billion", "en", [2e9, 3e9]),
        ("3, 4 or 5 million", "en", [3e6, 4e6, 5e6]),
        ("de 10 a 12 millones", "es", [10e6, 12e6]),
        ("2-3 million", "en", [2e6, 3e6]),
        ("between $2 and $3bn", "en", [2e9, 3e9]),
        ("€2-3m", "en", [2e6, 3e6]),
        ("entre US$ 2 y US$ 3 millones", "es", [2e6, 3e6]),
        # No range: a larger figure before, a comma without "y"/"or", a year before an amount.
        ("pasó de 300.000 a 1 millón", "es", [300e3, 1e6]),
        ("de esos 5, 30 millones", "es", [5, 30e6]),
        ("en 2030 y 5 millones", "es", [2030, 5e6]),
    ],
)
def test_a_range_shares_its_scale_word(text, lang, values):
    assert [q.value for q in find_quantities(text, lang)] == pytest.approx(values)


def test_a_range_shares_its_percent_sign():
    kinds = [q.kind for q in find_quantities("Subió del 5 al 7 % entre 2010 y 2012.", "es")]
    assert kinds == ["percentage", "percentage", "year", "year"]


def test_fractions_in_words_confirm_percentages():
    spelled = find_spelled("Dos terceras partes y la mitad.", "es")
    fractions = {q.text: q.value for q in spelled if q.kind == "fraction"}
    assert fractions == pytest.approx({"Dos terceras partes": 2 / 3, "mitad": 0.5})
    # They confirm percentages only, and only close ones.
    assert numbers(es_en("El 66 % votó a favor.", "A quarter voted in favour.")).garble > 0
    assert numbers(es_en("Llegaron 50 turistas.", "Half the tourists came.")).garble > 0


def test_leftover_figures_pair_like_with_like():
    comparison = compare_numbers("Vendió 2,4 billones.", "In 2009 it sold 2.4 billion.", "es", "en")
    assert [(s.text, t.text) for s, t in comparison.changed] == [("2,4 billones", "2.4 billion")]
    assert [q.text for q in comparison.added] == ["2009"]
    comparison = compare_numbers(
        "El 15 % de los pisos se vendió en 2011.", "In 2012, 16% of the flats were sold.", "es", "en"
    )
    assert [(s.text, t.text) for s, t in comparison.changed] == [("15 %", "16%"), ("2011", "2012")]
    # Without a partner of its kind, a year still pairs with what is left.
    comparison = compare_numbers("Abrió en 2012.", "It opened in 20120.", "es", "en")
    assert [(s.text, t.text) for s, t in comparison.changed] == [("2012", "20120")]


def test_a_number_in_words_is_a_year_only_as_a_decade():
    assert numbers(es_en("Lo fundaron dos hermanos.", "Two brothers founded it in 2002.")).garble > 0
    assert numbers(es_en("La moda de los noventa.", "The fashion of the 1990s.")).garble == 0


def test_thousands_of_figures_are_read_in_linear_time():
    # Each figure used to search all the text before it for a currency sign: a paragraph of 8,000
    # figures took half a minute. A bounded look-behind and an index of values keep it linear.
    rows = range(2000)
    spanish = " ".join(f"el {i % 90},5 % de {i + 1}.000 casas: {i % 7 + 2} millones, 2012;" for i in rows)
    english = " ".join(f"{i % 90}.5% of {i + 1},000 homes: €{i % 7 + 2}m, 2012;" for i in rows)
    assert len(find_quantities(spanish, "es")) == len(find_quantities(english, "en")) == 8000
    assert compare_numbers(spanish, english, "es", "en").count == 0
    assert compare_numbers(spanish, english.replace("2012", "2013"), "es", "en").count == 2000


def test_numbers_need_a_source():
    assert numbers(Segment(None, "It rose 5%.", "es", "en")) is None
    assert numbers(Segment("Subió un 5 %.", None, "es", "en")) is None
    assert [spec.name for spec in SPECS] == ["numbers"]


def test_an_article_before_the_scale_word():
    source = "Se espera que sean 40 los millones de usuarios de la nueva red."
    assert numbers(es_en(source, "Some 40 million users are expected on the new network.")).garble == 0
    assert numbers(es_en(source, "Some 40 users are expected on the new network.")).garble > 0.5
