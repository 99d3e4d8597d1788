"""Imports of entity and fact rows: the columns of ``data/entities.csv`` and
``data/facts.csv`` (CSV in UTF-8/GB18030 or XLSX), compiled by the same row checks as
the curated tables (:class:`alliancegraph.curation.Compiler`), into a layer of the import
pipeline (:func:`.pipeline.run_import`): SHACL on the new subgraph, every bad row named
``file:line``, all or nothing, undoable.

An id the rows use may be one the graph already holds (curated, in a base layer, or
imported earlier); a new id must not be one of them. A fact's source is a source document
of the graph (the workspace's ``sources.csv``, the bundled article's, or a member import's),
and when that source's text is stored in a ``data/sources/`` folder of the build, the
evidence quote must stand in it verbatim (:mod:`alliancegraph.quotes`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..build import Build, Inputs
from ..curation import COLUMNS, SLUG, Compiler
from ..errors import DataError, Problem, UsageError
from ..members import CompiledImport, Progress, QuadBuffer, Table, read_table
from ..namespaces import AG, AGR, GRAPH_IMPORT_PREFIX, RDF

__all__ = ["TABLE_KINDS", "EntityTable", "FactTable", "TableImport"]

#: import kind -> the data table whose columns (and row checks) it has
TABLE_KINDS = {"entities": "entities.csv", "facts": "facts.csv"}

_TYPE = ox.NamedNode(RDF + "type")
_SOURCE = ox.NamedNode(AG + "SourceDocument")


class ImportCompiler(Compiler):
    """The curated tables' compiler for rows joining the graph ``context``: ids the graph
    holds are known, and what it writes goes into the import's own graph."""

    declared_in = "entities.csv or sources.csv, an earlier import, or the base layer"

    def __init__(self, context: ox.Store, inputs: Inputs, graph: str):
        super().__init__(
            inputs.data_dir, inputs.ontology_dir, inputs.root, inputs.base_dirs, graph
        )
        self.context = context
        self.load_ontology()  # for its terms and classes; its quads are the build's
        self.out.quads.clear()

    def _typed(self, slug: str, cls: ox.NamedNode | None) -> bool:
        if not SLUG.match(slug):
            return False
        found = self.context.quads_for_pattern(ox.NamedNode(AGR + slug), _TYPE, cls)
        return next(iter(found), None) is not None

    def known_entity(self, slug: str) -> bool:
        return super().known_entity(slug) or (
            self._typed(slug, None) and not self._typed(slug, _SOURCE)
        )

    def known_source(self, slug: str) -> bool:
        return super().known_source(slug) or self._typed(slug, _SOURCE)


def _rows(table: Table, columns: tuple[str, ...]) -> list[tuple[str, dict[str, str]]]:
    """The rows of ``table`` as ``(file:line, {column: cell})``; raise DataError naming the
    header's line if a column is missing or unknown."""
    header = [h.strip().lower() for h in table.header]
    missing = [c for c in columns if c not in header]
    unknown = [h for h in table.header if h.strip() and h.strip().lower() not in columns]
    problems = []
    if not table.header:
        problems.append(Problem(f"{table.name}:1", f"empty; expected {', '.join(columns)}"))
    elif missing or unknown:
        said = [f"missing column(s) {', '.join(missing)}"] if missing else []
        said += [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
        problems.append(
            Problem(f"{table.name}:1", f"{'; '.join(said)}; expected {', '.join(columns)}")
        )
    elif not table.rows:
        problems.append(Problem(f"{table.name}:2", "no rows to import"))
    if problems:
        raise DataError(problems)
    at = {c: header.index(c) for c in columns}
    return [
        (f"{table.name}:{line}", {c: (cells[i].strip() if i < len(cells) else "")
                                  for c, i in at.items()})
        for line, cells in table.rows
    ]  # fmt: skip


@dataclass
class TableImport:
    """A table of entity or fact rows (``kind``: ``entities`` or ``facts``) with the
    columns of ``data/<kind>.csv``, imported into the graph of the project at ``root``."""

    path: Path
    kind: str
    root: Path | None = None
    sheet: str | None = None
    alliance: str | None = field(default=None, init=False)
    synthetic: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if self.kind not in TABLE_KINDS:
            raise UsageError(
                f"no table kind {self.kind!r}; expected one of {', '.join(TABLE_KINDS)}"
            )

    @property
    def title(self) -> str:
        return f"{self.kind} table {self.path.name}"

    def read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as e:
            raise UsageError(f"cannot read {self.path}: {e.strerror}") from None

    def identity(self, raw: bytes) -> bytes:
        return self.kind.encode() + b"\0" + (self.sheet or "").encode() + b"\0" + raw

    def check(self, context: ox.Store) -> None:
        """Nothing to check before the rows: each row is checked against ``context``."""

    def compile(
        self,
        context: ox.Store,
        import_id: str,
        progress: Progress | None,
        sink: Callable[[bytes], None] | None = None,
        base: Build | None = None,
    ) -> CompiledImport:
        name = TABLE_KINDS[self.kind]
        table = read_table(self.path, self.sheet)
        rows = _rows(table, COLUMNS[name])
        inputs = Inputs.default(self.root)  # its data folders: their source texts
        compiler = ImportCompiler(context, inputs, GRAPH_IMPORT_PREFIX + import_id)
        compile_row = compiler.entity_row if self.kind == "entities" else compiler.fact_row
        for i, (where, row) in enumerate(rows):
            compile_row(where, row)
            if progress and i % 500 == 0:
                progress("checking rows", i, len(rows))
        if compiler.problems:
            raise DataError(compiler.problems)
        out = CompiledImport(quads=QuadBuffer(sink))
        out.quads.extend(compiler.out.quads)
        out.origins = compiler.out.origins
        out.fact_origins = compiler.out.fact_origins
        out.rows = len(rows)
        out.read_as = [table.describe()]
        if self.kind == "entities":
            for cls in compiler.entities.values():
                kind = cls.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or "entity"
                out.new[kind] = out.new.get(kind, 0) + 1
        else:
            out.new["facts"] = len(rows)
        out.warnings = [
            f"{table.name}:{line}: the same row as line {first}; imported once"
            for line, first in table.duplicates
        ]
        return out


def EntityTable(path: str | Path, root: str | Path | None = None, sheet: str | None = None
                ) -> TableImport:  # fmt: skip
    """An import of entity rows (the columns of ``data/entities.csv``)."""
    return TableImport(Path(path), "entities", Path(root) if root is not None else None, sheet)


def FactTable(path: str | Path, root: str | Path | None = None, sheet: str | None = None
              ) -> TableImport:  # fmt: skip
    """An import of fact rows (the columns of ``data/facts.csv``)."""
    return TableImport(Path(path), "facts", Path(root) if root is not None else None, sheet)
