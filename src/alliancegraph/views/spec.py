"""The spec: everything a view draws, built from a networkx graph and analysis results.

:func:`build_spec` turns a graph that follows the projection contract of
:mod:`alliancegraph.analysis` into nodes (label, class group, position, size, tooltip,
colour), edges (predicate, tooltip, width, curve), class groups and a legend, in one
language. Both renderers (:mod:`.html` and :mod:`.static`) draw from the same spec, so
the page and the picture agree.

A spec never computes a network measure itself: a size by a metric (degree, betweenness,
PageRank …) is the value :mod:`alliancegraph.analysis.metrics` gives (or the value the
analysis layer already wrote on the node), positions come from :mod:`.layout`. Nothing
here reads the store, writes a file or changes the graph it is given.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx

from ..analysis.metrics import measure, metric_key
from ..errors import UsageError
from ..namespaces import shorten
from . import layout as layouts

__all__ = [
    "CLASS_STYLES",
    "EDGE_LABEL_MAX_EDGES",
    "PALETTE",
    "PHYSICS_MAX_NODES",
    "ClassStyle",
    "Cluster",
    "Edge",
    "Group",
    "Node",
    "Spec",
    "build_spec",
    "darker",
    "metric_values",
]

Lang = Literal["zh", "en"]
Layout = Literal["auto", "force", "layered", "radial", "given"]

#: Above this many nodes a force-directed view gets no physics at all (positions only):
#: 100 bounded iterations cost ~0.3 s at 60 nodes but seconds at 150 in headless Chromium.
PHYSICS_MAX_NODES = 100
#: Above this many edges edge labels are left to tooltips (drawing them costs frames).
EDGE_LABEL_MAX_EDGES = 400


@dataclass(frozen=True)
class ClassStyle:
    """How one class looks: fill colour, vis-network shape and the matching matplotlib marker."""

    color: str
    shape: str
    marker: str


#: Colour and shape by class. Shapes keep the label outside the node, so a long Chinese
#: name never stretches it; colours are told apart by shape as well (colour-blind readers).
CLASS_STYLES: dict[str, ClassStyle] = {
    "ag:Alliance": ClassStyle("#d62728", "star", "*"),
    "ag:AllianceSystem": ClassStyle("#8c1c13", "star", "*"),
    "ag:Enterprise": ClassStyle("#1f77b4", "dot", "o"),
    "ag:University": ClassStyle("#2ca02c", "triangle", "^"),
    "ag:ResearchInstitute": ClassStyle("#17becf", "diamond", "D"),
    "ag:GovernmentAgency": ClassStyle("#9467bd", "square", "s"),
    "ag:OtherOrganization": ClassStyle("#aec7e8", "dot", "o"),
    "ag:Standard": ClassStyle("#ff7f0e", "triangleDown", "v"),
    "ag:PlanningDocument": ClassStyle("#e377c2", "square", "s"),
    "ag:TechnologyRoadmap": ClassStyle("#f7b6d2", "square", "s"),
    "ag:Project": ClassStyle("#8c564b", "diamond", "D"),
    "ag:ResearchPlatform": ClassStyle("#393b79", "hexagon", "h"),
    "ag:Event": ClassStyle("#ff9896", "triangleDown", "v"),
    "ag:IndustryField": ClassStyle("#e7ba52", "hexagon", "h"),
    "ag:ChainSegment": ClassStyle("#e6550d", "square", "s"),
    "ag:Place": ClassStyle("#7f7f7f", "triangle", "^"),
    "ag:SourceDocument": ClassStyle("#c7c7c7", "square", "s"),
    "ag:ReportedStatistic": ClassStyle("#9edae5", "dot", "o"),
    "ag:UnresolvedName": ClassStyle("#e0e0e0", "dot", "o"),
}
_DEFAULT_STYLE = ClassStyle("#a0a0a0", "dot", "o")

#: Colours for communities (or any categorical attribute): Tableau 20 reordered so that
#: neighbours in the list differ most.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#9edae5", "#dbdb8d", "#c7c7c7",
)  # fmt: skip


TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "classes": "类型",
        "communities": "社区",
        "sizeHeading": "节点大小",
        "find": "查找节点…",
        "aliases": "别名",
        "source": "来源",
        "synthetic": "合成数据（非真实）",
        "role": "角色",
        "weight": "权重",
        "nodes": "节点",
        "edges": "边",
        "community": "社区",
        "size_by": "按{metric}",
        "static_hint": "静态图：在受信任的笔记本中重新运行此单元格即可交互",
        "collapse": "全部折叠",
    },
    "en": {
        "classes": "Types",
        "communities": "Communities",
        "sizeHeading": "Node size",
        "find": "Find a node…",
        "aliases": "aliases",
        "source": "source",
        "synthetic": "synthetic data (not real)",
        "role": "role",
        "weight": "weight",
        "nodes": "nodes",
        "edges": "edges",
        "community": "community",
        "size_by": "by {metric}",
        "static_hint": "Static picture: re-run this cell in a trusted notebook to interact",
        "collapse": "Collapse all",
    },
}

METRIC_NAMES = {
    "zh": {
        "degree": "度",
        "weighted_degree": "加权度",
        "betweenness": "中介中心性",
        "pagerank": "PageRank",
        "closeness": "接近中心性",
        "effective_size": "有效规模",
        "constraint": "约束",
        "core_number": "k-核",
    },
    "en": {},
}


@dataclass
class Node:
    key: Hashable
    label: str
    group: int
    x: float
    y: float
    size: float
    title: str
    color: str | None = None
    synthetic: bool = False
    focus: bool = False
    #: importance of the label, 0 first: focus nodes, then by size, then by degree; labels
    #: that cannot fit are dropped in the reverse order (the tooltip still names the node)
    rank: int = 0


@dataclass
class Edge:
    source: int
    target: int
    predicate: int
    title: str
    width: float
    curve: int = 0


@dataclass
class Cluster:
    """A community drawn as one super-node (size by member count) that expands on click."""

    label: str
    members: list[int]
    x: float
    y: float
    size: float
    title: str
    color: str


@dataclass
class Group:
    key: str
    label: str
    style: ClassStyle
    count: int = 0


@dataclass
class Spec:
    """Everything both renderers (HTML and matplotlib) draw from."""

    kind: str
    title: str
    subtitle: str
    lang: Lang
    directed: bool
    nodes: list[Node]
    edges: list[Edge]
    groups: list[Group]
    predicates: list[tuple[str, bool]]
    communities: list[tuple[str, str, int]] = field(default_factory=list)
    physics: bool = False
    edge_labels: bool = True
    size_note: str = ""
    note: str = ""
    #: a reduced view (:mod:`.reduce`): the super-nodes drawn first, the edges between them,
    #: the note saying what was kept, and the full data as (file name, data: URI) links
    clusters: list[Cluster] = field(default_factory=list)
    cluster_edges: list[tuple[int, int, float, str]] = field(default_factory=list)
    reduction: str = ""
    downloads: list[tuple[str, str]] = field(default_factory=list)
    #: full-data files too big to embed: name -> bytes, written beside the HTML by save
    side_files: dict[str, bytes] = field(default_factory=dict)


def _pick(attrs: Mapping[str, Any], lang: Lang, zh_key: str, en_key: str, plain: str) -> str:
    """A name in the wanted language, else the other, else the plain attribute."""
    order = (en_key, plain, zh_key) if lang == "en" else (zh_key, plain, en_key)
    for k in order:
        v = attrs.get(k)
        if v not in (None, ""):
            return str(v)
    return ""


def _local_name(key: Hashable) -> str:
    text = str(key)
    for sep in ("#", "/", ":"):
        if sep in text:
            text = text.rsplit(sep, 1)[1] or text
    return text


def _humanize(cls: str) -> str:
    """``ag:ResearchInstitute`` -> ``research institute`` (an English fallback label)."""
    name = _local_name(cls)
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower() if name else "entity"


SizeBy = str | Mapping[Hashable, float] | None


def metric_values(G: nx.Graph, size_by: SizeBy, seed: int = 0) -> dict[Hashable, float] | None:
    """The number each node is sized by: ``size_by`` as a mapping node -> value; the node
    attribute of that name where the analysis layer wrote one (``betweenness`` …); else,
    for a metric name (degree, weighted_degree, betweenness, pagerank, closeness, kcore,
    effective_size, constraint), the value :func:`alliancegraph.analysis.metrics.measure`
    gives on this graph. None for equal sizes.

    >>> metric_values(nx.path_graph(3), "degree")
    {0: 1.0, 1: 2.0, 2: 1.0}
    """
    if size_by is None:
        return None
    if isinstance(size_by, Mapping):
        return {n: float(size_by.get(n, 0) or 0) for n in G.nodes}
    if not any(size_by in a for _, a in G.nodes(data=True)):
        key = metric_key(size_by)
        if key is None:
            raise UsageError(f"no node has a {size_by!r} value to size by; try degree")
        series = measure(G, key, seed=seed)
        return {n: 0.0 if math.isnan(v) else float(v) for n, v in series.items()}
    values: dict[Hashable, float] = {}
    for n, a in G.nodes(data=True):
        v = a.get(size_by)
        try:
            values[n] = float(v) if v is not None else 0.0
        except (TypeError, ValueError):
            values[n] = 0.0
        if math.isnan(values[n]):
            values[n] = 0.0
    return values


def _scale_sizes(
    values: dict[Hashable, float] | None, lo: float = 10, hi: float = 38
) -> Mapping[Hashable, float]:
    if not values:
        return defaultdict(lambda: 14.0)
    vmin = min(values.values())
    vmax = max(values.values())
    if vmax <= vmin:
        return defaultdict(lambda: 16.0)
    span = math.sqrt(vmax - vmin)
    return {n: lo + (hi - lo) * math.sqrt(v - vmin) / span for n, v in values.items()}


def build_spec(
    G: nx.Graph,
    *,
    kind: str,
    title: str | None,
    subtitle: str | None,
    lang: Lang,
    size_by: SizeBy,
    color_by: str,
    layout: Layout,
    positions: Mapping[Hashable, tuple[float, float]] | None,
    physics: bool | None,
    edge_labels: bool | None,
    focus: set[Hashable],
    type_labels: Mapping[str, Mapping[str, str]],
    note: str,
    seed: int,
) -> Spec:
    text = TEXT[lang]
    keys = list(G.nodes)
    index = {k: i for i, k in enumerate(keys)}
    attrs = G.nodes

    # Classes: one group each, in order of first appearance by size (biggest first).
    type_count = Counter(str(attrs[k].get("type") or "") for k in keys)
    groups: list[Group] = []
    group_of: dict[str, int] = {}
    for cls, count in sorted(type_count.items(), key=lambda kv: (-kv[1], kv[0])):
        names = type_labels.get(cls, {})
        label = names.get(lang) or ""
        if not label:
            sample = next(attrs[k] for k in keys if str(attrs[k].get("type") or "") == cls)
            if lang == "zh":
                label = str(sample.get("type_label") or "") or _humanize(cls)
            else:
                label = str(sample.get("type_label_en") or "") or _humanize(cls)
        group_of[cls] = len(groups)
        groups.append(Group(cls, label, CLASS_STYLES.get(cls, _DEFAULT_STYLE), count))

    measured = metric_values(G, size_by, seed)
    sizes = _scale_sizes(measured)
    size_note = ""
    if size_by is not None and not isinstance(size_by, Mapping):
        metric = METRIC_NAMES[lang].get(size_by, size_by.replace("_", " "))
        size_note = text["size_by"].format(metric=metric)
        method = (G.graph.get("methods") or {}).get(size_by)
        if method:  # as analysis measured it: exact, or sampled with k and seed
            size_note += f" · {method}"

    # Categorical colouring (communities): most populous value gets the first colour.
    colors: dict[Hashable, str] = {}
    communities: list[tuple[str, str, int]] = []
    if color_by != "type":
        values = {k: attrs[k].get(color_by) for k in keys}
        counts = Counter(v for v in values.values() if v is not None)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        color_of = {v: PALETTE[i % len(PALETTE)] for i, (v, _) in enumerate(ranked)}
        colors = {k: color_of[v] for k, v in values.items() if v is not None}
        name = text["community"] if color_by == "community" else color_by
        communities = [(f"{name} {v}", color_of[v], c) for v, c in ranked]

    if layout == "auto":
        layout = "force"
    if physics is None:
        physics = layout == "force" and 1 < len(keys) <= PHYSICS_MAX_NODES
    if positions is None or layout != "given":
        positions = layouts.layout(G, layout, focus=focus, seed=seed)

    nodes: list[Node] = []
    labels: list[str] = []
    for k in keys:
        a = attrs[k]
        label = _pick(a, lang, "label_zh", "label_en", "label") or _local_name(k)
        labels.append(label)
        group = group_of[str(a.get("type") or "")]
        lines = [label]
        other = _pick(a, "zh" if lang == "en" else "en", "label_zh", "label_en", "")
        if other and other != label:
            lines.append(other)
        lines.append(groups[group].label)
        aliases = [s for s in str(a.get("aliases") or "").split("|") if s]
        if aliases:
            lines.append(f"{text['aliases']}: {'、'.join(aliases)}")
        if a.get("synthetic"):
            lines.append(text["synthetic"])
        if size_note and measured is not None and isinstance(size_by, str):
            lines.append(f"{size_by}: {measured.get(k, 0.0):.4g}")
        if isinstance(k, str) and "://" in k:
            lines.append(shorten(k))
        x, y = positions.get(k, (0.0, 0.0))
        nodes.append(
            Node(
                key=k,
                label=label,
                group=group,
                x=round(float(x), 1),
                y=round(float(y), 1),
                size=round(sizes[k], 1),
                title="\n".join(lines),
                color=colors.get(k),
                synthetic=bool(a.get("synthetic")),
                focus=k in focus,
            )
        )

    _rank_labels(G, nodes, measured if size_by == "degree" else None)

    # Edges: a predicate table (labels repeat), parallel edges curved apart.
    predicates: list[tuple[str, bool]] = []
    predicate_of: dict[tuple[str, bool], int] = {}
    weights = [float(d.get("weight") or 1) for *_, d in G.edges(data=True)]
    wmax = max(weights, default=1.0)
    vary = bool(weights) and min(weights) != wmax
    seen_pairs: Counter[tuple[int, int]] = Counter()
    edges: list[Edge] = []
    for u, v, d in G.edges(data=True):
        i, j = index[u], index[v]
        plabel = _pick(d, lang, "label", "label_en", "") or _local_name(d.get("predicate", ""))
        entry = (plabel, bool(d.get("synthetic")))
        if entry not in predicate_of:
            predicate_of[entry] = len(predicates)
            predicates.append(entry)
        arrow = "→" if G.is_directed() else "—"
        lines = [f"{labels[i]} {arrow} {labels[j]}"]
        if plabel:
            lines.append(plabel)
        if d.get("role") and d.get("role") != plabel:
            lines.append(f"{text['role']}: {d['role']}")
        if vary or "weight" in d:
            lines.append(f"{text['weight']}: {float(d.get('weight') or 1):g}")
        if d.get("evidence"):
            lines.append(f"“{d['evidence']}”")
        if d.get("source"):
            lines.append(f"{text['source']}: {d['source']}")
        pair = (min(i, j), max(i, j))
        nth = seen_pairs[pair]
        seen_pairs[pair] += 1
        # 0 straight, then +1, -1, +2, -2 … (sign = curve direction, seen from the lower id)
        curve = 0 if nth == 0 else ((nth + 1) // 2) * (1 if nth % 2 else -1)
        if curve and i > j:
            curve = -curve
        w = float(d.get("weight") or 1)
        width = 1.2 + 4.0 * math.sqrt(w / wmax) if vary else 1.4
        edges.append(Edge(i, j, predicate_of[entry], "\n".join(lines), round(width, 2), curve))

    if edge_labels is None:
        edge_labels = len(edges) <= EDGE_LABEL_MAX_EDGES
    tally = f"{len(nodes)} {text['nodes']} · {len(edges)} {text['edges']}"
    return Spec(
        kind=kind,
        title=title if title is not None else kind,
        subtitle=f"{subtitle} · {tally}" if subtitle else tally,
        lang=lang,
        directed=G.is_directed(),
        nodes=nodes,
        edges=edges,
        groups=groups,
        predicates=predicates,
        communities=communities,
        physics=bool(physics),
        edge_labels=bool(edge_labels),
        size_note=size_note,
        note=note,
    )


def _rank_labels(
    G: nx.Graph, nodes: list[Node], degree: Mapping[Hashable, float] | None
) -> None:
    """Set each node's label rank: focus nodes first, then bigger nodes, then by degree
    (as :func:`metric_values` has analysis measure it), then by label."""
    if degree is None:
        degree = metric_values(G, "degree") or {} if len(nodes) > 1 else {}
    order = sorted(
        range(len(nodes)),
        key=lambda i: (
            not nodes[i].focus,
            -nodes[i].size,
            -degree.get(nodes[i].key, 0.0),
            nodes[i].label,
        ),
    )
    for r, i in enumerate(order):
        nodes[i].rank = r


def darker(color: str, factor: float = 0.7) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(int(c * factor) for c in (r, g, b)))
