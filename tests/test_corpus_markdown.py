"""Markdown with YAML front matter: metadata, roles, and offsets through inline markup."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_properties import CI, assert_sound

from qa.corpus.markdown import parse_markdown, read_markdown, split_front_matter, strip_inline
from qa.corpus.model import Role
from qa.errors import InputError
from qa.segment import identity_map

ARTICLE = """\
---
title: "Marruecos y EE. UU. firman un acuerdo"
subtitle: Los dos países fijan una hoja de ruta
translationKey: marruecos-eeuu
lang: es-ES
tags: [seguridad, sahel]
---

Por María López

El Sr. García llegó a **Rabat** el lunes. Dijo que la [reunión](https://example.org/a_b) fue \
`útil` &amp; breve.
La _cooperación_ sigue, según fuentes_oficiales.

## Los acuerdos

- Primer acuerdo sobre *fronteras*.
- Segundo acuerdo sobre inteligencia.

> «La cooperación es sólida. Seguirá», dijo el ministro.

![El ministro](foto.jpg)

*El ministro, en Rabat.*

Foto: Agencia EFE

```
codigo = 1
```

<div class="ad">Publicidad</div>
"""


@pytest.fixture(scope="module")
def article():
    return parse_markdown(ARTICLE, "content/nota.md", pair=("es", "en"))


def roles(article):
    return [(block.role, block.text) for block in article.blocks]


def test_front_matter_sets_language_key_and_meta(article):
    assert article.lang == "es"
    assert article.key == "marruecos-eeuu"
    assert article.meta["key_from"] == "front-matter"
    assert article.meta["front_matter"]["tags"] == ["seguridad", "sahel"]
    assert article.format == "markdown"


def test_title_offsets_point_inside_the_quotes(article):
    headline = article.blocks[0]
    assert headline.role is Role.HEADLINE
    assert headline.text == "Marruecos y EE. UU. firman un acuerdo"
    assert ARTICLE[headline.start : headline.end] == headline.text
    assert ARTICLE[headline.start - 1] == '"'
    assert article.line_col(headline.start) == (2, 9)
    [sentence] = headline.sentences
    assert (sentence.start, sentence.end) == (headline.start, headline.end)


def test_roles(article):
    assert roles(article) == [
        (Role.HEADLINE, "Marruecos y EE. UU. firman un acuerdo"),
        (Role.SUBTITLE, "Los dos países fijan una hoja de ruta"),
        (Role.BYLINE, "Por María López"),
        (
            Role.BODY,
            "El Sr. García llegó a Rabat el lunes. Dijo que la reunión fue útil & breve. "
            "La cooperación sigue, según fuentes_oficiales.",
        ),
        (Role.SUBTITLE, "Los acuerdos"),
        (Role.BODY, "Primer acuerdo sobre fronteras."),
        (Role.BODY, "Segundo acuerdo sobre inteligencia."),
        (Role.BODY, "«La cooperación es sólida. Seguirá», dijo el ministro."),
        (Role.FURNITURE, "![El ministro](foto.jpg)"),
        (Role.CAPTION, "El ministro, en Rabat."),
        (Role.CAPTION, "Foto: Agencia EFE"),
        (Role.FURNITURE, "```\ncodigo = 1\n```"),
        (Role.BODY, "Publicidad"),  # an HTML block's text, as Jekyll and Hugo show it
    ]


def test_sentence_offsets_cover_the_markup(article):
    body = article.blocks[3]
    assert [s.text for s in body.sentences] == [
        "El Sr. García llegó a Rabat el lunes.",
        "Dijo que la reunión fue útil & breve.",
        "La cooperación sigue, según fuentes_oficiales.",
    ]
    assert [ARTICLE[s.start : s.end] for s in body.sentences] == [
        "El Sr. García llegó a **Rabat** el lunes.",
        "Dijo que la [reunión](https://example.org/a_b) fue `útil` &amp; breve.",
        "La _cooperación_ sigue, según fuentes_oficiales.",
    ]
    assert all(s.lang == "es" for s in body.sentences)
    quote = article.blocks[7]
    assert [ARTICLE[s.start : s.end] for s in quote.sentences] == [
        "«La cooperación es sólida.",
        "Seguirá», dijo el ministro.",
    ]


def test_every_block_span_is_in_the_file(article):
    for block in article.blocks:
        assert block.start < block.end
        raw = ARTICLE[block.start : block.end]
        assert raw.strip() == raw
        for sentence in block.sentences:
            assert block.start <= sentence.start < sentence.end <= block.end


def test_heading_repeating_the_title_is_furniture():
    text = (
        "---\ntitle: Un titular\nsubtitle: Un subtítulo\n---\n\n# Un titular\n\nUn subtítulo\n\nEl texto.\n"
    )
    article = parse_markdown(text, "x.es.md")
    assert [block.role for block in article.blocks] == [
        Role.HEADLINE,
        Role.SUBTITLE,
        Role.FURNITURE,
        Role.FURNITURE,
        Role.BODY,
    ]
    assert text[article.blocks[0].start : article.blocks[0].end] == "Un titular"
    assert article.line_col(article.blocks[0].start) == (2, 8)


def test_first_h1_is_the_headline_without_a_title(tmp_path):
    path = tmp_path / "story.en.md"
    path.write_text("# Morocco and the US sign a deal\n\n# Second heading\n\nThe two countries signed it.\n")
    article = read_markdown(path)
    assert roles(article)[:2] == [
        (Role.HEADLINE, "Morocco and the US sign a deal"),
        (Role.SUBTITLE, "Second heading"),
    ]
    assert article.lang == "en" and article.key == "story"
    assert article.meta["key_from"] == "file-name"


def test_language_from_folder_then_identified(tmp_path):
    folder = tmp_path / "es" / "politica"
    folder.mkdir(parents=True)
    (folder / "nota.md").write_text("The text says nothing of Spanish.\n")
    assert read_markdown(folder / "nota.md").lang == "es"
    (tmp_path / "story.md").write_text(
        "El gobierno aprobó ayer la reforma de las pensiones en el Congreso.\n"
    )
    article = read_markdown(tmp_path / "story.md", pair=("en", "es"))
    assert article.lang == "es" and article.meta["lang_from"] == "identified"


def test_slug_is_the_key_without_translation_key():
    article = parse_markdown("---\nslug: my-story\n---\nBody text here.\n", "x.en.md")
    assert article.key == "my-story"


def test_escaped_title_spans_the_raw_value():
    text = '---\ntitle: "Say \\"yes\\" now"\n---\nBody.\n'
    article = parse_markdown(text, "x.en.md")
    headline = article.blocks[0]
    assert headline.text == 'Say "yes" now'
    assert text[headline.start : headline.end] == 'Say \\"yes\\" now'


def test_crlf_file_keeps_offsets():
    text = "---\r\ntitle: Un titular\r\n---\r\n\r\nPrimera frase. Segunda frase.\r\n"
    article = parse_markdown(text, "x.es.md")
    body = article.blocks[-1]
    assert [text[s.start : s.end] for s in body.sentences] == ["Primera frase.", "Segunda frase."]
    assert text[article.blocks[0].start : article.blocks[0].end] == "Un titular"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("---\ntitle: Bueno\ntags: [a, b\n---\nBody.\n", 4, "front matter is not valid YAML"),
        ("---\ntitle: a: b\n---\nBody.\n", 2, "front matter is not valid YAML"),
        ("---\n- a\n- b\n---\nBody.\n", 2, "front matter must be keys and values, not a list"),
        ("---\ntitle: Nunca cerrado\n\nBody.\n", 1, "front matter opened with '---' is never closed"),
        ("---\nx: !!python/object:os.system ls\n---\nBody.\n", 2, "front matter is not valid YAML"),
    ],
)
def test_bad_front_matter_names_file_and_line(tmp_path, text, line, message):
    path = tmp_path / "bad.es.md"
    path.write_text(text)
    with pytest.raises(InputError) as excinfo:
        read_markdown(path)
    assert str(excinfo.value).startswith(f"{path}:{line}: {message}")
    assert "\n" not in str(excinfo.value)


def test_front_matter_over_64_kb_is_refused():
    text = "---\nnotes: " + "x" * (65 * 1024) + "\n---\nBody.\n"
    with pytest.raises(InputError, match="front matter is too large"):
        split_front_matter(text, "big.md")


def test_empty_front_matter_and_none():
    assert dict(split_front_matter("---\n---\nBody\n", "a.md").data) == {}
    front = split_front_matter("No front matter.\n", "a.md")
    assert dict(front.data) == {} and front.body_start == 0


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("**bold** and *it* and __b__ and _i_", "bold and it and b and i"),
        ("see [the site](http://x.org/a_(b)) now", "see the site now"),
        ("an ![image](a.png) here", "an  here"),
        ("a <span class='x'>tag</span> and <!-- gone --> comment", "a tag and  comment"),
        ("`code_with *stars*` stays", "code_with *stars* stays"),
        ("5 * 3 and snake_case_name", "5 * 3 and snake_case_name"),
        ("escaped \\*star\\* and &eacute;", "escaped *star* and é"),
        ("<https://example.org> link", "https://example.org link"),
    ],
)
def test_strip_inline(raw, plain):
    text_map = strip_inline(identity_map(raw))
    assert text_map.text == plain
    for index, char in enumerate(text_map.text):
        start, end = text_map.starts[index], text_map.ends[index]
        assert start < end and (char in raw[start:end] or raw[start] in "&\\")


HTML_BLOCKS = """\
---
title: Bloques
---

<details>
<summary>Más &amp; menos</summary>
Primera frase del detalle.<br>Segunda &#8220;frase&#x201D; aquí.
<script>var texto = "No es texto del artículo.";</script>
<style>p::after { content: "Tampoco es texto." }</style>
</details>

<table>
<tr><td>Celda uno.</td><td>Celda <b>dos</b>.</td></tr>
</table>

<!-- qa: ignore -->

> <div>
> Una cita en un div.
> </div>

<h2>Un apartado</h2>

<figure><img src="a.jpg" alt="Texto alternativo"><figcaption>Foto: Agencia EFE</figcaption></figure>

<pre>
codigo = 1
</pre>
"""


def test_html_blocks_are_read_as_the_text_a_browser_shows():
    article = parse_markdown(HTML_BLOCKS, "nota.es.md")
    assert roles(article)[1:] == [
        (Role.BODY, "Más & menos"),
        (Role.BODY, "Primera frase del detalle. Segunda “frase” aquí."),
        (Role.BODY, "Celda uno."),
        (Role.BODY, "Celda dos."),
        (Role.FURNITURE, "<!-- qa: ignore -->"),  # a comment shows nothing: furniture, as before
        (Role.BODY, "Una cita en un div."),
        (Role.SUBTITLE, "Un apartado"),
        (Role.CAPTION, "Foto: Agencia EFE"),
        (Role.BODY, "codigo = 1"),  # shown on the page, so checked
    ]


def test_html_block_sentences_point_at_their_text_through_tags_and_references():
    article = parse_markdown(HTML_BLOCKS, "nota.es.md")
    spans = [(s.text, HTML_BLOCKS[s.start : s.end], article.line_col(s.start)) for _, s in article.sentences()]
    assert spans[1:] == [
        ("Más & menos", "Más &amp; menos", (6, 10)),
        ("Primera frase del detalle.", "Primera frase del detalle.", (7, 1)),
        ("Segunda “frase” aquí.", "Segunda &#8220;frase&#x201D; aquí.", (7, 31)),
        ("Celda uno.", "Celda uno.", (13, 9)),
        ("Celda dos.", "Celda <b>dos</b>.", (13, 28)),
        ("Una cita en un div.", "Una cita en un div.", (19, 3)),
        ("Un apartado", "Un apartado", (22, 5)),
        ("codigo = 1", "codigo = 1", (27, 1)),
    ]


def test_html_blocks_with_crlf_and_markup_html_parser_refuses_are_still_read():
    crlf = parse_markdown("<div>\r\nLa primera.\r\n<p>La segunda.</p>\r\n</div>\r\n", "nota.es.md")
    assert [(s.text, s.start) for _, s in crlf.sentences()] == [("La primera.", 7), ("La segunda.", 23)]
    # html.parser raises on a marked section it does not know; the block's text is read anyway.
    odd = parse_markdown("<div><![x[ El Ministerio ]]> de Hacienda.</div>\n", "nota.es.md")
    assert [block.role for block in odd.blocks] == [Role.BODY]
    assert "de Hacienda." in odd.blocks[0].text


HTML_PIECES = st.sampled_from([
    "<div>", "</div>", "<p>", "</p>", "<details>", "<summary>", "</summary>", "<table>", "<tr>", "<td>", "<br>",
    "<br/>", "<script>", "</script>", "<pre>", "</pre>", "<!--", "-->", "<!-- qa: ignore -->", "&amp;", "&#8220;",
    "&#x;", "&", "<![x[", "]]>", "<b>", "</b>", "<", ">", '"', " a=b ", "\n", "\n\n", "\r\n", "> ", "- ", "\t",
    "    ", "El Ministerio.", " de Hacienda ", "ñ", "\u202e",
])


@CI
@given(body=st.lists(HTML_PIECES, max_size=30).map("".join))
def test_html_blocks_of_any_shape_read_with_sentences_inside_their_blocks(body):
    article = parse_markdown(body, "nota.es.md")
    assert_sound(article, exact=False)


# Inline <!-- qa: ignore --> markers, found by the reader with its own parse (Article.ignored).

MARKED = """\
---
title: Un título
---

<!-- qa: ignore -->
| País | Acuerdo |
|---|---|
| Marruecos | Firmado el lunes. |

Un párrafo sin marca.

| País | Acuerdo |
|---|---|
| Francia <!-- qa: ignore --> | Pendiente. |
| España | Firmado ayer. |

<!-- qa: ignore -->
{{< figure src="mapa.jpg" >}}

El párrafo tras la figura.

Otro párrafo sin marca.
"""


def test_the_reader_keeps_the_blocks_markers_accept():
    from qa.corpus.markdown import ignored_spans

    article = parse_markdown(MARKED, "nota.es.md")
    marked = [MARKED[start:end] for start, end in article.ignored]
    assert marked == [
        "| País | Acuerdo |\n|---|---|\n| Marruecos | Firmado el lunes. |",  # a marker before a table: the table
        "| Francia <!-- qa: ignore --> | Pendiente. |",  # a marker in a cell: its row
        "El párrafo tras la figura.",  # a shortcode has no text to accept: the next block is marked
    ]
    assert ignored_spans(MARKED) == article.ignored  # the same parse for a file read elsewhere (a git ref)
    texts = [block.text for block in article.blocks if any(s <= block.start < e for s, e in article.ignored)]
    assert texts == ["País", "Acuerdo", "Marruecos", "Firmado el lunes.", "Francia", "Pendiente.",
                     "El párrafo tras la figura."]


def test_markers_in_a_refused_front_matter_or_in_code_accept_nothing():
    from qa.corpus.markdown import ignored_spans

    assert ignored_spans("---\ntitle: [unclosed\n---\n<!-- qa: ignore -->\nText.\n") == ()
    text = "```\n<!-- qa: ignore -->\n```\nCode next.\n\n`<!-- qa: ignore -->` then.\n"
    assert parse_markdown(text, "nota.en.md").ignored == ()
