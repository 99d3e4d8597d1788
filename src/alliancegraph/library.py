"""The named query library: one question per ``queries/*.rq`` file, with typed parameters.

Each file starts with grlc-style ``#+`` header lines (a small YAML subset)::

    #+ summary: Leads and members of each alliance
    #+ summary_zh: 各联盟的牵头单位与成员单位
    #+ description: One row per alliance and member; role says lead or member.
    #+ tags:
    #+   - alliances
    #+ params:
    #+   - name: alliance
    #+     type: entity
    #+     required: false
    #+     description: the alliance (IRI, slug or name)
    #+ view: graph

A parameter ``alliance`` binds the query variable ``?alliance``. Values are parsed by type
into RDF terms and bound by the store (a VALUES block written by Oxigraph's serialiser), so
a value holding quotes, braces or ``} ; DROP ALL`` is only ever a value. This module never
pastes user text into a query.

Reading the files (headers, the examples graph) lives in :mod:`alliancegraph.queryfiles`;
this module binds and runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

from .catalogue import ontology_terms
from .errors import UsageError
from .namespaces import AGR, PREFIXES, XSD, expand
from .queryfiles import (
    LIBRARY_DIR,
    PARAM_TYPES,
    NamedQuery,
    Param,
    example_quads,
    get,
    load_library,
    query_files,
    standalone_text,
)
from .results import QueryResult
from .search import class_iri, resolve
from .sparqlcheck import lint, mentions
from .store import with_values

__all__ = [
    "LIBRARY_DIR",
    "PARAM_TYPES",
    "NamedQuery",
    "Param",
    "bind",
    "client_text",
    "example_quads",
    "get",
    "lint_query",
    "load_library",
    "query_files",
    "raw_bindings",
    "run_named",
    "standalone_text",
]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


# -- parameters ------------------------------------------------------------------------------


def _iri(value: str, param: Param) -> ox.NamedNode:
    text = value.strip()
    iri = None
    if text.startswith("<") and text.endswith(">"):
        iri = text[1:-1]
    elif re.match(r"^(https?|urn|file):", text):
        iri = text
    elif ":" in text:
        iri = expand(text)
        if iri is None:
            raise UsageError(
                f"parameter {param.name!r}: unknown prefix in {value!r}; "
                f"expected one of {', '.join(p + ':' for p in PREFIXES)}"
            )
    elif _SLUG.match(text):
        iri = AGR + text
    if iri is None:
        raise UsageError(f"parameter {param.name!r} expects {PARAM_TYPES['iri']}, got {value!r}")
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise UsageError(f"parameter {param.name!r}: {value!r} is not a valid IRI") from None


def _typed(value: str, datatype: str, param: Param, check) -> ox.Literal:
    text = value.strip()
    if not check(text):
        raise UsageError(
            f"parameter {param.name!r} expects {PARAM_TYPES[param.type]}, got {value!r}"
        )
    return ox.Literal(text, datatype=ox.NamedNode(XSD + datatype))


def _is_decimal(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return re.match(r"^[+-]?(\d+(\.\d*)?|\.\d+)$", text) is not None


def to_term(param: Param, value: Any, source: Any = None) -> ox.NamedNode | ox.Literal:
    """Parse one value by the parameter's type into an RDF term (RDF terms pass through)."""
    if isinstance(value, ox.NamedNode | ox.Literal):
        return value
    if isinstance(value, bool) and param.type == "boolean":
        value = "true" if value else "false"
    text = str(value)
    t = param.type
    if t == "entity":
        if source is not None and _needs_resolving(text):
            return ox.NamedNode(resolve(source, text, type=param.cls))
        return _iri(text, param)
    if t == "iri":
        return _iri(text, param)
    if t == "class":
        try:
            return ox.NamedNode(class_iri(text, source))
        except UsageError as e:
            raise UsageError(f"parameter {param.name!r} expects {PARAM_TYPES[t]}: {e}") from None
    if t == "string":
        return ox.Literal(text)
    if t == "integer":
        return _typed(text, "integer", param, lambda s: re.match(r"^[+-]?\d+$", s) is not None)
    if t == "decimal":
        return _typed(text, "decimal", param, _is_decimal)
    if t == "boolean":
        return _typed(text.lower(), "boolean", param, lambda s: s in ("true", "false"))
    if t == "date":
        return _typed(text, "date", param, lambda s: _valid_date(s))
    if t == "gYear":
        return _typed(text, "gYear", param, lambda s: re.match(r"^-?\d{4}$", s) is not None)
    raise UsageError(f"parameter {param.name!r} has unknown type {t!r}")


def raw_bindings(values: Mapping[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
    """Values for a query's own text (``alliancegraph query TEXT -p key=value``), which
    declares no parameter types: ``<IRI>`` and prefixed names (``agr:cqupt``) become IRIs,
    anything else a plain string."""
    out: dict[str, ox.NamedNode | ox.Literal] = {}
    for key, value in values.items():
        v = value.strip()
        is_iri = (v.startswith("<") and v.endswith(">")) or (
            ":" in v and v.split(":", 1)[0] in PREFIXES
        )
        out[key] = to_term(Param(key, "iri"), v) if is_iri else ox.Literal(value)
    return out


def _valid_date(text: str) -> bool:
    import datetime

    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return re.match(r"^\d{4}-\d{2}-\d{2}$", text) is not None


def _needs_resolving(text: str) -> bool:
    """A name rather than an IRI, prefixed name or slug."""
    t = text.strip()
    if t.startswith("<") or re.match(r"^(https?|urn|file):", t):
        return False
    return not (":" in t and t.split(":", 1)[0] in PREFIXES)


def bind(
    nq: NamedQuery, params: Mapping[str, Any], source: Any = None
) -> dict[str, ox.NamedNode | ox.Literal]:
    """Check ``params`` against the query's declared parameters and type each value.

    Unknown names, missing required values and ill-typed values raise UsageError.
    ``source`` (a graph or store) lets ``entity`` values be names resolved by search.
    """
    known = {p.name: p for p in nq.params}
    unknown = [k for k in params if k not in known]
    if unknown:
        accepted = ", ".join(p.describe() for p in nq.params) or "none"
        raise UsageError(f"query {nq.name!r} has no parameter {unknown[0]!r}; it takes: {accepted}")
    out: dict[str, ox.NamedNode | ox.Literal] = {}
    for p in nq.params:
        value = params.get(p.name)
        if value is None or (isinstance(value, str) and value == "" and p.type != "string"):
            if p.required:
                raise UsageError(
                    f"query {nq.name!r} needs parameter {p.name!r} ({PARAM_TYPES[p.type]})"
                )
            continue
        out[p.name] = to_term(p, value, source)
    return out


def run_named(
    source: Any, name: str, params: Mapping[str, Any], timeout: float | None = None
) -> QueryResult:
    """Run the named query ``name`` on ``source`` (a graph or a store) with ``params``."""
    nq = get(name)
    store = source
    bindings = bind(nq, params, store)
    if bindings:
        return store.query(nq.text, timeout=timeout, bindings=bindings)
    return store.query(nq.text, timeout=timeout)


def client_text(
    name: str,
    values: Mapping[str, Any] | None = None,
    source: Any = None,
    bound: bool = True,
) -> str:
    """The named query ``name`` as a SPARQL client sends it: its PREFIX lines (not its
    ``#+`` header), and ``values`` bound in a VALUES block written by Oxigraph's serialiser
    (so a value is only ever a term). Empty values are left unbound; ``source`` (a graph or
    store) resolves entity names; ``bound=False`` skips binding (and the check for
    required parameters), to show the text in an editor."""
    nq = get(name)
    text = "".join(
        line for line in standalone_text(nq).splitlines(keepends=True) if not line.startswith("#+")
    )
    if not bound:
        return text
    given = {k: v for k, v in (values or {}).items() if v not in (None, "")}
    bindings = bind(nq, given, source)
    return with_values(text, bindings) if bindings else text


# -- lint ---------------------------------------------------------------------------------------


def lint_query(source: Any, sparql: str, bindings: Mapping[str, Any] | None = None) -> list[str]:
    """Warnings about ``sparql`` on ``source``'s graph: each ``ag:`` term it uses (or an
    IRI bound to it) that the ontology does not define, with the nearest term that it does
    (:func:`alliancegraph.sparqlcheck.lint`). The ontology is read only for a query that
    names an ``ag:`` term, once per graph."""
    bound = [t.value for t in (bindings or {}).values() if isinstance(t, ox.NamedNode)]
    if not mentions(sparql) and not any(mentions(f"<{iri}>") for iri in bound):
        return []
    return lint(sparql, ontology_terms(source).shown(), bound)
