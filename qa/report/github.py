"""GitHub Actions workflow commands: each flagged passage becomes an annotation on its line of
the pull request (``::error``, ``::warning`` or ``::notice``), then a plain summary line.

Values are escaped as the runner expects: in the message ``%``, CR and LF; in the properties
also ``:`` and ``,``, which would otherwise end a property.
"""

from __future__ import annotations

from collections.abc import Mapping

from qa.baseline import primary_signal
from qa.errors import InputError
from qa.printable import printable
from qa.report.sarif import display_path, error_place, segment_message, segment_region
from qa.report.text import summary_line
from qa.results import ArticleReport, CheckedSegment, Report

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a workflow command's message: GitHub's own escapes for ``%``, CR and LF, and every
    other control or format character made visible (no terminal escapes reach the log)."""
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """Escape a workflow command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, properties: Mapping[str, object], message: str) -> str:
    """``::command key=value,...::message`` with every part escaped; None values left out."""
    given = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{command} {given}::{escape_data(message)}" if given else f"::{command}::{escape_data(message)}"


def segment_command(article: ArticleReport, segment: CheckedSegment) -> str:
    """The annotation of one flagged passage."""
    severity = segment.result.severity
    assert severity is not None  # a flagged segment has a severity
    region = segment_region(article, segment)
    properties = {
        "file": display_path(article.path),
        "line": region.start_line,
        "col": region.start_column,
        "endLine": region.end_line,
        "endColumn": region.end_column,
        "title": f"qa {primary_signal(segment)}",
    }
    return workflow_command(COMMANDS[severity], properties, segment_message(article, segment))


def error_command(error: InputError) -> str:
    """The annotation of a file or record qa could not read."""
    path, line = error_place(error)
    return workflow_command("error", {"file": path, "line": line, "title": "qa input"}, str(error))


def render_github(report: Report) -> str:
    """Annotations for unreadable files and flagged passages, in report order, then the
    summary line."""
    lines = [error_command(error) for error in report.errors]
    lines += [segment_command(article, segment) for article, segment in report.flagged]
    lines.append(f"qa: {summary_line(report)}")
    return "\n".join(lines) + "\n"
