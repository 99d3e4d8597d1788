"""The public face: ``alliancegraph.open()`` and the :class:`AllianceGraph` it returns.

Opening builds the curated graph if its inputs changed (cached by content), then answers
queries on the embedded store. Importing this module pulls in neither pandas, networkx nor
rdflib: a plain query stays fast.
"""

from __future__ import annotations

from pathlib import Path

from .build import Build, Cache, Inputs, ensure_built
from .results import QueryResult
from .store import EmbeddedStore, Store


class AllianceGraph:
    """A queryable alliance graph.

    >>> import alliancegraph as ag
    >>> g = ag.open()
    >>> g.query("SELECT ?a WHERE { ?a a ag:Alliance }").to_dataframe()  # doctest: +SKIP
    """

    def __init__(self, store: Store, build: Build | None = None):
        self.store = store
        self.build = build

    def query(self, sparql: str, timeout: float | None = None) -> QueryResult:
        """Run SPARQL (the contract's prefixes are predeclared) and return its result."""
        return self.store.query(sparql, timeout=timeout)

    def __repr__(self) -> str:
        return f"<AllianceGraph on {self.store.describe_location()}>"


def open(
    root: str | Path | None = None,
    cache_dir: str | Path | None = None,
) -> AllianceGraph:
    """Open the bundled graph (or the checkout at ``root``), building it first if needed."""
    inputs = Inputs.default(Path(root) if root else None)
    build = ensure_built(inputs, Cache(Path(cache_dir) if cache_dir else None))
    return AllianceGraph(EmbeddedStore.open(build.store_path), build)
