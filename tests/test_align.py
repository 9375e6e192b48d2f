"""Sentence alignment: small cases with known answers, and recovery of true links on real news
articles whose English side was merged, split, dropped and padded at random."""

from __future__ import annotations

import json
import random
import shutil

import pytest
from conftest import EVAL, need

from qa.align import Link, align_sentences, pair_adjacent_gaps

SOURCES = [
    "El Gobierno aprobó el martes un plan de 14 millones de euros.",
    "La oposición votó en contra.",
    "El ministro García defendió la medida ante el Congreso.",
    "Las obras empezarán en marzo de 2025.",
]
TARGETS = [
    "The government approved a 14 million euro plan on Tuesday.",
    "The opposition voted against it.",
    "Minister García defended the measure before Congress.",
    "Work will begin in March 2025.",
]


def links_of(links: list[Link]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(link.src, link.tgt) for link in links]


def test_one_to_one_without_any_translation():
    assert links_of(align_sentences(SOURCES, TARGETS)) == [((i,), (i,)) for i in range(4)]


def test_merge_split_drop_and_insert():
    targets = [
        TARGETS[0] + " " + TARGETS[1],  # 2-1
        "Minister García defended the measure",  # 1-2
        "before Congress.",
        "Football fans celebrated late into the night.",  # 0-1
    ]  # SOURCES[3] dropped: 1-0
    links = links_of(align_sentences(SOURCES, targets))
    assert links == [((0, 1), (0,)), ((2,), (1, 2)), ((), (3,)), ((3,), ())]


def test_every_sentence_is_aligned_exactly_once():
    links = align_sentences(SOURCES[:3], TARGETS[1:])
    assert sorted(i for link in links for i in link.src) == [0, 1, 2]
    assert sorted(j for link in links for j in link.tgt) == [0, 1, 2]


def test_empty_sides():
    assert links_of(align_sentences([], TARGETS[:2])) == [((), (0,)), ((), (1,))]
    assert links_of(align_sentences(SOURCES[:1], [])) == [((0,), ())]
    assert align_sentences([], []) == []


def test_translations_must_match_in_number():
    with pytest.raises(ValueError):
        align_sentences(SOURCES, TARGETS, back_translations=TARGETS[:2])


def test_adjacent_gaps_pair_up():
    links = [Link((0,), (0,), 0.9), Link((1,), (), 0.0), Link((), (1,), 0.0), Link((2,), (2,), 0.8)]
    assert links_of(pair_adjacent_gaps(links)) == [((0,), (0,)), ((1,), (1,)), ((2,), (2,))]


def perturb(targets: list[str], pool: list[str], rng: random.Random, rate: float = 0.1):
    """Merge, split, drop and insert target sentences; return them with the true links."""
    out: list[str] = []
    links: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    i = 0
    while i < len(targets):
        r = rng.random()
        if r < rate and i + 1 < len(targets):
            links.append(((i, i + 1), (len(out),)))
            out.append(targets[i] + " " + targets[i + 1])
            i += 2
            continue
        words = targets[i].split()
        if r < 2 * rate and len(words) > 8:
            half = len(words) // 2
            links.append(((i,), (len(out), len(out) + 1)))
            out += [" ".join(words[:half]), " ".join(words[half:])]
            i += 1
            continue
        if r < 3 * rate:
            links.append(((i,), ()))
            i += 1
            continue
        if r < 4 * rate:
            links.append(((), (len(out),)))
            out.append(rng.choice(pool))
        links.append(((i,), (len(out),)))
        out.append(targets[i])
        i += 1
    return out, links


@pytest.mark.eval
def test_recovers_95_percent_of_true_links_on_newstest2013():
    path = EVAL / "newstest2013-articles.jsonl"
    need(path.is_file(), f"{path} is absent")
    need(shutil.which("apertium") is not None, "apertium is not installed")
    from qa.translate.apertium import ApertiumEngine

    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    rng = random.Random(0)
    pool = [s for record in reversed(records) for paragraph in record["en"]["paragraphs"] for s in paragraph]
    engine = ApertiumEngine()
    found = total = 0
    for record in records:
        sources = [s for paragraph in record["es"]["paragraphs"] for s in paragraph]
        targets = [s for paragraph in record["en"]["paragraphs"] for s in paragraph]
        perturbed, truth = perturb(targets, pool, rng)
        back = engine.translate(perturbed, "en", "es")
        predicted = set(links_of(align_sentences(sources, perturbed, back)))
        found += len(predicted & set(truth))
        total += len(truth)
    recall = found / total
    print(f"alignment recall on newstest2013 (perturbed English side): {recall:.4f} of {total} links")
    assert recall >= 0.95
