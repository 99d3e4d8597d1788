"""Worker processes that answer queries on an on-disk store, killed at the deadline.

Why not the store's own deadline (``EmbeddedStore.query(timeout=)``)? It forks a child and
opens the store afresh for every query: about 60 ms each on the bundled graph, against
0.2 ms in-process (``benchmarks/bench_serve.py`` measures both). A server answers many
small queries, so it keeps a few long-lived workers instead, each with its own read-only
handle on the store; a query that outlives its deadline has its worker killed (the query
really stops, its CPU is given back) and a fresh worker takes the slot.

Each worker opens the graph through the API (:meth:`AllianceGraph.open_store`, read-only)
and answers with :func:`answer`, the same function the app uses on a memory or remote
store. It must never open the store for writing.
"""

from __future__ import annotations

import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AllianceGraphError, EndpointError, QueryTimeout
from ..results import QueryResult, Term
from . import protocol
from .protocol import TooManyRows

if TYPE_CHECKING:
    from ..graph import AllianceGraph

#: One request to a worker: ``("query", sparql, bindings, max_rows)`` or
#: ``("protocol", sparql, accept, format, max_rows)``.
Request = tuple[Any, ...]


def check_rows(result: QueryResult, cap: int | None) -> QueryResult:
    if cap is not None and len(result) > cap:
        raise TooManyRows(cap)
    return result


def answer(graph: AllianceGraph, request: Request, timeout: float | None = None) -> Any:
    """Do one request on ``graph`` (in a worker, or in a thread for other stores).

    ``("query", sparql, bindings, max_rows)`` returns a :class:`QueryResult`;
    ``("protocol", sparql, accept, fmt, max_rows)`` returns ``(format key, bytes)`` already
    serialised in the negotiated format, so large results cross the pipe once.
    """
    op = request[0]
    if op == "query":
        _, sparql, bindings, max_rows = request
        return check_rows(graph.query(sparql, timeout=timeout, bindings=bindings), max_rows)
    if op == "protocol":
        _, sparql, accept, fmt, max_rows = request
        result = check_rows(graph.query(sparql, timeout=timeout), max_rows)
        key = protocol.negotiate(result.kind, accept, fmt)
        return key, protocol.serialize(result, key).encode("utf-8")
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


def _serve(path: str, conn: Connection) -> None:  # pragma: no cover - in the worker process
    """A worker: open the graph's store read-only, then answer requests until the pipe
    closes."""
    import signal

    from ..graph import AllianceGraph

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    graph = AllianceGraph.open_store(path)
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", answer(graph, request))
        except AllianceGraphError as e:
            reply = ("error", _pack(e))
        except Exception as e:
            reply = ("error", ("builtins", "RuntimeError", f"{type(e).__name__}: {e}", {}))
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection

    def stop(self) -> None:
        try:
            self.process.kill()
            self.process.wait(5)
        except Exception:
            pass
        self.conn.close()


class WorkerPool:
    """``size`` worker processes on the read-only store at ``path``.

    >>> pool = WorkerPool(build.store_path, size=2)  # doctest: +SKIP
    >>> pool.call(("query", sparql, None, None), timeout=5)  # doctest: +SKIP
    <QueryResult …>
    """

    def __init__(self, path: Path, size: int = 4):
        self.path = Path(path)
        self.size = size
        self.killed = 0
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        starters = [threading.Thread(target=self._add, daemon=True) for _ in range(size)]
        for t in starters:
            t.start()
        for t in starters:
            t.join()
        if self._idle.qsize() < size:
            self.close()
            raise EndpointError(f"could not start query workers on the store at {self.path}")

    def _start(self) -> _Worker | None:
        # A plain subprocess (not multiprocessing's spawn, which re-runs the caller's
        # __main__ in the child): ``python -m alliancegraph.web.pool STORE FD``.
        ours, theirs = socket.socketpair()
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(self.path), str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        worker = _Worker(process, Connection(ours.detach()))
        if worker.conn.poll(60):
            try:
                if worker.conn.recv()[0] == "ready":
                    return worker
            except (EOFError, OSError):
                pass
        worker.stop()
        return None

    def _add(self) -> None:
        worker = self._start()
        if worker is None:
            return
        with self._lock:
            if self._closed:
                worker.stop()
                return
            self._all.add(worker)
        self._idle.put(worker)

    def _drop(self, worker: _Worker) -> None:
        """Kill ``worker`` and start a replacement in the background."""
        with self._lock:
            self._all.discard(worker)
        worker.stop()
        if not self._closed:
            threading.Thread(target=self._add, daemon=True).start()

    def call(self, request: Request, timeout: float) -> Any:
        """Send ``request`` to an idle worker; QueryTimeout if it is not answered in time
        (the worker is then killed, which stops the query)."""
        deadline = time.monotonic() + timeout
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeout(timeout) from None
        healthy = False
        try:
            worker.conn.send(request)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                self.killed += 1
                raise QueryTimeout(timeout)
            status, payload = worker.conn.recv()
            healthy = True
        except (EOFError, OSError):
            raise EndpointError(
                "the query worker stopped unexpectedly (out of memory?); try a smaller query"
            ) from None
        finally:
            if healthy:
                self._idle.put(worker)
            else:
                self._drop(worker)
        if status == "error":
            raise _unpack(*payload)
        return payload

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(w.process.pid for w in self._all)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.stop()


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

    def describe_location(self) -> str:
        return f"embedded Oxigraph store at {self.pool.path} ({self.pool.size} query workers)"


if __name__ == "__main__":  # pragma: no cover - the worker process
    _serve(sys.argv[1], Connection(int(sys.argv[2])))
