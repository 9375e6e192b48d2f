"""Rule-based translation with the Apertium command-line tool (``apertium -u -f line spa-eng``).

Each text becomes one input line; texts are sent in chunks so memory stays bounded, and every
chunk must come back with exactly as many lines as went in.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from qa.errors import EngineError, EngineUnavailable, first_line
from qa.translate import EngineOptions
from qa.translate.base import Engine, EngineInfo
from qa.translate.languages import apertium_mode

CHUNK_LINES = 500
Result = TypeVar("Result")
_SENTINEL = "."
MODES_DIR = Path("/usr/share/apertium/modes")
# Line breaks of every kind (and NUL, Apertium's flush marker) would split or end a segment.
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x00\x1c-\x1e\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    """``text`` with its line breaks turned into spaces, so it stays one Apertium segment."""
    return _LINE_BREAKS.sub(" ", text)


# Apertium's stream format reserves these characters; a backslash makes them plain text.
_STREAM_RESERVED = re.compile(r"([\[\]^$/<>@\\*{}#+~])")
_STREAM_ESCAPE = re.compile(r"\\(.)")
# An analysed word the analyser does not know: ^surface/*surface$
_UNKNOWN = re.compile(r"\^((?:[^/$\\]|\\.)*)/\*")
_ANALYSER = re.compile(r"lt-proc\s+(?:-\w+\s+)*'([^']+\.automorf\.bin)'")


def escape_stream(text: str) -> str:
    """``text`` as plain text in Apertium's stream format."""
    return _STREAM_RESERVED.sub(r"\\\1", text)


def unescape_stream(text: str) -> str:
    """A word of Apertium's stream format as plain text."""
    return _STREAM_ESCAPE.sub(r"\1", text)


def analyser_of(mode: str) -> Path | None:
    """The morphological analyser a mode starts with (its first ``*.automorf.bin``), or None."""
    try:
        match = _ANALYSER.search((MODES_DIR / f"{mode}.mode").read_text(encoding="utf-8"))
    except OSError:
        return None
    return Path(match.group(1)) if match else None


def pair_package(mode: str) -> str:
    """The Debian package likely to hold a mode's language pair: apertium-<codes sorted>."""
    return "apertium-" + "-".join(sorted(mode.split("_")[0].split("-")))


def chunk_timeout(lines: Sequence[str]) -> float:
    """Seconds allowed for one chunk: generous for a slow machine, scaled by input size."""
    return 30.0 + sum(len(line) for line in lines) / 500.0


def list_modes(binary: str) -> frozenset[str] | None:
    """Modes listed by ``apertium -l``, or None when the binary cannot be run."""
    try:
        listed = subprocess.run([binary, "-l"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    if listed.returncode != 0:
        return None
    return frozenset(line.strip() for line in listed.stdout.splitlines() if line.strip())


def _dpkg_version(package: str) -> str | None:
    """The installed version of a Debian package, or None when unknown."""
    try:
        query = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if query.returncode != 0:
        return None
    return query.stdout.strip() or None


def _mode_files_revision(mode: str) -> str | None:
    """A short hash of the sizes and modification times of the files a mode runs, or None."""
    mode_file = MODES_DIR / f"{mode}.mode"
    try:
        files = [
            mode_file,
            *sorted(set(re.findall(r"'([^']+)'", mode_file.read_text(encoding="utf-8")))),
        ]
        stats = [
            (str(path), path.stat().st_size, path.stat().st_mtime_ns) for path in map(Path, files)
        ]
    except OSError:
        return None
    return "files-" + hashlib.sha256(repr(stats).encode()).hexdigest()[:12]


def pair_revision(mode: str) -> str:
    """The installed version of the pair's Debian package, else a hash of the mode's files,
    else "unknown"."""
    code = mode.split("_")[0]
    candidates = dict.fromkeys([pair_package(mode), "apertium-" + code])
    for package in candidates:
        version = _dpkg_version(package)
        if version:
            return version
    return _mode_files_revision(mode) or "unknown"


class ApertiumEngine(Engine):
    """Apertium through its command-line tool. It cannot score translations."""

    name = "apertium"

    def __init__(self, options: EngineOptions | None = None, *, binary: str = "apertium") -> None:
        self.options = options
        self.binary = binary
        self._modes: frozenset[str] | None = None
        self._revisions: dict[str, str] = {}

    def problem(self, src: str, tgt: str) -> str | None:
        """Why this direction cannot be translated here (with the way out), or None."""
        mode = apertium_mode(src, tgt)
        if shutil.which(self.binary) is None:
            return f"apertium is not installed; apt-get install {pair_package(mode)}"
        if self._modes is None:
            self._modes = list_modes(self.binary)
        if self._modes is None:
            package = pair_package(mode)
            return f"apertium ({self.binary}) does not run; apt-get install --reinstall {package}"
        if mode not in self._modes:
            return f"Apertium has no {mode} pair installed; apt-get install {pair_package(mode)}"
        return None

    def check(self, src: str, tgt: str) -> None:
        """Raise EngineUnavailable if the binary or the direction's mode is missing."""
        problem = self.problem(src, tgt)
        if problem:
            raise EngineUnavailable(problem)

    def info(self, src: str, tgt: str) -> EngineInfo:
        """Engine "apertium", model "apertium-<mode>", revision the pair's package version."""
        mode = apertium_mode(src, tgt)
        if mode not in self._revisions:
            self._revisions[mode] = pair_revision(mode)
        return EngineInfo(self.name, f"apertium-{mode}", self._revisions[mode])

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        """Translate each text as one line; blank texts give "" without running Apertium."""
        self.check(src, tgt)
        mode = apertium_mode(src, tgt)
        # In line format Apertium drops a line's final full stop unless a space follows it.
        command = [self.binary, "-u", "-f", "line", mode]
        return self._by_line(texts, "", lambda lines: self._run(mode, command, [f"{line} " for line in lines]))

    @property
    def can_analyse(self) -> bool:
        """Apertium's morphological analysers (run by lt-proc) tell which words they do not know."""
        return shutil.which("lt-proc") is not None

    def unknown_words(self, texts: Sequence[str], src: str, tgt: str) -> list[tuple[str, ...]]:
        """The words of each text that the analyser of the src→tgt pair does not know, as
        Apertium marks them with ``*`` when run without ``-u``."""
        self.check(src, tgt)
        mode = apertium_mode(src, tgt)
        analyser = analyser_of(mode)
        if analyser is None or shutil.which("lt-proc") is None:
            raise EngineUnavailable(f"Apertium's {mode} analyser (lt-proc) is missing; "
                                    f"apt-get install --reinstall {pair_package(mode)}")
        command = ["lt-proc", "-w", str(analyser)]

        def analyse(lines: list[str]) -> list[tuple[str, ...]]:
            analysed = self._run(mode, command, [escape_stream(line) for line in lines])
            return [tuple(unescape_stream(word) for word in _UNKNOWN.findall(line)) for line in analysed]

        return self._by_line(texts, (), analyse)

    @staticmethod
    def _by_line(texts: Sequence[str], blank: Result, run: Callable[[list[str]], list[Result]]) -> list[Result]:
        """``run`` over the non-blank texts as single lines, CHUNK_LINES at a time; ``blank``
        for the blank ones, which never reach Apertium."""
        results = [blank] * len(texts)
        todo = [index for index, text in enumerate(texts) if text.strip()]
        for start in range(0, len(todo), CHUNK_LINES):
            chunk = todo[start : start + CHUNK_LINES]
            for index, result in zip(chunk, run([one_line(texts[index]) for index in chunk]), strict=True):
                results[index] = result
        return results

    def _run(self, mode: str, command: list[str], lines: list[str]) -> list[str]:
        """One Apertium process over ``lines``; exactly one output line per input line."""
        # The last line's final full stop is dropped even with a space after it: a sentinel
        # line keeps it.
        stdin = "".join(f"{line}\n" for line in lines) + f"{_SENTINEL}\n"
        timeout = chunk_timeout(lines)
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                encoding="utf-8",
                errors="replace",
                # apertium is a shell pipeline: its own session lets a timeout kill all of it.
                start_new_session=True,
            )
        except OSError as error:
            raise EngineError(f"apertium could not be started: {error}") from error
        try:
            stdout, stderr = process.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise EngineError(
                f"apertium {mode} took longer than {timeout:.0f} s on {len(lines)} lines"
            ) from None
        except BaseException:
            # Ctrl-C: the pipeline runs in its own session, so it did not get the signal; a hung
            # one would outlive qa.
            _kill_group(process)
            raise
        if process.returncode != 0:
            reason = _exit_reason(process.returncode)
            raise EngineError(f"apertium {mode} failed ({reason}): {first_line(stderr)}")
        output = stdout[:-1] if stdout.endswith("\n") else stdout
        translated = output.split("\n") if output else []
        if len(translated) != len(lines) + 1:
            raise EngineError(
                f"apertium {mode} returned {len(translated) - 1} lines for {len(lines)} input lines"
            )
        return [line.strip() for line in translated[:-1]]


def _kill_group(process: subprocess.Popen) -> None:
    """Kill a process started in its own session together with its children, and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()
    process.communicate()


def _exit_reason(returncode: int) -> str:
    return f"killed by signal {-returncode}" if returncode < 0 else f"exit status {returncode}"
