"""``qa check --baseline-ref REF``: the baseline is read as a git ref holds it, so a pull request
that garbles an article and commits a rerun of ``qa baseline`` still fails its check. Real git
repositories, the real command line, the model-free checks (``--engine none``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import qa
import qa.baseline
from qa.baseline import read_baseline_at
from qa.changes import file_at_ref
from qa.errors import InputError
from tests.conftest import git

OLD_GARBLE = "Both sides will consider cooperation on both sides."
NEW_GARBLE = "The United States General Department for the United States met on Monday."

pytestmark = pytest.mark.usefixtures("git_identity")


def run_qa(repo: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", *arguments], cwd=repo, capture_output=True, text=True,
                          timeout=300, env=dict(os.environ))


def write_pair(folder: Path, slug: str, spanish: str, english: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for lang, text in (("es", spanish), ("en", english)):
        (folder / f"{slug}.{lang}.md").write_text(f"---\ntitle: {slug}\ntranslationKey: {slug}\n---\n\n{text}\n",
                                                  encoding="utf-8")


@pytest.fixture
def repo(tmp_path) -> Path:
    """A content repository whose main branch has one garbled article and a baseline that accepts
    its flag, and a pull request branch ``pr`` checked out, which adds a new garbled article and
    commits ``qa baseline`` rerun: the attack of issue 26, item 11."""
    root = tmp_path / "newsroom"
    write_pair(root / "content", "acuerdo", "Ambas partes estudiarán la cooperación.", OLD_GARBLE)
    git(root, "init", "-q", "-b", "main")
    made = run_qa(root, "baseline", "--engine", "none", "-q", "--", "content/")
    assert made.returncode == 0, made.stderr
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "articles and their reviewed baseline")
    git(root, "checkout", "-q", "-b", "pr")
    write_pair(root / "content", "reunion", "La Dirección General de Estados Unidos se reunió el lunes.", NEW_GARBLE)
    rerun = run_qa(root, "baseline", "--engine", "none", "-q", "--", "content/")
    assert rerun.returncode == 0, rerun.stderr
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a new article, and a baseline that accepts its garble")
    assert len(json.loads((root / ".qa-baseline.json").read_text(encoding="utf-8"))["entries"]) == 2
    return root


def flagged_and_accepted(document: dict) -> tuple[list[str], list[tuple[str, dict]]]:
    segments = [s for article in document["articles"] for s in article["segments"]]
    return ([s["text"] for s in segments if s["flagged"]],
            [(s["text"], s["accepted"]) for s in segments if s["accepted"]])


def test_a_pull_request_cannot_accept_its_own_garble_with_baseline_ref(repo):
    # Today's behaviour, the attack: the pull request's own baseline accepts its new garble.
    attacked = run_qa(repo, "check", "--engine", "none", "--format", "json", "--baseline", ".qa-baseline.json",
                      "--", "content/")
    assert attacked.returncode == 0, attacked.stderr
    assert json.loads(attacked.stdout)["summary"]["flagged"] == 0

    # Read from main, the baseline accepts the old flag only: the new one fails the check.
    defended = run_qa(repo, "check", "--engine", "none", "--format", "json", "--baseline", ".qa-baseline.json",
                      "--baseline-ref", "main", "--", "content/")
    assert defended.returncode == 1, defended.stderr
    document = json.loads(defended.stdout)
    flagged, accepted = flagged_and_accepted(document)
    assert flagged == [NEW_GARBLE]
    assert accepted == [(OLD_GARBLE, {"by": "baseline", "severity": "error", "where": "main:.qa-baseline.json"})]
    assert document["summary"]["accepted"] == {"inline": 0, "baseline": 1}
    notes = defended.stderr.splitlines()
    assert "qa: 1 flag(s) accepted by the baseline main:.qa-baseline.json" in notes
    assert ("qa: not applied: 1 baseline entry in .qa-baseline.json that main does not have "
            "(a baseline counts once it is on main)") in notes
    assert any(", 1 accepted by the baseline;" in line for line in notes if line.startswith("qa: 1 flagged"))
    assert "Traceback" not in defended.stderr


def test_without_a_configured_baseline_the_root_default_is_read_at_the_ref(repo, monkeypatch):
    """``--baseline-ref`` alone reads ``.qa-baseline.json`` at the root, from the ref; the library
    gives the same."""
    done = run_qa(repo, "check", "--engine", "none", "--baseline-ref", "main", "--", "content/")
    assert done.returncode == 1, done.stderr
    assert NEW_GARBLE in done.stdout and OLD_GARBLE not in done.stdout
    monkeypatch.chdir(repo)  # the root, as for qa check above
    report = qa.check("content", engine=None, baseline_ref="main")
    assert [s.target[0].text for _, s in report.flagged] == [NEW_GARBLE]
    assert [(s.target[0].text, s.accepted.by) for _, s in report.accepted] == [(OLD_GARBLE, "baseline")]
    assert report.return_code("error") == 1


def test_a_configured_baseline_is_read_at_its_path_in_the_repository_from_a_subfolder(repo):
    """The ``baseline`` setting of the root qa.toml, in a folder, run from another folder: the
    path at the ref is the one relative to the repository's top."""
    (repo / "review").mkdir()
    git(repo, "mv", ".qa-baseline.json", "review/accepted.json")
    (repo / "qa.toml").write_text('baseline = "review/accepted.json"\n', encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the baseline moves")
    git(repo, "branch", "-f", "reviewed", "HEAD")  # this pull request's baseline, as if merged
    done = run_qa(repo / "content", "check", "--engine", "none", "--baseline-ref", "main", "--", ".")
    assert done.returncode == 1
    assert "qa: no baseline at main:review/accepted.json; every flag is reported" in done.stderr.splitlines()
    assert NEW_GARBLE in done.stdout and OLD_GARBLE in done.stdout
    merged = run_qa(repo / "content", "check", "--engine", "none", "--baseline-ref", "reviewed", "--", ".")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "qa: 2 flag(s) accepted by the baseline reviewed:review/accepted.json" in merged.stderr.splitlines()


def test_a_ref_without_a_baseline_reports_every_flag(repo):
    empty_tree = git(repo, "hash-object", "-t", "tree", "-w", os.devnull).strip()
    git(repo, "branch", "empty", git(repo, "commit-tree", empty_tree, "-m", "nothing").strip())
    done = run_qa(repo, "check", "--engine", "none", "--baseline", ".qa-baseline.json", "--baseline-ref", "empty",
                  "--", "content/")
    assert done.returncode == 1
    assert "qa: no baseline at empty:.qa-baseline.json; every flag is reported" in done.stderr.splitlines()
    assert NEW_GARBLE in done.stdout and OLD_GARBLE in done.stdout


@pytest.mark.parametrize("ref", ["nope", "", "--output=x", "main:.qa-baseline.json", "HEAD^{tree}"])
def test_an_unknown_ref_is_one_line_and_exit_code_2(repo, ref):
    """A ref that names no commit, even one that reads as a git option or names a file or tree,
    is refused before anything is checked."""
    done = run_qa(repo, "check", "--engine", "none", f"--baseline-ref={ref}", "--", "content/")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"qa: error: unknown git ref {ref!r} in {repo.resolve()} "
                                        "(in CI, fetch the history, e.g. fetch-depth: 0)"]
    assert done.stdout == "" and not (repo / "x").exists()


def test_outside_a_repository_baseline_ref_is_one_line(tmp_path):
    write_pair(tmp_path / "content", "acuerdo", "Ambas partes estudiarán la cooperación.", OLD_GARBLE)
    done = run_qa(tmp_path, "check", "--engine", "none", "-q", "--baseline-ref", "main", "--", "content/")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"qa: error: not a git repository: {tmp_path.resolve()}"]


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "main:.qa-baseline.json: not a qa baseline: invalid JSON at line 1 column 2"),
    ('{"version": 7, "entries": []}', "main:.qa-baseline.json: baseline version 7 is not supported"),
    (None, "main:.qa-baseline.json: not a file at main (a tree)"),
])
def test_a_bad_baseline_at_the_ref_is_one_line_naming_it(repo, content, message):
    git(repo, "checkout", "-q", "main")
    (repo / ".qa-baseline.json").unlink()
    if content is None:
        (repo / ".qa-baseline.json").mkdir()
        (repo / ".qa-baseline.json" / "x").write_text("x", encoding="utf-8")
    else:
        (repo / ".qa-baseline.json").write_text(content, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "broken baseline")
    git(repo, "checkout", "-q", "-f", "pr")
    done = run_qa(repo, "check", "--engine", "none", "-q", "--baseline-ref", "main", "--", "content/")
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"qa: error: {message}"), line


def test_the_file_at_the_ref_is_read_with_a_bound(repo, monkeypatch):
    """git's output is read up to the limit and no further, and a baseline over the limit is
    refused as read_baseline refuses one (the limit lowered here from 100 MiB)."""
    path = repo / ".qa-baseline.json"
    whole = git(repo, "show", "main:.qa-baseline.json").encode()
    found = file_at_ref("main", path, 100)
    assert found.name == "main:.qa-baseline.json" and found.head == whole[:101]
    assert file_at_ref("main", path, len(whole)).head == whole
    assert file_at_ref("main", repo / "content" / "missing.json", 100).head is None
    monkeypatch.setattr(qa.baseline, "BASELINE_MAX_BYTES", len(whole) - 1)
    with pytest.raises(InputError, match="baseline is too large"):
        read_baseline_at("main", path)
    # A path that climbs out of the repository through a folder that does not exist.
    with pytest.raises(InputError, match="not inside the git repository"):
        file_at_ref("main", repo / "missing" / ".." / ".." / "elsewhere.json", 100)


def test_a_pull_request_cannot_mark_its_own_garble_with_an_inline_ignore(repo):
    """The same attack through an ``<!-- qa: ignore -->`` marker the pull request adds above its
    garble: with ``--baseline-ref`` only markers the ref already has count. A marker that is on
    main keeps accepting its passage (the positive control)."""
    git(repo, "checkout", "-q", "main")
    old = repo / "content" / "acuerdo.en.md"
    old.write_text(old.read_text(encoding="utf-8").replace(OLD_GARBLE, f"<!-- qa: ignore -->\n{OLD_GARBLE}"),
                   encoding="utf-8")
    git(repo, "rm", "-q", ".qa-baseline.json")
    git(repo, "commit", "-q", "-am", "an editor marks the old passage on main")
    git(repo, "checkout", "-q", "-b", "marks", "main")
    write_pair(repo / "content", "reunion", "La Dirección General de Estados Unidos se reunió el lunes.",
               f"<!-- qa: ignore -->\n{NEW_GARBLE}")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a new article whose garble is marked as accepted")

    attacked = run_qa(repo, "check", "--engine", "none", "--format", "json", "--", "content/")
    assert attacked.returncode == 0, attacked.stderr
    defended = run_qa(repo, "check", "--engine", "none", "--format", "json", "--baseline-ref", "main", "--", "content/")
    assert defended.returncode == 1, defended.stderr
    flagged, accepted = flagged_and_accepted(json.loads(defended.stdout))
    assert flagged == [NEW_GARBLE]
    assert [text for text, how in accepted if how["by"] == "inline"] == [OLD_GARBLE]
    assert ("qa: not applied: 1 flag(s) under a <!-- qa: ignore --> marker that main does not have "
            "(a marker counts once it is on main)") in defended.stderr.splitlines()


def test_an_html_page_marker_counts_at_the_ref_only_once_the_ref_has_it(tmp_path):
    """A ``<!-- qa: ignore -->`` in a saved HTML page is read at the ref as the page is read (its
    extracted text), so a marker main has accepts its flag and one the pull request adds does not."""
    root = tmp_path / "pages"
    root.mkdir()
    body = "<p>The minister arrived in Rabat on Monday.</p>\n<p>{marker}{garble}</p>\n"
    page = "<!doctype html>\n<html lang=\"en\"><body><article><h1>Talks in Rabat</h1>\n" + body + "</article></body></html>\n"
    (root / "talks.en.html").write_text(page.format(marker="<!-- qa: ignore -->", garble=OLD_GARBLE), encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a page whose flag the desk marked")
    git(root, "checkout", "-q", "-b", "pr")
    (root / "other.en.html").write_text(page.format(marker="<!-- qa: ignore -->", garble=NEW_GARBLE)
                                        .replace("Rabat", "Tunis"), encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a new page that marks its own garble")

    done = run_qa(root, "check", "--engine", "none", "--format", "json", "--baseline-ref", "main",
                  "--", "talks.en.html", "other.en.html")
    flagged, accepted = flagged_and_accepted(json.loads(done.stdout))
    assert [text for text, _ in accepted] == [OLD_GARBLE], done.stderr
    assert flagged == [NEW_GARBLE]
    assert "not applied: 1 flag(s) under a <!-- qa: ignore --> marker that main does not have" in done.stderr
