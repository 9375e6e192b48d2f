"""A long-running pipeline in null-flush mode (Apertium's ``-z``): every NUL-terminated block
written in comes back as one NUL-terminated block, in order, without restarting the pipeline
and reloading its dictionaries for each batch.

Blocks are written by a thread and read by another, so a caller can queue a whole run's blocks
at once, keep several pipelines busy together (one per direction), and take the answers in
order as they come. A pipeline that dies, hangs or answers out of step raises EngineError and is
not used again.

qa starts each stage of a pipeline itself, the stages chained by pipes and all in one process
group of their own, rather than handing the pipeline to a shell: a shell keeps the pipeline's
output open until its every stage has ended, so a stage killed in the middle went unnoticed until
the answer's timeout, and its exit status was lost. Here a stage that ends is seen while the answer
is awaited (within DRAIN_GRACE and STAGE_POLL), and the error names it and its exit status.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from qa.errors import EngineError, first_line

_END = object()  # the pipeline's stdout closed
_STDERR_KEPT = 64 * 1024
# Seconds between two looks at the stages while an answer is awaited.
STAGE_POLL = 0.1
# Seconds the stages after one that ended may take to pass on the answers they still hold before
# the pipeline is declared broken (they end by themselves once their input ends).
DRAIN_GRACE = 0.5
# Seconds a closed pipeline's stages get to exit on their own before they are killed.
CLOSE_GRACE = 2.0


@dataclass(frozen=True)
class Block:
    """One block to send: its text (without the NUL), the seconds its answer may take (counted
    from the previous answer) and what it holds, for the timeout message ("36 lines")."""

    text: str
    timeout: float
    what: str


@dataclass(frozen=True)
class Stage:
    """One program of a pipeline: the name error messages give it (``apertium-transfer``) and
    the command that runs it."""

    name: str
    command: tuple[str, ...]


# Every pipeline of this process not yet stopped, for kill_every_pipeline.
_RUNNING: set[NullFlushProcess] = set()


def kill_every_pipeline() -> None:
    """Kill every stage of every pipeline this process started and has not stopped, without
    waiting: for a process about to exit at once (a worker told to end by SIGTERM)."""
    for pipeline in list(_RUNNING):
        pipeline._signal_stages(signal.SIGKILL)


class NullFlushProcess:
    """One pipeline of ``stages`` answering NUL-terminated blocks, every stage in one process group
    of its own (a timeout, Ctrl-C or SIGTERM kills them all). ``name`` is used in error messages
    ("apertium spa-eng failed ...")."""

    def __init__(self, stages: Sequence[Stage], name: str, *, env: dict[str, str] | None = None) -> None:
        if not stages:
            raise ValueError("a pipeline needs at least one stage")
        self.name = name
        self.stages = tuple(stages)
        self._busy = threading.Lock()
        self._answers: queue.Queue[object] = queue.Queue()
        self._stderr = bytearray()
        self.broken = False
        self._first_ended: float | None = None  # when a stage was first seen to have ended
        self._processes: list[subprocess.Popen] = []
        stderr_read, stderr_write = os.pipe()  # one stderr for every stage, as a shell pipeline has
        try:
            self._start(stderr_write, env)
        except OSError as error:
            self._kill()
            for process in self._processes:
                for pipe in (process.stdin, process.stdout):
                    if pipe is not None:
                        pipe.close()
            os.close(stderr_read)
            raise EngineError(f"{name} could not be started: {error}") from error
        finally:
            os.close(stderr_write)
        _RUNNING.add(self)
        stdin, stdout = self._processes[0].stdin, self._processes[-1].stdout
        assert stdin is not None and stdout is not None
        self._stdin: IO[bytes] = stdin
        self._stdout: IO[bytes] = stdout
        self._stderr_pipe = os.fdopen(stderr_read, "rb")
        self._readers = [
            threading.Thread(target=self._read_answers, args=(self._stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(self._stderr_pipe,), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @property
    def pids(self) -> list[int]:
        """The process ids of the stages, in pipeline order."""
        return [process.pid for process in self._processes]

    def _start(self, stderr: int, env: dict[str, str] | None) -> None:
        """Start the stages, each reading the one before; the first leads their process group."""
        feed: int | IO[bytes] = subprocess.PIPE
        for stage in self.stages:
            group = self._processes[0].pid if self._processes else 0
            process = subprocess.Popen(list(stage.command), stdin=feed, stdout=subprocess.PIPE, stderr=stderr,
                                       env=env, process_group=group)
            if self._processes:
                assert not isinstance(feed, int)
                feed.close()  # the stage holds the pipe now: its end of file is the previous stage's end
            self._processes.append(process)
            assert process.stdout is not None
            feed = process.stdout

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
            self._stdin.close()
        except (OSError, ValueError):
            pass  # close() finds out whether the stages still exit

    def close(self) -> None:
        """Stop the pipeline: end its input so its stages exit, kill them if they do not."""
        self.broken = True
        self.end_input()
        deadline = time.monotonic() + CLOSE_GRACE
        try:
            for process in self._processes:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self._kill()
        _RUNNING.discard(self)
        for reader in self._readers:  # they end at the pipes' end of file, now the stages are gone
            reader.join(timeout=2)
        for pipe in (self._stdout, self._stderr_pipe):
            pipe.close()

    def _next_answer(self, block: Block) -> str:
        waiting_since = time.monotonic()
        deadline = waiting_since + block.timeout
        while True:
            now = time.monotonic()
            if now >= deadline:
                self.broken = True
                self._kill()
                raise EngineError(f"{self.name} took longer than {block.timeout:.3g} s on {block.what}")
            try:
                answer = self._answers.get(timeout=min(STAGE_POLL, deadline - now))
                break
            except queue.Empty:
                if self._quiet_since_a_stage_ended(waiting_since):
                    raise self._failure(output_ended=False) from None
        if answer is _END:
            raise self._failure(output_ended=True)
        assert isinstance(answer, str)
        return answer

    def _quiet_since_a_stage_ended(self, waiting_since: float) -> bool:
        """Whether a stage has ended and no answer has come for DRAIN_GRACE since (nor since the
        wait began): the stages after it have had their time to pass on what they held."""
        if self._first_ended is None:
            if all(process.poll() is None for process in self._processes):
                return False
            self._first_ended = time.monotonic()
        return time.monotonic() - max(self._first_ended, waiting_since) >= DRAIN_GRACE

    def _failure(self, *, output_ended: bool) -> EngineError:
        """Stop a pipeline that can answer no more and say why: the first stage that failed, in
        pipeline order, with its exit status, and the first line of what the stages wrote on
        stderr."""
        self.broken = True
        if output_ended:  # the last stage closed its output: it is exiting
            try:
                self._processes[-1].wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        ended = [(stage, code) for stage, process in zip(self.stages, self._processes, strict=True)
                 if (code := process.poll()) is not None]
        self._kill()
        self._readers[1].join(timeout=2)  # all of stderr: every stage that held it is gone
        said = self._stderr.decode("utf-8", "replace")
        told = f": {first_line(said)}" if said.strip() else ""
        return EngineError(f"{self.name} failed{_how_it_ended(ended)}{told}")

    def _write(self, blocks: Sequence[Block]) -> None:
        try:
            for block in blocks:
                self._stdin.write(block.text.encode("utf-8", "replace") + b"\0")
                self._stdin.flush()
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

    def _signal_stages(self, signum: int) -> None:
        """Send ``signum`` to every stage (their process group), unless every stage is reaped:
        a reaped group's id may be someone else's now."""
        if all(process.returncode is not None for process in self._processes):
            return
        try:
            os.killpg(self._processes[0].pid, signum)
        except OSError:
            for process in self._processes:
                process.send_signal(signum)

    def _kill(self) -> None:
        _RUNNING.discard(self)
        self._signal_stages(signal.SIGKILL)
        for process in self._processes:
            process.wait()


def _how_it_ended(ended: Sequence[tuple[Stage, int]]) -> str:
    """How a pipeline ended, from the stages that had ended (with their exit status) when it
    stopped answering: the first that failed on its own, not of a broken pipe (the stages
    before a dead one die of that when they write to it), else the first that ended at all."""
    failed = [(stage, code) for stage, code in ended if code != 0]
    on_its_own = [(stage, code) for stage, code in failed if not _of_broken_pipe(code)]
    culprit = next(iter(on_its_own or failed or ended), None)
    if culprit is None:
        return " (its output ended early)"
    stage, code = culprit
    return f": stage {stage.name} ended early" if code == 0 else f": stage {stage.name} exited ({exit_reason(code)})"


def _of_broken_pipe(code: int) -> bool:
    return code in (-signal.SIGPIPE, 128 + signal.SIGPIPE)


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
