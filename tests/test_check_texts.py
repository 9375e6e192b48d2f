"""``qa.run.check_texts``: articles given as text (what ``qa serve`` receives) are checked as
``qa check`` checks files of the same names and contents, on one open session reused from call
to call; an accepted flag (``accept_flag``) is gone on the next call. Real subprocesses, real
SQLite cache, real Apertium for the second engine; the texts are invented."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from qa.baseline import Baseline, BaselineEntry, accept_flag, entry_for, entry_from_json, read_baseline, relative_path
from qa.config import load_settings
from qa.report.json import render_json, report_to_dict
from qa.run import check_texts
from qa.session import Session

CIRCULAR = "The United States General Department for the United States met on Monday."
SPANISH = (
    "---\ntitle: Reunión en Rabat\ntranslationKey: rabat\n---\n\n"
    "El ministro llegó a Rabat el lunes.\n\n"
    "El Departamento General de Estados Unidos se reunió el lunes.\n\n"
    "Las conversaciones seguirán la próxima semana.\n"
)
ENGLISH = (
    "---\ntitle: Meeting in Rabat\ntranslationKey: rabat\n---\n\n"
    "The minister arrived in Rabat on Monday.\n\n"
    f"{CIRCULAR}\n\n"
    "The talks will continue next week.\n"
)
TEXTS = [("rabat.es.md", SPANISH), ("rabat.en.md", ENGLISH)]


def repository(tmp_path: Path, engine: str) -> Path:
    root = tmp_path / "desk"
    root.mkdir()
    (root / "qa.toml").write_text(f'engine = "{engine}"\nbaseline = ".qa-baseline.json"\n', encoding="utf-8")
    return root


def cli_json(root: Path) -> str:
    """``qa check --format json`` of the same texts, saved under the same names, run from ``root``."""
    for name, text in TEXTS:
        (root / name).write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "qa", "check", "--format", "json", "-q", "--", *(n for n, _ in TEXTS)],
                          capture_output=True, text=True, timeout=600, cwd=root, env=dict(os.environ))
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


@pytest.mark.parametrize("engine", ["none", "apertium"])
def test_texts_are_checked_as_files_of_those_names(tmp_path, engine, request, monkeypatch):
    if engine == "apertium":
        request.getfixturevalue("apertium_available")
    root = repository(tmp_path, engine)
    monkeypatch.chdir(root)
    settings, _ = load_settings(root, {})
    with Session.open(settings) as session:
        first = check_texts(TEXTS, settings, session)
        again = check_texts(TEXTS, settings, session)  # the same session, reused
    assert render_json(first.report) == cli_json(root)
    assert render_json(again.report) == render_json(first.report)
    flagged = [segment for _, segment in first.report.flagged]
    assert any("General Department" in " ".join(s.text for s in segment.target) for segment in flagged)


def test_an_accepted_flag_is_gone_on_the_next_check(tmp_path, monkeypatch):
    root = repository(tmp_path, "none")
    monkeypatch.chdir(root)
    settings, _ = load_settings(root, {})
    notes: list[str] = []
    with Session.open(settings) as session:
        before = check_texts(TEXTS, settings, session, note=notes.append)
        segment = next(s for article in report_to_dict(before.report)["articles"] for s in article["segments"]
                       if s["flagged"] and "General Department" in (s["text"] or ""))
        entry = entry_from_json(relative_path(segment["path"], settings.root), segment)
        accept_flag(root / ".qa-baseline.json", BaselineEntry(**{**entry.__dict__, "note": "the agency's name"}))
        after = check_texts(TEXTS, settings, session, note=notes.append)
    assert not any("General Department" in " ".join(s.text for s in seg.target) for _, seg in after.report.flagged)
    assert after.baseline is not None and len(after.baseline.accepted) == 1
    saved = json.loads((root / ".qa-baseline.json").read_text(encoding="utf-8"))
    assert [e["note"] for e in saved["entries"]] == ["the agency's name"]
    assert "1 flag(s) accepted by the baseline .qa-baseline.json" in notes


def test_a_json_segment_gives_the_entry_the_report_gives(tmp_path, monkeypatch):
    root = repository(tmp_path, "none")
    monkeypatch.chdir(root)
    settings, _ = load_settings(root, {})
    with Session.open(settings) as session:
        report = check_texts(TEXTS, settings, session).before_baseline
    document = report_to_dict(report)
    pairs = [(article, segment) for article in report.articles for segment in article.segments
             if segment.result.flagged]
    json_segments = [s for article in document["articles"] for s in article["segments"] if s["flagged"]]
    assert pairs and len(pairs) == len(json_segments)
    for (article, segment), json_segment in zip(pairs, json_segments, strict=True):
        assert entry_from_json(relative_path(json_segment["path"], root), json_segment) == entry_for(article, segment, root)


def test_text_that_is_not_a_flag_cannot_be_accepted():
    from qa.errors import InputError

    with pytest.raises(InputError, match="only a flagged segment"):
        entry_from_json("a.en.md", {"text": "Fine.", "source": None, "reasons": [], "severity": None})
    with pytest.raises(InputError, match="not a segment of a qa JSON report"):
        entry_from_json("a.en.md", {"text": "Fine."})


def test_only_spanish_is_nothing_to_check(tmp_path, monkeypatch):
    root = repository(tmp_path, "none")
    monkeypatch.chdir(root)
    settings, _ = load_settings(root, {})
    with Session.open(settings) as session:
        run = check_texts([("rabat.es.md", SPANISH)], settings, session)
    assert [str(error) for error in run.errors] == [
        "rabat.es.md: nothing to check: no en article among 1 text(s) read as es-en; is the translation in en?"
    ]


def test_twenty_threads_accepting_at_once_all_land(tmp_path):
    path = tmp_path / ".qa-baseline.json"
    entries = [BaselineEntry(f"a{n}.en.md", f"{n:064x}", "circular_name", "error", f"passage {n}", note=f"n{n}")
               for n in range(20)]
    threads = [threading.Thread(target=accept_flag, args=(path, entry)) for entry in entries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert read_baseline(path) == Baseline(tuple(sorted(entries)))
    assert {entry.note for entry in read_baseline(path).entries} == {f"n{n}" for n in range(20)}


def test_accepting_again_updates_the_note_and_a_rebuild_keeps_it(tmp_path):
    from qa.baseline import build_baseline
    from qa.results import Report

    path = tmp_path / ".qa-baseline.json"
    entry = BaselineEntry("a.en.md", "f" * 64, "circular_name", "error", "passage")
    accept_flag(path, entry)
    assert "note" not in path.read_text(encoding="utf-8")  # a file without notes keeps its old bytes
    accept_flag(path, BaselineEntry(**{**entry.__dict__, "note": "reviewed"}))
    assert [e.note for e in read_baseline(path).entries] == ["reviewed"]
    # An empty report checked no article, so the entry is kept, note and all.
    rebuilt = build_baseline(Report((), ()), tmp_path, read_baseline(path))
    assert [e.note for e in rebuilt.entries] == ["reviewed"]


def test_an_empty_text_is_an_error_naming_it_and_the_others_are_checked(tmp_path, monkeypatch):
    root = repository(tmp_path, "none")
    monkeypatch.chdir(root)
    settings, _ = load_settings(root, {})
    with Session.open(settings) as session:
        run = check_texts([("blank.en.md", " \n\n "), ("rabat.es.md", SPANISH), ("rabat.en.md", ENGLISH)],
                          settings, session)
    assert [str(error) for error in run.errors] == ["blank.en.md: file is empty"]
    assert [article.path for article in run.report.articles] == ["rabat.en.md"]
    assert run.report.flagged
