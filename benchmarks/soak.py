"""Soak test: run `qa score` over 50,000 sentence pairs and watch its memory.

The pairs cycle through the newstest2013 article pairs in ../shared/eval, read at run time
(nothing is copied into the repository), with a counter appended so that no two texts are alike
and every translation is computed and stored. They are written to a JSONL file in a temporary
folder (about 17 MB for 50,000 pairs, over the 10 MB limit of article files: `qa score` streams
it), and one `qa score` process scores them with a fresh translation cache. Its resident memory
is read from /proc/PID/status as its results arrive: it should rise while the bounded caches of
``qa.signals`` fill, then stay flat.

    .venv/bin/python benchmarks/soak.py [--pairs 50000] [--engine apertium|none]

Prints resident memory after the first results, at each sample and at the end, and the peak;
writes benchmarks/results/soak.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARTICLES = REPO.parent / "shared" / "eval" / "newstest2013-articles.jsonl"
MB = 1024 * 1024


def newstest_pairs() -> list[tuple[str, str]]:
    """Every Spanish-English sentence pair of the aligned newstest2013 articles, in order."""
    pairs = []
    for line in ARTICLES.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for es_paragraph, en_paragraph in zip(record["es"]["paragraphs"], record["en"]["paragraphs"], strict=True):
            pairs.extend(zip(es_paragraph, en_paragraph, strict=True))
    return pairs


def numbered_pairs(base: list[tuple[str, str]], count: int) -> Iterator[tuple[str, str]]:
    """``count`` pairs cycling through ``base``, each side ending in its own number."""
    for number, (es, en) in zip(range(1, count + 1), itertools.cycle(base)):
        yield f"{es} ({number})", f"{en} ({number})"


def memory_mb(pid: int) -> tuple[float, float]:
    """A process's resident memory now and its peak so far (VmRSS, VmHWM), in MB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        fields = dict(line.split(":", 1) for line in status if line.startswith(("VmRSS:", "VmHWM:")))
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def soak(pairs_file: Path, engine: str, cache: Path, sample_every: int) -> dict:
    """Run `qa score` over ``pairs_file``; memory samples as results arrive, and totals."""
    command = [sys.executable, "-m", "qa", "score", str(pairs_file), "--engine", engine,
               "--cache", str(cache), "--quiet"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    samples, scored, flagged, peak = [], 0, 0, 0.0
    for line in process.stdout:
        scored += 1
        flagged += json.loads(line)["flagged"]
        if scored == 1 or scored % sample_every == 0:
            rss, peak = memory_mb(process.pid)
            sample = {"pairs": scored, "seconds": round(time.perf_counter() - started, 1), "rss_mb": round(rss, 1)}
            samples.append(sample)
            print(f"  {scored:>7,} pairs  {sample['seconds']:>7.1f} s  RSS {rss:>6.1f} MB", flush=True)
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"qa score failed: {errors.strip()}")
    return {"samples": samples, "scored": scored, "flagged": flagged,
            "seconds": round(time.perf_counter() - started, 1),
            "peak_rss_mb": round(max(peak, usage.ru_maxrss / 1024), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50_000)
    parser.add_argument("--engine", choices=["apertium", "ct2", "marian", "none"], default="apertium")
    parser.add_argument("--samples", type=int, default=10, help="memory samples over the run")
    args = parser.parse_args()
    if not ARTICLES.is_file():
        sys.exit(f"{ARTICLES} is absent; this soak test needs ../shared/eval")

    base = newstest_pairs()
    with tempfile.TemporaryDirectory() as folder:
        pairs_file = Path(folder) / "pairs.jsonl"
        with pairs_file.open("w", encoding="utf-8") as handle:
            for number, (es, en) in enumerate(numbered_pairs(base, args.pairs), start=1):
                handle.write(json.dumps({"id": str(number), "src": es, "tgt": en}, ensure_ascii=False) + "\n")
        file_mb = pairs_file.stat().st_size / MB
        cache = Path(folder) / "translations.sqlite3"
        print(f"qa soak: `qa score` of {args.pairs:,} pairs ({file_mb:.1f} MB of JSONL, cycling {len(base):,} "
              f"newstest2013 pairs), engine {args.engine}, {os.cpu_count()} cores")
        run = soak(pairs_file, args.engine, cache, max(1, args.pairs // args.samples))
        cache_mb = cache.stat().st_size / MB if cache.exists() else 0.0

    first, last = run["samples"][0], run["samples"][-1]
    # Memory rises while the bounded caches fill; the second half of the run should be flat.
    middle = next(s for s in run["samples"] if s["pairs"] >= args.pairs // 2)
    summary = {
        "pairs": run["scored"],
        "engine": args.engine,
        "pairs_file_mb": round(file_mb, 1),
        "seconds": run["seconds"],
        "pairs_per_second": round(run["scored"] / run["seconds"], 1) if run["seconds"] else None,
        "flagged": run["flagged"],
        "rss_after_first_results_mb": first["rss_mb"],
        "rss_half_way_mb": middle["rss_mb"],
        "rss_end_mb": last["rss_mb"],
        "rss_growth_in_second_half_mb": round(last["rss_mb"] - middle["rss_mb"], 1),
        "peak_rss_mb": run["peak_rss_mb"],
        "cache_file_mb": round(cache_mb, 1),
        "samples": run["samples"],
    }
    print(f"  RSS {first['rss_mb']:.1f} MB after the first results, {middle['rss_mb']:.1f} MB half way, "
          f"{last['rss_mb']:.1f} MB at the end ({summary['rss_growth_in_second_half_mb']:+.1f} MB in the second "
          f"half); peak {run['peak_rss_mb']:.1f} MB")
    print(f"  {run['scored']:,} pairs in {run['seconds']:.0f} s; {run['flagged']:,} flagged; cache file "
          f"{cache_mb:.1f} MB")
    results = REPO / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "soak.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
