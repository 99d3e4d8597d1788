"""Static pictures of a view: PNG or SVG drawn with matplotlib from the same spec.

Nodes by class (shape and colour), labels in a CJK font found on the system (matplotlib
falls back glyph by glyph), edges and a legend, through matplotlib's object API on an
Agg/SVG canvas: no pyplot, no global state, no window. Draws a :class:`~.spec.Spec` and
computes nothing else; writes nothing (the caller saves the bytes).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from functools import lru_cache
from typing import Any

from .spec import TEXT, Spec, darker

__all__ = ["CJK_FAMILIES", "cjk_families", "draw"]

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


def draw(spec: Spec, fmt: str, dpi: int = 150) -> bytes:
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
    rc: dict[str, Any] = {
        "font.family": families,
        "svg.fonttype": "path",
        "axes.unicode_minus": False,
    }
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
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]
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
                edgecolors=[("#111" if spec.nodes[i].focus else darker(style.color)) for i in idx],
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
                   markerfacecolor=g.style.color, markeredgecolor=darker(g.style.color),
                   label=f"{g.label} ({g.count})")
            for g in spec.groups
        ]  # fmt: skip
        handles += [
            Line2D([], [], linestyle="", marker="o", markersize=9, markerfacecolor=c,
                   markeredgecolor="#444", label=f"{label} ({count})")
            for label, c, count in spec.communities[:12]
        ]  # fmt: skip
        text = TEXT[spec.lang]
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
