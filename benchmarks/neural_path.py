"""Benchmark: qa's MarianMT path (engine ct2) against the engine's own work on the same sentences.

Measures how much time `qa check` and `qa score` add to what CTranslate2 itself must do. Models:
the es-en and en-es opus-mt-sized random Marian models of benchmarks/pipeline.py (same builder,
same weights, so "before" figures match pipeline.py's setting; their wide weights also make int8
scores shift when a pair's batch-mates change, which makes the scores-equal check strict),
converted once to int8 (timed: "conversion, once"). A random model never stops by itself, so
generation is capped at a realistic length: at most the source's tokens plus K (--extra, default
8), applied to qa by patching its length bound (`output_bound`) in the launched process; --extra
none keeps qa's own bound (twice the source plus 16, pipeline.py's setting). Three figures, each
from a fresh process:

- (a) the engine alone: CTranslate2 and the model's tokenizer (--tokenizer: by default qa's own
  MarianPieces when it reads the models, as qa's ct2 engine then does, else MarianTokenizer)
  translate, in one process, exactly the texts qa sent to the engine (captured once in an untimed
  qa run) and computes the forced-decoding scores qa asked for, with the best settings: both
  directions at once on two threads (half the cores each), one call per direction in token-bounded
  batches, each sentence stopped at its own bound; scores in qa's own batches, so they can be
  compared with qa's exactly. "(a) process" is the whole process (interpreter, imports, tokenizer
  and model loads, the work); "(a) calls" is the engine calls alone. The ratios' primary figure is
  against (a) process, a fresh process against a fresh process.
- (b) `qa check --engine ct2` of the 1,053-word article pair of pipeline.py, cold translations.
- (c) `qa score --engine ct2` of every sentence pair of that article (headline included), cold.

Rounds are interleaved (a, b, before b, a, c, before c, ...); ratios are taken within a round, and
the quietest round (least total time; its ratios decide PASS/FAIL) is reported beside every round's
figures and the best of each. It also reports generated tokens and tokens/s, peak memory
(os.wait4), the time to the first result and the time per additional article: qa prints no report
before every article is checked (not even with --format jsonl), so the first result comes with the
one-pair check (b), and an additional article costs (T(1+N) - T(1)) / N, with N more whole
newstest2013 articles (about 1,000 words each) in one check. --before REV runs (b) and (c) also
from a `git worktree` of REV (same launcher and cap, first on PYTHONPATH), and --marian one (b)
with the marian engine. Self-checks (assertions): (a)'s translations and scores equal what qa
cached, and with --before, the new code's reports, cached translations and scores equal the old
code's. Prints a table and writes benchmarks/results/neural_path.json.

    .venv/bin/python benchmarks/neural_path.py [--rounds 3] [--extra 8 [none]] [--before REV]
        [--marian] [--more-articles 2] [--tokenizer auto|marian|pieces] [--workdir DIR]
        [--wait-quiet 600]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve()
DIRECTIONS = ("es-en", "en-es")
WORDS = 1000
# The engine-alone translation batches, in tokens (CTranslate2 sorts by length itself).
ALONE_TRANSLATE_TOKENS = 4096
# Set in every launched qa process: the folder its qa package must come from.
ORIGIN_ENV = "NEURAL_PATH_QA_ROOT"
ORIGIN_LINE = "neural_path: qa imported from "
TARGETS = {"(b)/(a)": 1.3, "(c)/(a)": 1.2}
QUARTER = 0.25
SPEED_BAR = 2.5
# Invented, for the one conversion run.
TINY_PAIR = (
    "El ayuntamiento aprobó ayer el presupuesto del año que viene.",
    "The city council approved next year's budget yesterday.",
)


# --- Run inside the launched processes ------------------------------------------------------


def prepare_qa(extra: str) -> None:
    """Check that qa comes from the folder ORIGIN_ENV names, then cap generation at the source's
    tokens plus ``extra`` ("none": qa's own bound) wherever qa's modules hold ``output_bound``."""
    import qa
    import qa.translate.batching as batching
    import qa.translate.ct2
    import qa.translate.marian
    import qa.translate.per_direction  # may hold output_bound too

    origin = Path(qa.__file__).resolve()
    expected = os.environ.get(ORIGIN_ENV)
    print(f"{ORIGIN_LINE}{origin}", file=sys.stderr)
    if expected and not origin.is_relative_to(Path(expected).resolve()):
        print(f"qa was imported from {origin}, not from {expected}", file=sys.stderr)
        raise SystemExit(97)
    if extra == "none":
        return
    original = batching.output_bound

    def capped(source_tokens: int, max_positions: int) -> int:
        # output_bound counts the decoder start and the forced end-of-sentence as well.
        return min(max_positions, source_tokens + int(extra) + 2)

    for name, module in list(sys.modules.items()):
        if name.startswith("qa.") and getattr(module, "output_bound", None) is original:
            module.output_bound = capped


def run_cli(qa_args: list[str]) -> int:
    """qa's command line in this process; its exit code."""
    from qa.cli import cli

    try:
        cli(qa_args, prog_name="qa")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0


def launch(argv: list[str]) -> None:
    """``--launch EXTRA -- QA-ARGS``: qa with generation capped (see :func:`prepare_qa`)."""
    extra, _, *qa_args = argv
    # This script's folder comes first on sys.path; qa must not import its neighbours.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != SCRIPT.parent]
    prepare_qa(extra)
    raise SystemExit(run_cli(qa_args))


def capture(argv: list[str]) -> None:
    """``--capture OUT EXTRA -- QA-ARGS``: qa as :func:`launch` runs it, recording every
    ``Ct2Engine.translate`` and ``Ct2Engine.score`` call (inputs and results) into OUT."""
    out, extra, _, *qa_args = argv
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != SCRIPT.parent]
    prepare_qa(extra)
    from qa.translate.ct2 import Ct2Engine

    calls: list[dict] = []
    lock = threading.Lock()  # directions may run on worker threads
    translate, score = Ct2Engine.translate, Ct2Engine.score

    def recorded_translate(self, texts, src, tgt):
        results = translate(self, texts, src, tgt)
        with lock:
            calls.append({"kind": "translate", "direction": f"{src}-{tgt}", "texts": list(texts),
                          "translations": list(results)})
        return results

    def recorded_score(self, sources, targets, src, tgt):
        results = score(self, sources, targets, src, tgt)
        scores = [None if r is None else {"tokens": list(r.tokens), "logprobs": list(r.logprobs)}
                  for r in results]
        with lock:
            calls.append({"kind": "score", "direction": f"{src}-{tgt}", "sources": list(sources),
                          "targets": list(targets), "scores": scores})
        return results

    Ct2Engine.translate, Ct2Engine.score = recorded_translate, recorded_score
    code = run_cli(qa_args)
    Path(out).write_text(json.dumps({"exit": code, "calls": calls}, ensure_ascii=False), encoding="utf-8")
    raise SystemExit(code)


class MarianTokens:
    """The model's MarianTokenizer, as qa's ct2 engine uses it (pieces with end-of-sentence)."""

    def __init__(self, folder: str) -> None:
        import warnings

        from transformers import MarianTokenizer

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*sacremoses.*")
            self.tokenizer = MarianTokenizer.from_pretrained(folder)

    def source_tokens(self, texts: list[str]) -> list[list[str]]:
        """Pieces of source texts."""
        return self._pieces(self.tokenizer(texts, verbose=False)) if texts else []

    def target_tokens(self, texts: list[str]) -> list[list[str]]:
        """Pieces of target texts."""
        return self._pieces(self.tokenizer(text_target=texts, verbose=False)) if texts else []

    def _pieces(self, encoded) -> list[list[str]]:
        return [self.tokenizer.convert_ids_to_tokens(ids) for ids in encoded["input_ids"]]

    def decode(self, rows: list[list[str]]) -> list[str]:
        """Texts of generated pieces."""
        ids = [self.tokenizer.convert_tokens_to_ids(list(row)) for row in rows]
        return [text.strip() for text in self.tokenizer.batch_decode(ids, skip_special_tokens=True)]


def load_tokens(kind: str, folder: str):
    """The tokenizer (a) uses: "marian" (MarianTokenizer) or "pieces" (qa.translate.pieces)."""
    if kind == "pieces":
        from qa.translate.pieces import MarianPieces

        return MarianPieces.load(Path(folder))
    return MarianTokens(folder)


def resolve_tokenizer(choice: str, models: dict[str, Path]) -> str:
    """(a)'s tokenizer for "auto": qa.translate.pieces when it exists and reads these models
    exactly as MarianTokenizer does (qa's ct2 engine then uses it too), else MarianTokenizer."""
    if choice != "auto":
        return choice
    try:
        from qa.translate.pieces import replacement_problem
    except ImportError:
        return "marian"
    return "pieces" if all(replacement_problem(folder) is None for folder in models.values()) else "marian"


def decoding_bound(source_tokens: int, extra: str, max_positions: int) -> int:
    """Tokens (a) generates at most for a source, the bound qa keeps under the same cap."""
    bound = 2 * source_tokens + 16 if extra == "none" else source_tokens + int(extra) + 2
    return max(1, min(max_positions, bound) - 2)


@dataclass(slots=True)
class DirectionWork:
    """What qa asked of one direction: texts to translate, score calls (sources, targets)."""

    texts: list[str] = field(default_factory=list)
    score_calls: list[tuple[list[str], list[str]]] = field(default_factory=list)


def work_by_direction(calls: list[dict]) -> dict[str, DirectionWork]:
    """Per direction, the non-blank texts qa sent to translate and its score calls."""
    work: dict[str, DirectionWork] = {}
    for call in calls:
        direction = work.setdefault(call["direction"], DirectionWork())
        if call["kind"] == "translate":
            direction.texts += [text for text in call["texts"] if text.strip()]
        else:
            direction.score_calls.append((call["sources"], call["targets"]))
    return work


def translate_alone(translator, rows: list[list[str]], spec: dict) -> list[list[str]]:
    """(a)'s translations of one direction: one call, token-bounded batches, each row stopped at
    its own bound by the greedy callback."""
    if not rows:
        return []
    bounds = [decoding_bound(len(row), spec["extra"], spec["max_positions"]) for row in rows]
    results = translator.translate_batch(
        rows, beam_size=1, max_batch_size=ALONE_TRANSLATE_TOKENS, batch_type="tokens",
        max_decoding_length=max(bounds), max_input_length=0,
        callback=lambda step: step.step + 1 >= bounds[step.batch_id],
    )
    outputs = [result.hypotheses[0] for result in results]
    assert all(len(o) <= b for o, b in zip(outputs, bounds, strict=True)), "a row passed its bound"
    return outputs


def score_alone(translator, calls: list[tuple[list[str], list[str]]],
                tokens: list[tuple[list[list[str]], list[list[str]]]], spec: dict) -> dict[str, dict | None]:
    """(a)'s forced-decoding scores of one direction, keyed "source\\0target" as qa's cache keys
    them, each of qa's calls batched as qa batches it (None for a pair too long to score)."""
    from qa.translate.batching import length_batches, pair_lengths

    scores: dict[str, dict | None] = {}
    for (source_texts, target_texts), (source_rows, target_rows) in zip(calls, tokens, strict=True):
        keys = [f"{s}\x00{t}" for s, t in zip(source_texts, target_texts, strict=True)]
        scores.update(dict.fromkeys(keys))
        lengths, _ = pair_lengths([len(r) for r in source_rows], [len(r) for r in target_rows], spec["max_tokens"])
        batches = length_batches(lengths, spec["batch_size"], spec["score_max_tokens"])
        # Every batch is started at once, so the translator's workers (inter_threads) share them.
        started = [translator.score_batch([source_rows[i] for i in batch], [target_rows[i][:-1] for i in batch],
                                          max_input_length=0, asynchronous=True)
                   for batch in batches]
        for batch, results in zip(batches, started, strict=True):
            for i, result in zip(batch, results, strict=True):
                scores[keys[i]] = {"tokens": target_rows[i], "logprobs": [float(v) for v in result.result().log_probs]}
    return scores


def engine_alone(argv: list[str]) -> None:
    """``--engine-alone SPEC OUT``: (a), CTranslate2 alone on a capture (see the docstring)."""
    started = time.perf_counter()
    spec_path, out_path = argv
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    import ctranslate2

    work = work_by_direction(spec["calls"])
    directions = sorted(work)
    marks = {"imports": time.perf_counter()}
    tokens = {d: load_tokens(spec["tokenizer"], spec["models"][d]) for d in directions}
    marks["tokenizers loaded"] = time.perf_counter()
    sources = {d: tokens[d].source_tokens(work[d].texts) for d in directions}
    scored = {
        d: [(tokens[d].source_tokens(s), tokens[d].target_tokens(t)) for s, t in work[d].score_calls]
        for d in directions
    }
    marks["tokenised"] = time.perf_counter()
    threads = max(1, len(os.sched_getaffinity(0)) // len(directions))
    # Each direction may run as many batches at a time as there are directions, so that the one
    # left working alone still keeps every core busy.
    translators = {
        d: ctranslate2.Translator(spec["converted"][d], device="cpu", compute_type="int8",
                                  inter_threads=len(directions), intra_threads=threads)
        for d in directions
    }
    marks["models loaded"] = time.perf_counter()
    figures: dict[str, dict] = {}
    outputs: dict[str, list[list[str]]] = {}
    scores: dict[str, dict[str, dict | None]] = {}

    def run(direction: str) -> None:
        start = time.perf_counter()
        outputs[direction] = translate_alone(translators[direction], sources[direction], spec)
        translated = time.perf_counter()
        scores[direction] = score_alone(translators[direction], work[direction].score_calls,
                                        scored[direction], spec)
        figures[direction] = {
            "translate_s": round(translated - start, 3),
            "score_s": round(time.perf_counter() - translated, 3),
            "sentences": len(sources[direction]),
            "source_tokens": sum(map(len, sources[direction])),
            "generated_tokens": sum(map(len, outputs[direction])),
            "scored_pairs": sum(score is not None for score in scores[direction].values()),
            "scored_tokens": sum(len(score["tokens"]) for score in scores[direction].values() if score),
        }

    cpu = time.process_time()
    start = time.perf_counter()
    workers = [threading.Thread(target=run, args=(d,)) for d in directions]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    calls_s = time.perf_counter() - start
    cpu = time.process_time() - cpu
    assert set(figures) == set(directions), "an engine-alone direction failed"
    translations = {
        d: dict(zip(work[d].texts, tokens[d].decode(outputs[d]) if outputs[d] else [], strict=True))
        for d in directions
    }
    generated = sum(f["generated_tokens"] for f in figures.values())
    summary = {
        "calls_s": round(calls_s, 3),
        "calls_cpu_s": round(cpu, 2),
        "generated_tokens": generated,
        "tokens_per_s": round(generated / calls_s, 1) if calls_s else None,
        "intra_threads": threads,
        "tokenizer": "MarianPieces" if spec["tokenizer"] == "pieces" else "MarianTokenizer",
        "stages_s": {
            name: round(mark - previous, 3)
            for (name, mark), previous in zip(marks.items(), [started, *marks.values()])
        },
        "in_process_s": round(time.perf_counter() - started, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "per_direction": figures,
        "translations": translations,
        "scores": scores,
    }
    Path(out_path).write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")


# --- The benchmark (parent process) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """One child process: its wall and CPU seconds, peak resident memory and stderr."""

    seconds: float
    cpu_s: float
    peak_mb: float
    stderr: str = ""


def run_child(name: str, command: list[str], env: dict[str, str], cwd: Path, stdout: Path) -> Run:
    """Run ``command`` with stdout to ``stdout``; its wall time, CPU time and peak memory (wait4:
    the child's own, and that of any process it waited for). Exit codes 0 and 1 (flagged) pass."""
    with stdout.open("w", encoding="utf-8") as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{name}: exit code {code}: {stderr.strip()[-3000:]}")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stderr)


def qa_origin(run: Run) -> str:
    """The qa package a launched process imported (its first stderr line says)."""
    return next((line[len(ORIGIN_LINE):] for line in run.stderr.splitlines() if line.startswith(ORIGIN_LINE)), "?")


def forget_translations(cache: Path) -> None:
    """Empty the translation cache (converted models stay)."""
    for path in cache.glob("translations.sqlite3*"):
        path.unlink()


def cached_entries(cache: Path) -> dict[tuple[str, str, str], str]:
    """The translate and score entries of qa's cache, keyed by (kind, direction, text)."""
    path = cache / "translations.sqlite3"
    if not path.exists():
        return {}
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT kind, src, tgt, text, value FROM entries WHERE kind IN ('translate', 'score')")
        return {(kind, f"{src}-{tgt}", text): value for kind, src, tgt, text, value in rows}


def differences(old, new, path: str = "") -> list[str]:
    """Paths at which two JSON values differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [p for key in sorted(set(old) | set(new), key=str)
                for p in (differences(old.get(key), new.get(key), f"{path}/{key}") if key in old and key in new
                          else [f"{path}/{key} (only in one)"])]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [p for i, (a, b) in enumerate(zip(old, new)) for p in differences(a, b, f"{path}[{i}]")]
    return [] if old == new else [path or "/"]


def read_output(path: Path):
    """A qa output file as JSON: one document, or a list of JSON lines."""
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def alone_mismatches(alone: dict, entries: dict[tuple[str, str, str], str]) -> list[str]:
    """Where (a)'s translations and scores differ from what qa cached (empty when identical)."""
    problems = []
    for direction, translations in alone["translations"].items():
        for text, translation in translations.items():
            if entries.get(("translate", direction, text)) != translation:
                problems.append(f"translation {direction} {text[:40]!r}")
    for direction, scores in alone["scores"].items():
        for key, score in scores.items():
            cached = entries.get(("score", direction, key))
            if cached is None or json.loads(cached) != score:
                problems.append(f"score {direction} {key[:40]!r}")
    return problems


def captured_results(calls: list[dict]) -> dict:
    """The translations and scores qa's engine returned in a capture, shaped as (a) reports them."""
    results: dict = {"translations": {}, "scores": {}}
    for call in calls:
        direction = call["direction"]
        if call["kind"] == "translate":
            results["translations"].setdefault(direction, {}).update(
                (text, translation) for text, translation in zip(call["texts"], call["translations"], strict=True)
                if text.strip())
        else:
            results["scores"].setdefault(direction, {}).update(
                (f"{s}\x00{t}", score) for s, t, score in zip(call["sources"], call["targets"], call["scores"], strict=True))
    return results


def capture_gaps(calls: list[dict], entries: dict[tuple[str, str, str], str]) -> list[str]:
    """Cache entries qa computed that the capture did not see (the capture must be complete)."""
    seen = set()
    for call in calls:
        if call["kind"] == "translate":
            seen |= {("translate", call["direction"], t) for t in call["texts"]}
        else:
            seen |= {("score", call["direction"], f"{s}\x00{t}") for s, t in zip(call["sources"], call["targets"])}
    return sorted(str(key)[:80] for key in set(entries) - seen)


@dataclass(slots=True)
class Setup:
    """Everything the runs share: folders, models, inputs, environments."""

    root: Path
    cache: Path
    models: dict[str, Path]
    article: Path
    articles: Path
    more_articles: int
    more_words: list[int]
    pairs: Path
    pair_count: int
    words: int
    env: dict[str, str]
    before: Path | None = None

    def engine(self, name: str = "ct2") -> list[str]:
        """qa's engine options for these models."""
        return ["--engine", name, *(f"--model={d}={path}" for d, path in self.models.items())]

    def check_args(self, folder: Path, engine: str = "ct2") -> list[str]:
        return ["check", str(folder), *self.engine(engine), "--format", "json", "--quiet"]

    def score_args(self) -> list[str]:
        return ["score", str(self.pairs), *self.engine(), "--quiet"]

    def env_for(self, tree: str) -> dict[str, str]:
        """The environment of a qa process of the "after" tree (this repository) or "before"."""
        if tree == "after":
            return {**self.env, ORIGIN_ENV: str(REPO)}
        path = os.pathsep.join(filter(None, [str(self.before), self.env.get("PYTHONPATH")]))
        return {**self.env, "PYTHONPATH": path, ORIGIN_ENV: str(self.before)}

    def qa(self, name: str, extra: str, qa_args: list[str], tree: str = "after") -> tuple[Run, Path]:
        """One cold qa process through the launcher; its figures and its output file."""
        forget_translations(self.cache)
        converted = sorted((self.cache / "ct2").iterdir())
        output = self.root / "out" / f"{name.replace(' ', '_').replace('/', '_')}.out"
        output.parent.mkdir(exist_ok=True)
        command = [sys.executable, str(SCRIPT), "--launch", extra, "--", *qa_args]
        run = run_child(name, command, self.env_for(tree), self.root, output)
        assert sorted((self.cache / "ct2").iterdir()) == converted, f"{name} converted a model"
        return run, output


def markdown_keyed(title: str, lang: str, paragraphs: list[str], key: str) -> str:
    """pipeline.markdown with its own translationKey."""
    from pipeline import markdown

    return markdown(title, lang, paragraphs).replace("translationKey: benchmark-article\n", f"translationKey: {key}\n")


def later_articles(skip: int, count: int) -> list[dict]:
    """``count`` whole newstest2013 articles after the first ``skip``."""
    from pipeline import ARTICLES

    lines = ARTICLES.read_text(encoding="utf-8").splitlines()[skip : skip + count]
    return [json.loads(line) for line in lines]


def articles_used(words: int) -> int:
    """How many newstest2013 articles the ``words``-word pair of pipeline.write_article touches."""
    from pipeline import ARTICLES

    count = 0
    for number, line in enumerate(ARTICLES.read_text(encoding="utf-8").splitlines(), 1):
        record = json.loads(line)
        for paragraph in record["en"]["paragraphs"]:
            count += len(" ".join(paragraph).split())
            if count >= words:
                return number
    raise SystemExit(f"newstest2013 has fewer than {words} English words")


def sentence_pairs_of_article(words: int) -> list[dict]:
    """Every sentence pair of the ``words``-word article pair, headline first."""
    from pipeline import ARTICLES

    pairs: list[tuple[str, str]] = []
    count = 0
    for line in ARTICLES.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if not pairs:
            pairs.append((record["es"]["headline"], record["en"]["headline"]))
        for es, en in zip(record["es"]["paragraphs"], record["en"]["paragraphs"], strict=True):
            pairs += list(zip(es, en, strict=True))
            count += len(" ".join(en).split())
            if count >= words:
                return [{"id": str(k), "src": s, "tgt": t} for k, (s, t) in enumerate(pairs, 1)]
    raise SystemExit(f"newstest2013 has fewer than {words} English words")


def prepare(root: Path, more_articles: int) -> Setup:
    """Models, the article pair, the more-articles folder, the pairs file, the environment."""
    from pipeline import build_models, markdown, write_article

    models_root = root / "models"
    if all((models_root / d / "config.json").is_file() for d in DIRECTIONS):
        models = {d: models_root / d for d in DIRECTIONS}
    else:
        print("building opus-mt-sized random models ...", file=sys.stderr)
        models = build_models(models_root)
    words = write_article(root / "article", WORDS)
    write_article(root / "articles", WORDS)
    more_words = []
    for number, record in enumerate(later_articles(articles_used(WORDS), more_articles), 2):
        for lang in ("es", "en"):
            paragraphs = [" ".join(p) for p in record[lang]["paragraphs"]]
            (root / "articles" / f"article{number}.{lang}.md").write_text(
                markdown_keyed(record[lang]["headline"], lang, paragraphs, f"benchmark-article-{number}"),
                encoding="utf-8")
        more_words.append(len(record["en"]["headline"].split())
                          + sum(len(" ".join(p).split()) for p in record["en"]["paragraphs"]))
    pairs = sentence_pairs_of_article(WORDS)
    (root / "pairs.jsonl").write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs),
                                      encoding="utf-8")
    tiny = root / "tiny"
    tiny.mkdir(exist_ok=True)
    for lang, sentence in zip(("es", "en"), TINY_PAIR, strict=True):
        (tiny / f"tiny.{lang}.md").write_text(markdown(sentence, lang, [sentence]), encoding="utf-8")
    cache = root / "cache"
    (cache / "ct2").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "QA_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1"}
    return Setup(root, cache, models, root / "article", root / "articles", more_articles, more_words,
                 root / "pairs.jsonl", len(pairs), words, env)


def convert_once(setup: Setup) -> dict:
    """Convert both models with a first check of a one-sentence pair; the conversion's seconds are
    that run's less the same check with the models converted."""
    forget_translations(setup.cache)
    converting = any(not any((setup.cache / "ct2").glob(f"*--{d}-*")) for d in DIRECTIONS)
    command = [sys.executable, str(SCRIPT), "--launch", "none", "--", *setup.check_args(setup.root / "tiny")]
    command.remove("--quiet")  # the conversion's message is part of what is shown
    first = run_child("conversion", command, setup.env_for("after"), setup.root, setup.root / "tiny.out")
    forget_translations(setup.cache)
    second = run_child("tiny check", command, setup.env_for("after"), setup.root, setup.root / "tiny.out")
    notes = [line.strip().replace(str(setup.root), "TMP") for line in first.stderr.splitlines()
             if "conver" in line.lower()]
    return {
        "converted_in_this_run": converting,
        "first_check_s": round(first.seconds, 2),
        "same_check_converted_s": round(second.seconds, 2),
        "conversion_s": round(first.seconds - second.seconds, 2),
        "messages": notes,
        "qa": qa_origin(first),
    }


def converted_folders(setup: Setup) -> dict[str, str]:
    """The converted model folder of each direction."""
    folders = {}
    for direction in DIRECTIONS:
        found = sorted((setup.cache / "ct2").glob(f"*--{direction}-*-int8"))
        assert len(found) == 1, f"expected one converted {direction} model, found {found}"
        folders[direction] = str(found[0])
    return folders


def capture_spec(setup: Setup, name: str, extra: str, qa_args: list[str], tokenizer: str) -> Path:
    """Capture what qa sends the engine (one untimed run) and write the (a) spec for it."""
    from qa.translate import EngineOptions
    from qa.translate.ct2 import SCORE_LOGIT_BUDGET

    out = setup.root / f"capture-{name}-{extra}.json"
    forget_translations(setup.cache)
    command = [sys.executable, str(SCRIPT), "--capture", str(out), extra, "--", *qa_args]
    run_child(f"capture {name}", command, setup.env_for("after"), setup.root, setup.root / "capture.out")
    calls = json.loads(out.read_text(encoding="utf-8"))["calls"]
    entries = cached_entries(setup.cache)
    gaps = capture_gaps(calls, entries)
    assert not gaps, f"the capture missed engine calls qa made: {gaps[:3]}"
    assert calls, "the capture saw no engine call"
    problems = alone_mismatches(captured_results(calls), entries)
    assert not problems, f"the capture's results differ from what qa cached: {problems[:3]}"
    config = json.loads((setup.models["es-en"] / "config.json").read_text(encoding="utf-8"))
    tokenizer_config = json.loads((setup.models["es-en"] / "tokenizer_config.json").read_text(encoding="utf-8"))
    vocab = len(json.loads((setup.models["es-en"] / "vocab.json").read_text(encoding="utf-8")))
    max_positions = int(config.get("max_position_embeddings") or 512)
    options = EngineOptions()
    budget = max(1, SCORE_LOGIT_BUDGET // vocab)
    spec = {
        "tokenizer": tokenizer,
        "extra": extra,
        "models": {d: str(path) for d, path in setup.models.items()},
        "converted": converted_folders(setup),
        "max_positions": max_positions,
        "max_tokens": min(max_positions, int(tokenizer_config.get("model_max_length", max_positions))),
        "batch_size": options.batch_size,
        "score_max_tokens": min(budget, options.max_tokens_per_batch or budget),
        "calls": [{k: v for k, v in call.items() if k not in ("translations", "scores")} for call in calls],
    }
    path = setup.root / f"spec-{name}-{extra}.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return path


def run_alone(setup: Setup, spec: Path, name: str) -> tuple[Run, dict]:
    """(a) in a fresh process: its process figures and its own report."""
    out = setup.root / f"{name}.json"
    command = [sys.executable, str(SCRIPT), "--engine-alone", str(spec), str(out)]
    run = run_child(name, command, setup.env_for("after"), setup.root, setup.root / "alone.out")
    return run, json.loads(out.read_text(encoding="utf-8"))


def add_worktree(revision: str, folder: Path) -> Path:
    """A detached worktree of ``revision`` of this repository in ``folder``."""
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(folder), revision],
                   check=True, capture_output=True, text=True)
    return folder


def remove_worktree(folder: Path) -> None:
    """Remove a worktree made by :func:`add_worktree`."""
    subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(folder)],
                   check=False, capture_output=True, text=True)


@dataclass(slots=True)
class Round:
    """One round of one setting: process runs by name, (a)'s own reports, the load average."""

    load: tuple[float, float, float]
    runs: dict[str, Run] = field(default_factory=dict)
    alone: dict[str, dict] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(run.seconds for run in self.runs.values())

    def ratio(self, name: str) -> dict[str, float]:
        """(b)/(a) or (c)/(a) in this round, against (a) process and (a) calls."""
        qa_run, alone = ("(b) check", "(a) check") if name == "(b)/(a)" else ("(c) score", "(a) score")
        return {
            "process": self.runs[qa_run].seconds / self.runs[alone].seconds,
            "calls": self.runs[qa_run].seconds / self.alone[alone]["calls_s"],
        }


def run_setting(setup: Setup, extra: str, args: argparse.Namespace, captures: dict[str, Path]) -> dict:
    """Every round of one cap setting; the figures and self-checks, printed and returned."""
    rounds: list[Round] = []
    reports: dict[str, list] = {}
    for number in range(1, args.rounds + 1):
        current = Round(os.getloadavg())
        print(f"[extra {extra}] round {number}, load {current.load[0]:.2f} ...", file=sys.stderr)
        for kind, qa_args in (("check", setup.check_args(setup.article)), ("score", setup.score_args())):
            alone_name, qa_name = f"(a) {kind}", "(b) check" if kind == "check" else "(c) score"
            current.runs[alone_name], current.alone[alone_name] = run_alone(setup, captures[kind], alone_name)
            current.runs[qa_name], output = setup.qa(f"{qa_name} {extra} {number}", extra, qa_args)
            entries = cached_entries(setup.cache)
            problems = alone_mismatches(current.alone[alone_name], entries)
            assert not problems, f"{alone_name} differs from {qa_name}: {problems[:3]}"
            reports.setdefault(qa_name, []).append(read_output(output))
            if setup.before:
                before_name = f"before {qa_name}"
                current.runs[before_name], before_output = setup.qa(f"{before_name} {extra} {number}", extra,
                                                                    qa_args, tree="before")
                diff = differences(read_output(before_output), read_output(output))
                assert not diff, f"{qa_name}: the new code's output differs from the old code's at {diff[:5]}"
                before_entries = cached_entries(setup.cache)
                assert before_entries == entries, f"{qa_name}: cached translations or scores differ"
        if args.more_articles and extra == args.extra[0]:
            current.runs["(b) check, 1+N articles"], output = setup.qa(f"articles {extra} {number}", extra,
                                                                       setup.check_args(setup.articles))
            report = read_output(output)
            assert len(report["articles"]) == 1 + args.more_articles, "the articles were not all checked"
        rounds.append(current)
    for name, outputs in reports.items():
        assert all(o == outputs[0] for o in outputs), f"{name}'s output changed between rounds"
    return summarise(setup, extra, rounds, args)


def joined(values, separator: str = ", ") -> str:
    """Figures to two decimals, joined."""
    return separator.join(f"{value:.2f}" for value in values)


def summarise(setup: Setup, extra: str, rounds: list[Round], args: argparse.Namespace) -> dict:
    """Print one setting's table and return its figures."""
    quiet = min(range(len(rounds)), key=lambda i: rounds[i].total)
    best = rounds[quiet]
    names = list(best.runs)
    cap = "qa's own bound (2 x source + 16)" if extra == "none" else f"source tokens + {extra}"
    print(f"\n== generation at most {cap}; {len(rounds)} rounds, quietest round {quiet + 1} "
          f"(load averages at round starts: {joined(r.load[0] for r in rounds)})")
    width = max(map(len, names)) + 2
    print(f"  {'fresh process':<{width}}  {'quietest':>8}  {'best':>6}  {'rounds':<20}  {'CPU s':>6}  {'peak MB':>7}")
    for name in names:
        seconds = [r.runs[name].seconds for r in rounds]
        run = best.runs[name]
        print(f"  {name:<{width}}  {run.seconds:8.2f}  {min(seconds):6.2f}  "
              f"{joined(seconds, ' '):<20}  {run.cpu_s:6.1f}  {run.peak_mb:7.0f}")
    figures: dict = {"cap": cap, "quietest_round": quiet + 1, "load_averages": [[round(x, 2) for x in r.load] for r in rounds],
                     "runs": {}, "ratios": {}, "engine_alone": {}}
    for name in names:
        figures["runs"][name] = {
            "seconds_quietest": round(best.runs[name].seconds, 2),
            "seconds_best": round(min(r.runs[name].seconds for r in rounds), 2),
            "seconds_rounds": [round(r.runs[name].seconds, 2) for r in rounds],
            "cpu_s": round(best.runs[name].cpu_s, 1),
            "peak_rss_mb": round(best.runs[name].peak_mb),
        }
    for name in ("(a) check", "(a) score"):
        alone = best.alone[name]
        per = alone["per_direction"]
        print(f"  {name} calls: {alone['calls_s']:.2f} s (CPU {alone['calls_cpu_s']:.1f} s), "
              f"{alone['generated_tokens']} tokens generated, {alone['tokens_per_s']:.0f} tokens/s both "
              f"directions at once ({alone['intra_threads']} threads each); "
              + "; ".join(f"{d} translate {f['translate_s']:.2f} s ({f['sentences']} sentences, "
                          f"{f['generated_tokens']} tokens, {f['generated_tokens'] / f['translate_s']:.0f} tok/s)"
                          f" score {f['score_s']:.2f} s ({f['scored_pairs']} pairs)"
                          for d, f in per.items() if f["translate_s"]))
        print(f"  {name} process stages: "
              + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in alone["stages_s"].items())
              + f"; tokenizer {alone['tokenizer']}")
        figures["engine_alone"][name] = {k: v for k, v in alone.items() if k not in ("translations", "scores")}
    for qa_name, alone_name in (("(b) check", "(a) check"), ("(c) score", "(a) score")):
        generated = best.alone[alone_name]["generated_tokens"]
        rate = generated / best.runs[qa_name].seconds
        print(f"  {qa_name}: the same {generated} generated tokens (identical translations) in "
              f"{best.runs[qa_name].seconds:.2f} s, {rate:.0f} tokens/s end to end")
        figures["runs"][qa_name]["tokens_per_s_end_to_end"] = round(rate, 1)
    for ratio, target in TARGETS.items():
        per_round = [r.ratio(ratio) for r in rounds]
        chosen = per_round[quiet]
        verdict = "PASS" if chosen["process"] <= target else "FAIL"
        print(f"  {ratio} = {chosen['process']:.2f} against (a) process, {chosen['calls']:.2f} against (a) calls "
              f"(rounds: {joined(r['process'] for r in per_round)} and {joined(r['calls'] for r in per_round)}); "
              f"{verdict}: at most {target} against (a) process")
        figures["ratios"][ratio] = {
            "process": round(chosen["process"], 2), "calls": round(chosen["calls"], 2),
            "rounds_process": [round(r["process"], 2) for r in per_round],
            "rounds_calls": [round(r["calls"], 2) for r in per_round],
            "target": target, "pass": chosen["process"] <= target,
        }
    if setup.before:
        for name in ("(b) check", "(c) score"):
            old, new = best.runs[f"before {name}"].seconds, best.runs[name].seconds
            per_round = [r.runs[name].seconds / r.runs[f"before {name}"].seconds for r in rounds]
            line = f"  {name}: before {old:.2f} s, after {new:.2f} s, after/before {new / old:.2f}"
            line += f" (rounds: {joined(per_round)})"
            if name == "(b) check":
                line += f"; {'PASS' if new / old <= QUARTER else 'FAIL'}: at most {QUARTER} of before"
            print(line)
            figures["ratios"][f"{name} after/before"] = {
                "before_s": round(old, 2), "after_s": round(new, 2), "ratio": round(new / old, 2),
                "rounds": [round(r, 2) for r in per_round],
            }
        print("  self-check: the new code's reports, cached translations and scores equal the old code's")
    if "(b) check, 1+N articles" in best.runs:
        first = best.runs["(b) check"].seconds
        more = best.runs["(b) check, 1+N articles"].seconds
        per_article = [(r.runs["(b) check, 1+N articles"].seconds - r.runs["(b) check"].seconds)
                       / setup.more_articles for r in rounds]
        print(f"  time to the first result (a one-pair check, {setup.words} words): {first:.2f} s; "
              f"time per additional article ({', '.join(map(str, setup.more_words))} words): "
              f"{(more - first) / setup.more_articles:.2f} s (rounds: {joined(per_article)})")
        figures["first_result_s"] = round(first, 2)
        figures["per_additional_article_s"] = round((more - first) / setup.more_articles, 2)
        figures["per_additional_article_rounds_s"] = [round(p, 2) for p in per_article]
    print("  self-check: (a)'s translations and scores equal those qa cached, in every round")
    return figures


def main() -> None:
    from engines import OPUS_MT, add_wait_quiet, wait_until_quiet
    from pipeline import ARTICLES, SPM_ARTICLES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--extra", nargs="+", default=["8"], metavar="K",
                        help="generation cap: source tokens + K, or 'none' for qa's own bound; several "
                             "values run one after the other (default 8)")
    parser.add_argument("--before", metavar="REV", help="also time (b) and (c) from a worktree of REV")
    parser.add_argument("--marian", action="store_true", help="also one (b) with --engine marian")
    parser.add_argument("--more-articles", type=int, default=2, metavar="N",
                        help="more articles for the time per additional article (0: skip)")
    parser.add_argument("--tokenizer", choices=("auto", "marian", "pieces"), default="auto",
                        help="(a)'s tokenizer: MarianTokenizer, qa.translate.pieces.MarianPieces, or auto "
                             "(MarianPieces when it exists and reads the models; default)")
    parser.add_argument("--workdir", type=Path,
                        help="keep models and converted models here and reuse them (default: a temporary folder)")
    add_wait_quiet(parser)
    args = parser.parse_args()
    for extra in args.extra:
        if extra != "none" and not extra.isdigit():
            parser.error(f"--extra takes a number of tokens or 'none', not {extra!r}")
    for path in (ARTICLES, SPM_ARTICLES):
        if not path.is_file():
            sys.exit(f"{path} is absent; this benchmark needs ../shared/eval")
    if args.tokenizer == "pieces":
        import importlib.util

        if importlib.util.find_spec("qa.translate.pieces") is None:
            sys.exit("--tokenizer pieces needs qa.translate.pieces")

    sys.stdout.reconfigure(line_buffering=True)  # each table as it is done, also into a file
    # A plain kill still removes the temporary folders and the worktree.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with contextlib.ExitStack() as stack:
        if args.workdir:
            args.workdir.mkdir(parents=True, exist_ok=True)
            root = args.workdir.resolve()
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="neural_path-")))
        setup = prepare(root, args.more_articles)
        args.tokenizer = resolve_tokenizer(args.tokenizer, setup.models)
        conversion = convert_once(setup)
        revision = None
        if args.before:
            revision = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", args.before],
                                      check=True, capture_output=True, text=True).stdout.strip()
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="neural_path-before-")))
            setup.before = add_worktree(args.before, folder / "tree")
            stack.callback(remove_worktree, setup.before)
        captures = {
            extra: {
                "check": capture_spec(setup, "check", extra, setup.check_args(setup.article), args.tokenizer),
                "score": capture_spec(setup, "score", extra, setup.score_args(), args.tokenizer),
            }
            for extra in args.extra
        }
        origins = {"after": conversion["qa"]}
        if setup.before:
            # Untimed: warms the old code's files and checks where its qa comes from.
            warm, _ = setup.qa("before warm-up", args.extra[0], setup.check_args(setup.article), tree="before")
            origins["before"] = qa_origin(warm)
        print(f"neural path: opus-mt-sized random Marian models (vocab {OPUS_MT['vocab_size']}, "
              f"{OPUS_MT['layers']}+{OPUS_MT['layers']} layers, d_model {OPUS_MT['d_model']}), int8; "
              f"(b) one article pair of {setup.words} English words, (c) its {setup.pair_count} sentence pairs; "
              f"{os.cpu_count()} cores; (a) is a fresh process like (b) and (c) (ratios against it first, "
              f"then against its engine calls alone)")
        if conversion["converted_in_this_run"]:
            print(f"  conversion, once: {conversion['conversion_s']:.1f} s (first check of a one-sentence pair "
                  f"{conversion['first_check_s']:.1f} s, again with the models converted "
                  f"{conversion['same_check_converted_s']:.1f} s)")
        else:
            print(f"  conversion: not timed, the models in {setup.cache / 'ct2'} were converted before")
        for message in conversion["messages"]:
            print(f"    qa says: {message}")
        for tree, origin in origins.items():
            print(f"  {tree}: qa imported from {origin}"
                  + (f" (revision {revision}, first on PYTHONPATH)" if tree == "before" else ""))
        load_before = wait_until_quiet(args.wait_quiet)
        started = time.perf_counter()
        settings = {extra: run_setting(setup, extra, args, captures[extra]) for extra in args.extra}
        marian = None
        if args.marian:
            print("marian ...", file=sys.stderr)
            run, _ = setup.qa("(b) marian", args.extra[0], setup.check_args(setup.article, "marian"))
            ct2 = settings[args.extra[0]]["runs"]["(b) check"]["seconds_quietest"]
            marian = {"seconds": round(run.seconds, 2), "cpu_s": round(run.cpu_s, 1),
                      "peak_rss_mb": round(run.peak_mb), "marian_over_ct2": round(run.seconds / ct2, 2),
                      "pass": run.seconds / ct2 >= SPEED_BAR}
            print(f"\n  (b) with --engine marian (extra {args.extra[0]}): {run.seconds:.2f} s, "
                  f"{run.peak_mb:.0f} MB; marian/ct2 {run.seconds / ct2:.2f}; "
                  f"{'PASS' if marian['pass'] else 'FAIL'}: ct2 at least {SPEED_BAR} times marian")
        total = time.perf_counter() - started
        print(f"\ntimed part: {total:.0f} s; load average {os.getloadavg()[0]:.2f}")

    results = REPO / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    summary = {
        "model": OPUS_MT,
        "article_words": setup.words,
        "pairs": setup.pair_count,
        "more_articles_words": setup.more_words,
        "cores": os.cpu_count(),
        "rounds": args.rounds,
        "tokenizer_of_a": args.tokenizer,
        "load_average_before_after": (round(load_before, 2), round(os.getloadavg()[0], 2)),
        "conversion": {k: v for k, v in conversion.items() if k != "qa"},
        "before_revision": revision,
        "settings": {f"extra {extra}": figures for extra, figures in settings.items()},
        "marian": marian,
    }
    (results / "neural_path.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


MODES = {"--launch": launch, "--capture": capture, "--engine-alone": engine_alone}

if __name__ == "__main__":
    if sys.argv[1:2] and sys.argv[1] in MODES:
        MODES[sys.argv[1]](sys.argv[2:])
    else:
        main()
