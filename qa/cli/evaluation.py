"""``qa eval`` and ``qa calibrate``: measure the flagger on labelled data, and fit it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qa.cli.check import flagger_options, load_configured_flagger
from qa.cli.common import (
    close_engine,
    engine_options,
    handle_errors,
    note_line,
    open_engine,
    parse_model_options,
)


def _directions_of(paths) -> list[tuple[str, str]]:
    from qa.evaluate import load_eval_set

    directions: list[tuple[str, str]] = []
    for path in paths:
        data = load_eval_set(path)
        for direction in ((data.src_lang, data.tgt_lang), (data.tgt_lang, data.src_lang)):
            if direction not in directions:
                directions.append(direction)
    return directions


@click.command("eval")
@click.argument("paths", nargs=-1, required=True, metavar="LABELLED...")
@engine_options(with_none=True)
@flagger_options
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="A Markdown table, or one JSON object per file.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr.")
@handle_errors
def eval_command(paths, engine, models, beam_size, threads, device, cache_path, no_cache, threshold, flagger_path,
                 output_format, quiet):
    """Measure qa on labelled files next to two baselines (back-translation chrF, length ratio).

    \b
    LABELLED files are JSON Lines with `src`, `tgt`, `label` (1 = should be flagged), for which
    ROC-AUC, average precision and precision/recall/F1 at the threshold are printed; or a WMT12
    `*.segments.jsonl` / `*.preferences.jsonl` file (its partner is found by name), for which the
    segment-level Kendall tau is printed.
    """
    from qa.calibrate import evaluate_file
    from qa.evaluate import format_table
    from qa.progress import terminal_progress

    flagger = load_configured_flagger(flagger_path, threshold)
    directions = _directions_of(paths)
    cached, _ = open_engine(engine=engine, models=parse_model_options(models, directions), beam_size=beam_size,
                            threads=threads, device=device, cache_path=cache_path, no_cache=no_cache,
                            directions=directions)
    rows = []
    try:
        with terminal_progress(not quiet) as progress:
            for path in paths:
                rows.append(evaluate_file(path, engine=cached, flagger=flagger, progress=progress))
    finally:
        close_engine(cached, quiet=quiet)
    if output_format == "json":
        from dataclasses import asdict

        for row in rows:
            click.echo(json.dumps(asdict(row)))
    else:
        click.echo(format_table(rows))
    note_line(f"flagger {flagger.source}, thresholds {dict(flagger.thresholds)}")


@click.command("calibrate")
@click.argument("paths", nargs=-1, required=True, metavar="LABELLED...")
@engine_options(with_none=False)
@click.option("--flagger", "flagger_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Start from this flagger file (its checks and thresholds are kept).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the fitted flagger file (JSON).")
@click.option("--l2", type=click.FloatRange(0), default=1.0, show_default=True,
              help="Strength of the L2 penalty of the logistic regression.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr.")
@handle_errors
def calibrate_command(paths, engine, models, beam_size, threads, device, cache_path, no_cache, flagger_path, output,
                      l2, quiet):
    """Fit the flagger's weights on labelled files and write them to a flagger file.

    The translation signals (back- and forward-translation chrF, BLEU, TER, log-probabilities)
    are combined by a logistic regression fitted here; the model-free checks keep their
    confidences and the thresholds are kept. Use the file with `--flagger`.
    """
    from qa.calibrate import fit_flagger
    from qa.flag import flagger_to_dict, load_flagger
    from qa.progress import terminal_progress

    base = load_flagger(flagger_path)
    directions = _directions_of(paths)
    cached, signature = open_engine(engine=engine, models=parse_model_options(models, directions), beam_size=beam_size,
                                    threads=threads, device=device, cache_path=cache_path, no_cache=no_cache,
                            directions=directions)
    try:
        with terminal_progress(not quiet) as progress:
            fitted, count = fit_flagger(paths, engine=cached, base=base, l2=l2, progress=progress)
    finally:
        close_engine(cached, quiet=quiet)
    document = flagger_to_dict(fitted)
    document["fitted_on"] = {"files": [Path(p).name for p in paths], "pairs": count,
                             "engine": signature["engine"], "l2": l2}
    output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    note_line(f"wrote {output} (fitted on {', '.join(f'{n} {d} pairs' for d, n in count.items())})")
