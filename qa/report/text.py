"""The terminal report: each flagged passage quoted with its place, severity, reasons and the
source sentence it aligns to, then a summary line."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from qa.printable import printable
from qa.results import ArticleReport, CheckedSegment, Reason, Report

_WIDTH = 100


def _quote(text: str, prefix: str) -> str:
    return textwrap.fill(printable(text), width=_WIDTH, initial_indent=printable(prefix),
                         subsequent_indent=" " * len(printable(prefix)))


def reason_text(reasons: Sequence[Reason]) -> str:
    """The reasons' explanations joined by "; ", strongest first, without one whose explanation
    a stronger one already says ("the translation stops short: the translation is 3.3 times
    shorter than expected ..." holds length_ratio's "the translation is 3.3 times shorter than
    expected"); "low overall score" when there are none."""
    kept: list[str] = []
    for reason in reasons:
        if not any(reason.explanation in said for said in kept):
            kept.append(reason.explanation)
    return "; ".join(kept) or "low overall score"


def count_of(number: int, noun: str) -> str:
    """``number`` and ``noun``, in the plural unless the number is one ("1 segment", "2 segments")."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def render_segment(article: ArticleReport, segment: CheckedSegment) -> str:
    """One flagged passage as a few indented lines; what the article and its file name hold is
    shown with control and format characters escaped (see qa.printable)."""
    result = segment.result
    reasons = reason_text(result.reasons)
    lines = [
        printable(f"{article.path}:{segment.line}:{segment.column}: {result.severity} "
                  f"(score {result.score:.2f}, {segment.kind}) {reasons}"),
    ]
    target = " ".join(s.text for s in segment.target)
    if target:
        lines.append(_quote(target, "    > "))
    if segment.source:
        source_article = article.pair.source
        where = f"{source_article.path}:{source_article.line_col(segment.source[0].start)[0]}" if source_article else "source"
        lines.append(_quote(" ".join(s.text for s in segment.source), f"    {where}: "))
    elif segment.related_source:
        lines.append(_quote(" ".join(s.text for s in segment.related_source), "    related source: "))
    return "\n".join(lines)


def summary_line(report: Report, *, signed: bool = True) -> str:
    """Counts (flags by severity, articles, segments, flags accepted by the baseline or inline
    markers) and the signature in one line. Unsigned (for a person at a terminal), the line
    stops at the engine's name: the models and thresholds are for logs and CI."""
    counts = report.counts()
    signature = report.signature
    checked = sum(len(a.segments) for a in report.articles)
    by_severity = ", ".join(f"{counts[s]} {s}" for s in ("error", "warning", "info"))
    models = signature.models
    model = " (" + ", ".join(f"{d} {m}" for d, m in sorted(models.items())) + ")" if models else ""
    limits = " ".join(f"{name} {value:.2f}" for name, value in signature.thresholds.items())
    alone = sum(1 for article in report.articles if article.pair.source is None)
    without_source = f" ({alone} without a source: only the checks that need none)" if alone else ""
    accepted = report.accepted_counts()
    by_baseline = f", {accepted['baseline']} accepted by the baseline" if accepted["baseline"] else ""
    by_marker = f", {accepted['inline']} accepted by inline ignore markers" if accepted["inline"] else ""
    counted = (
        f"{len(report.flagged)} flagged ({by_severity}) in {len(report.articles)} article(s){without_source}, "
        f"{count_of(checked, 'segment')} checked{by_baseline}{by_marker}; engine {signature.engine}"
    )
    return f"{counted}{model}; thresholds {limits}" if signed else counted


def render_text(report: Report, *, signed: bool = True) -> str:
    """Every flagged passage, grouped by file, then the summary line (see :func:`summary_line`)."""
    blocks = [render_segment(article, segment) for article, segment in report.flagged]
    return "\n\n".join([*blocks, summary_line(report, signed=signed)]) + "\n"
