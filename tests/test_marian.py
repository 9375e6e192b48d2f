"""MarianEngine on real (tiny, random) Marian models, and its behaviour without a model hub."""

from __future__ import annotations

import random
import shutil
import time

import pytest

from qa.errors import EngineUnavailable
from qa.translate import EngineOptions
from qa.translate.marian import MarianEngine, hub_reachable, split_to_fit

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

pytestmark = pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")

SPANISH = [
    "Hola",
    "El banco central mantuvo los tipos de interés sin cambios.",
    "Una tormenta dejó sin electricidad a miles de hogares en la costa.",
    "¿Quién pagará?",
    "La huelga de transportes afectará a los trenes y autobuses del jueves, según los sindicatos.",
    "Marruecos",
    "El parlamento votará la reforma de las pensiones la semana que viene.",
    "Bien",
]


def options(folder, **kwargs) -> EngineOptions:
    """Options that point es-en at ``folder`` and run torch on one thread (fast for tiny models)."""
    return EngineOptions(models={"es-en": str(folder)}, threads=1, **kwargs)


@pytest.fixture(scope="module")
def engine(tiny_marian):
    engine = MarianEngine(options(tiny_marian[("es", "en")], batch_size=3))
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def tokenizer(tiny_marian):
    return transformers.MarianTokenizer.from_pretrained(tiny_marian[("es", "en")])


def test_batches_keep_input_order(engine):
    texts = SPANISH[:]
    random.Random(7).shuffle(texts)
    batched = engine.translate(texts, "es", "en")
    one_by_one = [engine.translate([text], "es", "en")[0] for text in texts]
    assert len(batched) == len(texts)
    assert batched == one_by_one
    # The random model does depend on its input, so a mix-up would show.
    assert len(set(batched)) > 1


def test_duplicates_and_blanks(engine):
    texts = ["", "Hola", "   ", "Hola", "Bien"]
    result = engine.translate(texts, "es", "en")
    assert result[0] == "" and result[2] == ""
    assert result[1] == result[3] != ""
    assert engine.translate([], "es", "en") == []


def test_blank_texts_do_not_need_the_model(tmp_path):
    engine = MarianEngine(options(tmp_path / "no-such-model"))
    assert engine.translate(["", " "], "es", "en") == ["", ""]
    with pytest.raises(EngineUnavailable):
        engine.translate(["Hola"], "es", "en")


def test_beam_search(tiny_marian):
    beam = MarianEngine(options(tiny_marian[("es", "en")], beam_size=3))
    first = beam.translate(SPANISH, "es", "en")
    assert len(first) == len(SPANISH) and all(first)
    assert beam.translate(SPANISH, "es", "en") == first
    beam.close()


def test_over_long_input_is_translated_in_pieces_and_reported(engine, tokenizer):
    sentence = (
        "El ayuntamiento aprobó ayer el presupuesto para el próximo año, tras un largo debate."
    )
    text = " ".join([sentence] * 8)
    limit = min(tokenizer.model_max_length, 64)
    assert len(tokenizer(text, verbose=False)["input_ids"]) > limit

    engine.notes.clear()
    [translated] = engine.translate([text], "es", "en")

    def fits(piece: str) -> bool:
        return len(tokenizer(piece)["input_ids"]) <= limit

    pieces = split_to_fit(text, fits)
    assert len(pieces) > 1
    assert translated == " ".join(engine.translate(pieces, "es", "en"))
    assert len(engine.notes) == 1 and f"{len(pieces)} pieces" in engine.notes[0]


def test_split_to_fit_prefers_sentence_then_clause_then_word_boundaries():
    def fits(piece: str) -> bool:
        return len(piece) <= 20

    assert split_to_fit("Uno dos. Tres cuatro. Cinco.", fits) == ["Uno dos.", "Tres cuatro. Cinco."]
    assert split_to_fit("uno dos tres, cuatro cinco seis", fits) == [
        "uno dos tres,",
        "cuatro cinco seis",
    ]
    words = "palabra " * 10
    pieces = split_to_fit(words, fits)
    assert all(fits(piece) for piece in pieces) and " ".join(pieces).split() == words.split()
    assert all(fits(piece) for piece in split_to_fit("x" * 70, fits))
    assert "".join(split_to_fit("x" * 70, fits)) == "x" * 70


def test_score_matches_a_manual_forced_decoding(engine, tiny_marian, tokenizer):
    sources = ["El perro come.", "Hola", "La ministra visitó el hospital regional el lunes."]
    targets = ["The dog eats.", "Hello there, my friend, how are you?", "The minister visited."]
    scores = engine.score(sources, targets, "es", "en")
    assert len(scores) == 3

    for scored, target in zip(scores, targets):
        pieces = tokenizer(text_target=target)["input_ids"]
        assert len(scored.tokens) == len(scored.logprobs) == len(pieces)
        assert scored.tokens[-1] == "</s>"
        assert all(value <= 0 for value in scored.logprobs)

    model = transformers.MarianMTModel.from_pretrained(tiny_marian[("es", "en")]).eval()
    batch = tokenizer([sources[1]], text_target=[targets[1]], return_tensors="pt")
    with torch.inference_mode():
        logits = model(input_ids=batch["input_ids"], labels=batch["labels"]).logits
    expected = (
        torch.log_softmax(logits, dim=-1)[0]
        .gather(-1, batch["labels"][0].unsqueeze(-1))
        .squeeze(-1)
    )
    assert scores[1].tokens == tuple(tokenizer.convert_ids_to_tokens(batch["labels"][0]))
    assert scores[1].logprobs == pytest.approx(expected.tolist(), abs=1e-4)

    # Scores do not depend on batch-mates or on order.
    alone = [engine.score([s], [t], "es", "en")[0] for s, t in zip(sources, targets)]
    for together, single in zip(scores, alone):
        assert together.tokens == single.tokens
        assert together.logprobs == pytest.approx(single.logprobs, abs=1e-4)


def test_over_long_pair_is_not_scored_and_is_noted(engine):
    long = " ".join(["El ayuntamiento aprobó ayer el presupuesto."] * 12)
    engine.notes.clear()
    scores = engine.score(["Hola", long, "Adiós"], ["Hello", "The council.", "Bye"], "es", "en")
    assert scores[1] is None
    assert scores[0] == engine.score(["Hola"], ["Hello"], "es", "en")[0]
    assert scores[2] == engine.score(["Adiós"], ["Bye"], "es", "en")[0]
    assert engine.notes[0].startswith("1 pair(s) longer than the 64 tokens the model accepts were not scored")


def test_info_revision_is_stable_and_follows_the_files(tmp_path, tiny_marian):
    folder = tmp_path / "model"
    shutil.copytree(tiny_marian[("es", "en")], folder)
    engine = MarianEngine(options(folder))
    first = engine.info("es", "en")
    assert first.engine == "marian" and first.model == str(folder.resolve())
    assert len(first.revision) == 12
    assert engine.info("es", "en") == first
    assert MarianEngine(options(folder)).info("es", "en") == first

    config = folder / "config.json"
    config.write_text(
        config.read_text(encoding="utf-8").replace('"dropout": 0.0', '"dropout": 0.1')
    )
    assert engine.info("es", "en").revision != first.revision


def test_info_loads_nothing(tmp_path, tiny_marian):
    folder = tmp_path / "model"
    shutil.copytree(tiny_marian[("es", "en")], folder)
    (folder / "model.safetensors").write_bytes(b"not weights at all")
    assert len(MarianEngine(options(folder)).info("es", "en").revision) == 12


def _assert_one_line_unavailable(error: pytest.ExceptionInfo, *needles: str) -> None:
    message = str(error.value)
    assert "\n" not in message and "Traceback" not in message
    for needle in needles:
        assert needle in message


def test_no_hub_fails_fast_with_the_way_out(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    hub_reachable.cache_clear()
    engine = MarianEngine(EngineOptions(threads=1))
    started = time.monotonic()
    with pytest.raises(EngineUnavailable) as error:
        engine.translate(["Hola"], "es", "en")
    assert time.monotonic() - started < 10
    _assert_one_line_unavailable(
        error, "Helsinki-NLP/opus-mt-es-en", "cannot be reached", "--model", "apertium"
    )
    with pytest.raises(EngineUnavailable):
        engine.check("es", "en")


def test_offline_mode_fails_fast(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    engine = MarianEngine(EngineOptions(offline=True, models={"es-en": "someone/some-model"}))
    with pytest.raises(EngineUnavailable) as error:
        engine.check("es", "en")
    _assert_one_line_unavailable(error, "someone/some-model", "offline", "--model")
    assert engine.info("es", "en").revision == "unknown"


def test_model_from_the_local_hub_cache(tmp_path, monkeypatch, tiny_marian):
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hf" / "hub" / "models--Helsinki-NLP--opus-mt-es-en"
    shutil.copytree(tiny_marian[("es", "en")], repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))

    engine = MarianEngine(EngineOptions(threads=1))
    engine.check("es", "en")
    info = engine.info("es", "en")
    assert (info.model, info.revision) == ("Helsinki-NLP/opus-mt-es-en", commit)
    assert engine.translate(["Hola"], "es", "en")[0]
    engine.close()


def test_missing_folder(tmp_path):
    engine = MarianEngine(options(tmp_path / "nowhere"))
    with pytest.raises(EngineUnavailable) as error:
        engine.check("es", "en")
    _assert_one_line_unavailable(error, str(tmp_path / "nowhere"), "does not exist")


def test_incomplete_folder(tmp_path, tiny_marian):
    folder = tmp_path / "model"
    shutil.copytree(tiny_marian[("es", "en")], folder)
    (folder / "vocab.json").unlink()
    with pytest.raises(EngineUnavailable) as error:
        MarianEngine(options(folder)).translate(["Hola"], "es", "en")
    _assert_one_line_unavailable(error, str(folder), "vocab.json")


@pytest.mark.parametrize("broken", ["model.safetensors", "config.json", "source.spm"])
def test_corrupt_folder(tmp_path, tiny_marian, broken):
    folder = tmp_path / "model"
    shutil.copytree(tiny_marian[("es", "en")], folder)
    (folder / broken).write_bytes(b"\x00garbage\nmore garbage")
    with pytest.raises(EngineUnavailable) as error:
        MarianEngine(options(folder)).translate(["Hola"], "es", "en")
    _assert_one_line_unavailable(error, str(folder), "cannot be loaded")
