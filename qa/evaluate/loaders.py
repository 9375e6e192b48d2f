"""Reading evaluation files: labelled sentence pairs and WMT12 ranking sets.

Two kinds of evaluation file (JSON Lines, one record per line):

* **labelled** sentence pairs: ``id``, ``src_lang``, ``tgt_lang``, ``src``, ``tgt``, ``label``
  (1 = an editor should see this translation, 0 = not).
* **ranking** files (WMT12 human rankings), a pair of files named ``<name>.segments.jsonl`` (one
  record per source line: ``line``, ``doc``, ``src``, ``ref``, ``mt`` = {system: translation},
  ``src_lang``, ``tgt_lang``) and ``<name>.preferences.jsonl`` (``line``, ``better``, ``worse``,
  ``judge``).

The loaders raise :class:`InputError` naming the file and line of a bad record.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from qa.corpus.files import MB, read_text_file
from qa.corpus.jsonl import RecordError, parse_json_object
from qa.errors import InputError

_Item = TypeVar("_Item")

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
class RankedSegment:
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
    segments: list[RankedSegment]
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
    return _labelled_set(path, _records(path))


def _labelled_set(path: Path, records: Iterable[tuple[int, dict]]) -> LabelledSet:
    items, direction = _unique_records(path, records, _labelled_pair, lambda item: f"id {item.id!r}")
    return LabelledSet(_strip_suffix(path.name, ".jsonl"), direction[0], direction[1], items)


def _unique_records(
    path: Path, records: Iterable[tuple[int, dict]], parse: Callable[[dict], _Item], name: Callable[[_Item], str],
) -> tuple[list[_Item], tuple[str, str]]:
    """Each record parsed, and the one language direction they share. RecordError (naming the
    line) for a bad record, one whose ``name`` ("id 'x'") came before, or a change of direction;
    InputError for a file without records."""
    items: list[_Item] = []
    direction: tuple[str, str] | None = None
    seen: set[str] = set()
    for number, record in records:
        with _at(path, number):
            item = parse(record)
            direction = _same_direction(direction, (_text_field(record, "src_lang"), _text_field(record, "tgt_lang")))
            named = name(item)
            if named in seen:
                raise RecordError(f"{named} appears twice")
            seen.add(named)
            items.append(item)
    if direction is None:
        raise InputError("no records", str(path))
    return items, direction


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
    return _kind_of(path, next(_records(path), None))


def _kind_of(path: Path, first: tuple[int, dict] | None) -> Kind:
    """The kind of file whose first record (line number, record) is ``first``; see detect_kind."""
    if first is None:
        raise InputError("no records", str(path))
    number, record = first
    if "label" in record and "tgt" in record:
        return "labelled"
    if "mt" in record or {"better", "worse"} <= record.keys():
        return "ranking"
    raise InputError(
        "cannot tell the kind of evaluation file: the record has neither 'label' and 'tgt' "
        "(labelled pairs) nor 'mt' or 'better'/'worse' (ranking)",
        f"{path}:{number}",
    )


def load_eval_set(path: str | Path) -> LabelledSet | RankingSet:
    """Load any evaluation file: a labelled set, or a ranking set from either of its two files.
    A labelled file is read once: its first record tells its kind (:func:`detect_kind`)."""
    path = Path(path)
    if not path.name.endswith((SEGMENTS_SUFFIX, PREFERENCES_SUFFIX)):
        records = _records(path)
        first = next(records, None)
        if _kind_of(path, first) == "labelled":
            assert first is not None  # _kind_of refuses a file without records
            return _labelled_set(path, itertools.chain([first], records))
    return load_wmt_ranking(*find_ranking_pair(path))


def load_eval_sets(paths: Sequence[str | Path]) -> list[tuple[str | Path, LabelledSet | RankingSet]]:
    """Each path with its set (:func:`load_eval_set`), every file read once, in the given order."""
    return [(path, load_eval_set(path)) for path in paths]


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


def _read_segments(path: Path) -> tuple[list[RankedSegment], tuple[str, str]]:
    return _unique_records(path, _records(path), _segment, lambda segment: f"line {segment.line}")


def _segment(record: dict) -> RankedSegment:
    mt = record.get("mt")
    if not isinstance(mt, dict) or not mt:
        raise RecordError("'mt' must be a non-empty object of system name to translation")
    for system, translation in mt.items():
        if not system or not isinstance(translation, str):
            raise RecordError(f"'mt' entry {system!r} must map a system name to a string")
    doc = record.get("doc")
    if type(doc) is not int and type(doc) is not str:  # exact types: a bool is no document id
        raise RecordError(f"'doc' must be a number or a string, found {doc!r}")
    return RankedSegment(
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


def _check_preference(preference: Preference, by_line: Mapping[int, RankedSegment]) -> None:
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


EvalSet = LabelledSet | RankingSet


def directions_of(sets: Sequence[EvalSet]) -> list[tuple[str, str]]:
    """Every language direction an engine needs to score ``sets``: each set's own direction and
    its reverse (for back-translation), in order of first appearance."""
    directions: list[tuple[str, str]] = []
    for data in sets:
        for direction in ((data.src_lang, data.tgt_lang), (data.tgt_lang, data.src_lang)):
            if direction not in directions:
                directions.append(direction)
    return directions


def judged_directions(sets: Sequence[EvalSet]) -> list[str]:
    """The directions the sets' translations run in (``"es-en"``), in order of first appearance."""
    return list(dict.fromkeys(f"{data.src_lang}-{data.tgt_lang}" for data in sets))
