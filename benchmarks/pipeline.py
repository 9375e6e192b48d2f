"""Benchmark: the whole pipeline with the ct2 engine: `qa check` of a 1,000-word article pair with
a cold and a warm cache, and `qa score` of 2,000 sentence pairs, with the peak memory of each run.

The models are opus-mt-sized Marian folders (es-en and en-es) with random weights, built in a
temporary folder with qa.testing.tiny_marian's helpers: 65,001-token vocabulary, 6+6 layers,
d_model 512. Their sentencepiece models are trained at run time on the newstest2012 articles
(8,000 pieces a side), so news text is cut into about as many pieces as opus-mt cuts it; the rest
of the vocabulary is placeholders the model never generates. The article pair is built at run time
from ../shared/eval/newstest2013-articles.jsonl (consecutive articles until the English side has
1,000 words) as Markdown files in the temporary folder; nothing is copied into the repository.

Random models translate into junk that never ends: every translation runs to the engine's length
bound (twice the source plus 16 tokens), about twice the decoding a real model does. Cold runs are
therefore slower than with a real opus-mt model and the cold/warm ratios higher; the ratio against
"cold translations" and the score timings should be read with that in mind.

Each run is a separate `python -m qa` process with QA_CACHE_DIR in the temporary folder, so the
translation cache and the converted models start empty. Runs, in order:

- check, cold: nothing cached, so both models are converted to CTranslate2 int8 first;
- check, cold translations: converted models kept, translation cache emptied;
- check, warm: the same article again, everything from the cache;
- score, cold and warm: 2,000 newstest2013 pairs.

Peak memory is the child's maximum resident set size (os.wait4). Prints a table and writes
benchmarks/results/pipeline.json.

    .venv/bin/python benchmarks/pipeline.py [--words 1000] [--pairs 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# The benchmark's own folder is on sys.path when it runs as a script.
from engines import OPUS_MT, add_wait_quiet, wait_until_quiet
from score_pairs import sentence_pairs

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "eval"
ARTICLES = EVAL / "newstest2013-articles.jsonl"
# The sentencepiece models learn from other articles than the one checked.
SPM_ARTICLES = EVAL / "newstest2012-articles.jsonl"
SPM_PIECES = 8000


@dataclass(frozen=True, slots=True)
class Run:
    """One qa process: what it was, its wall time and its peak resident memory."""

    name: str
    seconds: float
    peak_mb: float


def article_paragraphs(words: int) -> tuple[str, str, list[str], list[str]]:
    """Spanish and English headline and paragraphs of consecutive newstest2013 articles, stopping
    at the paragraph where the English side reaches ``words`` words."""
    es_paragraphs: list[str] = []
    en_paragraphs: list[str] = []
    headlines: tuple[str, str] | None = None
    count = 0
    for line in ARTICLES.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        headlines = headlines or (record["es"]["headline"], record["en"]["headline"])
        for es, en in zip(record["es"]["paragraphs"], record["en"]["paragraphs"], strict=True):
            es_paragraphs.append(" ".join(es))
            en_paragraphs.append(" ".join(en))
            count += len(en_paragraphs[-1].split())
            if count >= words:
                return headlines[0], headlines[1], es_paragraphs, en_paragraphs
    raise SystemExit(f"{ARTICLES} has fewer than {words} English words")


def markdown(title: str, lang: str, paragraphs: list[str]) -> str:
    """A Markdown article with the front matter qa pairs by."""
    front = (
        f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\nlang: {lang}\n"
        "translationKey: benchmark-article\n---\n\n"
    )
    return front + "\n\n".join(paragraphs) + "\n"


def write_article(folder: Path, words: int) -> int:
    """Write article.es.md and article.en.md into ``folder``; returns the English word count."""
    es_title, en_title, es_paragraphs, en_paragraphs = article_paragraphs(words)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "article.es.md").write_text(markdown(es_title, "es", es_paragraphs), encoding="utf-8")
    (folder / "article.en.md").write_text(markdown(en_title, "en", en_paragraphs), encoding="utf-8")
    return len(en_title.split()) + sum(len(p.split()) for p in en_paragraphs)


def news_sentences(lang: str) -> tuple[str, ...]:
    """Every sentence of one side of the newstest2012 articles."""
    sentences = []
    for line in SPM_ARTICLES.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        sentences.append(record[lang]["headline"])
        sentences += [
            sentence for paragraph in record[lang]["paragraphs"] for sentence in paragraph
        ]
    return tuple(sentences)


def build_news_marian(folder: Path, src: str, tgt: str) -> None:
    """An opus-mt-sized random Marian folder whose sentencepiece models learnt news text.

    Runs in a child process (see :func:`build_models`) so that this process never holds torch
    or a model: its memory would otherwise count in every qa run's peak, since a child's peak
    resident size starts from its parent's at fork.
    """
    from qa.testing import tiny_marian as builder

    size = builder.TinyMarianSize(**OPUS_MT)
    folder.mkdir(parents=True, exist_ok=True)
    pieces = [
        piece
        for lang, name in ((src, "source.spm"), (tgt, "target.spm"))
        for piece in builder._train_spm(news_sentences(lang), folder / name, SPM_PIECES)
    ]
    vocab = builder._marian_vocab(pieces, size.vocab_size)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    builder._save_model(folder, size, vocab, seed=0)
    builder._save_tokenizer(folder, src, tgt, size)


def build_models(root: Path) -> dict[str, Path]:
    """Build the es-en and en-es models under ``root`` in a fresh child process."""
    import multiprocessing

    models = {direction: root / direction for direction in ("es-en", "en-es")}
    context = multiprocessing.get_context("spawn")
    for direction, folder in models.items():
        child = context.Process(target=build_news_marian, args=(folder, *direction.split("-")))
        child.start()
        child.join()
        if child.exitcode != 0:
            sys.exit(f"building the {direction} model failed")
    return models


def run_qa(name: str, args: list[str], env: dict[str, str], output: Path) -> Run:
    """Run ``python -m qa ARGS`` with stdout to ``output``; its wall time and peak memory."""
    with output.open("w", encoding="utf-8") as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "qa", *args], stdout=out, stderr=err, env=env, cwd=REPO
        )
        # wait4 gives this child's own peak memory (and that of any process it waited for).
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in (0, 1):  # 1: passages were flagged
            err.seek(0)
            sys.exit(f"{name}: qa failed ({process.returncode}): {err.read().decode().strip()}")
    return Run(name, elapsed, usage.ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=2000)
    add_wait_quiet(parser)
    args = parser.parse_args()
    for path in (ARTICLES, SPM_ARTICLES):
        if not path.is_file():
            sys.exit(f"{path} is absent; this benchmark needs ../shared/eval")

    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print("building opus-mt-sized random models ...", file=sys.stderr)
        models = build_models(root / "models")
        engine = ["--engine", "ct2", *(f"--model={d}={path}" for d, path in models.items())]
        words = write_article(root / "article", args.words)
        pairs = sentence_pairs(ARTICLES, args.pairs)
        pairs_file = root / "pairs.jsonl"
        pairs_file.write_text(
            "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8"
        )
        load_before = wait_until_quiet(args.wait_quiet)
        cache = root / "cache"
        env = {**os.environ, "QA_CACHE_DIR": str(cache)}
        check = ["check", str(root / "article"), *engine, "--format", "json", "--quiet"]
        score = ["score", str(pairs_file), *engine, "--quiet"]

        def step(name: str, command: list[str]) -> Run:
            print(f"{name} ...", file=sys.stderr)
            run = run_qa(name, command, env, root / "out.json")
            runs.append(run)
            return run

        step("check, cold (converts both models)", check)
        report = json.loads((root / "out.json").read_text(encoding="utf-8"))
        for path in cache.glob("translations.sqlite3*"):
            path.unlink()
        step("check, cold translations (models converted)", check)
        step("check, warm", check)
        step("score, cold", score)
        scored = sum(
            1
            for line in (root / "out.json").read_text(encoding="utf-8").splitlines()
            if line.strip()
        )
        step("score, warm", score)
        assert scored == len(pairs), f"{scored} output lines for {len(pairs)} pairs"

    load = (round(load_before, 2), round(os.getloadavg()[0], 2))
    by_name = {run.name: run for run in runs}
    warm = by_name["check, warm"].seconds
    ratios = {
        "check cold / warm": by_name["check, cold (converts both models)"].seconds / warm,
        "check cold translations / warm": by_name[
            "check, cold translations (models converted)"
        ].seconds
        / warm,
        "score cold / warm": by_name["score, cold"].seconds / by_name["score, warm"].seconds,
    }
    segments = sum(len(article.get("segments", [])) for article in report.get("articles", []))
    width = max(len(run.name) for run in runs)
    print(
        f"qa with engine ct2 (int8), opus-mt-sized random models (vocab "
        f"{OPUS_MT['vocab_size']}, {OPUS_MT['layers']}+{OPUS_MT['layers']} layers, d_model "
        f"{OPUS_MT['d_model']}); check: one article pair of {words} English words; "
        f"score: {len(pairs)} pairs; {os.cpu_count()} cores; load average {load[0]} before, "
        f"{load[1]} after"
    )
    print(f"  {'run':<{width}}  {'seconds':>8}  {'peak RSS MB':>11}")
    for run in runs:
        print(f"  {run.name:<{width}}  {run.seconds:8.1f}  {run.peak_mb:11.0f}")
    for name, ratio in ratios.items():
        print(f"  {name:<{width}}  {ratio:7.1f}x")
    print(f"  score, cold: {len(pairs) / by_name['score, cold'].seconds:.0f} pairs/s")

    results = REPO / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    summary = {
        "model": OPUS_MT,
        "article_words": words,
        "article_segments": segments,
        "pairs": len(pairs),
        "cores": os.cpu_count(),
        "load_average_before_after": load,
        "runs": {
            run.name: {"seconds": round(run.seconds, 2), "peak_rss_mb": round(run.peak_mb)}
            for run in runs
        },
        "ratios": {name: round(ratio, 1) for name, ratio in ratios.items()},
        "score_cold_pairs_per_s": round(len(pairs) / by_name["score, cold"].seconds, 1),
    }
    (results / "pipeline.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
