"""Large weighted graphs kept as arrays: :class:`ArrayGraph`, and the array form of any graph.

The co-membership projection at 10x synthetic scale has 19,349 nodes and 7.4 M edges: as
networkx dicts it took 28 s to build, 60 s to copy and GBs of memory, while what the views
and the metrics need of it (an igraph copy, the top edges per node, sums per community, an
edge table) is array work. An :class:`ArrayGraph` *is* a networkx ``Graph`` (the attribute
contract of :mod:`alliancegraph.analysis` holds: nodes carry their attributes, every edge
the same derived attributes plus its ``weight``), but its edges stay in numpy arrays until
something walks them as dicts; then they are built once, exactly as if they had been
added one by one. Code that knows the arrays (:func:`edge_arrays`, the igraph copy in
:mod:`.metrics`, :mod:`.reductions`) never builds the dicts.

Nothing here reads the store; the graphs are only read, never changed.
"""

from __future__ import annotations

import gc
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

__all__ = ["ArrayGraph", "EdgeArrays", "edge_arrays", "int_csv", "paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Keep Python's cyclic garbage collector off while building large graphs (scanning
    millions of fresh dicts and tuples cost more than building them)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class _LazyAdj:
    """The ``_adj`` of an :class:`ArrayGraph`: filled from the arrays on first read, and
    reset like networkx's own descriptor on write."""

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        od = obj.__dict__
        if od.get("_pending"):
            obj._fill()
        return od["_adj"]

    def __set__(self, obj: Any, value: Any) -> None:
        od = obj.__dict__
        od["_adj"] = value
        for prop in ("adj", "edges", "degree"):
            od.pop(prop, None)


class ArrayGraph(nx.Graph):
    """An undirected simple weighted graph whose edges live in arrays until walked as dicts.

    Edge ``i`` joins node ``src[i]`` and node ``dst[i]`` (positions in node order,
    ``src < dst``) with weight ``weight[i]``; every edge carries ``edge_attrs`` too. Made by
    :meth:`from_arrays`; an ArrayGraph made empty behaves as a plain ``nx.Graph``.

    >>> G = ArrayGraph.from_arrays([("a", {}), ("b", {}), ("c", {})], [0, 1], [1, 2], [2, 1],
    ...                            {"label": "共同成员"})
    >>> G.number_of_edges(), G.pending
    (2, True)
    >>> G["a"]["b"], G.pending
    ({'label': '共同成员', 'weight': 2}, False)
    """

    _adj = _LazyAdj()
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    edge_attrs: dict[str, Any]

    @classmethod
    def from_arrays(
        cls,
        nodes: list[tuple[Hashable, dict[str, Any]]],
        src: Any,
        dst: Any,
        weight: Any,
        edge_attrs: dict[str, Any] | None = None,
        **graph_attrs: Any,
    ) -> ArrayGraph:
        G = cls(**graph_attrs)
        with paused_gc():
            G.add_nodes_from(nodes)
        G.src = np.asarray(src, dtype=np.int64)
        G.dst = np.asarray(dst, dtype=np.int64)
        G.weight = np.asarray(weight)
        G.edge_attrs = dict(edge_attrs or {})
        G.__dict__["_pending"] = True
        return G

    @property
    def pending(self) -> bool:
        """True while the edges are only arrays (nothing has walked them as dicts yet)."""
        return bool(self.__dict__.get("_pending"))

    def _fill(self) -> None:
        self.__dict__["_pending"] = False
        adj = self.__dict__["_adj"]
        keys = list(self._node)
        base = self.edge_attrs
        with paused_gc():
            for s, d, w in zip(self.src.tolist(), self.dst.tolist(), self.weight.tolist(),
                               strict=True):  # fmt: skip
                u, v = keys[s], keys[d]
                adj[u][v] = adj[v][u] = {**base, "weight": w}

    def number_of_edges(self, u: Any = None, v: Any = None) -> int:
        if u is None and self.pending:
            return len(self.src)
        return super().number_of_edges(u, v)

    def copy(self, as_view: bool = False) -> nx.Graph:
        """A copy sharing the (never changed) edge arrays; node and graph attributes copied."""
        if as_view or not self.pending:
            return super().copy(as_view)
        return ArrayGraph.from_arrays(
            [(n, dict(d)) for n, d in self._node.items()], self.src, self.dst, self.weight,
            self.edge_attrs, **self.graph,
        )  # fmt: skip


@dataclass
class EdgeArrays:
    """A graph's edges as arrays: node ``keys`` in node order, edge ``i`` from
    ``keys[src[i]]`` to ``keys[dst[i]]`` with ``weight[i]`` (float); :meth:`data` gives
    its (u, v, key or None, attributes) to copy it."""

    keys: list[Hashable]
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    graph: nx.Graph
    #: the edges as walked, (u, v, key or None, attributes); None when read from arrays
    walked: list[tuple[Hashable, Hashable, Any, dict[str, Any]]] | None = None

    def data(self, i: int) -> tuple[Hashable, Hashable, Any, dict[str, Any]]:
        if self.walked is not None:
            return self.walked[i]
        G = self.graph
        assert isinstance(G, ArrayGraph)
        attrs = {**G.edge_attrs, "weight": G.weight[i].item()}
        return self.keys[int(self.src[i])], self.keys[int(self.dst[i])], None, attrs


def _weight(d: dict[str, Any], weight: str) -> float:
    try:
        return float(d.get(weight, 1) or 0)
    except (TypeError, ValueError):
        return 1.0


def edge_arrays(G: nx.Graph, weight: str = "weight") -> EdgeArrays:
    """The edges of ``G`` (any networkx graph; parallel edges kept apart) as arrays: read
    straight from an :class:`ArrayGraph`, else walked once. A weight that is missing counts
    1, one that is not a number 1, an empty one 0."""
    keys = list(G.nodes)
    if isinstance(G, ArrayGraph) and G.pending:
        return EdgeArrays(keys, G.src, G.dst, G.weight.astype(float), G)
    index = {n: i for i, n in enumerate(keys)}
    multi = G.is_multigraph()
    edges = []
    with paused_gc():
        for e in G.edges(keys=True, data=True) if multi else G.edges(data=True):
            edges.append((e[0], e[1], e[2] if multi else None, e[-1]))
    return EdgeArrays(
        keys,
        np.fromiter((index[e[0]] for e in edges), np.int64, len(edges)),
        np.fromiter((index[e[1]] for e in edges), np.int64, len(edges)),
        np.fromiter((_weight(e[3], weight) for e in edges), float, len(edges)),
        G,
        edges,
    )


def int_csv(columns: list[np.ndarray], chunk: int = 1_000_000) -> str:
    """Rows of non-negative integers as CSV lines (no header), formatted by numpy: a Python
    loop took about 4 s for the 7.4 M co-membership edges.

    >>> int_csv([np.array([0, 12]), np.array([305, 7])])
    '0,305\\n12,7\\n'
    """
    cols = [np.asarray(c, dtype=np.int64) for c in columns]
    m = len(cols[0]) if cols else 0
    out = []
    for lo in range(0, m, chunk):
        blocks, masks = [], []
        for k, full in enumerate(cols):
            c = full[lo : lo + chunk]
            width = len(str(int(c.max()))) if len(c) else 1
            digits = np.empty((len(c), width), np.uint8)
            x = c.copy()
            for j in range(width - 1, -1, -1):
                digits[:, j] = 48 + x % 10
                x //= 10
            ndigits = np.ones(len(c), np.int64)
            for p in range(1, width):
                ndigits += c >= 10**p
            blocks.append(digits)
            masks.append(np.arange(width)[None, :] >= (width - ndigits)[:, None])
            sep = b"\n" if k == len(cols) - 1 else b","
            blocks.append(np.full((len(c), 1), sep[0], np.uint8))
            masks.append(np.ones((len(c), 1), bool))
        out.append(np.hstack(blocks)[np.hstack(masks)].tobytes().decode("ascii"))
    return "".join(out)
