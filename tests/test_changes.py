"""Files changed since a git ref, on real repositories built with git."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.changes import ChangedFiles, affected_pairs, changed_files, changed_in_repositories, parse_name_status
from qa.corpus import read_paths
from qa.errors import InputError
from tests.conftest import git

pytestmark = pytest.mark.usefixtures("git_identity")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def article(lang: str, key: str, text: str) -> str:
    return f"---\ntitle: {key} {lang}\nlang: {lang}\ntranslationKey: {key}\n---\n\n{text}\n"


@pytest.fixture
def repo(tmp_path) -> Path:
    """A repository whose first commit is tagged ``base``."""
    root = tmp_path / "site"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root / ".gitignore", "*.tmp\n")
    for name in ("a", "b", "old", "e"):
        write(root / "content" / f"{name}.es.md", article("es", name, f"Texto de {name}."))
        write(root / "content" / f"{name}.en.md", article("en", name, f"Text of {name}."))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "tag", "base")
    return root


def test_added_modified_deleted_renamed_and_uncommitted_files(repo):
    content = repo / "content"
    write(content / "a.en.md", article("en", "a", "Text of a, edited."))
    (content / "b.en.md").unlink()
    git(repo, "mv", "content/old.en.md", "content/new.en.md")
    write(content / "c.en.md", article("en", "c", "Text of c."))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "edit")
    write(content / "d.en.md", article("en", "d", "Untracked."))  # new, not added yet
    write(content / "e.en.md", article("en", "e", "Changed, not committed."))
    write(content / "scratch.tmp", "ignored by .gitignore")

    changes = changed_files("base", content)

    def names(paths):
        return sorted(p.relative_to(repo.resolve()).as_posix() for p in paths)

    assert names(changes.changed) == [
        "content/a.en.md", "content/c.en.md", "content/d.en.md", "content/e.en.md", "content/new.en.md",
    ]
    assert names(changes.deleted) == ["content/b.en.md", "content/old.en.md"]
    assert all(p.is_absolute() for p in changes.changed + changes.deleted)


def test_nothing_changed_since_head(repo):
    assert changed_files("HEAD", repo) == ChangedFiles((), ())


def test_changes_count_from_where_the_branch_left_the_ref(repo):
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo / "content" / "a.en.md", article("en", "a", "Feature work."))
    git(repo, "commit", "-q", "-am", "feature")
    git(repo, "checkout", "-q", "main")
    write(repo / "content" / "e.en.md", article("en", "e", "Merged on main meanwhile."))
    git(repo, "commit", "-q", "-am", "main moves on")
    git(repo, "checkout", "-q", "feature")
    changes = changed_files("main", repo)
    assert [p.name for p in changes.changed] == ["a.en.md"]  # not e.en.md, which main changed
    assert changes.deleted == ()


def test_unknown_ref_is_one_clear_line(repo):
    with pytest.raises(InputError) as caught:
        changed_files("HEAD~5", repo)
    message = str(caught.value)
    assert message.startswith(f"unknown git ref 'HEAD~5' in {repo.resolve()}")
    assert "\n" not in message


def test_a_ref_that_looks_like_an_option_is_refused(repo):
    with pytest.raises(InputError, match="unknown git ref '--output=x'"):
        changed_files("--output=x", repo)
    assert not (repo / "x").exists()


def test_outside_a_repository(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(InputError, match="not a git repository"):
        changed_files("main", plain)


def test_parse_name_status_reads_renames_and_copies():
    output = "M\0a.md\0R087\0old.md\0new.md\0C100\0orig.md\0copy.md\0D\0gone.md\0A\0added.md\0"
    assert parse_name_status(output) == (["a.md", "new.md", "copy.md", "added.md"], ["old.md", "gone.md"])
    assert parse_name_status("") == ([], [])


def test_affected_pairs_keep_pairs_with_a_changed_side(repo):
    content = repo / "content"
    write(content / "a.es.md", article("es", "a", "Texto de a, corregido."))
    (content / "b.en.md").unlink()
    corpus = read_paths([content])
    changes = changed_files("HEAD", repo)
    affected = affected_pairs(corpus.pairs, changes.changed)
    assert [(Path(p.source.path).name, Path(p.target.path).name) for p in affected] == [("a.es.md", "a.en.md")]
    assert affected_pairs(corpus.pairs, []) == []


def test_an_empty_ref_is_an_error_not_a_full_check(repo):
    done = subprocess.run([sys.executable, "-m", "qa", "check", "--engine", "none", "--changed-since", "", "--", str(repo)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "unknown git ref ''" in done.stderr


def test_changed_since_uses_the_checked_paths_own_repositories(repo, tmp_path):
    """Run from a folder outside any repository, on two repositories: each path's own history is
    read, not the current folder's (which has none)."""
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    write(other / "content" / "z.es.md", article("es", "z", "Texto de z."))
    write(other / "content" / "z.en.md", article("en", "z", "Text of z."))
    git(other, "add", "-A")
    git(other, "commit", "-q", "-m", "base")
    write(repo / "content" / "a.en.md", article("en", "a", "The president of the president spoke."))
    write(other / "content" / "z.en.md", article("en", "z", "The minister of the minister spoke."))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    changes = changed_in_repositories("HEAD", [repo / "content", other / "content" / "z.en.md"])
    assert sorted(p.name for p in changes.changed) == ["a.en.md", "z.en.md"]
    done = subprocess.run(
        [sys.executable, "-m", "qa", "check", "--engine", "none", "--changed-since", "HEAD", "--format", "jsonl",
         "--", str(repo / "content"), str(other / "content")],
        capture_output=True, text=True, timeout=120, check=False, cwd=outside,
    )
    assert done.returncode == 1, done.stderr
    assert "2 article pair(s) changed since HEAD" in done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    flagged = {Path(record["path"]).name for record in records if "path" in record and record.get("flagged")}
    assert flagged == {"a.en.md", "z.en.md"}
