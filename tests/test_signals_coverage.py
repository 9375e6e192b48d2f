"""truncated and unrelated: a translation that stops short, or says something else."""

from __future__ import annotations

from qa.signals.base import Segment
from qa.signals.coverage import truncated, unrelated

SOURCE = "El plan contará con un presupuesto inicial de catorce millones de euros, según el ministerio."


def test_a_sentence_cut_off_is_an_error_and_a_whole_one_is_not():
    assert truncated(Segment(SOURCE, "The plan will have an initial budget", "es", "en")).garble == 0.9
    whole = "The plan will have an initial budget of fourteen million euros, according to the ministry."
    assert truncated(Segment(SOURCE, whole, "es", "en")).garble == 0
    # Far shorter but ended: a hint; a headline is never taken for a cut-off sentence.
    assert truncated(Segment(SOURCE, "The plan has a budget.", "es", "en")).garble == 0.5
    heading = Segment(SOURCE, "The plan will have an initial budget", "es", "en", heading=True)
    assert truncated(heading).garble == 0
    assert truncated(Segment(None, "The plan", "es", "en")) is None


def test_a_sentence_from_elsewhere_is_unrelated():
    target = "Firefighters rescued a dog trapped in a well near the river on Sunday."
    segment = Segment(SOURCE, target, "es", "en",
                      back_translation="Los bomberos rescataron a un perro atrapado en un pozo cerca del río el domingo.",
                      forward_translation="The plan will have an initial budget of 14 million euros, according to the ministry.")
    assert unrelated(segment).garble == 0.6
    faithful = Segment(SOURCE, "The plan will have an initial budget of 14 million euros, the ministry said.", "es", "en",
                       back_translation="El plan tendrá un presupuesto inicial de 14 millones de euros, dijo el ministerio.",
                       forward_translation="The plan will have an initial budget of 14 million euros, according to the ministry.")
    assert unrelated(faithful).garble == 0
    assert unrelated(Segment(SOURCE, target, "es", "en")) is None  # no engine, no judgement
    assert unrelated(Segment(SOURCE, target, "es", "en", back_translation=segment.back_translation,
                             forward_translation=segment.forward_translation, heading=True)).garble == 0
