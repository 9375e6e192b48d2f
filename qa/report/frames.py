"""A report as a pandas DataFrame: one row per checked segment, one column per signal.

pandas is an optional dependency (``pip install 'newsroom-qa[notebook]'``); it is imported only when a
frame is built, so the rest of qa never needs it. :func:`report_rows` gives the same rows as
plain dicts without pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qa.errors import QAError
from qa.report.json import segment_to_dict
from qa.report.text import reason_text

if TYPE_CHECKING:
    import pandas

    from qa.results import ArticleReport, CheckedSegment, Report

# Signal columns carry this prefix so that a signal can never shadow a segment field.
SIGNAL_PREFIX = "sig_"

# The fixed columns, in order; every signal's column follows, sorted by name.
COLUMNS = (
    "article",
    "source_path",
    "line",
    "column",
    "kind",
    "role",
    "text",
    "source",
    "related_source",
    "back_translation",
    "score",
    "flagged",
    "severity",
    "reasons",
)


class MissingDependency(QAError, ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""


def require_pandas():
    """Import pandas, or raise :class:`MissingDependency` with the install command."""
    try:
        import pandas
    except ImportError as error:
        raise MissingDependency(
            "Report.to_pandas() needs pandas: pip install 'newsroom-qa[notebook]'", name="pandas"
        ) from error
    return pandas


def signal_column(name: str) -> str:
    """The DataFrame column holding the values of the signal ``name``."""
    return SIGNAL_PREFIX + name


def segment_row(article: ArticleReport, segment: CheckedSegment) -> dict:
    """One segment as a flat row: where it is, its text and source, the verdict, and every
    signal's value under its own ``sig_`` column (exact, not rounded as in the JSON output)."""
    fields = segment_to_dict(article, segment)
    result = segment.result
    row = {
        "article": fields["path"],
        "source_path": fields["source_path"],
        "line": fields["line"],
        "column": fields["column"],
        "kind": fields["kind"],
        "role": fields["role"],
        "text": fields["text"],
        "source": fields["source"],
        "related_source": fields["related_source"],
        "back_translation": fields["back_translation"],
        "score": result.score,
        "flagged": result.flagged,
        "severity": result.severity,
        "reasons": reason_text(result.reasons) if result.reasons else "",
    }
    row.update((signal_column(name), signal.value) for name, signal in result.signals.items())
    return row


def report_rows(report: Report) -> list[dict]:
    """Every segment of every article as a row (see :func:`segment_row`), in report order."""
    return [segment_row(article, segment) for article in report.articles for segment in article.segments]


def signal_names(report: Report) -> list[str]:
    """The names of all signals any segment of the report carries, sorted."""
    return sorted({
        name for article in report.articles for segment in article.segments for name in segment.result.signals
    })


def to_dataframe(report: Report) -> pandas.DataFrame:
    """The report as a DataFrame with one row per segment (see :func:`segment_row`); a signal a
    segment lacks is NaN. Raises :class:`MissingDependency` when pandas is not installed."""
    pd = require_pandas()
    signal_columns = [signal_column(name) for name in signal_names(report)]
    frame = pd.DataFrame.from_records(report_rows(report), columns=[*COLUMNS, *signal_columns])
    # Without rows (or with a signal absent everywhere but one row) pandas guesses object dtype.
    return frame.astype({column: float for column in ["score", *signal_columns]})
