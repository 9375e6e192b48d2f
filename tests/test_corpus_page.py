"""Plain-text page dumps: roles from the page's shape, sentences with exact file offsets."""

from __future__ import annotations

import pytest

from qa.corpus.model import Role
from qa.corpus.page import (
    hard_wrapped,
    is_byline,
    paragraph_spans,
    parse_page,
    photo_credit,
    read_page,
    trailing_credit,
)

TEXT_LABELS = ("ok", "mild", "garbled")


@pytest.fixture(scope="module")
def sample_article():
    from conftest import SAMPLE_PAGE, need

    need(SAMPLE_PAGE.is_file(), f"{SAMPLE_PAGE} is absent")
    return read_page(SAMPLE_PAGE)


def by_why(labels, why_start):
    [label] = [label for label in labels if label["why"].startswith(why_start)]
    return label["text"]


def test_sample_page_headline_is_the_spanish_source_headline(sample_article, sample_labels):
    [untranslated] = [label["text"] for label in sample_labels if label["label"] == "untranslated"]
    [headline] = sample_article.headlines
    assert headline.text == untranslated
    assert headline.lang == "es"
    assert sample_article.text[headline.start : headline.end] == untranslated
    assert sample_article.lang == "en"


def test_sample_page_subtitle(sample_article, sample_labels):
    subtitle = by_why(sample_labels, "subtitle")
    [block] = [b for b in sample_article.blocks if b.role is Role.SUBTITLE]
    assert block.text == subtitle
    assert block.lang == "en"


def test_sample_page_furniture_caption_and_byline(sample_article, sample_labels):
    roles = {b.text: b.role for b in sample_article.blocks}
    caption_line = by_why(sample_labels, "photo caption")
    [furniture] = [
        b for b in sample_article.blocks if b.role is Role.FURNITURE and caption_line.startswith(b.text)
    ]
    [caption] = [b for b in sample_article.blocks if b.role is Role.CAPTION]
    assert caption_line.endswith(caption.text)
    assert len(furniture.text.split()) <= 3 and len(caption.text) > len(caption_line) / 2
    assert sample_article.text[caption.start : caption.end] == caption.text
    assert roles[by_why(sample_labels, "byline")] is Role.BYLINE
    assert roles[by_why(sample_labels, "page furniture")] is Role.FURNITURE


def test_sample_page_every_labelled_line_is_one_english_sentence(sample_article, sample_labels):
    labelled = [label for label in sample_labels if label["label"] in TEXT_LABELS]
    assert len(labelled) == 17
    sentences = [sentence for _, sentence in sample_article.sentences()]
    for label in labelled:
        matches = [s for s in sentences if s.text == label["text"]]
        assert len(matches) == 1, label["text"]
        [sentence] = matches
        assert sentence.lang == "en"
        assert sample_article.text[sentence.start : sentence.end] == label["text"]


def test_sample_page_checked_sentences_are_exactly_the_labelled_ones(sample_article, sample_labels):
    wanted = {label["text"] for label in sample_labels if label["label"] in (*TEXT_LABELS, "untranslated")}
    assert {s.text for _, s in sample_article.sentences()} == wanted


PAGE = (
    "Lisboa y Madrid firman un acuerdo de seguridad\n"
    "\n"
    "Lisbon and Madrid sign a security agreement\n"
    "\n"
    "By Laura Gómez\n"
    "\n"
    "Foto: EFE - El ministro, durante la reunión\n"
    "\n"
    'The two governments signed the agreement on Monday. "It is historic," the minister said.\u00a0 \n'
    "\n"
    "AFP/GETTY - Soldiers during an exercise in the desert\n"
    "\n"
    "MADRID - The talks will continue next year in Madrid.\n"
    "\n"
    "Read more\n"
    "\n"
    "Share\n"
)


def test_page_roles():
    article = parse_page(PAGE, "page.en.txt", lang="en")
    roles = [(b.role, b.text) for b in article.blocks]
    assert roles == [
        (Role.HEADLINE, "Lisboa y Madrid firman un acuerdo de seguridad"),
        (Role.SUBTITLE, "Lisbon and Madrid sign a security agreement"),
        (Role.BYLINE, "By Laura Gómez"),
        (Role.FURNITURE, "Foto: EFE"),
        (Role.CAPTION, "El ministro, durante la reunión"),
        (
            Role.BODY,
            'The two governments signed the agreement on Monday. "It is historic," the minister said.',
        ),
        (Role.FURNITURE, "AFP/GETTY"),
        (Role.CAPTION, "Soldiers during an exercise in the desert"),
        (Role.BODY, "MADRID - The talks will continue next year in Madrid."),
        (Role.FURNITURE, "Read more"),
        (Role.FURNITURE, "Share"),
    ]
    assert article.headlines[0].lang == "es"
    for block in article.blocks:
        assert article.text[block.start : block.end] == block.text
        for sentence in block.sentences:
            assert article.text[sentence.start : sentence.end] == sentence.text
    body = article.blocks[5]
    assert [s.text for s in body.sentences] == [
        "The two governments signed the agreement on Monday.",
        '"It is historic," the minister said.',
    ]


def test_page_without_foreign_headline_takes_the_first_as_headline():
    text = (
        "Lisbon and Madrid sign an agreement\n\n"
        "A new roadmap for ten years\n\n"
        "The two governments signed it on Monday in Lisbon.\n"
    )
    article = parse_page(text, "page.txt", lang=None, pair=("es", "en"))
    assert article.lang == "en"
    assert [b.role for b in article.blocks] == [Role.HEADLINE, Role.SUBTITLE, Role.BODY]


def test_page_language_is_identified_without_a_suffix(tmp_path):
    path = tmp_path / "pagina.txt"
    path.write_text(
        "El gobierno aprobó ayer la reforma.\n\nLa oposición votó en contra del proyecto.\n", encoding="utf-8"
    )
    article = read_page(path)
    assert article.lang == "es"
    assert article.key == "pagina"


def test_role_colon_name_is_a_byline_only_at_the_end():
    text = (
        "Coordinadora: Ana Ruiz\n\n"
        "El gobierno aprobó ayer la reforma de las pensiones en el Congreso.\n\n"
        "Editor: Pedro Martín de la Torre\n"
    )
    article = parse_page(text, "nota.es.txt", lang="es")
    assert [b.role for b in article.blocks] == [Role.HEADLINE, Role.BODY, Role.BYLINE]


def test_paragraph_spans_skip_whitespace_only_lines():
    text = "  One\ntwo \n \u00a0\n\nThree\r\n\r\n"
    assert [text[s:e] for s, e in paragraph_spans(text)] == ["One\ntwo", "Three"]


@pytest.mark.parametrize(
    ("block", "furniture", "caption"),
    [
        ("photo_camera PHOTO/AFP - Caption text here", "photo_camera PHOTO/AFP", "Caption text here"),
        ("FOTO/EFE - El presidente", "FOTO/EFE", "El presidente"),
        ("Photo: The minister in Rabat", "Photo:", "The minister in Rabat"),
        ("File photo of the port", "File photo", "of the port"),
        ("photo_camera The minister", "photo_camera", "The minister"),
        ("EFE/JUAN PÉREZ - Caption", "EFE/JUAN PÉREZ", "Caption"),
    ],
)
def test_photo_credit(block, furniture, caption):
    furniture_end, caption_start = photo_credit(block)
    assert block[:furniture_end] == furniture
    assert block[caption_start:] == caption


@pytest.mark.parametrize("block", ["MADRID - The talks", "The photo shows it", "Photographers gathered"])
def test_not_a_photo_credit(block):
    assert photo_credit(block) is None


def test_is_byline():
    assert is_byline("Por María López de la Vega", allow_role=False)
    assert is_byline("By John Smith and Ann Lee", allow_role=False)
    assert not is_byline("Editor: Ann Lee", allow_role=False)
    assert is_byline("Editor: Ann Lee", allow_role=True)
    assert not is_byline("By the way, the talks failed.", allow_role=True)
    assert not is_byline("More in Sports", allow_role=True)


def roles_of(text, lang="en"):
    article = parse_page(text, f"page.{lang}.txt", lang=lang, pair=("es", "en"))
    for block in article.blocks:
        assert article.text[block.start : block.end] == block.text
        for sentence in block.sentences:
            assert article.text[sentence.start : sentence.end] == sentence.text
    return [(b.role, b.text) for b in article.blocks]


def checked_sentences(text, lang="en"):
    article = parse_page(text, f"page.{lang}.txt", lang=lang, pair=("es", "en"))
    return [s.text for _, s in article.sentences()]


def test_lines_without_blank_lines_between_are_paragraphs():
    # A headline without a final mark used to merge with the lead, a byline with the text.
    text = (
        "Harbour works start in Valdeoro\n"
        "The council approved the plan on Monday. Works start in May.\n"
        "By Laura Gómez\n"
        "The new quay will take ferries from next year.\n"
    )
    assert roles_of(text) == [
        (Role.HEADLINE, "Harbour works start in Valdeoro"),
        (Role.BODY, "The council approved the plan on Monday. Works start in May."),
        (Role.BYLINE, "By Laura Gómez"),
        (Role.BODY, "The new quay will take ferries from next year."),
    ]
    assert not any("\n" in sentence for sentence in checked_sentences(text))


def test_a_hard_wrapped_paragraph_stays_one_paragraph():
    text = (
        "Harbour works start\n\n"
        "The council approved the plan for the new quay on Monday after a long\n"
        "debate, and the works will start in May with two cranes.\n"
    )
    article = parse_page(text, "page.en.txt", lang="en")
    assert [b.role for b in article.blocks] == [Role.HEADLINE, Role.BODY]
    assert paragraph_spans(text)[1] == (text.index("The"), text.rindex(".") + 1)
    # the same lines with an unwrapped paragraph after them: not a wrap
    assert not hard_wrapped("Short heading", "then text", longest=200)


def test_bullets_after_the_lead_are_split_and_an_index_is_furniture():
    text = (
        "Valdeoro opens its new harbour\n"
        "The harbour opened on Monday after three years of works. Ferries will call daily.\n"
        "- A quay for ferries\n"
        "- Longer opening hours\n"
        "The mayor cut the ribbon at noon. Hundreds of people came. The band played until late. "
        "Shops stayed open. The first ferry left at six.\n"
    )
    roles = roles_of(text)
    assert (Role.FURNITURE, "- A quay for ferries") in roles and (Role.FURNITURE, "- Longer opening hours") in roles
    sentences = checked_sentences(text)
    assert "The mayor cut the ribbon at noon." in sentences
    assert max(len(s) for s in sentences) < 100


def test_a_list_introduced_by_a_colon_is_text():
    text = (
        "The council met on Monday.\n\n"
        "The new board:\n"
        "• Ms. Ana Ruiz, chair\n"
        "• Mr. Luis Vera, treasurer\n"
        "The board meets again in June.\n"
    )
    assert [role for role, _ in roles_of(text)] == [Role.BODY] * 5


def test_an_english_headline_full_of_spanish_names_is_not_the_source_headline():
    text = (
        "On the tour that starts on Monday\n\n"
        "Ana María Rodríguez Fernández to open two Ramón Llull schools in Túnez\n\n"
        "The writer will open both schools this week. She will also meet students.\n"
    )
    article = parse_page(text, "page.en.txt", lang="en", pair=("es", "en"))
    assert all(block.lang == "en" for block in article.blocks)
    assert [b.role for b in article.blocks] == [Role.HEADLINE, Role.SUBTITLE, Role.BODY]


def test_a_section_label_is_not_the_headline():
    text = "Opinion\n\nWhy the harbour matters to Valdeoro\n\nThe harbour is the town's oldest employer.\n"
    assert roles_of(text) == [
        (Role.FURNITURE, "Opinion"),
        (Role.HEADLINE, "Why the harbour matters to Valdeoro"),
        (Role.BODY, "The harbour is the town's oldest employer."),
    ]


def test_captions_with_a_credit_at_the_end_and_their_spanish_original():
    text = (
        "Valdeoro opens its new harbour\n\n"
        "The first ferry leaves the new quay on Monday - PHOTO/ARCHIVE\n\n"
        "The harbour opened on Monday after three years of works.\n\n"
        "Los vecinos esperan en el muelle la llegada del primer barco de la mañana\n"
        "Residents wait on the quay for the first boat of the morning (PHOTO/REUTERS)\n\n"
        "The mayor said the port would double its traffic.\n"
    )
    roles = roles_of(text)
    assert (Role.CAPTION, "The first ferry leaves the new quay on Monday") in roles
    assert (Role.FURNITURE, "- PHOTO/ARCHIVE") in roles
    assert (Role.CAPTION, "Los vecinos esperan en el muelle la llegada del primer barco de la mañana") in roles
    assert (Role.CAPTION, "Residents wait on the quay for the first boat of the morning") in roles
    assert (Role.FURNITURE, "(PHOTO/REUTERS)") in roles
    assert [text for role, text in roles if role is Role.BODY] == [
        "The harbour opened on Monday after three years of works.",
        "The mayor said the port would double its traffic.",
    ]


def test_the_lead_photo_caption_under_the_standfirst_and_a_repeated_title():
    text = (
        "Valdeoro opens its harbour\n\n"
        "Valdeoro opens its harbour\n\n"
        "Three years of works end with a party on the quay and the first ferry to the islands\n"
        "El nuevo puerto de Valdeoro\n"
        "El nuevo puerto de Valdeoro\n\n"
        "The harbour opened on Monday.\n"
    )
    assert [role for role, _ in roles_of(text)] == [
        Role.HEADLINE, Role.FURNITURE, Role.SUBTITLE, Role.CAPTION, Role.FURNITURE, Role.BODY,
    ]
    article = parse_page(text, "page.en.txt", lang="en", pair=("es", "en"))
    assert not [b for b in article.headlines if b.lang == "es"]  # nothing to pair the page with


def test_bylines_dates_counters_links_and_datelines_are_furniture():
    text = (
        "Valdeoro opens its harbour\n\n"
        "Marta Ferrer Ibáñez\n"
        "Marta Ferrer Ibáñez\n"
        "14 March 2024 Thursday 09:30\n"
        "120 Reads\n"
        "March 14 (AGENCIA NORTE) –\n"
        "The harbour opened on Monday.\n"
        "See also  Ferries to the islands double their sailings\n"
        "VALDEORO.- The mayor cut the ribbon at noon.\n"
        "harbour-opening-valdeoro-2024 (3)\n"
        "Shops stayed open until late.\n"
    )
    assert roles_of(text) == [
        (Role.HEADLINE, "Valdeoro opens its harbour"),
        (Role.BYLINE, "Marta Ferrer Ibáñez"),
        (Role.BYLINE, "Marta Ferrer Ibáñez"),
        (Role.FURNITURE, "14 March 2024 Thursday 09:30"),
        (Role.FURNITURE, "120 Reads"),
        (Role.FURNITURE, "March 14 (AGENCIA NORTE) –"),
        (Role.BODY, "The harbour opened on Monday."),
        (Role.FURNITURE, "See also  Ferries to the islands double their sailings"),
        (Role.FURNITURE, "VALDEORO.-"),
        (Role.BODY, "The mayor cut the ribbon at noon."),
        (Role.FURNITURE, "harbour-opening-valdeoro-2024 (3)"),
        (Role.BODY, "Shops stayed open until late."),
    ]


def test_an_author_page_heading_and_note_are_bylines():
    text = (
        "All posts by Marta Ferrer\n\n"
        "Marta Ferrer- reporter on the harbour beat since 2010. Worked for local radio.\n\n"
        "Will the harbour pay for itself?\n\n"
        "The harbour cost more than planned. Traffic is growing.\n"
    )
    assert [role for role, _ in roles_of(text)] == [Role.BYLINE, Role.BYLINE, Role.BODY, Role.BODY]


def test_a_sentence_cut_off_where_the_dump_ends_is_furniture():
    text = (
        "Harbour works start\n\nThe council approved the plan on Monday.\n\n"
        "The works start in May. The first ferry will dock in June and the fir"
    )
    assert roles_of(text)[-2:] == [
        (Role.BODY, "The works start in May."),
        (Role.FURNITURE, "The first ferry will dock in June and the fir"),
    ]
    finished = "Harbour works start\n\nThe council approved the plan. The works start in May.\n\nMore in Politics\n"
    assert checked_sentences(finished)[-1] == "The works start in May."
    # a source page cut off earlier than its translation still holds what that sentence says
    tail = "Las obras empiezan en mayo con dos grúas. El primer ferri de las islas llegará al muelle en ju"
    source = f"Empiezan las obras\n\nEl pleno aprobó el plan el lunes.\n\n{tail}"
    assert roles_of(source, lang="es")[-1] == (Role.BODY, tail)


@pytest.mark.parametrize(
    ("chunk", "caption", "credit"),
    [
        ("Ferries at the quay - PHOTO/ARCHIVE", "Ferries at the quay", "- PHOTO/ARCHIVE"),
        ("Ferries at the quay (PHOTO/REUTERS)", "Ferries at the quay", "(PHOTO/REUTERS)"),
        ("Ferries at the quay - AFP/JUAN PÉREZ", "Ferries at the quay", "- AFP/JUAN PÉREZ"),
        ("Ferries at the quay – Foto: EFE", "Ferries at the quay", "– Foto: EFE"),
    ],
)
def test_trailing_credit(chunk, caption, credit):
    caption_end, credit_start = trailing_credit(chunk)
    assert chunk[:caption_end] == caption and chunk[credit_start:] == credit


@pytest.mark.parametrize(
    "chunk", ["The talks went well - said the minister.", "Operation Harbour- the first day", "AFP/EFE"]
)
def test_not_a_trailing_credit(chunk):
    assert trailing_credit(chunk) is None


def test_a_byline_printed_twice_is_not_checked_as_a_circular_name():
    from qa.corpus.model import ArticlePair
    from qa.pipeline import check_corpus

    text = (
        "Valdeoro opens its harbour\n\n"
        "Marta Ferrer Ibáñez\n"
        "Marta Ferrer Ibáñez\n"
        "14 March 2024 Thursday 09:30\n"
        "The harbour opened on Monday after three years of works.\n"
    )
    page = parse_page(text, "page.en.txt", lang="en", pair=("es", "en"))
    report = check_corpus([ArticlePair(None, page, "unpaired")], engine=None)
    [article] = report.articles
    checked = [" ".join(s.text for s in segment.target) for segment in article.segments]
    assert checked == ["Valdeoro opens its harbour", "The harbour opened on Monday after three years of works."]
    assert not article.flagged
