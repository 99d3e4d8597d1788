"""The SPARQL 1.1 Protocol, read-only: what a request asks for and how the answer is typed.

Pure functions, no web framework: reading the operation out of a GET or POST, refusing
updates, negotiating the result format from ``Accept`` (or ``format=``), and the service
description. Must never run a query or touch the store; the app does that in a worker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs

import pyoxigraph as ox

from ..errors import AllianceGraphError
from ..namespaces import DCTERMS, PREFIXES, RDF, RDFS, SH
from ..results import QueryResult

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"

#: What a result is sent as, by our format key: media type and the W3C format IRI.
MEDIA: dict[str, tuple[str, str]] = {
    "json": ("application/sparql-results+json", FORMATS + "SPARQL_Results_JSON"),
    "xml": ("application/sparql-results+xml", FORMATS + "SPARQL_Results_XML"),
    "csv": ("text/csv", FORMATS + "SPARQL_Results_CSV"),
    "tsv": ("text/tab-separated-values", FORMATS + "SPARQL_Results_TSV"),
    "ttl": ("text/turtle", FORMATS + "Turtle"),
    "nt": ("application/n-triples", FORMATS + "N-Triples"),
    "jsonld": ("application/ld+json", FORMATS + "JSON-LD"),
    "rdfxml": ("application/rdf+xml", FORMATS + "RDF_XML"),
}

#: Accepted media types for rows and booleans (SELECT, ASK); the first is the default.
RESULT_ACCEPT = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
#: Accepted media types for graphs (CONSTRUCT, DESCRIBE); the first is the default.
GRAPH_ACCEPT = {
    "text/turtle": "ttl",
    "application/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/ld+json": "jsonld",
    "application/x-json+ld": "jsonld",
    "application/rdf+xml": "rdfxml",
}
#: ``format=`` / ``output=`` values (SPARQLWrapper sends these too) per kind of result.
RESULT_NAMES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv"}
GRAPH_NAMES = {
    "ttl": "ttl",
    "turtle": "ttl",
    "n3": "ttl",
    "nt": "nt",
    "ntriples": "nt",
    "n-triples": "nt",
    "jsonld": "jsonld",
    "json-ld": "jsonld",
    "json": "jsonld",
    "xml": "rdfxml",
    "rdf+xml": "rdfxml",
    "rdfxml": "rdfxml",
}

_UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD"}
_PROLOGUE = re.compile(
    r"\s*(?:#[^\n]*\n\s*)*(?:(?:PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*(?:#[^\n]*\n\s*)*)*",
    re.I,
)


class ProtocolError(AllianceGraphError):
    """A request the protocol refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)


@dataclass
class Operation:
    """One query read from a request, with the format names it asked for (if any)."""

    query: str
    format: str | None = None


def is_update(text: str) -> bool:
    """True if ``text`` is a SPARQL Update (after its prologue and comments), not a query.

    >>> is_update("PREFIX a: <http://a/> INSERT DATA { a:x a:y a:z }")
    True
    >>> is_update("# DELETE me\\nSELECT * WHERE { ?s ?p ?o }")
    False
    """
    rest = text[_PROLOGUE.match(text).end() :]
    m = re.match(r"([A-Za-z]+)", rest)
    return bool(m) and (m.group(1).upper() in _UPDATE_KEYWORDS or m.group(1).upper() == "WITH")


_HIDDEN = re.compile(
    r"#[^\n]*|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r"|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\x00-\x20]*>",
    re.S,
)
_SERVICE = re.compile(r"(?<![?$:\w])SERVICE(?![\w:])", re.I)


def uses_service(text: str) -> bool:
    """True if the query calls another endpoint (``SERVICE``), outside strings and comments.

    >>> uses_service('SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }')
    True
    >>> uses_service('SELECT ?service { ?service rdfs:label "SERVICE" } # SERVICE')
    False
    """
    return bool(_SERVICE.search(_HIDDEN.sub(" ", text)))


NO_SERVICE = (
    "federated queries (SERVICE) are off: this server sends no request to other machines; "
    "start it with --allow-service to allow them"
)

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
    fmt = (fields.get("format") or fields.get("output") or [None])[0]
    return Operation(text, fmt)


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
    media = MEDIA[fmt][0]
    return media if media.endswith("json") else f"{media}; charset=utf-8"


def serialize(result: QueryResult, fmt: str) -> str:
    """The result in the negotiated format (RDF/XML for graphs is ``rdfxml`` here)."""
    return result.serialize("xml" if fmt == "rdfxml" else fmt)


_RDF_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def serialize_graph(triples: list[ox.Triple], fmt: str) -> str:
    """Triples in a graph format, with the contract's prefixes and sd:, sh: in Turtle."""
    kwargs = {}
    if fmt == "ttl":
        kwargs["prefixes"] = {**PREFIXES, "sd": SD, "sh": SH}
    return ox.serialize(triples, format=_RDF_FORMATS[fmt], **kwargs).decode("utf-8")


def service_description(
    endpoint: str, examples: list[ox.Triple] | None = None, federated: bool = False
) -> list[ox.Triple]:
    """The SPARQL 1.1 Service Description of ``endpoint`` (sd: vocabulary), followed by
    ``examples``: the named queries as SHACL-SPARQL executables (as SIB's sparql-examples
    publish them, each with ``schema:target`` the endpoint)."""
    sd = SD
    n, lit = ox.NamedNode, ox.Literal
    me = n(endpoint)
    a = n(RDF + "type")
    out: list[ox.Triple] = [
        ox.Triple(me, a, n(sd + "Service")),
        ox.Triple(me, n(sd + "endpoint"), me),
        ox.Triple(me, n(sd + "supportedLanguage"), n(sd + "SPARQL11Query")),
        ox.Triple(me, n(sd + "feature"), n(sd + "UnionDefaultGraph")),
        ox.Triple(me, n(DCTERMS + "title"), lit("alliancegraph SPARQL endpoint", language="en")),
        ox.Triple(
            me,
            n(DCTERMS + "title"),
            lit("重庆产业技术创新战略联盟知识图谱 SPARQL 端点", language="zh"),
        ),
        ox.Triple(
            me,
            n(RDFS + "comment"),
            lit(
                "Read-only. The default graph is the union of all named graphs; the prefixes "
                + ", ".join(f"{p}:" for p in PREFIXES)
                + " are predeclared.",
                language="en",
            ),
        ),
    ]
    if federated:
        out.append(ox.Triple(me, n(sd + "feature"), n(sd + "BasicFederatedQuery")))
    out += [ox.Triple(me, n(sd + "resultFormat"), n(iri)) for _, iri in MEDIA.values()]
    out += examples or []
    return out
