"""Signals computed ahead while the engine scores (qa.signals.ahead): a segment's signals are the
same whether they were computed ahead, in part, or not at all, and a run that scores computes
them ahead. The engine is the real marian engine on the tiny test model."""

from __future__ import annotations

import pytest

from qa.score import add_translations, score_pairs
from qa.signals import Segment, compute_signals
from qa.signals.ahead import SignalsAhead, score_reading, unscored
from qa.translate.base import TokenScores
from qa.translate.marian import MarianEngine
from qa.translate.options import EngineOptions

pytestmark = pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")

PAIRS = [
    ("El Banco Central Europeo subió los tipos el martes.", "The European Central Bank raised rates on Tuesday."),
    ("El Ministerio del Interior no confirmó las 12 detenciones.", "The Ministry of the Interior confirmed the 12 arrests."),
    ("Pedro Sánchez viajará a Bruselas el jueves.", "Pedro Sanchez will travel to Brussels on Wednesday."),
    ("La huelga afectará a 300.000 pasajeros.", "The strike will affect 300,000 passengers."),
]


def scored(source: str, target: str, low: float) -> Segment:
    """A segment with its translations and made-up forced-decoding scores."""
    tokens = (*target.split(), "</s>")
    return Segment(
        source, target, "es", "en", back_translation=source, forward_translation=target,
        target_scores=TokenScores(tokens, tuple(low / (k + 1) for k in range(len(tokens)))),
        source_scores=TokenScores(("▁a", "</s>"), (low, -0.5)),
    )


@pytest.fixture(scope="module")
def marian(tiny_marian):
    engine = MarianEngine(EngineOptions(models={"es-en": str(tiny_marian[("es", "en")]),
                                                "en-es": str(tiny_marian[("en", "es")])}, threads=1))
    yield engine
    engine.close()


def test_only_the_logprob_signals_read_scores():
    assert score_reading() == {"tgt_logprob", "src_logprob"}


def test_signals_computed_ahead_are_those_computed_at_once():
    segments = [scored(source, target, low) for (source, target), low in zip(PAIRS * 3, range(-1, -13, -1))]
    ahead = SignalsAhead()
    ahead.start(segments)
    assert ahead._thread is not None
    ahead._thread.join()  # let it reach every segment
    ahead.stop()
    for segment in segments:
        together = compute_signals(segment)
        assert ahead.completed(segment) == together
        assert list(ahead.completed(segment) or ()) == list(together)  # in the registry's order
        assert {"tgt_logprob", "src_logprob"} <= set(together)
    # Scores differ between these segments, the texts repeat: the signals that read no score are
    # shared, the logprob ones are each segment's own.
    first, fifth = ahead.completed(segments[0]), ahead.completed(segments[4])
    assert first is not None and fifth is not None and first["tgt_logprob"] != fifth["tgt_logprob"]


def test_stopped_at_once_it_keeps_what_it_reached_and_says_what_it_did_not():
    segments = [scored(f"{source} ({n})", f"{target} ({n})", -2.0) for n in range(40) for source, target in PAIRS]
    ahead = SignalsAhead()
    ahead.start(segments)
    ahead.stop()
    reached = [segment for segment in segments if ahead.completed(segment) is not None]
    assert len(reached) == len(ahead._done) < len(segments)
    assert [ahead.completed(segment) for segment in reached] == [compute_signals(segment) for segment in reached]
    assert unscored(segments[0]).target_scores is None and unscored(segments[0]).source == segments[0].source


def test_score_pairs_computes_ahead_what_it_would_compute_after(marian, monkeypatch):
    started = []
    start = SignalsAhead.start
    monkeypatch.setattr(SignalsAhead, "start", lambda self, segments: (started.append(len(segments)),
                                                                        start(self, segments))[1])
    results = score_pairs(PAIRS, src_lang="es", tgt_lang="en", engine=marian)
    assert started == [len(PAIRS)]
    segments = add_translations([Segment(s, t, "es", "en") for s, t in PAIRS], marian)
    assert [result.signals for result in results] == [
        compute_signals(segment) for segment in segments]


def test_pairs_are_scored_before_their_translations_are_read(marian, monkeypatch):
    """qa score knows each pair before translating it, so both scoring directions are asked for
    before any translation is read: an engine that runs beside qa scores in the direction that
    has finished translating while the other still translates."""
    asked: list[str] = []
    score_chunks, translate = MarianEngine.score_chunks, MarianEngine.translate

    def scoring(self, chunks, src, tgt):
        asked.append(f"score {src}-{tgt}")
        return score_chunks(self, chunks, src, tgt)

    def translating(self, texts, src, tgt):
        asked.append(f"translate {src}-{tgt}")
        return translate(self, texts, src, tgt)

    monkeypatch.setattr(MarianEngine, "score_chunks", scoring)
    monkeypatch.setattr(MarianEngine, "translate", translating)
    results = score_pairs(PAIRS, src_lang="es", tgt_lang="en", engine=marian)
    assert asked[:2] == ["score es-en", "score en-es"]
    assert sorted(asked[2:]) == ["translate en-es", "translate es-en"]
    assert all(result.signals["tgt_logprob"] for result in results)
