"""Network analysis: every metric on tiny graphs whose answers were worked out by hand
(a 3-path, two 4-cliques joined by one bridge, a star), both engines; the projections on a
tiny hand-written RDF graph; the questions on the curated graph (the path from 爱美科 to
the functional-materials alliance through 重庆材料研究院, with a quote on every edge);
determinism for a seed; GEXF/GraphML round trips; names that resolve to nothing or to
several entities; the same projections from a real Oxigraph server."""

from __future__ import annotations

import json
import math
import random
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import networkx as nx
import pandas as pd
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

import alliancegraph as ag
from alliancegraph import analysis as an
from alliancegraph.analysis import metrics as M
from alliancegraph.cli import app
from alliancegraph.errors import AmbiguousEntity, UnknownEntity, UsageError
from alliancegraph.graph import AllianceGraph
from alliancegraph.inference import materialise
from alliancegraph.namespaces import AGR, GRAPH_CURATED, GRAPH_ONTOLOGY, PREFIXES
from alliancegraph.store import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent


ENGINES = ["networkx", "igraph"]
R = AGR


# -- tiny graphs with hand-computed answers ------------------------------------------------


def path3() -> nx.Graph:
    return nx.path_graph(["a", "b", "c"])


def two_cliques() -> nx.Graph:
    """{a1..a4} and {b1..b4}, complete each, joined by the single edge a1-b1."""
    G = nx.Graph()
    for side in "ab":
        G.add_edges_from(nx.complete_graph([f"{side}{i}" for i in range(1, 5)]).edges())
    G.add_edge("a1", "b1")
    return G


def star() -> nx.Graph:
    return nx.star_graph(["c", "l1", "l2", "l3", "l4"])


def values(series: pd.Series) -> dict:
    return {k: round(float(v), 6) for k, v in series.items()}


@pytest.mark.parametrize("engine", ENGINES)
def test_path_of_three(engine):
    G = path3()
    assert values(M.degree(G)) == {"a": 1, "b": 2, "c": 1}
    assert values(M.weighted_degree(G)) == {"a": 1, "b": 2, "c": 1}
    # b is on the only path between a and c: the one pair -> 1 after normalisation.
    assert values(M.betweenness(G, engine=engine)) == {"a": 0, "b": 1, "c": 0}
    # closeness: a reaches b (1) and c (2): 2/3; b: 2/2.
    assert values(M.closeness(G, engine=engine)) == {"a": 0.666667, "b": 1, "c": 0.666667}
    # PageRank, d = 0.85: a = 0.05 + 0.425 b, b = 0.05 + 1.7 a  ->  a = 0.07125 / 0.2775.
    pr = values(M.pagerank(G, engine=engine))
    assert pr == pytest.approx({"a": 0.256757, "b": 0.486486, "c": 0.256757}, abs=1e-6)
    assert values(M.core_number(G, engine=engine)) == {"a": 1, "b": 1, "c": 1}
    # Burt: b's two contacts are not tied: effective size 2, constraint 2 * (1/2)^2.
    assert values(M.effective_size(G, engine=engine)) == {"a": 1, "b": 2, "c": 1}
    assert values(M.constraint(G, engine=engine)) == {"a": 1, "b": 0.5, "c": 1}
    cut = M.articulation_points(G, engine=engine)
    assert cut["node"].tolist() == ["b"] and cut["extra_components"].tolist() == [1]
    bridges = M.bridges(G, engine=engine)
    assert sorted(zip(bridges["source"], bridges["target"], strict=True)) == [
        ("a", "b"),
        ("b", "c"),
    ]
    assert M.components(G)["size"].tolist() == [3]
    # No split of a path beats keeping it whole: one community, modularity 0.
    parts = M.louvain(G, engine=engine)
    assert parts["community"].nunique() == 1 and parts.attrs["modularity"] == pytest.approx(0)


@pytest.mark.parametrize("engine", ENGINES)
def test_two_cliques_joined_by_a_bridge(engine):
    G = two_cliques()
    # a1 is on every path between {a2,a3,a4} and the 4 b's: 12 of the C(7,2)=21 pairs
    # that exclude it.
    bc = values(M.betweenness(G, engine=engine))
    assert bc["a1"] == bc["b1"] == round(12 / 21, 6) and bc["a2"] == 0
    # a1: distances 1,1,1 (a's), 1 (b1), 2,2,2 (b's) -> 7/10; a2: 1,1,1,2,3,3,3 -> 7/14.
    cl = values(M.closeness(G, engine=engine))
    assert cl["a1"] == 0.7 and cl["a2"] == 0.5
    assert set(values(M.core_number(G, engine=engine)).values()) == {3}
    # a1's four contacts have 3 ties among them: 4 - 2*3/4 = 2.5.
    es = values(M.effective_size(G, engine=engine))
    assert es["a1"] == 2.5 and es["a2"] == 1
    # constraint(a1) = 3 (1/4 + 2*(1/4)(1/3))^2 + (1/4)^2 = 75/144 + 9/144;
    # constraint(a2) = (1/3 + 2/9)^2 + 2 (1/3 + 1/12 + 1/9)^2 = 400/1296 + 722/1296.
    cs = values(M.constraint(G, engine=engine))
    assert cs["a1"] == round(84 / 144, 6) and cs["a2"] == round(1122 / 1296, 6)
    assert M.articulation_points(G, engine=engine)["node"].tolist() == ["a1", "b1"]
    b = M.bridges(G, engine=engine)
    assert list(zip(b["source"], b["target"], strict=True)) == [("a1", "b1")]
    # The cliques are the communities: Q = 2 (6/13 - (13/26)^2) = 11/26.
    parts = M.louvain(G, engine=engine, seed=1)
    groups = parts.groupby("community")["node"].apply(frozenset).tolist()
    assert set(groups) == {frozenset({"a1", "a2", "a3", "a4"}), frozenset({"b1", "b2", "b3", "b4"})}
    assert parts.attrs["modularity"] == pytest.approx(11 / 26)
    assert parts.attrs["engine"] == engine


@pytest.mark.parametrize("engine", ENGINES)
def test_star(engine):
    G = star()
    bc = values(M.betweenness(G, engine=engine))
    assert bc == {"c": 1, "l1": 0, "l2": 0, "l3": 0, "l4": 0}
    cl = values(M.closeness(G, engine=engine))
    assert cl["c"] == 1 and cl["l1"] == round(4 / 7, 6)
    # c = 0.03 + 3.4 l, l = 0.03 + 0.2125 c  ->  c = 0.132 / 0.2775.
    pr = values(M.pagerank(G, engine=engine))
    assert pr["c"] == pytest.approx(0.475676, abs=1e-6)
    assert pr["l1"] == pytest.approx(0.131081, abs=1e-6)
    assert values(M.effective_size(G, engine=engine))["c"] == 4
    assert values(M.constraint(G, engine=engine)) == {"c": 0.25, "l1": 1, "l2": 1, "l3": 1, "l4": 1}
    cut = M.articulation_points(G, engine=engine)
    assert cut["node"].tolist() == ["c"] and cut["extra_components"].tolist() == [3]
    assert len(M.bridges(G, engine=engine)) == 4


def test_components_and_isolates():
    G = path3()
    G.add_edge("x", "y")
    G.add_node("z")
    comps = M.components(G)
    assert comps["size"].tolist() == [3, 2, 1]
    # An isolated node has no structural hole measure (NaN), not a made-up number.
    assert math.isnan(M.constraint(G)["z"]) and math.isnan(M.effective_size(G)["z"])


def test_multigraph_is_measured_as_a_weighted_simple_graph():
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", key="p")
    G.add_edge("b", "a", key="q")
    G.add_edge("b", "c", key="p")
    assert values(M.weighted_degree(G)) == {"a": 2, "b": 3, "c": 1}
    assert values(M.degree(G)) == {"a": 1, "b": 2, "c": 1}


def random_graph() -> nx.Graph:
    G = nx.planted_partition_graph(4, 30, 0.4, 0.03, seed=4)
    rng = random.Random(2)
    for u, v in G.edges():
        G[u][v]["weight"] = rng.randint(1, 3)
    return G


def test_engines_agree_exact_and_sampled():
    G = random_graph()
    for metric in M.METRICS:
        for opts in ({}, {"exact_threshold": 10, "k": 25, "seed": 9}):
            a = M.measure(G, metric, engine="networkx", **opts)
            b = M.measure(G, metric, engine="igraph", **opts)
            if metric not in ("degree", "weighted-degree"):  # plain sums: networkx always
                assert a.attrs["engine"] == "networkx" and b.attrs["engine"] == "igraph"
            assert a.attrs["method"].split()[0] == b.attrs["method"].split()[0]
            assert b.reindex(a.index).to_numpy() == pytest.approx(a.to_numpy(), abs=1e-8), metric


def test_sampled_betweenness_says_so_and_repeats_for_a_seed():
    G = random_graph()
    one = M.betweenness(G, exact_threshold=10, k=20, seed=5)
    two = M.betweenness(G, exact_threshold=10, k=20, seed=5)
    other = M.betweenness(G, exact_threshold=10, k=20, seed=6)
    assert one.attrs["method"] == "sampled k=20 seed=5"
    pd.testing.assert_series_equal(one, two)
    assert not one.equals(other)
    assert M.betweenness(G).attrs["method"] == "exact"


@pytest.mark.parametrize("engine", ENGINES)
def test_louvain_is_deterministic_for_a_seed(engine):
    G = random_graph()
    first = M.louvain(G, seed=11, engine=engine)
    pd.testing.assert_frame_equal(first, M.louvain(G, seed=11, engine=engine))
    assert first.attrs["modularity"] > 0.4
    assert first["community"].nunique() >= 4


def test_docstring_examples_hold():
    import doctest

    for module in (M, an.projections, an.questions):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_unknown_metric_and_engine_are_usage_errors():
    with pytest.raises(UsageError, match="unknown metric"):
        M.measure(path3(), "fame")
    with pytest.raises(UsageError, match="unknown engine"):
        M.betweenness(path3(), engine="spark")


# -- projections on a tiny hand-written RDF graph -----------------------------------------

TINY = """
agr:A1 a ag:Alliance ; rdfs:label "联盟一"@zh , "Alliance one"@en ;
    schema:foundingDate "2019-06"^^xsd:gYearMonth ;
    ag:leadInstitution agr:u1 ; org:hasMember agr:e1 ; ag:supportingInstitution agr:i1 .
agr:A2 a ag:Alliance ; rdfs:label "联盟二"@zh ; schema:foundingDate "2021"^^xsd:gYear ;
    org:hasMember agr:e1 ; ag:leadInstitution agr:i1 .
agr:e2 org:memberOf agr:A2 .
agr:u1 a ag:University ; rdfs:label "大学一"@zh ; skos:altLabel "大一" , "U1" .
agr:e1 a ag:Enterprise ; rdfs:label "企业一"@zh ; ag:operatesIn agr:S1 .
agr:e2 a ag:Enterprise ; rdfs:label "企业二"@zh .
agr:i1 a ag:ResearchInstitute ; rdfs:label "研究院一"@zh ; ag:operatesIn agr:S2 .
agr:F a ag:IndustryField ; rdfs:label "领域"@zh ; ag:hasSegment agr:S1 , agr:S2 .
agr:S1 a ag:ChainSegment ; rdfs:label "上游"@zh ; ag:feedsInto agr:S2 .
agr:S2 a ag:ChainSegment ; rdfs:label "下游"@zh .
agr:src a ag:SourceDocument ; rdfs:label "测试来源"@zh .
[] a rdf:Statement ; rdf:subject agr:A1 ; rdf:predicate ag:leadInstitution ;
   rdf:object agr:u1 ; ag:evidenceText "甲牵头乙"@zh ; prov:wasDerivedFrom agr:src .
"""


@pytest.fixture(scope="module")
def tiny() -> AllianceGraph:
    """The ontology plus the tiny graph above, inferred, in an in-memory store."""
    store = ox.Store()
    onto = ox.NamedNode(GRAPH_ONTOLOGY)
    store.load(path=str(ROOT / "ontology" / "alliance.ttl"), format=ox.RdfFormat.TURTLE,
               to_graph=onto)  # fmt: skip
    prefixes = "".join(f"@prefix {p}: <{i}> .\n" for p, i in PREFIXES.items())
    store.load(prefixes + TINY, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH_CURATED))
    materialise(store)
    return AllianceGraph(EmbeddedStore(store))


def edges(G) -> set:
    return {(u.removeprefix(R), v.removeprefix(R)) for u, v in G.edges()}


def test_two_mode_roles_and_evidence(tiny):
    B = an.two_mode(tiny)
    roles = {(u.removeprefix(R), v.removeprefix(R)): d["role"] for u, v, d in B.edges(data=True)}
    roles = {tuple(sorted(k)): r for k, r in roles.items()}
    assert roles == {
        ("A1", "u1"): "lead",
        ("A1", "e1"): "member",
        ("A1", "i1"): "supporting",
        ("A2", "e1"): "member",
        ("A2", "e2"): "member",  # stated as org:memberOf, the inverse
        ("A2", "i1"): "lead",
    }
    lead = B.edges[R + "A1", R + "u1"]
    assert lead["roles"] == "lead|member" and lead["predicate"] == "ag:leadInstitution"
    assert (lead["label"], lead["label_en"]) == ("牵头单位", "lead institution")
    assert (lead["evidence"], lead["source"]) == ("甲牵头乙", "测试来源")
    assert B.edges[R + "A1", R + "e1"]["evidence"] == ""
    assert B.nodes[R + "A1"]["bipartite"] == 0 and B.nodes[R + "u1"]["bipartite"] == 1


def test_node_contract(tiny):
    B = an.two_mode(tiny)
    u1 = B.nodes[R + "u1"]
    assert u1["label"] == u1["label_zh"] == "大学一" and u1["label_en"] == ""
    assert (u1["type"], u1["type_label"]) == ("ag:University", "高等院校")
    assert u1["aliases"] == "U1|大一" and u1["synthetic"] is False
    assert B.nodes[R + "A1"]["label_en"] == "Alliance one"


def test_comembership_and_overlap_by_hand(tiny):
    C = an.comembership(tiny)
    weights = {
        tuple(sorted((u.removeprefix(R), v.removeprefix(R)))): w
        for u, v, w in C.edges(data="weight")
    }
    # A1 = {u1, e1, i1}, A2 = {e1, e2, i1}: e1 and i1 share both alliances.
    assert weights == {
        ("e1", "u1"): 1, ("i1", "u1"): 1, ("e1", "i1"): 2, ("e1", "e2"): 1, ("e2", "i1"): 1,
    }  # fmt: skip
    assert C.nodes[R + "e1"]["alliances"] == 2 and C.nodes[R + "u1"]["alliances"] == 1
    assert C.edges[R + "e1", R + "i1"]["label"] == "共同成员"
    overlap = an.alliance_overlap(tiny)
    e = overlap.edges[R + "A1", R + "A2"]
    assert (e["weight"], e["jaccard"]) == (2, 0.5)  # {e1, i1} of {u1, e1, i1, e2}
    leads = an.comembership(tiny, roles=("lead",))
    assert leads.number_of_edges() == 0 and set(leads) == {R + "u1", R + "i1"}


def test_filters_by_type_alliance_and_date(tiny):
    assert edges(an.two_mode(tiny, types=["University"])) == {("A1", "u1")}
    assert {a for a, _ in edges(an.two_mode(tiny, alliances=[R + "A2"]))} == {"A2"}
    # A1 was founded 2019-06, A2 in 2021: dates compare at the precision they have.
    assert {a for a, _ in edges(an.two_mode(tiny, until="2020"))} == {"A1"}
    assert {a for a, _ in edges(an.two_mode(tiny, until="2019-06-15"))} == {"A1"}
    assert {a for a, _ in edges(an.two_mode(tiny, since="2019-07"))} == {"A2"}
    with pytest.raises(UsageError, match="bad date"):
        an.two_mode(tiny, since="June 2020")


def test_entity_graph_keeps_stated_facts_only(tiny):
    E = an.entity_graph(tiny)
    facts = {(u.removeprefix(R), k, v.removeprefix(R)) for u, v, k in E.edges(keys=True)}
    assert ("e2", "org:memberOf", "A2") in facts
    assert ("A2", "org:hasMember", "e2") not in facts  # entailed by the inverse
    assert ("A1", "org:hasMember", "u1") not in facts  # entailed: a lead is a member
    assert len([f for f in facts if f[0] in ("A1", "A2", "e2")]) == 6
    # Literals stay attributes: no node for a date or a label.
    assert all(str(n).startswith(R) for n in E)
    assert R + "src" not in E  # sources lend their label to edges, they are not actors


def test_chain_order_and_gaps(tiny):
    G = an.industry_chain(tiny)
    assert G.nodes[R + "S1"]["chain_order"] == 0 and G.nodes[R + "S2"]["chain_order"] == 1
    gaps = an.chain_gaps(tiny).set_index("label")
    assert bool(gaps.loc["上游", "gap"]) is True and gaps.loc["上游", "enterprises"] == 1
    assert bool(gaps.loc["下游", "gap"]) is False and gaps.loc["下游", "institutes"] == 1


def test_composition_counts_by_hand(tiny):
    mix = an.composition(tiny).set_index("label")
    assert mix.loc["联盟一", ["enterprises", "universities", "institutes"]].tolist() == [1, 1, 1]
    assert mix.loc["联盟二", ["enterprises", "universities", "institutes"]].tolist() == [2, 0, 1]
    assert mix.loc["联盟二", "产_share"] == round(2 / 3, 3)


# -- the curated graph -------------------------------------------------------------------


def test_path_from_platinum_runs_through_cmri_with_evidence(graph):
    # 爱美科 is one hop from the alliance since issue 15: the article says it moved because
    # the alliance 拥有大量专业资源 (ag:attractedBy)
    direct = an.path(graph, "爱美科", "重庆市功能材料技术创新战略联盟")
    assert direct.attrs["length"] == 1 and list(direct["predicate"]) == ["ag:attractedBy"]
    df = an.path(graph, "铂制品", "重庆市功能材料技术创新战略联盟")
    assert df.attrs["paths"] == 1 and df.attrs["length"] == 2
    assert df["to_iri"].iloc[0] == R + "chongqing-materials-research-institute"
    assert df["to"].iloc[0] == "重庆材料研究院"
    assert set(df["predicate"]) >= {"ag:operatesIn", "ag:leadInstitution"}
    assert (df["evidence"] != "").all() and (df["source"] != "").all()
    lead = df[df["predicate"] == "ag:leadInstitution"].iloc[0]
    assert lead["evidence"] == "由重材院牵头建立的重庆市功能材料技术创新战略联盟"
    assert lead["source"] == "24个创新联盟助重庆重点产业加速跑"


def test_unknown_and_ambiguous_names(graph):
    with pytest.raises(UnknownEntity):
        an.path(graph, "爱美科", "没有这个单位")
    with pytest.raises(AmbiguousEntity) as info:
        an.ego(graph, "联盟")
    assert len(info.value.candidates) > 1


def test_cli_names_candidates_without_a_traceback(cli_env):
    runner = CliRunner()
    r = runner.invoke(app, ["analyze", "ego", "联盟"], env=cli_env)
    assert r.exit_code == 2
    assert r.stderr.startswith("error: ") and "重庆市物联网技术创新战略联盟" in r.stderr
    assert "Traceback" not in r.output + r.stderr
    r = runner.invoke(app, ["analyze", "path", "爱美科", "没有这个单位"], env=cli_env)
    assert r.exit_code == 2 and "no entity matches" in r.stderr


def test_alliance_filter_must_name_an_alliance(graph, cli_env):
    mix = an.composition(graph, alliances=["通用航空装备技术创新战略联盟"])
    assert mix["label"].tolist() == ["重庆市通用航空装备技术创新战略联盟"]
    # only alliances are candidates (issue 15): the field's exact label names the alliance
    same = an.composition(graph, alliances=["通用航空"])
    assert same["label"].tolist() == ["重庆市通用航空装备技术创新战略联盟"]
    with pytest.raises(UsageError, match="not an alliance"):
        an.composition(graph, alliances=["agr:field-general-aviation"])  # the field itself
    r = CliRunner().invoke(
        app, ["analyze", "composition", "--alliance", "重庆邮电大学"], env=cli_env
    )
    assert r.exit_code == 2 and "not an alliance" in r.stderr


def test_cli_path_and_json(cli_env):
    runner = CliRunner()
    r = runner.invoke(app, ["analyze", "path", "铂制品", "重庆市功能材料技术创新战略联盟"],
                      env=cli_env)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert (
        "重庆材料研究院" in r.stdout
        and "由重材院牵头建立的重庆市功能材料技术创新战略联盟" in r.stdout
    )
    r = runner.invoke(app, ["analyze", "central", "-m", "betweenness", "-f", "json"], env=cli_env)
    out = json.loads(r.stdout)
    assert out["meta"]["engine"] in ("igraph", "networkx") and out["meta"]["method"] == "exact"
    assert out["rows"][0]["rank"] == 1 and out["rows"][0]["betweenness"] > 0
    r = runner.invoke(app, ["analyze", "coverage", "-f", "csv"], env=cli_env)
    assert r.exit_code == 0 and r.stdout.startswith("measure,scope,reported")


def test_curated_composition_chain_gaps_and_coverage(graph):
    mix = an.composition(graph).set_index("alliance")
    aviation = mix.loc[R + "alliance-general-aviation"]
    # the lead alone since issue 15: the four institutions the members drew on (依托) are
    # no supporting institutions of the alliance
    assert (aviation["enterprises"], aviation["universities"], aviation["members"]) == (1, 0, 1)
    gaps = an.chain_gaps(graph).set_index("label")
    assert gaps.loc[["机器人产业链上游", "机器人产业链中游", "机器人产业链下游"], "gap"].all()
    # 重材院's strength is 铂制品 (issue 15; the article names it), so 贵金属 has only 爱美科
    assert not gaps.loc["铂制品", "gap"] and gaps.loc["贵金属", "gap"]
    assert gaps.loc["标签打印机", "gap"]
    # by statistic: two sources report a member-units figure (the system's 1934, the smart-
    # sensing alliance's 58 first members)
    cov = an.coverage(graph).set_index("statistic")
    members = cov.loc["agr:stat-member-units"]
    assert members["measure"] == "成员单位数"
    # counted within the system: the 3 leads of the article's 6 alliances (memberships.csv),
    # not the members of the alliances only other sources name (化工新材料: 2 leads, 4 members)
    assert (members["reported"], members["counted"], members["gap"]) == (1934, 3, 1931)
    alliances = cov.loc["agr:stat-alliances"]
    assert (alliances["reported"], alliances["counted"]) == (24, 6)
    smart = cov.loc["agr:stat-smart-sensing-first-members"]
    assert (smart["reported"], smart["counted"]) == (58, 0)  # no member of it is named
    assert cov.loc["agr:stat-functional-materials-roadmap-fields", "counted"] == 3
    assert pd.isna(cov.loc["agr:stat-national-funding", "counted"])  # not modelled: no fake count


def test_questions_repeat_for_a_seed(graph):
    one = an.communities(graph, seed=3, members=True)
    two = an.communities(graph, seed=3, members=True)
    pd.testing.assert_frame_equal(one, two)
    assert one.attrs["modularity"] > 0.3
    pd.testing.assert_frame_equal(an.brokers(graph, seed=1), an.brokers(graph, seed=1))
    top = an.central(graph, "degree", top=3)
    assert top["rank"].tolist() == [1, 2, 3] and top.attrs["method"] == "exact"


def test_curated_projection_contract(graph):
    E = an.entity_graph(graph)
    node_keys = {"label", "label_zh", "label_en", "type", "type_label", "aliases", "synthetic"}
    edge_keys = {"predicate", "label", "label_en", "evidence", "source"}
    assert all(node_keys <= set(d) for _, d in E.nodes(data=True))
    assert all(edge_keys <= set(d) for *_, d in E.edges(data=True))
    assert all(d["evidence"] for *_, d in E.edges(data=True))  # every curated fact has one
    cmri = E.nodes[R + "chongqing-materials-research-institute"]
    assert (cmri["type"], cmri["type_label"], cmri["aliases"]) == (
        "ag:ResearchInstitute", "科研机构", "重材院",
    )  # fmt: skip


def test_gexf_and_graphml_round_trip_keep_labels_and_edge_types(graph, tmp_path):
    E = an.entity_graph(graph)
    for fmt, read in (("gexf", nx.read_gexf), ("graphml", nx.read_graphml)):
        path = an.write_graph(E, tmp_path / f"entity.{fmt}")
        back = read(path)
        assert back.number_of_nodes() == E.number_of_nodes()
        assert back.number_of_edges() == E.number_of_edges()
        for n, d in E.nodes(data=True):
            assert back.nodes[n]["label"] == d["label"]
            assert back.nodes[n]["type"] == d["type"]
        kinds = sorted((u, v, d["predicate"], d["label"]) for u, v, d in E.edges(data=True))
        again = sorted((u, v, d["predicate"], d["label"]) for u, v, d in back.edges(data=True))
        assert kinds == again, fmt
    table = pd.read_csv(an.write_graph(an.two_mode(graph), tmp_path / "two-mode.csv"))
    assert {"Source", "Target", "Weight", "role", "evidence"} <= set(table.columns)
    # edges: 5 leads (3 in memberships.csv, 2 of the chemical alliance) and 4 members; no
    # supporting institutions since issue 15. Nodes in two-mode.nodes.csv (test_defects_13_misc)
    assert len(table) == 9


def test_metrics_as_rdf_in_their_own_graph(graph, tmp_path):
    table = an.metric_table(an.entity_graph(graph), ("degree", "betweenness"))
    quads = an.metrics_to_quads(table, "entity")
    assert {q.graph_name.value for q in quads} == {R + "graph-analysis-entity"}
    path = an.write_quads(quads, tmp_path / "metrics.nq")
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.N_QUADS)
    cmri = ox.NamedNode(R + "chongqing-materials-research-institute")
    degree = ox.NamedNode("https://w3id.org/alliancegraph/analysis#degree")
    (q,) = list(store.quads_for_pattern(cmri, degree, None, None))
    assert float(q.object.value) == table.set_index("node").loc[cmri.value, "degree"]


# -- the same projections from a real SPARQL server --------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def remote(bundled_build, tmp_path_factory):
    """`oxigraph serve --union-default-graph` with the build published; stopped after."""
    from alliancegraph.store import publish_dataset

    exe = shutil.which("oxigraph")
    assert exe, "the `oxigraph` server CLI (PyPI package oxigraph) must be installed"
    port = _free_port()
    location = tmp_path_factory.mktemp("oxigraph-analysis")
    proc = subprocess.Popen(
        [exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
         "--union-default-graph"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.1)
        publish_dataset(bundled_build.nquads_path, f"{base}/query")
        yield ag.open(endpoint=f"{base}/query")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.server
def test_projections_are_the_same_on_a_remote_engine(graph, remote):
    for name in ("entity", "two-mode", "chain"):
        here, there = an.projection(graph, name), an.projection(remote, name)
        assert sorted(here.nodes(data=True)) == sorted(there.nodes(data=True)), name
        assert sorted(map(repr, here.edges(data=True))) == sorted(
            map(repr, there.edges(data=True))
        ), name
    a = an.path(remote, "爱美科", "重庆市功能材料技术创新战略联盟")
    pd.testing.assert_frame_equal(a, an.path(graph, "爱美科", "重庆市功能材料技术创新战略联盟"))


# -- the catalogue kept in the build's folder ------------------------------------------------


def _fields(c) -> dict:
    names = ("labels", "aliases", "classes", "supers", "subproperties", "inverses",
             "symmetric", "synthetic", "dates", "positions", "starts", "_specific")  # fmt: skip
    return {n: getattr(c, n) for n in names}


def test_the_catalogue_is_kept_in_the_build_folder_and_read_back_whole(tmp_path, monkeypatch):
    from alliancegraph.analysis import projections as P

    root = Path(__file__).resolve().parent.parent
    g = ag.open(root=root, cache_dir=tmp_path / "cache")
    kept = g.build.path / P.CATALOGUE_FILE
    assert not kept.exists()
    first = P.catalogue(g)
    assert kept.exists()
    whole = _fields(P.Catalogue.read(g))
    assert _fields(first) == whole
    assert whole["labels"] and whole["classes"] and whole["positions"] and whole["_specific"]
    # Another process (here: another graph object) reads the file, not the store.
    monkeypatch.setattr(P.Catalogue, "read", classmethod(lambda cls, g: pytest.fail("read")))
    again = ag.open(root=root, cache_dir=tmp_path / "cache")
    assert _fields(P.catalogue(again)) == whole
    assert again.analyze.projection("two-mode").number_of_nodes() > 0


def test_a_kept_catalogue_of_other_code_or_damaged_is_read_anew(tmp_path, monkeypatch):
    from alliancegraph.analysis import projections as P

    root = Path(__file__).resolve().parent.parent
    g = ag.open(root=root, cache_dir=tmp_path / "cache")
    whole = _fields(P.catalogue(g))
    kept = g.build.path / P.CATALOGUE_FILE
    good = kept.read_bytes()
    head, body = good.split(b"\n", 1)
    digest = head.split()[1]
    for bad in (
        b"older-code " + digest + b"\n" + body,  # made by other code: not trusted
        good[: len(good) // 2],  # cut short
        good.replace("重庆邮电大学".encode(), "重庆大学".encode()),  # edited
        b"",
    ):
        assert bad != good
        kept.write_bytes(bad)
        fresh = ag.open(root=root, cache_dir=tmp_path / "cache")
        assert _fields(P.catalogue(fresh)) == whole
        assert kept.read_bytes() == good  # and written again whole
    # A cache that cannot be written to still analyses.
    kept.unlink()
    from alliancegraph import fileio

    monkeypatch.setattr(fileio, "atomic_write", lambda *a: (_ for _ in ()).throw(OSError("ro")))
    fresh = ag.open(root=root, cache_dir=tmp_path / "cache")
    assert _fields(P.catalogue(fresh)) == whole and not kept.exists()
