"""The same answer everywhere (issue 13).

1. Engines: every named query (with the example parameters of its header, and a few more
   sets) and every internal query gives the same rows on the embedded store, an Oxigraph
   server started with DEFAULT options (no --union-default-graph) and Virtuoso 7, both
   loaded with ``publish`` and queried through :class:`RemoteStore`, which names the
   build's graphs in the protocol.
2. Surfaces: every named query gives the same rows through the Python API, the CLI
   (``--format json``), our own ``/sparql`` through SPARQLWrapper and the explorer's CSV
   download; every analysis question gives the same table through the API and
   ``alliancegraph analyze … --format json``.
3. Set semantics: a triple held in two graphs (an import restating what the build inferred)
   is answered once.

Rows are compared as MULTISETS of RDF terms: duplicates count (a triple answered twice is
the defect of item 3), row order does not (engines may order ties and collate Chinese
differently; ORDER BY is checked by the library tests on the embedded store). The only
normalisation is what SPARQL lets engines differ in: blank node labels, and the lexical
form of a typed literal whose value is the same (Virtuoso answers a stored
``"true"^^xsd:boolean`` as ``"1"^^xsd:boolean``; numbers get their canonical form). The
queries themselves were rewritten so that nothing else differs (explicit ``STRLANG`` on
GROUP_CONCAT, ``xsd:boolean(…)`` casts, no OPTIONAL over a UNION of sub-selects, transitive
paths that start from a bound node; see the comments in the ``.rq`` files).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

import alliancegraph as ag
from alliancegraph import internal
from alliancegraph.library import load_library
from alliancegraph.namespaces import XSD

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent

#: More parameter sets than the headers' examples, so that bound parameters are exercised.
EXTRA_PARAMS: dict[str, list[dict[str, str]]] = {
    "entity-facts": [{"entity": "chongqing-materials-research-institute"}, {"entity": "cqupt"}],
    "organisations-by-type": [{"type": "org:FormalOrganization"}],
    "alliance-members": [{"alliance": "alliance-general-aviation"}],
    "aliases": [{"text": "重"}],
    "reported-statistics": [{"scope": "alliance-general-aviation"}],
}


def param_sets(name: str) -> list[dict[str, str]]:
    """The example parameters of the query's header (all of them; none if it needs none),
    and the extra sets above."""
    query = load_library()[name]
    example = {p.name: p.example for p in query.params if p.example is not None}
    required = [p.name for p in query.params if p.required]
    sets = [example] if all(r in example for r in required) else []
    return sets + [s for s in EXTRA_PARAMS.get(name, []) if s != example]


NAMED = [(name, params) for name in sorted(load_library()) for params in param_sets(name)]
INTERNAL = internal.names()


def _label(case: tuple[str, dict]) -> str:
    name, params = case
    return name + "".join(f"[{k}={v}]" for k, v in params.items())


# -- normalisation ----------------------------------------------------------------------------

_INTEGERS = {
    XSD + t
    for t in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte", "negativeInteger",
        "nonPositiveInteger",
    )
}  # fmt: skip


def canonical(term: object) -> str:
    """The term as text, with the only differences SPARQL allows engines normalised:
    blank node labels, and the lexical form of booleans and numbers (same value, same
    datatype, same text)."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:b"
    if isinstance(term, ox.Literal) and not term.language:
        dt, v = term.datatype.value, term.value.strip()
        try:
            if dt == XSD + "boolean":
                return f"{v in ('true', '1')}^^{dt}"
            if dt in _INTEGERS:
                return f"{int(v)}^^{dt}"
            if dt == XSD + "decimal":
                return f"{Decimal(v).normalize()}^^{dt}"
            if dt in (XSD + "double", XSD + "float"):
                return f"{float(v)!r}^^{dt}"
        except (ValueError, InvalidOperation):
            pass
    return str(term)


def rows(result) -> Counter:
    """A result as a multiset of canonical rows (triples for CONSTRUCT, the boolean for ASK)."""
    if result.kind == "ask":
        return Counter([(str(bool(result.boolean)),)])
    if result.kind == "graph":
        return Counter(tuple(canonical(x) for x in t) for t in result.triples)
    return Counter(tuple(canonical(t) for t in row) for row in result.rows)


def _differences(here: Counter, there: Counter) -> str:
    missing, extra = here - there, there - here
    return f"missing {list(missing.elements())[:3]}, extra {list(extra.elements())[:3]}"


# -- 1. engines -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engines(graph, oxigraph_published, virtuoso_published) -> dict[str, ag.AllianceGraph]:
    """The bundled graph on three engines: embedded, Oxigraph server, Virtuoso."""
    return {
        "embedded": graph,
        "oxigraph": ag.open(endpoint=oxigraph_published),
        "virtuoso": ag.open(endpoint=virtuoso_published),
    }


@pytest.mark.parametrize("case", NAMED, ids=_label)
def test_named_query_same_rows_on_every_engine(engines, case):
    name, params = case
    answers = {engine: g.named(name, **params) for engine, g in engines.items()}
    here = answers.pop("embedded")
    for engine, there in answers.items():
        assert there.variables == here.variables, (engine, name)
        assert rows(there) == rows(here), (engine, name, _differences(rows(here), rows(there)))


@pytest.mark.parametrize("name", INTERNAL)
def test_internal_query_same_rows_on_every_engine(engines, name):
    text = internal.text(name)
    answers = {engine: g.query(text) for engine, g in engines.items()}
    here = answers.pop("embedded")
    for engine, there in answers.items():
        assert rows(there) == rows(here), (engine, name, _differences(rows(here), rows(there)))


def test_the_grid_is_not_empty_handed(engines):
    """Most queries answer something (a grid of empty answers would agree trivially)."""
    answered = sum(bool(len(engines["virtuoso"].named(n, **p))) for n, p in NAMED)
    assert len(NAMED) >= 25 and answered >= len(NAMED) - 3


def test_engines_with_default_settings_need_the_dataset_named(
    oxigraph_published, virtuoso_published, bundled_build
):
    """Without naming the graphs, an Oxigraph server with default options sees nothing and
    Virtuoso sees its own system graphs too; named, both see exactly the build."""
    from alliancegraph.store import RemoteStore

    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    for url in (oxigraph_published, virtuoso_published):
        named = RemoteStore(url, graphs="discover")
        assert named.graphs() and all("/graph-" in g for g in named.graphs())
        assert int(named.query(count).rows[0][0].value) == bundled_build.info["quads"]
    plain = RemoteStore(oxigraph_published)  # the endpoint's own (empty) default graph
    assert plain.query("ASK { ?s ?p ?o }").boolean is False
    assert RemoteStore(oxigraph_published, graphs="discover").query("ASK { ?s ?p ?o }").boolean
    virtuoso_all = RemoteStore(virtuoso_published).query(count)
    assert int(virtuoso_all.rows[0][0].value) > bundled_build.info["quads"]  # system graphs


def test_a_query_with_its_own_dataset_keeps_it(oxigraph_published):
    from alliancegraph.store import RemoteStore

    remote = RemoteStore(oxigraph_published, graphs="discover")
    q = "SELECT (COUNT(*) AS ?n) FROM agr:graph-ontology WHERE { ?s ?p ?o }"
    ontology_only = int(remote.query(q).rows[0][0].value)
    everything = int(remote.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0].value)
    assert 0 < ontology_only < everything


# -- 2. surfaces ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(graph):
    """Our own endpoint and explorer (``alliancegraph serve``) on a free port."""
    from test_web import running

    from alliancegraph.web.app import Settings, create_app

    with running(create_app(graph, Settings(timeout=30))) as url:
        yield url


@pytest.fixture(scope="module")
def cli(session_cache, bundled_build):
    """Run the CLI in-process on the session's cache (where the bundled graph is built)."""
    from alliancegraph.cli import app

    runner = CliRunner()
    env = {"ALLIANCEGRAPH_CACHE": str(session_cache), "ALLIANCEGRAPH_HOME": str(ROOT)}

    def run(*args: str) -> str:
        result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, (args, result.output)
        return result.stdout

    return run


def _json_rows(document: dict) -> Counter:
    """SPARQL JSON results (a dict) as canonical rows, read by Oxigraph's own parser."""
    parsed = ox.parse_query_results(
        json.dumps(document).encode(), format=ox.QueryResultsFormat.JSON
    )
    assert isinstance(parsed, ox.QuerySolutions)
    names = [v.value for v in parsed.variables]
    return Counter(tuple(canonical(s[n]) for n in names) for s in parsed)


def _download_csv(site: str, name: str, params: dict[str, str]) -> list[list[str]]:
    """The explorer's page for a named query, then its "CSV" download link, followed."""
    import html

    import httpx

    query = {"name": name, **{f"p.{k}": v for k, v in params.items()}}
    page = httpx.get(f"{site}/query", params=query, timeout=60)
    assert page.status_code == 200, page.text[:300]
    link = re.search(r'id="download-csv"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*id="download-csv"',
                     page.text)  # fmt: skip
    assert link, f"no CSV download on the explorer's page for {name}"
    href = html.unescape(link.group(1) or link.group(2))
    got = httpx.get(site + href, timeout=60)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(got.text)))


@pytest.mark.filterwarnings("ignore:Sending Accept header:RuntimeWarning")
@pytest.mark.parametrize("case", NAMED, ids=_label)
def test_named_query_same_rows_on_every_surface(graph, cli, site, case):
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    name, params = case
    api = graph.named(name, **params)
    expected = rows(api)
    # the CLI
    args = ["query", "--name", name, "--format", "json"]
    for k, v in params.items():
        args += ["-p", f"{k}={v}"]
    document = json.loads(cli(*args))
    assert document["head"]["vars"] == api.variables
    assert _json_rows(document) == expected, ("cli", name)
    # our /sparql through SPARQLWrapper, with the text the API runs
    sw = SPARQLWrapper(site + "/sparql")
    sw.setQuery(graph.query_text(name, params))
    sw.setReturnFormat(JSON)
    sw.setMethod(POST)
    remote = sw.queryAndConvert()
    assert remote["head"]["vars"] == api.variables
    assert _json_rows(remote) == expected, ("/sparql", name)
    # the explorer's CSV download: values only (CSV drops tags and datatypes by design)
    table = _download_csv(site, name, params)
    assert table[0] == api.variables
    values = Counter(tuple("" if t is None else t.value for t in row) for row in api.rows)
    assert Counter(map(tuple, table[1:])) == values, ("csv", name)


#: Every analysis question, as the API asks it and as the CLI does.
QUESTIONS = {
    "central": (("central",), lambda a: a.central()),
    "central-pagerank-comembership": (
        ("central", "--metric", "pagerank", "--projection", "comembership"),
        lambda a: a.central("pagerank", "comembership"),
    ),
    "brokers": (("brokers",), lambda a: a.brokers()),
    "communities": (("communities", "--seed", "7"), lambda a: a.communities(seed=7)),
    "path": (
        ("path", "爱美科", "重庆市功能材料技术创新战略联盟"),
        lambda a: a.path("爱美科", "重庆市功能材料技术创新战略联盟"),
    ),
    "ego": (("ego", "重材院"), lambda a: a.ego("重材院")),
    "composition": (("composition",), lambda a: a.composition()),
    "chain-gaps": (("chain-gaps",), lambda a: a.chain_gaps()),
    "coverage": (("coverage",), lambda a: a.coverage()),
    "metrics": (("metrics",), lambda a: a.metrics()),
}


def _same_cell(a: object, b: object) -> bool:
    def missing(x: object) -> bool:
        return x is None or (isinstance(x, float) and math.isnan(x))

    if missing(a) or missing(b):
        return missing(a) and missing(b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)
    return json.dumps(a, ensure_ascii=False, default=str) == json.dumps(
        b, ensure_ascii=False, default=str
    )


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_analysis_question_same_table_on_api_and_cli(graph, cli, question):
    args, ask = QUESTIONS[question]
    table = ask(graph.analyze)
    document = json.loads(cli("analyze", *args, "--format", "json"))
    got = document["rows"] if isinstance(document, dict) else document
    expected = json.loads(table.to_json(orient="records", force_ascii=False))
    assert len(got) == len(expected) > 0, question
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert list(g) == list(e), (question, i)
        bad = {k: (g[k], e[k]) for k in e if not _same_cell(g[k], e[k])}
        assert not bad, (question, i, bad)


# -- 3. set semantics -------------------------------------------------------------------------


def test_a_triple_held_in_two_graphs_is_answered_once(tmp_path):
    """A member import states 重材院's membership of 功能材料联盟, which the build had inferred
    from the curated ag:leadInstitution, and restates 重材院's type: each is one answer."""
    from alliancegraph.build import Cache
    from alliancegraph.imports import import_members
    from alliancegraph.namespaces import AGR, GRAPH_IMPORT_PREFIX
    from alliancegraph.store import EmbeddedStore

    members = tmp_path / "members.csv"
    members.write_text(
        "单位名称,简称,单位类型,角色,加入时间,所在地,统一社会信用代码\n"
        "重庆材料研究院有限公司,,科研机构,理事长单位,2019-05-20,,\n",
        encoding="utf-8",
    )
    cache, home = tmp_path / "cache", tmp_path / "home"
    alliance = AGR + "alliance-functional-materials"
    import_members(members, alliance, "测试名单", root=ROOT, cache_dir=cache, home=home)
    g = ag.open(root=ROOT, cache_dir=cache, data_home=home)
    answer = g.named("alliance-members", alliance="重庆市功能材料技术创新战略联盟")
    member_rows = [r for r in answer.rows if r[3].value == "重庆材料研究院"]
    assert len(member_rows) == 1
    # the dataset holds each triple in one graph: the restated fact keeps its asserted home
    store = EmbeddedStore.open(Cache(cache).current().store_path)
    twice = store.query(internal.text("build-duplicates"))
    assert twice.rows == []
    cmri = AGR + "chongqing-materials-research-institute"
    where = store.query(
        f"SELECT ?g WHERE {{ GRAPH ?g {{ <{alliance}> org:hasMember <{cmri}> }} }}"
    ).values("g")
    assert len(where) == 1 and where[0].startswith(GRAPH_IMPORT_PREFIX)
    typed = store.query(
        f"SELECT ?g WHERE {{ GRAPH ?g {{ <{cmri}> a ag:ResearchInstitute }} }}"
    ).values("g")
    assert typed == [AGR + "graph-curated"]


def test_an_endpoint_that_takes_no_dataset_is_asked_without_one(site, graph):
    """Our own /sparql refuses default-graph-uri (its default graph is the union already):
    discovery sees the refusal to its probe and names no graphs, and every answer agrees."""
    remote = ag.open(endpoint=site + "/sparql")
    assert remote.store.graphs() == []
    for name, params in NAMED[:5]:
        assert rows(remote.named(name, **params)) == rows(graph.named(name, **params)), name
