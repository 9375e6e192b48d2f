"""Reader for sentence-pair files: JSON Lines ``{"id"?, "src", "tgt"}`` or TSV ``src<TAB>tgt``.

A TSV file may start with a header row, ``src<TAB>tgt`` or ``id<TAB>src<TAB>tgt``. A pair's id is
its own (JSONL ``id`` or the TSV id column) or else its line number.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType

from qa.corpus.files import read_text_file, split_lang_suffix
from qa.corpus.jsonl import RecordError, parse_json_object
from qa.corpus.model import Article, ArticlePair, Block, Role, Sentence, SentencePair
from qa.errors import InputError
from qa.langid import candidates_with, identify_block

_TSV_HEADERS = {("src", "tgt"), ("id", "src", "tgt")}


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


def parse_sentence_pairs(text: str, path: str, *, jsonl: bool) -> tuple[list[SentencePair], list[InputError]]:
    """Sentence pairs of JSON Lines (``jsonl``) or TSV text, and an error for each bad line."""
    pairs: list[SentencePair] = []
    errors: list[InputError] = []
    columns: tuple[str, ...] | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        try:
            if jsonl:
                pairs.append(_pair_from_json(line, number))
                continue
            fields = tuple(line.split("\t"))
            header = tuple(field.strip().lower() for field in fields)
            if columns is None and not pairs and header in _TSV_HEADERS:
                columns = header
                continue
            pairs.append(_pair_from_tsv(fields, columns or ("src", "tgt"), number))
        except RecordError as error:
            errors.append(InputError(str(error), f"{path}:{number}"))
    return pairs, errors


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
