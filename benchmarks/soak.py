"""Soak test: score 50,000 sentence pairs in one process and watch its memory.

This is what `qa score` does (``qa.score.score_pairs`` through a ``CachedEngine`` over the SQLite
translation cache), run in process chunk by chunk so that resident memory can be sampled as it
goes: it should rise while the bounded caches of ``qa.signals`` fill, then stay flat. The pairs
cycle through the newstest2013 article pairs in ../shared/eval, read at run time (nothing is
copied into the repository), with a counter appended so that no two texts are alike and every
translation is computed and stored. Per-pair results are counted, not kept.

    .venv/bin/python benchmarks/soak.py [--pairs 50000] [--engine apertium|none] [--chunk 500]

Prints resident memory at the start, at each sample and at the end, the state of every
``lru_cache`` in ``qa.signals`` (and the other ``qa`` modules that keep one), and writes
benchmarks/results/soak.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import pkgutil
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARTICLES = REPO.parent / "shared" / "eval" / "newstest2013-articles.jsonl"
MB = 1024 * 1024


def resident_mb() -> float:
    """This process's resident memory now, from /proc/self/statm (second field, in pages)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / MB


def peak_mb() -> float:
    """This process's peak resident memory so far (VmHWM; ru_maxrss would count what a parent
    held before exec)."""
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


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


def batches(items: Iterator[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    """``items`` in lists of ``size`` (the last may be shorter)."""
    while batch := list(itertools.islice(items, size)):
        yield batch


def qa_caches() -> list[tuple[str, object]]:
    """Every function with a ``cache_info`` (functools.lru_cache or cache) in the qa modules that
    are imported, by qualified name."""
    import qa

    found = []
    for module_info in pkgutil.walk_packages(qa.__path__, "qa."):
        module = sys.modules.get(module_info.name)
        if module is None:
            continue
        for name, value in vars(module).items():
            if callable(value) and hasattr(value, "cache_info") and getattr(value, "__module__", None) == module.__name__:
                found.append((f"{module.__name__}.{name}", value))
    return sorted(found, key=lambda item: item[0])


def cache_state() -> dict[str, dict]:
    """Entries and bound of each qa cache (maxsize None means unbounded)."""
    state = {}
    for name, function in qa_caches():
        info = function.cache_info()
        state[name] = {"entries": info.currsize, "maxsize": info.maxsize}
    return state


def bounded_cache_entries() -> tuple[int, int]:
    """Entries held by the bounded qa caches, and the most they may hold."""
    bounded = [state for state in cache_state().values() if state["maxsize"] is not None]
    return sum(state["entries"] for state in bounded), sum(state["maxsize"] for state in bounded)


def open_engine(engine_name: str, cache_path: Path):
    """The engine ``qa score`` would use, wrapped in the translation cache; None for "none"."""
    if engine_name == "none":
        return None
    from qa.translate import EngineOptions, create_engine
    from qa.translate.cache import CachedEngine, TranslationCache

    inner, _ = create_engine(engine_name, EngineOptions(), [("en", "es"), ("es", "en")])
    return CachedEngine(inner, TranslationCache(cache_path))


def soak(pairs: Iterator[tuple[str, str]], engine, chunk: int, sample_every: int) -> dict:
    """Score ``pairs`` chunk by chunk; memory samples and totals."""
    from qa.flag import load_flagger
    from qa.score import score_pairs

    flagger = load_flagger()
    samples = [{"pairs": 0, "seconds": 0.0, "rss_mb": round(resident_mb(), 1), "cache_entries": 0}]
    scored = flagged = 0
    started = time.perf_counter()
    for number, batch in enumerate(batches(pairs, chunk), start=1):
        results = score_pairs(batch, src_lang="es", tgt_lang="en", engine=engine, flagger=flagger)
        scored += len(results)
        flagged += sum(result.flagged for result in results)
        if number % sample_every == 0:
            entries, bound = bounded_cache_entries()
            sample = {"pairs": scored, "seconds": round(time.perf_counter() - started, 1),
                      "rss_mb": round(resident_mb(), 1), "cache_entries": entries}
            samples.append(sample)
            print(f"  {sample['pairs']:>7,} pairs  {sample['seconds']:>7.1f} s  RSS {sample['rss_mb']:>6.1f} MB  "
                  f"cache entries {entries:>7,} of {bound:,}", flush=True)
    end = {"pairs": scored, "seconds": round(time.perf_counter() - started, 1), "rss_mb": round(resident_mb(), 1),
           "cache_entries": bounded_cache_entries()[0]}
    if samples[-1]["pairs"] != scored:
        samples.append(end)
    return {"samples": samples, "scored": scored, "flagged": flagged, "seconds": end["seconds"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50_000)
    parser.add_argument("--engine", choices=["apertium", "none"], default="apertium")
    parser.add_argument("--chunk", type=int, default=500, help="pairs per score_pairs call")
    parser.add_argument("--samples", type=int, default=10, help="memory samples over the run")
    args = parser.parse_args()
    if not ARTICLES.is_file():
        sys.exit(f"{ARTICLES} is absent; this soak test needs ../shared/eval")

    base = newstest_pairs()
    chunks = -(-args.pairs // args.chunk)
    sample_every = max(1, chunks // args.samples)
    with tempfile.TemporaryDirectory() as folder:
        cache_path = Path(folder) / "translations.sqlite3"
        engine = open_engine(args.engine, cache_path)
        start_mb = resident_mb()
        print(f"qa soak: {args.pairs:,} pairs (cycling {len(base):,} newstest2013 pairs), engine {args.engine}, "
              f"{args.chunk} pairs per call, {os.cpu_count()} cores")
        print(f"  start RSS {start_mb:.1f} MB")
        run = soak(numbered_pairs(base, args.pairs), engine, args.chunk, sample_every)
        cache_mb = cache_path.stat().st_size / MB if cache_path.exists() else 0.0
        stats = engine.stats if engine is not None else None
        if engine is not None:
            engine.cache.close()
            engine.close()

    rss = [sample["rss_mb"] for sample in run["samples"]]
    # Memory may grow while the bounded caches fill; from the sample where they stop filling (or
    # the last one) it should stay flat.
    final_entries = run["samples"][-1]["cache_entries"]
    settled_at = next(s for s in run["samples"] if s["pairs"] and s["cache_entries"] >= 0.98 * final_entries)
    settled = settled_at["rss_mb"]
    caches = cache_state()
    summary = {
        "pairs": run["scored"],
        "engine": args.engine,
        "seconds": run["seconds"],
        "pairs_per_second": round(run["scored"] / run["seconds"], 1) if run["seconds"] else None,
        "flagged": run["flagged"],
        "rss_start_mb": round(start_mb, 1),
        "rss_settled_mb": settled,
        "rss_end_mb": rss[-1],
        "rss_growth_after_settling_mb": round(rss[-1] - settled, 1),
        "peak_rss_mb": round(peak_mb(), 1),
        "translations_computed": stats.misses if stats else 0,
        "translations_from_cache": stats.hits if stats else 0,
        "cache_file_mb": round(cache_mb, 1),
        "samples": run["samples"],
        "caches": caches,
    }
    print(f"  end RSS {rss[-1]:.1f} MB; {settled:.1f} MB at {settled_at['pairs']:,} pairs, when the caches had "
          f"(nearly) stopped filling: {summary['rss_growth_after_settling_mb']:+.1f} MB since; "
          f"peak {summary['peak_rss_mb']:.1f} MB")
    print(f"  {run['scored']:,} pairs in {run['seconds']:.0f} s; {run['flagged']:,} flagged; "
          f"{summary['translations_computed']:,} translations computed, cache file {cache_mb:.1f} MB")
    print("  caches (entries / bound):")
    for name, state in caches.items():
        bound = "unbounded" if state["maxsize"] is None else f"{state['maxsize']:,}"
        print(f"    {name:<45} {state['entries']:>7,} / {bound}")
    results = REPO / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "soak.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
