"""qa.session.Session: the one place a run opens its flagger, cache and engine, and closes them.

The engine opened by name here is ``RecordingEngine``, a stand-in registered under a test name:
it translates by echoing, and records that it was built and closed, which no real engine shows
from outside. Caches are real SQLite files; Apertium, where it is needed, is the real one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

import pytest

import qa.translate.factory as factory
from qa.config import Settings
from qa.errors import EngineUnavailable, InputError
from qa.session import FROM_SETTINGS, Session
from qa.store import CacheScope
from qa.translate.base import Engine, EngineInfo
from qa.translate.cache import CachedEngine, TranslationCache

SCOPE = CacheScope("translate", "recording", "echo", "1", "es", "en")


class RecordingEngine(Engine):
    """A stand-in engine: echoes its input, counts how many were built and closed, and repeats
    the notes a test gives it."""

    name = "recording"
    built: ClassVar[list[RecordingEngine]] = []
    notes_to_give: ClassVar[list[str]] = []

    def __init__(self, options: object = None) -> None:
        self.options = options
        self.closed = False
        self._notes = list(self.notes_to_give)
        self.listener: Callable[[str], None] | None = None
        RecordingEngine.built.append(self)

    def tell(self, listener: Callable[[str], None]) -> None:
        self.listener = listener

    def info(self, src: str, tgt: str) -> EngineInfo:
        return EngineInfo("recording", "echo", "1")

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        return list(texts)

    @property
    def notes(self) -> list[str]:
        return self._notes

    def close(self) -> None:
        self.closed = True


class Unavailable(RecordingEngine):
    """A stand-in engine that cannot serve any direction on this machine."""

    def check(self, src: str, tgt: str) -> None:
        raise EngineUnavailable("the recording engine is missing its tapes.")


@pytest.fixture
def recording(monkeypatch):
    """The stand-in engines registered under test names; the list of those built."""
    monkeypatch.setitem(factory.ENGINES, "recording", f"{__name__}:RecordingEngine")
    monkeypatch.setitem(factory.ENGINES, "unavailable", f"{__name__}:Unavailable")
    monkeypatch.setattr(RecordingEngine, "built", [])
    monkeypatch.setattr(RecordingEngine, "notes_to_give", [])
    return RecordingEngine.built


def wal_of(cache: Path) -> Path:
    """The WAL journal SQLite keeps beside an open cache file and removes when the last
    connection to it closes."""
    return cache.with_name(cache.name + "-wal")


def used(cache: TranslationCache) -> None:
    cache.put_many(SCOPE, {"hola": "hello"})


def test_what_the_session_opened_is_closed_on_exit(recording, tmp_path):
    path = tmp_path / "cache.sqlite3"
    with Session.open(Settings(engine="recording"), cache=path) as session:
        assert isinstance(session.engine, CachedEngine) and session.engine.name == "recording"
        assert session.cache is not None and session.cache.path == path
        used(session.cache)
        assert wal_of(path).exists()
    assert [engine.closed for engine in recording] == [True]
    assert not wal_of(path).exists()
    assert TranslationCache(path).get_many(SCOPE, ["hola"]) == {"hola": "hello"}


def test_what_the_session_opened_is_closed_when_the_run_fails(recording, tmp_path):
    path = tmp_path / "cache.sqlite3"
    with pytest.raises(KeyboardInterrupt), Session.open(Settings(engine="recording"), cache=path) as session:
        assert session.cache is not None
        used(session.cache)
        raise KeyboardInterrupt
    assert [engine.closed for engine in recording] == [True]
    assert not wal_of(path).exists()


def test_the_callers_engine_and_cache_are_used_as_given_and_left_open(recording, tmp_path):
    path = tmp_path / "cache.sqlite3"
    mine = RecordingEngine()
    with TranslationCache(path) as cache:
        with Session.open(Settings(), engine=mine, cache=cache) as session:
            assert session.engine is mine and session.cache is cache
            assert session.signature.engine == "recording"
            used(cache)
        assert not mine.closed
        assert wal_of(path).exists()  # still connected: the caller's to close
        assert cache.get_many(SCOPE, ["hola"]) == {"hola": "hello"}


def test_a_bad_flagger_file_fails_before_an_engine_is_built(recording, tmp_path):
    flagger = tmp_path / "flagger.json"
    flagger.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="flagger.json: not valid JSON"):
        Session.open(Settings(engine="recording", flagger=flagger), cache=False)
    assert recording == []


def test_the_engines_notes_are_heard_once_each_with_their_count(recording):
    RecordingEngine.notes_to_give = ["an input was split", "a batch was retried", "an input was split"]
    heard: list[str] = []
    with Session.open(Settings(engine="recording"), cache=False, note=heard.append):
        pass
    assert heard[-2:] == ["an input was split (2 times)", "a batch was retried"]
    assert heard[0] == "engine recording, model echo (revision 1)"


def test_the_engine_knows_how_many_directions_run_together_and_speaks_to_the_run(recording):
    heard: list[str] = []
    with Session.open(Settings(engine="recording"), cache=False, note=heard.append):
        pass
    with Session.open(Settings(engine="recording"), cache=False, directions=[("es", "en")]):
        pass
    checking, translating = recording
    assert checking.options.parallel_directions == 2  # a check translates both ways at once
    assert translating.options.parallel_directions == 1
    assert checking.listener is not None
    checking.listener("converting the model, once")
    assert heard[-1] == "converting the model, once"


@pytest.mark.parametrize("engine", ["none", None])
def test_engine_none_is_refused_where_a_run_needs_an_engine(recording, engine):
    with pytest.raises(InputError, match="needs a translation engine"):
        Session.open(Settings(), engine=engine, cache=False, allow_none=False)
    with Session.open(Settings(engine="recording"), engine=engine, cache=False) as session:
        assert session.engine is None and session.settings.engine == "none"
        assert session.signature.engine == "none" and session.stats is None
    assert recording == []


def test_the_way_out_to_engine_none_is_offered_only_where_it_is_accepted(recording, tmp_path):
    path = tmp_path / "cache.sqlite3"
    with pytest.raises(EngineUnavailable) as accepted:
        Session.open(Settings(engine="unavailable"), cache=path)
    assert str(accepted.value) == ("the recording engine is missing its tapes; "
                                   "or --engine none: only the checks that need no model")
    with pytest.raises(EngineUnavailable) as refused:
        Session.open(Settings(engine="unavailable"), cache=path, allow_none=False)
    assert "--engine none" not in str(refused.value)
    assert [engine.closed for engine in recording] == [True, True]  # create_engine closes what fails its check
    assert not wal_of(path).exists()


def test_the_flagger_is_bound_to_the_engine_and_a_missing_model_is_noted(recording):
    heard: list[str] = []
    settings = Settings(engine="recording", src_lang="en", tgt_lang="es", threshold=0.7)
    with Session.open(settings, cache=False, note=heard.append) as session:
        assert (session.flagger.engine, session.flagger.direction) == ("recording", "en-es")
        assert session.flagger.threshold == 0.7 and session.base_flagger.engine is None
        assert session.flagger_for("es-en").direction == "es-en"
        assert session.signature.direction == "en-es"
        assert session.missing_model_notes(["en-es", "es-en"]) == [
            session.base_flagger.missing_model_note("recording", "en-es"),
            session.base_flagger.missing_model_note("recording", "es-en")]
    assert heard[1] == session.base_flagger.missing_model_note("recording", "en-es")
    with Session.open(settings, cache=False, threshold=False, judged=()) as unthresholded:
        assert unthresholded.base_flagger.threshold != 0.7
    assert "en-es" not in " ".join(heard[2:])


def test_a_name_given_to_the_session_is_what_its_settings_say(recording):
    with Session.open(Settings(engine="apertium"), engine="recording", cache=False) as session:
        assert session.settings.engine == "recording" and session.engine_name == "recording"
    with Session.open(Settings(engine="recording"), engine=FROM_SETTINGS, cache=False) as session:
        assert session.engine_name == "recording"


def test_without_starting_the_engine_only_the_flagger_and_cache_are_opened(recording, tmp_path):
    heard: list[str] = []
    path = tmp_path / "cache.sqlite3"
    with Session.open(Settings(engine="recording"), cache=path, start_engine=False, note=heard.append) as session:
        assert session.engine is None and session.cache is not None and session.cache.path == path
    assert recording == [] and heard == []


def test_closing_twice_closes_once(recording):
    session = Session.open(Settings(engine="recording"), cache=False)
    session.close()
    session.close()
    assert [engine.closed for engine in recording] == [True]


def test_translation_signature_names_the_one_direction(recording):
    with Session.open(Settings(engine="recording"), cache=False, directions=[("es", "fr")], judged=()) as session:
        signature = session.translation_signature("es", "fr")
    assert signature.direction == "es-fr" and signature.engine == "recording"
    assert list(signature.models) == ["es-fr"]
