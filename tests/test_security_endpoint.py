"""Issue 14, items 1 and 6: the endpoint sends no request anywhere, by two independent
guards, and answers only the hosts and origins it should, with the headers it should.

A canary HTTP server on loopback stands for "an internal service": it records every request
it gets and answers with a secret. A battery of queries that try to reach it (the two
bypasses of the old regular expression, comments, escapes, IRIs in every form, SERVICE
SILENT, nested subqueries, SERVICE ?var bound by VALUES, case) is sent over GET, form POST
and direct POST to a real uvicorn server on the bundled graph with its worker pool; the
canary must record nothing. Then the query check is switched off in the server, and the
worker sandbox alone must still keep the canary silent; with --allow-service the same
queries do reach it (so the canary would have seen them)."""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from engines import running

from alliancegraph import config, sandbox, sparqlcheck
from alliancegraph.graph import AllianceGraph
from alliancegraph.store import EmbeddedStore
from alliancegraph.web import protocol
from alliancegraph.web.app import Settings, create_app, security_notes
from alliancegraph.web.engine import Engine
from alliancegraph.web.guard import is_loopback, split_host

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60
SECRET = "db_password=hunter2"
ASK = "ASK { ?s ?p ?o }"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

linux_only = pytest.mark.skipif(
    sandbox.unavailable() is not None, reason=f"no network namespaces: {sandbox.unavailable()}"
)


# -- the canary and a real server --------------------------------------------------------------


class Canary:
    """An HTTP server on 127.0.0.1:<free port> that records every request and answers
    each with SPARQL JSON results holding :data:`SECRET`."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str]] = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                agent = self.headers.get("user-agent", "")
                canary.requests.append((self.command, self.path, agent + " " + body[:200]))
                out = (
                    '{"head":{"vars":["a","b","secret"]},"results":{"bindings":[{"secret":'
                    f'{{"type":"literal","value":"{SECRET}"}}}}]}}}}'
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def canary():
    c = Canary()
    yield c
    c.close()




@pytest.fixture(scope="module")
def site(graph):
    """The bundled graph with its worker pool (the store is on disk), SERVICE refused."""
    app = create_app(graph, Settings(timeout=20, workers=2))
    with running(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """An on-disk store holding one thing with a type and four values (the literals the
    battery's glued keywords stand on: 24, true, false), so that every SERVICE call in
    the battery is reached when the engine evaluates the query."""
    import pyoxigraph as ox

    path = tmp_path_factory.mktemp("tiny") / "store"
    store = ox.Store(str(path))
    fill(store)
    store.flush()
    del store
    return path


def fill(store) -> None:
    import pyoxigraph as ox

    a, p = ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p")
    store.add(ox.Quad(a, ox.NamedNode(RDF_TYPE), ox.NamedNode("http://e/C")))
    for value in (ox.Literal("1"), ox.Literal(24), ox.Literal(True), ox.Literal(False)):
        store.add(ox.Quad(a, p, value))


def tiny_app(path: Path, **settings: object):
    return create_app(AllianceGraph(EmbeddedStore.open(path)), Settings(timeout=20, **settings))


@pytest.fixture(scope="module")
def guarded(tiny):
    """The tiny store served with its worker pool, SERVICE refused (the defaults)."""
    app = tiny_app(tiny, workers=2)
    with running(app) as url:
        yield url


# -- the battery ---------------------------------------------------------------------------------


def battery(port: int) -> dict[str, str]:
    """Queries that try to make the server call ``http://127.0.0.1:port``; each one is read
    by Oxigraph as a SERVICE call (``tests/test_security_endpoint.py`` shows the unguarded
    engine calling the canary for the ones marked so in :data:`REACHES`)."""
    at = f"http://127.0.0.1:{port}"
    ag = "PREFIX ag: <https://w3id.org/cq-alliance/ontology#>\n"
    return {
        "plain": f"SELECT * {{ SERVICE <{at}/plain> {{ ?a ?b ?secret }} }}",
        # the issue's two bypasses of the regular expression
        "escaped quote": ag + f"SELECT ?secret {{ BIND(ag:x\\' AS ?q) "
        f"SERVICE <{at}/quote> {{ ?a ?b ?secret }} }} # '",
        "digit glued": f"SELECT * {{ ?s ?p 24SERVICE <{at}/digit> {{ ?a ?b ?secret }} }}",
        # keywords glued the other way: Oxigraph reads "true SERVICE"
        "true glued": f"SELECT * {{ ?s ?p trueSERVICE <{at}/true> {{ ?a ?b ?secret }} }}",
        "false glued": f"SELECT * {{ ?s ?p falseSERVICE <{at}/false> {{ ?a ?b ?secret }} }}",
        "glued to a prefix": f"PREFIX : <{at}/>\n"
        "SELECT * { ?s ?p trueSERVICE:glued { ?a ?b ?secret } }",
        # "<" the less-than operator, read by a naive lexer as an IRI hiding SERVICE
        "less-than": f"PREFIX : <{at}/>\n"
        "SELECT * { ?s ?p ?o FILTER(!(?o<?o))SERVICE:lt#>\n { ?a ?b ?secret } }",
        "comments": f"SELECT * {{ #x\nSERVICE#y\n<{at}/comments>#z\n{{ ?a ?b ?secret }} }}",
        "comment with quote": f"SELECT * {{ # it's\n SERVICE <{at}/cq> {{ ?a ?b ?secret }} }}",
        "string escapes": f'SELECT * {{ BIND("a\\"" AS ?z) SERVICE <{at}/esc> '
        '{ ?a ?b ?secret } } # "',
        "long string": f"SELECT * {{ BIND('''x''y''' AS ?z) SERVICE <{at}/long> "
        "{ ?a ?b ?secret } }",
        "escaped IRI": f"SELECT * {{ SERVICE <{at}/\\u0078> {{ ?a ?b ?secret }} }}",
        "prefixed IRI": f"PREFIX x: <{at}/>\nSELECT * {{ SERVICE x:prefixed {{ ?a ?b ?secret }} }}",
        "relative IRI": f"BASE <{at}/>\nSELECT * {{ SERVICE <relative> {{ ?a ?b ?secret }} }}",
        "SILENT": f"SELECT * {{ SERVICE SILENT <{at}/silent> {{ ?a ?b ?secret }} }}",
        "variable": f"SELECT * {{ VALUES ?u {{ <{at}/var> }} SERVICE ?u {{ ?a ?b ?secret }} }}",
        "SILENT variable": f"SELECT * {{ VALUES ?u {{ <{at}/sv> }} "
        "SERVICE SILENT ?u { ?a ?b ?secret } }",
        "nested": f"SELECT * {{ {{ SELECT * {{ {{ SELECT * {{ SERVICE <{at}/nested> "
        "{ ?a ?b ?secret } } } } } }",
        "lower case": f"select * {{ service <{at}/lower> {{ ?a ?b ?secret }} }}",
        "mixed case": f"SELECT * {{ sErViCe <{at}/mixed> {{ ?a ?b ?secret }} }}",
        "in EXISTS": f"ASK {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{at}/exists> "
        "{ ?a ?b ?secret } } }",
        "in OPTIONAL": f"SELECT * {{ ?s a ?c OPTIONAL {{ SERVICE <{at}/opt> "
        "{ ?a ?b ?secret } } }",
        "in UNION": f"SELECT * {{ {{ ?s a ?c }} UNION {{ SERVICE <{at}/union> "
        "{ ?a ?b ?secret } } }",
        "LATERAL": f"SELECT * {{ VALUES ?s {{ 1 }} LATERAL {{ SERVICE <{at}/lateral> "
        "{ ?a ?b ?secret } } }",
        "CONSTRUCT": f"CONSTRUCT {{ ?a ?b ?secret }} WHERE {{ SERVICE <{at}/construct> "
        "{ ?a ?b ?secret } }",
        "ASK": f"ASK {{ SERVICE <{at}/ask> {{ ?a ?b ?secret }} }}",
        "DESCRIBE": f"DESCRIBE ?a WHERE {{ SERVICE <{at}/describe> {{ ?a ?b ?secret }} }}",
        "after a FILTER": f"SELECT * {{ ?s ?p ?o FILTER(BOUND(?o))SERVICE<{at}/f>"
        "{?a ?b ?secret} }",
        "tabs and newlines": f"SELECT\t*\n{{\n\tSERVICE\n\t<{at}/ws>\n{{ ?a ?b ?secret }} }}",
    }


#: Queries of the battery that Oxigraph 0.5 does not send (the check refuses them all the
#: same): it evaluates ``SERVICE ?var`` with the variable unbound, and fails (or, SILENT,
#: answers nothing). Every other one reaches the canary when unguarded.
UNSENT = ("variable", "SILENT variable")


def send(url: str, how: str, query: str) -> httpx.Response:
    if how == "GET":
        return httpx.get(url + "/sparql", params={"query": query}, timeout=TIMEOUT)
    if how == "form POST":
        return httpx.post(url + "/sparql", data={"query": query}, timeout=TIMEOUT)
    return httpx.post(
        url + "/sparql",
        content=query.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=TIMEOUT,
    )


HOWS = ("GET", "form POST", "direct POST")


def test_every_obfuscation_is_refused_and_the_canary_hears_nothing(guarded, canary):
    url = guarded
    before = len(canary.requests)
    answers = {}
    for name, query in battery(canary.port).items():
        for how in HOWS:
            r = send(url, how, query)
            answers[name, how] = (r.status_code, r.text)
            assert SECRET not in r.text, (name, how)
    assert canary.requests[before:] == []
    wrong = {k: v for k, v in answers.items() if v[0] not in (403, 400)}
    assert wrong == {}, wrong
    refused = {k for k, v in answers.items() if v[0] == 403}
    assert all("SERVICE" in answers[k][1] for k in refused)
    # every one is refused by the check, none left to the parser (all are valid SPARQL)
    assert len(refused) == len(answers)


def test_the_check_says_where_it_read_service(guarded, canary):
    url = guarded
    r = send(url, "GET", battery(canary.port)["digit glued"])
    assert r.status_code == 403
    assert "federated queries (SERVICE) are off" in r.text
    assert "(SERVICE at line 1, column 20)" in r.text


def test_the_query_page_and_its_view_apply_the_check_too(guarded, canary):
    url = guarded
    before = len(canary.requests)
    for name in ("escaped quote", "digit glued", "less-than"):
        query = battery(canary.port)[name]
        page = httpx.get(url + "/query", params={"query": query}, timeout=TIMEOUT)
        assert "SERVICE" in page.text and SECRET not in page.text
        view = httpx.get(url + "/view/results", params={"query": query}, timeout=TIMEOUT)
        assert view.status_code == 403 and SECRET not in view.text
    assert canary.requests[before:] == []


def test_the_in_process_path_applies_the_same_check(canary):
    """A graph in memory has no worker pool: the check is the guard there (and for a
    remote endpoint), on every route."""
    import pyoxigraph as ox

    store = ox.Store()
    fill(store)
    app = create_app(AllianceGraph(EmbeddedStore(store)), Settings(timeout=10))
    assert app.state.engine.pool is None
    before = len(canary.requests)
    with running(app) as url:
        for name, query in battery(canary.port).items():
            for how in HOWS:
                r = send(url, how, query)
                assert r.status_code in (400, 403) and SECRET not in r.text, (name, how)
            page = httpx.get(url + "/query", params={"query": query}, timeout=TIMEOUT)
            assert SECRET not in page.text
        assert send(url, "GET", ASK).json()["boolean"] is True
    assert canary.requests[before:] == []


@linux_only
def test_the_worker_sandbox_alone_keeps_the_canary_silent(tiny, canary, monkeypatch):
    """Second layer: with the query check switched off in the server (updates still
    refused), every query of the battery reaches a worker, which runs it in a network
    namespace with no interface: the canary still records nothing."""

    def updates_only(text: str, allow_service: bool = False) -> str:
        if protocol.is_update(text):
            raise protocol.ProtocolError(403, protocol.READ_ONLY)
        return text

    monkeypatch.setattr(protocol, "check_query", updates_only)
    app = tiny_app(tiny, workers=2)
    before = len(canary.requests)
    with running(app) as url:
        assert app.state.engine.pool.isolated
        statuses = {}
        for name, query in battery(canary.port).items():
            for how in HOWS:
                r = send(url, how, query)
                statuses[name, how] = r.status_code
                assert SECRET not in r.text, (name, how)
                # a SERVICE cut off by the sandbox fails that query, not its worker
                assert "stopped unexpectedly" not in r.text, (name, how, r.text)
        assert send(url, "GET", ASK).json()["boolean"] is True  # the pool still answers
    assert canary.requests[before:] == []
    # the check really was off: queries got to the engine, which failed to connect (or
    # SILENT swallowed it), instead of a 403 from the check
    assert 403 not in statuses.values()


def test_with_allow_service_the_canary_is_reached(tiny, canary):
    """The control: without either guard (--allow-service turns both off), the queries of
    the battery do reach the canary, each once, so its silence above means something."""
    app = tiny_app(tiny, workers=1, allow_service=True)
    before = len(canary.requests)
    queries = battery(canary.port)
    with running(app) as url:
        assert not app.state.engine.pool.isolated
        r = send(url, "GET", queries["digit glued"])
        assert r.status_code == 200 and SECRET in r.text
        for name, query in queries.items():
            if name != "digit glued":
                send(url, "GET", query)
    reached = canary.requests[before:]
    assert len(reached) == len(queries) - len(UNSENT), [path for _, path, _ in reached]
    assert all("Oxigraph" in agent for _, _, agent in reached)


def test_an_unavailable_sandbox_is_said_at_start(graph, monkeypatch):
    monkeypatch.setattr(sandbox, "unavailable", lambda: "user namespaces are disabled")
    engine = Engine(graph, Settings(timeout=10, workers=1))
    engine.start()
    try:
        assert engine.pool is not None and not engine.pool.isolated
        notes = security_notes(engine, "127.0.0.1", 8000)
        assert any(
            n.startswith("warning") and "could not be cut off the network" in n
            and "user namespaces are disabled" in n and "SERVICE is refused" in n
            for n in notes
        ), notes
    finally:
        engine.stop()


@linux_only
def test_an_isolated_process_reaches_nothing(canary):
    code = (
        "import sys, socket, urllib.request\n"
        "from alliancegraph import sandbox\n"
        "print(sandbox.isolate())\n"
        f"try:\n    urllib.request.urlopen({canary.url + '/child'!r}, timeout=5)\n"
        "except OSError as e:\n    print('refused', e)\n"
        "print(sandbox.reachable())\n"
    )
    before = len(canary.requests)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] in ("user and network namespace", "network namespace")
    assert lines[1].startswith("refused") and lines[2] == "False"
    assert canary.requests[before:] == []


# -- the lexer's reading -------------------------------------------------------------------------


def test_service_keyword_reads_like_the_engine(canary):
    for name, query in battery(canary.port).items():
        assert sparqlcheck.service_keyword(query) is not None, name
    queries = ROOT / "src" / "alliancegraph" / "queries"
    legit = [p.read_text(encoding="utf-8") for p in queries.rglob("*.rq")]
    sd = "http://www.w3.org/ns/sparql-service-description#"
    legit += [
        f"PREFIX sd: <{sd}>\nSELECT * {{ ?s a sd:Service ; sd:endpoint ?e ;"
        f" <{sd}feature> ?f FILTER(?f = <{sd}x>) }}",
        'SELECT ?service { ?service rdfs:label "SERVICE" } # SERVICE',
        "SELECT * { ?s ag:service ?o FILTER(CONTAINS(?o, 'service') && ?o < 'SERVICE') }",
        "SELECT * { ?s ?p ?o } # service: none here",
    ]
    assert [q[:50] for q in legit if sparqlcheck.service_keyword(q)] == []


def test_updates_are_told_by_the_same_lexer():
    assert protocol.is_update("BASE<http://a/>INSERT DATA { <x> <y> <z> }")
    assert protocol.is_update("PREFIX # a comment\n a: <http://a/> DELETE WHERE { ?s ?p ?o }")
    assert protocol.is_update('VERSION "1.2" CLEAR ALL')
    assert protocol.is_update("prefix a: <http://a/#x> insert data { a:x a:y a:z }")
    assert not protocol.is_update("# INSERT\nPREFIX a: <http://a/#DELETE> SELECT * { ?s ?p ?o }")
    with pytest.raises(protocol.ProtocolError) as refused:
        protocol.check_query("PREFIX # c\n a: <http://a/> DROP ALL")
    assert refused.value.status == 403 and "read-only" in str(refused.value)


def test_the_check_is_linear_and_a_plain_function():
    comment = "# service " * 100_000 + "\nSELECT * { ?s ?p ?o }"
    dense = "SELECT * { " + "?s <http://x/service> ?o . FILTER(?a < ?b) " * 20_000 + "}"
    for text in (comment, dense):
        started = time.perf_counter()
        assert protocol.check_query(text) == text
        assert time.perf_counter() - started < 5, len(text)
    # a text built so that its readings never merge is refused, quickly
    exploding = "SELECT * { FILTER(" + "?a<(>" * 100_000 + ") } # service"
    started = time.perf_counter()
    with pytest.raises(protocol.ProtocolError):
        protocol.check_query(exploding)
    assert time.perf_counter() - started < 5


# -- headers -------------------------------------------------------------------------------------


def test_every_response_carries_the_security_headers(site):
    url, _ = site
    for path in ("/", "/sparql?query=ASK%7B%7D", "/static/app.css", "/query", "/no-such-page",
                 "/sparql?query=INSERT%20DATA%20%7B%7D"):  # fmt: skip
        r = httpx.get(url + path, timeout=TIMEOUT)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "no-referrer", path
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path
        assert r.headers["x-frame-options"] == "DENY", path
    page = httpx.get(url + "/", timeout=TIMEOUT).headers["content-security-policy"]
    assert page.startswith("default-src 'self'") and "script-src 'self'" in page


def test_only_the_embedded_views_may_be_framed_and_only_by_the_explorer(site):
    url, _ = site
    entity = httpx.get(url + "/entity/chongqing-materials-research-institute", timeout=TIMEOUT)
    assert entity.status_code == 200 and 'src="/view/' in entity.text
    src = entity.text.split('src="/view/', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    view = httpx.get(url + "/view/" + src, timeout=TIMEOUT)
    assert view.status_code == 200
    policy = view.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in policy and "'none'" not in policy.split("frame-")[1]
    assert policy.startswith("default-src 'none'")  # the view's own policy is kept
    assert view.headers["x-frame-options"] == "SAMEORIGIN"


# -- hosts and origins ---------------------------------------------------------------------------


def test_other_host_names_get_400_and_are_never_echoed(site):
    url, _ = site
    port = url.rsplit(":", 1)[1]
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}",
                 f"localhost:{int(port) + 1}", "", f"localhost:{port}@evil.example"):  # fmt: skip
        for path, headers in (
            ("/sparql", {}),  # the service description would name the host
            ("/sparql", {"Accept": "text/html"}),  # the 303 Location would
            ("/", {}),
        ):
            r = httpx.get(url + path, headers={**headers, "Host": host}, timeout=TIMEOUT)
            assert r.status_code == 400, (host, path)
            assert "evil" not in r.text and "location" not in r.headers
            assert r.headers["x-content-type-options"] == "nosniff"
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"LOCALHOST:{port}"):
        r = httpx.get(url + "/sparql", headers={"Host": host, "Accept": "text/html"},
                      timeout=TIMEOUT)  # fmt: skip
        assert r.status_code == 303 and r.headers["location"] == f"http://{host}/query"


def test_allowed_host_names_are_answered_and_named(graph):
    app = create_app(graph, Settings(timeout=20, workers=1, allowed_hosts=("graph.example.org",)))
    with running(app) as url:
        r = httpx.get(url + "/sparql", headers={"Host": "graph.example.org"}, timeout=TIMEOUT)
        assert r.status_code == 200 and "http://graph.example.org/sparql" in r.text
        r = httpx.get(url + "/sparql", headers={"Host": "other.example.org"}, timeout=TIMEOUT)
        assert r.status_code == 400


def test_split_host_and_loopback():
    assert split_host("[::1]:8000") == ("::1", 8000)
    assert split_host("Example.ORG") == ("example.org", None)
    assert split_host("x:0") is None and split_host("[::1") is None and split_host("") is None
    assert is_loopback("127.0.0.2") and is_loopback("[::1]") and not is_loopback("::")


def test_cross_origin_posts_are_refused(site):
    url, _ = site
    form = {"query": ASK}
    for origin in ("http://evil.example", "null", url.replace("127.0.0.1", "localhost")):
        r = httpx.post(url + "/sparql", data=form, headers={"Origin": origin}, timeout=TIMEOUT)
        assert r.status_code == 403 and "Origin" in r.text, origin
    r = httpx.post(url + "/sparql", data=form, headers={"Origin": url}, timeout=TIMEOUT)
    assert r.status_code == 200 and r.json()["boolean"] is True
    r = httpx.post(url + "/sparql", data=form, timeout=TIMEOUT)  # curl, SPARQLWrapper
    assert r.status_code == 200
    # a GET from another origin is not refused (the browser keeps its answer from the page)
    r = httpx.get(url + "/sparql", params=form, headers={"Origin": "http://evil.example"},
                  timeout=TIMEOUT)  # fmt: skip
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_with_cors_other_origins_may_post(graph):
    app = create_app(graph, Settings(timeout=20, workers=1, cors=True))
    with running(app) as url:
        r = httpx.post(url + "/sparql", data={"query": ASK},
                       headers={"Origin": "http://elsewhere.example"}, timeout=TIMEOUT)  # fmt: skip
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"


def test_allowed_hosts_come_from_the_option_or_the_environment(monkeypatch):
    monkeypatch.setenv("ALLIANCEGRAPH_ALLOWED_HOSTS", "a.example, B.example:8080")
    assert config.allowed_hosts() == ("a.example", "b.example:8080")
    assert config.allowed_hosts(["c.example"]) == ("c.example",)
    with pytest.raises(Exception, match="not a host name"):
        config.allowed_hosts(["http://c.example/"])


# -- binding -------------------------------------------------------------------------------------


def test_listening_off_loopback_needs_expose(graph, session_cache):
    env = {**os.environ, "ALLIANCEGRAPH_CACHE": str(session_cache), "ALLIANCEGRAPH_HOME": str(ROOT)}
    cli = [sys.executable, "-m", "alliancegraph.cli", "serve", "--port", "0", "--workers", "1"]
    done = subprocess.run([*cli, "--host", "0.0.0.0"], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip
    assert done.returncode == 2 and "--expose" in done.stderr and done.stdout == ""
    env["ALLIANCEGRAPH_ALLOWED_HOSTS"] = "graph.example.org"
    proc = subprocess.Popen([*cli, "--host", "0.0.0.0", "--expose"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        assert lines[0].startswith("alliancegraph explorer: http://127.0.0.1:"), lines
        base = lines[0].split(": ", 1)[1].strip().rstrip("/")
        exposed = lines[3] + proc.stdout.readline()
        assert "exposed on 0.0.0.0" in exposed and "read-only SPARQL endpoint" in exposed
        assert "SERVICE refused" in exposed and "graph.example.org" in exposed
        r = httpx.get(base + "/sparql", params={"query": ASK}, timeout=30)
        assert r.status_code == 200
        r = httpx.get(base + "/sparql", headers={"Host": "graph.example.org"}, timeout=30)
        assert r.status_code == 200 and "graph.example.org" in r.text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(20)
    assert proc.returncode == 0, proc.stderr.read()
