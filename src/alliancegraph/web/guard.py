"""The app's outer wall: which Host names it answers to, which origins may POST to it, and
the headers every response carries.

A plain ASGI middleware (no body buffering, so streamed answers stay streamed), in front
of everything including the static files and CORS:

- **Host**: a request is answered only if its ``Host`` is an allowed name: the loopback
  names (``localhost``, ``127.0.0.1``, ``[::1]``) and the address the client connected to,
  each with the server's port, and the names the operator allowed (``NAME`` for any port,
  ``NAME:PORT`` for one). Anything else gets 400 and is never echoed, so a DNS name an
  attacker points at 127.0.0.1 (DNS rebinding) reaches nothing, and the service
  description and redirects only ever name an allowed host.
- **Origin**: a ``POST`` whose ``Origin`` is not the server's own (``null`` included) gets
  403 unless CORS is on, so a page the operator visits cannot make the server run a query.
  Requests without ``Origin`` (curl, SPARQLWrapper) are not browsers' cross-origin ones.
- **Headers**: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``, and
  ``frame-ancestors 'none'`` in the Content-Security-Policy (with ``X-Frame-Options:
  DENY``), merged into a policy the page already has; the network views under
  ``/view/``, which the explorer's pages embed, get ``frame-ancestors 'self'``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

__all__ = ["FRAMED", "LOOPBACK_NAMES", "Guard", "is_loopback", "split_host"]

#: Names that reach this machine only, answered on the server's own port.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
#: Paths the explorer's own pages embed in an iframe (same origin only).
FRAMED = ("/view/",)

BAD_HOST = (
    "error: this server does not answer to the host name in this request (Host header); "
    "it answers to its loopback names and the names its operator allowed\n"
)
CROSS_ORIGIN = (
    "error: a POST from another origin is refused (Origin header); send the query from "
    "this server's own pages, or without an Origin header, or ask the operator to turn "
    "CORS on\n"
)


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` keeps the server on this machine.

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("localhost")
    (True, True, True)
    >>> is_loopback("0.0.0.0"), is_loopback("192.168.1.5"), is_loopback("myhost")
    (False, False, False)
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def split_host(value: str) -> tuple[str, int | None] | None:
    """``(name, port)`` of a Host header (name lower-cased, IPv6 without brackets), or None
    if it is not one.

    >>> split_host("LocalHost:8000"), split_host("[::1]:80"), split_host("example.org")
    (('localhost', 8000), ('::1', 80), ('example.org', None))
    >>> split_host("a:b:c") is None, split_host("x:99999") is None
    (True, True)
    """
    value = value.strip()
    if value.startswith("["):
        name, sep, rest = value[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:] if rest else None
    else:
        name, sep, port_text = value.partition(":")
        if sep and not port_text:
            return None
        port_text = port_text if sep else None
        if port_text is not None and ":" in port_text:
            return None
    if not name or any(c.isspace() or c in "/\\@?#" for c in name):
        return None
    port: int | None = None
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            return None
        port = int(port_text)
    return name.lower(), port


class Guard:
    """The middleware; ``allowed_hosts`` are the operator's extra names (``NAME`` or
    ``NAME:PORT``), ``cors`` turns the Origin check off."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] = (), cors: bool = False):
        self.app = app
        self.cors = cors
        self.any_port: set[str] = set()
        self.with_port: set[tuple[str, int]] = set()
        for entry in allowed_hosts:
            parsed = split_host(entry)
            if parsed is None:
                raise ValueError(f"not a host name: {entry!r}")
            name, port = parsed
            if port is None:
                self.any_port.add(name)
            else:
                self.with_port.add((name, port))

    def host_allowed(self, scope: Scope, host: str | None) -> bool:
        parsed = split_host(host) if host else None
        if parsed is None:
            return False
        name, port = parsed
        if name in self.any_port or (name, port) in self.with_port:
            return True
        server = scope.get("server") or (None, None)
        own_name, own_port = server[0], server[1]
        if own_port is not None:
            default = 443 if scope.get("scheme") in ("https", "wss") else 80
            if (port if port is not None else default) != own_port:
                return False
        own = own_name.lower().strip("[]") if isinstance(own_name, str) else None
        return name in LOOPBACK_NAMES or name == own

    @staticmethod
    def same_origin(origin: str, host: str) -> bool:
        """Whether ``origin`` names the host (and port) the request was sent to; the scheme
        is left out, since a proxy in front may speak https to browsers and http here."""
        scheme, sep, netloc = origin.strip().lower().partition("://")
        return bool(sep) and scheme in ("http", "https") and netloc == host.strip().lower()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        host = headers.get("host")
        framed = any(scope.get("path", "").startswith(p) for p in FRAMED)
        if not self.host_allowed(scope, host):
            await _plain(send, 400, BAD_HOST, framed)
            return
        origin = headers.get("origin")
        if (
            scope.get("method") == "POST"
            and not self.cors
            and origin is not None
            and not self.same_origin(origin, host or "")
        ):
            await _plain(send, 403, CROSS_ORIGIN, framed)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = _secured(list(message.get("headers", [])), framed)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not started:  # the 500 carries the headers too
                await _plain(send, 500, "error: internal server error\n", framed)
            raise


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers (lower-cased names; the first of a repeated one)."""
    out: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        out.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return out


def _secured(headers: list[tuple[bytes, bytes]], framed: bool) -> list[tuple[bytes, bytes]]:
    ancestors = b"frame-ancestors 'self'" if framed else b"frame-ancestors 'none'"
    out, policy = [], False
    for name, value in headers:
        key = name.lower()
        if key in (b"x-content-type-options", b"referrer-policy", b"x-frame-options"):
            continue
        if key == b"content-security-policy":
            policy = True
            if b"frame-ancestors" not in value:
                value = value.rstrip(b"; ") + b"; " + ancestors
        out.append((name, value))
    if not policy:
        out.append((b"content-security-policy", ancestors))
    out += [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"SAMEORIGIN" if framed else b"DENY"),
    ]
    return out


async def _plain(send: Send, status: int, text: str, framed: bool) -> None:
    body = text.encode("utf-8")
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode("ascii")),
    ]
    await send(
        {"type": "http.response.start", "status": status, "headers": _secured(headers, framed)}
    )
    await send({"type": "http.response.body", "body": body})
