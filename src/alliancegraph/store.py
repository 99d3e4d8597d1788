"""Where queries are answered: the embedded Oxigraph store (default) behind one interface.

Everything after the store reads through :meth:`Store.query`, so analysis, views, the
endpoint and notebooks run unchanged on another engine. The embedded store opens the
cached build read-only and treats the union of its named graphs (ontology, curated,
inferred, imports) as the default graph.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from .errors import QuerySyntaxError
from .namespaces import PREFIXES
from .results import QueryResult

_POSITION = re.compile(r"error at (\d+):(\d+): ?(.*)", re.S)


class Store(Protocol):
    """What every store offers: SPARQL in, :class:`QueryResult` out."""

    def query(self, sparql: str, timeout: float | None = None) -> QueryResult: ...

    def describe_location(self) -> str: ...


def syntax_error(e: SyntaxError) -> QuerySyntaxError:
    """Turn Oxigraph's ``error at L:C: expected …`` into a located QuerySyntaxError."""
    m = _POSITION.search(str(e))
    if m:
        return QuerySyntaxError(_short(m.group(3)), int(m.group(1)), int(m.group(2)))
    return QuerySyntaxError(_short(str(e)))


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


class EmbeddedStore:
    """An Oxigraph store in this process, opened from a build (or given directly in tests)."""

    def __init__(self, store: ox.Store, location: str = "memory"):
        self.store = store
        self.location = location

    @classmethod
    def open(cls, path: Path) -> EmbeddedStore:
        return cls(ox.Store.read_only(str(path)), str(path))

    @classmethod
    def from_nquads(cls, path: Path) -> EmbeddedStore:
        """An in-memory store loaded from an N-Quads file (for scratch and tests)."""
        store = ox.Store()
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        return cls(store, f"memory:{path}")

    def raw_query(self, sparql: str, substitutions: dict | None = None):
        """Run on Oxigraph and return its own lazy result (no conversion)."""
        try:
            return self.store.query(
                sparql,
                prefixes=PREFIXES,
                use_default_graph_as_union=True,
                substitutions=substitutions,
            )
        except SyntaxError as e:
            raise syntax_error(e) from None

    def query(
        self, sparql: str, timeout: float | None = None, substitutions: dict | None = None
    ) -> QueryResult:
        return QueryResult.from_oxigraph(self.raw_query(sparql, substitutions))

    def describe_location(self) -> str:
        return f"embedded Oxigraph store at {self.location}"

    def __len__(self) -> int:
        return len(self.store)
