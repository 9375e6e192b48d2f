"""The tiny random Marian models are real transformers models: they load, translate and stop."""

from __future__ import annotations

import json

import pytest

from qa.testing.tiny_marian import build_tiny_marian

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


@pytest.fixture(autouse=True)
def _one_thread():
    # Tiny models run far faster on one thread than with threads fighting over two cores.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def _load(folder):
    tokenizer = transformers.MarianTokenizer.from_pretrained(folder)
    model = transformers.MarianMTModel.from_pretrained(folder)
    return tokenizer, model.eval()


def _generate(tokenizer, model, texts):
    batch = tokenizer(texts, return_tensors="pt", padding=True)
    with torch.inference_mode():
        output = model.generate(**batch, num_beams=1, do_sample=False)
    return output, tokenizer.batch_decode(output, skip_special_tokens=True)


@pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")
def test_pair_has_the_files_of_an_opus_mt_folder(tiny_marian):
    assert set(tiny_marian) == {("es", "en"), ("en", "es")}
    for (src, tgt), folder in tiny_marian.items():
        names = {path.name for path in folder.iterdir()}
        assert {
            "config.json",
            "generation_config.json",
            "source.spm",
            "target.spm",
            "vocab.json",
        } <= names
        assert "model.safetensors" in names or "pytorch_model.bin" in names
        vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        assert vocab["</s>"] == 0 and vocab["<unk>"] == 1 and vocab["<pad>"] == len(vocab) - 1
        tokenizer_config = json.loads(
            (folder / "tokenizer_config.json").read_text(encoding="utf-8")
        )
        assert (tokenizer_config["source_lang"], tokenizer_config["target_lang"]) == (src, tgt)


@pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")
def test_loads_translates_deterministically_and_stops(tiny_marian):
    tokenizer, model = _load(tiny_marian[("es", "en")])
    assert model.config.d_model == 32
    texts = ["El alcalde inauguró un parque nuevo junto al río.", "Hola"]
    output, first = _generate(tokenizer, model, texts)
    _, second = _generate(tokenizer, model, texts)
    assert first == second
    assert all(isinstance(text, str) and text for text in first)
    # Generation ends at the configured max_length even though random weights rarely say </s>.
    assert output.shape[1] <= model.generation_config.max_length == 64
    # Random but not degenerate: different inputs get different outputs.
    assert first[0] != first[1]


@pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")
def test_same_seed_same_model_other_seed_other_model(tmp_path, tiny_marian):
    again = build_tiny_marian(tmp_path / "again", "es", "en", seed=0)
    other = build_tiny_marian(tmp_path / "other", "es", "en", seed=1)
    texts = ["Los vecinos reclaman más seguridad en las calles del barrio."]
    _, reference = _generate(*_load(tiny_marian[("es", "en")]), texts)
    assert _generate(*_load(again), texts)[1] == reference
    assert _generate(*_load(other), texts)[1] != reference


@pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")
def test_caller_chooses_the_size(tmp_path):
    folder = build_tiny_marian(
        tmp_path / "sized",
        "en",
        "es",
        vocab_size=1000,
        d_model=16,
        layers=2,
        heads=4,
        ffn_dim=32,
        max_positions=128,
    )
    tokenizer, model = _load(folder)
    config = model.config
    assert (config.vocab_size, config.d_model, config.max_position_embeddings) == (1000, 16, 128)
    assert (config.encoder_layers, config.decoder_layers, config.encoder_attention_heads) == (
        2,
        2,
        4,
    )
    assert len(json.loads((folder / "vocab.json").read_text(encoding="utf-8"))) == 1000
    assert tokenizer.model_max_length == 128
    _, decoded = _generate(tokenizer, model, ["The mayor opened a new park by the river."])
    # Placeholder tokens that only pad the vocabulary are never generated.
    assert "<unused" not in decoded[0]


def test_vocab_too_small_is_refused(tmp_path):
    with pytest.raises(ValueError, match="too small"):
        build_tiny_marian(tmp_path / "small", "es", "en", vocab_size=20)


def test_unknown_language_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no built-in sentences"):
        build_tiny_marian(tmp_path / "xx", "es", "xx")
