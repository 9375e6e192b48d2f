"""A stage of qa's Apertium pipelines: ``apertium-tagger`` that carries nothing from one
NUL-terminated block to the next.

Apertium's HMM tagger (3.8) narrows its open word class in place the first time it meets a word
whose ambiguity class its model lacks (``find_similar_ambiguity_class`` assigns through a
reference to the open class), and tags every later unknown word of the process with the narrowed
class. In a pipeline that lives for a whole run, a sentence's translation would then depend on
the sentences translated before it (about 1 in 70 news sentences changed), so results would
change with the order, the chunking, the number of jobs and what the cache already held.

This stage runs the tagger with ``-d``, which reports each such word on stderr, and starts a new
tagger after any block that reported one. Every block is tagged as a fresh tagger tags it: a
sentence gets the translation ``apertium`` gives it alone. Starting a tagger takes milliseconds
(it loads one small model), where the whole pipeline takes a tenth of a second.

    python -m qa.translate.fresh_tagger apertium-tagger -z -g MODEL
"""

from __future__ import annotations

import io
import os
import select
import signal
import subprocess
import sys
from collections.abc import Generator, Sequence
from typing import IO

# What ``apertium-tagger -d`` writes on stderr when it meets an ambiguity class its model lacks.
NEW_CLASS_WARNING = b"new ambiguity class"
_READ = 65536


class FreshTagger:
    """One ``apertium-tagger`` child at a time, replaced after any block that changed its state."""

    def __init__(self, command: Sequence[str]) -> None:
        # -d only adds warnings on stderr; what the tagger writes on stdout stays the same.
        self.command = [command[0], "-d", *command[1:]]
        self._child = self._start()
        self._said = b""  # the current tagger's stderr while it tagged the last block

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def tag(self, block: bytes) -> bytes:
        """The tagger's answer to one block (without its NUL); a new tagger follows a block that
        reported an unseen ambiguity class. OSError when the tagger stops answering."""
        child = self._child
        assert child.stdin is not None and child.stdout is not None and child.stderr is not None
        child.stdin.write(block + b"\0")
        child.stdin.flush()
        self._said = b""
        try:
            answer, self._said = _read_block(child.stdout, child.stderr)
        except _Ended as ended:
            self._said = ended.said
            raise
        # A warning is written before the block's NUL, so it is in the pipe by now.
        self._said += _available(child.stderr)
        if NEW_CLASS_WARNING in self._said.lower():
            self.close()
            self._child = self._start()
        return answer

    def finish(self, rest: bytes) -> tuple[bytes, int]:
        """Tag the input left after the last NUL, end the tagger and give its output and status."""
        child = self._child
        assert child.stdin is not None and child.stdout is not None
        output, _ = child.communicate(rest)
        return output, child.returncode

    def close(self) -> None:
        """End the current tagger."""
        child = self._child
        assert child.stdin is not None
        child.stdin.close()
        child.wait()
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()

    def failure(self) -> tuple[bytes, int]:
        """End the tagger after a failure: what it said on stderr, and its exit status."""
        child = self._child
        assert child.stdin is not None and child.stderr is not None
        try:
            child.stdin.close()
        except OSError:
            pass
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        return self._said + _available(child.stderr), child.returncode


class _Ended(OSError):
    """The tagger's stdout ended before the block's NUL; ``said`` holds its stderr."""

    def __init__(self, message: str, said: bytes) -> None:
        super().__init__(message)
        self.said = said


def _read_block(stdout: IO[bytes], stderr: IO[bytes]) -> tuple[bytes, bytes]:
    """Read ``stdout`` up to its next NUL, draining ``stderr`` meanwhile so the child never blocks
    on it; the block (without the NUL) and what stderr held. _Ended when stdout ends first."""
    answer, warnings = bytearray(), bytearray()
    out, err = stdout.fileno(), stderr.fileno()
    while True:
        ready, _, _ = select.select([out, err], [], [])
        if err in ready:
            warnings += os.read(err, _READ)
        if out in ready:
            data = os.read(out, _READ)
            if not data:
                raise _Ended("apertium-tagger ended before answering", bytes(warnings))
            answer += data
            end = answer.find(b"\0")
            if end != -1:
                if end != len(answer) - 1:  # the tagger answers one block at a time
                    raise OSError("apertium-tagger answered more than was asked")
                return bytes(answer[:end]), bytes(warnings)


def _available(stream: IO[bytes]) -> bytes:
    """What can be read from ``stream`` now, without waiting."""
    got = bytearray()
    while select.select([stream.fileno()], [], [], 0)[0]:
        data = os.read(stream.fileno(), _READ)
        if not data:
            break
        got += data
    return bytes(got)


def _blocks(stdin: io.BufferedReader) -> Generator[bytes, None, bytes]:
    """The NUL-terminated blocks of ``stdin`` as they arrive, then what follows the last NUL
    (as the generator's return value)."""
    pending = bytearray()
    while data := stdin.read1(_READ):
        pending += data
        while (end := pending.find(b"\0")) != -1:
            yield bytes(pending[:end])
            del pending[: end + 1]
    return bytes(pending)


def main(argv: Sequence[str]) -> int:
    """Run the tagger command ``argv`` as a stage: blocks from stdin, answers to stdout."""
    if not argv:
        sys.stderr.write("usage: python -m qa.translate.fresh_tagger apertium-tagger -z -g MODEL\n")
        return 2
    # A stage whose reader is gone dies of SIGPIPE, as Apertium's own stages do, so that a failure
    # further down the pipeline is the one reported (Python would otherwise exit with status 120).
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        tagger = FreshTagger(argv)
    except OSError as error:
        sys.stderr.write(f"{argv[0]}: {error}\n")
        return 127
    out = sys.stdout.buffer
    blocks = _blocks(sys.stdin.buffer)  # type: ignore[arg-type]  # stdin's buffer is a BufferedReader
    try:
        while True:
            try:
                block = next(blocks)
            except StopIteration as end:
                output, status = tagger.finish(end.value)
                out.write(output)
                out.flush()
                return status
            out.write(tagger.tag(block) + b"\0")
            out.flush()
    except (OSError, ValueError):
        said, status = tagger.failure()
        sys.stderr.buffer.write(said)
        # A tagger killed by signal N: 128 + N, as a shell reports it (an exit status cannot be negative).
        return 128 - status if status < 0 else status or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
