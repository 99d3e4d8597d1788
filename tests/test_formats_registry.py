"""The one format registry: the endpoint's content negotiation and service description,
query results and exports all read ``alliancegraph.formats``."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from alliancegraph import formats
from alliancegraph.errors import UsageError
from alliancegraph.results import QueryResult
from alliancegraph.web import protocol

TRIPLE = ox.Triple(
    ox.NamedNode("https://w3id.org/alliancegraph/resource/a"),
    ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
    ox.Literal("甲", language="zh"),
)


def test_negotiation_tables_are_the_registrys_served_formats():
    for kind, table in (("results", protocol.RESULT_ACCEPT), ("rdf", protocol.GRAPH_ACCEPT)):
        served = formats.served(kind)
        assert set(table.values()) == {f.name for f in served}
        assert next(iter(table.values())) == served[0].name  # the default comes first
        for f in served:
            assert table[f.media_type] == f.name
            assert all(table[m] == f.name for m in f.accepts)
    assert protocol.negotiate("graph", "text/plain") == "nt"
    assert protocol.negotiate("graph", "application/x-json+ld") == "jsonld"
    assert protocol.negotiate("select", "text/xml") == "xml"


def test_service_description_lists_the_registrys_result_formats():
    from alliancegraph import service

    sd = service.description("http://e/sparql", with_examples=False)
    listed = {t.object.value for t in sd if t.predicate.value == service.SD + "resultFormat"}
    expected = {f.w3c for k in ("results", "rdf") for f in formats.served(k)}
    assert listed == expected and len(listed) == 8


@pytest.mark.parametrize("name", ["json", "xml", "csv", "tsv", "ttl", "nt", "jsonld", "rdfxml"])
def test_content_type_is_the_registrys(name):
    ct = protocol.content_type(name)
    assert ct.split(";")[0] == formats.get(name).media_type
    assert ct == formats.get(name).content_type


def test_graph_results_serialise_in_every_rdf_format_of_the_registry():
    r = QueryResult("graph", triples=[TRIPLE])
    for f in formats.served("rdf"):
        parsed = list(ox.parse(r.serialize(f.name).encode(), format=f.rdf_format()))
        assert [q.triple for q in parsed] == [TRIPLE], f.name
    assert r.serialize("xml") == r.serialize("rdfxml")  # xml means RDF/XML for a graph
    assert "@prefix agr:" in r.serialize("ttl")  # Turtle keeps the predeclared prefixes


def test_unknown_formats_name_the_choices():
    with pytest.raises(UsageError, match="expected one of json, xml, csv, tsv"):
        QueryResult("select", ["x"], []).serialize("yaml")
    with pytest.raises(UsageError, match="expected one of ttl, nt, nq, trig, jsonld, rdfxml"):
        QueryResult("graph", triples=[TRIPLE]).serialize("yaml")


def test_oxigraph_formats_by_kind():
    assert formats.get("json").results_format() == ox.QueryResultsFormat.JSON
    assert formats.get("trig").rdf_format() == ox.RdfFormat.TRIG
    with pytest.raises(UsageError):
        formats.get("json").rdf_format()
    with pytest.raises(UsageError):
        formats.get("ttl").results_format()
