"""``qa translate``: translate text with any engine, through the cache."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from qa.cli.common import EngineFlags, grouped_engine_options, handle_errors, load_command_settings, note_line
from qa.errors import InputError


def _read_texts(texts: tuple[str, ...], file: str | None) -> list[str]:
    """The texts to translate: arguments, or the lines of a file ('-' for stdin)."""
    if texts and file:
        raise InputError("give either TEXT arguments or --file, not both")
    if file is None:
        if not texts:
            raise InputError("nothing to translate: give TEXT arguments or --file PATH")
        return list(texts)
    if file == "-":
        return sys.stdin.read().splitlines()
    from qa.corpus.files import read_text_file

    return read_text_file(file).splitlines()


@click.command("translate")
@click.argument("texts", nargs=-1, metavar="[TEXT]...")
@click.option("-f", "--file", metavar="PATH", help="Translate each line of this file ('-' for stdin).")
@click.option("--from", "-s", "src", default="es", show_default=True, help="Source language (ISO 639-1).")
@click.option("--to", "-t", "tgt", default="en", show_default=True, help="Target language (ISO 639-1).")
@grouped_engine_options()
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read settings from this file instead of the nearest qa.toml / pyproject.toml.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: one translation per line; json: one object per line, after a "
              "first line holding the signature.")
@click.option("--quiet", "-q", is_flag=True, help="No notes on stderr.")
@handle_errors
def translate_command(texts: tuple[str, ...], file: str | None, src: str, tgt: str, engine_flags: EngineFlags,
                      config_file: Path | None, output_format: str, quiet: bool) -> None:
    """Translate TEXT (or each line of --file) from --from to --to.

    Engine settings not given as flags come from the nearest qa.toml / `[tool.qa]`.

    \b
    Examples:
      qa translate --engine apertium "Nuevos acuerdos para garantizar la estabilidad del Sahel"
      qa translate --engine marian --model ./opus-mt-es-en --file sentences.txt
    """
    from qa.session import Session

    inputs = _read_texts(texts, file)
    start = file if file not in (None, "-") else None
    settings = load_command_settings(start, engine_flags.settings_options(), config_file=config_file,
                                     models=engine_flags.models, directions=[(src, tgt)])
    if settings.engine == "none":
        raise InputError("qa translate needs an engine: engine none (from the settings) translates nothing")
    with Session.open(settings, cache=not engine_flags.no_cache, directions=[(src, tgt)], judged=(),
                      note=_quiet_note if quiet else note_line, allow_none=False) as session:
        assert session.engine is not None  # engine none is refused above
        outputs = session.engine.translate(inputs, src, tgt)
        signature = session.translation_signature(src, tgt)
        stats = session.stats
    if output_format == "json":
        click.echo(json.dumps({"signature": signature.to_dict()}, ensure_ascii=False))
    elif not quiet:
        note_line(f"signature: {signature.short()}")
    for source, translation in zip(inputs, outputs, strict=True):
        if output_format == "json":
            click.echo(json.dumps({"src": source, "translation": translation}, ensure_ascii=False))
        else:
            click.echo(translation)
    if not quiet and stats is not None:
        note_line(f"{stats.hits} from the cache, {stats.misses} translated")


def _quiet_note(_: object) -> None:
    """A note nobody asked to hear (``--quiet``)."""
