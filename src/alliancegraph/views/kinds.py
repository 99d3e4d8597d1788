"""The view kinds: which network each view shows, asked of :mod:`alliancegraph.analysis`.

overview, alliance, ego, path, co-membership and chain. Each builder names entities the
way analysis resolves them, takes its network from analysis (a projection, an ego network,
the shortest paths, a projection carrying analysis metrics and communities), adds only
drawing hints (sectors, layers, order) and renders it. A view computes nothing: the paths
``view path A B`` draws are the paths ``analysis.path(g, A, B)`` lists, in its order and
under its limit; ``view ego X --radius R`` draws ``analysis.ego_graph(g, X, R)``; the
co-membership view's sizes and colours are the numbers ``analysis.central`` /
``analysis.communities`` report for the same projection and seed.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import replace
from typing import Any

import networkx as nx

from .. import analysis
from ..catalogue import Source
from ..errors import UsageError
from . import layout as layouts
from .spec import Lang
from .view import View, render

__all__ = [
    "KINDS",
    "alliance",
    "chain",
    "comembership",
    "ego",
    "make",
    "overview",
    "path",
]

#: View kinds the CLI and :func:`make` know, in the order ``--help`` lists them.
KINDS = ("overview", "alliance", "ego", "path", "co-membership", "chain", "overlap", "timeline",
         "composition")

#: Where a neighbour of the alliance sits in the alliance view, by the linking predicate
#: (either direction), strongest first: lead > supporting > member > developed > assisted.
_SECTOR_ORDER = ("lead", "supporting", "member", "developed", "assisted", "focus", "other")
_SECTOR_OF = {
    "ag:leadInstitution": "lead",
    "ag:supportingInstitution": "supporting",
    "org:hasMember": "member",
    "org:memberOf": "member",
    "ag:developed": "developed",
    "ag:assisted": "assisted",
    "ag:focusIndustry": "focus",
}
_SECTOR_NAMES = {
    "zh": {
        "lead": "牵头单位",
        "supporting": "依托单位",
        "member": "成员单位",
        "developed": "牵头制定/编制",
        "assisted": "帮扶",
        "focus": "聚焦领域",
        "other": "其他",
    },
    "en": {
        "lead": "lead institutions",
        "supporting": "supporting institutions",
        "member": "members",
        "developed": "developed",
        "assisted": "assisted",
        "focus": "focus industries",
        "other": "other",
    },
}


def _type_labels(g: Source, G: nx.Graph) -> dict[str, dict[str, str]]:
    """Class labels (zh, en) from the ontology, for the classes present in ``G``."""
    return analysis.class_labels(g, sorted({str(t) for _, t in G.nodes(data="type") if t}))


def _in_graph(G: nx.Graph, iri: str, what: str) -> None:
    if iri not in G:
        raise UsageError(f"{iri} is not in the {what} (is it an entity of the network?)")


def _name(G: nx.Graph, iri: str, lang: Lang) -> str:
    d = G.nodes[iri]
    return str(d.get("label_en" if lang == "en" else "label") or d["label"])


def _finish(g: Source, G: nx.Graph, lang: Lang, **kw: Any) -> View:
    kw.setdefault("type_labels", _type_labels(g, G))
    return render(G, lang=lang, **kw)


def overview(g: Source, *, lang: Lang = "zh", size_by: str | None = "degree", seed: int = 0,
             **filters: Any) -> View:  # fmt: skip
    """Every entity and stated fact of the graph (the typed entity projection).

    ``filters`` go to :func:`alliancegraph.analysis.make_filters` (alliances, types,
    since, until, synthetic).
    """
    G = analysis.entity_graph(g, analysis.make_filters(g, **filters))
    title = "联盟知识图谱总览" if lang == "zh" else "Alliance knowledge graph: overview"
    return _finish(g, G, lang, kind="overview", title=title, size_by=size_by, seed=seed)


def alliance(g: Source, name: str, *, lang: Lang = "zh", size_by: str | None = None,
             seed: int = 0) -> View:  # fmt: skip
    """One alliance in the middle; around it, in wedges, its lead, supporting and member
    institutions (sorted by type inside a wedge), what it developed, whom it assisted, its
    focus industries, and any other neighbour; facts among the neighbours are kept."""
    iri = analysis.resolve_alliances(g, [name])[0]
    G = analysis.entity_graph(g, alliances=[iri])
    _in_graph(G, iri, "entity graph")
    names = _SECTOR_NAMES[lang]
    for n in G:
        if n == iri:
            continue
        found = {
            _SECTOR_OF.get(str(d.get("predicate")), "other")
            for u, v, d in (*G.out_edges(iri, data=True), *G.in_edges(iri, data=True))
            if n in (u, v)
        } or {"other"}
        best = min(found, key=_SECTOR_ORDER.index)
        G.nodes[n]["sector"] = names[best]
        G.nodes[n]["ring"] = 1 if best in ("lead", "supporting", "member") else 2
    return _finish(
        g, G, lang, kind="alliance", title=_name(G, iri, lang), layout="radial", focus=[iri],
        size_by=size_by, physics=False, seed=seed,
        subtitle="成员（按角色与类型）、成果与帮扶" if lang == "zh"
        else "members by role and type, what it developed, whom it assisted",
    )  # fmt: skip


def ego(g: Source, name: str, *, radius: int = 1, lang: Lang = "zh",
        size_by: str | None = "degree", seed: int = 0) -> View:  # fmt: skip
    """An entity and everything within ``radius`` facts of it (either direction): the ego
    network :func:`alliancegraph.analysis.ego_graph` answers (radius 0 or more, by
    :func:`alliancegraph.analysis.check_radius`)."""
    G = analysis.ego_graph(g, name, radius)
    iri = G.graph["center"]
    _in_graph(G, iri, "entity graph")
    sub = f"半径 {radius}" if lang == "zh" else f"radius {radius}"
    return _finish(g, G, lang, kind="ego", title=_name(G, iri, lang), subtitle=sub,
                   focus=[iri], size_by=size_by, seed=seed)  # fmt: skip


def path(g: Source, source: str, target: str, *, lang: Lang = "zh",
         limit: int = analysis.PATH_LIMIT) -> View:  # fmt: skip
    """The shortest connections between two entities, left to right, each edge with its
    predicate, evidence quote and source (in its tooltip, and as its label): exactly the
    paths :func:`alliancegraph.analysis.path` lists, in its order, at most ``limit``."""
    G = analysis.path_graph(g, source, target, limit)
    a, b = G.graph["source"], G.graph["target"]
    _in_graph(G, a, "entity graph")
    _in_graph(G, b, "entity graph")
    found = G.graph["paths"]
    if not found:
        la, lb = G.nodes[a]["label"], G.nodes[b]["label"]
        raise UsageError(f"no path between {la} and {lb} in the entity graph")
    hops = len(found[0]) - 1
    title = f"{_name(G, a, lang)} → {_name(G, b, lang)}"
    sub = (
        f"{len(found)} 条最短路径，{hops} 步" if lang == "zh"
        else f"{len(found)} shortest path{'s' if len(found) != 1 else ''}, {hops} steps"
    )  # fmt: skip
    return _finish(g, G, lang, kind="path", title=title, subtitle=sub, layout="given",
                   positions=layouts.path_columns(found), focus=[a, b], size_by=None,
                   physics=False, edge_labels=True)  # fmt: skip


def comembership(g: Source, *, lang: Lang = "zh", size_by: str | None = "betweenness",
                 min_shared: int = 1, seed: int = 0, reduce: bool | None = None,
                 **filters: Any) -> View:  # fmt: skip
    """Organisations linked by the alliances they share (edge width = shared count),
    coloured by community and sized by betweenness, so brokers stand out: the Louvain
    communities and metric values :func:`alliancegraph.analysis.communities` and
    :func:`alliancegraph.analysis.central` report on the co-membership projection for
    the same seed. Above the size budget the view is reduced (``reduce=None``, see
    :mod:`.reduce`); ``reduce=False`` draws every edge."""
    f = analysis.make_filters(g, **filters)
    metric = analysis.metric_key(size_by) if isinstance(size_by, str) else None
    G = analysis.measured(g, "comembership", [metric] if metric else [], communities=True,
                          seed=seed, min_shared=min_shared, filters=f)  # fmt: skip
    title = "共同成员网络" if lang == "zh" else "Co-membership network"
    sub = "颜色：社区；大小：中介中心性（经纪人）" if lang == "zh" else (
        "colour: community; size: betweenness (brokers)"
    )  # fmt: skip
    return _finish(g, G, lang, kind="co-membership", title=title, subtitle=sub,
                   color_by="community", size_by=size_by, seed=seed, reduce=reduce)  # fmt: skip


def chain(g: Source, field: str | None = None, *, lang: Lang = "zh", size_by: str | None = None,
          **filters: Any) -> View:  # fmt: skip
    """Industry fields on top, their chain segments below (upstream to downstream, left to
    right), then the organisations operating in them; ``field`` narrows to one field, its
    narrower fields and their segments."""
    G = analysis.industry_chain(g, analysis.make_filters(g, **filters))
    iri = None
    if field is not None:
        iri = analysis.resolve(g, field, type="ag:IndustryField")
        _in_graph(G, iri, "industry-chain graph")
        G = G.subgraph(_chain_part(G, iri)).copy()
    fields = sorted(
        (n for n, t in G.nodes(data="type") if t == "ag:IndustryField"),
        key=lambda n: str(G.nodes[n].get("label")),
    )
    broader = {u for u, v, p in G.edges(data="predicate") if p == "skos:broader"}
    rank: dict[Hashable, tuple[int, int]] = {}
    for n in G:
        t = G.nodes[n].get("type")
        if t == "ag:IndustryField":
            G.nodes[n]["layer"] = 1 if n in broader else 0
        elif t == "ag:ChainSegment":
            G.nodes[n]["layer"] = 2
        else:
            G.nodes[n]["layer"] = 3
    # Segments: grouped by their field, upstream to downstream inside a group.
    field_rank = {f: i for i, f in enumerate(fields)}
    for n in G:
        if G.nodes[n]["layer"] == 2:
            parents = [field_rank[u] for u in G.predecessors(n) if u in field_rank]
            rank[n] = (min(parents, default=len(fields)), G.nodes[n].get("chain_order", 0))
    if rank:
        for i, n in enumerate(sorted(rank, key=lambda n: (rank[n], str(n)))):
            G.nodes[n]["order"] = i
    title = "产业链" if lang == "zh" else "Industry chain"
    if iri is not None:
        title = f"{title}: {_name(G, iri, lang)}"
    sub = "领域 → 环节（上游 → 下游）→ 机构" if lang == "zh" else (
        "fields → segments (upstream → downstream) → organisations"
    )  # fmt: skip
    return _finish(g, G, lang, kind="chain", title=title, subtitle=sub, layout="layered",
                   size_by=size_by, physics=False)  # fmt: skip


def _chain_part(G: nx.DiGraph, field: str) -> set[str]:
    """``field``, the fields narrower than it, their segments, the segments those feed,
    and whoever operates in any of them."""
    keep = {field}
    frontier = [field]
    while frontier:
        n = frontier.pop()
        nxt = [u for u, _, p in G.in_edges(n, data="predicate") if p == "skos:broader"]
        nxt += [v for _, v, p in G.out_edges(n, data="predicate")
                if p in ("ag:hasSegment", "ag:feedsInto")]  # fmt: skip
        for m in nxt:
            if m not in keep:
                keep.add(m)
                frontier.append(m)
    keep |= {u for u, v, p in G.edges(data="predicate") if p == "ag:operatesIn" and v in keep}
    return keep


_BUILDERS: dict[str, Callable[..., View]] = {
    "overview": overview,
    "alliance": alliance,
    "ego": ego,
    "path": path,
    "co-membership": comembership,
    "chain": chain,
}
_ARITY = {"overview": (0, 0), "alliance": (1, 1), "ego": (1, 1), "path": (2, 2),
          "co-membership": (0, 0), "chain": (0, 1)}  # fmt: skip


def make(g: Source, kind: str, *names: str, **options: Any) -> View:
    """The view ``kind`` of ``g`` for the entities ``names`` (as many as the kind takes).

    >>> make(g, "path", "爱美科", "功能材料联盟").save("path.html")  # doctest: +SKIP
    """
    kind = "co-membership" if kind in ("comembership", "co_membership") else kind
    if kind not in _BUILDERS:
        raise UsageError(f"unknown view {kind!r}; expected one of {', '.join(KINDS)}")
    lo, hi = _ARITY[kind]
    if not lo <= len(names) <= hi:
        want = str(lo) if lo == hi else f"{lo} to {hi}"
        raise UsageError(f"view {kind} takes {want} entity name(s), got {len(names)}")
    return _BUILDERS[kind](g, *names, **options)


# -- charts that compare alliances (views/charts.py): overlap, timeline, composition ---------
def _chart_alliances(g: Source, names: tuple[str, ...]) -> list[str]:
    return analysis.questions.resolve_alliances(g, list(names))


def overlap(g: Source, *names: str, lang: Lang = "zh", explorer: str = "",
            **filters: Any) -> View:  # fmt: skip
    """Alliances x alliances, shared members (count, Jaccard), in the clustered order
    :func:`alliancegraph.analysis.overlap_matrix` answers. No names: every alliance; one:
    it and the alliances it shares a member with; more: those alliances."""
    from . import charts

    chosen = _chart_alliances(g, names)
    if len(chosen) == 1:
        every = analysis.overlap_matrix(g, **filters)
        row = every[(every["alliance"] == chosen[0]) & (every["shared"] > 0)]
        chosen = sorted(set(row["other"]) | set(chosen))
    f = analysis.make_filters(g, **filters)
    if chosen:
        f = replace(f, alliances=frozenset(chosen))
    df = analysis.overlap_matrix(g, filters=f)
    return charts.overlap(df, lang=lang, explorer=explorer)


def timeline(g: Source, *names: str, lang: Lang = "zh", **filters: Any) -> View:
    """Dated facts on a time axis, one lane per alliance, filterable in the page: the rows
    :func:`alliancegraph.analysis.timeline` answers (for the named alliances, or all)."""
    from . import charts

    return charts.timeline(analysis.timeline(g, alliances=list(names), **filters), lang=lang)


def composition(g: Source, *names: str, lang: Lang = "zh", **filters: Any) -> View:
    """Each alliance's members by kind and by role as stacked bars, the reported member
    count beside the counted one: :func:`alliancegraph.analysis.composition_by_role`."""
    from . import charts

    df = analysis.composition_by_role(g, alliances=list(names), **filters)
    return charts.composition(df, lang=lang)


_BUILDERS.update(overlap=overlap, timeline=timeline, composition=composition)
_ARITY.update(overlap=(0, 99), timeline=(0, 99), composition=(0, 99))
__all__ += ["composition", "overlap", "timeline"]
