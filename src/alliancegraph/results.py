"""Query results in one shape, whichever store answered: rows of Oxigraph terms.

A result serialises to the W3C formats (SPARQL 1.1 Query Results JSON, XML, CSV, TSV;
Turtle or N-Triples for graphs) and becomes a pandas DataFrame that keeps what kglab and
sparql-dataframe drop: each variable that holds literals gets ``<var>_lang`` and
``<var>_datatype`` columns beside its value. pandas is imported only when asked for.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import pyoxigraph as ox

from . import formats
from .namespaces import PREFIXES, XSD

if TYPE_CHECKING:
    import pandas as pd

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Kind = Literal["select", "ask", "graph"]

_XSD_STRING = XSD + "string"


def escape(text: str) -> str:
    """XML character data (xml.sax.saxutils would pull urllib into every CLI start)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    return '"' + escape(text).replace('"', "&quot;") + '"'


_NUMERIC = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "nonNegativeInteger",
        "positiveInteger",
        "decimal",
        "double",
        "float",
    )
}


@dataclass
class QueryResult:
    """The answer to one query: rows (SELECT), a boolean (ASK) or triples (CONSTRUCT)."""

    kind: Kind
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    #: what the query lint found (an ``ag:`` term the ontology does not define …), one
    #: sentence each; the answer stands, but may be empty because of it
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_oxigraph(
        cls, result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
    ) -> QueryResult:
        """Materialise a pyoxigraph result (QuerySolutions, QueryBoolean or QueryTriples)."""
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            return cls("select", names, [tuple(sol) for sol in result])
        if isinstance(result, ox.QueryBoolean):
            return cls("ask", boolean=bool(result))
        return cls("graph", triples=list(result))

    # -- Python access ---------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.rows) if self.kind == "select" else len(self.triples)

    def __iter__(self) -> Iterator[dict[str, Term | None]]:
        """Rows as dicts of variable -> term (SELECT only)."""
        for row in self.rows:
            yield dict(zip(self.variables, row, strict=True))

    def __bool__(self) -> bool:
        return bool(self.boolean) if self.kind == "ask" else bool(len(self))

    def values(self, var: str) -> list[str | None]:
        """The plain string values of one variable, in row order."""
        i = self.variables.index(var)
        return [plain(r[i]) for r in self.rows]

    def to_dataframe(self) -> pd.DataFrame:
        """A DataFrame: one column per variable (Python values), plus ``_lang`` and
        ``_datatype`` columns for variables that bind literals."""
        import pandas as pd

        if self.kind == "ask":
            return pd.DataFrame({"boolean": [self.boolean]})
        if self.kind == "graph":
            return pd.DataFrame(
                [
                    (plain(t.subject), t.predicate.value, python_value(t.object))
                    for t in self.triples
                ],
                columns=["subject", "predicate", "object"],
            )
        columns: dict[str, list[object]] = {}
        for i, var in enumerate(self.variables):
            cells = [r[i] for r in self.rows]
            columns[var] = [python_value(c) for c in cells]
            if any(isinstance(c, ox.Literal) for c in cells):
                columns[f"{var}_lang"] = [
                    c.language if isinstance(c, ox.Literal) else None for c in cells
                ]
                columns[f"{var}_datatype"] = [
                    c.datatype.value if isinstance(c, ox.Literal) and not c.language else None
                    for c in cells
                ]
        return pd.DataFrame(columns)

    # -- W3C serialisations ------------------------------------------------------------------

    def serialize(self, fmt: str = "json") -> str:
        """A result format of :mod:`.formats` (``json``, ``xml``, ``csv``, ``tsv``) for rows
        and booleans; an RDF format (``ttl``, ``nt``, ``jsonld``, ``xml`` for RDF/XML ...)
        for graphs."""
        if self.kind == "graph":
            return serialize_triples(self.triples, fmt)
        writer = {"json": self._json, "xml": self._xml, "csv": self._csv, "tsv": self._tsv}
        return writer[formats.get(fmt, "results").name]()

    def to_json_dict(self) -> dict:
        if self.kind == "ask":
            return {"head": {}, "boolean": bool(self.boolean)}
        bindings = [
            {v: term_json(t) for v, t in zip(self.variables, row, strict=True) if t is not None}
            for row in self.rows
        ]
        return {"head": {"vars": self.variables}, "results": {"bindings": bindings}}

    def _json(self) -> str:
        return json.dumps(self.to_json_dict(), ensure_ascii=False)

    def _csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        if self.kind == "ask":
            w.writerow(["boolean"])
            w.writerow(["true" if self.boolean else "false"])
            return out.getvalue()
        w.writerow(self.variables)
        for row in self.rows:
            w.writerow(
                [
                    ""
                    if t is None
                    else (f"_:{t.value}" if isinstance(t, ox.BlankNode) else plain(t))
                    for t in row
                ]
            )
        return out.getvalue()

    def _tsv(self) -> str:
        if self.kind == "ask":
            return f"?boolean\n{'true' if self.boolean else 'false'}\n"
        lines = ["\t".join(f"?{v}" for v in self.variables)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in self.rows]
        return "\n".join(lines) + "\n"

    def _xml(self) -> str:
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
        if self.kind == "ask":
            out.append(f"<head/><boolean>{'true' if self.boolean else 'false'}</boolean>")
        else:
            out.append(
                "<head>"
                + "".join(f"<variable name={quoteattr(v)}/>" for v in self.variables)
                + "</head><results>"
            )
            for row in self.rows:
                out.append("<result>")
                for v, t in zip(self.variables, row, strict=True):
                    if t is not None:
                        out.append(f"<binding name={quoteattr(v)}>{term_xml(t)}</binding>")
                out.append("</result>")
            out.append("</results>")
        out.append("</sparql>\n")
        return "".join(out)


def plain(t: Term | None) -> str | None:
    """A term's plain string: an IRI, a blank node id, a literal's lexical form, a quoted
    triple in N-Triples."""
    if t is None:
        return None
    return str(t) if isinstance(t, ox.Triple) else t.value


def term_json(t: Term) -> dict:
    """One RDF term in SPARQL 1.1 Query Results JSON form."""
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d: dict[str, str] = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != _XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    return {
        "type": "triple",
        "value": {
            "subject": term_json(t.subject),
            "predicate": term_json(t.predicate),
            "object": term_json(t.object),
        },
    }


def term_xml(t: Term) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != _XSD_STRING:
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    return f"<literal>{escape(str(t))}</literal>"


def python_value(t: Term | None) -> str | int | float | bool | None:
    """A Python value for a DataFrame cell: numbers and booleans as such, else the string."""
    if t is None:
        return None
    if isinstance(t, ox.Literal) and not t.language:
        dt = t.datatype.value
        try:
            if dt == XSD + "boolean":
                return t.value in ("true", "1")
            if dt in _NUMERIC:
                return (
                    int(t.value)
                    if dt not in {XSD + "decimal", XSD + "double", XSD + "float"}
                    else float(t.value)
                )
        except ValueError:
            return t.value
    return t.value if not isinstance(t, ox.Triple) else str(t)


#: Graph-format names ``serialize`` also takes for RDF formats of :mod:`.formats`.
_GRAPH_ALIASES = {"turtle": "ttl", "xml": "rdfxml"}


def serialize_triples(triples: Sequence[ox.Triple], fmt: str = "ttl") -> str:
    """Triples in an RDF format of :mod:`.formats` (``ttl``, ``nt``, ``jsonld``, ``rdfxml``
    ...; ``xml`` and ``turtle`` are accepted for RDF/XML and Turtle). Turtle and TriG carry
    the predeclared prefixes."""
    spec = formats.get(_GRAPH_ALIASES.get(fmt, fmt), "rdf")
    return spec.serialize(triples, PREFIXES).decode("utf-8")
