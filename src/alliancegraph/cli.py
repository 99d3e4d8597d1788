"""The ``alliancegraph`` command line: build, query, export and explore the graph.

Tables for people, ``--format json|csv|tsv`` for scripts; exit codes mean something:
0 ok, 1 invalid data or a failed request, 2 a usage or query syntax error. Errors print
one clear message, never a traceback. Heavy libraries load only in the commands that use
them, so ``alliancegraph query`` starts fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import AllianceGraphError

RESULT_FORMATS = ("table", "json", "csv", "tsv", "xml")
EXPORT_FORMATS = ("ttl", "nt", "nq", "trig", "jsonld")


class Group(click.Group):
    """Lists commands in the order they were added (the order of the data flow)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(
    cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(package_name="alliancegraph")
def app() -> None:
    """Knowledge graph of Chongqing's industrial technology innovation strategic
    alliances (产业技术创新战略联盟): build, query, analyse and view it.

    \b
    Quick tour:
      alliancegraph summary
      alliancegraph query 'SELECT ?l WHERE { ?a a ag:Alliance ; rdfs:label ?l }'
      alliancegraph export --format ttl --out alliances.ttl
    """


def root_option(f):
    """--root and --cache, shared by every command that opens the graph."""
    f = click.option(
        "--cache",
        "cache",
        type=click.Path(path_type=Path),
        default=None,
        envvar="ALLIANCEGRAPH_CACHE",
        help="Cache folder (default $ALLIANCEGRAPH_CACHE or ~/.cache/alliancegraph).",
    )(f)
    return click.option(
        "--root",
        "root",
        type=click.Path(path_type=Path),
        default=None,
        envvar="ALLIANCEGRAPH_HOME",
        help="Project folder holding data/ and ontology/ (default: this "
        "checkout, or the bundled copy).",
    )(f)


def fail(error: AllianceGraphError) -> click.exceptions.Exit:
    """Print one clear message and return the exit to raise (1 data/request, 2 usage)."""
    click.echo(f"error: {error}", err=True)
    return click.exceptions.Exit(error.exit_code)


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
@root_option
@click.option("--force", is_flag=True, help="Rebuild even if cached.")
def build(root: Path | None, cache: Path | None, force: bool) -> None:
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
    click.echo(f"built {info['quads']} quads ({info['inferred']} inferred) into {b.path}")


@app.command()
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="ttl",
    show_default=True,
    help="RDF format.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@root_option
def export(fmt: str, out: Path | None, root: Path | None, cache: Path | None) -> None:
    """Write the built dataset (ontology, curated facts with provenance, inferences).

    Same input, same bytes. Triple formats (ttl, nt) merge the named graphs; quad formats
    (nq, trig, jsonld) keep them.
    """
    from .build import _atomic_write, ensure_built, export_dataset

    try:
        b = ensure_built(_inputs(root), _cache(cache))
        data = export_dataset(b, fmt)
    except AllianceGraphError as e:
        raise fail(e) from None
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        _atomic_write(out, data.decode("utf-8"))
        click.echo(f"wrote {out}", err=True)


def read_query_text(query: str) -> str:
    """QUERY is SPARQL text or the path of a .rq file."""
    if query.endswith((".rq", ".sparql")) or (
        len(query) < 4096 and "\n" not in query and Path(query).is_file()
    ):
        path = Path(query)
        if not path.is_file():
            from .errors import UsageError

            raise UsageError(f"no query file {query}")
        return path.read_text(encoding="utf-8")
    return query


def print_result(result, fmt: str) -> None:
    """Print a QueryResult for people (table) or scripts (W3C formats)."""
    if result.kind == "graph":
        sys.stdout.write(result.serialize("ttl"))
        return
    if fmt == "table":
        if result.kind == "ask":
            click.echo("true" if result.boolean else "false")
            return
        print_table(result)
        return
    sys.stdout.write(result.serialize(fmt))
    if fmt == "json":
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
@click.argument("text", metavar="QUERY")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(RESULT_FORMATS),
    default="table",
    show_default=True,
    help="Output format; json is SPARQL 1.1 Query Results JSON.",
)
@root_option
def query(text: str, fmt: str, root: Path | None, cache: Path | None) -> None:
    """Run a SPARQL QUERY (text, or a .rq file) on the graph.

    The contract's prefixes (ag:, agr:, org:, schema:, skos:, prov:, dcterms:, rdf:, rdfs:,
    owl:, xsd:) are predeclared. ASK prints true/false; CONSTRUCT and DESCRIBE print Turtle.

    \b
    Example:
      alliancegraph query --format json \\
        'SELECT ?l WHERE { ?a a ag:Alliance ; ag:leadInstitution/rdfs:label ?l }'
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
@root_option
def summary(root: Path | None, cache: Path | None) -> None:
    """Build the graph if needed and print what it holds (the quick start's main job)."""
    try:
        g = open_graph(root, cache)
        counts = g.query(SUMMARY)
        alliances = g.query(ALLIANCES)
        figures = g.query(
            "SELECT ?figure ?value ?unit ?scope WHERE { ?s a ag:ReportedStatistic ; "
            "ag:measure/rdfs:label ?figure ; rdf:value ?value ; ag:unit/rdfs:label ?unit ; "
            "ag:scope/rdfs:label ?scope . FILTER(lang(?figure)='zh' && lang(?unit)='zh' "
            "&& lang(?scope)='zh') } ORDER BY DESC(?value)"
        )
    except AllianceGraphError as e:
        raise fail(e) from None
    click.echo(f"alliancegraph: {g.store.describe_location()}")
    print_table(counts)
    print_table(alliances)
    print_table(figures)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="alliancegraph")


if __name__ == "__main__":
    main()
