"""The queries rewritten to scale (issue 16, item 2) answer what they answered before.

Their rows on the bundled graph are checked against answers known by hand from ``data/``
and against a count made in Python from the graph's own triples (not by SPARQL), so a
rewrite that changed the answers (a lost UNION branch, a count that is no longer of
distinct organisations, evidence joined to the wrong fact) fails here. That the engines
agree with each other is ``test_grid.py``'s job.
"""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox

from alliancegraph.namespaces import AG, AGR

ORG = "http://www.w3.org/ns/org#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TYPES = ("Enterprise", "University", "ResearchInstitute", "GovernmentAgency")


def _pairs(store: ox.Store, predicate: str) -> set[tuple[str, str]]:
    """(subject, object) of every triple with ``predicate`` in any graph (the union)."""
    return {
        (q.subject.value, q.object.value)
        for q in store.quads_for_pattern(None, ox.NamedNode(predicate), None)
    }


def _zh_labels(store: ox.Store) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for q in store.quads_for_pattern(None, ox.NamedNode(RDFS_LABEL), None):
        if isinstance(q.object, ox.Literal) and q.object.language == "zh":
            out.setdefault(q.subject.value, set()).add(q.object.value)
    return out


def _plain(row) -> tuple:
    return tuple(None if t is None else t.value for t in row)


def test_academia_industry_mix_counts_distinct_organisations_per_alliance(graph):
    store = graph.store.store
    types = _pairs(store, RDF_TYPE)
    alliances = {s for s, o in types if o == AG + "Alliance"}
    labels = _zh_labels(store)
    expected: Counter = Counter()
    relations = (("member", ORG + "hasMember"), ("supporting", AG + "supportingInstitution"))
    for relation, prop in relations:
        for a, org in _pairs(store, prop):
            if a not in alliances:
                continue
            for t in TYPES:
                if (org, AG + t) in types:
                    for label in labels.get(a, ()):
                        expected[(a, label, relation, AG + t)] += 1
    rows = {_plain(r)[:4]: int(r[4].value) for r in graph.named("academia-industry-mix").rows}
    assert rows == dict(expected)
    # by hand (data/): the chemical new-materials alliance lists 3 enterprises, 2 universities
    # and 1 research institute among its members
    chem = AGR + "alliance-chemical-new-materials"
    assert {(k[3].removeprefix(AG), n) for k, n in rows.items() if k[0] == chem} == {
        ("Enterprise", 3), ("University", 2), ("ResearchInstitute", 1)
    }


def test_academia_industry_mix_for_one_alliance_is_its_rows_of_the_whole(graph):
    whole = graph.named("academia-industry-mix").rows
    chem = AGR + "alliance-chemical-new-materials"
    one = graph.named("academia-industry-mix", alliance=chem).rows
    assert [_plain(r) for r in one] == [_plain(r) for r in whole if r[0].value == chem]


def test_capital_and_relocation_gives_each_link_its_own_evidence(graph):
    rows = {(_plain(r)[0], _plain(r)[2], _plain(r)[3]): _plain(r)[5]
            for r in graph.named("capital-and-relocation").rows}  # fmt: skip
    cmri, aimeike = AGR + "chongqing-materials-research-institute", AGR + "aimeike"
    moved = "爱美科从成都搬到了重材院所在的园区"
    assert rows == {
        (aimeike, AG + "relocatedFrom", AGR + "place-chengdu"): moved,
        (aimeike, AG + "relocatedTo", AGR + "place-cmri-park"): moved,
        (cmri, AG + "holdsEquityIn", aimeike): "重材院还入股爱美科",
        (cmri, AG + "transferredBusinessTo", aimeike): "将自己在贵金属结构方面的业务整体转入企业",
    }


def test_events_lists_events_organised_and_brands_built(graph):
    store = graph.store.store
    types = _pairs(store, RDF_TYPE)
    labels = _zh_labels(store)
    expected = Counter()
    for prop, cls in (("organized", "Event"), ("hasBrand", "Brand")):
        for who, what in _pairs(store, AG + prop):
            if (what, AG + cls) in types:
                for wl in labels.get(who, ()):
                    for el in labels.get(what, ()):
                        expected[(who, wl, what, el)] += 1
    rows = Counter(_plain(r) for r in graph.named("events").rows)
    assert rows == expected
    # by hand: the IoT alliance's four activity brands, and three of the bureau's events
    assert sum(1 for r in rows if r[0] == AGR + "alliance-iot") == 4
    assert sum(1 for r in rows if r[0] == AGR + "chongqing-science-technology-bureau") == 3


# -- search-describe-facts-out / -in and store-named-graphs (issue 16, task A) ---------------

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"


def _describe_fixture() -> ox.Store:
    """e -p-> x (one record, with evidence), e -p-> y (no record of its own: the record of
    e -p-> x and one of e -q-> y share its subject, predicate or object), z -p-> e (a record),
    w -q-> e (none); one label each."""
    n = lambda s: ox.NamedNode("http://ex/" + s)  # noqa: E731
    g = ox.NamedNode(AGR + "graph-curated")
    e, x, y, z, w, p, q = (n(s) for s in "exyzwpq")
    s = ox.Store()
    quads = [(e, p, x), (e, p, y), (z, p, e), (w, q, e)]
    for subject, obj, name in (((e, p, x), n("src1"), "r1"), ((e, q, y), n("src2"), "r2"),
                               ((z, p, e), n("src3"), "r3")):  # fmt: skip
        r = n(name)
        quads += [(r, ox.NamedNode(RDF + "type"), ox.NamedNode(RDF + "Statement")),
                  (r, ox.NamedNode(RDF + "subject"), subject[0]),
                  (r, ox.NamedNode(RDF + "predicate"), subject[1]),
                  (r, ox.NamedNode(RDF + "object"), subject[2]),
                  (r, ox.NamedNode(PROV_DERIVED), obj)]  # fmt: skip
    quads.append((n("r1"), ox.NamedNode(AG + "evidenceText"), ox.Literal("quote", language="zh")))
    for t in (x, y, z, w, n("src1")):
        quads.append((t, ox.NamedNode(RDFS_LABEL), ox.Literal(t.value[-4:], language="zh")))
    for sq, pq, oq in quads:
        s.add(ox.Quad(sq, pq, oq, g))
    return s


def test_describe_facts_out_and_in_attach_only_the_record_of_the_same_fact():
    """Facts and records are separate queries joined in Python by property and other end: a
    record sharing only the subject (r2: e -q-> y) or the subject and predicate (r1 for
    e -p-> y) must not be attached, and a fact with none keeps its row, once."""
    from alliancegraph import search
    from alliancegraph.store import EmbeddedStore

    store = EmbeddedStore(_describe_fixture())
    rows = Counter()
    for r in search._fact_rows(store, ox.NamedNode("http://ex/e")):
        d, p, _pl, o, ol, ev, src, sl, inferred = _plain(r)
        rows[(d, p[-1], o[-1], ol, ev, src and src[-4:], sl, inferred)] += 1
    assert rows == Counter({
        ("out", "p", "x", "ex/x", "quote", "src1", "src1", "false"): 1,
        ("out", "p", "y", "ex/y", None, None, None, "false"): 1,
        ("in", "p", "z", "ex/z", None, "src3", None, "false"): 1,
        ("in", "q", "w", "ex/w", None, None, None, "false"): 1,
    })  # fmt: skip


def test_describe_lists_the_same_facts_from_the_two_queries(graph):
    """search.describe reads both queries: cqupt's facts both ways, each with its source
    where the graph records one (by hand, data/: it leads the industrial-internet alliance
    and developed two standards, each with its source)."""
    from alliancegraph import search

    d = search.describe(graph.store, AGR + "cqupt")
    facts = {(f.direction, f.predicate, f.other.value): f.source for f in d.facts}
    assert facts[("in", "ag:leadInstitution", AGR + "alliance-industrial-internet")]
    assert facts[("out", "ag:developed", AGR + "iso-iec-21823-2")] == (
        AGR + "source-cqupt-2017-iso-iec-21823-2-approved"
    )
    assert facts[("out", "ag:developed", AGR + "gb-t-41782-2-2022")]
    assert {direction for direction, _, _ in facts} == {"in", "out"}


def test_named_graph_list_skips_empty_graphs_and_the_default_graph():
    """The graph list comes from GRAPH ?g {} (which lists an empty graph too) filtered by
    one triple found in each: only graphs with triples are named."""
    from alliancegraph import internal
    from alliancegraph.store import EmbeddedStore

    s = ox.Store()
    a, b = ox.NamedNode("http://e/a"), ox.NamedNode("http://e/b")
    s.add(ox.Quad(a, b, a, ox.NamedNode(AGR + "graph-one")))
    s.add(ox.Quad(a, b, b, ox.NamedNode(AGR + "graph-two")))
    s.add(ox.Quad(a, b, b, ox.NamedNode(AGR + "graph-two")))
    s.add(ox.Quad(a, b, b))  # the default graph is not a named graph
    s.add_graph(ox.NamedNode(AGR + "graph-empty"))
    r = EmbeddedStore(s).query(internal.text("store-named-graphs"))
    assert sorted(r.values("g")) == [AGR + "graph-one", AGR + "graph-two"]
    assert EmbeddedStore(ox.Store()).query(internal.text("store-named-graphs")).rows == []


# -- academia-industry-mix, alliance-members, organisations-by-type (issue 16, task A) -------

ORG_SUPPORT = AG + "supportingInstitution"


def _tiny(triples: list[tuple], graphs: tuple[str, ...] = ("graph-curated",)) -> ox.Store:
    """A store of ``(s, p, o)`` (s, p IRIs; o an IRI, or a ``(text, lang)`` label) written to
    each of ``graphs``."""
    s = ox.Store()
    for graph in graphs:
        for sub, pred, obj in triples:
            o = ox.Literal(obj[0], language=obj[1]) if isinstance(obj, tuple) else ox.NamedNode(obj)
            s.add(ox.Quad(ox.NamedNode(sub), ox.NamedNode(pred), o, ox.NamedNode(AGR + graph)))
    return s


def _named_rows(store: ox.Store, name: str, **params) -> list[tuple]:
    """The named query ``name`` on ``store`` with ``params``, as the library binds them."""
    from alliancegraph.library import bind, load_library
    from alliancegraph.store import EmbeddedStore, with_values

    nq = load_library()[name]
    text = with_values(nq.text, bind(nq, params)) if params else nq.text
    return [_plain(r) for r in EmbeddedStore(store).query(text).rows]


A1, A2, NOT_ALLIANCE = AGR + "a1", AGR + "a2", AGR + "club"
ORG_X, ORG_Y, ORG_Z, ORG_W = (AGR + n for n in ("x", "y", "z", "w"))
MEMBERS = [
    (A1, RDF_TYPE, AG + "Alliance"), (A1, RDFS_LABEL, ("B联盟", "zh")),
    (A1, RDFS_LABEL, ("B alliance", "en")),
    (A2, RDF_TYPE, AG + "Alliance"), (A2, RDFS_LABEL, ("A联盟", "zh")),
    (NOT_ALLIANCE, RDFS_LABEL, ("俱乐部", "zh")),
    # x: an enterprise and a university, member of both alliances, the lead of a1 only
    (ORG_X, RDF_TYPE, AG + "Enterprise"), (ORG_X, RDF_TYPE, AG + "University"),
    (ORG_X, RDFS_LABEL, ("甲", "zh")), (ORG_X, RDFS_LABEL, ("X Co", "en")),
    (A1, ORG + "hasMember", ORG_X), (A2, ORG + "hasMember", ORG_X),
    (A1, AG + "leadInstitution", ORG_X),
    # y: a university, member of a2 and supporting a1; member of the non-alliance too
    (ORG_Y, RDF_TYPE, AG + "University"), (ORG_Y, RDFS_LABEL, ("乙", "zh")),
    (A2, ORG + "hasMember", ORG_Y), (A1, ORG_SUPPORT, ORG_Y),
    (NOT_ALLIANCE, ORG + "hasMember", ORG_Y),
    # z: a university in no alliance; w: a member of a2 of none of the four types, no zh name
    (ORG_Z, RDF_TYPE, AG + "University"), (ORG_Z, RDFS_LABEL, ("丙", "zh")),
    (ORG_W, RDF_TYPE, AG + "Company"), (ORG_W, RDFS_LABEL, ("W", "en")),
    (A2, ORG + "hasMember", ORG_W), (A2, AG + "leadInstitution", ORG_W),
]  # fmt: skip


def test_academia_industry_mix_counts_per_alliance_relation_and_type():
    """Counts per alliance, relation and type, by hand: an organisation of two types counts in
    each, a non-alliance's members are not counted, nor are organisations of none of the four
    types; a member that also supports counts under each relation."""
    expected = [
        (A2, "A联盟", "member", AG + "Enterprise", "1"),
        (A2, "A联盟", "member", AG + "University", "2"),
        (A1, "B联盟", "member", AG + "Enterprise", "1"),
        (A1, "B联盟", "member", AG + "University", "1"),
        (A1, "B联盟", "supporting", AG + "University", "1"),
    ]
    assert _named_rows(_tiny(MEMBERS), "academia-industry-mix") == expected
    assert _named_rows(_tiny(MEMBERS), "academia-industry-mix", alliance=A1) == expected[2:]


def test_alliance_members_marks_the_lead_of_that_alliance_only():
    """x leads a1 and is a plain member of a2; w leads a2 but has no zh name (no row); the
    lead triple also held in a second graph adds no row."""
    expected = [
        (A2, "A联盟", ORG_Y, "乙", "member"),  # 乙 (U+4E59) sorts before 甲 (U+7532)
        (A2, "A联盟", ORG_X, "甲", "member"),
        (A1, "B联盟", ORG_X, "甲", "lead"),
    ]
    store = _tiny(MEMBERS)
    assert _named_rows(store, "alliance-members") == expected
    assert _named_rows(store, "alliance-members", alliance=A1) == expected[2:]
    lead = (ox.NamedNode(A1), ox.NamedNode(AG + "leadInstitution"), ox.NamedNode(ORG_X))
    store.add(ox.Quad(*lead, ox.NamedNode(AGR + "graph-synthetic")))
    assert _named_rows(store, "alliance-members") == expected


def test_organisations_by_type_joins_alliance_names_in_name_order():
    """The alliance names are sorted by name whatever the IRIs' order (x is in a1 "B联盟"
    and a2 "A联盟"), supporting counts as belonging, a non-alliance does not, and an
    organisation in none has no ?alliances."""
    rows = _named_rows(_tiny(MEMBERS, ("graph-curated", "graph-synthetic")),
                       "organisations-by-type", type="ag:University")  # fmt: skip
    assert sorted(rows) == sorted([
        (ORG_X, "甲", "X Co", "A联盟、B联盟"),
        (ORG_Y, "乙", None, "A联盟、B联盟"),
        (ORG_Z, "丙", None, None),
    ])  # fmt: skip
    assert [r[1] for r in rows] == sorted(r[1] for r in rows)  # ORDER BY ?label


def test_coverage_research_platforms_counts_own_and_members_platforms_in_scope():
    """By hand: the system's alliances are a1 (placed in it) and a3 (synthetic), not a2; their
    platforms are their own and their members' research platforms (not m's other kind)."""
    from alliancegraph import internal
    from alliancegraph.store import EmbeddedStore

    n = lambda s: AGR + s  # noqa: E731
    sys_, typ = n("system"), RDF_TYPE
    triples = [
        (sys_, typ, AG + "AllianceSystem"),
        (n("a1"), typ, AG + "Alliance"), (n("a1"), AG + "partOfSystem", sys_),
        (n("a2"), typ, AG + "Alliance"), (n("a3"), typ, AG + "Alliance"),
        (n("a1"), AG + "hasPlatform", n("p1")), (n("a1"), ORG + "hasMember", n("m")),
        (n("m"), AG + "hasPlatform", n("p2")), (n("m"), AG + "hasPlatform", n("p3")),
        (n("a2"), ORG + "hasMember", n("k")), (n("k"), AG + "hasPlatform", n("p4")),
        (n("a3"), ORG + "hasMember", n("k3")), (n("k3"), AG + "hasPlatform", n("p5")),
    ]  # fmt: skip
    triples += [(n(p), typ, AG + "ResearchPlatform") for p in ("p1", "p2", "p4", "p5")]
    store = _tiny(triples)
    store.add(ox.Quad(ox.NamedNode(n("a3")), ox.NamedNode(AG + "synthetic"), ox.Literal(True),
                      ox.NamedNode(AGR + "graph-synthetic")))  # fmt: skip
    text = internal.text("analysis-coverage-research-platforms")

    def platforms(scope: str) -> set[str]:
        r = EmbeddedStore(store).query(text, bindings={"scope": ox.NamedNode(n(scope))})
        return set(r.values("x"))

    assert platforms("system") == {n("p1"), n("p2"), n("p5")}
    assert platforms("a1") == {n("p1"), n("p2")}
    assert platforms("a2") == {n("p4")}


# -- facts-without-provenance (issue 16: bounded memory at 100x) ------------------------------

PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#: the predicates facts-without-provenance.rq leaves out (types, names, notes, scaffolding)
UNTRACED = {
    RDF_TYPE, RDFS_LABEL, "http://www.w3.org/2004/02/skos/core#altLabel",
    "http://www.w3.org/2004/02/skos/core#note", "http://www.w3.org/2004/02/skos/core#editorialNote",
    ORG + "member", ORG + "organization", ORG + "memberDuring",
    "http://www.w3.org/2006/time#hasBeginning", AG + "synthetic", AG + "curatorAlias",
    "http://www.w3.org/2004/02/skos/core#inScheme", "http://www.w3.org/2004/02/skos/core#prefLabel",
}  # fmt: skip


def _facts_without_provenance(store: ox.Store) -> set[tuple]:
    """What facts-without-provenance.rq answers, computed in Python from the quads."""
    asserted = (AGR + "graph-curated", AGR + "graph-synthetic")
    kinds = (ox.NamedNode(RDF + "Statement"), ox.NamedNode(AG + "SourceDocument"))
    skipped = {
        q.subject
        for kind in kinds
        for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), kind)
    }
    derived = {
        q.subject
        for q in store.quads_for_pattern(None, ox.NamedNode(PROV + "wasDerivedFrom"), None)
    }
    parts = {}
    for part in ("subject", "predicate", "object"):
        for q in store.quads_for_pattern(None, ox.NamedNode(RDF + part), None):
            if q.subject in derived:
                parts.setdefault(q.subject, {}).setdefault(part, set()).add(q.object)
    recorded = {
        (s, p, o)
        for r in parts.values()
        for s in r.get("subject", ()) for p in r.get("predicate", ()) for o in r.get("object", ())
    }  # fmt: skip
    return {
        (q.subject.value, q.predicate.value, q.object.value, q.graph_name.value)
        for q in store
        if isinstance(q.graph_name, ox.NamedNode)
        and (q.graph_name.value in asserted or q.graph_name.value.startswith(AGR + "graph-import-"))
        and q.predicate.value not in UNTRACED
        and q.subject not in skipped
        and (q.subject, q.predicate, q.object) not in recorded
    }  # fmt: skip


def test_facts_without_provenance_finds_exactly_the_untraced_facts(graph):
    """The bundled graph and a few added triples: facts with no record are answered, in each
    graph that holds them; a record's own triples, an annotated fact, a fact in the inferred
    graph and a left-out predicate are not."""
    store = ox.Store()
    store.extend(graph.store.store)
    n = lambda s: ox.NamedNode(AGR + s)  # noqa: E731
    curated, imported = n("graph-curated"), n("graph-import-test")
    fact = (n("x"), ox.NamedNode(AG + "locatedIn"), n("y"))
    traced = (n("x"), ox.NamedNode(AG + "locatedIn"), n("z"))
    record = n("record-xz")
    added = [
        ox.Quad(*fact, curated), ox.Quad(*fact, imported), ox.Quad(*traced, curated),
        ox.Quad(*fact, n("graph-inferred")),
        ox.Quad(n("x"), ox.NamedNode(RDFS_LABEL), ox.Literal("x"), curated),
        ox.Quad(record, ox.NamedNode(RDF_TYPE), ox.NamedNode(RDF + "Statement"), curated),
        ox.Quad(record, ox.NamedNode(RDF + "subject"), traced[0], curated),
        ox.Quad(record, ox.NamedNode(RDF + "predicate"), traced[1], curated),
        ox.Quad(record, ox.NamedNode(RDF + "object"), traced[2], curated),
        ox.Quad(record, ox.NamedNode(PROV + "wasDerivedFrom"), n("source"), curated),
        # a record without a source does not annotate: its fact is answered
        ox.Quad(n("record-xw"), ox.NamedNode(RDF + "subject"), n("x"), curated),
        ox.Quad(n("record-xw"), ox.NamedNode(RDF + "predicate"), traced[1], curated),
        ox.Quad(n("record-xw"), ox.NamedNode(RDF + "object"), n("w"), curated),
        ox.Quad(n("x"), ox.NamedNode(AG + "locatedIn"), n("w"), curated),
    ]  # fmt: skip
    store.extend(added)
    # the build could not vouch for these graphs (build.check_provenance): they are read
    _mark(store, "graph-curated", False)
    _mark(store, "graph-import-test", False)
    rows = _named_rows(store, "facts-without-provenance")
    expected = _facts_without_provenance(store)
    assert len(rows) == len(set(rows)) and set(rows) == expected
    x = AGR + "x"
    assert {r for r in rows if r[0] == x} == {
        (x, AG + "locatedIn", AGR + "y", AGR + "graph-curated"),
        (x, AG + "locatedIn", AGR + "y", AGR + "graph-import-test"),
        (x, AG + "locatedIn", AGR + "w", AGR + "graph-curated"),
    }
    # the record without a source answers its own triples (it is no rdf:Statement)
    record_rows = {r[1] for r in rows if r[0] == AGR + "record-xw"}
    assert record_rows == {RDF + p for p in ("subject", "predicate", "object")}
    assert _named_rows(graph.store.store, "facts-without-provenance") == []


def _mark(store: ox.Store, graph: str, complete: bool) -> None:
    """Mark ``graph`` as the build does (``ag:provenanceChecked`` in the generated graph)."""
    from alliancegraph.build import PROVENANCE_CHECKED, provenance_mark

    for q in list(store.quads_for_pattern(ox.NamedNode(AGR + graph),
                                          ox.NamedNode(PROVENANCE_CHECKED), None)):  # fmt: skip
        store.remove(q)
    store.add(provenance_mark(AGR + graph, complete))


def test_facts_without_provenance_reads_only_the_graphs_not_vouched_for(graph):
    """A graph the build marked complete is not read (that is the mark's point: the query
    answers at once); the same fact in a graph marked false is answered. Every asserted
    graph of a build is marked, so a fact the build could not vouch for is always found
    (test_provenance_marks)."""
    store = ox.Store()
    store.extend(graph.store.store)
    n = lambda s: ox.NamedNode(AGR + s)  # noqa: E731
    fact = (n("x"), ox.NamedNode(AG + "locatedIn"), n("y"))
    store.extend([ox.Quad(*fact, n("graph-import-a")), ox.Quad(*fact, n("graph-import-b"))])
    _mark(store, "graph-import-a", True)
    _mark(store, "graph-import-b", False)
    rows = _named_rows(store, "facts-without-provenance")
    assert rows == [(AGR + "x", AG + "locatedIn", AGR + "y", AGR + "graph-import-b")]
    _mark(store, "graph-import-b", True)
    assert _named_rows(store, "facts-without-provenance") == []


def test_the_untraced_predicates_are_read_from_the_query():
    """What a compiler writes without a record is judged by the query's own list."""
    from alliancegraph.build import untraced_predicates

    assert untraced_predicates() == UNTRACED


RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def test_the_record_parts_both_queries_leave_out_are_the_shapes_targets(record_parts):
    """One list in three places: the shape that keeps the parts on memberships, and the two
    queries that may leave them out because it does."""
    import re

    from alliancegraph import internal
    from alliancegraph.namespaces import expand

    assert len(record_parts) == 4
    for name in ("analysis-entity-edges", "analysis-evidence"):
        found = re.search(r"\?p NOT IN \(([^)]*)\)", internal.text(name))
        assert found is not None, name
        assert {expand(t.strip()) for t in found.group(1).split(",")} == record_parts, name


def test_evidence_is_every_statement_between_iris_but_a_records_parts(graph, record_parts):
    from alliancegraph import internal

    store = graph.store.store

    def one(s: ox.NamedNode | ox.BlankNode, p: str) -> str | None:
        found = [q.object.value for q in store.quads_for_pattern(s, ox.NamedNode(p), None)]
        return min(found) if found else None

    expected, parts = set(), 0
    for q in store.quads_for_pattern(None, ox.NamedNode(RDF_NS + "subject"), None):
        st = q.subject
        o = next(store.quads_for_pattern(st, ox.NamedNode(RDF_NS + "object"), None)).object
        p = one(st, RDF_NS + "predicate")
        if not isinstance(o, ox.NamedNode):
            continue
        if p in record_parts:
            parts += 1
            continue
        ev, src = one(st, AG + "evidenceText"), one(st, PROV + "wasDerivedFrom")
        expected.add((q.object.value, p, o.value, ev, src))
    assert parts  # the bundled graph has records of membership parts to leave out
    rows = {_plain(r) for r in graph.query(internal.text("analysis-evidence")).rows}
    assert rows == expected
