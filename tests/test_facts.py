"""Facts against the source, end to end: made-up Markdown article pairs through qa.check with
Apertium, one fact changed (or rightly kept) in the middle sentence. Each changed fact is one of
issue 27's examples; each kept one is its counterpart that must raise nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

import qa
from qa.results import Report

SPANISH = """---
title: El pleno aprueba el presupuesto municipal
lang: es
---

El pleno del ayuntamiento de Valdeoro aprobó ayer el presupuesto para el próximo año.

{fact}

La oposición anunció que recurrirá la decisión ante los tribunales.
"""
ENGLISH = """---
title: The council approves the municipal budget
lang: en
---

The Valdeoro council approved the budget for next year yesterday.

{fact}

The opposition announced that it will challenge the decision in court.
"""


def check(tmp_path: Path, spanish: str, english: str) -> Report:
    source, target = tmp_path / "nota.es.md", tmp_path / "nota.en.md"
    source.write_text(SPANISH.format(fact=spanish), encoding="utf-8")
    target.write_text(ENGLISH.format(fact=english), encoding="utf-8")
    return qa.check(str(source), str(target), engine="apertium", cache=False)


def flags_on(report: Report, sentence: str) -> list:
    """The verdicts of the flagged segments holding ``sentence``."""
    return [
        segment.result
        for _, segment in report.flagged
        if any(target.text == sentence for target in segment.target)
    ]


@pytest.mark.parametrize(
    ("spanish", "english", "signal", "severity", "explanation"),
    [
        (
            "La portavoz del grupo municipal, Clara Martín, explicó la propuesta en rueda de prensa.",
            "The spokeswoman of the municipal group, Clara Ruiz, explained the proposal at a press conference.",
            "changed_name", "error", "the source's 'Clara Martín' is 'Clara Ruiz' in the translation",
        ),
        (
            "La votación definitiva se celebrará el miércoles en el salón de plenos.",
            "The final vote will take place on Thursday in the council chamber.",
            "dates", "error", "the source says 'miércoles' (Wednesday) but the translation says 'Thursday'",
        ),
        (
            "El grupo socialista no presentó enmiendas al proyecto de presupuesto.",
            "The socialist group presented several amendments to the budget bill.",
            "negation", "warning",
            "the source is negated (the engine says 'not present') but the translation says 'presented' without a negation",
        ),
        (
            "Los partidos se reunieron en el polideportivo municipal para debatir el plan.",
            "The parties met at the municipal sports centre, in the sports centre, to discuss the plan.",
            "repetition", "warning", "'sports centre' appears twice",
        ),
        (
            "El presupuesto incluye 23 nuevas plazas de policía local.",
            "The budget includes 32 new local police posts.",
            "numbers", "error", "the source has 23 but the translation has 32",
        ),
    ],
)
def test_a_changed_fact_is_flagged(tmp_path, apertium_available, spanish, english, signal, severity, explanation):
    (verdict,) = flags_on(check(tmp_path, spanish, english), english)
    assert verdict.severity == severity
    assert verdict.reasons[0].signal == signal
    assert verdict.reasons[0].explanation == explanation


@pytest.mark.parametrize(
    ("spanish", "english"),
    [
        (
            "La portavoz del grupo municipal, Clara Martín, explicó la propuesta en rueda de prensa.",
            "The spokeswoman of the municipal group, Clara Martín, explained the proposal at a press conference.",
        ),
        (
            "La votación definitiva se celebrará el miércoles en el salón de plenos.",
            "The final vote will take place on Wednesday in the council chamber.",
        ),
        (
            "El grupo socialista no presentó enmiendas al proyecto de presupuesto.",
            "The socialist group submitted no amendments to the budget bill.",
        ),
        (
            "Los partidos se reunieron en el polideportivo municipal para debatir el plan.",
            "The parties met at the municipal sports centre to discuss the plan.",
        ),
        ("El presupuesto incluye 23 nuevas plazas de policía local.", "The budget includes 23 new local police posts."),
        (
            "La sesión comenzó a las 23.30 y terminó de madrugada.",
            "The session began at 11:30 p.m. and ended in the early hours.",
        ),
        ("La sesión comenzó a las 23.30 y terminó de madrugada.", "The session began at 23.30 and ended in the early hours."),
        ("La sesión comenzó a las 8.15 horas en el salón de plenos.", "The session began at 8:15 in the council chamber."),
        ("La sesión comenzó a las 8.15 horas en el salón de plenos.", "The session began at 8.15 in the council chamber."),
        (
            "La sesión comenzó a las 8 y media en el salón de plenos.",
            "The session began at half past eight in the council chamber.",
        ),
    ],
)
def test_a_fact_kept_or_rightly_reworded_raises_nothing(tmp_path, apertium_available, spanish, english):
    report = check(tmp_path, spanish, english)
    assert flags_on(report, english) == []
    # Nor anywhere else: in particular no "the source has 23.30 but the translation has 23.30".
    assert report.flagged == []
