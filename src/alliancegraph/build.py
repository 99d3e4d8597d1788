"""Build once, open fast: compile, infer, validate, and cache the dataset by content.

Cache layout (``$ALLIANCEGRAPH_CACHE``, else ``$XDG_CACHE_HOME/alliancegraph``, else
``~/.cache/alliancegraph``)::

    builds/<key>/store/        an on-disk Oxigraph store, opened read-only by queries (an
                               import of a large layer leaves it to its first use)
    builds/<key>/dataset.nq    the same quads as sorted N-Quads (export, publish)
    builds/<key>/info.json     counts, inputs and timings of the build
    builds/<key>/.lock         held shared by every process that reads the build
    builds/<key>-<n>/          a later version of the same key (``build --force``)
    builds/.<key>.<random>/    a build being written (renamed into place when done)
    builds/.builders           held shared by every process writing a build
    current                    the key of the last good build
    failed/<key>.txt           why the build of those inputs failed (not retried)

``key`` hashes the bytes of every input file (tables, ontology, shapes, extra layers such
as imports) and the build's own version, so any change rebuilds and nothing stale is
served silently. A failed build never touches ``current``: the last good build keeps
answering. Builds are written to a temporary folder and renamed into place.

A build folder is never removed or replaced while another process may have it open: a
:class:`Build` holds a shared lock on its folder for as long as it lives, a second build
of the same key becomes a new version beside the first, and :meth:`Cache.clean` (run at
the start of every build and open) removes only superseded versions it can lock
exclusively, and the temporary folders of builders that died (killed mid-build) when no
builder is alive.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import json
import os
import queue
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import config, partitions
from .errors import AllianceGraphError, DataError, Problem
from .fileio import Lock, atomic_write, file_digest, lock, read_with_digest
from .namespaces import (
    AG,
    GRAPH_CURATED,
    GRAPH_EXAMPLES,
    GRAPH_GENERATED,
    GRAPH_IMPORT_PREFIX,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    GRAPH_SYNTHETIC,
    OWL,
    RDF,
    RDFS,
    SKOS,
)

#: Bump when the build's output changes for the same inputs.
BUILD_VERSION = "3"
#: The modules whose code shapes the built dataset: editing one rebuilds, as data edits do.
BUILD_MODULES = (
    "build.py",
    "curation.py",
    "quotes.py",
    "inference.py",
    "partitions.py",
    "validation.py",
    "queryfiles.py",
    "namespaces.py",
    "queries/internal/build-duplicates.rq",
    "queries/internal/build-alliance-names.rq",
    "queries/internal/build-class-counts.rq",
)

PACKAGE_DIR = config.PACKAGE_DIR
project_root = config.project_root  # re-exported: ``alliancegraph.project_root()``


@dataclass
class Inputs:
    """What a build reads. ``layers`` are extra N-Quads files (imports, synthetic data);
    ``validated`` maps a layer to the SHA-256 it had when its import validated it: a layer
    whose bytes still hash so is not validated again (any other layer is). The caller
    lists them (``imports.inputs_for``): the build never reads the import manifest."""

    data_dir: Path
    ontology_dir: Path
    layers: list[Path] = field(default_factory=list)
    validated: dict[Path, str] = field(default_factory=dict)
    #: data folders compiled together with ``data_dir``, before it (a workspace's base
    #: layer: the bundled article graph's tables); their ids are shared with its tables
    base_dirs: list[Path] = field(default_factory=list)
    #: what each layer's import found of its facts' provenance records
    #: (:class:`ProvenanceCheck`), trusted only while the layer's bytes hash as then
    checks: dict[Path, ProvenanceCheck] = field(default_factory=dict)

    @classmethod
    def default(cls, root: Path | None = None) -> Inputs:
        """The project's tables and ontology, without layers (for the imports of a data
        home too, see ``alliancegraph.imports.inputs_for``); a workspace
        (``alliancegraph.toml``) with ``base = true`` has the bundled tables beside its own."""
        root = project_root(root)
        ws = config.workspace(root)
        base = [config.bundled_root() / "data"] if ws is not None and ws.base else []
        return cls(root / "data", root / "ontology", base_dirs=base)

    @property
    def data_dirs(self) -> list[Path]:
        """Every data folder compiled, base layers first."""
        return [*self.base_dirs, self.data_dir]

    @property
    def root(self) -> Path:
        return self.data_dir.parent

    def files(self) -> list[Path]:
        from .curation import ONTOLOGY_FILES, OPTIONAL_TABLES, TABLES

        files: list[Path] = []
        for d in self.data_dirs:
            files += [d / t for t in (*TABLES, *OPTIONAL_TABLES)]  # optional: may be missing
            files += sorted((d / "sources").glob("*.txt"))  # quotes are checked in them
        files += [self.ontology_dir / o for o in (*ONTOLOGY_FILES, "shapes.ttl")]
        from .queryfiles import query_files  # the examples graph is built from them

        return files + sorted(self.layers) + query_files()

    def key(self) -> str:
        """Content hash of every input (a missing file hashes as missing, and fails the
        build): the hash of each file's SHA-256, which a large layer computes once
        (:func:`fileio.file_digest`)."""
        h = hashlib.sha256(f"alliancegraph-build-{BUILD_VERSION}\n".encode())
        code = [PACKAGE_DIR / m for m in BUILD_MODULES]
        for path in [*code, *self.files()]:
            digest = file_digest(path)
            h.update(path.name.encode() + b"\0" + (digest or "<missing>").encode() + b"\0")
        return h.hexdigest()[:20]


@dataclass
class Build:
    """A good build in the cache. ``hold`` is the shared lock on its folder that keeps the
    cleaner away while this object lives (see :meth:`Cache.get`)."""

    key: str
    path: Path
    info: dict
    hold: Lock | None = field(default=None, repr=False, compare=False)
    #: the deferred store made by this process where the cache could not take it
    _made: Path | None = field(default=None, repr=False, compare=False)

    @property
    def store_path(self) -> Path:
        """The on-disk store; made here on first use if the build deferred it (an import of
        a large layer: :func:`append_layer`), which takes as long as bulk-loading the layer
        (15-20 s at 10x)."""
        path = self.path / "store"
        if self.info.get("store") != "deferred" or path.is_dir():
            return path
        if self._made is None or not self._made.is_dir():
            self._made = _materialise(self)
        return self._made

    @property
    def nquads_path(self) -> Path:
        """The build's sorted N-Quads, written on first use (export, publish, an in-memory
        copy): an import does not pay for a file it may never need. Written atomically
        once, into the build folder, or, if that is read-only, into a private temporary
        file of the same name."""
        path = self.path / "dataset.nq"
        if path.exists():
            return path
        try:
            return self._write_nquads(path)
        except OSError:  # a read-only cache: the same bytes, kept beside the process
            spare = Path(tempfile.gettempdir()) / f"alliancegraph-{self.key}-{os.getpid()}"
            spare.mkdir(exist_ok=True)
            return self._write_nquads(spare / "dataset.nq")

    def _write_nquads(self, path: Path) -> Path:
        """Write the sorted N-Quads at ``path``: merged from the base's, the layer's and
        the append's own sorted lines for an appended build (:func:`_appended_lines`: the
        dump of a read-only store decodes every term, 14 s at 10x, minutes at 100x), else
        (or if the merge does not give the build's count of quads) dumped and sorted."""
        merged = _appended_lines(self)
        if merged is not None:
            count = 0

            def counted() -> Iterator[bytes]:
                nonlocal count
                for line in merged:
                    count += 1
                    yield line

            checking = atomic_write(path.with_name(f".merged.{path.name}"), counted())
            if count == self.info.get("quads"):
                os.replace(checking, path)
                return path
            checking.unlink()
        return atomic_write(path, b"".join(sorted_lines(ox.Store.read_only(str(self.store_path)))))


class Cache:
    """The build cache: where builds live and which one is current."""

    def __init__(self, path: Path | None = None):
        self.path = config.cache_dir(path)

    @property
    def builds(self) -> Path:
        return self.path / "builds"

    def build_dir(self, key: str) -> Path:
        """The first version's folder of ``key`` (later ones are ``<key>-<n>``)."""
        return self.builds / key

    def versions(self, key: str) -> list[Path]:
        """The complete folders of ``key``, oldest first."""

        def number(d: Path) -> int:
            tail = d.name[len(key) + 1 :]
            return int(tail) if tail.isdigit() else -1

        found = [self.build_dir(key), *(d for d in self.builds.glob(f"{key}-*") if number(d) >= 0)]
        return sorted((d for d in found if (d / "info.json").exists()), key=number)

    def get(self, key: str) -> Build | None:
        """The newest complete build of ``key``, held (a shared lock on its folder) so that
        no other process removes it while the returned object lives."""
        for _ in range(5):  # a version removed between listing and locking: look again
            versions = self.versions(key)
            if not versions:
                return None
            d = versions[-1]
            try:
                hold = lock(d / ".lock", shared=True)
            except OSError:  # removed meanwhile, or a read-only cache: read without a lock
                hold = None
            try:
                info = json.loads((d / "info.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                if hold is not None:
                    hold.release()
                continue
            return Build(key, d, info, hold)
        return None

    def building(self) -> Lock | None:
        """The shared lock every process writing a build holds while its temporary folder
        exists: the cleaner removes temporary folders only when it can lock this
        exclusively (no builder alive)."""
        return lock(self.builds / ".builders", shared=True)

    def clean(self) -> list[Path]:
        """Remove what no process can be using: the temporary folders of builders that
        died, when no builder is alive, and versions of a key superseded by a later one
        that no process holds. Returns the folders removed."""
        if not self.builds.is_dir():
            return []
        removed: list[Path] = []
        try:
            entries = list(self.builds.iterdir())
        except OSError:
            return []
        temps = [d for d in entries if d.is_dir() and d.name.startswith(".")]
        if temps:
            try:
                alone = lock(self.builds / ".builders", wait=False)
            except OSError:
                alone = None
            if alone is not None:
                with alone:
                    for d in temps:
                        shutil.rmtree(d, ignore_errors=True)
                        removed.append(d)
        keys = {d.name.split("-")[0] for d in entries if d.is_dir() and not d.name.startswith(".")}
        for key in sorted(keys):
            for d in self.versions(key)[:-1]:
                try:
                    mine = lock(d / ".lock", wait=False)
                except OSError:
                    continue
                if mine is None:  # a reader has it open
                    continue
                with mine:
                    # out of sight first (a dot folder: a temporary one if this is cut short)
                    gone = d.with_name(f".{d.name}.removed")
                    try:
                        os.rename(d, gone)
                    except OSError:
                        continue
                shutil.rmtree(gone, ignore_errors=True)
                removed.append(d)
        return removed

    def current(self) -> Build | None:
        try:
            key = (self.path / "current").read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return self.get(key)

    def set_current(self, key: str) -> None:
        atomic_write(self.path / "current", key + "\n")

    def failure(self, key: str) -> str | None:
        try:
            return (self.path / "failed" / f"{key}.txt").read_text(encoding="utf-8")
        except OSError:
            return None

    def record_failure(self, key: str, text: str) -> None:
        (self.path / "failed").mkdir(parents=True, exist_ok=True)
        atomic_write(self.path / "failed" / f"{key}.txt", text)


# -- which graphs hold a fact without its provenance record ---------------------------------

#: ``<graph> ag:provenanceChecked true|false`` in the generated graph, one per asserted graph
PROVENANCE_CHECKED = AG + "provenanceChecked"
_XSD_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")


@dataclass(frozen=True)
class ProvenanceCheck:
    """What an import found when it compiled its layer (``sha256``): the named ``graphs``
    the layer writes, and whether every fact in them has its provenance record in the
    layer itself (``complete``). A property of the layer's bytes alone, so it holds in any
    build that has the layer: records elsewhere can only add to it."""

    sha256: str
    graphs: tuple[str, ...]
    complete: bool

    def to_json(self) -> dict:
        return {"graphs": list(self.graphs), "complete": self.complete}


def asserted_graph(name: str) -> bool:
    """A graph of facts somebody asserted (curated, imported, synthetic): what
    ``facts-without-provenance`` checks. The build's own graphs are not."""
    return name in (GRAPH_CURATED, GRAPH_SYNTHETIC) or name.startswith(GRAPH_IMPORT_PREFIX)


@functools.cache
def untraced_predicates() -> frozenset[str]:
    """The predicates ``facts-without-provenance`` leaves out (types, names, notes, the
    scaffolding of memberships), read from the query itself: a compiler that writes
    only these outside its records has no fact without one."""
    from .namespaces import expand
    from .queryfiles import get

    text = get("facts-without-provenance").text
    found = re.search(r"\?predicate\s+NOT\s+IN\s*\(([^)]*)\)", text)
    if found is None:  # pragma: no cover - the query's own test says it is there
        raise AllianceGraphError("facts-without-provenance names no predicates it leaves out")
    terms = [expand(t) for t in found.group(1).replace("\n", " ").split(",")]
    return frozenset(t for t in terms if t)


def provenance_mark(graph: str, complete: bool) -> ox.Quad:
    """``<graph> ag:provenanceChecked complete`` in the generated graph."""
    value = ox.Literal("true" if complete else "false", datatype=_XSD_BOOLEAN)
    return ox.Quad(ox.NamedNode(graph), ox.NamedNode(PROVENANCE_CHECKED), value,
                   ox.NamedNode(GRAPH_GENERATED))  # fmt: skip


def marks_of(quads: Iterable[ox.Quad]) -> dict[str, bool]:
    """graph -> its ``ag:provenanceChecked`` value, of the generated graph's quads."""
    return {
        q.subject.value: q.object.value == "true"
        for q in quads
        if q.predicate.value == PROVENANCE_CHECKED
        and isinstance(q.subject, ox.NamedNode)
        and isinstance(q.object, ox.Literal)
    }


def check_provenance(store: ox.Store, inputs: Inputs, curated: bool | None = None) -> set[ox.Quad]:
    """The marks of a full build (``store``: the whole dataset, the generated graph
    without marks): a graph every layer writing it found complete is marked so; any other
    asserted graph (a layer without a check) is checked here by :func:`checked_graphs`.
    ``curated``: what that found of the curated graph before the layers were loaded (its
    records are its own: with every record of a 10x dataset the query hashed 0.7 s more),
    used if no layer without a check may have written into it."""
    graphs = {g.value for g in store.named_graphs() if asserted_graph(g.value)}
    claims = [inputs.checks.get(layer) for layer in inputs.layers]
    found: dict[str, bool] = {}
    if all(c is not None and c.sha256 == file_digest(layer)
           for c, layer in zip(claims, inputs.layers, strict=True)):  # fmt: skip
        for c in claims:
            assert c is not None
            for g in c.graphs:
                found[g] = found.get(g, True) and c.complete
                graphs.add(g)
        if curated is None or GRAPH_CURATED not in graphs:
            found.pop(GRAPH_CURATED, None)  # the curated tables write it too
        else:
            found[GRAPH_CURATED] = curated and found.get(GRAPH_CURATED, True)
    found.update(checked_graphs(store, graphs - set(found)))
    return {provenance_mark(g, ok) for g, ok in found.items()}


def checked_graphs(store: ox.Store, graphs: Iterable[str]) -> dict[str, bool]:
    """Each of ``graphs`` -> whether the named query finds no fact of it without its
    record in ``store`` (each marked false for the query to read it, then unmarked)."""
    graphs = sorted(graphs)
    if not graphs:
        return {}
    store.extend(provenance_mark(g, False) for g in graphs)
    failed = _unsourced_graphs(store)
    for g in graphs:
        store.remove(provenance_mark(g, False))
    return {g: g not in failed for g in graphs}


def layer_provenance(layer: bytes, sha256: str) -> ProvenanceCheck:
    """Check the layer ``layer`` (N-Quads) on its own: whether every fact in its asserted
    graphs has its record in the layer (the named query on a store of the layer alone,
    its graphs marked false). For an import whose compiler keeps no count; it costs a
    load of the layer."""
    store = ox.Store()
    store.bulk_load(layer, format=ox.RdfFormat.N_QUADS)
    graphs = sorted(g.value for g in store.named_graphs() if asserted_graph(g.value))
    return ProvenanceCheck(sha256, tuple(graphs), all(checked_graphs(store, graphs).values()))


def _unsourced_graphs(store: ox.Store) -> set[str]:
    """The graphs ``facts-without-provenance`` answers rows of on ``store``."""
    from .namespaces import PREFIXES
    from .queryfiles import get

    rows = store.query(get("facts-without-provenance").text, prefixes=PREFIXES,
                       use_default_graph_as_union=True)  # fmt: skip
    assert isinstance(rows, ox.QuerySolutions)
    return {row["graph"].value for row in rows}


def compile_dataset(inputs: Inputs) -> tuple[ox.Store, dict]:
    """Compile, infer and validate ``inputs`` into an in-memory store; raise DataError if bad."""
    from . import inference, validation
    from .curation import compile_inputs

    t0 = time.perf_counter()
    compiled = compile_inputs(
        inputs.data_dir, inputs.ontology_dir, root=inputs.root, base_dirs=inputs.base_dirs
    )
    store = ox.Store()
    store.extend(compiled.quads)
    t1 = time.perf_counter()
    inferred = inference.materialise(store)
    t2 = time.perf_counter()
    shapes = inputs.ontology_dir / "shapes.ttl"
    # on the store itself, every graph but the ontology (validation.data_graphs)
    validation.check_store(
        store,
        shapes,
        origins=compiled.origins,
        fact_origins=compiled.fact_origins,
        shapes_display=_display(shapes, inputs.root),
    )
    # the curated facts' records are in the curated graph: checked before the layers come
    curated = checked_graphs(store, [GRAPH_CURATED]).get(GRAPH_CURATED)
    t3 = time.perf_counter()
    # Layers (imports, synthetic data) come after the curated graph is validated: each was
    # validated on its own subgraph when imported, so a large import is not re-validated
    # on every build (check_layers validates any whose bytes changed since).
    for layer in inputs.layers:
        try:
            store.load(path=str(layer), format=ox.RdfFormat.N_QUADS)  # in memory
        except SyntaxError as e:
            raise DataError(
                [Problem(f"{layer}:{e.lineno}", f"N-Quads syntax error: {e.msg}")]
            ) from None
    if inputs.layers:
        inferred += inference.materialise(store)
        check_layers(store, inputs)
    t4 = time.perf_counter()
    # The named query library as SHACL-SPARQL executables, in their own graph (queryfiles.py).
    from .namespaces import GRAPH_EXAMPLES, GRAPH_INFERRED
    from .queryfiles import example_quads

    store.extend(example_quads(GRAPH_EXAMPLES))
    generated = generate_aliases(store)  # after the layers: an imported alliance gets them too
    t5 = time.perf_counter()
    store.extend(sorted(check_provenance(store, inputs, curated), key=str))
    t6 = time.perf_counter()
    duplicates = drop_duplicates(store)
    t7 = time.perf_counter()
    # counted last: each triple is in one graph now, and the generated graph types nothing
    store.extend(sorted(partitions.quads(partitions.count(store)), key=str))
    info = {
        "quads": len(store),
        "generated_aliases": generated,
        "inferred": inferred - duplicates.get(GRAPH_INFERRED, 0),
        "duplicates_dropped": sum(duplicates.values()),
        "seconds": {
            "compile": round(t1 - t0, 3),
            "infer": round(t2 - t1, 3),
            "validate": round(t3 - t2, 3),
            "layers": round(t4 - t3, 3),
            "provenance": round(t6 - t5, 3),
            "dedupe": round(t7 - t6, 3),
            "counts": round(time.perf_counter() - t7, 3),
        },
    }
    return store, info


#: The endings of an alliance's full name, longest first: ``重庆市X技术创新战略联盟`` -> X.
_ALLIANCE_ENDINGS = (
    "产业技术创新战略联盟",
    "技术创新战略联盟",
    "产业技术创新联盟",
    "技术创新联盟",
    "产业创新联盟",
    "创新联盟",
    "产业联盟",
    "联盟",
)
_EN_ENDING = " Technology Innovation Strategic Alliance"


def alliance_short_forms(name: str) -> list[tuple[str, str]]:
    """The usual short forms of an alliance's full name, by rule, as (text, language).

    ``重庆市X技术创新战略联盟`` gives X联盟, X创新联盟, X技术创新联盟, X技术创新战略联盟,
    重庆X联盟, 重庆市X联盟, 重庆X技术创新战略联盟 and the 产业 form with the city
    (重庆市X产业技术创新战略联盟; the bare X产业技术创新战略联盟 may be a national body);
    where X is "A及B" (or 与, 和, 、), A联盟, A创新联盟 and 重庆A联盟 too. A name without
    技术创新 keeps its own ending (重庆市X产业联盟 -> X产业联盟, X联盟, 重庆X产业联盟): it
    never gains a 技术创新 form that could be another body's name. ``Chongqing X Technology
    Innovation Strategic Alliance`` gives "X Alliance" (and "A Alliance" for "A and B").
    The full name itself is not among them.

    >>> [t for t, _ in alliance_short_forms("重庆市物联网技术创新战略联盟")][:3]
    ['物联网联盟', '物联网创新联盟', '物联网技术创新联盟']
    """
    import re

    text = name.strip()
    forms: list[tuple[str, str]] = []
    if re.search(r"[\u3400-\u9fff]", text):
        head = re.sub(r"^重庆市?", "", text)
        ending = next((e for e in _ALLIANCE_ENDINGS if head.endswith(e)), None)
        if ending is None:
            return []
        x = head[: -len(ending)]
        if len(x) < 2:
            return []
        if "技术创新" in ending:
            zh = [f"{x}联盟", f"{x}创新联盟", f"{x}技术创新联盟", f"{x}技术创新战略联盟",
                  f"重庆{x}联盟", f"重庆市{x}联盟", f"重庆{x}技术创新战略联盟",
                  f"重庆市{x}技术创新战略联盟", f"重庆市{x}产业技术创新战略联盟"]  # fmt: skip
        else:
            zh = [f"{x}{ending}", f"{x}联盟", f"重庆{x}{ending}", f"重庆市{x}{ending}"]
        first = re.split(r"及|与|和|、", x, maxsplit=1)[0]
        if first != x and len(first) >= 2:
            zh += [f"{first}联盟", f"{first}创新联盟", f"重庆{first}联盟"]
        forms = [(f, "zh") for f in zh]
    elif text.endswith(_EN_ENDING):
        x = re.sub(r"^Chongqing\s+", "", text[: -len(_EN_ENDING)]).strip()
        if x:
            forms = [(f"{x} Alliance", "en")]
            first = re.split(r"\s+and\s+|,\s*", x, maxsplit=1)[0]
            if first != x:
                forms.append((f"{first} Alliance", "en"))
    seen = {text}
    out = []
    for f, lang in forms:
        if f not in seen:
            seen.add(f)
            out.append((f, lang))
    return out


def generate_aliases(store: ox.Store) -> int:
    """Write the alliances' short forms (:func:`alliance_short_forms`) as
    ``ag:generatedAlias`` into their own graph, ``agr:graph-generated`` (replaced, never
    merged into the curated graph); a form the alliance already has as a label or alias
    is left out. Returns how many were written."""
    store.remove_graph(ox.NamedNode(GRAPH_GENERATED))
    quads = _alliance_forms(store)
    store.extend(sorted(quads, key=str))
    return len(quads)


def _alliance_forms(store: ox.Store) -> set[ox.Quad]:
    """The generated graph :func:`generate_aliases` writes for the alliances of ``store``."""
    from . import internal
    from .namespaces import PREFIXES

    graph = ox.NamedNode(GRAPH_GENERATED)
    solutions = store.query(
        internal.text("build-alliance-names"), prefixes=PREFIXES, use_default_graph_as_union=True
    )
    assert isinstance(solutions, ox.QuerySolutions)
    names: dict[str, set[str]] = {}
    labels: dict[str, list[str]] = {}
    for row in solutions:
        a, kind, name = row["a"].value, row["kind"].value, row["name"].value
        names.setdefault(a, set()).add(name)
        if kind == "label":
            labels.setdefault(a, []).append(name)
    prop = ox.NamedNode(AG + "generatedAlias")
    return {
        ox.Quad(ox.NamedNode(a), prop, ox.Literal(form, language=lang), graph)
        for a, full in labels.items()
        for label in full
        for form, lang in alliance_short_forms(label)
        if form not in names[a]
    }


def _alliance_names(stores: list[ox.Store]) -> ox.Store:
    """The alliances of ``stores`` taken together, in a small store of their own: each one's
    type and every label and alias any of the stores gives it. What
    ``build-alliance-names`` reads of the union of ``stores``, joined across them (an
    alliance typed in one and named in another), for :func:`_alliance_forms`."""
    typed, alliance = ox.NamedNode(RDF + "type"), ox.NamedNode(AG + "Alliance")
    found = {q.subject for s in stores for q in s.quads_for_pattern(None, typed, alliance)}
    names = [ox.NamedNode(RDFS + "label"), ox.NamedNode(SKOS + "altLabel")]
    small = ox.Store()
    small.extend(ox.Quad(a, typed, alliance) for a in found)
    small.extend(
        ox.Quad(q.subject, q.predicate, q.object)
        for a in found for s in stores for p in names for q in s.quads_for_pattern(a, p, None)
    )  # fmt: skip
    return small


def drop_duplicates(store: ox.Store) -> dict[str, int]:
    """Keep each triple in one graph only: set semantics on every engine.

    A triple an import restates (an organisation's type, a membership the build had
    inferred) would otherwise sit in two graphs, and an engine whose default graph is the
    union of the named graphs may answer it twice (Oxigraph does). The copy kept is the
    one in the graph ranked first - ontology, curated, imports and synthetic data (by graph
    name), inferred, query examples - so a restated fact keeps its asserted home and the
    inferred graph holds only what nothing states (``queries/internal/build-duplicates.rq``).
    Returns how many copies each graph dropped.
    """
    from . import internal
    from .namespaces import PREFIXES

    graphs = list(store.named_graphs())
    largest = _largest(store, graphs)
    found: set[ox.Quad] = set()
    text = internal.text("build-duplicates")
    for graph in graphs:  # each graph but the largest, looked up in all (the .rq says why)
        if graph != largest:
            solutions = store.query(
                text, prefixes=PREFIXES, substitutions={ox.Variable("scan"): graph}
            )
            assert isinstance(solutions, ox.QuerySolutions)
            found.update(ox.Quad(r["s"], r["p"], r["o"], r["drop"]) for r in solutions)
    drop = sorted(found, key=str)
    dropped: dict[str, int] = {}
    for quad in drop:
        store.remove(quad)
        name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
        dropped[name] = dropped.get(name, 0) + 1
    return dropped


def _largest(
    store: ox.Store, graphs: list[ox.NamedNode | ox.BlankNode]
) -> ox.NamedNode | ox.BlankNode | None:
    """The graph holding the most quads (None if there are none), found by reading every
    graph a chunk at a time until one is left: about as many quads as the others hold,
    not the whole store (Oxigraph keeps no count per graph)."""
    from itertools import islice

    left = {g: iter(store.quads_for_pattern(None, None, None, g)) for g in graphs}
    while len(left) > 1:
        for g, it in list(left.items()):
            if sum(1 for _ in islice(it, 4096)) < 4096:
                del left[g]
                if len(left) == 1:
                    break
    return next(iter(left), None)


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def sorted_lines(store: ox.Store) -> list[bytes]:
    """The store as N-Quads lines, sorted: same content, same bytes.

    Sorted as UTF-8 bytes, which is the order of the text's code points, without decoding
    (a str of CJK text takes two to four times the memory) and splitting at ``\\n`` only
    (``str.splitlines`` would also split inside a literal holding U+2028). A store holds
    each quad once, so there is nothing to deduplicate.
    """
    data = store.dump(format=ox.RdfFormat.N_QUADS)
    assert data is not None  # no output given: dump returns the bytes
    lines = data.splitlines(keepends=True)
    del data
    lines.sort()
    return lines


#: an appended build's sorted N-Quad lines it adds to, and removes from, its base and layer
_PLUS, _MINUS = "append-plus.nq", "append-minus.nq"


def _serialized(quads: Iterable[ox.Quad]) -> list[bytes]:
    """``quads`` as sorted N-Quads lines, as the store's dump writes them."""
    data = ox.serialize(list(quads), format=ox.RdfFormat.N_QUADS) or b""
    with io.BytesIO(data) as f:  # lines split at \n only
        return sorted(f.readlines())


def _appended_lines(b: Build) -> Iterator[bytes] | None:
    """The sorted N-Quads lines of the appended build ``b``: its base's (``dataset.nq``,
    itself merged or dumped), its layer's (the import's sorted file, if it still has the
    hash it was validated with) and its :data:`_PLUS` lines, merged, without its
    :data:`_MINUS` lines; None if a part is missing."""
    import heapq

    layer, base_key = b.info.get("layer"), b.info.get("appended_to")
    plus, minus = b.path / _PLUS, b.path / _MINUS
    if not (layer and base_key and plus.exists() and minus.exists()):
        return None
    if file_digest(Path(layer["path"])) != layer["sha256"]:
        return None
    base = Cache(b.path.parent.parent).get(base_key)
    if base is None:
        return None
    base_nq = base.nquads_path
    with open(minus, "rb") as f:
        removed = set(f.readlines())

    def lines() -> Iterator[bytes]:
        with open(base_nq, "rb") as x, open(layer["path"], "rb") as y, open(plus, "rb") as z:
            last = None
            for line in heapq.merge(x, y, z):
                if line != last and line not in removed:
                    yield line
                last = line
        if base.hold is not None:
            base.hold.release()

    return lines()


def sorted_nquads(store: ox.Store) -> str:
    """The store as N-Quads, one quad a line, sorted: same content, same bytes."""
    return b"".join(sorted_lines(store)).decode("utf-8")


def build(
    inputs: Inputs | None = None,
    cache: Cache | None = None,
    force: bool = False,
    checked: Subgraph | None = None,
) -> Build:
    """Return the build of ``inputs``, building and caching it if needed: appended to the
    cached build of the same inputs without their last layer where there is one
    (:func:`append_layer`; ``checked``: that layer as its import validated it; a layer
    over :data:`DEFER_ABOVE` leaves the on-disk store to its first use), else built in
    full.

    Raises :class:`DataError` (every problem, located) if the inputs are invalid; the
    previous good build stays current.
    """
    inputs = inputs or Inputs.default()
    cache = cache or Cache()
    cache.clean()
    key = inputs.key()
    done = cache.get(key)
    if done and not force:
        cache.set_current(key)
        return done
    del done  # a forced build writes a new version; the old one goes once nobody reads it
    final = cache.build_dir(key)
    final.parent.mkdir(parents=True, exist_ok=True)
    appended = None if force else _append_base(inputs, cache)
    builder = cache.building()
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{key}."))
    try:
        info = None
        if appended is not None:
            base, layer, layer_bytes = appended  # the bytes of the validated hash
            check = inputs.checks.get(layer)
            info = append_layer(
                base, layer_bytes, tmp / "store", checked, inputs.validated[layer],
                defer=len(layer_bytes) > DEFER_ABOVE,
                provenance=check if check and check.sha256 == inputs.validated[layer] else None,
            )  # fmt: skip
            if info is not None:
                info["layer"] = {"path": str(layer), "sha256": inputs.validated[layer]}
            del base, appended, layer_bytes
        del checked
        if info is None:
            try:
                store, info = compile_dataset(inputs)
            except DataError as e:
                cache.record_failure(key, str(e))
                raise
            # the on-disk store is bulk-loaded from the store's own N-Quads (the sorted
            # dataset.nq is written on first use: Build.nquads_path)
            t0 = time.perf_counter()
            data = store.dump(format=ox.RdfFormat.N_QUADS)
            del store
            disk = ox.Store(str(tmp / "store"))
            # Oxigraph wrote these bytes a moment ago: no need to check each IRI
            disk.bulk_load(data, format=ox.RdfFormat.N_QUADS, lenient=True)
            del data
            disk.flush()
            del disk
            info["seconds"].update(store=round(time.perf_counter() - t0, 3))
        info.update(
            key=key,
            built=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            inputs=[str(p) for p in inputs.files()],
        )
        (tmp / "info.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
        _install(tmp, cache, key, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if builder is not None:
            builder.release()
    cache.set_current(key)
    made = cache.get(key)
    if made is None:  # the cache folder was removed under us
        raise AllianceGraphError(f"the build {key} vanished from {cache.builds}")
    return made


# -- appending a layer to a build --------------------------------------------------------------

#: What a layer must not hold for :func:`append_layer` to give exactly the full build's
#: quads: axioms (they change what every triple entails), a generated name (the
#: generated graph is rebuilt by rule), a build graph (ontology, inferred, examples,
#: generated), or a blank node (bulk loading renames it). Such a layer is built in full.
_BUILD_TERMS = (
    RDFS + "subClassOf", RDFS + "subPropertyOf", OWL + "inverseOf", OWL + "SymmetricProperty",
    AG + "generatedAlias", GRAPH_ONTOLOGY, GRAPH_INFERRED, GRAPH_EXAMPLES, GRAPH_GENERATED,
)  # fmt: skip
#: the same as bytes to look for: a blank node starts a line or follows a space
_BLANK = (b"\n_:", b" _:")
_NOT_APPENDABLE = (*(f"<{iri}>".encode() for iri in _BUILD_TERMS), *_BLANK)


#: layer SHA-256 -> :func:`_appendable`'s answer (1.8 s for a 10x layer: asked by the
#: validation and by the build of the same import)
_APPENDABLE: dict[str, bool] = {}


def _appendable(layer: bytes, sha256: str | None = None, loaded: ox.Store | None = None) -> bool:
    """Whether ``layer`` holds none of :data:`_NOT_APPENDABLE`, remembered by the layer's
    ``sha256`` when given. A substring search per term (a literal holding such text only
    costs a full build): one regular expression of alternatives took 9 s on the 350 MB
    layer of a 10x import, these 1.8 s. ``loaded``: a store holding the layer alone, where
    the build's terms are looked up instead (no time), the text searched for blank nodes
    only."""
    if sha256 is not None and sha256 in _APPENDABLE:
        return _APPENDABLE[sha256]
    if loaded is not None:
        graphs = list(loaded.named_graphs())
        blank = b"_:" in layer and (layer.startswith(b"_:") or any(t in layer for t in _BLANK))
        ok = not blank and not any(_in_layer(loaded, ox.NamedNode(t), graphs) for t in _BUILD_TERMS)
    else:
        ok = not layer.startswith(b"_:") and not any(t in layer for t in _NOT_APPENDABLE)
    if sha256 is not None:
        _APPENDABLE[sha256] = ok
    return ok


_AXIOMS = (RDFS + "subClassOf", RDFS + "subPropertyOf", OWL + "inverseOf")


def _append_base(inputs: Inputs, cache: Cache) -> tuple[Build, Path, bytes] | None:
    """The cached build ``inputs`` extends by its last layer alone (an import on top of
    the graph it was checked against), with that layer and its bytes (read here once,
    hashed unless this process wrote or hashed this very file); None if there is none, or
    the layer is not the one its import validated (the full build then checks it)."""
    if not inputs.layers:
        return None
    layer = inputs.layers[-1]
    try:
        data, digest = read_with_digest(layer)
    except OSError:
        return None
    if inputs.validated.get(layer) != digest:
        return None
    if not _appendable(data, digest):
        return None
    rest = Inputs(inputs.data_dir, inputs.ontology_dir, inputs.layers[:-1],
                  dict(inputs.validated), list(inputs.base_dirs))  # fmt: skip
    base = cache.get(rest.key())
    return (base, layer, data) if base is not None else None


def _rank(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> tuple[int, str]:
    """Which copy of a triple :func:`drop_duplicates` keeps: the lowest rank (the order of
    ``queries/internal/build-duplicates.rq``)."""
    name = graph.value if isinstance(graph, ox.NamedNode) else ""
    order = {GRAPH_ONTOLOGY: 0, GRAPH_CURATED: 1, GRAPH_INFERRED: 3, GRAPH_EXAMPLES: 4}
    return order.get(name, 2), name


def append_layer(
    base: Build,
    layer: bytes,
    target: Path,
    checked: Subgraph | None = None,
    sha256: str | None = None,
    defer: bool = False,
    provenance: ProvenanceCheck | None = None,
) -> dict | None:
    """Write at ``target`` the store of ``base`` with the import layer ``layer`` (sorted,
    validated N-Quads) added, holding exactly the quads a full build of the same inputs
    holds, and return its info (None, writing nothing, if it cannot: build in full); the
    base build is not touched.

    A full build materialises the entailments of everything, then keeps each triple in
    one graph (:func:`drop_duplicates`). Each entailment rule has one data premise, so what
    the layer adds to the closure is the closure of the layer alone (with the axioms):
    computed on a small store of the layer, keeping only what the base does not hold. A
    triple of the layer the base already holds stays in the graph ranked first, as the
    full build's dedupe decides. The generated short forms are made again by rule, and
    the class counts (:mod:`partitions`) are the base's plus what the layer types anew. The
    store is a hard-linked checkpoint of the base's (``Store.backup``) that the layer is
    bulk-loaded into: nothing of the base is rewritten. ``checked`` is the layer's closure
    its import validated (:func:`validate_subgraph`), used instead of computing it again
    when it is of these bytes (``sha256``: theirs, if known).

    ``defer``: write no store now if the count of quads can be told without it (the base
    holds nothing in the layer's graphs): ``info["store"]`` is then ``"deferred"``, and
    :attr:`Build.store_path` makes the store on first use from the base's, the layer and
    the append's own lines (:func:`_materialise`). Bulk-loading the layer of a 10x import
    was 19-22 s of processor time, most of the import's; ``serve`` and ``ag.open()`` answer
    from memory, loaded from the merged ``dataset.nq``, and never need it."""
    t0 = time.perf_counter()
    inferred_graph = ox.NamedNode(GRAPH_INFERRED)
    old = ox.Store.read_only(str(base.store_path))
    sha256 = sha256 or hashlib.sha256(layer).hexdigest()
    if checked is None or checked.sha256 != sha256:
        checked = _closure(layer, old, sha256=sha256)
    small, layer_graphs = checked.store, checked.graphs
    t1 = time.perf_counter()
    add: list[ox.Quad] = []
    remove: set[ox.Quad] = set()
    entailed = list(small.quads_for_pattern(None, None, None, inferred_graph))
    holders: dict[ox.Triple, list[ox.Quad]] | None = None
    if base.info.get("quads", len(entailed) + 1) <= len(entailed) * _PASS_PER_LOOKUP:
        # a small base (a first import): one pass over it, not a look-up on disk per triple
        holders = {}
        for h in old:
            holders.setdefault(h.triple, []).append(h)
    for q in entailed:
        if holders is not None:
            held = holders.get(q.triple, [])
        else:
            held = list(old.quads_for_pattern(q.subject, q.predicate, q.object))
        if not held or all(h.graph_name == ox.NamedNode(GRAPH_EXAMPLES) for h in held):
            add.append(q)  # the full build infers it before the examples graph is added
            remove.update(held)
    if any(q.predicate.value == AG + "generatedAlias" for q in add):
        return None  # the generated graph is made after inference: build in full
    # triples of the layer the base holds already: one copy stays, in the graph ranked first
    for s in _subjects(layer, old, small, layer_graphs):
        for h in old.quads_for_pattern(s, None, None):
            for q in small.quads_for_pattern(h.subject, h.predicate, h.object):
                if q.graph_name not in layer_graphs or q.graph_name == h.graph_name:
                    continue
                remove.add(q if _rank(h.graph_name) < _rank(q.graph_name) else h)
    # what the layer adds to each class's count (partitions.py), the base's from its own
    generated_graph = ox.NamedNode(GRAPH_GENERATED)
    was_generated = set(old.quads_for_pattern(None, None, None, generated_graph))
    counts = partitions.read(was_generated)
    counts = partitions.merged(
        partitions.count(old) if counts is None else counts,
        partitions.added(small, old, small_base=holders is not None),
    )
    if defer:  # the count is the base's plus the layer's only if they share no graph
        where = [ox.DefaultGraph(), *layer_graphs]
        defer = next(small.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is None
        defer = defer and not any(next(old.quads_for_pattern(None, None, None, g), None)
                                  for g in where)  # fmt: skip
    names = _alliance_names([old, small]) if defer else None
    checked.release()
    del small, checked
    t2 = time.perf_counter()
    # the base's marks hold still (its graphs only gain records); a graph of the layer is
    # marked complete if the base's part of it was and the layer's import found its own so
    marks = marks_of(was_generated)
    for g in layer_graphs:
        if isinstance(g, ox.NamedNode) and asserted_graph(g.value):
            found = provenance is not None and provenance.complete and g.value in provenance.graphs
            marks[g.value] = marks.get(g.value, True) and found
    mark_quads = {provenance_mark(g, ok) for g, ok in marks.items()}
    kept = mark_quads | partitions.quads(counts)
    dropped = sum(1 for q in remove if q.graph_name == inferred_graph)
    if names is not None:
        del old
        now_generated = _alliance_forms(names) | kept
        # a store is a set: the layer (sorted, deduplicated lines, one quad each), the base
        # and the entailments share no quad; what is removed is in one of them
        quads = base.info["quads"] + layer.count(b"\n") + len(add) - len(remove)
        quads += len(now_generated - was_generated) - len(was_generated - now_generated)
    else:
        store = _checkpoint_with(old, _chunks(layer, _LOAD_CHUNK), target)
        del old
        # not anybody's store yet: the bulk loader, not a transaction (1.8 s, 62k quads at 10x)
        store.bulk_extend(add)
        for q in remove:
            store.remove(q)
        generate_aliases(store)
        store.bulk_extend(sorted(kept, key=str))
        now_generated = set(store.quads_for_pattern(None, None, None, generated_graph))
        store.flush()
        quads = len(store)
        del store
    # what Build.nquads_path merges with the base's and the layer's lines
    atomic_write(target.parent / _PLUS, b"".join(_serialized(
        now_generated | {q for q in add if q not in remove})))  # fmt: skip
    atomic_write(target.parent / _MINUS, b"".join(_serialized(
        (remove | was_generated) - now_generated)))  # fmt: skip
    info = {
        "quads": quads,
        "generated_aliases": len(now_generated - kept),
        "inferred": base.info.get("inferred", 0) + len(add) - dropped,
        "duplicates_dropped": base.info.get("duplicates_dropped", 0) + len(remove),
        "appended_to": base.key,
        "seconds": {
            "infer": round(t1 - t0, 3),
            "dedupe": round(t2 - t1, 3),
            "store": round(time.perf_counter() - t2, 3),
        },
    }
    if names is not None:
        info["store"] = "deferred"
    return info


#: the most bytes of a layer :func:`append_layer` bulk-loads at once: Oxigraph's bulk loader
#: holds about three times what it is given (1.2 GB more for the 350 MB layer of a 10x
#: import, which was the import's peak: 2.0 GB), about 0.1 GB in pieces of this size
#: (at most a tenth slower in all)
_LOAD_CHUNK = 32 * 2**20


def _chunks(data: bytes, size: int) -> Iterator[bytes]:
    """``data`` (N-Quads: one statement a line) in pieces of about ``size`` bytes, each
    ending at the end of a line."""
    start = 0
    while start < len(data):
        end = data.find(b"\n", start + size - 1)
        end = len(data) if end < 0 else end + 1
        yield data[start:end]
        start = end


def _file_pieces(path: Path, size: int = _LOAD_CHUNK) -> Iterator[bytes]:
    """The N-Quads file ``path`` read in pieces of about ``size`` bytes, each ending at the
    end of a line (:func:`_chunks` of a file, without holding it whole)."""
    with open(path, "rb") as f:
        while piece := f.read(size):
            yield piece + f.readline()


def _checkpoint_with(old: ox.Store, pieces: Iterable[bytes], target: Path) -> ox.Store:
    """A hard-linked checkpoint of ``old`` at ``target`` with the N-Quads ``pieces`` (whole
    lines each) bulk-loaded into it, gathered into loads of about :data:`_LOAD_CHUNK`."""
    old.backup(str(target))
    store = ox.Store(str(target))
    pending: list[bytes] = []
    size = 0
    for piece in pieces:
        pending.append(piece)
        size += len(piece)
        if size >= _LOAD_CHUNK:  # the bulk loader holds about three times a load
            store.bulk_load(b"".join(pending), format=ox.RdfFormat.N_QUADS, lenient=True)
            pending, size = [], 0
    if pending:
        store.bulk_load(b"".join(pending), format=ox.RdfFormat.N_QUADS, lenient=True)
    return store


#: the smallest layer (bytes) worth loading ahead in a thread: a smaller one loads in well
#: under a second after the compile
PRELOAD_ABOVE = 16 * 2**20


class Preload:
    """The store validation reads a layer from (:func:`_closure`'s ``loaded``), made early:
    an in-memory store the layer is loaded into in a thread (Oxigraph's load lets go of the
    GIL) on the other core, fed the layer's text piece by piece (:meth:`feed`) while the
    import still compiles it in Python on this one. Loaded after the compile, it was 8-12 s
    of a 10x import on a slow machine.

    The thread starts once :data:`PRELOAD_ABOVE` bytes have come. :meth:`seal` names the
    whole layer the pieces made up (any order, duplicates allowed: a store is a set), and
    :meth:`take` gives the store only for those very bytes, and only if no piece held a
    blank node (each load would name it anew); :meth:`discard` stops the thread and lets
    the store go."""

    def __init__(self) -> None:
        self.sha256: str | None = None
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self.pieces: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.waiting: list[bytes] = []  # until there are enough to pay
        self.size = 0
        self.blank = False
        self.store: ox.Store | None = None
        self.thread: threading.Thread | None = None

    def feed(self, piece: bytes) -> None:
        """A piece of the layer: whole N-Quads lines."""
        if self.thread is None:
            self.waiting.append(piece)
            self.size += len(piece)
            if self.size < PRELOAD_ABOVE:
                return
            self.thread = threading.Thread(target=self._load, daemon=True)
            self.thread.start()
            piece = b"".join(self.waiting)
            self.waiting = []
        self.pieces.put(piece)

    def seal(self, sha256: str) -> None:
        """Every piece is in: together, the layer of hash ``sha256`` (sorted, deduplicated)."""
        self.sha256 = sha256
        self.waiting = []
        self.pieces.put(None)

    def _load(self) -> None:
        try:
            store = ox.Store()
            while (piece := self.pieces.get()) is not None and not self.stop.is_set():
                self.blank = self.blank or b"_:" in piece
                # written from checked terms: not checked again (as _closure loads it)
                store.load(piece, format=ox.RdfFormat.N_QUADS, lenient=True)
            if not self.stop.is_set():
                self.store = store
        except BaseException as e:  # validation then loads the layer itself
            self.error = e

    def take(self, sha256: str) -> ox.Store | None:
        """The store holding the layer, if it is the layer of ``sha256`` (waiting for the
        thread to finish); else None."""
        if self.thread is None or sha256 != self.sha256:
            return None
        self.thread.join()
        store, self.store = self.store, None
        return None if self.error is not None or self.blank else store

    def discard(self) -> None:
        """Stop (between pieces), wait for the thread and let the store go."""
        self.stop.set()
        self.waiting = []
        if self.thread is not None:
            self.pieces.put(None)
            self.thread.join()
        self.store = None


#: layers larger than this (bytes) are appended without writing the store then (``defer``)
DEFER_ABOVE = 16 * 2**20


def _materialise(b: Build) -> Path:
    """Make the store :func:`append_layer` deferred for the appended build ``b``: a
    checkpoint of its base's store (itself made first if deferred) with the layer and the
    append's own quads bulk-loaded and the quads it drops removed, the store the append
    would have written. Made under an exclusive lock in the build's folder (a second
    process waits, then finds it) and renamed into place; in a read-only cache, into a
    private temporary folder. Raises AllianceGraphError if the base build or the layer
    (with the hash it was built with) is gone."""
    base_key, layer = b.info.get("appended_to"), b.info.get("layer") or {}
    base = Cache(b.path.parent.parent).get(str(base_key)) if base_key else None
    if base is None:
        raise AllianceGraphError(
            f"the on-disk store of build {b.key} is made from build {base_key}, which is no "
            "longer in the cache; build again: alliancegraph build --force"
        )
    path = Path(layer.get("path", ""))
    if not path.is_file() or file_digest(path) != layer.get("sha256"):
        raise AllianceGraphError(
            f"the on-disk store of build {b.key} is made from the layer {layer.get('path')}, "
            "which is gone or changed; build again: alliancegraph build --force"
        )
    try:
        held: Lock | None = lock(b.path / ".store.lock")
        folder = b.path
    except OSError:  # a read-only cache: the same store, kept beside the process
        held = None
        folder = Path(tempfile.gettempdir()) / f"alliancegraph-{b.key}-{os.getpid()}"
        folder.mkdir(exist_ok=True)
    try:
        target = folder / "store"
        if target.is_dir():  # made by another process while this one waited
            return target
        for stale in folder.glob(".store-making.*"):  # left by a process that was killed
            shutil.rmtree(stale, ignore_errors=True)
        _stderr(
            f"making the on-disk store of build {b.key} ({b.info.get('quads', 0):,} quads), "
            "once: the import of its last layer left it to its first use"
        )
        tmp = folder / f".store-making.{os.getpid()}"
        try:
            old = ox.Store.read_only(str(base.store_path))
            plus = (b.path / _PLUS).read_bytes()
            store = _checkpoint_with(old, itertools.chain(_file_pieces(path), [plus]), tmp)
            del old, plus
            for q in ox.parse((b.path / _MINUS).read_bytes(), format=ox.RdfFormat.N_QUADS):
                store.remove(q)
            store.flush()
            del store
            os.rename(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return target
    finally:
        if held is not None:
            held.release()


def _subjects(
    layer: bytes, old: ox.Store, loaded: ox.Store | None = None, graphs: set | None = None
) -> Iterator[ox.NamedNode]:
    """The subjects of ``layer`` that ``old`` holds triples about: a look-up per subject, or
    one pass over ``old`` where that is smaller. ``loaded``: a store holding the layer in
    ``graphs`` (and its default graph), where the subjects of a small ``old`` are looked up
    instead of reading the layer's text."""
    if loaded is not None and graphs is not None:
        where = [ox.DefaultGraph(), *graphs]
        budget = len(layer) // _BYTES_PER_LOOKUP
        seen: set[ox.NamedNode] = set()
        for q in old:
            budget -= 1
            if budget < 0:
                break  # ``old`` is the larger side: read the layer's text
            s = q.subject
            if isinstance(s, ox.NamedNode) and s not in seen:
                seen.add(s)
        else:
            for s in seen:
                if any(next(loaded.quads_for_pattern(s, None, None, g), None) for g in where):
                    yield s
            return
    pattern = re.compile(rb"^<([^>]*)>", re.M)
    found: set[bytes] = set()
    for piece in _chunks(layer, _LOAD_CHUNK):  # a line each: a list of every match is not kept
        found.update(pattern.findall(piece))
    subjects = {s.decode() for s in found}
    del found
    if len(old) < len(subjects):
        done: set[str] = set()
        for q in old:
            s = q.subject
            if isinstance(s, ox.NamedNode) and s.value in subjects and s.value not in done:
                done.add(s.value)
                yield s
        return
    for iri in subjects:
        node = ox.NamedNode(iri)
        if next(old.quads_for_pattern(node, None, None), None) is not None:
            yield node


def _install(tmp: Path, cache: Cache, key: str, force: bool) -> None:
    """Rename the finished build ``tmp`` into place without touching a folder another
    process may read: the key's first folder if there is none, else (forced, or built by
    another process meanwhile) a new version beside it, or nothing if an equal build of
    the key (same content: the key hashes it) is already there."""
    if not cache.versions(key):
        try:
            os.rename(tmp, cache.build_dir(key))  # fails if another builder got there first
            return
        except OSError:
            pass
    if not force and cache.versions(key):
        shutil.rmtree(tmp, ignore_errors=True)
        return
    os.rename(tmp, cache.builds / f"{key}-{time.time_ns()}")


def ensure_built(inputs: Inputs | None = None, cache: Cache | None = None, warn=None) -> Build:
    """The build to answer queries from: the current inputs' build, built if needed.

    If the inputs changed and no longer build, the last good build answers and ``warn``
    (default: stderr) is told why, so a broken edit never takes the graph away.
    """
    inputs = inputs or Inputs.default()
    cache = cache or Cache()
    cache.clean()
    key = inputs.key()
    done = cache.get(key)
    if done:
        return done
    failure = cache.failure(key)
    if failure is None:
        try:
            return build(inputs, cache)
        except DataError as e:
            failure = str(e)
    previous = cache.current()
    if previous is None:
        raise AllianceGraphError(
            failure + "\nno earlier good build to fall back on; fix the input and build again"
        )
    (warn or _stderr)(
        f"warning: the inputs do not build; answering from the last good build "
        f"{previous.key} ({previous.info.get('built', '?')}).\n{failure}"
    )
    return previous


def _stderr(text: str) -> None:
    print(text, file=sys.stderr)


def export_dataset(b: Build, fmt: str) -> bytes:
    """Serialise a build deterministically in an RDF format of :mod:`.formats` (``ttl``,
    ``nt``, ``nq``, ``trig``, ``jsonld``, ``rdfxml``): sorted N-Triples/N-Quads; the others
    written by Oxigraph from the sorted quads (it keeps their order). Triple formats merge
    the named graphs, quad formats keep them."""
    from . import formats
    from .namespaces import PREFIXES

    spec = formats.get(fmt, "rdf")
    nquads = b.nquads_path.read_text(encoding="utf-8")
    if spec.name == "nq":
        return nquads.encode("utf-8")
    quads = list(ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS))
    if spec.quads:
        return spec.serialize(quads, PREFIXES)
    seen: dict[str, ox.Triple] = {}
    for q in quads:
        seen.setdefault(str(q.triple), q.triple)
    if spec.name == "nt":
        return "".join(f"{k} .\n" for k in sorted(seen)).encode("utf-8")
    return spec.serialize([seen[k] for k in sorted(seen)], PREFIXES)


# -- layers (imports, synthetic data) --------------------------------------------------------

#: ``progress(stage, done, total)``: told how a long step advances (a progress bar).
Progress = Callable[[str, int, int], None]

#: above this many referenced nodes, one pass over the context's types and labels is
#: cheaper than two index look-ups per node
_SCAN_ABOVE = 20_000


@dataclass
class Subgraph:
    """A layer's quads (in ``graphs``) with the entailments they add to the graph they
    join, in an in-memory store's inferred graph: what validation checks, and what
    :func:`append_layer` adds to the base build. ``sha256``: the layer's bytes."""

    store: ox.Store
    graphs: set[ox.NamedNode | ox.BlankNode]
    sha256: str

    def release(self) -> None:
        """Let the store go once used (the build passed it holds the memory otherwise).
        Freeing it (about a second for a 10x layer) holds the GIL: a thread that frees it
        stops this one as long, so it is freed here."""
        self.store = ox.Store()


def _closure(
    nquads: bytes,
    context: ox.Store,
    described: bool = False,
    sha256: str | None = None,
    loaded: ox.Store | None = None,
) -> Subgraph:
    """The layer ``nquads`` in a store of its own with the ontology, every axiom
    ``context`` holds (in the ontology graph), and, if ``described``, the types and labels
    ``context`` gives the nodes it references (in a context graph); entailments
    materialised. One rule premise each: nothing the layer entails is missed, and what
    the context alone entails is in the context already. ``loaded``: an in-memory store
    holding ``nquads`` alone already (:class:`Preload`), used as the store of its own."""
    from . import inference
    from .namespaces import AGR

    sub = loaded
    if sub is None:
        sub = ox.Store()
        # written from checked terms (an import) or loaded by the build already: not
        # checked again; ``load``: for an in-memory store faster than ``bulk_load``, and
        # growing less than it with the size (EmbeddedStore.from_nquads)
        sub.load(nquads, format=ox.RdfFormat.N_QUADS, lenient=True)
    graphs = set(sub.named_graphs())
    if sha256 is not None:  # asked by the build next: answered while ``sub`` is the layer
        _appendable(nquads, sha256, loaded=sub)
    # found while ``sub`` holds the layer alone
    known = list(_described_of(nquads, sub, context)) if described else []
    ontology = ox.NamedNode(GRAPH_ONTOLOGY)
    axioms = [q for p in _AXIOMS for q in context.quads_for_pattern(None, ox.NamedNode(p), None)]
    axioms += context.quads_for_pattern(
        None, ox.NamedNode(RDF + "type"), ox.NamedNode(OWL + "SymmetricProperty")
    )
    sub.bulk_extend(
        ox.Quad(q.subject, q.predicate, q.object, ontology)
        for q in [*context.quads_for_pattern(None, None, None, ontology), *axioms]
    )
    if described:
        # the nodes the layer references but does not describe: their types and labels come
        # from the graph it joins (a lead institution must be an organisation there)
        ctx_graph = ox.NamedNode(AGR + "graph/context")
        sub.bulk_extend(
            ox.Quad(q.subject, q.predicate, q.object, ctx_graph)
            for q in known
            if q.graph_name != ontology
        )
    inference.materialise(sub)
    return Subgraph(sub, graphs, sha256 or hashlib.sha256(nquads).hexdigest())


def validate_subgraph(
    nquads: bytes,
    context: ox.Store,
    shapes_path: Path,
    origins: dict[str, str] | None = None,
    fact_origins: dict[tuple[str, str, str], str] | None = None,
    progress: Progress | None = None,
    sha256: str | None = None,
    loaded: ox.Store | None = None,
) -> Subgraph:
    """SHACL on the quads ``nquads`` (N-Quads, already parsed once by Oxigraph) plus the
    types and labels, in ``context``, of the nodes they reference; raise :class:`DataError`
    with every violation, located by ``origins`` / ``fact_origins`` where known.

    A new layer is validated this way, not with the whole graph: on Oxigraph, compiled to
    SPARQL (:mod:`.validation`), about a second for a 1x synthetic import. Returns the
    subgraph validated, which the build appends (:func:`append_layer`); ``loaded``: a
    store holding ``nquads`` already (:class:`Preload`)."""
    from . import validation

    if progress:
        progress("validating (SHACL)", 0, 2)
    checked = _closure(nquads, context, described=True, sha256=sha256, loaded=loaded)
    sub = checked.store
    # not data, and the entailments are in: validation then reads the union of what is left
    sub.remove_graph(ox.NamedNode(GRAPH_ONTOLOGY))
    if progress:
        progress("validating (SHACL)", 1, 2)
    problems = validation.validate_store(
        sub, shapes_path, origins=origins or {}, fact_origins=fact_origins or {}
    )
    if progress:
        progress("validating (SHACL)", 2, 2)
    if problems:
        raise DataError(problems)
    return checked


def _referenced(nquads: bytes) -> set[ox.NamedNode]:
    """The resource IRIs N-Quads text names: a regular expression over the bytes is ten
    times faster than parsing 1.45M quads into Python objects. It may also find graph
    names (harmless: a graph name has no type or label to look up)."""
    import re

    from .namespaces import AGR

    pattern = re.compile(rb"<" + re.escape(AGR.encode()) + rb"[^>]*>")
    found: set[bytes] = set()
    for piece in _chunks(nquads, _LOAD_CHUNK):  # a list of every match is 0.25 GB at 10x
        found.update(pattern.findall(piece))
    return {ox.NamedNode(iri[1:-1].decode()) for iri in found}


#: bytes of layer text per quad of the other side worth reading instead: a regular
#: expression reads the text at about 5 ns a byte, a quad read and looked up costs about
#: 2 us (the 350 MB layer of a 10x import: 1.8 s of text, or a base of 4,000 quads)
_BYTES_PER_LOOKUP = 500


#: quads of a base read in one pass per triple not looked up in it on disk (the pass is
#: about 3x cheaper per quad than a look-up: 0.17 s against 0.56 s for a first 10x import)
_PASS_PER_LOOKUP = 1


def _in_layer(layer: ox.Store, node: ox.NamedNode, graphs: list) -> bool:
    """Whether ``node`` is a term of a quad of ``layer`` in ``graphs`` (any position)."""
    return any(
        next(layer.quads_for_pattern(*pattern), None) is not None
        for pattern in ((node, None, None), (None, None, node), (None, node, None))
    ) or node in graphs


def _described_of(nquads: bytes, layer: ox.Store, context: ox.Store) -> Iterator[ox.Quad]:
    """The ``rdf:type`` and ``rdfs:label`` quads, in ``context``, of the resources the layer
    names (``nquads``, loaded alone in ``layer``): from whichever side is smaller, the
    context's types and labels each looked up in the layer (a first import into a small
    graph), or the layer's text read for names each looked up in the context."""
    from .namespaces import AGR, RDF, RDFS

    budget = len(nquads) // _BYTES_PER_LOOKUP
    graphs = list(layer.named_graphs())
    found: list[ox.Quad] = []
    for p in (ox.NamedNode(RDF + "type"), ox.NamedNode(RDFS + "label")):
        for q in context.quads_for_pattern(None, p, None):
            budget -= 1
            if budget < 0:  # the context is the larger side
                yield from _described(_referenced(nquads), context)
                return
            node = q.subject
            if (isinstance(node, ox.NamedNode) and node.value.startswith(AGR)
                    and _in_layer(layer, node, graphs)):  # fmt: skip
                found.append(q)
    yield from found


def _described(nodes: set[ox.NamedNode], context: ox.Store) -> Iterator[ox.Quad]:
    """The ``rdf:type`` and ``rdfs:label`` quads of ``nodes`` in ``context``."""
    from .namespaces import RDF, RDFS

    described = (ox.NamedNode(RDF + "type"), ox.NamedNode(RDFS + "label"))
    if len(nodes) <= _SCAN_ABOVE:
        for node in nodes:
            for p in described:
                yield from context.quads_for_pattern(node, p, None)
        return
    for p in described:
        for q in context.quads_for_pattern(None, p, None):
            if q.subject in nodes:
                yield q


def check_layers(store: ox.Store, inputs: Inputs) -> None:
    """Validate every layer of ``inputs`` whose bytes are not those its import validated
    (``inputs.validated``), against the rest of ``store``."""
    shapes = inputs.ontology_dir / "shapes.ttl"
    for layer in inputs.layers:
        if inputs.validated.get(layer) == file_digest(layer):
            continue  # hashed by the build key already: not read again
        data, digest = read_with_digest(layer)
        validate_subgraph(data, store, shapes, sha256=digest)
