"""A report as a pandas DataFrame, its HTML views for Jupyter, and its short reprs."""

from __future__ import annotations

import importlib.util
import math
import re
import sys

import pytest
from conftest import need

from qa.run import check

SOURCE = """\
---
title: El plan de seguridad
lang: es
---
Según fuentes del Ministerio del Interior, el plan &lt;script&gt;alert(1)&lt;/script&gt; contará con \
un presupuesto de 14 millones de euros. El alcalde dijo que la reunión fue útil.
"""
TRANSLATION = """\
---
title: The security plan
lang: en
---
According to sources at the Interior Ministry of the Ministry of the Interior, the plan \
&lt;script&gt;alert(1)&lt;/script&gt; will have a budget of 14 million euros. The mayor said \
that the meeting was useful.
"""
CIRCULAR = "Interior Ministry of the Ministry of the Interior"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("articles")
    (folder / "nota.es.md").write_text(SOURCE, encoding="utf-8")
    (folder / "nota.en.md").write_text(TRANSLATION, encoding="utf-8")
    return check(str(folder / "nota.es.md"), str(folder / "nota.en.md"), engine=None)


@pytest.fixture(scope="module")
def garbled(report):
    (article, segment), = report.flagged
    return article, segment


@pytest.fixture
def frame(report):
    need(importlib.util.find_spec("pandas") is not None, "pandas is not installed (pip install 'newsroom-qa[notebook]')")
    return report.to_pandas()


def _segments(report):
    return [(article, segment) for article in report.articles for segment in article.segments]


def test_one_row_per_segment_with_the_documented_columns(report, frame):
    assert len(frame) == len(_segments(report)) >= 3
    for column in ("article", "source_path", "line", "column", "kind", "role", "text", "source",
                   "back_translation", "score", "flagged", "severity", "reasons"):
        assert column in frame.columns
    names = {name for _, segment in _segments(report) for name in segment.result.signals}
    assert {c for c in frame.columns if c.startswith("sig_")} == {f"sig_{name}" for name in names}


def test_rows_hold_the_segment_results(report, frame):
    for (article, segment), row in zip(_segments(report), frame.to_dict("records"), strict=True):
        result = segment.result
        assert row["article"] == article.path
        assert (row["line"], row["column"], row["kind"]) == (segment.line, segment.column, segment.kind)
        assert row["role"] == segment.role.value
        assert row["text"] == " ".join(s.text for s in segment.target)
        assert row["source"] == " ".join(s.text for s in segment.source)
        assert row["score"] == result.score
        assert row["flagged"] == result.flagged
        assert row["reasons"] == "; ".join(r.explanation for r in result.reasons)
        for column in (c for c in frame.columns if c.startswith("sig_")):
            signal = result.signals.get(column.removeprefix("sig_"))
            if signal is None:
                assert math.isnan(row[column]), column
            else:
                assert row[column] == signal.value, column


def test_the_flagged_row_names_its_source_and_severity(frame, garbled):
    (row,) = frame[frame["flagged"]].to_dict("records")
    assert row["severity"] == garbled[1].result.severity
    assert row["source_path"].endswith("nota.es.md")
    assert CIRCULAR in row["text"]
    assert row["sig_circular_name"] > 0


def test_missing_pandas_says_how_to_install_it(report, monkeypatch):
    from qa.errors import QAError

    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` raise ImportError
    with pytest.raises(QAError, match=re.escape("pip install 'newsroom-qa[notebook]'")) as caught:
        report.to_pandas()
    assert isinstance(caught.value, ImportError)


def test_report_html_escapes_text_and_highlights_the_span(report, garbled):
    page = report._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert re.search(rf"<mark [^>]*>{CIRCULAR}</mark>", page)
    assert "Según fuentes del Ministerio del Interior" in page  # the source under the passage
    assert garbled[1].result.reasons[0].explanation.split("'")[0] in page
    assert "nota.en.md" in page


def test_segment_html_shows_itself_the_same_way(garbled):
    _, segment = garbled
    page = segment._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert re.search(rf"<mark [^>]*>{CIRCULAR}</mark>", page)
    assert segment.result.severity in page
    assert "Según fuentes" in page


def test_unflagged_segments_are_not_highlighted(report):
    clean = next(s for _, s in _segments(report) if not s.result.flagged)
    assert "<mark" not in clean._repr_html_()


def test_reprs_are_short_and_say_what_matters(report, garbled):
    article, segment = garbled
    assert repr(report) == "<Report 1 articles, 1 flagged (1 error) engine=none>"
    assert repr(article) == f"<ArticleReport {article.path} {len(article.segments)} segments, 1 flagged>"
    text = repr(segment)
    assert text.startswith(f"<CheckedSegment {segment.line}:{segment.column} 1-1 body error score=")
    assert len(text) < 120
    assert all(len(repr(s)) < 120 for _, s in _segments(report))
