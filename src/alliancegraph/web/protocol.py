"""The SPARQL 1.1 Protocol, read-only: what a request asks for and how the answer is typed.

Pure functions, no web framework: reading the operation out of a GET or POST, refusing
updates, and negotiating the result format from ``Accept`` (or ``format=``). The service
description's triples come from :mod:`alliancegraph.service`. Must never run a query or
touch the store; the app does that in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from .. import formats, sparqlcheck
from ..errors import AllianceGraphError, EndpointError, QuerySyntaxError, QueryTimeout, UsageError
from ..results import QueryResult
from ..service import SD

__all__ = [
    "GRAPH_ACCEPT",
    "GRAPH_NAMES",
    "NO_SERVICE",
    "READ_ONLY",
    "RESULT_ACCEPT",
    "RESULT_NAMES",
    "SD",
    "Operation",
    "ProtocolError",
    "TooManyRows",
    "accept_ranges",
    "check_query",
    "content_type",
    "is_update",
    "negotiate",
    "operation",
    "serialize",
    "status_of",
    "uses_service",
]

#: Media types accepted for rows and booleans (SELECT, ASK), from the format registry;
#: the first is the default.
RESULT_ACCEPT: dict[str, str] = {
    media: f.name for f in formats.served("results") for media in (f.media_type, *f.accepts)
}
#: Media types accepted for graphs (CONSTRUCT, DESCRIBE); the first is the default.
GRAPH_ACCEPT: dict[str, str] = {
    media: f.name for f in formats.served("rdf") for media in (f.media_type, *f.accepts)
}
#: ``format=`` / ``output=`` values (SPARQLWrapper sends these too) per kind of result:
#: the registry's names, and for graphs the other names clients use.
RESULT_NAMES: dict[str, str] = {f.name: f.name for f in formats.served("results")}
GRAPH_NAMES: dict[str, str] = {
    **{f.name: f.name for f in formats.served("rdf")},
    "turtle": "ttl",
    "n3": "ttl",
    "ntriples": "nt",
    "n-triples": "nt",
    "json-ld": "jsonld",
    "json": "jsonld",
    "xml": "rdfxml",
    "rdf+xml": "rdfxml",
}

_UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD"}


class ProtocolError(AllianceGraphError):
    """A request the protocol refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)


class TooManyRows(AllianceGraphError):
    """A result longer than the server sends; the message says how to page through it."""

    def __init__(self, cap: int):
        self.cap = cap
        super().__init__(
            f"the result has more than {cap:,} rows, the most this server sends; "
            "add LIMIT and OFFSET to page through it, or restart it with a larger --max-rows"
        )


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


@dataclass
class Operation:
    """One query read from a request, with the format names it asked for (if any)."""

    query: str
    format: str | None = None


def is_update(text: str) -> bool:
    """True if ``text`` is a SPARQL Update: its first keyword after the prologue (PREFIX,
    BASE, VERSION) and comments, read by the SPARQL lexer
    (:func:`alliancegraph.sparqlcheck.first_keyword`), is an update keyword (INSERT,
    DELETE, LOAD … or WITH), so a comment that mentions DELETE does not count
    (``tests/test_web.py`` has examples). Reads no further than that keyword."""
    return sparqlcheck.first_keyword(text) in (*_UPDATE_KEYWORDS, "WITH")


def uses_service(text: str) -> bool:
    """True if the query may call another endpoint: a reading of it, by the SPARQL lexer,
    holds the keyword ``SERVICE`` (:func:`alliancegraph.sparqlcheck.service_keyword`, which
    says what counts; ``?service``, ``ag:service`` and ``"SERVICE"`` do not)."""
    return sparqlcheck.service_keyword(text) is not None


NO_SERVICE = (
    "federated queries (SERVICE) are off: this server sends no request to other machines; "
    "start it with --allow-service to allow them"
)


def check_query(text: str, allow_service: bool = False) -> str:
    """``text`` if the endpoint may run it; ProtocolError 403 for an update, and for a
    query that may call another endpoint (SERVICE) unless ``allow_service``.

    A plain function of the text (no I/O, no event loop): linear in its length, so a
    server runs it in a worker thread. The 403 says where the keyword was found."""
    if is_update(text):
        raise ProtocolError(403, READ_ONLY)
    if not allow_service:
        found = sparqlcheck.service_keyword(text)
        if found is not None:
            raise ProtocolError(403, f"{NO_SERVICE} ({_where(text, found)})")
    return text


def _where(text: str, token: sparqlcheck.Token) -> str:
    if token.kind == "unsure":
        return "this query cannot be read one way only; write it plainly"
    line = text.count("\n", 0, token.start) + 1
    column = token.start - (text.rfind("\n", 0, token.start) + 1) + 1
    where = f"at line {line}, column {column}"
    if token.text.upper() == "SERVICE":
        return f"{token.text} {where}"
    shown = token.text if len(token.text) <= 40 else token.text[:39] + "…"
    return f"SERVICE read in {shown} {where}"

READ_ONLY = "this endpoint is read-only: SPARQL Update is refused (use `alliancegraph build`)"


def operation(
    method: str, params: dict[str, list[str]], content_type: str, body: bytes
) -> Operation:
    """The query a GET or POST carries, per the SPARQL 1.1 Protocol; raise ProtocolError
    for an update (403), a missing or doubled query (400) or an unknown body type (415)."""
    ctype = content_type.split(";")[0].strip().lower()
    fields = {k: list(v) for k, v in params.items()}
    if method == "POST":
        if ctype == "application/x-www-form-urlencoded":
            try:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                raise ProtocolError(400, "the form body is not UTF-8") from None
            for k, v in form.items():
                fields.setdefault(k, []).extend(v)
        elif ctype == "application/sparql-query":
            try:
                fields.setdefault("query", []).append(body.decode("utf-8"))
            except UnicodeDecodeError:
                raise ProtocolError(400, "the query is not UTF-8") from None
        elif ctype == "application/sparql-update":
            raise ProtocolError(403, READ_ONLY)
        else:
            raise ProtocolError(
                415,
                f"unsupported Content-Type {ctype or '(none)'}; send "
                "application/x-www-form-urlencoded or application/sparql-query",
            )
    if fields.get("update"):
        raise ProtocolError(403, READ_ONLY)
    queries = fields.get("query", [])
    if len(queries) != 1:
        raise ProtocolError(
            400, "expected exactly one query parameter" if queries else "no query given"
        )
    if fields.get("default-graph-uri") or fields.get("named-graph-uri"):
        raise ProtocolError(
            400,
            "default-graph-uri and named-graph-uri are not supported: the default graph is the "
            "union of all graphs; use GRAPH in the query to pick one",
        )
    text = queries[0]
    if is_update(text):
        raise ProtocolError(403, READ_ONLY)
    asked = fields.get("format") or fields.get("output")
    return Operation(text, asked[0] if asked else None)


def accept_ranges(header: str) -> list[str]:
    """Media ranges of an Accept header, best first (stable for equal q)."""
    ranges = []
    for i, part in enumerate(header.split(",")):
        bits = [b.strip() for b in part.split(";")]
        if not bits[0]:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            ranges.append((-q, i, bits[0].lower()))
    return [r for _, _, r in sorted(ranges)]


def negotiate(kind: str, accept: str, fmt: str | None = None) -> str:
    """The format key to answer a result of ``kind`` with: ``format=`` wins, then the best
    Accept match, then the default (JSON for rows, Turtle for graphs).

    >>> negotiate("select", "text/csv;q=0.5, application/sparql-results+xml")
    'xml'
    >>> negotiate("graph", "application/turtle,text/turtle")
    'ttl'
    >>> negotiate("select", "text/html,*/*;q=0.8")
    'json'
    """
    table, names = (GRAPH_ACCEPT, GRAPH_NAMES) if kind == "graph" else (RESULT_ACCEPT, RESULT_NAMES)
    if fmt:
        f = fmt.strip().lower()
        if f in names:
            return names[f]
        if f in table:
            return table[f]
    for media in accept_ranges(accept or ""):
        if media in table:
            return table[media]
    return next(iter(table.values()))


def content_type(fmt: str) -> str:
    """The Content-Type header for a negotiated format name."""
    return formats.get(fmt).content_type


def serialize(result: QueryResult, fmt: str) -> str:
    """The result in the negotiated format name (RDF/XML for graphs is ``rdfxml``)."""
    return result.serialize(fmt)
