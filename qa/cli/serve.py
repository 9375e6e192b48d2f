"""``qa serve``: the editors' page and the JSON API, for the content repository in the current folder."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from qa.cli.common import (
    EXIT_BAD_INPUT,
    Terminated,
    engine_options,
    error_line,
    flagger_options,
    handle_errors,
    load_command_settings,
    note_line,
)

SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)(?:i?[bB])?\s*")
SIZE_UNITS = {"": 1, "k": 2**10, "m": 2**20}
DEFAULT_PORT = 8000


def parse_size(written: str) -> int:
    """A size in bytes from ``2MB``, ``500kB`` or ``2097152`` (k and M are 1024 and 1024²);
    ValueError for anything else or a size under one byte."""
    match = SIZE.fullmatch(written)
    if match is None:
        raise ValueError(f"{written!r} is not a size such as 2MB, 500kB or 1048576")
    size = int(float(match.group(1)) * SIZE_UNITS[match.group(2).lower()])
    if size < 1:
        raise ValueError(f"{written!r} is not a size of at least one byte")
    return size


def _size(context: click.Context, parameter: click.Parameter, value: str) -> int:
    try:
        return parse_size(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def missing_extra() -> bool:
    """Whether the serve extra (starlette, uvicorn, httpx, python-multipart) is missing."""
    try:
        import httpx  # noqa: F401
        import python_multipart  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        return True
    return False


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this machine's loopback needs --token.")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port to listen on (0: any free one; the line `serving http://…` on stderr names it).")
@click.option("--token", envvar="QA_SERVE_TOKEN", metavar="TOKEN",
              help="Every request must carry it (Authorization: Bearer TOKEN; a browser opens /?token=TOKEN once). "
                   "Default $QA_SERVE_TOKEN.")
@click.option("--capacity", type=click.IntRange(1, 10_000), default=32, show_default=True,
              help="Requests at work at once (queued for the check or checked); more are answered 503 with Retry-After.")
@click.option("--max-body", default="2MB", show_default=True, callback=_size, metavar="SIZE",
              help="Largest request body, and largest page fetched by URL (e.g. 2MB, 500kB).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read settings from this file instead of the repository root's qa.toml / pyproject.toml.")
@click.option("--src-lang", help="Language of the source articles (default es).")
@click.option("--tgt-lang", help="Language of the translations (default en).")
@engine_options(with_none=True)
@flagger_options
@click.option("--quiet", "-q", is_flag=True, help="No notes on stderr (the `serving` line is still printed).")
@handle_errors
def serve_command(host, port, token, capacity, max_body, config_file, src_lang, tgt_lang, engine, models, beam_size,
                  threads, device, cache_path, no_cache, threshold, flagger_path, quiet):
    """Serve the check to editors (a page) and to a CMS (a JSON API), for the content repository
    in the current folder: its qa.toml, its baseline (which the page's Accept writes) and its cache.

    One engine stays loaded, so a check takes a fraction of what `qa check` takes as a new
    process. The API: POST /api/check, POST /api/accept, GET /api/health, GET /openapi.json.

    \b
    Exit codes: 0 stopped (Ctrl-C or SIGTERM); 2 bad usage (a host other than loopback without --token,
    or the serve extra not installed); 3 engine failure at startup.
    """
    from qa.serve import MISSING_EXTRA

    if missing_extra():
        error_line(MISSING_EXTRA)
        sys.exit(EXIT_BAD_INPUT)
    from qa.serve.server import refuse_open_bind, serve

    token = token or None
    refuse_open_bind(host, token)  # before the settings and the engine load
    options = {"src_lang": src_lang, "tgt_lang": tgt_lang, "engine": engine, "beam": beam_size, "threads": threads,
               "device": device, "threshold": threshold, "flagger": flagger_path, "cache": cache_path}
    settings = load_command_settings(Path.cwd(), options, config_file=config_file, models=models)
    try:
        serve(settings, host=host, port=port, token=token, capacity=capacity, max_body=max_body, cache=not no_cache,
              note=(lambda message: None) if quiet else note_line,
              ready=lambda address: click.echo(f"serving {address}", err=True))
    except (KeyboardInterrupt, Terminated):  # how a server is stopped: uvicorn has shut down cleanly
        pass
