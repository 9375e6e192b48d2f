"""HTML views of a report for Jupyter: ``Report._repr_html_`` and ``CheckedSegment._repr_html_``
call these.

A passage is shown with its weakest span highlighted in its severity's colour, its reasons and
the source it aligns to underneath. Texts come from the articles checked, so everything is
escaped. Styles are inline: notebook front ends drop ``<style>`` blocks more often than
``style`` attributes.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from qa.report.json import segment_to_dict
from qa.report.text import summary_line

if TYPE_CHECKING:
    from qa.results import ArticleReport, CheckedSegment, Report

# severity -> (strong colour for the badge and the rule, light colour for the highlight)
COLOURS = {
    "error": ("#c62828", "#ffcdd2"),
    "warning": ("#e65100", "#ffe0b2"),
    "info": ("#1565c0", "#bbdefb"),
    None: ("#757575", "#eeeeee"),
}
# A report shows at most this many flagged passages; the DataFrame has them all.
MAX_SHOWN = 100

_MUTED = "color:#555;font-size:90%"


def highlight(text: str, span: tuple[int, int] | None, colour: str) -> str:
    """``text`` escaped, with ``span`` (character offsets into it) marked in ``colour``; the
    whole text when the span is None or falls outside it."""
    start, end = span if span else (0, len(text))
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    if start >= end:
        start, end = 0, len(text)
    mark = f'<mark style="background:{colour};padding:0 1px">{escape(text[start:end])}</mark>'
    return escape(text[:start]) + mark + escape(text[end:])


def _verdict_line(segment: CheckedSegment, where: str) -> str:
    result = segment.result
    strong, _ = COLOURS[result.severity]
    label = result.severity or "not flagged"
    return (
        f'<div style="{_MUTED}"><b style="color:{strong}">{escape(label)}</b> '
        f"score {result.score:.2f} · {escape(segment.kind)} {escape(segment.role.value)} · {escape(where)}</div>"
    )


def _text_block(segment: CheckedSegment) -> str:
    result = segment.result
    text = " ".join(sentence.text for sentence in segment.target)
    if not text:
        return f'<div style="{_MUTED};font-style:italic">(no translated text here)</div>'
    # Only a flagged passage is highlighted, and then the span its strongest reason points at.
    body = highlight(text, result.span, COLOURS[result.severity][1]) if result.flagged else escape(text)
    return f'<div style="margin:2px 0">{body}</div>'


def _reasons_block(segment: CheckedSegment) -> str:
    reasons = segment.result.reasons
    if not reasons:
        return f'<div style="{_MUTED}">{"low overall score" if segment.result.flagged else "no reasons"}</div>'
    items = "".join(
        f"<li>{escape(reason.explanation)} <span style=\"color:#999\">({escape(reason.signal)}, "
        f"{reason.evidence:.2f})</span></li>"
        for reason in reasons
    )
    return f'<ul style="{_MUTED};margin:2px 0 2px 1.2em;padding:0">{items}</ul>'


def _source_block(segment: CheckedSegment, fields: dict | None) -> str:
    if segment.source:
        text = " ".join(sentence.text for sentence in segment.source)
        where = f"{fields['source_path']}:{fields['source_line']}" if fields and fields["source_path"] else "source"
    elif segment.related_source:
        text = " ".join(sentence.text for sentence in segment.related_source)
        where = "related source"
    else:
        return ""
    return f'<div style="{_MUTED}">{escape(where)}: <i>{escape(text)}</i></div>'


def segment_html(segment: CheckedSegment, article: ArticleReport | None = None) -> str:
    """One passage: verdict, the text with its span highlighted, reasons, then its source.
    With ``article`` the passage is located by path and the source by its file and line."""
    fields = segment_to_dict(article, segment) if article is not None else None
    where = (
        f"{fields['path']}:{segment.line}:{segment.column}" if fields
        else f"line {segment.line}, column {segment.column}"
    )
    strong, _ = COLOURS[segment.result.severity]
    return (
        f'<div style="border-left:4px solid {strong};padding:2px 8px;margin:6px 0">'
        + _verdict_line(segment, where)
        + _text_block(segment)
        + _reasons_block(segment)
        + _source_block(segment, fields)
        + "</div>"
    )


def report_html(report: Report, limit: int = MAX_SHOWN) -> str:
    """The summary line, any unreadable inputs, then the first ``limit`` flagged passages."""
    parts = [f"<div><b>qa</b> {escape(summary_line(report))}</div>"]
    if report.errors:
        items = "".join(f"<li>{escape(str(error))}</li>" for error in report.errors)
        parts.append(f'<div style="{_MUTED}">Not checked:<ul style="margin:2px 0 2px 1.2em">{items}</ul></div>')
    flagged = report.flagged
    if not flagged:
        parts.append(f'<div style="{_MUTED}">Nothing flagged.</div>')
    parts += [segment_html(segment, article) for article, segment in flagged[:limit]]
    if len(flagged) > limit:
        parts.append(
            f'<div style="{_MUTED}">… and {len(flagged) - limit} more flagged passages; '
            "report.to_pandas() lists every segment.</div>"
        )
    return '<div class="qa-report">' + "".join(parts) + "</div>"
