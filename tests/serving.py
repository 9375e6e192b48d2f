"""Servers on loopback for the tests of ``qa serve`` (tests/test_serve_*.py): real uvicorn, real
sockets, no network.

- ``running_server(where, *, options=None, cache=True, **app_options)``: a context manager that
  serves :func:`qa.serve.app.create_app` with real uvicorn in a thread, on a socket bound to
  127.0.0.1:0 before it starts, and yields a :class:`Served` (``served.url`` is
  ``http://127.0.0.1:PORT``, without a trailing slash) once the server answers: its Session open
  and its warm-up check done. ``where`` is a content repository's folder (its qa.toml is read as
  ``qa serve`` run there reads it, with ``options`` such as ``{"engine": "none"}`` laid over it)
  or a Settings. ``app_options`` go to ``create_app`` (``token``, ``capacity``, ``max_body``,
  ``hosts``, ``fetch_timeout``); Accept writes the baseline ``qa serve`` would write there
  (``baseline=None`` turns it off). Article names in requests are relative to the current folder,
  as for ``qa check``: chdir into the repository (``monkeypatch.chdir``) when that matters.

      with running_server(repo, options={"engine": "none"}) as served:
          page.goto(served.url)

- ``page_server(folder, *, redirects=None, hosts_seen=None)``: a context manager serving
  ``folder``'s files over HTTP on 127.0.0.1 (the standard library's ThreadingHTTPServer); yields
  its base URL. ``redirects`` maps paths to the locations they answer 302 with.
- ``serve_process(*arguments, cwd, env=None)``: ``python -m qa serve --port 0 ARGUMENTS`` as a
  real process; yields a :class:`ServeProcess` once its ``serving http://…`` line is on stderr
  (``url`` is that address), or once it has exited (``url`` None, ``returncode`` and
  ``stderr`` set). It is ended (SIGTERM) on the way out.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Served:
    """A running server: its base ``url``, the Starlette ``app`` (``app.state.qa`` is the
    server's state), the ``settings`` it checks with, and where its Accept writes (None: nowhere)."""

    url: str
    app: Any
    settings: Any
    baseline: Path | None

    @property
    def state(self) -> Any:
        """The server's shared state (qa.serve.app.ServerState)."""
        return self.app.state.qa



@contextmanager
def running_server(where: Any, *, options: Mapping[str, Any] | None = None, cache: bool = True,
                   **app_options: Any) -> Iterator[Served]:
    """Serve ``where`` (a folder or a Settings) on 127.0.0.1 in a thread; see the module docstring."""
    import uvicorn

    from qa.cli.common import load_command_settings
    from qa.config import Settings
    from qa.serve.app import CheckThread, accept_target, create_app, serving_settings

    settings = where if isinstance(where, Settings) else load_command_settings(Path(where), dict(options or {}))
    settings = serving_settings(settings)
    app_options.setdefault("baseline", accept_target(settings))
    thread = CheckThread()
    session = thread.open_session(settings, cache=cache, note=lambda message: None)
    sock = socket.socket()
    server = None
    runner = None
    try:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        app = create_app(session, thread, **app_options)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        runner = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        runner.start()
        while not server.started:
            runner.join(0.01)
            if not runner.is_alive():
                raise RuntimeError("the test server did not start (see the log above)")
        yield Served(f"http://127.0.0.1:{sock.getsockname()[1]}", app, settings, app_options["baseline"])
    finally:
        if server is not None:
            server.should_exit = True
        if runner is not None:
            runner.join()
        sock.close()
        thread.close(session)


@contextmanager
def page_server(folder: Path, *, redirects: Mapping[str, str] | None = None,
                hosts_seen: list[str] | None = None) -> Iterator[str]:
    """Serve ``folder``'s files on 127.0.0.1 (any free port); yields ``http://127.0.0.1:PORT``.
    A path in ``redirects`` answers 302 to its location; each request's Host header is added to
    ``hosts_seen`` when given."""
    moved = dict(redirects or {})

    class Quiet(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            if hosts_seen is not None:
                hosts_seen.append(self.headers.get("Host", ""))
            if self.path in moved:
                self.send_response(302)
                self.send_header("Location", moved[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
    runner = threading.Thread(target=httpd.serve_forever, daemon=True)
    runner.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        runner.join()


@dataclass
class ServeProcess:
    """A ``qa serve`` process: its base ``url`` once serving (None when it exited first), and,
    once it has exited, its ``returncode`` and all of its ``stderr``."""

    process: subprocess.Popen
    url: str | None
    lines: list[str] = field(default_factory=list)

    @property
    def returncode(self) -> int | None:
        """Its exit code, or None while it runs."""
        return self.process.poll()

    @property
    def stderr(self) -> str:
        """What it printed on stderr so far (all of it once it has exited)."""
        return "".join(self.lines)


@contextmanager
def serve_process(*arguments: str, cwd: Path, env: Mapping[str, str] | None = None) -> Iterator[ServeProcess]:
    """``python -m qa serve --port 0 ARGUMENTS`` in ``cwd``; see the module docstring."""
    environment = {**os.environ, **(env or {}), "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "qa", "serve", "--port", "0", *arguments], cwd=cwd,
                               env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    served = ServeProcess(process, None)
    try:
        for line in process.stderr:
            served.lines.append(line)
            if line.startswith("serving http://"):
                served.url = line.split()[1]
                break
        if served.url is None:
            process.wait()
        else:  # keep reading stderr, so that the process never blocks on a full pipe
            threading.Thread(target=lambda: served.lines.extend(process.stderr), daemon=True).start()  # type: ignore[arg-type]
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait()
