"""The invariants signal: figures, names and shaping marks that a translation carries unchanged."""

from __future__ import annotations

from qa.signals import registry
from qa.signals.agreement import invariants, invariants_signal
from qa.signals.base import Segment


def pair(source: str, target: str, src: str = "es", tgt: str = "en") -> Segment:
    return Segment(source=source, target=target, src_lang=src, tgt_lang=tgt)


def test_figures_agree_across_decimal_conventions():
    assert invariants("Costó 1.500 euros, un 3,5 % más.", "es") == invariants("It cost 1,500 euros, 3.5% more.", "en")


def test_a_faithful_translation_agrees_and_an_unrelated_one_does_not():
    source = "¿Vendrá Ana Torres a Lisboa el 12 de mayo?"
    faithful = invariants_signal(pair(source, "Will Ana Torres come to Lisbon on 12 May?"))
    unrelated = invariants_signal(pair(source, "The council approved the budget yesterday."))
    assert faithful.value > 70 > unrelated.value
    assert faithful.garble < unrelated.garble
    assert "differing" not in faithful.explanation
    assert unrelated.explanation.endswith("(differing: 1 figure, 1 mark, 3 names)")


def test_nothing_to_compare_gives_no_signal():
    assert invariants_signal(pair("Hace calor.", "It is hot.")) is None
    assert invariants_signal(pair(None, "It is hot in Madrid today, 40 degrees.")) is None
    assert "invariants" in registry()


def test_any_language_pair():
    signal = invariants_signal(pair("La réunion à Berlin a coûté 20 000 euros (selon Paul Roux).",
                                    "La reunión en Berlín costó 20 000 euros (según Paul Roux).", "fr", "es"))
    assert signal.value == 100
