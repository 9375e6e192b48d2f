"""Reader for JSON Lines of articles.

Two record shapes, one record per line:

* one article: ``{"id"?, "translationKey"?, "lang", "headline" | "title", "paragraphs"}``;
* an article and its translation: ``{"id", "es": {"lang", "headline", "paragraphs"}, "en": {...}}``.

``paragraphs`` is a list of strings (segmented here) or of lists of sentences (kept as given).
An article's ``text`` is its headline and paragraphs joined by blank lines, the sentences of a
paragraph joined by spaces; ``origin_line`` is the record's line. A bad record is an InputError
naming the file and line; the other records are still read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from qa.corpus.files import read_text_file
from qa.corpus.model import Article, ArticlePair, Block, Role, Sentence
from qa.errors import InputError
from qa.files import without_lone_surrogates
from qa.langid import DEFAULT_CANDIDATES, candidates_with, identify_block, is_language_code
from qa.segment import split_sentences

PARAGRAPH_SEPARATOR = "\n\n"
SENTENCE_SEPARATOR = " "
# A \uD800-\uDFFF escape: half of a surrogate pair, perhaps left alone by a scraper that cut
# an emoji in two.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


@dataclass
class Records:
    """What a JSON Lines file of articles held: lone articles, ready pairs, and bad records."""

    articles: list[Article] = field(default_factory=list)
    pairs: list[ArticlePair] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


class RecordError(ValueError):
    """A record that cannot be read; turned into an InputError with the file and line."""


def read_article_records(path: str | Path, *, pair: Sequence[str] = DEFAULT_CANDIDATES) -> Records:
    """Read a JSON Lines file of articles. ``pair`` is (source, target) language: it says which
    side of a two-language record is the source. Raises InputError if the file is unreadable."""
    return parse_article_records(read_text_file(path), str(path), pair=pair)


def parse_article_records(text: str, path: str, *, pair: Sequence[str] = DEFAULT_CANDIDATES) -> Records:
    """The records of JSON Lines ``text`` read from ``path``."""
    records = Records()
    for line_number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = parse_json_object(line)
            if _is_pair_record(record):
                records.pairs.append(pair_from_record(record, path, line_number, pair=pair))
            else:
                records.articles.append(article_from_record(record, path, line_number, pair=pair))
        except RecordError as error:
            records.errors.append(InputError(str(error), f"{path}:{line_number}"))
    return records


def parse_json_object(line: str) -> dict:
    """One line of JSON Lines as a dict; RecordError if it is not JSON or not an object."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise RecordError(f"not valid JSON ({error.msg} at column {error.colno})") from None
    except RecursionError:
        raise RecordError("JSON nested too deeply to read") from None
    if not isinstance(record, dict):
        raise RecordError(f"expected a JSON object, found a {type(record).__name__}")
    if _SURROGATE_ESCAPE.search(line):
        _replace_lone_surrogates(record)
    return record


def _replace_lone_surrogates(record: dict) -> None:
    """Replace, in place, lone surrogates in the strings of a decoded record by U+FFFD: no
    segmenter, cache or UTF-8 output can take them. Iterative, as records may nest deeply."""
    pending: list[dict | list] = [record]
    while pending:
        container = pending.pop()
        items = container.items() if isinstance(container, dict) else enumerate(container)
        for key, value in list(items):
            if isinstance(value, str):
                container[key] = without_lone_surrogates(value)
            elif isinstance(value, dict | list):
                pending.append(value)


def article_from_record(
    record: dict, path: str, line: int, *, lang: str | None = None, pair: Sequence[str] = DEFAULT_CANDIDATES
) -> Article:
    """The article in one record (or one side of a two-language record)."""
    lang = record.get("lang", lang)
    if not isinstance(lang, str) or not lang.strip():
        raise RecordError("record has no 'lang'")
    lang = lang.strip().lower()
    headline = record.get("headline", record.get("title"))
    if headline is not None and not isinstance(headline, str):
        raise RecordError("'headline' must be a string")
    paragraphs = record.get("paragraphs")
    if not isinstance(paragraphs, list):
        raise RecordError("record has no 'paragraphs' list")
    pieces = ([(Role.HEADLINE, headline)] if headline and headline.strip() else []) + [
        (Role.BODY, _sentences_of(paragraph, index)) for index, paragraph in enumerate(paragraphs)
    ]
    text, blocks = _assemble(pieces, lang, candidates_with(lang, pair))
    key = record.get("translationKey", record.get("id"))
    return Article(
        path=path,
        lang=lang,
        blocks=tuple(blocks),
        text=text,
        format="jsonl",
        key=str(key) if key is not None else None,
        origin_line=line,
        meta=MappingProxyType({"key_from": "record"}),
    )


def pair_from_record(
    record: dict, path: str, line: int, *, pair: Sequence[str] = DEFAULT_CANDIDATES
) -> ArticlePair:
    """The article pair in a two-language record; the sides are ``pair`` = (source, target)."""
    src_lang, tgt_lang = pair[0], pair[1]
    missing = [lang for lang in (src_lang, tgt_lang) if not isinstance(record.get(lang), dict)]
    if missing:
        raise RecordError(f"record has no '{missing[0]}' article")
    key = record.get("id", record.get("translationKey"))
    sides = []
    for lang in (src_lang, tgt_lang):
        side = dict(record[lang])
        side.setdefault("id", key)
        sides.append(article_from_record(side, path, line, lang=lang, pair=pair))
    return ArticlePair(source=sides[0], target=sides[1], method="record")


def _is_pair_record(record: dict) -> bool:
    return "paragraphs" not in record and any(
        isinstance(value, dict) and is_language_code(name) for name, value in record.items()
    )


def _sentences_of(paragraph: object, index: int) -> str | list[str]:
    if isinstance(paragraph, str):
        return paragraph
    if isinstance(paragraph, list) and all(isinstance(sentence, str) for sentence in paragraph):
        return paragraph
    raise RecordError(f"paragraph {index + 1} must be a string or a list of sentence strings")


def _assemble(
    pieces: list[tuple[Role, str | list[str]]], lang: str, candidates: Sequence[str]
) -> tuple[str, list[Block]]:
    """Join headline and paragraphs into one text, with a block (and sentences) for each."""
    text = ""
    blocks = []
    for role, content in pieces:
        if isinstance(content, str):
            block_text, given = content.strip(), None
        else:
            given = [sentence.strip() for sentence in content if sentence.strip()]
            block_text = SENTENCE_SEPARATOR.join(given)
        if not block_text:
            continue
        if text:
            text += PARAGRAPH_SEPARATOR
        start = len(text)
        text += block_text
        if given is None:
            sentences = [Sentence(s.text, s.start, s.end) for s in split_sentences(block_text, lang, start)]
        else:
            sentences = _given_sentences(given, start)
        block = Block(role, block_text, start, len(text), tuple(sentences), lang)
        blocks.append(identify_block(block, lang, candidates))
    return text, blocks


def _given_sentences(sentences: list[str], start: int) -> list[Sentence]:
    result = []
    for sentence in sentences:
        result.append(Sentence(sentence, start, start + len(sentence)))
        start += len(sentence) + len(SENTENCE_SEPARATOR)
    return result
