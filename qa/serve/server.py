"""Running ``qa serve``: the session opened on its check thread, the socket bound, uvicorn serving
the app until it is stopped. What ``qa serve`` calls once it has parsed its options."""

from __future__ import annotations

import socket
from collections.abc import Callable

from qa.config import Settings
from qa.errors import InputError
from qa.serve.app import (
    DEFAULT_CAPACITY,
    DEFAULT_MAX_BODY,
    CheckThread,
    accept_target,
    create_app,
    serving_settings,
)
from qa.serve.limits import allowed_hosts, is_loopback
from qa.session import _ignore


def refuse_open_bind(host: str, token: str | None) -> None:
    """InputError when ``host`` would let other machines in and no token guards the server."""
    if not is_loopback(host) and not token:
        raise InputError(f"--host {host} lets other machines in: give --token TOKEN (or set QA_SERVE_TOKEN)")


def bound_socket(host: str, port: int):
    """A listening socket on ``host``:``port`` (IPv6 when the host is written so); InputError when
    the address cannot be had."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port} ({error.strerror or error})") from None
    return sock


def serve(
    settings: Settings, *, host: str = "127.0.0.1", port: int = 8000, token: str | None = None,
    capacity: int = DEFAULT_CAPACITY, max_body: int = DEFAULT_MAX_BODY, cache: bool = True,
    note: Callable[[str], None] = _ignore, ready: Callable[[str], None] = _ignore,
) -> None:
    """Serve the app for ``settings`` until interrupted: open the session on its check thread,
    bind ``host``:``port`` (0: any free port), call ``ready`` with the address (``http://HOST:PORT``)
    once requests are answered, and close the session on the way out, however it ends (Ctrl-C's
    KeyboardInterrupt reaches the caller after uvicorn has shut down). ``note`` hears which engine
    serves; the other arguments are :func:`~qa.serve.app.create_app`'s. InputError when the
    address cannot be had, or is not loopback and no ``token`` is given."""
    import uvicorn

    refuse_open_bind(host, token)
    settings = serving_settings(settings)
    thread = CheckThread()
    session = None
    try:
        session = thread.open_session(settings, cache=cache, note=note)
        sock = bound_socket(host, port)
        shown = f"[{host.strip('[]')}]" if ":" in host.strip("[]") else host
        address = f"http://{shown}:{sock.getsockname()[1]}"
        app = create_app(session, thread, token=token, capacity=capacity, max_body=max_body, hosts=allowed_hosts(host),
                         baseline=accept_target(settings))

        class Server(uvicorn.Server):
            async def startup(self, sockets=None) -> None:
                await super().startup(sockets)
                if not self.should_exit:
                    ready(address)

        config = uvicorn.Config(app, log_level="warning", proxy_headers=False, server_header=False,
                                lifespan="on", timeout_graceful_shutdown=5)
        Server(config).run(sockets=[sock])
    finally:
        thread.close(session)
