"""Member lists, entity and fact tables and synthetic data: ``import members``,
``import entities``, ``import facts``, ``import synthetic``, ``import --undo``, ``imports``
and ``synth``, through ``g.imports``.

The graph is the embedded build of the data home given by ``--data`` (or
``$ALLIANCEGRAPH_DATA``); the API checks, imports, undoes and rebuilds, and reports what
it did (``Report.lines()``), which this module prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .common import (
    OrderedGroup,
    ProgressBar,
    data_option,
    format_option,
    open_embedded,
    plural,
    print_json,
    reported,
    root_option,
    table,
    usage,
)

if TYPE_CHECKING:
    from alliancegraph.graph import ImportRecord


def print_report(lines: list[str]) -> None:
    """An import report, warnings on stderr."""
    for line in lines:
        click.echo(line, err=line.startswith("warning:"))


@click.group("import", cls=OrderedGroup, invoke_without_command=True)
@click.option("--undo", "undo_id", metavar="ID", default=None, help="Remove the import ID.")
@root_option
@data_option
@click.pass_context
def import_(
    ctx: click.Context, undo_id: str | None, root: Path | None, cache: Path | None,
    data: Path | None,
) -> None:  # fmt: skip
    """Import member lists, entities or facts (all or nothing), or undo one import.

    Imports are layers kept outside data/ (in a workspace, inside it: see
    `alliancegraph init`); each is checked (SHACL on its subgraph, every bad row named
    file:line) before anything changes.

    \b
    Examples:
      alliancegraph import members members.csv --alliance 功能材料联盟 --source "联盟秘书处 2021"
      alliancegraph import entities entities.csv
      alliancegraph import facts facts.xlsx
      alliancegraph imports
      alliancegraph import --undo m-3fa9c2d1e0b4
    """
    ctx.ensure_object(dict)
    ctx.obj.update(root=root, cache=cache, data=data)
    if undo_id is not None:
        with reported():
            record = open_embedded(root, cache, data=data).imports.undo(undo_id)
        click.echo(f"removed import {record['id']} ({record['kind']}, {record['rows']} rows)")
    elif ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@import_.command("members")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--alliance", "-a", required=True, help="The alliance: name, alias, slug or IRI.")
@click.option("--source", "-s", required=True, help="Where the list comes from (a title).")
@click.option("--sheet", default=None, help="XLSX sheet (default: the first).")
@click.pass_context
def import_members_command(
    ctx: click.Context, file: Path, alliance: str, source: str, sheet: str | None
) -> None:
    """Import a member list FILE (CSV in UTF-8/BOM/GB18030, or XLSX; zh or en headers).

    Every row is checked first; any bad row (file:row, column, value, what was expected)
    rejects the whole file and nothing changes. Names resolve to known organisations
    (credit code decisive); conflicts are listed, never merged silently.
    """
    o = ctx.obj
    with reported():
        g = open_embedded(o["root"], o["cache"], data=o["data"])
        with ProgressBar() as progress:
            report = g.imports.members(file, alliance, source, sheet=sheet, progress=progress)
    print_report(report.lines())


def _import_table(ctx: click.Context, kind: str, file: Path, sheet: str | None) -> None:
    o = ctx.obj
    with reported():
        g = open_embedded(o["root"], o["cache"], data=o["data"])
        with ProgressBar() as progress:
            work = g.imports.entities if kind == "entities" else g.imports.facts
            report = work(file, sheet=sheet, progress=progress)
    print_report(report.lines())


@import_.command("entities")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--sheet", default=None, help="XLSX sheet (default: the first).")
@click.pass_context
def import_entities_command(ctx: click.Context, file: Path, sheet: str | None) -> None:
    """Import entity rows FILE: CSV (UTF-8/BOM/GB18030) or XLSX with the columns of
    data/entities.csv (id, type, label_zh, label_en, alt_labels, note).

    Each id is new (not one the graph holds) and each type a class of the ontology
    (Alliance, Enterprise, University ...). Any bad row (file:line: what) rejects the whole
    file and nothing changes. Facts about the entities follow with `import facts`.
    """
    _import_table(ctx, "entities", file, sheet)


@import_.command("facts")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--sheet", default=None, help="XLSX sheet (default: the first).")
@click.pass_context
def import_facts_command(ctx: click.Context, file: Path, sheet: str | None) -> None:
    """Import fact rows FILE: CSV (UTF-8/BOM/GB18030) or XLSX with the columns of
    data/facts.csv (subject, predicate, object, datatype, source, evidence).

    Subjects and objects are ids the graph holds (curated, in the base layer or imported
    earlier), predicates properties of the ontology. Every fact cites a source the graph
    holds (e.g. a row of the workspace's sources.csv) with a quote; when the source's text
    is stored in data/sources/<source id>.txt the quote must stand in it verbatim. Any bad
    row (file:line: what) rejects the whole file and nothing changes.
    """
    _import_table(ctx, "facts", file, sheet)


@import_.command("synthetic")
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.pass_context
def import_synthetic_command(ctx: click.Context, folder: Path) -> None:
    """Import a folder written by `alliancegraph synth` as flagged synthetic data."""
    o = ctx.obj
    with reported():
        g = open_embedded(o["root"], o["cache"], data=o["data"])
        with ProgressBar() as progress:
            report = g.imports.synthetic(folder, progress=progress)
    print_report(report.lines())


def _row(r: ImportRecord) -> list[str]:
    from alliancegraph.namespaces import shorten

    new = ", ".join(f"{n} {k}" for k, n in sorted(r.get("new", {}).items()))
    return [
        r["id"], r["kind"], Path(r["file"]).name, shorten(r["alliance"] or "") or "-",
        str(r["rows"]), new, r["created"],
    ]  # fmt: skip


@click.command("imports")
@format_option(("table", "json"))
@data_option
@root_option
def imports_command(fmt: str, data: Path | None, root: Path | None, cache: Path | None) -> None:
    """List the imports the graph is built with (newest last)."""
    with reported():
        records = open_embedded(root, cache, data=data).imports.list()
    if fmt == "json":
        print_json(records)
        return
    table(
        ("id", "kind", "file", "alliance", "rows", "new", "created"),
        [_row(r) for r in records],
        plural(len(records), "import"),
    )


@click.command()
@click.option(
    "--scale",
    "-k",
    type=float,
    default=1.0,
    show_default=True,
    help="Multiple of the reported scale (24 alliances, 1,934 members, 430 platforms).",
)
@click.option("--seed", "-s", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--out", "-o", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Folder to write the lists into.")  # fmt: skip
def synth(scale: float, seed: int, out: Path) -> None:
    """Write synthetic member lists in the import format (deterministic for a seed).

    Import them with `alliancegraph import synthetic OUT`; every node they make is flagged
    ag:synthetic true and kept in its own named graph.
    """
    from alliancegraph.graph import synthesize

    if scale <= 0:
        raise usage("--scale must be positive")
    with reported():
        counts = synthesize(out, scale, seed)
    click.echo(f"wrote {out}: {', '.join(f'{n} {k}' for k, n in counts.items())}")
