"""Publishing a build to a remote store over the SPARQL 1.1 Graph Store Protocol, through
the same :class:`~.transport.Transport` (and retry policy) as remote queries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from .. import formats, internal
from ..errors import EndpointError, UsageError
from ..namespaces import AGR
from .remote import RemoteStore
from .transport import RetryPolicy, Transport


@dataclass
class PublishReport:
    """What :func:`publish_dataset` did: triples PUT per graph, stale graphs deleted."""

    store_url: str
    graphs: dict[str, int] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)


def gsp_urls(endpoint: str, store_url: str | None = None) -> tuple[str | None, str]:
    """(query URL, Graph Store URL) from what the user gave: Oxigraph serves SPARQL at
    ``/query`` and the Graph Store Protocol at ``/store``."""
    if not re.match(r"^https?://", endpoint):
        raise UsageError(f"endpoint {endpoint!r} is not an http(s) URL")
    base = endpoint.rstrip("/")
    query_url: str | None = None
    if base.endswith(("/query", "/sparql")):
        query_url = base
        derived = base.rsplit("/", 1)[0] + "/store"
    elif base.endswith(("/store", "/data")):
        derived = base
        query_url = base.rsplit("/", 1)[0] + "/query"
    else:
        derived = base + "/store"
        query_url = base + "/query"
    return query_url, store_url or derived


def _graph_request(
    transport: Transport,
    method: str,
    url: str,
    timeout: float,
    body: bytes | None = None,
    content_type: str | None = None,
) -> None:
    """One Graph Store Protocol request; EndpointError unless the store accepts it."""
    headers = {"Content-Type": content_type} if content_type else {}
    try:
        response = transport.request(method, url, body=body, headers=headers, timeout=timeout)
    except TimeoutError:
        raise EndpointError(f"{method} {url} timed out after {timeout:g} s") from None
    if not response.ok:
        raise response.error(f"{method} {url}")


def publish_dataset(
    nquads_path: Path,
    endpoint: str,
    store_url: str | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    transport: Transport | None = None,
) -> PublishReport:
    """PUT each named graph of a build's N-Quads to a Graph Store Protocol endpoint
    (replacing what was there), then DELETE graphs in our ``agr:graph-`` namespace that an
    earlier publication left and this build no longer has."""
    transport = transport or Transport(RetryPolicy(retries=retries))
    query_url, gsp = gsp_urls(endpoint, store_url)
    graphs: dict[str, list[ox.Triple]] = {}
    for q in ox.parse(path=str(nquads_path), format=ox.RdfFormat.N_QUADS):
        name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        graphs.setdefault(name, []).append(q.triple)
    nt = formats.get("nt", "rdf")
    report = PublishReport(gsp)
    for name, triples in graphs.items():
        body = ox.serialize(triples, format=nt.rdf_format())
        target = f"{gsp}?graph={quote(name, safe='')}" if name else f"{gsp}?default"
        _graph_request(transport, "PUT", target, timeout, body, nt.media_type)
        report.graphs[name or "(default graph)"] = len(triples)
    if query_url:
        remote = RemoteStore(query_url, timeout=timeout, transport=transport)
        present = remote.query(internal.text("store-named-graphs"))
        for g in present.values("g"):
            if g and g.startswith(AGR + "graph-") and g not in graphs:
                _graph_request(transport, "DELETE", f"{gsp}?graph={quote(g, safe='')}", timeout)
                report.deleted.append(g)
    return report
