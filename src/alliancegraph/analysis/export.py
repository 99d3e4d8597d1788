"""Write projections and metrics out: GEXF and GraphML for Gephi, CSV edge lists, and
metrics as RDF in a named graph of their own.

CSV is what Gephi's spreadsheet import reads: an edge table (Source, Target, Type, Weight,
Label, then the other attributes) and a node table beside it (Id, Label, type, …); text
cells a spreadsheet would run as formulas are escaped with a leading ``'``.
GEXF and GraphML keep the zh labels and every node and edge attribute of the contract
(networkx's own readers get them back: tests check the round trip). Files are written
whole or not at all (:func:`alliancegraph.fileio.atomic_write`). Nothing here reads the store.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import networkx as nx
import pandas as pd
import pyoxigraph as ox

from ..errors import UsageError
from ..fileio import atomic_write
from ..namespaces import AGR, XSD
from ..results import spreadsheet_frame

__all__ = [
    "ANALYSIS",
    "GRAPH_FORMATS",
    "edge_table",
    "gephi_edges",
    "gephi_nodes",
    "metrics_to_quads",
    "node_table_path",
    "write_graph",
    "write_quads",
]

GRAPH_FORMATS = ("gexf", "graphml", "csv")
#: Namespace of the analysis results written back as RDF (not part of the ontology).
ANALYSIS = "https://w3id.org/alliancegraph/analysis#"


def _clean(G: nx.Graph) -> nx.Graph:
    """A copy whose attributes GEXF and GraphML both accept (no None, no NaN)."""
    H = G.copy()
    for _, d in H.nodes(data=True):
        for k in [k for k, v in d.items() if v is None or (isinstance(v, float) and math.isnan(v))]:
            del d[k]
    for *_, d in H.edges(data=True):
        for k in [k for k, v in d.items() if v is None or (isinstance(v, float) and math.isnan(v))]:
            del d[k]
    H.graph = {k: v for k, v in G.graph.items() if isinstance(v, str | int | float | bool)}
    return H


#: Columns of :func:`edge_table` that hold the ends of an edge; an edge attribute with one of
#: these names is renamed (``source``, the source document, becomes ``source_document``).
ENDS = ("source", "target", "source_label", "target_label")
#: Columns Gephi's spreadsheet import takes for its own, compared case-insensitively: an
#: attribute with one of these names would be read as Gephi's column, so it is renamed.
GEPHI_COLUMNS = frozenset({"id", "label", "source", "target", "type", "weight", "interval", "kind"})
NODE_TABLE_SUFFIX = ".nodes.csv"


def _attribute_name(key: str) -> str:
    """The column of an edge attribute whose name is taken by an end of the edge."""
    return "source_document" if key == "source" else f"edge_{key}"


def _oriented(G: nx.Graph, u: object, v: object) -> tuple[object, object]:
    """An undirected two-mode edge from its alliance side (``bipartite`` 0) to its
    organisation; every other edge as networkx gives it."""
    sides = (G.nodes[u].get("bipartite"), G.nodes[v].get("bipartite"))
    return (v, u) if not G.is_directed() and sides == (1, 0) else (u, v)


def edge_table(G: nx.Graph) -> pd.DataFrame:
    """One row per edge: ``source`` and ``target`` (the IRIs of its ends, a two-mode edge
    from the alliance), their labels, then the edge's attributes. An attribute named like
    one of those columns keeps its value under another name: ``source`` (the source
    document's label) becomes ``source_document``."""
    rows = []
    multi = G.is_multigraph()
    for e in G.edges(keys=True, data=True) if multi else G.edges(data=True):
        u, v = _oriented(G, e[0], e[1])
        d = e[-1]
        rows.append(
            {
                "source": u,
                "target": v,
                "source_label": G.nodes[u].get("label", ""),
                "target_label": G.nodes[v].get("label", ""),
                **{(_attribute_name(k) if k in ENDS else k): x for k, x in d.items()},
            }
        )
    return pd.DataFrame(rows, columns=None if rows else list(ENDS))


def gephi_edges(G: nx.Graph) -> pd.DataFrame:
    """The edge table as Gephi's spreadsheet import reads it: ``Source``, ``Target``
    (IRIs, matching the node table's ``Id``), ``Type`` (Directed or Undirected), ``Weight``
    (1 where the projection has none), ``Label`` (the property's zh label), then the ends'
    labels and every other attribute, none named like a column Gephi takes for its own."""
    table = edge_table(G)
    out = pd.DataFrame(
        {
            "Source": table["source"],
            "Target": table["target"],
            "Type": "Directed" if G.is_directed() else "Undirected",
            "Weight": table["weight"].fillna(1) if "weight" in table else 1,
        }
    )
    if "label" in table:
        out["Label"] = table["label"]
    for col in table.columns:
        if col in ("source", "target", "weight", "label"):
            continue
        name = col if col.casefold() not in GEPHI_COLUMNS else f"edge_{col}"
        out[name] = table[col]
    return out


def gephi_nodes(G: nx.Graph) -> pd.DataFrame:
    """The node table as Gephi's spreadsheet import reads it: ``Id`` (the IRI), ``Label``
    (zh), ``type`` (the most specific class, prefixed), then every other node attribute."""
    rows = []
    for n, d in G.nodes(data=True):
        row = {"Id": n, "Label": d.get("label", n), "type": d.get("type", "")}
        for k, x in d.items():
            if k in ("label", "type"):
                continue
            row[k if k.casefold() not in GEPHI_COLUMNS else f"node_{k}"] = x
        rows.append(row)
    return pd.DataFrame(rows, columns=None if rows else ["Id", "Label", "type"])


def node_table_path(path: str | Path) -> Path:
    """Where a CSV export's node table goes: ``x.csv`` -> ``x.nodes.csv`` beside it."""
    path = Path(path)
    return path.with_name(path.stem + NODE_TABLE_SUFFIX)


def _csv(df: pd.DataFrame) -> bytes:
    """A table opened in spreadsheets too: text a spreadsheet would run as a formula gets a
    leading ``'`` (in Id, Source and Target alike, so the tables still join)."""
    safe = spreadsheet_frame(df)
    return safe.to_csv(index=False, quoting=csv.QUOTE_MINIMAL).encode("utf-8")


def write_graph(G: nx.Graph, path: str | Path, fmt: str | None = None) -> Path:
    """Write ``G`` as GEXF, GraphML or CSV (format from ``fmt`` or the file's suffix);
    returns ``path``. CSV is Gephi's spreadsheet import: the edge table
    (:func:`gephi_edges`) at ``path`` and the node table (:func:`gephi_nodes`) beside it
    (:func:`node_table_path`: ``x.csv`` -> ``x.nodes.csv``), nodes written first."""
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt not in GRAPH_FORMATS:
        raise UsageError(f"unknown graph format {fmt!r}; expected {', '.join(GRAPH_FORMATS)}")
    buf = io.BytesIO()
    if fmt == "gexf":
        nx.write_gexf(_clean(G), buf, encoding="utf-8")
    elif fmt == "graphml":
        nx.write_graphml(_clean(G), buf, encoding="utf-8")
    else:
        atomic_write(node_table_path(path), _csv(gephi_nodes(G)))
        buf.write(_csv(gephi_edges(G)))
    return atomic_write(path, buf.getvalue())


def written_files(path: str | Path, fmt: str | None = None) -> list[Path]:
    """The files :func:`write_graph` writes for ``path``: the file itself, and for CSV the
    node table beside it (edges first)."""
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower()
    return [path, node_table_path(path)] if fmt == "csv" else [path]


def metrics_to_quads(table: pd.DataFrame, name: str = "metrics") -> list[ox.Quad]:
    """Metric columns of a :func:`~alliancegraph.analysis.metrics.metric_table` as quads
    ``<node> analysis:<metric> value`` in the named graph ``agr:graph-analysis-<name>``,
    apart from the curated facts. The graph itself records how each metric was computed.
    """
    graph = ox.NamedNode(f"{AGR}graph-analysis-{name}")
    double = ox.NamedNode(XSD + "double")
    skip = {"node", "label", "type", "rank", "community"}
    quads = []
    for col in table.columns:
        if col in skip or not pd.api.types.is_numeric_dtype(table[col]):
            continue
        pred = ox.NamedNode(ANALYSIS + col.replace("-", "_"))
        for node, value in zip(table["node"], table[col], strict=True):
            if pd.isna(value):
                continue
            quads.append(
                ox.Quad(
                    ox.NamedNode(str(node)),
                    pred,
                    ox.Literal(repr(float(value)), datatype=double),
                    graph,
                )
            )
    if "community" in table.columns:
        pred = ox.NamedNode(ANALYSIS + "community")
        for node, c in zip(table["node"], table["community"], strict=True):
            quads.append(
                ox.Quad(
                    ox.NamedNode(str(node)),
                    pred,
                    ox.Literal(str(int(c)), datatype=ox.NamedNode(XSD + "integer")),
                    graph,
                )
            )
    for metric, how in sorted(table.attrs.get("methods", {}).items()):
        quads.append(
            ox.Quad(graph, ox.NamedNode(ANALYSIS + "method"), ox.Literal(f"{metric}: {how}"), graph)
        )
    return quads


def write_quads(quads: list[ox.Quad], path: str | Path) -> Path:
    """N-Quads (``.nq``) or TriG (``.trig``), written atomically."""
    path = Path(path)
    fmt = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"write RDF metrics to a .nq or .trig file, not {path.name}")
    data = ox.serialize(quads, format=fmt)
    return atomic_write(path, data if data is not None else b"")
