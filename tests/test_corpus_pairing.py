"""Pairing sources with translations across files, folders, records and page dumps."""

from __future__ import annotations

import json

from qa.corpus import read_paths
from qa.corpus.model import Role

ES_BODY = "El gobierno aprobó ayer la reforma de las pensiones en el Congreso."
EN_BODY = "The government approved the pension reform in Congress yesterday."


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def md(body, **front):
    lines = [f"{key}: {value}" for key, value in front.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body + "\n" if lines else body + "\n"


def describe(pair):
    return (
        pair.method,
        pair.source.path if pair.source else None,
        pair.target.path if pair.target else None,
    )


def test_front_matter_file_name_folders_and_unpaired(tmp_path):
    fm_es = write(tmp_path / "a" / "uno.md", md(ES_BODY, lang="es", translationKey="reforma"))
    fm_en = write(tmp_path / "b" / "otro-nombre.md", md(EN_BODY, lang="en", translationKey="reforma"))
    fn_es = write(tmp_path / "notas" / "visita.es.md", md(ES_BODY))
    fn_en = write(tmp_path / "notas" / "visita.en.md", md(EN_BODY))
    fo_es = write(tmp_path / "site" / "es" / "politica" / "voto.md", md(ES_BODY))
    fo_en = write(tmp_path / "site" / "en" / "politica" / "voto.md", md(EN_BODY))
    lonely = write(tmp_path / "notas" / "sola.es.md", md(ES_BODY))
    orphan = write(tmp_path / "notas" / "orphan.en.md", md(EN_BODY))
    corpus = read_paths([tmp_path], src_lang="es", tgt_lang="en")
    assert corpus.errors == []
    # in the order each pair's first file was found (folders walked in sorted order)
    assert [describe(pair) for pair in corpus.pairs] == [
        ("front-matter", str(fm_es), str(fm_en)),
        ("unpaired", None, str(orphan)),
        ("unpaired", str(lonely), None),
        ("file-name", str(fn_es), str(fn_en)),
        ("folders", str(fo_es), str(fo_en)),
    ]
    assert [pair.method for pair in corpus.complete] == ["front-matter", "file-name", "folders"]
    assert [pair.method for pair in corpus.unpaired] == ["unpaired", "unpaired"]


def test_front_matter_key_wins_over_file_names(tmp_path):
    a_es = write(tmp_path / "x.es.md", md(ES_BODY, translationKey="k1"))
    a_en = write(tmp_path / "y.en.md", md(EN_BODY, translationKey="k1"))
    b_en = write(tmp_path / "x.en.md", md(EN_BODY, translationKey="k2"))
    corpus = read_paths([tmp_path])
    # discovery order: x.en.md, x.es.md, y.en.md
    assert [describe(pair) for pair in corpus.pairs] == [
        ("unpaired", None, str(b_en)),
        ("front-matter", str(a_es), str(a_en)),
    ]
    assert [describe(pair) for pair in corpus.unpaired] == [("unpaired", None, str(b_en))]


def test_embedded_headline_pairs_a_page_with_its_source_headline(tmp_path):
    page = write(
        tmp_path / "story.en.txt",
        "Lisboa y Madrid firman un nuevo acuerdo de seguridad\n\n"
        "Both governments signed a new security agreement on Monday in Lisbon. It covers the border.\n",
    )
    corpus = read_paths([page])
    [pair] = corpus.pairs
    assert pair.method == "embedded-headline"
    assert pair.target.path == pair.source.path == str(page)
    assert pair.source.lang == "es" and pair.target.lang == "en"
    [headline] = pair.source.blocks
    assert headline.role is Role.HEADLINE
    assert pair.source.text[headline.start : headline.end] == headline.text
    assert corpus.unpaired == []


def test_sample_page_is_an_embedded_headline_pair(sample_page):
    corpus = read_paths([sample_page])
    [pair] = corpus.pairs
    assert pair.method == "embedded-headline"
    assert pair.source.blocks[0].lang == "es"


def test_records_and_sentence_pairs_arrive_paired(tmp_path):
    side = {"headline": "Titular", "paragraphs": [["Una frase."]]}
    records = [
        {
            "id": "r1",
            "es": {"lang": "es", **side},
            "en": {"lang": "en", "headline": "Headline", "paragraphs": [["One sentence."]]},
        },
        {"translationKey": "k", "lang": "en", "headline": "Alone in English", "paragraphs": ["Text."]},
        {"translationKey": "k", "lang": "es", "headline": "Solo en español", "paragraphs": ["Texto."]},
    ]
    write(tmp_path / "articles.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    write(tmp_path / "pairs.tsv", "Hola.\tHello.\n")
    corpus = read_paths([tmp_path])
    methods = sorted(pair.method for pair in corpus.pairs)
    assert methods == ["record", "record", "sentence-pairs"]
    single = next(p for p in corpus.pairs if p.method == "record" and p.source.key == "k")
    assert (single.source.origin_line, single.target.origin_line) == (3, 2)
    assert corpus.unpaired == [] and corpus.errors == []


def test_missing_path_and_empty_folder_are_errors(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    good = write(tmp_path / "ok" / "nota.es.md", md(ES_BODY))
    corpus = read_paths([tmp_path / "nowhere", empty, good])
    assert [str(error) for error in corpus.errors] == [
        f"{tmp_path / 'nowhere'}: no such file or folder",
        f"{empty}: no articles found (looked for .md, .txt, .jsonl, .tsv)",
    ]
    assert [describe(pair) for pair in corpus.unpaired] == [("unpaired", str(good), None)]


def test_direction_follows_the_configured_pair(tmp_path):
    es = write(tmp_path / "n.es.md", md(ES_BODY))
    en = write(tmp_path / "n.en.md", md(EN_BODY))
    corpus = read_paths([tmp_path], src_lang="en", tgt_lang="es")
    assert [describe(pair) for pair in corpus.pairs] == [("file-name", str(en), str(es))]


def test_pairing_can_be_restricted_to_one_method(tmp_path):
    from qa.corpus import read_paths

    for lang, title in (("es", "Titular"), ("en", "Headline")):
        folder = tmp_path / lang
        folder.mkdir()
        (folder / "nota.md").write_text(f"---\ntitle: {title}\nlang: {lang}\n---\n\nText.\n", encoding="utf-8")
    assert [p.method for p in read_paths([tmp_path]).pairs] == ["folders"]
    restricted = read_paths([tmp_path], pairing="file-name").pairs
    assert [p.method for p in restricted] == ["unpaired", "unpaired"]


def test_an_english_headline_full_of_spanish_names_does_not_pair_the_page_with_itself(tmp_path):
    page = write(
        tmp_path / "tour.en.txt",
        "On the tour that starts on Monday\n\n"
        "Ana María Rodríguez Fernández to open two Ramón Llull schools in Túnez\n\n"
        "The writer will open both schools this week. She will also meet students.\n",
    )
    [pair] = read_paths([page]).pairs
    assert pair.method == "unpaired" and pair.source is None


def test_a_spanish_headline_on_a_page_without_blank_lines_is_still_found(tmp_path):
    page = write(
        tmp_path / "harbour.en.txt",
        "Valdeoro inaugura su nuevo puerto tras tres años de obras\n"
        "The harbour opened on Monday after three years of works. Ferries will call daily.\n",
    )
    [pair] = read_paths([page]).pairs
    assert pair.method == "embedded-headline"
    assert [block.text for block in pair.source.blocks] == ["Valdeoro inaugura su nuevo puerto tras tres años de obras"]


def test_a_page_whose_source_dump_lost_its_headline_reports_no_added_headline(tmp_path):
    from qa.pipeline import check_corpus

    write(tmp_path / "harbour.es.txt",
          "El puerto abrió el lunes tras tres años de obras. Los ferris llegarán cada día.\n")
    write(tmp_path / "harbour.en.txt",
          "Valdeoro opens its harbour\n\n"
          "The harbour opened on Monday after three years of works. Ferries will call daily.\n")
    [pair] = read_paths([tmp_path]).pairs
    assert pair.method == "file-name"
    [article] = check_corpus([pair], engine=None).articles
    kinds = {" ".join(s.text for s in segment.target): segment.kind for segment in article.segments}
    assert kinds["Valdeoro opens its harbour"] == "no-source"
    assert not [segment for segment in article.segments if segment.kind in ("0-1", "1-0")]
