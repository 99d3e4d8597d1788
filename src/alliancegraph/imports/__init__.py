"""Imports: member lists, entity and fact tables and synthetic folders added to the graph as
layers kept in the data home, never in ``data/``; each one all or nothing, and undoable.

=================  ==========================================================================
:mod:`.manifest`   the import store (``imports/manifest.json`` + one ``<id>.nq`` layer each)
                   and :func:`inputs_for`, the build inputs including a data home's imports
:mod:`.pipeline`   the one import pipeline (:func:`run_import`) and its member-list source:
                   read, check, compile, validate, write, rebuild, report
:mod:`.tables`     entity and fact tables (the columns of ``data/``) as a pipeline source,
                   checked by the curated tables' own row checks
:mod:`.workspace`  :func:`init_workspace`: a curation workspace (tables, sources, ontology,
                   ``alliancegraph.toml``, its own imports)
=================  ==========================================================================

Reading, checking and compiling the rows is :mod:`alliancegraph.members`; synthetic lists
are :mod:`alliancegraph.synthetic` (a source for the same pipeline).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .manifest import ImportRecord, ImportStore, inputs_for

if TYPE_CHECKING:
    from .pipeline import (
        ImportSource,
        MemberList,
        Report,
        import_members,
        import_table,
        run_import,
        undo,
    )
    from .workspace import init_workspace

_PIPELINE = {
    "ImportSource", "MemberList", "Report", "import_members", "import_table", "run_import", "undo",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    """The pipeline (and the readers and compiler it needs) loads on first use: opening a
    graph reads only the manifest, so a cold query stays fast."""
    if name in _PIPELINE:
        from . import pipeline

        return getattr(pipeline, name)
    if name == "init_workspace":
        from .workspace import init_workspace

        return init_workspace
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ImportRecord",
    "ImportSource",
    "ImportStore",
    "MemberList",
    "Report",
    "import_members",
    "import_table",
    "init_workspace",
    "inputs_for",
    "run_import",
    "undo",
]
