"""``alliancegraph serve``: the SPARQL endpoint and the explorer (:mod:`alliancegraph.web`)
in front of the graph this command opens."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

import click

from alliancegraph import config

from .common import open_graph, reported, root_option


@click.command()
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
    metavar="URL",
    help="Serve in front of this SPARQL 1.1 endpoint instead of the embedded store "
    "(default $ALLIANCEGRAPH_ENDPOINT).",
)
@click.option(
    "--timeout",
    "-t",
    type=click.FloatRange(min=0.1),
    default=None,
    metavar="SECONDS",
    help="Deadline per query; past it the query is stopped and answered with an error "
    f"(default $ALLIANCEGRAPH_TIMEOUT, else {config.DEFAULT_TIMEOUT:g} s).",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Cut answers with more rows (triples) than this; a cut answer says so "
    "(X-Result-Truncated), and the API reading it raises AnswerCut.",
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
@click.option(
    "--worker-memory",
    type=click.IntRange(min=64),
    default=None,
    metavar="MB",
    help="Memory each query worker may allocate; a query needing more is stopped "
    f"(default $ALLIANCEGRAPH_QUERY_MEMORY, else {config.DEFAULT_QUERY_MEMORY} MB).",
)
@click.option(
    "--max-response-bytes",
    type=click.IntRange(min=4096),
    default=50 << 20,
    show_default=True,
    help="Cut answers longer than this; a cut answer says so (X-Result-Truncated).",
)
@click.option(
    "--per-client",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Queries one client (IP address) may have running or waiting (429 past it).",
)
@click.option(
    "--queue",
    type=click.IntRange(min=0),
    default=16,
    show_default=True,
    help="Queries that may wait for a worker, in all (503 with Retry-After past it).",
)
@click.option(
    "--store",
    type=click.Choice(config.STORE_CHOICES),
    default=None,
    help="Where the query workers answer from: memory (a copy each, several times faster), "
    "disk (the read-only store), auto: memory when the copies fit --memory-budget "
    "(default $ALLIANCEGRAPH_STORE, else auto).",
)
@click.option(
    "--memory-budget",
    type=click.IntRange(min=0),
    default=None,
    metavar="MB",
    help="Memory the workers' in-memory copies may take in all (default "
    "$ALLIANCEGRAPH_MEMORY_BUDGET, else a quarter of RAM).",
)
@click.option("--cors", is_flag=True, help="Let web pages on other origins call /sparql.")
@click.option(
    "--allow-service",
    is_flag=True,
    help="Allow federated queries (SERVICE), which make the server call other hosts "
    "(the query workers are then not cut off the network).",
)
@click.option(
    "--expose",
    is_flag=True,
    help="Listen on an address other than loopback (--host), making the graph visible "
    "to other machines; prints what is exposed.",
)
@click.option(
    "--allowed-host",
    "allowed_host",
    multiple=True,
    metavar="NAME[:PORT]",
    help="A host name to answer to besides loopback (repeatable; default "
    "$ALLIANCEGRAPH_ALLOWED_HOSTS); requests naming any other Host get 400.",
)
@root_option
def serve(
    host: str,
    port: int,
    endpoint: str | None,
    timeout: float | None,
    max_rows: int,
    max_request_bytes: int,
    workers: int,
    worker_memory: int | None,
    max_response_bytes: int,
    per_client: int,
    queue: int,
    store: str | None,
    memory_budget: int | None,
    cors: bool,
    allow_service: bool,
    expose: bool,
    allowed_host: tuple[str, ...],
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
    from alliancegraph.web.app import Settings
    from alliancegraph.web.app import serve as run_server
    from alliancegraph.web.guard import is_loopback

    if not expose and not is_loopback(host):
        raise click.UsageError(
            f"--host {host} would make the graph and the SPARQL endpoint visible to other "
            "machines on the network; add --expose to mean it (serve then prints what is "
            "exposed), or keep the default 127.0.0.1"
        )
    with reported():
        seconds = config.timeout(timeout) or config.DEFAULT_TIMEOUT
        settings = Settings(
            timeout=seconds,
            max_rows=max_rows,
            max_request_bytes=max_request_bytes,
            workers=workers,
            worker_memory=config.query_memory(worker_memory),
            max_response_bytes=max_response_bytes,
            per_client=per_client,
            queue=queue,
            cors=cors,
            allow_service=allow_service,
            allowed_hosts=config.allowed_hosts(allowed_host),
            store=config.store_choice(store),
            memory_budget=config.memory_budget(memory_budget),
        )
        g = open_graph(root, cache, endpoint=endpoint, timeout=seconds)
        with suppress(KeyboardInterrupt):
            run_server(
                g, host, port, settings,
                announce=lambda s: click.echo(s, err=s.startswith("warning")), expose=expose,
            )  # fmt: skip
