"""The package's own SPARQL questions, one ``.rq`` file each in ``queries/internal/``.

Surfaces and analysis ask these by name instead of holding SPARQL text in code, so every
query the package runs is a file that the tests execute (``tests/test_internal_queries.py``).
They are not part of the public named-query library (no parameters header, no examples):
the caller binds values with ``bindings=`` or substitutes the ``{placeholders}`` a file
documents in its header comment.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .errors import UsageError

INTERNAL_DIR = Path(__file__).resolve().parent / "queries" / "internal"


def names() -> list[str]:
    """Every internal query's name (its file name without ``.rq``), sorted."""
    return sorted(p.stem for p in INTERNAL_DIR.glob("*.rq"))


@cache
def text(name: str) -> str:
    """The SPARQL text of the internal query ``name`` (the predeclared prefixes apply)."""
    path = INTERNAL_DIR / f"{name}.rq"
    if not path.is_file():
        raise UsageError(f"no internal query {name!r}; expected one of {', '.join(names())}")
    return path.read_text(encoding="utf-8")
