"""The API owns every operation: what the CLI, the web app and notebooks call.

Answers are known by hand from data/: 6 alliances are named, 10 organisations, 129 facts
with provenance, 11 reported figures, 2 sources.
"""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

import pytest

import alliancegraph as ag
from alliancegraph.errors import UsageError
from alliancegraph.namespaces import AGR

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONAL = AGR + "alliance-functional-materials"


def test_summary_says_what_the_graph_holds(graph):
    s = graph.summary()
    # by hand from data/: 11 Alliance rows in entities.csv (6 of the article, 5 of other
    # sources); 18 organisations (8 Enterprise, 6 University, 3 ResearchInstitute, 1
    # GovernmentAgency); records: 135 facts + 2 lead roles of facts.csv, 21 statistics x 4
    # + 9 periods + 1 approximate, 3 memberships x 2 + 1 since, 12 quoted aliases = 250;
    # 21 rows of statistics.csv; 9 of sources.csv
    assert s.holds == {
        "alliances named": 11,
        "organisations": 18,
        "facts with provenance": 250,
        "reported figures": 21,
        "sources": 9,
    }
    d = s.to_dict()
    assert set(d) == {"location", "holds", "alliances", "figures", "reported_vs_counted"}
    assert len(d["alliances"]) == 11 and len(d["figures"]) == 21
    # keyed by statistic: two sources report a member-units figure (1934 and 58)
    reported = {r["statistic"].rsplit("/", 1)[1]: r for r in d["reported_vs_counted"]}
    assert reported["stat-alliances"]["measure_label"] == "产业技术创新战略联盟数"
    assert reported["stat-alliances"]["reported"] == 24
    # counted within the figure's scope: the article's 6, not the other sources' alliances
    assert reported["stat-alliances"]["counted"] == 6
    assert reported["stat-member-units"]["measure_label"] == "成员单位数"
    assert reported["stat-member-units"]["reported"] == 1934
    assert reported["stat-member-units"]["counted"] == 3
    df = s.to_dataframe()
    assert len(df) == 21 and {"reported", "counted"} <= set(df.columns)


def test_export_bytes_are_stable_and_the_target_names_the_format(graph, tmp_path):
    ttl = graph.export()
    assert ttl == graph.export(format="ttl") and b"@prefix ag:" in ttl
    out = graph.export(tmp_path / "g.nt")
    assert (tmp_path / "g.nt").read_bytes() == out and out.startswith(b"<")
    with pytest.raises(UsageError, match="unknown format 'xls'"):
        graph.export(format="xls")


def test_written_files_follow_the_umask(graph, tmp_path):
    old = os.umask(0o022)
    try:
        graph.export(tmp_path / "g.ttl")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "g.ttl").stat().st_mode) == 0o644


def test_open_honours_the_environment_like_the_cli(monkeypatch, session_cache, bundled_build):
    monkeypatch.setenv("ALLIANCEGRAPH_TIMEOUT", "7.5")
    monkeypatch.setenv("ALLIANCEGRAPH_HOME", str(ROOT))
    g = ag.open(cache_dir=session_cache)
    assert g.timeout == 7.5 and g.root is None and g.build is not None
    assert len(g.find("重邮")) >= 1  # the deadline wrapper answers like the store
    monkeypatch.setenv("ALLIANCEGRAPH_ENDPOINT", "http://127.0.0.1:9/query")
    remote = ag.open()
    assert "http://127.0.0.1:9/query" in remote.store.describe_location()
    assert remote.build is None
    with pytest.raises(UsageError, match="export needs the embedded build"):
        remote.export()
    monkeypatch.setenv("ALLIANCEGRAPH_TIMEOUT", "soon")
    monkeypatch.delenv("ALLIANCEGRAPH_ENDPOINT")
    with pytest.raises(UsageError, match="ALLIANCEGRAPH_TIMEOUT='soon'"):
        ag.open(cache_dir=session_cache)


def test_resolve_by_type_picks_the_alliance(graph):
    assert graph.resolve("物联网", type="ag:Alliance") == AGR + "alliance-iot"
    assert graph.resolve("物联网", type="Alliance") == AGR + "alliance-iot"
    with pytest.raises(UsageError, match="is not a ag:Alliance"):
        graph.resolve("cqupt", type="Alliance")
    matches = graph.find("联盟", type="Alliance", limit=50)
    # the 11 Alliance rows of entities.csv; not the look-alike org:OrganizationalCollaboration
    # bodies (high-tech-zones-alliance, aii-chongqing-chapter), which "联盟" also matches
    assert len(matches) == 11 and all(m.type == "ag:Alliance" for m in matches)
    assert not {AGR + "high-tech-zones-alliance", AGR + "aii-chongqing-chapter"} & {
        m.iri for m in matches
    }


def test_results_serialise_once(graph):
    m = graph.find("重邮")[0]
    assert m.to_dict()["iri"] == AGR + "cqupt" and m.to_dict()["kind"] == "alias"
    d = graph.describe("重邮").to_dict()
    assert d["iri"] == AGR + "cqupt" and d["facts"] and set(d["facts"][0]) >= {
        "predicate", "other", "evidence", "source", "inferred"
    }  # fmt: skip
    q = {q.name: q.to_dict() for q in graph.queries()}
    assert q["alliance-members"]["params"][0]["name"] == "alliance"
    assert all(x.to_dict()["tags"] for x in graph.queries(tag="statistics"))


def test_library_errors_name_no_cli_flag(graph):
    with pytest.raises(UsageError) as e:
        graph.named("entity-facts")
    assert "needs parameter 'entity'" in str(e.value) and "--" not in str(e.value)
    with pytest.raises(UsageError) as e:
        graph.named("no-such-query")
    assert "`alliancegraph" not in str(e.value)
    with pytest.raises(UsageError) as e:
        graph.describe("no such thing at all")
    assert "no entity matches" in str(e.value) and "alliancegraph" not in str(e.value)


def test_analyze_export_returns_every_file_it_wrote(graph, tmp_path):
    files = graph.analyze.export(tmp_path / "b.csv", projection="two-mode")
    assert files == [tmp_path / "b.csv", tmp_path / "b.nodes.csv"]
    assert all(f.stat().st_size > 0 for f in files)
    assert graph.analyze.export(tmp_path / "b.gexf", projection="two-mode") == [tmp_path / "b.gexf"]


def test_analyze_answers_through_the_graph(graph):
    path = graph.analyze.path("铂制品", "重庆市功能材料技术创新战略联盟")
    assert len(path) >= 2 and path.iloc[-1]["to_iri"] == FUNCTIONAL
    G = graph.analyze.projection("two-mode")
    assert G.number_of_nodes() > 0
    central = graph.analyze.central("degree", "entity", top=3)
    assert list(central["rank"]) == [1, 2, 3]


def _members_csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["单位名称", "单位类型", "角色"])
        w.writerow(["重庆测试新材料有限公司", "企业", "成员单位"])
        w.writerow(["重材院", "科研机构", "理事长单位"])
    return path


def test_analysis_after_an_import_sees_the_imported_members(tmp_path):
    """The catalogue (labels, classes, memberships) and the networks measured on it are
    kept per open graph; an import changes what the graph answers, so they are read anew."""
    g = ag.open(root=ROOT, cache_dir=tmp_path / "cache", data_home=tmp_path / "home")
    before = g.analyze.projection("two-mode")
    labels = {d["label"] for _, d in before.nodes(data=True)}
    assert "重庆测试新材料有限公司" not in labels
    g.imports.members(_members_csv(tmp_path / "m.csv"), "功能材料", "测试名单")
    after = g.analyze.projection("two-mode")
    found = [n for n, d in after.nodes(data=True) if d["label"] == "重庆测试新材料有限公司"]
    assert len(found) == 1 and after.nodes[found[0]]["type"] == "ag:Enterprise"
    assert after.has_edge(FUNCTIONAL, found[0]) or after.has_edge(found[0], FUNCTIONAL)


def test_imports_round_trip_through_the_api(tmp_path):
    g = ag.open(root=ROOT, cache_dir=tmp_path / "cache", data_home=tmp_path / "home")
    assert g.imports.list() == []
    ask = "ASK { ?a org:hasMember ?m . ?m rdfs:label '重庆测试新材料有限公司'@zh }"
    assert not g.query(ask).boolean
    report = g.imports.members(_members_csv(tmp_path / "m.csv"), "功能材料", "测试名单")
    assert report.rows == 2
    [record] = g.imports.list()
    assert record["alliance"] == FUNCTIONAL
    assert g.query(ask).boolean  # the same object answers from the new build
    g.imports.undo(record["id"])
    assert g.imports.list() == [] and not g.query(ask).boolean
