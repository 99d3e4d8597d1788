"""A view handed over to pyvis: :func:`to_pyvis` builds a ``pyvis.network.Network`` holding
the view's nodes (labels, positions, sizes, class shapes and colours, tooltips), edges
(labels, widths, curves, dashes) and vis-network options, set up to work offline.

pyvis's own page template loads Bootstrap (and, with ``cdn_resources="remote"`` or
``"local"``, vis-network) from a CDN and reads vis-network from pyvis's folder; the Network
returned here renders through our template instead (``templates/pyvis/page.html``), which
inlines the vendored vis-network script (``assets/vis-network.min.js``) and carries a
Content-Security-Policy that lets the page fetch nothing. Tooltips are HTML-escaped (so any
pyvis template that shows them as markup shows text) and turned back into plain text
elements by our page. Computes nothing: the spec is the view's.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from .html import _vis_js, vis_options
from .spec import Spec, darker

__all__ = ["PYVIS_TEMPLATES", "to_pyvis"]

#: The folder of the page template the returned Network renders with.
PYVIS_TEMPLATES = Path(__file__).with_name("templates") / "pyvis"


def to_pyvis(spec: Spec, *, height: str = "720px", width: str = "100%") -> Any:
    """A ``pyvis.network.Network`` drawing ``spec`` offline (``cdn_resources="in_line"``,
    our template with the vendored vis-network inlined)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from pyvis.network import Network

    net = Network(height=height, width=width, directed=spec.directed, heading="",
                  cdn_resources="in_line", notebook=False)  # fmt: skip
    net.template_dir = str(PYVIS_TEMPLATES)
    net.templateEnv = Environment(
        loader=FileSystemLoader(str(PYVIS_TEMPLATES)), autoescape=select_autoescape(["html"])
    )
    net.templateEnv.globals["vis_js"] = _vis_js()
    net.templateEnv.globals["page_title"] = spec.title
    net.path = "page.html"
    options = vis_options(spec)
    options["groups"] = {
        f"g{i}": {
            "shape": g.style.shape,
            "color": {"background": g.style.color, "border": darker(g.style.color),
                      "highlight": {"background": g.style.color, "border": "#111"}},
        }
        for i, g in enumerate(spec.groups)
    }  # fmt: skip
    net.options = options
    for i, n in enumerate(spec.nodes):
        node: dict[str, Any] = {
            "id": i, "label": n.label, "group": f"g{n.group}", "x": n.x, "y": n.y,
            "size": n.size, "title": html.escape(n.title),
            "shape": spec.groups[n.group].style.shape,
        }  # fmt: skip
        if n.color:
            node["color"] = {"background": n.color, "border": "#444"}
        if n.focus:
            node["borderWidth"] = 4
            node["font"] = {"bold": True}
        if n.synthetic:
            node["shapeProperties"] = {"borderDashes": [4, 3]}
        net.nodes.append(node)
        net.node_ids.append(i)
        net.node_map[i] = node
    for e in spec.edges:  # appended as pyvis's add_edge stores them, without its O(E) scan
        label, dashed = spec.predicates[e.predicate]
        edge: dict[str, Any] = {"from": e.source, "to": e.target, "title": html.escape(e.title),
                                "width": e.width}  # fmt: skip
        if spec.edge_labels:
            edge["label"] = label
        if dashed:
            edge["dashes"] = True
        if spec.directed:
            edge["arrows"] = "to"
        if e.curve:
            edge["smooth"] = {"enabled": True, "type": "curvedCW" if e.curve > 0 else "curvedCCW",
                              "roundness": min(0.6, 0.18 * abs(e.curve))}  # fmt: skip
        net.edges.append(edge)
    return net
