"""``qa score``: sentence pairs in, one JSON line per pair out, in input order."""

from __future__ import annotations

import json

import click

from qa.cli.check import flagger_options, load_configured_flagger
from qa.cli.common import engine_options, handle_errors, note_line, open_engine, parse_model_options


@click.command("score")
@click.argument("pairs_path", metavar="PAIRS")
@click.option("--src-lang", default="es", show_default=True, help="Language of the `src` column.")
@click.option("--tgt-lang", default="en", show_default=True, help="Language of the `tgt` column.")
@engine_options(with_none=True)
@flagger_options
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr.")
@handle_errors
def score_command(pairs_path, src_lang, tgt_lang, engine, models, beam_size, cache_path, no_cache,
                  threshold, flagger_path, quiet):
    """Score sentence pairs: JSONL with `id`, `src`, `tgt` (or TSV `src<TAB>tgt`).

    Prints one JSON object per pair on stdout, in input order, with the input `id`, `score`,
    `flagged`, `severity`, `reasons` and `signals`. This is how pipelines and evaluations call qa.
    """
    from qa.corpus.pairs import read_sentence_pairs
    from qa.progress import terminal_progress
    from qa.score import score_pairs

    flagger = load_configured_flagger(flagger_path, threshold)
    pairs = read_sentence_pairs(pairs_path)
    directions = [(tgt_lang, src_lang), (src_lang, tgt_lang)]
    cached, _ = open_engine(
        engine=engine, models=parse_model_options(models, directions), beam_size=beam_size,
        cache_path=cache_path, no_cache=no_cache, directions=directions,
    )
    try:
        with terminal_progress(not quiet) as progress:
            results = score_pairs(pairs, src_lang=src_lang, tgt_lang=tgt_lang, engine=cached,
                                  flagger=flagger, progress=progress)
    finally:
        if cached is not None:
            cached.close()
    for result in results:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    if cached is not None and not quiet:
        note_line(f"translations: {cached.stats.hits} from the cache, {cached.stats.misses} computed")
