"""Where queries are answered: the embedded Oxigraph store (default) or a remote SPARQL 1.1
endpoint, behind one :class:`Store` protocol.

Everything above the store reads through :meth:`Store.query`, so analysis, views, the
endpoint and notebooks run unchanged on another engine. Every store treats the union of
the named graphs (ontology, curated, inferred, imports) as the default graph (a remote
store names them in the protocol, so no server setting is needed), takes the
contract's prefixes as predeclared, binds parameters as RDF terms (never by pasting text)
and stops a query at its deadline.

=============== ==========================================================================
``base``        the :class:`Store` protocol, :class:`DeadlineStore`, bindings, syntax errors
``binding``     ``VALUES`` binding for engines without a bindings API; the query form
``embedded``    :class:`EmbeddedStore`: Oxigraph in-process, a forked child per deadline
``transport``   the one HTTP client and retry policy (urllib, loaded on first request)
``remote``      :class:`RemoteStore`: the SPARQL 1.1 Protocol over the transport
``publish``     :func:`publish_dataset`: the Graph Store Protocol over the transport
=============== ==========================================================================

This package stays light to import: urllib.request loads only when a request is sent.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from .base import Bindings, DeadlineStore, Store, check_bindings, syntax_error
from .binding import query_form, with_values
from .embedded import BYTES_PER_QUAD, EmbeddedStore, choose_kind, memory_needed

if TYPE_CHECKING:
    from .publish import PublishReport, gsp_urls, publish_dataset
    from .remote import RemoteStore, parse_response
    from .transport import RETRY_STATUS, Response, RetryPolicy, Transport, Unreachable

#: Names of the HTTP side, loaded on first use so that an embedded query never pays for it.
_LAZY = {
    "PublishReport": "publish",
    "gsp_urls": "publish",
    "publish_dataset": "publish",
    "RemoteStore": "remote",
    "parse_response": "remote",
    "RETRY_STATUS": "transport",
    "Response": "transport",
    "RetryPolicy": "transport",
    "Transport": "transport",
    "Unreachable": "transport",
}

__all__ = [
    "BYTES_PER_QUAD",
    "RETRY_STATUS",
    "Bindings",
    "DeadlineStore",
    "EmbeddedStore",
    "PublishReport",
    "RemoteStore",
    "Response",
    "RetryPolicy",
    "Store",
    "Transport",
    "Unreachable",
    "check_bindings",
    "choose_kind",
    "gsp_urls",
    "memory_needed",
    "open_store",
    "parse_response",
    "publish_dataset",
    "query_form",
    "syntax_error",
    "with_values",
]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_store(
    endpoint: str | None = None,
    path: Path | None = None,
    *,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 0.5,
) -> Store:
    """A remote store for ``endpoint`` (with its timeout and retry policy), else the
    embedded store at ``path``."""
    if endpoint:
        from .remote import RemoteStore

        return RemoteStore(
            endpoint, timeout=timeout, retries=retries, backoff=backoff, graphs="discover"
        )
    if path is None:
        raise UsageError("no store: give an endpoint URL or a store path")
    return EmbeddedStore.open(path)
