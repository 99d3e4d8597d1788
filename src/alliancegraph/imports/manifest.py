"""The import store: imported and synthetic layers kept outside ``data/``, and their manifest.

Layout (the data home: ``$ALLIANCEGRAPH_DATA``, else ``$XDG_DATA_HOME/alliancegraph``, else
``~/.local/share/alliancegraph``; see :func:`alliancegraph.config.data_home`)::

    imports/manifest.json   what was imported: id, file, alliance, source, counts, hashes
    imports/<id>.nq         the quads of one import (its own named graph, or the synthetic one)

:func:`inputs_for` gives the build inputs that include the layers the manifest lists, with
the hash each had when its import validated it: the build (which never reads the manifest
itself) validates again only a layer whose bytes changed since. Writes are atomic: the
layer file first, then the manifest (:func:`alliancegraph.fileio.atomic_write`); a crash in
between leaves an unlisted file that no build reads.

This module stays light to import: a query reads the manifest to know its build.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TypedDict

from .. import config
from ..build import Inputs
from ..errors import UsageError
from ..fileio import atomic_write

__all__ = ["MANIFEST", "ImportRecord", "ImportStore", "inputs_for", "sha256"]

MANIFEST = "manifest.json"


class ImportRecord(TypedDict):
    """One import as the manifest lists it (``alliancegraph imports --format json``)."""

    id: str
    kind: str  # "members" or "synthetic"
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


def sha256(data: bytes) -> str:
    """The hex SHA-256 of ``data`` (import ids, file and layer hashes)."""
    return hashlib.sha256(data).hexdigest()


class ImportStore:
    """The imports folder of a data home: the manifest and one N-Quads layer per import."""

    def __init__(self, home: str | Path | None = None):
        self.home = config.data_home(home)
        self.path = self.home / "imports"

    @property
    def manifest(self) -> Path:
        return self.path / MANIFEST

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

    def _write_manifest(self, records: list[ImportRecord]) -> None:
        text = json.dumps({"imports": records}, ensure_ascii=False, indent=2) + "\n"
        atomic_write(self.manifest, text)

    def add(self, record: ImportRecord, nquads: bytes) -> ImportRecord:
        """Write the layer ``nquads``, then list it (with its hash); either both happen or
        neither is visible."""
        layer = self.path / record["layer"]
        before = self.records()
        listed = record.copy()
        listed["layer_sha256"] = sha256(nquads)
        atomic_write(layer, nquads)
        try:
            self._write_manifest([*before, listed])
        except BaseException:
            layer.unlink(missing_ok=True)
            raise
        return listed

    def remove(self, import_id: str) -> ImportRecord:
        """Unlist one import, then delete its layer; raise UsageError if there is none."""
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
    store = ImportStore(home)
    base = Inputs.default(Path(root) if root is not None else None)
    return Inputs(base.data_dir, base.ontology_dir, store.layers(), validated=store.validated())
