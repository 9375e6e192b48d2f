"""``qa eval`` and ``qa calibrate``: measure the flagger on labelled data, and fit it."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from qa.cli.common import (
    EngineFlags,
    flagger_options,
    grouped_engine_options,
    handle_errors,
    load_command_settings,
    note_line,
)
from qa.errors import InputError

CONFIG_OPTION = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
    help="Read settings from this file instead of the nearest qa.toml / pyproject.toml.",
)


def _quiet_note(_: object) -> None:
    """A note nobody asked to hear (``--quiet``)."""


@click.command("eval")
@click.argument("paths", nargs=-1, required=True, metavar="LABELLED...")
@grouped_engine_options(with_none=True)
@flagger_options
@CONFIG_OPTION
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="A Markdown table, or one JSON object per file.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr.")
@handle_errors
def eval_command(paths: tuple[str, ...], engine_flags: EngineFlags, threshold: float | None, flagger_path: Path | None,
                 config_file: Path | None, output_format: str, quiet: bool) -> None:
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
    from qa.calibrate import evaluate_in
    from qa.evaluate import directions_of, format_table, judged_directions, load_eval_sets
    from qa.progress import terminal_progress
    from qa.session import Session

    loaded = load_eval_sets(paths)
    sets = [data for _, data in loaded]
    directions = directions_of(sets)
    options = {**engine_flags.settings_options(), "threshold": threshold, "flagger": flagger_path}
    settings = load_command_settings(paths[0], options, config_file=config_file, models=engine_flags.models,
                                     directions=directions)
    with (
        Session.open(settings, cache=not engine_flags.no_cache, directions=directions,
                     judged=judged_directions(sets), note=_quiet_note if quiet else note_line) as session,
        terminal_progress(not quiet) as progress,
    ):
        evaluation = evaluate_in(session, loaded, progress=progress)
    if output_format == "json":
        click.echo(json.dumps({"signature": evaluation.signature.to_dict()}, ensure_ascii=False))
        for row in evaluation.rows:
            click.echo(json.dumps(asdict(row)))
    else:
        click.echo(f"signature: {evaluation.signature.short()}\n")
        click.echo(format_table([row.table_row() for row in evaluation.rows]))


def _parse_features(value: str | None) -> list[str] | None:
    """``--features A,B`` as a list of names, each with a declared direction (InputError if not)."""
    if value is None:
        return None
    from qa.flag import FEATURE_SIGNS

    names = [name.strip() for name in value.split(",") if name.strip()]
    for name in names:
        if name not in FEATURE_SIGNS:
            raise InputError(f"--features: {name!r} has no declared direction (known: {', '.join(FEATURE_SIGNS)})")
    return names


@click.command("calibrate")
@click.argument("paths", nargs=-1, required=True, metavar="LABELLED...")
@grouped_engine_options(with_none=False)
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
def calibrate_command(paths: tuple[str, ...], engine_flags: EngineFlags, flagger_path: Path | None, output: Path,
                      l2: float | None, features: str | None, config_file: Path | None, quiet: bool) -> None:
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
    from qa.calibrate import NO_ENGINE_TO_FIT, calibrate_scored, score_sets, write_flagger
    from qa.evaluate import directions_of, load_eval_sets
    from qa.progress import terminal_progress
    from qa.session import Session

    chosen_features = _parse_features(features)
    loaded = load_eval_sets(paths)
    directions = directions_of([data for _, data in loaded])
    options = {**engine_flags.settings_options(), "flagger": flagger_path}
    settings = load_command_settings(paths[0], options, config_file=config_file, models=engine_flags.models,
                                     directions=directions)
    if settings.engine == "none":
        raise InputError(NO_ENGINE_TO_FIT)
    with (
        Session.open(settings, cache=not engine_flags.no_cache, directions=directions, judged=(),
                     note=_quiet_note if quiet else note_line, allow_none=False, threshold=False) as session,
        terminal_progress(not quiet) as progress,
    ):
        scored = score_sets(session, loaded, progress=progress)
    calibration = calibrate_scored(scored, features=chosen_features, l2=l2)
    write_flagger(calibration.document, output)
    record = calibration.record
    chosen = ", ".join(record["features"]) or "none"
    note_line(f"wrote {output}: features {chosen}, l2 {record['l2']}, fitted on "
              + ", ".join(f"{n} pairs of {name}" for name, n in record["pairs"].items()))
    for name, figures in (record.get("cv") or {}).items():
        note_line(f"held out {name}: flagger ROC-AUC {figures['flagger_auc']:.3f}, best single signal "
                  f"{figures['best_single_signal']} {figures['best_single_auc']:.3f}")
    for name, tau in (record.get("rankings") or {}).items():
        note_line(f"ranking set {name} (never fitted on): Kendall tau {tau:.3f}")
