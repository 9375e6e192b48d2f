"""JSON and JSON Lines renderings of a report: stable key order, one document or one line per
segment, each signed with what produced it."""

from __future__ import annotations

import json

from qa.results import ArticleReport, CheckedSegment, Report


def segment_to_dict(article: ArticleReport, segment: CheckedSegment) -> dict:
    """One segment as a JSON-ready dict: where it is, what it says, the verdict and evidence."""
    result = segment.result.to_dict()
    result.pop("id")
    return {
        "path": article.path,
        "line": segment.line,
        "column": segment.column,
        "kind": segment.kind,
        "role": segment.role.value,
        "text": " ".join(s.text for s in segment.target) or None,
        "start": segment.target[0].start if segment.target else None,
        "end": segment.target[-1].end if segment.target else None,
        "highlight": list(segment.file_span) if segment.file_span else None,
        "source": " ".join(s.text for s in segment.source) or None,
        "source_path": article.pair.source.path if segment.source and article.pair.source else None,
        "source_line": (
            article.pair.source.line_col(segment.source[0].start)[0]
            if segment.source and article.pair.source else None
        ),
        "related_source": " ".join(s.text for s in segment.related_source) or None,
        **result,
        # A flag the baseline or an inline marker accepted: no longer flagged, and how it was.
        "accepted": (
            {"by": segment.accepted.by, "severity": segment.accepted.severity, "where": segment.accepted.where or None}
            if segment.accepted else None
        ),
    }


def report_to_dict(report: Report, *, flagged_only: bool = False) -> dict:
    """The whole report as one JSON-ready dict."""
    return {
        "signature": report.signature.to_dict(),
        "summary": {
            "articles": len(report.articles),
            "segments": sum(len(a.segments) for a in report.articles),
            "flagged": len(report.flagged),
            "by_severity": report.counts(),
            "accepted": report.accepted_counts(),
            "errors": len(report.errors),
        },
        "articles": [
            {
                "path": article.path,
                "source_path": article.pair.source.path if article.pair.source else None,
                "pairing": article.pair.method,
                "segments": [
                    segment_to_dict(article, segment)
                    for segment in article.segments
                    if segment.result.flagged or not flagged_only
                ],
            }
            for article in report.articles
        ],
        "errors": [{"path": error.path, "message": str(error)} for error in report.errors],
    }


def render_json(report: Report) -> str:
    """One JSON document with every segment (flagged or not)."""
    return json.dumps(report_to_dict(report), ensure_ascii=False, indent=2) + "\n"


def render_jsonl(report: Report) -> str:
    """One JSON line per segment; the first line is the signature."""
    lines = [json.dumps({"signature": report.signature.to_dict()}, ensure_ascii=False)]
    for article in report.articles:
        lines += [json.dumps(segment_to_dict(article, s), ensure_ascii=False) for s in article.segments]
    return "\n".join(lines) + "\n"
