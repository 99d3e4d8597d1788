"""Which graphs may hold a fact without its provenance record (issue 16: the question
``facts-without-provenance`` asks without scanning every quad).

Every asserted graph of a build (curated, each import's, synthetic) is marked in the
generated graph with ``ag:provenanceChecked``: true when the build found a record for
every fact in it. The curated graph is checked by the named query at each build; an import
says what it found when it compiled its layer (the member compiler counts what it writes
outside a record; any other layer is read again), and the manifest keeps it. The query
reads only the graphs marked false, so a mark must never say true of a graph holding an
unrecorded fact: these tests plant one and follow it through the import, the append, a
full build and a manifest that kept no checks.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliancegraph.build import (
    PROVENANCE_CHECKED,
    Build,
    Cache,
    ProvenanceCheck,
    build,
    layer_provenance,
    marks_of,
)
from alliancegraph.imports import ImportStore, import_members, import_table, inputs_for
from alliancegraph.members import MemberCompiler
from alliancegraph.namespaces import AG, AGR, GRAPH_CURATED, GRAPH_GENERATED, GRAPH_SYNTHETIC
from alliancegraph.synthetic import generate, import_synthetic, write

ROOT = Path(__file__).resolve().parent.parent
CHEM = AGR + "alliance-chemical-new-materials"
CMRI = AGR + "chongqing-materials-research-institute"
SWU = AGR + "southwest-university"
#: the fact the broken compiler writes without a record
PLANTED = (CMRI, AG + "collaboratesWith", SWU)


def _csv(path: Path, header: list[str], *rows: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _marks(b: Build) -> dict[str, bool]:
    store = ox.Store.read_only(str(b.store_path))
    return marks_of(store.quads_for_pattern(None, ox.NamedNode(PROVENANCE_CHECKED), None,
                                            ox.NamedNode(GRAPH_GENERATED)))  # fmt: skip


def _unrecorded(b: Build) -> list[tuple[str, ...]]:
    """facts-without-provenance on the build's store, as the library runs it."""
    from alliancegraph.library import load_library
    from alliancegraph.store import EmbeddedStore

    text = load_library()["facts-without-provenance"].text
    result = EmbeddedStore(ox.Store.read_only(str(b.store_path))).query(text)
    return [tuple(str(row[v].value) for v in ("subject", "predicate", "object", "graph"))
            for row in result]  # fmt: skip


def _asserted(b: Build) -> set[str]:
    from alliancegraph.build import asserted_graph

    store = ox.Store.read_only(str(b.store_path))
    return {g.value for g in store.named_graphs() if asserted_graph(g.value)}


def _break_the_compiler(monkeypatch) -> None:
    """The member compiler writes :data:`PLANTED` outside a record from now on."""
    describe = MemberCompiler.describe_source

    def broken(self, *args, **kwargs):
        describe(self, *args, **kwargs)
        self.add(PLANTED[0], PLANTED[1], ox.NamedNode(PLANTED[2]))

    monkeypatch.setattr(MemberCompiler, "describe_source", broken)


@pytest.fixture()
def env(tmp_path) -> dict[str, Path]:
    return {"root": ROOT, "cache_dir": tmp_path / "cache", "home": tmp_path / "home"}


def test_every_asserted_graph_is_marked_and_clean_imports_are_marked_true(env, tmp_path):
    members = _csv(
        tmp_path / "m.csv", ["单位名称", "单位类型"], ["重庆青岚示例科技有限公司", "企业"]
    )
    m = import_members(members, CHEM, "测试名单", **env)
    header = ["id", "type", "label_zh", "label_en", "alt_labels", "note"]
    row = ["alliance-demo-marks", "Alliance", "重庆市示例标记技术创新战略联盟", "", "", ""]
    entities = _csv(tmp_path / "e.csv", header, row)
    e = import_table(entities, "entities", **env)
    write(generate(0.01, seed=5), tmp_path / "syn")
    s = import_synthetic(tmp_path / "syn", **env)
    b = Cache(env["cache_dir"]).get(s.build_key)
    assert b is not None and "appended_to" in b.info
    graphs = {AGR + f"graph-import-{m.id}", AGR + f"graph-import-{e.id}", GRAPH_SYNTHETIC}
    assert _marks(b) == {g: True for g in {GRAPH_CURATED, *graphs}}
    assert set(_marks(b)) == _asserted(b)
    assert _unrecorded(b) == []
    # the manifest keeps what each import found: the member compiler's count, the
    # entities table's layer read again
    records = {r["id"]: r for r in ImportStore(env["home"]).records()}
    assert records[m.id]["provenance"] == {
        "graphs": [AGR + f"graph-import-{m.id}"],
        "complete": True,
    }
    assert records[e.id]["provenance"] == {
        "graphs": [AGR + f"graph-import-{e.id}"],
        "complete": True,
    }
    assert records[s.id]["provenance"] == {"graphs": [GRAPH_SYNTHETIC], "complete": True}
    # the compiler's count and a reading of the layer agree
    for r in records.values():
        layer = (env["home"] / "imports" / r["layer"]).read_bytes()
        assert layer_provenance(layer, r["layer_sha256"]).to_json() == r["provenance"]


def test_a_fact_written_without_its_record_is_marked_false_and_answered(env, tmp_path, monkeypatch):
    """A compiler that writes a fact outside a record: its import says so, the build marks
    its graph false, and the query answers the fact, appended and built in full alike."""
    _break_the_compiler(monkeypatch)
    members = _csv(
        tmp_path / "m.csv", ["单位名称", "单位类型"], ["重庆青岚示例科技有限公司", "企业"]
    )
    report = import_members(members, CHEM, "测试名单", **env)
    graph = AGR + f"graph-import-{report.id}"
    record = ImportStore(env["home"]).get(report.id)
    assert record is not None
    assert record["provenance"] == {"graphs": [graph], "complete": False}
    layer = (env["home"] / "imports" / record["layer"]).read_bytes()
    assert layer_provenance(layer, record["layer_sha256"]).complete is False
    appended = Cache(env["cache_dir"]).get(report.build_key)
    assert appended is not None and "appended_to" in appended.info
    assert _marks(appended) == {GRAPH_CURATED: True, graph: False}
    assert _unrecorded(appended) == [(*PLANTED, graph)]
    full = build(inputs_for(ROOT, env["home"]), Cache(tmp_path / "full"))
    assert full.key == appended.key and "appended_to" not in full.info
    assert _marks(full) == _marks(appended)
    assert _unrecorded(full) == [(*PLANTED, graph)]


def test_a_manifest_that_kept_no_checks_is_checked_by_the_full_build(env, tmp_path, monkeypatch):
    """Imports listed before the manifest kept checks: the build reads their graphs with
    the query, and finds the same marks."""
    clean = _csv(tmp_path / "a.csv", ["单位名称", "单位类型"], ["重庆青岚示例科技有限公司", "企业"])
    a = import_members(clean, CHEM, "干净名单", **env)
    _break_the_compiler(monkeypatch)
    dirty = _csv(tmp_path / "b.csv", ["单位名称", "单位类型"], ["重庆蓝湾示例材料有限公司", "企业"])
    b = import_members(dirty, CHEM, "名单二", **env)
    appended = Cache(env["cache_dir"]).get(b.build_key)
    assert appended is not None
    manifest = env["home"] / "imports" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    for r in data["imports"]:
        del r["provenance"]
    manifest.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    inputs = inputs_for(ROOT, env["home"])
    assert inputs.checks == {}
    full = build(inputs, Cache(tmp_path / "full"))
    want = {GRAPH_CURATED: True, AGR + f"graph-import-{a.id}": True,
            AGR + f"graph-import-{b.id}": False}  # fmt: skip
    assert _marks(appended) == want
    assert _marks(full) == want
    assert _unrecorded(full) == [(*PLANTED, AGR + f"graph-import-{b.id}")]


def test_a_check_holds_only_for_the_bytes_it_was_made_of(env, tmp_path):
    """A layer changed after its import is read again by the full build, whatever its
    check said: the fact added by hand is answered."""
    members = _csv(
        tmp_path / "m.csv", ["单位名称", "单位类型"], ["重庆青岚示例科技有限公司", "企业"]
    )
    report = import_members(members, CHEM, "测试名单", **env)
    graph = AGR + f"graph-import-{report.id}"
    layer = env["home"] / "imports" / f"{report.id}.nq"
    s, p, o = PLANTED
    with layer.open("ab") as f:
        f.write(f"<{s}> <{p}> <{o}> <{graph}> .\n".encode())
    inputs = inputs_for(ROOT, env["home"])
    assert inputs.checks[layer].complete is True  # what the import found, of other bytes
    full = build(inputs, Cache(tmp_path / "full"))
    assert _marks(full)[graph] is False
    assert _unrecorded(full) == [(*PLANTED, graph)]


@pytest.mark.parametrize(
    ("record", "complete"),
    [("whole", True), ("no source", False), ("none", False)],
)
def test_layer_provenance_reads_the_layer_alone(record, complete):
    """A layer's own records count; a record without its source does not."""
    g = AGR + "graph-import-x"
    s, p, o = PLANTED
    lines = [
        f"<{s}> <{p}> <{o}> <{g}> .",
        f'<{s}> <http://www.w3.org/2000/01/rdf-schema#label> "x" <{g}> .',
    ]
    r = f"<{AGR}statement/r1>"
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    if record != "none":
        lines += [
            f"{r} <{rdf}type> <{rdf}Statement> <{g}> .",
            f"{r} <{rdf}subject> <{s}> <{g}> .",
            f"{r} <{rdf}predicate> <{p}> <{g}> .",
            f"{r} <{rdf}object> <{o}> <{g}> .",
        ]
    if record == "whole":
        lines.append(f"{r} <http://www.w3.org/ns/prov#wasDerivedFrom> <{AGR}source-x> <{g}> .")
    check = layer_provenance(("\n".join(lines) + "\n").encode(), "sha")
    assert check == ProvenanceCheck("sha", (g,), complete)


def test_a_graph_marked_false_is_read_alike_on_oxigraph_and_virtuoso(
    env, tmp_path, monkeypatch, oxigraph_url, virtuoso_url
):
    """The gate matches a stored ``false`` on every engine (Virtuoso keeps booleans as
    numbers): the build with a planted fact, published to both servers, answers it there
    as it does embedded."""
    import alliancegraph as ag
    from alliancegraph.store import publish_dataset

    _break_the_compiler(monkeypatch)
    members = _csv(
        tmp_path / "m.csv", ["单位名称", "单位类型"], ["重庆青岚示例科技有限公司", "企业"]
    )
    report = import_members(members, CHEM, "测试名单", **env)
    b = Cache(env["cache_dir"]).get(report.build_key)
    assert b is not None
    want = [(*PLANTED, AGR + f"graph-import-{report.id}")]
    assert _unrecorded(b) == want
    publish_dataset(b.nquads_path, f"{oxigraph_url}/query")
    publish_dataset(b.nquads_path, f"{virtuoso_url}/sparql",
                    store_url=f"{virtuoso_url}/sparql-graph-crud")  # fmt: skip
    for url in (f"{oxigraph_url}/query", f"{virtuoso_url}/sparql"):
        answer = ag.open(endpoint=url).named("facts-without-provenance")
        got = [tuple(str(t.value) for t in row) for row in answer.rows]
        assert got == want, url


def test_a_curated_fact_without_its_record_is_marked_false_and_answered(tmp_path, monkeypatch):
    """The curated graph is checked by the build itself: a fact the tables' compiler wrote
    without a record (planted here) marks it false, and the query answers it."""
    from alliancegraph import curation
    from alliancegraph.build import Inputs

    compile_inputs = curation.compile_inputs

    def planted(*args, **kwargs):
        compiled = compile_inputs(*args, **kwargs)
        s, p, o = (ox.NamedNode(t) for t in PLANTED)
        compiled.quads.append(ox.Quad(s, p, o, ox.NamedNode(GRAPH_CURATED)))
        return compiled

    monkeypatch.setattr(curation, "compile_inputs", planted)
    b = build(Inputs.default(ROOT), Cache(tmp_path / "cache"))
    assert _marks(b) == {GRAPH_CURATED: False}
    assert _unrecorded(b) == [(*PLANTED, GRAPH_CURATED)]
