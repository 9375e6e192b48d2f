"""What a check produces: a Report of ArticleReports, each a list of CheckedSegments, each
judged by the flagger (a SegmentResult with its Verdict's Reasons).

These are plain data. Every stage that makes them (``qa.flag``, ``qa.score``, ``qa.pipeline``)
and every renderer that reads them (``qa.report``) imports this module, never the other way round:
the Jupyter and pandas views (``_repr_html_``, ``to_pandas``) are looked up in ``qa.views``, where
``qa.report`` registers them.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from qa.corpus.model import ArticlePair, Role, Sentence
from qa.errors import InputError
from qa.signals.base import Signal
from qa.signature import Signature
from qa.views import view

# From least to most severe.
SEVERITIES = ("info", "warning", "error")
# Report.return_code when an input could not be read: the CLI's exit code for bad input.
EXIT_UNREADABLE = 2
# What can accept a flag: an inline `<!-- qa: ignore -->` marker, or the baseline file.
ACCEPTED_BY = ("inline", "baseline")


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason a segment was scored as it was."""

    signal: str
    evidence: float
    explanation: str
    span: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The flagger's judgement of one segment."""

    score: float
    flagged: bool
    severity: str | None
    reasons: tuple[Reason, ...]
    span: tuple[int, int] | None


@dataclass(frozen=True)
class SegmentResult:
    """The judgement of one segment, with the evidence behind it."""

    id: str
    source: str | None
    target: str | None
    score: float
    flagged: bool
    severity: str | None
    reasons: tuple[Reason, ...]
    signals: dict[str, Signal]
    span: tuple[int, int] | None
    back_translation: str | None = None

    def to_dict(self) -> dict:
        """A JSON-ready view: score, flag, severity, reasons and every signal's value."""
        return {
            "id": self.id,
            "score": round(self.score, 4),
            "flagged": self.flagged,
            "severity": self.severity,
            "reasons": [
                {"signal": r.signal, "evidence": round(r.evidence, 4), "explanation": r.explanation,
                 "span": list(r.span) if r.span else None}
                for r in self.reasons
            ],
            "signals": {name: round(signal.value, 4) for name, signal in sorted(self.signals.items())},
            "span": list(self.span) if self.span else None,
            "back_translation": self.back_translation,
        }


@dataclass(frozen=True, slots=True)
class Accepted:
    """How a flag came to be accepted, so reports can still list it as such: ``by`` one of
    ACCEPTED_BY, ``severity`` the flag's own before it was accepted, and ``where`` the baseline
    that accepted it (``origin/main:.qa-baseline.json``), empty for an inline marker."""

    by: str
    severity: str
    where: str = ""


@dataclass(frozen=True)
class CheckedSegment:
    """One aligned passage of an article with its verdict.

    ``kind`` is the link (``1-1``, ``2-1``, ``1-0`` omission, ``0-1`` addition...),
    ``untranslated`` for a target sentence written in the source language, or ``no-source``
    when the article has no source text for it. ``related_source`` holds source sentences that
    carry the same content without being its translation (a source headline found in the body).
    ``offset`` is where in the file the segment stands: its first target sentence's start, or
    for an omission, where the missing sentence would have gone. ``accepted`` is set on a flag
    an inline marker or the baseline accepted (its result is then no longer flagged).
    """

    kind: str
    role: Role
    target: tuple[Sentence, ...]
    source: tuple[Sentence, ...]
    result: SegmentResult
    line: int
    column: int
    file_span: tuple[int, int] | None
    related_source: tuple[Sentence, ...] = ()
    offset: int = 0
    accepted: Accepted | None = None

    def __repr__(self) -> str:
        text = " ".join(s.text for s in self.target) or "(omitted) " + " ".join(s.text for s in self.source)
        verdict = self.result.severity or "ok"
        return (
            f"<CheckedSegment {self.line}:{self.column} {self.kind} {self.role.value} {verdict} "
            f"score={self.result.score:.2f} {textwrap.shorten(text, 60, placeholder='…')!r}>"
        )

    def _repr_html_(self) -> str:
        return view("segment_html")(self)


@dataclass(frozen=True)
class ArticleReport:
    """The checked segments of one article pair."""

    pair: ArticlePair
    segments: tuple[CheckedSegment, ...]

    def __repr__(self) -> str:
        return f"<ArticleReport {self.path} {len(self.segments)} segments, {len(self.flagged)} flagged>"

    @property
    def path(self) -> str:
        """The translation's path (or the source's, when it has no translation)."""
        article = self.pair.target or self.pair.source
        return article.path if article else ""

    @property
    def flagged(self) -> list[CheckedSegment]:
        """The flagged segments, in file order."""
        return [segment for segment in self.segments if segment.result.flagged]


@dataclass(frozen=True)
class Report:
    """Everything one check found, and what produced it."""

    articles: tuple[ArticleReport, ...]
    errors: tuple[InputError, ...] = ()
    signature: Signature = field(default_factory=lambda: Signature(direction="es-en"))

    def __repr__(self) -> str:
        counts = self.counts()
        by_severity = ", ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts[s])
        flagged = f"{len(self.flagged)} flagged" + (f" ({by_severity})" if by_severity else "")
        errors = f", {len(self.errors)} unreadable" if self.errors else ""
        engine = self.signature.engine
        return f"<Report {len(self.articles)} articles, {flagged}{errors} engine={engine}>"

    def _repr_html_(self) -> str:
        return view("report_html")(self)

    def to_pandas(self):
        """One row per segment: place, text, source, verdict and a ``sig_<name>`` column per
        signal (see :func:`qa.report.frames.to_dataframe`). Needs pandas (``newsroom-qa[notebook]``)."""
        return view("dataframe")(self)

    @property
    def flagged(self) -> list[tuple[ArticleReport, CheckedSegment]]:
        """Every flagged segment with its article."""
        return [(article, segment) for article in self.articles for segment in article.flagged]

    @property
    def accepted(self) -> list[tuple[ArticleReport, CheckedSegment]]:
        """Every flag an inline marker or the baseline accepted, with its article, in file order."""
        return [(article, segment) for article in self.articles for segment in article.segments
                if segment.accepted is not None]

    def accepted_counts(self) -> dict[str, int]:
        """Accepted flags by what accepted them (``inline``, ``baseline``)."""
        counts = dict.fromkeys(ACCEPTED_BY, 0)
        for _, segment in self.accepted:
            assert segment.accepted is not None
            counts[segment.accepted.by] += 1
        return counts

    def counts(self) -> dict[str, int]:
        """Flags by severity."""
        counts = {severity: 0 for severity in SEVERITIES}
        for _, segment in self.flagged:
            severity = segment.result.severity
            assert severity is not None  # a flagged segment has a severity
            counts[severity] += 1
        return counts

    def return_code(self, fail_on: str) -> int:
        """The exit code ``qa check`` gives this report: 2 when an input could not be read
        (``errors``), whatever ``fail_on``; else 1 when a flag reaches ``fail_on`` (error, warning,
        info or never); else 0. A script gate on it fails on a typo in a path, as the CLI does."""
        if self.errors:
            return EXIT_UNREADABLE
        return 1 if any(fails(segment.result.severity, fail_on) for _, segment in self.flagged) else 0


def fails(severity: str | None, fail_on: str) -> bool:
    """Whether a flag of ``severity`` (None: not flagged) fails a run with ``--fail-on fail_on``
    (error, warning, info or never)."""
    if fail_on == "never" or severity is None:
        return False
    return SEVERITIES.index(severity) >= SEVERITIES.index(fail_on)
