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

    def query(
        self, sparql: str, timeout: float | None = None, bindings: dict | None = None
    ) -> QueryResult:
        """Run SPARQL (the contract's prefixes are predeclared) and return its result.

        ``timeout`` (seconds) stops a runaway query and raises QueryTimeout, leaving this
        graph usable; ``bindings`` maps variable names to RDF terms, bound by the engine
        (never pasted into the text).
        """
        if bindings:
            return self.store.query(sparql, timeout=timeout, bindings=bindings)
        return self.store.query(sparql, timeout=timeout)

    def named(self, name: str, timeout: float | None = None, **params) -> QueryResult:
        """Run a query of the named library with typed, safely bound parameters.

        >>> g.named("alliance-leads", alliance="cqupt")  # doctest: +SKIP
        """
        from .library import run_named

        return run_named(self, name, params, timeout=timeout)

    def find(self, text: str, limit: int = 20) -> list:
        """Entities whose labels, aliases or pinyin match ``text``, best first."""
        from .search import find

        return find(self.store, text, limit=limit)

    def resolve(self, text: str) -> str:
        """One entity's IRI for an IRI, slug or name; raises if unknown or ambiguous."""
        from .search import resolve

        return resolve(self.store, text)

    def describe(self, entity: str):
        """Every fact in and out of ``entity``, with labels, evidence quotes and sources."""
        from .search import describe

        return describe(self.store, entity)

    def view(self, kind: str, *names: str, **options):
        """A network view (overview, alliance, ego, path, co-membership, chain) that shows
        itself inline in Jupyter and saves as offline HTML, PNG or SVG.

        >>> g.view("alliance", "物联网联盟").save("iot.html")  # doctest: +SKIP
        """
        from .views import make

        return make(self, kind, *names, **options)

    def __repr__(self) -> str:
        return f"<AllianceGraph on {self.store.describe_location()}>"


def open(
    root: str | Path | None = None,
    cache_dir: str | Path | None = None,
    endpoint: str | None = None,
    data_home: str | Path | None = None,
    **remote_options,
) -> AllianceGraph:
    """Open the bundled graph (or the checkout at ``root``), building it first if needed.

    ``data_home`` is the folder whose imports (member lists, synthetic data) join the graph
    (default ``$ALLIANCEGRAPH_DATA`` or ``~/.local/share/alliancegraph``).

    With ``endpoint`` (a SPARQL 1.1 query URL) the graph answers from that remote engine
    instead; ``remote_options`` (timeout, retries, backoff) go to RemoteStore.
    """
    if endpoint:
        from .store import RemoteStore

        return AllianceGraph(RemoteStore(endpoint, **remote_options))
    inputs = Inputs.default(Path(root) if root else None, Path(data_home) if data_home else None)
    build = ensure_built(inputs, Cache(Path(cache_dir) if cache_dir else None))
    return AllianceGraph(EmbeddedStore.open(build.store_path), build)
