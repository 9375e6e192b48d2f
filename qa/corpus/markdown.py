"""Reader for Markdown articles with YAML front matter, the usual content-repository format.

markdown-it-py gives the block structure (which source lines make each heading, paragraph, list
item or code block); the text of each block is then stripped of inline markup by a small stripper
that remembers where every plain character came from, so sentences point back into the file.

Raw HTML blocks (``<p>``, ``<div>``, ``<details>``, ``<table>``...), which Jekyll and Hugo put in
the page as they are, are read with the standard library's HTML parser: the text a browser
shows, one block per paragraph-like element, checked like Markdown paragraphs. The content of
``<script>``, ``<style>`` and ``<template>``, which a browser never shows, is not text; an HTML
block with no text (a comment, such as ``<!-- qa: ignore -->``) stays page furniture.
"""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from types import MappingProxyType

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from qa.corpus.files import lang_from_path, read_text_file, split_lang_suffix
from qa.corpus.ignore import IGNORE_MARKER, only_markers
from qa.corpus.model import Article, Block, Role, Sentence
from qa.corpus.page import is_byline
from qa.errors import InputError, first_line
from qa.files import without_lone_surrogates
from qa.langid import DEFAULT_CANDIDATES, candidates_with, identify, identify_block, is_language_code
from qa.segment import TextMap, TextMapBuilder, identity_map, split_mapped

FRONT_MATTER_MAX_BYTES = 64 * 1024
# Values in the front matter once every YAML alias is expanded where it is used. 64 KB of YAML
# can alias its way to billions of values ("billion laughs"); real front matter has dozens.
FRONT_MATTER_MAX_VALUES = 10_000

_LINE_END = re.compile(r"\r\n?|\n")
_OPENING = re.compile(r"---[ \t]*(?:\r\n?|\n)")
_CLOSING = re.compile(r"(?:^|(?<=\r))(?:---|\.\.\.)[ \t]*(?=\r|\n|$)", re.MULTILINE)
# Hugo's TOML front matter, between +++ lines.
_TOML_OPENING = re.compile(r"\+\+\+[ \t]*(?:\r\n?|\n)")
_TOML_CLOSING = re.compile(r"(?:^|(?<=\r))\+\+\+[ \t]*(?=\r|\n|$)", re.MULTILINE)
_CAPTION_LABEL = re.compile(r"(?i:foto|photo|imagen|image|fotograf[íi]a)\s*:")
_EMPHASIS_ONLY = re.compile(r"(\*{1,3}|_{1,3})(?!\s).*(?<!\s)\1", re.DOTALL)
_TARGET = r"\((?:[^()\n]|\([^()\n]*\))*\)"  # a link target, allowing one level of parentheses
_INLINE = re.compile(
    rf"""
      (?P<comment><!--.*?-->)
    | (?P<image>!\[[^\]]*\]{_TARGET})
    | (?P<link>\[(?P<label>[^\]]*)\](?:{_TARGET}|\[[^\]]*\]))
    | (?P<autolink><(?P<url>(?:https?|mailto):[^>\s]+)>)
    | (?P<tag></?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>)
    | (?P<code>(?P<ticks>`+)(?P<code_text>.+?)(?P=ticks))
    | (?P<escape>\\(?P<escaped>[!-/:-@\[-`{{-~]))
    | (?P<entity>&(?:\#[0-9]{{1,7}}|\#[xX][0-9a-fA-F]{{1,6}}|[A-Za-z][A-Za-z0-9]{{1,31}});)
    | (?P<delimiter>\*+|_+|~~)
    """,
    re.VERBOSE | re.DOTALL,
)
# CommonMark plus GitHub's tables, whose cells are read one by one.
_MARKDOWN = MarkdownIt("commonmark").enable("table")
# Hugo shortcodes ({{< figure ... >}}, {{% note %}}) and Liquid or Go template tags ({% include %},
# {{ .Title }}): markup for the site generator, never article text.
_TEMPLATE_TAG = re.compile(r"\{\{<.*?>\}\}|\{\{%.*?%\}\}|\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)


@dataclass(frozen=True)
class FrontMatter:
    """The YAML front matter of a file: its values, the text map of each string value that
    stands for article text (offsets into the file), and where the body starts."""

    data: Mapping[str, object]
    fields: Mapping[str, TextMap]
    body_start: int


@dataclass(frozen=True)
class _Draft:
    """A block before the article's language is known: its text map, or raw text if it is not
    prose (code, HTML, an image)."""

    role: Role
    text_map: TextMap | None
    start: int
    end: int
    text: str


def read_markdown(path: str | Path, *, pair: Sequence[str] = DEFAULT_CANDIDATES) -> Article:
    """Read a Markdown article. See :func:`parse_markdown`."""
    return parse_markdown(read_text_file(path), str(path), pair=pair)


def parse_markdown(text: str, path: str, *, pair: Sequence[str] = DEFAULT_CANDIDATES) -> Article:
    """The article in Markdown ``text`` read from ``path``; offsets are into ``text``.

    Language: front matter ``lang``/``language``, else the file name (``slug.es.md``) or a
    parent folder (``es/``), else identified among ``pair``. Key: ``translationKey``, else
    ``slug``, else the file name without its language suffix.
    """
    front = split_front_matter(text, path)
    front_drafts = _front_matter_drafts(front)
    has_title = any(draft.role is Role.HEADLINE for draft in front_drafts)
    body = _parse_body(text, front.body_start)
    body_drafts = _body_drafts(body, has_title=has_title)
    drafts = front_drafts + _mark_repeats(body_drafts, {draft.text for draft in front_drafts})
    lang, lang_from = _article_lang(front.data, path, drafts, pair)
    candidates = candidates_with(lang, pair)
    key, key_from = _article_key(front.data, path)
    return Article(
        path=path,
        lang=lang,
        blocks=tuple(_finish(draft, lang, candidates) for draft in drafts),
        text=text,
        format="markdown",
        key=key,
        meta=MappingProxyType(
            {"front_matter": MappingProxyType(dict(front.data)), "lang_from": lang_from, "key_from": key_from}
        ),
        ignored=_ignored_spans(body),
    )


def ignored_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Character spans of the blocks of Markdown ``text`` that ``<!-- qa: ignore -->`` markers
    accept, read as :func:`parse_markdown` reads the file (its ``Article.ignored``); none for a
    file whose front matter the reader refuses, since nothing of it is checked."""
    try:
        body_start = split_front_matter(text, "").body_start
    except InputError:
        return ()
    return _ignored_spans(_parse_body(text, body_start))


def split_front_matter(text: str, path: str) -> FrontMatter:
    """The front matter between ``---`` lines at the top of ``text`` (empty if there is none).

    Only ``yaml.safe_load`` semantics; raises InputError naming the file and line for invalid
    YAML (or values YAML cannot construct, such as the date 2024-02-30), front matter that is not
    a mapping, is never closed, is over 64 KB, nests too deeply or expands through aliases to
    more than 10,000 values. Lone surrogates from ``"\\ud800"`` escapes become U+FFFD.
    """
    if _TOML_OPENING.match(text):
        return _toml_front_matter(text, path)
    if not _OPENING.match(text):
        return FrontMatter(MappingProxyType({}), MappingProxyType({}), 0)
    source, offset, body_start = _delimited(text, path, _OPENING, _CLOSING, "---")
    node, data = _load_yaml(source, path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"front matter must be keys and values, not a {type(data).__name__}", f"{path}:2")
    fields = _string_fields(node, data, source, offset) if node is not None else {}
    return FrontMatter(MappingProxyType(data), MappingProxyType(fields), body_start)


def _delimited(text: str, path: str, opening_line: re.Pattern, closing_line: re.Pattern,
               marker: str) -> tuple[str, int, int]:
    """The front matter's source between its opening and closing lines, the offset where it
    starts and where the body starts; InputError when it is never closed or is too large."""
    opening = opening_line.match(text)
    assert opening is not None  # the caller checked
    closing = closing_line.search(text, opening.end())
    if not closing:
        raise InputError(f"front matter opened with '{marker}' is never closed", f"{path}:1")
    source = text[opening.end() : closing.start()]
    if len(source.encode("utf-8")) > FRONT_MATTER_MAX_BYTES:
        raise InputError(f"front matter is too large (over {FRONT_MATTER_MAX_BYTES // 1024} KB)", f"{path}:1")
    line_end = _LINE_END.match(text, closing.end())
    return source, opening.end(), line_end.end() if line_end else closing.end()


def _toml_front_matter(text: str, path: str) -> FrontMatter:
    """Hugo's front matter between ``+++`` lines, read as TOML; the same limits and errors as
    the YAML kind."""
    source, offset, body_start = _delimited(text, path, _TOML_OPENING, _TOML_CLOSING, "+++")
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        # Python 3.11's error has no line attribute; its message ends "(at line N, column M)".
        at = re.search(r"at line (\d+)", str(error))
        raise InputError(f"front matter is not valid TOML ({first_line(str(error))})",
                         f"{path}:{int(at.group(1)) + 1}" if at else f"{path}:1") from None
    except RecursionError:
        raise InputError("front matter is nested too deeply", f"{path}:1") from None
    return FrontMatter(MappingProxyType(data), MappingProxyType(_toml_fields(data, source, offset)), body_start)


_TOML_STRING = re.compile(r'^[ \t]*(title|subtitle|description)[ \t]*=[ \t]*(["\'])(.*)\2[ \t]*(?:#.*)?$', re.MULTILINE)


def _toml_fields(data: dict, source: str, offset: int) -> dict[str, TextMap]:
    """Text maps of the headline-like string values of TOML front matter, pointing at their
    text in the file (the whole quoted value when it holds escapes)."""
    fields: dict[str, TextMap] = {}
    for match in _TOML_STRING.finditer(source):
        name, raw = match.group(1), match.group(3)
        value = data.get(name)
        if not isinstance(value, str) or name in fields:
            continue
        fields[name] = _value_map(value, raw, offset + match.start(3), offset + match.end(3))
    return fields


def _value_map(value: str, raw: str, start: int, end: int) -> TextMap:
    """The text map of a front-matter value whose raw text ``raw`` lies at ``start:end`` of the
    file: the identity when they are the same, else (escapes, folded lines) the value standing
    for the whole raw text."""
    if raw == value:
        return identity_map(value, start)
    builder = TextMapBuilder()
    builder.replace(value, start, end)
    return builder.build()


def _load_yaml(source: str, path: str) -> tuple[yaml.Node | None, object]:
    try:
        loader = yaml.SafeLoader(source)  # refuses control characters already
    except yaml.YAMLError as error:
        raise _yaml_error(error, path) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        if _expanded_size(node, FRONT_MATTER_MAX_VALUES) > FRONT_MATTER_MAX_VALUES:
            raise InputError(
                f"front matter expands to over {FRONT_MATTER_MAX_VALUES:,} values (YAML aliases)", f"{path}:1"
            )
        _scrub_scalars(node)
        return node, loader.construct_document(node)
    except yaml.YAMLError as error:
        raise _yaml_error(error, path) from None
    except RecursionError:
        raise InputError("front matter is nested too deeply", f"{path}:1") from None
    except (ValueError, TypeError, KeyError, OverflowError) as error:
        # The safe constructors raise these for a well-formed value they cannot build: a date
        # such as 2024-02-30, "!!int abc", "!!bool maybe".
        raise InputError(f"front matter holds a value YAML cannot read ({error})", f"{path}:1") from None
    finally:
        loader.dispose()


def _yaml_error(error: yaml.YAMLError, path: str) -> InputError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 2 if mark is not None else 1  # +1 for 1-based, +1 for the '---' line
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return InputError(f"front matter is not valid YAML: {problem}", f"{path}:{line}")


def _expanded_size(node: yaml.Node, limit: int) -> int:
    """How many values a YAML node stands for once each alias is expanded where it is used,
    counted up to just past ``limit`` (an alias to an enclosing node counts as past it)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(current: yaml.Node) -> int:
        key = id(current)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            return limit + 1
        open_nodes.add(key)
        total = 1
        for child in _children(current):
            total += size(child)
            if total > limit:
                break
        open_nodes.discard(key)
        sizes[key] = total
        return total

    return size(node)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def _scrub_scalars(node: yaml.Node) -> None:
    """Replace lone surrogates in every scalar below ``node`` (an acyclic graph by now)."""
    pending, seen = [node], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.ScalarNode):
            current.value = without_lone_surrogates(current.value)
        pending += _children(current)


def _string_fields(node: yaml.Node, data: dict, source: str, offset: int) -> dict[str, TextMap]:
    """Text maps of the headline-like string values, pointing at their text in the file."""
    fields: dict[str, TextMap] = {}
    if not isinstance(node, yaml.MappingNode):
        return fields
    for key_node, value_node in node.value:
        name = key_node.value
        if name not in ("title", "subtitle", "description") or not isinstance(data.get(name), str):
            continue
        value = data[name]
        start, end = value_node.start_mark.index, value_node.end_mark.index
        if value_node.style in ('"', "'"):
            start, end = start + 1, end - 1
        fields[name] = _value_map(value, source[start:end], offset + start, offset + end)
    return fields


def _front_matter_drafts(front: FrontMatter) -> list[_Draft]:
    drafts = []
    if "title" in front.fields:
        drafts.append(_prose_draft(Role.HEADLINE, front.fields["title"]))
    subtitle = front.fields.get("subtitle") or front.fields.get("description")
    if subtitle is not None:
        drafts.append(_prose_draft(Role.SUBTITLE, subtitle))
    return [draft for draft in drafts if draft is not None]


def _mark_repeats(drafts: list[_Draft], front_texts: set[str]) -> list[_Draft]:
    """Body blocks that repeat the front matter's title or subtitle (a "# Title" under
    ``title: Title``) become furniture, so the same text is not checked twice."""
    return [replace(draft, role=Role.FURNITURE) if draft.text in front_texts else draft for draft in drafts]


def mask_template_tags(text: str) -> str:
    """``text`` with every shortcode and template tag blanked out, newlines kept, so offsets and
    line numbers still hold and nothing inside a tag is read as text or figures."""
    # No-break spaces, not spaces: text after a tag at the start of a line must not become an
    # indented code block; sentences strip them as any white space.
    return _TEMPLATE_TAG.sub(lambda tag: re.sub(r"[^\r\n]", "\u00a0", tag.group()), text)


@dataclass(frozen=True)
class _Body:
    """The body of a Markdown file as the reader parses it, once: its text (template tags
    masked), where it starts in the file, where each of its lines starts, and markdown-it's
    tokens."""

    text: str
    start: int
    line_starts: list[int]
    tokens: list[Token]

    def span(self, lines: Sequence[int]) -> tuple[int, int]:
        """The file span of a token's lines (``token.map``), trailing white space left out."""
        start = self.line_starts[lines[0]]
        end = self.line_starts[lines[1]] if lines[1] < len(self.line_starts) else len(self.text)
        return self.start + start, self.start + start + len(self.text[start:end].rstrip())


def _parse_body(text: str, body_start: int) -> _Body:
    body = mask_template_tags(text[body_start:])
    # markdown-it ends a line at "\r\n", "\n" or a lone "\r", so its line numbers count those.
    line_starts = [0] + [match.end() for match in _LINE_END.finditer(body)]
    return _Body(body, body_start, line_starts, _MARKDOWN.parse(body))


def _ignored_spans(body: _Body) -> tuple[tuple[int, int], ...]:
    """The blocks markers accept: a marker alone on its line(s) accepts the next block with text
    (blank lines, and lines holding only a shortcode, may stand between); a marker inside a
    paragraph, heading or table cell accepts that block (for a cell, its row). A list, block quote
    or table is one block; a list item or heading right under a paragraph, blank line or not, is a
    block of its own. Markers in the front matter, in code and in code spans accept nothing."""
    spans: list[tuple[int, int]] = []
    pending = False
    tokens = body.tokens
    for index, token in enumerate(tokens):
        if token.map is None or token.nesting < 0:
            continue
        if token.type == "html_block" and IGNORE_MARKER.search(token.content):
            marked = not only_markers(token.content)  # a marker with other HTML
            pending = not marked
        elif token.type == "inline":
            if not token.content.strip():
                continue  # a masked shortcode: no text to accept
            marked = any(child.type == "html_inline" and IGNORE_MARKER.search(child.content)
                         for child in token.children or ())
        elif token.type in ("paragraph_open", "heading_open") and not tokens[index + 1].content.strip():
            continue
        else:
            marked, pending = pending, False
        if marked:
            start, end = body.span(token.map)
            if not spans or end > spans[-1][1]:  # not inside a block already accepted
                spans.append((start, end))
    return tuple(spans)


def _body_drafts(parsed: _Body, *, has_title: bool) -> list[_Draft]:
    body, body_start, line_starts, tokens = parsed.text, parsed.start, parsed.line_starts, parsed.tokens
    drafts: list[_Draft] = []
    has_headline = has_title
    after_image = False
    row_cursor = 0  # where the next cell of a table row is looked for in its line
    for index, token in enumerate(tokens):
        draft = None
        if token.type == "html_block" and token.map:
            html_drafts = _html_drafts(_inline_map(token, body, line_starts, body_start), token.content)
            drafts += html_drafts[:-1]
            draft = html_drafts[-1] if html_drafts else _raw_draft(
                Role.FURNITURE, body, line_starts, token.map, body_start)
        elif token.type in ("fence", "code_block") and token.map:
            draft = _raw_draft(Role.FURNITURE, body, line_starts, token.map, body_start)
        elif token.type == "tr_open":
            row_cursor = 0
        elif token.type in ("th_open", "td_open"):
            inline = tokens[index + 1]
            raw = _inline_map(inline, body, line_starts, body_start, after=row_cursor)
            if raw.text:
                row_cursor = raw.source_span(len(raw.text) - 1, len(raw.text))[1] - body_start - _line_start(
                    line_starts, inline)
            draft = _prose_draft(Role.BODY, strip_inline(raw))
        elif token.type in ("heading_open", "paragraph_open"):
            inline = tokens[index + 1]
            raw = _inline_map(inline, body, line_starts, body_start)
            if token.type == "heading_open":
                role = Role.HEADLINE if token.tag == "h1" and not has_headline else Role.SUBTITLE
                has_headline = has_headline or role is Role.HEADLINE
                draft = _prose_draft(role, strip_inline(raw))
            else:
                draft = _paragraph_draft(raw, after_image)
        if draft is not None:
            drafts.append(draft)
            after_image = (
                draft.role is Role.FURNITURE and draft.text_map is None and draft.text.startswith("![")
            )
    return drafts


# Elements that end one paragraph-like run of text and start the next, as a browser lays them out.
_HTML_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "legend", "li", "main", "nav", "ol", "p", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
})
# Elements whose content a browser never shows. Everything else shown is checked, <pre> too:
# text a reader sees must not escape the checks by its markup.
_HTML_NOT_TEXT = frozenset({"script", "style", "template"})
_HTML_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][-.A-Za-z0-9]*);?")


class _HtmlText(HTMLParser):
    """The text a browser shows of one HTML block, as (element, text map) runs, one for each
    paragraph-like element: ``raw`` maps each character of ``content`` (the block as markdown-it
    gives it) to the file, and the runs keep that map through tags and character references."""

    def __init__(self, content: str, raw: TextMap) -> None:
        super().__init__(convert_charrefs=False)  # references one by one, so each keeps its span
        self.content = content
        self.raw = raw
        self.runs: list[tuple[str, TextMap]] = []
        self._line_starts = [0] + [match.end() for match in re.finditer("\n", content)]
        self._builder = TextMapBuilder()
        self._open: list[str] = []
        self._not_text = 0

    def _here(self) -> int:
        line, column = self.getpos()  # where the event being handled starts
        return self._line_starts[line - 1] + column

    def close(self) -> None:
        """Read what is left and end the last run."""
        super().close()
        self._end_run()

    def _end_run(self) -> None:
        self.runs.append((self._open[-1] if self._open else "", self._builder.build()))
        self._builder = TextMapBuilder()

    def _line_break(self) -> None:
        """A ``<br>``: a space standing for the tag."""
        start = self._here()
        end = start + len(self.get_starttag_text() or " ")
        self._builder.replace(" ", self.raw.starts[start], self.raw.ends[end - 1])

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _HTML_NOT_TEXT:
            self._not_text += 1
        elif tag in _HTML_BLOCKS:
            self._end_run()
            self._open.append(tag)
        elif tag == "br":
            self._line_break()

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _HTML_BLOCKS:
            self._end_run()
        elif tag == "br":
            self._line_break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_NOT_TEXT:
            self._not_text = max(0, self._not_text - 1)
        elif tag in _HTML_BLOCKS:
            self._end_run()
            if tag in self._open:  # close it and whatever was left open inside it
                del self._open[len(self._open) - 1 - self._open[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        if self._not_text:
            return
        start = self._here()
        for index in range(start, start + len(data)):
            char = self.content[index]
            self._builder.replace(" " if char.isspace() else char, self.raw.starts[index], self.raw.ends[index])

    def _reference(self) -> None:
        if self._not_text:
            return
        start = self._here()
        found = _HTML_REFERENCE.match(self.content, start)
        end = found.end() if found else start + 1
        self._builder.replace(html.unescape(self.content[start:end]), self.raw.starts[start], self.raw.ends[end - 1])

    def handle_entityref(self, name: str) -> None:
        self._reference()

    def handle_charref(self, name: str) -> None:
        self._reference()


def _html_drafts(raw: TextMap, content: str) -> list[_Draft]:
    """The prose of an HTML block: one draft for each paragraph-like element's text, headings
    as subtitles and figure captions as captions. ``raw`` is ``content`` mapped to the file."""
    reader = _HtmlText(content, raw)
    try:
        reader.feed(content)
        reader.close()
        runs = reader.runs
    except AssertionError:  # html.parser's answer to a marked section it does not know (<![x[)
        runs = [("", strip_inline(raw))]
    drafts = []
    for element, text_map in runs:
        if element in ("h1", "h2", "h3", "h4", "h5", "h6"):
            draft = _prose_draft(Role.SUBTITLE, text_map)
        elif element in ("figcaption", "caption"):
            draft = _prose_draft(Role.CAPTION, text_map)
        else:
            draft = _prose_draft(Role.BODY, text_map)
            if draft is not None and is_byline(draft.text, allow_role=False):
                draft = replace(draft, role=Role.BYLINE)
        if draft is not None:
            drafts.append(draft)
    return drafts


def _paragraph_draft(raw: TextMap, after_image: bool) -> _Draft | None:
    content = raw.text.strip()
    plain = strip_inline(raw)
    if not plain.text.strip():
        start, end = raw.strip()
        if start == end:
            return None
        source_start, source_end = raw.source_span(start, end)
        return _Draft(Role.FURNITURE, None, source_start, source_end, content)
    if content.startswith("![") or (after_image and _EMPHASIS_ONLY.fullmatch(content)) or _CAPTION_LABEL.match(plain.text.strip()):
        role = Role.CAPTION
    elif is_byline(plain.text.strip(), allow_role=False):
        role = Role.BYLINE
    else:
        role = Role.BODY
    return _prose_draft(role, plain)


def _prose_draft(role: Role, text_map: TextMap) -> _Draft | None:
    start, end = text_map.strip()
    if start == end:
        return None
    source_start, source_end = text_map.source_span(start, end)
    return _Draft(role, text_map, source_start, source_end, text_map.text[start:end])


def _raw_draft(role: Role, body: str, line_starts: list[int], lines: list[int], offset: int) -> _Draft | None:
    start = line_starts[lines[0]]
    end = line_starts[lines[1]] if lines[1] < len(line_starts) else len(body)
    raw = body[start:end]
    stripped = raw.strip()
    if not stripped:
        return None
    start += len(raw) - len(raw.lstrip())
    return _Draft(role, None, offset + start, offset + start + len(stripped), stripped)


def _line_start(line_starts: list[int], inline: Token) -> int:
    """Where the inline token's first line starts in the body."""
    return line_starts[min(inline.map[0] if inline.map else 0, len(line_starts) - 1)]


def _inline_map(inline: Token, body: str, line_starts: list[int], offset: int, *, after: int = 0) -> TextMap:
    """The inline token's content (container markers and indentation already removed by
    markdown-it) mapped back to file offsets, line by line; ``after`` is the column of its first
    line to look from (a table cell after the row's earlier cells)."""
    builder = TextMapBuilder()
    first_line = inline.map[0] if inline.map else 0
    for number, content_line in enumerate(inline.content.split("\n")):
        line_index = min(first_line + number, len(line_starts) - 1)
        line_start = line_starts[line_index]
        line_end = line_starts[line_index + 1] if line_index + 1 < len(line_starts) else len(body)
        source_line = body[line_start:line_end]
        column = source_line.find(content_line, after if number == 0 else 0)
        if column < 0:  # markdown-it rewrote the line (tabs); point at its first non-blank
            column = len(source_line) - len(source_line.lstrip())
        if number:
            builder.replace(" ", offset + line_start - 1, offset + line_start)
        builder.copy(content_line, offset + line_start + column)
    return builder.build()


def strip_inline(raw: TextMap) -> TextMap:
    """Plain text of inline Markdown: emphasis, code backticks, link targets, images, HTML tags
    and comments removed, escapes and entities decoded; offsets follow the plain characters."""
    builder = TextMapBuilder()
    _strip_into(builder, raw, 0, len(raw.text))
    return builder.build()


def _strip_into(builder: TextMapBuilder, raw: TextMap, start: int, end: int) -> None:
    text = raw.text
    position = start
    for match in _INLINE.finditer(text, start, end):
        _copy(builder, raw, position, match.start())
        position = match.end()
        if match.group("link") is not None:
            _strip_into(builder, raw, match.start("label"), match.end("label"))
        elif match.group("autolink") is not None:
            _copy(builder, raw, match.start("url"), match.end("url"))
        elif match.group("code") is not None:
            _copy(builder, raw, match.start("code_text"), match.end("code_text"))
        elif match.group("escape") is not None:
            _replace(builder, raw, match.group("escaped"), match.start(), match.end())
        elif match.group("entity") is not None:
            _replace(builder, raw, html.unescape(match.group()), match.start(), match.end())
        elif match.group("delimiter") is not None and not _is_delimiter(text, match.start(), match.end()):
            _copy(builder, raw, match.start(), match.end())
        # comments, images, tags and emphasis delimiters leave nothing
    _copy(builder, raw, position, end)


def _is_delimiter(text: str, start: int, end: int) -> bool:
    """Whether a run of ``*``/``_``/``~`` opens or closes emphasis rather than being literal."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isspace() and after.isspace():
        return False  # "5 * 3"
    return not (text[start] == "_" and before.isalnum() and after.isalnum())  # snake_case


def _copy(builder: TextMapBuilder, raw: TextMap, start: int, end: int) -> None:
    for index in range(start, end):
        builder.replace(raw.text[index], raw.starts[index], raw.ends[index])


def _replace(builder: TextMapBuilder, raw: TextMap, plain: str, start: int, end: int) -> None:
    builder.replace(plain, raw.starts[start], raw.ends[end - 1])


def _article_lang(
    data: Mapping[str, object], path: str, drafts: list[_Draft], pair: Sequence[str]
) -> tuple[str, str]:
    declared = data.get("lang") or data.get("language")
    from_path = lang_from_path(path, pair)
    if isinstance(declared, str):
        code = re.split(r"[-_]", declared.strip().lower())[0]  # "es-ES" -> "es"
        if is_language_code(code):
            _check_declared(code, from_path, drafts, pair, path)
            return code, "front-matter"
    if from_path:
        return from_path, "path"
    prose = "\n".join(draft.text for draft in drafts if draft.text_map is not None)
    identified = identify(prose, pair)
    return (identified, "identified") if identified else (pair[0], "default")


def _check_declared(code: str, from_path: str | None, drafts: list[_Draft], pair: Sequence[str], path: str) -> None:
    """InputError naming the file when its front matter's language contradicts its folder or
    file name, or the language its text is clearly written in: a wrong ``lang:`` would
    otherwise switch the check off for that file."""
    if from_path and from_path != code:
        raise InputError(f"front matter says lang: {code}, but the file's name or folder says {from_path}", path)
    if code in pair:
        prose = "\n".join(draft.text for draft in drafts if draft.text_map is not None)
        identified = identify(prose, pair)
        if identified and identified != code:
            raise InputError(f"front matter says lang: {code}, but the text is written in {identified}", path)


def _article_key(data: Mapping[str, object], path: str) -> tuple[str, str]:
    for name in ("translationKey", "slug"):
        value = data.get(name)
        if value is not None and str(value).strip():
            return str(value).strip(), "front-matter"
    return split_lang_suffix(path)[0], "file-name"


def _finish(draft: _Draft, lang: str, candidates: Sequence[str]) -> Block:
    spans = split_mapped(draft.text_map, lang) if draft.text_map is not None else []
    sentences = tuple(Sentence(span.text, span.start, span.end) for span in spans)
    block = Block(draft.role, draft.text, draft.start, draft.end, sentences, lang)
    if draft.text_map is None:
        return block
    return identify_block(block, lang, candidates)
