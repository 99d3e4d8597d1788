"""Static pictures of a view: PNG or SVG drawn with matplotlib from the same spec.

Nodes by class (shape and colour), labels in a CJK font found on the system (matplotlib
falls back glyph by glyph), edges and a legend, through matplotlib's object API on an
Agg/SVG canvas: no pyplot, no global state, no window. Draws a :class:`~.spec.Spec` and
computes nothing else; writes nothing (the caller saves the bytes).
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from functools import lru_cache
from typing import Any

from .layout import place_labels
from .spec import TEXT, Spec, darker

__all__ = ["CJK_FAMILIES", "cjk_families", "curve_points", "draw"]

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


def curve_points(
    x0: float, y0: float, x1: float, y1: float, curve: int, steps: int = 16
) -> list[tuple[float, float]]:
    """The points of an edge: straight, or for a parallel edge (``curve`` +1, -1, +2 …) a
    quadratic Bézier bent to one side by 0.18 of its length per step (as the page bends it).

    >>> curve_points(0, 0, 2, 0, 0)
    [(0, 0), (2, 0)]
    >>> curve_points(0, 0, 2, 0, 1, steps=2)[1]
    (1.0, 0.18)
    """
    if not curve:
        return [(x0, y0), (x1, y1)]
    dx, dy = x1 - x0, y1 - y0
    bend = min(0.6, 0.18 * abs(curve)) * (1 if curve > 0 else -1)
    cx, cy = (x0 + x1) / 2 - dy * bend, (y0 + y1) / 2 + dx * bend
    pts = []
    for k in range(steps + 1):
        t = k / steps
        a, b, c = (1 - t) ** 2, 2 * t * (1 - t), t * t
        pts.append((a * x0 + b * cx + c * x1, a * y0 + b * cy + c * y1))
    return pts


def draw(spec: Spec, fmt: str, dpi: int = 150, caption: str = "") -> bytes:
    """Draw nodes by class (shape and colour), labels, edges and a legend with matplotlib.

    Uses the object API with an Agg/SVG canvas: no pyplot, no global state, no window.
    Labels are placed by :func:`.layout.place_labels` on their measured extents (node labels
    below, above, right or left of their node; edge labels at the middle of their own edge,
    curved ones included), those that fit nowhere left out by rank; the figure is then cut
    to what was drawn, centred. ``caption`` is a line under the picture. In the SVG, each
    label is a group ``ag-label-n<i>`` / ``ag-label-e<i>`` and each labelled edge
    ``ag-edge-<i>``.
    """
    import matplotlib
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    n = len(spec.nodes)
    families = [*cjk_families(), "DejaVu Sans"]
    rc: dict[str, Any] = {
        "font.family": families,
        "svg.fonttype": "path",
        "axes.unicode_minus": False,
    }
    xs = [nd.x for nd in spec.nodes]
    ys = [-nd.y for nd in spec.nodes]  # the canvas's y grows downwards
    # Label candidates: all nodes on small views, the 200 most important on large ones.
    shown = sorted(range(n), key=lambda i: spec.nodes[i].rank)[: 200 if n > 80 else n]
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
    graph_h = min(20.0, max(4.0, span_h * 0.6 / 72))
    ax_w, ax_h = (graph_w - 0.1) * 72, graph_h * 72
    ppu = min(ax_w / span_w, ax_h / span_h)
    fsize = min(10.0, max(5.5, 15.0 * ppu))
    header, footer = 0.75, (0.3 if caption else 0.1)
    legend_h = 0.5 + 0.22 * len(entries)
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]
        fig = Figure(figsize=(graph_w + legend_w, graph_h + header + footer), dpi=dpi,
                     facecolor="white")  # fmt: skip
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        if n:
            cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
            ax.set_xlim(cx - ax_w / ppu / 2, cx + ax_w / ppu / 2)
            ax.set_ylim(cy - ax_h / ppu / 2, cy + ax_h / ppu / 2)
        _place_axes(fig, ax, graph_w - 0.1, graph_h, header, footer, legend_w, legend_h)

        paths = [
            curve_points(xs[e.source], ys[e.source], xs[e.target], ys[e.target], e.curve)
            for e in spec.edges
        ]
        widths = [0.3 + 0.4 * e.width for e in spec.edges]
        labelled = spec.edge_labels and len(spec.edges) <= 60
        if labelled:  # one line per edge, named, so its label can be checked against it
            for i, pts in enumerate(paths):
                ax.add_line(Line2D([p[0] for p in pts], [p[1] for p in pts], color="#9aa3ad",
                                   linewidth=widths[i], zorder=1, alpha=0.8,
                                   gid=f"ag-edge-{i}"))  # fmt: skip
        elif paths:
            ax.add_collection(
                LineCollection(paths, colors="#9aa3ad", linewidths=widths, zorder=1, alpha=0.8)
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
                edgecolors=[("#111" if spec.nodes[i].focus else darker(style.color)) for i in idx],
                linewidths=[2.0 if spec.nodes[i].focus else 0.6 for i in idx],
                zorder=2,
            )
        texts = [
            ax.annotate(spec.nodes[i].label, (xs[i], ys[i]), xytext=(0, 0),
                        textcoords="offset points", ha="center", va="center", fontsize=fsize,
                        color="#222", zorder=4, annotation_clip=False, gid=f"ag-label-n{i}",
                        bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none",
                              "alpha": 0.7})
            for i in shown
        ]  # fmt: skip
        edge_texts = []
        if labelled:
            box = {"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8}
            for i, e in enumerate(spec.edges):
                pts = paths[i]  # the middle point of a curve (t = 0.5), or of a line
                mx, my = pts[len(pts) // 2] if len(pts) > 2 else (
                    (pts[0][0] + pts[1][0]) / 2, (pts[0][1] + pts[1][1]) / 2)  # fmt: skip
                edge_texts.append((i, ax.text(mx, my, spec.predicates[e.predicate][0],
                                              fontsize=fsize, color="#444", ha="center",
                                              va="center", zorder=3, bbox=box,
                                              gid=f"ag-label-e{i}")))  # fmt: skip
        _place_labels(fig, ax, spec, shown, texts, edge_texts, xs, ys, diameters, dpi)
        _fit(fig, ax, texts + [t for _, t in edge_texts], xs, ys, diameters, dpi,
             header, footer, legend_w, legend_h)  # fmt: skip
        fig_w, fig_h = fig.get_size_inches()
        top = 1 - 0.3 / fig_h
        fig.text(0.1 / fig_w, top, spec.title, fontsize=15, weight="bold", va="center")
        fig.text(0.1 / fig_w, top - 0.3 / fig_h, spec.subtitle, fontsize=10, color="#555",
                 va="center")  # fmt: skip
        if caption:
            fig.text(0.1 / fig_w, 0.12 / fig_h, caption, fontsize=9, color="#555", va="bottom")

        handles = [
            Line2D(
                [],
                [],
                linestyle="",
                marker=g.style.marker,
                markersize=9,
                markerfacecolor="white" if spec.communities else g.style.color,
                markeredgecolor="#444" if spec.communities else darker(g.style.color),
                label=f"{g.label} ({g.count})",
            )
            for g in spec.groups
        ]  # fmt: skip  (colour means community when there are communities: shapes only)
        handles += [
            Line2D([], [], linestyle="", marker="o", markersize=9, markerfacecolor=c,
                   markeredgecolor="#444", label=f"{label} ({count})")
            for label, c, count in spec.communities[:12]
        ]  # fmt: skip
        text = TEXT[spec.lang]
        legend_title = text["classes"] + (
            f" · {text['sizeHeading']} {spec.size_note}" if spec.size_note else ""
        )
        left = 1 - legend_w / fig_w
        fig.legend(handles=handles, loc="upper left",
                   bbox_to_anchor=(left, 1 - header / fig_h),
                   frameon=False, fontsize=9, title=legend_title, title_fontsize=9,
                   alignment="left")  # fmt: skip
        return figure_bytes(fig, fmt)


def figure_bytes(fig: Any, fmt: str) -> bytes:
    """A matplotlib figure as SVG (no date: the same figure gives the same bytes) or PNG."""
    buf = io.BytesIO()
    if fmt == "svg":
        from matplotlib.backends.backend_svg import FigureCanvasSVG

        FigureCanvasSVG(fig).print_svg(buf, metadata={"Date": None})
    else:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig).print_png(buf)
    return buf.getvalue()


def _place_axes(fig: Any, ax: Any, w: float, h: float, header: float, footer: float,
                legend_w: float, legend_h: float) -> None:  # fmt: skip
    """Size the figure around an axes of ``w`` × ``h`` inches, the header above it, the
    legend to its right; the axes centred vertically when the legend is the taller."""
    fig_w = w + 0.2 + legend_w
    body = max(h, legend_h)
    fig_h = body + header + footer
    fig.set_size_inches(fig_w, fig_h)
    bottom = footer + (body - h) / 2
    ax.set_position((0.1 / fig_w, bottom / fig_h, w / fig_w, h / fig_h))


def _extent(t: Any, renderer: Any) -> tuple[float, float, float, float]:
    """A text's drawn box in display pixels (its background patch included), y up."""
    b = t.get_window_extent(renderer)
    patch = t.get_bbox_patch()
    if patch is not None:
        t.update_bbox_position_size(renderer)  # the patch follows the text only when drawn
        p = patch.get_window_extent(renderer)
        return (min(b.x0, p.x0), min(b.y0, p.y0), max(b.x1, p.x1), max(b.y1, p.y1))
    return (b.x0, b.y0, b.x1, b.y1)


def _place_labels(fig: Any, ax: Any, spec: Spec, shown: list[int], texts: list[Any],
                  edge_texts: list[tuple[int, Any]], xs: list[float], ys: list[float],
                  diameters: list[float], dpi: int) -> None:  # fmt: skip
    """Measure every label, place them by rank (nodes first, then edges by width), and
    hide what does not fit; positions in display pixels (y up, as matplotlib counts)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    px = dpi / 72
    to_px = ax.transData.transform
    centres = to_px(list(zip(xs, ys, strict=True))) if xs else []
    obstacles = [
        (cx - d * px / 2, -(cy + d * px / 2), cx + d * px / 2, -(cy - d * px / 2))
        for (cx, cy), d in zip(centres, diameters, strict=True)
    ]  # boxes as (left, top, right, bottom) with y down: negate matplotlib's y
    gap = 2.5  # points between a node and its label
    offsets = []
    candidates: list[list[tuple[float, float, float, float]]] = []
    for i, t in zip(shown, texts, strict=True):
        x0, y0, x1, y1 = _extent(t, renderer)
        w, h = x1 - x0, y1 - y0
        cx, cy = centres[i]
        r = diameters[i] * px / 2 + gap * px
        places = [
            ((0.0, -(r / px + h / px / 2)), (cx - w / 2, cy - r - h)),  # below
            ((0.0, r / px + h / px / 2), (cx - w / 2, cy + r)),  # above
            ((r / px + w / px / 2, 0.0), (cx + r, cy - h / 2)),  # right
            ((-(r / px + w / px / 2), 0.0), (cx - r - w, cy - h / 2)),  # left
        ]
        offsets.append([off for off, _ in places])
        candidates.append([(lx, -(ly + h), lx + w, -ly) for _, (lx, ly) in places])
    for _, t in edge_texts:
        x0, y0, x1, y1 = _extent(t, renderer)
        candidates.append([(x0, -y1, x1, -y0)])
    order = list(range(len(texts)))  # shown is already in rank order
    order += sorted(range(len(texts), len(candidates)),
                    key=lambda k: -spec.edges[edge_texts[k - len(texts)][0]].width)  # fmt: skip
    picked = place_labels([candidates[k] for k in order], obstacles)
    for k, choice in zip(order, picked, strict=True):
        t = texts[k] if k < len(texts) else edge_texts[k - len(texts)][1]
        if choice is None:
            t.set_visible(False)
        elif k < len(texts):
            t.xyann = offsets[k][choice]


def _fit(fig: Any, ax: Any, texts: list[Any], xs: list[float], ys: list[float],
         diameters: list[float], dpi: int, header: float, footer: float, legend_w: float,
         legend_h: float) -> None:  # fmt: skip
    """Cut the axes to what is drawn (nodes and visible labels) plus a margin, keeping the
    scale, so the picture fills its place and is centred in it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not xs:
        return
    renderer = FigureCanvasAgg(fig).get_renderer()
    px = dpi / 72
    boxes = [_extent(t, renderer) for t in texts if t.get_visible()]
    for (cx, cy), d in zip(ax.transData.transform(list(zip(xs, ys, strict=True))), diameters,
                           strict=True):  # fmt: skip
        boxes.append((cx - d * px / 2, cy - d * px / 2, cx + d * px / 2, cy + d * px / 2))
    margin = 10 * px
    x0 = min(b[0] for b in boxes) - margin
    y0 = min(b[1] for b in boxes) - margin
    x1 = max(b[2] for b in boxes) + margin
    y1 = max(b[3] for b in boxes) + margin
    inv = ax.transData.inverted()
    (dx0, dy0), (dx1, dy1) = inv.transform([(x0, y0), (x1, y1)])
    w_in, h_in = (x1 - x0) / dpi, (y1 - y0) / dpi
    ax.set_xlim(dx0, dx1)
    ax.set_ylim(dy0, dy1)
    _place_axes(fig, ax, max(w_in, 1.0), max(h_in, 1.0), header, footer, legend_w, legend_h)
    if w_in < 1.0 or h_in < 1.0:  # a tiny picture: widen the limits, same scale, centred
        mx, my = (dx0 + dx1) / 2, (dy0 + dy1) / 2
        sx, sy = (dx1 - dx0) / w_in, (dy1 - dy0) / h_in
        hw, hh = max(w_in, 1.0) * sx / 2, max(h_in, 1.0) * sy / 2
        ax.set_xlim(mx - hw, mx + hw)
        ax.set_ylim(my - hh, my + hh)
