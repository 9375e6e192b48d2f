"""Benchmark: the speed an editor feels. A check of a 1,000-word article pair through a running
`qa serve`, warm, against `qa check` of the same pair as a new process, in one run; then 20
requests at once, and the server's peak memory.

The article pair is built at run time from ../shared/eval/newstest2013-articles.jsonl (consecutive
articles until the English side has 1,000 words, as benchmarks/pipeline.py builds it) as
article.es.md and article.en.md in a temporary folder; nothing is copied into the repository. The
engine is Apertium. Both sides use one translation cache in the temporary folder (QA_CACHE_DIR),
so after the first run every translation comes from it; what is timed is what qa does around the
engine: starting Python and loading qa, models and settings for the process, and reading,
aligning and scoring for both.

Runs, in order:

- `qa check --format json -- article.es.md article.en.md` as a new process: once cold (the
  translations are made and cached), then three times warm; the median of the warm runs;
- `qa serve --port 0` on the same cache: a first request (texts the server has not read before),
  then ten requests with the same texts and names (`POST /api/check`, what an editor's re-check
  after a fix sends); the median. Every answer must equal what `qa check --format json` printed,
  byte for byte;
- 20 requests sent at once: wall time, median and 95th percentile of the answers, all 200 and equal;
- peak memory: the high-water resident size (VmHWM) of the server process and of its Apertium
  children, read from /proc.

Prints a table and writes benchmarks/results/serve.json. Exits 1 when a warm check through the
server takes more than a tenth of `qa check` as a new process (warm cache).

    .venv/bin/python benchmarks/serve.py [--words 1000] [--requests 10] [--wait-quiet 300]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# The benchmark's own folder is on sys.path when it runs as a script.
from engines import add_wait_quiet, wait_until_quiet
from pipeline import ARTICLES, write_article

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "serve.json"
NAMES = ("article.es.md", "article.en.md")
CONCURRENT = 20
TARGET_RATIO = 10
SERVING = re.compile(r"serving (http://\S+)")


def cli_check(folder: Path, env: dict[str, str]) -> tuple[float, str]:
    """``qa check`` of the pair as a new process: its wall time and its JSON output."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "qa", "check", "--engine", "apertium", "--format", "json", "-q", "--", *NAMES],
        cwd=folder, env=env, capture_output=True, text=True, timeout=600,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"qa check failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, done.stdout


def start_server(folder: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """``qa serve --port 0`` in ``folder``, and its address once it says it is serving."""
    server = subprocess.Popen(
        [sys.executable, "-m", "qa", "serve", "--engine", "apertium", "--port", "0"],
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    assert server.stderr is not None
    lines = []
    for line in server.stderr:
        lines.append(line)
        found = SERVING.search(line)
        if found:
            return server, found.group(1)
    sys.exit("qa serve stopped before serving:\n" + "".join(lines))


def check_body(folder: Path) -> bytes:
    """The request body of ``POST /api/check`` for the pair, with the files' names."""
    es, en = ((folder / name).read_text(encoding="utf-8") for name in NAMES)
    return json.dumps({"original": {"name": NAMES[0], "text": es},
                       "translation": {"name": NAMES[1], "text": en}}).encode("utf-8")


def timed_post(client, url: str, body: bytes) -> tuple[float, int, str]:
    start = time.perf_counter()
    answer = client.post(url, content=body, headers={"Content-Type": "application/json"})
    return time.perf_counter() - start, answer.status_code, answer.text


def peak_memory_mb(pid: int) -> tuple[float, float]:
    """VmHWM of process ``pid`` and the sum over its live children, in MB."""
    def hwm(process: int) -> float:
        try:
            status = Path(f"/proc/{process}/status").read_text()
        except OSError:
            return 0.0
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        return int(found.group(1)) / 1024 if found else 0.0

    children: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        children.update(int(child) for child in task.read_text().split())
    return hwm(pid), sum(map(hwm, children))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=10)
    add_wait_quiet(parser)
    args = parser.parse_args()
    if not ARTICLES.is_file():
        sys.exit(f"{ARTICLES} is absent; this benchmark needs ../shared/eval")
    import httpx

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "desk"
        words = write_article(folder, args.words)
        env = {**os.environ, "QA_CACHE_DIR": str(Path(tmp) / "cache")}
        load_before = wait_until_quiet(args.wait_quiet)
        print("qa check, cold ...", file=sys.stderr)
        cold, expected = cli_check(folder, env)
        print("qa check, warm ...", file=sys.stderr)
        warm_runs = [cli_check(folder, env) for _ in range(3)]
        if any(output != expected for _, output in warm_runs):
            sys.exit("qa check gave different outputs for the same pair")
        cli_warm = statistics.median(seconds for seconds, _ in warm_runs)

        print("qa serve ...", file=sys.stderr)
        started = time.perf_counter()
        server, address = start_server(folder, env)
        ready = time.perf_counter() - started
        try:
            body = check_body(folder)
            with httpx.Client(base_url=address, timeout=600) as client:
                health = client.get("/api/health").json()
                first, status, text = timed_post(client, "/api/check", body)
                if status != 200 or text != expected:
                    sys.exit(f"the server's first answer ({status}) is not what qa check printed")
                served = [timed_post(client, "/api/check", body) for _ in range(args.requests)]
            if any(status != 200 or text != expected for _, status, text in served):
                sys.exit("a warm answer differs from what qa check printed")
            server_warm = statistics.median(seconds for seconds, _, _ in served)

            print(f"{CONCURRENT} requests at once ...", file=sys.stderr)
            with httpx.Client(base_url=address, timeout=600) as client, ThreadPoolExecutor(CONCURRENT) as pool:
                start = time.perf_counter()
                answers = list(pool.map(lambda _: timed_post(client, "/api/check", body), range(CONCURRENT)))
                burst = time.perf_counter() - start
            all_right = sum(status == 200 and text == expected for _, status, text in answers)
            server_mb, children_mb = peak_memory_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)

    latencies = [seconds for seconds, _, _ in answers]
    ratio = cli_warm / server_warm
    results = {
        "words": words,
        "engine": health.get("engine"),
        "load_average_at_start": round(load_before, 2),
        "qa_check_cold_s": round(cold, 3),
        "qa_check_warm_median_s": round(cli_warm, 3),
        "server_ready_s": round(ready, 3),
        "server_first_request_s": round(first, 3),
        "server_warm_median_s": round(server_warm, 4),
        "ratio_qa_check_to_server": round(ratio, 1),
        "ratio_qa_check_to_first_request": round(cli_warm / first, 1),
        "concurrent": {
            "requests": CONCURRENT, "answered_correctly": all_right, "wall_s": round(burst, 3),
            "p50_s": round(statistics.median(latencies), 3), "p95_s": round(percentile(latencies, 0.95), 3),
        },
        "peak_memory_mb": {"server": round(server_mb, 1), "apertium_children": round(children_mb, 1)},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    print(f"A {words}-word article pair, engine {results['engine']}, translations cached "
          f"(load average {load_before:.2f} at start)\n")
    print(f"{'run':<44} {'seconds':>9}")
    for name, seconds in (
        ("qa check as a new process, cold", cold),
        ("qa check as a new process, warm (median of 3)", cli_warm),
        ("qa serve: start until serving", ready),
        ("qa serve: first request", first),
        (f"qa serve: warm request (median of {args.requests})", server_warm),
        (f"qa serve: {CONCURRENT} requests at once, all answered", burst),
    ):
        print(f"{name:<44} {seconds:>9.3f}")
    print(f"\nqa check / warm request: {ratio:.1f}x (target at least {TARGET_RATIO}x); "
          f"qa check / first request: {cli_warm / first:.1f}x")
    print(f"{CONCURRENT} at once: {all_right} of {CONCURRENT} answered with the right report; "
          f"p50 {results['concurrent']['p50_s']:.3f} s, p95 {results['concurrent']['p95_s']:.3f} s")
    print(f"peak memory: server {server_mb:.0f} MB, Apertium children {children_mb:.0f} MB")
    print(f"wrote {RESULTS.relative_to(REPO)}")
    if ratio < TARGET_RATIO or all_right != CONCURRENT:
        sys.exit(1)


if __name__ == "__main__":
    main()
