"""A persistent translation and score cache in one SQLite file, shared safely between processes.

The cache never stops a check: a corrupt file is moved aside (never deleted) and rebuilt, a
database locked for longer than the busy timeout is skipped for that call, and a cache that cannot
be opened at all is switched off. Each of these warns (``CacheWarning``) once per cache object.

The file may come from elsewhere (a CI cache restored from a pull request's branch, a ``cache``
setting naming a committed file), so qa trusts neither the file nor what it holds:

- qa writes only to a cache it made. A new cache gets a marker table (``qa_cache_meta``, holding
  the format version). An existing file is looked at read-only first and refused, with one warning
  and nothing written to it or beside it, when git tracks it, or when it is a database holding
  anything besides qa's tables (another program's database, a trigger or a view). A cache made
  before the marker (qa's ``entries`` table alone, with its columns) is accepted and given the
  marker; so is a database with nothing in it, which is what a cache another qa process has only
  begun to create looks like.
- A value longer than a real entry can be (see :data:`VALUE_BOUNDS`), or not stored as text,
  counts as missing: it is recomputed and replaced. SQLite checks the type and length, so an
  oversized value is never read into Python.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sqlite3
import subprocess
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from qa.translate.base import EngineInfo

FILE_NAME = "translations.sqlite3"
# SQLite accepts at least 999 bound parameters per statement; a lookup binds two per key.
_QUERY_CHUNK = 400
# The inner engine is asked for this many inputs at a time and each answer is stored at once, so
# an engine that fails (or a Ctrl-C) part of the way through loses only the chunk in hand.
STORE_CHUNK = 64
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    engine TEXT NOT NULL,
    model TEXT NOT NULL,
    revision TEXT NOT NULL,
    src TEXT NOT NULL,
    tgt TEXT NOT NULL,
    text TEXT NOT NULL,
    value TEXT NOT NULL,
    created REAL NOT NULL
) WITHOUT ROWID
"""
ENTRY_COLUMNS = ("key", "kind", "engine", "model", "revision", "src", "tgt", "text", "value", "created")
# The marker of a cache qa made, and the version of its format (bumped when the tables change).
MARKER_TABLE = "qa_cache_meta"
FORMAT_VERSION = "1"
_MARKER_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID
"""
QA_TABLES = frozenset({("table", "entries"), ("table", MARKER_TABLE)})

# The longest value, in characters, that a real entry of a kind can hold for a text of n
# characters: (a, b) means a * n + b. A longer value can only come from a damaged or planted file;
# it counts as missing, so it is recomputed and replaced (and a computed value over the bound is
# not stored). The bounds are loose: a false miss costs one recomputation, never a wrong report.
VALUE_BOUNDS: dict[str, tuple[int, int]] = {
    # marian and ct2 stop generating at 2 x the source's tokens + 16, and a token spans a few
    # characters; Apertium's 1,891 translations of 15 newstest2013 articles were at most 1.8 x.
    "translate": (8, 1024),
    # The target's tokens and their log-probabilities as JSON: a token and a float (up to 24
    # characters with separators) per token, a token for every few characters of the target
    # (the text is "source\0target"), and the end-of-sentence token.
    "score": (16, 1024),
    # Some of the text's words as a JSON list; NFKC can lengthen a character, JSON escapes it.
    "unknown": (8, 1024),
    # Every word of the text with its lemma and tags, as a JSON list: a one-letter word and its
    # space give some 20 characters ("a/a<pr>+el<det><def><m><sg>"), escapes double a few.
    "tags": (24, 1024),
}
# Any other kind a caller keeps without a bound of its own.
OTHER_KINDS_BOUND = (32, 4096)
# SQLite compares a value's size in bytes: at most 4 per character, in UTF-8 and UTF-16 alike.
_MOST_BYTES_PER_CHARACTER = 4


T = TypeVar("T")


class CacheWarning(UserWarning):
    """The translation cache could not be used as asked; the check goes on without it."""


class RefusedFile(OSError):
    """The cache path holds a file qa will not use or touch; ``reason`` says why, as the end of the
    sentence "translation cache PATH ...", such as "is not a SQLite database"."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path} {reason}")
        self.reason = reason


def longest_value(kind: str, text: str) -> int:
    """The longest value, in characters, a real entry of ``kind`` can hold for ``text``."""
    per_character, constant = VALUE_BOUNDS.get(kind, OTHER_KINDS_BOUND)
    return per_character * len(text) + constant


def default_cache_path() -> Path:
    """``$QA_CACHE_DIR/translations.sqlite3``, else the user cache folder's (platformdirs)."""
    folder = os.environ.get("QA_CACHE_DIR")
    if folder:
        return Path(folder).expanduser() / FILE_NAME
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("qa")) / FILE_NAME


@dataclass(frozen=True, slots=True)
class CacheScope:
    """Everything a cached value depends on besides its text."""

    kind: str
    engine: str
    model: str
    revision: str
    src: str
    tgt: str

    @classmethod
    def of(cls, kind: str, info: EngineInfo, src: str, tgt: str) -> CacheScope:
        """The scope of ``kind`` values (an engine's "translate", "score", "unknown", or what a
        caller keeps, such as qa.memo's results) from ``info`` for a direction."""
        if not kind:
            raise ValueError("a cache kind is a non-empty name")
        return cls(kind, info.engine, info.model, info.revision, src, tgt)


def entry_key(scope: CacheScope, text: str) -> str:
    """The sha256 key of one entry; fields are length-prefixed so no two field lists collide."""
    digest = hashlib.sha256()
    for field in (
        scope.kind,
        scope.engine,
        scope.model,
        scope.revision,
        scope.src,
        scope.tgt,
        text,
    ):
        encoded = field.encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()


def _corrupt(error: sqlite3.Error) -> bool:
    """Whether an error means the file is not a usable database (rather than busy or read-only)."""
    name = getattr(error, "sqlite_errorname", "")
    return (
        name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or type(error) is sqlite3.DatabaseError
    )


def _busy(error: sqlite3.Error) -> bool:
    """Whether an error means another connection holds the lock for longer than the busy timeout."""
    name = getattr(error, "sqlite_errorname", "")
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(error)


def _storable(text: str) -> bool:
    """Whether SQLite can store ``text`` (lone surrogates from undecodable input cannot be)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _healthy(path: Path) -> bool:
    """Whether the file at ``path`` now opens as a sound SQLite database (read-only look)."""
    try:
        connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=1.0)
        try:
            return connection.execute("PRAGMA quick_check(1)").fetchone()[0] == "ok"
        finally:
            connection.close()
    except sqlite3.Error:
        return False


SQLITE_HEADER = b"SQLite format 3\x00"


def foreign_file(path: Path) -> bool:
    """Whether ``path`` holds something other than a cache qa may use: a file that is not empty
    and does not start with SQLite's header, or anything that is not a regular file. qa never
    writes to, moves or replaces such a file (a mistyped ``cache = ".git/config"``)."""
    try:
        if not path.exists():
            return False
        if not path.is_file():
            return True
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError:
        return False  # unreadable: SQLite's own error says so
    return bool(head) and head != SQLITE_HEADER


def tracked_by_git(path: Path) -> bool:
    """Whether git tracks the file at ``path``, or the file a link there leads to (a committed file
    of the site's own, which qa must not change). False outside a repository or without git.

    Pathspecs are taken literally, and neither an fsmonitor hook nor a bare repository found in
    the folder (which a pull request could commit) is used, so asking runs nothing else."""
    for candidate in dict.fromkeys((path.absolute(), path.resolve())):
        try:
            answer = subprocess.run(
                ["git", "--literal-pathspecs", "-c", "core.fsmonitor=false", "-c", "safe.bareRepository=explicit",
                 "-C", str(candidate.parent), "ls-files", "--error-unmatch", "--", candidate.name],
                stdin=subprocess.DEVNULL, capture_output=True, timeout=30, check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return False  # no git (or none that answers): nothing to ask
        if answer.returncode == 0:
            return True
    return False


def _read_only_uri(path: Path) -> str:
    """A URI that opens the database at ``path`` for reading without writing anything.

    A read-only open of a WAL-mode database leaves -wal and -shm files behind. With no WAL file
    beside it, the file alone is the database and nothing changes it (a writer makes the WAL
    first), so ``immutable`` reads it without locks or new files. With one, the database is in
    use and its newest tables may be in the WAL alone; a database in rollback mode is changed in
    place, so both are opened read-only, which waits for a writer's lock."""
    try:
        with path.open("rb") as handle:
            header = handle.read(20)
    except OSError:
        header = b""  # unreadable: SQLite's own error says so
    wal_mode = len(header) == 20 and header[18] == 2
    quiet = wal_mode and not path.with_name(path.name + "-wal").exists()
    return f"{path.absolute().as_uri()}?{'immutable=1' if quiet else 'mode=ro'}"


def needs_tables(path: Path, busy_timeout: float = 10.0) -> bool:
    """Whether the SQLite database at ``path`` still needs qa's tables or marker (it holds nothing,
    or it is a cache made before the marker) rather than being a marked qa cache; RefusedFile if it
    is not a qa cache. Only reads the file."""
    connection = sqlite3.connect(_read_only_uri(path), uri=True, timeout=busy_timeout)
    try:
        objects = set(connection.execute("SELECT type, name FROM sqlite_master"))
        columns = tuple(row[1] for row in connection.execute("PRAGMA table_info(entries)"))
        marker = (connection.execute(f"SELECT value FROM {MARKER_TABLE} WHERE name = 'format'").fetchone()
                  if ("table", MARKER_TABLE) in objects else None)
    finally:
        connection.close()
    if not objects or (objects == {("table", "entries")} and columns == ENTRY_COLUMNS):
        return True
    if ("table", MARKER_TABLE) not in objects:
        raise RefusedFile(path, f"is a SQLite database qa did not create (no {MARKER_TABLE} table)")
    if marker is None or marker[0] != FORMAT_VERSION:
        raise RefusedFile(path, f"is a qa cache of another format ({marker[0] if marker else 'none'!r}; this qa "
                                f"reads {FORMAT_VERSION!r})")
    extra = sorted(f"{kind} {name!r}" for kind, name in objects - QA_TABLES)
    if extra:
        raise RefusedFile(path, f"is a SQLite database qa did not create (it holds {', '.join(extra)} "
                                "besides qa's tables)")
    if columns != ENTRY_COLUMNS:
        raise RefusedFile(path, "is a SQLite database qa did not create (its entries table is not qa's)")
    return False


def _bounded_values(connection: sqlite3.Connection, wanted: list[tuple[str, int]]) -> list[tuple[str, str]]:
    """The stored values of the keys in ``wanted`` that are text of at most their number of
    bytes. SQLite refuses to load a value over its length limit (SQLITE_TOOBIG), set here to the
    largest bound asked for; where one is over it, the keys are asked for again in halves, so each
    such value ends up alone and missing. The size is compared in bytes, not with ``length()``,
    which counts characters up to the first NUL."""
    marks = ",".join(["(?,?)"] * len(wanted))
    limit = connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max(most for _, most in wanted))
    try:
        return connection.execute(
            f"WITH wanted(key, most_bytes) AS (VALUES {marks}) "
            "SELECT entries.key, entries.value FROM wanted JOIN entries ON entries.key = wanted.key "
            "WHERE typeof(entries.value) = 'text' AND length(CAST(entries.value AS BLOB)) <= wanted.most_bytes",
            [field for pair in wanted for field in pair],
        ).fetchall()
    except sqlite3.DataError as error:
        if getattr(error, "sqlite_errorname", "") != "SQLITE_TOOBIG":
            raise
        if len(wanted) == 1:
            return []
        half = len(wanted) // 2
        return _bounded_values(connection, wanted[:half]) + _bounded_values(connection, wanted[half:])
    finally:
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limit)


def _create_tables(connection: sqlite3.Connection) -> None:
    """qa's tables and marker, in one transaction: another process sees all of them or none."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute(_SCHEMA)
        connection.execute(_MARKER_SCHEMA)
        connection.execute(f"INSERT OR IGNORE INTO {MARKER_TABLE} VALUES ('format', ?)", (FORMAT_VERSION,))
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def aside_path(path: Path) -> Path:
    """A free name beside ``path`` for a bad cache file: ``<name>.corrupt-<timestamp>``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while candidate.exists():
        counter += 1
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    return candidate


class TranslationCache:
    """Cached translations and scores in one SQLite file (WAL journal, busy timeout).

    :meth:`get_many` and :meth:`put_many` each run in one transaction. Use one object per process;
    any number of processes may share the file.
    """

    def __init__(self, path: Path | str | None = None, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self.busy_timeout = busy_timeout
        self._connection: sqlite3.Connection | None = None
        self._disabled = False
        self._warned: set[str] = set()

    @property
    def enabled(self) -> bool:
        """False once the cache has been switched off because it cannot be used."""
        return not self._disabled

    def get_many(
        self, scope: CacheScope, texts: Sequence[str], longest: Callable[[str], int] | None = None
    ) -> dict[str, str]:
        """Cached values for those of ``texts`` that have one, keyed by text.

        A value stored as anything but text, or longer than ``longest(text)`` characters (by
        default :func:`longest_value` for the scope's kind), counts as missing. SQLite checks
        both, so such a value never reaches Python. (SQLite itself may read a long row whole
        while it compares keys beside it: one row at a time, freed at once.)"""
        most = longest or functools.partial(longest_value, scope.kind)
        keys = {entry_key(scope, text): text for text in texts}
        if not keys:
            return {}
        limits = {key: most(text) for key, text in keys.items()}

        def read(connection: sqlite3.Connection) -> dict[str, str]:
            found: dict[str, str] = {}
            wanted = [(key, limits[key] * _MOST_BYTES_PER_CHARACTER) for key in keys]
            connection.execute("BEGIN")
            try:
                for start in range(0, len(wanted), _QUERY_CHUNK):
                    rows = _bounded_values(connection, wanted[start : start + _QUERY_CHUNK])
                    found.update((keys[key], value) for key, value in rows
                                 if isinstance(value, str) and len(value) <= limits[key])
            except BaseException:
                self._rollback()
                raise
            connection.execute("COMMIT")
            return found

        return self._run(read, default={})

    def put_many(
        self, scope: CacheScope, values: Mapping[str, str], longest: Callable[[str], int] | None = None
    ) -> None:
        """Store ``values`` (text -> value) for ``scope``, replacing older entries; a value that
        :meth:`get_many` would not return (longer than ``longest(text)``) is not stored."""
        if not values:
            return
        most = longest or functools.partial(longest_value, scope.kind)
        now = time.time()
        fields = (scope.kind, scope.engine, scope.model, scope.revision, scope.src, scope.tgt)
        rows = [
            (entry_key(scope, text), *fields, text, value, now)
            for text, value in values.items()
            if _storable(text) and _storable(value) and len(value) <= most(text)
        ]

        def write(connection: sqlite3.Connection) -> None:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany(
                    "INSERT OR REPLACE INTO entries VALUES (?,?,?,?,?,?,?,?,?,?)", rows
                )
            except BaseException:
                self._rollback()
                raise
            connection.execute("COMMIT")

        self._run(write, default=None)

    def close(self) -> None:
        """Close the database connection (it reopens on the next use)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> TranslationCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self, action: Callable[[sqlite3.Connection], T], default: T) -> T:
        """Run ``action`` on the database, recovering from a corrupt file once; on any other
        failure warn and return ``default``."""
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.01
        attempt = 0
        while attempt < 2:
            if self._disabled:
                return default
            try:
                return action(self._connect())
            except sqlite3.Error as error:
                if _busy(error):
                    self._rollback()
                    # SQLite skips its busy handler in some cases (switching to WAL, creating the
                    # table, a lock held while a snapshot is upgraded), so wait here too.
                    if time.monotonic() + delay < deadline:
                        time.sleep(delay)
                        delay = min(delay * 2, 0.5)
                        continue
                    self._warn(
                        "busy",
                        f"translation cache {self.path} is locked by another process; "
                        "not using it for this batch",
                    )
                    return default
                if _corrupt(error) and attempt == 0:
                    self._move_aside(error)
                    attempt += 1
                    continue
                self._disable(
                    f"translation cache {self.path} cannot be used ({error}); running without it"
                )
            except RefusedFile as refused:
                self._refuse(refused.reason)
            except OSError as error:
                self._disable(
                    f"translation cache {self.path} cannot be created ({error}); running without it"
                )
        return default

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            unmarked = self._examine()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
            try:
                connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
                connection.execute("PRAGMA trusted_schema = OFF")
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")
                if unmarked:
                    _create_tables(connection)
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _examine(self) -> bool:
        """Whether the cache file is yet to be made or marked (absent, empty, or a cache from
        before the marker); RefusedFile if qa must leave it alone. Writes nothing."""
        if foreign_file(self.path):
            raise RefusedFile(self.path, "is not a SQLite database")
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return True
        if tracked_by_git(self.path):
            raise RefusedFile(self.path, "is tracked by git")
        return size == 0 or needs_tables(self.path, self.busy_timeout)

    def _rollback(self) -> None:
        if self._connection is not None and self._connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._connection.execute("ROLLBACK")

    def _move_aside(self, error: sqlite3.Error) -> None:
        """Move a corrupt cache file (and its WAL files) aside so a fresh one can be made."""
        self.close()
        if _healthy(self.path):
            return  # another process has already replaced the bad file with a fresh one
        if foreign_file(self.path):  # not SQLite at all: never ours to move
            self._refuse("is not a SQLite database")
            return
        aside = aside_path(self.path)
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                extra = self.path.with_name(self.path.name + suffix)
                if extra.exists():
                    os.replace(extra, aside.with_name(aside.name + suffix))
        except FileNotFoundError:
            pass  # another process has already moved it
        except OSError as move_error:
            self._disable(
                f"translation cache {self.path} is damaged ({error}) and cannot be moved aside "
                f"({move_error}); running without it"
            )
            return
        self._warn(
            "corrupt",
            f"translation cache {self.path} was damaged ({error}); "
            f"moved it to {aside} and started a new one",
        )

    def _refuse(self, reason: str) -> None:
        self._disable(
            f"translation cache {self.path} {reason}; qa leaves it untouched and runs without a cache "
            "(point --cache or `cache` in qa.toml at a new file)"
        )

    def _disable(self, message: str) -> None:
        self.close()
        self._disabled = True
        self._warn("disabled", message)

    def _warn(self, topic: str, message: str) -> None:
        if topic not in self._warned:
            self._warned.add(topic)
            warnings.warn(message, CacheWarning, stacklevel=2)
