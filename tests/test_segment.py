"""Sentence segmentation: newsroom cases, exact offsets, and the markup text map."""

from __future__ import annotations

import pytest

from qa.segment import (
    TextMapBuilder,
    identity_map,
    list_pieces,
    mask_list_marker,
    mask_quotes,
    split_mapped,
    split_sentences,
    trim_span,
)

CASES = [
    (
        "es",
        "El Sr. García llegó a EE. UU. el lunes. Dijo que sí.",
        ["El Sr. García llegó a EE. UU. el lunes.", "Dijo que sí."],
    ),
    (
        "es",
        "La reunión fue a las 10 p. m. del lunes. Luego se fue.",
        ["La reunión fue a las 10 p. m. del lunes.", "Luego se fue."],
    ),
    (
        "es",
        "La inflación subió un 3,5 % y la deuda, 1.500 millones. El Dr. Pérez lo explicó.",
        ["La inflación subió un 3,5 % y la deuda, 1.500 millones.", "El Dr. Pérez lo explicó."],
    ),
    ("es", "¿Qué pasa? ¡No lo sé! Vale.", ["¿Qué pasa?", "¡No lo sé!", "Vale."]),
    (
        "es",
        "—¿Vienes? —preguntó ella. —No —dijo él—. Se fue.",
        ["—¿Vienes? —preguntó ella.", "—No —dijo él—.", "Se fue."],
    ),
    ("es", "Esperó... y luego se fue. Nadie volvió.", ["Esperó... y luego se fue.", "Nadie volvió."]),
    (
        "es",
        "«Primera frase. Segunda frase.» Tercera frase.",
        ["«Primera frase.", "Segunda frase.»", "Tercera frase."],
    ),
    (
        "en",
        '"It was useful. We will meet again," Ortiz said. Then he left.',
        ['"It was useful.', 'We will meet again," Ortiz said.', "Then he left."],
    ),
    (
        "en",
        "He called it “bold and overdue”. “That is new.” Others agreed.",
        ["He called it “bold and overdue”.", "“That is new.”", "Others agreed."],
    ),
    ("en", "It is Rabat’s turn. The U.S. agreed.", ["It is Rabat’s turn.", "The U.S. agreed."]),
    ("es", "Costó 3.\u200b500 euros. Nadie pagó.", ["Costó 3.\u200b500 euros.", "Nadie pagó."]),
    ("es", "Nº. 5 en la lista. Subió dos puestos.", ["Nº. 5 en la lista.", "Subió dos puestos."]),
    ("es", "Ocurrió en 2022. 500 personas votaron.", ["Ocurrió en 2022.", "500 personas votaron."]),
]


@pytest.mark.parametrize(("lang", "text", "expected"), CASES)
def test_sentences_and_offsets(lang, text, expected):
    sentences = split_sentences(text, lang)
    assert [s.text for s in sentences] == expected
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text


def test_offset_shifts_spans_into_the_larger_text():
    page = "Headline\n\n  First one. Second one.\u00a0 \n"
    start = page.index("First")
    sentences = split_sentences(page[start:], "en", offset=start)
    assert [page[s.start : s.end] for s in sentences] == ["First one.", "Second one."]


def test_surrounding_whitespace_and_nbsp_are_trimmed():
    text = "\u00a0 One sentence here.\u00a0 \n Another one.\u00a0\u200b"
    assert [s.text for s in split_sentences(text, "en")] == ["One sentence here.", "Another one."]


@pytest.mark.parametrize("lang", ["xx", "", "zz-ZZ", "tlh"])
def test_unknown_language_falls_back(lang):
    assert [s.text for s in split_sentences("One thing. Another thing.", lang)] == [
        "One thing.",
        "Another thing.",
    ]


@pytest.mark.parametrize("text", ["", "   ", "\n\u00a0\n"])
def test_blank_text_has_no_sentences(text):
    assert split_sentences(text, "es") == []


def test_text_without_final_punctuation_is_one_sentence():
    assert [s.text for s in split_sentences("Más en Política", "es")] == ["Más en Política"]


def test_mask_quotes_keeps_length_and_apostrophes():
    text = '«Sí» dijo "él" y ‘ella’; it’s'
    masked = mask_quotes(text)
    assert len(masked) == len(text)
    assert masked == " Sí  dijo  él  y  ella ; it’s"


def test_trim_span():
    assert trim_span(" \u00a0ab \n", 0, 6) == (2, 4)
    assert trim_span("   ", 0, 3) == (3, 3)


def test_split_mapped_points_into_the_source():
    source = "Say **hello** there. &amp; Bye."
    builder = TextMapBuilder()
    builder.copy("Say ", 0)
    builder.copy("hello", 6)
    builder.copy(" there. ", 13)
    builder.replace("&", 21, 26)
    builder.copy(" Bye.", 26)
    text_map = builder.build()
    assert text_map.text == "Say hello there. & Bye."
    sentences = split_mapped(text_map, "en")
    assert [s.text for s in sentences] == ["Say hello there.", "& Bye."]
    assert [source[s.start : s.end] for s in sentences] == ["Say **hello** there.", "&amp; Bye."]


def test_identity_map():
    text_map = identity_map(" Abc. ", 10)
    assert text_map.strip() == (1, 5)
    assert text_map.source_span(1, 5) == (11, 15)


# sentencex takes everything after two list lines for the last item, and never splits inside one.
LIST_CASES = [
    (
        "Plans for the port\n- A new quay for ferries\n- Longer opening hours\n"
        "The council met on Monday. It approved the budget. The works start in May.",
        [
            "Plans for the port",
            "- A new quay for ferries",
            "- Longer opening hours",
            "The council met on Monday.",
            "It approved the budget.",
            "The works start in May.",
        ],
    ),
    (
        "• The mayor opened the fair. Thousands came.\n• The band played late. Nobody left.",
        ["• The mayor opened the fair.", "Thousands came.", "• The band played late.", "Nobody left."],
    ),
    ("  1. Water supply", ["1. Water supply"]),
    ("Two items:\n- water\n- bread\nThat was all. Then we left.", ["Two items:", "- water", "- bread", "That was all.", "Then we left."]),
]


@pytest.mark.parametrize(("text", "expected"), LIST_CASES)
def test_list_items_are_split_apart_and_inside(text, expected):
    sentences = split_sentences(text, "en")
    assert [s.text for s in sentences] == expected
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text


def test_a_dash_inside_a_line_is_not_a_list_marker():
    text = "It was -4 degrees - a record - in town. Schools closed. Buses ran late."
    assert [s.text for s in split_sentences(text, "en")] == [
        "It was -4 degrees - a record - in town.",
        "Schools closed.",
        "Buses ran late.",
    ]


def test_list_pieces_cover_the_text():
    text = "Intro line\n- one\n- two\nRest of it.\nMore."
    pieces = list_pieces(text)
    assert [text[s:e] for s, e in pieces] == ["Intro line\n", "- one\n", "- two\n", "Rest of it.\nMore."]
    assert mask_list_marker("  2. Solar power") == "     Solar power"
