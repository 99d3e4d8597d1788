"""The import store: imported and synthetic layers kept outside ``data/``, and their manifest.

Layout (the data home: ``$ALLIANCEGRAPH_DATA``, else ``$XDG_DATA_HOME/alliancegraph``, else
``~/.local/share/alliancegraph``; see :func:`alliancegraph.config.data_home`)::

    imports/manifest.json   what was imported: id, file, alliance, source, counts, hashes
    imports/<id>.nq         the quads of one import (its own named graph, or the synthetic one)
    imports.lock            held by the process importing or undoing (its id inside)

:func:`inputs_for` gives the build inputs that include the layers the manifest lists, with
the hash each had when its import validated it: the build (which never reads the manifest
itself) validates again only a layer whose bytes changed since. Writes are atomic: the
layer file first, then the manifest (:func:`alliancegraph.fileio.atomic_write`); a crash in
between leaves an unlisted file that no build reads.

One process at a time changes a data home: :meth:`ImportStore.lock` (an exclusive
``flock`` on ``imports.lock`` beside the imports folder) is held around every
read-modify-write of the manifest and, by the pipeline, around a whole import or undo and
its build, so two imports started at once both land, one after the other (the second says
it waits). The kernel releases the lock of a killed process.

This module stays light to import: a query reads the manifest to know its build.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NotRequired, TypedDict

from .. import config
from ..build import Inputs, ProvenanceCheck
from ..errors import UsageError
from ..fileio import Lock, StagedWrite, atomic_write, lock

__all__ = ["MANIFEST", "ImportRecord", "ImportStore", "inputs_for", "sha256"]

MANIFEST = "manifest.json"
LOCK = "imports.lock"

#: lock file -> (this process's flock on it, how deeply it is held); with a re-entrant
#: thread lock, so one process's nested and concurrent holders share one flock
_HELD: dict[Path, tuple[Lock, int]] = {}
_THREADS: dict[Path, threading.RLock] = {}
_GUARD = threading.Lock()


def _say_waiting(path: Path) -> Callable[[], None]:
    def waiting() -> None:
        try:
            holder = path.read_text(encoding="utf-8").strip()
        except OSError:
            holder = ""
        who = f" (process {holder})" if holder.isdigit() else ""
        print(
            f"waiting for another import or undo in {path.parent}{who} to finish ...",
            file=sys.stderr,
        )

    return waiting


class ImportRecord(TypedDict):
    """One import as the manifest lists it (``alliancegraph imports --format json``)."""

    id: str
    kind: str  # "members", "entities", "facts" or "synthetic"
    file: str
    file_sha256: str
    alliance: str | None
    source: str
    rows: int
    quads: int
    new: dict[str, int]
    created: str
    layer: str
    synthetic: bool
    layer_sha256: str
    #: the layer's graphs and whether every fact in them has its record in the layer
    #: (``build.ProvenanceCheck``); missing in a manifest written before it was kept
    provenance: NotRequired[dict]


def sha256(data: bytes) -> str:
    """The hex SHA-256 of ``data`` (import ids, file and layer hashes)."""
    return hashlib.sha256(data).hexdigest()


class ImportStore:
    """The imports folder of a data home: the manifest and one N-Quads layer per import."""

    def __init__(self, home: str | Path | None = None, root: str | Path | None = None):
        self.home = config.data_home(home, root)
        self.path = self.home / "imports"

    @property
    def manifest(self) -> Path:
        return self.path / MANIFEST

    @contextlib.contextmanager
    def lock(self, waiting: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the data home's import lock (exclusive, across processes; re-entrant in
        one process). If another process holds it, wait; ``waiting()`` (default: a line
        on stderr naming the holder's process id) is called once after a second."""
        path = self.home / LOCK
        with _GUARD:
            thread_lock = _THREADS.setdefault(path, threading.RLock())
        with thread_lock:
            held = _HELD.get(path)
            if held is None:
                got = lock(path, waiting=waiting or _say_waiting(path))
                assert got is not None
                os.ftruncate(got.fd or 0, 0)
                os.write(got.fd or 0, f"{os.getpid()}\n".encode())
                held = (got, 0)
            _HELD[path] = (held[0], held[1] + 1)
            try:
                yield
            finally:
                flock, depth = _HELD.pop(path)
                if depth > 1:
                    _HELD[path] = (flock, depth - 1)
                else:
                    with contextlib.suppress(OSError):  # no holder named: left as it was
                        os.ftruncate(flock.fd or 0, 0)
                    flock.release()

    def records(self) -> list[ImportRecord]:
        """Every import, oldest first (an unreadable or missing manifest lists none)."""
        try:
            records: list[ImportRecord] = json.loads(self.manifest.read_text(encoding="utf-8"))[
                "imports"
            ]
        except (OSError, ValueError, KeyError):
            return []
        return records

    def get(self, import_id: str) -> ImportRecord | None:
        return next((r for r in self.records() if r["id"] == import_id), None)

    def layers(self) -> list[Path]:
        """The layer files the manifest lists, in its order."""
        return [self.path / r["layer"] for r in self.records()]

    def validated(self) -> dict[Path, str]:
        """Layer file -> the SHA-256 it had when its import validated it."""
        return {self.path / r["layer"]: r["layer_sha256"] for r in self.records()}

    def checks(self) -> dict[Path, ProvenanceCheck]:
        """Layer file -> what its import found of its facts' records (where it said)."""
        out = {}
        for r in self.records():
            p = r.get("provenance")
            if isinstance(p, dict) and isinstance(p.get("graphs"), list):
                out[self.path / r["layer"]] = ProvenanceCheck(
                    r["layer_sha256"], tuple(str(g) for g in p["graphs"]), p.get("complete") is True
                )
        return out

    def _write_manifest(self, records: list[ImportRecord]) -> None:
        text = json.dumps({"imports": records}, ensure_ascii=False, indent=2) + "\n"
        atomic_write(self.manifest, text)

    def stage(self, layer: str, nquads: bytes) -> StagedWrite:
        """Start writing the layer file ``layer`` (a name in this folder) in a thread;
        :meth:`add` lists it, or :meth:`StagedWrite.discard` drops it."""
        return StagedWrite(self.path / layer, nquads)

    def add(
        self, record: ImportRecord, nquads: bytes, staged: StagedWrite | None = None
    ) -> ImportRecord:
        """Write the layer ``nquads``, then list it (with its hash: the record's, if it has
        one, which its import made from these bytes; 0.6 s for a 10x layer); either both
        happen or neither is visible. A wrong hash costs the next build its append, never
        a check: the build validates a layer whose bytes are not the hash listed.
        ``staged``: the layer's file, written already (:meth:`stage`), moved into place."""
        with self.lock():
            layer = self.path / record["layer"]
            before = self.records()
            listed = record.copy()
            listed["layer_sha256"] = record.get("layer_sha256") or sha256(nquads)
            if staged is not None and staged.path == layer:
                staged.commit()  # ``nquads``, written while the import validated them
            else:
                atomic_write(layer, nquads)
            try:
                self._write_manifest([*before, listed])
            except BaseException:
                layer.unlink(missing_ok=True)
                raise
            return listed

    def remove(self, import_id: str) -> ImportRecord:
        """Unlist one import, then delete its layer; raise UsageError if there is none."""
        with self.lock():
            records = self.records()
            record = next((r for r in records if r["id"] == import_id), None)
            if record is None:
                known = ", ".join(r["id"] for r in records) or "none"
                raise UsageError(f"no import {import_id!r}; imports: {known}")
            self._write_manifest([r for r in records if r["id"] != import_id])
            (self.path / record["layer"]).unlink(missing_ok=True)
            return record


def inputs_for(root: str | Path | None = None, home: str | Path | None = None) -> Inputs:
    """The build inputs of the project at ``root`` (default :func:`config.project_root`)
    together with the imports of the data home ``home`` (default :func:`config.data_home`)."""
    store = ImportStore(home, root)
    base = Inputs.default(Path(root) if root is not None else None)
    return Inputs(
        base.data_dir, base.ontology_dir, store.layers(), validated=store.validated(),
        base_dirs=base.base_dirs, checks=store.checks(),
    )  # fmt: skip
