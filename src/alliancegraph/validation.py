"""Validate a graph against ``ontology/shapes.ttl``: SHACL Core compiled to SPARQL on Oxigraph.

The shapes are parsed (never hard-coded) and compiled to SPARQL run on the Oxigraph store the
build or the import already holds: no copy into rdflib, no N-Triples round trip. Per shape:

- a counting proof (:func:`_proof_query`): the paths every focus node must have, joined to
  the focus nodes in one basic graph pattern, with counts that show no check can fail. It
  is the common case and cheap (index look-ups, nothing per node but the join);
- only if it does not prove the shape met, the exact query (:func:`_shape_query`): one row
  per violating focus node, one EXISTS per check (a counting query of its own,
  :func:`_count_query`, for a count above two), then the failing values.

pySHACL took 70 s on the 146k quads of a 1× synthetic import; these queries take well under
a second, and about 5 s at 10× (1.5M quads, where one GROUP BY over every value took 9 s).

Supported (the SHACL Core this project's shapes use, and a little more):

- targets: ``sh:targetClass`` (instances by ``rdf:type``; subclasses are seen through the
  materialised types of the inferred graph), ``sh:targetNode``, ``sh:targetSubjectsOf``,
  ``sh:targetObjectsOf``, ``sh:target`` with a ``sh:SPARQLTarget`` select (``sh:prefixes``);
- paths: an IRI or ``sh:inversePath`` of an IRI;
- ``sh:minCount``, ``sh:maxCount``, ``sh:hasValue``, ``sh:qualifiedValueShape`` with
  ``sh:qualifiedMinCount`` / ``sh:qualifiedMaxCount``, and per value ``sh:datatype`` (the
  lexical form is checked too: Oxigraph keeps ill-typed literals such as
  ``"2019-13"^^xsd:gYearMonth``), ``sh:class``, ``sh:nodeKind``, ``sh:minLength``,
  ``sh:maxLength``, ``sh:languageIn``, ``sh:in``, and ``sh:or`` / ``sh:and`` / ``sh:not`` /
  ``sh:xone`` of shapes built from those; ``sh:message``, ``sh:severity``, ``sh:deactivated``.
  A lexical form that is a short list of words (xsd:boolean) is checked in SPARQL; the
  others call :func:`well_formed` from the query (a Python function per value).

A shape using anything else is validated by pySHACL instead (:func:`pyshacl_results`, also
the reference the tests compare against), so nothing is ever skipped silently. Known,
deliberate difference: the lexical check here also rejects ill-formed ``xsd:gYearMonth`` and
``xsd:gYear`` values, which rdflib (and so pySHACL) cannot parse and lets through.

Each violation becomes a :class:`~.errors.Problem` located at the ``file:line`` its fact or
focus node came from. This module must never write to the store it validates; rdflib and
pySHACL are imported only on the fallback path.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .errors import DataError, Problem
from .namespaces import GRAPH_EXAMPLES, GRAPH_ONTOLOGY, RDF, RDFS, SH, XSD, shorten

__all__ = [
    "Result",
    "ShapesProgram",
    "check",
    "check_store",
    "compile_shapes",
    "locate",
    "pyshacl_results",
    "store_results",
    "validate",
    "validate_store",
]

# -- lexical forms ---------------------------------------------------------------------------

_DOUBLE = re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|NaN")


def _lexical() -> dict[str, re.Pattern]:
    from .curation import LEXICAL  # the same forms the curated tables are held to

    table = {dt_: re.compile(p.pattern.removeprefix("^").removesuffix("$"), p.flags)
             for dt_, p in LEXICAL.items()}  # fmt: skip
    table[XSD + "double"] = table[XSD + "float"] = _DOUBLE
    table[XSD + "dateTime"] = re.compile(
        r"-?\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?"
        r"(Z|[+-]\d{2}:\d{2})?"
    )
    return table


_LEXICAL = _lexical()
#: sh:datatype values whose literals need no lexical check
_ANY_FORM = {XSD + "string", RDF + "langString", RDFS + "Literal"}
_WELL_FORMED = ox.NamedNode("urn:x-alliancegraph:wellFormed")
_TRUE, _FALSE = ox.Literal(True), ox.Literal(False)


def well_formed(lexical: str, datatype: str) -> bool:
    """True if ``lexical`` is a valid form of ``datatype`` (unknown datatypes: True).

    >>> well_formed("2019-05", XSD + "gYearMonth"), well_formed("2019-13", XSD + "gYearMonth")
    (True, False)
    >>> well_formed("2019-02-30", XSD + "date")
    False
    """
    pattern = _LEXICAL.get(datatype)
    if pattern is None:
        return True
    if not pattern.fullmatch(lexical):
        return False
    if datatype in (XSD + "date", XSD + "dateTime") and not lexical.startswith("-"):
        try:
            dt.date(int(lexical[:4]), int(lexical[5:7]), int(lexical[8:10]))
        except ValueError:
            return False
    return True


def _lexical_test(datatype: str, v: str) -> str:
    """A SPARQL condition that ``v`` has a valid lexical form of ``datatype``: a list of
    strings where the form is one (xsd:boolean: a call into Python per value costs more than
    the rest of the check), else :func:`well_formed` as a custom function."""
    words = _LEXICAL[datatype].pattern.removeprefix("(").removesuffix(")").split("|")
    if datatype not in (XSD + "date", XSD + "dateTime") and all(
        re.fullmatch(r"\w+", w, re.ASCII) for w in words
    ):
        return f"STR({v}) IN ({', '.join(str(ox.Literal(w)) for w in words)})"
    return f"<{_WELL_FORMED.value}>({v})"


def _well_formed_fn(term):
    if isinstance(term, ox.Literal):
        return _TRUE if well_formed(term.value, term.datatype.value) else _FALSE
    return _FALSE


_FUNCTIONS = {_WELL_FORMED: _well_formed_fn}

# -- the shapes graph ------------------------------------------------------------------------


class Unsupported(Exception):
    """A shape uses a SHACL feature the SPARQL compiler does not handle (pySHACL will)."""


class _Shapes:
    """The shapes graph as ``node -> predicate IRI -> [objects]``."""

    def __init__(self, triples: Iterable[ox.Triple]):
        self.triples = list(triples)
        self.out: dict = {}
        for t in self.triples:
            self.out.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)

    def values(self, node, p: str) -> list:
        return self.out.get(node, {}).get(p, [])

    def one(self, node, p: str):
        vals = self.values(node, p)
        if len(vals) > 1:
            raise Unsupported(f"{p} given {len(vals)} times")
        return vals[0] if vals else None

    def items(self, head) -> list:
        out = []
        while head != ox.NamedNode(RDF + "nil"):
            first = self.one(head, RDF + "first")
            if first is None:
                raise Unsupported("malformed RDF list")
            out.append(first)
            head = self.one(head, RDF + "rest")
        return out

    def sh(self, node) -> set[str]:
        """The sh: predicates ``node`` uses."""
        return {p for p in self.out.get(node, {}) if p.startswith(SH)}


TARGETS = {
    SH + t for t in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target")
}
_ANNOTATIONS = {
    SH + t
    for t in ("message", "severity", "deactivated", "name", "description", "order", "group",
              "defaultValue", "prefixes", "declare")
}  # fmt: skip
_VALUE = {
    SH + t
    for t in ("datatype", "class", "nodeKind", "minLength", "maxLength", "languageIn", "in",
              "hasValue", "or", "and", "not", "xone")
}  # fmt: skip
_COUNTS = {
    SH + t
    for t in ("path", "minCount", "maxCount", "qualifiedValueShape", "qualifiedMinCount",
              "qualifiedMaxCount")
}  # fmt: skip
_NODE_KINDS = {
    "IRI": "isIRI({v})",
    "BlankNode": "isBlank({v})",
    "Literal": "isLiteral({v})",
    "BlankNodeOrIRI": "(isBlank({v}) || isIRI({v}))",
    "BlankNodeOrLiteral": "(isBlank({v}) || isLiteral({v}))",
    "IRIOrLiteral": "(isIRI({v}) || isLiteral({v}))",
}


def _term(t) -> str:
    if isinstance(t, ox.BlankNode):
        raise Unsupported("a blank node as a constraint value")
    return str(t)


def _int(t) -> int:
    if not isinstance(t, ox.Literal):
        raise Unsupported("a count that is not a literal")
    try:
        return int(t.value)
    except ValueError:
        raise Unsupported(f"count {t.value!r}") from None


# -- compiled checks -------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One violation: the focus node, the path (an IRI, or None), the value (or None)."""

    focus: object
    path: object
    value: object
    message: str
    shape: str = ""

    def key(self) -> tuple[str, str, str]:
        return (str(self.focus), str(self.path or ""), str(self.value or ""))


@dataclass
class _Check:
    kind: str  # "value", "min", "max", "has"
    path: ox.NamedNode | None  # reported sh:resultPath
    sparql_path: str | None  # the path in SPARQL, None for a node-level check
    expr: str = ""  # the condition every value (or the qualified values) must meet
    n: int = 0
    has: str = ""
    message: str = ""


@dataclass
class _Shape:
    node: object
    focus: str  # a SPARQL group pattern binding ?this
    prologue: str
    checks: list[_Check] = field(default_factory=list)
    #: paths every focus node has by its target alone (a sole ``sh:targetSubjectsOf``)
    present: set[str] = field(default_factory=set)


@dataclass
class ShapesProgram:
    """Shapes compiled to SPARQL, and the shapes left to pySHACL (with their shapes graph)."""

    shapes: list[_Shape]
    fallback: list  # shape nodes
    graph: _Shapes

    def fallback_triples(self) -> list[ox.Triple]:
        """The shapes graph with the targets of the compiled shapes removed: pySHACL then
        validates exactly the shapes the compiler left out."""
        done = {s.node for s in self.shapes}
        return [
            t
            for t in self.graph.triples
            if not (t.subject in done and t.predicate.value in TARGETS)
        ]


def compile_shapes(triples: Iterable[ox.Triple]) -> ShapesProgram:
    """Compile every targeted shape of a shapes graph; unsupported ones go to ``fallback``."""
    g = _Shapes(triples)
    roots = sorted(
        {t.subject for t in g.triples if t.predicate.value in TARGETS}, key=lambda n: str(n)
    )
    implicit = {
        t.subject
        for t in g.triples
        if t.predicate.value == RDF + "type"
        and not isinstance(t.object, ox.Triple)
        and t.object.value in (RDFS + "Class", "http://www.w3.org/2002/07/owl#Class")
    } & {
        t.subject
        for t in g.triples
        if t.predicate.value == RDF + "type"
        and not isinstance(t.object, ox.Triple)
        and t.object.value in (SH + "NodeShape", SH + "PropertyShape")
    }
    shapes, fallback = [], []
    for node in [*roots, *sorted(implicit - set(roots), key=str)]:
        if node in implicit:
            fallback.append(node)  # implicit class targets: left to pySHACL
            continue
        try:
            shape = _compile_shape(g, node)
        except Unsupported:
            fallback.append(node)
            continue
        if shape is not None:
            shapes.append(shape)
    return ShapesProgram(shapes, fallback, g)


def _deactivated(g: _Shapes, node) -> bool:
    d = g.one(node, SH + "deactivated")
    return d is not None and d.value in ("true", "1")


def _reported(g: _Shapes, node) -> bool:
    """Only violations are errors: a shape of severity warning or info reports nothing."""
    sev = g.one(node, SH + "severity")
    return sev is None or sev.value == SH + "Violation"


def _message(g: _Shapes, node, default: str) -> str:
    msgs = g.values(node, SH + "message")
    if not msgs:
        return default
    rank = {"en": 0, "": 1}
    best = min(msgs, key=lambda m: (rank.get(getattr(m, "language", None) or "", 2), m.value))
    return best.value


def _compile_shape(g: _Shapes, node) -> _Shape | None:
    if _deactivated(g, node):
        return None
    focus, prologue = _focus(g, node)
    shape = _Shape(node, focus, prologue)
    subjects_of = g.values(node, SH + "targetSubjectsOf")
    if len(subjects_of) == 1 and len([t for t in TARGETS for _ in g.values(node, t)]) == 1:
        shape.present.add(_term(subjects_of[0]))
    used = g.sh(node) - TARGETS - _ANNOTATIONS
    if SH + "path" in used:  # a property shape with its own targets
        shape.checks += _property_checks(g, node)
        return shape
    unknown = used - _VALUE - {SH + "property"}
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))
    if _reported(g, node):
        message = _message(g, node, "")
        for comp in sorted(used & _VALUE):
            for param in g.values(node, comp):
                expr = _component(g, comp, param, "?this")
                msg = message or f"value does not satisfy {shorten(comp)}"
                shape.checks.append(_Check("value", None, None, expr=expr, message=msg))
    for prop in g.values(node, SH + "property"):
        shape.checks += _property_checks(g, prop)
    return shape


def _focus(g: _Shapes, node) -> tuple[str, str]:
    parts: list[str] = []
    prologue: dict[str, str] = {}
    for c in g.values(node, SH + "targetClass"):
        parts.append(f"?this a {_term(c)} .")
    for n in g.values(node, SH + "targetNode"):
        parts.append(f"VALUES ?this {{ {_term(n)} }}")
    for p in g.values(node, SH + "targetSubjectsOf"):
        parts.append(f"?this {_term(p)} [] .")
    for p in g.values(node, SH + "targetObjectsOf"):
        parts.append(f"[] {_term(p)} ?this .")
    for t in g.values(node, SH + "target"):
        select = g.one(t, SH + "select")
        extra = g.sh(t) - {SH + "select", SH + "prefixes"}
        if select is None or extra:
            raise Unsupported("a sh:target that is not a plain SPARQL select")
        for pn in g.values(t, SH + "prefixes"):
            for decl in g.values(pn, SH + "declare"):
                prefix, ns = g.one(decl, SH + "prefix"), g.one(decl, SH + "namespace")
                if prefix is None or ns is None:
                    raise Unsupported("an incomplete sh:declare")
                if prologue.get(prefix.value, ns.value) != ns.value:
                    raise Unsupported(f"prefix {prefix.value} declared twice")
                prologue[prefix.value] = ns.value
        parts.append(f"{{ SELECT ?this WHERE {{ {{ {select.value} }} }} }}")
    if not parts:
        raise Unsupported("no target")
    focus = " UNION ".join(f"{{ {p} }}" for p in parts)
    return focus, "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prologue.items()))


def _path(g: _Shapes, prop) -> tuple[ox.NamedNode, str]:
    path = g.one(prop, SH + "path")
    if isinstance(path, ox.NamedNode):
        return path, str(path)
    inverse = g.one(path, SH + "inversePath") if path is not None else None
    if isinstance(inverse, ox.NamedNode) and g.out.get(path, {}).keys() == {SH + "inversePath"}:
        return path, f"^{inverse}"
    raise Unsupported("a path other than an IRI or an inverse IRI")


def _property_checks(g: _Shapes, prop) -> list[_Check]:
    if _deactivated(g, prop):
        return []
    used = g.sh(prop) - _ANNOTATIONS
    unknown = used - _VALUE - _COUNTS
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))
    path, sp = _path(g, prop)
    reported_path = path if isinstance(path, ox.NamedNode) else None
    if not _reported(g, prop):
        return []
    message = _message(g, prop, "")
    name = shorten(str(path)) if reported_path else "path"
    checks = []

    def add(kind: str, default: str, **kw) -> None:
        checks.append(_Check(kind, reported_path, sp, message=message or default, **kw))

    if (n := g.one(prop, SH + "minCount")) is not None:
        add("min", f"fewer than {_int(n)} values of {name}", n=_int(n), expr="true")
    if (n := g.one(prop, SH + "maxCount")) is not None:
        add("max", f"more than {_int(n)} values of {name}", n=_int(n), expr="true")
    for v in g.values(prop, SH + "hasValue"):
        add("has", f"no value {v} for {name}", has=_term(v))
    q = g.values(prop, SH + "qualifiedValueShape")
    qmin, qmax = g.one(prop, SH + "qualifiedMinCount"), g.one(prop, SH + "qualifiedMaxCount")
    if q or qmin is not None or qmax is not None:
        disjoint = g.one(prop, SH + "qualifiedValueShapesDisjoint")
        if len(q) != 1 or (disjoint is not None and disjoint.value in ("true", "1")):
            raise Unsupported("qualified value shapes other than one, not disjoint")
        expr = _shape_expr(g, q[0], "?v")
        if qmin is not None:
            add(
                "min",
                f"fewer than {_int(qmin)} qualified values of {name}",
                n=_int(qmin),
                expr=expr,
            )
        if qmax is not None:
            add(
                "max", f"more than {_int(qmax)} qualified values of {name}", n=_int(qmax), expr=expr
            )
    for comp in sorted(used & _VALUE - {SH + "hasValue"}):
        for param in g.values(prop, comp):
            expr = _component(g, comp, param, "?v")
            add("value", f"a value of {name} does not satisfy {shorten(comp)}", expr=expr)
    return checks


def _shape_expr(g: _Shapes, shape, v: str) -> str:
    """A SPARQL condition that holds when the node ``v`` conforms to ``shape`` (value-level
    constraints only)."""
    if _deactivated(g, shape):
        return "true"
    used = g.sh(shape) - _ANNOTATIONS
    if used - _VALUE:
        raise Unsupported(", ".join(sorted(used - _VALUE)))
    parts = [_component(g, c, p, v) for c in sorted(used) for p in g.values(shape, c)]
    return "(" + " && ".join(parts) + ")" if parts else "true"


def _component(g: _Shapes, comp: str, param, v: str) -> str:
    """A SPARQL condition that holds when the node ``v`` satisfies one constraint component."""
    name = comp.removeprefix(SH)
    if name == "datatype":
        d = param.value if isinstance(param, ox.NamedNode) else None
        if d == RDFS + "Literal":
            return f"isLiteral({v})"
        if d in _ANY_FORM:
            return f"(isLiteral({v}) && datatype({v}) = <{d}>)"
        if d not in _LEXICAL:
            raise Unsupported(f"sh:datatype {param}")
        return f"(isLiteral({v}) && datatype({v}) = <{d}> && {_lexical_test(d, v)})"
    if name == "class":
        return f"EXISTS {{ {v} <{RDF}type>/<{RDFS}subClassOf>* {_term(param)} }}"
    if name == "nodeKind":
        kind = param.value.removeprefix(SH) if isinstance(param, ox.NamedNode) else ""
        if kind not in _NODE_KINDS:
            raise Unsupported(f"sh:nodeKind {param}")
        return _NODE_KINDS[kind].format(v=v)
    if name in ("minLength", "maxLength"):
        op = ">=" if name == "minLength" else "<="
        return f"(!isBlank({v}) && STRLEN(STR({v})) {op} {_int(param)})"
    if name == "languageIn":
        langs = [t.value for t in g.items(param)]
        tests = " || ".join(f"langMatches(LANG({v}), {ox.Literal(lang)})" for lang in langs)
        return f"(isLiteral({v}) && ({tests or 'false'}))"
    if name == "in":
        terms = [_term(t) for t in g.items(param)]
        return "(" + (" || ".join(f"sameTerm({v}, {t})" for t in terms) or "false") + ")"
    if name == "hasValue":
        return f"sameTerm({v}, {_term(param)})"
    if name in ("or", "and", "xone"):
        exprs = [_shape_expr(g, s, v) for s in g.items(param)]
        if name == "xone":
            return "(" + " + ".join(f"IF({e}, 1, 0)" for e in exprs) + " = 1)" if exprs else "false"
        op = " || " if name == "or" else " && "
        return "(" + op.join(exprs) + ")" if exprs else ("false" if name == "or" else "true")
    if name == "not":
        return f"(!{_shape_expr(g, param, v)})"
    raise Unsupported(comp)  # pragma: no cover - _VALUE lists only the names above


def _violated(c: _Check) -> str | None:
    """A boolean SPARQL expression, true when focus node ``?this`` violates ``c``; None when
    ``c`` needs a counting query of its own (:func:`_count_query`)."""
    p = c.sparql_path
    if p is None:  # a node-level check reads the focus node itself
        return f"!COALESCE({c.expr}, false)"
    if c.kind == "value":
        return f"EXISTS {{ ?this {p} ?v FILTER(!COALESCE({c.expr}, false)) }}"
    if c.kind == "has":
        return f"NOT EXISTS {{ ?this {p} ?v FILTER(sameTerm(?v, {c.has})) }}"
    m = c.n if c.kind == "min" else c.n + 1  # the distinct values that decide the check
    negate = "NOT " if c.kind == "min" else ""
    if m == 0:
        return "false"  # at least 0 values: always met
    if m == 1:
        return f"{negate}EXISTS {{ ?this {p} ?v FILTER(COALESCE({c.expr}, false)) }}"
    if m == 2 and c.expr == "true":  # two values that are not the same term
        return f"{negate}EXISTS {{ ?this {p} ?v, ?w FILTER(!sameTerm(?v, ?w)) }}"
    return None


def _shape_query(shape: _Shape) -> tuple[str, list[int]]:
    """The exact query for a shape: the focus nodes are found once, and each check is an
    EXISTS on that node's values, so one row comes back per focus node that violates
    something, with a boolean per check saying which. Returns the query and the checks left
    to :func:`_count_query`."""
    columns, rest = [], []
    for i, c in enumerate(shape.checks):
        expr = _violated(c)
        if expr is None:
            rest.append(i)
        else:
            columns.append((i, expr))
    binds = "".join(f"  BIND(COALESCE({e}, false) AS ?c{i})\n" for i, e in columns)
    test = " || ".join(f"?c{i}" for i, _ in columns) or "false"
    sparql = (
        f"SELECT * WHERE {{\n  {{ SELECT DISTINCT ?this WHERE {{ {shape.focus} }} }}\n"
        f"{binds}  FILTER({test})\n}}"
    )
    return sparql, rest


#: an IRI, a literal, or the variable ``?v`` in a compiled condition
_TOKEN = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>|"(?:[^"\\]|\\.)*"|\?v\b')


def _rename(expr: str, var: str) -> str:
    """The condition ``expr`` (about ``?v``) about ``var``; IRIs and literals untouched."""
    return _TOKEN.sub(lambda m: var if m.group() == "?v" else m.group(), expr)


#: the (kind, count) checks the proof covers (2: any count above 1): minCount 0 or 1, maxCount 1+
_PROVED = {("min", 0), ("min", 1), ("max", 1), ("max", 2)}


def _proof_query(shape: _Shape) -> tuple[str, str] | None:
    """Two queries that prove, by counting, that no focus node violates any check of
    ``shape``; None if some check is not of a form they cover.

    Every path with a plain ``sh:minCount 1`` (or that the target alone implies, see
    :attr:`_Shape.present`) is joined to the focus nodes in one basic graph pattern: index
    look-ups, no EXISTS per node, several times cheaper, and the common case at scale. Then:
    as many distinct focus nodes in the join as in the focus set proves each of those paths
    present; as many rows in the join as focus rows proves each has exactly one value
    (``sh:maxCount`` n >= 1); a value check holding on every row holds on every value (each
    value is on some row). Anything else (a count not proved, a violation) and the exact
    query runs: the proof only ever skips it when it would find nothing."""
    paths = {c.sparql_path for c in shape.checks
             if c.kind == "min" and c.n == 1 and c.expr == "true" and c.sparql_path}  # fmt: skip
    paths |= shape.present
    var = {p: f"?p{j}" for j, p in enumerate(sorted(paths))}
    sums = []
    for i, c in enumerate(shape.checks):
        if c.sparql_path not in var:
            return None
        if c.kind == "value":
            expr = _rename(c.expr, var[c.sparql_path])
            sums.append(f"(SUM(IF(COALESCE({expr}, false), 1, 0)) AS ?ok{i})")
        elif c.expr != "true" or (c.kind, min(c.n, 2)) not in _PROVED:
            return None  # qualified counts, sh:hasValue, minCount above 1, maxCount 0
    join = " ".join(f"?this {p} {v} ." for p, v in var.items())
    return (
        f"SELECT (COUNT(DISTINCT ?this) AS ?all) (COUNT(*) AS ?raw) WHERE {{ {shape.focus} }}",
        f"SELECT (COUNT(DISTINCT ?this) AS ?foci) (COUNT(*) AS ?rows) {' '.join(sums)}\n"
        f"WHERE {{ {shape.focus}\n  {join} }}",
    )


def _proven(shape: _Shape, focus, join) -> bool:
    """Whether the rows of :func:`_proof_query`'s queries prove ``shape`` met."""
    n = {k: int(row[k].value) for row, ks in ((focus, ("all", "raw")), (join, ("foci", "rows")))
         for k in ks}  # fmt: skip
    one = any(c.kind == "max" for c in shape.checks)
    return (
        n["foci"] == n["all"]
        and (not one or n["rows"] == n["raw"])
        and all(
            int(join[f"ok{i}"].value) == n["rows"]
            for i, c in enumerate(shape.checks)
            if c.kind == "value"
        )
    )


def _count_query(shape: _Shape, c: _Check) -> str:
    """The focus nodes violating count check ``c``, by counting the distinct values of its
    path that meet ``c.expr`` (for counts the EXISTS form of :func:`_violated` would join
    the path with itself too many times)."""
    test = f"COUNT(DISTINCT ?v) {'<' if c.kind == 'min' else '>'} {c.n}"
    values = f"?this {c.sparql_path} ?v FILTER(COALESCE({c.expr}, false))"
    if c.kind == "min":
        values = f"OPTIONAL {{ {values} }}"
    return (
        f"SELECT ?this WHERE {{ {{ SELECT DISTINCT ?this WHERE {{ {shape.focus} }} }} "
        f"{values} }} GROUP BY ?this HAVING({test})"
    )


def _values_query(shape: _Shape, c: _Check, foci: list) -> str:
    """The values that fail value check ``c`` at the given focus nodes."""
    if all(isinstance(f, ox.NamedNode) for f in foci):
        focus = "VALUES ?this { " + " ".join(str(f) for f in foci) + " }"
    else:  # a blank focus node cannot be named in a query: find the focus nodes again
        focus = f"{{ {shape.focus} }}"
    return (
        f"SELECT DISTINCT ?this ?v WHERE {{ {focus} ?this {c.sparql_path} ?v . "
        f"FILTER(!COALESCE({c.expr}, false)) }}"
    )


# -- running ---------------------------------------------------------------------------------


#: shapes checked at once (:func:`store_results`)
THREADS = 2


def data_graphs(store: ox.Store, exclude: Iterable[str] = (GRAPH_ONTOLOGY, GRAPH_EXAMPLES)) -> list:
    """The graphs validation reads: every graph of ``store`` but the ontology and examples."""
    skip = {ox.NamedNode(g) for g in exclude}
    graphs = sorted((g for g in store.named_graphs() if g not in skip), key=str)
    return [ox.DefaultGraph(), *graphs]


def store_results(
    store: ox.Store,
    program: ShapesProgram,
    graphs: list | None = None,
) -> list[Result]:
    """Every violation of ``program`` in ``graphs`` of ``store`` (default: :func:`data_graphs`)."""
    graphs = data_graphs(store) if graphs is None else graphs
    results: list[Result] = []

    # reading "every graph" is about a fifth faster than reading a list of graphs
    everything = set(graphs) >= {ox.DefaultGraph(), *store.named_graphs()}
    scope = {"use_default_graph_as_union": True} if everything else {"default_graph": graphs}

    def run(sparql: str):
        return store.query(sparql, custom_functions=_FUNCTIONS, **scope)

    def check(shape: _Shape) -> list[Result]:
        results: list[Result] = []
        node = shape.node
        name = node.value if isinstance(node, ox.NamedNode) else str(node)
        if not shape.checks:
            return results
        proof = _proof_query(shape)
        if proof is not None:
            rows = [next(iter(run(shape.prologue + q))) for q in proof]
            if _proven(shape, *rows):
                return results
        sparql, counted = _shape_query(shape)
        failed: list[list] = [[] for _ in shape.checks]
        for sol in run(shape.prologue + sparql):
            for i in range(len(shape.checks)):
                if i not in counted and sol[f"c{i}"] == _TRUE:
                    failed[i].append(sol["this"])
        for i in counted:
            query = shape.prologue + _count_query(shape, shape.checks[i])
            failed[i] = [sol["this"] for sol in run(query)]
        for c, foci in zip(shape.checks, failed, strict=True):
            if not foci:
                continue
            if c.kind != "value":
                results += [Result(f, c.path, None, c.message, name) for f in foci]
            elif c.sparql_path is None:
                results += [Result(f, None, f, c.message, name) for f in foci]
            else:
                wanted = set(foci)
                for sol in run(shape.prologue + _values_query(shape, c, foci)):
                    if sol["this"] in wanted:
                        results.append(Result(sol["this"], c.path, sol["v"], c.message, name))
        return results

    # shapes in two threads (Oxigraph evaluates a query without the GIL), results in
    # the shapes' order
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for found in pool.map(check, program.shapes):
            results += found
    if program.fallback:
        triples = (q.triple for g in graphs for q in store.quads_for_pattern(None, None, None, g))
        results += _pyshacl(triples, program.fallback_triples())
    return results


def pyshacl_results(triples: Iterable[ox.Triple], shapes: Iterable[ox.Triple]) -> list[Result]:
    """Every violation pySHACL finds (the reference implementation, and the fallback)."""
    return _pyshacl(triples, list(shapes))


def _to_rdflib(triples: Iterable[ox.Triple]):
    import rdflib

    cache: dict = {}

    def conv(t):
        r = cache.get(t)
        if r is None:
            if isinstance(t, ox.NamedNode):
                r = rdflib.URIRef(t.value)
            elif isinstance(t, ox.Literal):
                if t.language:
                    r = rdflib.Literal(t.value, lang=t.language)
                elif t.datatype.value == XSD + "string":
                    r = rdflib.Literal(t.value)
                else:
                    dtype = rdflib.URIRef(t.datatype.value)
                    r = rdflib.Literal(t.value, datatype=dtype, normalize=False)
            else:
                r = rdflib.BNode(t.value)
            cache[t] = r
        return r

    g = rdflib.Graph()
    g.addN((conv(t.subject), conv(t.predicate), conv(t.object), g) for t in triples)
    return g


def _from_rdflib(t):
    import rdflib

    if t is None:
        return None
    if isinstance(t, rdflib.URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, rdflib.BNode):
        return ox.BlankNode(str(t))
    if t.language:
        return ox.Literal(str(t), language=t.language)
    return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype or XSD + "string")))


def _pyshacl(triples: Iterable[ox.Triple], shapes: list[ox.Triple]) -> list[Result]:
    import pyshacl
    from rdflib.namespace import RDF as RDF_NS
    from rdflib.namespace import SH as SH_NS

    data = _to_rdflib(triples)
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=_to_rdflib(shapes),
        inference="none",
        advanced=True,
        allow_warnings=True,
        inplace=True,
    )
    out = []
    for r in report.subjects(RDF_NS.type, SH_NS.ValidationResult):
        if report.value(r, SH_NS.resultSeverity) != SH_NS.Violation:
            continue
        message = report.value(r, SH_NS.resultMessage)
        out.append(
            Result(
                _from_rdflib(report.value(r, SH_NS.focusNode)),
                _from_rdflib(report.value(r, SH_NS.resultPath)),
                _from_rdflib(report.value(r, SH_NS.value)),
                str(message) if message is not None else "violates a shape",
                str(report.value(r, SH_NS.sourceShape) or ""),
            )
        )
    return out


def locate(
    results: Iterable[Result],
    origins: dict[str, str] | None = None,
    fact_origins: dict[tuple[str, str, str], str] | None = None,
) -> list[Problem]:
    """Each violation as a :class:`Problem` at the ``file:line`` of its fact, else of its
    focus node; sorted by place and message."""
    origins, fact_origins = origins or {}, fact_origins or {}
    problems = []
    for r in results:
        where = ""
        if isinstance(r.path, ox.NamedNode) and r.value is not None:
            where = fact_origins.get((str(r.focus), str(r.path), str(r.value)), "")
        focus = r.focus.value if isinstance(r.focus, ox.NamedNode) else str(r.focus)
        where = where or origins.get(focus, "")
        detail = r.message
        if r.value is not None:
            shown = shorten(r.value.value) if isinstance(r.value, ox.NamedNode) else str(r.value)
            detail += f" (value {shown})"
        problems.append(Problem(where, detail, shorten(focus)))
    problems.sort(key=lambda p: (p.location, p.message))
    return problems


_PROGRAMS: dict[tuple[str, bytes], ShapesProgram] = {}


def load_shapes(shapes_path: Path, display: str | None = None) -> ShapesProgram:
    """Parse and compile ``shapes_path`` (cached by its bytes within the process)."""
    from .curation import parse_ontology

    raw = Path(shapes_path).read_bytes()
    key = (str(shapes_path), raw)
    if key not in _PROGRAMS:
        _PROGRAMS.clear()
        _PROGRAMS[key] = compile_shapes(
            parse_ontology(Path(shapes_path), display or str(shapes_path))
        )
    return _PROGRAMS[key]


def validate_store(
    store: ox.Store,
    shapes_path: Path,
    graphs: list | None = None,
    origins: dict[str, str] | None = None,
    fact_origins: dict[tuple[str, str, str], str] | None = None,
    shapes_display: str | None = None,
) -> list[Problem]:
    """Every violation in ``graphs`` of ``store`` (default: all but the ontology), located."""
    program = load_shapes(shapes_path, shapes_display)
    return locate(store_results(store, program, graphs), origins, fact_origins)


def check_store(store: ox.Store, shapes_path: Path, **kwargs) -> None:
    """Raise :class:`DataError` with every violation, or return when the graph conforms."""
    problems = validate_store(store, shapes_path, **kwargs)
    if problems:
        raise DataError(problems)


def validate(
    triples: Iterable[ox.Triple],
    shapes_path: Path,
    origins: dict[str, str] | None = None,
    fact_origins: dict[tuple[str, str, str], str] | None = None,
    shapes_display: str | None = None,
) -> list[Problem]:
    """Return every SHACL violation of ``triples`` as a located :class:`Problem`."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return validate_store(
        store, shapes_path, [ox.DefaultGraph()], origins, fact_origins, shapes_display
    )


def check(triples: Iterable[ox.Triple], shapes_path: Path, **kwargs) -> None:
    """Raise :class:`DataError` with every violation, or return when the graph conforms."""
    problems = validate(triples, shapes_path, **kwargs)
    if problems:
        raise DataError(problems)
