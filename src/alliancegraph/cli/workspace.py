"""``alliancegraph init DIR``: a curation workspace, through ``alliancegraph.init``."""

from __future__ import annotations

from pathlib import Path

import click

from .common import reported


@click.command("init")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--empty",
    is_flag=True,
    help="Without the bundled article graph as a base layer (only this workspace's data).",
)
@click.option("--name", default=None, help="The workspace's name (default: the folder's).")
def init(folder: Path, empty: bool, name: str | None) -> None:
    """Make a curation workspace in FOLDER (new or empty): data/ with the four tables
    (sources, entities, facts, statistics: the bundled data/'s columns), data/sources/
    for source texts (quotes citing them are checked verbatim), a README of the columns,
    a copy of the ontology, and alliancegraph.toml.

    Every command works on it with ALLIANCEGRAPH_HOME=FOLDER or --root FOLDER (and
    ag.open(root=FOLDER) in Python); its imports are kept inside it. The bundled article
    graph is compiled beside its tables as a base layer unless --empty, so its facts may
    name the article's alliances and organisations by id.

    \b
    Examples:
      alliancegraph init my-alliances
      export ALLIANCEGRAPH_HOME=my-alliances
      alliancegraph import entities new-alliance.csv
      alliancegraph import facts new-alliance-facts.csv
      alliancegraph build
    """
    with reported():
        root = init_workspace(folder, empty, name)
    base = "without the bundled article graph" if empty else "on the bundled article graph"
    click.echo(f"made workspace {root} ({base}); use it with ALLIANCEGRAPH_HOME={root}")


def init_workspace(folder: Path, empty: bool, name: str | None) -> Path:
    from alliancegraph.graph import init as make

    return make(folder, empty=empty, name=name)
