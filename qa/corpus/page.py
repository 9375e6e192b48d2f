"""Reader for plain-text page dumps: a news web page saved as text.

A page copied from a browser puts each paragraph on a line of its own, with or without blank
lines between them, so every line is a paragraph; only a hard-wrapped paragraph (lines of
similar length, the next one going on in lowercase) is joined back (:func:`paragraphs`).

A page dump has no markup to say what each paragraph is, so roles come from the page's shape
and from the furniture news pages carry (``qa.corpus.furniture``):

* a section label at the top ("Opinion") is FURNITURE;
* the leading short paragraphs without final sentence punctuation are headline candidates. One
  in another language than the page is the source headline left in the page: a HEADLINE in that
  language; the page-language ones are SUBTITLEs. With no foreign one, the first is the
  HEADLINE. Among them, one printed again is FURNITURE, and a third or later one printed right
  under the previous (no blank line between) is the lead photo's CAPTION;
* a paragraph with a photo credit at its start or end ("PHOTO/AFP - ...", "... (PHOTO/FILE)")
  is a FURNITURE block for the credit and a CAPTION for the rest; a source-language paragraph
  printed right beside a caption is the caption's original: a CAPTION; an image file name is
  FURNITURE;
* "By Name" / "Por Nombre" / "All posts by Name" anywhere, "Role: Person Name" among the
  trailing paragraphs, and a bare name next to another byline, a date line or itself printed
  again, are BYLINEs; so is an author's note that starts with the name just above it;
* related-article links, date and time lines, read counters, agency datelines on their own
  line, an in-page index (list items without final punctuation, not introduced by a colon), a
  short paragraph printed again, and the short unpunctuated paragraphs at the end ("More in
  Sports", "Share") are FURNITURE; so are a "MIAMI.- " dateline opening a paragraph, and, on a
  translation's page, the last sentence when it has no final mark (the dump was cut off there);
* everything else is BODY.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from qa.corpus.files import lang_from_path, read_text_file, split_lang_suffix
from qa.corpus.furniture import (
    SENTENCE_END,
    image_file_name,
    is_counter,
    is_date_line,
    is_dateline_line,
    is_related_link,
    is_section_label,
    opening_dateline,
)
from qa.corpus.model import Article, Block, Role, Sentence
from qa.langid import DEFAULT_CANDIDATES, candidates_with, identify, identify_beside_names, identify_block
from qa.segment import LIST_MARKER, split_sentences, trim_span

LEAD_MAX_WORDS = 45  # a standfirst runs up to about 45 words
TRAIL_MAX_WORDS = 12
BYLINE_MAX_WORDS = 8
# A line break inside a run of lines is kept (the lines joined as one paragraph) only where the
# text is hard-wrapped: the line before it is at least this share of the run's longest line.
HARD_WRAP_SHARE = 0.5
# The lead's third headline candidate on: printed right under the previous one, a caption.
LEAD_CAPTION_FROM = 2

Span = tuple[int, int]

_UPPER = "A-ZÁÉÍÓÚÜÑÀÈÌÒÙÂÊÎÔÛÇ"
_LABEL = r"(?i:file\s+photo|archive\s+photo|fotograf[íi]a|foto|photo|imagen|image)"
_AGENCY_WITH_SLASH = rf"[{_UPPER}][{_UPPER}0-9.&'’]*(?:\s?/\s?[{_UPPER}0-9.&'’ ]+)+"
_ICON = re.compile(r"photo_camera\b\s*")
# a credit ("PHOTO/AFP", "Foto: EFE", "AFP/GETTY") followed by a spaced dash before the caption
_DASHED_CREDIT = re.compile(rf"(?:{_LABEL}\s*[:/][^\n]{{0,60}}?|{_AGENCY_WITH_SLASH})(?=\s+[-–—]\s+)")
_DASH = re.compile(r"\s+[-–—]\s+")
# a credit closing a caption: "... - PHOTO/FILE", "... (PHOTO/REUTERS)", "... - AFP/JOHN SMITH"
_TRAILING_CREDIT = re.compile(
    rf"(?:\s+[-–—]\s*|\s*\()(?:{_LABEL}\s*[:/][^\n()]{{0,40}}?|{_AGENCY_WITH_SLASH})\)?$"
)
_LABEL_ONLY = re.compile(rf"(?:(?i:file\s+photo|archive\s+photo)[.:]?|{_LABEL}\s*:)")
_BY = re.compile(r"(?i:(?:all\s+)?(?:posts|articles|stories)\s+by|by|por|written\s+by|escrito\s+por)\s+")
_ROLE_COLON = re.compile(r"[^\W\d_][^:\n]{0,40}:\s*")
_NAME_PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "y", "e", "and", "van", "von", "da", "di", "du", "le"}
)
_CONTINUES_LINE = re.compile(r"[\"'“‘«(¿¡]*[^\W\d_]")


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph of a page dump: its trimmed span, and whether it is printed right under the
    previous one (no blank line between them)."""

    start: int
    end: int
    attached: bool


def read_page(
    path: str | Path, *, lang: str | None = None, pair: Sequence[str] = DEFAULT_CANDIDATES
) -> Article:
    """Read a page dump. Its language is ``lang``, else the file name's (``x.en.txt``), else
    identified from the text among ``pair`` (source and target; the target if undecided)."""
    text = read_text_file(path)
    return parse_page(text, str(path), lang=lang or lang_from_path(path, pair), pair=pair)


def parse_page(
    text: str, path: str, *, lang: str | None = None, pair: Sequence[str] = DEFAULT_CANDIDATES
) -> Article:
    """The article in a page dump's text; offsets are into ``text``."""
    page_lang = lang or identify(text, pair) or pair[-1]
    candidates = candidates_with(page_lang, pair)
    blocks = classify(text, paragraphs(text), page_lang, candidates)
    if page_lang != pair[0] and blocks and blocks[-1].role is Role.BODY:
        blocks[-1:] = cut_off_tail(text, blocks[-1], candidates)
    return Article(
        path=path,
        lang=page_lang,
        blocks=tuple(blocks),
        text=text,
        format="page",
        key=split_lang_suffix(path)[0],
        meta=MappingProxyType({"key_from": "file-name"}),
    )


def paragraph_spans(text: str) -> list[Span]:
    """Spans of the paragraphs of ``text`` (see :func:`paragraphs`)."""
    return [(p.start, p.end) for p in paragraphs(text)]


def paragraphs(text: str) -> list[Paragraph]:
    """The paragraphs of a page dump, trimmed of whitespace: each non-blank line, except that a
    hard-wrapped line is joined to the next (:func:`hard_wrapped`)."""
    found: list[Paragraph] = []
    for run in _line_runs(text):
        longest = max(end - start for start, end in run)
        start, end = run[0]
        attached = False  # the first line of a run follows a blank line (or starts the page)
        for next_start, next_end in run[1:]:
            if hard_wrapped(text[start:end], text[next_start:next_end], longest):
                end = next_end
                continue
            found.append(Paragraph(start, end, attached))
            start, end, attached = next_start, next_end, True
        found.append(Paragraph(start, end, attached))
    return found


def hard_wrapped(line: str, next_line: str, longest: int) -> bool:
    """Whether the break between two lines of one run is a hard wrap inside a paragraph: the
    line does not end a sentence and is not much shorter than the run's longest line, and the
    next goes on in lowercase and is not a list item."""
    if SENTENCE_END.search(line) or line.endswith(":") or LIST_MARKER.match(next_line):
        return False
    first = _CONTINUES_LINE.match(next_line)
    return first is not None and first.group()[-1].islower() and len(line) >= HARD_WRAP_SHARE * longest


def _line_runs(text: str) -> list[list[Span]]:
    """The trimmed spans of the non-blank lines of ``text``, in runs between blank lines."""
    runs: list[list[Span]] = []
    run: list[Span] = []
    position = 0
    for line in text.splitlines(keepends=True):
        start, end = trim_span(text, position, position + len(line))
        if start < end:
            run.append((start, end))
        elif run:
            runs.append(run)
            run = []
        position += len(line)
    if run:
        runs.append(run)
    return runs


def classify(
    text: str, found: Sequence[Paragraph], page_lang: str, candidates: Sequence[str]
) -> list[Block]:
    """The blocks of a page, each with its role, sentences and languages."""
    chunks = [text[p.start : p.end] for p in found]
    roles: list[Role | None] = [line_role(chunk) for chunk in chunks]
    _mark_name_bylines(chunks, roles)
    start, end = _lead(chunks, roles)
    langs: dict[int, str] = {}
    for index in range(start):
        roles[index] = Role.FURNITURE  # section labels
    _classify_lead(chunks, found, roles, langs, range(start, end), page_lang, candidates)
    trail = _trail_start(chunks, roles, end)
    for index in range(trail, len(chunks)):
        if roles[index] is None and is_byline(chunks[index], allow_role=True):
            roles[index] = Role.BYLINE
        elif roles[index] is None:
            roles[index] = Role.FURNITURE
    _mark_index_lists(chunks, roles)
    _mark_repeats(chunks, roles)
    _mark_original_captions(chunks, found, roles, page_lang, candidates)
    _mark_author_notes(chunks, roles)
    blocks: list[Block] = []
    for index, paragraph in enumerate(found):
        role = roles[index] or Role.BODY
        lang = langs.get(index, page_lang)
        for part_role, part_start, part_end in _parts(chunks[index], role):
            start_at, end_at = paragraph.start + part_start, paragraph.start + part_end
            blocks.append(make_block(text, part_role, start_at, end_at, lang, candidates))
    return blocks


def cut_off_tail(text: str, block: Block, candidates: Sequence[str]) -> list[Block]:
    """The page's last body paragraph, with its last sentence as FURNITURE when that sentence
    has no final mark: a page dump that stops mid-sentence was cut off where it was saved, which
    says nothing of the translation. (Only a translation's tail is set aside: a source page cut
    off earlier than its translation still holds what the translation's sentence says.)"""
    last = block.sentences[-1] if block.sentences else None
    if last is None or SENTENCE_END.search(last.text):
        return [block]
    assert block.lang is not None  # make_block gives every block a language
    tail = make_block(text, Role.FURNITURE, last.start, block.end, block.lang, candidates)
    if last.start == block.start:
        return [tail]
    return [make_block(text, Role.BODY, block.start, last.start, block.lang, candidates), tail]


def line_role(chunk: str) -> Role | None:
    """The role a paragraph has whatever its place on the page, or None: a caption with its
    credit, an image file name, a byline, a related link, a date line, a counter, a dateline."""
    if photo_credit(chunk) or trailing_credit(chunk):
        return Role.CAPTION
    if is_byline(chunk, allow_role=False):
        return Role.BYLINE
    if (
        image_file_name(chunk)
        or is_related_link(chunk)
        or is_date_line(chunk)
        or is_counter(chunk)
        or is_dateline_line(chunk)
    ):
        return Role.FURNITURE
    return None


def headline_roles(
    chunks: Sequence[str], page_lang: str, candidates: Sequence[str]
) -> list[tuple[Role, str]]:
    """Role and language of each leading headline candidate (see the module's rules)."""
    langs = [identify_beside_names(chunk, candidates) for chunk in chunks]
    # the language of each candidate identified as foreign, else None
    foreign = [None if lang == page_lang else lang for lang in langs]
    roles: list[tuple[Role, str]] = []
    for index, lang in enumerate(foreign):
        if lang is not None:
            roles.append((Role.HEADLINE, lang))
        elif index == 0 and all(other is None for other in foreign):
            roles.append((Role.HEADLINE, page_lang))
        else:
            roles.append((Role.SUBTITLE, page_lang))
    return roles


def photo_credit(chunk: str) -> tuple[int, int] | None:
    """Where a leading photo credit ends and the caption after it starts, within ``chunk``;
    None when the block does not start with one."""
    icon = _ICON.match(chunk)
    position = icon.end() if icon else 0
    credit = _DASHED_CREDIT.match(chunk, position)
    if credit:
        dash = _DASH.match(chunk, credit.end())
        assert dash is not None  # _DASHED_CREDIT only matches before a dash
        return credit.end(), dash.end()
    label = _LABEL_ONLY.match(chunk, position)
    if label:
        return label.end(), _skip_spaces(chunk, label.end())
    if icon:
        return len(chunk[: icon.end()].rstrip()), icon.end()
    return None


def trailing_credit(chunk: str) -> tuple[int, int] | None:
    """Where the caption ends and the photo credit closing it starts, within ``chunk``; None
    when the block does not end with one."""
    credit = _TRAILING_CREDIT.search(chunk)
    if credit is None or not any(char.isalpha() for char in chunk[: credit.start()]):
        return None
    return credit.start(), _skip_spaces(chunk, credit.start())


def is_byline(chunk: str, *, allow_role: bool) -> bool:
    """Whether a block is a byline: "By Name" / "Por Nombre" / "All posts by Name", or (where
    ``allow_role``, near the end of a page) "Role: Person Name"."""
    if "\n" in chunk or len(chunk.split()) > BYLINE_MAX_WORDS or SENTENCE_END.search(chunk):
        return False
    for pattern, allowed in ((_BY, True), (_ROLE_COLON, allow_role)):
        prefix = pattern.match(chunk)
        if allowed and prefix and _is_name(chunk[prefix.end() :]):
            return True
    return False


def is_bare_name(chunk: str) -> bool:
    """Whether a paragraph is just a person's name: two to four capitalised words."""
    if any(char.isdigit() for char in chunk) or SENTENCE_END.search(chunk) or LIST_MARKER.match(chunk):
        return False
    return 2 <= len(chunk.split()) <= 4 and _is_name(chunk)


def _is_name(text: str) -> bool:
    words = re.split(r"\s*(?:,|&)\s*|\s+", text.strip())
    words = [word for word in words if word]
    if not 1 <= len(words) <= 6:
        return False
    return words[0][0].isupper() and all(
        word[0].isupper() or word.lower() in _NAME_PARTICLES for word in words
    )


def _is_short_unpunctuated(chunk: str, max_words: int) -> bool:
    return "\n" not in chunk and len(chunk.split()) <= max_words and not SENTENCE_END.search(chunk)


def _lead(chunks: Sequence[str], roles: Sequence[Role | None]) -> tuple[int, int]:
    """Where the lead's headline candidates start (after any section labels) and end."""
    start = 0
    while start < len(chunks) - 1 and roles[start] is None and is_section_label(chunks[start]):
        start += 1
    end = start
    while (
        end < len(chunks)
        and roles[end] is None
        and _is_short_unpunctuated(chunks[end], LEAD_MAX_WORDS)
        and not LIST_MARKER.match(chunks[end])
    ):
        end += 1
    return start, end


def _classify_lead(
    chunks: Sequence[str],
    found: Sequence[Paragraph],
    roles: list[Role | None],
    langs: dict[int, str],
    lead: range,
    page_lang: str,
    candidates: Sequence[str],
) -> None:
    """Roles (and languages) of the lead's paragraphs: repeats, captions, then headlines."""
    headlines: list[int] = []
    for position, index in enumerate(lead):
        if chunks[index] in (chunks[other] for other in lead[:position]):
            roles[index] = Role.FURNITURE  # the page template printed it twice
        elif position >= LEAD_CAPTION_FROM and found[index].attached:
            roles[index] = Role.CAPTION
        else:
            headlines.append(index)
    for index, (role, lang) in zip(headlines, headline_roles([chunks[i] for i in headlines], page_lang, candidates)):
        roles[index] = role
        langs[index] = lang


def _trail_start(chunks: Sequence[str], roles: Sequence[Role | None], lead_end: int) -> int:
    start = len(chunks)
    while start > lead_end and (
        roles[start - 1] is not None or _is_short_unpunctuated(chunks[start - 1], TRAIL_MAX_WORDS)
    ):
        start -= 1
    return start


def _mark_name_bylines(chunks: Sequence[str], roles: list[Role | None]) -> None:
    """A bare name next to a byline, a date line, or itself printed again, is a byline."""
    for _ in range(2):  # a name printed twice beside a date: both copies
        for index, chunk in enumerate(chunks):
            if roles[index] is not None or not is_bare_name(chunk):
                continue
            neighbours = [n for n in (index - 1, index + 1) if 0 <= n < len(chunks)]
            if any(
                roles[n] is Role.BYLINE or chunks[n] == chunk or is_date_line(chunks[n]) for n in neighbours
            ):
                roles[index] = Role.BYLINE


def _mark_index_lists(chunks: Sequence[str], roles: list[Role | None]) -> None:
    """A run of list items without final punctuation that nothing introduces with a colon is an
    index of the page's sections: furniture. A list introduced with a colon is content."""
    index = 0
    while index < len(chunks):
        end = index
        while end < len(chunks) and roles[end] is None and LIST_MARKER.match(chunks[end]):
            end += 1
        if end == index:
            index += 1
            continue
        introduced = index > 0 and chunks[index - 1].endswith(":")
        if not introduced and all(_is_short_unpunctuated(chunks[i], LEAD_MAX_WORDS) for i in range(index, end)):
            for item in range(index, end):
                roles[item] = Role.FURNITURE
        index = end


def _mark_repeats(chunks: Sequence[str], roles: list[Role | None]) -> None:
    """A short unpunctuated paragraph printed again (a title the template repeats) is furniture
    the second time."""
    seen: set[str] = set()
    for index, chunk in enumerate(chunks):
        if roles[index] is None and chunk in seen and _is_short_unpunctuated(chunk, LEAD_MAX_WORDS):
            roles[index] = Role.FURNITURE
        seen.add(chunk)


def _mark_original_captions(
    chunks: Sequence[str],
    found: Sequence[Paragraph],
    roles: list[Role | None],
    page_lang: str,
    candidates: Sequence[str],
) -> None:
    """A paragraph in another language printed right beside a caption (no blank line between)
    is that caption's original, which the page template shows too."""
    for index, chunk in enumerate(chunks):
        if roles[index] is not None:
            continue
        beside = (index > 0 and found[index].attached and roles[index - 1] is Role.CAPTION) or (
            index + 1 < len(chunks) and found[index + 1].attached and roles[index + 1] is Role.CAPTION
        )
        if beside and identify_beside_names(chunk, candidates) not in (None, page_lang):
            roles[index] = Role.CAPTION


def _mark_author_notes(chunks: Sequence[str], roles: list[Role | None]) -> None:
    """A paragraph right after a byline that starts with the byline's name is the author's note."""
    for index in range(1, len(chunks)):
        if roles[index] is not None or roles[index - 1] is not Role.BYLINE:
            continue
        byline = chunks[index - 1]
        prefix = _BY.match(byline)
        name = byline[prefix.end() :] if prefix else byline
        if is_bare_name(name) and chunks[index].startswith(name):
            roles[index] = Role.BYLINE


def _parts(chunk: str, role: Role) -> list[tuple[Role, int, int]]:
    """A paragraph's blocks, as spans within it: a caption's credit apart from its text, a
    body paragraph's opening dateline apart from the rest."""
    if role is Role.CAPTION:
        leading = photo_credit(chunk)
        if leading:
            furniture_end, caption_start = leading
            parts = [(Role.FURNITURE, 0, furniture_end)]
            return parts + ([(Role.CAPTION, caption_start, len(chunk))] if caption_start < len(chunk) else [])
        trailing = trailing_credit(chunk)
        if trailing:
            caption_end, credit_start = trailing
            return [(Role.CAPTION, 0, caption_end), (Role.FURNITURE, credit_start, len(chunk))]
    if role is Role.BODY:
        dateline_end = opening_dateline(chunk)
        if dateline_end is not None:
            return [(Role.FURNITURE, 0, dateline_end), (Role.BODY, dateline_end, len(chunk))]
    return [(role, 0, len(chunk))]


def make_block(text: str, role: Role, start: int, end: int, lang: str, candidates: Sequence[str]) -> Block:
    """The block of ``text[start:end]`` (trimmed), split into sentences in ``lang``, with its
    language and its sentences' identified among ``candidates`` (``lang`` when undecided)."""
    start, end = trim_span(text, start, end)
    chunk = text[start:end]
    sentences = tuple(Sentence(s.text, s.start, s.end) for s in split_sentences(chunk, lang, start))
    block = Block(role, chunk, start, end, sentences, lang)
    return identify_block(block, lang, candidates)


def _skip_spaces(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position
