"""Rule-based translation with Apertium, as ``apertium -u -f line spa-eng`` translates.

Each text becomes one line. A run keeps one pipeline per direction (and one analyser) running
in Apertium's null-flush mode, so the dictionaries load once and not once per chunk: each line is
a block of its own (Apertium's plain-text deformatter, ``apertium-destxt``, turns it into its
stream format), each block ends with a NUL, and every block must come back as one line. The
tagger is restarted whenever a block changed its state (:mod:`qa.translate.fresh_tagger`), so a
line is translated as ``apertium`` translates it alone, whatever was translated before it.
Directions run concurrently: a block stream is written as soon as it is asked for and read when
its caller wants the answers. qa runs each stage of a mode's pipeline itself, not through a shell
(:mod:`qa.translate.null_flush`), so a stage that dies is named at once.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import qa.translate.fresh_tagger as fresh_tagger
from qa.errors import EngineError, EngineUnavailable, first_line
from qa.translate.base import Engine, EngineInfo
from qa.translate.languages import apertium_mode
from qa.translate.null_flush import Block, NullFlushProcess, Stage, exit_reason
from qa.translate.options import EngineOptions

# Part of the cache scope: how sentences reach the pipeline changes what comes back.
FEEDING = "one sentence per block, fresh tagger"
# What runs a mode's tagger stage instead of apertium-tagger: the stage needs only Python's
# standard library, so it runs isolated (-I) and without site-packages (-S), starting fast.
FRESH_TAGGER = (sys.executable, "-I", "-S", fresh_tagger.__file__)
# What a mode's pipeline gets for its shell parameters: $1 is lt-proc's generation option (-n
# writes unknown words without Apertium's "*" marks), $2 the tagger's (none).
MODE_PARAMETERS = {"$1": ("-n",), "$2": ()}
Result = TypeVar("Result")
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
# The end of the superblank that holds a line end, in apertium-destxt's output.
_LINE_END = re.compile(r"\n[^\]]*\]")
# A superblank (kept as its text) or an escaped character, in the pipeline's answer.
_STREAM_TEXT = re.compile(r"\[((?:[^\]\\]|\\.)*)\]|\\(.)", re.DOTALL)


def escape_stream(text: str) -> str:
    """``text`` as plain text in Apertium's stream format."""
    return _STREAM_RESERVED.sub(r"\\\1", text)


def unescape_stream(text: str) -> str:
    """A word of Apertium's stream format as plain text."""
    return _STREAM_ESCAPE.sub(r"\1", text)


def analyser_of(mode: str, modes_dir: Path = MODES_DIR) -> Path | None:
    """The morphological analyser a mode starts with (its first ``*.automorf.bin``), or None."""
    try:
        match = _ANALYSER.search((modes_dir / f"{mode}.mode").read_text(encoding="utf-8"))
    except OSError:
        return None
    return Path(match.group(1)) if match else None


# Debian 12's Apertium language-pair packages (apt-cache search '^apertium-'). Their names mix
# two- and three-letter codes and do not sort the languages (apertium-fr-es, apertium-spa-cat),
# so no rule guesses them from a mode's name.
DEBIAN_PAIR_PACKAGES = (
    "af-nl", "afr-nld", "arg-cat", "bel-rus", "br-fr", "ca-it", "cat-ita", "cat-srd", "dan-nor", "en-ca",
    "en-es", "en-gl", "eng-cat", "eng-spa", "eo-ca", "eo-en", "eo-es", "eo-fr", "es-ast", "es-ca", "es-gl",
    "es-it", "es-pt", "es-ro", "eu-en", "eu-es", "fr-es", "fra-cat", "fra-frp", "hbs-eng", "hbs-mkd",
    "hbs-slv", "id-ms", "ind-zlm", "is-sv", "isl-eng", "isl-swe", "mk-bg", "mk-en", "mkd-bul", "mkd-eng",
    "nno-nob", "oc-ca", "oc-es", "oci-fra", "pol-szl", "por-cat", "pt-ca", "pt-gl", "rus-ukr", "spa-arg",
    "spa-ast", "spa-cat", "spa-ita", "srd-ita", "swe-dan", "swe-nor", "urd-hin",
)
APERTIUM_INSTALL_GUIDE = "https://wiki.apertium.org/wiki/Installation"


# The two-letter codes in those names, as Apertium's three-letter ones (Malay is zlm there).
_THREE_LETTER = {
    "af": "afr", "bg": "bul", "br": "bre", "ca": "cat", "en": "eng", "eo": "epo", "es": "spa", "eu": "eus",
    "fr": "fra", "gl": "glg", "id": "ind", "is": "isl", "it": "ita", "mk": "mkd", "ms": "zlm", "nl": "nld",
    "oc": "oci", "pt": "por", "ro": "ron", "sv": "swe",
}


def _three_letter(code: str) -> str:
    return _THREE_LETTER.get(code, code)


def pair_package(mode: str) -> str | None:
    """The Debian package that holds a mode's language pair (the newer three-letter one where
    Debian has both), or None when Debian packages no such pair."""
    wanted = frozenset(map(_three_letter, mode.split("_")[0].split("-")))
    found = [name for name in DEBIAN_PAIR_PACKAGES if frozenset(map(_three_letter, name.split("-"))) == wanted]
    return "apertium-" + max(found, key=len) if found else None


def install_hint(mode: str, *, reinstall: bool = False) -> str:
    """How to get a mode's pair: the apt-get line naming its real package, or where to look."""
    package = pair_package(mode)
    if package is None:
        return f"Debian has no Apertium package for {mode}; see {APERTIUM_INSTALL_GUIDE}"
    return f"apt-get install {'--reinstall ' if reinstall else ''}{package}"


def line_timeout(line: str) -> float:
    """Seconds allowed for one line's answer: generous for a slow machine, scaled by its size."""
    return 30.0 + len(line) / 500.0


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
    for package in filter(None, candidates):
        version = _dpkg_version(package)
        if version:
            return version
    return _mode_files_revision(mode) or "unknown"


class ApertiumEngine(Engine):
    """Apertium through its command-line tool. It cannot score translations."""

    name = "apertium"

    def __init__(self, options: EngineOptions | None = None, *, binary: str = "apertium",
                 modes_dir: Path = MODES_DIR) -> None:
        self.options = options
        self.binary = binary
        self.modes_dir = modes_dir
        self._pipelines: dict[tuple[str, str], list[NullFlushProcess]] = {}
        self._stages: dict[str, list[Stage]] = {}
        self._modes: frozenset[str] | None = None
        self._revisions: dict[str, str] = {}

    def problem(self, src: str, tgt: str) -> str | None:
        """Why this direction cannot be translated here (with the way out), or None."""
        mode = apertium_mode(src, tgt)
        if shutil.which(self.binary) is None:
            return f"apertium is not installed; {install_hint(mode)}"
        if self._modes is None:
            self._modes = list_modes(self.binary)
        if self._modes is None:
            return f"apertium ({self.binary}) does not run; {install_hint(mode, reinstall=True)}"
        if mode not in self._modes:
            return f"Apertium has no {mode} pair installed; {install_hint(mode)}"
        return None

    def check(self, src: str, tgt: str) -> None:
        """Raise EngineUnavailable if the binary or the direction's mode is missing."""
        problem = self.problem(src, tgt)
        if problem:
            raise EngineUnavailable(problem)

    def info(self, src: str, tgt: str) -> EngineInfo:
        """Engine "apertium", model "apertium-<mode>", revision the pair's package version and
        how qa feeds the pipeline (translations cached before one sentence per block differ)."""
        mode = apertium_mode(src, tgt)
        if mode not in self._revisions:
            self._revisions[mode] = f"{pair_revision(mode)}; {FEEDING}"
        return EngineInfo(self.name, f"apertium-{mode}", self._revisions[mode])

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        """Translate each text as one line; blank texts give "" without running Apertium."""
        return [line for chunk in self.translate_chunks(texts, src, tgt, max(len(texts), 1)) for line in chunk]

    def translate_chunks(self, texts: Sequence[str], src: str, tgt: str, size: int) -> Iterator[list[str]]:
        """The translations of ``texts``, ``size`` at a time, in order. Every text is handed to
        the direction's pipeline at once; the answers are read as the iterator is consumed."""
        self.check(src, tgt)
        mode = apertium_mode(src, tgt)
        return self._stream(("translate", mode), f"apertium {mode}", texts, "", size,
                            to_stream_format, from_stream_format)

    @property
    def can_analyse(self) -> bool:
        """Apertium's morphological analysers (run by lt-proc) tell which words they do not know."""
        return shutil.which("lt-proc") is not None

    def unknown_words(self, texts: Sequence[str], src: str, tgt: str) -> list[tuple[str, ...]]:
        """The words of each text that the analyser of the src→tgt pair does not know, as
        Apertium marks them with ``*`` when run without ``-u``."""
        self.check(src, tgt)
        mode = apertium_mode(src, tgt)
        analyser = analyser_of(mode, self.modes_dir)
        if analyser is None or shutil.which("lt-proc") is None:
            raise EngineUnavailable(f"Apertium's {mode} analyser (lt-proc) is missing; "
                                    f"{install_hint(mode, reinstall=True)}")

        def encode(lines: list[str]) -> list[str]:
            return [f"{escape_stream(line)}\n" for line in lines]

        def decode(answer: str) -> tuple[str, ...]:
            line = _answer_line(answer, f"Apertium's {mode} analyser")
            return tuple(unescape_stream(word) for word in _UNKNOWN.findall(line))

        none: tuple[str, ...] = ()
        chunks = self._stream(("analyse", mode), f"apertium {mode} analyser", texts, none,
                              max(len(texts), 1), encode, decode)
        return [words for chunk in chunks for words in chunk]

    @property
    def can_tag(self) -> bool:
        """Apertium's tagger (apertium-tagger, after the analyser) chooses each word's reading."""
        return shutil.which("lt-proc") is not None and shutil.which("apertium-tagger") is not None

    def tagged_words(self, texts: Sequence[str], src: str, tgt: str) -> list[tuple[str, ...]]:
        """Each word of each text as the first stages of the src→tgt pair read it: its analyser,
        then its tagger's choice of reading, which a fresh tagger makes for every text
        (:mod:`qa.translate.fresh_tagger`), so a text's tags never depend on the texts before it.
        A word is written as the tagger writes it with ``-p``, without its ``^`` and ``$``:
        ``surface/lemma<tag>...``, ``a<pr>+el<det>...`` for a contraction, ``surface/*surface``
        for a word the analyser does not know; stream-format escapes are kept."""
        self.check(src, tgt)
        mode = apertium_mode(src, tgt)

        def encode(lines: list[str]) -> list[str]:
            return [f"{escape_stream(line)}\n" for line in lines]

        def decode(answer: str) -> tuple[str, ...]:
            return lexical_units(_answer_line(answer, f"Apertium's {mode} tagger"))

        none: tuple[str, ...] = ()
        chunks = self._stream(("tag", mode), f"apertium {mode} tagger", texts, none, max(len(texts), 1),
                              encode, decode)
        return [words for chunk in chunks for words in chunk]

    def close(self) -> None:
        """Stop every pipeline this engine started, all winding down at once."""
        processes = [process for started in self._pipelines.values() for process in started]
        for process in processes:
            process.end_input()
        for process in processes:
            process.close()
        self._pipelines.clear()

    def _stream(self, key: tuple[str, str], name: str, texts: Sequence[str], blank: Result,
                size: int, encode: Callable[[list[str]], list[str]],
                decode: Callable[[str], Result]) -> Iterator[list[Result]]:
        """Write every non-blank text, as one line in a block of its own, to the pipeline ``key``
        now, and return an iterator of the results ``size`` texts at a time. ``encode`` turns
        the lines into block texts, ``decode`` an answer into a result; blank texts get
        ``blank`` and never reach the pipeline."""
        lines = [one_line(text).strip() for text in texts if text.strip()]
        if not lines:
            return iter([[blank] * len(texts[start : start + size]) for start in range(0, len(texts), size)])
        blocks = [Block(text, line_timeout(line), "1 line") for text, line in zip(encode(lines), lines, strict=True)]
        answers = self._pipeline(key, name).stream(blocks)

        def results() -> Iterator[list[Result]]:
            try:
                for start in range(0, len(texts), size):
                    yield [decode(next(answers)) if text.strip() else blank for text in texts[start : start + size]]
            finally:
                answers.close()

        return results()

    def _pipeline(self, key: tuple[str, str], name: str) -> NullFlushProcess:
        """An idle pipeline for ``key`` (what, mode), started if none is free."""
        processes = self._pipelines.setdefault(key, [])
        processes[:] = [process for process in processes if not process.broken]
        for process in processes:
            if process.acquire():
                return process
        kind, mode = key
        process = NullFlushProcess(self._pipeline_stages(kind, mode), name, env=_utf8_environment())
        process.acquire()
        processes.append(process)
        return process

    def _pipeline_stages(self, kind: str, mode: str) -> list[Stage]:
        if kind == "analyse":
            return [Stage("lt-proc", ("lt-proc", "-z", "-w", str(analyser_of(mode, self.modes_dir))))]
        if mode not in self._stages:
            self._stages[mode] = null_flush_stages(self.modes_dir / f"{mode}.mode")
        if kind == "tag":
            return tagging_stages(self._stages[mode], mode)
        return self._stages[mode]


def _answer_line(answer: str, name: str) -> str:
    """The one line of a block's answer; EngineError when it holds another number of lines."""
    lines = answer.split("\n")
    if len(lines) != 2 or lines[-1].strip():
        raise EngineError(f"{name} returned {len(lines) - 1} lines for 1 input line")
    return lines[0]


def null_flush_stages(mode_file: Path) -> list[Stage]:
    """The stages of a mode's pipeline with every stage in null-flush mode, as ``apertium -z``
    runs it (``apertium-wblank-mode -z``); its tagger runs under :mod:`qa.translate.fresh_tagger`,
    so that no block changes how the next ones are tagged."""
    try:
        made = subprocess.run(["apertium-wblank-mode", "-z", str(mode_file)], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as error:
        raise EngineUnavailable(f"apertium-wblank-mode does not run ({error}); apt-get install --reinstall apertium") from None
    if made.returncode != 0 or not made.stdout.strip():
        raise EngineUnavailable(f"apertium-wblank-mode cannot read {mode_file}: {first_line(made.stderr)}")
    stages = [_stage(words) for words in _pipeline_commands(made.stdout, mode_file)]
    return [Stage(stage.name, (*FRESH_TAGGER, *stage.command)) if stage.name == "apertium-tagger" else stage
            for stage in stages]


def tagging_stages(stages: Sequence[Stage], mode: str) -> list[Stage]:
    """A mode's stages up to its tagger, the tagger told to write each word's surface form too
    (``-p``); EngineUnavailable when the mode has no tagger."""
    names = [stage.name for stage in stages]
    if "apertium-tagger" not in names:
        raise EngineUnavailable(f"the Apertium mode {mode} has no tagger stage")
    tagger = stages[names.index("apertium-tagger")]
    at = next(k for k, word in enumerate(tagger.command) if Path(word).name == "apertium-tagger")
    command = (*tagger.command[: at + 1], "-p", *tagger.command[at + 1 :])
    return [*stages[: names.index("apertium-tagger")], Stage(tagger.name, command)]


# One lexical unit of Apertium's stream format (^...$), or an escaped character outside one.
_LEXICAL_UNIT = re.compile(r"\\.|\^((?:\\.|[^$\\])*)\$", re.DOTALL)


def lexical_units(stream: str) -> tuple[str, ...]:
    """The lexical units of a line of Apertium's stream format, without their ``^`` and ``$``."""
    return tuple(match.group(1) for match in _LEXICAL_UNIT.finditer(stream) if match.group(1) is not None)


def _pipeline_commands(script: str, mode_file: Path) -> list[list[str]]:
    """The commands of a mode's shell pipeline, each as its words, the mode's parameters
    (MODE_PARAMETERS) put in. Apertium writes its modes as plain pipelines of quoted words;
    anything else a shell would do (redirections, lists, other variables) is refused."""
    lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    for word in lexer:
        if word == "|":
            commands.append([])
        elif word in MODE_PARAMETERS:
            commands[-1] += MODE_PARAMETERS[word]
        elif word.startswith("$") or all(character in lexer.punctuation_chars for character in word):
            raise EngineUnavailable(f"the Apertium mode {mode_file} uses shell syntax qa does not run ({word!r})")
        else:
            commands[-1].append(word)
    if not all(commands):
        raise EngineUnavailable(f"the Apertium mode {mode_file} has an empty stage")
    return commands


def _stage(words: list[str]) -> Stage:
    """A pipeline stage running ``words``, named after its program."""
    return Stage(Path(words[0]).name, tuple(words))


def to_stream_format(lines: list[str]) -> list[str]:
    """Each line as a block of Apertium's stream format, as ``apertium -u`` feeds its pipeline:
    Apertium's own plain-text deformatter (``apertium-destxt -n``) over all of them at once, cut
    after the superblank that holds each line end."""
    # In line format Apertium drops a line's final full stop unless a space follows it.
    text = "".join(f"{line} \n" for line in lines)
    try:
        made = subprocess.run(["apertium-destxt", "-n"], input=text.encode("utf-8", "replace"),
                              capture_output=True, timeout=60 + len(text) / 10_000)
    except (OSError, subprocess.SubprocessError) as error:
        raise EngineError(f"apertium-destxt does not run ({error}); apt-get install --reinstall apertium") from None
    stderr = made.stderr.decode("utf-8", "replace")
    if made.returncode != 0:
        raise EngineError(f"apertium-destxt failed ({exit_reason(made.returncode)}): {first_line(stderr)}")
    stream = made.stdout.decode("utf-8", "replace")
    cuts = [0, *(match.end() for match in _LINE_END.finditer(stream))]
    if len(cuts) - 1 != len(lines):
        raise EngineError(f"apertium-destxt returned {len(cuts) - 1} lines for {len(lines)} input lines")
    # Without an empty superblank after it, a block whose line has no full stop loses its last
    # words when another block follows ("in the evening" became "en el").
    return [stream[begin:end] + "[]" for begin, end in itertools.pairwise(cuts)]


def from_stream_format(answer: str) -> str:
    """The plain text of one block of the pipeline's answer, its superblanks and escapes undone
    as ``apertium-retxt`` does."""
    text = _STREAM_TEXT.sub(lambda match: match.group(1) if match.group(1) is not None else match.group(2), answer)
    return _answer_line(text, "apertium").strip()


def _utf8_environment() -> dict[str, str]:
    """The environment with a UTF-8 character type, which Apertium's tools need."""
    environment = dict(os.environ)
    if "utf" not in (environment.get("LC_ALL") or environment.get("LC_CTYPE") or environment.get("LANG") or "").lower():
        environment["LC_ALL"] = "C.UTF-8"
    return environment
