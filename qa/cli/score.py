"""``qa score``: sentence pairs in, one JSON line per pair out, in input order.

The scoring is the library's (:func:`qa.run.score_stream`); this command parses, prints and exits.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import click

from qa.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_ENGINE,
    EXIT_FLAGGED,
    EngineFlags,
    error_line,
    flagger_options,
    grouped_engine_options,
    handle_errors,
    load_command_settings,
    note_line,
    parallel_options,
)
from qa.config import FAIL_ON
from qa.results import fails


@click.command("score")
@click.argument("pairs_path", metavar="PAIRS")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read settings from this file instead of the nearest qa.toml / pyproject.toml.")
@click.option("--src-lang", help="Language of the `src` column (default es).")
@click.option("--tgt-lang", help="Language of the `tgt` column (default en).")
@grouped_engine_options(with_none=True)
@flagger_options
@parallel_options
@click.option("--fail-on", type=click.Choice(FAIL_ON),
              help="Exit with 1 when a pair is flagged at or above this severity (default error).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr.")
@handle_errors
def score_command(pairs_path, config_file, src_lang, tgt_lang, engine_flags: EngineFlags, threshold, flagger_path,
                  jobs, scheduler, fail_on, quiet):
    """Score sentence pairs: JSONL with `id`, `src`, `tgt` (or TSV `src<TAB>tgt`).

    Prints one JSON object per pair on stdout, in input order, with the input `id`, `score`,
    `flagged`, `severity`, `reasons` and `signals`, after a first line holding the signature
    (`{"signature": ...}`). This is how pipelines and evaluations call qa. Settings not given
    as flags come from the nearest qa.toml / `[tool.qa]`, as for `qa check`.

    The file is read and scored a chunk of pairs at a time, so a file of any size runs in bounded
    memory and results appear as each chunk is done. Chunks are spread over `--jobs` local
    processes, or over a Dask cluster's workers with `--scheduler`; the output is the same. A bad
    line gets one error line on stderr and the other pairs are still scored. A pair that could
    not be scored (its local worker process died twice) gets a line with its `id` and an `error`
    in its place, and one error line on stderr.

    \b
    Exit codes: 0 no pair flagged at or above --fail-on; 1 flagged; 2 a bad line or bad usage;
    3 engine failure, or a pair not scored.
    """
    from qa.corpus.pairs import count_lines, iter_sentence_pairs
    from qa.progress import RichProgress, terminal_progress
    from qa.run import NotScored, score_stream

    options = {"src_lang": src_lang, "tgt_lang": tgt_lang, **engine_flags.settings_options(), "threshold": threshold,
               "flagger": flagger_path, "jobs": jobs, "scheduler": scheduler, "fail_on": fail_on}
    start = None if pairs_path == "-" else pairs_path
    settings = load_command_settings(start, options, config_file=config_file, models=engine_flags.models)
    errors: list = []
    lines: deque[int] = deque()  # the lines of the pairs read and not yet printed, for the progress bar

    def pairs() -> Iterator:
        for pair in iter_sentence_pairs(pairs_path, errors):
            lines.append(pair.line)
            yield pair

    out = _Output(quiet, settings.fail_on, pairs_path)
    with terminal_progress(not quiet) as progress, progress.task(
        # Counting the lines reads the file once more: only worth it for a bar someone sees.
        "lines", count_lines(pairs_path) if isinstance(progress, RichProgress) else None
    ) as task:
        stream = score_stream(pairs(), settings, cache=not engine_flags.no_cache, progress=progress, note=out.note)
        try:
            for item in stream:
                out.bad_lines += _report_and_clear(errors)
                if stream.signature is not None:
                    out.signature(stream.signature)
                if isinstance(item, NotScored):
                    out.lost(item)
                else:
                    out.result(item)
                out.advance(lines.popleft(), task)
        finally:
            stream.close()
            if stream.signature is not None:  # signed even when nothing was scored, or scoring failed
                out.signature(stream.signature)
        out.bad_lines += _report_and_clear(errors)
    out.release()
    if stream.stats is not None and not quiet:
        note_line(f"translations: {stream.stats.hits} from the cache, {stream.stats.misses} computed")
    if out.not_scored:
        sys.exit(EXIT_ENGINE)
    if out.bad_lines:
        sys.exit(EXIT_BAD_INPUT)
    if out.failing:
        sys.exit(EXIT_FLAGGED)


class _Output:
    """What ``qa score`` has printed: the signature once and first, each note once, whether a
    pair was flagged at or above ``fail_on``, and how many pairs could not be scored."""

    def __init__(self, quiet: bool, fail_on: str, path: str) -> None:
        self.path = path
        self.not_scored = 0
        self.held: list[str] = []  # error lines waiting for the signature line, which comes first
        self.quiet = quiet
        self.fail_on = fail_on
        self.failing = False
        self.signed = False
        self.noted: set[str] = set()
        self.bad_lines = 0
        self.lines_done = 0

    def note(self, message: str) -> None:
        if not self.quiet and message not in self.noted:
            self.noted.add(message)
            note_line(message)

    def signature(self, signature) -> None:
        if not self.signed:
            self.signed = True
            click.echo(json.dumps({"signature": signature.to_dict()}, ensure_ascii=False))
            self.release()

    def release(self) -> None:
        """Print the error lines held for want of a signature (none comes when no pair was scored)."""
        for line in self.held:
            click.echo(line)
        self.held.clear()

    def result(self, result) -> None:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        self.failing = self.failing or fails(result.severity if result.flagged else None, self.fail_on)

    def lost(self, item) -> None:
        """An error line in the pair's place on stdout, and one on stderr naming its line."""
        self.held.append(json.dumps(item.to_dict(), ensure_ascii=False))
        error_line(f"{self.path}:{item.line}: not scored: {item.reason}")
        if self.signed:
            self.release()
        self.not_scored += 1

    def advance(self, line: int, task) -> None:
        """Move the bar to the line of the pair just printed."""
        task.advance(line - self.lines_done)
        self.lines_done = line


def _report_and_clear(errors: list) -> int:
    """Print each error as one line on stderr, empty the list, and say how many there were."""
    for error in errors:
        error_line(error)
    count = len(errors)
    errors.clear()
    return count
