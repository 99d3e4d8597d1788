"""Write projections and metrics out: GEXF and GraphML for Gephi, CSV edge lists, and
metrics as RDF in a named graph of their own.

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

__all__ = [
    "ANALYSIS",
    "GRAPH_FORMATS",
    "edge_table",
    "metrics_to_quads",
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


def edge_table(G: nx.Graph) -> pd.DataFrame:
    """One row per edge: source, target, their labels, then the edge's attributes."""
    rows = []
    multi = G.is_multigraph()
    for e in G.edges(keys=True, data=True) if multi else G.edges(data=True):
        u, v, d = e[0], e[1], e[-1]
        rows.append(
            {
                "source": u,
                "target": v,
                "source_label": G.nodes[u].get("label", ""),
                "target_label": G.nodes[v].get("label", ""),
                **d,
            }
        )
    return pd.DataFrame(rows)


def write_graph(G: nx.Graph, path: str | Path, fmt: str | None = None) -> Path:
    """Write ``G`` as GEXF, GraphML or a CSV edge list (format from ``fmt`` or the
    file's suffix)."""
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
        text = edge_table(G).to_csv(index=False, quoting=csv.QUOTE_MINIMAL)
        buf.write(text.encode("utf-8"))
    return atomic_write(path, buf.getvalue())


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
