"""A curation workspace (``alliancegraph init``) and imports of any entity and fact
(issue 15, items 1 and 2): a new alliance with its lead from CSV, a member list into it
from XLSX, both read back with their provenance, both undone, the workspace as before.

The fixture source is a two-sentence text written for the test (a made-up alliance), so
every answer is known by hand."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

import alliancegraph as ag
from alliancegraph.cli import app
from alliancegraph.errors import DataError
from alliancegraph.namespaces import AG, AGR, SCHEMA

SOURCE_TEXT = (
    "示例传感技术创新战略联盟于2021年3月15日成立，由示例传感研究院牵头，"
    "聚焦智能传感产业。\n"
)
ENTITIES = (
    "id,type,label_zh,label_en,alt_labels,note\n"
    "alliance-demo-sensing,Alliance,示例传感技术创新战略联盟,,示例传感联盟,\n"
    "demo-sensing-institute,ResearchInstitute,示例传感研究院,,,\n"
    "field-demo-smart-sensing,IndustryField,智能传感,,,\n"
)
FACTS = (
    "subject,predicate,object,datatype,source,evidence\n"
    "alliance-demo-sensing,ag:leadInstitution,demo-sensing-institute,,source-demo,"
    "由示例传感研究院牵头\n"
    "alliance-demo-sensing,schema:foundingDate,2021-03-15,xsd:date,source-demo,"
    "于2021年3月15日成立\n"
    "alliance-demo-sensing,ag:focusIndustry,field-demo-smart-sensing,,source-demo,"
    "聚焦智能传感产业\n"
)


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _members_xlsx(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["单位名称", "单位类型", "角色"])
    ws.append(["示例传感科技有限公司", "企业", "成员单位"])
    ws.append(["示例微电子有限公司", "企业", "成员单位"])
    wb.save(path)
    return path


@pytest.fixture()
def workspace(tmp_path, monkeypatch) -> Path:
    """``alliancegraph init`` run as a user would, with the fixture source added."""
    monkeypatch.setenv("ALLIANCEGRAPH_CACHE", str(tmp_path / "cache"))
    ws = tmp_path / "ws"
    result = CliRunner().invoke(app, ["init", str(ws)])
    assert result.exit_code == 0, result.output
    sources = ws / "data" / "sources.csv"
    with sources.open("a", encoding="utf-8") as f:
        f.write("source-demo,示例传感联盟成立通知,,示例出版者,,2021-03-16,,\n")
    (ws / "data" / "sources" / "source-demo.txt").write_text(SOURCE_TEXT, encoding="utf-8")
    return ws


def test_init_makes_a_workspace_with_the_bundled_graph_as_base(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLIANCEGRAPH_CACHE", str(tmp_path / "cache"))
    ws = ag.init(tmp_path / "ws")
    for table, header in (
        ("sources.csv", "id,title,label_zh,publisher,creator,issued,url,note"),
        ("entities.csv", "id,type,label_zh,label_en,alt_labels,note"),
        ("facts.csv", "subject,predicate,object,datatype,source,evidence"),
        ("statistics.csv", "id,measure,value,unit,scope,source,evidence"),
    ):
        assert (ws / "data" / table).read_text(encoding="utf-8") == header + "\n"
    assert (ws / "data" / "sources").is_dir()
    assert (ws / "ontology" / "shapes.ttl").exists()
    assert "base = true" in (ws / "alliancegraph.toml").read_text(encoding="utf-8")
    assert "label_zh" in (ws / "README.md").read_text(encoding="utf-8")
    g = ag.open(root=ws)
    assert g.data_home == ws  # the workspace keeps its own imports
    assert g.query("ASK { agr:alliance-iot a ag:Alliance }").boolean  # the base layer
    empty = ag.open(root=ag.init(tmp_path / "empty", empty=True))
    assert not empty.query("ASK { ?a a ag:Alliance }").boolean
    with pytest.raises(ag.UsageError, match="not an empty folder"):
        ag.init(ws)


def test_env_home_makes_every_command_work_on_the_workspace(workspace, monkeypatch):
    monkeypatch.setenv("ALLIANCEGRAPH_HOME", str(workspace))
    (workspace / "entities.csv").write_text(ENTITIES, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["import", "entities", str(workspace / "entities.csv")])
    assert result.exit_code == 0, result.output
    assert "new: 1 Alliance, 1 IndustryField, 1 ResearchInstitute" in result.output
    listed = runner.invoke(app, ["imports", "--format", "json"])
    assert '"kind": "entities"' in listed.output
    query = "SELECT ?l WHERE { agr:alliance-demo-sensing rdfs:label ?l }"
    found = runner.invoke(app, ["query", query])
    assert "示例传感技术创新战略联盟" in found.output


def test_new_alliance_then_members_with_provenance_and_undo(workspace, tmp_path):
    g = ag.open(root=workspace)
    before = _hashes(workspace)
    dataset_before = g.build.nquads_path.read_bytes()

    (tmp_path / "entities.csv").write_text(ENTITIES, encoding="utf-8")
    (tmp_path / "facts.csv").write_text(FACTS, encoding="utf-8")
    entities = g.imports.entities(tmp_path / "entities.csv")
    facts = g.imports.facts(tmp_path / "facts.csv")
    members = g.imports.members(
        _members_xlsx(tmp_path / "members.xlsx"), "示例传感联盟", "示例传感联盟秘书处名单"
    )
    assert [r["kind"] for r in g.imports.list()] == ["entities", "facts", "members"]
    assert facts.new == {"facts": 3} and members.new.get("org") == 2

    # the lead, the founding date and the field, each with its quote and source
    r = g.query("""
        SELECT ?p ?o ?quote ?src WHERE {
          ?st rdf:subject agr:alliance-demo-sensing ; rdf:predicate ?p ; rdf:object ?o ;
              ag:evidenceText ?quote ; prov:wasDerivedFrom ?src .
          agr:alliance-demo-sensing ?p ?o .
          FILTER(?p != org:hasMember)
        } ORDER BY ?p""")
    got = {(p, o, q, s) for p, o, q, s in zip(*(r.values(v) for v in ("p", "o", "quote", "src")),
                                            strict=True)}  # fmt: skip
    src = AGR + "source-demo"
    assert got == {
        (AG + "leadInstitution", AGR + "demo-sensing-institute", "由示例传感研究院牵头", src),
        (SCHEMA + "foundingDate", "2021-03-15", "于2021年3月15日成立", src),
        (AG + "focusIndustry", AGR + "field-demo-smart-sensing", "聚焦智能传感产业", src),
    }
    # the member list: two memberships of the new alliance, citing the list
    r = g.query("""
        SELECT ?name ?srcLabel WHERE {
          agr:alliance-demo-sensing org:hasMember ?m . ?m rdfs:label ?name .
          ?st rdf:subject agr:alliance-demo-sensing ; rdf:predicate org:hasMember ;
              rdf:object ?m ; prov:wasDerivedFrom ?s .
          ?s rdfs:label ?srcLabel .
          FILTER(LANG(?name) = "zh")
        } ORDER BY ?name""")
    assert sorted(r.values("name")) == ["示例传感科技有限公司", "示例微电子有限公司"]
    assert set(r.values("srcLabel")) == {"示例传感联盟秘书处名单"}

    for report in (members, facts, entities):  # newest first
        g.imports.undo(report.id)
    assert g.imports.list() == []
    assert _hashes(workspace) == before
    assert g.build.nquads_path.read_bytes() == dataset_before


def test_bad_rows_are_all_named_and_nothing_changes(workspace, tmp_path):
    g = ag.open(root=workspace)
    before = _hashes(workspace)
    (tmp_path / "entities.csv").write_text(ENTITIES, encoding="utf-8")
    g.imports.entities(tmp_path / "entities.csv")
    bad = (
        "subject,predicate,object,datatype,source,evidence\n"
        "alliance-demo-sensing,ag:leadInstitution,demo-sensing-institute,,source-demo,"
        "由示例大学牵头\n"  # not in the stored text
        "alliance-demo-sensing,schema:foundingDate,2021-3-15,xsd:date,source-demo,"
        "于2021年3月15日成立\n"  # malformed date
        "alliance-demo-sensing,ag:focusIndustry,field-demo-smart-sensing,,,聚焦智能传感产业\n"
        "alliance-nowhere,ag:focusIndustry,field-demo-smart-sensing,,source-demo,"
        "聚焦智能传感产业\n"  # unknown subject
    )
    (tmp_path / "bad.csv").write_text(bad, encoding="utf-8")
    with pytest.raises(DataError) as e:
        g.imports.facts(tmp_path / "bad.csv")
    text = str(e.value)
    assert "bad.csv:2:" in text and "not verbatim in sources/source-demo.txt" in text
    assert "bad.csv:3:" in text and "malformed value '2021-3-15'" in text
    assert "bad.csv:4:" in text and "no source" in text
    assert "bad.csv:5:" in text and "unknown subject 'alliance-nowhere'" in text
    assert [r["kind"] for r in g.imports.list()] == ["entities"]
    # an id the graph holds already is not declared again
    (tmp_path / "again.csv").write_text(
        "id,type,label_zh,label_en,alt_labels,note\nalliance-iot,Alliance,物联网联盟,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"again.csv:2: id 'alliance-iot' is declared twice"):
        g.imports.entities(tmp_path / "again.csv")
    g.imports.undo(g.imports.list()[0]["id"])
    assert _hashes(workspace) == before
