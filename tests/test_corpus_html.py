"""HTML pages: trafilatura picks the article's paragraphs, the markup gives each one its role,
and `qa check page.html` flags the article's text, never its caption, byline or links.

The pages in tests/fixtures/html are invented news pages in a newsroom's usual markup: a site
header with its menu, the article's own header (kicker, h1, standfirst, byline), a figure whose
caption was left in Spanish, body paragraphs with an intertitle, an aside of related links and a
footer. cumbre.en.html plants one garble (a circular name) in its body; cumbre.es.html is its
Spanish original; titular.en.html still carries its Spanish headline above the English one.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

import qa
from qa.corpus import HTML_HINT, NO_ARTICLES, discover, read_article, read_paths, read_text_article
from qa.corpus.html import NOTHING_FOUND, looks_like_html, parse_html
from qa.corpus.model import Article, Role
from qa.errors import InputError

FIXTURES = REPO / "tests" / "fixtures" / "html"
CIRCULAR = "The United States General Department for the United States met on Monday."
CAPTION = "Los ministros, durante la reunión celebrada el lunes en Tortosa."
SIDE_ROLES = (Role.CAPTION, Role.BYLINE, Role.FURNITURE)


def blocks_by_role(article: Article) -> dict[Role, list[str]]:
    found: dict[Role, list[str]] = {}
    for block in article.blocks:
        found.setdefault(block.role, []).append(block.text)
    return found


def read_fixture(name: str) -> Article:
    [article] = read_article(FIXTURES / name).articles
    return article


@pytest.fixture
def pages(tmp_path, monkeypatch) -> Path:
    """A copy of the fixture pages in a folder of their own, which is the current folder."""
    for page in FIXTURES.glob("*.html"):
        shutil.copy(page, tmp_path / page.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def qa_json(folder: Path, *arguments: str) -> tuple[dict, subprocess.CompletedProcess]:
    """``python -m qa check --format json ARGS`` run in ``folder``: the report and the run."""
    done = subprocess.run([sys.executable, "-m", "qa", "check", "--format", "json", *arguments],
                          cwd=folder, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout), done


# --- roles ----------------------------------------------------------------------------------


def test_every_part_of_a_news_page_has_its_role():
    article = read_fixture("cumbre.en.html")
    roles = blocks_by_role(article)
    assert article.format == "html" and article.lang == "en"
    assert roles[Role.HEADLINE] == ["Water ministers agree on a plan for the Ebro delta"]
    # the standfirst (by its class) and the intertitle (an h2) are subtitles
    assert roles[Role.SUBTITLE][0].startswith("The regional governments will share the cost")
    assert roles[Role.SUBTITLE][1:] == ["Farmers ask for more water"]
    assert roles[Role.BYLINE] == ["By Lucía Fernández · March 2, 2026"]
    assert roles[Role.CAPTION] == [f"{CAPTION} (FOTO/EFE)"]
    assert len(roles[Role.BODY]) == 5 and roles[Role.BODY][1].startswith(CIRCULAR)
    furniture = roles[Role.FURNITURE]
    # the menu, the kicker, the related links and the footer; nothing of the <head> or the script
    for text in ("World", "Environment", "Related", "Who pays for the dykes?", "A short rice harvest in the delta",
                 "© 2026 Diario del Estrecho. All rights reserved.", "Privacy"):
        assert text in furniture
    assert not any("dataLayer" in block.text or "| Diario" in block.text for block in article.blocks)


def test_the_spanish_caption_is_a_spanish_caption_and_no_sentence_to_check():
    article = read_fixture("cumbre.en.html")
    [caption] = [block for block in article.blocks if block.role is Role.CAPTION]
    assert caption.lang == "es" and article.lang == "en"
    checked = [sentence.text for _, sentence in article.sentences()]
    assert CIRCULAR in checked
    assert not any(CAPTION in text or "Lucía" in text or "rice harvest" in text for text in checked)


def test_each_block_starts_on_its_elements_line_of_the_file():
    article = read_fixture("cumbre.en.html")
    lines = (FIXTURES / "cumbre.en.html").read_text(encoding="utf-8").splitlines()
    for block in article.blocks:
        line = article.line_col(block.start)[0]
        assert block.text.split()[0] in lines[line - 1], (block.text, line)
        assert article.text[block.start : block.end] == block.text
        for sentence in block.sentences:
            assert article.text[sentence.start : sentence.end] == sentence.text
    circular = next(block for block in article.blocks if block.text.startswith(CIRCULAR))
    assert article.line_col(circular.start) == (35, 1)
    # two links printed on one line of the file share that line in the article's text too
    footer = [article.line_col(b.start)[0] for b in article.blocks if b.text in ("Privacy", "Contact")]
    assert footer == [53, 53]


def test_the_articles_own_header_is_not_the_sites():
    article = parse_html(
        "<!doctype html><html><body><header><a href='/'>Diario</a> <span>Portada</span></header>"
        "<article><header><h1>The port reopens after the storm</h1></header>"
        "<p>The port of Algeciras reopened on Friday after two days closed by the wind.</p></article>"
        "</body></html>", "port.en.html", lang="en", pair=("es", "en"))
    roles = blocks_by_role(article)
    assert roles[Role.HEADLINE] == ["The port reopens after the storm"]
    assert roles[Role.FURNITURE] == ["Diario Portada"]


def test_markup_that_is_not_the_article_is_left_out():
    html = """<!doctype html><html lang="en"><body>
<div class="cookie-banner" hidden>We use cookies to improve the site.</div>
<article>
<h1>Fishing boats stay in port</h1>
<p>The fishing boats of Barbate stayed in port on Thursday because of the wind.</p>
<p style="display: none">A hidden sentence the reader never sees.</p>
<p>The port authority expects the sea to calm down on Saturday.<script>track("read")</script></p>
<form action="/subscribe"><label>Your e-mail</label><input name="email"><button>Subscribe now</button></form>
</article></body></html>"""
    article = parse_html(html, "barcos.en.html", pair=("es", "en"))
    texts = [block.text for block in article.blocks]
    assert texts[0] == "Fishing boats stay in port"
    assert "The port authority expects the sea to calm down on Saturday." in texts
    assert not any("cookies" in t or "hidden sentence" in t or "track(" in t or "Subscribe now" in t for t in texts)


def test_a_byline_a_date_line_and_a_see_also_link_in_the_body_are_not_text():
    html = """<!doctype html><html><body><article>
<h1>The library opens on Sundays</h1>
<p>By Marta Ruiz</p>
<p>12 March 2026</p>
<p>The city library will open on Sundays from April, the council said on Monday.</p>
<p>See also: <a href="/a">The new reading room</a></p>
<p>The library will stay open until eight in the evening on weekdays.</p>
</article></body></html>"""
    article = parse_html(html, "biblioteca.en.html", lang="en", pair=("es", "en"))
    roles = {block.text: block.role for block in article.blocks}
    assert roles["By Marta Ruiz"] is Role.BYLINE
    assert roles["12 March 2026"] is Role.FURNITURE
    assert roles["See also: The new reading room"] is Role.FURNITURE
    assert roles["The library will stay open until eight in the evening on weekdays."] is Role.BODY


def test_a_page_too_short_for_trafilatura_is_read_whole():
    article = parse_html(f"<p>{CIRCULAR}</p>", "nota.en.html", pair=("es", "en"))
    assert [(block.role, block.text) for block in article.blocks] == [(Role.BODY, CIRCULAR)]


def test_the_page_language_is_identified_and_the_html_lang_is_the_last_word():
    spanish = parse_html("<html><body><p>El puerto de Algeciras reabrió el viernes tras dos días cerrado por "
                         "el viento.</p></body></html>", "<stdin>", pair=("es", "en"))
    assert spanish.lang == "es"
    undecided = parse_html("<html lang='es-ES'><body><p>Rabat, 2026.</p></body></html>", "<stdin>", pair=("es", "en"))
    assert undecided.lang == "es"


def test_an_inline_marker_accepts_the_block_it_stands_before_or_in():
    html = f"""<!doctype html><html><body><article>
<p>The minister arrived in Rabat on Monday.</p>
<!-- qa: ignore -->
<p>{CIRCULAR}</p>
<p>The talks will go on until Friday. <!-- qa: ignore --></p>
<p>The delegations will meet again in June.</p>
</article></body></html>"""
    article = parse_html(html, "marcado.en.html", lang="en", pair=("es", "en"))
    ignored = [article.text[start:end] for start, end in article.ignored]
    assert ignored == [CIRCULAR, "The talks will go on until Friday."]


# --- reading and pairing ----------------------------------------------------------------------


def test_a_spanish_headline_left_on_the_page_pairs_by_embedded_headline():
    [pair] = read_paths([FIXTURES / "titular.en.html"]).pairs
    assert pair.method == "embedded-headline"
    assert pair.source is not None and pair.target is not None
    [headline] = pair.source.blocks
    assert (headline.role, headline.lang, headline.text) == (Role.HEADLINE, "es", "Nuevo horario para los trenes de cercanías")
    target_roles = blocks_by_role(pair.target)
    assert target_roles[Role.SUBTITLE][0] == "A new timetable for the commuter trains"
    assert target_roles[Role.BYLINE] == ["Tomás Herrera"]
    [caption] = [block for block in pair.target.blocks if block.role is Role.CAPTION]
    assert caption.lang == "es"


def test_an_es_and_an_en_page_pair_by_file_name():
    corpus = read_paths([FIXTURES / "cumbre.es.html", FIXTURES / "cumbre.en.html"])
    [pair] = corpus.pairs
    assert not corpus.errors
    assert pair.method == "file-name"
    assert pair.source is not None and pair.source.lang == "es" and pair.source.path.endswith("cumbre.es.html")
    assert pair.target is not None and pair.target.lang == "en"


@pytest.mark.parametrize("opening", ["<!DOCTYPE html>\n<html>", "  \n<html lang='en'>", "<!doctype HTML><html>"])
def test_pasted_html_is_sniffed(opening):
    text = f"{opening}<body><h1>A new bridge</h1><p>{CIRCULAR}</p></body></html>"
    assert looks_like_html(text)
    [article] = read_text_article(text, "<stdin>").articles
    assert article.format == "html"
    assert [block.text for block in article.blocks] == ["A new bridge", CIRCULAR]


def test_an_xhtml_page_with_its_xml_declaration_keeps_its_lines():
    text = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml">\n'
            f'<body>\n<p>{CIRCULAR}</p>\n</body></html>\n')
    assert looks_like_html(text)
    [article] = read_text_article(text, "<stdin>").articles
    [block] = article.blocks
    assert block.text == CIRCULAR and article.line_col(block.start) == (5, 1)


def test_only_named_and_sniffed_html_is_read_as_html():
    text = f"<html><body><p>{CIRCULAR}</p></body></html>"
    assert read_text_article(text, "nota.en.htm").articles[0].format == "html"
    # a .txt name is a page dump, whatever it holds, as before
    assert read_text_article(text, "nota.en.txt").articles[0].format == "page"
    assert not looks_like_html("<p>A paragraph pasted without its page.</p>")
    assert not looks_like_html("The <html> element is the root of a page.")


def test_html_on_standard_input_is_checked(pages):
    page = (pages / "cumbre.en.html").read_text(encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "qa", "check", "--engine", "none", "--format", "json", "-"],
                          cwd=pages, input=page, capture_output=True, text=True, timeout=300)
    report = json.loads(done.stdout)
    [flagged] = [s for a in report["articles"] for s in a["segments"] if s["flagged"]]
    assert (flagged["path"], flagged["text"], flagged["line"]) == ("<stdin>", CIRCULAR, 35)


def test_a_folder_walk_passes_over_html_pages(tmp_path):
    shutil.copy(FIXTURES / "cumbre.en.html", tmp_path / "cumbre.en.html")
    with pytest.raises(InputError, match=re.escape(f"{NO_ARTICLES}; {HTML_HINT}")):
        discover([tmp_path])
    (tmp_path / "nota.en.md").write_text(f"# A note\n\n{CIRCULAR}\n", encoding="utf-8")
    assert discover([tmp_path]) == [tmp_path / "nota.en.md"]
    # named, the same page is read
    assert discover([tmp_path / "cumbre.en.html"]) == [tmp_path / "cumbre.en.html"]


def test_a_checked_folder_leaves_its_html_out(pages):
    (pages / "nota.en.md").write_text(f"# A note\n\n{CIRCULAR}\n", encoding="utf-8")
    report, _ = qa_json(pages, "--engine", "none", ".")
    assert [article["path"] for article in report["articles"]] == ["nota.en.md"]


# --- a page with nothing to read ----------------------------------------------------------------


@pytest.mark.parametrize("html", [
    "<!doctype html><html><body><nav><a href='/'>Home</a></nav><script>var t = 'Some words here.';</script></body></html>",
    "<!DOCTYPE html>\n<html><body>\n</body></html>",
    "<!doctype html><html><body><div id='app'></div><noscript>You need JavaScript to read this page.</noscript></body></html>",
])
def test_a_page_without_article_text_is_one_input_error_naming_it(html):
    with pytest.raises(InputError) as raised:
        read_text_article(html, "vacia.en.html")
    assert str(raised.value) == f"vacia.en.html: {NOTHING_FOUND}"


def test_qa_check_names_an_html_file_with_nothing_to_read(pages):
    (pages / "app.en.html").write_text(
        "<!doctype html><html><body><div id='root'></div><script src='/app.js'></script></body></html>",
        encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "qa", "check", "--engine", "none", "app.en.html", "cumbre.en.html"],
                          cwd=pages, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("qa: error:")]
    assert errors == [f"qa: error: app.en.html: {NOTHING_FOUND}"]
    assert "cumbre.en.html:35:1: error" in done.stdout  # the other page is still checked


# --- must show: qa check on a saved HTML page -----------------------------------------------------


def assert_only_the_garble_is_flagged(report: dict, path: str) -> dict:
    """The one flag of a JSON report: the planted circular name, in the body of ``path``; and no
    segment at all holds the caption, the byline or a related link."""
    segments = [s for article in report["articles"] for s in article["segments"]]
    flagged = [s for s in segments if s["flagged"]]
    assert [(s["path"], s["role"], s["text"], s["line"]) for s in flagged] == [(path, "body", CIRCULAR, 35)]
    assert "circular_name" in [reason["signal"] for reason in flagged[0]["reasons"]]
    assert {s["role"] for s in segments} <= {"headline", "subtitle", "body"}
    side = ("Tortosa. (FOTO", "Lucía Fernández", "forty metres of beach", "Diario del Estrecho", "Privacy", "Environment")
    assert not any(part in (s["text"] or "") or part in (s["source"] or "") for s in segments for part in side)
    return flagged[0]


def test_qa_check_flags_the_garble_of_a_saved_page_and_not_its_furniture(pages):
    report, done = qa_json(pages, "--engine", "none", "cumbre.en.html")
    assert done.returncode == 1, done.stderr
    assert_only_the_garble_is_flagged(report, "cumbre.en.html")
    assert report["articles"][0]["pairing"] == "unpaired"


@pytest.mark.parametrize("names", [["cumbre.en.html"], ["cumbre.es.html", "cumbre.en.html"]])
def test_the_library_check_reads_the_saved_page_as_qa_check_does(pages, names):
    report = qa.check(names, engine=None)
    [(article, segment)] = report.flagged
    assert article.path == "cumbre.en.html"
    assert segment.role is Role.BODY and [s.text for s in segment.target] == [CIRCULAR]
    assert "circular_name" in [reason.signal for reason in segment.result.reasons]
    assert article.pair.method == ("file-name" if len(names) == 2 else "unpaired")
    cli, _ = qa_json(pages, "--engine", "none", *names)
    assert [(s.line, s.kind) for s in report.articles[0].segments] == [
        (s["line"], s["kind"]) for s in cli["articles"][0]["segments"]]


def test_qa_check_pairs_the_saved_page_with_its_spanish_original(pages):
    report, done = qa_json(pages, "--engine", "none", "cumbre.es.html", "cumbre.en.html")
    assert done.returncode == 1, done.stderr
    flagged = assert_only_the_garble_is_flagged(report, "cumbre.en.html")
    assert report["articles"][0]["pairing"] == "file-name"
    assert flagged["source"] == "La Dirección General de Estados Unidos se reunió el lunes."
    assert (flagged["source_path"], flagged["source_line"]) == ("cumbre.es.html", 34)


@pytest.mark.slow  # two Apertium pipelines in a new process: 2.5-4 s
@pytest.mark.apertium
@pytest.mark.parametrize("names", [["cumbre.en.html"], ["cumbre.es.html", "cumbre.en.html"]])
def test_qa_check_with_apertium_flags_only_the_garble_of_a_saved_page(pages, names, apertium_available):
    report, done = qa_json(pages, "--engine", "apertium", *names)
    assert done.returncode == 1, done.stderr
    assert report["signature"]["engine"]["engine"] == "apertium"
    assert_only_the_garble_is_flagged(report, "cumbre.en.html")


def test_the_spanish_headline_left_on_a_saved_page_is_flagged_as_a_headline(pages):
    report, _ = qa_json(pages, "--engine", "none", "titular.en.html")
    [article] = report["articles"]
    assert article["pairing"] == "embedded-headline"
    flagged = [s for s in article["segments"] if s["flagged"]]
    assert [(s["role"], s["text"], s["line"]) for s in flagged] == [
        ("headline", "Nuevo horario para los trenes de cercanías", 14)]
    assert not any("Viajeros" in (s["text"] or "") for s in article["segments"])


def test_an_inline_marker_in_a_saved_page_accepts_its_flag(pages):
    page = (pages / "cumbre.en.html").read_text(encoding="utf-8")
    marked = page.replace("<p>The United States General", "<!-- qa: ignore -->\n      <p>The United States General")
    (pages / "cumbre.en.html").write_text(marked, encoding="utf-8")
    report, done = qa_json(pages, "--engine", "none", "cumbre.en.html")
    assert done.returncode == 0, done.stderr
    assert report["summary"]["flagged"] == 0 and report["summary"]["accepted"]["inline"] == 1
    [accepted] = [s for a in report["articles"] for s in a["segments"] if s["accepted"]]
    assert (accepted["text"], accepted["line"]) == (CIRCULAR, 36)
