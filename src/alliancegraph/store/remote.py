"""Any SPARQL 1.1 endpoint, spoken to over the SPARQL 1.1 Protocol through the one
:class:`~.transport.Transport`.

A query is sent with the contract's prefixes in front and its bound values as ``VALUES``,
naming the graphs it reads (the protocol's ``default-graph-uri`` and ``named-graph-uri``:
the build's own ``agr:graph-*`` graphs, so an engine with default settings answers like the
embedded store); GET for short queries, a form POST for long ones; ``Accept`` asks for
SPARQL results (SELECT, ASK) or RDF (CONSTRUCT, DESCRIBE) as the registry of
:mod:`alliancegraph.formats` names them, and the answer is parsed by its ``Content-Type``.
Errors name the endpoint, the status and the server's message; a query the endpoint refuses
as malformed becomes a :class:`QuerySyntaxError` located in the user's text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal
from urllib.parse import urlencode

import pyoxigraph as ox

from .. import formats, internal
from ..errors import AnswerCut, EndpointError, QuerySyntaxError, QueryTimeout, UsageError
from ..namespaces import AGR, PREFIX_LINES, prefix_block
from ..results import Cut, QueryResult
from .base import Bindings, syntax_error
from .binding import declares_dataset, query_form, with_values
from .transport import Response, RetryPolicy, Transport, Unreachable

#: A location in a server's error message: Oxigraph's ``error at L:C: …`` or ours,
#: ``… at line L, column C: …``.
_SERVER_POSITION = (
    re.compile(r"error at (\d+):(\d+): ?(.*)", re.S),
    re.compile(r"at line (\d+), column (\d+): ?(.*)", re.S),
)


#: A GET whose encoded parameters are longer than this is sent as a POST instead (many
#: servers and proxies refuse URLs beyond 4 to 8 KB; a dataset of many imports is long).
_MAX_URL = 4000


def _accept(kind: formats.Kind) -> str:
    """An Accept header for the registry's served formats of ``kind`` that Oxigraph can
    parse, best first (JSON before XML; Turtle before N-Triples)."""
    wanted = {"results": ("json", "xml"), "rdf": ("ttl", "nt")}[kind]
    out = [formats.get(name, kind).media_type for name in wanted]
    return f"{out[0]}, {out[1]};q=0.9"


class RemoteStore:
    """A SPARQL 1.1 endpoint as a :class:`~.base.Store`.

    ``graphs`` is the dataset each query names: ``"discover"`` lists the endpoint's graphs
    in our ``agr:graph-`` namespace once (``queries/internal/store-named-graphs.rq``) and
    names them as both the default graph (their merge) and the named graphs, so an engine
    with default settings (Oxigraph without ``--union-default-graph``, Virtuoso with its
    system graphs) answers like the embedded store; a list names those graphs; ``None``
    (or no graph of ours found) names none, and the endpoint's own default graph answers.
    A query with its own ``FROM`` / ``FROM NAMED`` keeps its dataset. An endpoint that
    refuses a dataset in the protocol (HTTP 400 to the probe) is asked without one.
    ``timeout`` bounds each wait on the connection (0: none); ``retries`` and ``backoff``
    make the :class:`RetryPolicy`; queries longer than ``post_above`` bytes (or whose
    parameters would make a long URL) are POSTed.
    """

    def __init__(
        self,
        endpoint: str,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        post_above: int = 1500,
        user_agent: str = "alliancegraph",
        transport: Transport | None = None,
        graphs: Sequence[str] | Literal["discover"] | None = None,
    ):
        if not re.match(r"^https?://", endpoint):
            raise UsageError(f"endpoint {endpoint!r} is not an http(s) URL")
        self.endpoint = endpoint
        self.timeout = timeout
        self.post_above = post_above
        self.transport = transport or Transport(RetryPolicy(retries, backoff), user_agent)
        self._graphs: list[str] | None = None if graphs == "discover" else list(graphs or [])

    def describe_location(self) -> str:
        return f"SPARQL endpoint {self.endpoint}"

    def graphs(self, timeout: float | None = None) -> list[str]:
        """The graphs every query names (discovered on first use, then kept)."""
        if self._graphs is None:
            self._graphs = self._discover(timeout or self.timeout or None)
        return self._graphs

    def _discover(self, timeout: float | None) -> list[str]:
        listed = self._ask(internal.text("store-named-graphs"), timeout, [])
        ours = sorted(
            g.value
            for g in (row[0] for row in listed.rows)
            if isinstance(g, ox.NamedNode) and g.value.startswith(AGR + "graph-")
        )
        if ours:
            probe = self._send(internal.text("store-dataset-probe"), timeout, ours)
            if probe.status == 400:  # the service takes no dataset from the protocol
                return []
        return ours

    def full_text(self, sparql: str, bindings: Bindings | None = None) -> str:
        """The text sent: the predeclared prefixes, then the query with bound VALUES."""
        return prefix_block() + (with_values(sparql, bindings) if bindings else sparql)

    def query(
        self, sparql: str, timeout: float | None = None, bindings: Bindings | None = None
    ) -> QueryResult:
        seconds = timeout or self.timeout or None
        graphs = [] if declares_dataset(sparql) else self.graphs(seconds)
        return self._ask(self.full_text(sparql, bindings), seconds, graphs)

    def _ask(self, text: str, seconds: float | None, graphs: list[str]) -> QueryResult:
        """Send ``text`` (prefixes included) naming ``graphs``; the parsed answer."""
        try:
            response = self._send(text, seconds, graphs)
        except TimeoutError:
            raise QueryTimeout(seconds or 0) from None
        except Unreachable as e:
            raise EndpointError(
                f"cannot reach the SPARQL endpoint {self.endpoint}: {e.reason}"
            ) from None
        if response.status == 400:
            raise _refused(text, response)
        if not response.ok:
            raise response.error(f"SPARQL endpoint {self.endpoint}")
        cut = answer_cut(response)
        if cut:
            raise AnswerCut(
                f"SPARQL endpoint {self.endpoint} cut its answer ({cut}): the rows it sent are "
                "not the whole answer. Ask for less (a narrower query, LIMIT and OFFSET) or "
                "raise the endpoint's cap (alliancegraph serve --max-rows, "
                "--max-response-bytes; Virtuoso's ResultSetMaxRows)"
            )
        return parse_response(response.body, response.content_type, self.endpoint)

    def _send(self, text: str, timeout: float | None, graphs: Sequence[str] = ()) -> Response:
        """One query over the SPARQL 1.1 Protocol naming ``graphs`` as its dataset: GET, or
        a form POST when long."""
        graph = query_form(text) in ("CONSTRUCT", "DESCRIBE")
        headers = {"Accept": _accept("rdf" if graph else "results")}
        fields = [("query", text)]
        fields += [("default-graph-uri", g) for g in graphs]
        fields += [("named-graph-uri", g) for g in graphs]
        encoded = urlencode(fields)
        if len(text.encode("utf-8")) > self.post_above or len(encoded) > _MAX_URL:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            return self.transport.request(
                "POST", self.endpoint, body=encoded.encode("ascii"), headers=headers,
                timeout=timeout,
            )  # fmt: skip
        sep = "&" if "?" in self.endpoint else "?"
        return self.transport.request(
            "GET", f"{self.endpoint}{sep}{encoded}", headers=headers, timeout=timeout
        )


def answer_cut(response: Response) -> str | None:
    """How the endpoint says it sent only part of the answer, if it does: our ``serve``'s
    ``X-Result-Truncated`` (its row or byte cap) or the note that ends a long answer it cut
    after the first bytes had gone (:meth:`Cut.noted`), Virtuoso's ``X-SPARQL-MaxRows`` (sent
    once the answer reaches ``ResultSetMaxRows``: an answer of exactly that many rows cannot
    be told from a cut one) or ``206 Partial Content`` (Virtuoso's "anytime" answers)."""
    headers = response.headers
    if "x-result-truncated" in headers:
        return f"X-Result-Truncated: {headers['x-result-truncated']}"
    noted = Cut.noted(response.body)
    if noted:
        return f"its answer ends with the note truncated: {noted}"
    if "x-sparql-maxrows" in headers:
        return f"X-SPARQL-MaxRows: {headers['x-sparql-maxrows']}"
    if response.status == 206:
        return "HTTP 206 Partial Content"
    return None


def _refused(text: str, response: Response) -> QuerySyntaxError:
    """The syntax error for a query the endpoint refused (HTTP 400), located in the user's
    text (without the prepended prefixes): where the server says, else where Oxigraph's
    own parser says, else the server's message alone."""
    message = response.body.decode("utf-8", "replace")
    user = text.split("\n", PREFIX_LINES)[-1]
    for pattern in _SERVER_POSITION:
        m = pattern.search(message)
        if m:
            line, column, rest = m.groups()
            return syntax_error(f"error at {line}:{column}: {rest}", PREFIX_LINES, user)
    local = _local_syntax_error(text)
    if local is not None:
        return local
    return QuerySyntaxError(f"the endpoint rejected the query (HTTP 400): {response.summary()}")


def _local_syntax_error(text: str) -> QuerySyntaxError | None:
    """Oxigraph's located message for a query the endpoint refused, if Oxigraph refuses too
    (lines counted in the user's text, without the prepended prefixes)."""
    if re.search(r"\bSERVICE\b", text, re.I):
        return None
    try:
        ox.Store().query(text)
    except SyntaxError as e:
        return syntax_error(e, PREFIX_LINES, text.split("\n", PREFIX_LINES)[-1])
    except Exception:  # anything else is not a syntax problem
        return None
    return None


def parse_response(body: bytes, content_type: str, endpoint: str = "") -> QueryResult:
    """A SPARQL protocol response (results or RDF) as a :class:`QueryResult`, read by the
    format of :mod:`alliancegraph.formats` its media type names."""
    media = content_type.split(";")[0].strip().lower()
    try:
        results = formats.by_media_type(media, "results")
        if results is not None:
            answer = ox.parse_query_results(body, format=results.results_format())
            return QueryResult.from_oxigraph(answer)
        rdf = formats.by_media_type(media, "rdf")
        if rdf is not None:
            parsed = ox.parse(body, format=rdf.rdf_format())
            return QueryResult("graph", triples=[q.triple for q in parsed])
    except SyntaxError as e:
        raise EndpointError(f"SPARQL endpoint {endpoint} sent an unreadable answer: {e}") from None
    raise EndpointError(
        f"SPARQL endpoint {endpoint} answered with unexpected content type {content_type!r}"
    )
