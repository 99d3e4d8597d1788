"""What the explorer pages show, fetched through the query layer (blocking; run in workers).

Reads the named query library (:mod:`alliancegraph.library`), search and describe
(:mod:`alliancegraph.search`) and the network views (:mod:`alliancegraph.views`) through
their public functions, and shapes rows for the templates. Must never produce markup (the
templates escape every value), never paste a value into query text (values are bound as
RDF terms), and never write.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox

from ..errors import UsageError
from ..namespaces import AGR, GRAPH_EXAMPLES, RDF, SCHEMA, SH, shorten
from ..results import QueryResult

ROLE_NAMES = {
    "lead": "牵头单位 Lead institutions",
    "supporting": "依托单位 Supporting institutions",
    "member": "成员单位 Members",
}

# The most specific class (ours) of each organisation linked to one alliance ?a.
ORG_TYPES = """
SELECT DISTINCT ?org ?type ?type_label WHERE {
  ?a org:hasMember|ag:supportingInstitution ?org .
  ?org a ?type .
  FILTER(STRSTARTS(STR(?type), STR(ag:)))
  FILTER NOT EXISTS {
    ?org a ?sub . ?sub rdfs:subClassOf+ ?type .
    FILTER(?sub != ?type && STRSTARTS(STR(?sub), STR(ag:)))
  }
  OPTIONAL { ?type rdfs:label ?type_label FILTER(lang(?type_label) = "zh") }
}"""


def _v(t: Any) -> str | None:
    return None if t is None else t.value


def _rows(result: QueryResult) -> list[dict[str, Any]]:
    return list(result)


def named(engine: Any, name: str, **params: Any) -> QueryResult:
    """A named query on the server's graph (deadline included), parameters bound."""
    from ..library import run_named

    return run_named(engine.graph, name, params)


def link(iri: str | None, label: str | None = None) -> dict[str, Any] | None:
    from .pages import entity_href

    if iri is None:
        return None
    return {"href": entity_href(iri), "text": label or shorten(iri), "iri": iri}


def number(value: str | None) -> str:
    """A figure as people read it: thousands separated, 亿/万 for big amounts."""
    if value is None:
        return "—"
    try:
        x = float(value)
    except ValueError:
        return value
    if x >= 1e8 and x % 1e6 == 0:
        return f"{x / 1e8:g} 亿"
    if x >= 1e4 and x % 1e3 == 0 and x >= 1e5:
        return f"{x / 1e4:g} 万"
    return f"{x:,.0f}" if x == int(x) else f"{x:,}"


# -- home and alliances -----------------------------------------------------------------------


def overview(engine: Any) -> dict[str, Any]:
    """Reported figures beside the graph's own counts, what the graph holds, the alliances."""
    from ..cli import SUMMARY

    figures = []
    for r in _rows(named(engine, "reported-vs-counted")):
        reported, counted = _v(r.get("reported")), _v(r.get("counted"))
        share = None
        if counted is not None and reported not in (None, "0"):
            share = round(100 * float(counted) / float(reported))
        figures.append(
            {
                "measure": _v(r.get("measure_label")),
                "scope": _v(r.get("scope_label")),
                "reported": number(reported),
                "unit": _v(r.get("unit_label")) or "",
                "counted": number(counted) if counted is not None else None,
                "share": share,
                "href": link(_v(r.get("statistic")))["href"],
            }
        )
    counts = [(_v(r["what"]), _v(r["n"])) for r in engine.graph.query(SUMMARY)]
    return {"figures": figures, "counts": counts, "alliances": alliances(engine)}


def alliances(engine: Any) -> list[dict[str, Any]]:
    """One entry per alliance: names, leads, founding date (where a source gives one) and
    the number of members the graph knows."""
    members: dict[str, set[str]] = {}
    for r in named(engine, "alliance-members"):
        members.setdefault(r["alliance"].value, set()).add(r["member"].value)
    out: dict[str, dict[str, Any]] = {}
    for r in named(engine, "alliances"):
        iri = r["alliance"].value
        a = out.setdefault(
            iri,
            {
                "iri": iri,
                "label": _v(r.get("label")),
                "label_en": _v(r.get("label_en")),
                "href": "/alliance/" + iri[len(AGR) :] if iri.startswith(AGR) else None,
                "leads": [],
                "founded": _v(r.get("founded")),
                "members": len(members.get(iri, ())),
            },
        )
        lead = link(_v(r.get("lead")), _v(r.get("lead_label")))
        if lead and lead not in a["leads"]:
            a["leads"].append(lead)
    return list(out.values())


def alliance(engine: Any, iri: str) -> dict[str, Any]:
    """One alliance: names, members by role and type, supporting institutions, focus
    industries, what it developed, events and whom it assisted."""
    from ..search import describe

    d = describe(engine.graph, f"<{iri}>")
    if "ag:Alliance" not in d.types:
        raise UsageError(f"{d.label} is not an alliance (its types: {', '.join(d.types)})")
    store = engine.graph.store
    a = ox.NamedNode(iri)
    types = {}
    for r in store.query(ORG_TYPES, bindings={"a": a}):
        label = _v(r.get("type_label")) or shorten(r["type"].value)
        types.setdefault(r["org"].value, label)
    roles: dict[str, dict[str, list]] = {k: {} for k in ROLE_NAMES}
    seen: set[tuple[str, str]] = set()

    def add(role: str, org: str, label: str | None) -> None:
        if (role, org) in seen:
            return
        seen.add((role, org))
        kind = types.get(org, "组织 organisation")
        roles[role].setdefault(kind, []).append(link(org, label))

    for r in named(engine, "alliance-members", alliance=iri):
        add(_v(r["role"]), r["member"].value, _v(r.get("member_label")))
    for r in named(engine, "supporting-institutions", alliance=iri):
        add("supporting", r["institution"].value, _v(r.get("institution_label")))
    outputs: dict[str, dict[str, Any]] = {}
    for r in named(engine, "alliance-outputs", developer=iri):
        doc = r["document"].value
        o = outputs.setdefault(
            doc,
            {"doc": link(doc, _v(r.get("document_label"))), "kind": _v(r["kind"]), "fields": []},
        )
        field = link(_v(r.get("field")), _v(r.get("field_label")))
        if field and field not in o["fields"]:
            o["fields"].append(field)
    focus = [
        link(r["field"].value, _v(r.get("field_label")))
        for r in named(engine, "focus-industries", alliance=iri)
    ]
    events = [
        link(r["event"].value, _v(r.get("event_label")))
        for r in named(engine, "events", organizer=iri)
    ]
    assisted = [
        {
            "who": link(r["helped"].value, _v(r.get("helped_label"))),
            "evidence": _v(r.get("evidence")),
        }
        for r in named(engine, "assistance")
        if r["helper"].value == iri
    ]
    by_role = [
        {
            "role": ROLE_NAMES[role],
            "key": role,
            "count": sum(len(v) for v in groups.values()),
            "groups": [{"type": t, "orgs": groups[t]} for t in sorted(groups)],
        }
        for role, groups in roles.items()
        if groups
    ]
    return {
        "iri": iri,
        "label": d.label,
        "label_en": d.label_en,
        "aliases": d.aliases,
        "entity_href": link(iri)["href"],
        "roles": by_role,
        "focus": _unique(focus),
        "outputs": list(outputs.values()),
        "events": _unique(events),
        "assisted": assisted,
    }


def _unique(items: list) -> list:
    out = []
    for x in items:
        if x not in out:
            out.append(x)
    return out


# -- the named query library ------------------------------------------------------------------


def examples_for_page() -> list[dict[str, Any]]:
    """The named queries as the query page lists them, each with a link that runs it."""
    from ..library import load_library

    out = []
    for nq in load_library().values():
        query = {"name": nq.name}
        for p in nq.params:
            if p.required and p.example:
                query["p." + p.name] = p.example
        out.append(
            {
                "name": nq.name,
                "summary_zh": nq.summary_zh,
                "summary_en": nq.summary,
                "description": nq.description,
                "view": nq.view,
                "parameters": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "required": p.required,
                        "description": p.description,
                        "placeholder": p.example or "",
                    }
                    for p in nq.params
                ],
                "href": "/query?" + urlencode(query),
            }
        )
    return out


def example_text(
    name: str, values: dict[str, str] | None = None, engine: Any = None, bound: bool = True
) -> str:
    """The query ``name`` as a SPARQL client would send it: its PREFIX lines (not its ``#+``
    header), and the given
    parameter values bound in a VALUES block written by Oxigraph's serialiser (so a value
    is only ever a term). Empty values are left unbound; ``bound=False`` skips binding
    (and the check for required parameters) to show the text in the editor."""
    from ..library import bind, get, standalone_text
    from ..store import with_values

    nq = get(name)
    # The page shows the header (summary, description, parameters) above the editor.
    text = "".join(
        line for line in standalone_text(nq).splitlines(keepends=True) if not line.startswith("#+")
    )
    if not bound:
        return text
    given = {k: v for k, v in (values or {}).items() if v not in (None, "")}
    source = engine.graph.store if engine is not None else None
    bindings = bind(nq, given, source)
    return with_values(text, bindings) if bindings else text


def examples_for_sd(endpoint: str) -> list[ox.Triple]:
    """The library as SHACL-SPARQL executables (``library.example_quads``), each with
    ``schema:target`` this endpoint, for the service description."""
    from ..library import example_quads

    triples = [q.triple for q in example_quads(GRAPH_EXAMPLES)]
    executable = ox.NamedNode(SH + "SPARQLExecutable")
    targets = [
        ox.Triple(t.subject, ox.NamedNode(SCHEMA + "target"), ox.NamedNode(endpoint))
        for t in triples
        if t.predicate.value == RDF + "type" and t.object == executable
    ]
    return sorted(triples + targets, key=lambda t: str(t.subject))


# -- results ---------------------------------------------------------------------------------


def result_table(result: QueryResult, shown: int) -> dict[str, Any]:
    """A result as table rows of :class:`~.pages.Cell`, at most ``shown`` of them.

    ``pairs`` is true when a row links two of our entities (two IRI columns), so the result
    can be drawn as a graph.
    """
    from .pages import cell

    if result.kind == "ask":
        return {"kind": "ask", "boolean": bool(result.boolean), "total": 1, "pairs": False}
    if result.kind == "graph":
        head = ["subject", "predicate", "object"]
        rows = [(t.subject, t.predicate, t.object) for t in result.triples]
    else:
        head = list(result.variables)
        rows = list(result.rows)
    return {
        "kind": result.kind,
        "head": head,
        "rows": [[cell(t) for t in row] for row in rows[:shown]],
        "total": len(rows),
        "shown": min(shown, len(rows)),
        "pairs": any(len(_ours(row)) >= 2 for row in rows[:shown]),
    }


def _ours(row) -> list[tuple[int, str]]:
    return [
        (i, t.value)
        for i, t in enumerate(row)
        if isinstance(t, ox.NamedNode) and t.value.startswith(AGR)
    ]


# -- network views ----------------------------------------------------------------------------


def views_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("alliancegraph.views") is not None


class _Cache:
    """A small LRU of rendered views: the store is read-only, so a view never goes stale."""

    def __init__(self, size: int = 64):
        self.size = size
        self.items: OrderedDict[tuple, str] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, make) -> str:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


_views = _Cache()

VIEW_KINDS = ("ego", "alliance")


def view_html(engine: Any, kind: str, iri: str) -> str:
    """The self-contained HTML of a network view (ego or alliance) of one entity."""
    from .. import views

    if kind not in VIEW_KINDS:
        raise UsageError(f"unknown view {kind!r}; expected one of {', '.join(VIEW_KINDS)}")
    return _views.get(
        (id(engine), kind, iri), lambda: views.make(engine.graph, kind, f"<{iri}>").html
    )


def results_view(engine: Any, sparql: str) -> str:
    """A query result drawn as a network: in each row, the first two of our entities are
    joined by an edge. The edge is named by a property in the row (an IRI that is not one
    of our entities, shown by its label), else by a ``role``/``relation``/``kind`` value,
    else by the second entity's column; an ``evidence`` column goes to its tooltip."""
    import networkx as nx

    from .. import views

    def make() -> str:
        result = engine.query(sparql)
        if result.kind == "graph":
            head = ["subject", "predicate", "object"]
            rows = [(t.subject, t.predicate, t.object) for t in result.triples]
        else:
            head, rows = list(result.variables), list(result.rows)
        col = {h: k for k, h in enumerate(head)}
        labels: dict[str, str] = {}
        for row in rows:
            for k, t in enumerate(row):
                for suffix in ("_label", "_title", "Label"):
                    m = col.get(head[k] + suffix)
                    if m is not None and isinstance(t, ox.NamedNode) and row[m] is not None:
                        labels.setdefault(t.value, row[m].value)
        G = nx.MultiDiGraph()
        edges = []
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
                    and t.value not in labels
                    and not t.value.startswith(AGR)
                ),
                None,
            )
            word = next(
                (
                    row[col[h]].value
                    for h in ("role", "relation", "kind")
                    if h in col and row[col[h]]
                ),
                None,
            )
            evidence = (
                row[col["evidence"]].value if "evidence" in col and row[col["evidence"]] else ""
            )
            for n in (a, b):
                if n not in G:
                    G.add_node(n, label=labels.get(n, shorten(n)), type=None)
            edges.append((a, b, prop, word or head[j], evidence))
        if not G:
            raise UsageError("the result holds no pairs of entities to draw")
        props = {e[2] for e in edges if e[2]}
        names = {}
        if props:
            values = " ".join(str(ox.NamedNode(p)) for p in props)
            for r in engine.graph.query(
                f"SELECT ?p ?l WHERE {{ VALUES ?p {{ {values} }} ?p rdfs:label ?l "
                'FILTER(lang(?l) = "zh") }'
            ):
                names[r["p"].value] = r["l"].value
        for a, b, prop, fallback, evidence in edges:
            label = names.get(prop) or (shorten(prop) if prop else fallback)
            G.add_edge(a, b, predicate=shorten(prop) if prop else fallback, label=label,
                       evidence=evidence)  # fmt: skip
        values = " ".join(str(ox.NamedNode(n)) for n in G)
        types = engine.graph.query(
            f"SELECT ?s ?t ?zh ?en WHERE {{ VALUES ?s {{ {values} }} ?s a ?t "
            "FILTER(STRSTARTS(STR(?t), STR(ag:))) "
            "FILTER NOT EXISTS { ?s a ?sub . ?sub rdfs:subClassOf+ ?t FILTER(?sub != ?t) } "
            'OPTIONAL { ?t rdfs:label ?zh FILTER(lang(?zh) = "zh") } '
            'OPTIONAL { ?t rdfs:label ?en FILTER(lang(?en) = "en") } }'
        )
        classes: dict[str, dict[str, str]] = {}
        for r in types:
            cls = shorten(r["t"].value)
            G.nodes[r["s"].value]["type"] = cls
            zh, en = _v(r.get("zh")), _v(r.get("en"))
            classes[cls] = {"zh": zh or en or cls, "en": en or zh or cls}
        for _, d in G.nodes(data=True):
            if d["type"] is None:
                d["type"] = "entity"
        return views.render(
            G, kind="results", title="查询结果 query result", type_labels=classes
        ).html

    return _views.get((id(engine), "results", sparql), make)
