"""The size of a segment: not evidence of a garble by itself, but longer sentences have more room
for one, which the fitted model weighs in with the other evidence."""

from __future__ import annotations

import math

from qa.signals.base import Segment, Signal, SignalSpec


def source_length(segment: Segment) -> Signal | None:
    """log(1 + number of words) of the source; None without a source (it only qualifies the
    comparison of a translation with its source)."""
    text = segment.source
    if not text or not segment.target:
        return None
    words = len(text.split())
    return Signal("source_length", math.log1p(words), 0.0, f"{words} words")


SPECS = (
    SignalSpec("source_length", source_length,
               "A long source sentence, which leaves more room for a garble", "feature", label="long sentence"),
)
