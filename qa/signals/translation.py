"""Signals that compare a segment with the engine's translations of it (sacrebleu metrics) or read
the model's own log-probabilities (forced decoding)."""

from __future__ import annotations

import math
import re
from functools import lru_cache

from sacrebleu.metrics import CHRF

from qa.signals.base import Segment, Signal, SignalSpec
from qa.translate.base import TokenScores

_CHRF = CHRF()
# The weakest span is this many target tokens wide.
_WEAK_SPAN_TOKENS = 4


def metric_signatures() -> dict[str, str]:
    """sacrebleu's signature of each metric, recorded in every output."""
    _CHRF.sentence_score("a", ["a"])  # sacrebleu signs a metric only once it has been used
    return {"chrF": str(_CHRF.get_signature())}


@lru_cache(maxsize=4096)  # the coverage signals read the same scores
def _chrf(hypothesis: str, reference: str) -> float:
    return _CHRF.sentence_score(hypothesis, [reference]).score


def back_translation_chrf(segment: Segment) -> Signal | None:
    """chrF (0-100) of the target translated back into the source language, against the source."""
    if not (segment.source and segment.target and segment.back_translation is not None):
        return None
    value = _chrf(segment.back_translation, segment.source)
    return Signal(
        "bt_chrf", value, 1 - value / 100,
        f"back-translation matches the source at chrF {value:.0f}",
    )


def forward_translation_chrf(segment: Segment) -> Signal | None:
    """chrF (0-100) of the target against the engine's own translation of the source."""
    if not (segment.source and segment.target and segment.forward_translation is not None):
        return None
    value = _chrf(segment.target, segment.forward_translation)
    return Signal(
        "fwd_chrf", value, 1 - value / 100,
        f"the engine's translation of the source matches the text at chrF {value:.0f}",
    )


def round_trip_chrf(segment: Segment) -> Signal | None:
    """chrF (0-100) of the target translated to the source language and back, against itself;
    used when there is no source text."""
    if segment.source or not segment.target or segment.round_trip is None:
        return None
    value = _chrf(segment.round_trip, segment.target)
    return Signal(
        "round_trip_chrf", value, 1 - value / 100,
        f"round trip through {segment.src_lang} keeps chrF {value:.0f} of the text",
    )


def target_logprob(segment: Segment) -> Signal | None:
    """Mean log-probability per token of the target given the source (Seq-Logprob), with the
    weakest few tokens as the span to highlight."""
    scores = segment.target_scores
    if scores is None or not segment.target or not scores.logprobs:
        return None
    value = scores.mean
    span = _weakest_span(segment.target, scores)
    return Signal(
        "tgt_logprob", value, 1 - math.exp(value),
        f"the model finds this translation unlikely (mean log-probability {value:.2f} per token)",
        span,
    )


def source_logprob(segment: Segment) -> Signal | None:
    """Mean log-probability per token of the source given the target (reverse model)."""
    scores = segment.source_scores
    if scores is None or not segment.source or not scores.logprobs:
        return None
    value = scores.mean
    return Signal(
        "src_logprob", value, 1 - math.exp(value),
        f"the reverse model finds the source unlikely from this text (mean log-probability {value:.2f})",
    )


def _weakest_span(text: str, scores: TokenScores) -> tuple[int, int] | None:
    """Character span in ``text`` of the window of tokens with the lowest total log-probability.

    Sentencepiece pieces mark word starts with "▁"; they are located in the text in order, so
    the span is found without re-tokenising."""
    pieces = [piece for piece in scores.tokens if piece not in ("</s>", "<pad>")]
    logprobs = list(scores.logprobs[: len(pieces)])
    positions: list[tuple[int, int]] = []
    cursor = 0
    for piece in pieces:
        surface = piece.replace("▁", " ").strip()
        if not surface:
            positions.append((cursor, cursor))
            continue
        found = text.find(surface, cursor)
        if found < 0:
            match = re.search(re.escape(surface), text[cursor:], re.IGNORECASE)
            if match is None:
                return None
            found = cursor + match.start()
        positions.append((found, found + len(surface)))
        cursor = found + len(surface)
    if not positions:
        return None
    width = min(_WEAK_SPAN_TOKENS, len(positions))
    sums = [sum(logprobs[k : k + width]) for k in range(len(positions) - width + 1)]
    start = min(range(len(sums)), key=sums.__getitem__)
    return positions[start][0], positions[start + width - 1][1]


SPECS = (
    SignalSpec("bt_chrf", back_translation_chrf, "The back-translation differs from the source (chrF)", "feature",
               label="back-translation differs", needs=frozenset({"back_translation"})),
    SignalSpec("fwd_chrf", forward_translation_chrf,
               "The engine's translation of the source differs from the text (chrF)", "feature",
               label="differs from the engine's translation", needs=frozenset({"forward_translation"})),
    SignalSpec("round_trip_chrf", round_trip_chrf,
               "The text does not survive a round trip through the source language", "feature",
               label="lost in a round trip", needs=frozenset({"round_trip"})),
    SignalSpec("tgt_logprob", target_logprob, "The translation model finds this translation unlikely", "feature",
               label="unlikely translation", needs=frozenset({"target_scores"})),
    SignalSpec("src_logprob", source_logprob, "The reverse model finds the source unlikely from this text", "feature",
               label="unlikely source", needs=frozenset({"source_scores"})),
)
