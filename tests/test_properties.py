"""Property-based tests: readers, segmenter, aligner, scorer and every report format take any text
a person or a scraper can produce (emoji, right-to-left scripts, combining marks, NUL, zero-width
and line-separator characters, lone surrogates in JSON, empty and whitespace-only blocks,
punctuation-only sentences) without an exception escaping (InputError for a bad file is the
expected answer), and keep their invariants: sentence offsets point at the sentence, every
sentence is aligned exactly once, JSON and SARIF parse, JUnit is XML, the same input gives the
same bytes. The big inputs (10,000-character sentences, thousands of paragraphs) are examples at
the end.

The example budget is the ``qa-ci`` settings profile; set QA_HYPOTHESIS_EXAMPLES for a longer
run (QA_HYPOTHESIS_EXAMPLES=1000 pytest tests/test_properties.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_report_ci import validate as sarif_errors

from qa.align import align_sentences, pair_adjacent_gaps
from qa.corpus import read_article
from qa.corpus.jsonl import parse_article_records
from qa.corpus.markdown import parse_markdown
from qa.corpus.model import Article, ArticlePair, Role
from qa.corpus.page import parse_page
from qa.corpus.pairs import parse_sentence_pairs, sentence_pairs_to_article_pair
from qa.errors import InputError
from qa.pipeline import check_corpus
from qa.report import FORMATS, renderer
from qa.results import Report
from qa.score import score_pairs
from qa.segment import split_sentences

EXAMPLES = int(os.environ.get("QA_HYPOTHESIS_EXAMPLES", "30"))
settings.register_profile(
    "qa-ci", max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
CI = settings.get_profile("qa-ci")
# For the properties whose every example runs the whole check and renders every format.
FEW = settings(CI, max_examples=max(1, EXAMPLES * 2 // 5))

# --- strategies ------------------------------------------------------------------------------

WORDS = ["El", "gobierno", "aprobó", "el", "plan", "del", "agua", "por", "3,5", "millones", "de", "euros", "en", "Madrid", "el", "5", "de", "mayo", "The", "government", "approved", "the", "water", "plan", "for", "3.5", "million", "euros", "in", "Madrid", "on", "5", "May", "Ministry", "of", "the", "Interior", "Ministerio", "del", "Interior", "EE.", "UU.", "U.S.", "p.", "m.", "n.º", "5", "Dr.", "Sr.", "1.000", "10:30"]
ODD = [
    "😀", "👍🏽", "🇪🇸", "👩‍👩‍👧", "مرحبا بالعالم", "שלום", "e\u0301", "n\u0303", "\u200b", "\u200f",
    "\u00a0", "\u2028", "\u2029", "\ufeff", "\x00", "\x0b", "\x1c", "\x85", "\r", "\t", "…", "...",
    "?!", "¿", "¡", "«", "»", "“", "”", "‘", "’", "'", '"', "—", "-", "*", "_", "`", "#", "[", "]",
    "(", ")", "<", ">", "&amp;", "&", "\\", "|", "~", "!", "<!-- qa: ignore -->", "<script>", "://",
]
PUNCTUATION_ONLY = ["...", "!!!", "?", "—", "«»", "“”", "()", "…", ".", ";;", "¿?", "-", "*"]
ENDINGS = ["", ".", "!", "?", "…", ".\u201d", "?»"]

token = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(ODD),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=6),
)
sentence = st.one_of(
    st.builds(lambda words, end: " ".join(words) + end, st.lists(token, max_size=12), st.sampled_from(ENDINGS)),
    st.sampled_from(PUNCTUATION_ONLY),
)
paragraph = st.lists(sentence, max_size=4).map(" ".join)
blank = st.sampled_from(["", " ", "\t", "\u00a0", "\u200b", "   \t "])
blocks = st.lists(st.one_of(paragraph, blank), max_size=8)
text = blocks.map("\n\n".join)

# Plain prose: words and sentence punctuation only, so no Markdown markup can change the text.
plain_word = st.sampled_from([w for w in WORDS if w.isalpha()])
plain_sentence = st.builds(
    lambda first, rest, end: " ".join([first.capitalize(), *rest]) + end,
    plain_word, st.lists(plain_word, max_size=10), st.sampled_from([".", "!", "?"]),
)
plain_paragraph = st.lists(plain_sentence, min_size=1, max_size=4).map(" ".join)

# Lone surrogates can only arrive as JSON escapes; json.dumps writes them as \udXXX.
json_string = st.one_of(
    sentence,
    st.builds(lambda a, s, b: a + s + b, sentence, st.sampled_from(["\ud800", "\udfff", "\ud83d", "\udc00x"]),
              sentence),
)
langs = st.sampled_from(["es", "en", "fr", "ar", "he", "xx", ""])


# --- invariants ------------------------------------------------------------------------------


def assert_sound(article: Article, *, exact: bool) -> None:
    """Blocks lie in the article's text and sentences in their block, in order, trimmed and never
    empty; with ``exact`` (no markup), each sentence's span holds exactly its text. (Sentences
    of a title whose YAML value differs from its raw text, escaped or folded, all span the raw
    value, so they may share a span.)"""
    for block in article.blocks:
        assert 0 <= block.start <= block.end <= len(article.text)
        previous_start = block.start
        for s in block.sentences:
            assert s.text and s.text == s.text.strip()
            assert previous_start <= s.start < s.end <= block.end
            previous_start = s.start
            if exact:
                assert article.text[s.start : s.end] == s.text
            elif not {"&", "\\"} & set(article.text[s.start : s.end]):  # no entity or escape
                # Markup stripped, the letters and digits are those of the span, in order.
                assert is_subsequence([c for c in s.text if c.isalnum()], article.text[s.start : s.end])
            assert not any("\ud800" <= char <= "\udfff" for char in s.text)


ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
QUOTES = '"“”«»„‟‹›‘’'


def is_subsequence(needle, haystack) -> bool:
    rest = iter(haystack)
    return all(item in rest for item in needle)


def read_file(name: str, content: str):
    """What qa reads from a file of this name and content: FileContents, or the InputError."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(content, encoding="utf-8", newline="")
        try:
            return read_article(path)
        except InputError as error:
            return error


# --- readers ---------------------------------------------------------------------------------


@CI
@given(body=text, title=st.one_of(st.none(), sentence), quoted=st.booleans(), crlf=st.booleans())
def test_markdown_files_read_or_refuse_cleanly(body, title, quoted, crlf):
    front = ""
    if title is not None:
        value = json.dumps(title, ensure_ascii=False) if quoted else title
        front = f"---\ntitle: {value}\nlang: es\n---\n"
    content = front + body
    if crlf:
        content = content.replace("\n", "\r\n")
    contents = read_file("nota.es.md", content)
    if isinstance(contents, InputError):
        assert "\n" not in str(contents) and str(contents).startswith(str(contents.path))
        return
    (article,) = contents.articles
    assert_sound(article, exact=False)


@CI
@given(paragraphs=st.lists(plain_paragraph, min_size=1, max_size=6), title=plain_sentence)
def test_plain_markdown_sentences_point_at_their_text(paragraphs, title):
    content = f"---\ntitle: {title}\n---\n\n" + "\n\n".join(paragraphs) + "\n"
    article = parse_markdown(content, "nota.en.md")
    assert_sound(article, exact=True)
    sentences = [s.text for _, s in article.sentences()]
    # A paragraph that says just the title again is page furniture, not checked twice.
    assert " ".join(sentences) == " ".join([title, *(p for p in paragraphs if p != title)])


@CI
@given(content=text)
def test_page_dumps_keep_every_sentence_at_its_offsets(content):
    contents = read_file("page.en.txt", content)
    if isinstance(contents, InputError):  # empty, whitespace only, or NUL (a binary file)
        assert not content.removeprefix("\ufeff").strip() or "\x00" in content
        return
    (article,) = contents.articles
    assert_sound(article, exact=True)
    for block in article.blocks:
        assert article.text[block.start : block.end] == block.text


record = st.fixed_dictionaries(
    {"lang": st.sampled_from(["es", "en"]), "paragraphs": st.lists(st.one_of(json_string, st.lists(json_string, max_size=3)), max_size=4)},
    optional={"headline": json_string, "id": json_string},
)


@CI
@given(records=st.lists(st.one_of(record, st.builds(lambda es, en: {"id": "k", "es": es, "en": en}, record, record),
                                   st.just("not json"), st.just("[1, 2]"), st.just('{"lang": 5}')), min_size=1, max_size=4))
def test_jsonl_records_with_lone_surrogates_read_or_name_the_bad_line(records):
    lines = [item if isinstance(item, str) else json.dumps(item) for item in records]
    found = parse_article_records("\n".join(lines), "a.jsonl", pair=("es", "en"))
    for error in found.errors:
        assert str(error).startswith("a.jsonl:")
    articles = found.articles + [side for pair in found.pairs for side in (pair.source, pair.target)]
    for article in articles:
        assert_sound(article, exact=True)
    assert len(found.errors) + len(found.articles) + len(found.pairs) == len(lines)


@CI
@given(rows=st.lists(st.tuples(json_string, json_string), min_size=1, max_size=8))
def test_sentence_pair_files_keep_one_block_per_pair(rows):
    content = "\n".join(json.dumps({"src": s, "tgt": t}) for s, t in rows)
    pairs, errors = parse_sentence_pairs(content, "p.jsonl", jsonl=True)
    assert errors == [] and len(pairs) == len(rows)
    pair = sentence_pairs_to_article_pair(pairs, "p.jsonl", src_lang="es", tgt_lang="en")
    assert len(pair.source.blocks) == len(pair.target.blocks) == len(rows)
    assert_sound(pair.source, exact=True)
    assert_sound(pair.target, exact=True)


# --- segmenter -------------------------------------------------------------------------------


@CI
@given(content=text, lang=langs, offset=st.integers(0, 1000))
def test_segmenter_loses_nothing_but_blanks(content, lang, offset):
    spans = split_sentences(content, lang, offset)
    covered = [False] * len(content)
    previous_end = 0
    for span in spans:
        start, end = span.start - offset, span.end - offset
        assert previous_end <= start < end <= len(content)
        assert content[start:end] == span.text == span.text.strip()
        covered[start:end] = [True] * (end - start)
        previous_end = end
    # Only blanks fall between sentences, and quotation marks touching neither neighbour.
    left_out = [char for char, inside in zip(content, covered) if not inside]
    assert all(char.isspace() or char in ZERO_WIDTH or char in QUOTES for char in left_out), left_out


# --- aligner ---------------------------------------------------------------------------------


@CI
@given(
    sources=st.lists(sentence, max_size=20),
    targets=st.lists(sentence, max_size=20),
    with_translations=st.booleans(),
    data=st.data(),
)
def test_every_sentence_is_aligned_exactly_once(sources, targets, with_translations, data):
    back = forward = None
    if with_translations:
        back = data.draw(st.lists(sentence, min_size=len(targets), max_size=len(targets)))
        forward = data.draw(st.lists(sentence, min_size=len(sources), max_size=len(sources)))
    links = align_sentences(sources, targets, back, forward)
    for result in (links, pair_adjacent_gaps(links)):
        assert [i for link in result for i in link.src] == list(range(len(sources)))
        assert [j for link in result for j in link.tgt] == list(range(len(targets)))
        assert all(link.src or link.tgt for link in result)


# --- scorer ----------------------------------------------------------------------------------


def strict_json(document: str):
    """json.loads that refuses NaN and Infinity, which strict parsers (and SARIF) reject."""
    def refuse(name):
        raise ValueError(f"{name} in JSON output")

    return json.loads(document, parse_constant=refuse)


@CI
@given(pairs=st.lists(st.tuples(st.one_of(sentence, blank), st.one_of(sentence, blank)), min_size=1, max_size=6))
def test_score_pairs_answers_every_pair_in_order(pairs):
    results = score_pairs(pairs, src_lang="es", tgt_lang="en", engine=None)
    assert [r.id for r in results] == [str(n) for n in range(1, len(pairs) + 1)]
    for result in results:
        assert 0.0 <= result.score <= 1.0
        assert result.flagged == (result.severity is not None)
        strict_json(json.dumps(result.to_dict(), ensure_ascii=False))


# --- the whole check and every output format -------------------------------------------------

side = st.tuples(st.sampled_from(["markdown", "page", "jsonl"]), text)
# Anything a file name can hold (no NUL, no slash), as readers name a bad record: "path:line".
error_path = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00/"), min_size=1, max_size=20)


def article_from(kind: str, content: str, lang: str, name: str) -> Article | None:
    """The article a reader makes of ``content``, or None when the reader refuses it."""
    try:
        if kind == "markdown":
            return parse_markdown(content, f"{name}.{lang}.md")
        if kind == "page":
            return parse_page(content, f"{name}.{lang}.txt", lang=lang)
        record = {"lang": lang, "headline": content.split("\n")[0], "paragraphs": content.split("\n\n")[1:]}
        found = parse_article_records(json.dumps(record), f"{name}.jsonl")
        return found.articles[0] if found.articles else None
    except InputError:
        return None


def build_pairs(sides: list[tuple[tuple[str, str], tuple[str, str] | None]]) -> list[ArticlePair]:
    pairs = []
    for n, (target_side, source_side) in enumerate(sides):
        target = article_from(*target_side, "en", f"a{n}")
        source = article_from(*source_side, "es", f"a{n}") if source_side else None
        if target is not None:
            pairs.append(ArticlePair(source, target, "file-name" if source else "unpaired"))
    return pairs


def assert_aligned_once(report: Report) -> None:
    for article in report.articles:
        pair = article.pair
        targets = [s for _, s in pair.target.sentences()]
        assert sorted((s for seg in article.segments for s in seg.target), key=lambda s: s.start) == targets
        if pair.source is not None and pair.method != "embedded-headline":
            # A page saved without its headline (or subtitle): the source's are neither added nor
            # omitted (pipeline._headings_lost_by_a_page), so they are in no segment.
            target_roles = {block.role for block, _ in pair.target.sentences()}
            lost = {Role.HEADLINE, Role.SUBTITLE} - target_roles if pair.target.format == "page" else set()
            sources = [s for block, s in pair.source.sentences() if block.role not in lost]
            assert sorted((s for seg in article.segments for s in seg.source), key=lambda s: s.start) == sources


@FEW
@given(
    sides=st.lists(st.tuples(side, st.one_of(st.none(), side)), min_size=1, max_size=3),
    error=st.one_of(st.none(), st.tuples(sentence, error_path)),
)
def test_every_format_renders_and_parses(sides, error):
    pairs = build_pairs(sides)
    errors = [InputError(error[0] or "bad", f"{error[1]}:3")] if error else []
    report = check_corpus(pairs, engine=None, errors=errors)
    assert_aligned_once(report)
    outputs = {name: renderer(name)(report) for name in FORMATS}
    for output in outputs.values():
        output.encode("utf-8")
    document = strict_json(outputs["json"])
    assert document["summary"]["segments"] == sum(len(a.segments) for a in report.articles)
    for line in outputs["jsonl"].rstrip("\n").split("\n"):
        strict_json(line)
    sarif = strict_json(outputs["sarif"])
    assert sarif_errors(sarif) == []
    ET.fromstring(outputs["junit"].encode("utf-8"))
    assert outputs["html"].rstrip().endswith("</html>")
    assert all(line.startswith(("::", "qa: ")) for line in outputs["github"].rstrip("\n").split("\n"))


@FEW
@given(sides=st.lists(st.tuples(side, st.one_of(st.none(), side)), min_size=1, max_size=2))
def test_the_same_input_gives_byte_identical_json(sides):
    first = renderer("json")(check_corpus(build_pairs(sides), engine=None))
    second = renderer("json")(check_corpus(build_pairs(sides), engine=None))
    assert first == second


@FEW
@given(rows=st.lists(st.tuples(st.one_of(sentence, blank), st.one_of(sentence, blank)), min_size=1, max_size=8))
def test_each_sentence_pair_is_checked_against_its_own_partner(rows):
    content = "\n".join(json.dumps({"src": s, "tgt": t}) for s, t in rows)
    pairs, _ = parse_sentence_pairs(content, "p.jsonl", jsonl=True)
    pair = sentence_pairs_to_article_pair(pairs, "p.jsonl", src_lang="es", tgt_lang="en")
    report = check_corpus([pair], engine=None)
    assert_aligned_once(report)
    # Row by row (a row with one side blank is an omission or an addition), in file order.
    expected = [(tuple(s.text for s in source.sentences), tuple(t.text for t in target.sentences))
                for source, target in zip(pair.source.blocks, pair.target.blocks, strict=True)
                if source.sentences or target.sentences]
    found = [(tuple(s.text for s in seg.source), tuple(t.text for t in seg.target))
             for seg in report.articles[0].segments]
    assert found == expected


# --- big inputs (examples) -------------------------------------------------------------------


def test_ten_thousand_character_sentences():
    long_es = "El gobierno aprobó el plan " + "de la región del norte y del sur " * 310 + "en Madrid."
    long_en = "The government approved the plan " + "for the region of the north and the south " * 240 + "in Madrid."
    one_word = "palabra " * 1250
    assert len(long_es) > 10_000 and len(long_en) > 10_000 and len(one_word) >= 10_000
    spans = split_sentences(long_en, "en")
    assert "".join(s.text for s in spans).replace(" ", "") == long_en.replace(" ", "")
    results = score_pairs([(long_es, long_en), (one_word, one_word), ("a" * 10_000, "b " * 5_000)],
                          src_lang="es", tgt_lang="en")
    assert len(results) == 3
    page = parse_page(f"Headline\n\n{long_en}\n", "p.en.txt", lang="en")
    source = parse_markdown(f"---\ntitle: Titular\n---\n\n{long_es}\n", "p.es.md")
    report = check_corpus([ArticlePair(source, page, "file-name")], engine=None)
    assert_aligned_once(report)
    strict_json(renderer("json")(report))


def test_thousands_of_paragraphs():
    count = 1_500
    es = "---\ntitle: Titular\n---\n\n" + "\n\n".join(
        f"El consejo aprobó la medida número {n} para el distrito." for n in range(count))
    en = "---\ntitle: Headline\n---\n\n" + "\n\n".join(
        f"The council approved measure number {n} for the district." for n in range(count))
    pair = ArticlePair(parse_markdown(es, "x.es.md"), parse_markdown(en, "x.en.md"), "file-name")
    report = check_corpus([pair], engine=None)
    assert len(report.articles[0].segments) == count + 1
    assert_aligned_once(report)
    assert {segment.kind for segment in report.articles[0].segments} == {"1-1"}
    assert report.articles[0].segments[-1].line == 3 + 2 * count  # paragraph n on line 5 + 2n


# VmHWM and VmRSS are this process's own; ru_maxrss would count the pytest process it forked from.
ALIGN_MEMORY = """
import re
from qa.align import align_sentences

def status(field):
    with open("/proc/self/status") as lines:
        return int(re.search(field + r":\\s+(\\d+) kB", lines.read()).group(1)) * 1024

n = 1500
before = status("VmRSS")
links = align_sentences([f"La medida número {k} del consejo." for k in range(n)],
                        [f"Measure number {k} of the council." for k in range(n)])
assert [link.kind for link in links] == ["1-1"] * n
print(status("VmHWM") - before)
"""


def test_aligning_thousands_of_sentences_takes_memory_in_proportion():
    # Scores for every pair of sentences and every sentence's n-grams held at once took about
    # 140 MB for 1,500 x 1,500 sentences (and grew with the square); the band takes a few.
    run = subprocess.run([sys.executable, "-c", ALIGN_MEMORY], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) < 60 * 1024 * 1024, f"{int(run.stdout) / 2**20:.0f} MB"


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_report_of_nothing_renders(name):
    output = renderer(name)(check_corpus([], engine=None))
    if name in ("json", "sarif"):
        strict_json(output)
