"""Plain-text page dumps: roles from the page's shape, sentences with exact file offsets."""

from __future__ import annotations

import pytest

from qa.corpus.model import Role
from qa.corpus.page import is_byline, paragraph_spans, parse_page, photo_credit, read_page

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
