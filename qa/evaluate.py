"""Measuring the checker against human-labelled data, and fitting the weights that combine signals.

Two kinds of evaluation file (JSON Lines, one record per line):

* **labelled** sentence pairs: ``id``, ``src_lang``, ``tgt_lang``, ``src``, ``tgt``, ``label``
  (1 = an editor should see this translation, 0 = not). Measured with ROC AUC, average precision,
  and precision / recall / F1 of what the checker flagged.
* **ranking** files (WMT12 human rankings), a pair of files named ``<name>.segments.jsonl`` (one
  record per source line: ``line``, ``doc``, ``src``, ``ref``, ``mt`` = {system: translation},
  ``src_lang``, ``tgt_lang``) and ``<name>.preferences.jsonl`` (``line``, ``better``, ``worse``,
  ``judge``). Measured with the WMT segment-level Kendall tau.

Score orientation. Every function that takes scores treats them as *garble scores*: higher means
more garbled, more worth flagging. A baseline whose scores run the other way (chrF against a
back-translation: lower chrF = more garbled) passes ``higher_is_worse=False``, which is the same
as negating the scores; thresholds are always reported on the caller's own scale.

Degenerate inputs. Ranking metrics (AUC, average precision, the precision-recall curve, threshold
picking) need both classes and raise ``ValueError`` saying so when the labels hold only one.
Empty or mismatched inputs, labels other than 0/1 and non-finite scores raise ``ValueError`` too.
Precision, recall and F1 of a fixed set of flags are ``nan`` when undefined (precision when nothing
is flagged, recall when nothing is positive, F1 when both); see :func:`precision_recall_f1`.

Everything here is pure except the loaders, which read files and raise :class:`InputError` naming
the file and line of a bad record.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import numpy as np
from scipy import optimize
from sklearn import metrics as skm

from qa.corpus.files import MB, read_text_file
from qa.corpus.jsonl import RecordError, parse_json_object
from qa.errors import InputError
from qa.flag import LogisticPart, feature_sign

MAX_EVAL_FILE_BYTES = 256 * MB
SEGMENTS_SUFFIX = ".segments.jsonl"
PREFERENCES_SUFFIX = ".preferences.jsonl"

Kind = Literal["labelled", "ranking"]


# --------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class LabelledPair:
    """One source sentence, its machine translation, and whether an editor should see it."""

    id: str
    src: str
    tgt: str
    label: int


@dataclass
class LabelledSet:
    """The sentence pairs of one labelled file, all in one language direction."""

    name: str
    src_lang: str
    tgt_lang: str
    items: list[LabelledPair]

    @property
    def labels(self) -> list[int]:
        """The 0/1 labels, in item order."""
        return [item.label for item in self.items]

    @property
    def positives(self) -> int:
        """How many items are labelled 1."""
        return sum(self.labels)


@dataclass(frozen=True)
class Segment:
    """One ranked source line of a WMT12 test set and every system's translation of it."""

    line: int
    doc: int | str
    src: str
    ref: str
    mt: Mapping[str, str]


@dataclass(frozen=True)
class Preference:
    """A human judgement that ``better``'s translation of ``line`` beats ``worse``'s."""

    line: int
    better: str
    worse: str
    judge: str = ""


@dataclass(frozen=True)
class Candidate:
    """One system's translation of one line: a thing the checker must score."""

    line: int
    system: str
    src: str
    mt: str


@dataclass
class RankingSet:
    """A WMT12 segments file and its preferences file."""

    name: str
    src_lang: str
    tgt_lang: str
    segments: list[Segment]
    preferences: list[Preference]

    def candidates(self) -> list[Candidate]:
        """Every (line, system) translation to score, by line then system name."""
        return [
            Candidate(segment.line, system, segment.src, segment.mt[system])
            for segment in sorted(self.segments, key=lambda s: s.line)
            for system in sorted(segment.mt)
        ]


# --------------------------------------------------------------------------------------------
# Loaders


def load_labelled(path: str | Path) -> LabelledSet:
    """Read a labelled sentence-pair file. Raises InputError naming the file (and the line) if the
    file is unusable, a record is bad, ids repeat, or the language direction changes."""
    path = Path(path)
    items: list[LabelledPair] = []
    direction: tuple[str, str] | None = None
    seen: set[str] = set()
    for number, record in _records(path):
        with _at(path, number):
            item = _labelled_pair(record)
            pair = (_text_field(record, "src_lang"), _text_field(record, "tgt_lang"))
            direction = _same_direction(direction, pair)
            if item.id in seen:
                raise RecordError(f"id {item.id!r} appears twice")
            seen.add(item.id)
            items.append(item)
    if direction is None:
        raise InputError("no records", str(path))
    return LabelledSet(_strip_suffix(path.name, ".jsonl"), direction[0], direction[1], items)


def load_wmt_ranking(segments_path: str | Path, preferences_path: str | Path) -> RankingSet:
    """Read a WMT12 segments file and its preferences file. Raises InputError naming the file and
    line of a bad record, including a preference whose line or systems the segments lack."""
    segments_path, preferences_path = Path(segments_path), Path(preferences_path)
    segments, direction = _read_segments(segments_path)
    by_line = {segment.line: segment for segment in segments}
    preferences = []
    for number, record in _records(preferences_path):
        with _at(preferences_path, number):
            preference = _preference(record)
            _check_preference(preference, by_line)
            preferences.append(preference)
    if not preferences:
        raise InputError("no records", str(preferences_path))
    name = _strip_suffix(segments_path.name, SEGMENTS_SUFFIX)
    return RankingSet(name, direction[0], direction[1], segments, preferences)


def find_ranking_pair(path: str | Path) -> tuple[Path, Path]:
    """The (segments, preferences) files of a WMT ranking set, given either of the two.

    ``x.segments.jsonl`` pairs with ``x.preferences.jsonl`` in the same folder. Raises InputError
    when the name has neither suffix or the partner file does not exist.
    """
    path = Path(path)
    if path.name.endswith(SEGMENTS_SUFFIX):
        pair = (path, path.with_name(_strip_suffix(path.name, SEGMENTS_SUFFIX) + PREFERENCES_SUFFIX))
    elif path.name.endswith(PREFERENCES_SUFFIX):
        pair = (path.with_name(_strip_suffix(path.name, PREFERENCES_SUFFIX) + SEGMENTS_SUFFIX), path)
    else:
        raise InputError(
            f"not a ranking file: the name must end in {SEGMENTS_SUFFIX} or {PREFERENCES_SUFFIX}", str(path)
        )
    partner = pair[1] if pair[0] == path else pair[0]
    if not partner.is_file():
        raise InputError(f"its partner file {partner.name} is missing", str(path))
    return pair


def detect_kind(path: str | Path) -> Kind:
    """``"ranking"`` for a WMT segments or preferences file, ``"labelled"`` for sentence pairs.

    The name decides when it ends in ``.segments.jsonl`` or ``.preferences.jsonl``; otherwise the
    first record does (``label`` means labelled; ``mt``, or ``better`` and ``worse``, mean
    ranking). Raises InputError when neither tells.
    """
    path = Path(path)
    if path.name.endswith((SEGMENTS_SUFFIX, PREFERENCES_SUFFIX)):
        return "ranking"
    for number, record in _records(path):
        if "label" in record and "tgt" in record:
            return "labelled"
        if "mt" in record or {"better", "worse"} <= record.keys():
            return "ranking"
        raise InputError(
            "cannot tell the kind of evaluation file: the record has neither 'label' and 'tgt' "
            "(labelled pairs) nor 'mt' or 'better'/'worse' (ranking)",
            f"{path}:{number}",
        )
    raise InputError("no records", str(path))


def load_eval_set(path: str | Path) -> LabelledSet | RankingSet:
    """Load any evaluation file: a labelled set, or a ranking set from either of its two files."""
    if detect_kind(path) == "labelled":
        return load_labelled(path)
    return load_wmt_ranking(*find_ranking_pair(path))


def _records(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, record) for each non-blank line; InputError for unusable files and lines."""
    text = read_text_file(path, max_bytes=MAX_EVAL_FILE_BYTES)
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            with _at(path, number):
                record = parse_json_object(line)
            yield number, record


@contextmanager
def _at(path: Path, line: int) -> Iterator[None]:
    """Turn a RecordError raised inside into an InputError naming ``path:line``."""
    try:
        yield
    except RecordError as error:
        raise InputError(str(error), f"{path}:{line}") from None


def _labelled_pair(record: dict) -> LabelledPair:
    label = record.get("label")
    if type(label) is not int or label not in (0, 1):
        raise RecordError(f"'label' must be 0 or 1, found {label!r}")
    return LabelledPair(
        id=_id_field(record, "id"),
        src=_text_field(record, "src", empty=True),
        tgt=_text_field(record, "tgt", empty=True),
        label=label,
    )


def _read_segments(path: Path) -> tuple[list[Segment], tuple[str, str]]:
    segments: list[Segment] = []
    direction: tuple[str, str] | None = None
    seen: set[int] = set()
    for number, record in _records(path):
        with _at(path, number):
            segment = _segment(record)
            pair = (_text_field(record, "src_lang"), _text_field(record, "tgt_lang"))
            direction = _same_direction(direction, pair)
            if segment.line in seen:
                raise RecordError(f"line {segment.line} appears twice")
            seen.add(segment.line)
            segments.append(segment)
    if direction is None:
        raise InputError("no records", str(path))
    return segments, direction


def _segment(record: dict) -> Segment:
    mt = record.get("mt")
    if not isinstance(mt, dict) or not mt:
        raise RecordError("'mt' must be a non-empty object of system name to translation")
    for system, translation in mt.items():
        if not system or not isinstance(translation, str):
            raise RecordError(f"'mt' entry {system!r} must map a system name to a string")
    doc = record.get("doc")
    if type(doc) is not int and type(doc) is not str:  # exact types: a bool is no document id
        raise RecordError(f"'doc' must be a number or a string, found {doc!r}")
    return Segment(
        line=_int_field(record, "line"),
        doc=doc,
        src=_text_field(record, "src", empty=True),
        ref=_text_field(record, "ref", empty=True),
        mt=dict(mt),
    )


def _preference(record: dict) -> Preference:
    judge = record.get("judge", "")
    if not isinstance(judge, str):
        raise RecordError("'judge' must be a string")
    preference = Preference(
        line=_int_field(record, "line"),
        better=_text_field(record, "better"),
        worse=_text_field(record, "worse"),
        judge=judge,
    )
    if preference.better == preference.worse:
        raise RecordError(f"'better' and 'worse' are the same system ({preference.better!r})")
    return preference


def _check_preference(preference: Preference, by_line: Mapping[int, Segment]) -> None:
    segment = by_line.get(preference.line)
    if segment is None:
        raise RecordError(f"line {preference.line} is not in the segments file")
    for system in (preference.better, preference.worse):
        if system not in segment.mt:
            raise RecordError(f"system {system!r} has no translation of line {preference.line}")


def _same_direction(known: tuple[str, str] | None, found: tuple[str, str]) -> tuple[str, str]:
    if known is not None and known != found:
        raise RecordError(
            f"language direction {found[0]}->{found[1]} differs from the file's {known[0]}->{known[1]}"
        )
    return found


def _text_field(record: dict, name: str, *, empty: bool = False) -> str:
    value = record.get(name)
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise RecordError(f"'{name}' must be a {'' if empty else 'non-empty '}string, found {value!r}")
    return value


def _int_field(record: dict, name: str) -> int:
    value = record.get(name)
    if type(value) is not int:
        raise RecordError(f"'{name}' must be a whole number, found {value!r}")
    return value


def _id_field(record: dict, name: str) -> str:
    value = record.get(name)
    if type(value) is int:
        return str(value)
    return _text_field(record, name)


def _strip_suffix(name: str, suffix: str) -> str:
    return name.removesuffix(suffix)


# --------------------------------------------------------------------------------------------
# Metrics


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 of a set of flags, with the counts behind them."""

    precision: float
    recall: float
    f1: float
    true_positives: int
    false_positives: int
    false_negatives: int


@dataclass(frozen=True)
class CurvePoint:
    """Precision and recall when flagging every score at or beyond ``threshold``."""

    threshold: float
    precision: float
    recall: float


@dataclass(frozen=True)
class TauCounts:
    """The WMT segment-level Kendall tau and its counts. ``ties`` (equal checker scores) are
    already counted in ``discordant``; ``tau = (concordant - discordant) / preferences``."""

    tau: float
    concordant: int
    discordant: int
    ties: int

    @property
    def preferences(self) -> int:
        """How many human preferences were compared."""
        return self.concordant + self.discordant


def roc_auc(labels: Sequence[int], scores: Sequence[float], *, higher_is_worse: bool = True) -> float:
    """ROC AUC of ``scores`` at separating label 1 from label 0 (1 = perfect, 0.5 = chance, tied
    scores count half). ValueError when the labels hold one class only."""
    y, s = _ranking_inputs(labels, scores, higher_is_worse)
    return float(skm.roc_auc_score(y, s))


def average_precision(
    labels: Sequence[int], scores: Sequence[float], *, higher_is_worse: bool = True
) -> float:
    """Average precision (area under the step precision-recall curve, scikit-learn's definition).
    Chance level is the share of positives. ValueError when the labels hold one class only."""
    y, s = _ranking_inputs(labels, scores, higher_is_worse)
    return float(skm.average_precision_score(y, s))


def precision_recall_curve(
    labels: Sequence[int], scores: Sequence[float], *, higher_is_worse: bool = True
) -> list[CurvePoint]:
    """One point per distinct score, from the most lenient threshold (everything flagged) to the
    strictest. A point's threshold flags scores ``>= threshold`` (``<=`` when
    ``higher_is_worse=False``). ValueError when the labels hold one class only."""
    y, s = _ranking_inputs(labels, scores, higher_is_worse)
    precision, recall, thresholds = skm.precision_recall_curve(y, s)
    sign = 1.0 if higher_is_worse else -1.0
    # scikit-learn appends a final (precision 1, recall 0) point with no threshold: dropped
    return [
        CurvePoint(sign * float(t), float(p), float(r))
        for t, p, r in zip(thresholds, precision[:-1], recall[:-1], strict=True)
    ]


def precision_recall_f1(labels: Sequence[int], flagged: Sequence[bool]) -> PRF:
    """Precision, recall and F1 of ``flagged`` against ``labels``.

    Undefined ratios are ``nan``, never an error: precision when nothing is flagged, recall when
    nothing is positive. F1 is 2·TP / (2·TP + FP + FN), so it is 0 when either side is empty but
    the other is not, and ``nan`` only when there are no positives and no flags.
    """
    y = _labels_array(labels)
    f = _flags_array(flagged, len(y))
    precision, recall, f1, _ = skm.precision_recall_fscore_support(
        y, f, average="binary", zero_division=np.nan
    )
    return PRF(
        precision=float(precision),
        recall=float(recall),
        f1=float(f1),
        true_positives=int(np.sum(y & f)),
        false_positives=int(np.sum(~y & f)),
        false_negatives=int(np.sum(y & ~f)),
    )


def flag_at(scores: Sequence[float], threshold: float, *, higher_is_worse: bool = True) -> list[bool]:
    """Which scores a threshold flags: ``score >= threshold`` (``<=`` if ``higher_is_worse=False``)."""
    if higher_is_worse:
        return [score >= threshold for score in scores]
    return [score <= threshold for score in scores]


def pick_threshold(
    labels: Sequence[int],
    scores: Sequence[float],
    *,
    target: Literal["f1", "precision"] = "f1",
    min_precision: float = 0.9,
    higher_is_worse: bool = True,
) -> float:
    """The threshold (one of ``scores``, on their own scale; see :func:`flag_at`) that

    * ``target="f1"``: maximises F1;
    * ``target="precision"``: maximises recall among thresholds whose precision is at least
      ``min_precision``, raising ValueError when none reaches it.

    Among equally good thresholds the strictest (fewest flags) wins. ValueError when the labels
    hold one class only.
    """
    points = precision_recall_curve(labels, scores, higher_is_worse=higher_is_worse)
    if target == "f1":
        candidates = [(_f1(point), point) for point in points]
    elif target == "precision":
        if not 0.0 < min_precision <= 1.0:
            raise ValueError(f"min_precision must be in (0, 1], got {min_precision}")
        candidates = [(point.recall, point) for point in points if point.precision >= min_precision]
        if not candidates:
            best = max(point.precision for point in points)
            raise ValueError(f"no threshold reaches precision {min_precision} (the best is {best:.3f})")
    else:
        raise ValueError(f"target must be 'f1' or 'precision', got {target!r}")
    # points run lenient -> strict, so on equal merit the later (stricter) point wins
    best_value = max(value for value, _ in candidates)
    return [point for value, point in candidates if value == best_value][-1].threshold


def kendall_tau_wmt(
    preferences: Iterable[Preference],
    score_of: Mapping[tuple[int, str], float] | Callable[[int, str], float],
    *,
    higher_is_worse: bool = True,
) -> TauCounts:
    """The WMT12 segment-level Kendall tau of garble scores against human preferences.

    ``score_of`` maps (line, system) to the checker's garble score (a mapping or a function). A
    preference is concordant when the worse translation has the higher garble score; equal scores
    count as discordant (the WMT12 convention, so a constant checker scores -1). ValueError when
    there are no preferences, a (line, system) has no score, or a score is not finite.
    """
    lookup = _score_lookup(score_of, higher_is_worse)
    concordant = discordant = ties = 0
    for preference in preferences:
        worse, better = lookup(preference.line, preference.worse), lookup(preference.line, preference.better)
        if worse > better:
            concordant += 1
        else:
            discordant += 1
            ties += int(worse == better)
    total = concordant + discordant
    if total == 0:
        raise ValueError("Kendall tau needs at least one preference")
    return TauCounts((concordant - discordant) / total, concordant, discordant, ties)


def _score_lookup(
    score_of: Mapping[tuple[int, str], float] | Callable[[int, str], float], higher_is_worse: bool
) -> Callable[[int, str], float]:
    sign = 1.0 if higher_is_worse else -1.0

    def lookup(line: int, system: str) -> float:
        if callable(score_of):
            score = score_of(line, system)
        elif (line, system) in score_of:
            score = score_of[(line, system)]
        else:
            raise ValueError(f"no score for system {system!r} on line {line}")
        if not math.isfinite(score):
            raise ValueError(f"the score of system {system!r} on line {line} is not finite ({score})")
        return sign * float(score)

    return lookup


def _f1(point: CurvePoint) -> float:
    total = point.precision + point.recall
    return 0.0 if total == 0 else 2 * point.precision * point.recall / total


def _ranking_inputs(
    labels: Sequence[int], scores: Sequence[float], higher_is_worse: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Checked labels and oriented scores for a ranking metric (both classes required)."""
    y = _labels_array(labels)
    s = np.asarray(scores, dtype=float)
    if s.shape != y.shape:
        raise ValueError(f"{len(y)} labels but {len(s)} scores")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores must be finite numbers (found nan or infinity)")
    positives = int(y.sum())
    if positives in (0, len(y)):
        only = "positive (1)" if positives else "negative (0)"
        raise ValueError(f"ranking metrics need both classes, but all {len(y)} labels are {only}")
    return y.astype(int), s if higher_is_worse else -s


def _labels_array(labels: Sequence[int]) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError("labels must be a non-empty list of 0/1")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("labels must be 0 or 1")
    return y.astype(bool)


def _flags_array(flagged: Sequence[bool], n: int) -> np.ndarray:
    f = np.asarray(flagged)
    if f.shape != (n,):
        raise ValueError(f"{n} labels but {len(f)} flags")
    return f.astype(bool)


# --------------------------------------------------------------------------------------------
# Results and the table


@dataclass(frozen=True)
class EvalResult:
    """How the checker did on a labelled set. ``precision``/``recall``/``f1`` describe the given
    flags (``threshold`` records how they were made, when known); ``auc``/``ap`` the scores."""

    name: str
    n: int
    positives: int
    auc: float
    ap: float
    flagged: int
    precision: float
    recall: float
    f1: float
    threshold: float | None = None


@dataclass(frozen=True)
class RankingResult:
    """How the checker's scores agree with WMT human preferences (ties are in ``discordant``)."""

    name: str
    preferences: int
    tau: float
    concordant: int
    discordant: int
    ties: int


def evaluate_labelled(
    labelled: LabelledSet,
    scores: Sequence[float],
    flagged: Sequence[bool],
    *,
    threshold: float | None = None,
    higher_is_worse: bool = True,
) -> EvalResult:
    """Measure garble ``scores`` and ``flagged`` decisions, both in ``labelled.items`` order.
    ValueError on length mismatches or a one-class set (see the module notes)."""
    labels = labelled.labels
    if len(scores) != len(labels):
        raise ValueError(f"{labelled.name}: {len(labels)} items but {len(scores)} scores")
    prf = precision_recall_f1(labels, flagged)
    return EvalResult(
        name=labelled.name,
        n=len(labels),
        positives=labelled.positives,
        auc=roc_auc(labels, scores, higher_is_worse=higher_is_worse),
        ap=average_precision(labels, scores, higher_is_worse=higher_is_worse),
        flagged=prf.true_positives + prf.false_positives,
        precision=prf.precision,
        recall=prf.recall,
        f1=prf.f1,
        threshold=threshold,
    )


def evaluate_ranking(
    ranking: RankingSet,
    scores: Mapping[tuple[int, str], float] | Callable[[int, str], float],
    *,
    higher_is_worse: bool = True,
) -> RankingResult:
    """The WMT Kendall tau of garble ``scores`` (keyed by (line, system)) on a ranking set."""
    counts = kendall_tau_wmt(ranking.preferences, scores, higher_is_worse=higher_is_worse)
    return RankingResult(
        ranking.name, counts.preferences, counts.tau, counts.concordant, counts.discordant, counts.ties
    )


def format_table(rows: Sequence[object], *, digits: int = 3) -> str:
    """A plain-text table that is also a Markdown table, one row per result.

    ``rows`` are dataclass instances (such as EvalResult, RankingResult) or mappings; the columns
    are every field in order of first appearance, blank where a row lacks one. Floats get
    ``digits`` decimals, ``nan`` shows as ``n/a``, ``None`` as blank; numeric columns align right.
    """
    records = [_as_mapping(row) for row in rows]
    columns = list(dict.fromkeys(name for record in records for name in record))
    cells = [[_cell(record.get(column), digits) for column in columns] for record in records]
    numeric = [_is_numeric_column([record.get(column) for record in records]) for column in columns]
    widths = [max([len(column), 3] + [len(row[i]) for row in cells]) for i, column in enumerate(columns)]

    def line(values: list[str]) -> str:
        columns_ = zip(values, widths, numeric, strict=True)
        padded = [value.rjust(width) if right else value.ljust(width) for value, width, right in columns_]
        return "| " + " | ".join(padded) + " |"

    rule = ["-" * (w - 1) + ":" if right else "-" * w for w, right in zip(widths, numeric, strict=True)]
    return "\n".join([line(columns), line(rule)] + [line(row) for row in cells])


def _as_mapping(row: object) -> Mapping[str, object]:
    if is_dataclass(row) and not isinstance(row, type):
        return {f.name: getattr(row, f.name) for f in fields(row)}
    if isinstance(row, Mapping):
        return row
    raise TypeError(f"format_table rows must be dataclasses or mappings, not {type(row).__name__}")


def _cell(value: object, digits: int) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def _is_numeric_column(values: list[object]) -> bool:
    present = [value for value in values if value is not None]
    return bool(present) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)


# --------------------------------------------------------------------------------------------
# Fitting signal weights


def fit_logistic(
    feature_rows: Sequence[Mapping[str, float | None]],
    labels: Sequence[int],
    *,
    l2: float = 1.0,
    sample_weight: Sequence[float] | None = None,
) -> LogisticPart:
    """Fit a monotone logistic regression of ``labels`` on standardised features.

    The features are every name in any row, each of which must have a declared direction in
    :data:`qa.flag.FEATURE_SIGNS`: an agreement metric gets a weight <= 0, a disagreement a
    weight >= 0 (the fit minimises the weighted log-loss plus ``l2 / 2`` times the squared
    weights under those bounds, with scipy's L-BFGS-B; the bias is free and unpenalised). The
    weights are normalised to sum to the number of rows, so ``l2`` means what scikit-learn's
    ``1 / C`` means; pass weights such that each file sums to the same to weigh files equally.
    Features are standardised by their (weighted) mean and standard deviation over the rows that
    have them; a missing value (absent, None or nan) takes the mean, i.e. contributes nothing.

    Returns the model as a :class:`qa.flag.LogisticPart`, whose ``base_rate`` is the weighted
    share of positives. ValueError for empty or mismatched input, labels other than 0/1, one
    class only, a feature without a declared direction, or one with no value in any row.
    """
    y = _labels_array(labels).astype(float)
    if len(feature_rows) != len(y):
        raise ValueError(f"{len(feature_rows)} feature rows but {len(y)} labels")
    if y.sum() in (0, len(y)):
        raise ValueError("fitting needs both classes among the labels")
    if l2 < 0:
        raise ValueError(f"l2 must be >= 0, got {l2}")
    names = sorted({name for row in feature_rows for name in row})
    if not names:
        raise ValueError("the feature rows have no features")
    signs = [feature_sign(name) for name in names]
    weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if weight.shape != y.shape or not np.all(np.isfinite(weight)) or np.any(weight < 0) or weight.sum() <= 0:
        raise ValueError("sample weights must be one finite, non-negative number per row, not all 0")
    weight = weight * (len(y) / weight.sum())
    raw = np.array([[_present(row.get(name)) for name in names] for row in feature_rows], dtype=float)
    means, scales = _standardisation(raw, names, weight)
    x = np.where(np.isnan(raw), 0.0, (raw - means) / scales)
    coefficients = _minimise_log_loss(x, y, weight, l2, signs)
    return LogisticPart(
        bias=float(coefficients[0]),
        weights=MappingProxyType({name: float(w) for name, w in zip(names, coefficients[1:], strict=True)}),
        means=MappingProxyType({name: float(m) for name, m in zip(names, means, strict=True)}),
        scales=MappingProxyType({name: float(v) for name, v in zip(names, scales, strict=True)}),
        base_rate=float(np.sum(weight * y) / np.sum(weight)),
    )


def _minimise_log_loss(
    x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float, signs: Sequence[int]
) -> np.ndarray:
    """[bias, weights...] minimising sum(weight * log-loss) + l2/2 |weights|^2 with each weight's
    sign bounded by ``signs`` (-1: <= 0, +1: >= 0)."""
    design = np.hstack([np.ones((len(y), 1)), x])
    penalty = np.array([0.0] + [l2] * x.shape[1])

    def objective(beta: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ beta
        # log(1 + e^z) - y z, stably; its derivative is sigmoid(z) - y
        loss = np.sum(weight * (np.logaddexp(0.0, z) - y * z)) + 0.5 * np.sum(penalty * beta**2)
        gradient = design.T @ (weight * (_expit(z) - y)) + penalty * beta
        return float(loss), gradient

    rate = float(np.clip(np.sum(weight * y) / np.sum(weight), 1e-6, 1 - 1e-6))
    start = np.zeros(design.shape[1])
    start[0] = math.log(rate / (1 - rate))
    bounds = [(None, None)] + [(None, 0.0) if sign < 0 else (0.0, None) for sign in signs]
    result = optimize.minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds,
                               options={"maxiter": 2000, "ftol": 1e-12, "gtol": 1e-8})
    if not np.all(np.isfinite(result.x)):
        raise ValueError(f"the logistic fit did not converge ({result.message})")
    return result.x


def fit_scale(
    model: LogisticPart,
    feature_rows: Sequence[Mapping[str, float | None]],
    labels: Sequence[int],
    *,
    sample_weight: Sequence[float] | None = None,
) -> LogisticPart:
    """``model`` with all its weights multiplied by one factor >= 0 and its bias refitted, both
    unpenalised, to the weighted log-loss on these rows (their ranking is unchanged; signs hold).

    A strong L2 penalty chooses the weights' direction well but shrinks them all, so the
    probabilities come out too timid; this restores their spread (a Platt-style temperature)."""
    y, weight, z = _refit_inputs(model, feature_rows, labels, sample_weight)
    weight = weight * (len(y) / weight.sum())
    design = np.column_stack([np.ones(len(y)), z])

    def objective(beta: np.ndarray) -> tuple[float, np.ndarray]:
        t = design @ beta
        return float(np.sum(weight * (np.logaddexp(0.0, t) - y * t))), design.T @ (weight * (_expit(t) - y))

    result = optimize.minimize(objective, np.array([model.bias, 1.0]), jac=True, method="L-BFGS-B",
                               bounds=[(None, None), (0.0, None)])
    bias, factor = (float(v) for v in result.x)
    return dataclasses.replace(
        model, bias=bias, weights=MappingProxyType({name: w * factor for name, w in model.weights.items()})
    )


def fit_intercept(
    model: LogisticPart,
    feature_rows: Sequence[Mapping[str, float | None]],
    labels: Sequence[int],
    *,
    sample_weight: Sequence[float] | None = None,
) -> LogisticPart:
    """``model`` with its bias refitted (weights kept) to the weighted log-loss on these rows, and
    their weighted share of positives as its base rate: how one direction's data is calibrated
    under weights fitted on several."""
    y, weight, offset = _refit_inputs(model, feature_rows, labels, sample_weight)

    def objective(bias: np.ndarray) -> tuple[float, np.ndarray]:
        z = offset + bias[0]
        loss = np.sum(weight * (np.logaddexp(0.0, z) - y * z))
        return float(loss), np.array([np.sum(weight * (_expit(z) - y))])

    result = optimize.minimize(objective, np.array([model.bias]), jac=True, method="L-BFGS-B")
    rate = float(np.sum(weight * y) / np.sum(weight))
    return dataclasses.replace(model, bias=float(result.x[0]), base_rate=rate)


def _refit_inputs(
    model: LogisticPart, feature_rows: Sequence[Mapping[str, float | None]], labels: Sequence[int],
    sample_weight: Sequence[float] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, row weights and the model's logit contributions of each row, for refitting a
    fitted model's scale or bias; ValueError unless rows and labels match and hold both classes."""
    y = _labels_array(labels).astype(float)
    if len(feature_rows) != len(y):
        raise ValueError(f"{len(feature_rows)} feature rows but {len(y)} labels")
    if y.sum() in (0, len(y)):
        raise ValueError("fitting needs both classes among the labels")
    weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    contributions = np.array([sum(model.contributions(_clean_row(row)).values()) for row in feature_rows])
    return y, weight, contributions


def _clean_row(row: Mapping[str, float | None]) -> dict[str, float]:
    return {name: value for name, value in ((n, _present(v)) for n, v in row.items()) if value is not None}


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _standardisation(
    raw: np.ndarray, names: list[str], weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-column weighted mean and standard deviation over present values (a constant column
    gets scale 1)."""
    present = ~np.isnan(raw)
    empty = [name for name, has in zip(names, present.any(axis=0), strict=True) if not has]
    if empty:
        raise ValueError(f"feature {empty[0]!r} has no value in any row")
    w = np.where(present, weight[:, None], 0.0)
    filled = np.where(present, raw, 0.0)
    total = np.where(w.sum(axis=0) > 0, w.sum(axis=0), 1.0)
    means = (w * filled).sum(axis=0) / total
    variances = (w * (filled - means) ** 2).sum(axis=0) / total
    stds = np.sqrt(variances)
    return means, np.where(stds > 1e-12, stds, 1.0)


def _present(value: object) -> float | None:
    """A feature value as a float, or None when it is missing (None or nan)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"feature values must be numbers, found {value!r}")
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError(f"feature values must be finite, found {value!r}")
    return number
