"""Benchmark: how `qa score` scales over local worker processes (--jobs) and over a local Dask
cluster (--scheduler), against Apertium alone on the same sentences.

Reads the clean newstest article pairs from ../shared/eval at run time (newstest2012, then
newstest2013 if more pairs are wanted; nothing is copied into the repository) and writes them as a
temporary JSONL file. In each round it times, one after the other:

- Apertium alone: `apertium -u -f line spa-eng` on the Spanish side and `eng-spa` on the English
  side, both started at once (two processes running concurrently), until both are done;
- `qa score FILE --engine apertium --no-cache -q --jobs N` for each N of --jobs-list;
- for each W of --workers-list, a fresh local Dask cluster (a scheduler and W `dask worker`
  processes of one thread each) and `qa score ... --scheduler ADDRESS` on it; the cluster is torn
  down after each W. Skipped, with a note, when `distributed` is not installed.

Every run's output must be identical to the --jobs 1 run's, or the benchmark stops with an error.
The ratio to Apertium alone is taken within each round, so machine noise cancels out; the figures
are medians over the rounds. Peak RSS is that of the largest single process of a run: for --jobs,
`/usr/bin/time -f %M` of the qa process (the maximum over it and its worker processes, which it
waits for); for Dask, the larger of the qa driver's and each Dask worker's own peak. Each qa and
Dask process gets QA_CACHE_DIR and XDG_CACHE_HOME in a temporary folder, so the user's cache is
never touched.

With --ct2, the same figures for `--engine ct2` on two opus-mt-sized Marian models with random
weights (es-en and en-es, 65,001-token vocabulary, 6+6 layers, d_model 512, built by
benchmarks/pipeline.py's builder) on the first --ct2-pairs pairs. Their default is 400 because
`qa score` runs an input of at most one chunk (200 pairs) in one process whatever --jobs says, so
fewer pairs would time --jobs 1 only. The models are converted to CTranslate2 int8 once, by an
untimed run, before the first round. Random models translate into junk that runs to the length
bound, so the ct2 times are those of about twice a real model's decoding.

Prints a table per engine and writes benchmarks/results/scale.json.

    .venv/bin/python benchmarks/scale.py [--pairs 2000] [--rounds 2] [--jobs-list 1,2,4] [--workers-list 1,2]
                                         [--ct2 [--ct2-pairs 400]]
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
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# The benchmark's own folder is on sys.path when it runs as a script.
from score_pairs import apertium_alone, sentence_pairs

from qa.distribute import JOB_CHUNK_PAIRS

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "eval"
ARTICLE_SETS = ("newstest2012", "newstest2013")
DASK = Path(sys.executable).parent / "dask"
TIME = Path("/usr/bin/time")
# Seconds allowed for a Dask cluster to come up.
CLUSTER_TIMEOUT = 60
ALONE = "Apertium alone, both directions at once"


@dataclass(frozen=True, slots=True)
class Workload:
    """What one engine's runs score: the pairs, their JSONL file, and the engine's qa options."""

    engine: str
    pairs: list[dict]
    path: Path
    engine_args: tuple[str, ...]

    def command(self) -> list[str]:
        """`qa score` of the file with this engine and no translation cache."""
        return ["score", str(self.path), *self.engine_args, "--no-cache", "-q"]


@dataclass(frozen=True, slots=True)
class Sample:
    """One timed run, with the Apertium-alone time of the same round."""

    seconds: float
    alone: float
    peak_mb: float | None


@dataclass
class Figures:
    """Every sample of one engine's configurations, and the --jobs 1 output the others must match."""

    samples: dict[str, list[Sample]] = field(default_factory=dict)
    reference: str | None = None

    def add(self, config: str, sample: Sample) -> None:
        """Record one more sample of ``config``."""
        self.samples.setdefault(config, []).append(sample)


def int_list(text: str) -> list[int]:
    """A comma-separated list of positive whole numbers, for --jobs-list and --workers-list."""
    try:
        numbers = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from None
    if any(n < 1 for n in numbers):
        raise argparse.ArgumentTypeError(f"every number must be at least 1: {text!r}")
    return numbers


def article_pairs(count: int) -> tuple[list[dict], list[str]]:
    """The first ``count`` sentence pairs of the article sets, read in order, and the sets used."""
    pairs: list[dict] = []
    used: list[str] = []
    for name in ARTICLE_SETS:
        if len(pairs) == count:
            break
        for pair in sentence_pairs(EVAL / f"{name}-articles.jsonl", count - len(pairs)):
            pairs.append({**pair, "id": str(len(pairs) + 1)})
        used.append(name)
    if len(pairs) < count:
        sys.exit(f"the article sets hold only {len(pairs)} sentence pairs, fewer than --pairs {count}")
    return pairs, used


def write_pairs(path: Path, pairs: list[dict]) -> Path:
    """Write ``pairs`` as JSONL (id, src, tgt) and return the path."""
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
    return path


def child_env(folder: Path) -> dict[str, str]:
    """The environment of every qa and Dask process: caches in ``folder``, not the user's."""
    return {**os.environ, "QA_CACHE_DIR": str(folder / "qa-cache"), "XDG_CACHE_HOME": str(folder / "xdg-cache")}


def apertium_both(pairs: list[dict]) -> float:
    """Wall time of Apertium translating the Spanish and the English side, both started at once."""
    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(apertium_alone, "spa-eng", [p["src"] for p in pairs]),
                pool.submit(apertium_alone, "eng-spa", [p["tgt"] for p in pairs])]
        for run in runs:
            run.result()
    return time.perf_counter() - start


def run_qa(args: list[str], env: dict[str, str], folder: Path) -> tuple[float, float | None, str]:
    """Wall time, peak resident memory in MB (None without /usr/bin/time) and stdout of one
    `python -m qa` run; exits if qa fails."""
    peak_file = folder / "peak-kb"
    prefix = [str(TIME), "-f", "%M", "-o", str(peak_file)] if TIME.is_file() else []
    start = time.perf_counter()
    result = subprocess.run([*prefix, sys.executable, "-m", "qa", *args], capture_output=True, text=True,
                            env=env, cwd=REPO)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):  # 1: pairs were flagged
        sys.exit(f"qa {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    peak_mb = int(peak_file.read_text().split()[-1]) / 1024 if prefix else None
    return elapsed, peak_mb, result.stdout


def check_same(figures: Figures, output: str, what: str) -> None:
    """Exit unless ``output`` is exactly the --jobs 1 run's."""
    if output != figures.reference:
        sys.exit(f"{what}: the output differs from that of --jobs 1; it must be identical")


def own_peak_mb() -> float:
    """This process's peak resident memory in MB (run on each Dask worker)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def wait_for_file(path: Path, process: subprocess.Popen, log: Path) -> None:
    """Wait until the scheduler has written ``path``; exit if it dies or takes too long."""
    deadline = time.monotonic() + CLUSTER_TIMEOUT
    while not path.is_file():
        if process.poll() is not None or time.monotonic() > deadline:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-10:])
            sys.exit(f"the Dask scheduler did not start:\n{tail}")
        time.sleep(0.1)


def stop(processes: list[subprocess.Popen]) -> None:
    """Terminate ``processes`` (the workers before the scheduler) and wait for each."""
    for process in reversed(processes):
        process.terminate()
    for process in reversed(processes):
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def local_cluster(workers: int, env: dict[str, str], folder: Path) -> Iterator:
    """A Dask scheduler on 127.0.0.1 and ``workers`` one-thread workers, each its own `dask worker`
    process; yields a client connected to it, and tears everything down on the way out."""
    from distributed import Client

    scheduler_file = folder / "scheduler.json"
    scheduler_file.unlink(missing_ok=True)
    log_path = folder / "dask.log"
    processes: list[subprocess.Popen] = []
    client = None
    with log_path.open("ab") as log:

        def start(*args: str) -> subprocess.Popen:
            process = subprocess.Popen([str(DASK), *args], stdout=log, stderr=log, env=env, cwd=REPO)
            processes.append(process)
            return process

        try:
            scheduler = start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                              "--scheduler-file", str(scheduler_file))
            wait_for_file(scheduler_file, scheduler, log_path)
            for _ in range(workers):
                start("worker", "--scheduler-file", str(scheduler_file), "--nworkers", "1", "--nthreads", "1",
                      "--no-dashboard")
            client = Client(scheduler_file=str(scheduler_file), timeout=CLUSTER_TIMEOUT)
            client.wait_for_workers(workers, timeout=CLUSTER_TIMEOUT)
            yield client
        finally:
            if client is not None:
                client.close()
            stop(processes)


def time_jobs(work: Workload, figures: Figures, jobs: int, alone: float, env: dict[str, str], folder: Path) -> None:
    """Time `qa score --jobs JOBS`; the --jobs 1 output becomes the reference the others must match."""
    seconds, peak_mb, output = run_qa([*work.command(), "--jobs", str(jobs)], env, folder)
    if jobs == 1 and figures.reference is None:
        figures.reference = output
    config = f"qa score --jobs {jobs}"
    check_same(figures, output, config)
    figures.add(config, Sample(seconds, alone, peak_mb))


def time_cluster(work: Workload, figures: Figures, workers: int, alone: float, env: dict[str, str],
                 folder: Path) -> None:
    """Time `qa score --scheduler ADDRESS` on a fresh local cluster of ``workers`` workers."""
    with local_cluster(workers, env, folder) as client:
        address = json.loads((folder / "scheduler.json").read_text(encoding="utf-8"))["address"]
        seconds, driver_mb, output = run_qa([*work.command(), "--scheduler", address], env, folder)
        worker_mb = max(client.run(own_peak_mb).values())
    config = f"qa score --scheduler, {workers} Dask worker{'s' if workers > 1 else ''}"
    check_same(figures, output, config)
    figures.add(config, Sample(seconds, alone, max(driver_mb or 0, worker_mb)))


def measure(works: list[Workload], args: argparse.Namespace, env: dict[str, str], folder: Path) -> dict[str, Figures]:
    """Every configuration of every workload, round after round (see the module docstring)."""
    figures = {work.engine: Figures() for work in works}
    for round_number in range(1, args.rounds + 1):
        for work in works:
            print(f"round {round_number}: {work.engine}, {len(work.pairs)} pairs ...", file=sys.stderr)
            alone = apertium_both(work.pairs)
            figures[work.engine].add(ALONE, Sample(alone, alone, None))
            for jobs in args.jobs_list:
                time_jobs(work, figures[work.engine], jobs, alone, env, folder)
            for workers in args.workers_list:
                time_cluster(work, figures[work.engine], workers, alone, env, folder)
    return figures


def prepare_ct2(pairs: list[dict], folder: Path, env: dict[str, str]) -> Workload:
    """Build the opus-mt-sized random models, convert them to CTranslate2 with an untimed run, and
    return the ct2 workload."""
    # Only here: the builder pulls in the ct2 benchmarks' modules, which the default run never needs.
    from pipeline import build_models

    print("building opus-mt-sized random models ...", file=sys.stderr)
    models = build_models(folder / "models")
    engine_args = ("--engine", "ct2", *(f"--model={d}={path}" for d, path in models.items()))
    work = Workload("ct2", pairs, write_pairs(folder / "ct2-pairs.jsonl", pairs), engine_args)
    print("converting them to CTranslate2 ...", file=sys.stderr)
    warm_up = write_pairs(folder / "warm-up.jsonl", pairs[:2])
    run_qa(["score", str(warm_up), *engine_args, "--no-cache", "-q", "--jobs", "1"], env, folder)
    return work


def summary(samples: list[Sample], jobs_1: list[Sample], pairs: int) -> dict:
    """Median seconds, pairs/s, and the median within-round ratios of a configuration."""
    seconds = statistics.median(s.seconds for s in samples)
    peaks = [s.peak_mb for s in samples if s.peak_mb is not None]
    return {
        "seconds": [round(s.seconds, 3) for s in samples],
        "median_seconds": round(seconds, 3),
        "pairs_per_s": round(pairs / seconds, 1),
        "x_apertium_alone": round(statistics.median(s.seconds / s.alone for s in samples), 2),
        "speed_up_over_jobs_1": round(statistics.median(j.seconds / s.seconds for s, j in zip(samples, jobs_1)), 2),
        "peak_rss_mb": round(max(peaks)) if peaks else None,
    }


def print_table(title: str, rows: dict[str, dict]) -> None:
    """One engine's table: a row per configuration."""
    width = max(len(config) for config in rows)
    print(title)
    print(f"  {'config':<{width}}  {'median s':>8}  {'pairs/s':>7}  {'x Apertium alone':>16}  "
          f"{'speed-up vs --jobs 1':>20}  {'peak RSS MB':>11}")
    for config, row in rows.items():
        peak = "-" if row["peak_rss_mb"] is None else str(row["peak_rss_mb"])
        print(f"  {config:<{width}}  {row['median_seconds']:8.2f}  {row['pairs_per_s']:7.0f}  "
              f"{row['x_apertium_alone']:15.2f}x  {row['speed_up_over_jobs_1']:19.2f}x  {peak:>11}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2000, help="pairs scored with Apertium (default 2000)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of every measurement (default 2)")
    parser.add_argument("--jobs-list", type=int_list, default=[1, 2, 4], help="--jobs values (default 1,2,4)")
    parser.add_argument("--workers-list", type=int_list, default=[1, 2], help="Dask workers (default 1,2)")
    parser.add_argument("--ct2", action="store_true", help="also time --engine ct2 (builds two large models)")
    parser.add_argument("--ct2-pairs", type=int, default=2 * JOB_CHUNK_PAIRS,
                        help=f"pairs scored with ct2 (default {2 * JOB_CHUNK_PAIRS}: one chunk per worker of --jobs 2)")
    args = parser.parse_args()
    if 1 not in args.jobs_list:
        parser.error("--jobs-list must include 1: every output is checked against that of --jobs 1")
    args.jobs_list.sort()  # --jobs 1 first: its output is the reference
    return args


def main() -> None:
    args = parse_args()
    if not EVAL.is_dir():
        sys.exit(f"{EVAL} is absent; this benchmark needs ../shared/eval")
    notes = []
    try:
        import distributed  # noqa: F401
    except ImportError:
        args.workers_list = []
        notes.append("Dask: not measured, `distributed` is not installed (pip install 'newsroom-qa[cluster]')")
    if TIME.is_file():
        notes.append("peak RSS: the largest single process of a run (for Dask, driver or worker)")
    else:
        notes.append(f"peak RSS: not measured, {TIME} is absent")
    if not args.ct2:
        notes.append("ct2: not measured; pass --ct2 (it builds two opus-mt-sized random models and takes minutes)")
    for option, count in (("--pairs", args.pairs), ("--ct2-pairs", args.ct2_pairs if args.ct2 else None)):
        if count is not None and count <= JOB_CHUNK_PAIRS:
            notes.append(f"{option} {count}: one chunk of work (at most {JOB_CHUNK_PAIRS} pairs), which qa score "
                         "runs in one process whatever --jobs says")
    pairs, sets = article_pairs(args.pairs)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = child_env(folder)
        works = [Workload("apertium", pairs, write_pairs(folder / "pairs.jsonl", pairs), ("--engine", "apertium"))]
        if args.ct2:
            works.append(prepare_ct2(pairs[: args.ct2_pairs], folder, env))
        figures = measure(works, args, env, folder)
    load = (round(load_before, 2), round(os.getloadavg()[0], 2))

    report: dict = {"cores": os.cpu_count(), "rounds": args.rounds, "load_average_before_after": load,
                    "article_sets": sets, "notes": notes}
    for work in works:
        samples = figures[work.engine].samples
        jobs_1 = samples["qa score --jobs 1"]
        rows = {config: summary(runs, jobs_1, len(work.pairs)) for config, runs in samples.items()}
        title = (f"qa score, engine {work.engine}: {len(work.pairs)} pairs of {', '.join(sets)}, {args.rounds} "
                 f"round(s), medians; {os.cpu_count()} cores; load average {load[0]} before, {load[1]} after")
        print_table(title, rows)
        report[work.engine] = {"pairs": len(work.pairs), "runs": rows}
    for note in notes:
        print(f"  note: {note}")
    results = REPO / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "scale.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
