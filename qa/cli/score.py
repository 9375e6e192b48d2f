"""``qa score``: sentence pairs in, one JSON line per pair out, in input order."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterator

import click

from qa.cli.check import flagger_options, load_configured_flagger
from qa.cli.common import (
    EXIT_BAD_INPUT,
    close_engine,
    engine_options,
    error_line,
    handle_errors,
    note_flagger_model,
    note_line,
    open_engine,
    parse_model_options,
)

# Pairs read and scored at once: memory stays bounded on files of any size.
SCORE_CHUNK_PAIRS = 1000


@click.command("score")
@click.argument("pairs_path", metavar="PAIRS")
@click.option("--src-lang", default="es", show_default=True, help="Language of the `src` column.")
@click.option("--tgt-lang", default="en", show_default=True, help="Language of the `tgt` column.")
@engine_options(with_none=True)
@flagger_options
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr.")
@handle_errors
def score_command(pairs_path, src_lang, tgt_lang, engine, models, beam_size, threads, device, cache_path, no_cache,
                  threshold, flagger_path, quiet):
    """Score sentence pairs: JSONL with `id`, `src`, `tgt` (or TSV `src<TAB>tgt`).

    Prints one JSON object per pair on stdout, in input order, with the input `id`, `score`,
    `flagged`, `severity`, `reasons` and `signals`. This is how pipelines and evaluations call qa.

    The file is read and scored a chunk of pairs at a time, so a file of any size runs in bounded
    memory and results appear as each chunk is done. A bad line gets one error line on stderr and
    the other pairs are still scored; the exit code is then 2.
    """
    from qa.corpus.pairs import count_lines, iter_sentence_pairs
    from qa.progress import RichProgress, terminal_progress
    from qa.score import score_pairs

    flagger = load_configured_flagger(flagger_path, threshold)
    errors: list = []
    pairs = iter_sentence_pairs(pairs_path, errors)
    # The first chunk is read before any engine starts, so a file that cannot be read fails fast.
    first = list(itertools.islice(pairs, SCORE_CHUNK_PAIRS))
    directions = [(tgt_lang, src_lang), (src_lang, tgt_lang)]
    cached, _ = open_engine(
        engine=engine, models=parse_model_options(models, directions), beam_size=beam_size,
        threads=threads, device=device, cache_path=cache_path, no_cache=no_cache, directions=directions,
    )
    # The flagger's model is the one fitted for the engine actually used, or none.
    flagger = flagger.for_engine(cached.name if cached is not None else "none", f"{src_lang}-{tgt_lang}")
    note_flagger_model(flagger, flagger.engine, flagger.direction)
    bad_lines = 0
    try:
        with terminal_progress(not quiet) as progress, progress.task(
            # Counting the lines reads the file once more: only worth it for a bar someone sees.
            "lines", count_lines(pairs_path) if isinstance(progress, RichProgress) else None
        ) as task:
            lines_done = 0
            for chunk in itertools.chain([first], _chunks(pairs, SCORE_CHUNK_PAIRS)):
                bad_lines += _report_and_clear(errors)
                results = score_pairs(chunk, src_lang=src_lang, tgt_lang=tgt_lang, engine=cached,
                                      flagger=flagger, progress=progress)
                for result in results:
                    click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
                if chunk:
                    task.advance(chunk[-1].line - lines_done)
                    lines_done = chunk[-1].line
            bad_lines += _report_and_clear(errors)
    finally:
        close_engine(cached, quiet=quiet)
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
