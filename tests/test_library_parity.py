"""``qa.check(path)`` gives exactly what ``qa check path`` gives: the same settings file, ignore
globs, inline ignores, baseline and cache, because both run ``qa.run``. Real Apertium and a real
SQLite cache; the corpus is the project's own, copied so the test can edit it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import qa
from qa.report.json import report_to_dict

REPO = Path(__file__).resolve().parent.parent
IGNORED_ARTICLE = "sequia-embalses-segral.md"
INLINE_ARTICLE = "en/cooperacion-seguridad-espana-portugal.md"
INLINE_TEXT = "According to sources at the Interior Ministry"


def flags(document: dict) -> list[tuple]:
    """Every flag of a JSON report, as what an editor would compare."""
    return sorted(
        (Path(article["path"]).resolve().as_posix(), segment["line"], segment["column"], segment["severity"],
         tuple(reason["signal"] for reason in segment["reasons"]), round(segment["score"], 4))
        for article in document["articles"] for segment in article["segments"] if segment["flagged"]
    )


def cli_json(path: Path) -> tuple[int, dict]:
    done = subprocess.run([sys.executable, "-m", "qa", "check", "--format", "json", "-q", "--", str(path)],
                          capture_output=True, text=True, timeout=600, cwd=path, env=dict(os.environ))
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def newsroom(tmp_path: Path, engine: str) -> Path:
    """A copy of corpora/ with a qa.toml (an ignore glob, the engine, a cache in the folder) and
    an inline ignore before a flagged paragraph."""
    root = tmp_path / "newsroom"
    shutil.copytree(REPO / "corpora", root)
    (root / "qa.toml").write_text(
        f'engine = "{engine}"\nignore = ["*/{IGNORED_ARTICLE}"]\ncache = ".qa-cache.sqlite3"\n', encoding="utf-8"
    )
    article = root / INLINE_ARTICLE
    lines = article.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(k for k, line in enumerate(lines) if INLINE_TEXT in line)
    article.write_text("".join([*lines[:at], "<!-- qa: ignore -->\n", *lines[at:]]), encoding="utf-8")
    return root


@pytest.mark.parametrize("engine", ["none", "apertium"])
def test_the_library_gives_the_flags_of_the_command_line(tmp_path, engine, request, monkeypatch):
    if engine == "apertium":
        request.getfixturevalue("apertium_available")
    monkeypatch.delenv("QA_CACHE_DIR", raising=False)  # it would win over qa.toml's cache
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))  # where the unconfigured run writes
    root = newsroom(tmp_path, engine)
    report = qa.check(root)  # cold cache: everything computed
    library = flags(report_to_dict(report))
    code, document = cli_json(root)  # warm cache: everything read back
    assert library == flags(document)
    assert report.return_code("error") == code
    assert report.signature.to_dict() == document["signature"]

    # The settings were honoured, not merely ignored by both.
    paths = {Path(article.path).name for article in report.articles}
    assert IGNORED_ARTICLE not in paths and len(paths) == 5
    inline = [s for a in report.articles if a.path.endswith(INLINE_ARTICLE) for s in a.segments
              if " ".join(t.text for t in s.target).startswith(INLINE_TEXT)]
    assert inline and not any(s.result.flagged for s in inline)
    assert (root / ".qa-cache.sqlite3").is_file()
    (root / "qa.toml").unlink()
    unconfigured = flags(report_to_dict(qa.check(root, engine=engine)))
    assert len(unconfigured) > len(library)


def test_the_library_reads_the_baseline_the_command_line_reads(tmp_path):
    root = newsroom(tmp_path, "none")
    with (root / "qa.toml").open("a", encoding="utf-8") as settings:
        settings.write('baseline = ".qa-baseline.json"\n')
    before = flags(report_to_dict(qa.check(root)))
    done = subprocess.run([sys.executable, "-m", "qa", "baseline", "-q", "--", str(root)], capture_output=True,
                          text=True, timeout=300, cwd=root, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert before and flags(report_to_dict(qa.check(root))) == []
    assert cli_json(root) == (0, json.loads(json.dumps(report_to_dict(qa.check(root)))))


def test_the_library_closes_what_it_opens(tmp_path, apertium_available):
    """An engine qa.check opened is closed when it returns: no Apertium process is left."""
    root = newsroom(tmp_path, "apertium")
    before = _apertium_children()
    qa.check(root)
    assert _apertium_children() == before


def _apertium_children() -> set[int]:
    own = str(os.getpid())
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == own and "apertium" in fields.get("Name", "") + _cmdline(status.parent):
            found.add(int(status.parent.name))
    return found


def _cmdline(folder: Path) -> str:
    try:
        return (folder / "cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


PLACES = [("Sevilla", "Seville"), ("Zaragoza", "Zaragoza"), ("Córdoba", "Cordoba"), ("Bilbao", "Bilbao"),
          ("La Coruña", "A Coruña"), ("Valladolid", "Valladolid"), ("Murcia", "Murcia"), ("Gijón", "Gijon"),
          ("Toledo", "Toledo")]
DEEDS = [("aprobó un plan de {n} millones para reparar las calles", "approved a plan of {n} million to repair the streets"),
         ("abrió {n} nuevas plazas en las escuelas infantiles", "opened {n} new places in the nursery schools"),
         ("contrató a {n} bomberos antes del verano", "hired {n} firefighters before the summer"),
         ("plantó {n} árboles junto al río", "planted {n} trees beside the river"),
         ("cerró {n} calles al tráfico durante las fiestas", "closed {n} streets to traffic during the festivities")]


def invented_pairs(count: int) -> list[tuple[str, str]]:
    """``count`` invented sentence pairs about town councils, every seventh garbled (a wrong
    number, a translation cut short, or one left in Spanish), none the same as another."""
    pairs = []
    for k in range(count):
        (place, town), (deed, done) = PLACES[k % len(PLACES)], DEEDS[k // len(PLACES) % len(DEEDS)]
        n = 3 + k
        source = f"El ayuntamiento de {place} {deed.format(n=n)}."
        target = f"The {town} city council {done.format(n=n)}."
        if k % 7 == 3:
            target = target.replace(str(n), str(n * 10 + 1))
        elif k % 7 == 5:
            target = f"The {town} city council"
        elif k % 7 == 6:
            target = source
        pairs.append((source, target))
    return pairs


def test_the_library_streams_what_qa_score_prints_spread_over_jobs(tmp_path, monkeypatch):
    pairs = invented_pairs(450)  # more than two chunks of JOB_CHUNK_PAIRS: --jobs 2 spreads them
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps({"id": str(k), "src": src, "tgt": tgt}, ensure_ascii=False) + "\n"
                            for k, (src, tgt) in enumerate(pairs, start=1)), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    done = subprocess.run([sys.executable, "-m", "qa", "score", str(path), "--jobs", "2", "--engine", "none"],
                          capture_output=True, text=True, timeout=600, env=dict(os.environ))
    assert done.returncode == 1, done.stderr  # some invented pairs are garbled
    signature_line, *printed = done.stdout.splitlines()

    stream = qa.score_pairs(iter(pairs), jobs=2, stream=True, engine="none")
    streamed = [json.dumps(result.to_dict(), ensure_ascii=False) for result in stream]
    assert streamed == printed and len(printed) == 450
    assert stream.signature is not None
    assert json.dumps({"signature": stream.signature.to_dict()}, ensure_ascii=False) == signature_line
    assert any(json.loads(line)["flagged"] for line in printed) and not all(json.loads(line)["flagged"] for line in printed)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_library_gives_results_before_it_has_read_all_its_input(tmp_path, monkeypatch, jobs):
    from qa.run import SCORE_CHUNK_PAIRS

    monkeypatch.chdir(tmp_path)
    pairs = invented_pairs(3 * SCORE_CHUNK_PAIRS)
    pulled = 0

    def counted():
        nonlocal pulled
        for pair in pairs:
            pulled += 1
            yield pair

    stream = qa.score_pairs(counted(), jobs=jobs, stream=True, engine="none")
    first = next(stream)
    assert first.id == "1"
    assert pulled < len(pairs)  # a chunk's results come as it is done: the input is not drained first
    assert stream.signature is not None and stream.signature.engine == "none"
    stream.close()  # stops reading and ends the workers
    assert pulled < len(pairs)
