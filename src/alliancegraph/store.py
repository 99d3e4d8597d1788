"""Where queries are answered: the embedded Oxigraph store (default) or a remote SPARQL 1.1
endpoint, behind one interface.

Everything after the store reads through :meth:`Store.query`, so analysis, views, the
endpoint and notebooks run unchanged on another engine. Both kinds treat the union of the
named graphs (ontology, curated, inferred, imports) as the default graph, take the
contract's prefixes as predeclared, bind parameters as RDF terms (never by pasting text)
and stop a query at its deadline:

- embedded: with a deadline, the query runs in a forked child that opens the read-only
  store itself (an in-memory store is inherited) and is killed at the deadline, so the
  caller's process and store stay usable; without one it runs in-process;
- remote: SPARQLWrapper with a client timeout, POST for long queries, bounded retries with
  backoff on 429 and 5xx, and errors that name the endpoint, the status and the body.

This module must stay light to import: SPARQLWrapper and urllib load only for a remote
store.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from .errors import EndpointError, QuerySyntaxError, QueryTimeout, UsageError
from .namespaces import PREFIX_LINES, PREFIXES, prefix_block
from .results import QueryResult, Term

_POSITION = re.compile(r"error at (\d+):(\d+): ?(.*)", re.S)
_VARNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

Bindings = Mapping[str, Term]


class Store(Protocol):
    """What every store offers: SPARQL in, :class:`QueryResult` out."""

    def query(
        self, sparql: str, timeout: float | None = None, bindings: Bindings | None = None
    ) -> QueryResult: ...

    def describe_location(self) -> str: ...


def syntax_error(e: SyntaxError, line_offset: int = 0) -> QuerySyntaxError:
    """Turn Oxigraph's ``error at L:C: expected …`` into a located QuerySyntaxError."""
    m = _POSITION.search(str(e))
    if m:
        line = int(m.group(1)) - line_offset
        return QuerySyntaxError(_short(m.group(3)), max(line, 1), int(m.group(2)))
    return QuerySyntaxError(_short(str(e)))


def _short(message: str, keep: int = 10) -> str:
    """Oxigraph lists every token it could accept, character classes included; keep the
    first few readable ones so the error stays one line."""
    message = " ".join(message.split())
    head, sep, alternatives = message.partition("expected one of ")
    if not sep:
        return message
    tokens = [t for t in alternatives.split(", ") if not t.startswith("[")]
    more = "" if len(tokens) <= keep else ", …"
    return f"{head}expected one of {', '.join(tokens[:keep])}{more}"


def _check_bindings(bindings: Bindings | None) -> dict[str, Term]:
    out: dict[str, Term] = {}
    for name, term in (bindings or {}).items():
        name = name.lstrip("?$")
        if not _VARNAME.match(name):
            raise UsageError(f"parameter name {name!r} is not a SPARQL variable name")
        if isinstance(term, ox.BlankNode):
            raise UsageError(f"parameter {name!r}: a blank node cannot be bound")
        if not isinstance(term, ox.NamedNode | ox.Literal):
            raise UsageError(f"parameter {name!r}: expected an RDF term, got {type(term).__name__}")
        out[name] = term
    return out


# -- embedded ------------------------------------------------------------------------------


class EmbeddedStore:
    """An Oxigraph store in this process, opened from a build (or given directly in tests)."""

    def __init__(
        self, store: ox.Store | None = None, location: str = "memory", path: Path | None = None
    ):
        if store is None and path is None:
            store = ox.Store()
        self._store = store
        self.location = location
        self.path = path

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
    def from_nquads(cls, path: Path) -> EmbeddedStore:
        """An in-memory store loaded from an N-Quads file (for scratch and tests)."""
        store = ox.Store()
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        return cls(store, f"memory:{path}")

    def raw_query(self, sparql: str, substitutions: dict | None = None):
        """Run on Oxigraph and return its own lazy result (no conversion, no deadline)."""
        return self._run(self.store, sparql, substitutions)

    @staticmethod
    def _run(store: ox.Store, sparql: str, substitutions: dict | None):
        try:
            return store.query(
                sparql,
                prefixes=PREFIXES,
                use_default_graph_as_union=True,
                substitutions=substitutions or None,
            )
        except SyntaxError as e:
            raise syntax_error(e) from None

    def query(
        self,
        sparql: str,
        timeout: float | None = None,
        bindings: Bindings | None = None,
        substitutions: dict | None = None,
    ) -> QueryResult:
        """Run ``sparql``. ``bindings`` (variable name -> term) are bound structurally, as a
        VALUES block at the head of the WHERE group written by Oxigraph's own serialiser,
        exactly as for a remote endpoint, so both give the same rows (pyoxigraph's
        ``substitutions`` only binds projected variables; pass them through as such if
        wanted). With ``timeout`` (seconds) the query runs in a child process killed at
        the deadline (raising :class:`QueryTimeout`)."""
        subs = dict(substitutions or {})
        if bindings:
            sparql = with_values(sparql, bindings)
        if timeout is None or timeout <= 0 or not hasattr(os, "fork"):
            return QueryResult.from_oxigraph(self.raw_query(sparql, subs))
        return self._isolated(sparql, subs, float(timeout))

    # The child writes one tag byte and a payload: b"s" SPARQL JSON results, b"t"
    # N-Triples, b"x" a syntax error message, b"e" any other error.
    def _isolated(self, sparql: str, subs: dict, timeout: float) -> QueryResult:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
            os.close(read_fd)
            _child(self._store, self.path, sparql, subs, write_fd)
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
        _reap(pid)
        data = b"".join(chunks)
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
        message = payload.decode("utf-8", "replace") or "the query process ended without an answer"
        raise EndpointError(f"query failed: {message}")

    def describe_location(self) -> str:
        return f"embedded Oxigraph store at {self.location}"

    def __len__(self) -> int:
        return len(self.store)


def _child(store: ox.Store | None, path: Path | None, sparql: str, subs: dict, fd: int) -> None:
    """Answer one query in the forked child and exit without running any cleanup."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        # A store on disk is opened afresh: whatever the parent's threads were doing with
        # its handle at fork time cannot touch this one. An in-memory store is inherited.
        own = ox.Store.read_only(str(path)) if path is not None else store
        result = EmbeddedStore._run(own, sparql, subs)
        if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
            out = b"s" + result.serialize(format=ox.QueryResultsFormat.JSON)
        else:
            out = b"t" + result.serialize(format=ox.RdfFormat.N_TRIPLES)
    except QuerySyntaxError as e:
        out = b"x" + _syntax_payload(e)
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


def _syntax_payload(e: QuerySyntaxError) -> bytes:
    """line, column and message, tab-separated, for the parent to rebuild the error."""
    message = str(e).split(": ", 1)[1] if e.line is not None else str(e)
    message = message.removeprefix("SPARQL syntax error at ")
    return f"{e.line or ''}\t{e.column or ''}\t{message}".encode()


def _syntax_from_payload(payload: bytes) -> QuerySyntaxError:
    line, column, message = payload.decode("utf-8", "replace").split("\t", 2)
    return QuerySyntaxError(message, int(line) if line else None, int(column) if column else None)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _reap(pid)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


class DeadlineStore:
    """A store whose queries all get ``timeout`` unless the caller gives one (for search and
    describe, which run several queries)."""

    def __init__(self, store: Store, timeout: float | None):
        self.store, self.timeout = store, timeout

    def query(
        self, sparql: str, timeout: float | None = None, bindings: Bindings | None = None
    ) -> QueryResult:
        return self.store.query(sparql, timeout=timeout or self.timeout, bindings=bindings)

    def describe_location(self) -> str:
        return self.store.describe_location()


# -- structural binding for engines without a bindings API ----------------------------------

_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<open>\{) | (?P<close>\})
    | (?P<word>[A-Za-z]+)
    """,
    re.X | re.S,
)


def query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first form keyword outside strings, IRIs and
    comments (SELECT if none is found, and the endpoint will say what is wrong)."""
    for m in _TOKEN.finditer(sparql):
        if m.lastgroup == "word":
            word = m.group().upper()
            if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                return word
    return "SELECT"


def with_values(sparql: str, bindings: Bindings) -> str:
    """Bind variables by adding ``VALUES (?a ?b) { (t1 t2) }`` as the first element of the
    query's top-level WHERE group. Terms are written by Oxigraph's own serialiser (a
    literal's quotes, braces and newlines are escaped), so a value stays one term.

    >>> with_values("SELECT ?l WHERE { ?e rdfs:label ?l }", {"e": ox.NamedNode("http://x/a")})
    'SELECT ?l WHERE { VALUES (?e) { (<http://x/a>) }\\n ?e rdfs:label ?l }'
    """
    checked = _check_bindings(bindings)
    if not checked:
        return sparql
    depth = 0
    form: str | None = None
    where_seen = False
    top_braces = 0
    insert_at: int | None = None
    for m in _TOKEN.finditer(sparql):
        kind = m.lastgroup
        if kind == "word" and depth == 0:
            word = m.group().upper()
            if form is None and word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                form = word
            elif word == "WHERE":
                where_seen = True
        elif kind == "open":
            if depth == 0:
                top_braces += 1
                if where_seen or form != "CONSTRUCT" or top_braces == 2:
                    insert_at = m.end()
                    break
            depth += 1
        elif kind == "close":
            depth -= 1
    if insert_at is None:
        raise UsageError("cannot bind parameters: the query has no WHERE group")
    names = " ".join(f"?{k}" for k in checked)
    terms = " ".join(str(t) for t in checked.values())
    block = f" VALUES ({names}) {{ ({terms}) }}\n"
    return sparql[:insert_at] + block + sparql[insert_at:]


# -- remote ----------------------------------------------------------------------------------

RETRY_STATUS = {429, 500, 502, 503, 504}


class RemoteStore:
    """Any SPARQL 1.1 endpoint, through SPARQLWrapper.

    The endpoint should treat the union of named graphs as its default graph (Oxigraph:
    ``oxigraph serve --union-default-graph``; Virtuoso and GraphDB do so by default).
    """

    def __init__(
        self,
        endpoint: str,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        post_above: int = 1500,
        user_agent: str = "alliancegraph",
    ):
        if not re.match(r"^https?://", endpoint):
            raise UsageError(f"endpoint {endpoint!r} is not an http(s) URL")
        self.endpoint = endpoint
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.post_above = post_above
        self.user_agent = user_agent

    def describe_location(self) -> str:
        return f"SPARQL endpoint {self.endpoint}"

    def full_text(self, sparql: str, bindings: Bindings | None = None) -> str:
        """The text sent: the predeclared prefixes, then the query with bound VALUES."""
        return prefix_block() + (with_values(sparql, bindings) if bindings else sparql)

    def query(
        self, sparql: str, timeout: float | None = None, bindings: Bindings | None = None
    ) -> QueryResult:
        text = self.full_text(sparql, bindings)
        body, content_type = self._send(text, timeout or self.timeout)
        return parse_response(body, content_type, self.endpoint)

    def _send(self, text: str, timeout: float) -> tuple[bytes, str]:
        import urllib.error

        from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
        from SPARQLWrapper import SPARQLExceptions as sx

        sw = SPARQLWrapper(self.endpoint, agent=self.user_agent)
        sw.setQuery(text)
        # SPARQLWrapper's own guess reads '#' in a PREFIX IRI as a comment; decide here.
        form = query_form(text)
        sw.queryType = form
        graph = form in ("CONSTRUCT", "DESCRIBE")
        sw.setReturnFormat(TURTLE if graph else JSON)
        sw.addCustomHttpHeader(
            "Accept",
            "text/turtle, application/n-triples;q=0.9"
            if graph
            else "application/sparql-results+json, application/sparql-results+xml;q=0.8",
        )
        if len(text.encode("utf-8")) > self.post_above:
            sw.setMethod(POST)
        sw.setTimeout(max(1, round(timeout)))
        codes = {
            sx.QueryBadFormed: 400,
            sx.Unauthorized: 401,
            sx.EndPointNotFound: 404,
            sx.URITooLong: 414,
            sx.EndPointInternalError: 500,
        }
        attempt = 0
        while True:
            status, detail, retry_after = None, "", None
            try:
                response = sw.query().response
                return response.read(), response.headers.get("Content-Type", "")
            except tuple(codes) as e:
                status, detail = codes[type(e)], _body(_wrapped_body(e))
            except urllib.error.HTTPError as e:
                status, detail = e.code, _body(e.read())
                retry_after = e.headers.get("Retry-After") if e.headers else None
            except TimeoutError:
                raise QueryTimeout(timeout) from None
            except urllib.error.URLError as e:
                if isinstance(e.reason, TimeoutError):
                    raise QueryTimeout(timeout) from None
                raise EndpointError(
                    f"cannot reach the SPARQL endpoint {self.endpoint}: {e.reason}"
                ) from None
            except (ConnectionError, OSError) as e:
                raise EndpointError(
                    f"cannot reach the SPARQL endpoint {self.endpoint}: {e}"
                ) from None
            if status in RETRY_STATUS and attempt < self.retries:
                time.sleep(_delay(retry_after, self.backoff * 2**attempt))
                attempt += 1
                continue
            if status == 400:
                local = _local_syntax_error(text)
                if local is not None:
                    raise local
                raise QuerySyntaxError(f"the endpoint rejected the query (HTTP 400): {detail}")
            tries = f" after {attempt + 1} tries" if attempt else ""
            raise EndpointError(
                f"SPARQL endpoint {self.endpoint} answered HTTP {status}{tries}: {detail}"
            )


def _wrapped_body(e: Exception) -> bytes | None:
    """SPARQLWrapper keeps the body of a 400/401/404/414/500 only inside its message, as
    the repr of bytes after "Response:"."""
    import ast

    _, sep, tail = str(e).partition("Response:\n")
    if not sep:
        return None
    try:
        value = ast.literal_eval(tail.strip())
    except (ValueError, SyntaxError):
        return tail.encode()
    return value if isinstance(value, bytes) else str(value).encode()


def _delay(retry_after: str | None, default: float) -> float:
    if retry_after and retry_after.strip().isdigit():
        return min(float(retry_after), 30.0)
    return default


def _body(raw: bytes | str | None, lines: int = 3, width: int = 300) -> str:
    """The first lines of an error body, joined into one line."""
    if raw is None:
        return "(no body)"
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    kept = [" ".join(x.split()) for x in text.strip().splitlines() if x.strip()][:lines]
    out = " | ".join(kept) or "(empty body)"
    return out if len(out) <= width else out[: width - 1] + "…"


def _local_syntax_error(text: str) -> QuerySyntaxError | None:
    """Oxigraph's located message for a query the endpoint refused, if Oxigraph refuses too
    (lines counted in the user's text, without the prepended prefixes)."""
    if re.search(r"\bSERVICE\b", text, re.I):
        return None
    try:
        ox.Store().query(text)
    except SyntaxError as e:
        return syntax_error(e, PREFIX_LINES)
    except Exception:  # anything else is not a syntax problem
        return None
    return None


def parse_response(body: bytes, content_type: str, endpoint: str = "") -> QueryResult:
    """A SPARQL protocol response (results or RDF) as a :class:`QueryResult`."""
    media = content_type.split(";")[0].strip().lower()
    try:
        fmt = ox.QueryResultsFormat.from_media_type(media) if media else None
        if fmt is not None:
            return QueryResult.from_oxigraph(ox.parse_query_results(body, format=fmt))
        rdf = ox.RdfFormat.from_media_type(media) if media else None
        if rdf is not None:
            return QueryResult("graph", triples=[q.triple for q in ox.parse(body, format=rdf)])
    except SyntaxError as e:
        raise EndpointError(f"SPARQL endpoint {endpoint} sent an unreadable answer: {e}") from None
    raise EndpointError(
        f"SPARQL endpoint {endpoint} answered with unexpected content type {content_type!r}"
    )


def open_store(endpoint: str | None = None, path: Path | None = None, **kwargs) -> Store:
    """A remote store for ``endpoint``, else the embedded store at ``path``."""
    if endpoint:
        return RemoteStore(endpoint, **kwargs)
    if path is None:
        raise UsageError("no store: give an endpoint URL or a store path")
    return EmbeddedStore.open(path)


# -- publishing over the Graph Store Protocol ------------------------------------------------


@dataclass
class PublishReport:
    """What :func:`publish_dataset` did: triples PUT per graph, stale graphs deleted."""

    store_url: str
    graphs: dict[str, int] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)


def gsp_urls(endpoint: str, store_url: str | None = None) -> tuple[str | None, str]:
    """(query URL, Graph Store URL) from what the user gave: Oxigraph serves SPARQL at
    ``/query`` and the Graph Store Protocol at ``/store``."""
    if not re.match(r"^https?://", endpoint):
        raise UsageError(f"endpoint {endpoint!r} is not an http(s) URL")
    base = endpoint.rstrip("/")
    query_url: str | None = None
    if base.endswith(("/query", "/sparql")):
        query_url = base
        derived = base.rsplit("/", 1)[0] + "/store"
    elif base.endswith(("/store", "/data")):
        derived = base
        query_url = base.rsplit("/", 1)[0] + "/query"
    else:
        derived = base + "/store"
        query_url = base + "/query"
    return query_url, store_url or derived


def _http(
    method: str,
    url: str,
    body: bytes | None,
    content_type: str | None,
    timeout: float,
    retries: int = 3,
    backoff: float = 0.5,
) -> int:
    """One HTTP request with bounded retries on 429/5xx; EndpointError on failure."""
    import urllib.error
    import urllib.request

    attempt = 0
    while True:
        req = urllib.request.Request(url, data=body, method=method)
        if content_type:
            req.add_header("Content-Type", content_type)
        req.add_header("User-Agent", "alliancegraph")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                resp.read()
                return resp.status
        except urllib.error.HTTPError as e:
            status, detail = e.code, _body(e.read())
            retry_after = e.headers.get("Retry-After") if e.headers else None
            if status in RETRY_STATUS and attempt < retries:
                time.sleep(_delay(retry_after, backoff * 2**attempt))
                attempt += 1
                continue
            raise EndpointError(f"{method} {url} answered HTTP {status}: {detail}") from None
        except TimeoutError:
            raise EndpointError(f"{method} {url} timed out after {timeout:g} s") from None
        except urllib.error.URLError as e:
            raise EndpointError(f"cannot reach {url}: {e.reason}") from None
        except OSError as e:
            raise EndpointError(f"cannot reach {url}: {e}") from None


def publish_dataset(
    nquads_path: Path,
    endpoint: str,
    store_url: str | None = None,
    timeout: float = 60.0,
    retries: int = 3,
) -> PublishReport:
    """PUT each named graph of a build's N-Quads to a Graph Store Protocol endpoint
    (replacing what was there), then DELETE graphs in our ``agr:graph-`` namespace that an
    earlier publication left and this build no longer has."""
    from urllib.parse import quote

    from .namespaces import AGR

    query_url, gsp = gsp_urls(endpoint, store_url)
    graphs: dict[str, list[ox.Triple]] = {}
    for q in ox.parse(path=str(nquads_path), format=ox.RdfFormat.N_QUADS):
        name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        graphs.setdefault(name, []).append(q.triple)
    report = PublishReport(gsp)
    for name, triples in graphs.items():
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        target = f"{gsp}?graph={quote(name, safe='')}" if name else f"{gsp}?default"
        _http("PUT", target, body, "application/n-triples", timeout, retries)
        report.graphs[name or "(default graph)"] = len(triples)
    if query_url:
        present = RemoteStore(query_url, timeout=timeout, retries=retries).query(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        )
        for g in present.values("g"):
            if g and g.startswith(AGR + "graph-") and g not in graphs:
                _http("DELETE", f"{gsp}?graph={quote(g, safe='')}", None, None, timeout, retries)
                report.deleted.append(g)
    return report
