"""The result of drawing: :class:`View`, and :func:`render`, which makes one from a graph.

:func:`render` is the one road from a networkx graph to a page: :func:`~.spec.build_spec`
(sizes from the analysis metrics, positions from :mod:`.layout`), then
:func:`~.html.to_html`; :meth:`View.to_image` draws the same spec with :mod:`.static`.
Nothing here reads the store; a file is written only by :meth:`View.save`, to the path the
caller names (atomically, through :func:`alliancegraph.fileio.atomic_write`).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import networkx as nx

from ..errors import UsageError
from ..fileio import atomic_write
from .html import to_html
from .reduce import needs_reduction, reduced_spec
from .spec import TEXT, Lang, Layout, SizeBy, Spec, build_spec
from .static import draw

__all__ = ["View", "render"]


class View:
    """A rendered network view: self-contained HTML, plus PNG/SVG export of the same layout.

    In Jupyter (Lab, Notebook, VS Code) the object displays itself inline as an
    ``<iframe srcdoc=…>`` of the page: nothing is written to disk and nothing is fetched.
    The same output carries a PNG of the view (with a hint to re-run for interaction) for
    notebooks opened untrusted or rendered statically.

    >>> import networkx as nx
    >>> v = render(nx.path_graph(3), title="three")
    >>> v.html.startswith("<!DOCTYPE html>"), "srcdoc=" in v._repr_html_()
    (True, True)
    """

    def __init__(self, html_text: str, spec: Spec):
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

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        """The notebook output: the interactive page (``text/html``), and a static PNG of the
        same view with a one-line hint to re-run for interaction (``image/png``), so an
        untrusted or statically rendered notebook still shows the picture."""
        png, hint = self._fallback()
        return {
            "text/html": self._repr_html_(),
            "image/png": base64.b64encode(png).decode("ascii"),
            "text/plain": f"{self!r}\n{hint}",
        }

    def _fallback(self) -> tuple[bytes, str]:
        """The PNG a notebook shows where scripts do not run, and its hint line."""
        hint = TEXT[self._spec.lang]["static_hint"]
        return draw(self._spec, "png", dpi=100, caption=hint), hint

    def side_files(self) -> dict[str, bytes]:
        """Files the page links to that are too big to embed (a reduced view's full data),
        by file name; written beside the HTML by :meth:`save`."""
        return dict(self._spec.side_files)

    def save(self, path: str | Path, *, dpi: int = 150, engine: str = "vis") -> Path:
        """Write the view to ``path``; ``.html``, ``.png`` or ``.svg`` by the suffix.
        ``engine="pyvis"`` writes the HTML through :meth:`to_pyvis` (pyvis's page model,
        our offline template). A reduced view whose full data is too big to embed writes
        it beside the HTML (``KIND-edges.csv.gz``), where the page's link points."""
        path = Path(path)
        suffix = path.suffix.lower()
        if engine not in ("vis", "pyvis"):
            raise UsageError(f"unknown view engine {engine!r}: use vis or pyvis")
        if suffix in (".html", ".htm") and engine == "pyvis":
            atomic_write(path, self.to_pyvis().generate_html(path.name).encode("utf-8"))
        elif suffix in (".html", ".htm"):
            for name, payload in self.side_files().items():  # a reduced view's full data
                atomic_write(path.with_name(name), payload)
            atomic_write(path, self.html.encode("utf-8"))
        elif suffix in (".png", ".svg"):
            fmt: Literal["png", "svg"] = "png" if suffix == ".png" else "svg"
            atomic_write(path, self.to_image(fmt, dpi=dpi))
        else:
            raise UsageError(f"cannot write a view as {path.name!r}: use .html, .png or .svg")
        return path

    def to_image(self, fmt: Literal["png", "svg"] = "png", *, dpi: int = 150) -> bytes:
        """The view drawn with matplotlib (CJK font found on the system), as PNG or SVG bytes."""
        return draw(self._spec, fmt, dpi=dpi)

    def to_pyvis(self, *, height: str = "720px", width: str = "100%") -> Any:
        """The view as a ``pyvis.network.Network`` (nodes with their positions, sizes,
        class shapes and colours and escaped tooltips; edges; options), set up to work
        offline: it renders with our template and the vendored vis-network, fetching
        nothing. Continue in pyvis from there (``net.generate_html()``, ``add_node`` …)."""
        from .interop import to_pyvis

        return to_pyvis(self._spec, height=height, width=width)


def render(
    G: nx.Graph,
    *,
    kind: str = "graph",
    title: str | None = None,
    subtitle: str | None = None,
    lang: Lang = "zh",
    size_by: SizeBy = "degree",
    color_by: str = "type",
    layout: Layout = "auto",
    positions: Mapping[Hashable, tuple[float, float]] | None = None,
    physics: bool | None = None,
    edge_labels: bool | None = None,
    focus: Iterable[Hashable] = (),
    type_labels: Mapping[str, Mapping[str, str]] | None = None,
    note: str = "",
    seed: int = 0,
    reduce: bool | None = None,
) -> View:
    """Render a networkx graph that follows the projection contract as a :class:`View`.

    Parameters
    ----------
    G : networkx graph (any of the four kinds); it is only read, never changed.
    title, subtitle : shown as text in the page heading.
    lang : ``"zh"`` (default) or ``"en"``: node, edge and class labels in that language,
        falling back to the other where a name is missing.
    size_by : a metric (``"degree"``: distinct neighbours, ``weighted_degree``,
        ``betweenness``, ``pagerank`` …), measured by :mod:`alliancegraph.analysis` unless
        the nodes already carry that attribute (as :func:`alliancegraph.analysis.measured`
        writes it); any numeric node attribute; a mapping node -> value; or None for equal
        sizes. Sizes scale with the square root of the value.
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
    reduce : None reduces a graph above the size budget (:mod:`.reduce`: more than 5,000
        edges or 2,000 nodes): backbone edges, communities as super-nodes that expand on
        click, the rule and "n of m edges" on the page, the full data as CSV links.
        False draws the whole graph whatever its size; True reduces any graph.

    Returns
    -------
    View
    """
    if lang not in TEXT:
        raise UsageError(f"unknown language {lang!r}: use zh or en")
    if reduce is None:
        reduce = needs_reduction(G)
    make_spec = reduced_spec if reduce and len(G) > 1 else build_spec
    spec = make_spec(
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
    return View(to_html(spec), spec)
