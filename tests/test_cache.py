"""TranslationCache and CachedEngine: hits, keys, concurrent writers, recovery from bad files."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from conftest import need

from qa.translate import EngineOptions
from qa.translate.base import EngineInfo, TokenScores
from qa.translate.cache import (
    CachedEngine,
    CacheScope,
    CacheWarning,
    TranslationCache,
    default_cache_path,
    scores_from_json,
    scores_to_json,
)
from qa.translate.marian import MarianEngine

pytestmark = pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")

INFO = EngineInfo("marian", "some/model", "abc123")
SCOPE = CacheScope.of("translate", INFO, "es", "en")


@pytest.fixture(scope="module")
def marian(tiny_marian):
    engine = MarianEngine(
        EngineOptions(models={"es-en": str(tiny_marian[("es", "en")])}, threads=1)
    )
    yield engine
    engine.close()


def test_default_path_follows_qa_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_path() == tmp_path / "c" / "translations.sqlite3"
    monkeypatch.delenv("QA_CACHE_DIR")
    assert default_cache_path().name == "translations.sqlite3"
    assert "qa" in default_cache_path().parts


def test_round_trip_and_persistence(tmp_path):
    path = tmp_path / "cache.sqlite3"
    with TranslationCache(path) as cache:
        cache.put_many(SCOPE, {"Hola": "Hello", "": "", "Adiós\x00": "Bye"})
        assert cache.get_many(SCOPE, ["Hola", "nada", "", "Adiós\x00"]) == {
            "Hola": "Hello",
            "": "",
            "Adiós\x00": "Bye",
        }
    with TranslationCache(path) as reopened:
        assert reopened.get_many(SCOPE, ["Hola"]) == {"Hola": "Hello"}
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


@pytest.mark.parametrize(
    "other",
    [
        CacheScope.of("translate", EngineInfo("marian", "other/model", "abc123"), "es", "en"),
        CacheScope.of("translate", EngineInfo("marian", "some/model", "def456"), "es", "en"),
        CacheScope.of("translate", EngineInfo("apertium", "some/model", "abc123"), "es", "en"),
        CacheScope.of("translate", INFO, "en", "es"),
        CacheScope.of("score", INFO, "es", "en"),
    ],
)
def test_any_change_of_scope_misses(tmp_path, other):
    with TranslationCache(tmp_path / "cache.sqlite3") as cache:
        cache.put_many(SCOPE, {"Hola": "Hello"})
        assert cache.get_many(other, ["Hola"]) == {}
        assert cache.get_many(SCOPE, ["Hola"]) == {"Hola": "Hello"}


def test_scores_json_round_trip():
    scores = TokenScores(("▁Hel", "lo", "</s>"), (-0.25, -1e-9, -12.5))
    assert scores_from_json(scores_to_json(scores)) == scores
    with pytest.raises(ValueError):
        scores_from_json('{"tokens": ["a"], "logprobs": []}')


def test_cached_engine_counts_hits_and_calls(tmp_path, marian):
    texts = ["Hola", "El perro come.", "Hola", ""]
    with TranslationCache(tmp_path / "cache.sqlite3") as cache:
        cached = CachedEngine(marian, cache)
        first = cached.translate(texts, "es", "en")
        assert first == marian.translate(texts, "es", "en")
        assert (cached.hits, cached.misses, cached.engine_calls) == (0, 3, 1)

        assert cached.translate(texts, "es", "en") == first
        assert (cached.hits, cached.misses, cached.engine_calls) == (4, 3, 1)

        cached.translate(["Hola", "Bien"], "es", "en")
        assert (cached.hits, cached.misses, cached.engine_calls) == (5, 4, 2)

    with TranslationCache(tmp_path / "cache.sqlite3") as reopened:
        again = CachedEngine(marian, reopened)
        assert again.translate(texts, "es", "en") == first
        assert again.engine_calls == 0


def test_cached_scores(tmp_path, marian):
    sources, targets = ["Hola", "El perro come.", "Hola"], ["Hello", "The dog eats.", "Hi"]
    with TranslationCache(tmp_path / "cache.sqlite3") as cache:
        cached = CachedEngine(marian, cache)
        first = cached.score(sources, targets, "es", "en")
        assert cached.can_score and cached.engine_calls == 1 and cached.misses == 3
        second = cached.score(sources, targets, "es", "en")
        assert second == first and cached.engine_calls == 1 and cached.hits == 3
        # Translations and scores of the same text are kept apart.
        cached.translate(["Hola"], "es", "en")
        assert cached.engine_calls == 2


def test_new_model_revision_misses(tmp_path, tiny_marian):
    folder = tmp_path / "model"
    shutil.copytree(tiny_marian[("es", "en")], folder)
    engine = MarianEngine(EngineOptions(models={"es-en": str(folder)}, threads=1))
    with TranslationCache(tmp_path / "cache.sqlite3") as cache:
        cached = CachedEngine(engine, cache)
        cached.translate(["Hola"], "es", "en")
        cached.translate(["Hola"], "es", "en")
        assert cached.engine_calls == 1
        with (folder / "generation_config.json").open("a") as handle:
            handle.write("\n")
        cached.translate(["Hola"], "es", "en")
        assert cached.engine_calls == 2
    engine.close()


def test_no_cache_sends_every_call_through(marian):
    cached = CachedEngine(marian, None)
    cached.translate(["Hola"], "es", "en")
    cached.translate(["Hola"], "es", "en")
    assert (cached.hits, cached.engine_calls) == (0, 2)


def _write_entries(path: str, worker: int, count: int, start_together) -> None:
    """Write ``count`` entries, half of them shared with the other workers, in small batches."""
    cache = TranslationCache(path, busy_timeout=30)
    start_together.wait()
    for start in range(0, count, 25):
        batch = {f"text {number}": f"value {number}" for number in range(start, start + 25)}
        batch.update(
            {f"worker {worker} text {number}": "mine" for number in range(start, start + 25)}
        )
        cache.put_many(SCOPE, batch)
        assert len(cache.get_many(SCOPE, list(batch))) == len(batch)
    cache.close()


def test_concurrent_writers_keep_the_database_whole(tmp_path):
    path = str(tmp_path / "cache.sqlite3")
    context = multiprocessing.get_context("spawn")
    start_together = context.Barrier(3)
    workers = [
        context.Process(target=_write_entries, args=(path, worker, 400, start_together))
        for worker in range(3)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        for process in workers:
            process.start()
        for process in workers:
            process.join(60)
    assert [process.exitcode for process in workers] == [0, 0, 0]

    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert connection.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 400 + 3 * 400
    connection.close()


def damaged_database(path) -> bytes:
    """A real cache file whose pages after the header were overwritten: SQLite's header, then
    garbage. Returns its bytes."""
    with TranslationCache(path) as cache:
        cache.put_many(SCOPE, {f"frase {n}": f"sentence {n}" * 20 for n in range(200)})
    data = bytearray(path.read_bytes())
    data[100:] = b"\xff" * (len(data) - 100)
    path.write_bytes(bytes(data))
    return bytes(data)


def test_corrupt_file_is_moved_aside_and_rebuilt(tmp_path):
    path = tmp_path / "cache.sqlite3"
    garbage = damaged_database(path)
    cache = TranslationCache(path)
    with pytest.warns(CacheWarning, match="cache.sqlite3 was damaged.*moved it to"):
        assert cache.get_many(SCOPE, ["Hola"]) == {}
    aside = [item for item in tmp_path.iterdir()
             if item.name.startswith("cache.sqlite3.corrupt-") and not item.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and aside[0].read_bytes() == garbage

    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        cache.put_many(SCOPE, {"Hola": "Hello"})
        assert cache.get_many(SCOPE, ["Hola"]) == {"Hola": "Hello"}
    cache.close()


def _assert_falls_back(path) -> None:
    cache = TranslationCache(path)
    with pytest.warns(CacheWarning, match="running without it"):
        cache.put_many(SCOPE, {"Hola": "Hello"})
    assert not cache.enabled
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)  # warned once is enough
        assert cache.get_many(SCOPE, ["Hola"]) == {}
        cache.put_many(SCOPE, {"Hola": "Hello"})


def test_unusable_folder_falls_back_to_no_cache(tmp_path, marian):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    _assert_falls_back(blocker / "cache.sqlite3")

    cached = CachedEngine(marian, TranslationCache(blocker / "cache.sqlite3"))
    with pytest.warns(CacheWarning):
        assert cached.translate(["Hola"], "es", "en") == marian.translate(["Hola"], "es", "en")


# Root ignores file modes, and CI runs as root: there the check runs in a child process that gives
# up the capabilities that let root write anywhere (setpriv, from util-linux), which is what a
# read-only folder means to everyone else.
IN_A_CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from test_cache import _assert_falls_back
_assert_falls_back(Path(sys.argv[2]))
"""


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_read_only_folder_falls_back_to_no_cache(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.geteuid() != 0:
            _assert_falls_back(folder / "cache.sqlite3")
            return
        setpriv = shutil.which("setpriv")
        need(setpriv is not None, "setpriv (util-linux) is needed to test file modes as root")
        child = subprocess.run(
            [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", sys.executable, "-c",
             IN_A_CHILD, str(Path(__file__).parent), str(folder / "cache.sqlite3")],
            check=False, capture_output=True, text=True, timeout=120,
        )
        assert child.returncode == 0, child.stderr
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_locked_database_skips_caching_for_that_call(tmp_path):
    path = tmp_path / "cache.sqlite3"
    TranslationCache(path).put_many(SCOPE, {"Hola": "Hello"})
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    cache = TranslationCache(path, busy_timeout=0.2)
    try:
        with pytest.warns(CacheWarning, match="locked"):
            cache.put_many(SCOPE, {"Adiós": "Bye"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert cache.enabled
    cache.put_many(SCOPE, {"Adiós": "Bye"})
    assert cache.get_many(SCOPE, ["Hola", "Adiós"]) == {"Hola": "Hello", "Adiós": "Bye"}
    cache.close()


@pytest.mark.parametrize("name", ["config", "article.md", "empty-folder"])
def test_a_file_that_is_not_a_database_is_never_touched(tmp_path, name):
    """``cache = ".git/config"`` or ``--cache en/x.md``: qa warns, runs without a cache and leaves
    the file byte for byte where it was, with nothing written beside it."""
    path = tmp_path / name
    if name == "empty-folder":
        path.mkdir()
    else:
        path.write_bytes(b"[core]\n\trepositoryformatversion = 0\n" if name == "config" else b"# Titular\n\nTexto.\n")
    before = {item.name: (item.read_bytes() if item.is_file() else None) for item in tmp_path.iterdir()}
    cache = TranslationCache(path)
    with pytest.warns(CacheWarning, match="is not a SQLite database; qa leaves it untouched"):
        assert cache.get_many(SCOPE, ["Hola"]) == {}
    cache.put_many(SCOPE, {"Hola": "Hello"})
    cache.close()
    assert not cache.enabled
    assert {item.name: (item.read_bytes() if item.is_file() else None) for item in tmp_path.iterdir()} == before


def test_qa_check_with_an_article_as_its_cache_leaves_the_article_alone(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "content"
    (folder / "es").mkdir(parents=True)
    (folder / "en").mkdir()
    (folder / "es" / "nota.md").write_text("El plan se aprobó el martes.\n", encoding="utf-8")
    article = folder / "en" / "nota.md"
    article.write_text("The plan was approved on Tuesday.\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "qa", "check", "--engine", "none", "--cache", str(article), "--",
                           str(folder)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "is not a SQLite database; qa leaves it untouched" in done.stderr
    assert article.read_text(encoding="utf-8") == "The plan was approved on Tuesday.\n"
    assert sorted(p.name for p in article.parent.iterdir()) == ["nota.md"]
