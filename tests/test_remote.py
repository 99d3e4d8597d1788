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
from alliancegraph.store.remote import answer_cut
from alliancegraph.store.transport import Response

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


# -- an answer the endpoint cut is an error, never fewer rows --------------------------------
# Our `serve` cuts at --max-rows / --max-response-bytes and says so in X-Result-Truncated;
# Virtuoso cuts at ResultSetMaxRows and says so in X-SPARQL-MaxRows. Read as a whole answer,
# a cut one would make every count, network and catalogue silently wrong.

ALLIANCES = "SELECT ?a WHERE { ?a a ag:Alliance }"  # 11 on the bundled graph


def test_an_answer_our_endpoint_cut_is_an_error_naming_the_cap(graph):
    from engines import running

    from alliancegraph.errors import AnswerCut
    from alliancegraph.web.app import Settings, create_app

    assert len(graph.query(ALLIANCES).rows) == 11
    app = create_app(graph, Settings(max_rows=5))
    with running(app) as url:
        remote = RemoteStore(f"{url}/sparql")
        with pytest.raises(AnswerCut) as err:
            remote.query(ALLIANCES)
        message = str(err.value)
        assert "max-rows=5" in message and "--max-rows" in message and url in message
        # A graph answer is cut and said to be cut the same way.
        with pytest.raises(AnswerCut):
            remote.query("CONSTRUCT { ?a a ag:Alliance } WHERE { ?a a ag:Alliance }")
        # What fits is answered whole.
        assert len(remote.query(ALLIANCES + " LIMIT 5").rows) == 5
        # The API on that endpoint says so too, rather than counting 5 alliances.
        with pytest.raises(AnswerCut):
            ag.open(endpoint=f"{url}/sparql").query(ALLIANCES)


def test_a_long_answer_cut_after_its_first_bytes_is_an_error_too(graph):
    """Past 1 MiB a JSON answer is streamed before the cut is known: no header, only the
    note at its end."""
    import httpx
    from engines import running

    from alliancegraph.errors import AnswerCut
    from alliancegraph.web.app import Settings, create_app

    every = "SELECT ?s ?p ?o ?x WHERE { ?s ?p ?o VALUES ?x { 1 2 3 4 } }"
    assert len(graph.query(every).rows) > 12_000
    app = create_app(graph, Settings(max_rows=12_000))
    with running(app) as url:
        for accept in ("application/sparql-results+json", "application/sparql-results+xml"):
            r = httpx.post(
                f"{url}/sparql", data={"query": every}, headers={"Accept": accept}, timeout=60
            )
            assert len(r.content) > 1 << 20 and "x-result-truncated" not in r.headers, accept
            got = Response(200, r.headers["content-type"], r.content, headers=dict(r.headers))
            assert answer_cut(got) == "its answer ends with the note truncated: max-rows=12000"
        with pytest.raises(AnswerCut) as err:  # the whole path: JSON, as RemoteStore asks
            RemoteStore(f"{url}/sparql").query(every)
        assert "truncated: max-rows=12000" in str(err.value)
        # A whole answer ending in a literal that looks like the note is no cut.
        fake = "# truncated: max-rows=3; 3 rows written\n"
        whole = RemoteStore(f"{url}/sparql").query(f"SELECT ?x WHERE {{ BIND({fake!r} AS ?x) }}")
        assert whole.rows[0][0].value == fake


def test_a_cut_answer_is_one_line_exit_1_in_the_cli(graph, cli_env):
    from engines import running

    from alliancegraph.web.app import Settings, create_app

    env = {**os.environ, **cli_env}
    app = create_app(graph, Settings(max_rows=5))
    with running(app) as url:
        r = subprocess.run(
            [sys.executable, "-m", "alliancegraph.cli", "query", ALLIANCES,
             "--endpoint", f"{url}/sparql"],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
    assert r.returncode == 1, r.stdout
    assert r.stderr.startswith(f"error: SPARQL endpoint {url}/sparql cut its answer")
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_an_answer_virtuoso_cut_at_its_row_cap_is_an_error(bundled_build, tmp_path):
    from engines import virtuoso_server

    from alliancegraph.errors import AnswerCut

    # publish lists the graphs Virtuoso holds (its own system graphs too): 50 leaves room
    labels = "SELECT ?s ?l WHERE { ?s rdfs:label ?l }"
    with virtuoso_server(tmp_path, max_rows=50) as base:
        publish_dataset(
            bundled_build.nquads_path, f"{base}/sparql",
            store_url=f"{base}/sparql-graph-crud",
        )  # fmt: skip
        remote = RemoteStore(f"{base}/sparql")
        with pytest.raises(AnswerCut) as err:
            remote.query(labels)
        assert "X-SPARQL-MaxRows: 50" in str(err.value)
        assert "ResultSetMaxRows" in str(err.value)
        # Under the cap, the whole answer.
        assert len(remote.query(labels + " LIMIT 49").rows) == 49
        assert len(remote.query(ALLIANCES).rows) == 11
        assert remote.query("ASK { ?a a ag:Alliance }").boolean is True
