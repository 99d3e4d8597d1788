"""``alliancegraph analyze``: network analysis through ``g.analyze``.

Each command turns its options into the API's keywords (the filters ``alliances``,
``types``, ``since``, ``until``, ``synthetic``; ``seed`` and ``engine``), calls one method
of :class:`alliancegraph.graph.Analyze` and prints the DataFrame it returns
(:func:`.common.emit_frame`). The algorithms, their thresholds and their notes on engine
and exactness all live in :mod:`alliancegraph.analysis`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .common import (
    OrderedGroup,
    deadline,
    emit_frame,
    open_graph,
    plural,
    query_options,
    reported,
    root_option,
)

if TYPE_CHECKING:
    import pandas as pd

    from alliancegraph.graph import Analyze

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

ANALYZE_FORMATS = ("table", "csv", "json")
PROJECTIONS = ("entity", "two-mode", "comembership", "overlap", "chain")
METRICS = (
    "degree",
    "weighted-degree",
    "betweenness",
    "pagerank",
    "closeness",
    "kcore",
    "effective-size",
    "constraint",
)


@click.group(cls=OrderedGroup)
def analyze() -> None:
    """Network analysis: who is central, who brokers, communities, explained paths, the
    产学研 mix, industry-chain gaps and reported-versus-known coverage.

    Projections (--projection): entity (typed entity graph, the default), two-mode
    (alliance × organisation), comembership (organisations sharing alliances), overlap
    (alliances sharing members), chain (fields, segments, who operates where).

    \b
    Examples:
      alliancegraph analyze path 爱美科 重庆市功能材料技术创新战略联盟
      alliancegraph analyze central --metric pagerank --projection comembership
      alliancegraph analyze communities --seed 7 --format csv
      alliancegraph analyze composition --alliance 物联网
      alliancegraph analyze export --projection two-mode --out alliances.gexf
    """


def analysis_options(projection: str | None = "entity", seeded: bool = True) -> Callable[[F], F]:
    """The options every analyze command shares: filters, seed, engine, format, source."""

    def deco(f: F) -> F:
        f = root_option(f)
        f = query_options(default_timeout=None)(f)
        f = click.option(
            "--format",
            "-f",
            "fmt",
            type=click.Choice(ANALYZE_FORMATS),
            default="table",
            show_default=True,
            help="table for people; csv or json for scripts.",
        )(f)
        f = click.option(
            "--no-synthetic",
            "no_synthetic",
            is_flag=True,
            help="Leave out generated (ag:synthetic) entities.",
        )(f)
        f = click.option(
            "--until",
            default=None,
            metavar="DATE",
            help="Only what is dated (founded, issued, joined) up to DATE (YYYY[-MM[-DD]]).",
        )(f)
        f = click.option(
            "--since",
            default=None,
            metavar="DATE",
            help="Only what is dated from DATE on; undated entities always stay.",
        )(f)
        f = click.option(
            "--type",
            "types",
            multiple=True,
            metavar="CLASS",
            help="Only entities of this class (University, ag:University or 高等院校); "
            "repeatable.",
        )(f)
        f = click.option(
            "--alliance",
            "alliances",
            multiple=True,
            metavar="NAME",
            help="Only this alliance (a name, alias, short form such as 物联网, slug or IRI); "
            "repeatable.",
        )(f)
        if seeded:
            f = click.option(
                "--engine",
                type=click.Choice(("auto", "igraph", "networkx")),
                default="auto",
                show_default=True,
                help="auto: igraph where installed, else networkx.",
            )(f)
            f = click.option(
                "--seed",
                type=int,
                default=0,
                show_default=True,
                help="Seed of every random step (sampling, Louvain): same seed, same result.",
            )(f)
        if projection is not None:
            f = click.option(
                "--projection",
                "-P",
                "projection_name",
                default=projection,
                show_default=True,
                type=click.Choice(PROJECTIONS),
                help="Which network to analyse.",
            )(f)
        return f

    return deco


def run(opts: dict[str, Any], ask: Callable[[Analyze, dict[str, Any]], T]) -> T:
    """Open the graph with the source options, call ``ask(g.analyze, filters)`` and turn
    library errors into one line and an exit code."""
    filters = {
        "alliances": list(opts["alliances"]),
        "types": list(opts["types"]),
        "since": opts["since"],
        "until": opts["until"],
        "synthetic": not opts["no_synthetic"],
    }
    with reported():
        # The CLI never plots with igraph: import it without matplotlib (saves a second).
        from alliancegraph.analysis.metrics import import_igraph_without_plotting

        import_igraph_without_plotting()
        g = open_graph(
            opts["root"], opts["cache"], endpoint=opts["endpoint"],
            timeout=deadline(opts["timeout"], None),
        )  # fmt: skip
        return ask(g.analyze, filters)


def drop_for_table(df: pd.DataFrame, fmt: str, columns: list[str]) -> pd.DataFrame:
    """Leave IRI columns out of the table people read (csv and json keep them)."""
    return df.drop(columns=[c for c in columns if c in df.columns]) if fmt == "table" else df


@analyze.command()
@click.option(
    "--metric",
    "-m",
    default="betweenness",
    show_default=True,
    type=click.Choice(METRICS),
    help="What makes a node central.",
)
@click.option("--top", type=int, default=20, show_default=True, help="Rows to show (0: all).")
@analysis_options()
def central(
    metric: str, top: int, projection_name: str, seed: int, engine: str, fmt: str, **o: Any
) -> None:
    """The most central nodes of a projection by one metric (betweenness is exact on small
    graphs and k-sampled with --seed on large ones; the output says which and which engine).
    """
    df = run(o, lambda a, f: a.central(
        metric, projection_name, top or None, seed=seed, engine=engine, **f))  # fmt: skip
    emit_frame(df, fmt)


@analyze.command()
@click.option("--top", type=int, default=20, show_default=True, help="Rows to show (0: all).")
@analysis_options()
def brokers(top: int, projection_name: str, seed: int, engine: str, fmt: str, **o: Any) -> None:
    """Brokers across structural holes: lowest Burt constraint first, with effective size,
    degree and betweenness."""
    df = run(o, lambda a, f: a.brokers(
        projection_name, top or None, seed=seed, engine=engine, **f))  # fmt: skip
    emit_frame(df, fmt)


@analyze.command()
@click.option("--members", is_flag=True, help="One row per node instead of per community.")
@analysis_options()
def communities(
    members: bool, projection_name: str, seed: int, engine: str, fmt: str, **o: Any
) -> None:
    """Louvain communities (seeded), largest first, with the modularity of the partition."""
    df = run(o, lambda a, f: a.communities(
        projection_name, seed=seed, engine=engine, members=members, **f))  # fmt: skip
    emit_frame(df, fmt)


@analyze.command("path")
@click.argument("source", metavar="A")
@click.argument("target", metavar="B")
@click.option("--limit", type=int, default=10, show_default=True, help="At most this many paths.")
@analysis_options(projection=None, seeded=False)
def path_command(source: str, target: str, limit: int, fmt: str, **o: Any) -> None:
    """Shortest paths from A to B on the entity graph, one row per fact on each hop, with
    its evidence quote and source. A and B are names as `alliancegraph find` resolves them.

    \b
    Example:
      alliancegraph analyze path 爱美科 重庆市功能材料技术创新战略联盟
    """
    df = run(o, lambda a, f: a.path(source, target, limit, **f))
    if df.empty:
        click.echo(f"error: no path between {source!r} and {target!r}", err=True)
        raise click.exceptions.Exit(1)
    emit_frame(drop_for_table(df, fmt, ["subject", "predicate", "object", "from_iri", "to_iri"]),
               fmt)  # fmt: skip


@analyze.command()
@click.argument("entity", metavar="X")
@click.option(
    "--radius",
    "-r",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Hops from X (edge direction ignored).",
)
@analysis_options(projection=None, seeded=False)
def ego(entity: str, radius: int, fmt: str, **o: Any) -> None:
    """The neighbourhood of X within --radius hops: each node with its distance and the
    fact that links it one step closer."""
    df = run(o, lambda a, f: a.ego(entity, radius, **f))
    emit_frame(df, fmt, note=f"{plural(len(df), 'node')} within {plural(radius, 'hop')}")


@analyze.command()
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(("lead", "supporting", "member")),
    help="Count only these roles (default: all); repeatable.",
)
@analysis_options(projection=None, seeded=False)
def composition(roles: tuple[str, ...], fmt: str, **o: Any) -> None:
    """The 产学研 mix of each alliance: enterprises (产), universities (学), research
    institutes (研), government and others among its known lead, supporting and member
    units."""
    chosen = roles or ("lead", "supporting", "member")
    df = run(o, lambda a, f: a.composition(chosen, **f))
    emit_frame(df, fmt)


@analyze.command("chain-gaps")
@analysis_options(projection=None, seeded=False)
def chain_gaps(fmt: str, **o: Any) -> None:
    """Industry-chain links with no university, research institute or platform operating
    in them (补短板), gaps first."""
    df = run(o, lambda a, f: a.chain_gaps(**f))
    emit_frame(drop_for_table(df, fmt, ["node"]), fmt)


@analyze.command()
@analysis_options(projection=None, seeded=False)
def coverage(fmt: str, **o: Any) -> None:
    """Reported figures (24 alliances, 1,934 member units …) next to what the graph
    itself counts, with the gap and how each count was made."""
    df = run(o, lambda a, f: a.coverage())
    emit_frame(drop_for_table(df, fmt, ["statistic"]), fmt)


@analyze.command("metrics")
@click.option(
    "--rdf",
    type=click.Path(path_type=Path),
    default=None,
    metavar="FILE",
    help="Also write the metrics as RDF (.nq or .trig) in their own named graph.",
)
@analysis_options()
def metrics_command(
    rdf: Path | None, projection_name: str, seed: int, engine: str, fmt: str, **o: Any
) -> None:
    """Every metric for every node of a projection (degree, weighted degree, betweenness,
    PageRank, closeness, k-core, effective size, constraint)."""

    def ask(a: Analyze, f: dict[str, Any]) -> pd.DataFrame:
        df = a.metrics(projection_name, seed=seed, engine=engine, **f)
        if rdf is not None:
            a.write_metrics(df, rdf, projection_name)
        return df

    df = run(o, ask)
    if rdf is not None:
        click.echo(f"wrote {rdf}", err=True)
    emit_frame(df, fmt)


@analyze.command("export")
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    required=True,
    help="File to write: .gexf, .graphml or .csv (Gephi's spreadsheet import: the edge "
    "table, and its node table beside it as NAME.nodes.csv).",
)
@analysis_options(seeded=False)
def export_network(out: Path, projection_name: str, fmt: str, **o: Any) -> None:
    """Write a projection for Gephi (GEXF, GraphML; zh labels kept) or as CSV tables for
    Gephi's spreadsheet import (edges in OUT, nodes in OUT's NAME.nodes.csv)."""

    def ask(a: Analyze, f: dict[str, Any]) -> tuple[list[Path], int, int]:
        G = a.projection(projection_name, **f)
        return a.write_graph(G, out), G.number_of_nodes(), G.number_of_edges()

    files, nodes, edges = run(o, ask)
    size = f"{plural(nodes, 'node')}, {plural(edges, 'edge')}"
    if len(files) == 2:
        click.echo(f"wrote {files[0]} (edges) and {files[1]} (nodes): {size}", err=True)
    else:
        click.echo(f"wrote {files[0]} ({size})", err=True)
