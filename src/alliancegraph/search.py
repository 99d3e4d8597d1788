"""Find entities by name, resolve a name to one entity, and describe everything about it.

Search reads through SPARQL on the store interface (so it runs unchanged on a remote
endpoint): one query fetches the label table (zh and en ``rdfs:label``, ``skos:altLabel``)
of the entities in the ``agr:`` namespace (with the short forms the build generates for
alliances, ``ag:generatedAlias``, which count as aliases), one their most specific types;
ranking happens
here in Python, where pinyin of the Chinese names (via pypinyin, imported only when the
search text is Latin) can be compared too. Ranks: exact label > alias > prefix > substring,
case-insensitive.

This module never guesses: :func:`resolve` returns one IRI or raises, listing candidates
(several equally good) or the nearest names (none: :func:`suggest`).
It never pastes user text into a query: values travel as bound RDF terms.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import difflib
import itertools
import json
import re
import unicodedata
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol

import pyoxigraph as ox

from . import internal
from .catalogue import Labels, OntologyTerms, most_specific_types, ontology_terms
from .errors import AmbiguousEntity, UnknownEntity, UsageError
from .namespaces import AG, AGR, PREFIXES, expand, shorten
from .results import QueryResult, Term, plain
from .sparqlcheck import nearest

__all__ = [
    "Description",
    "Fact",
    "Match",
    "SearchIndex",
    "describe",
    "find",
    "index_of",
    "load_index",
    "resolve",
    "suggest",
]

Kind = Literal["exact", "alias", "prefix", "substring"]
RANK: dict[str, int] = {"exact": 0, "alias": 1, "prefix": 2, "substring": 3}

#: IRIs under agr: that are records or machinery, not entities a user looks for.
_NOT_ENTITIES = ("statement/", "graph-", "query/")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")

@dataclass(frozen=True)
class Match:
    """One entity found by :func:`find`.

    ``label`` is the Chinese label where there is one; ``matched`` is the name (or its
    pinyin) that matched; ``kind`` is exact, alias, prefix or substring.
    """

    iri: str
    label: str
    label_en: str | None
    type: str | None
    matched: str
    kind: Kind

    @property
    def rank(self) -> int:
        return RANK[self.kind]

    def to_dict(self) -> dict[str, str | None]:
        """The match as JSON-ready fields (the CLI's ``--format json`` and the web's)."""
        return {
            "iri": self.iri,
            "label": self.label,
            "label_en": self.label_en,
            "type": self.type,
            "matched": self.matched,
            "kind": self.kind,
        }


@dataclass
class _Name:
    """A label or alias with its folded form and pinyin keys (computed when first asked
    for, or read from the index)."""

    text: str
    folded: str
    full: tuple[str, ...] | None = None
    initials: tuple[str, ...] | None = None

    @classmethod
    def of(cls, text: str) -> _Name:
        return cls(text, _fold(text))

    def keys(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if self.full is None or self.initials is None:
            self.full, self.initials = pinyin_keys(self.text)
        return self.full, self.initials


@dataclass
class _Entity:
    iri: str
    zh: str | None = None
    en: str | None = None
    other: str | None = None
    labels: list[_Name] = field(default_factory=list)
    aliases: list[_Name] = field(default_factory=list)


class _Source(Protocol):
    """What search reads through: anything that answers SPARQL with bound values (a
    store, or an ``AllianceGraph``)."""

    def query(
        self, sparql: str, timeout: float | None = None, bindings: dict | None = None
    ) -> QueryResult: ...


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


@lru_cache(maxsize=65536)
def pinyin_keys(text: str, cap: int = 16) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Full toneless pinyin (no spaces) and initials of ``text``, one entry per reading.

    Heteronyms (重 reads zhong or chong) give several readings, capped at ``cap``.

    >>> pinyin_keys("重材院")[0][:2]
    ('zhongcaiyuan', 'chongcaiyuan')
    """
    if not _CJK.search(text):
        return (), ()
    from pypinyin import Style, pinyin

    syllables = pinyin(text, style=Style.NORMAL, heteronym=True, errors="default")
    choices = [
        [_NOT_ALNUM.sub("", r.casefold()) for r in readings[:3]] or [""] for readings in syllables
    ]
    full: list[str] = []
    initials: list[str] = []
    for combo in itertools.islice(itertools.product(*choices), cap):
        full.append("".join(combo))
        initials.append("".join(c[:1] for c in combo if c))
    return tuple(dict.fromkeys(full)), tuple(dict.fromkeys(initials))


def _label_table(store) -> dict[str, _Entity]:
    entities: dict[str, _Entity] = {}
    for s, p, lit in store.query(internal.text("search-labels")).rows:
        e = entities.setdefault(s.value, _Entity(s.value))
        lang = (getattr(lit, "language", None) or "").lower()
        if p.value == "label":
            e.labels.append(_Name.of(lit.value))
            if lang.startswith("zh") and e.zh is None:
                e.zh = lit.value
            elif lang.startswith("en") and e.en is None:
                e.en = lit.value
            elif e.other is None:
                e.other = lit.value
        else:
            e.aliases.append(_Name.of(lit.value))
    return entities


def _types(store: _Source) -> dict[str, str]:
    """Each entity's most specific class, prefixed (the catalogue's one rule)."""
    return {iri: shorten(cls) for iri, cls in most_specific_types(store).items()}


#: The index's file in a build's folder, and the version of its layout (another version
#: is rebuilt).
INDEX_FILE = "search-index.json"
INDEX_VERSION = 1
_SEP = "\x00"


class SearchIndex:
    """What search reads, gathered once: every entity's labels and aliases with their
    folded forms and pinyin keys, and its most specific class.

    A build's index is written once to its folder (:func:`load_index`) and loaded once
    per process, so a search costs a scan of two joined strings (``str.find``) and the
    grading of the entities found there, never a SPARQL query or pinyin."""

    def __init__(self, entities: list[_Entity], types: dict[str, str]):
        self.entities = entities
        self.types = types
        self._haystacks: dict[str, tuple[str, list[int], list[list[int]]]] = {}

    @classmethod
    def read(cls, source: _Source, pinyin: bool = True) -> SearchIndex:
        """The index of the graph ``source`` answers from (two SPARQL queries); with
        ``pinyin`` every name's keys are computed now rather than when first asked."""
        entities = list(_label_table(source).values())
        if pinyin:
            for e in entities:
                for n in (*e.labels, *e.aliases):
                    n.keys()
        return cls(entities, _types(source))

    def to_json(self) -> bytes:
        def names(ns: list[_Name]) -> list[list]:
            return [[n.text, n.folded, *n.keys()] for n in ns]

        rows = [
            [e.iri, e.zh, e.en, e.other, names(e.labels), names(e.aliases)]
            for e in self.entities
        ]
        doc = {"version": INDEX_VERSION, "entities": rows, "types": self.types}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> SearchIndex | None:
        """The index in ``data``; None if it is of another version or unreadable."""
        try:
            doc = json.loads(data)
            if doc.get("version") != INDEX_VERSION:
                return None

            def names(rows: list[list]) -> list[_Name]:
                return [_Name(t, f, tuple(full), tuple(ini)) for t, f, full, ini in rows]

            entities = [
                _Entity(iri, zh, en, other, names(labels), names(aliases))
                for iri, zh, en, other, labels, aliases in doc["entities"]
            ]
            return cls(entities, dict(doc["types"]))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def _haystack(self, which: str) -> tuple[str, list[int], list[list[int]]]:
        """All folded names (``names``) or all pinyin keys (``pinyin``), each once, joined
        by NUL, with each one's start offset and the numbers of the entities holding it
        (names and readings repeat across entities: once each keeps the scan short)."""
        if which not in self._haystacks:
            holders: dict[str, list[int]] = {}
            for i, e in enumerate(self.entities):
                for n in (*e.labels, *e.aliases):
                    if which == "names":
                        keys: tuple[str, ...] = (n.folded,)
                    else:
                        full, initials = n.keys()
                        keys = (*full, *initials)
                    for key in keys:
                        owners = holders.setdefault(key, [])
                        if not owners or owners[-1] != i:
                            owners.append(i)
            starts, at = [], 0
            for key in holders:
                starts.append(at)
                at += len(key) + 1
            self._haystacks[which] = (_SEP.join(holders), starts, list(holders.values()))
        return self._haystacks[which]

    def _holding(self, which: str, text: str, found: set[int]) -> None:
        hay, starts, owners = self._haystack(which)
        at = hay.find(text)
        while at >= 0:
            k = bisect.bisect_right(starts, at) - 1
            found.update(owners[k])
            # on to the next key: each holds the text once for our purpose
            at = hay.find(text, starts[k + 1] if k + 1 < len(starts) else len(hay))

    def candidates(self, query: str, squeezed: str, latin: bool) -> list[_Entity]:
        """The entities with a name holding ``query`` or (Latin text) a pinyin key holding
        ``squeezed``: every entity :func:`_grade` can match, in index order."""
        found: set[int] = set()
        if query:
            self._holding("names", query, found)
        if latin and squeezed:
            self._holding("pinyin", squeezed, found)
        return [self.entities[i] for i in sorted(found)]


#: Indexes kept by this process: by build folder, and by store (weakly).
_BY_FOLDER: dict[str, SearchIndex] = {}
_BY_STORE: weakref.WeakKeyDictionary[object, SearchIndex] = weakref.WeakKeyDictionary()


def _inner(source: object) -> object:
    """The store behind deadline wrappers and graphs: one dataset, one index."""
    for _ in range(4):
        inner = getattr(source, "store", None)
        if inner is None or not hasattr(inner, "query") or isinstance(inner, ox.Store):
            break
        source = inner
    return source


def load_index(source: _Source, folder: Path | None = None) -> SearchIndex:
    """The search index of the dataset ``source`` answers from, loaded once per process.

    With ``folder`` (a build's: its dataset never changes) it is read from
    ``folder/search-index.json``, written there atomically on first use if absent;
    without, it is read through SPARQL once per store whose dataset is fixed (a build's,
    a remote endpoint's) and per call otherwise."""
    from .fileio import atomic_write

    inner = _inner(source)
    if folder is not None:
        key = str(folder)
        index = _BY_FOLDER.get(key)
        if index is None:
            path = folder / INDEX_FILE
            with contextlib.suppress(OSError):
                index = SearchIndex.from_json(path.read_bytes())
            if index is None:
                index = SearchIndex.read(source)
                with contextlib.suppress(OSError):  # a read-only cache still searches
                    atomic_write(path, index.to_json())
            if len(_BY_FOLDER) >= 8:
                _BY_FOLDER.pop(next(iter(_BY_FOLDER)))
            _BY_FOLDER[key] = index
        with contextlib.suppress(TypeError):
            _BY_STORE[inner] = index
        return index
    with contextlib.suppress(TypeError):
        index = _BY_STORE.get(inner)
        if index is not None:
            return index
    index = SearchIndex.read(source, pinyin=False)
    if getattr(inner, "cacheable", False):
        with contextlib.suppress(TypeError):
            _BY_STORE[inner] = index
    return index


def index_of(source: _Source) -> SearchIndex:
    """The index search reads for ``source``: the graph's own (its build's file), else
    :func:`load_index` without a folder."""
    own = getattr(source, "search_index", None)
    if callable(own):
        index: SearchIndex = own()
        return index
    return load_index(source)


def _grade(query: str, squeezed: str, names: list[_Name], exact_kind: Kind, latin: bool):
    """The best (rank, matched text) of ``query`` against ``names`` and their pinyin."""
    best: tuple[int, int, str] | None = None

    def offer(kind: Kind, text: str) -> None:
        nonlocal best
        cand = (RANK[kind], len(text), text)
        if best is None or cand < best:
            best = cand

    for n in names:
        name, folded = n.text, n.folded
        if folded == query:
            offer(exact_kind, name)
        elif folded.startswith(query):
            offer("prefix", name)
        elif query in folded:
            offer("substring", name)
        if latin and squeezed:
            full, initials = n.keys()
            for key in full:
                if key == squeezed:
                    offer(exact_kind, name)
                elif key.startswith(squeezed):
                    offer("prefix", name)
                elif len(squeezed) >= 3 and squeezed in key:
                    offer("substring", name)
            for key in initials:
                if key == squeezed:
                    offer(exact_kind, name)
                elif len(squeezed) >= 2 and key.startswith(squeezed):
                    offer("prefix", name)
    return best


def find(
    source: _Source,
    text: str,
    limit: int = 20,
    type: str | None = None,
    index: SearchIndex | None = None,
) -> list[Match]:
    """Entities whose zh/en labels, aliases or their pinyin match ``text``, best first.

    Parameters
    ----------
    source : AllianceGraph or store
        Anything whose ``query`` answers SPARQL (embedded or remote).
    text : str
        A name, part of one, an alias or pinyin (``chongcaiyuan``, initials ``cqyddx``).
    limit : int
        At most this many matches.
    type : str, optional
        Only entities of this class (``ag:Alliance``, ``Alliance`` or an IRI).
    index : SearchIndex, optional
        The index to read (default :func:`index_of` ``source``).

    Returns
    -------
    list of Match
        Ranked exact label > alias > prefix > substring; ties go to the shorter name.

    Examples
    --------
    >>> [m.iri.rsplit("/", 1)[1] for m in find(g, "重邮")]  # doctest: +SKIP
    ['cqupt']
    """
    query = _fold(text)
    if not query:
        return []
    squeezed = _NOT_ALNUM.sub("", query)
    latin = not _CJK.search(query) and bool(squeezed)
    store = source
    idx = index if index is not None else index_of(source)
    wanted = class_iri(type, store) if type else None
    graded: list[tuple[tuple[int, int, str], _Entity]] = []
    for e in idx.candidates(query, squeezed, latin):
        a = _grade(query, squeezed, e.labels, "exact", latin)
        b = _grade(query, squeezed, e.aliases, "alias", latin)
        best = min((x for x in (a, b) if x is not None), default=None)
        if best is not None:
            graded.append((best, e))
    if not graded:
        return []
    # the IRI last: equal names rank the same whichever order an engine listed them in
    graded.sort(key=lambda x: (x[0], x[1].zh or x[1].en or x[1].iri, x[1].iri))
    if wanted is not None:
        graded = [x for x in graded if is_instance(store, x[1].iri, wanted)][:limit]
    graded = graded[:limit]
    types = idx.types
    kinds = {v: k for k, v in RANK.items()}
    return [
        Match(
            iri=e.iri,
            label=e.zh or e.en or e.other or e.iri,
            label_en=e.en,
            type=types.get(e.iri),
            matched=best[2],
            kind=kinds[best[0]],  # type: ignore[arg-type]
        )
        for best, e in graded
    ]


def _exists(store, iri: str) -> bool:
    ask = internal.text("search-exists")
    return bool(store.query(ask, bindings={"e": ox.NamedNode(iri)}).boolean)


def as_iri(text: str) -> str | None:
    """``<http://…>``, ``http(s)://…``, ``urn:…`` or a predeclared prefixed name; else None."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    elif re.match(r"^[A-Za-z][\w-]*:[^\s/]", text) and text.split(":", 1)[0] in PREFIXES:
        return expand(text)
    if re.match(r"^(https?|urn|file):\S+$", text):
        try:
            return ox.NamedNode(text).value
        except ValueError:
            return None
    return None


def class_iri(text: str, source: _Source | None = None) -> str:
    """The class a user names: an IRI, a prefixed name (``ag:University``), a bare local
    name of the ontology (``University``) or one of its labels or aliases (``高等院校``,
    ``university``). The one class-name resolver: ``type=`` of find and resolve, the
    ``class`` parameters of named queries and the analysis filters all use it.

    With ``source``, names are checked against the ontology of that graph
    (:func:`alliancegraph.catalogue.ontology_terms`): an ``ag:`` name the ontology does not
    define as a class is a UsageError naming the nearest class (``Univercity`` -> did you
    mean ag:University (高等院校)?); IRIs of other vocabularies pass as they are. A graph
    without its ontology graph checks nothing."""
    name = text.strip()
    iri = as_iri(name)
    terms = ontology_terms(source) if source is not None else None
    classes = terms.classes if terms is not None else []
    if not classes:
        if iri is not None:
            return iri
        if re.match(r"^[A-Za-z][A-Za-z0-9_]*$", name):
            return AG + name
        raise UsageError(
            f"{text!r} is not a class name; expected e.g. ag:Alliance, Alliance or 联盟"
        )
    assert terms is not None
    if iri is not None and not iri.startswith(AG):
        return iri
    if iri is None and re.match(r"^[A-Za-z][\w-]*:", name) and ":" in name:
        prefix = name.split(":", 1)[0]
        raise UsageError(
            f"unknown prefix {prefix}: in {text!r}; a class is ag:Name, Name, a label such "
            f"as 高等院校, or a prefixed name with one of {', '.join(p + ':' for p in PREFIXES)}"
        )
    if iri is None:
        local = {c[len(AG) :]: c for c in classes}
        named = [c for c in terms.named(name) if c in classes]
        folded = [c for n, c in local.items() if n.casefold() == name.casefold()]
        found = [local[name]] if name in local else sorted(named) or folded
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise UsageError(
                f"{text!r} names several classes: {', '.join(shorten(c) for c in found)}"
            )
        iri = AG + name if re.match(r"^[A-Za-z][A-Za-z0-9_]*$", name) else None
    if iri is not None and iri in classes:
        return iri
    what = (
        "is a term of the ontology but not a class"
        if iri is not None and iri in terms.kinds
        else "names no class of the ontology"
    )
    raise UsageError(f"{text!r} {what}{_nearest_class(name, terms)}")


def _nearest_class(name: str, terms: OntologyTerms) -> str:
    """``; did you mean ag:University (高等院校)?``, or the classes there are."""
    classes = terms.classes
    local = name.split(":", 1)[1] if name.startswith("ag:") else name
    local = local.rsplit("#", 1)[-1].strip("<>")
    by_name = {c[len(AG) :]: c for c in classes}
    for iri, labels in terms.labels.items():
        if iri in classes:
            for label in (labels.zh, labels.en):
                if label:
                    by_name.setdefault(label, iri)
    close = nearest(local, by_name, n=1, cutoff=0.5)

    def shown(iri: str) -> str:
        label = terms.labels.get(iri, Labels()).best("zh")
        return f"{shorten(iri)} ({label})" if label else shorten(iri)

    if close:
        return f"; did you mean {shown(by_name[close[0]])}?"
    return f"; its classes are {', '.join(shorten(c) for c in classes)}"


def is_instance(source: _Source, iri: str, cls: str) -> bool:
    """Whether ``iri`` is an instance of ``cls`` (subclass typing is materialised)."""
    ask = internal.text("search-instance-of")
    bindings = {"e": ox.NamedNode(iri), "class": ox.NamedNode(cls)}
    return bool(source.query(ask, bindings=bindings).boolean)


def resolve(
    source: _Source, text: str, type: str | None = None, index: SearchIndex | None = None
) -> str:
    """One entity's IRI for an IRI, a prefixed name, a slug (``cqupt``) or a name.

    A name resolves when exactly one entity holds the best match (an exact label or alias
    wins over a prefix or substring). Several equally good candidates raise
    :class:`~alliancegraph.errors.AmbiguousEntity` (listed in ``.candidates``); none raises
    :class:`~alliancegraph.errors.UnknownEntity`. With ``type`` (``ag:Alliance``,
    ``Alliance`` or an IRI) only entities of that class are candidates, so a name shared by
    an alliance and an industry field resolves to the alliance; an IRI or slug naming
    something of another class is a :class:`~alliancegraph.errors.UsageError`.
    """
    store = source
    wanted = class_iri(type, store) if type else None
    stripped = text.strip()
    iri = as_iri(text)
    if iri is None and _SLUG.match(stripped) and _exists(store, AGR + stripped):
        iri = AGR + stripped
    if iri is not None:
        if not _exists(store, iri):
            raise UnknownEntity(text)
        if wanted is not None and not is_instance(store, iri, wanted):
            raise UsageError(f"{text!r} is not a {shorten(wanted)}")
        return iri
    idx = index if index is not None else index_of(source)
    matches = find(store, stripped, limit=1000, type=wanted, index=idx)
    if not matches:
        near = suggest(store, stripped, type=wanted, index=idx)
        other = find(store, stripped, limit=3, index=idx) if wanted is not None else []
        if other:
            shown = "; ".join(f"{m.label} <{shorten(m.iri)}> ({m.type or '?'})" for m in other)
            hint = "; ".join(f"{label} <{shorten(iri)}>" for iri, label in near)
            raise UsageError(
                f"{text!r} names no {_class_shown(store, wanted)}: it matches {shown}"
                + (f"; did you mean {hint}?" if hint else "")
            )
        raise UnknownEntity(text, [(shorten(iri), label) for iri, label in near])
    best = [m for m in matches if m.rank == matches[0].rank]
    if len(best) == 1:
        return best[0].iri
    raise AmbiguousEntity(text, [(m.iri, m.label) for m in best])


def _class_shown(source: _Source, cls: str | None) -> str:
    """``ag:Alliance (联盟)``: a class as messages name it."""
    if cls is None:
        return "entity"
    label = ontology_terms(source).labels.get(cls, Labels()).best("zh")
    return f"{shorten(cls)} ({label})" if label else shorten(cls)


def _closeness(query: str, squeezed: str, latin: bool, name: _Name) -> float:
    """How near ``name`` is to the search text, 0..1: the better of the spelling ratio
    (difflib), the share of the text's characters the name holds (a Chinese name that
    differs in one or two characters), and, for Latin text, the ratio to its pinyin."""
    folded = name.folded
    best = difflib.SequenceMatcher(None, query, folded).ratio()
    if _CJK.search(query) and query:
        shared = sum(1 for ch in set(query) if ch in folded) / len(set(query))
        best = max(best, 0.9 * shared)
    if latin and squeezed:
        full, initials = name.keys()
        for key in (*full, *initials):
            best = max(best, difflib.SequenceMatcher(None, squeezed, key).ratio())
    return best


def suggest(
    source: _Source, text: str, n: int = 3, type: str | None = None, cutoff: float = 0.5,
    index: SearchIndex | None = None,
) -> list[tuple[str, str]]:  # fmt: skip
    """The ``n`` entities (IRI, label) whose names come nearest ``text`` when nothing
    matches it: by edit distance, shared characters or pinyin; only instances of ``type``
    when given. Best first; empty if none comes within ``cutoff``.

    >>> suggest(g, "功能材料协会")  # doctest: +SKIP
    [('…/alliance-functional-materials', '重庆市功能材料技术创新战略联盟')]
    """
    query = _fold(text)
    if not query:
        return []
    squeezed = _NOT_ALNUM.sub("", query)
    latin = not _CJK.search(query) and bool(squeezed)
    scored: list[tuple[float, str, str]] = []
    idx = index if index is not None else index_of(source)
    for e in idx.entities:
        score = max(
            (_closeness(query, squeezed, latin, nm) for nm in (*e.labels, *e.aliases)),
            default=0.0,
        )
        if score >= cutoff:
            scored.append((-score, e.zh or e.en or e.other or e.iri, e.iri))
    scored.sort()
    out: list[tuple[str, str]] = []
    for _, label, iri in scored:
        if type is not None and not is_instance(source, iri, type):
            continue
        out.append((iri, label))
        if len(out) == n:
            break
    return out


# -- describe ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One triple about the entity, seen from it: ``direction`` is ``out`` or ``in``."""

    direction: Literal["out", "in"]
    predicate: str
    predicate_label: str | None
    other: ox.NamedNode | ox.BlankNode | ox.Literal
    other_label: str | None
    evidence: str | None
    source: str | None
    source_label: str | None
    #: entailed by the ontology's axioms (the inferred graph), not stated by a source
    inferred: bool = False

    def to_dict(self) -> dict[str, object]:
        """The fact as JSON-ready fields."""
        return {
            "direction": self.direction,
            "predicate": self.predicate,
            "predicate_label": self.predicate_label,
            "other": self.other.value,
            "other_label": self.other_label,
            "evidence": self.evidence,
            "source": self.source,
            "source_label": self.source_label,
            "inferred": self.inferred,
        }


@dataclass
class Description:
    """Everything the graph says about one entity."""

    iri: str
    label: str
    label_en: str | None
    types: list[str]
    aliases: list[str]
    facts: list[Fact]
    #: short forms the build derived by rule (``ag:generatedAlias``), not curated aliases
    generated_aliases: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """The description as JSON-ready fields (the CLI's ``--format json``)."""
        return {
            "iri": self.iri,
            "label": self.label,
            "label_en": self.label_en,
            "types": self.types,
            "aliases": self.aliases,
            "generated_aliases": self.generated_aliases,
            "facts": [f.to_dict() for f in self.facts],
        }

    def to_dataframe(self):
        """One row per fact: direction, predicate (label and IRI), the other end (label and
        value), evidence quote, source, and whether the ontology inferred it."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "direction": f.direction,
                    "predicate": f.predicate_label or f.predicate,
                    "predicate_iri": f.predicate,
                    "other": f.other_label or f.other.value,
                    "other_value": f.other.value,
                    "evidence": f.evidence,
                    "source": f.source_label or f.source,
                    "inferred": f.inferred,
                }
                for f in self.facts
            ],
            columns=[
                "direction",
                "predicate",
                "predicate_iri",
                "other",
                "other_value",
                "evidence",
                "source",
                "inferred",
            ],
        )


def _bound(t: Term | None) -> str:
    """The value of a term the query always binds."""
    if t is None:
        raise ValueError("a query left a variable unbound that it always binds")
    return str(t) if isinstance(t, ox.Triple) else t.value


def _bound_literal(t: Term | None) -> ox.Literal:
    """A term the query always binds to a literal."""
    if not isinstance(t, ox.Literal):
        raise ValueError(f"expected a literal, got {t!r}")
    return t


def _bound_node(t: Term | None) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A term the query always binds to a node or literal (never a quoted triple)."""
    if not isinstance(t, ox.NamedNode | ox.BlankNode | ox.Literal):
        raise ValueError(f"expected an RDF node, got {t!r}")
    return t


def readable_label(source: _Source, iri: str) -> str | None:
    """A name for a node that has no label of its own (an import's ``org:Membership``, an
    interval): the zh label of its class, then the labels of the nodes it points to, e.g.
    "成员关系：重庆材料研究院 · 重庆市功能材料技术创新战略联盟"; None if neither is known."""
    from .catalogue import prefer_class

    classes: dict[str, str] = {}
    about: list[tuple[str, str]] = []
    rows = source.query(
        internal.text("search-describe-unlabelled"), bindings={"n": ox.NamedNode(iri)}
    ).rows
    for kind, x, p, label in rows:
        if _bound(kind) == "class":
            classes.setdefault(_bound(x), _bound(label))
        elif p is not None:
            about.append((_bound(p), _bound(label)))
    names = list(dict.fromkeys(label for _, label in sorted(about)))[:3]
    cls = classes.get(prefer_class(classes), "")
    if not names:
        return cls or None
    return f"{cls}：{' · '.join(names)}" if cls else " · ".join(names)


#: (facts, their records) per direction; search-describe-facts-out says why four queries
_FACT_QUERIES = (
    ("search-describe-facts-out", "search-describe-records-out"),
    ("search-describe-facts-in", "search-describe-records-in"),
)


def _fact_rows(source: _Source, e: ox.NamedNode) -> list[tuple]:
    """Every fact in and out of ``e`` as (dir, p, plabel, o, olabel, evidence, src,
    srclabel, inferred): each fact row left-joined in Python, by property and other end, to
    the provenance records of that direction (one row per record; a fact with none keeps its
    row, with no evidence and source). The rows of the one UNION query this replaces (with
    the record in an OPTIONAL), which Oxigraph cannot plan from the bound ``e``."""
    rows: list[tuple] = []
    for facts, records in _FACT_QUERIES:
        found: dict[tuple[str, str], list[tuple]] = {}
        for p, o, evidence, src, srclabel in source.query(
            internal.text(records), bindings={"e": e}
        ).rows:
            found.setdefault((str(p), str(o)), []).append((evidence, src, srclabel))
        for d, p, plabel, o, olabel, inferred in source.query(
            internal.text(facts), bindings={"e": e}
        ).rows:
            for evidence, src, srclabel in found.get((str(p), str(o)), [(None, None, None)]):
                rows.append((d, p, plabel, o, olabel, evidence, src, srclabel, inferred))
    return rows


def describe(source: _Source, entity: str, index: SearchIndex | None = None) -> Description:
    """Every fact in and out of ``entity`` (IRI, slug or a name that resolves to one),
    with labels, and the evidence quote and source of each fact that has them."""
    store = source
    iri = resolve(store, entity, index=index)
    e = ox.NamedNode(iri)
    zh = en = other = None
    types: list[str] = []
    aliases: list[str] = []
    generated: list[str] = []
    for kind, v in store.query(internal.text("search-describe-about"), bindings={"e": e}).rows:
        if _bound(kind) == "type":
            types.append(shorten(_bound(v)))
        elif _bound(kind) == "alias":
            aliases.append(_bound(v))
        elif _bound(kind) == "generated":
            generated.append(_bound(v))
        else:
            lang = (_bound_literal(v).language or "").lower()
            if lang.startswith("zh"):
                zh = zh or _bound(v)
            elif lang.startswith("en"):
                en = en or _bound(v)
            else:
                other = other or _bound(v)
    seen: dict[tuple, Fact] = {}
    for row in _fact_rows(store, e):
        d, p, plabel, o, olabel, evidence, src, srclabel, inferred = row
        key = (_bound(d), _bound(p), str(o), plain(evidence), str(src))
        if key in seen:
            continue
        seen[key] = Fact(
            direction=_bound(d),  # type: ignore[arg-type]
            predicate=shorten(_bound(p)),
            predicate_label=plain(plabel),
            other=_bound_node(o),
            other_label=plain(olabel),
            evidence=plain(evidence),
            source=plain(src),
            source_label=plain(srclabel),
            inferred=bool(inferred is not None and plain(inferred) in ("true", "1")),
        )
    # A fact backed by a record does not also need its bare, unsourced row.
    sourced = {(f.direction, f.predicate, str(f.other)) for f in seen.values() if f.source}
    facts = [
        f
        for f in seen.values()
        if f.source or (f.direction, f.predicate, str(f.other)) not in sourced
    ]
    # labels wherever an entity is shown, even one the graph left unnamed
    facts = [
        dataclasses.replace(f, other_label=readable_label(store, f.other.value))
        if f.other_label is None and isinstance(f.other, ox.NamedNode)
        else f
        for f in facts
    ]
    facts.sort(key=lambda f: (f.direction != "out", f.predicate, f.other_label or str(f.other)))
    return Description(
        iri=iri,
        label=zh or en or other or readable_label(store, iri) or iri,
        label_en=en,
        types=sorted(set(types)),
        aliases=aliases,
        facts=facts,
        generated_aliases=sorted(set(generated)),
    )
