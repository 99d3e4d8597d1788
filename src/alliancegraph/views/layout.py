"""Layouts: pure functions from a networkx graph (or paths) to node positions.

Each function reads the graph and returns ``{node: (x, y)}`` in vis-network's canvas pixels
at zoom 1 (y grows downwards); every random step is seeded, so the same graph and seed give
the same positions. Nothing here draws, computes a metric or changes the graph it is given.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence

import networkx as nx

from ..errors import UsageError

__all__ = [
    "LARGE_VIEW_NODES",
    "force",
    "layered",
    "layout",
    "normalise",
    "path_columns",
    "place_labels",
    "radial",
]

#: Above this many nodes a view is "large": tighter layout, no hover, labels by node size.
LARGE_VIEW_NODES = 300

Positions = dict[Hashable, tuple[float, float]]


def layout(G: nx.Graph, kind: str, *, focus: Iterable[Hashable] = (), seed: int = 0) -> Positions:
    """Positions by layout ``kind``: force, layered, radial (``given`` lays out by force)."""
    if kind == "layered":
        return layered(G)
    if kind == "radial":
        center = next(iter(focus), None)
        return radial(G, center)
    if kind in ("force", "given"):
        return force(G, seed)
    raise UsageError(f"unknown layout {kind!r}: use force, layered, radial or given")


def force(G: nx.Graph, seed: int = 0) -> Positions:
    """Fruchterman-Reingold from a seeded start: igraph (0.2 s at 2,000 nodes), else networkx.

    Coordinates are scaled so that each node has about 130 px (70 px on large views) of
    room, at the scale vis-network draws at zoom 1.
    """
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
        H = nx.Graph()
        H.add_nodes_from(range(n))
        H.add_edges_from(pairs)
        pos = nx.spring_layout(
            H, pos={i: tuple(p) for i, p in enumerate(start)}, seed=seed, iterations=50
        )
        coords = [pos[i] for i in range(n)]
    spacing = 130.0 if n <= LARGE_VIEW_NODES else 70.0
    return normalise(dict(zip(keys, coords, strict=True)), spacing=spacing)


def normalise(pos: dict[Hashable, Sequence[float]], spacing: float) -> Positions:
    """Centre the layout and scale it so that its area gives each node about spacing² px²."""
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    extent = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    target = max(300.0, spacing * math.sqrt(len(pos)))
    k = target / extent
    return {n: ((x - cx) * k, (y - cy) * k) for n, (x, y) in pos.items()}


def layered(G: nx.Graph) -> Positions:
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
            near = [pos[m][0] for m in undirected.neighbors(k) if m in pos]
            want[k] = sum(near) / len(near) if near else None
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
        anchored = [(x, w) for x, k in zip(xs, row, strict=True) if (w := want[k]) is not None]
        shift = sum(w - x for x, w in anchored) / len(anchored) if anchored else 0.0
        for i, (k, x) in enumerate(zip(row, xs, strict=True)):
            pos[k] = (x + shift, y + (28.0 if i % 2 and stagger else 0.0))
        y += 170.0
    return pos


def radial(G: nx.Graph, center: Hashable | None) -> Positions:
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


def path_columns(
    paths: Sequence[Sequence[Hashable]], column: float = 280.0, row: float = 130.0
) -> Positions:
    """Paths left to right: x by the position on a path (hops from the source), stacked in
    y by the order of ``paths`` (a node shared by several paths keeps its first place).

    >>> path_columns([["a", "b", "d"], ["a", "c", "d"]])["c"]
    (280.0, 65.0)
    """
    columns: dict[int, list[Hashable]] = defaultdict(list)
    for p in paths:
        for i, n in enumerate(p):
            if not any(n in col for col in columns.values()):
                columns[i].append(n)
    return {
        n: (i * column, (k - (len(col) - 1) / 2) * row)
        for i, col in columns.items()
        for k, n in enumerate(col)
    }


Box = tuple[float, float, float, float]  # left, top, right, bottom (any one unit)


def place_labels(
    candidates: Sequence[Sequence[Box]], obstacles: Sequence[Box] = (), cell: float = 64.0
) -> list[int | None]:
    """Greedy label placement: ``candidates[i]`` lists the boxes label ``i`` may take, best
    first, and labels come in order of importance. Each label takes its first box that
    overlaps no box already taken and no obstacle (the node shapes); a label with none is
    dropped (None). Pure: boxes in, the chosen candidate's index per label out.

    >>> place_labels([[(0, 0, 10, 5)], [(5, 0, 15, 5), (0, 6, 10, 11)], [(2, 2, 4, 4)]])
    [0, 1, None]
    """
    grid: dict[tuple[int, int], list[Box]] = defaultdict(list)

    def cells(b: Box) -> Iterable[tuple[int, int]]:
        for gx in range(math.floor(b[0] / cell), math.floor(b[2] / cell) + 1):
            for gy in range(math.floor(b[1] / cell), math.floor(b[3] / cell) + 1):
                yield gx, gy

    def free(b: Box) -> bool:
        return not any(
            o[0] < b[2] and b[0] < o[2] and o[1] < b[3] and b[1] < o[3]
            for c in cells(b)
            for o in grid.get(c, ())
        )

    def take(b: Box) -> None:
        for c in cells(b):
            grid[c].append(b)

    for o in obstacles:
        take(o)
    chosen: list[int | None] = []
    for boxes in candidates:
        pick = next((k for k, b in enumerate(boxes) if free(b)), None)
        if pick is not None:
            take(boxes[pick])
        chosen.append(pick)
    return chosen
