"""Accepted flags: fingerprints, the baseline file, applying it, and inline ignore markers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import qa
from qa.baseline import (
    Baseline,
    BaselineEntry,
    apply_baseline,
    baseline_to_json,
    build_baseline,
    clear_flags,
    fingerprint,
    inline_ignored_spans,
    is_inline_ignored,
    read_baseline,
    write_baseline,
)
from qa.corpus import read_paths
from qa.errors import InputError
from qa.pipeline import check_corpus
from qa.results import Accepted

REPEATED = "Both sides will consider cooperation on both sides."
CIRCULAR = "The United States General Department for the United States met on Monday."


def article(title: str, key: str, paragraphs: list[str]) -> str:
    return f"---\ntitle: {title}\ntranslationKey: {key}\n---\n\n" + "\n\n".join(paragraphs) + "\n"


def write_pair(folder: Path, slug: str, es: list[str], en: list[str]) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"{slug}.es.md"
    target = folder / f"{slug}.en.md"
    source.write_text(article("Acuerdo de cooperación", slug, es), encoding="utf-8")
    target.write_text(article("Cooperation agreement", slug, en), encoding="utf-8")
    return source, target


ES = ["Ambas partes estudiarán la cooperación.", "El ministro llegó el lunes a Rabat."]
EN = [REPEATED, "The minister arrived in Rabat on Monday."]


def check(*paths):
    return qa.check(*map(str, paths), engine=None)


def only_flag(report):
    assert len(report.flagged) == 1, report.flagged
    return report.flagged[0]


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fingerprint_of(root: Path, es: list[str], en: list[str], slug: str = "acuerdo") -> tuple[str, int]:
    """The fingerprint and line of the one flag of a pair written to ``root/content``."""
    for old in (root / "content").glob("*.md"):
        old.unlink()
    write_pair(root / "content", slug, es, en)
    _, segment = only_flag(check(root / "content"))
    assert segment.result.reasons[0].signal == "repetition"
    return fingerprint(f"content/{slug}.en.md", segment), segment.line


def test_fingerprint_is_stable_when_a_paragraph_is_inserted_above(root):
    before, line_before = fingerprint_of(root, ES, EN)
    after, line_after = fingerprint_of(
        root,
        ["Las conversaciones empezaron el 12 de marzo en Madrid.", *ES],
        ["The talks began on 12 March in Madrid.", *EN],
    )
    assert line_after == line_before + 2
    assert after == before


def test_fingerprint_is_stable_when_other_text_or_wrapping_changes(root):
    before, _ = fingerprint_of(root, ES, EN)
    reworded_elsewhere, _ = fingerprint_of(
        root, [ES[0], "La ministra llegó el martes a Rabat."], [EN[0], "The minister arrived in Rabat on Tuesday."]
    )
    rewrapped, _ = fingerprint_of(root, ES, ["Both  sides will consider\ncooperation on BOTH sides.", EN[1]])
    assert reworded_elsewhere == before
    assert rewrapped == before


def test_fingerprint_differs_for_another_passage_or_article(root):
    first, _ = fingerprint_of(root, ES, EN)
    other, _ = fingerprint_of(
        root, ["Ambos países reforzarán su seguridad.", ES[1]],
        ["Both countries will strengthen the security of both countries.", EN[1]],
    )
    elsewhere, _ = fingerprint_of(root, ES, EN, slug="otra")
    assert len({first, other, elsewhere}) == 3
    assert len(first) == 64 and int(first, 16) >= 0


def corpus_with_two_flags(root: Path) -> Path:
    write_pair(root / "content", "b-acuerdo", ES, EN)
    write_pair(root / "content", "a-reunion", ["La Dirección General de Estados Unidos se reunió el lunes."], [CIRCULAR])
    return root / "content"


def test_baseline_is_sorted_and_byte_identical_when_rebuilt(root):
    content = corpus_with_two_flags(root)
    report = check(content)
    assert len(report.flagged) == 2
    path = root / ".qa-baseline.json"
    write_baseline(build_baseline(report, root), path)
    first = path.read_bytes()
    write_baseline(build_baseline(check(content), root), path)
    assert path.read_bytes() == first
    document = json.loads(first)
    assert document["version"] == 1
    keys = [(e["path"], e["fingerprint"]) for e in document["entries"]]
    assert keys == sorted(keys)
    assert [e["path"] for e in document["entries"]] == ["content/a-reunion.en.md", "content/b-acuerdo.en.md"]
    assert document["entries"][1]["signal"] == "repetition"
    assert document["entries"][1]["excerpt"] == REPEATED
    assert first.decode().count("\n") > 2 * len(keys)  # indented: a diff shows the entry that changed
    assert [p.name for p in root.iterdir() if p.name.startswith(".qa-baseline")] == [".qa-baseline.json"]
    assert read_baseline(path) == build_baseline(report, root)


def test_unwritable_baseline_is_one_line(root):
    with pytest.raises(InputError, match="cannot write baseline"):
        write_baseline(Baseline(), root / "missing-folder" / "baseline.json")
    assert not (root / "missing-folder").exists()


def test_entries_are_written_sorted_whatever_their_order(root):
    entries = (BaselineEntry("b.md", "01", "x", "error", "t"), BaselineEntry("a.md", "ff", "x", "error", "t"),
               BaselineEntry("a.md", "0a", "x", "info", "t"))
    paths = [(e["path"], e["fingerprint"]) for e in json.loads(baseline_to_json(Baseline(entries)))["entries"]]
    assert paths == [("a.md", "0a"), ("a.md", "ff"), ("b.md", "01")]


def test_applying_the_baseline_accepts_its_flags(root):
    content = corpus_with_two_flags(root)
    report = check(content)
    baseline = build_baseline(report, root)
    outcome = apply_baseline(report, baseline, root, name="main:.qa-baseline.json")
    assert len(outcome.accepted) == 2 and outcome.stale == ()
    assert outcome.report.flagged == [] and outcome.report.return_code("info") == 0
    assert [s.accepted for _, s in outcome.report.accepted] == [Accepted("baseline", "error", "main:.qa-baseline.json")] * 2
    assert report.accepted == []
    assert report.return_code("error") == 1  # the original report is untouched
    segments = [s for a in outcome.report.articles for s in a.segments]
    assert sum(s.result.score >= 0.8 for s in segments) == 2  # scores stay for the JSON outputs


def test_a_new_flag_is_still_reported(root):
    content = corpus_with_two_flags(root)
    baseline = build_baseline(check(content), root)
    write_pair(content, "c-nueva", ["Ambos países reforzarán su seguridad."],
               ["Both countries will strengthen the security of both countries."])
    outcome = apply_baseline(check(content), baseline, root)
    assert [a.path for a, _ in outcome.report.flagged] == [str(content / "c-nueva.en.md")]


def test_stale_entries_are_those_whose_passage_was_fixed(root):
    content = corpus_with_two_flags(root)
    baseline = build_baseline(check(content), root)
    write_pair(content, "b-acuerdo", ES, ["Both sides will consider cooperation.", EN[1]])
    outcome = apply_baseline(check(content), baseline, root)
    assert [entry.path for entry in outcome.stale] == ["content/b-acuerdo.en.md"]
    assert len(outcome.accepted) == 1


def test_entries_of_articles_not_checked_are_not_stale(root):
    content = corpus_with_two_flags(root)
    baseline = build_baseline(check(content), root)
    partial = check(content / "a-reunion.es.md", content / "a-reunion.en.md")
    outcome = apply_baseline(partial, baseline, root)
    assert outcome.stale == () and len(outcome.accepted) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "no such baseline file"),
        ("{not json", "invalid JSON at line 1 column 2"),
        ('{"version": 7, "entries": []}', "baseline version 7 is not supported"),
        ('[1, 2]', "not a qa baseline"),
        ('{"version": 1, "entries": [{"path": "a.md"}]}', "baseline entry 1 lacks 'fingerprint'"),
    ],
)
def test_bad_baseline_files_are_named_in_one_line(root, text, message):
    path = root / "baseline.json"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_baseline(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value) and "\n" not in str(caught.value)


INLINE = """---
title: T
---

<!-- qa: ignore -->
First paragraph,
on two lines.

Second paragraph. <!-- QA: Ignore -->

Third paragraph.

<!-- qa: ignore -->

Fourth paragraph.
Fifth line of it.
<!-- qa: ignore -->
Sixth, a paragraph of its own.
"""


def test_inline_ignored_spans_cover_the_marked_paragraphs():
    spans = inline_ignored_spans(INLINE)
    texts = [INLINE[start:end] for start, end in spans]
    assert texts == [
        "First paragraph,\non two lines.",
        "Second paragraph. <!-- QA: Ignore -->",
        "Fourth paragraph.\nFifth line of it.",
        "Sixth, a paragraph of its own.",
    ]
    assert "Third" not in "".join(texts)
    assert inline_ignored_spans("No markers here.\n\nNone at all.\n") == []


def test_inline_marker_accepts_the_flags_of_its_paragraph(root):
    write_pair(root / "content", "acuerdo", [*ES, "Ambos países reforzarán su seguridad."],
               ["<!-- qa: ignore -->\n" + REPEATED, EN[1], "Both countries will strengthen the security of both countries."])
    # qa.check applies the markers, as qa check does; the raw check still holds both flags.
    kept = ["Both countries will strengthen the security of both countries."]
    assert [s.target[0].text for _, s in check(root / "content").flagged] == kept
    report = check_corpus(read_paths([root / "content"]).pairs, engine=None)
    assert len(report.flagged) == 2
    ignored = [is_inline_ignored(a, s) for a, s in report.flagged]
    assert ignored == [True, False]
    cleared = clear_flags(report, is_inline_ignored, by="inline")
    assert [s.target[0].text for _, s in cleared.flagged] == kept
    # The accepted flag is no longer flagged, and says how it was accepted and how severe it was.
    assert [(s.target[0].text, s.accepted) for _, s in cleared.accepted] == [(REPEATED, Accepted("inline", "error"))]
    assert cleared.accepted_counts() == {"inline": 1, "baseline": 0}


SECURITY = "Both countries will strengthen the security of both countries."


def test_a_marker_hides_the_next_markdown_block_only_never_a_list_and_heading_after_it(root):
    """No blank line is needed between Markdown blocks: a list item or a heading right under the
    marked paragraph starts a block of its own, and its flags are still reported."""
    text = "<!-- qa: ignore -->\nA paragraph.\n- a list item\n# A heading\n\n<!-- qa: ignore -->\n- one\n- two\n\nAfter.\n"
    assert [text[start:end] for start, end in inline_ignored_spans(text)] == ["A paragraph.", "- one\n- two"]
    # A marker shown in code, or in a code span, is an example, not a marker.
    assert inline_ignored_spans("```\n<!-- qa: ignore -->\n```\nCode next.\n\n`<!-- qa: ignore -->` then.\n") == []
    write_pair(root / "content", "acuerdo",
               ["El ministro llegó el lunes a Rabat.\n- Ambas partes estudiarán la cooperación.\n"
                "# Ambos países reforzarán su seguridad."],
               [f"<!-- qa: ignore -->\n{EN[1]}\n- {REPEATED}\n# {SECURITY}"])
    assert [s.target[0].text for _, s in check(root / "content").flagged] == [REPEATED, SECURITY]


@pytest.mark.parametrize("front_matter", [
    "# <!-- qa: ignore -->\n",  # a YAML comment
    "notes: |\n  <!-- qa: ignore -->\n",  # a line of its own in a block scalar
    'description: "Cooperation <!-- qa: ignore -->"\n',  # inside a value
])
def test_a_marker_inside_the_front_matter_hides_nothing(root, front_matter):
    """The body starts right under the closing ``---``; a marker in the YAML above it is no
    marker of the body's first paragraph."""
    _, target = write_pair(root / "content", "acuerdo", ES, EN)
    text = target.read_text(encoding="utf-8").replace("translationKey: acuerdo\n---\n\n",
                                                       f"translationKey: acuerdo\n{front_matter}---\n")
    target.write_text(text, encoding="utf-8")
    assert inline_ignored_spans(text) == []
    # (The description, with no Spanish one to match, is flagged as well.)
    assert REPEATED in [s.target[0].text for _, s in check(root / "content").flagged]


def run_cli(*args: str, cwd: Path):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, timeout=300, cwd=cwd,
                          env=dict(os.environ))


def test_a_fixed_accepted_passage_is_listed_as_stale_and_the_check_goes_on(root):
    content = corpus_with_two_flags(root)
    made = run_cli("baseline", "--engine", "none", "--", str(content), cwd=root)
    assert made.returncode == 0, made.stderr
    write_pair(content, "b-acuerdo", ES, ["Both sides will consider cooperation.", EN[1]])
    checked = run_cli("check", "--engine", "none", "--format", "json", "--baseline", ".qa-baseline.json", "--",
                      str(content), cwd=root)
    assert checked.returncode == 0, checked.stderr
    assert "Traceback" not in checked.stderr
    stale = [line for line in checked.stderr.splitlines() if "baseline entry no longer matches" in line]
    assert stale == [f"qa: baseline entry no longer matches: content/b-acuerdo.en.md: repetition error: {REPEATED!r}"]
    assert json.loads(checked.stdout)["summary"]["flagged"] == 0


@pytest.mark.parametrize("field", ["path", "signal", "severity"])
def test_an_entry_edited_by_hand_accepts_nothing_and_is_stale(root, field):
    content = corpus_with_two_flags(root)
    report = check(content)
    baseline = build_baseline(report, root)
    forged = {"path": "content/elsewhere.en.md", "signal": "numbers", "severity": "info"}[field]
    tampered = Baseline(tuple(
        BaselineEntry(**{**entry.__dict__, field: forged}) if entry.signal == "repetition" else entry
        for entry in baseline.entries
    ))
    outcome = apply_baseline(report, tampered, root)
    assert [s.result.reasons[0].signal for _, s in outcome.report.flagged] == ["repetition"]
    assert len(outcome.accepted) == 1
    if field != "path":  # an entry for an article that was not checked is neither matched nor stale
        assert [entry.signal for entry in outcome.stale] == [forged if field == "signal" else "repetition"]


def test_a_flag_that_grew_more_severe_is_reported_again(root):
    content = corpus_with_two_flags(root)
    report = check(content)
    baseline = build_baseline(report, root)
    milder = Baseline(tuple(BaselineEntry(**{**e.__dict__, "severity": "warning"}) for e in baseline.entries))
    outcome = apply_baseline(report, milder, root)
    assert len(outcome.report.flagged) == 2 and len(outcome.stale) == 2


def test_a_partial_baseline_run_keeps_the_entries_of_articles_it_did_not_check(root):
    content = corpus_with_two_flags(root)
    assert run_cli("baseline", "--engine", "none", "--", str(content), cwd=root).returncode == 0
    whole = read_baseline(root / ".qa-baseline.json")
    assert len(whole.entries) == 2
    partial = run_cli("baseline", "--engine", "none", "--", str(content / "a-reunion.es.md"),
                      str(content / "a-reunion.en.md"), cwd=root)
    assert partial.returncode == 0, partial.stderr
    assert "1 of them kept for articles not checked this run" in partial.stderr
    assert read_baseline(root / ".qa-baseline.json") == whole
    # An article that was checked and is clean now loses its entry.
    write_pair(content, "b-acuerdo", ES, ["Both sides will consider cooperation.", EN[1]])
    assert run_cli("baseline", "--engine", "none", "--", str(content / "b-acuerdo.es.md"),
                   str(content / "b-acuerdo.en.md"), cwd=root).returncode == 0
    assert [e.path for e in read_baseline(root / ".qa-baseline.json").entries] == ["content/a-reunion.en.md"]


def test_a_marker_in_a_table_cell_accepts_its_row_not_the_whole_table(root):
    """Tables are read as the reader reads them: a marker in a cell accepts that row, and a flag
    in another row of the same table is still reported."""
    table = f"| {REPEATED} <!-- qa: ignore --> |\n|---|\n| {EN[1]} |\n| {SECURITY} |"
    write_pair(root / "content", "acuerdo", [*ES, "Ambos países reforzarán su seguridad."], [table])
    report = check_corpus(read_paths([root / "content"]).pairs, engine=None)
    assert {s.target[0].text for _, s in report.flagged} == {REPEATED, SECURITY}
    assert [s.target[0].text for _, s in check(root / "content").flagged] == [SECURITY]
