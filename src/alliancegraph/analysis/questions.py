"""The questions analysts ask of the alliance network, each answered as a DataFrame.

brokers, central, communities, path, ego, composition (产学研 mix), chain-gaps (补短板)
and coverage (reported figures next to what the graph counts). Entities are named the way
``alliancegraph find`` resolves them (zh, en, alias, pinyin, slug or IRI), through
:func:`alliancegraph.search.resolve`; an unknown or ambiguous name raises an error that
lists the candidates. Nothing here prints or writes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any, cast

import networkx as nx
import pandas as pd
import pyoxigraph as ox

from .. import internal
from ..catalogue import Source
from ..errors import UsageError
from ..namespaces import AG, expand, shorten
from ..results import Term
from ..search import resolve as _search_resolve
from . import metrics as M
from .projections import Filters, catalogue, entity_graph, projection, two_mode

__all__ = [
    "PATH_LIMIT",
    "brokers",
    "central",
    "chain_gaps",
    "check_radius",
    "class_labels",
    "communities",
    "composition",
    "coverage",
    "degenerate_note",
    "ego",
    "ego_graph",
    "make_filters",
    "measured",
    "node_metrics",
    "path",
    "path_graph",
    "resolve",
    "resolve_alliances",
    "shortest_paths",
]


#: At most this many shortest paths, for the path table and the path view alike.
PATH_LIMIT = 10


def resolve(g: Source, text: str, type: str | None = None) -> str:
    """The IRI ``text`` names (see :func:`alliancegraph.search.resolve`); with ``type``
    (``ag:Alliance``) only entities of that class are candidates."""
    return _search_resolve(g, text, type=type)


def check_radius(radius: int) -> int:
    """The one rule for an ego network's radius, whichever surface asks: a whole number of
    hops, 0 or more (0 is the entity alone). Returns it; anything else is a usage error.

    >>> check_radius(0), check_radius(2)
    (0, 2)
    """
    if isinstance(radius, bool) or not isinstance(radius, int) or radius < 0:
        raise UsageError(f"radius must be a whole number of hops, 0 or more, not {radius!r}")
    return radius


def class_labels(g: Source, classes: Iterable[str]) -> dict[str, dict[str, str]]:
    """The zh and en labels of classes (prefixed or full IRIs), from the ontology, keyed
    as given: ``{"ag:University": {"zh": "高等院校", "en": "university"}}``. A class with
    a label in one language only gets it for both."""
    labels = catalogue(g).labels
    out: dict[str, dict[str, str]] = {}
    for cls in classes:
        zh, en, other = labels.get(expand(cls) or cls, ("", "", ""))
        out[cls] = {"zh": zh or en or other, "en": en or zh or other}
    return out


def resolve_alliances(g: Source, names: Any) -> list[str]:
    """IRIs of the alliances ``names`` name: only alliances are candidates, so 物联网 is the
    IoT alliance, not the field of that name; an IRI or slug of something else (a field)
    is a usage error, not an empty answer."""
    if isinstance(names, str):
        names = [names]
    cat = catalogue(g)
    iris = []
    for name in names or ():
        try:
            iri = resolve(g, name, type="ag:Alliance")
        except UsageError as e:
            if type(e) is not UsageError:  # unknown or ambiguous: the search's own message
                raise
            try:
                iri = resolve(g, name)  # it names something else: say what
            except UsageError:
                raise e from None
        if not cat.is_a(iri, {AG + "Alliance"}):
            kind = cat.type_of(iri)
            raise UsageError(
                f"{name!r} names {cat.label(iri)} ({shorten(kind) if kind else 'no class'}), "
                "not an alliance; give the alliance's name, alias, slug or IRI"
            )
        iris.append(iri)
    return iris


def _make_filters(g: Source, filters: Filters | None, kw: dict) -> Filters:
    """Filters from keywords, resolving alliance names to IRIs."""
    if filters is not None:
        if kw:
            raise TypeError("give either filters= or keyword filters, not both")
        return filters
    return Filters.make(alliances=resolve_alliances(g, kw.pop("alliances", ())), source=g, **kw)


def make_filters(g: Source, filters: Filters | None = None, **kw: Any) -> Filters:
    """:class:`Filters` from keywords (alliances, types, since, until, synthetic), alliance
    names resolved to IRIs as every question resolves them; ``filters`` as it is."""
    return _make_filters(g, filters, dict(kw))


def _network(
    g: Source, name: str, f: Filters, options: tuple[tuple[str, Any], ...] = ()
) -> tuple[nx.Graph, nx.Graph, dict]:
    """The projection the questions measure, its undirected simple form and a cache for
    its igraph copy and metrics, kept while ``g`` is open (the last two projections asked
    for). Questions never change these graphs and never hand them out."""
    memo = catalogue(g).memo
    key = ("network", name, f, options)
    if key not in memo:
        for old in [k for k in memo if k[0] == "network"][:-1]:
            del memo[old]
        G = projection(g, name, f, **dict(options))
        memo[key] = (G, M.simple_graph(G), {})
    return memo[key]


def measured(
    g: Source,
    projection_name: str = "entity",
    metrics: Iterable[str] = (),
    *,
    communities: bool = False,
    seed: int = 0,
    engine: str = "auto",
    min_shared: int = 1,
    filters: Filters | None = None,
    **kw: Any,
) -> nx.Graph:
    """A copy of the projection the questions measure, each node carrying the values of
    ``metrics`` (names as :data:`~alliancegraph.analysis.metrics.METRICS` spells them;
    attributes named as :func:`node_metrics` names its columns: ``betweenness``,
    ``effective_size``, ``kcore`` …) and, with ``communities``, its Louvain ``community``.

    These are the very numbers :func:`central`, :func:`brokers`, :func:`node_metrics` and
    :func:`communities` report for the same projection, filters, seed and engine (one
    computation, shared). ``graph["methods"]`` says how each metric was computed,
    ``graph["modularity"]`` the partition's modularity. ``min_shared`` (co-membership
    only) keeps pairs sharing at least that many alliances.
    """
    f = _make_filters(g, filters, kw)
    if min_shared != 1 and projection_name != "comembership":
        raise UsageError("min_shared applies to the comembership projection only")
    options = (("min_shared", min_shared),) if min_shared != 1 else ()
    G, H, cache = _network(g, projection_name, f, options)
    out = G.copy()
    methods: dict[str, str] = {}
    for metric in metrics:
        s = M.measure(H, metric, seed=seed, engine=engine, _cache=cache)
        for n, v in s.items():
            out.nodes[n][str(s.name)] = float(v)
        methods[str(s.name)] = f"{s.attrs['method']} ({s.attrs['engine']})"
    out.graph["methods"] = methods
    if communities:
        parts = M.louvain(H, seed=seed, engine=engine, _cache=cache)
        for n, c in zip(parts["node"], parts["community"], strict=True):
            out.nodes[n]["community"] = int(c)
        out.graph["modularity"] = parts.attrs["modularity"]
    return out


def _with_meta(df: pd.DataFrame, **meta: Any) -> pd.DataFrame:
    df.attrs = df.attrs | meta
    return df


# -- who matters -------------------------------------------------------------------------


def central(
    g: Source,
    metric: str = "betweenness",
    projection_name: str = "entity",
    top: int | None = 20,
    *,
    seed: int = 0,
    engine: str = "auto",
    filters: Filters | None = None,
    **kw: Any,
) -> pd.DataFrame:
    """The most central nodes of a projection by one metric: rank, node, label, type,
    value. ``attrs`` says the metric, method (exact or sampled) and engine."""
    f = _make_filters(g, filters, kw)
    G, H, cache = _network(g, projection_name, f)
    s = M.measure(H, metric, seed=seed, engine=engine, _cache=cache)
    df = pd.DataFrame({"node": s.index, metric: s.to_numpy()})
    df = df.dropna(subset=[metric])
    df = df.sort_values([metric, "node"], ascending=[False, True], kind="stable")
    if top:
        df = df.head(top)
    nodes = G.nodes
    df.insert(1, "label", [nodes[n].get("label", n) for n in df["node"]])
    df.insert(2, "type", [nodes[n].get("type", "") for n in df["node"]])
    df.insert(0, "rank", range(1, len(df) + 1))
    note = degenerate_note(H, metric, s.dropna().tolist(), projection_name)
    return _with_meta(
        df.reset_index(drop=True),
        **cast("dict[str, Any]", s.attrs),
        projection=projection_name,
        nodes=G.number_of_nodes(),
        edges=G.number_of_edges(),
        **({"note": note} if note else {}),
    )


#: Metrics that count shortest paths through a node: zero everywhere when no path has a
#: middle (every component a clique, or no edges at all).
PATH_METRICS = {"betweenness", "closeness"}


def degenerate_note(H: nx.Graph, metric: str, values: list[float], projection_name: str) -> str:
    """Why a metric ranks nobody on this projection, or "" if it does: when every node
    has the same value, a sentence with the projection's size (nodes, edges, components),
    the reason where it is known, and the projections where the metric means something."""
    if len(values) < 2 or max(values) - min(values) > 1e-12 * max(1.0, abs(max(values))):
        return ""
    parts = nx.number_connected_components(H) if H.number_of_nodes() else 0
    size = (
        f"{H.number_of_nodes()} nodes, {H.number_of_edges()} edges, "
        f"{parts} component{'s' if parts != 1 else ''}"
    )
    cliques = all(
        H.subgraph(c).number_of_edges() == len(c) * (len(c) - 1) // 2
        for c in nx.connected_components(H)
    )
    if H.number_of_edges() == 0:
        why = "it has no edges"
    elif metric in PATH_METRICS and cliques:
        why = "every component is a clique, so no shortest path runs through anyone"
    elif cliques:
        why = "every component is a clique, so every node is placed alike"
    else:
        why = "every node is placed alike"
    elsewhere = (
        "try the entity projection, or this one after importing member lists "
        "(alliances that share members)"
        if projection_name != "entity"
        else "import member lists to connect more organisations"
    )
    return (
        f"{metric} is {values[0]:g} for every node of the {projection_name} projection "
        f"({size}): {why}; {elsewhere}."
    )


def brokers(
    g: Source,
    projection_name: str = "entity",
    top: int | None = 20,
    *,
    seed: int = 0,
    engine: str = "auto",
    filters: Filters | None = None,
    **kw: Any,
) -> pd.DataFrame:
    """Brokers (Burt's structural holes): nodes with the lowest constraint, with their
    effective size, degree and betweenness. A broker ties together neighbours that are
    not tied to each other."""
    f = _make_filters(g, filters, kw)
    G, H, cache = _network(g, projection_name, f)
    wanted = ("degree", "effective-size", "constraint", "betweenness")
    table = M.metric_table(H, wanted, seed=seed, engine=engine, _cache=cache)
    table = table[table["degree"] >= 2].dropna(subset=["constraint"])
    table = table.sort_values(
        ["constraint", "effective_size", "node"], ascending=[True, False, True], kind="stable"
    )
    if top:
        table = table.head(top)
    table.insert(0, "rank", range(1, len(table) + 1))
    return _with_meta(
        table.reset_index(drop=True),
        projection=projection_name,
        nodes=G.number_of_nodes(),
        edges=G.number_of_edges(),
    )


def node_metrics(
    g: Source,
    projection_name: str = "entity",
    names: tuple[str, ...] = tuple(M.METRICS),
    *,
    seed: int = 0,
    engine: str = "auto",
    filters: Filters | None = None,
    **kw: Any,
) -> pd.DataFrame:
    """Every metric (or those ``names``) for every node of a projection, one column each;
    ``attrs["methods"]`` says how each was computed."""
    f = _make_filters(g, filters, kw)
    G, H, cache = _network(g, projection_name, f)
    table = M.metric_table(H, names, seed=seed, engine=engine, _cache=cache)
    return _with_meta(
        table, projection=projection_name, nodes=G.number_of_nodes(), edges=G.number_of_edges()
    )


def communities(
    g: Source,
    projection_name: str = "entity",
    *,
    seed: int = 0,
    engine: str = "auto",
    members: bool = False,
    filters: Filters | None = None,
    **kw: Any,
) -> pd.DataFrame:
    """Louvain communities (seeded), one row per community: id, size, its best-connected
    members and its mix of types; with ``members=True``, one row per node instead.
    ``attrs["modularity"]`` reports the partition's modularity."""
    f = _make_filters(g, filters, kw)
    G, H, cache = _network(g, projection_name, f)
    nodes_df = M.louvain(H, seed=seed, engine=engine, _cache=cache)
    meta = dict(
        cast("dict[str, Any]", nodes_df.attrs),
        projection=projection_name,
        nodes=G.number_of_nodes(),
    )
    if members:
        return _with_meta(nodes_df, **meta)
    rows = []
    for cid, part in nodes_df.groupby("community", sort=True):
        ids = list(part["node"])
        top = sorted(ids, key=lambda n: (-H.degree(n), str(n)))[:5]
        types = part["type"].value_counts()
        rows.append(
            {
                "community": cid,
                "size": len(ids),
                "top_members": "、".join(G.nodes[n].get("label", n) for n in top),
                "types": "、".join(f"{t or '?'} {c}" for t, c in types.items()),
            }
        )
    df = pd.DataFrame(rows, columns=["community", "size", "top_members", "types"])
    return _with_meta(df, **meta)


# -- how things connect ------------------------------------------------------------------


def shortest_paths(
    g: Source, a: str, b: str, limit: int = PATH_LIMIT, filters: Filters | None = None, **kw: Any
) -> tuple[nx.MultiDiGraph, list[list[str]]]:
    """All shortest paths (at most ``limit``) between two named entities on the entity
    graph, ignoring edge direction; returns the graph and the paths as IRI lists."""
    f = _make_filters(g, filters, kw)
    src, dst = resolve(g, a), resolve(g, b)
    G = entity_graph(g, f)
    return G, _paths(G, src, dst, limit)


def _paths(G: nx.MultiDiGraph, src: str, dst: str, limit: int) -> list[list[str]]:
    """The one rule for which shortest paths are shown, everywhere: the first ``limit``
    that networkx enumerates on the undirected entity graph (built in sorted order, so
    the same every time), then sorted by their IRIs."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise UsageError(f"the path limit must be 1 or more, not {limit!r}")
    if src not in G or dst not in G:
        return []
    found = []
    try:
        for p in nx.all_shortest_paths(G.to_undirected(as_view=True), src, dst):
            found.append(p)
            if len(found) >= limit:
                break
    except nx.NetworkXNoPath:
        return []
    return sorted(found)


def _hop_edges(G: nx.MultiDiGraph, u: str, v: str) -> list[tuple[str, str, dict]]:
    out = [(u, v, d) for d in G.get_edge_data(u, v, default={}).values()]
    out += [(v, u, d) for d in G.get_edge_data(v, u, default={}).values()]
    return sorted(out, key=lambda e: (e[2]["predicate"], e[0]))


def path_graph(
    g: Source, a: str, b: str, limit: int = PATH_LIMIT, filters: Filters | None = None, **kw: Any
) -> nx.MultiDiGraph:
    """The shortest paths between two named entities as a graph: exactly the nodes and
    facts :func:`path` lists (the same paths, in the same order, under the same limit).

    Nodes follow the projection contract and add ``distance`` (hops from the source);
    the two ends are kept whenever they are in the entity graph, even with no path
    between them. ``graph["paths"]`` holds the paths as IRI lists, in :func:`path`'s
    order (empty when none), ``graph["source"]`` and ``graph["target"]`` the two IRIs.
    """
    f = _make_filters(g, filters, kw)
    src, dst = resolve(g, a), resolve(g, b)
    G, _, _ = _network(g, "entity", f)
    paths = _paths(G, src, dst, limit)
    P = nx.MultiDiGraph(projection="path", source=src, target=dst, paths=paths)
    for end in (src, dst):
        if end in G and end not in P:
            P.add_node(end, **G.nodes[end], distance=0 if end == src else None)
    for p in paths:
        for i, n in enumerate(p):
            if n not in P or P.nodes[n].get("distance") is None:
                P.add_node(n, **G.nodes[n], distance=i)
        for u, v in itertools.pairwise(p):
            for s_, o, d in _hop_edges(G, u, v):
                if not P.has_edge(s_, o, key=d["predicate"]):
                    P.add_edge(s_, o, key=d["predicate"], **d)
    return P


def path(
    g: Source, a: str, b: str, limit: int = PATH_LIMIT, filters: Filters | None = None, **kw: Any
) -> pd.DataFrame:
    """Shortest paths between two entities, one row per fact on each hop: path, hop,
    from, relation (with its direction), to, the evidence quote and its source. Empty
    when no path exists.

    Examples
    --------
    >>> path(g, "爱美科", "重庆市功能材料技术创新战略联盟")["to"].tolist()  # doctest: +SKIP
    ['重庆材料研究院', '重庆材料研究院', '重庆材料研究院', '重庆市功能材料技术创新战略联盟']
    """
    f = _make_filters(g, filters, kw)
    src, dst = resolve(g, a), resolve(g, b)
    G, _, _ = _network(g, "entity", f)
    paths = _paths(G, src, dst, limit)
    label = G.nodes
    rows = []
    for i, p in enumerate(paths, 1):
        for hop, (u, v) in enumerate(itertools.pairwise(p), 1):
            for s, o, d in _hop_edges(G, u, v):
                rows.append(
                    {
                        "path": i,
                        "hop": hop,
                        "from": label[u]["label"],
                        "relation": d["label"] if s == u else f"{d['label']} (反向)",
                        "to": label[v]["label"],
                        "subject": label[s]["label"],
                        "predicate": d["predicate"],
                        "object": label[o]["label"],
                        "evidence": d["evidence"],
                        "source": d["source"],
                        "from_iri": u,
                        "to_iri": v,
                    }
                )
    cols = [
        "path", "hop", "from", "relation", "to", "subject", "predicate", "object",
        "evidence", "source", "from_iri", "to_iri",
    ]  # fmt: skip
    df = pd.DataFrame(rows, columns=cols)
    return _with_meta(df, paths=len(paths), length=len(paths[0]) - 1 if paths else None)


def ego_graph(
    g: Source, x: str, radius: int = 1, filters: Filters | None = None, **kw: Any
) -> nx.MultiDiGraph:
    """The entity graph within ``radius`` hops of ``x`` (edge direction ignored); nodes
    add ``distance``, ``graph["center"]`` is the IRI of ``x``. Empty when ``x`` is not in
    the entity graph. ``radius`` follows :func:`check_radius` (0 or more)."""
    check_radius(radius)
    f = _make_filters(g, filters, kw)
    center = resolve(g, x)
    G, _, _ = _network(g, "entity", f)  # shared, so only a copy of the part leaves
    if center not in G:
        empty = G.subgraph([]).copy()
        empty.graph["center"] = center
        return empty
    near = nx.single_source_shortest_path_length(G.to_undirected(as_view=True), center, radius)
    E = G.subgraph(sorted(near)).copy()
    for n, d in near.items():
        E.nodes[n]["distance"] = d
    E.graph["center"] = center
    return E


def ego(
    g: Source, x: str, radius: int = 1, filters: Filters | None = None, **kw: Any
) -> pd.DataFrame:
    """The neighbourhood of one entity: distance, node, label, type and ``via`` (the
    fact that links it to a node one step closer)."""
    E = ego_graph(g, x, radius, filters, **kw)
    rows = []
    for n, d in E.nodes(data=True):
        via = ""
        if d["distance"] > 0:
            closer = sorted(
                (m for m in nx.all_neighbors(E, n) if E.nodes[m]["distance"] == d["distance"] - 1),
                key=str,
            )
            if closer:
                m = closer[0]
                rel = _hop_edges(E, m, n)[0]
                arrow = "→" if rel[0] == m else "←"
                via = f"{E.nodes[m]['label']} {arrow}{rel[2]['label']}{arrow} {d['label']}"
        rows.append(
            {
                "distance": d["distance"],
                "node": n,
                "label": d["label"],
                "type": d["type"],
                "via": via,
            }
        )
    df = pd.DataFrame(rows, columns=["distance", "node", "label", "type", "via"])
    df = df.sort_values(["distance", "type", "label"], kind="stable").reset_index(drop=True)
    return _with_meta(df, center=E.graph.get("center"), edges=E.number_of_edges())


# -- what the network is made of ---------------------------------------------------------

_KINDS = {
    AG + "Enterprise": "enterprises",
    AG + "University": "universities",
    AG + "ResearchInstitute": "institutes",
    AG + "GovernmentAgency": "government",
}


def _kind(cat: Any, iri: str) -> str:
    for cls, kind in _KINDS.items():
        if cat.is_a(iri, {cls}):
            return kind
    return "other"


def composition(
    g: Source, roles: tuple[str, ...] = ("lead", "supporting", "member"), **kw: Any
) -> pd.DataFrame:
    """The 产学研 mix of each alliance: how many enterprises (产), universities (学),
    research institutes (研), government bodies and others the graph knows among its
    lead, supporting and member units, with the shares of the first three."""
    f = _make_filters(g, kw.pop("filters", None), kw)
    B = two_mode(g, f, roles)
    cat = catalogue(g)
    alliances = sorted(
        a for a in cat.classes
        if cat.is_a(a, {AG + "Alliance"}) and (not f.alliances or a in f.alliances)
        and f.keep(cat, a, typed=False)
    )  # fmt: skip
    kinds = ["enterprises", "universities", "institutes", "government", "other"]
    rows = []
    for a in alliances:
        counts = dict.fromkeys(kinds, 0)
        for o in B.adj.get(a, ()):
            counts[_kind(cat, o)] += 1
        total = sum(counts.values())
        row = {"alliance": a, "label": cat.label(a), "members": total, **counts}
        for k, short in (("enterprises", "产"), ("universities", "学"), ("institutes", "研")):
            row[f"{short}_share"] = round(counts[k] / total, 3) if total else None
        rows.append(row)
    cols = ["alliance", "label", "members", *kinds, "产_share", "学_share", "研_share"]
    df = pd.DataFrame(rows, columns=cols)
    df = df.sort_values(["members", "alliance"], ascending=[False, True], kind="stable")
    return _with_meta(df.reset_index(drop=True), roles="|".join(roles))


def chain_gaps(g: Source, filters: Filters | None = None, **kw: Any) -> pd.DataFrame:
    """Links of industry chains with no research support behind them (补短板).

    One row per chain segment, and per industry field that organisations are said to
    operate in: how many enterprises, universities, research institutes and research
    platforms operate there, and ``gap`` = none of the last three. Gaps come first.
    """
    f = _make_filters(g, filters, kw)
    G = projection(g, "chain", f)
    cat = catalogue(g)
    rows = []
    for n, d in G.nodes(data=True):
        operators = [u for u, _, p in G.in_edges(n, data="predicate") if p == "ag:operatesIn"]
        is_segment = d["type"] == "ag:ChainSegment"
        if not is_segment and not operators:
            continue
        counts = {"enterprises": 0, "universities": 0, "institutes": 0, "platforms": 0, "other": 0}
        for u in operators:
            if cat.is_a(u, {AG + "ResearchPlatform"}):
                counts["platforms"] += 1
            else:
                k = _kind(cat, u)
                counts[k if k in counts else "other"] += 1
        fields = sorted(
            G.nodes[u]["label"] for u, _, p in G.in_edges(n, data="predicate")
            if p == "ag:hasSegment"
        )  # fmt: skip
        gap = counts["universities"] + counts["institutes"] + counts["platforms"] == 0
        rows.append(
            {
                "node": n,
                "label": d["label"],
                "kind": "segment" if is_segment else "field",
                "field": "、".join(fields),
                "chain_order": d.get("chain_order"),
                **counts,
                "gap": gap,
                "operators": "、".join(sorted(G.nodes[u]["label"] for u in operators)),
            }
        )
    cols = [
        "node", "label", "kind", "field", "chain_order", "enterprises", "universities",
        "institutes", "platforms", "other", "gap", "operators",
    ]  # fmt: skip
    df = pd.DataFrame(rows, columns=cols)
    df = df.sort_values(
        ["gap", "kind", "field", "chain_order", "label"],
        ascending=[False, False, True, True, True],
        kind="stable",
        na_position="last",
    )
    return _with_meta(df.reset_index(drop=True), gaps=int(df["gap"].sum()))


# -- reported versus known ---------------------------------------------------------------

# How the graph counts each reported measure (keyed by the measure's slug after
# "measure-"): what is counted, and the internal query that counts it in a scope.
COUNTERS: dict[str, tuple[str, str]] = {
    "alliances": ("alliances (ag:Alliance) in scope", "analysis-coverage-alliances"),
    "member-units": (
        "distinct member units (org:hasMember, leads included)",
        "analysis-coverage-member-units",
    ),
    "research-platforms": (
        "research platforms of the alliances or their members (ag:hasPlatform)",
        "analysis-coverage-research-platforms",
    ),
    "industry-plans": (
        "fields covered by planning documents (not roadmaps) the scope developed",
        "analysis-coverage-industry-plans",
    ),
    "joint-provincial-projects": (
        "projects the alliances or their members undertook (ag:undertook)",
        "analysis-coverage-joint-provincial-projects",
    ),
    "roadmap-fields": (
        "fields covered by technology roadmaps the alliances developed",
        "analysis-coverage-roadmap-fields",
    ),
}


def _bound(t: Term | None) -> str:
    """The value of a term the query always binds (a quoted triple in N-Triples)."""
    if t is None:
        raise ValueError("a query left a variable unbound that it always binds")
    return str(t) if isinstance(t, ox.Triple) else t.value


def coverage(g: Source) -> pd.DataFrame:
    """Each reported figure (ag:ReportedStatistic) next to what the graph itself counts.

    Columns: measure, scope, reported, unit, counted (None where the graph does not
    model what is counted), synthetic (how many of the counted are generated), gap
    (reported - counted), covered (counted / reported), how (what was counted), evidence
    and source of the figure. A system-wide figure is compared with what the graph holds of
    that system's alliances (those a source places in it, ``ag:partOfSystem``, and the
    synthetic ones), as ``reported-vs-counted`` counts: an alliance only another source
    names is not one of them.
    """
    cat = catalogue(g)
    rows = []
    seen = set()
    stats = g.query(internal.text("analysis-coverage-statistics")).rows
    for stat, measure, value, unit, scope, ev, src in stats:
        if _bound(stat) in seen:
            continue
        seen.add(_bound(stat))
        slug = _bound(measure).rsplit("/", 1)[-1].removeprefix("measure-")
        reported = float(_bound(value))
        counted = synthetic = None
        how = "not modelled in the graph"
        if slug in COUNTERS:
            how, counter = COUNTERS[slug]
            bound: dict[str, Term] = {"scope": ox.NamedNode(_bound(scope))}
            found = [_bound(row[0]) for row in g.query(internal.text(counter), bindings=bound).rows]
            counted = len(found)
            synthetic = sum(1 for x in found if x in cat.synthetic)
        rows.append(
            {
                "measure": cat.label(_bound(measure)),
                "scope": cat.label(_bound(scope)),
                "reported": int(reported) if reported.is_integer() else reported,
                "unit": cat.label(_bound(unit)) if unit is not None else "",
                "counted": counted,
                "synthetic": synthetic,
                "gap": None if counted is None else reported - counted,
                "covered": None
                if counted is None or not reported
                else round(counted / reported, 4),
                "how": how,
                "evidence": _bound(ev) if ev is not None else "",
                "source": cat.label(_bound(src)) if src is not None else "",
                "statistic": shorten(_bound(stat)),
            }
        )
    cols = [
        "measure", "scope", "reported", "unit", "counted", "synthetic", "gap", "covered",
        "how", "evidence", "source", "statistic",
    ]  # fmt: skip
    df = pd.DataFrame(rows, columns=cols)
    for c in ("counted", "synthetic"):
        df[c] = df[c].astype("Int64")
    return df
