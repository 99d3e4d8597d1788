"""One import pipeline for member lists, entity and fact tables and synthetic folders, all
or nothing:

    read -> (already imported? stop) -> build the current graph -> check -> compile
    -> validate the new subgraph -> write the layer and list it -> append it to the
    build it was checked against (``build.append_layer``) -> report

What differs between a member list and a synthetic folder is an :class:`ImportSource`:
how its bytes are read and named, what it checks against the graph, and how it compiles
(:class:`MemberList` here; :class:`.tables.TableImport` for rows with the columns of
``data/entities.csv`` or ``data/facts.csv``; ``synthetic.SyntheticFolder`` flags every node
it makes and keeps them in the synthetic graph). Names are resolved by the caller: the
pipeline takes the alliance as an IRI and only checks that the graph holds it as an alliance.

SHACL runs on the new import's subgraph plus the types and labels of what it references
(:func:`alliancegraph.build.validate_subgraph`); the layer's hash is recorded, so the build
does not validate it again while its bytes are unchanged. While the layer is compiled (Python,
one core), a thread on the other core loads a large one, piece by piece, into the in-memory
store validation reads (:class:`alliancegraph.build.Preload`). The build of a large layer
writes no on-disk store: it is made at its first use (``Build.store_path``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from ..build import (
    Build,
    Cache,
    Preload,
    build,
    ensure_built,
    layer_provenance,
    validate_subgraph,
)
from ..errors import AllianceGraphError, UsageError
from ..fileio import remember_digest
from ..members import CompiledImport, Index, MemberCompiler, Progress, QuadBuffer, read_table
from ..members.resolver import ask, carry_rows
from ..namespaces import AGR, GRAPH_IMPORT_PREFIX, expand
from .manifest import ImportRecord, ImportStore, inputs_for, sha256

__all__ = [
    "ImportSource",
    "MemberList",
    "Report",
    "import_members",
    "import_table",
    "run_import",
    "undo",
]


@dataclass
class Report:
    """What one import did (or would do): counts, warnings, and whether anything changed."""

    id: str
    changed: bool
    rows: int = 0
    quads: int = 0
    new: dict[str, int] = field(default_factory=dict)
    linked: int = 0
    aliases: int = 0
    warnings: list[str] = field(default_factory=list)
    #: where the time went: check (read, resolve, compile), validate, build
    seconds: dict[str, float] = field(default_factory=dict)
    build_key: str | None = None
    #: how each file was read: encoding, delimiter (comma, semicolon, tab), rows
    read_as: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as lines of text (warnings start with ``warning:``)."""
        if not self.changed:
            return [f"{self.id}: already imported; nothing changed"]
        new = ", ".join(f"{n} {k}" for k, n in sorted(self.new.items())) or "none"
        out = [
            f"imported {self.id}: {self.rows} rows, {self.quads} quads; new: {new}; "
            f"linked to known organisations: {self.linked}; aliases added: {self.aliases}"
        ]
        out += [f"read {r}" for r in self.read_as]
        out += [f"warning: {w}" for w in self.warnings]
        return out

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON values."""
        return dataclasses.asdict(self)


class ImportSource(Protocol):
    """One kind of import, as the pipeline sees it."""

    @property
    def kind(self) -> str:
        """``members``, ``entities``, ``facts`` or ``synthetic``: the manifest's kind; its
        first letter starts the id."""
        ...

    @property
    def path(self) -> Path:
        """The file or folder imported (recorded in the manifest)."""
        ...

    @property
    def alliance(self) -> str | None:
        """The alliance every row belongs to, if one (recorded in the manifest)."""
        ...

    @property
    def title(self) -> str:
        """Where the lists come from (the manifest's ``source``)."""
        ...

    @property
    def synthetic(self) -> bool: ...

    def read(self) -> bytes:
        """The bytes imported; raise UsageError if they cannot be read."""
        ...

    def identity(self, raw: bytes) -> bytes:
        """What names the import: the same bytes give the same id (``raw`` plus whatever
        else changes what they compile to)."""
        ...

    def check(self, context: ox.Store) -> None:
        """Raise UsageError if the import cannot go into ``context`` (the current build)."""
        ...

    def compile(
        self,
        context: ox.Store,
        import_id: str,
        progress: Progress | None,
        sink: Callable[[bytes], None] | None = None,
        base: Build | None = None,
    ) -> CompiledImport:
        """Check, resolve against ``context`` and compile; raise DataError on any bad row.
        ``sink`` gets the quads' N-Quads text in chunks as they are written; ``base``: the
        build ``context`` is the store of, which keeps what the resolver reads of it."""
        ...


def run_import(
    source: ImportSource,
    *,
    root: str | Path | None = None,
    cache_dir: str | Path | None = None,
    home: str | Path | None = None,
    progress: Progress | None = None,
    waiting: Callable[[], None] | None = None,
) -> Report:
    """Import ``source`` all or nothing into the data home ``home`` and rebuild the graph of
    the project at ``root`` in ``cache_dir``; raise DataError listing every bad row.

    The data home's import lock is held from reading the manifest to the end of the build
    (:meth:`ImportStore.lock`): a second import started meanwhile waits, then compiles
    against a graph that holds the first."""
    t0 = time.perf_counter()
    store = ImportStore(home, root)
    raw = source.read()
    import_id = f"{source.kind[0]}-" + sha256(source.identity(raw))[:12]
    with store.lock(waiting):
        return _run_locked(source, store, raw, import_id, root, cache_dir, progress, t0)


def _run_locked(
    source: ImportSource,
    store: ImportStore,
    raw: bytes,
    import_id: str,
    root: str | Path | None,
    cache_dir: str | Path | None,
    progress: Progress | None,
    t0: float,
) -> Report:
    if store.get(import_id):
        return Report(import_id, changed=False)
    inputs = inputs_for(root, store.home)
    cache = Cache(Path(cache_dir) if cache_dir is not None else None)
    base = ensure_built(inputs, cache)  # held while its store is open
    context = ox.Store.read_only(str(base.store_path))
    source.check(context)
    # the layer goes into the store validation reads, on the other core, while it is compiled
    preload = Preload()
    staged = None
    try:
        out = source.compile(context, import_id, progress, sink=preload.feed, base=base)
        t1 = time.perf_counter()
        nquads = out.quads.nquads()
        layer_sha256 = sha256(nquads)
        preload.seal(layer_sha256)
        layer_name = f"{import_id}.nq"
        staged = store.stage(layer_name, nquads)  # written while SHACL runs
        shapes = inputs.ontology_dir / "shapes.ttl"
        checked = validate_subgraph(
            nquads, context, shapes, out.origins, out.fact_origins, progress, layer_sha256,
            loaded=preload.take(layer_sha256),
        )  # fmt: skip
        del context
        # every fact with its record? the compiler kept count, or the layer is read again
        check = out.provenance(layer_sha256) or layer_provenance(nquads, layer_sha256)
        quads = len(out.quads)
        out.quads = QuadBuffer()  # the layer's bytes are ``nquads``: one copy, not two
        out.origins, out.fact_origins = {}, {}
        t2 = time.perf_counter()
        record: ImportRecord = {
            "id": import_id,
            "kind": source.kind,
            "file": str(source.path.resolve()),
            "file_sha256": sha256(raw),
            "alliance": source.alliance,
            "source": source.title,
            "rows": out.rows,
            "quads": quads,
            "new": out.new,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "layer": layer_name,
            "synthetic": source.synthetic,
            "layer_sha256": layer_sha256,
            "provenance": check.to_json(),
        }
        store.add(record, nquads, staged)
        remember_digest(store.path / record["layer"], layer_sha256)  # the build reads it next
        del nquads
        try:
            # appended to the build the import was checked against (build.append_layer)
            inputs = inputs_for(root, store.home)
            made = build(inputs, cache, checked=checked)
        except BaseException:
            store.remove(import_id)
            raise
        key = made.key
        # what the resolver read of ``base``, carried to ``made`` for the next import
        with contextlib.suppress(OSError):
            carry_rows(base, made)
        del base, made
    finally:
        preload.discard()
        if staged is not None:
            staged.discard()
    t3 = time.perf_counter()
    return Report(
        import_id,
        True,
        rows=out.rows,
        quads=quads,
        new=out.new,
        linked=out.linked,
        aliases=out.aliases,
        warnings=out.warnings,
        seconds={
            "check": round(t1 - t0, 3),
            "validate": round(t2 - t1, 3),
            "build": round(t3 - t2, 3),
        },
        build_key=key,
        read_as=out.read_as,
    )


@dataclass
class MemberList:
    """A member list (CSV or XLSX) of one alliance, given by its IRI (or a prefixed name
    such as ``agr:alliance-iot``), citing ``source``."""

    path: Path
    alliance: str
    source: str
    sheet: str | None = None
    kind: str = field(default="members", init=False)
    synthetic: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.alliance = expand(self.alliance) or self.alliance.strip()
        if not self.source.strip():
            raise UsageError("a member list needs a source: where the list comes from")
        try:
            ox.NamedNode(self.alliance)
        except ValueError:
            raise UsageError(
                f"{self.alliance!r} is not an IRI: give the alliance's IRI "
                "(resolve its name first, e.g. with AllianceGraph.resolve)"
            ) from None

    @property
    def title(self) -> str:
        return self.source.strip()

    def read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as e:
            raise UsageError(f"cannot read {self.path}: {e.strerror}") from None

    def identity(self, raw: bytes) -> bytes:
        sheet = (self.sheet or "").encode()
        return b"members\0" + self.alliance.encode() + b"\0" + sheet + raw

    def check(self, context: ox.Store) -> None:
        if not ask(context, "imports-is-alliance", {"alliance": ox.NamedNode(self.alliance)}):
            raise UsageError(
                f"<{self.alliance}> is not an alliance of the graph "
                "(a curated or imported, non-synthetic ag:Alliance)"
            )

    def compile(
        self,
        context: ox.Store,
        import_id: str,
        progress: Progress | None,
        sink: Callable[[bytes], None] | None = None,
        base: Build | None = None,
    ) -> CompiledImport:
        table = read_table(self.path, self.sheet)
        compiler = MemberCompiler(
            Index.from_store(context, build=base),
            import_id,
            GRAPH_IMPORT_PREFIX + import_id,
            AGR + f"source-import-{import_id}",
            alliance=self.alliance,
            progress=progress,
            sink=sink,
        )
        compiler.describe_source(self.title, table.name, {})
        compiler.compile_table(table)
        return compiler.finish()


def import_members(
    file: str | Path,
    alliance_iri: str,
    source: str,
    *,
    root: str | Path | None = None,
    cache_dir: str | Path | None = None,
    home: str | Path | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> Report:
    """Import one member list into the alliance ``alliance_iri`` all or nothing; raise
    DataError listing every bad row, UsageError if the IRI is not an alliance of the graph."""
    return run_import(
        MemberList(Path(file), alliance_iri, source, sheet),
        root=root,
        cache_dir=cache_dir,
        home=home,
        progress=progress,
    )


def import_table(
    file: str | Path,
    kind: str,
    *,
    root: str | Path | None = None,
    cache_dir: str | Path | None = None,
    home: str | Path | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> Report:
    """Import a table of entity or fact rows (``kind``: ``entities`` or ``facts``; the
    columns of ``data/<kind>.csv``) all or nothing; raise DataError listing every bad row."""
    from .tables import TableImport

    return run_import(
        TableImport(Path(file), kind, Path(root) if root is not None else None, sheet),
        root=root,
        cache_dir=cache_dir,
        home=home,
        progress=progress,
    )


def undo(
    import_id: str,
    *,
    root: str | Path | None = None,
    cache_dir: str | Path | None = None,
    home: str | Path | None = None,
) -> ImportRecord:
    """Remove exactly one import and rebuild (under the data home's import lock); return
    its manifest record."""
    store = ImportStore(home, root)
    with store.lock():
        record = store.remove(import_id)
        # the import is gone either way; if the rest no longer builds, the next query says why
        with contextlib.suppress(AllianceGraphError):
            build(inputs_for(root, store.home), Cache(Path(cache_dir) if cache_dir else None))
    return record
