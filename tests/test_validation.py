"""The SPARQL-compiled SHACL validator against pySHACL, the reference, on tiny broken graphs
whose violations are known by hand, and on the bundled graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from alliancegraph import inference
from alliancegraph.curation import ONTOLOGY_FILES, parse_ontology
from alliancegraph.errors import DataError
from alliancegraph.namespaces import AG, AGR, GRAPH_CURATED, GRAPH_ONTOLOGY, PREFIXES, RDF, RDFS
from alliancegraph.validation import (
    check_store,
    compile_shapes,
    data_graphs,
    load_shapes,
    locate,
    pyshacl_results,
    store_results,
)

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "ontology" / "shapes.ttl"
PRE = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items())

#: a tiny graph that conforms: one of each kind of node the shapes target
BASE = """
agr:alliance-x a ag:Alliance ; rdfs:label "测试联盟"@zh ;
    ag:leadInstitution agr:org-a ; schema:foundingDate "2019-06"^^xsd:gYearMonth .
agr:org-a a ag:University ; rdfs:label "甲大学"@zh , "A University"@en .
agr:place-a a ag:Place ; rdfs:label "甲地"@zh .
agr:source-a a ag:SourceDocument ; rdfs:label "来源"@zh ; dcterms:issued "2020-01-02"^^xsd:date .
<https://w3id.org/alliancegraph/resource/statement/s1> a rdf:Statement ;
    rdf:subject agr:alliance-x ; rdf:predicate ag:leadInstitution ; rdf:object agr:org-a ;
    prov:wasDerivedFrom agr:source-a ; ag:evidenceText "甲大学牵头成立测试联盟"@zh .
agr:stat-1 a ag:ReportedStatistic ; rdfs:label "成员数"@zh ; rdf:value 12 ;
    ag:measure agr:measure-m ; ag:unit agr:unit-u ; ag:scope agr:alliance-x .
agr:measure-m a ag:Measure ; rdfs:label "成员单位数"@zh .
agr:unit-u a ag:Unit ; rdfs:label "个"@zh .
agr:std-1 a ag:Standard ; rdfs:label "标准"@zh ; ag:standardNumber "T/CQ 1-2020" .
agr:syn-1 a ag:Enterprise ; rdfs:label "合成·甲"@zh ; ag:synthetic true .
"""
S1 = AGR + "statement/s1"
RDF_T, LABEL = RDF + "type", RDFS + "label"

#: case -> (replacements on BASE, the (focus, path, value) violations expected, by hand)
CASES = {
    "missing zh label": (
        [('rdfs:label "甲大学"@zh , ', "rdfs:label ")],
        {(AGR + "org-a", LABEL, "")},
    ),
    "untyped entity": (
        [("agr:place-a a ag:Place ;", "agr:place-a")],
        {(AGR + "place-a", RDF_T, "")},
    ),
    "lead institution that is a place": (
        [("ag:leadInstitution agr:org-a ;", "ag:leadInstitution agr:place-a ;")],
        {(AGR + "alliance-x", AG + "leadInstitution", f"<{AGR}place-a>")},
    ),
    "statement without source": (
        [("prov:wasDerivedFrom agr:source-a ; ", "")],
        {(S1, PREFIXES["prov"] + "wasDerivedFrom", "")},
    ),
    "statement source of the wrong class": (
        [("prov:wasDerivedFrom agr:source-a", "prov:wasDerivedFrom agr:place-a")],
        {(S1, PREFIXES["prov"] + "wasDerivedFrom", f"<{AGR}place-a>")},
    ),
    "statement with an 81-character quote": (
        [('"甲大学牵头成立测试联盟"@zh', '"' + "长" * 81 + '"@zh')],
        {(S1, AG + "evidenceText", '"' + "长" * 81 + '"@zh')},
    ),
    "statement with a 1-character quote": (
        [('"甲大学牵头成立测试联盟"@zh', '"长"@zh')],
        {(S1, AG + "evidenceText", '"长"@zh')},
    ),
    "statement with two subjects": (
        [("rdf:subject agr:alliance-x ;", "rdf:subject agr:alliance-x , agr:org-a ;")],
        {(S1, RDF + "subject", "")},
    ),
    "statement predicate that is a literal": (
        [("rdf:predicate ag:leadInstitution ;", 'rdf:predicate "lead" ;')],
        {(S1, RDF + "predicate", '"lead"')},
    ),
    "statistic without unit": (
        [("ag:unit agr:unit-u ; ", "")],
        {(AGR + "stat-1", AG + "unit", "")},
    ),
    "statistic with a text value": (
        [("rdf:value 12 ;", 'rdf:value "twelve" ;')],
        {(AGR + "stat-1", RDF + "value", '"twelve"')},
    ),
    "statistic with a literal scope": (
        [("ag:scope agr:alliance-x .", 'ag:scope "all" .')],
        {(AGR + "stat-1", AG + "scope", '"all"')},
    ),
    "two founding dates": (
        [('"2019-06"^^xsd:gYearMonth', '"2019-06"^^xsd:gYearMonth , "2019"^^xsd:gYear')],
        {(AGR + "alliance-x", PREFIXES["schema"] + "foundingDate", "")},
    ),
    "founding date as plain text": (
        [('"2019-06"^^xsd:gYearMonth', '"2019年6月"')],
        {(AGR + "alliance-x", PREFIXES["schema"] + "foundingDate", '"2019年6月"')},
    ),
    "impossible calendar date": (
        [('"2020-01-02"^^xsd:date', '"2020-02-30"^^xsd:date')],
        {(AGR + "source-a", PREFIXES["dcterms"] + "issued", '"2020-02-30"^^<{xsd}date>')},
    ),
    "standard number with a language tag": (
        [('"T/CQ 1-2020"', '"T/CQ 1-2020"@zh')],
        {(AGR + "std-1", AG + "standardNumber", '"T/CQ 1-2020"@zh')},
    ),
    "non-boolean ag:synthetic": (
        [("ag:synthetic true", 'ag:synthetic "yes"^^xsd:boolean')],
        {(AGR + "syn-1", AG + "synthetic", '"yes"^^<{xsd}boolean>')},
    ),
    "a membership's part on an enterprise": (
        [("agr:syn-1 a ag:Enterprise ;", "agr:syn-1 a ag:Enterprise ; org:role agr:org-a ;")],
        {(AGR + "syn-1", "", f"<{AGR}syn-1>")},
    ),
    "ag:synthetic as a string": (
        [("ag:synthetic true", 'ag:synthetic "true"')],
        {(AGR + "syn-1", AG + "synthetic", '"true"')},
    ),
}
XSD_NS = PREFIXES["xsd"]


@pytest.fixture(scope="module")
def ontology() -> list[ox.Quad]:
    g = ox.NamedNode(GRAPH_ONTOLOGY)
    return [
        ox.Quad(t.subject, t.predicate, t.object, g)
        for name in ONTOLOGY_FILES
        for t in parse_ontology(ROOT / "ontology" / name, name)
    ]


@pytest.fixture(scope="module")
def shapes() -> list[ox.Triple]:
    return parse_ontology(SHAPES, "shapes.ttl")


def store_of(turtle: str, ontology: list[ox.Quad]) -> ox.Store:
    """The graph in the curated graph, the ontology, and the entailments materialised."""
    store = ox.Store()
    store.load(
        (PRE + turtle).encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH_CURATED)
    )
    store.extend(ontology)
    inference.materialise(store)
    return store


def both(store: ox.Store, shapes) -> tuple[set, set]:
    fast = store_results(store, compile_shapes(shapes))
    data = [
        q.triple for g in data_graphs(store) for q in store.quads_for_pattern(None, None, None, g)
    ]
    ref = pyshacl_results(data, shapes)
    return {r.key() for r in fast}, {r.key() for r in ref}


def keys(expected: set) -> set:
    return {
        (f"<{f}>", f"<{p}>" if p else "", v.replace("{xsd}", XSD_NS) if v else "")
        for f, p, v in expected
    }


def test_the_base_graph_conforms(ontology, shapes):
    assert both(store_of(BASE, ontology), shapes) == (set(), set())


@pytest.mark.parametrize("case", list(CASES))
def test_broken_graph_same_violations_as_pyshacl(case, ontology, shapes):
    edits, expected = CASES[case]
    text = BASE
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    fast, ref = both(store_of(text, ontology), shapes)
    assert fast == keys(expected)
    assert ref == fast


def test_malformed_gyearmonth_is_caught_where_pyshacl_cannot(ontology, shapes):
    # rdflib has no parser for xsd:gYearMonth, so pySHACL accepts "2019-13"; Oxigraph keeps
    # the ill-typed literal and the lexical check here rejects it.
    text = BASE.replace('"2019-06"^^xsd:gYearMonth', '"2019-13"^^xsd:gYearMonth')
    fast, ref = both(store_of(text, ontology), shapes)
    bad = (f"<{AGR}alliance-x>", f"<{PREFIXES['schema']}foundingDate>",
           f'"2019-13"^^<{XSD_NS}gYearMonth>')  # fmt: skip
    assert fast == {bad}
    assert ref == set()


def test_all_breakages_at_once_match_pyshacl(ontology, shapes):
    text = BASE
    expected: set = set()
    for case, (edits, exp) in CASES.items():
        if case in ("statement with a 1-character quote", "ag:synthetic as a string",
                    "two founding dates", "statement source of the wrong class"):  # fmt: skip
            continue  # these edit the same spot as another case
        for old, new in edits:
            text = text.replace(old, new, 1)
        expected |= exp
    fast, ref = both(store_of(text, ontology), shapes)
    assert fast == keys(expected) == ref


def test_bundled_graph_conforms_in_both(bundled_build, shapes):
    store = ox.Store()
    store.bulk_load(path=str(bundled_build.nquads_path), format=ox.RdfFormat.N_QUADS)
    fast, ref = both(store, shapes)
    assert fast == ref == set()
    # and broken: every lead institution made a place is a violation for both
    lead = ox.NamedNode(AG + "leadInstitution")
    place = ox.NamedNode(AGR + "place-chengdu")
    leads = list(store.quads_for_pattern(None, lead, None, ox.NamedNode(GRAPH_CURATED)))
    assert len(leads) >= 3
    for q in leads:
        store.add(ox.Quad(q.subject, lead, place, q.graph_name))
    fast, ref = both(store, shapes)
    assert fast == ref
    assert {f for f, _, _ in fast} == {str(q.subject) for q in leads}


def test_problems_are_located_at_their_row(ontology):
    text = BASE.replace("ag:unit agr:unit-u ; ", "").replace(
        "ag:leadInstitution agr:org-a ;", "ag:leadInstitution agr:place-a ;"
    )
    store = store_of(text, ontology)
    origins = {AGR + "stat-1": "data/statistics.csv:3"}
    facts = {(f"<{AGR}alliance-x>", f"<{AG}leadInstitution>", f"<{AGR}place-a>"): "facts.csv:7"}
    problems = locate(store_results(store, load_shapes(SHAPES)), origins, facts)
    assert [(p.location, p.subject) for p in problems] == [
        ("data/statistics.csv:3", "agr:stat-1"),
        ("facts.csv:7", "agr:alliance-x"),
    ]
    assert "names one ag:Unit" in problems[0].message
    assert "must be an organisation (value agr:place-a)" in problems[1].message
    with pytest.raises(DataError) as e:
        check_store(store, SHAPES, origins=origins, fact_origins=facts)
    assert "facts.csv:7" in str(e.value)


def test_unsupported_shape_falls_back_to_pyshacl(ontology):
    # sh:pattern is not compiled to SPARQL: that shape must be validated by pySHACL, not skipped
    shapes_ttl = (
        PRE
        + """
    @prefix sh: <http://www.w3.org/ns/shacl#> .
    agr:PatternShape a sh:NodeShape ; sh:targetClass ag:Standard ;
        sh:property [ sh:path ag:standardNumber ; sh:pattern "^GB" ] .
    agr:CountShape a sh:NodeShape ; sh:targetClass ag:Standard ;
        sh:property [ sh:path ag:standardNumber ; sh:minCount 2 ] .
    """
    )
    shapes = list(ox.parse(shapes_ttl.encode(), format=ox.RdfFormat.TURTLE))
    program = compile_shapes(shapes)
    assert [str(n) for n in program.fallback] == [f"<{AGR}PatternShape>"]
    assert [s.node.value for s in program.shapes] == [AGR + "CountShape"]
    results = store_results(store_of(BASE, ontology), program)
    assert {r.key() for r in results} == {
        (f"<{AGR}std-1>", f"<{AG}standardNumber>", '"T/CQ 1-2020"'),  # by pySHACL: no ^GB
        (f"<{AGR}std-1>", f"<{AG}standardNumber>", ""),  # by SPARQL: fewer than 2
    }
