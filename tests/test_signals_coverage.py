"""truncated and unrelated: a translation that stops short, or says something else."""

from __future__ import annotations

from qa.signals.base import Segment, Signal
from qa.signals.coverage import truncated, unrelated, unrelated_bar

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


def test_the_unrelated_bar_rises_with_the_source_length():
    # A faithful translation of a long sentence shares more with the engine's than a short one;
    # an unrelated one does not, so a long sentence must agree better to count as related.
    assert unrelated_bar(8) < unrelated_bar(12) < unrelated_bar(40)
    short_source = "El ayuntamiento aprobó el domingo un plan para las calles."
    long_source = ("El ayuntamiento aprobó el domingo por la tarde, tras un largo debate entre los grupos de la "
                   "oposición y el gobierno municipal, un plan para renovar las calles del centro histórico.")
    target = "Firefighters on Sunday rescued a dog that had been trapped for two days in a well near the river."
    back = "Unos bomberos rescataron a un perro atrapado dos días en un pozo junto al río."
    # The same forward agreement, chrF 25, says "related" for 10 words and "unrelated" for 30.
    forward = "The council approved on Sunday a plan to renovate the old streets of the centre."
    def verdict(source: str) -> Signal | None:
        return unrelated(Segment(source, target, "es", "en", back_translation=back, forward_translation=forward))
    short, long = verdict(short_source), verdict(long_source)
    assert short is not None and long is not None
    assert short.value == long.value
    assert unrelated_bar(10) < long.value < unrelated_bar(30)
    assert (short.garble, long.garble) == (0, 0.6)
