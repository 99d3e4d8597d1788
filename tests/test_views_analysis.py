"""Views compute nothing: what a view draws is what analysis answers.

On a tiny hand-made graph (a diamond of collaborations, so two shortest paths; two
alliances sharing members, so a co-membership network with known betweenness) and on the
curated graph: the path view draws exactly the paths ``analysis.path`` lists, in its
order and under its limit; the ego view shows exactly ``analysis.ego_graph``'s nodes and
facts; the co-membership view's betweenness and communities are the numbers
``analysis.central`` and ``analysis.communities`` report; radius 0 gets the same answer
from both surfaces.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from alliancegraph import analysis as an
from alliancegraph import views
from alliancegraph.cli import app
from alliancegraph.errors import UsageError
from alliancegraph.graph import AllianceGraph
from alliancegraph.inference import materialise
from alliancegraph.namespaces import AGR, GRAPH_CURATED, GRAPH_ONTOLOGY, PREFIXES
from alliancegraph.store import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent
R = AGR

# p collaborates with q1 and q2, both collaborate with t: two shortest paths p -> t, no
# alliance in between. A1 = {u1, e1, i1}, A2 = {e1, e2, i1}: co-membership edges e1-u1,
# i1-u1, e1-i1, e1-e2, e2-i1. Betweenness by hand: only u1 and e2 are not adjacent, and
# their two shortest paths run through e1 and through i1, 1/2 each; normalised by
# 2/((n-1)(n-2)) = 1/3 for n = 4 organisations: e1 = i1 = 1/6, u1 = e2 = 0.
TINY = """
agr:A1 a ag:Alliance ; rdfs:label "联盟一"@zh ;
    ag:leadInstitution agr:u1 ; org:hasMember agr:e1 ; ag:supportingInstitution agr:i1 .
agr:A2 a ag:Alliance ; rdfs:label "联盟二"@zh ; org:hasMember agr:e1 , agr:e2 ;
    ag:leadInstitution agr:i1 .
agr:u1 a ag:University ; rdfs:label "大学一"@zh .
agr:e1 a ag:Enterprise ; rdfs:label "企业一"@zh .
agr:e2 a ag:Enterprise ; rdfs:label "企业二"@zh .
agr:i1 a ag:ResearchInstitute ; rdfs:label "研究院一"@zh .
agr:p a ag:Enterprise ; rdfs:label "起点公司"@zh ; ag:collaboratesWith agr:q1 , agr:q2 .
agr:q1 a ag:University ; rdfs:label "中转一"@zh ; ag:collaboratesWith agr:t .
agr:q2 a ag:University ; rdfs:label "中转二"@zh ; ag:collaboratesWith agr:t .
agr:t a ag:Enterprise ; rdfs:label "终点公司"@zh .
agr:lonely a ag:Enterprise ; rdfs:label "孤立企业"@zh .
"""


@pytest.fixture(scope="module")
def tiny() -> AllianceGraph:
    store = ox.Store()
    store.load(path=str(ROOT / "ontology" / "alliance.ttl"), format=ox.RdfFormat.TURTLE,
               to_graph=ox.NamedNode(GRAPH_ONTOLOGY))  # fmt: skip
    prefixes = "".join(f"@prefix {p}: <{i}> .\n" for p, i in PREFIXES.items())
    store.load(prefixes + TINY, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH_CURATED))
    materialise(store)
    return AllianceGraph(EmbeddedStore(store))


def drawn(v: views.View) -> tuple[set[str], set[tuple[str, str, str]]]:
    """The nodes (IRIs) and facts (subject IRI, edge label, object IRI) a view draws."""
    spec = v._spec
    keys = [n.key for n in spec.nodes]
    facts = {(keys[e.source], spec.predicates[e.predicate][0], keys[e.target]) for e in spec.edges}
    return set(keys), facts


def listed(df) -> tuple[set[str], set[tuple[str, str, str]]]:
    """The nodes and facts an ``analysis.path`` table lists (a reversed relation is
    stated from the hop's far end)."""
    nodes = set(df["from_iri"]) | set(df["to_iri"])
    facts = set()
    for row in df.itertuples():
        reverse = row.relation.endswith("(反向)")
        label = row.relation.removesuffix(" (反向)")
        facts.add(
            (row.to_iri, label, row.from_iri) if reverse else (row.from_iri, label, row.to_iri)
        )
    return nodes, facts


def path_order(df) -> list[list[str]]:
    """The paths of an ``analysis.path`` table as IRI lists, in its order (a hop may list
    several facts)."""
    out = []
    for _, part in df.groupby("path", sort=True):
        hops = part.drop_duplicates("hop").sort_values("hop")
        out.append([hops["from_iri"].iloc[0], *hops["to_iri"]])
    return out


# -- (a) the path view draws the paths analysis lists, in its order, under its limit ------


def test_path_view_draws_exactly_the_analysis_paths_in_order(tiny):
    df = an.path(tiny, "起点公司", "终点公司")
    # by hand: p-q1-t and p-q2-t, 2 hops each, sorted by IRI (q1 before q2)
    assert path_order(df) == [[R + "p", R + "q1", R + "t"], [R + "p", R + "q2", R + "t"]]
    v = views.make(tiny, "path", "起点公司", "终点公司")
    assert drawn(v) == listed(df)
    assert (v.node_count, v.edge_count) == (4, 4)
    # order: the first path on top, the second below it, column by column
    y = {n.key: n.y for n in v._spec.nodes}
    for first, second in zip(*path_order(df), strict=True):
        if first != second:
            assert y[first] < y[second]
    assert "2 条最短路径，2 步" in v._spec.subtitle


def test_path_view_and_table_share_one_limit(tiny):
    assert views.kinds.path.__kwdefaults__["limit"] == an.PATH_LIMIT
    one = an.path(tiny, "起点公司", "终点公司", limit=1)
    v = views.make(tiny, "path", "起点公司", "终点公司", limit=1)
    (kept,) = path_order(one)  # the first path enumerated, whichever of the two
    assert kept in path_order(an.path(tiny, "起点公司", "终点公司"))
    assert drawn(v) == listed(one) and v.node_count == 3
    assert "1 条最短路径" in v._spec.subtitle
    for bad in (0, -1):
        with pytest.raises(UsageError, match="path limit"):
            an.path(tiny, "起点公司", "终点公司", limit=bad)
        with pytest.raises(UsageError, match="path limit"):
            views.make(tiny, "path", "起点公司", "终点公司", limit=bad)


def test_no_path_and_not_in_the_network(tiny):
    assert an.path(tiny, "企业一", "孤立企业").empty
    with pytest.raises(UsageError, match="no path between 企业一 and 孤立企业"):
        views.make(tiny, "path", "企业一", "孤立企业")


def test_curated_path_view_equals_the_analysis_path(graph):
    a, b = "铂制品", "重庆市功能材料技术创新战略联盟"
    df = an.path(graph, a, b)
    v = views.make(graph, "path", a, b)
    assert drawn(v) == listed(df)
    assert (v.node_count, v.edge_count) == (3, 2)  # hand counts, as in test_views
    P = an.path_graph(graph, a, b)
    assert P.graph["paths"] == path_order(df)


# -- (b) the ego view shows the analysis ego network ---------------------------------------


@pytest.mark.parametrize("radius", [1, 2])
def test_ego_view_nodes_are_the_analysis_ego_nodes(graph, radius):
    E = an.ego_graph(graph, "重材院", radius)
    v = views.make(graph, "ego", "重材院", radius=radius)
    nodes, facts = drawn(v)
    assert nodes == set(E) == set(an.ego(graph, "重材院", radius)["node"])
    assert facts == {(u, d["label"], w) for u, w, d in E.edges(data=True)}
    assert v.edge_count == E.number_of_edges()


def test_tiny_ego_by_hand(tiny):
    # e1's neighbours: its alliances A1 and A2 (membership facts); at radius 2 also their
    # other members u1, i1, e2
    for radius, expected in ((1, {"e1", "A1", "A2"}), (2, {"e1", "A1", "A2", "u1", "i1", "e2"})):
        v = views.make(tiny, "ego", "企业一", radius=radius)
        assert drawn(v)[0] == {R + n for n in expected}
        assert drawn(v)[0] == set(an.ego_graph(tiny, "企业一", radius))


# -- (c) the co-membership view shows the analysis betweenness and communities ------------


def test_comembership_betweenness_is_the_analysis_central(tiny):
    central = an.central(tiny, "betweenness", "comembership", top=None)
    values = dict(zip(central["node"], central["betweenness"], strict=True))
    assert values == pytest.approx({R + "e1": 1 / 6, R + "i1": 1 / 6, R + "u1": 0, R + "e2": 0})
    G = an.measured(tiny, "comembership", ["betweenness"], communities=True)
    assert {n: d["betweenness"] for n, d in G.nodes(data=True)} == values  # the very numbers
    v = views.make(tiny, "co-membership")
    for node in v._spec.nodes:
        assert f"betweenness: {values[node.key]:.4g}" in node.title
    size = {n.key: n.size for n in v._spec.nodes}
    assert size[R + "e1"] == size[R + "i1"] > size[R + "u1"] == size[R + "e2"]


def test_comembership_communities_are_the_analysis_communities(graph):
    parts = an.communities(graph, "comembership", members=True, seed=0)
    v = views.make(graph, "co-membership", seed=0)
    by_colour: dict[str | None, set[str]] = {}
    for n in v._spec.nodes:
        by_colour.setdefault(n.color, set()).add(n.key)
    expected = {frozenset(p["node"]) for _, p in parts.groupby("community")}
    assert {frozenset(s) for s in by_colour.values()} == expected
    # the legend numbers communities as analysis does (0 = largest)
    sizes = parts["community"].value_counts()
    assert [(lb, n) for lb, _, n in v._spec.communities] == [
        (f"社区 {c}", int(sizes[c])) for c in sorted(sizes.index)
    ]


def test_brokers_betweenness_matches_the_view(graph):
    brokers = an.brokers(graph, "comembership", top=None)
    G = an.measured(graph, "comembership", ["betweenness"])
    for node, value in zip(brokers["node"], brokers["betweenness"], strict=True):
        assert G.nodes[node]["betweenness"] == value


# -- (d) one radius rule for both surfaces -------------------------------------------------


def test_radius_zero_is_the_entity_alone_everywhere(graph):
    df = an.ego(graph, "重材院", 0)
    v = views.make(graph, "ego", "重材院", radius=0)
    assert df["node"].tolist() == [R + "chongqing-materials-research-institute"]
    assert drawn(v)[0] == set(df["node"]) and v.edge_count == 0
    for bad in (-1, 1.5):
        with pytest.raises(UsageError, match="radius must be") as a:
            an.ego(graph, "重材院", bad)
        with pytest.raises(UsageError, match="radius must be") as b:
            views.make(graph, "ego", "重材院", radius=bad)
        assert str(a.value) == str(b.value)


def test_cli_radius_zero_agrees(cli_env, tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["analyze", "ego", "重材院", "--radius", "0", "-f", "csv"])
    assert r.exit_code == 0, r.output
    assert len(r.stdout.strip().splitlines()) == 2  # header + the entity
    out = tmp_path / "ego0.html"
    r = runner.invoke(app, ["view", "ego", "重材院", "--radius", "0", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "(1 nodes, 0 edges)" in r.output
    r = runner.invoke(app, ["view", "ego", "重材院", "--radius", "-1", "-o", str(out)])
    assert r.exit_code == 2 and "radius must be" in r.output


def test_cli_full_draws_every_edge_without_reduction(cli_env, tmp_path, monkeypatch):
    monkeypatch.setattr("alliancegraph.views.reduce.REDUCE_EDGES", 5)  # curated: 15 edges
    runner = CliRunner()
    reduced, full = tmp_path / "r.html", tmp_path / "f.html"
    r = runner.invoke(app, ["view", "co-membership", "-o", str(reduced)])
    assert r.exit_code == 0, r.output
    assert 'id="ag-reduced"' in reduced.read_text(encoding="utf-8")
    r = runner.invoke(app, ["view", "co-membership", "--full", "-o", str(full)])
    assert r.exit_code == 0, r.output
    assert "warning: --full draws every edge" in r.output and "15 edges)" in r.output
    assert 'id="ag-reduced"' not in full.read_text(encoding="utf-8")
    r = runner.invoke(app, ["view", "ego", "重材院", "--full", "-o", str(full)])
    assert r.exit_code == 2 and "--full applies to the co-membership view" in r.output


def test_views_package_layout_is_pure():
    """Layout functions return positions and never touch the graph."""
    import networkx as nx

    from alliancegraph.views import layout

    G = nx.path_graph(["a", "b", "c"])
    before = list(G.nodes(data=True))
    assert layout.force(G, seed=1) == layout.force(G, seed=1)
    assert list(G.nodes(data=True)) == before
    assert set(layout.path_columns([["a", "b", "c"]])) == {"a", "b", "c"}
    assert not re.search(r"\bmeasure\(|betweenness|louvain", Path(layout.__file__).read_text())
