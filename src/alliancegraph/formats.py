"""The one table of formats: names, media types, file extensions and what each holds.

The CLI's ``--format`` choices, the endpoint's content negotiation and service
description, and every export read this table, so a format has one name everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from .errors import UsageError

if TYPE_CHECKING:
    import pyoxigraph as ox

Kind = Literal["results", "rdf", "network", "image", "page"]
T = TypeVar("T")

_W3C = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One serialisation: ``name`` is what users type (``--format ttl``)."""

    name: str
    kind: Kind
    media_type: str
    extension: str
    title: str
    #: the W3C formats IRI (for service descriptions), where one exists
    w3c: str | None = None
    #: the ``pyoxigraph.RdfFormat`` attribute (RDF formats) or ``QueryResultsFormat``
    #: attribute (results formats)
    oxigraph: str | None = None
    #: RDF formats that keep named graphs
    quads: bool = False
    #: other media types accepted for it in content negotiation
    accepts: tuple[str, ...] = ()
    #: the SPARQL endpoint answers in it (content negotiation, service description)
    served: bool = False
    #: written with the predeclared prefixes (Turtle, TriG)
    prefixes: bool = False

    @property
    def content_type(self) -> str:
        """The media type to send, with a charset for text that is not JSON."""
        textual = self.media_type.startswith("text/") or self.media_type.endswith(
            ("+xml", "/xml", "n-triples", "n-quads", "trig")
        )
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type

    def rdf_format(self) -> ox.RdfFormat:
        """The pyoxigraph RDF format, for parsing and serialising."""
        import pyoxigraph as ox

        if self.kind != "rdf" or self.oxigraph is None:
            raise UsageError(f"{self.name} is not an RDF format")
        rdf: ox.RdfFormat = getattr(ox.RdfFormat, self.oxigraph)
        return rdf

    def serialize(
        self,
        data: Iterable[ox.Triple] | Iterable[ox.Quad],
        prefixes: Mapping[str, str] | None = None,
    ) -> bytes:
        """Triples or quads written by Oxigraph in this RDF format; ``prefixes`` are used
        by the formats that write them (Turtle, TriG) and ignored by the others."""
        import pyoxigraph as ox

        keep = dict(prefixes) if self.prefixes and prefixes else None
        written = ox.serialize(data, format=self.rdf_format(), prefixes=keep)
        assert written is not None  # no output file given: Oxigraph returns the bytes
        return written

    def results_format(self) -> ox.QueryResultsFormat:
        """The pyoxigraph query results format, for parsing and serialising."""
        import pyoxigraph as ox

        if self.kind != "results" or self.oxigraph is None:
            raise UsageError(f"{self.name} is not a SPARQL results format")
        results: ox.QueryResultsFormat = getattr(ox.QueryResultsFormat, self.oxigraph)
        return results


FORMATS: tuple[Format, ...] = (
    # SPARQL 1.1 query results (SELECT, ASK); the first is the endpoint's default
    Format("json", "results", "application/sparql-results+json", ".srj",
           "SPARQL 1.1 Query Results JSON", _W3C + "SPARQL_Results_JSON", "JSON",
           accepts=("application/json",), served=True),
    Format("xml", "results", "application/sparql-results+xml", ".srx",
           "SPARQL 1.1 Query Results XML", _W3C + "SPARQL_Results_XML", "XML",
           accepts=("application/xml", "text/xml"), served=True),
    Format("csv", "results", "text/csv", ".csv", "SPARQL 1.1 Query Results CSV",
           _W3C + "SPARQL_Results_CSV", "CSV", served=True),
    Format("tsv", "results", "text/tab-separated-values", ".tsv",
           "SPARQL 1.1 Query Results TSV", _W3C + "SPARQL_Results_TSV", "TSV", served=True),
    # RDF (CONSTRUCT, DESCRIBE, exports); the first is the endpoint's default for graphs
    Format("ttl", "rdf", "text/turtle", ".ttl", "Turtle", _W3C + "Turtle", "TURTLE",
           accepts=("application/turtle", "application/x-turtle"), served=True,
           prefixes=True),
    Format("nt", "rdf", "application/n-triples", ".nt", "N-Triples", _W3C + "N-Triples",
           "N_TRIPLES", accepts=("text/plain",), served=True),
    Format("nq", "rdf", "application/n-quads", ".nq", "N-Quads", _W3C + "N-Quads",
           "N_QUADS", quads=True),
    Format("trig", "rdf", "application/trig", ".trig", "TriG", _W3C + "TriG", "TRIG",
           quads=True, prefixes=True),
    Format("jsonld", "rdf", "application/ld+json", ".jsonld", "JSON-LD", _W3C + "JSON-LD",
           "JSON_LD", quads=True, accepts=("application/x-json+ld",), served=True),
    Format("rdfxml", "rdf", "application/rdf+xml", ".rdf", "RDF/XML", _W3C + "RDF_XML",
           "RDF_XML", served=True),
    # networks for Gephi, Cytoscape, spreadsheets
    Format("gexf", "network", "application/gexf+xml", ".gexf", "GEXF"),
    Format("graphml", "network", "application/graphml+xml", ".graphml", "GraphML"),
    Format("edges-csv", "network", "text/csv", ".csv", "edge and node tables (CSV)"),
    # pictures and pages
    Format("html", "page", "text/html", ".html", "offline HTML page"),
    Format("png", "image", "image/png", ".png", "PNG image"),
    Format("svg", "image", "image/svg+xml", ".svg", "SVG image"),
)

_BY_NAME = {f.name: f for f in FORMATS}


def names(kind: Kind) -> tuple[str, ...]:
    """The format names of one kind, in table order (for ``--format`` choices)."""
    return tuple(f.name for f in FORMATS if f.kind == kind)


def served(kind: Kind) -> tuple[Format, ...]:
    """The formats of ``kind`` the SPARQL endpoint answers in, its default first."""
    return tuple(f for f in FORMATS if f.kind == kind and f.served)


def get(name: str, kind: Kind | None = None) -> Format:
    """The format called ``name`` (of ``kind``, if given); a clear error otherwise."""
    fmt = _BY_NAME.get(name)
    if fmt is None or (kind is not None and fmt.kind != kind):
        choices = ", ".join(names(kind) if kind else _BY_NAME)
        raise UsageError(f"unknown format {name!r}; expected one of {choices}")
    return fmt


def by_media_type(media_type: str, kind: Kind) -> Format | None:
    """The format of ``kind`` that a media type (without parameters) stands for."""
    media_type = media_type.split(";")[0].strip().lower()
    for f in FORMATS:
        if f.kind == kind and (f.media_type == media_type or media_type in f.accepts):
            return f
    return None


def by_extension(path: str | Path, kind: Kind | None = None) -> Format | None:
    """The format a file name's extension stands for (first match in table order)."""
    suffix = Path(path).suffix.lower()
    for f in FORMATS:
        if f.extension == suffix and (kind is None or f.kind == kind):
            return f
    return None


# -- spreadsheet-bound CSV ---------------------------------------------------------------------

#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"): a cell
#: beginning with one of these is written with a ``'`` in front in every CSV meant for
#: spreadsheets. The SPARQL endpoint's ``text/csv`` answer is the W3C format, unescaped.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet may take the text ``text`` for a formula: it begins with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return and is not a plain number (``-3``,
    ``+1.5e3``: a number is no formula, and stays a number).

    >>> [formula_like(t) for t in ("=HYPERLINK(1)", "@SUM(A1)", "-2.5", "-", "重材院")]
    [True, True, False, True, False]
    """
    return text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text)


def spreadsheet_cell(value: T) -> T | str:
    """A CSV cell for spreadsheets: text that :func:`formula_like` gets a leading ``'``
    (which spreadsheets show as text and do not display); anything else as it is.

    >>> spreadsheet_cell("=cmd|' /C calc'!A0"), spreadsheet_cell(-1.5), spreadsheet_cell("a")
    ("'=cmd|' /C calc'!A0", -1.5, 'a')
    """
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value
