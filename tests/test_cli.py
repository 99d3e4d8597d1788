"""The command line as a user runs it: a real process, real output, real exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

LEADS = "SELECT ?l WHERE { ?a a ag:Alliance ; ag:leadInstitution/rdfs:label ?l }"


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "alliancegraph.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    from conftest import ROOT

    cache = tmp_path_factory.mktemp("cli-cache")
    return {"ALLIANCEGRAPH_CACHE": str(cache), "ALLIANCEGRAPH_HOME": str(ROOT)}


def test_lead_institutions_as_sparql_json(env):
    done = cli("query", "--format", "json", LEADS, env=env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["head"] == {"vars": ["l"]}
    zh = {b["l"]["value"] for b in data["results"]["bindings"] if b["l"].get("xml:lang") == "zh"}
    assert zh == {"重庆材料研究院", "重庆邮电大学", "重庆通用航空产业集团有限公司"}


def test_table_csv_and_tsv(env):
    table = cli("query", LEADS, env=env)
    assert "重庆邮电大学" in table.stdout and "6 rows" in table.stdout
    csv_out = cli("query", "-f", "csv", LEADS, env=env).stdout.splitlines()
    assert csv_out[0] == "l" and len(csv_out) == 7
    tsv_out = cli("query", "-f", "tsv", LEADS, env=env).stdout.splitlines()
    assert tsv_out[0] == "?l" and '"重庆邮电大学"@zh' in tsv_out


def test_ask_prints_true_or_false(env):
    yes = cli("query", "ASK { agr:cqupt org:memberOf agr:alliance-industrial-internet }", env=env)
    no = cli("query", "ASK { agr:cqupt org:memberOf agr:alliance-iot }", env=env)
    assert (yes.stdout.strip(), no.stdout.strip()) == ("true", "false")
    as_json = cli("query", "-f", "json", "ASK { ?s a ag:Alliance }", env=env)
    assert json.loads(as_json.stdout) == {"head": {}, "boolean": True}


def test_construct_prints_turtle(env):
    done = cli(
        "query",
        "CONSTRUCT { ?a ag:leadInstitution ?o } WHERE { ?a ag:leadInstitution ?o }",
        env=env,
    )
    assert done.returncode == 0
    assert "@prefix ag:" in done.stdout and "agr:cqupt" in done.stdout


def test_query_from_rq_file(env, tmp_path):
    path = tmp_path / "leads.rq"
    path.write_text(LEADS, encoding="utf-8")
    done = cli("query", "-f", "csv", str(path), env=env)
    assert done.returncode == 0 and "重庆材料研究院" in done.stdout


def test_syntax_error_gives_position_without_traceback(env):
    done = cli("query", "SELECT ?x WHERE {\n  ?x a ag:Alliance\n  FILTER(?x = }", env=env)
    assert done.returncode == 2
    assert "line 3, column" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_summary_reports_graph(env):
    done = cli("summary", env=env)
    assert done.returncode == 0
    for text in ("alliances named", "重庆市功能材料技术创新战略联盟", "1934", "440000000"):
        assert text in done.stdout
