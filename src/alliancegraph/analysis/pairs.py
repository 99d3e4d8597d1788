"""A query result as a network: the pairs of our entities its rows hold.

The explorer's "view as graph" of a query result (and ``AllianceGraph.result_view``): in
each row (a triple of a CONSTRUCT result counts as the row subject, predicate, object), the
first two of our entities (``agr:`` IRIs) are joined by an edge. The edge is named by a
property in the row (an IRI that is not one of our entities, shown by its label), else by
a ``role``/``relation``/``kind`` value, else by the second entity's column; an
``evidence`` column goes to its tooltip. A column ``x_label`` (or ``x_title``,
``xLabel``) names the entity in column ``x``. Nodes follow the projection contract of
:mod:`alliancegraph.analysis` (label, type, type_label); the classes and labels come from
the one catalogue. Nothing here runs the user's query: it reads the result it is given.
"""

from __future__ import annotations

import networkx as nx
import pyoxigraph as ox

from ..catalogue import Source
from ..errors import UsageError
from ..namespaces import AGR, expand, shorten
from ..results import QueryResult, Term
from .projections import catalogue

__all__ = ["result_graph", "result_type_labels"]

_LABEL_SUFFIXES = ("_label", "_title", "Label")
_WORD_COLUMNS = ("role", "relation", "kind")


def _table(result: QueryResult) -> tuple[list[str], list[tuple[Term | None, ...]]]:
    if result.kind == "graph":
        rows: list[tuple[Term | None, ...]] = [
            (t.subject, t.predicate, t.object) for t in result.triples
        ]
        return ["subject", "predicate", "object"], rows
    return list(result.variables), list(result.rows)


def _text(t: Term | None) -> str:
    return t.value if isinstance(t, ox.NamedNode | ox.Literal | ox.BlankNode) else ""


def _ours(row: tuple[Term | None, ...]) -> list[tuple[int, str]]:
    return [
        (i, t.value)
        for i, t in enumerate(row)
        if isinstance(t, ox.NamedNode) and t.value.startswith(AGR)
    ]


def result_graph(g: Source, result: QueryResult) -> nx.MultiDiGraph:
    """The network of the entity pairs in ``result`` (see the module's rules); a
    UsageError if no row holds two of our entities."""
    head, rows = _table(result)
    col = {h: k for k, h in enumerate(head)}
    named: dict[str, str] = {}
    for row in rows:
        for k, t in enumerate(row):
            for suffix in _LABEL_SUFFIXES:
                m = col.get(head[k] + suffix)
                value = row[m] if m is not None else None
                if isinstance(t, ox.NamedNode) and isinstance(value, ox.NamedNode | ox.Literal):
                    named.setdefault(t.value, value.value)
    cat = catalogue(g)
    G = nx.MultiDiGraph()
    for row in rows:
        ours = _ours(row)
        if len(ours) < 2:
            continue
        (i, a), (j, b) = ours[:2]
        prop = next(
            (
                t.value
                for k, t in enumerate(row)
                if k not in (i, j)
                and isinstance(t, ox.NamedNode)
                and t.value not in named
                and not t.value.startswith(AGR)
            ),
            None,
        )
        word = next((w for h in _WORD_COLUMNS if h in col and (w := _text(row[col[h]]))), None)
        evidence = _text(row[col["evidence"]]) if "evidence" in col else ""
        for n in (a, b):
            if n not in G:
                cls = cat.type_of(n)
                G.add_node(
                    n,
                    label=named.get(n, shorten(n)),
                    type=shorten(cls) if cls else "entity",
                    type_label=cat.labels.get(cls, ("", "", ""))[0] if cls else "",
                )
        fallback = word or head[j]
        if prop:
            zh, en, other = cat.labels.get(prop, ("", "", ""))
            label = zh or en or other or shorten(prop)
        else:
            label = fallback
        G.add_edge(
            a,
            b,
            predicate=shorten(prop) if prop else fallback,
            label=label,
            evidence=evidence,
        )
    if not G:
        raise UsageError("the result holds no pairs of entities to draw")
    return G


def result_type_labels(g: Source, G: nx.Graph) -> dict[str, dict[str, str]]:
    """The zh and en names of the classes of ``G``'s nodes (prefixed, as the nodes carry
    them), for the view's legend."""
    cat = catalogue(g)
    out: dict[str, dict[str, str]] = {}
    for _, cls in G.nodes(data="type"):
        if not cls or cls in out or cls == "entity":
            continue
        zh, en, other = cat.labels.get(expand(cls) or cls, ("", "", ""))
        out[cls] = {"zh": zh or en or other or cls, "en": en or zh or other or cls}
    return out
