"""Reading a corpus: finding article files, reading each with the right reader, pairing sources
with translations. A bad file or record becomes an InputError in ``Corpus.errors`` and the run
goes on with the rest."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qa.corpus.files import EMPTY_FILE, lang_from_path, read_stdin_text, read_text_file, split_lang_suffix
from qa.corpus.jsonl import RecordError, parse_article_records, parse_json_object
from qa.corpus.markdown import parse_markdown
from qa.corpus.model import Article, ArticlePair
from qa.corpus.page import parse_page
from qa.corpus.pairing import pair_articles
from qa.corpus.pairs import parse_sentence_pairs, sentence_pairs_to_article_pair
from qa.errors import InputError

ARTICLE_SUFFIXES = (".md", ".markdown", ".txt", ".jsonl", ".tsv")
SKIPPED_FOLDERS = frozenset({"node_modules"})
# "-" among the paths reads one article from standard input, shown as <stdin>.
STDIN = "-"
STDIN_NAME = "<stdin>"
NO_ARTICLES = "no articles found (looked for .md, .txt, .jsonl, .tsv)"


@dataclass
class Corpus:
    """Everything read from the paths given, in discovery order: every article in one pair
    (those without a counterpart in a pair with ``source`` or ``target`` None, method
    "unpaired"), and one error per bad path, file or record."""

    pairs: list[ArticlePair] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    # Files passed over with a reason (an empty notes.txt in a folder), for a note, not an error.
    skipped: list[InputError] = field(default_factory=list)

    @property
    def complete(self) -> list[ArticlePair]:
        """The pairs that have both a source and a target."""
        return [pair for pair in self.pairs if pair.source is not None and pair.target is not None]

    @property
    def unpaired(self) -> list[ArticlePair]:
        """The articles without a counterpart, each as a pair with one side None."""
        return [pair for pair in self.pairs if pair.source is None or pair.target is None]


@dataclass
class FileContents:
    """What one file held: articles still to pair, ready pairs, and errors of bad records."""

    articles: list[Article] = field(default_factory=list)
    pairs: list[ArticlePair] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    # Files passed over with a reason (an empty notes.txt in a folder), for a note, not an error.
    skipped: list[InputError] = field(default_factory=list)


def discover(paths: Iterable[str | Path], *, errors: list[InputError] | None = None) -> list[Path]:
    """The article files among ``paths``, in order, each once.

    A file named explicitly is always taken; a folder is walked recursively in sorted order for
    .md, .markdown, .txt, .jsonl and .tsv files, skipping hidden entries, ``node_modules`` and
    ``README*``, and never entering a folder twice (symlink loops). A missing path or a folder
    with no article raises InputError, or is appended to ``errors`` when a list is given.
    """
    found: list[Path] = []
    for path in (Path(path) for path in paths if str(path) != STDIN):  # read_paths reads stdin itself
        try:
            found += _discover_one(path)
        except InputError as error:
            if errors is None:
                raise
            errors.append(error)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def read_article(path: str | Path, *, src_lang: str = "es", tgt_lang: str = "en") -> FileContents:
    """Read one file with the reader its name (or, for other names, its content) calls for.

    ``.md``/``.markdown``: Markdown; ``.txt``: page dump; ``.tsv``: sentence pairs; ``.jsonl``:
    sentence pairs when its first record has ``src`` and ``tgt``, else article records. Another
    name is read as JSON Lines if its first line is a JSON object, as Markdown if it opens with
    ``---``, else as a page dump. Raises InputError when the file cannot be read at all; bad
    records land in ``errors``.
    """
    return read_text_article(read_text_file(path), str(path), src_lang=src_lang, tgt_lang=tgt_lang)


def read_text_article(text: str, name: str, *, src_lang: str = "es", tgt_lang: str = "en") -> FileContents:
    """:func:`read_article` on text already read (standard input: ``name`` is ``<stdin>``)."""
    pair = (src_lang, tgt_lang)
    path = name
    kind = _kind(Path(path).suffix.lower(), text)
    if kind == "markdown":
        return FileContents(articles=[parse_markdown(text, name, pair=pair)])
    if kind == "page":
        return FileContents(articles=[parse_page(text, name, lang=lang_from_path(path, pair), pair=pair)])
    if kind == "articles":
        records = parse_article_records(text, name, pair=pair)
        return FileContents(records.articles, records.pairs, records.errors)
    sentence_pairs, errors = parse_sentence_pairs(text, name, jsonl=kind == "jsonl-pairs")
    contents = FileContents(errors=errors)
    if sentence_pairs:
        src, tgt = _declared_langs(text, kind) or pair
        contents.pairs.append(
            sentence_pairs_to_article_pair(sentence_pairs, name, src_lang=src, tgt_lang=tgt)
        )
    return contents


def read_paths(
    paths: Iterable[str | Path], *, src_lang: str = "es", tgt_lang: str = "en", pairing: str = "auto",
    named: Iterable[str | Path] | None = None,
) -> Corpus:
    """Discover, read and pair the articles under ``paths``; see :mod:`qa.corpus.pairing`
    (``pairing`` restricts it to one method). ``named`` are the paths the user gave (default:
    ``paths``): an empty file among them is an error, one found in a folder may be passed over."""
    paths = list(paths)
    corpus = Corpus()
    items: list[Article | ArticlePair] = []
    if any(str(path) == STDIN for path in paths):
        paths = [path for path in paths if str(path) != STDIN]
        try:
            contents = read_text_article(read_stdin_text(sys.stdin.buffer, STDIN_NAME), STDIN_NAME,
                                         src_lang=src_lang, tgt_lang=tgt_lang)
            items += [*contents.articles, *contents.pairs]
            corpus.errors += contents.errors
        except InputError as error:
            corpus.errors.append(error)
    given = {Path(path).resolve() for path in (paths if named is None else named) if Path(path).is_file()}
    files = discover(paths, errors=corpus.errors) if paths else []
    for path in files:
        try:
            contents = read_article(path, src_lang=src_lang, tgt_lang=tgt_lang)
        except InputError as error:
            if _passed_over(path, error, given, files):
                corpus.skipped.append(error)
            else:
                corpus.errors.append(error)
            continue
        items += contents.articles
        items += contents.pairs
        corpus.errors += contents.errors
    corpus.pairs = pair_articles(items, src_lang=src_lang, tgt_lang=tgt_lang, method=pairing)
    return corpus


def _passed_over(path: Path, error: InputError, named: set[Path], files: list[Path]) -> bool:
    """Whether a file that could not be read is merely passed over: an empty file found in a
    folder (a notes.txt), with no other file of its name that it could be the other side of. An
    empty file named on the command line, or one with a possible partner (an emptied
    translation), stays an error."""
    if error.args[0] != EMPTY_FILE or path.resolve() in named:
        return False
    base = split_lang_suffix(path.name)[0]
    return not any(split_lang_suffix(other.name)[0] == base and _has_content(other) for other in files if other != path)


def _has_content(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def _discover_one(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.exists() and not path.is_dir():
        # a FIFO would block the read until someone writes to it; a device may never end
        raise InputError("not a regular file or folder", str(path))
    if path.is_symlink() and not path.exists():
        raise InputError("symbolic link to nothing (broken, or a loop)", str(path))
    if not path.is_dir():
        raise InputError("no such file or folder", str(path))
    files = list(_walk(path, set()))
    if not files:
        raise InputError(NO_ARTICLES, str(path))
    return files


def _walk(folder: Path, seen: set[Path]) -> Iterator[Path]:
    real = folder.resolve()
    if real in seen:
        return
    seen.add(real)
    try:
        entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
    except OSError as error:
        raise InputError(f"cannot list folder ({error.strerror or error})", str(folder)) from None
    for entry in entries:
        if entry.name.startswith(".") or entry.name in SKIPPED_FOLDERS:
            continue
        if entry.is_dir():
            yield from _walk(entry, seen)
        elif entry.is_file() and _is_article_name(entry.name):
            yield entry


def _is_article_name(name: str) -> bool:
    return name.lower().endswith(ARTICLE_SUFFIXES) and not name.upper().startswith("README")


def _kind(suffix: str, text: str) -> str:
    if suffix in (".md", ".markdown"):
        return "markdown"
    if suffix == ".tsv":
        return "tsv-pairs"
    if suffix == ".txt":
        return "page"
    first = _first_record(text)
    if suffix == ".jsonl" or first is not None:
        return "jsonl-pairs" if first is not None and "src" in first and "tgt" in first else "articles"
    if text.startswith("---"):
        return "markdown"
    return "page"


def _first_record(text: str) -> dict | None:
    line = next((line for line in text.split("\n") if line.strip()), "")
    try:
        return parse_json_object(line)
    except RecordError:
        return None


def _declared_langs(text: str, kind: str) -> tuple[str, str] | None:
    """The ``src_lang``/``tgt_lang`` a sentence-pair JSONL file declares in its first record."""
    first = _first_record(text) if kind == "jsonl-pairs" else None
    if first and isinstance(first.get("src_lang"), str) and isinstance(first.get("tgt_lang"), str):
        return first["src_lang"].lower(), first["tgt_lang"].lower()
    return None
