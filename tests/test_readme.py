"""The README and the pages it links: the configuration reference names every key qa.config
accepts, every benchmark table says how to reproduce it with a script that exists, every local
link leads to a file (and heading) that exists, and the README's short result tables copy the
full ones in benchmarks/README.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from qa import config

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
BENCHMARKS = REPO / "benchmarks" / "README.md"
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def prose(text: str) -> str:
    """The text without its fenced code blocks, whose ``# comment`` lines are no headings."""
    return re.sub(r"(?ms)^```.*?^```$", "", text)


def section(text: str, title: str) -> str:
    """The text of the ``## title`` section, up to the next heading of level 2 or 1."""
    text = prose(text)
    match = re.search(rf"(?m)^## {re.escape(title)}\n(.*?)(?=^#{{1,2}} |\Z)", text, re.S)
    assert match, f"no section '## {title}'"
    return match.group(1)


def sections(text: str) -> dict[str, str]:
    """Every ``##`` section by title."""
    return {title: body for title, body in re.findall(r"(?ms)^## (.+?)\n(.*?)(?=^#{1,2} |\Z)", prose(text))}


def table_rows(text: str) -> list[list[str]]:
    """The cells of every table row (header and body, not the ``|---|`` line)."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows if not re.fullmatch(r"[|\-: ]+", row)]


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug(title) for title in re.findall(r"(?m)^#{1,6} (.+)$", prose(path.read_text(encoding="utf-8")))}


def markdown_pages() -> list[Path]:
    return [README, BENCHMARKS, *sorted((REPO / "docs").glob("*.md"))]


def written(key: str) -> str:
    return key.replace("_", "-")


def test_the_configuration_reference_names_every_key_the_settings_accept():
    reference = section(README.read_text(encoding="utf-8"), "Configuration")
    first_cells = " ".join(row[0] for row in table_rows(reference))
    named = set(re.findall(r"`([a-z][a-z-]*)`", first_cells))
    missing = [written(key) for key in config.KEYS if written(key) not in named]
    assert not missing, f"keys qa.config accepts but the README's configuration table lacks: {missing}"
    unknown = named - {written(key) for key in config.KEYS}
    assert not unknown, f"keys in the README's configuration table that qa.config does not accept: {unknown}"
    assert "fail_on" in reference and "fail-on" in reference  # both spellings are read
    for option in config.COMMAND_LINE_ONLY:
        assert f"`--{written(option)}`" in reference, option


def test_the_configuration_reference_names_the_environment_and_the_user_file_keys():
    reference = section(README.read_text(encoding="utf-8"), "Configuration")
    for variable in (config.CACHE_ENVIRONMENT, config.SCHEDULER_ENVIRONMENT):
        assert f"${variable}" in reference, variable
    user = next(paragraph for paragraph in reference.split("\n\n") if "`~/.config/qa/qa.toml`" in paragraph)
    listed = set(re.findall(r"`([a-z][a-z-]*)`", user))
    assert listed == {written(key) for key in config.MACHINE_KEYS}, listed ^ {written(k) for k in config.MACHINE_KEYS}
    assert "/opt/models" in reference


def test_the_model_folder_snippet_saves_both_directions_into_a_models_dir():
    text = README.read_text(encoding="utf-8")
    snippet = re.search(r'python -c "(.*?)"\n', text, re.S)
    assert snippet, "no python -c snippet preparing model folders"
    ast.parse(snippet.group(1))  # the snippet runs as written
    assert "'es-en', 'en-es'" in snippet.group(1) and "models/opus-mt-{d}" in snippet.group(1)
    assert "--models-dir models" in text


def test_every_benchmark_script_is_listed_with_the_results_file_it_writes():
    listed = {row[0].strip("`"): row[2].strip("`") for row in table_rows(BENCHMARKS.read_text(encoding="utf-8"))
              if row[0].startswith("`benchmarks/")}
    scripts = {f"benchmarks/{path.name}" for path in (REPO / "benchmarks").glob("*.py")}
    assert set(listed) == scripts
    for script, results in listed.items():
        assert results.startswith("benchmarks/results/") and results.endswith(".json"), results
        assert Path(results).name in (REPO / script).read_text(encoding="utf-8"), f"{script} does not write {results}"


def test_every_reproduce_command_names_a_script_that_exists():
    text = BENCHMARKS.read_text(encoding="utf-8")
    commands = re.findall(r"\.venv/bin/python (?:-m pytest )?(\S+\.py)", text)
    assert len(commands) >= 8
    for command in commands:
        assert (REPO / command).is_file(), command
    for title, body in sections(text).items():
        if table_rows(body):
            assert "Reproduce" in body, f"section '{title}' has a table but no Reproduce line"


def test_the_readme_links_to_the_full_benchmarks():
    results = section(README.read_text(encoding="utf-8"), "Results")
    assert "](benchmarks/README.md)" in results


@pytest.mark.parametrize("page", markdown_pages(), ids=lambda path: str(path.relative_to(REPO)))
def test_every_local_link_leads_to_a_file_and_heading_that_exist(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+://", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.is_file(), f"{page.relative_to(REPO)} links to {target}, which does not exist"
        if anchor:
            assert anchor in anchors(linked), f"{page.relative_to(REPO)} links to {target}: no such heading"


def test_the_short_result_tables_copy_the_full_ones():
    full = BENCHMARKS.read_text(encoding="utf-8")
    full_rows = {row[0]: row for row in table_rows(full)}
    short = table_rows(section(README.read_text(encoding="utf-8"), "Results"))
    figures = [row for row in short if re.search(r"\d", " ".join(row[1:]))]
    assert len(figures) >= 6
    for row in figures:
        assert row[0] in full_rows, f"README result row {row[0]!r} is not in benchmarks/README.md"
        for cell in row[1:]:
            assert cell in full_rows[row[0]], f"{row[0]}: {cell!r} differs from benchmarks/README.md"


def test_the_notebook_command_keeps_what_the_notebook_shows():
    """`jupyter execute` alone runs the notebook and throws its outputs away."""
    commands = re.findall(r"jupyter execute [^\n#]*", README.read_text(encoding="utf-8"))
    assert commands and all("--output=" in command or "--inplace" in command for command in commands), commands


def test_the_readme_stays_short():
    assert len(README.read_bytes()) < 20_000
