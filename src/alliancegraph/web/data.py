"""What the explorer pages show, asked of the graph's API (blocking; run in workers).

Every answer comes from :class:`~alliancegraph.graph.AllianceGraph`: the named query
library (``g.named``, ``g.queries``, ``g.query_text``), the summary (``g.summary``),
describe (``g.describe``), the network views (``g.view``) and the most specific class of
an entity (:mod:`alliancegraph.catalogue`). This module only shapes those answers into
rows for the templates: it holds no SPARQL, builds no network and computes no metric.
Must never produce markup (the templates escape every value), never paste a value into
query text (values are bound as RDF terms), and never write.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .. import catalogue
from ..errors import UsageError
from ..namespaces import AGR, shorten
from ..results import QueryResult, Term, term_json

if TYPE_CHECKING:
    from ..graph import AllianceGraph

ROLE_NAMES = {
    "lead": "牵头单位 Lead institutions",
    "supporting": "依托单位 Supporting institutions",
    "member": "成员单位 Members",
}

#: The kind shown for an organisation whose class the graph does not know.
UNKNOWN_KIND = "组织 organisation"


# -- cells and links: how a term appears in a page --------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A term ready for a template: text to show, a link if it is one of our entities, and
    the language or datatype shown beside a literal."""

    text: str
    href: str | None = None
    note: str | None = None
    title: str | None = None


def entity_href(iri: str) -> str:
    """The explorer page of an IRI: ``/entity/<slug>`` for ours, ``/entity?iri=`` else."""
    if iri.startswith(AGR) and "/" not in iri[len(AGR) :]:
        return "/entity/" + iri[len(AGR) :]
    return "/entity?" + urlencode({"iri": iri})


def cell(term: Term | None, label: str | None = None) -> Cell:
    """A cell for an RDF term (or None), read through its SPARQL JSON form."""
    if term is None:
        return Cell("")
    j = term_json(term)
    if j["type"] == "uri":
        iri = j["value"]
        href = entity_href(iri) if iri.startswith(AGR) else None
        return Cell(label or shorten(iri), href, None, iri)
    if j["type"] == "bnode":
        return Cell(f"_:{j['value']}")
    if j["type"] == "literal":
        note = j.get("xml:lang") or (shorten(j["datatype"]) if "datatype" in j else None)
        return Cell(j["value"], None, note)
    return Cell(str(term))


def link(iri: str | None, label: str | None = None) -> dict[str, str] | None:
    """A link to the explorer page of ``iri`` (None for None)."""
    if iri is None:
        return None
    return {"href": entity_href(iri), "text": label or shorten(iri), "iri": iri}


def _v(t: Term | None) -> str | None:
    """The lexical value of a term (IRI, literal, blank node label); None for None."""
    if t is None:
        return None
    value = term_json(t)["value"]
    return value if isinstance(value, str) else str(t)


def _s(t: Term | None) -> str:
    """The value of a term the query always binds."""
    return _v(t) or ""


def number(value: str | int | float | None) -> str:
    """A figure as people read it: thousands separated, 亿/万 for big amounts."""
    if value is None:
        return "—"
    try:
        x = float(value)
    except ValueError:
        return str(value)
    if x >= 1e8 and x % 1e6 == 0:
        return f"{x / 1e8:g} 亿"
    if x >= 1e4 and x % 1e3 == 0 and x >= 1e5:
        return f"{x / 1e4:g} 万"
    return f"{x:,.0f}" if x == int(x) else f"{x:,}"


def _unique(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for x in items:
        if x not in out:
            out.append(x)
    return out


# -- a small cache: the store is read-only, so an answer never goes stale ---------------------


class Cache:
    """A small LRU of answers that are costly to make (rendered views, the class of every
    entity, whole SPARQL answers), one per server: the store is read-only, so an entry
    never goes stale. At most ``size`` entries and, with ``max_bytes``, that many bytes in
    all (an entry larger than an eighth of it is not kept)."""

    def __init__(self, size: int = 64, max_bytes: int | None = None):
        self.size = size
        self.max_bytes = max_bytes
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.sizes: dict[Hashable, int] = {}
        self.bytes = 0
        self.lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()
        self.put(key, value)
        return value

    def peek(self, key: Hashable) -> Any:
        """The entry of ``key`` (now the most recent), or None."""
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key: Hashable, value: Any, nbytes: int = 0) -> bool:
        """Keep ``value`` (``nbytes`` long); whether it was kept."""
        if self.max_bytes is not None and nbytes > self.max_bytes // 8:
            return False
        with self.lock:
            self.bytes += nbytes - self.sizes.get(key, 0)
            self.items[key] = value
            self.items.move_to_end(key)
            self.sizes[key] = nbytes
            while self.items and (
                len(self.items) > self.size
                or (self.max_bytes is not None and self.bytes > self.max_bytes)
            ):
                old, _ = self.items.popitem(last=False)
                self.bytes -= self.sizes.pop(old, 0)
        return True


# -- home and alliances -----------------------------------------------------------------------


def overview(g: AllianceGraph) -> dict[str, Any]:
    """Reported figures beside the graph's own counts, what the graph holds, the alliances
    (the same :class:`~alliancegraph.summary.Summary` as ``alliancegraph summary``)."""
    summary = g.summary()
    figures = []
    for r in summary.reported_vs_counted:
        reported, counted = _v(r.get("reported")), _v(r.get("counted"))
        share = None
        if counted is not None and reported not in (None, "0"):
            share = round(100 * float(counted) / float(reported))
        statistic = link(_v(r.get("statistic")))
        figures.append(
            {
                "measure": _v(r.get("measure_label")),
                "scope": _v(r.get("scope_label")),
                "reported": number(reported),
                "unit": _v(r.get("unit_label")) or "",
                "counted": number(counted) if counted is not None else None,
                "share": share,
                "href": statistic["href"] if statistic else "",
            }
        )
    counts = list(summary.holds.items())
    return {"figures": figures, "counts": counts, "alliances": alliances(g)}


def alliances(g: AllianceGraph) -> list[dict[str, Any]]:
    """One entry per alliance: names, leads, founding date (where a source gives one) and
    the number of members the graph knows."""
    members: dict[str, set[str]] = {}
    for r in g.named("alliance-members"):
        members.setdefault(_s(r["alliance"]), set()).add(_s(r["member"]))
    out: dict[str, dict[str, Any]] = {}
    for r in g.named("alliances"):
        iri = _s(r["alliance"])
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


def kinds(g: AllianceGraph, cache: Cache | None = None) -> dict[str, str]:
    """Every entity -> the zh label of its most specific class (:mod:`~alliancegraph.catalogue`,
    the one rule), or the class's short name where it has no zh label. Asked once per
    server when ``cache`` is given."""

    def make() -> dict[str, str]:
        classes = catalogue.most_specific_types(g)
        labels: dict[str, str] = {}
        for cls in sorted(set(classes.values())):
            found = catalogue.names(g, cls).get(cls)
            labels[cls] = (found.labels.zh if found else "") or shorten(cls)
        return {iri: labels[cls] for iri, cls in classes.items()}

    return cache.get(("kinds", id(g)), make) if cache is not None else make()


def alliance(g: AllianceGraph, iri: str, cache: Cache | None = None) -> dict[str, Any]:
    """One alliance: names, members by role and type, supporting institutions, focus
    industries, what it developed, events and whom it assisted."""
    d = g.describe(f"<{iri}>")
    if "ag:Alliance" not in d.types:
        raise UsageError(f"{d.label} is not an alliance (its types: {', '.join(d.types)})")
    kind_of = kinds(g, cache)
    roles: dict[str, dict[str, list[dict[str, str] | None]]] = {k: {} for k in ROLE_NAMES}
    seen: set[tuple[str, str]] = set()

    def add(role: str, org: str, label: str | None) -> None:
        if (role, org) in seen:
            return
        seen.add((role, org))
        roles[role].setdefault(kind_of.get(org, UNKNOWN_KIND), []).append(link(org, label))

    for r in g.named("alliance-members", alliance=iri):
        add(str(_v(r["role"])), _s(r["member"]), _v(r.get("member_label")))
    for r in g.named("supporting-institutions", alliance=iri):
        add("supporting", _s(r["institution"]), _v(r.get("institution_label")))
    outputs: dict[str, dict[str, Any]] = {}
    for r in g.named("alliance-outputs", developer=iri):
        doc = _s(r["document"])
        o = outputs.setdefault(
            doc,
            {"doc": link(doc, _v(r.get("document_label"))), "kind": _v(r["kind"]), "fields": []},
        )
        field = link(_v(r.get("field")), _v(r.get("field_label")))
        if field and field not in o["fields"]:
            o["fields"].append(field)
    focus = [
        link(_s(r["field"]), _v(r.get("field_label")))
        for r in g.named("focus-industries", alliance=iri)
    ]
    events = [
        link(_s(r["event"]), _v(r.get("event_label"))) for r in g.named("events", organizer=iri)
    ]
    assisted = [
        {
            "who": link(_s(r["helped"]), _v(r.get("helped_label"))),
            "evidence": _v(r.get("evidence")),
        }
        for r in g.named("assistance")
        if _s(r["helper"]) == iri
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
        "entity_href": entity_href(iri),
        "roles": by_role,
        "focus": _unique(focus),
        "outputs": list(outputs.values()),
        "events": _unique(events),
        "assisted": assisted,
    }


# -- the named query library ------------------------------------------------------------------


def examples_for_page(g: AllianceGraph) -> list[dict[str, Any]]:
    """The named queries as the query page lists them: each query's ``to_dict()`` (the same
    fields as ``alliancegraph queries --format json``) and a link that runs it."""
    out = []
    for nq in g.queries():
        entry = nq.to_dict()
        query = {"name": entry["name"]}
        for p in entry["params"]:
            if p["required"] and p["example"]:
                query["p." + p["name"]] = p["example"]
        out.append({**entry, "href": "/query?" + urlencode(query)})
    return out


def example_text(
    g: AllianceGraph, name: str, values: dict[str, str] | None = None, bound: bool = True
) -> str:
    """The query ``name`` as a SPARQL client would send it (``g.query_text``): PREFIX
    lines, the given values bound in a VALUES block; ``bound=False`` to show the text in
    the editor before every required value is given."""
    return g.query_text(name, values, bound=bound)


# -- results ---------------------------------------------------------------------------------


def _ours(row: tuple[Term | None, ...]) -> int:
    """How many of our entities a row holds."""
    return sum(
        1 for t in row if t is not None and term_json(t)["type"] == "uri" and _s(t).startswith(AGR)
    )


def result_table(result: QueryResult, shown: int) -> dict[str, Any]:
    """A result as table rows of :class:`Cell`, at most ``shown`` of them.

    ``pairs`` is true when a row links two of our entities (two IRI columns), so the result
    can be drawn as a graph.
    """
    if result.kind == "ask":
        return {"kind": "ask", "boolean": bool(result.boolean), "total": 1, "pairs": False}
    rows: list[tuple[Term | None, ...]]
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
        "pairs": any(_ours(row) >= 2 for row in rows[:shown]),
    }


# -- network views ----------------------------------------------------------------------------

VIEW_KINDS = ("ego", "alliance", "overlap", "timeline", "composition")
#: Charts an alliance page links to (the alliance's row of the overlap, its timeline, its
#: composition), each a page of its own under /view/KIND?iri=….
CHART_KINDS = ("overlap", "timeline", "composition")


def views_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("alliancegraph.views") is not None


def view_html(g: AllianceGraph, cache: Cache, kind: str, iri: str) -> str:
    """The self-contained HTML of a view of one entity: ego or alliance network, or an
    alliance's overlap, timeline or composition chart."""
    if kind not in VIEW_KINDS:
        raise UsageError(f"unknown view {kind!r}; expected one of {', '.join(VIEW_KINDS)}")
    options = {"explorer": "/"} if kind == "overlap" else {}  # shared members link back here
    return cache.get((id(g), kind, iri), lambda: g.view(kind, f"<{iri}>", **options).html)


def results_view(
    g: AllianceGraph, cache: Cache, run: Callable[[str], QueryResult], sparql: str
) -> str:
    """A query result drawn as a network (``g.result_view``): in each row, the first two
    of our entities are joined by an edge. ``run`` answers the user's query (checked, under
    the server's limits) when the view is not cached yet."""
    return cache.get((id(g), "results", sparql), lambda: g.result_view(run(sparql)).html)
