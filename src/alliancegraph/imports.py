"""The import store: imported and synthetic layers kept outside ``data/``, and the import runs.

Layout (``$ALLIANCEGRAPH_DATA``, else ``$XDG_DATA_HOME/alliancegraph``, else
``~/.local/share/alliancegraph``)::

    imports/manifest.json   what was imported: id, file, alliance, source, counts, hashes
    imports/<id>.nq         the quads of one import (its own named graph, or the synthetic one)

The build reads the layers the manifest lists (``build.Inputs.default``), so they are part
of the cache key. Writes are atomic: the layer file first (temp + ``os.replace``), then the
manifest the same way; a crash in between leaves an unlisted file that no build reads, and
the previous dataset stays intact. An import whose file, alliance and kind were imported
before changes nothing; ``undo`` removes exactly one.

SHACL runs on the new import's subgraph plus the types and labels of what it references,
compiled to SPARQL on Oxigraph (:mod:`.validation`; pySHACL took 70 s on a 1× synthetic
import, this takes about a second). Layers validated this way are not validated again at
build time. This module must stay light to import: the build reads the
manifest on every query.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import AllianceGraphError, DataError, UsageError
from .namespaces import AGR, GRAPH_IMPORT_PREFIX, GRAPH_ONTOLOGY, RDF, RDFS

MANIFEST = "manifest.json"

Progress = Callable[[str, int, int], None]


def data_home() -> Path:
    env = os.environ.get("ALLIANCEGRAPH_DATA")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "alliancegraph"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _atomic_bytes(path: Path, data: bytes) -> None:
    import tempfile  # not on the query path

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ImportStore:
    """The imports folder: the manifest and one N-Quads layer per import."""

    def __init__(self, home: Path | None = None):
        self.path = (Path(home) if home else data_home()) / "imports"

    @property
    def manifest(self) -> Path:
        return self.path / MANIFEST

    def records(self) -> list[dict]:
        try:
            return json.loads(self.manifest.read_text(encoding="utf-8"))["imports"]
        except (OSError, ValueError, KeyError):
            return []

    def get(self, import_id: str) -> dict | None:
        return next((r for r in self.records() if r["id"] == import_id), None)

    def layers(self) -> list[Path]:
        return [self.path / r["layer"] for r in self.records()]

    def trusted(self, layer: Path) -> bool:
        """True if ``layer`` is listed with the hash it had when its import validated it."""
        for r in self.records():
            if self.path / r["layer"] == Path(layer):
                try:
                    return _sha(Path(layer).read_bytes()) == r["layer_sha256"]
                except OSError:
                    return False
        return False

    def _write_manifest(self, records: list[dict]) -> None:
        text = json.dumps({"imports": records}, ensure_ascii=False, indent=2) + "\n"
        _atomic_bytes(self.manifest, text.encode("utf-8"))

    def add(self, record: dict, nquads: bytes) -> None:
        """Write the layer, then list it; either both happen or neither is visible."""
        layer = self.path / record["layer"]
        before = self.records()
        record = {**record, "layer_sha256": _sha(nquads)}
        _atomic_bytes(layer, nquads)
        try:
            self._write_manifest([*before, record])
        except BaseException:
            layer.unlink(missing_ok=True)
            raise

    def remove(self, import_id: str) -> dict:
        records = self.records()
        record = next((r for r in records if r["id"] == import_id), None)
        if record is None:
            known = ", ".join(r["id"] for r in records) or "none"
            raise UsageError(f"no import {import_id!r}; imports: {known}")
        self._write_manifest([r for r in records if r["id"] != import_id])
        (self.path / record["layer"]).unlink(missing_ok=True)
        return record


def layer_paths(home: Path | None = None) -> list[Path]:
    """The layers a default build reads (cheap: one small JSON file)."""
    return ImportStore(home).layers()


# -- validation ----------------------------------------------------------------------------------


def validate_subgraph(
    quads,
    context,
    shapes_path: Path,
    origins: dict[str, str] | None = None,
    fact_origins: dict[tuple[str, str, str], str] | None = None,
    progress: Progress | None = None,
) -> None:
    """SHACL on ``quads`` plus the types and labels, in ``context`` (an Oxigraph store), of
    the nodes they reference; raise :class:`DataError` with every violation, located."""
    import pyoxigraph as ox

    from . import inference, validation

    if progress:
        progress("validating (SHACL)", 0, 2)
    sub = ox.Store()
    if hasattr(quads, "nquads"):
        # a members.QuadBuffer: its text was written from checked terms, so it is loaded
        # without checking each IRI again, and no Quad objects are made
        text = quads.nquads()
        sub.bulk_load(text, format=ox.RdfFormat.N_QUADS, lenient=True)
        referenced = _referenced_in(text)
    else:
        quads = list(quads)
        sub.bulk_extend(quads)
        referenced = _referenced(quads)
    ontology = ox.NamedNode(GRAPH_ONTOLOGY)
    ctx_graph = ox.NamedNode(AGR + "graph/context")
    sub.bulk_extend(
        ox.Quad(q.subject, q.predicate, q.object, ontology)
        for q in context.quads_for_pattern(None, None, None, ontology)
    )
    # the nodes the import references but does not describe: their types and labels come
    # from the graph it is imported into (a lead institution must be an organisation there)
    sub.bulk_extend(
        ox.Quad(q.subject, q.predicate, q.object, ctx_graph)
        for q in _described(referenced, context)
        if q.graph_name != ontology
    )
    inference.materialise(sub)
    sub.remove_graph(ontology)  # not data: validation then reads the union of what is left
    if progress:
        progress("validating (SHACL)", 1, 2)
    problems = validation.validate_store(
        sub, shapes_path, origins=origins or {}, fact_origins=fact_origins or {}
    )
    if progress:
        progress("validating (SHACL)", 2, 2)
    if problems:
        raise DataError(problems)


#: above this many referenced nodes, one pass over the context's types and labels is
#: cheaper than two index look-ups per node
_SCAN_ABOVE = 20_000


def _referenced(quads) -> set:
    """The resource IRIs ``quads`` name (as subject or object)."""
    import pyoxigraph as ox

    out = set()
    for q in quads:
        for t in (q.subject, q.object):
            if isinstance(t, ox.NamedNode) and t.value.startswith(AGR):
                out.add(t)
    return out


def _referenced_in(nquads: bytes) -> set:
    """The resource IRIs N-Quads text names: a regular expression over the bytes is ten
    times faster than parsing 1.45M quads into Python objects. It may also find graph
    names (harmless: a graph name has no type or label to look up)."""
    import re

    import pyoxigraph as ox

    found = set(re.findall(rb"<" + re.escape(AGR.encode()) + rb"[^>]*>", nquads))
    return {ox.NamedNode(iri[1:-1].decode()) for iri in found}


def _described(nodes: set, context):
    """The ``rdf:type`` and ``rdfs:label`` quads of ``nodes`` in ``context``."""
    import pyoxigraph as ox

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


def check_layers(store, layers: list[Path], shapes_path: Path) -> None:
    """Build hook: validate every layer its import did not already validate."""
    import pyoxigraph as ox

    for layer in layers:
        if ImportStore(layer.parent.parent).trusted(layer):
            continue
        quads = list(ox.parse(path=str(layer), format=ox.RdfFormat.N_QUADS))
        validate_subgraph(quads, store, shapes_path, origins={}, fact_origins={})


# -- import runs -----------------------------------------------------------------------------------


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
    seconds: dict[str, float] = field(default_factory=dict)
    build_key: str | None = None

    def lines(self) -> list[str]:
        if not self.changed:
            return [f"{self.id}: already imported; nothing changed"]
        new = ", ".join(f"{n} {k}" for k, n in sorted(self.new.items())) or "none"
        out = [
            f"imported {self.id}: {self.rows} rows, {self.quads} quads; new: {new}; "
            f"linked to known organisations: {self.linked}; aliases added: {self.aliases}"
        ]
        out += [f"warning: {w}" for w in self.warnings]
        return out


def _inputs(root: Path | None, store: ImportStore):
    from .build import Inputs

    base = Inputs.default(root)
    return Inputs(base.data_dir, base.ontology_dir, store.layers())


def current_graph(root: Path | None, cache_dir: Path | None, store: ImportStore):
    """The build the import resolves against (curated + earlier imports), built if needed."""
    from .build import Cache, ensure_built

    return ensure_built(_inputs(root, store), Cache(cache_dir))


def _open_store(build):
    import pyoxigraph as ox

    return ox.Store.read_only(str(build.store_path))


def resolve_alliance(ox_store, text: str) -> str:
    """The IRI of the (curated or imported, not synthetic) alliance ``text`` names."""
    from .members import Index

    try:
        from .search import resolve
        from .store import EmbeddedStore

        iri = resolve(EmbeddedStore(ox_store), text)
    except ImportError:  # pragma: no cover - search.py is another layer
        from .namespaces import expand

        iri = expand(text) or AGR + text.strip()
    index = Index.from_store(ox_store)
    if iri not in index.alliances:
        raise UsageError(f"{text!r} resolves to <{iri}>, which is not a (non-synthetic) alliance")
    return iri


def commit(
    store: ImportStore,
    record: dict,
    nquads: bytes,
    root: Path | None,
    cache_dir: Path | None,
) -> str:
    """List the new layer and build the dataset with it; undo the listing if the build fails."""
    from .build import Cache, build

    store.add(record, nquads)
    try:
        b = build(_inputs(root, store), Cache(cache_dir))
    except BaseException:
        store.remove(record["id"])
        raise
    return b.key


def sorted_nquads(quads) -> bytes:
    """The quads as sorted, deduplicated N-Quads (the bytes of a layer file)."""
    import pyoxigraph as ox

    if hasattr(quads, "nquads"):  # a members.QuadBuffer keeps them so already
        return quads.nquads()
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    return b"".join(sorted(set(data.splitlines(keepends=True))))


def import_members(
    path: Path,
    alliance: str,
    source: str,
    root: Path | None = None,
    cache_dir: Path | None = None,
    home: Path | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> Report:
    """Import one member list all or nothing; raise DataError listing every bad row."""
    from .members import Index, MemberCompiler, read_table

    t0 = time.perf_counter()
    store = ImportStore(home)
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    if not source.strip():
        raise UsageError("--source must say where the list comes from")
    b = current_graph(root, cache_dir, store)
    ox_store = _open_store(b)
    alliance_iri = resolve_alliance(ox_store, alliance)
    digest = _sha(b"members\0" + alliance_iri.encode() + b"\0" + (sheet or "").encode() + raw)
    import_id = "m-" + digest[:12]
    if store.get(import_id):
        return Report(import_id, changed=False)
    table = read_table(path, sheet)
    index = Index.from_store(ox_store)
    compiler = MemberCompiler(
        index,
        import_id,
        GRAPH_IMPORT_PREFIX + import_id,
        AGR + f"source-import-{import_id}",
        alliance=alliance_iri,
        progress=progress,
    )
    compiler.describe_source(source.strip(), table.name, {})
    compiler.compile_table(table)
    out = compiler.finish()
    t1 = time.perf_counter()
    shapes = _inputs(root, store).ontology_dir / "shapes.ttl"
    validate_subgraph(out.quads, ox_store, shapes, out.origins, out.fact_origins, progress)
    t2 = time.perf_counter()
    nquads = sorted_nquads(out.quads)
    record = {
        "id": import_id,
        "kind": "members",
        "file": str(path.resolve()),
        "file_sha256": _sha(raw),
        "alliance": alliance_iri,
        "source": source.strip(),
        "rows": out.rows,
        "quads": len(out.quads),
        "new": out.new,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "layer": f"{import_id}.nq",
        "synthetic": False,
    }
    del ox_store
    key = commit(store, record, nquads, root, cache_dir)
    t3 = time.perf_counter()
    return done_report(import_id, out, (t0, t1, t2, t3), key)


def done_report(import_id: str, out, times: tuple[float, float, float, float], key: str) -> Report:
    """The report of a committed import: what the compiled rows became, and where the time
    went (check, validate, build)."""
    t0, t1, t2, t3 = times
    return Report(
        import_id,
        True,
        rows=out.rows,
        quads=len(out.quads),
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
    )


def undo(
    import_id: str,
    root: Path | None = None,
    cache_dir: Path | None = None,
    home: Path | None = None,
) -> dict:
    """Remove exactly one import and rebuild; return its manifest record."""
    from .build import Cache, build

    store = ImportStore(home)
    record = store.remove(import_id)
    # the import is gone either way; if the rest no longer builds, the next query says why
    with contextlib.suppress(AllianceGraphError):
        build(_inputs(root, store), Cache(cache_dir))
    return record


__all__ = [
    "ImportStore",
    "Report",
    "check_layers",
    "data_home",
    "import_members",
    "layer_paths",
    "undo",
    "validate_subgraph",
]
