"""The ``alliancegraph`` command line: build, query, export and explore the graph.

Tables for people, ``--format json|csv|tsv`` for scripts; exit codes mean something:
0 ok, 1 invalid data or a failed request, 2 a usage or query syntax error. Errors print
one clear message, never a traceback. Heavy libraries load only in the commands that use
them, so ``alliancegraph query`` starts fast.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .errors import AllianceGraphError

app = typer.Typer(
    name="alliancegraph",
    help="Knowledge graph of Chongqing's industrial technology innovation strategic "
    "alliances (产业技术创新战略联盟): build, query, analyse and view it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class ResultFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    xml = "xml"


class ExportFormat(str, Enum):
    ttl = "ttl"
    nt = "nt"
    nq = "nq"
    trig = "trig"
    jsonld = "jsonld"


CacheOpt = Annotated[
    Path | None,
    typer.Option("--cache", help="Cache folder (default $ALLIANCEGRAPH_CACHE or "
                 "~/.cache/alliancegraph).", envvar="ALLIANCEGRAPH_CACHE", show_envvar=False),
]
RootOpt = Annotated[
    Path | None,
    typer.Option("--root", help="Project folder holding data/ and ontology/ "
                 "(default: this checkout, or the bundled copy).", envvar="ALLIANCEGRAPH_HOME",
                 show_envvar=False),
]


def fail(error: AllianceGraphError) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(error.exit_code)


def _inputs(root: Path | None):
    from .build import Inputs

    return Inputs.default(root)


def _cache(cache: Path | None):
    from .build import Cache

    return Cache(cache)


def open_graph(root: Path | None, cache: Path | None):
    from .build import ensure_built
    from .graph import AllianceGraph
    from .store import EmbeddedStore

    build = ensure_built(_inputs(root), _cache(cache))
    return AllianceGraph(EmbeddedStore.open(build.store_path), build)


@app.command()
def build(root: RootOpt = None, cache: CacheOpt = None,
          force: Annotated[bool, typer.Option(help="Rebuild even if cached.")] = False) -> None:
    """Compile data/ and ontology/, infer, validate with SHACL, and cache the dataset.

    A failed validation lists every violation (file:line, entity, what is wrong), exits 1,
    and leaves the previous good build in place.
    """
    from .build import build as run_build

    try:
        b = run_build(_inputs(root), _cache(cache), force=force)
    except AllianceGraphError as e:
        raise fail(e) from None
    info = b.info
    typer.echo(f"built {info['quads']} quads ({info['inferred']} inferred) into {b.path}")


@app.command()
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="RDF format.")] =
    ExportFormat.ttl,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write "
                                             "(default: standard output).")] = None,
    root: RootOpt = None, cache: CacheOpt = None,
) -> None:
    """Write the built dataset (ontology, curated facts with provenance, inferences).

    Same input, same bytes. Triple formats (ttl, nt) merge the named graphs; quad formats
    (nq, trig, jsonld) keep them.
    """
    from .build import ensure_built
    from .build import export_dataset

    try:
        b = ensure_built(_inputs(root), _cache(cache))
        data = export_dataset(b, fmt.value)
    except AllianceGraphError as e:
        raise fail(e) from None
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        from .build import _atomic_write

        _atomic_write(out, data.decode("utf-8"))
        typer.echo(f"wrote {out}", err=True)


def read_query_text(query: str) -> str:
    """QUERY is SPARQL text or the path of a .rq file."""
    if query.endswith((".rq", ".sparql")) or (len(query) < 4096 and "\n" not in query
                                              and Path(query).is_file()):
        path = Path(query)
        if not path.is_file():
            from .errors import UsageError

            raise UsageError(f"no query file {query}")
        return path.read_text(encoding="utf-8")
    return query


def print_result(result, fmt: ResultFormat) -> None:
    """Print a QueryResult for people (table) or scripts (W3C formats)."""
    if result.kind == "graph":
        sys.stdout.write(result.serialize("ttl"))
        return
    if fmt is ResultFormat.table:
        if result.kind == "ask":
            typer.echo("true" if result.boolean else "false")
            return
        print_table(result)
        return
    sys.stdout.write(result.serialize(fmt.value))
    if fmt is ResultFormat.json:
        sys.stdout.write("\n")


def print_table(result) -> None:
    from rich.console import Console
    from rich.table import Table

    from .namespaces import shorten

    table = Table(*result.variables, show_lines=False, header_style="bold")
    for row in result.rows:
        cells = []
        for t in row:
            if t is None:
                cells.append("")
            elif t.__class__.__name__ == "NamedNode":
                cells.append(shorten(t.value))
            else:
                cells.append(t.value)
        table.add_row(*cells)
    console = Console(highlight=False, markup=False, emoji=False)
    console.print(table)
    console.print(f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}", style="dim")


@app.command()
def query(
    text: Annotated[str, typer.Argument(metavar="QUERY", help="SPARQL text, or a .rq file.")],
    fmt: Annotated[ResultFormat, typer.Option("--format", "-f", help="Output format; json is "
                   "SPARQL 1.1 Query Results JSON.")] = ResultFormat.table,
    root: RootOpt = None, cache: CacheOpt = None,
) -> None:
    """Run a SPARQL query on the graph; the contract's prefixes (ag:, agr:, org:, schema:,
    skos:, prov:, dcterms:, rdf:, rdfs:, owl:, xsd:) are predeclared.

    Example: alliancegraph query 'SELECT ?l WHERE { ?a a ag:Alliance ; rdfs:label ?l }'
    """
    try:
        sparql = read_query_text(text)
        g = open_graph(root, cache)
        result = g.query(sparql)
    except AllianceGraphError as e:
        raise fail(e) from None
    print_result(result, fmt)


SUMMARY = """
SELECT ?what ?n WHERE {
  { SELECT ("alliances named" AS ?what) (COUNT(DISTINCT ?a) AS ?n) { ?a a ag:Alliance } }
  UNION { SELECT ("organisations" AS ?what) (COUNT(DISTINCT ?o) AS ?n)
          { ?o a org:FormalOrganization } }
  UNION { SELECT ("facts with provenance" AS ?what) (COUNT(DISTINCT ?r) AS ?n)
          { ?r a rdf:Statement } }
  UNION { SELECT ("reported figures" AS ?what) (COUNT(DISTINCT ?s) AS ?n)
          { ?s a ag:ReportedStatistic } }
  UNION { SELECT ("sources" AS ?what) (COUNT(DISTINCT ?s) AS ?n) { ?s a ag:SourceDocument } }
}"""

ALLIANCES = """
SELECT ?alliance (GROUP_CONCAT(DISTINCT ?lead; separator="、") AS ?leads) WHERE {
  ?a a ag:Alliance ; rdfs:label ?alliance . FILTER(lang(?alliance) = "zh")
  OPTIONAL { ?a ag:leadInstitution/rdfs:label ?lead . FILTER(lang(?lead) = "zh") }
} GROUP BY ?alliance ORDER BY ?alliance"""

@app.command()
def summary(root: RootOpt = None, cache: CacheOpt = None) -> None:
    """Build the graph if needed and print what it holds (the quick start's main job)."""
    try:
        g = open_graph(root, cache)
        counts = g.query(SUMMARY)
        alliances = g.query(ALLIANCES)
        figures = g.query(
            "SELECT ?figure ?value ?unit ?scope WHERE { ?s a ag:ReportedStatistic ; "
            "ag:measure/rdfs:label ?figure ; rdf:value ?value ; ag:unit/rdfs:label ?unit ; "
            "ag:scope/rdfs:label ?scope . FILTER(lang(?figure)='zh' && lang(?unit)='zh' "
            "&& lang(?scope)='zh') } ORDER BY DESC(?value)")
    except AllianceGraphError as e:
        raise fail(e) from None
    typer.echo(f"alliancegraph: {g.store.describe_location()}")
    print_table(counts)
    print_table(alliances)
    print_table(figures)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
