"""JSON Lines of articles, and sentence-pair files (JSONL and TSV)."""

from __future__ import annotations

import json

import pytest

from qa.corpus import read_article
from qa.corpus.jsonl import read_article_records
from qa.corpus.model import Role
from qa.corpus.pairs import count_lines, iter_sentence_pairs, read_sentence_pairs, sentence_pairs_to_article_pair
from qa.errors import InputError

ES_SIDE = {
    "lang": "es",
    "headline": "El parlamento rechaza la enmienda",
    "paragraphs": [
        ["El Parlamento rechazó hoy la propuesta.", "La oposición protestó."],
        ["Habrá otra votación."],
    ],
}
EN_SIDE = {
    "lang": "en",
    "headline": "Parliament rejects the amendment",
    "paragraphs": [
        ["Parliament rejected the proposal today.", "The opposition protested."],
        ["There will be another vote."],
    ],
}


def write_lines(path, lines):
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines)
        + "\n",
        encoding="utf-8",
    )
    return path


def test_single_article_record(tmp_path):
    record = {
        "id": "a1",
        "lang": "en",
        "title": "A headline",
        "paragraphs": [
            "The first paragraph has two sentences. This is the second.",
            "  ",
            "Another paragraph.",
        ],
    }
    path = write_lines(tmp_path / "articles.jsonl", ["", record])
    records = read_article_records(path)
    [article] = records.articles
    assert (
        article.text
        == "A headline\n\nThe first paragraph has two sentences. This is the second.\n\nAnother paragraph."
    )
    assert article.origin_line == 2 and article.key == "a1" and article.lang == "en"
    assert article.line_col(30) == (2, 1)
    assert [b.role for b in article.blocks] == [Role.HEADLINE, Role.BODY, Role.BODY]
    assert [s.text for _, s in article.sentences()] == [
        "A headline",
        "The first paragraph has two sentences.",
        "This is the second.",
        "Another paragraph.",
    ]
    for _, sentence in article.sentences():
        assert article.text[sentence.start : sentence.end] == sentence.text


def test_pair_record_keeps_the_given_sentences(tmp_path):
    path = write_lines(
        tmp_path / "pairs.jsonl", [{"id": "doc-7", "origlang": "cs", "es": ES_SIDE, "en": EN_SIDE}]
    )
    records = read_article_records(path, pair=("es", "en"))
    [pair] = records.pairs
    assert pair.method == "record"
    assert pair.source.lang == "es" and pair.target.lang == "en"
    assert pair.source.key == pair.target.key == "doc-7"
    sentences = [s for _, s in pair.target.sentences()]
    assert [s.text for s in sentences] == [
        "Parliament rejects the amendment",
        "Parliament rejected the proposal today.",
        "The opposition protested.",
        "There will be another vote.",
    ]
    assert (
        pair.target.text.split("\n\n")[1]
        == "Parliament rejected the proposal today. The opposition protested."
    )
    for sentence in sentences:
        assert pair.target.text[sentence.start : sentence.end] == sentence.text
        assert sentence.lang == "en"


def test_bad_records_are_collected_and_the_rest_read(tmp_path):
    lines = [
        {"lang": "es", "headline": "Bien", "paragraphs": ["Un párrafo."]},
        "{not json",
        "[1, 2]",
        {"headline": "Sin idioma", "paragraphs": []},
        {"lang": "es", "paragraphs": [3]},
        {"id": "x", "es": ES_SIDE},
        {"lang": "en", "headline": "Fine", "paragraphs": ["One paragraph."]},
    ]
    path = write_lines(tmp_path / "mixed.jsonl", lines)
    records = read_article_records(path)
    assert [a.origin_line for a in records.articles] == [1, 7]
    messages = [str(error) for error in records.errors]
    assert [message.split(": ", 1)[0] for message in messages] == [f"{path}:{n}" for n in (2, 3, 4, 5, 6)]
    assert "not valid JSON" in messages[0]
    assert "expected a JSON object, found a list" in messages[1]
    assert "record has no 'lang'" in messages[2]
    assert "paragraph 1 must be a string or a list of sentence strings" in messages[3]
    assert "record has no 'en' article" in messages[4]


def test_sentence_pairs_jsonl(tmp_path):
    path = write_lines(
        tmp_path / "pairs.jsonl",
        [{"id": "p1", "src": "Hola mundo.", "tgt": "Hello world."}, "", {"src": "Adiós.", "tgt": "Goodbye."}],
    )
    pairs = read_sentence_pairs(path)
    assert [(p.id, p.src, p.tgt, p.line) for p in pairs] == [
        ("p1", "Hola mundo.", "Hello world.", 1),
        ("3", "Adiós.", "Goodbye.", 3),
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Hola.\tHello.\nAdiós.\tBye.\n", [("1", "Hola.", "Hello."), ("2", "Adiós.", "Bye.")]),
        ("src\ttgt\r\nHola.\tHello.\r\n", [("2", "Hola.", "Hello.")]),
        ("id\tsrc\ttgt\nk1\tHola.\tHello.\n", [("k1", "Hola.", "Hello.")]),
    ],
)
def test_sentence_pairs_tsv(tmp_path, content, expected):
    path = tmp_path / "pairs.tsv"
    path.write_bytes(content.encode("utf-8"))
    assert [(p.id, p.src, p.tgt) for p in read_sentence_pairs(path)] == expected


def test_bad_tsv_line_raises_or_is_collected(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("Hola.\tHello.\nsolo una columna\nAdiós.\tBye.\n")
    with pytest.raises(
        InputError, match=r"pairs\.tsv:2: expected 2 tab-separated fields \(src, tgt\), found 1"
    ):
        read_sentence_pairs(path)
    errors: list[InputError] = []
    assert len(read_sentence_pairs(path, errors=errors)) == 2
    assert len(errors) == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("pairs.jsonl", '\ufeff{"id": "p1", "src": "Hola.", "tgt": "Hello."}\n\n{"src": "Adiós."}\n{"src": "a", "tgt": "b"}'),
        ("pairs.tsv", "src\ttgt\r\nHola.\tHello.\r\nuna columna\r\n\r\nAdiós.\tBye.\r\n"),
        ("pairs.txt", "id\tsrc\ttgt\nk1\tHola.\tHello.\n"),
        ("pairs.txt", '  {"src": "sniffed as JSON Lines", "tgt": "yes"}\n'),
    ],
)
def test_streamed_pairs_match_the_whole_file_reader(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    whole_errors: list[InputError] = []
    whole = read_sentence_pairs(path, errors=whole_errors)
    streamed_errors: list[InputError] = []
    assert list(iter_sentence_pairs(path, streamed_errors)) == whole
    assert [str(e) for e in streamed_errors] == [str(e) for e in whole_errors]


def test_streamed_pairs_report_bad_lines_and_go_on(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_bytes(b"Hola.\tHello.\ncaf\xe9\tcoffee\n" + b"x" * (2 * 1024 * 1024) + b"\nAdi\xc3\xb3s.\tBye.\n")
    errors: list[InputError] = []
    assert [p.src for p in iter_sentence_pairs(path, errors)] == ["Hola.", "Adiós."]
    assert [str(e) for e in errors] == [
        f"{path}:2: not valid UTF-8 (byte 0xe9 at column 4)",
        f"{path}:3: line is longer than 1 MB",
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"", "file is empty"), (b"\n  \n", "file is empty"), (b"a\tb\x00\n", "binary file, not text")],
)
def test_streamed_pairs_refuse_a_file_before_the_first_pair(tmp_path, content, problem):
    path = tmp_path / "pairs.tsv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=problem):
        list(iter_sentence_pairs(path, []))
    with pytest.raises(InputError, match="is a folder"):
        list(iter_sentence_pairs(tmp_path, []))
    assert count_lines(path) == content.count(b"\n") + (not content.endswith(b"\n") and content != b"")


def test_sentence_pairs_become_a_prealigned_article_pair(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text(
        "src\ttgt\nEl gobierno aprobó la reforma.\tThe government approved the reform.\n\nSí.\tYes.\n"
    )
    pairs = read_sentence_pairs(path)
    article_pair = sentence_pairs_to_article_pair(pairs, str(path), src_lang="es", tgt_lang="en")
    assert article_pair.prealigned and article_pair.method == "sentence-pairs"
    source, target = article_pair.source, article_pair.target
    assert len(source.blocks) == len(target.blocks) == 2
    assert [b.sentences[0].text for b in target.blocks] == ["The government approved the reform.", "Yes."]
    assert source.blocks[0].sentences[0].lang == "es"
    assert target.line_col(target.blocks[1].start) == (4, 1)
    assert source.meta["pair_ids"] == ("2", "4")


def test_read_article_dispatches_jsonl_by_first_record(tmp_path):
    pairs_file = write_lines(
        tmp_path / "qe.jsonl",
        [{"src": "Good morning.", "tgt": "Buenos días.", "src_lang": "en", "tgt_lang": "es"}],
    )
    contents = read_article(pairs_file)
    [pair] = contents.pairs
    assert pair.method == "sentence-pairs" and pair.source.lang == "en" and pair.target.lang == "es"
    articles_file = write_lines(tmp_path / "articles.jsonl", [{"id": "k", "es": ES_SIDE, "en": EN_SIDE}])
    assert read_article(articles_file).pairs[0].method == "record"
