"""Whether the translation covers what its source says, no less and nothing else: a sentence cut
off before its end, and a sentence that says something else altogether (one from another
article, a hallucination)."""

from __future__ import annotations

import math
import re

from qa.signals.agreement import invariants_signal
from qa.signals.base import Segment, Signal, SignalSpec
from qa.signals.intrinsic import length_ratio
from qa.signals.translation import back_translation_chrf, forward_translation_chrf

# A sentence ends with one of these, perhaps inside quotes or brackets.
_ENDED = re.compile(r"[.!?…:;\"'»”’)\]]\s*$")
# A translation shorter than expected by this much (log ratio) that stops without the source's
# full stop was cut off; on WMT newstest no clean translation does both.
CUT_SHORTFALL = -0.3
# Shorter than this, without the cue, it is a hint only.
SHORT_SHORTFALL = -0.55
# The engine's translations of an unrelated sentence agree with it at chrF 16 (median) and a
# faithful human one at 45. A longer faithful sentence agrees better, while an unrelated one stays
# near 16-22 whatever its length, so the bar rises with the source's length: UNRELATED_CHRF at
# UNRELATED_PIVOT_WORDS, 7 more (UNRELATED_CHRF_SLOPE × ln 2) per doubling. Chosen on WMT
# newstest 2012-13 (Apertium): 0.35% of clean sentences flagged by it, 87% of planted ones found; a
# flat bar of 20 flagged 0.4% and found 85%.
UNRELATED_CHRF = 17
UNRELATED_CHRF_SLOPE = 10
UNRELATED_PIVOT_WORDS = 12
# Below this, invariants (figures, names, marks) that disagree settle it.
UNRELATED_CHRF_WITHOUT_INVARIANTS = 25
UNRELATED_INVARIANTS = 30
# Sentences this short say too little for chrF to tell.
UNRELATED_MIN_WORDS = 8


def truncated(segment: Segment) -> Signal | None:
    """A translation that stops short: far shorter than expected, and without the final mark the
    source ends with ("The plan will have an initial").

    ``value`` is the length shortfall (log ratio, as ``length_ratio``); ``garble`` is 0.9 when the
    final mark is missing too, 0.5 when only far shorter, 0 otherwise and for a headline. None
    without a source.
    """
    length = length_ratio(segment)
    if length is None or segment.source is None or segment.target is None:  # length_ratio needs both
        return None
    if segment.heading:  # headlines are short and end without a mark in one language or both
        return Signal("truncated", length.value, 0.0, "a headline is not checked for being cut off")
    cut = bool(_ENDED.search(segment.source)) and not _ENDED.search(segment.target)
    if cut and length.value <= CUT_SHORTFALL:
        return Signal("truncated", length.value, 0.9,
                      f"the translation stops short: {length.explanation} and it lacks the source's final mark")
    if length.value <= SHORT_SHORTFALL:
        return Signal("truncated", length.value, 0.5, f"the translation may stop short: {length.explanation}")
    return Signal("truncated", length.value, 0.0, "the translation is as long as its source")


def unrelated_bar(source_words: int) -> float:
    """The chrF below which a translation of a source this many words long says something else."""
    return UNRELATED_CHRF + UNRELATED_CHRF_SLOPE * math.log(source_words / UNRELATED_PIVOT_WORDS)


def unrelated(segment: Segment) -> Signal | None:
    """A translation that says something else than its source: the engine's translations agree
    with it in neither direction, and the figures, names and marks do not agree either.

    ``value`` is the better of back- and forward-translation chrF; ``garble`` is 0.6 when it is
    below ``unrelated_bar`` for the source's length, or below UNRELATED_CHRF_WITHOUT_INVARIANTS
    with invariants agreeing under UNRELATED_INVARIANTS%; 0 for a headline. None without both
    translations or for a short source.
    """
    back, forward = back_translation_chrf(segment), forward_translation_chrf(segment)
    if back is None or forward is None or segment.source is None:  # None without a source
        return None
    words = len(segment.source.split())
    if words < UNRELATED_MIN_WORDS:
        return None
    if segment.heading:  # a headline is rewritten for the reader more often than translated
        return Signal("unrelated", max(back.value, forward.value), 0.0, "a headline may be worded freely")
    best = max(back.value, forward.value)
    invariants = invariants_signal(segment)
    bar = unrelated_bar(words)
    apart = best < bar or (
        best < UNRELATED_CHRF_WITHOUT_INVARIANTS and invariants is not None and invariants.value < UNRELATED_INVARIANTS
    )
    if not apart:
        return Signal("unrelated", best, 0.0, f"the engine's translations agree with the text at chrF {best:.0f}")
    return Signal("unrelated", best, 0.6,
                  f"the text may say something else than its source: the engine's translations agree with it "
                  f"at chrF {best:.0f} at best")


SPECS = (
    SignalSpec("truncated", truncated, "A translation that stops short of its source's end", "check", label="cut short"),
    SignalSpec("unrelated", unrelated, "A translation that says something else than its source", "check",
               label="unrelated to the source", needs=frozenset({"back_translation", "forward_translation"})),
)
