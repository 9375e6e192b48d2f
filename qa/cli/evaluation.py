"""``qa eval`` and ``qa calibrate``: measure the flagger on labelled data, and fit it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qa.cli.common import (
    close_engine,
    engine_options,
    flagger_options,
    handle_errors,
    load_command_settings,
    note_line,
    start_engine,
)

CONFIG_OPTION = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
    help="Read settings from this file instead of the nearest qa.toml / pyproject.toml.",
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


def _judged_directions(paths) -> list[str]:
    from qa.evaluate import load_eval_set

    directions: list[str] = []
    for path in paths:
        data = load_eval_set(path)
        if f"{data.src_lang}-{data.tgt_lang}" not in directions:
            directions.append(f"{data.src_lang}-{data.tgt_lang}")
    return directions


@click.command("eval")
@click.argument("paths", nargs=-1, required=True, metavar="LABELLED...")
@engine_options(with_none=True)
@flagger_options
@CONFIG_OPTION
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="A Markdown table, or one JSON object per file.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr.")
@handle_errors
def eval_command(paths, engine, models, beam_size, threads, device, cache_path, no_cache, threshold, flagger_path,
                 config_file, output_format, quiet):
    """Measure qa on labelled files, held out, next to each single signal.

    \b
    LABELLED files are JSON Lines with `src`, `tgt`, `label` (1 = should be flagged), for which
    the flagger's ROC-AUC (with AP and precision/recall/F1 at the threshold) is printed next to
    the ROC-AUC of each single signal (agreement metrics negated) and the best of them. The
    flagger's figure is never a fit scored on its own data: with two or more labelled files
    given, its model is refitted (same features and L2) on the other files for each one (LOFO);
    a single file it was fitted on gets the held-out figure `qa calibrate` recorded. A WMT12
    `*.segments.jsonl` / `*.preferences.jsonl` file (its partner is found by name) gets the
    segment-level Kendall tau instead. The output opens with the signature (a line of its own
    above the table; with --format json, a first `{"signature": ...}` object).
    """
    from qa.calibrate import evaluate_files
    from qa.evaluate import format_table
    from qa.progress import terminal_progress
    from qa.run import configured_flagger
    from qa.signature import make_signature

    options = {"engine": engine, "beam": beam_size, "threads": threads, "device": device, "cache": cache_path,
               "threshold": threshold, "flagger": flagger_path}
    directions = _directions_of(paths)
    settings = load_command_settings(paths[0], options, config_file=config_file, models=models, directions=directions)
    flagger = configured_flagger(settings, "none")
    cached, cache = start_engine(settings, no_cache=no_cache, quiet=quiet, directions=directions)
    engine_name = cached.name if cached is not None else "none"
    try:
        if not quiet:
            for direction in _judged_directions(paths):
                missing = flagger.missing_model_note(engine_name, direction)
                if missing:
                    note_line(missing)
        with terminal_progress(not quiet) as progress:
            rows = evaluate_files(paths, engine=cached, engine_name=engine_name, flagger=flagger, progress=progress)
        first = _judged_directions(paths)[0].split("-")
        signature = make_signature(cached, flagger.for_engine(engine_name, "-".join(first)), *first)
    finally:
        close_engine(cached, cache, quiet=quiet)
    if output_format == "json":
        from dataclasses import asdict

        click.echo(json.dumps({"signature": signature.to_dict()}, ensure_ascii=False))
        for row in rows:
            click.echo(json.dumps(asdict(row)))
    else:
        click.echo(f"signature: {signature.short()}\n")
        click.echo(format_table([row.table_row() for row in rows]))


def _parse_features(value: str | None) -> list[str] | None:
    if value is None:
        return None
    from qa.errors import InputError
    from qa.flag import FEATURE_SIGNS

    names = [name.strip() for name in value.split(",") if name.strip()]
    for name in names:
        if name not in FEATURE_SIGNS:
            raise InputError(f"--features: {name!r} has no declared direction (known: {', '.join(FEATURE_SIGNS)})")
    return names


@click.command("calibrate")
@click.argument("paths", nargs=-1, required=True, metavar="LABELLED...")
@engine_options(with_none=False)
@click.option("--flagger", "flagger_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Start from this flagger file (its checks, thresholds, prior and other engines' models are kept).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the fitted flagger file (JSON).")
@click.option("--l2", type=click.FloatRange(0), default=None,
              help="Fix the L2 strength instead of choosing it by cross-validation.")
@click.option("--features", metavar="A,B,...", default=None,
              help="Fix the features instead of choosing them by cross-validation.")
@CONFIG_OPTION
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr.")
@handle_errors
def calibrate_command(paths, engine, models, beam_size, threads, device, cache_path, no_cache, flagger_path, output,
                      l2, features, config_file, quiet):
    """Fit the flagger's model for an engine on labelled files and write a flagger file.

    The translation signals (back- and forward-translation chrF, length, unknown words, and with
    MarianMT the log-probabilities) are combined by a monotone logistic regression: agreement
    with the engine can only lower the score, disagreement only raise it. It is fitted on all
    files pooled, each file weighing the same, and stored per direction under `ENGINE:SRC-TGT`;
    the L2 strength and the features are chosen by leave-one-labelled-file-out cross-validation,
    recorded with the held-out ROC-AUC of each file under `fitted_on`. WMT12 ranking sets
    (`*.segments.jsonl`) given too are never fitted on: they judge the settings by the
    flagger's agreement with human preferences. The model-free checks
    keep their confidences and the thresholds are kept. Use the file with `--flagger`.
    """
    from qa.calibrate import calibrate, score_labelled, score_ranking
    from qa.evaluate import LabelledSet, load_eval_set
    from qa.flag import flagger_to_dict, load_flagger
    from qa.progress import terminal_progress

    chosen_features = _parse_features(features)
    directions = _directions_of(paths)
    options = {"engine": engine, "beam": beam_size, "threads": threads, "device": device, "cache": cache_path,
               "flagger": flagger_path}
    settings = load_command_settings(paths[0], options, config_file=config_file, models=models, directions=directions)
    if settings.engine == "none":
        from qa.errors import InputError

        raise InputError("qa calibrate fits the model of an engine: engine none (from the settings) has none")
    base = load_flagger(settings.flagger)
    cached, cache = start_engine(settings, no_cache=no_cache, quiet=quiet, directions=directions)
    engine_name = cached.name
    loaded = [(path, load_eval_set(path)) for path in paths]
    bound = base.for_engine(engine_name)
    try:
        with terminal_progress(not quiet) as progress:
            files = [score_labelled(data, engine=cached, flagger=bound, progress=progress, name=Path(path).name)
                     for path, data in loaded if isinstance(data, LabelledSet)]
            rankings = [score_ranking(data, engine=cached, flagger=bound, progress=progress)
                        for _, data in loaded if not isinstance(data, LabelledSet)]
    finally:
        close_engine(cached, cache, quiet=quiet)
    fitted, record = calibrate(files, base=base, engine=engine_name, features=chosen_features, l2=l2,
                               rankings=rankings)
    document = flagger_to_dict(fitted)
    document = {"comment": f"Written by qa calibrate (engine {engine_name}) on the labelled files named in fitted_on; "
                           "checks and thresholds set by hand (see README).", **document}
    output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    chosen = ", ".join(record["features"]) or "none"
    note_line(f"wrote {output}: features {chosen}, l2 {record['l2']}, fitted on "
              + ", ".join(f"{n} pairs of {name}" for name, n in record["pairs"].items()))
    for name, figures in (record.get("cv") or {}).items():
        note_line(f"held out {name}: flagger ROC-AUC {figures['flagger_auc']:.3f}, best single signal "
                  f"{figures['best_single_signal']} {figures['best_single_auc']:.3f}")
    for name, tau in (record.get("rankings") or {}).items():
        note_line(f"ranking set {name} (never fitted on): Kendall tau {tau:.3f}")
