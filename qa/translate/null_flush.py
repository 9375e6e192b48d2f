"""A long-running pipeline in null-flush mode (Apertium's ``-z``): every NUL-terminated block
written in comes back as one NUL-terminated block, in order, without restarting the pipeline
and reloading its dictionaries for each batch.

Blocks are written by a thread and read by another, so a caller can queue a whole run's blocks
at once, keep several pipelines busy together (one per direction), and take the answers in
order as they come. A pipeline that dies, hangs or answers out of step raises EngineError and is
not used again.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from qa.errors import EngineError, first_line

_END = object()  # the pipeline's stdout closed
_STDERR_KEPT = 64 * 1024


@dataclass(frozen=True)
class Block:
    """One block to send: its text (without the NUL), the seconds its answer may take (counted
    from the previous answer) and what it holds, for the timeout message ("36 lines")."""

    text: str
    timeout: float
    what: str


class NullFlushProcess:
    """One pipeline process (``command``, in its own session) answering NUL-terminated blocks.
    ``name`` is used in error messages ("apertium spa-eng failed ...")."""

    def __init__(self, command: Sequence[str], name: str, *, env: dict[str, str] | None = None) -> None:
        self.name = name
        self._busy = threading.Lock()
        self._answers: queue.Queue[object] = queue.Queue()
        self._stderr = bytearray()
        self.broken = False
        try:
            # Its own session: a timeout or Ctrl-C kills every stage of the pipeline.
            self._process = subprocess.Popen(
                list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=env, start_new_session=True,
            )
        except OSError as error:
            raise EngineError(f"{name} could not be started: {error}") from error
        assert self._process.stdout is not None and self._process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read_answers, args=(self._process.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(self._process.stderr,), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def acquire(self) -> bool:
        """Take the pipeline for one stream of blocks; False when another stream holds it."""
        return not self.broken and self._busy.acquire(blocking=False)

    def stream(self, blocks: Sequence[Block]) -> Answers:
        """Write every block now (from a thread) and return their answers, in order. The caller
        holds the pipeline (``acquire``); it is released once the last answer is read, and
        killed if the answers are closed early or anything goes wrong."""
        threading.Thread(target=self._write, args=(blocks,), daemon=True).start()
        return Answers(self, blocks)

    def end_input(self) -> None:
        """End the pipeline's input so that it starts to exit; :meth:`close` then waits for it.
        Ending several pipelines' input first lets them wind down together."""
        try:
            assert self._process.stdin is not None
            self._process.stdin.close()
        except (OSError, ValueError):
            pass  # close() finds out whether the process still exits

    def close(self) -> None:
        """Stop the pipeline: end its input so it exits, kill it if it does not."""
        self.broken = True
        process = self._process
        try:
            assert process.stdin is not None
            process.stdin.close()
            process.wait(timeout=2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            self._kill()
        for reader in self._readers:  # they end at the pipes' end of file, now the process is gone
            reader.join(timeout=2)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()

    def _next_answer(self, block: Block) -> str:
        try:
            answer = self._answers.get(timeout=block.timeout)
        except queue.Empty:
            self.broken = True
            self._kill()
            raise EngineError(f"{self.name} took longer than {block.timeout:.3g} s on {block.what}") from None
        if answer is _END:
            self.broken = True
            returncode = self._process.wait()
            reason = exit_reason(returncode) if returncode != 0 else "its output ended early"
            raise EngineError(f"{self.name} failed ({reason}): {first_line(self._stderr.decode('utf-8', 'replace'))}")
        assert isinstance(answer, str)
        return answer

    def _write(self, blocks: Sequence[Block]) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        try:
            for block in blocks:
                stdin.write(block.text.encode("utf-8", "replace") + b"\0")
                stdin.flush()
        except (OSError, ValueError):  # the pipeline died or was closed: the reader reports it
            pass

    def _read_answers(self, stdout: IO[bytes]) -> None:
        pending = b""
        while chunk := stdout.read1(1 << 16):  # type: ignore[attr-defined]
            *answers, pending = (pending + chunk).split(b"\0")
            for answer in answers:
                if answer:  # some stages add an empty block when they flush at the end
                    self._answers.put(answer.decode("utf-8", "replace"))
        self._answers.put(_END)

    def _read_stderr(self, stderr: IO[bytes]) -> None:
        while chunk := stderr.read1(1 << 12):  # type: ignore[attr-defined]
            if len(self._stderr) < _STDERR_KEPT:
                self._stderr += chunk

    def _kill(self) -> None:
        if self._process.returncode is not None:  # reaped: its group id may be someone else's now
            return
        try:
            os.killpg(self._process.pid, signal.SIGKILL)
        except OSError:
            self._process.kill()
        self._process.wait()


class Answers(Iterator[str]):
    """The answers to one stream of blocks, in order. Closing it before the last answer (or
    without reading any) kills the pipeline, which cannot be trusted to be in step any more."""

    def __init__(self, process: NullFlushProcess, blocks: Sequence[Block]) -> None:
        self._process = process
        self._waiting = iter(blocks)
        self._open = True

    def __next__(self) -> str:
        block = next(self._waiting, None) if self._open else None
        if block is None:
            self._finish(complete=self._open)
            raise StopIteration
        try:
            answer = self._process._next_answer(block)
        except BaseException:
            self._finish(complete=False)
            raise
        return answer

    def close(self) -> None:
        """Stop reading; the pipeline is killed unless every answer was read."""
        self._finish(complete=next(self._waiting, None) is None if self._open else True)

    def _finish(self, *, complete: bool) -> None:
        if not self._open:
            return
        self._open = False
        if not complete:
            self._process._kill()
            self._process.close()
        self._process._busy.release()


def exit_reason(returncode: int) -> str:
    """A process's exit status in words; a shell reports a stage killed by signal N as 128+N."""
    if returncode < 0:
        return f"killed by signal {-returncode}"
    if 128 < returncode < 128 + 65:
        return f"killed by signal {returncode - 128}"
    return f"exit status {returncode}"
