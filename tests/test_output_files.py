"""``-o``: qa writes only the file it was asked to, never over an input, keeps what the path is
(a symlink, a FIFO, a device, a file's mode) and refuses a folder before any work starts."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest


def corpus(root: Path) -> Path:
    (root / "es").mkdir(parents=True)
    (root / "en").mkdir()
    (root / "es" / "nota.md").write_text("El plan se aprobó el martes.\n", encoding="utf-8")
    (root / "en" / "nota.md").write_text("The plan was approved on Tuesday.\n", encoding="utf-8")
    return root


def qa(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env=dict(os.environ))


@pytest.mark.parametrize("command", ["check", "baseline"])
def test_an_input_article_is_never_the_output(tmp_path, command):
    root = corpus(tmp_path / "content")
    article = root / "en" / "nota.md"
    done = qa(command, "--engine", "none", "-o", str(article), "--", str(root), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        f"qa: error: {article}: cannot write the output there: it is one of the files being checked; "
        "qa never writes over an input")
    assert article.read_text(encoding="utf-8") == "The plan was approved on Tuesday.\n"


def test_a_folder_is_refused_before_the_check_runs(tmp_path):
    root = corpus(tmp_path / "content")
    done = qa("check", "--engine", "none", "-o", "newdir/", "--", str(root), cwd=tmp_path)
    assert done.returncode == 2 and "is a folder; name a file to write to" in done.stderr
    assert "engine none" not in done.stderr  # refused before anything ran
    assert not (tmp_path / "newdir").exists()
    missing = qa("check", "--engine", "none", "-o", "nowhere/report.json", "--", str(root), cwd=tmp_path)
    assert missing.returncode == 2 and "is in a folder that does not exist (nowhere)" in missing.stderr


def test_a_new_report_gets_the_umask_mode_and_an_old_one_keeps_its_own(tmp_path):
    root = corpus(tmp_path / "content")
    done = subprocess.run(
        ["sh", "-c", f'umask 027 && exec "{sys.executable}" -m qa check --engine none -o new.txt -- "{root}"'],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640
    old = tmp_path / "old.txt"
    old.write_text("before\n", encoding="utf-8")
    old.chmod(0o604)
    assert qa("check", "--engine", "none", "-o", str(old), "--", str(root), cwd=tmp_path).returncode == 0
    assert stat.S_IMODE(old.stat().st_mode) == 0o604 and "1 segment checked" in old.read_text(encoding="utf-8")


def test_a_symlink_is_written_through_and_kept(tmp_path):
    root = corpus(tmp_path / "content")
    (tmp_path / "reports").mkdir()
    target = tmp_path / "reports" / "latest.json"
    target.write_text("{}", encoding="utf-8")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    assert qa("check", "--engine", "none", "--format", "json", "-o", str(link), "--", str(root),
              cwd=tmp_path).returncode == 0
    assert link.is_symlink() and link.resolve() == target
    assert '"signature"' in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("target", ["outside", "missing outside", "hidden"])
def test_a_committed_link_out_of_the_repository_is_never_written_through(tmp_path, target):
    """A pull request commits report.json as a link to a file the CI user can write (a shell
    profile, a git hook): the CI's own `-o report.json` must not write article text there."""
    repository = tmp_path / "site"
    corpus(repository / "content")
    subprocess.run(["git", "init", "-q", str(repository)], check=True)
    outside = tmp_path / "home" / ".bashrc"
    outside.parent.mkdir()
    if target == "outside":
        outside.write_text("# the user's profile\n", encoding="utf-8")
    destination = repository / ".git" / "hooks" / "post-checkout" if target == "hidden" else outside
    (repository / "report.json").symlink_to(destination)
    done = qa("check", "--engine", "none", "--format", "json", "-o", "report.json", "--", "content", cwd=repository)
    assert done.returncode == 2
    assert "cannot write the output there: it is a symbolic link" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not destination.exists() or destination.read_text(encoding="utf-8") == "# the user's profile\n"


def test_a_link_to_a_visible_file_of_the_repository_is_written_through(tmp_path):
    repository = tmp_path / "site"
    root = corpus(repository / "content")
    subprocess.run(["git", "init", "-q", str(repository)], check=True)
    (repository / "reports").mkdir()
    (repository / "report.json").symlink_to(repository / "reports" / "latest.json")
    done = qa("check", "--engine", "none", "--format", "json", "-o", "report.json", "--", str(root), cwd=repository)
    assert done.returncode == 0, done.stderr
    assert '"signature"' in (repository / "reports" / "latest.json").read_text(encoding="utf-8")


def test_a_fifo_is_written_into_not_replaced(tmp_path):
    root = corpus(tmp_path / "content")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    done = qa("check", "--engine", "none", "--format", "json", "-o", str(fifo), "--", str(root), cwd=tmp_path)
    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received and '"signature"' in received[0]


def test_dev_stdout_stays_a_device(tmp_path):
    root = corpus(tmp_path / "content")
    before = os.stat("/dev/null")
    done = qa("check", "--engine", "none", "-o", "/dev/null", "--", str(root), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_dash_for_the_output_is_stdout_not_a_file_named_dash(tmp_path):
    import json

    root = corpus(tmp_path / "content")
    done = qa("check", "--engine", "none", "--format", "json", "-o", "-", "--", str(root), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["articles"] == 1  # the report itself, on stdout
    assert not (tmp_path / "-").exists()
    assert "flagged" in done.stderr.splitlines()[-1]  # the summary line, on stderr as with -o FILE


def test_a_dash_among_the_paths_reads_an_article_from_stdin(tmp_path):
    text = "The Ministry of Finance of the Ministry of Finance met on Monday.\n\nThe budget was approved.\n"
    done = subprocess.run([sys.executable, "-m", "qa", "check", "--engine", "none", "-"], input=text,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, env=dict(os.environ))
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("<stdin>:1:1: error")
    assert "qa: <stdin>: no es source found" in done.stderr
    empty = subprocess.run([sys.executable, "-m", "qa", "check", "--engine", "none", "-"], input="",
                           capture_output=True, text=True, timeout=120, cwd=tmp_path, env=dict(os.environ))
    assert empty.returncode == 2 and "qa: error: <stdin>: file is empty" in empty.stderr
