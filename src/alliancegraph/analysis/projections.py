"""Projections: the knowledge graph turned into the networks analysts measure.

Every projection is fetched with SPARQL through ``g.query`` (so it runs unchanged on a
remote engine) and built as a networkx graph that follows the attribute contract in
:mod:`alliancegraph.analysis`. Literals (labels, dates, quotes) become attributes, never
nodes; provenance records, reported statistics and membership records stay out of the
network and only lend their evidence quote and source to the edges they support.

This module never writes to the store and never hard-codes an entity: what it knows
about the data (labels, types, classes, property labels) it reads from the graph.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from .. import internal
from ..catalogue import Source, classes, most_specific, names, superclasses
from ..errors import UsageError
from ..fileio import kept
from ..namespaces import AG, ORG, RDF, shorten
from ..search import class_iri
from .arrays import ArrayGraph

__all__ = [
    "PROJECTIONS",
    "Catalogue",
    "Filters",
    "alliance_overlap",
    "catalogue",
    "comembership",
    "entity_graph",
    "industry_chain",
    "projection",
    "refresh",
    "two_mode",
]

#: Roles on the two-mode graph, strongest first, and the predicate each comes from.
ROLES: dict[str, str] = {
    "lead": AG + "leadInstitution",
    "supporting": AG + "supportingInstitution",
    "member": ORG + "hasMember",
}

#: Classes whose instances are records or vocabulary, not actors in a network.
NOT_NODES = frozenset(
    {
        RDF + "Statement",
        AG + "ReportedStatistic",
        AG + "Measure",
        AG + "Unit",
        AG + "SourceDocument",
        ORG + "Membership",
        ORG + "Role",
    }
)

# The parts of an org:Membership record (the targets of agsh:MembershipPartsShape, which
# puts them on memberships alone) are never edges between two nodes: analysis-entity-edges
# and analysis-evidence leave them out in the engine (170k rows at 10x were 82k).

# -- the catalogue: labels, types and evidence, read once per graph ------------------------
# Every question is an internal query file (queries/internal/analysis-*.rq); names and the
# most specific class come from alliancegraph.catalogue, shared with search and the web.


def _rows(g: Source, name: str) -> list[tuple[Any, ...]]:
    return g.query(internal.text(name)).rows


@dataclass
class Catalogue:
    """What the projections need to know about every node and edge, read once per graph.

    ``labels`` maps an IRI to its (zh, en, other) labels; ``types`` to its asserted and
    inferred classes; ``evidence`` maps (s, p, o) to the (quote, source IRI) of its
    provenance record.
    """

    labels: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    classes: dict[str, set[str]] = field(default_factory=dict)
    supers: dict[str, set[str]] = field(default_factory=dict)
    subproperties: dict[str, set[str]] = field(default_factory=dict)
    inverses: dict[str, set[str]] = field(default_factory=dict)
    symmetric: set[str] = field(default_factory=set)
    synthetic: set[str] = field(default_factory=set)
    dates: dict[str, str] = field(default_factory=dict)
    evidence: dict[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)
    positions: dict[tuple[str, str], str] = field(default_factory=dict)
    starts: dict[tuple[str, str], str] = field(default_factory=dict)
    _specific: dict[str, str] = field(default_factory=dict)
    _has_evidence: bool = False
    #: Results worth keeping while the graph is open (memberships per filter, networks
    #: the questions measure); cleared with the catalogue by :func:`refresh`.
    memo: dict = field(default_factory=dict)

    @classmethod
    def read(cls, g: Source) -> Catalogue:
        c = cls()
        for iri, found in names(g).items():
            if found.all_labels:
                c.labels[iri] = (found.labels.zh, found.labels.en, found.labels.other)
            if found.aliases:
                c.aliases[iri] = found.aliases
        c.classes, c.supers = classes(g), superclasses(g)
        c._specific = most_specific(c.classes, c.supers)
        for p, q in _rows(g, "analysis-subproperties"):
            c.subproperties.setdefault(q.value, set()).add(p.value)
        for p, q in _rows(g, "analysis-inverses"):
            c.inverses.setdefault(p.value, set()).add(q.value)
        c.symmetric = {row[0].value for row in _rows(g, "analysis-symmetric")}
        c.synthetic = {row[0].value for row in _rows(g, "analysis-synthetic")}
        for s, d in _rows(g, "analysis-dates"):
            if s.value not in c.dates or d.value < c.dates[s.value]:
                c.dates[s.value] = d.value
        for a, o, role, start in _rows(g, "analysis-memberships"):
            if role is not None:
                c.positions[(a.value, o.value)] = role.value
            if start is not None:
                c.starts[(a.value, o.value)] = start.value
        return c

    def to_json(self, made_by: str) -> bytes:
        """What :meth:`read` found (evidence and memos left out: read when asked), as a
        line naming the code that made it and the SHA-256 of the JSON that follows."""
        doc = {
            "labels": self.labels,
            "aliases": self.aliases,
            "classes": {k: sorted(v) for k, v in self.classes.items()},
            "supers": {k: sorted(v) for k, v in self.supers.items()},
            "subproperties": {k: sorted(v) for k, v in self.subproperties.items()},
            "inverses": {k: sorted(v) for k, v in self.inverses.items()},
            "symmetric": sorted(self.symmetric),
            "synthetic": sorted(self.synthetic),
            "dates": self.dates,
            "positions": [[a, o, v] for (a, o), v in self.positions.items()],
            "starts": [[a, o, v] for (a, o), v in self.starts.items()],
            "specific": self._specific,
        }
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return f"{made_by} {hashlib.sha256(body).hexdigest()}\n".encode("ascii") + body

    @classmethod
    def from_json(cls, data: bytes, made_by: str) -> Catalogue | None:
        """The catalogue :meth:`to_json` wrote, if ``made_by`` the same code and whole;
        else None (another layout, a damaged or edited file: read anew)."""
        head, _, body = data.partition(b"\n")
        if head.decode("ascii", "replace") != f"{made_by} {hashlib.sha256(body).hexdigest()}":
            return None
        doc = json.loads(body)

        def sets(key: str) -> dict[str, set[str]]:
            return {k: set(v) for k, v in doc[key].items()}

        return cls(
            labels={k: (v[0], v[1], v[2]) for k, v in doc["labels"].items()},
            aliases=doc["aliases"],
            classes=sets("classes"),
            supers=sets("supers"),
            subproperties=sets("subproperties"),
            inverses=sets("inverses"),
            symmetric=set(doc["symmetric"]),
            synthetic=set(doc["synthetic"]),
            dates=doc["dates"],
            positions={(a, o): v for a, o, v in doc["positions"]},
            starts={(a, o): v for a, o, v in doc["starts"]},
            _specific=doc["specific"],
        )

    def load_evidence(self, g: Source) -> None:
        """Read every provenance record (deferred: projections without evidence skip it)."""
        if self._has_evidence:
            return
        found: dict[tuple[str, str, str], tuple[str, str]] = {}
        for s, p, o, ev, src in _rows(g, "analysis-evidence"):
            key = (s.value, p.value, o.value)
            cand = (ev.value if ev is not None else "", src.value if src is not None else "")
            if key not in found or cand < found[key]:  # deterministic choice of one quote
                found[key] = cand
        self.evidence, self._has_evidence = found, True

    # -- nodes ------------------------------------------------------------------------

    def label(self, iri: str) -> str:
        zh, en, other = self.labels.get(iri, ("", "", ""))
        return zh or en or other or shorten(iri).split(":", 1)[-1].rsplit("/", 1)[-1]

    def type_of(self, iri: str) -> str:
        """The most specific class of ``iri`` (:func:`alliancegraph.catalogue.prefer_class`
        picks between equally specific ones); "" if it has none."""
        return self._specific.get(iri, "")

    def is_a(self, iri: str, wanted: set[str]) -> bool:
        """True if ``iri`` is an instance of one of the ``wanted`` classes (with subclasses)."""
        for c in self.classes.get(iri, ()):
            if c in wanted or wanted & self.supers.get(c, set()):
                return True
        return False

    def is_node(self, iri: str) -> bool:
        """An actor or thing of the domain: typed with one of our (or W3C ORG's) classes,
        and not a record or vocabulary term."""
        classes = self.classes.get(iri)
        if not classes or classes & NOT_NODES:
            return False
        return self.type_of(iri).startswith((AG, ORG))

    def node_attrs(self, iri: str) -> dict[str, Any]:
        zh, en, _ = self.labels.get(iri, ("", "", ""))
        cls = self.type_of(iri)
        return {
            "label": self.label(iri),
            "label_zh": zh,
            "label_en": en,
            "type": shorten(cls) if cls else "",
            "type_label": self.labels.get(cls, ("", "", ""))[0] if cls else "",
            "aliases": "|".join(sorted(set(self.aliases.get(iri, [])))),
            "synthetic": iri in self.synthetic,
        }

    # -- edges ------------------------------------------------------------------------

    def find_evidence(self, s: str, p: str, o: str) -> tuple[str, str]:
        """The record supporting (s, p, o), or the stated fact it was inferred from."""
        ev = self.evidence
        hit = ev.get((s, p, o))
        if hit is None and p in self.symmetric:
            hit = ev.get((o, p, s))
        if hit is None:
            for q in sorted(self.subproperties.get(p, ())):
                hit = ev.get((s, q, o))
                if hit:
                    break
        if hit is None:
            for q in sorted(self.inverses.get(p, ())):
                hit = ev.get((o, q, s))
                if hit:
                    break
        return hit or ("", "")

    def edge_attrs(self, s: str, p: str, o: str) -> dict[str, Any]:
        zh, en, other = self.labels.get(p, ("", "", ""))
        quote, src = self.find_evidence(s, p, o)
        return {
            "predicate": shorten(p),
            "label": zh or en or other or shorten(p),
            "label_en": en,
            "evidence": quote,
            "source": self.label(src) if src else "",
        }


#: Each open graph's catalogue, with the folder of the build it was read from.
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: The catalogue's file in a build's folder (whose dataset never changes).
CATALOGUE_FILE = "catalogue.json"


def _build_folder(g: Source) -> Path | None:
    path = getattr(getattr(g, "build", None), "path", None)
    return Path(path) if path is not None else None


def catalogue(g: Source) -> Catalogue:
    """The catalogue of ``g``, read on first use and kept while ``g`` lives and answers
    from the same build (an import makes a new one: it is read anew). A graph of a build
    keeps it in the build's folder (:data:`CATALOGUE_FILE`, written on first use): the
    next process reads the file instead of every label, class and membership again."""
    folder = _build_folder(g)
    try:
        cached = _CACHE.get(g)
    except TypeError:
        return _read(g, folder)
    if cached is None or cached[0] != folder:
        cached = _CACHE[g] = (folder, _read(g, folder))
    return cached[1]


def _fingerprint() -> str:
    """What a kept catalogue was made by: this module, :mod:`alliancegraph.catalogue` and
    the internal queries; a file made by other code is read anew, never trusted."""
    from .. import catalogue as names_and_types

    digest = hashlib.sha256()
    for module in (__file__, names_and_types.__file__):
        digest.update(Path(module).read_bytes())
    for name in internal.names():
        digest.update(internal.text(name).encode("utf-8"))
    return digest.hexdigest()[:16]


def _read(g: Source, folder: Path | None) -> Catalogue:
    if folder is None:
        return Catalogue.read(g)
    made_by = _fingerprint()
    return kept(
        folder / CATALOGUE_FILE,
        lambda data: Catalogue.from_json(data, made_by),
        lambda: Catalogue.read(g),
        lambda found: found.to_json(made_by),
    )


def refresh(g: Source) -> None:
    """Forget what was read from ``g`` (after the data behind a remote endpoint changed;
    a graph of a build reads its build's anew on its own)."""
    _CACHE.pop(g, None)


# -- filters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Which part of the graph to project.

    ``alliances``: IRIs of alliances to keep (empty: all); ``types``: class IRIs or
    prefixed names, an entity is kept when it is an instance of one (alliances, fields
    and segments are always kept in the projections built around them); ``since`` and
    ``until``: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, applied to founding and issue
    dates and membership start dates where the graph has them (undated entities stay);
    ``synthetic``: keep generated (``ag:synthetic true``) entities.
    """

    alliances: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    since: str | None = None
    until: str | None = None
    synthetic: bool = True

    @classmethod
    def make(
        cls,
        alliances: Iterable[str] = (),
        types: Iterable[str] = (),
        since: str | None = None,
        until: str | None = None,
        synthetic: bool = True,
        source: Source | None = None,
    ) -> Filters:
        """``types`` name classes as :func:`alliancegraph.search.class_iri` reads them
        (``University``, ``ag:University``, ``高等院校``); with ``source`` they are checked
        against its ontology, so a misspelt class is an error naming the nearest one."""
        if isinstance(types, str):
            types = [types]
        wanted = {class_iri(t, source) for t in types}
        for d in (since, until):
            if d is not None and not _valid_date(d):
                raise UsageError(f"bad date {d!r}; expected YYYY, YYYY-MM or YYYY-MM-DD")
        return cls(frozenset(alliances), frozenset(wanted), since, until, synthetic)

    def dated_ok(self, date: str | None) -> bool:
        """Is an entity (or membership) dated ``date`` inside [since, until]?"""
        if date is None:
            return True
        lo, hi = _bounds(date)
        if self.since is not None and hi < _bounds(self.since)[0]:
            return False
        return not (self.until is not None and lo > _bounds(self.until)[1])

    def keep(self, cat: Catalogue, iri: str, typed: bool = True) -> bool:
        if not self.synthetic and iri in cat.synthetic:
            return False
        if typed and self.types and not cat.is_a(iri, set(self.types)):
            return False
        return self.dated_ok(cat.dates.get(iri))


def _valid_date(text: str) -> bool:
    parts = text.split("-")
    return (
        1 <= len(parts) <= 3
        and all(p.isdigit() for p in parts)
        and len(parts[0]) == 4
        and all(len(p) == 2 for p in parts[1:])
    )


def _bounds(text: str) -> tuple[str, str]:
    """The first and last day a (possibly partial) ISO date can mean, as comparable strings."""
    text = text.strip()[:10]
    parts = text.split("-")
    lo = parts + ["01"] * (3 - len(parts))
    hi = parts + ["12", "31"][len(parts) - 1 :] if len(parts) < 3 else parts
    return "-".join(lo), "-".join(hi)


# -- projections -------------------------------------------------------------------------


def _filters(filters: Filters | None, **kw: Any) -> Filters:
    if filters is not None and kw:
        raise TypeError("give either filters= or keyword filters, not both")
    return filters if filters is not None else Filters.make(**kw)


def _add_node(G: nx.Graph, cat: Catalogue, iri: str, **extra: Any) -> None:
    if iri not in G:
        G.add_node(iri, **cat.node_attrs(iri), **extra)


def entity_graph(g: Source, filters: Filters | None = None, **kw: Any) -> nx.MultiDiGraph:
    """The typed entity graph: entities as nodes, stated object-property facts as edges.

    Entailed duplicates (``org:memberOf`` beside ``org:hasMember``, the mirror of a
    symmetric fact) are left out; every edge carries its own evidence. With an alliance
    filter, the graph keeps those alliances and their direct neighbours.

    Examples
    --------
    >>> G = entity_graph(g)  # doctest: +SKIP
    >>> aimeike = "https://w3id.org/alliancegraph/resource/aimeike"
    >>> cmri = "https://w3id.org/alliancegraph/resource/chongqing-materials-research-institute"
    >>> G.edges[aimeike, cmri, "ag:collaboratesWith"]["label"]  # doctest: +SKIP
    '合作'
    """
    f = _filters(filters, **kw)
    cat = catalogue(g)
    cat.load_evidence(g)
    G = nx.MultiDiGraph(projection="entity")
    for iri in sorted(cat.classes):
        if cat.is_node(iri) and f.keep(cat, iri):
            _add_node(G, cat, iri)
    for s, p, o in sorted(tuple(t.value for t in row) for row in _rows(g, "analysis-entity-edges")):
        if s in G and o in G:
            G.add_edge(s, o, key=shorten(p), **cat.edge_attrs(s, p, o))
    if f.alliances:
        keep = set(f.alliances) & set(G)
        for a in list(keep):
            keep.update(G.successors(a))
            keep.update(G.predecessors(a))
        G = G.subgraph(sorted(keep)).copy()
    return G


def _memberships(g: Source, cat: Catalogue, f: Filters) -> dict[tuple[str, str], dict[str, str]]:
    """(alliance, organisation) -> {role: predicate}, after the filters (memoised)."""
    key = ("memberships", f)
    if key not in cat.memo:
        cat.memo[key] = _read_memberships(g, cat, f)
    return cat.memo[key]


def _read_memberships(g: Source, cat: Catalogue, f: Filters) -> dict:
    pairs: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    role_of = {p: r for r, p in ROLES.items()}
    for a, p, o in _rows(g, "analysis-two-mode"):
        a, p, o = a.value, p.value, o.value
        if f.alliances and a not in f.alliances:
            continue
        pairs[(a, o)][role_of[p]] = p
    kept = {}
    for (a, o), roles in pairs.items():
        if not (f.keep(cat, a, typed=False) and f.keep(cat, o)):
            continue
        if not f.dated_ok(cat.starts.get((a, o))):
            continue
        kept[(a, o)] = roles
    return kept


def two_mode(
    g: Source, filters: Filters | None = None, roles: Iterable[str] = tuple(ROLES), **kw: Any
) -> nx.Graph:
    """The two-mode alliance-organisation graph, one edge per (alliance, organisation).

    ``role`` is the strongest of lead > supporting > member; ``roles`` lists all of them
    ("lead|member" for a lead institution, which is a member too). Nodes carry
    ``bipartite`` (0 alliance, 1 organisation); ``position`` holds a membership role such
    as 理事长单位 where an import recorded one.
    """
    return _two_mode(g, _filters(filters, **kw), roles, evidence=True)


def _two_mode(g: Source, f: Filters, roles: Iterable[str], evidence: bool) -> nx.Graph:
    """:func:`two_mode`; without ``evidence`` the edges' quotes are left "" (the derived
    projections drop them, and reading every provenance record took 6 to 12 s at 10x)."""
    wanted = [r for r in ROLES if r in set(roles)]
    if not wanted:
        raise UsageError(f"no known role in {list(roles)}; expected lead, supporting, member")
    cat = catalogue(g)
    if evidence:
        cat.load_evidence(g)
    G = nx.Graph(projection="two-mode")
    for (a, o), found in sorted(_memberships(g, cat, f).items()):
        mine = [r for r in wanted if r in found]
        if not mine:
            continue
        _add_node(G, cat, a, bipartite=0)
        _add_node(G, cat, o, bipartite=1)
        role = mine[0]
        attrs = cat.edge_attrs(a, ROLES[role], o) if evidence else {}
        G.add_edge(
            a,
            o,
            **attrs,
            role=role,
            roles="|".join(mine),
            position=cat.positions.get((a, o), ""),
            weight=1,
        )
    for a in sorted(f.alliances):  # a selected alliance with no members still shows
        if a in cat.classes:
            _add_node(G, cat, a, bipartite=0)
    return G


def _sides(B: nx.Graph) -> tuple[list[str], dict[str, list[str]]]:
    alliances = sorted(n for n, d in B.nodes(data="bipartite") if d == 0)
    members = {a: sorted(B[a]) for a in alliances}
    return alliances, members


def comembership(
    g: Source,
    filters: Filters | None = None,
    roles: Iterable[str] = tuple(ROLES),
    min_shared: int = 1,
    **kw: Any,
) -> nx.Graph:
    """Organisations linked when they share alliances; ``weight`` counts the shared ones.

    Nodes carry ``alliances`` (how many alliances each organisation is in). Edges are
    derived, not stated: ``predicate`` is "" and ``label`` says 共同成员. The graph is an
    :class:`~.arrays.ArrayGraph` (7.4 M edges at 10x scale stay arrays until walked).
    """
    B = _two_mode(g, _filters(filters, **kw), roles, evidence=False)
    return comembership_from(B, min_shared)


#: The attributes every co-membership edge carries besides its weight.
COMEMBER_EDGE = {"predicate": "", "label": "共同成员", "label_en": "co-members", "evidence": "",
                 "source": ""}  # fmt: skip


def comembership_from(B: nx.Graph, min_shared: int = 1) -> ArrayGraph:
    """The co-membership projection of a two-mode graph (see :func:`comembership`): the
    member pairs of each alliance counted as arrays (B·Bᵀ without the diagonal), 1 s for
    the 7.4 M pairs at 10x where a Counter of tuples took 28 s with the graph."""
    alliances, members = _sides(B)
    nodes = [
        (n, {**{k: v for k, v in d.items() if k != "bipartite"}, "alliances": B.degree(n)})
        for n, d in sorted(B.nodes(data=True))
        if d.get("bipartite") == 1
    ]
    index = {n: i for i, (n, _) in enumerate(nodes)}
    for a in alliances:  # a member that is itself an alliance joins without attributes
        for m in members[a]:
            if m not in index:
                index[m] = len(nodes)
                nodes.append((m, {}))
    n = len(nodes)
    codes = [np.zeros(0, np.int64)]
    for a in alliances:
        ids = np.unique(np.fromiter((index[m] for m in members[a]), np.int64))
        i, j = np.triu_indices(len(ids), 1)
        codes.append(ids[i] * n + ids[j])
    pairs, counts = np.unique(np.concatenate(codes), return_counts=True)
    keep = counts >= min_shared
    pairs, counts = pairs[keep], counts[keep]
    return ArrayGraph.from_arrays(nodes, pairs // n, pairs % n, counts, COMEMBER_EDGE,
                                  projection="comembership")  # fmt: skip


def alliance_overlap(
    g: Source, filters: Filters | None = None, roles: Iterable[str] = tuple(ROLES), **kw: Any
) -> nx.Graph:
    """Alliances linked by shared members: ``weight`` = shared count, ``jaccard`` = share
    of the union. Nodes carry ``members`` (how many organisations each alliance has)."""
    B = _two_mode(g, _filters(filters, **kw), roles, evidence=False)
    return alliance_overlap_from(B)


def alliance_overlap_from(B: nx.Graph) -> nx.Graph:
    """The alliance overlap projection of a two-mode graph (see :func:`alliance_overlap`)."""
    alliances, members = _sides(B)
    G = nx.Graph(projection="overlap")
    for a in alliances:
        attrs = {k: v for k, v in B.nodes[a].items() if k != "bipartite"}
        G.add_node(a, **attrs, members=len(members[a]))
    sets = {a: set(members[a]) for a in alliances}
    for a, b in combinations(alliances, 2):
        shared = len(sets[a] & sets[b])
        if shared:
            G.add_edge(
                a,
                b,
                predicate="",
                label="共享成员",
                label_en="shared members",
                evidence="",
                source="",
                weight=shared,
                jaccard=shared / len(sets[a] | sets[b]),
            )
    return G


def industry_chain(g: Source, filters: Filters | None = None, **kw: Any) -> nx.DiGraph:
    """Fields, chain segments and who operates in them.

    Edges: ``skos:broader`` (field -> broader field), ``ag:hasSegment`` (field ->
    segment), ``ag:feedsInto`` (upstream -> downstream), ``ag:operatesIn`` (organisation
    or platform -> segment or field). Segments carry ``chain_order`` (0 = most upstream),
    from the feeds-into order. The type filter applies to the organisations.
    """
    f = _filters(filters, **kw)
    cat = catalogue(g)
    cat.load_evidence(g)
    concepts = {AG + "IndustryField", AG + "ChainSegment"}
    G = nx.DiGraph(projection="chain")
    for iri in sorted(cat.classes):
        if cat.is_a(iri, concepts) and f.keep(cat, iri, typed=False):
            _add_node(G, cat, iri)
    for s, p, o in sorted(tuple(t.value for t in row) for row in _rows(g, "analysis-chain")):
        for n in (s, o):
            if n not in G and cat.is_node(n) and f.keep(cat, n):
                _add_node(G, cat, n)
        if s in G and o in G:
            G.add_edge(s, o, **cat.edge_attrs(s, p, o))
    feeds = nx.DiGraph((u, v) for u, v, p in G.edges(data="predicate") if p == "ag:feedsInto")
    for n in G:
        if G.nodes[n]["type"] == "ag:ChainSegment":
            G.nodes[n]["chain_order"] = 0
    if nx.is_directed_acyclic_graph(feeds):
        for layer, nodes in enumerate(nx.topological_generations(feeds)):
            for n in nodes:
                G.nodes[n]["chain_order"] = layer
    return G


#: The projections by name, as the CLI's ``--projection`` spells them.
PROJECTIONS = {
    "entity": entity_graph,
    "two-mode": two_mode,
    "comembership": comembership,
    "overlap": alliance_overlap,
    "chain": industry_chain,
}


def projection(g: Source, name: str, filters: Filters | None = None, **kw: Any) -> nx.Graph:
    """One projection by name: entity, two-mode, comembership, overlap or chain."""
    if name not in PROJECTIONS:
        raise UsageError(f"unknown projection {name!r}; expected {', '.join(PROJECTIONS)}")
    return PROJECTIONS[name](g, filters, **kw)
