"""The HTML report: one self-contained page an editor opens in a browser.

Each article's English text is shown as in its file, with every flagged passage highlighted by
severity; selecting one (click, or ``j``/``k``) opens the evidence: reasons, the Spanish source
sentence, the back-translation and the signal values. The page loads nothing from anywhere:
its CSS and JS are inlined and a Content-Security-Policy forbids every other resource.

Article text is untrusted, so all of it goes through Jinja's autoescape and the script never
builds markup from text: the details of every flag are rendered here, the script only shows them.
Every value the template prints shows its controls and invisible characters as ``⟨U+202E⟩``
(:func:`shown`): a bidirectional override could otherwise make "2202" read "2022".

The page speaks an editor's words, not qa's: how articles were paired ("matched by file name",
not ``file-name``), reasons by their labels, the signature folded under "How this was checked"
with its internal values (how qa feeds Apertium, sacrebleu's metric signature) put in plain
words and kept, as they are, only in a tooltip. The JSON report, the signature and the cache
keys are unchanged. :func:`render_page` is the same report inside ``qa serve``'s page, below
the form that checks a pasted, uploaded or fetched pair, with an Accept form in each flag.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from qa.corpus.model import Article, Block
from qa.langid import language_name
from qa.printable import visible
from qa.report.json import segment_to_dict
from qa.results import SEVERITIES, ArticleReport, CheckedSegment, Report

# The most severe first, as the page lists them.
SEVERITY_ORDER = tuple(reversed(SEVERITIES))

# The reason name given to a flag the flagger raised on its overall score alone.
SCORE_REASON = "score"
SCORE_LABEL = "several weak signals"

NUMBER_WORDS = {0: "no", 1: "one", 2: "two", 3: "three"}

# How an article found its source, as an editor would say it ({source}: the source language's
# name). "unpaired" says nothing: the page already shows that no source was found.
PAIRING_WORDS = {
    "front-matter": "matched by translationKey",
    "record": "matched by record id",
    "file-name": "matched by file name",
    "folders": "matched by language folders",
    "embedded-headline": "the {source} headline left on the page",
    "sentence-pairs": "given as sentence pairs",
    "unpaired": "",
}

# sacrebleu's metric signature fields (``nrefs:1|case:mixed|...``) in words; a value qa does not
# know is shown as ``name value``.
METRIC_WORDS = {
    "nrefs": lambda v: "one reference" if v == "1" else f"{v} references",
    "case": lambda v: "case-sensitive" if v == "mixed" else "lowercased",
    "eff": lambda v: "effective n-gram order" if v == "yes" else "fixed n-gram order",
    "nc": lambda v: f"character n-grams up to {v}",
    "nw": lambda v: "no word n-grams" if v == "0" else f"word n-grams up to {v}",
    "space": lambda v: "spaces ignored" if v == "no" else "spaces counted",
    "version": lambda v: f"sacrebleu {v}",
}

# The server page's form fields, for qa.serve to read: the translation and the original each as
# pasted text, an uploaded file, or a URL, with an optional name (its suffix picks the reader).
FORM_FIELDS = tuple(
    f"{side}{suffix}" for side in ("translation", "original") for suffix in ("", "_file", "_url", "_name")
)
# The Accept form's fields: the token, the report's id, the flag's number on the page, a note.
ACCEPT_FIELDS = ("csrf", "report", "flag", "note")


@dataclass(frozen=True)
class SignalRow:
    """One signal's value on a flagged segment, for the details table."""

    name: str
    value: float
    garble: float
    explanation: str
    is_reason: bool
    label: str = ""


@dataclass(frozen=True)
class FlagView:
    """Everything the page shows about one flagged segment.

    ``start``/``end`` is the segment's file range and ``hot`` the narrower range to emphasise;
    a segment with no English text (an omission) has neither and is shown as a marker at
    ``anchor``, where the missing sentence would have been. ``path`` is the article's file, so
    ``location`` (``path:line:column``) is what the Copy button puts on the clipboard.
    """

    index: int
    severity: str
    score: float
    kind: str
    kind_label: str
    role: str
    line: int
    column: int
    text: str | None
    reasons: tuple[dict, ...]
    reason_names: tuple[str, ...]
    source: str | None
    source_where: str | None
    related_source: str | None
    back_translation: str | None
    signals: tuple[SignalRow, ...]
    start: int | None
    end: int | None
    hot: tuple[int, int] | None
    anchor: int
    path: str = ""

    @property
    def location(self) -> str:
        """``path:line:column``, as an editor's tools (and qa's terminal report) name a place."""
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Run:
    """A stretch of article text: plain (``flag`` None), part of a flagged passage, or, with no
    pieces, the marker of an omission. ``pieces`` are (text, emphasised) pairs; ``first`` is the
    run that carries the flag's number, id and tab stop when a passage spans blocks."""

    flag: FlagView | None
    pieces: tuple[tuple[str, bool], ...]
    first: bool = False


@dataclass(frozen=True)
class BlockView:
    """One block of an article (headline, paragraph, caption...) as runs of text."""

    role: str
    line: int
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class ArticleView:
    """One article: where it is, its text with highlights, and its flags."""

    index: int
    path: str
    source_path: str | None
    source_note: str | None
    pairing: str
    pairing_label: str
    segments: int
    blocks: tuple[BlockView, ...]
    flags: tuple[FlagView, ...]
    counts: dict[str, int] = field(default_factory=dict)


def kind_label(kind: str, source: str, target: str) -> str:
    """A phrase an editor understands for an alignment kind (``2-1``, ``untranslated``...),
    with the source and target language names."""
    if kind == "1-0":
        return f"omission: a {source} sentence with no {target} counterpart"
    if kind == "0-1":
        return f"addition: a {target} sentence with no {source} counterpart"
    if kind == "untranslated":
        return f"left in {source}"
    if kind == "no-source":
        return f"no {source} source text to compare with"
    counts = kind.split("-")
    if len(counts) == 2 and all(count.isdigit() for count in counts):
        n, m = (int(count) for count in counts)
        return (
            f"{NUMBER_WORDS.get(n, n)} {source} sentence{'s' if n > 1 else ''}, "
            f"{NUMBER_WORDS.get(m, m)} {target} sentence{'s' if m > 1 else ''}"
        )
    return kind


def flag_view(
    article: ArticleReport, segment: CheckedSegment, index: int, anchor: int, names: tuple[str, str]
) -> FlagView:
    """The view of one flagged segment, from the same fields the JSON report writes; ``names``
    are the source and target language names."""
    data = segment_to_dict(article, segment)
    reasons = tuple({**reason, "label": reason_label(reason["signal"])} for reason in data["reasons"])
    reason_names = tuple(dict.fromkeys(r["signal"] for r in reasons)) or (SCORE_REASON,)
    signals = sorted(
        (
            SignalRow(
                name, data["signals"][name], _unit(signal.garble), signal.explanation, name in reason_names,
                reason_label(name),
            )
            for name, signal in segment.result.signals.items()
        ),
        key=lambda row: (not row.is_reason, -row.garble, row.name),
    )
    source_where = None
    if data["source"] and data["source_path"]:
        source_where = f"{data['source_path']}:{data['source_line']}"
    return FlagView(
        index=index,
        severity=data["severity"],
        score=data["score"],
        kind=data["kind"],
        kind_label=kind_label(data["kind"], *names),
        role=data["role"],
        line=data["line"],
        column=data["column"],
        text=data["text"],
        reasons=reasons,
        reason_names=reason_names,
        source=data["source"],
        source_where=source_where,
        related_source=data["related_source"],
        back_translation=data["back_translation"],
        signals=tuple(signals),
        start=data["start"],
        end=data["end"],
        hot=segment.file_span,
        anchor=anchor if data["start"] is None else data["start"],
        path=article.path,
    )


def _unit(value: float) -> float:
    return round(min(max(value, 0.0), 1.0), 4)


def article_flags(article: ArticleReport, first_index: int, names: tuple[str, str]) -> list[FlagView]:
    """The flagged segments of an article as views numbered from ``first_index``."""
    views: list[FlagView] = []
    for segment in article.segments:
        if segment.result.flagged:
            views.append(flag_view(article, segment, first_index + len(views), segment.offset, names))
    return views


def _overlaps(flag: FlagView, block: Block) -> bool:
    # start and end are None together (an omission); both are tested so the checker knows
    return flag.start is not None and flag.end is not None and flag.start < block.end and flag.end > block.start


def place_markers(blocks: Sequence[Block], flags: Iterable[FlagView]) -> dict[int, int]:
    """For each flag with no text in any block (an omission), the index of the block its marker
    goes in: the block that holds its anchor, else the next block, else the last."""
    placed = {}
    for flag in flags:
        if not blocks or any(_overlaps(flag, block) for block in blocks):
            continue
        following = [k for k, block in enumerate(blocks) if block.end > flag.anchor]
        placed[flag.index] = following[0] if following else len(blocks) - 1
    return placed


def block_runs(
    text: str, start: int, end: int, flags: Sequence[FlagView], markers: Sequence[FlagView] = ()
) -> list[Run]:
    """Split ``text[start:end]`` into runs: plain text, flagged passages (with their emphasised
    pieces) and omission markers. Flagged ranges are assumed not to overlap, as every target
    sentence belongs to one segment; where they would, the later-starting one wins."""
    cuts = {start, end}
    for flag in flags:
        for edge in (flag.start, flag.end, *(flag.hot or ())):
            if edge is not None and start < edge < end:
                cuts.add(edge)
    marker_at = {flag.index: min(max(flag.anchor, start), end) for flag in markers}
    cuts.update(marker_at.values())
    runs: list[Run] = []
    points = sorted(cuts)
    for left, right in zip(points, [*points[1:], end], strict=True):
        runs += [Run(flag, ()) for flag in markers if marker_at[flag.index] == left]
        if left == right:
            continue
        owner = _owner(flags, left)
        hot = bool(owner and owner.hot and owner.hot[0] <= left < owner.hot[1])
        piece = (text[left:right], hot)
        if runs and runs[-1].pieces and runs[-1].flag is owner:
            runs[-1] = Run(owner, (*runs[-1].pieces, piece))
        else:
            runs.append(Run(owner, (piece,)))
    return runs


def _owner(flags: Sequence[FlagView], offset: int) -> FlagView | None:
    holders = [(f.start, f) for f in flags if f.start is not None and f.end is not None and f.start <= offset < f.end]
    return max(holders, key=lambda holder: holder[0])[1] if holders else None


def article_blocks(article: Article | None, flags: Sequence[FlagView]) -> list[BlockView]:
    """The article's blocks in file order as runs, each flag's first run marked."""
    if article is None:
        return []
    blocks = sorted(article.blocks, key=lambda b: b.start)
    placed = place_markers(blocks, flags)
    seen: set[int] = set()
    views = []
    for k, block in enumerate(blocks):
        inside = [f for f in flags if _overlaps(f, block)]
        markers = [f for f in flags if placed.get(f.index) == k]
        runs = []
        for run in block_runs(article.text, block.start, block.end, inside, markers):
            if run.flag is not None and run.flag.index not in seen:
                seen.add(run.flag.index)
                run = Run(run.flag, run.pieces, first=True)
            runs.append(run)
        views.append(BlockView(block.role.value, article.line_col(block.start)[0], tuple(runs)))
    return views


def reason_label(name: str) -> str:
    """The words an editor reads for a reason: its signal's label ("back-translation differs"
    for ``bt_chrf``); a signal qa does not register keeps its name."""
    from qa.signals import specs

    if name == SCORE_REASON:
        return SCORE_LABEL
    spec = specs().get(name)
    return spec.label if spec is not None else name


def severity_counts(flags: Iterable[FlagView]) -> dict[str, int]:
    """Flags by severity, most severe first."""
    counts = {severity: 0 for severity in SEVERITY_ORDER}
    for flag in flags:
        counts[flag.severity] += 1
    return counts


def article_view(
    article: ArticleReport, index: int, flags: Sequence[FlagView], source_name: str
) -> ArticleView:
    """One article ready for the template."""
    source = article.pair.source
    note = None
    if source is not None and source.path == article.path:
        note = f"the {source_name} headline kept in the page"
    return ArticleView(
        index=index,
        path=article.path,
        source_path=source.path if source else None,
        source_note=note,
        pairing=article.pair.method,
        pairing_label="" if note else pairing_label(article.pair.method, source_name),
        segments=len(article.segments),
        blocks=tuple(article_blocks(article.pair.target, flags)),
        flags=tuple(flags),
        counts=severity_counts(flags),
    )


def pairing_label(method: str, source_name: str) -> str:
    """How an article was paired with its source, in an editor's words ("matched by file name"
    for ``file-name``); a method qa does not know is shown as "paired by <method>"."""
    words = PAIRING_WORDS.get(method)
    if words is None:
        return f"paired by {method}"
    return words.format(source=source_name)


def metric_words(spec: str) -> str:
    """sacrebleu's metric signature (``nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0``)
    in words: "one reference, case-sensitive, ..., sacrebleu 2.6.0"."""
    words = []
    for field_ in spec.split("|"):
        name, _, value = field_.partition(":")
        say = METRIC_WORDS.get(name)
        words.append(say(value) if say else f"{name} {value}".strip())
    return ", ".join(words)


def model_words(value: str) -> str:
    """A model row without how qa feeds the engine (Apertium's "one sentence per block, fresh
    tagger"), which belongs to the cache key and the JSON, not to an editor's page."""
    from qa.translate.apertium import FEEDING

    return value.replace(f"; {FEEDING}", "")


def display_rows(rows: Sequence[tuple[str, str]]) -> list[tuple[str, str, str | None]]:
    """The signature's rows as the page shows them: (label, value in words, the raw value when the
    words differ from it, for a tooltip). Metric rows are labelled "<metric> settings"."""
    shown_rows: list[tuple[str, str, str | None]] = []
    for label, value in rows:
        if label.startswith("metric "):
            label, words = f"{label.removeprefix('metric ')} settings", metric_words(value)
        elif label.startswith("model "):
            words = model_words(value)
        else:
            words = value
        shown_rows.append((label, words, value if words != value else None))
    return shown_rows


def report_view(report: Report) -> dict:
    """Everything the template needs, numbered in reading order."""
    codes = report.signature.languages
    names = (language_name(codes[0]), language_name(codes[1]))
    articles, next_index = [], 1
    for number, article in enumerate(report.articles, start=1):
        flags = article_flags(article, next_index, names)
        next_index += len(flags)
        articles.append(article_view(article, number, flags, names[0]))
    flags = [flag for article in articles for flag in article.flags]
    reasons: dict[str, int] = {}
    for flag in flags:
        for name in flag.reason_names:
            reasons[name] = reasons.get(name, 0) + 1
    return {
        "source_lang": codes[0],
        "target_lang": codes[1],
        "source_language": names[0],
        "target_language": names[1],
        "articles": articles,
        "flag_count": len(flags),
        "segment_count": sum(a.segments for a in articles),
        "counts": severity_counts(flags),
        "reasons": [{"name": name, "label": reason_label(name), "count": count}
                    for name, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))],
        "signature": display_rows(report.signature.rows()),
        "score_label": SCORE_LABEL,
        "errors": [{"path": error.path, "message": str(error)} for error in report.errors],
    }


def shown(value: object) -> object:
    """What the page prints for a template value: text with its controls and invisible
    characters written visibly (``⟨U+202E⟩``, see :func:`qa.printable.visible`), so a
    right-to-left override in a passage or a file name cannot change how it reads; markup qa
    wrote itself (the inlined CSS and JS) as it is. Jinja escapes the result as usual."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("qa.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=shown,
    )


def _inline(name: str, closing_tag: str) -> Markup:
    """A static CSS or JS template as markup to inline, checked not to close its element early."""
    source = _environment().get_template(name).render()
    if closing_tag in source.lower():
        raise ValueError(f"{name} must not contain {closing_tag}")
    return Markup(source)


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _assets() -> dict:
    """The inlined style and script, with the script's hash for the Content-Security-Policy."""
    script = _inline("report.js", "</script")
    return {
        "style": _inline("report.css", "</style"),
        "script": script,
        "script_hash": _csp_hash(str(script)),
        "severities": SEVERITY_ORDER,
    }


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (CSS and JS inline, no external resources)."""
    template = _environment().get_template("report.html.j2")
    # Only the page's own script may run: a hash-based policy blocks any script or inline
    # handler that untrusted text could smuggle in, even if escaping were ever to fail.
    return template.render(
        **report_view(report), **_assets(), form_action="none", referrer="no-referrer", in_page=False,
        report_id=None, can_accept=False, csrf="",
    )


def page_csp() -> str:
    """The Content-Security-Policy header ``qa serve`` sends with :func:`render_page`'s page: only
    its own inline script and style, forms posted to itself, never framed. The page also carries
    the same policy (less ``frame-ancestors``, which only a header can set) in a meta tag."""
    return (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src '{_assets()['script_hash']}'; "
        "img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


def render_page(
    report: Report | None,
    *,
    csrf: str,
    form: Mapping[str, str] | None = None,
    report_id: str | None = None,
    can_accept: bool = False,
    message: str | None = None,
    error: str | None = None,
    languages: tuple[str, str] = ("es", "en"),
) -> str:
    """``qa serve``'s page: the form that checks a pair, then ``report`` (None before a check).

    - The form posts ``multipart/form-data`` to ``check`` (relative to the page) with the fields
      :data:`FORM_FIELDS` and ``csrf``; ``form`` refills the text, URL and name fields (a file
      input cannot be refilled).
    - With ``report_id``, the report offers ``report/{report_id}.html`` and ``.json`` downloads;
      with ``can_accept`` too, each flag's details hold an Accept form posting
      :data:`ACCEPT_FIELDS` to ``accept``, where ``flag`` is the flag's number on the page
      (:func:`numbered_flag` finds it again).
    - ``message`` is one line of news ("Accepted flag 2 ..."), ``error`` one line on what could
      not be read or checked. ``languages`` (source, target) name the fields when there is no
      report yet.

    Send it with :func:`page_csp` as the Content-Security-Policy header.
    """
    if report is not None:
        view = report_view(report)
    else:
        names = (language_name(languages[0]), language_name(languages[1]))
        view = {"source_lang": languages[0], "target_lang": languages[1],
                "source_language": names[0], "target_language": names[1], "flag_count": 0}
    from qa import __version__

    template = _environment().get_template("serve.html.j2")
    return template.render(
        # "same-origin", not "no-referrer": under no-referrer a browser sends a form's POST with
        # "Origin: null", and the server refuses a POST whose Origin is not its own.
        **view, **_assets(), form_action="self", referrer="same-origin", in_page=True, has_report=report is not None,
        report_id=report_id, can_accept=bool(can_accept and report_id), accepting=can_accept, csrf=csrf, form=dict(form or {}),
        message=message, error=error, qa_version=__version__,
    )


def numbered_flag(report: Report, number: int) -> tuple[str, dict] | None:
    """The flag numbered ``number`` on the page (1 is the first flagged segment of the first
    article, in reading order) as its article's path and its segment as the JSON report writes it
    (what ``qa.baseline.entry_from_json`` takes); None when there is no such flag."""
    for article in report.articles:
        for segment in article.segments:
            if segment.result.flagged:
                number -= 1
                if number == 0:
                    return article.path, segment_to_dict(article, segment)
    return None
