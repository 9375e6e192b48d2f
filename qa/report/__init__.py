"""Report formats. Each module renders a ``qa.results.Report`` to a string; the registry maps the
``--format`` names to them, so adding a format is one module and one line. Importing this package
also registers the Jupyter and pandas views of the data classes in ``qa.views``."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from qa.views import register_view

FORMATS: dict[str, str] = {
    "text": "qa.report.text:render_text",
    "json": "qa.report.json:render_json",
    "jsonl": "qa.report.json:render_jsonl",
    "html": "qa.report.html:render_html",
    "github": "qa.report.github:render_github",
    "sarif": "qa.report.sarif:render_sarif",
    "junit": "qa.report.junit:render_junit",
}


def renderer(name: str) -> Callable:
    """The render function of a format name."""
    module_name, _, function = FORMATS[name].partition(":")
    return getattr(importlib.import_module(module_name), function)


def _report_html(report):
    from qa.report.notebook import report_html

    return report_html(report)


def _segment_html(segment):
    from qa.report.notebook import segment_html

    return segment_html(segment)


def _dataframe(report):
    from qa.report.frames import to_dataframe

    return to_dataframe(report)


# Report._repr_html_, CheckedSegment._repr_html_ and Report.to_pandas look these up (qa.views);
# each loads its module on first use, so importing qa.report stays instant.
register_view("report_html", _report_html)
register_view("segment_html", _segment_html)
register_view("dataframe", _dataframe)
