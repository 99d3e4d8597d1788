"""The ASGI app: the read-only ``/sparql`` endpoint and the explorer pages, on one graph.

No query runs on the event loop: on an on-disk store, queries go to long-lived worker
processes that are killed at the deadline (:mod:`.pool`); on a memory or remote store, to
the store's own deadline in a worker thread. A backstop here answers at the deadline
regardless, so other requests keep being served while a runaway query runs and after it
is stopped. Must never write to the store, and never load anything from another machine.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import AllianceGraphError, EndpointError, QuerySyntaxError, QueryTimeout, UsageError
from ..results import QueryResult
from . import protocol
from .pool import PooledStore, TooManyRows, WorkerPool, answer
from .protocol import ProtocolError

HERE = Path(__file__).resolve().parent
T = TypeVar("T")

#: Seconds the web layer waits beyond the store's own deadline before answering anyway.
GRACE = 1.0


@dataclass
class Settings:
    """Limits of one server. ``timeout`` is the per-query deadline in seconds; ``max_rows``
    caps result rows (triples for graphs); ``max_request_bytes`` caps a request's body and
    query text; ``workers`` is how many queries run at once (worker processes on an on-disk
    store); ``cors`` allows any origin to call ``/sparql`` from a browser; ``allow_service``
    lets queries call other endpoints (``SERVICE``), off so that visitors cannot make the
    server send requests elsewhere; ``pool`` answers from long-lived worker processes on an
    on-disk store (False: the store's own deadline, a fork per query)."""

    timeout: float = 30.0
    max_rows: int = 100_000
    max_request_bytes: int = 1_000_000
    workers: int = 4
    cors: bool = False
    allow_service: bool = False
    pool: bool = True


class TimedStore:
    """A store whose every query carries the server's deadline (the store enforces it)."""

    def __init__(self, store: Any, timeout: float):
        self.inner = store
        self.timeout = timeout

    def query(self, sparql: str, timeout: float | None = None, bindings: dict | None = None):
        if bindings:
            return self.inner.query(sparql, timeout=timeout or self.timeout, bindings=bindings)
        return self.inner.query(sparql, timeout=timeout or self.timeout)

    def describe_location(self) -> str:
        return self.inner.describe_location()


class Engine:
    """Runs blocking work (queries, search, views) off the event loop, under a deadline.

    On an on-disk embedded store, queries go to a :class:`~.pool.WorkerPool` of processes
    (killed at the deadline); on a memory or remote store, to the store's own deadline in
    a worker thread. Either way, if no answer comes by the deadline (plus a short grace),
    the request is answered with :class:`QueryTimeout` and the event loop never waits.
    """

    def __init__(self, graph: Any, settings: Settings):
        from ..graph import AllianceGraph

        self.source = graph
        self.settings = settings
        self.store = getattr(graph, "store", graph)
        self.limiter = anyio.CapacityLimiter(max(8, 2 * settings.workers))
        self.pool: WorkerPool | None = None
        build = getattr(graph, "build", None)
        #: What pages, search and the library query: every query under the deadline.
        self.graph = AllianceGraph(TimedStore(self.store, settings.timeout), build)

    def start(self) -> None:
        """Start the worker processes (on an on-disk store); called when the server starts."""
        from ..graph import AllianceGraph

        threading.Thread(target=_warm_up, daemon=True, name="alliancegraph-warm-up").start()
        path = getattr(self.store, "path", None)
        if path is not None and self.pool is None and self.settings.pool:
            self.pool = WorkerPool(path, self.settings.workers)
            self.graph = AllianceGraph(
                PooledStore(self.pool, self.settings.timeout), getattr(self.source, "build", None)
            )

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def request(self, request: tuple) -> Any:
        """Blocking: one request (see :func:`.pool.answer`) under the deadline."""
        if self.pool is not None:
            return self.pool.call(request, self.settings.timeout)
        return answer(self.store, request, timeout=self.settings.timeout)

    def check(self, sparql: str) -> str:
        """A user's query text, refused (403) if it is an update or calls SERVICE when
        federated queries are off."""
        if protocol.is_update(sparql):
            raise ProtocolError(403, protocol.READ_ONLY)
        if not self.settings.allow_service and protocol.uses_service(sparql):
            raise ProtocolError(403, protocol.NO_SERVICE)
        return sparql

    def query(self, sparql: str) -> QueryResult:
        """Blocking: a user's query, checked, with the deadline and the row cap."""
        return self.request(("query", self.check(sparql), None, self.settings.max_rows))

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker thread; QueryTimeout if it outlives the deadline."""
        limit = self.settings.timeout + GRACE
        started = time.perf_counter()
        try:
            with anyio.fail_after(limit):
                return await anyio.to_thread.run_sync(
                    fn, *args, abandon_on_cancel=True, limiter=self.limiter
                )
        except TimeoutError:
            raise QueryTimeout(round(time.perf_counter() - started, 1)) from None


def _warm_up() -> None:
    """Import what the first network view needs (networkx, igraph, the views) while the
    server starts, so the first page with a view does not wait for it."""
    import importlib

    for name in ("networkx", "igraph", "alliancegraph.analysis.projections", "alliancegraph.views"):
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def status_of(error: Exception) -> int:
    """The HTTP status for an error of ours."""
    if isinstance(error, ProtocolError):
        return error.status
    if isinstance(error, QuerySyntaxError | UsageError):
        return 400
    if isinstance(error, TooManyRows):
        return 403
    if isinstance(error, QueryTimeout):
        return 503
    if isinstance(error, EndpointError):
        return 502
    return 500


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
    endpoint = endpoint_url(request)
    examples = await request.app.state.engine.run(request.app.state.examples, endpoint)
    triples = protocol.service_description(
        endpoint, examples, federated=request.app.state.engine.settings.allow_service
    )
    fmt = protocol.negotiate("graph", accept, request.query_params.get("format"))
    text = protocol.serialize_graph(triples, fmt)
    return Response(text.encode("utf-8"), media_type=protocol.content_type(fmt))


def create_app(graph: Any, settings: Settings | None = None) -> Starlette:
    """The web app on ``graph`` (anything with ``query(sparql, timeout=)``, such as an
    :class:`~alliancegraph.AllianceGraph`)."""
    from . import pages

    settings = settings or Settings()
    middleware = []
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
    async def lifespan(app: Starlette):
        await anyio.to_thread.run_sync(engine.start)
        try:
            yield
        finally:
            engine.stop()

    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.engine = engine
    app.state.examples = pages.examples
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
    graph: Any,
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


__all__ = ["Engine", "Settings", "bind_warning", "create_app", "serve"]
