"""Issue 13, defects b, f, g, h, i and j: each test failed on the code before its fix
(f excepted: files already followed the umask; its tests keep every writer honest).

b  a CSV export is Gephi's spreadsheet import: an edge table and a node table;
f  every writer creates files with the mode the umask gives;
g  tables print whole cells when piped and wrap, never cut, in an 80-column terminal;
h  a row with more cells than the header is an error; the delimiter is sniffed;
i  plural forms; labels wherever an entity is shown; the 404 page offers search;
j  a degenerate metric says why, with the projection's size.
"""

from __future__ import annotations

import csv
import json
import os
import re
import select
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from test_web import running

import alliancegraph as ag
from alliancegraph import synthetic
from alliancegraph.errors import DataError
from alliancegraph.graph import AllianceGraph
from alliancegraph.members import read_table
from alliancegraph.namespaces import AG, AGR, GRAPH_ONTOLOGY, PREFIXES, RDF
from alliancegraph.store import EmbeddedStore
from alliancegraph.web.app import Settings, create_app

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONAL = AGR + "alliance-functional-materials"
FUNCTIONAL_ZH = "重庆市功能材料技术创新战略联盟"
CMRI = AGR + "chongqing-materials-research-institute"
#: Columns Gephi's spreadsheet import takes for its own (compared case-insensitively).
GEPHI = {"source", "target", "id", "label", "type", "weight", "interval", "kind"}


def cli(*args: str, env: dict[str, str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "alliancegraph.cli", *args],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=300, **kw,
    )  # fmt: skip


@pytest.fixture(scope="module")
def env(graph, session_cache) -> dict[str, str]:
    """CLI environment on the session's cache, where the bundled graph is already built."""
    return {"ALLIANCEGRAPH_CACHE": str(session_cache), "ALLIANCEGRAPH_HOME": str(ROOT)}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def umask022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


# -- b: Gephi's spreadsheet import ------------------------------------------------------------


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_b_two_mode_csv_is_an_edge_table_and_a_node_table(graph, tmp_path):
    out, node_table = graph.analyze.export(tmp_path / "x.csv", "two-mode")
    assert node_table == tmp_path / "x.nodes.csv"
    edges, nodes = _read(out), _read(node_table)
    e_cols, n_cols = list(edges[0]), list(nodes[0])
    assert e_cols[:2] == ["Source", "Target"] and "Weight" in e_cols
    assert n_cols[:3] == ["Id", "Label", "type"]
    for cols in (e_cols, n_cols):  # no attribute Gephi would mistake for one of its own
        own = [c.casefold() for c in cols if c.casefold() in GEPHI]
        assert len(own) == len(set(own)), cols
    label = {n["Id"]: n["Label"] for n in nodes}
    kind = {n["Id"]: n["type"] for n in nodes}
    # issue 15: 3 curated leads (no supporting institutions: the article's 依托 is what the
    # aviation members drew on) and the chemical new materials alliance's 2 leads, 4 members
    assert len(edges) == 9 and len(nodes) == 13
    assert all(e["Source"] in label and e["Target"] in label for e in edges)
    assert {kind[e["Source"]] for e in edges} == {"ag:Alliance"}  # the alliance, not a title
    assert (FUNCTIONAL, CMRI) in {(e["Source"], e["Target"]) for e in edges}
    assert label[FUNCTIONAL] == FUNCTIONAL_ZH and label[CMRI] == "重庆材料研究院"
    assert all(float(e["Weight"]) == 1.0 for e in edges)
    row = next(e for e in edges if e["Target"] == CMRI)
    assert row["source_label"] == FUNCTIONAL_ZH and row["target_label"] == "重庆材料研究院"
    assert row["source_document"].startswith("24个创新联盟")  # kept, under its own name


def test_b_edge_table_keeps_the_ends_and_the_source_document_apart(graph):
    G = graph.analyze.projection("two-mode")
    df = graph.analyze.edges(G)
    assert {G.nodes[n]["bipartite"] for n in df["source"]} == {0}  # alliances, not titles
    assert {G.nodes[n]["bipartite"] for n in df["target"]} == {1}
    article = df["source"].isin([FUNCTIONAL, AGR + "alliance-industrial-internet",
                                 AGR + "alliance-general-aviation"])  # fmt: skip
    assert article.sum() == 3
    assert df[article]["source_document"].str.startswith("24个创新联盟").all()


def test_b_cli_names_both_files(env, tmp_path):
    r = cli("analyze", "export", "-P", "two-mode", "--out", str(tmp_path / "x.csv"), env=env)
    assert r.returncode == 0, r.stderr
    assert "x.nodes.csv" in r.stderr and (tmp_path / "x.nodes.csv").exists()


# -- f: files follow the umask ----------------------------------------------------------------


def test_f_every_writer_follows_the_umask(graph, tmp_path, umask022):
    written = [
        graph.export(tmp_path / "g.ttl") and tmp_path / "g.ttl",
        *graph.analyze.export(tmp_path / "p.gexf", "two-mode"),
        *graph.analyze.export(tmp_path / "p.csv", "two-mode"),
        graph.view("alliance", FUNCTIONAL_ZH).save(tmp_path / "v.html"),
        *synthetic.write(synthetic.generate(0.05, seed=1), tmp_path / "synth"),
    ]
    table = graph.analyze.metrics("comembership")
    written.append(graph.analyze.write_metrics(table, tmp_path / "m.nq", "comembership"))
    assert {p.name: oct(mode(p)) for p in written} == {p.name: "0o644" for p in written}


def test_f_cli_writers_follow_the_umask(env, tmp_path):
    def run(*args: str) -> None:
        r = subprocess.run(
            ["sh", "-c", 'umask 022 && exec "$@"', "sh", sys.executable, "-m",
             "alliancegraph.cli", *args],
            capture_output=True, text=True, env={**os.environ, **env}, timeout=300,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr

    run("export", "--out", str(tmp_path / "g.nq"))
    run("analyze", "export", "-P", "two-mode", "--out", str(tmp_path / "p.csv"))
    run("view", "alliance", FUNCTIONAL_ZH, "--out", str(tmp_path / "v.html"))
    run("synth", "-k", "0.05", "--out", str(tmp_path / "s"))
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) >= 8
    assert {p.name: oct(mode(p)) for p in files} == {p.name: "0o644" for p in files}


# -- g: whole cells piped, wrapped in a narrow terminal ---------------------------------------

EVIDENCE = "由重材院牵头建立的重庆市功能材料技术创新战略联盟"


def test_g_piped_tables_print_whole_cells(env):
    r = cli("describe", "chongqing-materials-research-institute", env=env)
    assert r.returncode == 0, r.stderr
    assert EVIDENCE in r.stdout and "…" not in r.stdout
    r = cli("analyze", "central", "-m", "degree", "-P", "two-mode", env=env)
    assert FUNCTIONAL_ZH in r.stdout and "…" not in r.stdout


def _in_terminal(args: list[str], env: dict[str, str], columns: int = 80) -> str:
    """Run the CLI with its stdout on a pseudo-terminal ``columns`` wide; the text it shows."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    p = subprocess.Popen(
        [sys.executable, "-m", "alliancegraph.cli", *args],
        stdout=follower, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        env={**os.environ, **env, "COLUMNS": str(columns), "TERM": "xterm"},
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            p.kill()
            break
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    p.wait(30)
    os.close(leader)
    text = b"".join(chunks).decode("utf-8", errors="replace")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "")


def _column(text: str, index: int) -> str:
    """Column ``index`` of a rich table's body, its wrapped lines joined."""
    cells = [line.split("│") for line in text.splitlines() if line.count("│") > index + 1]
    return "".join(c[index + 1].strip() for c in cells)


def test_g_an_80_column_terminal_wraps_labels_instead_of_cutting_them(env):
    text = _in_terminal(["describe", "chongqing-materials-research-institute"], env)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    assert EVIDENCE in _column(text, 3)  # the evidence column, wrapped over several lines
    text = _in_terminal(["analyze", "central", "-m", "degree", "-P", "two-mode"], env)
    assert "…" not in text and FUNCTIONAL_ZH in _column(text, 2)


# -- h: extra cells and delimiters -------------------------------------------------------------


def test_h_a_row_with_more_cells_than_the_header_is_an_error(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("单位名称,单位类型\n重材院,科研机构\n重庆某公司,企业,多余的值\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_table(p)
    assert "m.csv:3" in str(e.value) and "多余的值" in str(e.value)
    # trailing empty cells (a spreadsheet's habit) drop nothing and stay accepted
    p.write_text("单位名称,单位类型\n重材院,科研机构,,\n", encoding="utf-8")
    assert read_table(p).rows == [(2, ["重材院", "科研机构", "", ""])]


@pytest.mark.parametrize("sep,name", [(",", "comma"), (";", "semicolon"), ("\t", "tab")])
def test_h_the_delimiter_is_sniffed(tmp_path, sep, name):
    p = tmp_path / "m.csv"
    p.write_text(
        f"单位名称{sep}单位类型{sep}角色\n重材院{sep}科研机构{sep}理事长单位\n"
        f'"重庆某某, 有限公司"{sep}企业{sep}\n',
        encoding="utf-8",
    )
    t = read_table(p)
    assert t.header == ["单位名称", "单位类型", "角色"] and t.delimiter == sep
    assert t.rows == [
        (2, ["重材院", "科研机构", "理事长单位"]),
        (3, ["重庆某某, 有限公司", "企业", ""]),  # a quoted comma stays in its cell
    ]
    assert name in t.describe()


def test_h_and_i_the_import_reports_its_delimiter_and_labels_its_memberships(tmp_path):
    g = ag.open(root=ROOT, cache_dir=tmp_path / "cache", data_home=tmp_path / "home")
    p = tmp_path / "members.csv"
    p.write_text("单位名称;单位类型;角色\n重材院;科研机构;理事长单位\n", encoding="utf-8")
    report = g.imports.members(p, FUNCTIONAL_ZH, "测试名单")
    assert any("semicolon" in line and "members.csv" in line for line in report.lines())
    d = g.describe(FUNCTIONAL)
    memberships = [f for f in d.facts if "/import/" in str(f.other.value)]
    assert memberships, "the import made a membership node"
    for f in memberships:
        assert f.other_label and "重庆材料研究院" in f.other_label and "理事长单位" in f.other_label
    assert not [m for m in g.find("功能材料") if "/import/" in m.iri]  # names stay unique


# -- i: plurals, labels, the 404 page ----------------------------------------------------------


def test_i_plural_forms():
    from alliancegraph.cli.common import plural

    assert plural(1, "fact") == "1 fact" and plural(2, "fact") == "2 facts"
    assert plural(1, "query") == "1 query" and plural(3, "query") == "3 queries"
    assert plural(0, "match") == "0 matches"


def test_i_describe_counts_one_fact(env):
    r = cli("describe", "tsinghua-university", env=env)  # one fact: ag:drewOn (issue 15)
    assert "1 fact;" in r.stdout and "1 facts" not in r.stdout


def test_i_an_unlabelled_other_end_gets_a_readable_label():
    s = ox.Store()
    s.load(
        path=str(ROOT / "ontology" / "alliance.ttl"), format=ox.RdfFormat.TURTLE,
        to_graph=ox.NamedNode(GRAPH_ONTOLOGY),
    )  # fmt: skip
    ttl = f"""
    @prefix ag: <{AG}> . @prefix agr: <{AGR}> . @prefix rdf: <{RDF}> .
    @prefix rdfs: <{PREFIXES["rdfs"]}> . @prefix org: <{PREFIXES["org"]}> .
    agr:ally a ag:Alliance ; rdfs:label "测试联盟"@zh .
    agr:acme a ag:Enterprise ; rdfs:label "测试公司"@zh .
    <{AGR}import/m-1/m5> a org:Membership ; org:member agr:acme ; org:organization agr:ally .
    """
    s.load(ttl.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(AGR + "graph/t"))
    g = AllianceGraph(EmbeddedStore(s))
    [f] = [f for f in g.describe("agr:acme").facts if f.predicate == "org:member"]
    assert f.other_label == "成员关系：测试公司 · 测试联盟"  # its class, then what it links
    assert g.describe(f"<{AGR}import/m-1/m5>").label == "成员关系：测试公司 · 测试联盟"


@pytest.fixture(scope="module")
def client(graph):
    app = create_app(graph, Settings(timeout=20, workers=2))
    with running(app) as url, httpx.Client(base_url=url, timeout=60) as c:
        yield c


def test_i_the_entity_page_counts_one_fact(client):
    page = client.get("/entity/tsinghua-university").text
    assert "1 facts" not in page and re.search(r"\b1 fact\b", page) and "1 条事实" in page


def test_i_the_404_page_offers_search_not_a_command(client):
    r = client.get("/entity/chongqing-materials-reserch-institute")
    assert r.status_code == 404
    assert "alliancegraph find" not in r.text and "`" not in r.text
    assert re.search(r'<form[^>]*action="/search"', r.text) and 'name="q"' in r.text
    assert 'value="chongqing materials reserch institute"' in r.text  # the slug, as words
    r = client.get("/alliance/no-such-alliance")
    assert r.status_code == 404 and 'action="/search"' in r.text


# -- j: degenerate metrics say why -------------------------------------------------------------


def test_j_a_degenerate_metric_says_why(graph):
    df = graph.analyze.central("betweenness", "comembership")
    assert set(df["betweenness"]) == {0.0}
    note = df.attrs["note"]
    # the three curated leads alone, the chemical alliance's six organisations (issue 15)
    assert "9 nodes" in note and "15 edges" in note and "4 components" in note
    assert "entity" in note and "--" not in note  # no CLI flag in the library's words
    assert "note" not in graph.analyze.central("betweenness", "entity").attrs


def test_j_the_cli_prints_the_note(env):
    r = cli("analyze", "central", "-m", "betweenness", "-P", "comembership", env=env)
    assert r.returncode == 0 and "4 components" in r.stdout and "entity" in r.stdout
    r = cli("analyze", "central", "-m", "betweenness", "-P", "comembership", "-f", "json",
            env=env)  # fmt: skip
    assert "4 components" in json.loads(r.stdout)["meta"]["note"]
