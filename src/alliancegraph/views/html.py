"""The interactive page: one self-contained HTML file per view, vis-network inside.

The page works with no network at all: vis-network (vendored in ``assets/``) and our
own script and style (``templates/``) are inlined, nothing is loaded from anywhere, and a
Content-Security-Policy allows only those exact scripts (by hash) to run. User data is
shown as text, never markup: labels are drawn on the canvas, tooltips are plain strings
(vis-network sets them with ``innerText``), the legend and search list are built with
``textContent``; the data travels as JSON in a non-executed ``<script
type="application/json">`` with ``<``, ``>``, ``&`` and U+2028/9 escaped. Physics runs
only on small force-directed views, bounded, and is switched off once stable.

This module never calls pyvis's ``Network`` (its templates load Bootstrap from a CDN, its
Jinja environment does not escape, ``add_edge`` scans every edge, ``from_nx`` mutates the
caller's graph and ``write_html`` uses the locale's encoding); :meth:`.View.to_pyvis` is the
way into pyvis. It draws a :class:`~.spec.Spec` and computes nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import AllianceGraphError
from .layout import LARGE_VIEW_NODES
from .spec import TEXT, Spec, darker

__all__ = ["CJK_FONT_STACK", "TEMPLATES", "script_json", "to_html", "vis_options"]

TEMPLATES = Path(__file__).with_name("templates")

#: Font stack for Chinese (and Latin) text in the page and on the canvas.
CJK_FONT_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans", Arial, sans-serif'
)


#: vis-network's standalone build, vendored (version and licence in ``assets/README.md``).
VIS_JS_PATH = Path(__file__).with_name("assets") / "vis-network.min.js"


@lru_cache(maxsize=1)
def _vis_js() -> str:
    """The vendored vis-network script, without its source-map comment (nothing to fetch)."""
    if not VIS_JS_PATH.is_file():
        raise AllianceGraphError(f"the package's vis-network script is missing: {VIS_JS_PATH}")
    js = VIS_JS_PATH.read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S*\s*$", "", js)
    if re.search(r"</script|<!--", js, re.IGNORECASE):  # cannot sit inside <script>
        raise AllianceGraphError(f"{VIS_JS_PATH} cannot be inlined safely")
    return js


@lru_cache(maxsize=4)
def _template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


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


def vis_options(spec: Spec) -> dict[str, Any]:
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
            # as large as node labels (legible at the default zoom), horizontal: a rotated
            # label is smaller on screen, and vis-network drew rotated labels of edges
            # without physics at the canvas origin (issue 17)
            "font": {
                "face": CJK_FONT_STACK,
                "size": 13 if big else 15,
                "color": "#444",
                "strokeWidth": 4,
                "strokeColor": "#ffffff",
                "align": "horizontal",
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


def to_html(spec: Spec) -> str:
    text = TEXT[spec.lang]
    nodes = []
    for n in spec.nodes:
        flags = (1 if n.synthetic else 0) | (2 if n.focus else 0)
        font = round(11 + (n.size - 10) * 0.35, 1) if len(spec.nodes) > LARGE_VIEW_NODES else 0
        nodes.append(
            [n.label, n.group, n.x, n.y, n.size, n.title, n.color or 0, flags, font, n.rank]
        )
    data = {
        "nodes": nodes,
        "edges": [[e.source, e.target, e.predicate, e.title, e.width, e.curve] for e in spec.edges],
        "predicates": [{"label": p, "dashes": synthetic} for p, synthetic in spec.predicates],
        "groups": [
            {
                "key": g.key,
                "label": g.label,
                "color": g.style.color,
                "border": darker(g.style.color),
                "shape": g.style.shape,
                "count": g.count,
            }
            for g in spec.groups
        ],
        "communities": [{"label": lb, "color": c, "count": n} for lb, c, n in spec.communities],
        "edgeLabels": spec.edge_labels,
        "options": vis_options(spec),
        "text": {
            "classes": text["classes"],
            "communities": text["communities"],
            "sizeHeading": text["sizeHeading"],
            "size": spec.size_note,
            "note": spec.note,
            "collapse": text["collapse"],
        },
        "kind": spec.kind,
        "clusters": [
            [c.label, c.x, c.y, c.size, c.title, c.color, c.members] for c in spec.clusters
        ],
        "clusterEdges": [list(e) for e in spec.cluster_edges],
    }
    vis_js = _vis_js()
    app_js = _template("view.js")
    values = {
        "LANG": "zh-CN" if spec.lang == "zh" else "en",
        "VERSION": html.escape(_package_version()),
        "TITLE": html.escape(spec.title, quote=True),
        "SUBTITLE": html.escape(spec.subtitle, quote=True),
        "FIND_PLACEHOLDER": html.escape(text["find"], quote=True),
        "SCRIPT_HASHES": f"{_csp_hash(vis_js)} {_csp_hash(app_js)}",
        "CSS": _template("view.css"),
        "DATA": script_json(data),
        "REDUCED": _reduced_note(spec),
        "VIS_JS": vis_js,
        "APP_JS": app_js,
    }
    # One pass: text substituted in is never scanned again (a title may contain "@@DATA@@").
    return re.sub(r"@@([A-Z_]+)@@", lambda m: values[m.group(1)], _template("view.html"))


def _reduced_note(spec: Spec) -> str:
    """The visible note of a reduced view: what was kept, and links to the full data."""
    if not spec.reduction:
        return ""
    links = " ".join(
        f'<a href="{html.escape(href, quote=True)}" download="{html.escape(name, quote=True)}"'
        f">{html.escape(name)}</a>"
        for name, href in spec.downloads
    )
    return f'<p id="ag-reduced" role="note">{html.escape(spec.reduction)} {links}</p>'


@lru_cache(maxsize=1)
def _package_version() -> str:
    """The installed package's version (the page's generator tag)."""
    try:
        return metadata.version("alliancegraph")
    except metadata.PackageNotFoundError:
        return "0+unknown"
