"""Large views (issue 17, item 2): a faithful reduction above the size budget, said so on
the page, communities as super-nodes that expand on click, the full data one click away."""

from __future__ import annotations

import base64
import csv
import gzip
import io
import re
import time
from pathlib import Path

import networkx as nx
import pytest

from alliancegraph import analysis, views
from alliancegraph.views.reduce import REDUCE_EDGES, needs_reduction

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]  # fmt: skip


def pairs(G: nx.Graph) -> set[tuple[str, str]]:
    return {tuple(sorted((str(u), str(v)))) for u, v in G.edges()}  # type: ignore[misc]


def hand_made() -> nx.Graph:
    """a-b 3, b-c 2, a-c 1, c-d 1, d-e 1; communities {a, b, c} and {d, e}.

    Top 1 per node: a -> ab (3), b -> ab (3), c -> bc (2), d -> cd over de (both 1: c has
    degree 3, e degree 1), e -> de. So ac is the one edge dropped.
    """
    G = nx.Graph()
    for n, c in zip("abcde", (0, 0, 0, 1, 1), strict=True):
        G.add_node(n, label=f"机构{n}", label_en=f"org {n}", type="ag:Enterprise",
                   type_label="企业", community=c)  # fmt: skip
    for u, v, w in [("a", "b", 3), ("b", "c", 2), ("a", "c", 1), ("c", "d", 1), ("d", "e", 1)]:
        G.add_edge(u, v, weight=w, label="共同成员", label_en="co-members", predicate="")
    return G


def test_backbone_keeps_the_top_k_of_either_end():
    G = hand_made()
    B = analysis.backbone(G, 1)
    assert pairs(B) == {("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")}
    assert set(B.nodes) == set(G.nodes) and B.nodes["a"]["label"] == "机构a"
    assert B.graph["backbone"]["kept"] == 4 and B.graph["backbone"]["total"] == 5
    assert "top 1" in B.graph["backbone"]["rule"]
    # k = 2: c's second edge is ac or cd (both weight 1, a and d both degree 2): a by key
    assert pairs(analysis.backbone(G, 2)) == pairs(G)
    assert G.number_of_edges() == 5  # the input is not changed


def test_backbone_tie_break_prefers_the_neighbour_of_higher_degree():
    # a star around h plus x: x's edges are all weight 1; with k = 1 it keeps x-h (h has
    # degree 4) rather than x-y (y degree 1).
    G = nx.Graph([("h", "p"), ("h", "q"), ("h", "x"), ("h", "r"), ("x", "y")])
    assert ("h", "x") in pairs(analysis.backbone(G, 1))
    B = analysis.backbone(G, 1)
    # y's only edge survives through y's own top 1; every node keeps an edge
    assert ("x", "y") in pairs(B) and all(B.degree(n) >= 1 for n in B)


def test_collapse_communities_membership_and_super_edges():
    C = analysis.collapse_communities(hand_made())
    assert sorted(C.nodes) == [0, 1]
    assert C.nodes[0]["members"] == ["a", "b", "c"] and C.nodes[0]["size"] == 3
    assert C.nodes[1]["members"] == ["d", "e"] and C.nodes[1]["size"] == 2
    assert C.nodes[0]["internal_edges"] == 3 and C.nodes[1]["internal_edges"] == 1
    assert C[0][1] == {"weight": 1.0, "edges": 1}  # only c-d crosses


def test_full_tables_hold_every_edge():
    nodes_csv, edges_csv = analysis.full_tables(hand_made(), ("community",))
    rows = list(csv.DictReader(io.StringIO(nodes_csv)))
    assert [r["iri"] for r in rows] == list("abcde") and rows[3]["community"] == "1"
    edges = list(csv.DictReader(io.StringIO(edges_csv)))
    assert len(edges) == 5 and {"source": "0", "target": "1", "weight": "3"} in edges


def test_budget():
    small = nx.gnm_random_graph(200, REDUCE_EDGES, seed=1)
    assert not needs_reduction(small)
    small.add_edge(1000, 1001)
    assert needs_reduction(small)


def _downloads(html_text: str) -> dict[str, bytes]:
    found = re.findall(r'<a href="data:([^;"]+)[^"]*;base64,([^"]+)" download="([^"]+)"',
                       html_text)  # fmt: skip
    return {name: base64.b64decode(payload) for _, payload, name in found}


def test_page_says_it_is_reduced_and_links_the_full_data(monkeypatch):
    # the budget's k on 5 nodes would be 3 (all kept): take k = 1, the rule tested above
    monkeypatch.setattr("alliancegraph.views.reduce.backbone_k", lambda G: 1)
    v = views.render(hand_made(), kind="co-membership", color_by="community", reduce=True,
                     lang="en")  # fmt: skip
    note = re.search(r'<p id="ag-reduced"[^>]*>(.*?)</p>', v.html, re.S)
    assert note, "no visible reduction note"
    text = note.group(1)
    assert "Reduced" in text and "4 of 5 edges kept" in text and "top 1 edges per node" in text
    assert "2 communities collapsed into super-nodes" in text
    assert v.edge_count == 4 and v.node_count == 5
    files = _downloads(v.html)
    assert set(files) == {"co-membership-nodes.csv", "co-membership-edges.csv.gz"}
    edges = gzip.decompress(files["co-membership-edges.csv.gz"]).decode().splitlines()
    assert len(edges) == 1 + 5  # every edge, the dropped a-c included
    assert "0,2,1" in edges
    assert "机构a" in files["co-membership-nodes.csv"].decode("utf-8")
    # nothing said on a view that is not reduced
    assert 'id="ag-reduced"' not in views.render(hand_made()).html


def test_full_data_too_big_to_embed_is_written_beside_the_page(monkeypatch, tmp_path):
    monkeypatch.setattr("alliancegraph.views.reduce.EMBED_MAX_BYTES", 10)
    v = views.render(hand_made(), kind="co-membership", color_by="community", reduce=True)
    assert '<a href="co-membership-edges.csv.gz" download=' in v.html
    v.save(tmp_path / "page.html")
    written = gzip.decompress((tmp_path / "co-membership-edges.csv.gz").read_bytes())
    assert len(written.decode().splitlines()) == 1 + 5


def two_mode_by_hand() -> nx.Graph:
    """Alliances A {p, q, r}, B {q, r, s}, C {r}: co-members p-q 1, p-r 1, q-r 2 (A and B),
    q-s 1, r-s 1; r is in three alliances, q in two."""
    B = nx.Graph()
    for a in "ABC":
        B.add_node(a, label=f"联盟{a}", type="ag:Alliance", bipartite=0)
    for o in "pqrs":
        B.add_node(o, label=f"机构{o}", type="ag:Enterprise", bipartite=1)
    B.add_edges_from([("A", "p"), ("A", "q"), ("A", "r"), ("B", "q"), ("B", "r"), ("B", "s"),
                      ("C", "r")])  # fmt: skip
    return B


def weights(G: nx.Graph) -> dict[tuple[str, str], int]:
    return {tuple(sorted((u, v))): w for u, v, w in G.edges(data="weight")}  # type: ignore[misc]


def test_comembership_is_counted_as_arrays_and_read_without_building_dicts():
    from alliancegraph.analysis.arrays import ArrayGraph
    from alliancegraph.analysis.projections import comembership_from

    G = comembership_from(two_mode_by_hand())
    assert isinstance(G, ArrayGraph) and G.pending and G.number_of_edges() == 5
    assert dict(G.nodes(data="alliances")) == {"p": 1, "q": 2, "r": 3, "s": 1}
    # the reductions and the igraph copy read the arrays: nothing builds the dicts
    B = analysis.backbone(G, 1)
    C = analysis.collapse_communities(G, "alliances")
    _, edges_csv = analysis.full_tables(G)
    s = analysis.betweenness(G, engine="igraph", _cache={})
    assert G.pending
    # top 1: q-r (2) for q and r; p and s pick q over r (both degree 3: q by key)
    assert weights(B) == {("p", "q"): 1, ("q", "r"): 2, ("q", "s"): 1}
    assert C.nodes[1]["members"] == ["p", "s"] and C[1][3] == {"weight": 2.0, "edges": 2}
    assert edges_csv.splitlines() == ["source,target,weight", "0,1,1", "0,2,1", "1,2,2", "1,3,1",
                                      "2,3,1"]  # fmt: skip
    # and the same answers as the graph built as dicts, which walking it builds
    assert weights(G) == {("p", "q"): 1, ("p", "r"): 1, ("q", "r"): 2, ("q", "s"): 1,
                          ("r", "s"): 1}  # fmt: skip
    assert not G.pending and G["q"]["r"]["label"] == "共同成员"
    plain = nx.Graph(G)
    assert weights(analysis.backbone(plain, 1)) == weights(B)
    assert analysis.full_tables(plain)[1] == edges_csv
    assert s.round(6).to_dict() == analysis.betweenness(plain, engine="igraph").round(6).to_dict()
    assert s.to_dict() == analysis.betweenness(plain, engine="networkx").to_dict()
    assert comembership_from(two_mode_by_hand(), 2).number_of_edges() == 1  # min_shared


def test_array_copy_shares_edges_and_copies_node_attributes():
    from alliancegraph.analysis.projections import comembership_from

    G = comembership_from(two_mode_by_hand())
    H = G.copy()
    H.nodes["p"]["community"] = 7
    assert "community" not in G.nodes["p"] and H.src is G.src and H.pending
    assert weights(H) == weights(G)


def test_full_tables_with_fractional_weights():
    G = nx.Graph([("a", "b", {"weight": 0.5}), ("b", "c", {"weight": 12})])
    assert analysis.full_tables(G)[1] == "source,target,weight\n0,1,0.5\n1,2,12\n"


def test_size_note_states_how_the_metric_was_measured():
    G = hand_made()
    G.graph["methods"] = {"betweenness": "sampled k=256 seed=0 (igraph)"}
    nx.set_node_attributes(G, 0.5, "betweenness")
    v = views.render(G, size_by="betweenness", lang="en", reduce=False)
    assert "by betweenness · sampled k=256 seed=0 (igraph)" in v.html


def planted(n_groups: int = 8, size: int = 125, seed: int = 3) -> nx.Graph:
    """A generated mid-size co-membership-like graph: 1,000 nodes, dense communities."""
    G = nx.planted_partition_graph(n_groups, size, 0.5, 0.01, seed=seed)
    H = nx.Graph()
    for n in G:
        H.add_node(f"n{n}", label=f"合成机构{n}", label_en=f"org {n}", type="ag:Enterprise",
                   type_label="企业", community=n // size)  # fmt: skip
    for u, v in G.edges():
        H.add_edge(f"n{u}", f"n{v}", weight=1 + (u + v) % 3, label="共同成员",
                   label_en="co-members", predicate="")  # fmt: skip
    return H


def test_size_of_a_generated_mid_size_graph():
    G = planted()
    assert G.number_of_edges() > 5 * REDUCE_EDGES  # well above the budget
    reduced = views.render(G, kind="co-membership", color_by="community", size_by="degree")
    full = views.render(G, kind="co-membership", color_by="community", size_by="degree",
                        reduce=False)  # fmt: skip
    size, full_size = len(reduced.html.encode()), len(full.html.encode())
    assert reduced.node_count == 1000 and reduced.edge_count <= REDUCE_EDGES
    assert size <= 2_000_000, size
    assert size * 3 < full_size, (size, full_size)
    assert full.edge_count == G.number_of_edges()
    # sizes measure the full graph: the best-connected node is the biggest, as on the full view
    big = max(G.degree, key=lambda nd: nd[1])[0]
    sizes = {n.key: n.size for n in reduced._spec.nodes}
    assert sizes[big] == max(sizes.values())


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def wait(page, expression: str, timeout: float = 15.0) -> None:
    """Poll ``expression`` from outside the page (its CSP forbids in-page eval)."""
    end = time.monotonic() + timeout
    while not page.evaluate(f"Boolean({expression})"):
        assert time.monotonic() < end, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


@pytest.mark.browser
def test_clicking_a_super_node_expands_it_in_chromium(browser, tmp_path):
    G = planted(n_groups=3, size=40)
    v = views.render(G, kind="co-membership", color_by="community", reduce=True)
    path = v.save(tmp_path / "reduced.html")
    ctx = browser.new_context(viewport={"width": 1200, "height": 800})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    wait(page, "window.agView && window.agView.placed === true")
    visible = "agView.nodes.get({filter: n => !n.hidden}).map(n => n.id)"
    assert sorted(page.evaluate(visible)) == [120, 121, 122]  # three super-nodes only
    assert page.locator("#ag-reduced").is_visible()
    # a real click on super-node 121 (community 1: nodes n40 … n79, ids 40 … 79)
    x, y = page.evaluate(
        "(() => { const p = agView.network.canvasToDOM(agView.network.getPosition(121));"
        " const r = document.querySelector('#ag-network canvas').getBoundingClientRect();"
        " return [r.left + p.x, r.top + p.y]; })()"
    )
    page.mouse.click(x, y)
    wait(page, "window.agView.expanded[1] === true && agView.placed === true")
    shown = set(page.evaluate(visible))
    assert shown == set(range(40, 80)) | {120, 122}
    # members of the expanded community link to the collapsed ones (bridges), not hidden ids
    bridges = page.evaluate("agView.edges.get({filter: e => String(e.id)[0] === 'b'})"
                            ".map(e => [e.from, e.to])")  # fmt: skip
    assert bridges and all(40 <= a < 80 and b in (120, 122) for a, b in bridges)
    # collapse it again (what a double-click on one of its members does)
    page.evaluate("agView.expand(1, false)")
    wait(page, "window.agView.placed === true")
    assert sorted(page.evaluate(visible)) == [120, 121, 122]
    assert not errors
    ctx.close()
