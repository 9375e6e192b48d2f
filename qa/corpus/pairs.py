"""Reader for sentence-pair files: JSON Lines ``{"id"?, "src", "tgt"}`` or TSV ``src<TAB>tgt``.

A TSV file may start with a header row, ``src<TAB>tgt`` or ``id<TAB>src<TAB>tgt``. A pair's id is
its own (JSONL ``id`` or the TSV id column) or else its line number.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

from qa.corpus.files import (
    BINARY_SNIFF_BYTES,
    EMPTY_FILE,
    MB,
    open_binary,
    read_text_file,
    reading_error,
    split_lang_suffix,
)
from qa.corpus.jsonl import RecordError, parse_json_object
from qa.corpus.model import Article, ArticlePair, Block, Role, Sentence, SentencePair
from qa.errors import InputError
from qa.langid import candidates_with, identify_block

_TSV_HEADERS = {("src", "tgt"), ("id", "src", "tgt")}
# Streaming reads: a line longer than this is reported and skipped; read-ahead buffer size.
MAX_LINE_BYTES = MB
STREAM_BUFFER_BYTES = 64 * 1024


def read_sentence_pairs(path: str | Path, *, errors: list[InputError] | None = None) -> list[SentencePair]:
    """The sentence pairs of a ``.jsonl`` or ``.tsv`` file (other names: sniffed from the text).

    A bad line raises InputError naming the file and line, unless an ``errors`` list is given:
    then each bad line's error is appended to it and the other lines are still read.
    """
    text = read_text_file(path)
    is_jsonl = Path(path).suffix.lower() == ".jsonl" or (
        Path(path).suffix.lower() != ".tsv" and text.lstrip().startswith("{")
    )
    pairs, found = parse_sentence_pairs(text, str(path), jsonl=is_jsonl)
    if found and errors is None:
        raise found[0]
    if errors is not None:
        errors.extend(found)
    return pairs


def iter_sentence_pairs(path: str | Path, errors: list[InputError]) -> Iterator[SentencePair]:
    """The sentence pairs of a file like :func:`read_sentence_pairs` reads, of any size: read a
    line at a time, so memory stays bounded however large the file.

    Each bad line's error (one longer than MAX_LINE_BYTES included) is appended to ``errors`` when
    it is met, and the other lines are still read. A folder, a missing, unreadable, binary or
    empty file raises InputError naming it, before the first pair.
    """
    path = Path(path)
    with open_binary(path, buffering=STREAM_BUFFER_BYTES) as stream:
        head = _head(stream, path)
        suffix = path.suffix.lower()
        jsonl = suffix == ".jsonl" or (suffix != ".tsv" and head.lstrip().startswith(b"{"))
        found_any = False
        for item in parse_pair_lines(_numbered_lines(stream, path), str(path), jsonl=jsonl):
            found_any = True
            if isinstance(item, InputError):
                errors.append(item)
            else:
                yield item
    if not found_any:
        raise InputError(EMPTY_FILE, str(path))


def count_lines(path: str | Path) -> int | None:
    """How many lines a regular file has (for a progress bar), counted a block at a time; None
    for anything else or a file that cannot be read."""
    count, last = 0, b"\n"
    try:
        if not Path(path).is_file():
            return None
        with Path(path).open("rb") as stream:
            while block := stream.read(STREAM_BUFFER_BYTES * 16):
                count += block.count(b"\n")
                last = block[-1:]
    except OSError:
        return None
    return count + (last != b"\n")


def _head(stream: BinaryIO, path: Path) -> bytes:
    """The start of the stream, without consuming it; InputError if it looks binary."""
    try:
        head = stream.peek(BINARY_SNIFF_BYTES)[:BINARY_SNIFF_BYTES]  # type: ignore[attr-defined]
    except OSError as error:
        raise reading_error(path, error) from None
    if b"\0" in head:
        raise InputError("binary file, not text", str(path))
    return head.removeprefix(codecs.BOM_UTF8)


def _numbered_lines(stream: BinaryIO, path: Path) -> Iterator[tuple[int, str | InputError]]:
    """Each line of the stream, numbered from 1 and decoded, or the InputError for a line that is
    not UTF-8 or is longer than MAX_LINE_BYTES (whose rest is skipped unread into memory)."""
    number = 0
    while True:
        try:
            line = stream.readline(MAX_LINE_BYTES + 1)
        except OSError as error:
            raise reading_error(path, error) from None
        if not line:
            return
        number += 1
        if number == 1:
            line = line.removeprefix(codecs.BOM_UTF8)
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
            limit = MAX_LINE_BYTES // MB
            yield number, InputError(f"line is longer than {limit} MB", f"{path}:{number}")
            continue
        try:
            yield number, line.decode("utf-8").removesuffix("\n")
        except UnicodeDecodeError as error:
            yield number, InputError(
                f"not valid UTF-8 (byte 0x{line[error.start]:02x} at column {error.start + 1})",
                f"{path}:{number}",
            )


def parse_sentence_pairs(text: str, path: str, *, jsonl: bool) -> tuple[list[SentencePair], list[InputError]]:
    """Sentence pairs of JSON Lines (``jsonl``) or TSV text, and an error for each bad line."""
    pairs: list[SentencePair] = []
    errors: list[InputError] = []
    for item in parse_pair_lines(enumerate(text.split("\n"), start=1), path, jsonl=jsonl):
        if isinstance(item, InputError):
            errors.append(item)
        else:
            pairs.append(item)
    return pairs, errors


def parse_pair_lines(
    lines: Iterable[tuple[int, str | InputError]], path: str, *, jsonl: bool
) -> Iterator[SentencePair | InputError]:
    """For each numbered line of a JSON Lines (``jsonl``) or TSV file, its sentence pair, or an
    InputError naming the file and line; blank lines and a TSV header row give nothing. A line
    that could not be read arrives as its InputError and is passed on."""
    columns: tuple[str, ...] | None = None
    seen_pair = False
    for number, line in lines:
        if isinstance(line, InputError):
            yield line
            continue
        line = line.rstrip("\r")
        if not line.strip():
            continue
        try:
            if jsonl:
                yield _pair_from_json(line, number)
                continue
            fields = tuple(line.split("\t"))
            header = tuple(field.strip().lower() for field in fields)
            if columns is None and not seen_pair and header in _TSV_HEADERS:
                columns = header
                continue
            pair = _pair_from_tsv(fields, columns or ("src", "tgt"), number)
        except RecordError as error:
            yield InputError(str(error), f"{path}:{number}")
            continue
        seen_pair = True
        yield pair


def _pair_from_json(line: str, number: int) -> SentencePair:
    record = parse_json_object(line)
    for name in ("src", "tgt"):
        if not isinstance(record.get(name), str):
            raise RecordError(f"record has no '{name}' string")
    pair_id = record.get("id")
    return SentencePair(
        str(pair_id) if pair_id is not None else str(number), record["src"], record["tgt"], number
    )


def _pair_from_tsv(fields: tuple[str, ...], columns: tuple[str, ...], number: int) -> SentencePair:
    if len(fields) != len(columns):
        names = ", ".join(columns)
        raise RecordError(f"expected {len(columns)} tab-separated fields ({names}), found {len(fields)}")
    values = dict(zip(columns, fields))
    return SentencePair(values.get("id") or str(number), values["src"], values["tgt"], number)


def sentence_pairs_to_article_pair(
    pairs: Sequence[SentencePair], path: str, *, src_lang: str, tgt_lang: str
) -> ArticlePair:
    """A prealigned article pair: block i of the source and of the target hold pair i's sentences.

    Each side's ``text`` puts every sentence on the line it came from in the file (other lines
    empty), so ``Article.line_col`` reports the file's line. ``meta["pair_ids"]`` lists the ids.
    """
    candidates = candidates_with(src_lang, (src_lang, tgt_lang))
    source = _side([pair.src for pair in pairs], pairs, path, src_lang, candidates)
    target = _side([pair.tgt for pair in pairs], pairs, path, tgt_lang, candidates)
    return ArticlePair(source=source, target=target, method="sentence-pairs", prealigned=True)


def _side(
    texts: list[str], pairs: Sequence[SentencePair], path: str, lang: str, candidates: Sequence[str]
) -> Article:
    lines = [""] * max((pair.line for pair in pairs), default=0)
    for pair, text in zip(pairs, texts):
        lines[pair.line - 1] = text.replace("\r", " ").replace("\n", " ").strip()  # one sentence, one line
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    blocks = []
    for pair in pairs:
        sentence_text = lines[pair.line - 1]
        start = starts[pair.line - 1]
        end = start + len(sentence_text)
        sentences = (Sentence(sentence_text, start, end),) if sentence_text else ()
        blocks.append(
            identify_block(Block(Role.BODY, sentence_text, start, end, sentences, lang), lang, candidates)
        )
    return Article(
        path=path,
        lang=lang,
        blocks=tuple(blocks),
        text="\n".join(lines),
        format="pairs",
        key=split_lang_suffix(path)[0],
        meta=MappingProxyType({"pair_ids": tuple(pair.id for pair in pairs), "key_from": "sentence-pairs"}),
    )
