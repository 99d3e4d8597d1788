"""Every query the package runs is a file, and every internal file runs.

The package's own questions live in ``queries/internal/*.rq``; these tests execute each one
on the bundled graph (so none rots), check that each is documented and used, and that no
module outside the generated ones (SHACL compiled to SPARQL, the inference rules) holds
SPARQL text of its own.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliancegraph import internal
from alliancegraph.namespaces import AG, AGR

PACKAGE = Path(internal.__file__).resolve().parent
#: modules whose SPARQL is generated from other inputs (the issue allows these)
GENERATED = {"validation.py", "inference.py"}
#: The values callers bind in the queries that take them (the header says ``Binds: ?x``, or
#: ``?x (bound by the caller)``): entities of the bundled graph, also in every synthetic
#: build (which adds to it). The benchmark (``benchmarks/bench_query_scale.py``) times the
#: same calls. Queries not listed run unbound, as their callers run them.
BINDINGS: dict[str, dict[str, ox.NamedNode]] = {
    **{
        f"analysis-coverage-{measure}": {"scope": ox.NamedNode(AGR + scope)}
        for measure, scope in (  # the scopes the bundled figures give each measure
            ("alliances", "alliance-system-chongqing"),
            ("industry-plans", "alliance-system-chongqing"),
            ("joint-provincial-projects", "alliance-general-aviation"),
            ("member-units", "alliance-system-chongqing"),
            ("research-platforms", "alliance-system-chongqing"),
            ("roadmap-fields", "alliance-functional-materials"),
        )
    },
    # the build calls it once per graph but the largest (build.drop_duplicates)
    "build-duplicates": {"scan": ox.NamedNode(AGR + "graph-inferred")},
    "imports-is-alliance": {"alliance": ox.NamedNode(AGR + "alliance-general-aviation")},
    "search-describe-about": {"e": ox.NamedNode(AGR + "cqupt")},
    "search-describe-facts-in": {"e": ox.NamedNode(AGR + "cqupt")},
    "search-describe-facts-out": {"e": ox.NamedNode(AGR + "cqupt")},
    "search-describe-records-in": {"e": ox.NamedNode(AGR + "cqupt")},
    "search-describe-records-out": {"e": ox.NamedNode(AGR + "cqupt")},
    "search-describe-unlabelled": {
        "n": ox.NamedNode(
            AGR + "membership/alliance-functional-materials/"
            "chongqing-materials-research-institute/lead-unit"
        )
    },
    "search-exists": {"e": ox.NamedNode(AGR + "cqupt")},
    "search-instance-of": {
        "e": ox.NamedNode(AGR + "cqupt"),
        "class": ox.NamedNode(AG + "University"),
    },
}
#: bound calls that rightly find nothing in the bundled graph (it counts none of these
#: figures' things: reported-vs-counted shows 0)
EMPTY_ON_BUNDLED = {
    "build-duplicates",  # a good build holds each triple once
    "analysis-coverage-joint-provincial-projects",
    "analysis-coverage-research-platforms",
}
SPARQL = re.compile(
    r"^\s*(PREFIX\s+\w*:|(SELECT|ASK|CONSTRUCT|DESCRIBE)\b[^\n]*(\?\w|\{|WHERE))",
    re.IGNORECASE | re.MULTILINE,
)


@pytest.mark.parametrize("name", internal.names())
def test_internal_query_runs_on_the_bundled_graph(graph, name):
    result = graph.query(internal.text(name))
    assert result.kind in ("select", "ask", "graph")
    if result.kind == "select":
        assert result.variables, f"{name}.rq projects no variable"


@pytest.mark.parametrize("name", sorted(BINDINGS))
def test_bound_internal_query_answers_about_its_binding(graph, name):
    """Each binding of the table is a real call: the bound query finds something (the
    benchmark times these same calls, so an example that matched nothing would time
    nothing)."""
    assert name in internal.names()
    for var, value in BINDINGS[name].items():
        if var == "scan":  # a graph, not an entity: it holds triples
            assert len(graph.query(f"SELECT * WHERE {{ GRAPH {value} {{ ?s ?p ?o }} }} LIMIT 1"))
            continue
        assert graph.query(internal.text("search-exists"), bindings={"e": value}).boolean
    result = graph.query(internal.text(name), bindings=BINDINGS[name])
    found = result.boolean if result.kind == "ask" else bool(result.rows)
    assert found is (name not in EMPTY_ON_BUNDLED)


@pytest.mark.parametrize("name", internal.names())
def test_internal_query_says_what_it_answers_and_is_used(name):
    text = internal.text(name)
    assert text.startswith("# "), f"{name}.rq: start with a comment saying what it answers"
    users = [
        p
        for p in PACKAGE.rglob("*.py")
        if f'"{name}"' in p.read_text(encoding="utf-8")
    ]
    assert users, f"{name}.rq is used by no module: delete it or use it"


def test_at_least_the_summary_queries_are_files():
    assert {"summary-counts", "summary-alliances", "summary-figures"} <= set(internal.names())


def test_unknown_internal_query_is_a_clear_error():
    from alliancegraph.errors import UsageError

    with pytest.raises(UsageError, match="no internal query 'nope'"):
        internal.text("nope")


def _sparql_constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SPARQL.search(node.value)
        ):
            found.append((node.lineno, node.value.strip().splitlines()[0][:60]))
    return found


def test_no_module_holds_sparql_text():
    offenders = {
        str(p.relative_to(PACKAGE)): hits
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.name not in GENERATED and (hits := _sparql_constants(p))
    }
    assert not offenders, f"SPARQL text belongs in queries/internal/*.rq: {offenders}"


def test_the_detector_sees_sparql(tmp_path):
    """The check above would fail on a module that holds a query (it is not vacuous)."""
    f = tmp_path / "m.py"
    f.write_text('Q = """\nSELECT ?a WHERE { ?a a ag:Alliance }"""\nN = "select a name"\n')
    assert [line for line, _ in _sparql_constants(f)] == [1]
