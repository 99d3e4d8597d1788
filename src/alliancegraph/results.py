"""Query results in one shape, whichever store answered: rows of Oxigraph terms.

A result serialises to the W3C formats (SPARQL 1.1 Query Results JSON, XML, CSV, TSV;
Turtle or N-Triples for graphs) and becomes a pandas DataFrame that keeps what kglab and
sparql-dataframe drop: each variable that holds literals gets ``<var>_lang`` and
``<var>_datatype`` columns beside its value. pandas is imported only when asked for.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _escape_json
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
    """XML character data, escaped as Oxigraph escapes it (quotes too), so that an answer
    written here and one written by the engine are the same bytes (xml.sax.saxutils would
    pull urllib into every CLI start)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&quot;").replace("'", "&apos;")
    )  # fmt: skip


def quoteattr(text: str) -> str:
    return '"' + escape(text) + '"'


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

    def to_dataframe(self, compact: bool = False) -> pd.DataFrame:
        """A DataFrame: one column per variable (Python values), plus ``_lang`` and
        ``_datatype`` columns for variables that bind literals. ``compact`` keeps a
        ``_lang`` column only where the literals differ in language and a ``_datatype``
        column only where one is not a plain string, datatypes shortened (``xsd:gYear``):
        what a notebook shows (:meth:`_repr_html_`)."""
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
                langs: list[object] = [
                    c.language if isinstance(c, ox.Literal) else None for c in cells
                ]
                types: list[object] = [
                    c.datatype.value if isinstance(c, ox.Literal) and not c.language else None
                    for c in cells
                ]
                literal = [lg for c, lg in zip(cells, langs, strict=True)
                           if isinstance(c, ox.Literal)]  # fmt: skip
                if not compact or len(set(literal)) > 1:
                    columns[f"{var}_lang"] = langs
                if not compact:
                    columns[f"{var}_datatype"] = types
                elif any(t not in (None, _XSD_STRING) for t in types):
                    columns[f"{var}_datatype"] = [
                        "xsd:" + t[len(XSD) :] if isinstance(t, str) and t.startswith(XSD) else t
                        for t in types
                    ]
        return pd.DataFrame(columns)

    def _repr_html_(self) -> str:
        """A notebook's table: :meth:`to_dataframe` with ``compact=True`` (the ``_lang`` and
        ``_datatype`` columns only where they carry information; ``to_dataframe()`` has
        them all)."""
        return str(self.to_dataframe(compact=True).to_html(max_rows=60, notebook=True))

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
        return self._written("json")

    def _csv(self) -> str:
        return self._written("csv")

    def _tsv(self) -> str:
        return self._written("tsv")

    def _xml(self) -> str:
        return self._written("xml")

    def _written(self, fmt: str) -> str:
        """The whole result through the one writer of each format (:class:`ResultWriter`)."""
        return b"".join(ResultWriter(ResultStream.of(self), fmt).chunks()).decode("utf-8")

    def spreadsheet_csv(self) -> str:
        """CSV meant for spreadsheets: the W3C CSV's cells, each one a spreadsheet could
        run as a formula escaped (:func:`alliancegraph.formats.spreadsheet_cell`).
        ``serialize("csv")`` is the exact W3C form (the endpoint's ``text/csv``)."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        if self.kind != "select":
            w.writerow(["boolean"])
            w.writerow(["true" if self.boolean else "false"])
            return out.getvalue()
        cell = formats.spreadsheet_cell
        w.writerow([cell(v) for v in self.variables])
        for row in self.rows:
            w.writerow(["" if t is None else cell(_csv_text(t)) for t in row])
        return out.getvalue()


def _csv_text(t: Term) -> str:
    """A term as the W3C CSV writes it: blank nodes as ``_:id``, else its plain value."""
    return f"_:{t.value}" if isinstance(t, ox.BlankNode) else (plain(t) or "")


def spreadsheet_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` for a CSV meant for spreadsheets: text cells a spreadsheet could
    run as a formula escaped (:func:`alliancegraph.formats.spreadsheet_cell`), numbers
    and other values as they are."""
    out = df.copy()
    for column in out.columns:
        if not _numeric(out[column]):
            out[column] = out[column].map(formats.spreadsheet_cell)
    out.attrs = dict(df.attrs)
    return out


def _numeric(series: pd.Series) -> bool:
    """Whether a column holds numbers or booleans only (nothing to escape)."""
    return series.dtype.kind in "biufc"


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


# -- results read as they come, written in chunks ------------------------------------------


@dataclass
class ResultStream:
    """A result read as the engine produces it: ``rows`` (SELECT) or ``triples``
    (CONSTRUCT, DESCRIBE) are iterators, consumed once; ``boolean`` for ASK. Nothing is
    materialised until asked, so a writer can stop at a cap before the rest is computed."""

    kind: Kind
    variables: list[str] = field(default_factory=list)
    rows: Iterator[tuple[Term | None, ...]] = field(default_factory=lambda: iter(()))
    boolean: bool | None = None
    triples: Iterator[ox.Triple] = field(default_factory=lambda: iter(()))
    #: the engine's own rows (read instead of ``rows``, never both), and how to run the
    #: query again: a writer then lets Oxigraph write the answer (:func:`engine_answer`)
    solutions: ox.QuerySolutions | None = None
    again: Callable[[], ResultStream] | None = None

    @classmethod
    def from_oxigraph(
        cls,
        result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples,
        again: Callable[[], ResultStream] | None = None,
    ) -> ResultStream:
        """Wrap a pyoxigraph result lazily: each row is computed when it is read.
        ``again``: the same query run anew (see :attr:`solutions`)."""
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows = (tuple(sol) for sol in result)
            return cls("select", names, rows=rows, solutions=result, again=again)
        if isinstance(result, ox.QueryBoolean):
            return cls("ask", boolean=bool(result))
        return cls("graph", triples=iter(result))

    @classmethod
    def of(cls, result: QueryResult) -> ResultStream:
        """A materialised result, read again as a stream."""
        return cls(
            result.kind, list(result.variables), rows=iter(result.rows),
            boolean=result.boolean, triples=iter(result.triples),
        )  # fmt: skip

    def collect(self, limit: int | None = None) -> QueryResult:
        """At most ``limit`` rows (triples) of the stream as a :class:`QueryResult`
        (``limit + 1`` read tells whether there were more)."""
        if self.kind == "ask":
            return QueryResult("ask", boolean=self.boolean)
        if self.kind == "graph":
            return QueryResult("graph", triples=list(itertools.islice(self.triples, limit)))
        rows = list(itertools.islice(self.rows, limit))
        return QueryResult("select", list(self.variables), rows)


@dataclass(frozen=True)
class Cut:
    """Why a written result stopped early: ``reason`` is ``max-rows`` or ``max-bytes``,
    ``limit`` that cap, ``rows`` how many rows (triples for graphs) were written."""

    reason: str
    limit: int
    rows: int

    @property
    def header(self) -> str:
        """The value of the ``X-Result-Truncated`` header: ``max-rows=100000``."""
        return f"{self.reason}={self.limit}"

    def to_json(self) -> dict[str, str | int]:
        return {"reason": self.reason, "limit": self.limit, "rows": self.rows}

    def comment(self) -> str:
        unit = "rows" if self.reason == "max-rows" else "bytes"
        return (
            f"truncated: {self.header}; {self.rows} rows written, "
            f"the result had more than {self.limit} {unit}"
        )

    @staticmethod
    def noted(body: bytes) -> str | None:
        """The header value (``max-rows=100000``) a body of ours ends with when it was cut
        after its first bytes were sent (a long JSON or XML answer, where no header can say
        it), or a graph's ``#`` note; None if it says nothing. Only the end is read: the
        note is written last, and user text inside the answer is escaped there."""
        m = _NOTED.search(body[-2 * _TAIL_ROOM :])
        if not m:
            return None
        reason, limit = next((m[i], m[i + 1]) for i in (1, 3, 5) if m[i])
        return f"{reason.decode()}={int(limit)}"


#: Graph formats that take a trailing ``#`` comment saying a result was cut.
_COMMENTED = {"ttl", "nt", "nq", "trig"}
#: Bytes kept free under ``max_bytes`` for the end of the document and its note.
_TAIL_ROOM = 256
#: The end of a cut answer as :class:`ResultWriter` writes it: JSON's ``truncated`` member,
#: XML's comment before ``</results>``, the graph formats' last comment line.
_NOTED = re.compile(
    rb'(?:\]\},"truncated":\{"reason":"(max-rows|max-bytes)","limit":(\d+),"rows":\d+\}\}'
    rb"|<!-- truncated: (max-rows|max-bytes)=(\d+);[^<>]*--></results></sparql>"
    rb"|\n# truncated: (max-rows|max-bytes)=(\d+);[^\n]*\n)\s*\Z"
)


class ResultWriter:
    """A result in a W3C format, in chunks of about ``chunk`` bytes, stopping after
    ``max_rows`` rows (triples) or before ``max_bytes`` bytes; ``cut`` then says why.

    Rows (SELECT) are written one by one as the stream yields them; the document stays
    valid when cut: JSON gets a top-level ``"truncated"`` member (:meth:`Cut.to_json`),
    XML a comment before ``</results>``, CSV and TSV nothing (they have no place for a
    note; a server sends the ``X-Result-Truncated`` header). Graphs are collected up to
    the caps (bytes counted as N-Triples) and written whole; Turtle, N-Triples, N-Quads
    and TriG end with a ``# truncated: …`` comment when cut.

    JSON and XML rows straight from Oxigraph (a stream with ``solutions`` and ``again``)
    are written by the engine itself (:func:`engine_answer`): the same bytes, cut at the
    same places, whole before the first chunk.
    """

    def __init__(
        self,
        stream: ResultStream,
        fmt: str,
        max_rows: int | None = None,
        max_bytes: int | None = None,
        chunk: int = 1 << 18,
    ):
        self.stream, self.max_rows, self.max_bytes, self.chunk = stream, max_rows, max_bytes, chunk
        if stream.kind == "graph":
            self.fmt = formats.get(_GRAPH_ALIASES.get(fmt, fmt), "rdf").name
        else:
            self.fmt = formats.get(fmt, "results").name
        self.cut: Cut | None = None
        self.rows = 0
        self.written = 0

    @property
    def notes_in_body(self) -> bool:
        """True if the format itself says when it was cut (JSON, XML for rows)."""
        return self.stream.kind == "select" and self.fmt in ("json", "xml")

    def chunks(self) -> Iterator[bytes]:
        if self.stream.kind == "graph":
            yield from self._graph()
        elif self.stream.kind == "ask":
            yield _ask(self.stream.boolean, self.fmt).encode("utf-8")
        else:
            yield from self._select()

    def _select(self) -> Iterator[bytes]:
        solutions, again = self.stream.solutions, self.stream.again
        # the engine's answer is held whole: only under a byte cap
        engine = self.fmt in _ENGINE and self.max_bytes is not None
        if engine and solutions is not None and again is not None:
            variables = self.stream.variables
            written = engine_answer(solutions, variables, self.fmt, self.max_rows, self.max_bytes)
            if written is not None:
                body, self.rows, self.cut = written
                yield from self._whole(body)
                return
            self.stream = again()  # rows the engine's text cannot count: written here
        head, row, sep, tail = _SELECT_WRITERS[self.fmt](self.stream.variables)
        budget = None if self.max_bytes is None else self.max_bytes - _TAIL_ROOM
        # ``sent``: the exact bytes yielded; ``parts`` (``chars`` characters, at most 4
        # bytes each) are counted exactly only when that bound could pass the budget:
        # counting every row's bytes (and a lower bound before writing it) was a third
        # of the writing. A row is cut exactly where counting each would cut it.
        parts: list[str] = [head]
        chars, sent = len(head), 0
        for values in self.stream.rows:
            if self.max_rows is not None and self.rows >= self.max_rows:
                self.cut = Cut("max-rows", self.max_rows, self.rows)
                break
            text = (sep if self.rows else "") + row(values)
            if budget is not None and sent + 4 * (chars + len(text)) > budget:
                data = "".join(parts).encode("utf-8")
                sent += len(data)
                parts, chars = [], 0
                if data:
                    yield data
                if sent + len(text.encode("utf-8")) > budget:
                    self.cut = Cut("max-bytes", self.max_bytes or 0, self.rows)
                    break
            parts.append(text)
            chars += len(text)
            self.rows += 1
            if chars >= self.chunk:
                data = "".join(parts).encode("utf-8")
                sent += len(data)
                parts, chars = [], 0
                yield data
        parts.append(tail(self.cut))
        data = "".join(parts).encode("utf-8")
        self.written = sent + len(data)
        yield data

    def _graph(self) -> Iterator[bytes]:
        kept: list[ox.Triple] = []
        size = 0
        for triple in self.stream.triples:
            if self.max_rows is not None and len(kept) >= self.max_rows:
                self.cut = Cut("max-rows", self.max_rows, len(kept))
                break
            n = len(str(triple).encode("utf-8")) + 3
            if self.max_bytes is not None and size + n > self.max_bytes - _TAIL_ROOM:
                self.cut = Cut("max-bytes", self.max_bytes, len(kept))
                break
            kept.append(triple)
            size += n
        self.rows = len(kept)
        body = serialize_triples(kept, self.fmt)
        if self.cut is not None and self.fmt in _COMMENTED:
            body += f"# {self.cut.comment()}\n"
        yield from self._whole(body.encode("utf-8"))

    def _whole(self, data: bytes | bytearray) -> Iterator[bytes]:
        """An answer held whole, in chunks of bytes (one empty chunk if it is empty)."""
        self.written = len(data)
        view = memoryview(data)
        for i in range(0, max(len(data), 1), self.chunk):
            yield bytes(view[i : i + self.chunk])


# -- SELECT answers written by the engine -------------------------------------------------


class _Full(Exception):
    """Raised into Oxigraph's serialiser to stop it once a cap is passed."""


@dataclass(frozen=True)
class _EngineFormat:
    """How a SELECT answer in one format is read as the engine writes it: its format, the
    text that begins a row (per variable), and text whose presence the row count or our
    writer cannot follow. The bytes between two rows and after the last are our writer's
    (:data:`_SELECT_WRITERS`), which writes the same bytes."""

    format: ox.QueryResultsFormat
    starts: Callable[[list[str]], list[bytes]]
    unsure: tuple[bytes, ...]


#: JSON: a row begins ``{"<var>":{"type":`` for its first bound variable. No other text holds
#: that: a JSON string holds no unescaped quote, and one is always followed by ``,`` or
#: ``}``. An empty row (``{}``) escapes the count, and a quoted triple's parts are objects
#: too. XML: a row begins ``<result>``, and text never holds ``<`` unescaped; a quoted
#: triple is written as a literal here, as ``<triple>`` by the engine.
_ENGINE = {
    "json": _EngineFormat(
        ox.QueryResultsFormat.JSON,
        lambda names: [('{"' + v + '":{"type":').encode("utf-8") for v in names],
        (b"{}", b'"type":"triple"'),
    ),
    "xml": _EngineFormat(ox.QueryResultsFormat.XML, lambda names: [b"<result>"], (b"<triple>",)),
}


class _EngineAnswer:
    """What Oxigraph's serialiser writes (8 KB at a time), appended to one buffer, with the
    rows begun counted by the ``starts`` that begin them (each 1 MB, in place: no copy);
    the engine is stopped (:class:`_Full`) once a row past ``max_rows`` has begun or
    ``max_bytes`` bytes are passed. One buffer, not a list of pieces joined at the end:
    the answer is held once (a 460 MB answer held twice passed a worker's 1 GB)."""

    def __init__(self, starts: list[bytes], max_rows: int | None, max_bytes: int | None):
        self.starts = starts
        self.max_rows, self.max_bytes = max_rows, max_bytes
        self.buf = bytearray()
        self.rows = 0
        self.counted = 0  # buf[:counted] is counted
        self.pending = 0  # writes since
        self.row_cut: int | None = None  # where the first row past max_rows begins

    @property
    def size(self) -> int:
        return len(self.buf)

    def write(self, data: bytes) -> int:
        self.buf += data
        self.pending += 1
        if self.pending >= self.BLOCK:
            self.count()
        if self.row_cut is not None or (self.max_bytes is not None and self.size > self.max_bytes):
            raise _Full
        return len(data)

    def flush(self) -> None:
        pass

    #: writes (8 KB each) counted at once: one Python step per 1 MB, not per write
    BLOCK = 128

    def count(self) -> None:
        """Count the rows begun in what has come since the last count: each start that
        ends there (one split across the last count's end is counted now, once), and find
        where the first row past ``max_rows`` begins, if it is there."""
        buf, end, before = self.buf, len(self.buf), self.rows
        for s in self.starts:
            self.rows += buf.count(s, max(0, self.counted - len(s) + 1), end)
        if self.max_rows is not None and self.rows > self.max_rows and self.row_cut is None:
            found = []
            for s in self.starts:
                at = buf.find(s, max(0, self.counted - len(s) + 1), end)
                while at >= 0:
                    found.append(at)
                    at = buf.find(s, at + 1, end)
            self.row_cut = sorted(found)[self.max_rows - before]
        self.counted, self.pending = end, 0


def engine_answer(
    solutions: ox.QuerySolutions,
    variables: list[str],
    fmt: str,
    max_rows: int | None = None,
    max_bytes: int | None = None,
) -> tuple[bytes | bytearray, int, Cut | None] | None:
    """A SELECT answer in SPARQL-JSON or XML (``fmt``) written by Oxigraph itself (no
    Python term per value, no Python string per row), the same bytes :class:`ResultWriter`
    writes, cut where it cuts: after ``max_rows`` rows, or after the last row that ends
    within ``max_bytes`` less the room the note needs. Returns (bytes, rows, cut), or None
    for an answer whose rows cannot be counted in the engine's text, or that holds what we
    write otherwise (see :data:`_ENGINE`): it is to be written row by row from a new run."""
    form = _ENGINE[fmt]
    _, _, separator, tail = _SELECT_WRITERS[fmt](variables)
    sep = len(separator.encode("utf-8"))
    sink = _EngineAnswer(form.starts(variables), max_rows, max_bytes)
    try:
        solutions.serialize(sink, format=form.format)  # type: ignore[arg-type]
        stopped = False
    except _Full:
        stopped = True
    sink.count()
    body = sink.buf
    if any(text in body for text in form.unsure):
        return None
    cuts = []
    if sink.row_cut is not None:
        cuts.append((sink.row_cut, Cut("max-rows", max_rows or 0, max_rows or 0)))
    rows_end = sink.size if stopped else len(body) - len(tail(None).encode("utf-8"))
    if max_bytes is not None and rows_end > max_bytes - _TAIL_ROOM:
        # the first row that does not end within the budget: the last one to begin at most
        # a separator past it (a row ends where the separator before the next begins)
        budget = max_bytes - _TAIL_ROOM
        at = max((body.rfind(s, 0, budget + sep + len(s)) for s in sink.starts), default=-1)
        if at < 0:  # not even the first row: cut where it begins
            at = min((i for i in map(body.find, sink.starts) if i >= 0), default=-1)
        if at < 0:
            return None
        after = sum(body.count(s, at) for s in sink.starts)
        cuts.append((at, Cut("max-bytes", max_bytes, sink.rows - after)))
    if not cuts:
        return body, sink.rows, None
    at, cut = min(cuts, key=lambda c: c[0])  # a tie is the row cap's, as the writer's is
    kept = body[: at - sep] if cut.rows else body[:at]  # without the separator before it
    return kept + tail(cut).encode("utf-8"), cut.rows, cut


def _ask(boolean: bool | None, fmt: str) -> str:
    word = "true" if boolean else "false"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": bool(boolean)}, separators=_COMPACT)
    if fmt == "csv":
        return f"boolean\r\n{word}\r\n"
    if fmt == "tsv":
        return f"?boolean\n{word}\n"
    return f"{_XML_OPEN}<head></head><boolean>{word}</boolean></sparql>"


_XML_OPEN = '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'

Row = tuple[Term | None, ...]
#: head, one row, the separator between rows, the tail (given the cut, if any)
SelectWriter = tuple[str, Callable[[Row], str], str, Callable[["Cut | None"], str]]


#: JSON as Oxigraph writes it (no spaces), so that an answer written here and one written
#: by the engine (:func:`engine_answer`) are the same bytes
_COMPACT = (",", ":")


def term_json_text(t: Term) -> str:
    """``json.dumps(term_json(t), ensure_ascii=False, separators=(",", ":"))``, byte for
    byte, written from strings: no dict per term and one C call per string escaped (a
    22,800-row answer was written in 80 ms against 214 ms through dicts and ``json.dumps``).
    The same bytes as Oxigraph's own SPARQL-JSON for the term."""
    if isinstance(t, ox.NamedNode):
        return f'{{"type":"uri","value":{_escape_json(t.value)}}}'
    if isinstance(t, ox.Literal):
        value, lang = _escape_json(t.value), t.language
        if lang:
            return f'{{"type":"literal","value":{value},"xml:lang":{_escape_json(lang)}}}'
        datatype = t.datatype.value
        if datatype == _XSD_STRING:
            return f'{{"type":"literal","value":{value}}}'
        return f'{{"type":"literal","value":{value},"datatype":{_escape_json(datatype)}}}'
    if isinstance(t, ox.BlankNode):
        return f'{{"type":"bnode","value":{_escape_json(t.value)}}}'
    return json.dumps(term_json(t), ensure_ascii=False, separators=_COMPACT)  # a quoted triple


def _json_writer(variables: list[str]) -> SelectWriter:
    keys = [_escape_json(v) + ":" for v in variables]

    def row(values: Row) -> str:
        return "{" + ",".join([
            k + term_json_text(t) for k, t in zip(keys, values, strict=True) if t is not None
        ]) + "}"  # fmt: skip

    def tail(cut: Cut | None) -> str:
        note = f',"truncated":{json.dumps(cut.to_json(), separators=_COMPACT)}' if cut else ""
        return "]}" + note + "}"

    names = json.dumps(variables, ensure_ascii=False, separators=_COMPACT)
    return '{"head":{"vars":' + names + '},"results":{"bindings":[', row, ",", tail


def _xml_writer(variables: list[str]) -> SelectWriter:
    def row(values: Row) -> str:
        return (
            "<result>"
            + "".join(
                f"<binding name={quoteattr(v)}>{term_xml(t)}</binding>"
                for v, t in zip(variables, values, strict=True)
                if t is not None
            )
            + "</result>"
        )

    def tail(cut: Cut | None) -> str:
        note = f"<!-- {escape(cut.comment()).replace('--', '- -')} -->" if cut else ""
        return note + "</results></sparql>"

    names = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
    return f"{_XML_OPEN}<head>{names}</head><results>", row, "", tail


def _csv_line(cells: Iterable[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(list(cells))
    return out.getvalue()


def _csv_writer(variables: list[str]) -> SelectWriter:
    def row(values: Row) -> str:
        return _csv_line(
            "" if t is None else (f"_:{t.value}" if isinstance(t, ox.BlankNode) else plain(t) or "")
            for t in values
        )

    return _csv_line(variables), row, "", lambda cut: ""


def _tsv_writer(variables: list[str]) -> SelectWriter:
    def row(values: Row) -> str:
        return "\t".join("" if t is None else str(t) for t in values) + "\n"

    return "\t".join(f"?{v}" for v in variables) + "\n", row, "", lambda cut: ""


_SELECT_WRITERS: dict[str, Callable[[list[str]], SelectWriter]] = {
    "json": _json_writer,
    "xml": _xml_writer,
    "csv": _csv_writer,
    "tsv": _tsv_writer,
}
