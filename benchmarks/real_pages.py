"""Benchmark: qa on real machine-translated news pages with an editor's label on every sentence.

Reads ../shared/realnews at run time (nothing of it is copied into the repository) and scores
this checkout's qa with the set's own scorer, ../shared/realnews/score_real.py, run from there:
each page is written to a temporary folder as a page dump (`<id>.en.txt`; in pairs mode also
`<id>.es.txt`), `qa check --format json` runs once over the folder, and a flag hits a labelled
sentence when the highlighted span and the sentence overlap by at least half of the shorter.

For each engine (`apertium`, `none`) and mode (`target`: every English page alone; `pairs`: the
pages that carry their Spanish original) it prints the scorer's report: recall of garbled
sentences, precision (a flag on an `ok` sentence is a false alarm; `mild` and `furniture` count
as neither), pages with nothing garbled that get an `error`, recall by kind, and the misses and
false alarms. Then how qa reads the English pages, with no engine: segments checked, segments
running over a line break, the longest, pages paired with a headline that is not a source
headline, labelled furniture read as checked text, and labelled text not read as text.

Prints a summary table and writes the figures (no page text) to
benchmarks/results/real_pages.json. Without ../shared/realnews it says so and exits 0.

    .venv/bin/python benchmarks/real_pages.py [--engine apertium,none] [--mode target,pairs] [--list 40]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
REALNEWS = REPO.parent / "shared" / "realnews"
SCORER = REALNEWS / "score_real.py"
RESULTS = REPO / "benchmarks" / "results" / "real_pages.json"
ENGINES = ("apertium", "none")
MODES = ("target", "pairs")
TEXT_LABELS = ("garbled", "mild", "ok")
_LAST_LINE = re.compile(
    r"real-pages: recall (?P<recall>[\d.]+%|n/a) \((?P<hits>\d+)/(?P<garbled>\d+)\) "
    r"precision (?P<precision>[\d.]+%|n/a) \((?P<true>\d+)/(?P<flagged>\d+)\) "
    r"false-error pages (?P<false_error>[\d.]+%|n/a) \((?P<false_error_count>\d+)/(?P<clean_pages>\d+)\)"
)


def load_scorer() -> ModuleType:
    """The set's scorer, imported from ../shared at run time (its matching rule and label
    placement are used as they are)."""
    spec = importlib.util.spec_from_file_location("score_real", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def qa_command(folder: Path) -> Path:
    """An executable that runs this checkout's qa with this interpreter (the scorer takes one)."""
    script = folder / "qa"
    script.write_text(f'#!/bin/sh\nPYTHONPATH="{REPO}${{PYTHONPATH:+:$PYTHONPATH}}" exec "{sys.executable}" -m qa "$@"\n',
                      encoding="utf-8")
    script.chmod(0o755)
    return script


def score(qa: Path, engine: str, mode: str, workdir: Path, listed: int) -> dict:
    """Run the scorer for one engine and mode; its report, figures and per-sentence results."""
    results = workdir / f"results-{mode}-{engine}.json"
    command = [sys.executable, str(SCORER), str(qa), str(REALNEWS / "pages.jsonl"), str(REALNEWS / "labels.jsonl"),
               engine, "--mode", mode, "--workdir", str(workdir), "--list", str(listed), "--json", str(results)]
    run = subprocess.run(command, capture_output=True, text=True, cwd=workdir, check=False)
    found = _LAST_LINE.search(run.stdout)
    if run.returncode != 0 or found is None:
        raise SystemExit(f"score_real.py failed ({engine}, {mode}): {run.stderr.strip() or run.stdout[-500:]}")
    sentences = json.loads(results.read_text(encoding="utf-8"))
    return {"report": run.stdout, "figures": found.groupdict(), "sentences": sentences}


def recall_by_kind(sentences: dict) -> dict[str, list[int]]:
    """Garbled sentences found and labelled, per kind."""
    table: dict[str, list[int]] = {}
    for row in sentences["results"]:
        if row["label"] == "garbled":
            hits = table.setdefault(row["kind"], [0, 0])
            hits[0] += row["severity"] is not None
            hits[1] += 1
    return dict(sorted(table.items()))


def reading_figures(scorer: ModuleType, workdir: Path) -> dict:
    """How qa reads the English pages, engine-free: what it checks against what the editor
    labelled (the scorer's overlap rule)."""
    from qa.corpus import read_paths

    pages = {page["id"]: page for page in scorer.load_jsonl(REALNEWS / "pages.jsonl")}
    by_page, _problems = scorer.place_labels(pages, scorer.load_jsonl(REALNEWS / "labels.jsonl"))
    folder = workdir / "reading"
    folder.mkdir()
    for page_id, page in pages.items():
        (folder / f"{page_id}.en.txt").write_text(page["text"], encoding="utf-8")
    checked = merged = longest = 0
    wrongly_paired: list[str] = []
    furniture_read: Counter[str] = Counter()
    furniture_all: Counter[str] = Counter()
    text_unread: Counter[str] = Counter()
    for pair in read_paths([folder]).pairs:
        article = pair.target
        assert article is not None  # every page is an English page
        page_id = scorer.page_id_of(article.path)
        labels = by_page.get(page_id, [])
        sentences = [s for _, s in article.sentences()]
        checked += len(sentences)
        merged += sum("\n" in s.text for s in sentences)
        longest = max([longest, *(len(s.text) for s in sentences)])
        if pair.method == "embedded-headline" and pair.source is not None:
            headline = pair.source.blocks[0]
            if not any(_hit(scorer, label, headline.start, headline.end) and label["label"] == "garbled"
                       for label in labels):
                wrongly_paired.append(page_id)
        for label in labels:
            read = any(_hit(scorer, label, s.start, s.end) for s in sentences)
            if label["label"] == "furniture":
                furniture_all[label["kind"]] += 1
                furniture_read[label["kind"]] += read
            elif not read:
                text_unread[label["label"]] += 1
    return {
        "segments_checked": checked,
        "segments_over_a_line_break": merged,
        "longest_segment": longest,
        "pages_paired_with_a_headline_that_is_not_a_source_headline": sorted(wrongly_paired),
        "furniture_read_as_text": {kind: [furniture_read[kind], total] for kind, total in sorted(furniture_all.items())},
        "labelled_text_not_read_as_text": dict(text_unread),
    }


def _hit(scorer: ModuleType, label: dict, start: int, end: int) -> bool:
    shared = scorer.overlap(label["start"], label["end"], start, end)
    return bool(shared) and shared >= 0.5 * min(label["end"] - label["start"], max(1, end - start))


def print_reading(figures: dict) -> None:
    """The page-reading figures, one per line."""
    print("\nHow qa reads the English pages (no engine):")
    print(f"  segments checked {figures['segments_checked']}, running over a line break "
          f"{figures['segments_over_a_line_break']}, longest {figures['longest_segment']} characters")
    wrong = figures["pages_paired_with_a_headline_that_is_not_a_source_headline"]
    print(f"  pages paired with a headline that is not a source headline: {len(wrong)} {' '.join(wrong)}")
    read = figures["furniture_read_as_text"]
    cut = read.get("excerpt_cutoff", [0, 0])
    others = [value for kind, value in read.items() if kind != "excerpt_cutoff"]
    print(f"  labelled furniture read as checked text: {sum(r for r, _ in others)}/{sum(t for _, t in others)} "
          f"(cut-off endings apart: {cut[0]}/{cut[1]}); by kind: "
          + ", ".join(f"{kind} {r}/{t}" for kind, (r, t) in read.items()))
    print(f"  labelled text not read as text: {figures['labelled_text_not_read_as_text'] or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default=",".join(ENGINES), help="engines, comma-separated (default: %(default)s)")
    parser.add_argument("--mode", default=",".join(MODES), help="modes, comma-separated (default: %(default)s)")
    parser.add_argument("--list", type=int, default=40, metavar="N", help="misses and false alarms listed per run")
    args = parser.parse_args()
    if not SCORER.is_file():
        print(f"{REALNEWS} is absent: nothing to measure (this benchmark needs ../shared/realnews)")
        return
    engines = [e for e in args.engine.split(",") if e]
    if "apertium" in engines and shutil.which("apertium") is None:
        print("apertium is not installed: its runs are skipped")
        engines.remove("apertium")
    started = time.perf_counter()
    scorer = load_scorer()
    results: dict = {"runs": {}}
    # The page text lives only in this folder, removed at the end.
    with tempfile.TemporaryDirectory(prefix="qa-real-pages-") as temporary:
        workdir = Path(temporary)
        qa = qa_command(workdir)
        for engine in engines:
            for mode in [m for m in args.mode.split(",") if m]:
                print(f"\n===== {mode}, --engine {engine} " + "=" * 40)
                run = score(qa, engine, mode, workdir, args.list)
                print(run["report"].rstrip())
                results["runs"][f"{mode}/{engine}"] = {**run["figures"], "recall_by_kind": recall_by_kind(run["sentences"]),
                                                       "false_error_page_ids": run["sentences"]["false_error_pages"]}
        results["reading"] = reading_figures(scorer, workdir)
    print_reading(results["reading"])
    print(f"\n{'mode/engine':18} {'recall':>15} {'precision':>15} {'clean pages with an error':>26}")
    for name, figures in results["runs"].items():
        print(f"{name:18} {figures['recall']:>7} ({figures['hits']:>2}/{figures['garbled']:>2}) "
              f"{figures['precision']:>7} ({figures['true']:>2}/{figures['flagged']:>2}) "
              f"{figures['false_error']:>12} ({figures['false_error_count']}/{figures['clean_pages']})")
    results["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\n{results['seconds']} s; figures written to {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
