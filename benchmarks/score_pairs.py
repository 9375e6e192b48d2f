"""Benchmark: `qa score` with the Apertium engine against Apertium alone on the same sentences.

Reads the clean newstest article pairs from ../shared/eval at run time (nothing is copied into
the repository), writes them as a temporary JSONL file and times, in each round, `apertium -u -f
line` translating the Spanish side and the English side, then qa's own engine path with no
signal computed (the translations and unknown words `qa score` asks for), then the real `qa score
--no-cache` command line, then `qa score` with a cold and a warm cache. CPU time is measured too
(user and system, of each run and every process it waited for). The ratio qa / Apertium is taken
within each round, so machine noise cancels out. Prints a table and writes
benchmarks/results/score_pairs.json.

    .venv/bin/python benchmarks/score_pairs.py [--set newstest2012] [--pairs 800] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "eval"


def sentence_pairs(articles: Path, limit: int) -> list[dict]:
    """Spanish-English sentence pairs from the aligned articles, in order."""
    pairs = []
    for line in articles.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for es_paragraph, en_paragraph in zip(record["es"]["paragraphs"], record["en"]["paragraphs"], strict=True):
            for es, en in zip(es_paragraph, en_paragraph, strict=True):
                pairs.append({"id": str(len(pairs) + 1), "src": es, "tgt": en})
                if len(pairs) == limit:
                    return pairs
    return pairs


def children_cpu() -> float:
    """CPU seconds (user and system) used so far by the ended child processes and, through
    them, by every process they waited for (a pipeline's stages)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(args: list[str], env: dict) -> tuple[float, float, float, str]:
    """Wall time, CPU seconds, peak resident memory (MB) of the child, and stdout of one qa run."""
    cpu, start = children_cpu(), time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, env=env, cwd=REPO)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):  # 1: pairs were flagged
        sys.exit(f"qa failed ({result.returncode}): {result.stderr.strip()}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, children_cpu() - cpu, peak_mb, result.stdout


# qa's own engine path with no signal computed: the translations both ways and the analyser's
# unknown words, as `qa score` asks for them, then the engine closed.
TRANSLATIONS_ONLY = """
import json, sys
from qa.score import add_translations
from qa.signals import Segment
from qa.translate import EngineOptions, create_engine
pairs = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
engine, _ = create_engine("apertium", EngineOptions(), [("es", "en")])
add_translations([Segment(p["src"], p["tgt"], "es", "en") for p in pairs], engine)
engine.close()
"""


def translations_only(path: Path) -> tuple[float, float]:
    """Wall time and CPU seconds of qa's Apertium path on the pairs with no signal computed."""
    cpu, start = children_cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-c", TRANSLATIONS_ONLY, str(path)], check=True, cwd=REPO)
    return time.perf_counter() - start, children_cpu() - cpu


def apertium_alone(mode: str, sentences: list[str]) -> tuple[float, float]:
    """Wall time and CPU seconds of ``apertium -u -f line MODE`` translating ``sentences``,
    one per line."""
    text = "".join(f"{sentence}\n" for sentence in sentences)
    cpu, start = children_cpu(), time.perf_counter()
    subprocess.run(["apertium", "-u", "-f", "line", mode], input=text, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="newstest2012", choices=["newstest2012", "newstest2013"])
    parser.add_argument("--pairs", type=int, default=800)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every measurement (default 3)")
    args = parser.parse_args()
    articles = EVAL / f"{args.set}-articles.jsonl"
    if not articles.is_file():
        sys.exit(f"{articles} is absent; this benchmark needs ../shared/eval")
    pairs = sentence_pairs(articles, args.pairs)
    rounds = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pairs.jsonl"
        path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
        for round_number in range(args.rounds):
            env = {**os.environ, "QA_CACHE_DIR": str(Path(folder) / f"cache-{round_number}")}
            command = ["score", str(path), "--engine", "apertium", "--quiet"]
            spa_eng = apertium_alone("spa-eng", [p["src"] for p in pairs])
            eng_spa = apertium_alone("eng-spa", [p["tgt"] for p in pairs])
            only, only_cpu = translations_only(path)
            no_cache, no_cache_cpu, no_cache_mb, out = timed_run([*command, "--no-cache"], env)
            cold, _, _, _ = timed_run(command, env)
            warm, _, _, _ = timed_run(command, env)
            rounds.append({"alone": spa_eng[0] + eng_spa[0], "alone_cpu": spa_eng[1] + eng_spa[1],
                           "only": only, "only_cpu": only_cpu, "no_cache": no_cache, "no_cache_cpu": no_cache_cpu, "cold": cold, "warm": warm,
                           "peak_mb": no_cache_mb})
    lines = out.splitlines()[1:]  # after the signature line
    assert len(lines) == len(pairs), "one output line per pair"
    flagged = sum(json.loads(line)["flagged"] for line in lines)

    def median(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    ratios = [r["no_cache"] / r["alone"] for r in rounds]
    rows = [
        ("pairs", f"{len(pairs)} ({args.set}), {args.rounds} rounds, medians"),
        ("Apertium alone, both directions: seconds", f"{median('alone'):.2f}"),
        ("qa score --no-cache: seconds", f"{median('no_cache'):.2f}"),
        ("qa score --no-cache: pairs/s", f"{len(pairs) / median('no_cache'):.0f}"),
        ("qa score --no-cache / Apertium alone", f"{statistics.median(ratios):.2f}x "
                                                 f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)})"),
        ("Apertium alone: CPU seconds", f"{median('alone_cpu'):.2f}"),
        ("qa's engine path, no signals: seconds", f"{median('only'):.2f}"),
        ("qa's engine path, no signals: CPU seconds", f"{median('only_cpu'):.2f}"),
        ("qa score --no-cache: CPU seconds", f"{median('no_cache_cpu'):.2f} (its Apertium pipelines included)"),
        # On N cores a run takes at least its CPU time / N; so 1.5 times Apertium's time leaves
        # at most this much CPU for what qa adds to Apertium's own work.
        (f"CPU left for qa's own work at 1.5x on {os.cpu_count()} cores",
         f"{1.5 * (os.cpu_count() or 1) * median('alone') - median('alone_cpu'):.2f} "
         f"(it used {median('no_cache_cpu') - median('alone_cpu'):.2f})"),
        ("cold cache: seconds", f"{median('cold'):.2f}"),
        ("warm cache: seconds", f"{median('warm'):.2f}"),
        ("peak RSS of a run (MB)", f"{max(r['peak_mb'] for r in rounds):.0f}"),
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
