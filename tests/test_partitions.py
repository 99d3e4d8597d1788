"""The build's class counts (VoID class partitions, ``partitions.py``) and the summary
counts read from them: the same numbers the union default graph counts, kept through an
appended layer (``test_append`` compares those builds quad for quad with full ones), and
counted live where a store has no description."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from alliancegraph import internal, partitions
from alliancegraph.namespaces import AG, AGR, GRAPH_GENERATED, ORG, RDF
from alliancegraph.store import EmbeddedStore

TYPE = ox.NamedNode(RDF + "type")
ORGANISATION = ox.NamedNode(ORG + "FormalOrganization")
ALLIANCE = ox.NamedNode(AG + "Alliance")
STATEMENT = ox.NamedNode(RDF + "Statement")
G1, G2 = ox.NamedNode(AGR + "graph-curated"), ox.NamedNode(AGR + "graph-import-x")


def _node(name: str) -> ox.NamedNode:
    return ox.NamedNode(AGR + name)


def _small() -> ox.Store:
    """Two organisations (one typed in two graphs), one alliance, one record; a literal
    "type", which is no class."""
    store = ox.Store()
    store.extend([
        ox.Quad(_node("a"), TYPE, ORGANISATION, G1),
        ox.Quad(_node("a"), TYPE, ORGANISATION, G2),
        ox.Quad(_node("b"), TYPE, ORGANISATION, G2),
        ox.Quad(_node("x"), TYPE, ALLIANCE, G1),
        ox.Quad(_node("r"), TYPE, STATEMENT, G1),
        ox.Quad(_node("odd"), TYPE, ox.Literal("not a class"), G1),
    ])  # fmt: skip
    return store


def test_each_class_counts_its_distinct_things_over_every_graph():
    assert partitions.count(_small()) == {
        ORG + "FormalOrganization": 2, AG + "Alliance": 1, RDF + "Statement": 1,
    }  # fmt: skip


def test_the_description_reads_back_and_types_nothing():
    counts = {ORG + "FormalOrganization": 2, AG + "Alliance": 1}
    quads = partitions.quads(counts)
    assert {q.graph_name for q in quads} == {ox.NamedNode(GRAPH_GENERATED)}
    assert not [q for q in quads if q.predicate == TYPE]
    assert partitions.read(quads) == counts
    assert partitions.read([]) is None
    # the same counts give the same quads: an appended build writes what a full one does
    assert partitions.quads(dict(reversed(counts.items()))) == quads


@pytest.mark.parametrize("small_base", [True, False])
def test_a_layer_adds_only_what_the_base_does_not_type(small_base):
    base = _small()
    layer = ox.Store()
    layer.extend([
        ox.Quad(_node("a"), TYPE, ORGANISATION, G2),  # held by the base already
        ox.Quad(_node("c"), TYPE, ORGANISATION, G2),  # new
        ox.Quad(_node("c"), TYPE, ORGANISATION, G1),  # the same pair again
        ox.Quad(_node("x"), TYPE, STATEMENT, G2),  # a known node, a class new to it
    ])  # fmt: skip
    more = partitions.added(layer, base, small_base=small_base)
    assert more == {ORG + "FormalOrganization": 1, RDF + "Statement": 1}
    base.extend(layer)
    assert partitions.merged(partitions.count(_small()), more) == partitions.count(base)


def _summary(store: ox.Store) -> list[tuple[str, int]]:
    rows = EmbeddedStore._run(store, internal.text("summary-counts"), None)
    assert isinstance(rows, ox.QuerySolutions)
    return [(r["what"].value, int(r["n"].value)) for r in rows]


@pytest.fixture(scope="module")
def built(bundled_build) -> ox.Store:
    store = ox.Store()
    store.load(path=str(bundled_build.nquads_path), format=ox.RdfFormat.N_QUADS)
    return store


def _without_description(store: ox.Store) -> ox.Store:
    out = ox.Store()
    out.extend(q for q in store if not q.subject.value.startswith(partitions.DATASET))
    return out


def test_the_bundled_build_keeps_the_counts_the_graph_holds(built):
    kept = partitions.read(built.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_GENERATED)))
    assert kept is not None
    assert kept == partitions.count(_without_description(built))
    # by hand (test_api.test_summary): 11 alliances, 18 organisations, 250 records
    assert kept[AG + "Alliance"] == 11 and kept[ORG + "FormalOrganization"] == 18
    assert kept[RDF + "Statement"] == 250


def test_summary_counts_read_the_kept_counts_and_count_a_store_without_them(built):
    want = [  # by hand, as test_api.test_summary says, in this order
        ("alliances named", 11),
        ("organisations", 18),
        ("facts with provenance", 250),
        ("reported figures", 21),
        ("sources", 9),
    ]
    assert _summary(built) == want
    # counted here, the same rows in the same order
    assert _summary(_without_description(built)) == want


def test_summary_counts_answer_the_description_not_a_scan(built):
    """A kept count changed by hand is what the query answers (so the scan is not made),
    once; a class the description does not list counts 0."""
    store = ox.Store()
    store.extend(built)
    graph = ox.NamedNode(GRAPH_GENERATED)
    counts = partitions.read(store.quads_for_pattern(None, None, None, graph))
    assert counts is not None
    for q in partitions.quads(counts):
        store.remove(q)
    counts[RDF + "Statement"] = 999
    del counts[AG + "SourceDocument"]
    store.extend(partitions.quads(counts))
    got = dict(_summary(store))
    assert len(_summary(store)) == 5
    assert got["facts with provenance"] == 999 and got["sources"] == 0
