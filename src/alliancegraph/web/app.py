"""The ASGI app: the read-only ``/sparql`` endpoint and the explorer pages, on one graph.

Routes, the SPARQL 1.1 Protocol handler, the service description (its triples come from
:mod:`alliancegraph.service`) and ``serve``. Every query runs through the
:class:`~.engine.Engine` (off the event loop, under the deadline). Must never write to the
store, and never load anything from another machine.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import sandbox, service
from ..errors import AllianceGraphError, QueryOutOfMemory, UsageError
from ..graph import AllianceGraph
from . import guard, pages, protocol
from .engine import GRACE, Engine, Settings
from .protocol import ProtocolError, status_of

HERE = Path(__file__).resolve().parent


def error_response(error: Exception) -> Response:
    retry = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(retry)} if retry else None
    # A query stopped by the memory limit is answered like one stopped by the deadline.
    status = 503 if isinstance(error, QueryOutOfMemory) else status_of(error)
    return PlainTextResponse(f"error: {error}\n", status_code=status, headers=headers)


async def read_body(request: Request, cap: int) -> bytes:
    """The request body, refused with 413 past ``cap`` bytes (checked while reading)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise ProtocolError(413, f"the request is larger than {cap:,} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise ProtocolError(413, f"the request is larger than {cap:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def endpoint_url(request: Request) -> str:
    return str(request.url_for("sparql")).split("?")[0]


async def sparql(request: Request) -> Response:
    """The SPARQL 1.1 Protocol for queries (GET, POST form, POST direct); read-only.

    Each client (IP address) has at most ``per_client`` queries admitted, the server
    ``workers + queue``; the query is read and checked off the event loop; the answer is
    streamed from its worker, cut at the row and byte caps (``X-Result-Truncated``)."""
    engine: Engine = request.app.state.engine
    settings = engine.settings
    ticket = None
    try:
        params: dict[str, list[str]] = {}
        for k, v in request.query_params.multi_items():
            params.setdefault(k, []).append(v)
        if len(request.url.query.encode()) > settings.max_request_bytes:
            raise ProtocolError(
                413, f"the request is larger than {settings.max_request_bytes:,} bytes"
            )
        if request.method == "GET" and "query" not in params and "update" not in params:
            return await describe_service(request)
        ticket = engine.admit(request.client.host if request.client else "")
        body = b""
        if request.method == "POST":
            body = await read_body(request, settings.max_request_bytes)
        accept = request.headers.get("accept", "")
        op = await engine.read(
            request.method, params, request.headers.get("content-type", ""), body, accept
        )
        etag = engine.etag(op.query, accept, op.format)
        if etag is not None and etag in request.headers.get("if-none-match", ""):
            engine.release(ticket)
            return Response(status_code=304, headers={"ETag": etag, "Vary": "Accept"})
        await engine.answer(ticket, op, accept, fresh=wants_fresh(request))
    except AllianceGraphError as e:
        if ticket is not None:
            engine.release(ticket, e)
        return error_response(e)
    except BaseException as e:
        if ticket is not None:
            engine.release(ticket, e)
        raise
    reply = ticket.reply
    assert reply is not None
    headers = {"Vary": "Accept", **engine.truncated(reply.cut)}
    media = protocol.content_type(reply.fmt)
    if ticket.body is not None:
        engine.release(ticket)
        if etag is not None and reply.cut is None:  # the same answer for as long as it runs
            headers["ETag"] = etag
        return Response(ticket.body, media_type=media, headers=headers)
    if reply.length is not None:
        headers["Content-Length"] = str(reply.length)
    return Streamed(engine.body(ticket), media_type=media, headers=headers,
                    done=lambda: engine.release(ticket))  # fmt: skip


def wants_fresh(request: Request) -> bool:
    """Whether the client asked for an answer not served from a cache: ``Cache-Control:
    no-cache`` or ``no-store`` (RFC 9111), or HTTP/1.0's ``Pragma: no-cache``."""
    control = request.headers.get("cache-control", "").lower()
    directives = {d.strip().split("=", 1)[0] for d in control.split(",")}
    return bool(directives & {"no-cache", "no-store"}) or (
        "no-cache" in request.headers.get("pragma", "").lower()
    )


class Streamed(StreamingResponse):
    """A streamed answer that calls ``done`` when it has been sent, or the client left."""

    def __init__(self, content: Any, *, done: Callable[[], None], **options: Any):
        super().__init__(content, **options)
        self.done = done

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.done()


async def describe_service(request: Request) -> Response:
    """GET /sparql without a query: the service description (a browser goes to the editor)."""
    accept = request.headers.get("accept", "")
    ranked = protocol.accept_ranges(accept)
    if ranked and ranked[0] in ("text/html", "application/xhtml+xml"):
        return RedirectResponse(request.url_for("query_page"), status_code=303)
    engine: Engine = request.app.state.engine
    fmt = protocol.negotiate("graph", accept, request.query_params.get("format"))
    body = await engine.run(
        service.document, endpoint_url(request), fmt, engine.settings.allow_service
    )
    return Response(body, media_type=protocol.content_type(fmt))


def create_app(graph: AllianceGraph, settings: Settings | None = None) -> Starlette:
    """The web app (``/sparql`` and the explorer) on ``graph``, which may answer from the
    embedded store, one in memory or a remote endpoint."""
    settings = settings or Settings()
    # outermost: Host and Origin checks, and the headers of every response
    middleware: list[Middleware] = [
        Middleware(guard.Guard, allowed_hosts=settings.allowed_hosts, cors=settings.cors)
    ]
    if settings.cors:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "POST"],
                allow_headers=["Accept", "Content-Type"],
            )
        )
    routes = [
        Route("/sparql", sparql, methods=["GET", "POST"], name="sparql"),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        *pages.routes(),
    ]
    engine = Engine(graph, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(engine.start)
        try:
            yield
        finally:
            engine.stop()

    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.engine = engine
    return app


def bind_warning(host: str) -> str | None:
    """The warning to print when ``host`` is not a loopback address, else None."""
    import ipaddress

    if host in ("localhost",):
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return (
        f"warning: listening on {host}: the graph and the SPARQL endpoint become visible to "
        "other machines on the network; use --host 127.0.0.1 to keep them on this one"
    )


def serve(
    graph: AllianceGraph,
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: Settings | None = None,
    announce: Callable[[str], None] = print,
    expose: bool = False,
) -> None:
    """Run the app under uvicorn until interrupted, announcing the address it bound.

    A ``host`` other than loopback makes the graph visible to other machines: it is
    refused unless ``expose``, and then what is exposed is announced."""
    import socket

    import uvicorn

    if not guard.is_loopback(host) and not expose:
        raise UsageError(
            f"not listening on {host}: an address other than loopback makes the graph "
            "visible to other machines, which must be asked for explicitly (expose)"
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror}") from None
    sock.listen(2048)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = "127.0.0.1"
    settings = settings or Settings()
    app = create_app(graph, settings)
    try:
        app.state.engine.start()
    except BaseException:
        sock.close()
        raise
    warning = bind_warning(host)
    if warning:
        announce(warning)
    announce(f"alliancegraph explorer: http://{shown}:{bound}/")
    announce(f"SPARQL endpoint:        http://{shown}:{bound}/sparql")
    announce(
        f"(deadline {settings.timeout:g} s per query, at most {settings.max_rows:,} rows; "
        "Ctrl-C to stop)"
    )
    for line in security_notes(app.state.engine, host, bound):
        announce(line)
    announce(store_note(app.state.engine))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    server.run(sockets=[sock])


def store_note(engine: Engine) -> str:
    """Where the server's queries are answered, said at start: the store, in memory or on
    disk, with the memory budget it was chosen by."""
    where = engine.source.store.describe_location()
    return engine.store_note or f"store: {engine.store_kind} ({where})"


def security_notes(engine: Engine, host: str, port: int) -> list[str]:
    """What ``serve`` says at start about who can reach the server and what it can reach:
    what is exposed when listening off loopback, and whether the query workers are cut off
    the network (lines starting with ``warning`` go to stderr)."""
    s = engine.settings
    notes = []
    if not guard.is_loopback(host):
        names = ", ".join(s.allowed_hosts) or "none besides the address itself"
        notes += [
            f"exposed on {host}:{port} to every machine that can reach it: the read-only "
            "SPARQL endpoint (/sparql) and the explorer (/), with every graph this server "
            "holds",
            f"limits: {s.timeout:g} s per query, {s.max_rows:,} rows, "
            f"{s.max_request_bytes:,}-byte requests, {s.workers} queries at once; "
            f"SERVICE {'allowed' if s.allow_service else 'refused'}; "
            f"CORS {'on' if s.cors else 'off'}; other host names allowed: {names}",
        ]
    if s.allow_service:
        notes.append(
            "warning: federated queries (SERVICE) are allowed: a visitor's query can make "
            "this server send requests to any host it can reach, itself included"
        )
    elif engine.pool is not None and not engine.pool.isolated:
        notes.append(
            "warning: the query workers could not be cut off the network "
            f"({sandbox.unavailable() or 'isolation off'}); SERVICE is refused by the query "
            "check alone"
        )
    elif engine.pool is not None:
        notes.append("query workers: cut off the network (no query can reach another host)")
    return notes


__all__ = [
    "GRACE",
    "Engine",
    "Settings",
    "bind_warning",
    "create_app",
    "security_notes",
    "serve",
    "status_of",
    "store_note",
]
