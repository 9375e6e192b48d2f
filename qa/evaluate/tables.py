"""The results table of ``qa eval``: plain text that is also Markdown."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import fields, is_dataclass


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
