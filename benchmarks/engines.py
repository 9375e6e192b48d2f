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

Its weights are drawn at the scale of opus-mt's initialisation (std 0.02) rather than the
builder's default 0.5, which makes tiny test models depend on their input but, at this size, makes
transformers' attention underflow into denormal numbers that slow it (not CTranslate2) by about a
quarter. Both libraries run on 2 threads (torch.set_num_threads, CTranslate2 intra_threads).

Every timed run happens in a fresh process that loads only the library it times (two OpenMP
runtimes and allocator state in one process made transformers' figures swing by 4x between
runs), after one untimed warm-up call. The configurations take turns, round after round, so a
burst of other work on this shared machine hits them alike; each figure is the best of its rounds,
since other work only ever adds time. The load average is printed and recorded; --wait-quiet
waits for an idle machine first. Prints a table and writes benchmarks/results/engines.json.

    .venv/bin/python benchmarks/engines.py [--batch 40] [--new-tokens 25] [--rounds 3] [--wait-quiet 600]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
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
# The spread of opus-mt's initial weights (see the module docstring).
WEIGHT_STD = 0.02


def build_opus_sized(folder: Path) -> Path:
    """An es-en Marian folder of opus-mt's shape with random weights of spread WEIGHT_STD."""
    return build_tiny_marian(folder, "es", "en", init_std=WEIGHT_STD, **OPUS_MT)


@dataclass(frozen=True, slots=True)
class Timing:
    """The best wall time of a configuration's rounds, and the work each run did."""

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


def add_wait_quiet(parser: argparse.ArgumentParser) -> None:
    """The --wait-quiet option of every benchmark (see :func:`wait_until_quiet`)."""
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="first wait up to this long for the machine to be idle",
    )


def warm_then_time(run: Callable[[], object]) -> float:
    """Wall time of one call of ``run`` after one untimed warm-up call."""
    run()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def source_ids(tokenizer, count: int, length: int) -> list[list[int]]:
    """``count`` inputs of exactly ``length`` token ids (end-of-sentence included), cut at
    different places from the builder's Spanish sentences run together."""
    stream = [i for ids in tokenizer(list(SPANISH))["input_ids"] for i in ids[:-1]]
    step = max(1, (len(stream) - length) // count)
    return [
        [*stream[k * step : k * step + length - 1], tokenizer.eos_token_id] for k in range(count)
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


@dataclass(frozen=True, slots=True)
class Setup:
    """What a child process needs to time any configuration: the model, its conversions, and the
    inputs (token ids for transformers, the same as pieces for CTranslate2)."""

    folder: Path
    converted: dict[str, Path]
    ct2_cache: Path
    ids: list[list[int]]
    tokens: list[list[str]]
    new_tokens: int
    sources: list[str]
    targets: list[str]


TRANSLATING = (
    "transformers fp32 greedy",
    "transformers fp32 beam 4",
    "transformers dynamic int8 greedy",
    "ct2 int8 greedy",
    "ct2 int8 beam 4",
    "ct2 float32 greedy",
)
SCORING = ("marian engine (transformers fp32) scoring", "ct2 engine (int8) scoring")


def time_configuration(name: str, setup: Setup) -> float:
    """Load what configuration ``name`` needs and time one call after a warm-up (see the module
    docstring); meant to run in a fresh process."""
    warnings.filterwarnings("ignore", message=".*sacremoses.*")
    beam = 4 if name.endswith("beam 4") else 1
    if name in SCORING:
        options = EngineOptions(
            models={"es-en": str(setup.folder)},
            threads=THREADS,
            compute_type="int8",
            ct2_cache=str(setup.ct2_cache),
        )
        engine = (Ct2Engine if name.startswith("ct2") else MarianEngine)(options)
        return warm_then_time(lambda: engine.score(setup.sources, setup.targets, "es", "en"))
    if name.startswith("ct2"):
        import ctranslate2

        compute_type = name.split()[1]
        translator = ctranslate2.Translator(
            str(setup.converted[compute_type]),
            device="cpu",
            compute_type=compute_type,
            inter_threads=1,
            intra_threads=THREADS,
        )
        return warm_then_time(ct2_run(translator, setup.tokens, beam, setup.new_tokens))
    import torch
    from transformers import MarianMTModel
    from transformers.utils import logging as hf_logging

    # generate() warns on every call that max_new_tokens overrides the model's max_length.
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.set_num_threads(THREADS)
    model = MarianMTModel.from_pretrained(setup.folder).eval()
    if "dynamic int8" in name:
        model = quantized(model)
    return warm_then_time(transformers_run(model, setup.ids, beam, setup.new_tokens))


def time_in_fresh_process(name: str, setup: Setup) -> float:
    """:func:`time_configuration` in a newly spawned Python process."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(time_configuration, name, setup).result()


def prepare(root: Path, args: argparse.Namespace) -> tuple[Setup, Path]:
    """Build the opus-mt-sized model and the tiny one under ``root``, convert the first to
    CTranslate2 int8 and float32, and make the inputs; returns the setup and the tiny model."""
    from transformers import MarianTokenizer

    print("building the opus-mt-sized random model ...", file=sys.stderr)
    folder = build_opus_sized(root / "opus-mt-sized-es-en")
    tiny = build_tiny_marian(root / "tiny-es-en", "es", "en")
    tokenizer = MarianTokenizer.from_pretrained(folder)
    ids = source_ids(tokenizer, args.batch, args.source_tokens)
    print("converting to CTranslate2 ...", file=sys.stderr)
    converted = {
        compute_type: Ct2Engine(
            EngineOptions(
                models={"es-en": str(folder)},
                compute_type=compute_type,
                ct2_cache=str(root / "ct2"),
            )
        ).converted_model("es", "en")
        for compute_type in ("int8", "float32")
    }
    setup = Setup(
        folder=folder,
        converted=converted,
        ct2_cache=root / "ct2",
        ids=ids,
        tokens=[tokenizer.convert_ids_to_tokens(row) for row in ids],
        new_tokens=args.new_tokens,
        sources=[SPANISH[i % len(SPANISH)] for i in range(args.pairs)],
        targets=[ENGLISH[(i * 7) % len(ENGLISH)] for i in range(args.pairs)],
    )
    return setup, tiny


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=40, help="sentences per batch (default 40)")
    parser.add_argument("--source-tokens", type=int, default=25)
    parser.add_argument("--new-tokens", type=int, default=25, help="tokens generated per sentence")
    parser.add_argument("--pairs", type=int, default=200, help="pairs scored (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of each (default 3)")
    add_wait_quiet(parser)
    args = parser.parse_args()

    import ctranslate2
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        setup, tiny = prepare(Path(tmp), args)
        load_before = wait_until_quiet(args.wait_quiet)
        best: dict[str, float] = {}
        for round_number in range(1, args.rounds + 1):
            for name in TRANSLATING + SCORING:
                print(f"round {round_number}: timing {name} ...", file=sys.stderr)
                seconds = time_in_fresh_process(name, setup)
                best[name] = min(seconds, best.get(name, seconds))
        agreement = quantization_agreement(tiny)
    generated = args.batch * args.new_tokens
    timings = [Timing(name, best[name], generated) for name in TRANSLATING] + [
        Timing(name, best[name], args.pairs) for name in SCORING
    ]

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
        "rounds": args.rounds,
        "weight_std": WEIGHT_STD,
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
