"""The store layer: query deadlines on the embedded store (a forked child killed at the
deadline), structural binding with VALUES, and located syntax errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pyoxigraph as ox
import pytest

from alliancegraph.errors import QuerySyntaxError, QueryTimeout, UsageError
from alliancegraph.store import EmbeddedStore, with_values

EX = "http://example.org/synthetic/"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def synthetic_quads(n_orgs: int = 20_000):
    """About 100k triples: each org has a type, a label, a member link and a city."""
    g = ox.NamedNode("https://w3id.org/alliancegraph/resource/graph-synthetic")
    typ, label = ox.NamedNode(EX + "type"), ox.NamedNode(EX + "label")
    member, city = ox.NamedNode(EX + "memberOf"), ox.NamedNode(EX + "city")
    flag = ox.NamedNode(EX + "synthetic")
    for i in range(n_orgs):
        s = ox.NamedNode(f"{EX}org/{i}")
        yield ox.Quad(s, typ, ox.NamedNode(EX + "Org"), g)
        yield ox.Quad(s, label, ox.Literal(f"机构 {i}", language="zh"), g)
        yield ox.Quad(s, member, ox.NamedNode(f"{EX}alliance/{i % 50}"), g)
        yield ox.Quad(s, city, ox.NamedNode(f"{EX}city/{i % 7}"), g)
        yield ox.Quad(s, flag, ox.Literal(True), g)


@pytest.fixture(scope="module")
def big_store(tmp_path_factory) -> EmbeddedStore:
    """A ~100k-triple store on disk, opened read-only as a build's store is."""
    path = tmp_path_factory.mktemp("synthetic") / "store"
    disk = ox.Store(str(path))
    disk.bulk_load(
        ox.serialize(synthetic_quads(), format=ox.RdfFormat.N_QUADS),
        format=ox.RdfFormat.N_QUADS,
    )
    disk.flush()
    del disk
    return EmbeddedStore.open(path)


def _count(result) -> int:
    return int(result.rows[0][0].value)


def test_cartesian_product_stops_at_its_deadline_and_the_next_query_answers(big_store):
    assert _count(big_store.query(COUNT)) == 100_000
    t0 = time.monotonic()
    with pytest.raises(QueryTimeout) as err:
        big_store.query(CARTESIAN, timeout=2)
    elapsed = time.monotonic() - t0
    assert 2 <= elapsed < 4
    assert "stopped after its 2 s deadline" in str(err.value)
    assert err.value.exit_code == 1
    # the process and the store are still usable, with and without a deadline
    assert _count(big_store.query(COUNT, timeout=10)) == 100_000
    assert _count(big_store.query(COUNT)) == 100_000


def test_no_child_process_is_left_behind(big_store):
    with pytest.raises(QueryTimeout):
        big_store.query(CARTESIAN, timeout=0.5)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_in_memory_store_is_inherited_by_the_child():
    store = ox.Store()
    store.extend(q for q, _ in zip(synthetic_quads(), range(500), strict=False))
    es = EmbeddedStore(store)
    assert _count(es.query(COUNT, timeout=5)) == 500
    with pytest.raises(QueryTimeout):
        es.query(
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?h ?i }",
            timeout=0.5,
        )
    assert _count(es.query(COUNT, timeout=5)) == 500


def test_syntax_error_keeps_its_position_through_the_child(big_store):
    with pytest.raises(QuerySyntaxError) as err:
        big_store.query("SELECT * WHERE {\n  ?s ?p }", timeout=5)
    with pytest.raises(QuerySyntaxError) as err2:
        big_store.query("SELECT * WHERE {\n  ?s ?p }")
    assert err.value.line == 2 and err.value.column is not None
    assert (err.value.line, err.value.column, str(err.value)) == (
        err2.value.line,
        err2.value.column,
        str(err2.value),
    )


def test_graph_results_and_booleans_come_back_from_the_child(big_store):
    ask = big_store.query(f"ASK {{ <{EX}org/1> ?p ?o }}", timeout=5)
    assert ask.kind == "ask" and ask.boolean is True
    graph = big_store.query(f"CONSTRUCT {{ <{EX}org/1> ?p ?o }} WHERE {{ <{EX}org/1> ?p ?o }}", 5)
    assert graph.kind == "graph" and len(graph.triples) == 5
    rows = big_store.query(f"SELECT ?l WHERE {{ <{EX}org/7> <{EX}label> ?l }}", timeout=5)
    assert rows.rows[0][0] == ox.Literal("机构 7", language="zh")


def test_values_are_bound_as_terms_not_text():
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "name"), ox.Literal("x")))
    es = EmbeddedStore(store)
    q = f"SELECT ?s WHERE {{ ?s <{EX}name> ?name }}"
    assert len(es.query(q, bindings={"name": ox.Literal("x")})) == 1
    for evil in ['x" } ; DROP ALL ; { "', "x'}", "x\n}", "} ; DROP ALL", '"""', "\\"]:
        text = with_values(q, {"name": ox.Literal(evil)})
        assert text.count("VALUES") == 1
        assert len(es.query(q, bindings={"name": ox.Literal(evil)})) == 0
    assert len(store) == 1


def test_with_values_finds_the_where_group_of_each_query_form():
    a = ox.NamedNode(EX + "a")
    assert with_values("ASK { ?x ?p ?o }", {"x": a}).startswith("ASK { VALUES (?x)")
    c = with_values("CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }", {"x": a})
    assert c.index("VALUES") > c.index("WHERE")
    c2 = with_values("CONSTRUCT { ?x ?p ?o } { ?x ?p ?o }", {"x": a})
    assert c2.index("VALUES") > c2.index("}")
    tricky = 'SELECT ("{" AS ?b) # { comment\nWHERE { ?x <http://e/{x}> ?o }'
    assert "VALUES" in with_values(tricky, {"x": a}).split("WHERE", 1)[1]
    with pytest.raises(UsageError):
        with_values("SELECT * WHERE { ?x ?p ?o }", {"not a var": a})


def test_values_are_bound_inside_a_sub_select_that_asks_for_them():
    """A sub-select does not see the outer VALUES: a ``#@bind`` line in one binds the same
    values there too, so it computes for them alone (same rows, less work)."""
    a = ox.NamedNode(EX + "a")
    text = (
        "SELECT ?x ?n WHERE {\n  ?x ?p ?o\n"
        "  { SELECT ?x (COUNT(*) AS ?n) WHERE {\n    #@bind: ?x here too\n"
        "    ?x ?q ?r } GROUP BY ?x } }"
    )
    bound = with_values(text, {"x": a})
    assert bound.count(f"VALUES (?x) {{ (<{EX}a>) }}") == 2
    inner = bound.index("#@bind")
    assert bound.index("VALUES", inner) < bound.index("?x ?q ?r")
    # a marker inside a string or an IRI is text, not a marker
    literal = 'SELECT ?x WHERE { ?x ?p "#@bind" }'
    assert with_values(literal, {"x": a}).count("VALUES") == 1
    # the same rows as binding outside alone, on a store where ?x matters
    store = ox.Store()
    for s, o in (("a", "1"), ("a", "2"), ("b", "3")):
        store.add(ox.Quad(ox.NamedNode(EX + s), ox.NamedNode(EX + "p"), ox.Literal(o)))
    es = EmbeddedStore(store)
    rows = es.query(text, bindings={"x": a}).rows
    assert sorted((r[0].value, int(r[1].value)) for r in rows) == [(EX + "a", 2)] * 2


def test_cli_timeout_stops_a_runaway_query(cli_env):
    env = {**os.environ, **cli_env}
    subprocess.run(
        [sys.executable, "-m", "alliancegraph.cli", "build"],
        env=env,
        check=True,
        capture_output=True,
    )
    t0 = time.monotonic()
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "alliancegraph.cli",
            "query",
            "--timeout",
            "1",
            "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert time.monotonic() - t0 < 10
    assert r.returncode == 1
    assert r.stderr.startswith("error: query stopped after its 1 s deadline")
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
