"""What the graph already knows, for resolving the names of a member list: an :class:`Index`
of the organisations, places, fields, segments and alliances, their names, credit codes
and IRIs, read from a built Oxigraph store with the ``imports-index-*`` internal queries.

:func:`select` / :func:`ask` run an internal query (``queries/internal/<name>.rq``) on a
raw Oxigraph store, with the union of its graphs as the default graph and the predeclared
prefixes, binding variables by substitution (the same terms ``bindings=`` would give).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from .. import internal
from ..namespaces import PREFIXES, shorten
from .normalise import name_key

__all__ = ["Index", "ask", "select"]

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


def _text(term: Term | None) -> str:
    """The value of a term a query always binds."""
    if term is None:
        raise ValueError("an internal query left a variable unbound that it always binds")
    return term.value


@dataclass
class Index:
    """Names, codes and IRIs the graph already holds, for one side: curated and imported
    (``synthetic=False``) or synthetic (``True``); the two never resolve to each other."""

    synthetic: bool = False
    #: kind ("org", "place", "field", "segment") -> name key -> IRIs
    keys: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    #: IRI -> every label and alias, as written
    names: dict[str, set[str]] = field(default_factory=dict)
    #: IRI -> its Chinese label (for messages)
    label: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    code_of: dict[str, str] = field(default_factory=dict)
    iris: set[str] = field(default_factory=set)
    alliances: set[str] = field(default_factory=set)
    synthetic_iris: set[str] = field(default_factory=set)
    #: name key -> the candidates of a name the graph marks ambiguous (an
    #: ``ag:UnresolvedName``: 南航 may be 南京航空航天大学 or China Southern Airlines)
    ambiguous: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def from_store(cls, store: ox.Store, synthetic: bool = False) -> Index:
        """Read the index from a built Oxigraph store (every graph of it)."""
        index = cls(synthetic=synthetic)
        rows = [
            (_text(s), _text(kind), name, flag is not None and flag.value in ("true", "1"), main)
            for s, kind, name, flag, main in select(store, "imports-index-names")
        ]
        syn = {iri for iri, _, _, flagged, _ in rows if flagged}
        index.synthetic_iris = syn
        for iri, kind, name, _, main in rows:
            if (iri in syn) != synthetic:
                continue
            if kind == "alliance":
                index.alliances.add(iri)
                continue
            index.add(kind, iri, _text(name))
            if main is not None and isinstance(name, ox.Literal) and name.language == "zh":
                index.label.setdefault(iri, name.value)
        for k in ("org", "place", "field", "segment"):
            for _key, iris in index.keys.get(k, {}).items():
                iris.difference_update(index.alliances)
        for s, code in select(store, "imports-index-codes"):
            if (_text(s) in syn) == synthetic:
                index.codes[_text(code)] = _text(s)
                index.code_of[_text(s)] = _text(code)
        index.iris = {_text(r[0]) for r in select(store, "imports-index-iris")}
        for name, cand, cand_label, flag in select(store, "imports-index-ambiguous"):
            if (flag is not None and flag.value in ("true", "1")) != synthetic:
                continue
            found = index.ambiguous.setdefault(name_key(_text(name)), set())
            if cand is not None:
                found.add(_text(cand))
                if cand_label is not None:
                    index.label.setdefault(_text(cand), _text(cand_label))
        return index

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
