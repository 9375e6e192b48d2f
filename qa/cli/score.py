"""``qa score``: sentence pairs in, one JSON line per pair out, in input order."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from qa.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_ENGINE,
    EXIT_FLAGGED,
    close_engine,
    engine_options,
    error_line,
    flagger_options,
    handle_errors,
    load_command_settings,
    note_line,
    parallel_options,
    start_engine,
)
from qa.config import FAIL_ON
from qa.results import fails

# Pairs read and scored at once: memory stays bounded on files of any size.
SCORE_CHUNK_PAIRS = 1000


@click.command("score")
@click.argument("pairs_path", metavar="PAIRS")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read settings from this file instead of the nearest qa.toml / pyproject.toml.")
@click.option("--src-lang", help="Language of the `src` column (default es).")
@click.option("--tgt-lang", help="Language of the `tgt` column (default en).")
@engine_options(with_none=True)
@flagger_options
@parallel_options
@click.option("--fail-on", type=click.Choice(FAIL_ON),
              help="Exit with 1 when a pair is flagged at or above this severity (default error).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr.")
@handle_errors
def score_command(pairs_path, config_file, src_lang, tgt_lang, engine, models, beam_size, threads, device, cache_path,
                  no_cache, threshold, flagger_path, jobs, scheduler, fail_on, quiet):
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
    from qa.distribute import JOB_CHUNK_PAIRS, open_runner
    from qa.progress import RichProgress, terminal_progress
    from qa.run import configured_flagger

    options = {"src_lang": src_lang, "tgt_lang": tgt_lang, "engine": engine, "beam": beam_size, "threads": threads,
               "device": device, "cache": cache_path, "threshold": threshold, "flagger": flagger_path,
               "jobs": jobs, "scheduler": scheduler, "fail_on": fail_on}
    start = None if pairs_path == "-" else pairs_path
    settings = load_command_settings(start, options, config_file=config_file, models=models)
    errors: list = []
    pairs = iter_sentence_pairs(pairs_path, errors)
    # The first chunk is read before any engine starts, so a file that cannot be read fails fast.
    first = list(itertools.islice(pairs, SCORE_CHUNK_PAIRS))
    configured_flagger(settings, "none")  # a bad flagger file fails before any engine starts
    # An input of one chunk runs here: starting worker processes would cost more than it saves.
    spread = bool(first) and (settings.scheduler is not None or len(first) > JOB_CHUNK_PAIRS)
    runner = open_runner(settings.jobs, settings.scheduler) if spread else None
    out = _Output(quiet, settings.fail_on, pairs_path)
    try:
        with terminal_progress(not quiet) as progress, progress.task(
            # Counting the lines reads the file once more: only worth it for a bar someone sees.
            "lines", count_lines(pairs_path) if isinstance(progress, RichProgress) else None
        ) as task:
            every = itertools.chain(first, pairs)
            if runner is None:
                _score_here(every, settings, no_cache, out, progress, task, errors)
            else:
                _score_spread(every, settings, no_cache, runner, out, task, errors)
            out.bad_lines += _report_and_clear(errors)
    except BaseException:
        if runner is not None:
            runner.terminate()  # interrupted, ended or failed: the workers' work is not wanted
        raise
    if runner is not None:
        runner.close()
    if out.counts is not None and not quiet:
        note_line(f"translations: {out.counts[0]} from the cache, {out.counts[1]} computed")
    if out.not_scored:
        sys.exit(EXIT_ENGINE)
    if out.bad_lines:
        sys.exit(EXIT_BAD_INPUT)
    if out.failing:
        sys.exit(EXIT_FLAGGED)


class _Output:
    """What ``qa score`` has printed: the signature once, each note once, the cache figures,
    whether a pair was flagged at or above ``fail_on``, and how many pairs could not be scored."""

    def __init__(self, quiet: bool, fail_on: str, path: str) -> None:
        self.path = path
        self.not_scored = 0
        self.held: list[str] = []  # error lines waiting for the signature line, which comes first
        self.quiet = quiet
        self.fail_on = fail_on
        self.failing = False
        self.signed = False
        self.noted: set[str] = set()
        self.counts: tuple[int, int] | None = None
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

    def results(self, results, last_line: int, task) -> None:
        for result in results:
            click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
            self.failing = self.failing or fails(result.severity if result.flagged else None, self.fail_on)
        task.advance(last_line - self.lines_done)
        self.lines_done = last_line

    def lost(self, pairs, reason: str, task) -> None:
        """An error line in each pair's place on stdout, and one on stderr naming its line."""
        for pair in pairs:
            self.held.append(json.dumps({"id": pair.id, "error": f"not scored: {reason}"}, ensure_ascii=False))
            error_line(f"{self.path}:{pair.line}: not scored: {reason}")
        if self.signed:
            self.release()
        self.not_scored += len(pairs)
        task.advance(pairs[-1].line - self.lines_done)
        self.lines_done = pairs[-1].line

    def count(self, hits: int, misses: int) -> None:
        old = self.counts or (0, 0)
        self.counts = (old[0] + hits, old[1] + misses)


def _score_here(pairs, settings, no_cache, out: _Output, progress, task, errors) -> None:
    """Score in this process, with one engine, a chunk at a time."""
    from qa.run import configured_flagger
    from qa.score import score_pairs
    from qa.signature import make_signature

    cached, cache = start_engine(settings, no_cache=no_cache, quiet=out.quiet)
    try:
        # The flagger's model is the one fitted for the engine actually used, or none.
        flagger = configured_flagger(settings, cached.name if cached is not None else "none")
        missing = flagger.missing_model_note()
        if missing:
            out.note(missing)
        out.signature(make_signature(cached, flagger, settings.src_lang, settings.tgt_lang))
        for chunk in _chunks(pairs, SCORE_CHUNK_PAIRS):
            out.bad_lines += _report_and_clear(errors)
            results = score_pairs(chunk, src_lang=settings.src_lang, tgt_lang=settings.tgt_lang, engine=cached,
                                  flagger=flagger, cache=cache, progress=progress)
            out.results(results, chunk[-1].line, task)
    finally:
        close_engine(cached, cache, quiet=out.quiet)
    if cached is not None:
        out.count(cached.stats.hits, cached.stats.misses)


def _score_spread(pairs, settings, no_cache, runner, out: _Output, task, errors) -> None:
    """Score on ``runner``'s workers, each with its own engine and cache; results in input order."""
    from qa.distribute import JOB_CHUNK_PAIRS, LostChunk, WorkerSetup, spread_scoring

    setup = WorkerSetup(settings, use_cache=not no_cache, threads=runner.threads_per_worker)
    for chunk, done in spread_scoring(_chunks(pairs, JOB_CHUNK_PAIRS), setup, runner):
        for message in runner.take_notes():
            out.note(message)
        out.bad_lines += _report_and_clear(errors)
        if isinstance(done, LostChunk):
            out.lost(chunk, done.reason, task)
            continue
        for message in done.notes:
            out.note(message)
        out.signature(done.signature)
        out.results(done.results, chunk[-1].line, task)
        if settings.engine != "none":
            out.count(done.hits, done.misses)
    out.release()


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    """Consecutive lists of ``size`` items (the last one shorter) until ``items`` runs out."""
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def _report_and_clear(errors: list) -> int:
    """Print each error as one line on stderr, empty the list, and say how many there were."""
    for error in errors:
        error_line(error)
    count = len(errors)
    errors.clear()
    return count
