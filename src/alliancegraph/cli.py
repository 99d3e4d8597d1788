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


def query_options(f):
    """--timeout and --endpoint, shared by query, find and describe."""
    f = click.option(
        "--endpoint",
        "-e",
        default=None,
        envvar="ALLIANCEGRAPH_ENDPOINT",
        metavar="URL",
        help="Ask this SPARQL 1.1 endpoint instead of the embedded store "
        "(env ALLIANCEGRAPH_ENDPOINT).",
    )(f)
    return click.option(
        "--timeout",
        "-t",
        type=click.FloatRange(min=0),
        default=30.0,
        show_default=True,
        envvar="ALLIANCEGRAPH_TIMEOUT",
        metavar="SECONDS",
        help="Stop the query after this many seconds (0: no deadline).",
    )(f)


def open_source(endpoint: str | None, timeout: float, root: Path | None, cache: Path | None):
    """The graph to ask: a remote endpoint if given, else the embedded build."""
    if endpoint:
        from .graph import AllianceGraph
        from .store import RemoteStore

        return AllianceGraph(RemoteStore(endpoint, timeout=timeout or 30.0))
    return open_graph(root, cache)


@app.command()
@click.argument("text", metavar="[QUERY]", required=False)
@click.option(
    "--name", "-n", default=None, help="Run this named query (see `alliancegraph queries`)."
)
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter value, typed as the named query declares; repeatable.",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(RESULT_FORMATS),
    default="table",
    show_default=True,
    help="Output format; json is SPARQL 1.1 Query Results JSON.",
)
@query_options
@root_option
def query(
    text: str | None,
    name: str | None,
    params: tuple[str, ...],
    fmt: str,
    timeout: float,
    endpoint: str | None,
    root: Path | None,
    cache: Path | None,
) -> None:
    """Run a SPARQL QUERY (text, or a .rq file), or a named query, on the graph.

    The contract's prefixes (ag:, agr:, org:, schema:, skos:, prov:, dcterms:, rdf:, rdfs:,
    owl:, xsd:) are predeclared. ASK prints true/false; CONSTRUCT and DESCRIBE print Turtle.
    Parameter values are bound as RDF terms, never pasted into the query. With QUERY text,
    --param binds ?KEY to an IRI (<…> or prefixed) or else a string.

    \b
    Examples:
      alliancegraph query --format json \\
        'SELECT ?l WHERE { ?a a ag:Alliance ; ag:leadInstitution/rdfs:label ?l }'
      alliancegraph query --name alliance-members --param alliance=重材院
      alliancegraph query --name entity-facts -p entity=cqupt --endpoint http://localhost:7878/query
    """
    from .errors import UsageError

    try:
        from .library import parse_param_options

        values = parse_param_options(params)
        if name and text:
            raise UsageError("give either QUERY text or --name, not both")
        if not name and not text:
            raise UsageError("give QUERY text (or a .rq file) or --name NAME; see --help")
        g = open_source(endpoint, timeout, root, cache)
        if name:
            result = g.named(name, timeout=timeout or None, **values)
        else:
            sparql = read_query_text(text)
            bindings = _raw_bindings(values)
            result = g.query(sparql, timeout=timeout or None, bindings=bindings or None)
    except AllianceGraphError as e:
        raise fail(e) from None
    print_result(result, fmt)


def _raw_bindings(values: dict[str, str]) -> dict:
    """--param for QUERY text: <IRI> or prefixed names are IRIs, anything else a string."""
    import pyoxigraph as ox

    from .library import Param, to_term
    from .namespaces import PREFIXES

    out = {}
    for key, value in values.items():
        v = value.strip()
        is_iri = (v.startswith("<") and v.endswith(">")) or (
            ":" in v and v.split(":", 1)[0] in PREFIXES
        )
        out[key] = to_term(Param(key, "iri"), v) if is_iri else ox.Literal(value)
    return out


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


@app.command()
@click.option("--tag", default=None, help="Only queries with this tag.")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(("table", "json")),
    default="table",
    show_default=True,
    help="table for people, json for scripts.",
)
def queries(tag: str | None, fmt: str) -> None:
    """List the named query library: name, summary (zh and en), parameters, view.

    \b
    Run one with:
      alliancegraph query --name NAME --param key=value
    """
    import json

    from .library import load_library

    try:
        library = [q for q in load_library().values() if tag is None or tag in q.tags]
    except AllianceGraphError as e:
        raise fail(e) from None
    if fmt == "json":
        out = [
            {
                "name": q.name,
                "summary": q.summary,
                "summary_zh": q.summary_zh,
                "description": q.description,
                "tags": list(q.tags),
                "params": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "required": p.required,
                        "description": p.description,
                    }
                    for p in q.params
                ],
                "view": q.view,
            }
            for q in library
        ]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "summary", "parameters", "view", header_style="bold")
    for q in library:
        params = ", ".join(p.describe() for p in q.params) or "—"
        table.add_row(q.name, f"{q.summary_zh}\n{q.summary}", params, q.view)
    console = Console(highlight=False, markup=False, emoji=False)
    console.print(table)
    console.print(f"{len(library)} queries; parameters marked ? are optional", style="dim")


@app.command()
@click.argument("text")
@click.option("--limit", "-l", type=click.IntRange(min=1), default=20, show_default=True)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(("table", "json", "csv")),
    default="table",
    show_default=True,
)
@query_options
@root_option
def find(
    text: str,
    limit: int,
    fmt: str,
    timeout: float,
    endpoint: str | None,
    root: Path | None,
    cache: Path | None,
) -> None:
    """Find entities by zh/en label, alias or pinyin (重材院, chongcaiyuan, CQUPT).

    Ranked exact label > alias > prefix > substring, case-insensitive. Exits 1 when
    nothing matches.

    \b
    Examples:
      alliancegraph find 重邮
      alliancegraph find "materials research"
    """
    from .search import find as run_find

    try:
        g = open_source(endpoint, timeout, root, cache)
        matches = run_find(_deadline_store(g, timeout), text, limit=limit)
    except AllianceGraphError as e:
        raise fail(e) from None
    fields = ("label", "label_en", "type", "kind", "matched", "iri")
    from .namespaces import shorten

    if fmt == "json":
        import json
        from dataclasses import asdict

        click.echo(json.dumps([asdict(m) for m in matches], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import csv

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(fields)
        for m in matches:
            w.writerow([getattr(m, f) or "" for f in fields])
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table("label", "type", "kind", "IRI", header_style="bold")
        for m in matches:
            name = f"{m.label}\n{m.label_en}" if m.label_en else m.label
            table.add_row(name, m.type or "", m.kind, shorten(m.iri))
        console = Console(highlight=False, markup=False, emoji=False)
        console.print(table)
    if not matches:
        click.echo(f"nothing matches {text!r}", err=True)
        raise click.exceptions.Exit(1)


def _deadline_store(g, timeout: float):
    """The graph's store with the CLI's deadline applied to every query it runs."""
    from .store import DeadlineStore

    return DeadlineStore(g.store, timeout) if timeout else g.store


@app.command()
@click.argument("entity")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(("table", "json")),
    default="table",
    show_default=True,
)
@query_options
@root_option
def describe(
    entity: str,
    fmt: str,
    timeout: float,
    endpoint: str | None,
    root: Path | None,
    cache: Path | None,
) -> None:
    """Print every fact in and out of ENTITY, with labels, evidence quote and source.

    ENTITY is an IRI, a prefixed name (agr:cqupt), a slug (cqupt) or a name that matches one
    entity (重材院); when several match, they are listed and nothing is guessed.
    """
    from .search import describe as run_describe

    try:
        g = open_source(endpoint, timeout, root, cache)
        d = run_describe(_deadline_store(g, timeout), entity)
    except AllianceGraphError as e:
        raise fail(e) from None
    from .namespaces import shorten

    def other(f) -> str:
        is_iri = f.other.__class__.__name__ == "NamedNode"
        value = shorten(f.other.value) if is_iri else f.other.value
        return f"{f.other_label} ({value})" if f.other_label else value

    if fmt == "json":
        import json

        click.echo(
            json.dumps(
                {
                    "iri": d.iri,
                    "label": d.label,
                    "label_en": d.label_en,
                    "types": d.types,
                    "aliases": d.aliases,
                    "facts": [
                        {
                            "direction": f.direction,
                            "predicate": f.predicate,
                            "predicate_label": f.predicate_label,
                            "other": f.other.value,
                            "other_label": f.other_label,
                            "evidence": f.evidence,
                            "source": f.source,
                            "source_label": f.source_label,
                            "inferred": f.inferred,
                        }
                        for f in d.facts
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, markup=False, emoji=False)
    console.print(f"{d.label}" + (f" / {d.label_en}" if d.label_en else ""), style="bold")
    console.print(f"{d.iri}")
    console.print(f"types: {', '.join(d.types) or '—'}")
    if d.aliases:
        console.print(f"aliases: {'、'.join(d.aliases)}")
    table = Table("", "property", "other end", "evidence", "source", header_style="bold")
    for f in d.facts:
        arrow = "→" if f.direction == "out" else "←"
        prop = f"{f.predicate_label} ({f.predicate})" if f.predicate_label else f.predicate
        source = f.source_label or (shorten(f.source) if f.source else "")
        if not source:
            source = "(inferred from the ontology)" if f.inferred else "(no source)"
        table.add_row(arrow, prop, other(f), f.evidence or "", source)
    console.print(table)
    console.print(f"{len(d.facts)} facts; → from this entity, ← to it", style="dim")


@app.command()
@click.option(
    "--endpoint",
    "-e",
    required=True,
    metavar="URL",
    help="The server's SPARQL query URL (…/query) or Graph Store URL (…/store).",
)
@click.option(
    "--store",
    "store_url",
    default=None,
    metavar="URL",
    help="Graph Store Protocol URL, if not derivable from --endpoint (…/query → …/store).",
)
@click.option("--timeout", "-t", type=click.FloatRange(min=1), default=60.0, show_default=True)
@root_option
def publish(
    endpoint: str, store_url: str | None, timeout: float, root: Path | None, cache: Path | None
) -> None:
    """Load the built dataset into a remote store over the SPARQL 1.1 Graph Store Protocol.

    Each named graph (ontology, curated, inferred, query examples, imports) is PUT, replacing
    the previous copy; graphs of an earlier publication that the build no longer has are
    deleted. Query the server with union-default-graph semantics (Oxigraph:
    `oxigraph serve --union-default-graph`).

    \b
    Example:
      oxigraph serve --location /tmp/ag-store --union-default-graph &
      alliancegraph publish --endpoint http://localhost:7878/query
      alliancegraph query --name alliances --endpoint http://localhost:7878/query
    """
    from .build import ensure_built
    from .store import publish_dataset

    try:
        b = ensure_built(_inputs(root), _cache(cache))
        report = publish_dataset(b.nquads_path, endpoint, store_url=store_url, timeout=timeout)
    except AllianceGraphError as e:
        raise fail(e) from None
    for graph, count in report.graphs.items():
        click.echo(f"PUT {graph}: {count} triples")
    for graph in report.deleted:
        click.echo(f"DELETE {graph} (no longer in the build)")
    click.echo(f"published {sum(report.graphs.values())} triples to {report.store_url}")


# -- analyze: network analysis (alliancegraph.analysis) ----------------------------------

ANALYZE_FORMATS = ("table", "csv", "json")


@app.group(cls=Group)
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
      alliancegraph analyze export --projection two-mode --out alliances.gexf
    """


def analysis_options(projection: str | None = "entity", seeded: bool = True):
    """The options every analyze command shares: filters, seed, engine, format, source."""

    def deco(f):
        f = root_option(f)
        f = query_options(f)
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
            help="Only entities of this class (ag:University or University); repeatable.",
        )(f)
        f = click.option(
            "--alliance",
            "alliances",
            multiple=True,
            metavar="NAME",
            help="Only this alliance (a name, alias, slug or IRI); repeatable.",
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
                type=click.Choice(("entity", "two-mode", "comembership", "overlap", "chain")),
                help="Which network to analyse.",
            )(f)
        return f

    return deco


def _analysis_call(opts: dict, run):
    """Open the graph, build the filters (resolving alliance names) and run ``run(g, f)``;
    errors become one line and an exit code."""
    try:
        from .analysis import Filters, questions
        from .analysis.metrics import import_igraph_without_plotting

        import_igraph_without_plotting()  # the CLI never plots with igraph: save a second
        g = open_source(opts["endpoint"], opts["timeout"], opts["root"], opts["cache"])
        f = Filters.make(
            alliances=questions.resolve_alliances(g, opts["alliances"]),
            types=opts["types"],
            since=opts["since"],
            until=opts["until"],
            synthetic=not opts["no_synthetic"],
        )
        return run(g, f)
    except AllianceGraphError as e:
        raise fail(e) from None


def _describe_meta(meta: dict) -> str:
    """One line on what was measured and how (projection size, method, engine, seed)."""
    parts = []
    if "projection" in meta:
        size = ", ".join(f"{meta[k]} {k}" for k in ("nodes", "edges") if k in meta)
        parts.append(f"projection {meta['projection']}" + (f" ({size})" if size else ""))
    if "metric" in meta:
        parts.append(f"{meta['metric']}: {meta['method']}, engine {meta['engine']}")
    elif "methods" in meta:
        parts.append("; ".join(f"{k}: {v}" for k, v in meta["methods"].items()))
    if "modularity" in meta:
        parts.append(
            f"Louvain seed {meta['seed']}, engine {meta['engine']}, "
            f"modularity {meta['modularity']:.4f}"
        )
    for key in ("gaps", "paths", "roles"):
        if key in meta:
            parts.append(f"{key}: {meta[key]}")
    return " · ".join(parts)


def emit_frame(df, fmt: str, note: str = "") -> None:
    """Print a DataFrame as a table (IRIs shortened, numbers rounded), CSV or JSON
    (``{"meta": …, "rows": […]}``). The note (engine, method) goes under the table, or to
    stderr for csv, so the data stays clean."""
    import json

    from .namespaces import shorten

    meta = {k: v for k, v in df.attrs.items() if isinstance(v, str | int | float | bool | dict)}
    note = note or _describe_meta(meta)
    if fmt == "csv":
        sys.stdout.write(df.to_csv(index=False))
        if note:
            click.echo(f"# {note}", err=True)
        return
    if fmt == "json":
        rows = json.loads(df.to_json(orient="records", force_ascii=False))
        click.echo(json.dumps({"meta": meta, "rows": rows}, ensure_ascii=False, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*[str(c) for c in df.columns], header_style="bold")
    for row in df.itertuples(index=False):
        cells = []
        for v in row:
            if v is None or (isinstance(v, float) and v != v):
                cells.append("")
            elif isinstance(v, float):
                cells.append(f"{v:.4g}")
            elif isinstance(v, str) and v.startswith(("http://", "https://")):
                cells.append(shorten(v))
            else:
                cells.append(str(v))
        table.add_row(*cells)
    # Piped output is not cut to 80 columns: a quote or a label stays whole.
    width = None if sys.stdout.isatty() else 240
    console = Console(highlight=False, markup=False, emoji=False, width=width)
    console.print(table)
    n = len(df)
    console.print(f"{n} row{'s' if n != 1 else ''}" + (f" · {note}" if note else ""), style="dim")


@analyze.command()
@click.option(
    "--metric",
    "-m",
    default="betweenness",
    show_default=True,
    type=click.Choice(
        (
            "degree",
            "weighted-degree",
            "betweenness",
            "pagerank",
            "closeness",
            "kcore",
            "effective-size",
            "constraint",
        )
    ),
    help="What makes a node central.",
)
@click.option("--top", type=int, default=20, show_default=True, help="Rows to show (0: all).")
@analysis_options()
def central(metric: str, top: int, projection_name: str, seed: int, engine: str, fmt: str, **o):
    """The most central nodes of a projection by one metric (betweenness is exact on small
    graphs and k-sampled with --seed on large ones; the output says which and which engine).
    """
    from .analysis import questions

    df = _analysis_call(
        o,
        lambda g, f: questions.central(
            g, metric, projection_name, top or None, seed=seed, engine=engine, filters=f
        ),
    )
    emit_frame(df, fmt)


@analyze.command()
@click.option("--top", type=int, default=20, show_default=True, help="Rows to show (0: all).")
@analysis_options()
def brokers(top: int, projection_name: str, seed: int, engine: str, fmt: str, **o):
    """Brokers across structural holes: lowest Burt constraint first, with effective size,
    degree and betweenness."""
    from .analysis import questions

    df = _analysis_call(
        o,
        lambda g, f: questions.brokers(
            g, projection_name, top or None, seed=seed, engine=engine, filters=f
        ),
    )
    emit_frame(df, fmt)


@analyze.command()
@click.option("--members", is_flag=True, help="One row per node instead of per community.")
@analysis_options()
def communities(members: bool, projection_name: str, seed: int, engine: str, fmt: str, **o):
    """Louvain communities (seeded), largest first, with the modularity of the partition."""
    from .analysis import questions

    df = _analysis_call(
        o,
        lambda g, f: questions.communities(
            g, projection_name, seed=seed, engine=engine, members=members, filters=f
        ),
    )
    emit_frame(df, fmt)


@analyze.command("path")
@click.argument("source", metavar="A")
@click.argument("target", metavar="B")
@click.option("--limit", type=int, default=10, show_default=True, help="At most this many paths.")
@analysis_options(projection=None, seeded=False)
def path_command(source: str, target: str, limit: int, fmt: str, **o):
    """Shortest paths from A to B on the entity graph, one row per fact on each hop, with
    its evidence quote and source. A and B are names as `alliancegraph find` resolves them.

    \b
    Example:
      alliancegraph analyze path 爱美科 重庆市功能材料技术创新战略联盟
    """
    from .analysis import questions

    df = _analysis_call(o, lambda g, f: questions.path(g, source, target, limit, filters=f))
    if df.empty:
        click.echo(f"error: no path between {source!r} and {target!r}", err=True)
        raise click.exceptions.Exit(1)
    brief = ["subject", "predicate", "object", "from_iri", "to_iri"]
    emit_frame(df.drop(columns=brief) if fmt == "table" else df, fmt)


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
def ego(entity: str, radius: int, fmt: str, **o):
    """The neighbourhood of X within --radius hops: each node with its distance and the
    fact that links it one step closer."""
    from .analysis import questions

    df = _analysis_call(o, lambda g, f: questions.ego(g, entity, radius, filters=f))
    emit_frame(df, fmt, note=f"{len(df)} nodes within {radius} hop(s)")


@analyze.command()
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(("lead", "supporting", "member")),
    help="Count only these roles (default: all); repeatable.",
)
@analysis_options(projection=None, seeded=False)
def composition(roles: tuple[str, ...], fmt: str, **o):
    """The 产学研 mix of each alliance: enterprises (产), universities (学), research
    institutes (研), government and others among its known lead, supporting and member
    units."""
    from .analysis import questions

    chosen = roles or ("lead", "supporting", "member")
    df = _analysis_call(o, lambda g, f: questions.composition(g, chosen, filters=f))
    emit_frame(df, fmt)


@analyze.command("chain-gaps")
@analysis_options(projection=None, seeded=False)
def chain_gaps(fmt: str, **o):
    """Industry-chain links with no university, research institute or platform operating
    in them (补短板), gaps first."""
    from .analysis import questions

    df = _analysis_call(o, lambda g, f: questions.chain_gaps(g, filters=f))
    emit_frame(df.drop(columns=["node"]) if fmt == "table" else df, fmt)


@analyze.command()
@analysis_options(projection=None, seeded=False)
def coverage(fmt: str, **o):
    """Reported figures (24 alliances, 1,934 member units …) next to what the graph
    itself counts, with the gap and how each count was made."""
    from .analysis import questions

    df = _analysis_call(o, lambda g, f: questions.coverage(g))
    emit_frame(df.drop(columns=["statistic"]) if fmt == "table" else df, fmt)


@analyze.command("metrics")
@click.option(
    "--rdf",
    type=click.Path(path_type=Path),
    default=None,
    metavar="FILE",
    help="Also write the metrics as RDF (.nq or .trig) in their own named graph.",
)
@analysis_options()
def metrics_command(rdf: Path | None, projection_name: str, seed: int, engine: str, fmt: str, **o):
    """Every metric for every node of a projection (degree, weighted degree, betweenness,
    PageRank, closeness, k-core, effective size, constraint)."""
    from .analysis import metrics_to_quads, node_metrics, write_quads

    df = _analysis_call(
        o, lambda g, f: node_metrics(g, projection_name, seed=seed, engine=engine, filters=f)
    )
    if rdf is not None:
        write_quads(metrics_to_quads(df, projection_name), rdf)
        click.echo(f"wrote {rdf}", err=True)
    emit_frame(df, fmt)


@analyze.command("export")
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    required=True,
    help="File to write: .gexf, .graphml or .csv (edge list).",
)
@analysis_options(seeded=False)
def export_network(out: Path, projection_name: str, fmt: str, **o):
    """Write a projection for Gephi (GEXF, GraphML; zh labels kept) or as a CSV edge list."""
    from .analysis import projection, write_graph

    G = _analysis_call(o, lambda g, f: projection(g, projection_name, f))
    try:
        write_graph(G, out)
    except AllianceGraphError as e:
        raise fail(e) from None
    click.echo(f"wrote {out} ({G.number_of_nodes()} nodes, {G.number_of_edges()} edges)", err=True)


VIEW_KINDS = ("overview", "alliance", "ego", "path", "co-membership", "chain")


@app.command()
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
@root_option
def view(
    kind: str,
    names: tuple[str, ...],
    outs: tuple[Path, ...],
    lang: str,
    size_by: str | None,
    radius: int,
    seed: int,
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

    \b
    Examples:
      alliancegraph view alliance 物联网联盟 --out iot.html --out iot.png
      alliancegraph view path 爱美科 重庆市功能材料技术创新战略联盟 --out path.html
      alliancegraph view overview --lang en --out overview.html
    """
    from . import views

    options: dict = {"lang": lang}
    if size_by is not None and kind != "path":
        options["size_by"] = None if size_by.lower() == "none" else size_by
    if kind == "ego":
        options["radius"] = radius
    if kind not in ("path", "chain"):
        options["seed"] = seed
    targets = list(outs) or [Path(f"{kind}.html")]
    try:
        for t in targets:
            if t.suffix.lower() not in (".html", ".htm", ".png", ".svg"):
                from .errors import UsageError

                raise UsageError(f"cannot write a view as {t.name!r}: use .html, .png or .svg")
        g = open_graph(root, cache)
        v = views.make(g, kind, *names, **options)
        for t in targets:
            v.save(t)
            click.echo(f"wrote {t} ({v.node_count} nodes, {v.edge_count} edges)", err=True)
    except AllianceGraphError as e:
        raise fail(e) from None


@app.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but loopback makes the graph visible on the network.",
)
@click.option(
    "--port",
    "-p",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port (0: any free port; the address is printed).",
)
@click.option(
    "--endpoint",
    "-e",
    default=None,
    envvar="ALLIANCEGRAPH_ENDPOINT",
    metavar="URL",
    help="Serve in front of this SPARQL 1.1 endpoint instead of the embedded store.",
)
@click.option(
    "--timeout",
    "-t",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="Deadline per query; past it the query is stopped and answered with an error.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Refuse results longer than this (page through them with LIMIT/OFFSET).",
)
@click.option(
    "--max-request-bytes",
    type=click.IntRange(min=1024),
    default=1_000_000,
    show_default=True,
    help="Refuse requests (query text, form body) larger than this.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Queries answered at once (worker processes on the embedded store).",
)
@click.option("--cors", is_flag=True, help="Let web pages on other origins call /sparql.")
@click.option(
    "--allow-service",
    is_flag=True,
    help="Allow federated queries (SERVICE), which make the server call other hosts.",
)
@root_option
def serve(
    host: str,
    port: int,
    endpoint: str | None,
    timeout: float,
    max_rows: int,
    max_request_bytes: int,
    workers: int,
    cors: bool,
    allow_service: bool,
    root: Path | None,
    cache: Path | None,
) -> None:
    """Serve the graph: a read-only SPARQL 1.1 endpoint (/sparql) and an explorer in the
    browser (search, entities with their evidence, alliances, a query editor).

    Open the printed address. Every page and asset is served from this machine; nothing
    is loaded from the internet.

    \b
    Examples:
      alliancegraph serve
      alliancegraph serve --port 8080 --timeout 10
      curl -H 'Accept: text/csv' 'http://127.0.0.1:8000/sparql' \\
        --data-urlencode 'query=SELECT ?a WHERE { ?a a ag:Alliance }'
    """
    from .web.app import Settings
    from .web.app import serve as run_server

    settings = Settings(
        timeout=timeout,
        max_rows=max_rows,
        max_request_bytes=max_request_bytes,
        workers=workers,
        cors=cors,
        allow_service=allow_service,
    )
    try:
        g = open_source(endpoint, timeout, root, cache)
        run_server(
            g, host, port, settings, announce=lambda s: click.echo(s, err=s.startswith("warning"))
        )
    except AllianceGraphError as e:
        raise fail(e) from None
    except KeyboardInterrupt:
        pass


# -- imports and synthetic data (imports.py, members.py, synthetic.py) ---------------------


def data_option(f):
    """--data: the folder holding imports/ (default $ALLIANCEGRAPH_DATA)."""
    return click.option(
        "--data",
        "data",
        type=click.Path(path_type=Path),
        default=None,
        envvar="ALLIANCEGRAPH_DATA",
        help="Folder for imports (default $ALLIANCEGRAPH_DATA or ~/.local/share/alliancegraph).",
    )(f)


class _ProgressBar:
    """A rich progress bar on a terminal (stderr); silent otherwise."""

    def __enter__(self):
        from rich.console import Console

        console = Console(stderr=True)
        self.progress = None
        if console.is_terminal:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self.progress.start()
        self.tasks: dict[str, int] = {}
        return self.update if self.progress else None

    def update(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)

    def __exit__(self, *exc):
        if self.progress:
            self.progress.stop()


def _with_data_home(data: Path | None):
    import os

    if data is not None:
        os.environ["ALLIANCEGRAPH_DATA"] = str(data)


@app.group("import", cls=Group, invoke_without_command=True)
@click.option("--undo", "undo_id", metavar="ID", default=None, help="Remove the import ID.")
@root_option
@data_option
@click.pass_context
def import_(ctx, undo_id: str | None, root: Path | None, cache: Path | None, data: Path | None):
    """Import member lists (all or nothing), or undo one import.

    \b
    Examples:
      alliancegraph import members members.csv --alliance 功能材料联盟 --source "联盟秘书处 2021"
      alliancegraph imports
      alliancegraph import --undo m-3fa9c2d1e0b4
    """
    ctx.ensure_object(dict)
    ctx.obj.update(root=root, cache=cache, data=data)
    if undo_id is not None:
        from .imports import undo

        try:
            _with_data_home(data)
            record = undo(undo_id, root, cache, data)
        except AllianceGraphError as e:
            raise fail(e) from None
        click.echo(f"removed import {record['id']} ({record['kind']}, {record['rows']} rows)")
    elif ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


def _report(report) -> None:
    for line in report.lines():
        click.echo(line, err=line.startswith("warning:"))


@import_.command("members")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--alliance", "-a", required=True, help="The alliance: name, alias, slug or IRI.")
@click.option("--source", "-s", required=True, help="Where the list comes from (a title).")
@click.option("--sheet", default=None, help="XLSX sheet (default: the first).")
@click.pass_context
def import_members_command(ctx, file: Path, alliance: str, source: str, sheet: str | None):
    """Import a member list FILE (CSV in UTF-8/BOM/GB18030, or XLSX; zh or en headers).

    Every row is checked first; any bad row (file:row, column, value, what was expected)
    rejects the whole file and nothing changes. Names resolve to known organisations
    (credit code decisive); conflicts are listed, never merged silently.
    """
    from .imports import import_members

    o = ctx.obj
    try:
        _with_data_home(o["data"])
        with _ProgressBar() as progress:
            report = import_members(
                file, alliance, source, o["root"], o["cache"], o["data"], sheet, progress
            )
    except AllianceGraphError as e:
        raise fail(e) from None
    _report(report)


@import_.command("synthetic")
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.pass_context
def import_synthetic_command(ctx, folder: Path):
    """Import a folder written by `alliancegraph synth` as flagged synthetic data."""
    from .synthetic import import_synthetic

    o = ctx.obj
    try:
        _with_data_home(o["data"])
        with _ProgressBar() as progress:
            report = import_synthetic(folder, o["root"], o["cache"], o["data"], progress)
    except AllianceGraphError as e:
        raise fail(e) from None
    _report(report)


@app.command("imports")
@click.option(
    "--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table",
    show_default=True,
)  # fmt: skip
@data_option
def imports_command(fmt: str, data: Path | None) -> None:
    """List the imports the graph is built with (newest last)."""
    import json

    from .imports import ImportStore

    records = ImportStore(data).records()
    if fmt == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    from .namespaces import shorten

    table = Table(header_style="bold")
    table.add_column("id", no_wrap=True)
    for column in ("kind", "file", "alliance", "rows", "new", "created"):
        table.add_column(column)
    for r in records:
        new = ", ".join(f"{n} {k}" for k, n in sorted(r.get("new", {}).items()))
        table.add_row(
            r["id"], r["kind"], Path(r["file"]).name, shorten(r["alliance"] or "") or "-",
            str(r["rows"]), new, r["created"],
        )  # fmt: skip
    console = Console(highlight=False, markup=False, emoji=False)
    console.print(table)
    console.print(f"{len(records)} import{'s' if len(records) != 1 else ''}", style="dim")


@app.command()
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
    from .synthetic import generate, write

    if scale <= 0:
        from .errors import UsageError

        raise fail(UsageError("--scale must be positive")) from None
    lists = generate(scale, seed)
    write(lists, out)
    counts = ", ".join(f"{n} {k}" for k, n in lists.counts().items())
    click.echo(f"wrote {out}: {counts}")


@app.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args: tuple[str, ...]) -> None:
    """Run the benchmarks (`python -m benchmarks` in a source checkout) with ARGS, its
    options (`python -m benchmarks --help` lists them).

    \b
    Examples:
      alliancegraph bench --quick              # smoke run, results in a tmp dir
      alliancegraph bench --scales 1,10,100    # writes benchmarks/RESULTS.md, scaling.png
    """
    import subprocess

    from .build import PACKAGE_DIR
    from .errors import UsageError

    checkout = PACKAGE_DIR.parent.parent
    if not (checkout / "benchmarks" / "__main__.py").exists():
        raise fail(UsageError("the benchmarks ship with the source checkout, not the wheel"))
    code = subprocess.call([sys.executable, "-m", "benchmarks", *args], cwd=checkout)
    raise SystemExit(code)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="alliancegraph")


if __name__ == "__main__":
    main()
