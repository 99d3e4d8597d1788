"""Network views: self-contained interactive HTML (vis-network), and PNG/SVG for reports.

A view turns a networkx graph that follows the projection contract of
:mod:`alliancegraph.analysis` (nodes keyed by IRI with ``label``, ``label_zh``,
``label_en``, ``type``, ``type_label``, ``aliases``, optional ``synthetic``; edges with
``predicate``, ``label``, ``label_en``, ``evidence``, ``source``, optional ``weight`` and
``role``) into a page that works with no network at all, shows user data as text (never
markup) and stays fast (positions precomputed, bounded physics only on small views).

Modules, and what each must never do:

- :mod:`.kinds`: the view kinds (overview, alliance, ego, path, co-membership, chain) and
  :func:`make`. Takes every network, metric, path, ego network and community from
  :mod:`alliancegraph.analysis`; never computes one.
- :mod:`.spec`: the nodes, edges and legend both renderers draw, from a graph and the
  analysis results. Never reads the store; sizes by metric come from analysis.
- :mod:`.reduce`: above the size budget, the reduced spec (backbone edges, communities as
  super-nodes, full data as CSV links) from :mod:`alliancegraph.analysis` reductions.
- :mod:`.layout`: pure, seeded functions returning positions. Never draws.
- :mod:`.html`: the page, its Content-Security-Policy and vis-network options. Never
  loads anything from the network, never uses pyvis's ``Network``.
- :mod:`.static`: PNG and SVG with matplotlib's object API. No pyplot, no global state.
- :mod:`.view`: :class:`View` and :func:`render`. Writes only where :meth:`View.save`
  is told to, atomically.

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

from .html import CJK_FONT_STACK, script_json
from .kinds import KINDS, alliance, chain, comembership, ego, make, overview, path
from .layout import LARGE_VIEW_NODES
from .spec import CLASS_STYLES, EDGE_LABEL_MAX_EDGES, PALETTE, PHYSICS_MAX_NODES, ClassStyle
from .static import CJK_FAMILIES, cjk_families
from .view import View, render

__all__ = [
    "CJK_FAMILIES",
    "CJK_FONT_STACK",
    "CLASS_STYLES",
    "EDGE_LABEL_MAX_EDGES",
    "KINDS",
    "LARGE_VIEW_NODES",
    "PALETTE",
    "PHYSICS_MAX_NODES",
    "ClassStyle",
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
    "script_json",
]
