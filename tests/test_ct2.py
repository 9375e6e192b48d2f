"""The ct2 engine (CTranslate2) on real tiny Marian models: the same results as the marian engine,
input order, the cache of converted models, splitting, and its place among the engines."""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import statistics
import threading
from pathlib import Path

import pytest
from conftest import need
from test_marian import SPANISH  # the same sentences on both engines

from qa.errors import EngineError, EngineUnavailable, InputError
from qa.translate import ENGINE_CHOICES, ENGINES, EngineOptions, create_engine
from qa.translate import ct2 as ct2_module
from qa.translate.cache import CachedEngine, TranslationCache
from qa.translate.ct2 import (
    ConversionFailed,
    Ct2Engine,
    TransformersPieces,
    ct2_installed,
    decoding_bound,
    publish,
    stop_at,
    threads_per_direction,
    workers_per_direction,
)
from qa.translate.marian import MarianEngine, split_to_fit
from qa.translate.pieces import MarianPieces

pytestmark = pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")

ENGLISH = [
    "Hello",
    "The central bank kept interest rates unchanged.",
    "A storm left thousands of homes on the coast without electricity.",
    "Who will pay?",
    "The transport strike will affect trains and buses on Thursday, the unions say.",
    "Morocco",
    "Parliament will vote on the pension reform next week.",
    "Fine",
]
LONG = " ".join(
    ["El ayuntamiento aprobó ayer el presupuesto para el próximo año, tras un largo debate."] * 8
)
# int8 scores are held to bounds that follow from quantisation, not to one CPU's rounding.
# CTranslate2 picks its int8 GEMM by CPU: MKL on Intel, oneDNN elsewhere, and without VNNI
# (AVX2-only CPUs, AMD EPYC among them) oneDNN sums pairs of u8*s8 products in int16, which
# saturates. On the tiny model's wide weights (INIT_STD 0.5) activations grow layer after layer,
# and that saturation moved a pair's mean log-probability by 1.7 nats (its rank among pairs too),
# while VNNI or MKL moved it by 0.15. So the bounds are taken on weights of realistic scale
# (the realistic_marian fixture). There, over every backend and CT2_FORCE_CPU_ISA this machine
# allows (AVX512, AVX2, AVX, GENERIC; MKL, oneDNN with and without VNNI), a pair's mean moved by
# at most 0.068 nats, a token's median by 0.048, and the rank correlation of the pairs' means
# stayed >= 0.984; the pairs' means themselves spread with a standard deviation of 0.55.
# The bounds below are about twice those figures, and far below what a wrong score would give.
INT8_MEAN_TOLERANCE = 0.15
INT8_MEDIAN_TOKEN_TOLERANCE = 0.1
INT8_MIN_RANK_CORRELATION = 0.95


@pytest.fixture(autouse=True)
def _needs_ctranslate2():
    need(ct2_installed(), "ctranslate2 is not installed (pip install ctranslate2)")


def options(folder: Path, **kwargs) -> EngineOptions:
    """es-en from ``folder``, one thread (fast for tiny models)."""
    return EngineOptions(models={"es-en": str(folder)}, threads=1, **kwargs)


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    """One folder of converted models shared by the module's engines."""
    return tmp_path_factory.mktemp("ct2-models")


@pytest.fixture(scope="module")
def exact(tiny_marian, converted):
    """ct2 in float32, which should match transformers to rounding."""
    engine = Ct2Engine(
        options(tiny_marian[("es", "en")], compute_type="float32", ct2_cache=str(converted))
    )
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def int8(tiny_marian, converted):
    """ct2 in int8 (the default) with small batches."""
    engine = Ct2Engine(options(tiny_marian[("es", "en")], batch_size=3, ct2_cache=str(converted)))
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def marian(tiny_marian):
    engine = MarianEngine(options(tiny_marian[("es", "en")]))
    yield engine
    engine.close()


@pytest.fixture
def conversions(monkeypatch) -> list[Path]:
    """Every conversion's staging folder, in order (the conversions still run)."""
    made: list[Path] = []
    convert = ct2_module.convert_marian

    def counting(source: str, staging: Path, quantization: str) -> None:
        made.append(staging)
        convert(source, staging, quantization)

    monkeypatch.setattr(ct2_module, "convert_marian", counting)
    return made


def rank_correlation(xs: list[float], ys: list[float]) -> float:
    """Spearman's rank correlation (no ties expected)."""

    def ranks(values: list[float]) -> list[int]:
        order = sorted(range(len(values)), key=values.__getitem__)
        result = [0] * len(values)
        for rank, index in enumerate(order):
            result[index] = rank
        return result

    n = len(xs)
    squared = sum((a - b) ** 2 for a, b in zip(ranks(xs), ranks(ys)))
    return 1 - 6 * squared / (n * (n * n - 1))


def test_float32_matches_marian_translations_and_scores(exact, marian):
    assert exact.translate(SPANISH, "es", "en") == marian.translate(SPANISH, "es", "en")
    ours = exact.score(SPANISH, ENGLISH, "es", "en")
    theirs = marian.score(SPANISH, ENGLISH, "es", "en")
    for mine, reference in zip(ours, theirs, strict=True):
        assert mine.tokens == reference.tokens and mine.tokens[-1] == "</s>"
        assert mine.logprobs == pytest.approx(reference.logprobs, abs=1e-3)


def test_int8_scores_stay_within_quantisation_bounds_of_marian(realistic_marian, converted):
    # Each Spanish sentence with its own translation and with two others.
    targets = ENGLISH + ENGLISH[1:] + ENGLISH[:1] + ENGLISH[2:] + ENGLISH[:2]
    sources = SPANISH * 3
    int8 = Ct2Engine(options(realistic_marian, ct2_cache=str(converted)))
    marian = MarianEngine(options(realistic_marian))
    ours = int8.score(sources, targets, "es", "en")
    theirs = marian.score(sources, targets, "es", "en")
    int8.close()
    marian.close()
    assert [s.tokens for s in ours] == [s.tokens for s in theirs]
    assert all(value <= 0 for s in ours for value in s.logprobs)
    for mine, reference in zip(ours, theirs):
        assert mine.mean == pytest.approx(reference.mean, abs=INT8_MEAN_TOLERANCE)
    token_errors = [abs(a - b) for s, t in zip(ours, theirs) for a, b in zip(s.logprobs, t.logprobs)]
    assert statistics.median(token_errors) <= INT8_MEDIAN_TOKEN_TOLERANCE
    means = [s.mean for s in theirs]
    # The bounds are only worth something if the pairs' scores differ by more than they allow.
    assert statistics.pstdev(means) > 2 * INT8_MEAN_TOLERANCE
    assert rank_correlation([s.mean for s in ours], means) >= INT8_MIN_RANK_CORRELATION


def test_int8_on_wide_weights_keeps_the_tokens_and_stays_a_probability(int8, marian):
    # On the tiny model's wide weights the values depend on the CPU's int8 kernels (see above):
    # only what holds whatever the rounding is checked.
    targets = ENGLISH + ENGLISH[1:] + ENGLISH[:1]
    sources = SPANISH + SPANISH
    ours = int8.score(sources, targets, "es", "en")
    theirs = marian.score(sources, targets, "es", "en")
    assert [s.tokens for s in ours] == [s.tokens for s in theirs]
    assert all(math.isfinite(value) and value <= 0 for s in ours for value in s.logprobs)
    assert int8.score(sources, targets, "es", "en") == ours


def test_translations_come_back_in_input_order(int8, monkeypatch):
    texts = SPANISH * 2
    random.Random(3).shuffle(texts)
    batched = int8.translate(texts, "es", "en")
    one_by_one = [int8.translate([text], "es", "en")[0] for text in texts]
    assert batched == one_by_one
    # Batches bounded by padded tokens rather than by count give the same.
    monkeypatch.setattr(ct2_module, "TRANSLATE_TOKEN_BUDGET", 40)
    assert int8.translate(texts, "es", "en") == batched
    # The random model does depend on its input, so a mix-up would show.
    assert len(set(batched)) > 1


def test_scores_come_back_in_input_order_whatever_the_chunking(exact, monkeypatch):
    pairs = list(zip(SPANISH, ENGLISH)) * 2
    random.Random(5).shuffle(pairs)
    sources, targets = [s for s, _ in pairs], [t for _, t in pairs]
    whole = exact.score(sources, targets, "es", "en")
    alone = [exact.score([s], [t], "es", "en")[0] for s, t in pairs]
    # A logit budget of a few tokens forces one or two pairs per score_batch call.
    monkeypatch.setattr(ct2_module, "SCORE_LOGIT_BUDGET", 500 * 30)
    chunked = exact.score(sources, targets, "es", "en")
    for together, single, small in zip(whole, alone, chunked, strict=True):
        assert together.tokens == single.tokens == small.tokens
        assert together.logprobs == pytest.approx(single.logprobs, abs=1e-4)
        assert together.logprobs == pytest.approx(small.logprobs, abs=1e-4)


def test_each_greedy_row_stops_at_its_own_bound(int8):
    """A row ends at its own length bound rather than running on to its batch's longest, and
    translates exactly as when it runs on and is cut at its bound afterwards."""
    loaded = int8._load("es", "en")
    texts = [*SPANISH, LONG[:120]]
    tokens = loaded.pieces.source_tokens(texts)
    bounds = [decoding_bound(len(row), loaded.max_positions) for row in tokens]
    assert len(set(bounds)) > 1

    def rows(**stopping) -> list[list[str]]:
        outputs = loaded.translator.translate_batch(
            tokens, beam_size=1, max_decoding_length=max(bounds), max_input_length=0, **stopping)
        return [output.hypotheses[0] for output in outputs]

    run_on, stopped = rows(), rows(callback=stop_at(bounds))
    assert [row[:bound] for row, bound in zip(run_on, bounds, strict=True)] == stopped
    assert all(len(row) <= bound for row, bound in zip(stopped, bounds, strict=True))
    # The random model never ends a row itself, so the bound is what stopped the short ones.
    assert sum(len(row) for row in stopped) < sum(len(row) for row in run_on)
    assert int8.translate(texts, "es", "en") == loaded.pieces.decode(stopped)


def test_a_tokenizer_setting_pieces_does_not_mirror_falls_back_to_marian_tokenizer(
    tmp_path, tiny_marian, int8
):
    folder = tmp_path / "model"
    shutil.copytree(tiny_marian[("es", "en")], folder)
    config = folder / "tokenizer_config.json"
    settings = json.loads(config.read_text(encoding="utf-8")) if config.exists() else {}
    config.write_text(json.dumps({**settings, "a_setting_qa_does_not_know": True}), encoding="utf-8")
    engine = Ct2Engine(options(folder, batch_size=3))
    assert isinstance(engine._load("es", "en").pieces, TransformersPieces)
    assert isinstance(int8._load("es", "en").pieces, MarianPieces)
    assert engine.translate(SPANISH, "es", "en") == int8.translate(SPANISH, "es", "en")
    assert engine.score(SPANISH, ENGLISH, "es", "en") == int8.score(SPANISH, ENGLISH, "es", "en")
    engine.close()


def test_threads_are_shared_between_the_directions_that_run_together():
    assert threads_per_direction(EngineOptions(threads=4, parallel_directions=2)) == 2
    assert threads_per_direction(EngineOptions(threads=3, parallel_directions=2)) == 1
    assert threads_per_direction(EngineOptions(threads=1, parallel_directions=2)) == 1
    assert threads_per_direction(EngineOptions(threads=2)) == 2
    cores = len(os.sched_getaffinity(0))
    assert threads_per_direction(EngineOptions(parallel_directions=2)) == max(1, cores // 2)
    with pytest.raises(InputError, match="parallel directions must be at least 1"):
        EngineOptions(parallel_directions=0)
    # Each direction may run two batches at a time when each has a thread of its own.
    assert workers_per_direction(EngineOptions(threads=2, parallel_directions=2)) == 2
    assert workers_per_direction(EngineOptions(threads=1, parallel_directions=2)) == 1
    assert workers_per_direction(EngineOptions(threads=8)) == 1


@pytest.fixture(scope="module")
def both_ways(tiny_marian, converted):
    """int8 both ways, as a check runs it: the directions share the cores."""
    models = {f"{src}-{tgt}": str(folder) for (src, tgt), folder in tiny_marian.items()}
    engine = Ct2Engine(EngineOptions(models=models, threads=2, parallel_directions=2, batch_size=3,
                                     ct2_cache=str(converted)))
    yield engine
    engine.close()


def test_both_directions_translate_and_score_at_once_on_their_own_threads(both_ways, monkeypatch):
    """What translate_chunks and score_chunks are asked starts at once on the direction's worker,
    so two directions asked together run at the same time; the results are those of translate
    and score, in order."""
    expected = (both_ways.translate(SPANISH, "es", "en"), both_ways.translate(ENGLISH, "en", "es"))
    # int8 scores may depend on which pairs share a batch: each chunk is scored as score scores it.
    chunks = [(SPANISH[:3], ENGLISH[:3]), (SPANISH[3:], ENGLISH[3:])]
    scored = ([score for s, t in chunks for score in both_ways.score(s, t, "es", "en")],
              [score for s, t in chunks for score in both_ways.score(t, s, "en", "es")])
    # Each direction's first call waits for the other's: were they run one after the other,
    # the barrier would break.
    meeting = threading.Barrier(2, timeout=30)
    threads: dict[str, set[str]] = {}

    def meets(method):
        def wrapped(*args):
            src, tgt = args[-2:]
            first = f"{src}-{tgt}" not in threads
            threads.setdefault(f"{src}-{tgt}", set()).add(threading.current_thread().name)
            if first:
                meeting.wait()
            return method(*args)
        return wrapped

    monkeypatch.setattr(both_ways, "translate", meets(both_ways.translate))
    forward = both_ways.translate_chunks(SPANISH, "es", "en", 3)
    back = both_ways.translate_chunks(ENGLISH, "en", "es", 3)
    assert ([text for chunk in forward for text in chunk], [text for chunk in back for text in chunk]) == expected
    assert threads == {"es-en": {"qa-es-en_0"}, "en-es": {"qa-en-es_0"}}

    meeting.reset()
    threads.clear()
    monkeypatch.setattr(both_ways, "score", meets(both_ways.score))
    target_scores = both_ways.score_chunks(chunks, "es", "en")
    source_scores = both_ways.score_chunks([(t, s) for s, t in chunks], "en", "es")
    assert [score for chunk in target_scores for score in chunk] == scored[0]
    assert [score for chunk in source_scores for score in chunk] == scored[1]
    assert threads == {"es-en": {"qa-es-en_0"}, "en-es": {"qa-en-es_0"}}


def test_a_worker_failure_reaches_the_reader_and_close_does_not_wait_for_unread_work(tiny_marian, converted):
    engine = Ct2Engine(options(tiny_marian[("es", "en")], ct2_cache=str(converted)))
    missing = engine.translate_chunks(["Hello"], "en", "fr", 1)
    with pytest.raises(EngineUnavailable, match="en-fr"):
        next(missing)
    unread = engine.translate_chunks(SPANISH * 20, "es", "en", 1)
    engine.close()  # drops the work not yet started
    with pytest.raises(EngineError, match="the engine was closed before this work was done"):
        list(unread)


def test_blanks_duplicates_and_empty_targets(int8):
    result = int8.translate(["", "Hola", "   ", "Hola", "Bien"], "es", "en")
    assert result[0] == "" and result[2] == ""
    assert result[1] == result[3] != ""
    assert int8.translate([], "es", "en") == []
    assert int8.score([], [], "es", "en") == []
    [empty] = int8.score(["Hola"], [""], "es", "en")
    assert empty.tokens == ("</s>",) and len(empty.logprobs) == 1
    with pytest.raises(ValueError):
        int8.score(["Hola"], [], "es", "en")


def test_beam_search(tiny_marian, converted):
    beam = Ct2Engine(options(tiny_marian[("es", "en")], beam_size=3, ct2_cache=str(converted)))
    first = beam.translate(SPANISH, "es", "en")
    assert len(first) == len(SPANISH) and all(first)
    assert beam.translate(SPANISH, "es", "en") == first
    beam.close()


def test_over_long_input_is_split_like_marian(exact, marian):
    tokenizer = marian._load("es", "en").tokenizer
    assert len(tokenizer(LONG)["input_ids"]) > 64
    exact.notes.clear()
    marian.notes.clear()
    [translated] = exact.translate([LONG], "es", "en")
    pieces = split_to_fit(LONG, lambda piece: len(tokenizer(piece)["input_ids"]) <= 64)
    assert len(pieces) > 1
    assert translated == " ".join(exact.translate(pieces, "es", "en"))
    assert translated == marian.translate([LONG], "es", "en")[0]
    assert exact.notes == marian.notes and f"{len(pieces)} pieces" in exact.notes[0]


def test_over_long_pair_is_not_scored_and_is_noted(int8):
    int8.notes.clear()
    scores = int8.score(["Hola", LONG], ["Hello", "The council."], "es", "en")
    assert scores[1] is None and scores[0] == int8.score(["Hola"], ["Hello"], "es", "en")[0]
    assert "longer than the 64 tokens the model accepts were not scored" in int8.notes[0]


def test_converted_model_is_kept_and_keyed_by_revision(tmp_path, tiny_marian, conversions):
    folder = tmp_path / "model"
    shutil.copytree(tiny_marian[("es", "en")], folder)
    first = Ct2Engine(options(folder))
    heard: list[str] = []
    first.tell(heard.append)
    converted = first.converted_model("es", "en")
    # The user hears of the conversion as it starts, once.
    assert len(heard) == 1 and "converting" in heard[0] and "once" in heard[0]
    assert str(converted.parent) in heard[0]
    # Under the qa cache folder, which follows QA_CACHE_DIR.
    assert converted.parent == Path(os.environ["QA_CACHE_DIR"]) / "ct2"
    revision = first.info("es", "en").revision
    assert revision.split("+")[0] in converted.name
    stamp = (converted / "model.bin").stat().st_mtime_ns
    translation = first.translate(["Hola"], "es", "en")
    assert len(conversions) == 1

    second = Ct2Engine(options(folder))
    second.tell(heard.append)
    assert second.converted_model("es", "en") == converted
    assert len(heard) == 1
    assert second.translate(["Hola"], "es", "en") == translation
    assert len(conversions) == 1 and (converted / "model.bin").stat().st_mtime_ns == stamp

    config = folder / "config.json"
    config.write_text(
        config.read_text(encoding="utf-8").replace('"dropout": 0.0', '"dropout": 0.1')
    )
    third = Ct2Engine(options(folder))
    assert third.info("es", "en").revision != revision
    assert third.converted_model("es", "en") != converted
    assert len(conversions) == 2
    # No staging folder is left behind.
    assert sorted(path.name.startswith(".") for path in converted.parent.iterdir()) == [False] * 2


@pytest.mark.parametrize("failure", [ConversionFailed("OSError: disk full"), KeyboardInterrupt()])
def test_an_interrupted_conversion_leaves_no_half_model(
    tmp_path, tiny_marian, monkeypatch, failure
):
    def half_then_fail(source: str, staging: Path, quantization: str) -> None:
        (staging / "model.bin").write_bytes(b"half a model")
        raise failure

    monkeypatch.setattr(ct2_module, "convert_marian", half_then_fail)
    engine = Ct2Engine(options(tiny_marian[("es", "en")], ct2_cache=str(tmp_path / "ct2")))
    interrupted = isinstance(failure, KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt if interrupted else EngineUnavailable) as error:
        engine.translate(["Hola"], "es", "en")
    if not interrupted:
        message = str(error.value)
        assert "cannot be converted to CTranslate2 (OSError: disk full)" in message
        assert "\n" not in message
    assert list((tmp_path / "ct2").iterdir()) == []


def test_a_corrupt_model_is_a_one_line_error(tmp_path, tiny_marian):
    folder = tmp_path / "model"
    shutil.copytree(tiny_marian[("es", "en")], folder)
    (folder / "model.safetensors").write_bytes(b"\x00garbage\nmore garbage")
    with pytest.raises(EngineUnavailable) as error:
        Ct2Engine(options(folder)).translate(["Hola"], "es", "en")
    message = str(error.value)
    assert "\n" not in message and "Traceback" not in message
    assert str(folder) in message and "cannot be converted to CTranslate2" in message
    assert not (Path(os.environ["QA_CACHE_DIR"]) / "ct2").exists() or not any(
        (Path(os.environ["QA_CACHE_DIR"]) / "ct2").iterdir()
    )


def test_publish_keeps_a_conversion_another_run_finished_first(tmp_path):
    destination = tmp_path / "model-abc-int8"
    destination.mkdir()
    for name in ("model.bin", "config.json"):
        (destination / name).write_text("theirs")
    staging = tmp_path / ".staging.partial"
    staging.mkdir()
    for name in ("model.bin", "config.json"):
        (staging / name).write_text("ours")
    assert publish(staging, destination) == destination
    assert (destination / "model.bin").read_text() == "theirs"

    # A leftover that is not a finished conversion is replaced.
    (destination / "config.json").unlink()
    assert publish(staging, destination) == destination
    assert (destination / "model.bin").read_text() == "ours" and not staging.exists()


def test_through_the_translation_cache(tmp_path, int8):
    cached = CachedEngine(int8, TranslationCache(tmp_path / "cache.sqlite3"))
    first = cached.translate(SPANISH, "es", "en")
    scores = cached.score(SPANISH, ENGLISH, "es", "en")
    assert cached.misses == 2 * len(SPANISH) and cached.hits == 0
    assert cached.translate(SPANISH, "es", "en") == first
    assert cached.score(SPANISH, ENGLISH, "es", "en") == scores
    assert cached.hits == 2 * len(SPANISH) and cached.engine_calls == 2
    info = cached.info("es", "en")
    assert info.engine == "ct2" and info.revision.endswith("+int8")


def test_info_follows_marian_and_compute_type(tiny_marian):
    folder = tiny_marian[("es", "en")]
    marian_info = MarianEngine(options(folder)).info("es", "en")
    ours = Ct2Engine(options(folder, compute_type="float32")).info("es", "en")
    assert (ours.engine, ours.model) == ("ct2", marian_info.model)
    assert ours.revision == f"{marian_info.revision}+float32"
    with pytest.raises(InputError, match="compute type"):
        EngineOptions(compute_type="int4")


def test_registry_and_explicit_choice(tiny_marian):
    assert ENGINES["ct2"] == "qa.translate.ct2:Ct2Engine" and "ct2" in ENGINE_CHOICES
    engine, note = create_engine("ct2", options(tiny_marian[("es", "en")]), [("es", "en")])
    assert isinstance(engine, Ct2Engine) and "as requested" in note
    with pytest.raises(EngineUnavailable, match="--models-dir DIR .* or --model SRC-TGT=PATH"):
        create_engine("ct2", EngineOptions(), [("es", "en")])


def test_auto_prefers_ct2_when_installed(tiny_marian, monkeypatch):
    models = {f"{src}-{tgt}": str(folder) for (src, tgt), folder in tiny_marian.items()}
    both = [("es", "en"), ("en", "es")]
    engine, note = create_engine("auto", EngineOptions(models=models, offline=True), both)
    assert isinstance(engine, Ct2Engine)
    assert note.startswith("auto chose ct2:") and "local folder" in note

    monkeypatch.setattr(ct2_module.importlib.util, "find_spec", lambda name: None)
    engine, note = create_engine("auto", EngineOptions(models=models, offline=True), both)
    assert isinstance(engine, MarianEngine) and note.startswith("auto chose marian:")
    with pytest.raises(EngineUnavailable, match="pip install ctranslate2"):
        create_engine("ct2", EngineOptions(models=models), both)


def test_unavailable_device(tiny_marian):
    engine = Ct2Engine(options(tiny_marian[("es", "en")], device="tpu"))
    with pytest.raises(EngineUnavailable, match="--device cpu"):
        engine.check("es", "en")
