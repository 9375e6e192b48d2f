"""``qa translate``: translate text with any engine, through the cache."""

from __future__ import annotations

import json
import sys

import click

from qa.cli.common import (
    close_engine,
    engine_options,
    handle_errors,
    note_line,
    open_engine,
    parse_model_options,
)
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
@engine_options()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: one translation per line; json: one object per line.")
@handle_errors
def translate_command(texts, file, src, tgt, engine, models, beam_size, threads, device, cache_path, no_cache,
                      output_format):
    """Translate TEXT (or each line of --file) from --from to --to.

    \b
    Examples:
      qa translate --engine apertium "Nuevos acuerdos para garantizar la estabilidad del Sahel"
      qa translate --engine marian --model ./opus-mt-es-en --file sentences.txt
    """
    inputs = _read_texts(texts, file)
    cached, _ = open_engine(engine=engine, models=parse_model_options(models, [(src, tgt)]), beam_size=beam_size,
                            threads=threads, device=device, cache_path=cache_path, no_cache=no_cache,
                            directions=[(src, tgt)])
    try:
        outputs = cached.translate(inputs, src, tgt)
    finally:
        close_engine(cached)
    for source, translation in zip(inputs, outputs, strict=True):
        if output_format == "json":
            click.echo(json.dumps({"src": source, "translation": translation}, ensure_ascii=False))
        else:
            click.echo(translation)
    stats = cached.stats
    note_line(f"{stats.hits} from the cache, {stats.misses} translated")
