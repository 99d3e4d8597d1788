"""``alliancegraph serve``: the /sparql endpoint with real clients (SPARQLWrapper, httpx)
against a real uvicorn server on a free loopback port, and the explorer pages in Debian's
chromium driven by Playwright, with every request that would leave the machine blocked
and counted."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
import pytest
from engines import running

from alliancegraph.graph import AllianceGraph
from alliancegraph.library import load_library
from alliancegraph.namespaces import AG, AGR, GRAPH_ONTOLOGY, GRAPH_SYNTHETIC, PREFIXES, RDF, XSD
from alliancegraph.results import term_json
from alliancegraph.store import EmbeddedStore
from alliancegraph.web import protocol
from alliancegraph.web.app import Settings, bind_warning, create_app

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_ALIAS = "<script>alert(2)</script>"
HOSTILE_QUOTE = "<b onmouseover=alert(3)>合作</b> & 共建"
ALLIANCES = "SELECT ?a WHERE { ?a a ag:Alliance } ORDER BY ?a"
#: How many ag:Alliance nodes data/entities.csv declares: the article's six (ag:partOfSystem)
#: and five from the other sources (three proposed in 2021, smart sensing, chemical materials).
N_ALLIANCES = 11
#: Seconds a test client waits: generous, the machine running the suite may be busy.
TIMEOUT = 60

#: Parameter values for the named queries that need one (slugs: the text form of a run).
PARAMS = {
    "entity-facts": {"entity": "chongqing-materials-research-institute"},
    "alliance-members": {"alliance": "alliance-functional-materials"},
}


# -- a real server on a free loopback port ---------------------------------------------------




@pytest.fixture(scope="module")
def site(graph):
    """The bundled graph served with worker processes (its store is on disk)."""
    app = create_app(graph, Settings(timeout=20, workers=2))
    with running(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def url(site) -> str:
    return site[0]


@pytest.fixture(scope="module")
def env(graph, session_cache) -> dict[str, str]:
    """CLI environment on the session's cache, where the bundled graph is already built."""
    return {"ALLIANCEGRAPH_CACHE": str(session_cache), "ALLIANCEGRAPH_HOME": str(ROOT)}


def hostile_dataset() -> ox.Store:
    """A tiny graph whose labels, alias, evidence quote and source title are markup."""
    ttl = f"""
    @prefix ag: <{AG}> . @prefix agr: <{AGR}> . @prefix rdf: <{RDF}> .
    @prefix rdfs: <{PREFIXES["rdfs"]}> . @prefix skos: <{PREFIXES["skos"]}> .
    @prefix prov: <{PREFIXES["prov"]}> . @prefix dcterms: <{PREFIXES["dcterms"]}> .
    agr:hostile a ag:Enterprise ; rdfs:label {json.dumps(HOSTILE)}@zh , "Hostile & Co"@en ;
        skos:altLabel {json.dumps(HOSTILE_ALIAS)}@zh .
    agr:friend a ag:University ; rdfs:label "友好大学"@zh , "Friendly University"@en .
    agr:ally a ag:Alliance ; rdfs:label "测试联盟"@zh ; ag:leadInstitution agr:hostile .
    agr:hostile ag:collaboratesWith agr:friend .
    agr:statement\\/h1 a rdf:Statement ; rdf:subject agr:hostile ;
        rdf:predicate ag:collaboratesWith ; rdf:object agr:friend ;
        prov:wasDerivedFrom agr:source-h ; ag:evidenceText {json.dumps(HOSTILE_QUOTE)}@zh .
    agr:source-h a ag:SourceDocument ; rdfs:label "<i>来源</i>"@zh ; dcterms:title "t" .
    """
    store = ox.Store()
    store.load(ttl.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(AGR + "graph/t"))
    store.load(
        path=str(ROOT / "ontology" / "alliance.ttl"),
        format=ox.RdfFormat.TURTLE,
        to_graph=ox.NamedNode(GRAPH_ONTOLOGY),
    )
    return store


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The hostile graph in memory (no worker processes: the store's own deadline in a
    thread), with tight limits and CORS on."""
    g = AllianceGraph(EmbeddedStore(hostile_dataset()))
    settings = Settings(timeout=10, max_rows=3, max_request_bytes=4096, cors=True)
    with running(create_app(g, settings)) as url:
        yield url


def _rows_json(bindings: list[dict], variables: list[str]) -> list[tuple]:
    """SPARQL JSON bindings as sortable tuples (None for unbound)."""
    return sorted(
        tuple(
            json.dumps(b.get(v), sort_keys=True, ensure_ascii=False) if b.get(v) else ""
            for v in variables
        )
        for b in bindings
    )


def _rows_terms(result) -> list[tuple]:
    return sorted(
        tuple(
            json.dumps(term_json(t), sort_keys=True, ensure_ascii=False) if t is not None else ""
            for t in row
        )
        for row in result.rows
    )


# -- /sparql: every named query through SPARQLWrapper -----------------------------------------


# SPARQLWrapper guesses the query form from the text but strips only every other comment
# line, so a header line saying "describe" makes it send Accept: */* (we answer JSON).
@pytest.mark.filterwarnings("ignore:Sending Accept header:RuntimeWarning")
def test_every_named_query_gives_the_same_rows_through_sparqlwrapper(url, graph):
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    library = load_library()
    assert len(library) >= 15
    for name, nq in library.items():
        values = dict(PARAMS.get(name, {}))
        for p in nq.params:
            if p.required and p.name not in values:
                values[p.name] = p.example
        text = graph.query_text(name, values)
        sw = SPARQLWrapper(url + "/sparql")
        sw.setQuery(text)
        sw.setReturnFormat(JSON)
        if len(text) > 1500:
            sw.setMethod(POST)
        remote = sw.queryAndConvert()
        local = graph.named(name, **values)
        assert remote["head"]["vars"] == local.variables, name
        got = _rows_json(remote["results"]["bindings"], local.variables)
        assert got == _rows_terms(local), name
    # A bound parameter really narrows: one alliance's members, not everyone's.
    members = graph.named("alliance-members", **PARAMS["alliance-members"])
    assert 0 < len(members) < len(graph.named("alliance-members"))


@pytest.mark.filterwarnings("ignore:Sending Accept header:RuntimeWarning")
def test_named_query_matches_the_cli(url, env, graph):
    from SPARQLWrapper import JSON, SPARQLWrapper

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "alliancegraph.cli",
            "query",
            "--name",
            "entity-facts",
            "--param",
            "entity=重材院",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    cli_json = json.loads(done.stdout)
    sw = SPARQLWrapper(url + "/sparql")
    sw.setQuery(graph.query_text("entity-facts", PARAMS["entity-facts"]))
    sw.setReturnFormat(JSON)
    remote = sw.queryAndConvert()
    variables = cli_json["head"]["vars"]
    assert remote["head"]["vars"] == variables
    ours = _rows_json(remote["results"]["bindings"], variables)
    assert ours == _rows_json(cli_json["results"]["bindings"], variables)
    assert any("由重材院牵头建立" in row[variables.index("evidence")] for row in ours)


# -- /sparql: the protocol --------------------------------------------------------------------


def test_get_post_form_and_post_direct_agree(url, graph):
    expected = [r["a"].value for r in graph.query(ALLIANCES)]
    got = []
    with httpx.Client(base_url=url, timeout=TIMEOUT) as c:
        got.append(c.get("/sparql", params={"query": ALLIANCES}))
        got.append(c.post("/sparql", data={"query": ALLIANCES}))
        got.append(
            c.post(
                "/sparql",
                content=ALLIANCES.encode(),
                headers={"Content-Type": "application/sparql-query"},
            )
        )
    for r in got:
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/sparql-results+json"
        values = [b["a"]["value"] for b in r.json()["results"]["bindings"]]
        assert values == expected and len(values) == N_ALLIANCES


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", "json"),
        ("application/sparql-results+xml", "application/sparql-results+xml", "xml"),
        ("text/csv", "text/csv", "csv"),
        ("text/tab-separated-values", "text/tab-separated-values", "tsv"),
    ],
)
def test_results_in_each_format(url, graph, accept, media, fmt):
    q = "SELECT ?a ?l WHERE { ?a a ag:Alliance ; rdfs:label ?l } ORDER BY ?a ?l"
    r = httpx.get(url + "/sparql", params={"query": q}, headers={"Accept": accept}, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert r.content.decode("utf-8") == graph.query(q).serialize(fmt)
    if fmt != "csv":  # CSV drops language tags by design; the others round-trip exactly
        parsed = ox.parse_query_results(
            r.content, format=ox.QueryResultsFormat.from_media_type(media)
        )
        assert [tuple(s) for s in parsed] == graph.query(q).rows


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
    ],
)
def test_graphs_in_each_format(url, graph, accept, fmt):
    q = "CONSTRUCT { ?a ag:leadInstitution ?l } WHERE { ?a ag:leadInstitution ?l }"
    r = httpx.get(url + "/sparql", params={"query": q}, headers={"Accept": accept}, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == accept
    got = {str(t) for t in ox.parse(r.content, format=fmt)}
    # memberships.csv's three leads (the article's) and the chemical alliance's two (facts.csv)
    assert got == {str(t) for t in graph.query(q).triples} and len(got) == 5


def test_ask_and_format_parameter(url):
    r = httpx.get(
        url + "/sparql", params={"query": "ASK { agr:cqupt a ag:University }"}, timeout=TIMEOUT
    )
    assert r.json() == {"head": {}, "boolean": True}
    r = httpx.get(url + "/sparql", params={"query": ALLIANCES, "format": "csv"}, timeout=TIMEOUT)
    assert (
        r.headers["content-type"].startswith("text/csv") and r.text.count("\r\n") == N_ALLIANCES + 1
    )


def test_updates_are_refused_with_403(url, graph):
    from SPARQLWrapper import POST, SPARQLWrapper

    before = graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0].value
    insert = "INSERT DATA { agr:x rdfs:label 'x' }"
    sw = SPARQLWrapper(url + "/sparql", updateEndpoint=url + "/sparql")
    sw.setQuery(insert)
    sw.setMethod(POST)
    with pytest.raises(Exception) as err:
        sw.query()
    assert getattr(err.value, "code", None) == 403
    assert "read-only" in err.value.read().decode()
    with httpx.Client(base_url=url, timeout=TIMEOUT) as c:
        for r in (
            c.post("/sparql", data={"update": insert}),
            c.post(
                "/sparql",
                content=insert.encode(),
                headers={"Content-Type": "application/sparql-update"},
            ),
            c.get("/sparql", params={"query": "PREFIX a: <http://a/>\nDROP ALL"}),
            c.get("/sparql", params={"update": "CLEAR DEFAULT"}),
        ):
            assert r.status_code == 403 and "read-only" in r.text
    after = graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0].value
    assert before == after


def test_bad_requests_say_what_is_wrong(url):
    with httpx.Client(base_url=url, timeout=TIMEOUT) as c:
        r = c.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
        assert r.status_code == 400 and "line 1" in r.text and "SPARQL syntax error" in r.text
        r = c.post("/sparql", content=b"x", headers={"Content-Type": "text/plain"})
        assert r.status_code == 415
        r = c.get("/sparql", params={"query": "SELECT * { SERVICE <http://example.org/s> {} }"})
        assert r.status_code == 403 and "SERVICE" in r.text
        r = c.put("/sparql", content=b"")
        assert r.status_code == 405


def test_service_description_lists_the_named_queries(url):
    r = httpx.get(url + "/sparql", headers={"Accept": "text/turtle"}, timeout=TIMEOUT)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = ox.Store()
    g.load(r.content, format=ox.RdfFormat.TURTLE)
    me = ox.NamedNode(url + "/sparql")
    sd = protocol.SD
    assert bool(g.query(f"ASK {{ <{me.value}> a <{sd}Service> ; <{sd}endpoint> <{me.value}> }}"))
    n = g.query(
        "SELECT (COUNT(DISTINCT ?q) AS ?n) WHERE { ?q a "
        "<http://www.w3.org/ns/shacl#SPARQLExecutable> ; "
        f"<https://schema.org/target> <{me.value}> }}"
    )
    assert int(next(iter(n))["n"].value) == len(load_library())
    # the dataset it serves, whose class counts (VoID) the endpoint itself answers
    found = g.query(f"SELECT ?d WHERE {{ <{me.value}> <{sd}defaultDataset> ?d . "
                    f"?d <http://rdfs.org/ns/void#sparqlEndpoint> <{me.value}> }}")  # fmt: skip
    dataset = next(iter(found))["d"].value
    counts = httpx.post(url + "/sparql", data={"query": (
        "PREFIX void: <http://rdfs.org/ns/void#> SELECT ?n WHERE { GRAPH agr:graph-generated "
        f"{{ <{dataset}> void:classPartition [ void:class ag:Alliance ; void:entities ?n ] }} }}"
    )}, headers={"Accept": "application/sparql-results+json"}, timeout=TIMEOUT)  # fmt: skip
    assert counts.json()["results"]["bindings"] == [
        {"n": {"type": "literal", "datatype": XSD + "integer", "value": "11"}}
    ]  # the 11 alliances of data/entities.csv (test_api.test_summary)
    # A browser asking for the endpoint is sent to the editor.
    r = httpx.get(url + "/sparql", headers={"Accept": "text/html"}, timeout=TIMEOUT)
    assert r.status_code == 303 and r.headers["location"].endswith("/query")


def test_row_cap_request_size_and_cors(small, url):
    many = "SELECT ?s WHERE { ?s ?p ?o }"
    r = httpx.get(small + "/sparql", params={"query": many}, timeout=TIMEOUT)
    # Cut at the cap, and saying so (issue 14): the header and, in JSON, the document.
    assert r.status_code == 200 and r.headers["x-result-truncated"] == "max-rows=3"
    assert len(r.json()["results"]["bindings"]) == 3 and r.json()["truncated"]["rows"] == 3
    r = httpx.get(small + "/sparql", params={"query": many + " LIMIT 3"}, timeout=TIMEOUT)
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 3
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 5000
    r = httpx.post(small + "/sparql", data={"query": big}, timeout=TIMEOUT)
    assert r.status_code == 413
    origin = {"Origin": "http://elsewhere.example"}
    r = httpx.get(
        small + "/sparql", params={"query": many + " LIMIT 1"}, headers=origin, timeout=TIMEOUT
    )
    assert r.headers.get("access-control-allow-origin") == "*"
    r = httpx.get(url + "/sparql", params={"query": ALLIANCES}, headers=origin, timeout=TIMEOUT)
    assert "access-control-allow-origin" not in r.headers  # off unless --cors


def test_serves_in_front_of_a_remote_engine(url, graph):
    """``serve --endpoint``: the same app on a RemoteStore (here: our own /sparql, a real
    SPARQL 1.1 endpoint over HTTP) gives the same rows and the same pages."""
    from alliancegraph.store import RemoteStore

    front = create_app(AllianceGraph(RemoteStore(url + "/sparql")), Settings(timeout=20))
    with running(front) as proxy:
        r = httpx.get(proxy + "/sparql", params={"query": ALLIANCES}, timeout=TIMEOUT)
        assert [b["a"]["value"] for b in r.json()["results"]["bindings"]] == [
            row[0].value for row in graph.query(ALLIANCES).rows
        ]
        page = httpx.get(
            proxy + "/entity/chongqing-materials-research-institute", timeout=TIMEOUT
        ).text
        assert "由重材院牵头建立的重庆市功能材料技术创新战略联盟" in page


# -- the deadline -----------------------------------------------------------------------------

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d }"
N_ORGS = 20_000


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """About 100k synthetic triples (flagged, in their own graph) in an on-disk store,
    served with a 3 s deadline by two worker processes."""
    path = tmp_path_factory.mktemp("synthetic-web") / "store"
    g = ox.NamedNode(GRAPH_SYNTHETIC)
    a, label = ox.NamedNode(RDF + "type"), ox.NamedNode(PREFIXES["rdfs"] + "label")
    member, flag = ox.NamedNode(PREFIXES["org"] + "memberOf"), ox.NamedNode(AG + "synthetic")
    enterprise, yes = ox.NamedNode(AG + "Enterprise"), ox.Literal(True)

    def quads():
        for i in range(N_ORGS):
            s = ox.NamedNode(f"{AGR}synthetic/org-{i}")
            yield ox.Quad(s, a, enterprise, g)
            yield ox.Quad(s, label, ox.Literal(f"合成企业 {i}", language="zh"), g)
            yield ox.Quad(s, member, ox.NamedNode(f"{AGR}synthetic/alliance-{i % 40}"), g)
            yield ox.Quad(s, flag, yes, g)
            yield ox.Quad(s, ox.NamedNode(AG + "rank"), ox.Literal(i), g)

    disk = ox.Store(str(path))
    disk.bulk_extend(quads())
    disk.flush()
    del disk
    app = create_app(AllianceGraph(EmbeddedStore.open(path)), Settings(timeout=3, workers=2))
    with running(app) as url:
        yield url, app


def test_runaway_query_is_stopped_while_others_are_answered(synthetic):
    import psutil

    url, app = synthetic
    pool = app.state.engine.pool
    before = set(pool.pids())
    simple = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ag:Enterprise }"
    out: dict = {}

    def runaway():
        t0 = time.monotonic()
        out["r"] = httpx.post(url + "/sparql", data={"query": CARTESIAN}, timeout=30)
        out["t"] = time.monotonic() - t0

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    r = httpx.get(url + "/sparql", params={"query": simple}, timeout=30)
    answered = time.monotonic() - t0
    assert r.status_code == 200
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) == N_ORGS
    # Answered while the runaway query was still running (the machine may be busy, so the
    # bound is loose; what matters is that it did not wait for the deadline).
    assert thread.is_alive() and answered < 2.0, f"a simple query waited {answered:.2f} s"
    thread.join(30)
    assert out["r"].status_code == 503
    assert "deadline" in out["r"].text and "LIMIT" in out["r"].text
    assert 2.8 < out["t"] < 8, out["t"]
    # The query really stopped: its worker process is gone, and a fresh one took its place.
    assert pool.killed >= 1
    gone = [pid for pid in before if not psutil.pid_exists(pid)]
    assert gone, "the runaway query's worker is still running"
    deadline = time.monotonic() + 30
    while len(pool.pids()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(pool.pids()) == 2
    r = httpx.get(url + "/sparql", params={"query": simple}, timeout=30)
    assert r.status_code == 200


# -- serve ------------------------------------------------------------------------------------


def test_bind_warning_only_off_loopback():
    assert bind_warning("127.0.0.1") is None and bind_warning("::1") is None
    assert bind_warning("localhost") is None
    warning = bind_warning("0.0.0.0")
    assert warning and "visible" in warning and "network" in warning


def test_serve_command_prints_the_address_and_answers(env):
    proc = subprocess.Popen(
        [sys.executable, "-m", "alliancegraph.cli", "serve", "--port", "0", "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("alliancegraph explorer: http://127.0.0.1:"), line
        base = line.split(": ", 1)[1].strip().rstrip("/")
        r = httpx.get(base + "/sparql", params={"query": ALLIANCES}, timeout=30)
        assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == N_ALLIANCES
        assert httpx.get(base + "/", timeout=30).status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        proc.wait(20)
    assert proc.returncode == 0, proc.stderr.read()


# -- the web layer over the API ----------------------------------------------------------------


def test_updates_and_service_calls_are_told_from_queries():
    assert protocol.is_update("PREFIX a: <http://a/> INSERT DATA { a:x a:y a:z }")
    assert protocol.is_update("WITH <http://a/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert not protocol.is_update("# DELETE me\nSELECT * WHERE { ?s ?p ?o }")
    assert protocol.uses_service("SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }")
    assert not protocol.uses_service('SELECT ?service { ?service rdfs:label "SERVICE" } # SERVICE')


def test_service_description_triples_come_from_the_service_module():
    from alliancegraph import service

    me = "http://example.org/sparql"
    sd = service.SD
    federated = {str(t) for t in service.description(me, federated=True, with_examples=False)}
    plain = service.description(me, with_examples=False)
    feature = f"<{me}> <{sd}feature> <{sd}BasicFederatedQuery>"
    assert any(feature in t for t in federated)
    assert not any(feature in str(t) for t in plain)
    # Every served format is listed, and every named query is an example targeting `me`.
    listed = {t.object.value for t in plain if t.predicate.value == sd + "resultFormat"}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in listed
    assert "http://www.w3.org/ns/formats/Turtle" in listed
    targets = [t for t in service.examples(me) if t.predicate.value.endswith("schema.org/target")]
    assert len(targets) == len(load_library()) and {t.object.value for t in targets} == {me}
    ttl = service.document(me, "ttl").decode()
    assert "@prefix sd:" in ttl and "sd:Service" in ttl
    g = ox.Store()
    g.load(service.document(me, "nt"), format=ox.RdfFormat.N_TRIPLES)
    assert bool(g.query(f"ASK {{ <{me}> a <{sd}Service> }}"))


def test_cells_show_terms_by_kind():
    from alliancegraph.web.data import cell

    ours = cell(ox.NamedNode(AGR + "chongqing-materials-research-institute"))
    assert ours.href == "/entity/chongqing-materials-research-institute"
    assert ours.title == AGR + "chongqing-materials-research-institute"
    assert cell(ox.NamedNode("http://example.org/x")).href is None
    assert cell(ox.Literal("重材院", language="zh")).note == "zh"
    number = cell(ox.Literal("7", datatype=ox.NamedNode(PREFIXES["xsd"] + "integer")))
    assert (number.text, number.note) == ("7", "xsd:integer")
    assert cell(ox.Literal("plain")).note is None
    assert cell(ox.BlankNode("b1")).text == "_:b1"
    assert cell(None).text == ""


def tiny_alliance() -> AllianceGraph:
    """One alliance: lead e1 (企业, also a formal organisation), member u1 (高等院校) and
    member x1 with no class; the ontology gives the classes' labels."""
    ttl = f"""
    @prefix ag: <{AG}> . @prefix agr: <{AGR}> . @prefix org: <{PREFIXES["org"]}> .
    @prefix rdfs: <{PREFIXES["rdfs"]}> .
    agr:a1 a ag:Alliance ; rdfs:label "小联盟"@zh ; ag:leadInstitution agr:e1 ;
        org:hasMember agr:e1 , agr:u1 , agr:x1 .
    agr:e1 a ag:Enterprise , org:FormalOrganization ; rdfs:label "某企业"@zh .
    agr:u1 a ag:University ; rdfs:label "某大学"@zh .
    agr:x1 rdfs:label "某单位"@zh .
    """
    store = ox.Store()
    store.load(ttl.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(AGR + "graph/t"))
    store.load(
        path=str(ROOT / "ontology" / "alliance.ttl"),
        format=ox.RdfFormat.TURTLE,
        to_graph=ox.NamedNode(GRAPH_ONTOLOGY),
    )
    return AllianceGraph(EmbeddedStore(store))


def test_alliance_page_groups_members_by_their_most_specific_class():
    from alliancegraph.web import data

    g = tiny_alliance()
    cache = data.Cache()
    a = data.alliance(g, AGR + "a1", cache)
    groups = {
        r["key"]: {grp["type"]: [o["text"] for o in grp["orgs"]] for grp in r["groups"]}
        for r in a["roles"]
    }
    assert groups == {
        "lead": {"企业": ["某企业"]},
        "member": {"高等院校": ["某大学"], data.UNKNOWN_KIND: ["某单位"]},
    }
    assert a["label"] == "小联盟" and a["entity_href"] == "/entity/a1"
    # The class of every entity is asked once per server, then read from the cache.
    kinds = data.kinds(g, cache)
    assert data.kinds(g, cache) is kinds and kinds[AGR + "e1"] == "企业"
    with pytest.raises(Exception, match="not an alliance"):
        data.alliance(g, AGR + "u1", cache)


def test_a_result_is_drawn_as_the_pairs_its_rows_hold():
    from alliancegraph.analysis.pairs import result_graph

    g = tiny_alliance()
    rows = g.named("alliance-members")
    G = result_graph(g, rows)
    assert set(G.edges()) == {(AGR + "a1", AGR + m) for m in ("e1", "u1", "x1")}
    # Named by the role column; nodes by their label columns, typed by their class.
    assert G.edges[AGR + "a1", AGR + "e1", 0]["predicate"] == "lead"
    assert (
        G.nodes[AGR + "u1"]["label"] == "某大学" and G.nodes[AGR + "u1"]["type"] == "ag:University"
    )
    assert G.nodes[AGR + "x1"]["type"] == "entity"
    # A CONSTRUCT result: each triple is a row; the edge is named by its property's label.
    built = g.query("CONSTRUCT { ?a org:hasMember ?m } WHERE { ?a org:hasMember ?m }")
    H = result_graph(g, built)
    assert H.number_of_edges() == 3
    assert {d["predicate"] for *_, d in H.edges(data=True)} == {"org:hasMember"}
    view = g.result_view(rows)
    assert view.kind == "results" and view.node_count == 4 and view.edge_count == 3
    with pytest.raises(Exception, match="no pairs"):
        result_graph(g, g.query("SELECT ?a WHERE { ?a a ag:Alliance }"))


def test_query_page_examples_are_the_library_to_dict(graph):
    from alliancegraph.web import data

    entries = data.examples_for_page(graph)
    assert [e["name"] for e in entries] == [nq.name for nq in graph.queries()]
    for entry, nq in zip(entries, graph.queries(), strict=True):
        assert {k: v for k, v in entry.items() if k != "href"} == nq.to_dict()
        assert entry["href"].startswith("/query?name=" + nq.name)


def test_engine_puts_every_query_under_the_deadline(graph):
    from alliancegraph.store import DeadlineStore
    from alliancegraph.web.engine import Engine

    memory = AllianceGraph(EmbeddedStore(hostile_dataset()))
    engine = Engine(memory, Settings(timeout=7))
    assert isinstance(engine.graph.store, DeadlineStore) and engine.graph.store.timeout == 7
    assert memory.store_path is None
    engine.start()  # no store on disk: no worker processes
    assert engine.pool is None
    # the session's graph answers from memory (ag.open: auto); a server on it starts its
    # workers from its build all the same
    assert graph.store_kind == "memory" and graph.build.store_path.is_dir()
    assert engine.query("ASK { agr:hostile a ag:Enterprise }").boolean is True


# -- pages (plain HTTP) -------------------------------------------------------------------------


def test_pages_escape_hostile_labels(small):
    with httpx.Client(base_url=small, timeout=TIMEOUT) as c:
        search = c.get("/search", params={"q": "img src"}).text
        entity = c.get("/entity/hostile").text
    for page in (search, entity):
        assert HOSTILE not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert HOSTILE_ALIAS not in entity and "&lt;script&gt;alert(2)&lt;/script&gt;" in entity
    assert "&lt;b onmouseover=alert(3)&gt;" in entity


def test_query_page_runs_a_named_query_and_shares_it(url, graph):
    r = httpx.get(url + "/query", params={"name": "alliances"}, timeout=TIMEOUT)
    assert r.status_code == 200
    n = len(graph.named("alliances"))
    assert f'id="row-count">{n} rows' in r.text
    share = "/query?" + urlencode({"query": graph.query_text("alliances")})
    assert share.replace("&", "&amp;") in r.text
    again = httpx.get(url + share, timeout=TIMEOUT)
    assert f'id="row-count">{n} rows' in again.text


def test_query_page_shows_errors_in_the_page(url):
    r = httpx.get(url + "/query", params={"query": "SELECT ?x WHERE { ?x }"}, timeout=TIMEOUT)
    assert r.status_code == 200 and 'id="query-error"' in r.text and "syntax error" in r.text
    r = httpx.get(url + "/query", params={"query": "DELETE WHERE { ?s ?p ?o }"}, timeout=TIMEOUT)
    assert "read-only" in r.text
    r = httpx.get(url + "/query", params={"name": "entity-facts"}, timeout=TIMEOUT)
    assert "give a value for entity" in r.text


def test_entity_and_alliance_pages(url):
    with httpx.Client(base_url=url, timeout=TIMEOUT) as c:
        e = c.get("/entity/chongqing-materials-research-institute").text
        a = c.get("/alliance/alliance-functional-materials").text
        missing = c.get("/entity/no-such-thing")
    assert "重庆材料研究院" in e and "由重材院牵头建立的重庆市功能材料技术创新战略联盟" in e
    assert "重材院" in e  # its alias
    assert "重庆市功能材料技术创新战略联盟" in a and "重庆材料研究院" in a
    assert "牵头单位" in a and "/view/alliance?" in a
    assert missing.status_code == 404


def test_views_are_served_self_contained(url):
    iri = AGR + "chongqing-materials-research-institute"
    r = httpx.get(url + "/view/ego", params={"iri": iri}, timeout=60)
    assert r.status_code == 200 and r.text.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "重庆材料研究院" in r.text and "https://" not in r.text.split("</head>")[0].replace(
        "https://w3id.org", ""
    )


def test_static_assets_are_local(url):
    home = httpx.get(url + "/", timeout=TIMEOUT).text
    assert "//cdn" not in home and "https://" not in home.replace("https://w3id.org", "")
    for asset in ("/static/app.css", "/static/app.js", "/static/favicon.svg"):
        assert httpx.get(url + asset, timeout=TIMEOUT).status_code == 200


# -- pages in Chromium ------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield b
        b.close()


class Watch:
    """A browser context whose requests off 127.0.0.1 are blocked and counted, and whose
    console errors, page errors and dialogs are recorded."""

    def __init__(self, browser, tmp_path: Path):
        self.blocked: list[str] = []
        self.local: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context = browser.new_context(accept_downloads=True, locale="zh-CN")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.tmp_path = tmp_path

    def _route(self, route):
        u = route.request.url
        if u.startswith(("http://127.0.0.1:", "data:", "blob:", "about:")):
            self.local.append(u)
            route.continue_()
        else:
            self.blocked.append(u)
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check(self):
        assert self.blocked == [], f"requests tried to leave the machine: {self.blocked}"
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.dialogs == [], f"a dialog fired: {self.dialogs}"
        assert self.local, "no request was seen at all"

    def close(self):
        self.context.close()


@pytest.mark.browser
def test_search_entity_facts_with_quotes(browser, url, tmp_path):
    w = Watch(browser, tmp_path)
    page = w.page
    try:
        page.goto(url + "/")
        assert page.locator("#figures tbody tr").count() >= 10
        assert "1,934" in page.locator("#figures").inner_text()
        page.fill("form.search input[name=q]", "重材院")
        page.press("form.search input[name=q]", "Enter")
        page.wait_for_url("**/search?q=*")
        first = page.locator("#search-results a.entity").first
        assert first.inner_text() == "重庆材料研究院"
        first.click()
        page.wait_for_url("**/entity/chongqing-materials-research-institute")
        assert page.locator("#entity-label").inner_text() == "重庆材料研究院"
        quotes = page.locator("#facts q.evidence").all_inner_texts()
        assert "由重材院牵头建立的重庆市功能材料技术创新战略联盟" in quotes
        assert len(quotes) >= 5
        sources = page.locator("#facts a.source").all_inner_texts()
        assert sources and all(s.strip() for s in sources)
        frame = page.frame_locator("iframe.view")
        frame.locator("canvas").first.wait_for(timeout=30_000)
        # A reported figure from the home page: its quote, and no network view to embed.
        page.goto(url + "/")
        page.click("#figures a >> text=成员单位数")
        page.wait_for_url("**/entity/stat-member-units")
        assert "吸纳成员单位1934家" in page.locator("#facts").inner_text()
        assert page.locator("iframe.view").count() == 0
        page.goto(url + "/alliance/alliance-functional-materials")
        assert "重庆材料研究院" in page.locator("#members").inner_text()
        page.frame_locator("iframe.view").locator("canvas").first.wait_for(timeout=30_000)
        w.check()
    finally:
        w.close()


@pytest.mark.browser
def test_run_named_query_and_download_csv(browser, url, graph, tmp_path):
    w = Watch(browser, tmp_path)
    page = w.page
    try:
        page.goto(url + "/query")
        page.click("#examples a[data-name=alliance-members]")
        page.wait_for_selector("#results")
        expected = graph.named("alliance-members")
        assert page.locator("#results tbody tr").count() == len(expected)
        with page.expect_download() as info:
            page.click("#download-csv")
        path = info.value.path()
        rows = list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
        assert rows[0] == expected.variables
        assert sorted(map(tuple, rows[1:])) == sorted(
            tuple("" if t is None else t.value for t in r) for r in expected.rows
        )
        # Edit the query in the editor, run it, and the link to share it runs it again.
        page.fill("#query", ALLIANCES)
        page.click("#run")
        page.wait_for_selector("#row-count")
        assert page.locator("#row-count").inner_text().startswith(f"{N_ALLIANCES} rows")
        assert "query=" in page.url
        page.goto(url + page.locator("#share-link").get_attribute("href"))
        assert page.locator("#results tbody tr").count() == N_ALLIANCES
        # "view as graph" draws the member pairs.
        page.goto(url + "/query?" + urlencode({"name": "alliance-members"}))
        href = page.locator("#view-graph").get_attribute("href")
        page.goto(url + href)
        page.locator("canvas").first.wait_for(timeout=30_000)
        drawn = json.loads(page.locator("#ag-data").text_content())
        pairs = {(r["alliance"].value, r["member"].value) for r in expected}
        assert len(drawn["edges"]) == len(pairs)
        assert len(drawn["nodes"]) == len({n for pair in pairs for n in pair})
        w.check()
    finally:
        w.close()


@pytest.mark.browser
def test_hostile_label_is_shown_as_text(browser, small, tmp_path):
    w = Watch(browser, tmp_path)
    page = w.page
    try:
        page.goto(small + "/search?" + urlencode({"q": "img"}))
        assert page.locator("#search-results a.entity").first.inner_text() == HOSTILE
        page.locator("#search-results a.entity").first.click()
        page.wait_for_url("**/entity/hostile")
        assert page.locator("#entity-label").inner_text() == HOSTILE
        assert HOSTILE_ALIAS in page.locator("#aliases").inner_text()
        assert HOSTILE_QUOTE in page.locator("#facts").inner_text()
        assert page.locator("main img").count() == 0 and page.locator("main b").count() == 0
        page.goto(
            small
            + "/query?"
            + urlencode({"query": "SELECT ?l WHERE { agr:hostile rdfs:label ?l }"})
        )
        assert HOSTILE in page.locator("#results").inner_text()
        page.wait_for_timeout(300)
        w.check()
    finally:
        w.close()
