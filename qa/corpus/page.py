"""Reader for plain-text page dumps: a news web page saved as text, blocks between blank lines.

A page dump has no markup to say what each block is, so roles come from the shape of the page:

* leading short blocks without final sentence punctuation are headline candidates. One in
  another language than the page is the source headline left in the page: a HEADLINE in that
  language; the page-language ones are SUBTITLEs. With no foreign one, the first is the HEADLINE;
* a block starting with a photo credit ("photo_camera", "PHOTO/AFP", "Foto:", "File photo",
  "EFE/GETTY - ") becomes a FURNITURE block for the credit and a CAPTION for the rest;
* "By Name" / "Por Nombre" anywhere, and "Role: Person Name" among the trailing blocks, is a
  BYLINE; other short trailing blocks without sentence punctuation ("More in Sports", "Share")
  are FURNITURE;
* everything else is BODY.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType

from qa.corpus.files import lang_from_path, read_text_file, split_lang_suffix
from qa.corpus.model import Article, Block, Role, Sentence
from qa.langid import DEFAULT_CANDIDATES, candidates_with, identify, identify_block
from qa.segment import split_sentences, trim_span

LEAD_MAX_WORDS = 30
TRAIL_MAX_WORDS = 12
BYLINE_MAX_WORDS = 8

Span = tuple[int, int]

_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_UPPER = "A-ZÁÉÍÓÚÜÑÀÈÌÒÙÂÊÎÔÛÇ"
_LABEL = r"(?i:file\s+photo|archive\s+photo|fotograf[íi]a|foto|photo|imagen|image)"
_AGENCY_WITH_SLASH = rf"[{_UPPER}][{_UPPER}0-9.&'’]*(?:\s?/\s?[{_UPPER}0-9.&'’ ]+)+"
_ICON = re.compile(r"photo_camera\b\s*")
# a credit ("PHOTO/AFP", "Foto: EFE", "AFP/GETTY") followed by a spaced dash before the caption
_DASHED_CREDIT = re.compile(rf"(?:{_LABEL}\s*[:/][^\n]{{0,60}}?|{_AGENCY_WITH_SLASH})(?=\s+[-–—]\s+)")
_DASH = re.compile(r"\s+[-–—]\s+")
_LABEL_ONLY = re.compile(rf"(?:(?i:file\s+photo|archive\s+photo)[.:]?|{_LABEL}\s*:)")
_BY = re.compile(r"(?i:by|por|written\s+by|escrito\s+por)\s+")
_ROLE_COLON = re.compile(r"[^\W\d_][^:\n]{0,40}:\s*")
_NAME_PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "y", "e", "and", "van", "von", "da", "di", "du", "le"}
)


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
    spans = paragraph_spans(text)
    blocks = classify(text, spans, page_lang, candidates)
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
    """Spans of the blocks of ``text``: runs of non-blank lines, trimmed of whitespace."""
    spans: list[Span] = []
    position = 0
    start: int | None = None
    end = 0  # set with start, on the block's first line
    for line in text.splitlines(keepends=True):
        if line.strip():
            start = position if start is None else start
            end = position + len(line)
        elif start is not None:
            spans.append(trim_span(text, start, end))
            start = None
        position += len(line)
    if start is not None:
        spans.append(trim_span(text, start, end))
    return spans


def classify(text: str, spans: Sequence[Span], page_lang: str, candidates: Sequence[str]) -> list[Block]:
    """The blocks of a page, each with its role, sentences and languages."""
    chunks = [text[s:e] for s, e in spans]
    lead = _lead_count(chunks)
    trail = _trail_start(chunks, lead)
    lead_roles = headline_roles(chunks[:lead], page_lang, candidates)
    blocks: list[Block] = []
    for index, ((start, end), chunk) in enumerate(zip(spans, chunks)):
        credit = photo_credit(chunk)
        if index < lead:
            role, lang = lead_roles[index]
            blocks.append(_block(text, role, start, end, lang, candidates))
        elif credit:
            furniture_end, caption_start = credit
            blocks.append(_block(text, Role.FURNITURE, start, start + furniture_end, page_lang, candidates))
            if start + caption_start < end:
                blocks.append(_block(text, Role.CAPTION, start + caption_start, end, page_lang, candidates))
        elif is_byline(chunk, allow_role=index >= trail):
            blocks.append(_block(text, Role.BYLINE, start, end, page_lang, candidates))
        elif index >= trail:
            blocks.append(_block(text, Role.FURNITURE, start, end, page_lang, candidates))
        else:
            blocks.append(_block(text, Role.BODY, start, end, page_lang, candidates))
    return blocks


def headline_roles(
    chunks: Sequence[str], page_lang: str, candidates: Sequence[str]
) -> list[tuple[Role, str]]:
    """Role and language of each leading headline candidate (see the module's rules)."""
    langs = [identify(chunk, candidates) for chunk in chunks]
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


def is_byline(chunk: str, *, allow_role: bool) -> bool:
    """Whether a block is a byline: "By Name" / "Por Nombre", or (where ``allow_role``, near the
    end of a page) "Role: Person Name"."""
    if "\n" in chunk or len(chunk.split()) > BYLINE_MAX_WORDS or _SENTENCE_END.search(chunk):
        return False
    for pattern, allowed in ((_BY, True), (_ROLE_COLON, allow_role)):
        prefix = pattern.match(chunk)
        if allowed and prefix and _is_name(chunk[prefix.end() :]):
            return True
    return False


def _is_name(text: str) -> bool:
    words = re.split(r"\s*(?:,|&)\s*|\s+", text.strip())
    words = [word for word in words if word]
    if not 1 <= len(words) <= 6:
        return False
    return words[0][0].isupper() and all(
        word[0].isupper() or word.lower() in _NAME_PARTICLES for word in words
    )


def _is_short_unpunctuated(chunk: str, max_words: int) -> bool:
    return "\n" not in chunk and len(chunk.split()) <= max_words and not _SENTENCE_END.search(chunk)


def _lead_count(chunks: Sequence[str]) -> int:
    count = 0
    for chunk in chunks:
        if not _is_short_unpunctuated(chunk, LEAD_MAX_WORDS) or photo_credit(chunk) or _BY.match(chunk):
            break
        count += 1
    return count


def _trail_start(chunks: Sequence[str], lead: int) -> int:
    start = len(chunks)
    while start > lead and _is_short_unpunctuated(chunks[start - 1], TRAIL_MAX_WORDS):
        start -= 1
    return start


def _block(text: str, role: Role, start: int, end: int, lang: str, candidates: Sequence[str]) -> Block:
    start, end = trim_span(text, start, end)
    chunk = text[start:end]
    sentences = tuple(Sentence(s.text, s.start, s.end) for s in split_sentences(chunk, lang, start))
    block = Block(role, chunk, start, end, sentences, lang)
    return identify_block(block, lang, candidates)


def _skip_spaces(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position
