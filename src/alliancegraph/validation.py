"""Validate a compiled graph against ``ontology/shapes.ttl`` with pySHACL.

pySHACL works on rdflib graphs and runs faster on rdflib's own Memory store than on
oxrdflib, so the quads are handed over as N-Triples text. Each violation is mapped back to
the ``file:line`` its focus node or fact came from, so the analyst knows which row to mend.
rdflib and pySHACL are imported here only: the query path never loads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from .errors import DataError, Problem
from .namespaces import SH, shorten


def _to_rdflib(triples: Iterable[ox.Triple]):
    import rdflib

    g = rdflib.Graph()
    data = "".join(f"{t} .\n" for t in triples)
    g.parse(data=data, format="nt")
    return g


def validate(
    triples: Iterable[ox.Triple],
    shapes_path: Path,
    origins: dict[str, str] | None = None,
    fact_origins: dict[tuple[str, str, str], str] | None = None,
    shapes_display: str | None = None,
) -> list[Problem]:
    """Return every SHACL violation as a located :class:`Problem` (empty when it conforms)."""
    import pyshacl
    import rdflib
    from rdflib.namespace import RDF

    from .curation import parse_ontology

    shapes_triples = parse_ontology(shapes_path, shapes_display or str(shapes_path))
    shapes = _to_rdflib(shapes_triples)
    data = _to_rdflib(triples)
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    if conforms:
        return []
    origins, fact_origins = origins or {}, fact_origins or {}
    sh = rdflib.Namespace(SH)
    problems = []
    for result in report.subjects(RDF.type, sh.ValidationResult):
        if report.value(result, sh.resultSeverity) != sh.Violation:
            continue
        focus = report.value(result, sh.focusNode)
        path = report.value(result, sh.resultPath)
        value = report.value(result, sh.value)
        message = report.value(result, sh.resultMessage) or "violates a shape"
        where = ""
        if path is not None and value is not None:
            key = (f"<{focus}>", f"<{path}>", value.n3())
            where = fact_origins.get(key, "")
        where = where or origins.get(str(focus), "")
        detail = str(message)
        if value is not None:
            shown = shorten(str(value)) if isinstance(value, rdflib.URIRef) else value.n3()
            detail += f" (value {shown})"
        problems.append(Problem(where, detail, shorten(str(focus))))
    problems.sort(key=lambda p: (p.location, p.message))
    return problems


def check(triples: Iterable[ox.Triple], shapes_path: Path, **kwargs) -> None:
    """Raise :class:`DataError` with every violation, or return when the graph conforms."""
    problems = validate(triples, shapes_path, **kwargs)
    if problems:
        raise DataError(problems)
