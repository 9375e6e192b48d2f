"""Benchmark: translation and scoring throughput of transformers (fp32) against CTranslate2 (int8)
on an opus-mt-sized Marian model, all in one run, with PyTorch dynamic int8 quantization tried on
the transformers path.

The model is built with random weights by qa.testing.tiny_marian at the size of
Helsinki-NLP/opus-mt-es-en: a 65,001-token vocabulary (embeddings and output layer at full size),
6+6 layers, d_model 512, 8 heads, feed-forward 2048. Its sentencepiece models are small (trained on
the builder's sentences); the vocabulary is filled up with placeholder tokens that the model never
generates, so every step still computes the full 65k-way output layer. A random model would stop
or ramble at random, so every sentence is made to generate exactly the same number of tokens
(min and max length equal in both libraries): the work is that of real translations of that length.

Both libraries run on 2 threads (torch.set_num_threads, CTranslate2 intra_threads), and torch
flushes denormal numbers to zero (random weights make many; flushing them speeds transformers up).
Each figure is the median of a few timed runs after a warm-up. Other work on the machine skews
everything, so the load average is printed and recorded; --wait-quiet waits for an idle machine.
Prints a table and writes benchmarks/results/engines.json.

    .venv/bin/python benchmarks/engines.py [--batch 40] [--new-tokens 25] [--wait-quiet 600]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa.testing.tiny_marian import ENGLISH, SPANISH, build_tiny_marian
from qa.translate import EngineOptions
from qa.translate.ct2 import Ct2Engine
from qa.translate.marian import MarianEngine

REPO = Path(__file__).resolve().parent.parent
THREADS = 2
# Helsinki-NLP/opus-mt-es-en's shape.
OPUS_MT = {
    "vocab_size": 65001,
    "d_model": 512,
    "layers": 6,
    "heads": 8,
    "ffn_dim": 2048,
    "max_positions": 512,
}


@dataclass(frozen=True, slots=True)
class Timing:
    """The median wall time of a few runs of one configuration, and the work each run did."""

    name: str
    seconds: float
    items: int

    @property
    def rate(self) -> float:
        """Items (tokens or pairs) per second."""
        return self.items / self.seconds


def wait_until_quiet(limit: float, *, quiet: float = 0.5, poll: float = 15.0) -> float:
    """Wait up to ``limit`` seconds for the 1-minute load average to fall below ``quiet`` (other
    work on a 2-core machine skews every figure); returns the load average when it starts."""
    deadline = time.monotonic() + limit
    while os.getloadavg()[0] >= quiet and time.monotonic() < deadline:
        time.sleep(poll)
    return os.getloadavg()[0]


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls of ``run`` after one untimed warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def source_ids(tokenizer, count: int, length: int) -> list[list[int]]:
    """``count`` inputs of exactly ``length`` token ids (end-of-sentence included), cut at
    different places from the builder's Spanish sentences run together."""
    stream = [i for ids in tokenizer(list(SPANISH))["input_ids"] for i in ids[:-1]]
    step = max(1, (len(stream) - length) // count)
    return [
        stream[k * step : k * step + length - 1] + [tokenizer.eos_token_id] for k in range(count)
    ]


def transformers_run(model, ids: list[list[int]], beam: int, new_tokens: int) -> Callable[[], None]:
    """A generate call over the batch that makes every row exactly ``new_tokens`` tokens long."""
    import torch

    inputs = torch.tensor(ids)
    mask = torch.ones_like(inputs)

    def run() -> None:
        with torch.inference_mode():
            out = model.generate(
                input_ids=inputs,
                attention_mask=mask,
                num_beams=beam,
                do_sample=False,
                min_new_tokens=new_tokens,
                max_new_tokens=new_tokens,
                forced_eos_token_id=None,
            )
        # The decoder start token plus the generated ones.
        assert out.shape[1] == new_tokens + 1, out.shape

    return run


def ct2_run(translator, tokens: list[list[str]], beam: int, new_tokens: int) -> Callable[[], None]:
    """A translate_batch call over the batch that makes every row exactly ``new_tokens`` long."""

    def run() -> None:
        results = translator.translate_batch(
            tokens,
            beam_size=beam,
            min_decoding_length=new_tokens,
            max_decoding_length=new_tokens,
            max_input_length=0,
        )
        assert all(len(r.hypotheses[0]) == new_tokens for r in results)

    return run


def quantized(model):
    """A copy of a transformers model with every nn.Linear dynamically quantized to int8."""
    import copy

    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization is deprecated in favour of torchao
        return quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)


def quantization_agreement(folder: Path) -> dict[str, float]:
    """On the tiny model: how many greedy translations dynamic int8 leaves unchanged, and how far
    it moves per-token forced-decoding log-probabilities."""
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    tokenizer = MarianTokenizer.from_pretrained(folder)
    model = MarianMTModel.from_pretrained(folder).eval()
    small = quantized(model)
    batch = tokenizer(list(SPANISH), text_target=list(ENGLISH), return_tensors="pt", padding=True)
    with torch.inference_mode():
        outputs = [
            tokenizer.batch_decode(
                m.generate(
                    input_ids=batch["input_ids"],
                    attention_mask=batch["attention_mask"],
                    num_beams=1,
                    do_sample=False,
                    max_length=64,
                ),
                skip_special_tokens=True,
            )
            for m in (model, small)
        ]
        logprobs = [
            torch.log_softmax(
                m(
                    input_ids=batch["input_ids"],
                    attention_mask=batch["attention_mask"],
                    labels=batch["labels"],
                ).logits,
                -1,
            )
            .gather(-1, batch["labels"].unsqueeze(-1))
            .squeeze(-1)
            for m in (model, small)
        ]
    real = batch["labels"].ne(tokenizer.pad_token_id)
    moved = (logprobs[0] - logprobs[1]).abs()[real]
    same = sum(a == b for a, b in zip(*outputs))
    return {
        "same_greedy_translations": same,
        "sentences": len(SPANISH),
        "max_logprob_change": float(moved.max()),
        "median_logprob_change": float(moved.median()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=40, help="sentences per batch (default 40)")
    parser.add_argument("--source-tokens", type=int, default=25)
    parser.add_argument("--new-tokens", type=int, default=25, help="tokens generated per sentence")
    parser.add_argument("--pairs", type=int, default=200, help="pairs scored (default 200)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="first wait up to this long for the machine to be idle",
    )
    args = parser.parse_args()
    load_before = wait_until_quiet(args.wait_quiet)

    import ctranslate2
    import torch
    from transformers import MarianMTModel, MarianTokenizer
    from transformers.utils import logging as hf_logging

    warnings.filterwarnings("ignore", message=".*sacremoses.*")
    hf_logging.disable_progress_bar()
    # generate() warns on every call that max_new_tokens overrides the model's max_length.
    hf_logging.set_verbosity_error()
    torch.set_num_threads(THREADS)
    # Random weights make denormal numbers that slow transformers down by a quarter here; a
    # trained model makes fewer, so flushing them keeps the comparison fair to transformers.
    torch.set_flush_denormal(True)
    timings: list[Timing] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print("building the opus-mt-sized random model ...", file=sys.stderr)
        folder = build_tiny_marian(root / "opus-mt-sized-es-en", "es", "en", **OPUS_MT)
        tiny = build_tiny_marian(root / "tiny-es-en", "es", "en")
        tokenizer = MarianTokenizer.from_pretrained(folder)
        model = MarianMTModel.from_pretrained(folder).eval()
        ids = source_ids(tokenizer, args.batch, args.source_tokens)
        tokens = [tokenizer.convert_ids_to_tokens(row) for row in ids]
        generated = args.batch * args.new_tokens

        def options(compute_type: str) -> EngineOptions:
            return EngineOptions(
                models={"es-en": str(folder)},
                threads=THREADS,
                compute_type=compute_type,
                ct2_cache=str(root / "ct2"),
            )

        print("converting to CTranslate2 ...", file=sys.stderr)
        translators = {
            compute_type: ctranslate2.Translator(
                str(Ct2Engine(options(compute_type)).converted_model("es", "en")),
                device="cpu",
                compute_type=compute_type,
                inter_threads=1,
                intra_threads=THREADS,
            )
            for compute_type in ("int8", "float32")
        }
        runs = [
            ("transformers fp32 greedy", transformers_run(model, ids, 1, args.new_tokens)),
            ("transformers fp32 beam 4", transformers_run(model, ids, 4, args.new_tokens)),
            (
                "transformers dynamic int8 greedy",
                transformers_run(quantized(model), ids, 1, args.new_tokens),
            ),
            ("ct2 int8 greedy", ct2_run(translators["int8"], tokens, 1, args.new_tokens)),
            ("ct2 int8 beam 4", ct2_run(translators["int8"], tokens, 4, args.new_tokens)),
            ("ct2 float32 greedy", ct2_run(translators["float32"], tokens, 1, args.new_tokens)),
        ]
        for name, run in runs:
            print(f"timing {name} ...", file=sys.stderr)
            timings.append(Timing(name, median_seconds(run, args.repeats), generated))

        sources = [SPANISH[i % len(SPANISH)] for i in range(args.pairs)]
        targets = [ENGLISH[(i * 7) % len(ENGLISH)] for i in range(args.pairs)]
        scorers = [
            ("marian engine (transformers fp32) scoring", MarianEngine(options("int8"))),
            ("ct2 engine (int8) scoring", Ct2Engine(options("int8"))),
        ]
        for name, engine in scorers:
            print(f"timing {name} ...", file=sys.stderr)
            seconds = median_seconds(
                lambda e=engine: e.score(sources, targets, "es", "en"), args.repeats
            )
            timings.append(Timing(name, seconds, args.pairs))
            engine.close()
        agreement = quantization_agreement(tiny)

    load = (round(load_before, 2), round(os.getloadavg()[0], 2))
    by_name = {t.name: t for t in timings}
    ratios = {
        "ct2 int8 greedy / transformers fp32 greedy": by_name["ct2 int8 greedy"].rate
        / by_name["transformers fp32 greedy"].rate,
        "ct2 int8 beam 4 / transformers fp32 beam 4": by_name["ct2 int8 beam 4"].rate
        / by_name["transformers fp32 beam 4"].rate,
        "transformers dynamic int8 / fp32 greedy": by_name["transformers dynamic int8 greedy"].rate
        / by_name["transformers fp32 greedy"].rate,
        "ct2 int8 / marian scoring": by_name["ct2 engine (int8) scoring"].rate
        / by_name["marian engine (transformers fp32) scoring"].rate,
    }
    width = max(len(t.name) for t in timings)
    print(
        f"opus-mt-sized Marian, random weights (vocab {OPUS_MT['vocab_size']}, "
        f"{OPUS_MT['layers']}+{OPUS_MT['layers']} layers, d_model {OPUS_MT['d_model']}); "
        f"batch {args.batch} x {args.source_tokens} source tokens, {args.new_tokens} tokens "
        f"generated per sentence; {THREADS} threads, {os.cpu_count()} cores; "
        f"ctranslate2 {ctranslate2.__version__}, torch {torch.__version__}; "
        f"load average {load[0]} before, {load[1]} after"
    )
    print(f"  {'run':<{width}}  {'seconds':>8}  {'rate':>14}")
    for t in timings:
        unit = "pairs/s" if "scoring" in t.name else "tokens/s"
        print(f"  {t.name:<{width}}  {t.seconds:8.2f}  {t.rate:7.0f} {unit:<8}")
    for name, ratio in ratios.items():
        print(f"  {name:<{width + 10}}  {ratio:8.2f}x")
    print(
        f"  dynamic int8 on the tiny model: {agreement['same_greedy_translations']}/"
        f"{agreement['sentences']} greedy translations unchanged, per-token log-probability "
        f"moved by median {agreement['median_logprob_change']:.3f}, "
        f"max {agreement['max_logprob_change']:.3f}"
    )

    results = REPO / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    report = {
        "model": OPUS_MT,
        "batch": args.batch,
        "source_tokens": args.source_tokens,
        "new_tokens": args.new_tokens,
        "threads": THREADS,
        "cores": os.cpu_count(),
        "load_average_before_after": load,
        "versions": {"ctranslate2": ctranslate2.__version__, "torch": torch.__version__},
        "runs": {
            t.name: {
                "seconds": round(t.seconds, 3),
                ("pairs_per_s" if "scoring" in t.name else "tokens_per_s"): round(t.rate, 1),
            }
            for t in timings
        },
        "ratios": {name: round(ratio, 2) for name, ratio in ratios.items()},
        "dynamic_int8_on_tiny_model": agreement,
    }
    (results / "engines.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
