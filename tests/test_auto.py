"""Choosing an engine: explicit names, and what --engine auto picks on this machine."""

from __future__ import annotations

import pytest

from qa.errors import EngineUnavailable, InputError
from qa.translate import ENGINE_CHOICES, ENGINES, EngineOptions, create_engine
from qa.translate.apertium import ApertiumEngine
from qa.translate.marian import MarianEngine, hub_reachable

BOTH_WAYS = [("es", "en"), ("en", "es")]


def test_registry():
    assert set(ENGINES) == {"marian", "apertium", "ct2"}
    assert ENGINE_CHOICES == ("auto", "marian", "ct2", "apertium")


def test_unknown_engine_or_language_is_an_input_error():
    with pytest.raises(InputError, match="unknown engine 'google'"):
        create_engine("google", EngineOptions(), BOTH_WAYS)
    with pytest.raises(InputError, match="'xx'"):
        create_engine("auto", EngineOptions(), [("xx", "en")])


def test_options_are_validated_and_frozen():
    with pytest.raises(InputError, match="beam size"):
        EngineOptions(beam_size=0)
    options = EngineOptions(models={"es-en": "/models/es-en"})
    with pytest.raises(TypeError):
        options.models["en-es"] = "/models/en-es"


def test_auto_picks_a_neural_engine_when_the_model_folders_are_configured(tiny_marian):
    # ct2 when CTranslate2 is installed (it is a core dependency), else marian.
    models = {f"{src}-{tgt}": str(folder) for (src, tgt), folder in tiny_marian.items()}
    engine, note = create_engine("auto", EngineOptions(models=models, offline=True), BOTH_WAYS)
    assert engine.name in ("ct2", "marian")
    assert note.startswith(f"auto chose {engine.name}:") and "local folder" in note
    assert str(tiny_marian[("es", "en")]) in note


@pytest.mark.apertium
def test_auto_picks_apertium_offline_without_a_model(apertium_available):
    engine, note = create_engine("auto", EngineOptions(), BOTH_WAYS)
    assert isinstance(engine, ApertiumEngine)
    assert note.startswith("auto chose apertium:")
    assert "Helsinki-NLP/opus-mt-es-en is not in the local cache" in note and "offline" in note
    assert "\n" not in note


@pytest.mark.apertium
def test_auto_picks_apertium_when_the_hub_does_not_answer(apertium_available, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    hub_reachable.cache_clear()
    engine, note = create_engine("auto", EngineOptions(hub_timeout=1.0), [("es", "en")])
    assert isinstance(engine, ApertiumEngine)
    assert "cannot be reached" in note


@pytest.mark.apertium
def test_auto_with_no_engine_names_both_reasons(apertium_available):
    with pytest.raises(EngineUnavailable) as error:
        create_engine("auto", EngineOptions(), [("es", "fr")])
    message = str(error.value)
    assert "\n" not in message
    assert "Helsinki-NLP/opus-mt-es-fr" in message and "spa-fra" in message
    assert "pass --models-dir DIR (opus-mt-SRC-TGT folders) or --model SRC-TGT=PATH" in message


def test_explicit_marian_checks_its_model_up_front(tmp_path, tiny_marian):
    with pytest.raises(EngineUnavailable, match="--models-dir DIR .* or --model SRC-TGT=PATH"):
        create_engine("marian", EngineOptions(), [("es", "en")])
    models = {"es-en": str(tiny_marian[("es", "en")])}
    engine, note = create_engine("marian", EngineOptions(models=models), [("es", "en")])
    assert isinstance(engine, MarianEngine) and "as requested" in note


@pytest.mark.apertium
def test_explicit_apertium(apertium_available):
    engine, note = create_engine("apertium", EngineOptions(), BOTH_WAYS)
    assert isinstance(engine, ApertiumEngine)
    assert "apertium-spa-eng" in note and "apertium-eng-spa" in note
