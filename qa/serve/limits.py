"""The server's guards, as plain ASGI middleware around the app, outermost first:

- :class:`HostCheck`: the ``Host`` header must name this server (a DNS-rebinding page names its own);
- :class:`TokenCheck`: with a token, every request carries it (``Authorization: Bearer``, or the
  cookie ``/?token=`` sets for a browser), compared in constant time, else 401;
- :class:`OriginCheck`: a POST from a browser page must come from this server's own origin, and
  ``/api/*`` POSTs must be ``application/json`` (415), which no cross-site form can send;
- :class:`BodyLimit`: a body over the limit is 413, by its ``Content-Length`` or as it streams in.

:class:`Slots` counts the requests at work; past its capacity a request is answered 503 with
``Retry-After`` before any work is done.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_COOKIE = "qa_token"
# How long a client is told to wait when the server is at capacity, in seconds.
RETRY_AFTER = 2
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server on this machine (``localhost`` counts)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def allowed_hosts(bound: str) -> tuple[str, ...]:
    """The ``Host`` names the server answers to when bound to ``bound``: on loopback, only the
    loopback names (a page whose own name was rebound to 127.0.0.1 names itself, and is refused);
    elsewhere any (``("*",)``): such a server needs its token, which no other page has."""
    if not is_loopback(bound):
        return ("*",)
    return tuple(dict.fromkeys((*LOOPBACK_NAMES, bound.strip("[]").lower())))


async def send_json(send: Send, status: int, document: dict, headers: Iterable[tuple[str, str]] = ()) -> None:
    """Answer with ``document`` as JSON (the guards' one-line errors)."""
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(key.lower().encode("latin-1"), value.encode("latin-1")) for key, value in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of the header ``name`` (lower case) in ``scope``, or None."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def host_name(host_header: str) -> str:
    """The name in a ``Host`` header, without its port or IPv6 brackets, in lower case."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host[1:]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@dataclass
class HostCheck:
    """400 unless the ``Host`` header names one of ``hosts`` ("*" is any)."""

    app: ASGIApp
    hosts: tuple[str, ...]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "*" not in self.hosts:
            host = host_name(header(scope, b"host") or "")
            if host not in self.hosts:
                await send_json(send, 400, {"error": f"this server does not answer to the host {host!r}"})
                return
        await self.app(scope, receive, send)


def _cookie_token(scope: Scope) -> str | None:
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(header(scope, b"cookie") or "")
    except Exception:
        return None
    morsel = cookies.get(TOKEN_COOKIE)
    return morsel.value if morsel is not None else None


def _bearer_token(scope: Scope) -> str | None:
    written = header(scope, b"authorization") or ""
    kind, _, value = written.partition(" ")
    return value.strip() if kind.lower() == "bearer" else None


def same_token(given: str | None, expected: str) -> bool:
    """Whether ``given`` is ``expected``, compared in constant time."""
    return given is not None and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


@dataclass
class TokenCheck:
    """401 unless the request carries ``token`` (None: no token needed).

    A browser opens ``/?token=T`` once: the answer sets an HttpOnly, SameSite=Strict cookie and
    sends it on to ``/`` (the token leaves the address bar), and the page's forms carry the cookie."""

    app: ASGIApp
    token: str | None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.token is None:
            await self.app(scope, receive, send)
            return
        if same_token(_bearer_token(scope), self.token) or same_token(_cookie_token(scope), self.token):
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if scope["path"] == "/" and scope["method"] == "GET" and same_token((query.get("token") or [None])[0],
                                                                           self.token):
            cookie = f"{TOKEN_COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
            await send({"type": "http.response.start", "status": 303,
                        "headers": [(b"location", b"/"), (b"set-cookie", cookie.encode("latin-1")),
                                    (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send_json(send, 401, {"error": "this server needs its token: send Authorization: Bearer TOKEN "
                                             "(a browser opens /?token=TOKEN once)"},
                        [("WWW-Authenticate", "Bearer")])


@dataclass
class OriginCheck:
    """403 for a POST whose ``Origin`` is not this server's own; 415 for an ``/api/*`` POST
    that is not ``application/json`` (a cross-site form cannot send JSON, and CORS stays off).
    A POST without ``Origin`` is a program's, not a browser page's: it passes."""

    app: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            origin = header(scope, b"origin")
            host = (header(scope, b"host") or "").lower()
            if origin is not None and origin.lower() not in (f"http://{host}", f"https://{host}"):
                await send_json(send, 403, {"error": f"refused: a request from another site ({origin})"})
                return
            kind = (header(scope, b"content-type") or "").split(";")[0].strip().lower()
            if scope["path"].startswith("/api/") and kind != "application/json":
                await send_json(send, 415, {"error": "send the body as JSON (Content-Type: application/json)"})
                return
        await self.app(scope, receive, send)


class BodyTooLarge(Exception):
    """A request body went past the limit while it was read."""


@dataclass
class BodyLimit:
    """413 for a body over ``max_body`` bytes: at once by its ``Content-Length``, else as soon as
    the bytes read pass it (a chunked upload), before the app has answered."""

    app: ASGIApp
    max_body: int

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await self._refuse(send)
            return
        read = 0
        started = False

        async def counted() -> Message:
            nonlocal read
            message = await receive()
            read += len(message.get("body", b""))
            if read > self.max_body:
                raise BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        await send_json(send, 413, {"error": f"the request is over the limit of {self.max_body} bytes "
                                             "(qa serve --max-body)"})


class Slots:
    """The requests at work (waiting for the check thread or on it), at most ``capacity``.
    Used only on the event loop's thread, so a plain count is enough."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.busy = 0

    def take(self) -> bool:
        """Take a slot; False (take none) when all are busy."""
        if self.busy >= self.capacity:
            return False
        self.busy += 1
        return True

    def give_back(self) -> None:
        """Free the slot :meth:`take` gave."""
        self.busy -= 1


def busy_headers() -> dict[str, str]:
    """The headers of a 503 at capacity."""
    return {"Retry-After": str(RETRY_AFTER)}
