"""Member-list import: reading, checking, entity resolution, all-or-nothing, undo, atomicity.

Every import here goes into a private data folder and cache under tmp; the curated data is
the bundled checkout, read only.
"""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from alliancegraph.build import Cache
from alliancegraph.cli import app
from alliancegraph.errors import DataError
from alliancegraph.imports import ImportStore, import_members, undo
from alliancegraph.members import (
    credit_code_check_char,
    credit_code_valid,
    name_key,
    parse_date,
    read_table,
)
from alliancegraph.namespaces import AGR, GRAPH_IMPORT_PREFIX
from alliancegraph.store import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent
CMRI = AGR + "chongqing-materials-research-institute"
ALLIANCE = AGR + "alliance-functional-materials"  # 重庆市功能材料技术创新战略联盟
IOT = AGR + "alliance-iot"
NAME = "重庆市功能材料技术创新战略联盟"  # what a user types; the API resolves it
HEADER = ["单位名称", "简称", "单位类型", "角色", "加入时间", "所在地", "统一社会信用代码"]


def write_csv(path: Path, rows: list[list[str]], header=HEADER, encoding="utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


@pytest.fixture(scope="module")
def module_cache(tmp_path_factory) -> Path:
    """One build cache for the module: builds are keyed by content, so tests share the
    curated build (and any identical build) safely."""
    return tmp_path_factory.mktemp("members-cache")


@pytest.fixture()
def env(tmp_path, module_cache):
    """A private data folder and the module's cache, as the pipeline's keyword arguments."""
    return {"root": ROOT, "cache_dir": module_cache, "home": tmp_path / "home"}


def snapshot(env) -> dict[str, str]:
    """Hashes of every file in the import folder and of the current built dataset."""
    cache, home = env["cache_dir"], env["home"]
    out = {}
    for p in sorted((home / "imports").glob("*")) if (home / "imports").exists() else []:
        out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
    current = Cache(cache).current()
    if current:
        out["dataset.nq"] = hashlib.sha256(current.nquads_path.read_bytes()).hexdigest()
    return out


def select(env, sparql: str) -> list[tuple]:
    current = Cache(env["cache_dir"]).current()
    return EmbeddedStore.open(current.store_path).query(sparql).rows


# -- units --------------------------------------------------------------------------------------


def test_credit_code_checksum_gb32100():
    assert credit_code_valid("91350100M000100Y43")  # the standard's worked example
    assert not credit_code_valid("91350100M000100Y44")
    assert not credit_code_valid("91350100M000100Y4")  # 17 characters
    assert not credit_code_valid("91350100M000100YI3")  # I is not in the alphabet


def test_name_key_ignores_width_spaces_brackets_and_suffixes():
    same = [
        "重庆材料研究院",
        "重庆材料研究院有限公司",
        "重庆材料研究院（有限公司）",
        "重庆 材料研究院",
    ]
    assert {name_key(n) for n in same} == {"重庆材料研究院"}
    assert name_key("西南铝业(集团)有限责任公司") == name_key("西南铝业（集团）股份有限公司")
    assert name_key("重庆邮电大学") != name_key("重庆大学")


def test_dates_keep_their_precision():
    assert parse_date("2019-05-20") == ("2019-05-20", "http://www.w3.org/2001/XMLSchema#date")
    assert parse_date("2019年5月")[0] == "2019-05"
    assert parse_date("2019")[0] == "2019"
    assert parse_date("2019-02-30") is None
    assert parse_date("20190520") is None


def test_reads_utf8_bom_gb18030_and_xlsx_alike(tmp_path):
    import openpyxl

    rows = [["重庆示例科技有限公司", "", "企业", "成员单位", "2020-01-02", "渝北区", ""]]
    bom = write_csv(tmp_path / "bom.csv", rows, encoding="utf-8-sig")
    gb = write_csv(tmp_path / "gb.csv", rows, encoding="gb18030")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(rows[0])
    wb.save(tmp_path / "list.xlsx")
    tables = [read_table(p) for p in (bom, gb, tmp_path / "list.xlsx")]
    assert [t.encoding for t in tables] == ["utf-8-sig", "gb18030", "xlsx"]
    for t in tables:
        assert t.header == HEADER
        assert t.rows == [(2, rows[0])]


# -- imports ------------------------------------------------------------------------------------


def test_three_spellings_resolve_to_one_node_and_become_aliases(env, tmp_path):
    f = write_csv(
        tmp_path / "members.csv",
        [
            ["重庆材料研究院有限公司", "", "科研机构", "理事长单位", "2019-05-20", "", ""],
            ["重材院", "", "科研机构", "", "", "", ""],
            ["重庆材料研究院（有限公司）", "", "", "成员单位", "2020年3月", "", ""],
        ],
    )
    report = import_members(f, ALLIANCE, "测试名单", **env)
    assert report.changed and report.rows == 3
    assert report.new.get("org", 0) == 0 and report.linked == 3
    members = select(
        env,
        f"SELECT DISTINCT ?m WHERE {{ GRAPH ?g {{ ?a org:hasMember ?m }} "
        f'FILTER(STRSTARTS(STR(?g), "{GRAPH_IMPORT_PREFIX}")) }}',
    )
    assert [m[0].value for m in members] == [CMRI]
    aliases = {r[0].value for r in select(env, f"SELECT ?l WHERE {{ <{CMRI}> skos:altLabel ?l }}")}
    assert {"重材院", "重庆材料研究院有限公司", "重庆材料研究院（有限公司）"} <= aliases
    roles = select(
        env,
        f"SELECT ?r WHERE {{ ?m a org:Membership ; org:member <{CMRI}> ; "
        "org:role/rdfs:label ?r FILTER(lang(?r) = 'zh') } ORDER BY ?r",
    )
    # 牵头单位: the curated lead is an org:Membership with the same role IRI since issue 15
    assert sorted(r[0].value for r in roles) == ["成员单位", "牵头单位", "理事长单位"]
    where = select(
        env,
        f"SELECT ?loc ?ev WHERE {{ ?s rdf:subject ?a ; rdf:predicate org:hasMember ; "
        f"rdf:object <{CMRI}> ; ag:sourceLocation ?loc ; ag:evidenceText ?ev ; "
        "prov:wasDerivedFrom/dcterms:title '测试名单' } ORDER BY ?loc",
    )
    assert [w[0].value for w in where] == ["members.csv:2", "members.csv:3", "members.csv:4"]
    assert where[1][1].value == "重材院，科研机构"


def test_organisations_sharing_a_short_name_are_reported_not_merged(env, tmp_path):
    f = write_csv(
        tmp_path / "shared.csv",
        [
            ["重庆东篱示例科技有限公司", "东篱科技", "企业", "", "", "", ""],
            ["成都东篱示例科技有限公司", "东篱科技", "企业", "", "", "", ""],
        ],
    )
    report = import_members(f, ALLIANCE, "测试名单", **env)
    assert report.new["org"] == 2
    assert any("'东篱科技' is shared by 2 organisations" in w for w in report.warnings)
    rows = select(
        env,
        "SELECT ?n (COUNT(DISTINCT ?c) AS ?k) WHERE { ?n a ag:UnresolvedName ; "
        "rdfs:label '东篱科技'@zh ; ag:candidate ?c } GROUP BY ?n",
    )
    assert len(rows) == 1 and int(rows[0][1].value) == 2
    # a later row naming only the short name cannot be decided: rejected, with candidates
    g = write_csv(tmp_path / "short.csv", [["东篱科技", "", "企业", "", "", "", ""]])
    with pytest.raises(DataError) as e:
        import_members(g, ALLIANCE, "测试名单", **env)
    assert "short.csv:2" in str(e.value) and "重庆东篱示例科技有限公司" in str(e.value)
    assert "成都东篱示例科技有限公司" in str(e.value)


def test_credit_code_is_decisive_and_conflicts_block(env, tmp_path):
    c = code("91500000MA5U00001")
    f = write_csv(tmp_path / "a.csv", [["重庆澄川示例电子有限公司", "", "企业", "", "", "", c]])
    import_members(f, ALLIANCE, "测试名单", **env)
    # same code, another spelling: linked to the same node, spelling kept as an alias
    g = write_csv(tmp_path / "b.csv", [["澄川电子", "", "企业", "", "", "", c]])
    report = import_members(g, IOT, "测试名单", **env)
    assert report.linked == 1 and report.new.get("org", 0) == 0
    assert any("by its credit code" in w for w in report.warnings)
    # the code names one organisation, the name another: reported, nothing imported
    h = write_csv(tmp_path / "c.csv", [["重庆邮电大学", "", "高等院校", "", "", "", c]])
    before = snapshot(env)
    with pytest.raises(DataError) as e:
        import_members(h, IOT, "测试名单", **env)
    assert "c.csv:2" in str(e.value) and "agr:cqupt" in str(e.value)
    assert snapshot(env) == before


def test_three_bad_rows_reject_the_whole_file_and_change_nothing(env, tmp_path):
    good = write_csv(
        tmp_path / "good.csv", [["重庆鹿鸣示例科技有限公司", "", "企业", "", "", "", ""]]
    )
    import_members(good, ALLIANCE, "测试名单", **env)
    before = snapshot(env)
    assert "dataset.nq" in before
    bad = write_csv(
        tmp_path / "bad.csv",
        [
            ["重庆甲示例科技有限公司", "", "公司", "成员单位", "2019-01-01", "", ""],
            ["重庆乙示例科技有限公司", "", "企业", "成员单位", "2019-13-01", "", ""],
            ["重庆丙示例科技有限公司", "", "企业", "", "", "", "91350100M000100Y44"],
            ["重庆丁示例科技有限公司", "", "企业", "", "", "", ""],
        ],
    )
    with pytest.raises(DataError) as e:
        import_members(bad, ALLIANCE, "测试名单", **env)
    problems = e.value.problems
    assert [p.location for p in problems] == ["bad.csv:2", "bad.csv:3", "bad.csv:4"]
    assert "单位类型" in problems[0].message and "'公司'" in problems[0].message
    assert "企业" in problems[0].message  # what was expected
    assert "加入时间" in problems[1].message and "'2019-13-01'" in problems[1].message
    assert "统一社会信用代码" in problems[2].message and "'3'" in problems[2].message
    assert snapshot(env) == before


def test_import_undo_reimport_and_repeat_are_stable(env, tmp_path):
    home = env["home"]
    f = write_csv(
        tmp_path / "m.csv", [["重庆翠微示例科技有限公司", "", "企业", "成员单位", "", "", ""]]
    )
    first = import_members(f, ALLIANCE, "测试名单", **env)
    after_first = snapshot(env)
    again = import_members(f, ALLIANCE, "测试名单", **env)
    assert not again.changed and snapshot(env) == after_first
    assert [r["id"] for r in ImportStore(home).records()] == [first.id]
    undo(first.id, **env)
    after_undo = snapshot(env)
    assert list(after_undo) == ["manifest.json", "dataset.nq"]
    assert not select(env, "SELECT ?o WHERE { ?o rdfs:label '重庆翠微示例科技有限公司'@zh }")
    second = import_members(f, ALLIANCE, "测试名单", **env)
    after_second = snapshot(env)
    # the same layer bytes and the same dataset bytes; only the manifest's timestamp differs
    assert second.id == first.id
    assert {k: v for k, v in after_second.items() if k != "manifest.json"} == {
        k: v for k, v in after_first.items() if k != "manifest.json"
    }
    assert f"{first.id}.nq" in after_second


def test_undo_removes_exactly_one_import(env, tmp_path):
    a = write_csv(tmp_path / "a.csv", [["重庆玉泉示例科技有限公司", "", "企业", "", "", "", ""]])
    b = write_csv(tmp_path / "b.csv", [["重庆金桥示例科技有限公司", "", "企业", "", "", "", ""]])
    ra = import_members(a, ALLIANCE, "名单甲", **env)
    rb = import_members(b, ALLIANCE, "名单乙", **env)
    undo(ra.id, **env)
    assert [r["id"] for r in ImportStore(env["home"]).records()] == [rb.id]
    names = {r[0].value for r in select(env, "SELECT ?l WHERE { ?a org:hasMember/rdfs:label ?l }")}
    assert "重庆金桥示例科技有限公司" in names and "重庆玉泉示例科技有限公司" not in names


def test_a_crash_halfway_leaves_the_previous_dataset_intact(env, tmp_path, monkeypatch):
    a = write_csv(tmp_path / "a.csv", [["重庆松涛示例科技有限公司", "", "企业", "", "", "", ""]])
    import_members(a, ALLIANCE, "测试名单", **env)
    before = snapshot(env)
    b = write_csv(tmp_path / "b.csv", [["重庆海棠示例科技有限公司", "", "企业", "", "", "", ""]])
    real_replace = os.replace

    def crash_on_manifest(src, dst):
        if str(dst).endswith("manifest.json"):
            raise OSError("simulated crash")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_manifest)
    with pytest.raises(OSError, match="simulated crash"):
        import_members(b, ALLIANCE, "测试名单", **env)
    monkeypatch.setattr(os, "replace", real_replace)
    assert snapshot(env) == before
    assert not [p for p in (env["home"] / "imports").iterdir() if p.name.startswith(".")]


def test_cli_import_list_and_undo(env, tmp_path):
    root, cache, home = env["root"], env["cache_dir"], env["home"]
    f = write_csv(tmp_path / "cli.csv", [["重庆长风示例科技有限公司", "", "企业", "", "", "", ""]])
    runner = CliRunner()
    opts = ["--root", str(root), "--cache", str(cache), "--data", str(home)]
    r = runner.invoke(app, ["import", *opts, "members", str(f), "-a", NAME, "-s", "名单"])
    assert r.exit_code == 0, r.output
    import_id = r.output.split()[1].rstrip(":")
    r = runner.invoke(app, ["imports", "--data", str(home), "--format", "json"])
    assert import_id in r.output and "cli.csv" in r.output
    bad = write_csv(tmp_path / "bad.csv", [["", "", "公司", "", "", "", ""]])
    r = runner.invoke(app, ["import", *opts, "members", str(bad), "-a", NAME, "-s", "名单"])
    assert r.exit_code == 1 and "bad.csv:2" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["import", *opts, "--undo", import_id])
    assert r.exit_code == 0 and import_id in r.output
    assert ImportStore(home).records() == []
