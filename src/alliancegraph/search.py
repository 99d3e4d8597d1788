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
import threading
import unicodedata
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

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


#: (rank, length of the name, the name): how well one name matches; the smaller the better.
Grade = tuple[int, int, str]


def _joined(parts: Iterable[str]) -> tuple[str, list[int]]:
    """``parts`` joined by NUL, with each one's start offset and, last, the offset one past
    the end (so segment ``k`` ends before ``starts[k + 1] - 1`` for every ``k``)."""
    parts = list(parts)
    starts, at = [], 0
    for part in parts:
        starts.append(at)
        at += len(part) + 1
    starts.append(at)
    return _SEP.join(parts), starts


def _sorted_keys(pairs: Iterable[tuple[str, int]]) -> tuple[list[str], list[int]]:
    """Keys in code-point order and, beside each, the number of the name holding it."""
    ordered = sorted(pairs)  # the numbers come in rising order: ties keep it
    return [key for key, _ in ordered], [k for _, k in ordered]


def _ranges(keys: list[str], ids: list[int], text: str) -> tuple[list[int], list[int]]:
    """The names whose key (in the sorted ``keys``) equals ``text``, and those whose key
    starts with it and is longer: two contiguous runs found by bisection."""
    lo = bisect.bisect_left(keys, text)
    eq = bisect.bisect_right(keys, text, lo)
    if ord(text[-1]) < 0x10FFFF:
        hi = bisect.bisect_left(keys, text[:-1] + chr(ord(text[-1]) + 1), eq)
    else:
        hi = eq
        while hi < len(keys) and keys[hi].startswith(text):
            hi += 1
    return ids[lo:eq], ids[eq:hi]


def _segments(hay: str, starts: list[int], text: str) -> Iterator[int]:
    """The numbers of the segments of ``hay`` that hold ``text``, in order, each once (a
    text holding NUL does not match across two segments)."""
    at = hay.find(text)
    while at >= 0:
        k = bisect.bisect_right(starts, at) - 1
        if at + len(text) < starts[k + 1]:
            yield k
            at = hay.find(text, starts[k + 1])
        else:
            at = hay.find(text, at + 1)


class _Tables:
    """The distinct names of an index numbered shortest first, then by text (the order
    names rank in within a kind of match), with the entities holding each as a label and
    as an alias, and the lookups search runs: folded names sorted (exact and prefix matches
    by bisection) and joined in number order (substrings by ``str.find``, so the first
    found are the best). A name's folded form and pinyin are functions of its text."""

    def __init__(self, entities: list[_Entity]):
        first: dict[str, _Name] = {}
        for e in entities:
            for n in (*e.labels, *e.aliases):
                first.setdefault(n.text, n)
        self.texts = sorted(first, key=lambda t: (len(t), t))
        self.names = [first[t] for t in self.texts]
        number = {t: k for k, t in enumerate(self.texts)}
        self.labelled: list[list[int]] = [[] for _ in self.texts]
        self.aliased: list[list[int]] = [[] for _ in self.texts]
        for i, e in enumerate(entities):
            for names, holders in ((e.labels, self.labelled), (e.aliases, self.aliased)):
                for n in names:
                    h = holders[number[n.text]]
                    if not h or h[-1] != i:
                        h.append(i)
        self.folded = _sorted_keys((n.folded, k) for k, n in enumerate(self.names))
        self.folded_hay = _joined(n.folded for n in self.names)
        self._pinyin: _PinyinTables | None = None
        self._lock = threading.Lock()

    def pinyin(self) -> _PinyinTables:
        """The pinyin lookups, made when Latin text is first searched for."""
        if self._pinyin is None:
            with self._lock:
                if self._pinyin is None:
                    self._pinyin = _PinyinTables(self.names)
        return self._pinyin


class _PinyinTables:
    """Full pinyin keys and initials sorted (exact and prefix matches), and the names
    holding each trigram of a full key (substrings: a scan of every key would read some
    megabytes of pinyin per search)."""

    def __init__(self, names: list[_Name]):
        self.keys = [n.keys() for n in names]
        keys = self.keys
        self.full = _sorted_keys((key, k) for k, (full, _) in enumerate(keys) for key in full)
        self.initials = _sorted_keys((key, k) for k, (_, ini) in enumerate(keys) for key in ini)
        self.full_hay = _joined("\x01".join(full) for full, _ in keys)
        self.grams = _trigrams(*self.full_hay)

    def holding(self, text: str) -> Iterator[int]:
        """The numbers of the names with a full key holding ``text`` (three letters or
        more), in order: those holding every trigram of it, each checked."""
        if self.grams is None:
            yield from _segments(*self.full_hay, text)
            return
        for k in self.grams.holding_all(text):
            if any(text in key for key in self.keys[k][0]):
                yield k


def _trigrams(hay: str, starts: list[int], chunk: int = 1 << 18) -> _Grams | None:
    """Every trigram of the keys in ``hay`` (ASCII keys joined by \\x01 within a name, names
    by NUL, segment ``k`` at ``starts[k]``): the numbers of the names holding each, in
    order, one run per trigram; None if the keys are not ASCII. Read ``chunk`` characters
    at a time, whole names each, so a large index needs little more memory than its
    answer."""
    if not hay.isascii():
        return None
    import numpy as np

    parts = []
    first = 0
    while first < len(starts) - 1:
        last = max(bisect.bisect_right(starts, starts[first] + chunk) - 1, first + 1)
        a = np.frombuffer(hay[starts[first] : starts[last]].encode("ascii"), dtype=np.uint8)
        if len(a) >= 3:
            x, y, z = a[:-2], a[1:-1], a[2:]
            keep = (x > 1) & (y > 1) & (z > 1)
            name = np.cumsum(a == 0)[:-2][keep] + first
            code = (x[keep].astype(np.int64) << 16) | (y[keep].astype(np.int64) << 8) | z[keep]
            pairs = np.sort((code << 32) | name)  # np.unique: the same, far slower
            parts.append(pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))])
        first = last
    pairs = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    del parts
    pairs.sort()
    codes = pairs >> 32
    cuts = (np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist()
    lo, hi = [0, *cuts], [*cuts, len(pairs)]
    runs: dict[int, tuple[int, int]] = {}
    if len(pairs):
        runs = dict(zip(codes[lo].tolist(), zip(lo, hi, strict=True), strict=True))
    return _Grams(runs, (pairs & 0xFFFFFFFF).astype(np.int32), len(starts) - 1)


@dataclass
class _Grams:
    """Trigram lookups: ``runs`` maps a trigram's code to its run in ``holders``."""

    runs: dict[int, tuple[int, int]]
    holders: Any  # numpy int32 array
    names: int

    def holding_all(self, text: str) -> list[int]:
        """The names (in order) that hold every trigram of ``text``: the rarest trigram's
        names, narrowed by the others while many are left."""
        import numpy as np

        b = text.encode("ascii")
        grams = {b[i] << 16 | b[i + 1] << 8 | b[i + 2] for i in range(len(b) - 2)}
        spans = sorted((hi - lo, lo, hi) for lo, hi in (self.runs.get(g, (0, 0)) for g in grams))
        _, lo, hi = spans[0]
        found = self.holders[lo:hi]
        for _, lo, hi in spans[1:]:
            if len(found) <= 32:
                break
            mask = np.zeros(self.names, dtype=bool)
            mask[self.holders[lo:hi]] = True
            found = found[mask[found]]
        return found.tolist()


class SearchIndex:
    """What search reads, gathered once: every entity's labels and aliases with their
    folded forms and pinyin keys, and its most specific class.

    A build's index is written once to its folder (:func:`load_index`) and loaded once
    per process. A search never runs a SPARQL query or pinyin: exact and prefix matches
    are bisections of sorted keys; substrings, needed only when those are too few, are a
    ``str.find`` over the names joined shortest first, which stops once enough are found
    (:meth:`grades`)."""

    def __init__(self, entities: list[_Entity], types: dict[str, str]):
        self.entities = entities
        self.types = types
        self._tables: _Tables | None = None
        self._lock = threading.Lock()

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
            [e.iri, e.zh, e.en, e.other, names(e.labels), names(e.aliases)] for e in self.entities
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

    def tables(self) -> _Tables:
        """The lookups of :meth:`grades`, made on the first search (once per index)."""
        if self._tables is None:
            with self._lock:
                if self._tables is None:
                    self._tables = _Tables(self.entities)
        return self._tables

    def grades(
        self, query: str, squeezed: str, latin: bool, enough: int | None = None
    ) -> dict[int, Grade]:
        """Each matching entity's (number: best grade) for the folded text ``query`` and
        (Latin text) its letters and digits ``squeezed``: a name equal to the text is exact
        (a label) or alias, one starting with it prefix, one holding it substring; full
        pinyin counts as the name (substrings from three letters), initials only whole or
        (two letters on) as a prefix. With ``enough``, search stops once that many entities
        are graded, every one of them better than any left out."""
        t = self.tables()
        best: dict[int, Grade] = {}

        def give(k: int, label_rank: int, alias_rank: int) -> None:
            n, text = len(t.texts[k]), t.texts[k]
            for holders, rank in ((t.labelled[k], label_rank), (t.aliased[k], alias_rank)):
                g = (rank, n, text)
                for e in holders:
                    old = best.get(e)
                    if old is None or g < old:
                        best[e] = g

        exact_ids, longer = _ranges(*t.folded, query)
        exact, prefix = set(exact_ids), set(longer)
        if latin and squeezed:
            p = t.pinyin()
            for (keys, ids), prefixes in ((p.full, True), (p.initials, len(squeezed) >= 2)):
                same, longer = _ranges(keys, ids, squeezed)
                exact.update(same)
                if prefixes:
                    prefix.update(longer)
        for k in exact:
            give(k, RANK["exact"], RANK["alias"])
        for k in sorted(prefix - exact):  # shortest name first
            if enough is not None and len(best) >= enough:
                return best
            give(k, RANK["prefix"], RANK["prefix"])
        if enough is not None and len(best) >= enough:
            return best
        # Substrings rank below every prefix: each scan finds names shortest first and
        # stops once it has found enough entities not graded yet.
        above = set(best)
        need = None if enough is None else enough - len(above)
        scans: list[Iterable[int]] = [_segments(*t.folded_hay, query)]
        if latin and len(squeezed) >= 3:
            scans.append(t.pinyin().holding(squeezed))
        sub = RANK["substring"]
        for numbers in scans:
            found: set[int] = set()
            for k in numbers:
                if need is not None and len(found) >= need:
                    break
                g = (sub, len(t.texts[k]), t.texts[k])
                for e in itertools.chain(t.labelled[k], t.aliased[k]):
                    if e not in above:
                        found.add(e)
                        old = best.get(e)
                        if old is None or g < old:
                            best[e] = g
        return best


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
    from .fileio import kept

    inner = _inner(source)
    if folder is not None:
        key = str(folder)
        index = _BY_FOLDER.get(key)
        if index is None:
            index = kept(
                folder / INDEX_FILE, SearchIndex.from_json, lambda: SearchIndex.read(source),
                SearchIndex.to_json,
            )  # fmt: skip
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
    # with a class to keep, how many of the best are enough is not known in advance
    enough = limit if wanted is None and limit > 0 else None
    ents = idx.entities
    graded = [(g, ents[i]) for i, g in idx.grades(query, squeezed, latin, enough).items()]
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
