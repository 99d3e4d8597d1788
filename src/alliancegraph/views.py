"""Network views: self-contained interactive HTML (vis-network), and PNG/SVG for reports.

A view turns a networkx graph that follows the projection contract of :mod:`.analysis`
(nodes keyed by IRI with ``label``, ``label_zh``, ``label_en``, ``type``, ``type_label``,
``aliases``, optional ``synthetic``; edges with ``predicate``, ``label``, ``label_en``,
``evidence``, ``source``, optional ``weight`` and ``role``) into a page that

- works with no network at all: vis-network (the copy bundled with pyvis) and our own
  script and style are inlined, nothing is loaded from anywhere, and a Content-Security-
  Policy allows only those exact scripts (by hash) to run;
- shows user data as text, never markup: labels are drawn on the canvas, tooltips are
  plain strings (vis-network sets them with ``innerText``), the legend and search list are
  built with ``textContent``; the data travels as JSON in a non-executed
  ``<script type="application/json">`` with ``<``, ``>``, ``&`` and U+2028/9 escaped;
- stays fast: positions are precomputed here (igraph's Fruchterman-Reingold, seeded; a
  layered layout for chains and paths; wedges by role for an alliance), physics runs only
  on small force-directed views, bounded, and is switched off once stable.

This module never calls pyvis's ``Network`` (its templates load Bootstrap from a CDN, its
Jinja environment does not escape, ``add_edge`` scans every edge, ``from_nx`` mutates the
caller's graph and ``write_html`` uses the locale's encoding) and never writes a file the
caller did not name. It takes from pyvis only the vis-network script it ships.

>>> import networkx as nx
>>> G = nx.DiGraph()
>>> G.add_node("a", label="重庆邮电大学", type="ag:University", type_label="高等院校")
>>> G.add_node("b", label="工业互联网联盟", type="ag:Alliance", type_label="联盟")
>>> G.add_edge("b", "a", predicate="ag:leadInstitution", label="牵头单位")
>>> v = render(G, title="demo")
>>> v.node_count, v.edge_count, "https://" in v.html.split("<script>")[0]
(2, 1, False)
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "CLASS_STYLES",
    "KINDS",
    "View",
    "alliance",
    "chain",
    "cjk_families",
    "comembership",
    "ego",
    "make",
    "overview",
    "path",
    "render",
]

Lang = Literal["zh", "en"]
Layout = Literal["auto", "force", "layered", "radial", "given"]

#: View kinds the CLI and :func:`make` know, in the order ``--help`` lists them.
KINDS = ("overview", "alliance", "ego", "path", "co-membership", "chain")

#: Above this many nodes a force-directed view gets no physics at all (positions only):
#: 100 bounded iterations cost ~0.3 s at 60 nodes but seconds at 150 in headless Chromium.
PHYSICS_MAX_NODES = 100
#: Above this many nodes a view is "large": tighter layout, no hover, labels by node size.
LARGE_VIEW_NODES = 300
#: Above this many edges edge labels are left to tooltips (drawing them costs frames).
EDGE_LABEL_MAX_EDGES = 400

_TEMPLATES = Path(__file__).with_name("templates")


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

#: Font stack for Chinese (and Latin) text in the page and on the canvas.
CJK_FONT_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans", Arial, sans-serif'
)
#: Families tried, in order, for static export (matplotlib falls back glyph by glyph).
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Arial Unicode MS",
)

_TEXT: dict[str, dict[str, str]] = {
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
    },
}

_METRIC_NAMES = {
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


# --------------------------------------------------------------------------- the result


class View:
    """A rendered network view: self-contained HTML, plus PNG/SVG export of the same layout.

    In Jupyter (Lab, Notebook, VS Code) the object displays itself inline as an
    ``<iframe srcdoc=…>`` of the page: nothing is written to disk and nothing is fetched.

    >>> import networkx as nx
    >>> v = render(nx.path_graph(3), title="three")
    >>> v.html.startswith("<!DOCTYPE html>"), "srcdoc=" in v._repr_html_()
    (True, True)
    """

    def __init__(self, html_text: str, spec: _Spec):
        self.html = html_text
        self._spec = spec

    @property
    def title(self) -> str:
        return self._spec.title

    @property
    def kind(self) -> str:
        return self._spec.kind

    @property
    def node_count(self) -> int:
        return len(self._spec.nodes)

    @property
    def edge_count(self) -> int:
        return len(self._spec.edges)

    @property
    def physics(self) -> bool:
        """Whether the page runs (bounded) physics before it switches it off."""
        return self._spec.physics

    def __repr__(self) -> str:
        return (
            f"<View {self.kind} {self.title!r}: {self.node_count} nodes, "
            f"{self.edge_count} edges, {len(self.html.encode('utf-8')) // 1024} KiB>"
        )

    def _repr_html_(self) -> str:
        # sandbox without allow-same-origin: the page cannot touch the notebook around it.
        return (
            '<iframe sandbox="allow-scripts" style="width:100%;height:640px;border:0" '
            f'title="{html.escape(self.title, quote=True)}" '
            f'srcdoc="{html.escape(self.html, quote=True)}"></iframe>'
        )

    def save(self, path: str | Path, *, dpi: int = 150) -> Path:
        """Write the view to ``path``; ``.html``, ``.png`` or ``.svg`` by the suffix."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            _atomic_write_bytes(path, self.html.encode("utf-8"))
        elif suffix in (".png", ".svg"):
            _atomic_write_bytes(path, self.to_image(suffix[1:], dpi=dpi))
        else:
            from .errors import UsageError

            raise UsageError(f"cannot write a view as {path.name!r}: use .html, .png or .svg")
        return path

    def to_image(self, fmt: Literal["png", "svg"] = "png", *, dpi: int = 150) -> bytes:
        """The view drawn with matplotlib (CJK font found on the system), as PNG or SVG bytes."""
        return _draw_static(self._spec, fmt, dpi=dpi)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    """Readers see the old file or the new, never half (and the encoding is always UTF-8)."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- the spec


@dataclass
class _Node:
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


@dataclass
class _Edge:
    source: int
    target: int
    predicate: int
    title: str
    width: float
    curve: int = 0


@dataclass
class _Group:
    key: str
    label: str
    style: ClassStyle
    count: int = 0


@dataclass
class _Spec:
    """Everything both renderers (HTML and matplotlib) draw from."""

    kind: str
    title: str
    subtitle: str
    lang: Lang
    directed: bool
    nodes: list[_Node]
    edges: list[_Edge]
    groups: list[_Group]
    predicates: list[tuple[str, bool]]
    communities: list[tuple[str, str, int]] = field(default_factory=list)
    physics: bool = False
    edge_labels: bool = True
    size_note: str = ""
    note: str = ""


# --------------------------------------------------------------------------- rendering


def render(
    G: Any,
    *,
    kind: str = "graph",
    title: str | None = None,
    subtitle: str | None = None,
    lang: Lang = "zh",
    size_by: str | Mapping[Hashable, float] | None = "degree",
    color_by: str = "type",
    layout: Layout = "auto",
    positions: Mapping[Hashable, tuple[float, float]] | None = None,
    physics: bool | None = None,
    edge_labels: bool | None = None,
    focus: Iterable[Hashable] = (),
    type_labels: Mapping[str, Mapping[str, str]] | None = None,
    note: str = "",
    seed: int = 0,
) -> View:
    """Render a networkx graph that follows the projection contract as a :class:`View`.

    Parameters
    ----------
    G : networkx graph (any of the four kinds); it is only read, never changed.
    title, subtitle : shown as text in the page heading.
    lang : ``"zh"`` (default) or ``"en"``: node, edge and class labels in that language,
        falling back to the other where a name is missing.
    size_by : ``"degree"``, the name of a numeric node attribute (``betweenness``,
        ``pagerank`` … as the analysis layer writes them), a mapping node -> value, or None
        for equal sizes. Sizes scale with the square root of the value.
    color_by : ``"type"`` (colour and shape by class) or a categorical node attribute
        (e.g. ``community``): then colour by its value, shape still by class.
    layout : ``"force"`` (igraph Fruchterman-Reingold, seeded), ``"layered"`` (node attribute
        ``layer``: 0, 1, 2 … top to bottom, ``order`` within a layer), ``"radial"`` (node
        attribute ``sector``: wedges around the ``focus`` node, ``ring`` for distance) or
        ``"given"`` (``positions``). ``"auto"`` is force.
    physics : None lets the view decide: bounded physics (then off) for force layouts of at
        most ``PHYSICS_MAX_NODES`` nodes, none otherwise.
    edge_labels : None draws them up to ``EDGE_LABEL_MAX_EDGES`` edges; tooltips always
        carry the predicate, evidence quote and source.
    focus : nodes drawn with a bold border (the ego, a path's ends, the alliance).
    type_labels : class -> {"zh": …, "en": …}; defaults to the nodes' ``type_label`` (zh)
        and a readable form of the class name (en).
    seed : seeds every random step of the layout, so the same graph gives the same page.

    Returns
    -------
    View
    """
    if lang not in _TEXT:
        from .errors import UsageError

        raise UsageError(f"unknown language {lang!r}: use zh or en")
    spec = _build_spec(
        G,
        kind=kind,
        title=title,
        subtitle=subtitle,
        lang=lang,
        size_by=size_by,
        color_by=color_by,
        layout=layout,
        positions=positions,
        physics=physics,
        edge_labels=edge_labels,
        focus=set(focus),
        type_labels=type_labels or {},
        note=note,
        seed=seed,
    )
    return View(_to_html(spec), spec)


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


def _metric_values(G: Any, size_by: Any) -> dict[Hashable, float] | None:
    if size_by is None:
        return None
    if isinstance(size_by, Mapping):
        return {n: float(size_by.get(n, 0) or 0) for n in G.nodes}
    if size_by == "degree":
        return {n: float(d) for n, d in G.degree()}
    if size_by == "weighted_degree":
        return {n: float(d) for n, d in G.degree(weight="weight")}
    values: dict[Hashable, float] = {}
    for n, a in G.nodes(data=True):
        v = a.get(size_by)
        try:
            values[n] = float(v) if v is not None else 0.0
        except (TypeError, ValueError):
            values[n] = 0.0
    if not any(values.values()) and not any(size_by in a for _, a in G.nodes(data=True)):
        from .errors import UsageError

        raise UsageError(f"no node has a {size_by!r} value to size by; try degree")
    return values


def _scale_sizes(values: dict[Hashable, float] | None, lo: float = 10, hi: float = 38):
    if not values:
        return defaultdict(lambda: 14.0)
    vmin = min(values.values())
    vmax = max(values.values())
    if vmax <= vmin:
        return defaultdict(lambda: 16.0)
    span = math.sqrt(vmax - vmin)
    return {n: lo + (hi - lo) * math.sqrt(v - vmin) / span for n, v in values.items()}


def _build_spec(
    G: Any,
    *,
    kind: str,
    title: str | None,
    subtitle: str | None,
    lang: Lang,
    size_by: Any,
    color_by: str,
    layout: Layout,
    positions: Mapping[Hashable, tuple[float, float]] | None,
    physics: bool | None,
    edge_labels: bool | None,
    focus: set[Hashable],
    type_labels: Mapping[str, Mapping[str, str]],
    note: str,
    seed: int,
) -> _Spec:
    text = _TEXT[lang]
    keys = list(G.nodes)
    index = {k: i for i, k in enumerate(keys)}
    attrs = G.nodes

    # Classes: one group each, in order of first appearance by size (biggest first).
    type_count = Counter(str(attrs[k].get("type") or "") for k in keys)
    groups: list[_Group] = []
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
        groups.append(_Group(cls, label, CLASS_STYLES.get(cls, _DEFAULT_STYLE), count))

    sizes = _scale_sizes(_metric_values(G, size_by))
    size_note = ""
    if size_by is not None and not isinstance(size_by, Mapping):
        metric = _METRIC_NAMES[lang].get(size_by, size_by.replace("_", " "))
        size_note = text["size_by"].format(metric=metric)

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
        positions = _layout(G, layout, focus=focus, seed=seed)

    nodes: list[_Node] = []
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
        if size_note and not isinstance(size_by, Mapping):
            v = a.get(size_by) if size_by not in ("degree", "weighted_degree") else None
            if isinstance(v, int | float):
                lines.append(f"{size_by}: {v:.4g}")
        if isinstance(k, str) and "://" in k:
            from .namespaces import shorten

            lines.append(shorten(k))
        x, y = positions.get(k, (0.0, 0.0))
        nodes.append(
            _Node(
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

    # Edges: a predicate table (labels repeat), parallel edges curved apart.
    predicates: list[tuple[str, bool]] = []
    predicate_of: dict[tuple[str, bool], int] = {}
    weights = [float(d.get("weight") or 1) for *_, d in G.edges(data=True)]
    wmax = max(weights, default=1.0)
    vary = bool(weights) and min(weights) != wmax
    seen_pairs: Counter[tuple[int, int]] = Counter()
    edges: list[_Edge] = []
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
        edges.append(_Edge(i, j, predicate_of[entry], "\n".join(lines), round(width, 2), curve))

    if edge_labels is None:
        edge_labels = len(edges) <= EDGE_LABEL_MAX_EDGES
    counts = f"{len(nodes)} {text['nodes']} · {len(edges)} {text['edges']}"
    return _Spec(
        kind=kind,
        title=title if title is not None else kind,
        subtitle=f"{subtitle} · {counts}" if subtitle else counts,
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


# --------------------------------------------------------------------------- layouts


def _layout(G: Any, layout: str, *, focus: set[Hashable], seed: int) -> dict:
    if layout == "layered":
        return _layered_layout(G)
    if layout == "radial":
        center = next(iter(focus), None)
        return _radial_layout(G, center)
    if layout in ("force", "given"):
        return _force_layout(G, seed)
    from .errors import UsageError

    raise UsageError(f"unknown layout {layout!r}: use force, layered, radial or given")


def _force_layout(G: Any, seed: int = 0) -> dict[Hashable, tuple[float, float]]:
    """Fruchterman-Reingold from a seeded start: igraph (0.2 s at 2,000 nodes), else networkx.

    Coordinates are scaled so that each node has about 130 px (70 px on large views) of
    room, at the scale vis-network draws at zoom 1.
    """
    import random

    keys = list(G.nodes)
    n = len(keys)
    if n == 0:
        return {}
    if n == 1:
        return {keys[0]: (0.0, 0.0)}
    # igraph's own starting square (side sqrt(n)): a tighter start puts every node in one
    # cell of its grid and costs 20x (9 s instead of 0.45 s at 2,000 nodes)
    rng = random.Random(seed)
    half = math.sqrt(n) / 2
    start = [[rng.uniform(-half, half), rng.uniform(-half, half)] for _ in range(n)]
    index = {k: i for i, k in enumerate(keys)}
    pairs = {(index[u], index[v]) for u, v in G.edges() if u != v}
    try:
        import igraph

        h = igraph.Graph(n=n, edges=sorted(pairs))
        # igraph draws from a process-wide generator: lend it a seeded one for this call
        igraph.set_random_number_generator(random.Random(seed))
        try:
            coords = h.layout_fruchterman_reingold(
                seed=start, niter=500 if n <= 1000 else 300, grid="auto"
            ).coords
        finally:
            igraph.set_random_number_generator(random)
    except ImportError:  # the views extra brings igraph; networkx is the slow fallback
        import networkx as nx

        H = nx.Graph()
        H.add_nodes_from(range(n))
        H.add_edges_from(pairs)
        pos = nx.spring_layout(
            H, pos={i: tuple(p) for i, p in enumerate(start)}, seed=seed, iterations=50
        )
        coords = [pos[i] for i in range(n)]
    spacing = 130.0 if n <= LARGE_VIEW_NODES else 70.0
    return _normalise(dict(zip(keys, coords, strict=True)), spacing=spacing)


def _normalise(pos: dict, spacing: float) -> dict[Hashable, tuple[float, float]]:
    """Centre the layout and scale it so that its area gives each node about spacing² px²."""
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    extent = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    target = max(300.0, spacing * math.sqrt(len(pos)))
    k = target / extent
    return {n: ((x - cx) * k, (y - cy) * k) for n, (x, y) in pos.items()}


def _layered_layout(G: Any) -> dict[Hashable, tuple[float, float]]:
    """Layers from the node attribute ``layer`` (0 = top), placed top down. Inside a layer
    nodes follow the attribute ``order`` where every node has one, else the mean x of their
    neighbours already placed (the barycentre), and sit as near that x as a minimum gap
    (from the longest label) allows. Layers too long for one row wrap into staggered rows.
    """
    layers: dict[int, list[Hashable]] = defaultdict(list)
    for k in G.nodes:
        layers[int(G.nodes[k].get("layer", 0) or 0)].append(k)
    undirected = G.to_undirected(as_view=True)
    pos: dict[Hashable, tuple[float, float]] = {}
    per_row, y = 16, 0.0

    def name(k: Hashable) -> str:
        return str(G.nodes[k].get("label") or k)

    for li in sorted(layers):
        row = layers[li]
        gap = min(320.0, max(140.0, 15.0 * max(len(name(k)) for k in row) + 30.0))
        want: dict[Hashable, float | None] = {}
        for k in row:
            xs = [pos[m][0] for m in undirected.neighbors(k) if m in pos]
            want[k] = sum(xs) / len(xs) if xs else None
        if all("order" in G.nodes[k] for k in row):
            row.sort(key=lambda k: (G.nodes[k]["order"], str(k)))
        else:
            row.sort(key=lambda k: (math.inf if want[k] is None else want[k], name(k)))
        stagger = len(row) > 6
        if len(row) > per_row or all(w is None for w in want.values()):
            for start in range(0, len(row), per_row):
                chunk = row[start : start + per_row]
                width = (len(chunk) - 1) * gap
                for i, k in enumerate(chunk):
                    pos[k] = (i * gap - width / 2, y + (28.0 if i % 2 and stagger else 0.0))
                y += 110.0
            y += 60.0
            continue
        xs: list[float] = []
        for k in row:
            w = want[k]
            if not xs:
                xs.append(w if w is not None else 0.0)
            else:
                xs.append(max(w if w is not None else -math.inf, xs[-1] + gap))
        anchored = [(x, want[k]) for x, k in zip(xs, row, strict=True) if want[k] is not None]
        shift = sum(w - x for x, w in anchored) / len(anchored) if anchored else 0.0
        for i, (k, x) in enumerate(zip(row, xs, strict=True)):
            pos[k] = (x + shift, y + (28.0 if i % 2 and stagger else 0.0))
        y += 170.0
    return pos


def _radial_layout(G: Any, center: Hashable | None) -> dict[Hashable, tuple[float, float]]:
    """The centre node in the middle; the others in wedges by the node attribute ``sector``
    (wedge size by count, order of first appearance), sorted by ``type`` then label inside a
    wedge, filling arcs outwards; nodes with ``ring`` 2 start on an outer arc.
    """
    pos: dict[Hashable, tuple[float, float]] = {}
    others = [k for k in G.nodes if k != center]
    if center is not None and center in G:
        pos[center] = (0.0, 0.0)
    if not others:
        return pos
    sectors: dict[str, list[Hashable]] = defaultdict(list)
    for k in others:
        sectors[str(G.nodes[k].get("sector", ""))].append(k)
    total = len(others)
    gap = 0.12 if len(sectors) > 1 else 0.0
    usable = 2 * math.pi - gap * len(sectors)
    angle = -math.pi / 2
    spacing, r0, step = 95.0, 240.0, 120.0
    for members in sectors.values():
        members.sort(
            key=lambda k: (
                int(G.nodes[k].get("ring", 1) or 1),
                str(G.nodes[k].get("type", "")),
                str(G.nodes[k].get("label", k)),
            )
        )
        span = usable * len(members) / total
        r = r0
        rest = list(members)
        while rest:
            ring = int(G.nodes[rest[0]].get("ring", 1) or 1)
            r = max(r, r0 + step * (ring - 1))
            cap = max(1, int(span * r / spacing))
            take = [k for k in rest[:cap] if int(G.nodes[k].get("ring", 1) or 1) <= ring] or [
                rest[0]
            ]
            for i, k in enumerate(take):
                a = angle + span * (i + 0.5) / len(take)
                pos[k] = (r * math.cos(a), r * math.sin(a))
            rest = rest[len(take) :]
            r += step
        angle += span + gap
    return pos


# --------------------------------------------------------------------------- HTML


@lru_cache(maxsize=1)
def _vis_js() -> str:
    """vis-network's standalone build as pyvis ships it, without its source-map comment."""
    import pyvis

    lib = Path(pyvis.__file__).parent / "templates" / "lib"
    candidates = sorted(lib.glob("vis-*/vis-network.min.js"), key=lambda p: _version(p.parent))
    if not candidates:
        from .errors import AllianceGraphError

        raise AllianceGraphError(f"pyvis ships no vis-network script under {lib}")
    js = candidates[-1].read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S*\s*$", "", js)
    if re.search(r"</script|<!--", js, re.IGNORECASE):  # cannot sit inside <script>
        from .errors import AllianceGraphError

        raise AllianceGraphError(f"{candidates[-1]} cannot be inlined safely")
    return js


def _version(folder: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", folder.name))


@lru_cache(maxsize=4)
def _template(name: str) -> str:
    return (_TEMPLATES / name).read_text(encoding="utf-8")


def script_json(value: Any) -> str:
    """JSON safe to embed in an HTML ``<script>`` element: no ``</script>``, no ``<!--``,
    no line separators that end a JavaScript string.

    >>> script_json({"label": "</script><b>&"})
    '{"label":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _vis_options(spec: _Spec) -> dict[str, Any]:
    big = len(spec.nodes) > LARGE_VIEW_NODES
    options: dict[str, Any] = {
        "autoResize": True,
        "nodes": {
            "shape": "dot",
            "borderWidth": 1,
            "font": {
                "face": CJK_FONT_STACK,
                "size": 13 if big else 15,
                "color": "#222",
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
            },
            "scaling": {"label": {"drawThreshold": 7 if big else 4}},
        },
        "edges": {
            "color": {"color": "#9aa3ad", "highlight": "#333", "hover": "#555", "inherit": False},
            "font": {
                "face": CJK_FONT_STACK,
                "size": 11,
                "color": "#555",
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
                "align": "middle",
            },
            "arrows": {"to": {"enabled": spec.directed, "scaleFactor": 0.5}},
            "smooth": False,
            "selectionWidth": 1.5,
            "hoverWidth": 0.8,
        },
        "interaction": {
            "hover": not big,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "navigationButtons": False,
            "keyboard": False,
            "multiselect": True,
        },
        "layout": {"improvedLayout": False, "randomSeed": 0},
    }
    if spec.physics:
        options["physics"] = {
            "enabled": True,
            "solver": "barnesHut",
            "barnesHut": {
                "gravitationalConstant": -6000,
                "springLength": 130,
                "springConstant": 0.03,
                "damping": 0.25,
                "avoidOverlap": 0.3,
            },
            "stabilization": {"enabled": True, "iterations": 100, "updateInterval": 50},
            "minVelocity": 1.0,
        }
    else:
        options["physics"] = {"enabled": False}
    return options


def _to_html(spec: _Spec) -> str:
    from . import __version__

    text = _TEXT[spec.lang]
    nodes = []
    for n in spec.nodes:
        flags = (1 if n.synthetic else 0) | (2 if n.focus else 0)
        font = round(11 + (n.size - 10) * 0.35, 1) if len(spec.nodes) > LARGE_VIEW_NODES else 0
        nodes.append([n.label, n.group, n.x, n.y, n.size, n.title, n.color or 0, flags, font])
    data = {
        "nodes": nodes,
        "edges": [[e.source, e.target, e.predicate, e.title, e.width, e.curve] for e in spec.edges],
        "predicates": [{"label": p, "dashes": synthetic} for p, synthetic in spec.predicates],
        "groups": [
            {
                "key": g.key,
                "label": g.label,
                "color": g.style.color,
                "border": _darker(g.style.color),
                "shape": g.style.shape,
                "count": g.count,
            }
            for g in spec.groups
        ],
        "communities": [{"label": lb, "color": c, "count": n} for lb, c, n in spec.communities],
        "edgeLabels": spec.edge_labels,
        "options": _vis_options(spec),
        "text": {
            "classes": text["classes"],
            "communities": text["communities"],
            "sizeHeading": text["sizeHeading"],
            "size": spec.size_note,
            "note": spec.note,
        },
        "kind": spec.kind,
    }
    vis_js = _vis_js()
    app_js = _template("view.js")
    values = {
        "LANG": "zh-CN" if spec.lang == "zh" else "en",
        "VERSION": html.escape(__version__),
        "TITLE": html.escape(spec.title, quote=True),
        "SUBTITLE": html.escape(spec.subtitle, quote=True),
        "FIND_PLACEHOLDER": html.escape(text["find"], quote=True),
        "SCRIPT_HASHES": f"{_csp_hash(vis_js)} {_csp_hash(app_js)}",
        "CSS": _template("view.css"),
        "DATA": script_json(data),
        "VIS_JS": vis_js,
        "APP_JS": app_js,
    }
    # One pass: text substituted in is never scanned again (a title may contain "@@DATA@@").
    return re.sub(r"@@([A-Z_]+)@@", lambda m: values[m.group(1)], _template("view.html"))


def _darker(color: str, factor: float = 0.7) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(int(c * factor) for c in (r, g, b)))


# --------------------------------------------------------------------------- static export


@lru_cache(maxsize=1)
def cjk_families() -> list[str]:
    """The installed CJK font families matplotlib can use, best first (may be empty)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = [name for name in CJK_FAMILIES if name in installed]
    if not found:  # any font whose name says it covers Chinese
        found = sorted(
            n for n in installed if re.search(r"CJK|Han Sans|Hei|Song|Kai|Ming|YaHei", n)
        )[:2]
    return found


def _draw_static(spec: _Spec, fmt: str, dpi: int = 150) -> bytes:
    """Draw nodes by class (shape and colour), labels, edges and a legend with matplotlib.

    Uses the object API with an Agg/SVG canvas: no pyplot, no global state, no window.
    """
    import io

    import matplotlib
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    n = len(spec.nodes)
    families = [*cjk_families(), "DejaVu Sans"]
    rc = {"font.family": families, "svg.fonttype": "path", "axes.unicode_minus": False}
    xs = [nd.x for nd in spec.nodes]
    ys = [-nd.y for nd in spec.nodes]  # the canvas's y grows downwards
    # Labels: all of them on small views, the biggest nodes on large ones.
    shown = list(range(n))
    if n > 80:
        shown = sorted(range(n), key=lambda i: -spec.nodes[i].size)[:60]
    # The figure takes the layout's proportions at 0.6 pt per layout pixel (a 15 px label
    # becomes 9 pt), within 7-24 inches a side; margins leave room for the widest label.
    widest = max((len(spec.nodes[i].label) for i in shown), default=0)
    width = (max(xs) - min(xs)) if n else 0.0
    height = (max(ys) - min(ys)) if n else 0.0
    span_w = width + 2 * max(80.0, widest * 8.0)
    span_h = height + 200.0
    graph_w = min(22.0, max(6.0, span_w * 0.6 / 72))
    entries = [f"{g.label} ({g.count})" for g in spec.groups]
    entries += [f"{label} ({count})" for label, _, count in spec.communities[:12]]
    legend_w = min(4.5, max(1.8, (max(map(len, entries), default=4) * 10 + 50) / 72))
    fig_w = graph_w + legend_w
    fig_h = min(24.0, max(5.0, span_h * 0.6 / 72 / 0.84))
    ax_w, ax_h = (graph_w - 0.1) * 72, 0.84 * fig_h * 72
    ppu = min(ax_w / span_w, ax_h / span_h)
    fsize = min(10.0, max(5.5, 15.0 * ppu))
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(fig_w, fig_h), dpi=dpi, facecolor="white")
        ax = fig.add_axes((0.05 / fig_w, 0.01, (graph_w - 0.1) / fig_w, 0.84))
        ax.set_axis_off()
        top = 1 - 0.45 / fig_h
        fig.text(0.01, top, spec.title, fontsize=15, weight="bold", va="center")
        fig.text(0.01, top - 0.32 / fig_h, spec.subtitle, fontsize=10, color="#555", va="center")
        segments = [
            ((xs[e.source], ys[e.source]), (xs[e.target], ys[e.target])) for e in spec.edges
        ]
        if segments:
            widths = [0.3 + 0.4 * e.width for e in spec.edges]
            ax.add_collection(
                LineCollection(segments, colors="#9aa3ad", linewidths=widths, zorder=1, alpha=0.8)
            )
        diameters = [min(26.0, max(4.0, 2 * nd.size * ppu)) for nd in spec.nodes]
        by_marker: dict[tuple[str, int], list[int]] = defaultdict(list)
        for i, nd in enumerate(spec.nodes):
            by_marker[(spec.groups[nd.group].style.marker, nd.group)].append(i)
        for (marker, g), idx in by_marker.items():
            style = spec.groups[g].style
            ax.scatter(
                [xs[i] for i in idx],
                [ys[i] for i in idx],
                s=[diameters[i] ** 2 for i in idx],
                c=[spec.nodes[i].color or style.color for i in idx],
                marker=marker,
                edgecolors=[("#111" if spec.nodes[i].focus else _darker(style.color)) for i in idx],
                linewidths=[2.0 if spec.nodes[i].focus else 0.6 for i in idx],
                zorder=2,
            )
        for i in shown:
            ax.annotate(
                spec.nodes[i].label,
                (xs[i], ys[i]),
                xytext=(0, -(diameters[i] / 2 + 3)),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=fsize,
                color="#222",
                zorder=4,
                annotation_clip=False,
                bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.7},
            )
        if spec.edge_labels and len(spec.edges) <= 60:
            for e in spec.edges:
                label = spec.predicates[e.predicate][0]
                mx = (xs[e.source] + xs[e.target]) / 2
                my = (ys[e.source] + ys[e.target]) / 2
                if e.curve:  # parallel edges: labels stacked across the edge
                    dx, dy = xs[e.target] - xs[e.source], ys[e.target] - ys[e.source]
                    norm = math.hypot(dx, dy) or 1.0
                    off = e.curve * fsize * 1.5 / ppu
                    mx, my = mx - dy / norm * off, my + dx / norm * off
                box = {"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8}
                ax.text(mx, my, label, fontsize=fsize * 0.75, color="#666", ha="center",
                        va="center", zorder=3, bbox=box)  # fmt: skip
        if n:
            cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
            ax.set_xlim(cx - ax_w / ppu / 2, cx + ax_w / ppu / 2)
            ax.set_ylim(cy - ax_h / ppu / 2, cy + ax_h / ppu / 2)

        handles = [
            Line2D([], [], linestyle="", marker=g.style.marker, markersize=9,
                   markerfacecolor=g.style.color, markeredgecolor=_darker(g.style.color),
                   label=f"{g.label} ({g.count})")
            for g in spec.groups
        ]  # fmt: skip
        handles += [
            Line2D([], [], linestyle="", marker="o", markersize=9, markerfacecolor=c,
                   markeredgecolor="#444", label=f"{label} ({count})")
            for label, c, count in spec.communities[:12]
        ]  # fmt: skip
        text = _TEXT[spec.lang]
        legend_title = text["classes"] + (
            f" · {text['sizeHeading']} {spec.size_note}" if spec.size_note else ""
        )
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(graph_w / fig_w, 0.86),
                   frameon=False, fontsize=9, title=legend_title, title_fontsize=9,
                   alignment="left")  # fmt: skip
        buf = io.BytesIO()
        if fmt == "svg":
            from matplotlib.backends.backend_svg import FigureCanvasSVG

            FigureCanvasSVG(fig).print_svg(buf, metadata={"Date": None})
        else:
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            FigureCanvasAgg(fig).print_png(buf)
        return buf.getvalue()


# --------------------------------------------------------------------------- view kinds

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


def _type_labels(g: Any, G: Any) -> dict[str, dict[str, str]]:
    """Class labels (zh, en) from the ontology, for the classes present in ``G``."""
    from .analysis.projections import catalogue
    from .namespaces import expand

    cat = catalogue(g)
    out: dict[str, dict[str, str]] = {}
    for cls in {str(t) for _, t in G.nodes(data="type") if t}:
        zh, en, other = cat.labels.get(expand(cls) or cls, ("", "", ""))
        out[cls] = {"zh": zh or other, "en": en or other}
    return out


def _resolve(g: Any, name: str) -> str:
    """An entity's IRI, named the way ``search.resolve`` names it (IRI, slug, zh, en, alias,
    pinyin); unknown and ambiguous names raise with the candidates."""
    from .search import resolve

    return resolve(g.store if hasattr(g, "store") else g, name)


def _in_graph(G: Any, iri: str, what: str) -> None:
    if iri not in G:
        from .errors import UsageError

        raise UsageError(f"{iri} is not in the {what} (is it an entity of the network?)")


def _finish(g: Any, G: Any, lang: Lang, **kw: Any) -> View:
    kw.setdefault("type_labels", _type_labels(g, G))
    return render(G, lang=lang, **kw)


def overview(g: Any, *, lang: Lang = "zh", size_by: str | None = "degree", seed: int = 0,
             **filters: Any) -> View:  # fmt: skip
    """Every entity and stated fact of the graph (the typed entity projection).

    ``filters`` go to :class:`alliancegraph.analysis.projections.Filters` (alliances,
    types, since, until, synthetic).
    """
    from .analysis.projections import entity_graph

    G = entity_graph(g, **filters)
    title = "联盟知识图谱总览" if lang == "zh" else "Alliance knowledge graph: overview"
    return _finish(g, G, lang, kind="overview", title=title, size_by=size_by, seed=seed)


def alliance(g: Any, name: str, *, lang: Lang = "zh", size_by: str | None = None,
             seed: int = 0) -> View:  # fmt: skip
    """One alliance in the middle; around it, in wedges, its lead, supporting and member
    institutions (sorted by type inside a wedge), what it developed, whom it assisted, its
    focus industries, and any other neighbour; facts among the neighbours are kept."""
    from .analysis.projections import entity_graph

    iri = _resolve(g, name)
    G = entity_graph(g, alliances=[iri])
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
    label = G.nodes[iri].get("label_en" if lang == "en" else "label") or G.nodes[iri]["label"]
    return _finish(
        g, G, lang, kind="alliance", title=label, layout="radial", focus=[iri],
        size_by=size_by, physics=False, seed=seed,
        subtitle="成员（按角色与类型）、成果与帮扶" if lang == "zh"
        else "members by role and type, what it developed, whom it assisted",
    )  # fmt: skip


def ego(g: Any, name: str, *, radius: int = 1, lang: Lang = "zh",
        size_by: str | None = "degree", seed: int = 0) -> View:  # fmt: skip
    """An entity and everything within ``radius`` facts of it (either direction)."""
    import networkx as nx

    from .analysis.projections import entity_graph

    if radius < 1:
        from .errors import UsageError

        raise UsageError(f"radius must be at least 1, not {radius}")
    iri = _resolve(g, name)
    E = entity_graph(g)
    _in_graph(E, iri, "entity graph")
    G = nx.ego_graph(E, iri, radius=radius, undirected=True).copy()
    label = G.nodes[iri].get("label_en" if lang == "en" else "label") or G.nodes[iri]["label"]
    sub = f"半径 {radius}" if lang == "zh" else f"radius {radius}"
    return _finish(g, G, lang, kind="ego", title=label, subtitle=sub, focus=[iri],
                   size_by=size_by, seed=seed)  # fmt: skip


def path(g: Any, source: str, target: str, *, lang: Lang = "zh", all_paths: bool = True,
         max_paths: int = 20) -> View:  # fmt: skip
    """The shortest connections between two entities, left to right, each edge with its
    predicate, evidence quote and source (in its tooltip, and as its label)."""
    import networkx as nx

    from .analysis.projections import entity_graph
    from .errors import UsageError

    a, b = _resolve(g, source), _resolve(g, target)
    E = entity_graph(g)
    _in_graph(E, a, "entity graph")
    _in_graph(E, b, "entity graph")
    U = nx.Graph(E.to_undirected(as_view=True))
    try:
        found = list(nx.all_shortest_paths(U, a, b)) if all_paths else [nx.shortest_path(U, a, b)]
    except nx.NetworkXNoPath:
        la, lb = E.nodes[a]["label"], E.nodes[b]["label"]
        raise UsageError(f"no path between {la} and {lb} in the entity graph") from None
    found = sorted(found, key=lambda p: [E.nodes[n]["label"] for n in p])[:max_paths]
    steps = {(p[i], p[i + 1]) for p in found for i in range(len(p) - 1)}
    G = nx.MultiDiGraph()
    for p in found:
        for n in p:
            G.add_node(n, **E.nodes[n])
    for u, v, k, d in E.edges(keys=True, data=True):
        if (u, v) in steps or (v, u) in steps:
            G.add_edge(u, v, key=k, **d)
    # x by distance from the source; stacked in y by the order paths were found
    dist = nx.single_source_shortest_path_length(nx.Graph(G.to_undirected(as_view=True)), a)
    columns: dict[int, list[str]] = defaultdict(list)
    for p in found:
        for n in p:
            if n not in columns[dist[n]]:
                columns[dist[n]].append(n)
    positions = {
        n: (dist[n] * 280.0, (i - (len(col) - 1) / 2) * 130.0)
        for col in columns.values()
        for i, n in enumerate(col)
    }
    title = f"{G.nodes[a]['label']} → {G.nodes[b]['label']}"
    if lang == "en":
        title = f"{G.nodes[a].get('label_en') or G.nodes[a]['label']} → " + (
            G.nodes[b].get("label_en") or G.nodes[b]["label"]
        )
    hops = dist[b]
    sub = (
        f"{len(found)} 条最短路径，{hops} 步" if lang == "zh"
        else f"{len(found)} shortest path{'s' if len(found) != 1 else ''}, {hops} steps"
    )  # fmt: skip
    return _finish(g, G, lang, kind="path", title=title, subtitle=sub, layout="given",
                   positions=positions, focus=[a, b], size_by=None, physics=False,
                   edge_labels=True)  # fmt: skip


def _communities(G: Any, seed: int) -> dict[Hashable, int]:
    """Community number per node (0 = largest): the analysis layer's where it has them."""
    import networkx as nx

    if any("community" in d for _, d in G.nodes(data=True)):
        return {n: d.get("community") for n, d in G.nodes(data=True)}
    parts = nx.community.louvain_communities(G, weight="weight", seed=seed)
    parts = sorted(parts, key=lambda c: (-len(c), min(map(str, c))))
    return {n: i + 1 for i, c in enumerate(parts) for n in c}


def _betweenness(G: Any) -> dict[Hashable, float]:
    """Betweenness of every node: igraph where installed (exact, fast), else networkx
    (exact up to 1,000 nodes, then a seeded 256-node sample)."""
    if any("betweenness" in d for _, d in G.nodes(data=True)):
        return {n: float(d.get("betweenness") or 0) for n, d in G.nodes(data=True)}
    keys = list(G.nodes)
    try:
        import igraph

        index = {k: i for i, k in enumerate(keys)}
        h = igraph.Graph(n=len(keys), edges=[(index[u], index[v]) for u, v in G.edges()])
        n = len(keys)
        norm = 2.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
        return {k: b * norm for k, b in zip(keys, h.betweenness(directed=False), strict=True)}
    except ImportError:
        import networkx as nx

        k = None if len(keys) <= 1000 else 256
        return nx.betweenness_centrality(G, k=k, seed=0)


def comembership(g: Any, *, lang: Lang = "zh", size_by: str | None = "betweenness",
                 min_shared: int = 1, seed: int = 0, **filters: Any) -> View:  # fmt: skip
    """Organisations linked by the alliances they share (edge width = shared count),
    coloured by community (Louvain, seeded) and sized by betweenness, so brokers stand out.
    """
    from .analysis.projections import comembership as project

    G = project(g, min_shared=min_shared, **filters)
    for n, c in _communities(G, seed).items():
        G.nodes[n]["community"] = c
    if size_by == "betweenness":
        for n, b in _betweenness(G).items():
            G.nodes[n]["betweenness"] = b
    title = "共同成员网络" if lang == "zh" else "Co-membership network"
    sub = "颜色：社区；大小：中介中心性（经纪人）" if lang == "zh" else (
        "colour: community; size: betweenness (brokers)"
    )  # fmt: skip
    return _finish(g, G, lang, kind="co-membership", title=title, subtitle=sub,
                   color_by="community", size_by=size_by, seed=seed)  # fmt: skip


def chain(g: Any, field: str | None = None, *, lang: Lang = "zh", size_by: str | None = None,
          **filters: Any) -> View:  # fmt: skip
    """Industry fields on top, their chain segments below (upstream to downstream, left to
    right), then the organisations operating in them; ``field`` narrows to one field, its
    narrower fields and their segments."""
    from .analysis.projections import industry_chain

    G = industry_chain(g, **filters)
    if field is not None:
        iri = _resolve(g, field)
        _in_graph(G, iri, "industry-chain graph")
        G = G.subgraph(_chain_part(G, iri)).copy()
    fields = sorted(
        (n for n, t in G.nodes(data="type") if t == "ag:IndustryField"),
        key=lambda n: str(G.nodes[n].get("label")),
    )
    broader = {u for u, v, p in G.edges(data="predicate") if p == "skos:broader"}
    rank = {}
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
    if field is not None:
        lbl = G.nodes[iri].get("label_en" if lang == "en" else "label") or G.nodes[iri]["label"]
        title = f"{title}: {lbl}"
    sub = "领域 → 环节（上游 → 下游）→ 机构" if lang == "zh" else (
        "fields → segments (upstream → downstream) → organisations"
    )  # fmt: skip
    return _finish(g, G, lang, kind="chain", title=title, subtitle=sub, layout="layered",
                   size_by=size_by, physics=False)  # fmt: skip


def _chain_part(G: Any, field: str) -> set[str]:
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


def make(g: Any, kind: str, *names: str, **options: Any) -> View:
    """The view ``kind`` of ``g`` for the entities ``names`` (as many as the kind takes).

    >>> make(g, "path", "爱美科", "功能材料联盟").save("path.html")  # doctest: +SKIP
    """
    from .errors import UsageError

    kind = "co-membership" if kind in ("comembership", "co_membership") else kind
    if kind not in _BUILDERS:
        raise UsageError(f"unknown view {kind!r}; expected one of {', '.join(KINDS)}")
    lo, hi = _ARITY[kind]
    if not lo <= len(names) <= hi:
        want = str(lo) if lo == hi else f"{lo} to {hi}"
        raise UsageError(f"view {kind} takes {want} entity name(s), got {len(names)}")
    return _BUILDERS[kind](g, *names, **options)
