"""``qa check``: the main job. Read, pair, align, translate, score and flag whole articles."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qa.cli.common import engine_options, error_line, handle_errors, note_line, open_engine
from qa.report import FORMATS, renderer


def flagger_options(command):
    """``--threshold`` and ``--flagger``, shared by commands that flag."""
    command = click.option(
        "--flagger", "flagger_path", type=click.Path(dir_okay=False, path_type=Path),
        help="Weights and thresholds file written by `qa calibrate` (default: the packaged one).",
    )(command)
    return click.option(
        "--threshold", type=click.FloatRange(0, 1),
        help="Flag segments whose garble score reaches this (default: the flagger's info threshold).",
    )(command)


def load_configured_flagger(flagger_path: Path | None, threshold: float | None):
    """The flagger from a file or the default, with the threshold overridden when given."""
    from qa.flag import load_flagger

    flagger = load_flagger(flagger_path)
    return flagger.with_threshold(threshold) if threshold is not None else flagger


@click.command("check")
@click.argument("paths", nargs=-1, required=True, metavar="PATHS...")
@click.option("--src-lang", default="es", show_default=True, help="Language of the source articles.")
@click.option("--tgt-lang", default="en", show_default=True, help="Language of the translations.")
@engine_options(with_none=True)
@flagger_options
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)), default="text",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of stdout.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]), default="error",
              show_default=True, help="Exit with 1 when a passage is flagged at or above this severity.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr.")
@handle_errors
def check_command(paths, src_lang, tgt_lang, engine, models, beam_size, cache_path, no_cache,
                  threshold, flagger_path, output_format, output, fail_on, quiet):
    """Check translated articles in PATHS (files or folders) and report garbled passages.

    qa pairs each source article with its translation (front matter, file names or es/ en/
    folders), aligns their sentences, back-translates, scores every passage and flags the ones
    an editor should review, quoting the source sentence each came from.

    \b
    Exit codes: 0 nothing flagged at or above --fail-on; 1 flagged; 2 bad usage or input;
    3 engine failure.
    """
    from qa.pipeline import check_corpus
    from qa.corpus import read_paths
    from qa.progress import terminal_progress

    flagger = load_configured_flagger(flagger_path, threshold)
    corpus = read_paths(paths, src_lang=src_lang, tgt_lang=tgt_lang)
    for error in corpus.errors:
        error_line(error)
    cached, signature = open_engine(
        engine=engine, models=models, beam_size=beam_size, cache_path=cache_path, no_cache=no_cache,
        directions=[(tgt_lang, src_lang), (src_lang, tgt_lang)],
    )
    try:
        with terminal_progress(not quiet) as progress:
            report = check_corpus(
                corpus.pairs, engine=cached, engine_info=signature, flagger=flagger,
                src_lang=src_lang, tgt_lang=tgt_lang, errors=corpus.errors, progress=progress,
            )
    finally:
        if cached is not None:
            cached.close()
    rendered = renderer(output_format)(report)
    if output:
        output.write_text(rendered, encoding="utf-8")
    else:
        click.echo(rendered, nl=False)
    if cached is not None and not quiet:
        stats = cached.stats
        note_line(f"translations: {stats.hits} from the cache, {stats.misses} computed")
    if output and output_format != "text":
        from qa.report.text import summary_line

        note_line(summary_line(report))
    if corpus.errors:
        sys.exit(2)
    sys.exit(report.return_code(fail_on))
