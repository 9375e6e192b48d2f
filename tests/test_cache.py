"""TranslationCache and CachedEngine: hits, keys, concurrent writers, recovery from bad files, and
refusal of values and files qa did not make."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import tracemalloc
import warnings
from pathlib import Path

import pytest
from conftest import need
from test_faults import write_corpus

from qa.translate import EngineOptions
from qa.translate.base import EngineInfo, TokenScores
from qa.translate.cache import (
    CachedEngine,
    CacheScope,
    CacheWarning,
    TranslationCache,
    default_cache_path,
    entry_key,
    longest_value,
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


def test_scores_chunk_by_chunk_ask_each_pair_once_as_score_would(tmp_path, marian):
    """score_chunks answers as score called chunk after chunk: the same scores, each distinct pair
    asked of the engine once (in the first chunk that holds it), the rest read back."""
    pairs = [("Hola", "Hello"), ("El perro come.", "The dog eats."), ("Hola", "Hello"), ("Bien", "Fine")]
    chunks = [([s for s, _ in pairs[:3]], [t for _, t in pairs[:3]]),
              ([s for s, _ in pairs[1:]], [t for _, t in pairs[1:]])]
    with TranslationCache(tmp_path / "one.sqlite3") as cache:
        one_by_one = CachedEngine(marian, cache)
        expected = [one_by_one.score(sources, targets, "es", "en") for sources, targets in chunks]
    with TranslationCache(tmp_path / "all.sqlite3") as cache:
        cached = CachedEngine(marian, cache)
        assert list(cached.score_chunks(chunks, "es", "en")) == expected
        # Three distinct pairs; the second chunk finds two of its pairs asked by the first.
        assert (cached.misses, cached.hits, cached.engine_calls) == (3, 2, 2)
        assert (one_by_one.misses, one_by_one.hits, one_by_one.engine_calls) == (3, 2, 2)
        # Read back: nothing asked of the engine.
        assert list(cached.score_chunks(chunks, "es", "en")) == expected
        assert cached.engine_calls == 2
        with pytest.raises(ValueError):
            list(cached.score_chunks([(["Hola"], [])], "es", "en"))


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


# --- a poisoned cache, and files qa did not make (issue 26) ----------------------------------------
# Every case plants the attack in a real SQLite file: values written with sqlite3, databases of a
# site's own, files committed to a real git repository.

SIXTY_MB_OF_TEXT = "hex(zeroblob(30 * 1024 * 1024))"  # 60 MiB of text, made by SQLite itself


def plant(path: Path, value_sql: str, where: str, *parameters) -> int:
    """Set the value of the entries ``where`` selects to the SQL expression ``value_sql``, as an
    attacker editing the file would; returns how many entries changed."""
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        return connection.execute(f"UPDATE entries SET value = {value_sql} WHERE {where}", parameters).rowcount


def folder_state(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` with its bytes."""
    return {item.name: item.read_bytes() for item in sorted(folder.iterdir()) if item.is_file()}


def cache_warnings(record) -> list[str]:
    return [str(item.message) for item in record if issubclass(item.category, CacheWarning)]


@pytest.mark.parametrize("value_sql", [
    SIXTY_MB_OF_TEXT,
    "'Hello' || char(0) || hex(zeroblob(512 * 1024))",  # length() would count 5: it stops at a NUL
    "CAST('Hello' AS BLOB)",
    "zeroblob(60 * 1024 * 1024)",
], ids=["60 MB of text", "text past a NUL", "the right text as a BLOB", "a 60 MB BLOB"])
def test_a_value_no_real_entry_can_be_is_a_miss_and_is_replaced(tmp_path, value_sql):
    path = tmp_path / "cache.sqlite3"
    with TranslationCache(path) as cache:
        cache.put_many(SCOPE, {"Hola": "Hello", "Adiós": "Goodbye"})
    assert plant(path, value_sql, "text = ?", "Hola") == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        with TranslationCache(path) as cache:
            assert cache.get_many(SCOPE, ["Hola", "Adiós"]) == {"Adiós": "Goodbye"}
            cache.put_many(SCOPE, {"Hola": "Hello"})  # what CachedEngine does with the recomputed value
            assert cache.get_many(SCOPE, ["Hola", "Adiós"]) == {"Hola": "Hello", "Adiós": "Goodbye"}


def test_the_bound_follows_the_length_of_the_text(tmp_path):
    path = tmp_path / "cache.sqlite3"
    longest = longest_value("translate", "Hola")
    assert longest == 8 * len("Hola") + 1024
    with TranslationCache(path) as cache:
        cache.put_many(SCOPE, {"Hola": "x" * longest, "Adiós": "y" * (longest_value("translate", "Adiós") + 1)})
        assert cache.get_many(SCOPE, ["Hola", "Adiós"]) == {"Hola": "x" * longest}  # the longer one not kept
        assert plant(path, "value || 'x'", "text = ?", "Hola") == 1
        assert cache.get_many(SCOPE, ["Hola"]) == {}
        # A caller with its own bound (qa.memo) is held to it.
        assert cache.get_many(SCOPE, ["Hola"], longest=lambda text: longest + 1) == {"Hola": "x" * (longest + 1)}


def test_an_oversized_value_never_reaches_python(tmp_path):
    """Python's own allocations while a 60 MB value is looked up stay under 1 MB (tracemalloc
    traces every str Python makes; before, the value itself was read: 60 MB and more)."""
    path = tmp_path / "cache.sqlite3"
    with TranslationCache(path) as cache:
        cache.put_many(SCOPE, {f"frase {n}": f"sentence {n}" for n in range(1000)})
    assert plant(path, SIXTY_MB_OF_TEXT, "text IN ('frase 1', 'frase 500', 'frase 999')") == 3
    with TranslationCache(path) as cache:
        cache.get_many(SCOPE, ["frase 0"])  # opened before measuring
        tracemalloc.start()
        try:
            found = cache.get_many(SCOPE, [f"frase {n}" for n in range(1000)])
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert len(found) == 997 and "frase 500" not in found
    assert peak < 1_000_000


def site_database(path: Path, *, wal: bool = False, table: str = "pages (slug TEXT PRIMARY KEY, title TEXT)") -> None:
    """A real SQLite database of a site's own (not a qa cache), closed cleanly."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as connection:
        if wal:
            connection.execute("PRAGMA journal_mode = WAL")
        connection.execute(f"CREATE TABLE {table}")


def qa_cache_with(path: Path, statement: str) -> None:
    """A cache qa made, then changed by ``statement``."""
    with TranslationCache(path) as cache:
        cache.put_many(SCOPE, {"Hola": "Hello"})
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute(statement)


@pytest.mark.parametrize(("make", "reason"), [
    (site_database, "is a SQLite database qa did not create (no qa_cache_meta table)"),
    (functools.partial(site_database, wal=True), "is a SQLite database qa did not create (no qa_cache_meta table)"),
    # A blog's own entries table: qa's name, other columns.
    (functools.partial(site_database, table="entries (key TEXT PRIMARY KEY, body TEXT)"),
     "is a SQLite database qa did not create (no qa_cache_meta table)"),
    (functools.partial(qa_cache_with, statement="CREATE TRIGGER slow AFTER INSERT ON entries BEGIN "
                                                "DELETE FROM entries WHERE kind = 'translate'; END"),
     "is a SQLite database qa did not create (it holds trigger 'slow' besides qa's tables)"),
    (functools.partial(qa_cache_with, statement="UPDATE qa_cache_meta SET value = '9' WHERE name = 'format'"),
     "is a qa cache of another format ('9'; this qa reads '1')"),
], ids=["site database", "site database in WAL mode", "another entries table", "qa cache with a trigger",
        "qa cache of another format"])
def test_a_database_qa_did_not_make_is_refused_and_left_untouched(tmp_path, make, reason):
    path = tmp_path / "app.sqlite3"
    make(path)
    before = folder_state(tmp_path)
    cache = TranslationCache(path)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert cache.get_many(SCOPE, ["Hola"]) == {}
        cache.put_many(SCOPE, {"Hola": "Hello"})
        cache.close()
    assert cache_warnings(record) == [
        f"translation cache {path} {reason}; qa leaves it untouched and runs without a cache "
        "(point --cache or `cache` in qa.toml at a new file)"
    ]
    assert not cache.enabled
    assert folder_state(tmp_path) == before  # not a byte changed, no -wal, -shm or -journal file


def test_a_site_database_in_the_middle_of_a_write_is_waited_for_not_read_through(tmp_path):
    """A database in rollback mode is changed in place: qa's look at it takes SQLite's read lock
    (an unlocked read could see half a write, take it for damage and move the file aside)."""
    path = tmp_path / "app.sqlite3"
    site_database(path)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("INSERT INTO pages VALUES ('agua', 'El plan del agua')")
    cache = TranslationCache(path, busy_timeout=0.2)
    try:
        with pytest.warns(CacheWarning, match="is locked by another process"):
            assert cache.get_many(SCOPE, ["Hola"]) == {}
    finally:
        writer.execute("COMMIT")
        writer.close()
    with pytest.warns(CacheWarning, match="is a SQLite database qa did not create"):
        assert cache.get_many(SCOPE, ["Hola"]) == {}
    assert sorted(item.name for item in tmp_path.iterdir()) == ["app.sqlite3"]


# qa's table as every cache made before the marker table has it.
OLD_SCHEMA = ("CREATE TABLE entries (key TEXT PRIMARY KEY, kind TEXT NOT NULL, engine TEXT NOT NULL, "
              "model TEXT NOT NULL, revision TEXT NOT NULL, src TEXT NOT NULL, tgt TEXT NOT NULL, "
              "text TEXT NOT NULL, value TEXT NOT NULL, created REAL NOT NULL) WITHOUT ROWID")


def test_a_cache_from_before_the_marker_is_used_and_marked(tmp_path):
    path = tmp_path / "cache.sqlite3"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute(OLD_SCHEMA)
        connection.execute("INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?,?)",
                           (entry_key(SCOPE, "Hola"), *dataclasses.astuple(SCOPE), "Hola", "Hello", 0.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        with TranslationCache(path) as cache:
            assert cache.get_many(SCOPE, ["Hola"]) == {"Hola": "Hello"}
    with contextlib.closing(sqlite3.connect(path)) as connection:
        assert connection.execute("SELECT name, value FROM qa_cache_meta").fetchall() == [("format", "1")]


@pytest.mark.parametrize("start", ["no file", "an empty file"])
def test_a_cache_qa_made_is_marked_and_used_again(tmp_path, start):
    path = tmp_path / "cache.sqlite3"
    if start == "an empty file":
        path.touch()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        with TranslationCache(path) as cache:
            cache.put_many(SCOPE, {"Hola": "Hello"})
        with TranslationCache(path) as cache:
            assert cache.get_many(SCOPE, ["Hola"]) == {"Hola": "Hello"}
    with contextlib.closing(sqlite3.connect(path)) as connection:
        assert connection.execute("SELECT name, value FROM qa_cache_meta").fetchall() == [("format", "1")]


def git(folder: Path, *arguments: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *arguments], check=True, capture_output=True, text=True,
                          timeout=60).stdout


def git_repository(folder: Path) -> Path:
    need(shutil.which("git") is not None, "git is needed to test committed files")
    folder.mkdir(parents=True, exist_ok=True)
    git(folder, "init", "-q")
    git(folder, "config", "user.email", "qa@example.org")
    git(folder, "config", "user.name", "qa tests")
    return folder


def commit_all(folder: Path) -> None:
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "site")


@pytest.mark.parametrize("through", ["its own path", "a symlink beside it"])
def test_a_file_tracked_by_git_is_refused_even_a_qa_cache(tmp_path, through):
    """A qa cache committed to the repository is the repository's file: qa does not write to it."""
    repository = git_repository(tmp_path / "site")
    committed = repository / "data" / "cache.sqlite3"
    committed.parent.mkdir()
    with TranslationCache(committed) as cache:
        cache.put_many(SCOPE, {"Hola": "Hello"})
    (repository / ".gitignore").write_text("link.sqlite3\n")
    commit_all(repository)
    path = committed
    if through == "a symlink beside it":
        path = repository / "link.sqlite3"
        path.symlink_to(committed)
    before = folder_state(committed.parent)
    cache = TranslationCache(path)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert cache.get_many(SCOPE, ["Hola"]) == {}
        cache.put_many(SCOPE, {"Adiós": "Goodbye"})
        cache.close()
    assert cache_warnings(record) == [
        f"translation cache {path} is tracked by git; qa leaves it untouched and runs without a cache "
        "(point --cache or `cache` in qa.toml at a new file)"
    ]
    assert folder_state(committed.parent) == before
    assert git(repository, "status", "--porcelain") == ""


# Runs a command and writes its peak resident memory (KB) to a file. The measuring is done from a
# small process of its own: a child forked from pytest counts pytest's memory as its own until exec.
PEAK_OF = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as peak:
    peak.write(str(usage.ru_maxrss))
sys.exit(child.returncode)
"""


def qa_check(*arguments: str, cwd: Path | None = None) -> tuple[subprocess.CompletedProcess, float]:
    """``qa check`` in a child process, and the child's peak resident memory in MB (its own
    rusage from wait4)."""
    with tempfile.TemporaryDirectory() as folder:
        peak = Path(folder) / "peak"
        done = subprocess.run([sys.executable, "-c", PEAK_OF, str(peak), sys.executable, "-m", "qa", "check",
                               *arguments], capture_output=True, text=True, cwd=cwd, timeout=900)
        return done, int(peak.read_text()) / 1024


def apertium_check(corpus: Path, cache: Path) -> tuple[subprocess.CompletedProcess, float]:
    done, peak = qa_check("--engine", "apertium", "--cache", str(cache), "--format", "json", "--fail-on", "never",
                          "--", str(corpus))
    assert done.returncode == 0, done.stderr
    return done, peak


def translations_line(stderr: str) -> str:
    (line,) = [line for line in stderr.splitlines() if "translations:" in line]
    return line


def value_types(cache: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(cache)) as connection:
        return dict(connection.execute("SELECT typeof(value), COUNT(*) FROM entries GROUP BY 1"))


def test_three_60_mb_values_are_recomputed_in_little_memory(apertium_available, tmp_path):
    """The issue's attack: three 60 MB values planted under keys the check reads (a translation,
    an alignment and a segment's signals). Before: 988 s and 4.6 GB for 3 articles."""
    corpus = write_corpus(tmp_path / "content")
    cache = tmp_path / "cache.sqlite3"
    clean, clean_peak = apertium_check(corpus, cache)
    assert translations_line(clean.stderr) == "qa: translations: 0 from the cache, 18 computed"
    for kind in ("translate", "alignment", "signals"):
        assert plant(cache, SIXTY_MB_OF_TEXT, "key = (SELECT min(key) FROM entries WHERE kind = ?)", kind) == 1

    poisoned, peak = apertium_check(corpus, cache)
    assert poisoned.stdout == clean.stdout
    assert translations_line(poisoned.stderr) == "qa: translations: 17 from the cache, 1 computed"
    assert peak < 400, f"peak {peak:.0f} MB (a clean run: {clean_peak:.0f} MB)"
    with contextlib.closing(sqlite3.connect(cache)) as connection:
        assert connection.execute("SELECT max(length(value)) FROM entries").fetchone()[0] < 10_000  # replaced


def test_blob_values_are_recomputed_and_the_report_is_unchanged(apertium_available, tmp_path):
    """Every value turned into a BLOB (before: translations read back as "b'...'" text and the
    report changed). The cache qa made is used again on the second run, and again once the
    BLOBs have been replaced."""
    corpus = write_corpus(tmp_path / "content")
    cache = tmp_path / "cache.sqlite3"
    clean, _ = apertium_check(corpus, cache)
    again, _ = apertium_check(corpus, cache)
    assert again.stdout == clean.stdout
    assert translations_line(again.stderr) == "qa: translations: 18 from the cache, 0 computed"

    count = plant(cache, "CAST(value AS BLOB)", "1")
    assert value_types(cache) == {"blob": count}
    poisoned, _ = apertium_check(corpus, cache)
    assert poisoned.stdout == clean.stdout
    assert translations_line(poisoned.stderr) == "qa: translations: 0 from the cache, 18 computed"
    assert value_types(cache) == {"text": count}
    healed, _ = apertium_check(corpus, cache)
    assert healed.stdout == clean.stdout
    assert translations_line(healed.stderr) == "qa: translations: 18 from the cache, 0 computed"


@pytest.mark.parametrize("committed", [True, False], ids=["committed", "untracked"])
def test_a_site_database_named_as_the_cache_in_qa_toml_is_left_alone(tmp_path, monkeypatch, committed):
    """``cache = "data/app.sqlite3"`` in the repository's qa.toml, naming the site's own database:
    one line, the check runs without a cache, and git sees nothing changed (before: qa's table
    and WAL mode were added to the file)."""
    repository = git_repository(tmp_path / "site")
    write_corpus(repository / "content")
    (repository / "data").mkdir()
    site_database(repository / "data" / "app.sqlite3")
    (repository / "qa.toml").write_text('cache = "data/app.sqlite3"\n', encoding="utf-8")
    if not committed:
        (repository / ".gitignore").write_text("data/\n")
    commit_all(repository)
    before = folder_state(repository / "data")
    status = git(repository, "status", "--porcelain", "--ignored")
    monkeypatch.delenv("QA_CACHE_DIR")  # a CI job's cache folder would win over qa.toml's `cache`

    done, _ = qa_check("--engine", "none", "--fail-on", "never", "--", "content", cwd=repository)
    assert done.returncode == 0, done.stderr
    reason = "is tracked by git" if committed else "is a SQLite database qa did not create (no qa_cache_meta table)"
    lines = [line for line in done.stderr.splitlines() if "translation cache" in line]
    assert lines == [f"qa: warning: translation cache {repository / 'data' / 'app.sqlite3'} {reason}; qa leaves "
                     "it untouched and runs without a cache (point --cache or `cache` in qa.toml at a new file)"]
    assert "3 article(s)" in done.stdout
    assert folder_state(repository / "data") == before  # no -wal or -shm beside it
    assert git(repository, "status", "--porcelain", "--ignored") == status
