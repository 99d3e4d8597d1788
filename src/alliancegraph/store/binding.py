"""Binding values into SPARQL text for engines without a bindings API: a ``VALUES`` block
at the head of the query's WHERE group, each term written by Oxigraph's own serialiser."""

from __future__ import annotations

import re

import pyoxigraph as ox  # noqa: F401  (used by the doctest)

from ..errors import UsageError
from .base import Bindings, check_bindings

_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<open>\{) | (?P<close>\})
    | (?P<word>[A-Za-z]+)
    """,
    re.X | re.S,
)


def query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first form keyword outside strings, IRIs and
    comments (SELECT if none is found, and the endpoint will say what is wrong)."""
    for m in _TOKEN.finditer(sparql):
        if m.lastgroup == "word":
            word = m.group().upper()
            if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                return word
    return "SELECT"


def declares_dataset(sparql: str) -> bool:
    """Whether the query names its own dataset (``FROM`` or ``FROM NAMED``), outside
    strings, IRIs, comments, variables and prefixed names.

    >>> declares_dataset("SELECT * FROM <http://x/g> { ?s ?p ?o }")
    True
    >>> declares_dataset("SELECT ?from { ?from ex:from 'FROM' } # FROM")
    False
    """
    for m in _TOKEN.finditer(sparql):
        if m.lastgroup == "word" and m.group().upper() == "FROM":
            before = sparql[m.start() - 1] if m.start() else " "
            after = sparql[m.end()] if m.end() < len(sparql) else " "
            if before not in "?$:_-." and after not in ":_-.":
                return True
    return False


#: A comment line in a sub-select that asks for the parameters' VALUES there too.
BIND_HERE = "#@bind"


def with_values(sparql: str, bindings: Bindings) -> str:
    """Bind variables by adding ``VALUES (?a ?b) { (t1 t2) }`` as the first element of the
    query's top-level WHERE group. Terms are written by Oxigraph's own serialiser (a
    literal's quotes, braces and newlines are escaped), so a value stays one term.

    A sub-select does not see the outer block, so one that would compute for every value
    can ask for the same block with a comment line starting ``#@bind`` (:data:`BIND_HERE`):
    it is added after that line too. Run unbound, the line is a comment and the query
    gives the same rows, computed for all values.

    >>> with_values("SELECT ?l WHERE { ?e rdfs:label ?l }", {"e": ox.NamedNode("http://x/a")})
    'SELECT ?l WHERE { VALUES (?e) { (<http://x/a>) }\\n ?e rdfs:label ?l }'
    """
    checked = check_bindings(bindings)
    if not checked:
        return sparql
    depth = 0
    form: str | None = None
    where_seen = False
    top_braces = 0
    insert_at: int | None = None
    for m in _TOKEN.finditer(sparql):
        kind = m.lastgroup
        if kind == "word" and depth == 0:
            word = m.group().upper()
            if form is None and word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                form = word
            elif word == "WHERE":
                where_seen = True
        elif kind == "open":
            if depth == 0:
                top_braces += 1
                if where_seen or form != "CONSTRUCT" or top_braces == 2:
                    insert_at = m.end()
                    break
            depth += 1
        elif kind == "close":
            depth -= 1
    if insert_at is None:
        raise UsageError("cannot bind parameters: the query has no WHERE group")
    names = " ".join(f"?{k}" for k in checked)
    terms = " ".join(str(t) for t in checked.values())
    block = f" VALUES ({names}) {{ ({terms}) }}\n"
    marks = [
        m.end()
        for m in _TOKEN.finditer(sparql, insert_at)
        if m.lastgroup == "comment" and m.group().startswith(BIND_HERE)
    ]
    out = sparql
    for at in reversed(marks):  # the markers' lines, from the last: offsets stay true
        out = out[:at] + "\n" + block + out[at:]
    return out[:insert_at] + block + out[insert_at:]
