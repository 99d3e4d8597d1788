"""Faithful reductions of a large network, for views that must stay readable and fast.

- :func:`backbone`: every node, and for each node its ``k`` strongest edges. Rule: a node's
  edges are ranked by weight (highest first), ties broken by the other end's degree
  (highest first), then by the other end's key (as text, ascending); an edge is kept when
  it is among the top ``k`` of either of its ends. So every node that had an edge keeps
  at least one, and the result has at most ``k`` x nodes edges.
- :func:`collapse_communities`: one super-node per community, its ``members`` (sorted) and
  ``size`` (their count); super-edges carry the summed ``weight`` and the number of
  original ``edges`` between two communities.
- :func:`full_tables`: the whole graph as two CSV texts (nodes with an integer ``id``,
  edges by those ids), so a reduced view can still hand over every edge.

Nothing here changes the graph it is given.

>>> import networkx as nx
>>> G = nx.Graph([("a", "b", {"weight": 3}), ("a", "c", {"weight": 1}), ("b", "c", {"weight": 2})])
>>> sorted(tuple(sorted(e)) for e in backbone(G, 1).edges)
[('a', 'b'), ('b', 'c')]
"""

from __future__ import annotations

import csv
import heapq
import io
from collections import defaultdict
from collections.abc import Hashable
from typing import Any

import networkx as nx

__all__ = ["BACKBONE_RULE", "backbone", "collapse_communities", "full_tables"]

#: The rule :func:`backbone` applies, in words (views print it on the page).
BACKBONE_RULE = (
    "top {k} edges per node by weight (ties: the neighbour of higher degree first); "
    "an edge stays if it is in the top {k} of either end"
)


def _weight(d: dict[str, Any], weight: str) -> float:
    try:
        return float(d.get(weight, 1) or 0)
    except (TypeError, ValueError):
        return 1.0


def backbone(G: nx.Graph, k: int = 2, *, weight: str = "weight") -> nx.Graph:
    """A copy of ``G`` with every node and only the edges that are among the ``k``
    strongest of at least one of their ends (the rule in the module docstring).
    ``G.graph["backbone"]`` records ``k``, the rule and the edge counts (kept, total)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    multi = G.is_multigraph()
    edges = list(G.edges(keys=True, data=True) if multi else G.edges(data=True))
    degree = dict(G.degree())
    incident: dict[Hashable, list[tuple[float, int, str, int]]] = defaultdict(list)
    for i, e in enumerate(edges):
        u, v, d = e[0], e[1], e[-1]
        w = _weight(d, weight)
        if u == v:
            continue
        # sort key, smallest first: higher weight, higher neighbour degree, lower key
        incident[u].append((-w, -degree[v], str(v), i))
        incident[v].append((-w, -degree[u], str(u), i))
    keep: set[int] = set()
    for ranked in incident.values():
        keep.update(item[3] for item in heapq.nsmallest(k, ranked))
    H = G.__class__()
    H.graph.update(G.graph)
    H.add_nodes_from(G.nodes(data=True))
    for i in sorted(keep):
        e = edges[i]
        if multi:
            H.add_edge(e[0], e[1], key=e[2], **e[3])
        else:
            H.add_edge(e[0], e[1], **e[2])
    H.graph["backbone"] = {
        "k": k,
        "rule": BACKBONE_RULE.format(k=k),
        "kept": H.number_of_edges(),
        "total": G.number_of_edges(),
    }
    return H


def collapse_communities(
    G: nx.Graph, attr: str = "community", *, weight: str = "weight"
) -> nx.Graph:
    """The community graph of ``G``: one node per value of the node attribute ``attr``
    (nodes without it are left out), keyed by that value, with ``members`` (the member
    keys, sorted as text) and ``size``; an edge between two communities carries
    ``weight`` (the summed weights of the edges between their members) and ``edges``
    (how many there are). Edges inside a community are counted on its node as
    ``internal_edges``."""
    of = {n: c for n, c in G.nodes(data=attr) if c is not None}
    members: dict[Any, list[Hashable]] = defaultdict(list)
    for n, c in of.items():
        members[c].append(n)
    C = nx.Graph()
    for c in sorted(members, key=str):
        ms = sorted(members[c], key=str)
        C.add_node(c, members=ms, size=len(ms), internal_edges=0)
    for u, v, d in G.edges(data=True):
        cu, cv = of.get(u), of.get(v)
        if cu is None or cv is None:
            continue
        if cu == cv:
            C.nodes[cu]["internal_edges"] += 1
            continue
        if C.has_edge(cu, cv):
            C[cu][cv]["weight"] += _weight(d, weight)
            C[cu][cv]["edges"] += 1
        else:
            C.add_edge(cu, cv, weight=_weight(d, weight), edges=1)
    return C


def full_tables(G: nx.Graph, node_attrs: tuple[str, ...] = ()) -> tuple[str, str]:
    """The whole graph as CSV text: a node table (``id``, ``iri``, ``label``, ``label_en``,
    ``type``, then ``node_attrs``) and an edge table (``source``, ``target``, ``weight``,
    by node id), in the graph's order."""
    index = {n: i for i, n in enumerate(G.nodes)}
    nodes = io.StringIO()
    w = csv.writer(nodes, lineterminator="\n")
    w.writerow(["id", "iri", "label", "label_en", "type", *node_attrs])
    for n, d in G.nodes(data=True):
        extra = [d.get(a, "") for a in node_attrs]
        w.writerow([index[n], n, d.get("label", ""), d.get("label_en", ""), d.get("type", ""),
                    *extra])  # fmt: skip
    lines = ["source,target,weight"]
    for u, v, d in G.edges(data=True):
        lines.append(f"{index[u]},{index[v]},{_weight(d, 'weight'):g}")
    return nodes.getvalue(), "\n".join(lines) + "\n"
