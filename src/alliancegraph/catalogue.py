"""What the graph calls things: names (labels and aliases) and the most specific class.

The one place that answers "what is this entity's label, in which language?" and "what is
it, most specifically?", for search, analysis, the views and the web pages alike. The
questions are internal query files (``queries/internal/catalogue-*.rq``); the rules that
pick one answer where the graph has several live here:

- a label's slot is its language tag: ``zh…`` -> zh, ``en…`` -> en, anything else (or no
  tag) -> other; where an IRI has several labels in one slot, the smallest string wins, so
  the choice never depends on the order an engine returns rows in;
- the most specific class is a class the entity has (asserted or inferred) that is above
  none of its other classes; where two remain (our class and an aligned standard
  one), our ``ag:`` class wins, then the smaller IRI.

Everything here reads through any object with ``.query(sparql, timeout=None,
bindings=None) -> QueryResult`` (a store or an ``AllianceGraph``), never writes, and keeps
no state: callers cache what they read (analysis keeps one catalogue per open graph).

>>> prefer_class(["http://www.w3.org/ns/org#Organization",
...               "https://w3id.org/alliancegraph/ontology#University"])
'https://w3id.org/alliancegraph/ontology#University'
"""

from __future__ import annotations

import contextlib
import unicodedata
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import pyoxigraph as ox

from . import internal
from .namespaces import AG, OWL, RDFS
from .results import QueryResult, Term
from .store import DeadlineStore

__all__ = [
    "Labels",
    "Names",
    "OntologyTerms",
    "Source",
    "aliases",
    "classes",
    "label_of",
    "labels",
    "lang_slot",
    "most_specific",
    "most_specific_type",
    "most_specific_types",
    "names",
    "ontology_terms",
    "prefer_class",
    "superclasses",
]


class Source(Protocol):
    """Anything that answers SPARQL with bound values: a store or an ``AllianceGraph``."""

    def query(
        self,
        sparql: str,
        timeout: float | None = None,
        bindings: dict[str, Term] | None = None,
    ) -> QueryResult: ...


class Labels(NamedTuple):
    """One IRI's label per language slot; "" where it has none."""

    zh: str = ""
    en: str = ""
    other: str = ""

    def best(self, lang: str = "zh") -> str:
        """The label in ``lang`` (zh or en), else the other language, else the untagged one."""
        order = (self.en, self.zh, self.other) if lang == "en" else (self.zh, self.en, self.other)
        return next((x for x in order if x), "")


@dataclass
class Names:
    """Every name of one IRI: the chosen label per slot, all labels and all aliases (sorted,
    without repeats)."""

    labels: Labels = field(default_factory=Labels)
    all_labels: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


def lang_slot(tag: str | None) -> int:
    """The slot a language tag fills: 0 zh, 1 en, 2 other (and untagged)."""
    tag = (tag or "").lower()
    return 0 if tag.startswith("zh") else 1 if tag.startswith("en") else 2


def _text(t: Term) -> str:
    return str(t) if isinstance(t, ox.Triple) else t.value


def _bind(iri: str | None) -> dict[str, Term] | None:
    return None if iri is None else {"s": ox.NamedNode(iri)}


def names(source: Source, iri: str | None = None) -> dict[str, Names]:
    """Labels and aliases of every IRI that has one (or of ``iri`` alone)."""
    slots: dict[str, list[str]] = {}
    all_labels: dict[str, set[str]] = {}
    alias_sets: dict[str, set[str]] = {}
    for s, kind, lit in source.query(internal.text("catalogue-names"), bindings=_bind(iri)).rows:
        if s is None or kind is None or lit is None:
            continue
        key, name = _text(s), _text(lit)
        if _text(kind) == "alias":
            alias_sets.setdefault(key, set()).add(name)
            continue
        all_labels.setdefault(key, set()).add(name)
        slot = slots.setdefault(key, ["", "", ""])
        i = lang_slot(getattr(lit, "language", None))
        if not slot[i] or name < slot[i]:
            slot[i] = name
    out: dict[str, Names] = {}
    for key in sorted(set(all_labels) | set(alias_sets)):
        zh, en, other = slots.get(key, ["", "", ""])
        out[key] = Names(
            Labels(zh, en, other),
            sorted(all_labels.get(key, ())),
            sorted(alias_sets.get(key, ())),
        )
    return out


def labels(source: Source) -> dict[str, Labels]:
    """Every labelled IRI (entities, classes, properties) -> its :class:`Labels`."""
    return {k: n.labels for k, n in names(source).items() if n.all_labels}


def aliases(source: Source) -> dict[str, list[str]]:
    """Every IRI with ``skos:altLabel`` values -> those values, sorted."""
    return {k: n.aliases for k, n in names(source).items() if n.aliases}


def label_of(found: Labels | None, iri: str, lang: str = "zh") -> str:
    """The label to show for ``iri``: :meth:`Labels.best`, else the IRI's last segment."""
    text = found.best(lang) if found is not None else ""
    if text:
        return text
    for sep in ("#", "/"):
        if sep in iri:
            return iri.rsplit(sep, 1)[1] or iri
    return iri


def prefer_class(candidates: Iterable[str]) -> str:
    """One class from equally specific ``candidates``: ours (``ag:``) first, then the
    smallest IRI; "" if there are none."""
    ranked = sorted(set(candidates), key=lambda c: (not c.startswith(AG), c))
    return ranked[0] if ranked else ""


def classes(source: Source, iri: str | None = None) -> dict[str, set[str]]:
    """Every class (asserted or inferred) of each entity of the graph (agr: IRIs, provenance
    records left out), or of ``iri`` alone."""
    out: dict[str, set[str]] = {}
    for s, t in source.query(internal.text("catalogue-classes"), bindings=_bind(iri)).rows:
        if s is not None and t is not None:
            out.setdefault(_text(s), set()).add(_text(t))
    return out


def superclasses(source: Source) -> dict[str, set[str]]:
    """Each class that has one -> every class above it (``rdfs:subClassOf+``)."""
    out: dict[str, set[str]] = {}
    for c, d in source.query(internal.text("catalogue-superclasses")).rows:
        if c is not None and d is not None:
            out.setdefault(_text(c), set()).add(_text(d))
    return out


def most_specific(classes: dict[str, set[str]], supers: dict[str, set[str]]) -> dict[str, str]:
    """Each entity of ``classes`` -> its most specific class: one of its classes that is
    above none of its others (``supers``: :func:`superclasses`), :func:`prefer_class`
    choosing between those left. Worked out here rather than by the engine: a ``NOT
    EXISTS`` per class took Oxigraph 0.7 s at 10× for what entities of the same classes
    share (a few dozen sets of classes among 88,000 entities)."""
    chosen: dict[frozenset[str], str] = {}
    out: dict[str, str] = {}
    for s, found in sorted(classes.items()):
        key = frozenset(found)
        if key not in chosen:
            above = {d for c in key for d in supers.get(c, ()) if d != c}
            chosen[key] = prefer_class(key - above)
        if chosen[key]:
            out[s] = chosen[key]
    return out


def most_specific_types(source: Source) -> dict[str, str]:
    """Every entity of the graph (agr: IRIs, provenance records left out) -> the full IRI of
    its most specific class."""
    return most_specific(classes(source), superclasses(source))


def most_specific_type(source: Source, iri: str) -> str | None:
    """The most specific class of one entity, or None if it has no class."""
    return most_specific(classes(source, iri), superclasses(source)).get(iri)


# -- the ontology's own terms ------------------------------------------------------------------


@dataclass
class OntologyTerms:
    """The ``ag:`` terms the ontology defines: ``kinds`` (IRI -> its OWL/RDFS kinds),
    ``labels`` (IRI -> its :class:`Labels`) and ``names`` (every label and alias, folded,
    -> the IRIs that carry it). Empty when the graph holds no ontology graph."""

    kinds: dict[str, set[str]] = field(default_factory=dict)
    labels: dict[str, Labels] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=dict)

    @property
    def classes(self) -> list[str]:
        """The IRIs of the ontology's classes, sorted."""
        wanted = {OWL + "Class", RDFS + "Class"}
        return sorted(iri for iri, kinds in self.kinds.items() if kinds & wanted)

    def shown(self) -> dict[str, str]:
        """Every term -> the label to show beside it (zh first), "" where it has none."""
        return {iri: self.labels.get(iri, Labels()).best("zh") for iri in self.kinds}

    def named(self, text: str) -> set[str]:
        """The terms with ``text`` as a label or alias (case and width folded)."""
        return set(self.names.get(fold(text), ()))


def fold(text: str) -> str:
    """A name as names are compared: NFKC, case-folded, trimmed."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


_TERMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cache_key(source: Source) -> object:
    """The store behind deadline wrappers: one graph, one entry, whatever deadline."""
    while isinstance(source, DeadlineStore):
        source = source.store
    return source


def ontology_terms(source: Source) -> OntologyTerms:
    """The terms the ontology of ``source`` defines (read from its ontology graph once per
    graph and kept while the graph lives)."""
    key = _cache_key(source)
    try:
        cached = _TERMS.get(key)
    except TypeError:  # not weakly referable: read every time
        cached = None
    if cached is not None:
        return cached
    terms = OntologyTerms()
    slots: dict[str, list[str]] = {}
    for term, kind, label, alias in source.query(internal.text("catalogue-ontology-terms")).rows:
        if term is None or kind is None:
            continue
        iri = _text(term)
        terms.kinds.setdefault(iri, set()).add(_text(kind))
        for name in (label, alias):
            if name is not None:
                terms.names.setdefault(fold(_text(name)), set()).add(iri)
        if isinstance(label, ox.Literal):
            slot = slots.setdefault(iri, ["", "", ""])
            i = lang_slot(label.language)
            if not slot[i] or label.value < slot[i]:
                slot[i] = label.value
    terms.labels = {iri: Labels(*slot) for iri, slot in slots.items()}
    with contextlib.suppress(TypeError):
        _TERMS[key] = terms
    return terms
