"""JUnit XML, the test report CI services show (GitLab merge requests, Jenkins, Azure).

One testsuite ``qa``; one testcase per checked article, named and classed by its path. An
article with any flagged passage, whatever its severity, fails: its ``<failure>`` lists every
flagged passage with line, severity and reasons (``--fail-on`` decides the exit code, not this
report, which lists everything an editor should look at). An unreadable file is a testcase with
an ``<error>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from qa.report.sarif import display_path, error_place, segment_message
from qa.report.text import summary_line
from qa.results import SEVERITIES, ArticleReport, Report

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` without the control characters XML 1.0 forbids (ElementTree escapes the rest)."""
    return _NOT_XML.sub("\ufffd", text)


def failure_text(article: ArticleReport) -> str:
    """Every flagged passage of an article, one block each."""
    blocks = []
    for segment in article.flagged:
        target = " ".join(s.text for s in segment.target)
        quoted = f"\n    > {target}" if target else ""
        blocks.append(
            f"line {segment.line}:{segment.column} {segment.result.severity}: "
            + segment_message(article, segment).replace("\n", "\n    ")
            + quoted
        )
    return "\n".join(blocks)


def article_testcase(article: ArticleReport) -> ET.Element:
    """The testcase of one article: passes, or fails with its flagged passages."""
    path = display_path(article.path)
    case = ET.Element("testcase", {"classname": clean(path), "name": clean(path), "time": "0"})
    flagged = article.flagged
    if flagged:
        worst = max((s.result.severity for s in flagged), key=SEVERITIES.index)
        assert worst is not None  # a flagged segment has a severity
        failure = ET.SubElement(case, "failure", {
            "type": worst,
            "message": clean(f"{len(flagged)} flagged passage(s), worst {worst}"),
        })
        failure.text = clean(failure_text(article))
    return case


def report_to_junit(report: Report) -> ET.Element:
    """The report as a ``<testsuites>`` element holding the ``qa`` testsuite."""
    cases = [article_testcase(article) for article in report.articles]
    for error in report.errors:
        path = error_place(error)[0] or "(input)"
        case = ET.Element("testcase", {"classname": clean(path), "name": clean(path), "time": "0"})
        ET.SubElement(case, "error", {"type": "input", "message": clean(str(error))})
        cases.append(case)
    counts = {
        "tests": str(len(cases)),
        "failures": str(sum(1 for article in report.articles if article.flagged)),
        "errors": str(len(report.errors)),
        "skipped": "0",
    }
    suites = ET.Element("testsuites", {"name": "qa", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": "qa", **counts, "time": "0"})
    properties = ET.SubElement(suite, "properties")
    signature = report.signature
    model = signature.model
    for name, value in (("qa", signature.qa), ("engine", signature.engine),
                        ("model", model.model if model else None), ("signature", signature.short())):
        if value is not None:
            ET.SubElement(properties, "property", {"name": name, "value": clean(str(value))})
    suite.extend(cases)
    ET.SubElement(suite, "system-out").text = clean(summary_line(report))
    return suites


def render_junit(report: Report) -> str:
    """The report as an indented JUnit XML document."""
    root = report_to_junit(report)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
