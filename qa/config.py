"""Settings of a content repository: ``qa.toml`` (top-level keys) or ``[tool.qa]`` in
``pyproject.toml`` at the repository's root, or the file ``--config`` names; and the machine's own
settings in the user file ``qa.toml`` of the user configuration folder (``~/.config/qa/qa.toml``
on Linux, following XDG_CONFIG_HOME).

Only the root's file is read: the top of the git repository holding the checked path (the folder
with ``.git``, which a pull request cannot add). A ``qa.toml`` or ``[tool.qa]`` in a folder between
the root and a checked path may come from a contributor, so it is not read at all: it is named in
one warning (``SettingsWarning``) and in ``Settings.refused``. Outside git the root is the nearest
of the current folder and the home folder above the checked path, else the path's own folder.

Command-line flags win over the environment (``QA_SCHEDULER``, ``QA_CACHE_DIR``), the
environment over the repository's file (or ``--config``), that file over the user file and the
user file over the defaults. Paths in a file are relative to the file's folder. For the
repository's file that is the repository root: a path that leads outside it is an error, as are
unknown keys and values of the wrong type, each reported in one line naming the key and the file.
The user file says how this machine runs qa (engine, models, threads, cache...), so its paths may
lead anywhere, but it may not set how articles are judged (ignore, fail-on, threshold...): that
belongs to the repository.
"""

from __future__ import annotations

import codecs
import difflib
import fnmatch
import json
import os
import re
import tomllib
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

from qa.errors import InputError
from qa.files import enclosing_repository as enclosing_repository  # where qa.changes and qa.corpus find it
from qa.files import folder_of, holds_model_folders, looks_like_path, model_folder

QA_TOML = "qa.toml"
PYPROJECT = "pyproject.toml"
DEFAULT = "default"
COMMAND_LINE = "command line"

# Every choice and range a setting has, defined once: the command-line options use these too.
ENGINES = ("auto", "marian", "ct2", "apertium", "none")
DEVICES = ("cpu", "cuda")
BEAM_RANGE = (1, 16)
THREADS_RANGE = (1, 256)
JOBS_RANGE = (1, 256)
FAIL_ON = ("error", "warning", "info", "never")
# The report formats of `qa check`; qa.report keeps a renderer for each.
FORMAT_NAMES = ("text", "json", "jsonl", "html", "github", "sarif", "junit")
PAIRINGS = ("auto", "front-matter", "file-name", "folders")
PATH_KEYS = ("models_dir", "flagger", "cache", "baseline")
# What the user file may set: how this machine runs qa, not how a repository's articles are judged.
MACHINE_KEYS = ("engine", "models", "models_dir", "beam", "threads", "device", "jobs", "scheduler", "cache")
# The cache folder a run's environment names: it wins over a configuration file's `cache`.
CACHE_ENVIRONMENT = "QA_CACHE_DIR"
# The Dask scheduler a run's environment names: it wins over the root file's `scheduler`.
SCHEDULER_ENVIRONMENT = "QA_SCHEDULER"
# Options of a run that only its command line (or a library call) gives, never a file.
COMMAND_LINE_ONLY = ("allow_empty", "follow_symlinks")
DIRECTION = re.compile(r"[a-z]{2,3}-[a-z]{2,3}")
SCHEDULER = re.compile(r"((tcp|tls|ucx|ws|wss)://)?(\[[0-9a-fA-F:]+\]|[\w.\-]+)(:\d{1,5})?")


@dataclass(frozen=True)
class Settings:
    """Everything ``qa check`` can be told by a configuration file or the command line.

    ``models`` maps a direction ("es-en") to a model hub name or a local folder; ``models_dir`` is
    a folder of ``opus-mt-SRC-TGT`` model folders for the directions ``models`` does not name.
    ``ignore`` holds glob patterns of paths (relative to ``root``) to skip. Paths (``models_dir``,
    ``flagger``, ``cache``, ``baseline``, model folders) are absolute once loaded. ``root`` is the
    folder of the configuration file (the current folder when there is none), ``config_file`` the
    file read and ``user_file`` the user file read (None when there is none).
    """

    src_lang: str = "es"
    tgt_lang: str = "en"
    engine: str = "auto"
    models: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    models_dir: Path | None = None
    beam: int = 1
    threads: int | None = None
    device: str = "cpu"
    jobs: int | None = None
    scheduler: str | None = None
    threshold: float | None = None
    flagger: Path | None = None
    fail_on: str = "error"
    ignore: tuple[str, ...] = ()
    cache: Path | None = None
    pairing: str = "auto"
    baseline: Path | None = None
    format: str = "text"
    allow_empty: bool = False
    follow_symlinks: bool = False
    # IP networks ``qa serve`` may fetch pages from although they are loopback or private
    # ("10.0.0.0/8"): a desk's own intranet CMS. Nothing else reads it.
    fetch_allow: tuple[str, ...] = ()
    root: Path = field(default_factory=Path.cwd, compare=False)
    config_file: Path | None = None
    refused: tuple[Path, ...] = field(default=(), compare=False)
    user_file: Path | None = None


class SettingsWarning(UserWarning):
    """A settings file qa found and did not read (one below the repository root)."""


# Where the settings came from is not itself a setting, nor is what only a command line says.
KEYS = tuple(f.name for f in fields(Settings)
             if f.name not in ("root", "config_file", "refused", "user_file", *COMMAND_LINE_ONLY))


def user_settings_file() -> Path:
    """The user file: ``qa.toml`` in the user configuration folder (platformdirs'
    ``user_config_dir("qa")``: ``$XDG_CONFIG_HOME/qa``, else ``~/.config/qa`` on Linux), read at
    call time."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("qa")) / QA_TOML


def find_config(start: Path) -> Path | None:
    """The settings file of the root of ``start`` (see :func:`settings_root`): its ``qa.toml``,
    else its ``pyproject.toml`` when that has a ``[tool.qa]`` table, else None.

    A file in a folder between the root and ``start`` is never the answer: see
    :func:`settings_below_root`.
    """
    return _settings_file(settings_root(start))


def settings_root(start: Path) -> Path:
    """The folder whose settings a check of ``start`` (a file or folder) reads.

    The top of the git repository holding ``start`` (the nearest folder with ``.git``; git cannot
    commit a ``.git`` path, so a pull request cannot move the root). Outside git, the nearest of
    the current folder and the home folder at or above ``start``, so that a stray file above
    them is not picked up (anyone can leave a ``/tmp/qa.toml``); else ``start``'s own folder.
    Folders are taken by name: a symbolic link in the checked path is not followed to find them.
    """
    return _search_folders(folder_of(start))[-1]


def settings_below_root(root: Path, checked: Iterable[Path]) -> list[Path]:
    """The settings files in the folders between ``root`` and each of ``checked``: a ``qa.toml``,
    or a ``pyproject.toml`` with a ``[tool.qa]`` table. ``root``'s own are not among them."""
    found: dict[Path, None] = {}
    for path in checked:
        folder = folder_of(path)
        if folder == root or not folder.is_relative_to(root):
            continue
        for candidate in (folder, *folder.parents):
            if candidate == root:
                break
            settings = _settings_file(candidate, below_root=True)
            if settings is not None:
                found.setdefault(settings)
    return list(found)


def _settings_file(folder: Path, *, below_root: bool = False) -> Path | None:
    """``folder``'s ``qa.toml``, else its ``pyproject.toml`` with a ``[tool.qa]`` table, else None.

    ``below_root``: the folder is below the root, where a file is only looked at to be named, so
    a ``pyproject.toml`` that is a symbolic link, or not valid TOML, is no settings file."""
    if (folder / QA_TOML).is_file():
        return folder / QA_TOML
    pyproject = folder / PYPROJECT
    if not pyproject.is_file() or (below_root and pyproject.is_symlink()):
        return None
    try:
        return pyproject if _has_qa_table(_read_toml(pyproject)) else None
    except InputError:
        if not below_root:
            raise
        return None


def _search_folders(folder: Path) -> list[Path]:
    """``folder`` and its parents up to the repository root, else up to the first of the current
    folder and home met on the way, else ``folder`` alone."""
    walk = [folder, *folder.parents]
    for index, candidate in enumerate(walk):
        if (candidate / ".git").exists():
            return walk[: index + 1]
    stops = {stop for where in (Path.home, Path.cwd) for stop in _named_and_resolved(where)
             if stop != Path(stop.anchor)}
    return next((walk[: index + 1] for index, candidate in enumerate(walk) if candidate in stops), [folder])


def _named_and_resolved(where: Callable[[], Path]) -> set[Path]:
    try:
        named = Path(os.path.abspath(where()))
        return {named, named.resolve()}
    except (RuntimeError, OSError, KeyError):  # no HOME and no passwd entry; a deleted cwd
        return set()


def load_settings(
    start: Path, cli_overrides: Mapping[str, Any], config_file: Path | None = None, *,
    checked: Iterable[Path] = (),
) -> tuple[Settings, dict[str, str]]:
    """The settings for a check started at ``start`` (a checked path, or the current folder),
    and where each came from: ``"default"``, the user file's or the repository file's name,
    ``"$QA_SCHEDULER"``, ``"$QA_CACHE_DIR"`` or ``"command line"``.

    ``cli_overrides`` maps setting names (``fail-on`` or ``fail_on``) to command-line values;
    None, and an empty list or mapping (a repeatable option not given), mean "not given".
    Command-line paths stay relative to the current folder. ``config_file`` (``--config``)
    skips the search. A settings file between the root and ``start`` or one of ``checked`` (the
    other checked paths) is not read: each is in ``Settings.refused`` and warned about with a
    SettingsWarning. Raises InputError naming the key and the file for a bad setting.
    """
    root_folder = settings_root(start)
    path = config_file if config_file is not None else _settings_file(root_folder)
    sources = {key: DEFAULT for key in KEYS}
    user_file = _existing(user_settings_file())
    values = parse_table(_read_toml(user_file), Where(user_file, user=True)) if user_file else {}
    sources.update({key: display_path(user_file) for key in values if user_file})
    root = Path.cwd().resolve()
    if path is not None:
        if not path.is_file():
            raise InputError("no such configuration file", str(path))
        root = path.resolve().parent
        table = _config_table(path)
        from_file = parse_table(table, Where(path))
        values.update(from_file)
        sources.update({key: display_path(path) for key in from_file})
    if os.environ.get(CACHE_ENVIRONMENT) and "cache" in values:
        # The environment is set for this run (a CI job's cache folder); the file is for everyone.
        del values["cache"]
        sources["cache"] = f"${CACHE_ENVIRONMENT}"
    if os.environ.get(SCHEDULER_ENVIRONMENT):
        values["scheduler"] = _environment_scheduler(os.environ[SCHEDULER_ENVIRONMENT])
        sources["scheduler"] = f"${SCHEDULER_ENVIRONMENT}"
    overrides = _parse_overrides(cli_overrides)
    values.update(overrides)
    sources.update({key: COMMAND_LINE for key in overrides if key in KEYS})
    refused = _refused(root_folder, [start, *checked], path)
    settings = Settings(**values, root=root, config_file=path.resolve() if path else None, refused=refused,
                        user_file=user_file.resolve() if user_file else None)
    return settings, sources


def _existing(path: Path) -> Path | None:
    return path if path.is_file() else None


def _refused(root: Path, checked: list[Path], read: Path | None) -> tuple[Path, ...]:
    """The settings files below ``root`` on the way to ``checked``, each warned about once."""
    read_instead = read if read is not None else root / QA_TOML
    shown = display_path(read_instead)
    shown = shown if Path(shown).is_absolute() else f"./{shown}"
    refused = []
    for below in settings_below_root(root, checked):
        if read is not None and below.resolve() == read.resolve():
            continue  # --config named it: the command line is trusted
        refused.append(below.resolve())
        warnings.warn(f"{display_path(below)}: settings below the repository root are not read "
                      f"(qa reads only {shown}); move them there", SettingsWarning, stacklevel=3)
    return tuple(refused)


def _environment_scheduler(value: str) -> str:
    try:
        return scheduler_address(value)
    except InputError as error:
        raise InputError(f"${SCHEDULER_ENVIRONMENT}: {error}") from None


@dataclass(frozen=True)
class Where:
    """The file being read, for paths and error messages. ``user``: the user file, whose paths may
    lead anywhere and which sets only MACHINE_KEYS."""

    path: Path
    user: bool = False

    @property
    def is_pyproject(self) -> bool:
        return self.path.name == PYPROJECT

    @property
    def folder(self) -> Path:
        return self.path.resolve().parent

    def error(self, message: str) -> InputError:
        prefix = "[tool.qa] " if self.is_pyproject else ""
        return InputError(prefix + message, display_path(self.path))


def parse_table(table: Mapping[str, Any], where: Where) -> dict[str, Any]:
    """Validate a configuration table (keys as written) into Settings field values."""
    values: dict[str, Any] = {}
    for written, value in table.items():
        key = written.replace("-", "_")
        if key in COMMAND_LINE_ONLY:
            raise where.error(f"{written!r} is given on the command line only (--{key.replace('_', '-')}), "
                              "not in a settings file")
        if key not in KEYS:
            raise where.error(f"unknown key {written!r}{_suggestion(key)}")
        if key in values:
            raise where.error(f"{written!r} is set twice (as fail-on and fail_on?)")
        if where.user and key not in MACHINE_KEYS:
            raise where.error(f"{written!r} is a repository setting, not read from the user file; put it in the "
                              f"repository's qa.toml (the user file takes {', '.join(_written(MACHINE_KEYS))})")
        values[key] = _CHECKS[key](written, value, where)
    return values


def describe(settings: Settings, sources: Mapping[str, str]) -> str:
    """One line per setting, ``key = value  (from qa.toml)``, for ``qa config``."""
    lines = [f"# configuration file: {display_path(settings.config_file) if settings.config_file else 'none'}"]
    if settings.user_file is not None:
        lines.append(f"# user file: {display_path(settings.user_file)}")
    lines += [f"# not read (below the repository root): {display_path(path)}" for path in settings.refused]
    shown = as_dict(settings)
    shown.update({key: display_path(getattr(settings, key)) for key in PATH_KEYS if getattr(settings, key)})
    for key in KEYS:
        source = sources.get(key, DEFAULT)
        origin = "(default)" if source == DEFAULT else f"(from {source})"
        lines.append(f"{key} = {_format_value(shown[key])}  {origin}")
    return "\n".join(lines) + "\n"


def as_dict(settings: Settings) -> dict[str, Any]:
    """The settings as plain JSON-ready values (paths as strings, mappings as dicts)."""
    result: dict[str, Any] = {}
    for key in KEYS:
        value = getattr(settings, key)
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, Mapping):
            value = dict(sorted(value.items()))
        elif isinstance(value, tuple):
            value = list(value)
        result[key] = value
    return result


def is_ignored(path: str | Path, settings: Settings) -> bool:
    """Whether ``path`` matches one of the ``ignore`` patterns, taken relative to the root.

    ``*`` matches across folders (``drafts/*`` skips everything under drafts/), a leading
    ``**/`` also matches at the top, and a pattern matching a parent folder skips its files.
    """
    if not settings.ignore:
        return False
    absolute = Path(path).resolve()
    if not absolute.is_relative_to(settings.root):
        return False
    relative = PurePosixPath(absolute.relative_to(settings.root).as_posix())
    candidates = [str(relative), *(str(parent) for parent in relative.parents if str(parent) != ".")]
    return any(
        fnmatch.fnmatchcase(candidate, pattern) or fnmatch.fnmatchcase(candidate, pattern.removeprefix("**/"))
        for pattern in settings.ignore
        for candidate in candidates
    )


def display_path(path: Path) -> str:
    """``path`` relative to the current folder when it lies below it, else absolute."""
    absolute = path.resolve()
    cwd = Path.cwd().resolve()
    return str(absolute.relative_to(cwd)) if absolute.is_relative_to(cwd) else str(absolute)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
        if raw.startswith(codecs.BOM_UTF8):
            raise InputError("starts with a byte-order mark (BOM); save it as UTF-8 without one", display_path(path))
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text (byte {error.start}); TOML files must be UTF-8", display_path(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"invalid TOML ({error})", display_path(path)) from None
    except RecursionError:
        raise InputError("invalid TOML (nested too deeply)", display_path(path)) from None
    except OSError as error:
        raise InputError(f"cannot read ({error.strerror or error})", display_path(path)) from None


def _has_qa_table(data: Mapping[str, Any]) -> bool:
    tool = data.get("tool")
    return isinstance(tool, Mapping) and "qa" in tool


def _config_table(path: Path) -> Mapping[str, Any]:
    data = _read_toml(path)
    if path.name != PYPROJECT:
        return data
    table = data.get("tool", {}).get("qa", {})
    if not isinstance(table, Mapping):
        raise InputError("[tool.qa] must be a table", display_path(path))
    return table


def _suggestion(key: str) -> str:
    close = difflib.get_close_matches(key, KEYS, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f"; known keys: {', '.join(KEYS)}"


def _parse_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for written, value in overrides.items():
        key = written.replace("-", "_")
        if key not in KEYS and key not in COMMAND_LINE_ONLY:
            raise InputError(f"unknown setting {written!r}{_suggestion(key)}")
        if value is None or (isinstance(value, list | tuple | Mapping) and not value):
            continue
        if key in COMMAND_LINE_ONLY:
            values[key] = bool(value)
        elif isinstance(value, Path | str) and key in PATH_KEYS:
            values[key] = Path(value).expanduser().resolve()
        elif key == "models":
            values[key] = MappingProxyType(dict(value))
        elif key == "ignore":
            values[key] = tuple(value)
        elif key in ("src_lang", "tgt_lang"):
            values[key] = language_code(written, value)
        elif key == "scheduler":
            values[key] = scheduler_address(value)
        elif key == "jobs" and (isinstance(value, bool) or not isinstance(value, int)
                                or not JOBS_RANGE[0] <= value <= JOBS_RANGE[1]):
            raise InputError(f"jobs must be a whole number from {JOBS_RANGE[0]} to {JOBS_RANGE[1]}, not {value!r}")
        else:
            values[key] = value
    return values


def language_code(written: str, value: Any, where: Where | None = None) -> str:
    """A language setting as qa reads it: lower case, without a region (``ES``, ``es-ES`` and
    ``es_ES`` are ``es``). InputError unless it is an ISO 639-1 code or a three-letter code."""
    from qa.langid import is_language_code

    code = re.split(r"[-_]", str(value).strip().lower(), maxsplit=1)[0] if isinstance(value, str) else ""
    if (len(code) == 2 and is_language_code(code)) or re.fullmatch(r"[a-z]{3}", code):
        return code
    message = f"{written!r} must be a language code such as es or en, not {_show(value)}"
    raise where.error(message) if where is not None else InputError(f"--{written.replace('_', '-')}: {message}")


# Each check takes the key as written, its value and the file; returns the Settings value.
Check = Callable[[str, Any, Where], Any]


def _string(written: str, value: Any, where: Where) -> str:
    if not isinstance(value, str) or not value:
        raise where.error(f"{written!r} must be a non-empty string, not {_show(value)}")
    return value


def _choice(options: Iterable[str] | Callable[[], Iterable[str]]) -> Check:
    def check(written: str, value: Any, where: Where) -> str:
        allowed = list(options() if callable(options) else options)
        if value not in allowed:
            raise where.error(f"{written!r} must be one of {', '.join(allowed)}, not {_show(value)}")
        return value

    return check


def _whole_number(low: int, high: int) -> Check:
    def check(written: str, value: Any, where: Where) -> int:
        # TOML booleans are Python ints; ``beam = true`` is a mistake, not 1.
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise where.error(f"{written!r} must be a whole number from {low} to {high}, not {_show(value)}")
        return value

    return check


def _threshold(written: str, value: Any, where: Where) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise where.error(f"{written!r} must be a number from 0 to 1, not {_show(value)}")
    return float(value)


def scheduler_address(value: str) -> str:
    """A Dask scheduler address as given (``tcp://host:port``, ``host:port``, ``tls://...``);
    InputError when it names no host and port."""
    if not SCHEDULER.fullmatch(value.strip()):
        raise InputError(f"scheduler {value!r} is not a Dask scheduler address such as tcp://127.0.0.1:8786")
    return value.strip()


def _scheduler(written: str, value: Any, where: Where) -> str:
    _string(written, value, where)
    try:
        return scheduler_address(value)
    except InputError as error:
        raise where.error(str(error)) from None


def _path(written: str, value: Any, where: Where) -> Path:
    _string(written, value, where)
    return _inside_root(written, Path(value), where)


def _inside_root(written: str, value: Path, where: Where) -> Path:
    """A path of a file, relative to its folder, made absolute; it must stay inside the repository
    unless the file is the user file."""
    resolved = (where.folder / value.expanduser()).resolve()
    if not where.user and not resolved.is_relative_to(where.folder):
        raise where.error(
            f"{written!r} = {str(value)!r} leads outside the repository ({where.folder}); "
            f"paths are relative to the configuration file's folder"
        )
    return resolved


def _models(written: str, value: Any, where: Where) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise where.error(f"{written!r} must be a table of direction = model, e.g. es-en = \"Helsinki-NLP/opus-mt-es-en\"")
    models: dict[str, str] = {}
    for direction, model in value.items():
        if not DIRECTION.fullmatch(direction):
            raise where.error(f"{written!r}: {direction!r} is not a direction such as es-en")
        _string(f"{written}.{direction}", model, where)
        # As with --model: a hub name unless it looks like a path or names an existing folder.
        if looks_like_path(model) or (where.folder / model).is_dir():
            model = str(_inside_root(f"{written}.{direction}", Path(model), where))
        models[direction] = model
    return MappingProxyType(models)


def _networks(written: str, value: Any, where: Where) -> tuple[str, ...]:
    """IP networks (``["10.0.0.0/8", "192.168.1.20"]``), each in the canonical form ipaddress gives."""
    import ipaddress

    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise where.error(f"{written!r} must be a list of IP networks, e.g. [\"10.0.0.0/8\"], not {_show(value)}")
    networks = []
    for network in value:
        try:
            networks.append(str(ipaddress.ip_network(network.strip(), strict=False)))
        except ValueError:
            raise where.error(f"{written!r}: {network!r} is not an IP network such as 10.0.0.0/8 or 192.168.1.20") from None
    return tuple(networks)


def _ignore(written: str, value: Any, where: Where) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise where.error(f"{written!r} must be a list of glob patterns, e.g. [\"drafts/*\"], not {_show(value)}")
    return tuple(value)


_CHECKS: dict[str, Check] = {
    "src_lang": language_code,
    "tgt_lang": language_code,
    "engine": _choice(ENGINES),
    "models": _models,
    "models_dir": _path,
    "beam": _whole_number(*BEAM_RANGE),
    "threads": _whole_number(*THREADS_RANGE),
    "device": _choice(DEVICES),
    "jobs": _whole_number(*JOBS_RANGE),
    "scheduler": _scheduler,
    "threshold": _threshold,
    "flagger": _path,
    "fail_on": _choice(FAIL_ON),
    "ignore": _ignore,
    "cache": _path,
    "pairing": _choice(PAIRINGS),
    "baseline": _path,
    "format": _choice(sorted(FORMAT_NAMES)),
    "fetch_allow": _networks,
}


def _show(value: Any) -> str:
    """A value as the user wrote it, for messages."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Mapping):
        return "a table"
    return repr(value)


def _format_value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_format_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)



def _written(keys: Iterable[str]) -> list[str]:
    """Setting names as a file writes them (``models-dir``)."""
    return [key.replace("_", "-") for key in keys]


def parse_model_values(values: Iterable[str], directions: Iterable[tuple[str, str]],
                       models_dir: str | Path | None = None) -> dict[str, str]:
    """``--model`` (and ``--models-dir``) values as a direction -> model mapping.

    ``SRC-TGT=NAME|PATH`` sets one direction. A hub name without a prefix applies to every one of
    ``directions``; so does a folder of ``opus-mt-SRC-TGT`` folders (a models folder, like
    ``models_dir``: each direction gets its own folder in it). A model folder without a prefix is
    refused (InputError, one line) when more than one direction is needed, since one model
    translates one way. Later values win over earlier ones and over ``models_dir``.
    """
    directions = list(dict.fromkeys(directions))
    models: dict[str, str] = {}
    if models_dir is not None:
        models.update({f"{src}-{tgt}": str(model_folder(models_dir, src, tgt)) for src, tgt in directions})
    for value in values:
        direction, equals, model = value.partition("=")
        if equals and len(direction.split("-")) == 2 and "/" not in direction:
            models[direction] = model
        elif holds_model_folders(value):
            models.update({f"{src}-{tgt}": str(model_folder(value, src, tgt)) for src, tgt in directions})
        elif len(directions) > 1 and (looks_like_path(value) or Path(value).expanduser().is_dir()):
            needed = ", ".join(f"{src}-{tgt}" for src, tgt in directions)
            raise InputError(f"--model {value}: a model folder translates one way and {needed} are needed; "
                             "pass --models-dir DIR (opus-mt-SRC-TGT folders) or --model SRC-TGT=PATH")
        else:
            models.update({f"{src}-{tgt}": value for src, tgt in directions})
    return models
