"""The one HTTP transport: remote queries (SPARQL 1.1 Protocol) and publishing (Graph Store
Protocol) go through the same :class:`Transport` and retry policy; the server's message
comes back in the error, a refused query is located in the user's text, and every store
satisfies the one :class:`Store` protocol.

A scripted loopback server answers each request with the next scripted reply and records
what it was sent."""

from __future__ import annotations

import ast
import http.server
import json
import threading
import typing
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliancegraph.errors import EndpointError, QuerySyntaxError, QueryTimeout
from alliancegraph.namespaces import AGR, PREFIX_LINES
from alliancegraph.results import QueryResult
from alliancegraph.store import (
    DeadlineStore,
    EmbeddedStore,
    RemoteStore,
    RetryPolicy,
    Store,
    Transport,
    Unreachable,
    parse_response,
    publish_dataset,
)

ROWS = {
    "head": {"vars": ["x"]},
    "results": {"bindings": [{"x": {"type": "literal", "value": "ok"}}]},
}


class Script(http.server.BaseHTTPRequestHandler):
    """Answers with the scripted replies in turn (the last one repeats); records requests."""

    replies: typing.ClassVar[list[tuple[int, str, bytes, dict[str, str]]]] = []
    seen: typing.ClassVar[list[dict]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length", 0) or 0)
        body = self.rfile.read(length) if length else b""
        Script.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        turn = min(len(Script.seen), len(Script.replies)) - 1
        status, ctype, payload, extra = Script.replies[turn]
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def server():
    Script.seen, Script.replies = [], []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Script)
    t = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def ok_rows() -> tuple[int, str, bytes, dict[str, str]]:
    return 200, "application/sparql-results+json", json.dumps(ROWS).encode(), {}


def test_retry_policy_backs_off_and_honours_retry_after():
    p = RetryPolicy(retries=2, backoff=0.5, max_wait=3.0)
    assert [p.delay(a) for a in range(4)] == [0.5, 1.0, 2.0, 3.0]
    assert p.delay(0, "2") == 2.0 and p.delay(0, "120") == 3.0
    assert p.delay(1, "Wed, 21 Oct 2015 07:28:00 GMT") == 1.0  # a date: back off instead
    assert p.should_retry(503, 0) and p.should_retry(429, 1) and not p.should_retry(503, 2)
    assert not p.should_retry(400, 0) and not p.should_retry(404, 0)


def test_transport_retries_with_the_waits_the_policy_gives(server):
    Script.replies = [(503, "text/plain", b"busy", {"Retry-After": "2"}), (502, "", b"", {}),
                      (200, "text/plain", b"fine", {})]  # fmt: skip
    waits: list[float] = []
    t = Transport(RetryPolicy(retries=3, backoff=0.25), sleep=waits.append)
    r = t.request("GET", server + "/x", timeout=5)
    assert (r.status, r.body, r.tries) == (200, b"fine", 3)
    assert waits == [2.0, 0.5]  # Retry-After first, then backoff * 2**1
    assert all(s["headers"]["User-Agent"] == "alliancegraph" for s in Script.seen)


def test_transport_gives_back_a_refusal_it_does_not_retry(server):
    Script.replies = [(404, "text/plain", b"no such graph\n", {})]
    r = Transport(sleep=lambda s: None).request("DELETE", server + "/store?graph=x", timeout=5)
    assert (r.ok, r.status, r.tries, len(Script.seen)) == (False, 404, 1, 1)
    assert str(r.error("DELETE x")) == "DELETE x answered HTTP 404: no such graph"


def test_unreachable_server_is_one_clear_error(server):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(Unreachable) as err:
        Transport().request("GET", f"http://127.0.0.1:{port}/q", timeout=5)
    assert isinstance(err.value, EndpointError) and str(err.value).startswith("cannot reach")


def test_short_query_is_a_get_with_results_accept_and_the_prefixes(server):
    Script.replies = [ok_rows()]
    r = RemoteStore(server + "/sparql").query("SELECT ?x WHERE { ?x a ag:Alliance }")
    assert r.values("x") == ["ok"]
    sent = Script.seen[0]
    assert sent["method"] == "GET"
    assert sent["headers"]["Accept"].startswith("application/sparql-results+json")
    text = urllib.parse.parse_qs(urllib.parse.urlsplit(sent["path"]).query)["query"][0]
    assert text.count("PREFIX ") == PREFIX_LINES and text.endswith("?x a ag:Alliance }")


def test_long_query_is_a_form_post_and_construct_asks_for_rdf(server):
    Script.replies = [(200, "text/turtle", b"<http://e/a> <http://e/b> <http://e/c> .", {})]
    q = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }" + " " * 2000
    r = RemoteStore(server + "/sparql").query(q, bindings={"s": ox.NamedNode("http://e/a")})
    assert r.kind == "graph" and len(r.triples) == 1
    sent = Script.seen[0]
    assert sent["method"] == "POST"
    assert sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent["headers"]["Accept"].startswith("text/turtle")
    text = urllib.parse.parse_qs(sent["body"].decode())["query"][0]
    assert "VALUES (?s) { (<http://e/a>) }" in text


def test_server_message_comes_back_in_the_error(server):
    Script.replies = [(500, "text/plain", b"Internal error\nthe disk is full\n", {})]
    with pytest.raises(EndpointError) as err:
        RemoteStore(server + "/sparql", retries=1, backoff=0.01).query("ASK {}")
    assert str(err.value) == (
        f"SPARQL endpoint {server}/sparql answered HTTP 500 after 2 tries: "
        "Internal error | the disk is full"
    )


@pytest.mark.parametrize(
    "message",
    [
        f"error at {PREFIX_LINES + 3}:7: expected one of Prefix, ., }}",  # Oxigraph's
        f"SPARQL syntax error at line {PREFIX_LINES + 3}, column 7: expected one of ., }}",  # ours
    ],
)
def test_refused_query_is_located_where_the_server_says(server, message):
    Script.replies = [(400, "text/plain", message.encode(), {})]
    with pytest.raises(QuerySyntaxError) as err:
        # valid for Oxigraph: only the server's word can locate the error
        RemoteStore(server + "/sparql").query("SELECT *\nWHERE {\n  ?s ?p ?o }")
    assert (err.value.line, err.value.column) == (3, 7)


def test_refusal_without_position_keeps_the_servers_message(server):
    Script.replies = [(400, "text/plain", b"Virtuoso 37000 Error SP030: bad query", {})]
    with pytest.raises(QuerySyntaxError) as err:
        RemoteStore(server + "/sparql").query("SELECT * WHERE { ?s ?p ?o }")
    assert "Virtuoso 37000 Error SP030: bad query" in str(err.value)


def test_a_timeout_is_a_query_timeout(server):
    class Slow(Transport):
        def request(self, *args, **kwargs):
            raise TimeoutError("timed out")

    with pytest.raises(QueryTimeout):
        RemoteStore(server + "/sparql", timeout=2, transport=Slow()).query("ASK {}")


def test_queries_and_publishing_share_one_transport(server, tmp_path: Path):
    """publish PUTs each graph, asks which graphs exist and DELETEs the stale one, all
    through the transport it is given, retried by the same policy."""
    nq = tmp_path / "b.nq"
    g = AGR + "graph-curated"
    nq.write_text(f"<http://e/a> <http://e/b> <http://e/c> <{g}> .\n", encoding="utf-8")
    stale = AGR + "graph-import-old"
    graphs = {"head": {"vars": ["g"]}, "results": {"bindings": [
        {"g": {"type": "uri", "value": g}}, {"g": {"type": "uri", "value": stale}}]}}  # fmt: skip
    Script.replies = [
        (503, "text/plain", b"warming up", {"Retry-After": "0"}),  # PUT, retried
        (204, "", b"", {}),  # PUT
        (200, "application/sparql-results+json", json.dumps(graphs).encode(), {}),  # query
        (204, "", b"", {}),  # DELETE
    ]
    calls: list[str] = []

    class Recording(Transport):
        def request(self, method, url, **kwargs):
            calls.append(method)
            return super().request(method, url, **kwargs)

    report = publish_dataset(nq, server + "/query", transport=Recording(sleep=lambda s: None))
    assert calls == ["PUT", "GET", "DELETE"]
    assert [s["method"] for s in Script.seen] == ["PUT", "PUT", "GET", "DELETE"]
    assert Script.seen[1]["headers"]["Content-Type"] == "application/n-triples"
    assert Script.seen[1]["body"] == b"<http://e/a> <http://e/b> <http://e/c> .\n"
    assert report.graphs == {g: 1} and report.deleted == [stale]


def test_publish_failure_names_method_url_status_and_body(server, tmp_path: Path):
    nq = tmp_path / "b.nq"
    nq.write_text("<http://e/a> <http://e/b> <http://e/c> .\n", encoding="utf-8")
    Script.replies = [(403, "text/plain", b"read-only store", {})]
    with pytest.raises(EndpointError) as err:
        publish_dataset(nq, server + "/query")
    assert str(err.value) == f"PUT {server}/store?default answered HTTP 403: read-only store"


def test_answers_are_read_by_the_format_registry():
    assert parse_response(json.dumps(ROWS).encode(), "application/json").values("x") == ["ok"]
    xml = QueryResult("ask", boolean=True).serialize("xml").encode()
    assert parse_response(xml, "application/sparql-results+xml; charset=utf-8").boolean is True
    nt = b"<http://e/a> <http://e/b> <http://e/c> .\n"
    assert len(parse_response(nt, "text/plain").triples) == 1  # N-Triples' old media type
    with pytest.raises(EndpointError, match="unexpected content type 'text/html'"):
        parse_response(b"<html/>", "text/html", "http://e/q")


def test_every_store_satisfies_the_store_protocol(server):
    from alliancegraph.web.pool import PooledStore

    embedded = EmbeddedStore()
    for s in (embedded, RemoteStore(server + "/q"), DeadlineStore(embedded, 5)):
        assert isinstance(s, Store)
    assert issubclass(PooledStore, Store)
    assert not isinstance(object(), Store)


def test_deadline_store_gives_its_deadline_and_passes_bindings():
    seen: list[tuple] = []

    class Recorder:
        def query(self, sparql, timeout=None, bindings=None):
            seen.append((timeout, bindings))
            return QueryResult("ask", boolean=True)

        def describe_location(self) -> str:
            return "recorder"

    d = DeadlineStore(Recorder(), 7.0)
    d.query("ASK {}")
    d.query("ASK {}", timeout=2, bindings={"x": ox.Literal("v")})
    assert seen == [(7.0, None), (2, {"x": ox.Literal("v")})]
    assert d.describe_location() == "recorder"


def test_graph_list_query_names_the_graphs_with_triples():
    from alliancegraph import internal

    s = ox.Store()
    a, b = ox.NamedNode("http://e/a"), ox.NamedNode("http://e/b")
    s.add(ox.Quad(a, b, a, ox.NamedNode(AGR + "graph-one")))
    s.add(ox.Quad(a, b, b, ox.NamedNode(AGR + "graph-two")))
    s.add(ox.Quad(a, b, b))  # the default graph is not a named graph
    r = EmbeddedStore(s).query(internal.text("store-named-graphs"))
    assert sorted(r.values("g")) == [AGR + "graph-one", AGR + "graph-two"]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_the_store_has_no_second_http_client():
    """One transport: no SPARQLWrapper work-arounds, no parsing of exception text, and only
    the transport speaks HTTP (imports inside functions included)."""
    import alliancegraph.store as pkg

    http_modules = {"urllib.request", "urllib.error", "http.client", "SPARQLWrapper", "httpx"}
    for path in Path(pkg.__file__).parent.glob("*.py"):
        used = _imports(path)
        assert "ast" not in used and "SPARQLWrapper" not in used, path.name
        if path.name != "transport.py":
            assert not used & http_modules, (path.name, used & http_modules)
