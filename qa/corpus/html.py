"""Reader for HTML pages: a news article saved from a browser, fetched from its address, or pasted.

Two tools share the work. trafilatura decides which paragraphs are the article's own (it drops
menus, teasers, comments and the like), and the markup, read with lxml, says what each paragraph
is for. trafilatura alone is not enough: it drops captions, bylines and related-link lists, which
an editor still wants to see marked for what they are.

The page is read as a list of blocks in document order: each element of text (``p``, ``h1``-``h6``,
``li``, ``figcaption``, ``blockquote``, table cells, ...) with no block inside it, and each run of
loose text beside other blocks (the ``div`` of a byline). Scripts, styles, forms' controls and
hidden elements are never read. Each block's role, the first rule that matches:

* inside a ``figcaption``, or marked as a caption (class ``caption``, ``leyenda``, ``pie-de-foto``),
  or inside a ``figure`` (other than a quotation or paragraph there): CAPTION;
* an ``address``, a block holding an ``a rel="author"``, one marked as a byline (class or
  ``itemprop`` ``author``, ``byline``, ``firma``, ``autor``), or one that reads "By Name"/"Por
  Nombre": BYLINE;
* inside ``nav``, ``aside``, ``menu`` or ``footer``, inside a ``header`` that is not the article's
  own (outside ``article``/``main``, unless trafilatura keeps the text), marked as related links,
  sharing, tags, a newsletter or a kicker, or a list item or paragraph that is only a link:
  FURNITURE;
* an ``h1``: a headline candidate. As on a page dump (:mod:`qa.corpus.page`), one in another
  language than the page is the source headline left on the page: a HEADLINE in that language,
  and the page-language ones are SUBTITLEs; with no foreign one, the first is the HEADLINE;
* a block marked as a standfirst (class ``standfirst``, ``dek``, ``subtitle``, ``lead``,
  ``entradilla``, ``sumario``, ``bajada``, ...): SUBTITLE;
* what trafilatura keeps: ``h2``-``h6`` are SUBTITLEs (as Markdown's ``##`` are), the rest BODY,
  except what the page dump's line rules call a caption, byline or furniture (a date line, a
  "See also:" link), and a short unpunctuated label above the first headline (a kicker);
* anything else is not the article and is left out.

When trafilatura keeps none of the page's paragraphs (a page too short for it), every block
outside the furniture is taken for the article. A page with no headline, standfirst or paragraph at all is an InputError.

The article's ``text`` is the blocks' text (white space collapsed, entities decoded) laid out on
the lines of the HTML file: each block starts on the line of its element's opening tag, so the
line a report gives is the file's line; blocks that share a line follow one another on it, and
columns count in that text. A ``<!-- qa: ignore -->`` comment inside a block, or on its own
before it, accepts that block's flags (as in Markdown).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from qa.corpus.files import split_lang_suffix
from qa.corpus.furniture import SENTENCE_END
from qa.corpus.ignore import IGNORE_MARKER
from qa.corpus.model import Article, Block, Role
from qa.corpus.page import headline_roles, is_byline, line_role, make_block
from qa.errors import InputError
from qa.langid import DEFAULT_CANDIDATES, candidates_with, identify

if TYPE_CHECKING:
    from lxml.html import HtmlElement

HTML_SUFFIXES = (".html", ".htm")
NOTHING_FOUND = "no article text found in this HTML page (no headline or paragraph outside menus, scripts and footers)"

# Elements that hold text as a block of their own.
BLOCK_TAGS = frozenset({
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "dt", "dd", "figcaption", "caption", "blockquote",
    "address", "td", "th", "pre",
})
# Elements that are part of the line of text around them; every other element is a block.
INLINE_TAGS = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "font", "i",
    "img", "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
    "time", "u", "var", "wbr", "picture", "source",
})
# Elements whose content is never text of the page.
SKIPPED_TAGS = frozenset({
    "head", "script", "style", "noscript", "template", "svg", "math", "button", "select", "option",
    "textarea", "input", "iframe", "object", "embed", "canvas", "audio", "video",
})
FURNITURE_PARENTS = frozenset({"nav", "aside", "menu", "footer"})
# The elements that stand for the whole page or article: their classes (a WordPress body's
# "has-sidebar", an article's "author-12") say nothing of one block.
PAGE_TAGS = frozenset({"html", "body", "main", "article"})

# Words of class names (split at "-" and "_"), ids and itemprops that say what a block is.
CAPTION_WORDS = frozenset({"caption", "figcaption", "leyenda", "pie", "epigrafe", "epígrafe"})
BYLINE_WORDS = frozenset({"byline", "author", "authors", "autor", "autora", "autores", "firma", "firmas"})
FURNITURE_WORDS = frozenset({
    "related", "relacionadas", "relacionados", "share", "sharing", "social", "tags", "breadcrumb",
    "breadcrumbs", "newsletter", "subscribe", "comments", "sidebar", "promo", "advert", "ads",
    "cookie", "cookies", "kicker", "eyebrow", "overline", "antetitulo", "antetítulo", "cintillo",
    "volanta", "category", "tweet", "embed",
})
STANDFIRST_WORDS = frozenset({
    "standfirst", "dek", "deck", "subtitle", "subtitulo", "subtítulo", "subhead", "summary", "lead",
    "lede", "excerpt", "intro", "entradilla", "sumario", "bajada",
})
# A marked container counts for the blocks inside it only while it is about this long: a class
# on a big container (a whole column "with-related-posts") says nothing of its paragraphs.
MARKED_CONTAINER_MAX_CHARS = 1500
# A kicker above the headline: at most this many words, without final punctuation.
KICKER_MAX_WORDS = 6
# A piece of one of trafilatura's paragraphs counts as a paragraph from this length on.
MIN_PIECE_CHARS = 20
# trafilatura's elements of text, inside its <main>.
_MAIN_TEXT_TAGS = ("p", "head", "item", "cell", "quote", "list", "table")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_WORD_SPLIT = re.compile(r"[\s_\-]+")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One block of text found in the markup: the element whose markup says what it is for
    (the container, for loose text), its text with white space collapsed, the line of the file
    it starts on, and whether an inline marker accepts it."""

    element: HtmlElement
    text: str
    line: int
    leaf: bool = True  # the element's whole text, not loose text beside blocks inside it
    ignored: bool = False


def looks_like_html(text: str) -> bool:
    """Whether ``text`` is an HTML document: it opens (after white space, a byte-order mark or an
    XML declaration) with ``<!doctype html`` or ``<html``."""
    head = _XML_DECLARATION.sub("", text.lstrip("\ufeff \t\r\n")[:500]).lstrip().lower()
    return head.startswith(("<!doctype html", "<html"))


def parse_html(
    text: str, path: str, *, lang: str | None = None, pair: Sequence[str] = DEFAULT_CANDIDATES
) -> Article:
    """The article in an HTML page's text (see the module's rules). Its language is ``lang``
    (the file name's), else identified from the article's paragraphs among ``pair``, else the
    page's ``<html lang>``, else the target's. Raises InputError naming ``path`` when the page
    holds no headline, standfirst or paragraph."""
    import lxml.etree
    import lxml.html

    # lxml refuses a str that declares an encoding; the declaration's line breaks stay, so that
    # lines still count as in the file
    markup = _XML_DECLARATION.sub(lambda found: "\n" * found.group().count("\n"), text, count=1)
    try:
        root = lxml.html.document_fromstring(markup)
    except (lxml.etree.ParserError, ValueError):
        raise InputError(NOTHING_FOUND, path) from None
    main = _main_texts(markup)
    found = candidates(root)
    roles = [role_of(candidate, main) for candidate in found]
    if not any(role is Role.BODY for role in roles):  # trafilatura kept none: every block is the article's
        roles = [role_of(candidate, None) for candidate in found]
    _mark_kickers(found, roles)
    kept = [(candidate, role) for candidate, role in zip(found, roles) if role is not None]
    if not any(role.is_text for _, role in kept):
        raise InputError(NOTHING_FOUND, path)
    body = " ".join(candidate.text for candidate, role in kept if role is Role.BODY)
    page_lang = lang or identify(body, pair) or _declared_lang(root, pair) or pair[-1]
    candidate_langs = candidates_with(page_lang, pair)
    article_text, spans = layout([candidate for candidate, _ in kept])
    langs = _headline_langs(kept, page_lang, candidate_langs)
    blocks: list[Block] = []
    ignored: list[tuple[int, int]] = []
    for index, ((candidate, role), (start, end)) in enumerate(zip(kept, spans)):
        role, block_lang = langs.get(index, (role, page_lang))
        blocks.append(make_block(article_text, role, start, end, block_lang, candidate_langs))
        if candidate.ignored:
            ignored.append((start, end))
    return Article(
        path=path,
        lang=page_lang,
        blocks=tuple(blocks),
        text=article_text,
        format="html",
        key=split_lang_suffix(path)[0],
        meta=MappingProxyType({"key_from": "file-name"}),
        ignored=tuple(ignored),
    )


def candidates(root: HtmlElement) -> list[Candidate]:
    """The blocks of text of a parsed page, in document order (see the module's rules)."""
    containers = _containers(root)
    found: list[Candidate] = []
    _visit(root, containers, found, pending_ignore=False)
    return found


def role_of(candidate: Candidate, main: frozenset[str] | None) -> Role | None:
    """The role of one block, or None when it is not the article's. ``main`` holds the keys
    (:func:`_key`) of the paragraphs trafilatura keeps; None takes every block for the article's."""
    element, text = candidate.element, candidate.text
    chain = [element, *element.iterancestors()]
    tags = {node.tag for node in chain}
    if "figcaption" in tags or _marked(chain, CAPTION_WORDS):
        return Role.CAPTION
    if "figure" in tags and "blockquote" not in tags and element.tag != "p":
        return Role.CAPTION
    if (
        "address" in tags
        or _marked(chain, BYLINE_WORDS)
        or (candidate.leaf and element.find(".//a[@rel='author']") is not None)
        or is_byline(text, allow_role=False)
    ):
        return Role.BYLINE
    in_main = main is None or _key(text) in main
    if tags & FURNITURE_PARENTS or _marked(chain, FURNITURE_WORDS) or (candidate.leaf and _link_only(element, text)):
        return Role.FURNITURE
    if _in_site_header(chain) and not in_main:
        return Role.FURNITURE
    if element.tag == "h1":
        return Role.HEADLINE
    if _marked(chain, STANDFIRST_WORDS):
        return Role.SUBTITLE
    if not in_main:
        return None
    if element.tag in ("h2", "h3", "h4", "h5", "h6"):
        return Role.SUBTITLE
    return line_role(text) or Role.BODY


def layout(found: Sequence[Candidate]) -> tuple[str, list[tuple[int, int]]]:
    """The article's text and each block's span in it: every block starts on its element's line
    of the file (or, when an earlier block already reaches that line, two spaces after it)."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    line, length = 1, 0
    for candidate in found:
        if candidate.line > line:
            gap = "\n" * (candidate.line - line)
            line = candidate.line
        else:
            gap = "  " if parts else ""
        parts += [gap, candidate.text]
        start = length + len(gap)
        length = start + len(candidate.text)
        spans.append((start, length))
    return "".join(parts), spans


def _main_texts(markup: str) -> frozenset[str]:
    """The keys of the paragraphs, headings, list items, quotations and cells trafilatura takes
    for the article (its ``<main>``, without the comments it also finds)."""
    import lxml.etree
    from trafilatura import extract

    xml = extract(markup, output_format="xml", include_tables=True, include_comments=False, favor_recall=True)
    if not xml:
        return frozenset()
    document = lxml.etree.fromstring(xml.encode("utf-8"))
    keys: set[str] = set()
    for main in document.iter("main"):
        keys.add(_key(main.text or ""))  # a page of loose text: trafilatura puts it straight in <main>
        for element in main.iter(*_MAIN_TEXT_TAGS):
            keys.add(_key("".join(element.itertext())))
            # a paragraph with line breaks or a list inside: its longer pieces too
            keys.update(_key(piece) for piece in element.itertext() if len(piece.strip()) >= MIN_PIECE_CHARS)
    keys.discard("")
    return frozenset(keys)


def _key(text: str) -> str:
    """``text`` compared without white space: trafilatura and lxml space a paragraph differently."""
    return "".join(text.split()).casefold()


def _containers(root: HtmlElement) -> set[HtmlElement]:
    """The elements that hold a block-level element somewhere inside them."""
    found: set[HtmlElement] = set()
    for element in root.iter():
        if not _is_block(element):
            continue
        for ancestor in element.iterancestors():
            if ancestor in found:
                break
            found.add(ancestor)
    return found


def _visit(element: HtmlElement, containers: set[HtmlElement], found: list[Candidate], *, pending_ignore: bool) -> bool:
    """Append the blocks in ``element`` to ``found``; whether a marker standing on its own at the
    end still waits for the next block. (lxml parses HTML at most 255 elements deep, so this
    recursion stays well within Python's limit.)"""
    if element not in containers:
        text = _normalise(_text(element))
        if _has_words(text):
            ignored = pending_ignore or _holds_marker(element)
            found.append(Candidate(element, text, element.sourceline or 1, True, ignored))
            return False
        return pending_ignore or _holds_marker(element)
    run: list[str] = []
    run_line = element.sourceline or 1
    run_marked = False

    def close() -> None:
        nonlocal run, run_marked, pending_ignore
        text = _normalise("".join(run))
        if _has_words(text):
            found.append(Candidate(element, text, run_line, False, pending_ignore or run_marked))
            pending_ignore = False
        run, run_marked = [], False

    run.append(element.text or "")
    for child in element:
        if _is_marker(child):
            if _normalise("".join(run)):
                run_marked = True
            else:
                pending_ignore = True
        elif not isinstance(child.tag, str) or _skipped(child):
            pass
        elif child in containers or _is_block(child):
            close()
            pending_ignore = _visit(child, containers, found, pending_ignore=pending_ignore)
            run_line = child.sourceline or run_line
        else:
            if not _normalise("".join(run)):
                run_line = child.sourceline or run_line
            run.append(_text(child))
            run_marked = run_marked or _holds_marker(child)
        run.append(child.tail or "")
    close()
    return pending_ignore


def _is_block(element: HtmlElement) -> bool:
    return isinstance(element.tag, str) and element.tag not in INLINE_TAGS and not _skipped(element)


def _skipped(element: HtmlElement) -> bool:
    """Whether an element's content is never read: not text (a script, a form control), or
    hidden from the reader."""
    if not isinstance(element.tag, str):
        return True
    return (
        element.tag in SKIPPED_TAGS
        or element.get("hidden") is not None
        or element.get("aria-hidden") == "true"
        or bool(_HIDDEN_STYLE.search(element.get("style") or ""))
    )


def _text(element: HtmlElement) -> str:
    """The text a reader sees in ``element``: skipped elements left out, a line break a space."""
    parts = [element.text or ""] if isinstance(element.tag, str) else []
    for child in element:
        if isinstance(child.tag, str) and not _skipped(child):
            parts.append(" " if child.tag == "br" else _text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _has_words(text: str) -> bool:
    return any(char.isalnum() for char in text)


def _is_marker(node: HtmlElement) -> bool:
    import lxml.etree

    return node.tag is lxml.etree.Comment and bool(IGNORE_MARKER.search(f"<!--{node.text or ''}-->"))


def _holds_marker(element: HtmlElement) -> bool:
    return any(_is_marker(node) for node in element.iterdescendants())


def _marked(chain: Sequence[HtmlElement], words: frozenset[str]) -> bool:
    """Whether the element (``chain[0]``) or a container around it not much longer than a block
    has a class, id, itemprop or rel made of one of ``words``."""
    for node in chain:
        if node.tag in PAGE_TAGS:
            return False
        names = " ".join(node.get(attribute) or "" for attribute in ("class", "id", "itemprop", "rel"))
        if words.intersection(_WORD_SPLIT.split(names.casefold())):
            return node is chain[0] or not _longer_than(node, MARKED_CONTAINER_MAX_CHARS)
    return False


def _longer_than(element: HtmlElement, limit: int) -> bool:
    """Whether the text inside ``element`` runs past ``limit`` characters (read no further)."""
    length = 0
    for piece in element.itertext():
        length += len(piece.strip())
        if length > limit:
            return True
    return False


def _link_only(element: HtmlElement, text: str) -> bool:
    """A list item or paragraph that is nothing but one link: a list of other articles."""
    if element.tag not in ("li", "p"):
        return False
    links = element.findall(".//a")
    return len(links) == 1 and _normalise(_text(links[0])) == text


def _in_site_header(chain: Sequence[HtmlElement]) -> bool:
    """Whether a block is in the site's ``header`` (not one inside the article or ``main``)."""
    tags = [node.tag for node in chain]
    if "header" not in tags:
        return False
    return not {"article", "main"}.intersection(tags[tags.index("header"):])


def _mark_kickers(found: Sequence[Candidate], roles: list[Role | None]) -> None:
    """A short unpunctuated BODY block above the first ``h1`` is a section label: FURNITURE."""
    first = next((i for i, c in enumerate(found) if c.element.tag == "h1" and roles[i] is Role.HEADLINE), None)
    for index in range(first or 0):
        text = found[index].text
        if roles[index] is Role.BODY and len(text.split()) <= KICKER_MAX_WORDS and not SENTENCE_END.search(text):
            roles[index] = Role.FURNITURE


def _headline_langs(
    kept: Sequence[tuple[Candidate, Role]], page_lang: str, candidate_langs: Sequence[str]
) -> dict[int, tuple[Role, str]]:
    """The role and language of each ``h1`` headline candidate, by its index in ``kept``."""
    heads = [index for index, (_, role) in enumerate(kept) if role is Role.HEADLINE]
    decided = headline_roles([kept[index][0].text for index in heads], page_lang, candidate_langs)
    return dict(zip(heads, decided))


def _declared_lang(root: HtmlElement, pair: Sequence[str]) -> str | None:
    """The language ``<html lang="en-GB">`` declares, when it is one of ``pair``."""
    declared = (root.get("lang") or "").split("-")[0].strip().lower()
    return declared if declared in pair else None
