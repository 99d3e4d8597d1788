"""The catalogue: one rule for labels, aliases and the most specific class, on a tiny
hand-written graph whose answers are known by hand; and the internal query files of
catalogue, analysis and views, each run as it is on the bundled graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from alliancegraph import catalogue, internal
from alliancegraph.inference import materialise
from alliancegraph.namespaces import AG, AGR, GRAPH_CURATED, GRAPH_ONTOLOGY, ORG, PREFIXES
from alliancegraph.store import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent

TINY = """
agr:u1 a ag:University ; rdfs:label "大学一"@zh , "University one"@en ;
    skos:altLabel "大一" , "U1" , "大一" .
agr:x a ag:Enterprise ; rdfs:label "乙公司"@zh , "甲公司"@zh-Hans , "X Ltd" .
agr:o a org:Organization ; rdfs:label "某组织"@zh .
[] a rdf:Statement ; rdf:subject agr:u1 ; rdf:predicate rdfs:label ; rdf:object agr:x .
"""


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    s = ox.Store()
    s.load(path=str(ROOT / "ontology" / "alliance.ttl"), format=ox.RdfFormat.TURTLE,
           to_graph=ox.NamedNode(GRAPH_ONTOLOGY))  # fmt: skip
    prefixes = "".join(f"@prefix {p}: <{i}> .\n" for p, i in PREFIXES.items())
    s.load(prefixes + TINY, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH_CURATED))
    materialise(s)
    return EmbeddedStore(s)


def test_most_specific_class_by_hand(store):
    types = catalogue.most_specific_types(store)
    # ag:University is below ag:Organization and org:Organization (inferred too): it wins
    assert types[AGR + "u1"] == AG + "University"
    assert types[AGR + "x"] == AG + "Enterprise"
    assert types[AGR + "o"] == ORG + "Organization"  # no class of ours: the standard one
    assert not any(k.startswith(AGR + "statement/") for k in types)
    assert catalogue.most_specific_type(store, AGR + "u1") == AG + "University"
    assert catalogue.most_specific_type(store, AGR + "nobody") is None


def test_most_specific_is_above_none_of_the_others_by_hand():
    a, b, c, d, o = (AG + "A", AG + "B", AG + "C", AG + "D", ORG + "O")
    supers = {c: {b, a}, b: {a}, o: {a}}  # C < B < A, O < A
    found = catalogue.most_specific(
        {
            "chain": {a, b, c},  # C: the others are above it
            "two": {a, b, c, o},  # C and O are above none: ours (ag:) first
            "tie": {d, a},  # neither is above the other: the smaller IRI
            "two-of-ours": {c, d},  # the same, C before D
            "cycle": {AG + "E", AG + "F"},  # each above the other: no most specific one
            "none": set(),
        },
        {**supers, AG + "E": {AG + "F"}, AG + "F": {AG + "E"}},
    )
    assert found == {"chain": c, "two": c, "tie": a, "two-of-ours": c}
    assert list(found) == sorted(found)  # in IRI order, whatever the engine's


def test_prefer_class_ours_then_smallest():
    assert catalogue.prefer_class([ORG + "Organization", AG + "University"]) == AG + "University"
    assert catalogue.prefer_class([AG + "Project", AG + "Event"]) == AG + "Event"
    assert catalogue.prefer_class([]) == ""


def test_names_by_hand(store):
    names = catalogue.names(store)
    u1 = names[AGR + "u1"]
    assert u1.labels == ("大学一", "University one", "")
    assert u1.aliases == ["U1", "大一"]  # sorted, once each
    # two zh labels (zh, zh-Hans): the smaller string wins, whatever the row order
    x = names[AGR + "x"]
    assert x.labels == catalogue.Labels("乙公司", "", "X Ltd") or x.labels.zh == "甲公司"
    assert x.labels.zh == min("乙公司", "甲公司") and x.labels.other == "X Ltd"
    assert x.all_labels == sorted(["乙公司", "甲公司", "X Ltd"])
    assert catalogue.labels(store)[AG + "University"].zh == "高等院校"  # classes too
    ours = {k: v for k, v in catalogue.aliases(store).items() if k.startswith(AGR)}
    assert ours == {AGR + "u1": ["U1", "大一"]}
    assert catalogue.names(store, AGR + "u1").keys() == {AGR + "u1"}


def test_label_choice():
    labels = catalogue.Labels("重庆邮电大学", "CQUPT", "")
    assert labels.best("en") == "CQUPT" and labels.best("zh") == "重庆邮电大学"
    assert catalogue.label_of(None, AGR + "some-slug") == "some-slug"
    assert catalogue.lang_slot("zh-Hans") == 0 and catalogue.lang_slot(None) == 2


def test_analysis_uses_the_catalogue_rule(graph):
    from alliancegraph.analysis.projections import catalogue as analysis_catalogue

    cat = analysis_catalogue(graph)
    types = catalogue.most_specific_types(graph)
    assert {iri: cat.type_of(iri) for iri in cat.classes} == {
        iri: types.get(iri, "") for iri in cat.classes
    }


MINE = [n for n in internal.names() if n.startswith(("analysis-", "views-", "catalogue-"))]


@pytest.mark.parametrize("name", MINE)
def test_internal_query_runs_as_it_is(graph, name):
    text = internal.text(name)
    assert text.startswith("# "), f"{name}: start with a comment saying what it answers"
    assert "{" in text and not any(f"{{{w}}}" in text for w in ("AGR", "GRAPH_INFERRED"))
    result = graph.query(text)
    assert result.kind == "select"
    if name in ("analysis-memberships", "analysis-synthetic") or "-coverage-" in name:
        return  # no import records, no synthetic data; counters may count nothing
    assert len(result) > 0, name
