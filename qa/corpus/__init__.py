"""Reading a corpus: finding article files, reading each with the right reader, pairing sources
with translations. A bad file or record becomes an InputError in ``Corpus.errors`` and the run
goes on with the rest."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qa.corpus.files import (
    EMPTY_FILE,
    Boundary,
    lang_from_path,
    link_problem,
    read_stdin_text,
    read_text_file,
    reading_boundary,
    split_lang_suffix,
)
from qa.corpus.html import HTML_SUFFIXES, looks_like_html, parse_html
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
HTML_HINT = "web pages (.html) are read only when named: qa check -- PAGE.en.html"


@dataclass
class Corpus:
    """Everything read from the paths given, in discovery order: every article in one pair
    (those without a counterpart in a pair with ``source`` or ``target`` None, method
    "unpaired"), and one error per bad path, file or record."""

    pairs: list[ArticlePair] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    # Files passed over, each with the whole line to show (an empty notes.txt in a folder, a
    # symbolic link leaving the repository), for a note, not an error.
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


def discover(
    paths: Iterable[str | Path], *, errors: list[InputError] | None = None,
    skipped: list[InputError] | None = None, follow_symlinks: bool = False,
) -> list[Path]:
    """The article files among ``paths``, in order, each once.

    A file named explicitly is always taken; a folder is walked in sorted order for .md,
    .markdown, .txt, .jsonl and .tsv files, skipping hidden entries, ``node_modules`` and
    ``README*``, and never entering a folder twice. Nothing is read through a symbolic link
    that leaves the repository holding the path (outside git, the checked folder) or leads into
    a hidden part of it (``.git/config``), unless ``follow_symlinks``; a symbolic link to a
    folder is never walked. Such links found in a folder land in ``skipped`` with their reason
    (one line each); named ones are errors. A missing path, a folder with no article or one that
    cannot be listed raises InputError, or is appended to ``errors`` when a list is given.
    """
    found: list[Path] = []
    problems: list[InputError] = []
    for path in (Path(path) for path in paths if str(path) != STDIN):  # read_paths reads stdin itself
        found += _discover_one(path, follow_symlinks, problems, skipped if skipped is not None else [])
        if problems and errors is None:
            raise problems[0]
    if errors is not None:
        errors += problems
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def read_article(path: str | Path, *, src_lang: str = "es", tgt_lang: str = "en") -> FileContents:
    """Read one file with the reader its name (or, for other names, its content) calls for.

    ``.md``/``.markdown``: Markdown; ``.txt``: page dump; ``.html``/``.htm``: HTML page; ``.tsv``:
    sentence pairs; ``.jsonl``: sentence pairs when its first record has ``src`` and ``tgt``, else
    article records. Another name is read as HTML if it opens with ``<!doctype html`` or ``<html``,
    as JSON Lines if its first line is a JSON object, as Markdown if it opens with ``---``, else as
    a page dump. Raises InputError when the file cannot be read at all (or, for HTML, holds no
    article text); bad records land in ``errors``.
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
    if kind == "html":
        return FileContents(articles=[parse_html(text, name, lang=lang_from_path(path, pair), pair=pair)])
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
    named: Iterable[str | Path] | None = None, follow_symlinks: bool = False,
) -> Corpus:
    """Discover, read and pair the articles under ``paths``; see :mod:`qa.corpus.pairing`
    (``pairing`` restricts it to one method). ``named`` are the paths the user gave (default:
    ``paths``): an empty file among them is an error, one found in a folder may be passed over.
    ``follow_symlinks`` as for :func:`discover`."""
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
    files = discover(paths, errors=corpus.errors, skipped=corpus.skipped, follow_symlinks=follow_symlinks) if paths else []
    for path in files:
        try:
            contents = read_article(path, src_lang=src_lang, tgt_lang=tgt_lang)
        except InputError as error:
            if _passed_over(path, error, given, files):
                corpus.skipped.append(InputError(f"{error.args[0]}; skipped", error.path))
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


def _discover_one(path: Path, follow: bool, errors: list[InputError], skipped: list[InputError]) -> list[Path]:
    """The article files of one named path; what cannot be read goes to ``errors``, the links
    passed over in a folder to ``skipped``."""
    if path.exists() and not path.is_file() and not path.is_dir():
        # a FIFO would block the read until someone writes to it; a device may never end
        errors.append(InputError("not a regular file or folder", str(path)))
        return []
    if path.is_symlink() and not path.exists():
        errors.append(InputError("symbolic link to nothing (broken, or a loop)", str(path)))
        return []
    if not path.exists():
        errors.append(InputError("no such file or folder", str(path)))
        return []
    boundary = reading_boundary(path)
    if path.is_file():
        problem = link_problem(path, boundary)
        if problem and not follow:
            errors.append(InputError(f"{problem}; not read (--follow-symlinks reads it)", str(path)))
            return []
        return [path]
    problem = link_problem(path, boundary, kind="folder")
    if problem:  # never walked through a link that leaves the repository, whatever the flags
        errors.append(InputError(f"{problem}; not walked", str(path)))
        return []
    before = len(errors)
    files = list(_walk(path, boundary, follow, errors, skipped))
    if not files and len(errors) == before:
        errors.append(InputError(NO_ARTICLES + _html_hint(path), str(path)))
    return files


def _html_hint(folder: Path) -> str:
    """What to do with the web pages of a folder with no articles: a folder walk passes over
    ``.html`` (a site's templates live there too), a page named on the command line is read."""
    try:
        has_pages = any(p.suffix.lower() in (".html", ".htm") for p in folder.iterdir())
    except OSError:
        return ""
    return f"; {HTML_HINT}" if has_pages else ""


def _walk(top: Path, boundary: Boundary, follow: bool, errors: list[InputError],
          skipped: list[InputError]) -> Iterator[Path]:
    """The article files below ``top`` in sorted order, depth first, with an explicit stack (a
    deep tree is no recursion). A folder that cannot be listed is one error and the walk goes on;
    a symbolic link to a folder is one line in ``skipped``, as is a link to a file that
    :func:`link_problem` refuses (unless ``follow``)."""
    seen: set[tuple[int, int]] = set()
    stack = [iter(_listing(top, seen, errors))]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        path, name = top / entry, Path(entry).name
        if name.startswith(".") or name in SKIPPED_FOLDERS:
            continue
        if path.is_symlink():
            linked = _linked_article(path, boundary, follow, skipped)
            if linked is not None:
                yield linked
        elif path.is_dir():
            stack.append(iter(_listing(path, seen, errors, prefix=entry)))
        elif path.is_file() and _is_article_name(name):
            yield path


def _listing(folder: Path, seen: set[tuple[int, int]], errors: list[InputError], prefix: str = "") -> list[str]:
    """The entries of ``folder`` as paths relative to the top of the walk, sorted by name;
    none for a folder already walked (a bind mount loop) or one that cannot be listed."""
    try:
        status = folder.stat()
        if (status.st_dev, status.st_ino) in seen:
            return []
        seen.add((status.st_dev, status.st_ino))
        with os.scandir(folder) as entries:
            names = sorted(entry.name for entry in entries)
    except OSError as error:
        reason = "permission denied" if isinstance(error, PermissionError) else (error.strerror or str(error))
        errors.append(InputError(f"cannot list folder ({reason}); its files were not checked", str(folder)))
        return []
    return [os.path.join(prefix, name) for name in names]


def _linked_article(path: Path, boundary: Boundary, follow: bool, skipped: list[InputError]) -> Path | None:
    """``path``, a symbolic link found in a folder, when it is an article qa may read; else None,
    with a line in ``skipped`` for a link to a folder or one :func:`link_problem` refuses."""
    if path.is_dir():
        skipped.append(InputError(f"symbolic link to a folder ({_target(path)}); not walked "
                                  "(qa never walks a linked folder)", str(path)))
        return None
    if not path.is_file() or not _is_article_name(path.name):
        return None  # a broken link, or not an article's name: never read
    problem = link_problem(path, boundary)
    if problem and not follow:
        skipped.append(InputError(f"{problem}; skipped (--follow-symlinks reads it)", str(path)))
        return None
    return path


def _target(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return os.readlink(path)


def _is_article_name(name: str) -> bool:
    return name.lower().endswith(ARTICLE_SUFFIXES) and not name.upper().startswith("README")


def _kind(suffix: str, text: str) -> str:
    if suffix in (".md", ".markdown"):
        return "markdown"
    if suffix == ".tsv":
        return "tsv-pairs"
    if suffix == ".txt":
        return "page"
    if suffix in HTML_SUFFIXES or (suffix != ".jsonl" and looks_like_html(text)):
        return "html"
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
