"""alliancegraph: a knowledge graph of Chongqing's industrial technology innovation
strategic alliances (产业技术创新战略联盟), with provenance, SPARQL and network views.

The public API is small: :func:`open` returns an :class:`AllianceGraph`; its ``query``
returns a :class:`QueryResult` that serialises to the W3C formats or becomes a DataFrame.
"""

from __future__ import annotations

from .build import project_root
from .errors import (
    AllianceGraphError,
    DataError,
    EndpointError,
    QuerySyntaxError,
    QueryTimeout,
    UsageError,
)
from .graph import AllianceGraph, check_quotes, cjk_fonts, init, open, synthesize
from .results import QueryResult

__version__ = "0.1.0"

__all__ = [
    "AllianceGraph",
    "AllianceGraphError",
    "DataError",
    "EndpointError",
    "QueryResult",
    "QuerySyntaxError",
    "QueryTimeout",
    "UsageError",
    "__version__",
    "check_quotes",
    "cjk_fonts",
    "init",
    "open",
    "project_root",
    "synthesize",
]
