"""Hugo and Jekyll content: TOML front matter, the default-language file layout, shortcodes and
Liquid tags skipped, table cells read one by one. The fixture in tests/fixtures/hugo was written
for these tests: a Spanish post and its English translation with two planted garbles."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.corpus import read_paths
from qa.corpus.markdown import mask_template_tags, parse_markdown
from qa.errors import InputError

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "tests" / "fixtures" / "hugo"
POST = "---\ntitle: x\n---\n"


def sentences(text: str, path: str = "post.en.md") -> list[str]:
    article = parse_markdown(text, path, pair=("en", "es"))
    return [sentence.text for _, sentence in article.sentences()]


def test_toml_front_matter_gives_the_headline_at_its_place():
    text = '+++\ntitle = "The new bridge opens"\ndate = 2025-03-14\n+++\n\nThe bridge opened on Monday.\n'
    article = parse_markdown(text, "bridge.en.md", pair=("en", "es"))
    headline = article.blocks[0]
    assert headline.role == "headline" and headline.text == "The new bridge opens"
    assert text[headline.sentences[0].start : headline.sentences[0].end] == "The new bridge opens"
    assert article.line_col(headline.sentences[0].start) == (2, 10)
    assert sentences(text, "bridge.en.md") == ["The new bridge opens", "The bridge opened on Monday."]


@pytest.mark.parametrize(("text", "message"), [
    ('+++\ntitle = "x\n+++\n\nBody.\n', "post.en.md:2: front matter is not valid TOML"),
    ('+++\ntitle = "x"\n\nBody.\n', "post.en.md:1: front matter opened with '+++' is never closed"),
])
def test_bad_toml_front_matter_is_one_line_naming_the_file(text, message):
    with pytest.raises(InputError) as error:
        parse_markdown(text, "post.en.md")
    assert str(error.value).startswith(message)


def test_shortcodes_and_liquid_tags_are_blanked_keeping_offsets_and_lines():
    text = 'A {{< figure caption="Photo of 2019" >}} b {{% note %}}kept{{% /note %}} {% include x.html n="7" %}\n{{ .Title }}'
    masked = mask_template_tags(text)
    assert len(masked) == len(text) and masked.count("\n") == text.count("\n")
    assert set(masked) - set(text) <= {"\u00a0"}  # blanks that no Markdown reads as indentation
    assert "2019" not in masked and "7" not in masked and "Title" not in masked
    assert masked.split() == ["A", "b", "kept"]


def test_nothing_inside_a_tag_is_read_as_text_or_figures():
    text = POST + '\nThe works cost 12 million euros {{< ref "budget-2019" >}}.\n\n{{< figure caption="In 2023" >}}\n'
    read = sentences(text)
    assert read[-1].split() == ["The", "works", "cost", "12", "million", "euros", "."]
    assert not any("2023" in sentence or "2019" in sentence for sentence in read)


def test_table_cells_are_segments_of_their_own_at_their_columns():
    text = POST + "\n| District | Inhabitants |\n|---|---|\n| North | 4,200 |\n| South | 4,200 |\n"
    article = parse_markdown(text, "t.en.md", pair=("en", "es"))
    cells = [(sentence.text, article.line_col(sentence.start)) for _, sentence in article.sentences()][1:]
    assert cells == [("District", (5, 3)), ("Inhabitants", (5, 14)), ("North", (7, 3)), ("4,200", (7, 11)),
                     ("South", (8, 3)), ("4,200", (8, 11))]  # the second 4,200 found in its own row


def test_hugo_default_language_file_pairs_with_its_translation(tmp_path):
    (tmp_path / "post.md").write_text(POST + "\nEl puente abrió el lunes.\n", encoding="utf-8")
    (tmp_path / "post.en.md").write_text(POST + "\nThe bridge opened on Monday.\n", encoding="utf-8")
    (tmp_path / "otro.md").write_text("---\ntitle: y\ntranslationKey: story\n---\n\nLa obra costó mucho.\n",
                                      encoding="utf-8")
    (tmp_path / "different-slug.en.md").write_text("---\ntitle: y\ntranslationKey: story\n---\n\nThe works cost "
                                                   "a lot.\n", encoding="utf-8")
    corpus = read_paths([tmp_path], src_lang="es", tgt_lang="en")
    pairs = {(Path(p.source.path).name, Path(p.target.path).name, p.method) for p in corpus.pairs}
    assert pairs == {("post.md", "post.en.md", "file-name"), ("otro.md", "different-slug.en.md", "front-matter")}


def test_the_hugo_fixture_flags_only_its_planted_garbles(apertium_available):
    done = subprocess.run([sys.executable, "-m", "qa", "check", "--engine", "apertium", "--no-cache", "--format",
                           "json", "-q", "--", str(SITE)], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 1, done.stderr
    (article,) = json.loads(done.stdout)["articles"]
    assert article["pairing"] == "file-name" and article["source_path"].endswith("puente.md")
    flagged = {(s["line"], s["reasons"][0]["signal"]) for s in article["segments"] if s["flagged"]}
    # 12 million in the source, 21 in the translation; a circular name. The captions and the
    # include's parameters differ in their years too, but live in tags that are not text.
    assert flagged == {(11, "numbers"), (20, "circular_name")}
    checked = [s["text"] for s in article["segments"] if s["text"]]
    assert {"District", "Inhabitants", "North", "4,200", "South", "3,100"} <= set(checked)
    assert any(text.startswith("Heavy traffic") for text in checked)  # text between paired shortcodes
