"""Signals that read a sentence against the article before it."""

from __future__ import annotations

import qa
from qa.signals.base import Segment
from qa.signals.context import name_drift, repeats_previous
from qa.signals.size import source_length


def segment(target: str, preceding: list[str], source: str | None = None) -> Segment:
    return Segment(source, target, "es", "en", preceding_targets=tuple(preceding))


ARTICLE = [
    "The mayor spoke to reporters on Monday.",
    "The councillor said this is the third library of its kind in the province.",
]


def test_a_sentence_that_says_the_previous_one_again():
    signal = repeats_previous(segment("This new library is the third of its kind in the region.", ARTICLE))
    assert signal.garble > 0.5
    assert "library" in signal.explanation and "third" in signal.explanation
    assert signal.span is not None


def test_topic_words_and_names_do_not_count_as_repeats():
    preceding = ["The Segral basin is short of water.", "Reservoirs in the Segral basin hold little water."]
    assert repeats_previous(segment("Farmers in the Segral basin will get less water.", preceding)).garble == 0
    assert repeats_previous(segment("The mayor opened it.", [])) is None


def test_an_institution_renamed_since_its_first_mention():
    preceding = ["The Directorate General of National Security and Territorial Surveillance met in Rabat."]
    drifted = segment("The Directorate General of Homeland and Territorial Security Surveillance agreed.", preceding)
    signal = name_drift(drifted)
    assert signal.garble > 0.5 and "named differently" in signal.explanation
    same = segment("The Directorate General of National Security and Territorial Surveillance agreed.", preceding)
    assert name_drift(same).garble == 0
    shortened = segment("The Directorate General agreed.", preceding)
    assert name_drift(shortened).garble == 0


def test_source_length_needs_a_source():
    assert source_length(segment("Four words of text.", [])) is None
    signal = source_length(segment("Four words here.", [], source="Cuatro palabras aquí, sí."))
    assert signal.garble == 0 and signal.value > 1


def test_library_entry_points():
    results = qa.score_pairs([("El plan se aprobó.", "The plan was approved.")], src_lang="es", tgt_lang="en",
                             engine=None, cache=False)
    assert len(results) == 1 and not results[0].flagged
    assert callable(qa.check)
