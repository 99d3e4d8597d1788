"""Views of large networks: above a size budget a view draws a faithful reduction and says so.

Budget: a graph with more than :data:`REDUCE_EDGES` edges or more than
:data:`REDUCE_NODES` nodes. Such a view draws

- every node, with only the backbone edges :func:`alliancegraph.analysis.backbone`
  keeps (top ``k`` per node by weight, ``k = REDUCE_EDGES // nodes``, 1 to 3);
- when the nodes carry communities (the colour attribute, or ``community``), one
  super-node per community (size = members, from
  :func:`alliancegraph.analysis.collapse_communities`) at its members' centre, with the
  summed edges between communities; a click on a super-node shows its members;
- a note on the page: the rule, "n of m edges", and links to the full data (node and edge
  CSV from :func:`alliancegraph.analysis.full_tables`, embedded as ``data:`` URIs; the edge
  table gzip-compressed; a table over 2 MB compressed is written beside the HTML by
  :meth:`~.view.View.save` instead), so nothing is lost, only not drawn.

Node sizes are measured on the full graph, never on the backbone. Nothing is computed
here: the reduction and the tables come from :mod:`alliancegraph.analysis`.
"""

from __future__ import annotations

import base64
import gzip
import math
from collections.abc import Hashable
from typing import Any

import networkx as nx

from .. import analysis
from .spec import TEXT, Cluster, Spec, build_spec, metric_values

__all__ = [
    "EMBED_MAX_BYTES",
    "REDUCE_EDGES",
    "REDUCE_NODES",
    "backbone_k",
    "needs_reduction",
    "reduced_spec",
]

#: Size budget: above this many edges (or :data:`REDUCE_NODES` nodes) a view is reduced.
REDUCE_EDGES = 5_000
REDUCE_NODES = 2_000
#: A full-data table larger than this (compressed) is not embedded in the page:
#: :meth:`~.view.View.save` writes it beside the HTML, and the link points there.
EMBED_MAX_BYTES = 2_000_000

_NOTE = {
    "zh": (
        "已精简（超过 {budget}）：边按规则稀疏化：每个节点按权重保留前 {k} 条边（权重相同时"
        "邻居度数高者优先；在任一端的前 {k} 条内即保留），共保留 {kept:,} / {total:,} 条边，"
        "{nodes:,} 个节点全部保留。"
    ),
    "en": (
        "Reduced (above {budget}): edges sparsified by a rule: {rule}; {kept:,} of "
        "{total:,} edges kept, all {nodes:,} nodes kept."
    ),
}
_BUDGET = {
    "zh": f"{REDUCE_EDGES:,} 条边或 {REDUCE_NODES:,} 个节点",
    "en": f"{REDUCE_EDGES:,} edges or {REDUCE_NODES:,} nodes",
}
_COLLAPSED = {
    "zh": " {n} 个社区合并为超级节点（大小 = 成员数），点击展开其成员，双击成员折叠。",
    "en": " {n} communities collapsed into super-nodes (size = members): click one to "
    "expand its members, double-click a member to collapse it again.",
}
_FULL = {"zh": "完整数据：", "en": "Full data:"}
_CLUSTER_TITLE = {
    "zh": "{label}\n{n:,} 个成员，其间 {internal:,} 条边\n最大成员：{top}\n点击展开",
    "en": "{label}\n{n:,} members, {internal:,} edges among them\nlargest: {top}\nclick to expand",
}
_CLUSTER_EDGE = {
    "zh": "{a} — {b}\n{edges:,} 条边，权重合计 {weight:g}",
    "en": "{a} — {b}\n{edges:,} edges, total weight {weight:g}",
}


def needs_reduction(G: nx.Graph) -> bool:
    """Whether ``G`` is above the size budget (more than REDUCE_EDGES edges or
    REDUCE_NODES nodes)."""
    return G.number_of_edges() > REDUCE_EDGES or G.number_of_nodes() > REDUCE_NODES


def backbone_k(G: nx.Graph) -> int:
    """Edges kept per node: as many as fit the edge budget on average, 1 to 3."""
    return max(1, min(3, REDUCE_EDGES // max(1, G.number_of_nodes())))


def _data_uri(mime: str, payload: bytes) -> str:
    return f"data:{mime};base64," + base64.b64encode(payload).decode("ascii")


def reduced_spec(G: nx.Graph, **kw: Any) -> Spec:
    """The spec of ``G``'s reduction (``kw`` as :func:`~.spec.build_spec` takes them)."""
    lang = kw["lang"]
    text = TEXT[lang]
    k = backbone_k(G)
    B = analysis.backbone(G, k)
    size_by = kw.get("size_by")
    if isinstance(size_by, str) and not any(size_by in a for _, a in G.nodes(data=True)):
        # sizes are a measure of the full graph, not of its backbone
        full = metric_values(G, size_by, kw.get("seed", 0)) or {}
        for n, v in full.items():
            B.nodes[n][size_by] = v
    spec = build_spec(B, **kw)
    info = B.graph["backbone"]
    note = _NOTE[lang].format(budget=_BUDGET[lang], k=k, rule=info["rule"], kept=info["kept"],
                              total=info["total"], nodes=G.number_of_nodes())  # fmt: skip

    color_by = kw.get("color_by", "type")
    attr = color_by if color_by != "type" else "community"
    if any(a.get(attr) is not None for _, a in G.nodes(data=True)):
        C = analysis.collapse_communities(G, attr)
        index = {n.key: i for i, n in enumerate(spec.nodes)}
        biggest = max((d["size"] for _, d in C.nodes(data=True)), default=1)
        name = text["community"] if attr == "community" else attr
        cluster_of: dict[Hashable, int] = {}
        for c, d in C.nodes(data=True):
            members = [index[m] for m in d["members"]]
            xs = [spec.nodes[i].x for i in members]
            ys = [spec.nodes[i].y for i in members]
            top = sorted(members, key=lambda i: (-spec.nodes[i].size, spec.nodes[i].label))[:3]
            label = f"{name} {c} ({d['size']:,})"
            title = _CLUSTER_TITLE[lang].format(
                label=label, n=d["size"], internal=d["internal_edges"],
                top="、".join(spec.nodes[i].label for i in top),
            )  # fmt: skip
            cluster_of[c] = len(spec.clusters)
            spec.clusters.append(
                Cluster(
                    label=label,
                    members=members,
                    x=round(sum(xs) / len(xs), 1),
                    y=round(sum(ys) / len(ys), 1),
                    size=round(16 + 44 * math.sqrt(d["size"] / biggest), 1),
                    title=title,
                    color=spec.nodes[members[0]].color or "#888888",
                )
            )
        wmax = max((w for *_, w in C.edges(data="weight")), default=1.0)
        for a, b, d in C.edges(data=True):
            i, j = cluster_of[a], cluster_of[b]
            title = _CLUSTER_EDGE[lang].format(a=spec.clusters[i].label, b=spec.clusters[j].label,
                                               edges=d["edges"], weight=d["weight"])  # fmt: skip
            width = round(1 + 11 * math.sqrt(d["weight"] / wmax), 2)
            spec.cluster_edges.append((i, j, width, title))
        note += _COLLAPSED[lang].format(n=len(spec.clusters))

    nodes_csv, edges_csv = analysis.full_tables(
        G, tuple(a for a in (attr, size_by) if isinstance(a, str) and a != "degree")
    )
    stem = spec.kind.replace(" ", "-") or "graph"
    raw = edges_csv.encode()
    # a table that cannot be embedded anyway is compressed fast (95 MB at 10x: 0.5 s at
    # level 1, 20 % larger than level 6's 2.5 s)
    level = 6 if len(raw) <= 10 * EMBED_MAX_BYTES else 1
    files = [
        (f"{stem}-nodes.csv", "text/csv;charset=utf-8", nodes_csv.encode("utf-8")),
        (f"{stem}-edges.csv.gz", "application/gzip", gzip.compress(raw, level, mtime=0)),
    ]
    for name, mime, payload in files:
        if len(payload) <= EMBED_MAX_BYTES:
            spec.downloads.append((name, _data_uri(mime, payload)))
        else:  # too big for the page: View.save writes it beside the HTML
            spec.downloads.append((name, name))
            spec.side_files[name] = payload
    spec.reduction = note + " " + _FULL[lang]
    return spec
