"""The ``qa`` command line: a thin click layer over the library.

Each command lives in its own module; this one only assembles the group.
"""

from __future__ import annotations

import click

from qa import __version__
from qa.cli.check import baseline_command, check_command, config_command
from qa.cli.evaluation import calibrate_command, eval_command
from qa.cli.inspect import inspect_command
from qa.cli.score import score_command
from qa.cli.serve import serve_command
from qa.cli.translate import translate_command


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="qa")
def cli() -> None:
    """qa: find garbled passages in translated news articles.

    qa reads a source article (or just its headline) and its translation, aligns them,
    back-translates with a MarianMT model or Apertium, and flags the passages an editor must
    review. Run `qa COMMAND --help` for each command.

    Exit codes: 0 nothing to report, 1 flagged passages, 2 bad usage or input, 3 engine failure.
    """


cli.add_command(check_command)
cli.add_command(score_command)
cli.add_command(translate_command)
cli.add_command(eval_command)
cli.add_command(calibrate_command)
cli.add_command(baseline_command)
cli.add_command(config_command)
cli.add_command(inspect_command)
cli.add_command(serve_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="qa")
