"""The public face: ``alliancegraph.open()`` and the :class:`AllianceGraph` it returns.

Every surface (the CLI, the web app, views, notebooks) answers through this object, as
datasette's surfaces answer through its ``Datasette`` object: a command parses its options,
calls one method here and renders what comes back. The methods hold no SPARQL and compute
no metric themselves; they choose the store, apply the deadline and hand over to the layer
below. Importing this module pulls in neither pandas, networkx nor rdflib.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import config
from .build import Build, Cache, Inputs, ensure_built, export_dataset
from .errors import UsageError
from .fileio import atomic_write
from .formats import by_extension
from .formats import get as get_format
from .imports.manifest import ImportRecord
from .library import NamedQuery, client_text, lint_query, load_library, run_named
from .results import QueryResult, ResultStream
from .search import (
    Description,
    Match,
    SearchIndex,
    class_iri,
    describe,
    find,
    load_index,
    resolve,
    suggest,
)
from .store import DeadlineStore, EmbeddedStore, Store, choose_kind, memory_needed
from .summary import Summary, summarize

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from .imports import Report
    from .quotes import QuoteReport
    from .store import PublishReport
    from .views import View

Progress = Callable[[str, int, int], None]


def open_build(b: Build, store: str = "disk", budget: int | None = None) -> EmbeddedStore:
    """The store to answer from for build ``b``: the read-only one on disk, or an in-memory
    copy loaded from its N-Quads, as ``store`` (auto, memory, disk) chooses within the
    memory budget (``budget`` MB, default :func:`alliancegraph.config.memory_budget`)."""
    quads = int(b.info.get("quads", 0))
    if choose_kind(store, quads, config.memory_budget(budget)) == "memory":
        return EmbeddedStore.from_nquads(b.nquads_path, cacheable=True)
    return EmbeddedStore.open(b.store_path)


def inputs_for(root: Path | None, home: Path | None) -> Inputs:
    """The build's inputs: the project's data and ontology and the imports of ``home``.
    (The import machinery loads here, not at ``import alliancegraph``: a cold query stays
    fast.)"""
    from .imports import inputs_for as with_imports

    return with_imports(root, home)


class AllianceGraph:
    """A queryable alliance graph.

    >>> import alliancegraph as ag
    >>> g = ag.open()
    >>> g.query("SELECT ?a WHERE { ?a a ag:Alliance }").to_dataframe()  # doctest: +SKIP
    """

    def __init__(
        self,
        store: Store,
        build: Build | None = None,
        *,
        root: Path | None = None,
        cache_dir: Path | None = None,
        data_home: Path | None = None,
        timeout: float | None = None,
        store_choice: str = "disk",
    ):
        self.store = store
        self.build = build
        #: what an import's reopening chooses again (auto, memory, disk)
        self.store_choice = store_choice
        self.root = root
        self.cache_dir = cache_dir
        self.data_home = config.data_home(data_home, root)
        #: the deadline (seconds) of every query that names none; None or 0: no deadline
        self.timeout = timeout or None
        self._analyze: Analyze | None = None
        self._imports: Imports | None = None

    # -- asking ---------------------------------------------------------------------------

    def _deadline(self, timeout: float | None) -> float | None:
        return (timeout if timeout is not None else self.timeout) or None

    def _source(self, timeout: float | None) -> Store:
        """The store with the deadline applied to every query it runs."""
        seconds = self._deadline(timeout)
        return DeadlineStore(self.store, seconds) if seconds else self.store

    def query(
        self,
        sparql: str,
        timeout: float | None = None,
        bindings: dict[str, Any] | None = None,
    ) -> QueryResult:
        """Run SPARQL (the contract's prefixes are predeclared) and return its result.

        ``timeout`` (seconds) stops a runaway query and raises QueryTimeout, leaving this
        graph usable; ``bindings`` maps variable names to RDF terms, bound by the engine
        (never pasted into the text). ``warnings`` of the result lists each ``ag:`` term
        the ontology does not define, with the nearest one that it does.
        """
        result = self.store.query(sparql, timeout=self._deadline(timeout), bindings=bindings)
        result.warnings = self.lint(sparql, bindings, timeout)
        return result

    def lint(
        self, sparql: str, bindings: dict[str, Any] | None = None, timeout: float | None = None
    ) -> list[str]:
        """A warning for each ``ag:`` term ``sparql`` (or a bound value) uses that the
        ontology does not define, naming the nearest term it does."""
        return lint_query(self._source(timeout), sparql, bindings)

    def stream(
        self,
        sparql: str,
        timeout: float | None = None,
        bindings: dict[str, Any] | None = None,
    ) -> ResultStream:
        """The result of ``sparql`` read as it is produced, for writing in chunks under
        caps (:class:`~alliancegraph.results.ResultWriter`; the web server's workers do).
        On the embedded store with no deadline each row is computed when it is read, so a
        writer that stops at a cap stops the query; with a deadline or on a remote
        endpoint the result is fetched under the deadline first. No lint warnings."""
        seconds = self._deadline(timeout)
        if not seconds and isinstance(self.store, EmbeddedStore):
            return self.store.stream(sparql, bindings)
        return ResultStream.of(self.store.query(sparql, timeout=seconds, bindings=bindings))

    def named(self, name: str, timeout: float | None = None, **params: Any) -> QueryResult:
        """Run a query of the named library with typed, safely bound parameters.

        >>> g.named("alliance-members", alliance="重材院")  # doctest: +SKIP
        """
        return run_named(self._source(timeout), name, params)

    def queries(self, tag: str | None = None) -> list[NamedQuery]:
        """The named query library (each with ``to_dict()``), optionally one tag's."""
        return [q for q in load_library().values() if tag is None or tag in q.tags]

    def find(
        self, text: str, limit: int = 20, timeout: float | None = None, type: str | None = None
    ) -> list[Match]:
        """Entities whose labels, aliases or pinyin match ``text``, best first (``type``:
        only entities of that class)."""
        return find(self._source(timeout), text, limit=limit, type=type, index=self.search_index())

    def resolve(self, text: str, type: str | None = None, timeout: float | None = None) -> str:
        """One entity's IRI for an IRI, slug or name; raises if unknown or ambiguous.
        With ``type`` (``ag:Alliance``, ``Alliance``) only that class's entities count."""
        return resolve(self._source(timeout), text, type=type, index=self.search_index())

    def suggest(
        self, text: str, n: int = 3, type: str | None = None, timeout: float | None = None
    ) -> list[tuple[str, str]]:
        """The entities (IRI, label) whose names come nearest ``text`` (spelling, shared
        characters, pinyin), best first: what to offer when nothing matches."""
        src = self._source(timeout)
        wanted = class_iri(type, src) if type else None
        return suggest(src, text, n=n, type=wanted, index=self.search_index())

    def describe(self, entity: str, timeout: float | None = None) -> Description:
        """Every fact in and out of ``entity``, with labels, evidence quotes and sources."""
        return describe(self._source(timeout), entity, index=self.search_index())

    def summary(self, timeout: float | None = None) -> Summary:
        """What the graph holds, its alliances, reported figures, and the reported figures
        beside what the graph counts (``to_dataframe()``, ``to_dict()``)."""
        return summarize(self._source(timeout), self.store.describe_location())

    def view(self, kind: str, *names: str, **options: Any) -> View:
        """A network view (overview, alliance, ego, path, co-membership, chain) or a chart
        comparing alliances (overlap, timeline, composition) that shows itself inline in
        Jupyter and saves as offline HTML, PNG or SVG; ``.to_pyvis()`` hands a network view
        to pyvis.

        >>> g.view("alliance", "物联网联盟").save("iot.html")  # doctest: +SKIP
        """
        from .views import make  # views pull in networkx: only when a view is asked for

        return make(self, kind, *names, **options)

    def draw(self, G: nx.Graph, **options: Any) -> View:
        """A view of a network of your own (a projection you filtered, a backbone …) drawn
        as the views draw theirs: ``title``, ``color_by``, ``size_by``, ``seed`` …"""
        from .views import render

        return render(G, **options)

    @property
    def analyze(self) -> Analyze:
        """Network analysis: ``g.analyze.path(a, b)``, ``.central(...)`` …"""
        if self._analyze is None:
            self._analyze = Analyze(self)
        return self._analyze

    # -- the dataset ------------------------------------------------------------------------

    def _require_build(self, what: str) -> Build:
        if self.build is None:
            raise UsageError(
                f"{what} needs the embedded build; this graph answers from "
                f"{self.store.describe_location()}"
            )
        return self.build

    def export(self, target: str | Path | None = None, format: str | None = None) -> bytes:
        """The built dataset serialised (``ttl`` by default, or the format ``target``'s
        extension names): same input, same bytes. With ``target`` the bytes are also
        written there atomically. Triple formats merge the named graphs; quad formats
        (nq, trig, jsonld) keep them."""
        b = self._require_build("export")
        if format is None:
            guessed = by_extension(target, "rdf") if target is not None else None
            format = guessed.name if guessed else "ttl"
        data = export_dataset(b, get_format(format, "rdf").name)
        if target is not None:
            atomic_write(target, data)
        return data

    def publish(
        self, endpoint: str, store_url: str | None = None, timeout: float = 60.0
    ) -> PublishReport:
        """Load the built dataset into a remote store (SPARQL 1.1 Graph Store Protocol):
        each named graph replaced, graphs the build no longer has deleted."""
        from .store import publish_dataset  # the HTTP transport loads only when needed

        b = self._require_build("publish")
        return publish_dataset(b.nquads_path, endpoint, store_url=store_url, timeout=timeout)

    @property
    def imports(self) -> Imports:
        """Member lists, entity and fact tables and synthetic data added to the graph:
        ``.list()``, ``.members(…)``, ``.entities(file)``, ``.facts(file)``,
        ``.synthetic(dir)``, ``.undo(id)``."""
        if self._imports is None:
            self._imports = Imports(self)
        return self._imports

    def _reopen(self) -> None:
        """Answer from the current build again (after an import changed it)."""
        inputs = inputs_for(self.root, self.data_home)
        self.build = ensure_built(inputs, Cache(self.cache_dir))
        self.store = open_build(self.build, self.store_choice)
        self._analyze = None

    def __repr__(self) -> str:
        return f"<AllianceGraph ({self.store_kind}) on {self.store.describe_location()}>"

    @property
    def store_kind(self) -> str:
        """Where queries are answered: ``memory`` (a copy in this process), ``disk`` (the
        read-only store of the build) or ``remote`` (an endpoint, or a server's workers)."""
        store = self.store.store if isinstance(self.store, DeadlineStore) else self.store
        return store.kind if isinstance(store, EmbeddedStore) else "remote"

    def store_plan(
        self, choice: str = "auto", budget: int | None = None, copies: int = 1
    ) -> tuple[str, str]:
        """Where ``copies`` processes serving this graph's build (a server's query workers)
        should answer from, ``memory`` or ``disk``, as ``choice`` (auto, memory, disk) and
        the memory budget (``budget`` MB, default the configured one) decide, with a line
        saying so. Without a build: disk."""
        if self.build is None:
            return "disk", f"store: disk, {copies} query workers"
        quads = int(self.build.info.get("quads", 0))
        mb = config.memory_budget(budget)
        kind = choose_kind(choice, quads, mb, copies)
        need = memory_needed(quads, copies)
        return kind, (
            f"store: {kind}, {copies} query workers; {copies} in-memory copies of "
            f"{quads:,} quads take about {need:,} MB, budget {mb:,} MB"
        )

    def search_index(self) -> SearchIndex:
        """The index find, resolve and suggest read (labels, aliases, pinyin, types): kept
        in the build's folder and loaded once per process; for a graph without a build,
        read through SPARQL once per store."""
        path = self.build.path if self.build is not None else None
        return load_index(self.store, path)

    # -- for servers (the web app) ----------------------------------------------------------

    @classmethod
    def open_store(cls, path: str | Path, timeout: float | None = None) -> AllianceGraph:
        """The graph in the on-disk store at ``path`` (a build's ``store_path``), read-only
        and as it is: nothing is built (each of the web server's query workers opens it)."""
        return cls(EmbeddedStore.open(Path(path)), timeout=timeout)

    @classmethod
    def open_build_folder(
        cls, folder: str | Path, timeout: float | None = None, store: str = "disk"
    ) -> AllianceGraph:
        """The graph of the build in ``folder`` (``info.json``, ``store/``, ``dataset.nq``),
        read-only and as it is, from the store ``store`` chooses (a server's query workers
        load their in-memory copies this way)."""
        from .build import Build

        folder = Path(folder)
        try:
            info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise UsageError(f"{folder} is not a build folder: {e}") from None
        b = Build(str(info.get("key", folder.name)), folder, info)
        return cls(open_build(b, store), b, timeout=timeout, store_choice=store)

    @property
    def store_path(self) -> Path | None:
        """The folder of the on-disk store this graph answers from; None for a store in
        memory or a remote endpoint."""
        store = self.store.store if isinstance(self.store, DeadlineStore) else self.store
        return store.path if isinstance(store, EmbeddedStore) else None

    def with_deadline(self, seconds: float | None) -> AllianceGraph:
        """This graph with ``seconds`` as the deadline of every query that names none,
        whoever runs it (search, views, analysis, a reader of ``.store``): the store itself
        is wrapped."""
        return AllianceGraph(
            DeadlineStore(self.store, seconds), self.build, root=self.root,
            cache_dir=self.cache_dir, data_home=self.data_home, timeout=seconds,
            store_choice=self.store_choice,
        )  # fmt: skip

    def query_text(
        self, name: str, values: dict[str, str] | None = None, bound: bool = True
    ) -> str:
        """The named query ``name`` as a SPARQL client sends it (PREFIX lines, no ``#+``
        header), with ``values`` bound in a VALUES block (entity names resolved on this
        graph); ``bound=False``: the text alone, for an editor."""
        return client_text(name, values, self._source(None), bound=bound)

    def result_view(self, result: QueryResult, title: str = "查询结果 query result") -> View:
        """A query result drawn as a network: in each row the first two of our entities
        joined by an edge (``analysis.pairs``), rendered like every other view."""
        from .analysis.pairs import result_graph, result_type_labels
        from .views import render

        G = result_graph(self, result)
        return render(G, kind="results", title=title, type_labels=result_type_labels(self, G))

    # -- opening --------------------------------------------------------------------------

    @classmethod
    def embedded(
        cls, root: str | Path | None = None, cache_dir: str | Path | None = None,
        data_home: str | Path | None = None, timeout: float | None = None, *,
        strict: bool = False, force: bool = False, store: str = "disk",
    ) -> AllianceGraph:  # fmt: skip
        """The embedded build of the project's inputs, even when ``$ALLIANCEGRAPH_ENDPOINT``
        is set: building, exporting, publishing and importing need the dataset itself.

        ``strict``: build now and raise DataError (every problem located) if the inputs are
        invalid, instead of answering from the last good build with a warning; ``force``:
        rebuild even if cached (implies ``strict``); ``store``: auto, memory or disk
        (:func:`open_build`; one-shot commands keep the on-disk store)."""
        from .build import build as run_build

        root_path = Path(root) if root is not None else None
        cache = Path(cache_dir) if cache_dir is not None else None
        home = config.data_home(data_home, root_path)  # a workspace keeps its own imports
        inputs = inputs_for(root_path, home)
        if strict or force:
            b = run_build(inputs, Cache(cache), force=force)
        else:
            b = ensure_built(inputs, Cache(cache))
        seconds = timeout if timeout is not None else config.timeout()
        return cls(
            open_build(b, store), b, root=root_path, cache_dir=cache,
            data_home=home, timeout=seconds, store_choice=store,
        )  # fmt: skip

    def terms(self, values: dict[str, str]) -> dict[str, Any]:
        """Values for a query's own text (``query TEXT -p key=value``) as RDF terms for
        ``bindings=``: ``<IRI>`` and prefixed names are IRIs, anything else a string."""
        from .library import raw_bindings

        return dict(raw_bindings(values))


class Imports:
    """The imports the graph is built with (in the graph's data home)."""

    def __init__(self, graph: AllianceGraph):
        self._g = graph

    @property
    def home(self) -> Path:
        return self._g.data_home

    def list(self) -> list[ImportRecord]:
        """The manifest's records, oldest first (id, kind, file, alliance, rows, new …)."""
        from .imports import ImportStore

        return ImportStore(self.home).records()

    def _run(self, work: Callable[[], Report]) -> Report:
        self._g._require_build("import")
        report = work()
        self._g._reopen()
        return report

    def members(
        self,
        file: str | Path,
        alliance: str,
        source: str,
        *,
        sheet: str | None = None,
        progress: Progress | None = None,
    ) -> Report:
        """Import a member list (CSV or XLSX) into ``alliance`` (a name, alias, slug or IRI
        of an alliance), citing ``source``; all or nothing."""
        from .imports import import_members

        alliance_iri = self._g.resolve(alliance, type="ag:Alliance")
        g = self._g
        return self._run(
            lambda: import_members(
                Path(file), alliance_iri, source, root=g.root, cache_dir=g.cache_dir,
                home=self.home, sheet=sheet, progress=progress,
            )
        )  # fmt: skip

    def _table(
        self, kind: str, file: str | Path, sheet: str | None, progress: Progress | None
    ) -> Report:
        from .imports import import_table

        g = self._g
        return self._run(
            lambda: import_table(
                Path(file), kind, root=g.root, cache_dir=g.cache_dir, home=self.home,
                sheet=sheet, progress=progress,
            )
        )  # fmt: skip

    def entities(
        self, file: str | Path, *, sheet: str | None = None, progress: Progress | None = None
    ) -> Report:
        """Import entity rows (CSV or XLSX with the columns of ``data/entities.csv``: id,
        type, label_zh, label_en, alt_labels, note); all or nothing, undoable."""
        return self._table("entities", file, sheet, progress)

    def facts(
        self, file: str | Path, *, sheet: str | None = None, progress: Progress | None = None
    ) -> Report:
        """Import fact rows (CSV or XLSX with the columns of ``data/facts.csv``: subject,
        predicate, object, datatype, source, evidence); every fact cites a source of the
        graph with a quote, verbatim in the source's stored text if it has one; all or
        nothing, undoable."""
        return self._table("facts", file, sheet, progress)

    def synthetic(self, folder: str | Path, *, progress: Progress | None = None) -> Report:
        """Import a folder of synthetic lists (``alliancegraph synth``), flagged as such."""
        from .synthetic import import_synthetic

        g = self._g
        return self._run(
            lambda: import_synthetic(
                Path(folder), root=g.root, cache_dir=g.cache_dir, home=self.home,
                progress=progress,
            )
        )  # fmt: skip

    def undo(self, import_id: str) -> ImportRecord:
        """Take one import back; returns its manifest record."""
        from .imports import undo

        g = self._g
        g._require_build("undo")
        record = undo(import_id, root=g.root, cache_dir=g.cache_dir, home=self.home)
        g._reopen()
        return record


class Analyze:
    """Network analysis of the graph: each method returns a DataFrame (``attrs`` say the
    projection, method, engine and exactness) or a networkx graph."""

    def __init__(self, graph: AllianceGraph):
        self._g = graph

    def path(self, a: str, b: str, limit: int = 10, **filters: Any) -> pd.DataFrame:
        """The shortest explained paths from ``a`` to ``b``, one row per hop with its quote."""
        from .analysis import questions

        return questions.path(self._g, a, b, limit=limit, **filters)

    def ego(self, x: str, radius: int = 1, **filters: Any) -> pd.DataFrame:
        """Everything within ``radius`` hops of ``x``."""
        from .analysis import questions

        return questions.ego(self._g, x, radius=radius, **filters)

    def ego_graph(self, x: str, radius: int = 1, **filters: Any) -> nx.MultiDiGraph:
        """The ego network of ``x`` as a networkx graph."""
        from .analysis import questions

        return questions.ego_graph(self._g, x, radius=radius, **filters)

    def central(
        self, metric: str = "betweenness", projection: str = "entity", top: int | None = 20,
        **options: Any,
    ) -> pd.DataFrame:  # fmt: skip
        """The most central nodes of a projection by one metric. When the metric is the same
        for every node (betweenness on a projection whose components are all cliques),
        ``attrs["note"]`` says so, with the projection's size and where it means something."""
        from .analysis import questions

        return questions.central(self._g, metric, projection, top, **options)

    def brokers(
        self, projection: str = "entity", top: int | None = 20, **options: Any
    ) -> pd.DataFrame:
        """Who bridges otherwise separate groups (betweenness, Burt's constraint)."""
        from .analysis import questions

        return questions.brokers(self._g, projection, top, **options)

    def communities(self, projection: str = "entity", **options: Any) -> pd.DataFrame:
        """Louvain communities (seeded; modularity in ``attrs``)."""
        from .analysis import questions

        return questions.communities(self._g, projection, **options)

    def metrics(self, projection: str = "entity", **options: Any) -> pd.DataFrame:
        """Every node metric of a projection, one row per node."""
        from .analysis import questions

        return questions.node_metrics(self._g, projection, **options)

    def composition(
        self, roles: Iterable[str] = ("lead", "supporting", "member"), **filters: Any
    ) -> pd.DataFrame:
        """Each alliance's members by kind (企业, 高等院校, 科研机构 …) and role."""
        from .analysis import questions

        return questions.composition(self._g, tuple(roles), **filters)

    def composition_by_role(
        self, roles: Iterable[str] = ("lead", "supporting", "member"), **filters: Any
    ) -> pd.DataFrame:
        """Each alliance's members by kind and by role (the strongest), with the member
        count a source reports for it beside (``reported``) where one does."""
        from .analysis import comparisons

        return comparisons.composition_by_role(self._g, tuple(roles), **filters)

    def overlap(
        self, roles: Iterable[str] = ("lead", "supporting", "member"), **filters: Any
    ) -> pd.DataFrame:
        """Alliances x alliances: shared members (count, Jaccard, who), one row per pair, in
        the order of a hierarchical clustering (``attrs["order"]``)."""
        from .analysis import comparisons

        return comparisons.overlap_matrix(self._g, tuple(roles), **filters)

    def timeline(self, **filters: Any) -> pd.DataFrame:
        """Dated facts, earliest first: foundings, issue dates of standards and plans,
        membership start dates from imports; ``alliances=[…]`` keeps those alliances'."""
        from .analysis import comparisons

        return comparisons.timeline(self._g, **filters)

    def chain_gaps(self, **filters: Any) -> pd.DataFrame:
        """Industry-chain segments no known organisation operates in."""
        from .analysis import questions

        return questions.chain_gaps(self._g, **filters)

    def coverage(self) -> pd.DataFrame:
        """Reported figures against what the graph knows."""
        from .analysis import questions

        return questions.coverage(self._g)

    def projection(
        self,
        name: str = "entity",
        *,
        alliances: Iterable[str] = (),
        types: Iterable[str] = (),
        since: str | None = None,
        until: str | None = None,
        synthetic: bool = True,
        **options: Any,
    ) -> nx.Graph:
        """The networkx graph of one projection (entity, two-mode, comembership, overlap,
        chain), filtered by alliance (names resolve), class and date; ``options`` are the
        projection's own (``min_shared=2`` for co-membership, ``roles=`` …)."""
        from .analysis import Filters, projection, questions

        f = Filters.make(
            alliances=questions.resolve_alliances(self._g, list(alliances)),
            types=types, since=since, until=until, synthetic=synthetic, source=self._g,
        )  # fmt: skip
        return projection(self._g, name, f, **options)

    def edges(self, G: nx.Graph) -> pd.DataFrame:
        """One row per edge of ``G``: both ends (``source``, ``target``: IRIs) with their
        labels, then its attributes (the source document's label as ``source_document``)."""
        from .analysis import edge_table

        return edge_table(G)

    def table(self, G: nx.Graph, metrics: Iterable[str], **options: Any) -> pd.DataFrame:
        """Several metrics of ``G`` side by side (node, label, type, one column each)."""
        from .analysis import metric_table

        return metric_table(G, list(metrics), **options)

    def export(
        self, target: str | Path, projection: str = "entity", format: str | None = None,
        **filters: Any,
    ) -> list[Path]:  # fmt: skip
        """Write a projection for Gephi/Cytoscape (GEXF, GraphML, CSV); returns the files
        written. CSV is Gephi's spreadsheet import: edges in ``target``, nodes in
        ``x.nodes.csv`` beside it."""
        return self.write_graph(self.projection(projection, **filters), target, format)

    def write_graph(
        self, G: nx.Graph, target: str | Path, format: str | None = None
    ) -> list[Path]:
        """Write a network (from :meth:`projection`, or your own) as GEXF, GraphML or CSV
        tables (format from ``format`` or the file's suffix); returns the files written,
        the one named first."""
        from .analysis import write_graph, written_files

        write_graph(G, Path(target), format)
        return written_files(target, format)

    def write_metrics(
        self, table: pd.DataFrame, target: str | Path, projection: str = "entity"
    ) -> Path:
        """Write a :meth:`metrics` table as RDF (``.nq`` or ``.trig``) in its own named
        graph ``agr:graph-analysis-<projection>``, apart from the curated facts."""
        from .analysis import metrics_to_quads, write_quads

        return write_quads(metrics_to_quads(table, projection), Path(target))


def open(
    root: str | Path | None = None,
    cache_dir: str | Path | None = None,
    endpoint: str | None = None,
    data_home: str | Path | None = None,
    timeout: float | None = None,
    store: str | None = None,
    **remote_options: Any,
) -> AllianceGraph:
    """Open the bundled graph (or the project at ``root``), building it first if needed.

    Every default comes from :mod:`alliancegraph.config`, the same as the CLI's:
    ``root`` ($ALLIANCEGRAPH_HOME), ``cache_dir`` ($ALLIANCEGRAPH_CACHE), ``data_home``
    ($ALLIANCEGRAPH_DATA: the folder whose imports join the graph), ``endpoint``
    ($ALLIANCEGRAPH_ENDPOINT: answer from that SPARQL 1.1 engine instead, with
    ``remote_options`` such as retries and backoff) and ``timeout`` ($ALLIANCEGRAPH_TIMEOUT:
    the deadline of every query that names none; unset: no deadline) and ``store``
    ($ALLIANCEGRAPH_STORE: ``auto`` answers from an in-memory copy when the dataset fits
    $ALLIANCEGRAPH_MEMORY_BUDGET, else from the store on disk; ``memory``; ``disk``).
    ``g.store_kind`` says which.
    """
    url = config.endpoint(endpoint)
    seconds = timeout if timeout is not None else config.timeout()
    if url:
        from .store import RemoteStore

        options = {"graphs": "discover", **remote_options}  # name our graphs: no server flag
        remote = RemoteStore(url, timeout=seconds or config.DEFAULT_TIMEOUT, **options)
        return AllianceGraph(remote, timeout=seconds)
    return AllianceGraph.embedded(
        root, cache_dir, data_home, seconds, store=config.store_choice(store)
    )


def check_quotes(
    quotes: Iterable[str] | None = None, root: str | Path | None = None
) -> QuoteReport:
    """Check evidence quotes against the source texts stored in ``data/sources/`` of the
    project (``root``, default as :func:`open`): every quote of the fact and statistic
    tables against its own source, or the given ``quotes`` against any stored text."""
    from .curation import table_quotes
    from .quotes import check, source_texts

    data_dir = config.project_root(root) / "data"
    texts = source_texts(data_dir)
    if quotes is None:
        return check(table_quotes(data_dir, data_dir.parent), texts)
    given = [q.strip() for q in quotes if q.strip()]
    return check([(f"quote {i}", q, "*") for i, q in enumerate(given, 1)], texts)


def init(folder: str | Path, empty: bool = False, name: str | None = None) -> Path:
    """Make a curation workspace in ``folder`` (new or empty): the four tables with their
    headers, ``data/sources/`` for source texts, a README of the columns, a copy of the
    ontology and ``alliancegraph.toml``. Open it with ``open(root=folder)`` (or
    ``$ALLIANCEGRAPH_HOME``); its imports are kept inside it. The bundled article graph is
    compiled beside its tables as a base layer unless ``empty``."""
    from .imports import init_workspace

    return init_workspace(folder, empty=empty, name=name)


def cjk_fonts() -> list[str]:
    """The installed font families that draw Chinese (Noto CJK first), for matplotlib."""
    from .views import cjk_families

    return cjk_families()


def synthesize(out: str | Path, scale: float = 1.0, seed: int = 0) -> dict[str, int]:
    """Write synthetic member lists in the import format into the folder ``out``
    (deterministic for a seed; ``scale`` multiplies the reported 24 alliances, 1,934
    members, 430 platforms); returns what was written, by kind. Import them with
    ``g.imports.synthetic(out)``."""
    from .synthetic import generate, write

    if scale <= 0:
        raise UsageError(f"scale must be positive, got {scale!r}")
    lists = generate(scale, seed)
    write(lists, Path(out))
    return dict(lists.counts())


__all__ = [
    "AllianceGraph",
    "Analyze",
    "ImportRecord",
    "Imports",
    "check_quotes",
    "cjk_fonts",
    "init",
    "open",
    "synthesize",
]
