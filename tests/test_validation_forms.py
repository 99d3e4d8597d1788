"""The compiled forms of the SPARQL validator, each on a graph whose violations are known by
hand, and against pySHACL: the counting proof (which must never hide a violation), the
exact EXISTS query, the counting query for large counts, and xsd:boolean checked in SPARQL."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from alliancegraph.namespaces import AG, AGR, GRAPH_CURATED, PREFIXES, RDF, XSD
from alliancegraph.validation import (
    _lexical_test,
    _proof_query,
    _rename,
    compile_shapes,
    pyshacl_results,
    store_results,
    well_formed,
)

ROOT = Path(__file__).resolve().parent.parent
PRE = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items())
PROV = PREFIXES["prov"]


def statement_shape() -> list[ox.Triple]:
    """The bundled StatementShape alone (its target and its twelve checks)."""
    shapes = ox.Store()
    shapes.load(path=str(ROOT / "ontology" / "shapes.ttl"), format=ox.RdfFormat.TURTLE)
    program = compile_shapes(q.triple for q in shapes)
    [shape] = [s for s in program.shapes if s.node.value.endswith("#StatementShape")]
    keep, todo = set(), [shape.node]
    while todo:  # the shape and the blank nodes it reaches
        node = todo.pop()
        keep.add(node)
        todo += [q.object for q in shapes.quads_for_pattern(node, None, None)
                 if isinstance(q.object, ox.BlankNode) and q.object not in keep]  # fmt: skip
    return [q.triple for q in shapes if q.subject in keep]


def store_of(turtle: str, graph: str = GRAPH_CURATED) -> ox.Store:
    store = ox.Store()
    store.load((PRE + turtle).encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))
    return store


def fast_and_reference(store: ox.Store, shapes: list[ox.Triple]) -> tuple[set, set]:
    fast = store_results(store, compile_shapes(shapes))
    ref = pyshacl_results((q.triple for q in store), shapes)
    return {r.key() for r in fast}, {r.key() for r in ref}


def good(n: int, **drop_or_change: str) -> str:
    """Statement agr:st-<n> meeting every check; keyword: a property to replace (by text)."""
    props = {
        "subject": "rdf:subject agr:a",
        "predicate": "rdf:predicate ag:leadInstitution",
        "object": "rdf:object agr:b",
        "source": "prov:wasDerivedFrom agr:src",
        "evidence": 'ag:evidenceText "甲乙两家"@zh',
    }
    props.update(drop_or_change)
    body = " ; ".join(["a rdf:Statement", *(p for p in props.values() if p)])
    return f"agr:st-{n} {body} .\n"


SOURCE = "agr:src a ag:SourceDocument .\nagr:place a ag:Place .\n"
#: one statement per StatementShape check, each violating it once: (edit, value or "")
BROKEN = {
    "subject": ({"subject": ""}, RDF + "subject", ""),
    "two subjects": ({"subject": "rdf:subject agr:a , agr:b"}, RDF + "subject", ""),
    "predicate": ({"predicate": ""}, RDF + "predicate", ""),
    "two predicates": ({"predicate": "rdf:predicate ag:x , ag:y"}, RDF + "predicate", ""),
    "literal predicate": ({"predicate": 'rdf:predicate "p"'}, RDF + "predicate", '"p"'),
    "object": ({"object": ""}, RDF + "object", ""),
    "two objects": ({"object": "rdf:object agr:a , agr:b"}, RDF + "object", ""),
    "source": ({"source": ""}, PROV + "wasDerivedFrom", ""),
    "source a place": ({"source": "prov:wasDerivedFrom agr:place"}, PROV + "wasDerivedFrom",
                       f"<{AGR}place>"),
    "evidence": ({"evidence": ""}, AG + "evidenceText", ""),
    "short": ({"evidence": 'ag:evidenceText "甲"'}, AG + "evidenceText", '"甲"'),
    "long": ({"evidence": f'ag:evidenceText "{"长" * 81}"'}, AG + "evidenceText",
             f'"{"长" * 81}"'),
}  # fmt: skip


def test_statement_shape_is_proved_by_one_join_when_met():
    shapes = statement_shape()
    [shape] = compile_shapes(shapes).shapes
    assert len(shape.checks) == 12
    assert _proof_query(shape) is not None  # every check covered by the counting proof
    store = store_of(SOURCE + "".join(good(n) for n in range(3)))
    assert fast_and_reference(store, shapes) == (set(), set())


def test_each_statement_check_violated_once():
    shapes = statement_shape()
    text = SOURCE + good(0)
    expected = set()
    for n, (edit, path, value) in enumerate(BROKEN.values(), start=1):
        text += good(n, **edit)
        expected.add((f"<{AGR}st-{n}>", f"<{path}>", value))
    fast, ref = fast_and_reference(store_of(text), shapes)
    assert fast == expected
    assert ref == fast


@pytest.mark.parametrize("case", list(BROKEN))
def test_one_statement_check_violated(case):
    edit, path, value = BROKEN[case]
    fast, ref = fast_and_reference(store_of(SOURCE + good(0) + good(1, **edit)), statement_shape())
    assert fast == {(f"<{AGR}st-1>", f"<{path}>", value)} == ref


def test_counts_that_balance_do_not_fool_the_proof():
    # one statement with two subjects, one with none: as many rows in the join as focus
    # nodes, but not every focus node in it
    text = SOURCE + good(1, subject="rdf:subject agr:a , agr:b") + good(2, subject="")
    fast, ref = fast_and_reference(store_of(text), statement_shape())
    assert fast == {(f"<{AGR}st-{n}>", f"<{RDF}subject>", "") for n in (1, 2)} == ref


def test_a_bad_value_beside_a_good_one_is_found():
    # a second evidence text, too short: the join has two rows for that statement
    text = SOURCE + good(1, evidence='ag:evidenceText "甲乙两家" , "甲"')
    fast, ref = fast_and_reference(store_of(text), statement_shape())
    assert fast == {(f"<{AGR}st-1>", f"<{AG}evidenceText>", '"甲"')} == ref


def test_a_fact_in_two_graphs_is_one_value():
    # the same rdf:subject triple in two graphs: two rows in the join, one value, no violation
    store = store_of(SOURCE + good(1))
    store.load((PRE + "agr:st-1 rdf:subject agr:a .").encode(), format=ox.RdfFormat.TURTLE,
               to_graph=ox.NamedNode(AGR + "graph/other"))  # fmt: skip
    assert store_results(store, compile_shapes(statement_shape())) == []


#: shapes outside the proof: large counts (counted), qualified counts and sh:hasValue (EXISTS)
COUNTS = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
agr:Counts a sh:NodeShape ; sh:targetClass ag:Thing ;
    sh:property [ sh:path ag:tag ; sh:minCount 3 ; sh:maxCount 4 ] ;
    sh:property [ sh:path ag:tag ; sh:qualifiedValueShape [ sh:datatype xsd:integer ] ;
                  sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 2 ] ;
    sh:property [ sh:path ag:kind ; sh:hasValue ag:good ; sh:maxCount 0 ] ;
    sh:property [ sh:path [ sh:inversePath ag:owns ] ; sh:minCount 1 ; sh:maxCount 1 ] .
"""
THINGS = """
agr:ok a ag:Thing ; ag:tag 1, 2, "a" . agr:p ag:owns agr:ok .
agr:few a ag:Thing ; ag:tag 1, 2 . agr:p ag:owns agr:few .
agr:many a ag:Thing ; ag:tag "a", "b", "c", "d", "e", 1 . agr:p ag:owns agr:many .
agr:untyped-tags a ag:Thing ; ag:tag "a", "b", "c" . agr:p ag:owns agr:untyped-tags .
agr:three-ints a ag:Thing ; ag:tag 1, 2, 3 . agr:p ag:owns agr:three-ints .
agr:kind a ag:Thing ; ag:tag 1, 2, "a" ; ag:kind ag:good . agr:p ag:owns agr:kind .
agr:orphan a ag:Thing ; ag:tag 1, 2, "a" .
agr:shared a ag:Thing ; ag:tag 1, 2, "a" . agr:p ag:owns agr:shared . agr:q ag:owns agr:shared .
"""


def test_counts_outside_the_proof_match_pyshacl():
    shapes = list(ox.parse((PRE + COUNTS).encode(), format=ox.RdfFormat.TURTLE))
    [shape] = compile_shapes(shapes).shapes
    assert _proof_query(shape) is None
    fast, ref = fast_and_reference(store_of(THINGS), shapes)
    tag, kind = f"<{AG}tag>", f"<{AG}kind>"
    assert {(f, p) for f, p, _ in fast} == {
        (f"<{AGR}few>", tag),  # 2 < 3 values
        (f"<{AGR}many>", tag),  # 6 > 4 values
        (f"<{AGR}untyped-tags>", tag),  # no integer
        (f"<{AGR}three-ints>", tag),  # 3 > 2 integers
        (f"<{AGR}kind>", kind),  # sh:maxCount 0
        (f"<{AGR}ok>", kind),  # sh:hasValue missing: every thing but agr:kind
        (f"<{AGR}few>", kind), (f"<{AGR}many>", kind), (f"<{AGR}untyped-tags>", kind),
        (f"<{AGR}three-ints>", kind), (f"<{AGR}orphan>", kind), (f"<{AGR}shared>", kind),
        (f"<{AGR}orphan>", ""),  # no owner (inverse path: not reported as a path)
        (f"<{AGR}shared>", ""),  # two owners
    }  # fmt: skip
    # pySHACL names an inverse path by its blank node; here it is reported as no path
    assert fast == {(f, "" if p.startswith("_:") else p, v) for f, p, v in ref}


def test_boolean_forms_in_sparql_are_well_formed():
    test = _lexical_test(XSD + "boolean", "?v")
    assert "urn:x-alliancegraph" not in test  # no call into Python per value
    forms = ["true", "false", "1", "0", "yes", "True", " true", "01", ""]
    store = ox.Store()
    store.extend(
        ox.Quad(ox.NamedNode(AGR + f"n{i}"), ox.NamedNode(AG + "flag"),
                ox.Literal(f, datatype=ox.NamedNode(XSD + "boolean")))
        for i, f in enumerate(forms)
    )  # fmt: skip
    ok = {s["s"].value for s in store.query(f"SELECT ?s WHERE {{ ?s ?p ?v FILTER({test}) }}")}
    # (Oxigraph reads "1"^^xsd:boolean as true: the form checked is the one it gives back)
    assert ok == {AGR + f"n{i}" for i, f in enumerate(forms) if well_formed(f, XSD + "boolean")}
    assert len(ok) == 4
    assert "urn:x-alliancegraph" in _lexical_test(XSD + "date", "?v")  # the calendar in Python


def test_rename_touches_only_the_variable():
    expr = '(STRLEN(STR(?v)) <= 80 && EXISTS { ?v <http://x/?v> ?vx } && ?v != "?v")'
    assert _rename(expr, "?p3") == (
        '(STRLEN(STR(?p3)) <= 80 && EXISTS { ?p3 <http://x/?v> ?vx } && ?p3 != "?v")'
    )


def test_a_larger_min_count_on_a_proved_path_is_not_taken_as_proved():
    # sh:minCount 1 puts ag:tag in the join; the join proves one value, not two
    shapes_ttl = (
        PRE
        + """
    @prefix sh: <http://www.w3.org/ns/shacl#> .
    agr:Tags a sh:NodeShape ; sh:targetClass ag:Thing ;
        sh:property [ sh:path ag:tag ; sh:minCount 1 ] , [ sh:path ag:tag ; sh:minCount 2 ] .
    """
    )
    shapes = list(ox.parse(shapes_ttl.encode(), format=ox.RdfFormat.TURTLE))
    assert _proof_query(compile_shapes(shapes).shapes[0]) is None
    text = "agr:one a ag:Thing ; ag:tag 1 . agr:two a ag:Thing ; ag:tag 1, 2 ."
    fast, ref = fast_and_reference(store_of(text), shapes)
    assert fast == {(f"<{AGR}one>", f"<{AG}tag>", "")} == ref
