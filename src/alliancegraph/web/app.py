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

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import service
from ..errors import AllianceGraphError, UsageError
from ..graph import AllianceGraph
from . import pages, protocol
from .engine import GRACE, Engine, Settings
from .protocol import ProtocolError, status_of

HERE = Path(__file__).resolve().parent


def error_response(error: Exception) -> Response:
    return PlainTextResponse(f"error: {error}\n", status_code=status_of(error))


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
    """The SPARQL 1.1 Protocol for queries (GET, POST form, POST direct); read-only."""
    engine: Engine = request.app.state.engine
    settings = engine.settings
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
        body = b""
        if request.method == "POST":
            body = await read_body(request, settings.max_request_bytes)
        op = protocol.operation(
            request.method, params, request.headers.get("content-type", ""), body
        )
        accept = request.headers.get("accept", "")

        engine.check(op.query)
        fmt, body = await engine.run(
            engine.request, ("protocol", op.query, accept, op.format, settings.max_rows)
        )
    except AllianceGraphError as e:
        return error_response(e)
    return Response(
        body,
        media_type=protocol.content_type(fmt),
        headers={"Vary": "Accept"},
    )


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
    middleware: list[Middleware] = []
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
) -> None:
    """Run the app under uvicorn until interrupted, announcing the address it bound."""
    import socket

    import uvicorn

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
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    server.run(sockets=[sock])


__all__ = ["GRACE", "Engine", "Settings", "bind_warning", "create_app", "serve", "status_of"]
