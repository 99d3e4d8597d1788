"""The embedded Oxigraph store, with deadlines that leave the caller's process usable.

With a deadline, the query runs in a forked child that opens the read-only store itself
(an in-memory store is inherited) and is killed at the deadline; the child may allocate
at most ``memory`` MB (:func:`alliancegraph.limits.confine`, default
``$ALLIANCEGRAPH_QUERY_MEMORY`` or 1024) and dies with the thread that forked it. Without
a deadline the query runs in-process.

Where it answers from is chosen by :func:`choose_kind`: an in-memory copy (4-8x faster per
query at 1x, loaded by Oxigraph's bulk loader from the build's sorted N-Quads in about 4 s
at 10x) when the dataset fits the memory budget, else the read-only store on disk (opens
in 50 ms: what a one-shot command wants).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import time
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox

from .. import config, limits
from ..errors import EndpointError, QueryOutOfMemory, QuerySyntaxError, QueryTimeout
from ..namespaces import PREFIXES
from ..results import QueryResult, ResultStream, Term
from .base import Bindings, check_syntax, syntax_error
from .binding import with_values

#: pyoxigraph's own substitutions: variable -> term, bound in the projection only.
Substitutions = Mapping[ox.Variable, Term]
#: What Oxigraph answers with before conversion.
RawResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples

#: Bytes an in-memory pyoxigraph store takes per quad, rounded up: measured at 10x
#: (1,511,956 quads bulk-loaded: +517 MB RSS, 358 B/quad; 698 MB peak while loading).
BYTES_PER_QUAD = 400


def memory_needed(quads: int, copies: int = 1) -> int:
    """Megabytes ``copies`` in-memory copies of a dataset of ``quads`` quads take."""
    return -(-quads * BYTES_PER_QUAD * copies // (1 << 20))


def choose_kind(choice: str, quads: int, budget: int, copies: int = 1) -> str:
    """``memory`` or ``disk``: what ``choice`` (auto, memory, disk) means for a dataset of
    ``quads`` quads held ``copies`` times within ``budget`` megabytes (auto: memory if it
    fits)."""
    if choice in ("memory", "disk"):
        return choice
    return "memory" if memory_needed(quads, copies) <= budget else "disk"


class EmbeddedStore:
    """An Oxigraph store in this process, opened from a build (or given directly in tests)."""

    def __init__(
        self,
        store: ox.Store | None = None,
        location: str = "memory",
        path: Path | None = None,
        memory: int | None = None,
    ):
        if store is None and path is None:
            store = ox.Store()
        self._store = store
        self.location = location
        self.path = path
        #: whether its dataset never changes while this process holds it (a build's, read
        #: only or loaded from it), so that search may keep its index
        self.cacheable = path is not None
        #: megabytes a query run under a deadline may allocate (its child is limited)
        self.memory = config.query_memory(memory)

    @classmethod
    def open(cls, path: Path) -> EmbeddedStore:
        """The read-only store at ``path``, opened on first in-process use (opening costs
        about 50 ms; a query with a deadline opens it in its child instead)."""
        return cls(None, str(path), Path(path))

    @property
    def store(self) -> ox.Store:
        if self._store is None:
            try:
                self._store = ox.Store.read_only(str(self.path))
            except OSError as e:
                raise EndpointError(f"cannot open the store at {self.path}: {e}") from None
        return self._store

    @classmethod
    def from_nquads(cls, path: Path, cacheable: bool = False) -> EmbeddedStore:
        """An in-memory store loaded from an N-Quads file (a build's ``dataset.nq``, already
        validated, hence ``lenient``). ``cacheable``: the file is a build's, whose dataset
        never changes. ``load``, not ``bulk_load``: for an in-memory store the plain load
        took half the time and four fifths of the memory (1.5 M quads: 38 s and 572 MB
        against 46 s and 715 MB; 4.2 M: 27 s against 54 s)."""
        store = ox.Store()
        try:
            store.load(path=str(path), format=ox.RdfFormat.N_QUADS, lenient=True)
        except (OSError, SyntaxError) as e:
            raise EndpointError(f"cannot load {path} into memory: {e}") from None
        made = cls(store, f"memory:{path}")
        made.cacheable = cacheable
        return made

    @property
    def kind(self) -> str:
        """``memory`` (a copy in this process) or ``disk`` (the read-only store)."""
        return "disk" if self.path is not None else "memory"

    def stream(self, sparql: str, bindings: Bindings | None = None) -> ResultStream:
        """Run ``sparql`` in this process and return its result lazily: each row is
        computed as it is read (no deadline; a server's worker is killed at it instead)."""
        text = with_values(sparql, bindings) if bindings else sparql

        def again() -> ResultStream:  # the same query run anew, for a writer that needs it
            return ResultStream.from_oxigraph(self.raw_query(text))

        try:
            return ResultStream.from_oxigraph(self.raw_query(text), again)
        except QuerySyntaxError:
            if bindings:
                check_syntax(sparql)
            raise

    def raw_query(self, sparql: str, substitutions: Substitutions | None = None) -> RawResult:
        """Run on Oxigraph and return its own lazy result (no conversion, no deadline)."""
        return self._run(self.store, sparql, substitutions)

    @staticmethod
    def _run(store: ox.Store, sparql: str, substitutions: Substitutions | None) -> RawResult:
        try:
            return store.query(
                sparql,
                prefixes=PREFIXES,
                use_default_graph_as_union=True,
                substitutions=dict(substitutions) if substitutions else None,
            )
        except SyntaxError as e:
            raise syntax_error(e, sparql=sparql) from None

    def query(
        self,
        sparql: str,
        timeout: float | None = None,
        bindings: Bindings | None = None,
        substitutions: Substitutions | None = None,
    ) -> QueryResult:
        """Run ``sparql``. ``bindings`` (variable name -> term) are bound structurally, as a
        VALUES block at the head of the WHERE group written by Oxigraph's own serialiser,
        exactly as for a remote endpoint, so both give the same rows (pyoxigraph's
        ``substitutions`` only binds projected variables; pass them through as such if
        wanted). With ``timeout`` (seconds) the query runs in a child process killed at
        the deadline (raising :class:`QueryTimeout`)."""
        subs = dict(substitutions or {})
        text = with_values(sparql, bindings) if bindings else sparql
        try:
            if timeout is None or timeout <= 0 or not hasattr(os, "fork"):
                return QueryResult.from_oxigraph(self.raw_query(text, subs))
            return self._isolated(text, subs, float(timeout))
        except QuerySyntaxError:
            if bindings:
                check_syntax(sparql)  # located in the user's text, not the bound one
            raise

    # The child writes one tag byte and a payload: b"s" SPARQL JSON results, b"t"
    # N-Triples, b"x" a syntax error message, b"e" any other error.
    def _isolated(self, sparql: str, subs: Substitutions, timeout: float) -> QueryResult:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
            os.close(read_fd)
            _child(self._store, self.path, sparql, subs, write_fd, self.memory)
        os.close(write_fd)
        deadline = time.monotonic() + timeout
        chunks: list[bytes] = []
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise QueryTimeout(timeout)
                ready, _, _ = select.select([read_fd], [], [], left)
                if not ready:
                    continue
                chunk = os.read(read_fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        except BaseException:
            _kill(pid)
            raise
        finally:
            os.close(read_fd)
        status = _reap(pid)
        data = b"".join(chunks)
        if not data and os.WIFSIGNALED(status) and limits.ran_out_of_memory(-os.WTERMSIG(status)):
            raise QueryOutOfMemory(self.memory)
        tag, payload = data[:1], data[1:]
        if tag == b"s":
            return QueryResult.from_oxigraph(
                ox.parse_query_results(payload, format=ox.QueryResultsFormat.JSON)
            )
        if tag == b"t":
            return QueryResult(
                "graph",
                triples=[q.triple for q in ox.parse(payload, format=ox.RdfFormat.N_TRIPLES)],
            )
        if tag == b"x":
            raise _syntax_from_payload(payload)
        if tag == b"m":
            raise QueryOutOfMemory(self.memory)
        message = payload.decode("utf-8", "replace") or "the query process ended without an answer"
        raise EndpointError(f"query failed: {message}")

    def describe_location(self) -> str:
        if self.path is None and self.location.startswith("memory:"):
            return f"embedded Oxigraph store in memory (loaded from {self.location[7:]})"
        return f"embedded Oxigraph store at {self.location}"

    def __len__(self) -> int:
        return len(self.store)


def _child(
    store: ox.Store | None,
    path: Path | None,
    sparql: str,
    subs: Substitutions,
    fd: int,
    memory: int,
) -> None:
    """Answer one query in the forked child and exit without running any cleanup."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        limits.confine(memory)
        # A store on disk is opened afresh: whatever the parent's threads were doing with
        # its handle at fork time cannot touch this one. An in-memory store is inherited.
        own = ox.Store.read_only(str(path)) if path is not None else store
        if own is None:
            raise EndpointError("no store to answer from")
        result = EmbeddedStore._run(own, sparql, subs)
        if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
            out = b"s" + (result.serialize(format=ox.QueryResultsFormat.JSON) or b"")
        else:
            out = b"t" + (result.serialize(format=ox.RdfFormat.N_TRIPLES) or b"")
    except QuerySyntaxError as e:
        out = b"x" + _syntax_payload(e)
    except MemoryError:
        out, code = b"m", 1
    except BaseException as e:  # everything is reported to the parent
        out = b"e" + f"{type(e).__name__}: {e}".encode()
        code = 1
    try:
        view = memoryview(out)
        while view:
            n = os.write(fd, view)
            view = view[n:]
    finally:
        os._exit(code)


_SYNTAX_FIELDS = ("message", "line", "column", "token", "suggestion", "context")


def _syntax_payload(e: QuerySyntaxError) -> bytes:
    """The error's fields as JSON, for the parent to rebuild it."""
    return json.dumps({k: getattr(e, k, None) for k in _SYNTAX_FIELDS}).encode()


def _syntax_from_payload(payload: bytes) -> QuerySyntaxError:
    f = json.loads(payload.decode("utf-8", "replace"))
    return QuerySyntaxError(
        f["message"], f["line"], f["column"],
        token=f["token"], suggestion=f["suggestion"], context=f["context"],
    )  # fmt: skip


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _reap(pid)


def _reap(pid: int) -> int:
    """Wait for ``pid``; its wait status (0 if it was already reaped)."""
    with contextlib.suppress(ChildProcessError):
        return os.waitpid(pid, 0)[1]
    return 0
