"""Hostile and broken inputs: YAML bombs and tags, JSON and TOML nested past the recursion limit,
symlink loops, files qa cannot read (FIFOs, devices, folders named like files, files that vanish),
files that change during a run, configuration paths leading out of the repository, a 200 MB
file, file names that are not UTF-8. Each ends in one clear line naming the file (exit code 2)
while the other files are still checked, in bounded time and memory, and no input file changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

import qa.corpus
from qa.baseline import read_baseline
from qa.corpus import discover, read_paths
from qa.corpus.files import read_text_file
from qa.corpus.markdown import FRONT_MATTER_MAX_VALUES, parse_markdown
from qa.errors import InputError
from qa.pipeline import check_corpus
from qa.report import renderer

ES = "---\ntitle: El plan del agua\nlang: es\n---\n\nEl gobierno aprobó el plan el martes.\n"
EN = "---\ntitle: The water plan\nlang: en\n---\n\nThe government approved the plan on Tuesday.\n"


def qa_command(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120,
               memory_limit: int | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m qa ARGS`` (bytes out); ``memory_limit`` caps its address space."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    return subprocess.run(
        [sys.executable, "-m", "qa", *args], capture_output=True, timeout=timeout, cwd=cwd or REPO,
        env=env or dict(os.environ), preexec_fn=limit if memory_limit else None,
    )


def error_lines(stderr: bytes | str) -> list[str]:
    """The ``qa: error:`` lines of a run, after checking that no traceback reached the user."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    assert "Traceback" not in text, text
    return [line for line in text.splitlines() if line.startswith("qa: error:")]


def write_pair(folder: Path, slug: str = "plan") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{slug}.es.md").write_text(ES, encoding="utf-8")
    (folder / f"{slug}.en.md").write_text(EN, encoding="utf-8")


def refusal(text: str, name: str = "bad.es.md") -> str:
    """The one-line InputError parse_markdown raises for ``text``."""
    with pytest.raises(InputError) as caught:
        parse_markdown(text, name)
    message = str(caught.value)
    assert message.startswith(f"{name}:") and "\n" not in message
    return message


# --- YAML front matter -------------------------------------------------------------------------


def laughs(levels: int) -> str:
    """The "billion laughs" front matter: each level aliases the one below nine times."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    lines.append(f"slug: *l{levels}")
    return "---\ntitle: Hola\n" + "\n".join(lines) + "\n---\n\nCuerpo.\n"


def test_alias_bomb_is_refused_before_anything_expands_it():
    assert FRONT_MATTER_MAX_VALUES < 9**5
    assert "front matter expands to over 10,000 values" in refusal(laughs(5))


def test_billion_laughs_ends_in_one_line_in_bounded_time_and_memory(tmp_path):
    bomb = tmp_path / "bomb.es.md"
    bomb.write_text(laughs(9), encoding="utf-8")  # 9**10 "lol"s once expanded, in 600 bytes
    write_pair(tmp_path / "ok")
    run = qa_command("check", str(bomb), str(tmp_path / "ok"), "--engine", "none", timeout=60,
                     memory_limit=1024**3)
    assert run.returncode == 2
    assert error_lines(run.stderr) == [f"qa: error: {bomb}:1: front matter expands to over 10,000 values (YAML aliases)"]
    assert b"1 article(s)" in run.stdout


def test_aliases_within_reason_still_work():
    text = "---\ntags: &t [agua, campo]\nalso: *t\ntitle: Hola\n---\n\nCuerpo.\n"
    assert parse_markdown(text, "a.es.md").meta["front_matter"]["also"] == ["agua", "campo"]


def test_self_referring_alias_is_refused():
    assert "expands to over" in refusal("---\nx: &a [*a]\nslug: *a\n---\n\nCuerpo.\n")


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_front_matter_nested_past_the_recursion_limit(opening):
    closing = "]" if opening == "[" else "}"
    text = "---\nx: " + opening * 5000 + "1" + closing * 5000 + "\n---\n\nCuerpo.\n"
    assert refusal(text).endswith("front matter is nested too deeply")


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:os.system ['touch {marker}']",
        "!!python/name:os.system",
        "!!python/module:os",
        "!!python/object:subprocess.Popen {{args: ['touch', '{marker}']}}",
        "!custom 'touch {marker}'",
    ],
)
def test_yaml_tags_run_nothing(tmp_path, value):
    marker = tmp_path / "ran"
    message = refusal(f"---\ntitle: Hola\nx: {value.format(marker=marker)}\n---\n\nCuerpo.\n")
    assert "front matter is not valid YAML" in message
    assert not marker.exists()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("date: 2024-02-30", "front matter holds a value YAML cannot read (day is out of range for month)"),
        ("n: !!int abc", "front matter holds a value YAML cannot read"),
        ("b: !!bool maybe", "front matter holds a value YAML cannot read"),
        ("x: \x0b", "front matter is not valid YAML: unacceptable character #x000b"),
    ],
)
def test_values_yaml_cannot_construct_are_input_errors(line, expected):
    assert expected in refusal(f"---\ntitle: Hola\n{line}\n---\n\nCuerpo.\n")


def test_lone_surrogate_escape_in_a_title_becomes_a_replacement_character():
    article = parse_markdown('---\ntitle: "Hola \\ud83d mundo"\n---\n\nCuerpo.\n', "a.es.md")
    assert article.headlines[0].text == "Hola \ufffd mundo"


# --- JSON and TOML -----------------------------------------------------------------------------


def test_json_nested_past_the_recursion_limit_is_a_bad_record(tmp_path):
    path = tmp_path / "deep.jsonl"
    good = {"lang": "en", "headline": "A headline", "paragraphs": ["A paragraph."]}
    path.write_text('{"lang": "en", "paragraphs": ' + "[" * 100_000 + "]" * 100_000 + "}\n" + json.dumps(good) + "\n")
    corpus = read_paths([path])
    assert [str(error) for error in corpus.errors] == [f"{path}:1: JSON nested too deeply to read"]
    assert len(corpus.pairs) == 1


def test_lone_surrogates_in_json_become_replacement_characters(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps({"id": "a", "es": {"headline": "Hola \ud83d", "paragraphs": ["Uno \udc00 dos."]},
                                "en": {"headline": "Hi \ud800", "paragraphs": ["One \udfff two."]}}) + "\n")
    run = qa_command("check", str(path), "--engine", "none", "--format", "json", "--fail-on", "never")
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout.decode("utf-8"))
    texts = [segment["text"] for segment in document["articles"][0]["segments"]]
    assert texts == ["Hi \ufffd", "One \ufffd two."]


def test_deeply_nested_baseline_and_configuration(tmp_path):
    baseline = tmp_path / "baseline.json"
    baseline.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="not a qa baseline: JSON nested too deeply"):
        read_baseline(baseline)
    (tmp_path / "qa.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    write_pair(tmp_path / "content")
    run = qa_command("check", "content", "--engine", "none", cwd=tmp_path)
    assert run.returncode == 2
    assert error_lines(run.stderr) == ["qa: error: qa.toml: invalid TOML (nested too deeply)"]


# --- symlink loops and files qa cannot read ------------------------------------------------------


def test_symlink_loops_are_named_and_the_rest_is_checked(tmp_path):
    folder = tmp_path / "content"
    write_pair(folder)
    (folder / "self.en.md").symlink_to(folder / "self.en.md")
    (folder / "a").symlink_to(folder / "b")
    (folder / "b").symlink_to(folder / "a")
    (folder / "up").symlink_to(tmp_path, target_is_directory=True)
    loop = folder / "self.en.md"
    # The loop first: the configuration search starts from it, too.
    run = qa_command("check", str(loop), str(folder), "--engine", "none", timeout=60)
    assert run.returncode == 2
    assert error_lines(run.stderr) == [f"qa: error: {loop}: symbolic link to nothing (broken, or a loop)"]
    assert b"1 article(s), 2 segments checked" in run.stdout


def test_a_fifo_is_never_opened(tmp_path):
    folder = tmp_path / "content"
    write_pair(folder)
    os.mkfifo(folder / "pipe.en.md")  # opening it would wait for a writer forever
    run = qa_command("check", str(folder), "--engine", "none", timeout=60)
    assert run.returncode == 0 and error_lines(run.stderr) == []
    assert b"1 article(s)" in run.stdout
    run = qa_command("check", str(folder / "pipe.en.md"), "--engine", "none", timeout=60)
    assert run.returncode == 2
    assert error_lines(run.stderr) == [f"qa: error: {folder / 'pipe.en.md'}: not a regular file or folder"]


def test_devices_are_refused_or_read_within_the_limit(tmp_path):
    zero = tmp_path / "zero.en.txt"
    zero.symlink_to("/dev/zero")
    run = qa_command("check", str(zero), "--engine", "none", timeout=60)
    assert error_lines(run.stderr) == [f"qa: error: {zero}: not a regular file or folder"]
    # Named as input to `qa score`, which streams, an endless device is sniffed and refused.
    pairs = tmp_path / "zero.jsonl"
    pairs.symlink_to("/dev/zero")
    run = qa_command("score", str(pairs), "--engine", "none", timeout=60)
    assert run.returncode == 2
    assert error_lines(run.stderr) == [f"qa: error: {pairs}: binary file, not text"]


def test_a_folder_named_like_an_article(tmp_path):
    folder = tmp_path / "content"
    write_pair(folder)
    (folder / "fake.en.md").mkdir()
    corpus = read_paths([folder])
    assert corpus.errors == [] and len(corpus.complete) == 1
    with pytest.raises(InputError, match="fake.en.md: no articles found"):
        discover([folder / "fake.en.md"])
    with pytest.raises(InputError, match="is a folder, not a file"):
        read_text_file(folder / "fake.en.md")


def test_a_file_that_vanishes_between_discovery_and_reading(tmp_path, monkeypatch):
    folder = tmp_path / "content"
    write_pair(folder)
    (folder / "gone.en.txt").write_text("A headline\n\nA paragraph that will not be there.\n")
    found = discover([folder])

    def discover_then_delete(paths, **options):  # discover's errors, skipped and follow_symlinks
        (folder / "gone.en.txt").unlink()
        return found

    monkeypatch.setattr(qa.corpus, "discover", discover_then_delete)
    corpus = read_paths([folder])
    assert [str(error) for error in corpus.errors] == [f"{folder / 'gone.en.txt'}: no such file"]
    assert len(corpus.complete) == 1


# --- files that change during a run --------------------------------------------------------------


def test_a_file_that_grows_after_stat_is_still_cut_at_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "growing.en.txt"
    path.write_text("x" * 5000)
    real_stat = Path.stat

    def stale_stat(self, *args, **kwargs):
        result = real_stat(self, *args, **kwargs)
        if self != path:
            return result
        fields = list(result)
        fields[6] = 10  # st_size as it was when the file was still small
        return os.stat_result(fields)

    monkeypatch.setattr(Path, "stat", stale_stat)
    with pytest.raises(InputError, match=r"file is too large \(over 1 KB\)"):
        read_text_file(path, max_bytes=1024)


def test_a_file_rewritten_after_reading_leaves_a_consistent_report(tmp_path):
    write_pair(tmp_path)
    corpus = read_paths([tmp_path])
    report = check_corpus(corpus.pairs, engine=None)
    (tmp_path / "plan.en.md").write_text("---\ntitle: Other\n---\n\nSomething else entirely.\n")
    document = json.loads(renderer("json")(report))
    (segment,) = [s for s in document["articles"][0]["segments"] if s["role"] == "body"]
    assert segment["text"] == "The government approved the plan on Tuesday."
    target = report.articles[0].pair.target
    assert target.text[segment["start"] : segment["end"]] == segment["text"]
    for name in ("html", "sarif", "junit", "github", "text"):
        renderer(name)(report)


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_qa_changes_no_input_file(tmp_path):
    content = tmp_path / "content"
    write_pair(content)
    (content / "page.en.txt").write_text("Un titular en español\n\nThe page text.\n")
    (content / "broken.en.md").write_bytes(b"\xff\xfe")
    before = digests(content)
    for args in (["check", "content", "--engine", "none"],
                 ["check", "content", "--engine", "none", "--format", "html", "-o", "out.html"],
                 ["baseline", "content", "--engine", "none", "-o", "accepted.json"],
                 ["inspect", "content", "--format", "json"]):
        run = qa_command(*args, cwd=tmp_path)
        assert run.returncode == 2 and len(error_lines(run.stderr)) == 1  # broken.en.md
    assert digests(content) == before


# --- configuration paths leading out of the repository ------------------------------------------


@pytest.mark.parametrize(
    ("setting", "outside"),
    [
        ('baseline = "../../etc/x"', None),
        ('cache = "{outside}/cache.sqlite3"', "cache.sqlite3"),
        ('flagger = "link/flagger.json"', None),
        ('cache = "link/cache.sqlite3"', "cache.sqlite3"),
        ('[models]\nes-en = "../model"', None),
    ],
)
def test_configuration_paths_must_stay_in_the_repository(tmp_path, setting, outside):
    repo = tmp_path / "repo"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_pair(repo / "content")
    (repo / ".git").mkdir()
    (repo / "link").symlink_to(elsewhere, target_is_directory=True)
    (repo / "qa.toml").write_text(setting.format(outside=elsewhere) + "\n")
    run = qa_command("check", "content", "--engine", "apertium", cwd=repo)
    assert run.returncode == 2
    (line,) = error_lines(run.stderr)
    assert line.startswith("qa: error: qa.toml: '") and "leads outside the repository" in line
    if outside:
        assert not (elsewhere / outside).exists()


# --- a 200 MB file --------------------------------------------------------------------------------

# VmHWM is this process's own peak; ru_maxrss would also count the pytest process it forked from.
PEAK_MEMORY = """
import re, sys
from qa.cli import cli
try:
    cli(sys.argv[1:], prog_name="qa")
except SystemExit as end:
    code = end.code
with open("/proc/self/status") as status:
    peak_kb = int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1))
print(code, peak_kb // 1024, file=sys.stderr)
"""


def peak_run(*args: str) -> tuple[int, int, list[str]]:
    """Exit code, peak resident memory in MB and error lines of a qa run in a fresh process."""
    run = subprocess.run([sys.executable, "-c", PEAK_MEMORY, *args], capture_output=True, text=True, timeout=120)
    code, peak = run.stderr.strip().splitlines()[-1].split()
    return int(code), int(peak), error_lines(run.stderr)


def test_a_200_mb_file_is_refused_without_being_read(tmp_path):
    big = tmp_path / "big.en.txt"
    with big.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: no disk is used
    code, peak, errors = peak_run("check", str(big), "--engine", "none")
    assert code == 2
    assert errors == [f"qa: error: {big}: file is too large (200.0 MB; the limit is 10 MB)"]
    assert peak < 100, f"peak {peak} MB"
    write_pair(tmp_path / "ok")
    code, peak, errors = peak_run("check", str(big), str(tmp_path / "ok"), "--engine", "none")
    assert code == 2 and len(errors) == 1
    assert peak < 200, f"peak {peak} MB while a 200 MB file was refused and one article checked"
    code, peak, errors = peak_run("score", str(big), "--engine", "none")
    assert code == 2 and errors == [f"qa: error: {big}: binary file, not text"]
    assert peak < 100, f"peak {peak} MB"


def test_qa_score_streams_a_file_over_the_size_limit_in_bounded_memory(tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    good = '{"id": "%s", "src": "El plan se aprobó el martes.", "tgt": "The plan was approved on Tuesday."}\n'
    with pairs.open("w", encoding="utf-8") as handle:
        handle.write(good % "first")
        handle.write('{"id": "huge", "src": "' + "palabra " * (30 * 1024 * 1024 // 8) + '", "tgt": "x"}\n')
        handle.write(good % "last")
    assert pairs.stat().st_size > 30 * 1024 * 1024
    run = subprocess.run([sys.executable, "-c", PEAK_MEMORY, "score", str(pairs), "--engine", "none"],
                         capture_output=True, text=True, timeout=120)
    code, peak = run.stderr.strip().splitlines()[-1].split()
    assert int(code) == 2
    assert error_lines(run.stderr) == [f"qa: error: {pairs}:2: line is longer than 1 MB"]
    assert [json.loads(line).get("id") for line in run.stdout.splitlines()] == [None, "first", "last"]
    assert int(peak) < 150, f"peak {peak} MB for a 30 MB file"


# --- file names and output paths ----------------------------------------------------------------


def test_a_file_name_that_is_not_utf8(tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.en.txt")
    (folder / name).write_text("A headline for the page\n\nBoth sides will discuss it on both sides.\n")
    for output_format in ("json", "html", "sarif", "github"):
        out = tmp_path / f"report.{output_format}"
        run = qa_command("check", str(folder), "--engine", "none", "--format", output_format, "-o", str(out),
                         "--fail-on", "never")
        assert run.returncode == 0 and error_lines(run.stderr) == []
        text = out.read_bytes().decode("utf-8")  # strict: the report is valid UTF-8
        # SARIF's URI names the file by its bytes; elsewhere the bad byte shows as U+FFFD
        assert ("caf%E9.en.txt" if output_format == "sarif" else "caf\ufffd.en.txt") in text
    run = qa_command("check", str(folder), "--engine", "none", "--format", "json", "--fail-on", "never")
    assert "caf\ufffd.en.txt" in json.loads(run.stdout.decode("utf-8"))["articles"][0]["path"]


def test_a_report_that_cannot_be_written_is_one_line(tmp_path):
    write_pair(tmp_path / "content")
    out = tmp_path / "missing-folder" / "report.json"
    run = qa_command("check", str(tmp_path / "content"), "--engine", "none", "-o", str(out))
    assert run.returncode == 2
    assert error_lines(run.stderr) == [
        f"qa: error: {out}: cannot write the output there: it is in a folder that does not exist ({out.parent})"]
    assert not out.parent.exists()
