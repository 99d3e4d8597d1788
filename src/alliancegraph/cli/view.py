"""``alliancegraph view``: draw a network view (``g.view``) and save it as offline HTML,
PNG or SVG. What a view shows (paths, ego networks, communities, brokers) is computed by
the analysis behind ``g.view``; this module only parses options and names files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from alliancegraph.errors import UsageError

from .common import deadline, open_graph, query_options, reported, root_option

VIEW_KINDS = ("overview", "alliance", "ego", "path", "co-membership", "chain", "overlap",
              "timeline", "composition")
CHART_KINDS = ("overlap", "timeline", "composition")
SUFFIXES = (".html", ".htm", ".png", ".svg")


@click.command()
@click.argument("kind", type=click.Choice(VIEW_KINDS))
@click.argument("names", nargs=-1, metavar="[ENTITY]...")
@click.option(
    "--out",
    "-o",
    "outs",
    type=click.Path(path_type=Path),
    multiple=True,
    help="File to write, by suffix: .html (interactive), .png or .svg (static); "
    "repeat for several. Default: KIND.html.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of labels.")  # fmt: skip
@click.option(
    "--size-by",
    default=None,
    help="Node size: degree, weighted_degree, betweenness (co-membership), any numeric node "
    "attribute, or none. Default depends on the view.",
)
@click.option("--radius", type=int, default=1, show_default=True, help="Ego view: hops.")
@click.option("--seed", type=int, default=0, show_default=True, help="Layout seed.")
@click.option("--engine", type=click.Choice(["vis", "pyvis"]), default="vis", show_default=True,
              help="HTML writer for network views: our page, or pyvis's Network "
              "(View.to_pyvis(), offline).")  # fmt: skip
@click.option("--full", is_flag=True,
              help="Co-membership: draw every edge, no reduction above the size budget "
              "(a large graph makes a page of tens of MB that opens slowly).")  # fmt: skip
@query_options(default_timeout=None)
@root_option
def view(
    kind: str,
    names: tuple[str, ...],
    outs: tuple[Path, ...],
    lang: str,
    size_by: str | None,
    radius: int,
    seed: int,
    engine: str,
    full: bool,
    timeout: float | None,
    endpoint: str | None,
    root: Path | None,
    cache: Path | None,
) -> None:
    """Draw a network view as a self-contained, offline HTML page (or PNG/SVG).

    \b
    Kinds and the entities they take (names resolve like `find`: zh, en, alias, slug, IRI):
      overview                 every entity and stated fact
      alliance ALLIANCE        members by role and type, what it developed, whom it helped
      ego ENTITY [--radius N]  an entity and its neighbourhood
      path FROM TO             shortest connections, evidence quote on each edge
      co-membership            organisations sharing alliances; communities, brokers
      chain [FIELD]            fields -> chain segments (upstream to downstream) -> organisations
      overlap [ALLIANCE]...    alliances x alliances heatmap of shared members (clustered)
      timeline [ALLIANCE]...   dated facts on a time axis, filterable by alliance
      composition [ALLIANCE]...  members by type and by role, reported figures beside

    \b
    Examples:
      alliancegraph view alliance 物联网联盟 --out iot.html --out iot.png
      alliancegraph view path 爱美科 重庆市功能材料技术创新战略联盟 --out path.html
      alliancegraph view overview --lang en --out overview.html
      alliancegraph view overlap --out overlap.html --out overlap.png
    """
    options: dict[str, Any] = {"lang": lang}
    if size_by is not None and kind not in ("path", *CHART_KINDS):
        options["size_by"] = None if size_by.lower() == "none" else size_by
    if kind == "ego":
        options["radius"] = radius
    if kind not in ("path", "chain", *CHART_KINDS):
        options["seed"] = seed
    targets = list(outs) or [Path(f"{kind}.html")]
    with reported():
        if full and kind not in ("co-membership", "comembership"):
            raise UsageError("--full applies to the co-membership view")
        if full:
            options["reduce"] = False
            click.echo("warning: --full draws every edge: above 5,000 edges the page can be "
                       "tens of MB and slow to open", err=True)  # fmt: skip
        for t in targets:
            if t.suffix.lower() not in SUFFIXES:
                raise UsageError(f"cannot write a view as {t.name!r}: use .html, .png or .svg")
        g = open_graph(root, cache, endpoint=endpoint, timeout=deadline(timeout, None))
        v = g.view(kind, *names, **options)
        for t in targets:
            v.save(t, engine=engine)
            click.echo(f"wrote {t} ({v.node_count} nodes, {v.edge_count} edges)", err=True)
