"""Compile the curated tables in ``data/`` and the ontology into RDF quads with provenance.

The tables are what analysts read and extend (see the README, "Adding data"):

- ``sources.csv``    id, title, label_zh (when the title is not Chinese), publisher, creator,
                     issued, url, note
- ``entities.csv``   id, type, label_zh, label_en, alt_labels (``|``-separated), note
- ``facts.csv``      subject, predicate, object, datatype, source, evidence
- ``statistics.csv`` id, measure, value, unit, scope, source, evidence

Every fact row becomes the triple itself plus an ``rdf:Statement`` record naming its source
and evidence quote. Every problem found is collected with its ``file:line`` before anything
is returned, so one run reports them all. This module never writes a file.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable
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
    OWL,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    XSD,
    expand,
)
from .quotes import SOURCES_DIR, found, source_texts
from .text import lang_of

TABLES = ("sources.csv", "entities.csv", "facts.csv", "statistics.csv")
ONTOLOGY_FILES = ("alliance.ttl",)
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
    """Reads ``data_dir`` and ``ontology_dir`` into a :class:`Compiled` graph."""

    def __init__(self, data_dir: Path, ontology_dir: Path, root: Path | None = None):
        self.data_dir, self.ontology_dir = Path(data_dir), Path(ontology_dir)
        self.root = root
        self.problems: list[Problem] = []
        self.out = Compiled()
        self.terms: set[str] = set()  # IRIs the ontology defines (as subjects)
        self.classes: set[str] = set()
        self.entities: dict[str, str] = {}  # slug -> class IRI
        self.sources: set[str] = set()
        self.texts = source_texts(self.data_dir)  # stored source texts quotes are held to

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

    def table(self, name: str) -> Path:
        return self.data_dir / name

    def compile(self) -> Compiled:
        self.load_ontology()
        missing = [n for n in TABLES if not self.table(n).exists()]
        if missing:
            raise DataError(
                [Problem(self.display(self.table(n)), "file not found") for n in missing]
            )
        self.read_sources()
        self.read_entities()
        self.read_facts()
        self.read_statistics()
        if self.problems:
            raise DataError(self.problems)
        return self.out

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
        if slug in self.entities or slug in self.sources:
            self.problem(
                where,
                f"id {slug!r} is declared twice (first at {self.out.origins.get(AGR + slug)})",
            )
            return None
        node = ox.NamedNode(AGR + slug)
        self.out.origins[node.value] = where
        return node

    def read_sources(self) -> None:
        path = self.table("sources.csv")
        cols = ("id", "title", "label_zh", "publisher", "creator", "issued", "url", "note")
        for where, row in _rows(path, self.display(path), cols):
            if self._extra(where, row):
                continue
            node = self._declare(where, row["id"], "source")
            if node is None:
                continue
            self.sources.add(row["id"])
            g = GRAPH_CURATED
            self.out.add(node, RDF + "type", ox.NamedNode(AG + "SourceDocument"), g)
            if not row["title"]:
                self.problem(where, "a source needs a title", row["id"])
                continue
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

    def read_entities(self) -> None:
        path = self.table("entities.csv")
        cols = ("id", "type", "label_zh", "label_en", "alt_labels", "note")
        g = GRAPH_CURATED
        for where, row in _rows(path, self.display(path), cols):
            if self._extra(where, row):
                continue
            slug = row["id"]
            node = self._declare(where, slug, "entity")
            if node is None:
                continue
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
            if row["note"]:
                self.out.add(
                    node,
                    SKOS + "editorialNote",
                    ox.Literal(row["note"], language=lang_of(row["note"])),
                    g,
                )

    def node(self, where: str, ref: str, what: str) -> ox.NamedNode | None:
        """Resolve an entity id, a prefixed name or an <IRI> to a node, or record a problem."""
        if ref in self.entities or ref in self.sources:
            return ox.NamedNode(AGR + ref)
        iri = expand(ref) if (":" in ref) else None
        if iri and (iri in self.terms or iri.removeprefix(AGR) in self.entities):
            return ox.NamedNode(iri)
        self.problem(
            where,
            f"unknown {what} {ref!r}; expected an id declared in "
            "entities.csv or sources.csv, or a term of the ontology",
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
        g = GRAPH_CURATED
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
        if row["source"] not in self.sources:
            self.problem(where, f"unknown source {row['source']!r}; expected an id of sources.csv")
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

    def read_facts(self) -> None:
        path = self.table("facts.csv")
        cols = ("subject", "predicate", "object", "datatype", "source", "evidence")
        for where, row in _rows(path, self.display(path), cols):
            if self._extra(where, row):
                continue
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

    def read_statistics(self) -> None:
        path = self.table("statistics.csv")
        cols = ("id", "measure", "value", "unit", "scope", "source", "evidence")
        for where, row in _rows(path, self.display(path), cols):
            if self._extra(where, row):
                continue
            node = self._declare(where, row["id"], "statistic")
            if node is None:
                continue
            self.entities[row["id"]] = AG + "ReportedStatistic"
            g = GRAPH_CURATED
            self.out.add(node, RDF + "type", ox.NamedNode(AG + "ReportedStatistic"), g)
            dt = XSD + ("integer" if LEXICAL[XSD + "integer"].match(row["value"]) else "decimal")
            value = self.literal(where, row["value"], dt, "value")
            measure = self.node(where, row["measure"], "measure")
            unit = self.node(where, row["unit"], "unit")
            scope = self.node(where, row["scope"], "scope")
            if not (value and measure and unit and scope and self.check_source(where, row)):
                continue
            for p, o in (
                (RDF + "value", value),
                (AG + "measure", measure),
                (AG + "unit", unit),
                (AG + "scope", scope),
            ):
                self.record(where, node, p, o, row["source"], row["evidence"])
            self.label_statistic(node, measure, unit, row["value"])

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
        g = GRAPH_CURATED
        for lang, sep in (("zh", "："), ("en", ": ")):
            m = labels.get((measure.value, lang))
            u = labels.get((unit.value, lang), "")
            if m:
                text = f"{m}{sep}{value}{u}" if lang == "zh" else f"{m}{sep}{value} {u}".strip()
                self.out.add(node, RDFS + "label", ox.Literal(text, language=lang), g)


def compile_inputs(data_dir: Path, ontology_dir: Path, root: Path | None = None) -> Compiled:
    """Compile the curated tables and the ontology; raise DataError listing every problem."""
    return Compiler(data_dir, ontology_dir, root).compile()


def table_quotes(data_dir: Path, root: Path | None = None) -> list[tuple[str, str, str]]:
    """Every evidence quote of the fact and statistic tables as ``(file:line, quote,
    source id)``, for :func:`alliancegraph.quotes.check`."""
    out = []
    for name in ("facts.csv", "statistics.csv"):
        path = Path(data_dir) / name
        display = Compiler(data_dir, data_dir, root).display(path)
        for where, row in _rows(path, display, ("source", "evidence")):
            if "__extra__" not in row and row.get("evidence"):
                out.append((where, row["evidence"], row["source"]))
    return out
