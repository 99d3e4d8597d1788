"""Remote engines: a real `oxigraph serve` with its DEFAULT options on a free loopback port
answers every named query with the same rows as the embedded store once the build is
published over the Graph Store Protocol (the client names the build's graphs: no server
flag needed); HTTP failures are retried within bounds and reported in one clear line.
tests/test_grid.py adds Virtuoso 7 and every internal query."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import typing
import urllib.parse
import urllib.request

import pytest
from engines import free_port

import alliancegraph as ag
from alliancegraph.errors import EndpointError, QuerySyntaxError
from alliancegraph.library import load_library
from alliancegraph.store import RemoteStore, publish_dataset

pytestmark = pytest.mark.server

#: Parameter sets each named query runs with (required ones must be given).
PARAMS: dict[str, list[dict]] = {
    "entity-facts": [{"entity": "chongqing-materials-research-institute"}, {"entity": "cqupt"}],
    "organisations-by-type": [{"type": "ag:University"}, {"type": "org:FormalOrganization"}],
    "alliance-members": [{}, {"alliance": "alliance-general-aviation"}],
    "aliases": [{}, {"text": "重"}],
    "reported-statistics": [{}, {"scope": "alliance-general-aviation"}],
}


@pytest.fixture(scope="module")
def server(oxigraph_url) -> str:
    """The session's `oxigraph serve` with DEFAULT options (no --union-default-graph)."""
    return oxigraph_url


@pytest.fixture(scope="module")
def published(server, bundled_build) -> str:
    report = publish_dataset(bundled_build.nquads_path, f"{server}/query")
    assert sum(report.graphs.values()) == bundled_build.info["quads"]
    return f"{server}/query"


def _rows(result) -> list[tuple]:
    return sorted(tuple("" if t is None else str(t) for t in row) for row in result.rows)


def test_every_named_query_gives_the_same_rows_remotely(graph, published):
    remote = ag.open(endpoint=published)
    checked = 0
    for name in load_library():
        for params in PARAMS.get(name, [{}]):
            here = graph.named(name, **params)
            there = remote.named(name, **params)
            assert there.variables == here.variables, name
            assert _rows(there) == _rows(here), (name, params)
            checked += 1
    assert checked >= 20


def test_find_and_describe_work_remotely(graph, published):
    remote = ag.open(endpoint=published)
    for text in ("重材院", "chongcaiyuan", "重邮", "物联网联盟", "materials research"):
        assert [m.iri for m in remote.find(text)] == [m.iri for m in graph.find(text)]
    d_here, d_there = graph.describe("重材院"), remote.describe("重材院")
    assert d_there.iri == d_here.iri and len(d_there.facts) == len(d_here.facts) > 5


def test_publish_replaces_the_previous_copy(server, published, bundled_build):
    store_url = f"{server}/store"
    stale = "https://w3id.org/alliancegraph/resource/graph-import-stale"
    req = urllib.request.Request(
        f"{store_url}?graph={urllib.parse.quote(stale, safe='')}",
        data=b"<http://e/a> <http://e/b> <http://e/c> .\n",
        method="PUT",
        headers={"Content-Type": "application/n-triples"},
    )
    urllib.request.urlopen(req).read()
    report = publish_dataset(bundled_build.nquads_path, published)
    assert report.deleted == [stale]
    count = RemoteStore(published).query("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")
    assert int(count.rows[0][0].value) == bundled_build.info["quads"]  # not doubled


def test_cli_publish_and_query_against_the_server(server, cli_env, bundled_build):
    env = {**os.environ, **cli_env}
    cli = [sys.executable, "-m", "alliancegraph.cli"]
    r = subprocess.run(
        [*cli, "publish", "--endpoint", f"{server}/query"], env=env, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert "published" in r.stdout

    def members(alliance: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*cli, "query", "--endpoint", f"{server}/query", "--name", "alliance-members",
             "-p", f"alliance={alliance}", "--format", "json"],
            env=env, capture_output=True, text=True,
        )  # fmt: skip

    r = members("重邮")  # 重邮 is a university: the parameter names an alliance
    assert r.returncode == 2 and r.stdout == "", r.stderr
    assert r.stderr.startswith("error: '重邮' names no ag:Alliance"), r.stderr
    r = members("工业互联网联盟")  # an alliance's short form, resolved against the server
    assert r.returncode == 0, r.stderr
    bindings = json.loads(r.stdout)["results"]["bindings"]
    assert [(b["member"]["value"].rsplit("/", 1)[1], b["role"]["value"]) for b in bindings] == [
        ("cqupt", "lead")
    ]
    r = subprocess.run(
        [*cli, "find", "chongcaiyuan", "--endpoint", f"{server}/query", "--format", "csv"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1].startswith("重庆材料研究院,")


def test_remote_syntax_error_is_located_in_the_users_text(published):
    with pytest.raises(QuerySyntaxError) as err:
        RemoteStore(published).query("SELECT * WHERE {\n ?s ?p }")
    assert err.value.line == 2


def test_unreachable_endpoint_is_one_line_exit_1(cli_env):
    env = {**os.environ, **cli_env}
    url = f"http://127.0.0.1:{free_port()}/query"
    r = subprocess.run(
        [sys.executable, "-m", "alliancegraph.cli", "query", "ASK {}", "--endpoint", url],
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1
    assert r.stderr.startswith(f"error: cannot reach the SPARQL endpoint {url}")
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


class Flaky(http.server.BaseHTTPRequestHandler):
    """Answers 503 (or 429) until ``fail`` requests have been made, then a SPARQL result."""

    fail = 2
    status = 503
    seen: typing.ClassVar[list[str]] = []

    def _answer(self) -> None:
        Flaky.seen.append(self.command)
        if len(Flaky.seen) <= Flaky.fail:
            body = b"Service Unavailable\nthe store is warming up\nline 3\nline 4\n"
            self.send_response(Flaky.status)
            self.send_header("Retry-After", "0")
        else:
            body = json.dumps(
                {
                    "head": {"vars": ["x"]},
                    "results": {"bindings": [{"x": {"type": "literal", "value": "ok"}}]},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._answer()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def flaky():
    Flaky.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/query"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("status", [503, 429])
def test_retries_with_backoff_then_answers(flaky, status):
    Flaky.fail, Flaky.status = 2, status
    result = RemoteStore(flaky, retries=3, backoff=0.01).query("SELECT ?x WHERE { }")
    assert result.values("x") == ["ok"]
    assert len(Flaky.seen) == 3


def test_retries_are_bounded_and_the_error_names_status_and_body(flaky):
    Flaky.fail, Flaky.status = 100, 503
    with pytest.raises(EndpointError) as err:
        RemoteStore(flaky, retries=2, backoff=0.01).query("SELECT ?x WHERE { }")
    assert len(Flaky.seen) == 3
    message = str(err.value)
    assert "HTTP 503" in message and "after 3 tries" in message
    assert "Service Unavailable | the store is warming up | line 3" in message
    assert "line 4" not in message and "\n" not in message


def test_long_queries_are_posted_short_ones_use_get(flaky):
    Flaky.fail = 0
    RemoteStore(flaky).query("SELECT ?x WHERE { }" + " " * 3000)
    RemoteStore(flaky).query("SELECT ?x WHERE { }")
    assert Flaky.seen == ["POST", "GET"]


def test_prefixes_are_predeclared_remotely(published):
    remote = RemoteStore(published, graphs="discover")
    # ag: and agr: need no PREFIX line; the article's 6 alliances (of 11 the graph names)
    r = remote.query(
        "SELECT (COUNT(*) AS ?n) "
        "{ ?a a ag:Alliance ; ag:partOfSystem agr:alliance-system-chongqing }"
    )
    assert int(r.rows[0][0].value) == 6
    r = remote.query("SELECT (COUNT(*) AS ?n) { ?a a ag:Alliance }")
    assert int(r.rows[0][0].value) == 11  # data/entities.csv: 6 + 5 that other sources name


def test_published_library_is_discoverable(published):
    r = RemoteStore(published, graphs="discover").query(
        "SELECT ?q ?text WHERE { ?q a sh:SPARQLSelectExecutable ; sh:select ?text ; "
        'schema:keywords "provenance" }'
    )
    names = {q.rsplit("/", 1)[1] for q in r.values("q")}
    assert {"entity-facts", "facts-without-provenance"} <= names
    # the published text runs as is, with its own PREFIX lines, on a plain endpoint
    text = dict(zip(r.values("q"), r.values("text"), strict=True))
    q = next(t for k, t in text.items() if k.endswith("/facts-without-provenance"))
    assert q.startswith("PREFIX ")
