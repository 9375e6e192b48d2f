"""``qa check`` (the main job), ``qa baseline`` (accept today's flags) and ``qa config`` (the
effective settings). All three read ``qa.toml`` or ``[tool.qa]`` in ``pyproject.toml``; command-line
flags win over the file, the file over the defaults."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click

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


def check_options(command):
    """The options ``qa check`` and ``qa baseline`` share: what to read and how to check it."""
    decorators = [
        click.argument("paths", nargs=-1, required=True, metavar="PATHS..."),
        click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="Read settings from this file instead of the nearest qa.toml / pyproject.toml."),
        click.option("--src-lang", help="Language of the source articles (default es)."),
        click.option("--tgt-lang", help="Language of the translations (default en)."),
        engine_options(with_none=True),
        flagger_options,
        click.option("--changed-since", metavar="REF",
                     help="Check only the article pairs with a file changed since this git ref."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr."),
    ]
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


@dataclass
class _Run:
    """What one configured check produced."""

    report: object
    settings: object
    errors: list
    stats: object | None


def _run_check(paths, options: dict, config_file, changed_since, quiet, no_cache) -> _Run:
    """Load the settings, read and pair the files, check them and drop inline-ignored flags."""
    from qa.baseline import clear_flags, is_inline_ignored
    from qa.changes import affected_pairs, changed_files
    from qa.config import is_ignored, load_settings
    from qa.corpus import discover, read_paths
    from qa.pipeline import check_corpus
    from qa.progress import terminal_progress

    cli_models = options.pop("models")
    settings, _ = load_settings(Path(paths[0]), options, config_file=config_file)
    directions = [(settings.tgt_lang, settings.src_lang), (settings.src_lang, settings.tgt_lang)]
    models = {**settings.models, **parse_model_options(cli_models, directions)}
    flagger = load_configured_flagger(settings.flagger, settings.threshold)

    errors: list = []
    files = [path for path in discover(paths, errors=errors) if not is_ignored(path, settings)]
    corpus = read_paths(files, src_lang=settings.src_lang, tgt_lang=settings.tgt_lang, pairing=settings.pairing)
    errors += corpus.errors
    pairs = corpus.pairs
    if changed_since:
        changes = changed_files(changed_since, settings.root)
        pairs = affected_pairs(pairs, changes.changed)
        if not quiet:
            note_line(f"{len(pairs)} article pair(s) changed since {changed_since}")
    for error in errors:
        error_line(error)

    cached, signature = open_engine(
        engine=settings.engine, models=models, beam_size=settings.beam, threads=settings.threads,
        device=settings.device, cache_path=settings.cache,
        no_cache=no_cache, directions=directions,
    )
    # The flagger's model is the one fitted for the engine actually used, or none.
    flagger = flagger.for_engine(signature["engine"] if signature else "none", f"{settings.src_lang}-{settings.tgt_lang}")
    note_flagger_model(flagger, flagger.engine, flagger.direction)
    try:
        with terminal_progress(not quiet) as progress:
            report = check_corpus(
                pairs, engine=cached, engine_info=signature, flagger=flagger,
                src_lang=settings.src_lang, tgt_lang=settings.tgt_lang, errors=errors, progress=progress,
            )
    finally:
        close_engine(cached, quiet=quiet)
    return _Run(clear_flags(report, is_inline_ignored), settings, errors, cached.stats if cached else None)


def _apply_baseline(report, settings, from_command_line: bool, quiet: bool):
    """The report without the flags the baseline accepts; stale entries listed on stderr."""
    from qa.baseline import apply_baseline, read_baseline

    if settings.baseline is None:
        return report
    if not settings.baseline.exists() and not from_command_line:
        note_line(f"no baseline yet at {settings.baseline} (write one with `qa baseline`)")
        return report
    outcome = apply_baseline(report, read_baseline(settings.baseline), settings.root)
    if not quiet:
        note_line(f"{len(outcome.accepted)} flag(s) accepted by the baseline {settings.baseline}")
    for entry in outcome.stale:
        note_line(f"baseline entry no longer matches: {entry.path}: {entry.signal}: {entry.text!r}")
    return outcome.report


def write_report(path: Path, text: str) -> None:
    """Write a report atomically; InputError naming the file when it cannot be written."""
    from qa.errors import InputError
    from qa.files import write_atomically

    try:
        write_atomically(path, text)
    except OSError as error:
        raise InputError(f"cannot write the report ({error.strerror or error})", str(path)) from None


@click.command("check")
@check_options
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Report only flags not accepted in this file (written by `qa baseline`).")
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)),
              help="Output format (default text).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file; the summary line still goes to the terminal.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]),
              help="Exit with 1 when a passage is flagged at or above this severity (default error).")
@handle_errors
def check_command(paths, config_file, src_lang, tgt_lang, engine, models, beam_size, threads, device, cache_path,
                  no_cache, threshold, flagger_path, changed_since, quiet, baseline, output_format, output, fail_on):
    """Check translated articles in PATHS (files or folders) and report garbled passages.

    qa pairs each source article with its translation (front matter, file names or es/ en/
    folders), aligns their sentences, back-translates, scores every passage and flags the ones
    an editor should review, quoting the source sentence each came from. A paragraph after an
    `<!-- qa: ignore -->` line is never flagged.

    \b
    Exit codes: 0 nothing flagged at or above --fail-on; 1 flagged; 2 bad usage or input;
    3 engine failure.
    """
    options = {
        "src_lang": src_lang, "tgt_lang": tgt_lang, "engine": engine, "models": models, "beam": beam_size,
        "threads": threads, "device": device,
        "threshold": threshold, "flagger": flagger_path, "fail_on": fail_on, "cache": cache_path,
        "baseline": baseline, "format": output_format,
    }
    run = _run_check(paths, options, config_file, changed_since, quiet, no_cache)
    settings = run.settings
    report = _apply_baseline(run.report, settings, baseline is not None, quiet)
    rendered = renderer(settings.format)(report)
    if output:
        write_report(output, rendered)
    else:
        from qa.files import without_lone_surrogates

        click.echo(without_lone_surrogates(rendered), nl=False)
    if run.stats is not None and not quiet:
        note_line(f"translations: {run.stats.hits} from the cache, {run.stats.misses} computed")
    if output or settings.format != "text":
        from qa.report.text import summary_line

        note_line(summary_line(report))
    if run.errors:
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(report.return_code(settings.fail_on))


@click.command("baseline")
@check_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the baseline (default: the configured one, else .qa-baseline.json).")
@handle_errors
def baseline_command(paths, config_file, src_lang, tgt_lang, engine, models, beam_size, threads, device, cache_path,
                     no_cache, threshold, flagger_path, changed_since, quiet, output):
    """Record today's flags in PATHS as accepted, so `qa check --baseline` reports only new ones.

    Flags are recorded by a fingerprint of the passage's text and reason, not its line, so
    they stay accepted through unrelated edits. The file is sorted JSON, friendly to diffs.
    """
    from qa.baseline import build_baseline, write_baseline

    options = {
        "src_lang": src_lang, "tgt_lang": tgt_lang, "engine": engine, "models": models, "beam": beam_size,
        "threads": threads, "device": device,
        "threshold": threshold, "flagger": flagger_path,  "cache": cache_path,
    }
    run = _run_check(paths, options, config_file, changed_since, quiet, no_cache)
    settings = run.settings
    target = output or settings.baseline or settings.root / ".qa-baseline.json"
    baseline = build_baseline(run.report, settings.root)
    write_baseline(baseline, Path(target))
    note_line(f"wrote {target}: {len(baseline.entries)} accepted flag(s)")
    if run.errors:
        sys.exit(EXIT_BAD_INPUT)


@click.command("config")
@click.argument("path", required=False, default=".", metavar="[PATH]")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read this file instead of the nearest qa.toml / pyproject.toml.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@handle_errors
def config_command(path, config_file, output_format):
    """Print the effective configuration for PATH and where each value comes from."""
    import json

    from qa.config import as_dict, describe, load_settings

    settings, sources = load_settings(Path(path), {}, config_file=config_file)
    if output_format == "json":
        click.echo(json.dumps({"settings": as_dict(settings), "sources": sources}, indent=2))
    else:
        click.echo(describe(settings, sources), nl=False)
