"""Query results: W3C serialisations, DataFrames that keep language tags and datatypes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pyoxigraph as ox
import pytest

from alliancegraph.results import QueryResult
from alliancegraph.store import EmbeddedStore

EX = "http://example.org/"


@pytest.fixture(scope="module")
def tiny() -> EmbeddedStore:
    """Two organisations: one with zh and en labels and a founding year, one bare."""
    s = ox.Store()
    a, b = ox.NamedNode(EX + "a"), ox.NamedNode(EX + "b")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    year = ox.NamedNode("https://schema.org/foundingDate")
    s.add(ox.Quad(a, label, ox.Literal("甲", language="zh")))
    s.add(ox.Quad(a, label, ox.Literal('A, "quoted"', language="en")))
    gyear = ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")
    s.add(ox.Quad(a, year, ox.Literal("2019", datatype=gyear)))
    s.add(
        ox.Quad(
            b,
            ox.NamedNode(EX + "size"),
            ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        )
    )
    return EmbeddedStore(s)


Q = (
    "SELECT DISTINCT ?x ?l ?y WHERE { ?x ?p ?o OPTIONAL { ?x rdfs:label ?l } "
    "OPTIONAL { ?x schema:foundingDate ?y } } ORDER BY ?x ?l"
)


def test_json_equals_oxigraphs_own_serialisation(tiny):
    ours = json.loads(tiny.query(Q).serialize("json"))
    theirs = json.loads(tiny.raw_query(Q).serialize(format=ox.QueryResultsFormat.JSON))
    assert ours == theirs


@pytest.mark.parametrize("fmt", ["csv", "tsv", "xml"])
def test_formats_equal_oxigraphs_own(tiny, fmt):
    target = {
        "csv": ox.QueryResultsFormat.CSV,
        "tsv": ox.QueryResultsFormat.TSV,
        "xml": ox.QueryResultsFormat.XML,
    }[fmt]
    theirs = tiny.raw_query(Q).serialize(format=target).decode()
    ours = tiny.query(Q).serialize(fmt)
    if fmt == "xml":  # same results, parsed back by oxigraph
        parse = lambda t: [tuple(s) for s in ox.parse_query_results(t.encode(), format=target)]  # noqa: E731
        assert parse(ours) == parse(theirs)
    elif fmt == "csv":
        assert list(csv.reader(io.StringIO(ours))) == list(csv.reader(io.StringIO(theirs)))
    else:
        assert ours.strip().splitlines() == theirs.strip().splitlines()


def test_ask_in_json_and_table(tiny):
    r = tiny.query(f"ASK {{ <{EX}a> rdfs:label '甲'@zh }}")
    assert r.kind == "ask" and r.boolean is True
    assert json.loads(r.serialize("json")) == {"head": {}, "boolean": True}


def test_dataframe_keeps_language_and_datatype(tiny):
    df = tiny.query(Q).to_dataframe()
    assert list(df.columns) == ["x", "l", "l_lang", "l_datatype", "y", "y_lang", "y_datatype"]
    row_zh = df[df.l == "甲"].iloc[0]
    assert row_zh.l_lang == "zh" and row_zh.y == "2019"
    assert row_zh.y_datatype == "http://www.w3.org/2001/XMLSchema#gYear"
    assert df[df.x == EX + "b"].l.isna().all()


def test_numbers_become_python_numbers(tiny):
    df = tiny.query(f"SELECT ?n WHERE {{ <{EX}b> <{EX}size> ?n }}").to_dataframe()
    assert df.n.tolist() == [7]


def test_construct_gives_triples_as_turtle(tiny):
    r = tiny.query("CONSTRUCT { ?x rdfs:label ?l } WHERE { ?x rdfs:label ?l }")
    assert r.kind == "graph" and len(r) == 2
    ttl = r.serialize("ttl")
    assert "@prefix rdfs:" in ttl and '"甲"@zh' in ttl
    assert len(list(ox.parse(ttl.encode(), format=ox.RdfFormat.TURTLE))) == 2


def test_result_is_iterable_as_dicts(tiny):
    rows = list(tiny.query(f"SELECT ?l WHERE {{ <{EX}a> rdfs:label ?l }} ORDER BY ?l"))
    assert [r["l"].value for r in rows] == ['A, "quoted"', "甲"]


def test_plain_import_stays_light():
    code = (
        "import sys, alliancegraph, alliancegraph.cli; "
        "print(sorted(m for m in ('pandas', 'networkx', 'rdflib', 'pyshacl', 'typer') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_empty_select_serialises(tiny):
    r = tiny.query("SELECT ?x WHERE { ?x a <http://nothing> }")
    assert isinstance(r, QueryResult) and len(r) == 0 and not r
    assert json.loads(r.serialize("json"))["results"]["bindings"] == []


def test_terms_are_written_as_json_dumps_writes_them_byte_for_byte():
    """The row writer's terms (:func:`term_json_text`, strings joined, no dicts) are the
    bytes ``json.dumps`` gives the term's dict: escapes, tags, datatypes, blank nodes and a
    quoted triple."""
    from alliancegraph.results import term_json, term_json_text

    hostile = 'a "quote", a \\ backslash,\n\t\x00\x1f \u2028 \U0001f600 重庆</script>'
    terms = [
        ox.NamedNode(EX + "a?b=c&d"),
        ox.Literal(hostile),
        ox.Literal(hostile, language="zh-Hans"),
        ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.Literal("x", datatype=ox.NamedNode("http://example.org/dt#é")),
        ox.BlankNode("b0"),
        ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal(hostile)),
    ]
    for t in terms:
        compact = json.dumps(term_json(t), ensure_ascii=False, separators=(",", ":"))
        assert term_json_text(t) == compact, t


def test_our_json_is_the_engines_byte_for_byte():
    """An answer written row by row here is the bytes Oxigraph writes for it (so the
    endpoint, which lets the engine write, and the API give the same text): hostile text,
    tags, datatypes, blank nodes, unbound values."""
    from alliancegraph.results import ResultStream, ResultWriter
    from alliancegraph.store import EmbeddedStore

    hostile = 'a "quote", a \\ backslash,\n\t\x00\x1f \u2028 \U0001f600 重庆</script> {}'
    objects = [
        ox.Literal(hostile),
        ox.Literal(hostile, language="zh-Hans"),
        ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.NamedNode(EX + "a?b=c&d"),
        ox.BlankNode("b0"),
    ]
    store = ox.Store()
    for i, o in enumerate(objects):
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), o))
    store.add(ox.Quad(ox.NamedNode(f"{EX}s1"), ox.NamedNode(EX + "q"), ox.Literal("x")))
    es = EmbeddedStore(store)
    text = f"SELECT ?x ?s ?o WHERE {{ ?s <{EX}p> ?o OPTIONAL {{ ?s <{EX}q> ?x }} }} ORDER BY ?s"
    ours = b"".join(ResultWriter(ResultStream.of(es.query(text)), "json").chunks())
    assert ours == es.raw_query(text).serialize(format=ox.QueryResultsFormat.JSON)
    assert len(json.loads(ours)["results"]["bindings"]) == 5
