"""The server's hold on the graph: its limits, and blocking work run off the event loop
under a deadline.

No query runs on the event loop: on an on-disk store, queries go to long-lived worker
processes that are killed at the deadline (:mod:`.pool`); on a memory or remote store, to
the store's own deadline in a worker thread. A backstop here answers at the deadline
regardless, so other requests keep being served while a runaway query runs and after it
is stopped. Everything the pages ask goes through the :class:`AllianceGraph` API.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio

from ..errors import QueryTimeout
from ..graph import AllianceGraph
from ..results import QueryResult
from . import protocol
from .data import Cache
from .pool import PooledStore, Request, WorkerPool, answer
from .protocol import ProtocolError

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


class Engine:
    """Runs blocking work (queries, search, views) off the event loop, under a deadline.

    On an on-disk embedded store, queries go to a :class:`~.pool.WorkerPool` of processes
    (killed at the deadline); on a memory or remote store, to the store's own deadline in
    a worker thread. Either way, if no answer comes by the deadline (plus a short grace),
    the request is answered with :class:`QueryTimeout` and the event loop never waits.
    """

    def __init__(self, graph: AllianceGraph, settings: Settings):
        #: the graph the server was given (its store answers when there is no pool)
        self.source = graph
        self.settings = settings
        self.limiter = anyio.CapacityLimiter(max(8, 2 * settings.workers))
        self.pool: WorkerPool | None = None
        #: rendered views and the class of every entity (the store is read-only)
        self.cache = Cache()
        #: What pages, search and the library ask: every query under the deadline.
        self.graph = graph.with_deadline(settings.timeout)

    def start(self) -> None:
        """Start the worker processes (on an on-disk store); called when the server starts."""
        threading.Thread(target=_warm_up, daemon=True, name="alliancegraph-warm-up").start()
        path = self.source.store_path
        if path is not None and self.pool is None and self.settings.pool:
            self.pool = WorkerPool(path, self.settings.workers)
            self.graph = AllianceGraph(
                PooledStore(self.pool, self.settings.timeout), self.source.build,
                timeout=self.settings.timeout,
            )  # fmt: skip

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def request(self, request: Request) -> Any:
        """Blocking: one request (see :func:`.pool.answer`) under the deadline."""
        if self.pool is not None:
            return self.pool.call(request, self.settings.timeout)
        return answer(self.source, request, timeout=self.settings.timeout)

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
        result: QueryResult = self.request(
            ("query", self.check(sparql), None, self.settings.max_rows)
        )
        return result

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

    for name in ("networkx", "igraph", "alliancegraph.analysis", "alliancegraph.views"):
        with contextlib.suppress(Exception):
            importlib.import_module(name)


__all__ = ["GRACE", "Engine", "Settings"]
