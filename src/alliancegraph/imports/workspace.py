"""A curation workspace (``alliancegraph init DIR``): a folder an analyst owns, built like
the project's own ``data/`` and ``ontology/``, with its imports kept inside it.

Layout::

    alliancegraph.toml      name, and whether the bundled article graph is a base layer
    README.md               the columns of the tables, in short
    data/sources.csv        the four tables, with their headers (the columns of the
    data/entities.csv       bundled data/)
    data/facts.csv
    data/statistics.csv
    data/sources/           source texts, <source id>.txt: quotes citing them are checked
    ontology/               a copy of the bundled ontology and shapes
    imports/manifest.json   the workspace's imports (``alliancegraph import ...``)
    imports.lock            held while an import or undo runs

``ALLIANCEGRAPH_HOME=DIR`` (or ``--root DIR``, ``open(root=DIR)``) makes every command work
on it; with ``base = true`` (the default, not ``--empty``) the bundled tables are compiled
beside the workspace's own (:attr:`alliancegraph.build.Inputs.base_dirs`), so its facts
can name the article's alliances and organisations.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .. import config
from ..curation import COLUMNS
from ..errors import UsageError
from ..fileio import atomic_write
from .manifest import LOCK, MANIFEST

__all__ = ["init_workspace"]

README = """# {name}

A curation workspace of alliancegraph (made by `alliancegraph init`). Work on it with
`ALLIANCEGRAPH_HOME={root}` or `--root {root}`; `alliancegraph build` checks and builds it.
{base}

## Tables (`data/`, UTF-8 CSV; the same columns as the bundled `data/`)

- `sources.csv`: id, title, label_zh, publisher, creator, issued (YYYY, YYYY-MM or
  YYYY-MM-DD), url, note. One row per document facts cite.
- `entities.csv`: id (lower-case slug), type (a class of the ontology: Alliance,
  Enterprise, University, ResearchInstitute, IndustryField ...), label_zh (required),
  label_en, alt_labels (`|`-separated), note.
- `facts.csv`: subject, predicate (a property of the ontology, e.g. ag:leadInstitution),
  object (an id, or a value with its datatype), datatype (empty for an id; xsd:date,
  xsd:gYear, xsd:integer ... or @zh), source (an id of sources.csv), evidence (a short
  verbatim quote from the source).
- `statistics.csv`: id, measure, value, unit, scope, source, evidence: a figure a source
  reports.

Every fact needs a source and a quote. Store a source's text as
`data/sources/<source id>.txt` and every quote citing it must stand in it verbatim (white
space aside; `…` marks a gap): `alliancegraph check quotes`.

## Imports

`alliancegraph import entities FILE`, `import facts FILE` (the columns above, CSV or
XLSX) and `import members FILE --alliance NAME --source TITLE` add layers kept in
`imports/`, each all or nothing; `alliancegraph imports` lists them and
`alliancegraph import --undo ID` takes one back.
"""


def _empty(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def init_workspace(folder: str | Path, empty: bool = False, name: str | None = None) -> Path:
    """Make a curation workspace in ``folder`` (new, or an empty folder): empty tables,
    ``data/sources/``, a copy of the bundled ontology, a README of the columns, an empty
    imports manifest and ``alliancegraph.toml`` (``base = false`` if ``empty``: without
    the bundled article graph). Returns the folder; raise UsageError if it holds anything."""
    root = Path(folder)
    if not _empty(root):
        raise UsageError(f"{root} is not an empty folder; a workspace is made in a new one")
    bundled = config.bundled_root()
    name = name or root.resolve().name
    (root / "data" / "sources").mkdir(parents=True, exist_ok=True)
    for table, columns in COLUMNS.items():
        atomic_write(root / "data" / table, ",".join(columns) + "\n")
    shutil.copytree(bundled / "ontology", root / "ontology")
    base = (
        "The bundled article graph is not part of it (`base = false`)."
        if empty
        else "The bundled article graph (its tables, `data/` of the package) is compiled\n"
        "beside these tables as a base layer (`base = true` in alliancegraph.toml): facts\n"
        "here may name its alliances, organisations and sources by their ids."
    )
    atomic_write(root / "README.md", README.format(name=name, root=root, base=base))
    atomic_write(
        root / config.WORKSPACE_FILE,
        "# alliancegraph curation workspace (alliancegraph init)\n"
        f"name = {json.dumps(name, ensure_ascii=False)}\n"
        "# the bundled article graph compiled beside this workspace's tables\n"
        f"base = {'false' if empty else 'true'}\n",
    )
    atomic_write(root / "imports" / MANIFEST, json.dumps({"imports": []}, indent=2) + "\n")
    atomic_write(root / LOCK, "")
    return root
