"""Benchmark: `qa score` on 2,000 sentence pairs with the Apertium engine, cold and warm cache.

Reads the clean newstest2013 article pairs from ../shared/eval at run time (nothing is copied into
the repository), writes them as a temporary JSONL file and times the real command line, as a
pipeline would run it. Prints a table and writes benchmarks/results/score_pairs.json.

    .venv/bin/python benchmarks/score_pairs.py [--pairs 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARTICLES = REPO.parent / "shared" / "eval" / "newstest2013-articles.jsonl"


def sentence_pairs(limit: int) -> list[dict]:
    """Spanish-English sentence pairs from the aligned articles, in order."""
    pairs = []
    for line in ARTICLES.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for es_paragraph, en_paragraph in zip(record["es"]["paragraphs"], record["en"]["paragraphs"], strict=True):
            for es, en in zip(es_paragraph, en_paragraph, strict=True):
                pairs.append({"id": str(len(pairs) + 1), "src": es, "tgt": en})
                if len(pairs) == limit:
                    return pairs
    return pairs


def timed_run(args: list[str], env: dict) -> tuple[float, float, str]:
    """Wall time, peak resident memory (MB) of the child, and stdout of one qa run."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, env=env, cwd=REPO)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"qa failed ({result.returncode}): {result.stderr.strip()}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak_mb, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2000)
    args = parser.parse_args()
    if not ARTICLES.is_file():
        sys.exit(f"{ARTICLES} is absent; this benchmark needs ../shared/eval")
    pairs = sentence_pairs(args.pairs)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pairs.jsonl"
        path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
        env = {**os.environ, "QA_CACHE_DIR": folder}
        command = ["score", str(path), "--engine", "apertium", "--quiet"]
        cold, cold_mb, out = timed_run(command, env)
        warm, warm_mb, _ = timed_run(command, env)
    lines = out.splitlines()
    assert len(lines) == len(pairs), "one output line per pair"
    flagged = sum(json.loads(line)["flagged"] for line in lines)
    rows = [
        ("pairs", f"{len(pairs)}"),
        ("cold cache: seconds", f"{cold:.1f}"),
        ("cold cache: pairs/s", f"{len(pairs) / cold:.0f}"),
        ("warm cache: seconds", f"{warm:.1f}"),
        ("cold / warm", f"{cold / warm:.1f}x"),
        ("peak RSS of a run (MB)", f"{max(cold_mb, warm_mb):.0f}"),
        ("flagged (clean human translations)", f"{flagged} ({flagged / len(pairs):.1%})"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"qa score, engine apertium, {os.cpu_count()} cores")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    results = REPO / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "score_pairs.json").write_text(json.dumps(dict(rows), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
