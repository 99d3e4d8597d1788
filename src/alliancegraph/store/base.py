"""What every store is: the :class:`Store` protocol, the deadline wrapper, bound terms and
located syntax errors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import pyoxigraph as ox

from ..errors import QuerySyntaxError, UsageError
from ..namespaces import PREFIXES
from ..results import QueryResult, Term
from ..sparqlcheck import explain

#: Variable name (without ``?``) -> the RDF term bound to it.
Bindings = Mapping[str, Term]

_POSITION = re.compile(r"error at (\d+):(\d+): ?(.*)", re.S)
_VARNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@runtime_checkable
class Store(Protocol):
    """What every store offers: SPARQL in, :class:`QueryResult` out.

    The contract's prefixes are predeclared, the default graph is the union of the named
    graphs, ``bindings`` are bound as RDF terms (never pasted as text) and ``timeout``
    (seconds) stops the query with :class:`~alliancegraph.errors.QueryTimeout`.
    :class:`EmbeddedStore`, :class:`RemoteStore`, :class:`DeadlineStore` and the web
    server's pooled store all satisfy it; code above the store layer takes a ``Store``.
    """

    def query(
        self, sparql: str, timeout: float | None = None, bindings: Bindings | None = None
    ) -> QueryResult: ...

    def describe_location(self) -> str: ...


class DeadlineStore:
    """A store whose queries all get ``timeout`` unless the caller gives one (search and
    describe run several queries; the web server gives every query its deadline)."""

    def __init__(self, store: Store, timeout: float | None):
        self.store, self.timeout = store, timeout

    def query(
        self, sparql: str, timeout: float | None = None, bindings: Bindings | None = None
    ) -> QueryResult:
        return self.store.query(sparql, timeout=timeout or self.timeout, bindings=bindings)

    def describe_location(self) -> str:
        return self.store.describe_location()


def syntax_error(
    e: SyntaxError | str, line_offset: int = 0, sparql: str | None = None
) -> QuerySyntaxError:
    """Turn Oxigraph's ``error at L:C: expected …`` into a located QuerySyntaxError (lines
    counted after ``line_offset`` lines of prepended prefixes). With ``sparql``, the
    user's text, the message is ours (:func:`alliancegraph.sparqlcheck.explain`): the
    token found, the line with a caret under it and a suggestion."""
    text = str(e)
    if sparql is not None:
        return explain(text, sparql, line_offset)
    m = _POSITION.search(text)
    if m:
        line = int(m.group(1)) - line_offset
        return QuerySyntaxError(_short(m.group(3)), max(line, 1), int(m.group(2)))
    return QuerySyntaxError(_short(text))


def check_syntax(sparql: str, line_offset: int = 0) -> None:
    """Raise the QuerySyntaxError of ``sparql`` (the predeclared prefixes apply; lines
    counted after ``line_offset`` prepended lines), if Oxigraph's parser refuses it. The
    query is answered on an empty store, so this costs a parse."""
    try:
        ox.Store().query(sparql, prefixes=PREFIXES)
    except SyntaxError as e:
        user_text = sparql.split("\n", line_offset)[-1] if line_offset else sparql
        raise syntax_error(e, line_offset, user_text) from None


def _short(message: str, keep: int = 10) -> str:
    """Oxigraph lists every token it could accept, character classes included; keep the
    first few readable ones so the error stays one line."""
    message = " ".join(message.split())
    head, sep, alternatives = message.partition("expected one of ")
    if not sep:
        return message
    tokens = [t for t in alternatives.split(", ") if not t.startswith("[")]
    more = "" if len(tokens) <= keep else ", …"
    return f"{head}expected one of {', '.join(tokens[:keep])}{more}"


def check_bindings(bindings: Bindings | None) -> dict[str, ox.NamedNode | ox.Literal]:
    """``bindings`` with ``?``/``$`` stripped from the names; a UsageError for a name that is
    not a SPARQL variable, a blank node or anything that is not an IRI or literal."""
    out: dict[str, ox.NamedNode | ox.Literal] = {}
    for name, term in (bindings or {}).items():
        name = name.lstrip("?$")
        if not _VARNAME.match(name):
            raise UsageError(f"parameter name {name!r} is not a SPARQL variable name")
        if isinstance(term, ox.BlankNode):
            raise UsageError(f"parameter {name!r}: a blank node cannot be bound")
        if not isinstance(term, ox.NamedNode | ox.Literal):
            raise UsageError(f"parameter {name!r}: expected an RDF term, got {type(term).__name__}")
        out[name] = term
    return out
