"""Metrics on the projections: centrality, structural holes, cores, communities, cut points.

Each function takes a networkx graph (any projection; directed and multi-graphs are
measured on their undirected simple form, parallel edges summing their weights) and
returns a pandas object whose ``attrs`` say which ``engine`` ran and which ``method``
(exact, or k-sampled with the seed). ``engine="auto"`` uses igraph where it is installed
(the ``analysis`` extra): networkx's exact betweenness on a 2,000-node co-membership
projection took about 33 s here, igraph's 0.7 s. Both engines give the same numbers on
the same graph (tests compare them), in networkx's conventions (normalised betweenness,
Wasserman-Faust closeness).

Every random step takes a ``seed``: the same seed gives the same result. Nothing here
reads the store or prints.
"""

from __future__ import annotations

import math
import random
from typing import Any

import networkx as nx
import pandas as pd

from ..errors import UsageError
from .arrays import ArrayGraph, paused_gc

__all__ = [
    "ENGINES",
    "METRICS",
    "articulation_points",
    "betweenness",
    "bridges",
    "closeness",
    "components",
    "constraint",
    "core_number",
    "degree",
    "effective_size",
    "engine_for",
    "louvain",
    "measure",
    "metric_key",
    "metric_table",
    "pagerank",
    "simple_graph",
    "weighted_degree",
]

ENGINES = ("auto", "igraph", "networkx")

#: Exact betweenness and closeness while nodes × edges (the work of n searches) stays under
#: this budget, by engine; k-sampled above it. igraph's exact betweenness on 2,000 nodes
#: and 54,000 edges (1.1e8) took 0.7 s here, networkx's 33 s.
EXACT_WORK = {"igraph": 1.2e8, "networkx": 3e6}
#: Sources sampled above the threshold.
DEFAULT_K = 256


def import_igraph_without_plotting() -> None:
    """Import igraph without its matplotlib plotting (which it loads eagerly, about a
    second), for processes that only compute, such as the CLI. No effect once igraph or
    matplotlib is imported; igraph's own plotting is then unavailable in this process."""
    import sys

    if "igraph" in sys.modules or "matplotlib" in sys.modules:
        return
    sys.modules["matplotlib"] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import igraph  # noqa: F401
    except ImportError:
        pass
    finally:
        del sys.modules["matplotlib"]


def engine_for(engine: str = "auto") -> str:
    """The engine that will run: igraph for ``auto`` when it is installed, else networkx."""
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; expected {', '.join(ENGINES)}")
    if engine == "networkx":
        return engine
    try:
        import igraph  # noqa: F401
    except ImportError:
        if engine == "igraph":
            raise UsageError(
                'igraph is not installed; pip install "alliancegraph[analysis]"'
            ) from None
        return "networkx"
    return "igraph"


def simple_graph(G: nx.Graph, weight: str | None = "weight") -> nx.Graph:
    """``G`` as an undirected simple graph; parallel and mutual edges sum their weights
    (an edge without ``weight`` counts 1). Self-loops are dropped. Returns ``G`` itself
    when it already is one (an :class:`~.arrays.ArrayGraph` always is)."""
    if isinstance(G, ArrayGraph):
        return G
    if not G.is_directed() and not G.is_multigraph() and nx.number_of_selfloops(G) == 0:
        return G
    H = nx.Graph(**G.graph)
    H.add_nodes_from(G.nodes(data=True))
    for u, v, d in G.edges(data=True):
        if u == v:
            continue
        w = d.get(weight, 1) if weight else 1
        if H.has_edge(u, v):
            H[u][v]["weight"] += w
        else:
            H.add_edge(u, v, weight=w)
    return H


class _IG:
    """An igraph copy of a simple graph; vertex i is ``nodes[i]``. :func:`metric_table`
    shares one copy between its metrics through ``_cache``; a metric weighted otherwise
    gets the same igraph graph with its own weights (one copy of 7.4 M edges took 2 to 6 s)."""

    @classmethod
    def of(cls, G: nx.Graph, weight: str | None, cache: dict | None) -> _IG:
        if cache is None:
            return cls(G, weight)
        # The entries keep G alive, so its id cannot be reused by another graph meanwhile.
        base_key, key = ("igraph", id(G)), ("igraph", id(G), weight)
        if base_key not in cache or cache[base_key][0] is not G:
            cache[base_key] = cache[key] = (G, cls(G, weight))
        if key not in cache or cache[key][0] is not G:
            cache[key] = (G, cls(G, weight, cache[base_key][1].h))
        return cache[key][1]

    def __init__(self, G: nx.Graph, weight: str | None, h: Any = None):
        import igraph as ig

        self.nodes = list(G.nodes())
        index = {n: i for i, n in enumerate(self.nodes)}
        self.index = index
        pairs: list[tuple[int, int]] = []
        weights: list[float] = []
        # (Garbage collection stays off meanwhile: scanning a large graph's millions of
        # dicts while we allocate cost more than the copy itself.)
        with paused_gc():
            if isinstance(G, ArrayGraph) and G.pending:  # straight from the arrays
                if h is None:
                    pairs = list(zip(G.src.tolist(), G.dst.tolist(), strict=True))
                if weight:
                    weights = G.weight.astype(float).tolist()
            else:
                # G.adjacency() hands out the neighbour dicts themselves: the fastest walk.
                for u, nbrs in G.adjacency():
                    i = index[u]
                    for v, d in nbrs.items():
                        j = index[v]
                        if i < j:
                            if h is None:
                                pairs.append((i, j))
                            if weight:
                                weights.append(float(d.get(weight, 1)))
            self.h = ig.Graph(n=len(self.nodes), edges=pairs) if h is None else h
        self.weights = weights if weight else None


def _series(values: dict | list, nodes: list, name: str, engine: str, method: str) -> pd.Series:
    if isinstance(values, dict):
        values = [values[n] for n in nodes]
    s = pd.Series(values, index=pd.Index(nodes, name="node"), name=name, dtype=float)
    s.attrs = {"metric": name, "engine": engine, "method": method}
    return s


def _weight(G: nx.Graph, weight: str | None) -> str | None:
    """Use ``weight`` only where some edge has it (an unweighted projection is unweighted)."""
    if weight is None:
        return None
    if isinstance(G, ArrayGraph) and G.pending:
        return weight if weight in (*G.edge_attrs, "weight") and G.number_of_edges() else None
    return weight if any(True for *_, w in G.edges(data=weight) if w is not None) else None


def _sampled(engine: str, n: int, m: int, exact_threshold: int | None) -> bool:
    """Sample sources? Above ``exact_threshold`` nodes if given, else above the work budget."""
    if exact_threshold is not None:
        return n > exact_threshold
    return n * max(m, 1) > EXACT_WORK[engine]


# -- centrality --------------------------------------------------------------------------


def degree(G: nx.Graph, **_: Any) -> pd.Series:
    """Number of distinct neighbours.

    >>> degree(nx.path_graph(3)).tolist()
    [1.0, 2.0, 1.0]
    """
    H = simple_graph(G)
    return _series(dict(H.degree()), list(H), "degree", "networkx", "exact")


def weighted_degree(G: nx.Graph, weight: str | None = "weight", **_: Any) -> pd.Series:
    """Sum of edge weights (strength): shared alliances on the co-membership projection."""
    H = simple_graph(G, weight)
    w = _weight(H, weight)
    return _series(dict(H.degree(weight=w)), list(H), "weighted_degree", "networkx", "exact")


def betweenness(
    G: nx.Graph,
    *,
    seed: int = 0,
    k: int = DEFAULT_K,
    exact_threshold: int | None = None,
    engine: str = "auto",
    _cache: dict | None = None,
    **_: Any,
) -> pd.Series:
    r"""Normalised shortest-path betweenness (hop counts),
    :math:`c_B(v) = \frac{2}{(n-1)(n-2)} \sum_{s<t} \sigma(s,t|v) / \sigma(s,t)`.

    Exact while nodes × edges stays within the engine's budget (:data:`EXACT_WORK`), or
    up to ``exact_threshold`` nodes when given; above it, estimated from ``k`` source
    nodes drawn with ``random.Random(seed)`` exactly as networkx draws them, so both
    engines give the same estimate. ``attrs["method"]`` says which.

    >>> betweenness(nx.path_graph(3), engine="networkx").tolist()
    [0.0, 1.0, 0.0]
    """
    eng = engine_for(engine)
    H = simple_graph(G)
    nodes = list(H)
    n = len(nodes)
    sample = None
    if _sampled(eng, n, H.number_of_edges(), exact_threshold) and k < n:
        sample = random.Random(seed).sample(nodes, k)
    method = "exact" if sample is None else f"sampled k={k} seed={seed}"
    if eng == "networkx":
        if sample is None:
            vals = nx.betweenness_centrality(H)
        else:
            vals = nx.betweenness_centrality(H, k=k, seed=random.Random(seed))
        return _series(vals, nodes, "betweenness", eng, method)
    ig = _IG.of(H, None, _cache)
    if n < 3:
        return _series([0.0] * n, nodes, "betweenness", eng, method)
    if sample is None:
        raw = ig.h.betweenness(directed=False)
        scale = 2 / ((n - 1) * (n - 2))
        vals = [b * scale for b in raw]
    else:
        src = [ig.index[s] for s in sample]
        raw = ig.h.betweenness(directed=False, sources=src, targets=range(n))
        # networkx's rescaling of a k-sample (endpoints excluded): a sampled source is
        # averaged over k-1 sources, every other node over k.
        in_sample = set(src)
        vals = [2 * b / (((k - 1) if i in in_sample else k) * (n - 2)) for i, b in enumerate(raw)]
    return _series(vals, nodes, "betweenness", eng, method)


def pagerank(
    G: nx.Graph,
    *,
    weight: str | None = "weight",
    alpha: float = 0.85,
    engine: str = "auto",
    _cache: dict | None = None,
    **_,
) -> pd.Series:
    """PageRank with damping ``alpha`` on the undirected (weighted) graph; sums to 1.

    >>> [round(x, 4) for x in pagerank(nx.path_graph(3), engine="networkx")]
    [0.2568, 0.4865, 0.2568]
    """
    eng = engine_for(engine)
    H = simple_graph(G, weight)
    w = _weight(H, weight)
    if len(H) == 0:
        return _series([], [], "pagerank", eng, "exact")
    if eng == "networkx":
        vals = nx.pagerank(H, alpha=alpha, weight=w, tol=1e-12, max_iter=10_000)
        return _series(vals, list(H), "pagerank", eng, "exact (power iteration)")
    ig = _IG.of(H, w, _cache)
    vals = ig.h.pagerank(directed=False, damping=alpha, weights=ig.weights)
    return _series(vals, ig.nodes, "pagerank", eng, "exact (PRPACK)")


def closeness(
    G: nx.Graph,
    *,
    seed: int = 0,
    k: int = DEFAULT_K,
    exact_threshold: int | None = None,
    engine: str = "auto",
    _cache: dict | None = None,
    **_: Any,
) -> pd.Series:
    r"""Closeness in hops, Wasserman-Faust for disconnected graphs:
    :math:`C(v) = \frac{r-1}{n-1} \cdot \frac{r-1}{\sum_u d(v,u)}` over the ``r`` nodes
    ``v`` reaches. Above the work budget (or ``exact_threshold`` nodes) the mean distance
    is estimated from ``k`` sampled sources (seeded).

    >>> [round(x, 4) for x in closeness(nx.path_graph(3), engine="networkx")]
    [0.6667, 1.0, 0.6667]
    """
    eng = engine_for(engine)
    H = simple_graph(G)
    nodes = list(H)
    n = len(nodes)
    if not _sampled(eng, n, H.number_of_edges(), exact_threshold) or k >= n:
        if eng == "networkx":
            return _series(nx.closeness_centrality(H), nodes, "closeness", eng, "exact")
        ig = _IG.of(H, None, _cache)
        raw = ig.h.closeness()
        size = {}
        for comp in ig.h.connected_components():
            for i in comp:
                size[i] = len(comp)
        vals = [
            0.0 if (c is None or math.isnan(c)) else c * (size[i] - 1) / (n - 1)
            for i, c in enumerate(raw)
        ]
        return _series(vals, nodes, "closeness", eng, "exact")
    # Sampled: the distances from k random sources estimate each node's mean distance.
    sample = random.Random(seed).sample(nodes, k)
    comp_of = {}
    for cid, comp in enumerate(nx.connected_components(H)):
        for v in comp:
            comp_of[v] = (cid, len(comp))
    totals = dict.fromkeys(nodes, 0.0)
    counts = dict.fromkeys(nodes, 0)
    if eng == "networkx":
        for s in sample:
            for v, d in nx.single_source_shortest_path_length(H, s).items():
                if v != s:
                    totals[v] += d
                    counts[v] += 1
    else:
        import numpy as np

        ig = _IG.of(H, None, _cache)
        src = [ig.index[s] for s in sample]
        dist = np.array(ig.h.distances(source=src), dtype=float)
        dist[np.arange(len(src)), src] = np.inf  # a source is not its own sample
        finite = np.isfinite(dist)
        sums = np.where(finite, dist, 0.0).sum(axis=0)
        reached = finite.sum(axis=0)
        for i, v in enumerate(ig.nodes):
            totals[v], counts[v] = float(sums[i]), int(reached[i])
    by_node: dict[Any, float] = {}
    for v in nodes:
        r = comp_of[v][1]
        by_node[v] = 0.0 if counts[v] == 0 else (r - 1) / (n - 1) / (totals[v] / counts[v])
    return _series(by_node, nodes, "closeness", eng, f"sampled k={k} seed={seed}")


def core_number(
    G: nx.Graph, *, engine: str = "auto", _cache: dict | None = None, **_: Any
) -> pd.Series:
    """The k-core each node belongs to (the largest k such that it survives in a
    subgraph where every node has degree >= k)."""
    eng = engine_for(engine)
    H = simple_graph(G)
    if eng == "networkx":
        return _series(nx.core_number(H), list(H), "kcore", eng, "exact")
    ig = _IG.of(H, None, _cache)
    return _series(ig.h.coreness(), ig.nodes, "kcore", eng, "exact")


# -- structural holes --------------------------------------------------------------------


def effective_size(
    G: nx.Graph, *, engine: str = "auto", _cache: dict | None = None, **_: Any
) -> pd.Series:
    r"""Burt's effective size on the unweighted graph (Borgatti's form):
    :math:`e(v) = n_v - 2 t_v / n_v`, with :math:`n_v` neighbours and :math:`t_v` ties
    among them. NaN for an isolated node. A broker's neighbours are not tied to each
    other, so its effective size is close to its degree."""
    eng = engine_for(engine)
    H = simple_graph(G)
    if eng == "networkx":
        return _series(nx.effective_size(H), list(H), "effective_size", eng, "exact")
    ig = _IG.of(H, None, _cache)
    deg = ig.h.degree()
    local = ig.h.transitivity_local_undirected(mode="zero")
    vals = [
        math.nan if d == 0 else d - 2 * (t * d * (d - 1) / 2) / d
        for d, t in zip(deg, local, strict=True)
    ]
    return _series(vals, ig.nodes, "effective_size", eng, "exact")


def constraint(
    G: nx.Graph,
    *,
    weight: str | None = "weight",
    engine: str = "auto",
    _cache: dict | None = None,
    **_: Any,
) -> pd.Series:
    r"""Burt's constraint :math:`c(v) = \sum_{j} (p_{vj} + \sum_{q} p_{vq} p_{qj})^2`,
    where :math:`p_{vj}` is j's share of v's (weighted) ties. Low constraint marks a
    broker; NaN for an isolated node."""
    eng = engine_for(engine)
    H = simple_graph(G, weight)
    w = _weight(H, weight)
    if eng == "networkx":
        return _series(nx.constraint(H, weight=w), list(H), "constraint", eng, "exact")
    ig = _IG.of(H, w, _cache)
    vals = ig.h.constraint(weights=ig.weights)
    deg = ig.h.degree()
    vals = [math.nan if d == 0 else c for c, d in zip(vals, deg, strict=True)]
    return _series(vals, ig.nodes, "constraint", eng, "exact")


#: The metrics by the name the CLI's ``--metric`` uses.
METRICS = {
    "degree": degree,
    "weighted-degree": weighted_degree,
    "betweenness": betweenness,
    "pagerank": pagerank,
    "closeness": closeness,
    "kcore": core_number,
    "effective-size": effective_size,
    "constraint": constraint,
}


def metric_key(name: str) -> str | None:
    """The metric ``name`` stands for, as :data:`METRICS` spells it: column and attribute
    names (``weighted_degree``, ``effective_size``, ``core_number``) map to ``weighted-degree``,
    ``effective-size``, ``kcore``. None if it names no metric.

    >>> metric_key("effective_size"), metric_key("core_number"), metric_key("alliances")
    ('effective-size', 'kcore', None)
    """
    key = name.replace("_", "-")
    key = "kcore" if key == "core-number" else key
    return key if key in METRICS else None


def measure(G: nx.Graph, metric: str, **kw: Any) -> pd.Series:
    """One metric by name (see :data:`METRICS`).

    Internal callers that keep a graph unchanged pass ``_cache``: the igraph copy and each
    metric (per options) are then computed once for that graph.
    """
    if metric not in METRICS:
        raise UsageError(f"unknown metric {metric!r}; expected {', '.join(METRICS)}")
    cache = kw.get("_cache")
    if cache is None:
        return METRICS[metric](G, **kw)
    key = ("measure", id(G), metric, tuple(sorted((k, v) for k, v in kw.items() if k != "_cache")))
    if key not in cache or cache[key][0] is not G:
        cache[key] = (G, METRICS[metric](G, **kw))
    return cache[key][1]


def _frame(G: nx.Graph, index: pd.Index) -> pd.DataFrame:
    nodes = G.nodes
    return pd.DataFrame(
        {
            "node": list(index),
            "label": [nodes[n].get("label", str(n)) for n in index],
            "type": [nodes[n].get("type", "") for n in index],
        }
    )


def metric_table(
    G: nx.Graph,
    metrics: list[str] | tuple[str, ...] = tuple(METRICS),
    _cache: dict | None = None,
    **kw: Any,
) -> pd.DataFrame:
    """Several metrics side by side: node, label, type, then one column per metric.
    ``attrs["methods"]`` maps each metric to "method (engine)"."""
    H = simple_graph(G)
    columns, methods = {}, {}
    cache: dict = {} if _cache is None else _cache
    for m in metrics:
        s = measure(H, m, _cache=cache, **kw)
        columns[s.name] = s
        methods[m] = f"{s.attrs['method']} ({s.attrs['engine']})"
    df = _frame(G, pd.Index(list(H), name="node"))
    for name, s in columns.items():
        df[name] = s.reindex(df["node"]).to_numpy()
    df.attrs = {"methods": methods}
    return df


# -- communities -------------------------------------------------------------------------


def louvain(
    G: nx.Graph,
    *,
    seed: int = 0,
    weight: str | None = "weight",
    resolution: float = 1.0,
    engine: str = "auto",
    _cache: dict | None = None,
) -> pd.DataFrame:
    """Louvain communities (igraph's multilevel or networkx's ``louvain_communities``),
    seeded. Returns node, label, type, community; communities are numbered by size
    (largest 0), ties by their first node, so the numbering is stable. ``attrs`` holds
    ``modularity``, ``engine`` and ``seed``.

    >>> two = nx.disjoint_union(nx.complete_graph(4), nx.complete_graph(4))
    >>> two.add_edge(0, 4)
    >>> round(louvain(two, engine="networkx").attrs["modularity"], 4)
    0.4231
    """
    eng = engine_for(engine)
    if _cache is None:
        return _louvain(G, seed, weight, resolution, eng, None)
    key = ("louvain", id(G), seed, weight, resolution, eng)  # one partition per graph, shared
    if key not in _cache or _cache[key][0] is not G:
        _cache[key] = (G, _louvain(G, seed, weight, resolution, eng, _cache))
    found = _cache[key][1].copy()
    found.attrs = dict(_cache[key][1].attrs)
    return found


def _louvain(G: nx.Graph, seed: int, weight: str | None, resolution: float, eng: str,
             _cache: dict | None) -> pd.DataFrame:  # fmt: skip
    H = simple_graph(G, weight)
    w = _weight(H, weight)
    nodes = list(H)
    if eng == "networkx":
        parts = nx.community.louvain_communities(H, weight=w, resolution=resolution, seed=seed)
        modularity = (
            nx.community.modularity(H, parts, weight=w, resolution=resolution)
            if (H.number_of_edges())
            else 0.0
        )
        groups = [sorted(p, key=str) for p in parts]
    else:
        import igraph as ig

        g = _IG.of(H, w, _cache)
        ig.set_random_number_generator(random.Random(seed))
        try:
            if H.number_of_edges():
                cl = g.h.community_multilevel(weights=g.weights, resolution=resolution)
                membership = cl.membership
                modularity = g.h.modularity(membership, weights=g.weights, resolution=resolution)
            else:
                membership, modularity = list(range(len(nodes))), 0.0
        finally:
            ig.set_random_number_generator(random)
        by: dict[int, list] = {}
        for i, c in enumerate(membership):
            by.setdefault(c, []).append(g.nodes[i])
        groups = [sorted(p, key=str) for p in by.values()]
    groups.sort(key=lambda p: (-len(p), str(p[0])))
    community = {n: c for c, p in enumerate(groups) for n in p}
    df = _frame(G, pd.Index(nodes, name="node"))
    df["community"] = [community[n] for n in nodes]
    df = df.sort_values(["community", "node"], kind="stable").reset_index(drop=True)
    df.attrs = {"modularity": float(modularity), "engine": eng, "seed": seed, "method": "louvain"}
    return df


# -- cut points and components -----------------------------------------------------------


def articulation_points(G: nx.Graph, *, engine: str = "auto") -> pd.DataFrame:
    """Nodes whose removal disconnects their component (single points of failure), with
    ``extra_components``: how many more pieces the graph falls into without each (the
    number of biconnected blocks it joins, minus one)."""
    eng = engine_for(engine)
    H = simple_graph(G)
    blocks: dict[Any, int] = {}
    if eng == "networkx":
        for block in nx.biconnected_components(H):
            for n in block:
                blocks[n] = blocks.get(n, 0) + 1
    else:
        g = _IG.of(H, None, None)
        for block in g.h.biconnected_components():
            for i in block:
                blocks[g.nodes[i]] = blocks.get(g.nodes[i], 0) + 1
    points = sorted((n for n, b in blocks.items() if b > 1), key=str)
    df = _frame(G, pd.Index(points, name="node"))
    df["extra_components"] = [blocks[p] - 1 for p in points]
    df.attrs = {"engine": eng, "method": "exact"}
    return df


def bridges(G: nx.Graph, *, engine: str = "auto") -> pd.DataFrame:
    """Edges whose removal disconnects their component, with the labels of both ends."""
    eng = engine_for(engine)
    H = simple_graph(G)
    if eng == "networkx":
        pairs = list(nx.bridges(H))
    else:
        g = _IG.of(H, None, None)
        pairs = [g.h.es[i].tuple for i in g.h.bridges()]
        pairs = [(g.nodes[a], g.nodes[b]) for a, b in pairs]
    pairs = sorted((tuple(sorted((u, v), key=str)) for u, v in pairs), key=str)
    label = G.nodes
    df = pd.DataFrame(
        {
            "source": [u for u, _ in pairs],
            "source_label": [label[u].get("label", str(u)) for u, _ in pairs],
            "target": [v for _, v in pairs],
            "target_label": [label[v].get("label", str(v)) for _, v in pairs],
        }
    )
    df.attrs = {"engine": eng, "method": "exact"}
    return df


def components(G: nx.Graph) -> pd.DataFrame:
    """Connected components, largest first: id, size, and the labels of up to five of
    the best-connected members."""
    H = simple_graph(G)
    comps = sorted(
        (sorted(c, key=str) for c in nx.connected_components(H)), key=lambda c: (-len(c), str(c[0]))
    )
    rows = []
    for i, comp in enumerate(comps):
        top = sorted(comp, key=lambda n: (-H.degree(n), str(n)))[:5]
        rows.append(
            {
                "component": i,
                "size": len(comp),
                "examples": "、".join(G.nodes[n].get("label", str(n)) for n in top),
            }
        )
    df = pd.DataFrame(rows, columns=["component", "size", "examples"])
    df.attrs = {"engine": "networkx", "method": "exact"}
    return df
