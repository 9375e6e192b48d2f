"""Fetching an article page by URL for the server, without letting a URL reach inside the network.

A URL names a host; the host is resolved here, and every address it resolves to must be a public
one (not loopback, private, link-local, reserved, multicast or unspecified) unless it lies in one
of the ``fetch-allow`` networks of qa.toml. The connection then goes to the address that was vetted
(the host name rides in the ``Host`` header and in TLS's SNI), so a second lookup cannot swap in
another address. Redirects are followed here, each target vetted the same way. Only http(s), a
time limit, a size limit, and text or HTML answers.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from qa.errors import InputError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 2 * 2**20
MAX_REDIRECTS = 5
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
# The kinds of address a URL may not reach unless fetch-allow names it, in the order they are named.
CLOSED_KINDS = (
    ("loopback", "is_loopback"),
    ("link-local", "is_link_local"),
    ("multicast", "is_multicast"),
    ("unspecified", "is_unspecified"),
    ("reserved", "is_reserved"),
    ("private", "is_private"),  # last: Python counts most of the special ranges above as private too
)


class FetchRefused(InputError):
    """A URL the server will not fetch, or a page it could not fetch; the message is one line."""


@dataclass(frozen=True)
class Page:
    """A fetched page: the ``url`` it was finally read from, its text and its media type."""

    url: str
    text: str
    media_type: str

    @property
    def is_html(self) -> bool:
        """Whether the server said it is HTML."""
        return self.media_type != "text/plain"


def parse_networks(written: Sequence[str]) -> tuple[IPNetwork, ...]:
    """``fetch-allow`` values ("127.0.0.1/32", "10.0.0.0/8") as networks."""
    return tuple(ipaddress.ip_network(value, strict=False) for value in written)


def plain_address(written: str) -> IPAddress:
    """The address ``written`` names: an IPv4 address written as IPv6 (``::ffff:10.0.0.1``) is
    that IPv4 address, and an IPv6 zone (``%eth0``) is dropped."""
    address = ipaddress.ip_address(written.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def closed_kind(address: IPAddress) -> str | None:
    """Why ``address`` may not be fetched ("loopback", "private", ...), or None for a public one."""
    address = plain_address(str(address))
    for kind, attribute in CLOSED_KINDS:
        if getattr(address, attribute):
            return kind
    return None if address.is_global else "non-public"


def vet_address(address: IPAddress, allow: Sequence[IPNetwork]) -> None:
    """FetchRefused unless ``address`` is public or inside one of the ``allow`` networks."""
    kind = closed_kind(address)
    if kind is None or any(address in network for network in allow):
        return
    article = "an" if kind[0] in "aeiou" else "a"
    raise FetchRefused(f"refused: {address} is {article} {kind} address (fetch-allow in qa.toml can allow it)")


@dataclass(frozen=True)
class Target:
    """A URL split for a pinned connection: its scheme, host name, port, the vetted addresses
    (tried in the order the resolver gave them), and the path with its query."""

    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]
    path: str

    def pinned_url(self, address: IPAddress) -> str:
        """The URL with the vetted ``address`` in place of the host name."""
        shown = f"[{address}]" if address.version == 6 else str(address)
        return f"{self.scheme}://{shown}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        """The ``Host`` header: the name as the URL gave it, with a port that is not the default."""
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"


async def resolve(url: str, allow: Sequence[IPNetwork]) -> Target:
    """The vetted :class:`Target` of ``url``; FetchRefused for another scheme, no host, a name that
    does not resolve, or any of its addresses closed (every one must pass: a name with one public and
    one private address is refused)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise FetchRefused(f"refused: not a URL ({error})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRefused(f"refused: only http and https URLs are fetched, not {scheme or 'this'}: {url[:200]}")
    host = parts.hostname
    if not host:
        raise FetchRefused(f"refused: the URL names no host: {url[:200]}")
    port = port or (443 if scheme == "https" else 80)
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchRefused(f"cannot fetch {url[:200]}: the host {host} is not found ({error})") from None
    addresses = list(dict.fromkeys(plain_address(str(info[4][0])) for info in found))
    if not addresses:
        raise FetchRefused(f"cannot fetch {url[:200]}: the host {host} has no address")
    for address in addresses:
        vet_address(address, allow)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port, tuple(addresses), path)


async def fetch(
    url: str, allow: Sequence[IPNetwork] = (), *, timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES, max_redirects: int = MAX_REDIRECTS,
) -> Page:
    """The page at ``url``, fetched as the module docstring says; FetchRefused (one line) when
    the URL or a redirect is refused, the page is too big, not text, or not there in ``timeout``
    seconds (in all, however slowly it trickles in)."""
    import httpx

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False,
                                 timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0))) as client:
        for _ in range(max_redirects + 1):
            target = await resolve(url, allow)
            try:
                page = await asyncio.wait_for(_get(client, url, target, max_bytes),
                                              max(deadline - time.monotonic(), 0.001))
            except (TimeoutError, httpx.TimeoutException):
                raise FetchRefused(f"cannot fetch {url[:200]}: no answer within {timeout:g} s") from None
            except httpx.HTTPError as error:
                raise FetchRefused(f"cannot fetch {url[:200]}: {error or type(error).__name__}") from None
            if isinstance(page, Page):
                return page
            url = page
    raise FetchRefused(f"cannot fetch {url[:200]}: more than {max_redirects} redirects")


async def _get(client, url: str, target: Target, max_bytes: int) -> Page | str:
    """GET ``target`` on its vetted addresses (the next when one refuses the connection): the
    Page, or the URL a redirect points to."""
    import httpx

    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    for number, address in enumerate(target.addresses, start=1):
        request = client.build_request("GET", target.pinned_url(address), extensions=extensions,
                                       headers={"Host": target.host_header, "Accept": "text/html, text/plain"})
        try:
            response = await client.send(request, stream=True)
            break
        except httpx.ConnectError:
            if number == len(target.addresses):
                raise
    try:
        if response.is_redirect and "location" in response.headers:
            return urljoin(url, response.headers["location"])
        if response.status_code != 200:
            raise FetchRefused(f"cannot fetch {url[:200]}: the server answered {response.status_code}")
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in TEXT_TYPES:
            raise FetchRefused(f"cannot fetch {url[:200]}: not a text or HTML page ({media_type or 'no type'})")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchRefused(f"cannot fetch {url[:200]}: the page is over {max_bytes} bytes")
        data = bytearray()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) > max_bytes:
                raise FetchRefused(f"cannot fetch {url[:200]}: the page is over {max_bytes} bytes")
        return Page(url, _decoded(bytes(data), response.charset_encoding, url), media_type)
    finally:
        await response.aclose()


def _decoded(data: bytes, charset: str | None, url: str) -> str:
    """The page's text: in the charset its server declared, else UTF-8 (checked as files are)."""
    from qa.corpus.files import decode_text

    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        try:
            return data.decode(charset, errors="replace")
        except LookupError:
            pass
    return decode_text(data, url[:200])
