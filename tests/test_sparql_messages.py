"""Issue 13 (d): SPARQL errors say what was found, where, and what to do.

Each misleading message a new user met ("expected CONSTRUCT" for ``SELEC``, "expected one
of Prefix not found" for an unknown prefix, "expected OPTIONAL" for a missing ``.``) is
checked on every path a query takes: the message layer itself, the embedded store (in
process and in its deadline child), a remote Oxigraph server (started here, empty: a
syntax error needs no data), the API, the CLI and the web query page.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from alliancegraph.errors import QuerySyntaxError
from alliancegraph.graph import AllianceGraph
from alliancegraph.namespaces import AG, AGR, GRAPH_ONTOLOGY
from alliancegraph.sparqlcheck import caret, explain
from alliancegraph.store import EmbeddedStore, RemoteStore

ROOT = Path(__file__).resolve().parent.parent

SELEC = "SELEC ?x WHERE { ?x ?p ?o }"
UNKNOWN_PREFIX = "SELECT ?x WHERE { ?x foo:bar ?o }"
MISSING_DOT = "SELECT ?x WHERE {\n  ?x a ag:Alliance\n  ?x rdfs:label ?l }"


def _error(store, sparql: str, **kw) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as err:
        store.query(sparql, **kw)
    return err.value


def _check_selec(e: QuerySyntaxError) -> None:
    assert (e.line, e.column, e.token) == (1, 1, "SELEC")
    assert e.suggestion == "did you mean SELECT?"
    assert e.context == "SELEC ?x WHERE { ?x ?p ?o }\n^^^^^"
    assert "CONSTRUCT" not in str(e)


def _check_prefix(e: QuerySyntaxError) -> None:
    assert (e.line, e.column, e.token) == (1, 22, "foo:bar")
    assert "unknown prefix foo:" in e.message and "Prefix not found" not in str(e)
    assert e.suggestion is not None and "ag:, agr:" in e.suggestion and "rdfs:" in e.suggestion
    assert e.context == f"{UNKNOWN_PREFIX}\n{' ' * 21}^^^^"


def _check_missing_dot(e: QuerySyntaxError) -> None:
    assert (e.line, e.column, e.token) == (3, 3, "?x")
    assert "found ?x after the complete triple pattern ?x a ag:Alliance" in e.message
    assert e.suggestion is not None and "'.'" in e.suggestion
    assert e.context == "  ?x rdfs:label ?l }\n  ^^"
    assert "OPTIONAL" not in str(e)


# -- the message layer -------------------------------------------------------------------------


def test_misspelt_keyword_names_the_keyword():
    _check_selec(explain("error at 1:10: expected CONSTRUCT", SELEC))
    e = explain("error at 1:36: expected x", "SELECT ?x WHERE { ?x ?p ?o } LIMT 3")
    assert (e.token, e.suggestion) == ("LIMT", "did you mean LIMIT?")


def test_unknown_prefix_lists_the_declared_ones_including_the_querys_own():
    text = "PREFIX ex: <http://example.org/>\nSELECT ?x WHERE { ?x exx:b ?c }"
    e = explain("error at 2:30: expected one of Prefix not found", text)
    assert (e.line, e.column, e.token) == (2, 22, "exx:b")
    assert e.suggestion is not None and e.suggestion.startswith("did you mean ex:?")
    assert "ex:, org:" in e.suggestion


def test_missing_dot_says_what_was_found_and_what_may_be_missing():
    _check_missing_dot(explain("error at 3:11: expected OPTIONAL", MISSING_DOT))


def test_other_mistakes_are_named_where_they_are():
    e = explain("error at 1:14: expected one of LATERAL", "ASK { ?x ?p }")
    assert (e.column, e.token) == (13, "}") and "still needs an object" in e.message
    e = explain("error at 1:28: expected one of", "SELECT ?x WHERE { ?x ?p ?o ")
    assert (e.column, e.token) == (17, "{") and e.suggestion == "close it with '}'"
    e = explain("error at 1:47: expected", 'SELECT ?x WHERE { FILTER(?x = "a) }')
    assert e.token == '"' and "never closed" in e.message


def test_caret_lines_up_under_wide_characters_and_cuts_long_lines():
    assert caret('  "重庆" ?p', 1, 8, 2) == '  "重庆" ?p\n         ^^'  # 重庆: 4 cells
    long = "?x " + "重" * 300 + " ?y"
    shown, marks = caret(long, 1, len(long) - 1, 2).split("\n")
    assert shown.startswith("…") and len(shown) < 100 and marks.endswith("^^")


def test_a_query_that_parses_is_not_explained_away():
    """Where none of our rules applies, the parser's own position is kept."""
    e = explain("error at 3:7: expected one of ., }", "SELECT *\nWHERE {\n  ?s ?p ?o }")
    assert (e.line, e.column) == (3, 7)


# -- every store and surface -------------------------------------------------------------------


@pytest.fixture(scope="module")
def memory() -> EmbeddedStore:
    return EmbeddedStore(ox.Store())


@pytest.mark.parametrize("timeout", [None, 5])
def test_embedded_store_in_process_and_through_its_deadline_child(memory, timeout):
    _check_selec(_error(memory, SELEC, timeout=timeout))
    _check_prefix(_error(memory, UNKNOWN_PREFIX, timeout=timeout))
    _check_missing_dot(_error(memory, MISSING_DOT, timeout=timeout))


def test_bound_values_do_not_move_the_location(memory):
    e = _error(memory, MISSING_DOT, bindings={"l": ox.Literal("x")})
    _check_missing_dot(e)


def test_the_api_raises_the_same_error():
    g = AllianceGraph(EmbeddedStore(ox.Store()))
    _check_missing_dot(_error(g, MISSING_DOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """An empty Oxigraph server with its default options."""
    exe = shutil.which("oxigraph")
    if exe is None:
        pytest.fail("the oxigraph server is a test dependency: pip install -e '.[test]'")
    port = _free_port()
    location = tmp_path_factory.mktemp("oxigraph-messages")
    proc = subprocess.Popen(
        [exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, params={"query": "ASK {}"}, timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def test_remote_store_gives_our_message_located_in_the_users_text(oxigraph_server):
    remote = RemoteStore(oxigraph_server, retries=0)
    _check_selec(_error(remote, SELEC))
    _check_prefix(_error(remote, UNKNOWN_PREFIX))
    _check_missing_dot(_error(remote, MISSING_DOT))


def test_cli_prints_one_message_with_the_caret_and_exits_2(tmp_path):
    env = {**os.environ, "ALLIANCEGRAPH_HOME": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-m", "alliancegraph.cli", "query", SELEC],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.splitlines() == [
        "error: SPARQL syntax error at line 1, column 1: found SELEC, which is not SPARQL; "
        "did you mean SELECT?",
        "  SELEC ?x WHERE { ?x ?p ?o }",
        "  ^^^^^",
    ]


@pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning")
def test_query_page_shows_the_message_the_caret_and_the_suggestion():
    from starlette.testclient import TestClient

    from alliancegraph.web.app import Settings, create_app

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(AGR + "a"), ox.NamedNode(AG + "p"), ox.Literal("x")))
    store.add(
        ox.Quad(
            ox.NamedNode(AG + "p"),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("http://www.w3.org/2002/07/owl#DatatypeProperty"),
            ox.NamedNode(GRAPH_ONTOLOGY),
        )
    )
    app = create_app(AllianceGraph(EmbeddedStore(store)), Settings(timeout=10))
    with TestClient(app) as client:
        page = client.get("/query", params={"query": MISSING_DOT}).text
    assert 'id="query-error"' in page and "line 3, column 3: found ?x after" in page
    assert "a &#39;.&#39; (or &#39;}&#39;) may be missing before ?x" in page
    assert '<pre class="error" id="query-error-context">  ?x rdfs:label ?l }\n  ^^</pre>' in page
