"""Asking the graph: ``query``, ``summary``, ``queries``, ``find`` and ``describe``.

Each parses its options, opens the graph once and prints what the API returns: a
QueryResult in a W3C format or as a table, or the ``to_dict()`` of the result objects
(Summary, NamedQuery, Match, Description) as JSON.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import click

from alliancegraph import formats
from alliancegraph.errors import UsageError

from .common import (
    deadline,
    format_option,
    open_graph,
    plural,
    print_json,
    print_result,
    print_table,
    query_options,
    reported,
    root_option,
    table,
    term_text,
    usage,
)

#: csv is for spreadsheets (formula-like cells escaped); csv-exact is the W3C CSV as is
RESULT_FORMATS = ("table", *formats.names("results"), "csv-exact")


def parse_params(
    ctx: click.Context, param: click.Parameter, pairs: tuple[str, ...]
) -> dict[str, str]:
    """``--param key=value`` options as a dict (the value may hold ``=``)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise usage(f"--param expects key=value, got {pair!r}")
        out[key.strip()] = value
    return out


def read_query_text(query: str) -> str:
    """QUERY is SPARQL text or the path of a .rq file: a file only if it is short (a
    path the system can name), on one line, and names an existing file or ends in .rq or
    .sparql; anything else is query text (never probed as a path)."""
    short = "\n" not in query and len(query.encode("utf-8")) < 4096
    if not short or not all(len(part.encode("utf-8")) <= 255 for part in query.split("/")):
        return query
    try:
        is_file = Path(query).is_file()
    except (OSError, ValueError):  # not a name the system accepts: query text
        return query
    if is_file:
        return Path(query).read_text(encoding="utf-8")
    if query.endswith((".rq", ".sparql")):
        raise UsageError(f"no query file {query}")
    return query


@click.command()
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
    callback=parse_params,
    help="A parameter value, typed as the named query declares; repeatable.",
)
@format_option(
    RESULT_FORMATS,
    help="Output format; json is SPARQL 1.1 Query Results JSON; csv escapes cells a "
    "spreadsheet would run as formulas (a leading '), csv-exact is the W3C CSV as is.",
)
@query_options()
@root_option
def query(
    text: str | None,
    name: str | None,
    params: dict[str, str],
    fmt: str,
    timeout: float | None,
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
      alliancegraph query --name alliance-members --param alliance=功能材料联盟
      alliancegraph query --name entity-facts -p entity=cqupt --endpoint http://localhost:7878/query
    """
    with reported():
        if name and text:
            raise UsageError("give either QUERY text or --name, not both")
        if not name and not text:
            raise UsageError("give QUERY text (or a .rq file) or --name NAME; see --help")
        g = open_graph(root, cache, endpoint=endpoint, timeout=deadline(timeout))
        if name:
            values: dict[str, Any] = dict(params)
            result = g.named(name, **values)
        else:
            assert text is not None
            sparql = read_query_text(text)
            result = g.query(sparql, bindings=g.terms(params) or None)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    print_result(result, fmt)


@click.command()
@format_option(("table", "json"), help="table for people, json for scripts.")
@query_options(default_timeout=None)
@root_option
def summary(
    fmt: str, timeout: float | None, endpoint: str | None, root: Path | None, cache: Path | None
) -> None:
    """Build the graph if needed and print what it holds (the quick start's main job)."""
    with reported():
        g = open_graph(root, cache, endpoint=endpoint, timeout=deadline(timeout, None))
        s = g.summary()
    if fmt == "json":
        print_json(s.to_dict())
        return
    click.echo(f"alliancegraph: {s.location}")
    print_table(s.counts)
    print_table(s.alliances)
    print_table(s.figures)


@click.command()
@click.option("--tag", default=None, help="Only queries with this tag.")
@format_option(("table", "json"), help="table for people, json for scripts.")
@root_option
def queries(tag: str | None, fmt: str, root: Path | None, cache: Path | None) -> None:
    """List the named query library: name, summary (zh and en), parameters, view.

    \b
    Run one with:
      alliancegraph query --name NAME --param key=value
    """
    with reported():
        library = open_graph(root, cache).queries(tag)
    if fmt == "json":
        print_json([q.to_dict() for q in library])
        return
    rows = [
        [
            q.name,
            f"{q.summary_zh}\n{q.summary}",
            ", ".join(p.describe() for p in q.params) or "—",
            q.view,
        ]
        for q in library
    ]
    table(
        ("name", "summary", "parameters", "view"),
        rows,
        f"{len(library)} queries; parameters marked ? are optional",
    )


FIND_FIELDS = ("label", "label_en", "type", "kind", "matched", "iri")


@click.command()
@click.argument("text")
@click.option("--limit", "-l", type=click.IntRange(min=1), default=20, show_default=True)
@format_option(("table", "json", "csv"))
@query_options()
@root_option
def find(
    text: str,
    limit: int,
    fmt: str,
    timeout: float | None,
    endpoint: str | None,
    root: Path | None,
    cache: Path | None,
) -> None:
    """Find entities by zh/en label, alias or pinyin (重材院, chongcaiyuan, CQUPT).

    Ranked exact label > alias > prefix > substring, case-insensitive. Alliances are also
    found by their usual short forms, generated from their full names (功能材料联盟,
    机器人联盟). Exits 1 when nothing matches, naming the nearest names.

    \b
    Examples:
      alliancegraph find 重邮
      alliancegraph find 机器人联盟
      alliancegraph find "materials research"
    """
    with reported():
        g = open_graph(root, cache, endpoint=endpoint, timeout=deadline(timeout))
        matches = g.find(text, limit=limit)
        near = [] if matches else g.suggest(text)
    if fmt == "json":
        print_json([m.to_dict() for m in matches])
    elif fmt == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(FIND_FIELDS)
        for m in matches:
            d = m.to_dict()
            w.writerow([formats.spreadsheet_cell(d[f] or "") for f in FIND_FIELDS])
    else:
        from alliancegraph.namespaces import shorten

        rows = [
            [f"{m.label}\n{m.label_en}" if m.label_en else m.label, m.type or "", m.kind,
             shorten(m.iri)]
            for m in matches
        ]  # fmt: skip
        table(("label", "type", "kind", "IRI"), rows)
    if not matches:
        from alliancegraph.namespaces import shorten

        hint = "; ".join(f"{label} <{shorten(iri)}>" for iri, label in near)
        click.echo(f"nothing matches {text!r}" + (f". Nearest names: {hint}" if hint else ""),
                   err=True)  # fmt: skip
        raise click.exceptions.Exit(1)


@click.command()
@click.argument("entity")
@format_option(("table", "json"))
@query_options()
@root_option
def describe(
    entity: str,
    fmt: str,
    timeout: float | None,
    endpoint: str | None,
    root: Path | None,
    cache: Path | None,
) -> None:
    """Print every fact in and out of ENTITY, with labels, evidence quote and source.

    ENTITY is an IRI, a prefixed name (agr:cqupt), a slug (cqupt) or a name that matches one
    entity (重材院); when several match, they are listed and nothing is guessed.
    """
    with reported():
        g = open_graph(root, cache, endpoint=endpoint, timeout=deadline(timeout))
        d = g.describe(entity)
    if fmt == "json":
        print_json(d.to_dict())
        return
    from alliancegraph.namespaces import shorten

    from .common import console, rich_table

    out = console()
    out.print(f"{d.label}" + (f" / {d.label_en}" if d.label_en else ""), style="bold")
    out.print(f"{d.iri}")
    out.print(f"types: {', '.join(d.types) or '—'}")
    if d.aliases:
        out.print(f"aliases: {'、'.join(d.aliases)}")
    if d.generated_aliases:
        out.print(f"generated short forms (by rule, not curated): {'、'.join(d.generated_aliases)}")
    t = rich_table("", "property", "other end", "evidence", "source")
    for f in d.facts:
        arrow = "→" if f.direction == "out" else "←"
        prop = f"{f.predicate_label} ({f.predicate})" if f.predicate_label else f.predicate
        source = f.source_label or (shorten(f.source) if f.source else "")
        if not source:
            source = "(inferred from the ontology)" if f.inferred else "(no source)"
        other = term_text(f.other)
        t.add_row(arrow, prop, f"{f.other_label} ({other})" if f.other_label else other,
                  f.evidence or "", source)  # fmt: skip
    out.print(t)
    out.print(f"{plural(len(d.facts), 'fact')}; → from this entity, ← to it", style="dim")
