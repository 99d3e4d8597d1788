"""The command line as a user runs it: a real process, real output, real exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# the lead institutions of the article's alliances (those it places in its system of 24);
# alliances other sources name (the chemical new materials alliance's two leads) are not it
LEADS = (
    "SELECT ?l WHERE { ?a a ag:Alliance ; ag:partOfSystem agr:alliance-system-chongqing ; "
    "ag:leadInstitution/rdfs:label ?l }"
)


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
    assert "line 3, column 15: found '}' where '(' (line 3, column 9) is still open" in done.stderr
    # one message: the headline, then the line with a caret under what was found
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[1:] == ["    FILTER(?x = }", "                ^"]


def test_summary_reports_graph(env):
    done = cli("summary", env=env)
    assert done.returncode == 0
    for text in ("alliances named", "重庆市功能材料技术创新战略联盟", "1934", "440000000"):
        assert text in done.stdout


# -- the package of thin surfaces ------------------------------------------------------------


def test_help_lists_every_command_in_the_order_of_the_data_flow(env):
    from alliancegraph.cli import COMMANDS

    done = cli("--help", env=env)
    assert done.returncode == 0
    listed = [
        line.split()[0]
        for line in done.stdout.split("Commands:")[1].splitlines()
        if line.startswith("  ")
    ]
    assert listed == list(COMMANDS)
    # a workspace is made first (init), then built, exported and queried
    assert listed[:4] == ["init", "build", "export", "query"]


def test_every_command_resolves_to_its_module():
    import click

    from alliancegraph.cli import COMMANDS, app

    ctx = click.Context(app)
    for name, target in COMMANDS.items():
        command = app.get_command(ctx, name)
        assert isinstance(command, click.Command), name
        assert command.callback.__module__ == target.split(":")[0], name
    assert app.get_command(ctx, "no-such-command") is None


def test_a_cold_query_loads_only_its_own_command_module(env):
    """What makes ``alliancegraph query`` start fast: the other command groups, rich and
    pandas stay unloaded."""
    import os

    code = (
        "import json, sys\n"
        "from alliancegraph.cli import app\n"
        "app(['query', '-f', 'json', 'ASK { ?s a ag:Alliance }'], standalone_mode=False)\n"
        "heavy = ('pandas', 'networkx', 'rich', 'starlette')\n"
        "cli = sorted(m for m in sys.modules if m.startswith('alliancegraph.cli.'))\n"
        "loaded = {'cli': cli, 'heavy': [m for m in heavy if m in sys.modules]}\n"
        "print(json.dumps(loaded), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env}
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"head": {}, "boolean": True}
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert loaded == {"cli": ["alliancegraph.cli.common", "alliancegraph.cli.query"], "heavy": []}


def test_json_forms_are_the_result_objects_to_dict(env):
    matches = json.loads(cli("find", "重材院", "-f", "json", env=env).stdout)
    assert set(matches[0]) == {"iri", "label", "label_en", "type", "matched", "kind"}
    assert matches[0]["iri"].endswith("/chongqing-materials-research-institute")
    assert (matches[0]["matched"], matches[0]["kind"]) == ("重材院", "alias")

    d = json.loads(cli("describe", "cqupt", "-f", "json", env=env).stdout)
    assert d["label"] == "重庆邮电大学" and sorted(d["aliases"]) == ["CQUPT", "重邮"]
    assert {f["direction"] for f in d["facts"]} == {"in", "out"}

    library = {q["name"]: q for q in json.loads(cli("queries", "-f", "json", env=env).stdout)}
    assert [p["name"] for p in library["entity-facts"]["params"]] == ["entity"]

    s = json.loads(cli("summary", "-f", "json", env=env).stdout)
    # by hand from data/entities.csv: 11 alliances (the article's 6 and 5 other sources
    # name), 18 formal organisations (8 enterprises, 6 universities, 3 institutes, 1 agency)
    assert s["holds"]["alliances named"] == 11 and s["holds"]["organisations"] == 18
    article = cli("query", "-f", "csv", "SELECT (COUNT(?a) AS ?n) WHERE { ?a a ag:Alliance ; "
                  "ag:partOfSystem agr:alliance-system-chongqing }", env=env)  # fmt: skip
    assert article.stdout.splitlines() == ["n", "6"]  # the article names 6 of its 24
    assert {"figure": "成员单位数", "value": 1934} in [
        {k: f[k] for k in ("figure", "value")} for f in s["figures"]
    ]
    assert s["reported_vs_counted"]


def test_query_format_choices_come_from_the_format_table(env):
    from alliancegraph import formats

    shown = cli("query", "--help", env=env).stdout
    for name in ("table", *formats.names("results")):
        assert name in shown
    xml = cli("query", "-f", "xml", "ASK { ?s a ag:Alliance }", env=env)
    assert xml.returncode == 0 and "<boolean>true</boolean>" in xml.stdout


def test_export_writes_each_rdf_format_of_the_table(env, tmp_path):
    out = tmp_path / "graph.trig"
    done = cli("export", "-f", "trig", "--out", str(out), env=env)
    assert done.returncode == 0 and done.stderr.strip() == f"wrote {out}"
    assert "\nagr:graph-ontology {" in out.read_text(encoding="utf-8")  # quads keep graphs
    rdfxml = cli("export", "-f", "rdfxml", env=env)
    assert rdfxml.returncode == 0 and "<rdf:RDF" in rdfxml.stdout
    nt = cli("export", "-f", "nt", env=env).stdout.splitlines()
    assert nt and all(line.endswith(" .") for line in nt)


def test_timeout_from_the_environment_reads_through_config(env):
    runaway = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    done = cli("query", runaway, env={**env, "ALLIANCEGRAPH_TIMEOUT": "1"})
    assert done.returncode == 1
    assert done.stderr.startswith("error: query stopped after its 1 s deadline")
    bad = cli("query", "ASK {}", env={**env, "ALLIANCEGRAPH_TIMEOUT": "soon"})
    assert bad.returncode == 2 and bad.stderr.startswith("error: ALLIANCEGRAPH_TIMEOUT='soon'")
    # the option wins over the environment
    ok = cli(
        "query", "-t", "0", "ASK { ?s a ag:Alliance }", env={**env, "ALLIANCEGRAPH_TIMEOUT": "soon"}
    )
    assert ok.returncode == 0 and ok.stdout.strip() == "true"


def test_endpoint_from_the_environment_asks_it_but_export_uses_the_build(env):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/query"
    remote = {**env, "ALLIANCEGRAPH_ENDPOINT": url}
    asked = cli("query", "ASK {}", env=remote)
    assert asked.returncode == 1
    assert asked.stderr.startswith(f"error: cannot reach the SPARQL endpoint {url}")
    exported = cli("export", "-f", "nt", env=remote)
    assert exported.returncode == 0 and "<https://w3id.org/alliancegraph/" in exported.stdout


def test_analysis_files_metrics_as_rdf_and_networks_for_gephi(env, tmp_path):
    nq, gexf = tmp_path / "metrics.nq", tmp_path / "alliances.gexf"
    done = cli("analyze", "metrics", "-P", "comembership", "--rdf", str(nq), "-f", "json", env=env)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    assert f"wrote {nq}" in done.stderr
    text = nq.read_text(encoding="utf-8")
    assert (
        "graph-analysis-comembership" in text
        and len(rows) == json.loads(done.stdout)["meta"]["nodes"]
    )
    done = cli("analyze", "export", "-P", "two-mode", "--out", str(gexf), env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().startswith(f"wrote {gexf} (") and "nodes" in done.stderr
    assert "<gexf" in gexf.read_text(encoding="utf-8")


def test_synth_refuses_a_scale_that_is_not_positive(tmp_path, env):
    done = cli("synth", "--scale", "0", "--out", str(tmp_path / "s"), env=env)
    assert done.returncode == 2 and done.stderr.strip() == "error: --scale must be positive"
    assert not (tmp_path / "s").exists()


def test_synth_import_list_and_undo_in_a_private_data_home(env, tmp_path):
    lists, home = tmp_path / "lists", tmp_path / "home"
    done = cli("synth", "--scale", "0.2", "--seed", "2", "--out", str(lists), env=env)
    assert done.returncode == 0 and done.stdout.startswith(f"wrote {lists}: ")
    done = cli("import", "--data", str(home), "synthetic", str(lists), env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("imported ")
    records = json.loads(cli("imports", "--data", str(home), "-f", "json", env=env).stdout)
    assert [r["kind"] for r in records] == ["synthetic"] and records[0]["synthetic"] is True
    synthetic = "SELECT (COUNT(*) AS ?n) { ?o ag:synthetic true }"
    counted = cli("query", "-f", "csv", synthetic, env={**env, "ALLIANCEGRAPH_DATA": str(home)})
    assert int(counted.stdout.splitlines()[1]) > 0
    done = cli("import", "--data", str(home), "--undo", records[0]["id"], env=env)
    assert done.returncode == 0 and records[0]["id"] in done.stdout
    assert json.loads(cli("imports", "--data", str(home), "-f", "json", env=env).stdout) == []
