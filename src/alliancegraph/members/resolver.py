"""What the graph already knows, for resolving the names of a member list: an :class:`Index`
of the organisations, places, fields, segments and alliances, their names and credit codes,
read from a built Oxigraph store with the ``imports-index-*`` internal queries.

The queries' rows (:class:`IndexRows`) are a function of the build, so they are kept in the
build's folder (:func:`rows_of`): at 100x reading them took 106 s of the 116 s a 100-row list
took to import. An import that appends a small layer carries them to the build it makes
(:func:`carry_rows`: the rows of the layer's subjects asked again), so the next import into
that graph finds them too. Whether an IRI is taken is a look-up in the store
(:meth:`Index.taken`), not a set of every IRI of the graph (2.7 million at 100x).

:func:`select` / :func:`ask` run an internal query (``queries/internal/<name>.rq``) on a
raw Oxigraph store, with the union of its graphs as the default graph and the predeclared
prefixes, binding variables by substitution (the same terms ``bindings=`` would give).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .. import internal
from ..fileio import atomic_write, file_digest, kept
from ..namespaces import PREFIXES, RDF, shorten
from .normalise import name_key

if TYPE_CHECKING:
    from ..build import Build

__all__ = ["Index", "IndexRows", "ask", "carry_rows", "rows_of", "select"]
Term = ox.NamedNode | ox.BlankNode | ox.Literal


def _query(
    store: ox.Store, name: str, bindings: Mapping[str, Term] | None
) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    return store.query(
        internal.text(name),
        prefixes=PREFIXES,
        use_default_graph_as_union=True,
        substitutions={ox.Variable(k): v for k, v in (bindings or {}).items()} or None,
    )


def select(
    store: ox.Store, name: str, bindings: Mapping[str, Term] | None = None
) -> list[tuple[Term | None, ...]]:
    """The rows of the internal SELECT query ``name`` on ``store``."""
    result = _query(store, name, bindings)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"internal query {name!r} is not a SELECT query")
    return [tuple(solution) for solution in result]


def ask(store: ox.Store, name: str, bindings: Mapping[str, Term] | None = None) -> bool:
    """The answer of the internal ASK query ``name`` on ``store``."""
    result = _query(store, name, bindings)
    if not isinstance(result, ox.QueryBoolean):
        raise TypeError(f"internal query {name!r} is not an ASK query")
    return bool(result)


_TYPE = ox.NamedNode(RDF + "type")


def _text(term: Term | None) -> str:
    """The value of a term a query always binds."""
    if term is None:
        raise ValueError("an internal query left a variable unbound that it always binds")
    return term.value


def _flag(term: Term | None) -> bool:
    """Whether an ``ag:synthetic`` value says true."""
    return term is not None and term.value in ("true", "1")


#: (subject, kind, name, the name's language ("" untagged, None not a literal),
#: flagged synthetic, the main label)
NameRow = tuple[str, str, str, str | None, bool, bool]
#: (name, candidate, candidate's Chinese label, flagged synthetic)
AmbiguousRow = tuple[str, str | None, str | None, bool]

#: the queries an index is read with
_QUERIES = ("imports-index-names", "imports-index-codes", "imports-index-ambiguous")
#: the file in a build's folder holding its rows
_CACHE = "import-index.json"
#: the most subjects of a layer whose rows :func:`carry_rows` asks again (0.4 ms each at
#: 10x); a larger layer leaves the next import to read the rows whole
CARRY_SUBJECTS = 5_000


def _name_rows(rows: Iterable[tuple[Term | None, ...]]) -> set[NameRow]:
    return {
        (_text(s), _text(kind), _text(name),
         name.language or "" if isinstance(name, ox.Literal) else None,
         _flag(flag), main is not None)
        for s, kind, name, flag, main in rows
    }  # fmt: skip


def _code_rows(rows: Iterable[tuple[Term | None, ...]]) -> set[tuple[str, str]]:
    return {(_text(s), _text(code)) for s, code in rows}


@dataclass
class IndexRows:
    """The rows of the ``imports-index-*`` queries on one build, as plain values: what an
    :class:`Index` of either side is made from, and what a build keeps of them."""

    names: set[NameRow] = field(default_factory=set)
    codes: set[tuple[str, str]] = field(default_factory=set)
    ambiguous: set[AmbiguousRow] = field(default_factory=set)

    @classmethod
    def query(cls, store: ox.Store) -> IndexRows:
        """The rows, asked of ``store``."""
        return cls(
            _name_rows(select(store, "imports-index-names")),
            _code_rows(select(store, "imports-index-codes")),
            _ambiguous_rows(store),
        )

    def refreshed(self, store: ox.Store, subjects: Iterable[str]) -> IndexRows:
        """These rows with those of ``subjects`` asked again of ``store``: the rows of a
        build that holds these rows' build and new triples about ``subjects`` alone. The
        few ambiguous names are read again whole (a candidate's label is another node's)."""
        subjects = set(subjects)
        names = {r for r in self.names if r[0] not in subjects}
        codes = {r for r in self.codes if r[0] not in subjects}
        for s in subjects:
            node = {"s": ox.NamedNode(s)}
            names |= _name_rows(select(store, "imports-index-names", node))
            codes |= _code_rows(select(store, "imports-index-codes", node))
        return IndexRows(names, codes, _ambiguous_rows(store))

    def to_json(self) -> bytes:
        return json.dumps(
            {"queries": _queries_digest(), "names": sorted(self.names, key=str),
             "codes": sorted(self.codes), "ambiguous": sorted(self.ambiguous, key=str)},
            ensure_ascii=False, separators=(",", ":"),
        ).encode("utf-8")  # fmt: skip

    @classmethod
    def from_json(cls, data: bytes) -> IndexRows | None:
        """The rows :meth:`to_json` wrote, or None if the bytes are not such rows, or were
        asked with other query texts (another version of the package)."""
        try:
            doc = json.loads(data)
            if doc["queries"] != _queries_digest():
                return None
            return cls(
                {(s, k, n, lang, bool(f), bool(m)) for s, k, n, lang, f, m in doc["names"]},
                {(s, c) for s, c in doc["codes"]},
                {(n, c, label, bool(f)) for n, c, label, f in doc["ambiguous"]},
            )
        except (ValueError, TypeError, KeyError):
            return None


def _ambiguous_rows(store: ox.Store) -> set[AmbiguousRow]:
    return {
        (_text(name), cand.value if cand is not None else None,
         label.value if label is not None else None, _flag(flag))
        for name, cand, label, flag in select(store, "imports-index-ambiguous")
    }  # fmt: skip


def _queries_digest() -> str:
    return hashlib.sha256("\0".join(internal.text(q) for q in _QUERIES).encode()).hexdigest()


def _read_rows(build: Build) -> IndexRows | None:
    try:
        data = (build.path / _CACHE).read_bytes()
    except OSError:
        return None
    return IndexRows.from_json(data)


def _keep_rows(build: Build, rows: IndexRows) -> None:
    """Write ``rows`` into ``build``'s folder; a read-only cache keeps nothing."""
    with contextlib.suppress(OSError):
        atomic_write(build.path / _CACHE, rows.to_json())


def rows_of(build: Build, store: ox.Store) -> IndexRows:
    """The index rows of ``build`` (``store``: its store, open): kept in its folder, asked
    of the store and kept there the first time."""
    return kept(
        build.path / _CACHE, IndexRows.from_json, lambda: IndexRows.query(store),
        IndexRows.to_json,
    )  # fmt: skip


#: the subject of an N-Quads line: an IRI, or a blank node
_SUBJECT = re.compile(rb"<([^>]*)>|(_:)")


def carry_rows(base: Build, made: Build) -> bool:
    """Keep in ``made``'s folder the index rows of ``made``, the build ``base`` with an
    import's layer appended (``made.info["layer"]``): ``base``'s kept rows with those of
    the layer's subjects asked again of ``made``'s store. False (nothing kept) if ``base``
    keeps none, ``made`` is not that append or left its store to its first use (a large
    layer), the layer's file no longer has the hash it was built with, or it has a blank
    node as a subject, or more than :data:`CARRY_SUBJECTS` subjects (read no further)."""
    if made.info.get("appended_to") != base.key or made.info.get("store") == "deferred":
        return False
    layer = made.info.get("layer") or {}
    path = Path(layer.get("path", ""))
    if (made.path / _CACHE).exists() or file_digest(path) != layer.get("sha256"):
        return False
    subjects: set[str] = set()
    with open(path, "rb") as f:
        for line in f:
            match = _SUBJECT.match(line)
            if match is None or match.group(2):
                return False
            subjects.add(match.group(1).decode("utf-8"))
            if len(subjects) > CARRY_SUBJECTS:
                return False
    rows = _read_rows(base)
    if rows is None:
        return False
    _keep_rows(made, rows.refreshed(ox.Store.read_only(str(made.store_path)), subjects))
    return True


@dataclass
class Index:
    """Names and codes the graph already holds, for one side: curated and imported
    (``synthetic=False``) or synthetic (``True``); the two never resolve to each other.
    ``store``: the graph's store, where :meth:`taken` looks IRIs up."""

    synthetic: bool = False
    #: kind ("org", "place", "field", "segment") -> name key -> IRIs
    keys: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    #: IRI -> every label and alias, as written
    names: dict[str, set[str]] = field(default_factory=dict)
    #: IRI -> its Chinese label (for messages)
    label: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    code_of: dict[str, str] = field(default_factory=dict)
    #: IRIs minted since the index was read (the store does not hold them)
    iris: set[str] = field(default_factory=set)
    alliances: set[str] = field(default_factory=set)
    synthetic_iris: set[str] = field(default_factory=set)
    #: name key -> the candidates of a name the graph marks ambiguous (an
    #: ``ag:UnresolvedName``: 南航 may be 南京航空航天大学 or China Southern Airlines)
    ambiguous: dict[str, set[str]] = field(default_factory=dict)
    store: ox.Store | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_store(
        cls, store: ox.Store, synthetic: bool = False, build: Build | None = None
    ) -> Index:
        """Read the index from a built Oxigraph store (every graph of it); ``build``: the
        build whose store it is, whose folder keeps the rows (:func:`rows_of`)."""
        rows = rows_of(build, store) if build is not None else IndexRows.query(store)
        return cls.from_rows(rows, store, synthetic)

    @classmethod
    def from_rows(cls, rows: IndexRows, store: ox.Store | None, synthetic: bool = False) -> Index:
        """The index of one side from the rows of the whole graph."""
        index = cls(synthetic=synthetic, store=store)
        syn = {iri for iri, _, _, _, flagged, _ in rows.names if flagged}
        index.synthetic_iris = syn
        for iri, kind, name, lang, _, main in sorted(rows.names, key=str):
            if (iri in syn) != synthetic:
                continue
            if kind == "alliance":
                index.alliances.add(iri)
                continue
            index.add(kind, iri, name)
            if main and lang == "zh":
                index.label.setdefault(iri, name)
        for k in ("org", "place", "field", "segment"):
            for _key, iris in index.keys.get(k, {}).items():
                iris.difference_update(index.alliances)
        for s, code in sorted(rows.codes):
            if (s in syn) == synthetic:
                index.codes[code] = s
                index.code_of[s] = code
        for name, cand, cand_label, flagged in sorted(rows.ambiguous, key=str):
            if flagged != synthetic:
                continue
            found = index.ambiguous.setdefault(name_key(name), set())
            if cand is not None:
                found.add(cand)
                if cand_label is not None:
                    index.label.setdefault(cand, cand_label)
        return index

    def taken(self, iri: str) -> bool:
        """Whether ``iri`` names a typed node of the graph, or one minted since."""
        if iri in self.iris:
            return True
        if self.store is None:
            return False
        node = ox.NamedNode(iri)
        return next(self.store.quads_for_pattern(node, _TYPE, None), None) is not None

    def add(self, kind: str, iri: str, name: str) -> None:
        self.keys.setdefault(kind, {}).setdefault(name_key(name), set()).add(iri)
        self.names.setdefault(iri, set()).add(name)

    def find(self, kind: str, name: str) -> set[str]:
        return set(self.keys.get(kind, {}).get(name_key(name), ()))

    def ambiguity(self, kind: str, name: str) -> set[str] | None:
        """The candidates of ``name`` if it must not be linked by name alone: it matches
        several ``kind`` entities, or the graph marks it ambiguous (with the ones it
        matches); None if it is not ambiguous."""
        found = self.find(kind, name)
        marked = self.ambiguous.get(name_key(name))
        if marked is not None:
            return found | marked
        return found if len(found) > 1 else None

    def show(self, iri: str) -> str:
        return f"{self.label.get(iri, '?')} <{shorten(iri)}>"
