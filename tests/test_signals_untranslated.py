"""Source-language text left in a translation."""

from __future__ import annotations

import pytest

from qa.signals.base import Segment
from qa.signals.untranslated import (
    SPECS,
    foreign_spans,
    inside_quotes,
    pair_markers,
    quoted_title_only,
    untranslated,
)


def english(text: str, source: str | None = None) -> Segment:
    return Segment(source=source, target=text, src_lang="es", tgt_lang="en")


def spanish(text: str) -> Segment:
    return Segment(source=None, target=text, src_lang="en", tgt_lang="es")


def test_markers_are_the_words_only_one_language_has():
    markers = pair_markers("es", "en")
    assert {"que", "los", "para", "según", "del"} <= markers.source
    assert {"the", "of", "which"} <= markers.target
    assert not {"a", "no", "son", "sin", "once"} & (markers.source | markers.target)
    assert pair_markers("fr", "en") is None  # no list for French: lingua alone


@pytest.mark.parametrize(
    "text",
    [
        "Los vecinos despidieron al alcalde con un largo aplauso en la plaza.",
        "Nuevas ayudas para reforzar la vigilancia de los barrios",
        "¿Qué opina usted de la nueva ley?",
    ],
)
def test_a_whole_sentence_in_the_source_language(text):
    signal = untranslated(english(text))
    assert signal.garble == 1.0 and signal.value == 1.0
    assert signal.explanation == "this sentence is in Spanish, not English"
    assert signal.span == (0, len(text))


def test_a_clause_left_untranslated():
    text = (
        "The council approved the plan on Monday, aunque los vecinos del barrio siguen sin saber "
        "cuándo empezarán las obras."
    )
    signal = untranslated(english(text))
    assert signal.garble >= 0.5
    start, end = signal.span
    assert text[start:end].startswith("aunque los vecinos")
    assert "Monday" not in text[start:end]
    assert 0.3 < signal.value < 0.8
    assert "is in Spanish" in signal.explanation


@pytest.mark.parametrize(
    "text",
    [
        "With this result, Real Montesol sit one point ahead of Atlético Ribera in the table.",
        "The coach, Tomás Ferrer Vidal, praised the fans at the Estadio de la Vega.",
        "The study was published in the journal *Revista de Salud Pública* last week.",
        "The opening film will be La casa de los espejos, the second feature by the director.",
        'The protesters chanted "no pasarán" outside the building.',
        "The fiesta ended with tapas, a paella and the usual sobremesa.",
        "The de facto leader was already en route to the capital.",
        "Los Angeles and El Paso signed the agreement with Las Vegas.",
        "The winner came in the 67th minute.",
    ],
)
def test_names_titles_and_borrowed_words_are_not_untranslated(text):
    assert untranslated(english(text)).garble < 0.5


def test_a_quoted_title_is_only_borderline():
    text = 'She starred in "El amor en los tiempos del cólera" last year.'
    signal = untranslated(english(text))
    assert 0 < signal.garble < 0.5


def test_works_in_the_other_direction():
    mixed = "El ministro explicó que the government will not change its tax policy this year."
    signal = untranslated(spanish(mixed))
    assert signal.garble >= 0.5
    assert "is in English" in signal.explanation
    start, _ = signal.span
    assert mixed[start:].startswith("the government")
    whole = untranslated(spanish("The minister said the government would not change its policy."))
    assert whole.explanation == "this sentence is in English, not Spanish"
    assert untranslated(spanish("El grupo The Rolling Stones actuará en Madrid en junio.")).garble == 0


def test_a_language_without_word_lists_uses_lingua_alone():
    def french_source(text: str) -> Segment:
        return Segment(None, text, "fr", "en")

    mixed = (
        "The minister said that nous ne changerons jamais notre politique fiscale dans les prochaines années."
    )
    signal = untranslated(french_source(mixed))
    assert 0.5 <= signal.garble < 1.0
    assert "nous ne changerons" in mixed[signal.span[0] : signal.span[1]]
    assert (
        untranslated(french_source("Le ministre a dit que la politique fiscale ne changera pas.")).garble
        == 1.0
    )
    assert untranslated(french_source("The minister said the tax policy will not change.")).garble == 0


def test_no_source_text_is_needed_but_a_target_is():
    assert untranslated(Segment("Hola.", None, "es", "en")) is None
    assert untranslated(Segment(None, "   ", "es", "en")) is None
    assert untranslated(english("The council met on Monday.")).value == 0
    assert [spec.name for spec in SPECS] == ["untranslated"]


def test_foreign_spans_and_quotes():
    text = "Prices rose, según los datos del ministerio publicados ayer por la tarde."
    [span] = foreign_spans(text, "es", "en")
    assert text[span.start : span.end].startswith("según los datos")
    assert inside_quotes('He said "hola amigos" twice', 9, 20)
    assert inside_quotes("In *La casa* now", 4, 11)
    assert not inside_quotes("No quotes here at all", 3, 9)


@pytest.mark.parametrize(
    "text",
    [
        "'Hablando claro', the programme on Radio Norte presented by Ana Gil, looked at the vote.",
        "'Hablando claro', Radio Norte",  # a caption made of a quoted title and a name
        "\"Mirando al sur\": international analysis on Radio Norte",
        "The forum of the Asociación de Empresarios con las Cámaras del Norte y del Sur opened today.",
    ],
)
def test_a_quoted_spanish_title_or_an_official_name_is_info_at_most(text):
    signal = untranslated(english(text))
    assert signal.garble < 0.5  # below the flagger's floor: no flag
    if signal.garble:
        assert "looks like a title or a name in Spanish" in signal.explanation


def test_straight_single_quotes_are_quotes_and_apostrophes_are_not():
    text = "The ministers' aides called it 'Mirando al sur' on Morocco's radio."
    start = text.index("Mirando")
    assert inside_quotes(text, start, start + len("Mirando al sur"))
    assert not inside_quotes(text, text.index("aides"), text.index("aides") + 5)
    assert not inside_quotes(text, text.index("radio"), text.index("radio") + 5)


def test_spanish_left_on_the_page_is_still_untranslated():
    # A long quote left in Spanish is text to translate, not a title.
    quote = "She said 'no vamos a aceptar que los vecinos paguen por las obras del puerto' on Monday."
    assert not quoted_title_only(quote, "es", "en")
    assert untranslated(english(quote)).garble >= 0.5
    assert untranslated(english("PREMIO nacional de la Poesía joven de las islas")).garble == 1.0
    assert untranslated(english("Las autoridades cierran el puerto por el temporal")).garble == 1.0
    assert quoted_title_only("'Hablando claro', Radio Norte", "es", "en")


@pytest.mark.parametrize(
    "text",
    [
        "\"Es un puerto sin barcos.\"",  # a quoted sentence: its final mark inside the quotes
        "\"Cerramos el puerto\", dijo.",  # a quotation and who said it
        "\"Nos tratan como a extraños\", dice Ferrer.",
    ],
)
def test_a_short_quotation_left_in_spanish_is_no_title(text):
    assert not quoted_title_only(text, "es", "en")
    assert untranslated(english(text)).garble == 1.0
