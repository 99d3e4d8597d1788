"""``alliancegraph serve``: a SPARQL 1.1 Protocol endpoint and an explorer in the browser.

One ASGI app (Starlette under uvicorn) on the embedded store or in front of a remote
engine: ``/sparql`` (read-only, content negotiation, a deadline per query, caps on rows and
request size) and server-rendered pages whose every asset is served locally.

Layout: :mod:`.protocol` (the SPARQL protocol, no framework), :mod:`.pool` (worker
processes killed at the deadline, each opening the graph through the API),
:mod:`.engine` (the server's limits and hold on the graph), :mod:`.guard` (Host and
Origin checks, security headers), :mod:`.app` (routes, ``serve``), :mod:`.pages` and
:mod:`.data` (the explorer), ``templates/`` and ``static/``. Every answer comes from
:class:`~alliancegraph.graph.AllianceGraph`; the service description's triples from
:mod:`alliancegraph.service`. No module here holds SPARQL, builds a network or computes a
metric (``tests/test_surfaces.py``).

This package is imported only by ``alliancegraph serve`` and by code that asks for it:
the worker processes load :mod:`.pool` alone, so nothing heavy is imported here.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Settings", "create_app", "serve"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(name)
