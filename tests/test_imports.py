"""The one import pipeline: member lists and synthetic folders through `run_import`, the
layers the build receives (never reading the manifest itself), the alliance given as an
IRI, reports as JSON, and the `imports-*` internal queries on the bundled graph.

Imports go into private data folders and caches under tmp; the curated data is read only.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliancegraph import internal
from alliancegraph.build import Cache, Inputs, build
from alliancegraph.errors import DataError, UsageError
from alliancegraph.imports import (
    ImportStore,
    MemberList,
    Report,
    import_members,
    inputs_for,
    run_import,
    undo,
)
from alliancegraph.members.resolver import Index, ask, select
from alliancegraph.namespaces import AG, AGR, GRAPH_IMPORT_PREFIX, GRAPH_SYNTHETIC, ORG, RDF
from alliancegraph.synthetic import SyntheticFolder, generate, import_synthetic, write

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "alliancegraph"
ALLIANCE = AGR + "alliance-functional-materials"
CMRI = AGR + "chongqing-materials-research-institute"


@pytest.fixture(scope="module")
def module_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("imports-cache")


@pytest.fixture()
def env(tmp_path, module_cache) -> dict[str, Path]:
    return {"root": ROOT, "cache_dir": module_cache, "home": tmp_path / "home"}


def member_list(path: Path, *names: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["单位名称", "单位类型"])
        w.writerows([n, "企业"] for n in names)
    return path


# -- layering --------------------------------------------------------------------------------


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports (relative imports resolved), inside functions too."""
    package = "alliancegraph." + ".".join(path.relative_to(SRC).with_suffix("").parts)
    if path.name == "__init__.py":
        package += ".__init__"
    base = package.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = base[: len(base) - node.level + 1]
                module = ".".join([*parent, node.module] if node.module else parent)
            else:
                module = node.module or ""
            if node.module:  # `from . import x` imports the submodule x, not the package
                found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
    return {m for m in found if m.startswith("alliancegraph")}


def _touches(imported: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(m for m in imported for f in forbidden if m == f or m.startswith(f + "."))


def test_build_never_imports_the_importers():
    imported = _imported_modules(SRC / "build.py")
    forbidden = ("alliancegraph.imports", "alliancegraph.members", "alliancegraph.synthetic",
                 "alliancegraph.graph")  # fmt: skip
    assert _touches(imported, forbidden) == []
    assert "alliancegraph" not in imported  # never the package __init__


def test_importers_import_only_lower_layers():
    """imports (11) may use members (12) and build (13), never a higher layer; members
    never imports the pipeline above it."""
    higher = ("alliancegraph.graph", "alliancegraph.cli", "alliancegraph.web",
              "alliancegraph.views", "alliancegraph.analysis", "alliancegraph.library",
              "alliancegraph.search", "alliancegraph.catalogue", "alliancegraph.store",
              "alliancegraph.results", "alliancegraph.synthetic")  # fmt: skip
    for path in sorted((SRC / "imports").glob("*.py")):
        imported = _imported_modules(path)
        assert _touches(imported, higher) == [], path.name
        assert "alliancegraph" not in imported, path.name
    for path in sorted((SRC / "members").glob("*.py")):
        imported = _imported_modules(path)
        assert _touches(imported, (*higher, "alliancegraph.imports")) == [], path.name
        assert "alliancegraph" not in imported, path.name


# -- what the build receives -----------------------------------------------------------------


def test_inputs_for_lists_the_layers_with_the_hashes_they_were_validated_with(env, tmp_path):
    assert inputs_for(ROOT, env["home"]).layers == []
    report = import_members(member_list(tmp_path / "a.csv", "重庆青岚示例科技有限公司"),
                            ALLIANCE, "测试名单", **env)  # fmt: skip
    inputs = inputs_for(ROOT, env["home"])
    layer = env["home"] / "imports" / f"{report.id}.nq"
    assert inputs.layers == [layer]
    assert inputs.validated == {layer: ImportStore(env["home"]).get(report.id)["layer_sha256"]}
    assert inputs.data_dir == ROOT / "data" and inputs.ontology_dir == ROOT / "ontology"
    assert Inputs.default(ROOT).layers == []  # the build alone knows no data home


def test_the_build_validates_a_layer_unless_its_bytes_are_the_validated_ones(tmp_path):
    layer = tmp_path / "hand-written.nq"
    org = ox.NamedNode(AGR + "test-unlabelled-organisation")
    quad = ox.Quad(org, ox.NamedNode(RDF + "type"), ox.NamedNode(ORG + "Organization"),
                   ox.NamedNode(GRAPH_IMPORT_PREFIX + "hand"))  # fmt: skip
    layer.write_bytes(ox.serialize([quad], format=ox.RdfFormat.N_QUADS))
    base = Inputs.default(ROOT)
    unchecked = Inputs(base.data_dir, base.ontology_dir, [layer])
    with pytest.raises(DataError, match="no Chinese label"):
        build(unchecked, Cache(tmp_path / "c1"))
    # listed with the hash its import validated: trusted, not validated again
    digest = hashlib.sha256(layer.read_bytes()).hexdigest()
    trusted = Inputs(base.data_dir, base.ontology_dir, [layer], validated={layer: digest})
    assert build(trusted, Cache(tmp_path / "c2")).info["quads"] > 0
    # a byte changed since: validated again
    stale = Inputs(base.data_dir, base.ontology_dir, [layer], validated={layer: "0" * 64})
    with pytest.raises(DataError, match="no Chinese label"):
        build(stale, Cache(tmp_path / "c3"))


# -- the pipeline ----------------------------------------------------------------------------


def test_the_alliance_is_an_iri_of_an_alliance_of_the_graph(env, tmp_path):
    f = member_list(tmp_path / "m.csv", "重庆嘉禾示例科技有限公司")
    with pytest.raises(UsageError, match="not an IRI"):
        import_members(f, "重庆市功能材料技术创新战略联盟", "测试名单", **env)
    with pytest.raises(UsageError, match="not an alliance of the graph"):
        import_members(f, CMRI, "测试名单", **env)  # an organisation, not an alliance
    with pytest.raises(UsageError, match="source"):
        import_members(f, ALLIANCE, "  ", **env)
    assert ImportStore(env["home"]).records() == []
    # a prefixed name is an IRI too
    report = import_members(f, "agr:alliance-functional-materials", "测试名单", **env)
    assert ImportStore(env["home"]).get(report.id)["alliance"] == ALLIANCE


def test_reports_serialise_to_json_and_print_as_lines(env, tmp_path):
    f = member_list(tmp_path / "m.csv", "重庆恒远示例科技有限公司", "重庆材料研究院有限公司")
    report = import_members(f, ALLIANCE, "测试名单", **env)
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert data["id"] == report.id and data["id"].startswith("m-")
    assert data["changed"] is True and data["rows"] == 2
    assert data["new"] == {"org": 1} and data["linked"] == 1
    assert set(data["seconds"]) == {"check", "validate", "build"}
    assert report.lines()[0].startswith(f"imported {report.id}: 2 rows")
    again = import_members(f, ALLIANCE, "测试名单", **env)
    assert again.to_dict()["changed"] is False
    assert again.lines() == [f"{report.id}: already imported; nothing changed"]
    assert undo(report.id, **env)["id"] == report.id


def test_member_lists_and_synthetic_folders_share_one_pipeline(env, tmp_path, monkeypatch):
    import alliancegraph.synthetic as synthetic

    seen: list[object] = []

    def spy(source, **kwargs):
        seen.append(source)
        return Report("x", changed=False)

    monkeypatch.setattr(synthetic, "run_import", spy)
    synthetic.import_synthetic(tmp_path, **env)
    assert [type(s) for s in seen] == [SyntheticFolder]
    monkeypatch.undo()
    # and a small synthetic folder imported for real: flagged, in the synthetic graph
    folder = tmp_path / "lists"
    write(generate(0.1, seed=2), folder)
    report = run_import(SyntheticFolder(folder), **env)
    record = ImportStore(env["home"]).get(report.id)
    assert report.id.startswith("s-") and record["kind"] == "synthetic" and record["synthetic"]
    assert record["alliance"] is None and report.new["org"] > 0
    store = ox.Store.read_only(str(Cache(env["cache_dir"]).get(report.build_key).store_path))
    graphs = {q.graph_name.value for q in store.quads_for_pattern(None, None, None)
              if q.graph_name.value.startswith(AGR + "graph")}  # fmt: skip
    assert GRAPH_SYNTHETIC in graphs
    unflagged = store.query(
        f"""ASK {{ GRAPH <{GRAPH_SYNTHETIC}> {{ ?s a org:Organization }}
                  FILTER NOT EXISTS {{ ?s ag:synthetic true }} }}""",
        prefixes={"ag": AG, "org": ORG},
    )
    assert not bool(unflagged)
    # the same folder again changes nothing; a folder without its files is refused
    assert import_synthetic(folder, **env).changed is False
    with pytest.raises(UsageError, match="not a synth folder"):
        import_synthetic(tmp_path / "nowhere", **env)


def test_member_list_identity_names_alliance_sheet_and_bytes(tmp_path):
    f = member_list(tmp_path / "m.csv", "重庆锦程示例科技有限公司")
    a = MemberList(f, ALLIANCE, "名单")
    b = MemberList(f, AGR + "alliance-iot", "名单")
    raw = a.read()
    assert a.identity(raw) != b.identity(raw)
    assert a.identity(raw) != MemberList(f, ALLIANCE, "名单", sheet="S").identity(raw)
    assert a.identity(raw) == MemberList(f, ALLIANCE, "another title").identity(raw)


# -- internal queries --------------------------------------------------------------------------


def test_imports_internal_queries_answer_on_the_bundled_graph(bundled_build):
    names = [n for n in internal.names() if n.startswith("imports-")]
    assert names == [
        "imports-index-ambiguous",
        "imports-index-codes",
        "imports-index-names",
        "imports-is-alliance",
    ]
    store = ox.Store.read_only(str(bundled_build.store_path))
    assert ask(store, "imports-is-alliance")  # unbound: the graph holds alliances
    assert ask(store, "imports-is-alliance", {"alliance": ox.NamedNode(ALLIANCE)})
    assert not ask(store, "imports-is-alliance", {"alliance": ox.NamedNode(CMRI)})
    rows = select(store, "imports-index-names")
    kinds = {(r[0].value, r[1].value) for r in rows}
    assert (CMRI, "org") in kinds and (ALLIANCE, "alliance") in kinds
    for s, code in select(store, "imports-index-codes"):
        assert s.value.startswith(AGR) and len(code.value) == 18
    index = Index.from_store(store)
    assert ALLIANCE in index.alliances and CMRI in index.find("org", "重庆材料研究院有限公司")
