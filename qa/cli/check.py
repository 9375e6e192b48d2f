"""``qa check`` (the main job), ``qa baseline`` (accept today's flags) and ``qa config`` (the
effective settings). All three read ``qa.toml`` or ``[tool.qa]`` in ``pyproject.toml``; command-line
flags win over the file, the file over the defaults."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qa.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_ENGINE,
    engine_options,
    error_line,
    flagger_options,
    handle_errors,
    load_command_settings,
    note_line,
    parallel_options,
)
from qa.config import FAIL_ON
from qa.report import FORMATS, renderer


def check_options(command):
    """The options ``qa check`` and ``qa baseline`` share: what to read and how to check it."""
    decorators = [
        click.argument("paths", nargs=-1, required=True, metavar="PATHS..."),
        click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="Read settings from this file instead of the repository root's qa.toml / pyproject.toml."),
        click.option("--src-lang", help="Language of the source articles (default es)."),
        click.option("--tgt-lang", help="Language of the translations (default en)."),
        engine_options(with_none=True),
        flagger_options,
        parallel_options,
        click.option("--changed-since", metavar="REF",
                     help="Check only the article pairs with a file changed since this git ref."),
        click.option("--allow-empty", is_flag=True,
                     help="Files found but all ignored by qa.toml's ignore patterns is no error (exit 0)."),
        click.option("--follow-symlinks", is_flag=True,
                     help="Read linked files that lie outside the repository or in a hidden folder (linked "
                          "folders are never walked)."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar or notes on stderr."),
    ]
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


def configured_run(paths, options: dict, *, config_file, changed_since, quiet, no_cache, use_baseline=True,
                   baseline_ref=None):
    """Load the settings (flags over the file over the defaults) and run qa.run's check,
    printing its notes (unless quiet) and errors on stderr as they come."""
    from qa.progress import terminal_progress
    from qa.run import run_check

    cli_models = options.pop("models")
    settings = load_command_settings(paths[0], options, config_file=config_file, models=cli_models, checked=paths)
    with terminal_progress(not quiet) as progress:
        return run_check(
            paths, settings, cache=not no_cache, changed_since=changed_since, use_baseline=use_baseline,
            baseline_required=options.get("baseline") is not None, baseline_ref=baseline_ref, progress=progress,
            note=(lambda message: None) if quiet else note_line, error=error_line,
        )


def checked_output(written: str | None, paths, *, follow_symlinks: bool = False) -> Path | None:
    """The ``-o`` file, refused before the check runs when it is a folder, in a folder that does
    not exist, or one of the files being checked (found as the check finds them, through no
    link it would not follow); None for stdout (no ``-o``, or ``-o -``)."""
    if written is None or written == "-":
        return None
    from qa.corpus import discover
    from qa.errors import InputError
    from qa.files import output_path

    try:
        return output_path(written, discover(paths, errors=[], follow_symlinks=follow_symlinks))
    except ValueError as reason:
        raise InputError(f"cannot write the output there: it {reason}", written) from None


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
@click.option("--baseline-ref", metavar="REF",
              help="Read the baseline as this git ref holds it (e.g. origin/main), not from the working tree, "
                   "so a pull request cannot accept its own flags.")
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)),
              help="Output format (default text).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the report to this file (- for stdout); the summary line still goes to the terminal.")
@click.option("--fail-on", type=click.Choice(FAIL_ON),
              help="Exit with 1 when a passage is flagged at or above this severity (default error).")
@handle_errors
def check_command(paths, config_file, src_lang, tgt_lang, engine, models, beam_size, threads, device, cache_path,
                  no_cache, threshold, flagger_path, jobs, scheduler, changed_since, allow_empty, follow_symlinks, quiet,
                  baseline, baseline_ref, output_format, output, fail_on):
    """Check translated articles in PATHS (files or folders; - reads one from stdin) and report
    garbled passages.

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
        "baseline": baseline, "format": output_format, "jobs": jobs, "scheduler": scheduler,
        "allow_empty": allow_empty, "follow_symlinks": follow_symlinks,
    }
    output = checked_output(output, paths, follow_symlinks=follow_symlinks)
    run = configured_run(paths, options, config_file=config_file, changed_since=changed_since, quiet=quiet,
                         no_cache=no_cache, baseline_ref=baseline_ref)
    settings, report = run.settings, run.report
    if settings.format == "text" and not output:
        from qa.report.text import render_text

        # A person at a terminal reads the counts; captured output keeps the signed line.
        rendered = render_text(report, signed=not sys.stdout.isatty())
    else:
        rendered = renderer(settings.format)(report)
    if output:
        write_report(output, rendered)
    else:
        from qa.files import without_lone_surrogates

        click.echo(without_lone_surrogates(rendered), nl=False)
    if run.stats is not None and not quiet:
        note_line(f"translations: {run.stats.hits} from the cache, {run.stats.misses} computed")
    if output or settings.format not in ("text", "github"):  # text and github print it on stdout
        from qa.report.text import summary_line

        note_line(summary_line(report, signed=not sys.stderr.isatty()))
    for line in run.lost:
        error_line(line)
    if run.lost:
        sys.exit(EXIT_ENGINE)
    if run.errors:
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(report.return_code(settings.fail_on))


@click.command("baseline")
@check_options
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Where to write the baseline (default: the configured one, else .qa-baseline.json).")
@handle_errors
def baseline_command(paths, config_file, src_lang, tgt_lang, engine, models, beam_size, threads, device, cache_path,
                     no_cache, threshold, flagger_path, jobs, scheduler, changed_since, allow_empty, follow_symlinks,
                     quiet, output):
    """Record today's flags in PATHS as accepted, so `qa check --baseline` reports only new ones.

    Flags are recorded by a fingerprint of the passage's text and reason, not its line, so
    they stay accepted through unrelated edits. The file is sorted JSON, friendly to diffs.
    """
    from qa.baseline import build_baseline, read_baseline, write_baseline

    options = {
        "src_lang": src_lang, "tgt_lang": tgt_lang, "engine": engine, "models": models, "beam": beam_size,
        "threads": threads, "device": device,
        "threshold": threshold, "flagger": flagger_path, "cache": cache_path, "jobs": jobs, "scheduler": scheduler,
        "allow_empty": allow_empty, "follow_symlinks": follow_symlinks,
    }
    output = checked_output(output, paths, follow_symlinks=follow_symlinks)
    run = configured_run(paths, options, config_file=config_file, changed_since=changed_since, quiet=quiet,
                         no_cache=no_cache, use_baseline=False)
    if run.lost:  # a baseline written from a partial check would drop the lost articles' entries
        from qa.workers import WorkLost

        raise WorkLost(run.lost, run.report)
    settings = run.settings
    target = Path(output or settings.baseline or settings.root / ".qa-baseline.json")
    # The articles this run did not check keep their entries (--changed-since, a single file).
    previous = read_baseline(target) if target.exists() else None
    baseline = build_baseline(run.before_baseline, settings.root, previous)
    write_baseline(baseline, target)
    kept = len(baseline.entries) - len(build_baseline(run.before_baseline, settings.root).entries)
    note_line(f"wrote {target}: {len(baseline.entries)} accepted flag(s)"
              + (f", {kept} of them kept for articles not checked this run" if kept else ""))
    if run.errors:
        sys.exit(EXIT_BAD_INPUT)


@click.command("config")
@click.argument("path", required=False, default=".", metavar="[PATH]")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read this file instead of the nearest qa.toml / pyproject.toml.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--quiet", "-q", is_flag=True, help="Accepted as on every command: config prints no notes, only errors.")
@handle_errors
def config_command(path, config_file, output_format, quiet):
    """Print the effective configuration for PATH and where each value comes from."""
    import json

    from qa.config import as_dict, describe, display_path, load_settings

    settings, sources = load_settings(Path(path), {}, config_file=config_file)
    if output_format == "json":
        refused = [display_path(path) for path in settings.refused]
        click.echo(json.dumps({"settings": as_dict(settings), "sources": sources, "not_read": refused}, indent=2))
    else:
        click.echo(describe(settings, sources), nl=False)
