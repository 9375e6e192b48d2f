"""SARIF 2.1.0, the format code-scanning services read (GitHub code scanning, GitLab, IDEs).

One run; one rule per signal that leads a flag; one result per flagged passage, located by its
path relative to the current folder and the passage's region (1-based lines, columns counted in
characters), with the baseline fingerprint as a partial fingerprint so services can follow a
flag across edits. A flag the baseline or an inline ``<!-- qa: ignore -->`` marker accepted is
still a result, with a ``suppressions`` entry saying so (``external`` and ``inSource``): code
scanning hides it, and a reviewer can see what was accepted. Also home of the location helpers
the other CI formats share.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from qa.baseline import NO_REASON, fingerprint, primary_signal, relative_path
from qa.errors import InputError
from qa.report.text import reason_text, summary_line
from qa.results import Accepted, ArticleReport, CheckedSegment, Report
from qa.signals import specs

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "qaPassage/v1"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
# Readers name a bad record or front matter as "path:line".
_PATH_LINE = re.compile(r"(?P<path>.+):(?P<line>[0-9]+)")

# The rule of a flag the flagger raised on its overall score alone: not a signal of its own.
SCORE_RULE_DESCRIPTION = "Several weak signals that add up to a garbled passage"


@dataclass(frozen=True)
class Region:
    """Where a passage lies: 1-based lines and columns; the end is the character after it
    (None when unknown, as for an omission, which only has an insertion point)."""

    start_line: int
    start_column: int
    end_line: int | None = None
    end_column: int | None = None


def display_path(path: str | Path) -> str:
    """A path relative to the current folder when it lies below it, with forward slashes."""
    return relative_path(path, Path.cwd())


def error_place(error: InputError) -> tuple[str | None, int | None]:
    """The file (relative to the current folder) and line an input error names, if any."""
    if not error.path:
        return None, None
    match = _PATH_LINE.fullmatch(error.path)
    if match and not Path(error.path).exists():
        return display_path(match["path"]), int(match["line"])
    return display_path(error.path), None


def segment_region(article: ArticleReport, segment: CheckedSegment) -> Region:
    """The whole passage's region in the translation file, starting where the other formats
    place it (``segment.line``/``segment.column``)."""
    document = article.pair.target
    # A JSON Lines record knows only its line: its offsets point into the record, not the file.
    if not segment.target or document is None or document.origin_line is not None:
        return Region(segment.line, segment.column)
    end_line, end_column = document.line_col(segment.target[-1].end)
    return Region(segment.line, segment.column, end_line, end_column)


def source_place(article: ArticleReport, segment: CheckedSegment) -> str | None:
    """``path:line`` of the source sentence a passage is aligned to, if it has one."""
    source = article.pair.source
    if not segment.source or source is None:
        return None
    return f"{display_path(source.path)}:{source.line_col(segment.source[0].start)[0]}"


def segment_message(article: ArticleReport, segment: CheckedSegment) -> str:
    """What is wrong with a passage, then the source sentence it is aligned to (or the source
    headline it carries), on separate lines."""
    result = segment.result
    reasons = reason_text(result.reasons)
    lines = [f"{reasons} (score {result.score:.2f}, {segment.kind})"]
    if segment.source:
        lines.append(f"source ({source_place(article, segment)}): " + " ".join(s.text for s in segment.source))
    elif segment.related_source:
        lines.append("related source: " + " ".join(s.text for s in segment.related_source))
    return "\n".join(lines)


def artifact_uri(path: str | Path) -> dict:
    """A SARIF artifactLocation: a relative URI from the current folder, else a file URI."""
    shown = display_path(path)
    if Path(shown).is_absolute():
        return {"uri": Path(shown).as_uri()}
    # surrogateescape: a file name that is not UTF-8 is quoted as the bytes it is made of
    return {"uri": quote(shown, safe="/", errors="surrogateescape"), "uriBaseId": "SRCROOT"}


def suppression(accepted: Accepted) -> dict:
    """A SARIF suppression for an accepted flag: ``external`` for the baseline file,
    ``inSource`` for a marker in the article."""
    if accepted.by == "inline":
        return {"kind": "inSource", "status": "accepted",
                "justification": "marked with an inline <!-- qa: ignore --> in the article"}
    return {"kind": "external", "status": "accepted", "justification": f"accepted in the baseline {accepted.where}"}


def result_to_sarif(article: ArticleReport, segment: CheckedSegment, rule_index: dict[str, int]) -> dict:
    """One flagged (or accepted) passage as a SARIF result."""
    rule = primary_signal(segment)
    region = segment_region(article, segment)
    sarif_region = {"startLine": region.start_line, "startColumn": region.start_column}
    if region.end_line is not None and region.end_column is not None:  # known together
        sarif_region |= {"endLine": region.end_line, "endColumn": region.end_column}
    result = segment.result
    severity = segment.accepted.severity if segment.accepted else result.severity
    assert severity is not None  # a flagged segment has a severity
    sarif_result = {
        "ruleId": rule,
        "ruleIndex": rule_index[rule],
        "level": LEVELS[severity],
        "message": {"text": segment_message(article, segment)},
        "locations": [{
            "physicalLocation": {"artifactLocation": artifact_uri(article.path), "region": sarif_region},
        }],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(display_path(article.path), segment)},
        "properties": {
            "score": round(result.score, 4),
            "severity": severity,
            "kind": segment.kind,
            "role": segment.role.value,
            "signals": {name: round(signal.value, 4) for name, signal in sorted(result.signals.items())},
        },
    }
    if segment.accepted:
        sarif_result["suppressions"] = [suppression(segment.accepted)]
    return sarif_result


def rule_description(rule: str) -> str:
    """What a rule flags: its signal's registered description (``score``: several weak ones)."""
    if rule == NO_REASON:
        return SCORE_RULE_DESCRIPTION
    spec = specs().get(rule)
    # A report built by hand may carry a signal qa does not register.
    return spec.description if spec is not None else f"qa signal {rule}"


def rule_to_sarif(rule: str) -> dict:
    """A reportingDescriptor for one signal."""
    return {"id": rule, "shortDescription": {"text": rule_description(rule)}}


def error_to_sarif(error: InputError) -> dict:
    """An unreadable file or record as a tool execution notification."""
    notification: dict[str, object] = {"level": "error", "message": {"text": str(error)}}
    path, line = error_place(error)
    if path is not None:
        location: dict[str, object] = {"artifactLocation": artifact_uri(path)}
        if line is not None:
            location["region"] = {"startLine": line}
        notification["locations"] = [{"physicalLocation": location}]
    return notification


def report_to_sarif(report: Report) -> dict:
    """The whole report as a SARIF log (a JSON-ready dict); accepted flags are listed with their
    suppressions, after the flags that count."""
    listed = [*report.flagged, *report.accepted]
    rules = sorted({primary_signal(segment) for _, segment in listed})
    rule_index = {rule: k for k, rule in enumerate(rules)}
    notifications = [error_to_sarif(error) for error in report.errors]
    invocation: dict[str, object] = {"executionSuccessful": not report.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run = {
        "tool": {"driver": {
            "name": "qa",
            "version": report.signature.qa,
            "rules": [rule_to_sarif(rule) for rule in rules],
        }},
        # The base is the folder qa ran in; left for the consumer to supply (a checkout root).
        "originalUriBaseIds": {"SRCROOT": {"description": {"text": "The folder qa check ran in."}}},
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": [result_to_sarif(article, segment, rule_index) for article, segment in listed],
        "properties": {"summary": summary_line(report), "signature": report.signature.to_dict()},
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(report: Report) -> str:
    """The report as an indented SARIF 2.1.0 document."""
    return json.dumps(report_to_sarif(report), ensure_ascii=False, indent=2) + "\n"
