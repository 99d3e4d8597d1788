"""Surfaces are parse -> call -> render: the syntax trees of ``alliancegraph/cli/`` and
``alliancegraph/web/`` hold no SPARQL text, import no internals below the API, and call no
networkx or igraph function. Queries live in query files, algorithms in ``analysis``; the
surfaces reach both only through ``AllianceGraph``.

The checker is tested on small pieces of source first, so a passing walk means something.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "alliancegraph"
SURFACES = ("cli", "web")

#: SPARQL text: a query form or PREFIX followed (on the same line) by a variable, a group
#: or WHERE. Case-sensitive, as SPARQL is written; docstrings (help text, examples shown
#: to users) are not checked.
SPARQL = re.compile(
    r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE|INSERT|DELETE|PREFIX)\b[^\n]*?(\?[A-Za-z_]|\{|\bWHERE\b)"
)

#: Modules below the API that a surface must not import (imports inside functions count).
FORBIDDEN = (
    "alliancegraph.store",
    "alliancegraph.build",
    "alliancegraph.search",
    "alliancegraph.library",
    "alliancegraph.analysis.projections",
    "alliancegraph.analysis.metrics",
    "alliancegraph.analysis.questions",
    "alliancegraph.imports",
    "alliancegraph.synthetic",
    "alliancegraph.members",
    "alliancegraph.validation",
    "alliancegraph.curation",
    "alliancegraph.inference",
    "pyoxigraph",
    "networkx",
    "igraph",
)
#: ... and what web/ must not import on top (the CLI is the layer above it).
FORBIDDEN_IN = {"web": ("alliancegraph.cli",)}

#: Narrow exceptions, each a (module, name) pair: the CLI imports igraph without its
#: matplotlib plotting, a start-up speed trick for a process that never plots.
ALLOWED = {("alliancegraph.analysis.metrics", "import_igraph_without_plotting")}

#: Names of graph libraries and of their algorithms: calling one is computing a metric.
GRAPH_LIBRARIES = {"nx", "networkx", "ig", "igraph"}
ALGORITHMS = {
    "betweenness_centrality",
    "closeness_centrality",
    "degree_centrality",
    "pagerank",
    "core_number",
    "constraint",
    "effective_size",
    "louvain_communities",
    "greedy_modularity_communities",
    "modularity",
    "shortest_path",
    "all_shortest_paths",
    "shortest_path_length",
    "single_source_shortest_path_length",
    "ego_graph",
    "connected_components",
    "articulation_points",
    "bridges",
    "projected_graph",
    "weighted_projected_graph",
    "spring_layout",
    "kamada_kawai_layout",
}


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring constants of the module, its classes and functions."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                ids.add(id(body[0].value))
    return ids


def _absolute(module: str | None, level: int, package: str) -> str:
    """The absolute name of ``from <level dots><module> import ...`` inside ``package``."""
    if level == 0:
        return module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _forbidden(name: str, forbidden: tuple[str, ...]) -> bool:
    return any(name == f or name.startswith(f + ".") for f in forbidden)


def problems(source: str, package: str, surface: str = "cli") -> list[str]:
    """What makes ``source`` (a module of ``package``) more than a thin surface."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    forbidden = FORBIDDEN + FORBIDDEN_IN.get(surface, ())
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docs and SPARQL.search(node.value):
                found.append(f"line {line}: SPARQL text {node.value.strip()[:60]!r}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _forbidden(alias.name, forbidden):
                    found.append(f"line {line}: imports {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node.module, node.level, package)
            for alias in node.names:
                if (module, alias.name) in ALLOWED:
                    continue
                full = f"{module}.{alias.name}"
                if _forbidden(module, forbidden) or _forbidden(full, forbidden):
                    found.append(f"line {line}: imports {full}")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                owner = func.value
                if isinstance(owner, ast.Name) and owner.id in GRAPH_LIBRARIES:
                    found.append(f"line {line}: calls {owner.id}.{func.attr}")
                elif func.attr in ALGORITHMS:
                    found.append(f"line {line}: calls .{func.attr}()")
            elif isinstance(func, ast.Name) and func.id in ALGORITHMS:
                found.append(f"line {line}: calls {func.id}()")
    return found


def surface_modules() -> list[Path]:
    return sorted(p for s in SURFACES for p in (PACKAGE / s).rglob("*.py"))


def _package_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts if parts[-1] == "__init__" else parts[:-1]).removesuffix(".__init__")


# -- the checker catches what it should, and only that ----------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        'Q = "SELECT ?x WHERE { ?x a ag:Alliance }"',
        'def f(g):\n    return g.query("ASK { ?s ?p ?o }")',
        "Q = f'''PREFIX ag: <{NS}>\nSELECT ?s WHERE {{ ?s ?p ?o }}'''",
        'Q = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"',
        "from ..store import EmbeddedStore",
        "from alliancegraph import build",
        "from alliancegraph.analysis import questions",
        "from alliancegraph.analysis.metrics import betweenness",
        "def f():\n    from ..search import find",
        "import networkx as nx",
        "import pyoxigraph",
        "def f(G):\n    return nx.betweenness_centrality(G)",
        "def f(G):\n    return G.subgraph(x).ego_graph(G, 'a')",
        "def f(G):\n    return shortest_path(G, 'a', 'b')",
    ],
)
def test_checker_finds_what_a_surface_must_not_do(source):
    assert problems(source, "alliancegraph.cli"), source


def test_web_must_not_import_the_cli():
    assert problems("from ..cli import SUMMARY", "alliancegraph.web", "web")
    assert not problems("from ..web.app import serve", "alliancegraph.cli", "cli")


@pytest.mark.parametrize(
    "source",
    [
        '"""Run a query.\n\n    alliancegraph query \'SELECT ?l WHERE { ?a a ag:Alliance }\'\n"""',
        'def f():\n    """Example: SELECT ?x WHERE { ?x ?p ?o }"""',
        'HELP = "Select the alliances to keep; ask the graph"',
        'MSG = "give QUERY text (or a .rq file) or --name NAME; see --help"',
        "from alliancegraph.graph import AllianceGraph",
        "from alliancegraph import config, formats",
        "from alliancegraph.analysis.metrics import import_igraph_without_plotting",
        "from ..errors import UsageError",
        "def f(g):\n    return g.analyze.central('betweenness', 'entity', 20)",
        "def f(G):\n    return G.number_of_nodes()",
    ],
)
def test_checker_lets_a_thin_surface_be(source):
    assert problems(source, "alliancegraph.cli") == [], source


def test_relative_imports_resolve_against_the_package():
    assert _absolute("store", 2, "alliancegraph.cli") == "alliancegraph.store"
    assert _absolute("common", 1, "alliancegraph.cli") == "alliancegraph.cli.common"
    assert _absolute(None, 2, "alliancegraph.web") == "alliancegraph"
    assert _package_of(PACKAGE / "cli" / "query.py") == "alliancegraph.cli"
    assert _package_of(PACKAGE / "cli" / "__init__.py") == "alliancegraph.cli"


# -- the surfaces themselves ---------------------------------------------------------------------


def test_the_surfaces_are_there():
    names = {p.relative_to(PACKAGE).as_posix() for p in surface_modules()}
    assert {"cli/__init__.py", "cli/common.py", "cli/query.py", "web/app.py"} <= names


@pytest.mark.parametrize("path", surface_modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_surface_module_is_parse_call_render(path):
    surface = path.relative_to(PACKAGE).parts[0]
    found = problems(path.read_text(encoding="utf-8"), _package_of(path), surface)
    assert found == [], f"{path.relative_to(PACKAGE)}:\n" + "\n".join(found)
