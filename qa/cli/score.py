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
    close_engine,
    engine_options,
    error_line,
    flagger_options,
    handle_errors,
    load_command_settings,
    note_line,
    start_engine,
)

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
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr.")
@handle_errors
def score_command(pairs_path, config_file, src_lang, tgt_lang, engine, models, beam_size, threads, device, cache_path,
                  no_cache, threshold, flagger_path, quiet):
    """Score sentence pairs: JSONL with `id`, `src`, `tgt` (or TSV `src<TAB>tgt`).

    Prints one JSON object per pair on stdout, in input order, with the input `id`, `score`,
    `flagged`, `severity`, `reasons` and `signals`, after a first line holding the signature
    (`{"signature": ...}`). This is how pipelines and evaluations call qa. Settings not given
    as flags come from the nearest qa.toml / `[tool.qa]`, as for `qa check`.

    The file is read and scored a chunk of pairs at a time, so a file of any size runs in bounded
    memory and results appear as each chunk is done. A bad line gets one error line on stderr and
    the other pairs are still scored; the exit code is then 2.
    """
    from qa.corpus.pairs import count_lines, iter_sentence_pairs
    from qa.progress import RichProgress, terminal_progress
    from qa.run import configured_flagger
    from qa.score import score_pairs
    from qa.signature import make_signature

    options = {"src_lang": src_lang, "tgt_lang": tgt_lang, "engine": engine, "beam": beam_size, "threads": threads,
               "device": device, "cache": cache_path, "threshold": threshold, "flagger": flagger_path}
    start = None if pairs_path == "-" else pairs_path
    settings = load_command_settings(start, options, config_file=config_file, models=models)
    src_lang, tgt_lang = settings.src_lang, settings.tgt_lang
    errors: list = []
    pairs = iter_sentence_pairs(pairs_path, errors)
    # The first chunk is read before any engine starts, so a file that cannot be read fails fast.
    first = list(itertools.islice(pairs, SCORE_CHUNK_PAIRS))
    flagger = configured_flagger(settings, "none")  # a bad flagger file fails before any engine starts
    cached, cache = start_engine(settings, no_cache=no_cache, quiet=quiet)
    bad_lines = 0
    try:
        # The flagger's model is the one fitted for the engine actually used, or none.
        flagger = flagger.for_engine(cached.name if cached is not None else "none", flagger.direction)
        if not quiet and flagger.missing_model_note():
            note_line(flagger.missing_model_note())
        click.echo(json.dumps({"signature": make_signature(cached, flagger, src_lang, tgt_lang).to_dict()},
                              ensure_ascii=False))
        with terminal_progress(not quiet) as progress, progress.task(
            # Counting the lines reads the file once more: only worth it for a bar someone sees.
            "lines", count_lines(pairs_path) if isinstance(progress, RichProgress) else None
        ) as task:
            lines_done = 0
            for chunk in itertools.chain([first], _chunks(pairs, SCORE_CHUNK_PAIRS)):
                bad_lines += _report_and_clear(errors)
                results = score_pairs(chunk, src_lang=src_lang, tgt_lang=tgt_lang, engine=cached,
                                      flagger=flagger, cache=cache, progress=progress)
                for result in results:
                    click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
                if chunk:
                    task.advance(chunk[-1].line - lines_done)
                    lines_done = chunk[-1].line
            bad_lines += _report_and_clear(errors)
    finally:
        close_engine(cached, cache, quiet=quiet)
    if cached is not None and not quiet:
        note_line(f"translations: {cached.stats.hits} from the cache, {cached.stats.misses} computed")
    if bad_lines:
        sys.exit(EXIT_BAD_INPUT)


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
