"""The dataset itself: ``build``, ``export`` and ``publish``.

These work on the embedded build whatever endpoint is configured: the graph is opened
with :meth:`AllianceGraph.embedded`, and the API builds, serialises and publishes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from alliancegraph import formats

from .common import format_option, open_embedded, reported, root_option


@click.command()
@root_option
@click.option("--force", is_flag=True, help="Rebuild even if cached.")
def build(root: Path | None, cache: Path | None, force: bool) -> None:
    """Compile data/ and ontology/, infer, validate with SHACL, and cache the dataset.

    A failed validation lists every violation (file:line, entity, what is wrong), exits 1,
    and leaves the previous good build in place.
    """
    with reported():
        g = open_embedded(root, cache, strict=True, force=force)
    b = g.build
    assert b is not None
    click.echo(f"built {b.info['quads']} quads ({b.info['inferred']} inferred) into {b.path}")


@click.command()
@format_option(formats.names("rdf"), default="ttl", help="RDF format.")
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

    Same input, same bytes. Triple formats (ttl, nt, rdfxml) merge the named graphs; quad
    formats (nq, trig, jsonld) keep them.
    """
    with reported():
        data = open_embedded(root, cache).export(out, fmt)
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        click.echo(f"wrote {out}", err=True)


@click.command()
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
    deleted. The server needs no setting of its own: queries name the build's graphs.

    \b
    Example:
      oxigraph serve --location /tmp/ag-store &
      alliancegraph publish --endpoint http://localhost:7878/query
      alliancegraph query --name alliances --endpoint http://localhost:7878/query
    """
    with reported():
        report = open_embedded(root, cache).publish(endpoint, store_url=store_url, timeout=timeout)
    for graph, count in report.graphs.items():
        click.echo(f"PUT {graph}: {count} triples")
    for graph in report.deleted:
        click.echo(f"DELETE {graph} (no longer in the build)")
    click.echo(f"published {sum(report.graphs.values())} triples to {report.store_url}")
