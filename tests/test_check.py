"""The main job end to end: qa check on the brief's sample page and on the project's corpus, with
the real Apertium engine, and the command's formats and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from qa.corpus.model import Role
from qa.run import check

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpora"


def run_qa(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, env=dict(os.environ))


def _segments_by_text(report) -> dict[str, object]:
    return {" ".join(s.text for s in seg.target): seg for article in report.articles for seg in article.segments}


@pytest.fixture(scope="module")
def sample_report(request):
    import shutil

    from conftest import SAMPLE_PAGE, need

    need(SAMPLE_PAGE.is_file(), f"{SAMPLE_PAGE} is absent")
    need(shutil.which("apertium") is not None, "apertium is not installed")
    return check(str(SAMPLE_PAGE), engine="apertium")


def test_sample_page_flags_what_the_labels_say(sample_report, sample_labels):
    segments = _segments_by_text(sample_report)
    by_label: dict[str, list[str]] = {}
    for label in sample_labels:
        by_label.setdefault(label["label"], []).append(label["text"])

    for text in by_label["garbled"]:
        assert segments[text].result.severity == "error", (text, segments[text].result.reasons)
    mild_flagged = [t for t in by_label["mild"] if segments[t].result.flagged]
    assert len(mild_flagged) >= 2, [segments[t].result.score for t in by_label["mild"]]
    for text in by_label["ok"]:
        assert not segments[text].result.flagged, (text, segments[text].result.reasons)
    (headline,) = by_label["untranslated"]
    assert segments[headline].kind == "untranslated"
    assert segments[headline].result.flagged
    assert segments[headline].result.reasons[0].signal == "untranslated"
    # Page furniture, captions and bylines are not scored.
    for text in by_label["boilerplate"]:
        assert text not in segments
    assert all(seg.role.is_text for seg in segments.values())


def test_sample_page_exit_code_and_text_output(sample_page, apertium_available):
    result = run_qa("check", str(sample_page), "--engine", "apertium")
    assert result.returncode == 1, result.stderr
    assert "circular" in result.stdout.lower() or "repeat" in result.stdout.lower()
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith(tuple(f"{n} flagged" for n in range(5, 30)))
    assert "engine apertium" in summary and "thresholds" in summary
    assert f"{sample_page}:9:" in result.stdout  # each passage is quoted with its line


def _corpus_sentences(report):
    for article in report.articles:
        for segment in article.segments:
            for sentence in segment.target:
                yield article.path, sentence.text, segment


@pytest.fixture(scope="module")
def corpus_report():
    import shutil

    from conftest import need

    need(shutil.which("apertium") is not None, "apertium is not installed")
    return check(str(CORPUS), engine="apertium")


def _plain(text: str) -> str:
    """Label texts keep their Markdown; sentences are plain."""
    import re

    return re.sub(r"\*\*|\*|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", text)


def test_corpus_flags_every_garbled_passage_and_nothing_else(corpus_report):
    labels = yaml.safe_load((CORPUS / "labels.yaml").read_text(encoding="utf-8"))
    garbled = {(label["file"], label["text"]) for label in labels["garbled"]}
    seen_garbled = set()
    wrongly_flagged = []
    for path, text, segment in _corpus_sentences(corpus_report):
        key = (str(Path(path).relative_to(CORPUS)), text)
        if key in garbled:
            seen_garbled.add(key)
            assert segment.result.flagged, (text, segment.result.score, segment.result.reasons)
        elif segment.result.flagged:
            wrongly_flagged.append((text, segment.result.reasons))
    assert seen_garbled == garbled, garbled - seen_garbled
    assert wrongly_flagged == []


def test_corpus_aligns_sentence_for_sentence(corpus_report):
    kinds = [segment.kind for article in corpus_report.articles for segment in article.segments]
    assert set(kinds) == {"1-1"}, sorted(set(kinds))


def test_engine_none_runs_the_model_free_checks(tmp_path):
    source = tmp_path / "nota.es.md"
    target = tmp_path / "nota.en.md"
    source.write_text("---\ntitle: Acuerdo de seguridad\nlang: es\n---\n\nAmbas partes estudiarán la cooperación.\n",
                      encoding="utf-8")
    target.write_text("---\ntitle: Security agreement\nlang: en\n---\n\n"
                      "Both sides will consider cooperation on both sides.\n", encoding="utf-8")
    result = run_qa("check", str(tmp_path), "--engine", "none", "--format", "json", "--fail-on", "warning")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["signature"]["engine"]["engine"] == "none"
    (article,) = document["articles"]
    flagged = [s for s in article["segments"] if s["flagged"]]
    assert [s["text"] for s in flagged] == ["Both sides will consider cooperation on both sides."]
    assert flagged[0]["source"] == "Ambas partes estudiarán la cooperación."
    assert flagged[0]["line"] == 6
    assert any(r["signal"] == "repetition" for r in flagged[0]["reasons"])


def test_fail_on_never_and_jsonl(tmp_path):
    page = tmp_path / "page.en.txt"
    page.write_text("A headline for the page\n\nBoth sides will consider cooperation on both sides.\n",
                    encoding="utf-8")
    result = run_qa("check", str(page), "--engine", "none", "--format", "jsonl", "--fail-on", "never")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert "signature" in lines[0]
    assert [line["text"] for line in lines[1:]] == ["A headline for the page",
                                                     "Both sides will consider cooperation on both sides."]


def test_bad_input_gives_exit_code_2_and_still_checks_the_rest(tmp_path):
    (tmp_path / "broken.md").write_bytes(b"\xff\xfe\x00binary")
    good = tmp_path / "good.en.txt"
    good.write_text("Headline\n\nThe plan was approved on Tuesday.\n", encoding="utf-8")
    result = run_qa("check", str(tmp_path / "broken.md"), str(good), "--engine", "none")
    assert result.returncode == 2
    assert "broken.md" in result.stderr and "Traceback" not in result.stderr
    assert "2 segments checked" in result.stdout


def test_marian_engine_adds_log_probabilities(tiny_marian, tmp_path):
    # Sentence pairs are prealigned: a random-weight model's translations cannot align articles.
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("El perro come pan.\tThe dog eats bread.\nLa casa es grande.\tThe house is big.\n",
                     encoding="utf-8")
    result = run_qa(
        "check", str(pairs), "--engine", "marian", "--format", "json", "--fail-on", "never",
        "--model", f"es-en={tiny_marian[('es', 'en')]}", "--model", f"en-es={tiny_marian[('en', 'es')]}",
        "--cache", str(tmp_path / "cache.sqlite3"),
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["signature"]["engine"]["engine"] == "marian"
    segments = document["articles"][0]["segments"]
    assert [s["text"] for s in segments] == ["The dog eats bread.", "The house is big."]
    assert [s["source"] for s in segments] == ["El perro come pan.", "La casa es grande."]
    for segment in segments:
        assert segment["signals"]["tgt_logprob"] < 0 and segment["signals"]["src_logprob"] < 0
        assert "bt_chrf" in segment["signals"] and "fwd_chrf" in segment["signals"]


@pytest.mark.parametrize("engine", ["marian", "ct2"])
def test_a_sentence_too_long_to_score_is_checked_without_its_score(tiny_marian, tmp_path, engine):
    long_es = " ".join(["El ayuntamiento aprobó ayer el presupuesto del año próximo."] * 10)
    long_en = " ".join(["The council approved next year's budget yesterday."] * 10)
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(f"El perro come pan.\tThe dog eats bread.\n{long_es}\t{long_en}\n", encoding="utf-8")
    command = [
        "check", str(pairs), "--engine", engine, "--format", "json", "--fail-on", "never",
        "--model", f"es-en={tiny_marian[('es', 'en')]}", "--model", f"en-es={tiny_marian[('en', 'es')]}",
        "--cache", str(tmp_path / "cache.sqlite3"),
    ]
    first = run_qa(*command)
    assert first.returncode == 0, first.stderr
    assert "longer than the 64 tokens the model accepts were not scored" in first.stderr
    segments = json.loads(first.stdout)["articles"][0]["segments"]
    assert "tgt_logprob" in segments[0]["signals"] and "tgt_logprob" not in segments[1]["signals"]
    assert "bt_chrf" in segments[1]["signals"]
    # The unscorable pair is remembered: the second run takes everything from the cache.
    second = run_qa(*command)
    assert second.stdout == first.stdout
    assert "0 computed" in second.stderr


def test_roles_of_scored_segments_are_text_roles(tmp_path):
    report = check(str(CORPUS / "es" / "vacuna-nasal-vrs.md"), str(CORPUS / "en" / "vacuna-nasal-vrs.md"),
                   engine=None)
    roles = {segment.role for article in report.articles for segment in article.segments}
    assert roles <= {Role.HEADLINE, Role.SUBTITLE, Role.BODY}
    assert Role.HEADLINE in roles
