"""Benchmark: the sentence aligner's time and memory on the inputs of issue 26, and its recovery of
true links on newstest2013.

The sentences come from the newstest2012 and newstest2013 article pairs in ../shared/eval, read at
run time (nothing is copied into the repository):

- 1,000 / 2,000 (about 100 KB): Spanish sentences of at most 80 characters, and their English
  translations each split in two at the middle word, so the English side has twice as many;
- 2,000 / 4,000 (about 200 KB): the same;
- 2,000 / 4,000 without names or numbers: the same, lower-cased and without digits, so that no
  sentence anchors the guide path;
- 30,000 / 30,000: the same short pairs, not split;
- articles joined to 1 MB: whole article pairs, in order and over again, until the larger side
  reaches 1 MB;
- articles joined to 9.9 MB: the same, under the 10 MB file limit.

Each case runs in a fresh process, which builds its sentences and then measures
``alignment_work`` and ``align_sentences`` (no translations): CPU time (``time.process_time``)
and memory (VmHWM of the process, and how far it rose over VmRSS before aligning). A case past
MAX_ALIGNMENT_WORK is refused, and the time to refuse it is what is measured; ``--lift-bound``
also aligns the 9.9 MB articles with the bound lifted. The two joined cases are also checked
whole, as `qa check --engine none --no-cache` of the pair written as Markdown files, in a child
process (CPU time and peak RSS from wait4, wall time).

The recovery figure is measured as tests/test_align.py measures it (English side merged, split,
dropped and padded at random, Apertium back-translation), and again with a block of 25 to 60
unrelated English sentences added to each article, which puts the aligner on its guide path.

Prints a table and writes benchmarks/results/align.json.

    .venv/bin/python benchmarks/align.py [--cases NAME,...] [--skip-check] [--skip-recovery] [--lift-bound]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "eval"
ARTICLE_SETS = ("newstest2012", "newstest2013")
MB = 1024 * 1024
SHORT = 80  # characters, at most, of the Spanish sentences of the split cases
CASES = ("1000/2000", "2000/4000", "2000/4000 plain", "30000/30000", "joined 1 MB", "joined 9.9 MB")


def records() -> list[dict]:
    """The newstest article pairs, in order."""
    found = []
    for name in ARTICLE_SETS:
        path = EVAL / f"{name}-articles.jsonl"
        found += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return found


def sentences_of(record: dict, lang: str) -> list[str]:
    return [sentence for paragraph in record[lang]["paragraphs"] for sentence in paragraph]


def short_pairs() -> list[tuple[str, str]]:
    """Sentence pairs of paragraphs with as many sentences on each side, Spanish at most SHORT."""
    pairs = []
    for record in records():
        for spanish, english in zip(record["es"]["paragraphs"], record["en"]["paragraphs"], strict=True):
            if len(spanish) == len(english):
                pairs += [(es, en) for es, en in zip(spanish, english) if len(es) <= SHORT and " " in en]
    return pairs


def halves(sentence: str) -> list[str]:
    words = sentence.split()
    middle = len(words) // 2
    return [" ".join(words[:middle]), " ".join(words[middle:])]


def split_case(count: int, *, plain: bool = False, split: bool = True) -> tuple[list[str], list[str]]:
    pairs = short_pairs()
    chosen = [pairs[k % len(pairs)] for k in range(count)]
    spanish = [es for es, _ in chosen]
    english = [half for _, en in chosen for half in halves(en)] if split else [en for _, en in chosen]
    if plain:
        spanish, english = ([re.sub(r"\d", "", text.lower()) for text in side] for side in (spanish, english))
    return spanish, english


def joined_case(size: float) -> tuple[list[str], list[str]]:
    """Whole article pairs, in order and over again, until the larger side would pass ``size`` bytes
    (a Markdown paragraph per four sentences adds about 1%)."""
    spanish: list[str] = []
    english: list[str] = []
    totals = [0, 0]
    every = records()
    for number in range(10**6):
        record = every[number % len(every)]
        sides = sentences_of(record, "es"), sentences_of(record, "en")
        grown = [total + sum(len(text.encode()) + 1 for text in side) for total, side in zip(totals, sides)]
        if max(grown) * 1.02 > size:
            break
        spanish += sides[0]
        english += sides[1]
        totals = grown
    return spanish, english


def build(case: str) -> tuple[list[str], list[str]]:
    if case.startswith("joined"):
        return joined_case(float(case.split()[1]) * MB)
    counts = case.split()[0].split("/")
    return split_case(int(counts[0]), plain=case.endswith("plain"), split=counts[0] != counts[1])


def status_bytes(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as lines:
        return int(re.search(field + r":\s+(\d+) kB", lines.read()).group(1)) * 1024


def run_case(case: str, lift_bound: bool) -> dict:
    """Measure one case in this process (which should be fresh)."""
    from qa.align import MAX_ALIGNMENT_WORK, AlignmentTooLarge, align_sentences, alignment_work, corridor

    spanish, english = build(case)
    size = sum(len(text.encode()) + 1 for text in spanish + english)
    before = status_bytes("VmRSS")
    started = time.process_time()
    work = alignment_work(spanish, english)
    try:
        links = align_sentences(spanish, english, max_work=10**12 if lift_bound else MAX_ALIGNMENT_WORK)
        outcome = f"{len(links):,} links"
    except AlignmentTooLarge:
        outcome = "refused: over the bound"
    seconds = time.process_time() - started
    cells = corridor(spanish, english)
    return {
        "case": case + (" (bound lifted)" if lift_bound else ""),
        "sources": len(spanish), "targets": len(english), "kb": round(size / 1024),
        "corridor_cells": cells.cells(), "work": work, "cpu_seconds": round(seconds, 2),
        "peak_rss_mb": round(status_bytes("VmHWM") / MB), "rise_mb": round((status_bytes("VmHWM") - before) / MB),
        "outcome": outcome,
    }


def in_fresh_process(case: str, lift_bound: bool) -> dict:
    command = [sys.executable, __file__, "--one", case] + (["--lift-bound"] if lift_bound else [])
    run = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    if run.returncode != 0:
        sys.exit(f"case {case} failed: {run.stderr.strip()}")
    return json.loads(run.stdout)


def write_markdown(folder: Path, slug: str, spanish: list[str], english: list[str]) -> None:
    for lang, side in (("es", spanish), ("en", english)):
        paragraphs = [" ".join(side[k : k + 4]) for k in range(0, len(side), 4)]
        (folder / f"{slug}.{lang}.md").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")


def whole_check(case: str) -> dict:
    """`qa check --engine none --no-cache` of the case's sentences written as a Markdown pair."""
    spanish, english = build(case)
    with tempfile.TemporaryDirectory() as folder:
        articles, output = Path(folder) / "content", Path(folder) / "report.json"
        articles.mkdir()
        write_markdown(articles, "nota", spanish, english)
        sizes = [round((articles / f"nota.{lang}.md").stat().st_size / MB, 2) for lang in ("es", "en")]
        env = {**os.environ, "QA_CACHE_DIR": str(Path(folder) / "cache")}
        command = [sys.executable, "-m", "qa", "check", "--engine", "none", "--no-cache", "--quiet",
                   "--format", "json", "-o", str(output), "--", str(articles)]
        started = time.perf_counter()
        with (Path(folder) / "stderr").open("w+b") as stderr:
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, cwd=REPO, env=env)
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - started
            stderr.seek(0)
            lines = stderr.read().decode(errors="replace").splitlines()
        report = json.loads(output.read_text(encoding="utf-8")) if output.exists() else {}
    return {
        "case": f"qa check, {case}", "files_mb": sizes, "exit_code": os.waitstatus_to_exitcode(status),
        "wall_seconds": round(wall, 1), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024), "articles_checked": report.get("summary", {}).get("articles"),
        "errors": [error["message"] for error in report.get("errors", [])], "stderr": lines,
    }


def recovery() -> dict | None:
    """Share of true links found on newstest2013, as tests/test_align.py measures it, and with a
    block of unrelated sentences added to each article."""
    if shutil.which("apertium") is None:
        print("  recovery: skipped, apertium is not installed")
        return None
    sys.path.insert(0, str(REPO / "tests"))
    from test_align import links_of, perturb

    from qa.align import align_sentences
    from qa.translate.apertium import ApertiumEngine

    path = EVAL / "newstest2013-articles.jsonl"
    every = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    rng, blocks = random.Random(0), random.Random(7)
    pool = [s for record in reversed(every) for paragraph in record["en"]["paragraphs"] for s in paragraph]
    engine = ApertiumEngine()
    found = {"as in the test": [0, 0], "with a block of sentences added": [0, 0]}
    try:
        for record in every:
            sources = sentences_of(record, "es")
            perturbed, truth = perturb(sentences_of(record, "en"), pool, rng)
            at, size = blocks.randint(0, len(perturbed)), blocks.randint(25, 60)
            start = blocks.randrange(len(pool) - size)
            padded = perturbed[:at] + pool[start : start + size] + perturbed[at:]
            shifted = [(s, tuple(j + size if j >= at else j for j in t)) for s, t in truth]
            shifted += [((), (at + k,)) for k in range(size)]
            for name, targets, links in (("as in the test", perturbed, truth),
                                         ("with a block of sentences added", padded, shifted)):
                back = engine.translate(targets, "en", "es")
                predicted = set(links_of(align_sentences(sources, targets, back)))
                found[name][0] += len(predicted & set(links))
                found[name][1] += len(links)
    finally:
        engine.close()
    return {name: {"recall": round(hit / total, 4), "true_links": total} for name, (hit, total) in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated, from: " + ", ".join(CASES))
    parser.add_argument("--skip-check", action="store_true", help="do not run `qa check` on the joined cases")
    parser.add_argument("--skip-recovery", action="store_true", help="do not measure newstest recovery")
    parser.add_argument("--lift-bound", action="store_true", help="also align the 9.9 MB articles, bound lifted")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_case(args.one, args.lift_bound)))
        return
    if not EVAL.is_dir():
        sys.exit(f"{EVAL} is absent; this benchmark needs ../shared/eval")

    from qa.align import MAX_ALIGNMENT_WORK

    print(f"qa align benchmark: {os.cpu_count()} cores; bound {MAX_ALIGNMENT_WORK:,} units of work")
    results: dict = {"bound": MAX_ALIGNMENT_WORK, "aligner": [], "check": [], "recovery": None}
    chosen = [case.strip() for case in args.cases.split(",") if case.strip()]
    runs = [(case, False) for case in chosen]
    runs += [("joined 9.9 MB", True)] if args.lift_bound and "joined 9.9 MB" in chosen else []
    for case, lift in runs:
        row = in_fresh_process(case, lift)
        results["aligner"].append(row)
        print(f"  {row['case']:<28} {row['sources']:>7,} / {row['targets']:<7,} {row['kb']:>7,} KB  "
              f"work {row['work']:>13,}  {row['cpu_seconds']:>7.2f} s CPU  peak {row['peak_rss_mb']:>5} MB "
              f"(+{row['rise_mb']} MB)  {row['outcome']}", flush=True)
    if not args.skip_check:
        for case in (case for case in chosen if case.startswith("joined")):
            row = whole_check(case)
            results["check"].append(row)
            print(f"  {row['case']:<28} files {row['files_mb']} MB  exit {row['exit_code']}  "
                  f"{row['wall_seconds']:.0f} s wall, {row['cpu_seconds']} s CPU, peak {row['peak_rss_mb']} MB, "
                  f"{row['articles_checked']} article(s) checked", flush=True)
            for message in row["errors"]:
                print(f"    report error: {message}")
            for line in row["stderr"]:
                print(f"    stderr: {line}")
    if not args.skip_recovery:
        results["recovery"] = recovery()
        for name, figures in (results["recovery"] or {}).items():
            print(f"  newstest2013 recovery, {name}: {figures['recall']:.2%} of {figures['true_links']:,} true links")
    folder = REPO / "benchmarks" / "results"
    folder.mkdir(exist_ok=True)
    (folder / "align.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
