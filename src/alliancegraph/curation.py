"""Compile the curated tables in ``data/`` and the ontology into RDF quads with provenance.

The tables are what analysts read and extend (see the README, "Adding data"):

- ``sources.csv``    id, title, label_zh (when the title is not Chinese), publisher, creator,
                     issued, url, note
- ``entities.csv``   id, type, label_zh, label_en, alt_labels (``|``-separated), note
- ``facts.csv``      subject, predicate, object, datatype, source, evidence
- ``statistics.csv`` id, measure, value, unit, scope, source, evidence (optional: period,
                     approximate)
- ``memberships.csv`` (optional) organization, member, role, since, source, evidence
- ``aliases.csv``    (optional) entity, alias, source, evidence: quoted short forms

Every fact row becomes the triple itself plus an ``rdf:Statement`` record naming its source
and evidence quote. Every problem found is collected with its ``file:line`` before anything
is returned, so one run reports them all. This module never writes a file.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .errors import DataError, Problem
from .namespaces import (
    AG,
    AGR,
    DCTERMS,
    GRAPH_CURATED,
    GRAPH_ONTOLOGY,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    XSD,
    expand,
)
from .quotes import SOURCES_DIR, found, source_texts, squeeze
from .text import lang_of

TABLES = ("sources.csv", "entities.csv", "facts.csv", "statistics.csv")
#: The columns of each table, in order (a workspace's empty tables have these headers; an
#: import of entities or facts has the same columns).
COLUMNS: dict[str, tuple[str, ...]] = {
    "sources.csv": ("id", "title", "label_zh", "publisher", "creator", "issued", "url", "note"),
    "entities.csv": ("id", "type", "label_zh", "label_en", "alt_labels", "note"),
    "facts.csv": ("subject", "predicate", "object", "datatype", "source", "evidence"),
    "statistics.csv": ("id", "measure", "value", "unit", "scope", "source", "evidence"),
}
ONTOLOGY_FILES = ("alliance.ttl",)
#: Tables a data folder may hold besides :data:`TABLES` (the audit of issue 15; README,
#: "Adding data"), and their required columns. Optional columns of the other tables:
#: facts.csv ``basis``, statistics.csv ``period`` and ``approximate``.
OPTIONAL_TABLES: dict[str, tuple[str, ...]] = {
    "memberships.csv": ("organization", "member", "role", "since", "source", "evidence"),
    "aliases.csv": ("entity", "alias", "source", "evidence"),
}
#: The built-in roles of a membership: zh and en label (as imports label them) and the plain
#: triple a membership of the role states besides the org:Membership. A fact of that plain
#: property in facts.csv gets its org:Membership too.
ROLES = {
    "role-lead-unit": (
        "牵头单位", "lead unit", "https://w3id.org/alliancegraph/ontology#leadInstitution"
    ),
    "role-supporting-unit": (
        "依托单位", "supporting unit",
        "https://w3id.org/alliancegraph/ontology#supportingInstitution",
    ),
}  # fmt: skip
ROLE_OF_PROPERTY = {prop: role for role, (_, _, prop) in ROLES.items()}
FIELD_SCHEME = "scheme-industry-fields"
TIME = "http://www.w3.org/2006/time#"
TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")

#: Lexical forms the build accepts for each datatype (stricter than "anything parses").
LEXICAL = {
    XSD + "date": re.compile(r"^-?\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"),
    XSD + "gYearMonth": re.compile(r"^-?\d{4}-(0[1-9]|1[0-2])$"),
    XSD + "gYear": re.compile(r"^-?\d{4}$"),
    XSD + "integer": re.compile(r"^[+-]?\d+$"),
    XSD + "decimal": re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$"),
    XSD + "boolean": re.compile(r"^(true|false|1|0)$"),
    XSD + "string": re.compile(r"^.*$", re.S),
    XSD + "anyURI": re.compile(r"^\S+$"),
}
EXPECTED = {
    XSD + "date": "a date YYYY-MM-DD",
    XSD + "gYearMonth": "a year and month YYYY-MM",
    XSD + "gYear": "a year YYYY",
    XSD + "integer": "an integer",
    XSD + "decimal": "a decimal number",
    XSD + "boolean": "true or false",
    XSD + "anyURI": "an IRI",
}

_type = ox.NamedNode(RDF + "type")
_label = ox.NamedNode(RDFS + "label")
_alt = ox.NamedNode(SKOS + "altLabel")


def statement_iri(s: str, p: str, o: str, source: str, evidence: str) -> str:
    """A stable IRI for a provenance record: same fact and evidence, same IRI, every build."""
    digest = hashlib.sha1("\x1f".join((s, p, o, source, evidence)).encode()).hexdigest()[:16]
    return f"{AGR}statement/{digest}"


@dataclass
class Compiled:
    """The quads of the ontology and curated graphs, and where each node or fact came from."""

    quads: list[ox.Quad] = field(default_factory=list)
    #: IRI of an entity, record or statistic -> "file:line" it was declared at
    origins: dict[str, str] = field(default_factory=dict)
    #: (s, p, o) as N-Triples strings -> "file:line"
    fact_origins: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def add(self, s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal, graph: str) -> None:
        self.quads.append(ox.Quad(s, ox.NamedNode(p), o, ox.NamedNode(graph)))


def parse_ontology(path: Path, display: str) -> list[ox.Triple]:
    """Parse one Turtle file with Oxigraph, turning a syntax error into file:line:column."""
    try:
        return [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    except SyntaxError as e:
        line, col = _position(e)
        raise DataError(
            [Problem(f"{display}:{line}:{col}", f"Turtle syntax error: {_msg(e)}")]
        ) from None
    except OSError as e:
        raise DataError([Problem(display, f"cannot read: {e.strerror}")]) from None


def _position(e: SyntaxError) -> tuple[int | None, int | None]:
    line, col = e.lineno, e.offset
    if line is None:
        m = re.search(r"line (\d+)(?:.*?column[s]? (\d+))?", str(e))
        if m:
            line, col = int(m.group(1)), int(m.group(2) or 1)
    return line, col


def _msg(e: SyntaxError) -> str:
    return (e.msg or str(e)).strip()


def _rows(path: Path, display: str, columns: tuple[str, ...]) -> Iterable[tuple[str, dict]]:
    """Yield ("file:line", row) for each data row, checking the header first."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        missing = [c for c in columns if c not in header]
        if missing:
            raise DataError(
                [
                    Problem(
                        f"{display}:1",
                        f"missing column(s) {', '.join(missing)}; expected {', '.join(columns)}",
                    )
                ]
            )
        start = 2
        for row in reader:
            where = f"{display}:{start}"
            start = reader.line_num + 1
            if None in row:
                yield where, {"__extra__": row[None]}
                continue
            yield where, {k: (v or "").strip() for k, v in row.items()}


class Compiler:
    """Reads ``data_dir`` (after the ``base_dirs`` compiled with it: a workspace's base
    layer) and ``ontology_dir`` into a :class:`Compiled` graph.

    Each table row is checked and compiled by one method (:meth:`source_row`,
    :meth:`entity_row`, :meth:`fact_row`, :meth:`statistic_row`), the same for the
    curated tables and for an import of entity or fact rows (``imports.tables``, which
    knows the ids of the graph it joins through :meth:`known_entity` and
    :meth:`known_source`)."""

    #: where a known id is declared, for the messages
    declared_in = "entities.csv or sources.csv"

    def __init__(
        self,
        data_dir: Path,
        ontology_dir: Path,
        root: Path | None = None,
        base_dirs: Iterable[Path] = (),
        graph: str = GRAPH_CURATED,
    ):
        self.data_dir, self.ontology_dir = Path(data_dir), Path(ontology_dir)
        self.data_dirs = [*(Path(d) for d in base_dirs), self.data_dir]
        self.root = root
        self.graph = graph
        self.problems: list[Problem] = []
        self.out = Compiled()
        self.terms: set[str] = set()  # IRIs the ontology defines (as subjects)
        self.classes: set[str] = set()
        self.entities: dict[str, str] = {}  # slug -> class IRI
        self.sources: set[str] = set()
        self.texts: dict[str, str] = {}  # stored source texts quotes are held to
        self._membership_rows: dict[tuple[str, str, str], str] = {}  # -> "file:line"
        for d in self.data_dirs:
            self.texts.update(source_texts(d))

    def known_entity(self, slug: str) -> bool:
        """Whether ``slug`` names an entity (or statistic) declared so far."""
        return slug in self.entities

    def known_source(self, slug: str) -> bool:
        """Whether ``slug`` names a source declared so far."""
        return slug in self.sources

    def display(self, path: Path) -> str:
        if self.root:
            try:
                return str(path.resolve().relative_to(self.root.resolve()))
            except ValueError:
                pass
        return str(path)

    def problem(self, where: str, message: str, subject: str | None = None) -> None:
        self.problems.append(Problem(where, message, subject))

    # -- ontology ------------------------------------------------------------------------

    def load_ontology(self) -> None:
        for name in ONTOLOGY_FILES:
            path = self.ontology_dir / name
            for t in parse_ontology(path, self.display(path)):
                self.out.quads.append(
                    ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(GRAPH_ONTOLOGY))
                )
                if isinstance(t.subject, ox.NamedNode):
                    self.terms.add(t.subject.value)
                    if (
                        t.predicate == _type
                        and not isinstance(t.object, ox.Triple)
                        and t.object.value == OWL + "Class"
                    ):
                        self.classes.add(t.subject.value)

    # -- tables --------------------------------------------------------------------------

    def table(self, name: str, data_dir: Path | None = None) -> Path:
        return (data_dir or self.data_dir) / name

    def compile(self) -> Compiled:
        self.load_ontology()
        tables = [self.table(n, d) for d in self.data_dirs for n in TABLES]
        missing = [p for p in tables if not p.exists()]
        if missing:
            raise DataError([Problem(self.display(p), "file not found") for p in missing])
        for d in self.data_dirs:
            self.read_table("sources.csv", self.source_row, d)
        for d in self.data_dirs:
            self.read_table("entities.csv", self.entity_row, d)
        for d in self.data_dirs:
            self.read_table("facts.csv", self.fact_row, d)
        for d in self.data_dirs:
            self.read_table("statistics.csv", self.statistic_row, d)
        for d in self.data_dirs:
            self.read_optional_tables(d)
        self.field_scheme()
        if self.problems:
            raise DataError(self.problems)
        return self.out

    def read_table(self, name: str, compile_row: Callable[[str, dict], None], d: Path) -> None:
        path = self.table(name, d)
        for where, row in _rows(path, self.display(path), COLUMNS[name]):
            if not self._extra(where, row):
                compile_row(where, row)

    def _extra(self, where: str, row: dict) -> bool:
        if "__extra__" in row:
            self.problem(
                where,
                f"more cells than the header names: {row['__extra__']!r}; "
                "quote a cell that holds a comma",
            )
            return True
        return False

    def _declare(self, where: str, slug: str, kind: str) -> ox.NamedNode | None:
        if not SLUG.match(slug):
            self.problem(where, f"id {slug!r} is not a slug (lower-case letters, digits, '-')")
            return None
        if self.known_entity(slug) or self.known_source(slug):
            first = self.out.origins.get(AGR + slug)
            at = f"first at {first}" if first else "the graph holds it already"
            self.problem(where, f"id {slug!r} is declared twice ({at})")
            return None
        node = ox.NamedNode(AGR + slug)
        self.out.origins[node.value] = where
        return node

    def source_row(self, where: str, row: dict) -> None:
        """One row of ``sources.csv``."""
        node = self._declare(where, row["id"], "source")
        if node is None:
            return
        self.sources.add(row["id"])
        g = self.graph
        self.out.add(node, RDF + "type", ox.NamedNode(AG + "SourceDocument"), g)
        if not row["title"]:
            self.problem(where, "a source needs a title", row["id"])
            return
        self.out.add(
            node, RDFS + "label", ox.Literal(row["title"], language=lang_of(row["title"])), g
        )
        if row["label_zh"] and row["label_zh"] != row["title"]:
            self.out.add(node, RDFS + "label", ox.Literal(row["label_zh"], language="zh"), g)
        self.out.add(node, DCTERMS + "title", ox.Literal(row["title"]), g)
        for col in ("publisher", "creator"):
            if row[col]:
                self.out.add(node, DCTERMS + col, ox.Literal(row[col]), g)
        if row["issued"]:
            lit = self.literal(where, row["issued"], self.date_type(row["issued"]), "issued")
            if lit is not None:
                self.out.add(node, DCTERMS + "issued", lit, g)
        if row["url"]:
            self.out.add(
                node,
                SCHEMA + "url",
                ox.Literal(row["url"], datatype=ox.NamedNode(XSD + "anyURI")),
                g,
            )
        if row["note"]:
            self.out.add(
                node, SKOS + "note", ox.Literal(row["note"], language=lang_of(row["note"])), g
            )

    @staticmethod
    def date_type(text: str) -> str:
        return {4: XSD + "gYear", 7: XSD + "gYearMonth"}.get(len(text), XSD + "date")

    def entity_row(self, where: str, row: dict) -> None:
        """One row of ``entities.csv``."""
        g = self.graph
        slug = row["id"]
        node = self._declare(where, slug, "entity")
        if node is None:
            return
        cls = expand(row["type"]) if ":" in row["type"] else AG + row["type"]
        if not row["type"] or cls not in self.classes:
            self.problem(
                where,
                f"unknown type {row['type']!r}; expected a class of the "
                "ontology such as Alliance, Enterprise, University",
                slug,
            )
            cls = None
        self.entities[slug] = cls or ""
        if cls:
            self.out.add(node, RDF + "type", ox.NamedNode(cls), g)
        if not row["label_zh"]:
            self.problem(where, "no Chinese label (label_zh); every entity needs one", slug)
        else:
            self.out.add(node, RDFS + "label", ox.Literal(row["label_zh"], language="zh"), g)
        if row["label_en"]:
            self.out.add(node, RDFS + "label", ox.Literal(row["label_en"], language="en"), g)
        for alt in filter(None, (a.strip() for a in row["alt_labels"].split("|"))):
            self.out.add(node, SKOS + "altLabel", ox.Literal(alt, language=lang_of(alt)), g)
            self.out.add(node, AG + "curatorAlias", ox.Literal(alt, language=lang_of(alt)), g)
        if row["note"]:
            self.out.add(
                node,
                SKOS + "editorialNote",
                ox.Literal(row["note"], language=lang_of(row["note"])),
                g,
            )

    def node(self, where: str, ref: str, what: str) -> ox.NamedNode | None:
        """Resolve an entity id, a prefixed name or an <IRI> to a node, or record a problem."""
        if self.known_entity(ref) or self.known_source(ref):
            return ox.NamedNode(AGR + ref)
        iri = expand(ref) if (":" in ref) else None
        if iri and (
            iri in self.terms or (iri.startswith(AGR) and self.known_entity(iri.removeprefix(AGR)))
        ):
            return ox.NamedNode(iri)
        self.problem(
            where,
            f"unknown {what} {ref!r}; expected an id declared in "
            f"{self.declared_in}, or a term of the ontology",
        )
        return None

    def literal(self, where: str, text: str, datatype: str, column: str) -> ox.Literal | None:
        if datatype.startswith("@"):
            return ox.Literal(text, language=datatype[1:])
        pattern = LEXICAL.get(datatype)
        if pattern is None:
            self.problem(
                where,
                f"unsupported datatype {datatype!r} in column {column}; "
                f"expected one of {', '.join(sorted(LEXICAL))} or @lang",
            )
            return None
        if not pattern.match(text):
            self.problem(
                where,
                f"malformed value {text!r} in column {column}: expected "
                f"{EXPECTED.get(datatype, datatype)}",
            )
            return None
        return ox.Literal(text, datatype=ox.NamedNode(datatype))

    def record(
        self,
        where: str,
        s: ox.NamedNode,
        p: str,
        o: ox.NamedNode | ox.Literal,
        source: str,
        evidence: str,
    ) -> None:
        """Assert the fact and its provenance record."""
        g = self.graph
        self.out.add(s, p, o, g)
        rec = ox.NamedNode(statement_iri(s.value, p, str(o), source, evidence))
        self.out.add(rec, RDF + "type", ox.NamedNode(RDF + "Statement"), g)
        self.out.add(rec, RDF + "subject", s, g)
        self.out.add(rec, RDF + "predicate", ox.NamedNode(p), g)
        self.out.add(rec, RDF + "object", o, g)
        self.out.add(rec, PROV + "wasDerivedFrom", ox.NamedNode(AGR + source), g)
        self.out.add(rec, AG + "evidenceText", ox.Literal(evidence, language=lang_of(evidence)), g)
        self.out.add(rec, AG + "sourceLocation", ox.Literal(where), g)
        self.out.origins[rec.value] = where
        self.out.fact_origins.setdefault((str(s), f"<{p}>", str(o)), where)

    def check_source(self, where: str, row: dict) -> bool:
        ok = True
        if not self.known_source(row["source"]):
            self.problem(
                where,
                f"unknown source {row['source']!r}; expected a source id of {self.declared_in}"
                if row["source"]
                else "no source; every fact needs the id of the source that states it",
            )
            ok = False
        if not row["evidence"]:
            self.problem(where, "no evidence quote; every fact needs a short verbatim quote")
            ok = False
        elif row["source"] in self.texts and not found(row["evidence"], self.texts[row["source"]]):
            self.problem(
                where,
                f"evidence {row['evidence']!r} is not verbatim in "
                f"{SOURCES_DIR}/{row['source']}.txt (white space aside; … marks a gap)",
            )
            ok = False
        return ok

    def fact_row(self, where: str, row: dict) -> None:
        """One row of ``facts.csv``: the fact and its provenance record."""
        s = self.node(where, row["subject"], "subject")
        p = expand(row["predicate"])
        if p is None or p not in self.terms:
            self.problem(
                where,
                f"unknown predicate {row['predicate']!r}; expected a "
                "property of the ontology such as ag:leadInstitution",
            )
            p = None
        o: ox.Literal | ox.NamedNode | None
        if row["datatype"]:
            dt = row["datatype"] if row["datatype"].startswith("@") else expand(row["datatype"])
            o = self.literal(where, row["object"], dt or row["datatype"], "object")
        else:
            o = self.node(where, row["object"], "object")
        if self.check_source(where, row) and s and p and o:
            self.record(where, s, p, o, row["source"], row["evidence"])
            self.fact_basis(where, row, s, p, o)
            if isinstance(o, ox.NamedNode) and p in ROLE_OF_PROPERTY:
                self.membership(where, s, o, ROLE_OF_PROPERTY[p], row["source"], row["evidence"])

    def statistic_row(self, where: str, row: dict) -> None:
        """One row of ``statistics.csv``: a reported figure, each part with its provenance."""
        node = self._declare(where, row["id"], "statistic")
        if node is None:
            return
        self.entities[row["id"]] = AG + "ReportedStatistic"
        g = self.graph
        self.out.add(node, RDF + "type", ox.NamedNode(AG + "ReportedStatistic"), g)
        dt = XSD + ("integer" if LEXICAL[XSD + "integer"].match(row["value"]) else "decimal")
        value = self.literal(where, row["value"], dt, "value")
        measure = self.node(where, row["measure"], "measure")
        unit = self.node(where, row["unit"], "unit")
        scope = self.node(where, row["scope"], "scope")
        if not (value and measure and unit and scope and self.check_source(where, row)):
            return
        for p, o in (
            (RDF + "value", value),
            (AG + "measure", measure),
            (AG + "unit", unit),
            (AG + "scope", scope),
        ):
            self.record(where, node, p, o, row["source"], row["evidence"])
        self.label_statistic(node, measure, unit, row["value"])
        self.statistic_qualifiers(where, node, row)

    def label_statistic(
        self, node: ox.NamedNode, measure: ox.NamedNode, unit: ox.NamedNode, value: str
    ) -> None:
        """Label a figure from its measure and unit, e.g. 成员单位数：1934家."""
        labels: dict[tuple[str, str], str] = {}
        for q in self.out.quads:
            if (
                q.predicate == _label
                and q.subject in (measure, unit)
                and isinstance(q.subject, ox.NamedNode)
                and isinstance(q.object, ox.Literal)
            ):
                labels[(q.subject.value, q.object.language or "")] = q.object.value
        g = self.graph
        for lang, sep in (("zh", "："), ("en", ": ")):
            m = labels.get((measure.value, lang))
            u = labels.get((unit.value, lang), "")
            if m:
                text = f"{m}{sep}{value}{u}" if lang == "zh" else f"{m}{sep}{value} {u}".strip()
                self.out.add(node, RDFS + "label", ox.Literal(text, language=lang), g)

    # -- the audit of issue 15: memberships, quoted aliases, statistic qualifiers, the
    #    industry-field scheme and the curators' marks (the optional tables and columns) --

    def read_optional_tables(self, d: Path) -> None:
        """``memberships.csv`` and ``aliases.csv`` of one data folder, where they exist."""
        readers = {"memberships.csv": self.membership_row, "aliases.csv": self.alias_row}
        for name, compile_row in readers.items():
            path = self.table(name, d)
            if not path.exists():
                continue
            for where, row in _rows(path, self.display(path), OPTIONAL_TABLES[name]):
                if not self._extra(where, row):
                    compile_row(where, row)

    def labels_of(self, *nodes: ox.NamedNode) -> dict[tuple[str, str], str]:
        """The rdfs:label of ``nodes`` compiled so far, by (IRI, language)."""
        labels: dict[tuple[str, str], str] = {}
        for q in self.out.quads:
            if (
                q.predicate == _label
                and q.subject in nodes
                and isinstance(q.subject, ox.NamedNode)
                and isinstance(q.object, ox.Literal)
            ):
                labels.setdefault((q.subject.value, q.object.language or ""), q.object.value)
        return labels

    def membership_row(self, where: str, row: dict) -> None:
        """One row of ``memberships.csv``: an ``org:Membership`` with its ``org:role`` and,
        with ``since``, ``org:memberDuring`` (see :meth:`membership`)."""
        organization = self.node(where, row["organization"], "organization")
        member = self.node(where, row["member"], "member")
        role = row["role"]
        if not role:
            self.problem(where, "no role; expected role-lead-unit, role-supporting-unit or "
                                "the id of an entity of type org:Role")  # fmt: skip
        elif role not in ROLES and self.entities.get(role) != ORG + "Role":
            self.problem(
                where,
                f"unknown role {role!r}; expected role-lead-unit (牵头单位), "
                "role-supporting-unit (依托单位) or the id of an entity of type org:Role",
            )
            role = ""
        since = None
        if row["since"]:
            since = self.literal(where, row["since"], self.date_type(row["since"]), "since")
        sourced = self.check_source(where, row)
        if not (sourced and organization and member and role) or (row["since"] and not since):
            return
        key = (organization.value, member.value, role)
        if key in self._membership_rows:
            self.problem(
                where, f"this membership is stated twice (first at {self._membership_rows[key]})"
            )
            return
        self._membership_rows[key] = where
        self.membership(where, organization, member, role, row["source"], row["evidence"], since)

    def membership(
        self,
        where: str,
        organization: ox.NamedNode,
        member: ox.NamedNode,
        role: str,
        source: str,
        evidence: str,
        since: ox.Literal | None = None,
    ) -> None:
        """An ``org:Membership`` (``org:member``, ``org:organization``, ``org:role`` and, with
        ``since``, ``org:memberDuring``) and the plain triple, as imports write them:
        ``ag:leadInstitution`` for the lead role, ``ag:supportingInstitution`` for the
        supporting role, ``org:hasMember`` for any other."""
        g = self.graph
        # a record, not an entity (no label: search finds the organisations, not this)
        m = ox.NamedNode(
            f"{AGR}membership/{organization.value.removeprefix(AGR)}/"
            f"{member.value.removeprefix(AGR)}/{role.removeprefix('role-')}"
        )
        role_node = self.role_node(role)
        if m.value not in self.out.origins:
            self.out.origins[m.value] = where
            self.out.add(m, RDF + "type", ox.NamedNode(ORG + "Membership"), g)
            self.out.add(m, ORG + "member", member, g)
            self.out.add(m, ORG + "organization", organization, g)
        self.record(where, m, ORG + "role", role_node, source, evidence)
        plain = ROLES[role][2] if role in ROLES else ORG + "hasMember"
        self.record(where, organization, plain, member, source, evidence)
        if since is not None:
            interval, instant = ox.NamedNode(m.value + "/during"), ox.NamedNode(m.value + "/start")
            self.out.add(m, ORG + "memberDuring", interval, g)
            self.out.add(interval, RDF + "type", ox.NamedNode(TIME + "Interval"), g)
            self.out.add(interval, TIME + "hasBeginning", instant, g)
            self.out.add(instant, RDF + "type", ox.NamedNode(TIME + "Instant"), g)
            kind = since.datatype.value.removeprefix(XSD)
            prop = {"date": "inXSDDate", "gYearMonth": "inXSDgYearMonth", "gYear": "inXSDgYear"}
            self.record(where, instant, TIME + prop[kind], since, source, evidence)

    def role_node(self, role: str) -> ox.NamedNode:
        """The node of a role; a built-in role (:data:`ROLES`) not declared in entities.csv
        is declared here once, typed and labelled as imports declare it."""
        node = ox.NamedNode(AGR + role)
        if role in ROLES and role not in self.entities and node.value not in self.out.origins:
            self.out.origins[node.value] = "memberships.csv"
            g = self.graph
            self.out.add(node, RDF + "type", ox.NamedNode(ORG + "Role"), g)
            for text, lang in zip(ROLES[role][:2], ("zh", "en"), strict=True):
                self.out.add(node, RDFS + "label", ox.Literal(text, language=lang), g)
        return node

    def alias_row(self, where: str, row: dict) -> None:
        """One row of ``aliases.csv``: a short form a source uses, quoted (``skos:altLabel``
        with a provenance record). Short forms no source gives are ``alt_labels`` of
        entities.csv, marked ``ag:curatorAlias``."""
        entity = self.node(where, row["entity"], "entity")
        alias = row["alias"]
        ok = bool(alias)
        if not alias:
            self.problem(where, "no alias; expected the short form as the quote writes it")
        elif row["evidence"] and squeeze(alias) not in squeeze(row["evidence"]):
            self.problem(where, f"alias {alias!r} does not stand in its quote {row['evidence']!r}")
            ok = False
        if self.check_source(where, row) and entity and ok:
            lit = ox.Literal(alias, language=lang_of(alias))
            self.record(where, entity, SKOS + "altLabel", lit, row["source"], row["evidence"])

    def fact_basis(
        self, where: str, row: dict, s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal
    ) -> None:
        """The optional ``basis`` column of facts.csv: ``curator`` marks a fact the curators
        inferred from the quote (``ag:curatorInference true`` on its provenance record)."""
        basis = row.get("basis") or ""
        if not basis:
            return
        if basis != "curator":
            self.problem(
                where,
                f"unknown basis {basis!r}; expected curator (the curators inferred the fact "
                "from the quote) or nothing (the source states it)",
            )
            return
        rec = ox.NamedNode(statement_iri(s.value, p, str(o), row["source"], row["evidence"]))
        self.out.add(rec, AG + "curatorInference", TRUE, self.graph)

    def statistic_qualifiers(self, where: str, node: ox.NamedNode, row: dict) -> None:
        """The optional ``period`` and ``approximate`` columns of statistics.csv: the
        figure's ``ag:referencePeriod`` (an ``ag:ReferencePeriod`` of entities.csv) and
        ``ag:approximate true`` where the source rounds it, each with its provenance."""
        src, ev = row["source"], row["evidence"]
        period = row.get("period") or ""
        if period:
            ref = self.node(where, period, "period")
            if ref is not None and self.entities.get(ref.value.removeprefix(AGR)) != (
                AG + "ReferencePeriod"
            ):
                self.problem(
                    where,
                    f"period {period!r} is not a reference period; expected the id of an "
                    "entity of type ReferencePeriod",
                )
            elif ref is not None:
                self.record(where, node, AG + "referencePeriod", ref, src, ev)
        approximate = row.get("approximate") or ""
        if approximate:
            lit = self.literal(where, approximate, XSD + "boolean", "approximate")
            if lit is not None:
                self.record(where, node, AG + "approximate", lit, src, ev)

    def field_scheme(self) -> None:
        """Every industry field as a ``skos:Concept`` of the scheme
        ``agr:scheme-industry-fields``, with ``skos:prefLabel`` (its rdfs:label)."""
        fields = [
            ox.NamedNode(AGR + slug)
            for slug, cls in self.entities.items()
            if cls == AG + "IndustryField"
        ]
        if not fields:
            return
        g, scheme = self.graph, ox.NamedNode(AGR + FIELD_SCHEME)
        self.out.add(scheme, RDF + "type", ox.NamedNode(SKOS + "ConceptScheme"), g)
        for text, lang in (("产业/技术领域", "zh"), ("industry fields", "en")):
            self.out.add(scheme, RDFS + "label", ox.Literal(text, language=lang), g)
        self.out.origins.setdefault(scheme.value, "entities.csv")
        labels = self.labels_of(*fields)
        for f in fields:
            self.out.add(f, SKOS + "inScheme", scheme, g)
            for lang in ("zh", "en"):
                if (f.value, lang) in labels:
                    text = labels[(f.value, lang)]
                    self.out.add(f, SKOS + "prefLabel", ox.Literal(text, language=lang), g)


def compile_inputs(
    data_dir: Path, ontology_dir: Path, root: Path | None = None, base_dirs: Iterable[Path] = ()
) -> Compiled:
    """Compile the curated tables (after those of ``base_dirs``) and the ontology; raise
    DataError listing every problem."""
    return Compiler(data_dir, ontology_dir, root, base_dirs).compile()


def table_quotes(data_dir: Path, root: Path | None = None) -> list[tuple[str, str, str]]:
    """Every evidence quote of the fact and statistic tables as ``(file:line, quote,
    source id)``, for :func:`alliancegraph.quotes.check`."""
    out = []
    for name in ("facts.csv", "statistics.csv", *OPTIONAL_TABLES):
        path = Path(data_dir) / name
        if name in OPTIONAL_TABLES and not path.exists():
            continue
        display = Compiler(data_dir, data_dir, root).display(path)
        for where, row in _rows(path, display, ("source", "evidence")):
            if "__extra__" not in row and row.get("evidence"):
                out.append((where, row["evidence"], row["source"]))
    return out
