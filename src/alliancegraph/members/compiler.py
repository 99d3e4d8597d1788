"""Compiling member rows into quads: every row checked (every problem collected, located),
resolved against an :class:`~.resolver.Index`, then written as memberships with a
provenance record per fact, in one named graph.

- ``alliance org:hasMember org`` for every row, and an ``org:Membership`` (``org:member``,
  ``org:organization``, ``org:role``, ``org:memberDuring``) where the row gives a role or a
  join date: nothing the file does not say is invented;
- a provenance record (``rdf:Statement``) for each fact, ``prov:wasDerivedFrom`` the source
  document of the import, with the row as a short ``ag:evidenceText`` and its
  ``ag:sourceLocation`` (``members.csv:12``).

A credit code is decisive; a name that matches two organisations, or a code that names one
organisation while the name names another, is a conflict for the analyst and blocks the
import: nothing is merged silently. A new spelling of a known organisation is recorded as
``skos:altLabel``; a short name two organisations share is reported and recorded as an
``ag:UnresolvedName``. This module never writes a file (see :mod:`alliancegraph.imports`).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from ..build import ProvenanceCheck, untraced_predicates
from ..errors import DataError, Problem
from ..formats import formula_like
from ..namespaces import AG, AGR, DCTERMS, ORG, PROV, RDF, RDFS, SCHEMA, SKOS, XSD
from ..text import lang_of
from .normalise import (
    CODE_CHARS,
    ROLE_CHOICES,
    ROLES,
    TYPE_CHOICES,
    credit_code_check_char,
    credit_code_valid,
    evidence_of,
    name_key,
    normal_code,
    parse_date,
    role_slug,
    split_aliases,
    type_class,
)
from .readers import COLUMN_NAMES, Table, map_header
from .resolver import Index

#: the predicates and type of a provenance record, in N-Triples form
_RDF_TYPE, _RDF_SUBJECT, _RDF_PREDICATE, _RDF_OBJECT = (
    f"<{RDF}{n}>" for n in ("type", "subject", "predicate", "object")
)
_STATEMENT, _DERIVED_FROM = f"<{RDF}Statement>", f"<{PROV}wasDerivedFrom>"
_EVIDENCE, _LOCATION = f"<{AG}evidenceText>", f"<{AG}sourceLocation>"

__all__ = ["CompiledImport", "MemberCompiler", "Progress", "QuadBuffer"]

TIME = "http://www.w3.org/2006/time#"

#: ``progress(stage, done, total)``: told how a long step advances (a progress bar).
Progress = Callable[[str, int, int], None]


class QuadBuffer:
    """The quads of one import, held as N-Quads text rather than as ``Quad`` objects.

    A 10× synthetic list compiles to 1.45M quads: as Python ``Quad`` objects they took
    about 1 GB, as text a quarter of that. Quads are written as N-Quads lines (by
    Oxigraph's serialiser, or from terms already in N-Triples form) and kept in chunks;
    :meth:`nquads` sorts and deduplicates once (the layer file's bytes, which are also
    what validation and the build load); iterating parses them back. ``len`` counts
    appends, as a list would. ``sink``, if given, is handed each chunk (whole lines, in the
    order written) as it is made: the import loads them on the other core while it compiles.

    >>> b = QuadBuffer()
    >>> n = ox.NamedNode("http://example.org/n")
    >>> b.append(ox.Quad(n, n, ox.Literal("x"), n)); b.append(ox.Quad(n, n, ox.Literal("x"), n))
    >>> len(b), b.nquads()
    (2, b'<http://example.org/n> <http://example.org/n> "x" <http://example.org/n> .\\n')
    """

    CHUNK = 50_000

    def __init__(self, sink: Callable[[bytes], None] | None = None) -> None:
        self.sink = sink
        self._lines: list[str] = []
        self._chunks: list[bytes] = []
        self._count = 0
        self._sorted = True  # _chunks is one sorted, deduplicated chunk (or none)

    def append(self, quad: ox.Quad) -> None:
        self.add_terms(str(quad.subject), str(quad.predicate), str(quad.object),
                       str(quad.graph_name))  # fmt: skip

    def add_terms(self, s: str, p: str, o: str, g: str) -> None:
        """Add a quad given as its four terms in N-Triples form (``str`` of an Oxigraph term,
        which has checked it): the line Oxigraph's N-Quads serialiser writes for it."""
        self._lines.append(f"{s} {p} {o} {g} .\n")
        self._count += 1
        if len(self._lines) >= self.CHUNK:
            self._flush()

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        for q in quads:
            self.append(q)

    def _flush(self) -> None:
        if self._lines:
            chunk = "".join(self._lines).encode("utf-8")
            self._chunks.append(chunk)
            self._lines = []
            self._sorted = False
            if self.sink is not None:
                self.sink(chunk)

    def __len__(self) -> int:
        return self._count

    def nquads(self) -> bytes:
        """Sorted, deduplicated N-Quads: the same quads give the same bytes (UTF-8 byte
        order is code point order, so this is the order of sorted text)."""
        self._flush()
        if not self._sorted:
            lines: list[bytes] = []
            while self._chunks:  # drop each chunk once split: text is held about twice
                lines += self._chunks.pop().splitlines(keepends=True)
            # written from the end of a list sorted backwards, each block let go once written:
            # the lines and the layer are not held whole at once (350 MB less at 10x, where
            # the store validation reads is being loaded meanwhile)
            lines.sort(reverse=True)
            out = io.BytesIO()
            last = None
            while lines:
                block = lines[-self.CHUNK :]
                del lines[-self.CHUNK :]
                kept = []
                for line in reversed(block):  # each line once
                    if line != last:
                        kept.append(line)
                        last = line
                out.write(b"".join(kept))
            self._chunks = [out.getvalue()]
            self._sorted = True
        return self._chunks[0] if self._chunks else b""

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(ox.parse(self.nquads(), format=ox.RdfFormat.N_QUADS))


@dataclass
class CompiledImport:
    """The quads of one import and what the analyst should hear about it."""

    quads: QuadBuffer = field(default_factory=QuadBuffer)
    origins: dict[str, str] = field(default_factory=dict)
    fact_origins: dict[tuple[str, str, str], str] = field(default_factory=dict)
    minted: set[str] = field(default_factory=set)
    rows: int = 0
    new: dict[str, int] = field(default_factory=dict)
    linked: int = 0
    aliases: int = 0
    warnings: list[str] = field(default_factory=list)
    #: how each table was read (file, encoding, delimiter, rows): :meth:`.readers.Table.describe`
    read_as: list[str] = field(default_factory=list)
    #: the graph of a compiler that tells which of its triples need a record (the member
    #: compiler), and those it wrote outside a record (N-Triples terms); None: not told
    checked_graph: str | None = None
    unrecorded: list[tuple[str, str, str]] = field(default_factory=list)

    def provenance(self, sha256: str) -> ProvenanceCheck | None:
        """What the compiler found of its facts' records, for the layer of ``sha256``: a
        triple it wrote outside :meth:`MemberCompiler.fact` is complete if a fact wrote it
        too (with its record). None if the compiler did not keep count."""
        if self.checked_graph is None:
            return None
        complete = all(t in self.fact_origins for t in self.unrecorded)
        return ProvenanceCheck(sha256, (self.checked_graph,), complete)


def _slug_text(text: str) -> str:
    from pypinyin import lazy_pinyin

    t = unicodedata.normalize("NFKC", text)
    parts = lazy_pinyin(t)
    s = re.sub(r"[^a-z0-9]+", "-", "".join(parts).casefold()).strip("-")
    return s[:48].strip("-") or "x"


def _digest(*parts: str, n: int = 10) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:n]


class MemberCompiler:
    """Checks, resolves and compiles member rows into quads of one named graph.

    ``alliance`` is the IRI rows belong to unless a row names its own (an ``alliance``
    column, resolved against ``alliances``: label -> IRI). In synthetic mode every node
    minted gets ``ag:synthetic true``. ``sink`` gets the quads' text in chunks as they are
    written (:class:`QuadBuffer`).
    """

    def __init__(
        self,
        index: Index,
        import_id: str,
        graph: str,
        source: str,
        alliance: str | None = None,
        alliances: dict[str, str] | None = None,
        synthetic: bool = False,
        progress: Progress | None = None,
        sink: Callable[[bytes], None] | None = None,
    ):
        self.index = index
        self.import_id = import_id
        self.graph = ox.NamedNode(graph)
        self.source = ox.NamedNode(source)
        self.alliance = alliance
        self.alliances = {name_key(k): v for k, v in (alliances or {}).items()}
        self.synthetic = synthetic
        self.progress = progress
        self.problems: list[Problem] = []
        self.out = CompiledImport(quads=QuadBuffer(sink), checked_graph=graph)
        self._untraced = untraced_predicates()
        self._emitted_roles: set[str] = set()
        #: short name -> (organisations sharing it, first row that shared it)
        self._shared: dict[str, tuple[set[str], str]] = {}
        self._done: set[tuple[str, str, str]] = set()
        self._aliased: dict[str, set[str]] = {}
        # what the graph knew before this import (the index grows as rows resolve)
        self._graph_names = {iri: frozenset(names) for iri, names in index.names.items()}
        self._graph_codes = set(index.code_of)
        self._iris: dict[str, str] = {}
        self._graph = str(self.graph)
        self._source_text = str(self.source)
        #: (evidence, location) of the row being written, and their literals
        self._row_text: tuple[tuple[str, str] | None, str, str] = (None, "", "")

    # -- output helpers ------------------------------------------------------------------

    def add(self, s: str, p: str, o: ox.NamedNode | ox.Literal) -> None:
        """Write ``s p o`` without a record: a name, a type, a membership's scaffolding or
        the source's own description. Anything else is counted (:attr:`CompiledImport.
        unrecorded`), so the import can tell whether every fact has its record."""
        if p not in self._untraced and s != self.source.value:
            self.out.unrecorded.append((f"<{s}>", f"<{p}>", str(o)))
        self.out.quads.add_terms(self._iri(s), self._iri(p), str(o), self._graph)

    def _iri(self, iri: str) -> str:
        """``<iri>`` once ``NamedNode`` has checked it (a subject recurs in many quads)."""
        text = self._iris.get(iri)
        if text is None:
            if len(self._iris) > 100_000:
                self._iris.clear()
            text = self._iris[iri] = str(ox.NamedNode(iri))
        return text

    def fact(self, where: str, s: str, p: str, o: ox.NamedNode | ox.Literal, ev: str) -> None:
        """Assert ``s p o`` and its provenance record (seven quads: written from terms in
        N-Triples form made once, the most frequent lines of an import)."""
        subject, predicate, obj = self._iri(s), self._iri(p), str(o)
        add, graph = self.out.quads.add_terms, self._graph
        add(subject, predicate, obj, graph)
        digest = _digest(s, p, obj, self.source.value, ev, where, n=16)
        rec = f"{AGR}statement/{digest}"
        r = f"<{rec}>"  # a hex digest under AGR: nothing for NamedNode to check
        if self._row_text[0] != (ev, where):
            self._row_text = ((ev, where), str(ox.Literal(ev, language=lang_of(ev))),
                              str(ox.Literal(where)))  # fmt: skip
        add(r, _RDF_TYPE, _STATEMENT, graph)
        add(r, _RDF_SUBJECT, subject, graph)
        add(r, _RDF_PREDICATE, predicate, graph)
        add(r, _RDF_OBJECT, obj, graph)
        add(r, _DERIVED_FROM, self._source_text, graph)
        add(r, _EVIDENCE, self._row_text[1], graph)
        add(r, _LOCATION, self._row_text[2], graph)
        self.out.origins[rec] = where
        self.out.fact_origins.setdefault((f"<{s}>", f"<{p}>", str(o)), where)

    def flag(self, iri: str) -> None:
        self.add(iri, AG + "synthetic", ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")))

    def mint(self, kind: str, name: str, where: str) -> str:
        """A new, stable IRI for a node this import creates."""
        if self.synthetic:
            slug = f"syn-{kind}-{_digest(name_key(name))}"
        else:
            prefix = "" if kind == "org" else f"{kind}-"
            slug = prefix + _slug_text(name_key(name) or name)
            if self.index.taken(AGR + slug) or AGR + slug in self.out.minted:
                slug = f"{slug}-{_digest(name_key(name), n=6)}"
        iri = AGR + slug
        self.out.minted.add(iri)
        self.index.iris.add(iri)
        self.out.origins.setdefault(iri, where)
        if self.synthetic:
            self.flag(iri)
        return iri

    def problem(self, where: str, column: str, value: str, expected: str) -> None:
        name = COLUMN_NAMES.get(column, column)
        self.problems.append(Problem(where, f"column {name}: {value!r}; expected {expected}"))

    # -- the source document -------------------------------------------------------------

    def describe_source(self, title: str, file_name: str, extra: dict[str, str]) -> None:
        s = self.source.value
        self.add(s, RDF + "type", ox.NamedNode(AG + "SourceDocument"))
        if lang_of(title) == "zh":
            self.add(s, RDFS + "label", ox.Literal(title, language="zh"))
        else:
            self.add(s, RDFS + "label", ox.Literal(title, language="en"))
            self.add(s, RDFS + "label", ox.Literal(f"成员名单：{file_name}", language="zh"))
        self.add(s, DCTERMS + "title", ox.Literal(title))
        self.add(s, DCTERMS + "identifier", ox.Literal(file_name))
        self.add(s, AG + "importId", ox.Literal(self.import_id))
        for p, v in extra.items():
            self.add(s, p, ox.Literal(v))
        if self.synthetic:
            self.flag(s)
        self.out.origins[s] = file_name

    def role_node(self, slug: str) -> ox.NamedNode:
        iri = AGR + slug
        if slug not in self._emitted_roles:
            self._emitted_roles.add(slug)
            zh, en, _ = ROLES[slug]
            self.add(iri, RDF + "type", ox.NamedNode(ORG + "Role"))
            self.add(iri, RDFS + "label", ox.Literal(zh, language="zh"))
            self.add(iri, RDFS + "label", ox.Literal(en, language="en"))
        return ox.NamedNode(iri)

    # -- rows ----------------------------------------------------------------------------

    def compile_table(self, table: Table) -> None:
        """Check and compile every row of ``table``; problems accumulate in ``self.problems``."""
        cols = map_header(table)
        self.out.read_as.append(table.describe())
        if "alliance" not in cols and self.alliance is None:
            raise DataError(
                [Problem(f"{table.name}:1", "no alliance: give the alliance or a 联盟 column")]
            )
        for line, first in table.duplicates:
            self.out.warnings.append(
                f"{table.name}:{line}: the same row as line {first}; imported once"
            )
        checked = []
        total = len(table.rows)
        for i, (line, cells) in enumerate(table.rows):
            where = f"{table.name}:{line}"
            row = {c: (cells[j].strip() if j < len(cells) else "") for c, j in cols.items()}
            self.warn_formulas(where, row)
            parsed = self.check_row(where, row)
            if parsed is not None:
                checked.append((where, row, parsed, evidence_of(cells)))
            if self.progress and (i % 500 == 0 or i == total - 1):
                self.progress("checking rows", i + 1, total)
        for where, row, parsed, ev in checked:
            self.resolve_row(where, row, parsed, ev)
        if self.problems:
            return
        for i, item in enumerate(checked):
            self.emit_row(*item)
            if self.progress and (i % 500 == 0 or i == len(checked) - 1):
                self.progress("compiling rows", i + 1, len(checked))
        self.out.rows += len(checked)
        self.record_shared_names()

    def warn_formulas(self, where: str, row: dict[str, str]) -> None:
        """A name a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``@SUM(…)``) is
        kept as written, with a warning: CSV meant for spreadsheets escapes it on the way
        out (:func:`alliancegraph.formats.spreadsheet_cell`)."""
        for column in ("name", "name_en", "alias"):
            value = row.get(column, "")
            if value and formula_like(value):
                self.out.warnings.append(
                    f"{where}: column {COLUMN_NAMES[column]}: {value[:60]!r} begins like a "
                    "spreadsheet formula; kept as text (CSV for spreadsheets escapes it)"
                )

    def check_row(self, where: str, row: dict[str, str]) -> dict | None:
        """Check the cells of one row; return parsed values, or None (problems recorded)."""
        n = len(self.problems)
        parsed: dict[str, Any] = {}
        if not row.get("name"):
            self.problem(where, "name", "", "the member's name (every row needs one)")
        t = row.get("type", "")
        if t:
            cls = type_class(t)
            if cls is None:
                self.problem(where, "type", t, f"one of {TYPE_CHOICES}")
            parsed["type"] = cls
        r = row.get("role", "")
        if r:
            slug = role_slug(r)
            if slug is None:
                self.problem(where, "role", r, f"one of {ROLE_CHOICES}")
            parsed["role"] = slug
        d = row.get("join_date", "")
        if d:
            date = parse_date(d)
            if date is None:
                self.problem(
                    where, "join_date", d, "a date such as 2019-05-20, 2019-05, 2019年5月 or 2019"
                )
            parsed["date"] = date
        c = row.get("credit_code", "")
        if c:
            code = normal_code(c)
            if len(code) != 18 or any(ch not in CODE_CHARS for ch in code):
                self.problem(
                    where,
                    "credit_code",
                    c,
                    "18 characters of 0-9 and A-Y without I, O, S, V, Z (GB 32100-2015)",
                )
            elif not credit_code_valid(code):
                self.problem(
                    where,
                    "credit_code",
                    c,
                    f"a valid check character (GB 32100-2015): the last character would be "
                    f"{credit_code_check_char(code[:17])!r}",
                )
            parsed["code"] = code
        a = row.get("alliance", "")
        if a:
            iri = self.alliances.get(name_key(a))
            if iri is None:
                self.problem(where, "alliance", a, "an alliance named in this import")
            parsed["alliance"] = iri
        else:
            parsed["alliance"] = self.alliance
            if self.alliance is None:
                self.problem(where, "alliance", "", "the alliance the member belongs to")
        return parsed if len(self.problems) == n else None

    def resolve_row(self, where: str, row: dict[str, str], parsed: dict[str, Any], ev: str) -> None:
        """Link the row to a known organisation, or plan a new one; record conflicts."""
        index = self.index
        name = row["name"]
        code: str = parsed.get("code") or ""
        by_code = index.codes.get(code) if code else None
        by_name = index.find("org", name)
        iri: str | None = None
        if by_code:
            others = by_name - {by_code}
            if by_name and others:
                self.problem(
                    where,
                    "credit_code",
                    code,
                    f"a code consistent with the name: the code belongs to "
                    f"{index.show(by_code)}, the name matches "
                    f"{'; '.join(index.show(i) for i in sorted(others))} (conflict; not merged)",
                )
                return
            iri = by_code
            if not by_name and name not in index.names.get(iri, ()):
                self.out.warnings.append(
                    f"{where}: {name!r} linked to {index.show(iri)} by its credit code "
                    f"{code}; the name is recorded as an alias"
                )
        elif (doubt := index.ambiguity("org", name)) is not None:
            # one match or none: the graph itself marks the name ambiguous
            why = "the graph marks it ambiguous (ag:UnresolvedName), candidates: "
            self.problem(
                where,
                "name",
                name,
                "a name that identifies one organisation; "
                + (why if len(by_name) <= 1 else "it matches ")
                + ("; ".join(index.show(i) for i in sorted(doubt)) or "none recorded")
                + " (give the full name or the credit code)",
            )
            return
        elif by_name:
            iri = next(iter(by_name))
            known = index.code_of.get(iri)
            if code and known and known != code:
                self.problem(
                    where,
                    "credit_code",
                    code,
                    f"the code of {index.show(iri)}, {known}, which the name matches "
                    "(conflict: two organisations with one name? not merged)",
                )
                return
        parsed["new"] = iri is None
        if iri is None:
            iri = self.mint("org", name, where)
            index.label[iri] = name
        parsed["iri"] = iri
        # later rows see this row's names and code
        index.add("org", iri, name)
        if row.get("alias"):
            for alias in split_aliases(row["alias"]):
                holders = index.find("org", alias) - {iri}
                if holders:
                    entry = self._shared.setdefault(alias, (set(), where))
                    entry[0].update(holders | {iri})
                    parsed.setdefault("shared", []).append(alias)
                index.add("org", iri, alias)
        if code:
            index.codes.setdefault(code, iri)
            index.code_of.setdefault(iri, code)

    def emit_row(self, where: str, row: dict[str, str], parsed: dict[str, Any], ev: str) -> None:
        iri = parsed["iri"]
        new = parsed["new"]
        if new:
            self.out.new["org"] = self.out.new.get("org", 0) + 1
            self._aliased.setdefault(iri, set()).add(row["name"])
            self.add(iri, RDFS + "label", ox.Literal(row["name"], language=lang_of(row["name"])))
            if lang_of(row["name"]) != "zh":
                self.add(iri, RDFS + "label", ox.Literal(row["name"], language="zh"))
            if row.get("name_en"):
                self.add(iri, RDFS + "label", ox.Literal(row["name_en"], language="en"))
                self._aliased[iri].add(row["name_en"])
            if not parsed.get("type"):
                self.add(iri, RDF + "type", ox.NamedNode(ORG + "Organization"))
        else:
            self.out.linked += 1
            # the spelling of this file is an alias where the graph did not have it yet
            if not self._has_name(iri, row["name"]):
                self.alias(iri, row["name"])
            if row.get("name_en") and not self._has_name(iri, row["name_en"]):
                self.alias(iri, row["name_en"])
        for alias in split_aliases(row.get("alias", "")):
            if not self._has_name(iri, alias) and alias != row["name"]:
                self.alias(iri, alias)
        if parsed.get("type"):
            self.add(iri, RDF + "type", ox.NamedNode(AG + parsed["type"]))
        alliance = parsed["alliance"]
        self.fact(where, alliance, ORG + "hasMember", ox.NamedNode(iri), ev)
        role, date = parsed.get("role"), parsed.get("date")
        if role or date:
            m = f"{AGR}import/{self.import_id}/m{where.rsplit(':', 1)[-1]}"
            if self.synthetic:
                self.flag(m)
            self.add(m, RDF + "type", ox.NamedNode(ORG + "Membership"))
            self.add(m, ORG + "member", ox.NamedNode(iri))
            self.add(m, ORG + "organization", ox.NamedNode(alliance))
            if role:
                self.fact(where, m, ORG + "role", self.role_node(role), ev)
                if role == "role-lead-unit":
                    self.fact(where, alliance, AG + "leadInstitution", ox.NamedNode(iri), ev)
            if date:
                lexical, datatype = date
                interval, instant = f"{m}-during", f"{m}-start"
                self.add(m, ORG + "memberDuring", ox.NamedNode(interval))
                self.add(interval, RDF + "type", ox.NamedNode(TIME + "Interval"))
                self.add(interval, TIME + "hasBeginning", ox.NamedNode(instant))
                self.add(instant, RDF + "type", ox.NamedNode(TIME + "Instant"))
                prop = {"date": "inXSDDate", "gYearMonth": "inXSDgYearMonth", "gYear": "inXSDgYear"}
                p = TIME + prop[datatype.removeprefix(XSD)]
                lit = ox.Literal(lexical, datatype=ox.NamedNode(datatype))
                self.fact(where, instant, p, lit, ev)
                if self.synthetic:
                    self.flag(interval)
                    self.flag(instant)
        code = parsed.get("code")
        if code and iri not in self._graph_codes:
            self.fact(where, iri, SCHEMA + "taxID", ox.Literal(code), ev)
        if row.get("location"):
            place = self.concept("place", AG + "Place", row["location"], where)
            self.fact(where, iri, AG + "locatedIn", ox.NamedNode(place), ev)
        field_iri = None
        if row.get("field"):
            field_iri = self.concept("field", AG + "IndustryField", row["field"], where)
            self.fact(where, iri, AG + "operatesIn", ox.NamedNode(field_iri), ev)
        if row.get("segment"):
            segment = self.concept("segment", AG + "ChainSegment", row["segment"], where)
            self.fact(where, iri, AG + "operatesIn", ox.NamedNode(segment), ev)
            if field_iri and segment in self.out.minted:
                key = ("seg", field_iri, segment)
                if key not in self._done:
                    self._done.add(key)
                    self.fact(where, field_iri, AG + "hasSegment", ox.NamedNode(segment), ev)

    def _has_name(self, iri: str, name: str) -> bool:
        return name in self._graph_names.get(iri, ()) or name in self._aliased.get(iri, ())

    def alias(self, iri: str, name: str) -> None:
        if name in self._aliased.setdefault(iri, set()):
            return
        self._aliased[iri].add(name)
        self.add(iri, SKOS + "altLabel", ox.Literal(name, language=lang_of(name)))
        self.out.aliases += 1

    def concept(self, kind: str, cls: str, name: str, where: str) -> str:
        """A place, field or segment by name: the known one, or a new node."""
        found = self.index.find(kind, name)
        if len(found) >= 1:
            return sorted(found)[0]
        iri = self.mint(kind, name, where)
        self.index.add(kind, iri, name)
        self.out.new[kind] = self.out.new.get(kind, 0) + 1
        self.add(iri, RDF + "type", ox.NamedNode(cls))
        self.add(iri, RDFS + "label", ox.Literal(name, language=lang_of(name)))
        if lang_of(name) != "zh":
            self.add(iri, RDFS + "label", ox.Literal(name, language="zh"))
        return iri

    def record_shared_names(self) -> None:
        """Report short names two organisations share, and keep the doubt queryable."""
        for alias, (iris, where) in sorted(self._shared.items()):
            shown = "; ".join(self.index.show(i) for i in sorted(iris))
            self.out.warnings.append(
                f"short name {alias!r} is shared by {len(iris)} organisations ({shown}); "
                "kept apart, recorded as ag:UnresolvedName"
            )
            node = f"{AGR}name-{_digest('shared', name_key(alias))}"
            self.add(node, RDF + "type", ox.NamedNode(AG + "UnresolvedName"))
            self.add(node, RDFS + "label", ox.Literal(alias, language=lang_of(alias)))
            if lang_of(alias) != "zh":
                self.add(node, RDFS + "label", ox.Literal(alias, language="zh"))
            note = f"简称“{alias}”为多个成员单位共用，未合并，待分析人员确认。"
            self.add(node, SKOS + "editorialNote", ox.Literal(note, language="zh"))
            if self.synthetic:
                self.flag(node)
            self.out.origins.setdefault(node, where)
            for iri in sorted(iris):
                ev = evidence_of([alias, self.index.label.get(iri, "")])
                self.fact(where, node, AG + "candidate", ox.NamedNode(iri), ev)

    def finish(self) -> CompiledImport:
        if self.problems:
            raise DataError(self.problems)
        return self.out
