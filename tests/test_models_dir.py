"""A folder of opus-mt models (``models-dir``): each direction from its own ``opus-mt-SRC-TGT``
folder, a missing one named, one model folder for two directions refused, and the user file
naming a folder outside any repository (issue 28, a first day without traps)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa.cli import cli
from qa.errors import EngineUnavailable
from qa.translate import EngineOptions, create_engine
from qa.translate.locate import locate_model
from qa.translate.marian import MarianEngine

BOTH = [("en", "es"), ("es", "en")]


def shelf_of(root: Path, tiny_marian, directions=(("es", "en"), ("en", "es"))) -> Path:
    """A models folder laid out as the hub names the models: ``opus-mt-es-en/``, ``opus-mt-en-es/``."""
    for src, tgt in directions:
        shutil.copytree(tiny_marian[(src, tgt)], root / f"opus-mt-{src}-{tgt}")
    return root


@pytest.fixture(scope="module")
def shelf(tiny_marian, tmp_path_factory) -> Path:
    return shelf_of(tmp_path_factory.mktemp("models"), tiny_marian)


@pytest.fixture
def pairs(tmp_path) -> Path:
    """Two prealigned sentence pairs in a git repository (the .git bounds the settings search)."""
    (tmp_path / ".git").mkdir()
    path = tmp_path / "pairs.tsv"
    path.write_text("El perro come pan.\tThe dog eats bread.\nLa casa es grande.\tThe house is big.\n",
                    encoding="utf-8")
    return path


def check(pairs: Path, *arguments: str):
    """``qa check`` of ``pairs`` with the marian engine, in this process."""
    command = ["check", str(pairs), "--engine", "marian", "--format", "json", "--fail-on", "never",
               "--cache", str(pairs.parent / "cache.sqlite3"), *arguments]
    return CliRunner().invoke(cli, command)


def signature_models(result) -> dict[str, str]:
    assert result.exit_code == 0, result.output
    engine = json.loads(result.stdout)["signature"]["engine"]
    return {direction: model["model"] for direction, model in engine["models"].items()}


def test_each_direction_comes_from_its_own_folder(shelf):
    options = EngineOptions(models_dir=str(shelf))
    for src, tgt in BOTH:
        location = locate_model(options, src, tgt)
        assert (location.kind, location.path, location.problem) == (
            "folder", (shelf / f"opus-mt-{src}-{tgt}").resolve(), None)
    engine, note = create_engine("marian", options, BOTH)
    try:
        assert isinstance(engine, MarianEngine) and str(shelf / "opus-mt-es-en") in note
        assert len(engine.translate(["El perro come pan."], "es", "en")) == 1
    finally:
        engine.close()


def test_a_model_named_for_a_direction_wins_over_the_models_folder(shelf, tiny_marian):
    own = tiny_marian[("es", "en")]
    options = EngineOptions(models={"es-en": str(own)}, models_dir=str(shelf))
    assert locate_model(options, "es", "en").path == own.resolve()
    assert locate_model(options, "en", "es").path == (shelf / "opus-mt-en-es").resolve()


def test_a_direction_missing_from_the_folder_is_named(tmp_path, tiny_marian):
    half = shelf_of(tmp_path / "half", tiny_marian, directions=[("es", "en")])
    with pytest.raises(EngineUnavailable) as caught:
        create_engine("marian", EngineOptions(models_dir=str(half)), BOTH)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"the models folder {half} has no opus-mt-en-es folder; pass --models-dir DIR")


@pytest.mark.apertium
def test_auto_falls_back_to_apertium_saying_which_folder_is_missing(tmp_path, tiny_marian, apertium_available):
    from qa.translate.apertium import ApertiumEngine

    half = shelf_of(tmp_path / "half", tiny_marian, directions=[("es", "en")])
    engine, note = create_engine("auto", EngineOptions(models_dir=str(half)), BOTH)
    try:
        assert isinstance(engine, ApertiumEngine)
        assert note == f"auto chose apertium: the models folder {half} has no opus-mt-en-es folder"
    finally:
        engine.close()


def test_the_models_dir_flag_serves_both_directions_of_a_check(shelf, pairs):
    models = signature_models(check(pairs, "--models-dir", str(shelf)))
    assert models == {f"{src}-{tgt}": str((shelf / f"opus-mt-{src}-{tgt}").resolve()) for src, tgt in BOTH}


def test_a_models_folder_given_to_model_is_taken_as_models_dir(shelf, pairs):
    assert signature_models(check(pairs, "--model", str(shelf))) == signature_models(
        check(pairs, "--models-dir", str(shelf)))


def test_one_model_folder_without_a_direction_is_refused_for_a_check(tiny_marian, pairs):
    result = check(pairs, "--model", str(tiny_marian[("es", "en")]))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "a model folder translates one way and en-es, es-en are needed" in lines[0]
    assert "--models-dir DIR" in lines[0] and result.stdout == ""


def test_models_dir_in_the_repositorys_file(tiny_marian, pairs):
    shelf = shelf_of(pairs.parent / "models", tiny_marian)
    (pairs.parent / "qa.toml").write_text('models-dir = "models"\n', encoding="utf-8")
    models = signature_models(check(pairs))
    assert models["en-es"] == str((shelf / "opus-mt-en-es").resolve())


def test_the_user_file_names_a_models_folder_outside_the_repository(shelf, pairs):
    from qa.config import user_settings_file

    user_file = user_settings_file()
    user_file.parent.mkdir(parents=True, exist_ok=True)
    user_file.write_text(f'models-dir = "{shelf}"\n', encoding="utf-8")
    assert not shelf.resolve().is_relative_to(pairs.parent.resolve())
    models = signature_models(check(pairs))
    assert models["es-en"] == str((shelf / "opus-mt-es-en").resolve())
