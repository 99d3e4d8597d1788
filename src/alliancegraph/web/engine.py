"""The server's hold on the graph: its limits, and blocking work run off the event loop
under a deadline.

No query runs on the event loop: on an on-disk store, queries go to long-lived worker
processes that are killed at the deadline (:mod:`.pool`); on a memory or remote store, to
the store's own deadline in a worker thread. A backstop here answers at the deadline
regardless, so other requests keep being served while a runaway query runs and after it
is stopped. Everything the pages ask goes through the :class:`AllianceGraph` API.

Fair under load: reading a query and checking it (update? SERVICE?) runs in a thread of
its own small pool when the request is long (on the event loop up to :data:`INLINE`);
each client (by IP address) may have
``per_client`` queries admitted at once (429 past it), and at most ``workers + queue``
are admitted in all (503 past it), both with ``Retry-After``; :class:`Fairness` sends
queries expected to be slow (their client's or their text's recent ones were) only to the
workers not reserved for fast ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio

from ..errors import QueryTimeout
from ..graph import AllianceGraph
from ..results import Cut, QueryResult
from . import protocol
from .data import Cache
from .pool import MEMORY, WINDOW, Answer, PooledStore, Reply, Request, WorkerPool, answer
from .protocol import Operation, ProtocolError

T = TypeVar("T")

#: Seconds the web layer waits beyond the store's own deadline before answering anyway.
GRACE = 1.0
#: Characters of a request read and checked on the event loop itself: reading and checking
#: is linear in the text, and 16 K of it costs far less than the hop to a thread (about
#: 1 ms each under load: bench_serve's profile); longer texts go to a thread.
INLINE = 16 << 10


@dataclass
class Settings:
    """Limits of one server. ``timeout`` is the per-query deadline in seconds; ``max_rows``
    caps result rows (triples for graphs); ``max_request_bytes`` caps a request's body and
    query text; ``workers`` is how many queries run at once (worker processes on an on-disk
    store); ``cors`` allows any origin to call ``/sparql`` from a browser; ``allow_service``
    lets queries call other endpoints (``SERVICE``), off so that visitors cannot make the
    server send requests elsewhere; ``pool`` answers from long-lived worker processes on an
    on-disk store (False: the store's own deadline, a fork per query).

    ``worker_memory`` is the megabytes each query worker may allocate; ``max_response_bytes``
    caps an answer's body (it is cut, and says so); ``per_client`` is how many queries one
    client (IP address) may have running or waiting; ``queue`` how many may wait for a
    worker in all."""

    timeout: float = 30.0
    max_rows: int = 100_000
    max_request_bytes: int = 1_000_000
    workers: int = 4
    cors: bool = False
    allow_service: bool = False
    pool: bool = True
    worker_memory: int = MEMORY
    max_response_bytes: int = 50 << 20
    per_client: int = 2
    queue: int = 16
    #: Host names answered besides loopback and the address connected to (``NAME`` any
    #: port, ``NAME:PORT``); see :mod:`.guard`.
    allowed_hosts: tuple[str, ...] = ()
    #: which store the query workers answer from: auto (in memory when ``workers`` copies
    #: fit ``memory_budget`` MB, default :func:`alliancegraph.config.memory_budget`),
    #: memory or disk
    store: str = "auto"
    memory_budget: int | None = None
    #: bytes of whole answers kept to answer the same request again (0: none)
    result_cache_bytes: int = 64 << 20


class Busy(ProtocolError):
    """Too many queries: 429 for one client, 503 for the server; ``retry_after`` seconds."""

    def __init__(self, status: int, message: str, retry_after: int):
        self.retry_after = retry_after
        super().__init__(status, message)


@dataclass
class Fairness:
    """Which queries may use the worker reserved for fast ones: those whose client's recent
    queries (a moving average of worker seconds) and whose text's last run took less than
    ``fast`` seconds, from a client with no query running longer than that. Everything
    else waits for the other workers, so slow queries never hold them all."""

    fast: float = 0.5
    remembered: int = 4096
    clients: OrderedDict[str, float] = field(default_factory=OrderedDict)
    texts: OrderedDict[bytes, float] = field(default_factory=OrderedDict)
    #: when each client's queries got a worker (time spent waiting for one is not theirs)
    running: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=16).digest()

    def expects_fast(self, client: str, text: str) -> bool:
        now = time.monotonic()
        with self.lock:
            if any(now - t > self.fast for t in self.running.get(client, ())):
                return False
        return (
            self.clients.get(client, 0.0) < self.fast
            and self.texts.get(self.key(text), 0.0) < self.fast
        )

    def started(self, client: str) -> float:
        """A query of ``client`` got a worker now (called from the thread that waited)."""
        now = time.monotonic()
        with self.lock:
            self.running.setdefault(client, []).append(now)
        return now

    def finished(
        self, client: str, text: str, started: float, cost: float | None = None
    ) -> None:
        """The query that got a worker at ``started`` is over: remember its cost (its
        worker time, or ``cost`` if given: a query stopped at its deadline cost all of it,
        however little of it was left when it got a worker)."""
        seconds = time.monotonic() - started if cost is None else cost
        with self.lock:
            runs = self.running.get(client, [])
            with contextlib.suppress(ValueError):
                runs.remove(started)
            if not runs:
                self.running.pop(client, None)
        average = 0.5 * self.clients.pop(client, 0.0) + 0.5 * seconds
        self.clients[client] = average
        key = self.key(text)
        self.texts.pop(key, None)
        self.texts[key] = seconds
        for table in (self.clients, self.texts):
            while len(table) > self.remembered:
                table.popitem(last=False)


class Admission:
    """Queries admitted (running or waiting for a worker), per client and in all."""

    def __init__(self, settings: Settings):
        self.per_client = settings.per_client
        self.capacity = settings.workers + settings.queue
        self.clients: dict[str, int] = {}
        self.total = 0

    def enter(self, client: str) -> None:
        if self.clients.get(client, 0) >= self.per_client:
            raise Busy(
                429,
                f"at most {self.per_client} queries per client at once; wait for one to finish",
                1,
            )
        if self.total >= self.capacity:
            raise Busy(503, "the server is busy (every query worker and queue place is taken)", 2)
        self.clients[client] = self.clients.get(client, 0) + 1
        self.total += 1

    def leave(self, client: str) -> None:
        left = self.clients.get(client, 1) - 1
        if left > 0:
            self.clients[client] = left
        else:
            self.clients.pop(client, None)
        self.total -= 1


class Whole:
    """An answer computed in this process (memory or remote store), read like a
    :class:`~.pool.Reply`."""

    streamed = False

    def __init__(self, answer: Answer):
        self.fmt, self.cut, self.body = answer.fmt, answer.cut, answer.body
        self.length: int | None = len(answer.body)

    def chunks(self) -> Iterator[bytes]:
        yield self.body

    def next_chunk(self) -> bytes | None:
        body, self.body = self.body, b""
        return body or None

    def close(self) -> None:
        pass


@dataclass
class Ticket:
    """One admitted query: who asked, what, since when, and where its answer comes from."""

    client: str
    text: str = ""
    started: float = 0.0
    reply: Reply | Whole | None = None
    body: bytes | None = None


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
        # Threads that wait for a worker: every admitted query may, plus the pages'.
        self.limiter = anyio.CapacityLimiter(settings.workers + settings.queue + 8)
        #: threads that read and check query texts (a 1 MB text takes a while)
        self.checker = anyio.CapacityLimiter(2)
        self.admission = Admission(settings)
        self.fairness = Fairness()
        self.pool: WorkerPool | None = None
        #: rendered views and the class of every entity (the store is read-only)
        self.cache = Cache()
        #: whole answers by (dataset, query, accept, format): a build's dataset never
        #: changes, so an answer is good for as long as this server runs
        self.results = Cache(100_000, settings.result_cache_bytes)
        #: the dataset's identity (a build's key); None: it may change (a remote endpoint),
        #: so answers are neither kept nor tagged
        self.dataset = _dataset_id(graph)
        #: What pages, search and the library ask: every query under the deadline.
        self.graph = graph.with_deadline(settings.timeout)
        #: where the workers answer from ("memory" or "disk"), and why, once started
        self.store_kind = graph.store_kind
        self.store_note = ""

    def start(self) -> None:
        """Start the worker processes (on an embedded build); called when the server
        starts. They answer from in-memory copies when ``workers`` of them fit the
        memory budget (each loads the build's N-Quads itself), else from the store on
        disk."""
        threading.Thread(target=_warm_up, daemon=True, name="alliancegraph-warm-up").start()
        b = self.source.build
        if self.pool is None and self.settings.pool and (self.source.store_path or b):
            s = self.settings
            kind, self.store_note = self.source.store_plan(s.store, s.memory_budget, s.workers)
            self.store_kind = kind
            # workers with in-memory copies load the build's N-Quads: an import's store left
            # to its first use (Build.store_path) is not made for them
            path = self.source.store_path
            if path is None and b is not None:
                path = b.path / "store" if kind == "memory" else b.store_path
            assert path is not None
            self.pool = WorkerPool(
                path, s.workers, s.worker_memory, isolate=not s.allow_service,
                folder=b.path if kind == "memory" and b is not None else None,
            )  # fmt: skip
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

    def admit(self, client: str) -> Ticket:
        """Admit one query of ``client`` (on the event loop); Busy (429/503) if over."""
        self.admission.enter(client)
        return Ticket(client)

    def release(self, ticket: Ticket, error: BaseException | None = None) -> None:
        """The query of ``ticket`` is over (answered, failed with ``error``, abandoned)."""
        if ticket.reply is not None:
            ticket.reply.close()
        if ticket.started:
            cost = self.settings.timeout if isinstance(error, QueryTimeout) else None
            self.fairness.finished(ticket.client, ticket.text, ticket.started, cost)
        self.admission.leave(ticket.client)

    async def read(
        self, method: str, params: dict[str, list[str]], content_type: str, body: bytes,
        accept: str = "",
    ) -> Operation:  # fmt: skip
        """The query a request carries, read and checked (off the event loop when long).
        A request whose answer is kept was checked when it was answered."""

        def read_and_check() -> Operation:
            op = protocol.operation(method, params, content_type, body)
            key = self.result_key(op.query, accept, op.format)
            if key is None or self.results.peek(key) is None:
                self.check(op.query)
            return op

        size = len(body) + sum(len(v) for values in params.values() for v in values)
        if size <= INLINE:
            return read_and_check()
        return await anyio.to_thread.run_sync(read_and_check, limiter=self.checker)

    async def answer(
        self, ticket: Ticket, op: Operation, accept: str, fresh: bool = False
    ) -> Ticket:
        """Start answering ``op`` for ``ticket``: once this returns, ``ticket.reply`` has
        the format and, for a short answer, ``ticket.body`` the whole body. ``fresh``: the
        client asked for an answer not served from the cache (``Cache-Control: no-cache``);
        the query runs, and its answer is kept for the next request."""
        s = self.settings
        request = ("protocol", op.query, accept, op.format, s.max_rows, s.max_response_bytes)
        ticket.text = op.query
        key = self.result_key(op.query, accept, op.format)
        kept = self.results.peek(key) if key is not None and not fresh else None
        if kept is not None:
            ticket.reply = Whole(kept)
            ticket.body = kept.body
            return ticket
        fast = self.fairness.expects_fast(ticket.client, op.query)

        def leased() -> None:
            ticket.started = self.fairness.started(ticket.client)

        def start() -> None:
            reply: Reply | Whole
            if self.pool is not None:
                reply = self.pool.stream(request, s.timeout, fast, leased)
            else:
                leased()
                reply = Whole(answer(self.source, request, timeout=s.timeout))
            ticket.reply = reply
            if not reply.streamed and (reply.length or 0) <= WINDOW:
                ticket.body = b"".join(reply.chunks())
                if key is not None and reply.cut is None:  # never a cut answer
                    self.results.put(key, Answer(reply.fmt, ticket.body), len(ticket.body))

        await self.run(start)
        return ticket

    def result_key(self, query: str, accept: str, fmt: str | None) -> tuple | None:
        """The key of an answer in :attr:`results` (None: not kept): the dataset, the
        query text, the Accept header and the format asked, and the caps it was cut at."""
        if self.dataset is None or not self.settings.result_cache_bytes:
            return None
        s = self.settings
        return (self.dataset, query, accept, fmt, s.max_rows, s.max_response_bytes)

    def etag(self, query: str, accept: str, fmt: str | None) -> str | None:
        """The ETag of an answer: one per dataset and request (None: the dataset may
        change)."""
        key = self.result_key(query, accept, fmt)
        if key is None:
            return None
        # each part hashed as it is (1.2 ms for a 1 MB query), not repr() of the key (3.6 ms,
        # on the event loop: a flood of long cached queries held up static files)
        digest = hashlib.blake2b(digest_size=12)
        for part in key:
            digest.update(str(part).encode("utf-8", "surrogatepass") + b"\0")
        return f'"{self.dataset}-{digest.hexdigest()}"'

    async def body(self, ticket: Ticket) -> Any:
        """The rest of an answer, chunk by chunk, read in a thread."""
        reply = ticket.reply
        assert reply is not None
        while True:
            chunk = await anyio.to_thread.run_sync(reply.next_chunk, limiter=self.limiter)
            if chunk is None:
                return
            yield chunk

    @staticmethod
    def truncated(cut: Cut | None) -> dict[str, str]:
        """The header saying an answer was cut (none if it was not)."""
        return {"X-Result-Truncated": cut.header} if cut else {}

    def check(self, sparql: str) -> str:
        """A user's query text, refused (403) if it is an update or may call SERVICE when
        federated queries are off (:func:`.protocol.check_query`: plain, CPU-bound, safe
        to run in a thread)."""
        return protocol.check_query(sparql, self.settings.allow_service)

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


def _dataset_id(graph: AllianceGraph) -> str | None:
    """What identifies the dataset ``graph`` answers from for as long as it runs: its
    build's key, or the path of its read-only store; None for anything else."""
    if graph.build is not None:
        return graph.build.key
    path = graph.store_path
    return hashlib.blake2b(str(path).encode(), digest_size=8).hexdigest() if path else None


def _warm_up() -> None:
    """Import what the first network view needs (networkx, igraph, the views) while the
    server starts, so the first page with a view does not wait for it."""
    import importlib

    for name in ("networkx", "igraph", "alliancegraph.analysis", "alliancegraph.views"):
        with contextlib.suppress(Exception):
            importlib.import_module(name)


__all__ = ["GRACE", "Engine", "Settings"]
