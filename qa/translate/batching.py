"""Cutting inputs too long for a model into pieces and grouping inputs into batches of similar
length: pure functions over token counts, shared by the marian and ct2 engines."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def _preview(text: str, limit: int = 40) -> str:
    """The start of a text, quoted, for messages."""
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")


# Split points for an over-long input, most preferred first.
_BOUNDARIES = (
    re.compile(r"(?<=[.!?…])\s+"),
    re.compile(r"(?<=[,;:\u2013\u2014])\s+"),  # comma, semicolon, colon, en and em dash
    re.compile(r"\s+"),
)


def _pack(parts: list[str], fits: Callable[[str], bool]) -> list[str]:
    """Join consecutive parts with spaces as long as the result still fits."""
    chunks: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current} {part}" if current else part
        if current and not fits(candidate):
            chunks.append(current)
            current = part
        else:
            current = candidate
    chunks.append(current)
    return chunks


def split_to_fit(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Split ``text`` into pieces that each satisfy ``fits``: at sentence ends if possible, then
    at clause punctuation, then between words, and as a last resort inside a word."""
    if fits(text) or len(text) <= 1:
        return [text]
    for boundary in _BOUNDARIES:
        parts = [part for part in boundary.split(text.strip()) if part]
        if len(parts) > 1:
            return [piece for chunk in _pack(parts, fits) for piece in split_to_fit(chunk, fits)]
    middle = len(text) // 2
    return split_to_fit(text[:middle], fits) + split_to_fit(text[middle:], fits)


@dataclass(frozen=True, slots=True)
class Split:
    """Inputs cut to fit a model: the pieces to translate, the input index each piece belongs to,
    and one note per input that had to be cut."""

    pieces: list[str]
    owners: list[int]
    notes: list[str]


def split_inputs(
    todo: Sequence[tuple[int, str]],
    lengths: Sequence[int],
    max_tokens: int,
    fits: Callable[[str], bool],
) -> Split:
    """Cut each (index, text) of ``todo`` whose token count in ``lengths`` exceeds ``max_tokens``
    into pieces that satisfy ``fits`` (see :func:`split_to_fit`); others stay whole."""
    pieces: list[str] = []
    owners: list[int] = []
    notes: list[str] = []
    for (index, text), length in zip(todo, lengths, strict=True):
        parts = [text] if length <= max_tokens else split_to_fit(text, fits)
        if len(parts) > 1:
            notes.append(
                f"input {index + 1} ({_preview(text)}) has {length} tokens, more than the "
                f"{max_tokens} the model accepts; it was translated in {len(parts)} pieces"
            )
        pieces.extend(parts)
        owners.extend([index] * len(parts))
    return Split(pieces, owners, notes)


def join_pieces(
    results: list[str], owners: Sequence[int], translations: Sequence[str]
) -> list[str]:
    """Put the translation of each piece back into ``results`` at its owner's index, joining the
    pieces of a cut input with spaces; returns ``results``."""
    joined: dict[int, list[str]] = {}
    for owner, translation in zip(owners, translations, strict=True):
        joined.setdefault(owner, []).append(translation)
    for index, parts in joined.items():
        results[index] = " ".join(part for part in parts if part)
    return results


def pair_lengths(
    source_lengths: Sequence[int], target_lengths: Sequence[int], max_tokens: int
) -> tuple[list[int | None], list[str]]:
    """The longer side of each pair that fits ``max_tokens``, in tokens (None for one that does
    not: scores of a cut pair would mean nothing), and a note when some did not fit."""
    too_long = [
        index
        for index, (s, t) in enumerate(zip(source_lengths, target_lengths))
        if max(s, t) > max_tokens
    ]
    notes = []
    if too_long:
        first = too_long[0]
        notes.append(
            f"{len(too_long)} pair(s) longer than the {max_tokens} tokens the model accepts were "
            f"not scored (the first: {source_lengths[first]} source and "
            f"{target_lengths[first]} target tokens)"
        )
    longer = [max(pair) for pair in zip(source_lengths, target_lengths)]
    return [length if length <= max_tokens else None for length in longer], notes


def length_batches(
    lengths: Sequence[int | None], batch_size: int, max_tokens: int | None
) -> list[list[int]]:
    """Group indices into batches of similar length: sorted by length, at most ``batch_size``
    items and (when set) at most ``max_tokens`` padded tokens per batch, never empty. Indices
    whose length is None are left out."""
    batches: list[list[int]] = []
    current: list[int] = []
    present = {index: length for index, length in enumerate(lengths) if length is not None}
    for index in sorted(present, key=present.__getitem__):
        padded = (len(current) + 1) * present[index]
        if current and (
            len(current) >= batch_size or (max_tokens is not None and padded > max_tokens)
        ):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def output_bound(source_tokens: int, max_positions: int) -> int:
    """Most tokens (decoder start included) generated for a source of ``source_tokens`` tokens,
    so that a confused model stops: translations are rarely twice as long as their source."""
    return min(max_positions, 2 * source_tokens + 16)
