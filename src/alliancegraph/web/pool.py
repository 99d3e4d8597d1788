"""Worker processes that answer queries on an on-disk store, within a deadline and a memory
limit, streaming what they answer.

Why not the store's own deadline (``EmbeddedStore.query(timeout=)``)? It forks a child and
opens the store afresh for every query: about 60 ms each on the bundled graph, against
0.2 ms in-process (``benchmarks/bench_serve.py`` measures both). A server answers many
small queries, so it keeps a few long-lived workers instead, each with its own read-only
handle on the store; a query that outlives its deadline has its worker killed (the query
really stops, its CPU is given back) and a fresh worker takes the slot.

Each worker:

- may allocate ``memory`` MB beyond what it holds once started (``RLIMIT_DATA``,
  :func:`alliancegraph.limits.confine`); a query that needs more ends the worker (Oxigraph
  aborts) and is answered with :class:`~alliancegraph.errors.QueryOutOfMemory`;
- dies with the server (``PR_SET_PDEATHSIG``: SIGKILL when the pool's spawner thread, which
  lives as long as the pool, ends; its pipe closing ends an idle one anyway);
- reads a result as Oxigraph produces it and writes it in chunks
  (:class:`~alliancegraph.results.ResultWriter`), stopping at the row and byte caps, so a
  cartesian product is never built beyond the cap. It holds a JSON or XML answer until
  :data:`WINDOW` bytes, then streams it (the note saying it was cut is in the body); CSV,
  TSV and graphs have no place for a note, so they are held until complete (at most the
  byte cap) and the server sends ``X-Result-Truncated``.

Workers that die are replaced. One worker of two or more is *reserved* for queries the
server expects to be fast (:meth:`WorkerPool.lease` with ``fast=True``), so slow queries
never hold every worker. Each worker opens the graph through the API
(:meth:`AllianceGraph.open_store`, read-only) and must never open the store for writing.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import limits, sandbox
from ..errors import AllianceGraphError, EndpointError, QueryOutOfMemory, QueryTimeout
from ..results import Cut, QueryResult, ResultWriter, Term
from . import protocol
from .protocol import TooManyRows

if TYPE_CHECKING:
    from ..graph import AllianceGraph

#: One request to a worker: ``("query", sparql, bindings, max_rows)`` or
#: ``("protocol", sparql, accept, format, max_rows, max_bytes)``.
Request = tuple[Any, ...]

#: Bytes of a JSON or XML answer a worker holds before it starts streaming it: an answer
#: this short is sent whole, with its length and ``X-Result-Truncated`` when cut.
WINDOW = 1 << 20
#: Bytes per chunk between a worker and the server.
CHUNK = 1 << 18
#: Default megabytes a worker may allocate (``serve --worker-memory``).
MEMORY = 1024


@dataclass
class Answer:
    """A protocol answer: its format key, its bytes and why it was cut (None: whole)."""

    fmt: str
    body: bytes
    cut: Cut | None = None


def protocol_writer(graph: AllianceGraph, request: Request, timeout: float | None = None) -> Any:
    """The :class:`ResultWriter` of a ``("protocol", …)`` request, in the negotiated
    format."""
    _, sparql, accept, fmt, max_rows, max_bytes = request
    stream = graph.stream(sparql, timeout=timeout)
    key = protocol.negotiate(stream.kind, accept, fmt)
    return ResultWriter(stream, key, max_rows, max_bytes, CHUNK)


def answer(graph: AllianceGraph, request: Request, timeout: float | None = None) -> Any:
    """Do one request on ``graph`` (in a worker, or in a thread for other stores).

    ``("query", sparql, bindings, max_rows)`` returns a :class:`QueryResult` (TooManyRows
    past ``max_rows``, found by reading one row more, never the whole result);
    ``("protocol", sparql, accept, fmt, max_rows, max_bytes)`` an :class:`Answer` written
    in the negotiated format and cut at the caps.
    """
    op = request[0]
    if op == "query":
        _, sparql, bindings, max_rows = request
        stream = graph.stream(sparql, timeout=timeout, bindings=bindings)
        result = stream.collect(None if max_rows is None else max_rows + 1)
        if max_rows is not None and len(result) > max_rows:
            raise TooManyRows(max_rows)
        result.warnings = graph.lint(sparql, bindings)  # as graph.query gives them
        return result
    if op == "protocol":
        writer = protocol_writer(graph, request, timeout)
        body = b"".join(writer.chunks())
        return Answer(writer.fmt, body, writer.cut)
    raise ValueError(f"unknown request {op!r}")


def _pack(error: BaseException) -> tuple[str, str, str, dict]:
    cls = type(error)
    module = "alliancegraph.web.pool" if cls.__module__ == "__main__" else cls.__module__
    return module, cls.__qualname__, str(error), dict(getattr(error, "__dict__", {}))


def _unpack(module: str, name: str, message: str, attrs: dict) -> Exception:
    """Rebuild an error of ours with its type, message and attributes (not its __init__)."""
    import importlib

    try:
        cls = importlib.import_module(module)
        for part in name.split("."):
            cls = getattr(cls, part)
        if not (isinstance(cls, type) and issubclass(cls, AllianceGraphError)):
            raise TypeError
        error = cls.__new__(cls)
        Exception.__init__(error, message)
        error.__dict__.update(attrs)
        return error
    except Exception:
        return EndpointError(f"query failed: {name}: {message}")


# -- the worker process ----------------------------------------------------------------------


def _stream(graph: AllianceGraph, request: Request, conn: Connection) -> None:
    """Write a protocol answer to ``conn``: ``("head", fmt, cut, length)``, then
    ``("chunk", bytes)`` messages and ``("end", cut)``. ``cut`` and ``length`` are None in
    the head when the answer is streamed before it is complete."""
    writer = protocol_writer(graph, request)
    window = WINDOW if writer.notes_in_body else None
    held: list[bytes] = []
    size = 0
    started = False
    for chunk in writer.chunks():
        if started:
            conn.send(("chunk", chunk))
            continue
        held.append(chunk)
        size += len(chunk)
        if window is not None and size >= window:
            conn.send(("head", writer.fmt, None, None))
            for c in held:
                conn.send(("chunk", c))
            held, started = [], True
    if not started:
        conn.send(("head", writer.fmt, writer.cut, size))
        for c in held:
            conn.send(("chunk", c))
    conn.send(("end", writer.cut))


def _serve(  # pragma: no cover - in the worker process
    path: str, conn: Connection, memory: int, parent: int, isolate: bool = False,
    folder: str | None = None,
) -> None:  # fmt: skip
    """A worker: cut itself off the network (``isolate``, :mod:`alliancegraph.sandbox`:
    first, while it has one thread), die with the server, open the graph's store
    read-only (or, given the build ``folder``, load its in-memory copy), limit memory,
    then answer requests until the pipe closes."""
    import signal

    if isolate:
        try:
            sandbox.isolate()
        except sandbox.SandboxError as e:
            print(f"alliancegraph query worker: {e}", file=sys.stderr)
            conn.send(("isolation failed", str(e)))
            return
    limits.die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle

    from ..graph import AllianceGraph

    if folder:
        graph = AllianceGraph.open_build_folder(folder, store="memory")
    else:
        graph = AllianceGraph.open_store(path)
    limits.limit_memory(memory)
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        fatal = False
        try:
            if request[0] == "protocol":
                _stream(graph, request, conn)
                continue
            reply: tuple[str, Any] = ("ok", answer(graph, request))
        except (EOFError, BrokenPipeError, ConnectionError):
            return  # the server went away
        except OSError as e:
            # The query's own I/O failed, not the pipe: a SERVICE call the sandbox cut off,
            # or an unreachable endpoint under --allow-service. The worker goes on.
            failed = EndpointError(f"the query could not reach another host: {e}")
            reply = ("error", _pack(failed))
        except MemoryError:
            reply, fatal = ("error", _pack(QueryOutOfMemory(memory))), True
        except AllianceGraphError as e:
            reply = ("error", _pack(e))
        except Exception as e:
            reply = ("error", ("builtins", "RuntimeError", f"{type(e).__name__}: {e}", {}))
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        if fatal:
            return


# -- the server side -------------------------------------------------------------------------


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    reserved: bool = False
    #: monotonic time past which the watchdog kills it (while leased)
    deadline: float | None = None

    def stop(self) -> None:
        try:
            self.process.kill()
            self.process.wait(5)
        except Exception:
            pass
        self.conn.close()


@dataclass(eq=False)
class _Waiter:
    fast: bool
    ready: threading.Event = field(default_factory=threading.Event)
    worker: _Worker | None = None


class WorkerPool:
    """``size`` worker processes on the read-only store at ``path``, each allowed
    ``memory`` MB; with two or more, one is reserved for queries expected to be fast.
    Given the build ``folder``, each worker answers from its own in-memory copy of the
    build's dataset instead (4-8x faster per query; the caller checks the budget).

    >>> pool = WorkerPool(build.store_path, size=2)  # doctest: +SKIP
    >>> pool.call(("query", sparql, None, None), timeout=5)  # doctest: +SKIP
    <QueryResult …>
    """

    def __init__(
        self, path: Path, size: int = 4, memory: int = MEMORY, isolate: bool = True,
        folder: Path | None = None,
    ):  # fmt: skip
        self.path = Path(path)
        #: the build whose dataset each worker holds in memory (None: the store on disk)
        self.folder = Path(folder) if folder is not None else None
        #: whether the workers run cut off the network (where the machine allows it)
        self.isolated = isolate and sandbox.unavailable() is None
        self.size = size
        self.memory = memory
        self.reserved = 1 if size >= 2 else 0
        #: workers killed at their deadline, and replaced after dying of a query
        self.killed = 0
        self.replaced = 0
        self._idle: dict[bool, list[_Worker]] = {True: [], False: []}
        self._waiting: dict[bool, deque[_Waiter]] = {True: deque(), False: deque()}
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        # Workers are forked by this one long-lived thread: PR_SET_PDEATHSIG fires when the
        # forking *thread* ends, so it must live as long as the pool.
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="alliancegraph-spawner")
        starters = [
            threading.Thread(target=self._add, args=(i < self.reserved,), daemon=True)
            for i in range(size)
        ]
        for t in starters:
            t.start()
        for t in starters:
            t.join()
        if len(self._all) < size:
            self.close()
            raise EndpointError(f"could not start query workers on the store at {self.path}")
        self._watchdog = threading.Thread(
            target=self._watch, daemon=True, name="alliancegraph-watchdog"
        )
        self._watchdog.start()

    # -- workers come and go ---------------------------------------------------------------

    def _popen(self, fd: int) -> subprocess.Popen[bytes]:
        # A plain subprocess (not multiprocessing's spawn, which re-runs the caller's
        # __main__ in the child): ``python -m alliancegraph.web.pool STORE FD MB PARENT ISOLATED``.
        args = [str(self.path), str(fd), str(self.memory), str(os.getpid()), str(self.isolated)]
        args.append(str(self.folder) if self.folder is not None else "")
        return subprocess.Popen(
            [sys.executable, "-m", __name__, *args], pass_fds=(fd,), stdin=subprocess.DEVNULL
        )

    def _start(self, reserved: bool) -> _Worker | None:
        ours, theirs = socket.socketpair()
        try:
            process = self._spawner.submit(self._popen, theirs.fileno()).result()
        except RuntimeError:  # the pool is closing
            ours.close()
            return None
        finally:
            theirs.close()
        worker = _Worker(process, Connection(ours.detach()), reserved)
        # loading an in-memory copy takes about 4 s per 1.5 M quads, several at once
        if worker.conn.poll(60 if self.folder is None else 600):
            try:
                if worker.conn.recv()[0] == "ready":
                    return worker
            except (EOFError, OSError):
                pass
        worker.stop()
        return None

    def _add(self, reserved: bool) -> None:
        worker = self._start(reserved)
        if worker is None:
            return
        with self._lock:
            if self._closed:
                worker.stop()
                return
            self._all.add(worker)
        self._release(worker)

    def _drop(self, worker: _Worker) -> None:
        """Kill ``worker`` and start a replacement in the background (once)."""
        with self._lock:
            if worker not in self._all:
                return
            self._all.discard(worker)
        worker.stop()
        if not self._closed:
            self.replaced += 1
            threading.Thread(target=self._add, args=(worker.reserved,), daemon=True).start()

    def _watch(self) -> None:
        """Kill leased workers past their deadline (a stream whose reader stalls)."""
        while not self._closed:
            now = time.monotonic()
            with self._lock:
                late = [w for w in self._all if w.deadline is not None and w.deadline < now]
            for w in late:
                self.killed += 1
                self._drop(w)
            time.sleep(0.25)

    # -- leasing ---------------------------------------------------------------------------

    def _release(self, worker: _Worker) -> None:
        """Give ``worker`` to the first waiter that may use it, else make it idle: a
        reserved worker only to fast queries; a general one to fast ones first."""
        worker.deadline = None
        with self._lock:
            if self._closed or worker not in self._all:
                return
            for fast in (True,) if worker.reserved else (True, False):
                if self._waiting[fast]:
                    waiter = self._waiting[fast].popleft()
                    waiter.worker = worker
                    waiter.ready.set()
                    return
            self._idle[worker.reserved].append(worker)

    def _acquire(self, fast: bool, timeout: float) -> _Worker:
        with self._lock:
            for reserved in (True, False) if fast else (False,):
                if self._idle[reserved]:
                    return self._idle[reserved].pop()
            waiter = _Waiter(fast)
            self._waiting[fast].append(waiter)
        if waiter.ready.wait(timeout):
            assert waiter.worker is not None
            return waiter.worker
        with self._lock, contextlib.suppress(ValueError):
            self._waiting[fast].remove(waiter)
        if waiter.worker is not None:  # given just as the wait ended
            return waiter.worker
        raise QueryTimeout(timeout)

    def _lost(self, worker: _Worker) -> AllianceGraphError:
        """Why ``worker`` stopped answering: its deadline, its memory, or a crash."""
        with contextlib.suppress(Exception):
            worker.process.wait(2)
        if limits.ran_out_of_memory(worker.process.returncode):
            return QueryOutOfMemory(self.memory)
        return EndpointError("the query worker stopped unexpectedly; try again, or a smaller query")

    def call(self, request: Request, timeout: float, fast: bool = True) -> Any:
        """Send ``request`` to a worker; QueryTimeout if it is not answered in time (the
        worker is then killed, which stops the query)."""
        deadline = time.monotonic() + timeout
        worker = self._acquire(fast, timeout)
        healthy = False
        try:
            worker.conn.send(request)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                self.killed += 1
                raise QueryTimeout(timeout)
            status, payload = worker.conn.recv()
            healthy = not (status == "error" and payload[1] == QueryOutOfMemory.__qualname__)
        except (EOFError, OSError):
            raise self._lost(worker) from None
        finally:
            if healthy:
                self._release(worker)
            else:
                self._drop(worker)
        if status == "error":
            raise _unpack(*payload)
        return payload

    def stream(
        self,
        request: Request,
        timeout: float,
        fast: bool = True,
        leased: Callable[[], None] | None = None,
    ) -> Reply:
        """Send a ``("protocol", …)`` request; return once its head has come (raising the
        query's error if it failed before). ``leased`` is called when a worker is found.
        Read the body with :meth:`Reply.chunks`; the worker is killed at the deadline even
        if nobody reads."""
        deadline = time.monotonic() + timeout
        worker = self._acquire(fast, timeout)
        if leased is not None:
            leased()
        worker.deadline = deadline + 0.5
        reply = Reply(self, worker, deadline, timeout)
        try:
            worker.conn.send(request)
            reply.head()
        except BaseException:
            reply.close()
            raise
        return reply

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(w.process.pid for w in self._all)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            for fast in (True, False):
                self._waiting[fast].clear()
        for w in workers:
            w.stop()
        self._spawner.shutdown(wait=False)


class Reply:
    """An answer coming from a worker: ``fmt``, ``cut`` and ``length`` once the head has
    come (``cut`` and ``length`` None while a streamed answer is still running; ``cut``
    is final after the last chunk). Its worker returns to the pool when the body has
    been read, or is killed if the reader stops early (:meth:`close`)."""

    def __init__(self, pool: WorkerPool, worker: _Worker, deadline: float, timeout: float):
        self.pool, self.worker, self.deadline, self.timeout = pool, worker, deadline, timeout
        self.fmt = ""
        self.cut: Cut | None = None
        self.length: int | None = None
        self.streamed = False
        self.sent = 0
        self._done = False
        self._closed = False

    def _next(self) -> tuple[Any, ...]:
        conn = self.worker.conn
        try:
            if not conn.poll(max(0.0, self.deadline - time.monotonic())):
                self.pool.killed += 1
                raise QueryTimeout(self.timeout)
            message: tuple[Any, ...] = conn.recv()
        except (EOFError, OSError):
            if time.monotonic() >= self.deadline:
                self.pool.killed += 1
                raise QueryTimeout(self.timeout) from None
            raise self.pool._lost(self.worker) from None
        if message[0] == "error":
            # The worker finished the request (and goes on), unless memory ran out.
            self._done = message[1][1] != QueryOutOfMemory.__qualname__
            raise _unpack(*message[1])
        return message

    def head(self) -> None:
        _, self.fmt, self.cut, self.length = self._next()
        self.streamed = self.length is None

    def chunks(self) -> Iterator[bytes]:
        """The body, chunk by chunk (blocking); the worker is released after the last."""
        try:
            while True:
                message = self._next()
                if message[0] == "end":
                    self.cut = message[1]
                    self._done = True
                    return
                self.sent += len(message[1])
                yield message[1]
        finally:
            self.close()

    def next_chunk(self) -> bytes | None:
        """The next chunk, or None after the last (for a reader in another thread)."""
        message = self._next()
        if message[0] == "end":
            self.cut = message[1]
            self._done = True
            self.close()
            return None
        self.sent += len(message[1])
        data: bytes = message[1]
        return data

    def close(self) -> None:
        """Give the worker back if the answer was read to its end, else kill it."""
        if self._closed:
            return
        self._closed = True
        if self._done:
            self.pool._release(self.worker)
        else:
            self.pool._drop(self.worker)


class PooledStore:
    """The store interface (``query(sparql, timeout=, bindings=)``) answered by a pool, so
    search, describe and the library run unchanged on the server's workers."""

    def __init__(self, pool: WorkerPool, timeout: float, max_rows: int | None = None):
        self.pool = pool
        self.timeout = timeout
        self.max_rows = max_rows

    def query(
        self,
        sparql: str,
        timeout: float | None = None,
        bindings: Mapping[str, Term] | None = None,
    ) -> QueryResult:
        request = ("query", sparql, dict(bindings) if bindings else None, self.max_rows)
        result: QueryResult = self.pool.call(request, timeout or self.timeout)
        return result

    #: the pool answers from one build, whose dataset never changes (search keeps its index)
    cacheable = True

    def describe_location(self) -> str:
        folder, n = self.pool.folder, self.pool.size
        if folder is not None:
            return f"embedded Oxigraph store in memory, loaded from {folder} ({n} query workers)"
        return f"embedded Oxigraph store at {self.pool.path} ({n} query workers)"


if __name__ == "__main__":  # pragma: no cover - the worker process
    _serve(
        sys.argv[1], Connection(int(sys.argv[2])), int(sys.argv[3]), int(sys.argv[4]),
        isolate=sys.argv[5:6] == ["True"], folder=sys.argv[6] if len(sys.argv) > 6 else None,
    )  # fmt: skip
