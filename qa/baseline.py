"""Accepted flags: a baseline file of flags an editor has reviewed and let stand, and inline
``<!-- qa: ignore -->`` markers in Markdown.

A baseline entry is keyed by a fingerprint of the passage, not its place: the normalised text,
the primary reason's signal and the article's path relative to the repository root. Inserting a
paragraph above a passage or editing another one keeps its fingerprint; rewording it does not,
so a reworded passage is checked afresh.

Applying acceptances never touches the pipeline: :func:`clear_flags` returns a copy of a Report
whose accepted segments are no longer flagged, so the exit code and the renderers of flags ignore
them; each keeps an ``Accepted`` mark (what accepted it, its severity), which SARIF lists as a
suppression and the summary counts.

In a pull request the baseline is read from the base branch (:func:`read_baseline_at`), so the
request cannot accept its own flags by committing a new baseline.
"""

from __future__ import annotations

import codecs
import fcntl
import hashlib
import json
import os
import textwrap
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from qa.changes import file_at_ref
from qa.corpus.files import DEFAULT_MAX_BYTES
from qa.corpus.ignore import ignored_spans, paragraph_ignored_spans
from qa.corpus.markdown import ignored_spans as markdown_ignored_spans
from qa.corpus.model import Article
from qa.errors import InputError
from qa.files import write_atomically
from qa.results import Accepted, ArticleReport, CheckedSegment, Report

BASELINE_VERSION = 1
# Where `qa baseline` writes, in the repository root, when no baseline is configured.
DEFAULT_BASELINE = ".qa-baseline.json"
# About 300,000 accepted flags; read_baseline refuses a bigger file instead of loading it.
BASELINE_MAX_BYTES = 100 * 2**20
EXCERPT_WIDTH = 80
# The rule id of a flagged segment no single reason explains (several weak ones add up).
NO_REASON = "score"
ENTRY_FIELDS = ("path", "fingerprint", "signal", "severity", "excerpt")
# Optional: written only when set, so a file without notes keeps its bytes (and older qa reads it).
NOTE_FIELD = "note"
NOTE_MAX_CHARS = 2000
# One accept at a time in this process; the file lock below covers other processes.
_ACCEPT_LOCK = threading.Lock()

Acceptance = Callable[[ArticleReport, CheckedSegment], bool]


@dataclass(frozen=True, order=True)
class BaselineEntry:
    """One accepted flag. Field order is the sort order: path, then fingerprint."""

    path: str
    fingerprint: str
    signal: str
    severity: str
    excerpt: str
    # Why an editor let the flag stand ("the agency's own name"); not part of the match.
    note: str = field(default="", compare=False)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Everything a flag must match to be accepted; the excerpt is only for readers."""
        return (self.path, self.fingerprint, self.signal, self.severity)


@dataclass(frozen=True)
class Baseline:
    """The accepted flags of a repository, sorted by path then fingerprint."""

    entries: tuple[BaselineEntry, ...] = ()

    @property
    def keys(self) -> frozenset[tuple[str, str, str, str]]:
        """Every accepted flag as (path, fingerprint, signal, severity): what a flag must match."""
        return frozenset(entry.key for entry in self.entries)


@dataclass(frozen=True)
class BaselineOutcome:
    """What applying a baseline did: the report without the accepted flags, the flags it
    accepted (as they were in the original report), and the entries that matched nothing."""

    report: Report
    accepted: tuple[tuple[ArticleReport, CheckedSegment], ...]
    stale: tuple[BaselineEntry, ...]


def relative_path(path: str | Path, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes when it lies below ``root``; otherwise
    the path as given (still with forward slashes)."""
    absolute = Path(path).resolve()
    root = root.resolve()
    if absolute.is_relative_to(root):
        return absolute.relative_to(root).as_posix()
    return Path(path).as_posix()


def normalise(text: str) -> str:
    """NFKC, lower case, runs of whitespace as one space: what counts as the same passage."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def passage_text(segment: CheckedSegment) -> str:
    """The flagged text: the translation's sentences, or the source's for an omission."""
    sentences = segment.target or segment.source
    return " ".join(sentence.text for sentence in sentences)


def primary_signal(segment: CheckedSegment) -> str:
    """The signal of the strongest reason, or ``score`` when no reason stands out."""
    reasons = segment.result.reasons
    return reasons[0].signal if reasons else NO_REASON


def fingerprint(path_relative_to_root: str, segment: CheckedSegment) -> str:
    """A stable id of a flag: sha256 of the article's path, the primary signal and the
    normalised passage text. Line numbers play no part, so edits elsewhere keep it."""
    return _fingerprint(path_relative_to_root, primary_signal(segment), passage_text(segment))


def _fingerprint(path_relative_to_root: str, signal: str, text: str) -> str:
    key = "\0".join((path_relative_to_root, signal, normalise(text)))
    # surrogatepass: a file name that is not UTF-8 holds lone surrogates, and still has a fingerprint
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _entry(path_relative_to_root: str, signal: str, severity: str, text: str) -> BaselineEntry:
    return BaselineEntry(path_relative_to_root, _fingerprint(path_relative_to_root, signal, text), signal, severity,
                         textwrap.shorten(text, EXCERPT_WIDTH, placeholder=" …"))


def entry_for(article: ArticleReport, segment: CheckedSegment, root: Path) -> BaselineEntry:
    """The baseline entry that accepts this flag."""
    path = relative_path(article.path, root)
    return _entry(path, primary_signal(segment), segment.result.severity or "", passage_text(segment))


def build_baseline(report: Report, root: Path, previous: Baseline | None = None) -> Baseline:
    """A baseline accepting every flag of ``report``; paths are taken relative to ``root``.

    Entries of ``previous`` for articles the report did not check (a partial run, such as
    ``--changed-since`` or one file) are kept: recording some articles never forgets the others.
    A flag ``previous`` already accepted keeps its note. Pass a report whose inline-ignored flags
    are already cleared to keep those out of the file.
    """
    checked = {relative_path(article.path, root) for article in report.articles}
    earlier = {entry.key: entry for entry in (previous.entries if previous else ())}
    entries: dict[tuple[str, str, str, str], BaselineEntry] = {
        key: entry for key, entry in earlier.items() if entry.path not in checked
    }
    for article, segment in report.flagged:
        entry = entry_for(article, segment, root)
        if entry.key in earlier:
            entry = replace(entry, note=earlier[entry.key].note)
        entries.setdefault(entry.key, entry)
    return Baseline(tuple(sorted(entries.values())))


def entry_from_json(path_relative_to_root: str, segment: Mapping) -> BaselineEntry:
    """The baseline entry that accepts a flagged segment of a JSON report (one item of an
    article's ``segments`` in ``qa check --format json``), as :func:`entry_for` makes it from the
    report itself. ``path_relative_to_root`` is the article's path as :func:`relative_path` gives
    it. InputError when the segment is not a flagged segment of such a report."""
    try:
        text = segment["text"] or segment["source"] or ""
        reasons = segment["reasons"]
        severity = segment["severity"]
        signal = reasons[0]["signal"] if reasons else NO_REASON
    except (KeyError, IndexError, TypeError):
        raise InputError("not a segment of a qa JSON report (it needs text, source, reasons and severity)",
                         path_relative_to_root) from None
    if not isinstance(text, str) or not isinstance(signal, str) or not isinstance(severity, str) or not severity:
        raise InputError("only a flagged segment can be accepted (its severity is empty)", path_relative_to_root)
    return _entry(path_relative_to_root, signal, severity, text)


def accept_flag(path: Path, entry: BaselineEntry) -> Baseline:
    """Add ``entry`` to the baseline file at ``path`` (made when missing) and return the new
    baseline; an entry with the same key is replaced, so accepting again updates its note.

    Accepts are serialised, between threads by a lock and between processes by a lock on the
    file's folder, and the write is atomic: two editors accepting at once both land, and a
    reader never sees half a file. InputError naming the file when it cannot be read or written.
    """
    if len(entry.note) > NOTE_MAX_CHARS:
        raise InputError(f"a note is at most {NOTE_MAX_CHARS} characters", str(path))
    with _ACCEPT_LOCK, _folder_lock(path.parent):
        current = read_baseline(path) if path.exists() else Baseline()
        kept = [known for known in current.entries if known.key != entry.key]
        baseline = Baseline(tuple(sorted([*kept, entry])))
        write_baseline(baseline, path)
    return baseline


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` itself (flock on its descriptor): no lock file is left behind."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        raise InputError(f"cannot open the baseline's folder ({error.strerror or error})", str(folder)) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def baseline_to_json(baseline: Baseline) -> str:
    """The file's text: a version and the sorted entries, indented, no timestamps, so the same
    flags always give the same bytes and a change shows as a small diff."""
    document = {
        "version": BASELINE_VERSION,
        "tool": "qa",
        "entries": [_entry_to_json(entry) for entry in sorted(baseline.entries)],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _entry_to_json(entry: BaselineEntry) -> dict[str, str]:
    document = {name: getattr(entry, name) for name in ENTRY_FIELDS}
    if entry.note:
        document[NOTE_FIELD] = entry.note
    return document


def write_baseline(baseline: Baseline, path: Path) -> None:
    """Write the baseline file atomically: a reader sees the old file or the new one, whole.
    InputError naming the file when it cannot be written."""
    try:
        write_atomically(path, baseline_to_json(baseline))
    except OSError as error:
        raise InputError(f"cannot write baseline ({error.strerror or error})", str(path)) from None


def read_baseline(path: Path) -> Baseline:
    """Read a baseline file; InputError naming the file when it is missing or malformed."""
    try:
        with Path(path).open("rb") as handle:
            # Bounded: a baseline is a few hundred bytes per accepted flag, and a hostile or
            # mistaken path (a huge file, /dev/zero) must not fill the memory.
            raw = handle.read(BASELINE_MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError("no such baseline file (write one with `qa baseline`)", str(path)) from None
    except OSError as error:
        raise InputError(f"cannot read baseline ({error.strerror or error})", str(path)) from None
    return decode_baseline(raw, str(path))


def read_baseline_at(ref: str, path: Path) -> tuple[str, Baseline | None]:
    """The baseline file ``path`` as the git ref ``ref`` holds it (``git show REF:path``, the
    path taken relative to its repository), and its name ``REF:path``; None when the ref has no
    file there. InputError for an unknown ref, and as :func:`read_baseline` for a bad file."""
    found = file_at_ref(ref, path, BASELINE_MAX_BYTES)
    return found.name, decode_baseline(found.head, found.name) if found.head is not None else None


def decode_baseline(raw: bytes, name: str) -> Baseline:
    """A baseline from the first ``BASELINE_MAX_BYTES + 1`` bytes of its file (more means it is
    too large); InputError naming ``name`` when it is not a qa baseline."""
    if len(raw) > BASELINE_MAX_BYTES:
        raise InputError(f"baseline is too large (over {BASELINE_MAX_BYTES // 2**20} MiB); is it a qa baseline?", name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"cannot read baseline ({error})", name) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"not a qa baseline: invalid JSON at line {error.lineno} column {error.colno} ({error.msg})", name
        ) from None
    except RecursionError:
        raise InputError("not a qa baseline: JSON nested too deeply", name) from None
    return parse_baseline(document, name)


def parse_baseline(document: object, name: str = "baseline") -> Baseline:
    """Validate a decoded baseline document into a Baseline."""
    if not isinstance(document, dict) or "entries" not in document:
        raise InputError("not a qa baseline: expected an object with 'version' and 'entries'", name)
    version = document.get("version")
    if version != BASELINE_VERSION:
        raise InputError(f"baseline version {version!r} is not supported (this qa reads version {BASELINE_VERSION})", name)
    if not isinstance(document["entries"], list):
        raise InputError("not a qa baseline: 'entries' must be a list", name)
    entries = []
    for number, item in enumerate(document["entries"], start=1):
        if not isinstance(item, dict):
            raise InputError(f"baseline entry {number} is not an object", name)
        missing = [key for key in ENTRY_FIELDS if not isinstance(item.get(key), str)]
        if missing:
            raise InputError(f"baseline entry {number} lacks {', '.join(map(repr, missing))} (or it is not text)", name)
        note = item.get(NOTE_FIELD, "")
        if not isinstance(note, str):
            raise InputError(f"baseline entry {number}: {NOTE_FIELD!r} must be text", name)
        entries.append(BaselineEntry(**{key: item[key] for key in ENTRY_FIELDS}, note=note))
    return Baseline(tuple(sorted(entries)))


def accepts(baseline: Baseline, root: Path) -> Acceptance:
    """A predicate ``(article, segment) -> bool``: is this flag in the baseline, with the same
    path, fingerprint, reason and severity? A flag that grew more severe is not accepted."""
    known = baseline.keys

    def accepted(article: ArticleReport, segment: CheckedSegment) -> bool:
        return entry_for(article, segment, root).key in known

    return accepted


def clear_flags(report: Report, accepted: Acceptance, *, by: str, where: str = "") -> Report:
    """A copy of ``report`` in which the flagged segments ``accepted`` approves are unflagged
    (flagged False, severity None) and marked as accepted ``by`` (``inline`` or ``baseline``,
    the baseline named ``where``); scores and reasons stay for the JSON outputs."""
    articles = []
    for article in report.articles:
        segments = tuple(
            _unflag(segment, by, where) if segment.result.flagged and accepted(article, segment) else segment
            for segment in article.segments
        )
        articles.append(replace(article, segments=segments))
    return replace(report, articles=tuple(articles))


def apply_baseline(report: Report, baseline: Baseline, root: Path, *, name: str = "") -> BaselineOutcome:
    """Accept the flags of ``report`` that the baseline (called ``name`` in reports) lists, and
    find its stale entries.

    An entry is stale when its article was checked and no flag matches it in path, fingerprint,
    reason and severity (the passage was fixed or reworded, its flag changed severity, or the
    entry was edited by hand). Entries of articles the report did not check (a partial run,
    such as ``--changed-since``) are neither matched nor stale.
    """
    accepted_here = accepts(baseline, root)
    accepted = tuple((article, segment) for article, segment in report.flagged if accepted_here(article, segment))
    flagged = {entry_for(article, segment, root).key for article, segment in report.flagged}
    checked = {relative_path(article.path, root) for article in report.articles}
    stale = tuple(entry for entry in baseline.entries if entry.path in checked and entry.key not in flagged)
    return BaselineOutcome(clear_flags(report, accepted_here, by="baseline", where=name), accepted, stale)


def inline_ignored_spans(article_text: str, *, markdown: bool = True) -> list[tuple[int, int]]:
    """Character spans of the blocks a ``<!-- qa: ignore -->`` marker accepts.

    Markdown (the default) is read as the reader reads it (:func:`qa.corpus.markdown.ignored_spans`):
    a marker alone on its line(s) accepts the next block, a marker inside a block accepts that
    block. Other text (page dumps, JSON Lines records) has paragraphs, runs of non-blank lines; a
    marker-only line also ends a paragraph (:func:`qa.corpus.ignore.paragraph_ignored_spans`).
    """
    return list(markdown_ignored_spans(article_text) if markdown else paragraph_ignored_spans(article_text))


def is_inline_ignored(article: ArticleReport, segment: CheckedSegment) -> bool:
    """Whether a marker accepts this segment: one of its translated sentences lies in an
    ignored block of the translation (for an omission, a source sentence in the source)."""
    return _ignored_block(article, segment) is not None


def inline_ignored_at(ref: str) -> Acceptance:
    """:func:`is_inline_ignored` for a pull request checked with ``--baseline-ref REF``: a marker
    accepts a flag only when the file as ``ref`` holds it marks the same passage (an ignored block
    of the same normalised text), so a pull request cannot mark its own garble. A file the ref
    does not have, or cannot give, marks nothing."""
    marked_at_ref: dict[str, frozenset[str]] = {}

    def blocks_at_ref(document: Article) -> frozenset[str]:
        if document.path not in marked_at_ref:
            try:
                head = file_at_ref(ref, Path(document.path), DEFAULT_MAX_BYTES).head or b""
            except InputError:  # not in the repository (standard input), or not a file there
                head = b""
            text = head[len(codecs.BOM_UTF8):] if head.startswith(codecs.BOM_UTF8) else head
            base, spans = _marked_blocks(text.decode("utf-8", "replace"), document)
            marked_at_ref[document.path] = frozenset(normalise(base[start:end]) for start, end in spans)
        return marked_at_ref[document.path]

    def accepted(article: ArticleReport, segment: CheckedSegment) -> bool:
        found = _ignored_block(article, segment)
        if found is None:
            return False
        document, (start, end) = found
        return normalise(document.text[start:end]) in blocks_at_ref(document)

    return accepted


def _marked_blocks(raw: str, document: Article) -> tuple[str, list[tuple[int, int]]]:
    """The text of a file's other version (``raw``), read as ``document`` was read, and the spans
    of its blocks a marker accepts. An HTML page's marked blocks are in its extracted text."""
    if document.format == "html":
        from qa.corpus.html import parse_html

        try:
            page = parse_html(raw, document.path, lang=document.lang)
        except InputError:  # the other version has no article text: it marks nothing
            return "", []
        return page.text, list(page.ignored or ())
    return raw, inline_ignored_spans(raw, markdown=document.format == "markdown")


def _ignored_block(article: ArticleReport, segment: CheckedSegment) -> tuple[Article, tuple[int, int]] | None:
    """The document and the span of the marked block that accepts this segment, or None."""
    if segment.target and article.pair.target is not None:
        document, sentences = article.pair.target, segment.target
    elif segment.source and article.pair.source is not None:
        document, sentences = article.pair.source, segment.source
    else:
        return None
    spans = ignored_spans(document)
    return next(((document, (start, end)) for sentence in sentences for start, end in spans
                 if start <= sentence.start < end), None)


def _unflag(segment: CheckedSegment, by: str, where: str) -> CheckedSegment:
    assert segment.result.severity is not None  # a flagged segment has a severity
    return replace(segment, result=replace(segment.result, flagged=False, severity=None),
                   accepted=Accepted(by, segment.result.severity, where))
