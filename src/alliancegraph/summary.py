"""What the graph holds, at a glance: counts, alliances with their leads, reported figures,
and the reported figures beside what the graph itself counts.

One object (:class:`Summary`) that ``alliancegraph summary``, the explorer's home page and
notebooks all show, so they can never disagree. Every query it runs is a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import internal
from .library import run_named
from .results import QueryResult, python_value

if TYPE_CHECKING:
    import pandas as pd


def _records(result: QueryResult) -> list[dict[str, Any]]:
    return [{k: python_value(v) for k, v in row.items()} for row in result]


@dataclass(frozen=True)
class Summary:
    """The graph's summary; ``results`` keeps the raw query results for table printing."""

    location: str
    counts: QueryResult
    alliances: QueryResult
    figures: QueryResult
    reported_vs_counted: QueryResult

    @property
    def holds(self) -> dict[str, int]:
        """What the graph holds: ``{"alliances named": 6, "organisations": …}``."""
        return {str(r["what"]): int(r["n"]) for r in _records(self.counts)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: location, holds, alliances, figures, reported_vs_counted (rows of plain
        values)."""
        return {
            "location": self.location,
            "holds": self.holds,
            "alliances": _records(self.alliances),
            "figures": _records(self.figures),
            "reported_vs_counted": _records(self.reported_vs_counted),
        }

    def to_dataframe(self) -> pd.DataFrame:
        """The reported figures beside the graph's own counts (one row per figure)."""
        return self.reported_vs_counted.to_dataframe()


def summarize(source: Any, location: str) -> Summary:
    """The :class:`Summary` of ``source`` (a store or graph that answers SPARQL)."""
    return Summary(
        location=location,
        counts=source.query(internal.text("summary-counts")),
        alliances=source.query(internal.text("summary-alliances")),
        figures=source.query(internal.text("summary-figures")),
        reported_vs_counted=run_named(source, "reported-vs-counted", {}),
    )
