"""Issue 13 (a, e): queries as users type them.

a. A query argument is a file only if it is short, on one line and names an existing file
   (or ends in .rq/.sparql): a long one-line query (easy with Chinese literals) is a
   query, never ``OSError: File name too long``.
e. Query lint: every ``ag:`` term a query uses that the ontology does not define gets a
   warning naming the nearest term; a misspelt class given as a type (``--type``,
   ``-p type=``, ``type=``) is an error naming the nearest class, never an empty answer;
   ``University``, ``ag:University`` and the label 高等院校 name the same class everywhere.

The small graph here is an ontology of three terms and two entities, answers known by hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliancegraph.errors import UsageError
from alliancegraph.graph import AllianceGraph
from alliancegraph.namespaces import AG, AGR, GRAPH_ONTOLOGY
from alliancegraph.store import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent

SMALL = f"""
@prefix ag: <{AG}> . @prefix agr: <{AGR}> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
ag:University a owl:Class ; rdfs:label "高等院校"@zh , "university"@en ; skos:altLabel "大学"@zh .
ag:Alliance a owl:Class ; rdfs:label "产业技术创新战略联盟"@zh , "alliance"@en .
ag:leadInstitution a owl:ObjectProperty ; rdfs:label "牵头单位"@zh .
"""
DATA = f"""
@prefix ag: <{AG}> . @prefix agr: <{AGR}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
agr:cqupt a ag:University ; rdfs:label "重庆邮电大学"@zh .
agr:iot a ag:Alliance ; rdfs:label "物联网联盟"@zh ; ag:leadInstitution agr:cqupt .
"""


@pytest.fixture(scope="module")
def small() -> AllianceGraph:
    store = ox.Store()
    store.load(SMALL.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(GRAPH_ONTOLOGY))
    store.load(DATA.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(AGR + "graph-t"))
    return AllianceGraph(EmbeddedStore(store))


# -- e: lint -------------------------------------------------------------------------------------


def test_an_undefined_term_gets_a_warning_naming_the_nearest(small):
    r = small.query("SELECT ?x WHERE { ?x a ag:Univercity }")
    assert len(r) == 0
    assert r.warnings == [
        "ag:Univercity (line 1, column 24) is not a term of the ontology; "
        "did you mean ag:University (高等院校)?"
    ]


def test_properties_full_iris_and_bound_values_are_linted_too(small):
    r = small.query(f"SELECT ?a WHERE {{ ?a ag:leadInstitutoin ?o ; a <{AG}Aliance> }}")
    assert [w.split(" (")[0] for w in r.warnings] == ["ag:leadInstitutoin", "ag:Aliance"]
    assert "did you mean ag:leadInstitution (牵头单位)?" in r.warnings[0]
    assert "did you mean ag:Alliance (产业技术创新战略联盟)?" in r.warnings[1]
    r = small.query("SELECT ?x WHERE { ?x a ?type }", bindings={"type": ox.NamedNode(AG + "Univ")})
    assert r.warnings and r.warnings[0].startswith("ag:Univ (a parameter value)")


def test_defined_terms_strings_and_comments_give_no_warning(small):
    r = small.query(
        "# ag:Nothing here\nSELECT ?x WHERE { ?x a ag:University ; rdfs:label ?l "
        'FILTER(?l != "ag:Univercity") }'
    )
    assert len(r) == 1 and r.warnings == []


def test_a_graph_without_its_ontology_lints_nothing():
    g = AllianceGraph(EmbeddedStore(ox.Store()))
    assert g.query("SELECT ?x WHERE { ?x a ag:Univercity }").warnings == []


# -- e: one class-name resolver ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["University", "ag:University", "高等院校", "university", "大学"])
def test_every_spelling_of_a_class_names_it(small, name):
    assert small.resolve("重庆邮电大学", type=name) == AGR + "cqupt"
    assert [m.iri for m in small.find("邮电", type=name)] == [AGR + "cqupt"]


@pytest.mark.parametrize("name", ["Univercity", "ag:Univercity", f"<{AG}Univercity>"])
def test_a_misspelt_class_is_an_error_naming_the_nearest(small, name):
    with pytest.raises(UsageError, match=r"did you mean ag:University \(高等院校\)\?"):
        small.find("邮电", type=name)
    with pytest.raises(UsageError, match="not a class"):
        small.resolve("重庆邮电大学", type="ag:leadInstitution")


def test_named_query_type_accepts_the_same_spellings(graph):
    rows = {
        name: sorted(graph.named("organisations-by-type", type=name).values("organisation"))
        for name in ("University", "ag:University", "高等院校")
    }
    assert rows["University"] and rows["University"] == rows["ag:University"] == rows["高等院校"]
    with pytest.raises(UsageError, match=r"parameter 'type'.*did you mean ag:University"):
        graph.named("organisations-by-type", type="ag:Univercity")


def test_analysis_type_filter_accepts_the_same_spellings_and_refuses_a_misspelling(graph):
    a = graph.analyze.metrics(types=["University"])
    b = graph.analyze.metrics(types=["高等院校"])
    c = graph.analyze.metrics(types=["ag:University"])
    assert len(a) > 0 and list(a["node"]) == list(b["node"]) == list(c["node"])
    with pytest.raises(UsageError, match=r"did you mean ag:University \(高等院校\)\?"):
        graph.analyze.central(types=["Univercity"])
    with pytest.raises(UsageError, match="did you mean ag:University"):
        graph.analyze.projection("entity", types=["Univercity"])


# -- a and e on the CLI ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli(graph, session_cache):
    env = {
        **os.environ,
        "ALLIANCEGRAPH_CACHE": str(session_cache),
        "ALLIANCEGRAPH_HOME": str(ROOT),
    }

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "alliancegraph.cli", *args],
            env=env, capture_output=True, text=True, timeout=120, cwd=cwd,
        )  # fmt: skip

    return run


def test_a_long_one_line_query_is_a_query_not_a_file_name(cli):
    name = "重庆市功能材料技术创新战略联盟"
    text = (
        "SELECT ?a WHERE { ?a rdfs:label ?l "
        + " ".join(f'FILTER(?l != "{name}{i}")' for i in range(6))
        + f' FILTER(?l = "{name}"@zh) }}'
    )
    assert len(text.encode()) > 255 and "\n" not in text
    r = cli("query", "--format", "csv", text)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert r.stdout.splitlines() == ["a", AGR + "alliance-functional-materials"]


def test_a_short_file_name_is_still_read(cli, tmp_path):
    (tmp_path / "q.rq").write_text("ASK { ?a a ag:Alliance }", encoding="utf-8")
    (tmp_path / "plain").write_text("ASK { ?a a ag:Nothing }", encoding="utf-8")
    r = cli("query", "--format", "json", "q.rq", cwd=tmp_path)
    assert json.loads(r.stdout) == {"head": {}, "boolean": True}
    r = cli("query", "--format", "json", "plain", cwd=tmp_path)
    assert json.loads(r.stdout)["boolean"] is False and "warning: ag:Nothing" in r.stderr
    r = cli("query", "missing.rq", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.startswith("error: no query file missing.rq")


def test_cli_warns_about_an_undefined_term_and_still_answers(cli):
    r = cli("query", "--format", "csv", "SELECT ?x WHERE { ?x a ag:Univercity }")
    assert r.returncode == 0 and r.stdout.splitlines() == ["x"]
    assert r.stderr == (
        "warning: ag:Univercity (line 1, column 24) is not a term of the ontology; "
        "did you mean ag:University (高等院校)?\n"
    )


def test_cli_type_options_take_the_same_spellings_and_refuse_a_misspelling(cli):
    r = cli("analyze", "central", "--type", "Univercity")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: 'Univercity' names no class of the ontology; ")
    assert "did you mean ag:University (高等院校)?" in r.stderr
    outputs = {
        cli("query", "-n", "organisations-by-type", "-p", f"type={t}", "--format", "csv").stdout
        for t in ("University", "ag:University", "高等院校")
    }
    assert len(outputs) == 1 and outputs.pop().count("\n") > 1
    outputs = {
        cli("analyze", "metrics", "--type", t, "--format", "csv").stdout
        for t in ("University", "ag:University", "高等院校")
    }
    assert len(outputs) == 1 and outputs.pop().count("\n") > 1


@pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning")
def test_query_page_shows_the_warning(small):
    from starlette.testclient import TestClient

    from alliancegraph.web.app import Settings, create_app

    with TestClient(create_app(small, Settings(timeout=10))) as client:
        page = client.get("/query", params={"query": "SELECT ?x WHERE { ?x a ag:Univercity }"})
    assert '<ul class="hint" role="status" id="query-warnings">' in page.text
    assert "warning: ag:Univercity (line 1, column 24) is not a term of the ontology; " in page.text
    assert "did you mean ag:University (高等院校)?" in page.text
