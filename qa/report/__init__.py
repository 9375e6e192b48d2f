"""Report formats. Each module renders a ``qa.results.Report`` to a string; the registry maps the
``--format`` names to them, so adding a format is one module and one line."""

from __future__ import annotations

import importlib
from collections.abc import Callable

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
