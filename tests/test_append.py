"""Imports that append (issue 16, item 3): an import's build is the previous build's store
(a hard-linked checkpoint) with the new layer, what it entails and the duplicates it makes
settled, never a rebuild of everything; and it holds exactly the quads a full build of the
same inputs holds (the cache key promises that).

Each step imports into one data home and cache, checks the build was appended (not built
in full), then builds the same inputs from nothing in a fresh cache and compares the quad
sets, the counts of the build's info and the sorted N-Quads byte for byte. The fixtures
are tiny: a member list (a new organisation, a known one, roles, dates, a credit code), a
list restating curated facts (a membership and a type), a fact restating a triple the
build had inferred, a new alliance and its facts, and synthetic lists at 0.01×.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliancegraph.build import Build, Cache, _appended_lines, build
from alliancegraph.imports import import_members, import_table, inputs_for, undo
from alliancegraph.members.resolver import IndexRows
from alliancegraph.namespaces import AGR, GRAPH_INFERRED, ORG, OWL, RDF, RDFS
from alliancegraph.synthetic import generate, import_synthetic, write

ROOT = Path(__file__).resolve().parent.parent
CHEM = AGR + "alliance-chemical-new-materials"
SWU = AGR + "southwest-university"
ORG_HAS = f"<{ORG}hasMember>"
XINHUA = "source-xinhua-chemical-new-materials-alliance"
QUOTE = "中国科学院过程工程研究所和西南大学等17家高校院所"  # in data/sources/<XINHUA>.txt


def _quads(b: Build) -> set[str]:
    data = ox.Store.read_only(str(b.store_path)).dump(format=ox.RdfFormat.N_QUADS)
    assert data is not None
    return set(data.decode("utf-8").splitlines())


def _rows(path: Path, header: list[str], *rows: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("append")
    return {"root": ROOT, "cache_dir": base / "cache", "home": base / "home"}


def _same_as_full(
    home: dict[str, Path], key: str | None, tmp_path: Path, carried: bool = True
) -> Build:
    """The build ``key`` was appended, and holds what a full build of its inputs holds;
    ``carried``: made by an import, which kept the resolver's rows there."""
    assert key is not None
    appended = Cache(home["cache_dir"]).get(key)
    assert appended is not None
    assert "appended_to" in appended.info, "built in full, not appended"
    full = build(inputs_for(ROOT, home["home"]), Cache(tmp_path / "full"))
    assert full.key == key and "appended_to" not in full.info
    got, want = _quads(appended), _quads(full)
    assert got - want == set() and want - got == set()
    for k in ("quads", "inferred", "generated_aliases"):
        assert appended.info[k] == full.info[k], k
    # the sorted N-Quads, written on first use, are the same bytes: merged from the base's,
    # the layer's and the append's own lines, not dumped from the store
    assert not (appended.path / "dataset.nq").exists()
    merged = _appended_lines(appended)
    assert merged is not None
    assert b"".join(merged) == full.nquads_path.read_bytes()
    assert appended.nquads_path.read_bytes() == full.nquads_path.read_bytes()
    if not carried:
        assert not (appended.path / "import-index.json").exists()
        return appended
    # the resolver's rows, carried from the base by the import: those of the full build
    kept = IndexRows.from_json((appended.path / "import-index.json").read_bytes())
    assert kept is not None and kept.names
    assert kept == IndexRows.query(ox.Store.read_only(str(full.store_path)))
    return appended


def _graphs_of_swu_membership(b: Build) -> list[str]:
    """The graphs holding 西南大学's curated membership of the chemical alliance in ``b``."""
    store = ox.Store.read_only(str(b.store_path))
    held = store.quads_for_pattern(ox.NamedNode(CHEM), ox.NamedNode(ORG + "hasMember"),
                                   ox.NamedNode(SWU))  # fmt: skip
    return [q.graph_name.value for q in held]


def test_a_member_list_appends(home, tmp_path):
    rows = _rows(
        tmp_path / "members.csv",
        ["单位名称", "单位类型", "角色", "加入时间", "统一社会信用代码"],
        ["重庆青岚示例科技有限公司", "企业", "理事长单位", "2019-05", "91500000MA5U7J1U56"],
        ["重庆材料研究院", "科研机构", "成员单位", "2020"],
    )
    report = import_members(rows, CHEM, "测试名单", **home)
    b = _same_as_full(home, report.build_key, tmp_path)
    assert b.info["seconds"].keys() >= {"infer", "dedupe", "store"}


def test_restating_curated_facts_keeps_one_copy_in_the_curated_graph(home, tmp_path):
    rows = _rows(tmp_path / "restate.csv", ["单位名称", "单位类型"], ["西南大学", "高等院校"])
    report = import_members(rows, CHEM, "重述名单", **home)
    b = _same_as_full(home, report.build_key, tmp_path)
    assert _graphs_of_swu_membership(b) == [AGR + "graph-curated"]


def test_asserting_an_inferred_triple_moves_it_out_of_the_inferred_graph(home, tmp_path):
    member_of = (ox.NamedNode(SWU), ox.NamedNode(ORG + "memberOf"), ox.NamedNode(CHEM))
    before = Cache(home["cache_dir"]).current()
    assert before is not None
    old = ox.Store.read_only(str(before.store_path))
    assert [q.graph_name.value for q in old.quads_for_pattern(*member_of)] == [GRAPH_INFERRED]
    facts = _rows(
        tmp_path / "facts.csv",
        ["subject", "predicate", "object", "datatype", "source", "evidence"],
        ["southwest-university", "org:memberOf", "alliance-chemical-new-materials", "",
         XINHUA, QUOTE],
    )  # fmt: skip
    report = import_table(facts, "facts", **home)
    b = _same_as_full(home, report.build_key, tmp_path)
    store = ox.Store.read_only(str(b.store_path))
    graphs = [q.graph_name.value for q in store.quads_for_pattern(*member_of)]
    assert graphs == [AGR + f"graph-import-{report.id}"]


def test_a_new_alliance_and_its_facts_append_with_their_short_forms(home, tmp_path):
    entities = _rows(
        tmp_path / "entities.csv",
        ["id", "type", "label_zh", "label_en", "alt_labels", "note"],
        ["alliance-demo-append", "Alliance", "重庆市示例追加技术创新战略联盟", "", "", ""],
    )
    report = import_table(entities, "entities", **home)
    b = _same_as_full(home, report.build_key, tmp_path)
    store = ox.Store.read_only(str(b.store_path))
    alliance, generated = ox.NamedNode(AGR + "alliance-demo-append"), AGR + "graph-generated"
    quads = store.quads_for_pattern(alliance, None, None, ox.NamedNode(generated))
    forms = {q.object.value for q in quads}
    assert "示例追加联盟" in forms


def test_synthetic_lists_append_and_undo_returns_to_the_build_before(home, tmp_path):
    before = Cache(home["cache_dir"]).current()
    assert before is not None
    write(generate(0.01, seed=3), tmp_path / "syn")
    report = import_synthetic(tmp_path / "syn", **home)
    _same_as_full(home, report.build_key, tmp_path)
    # taking the import back: the inputs are those of the build before, still cached
    undo(report.id, **home)
    current = Cache(home["cache_dir"]).current()
    assert current is not None and current.key == before.key


def test_a_layer_other_than_the_last_one_builds_in_full(home, tmp_path):
    """Undoing an earlier import leaves inputs no cached build extends by one layer."""
    from alliancegraph.imports import ImportStore

    first = ImportStore(home["home"]).records()[0]["id"]
    undo(first, **home)
    current = Cache(home["cache_dir"]).current()
    assert current is not None and "appended_to" not in current.info
    again = build(inputs_for(ROOT, home["home"]), Cache(tmp_path / "again"))
    assert _quads(current) == _quads(again)


def test_a_build_appends_the_last_layer_without_its_import_at_hand(tmp_path):
    """Another process's import, found by the next build: the layer's closure is
    computed again from its bytes, with the same quads."""
    import shutil

    env = {"root": ROOT, "cache_dir": tmp_path / "cache", "home": tmp_path / "home"}
    name = "重庆示例追加二号科技有限公司"
    rows = _rows(tmp_path / "m.csv", ["单位名称", "单位类型"], [name, "企业"])
    report = import_members(rows, CHEM, "另一名单", **env)
    assert report.build_key is not None
    shutil.rmtree(env["cache_dir"] / "builds" / report.build_key)
    again = build(inputs_for(ROOT, env["home"]), Cache(env["cache_dir"]))
    assert again.key == report.build_key
    _same_as_full(env, again.key, tmp_path, carried=False)


def test_a_layer_loaded_in_pieces_holds_the_quads_of_a_full_build(tmp_path, monkeypatch):
    """The layer goes into the checkpoint a piece at a time (build._LOAD_CHUNK bounds the
    bulk loader's memory): pieces of a few lines give the same store as one piece."""
    import alliancegraph.build as build_module

    monkeypatch.setattr(build_module, "_LOAD_CHUNK", 300)
    env = {"root": ROOT, "cache_dir": tmp_path / "cache", "home": tmp_path / "home"}
    rows = _rows(
        tmp_path / "m.csv",
        ["单位名称", "单位类型", "角色"],
        ["重庆示例分块一号科技有限公司", "企业", "理事长单位"],
        ["重庆示例分块二号科技有限公司", "企业", "成员单位"],
        ["西南大学", "高等院校"],
    )
    report = import_members(rows, CHEM, "分块名单", **env)
    layer = (env["home"] / "imports" / f"{report.id}.nq").read_bytes()
    assert len(list(build_module._chunks(layer, 300))) > 3
    _same_as_full(env, report.build_key, tmp_path)


@pytest.mark.parametrize("size", [1, 5, 12, 100])
def test_layer_pieces_end_at_line_ends_and_join_to_the_layer(size, tmp_path):
    from alliancegraph.build import _chunks, _file_pieces

    data = b'<a> <b> <c> .\n<d> <e> "f\\ng" .\n<h> <i> <j> .\n'
    (tmp_path / "layer.nq").write_bytes(data)
    (tmp_path / "empty.nq").write_bytes(b"")
    for pieces in (list(_chunks(data, size)), list(_file_pieces(tmp_path / "layer.nq", size))):
        assert b"".join(pieces) == data
        assert all(p.endswith(b"\n") for p in pieces)
        assert len(pieces) == (3 if size <= 14 else 1)
    assert list(_chunks(b"", size)) == [] == list(_file_pieces(tmp_path / "empty.nq", size))


def test_an_import_validates_the_store_it_loaded_while_compiling(tmp_path, monkeypatch):
    """The pipeline loads the layer into an in-memory store in a thread while it compiles
    the rows (build.Preload); validation reads that store, and the build is the same."""
    import alliancegraph.build as build_module

    used: list[ox.Store | None] = []
    closure = build_module._closure

    def spy(nquads, context, described=False, sha256=None, loaded=None):
        used.append(loaded)
        return closure(nquads, context, described, sha256, loaded)

    monkeypatch.setattr(build_module, "_closure", spy)
    monkeypatch.setattr(build_module, "PRELOAD_ABOVE", 0)  # a 10x layer's path, on a tiny one
    env = {"root": ROOT, "cache_dir": tmp_path / "cache", "home": tmp_path / "home"}
    rows = _rows(tmp_path / "m.csv", ["单位名称", "单位类型"], ["重庆示例预载科技有限公司", "企业"])
    report = import_members(rows, CHEM, "预载名单", **env)
    assert len(used) == 1 and used[0] is not None
    _same_as_full(env, report.build_key, tmp_path)


def test_an_import_that_fails_validation_leaves_nothing_behind(tmp_path, monkeypatch):
    import alliancegraph.imports.pipeline as pipeline
    from alliancegraph.errors import DataError, Problem
    from alliancegraph.imports import ImportStore

    def invalid(*args, **kwargs):
        raise DataError([Problem("m.csv:2", "made to fail")])

    monkeypatch.setattr(pipeline, "validate_subgraph", invalid)
    monkeypatch.setattr("alliancegraph.build.PRELOAD_ABOVE", 0)
    env = {"root": ROOT, "cache_dir": tmp_path / "cache", "home": tmp_path / "home"}
    rows = _rows(tmp_path / "m.csv", ["单位名称", "单位类型"], ["重庆示例失败科技有限公司", "企业"])
    with pytest.raises(DataError):
        import_members(rows, CHEM, "失败名单", **env)
    assert ImportStore(env["home"]).records() == []
    # the layer written while it was checked (ImportStore.stage) is gone too
    assert not [p for p in (env["home"] / "imports").iterdir() if p.name.endswith(".nq")
                or ".nq." in p.name]  # fmt: skip


def test_a_preload_is_used_only_for_its_own_bytes(monkeypatch):
    from alliancegraph.build import Preload

    monkeypatch.setattr("alliancegraph.build.PRELOAD_ABOVE", 0)
    lines = [f"<{AGR}x{i}> <{AGR}p> <{AGR}y> <{AGR}graph-import-x> .\n".encode() for i in (1, 2)]
    preload = Preload()
    # pieces in any order, one line twice: the store is the set of the layer's quads
    preload.feed(lines[1])
    preload.feed(lines[0] + lines[1])
    preload.seal("0" * 64)
    assert preload.take("1" * 64) is None  # other bytes
    loaded = preload.take("0" * 64)
    assert loaded is not None and len(loaded) == 2
    preload.discard()
    unsealed = Preload()
    unsealed.feed(lines[0])
    assert unsealed.take("0" * 64) is None  # never told what the layer is
    unsealed.discard()
    assert unsealed.thread is not None and not unsealed.thread.is_alive()
    blank = Preload()  # a blank node in two loads would be two nodes: loaded whole instead
    blank.feed(lines[0])
    blank.feed(f"_:b <{AGR}p> <{AGR}y> <{AGR}graph-import-x> .\n".encode())
    blank.seal("0" * 64)
    assert blank.take("0" * 64) is None


def test_a_small_layer_is_not_preloaded():
    from alliancegraph.build import PRELOAD_ABOVE, Preload

    layer = f"<{AGR}x> <{AGR}p> <{AGR}y> <{AGR}graph-import-x> .\n".encode()
    preload = Preload()
    preload.feed(layer)
    preload.seal("0" * 64)
    assert len(layer) < PRELOAD_ABOVE and preload.thread is None
    assert preload.take("0" * 64) is None
    preload.discard()


@pytest.mark.parametrize(
    ("text", "appendable"),
    [
        (f'<{AGR}x> <{AGR}p> "<{OWL}inverseOf>" <{AGR}graph-import-x> .\n', (False, True)),
        (f"<{AGR}x> <{OWL}inverseOf> <{AGR}y> <{AGR}graph-import-x> .\n", (False, False)),
        (f"<{AGR}x> <{AGR}p> <{AGR}y> <{GRAPH_INFERRED}> .\n", (False, False)),
        (f"<{AGR}x> <{AGR}p> _:b <{AGR}graph-import-x> .\n", (False, False)),
        (f"_:b <{AGR}p> <{AGR}y> <{AGR}graph-import-x> .\n", (False, False)),
        # a blank node is searched for in the text either way (no index finds one)
        (f'<{AGR}x> <{AGR}p> "a _:b" <{AGR}graph-import-x> .\n', (False, False)),
        (f"<{AGR}x> <{AGR}p> <{AGR}y> <{AGR}graph-import-x> .\n", (True, True)),
    ],
)
def test_a_layer_is_appendable_unless_it_holds_the_builds_own_terms(text, appendable):
    """From the text (a build reading a layer), terms are searched for and a literal that
    holds one costs a full build; from a store of the layer (an import, which loaded it to
    validate), the terms are looked up, and only a blank node is searched for in the text."""
    from alliancegraph.build import _appendable

    layer = text.encode()
    store = ox.Store()
    store.load(layer, format=ox.RdfFormat.N_QUADS)
    assert (_appendable(layer), _appendable(layer, loaded=store)) == appendable


def test_the_compiler_hands_out_its_quads_while_it_writes_them(monkeypatch):
    """``QuadBuffer``'s sink gets every chunk as it is made, not at the end: together the
    chunks hold exactly the lines of the sorted layer."""
    from alliancegraph.members import QuadBuffer

    got: list[bytes] = []
    buffer = QuadBuffer(got.append)
    monkeypatch.setattr(buffer, "CHUNK", 2)
    n = ox.NamedNode(AGR + "n")
    for i in (3, 1, 2, 1, 0):
        buffer.append(ox.Quad(n, n, ox.Literal(str(i)), n))
    assert len(got) == 2  # two chunks of two lines, before the layer was asked for
    layer = buffer.nquads()
    assert len(got) == 3  # the last line, flushed by nquads
    pieces = b"".join(got).splitlines(keepends=True)
    assert len(pieces) == 5 and sorted(set(pieces)) == layer.splitlines(keepends=True)


def test_a_list_that_fails_to_compile_stops_its_preload(tmp_path, monkeypatch):
    """The preload starts while rows are compiled: a row that fails stops it and lets its
    store go."""
    from alliancegraph.build import Preload
    from alliancegraph.errors import DataError
    from alliancegraph.imports import ImportStore

    started: list[Preload] = []
    feed = Preload.feed

    def spy(self, piece):
        feed(self, piece)
        if self.thread is not None and self not in started:
            started.append(self)

    monkeypatch.setattr(Preload, "feed", spy)
    monkeypatch.setattr("alliancegraph.build.PRELOAD_ABOVE", 0)
    monkeypatch.setattr("alliancegraph.members.QuadBuffer.CHUNK", 1)  # a piece a quad
    env = {"root": ROOT, "cache_dir": tmp_path / "cache", "home": tmp_path / "home"}
    rows = _rows(tmp_path / "m.csv", ["单位名称", "单位类型"],
                 ["重庆示例预载科技有限公司", "企业"], ["", "企业"])  # fmt: skip
    with pytest.raises(DataError):
        import_members(rows, CHEM, "坏名单", **env)
    assert len(started) == 1
    thread = started[0].thread
    assert thread is not None and not thread.is_alive() and started[0].store is None
    assert ImportStore(env["home"]).records() == []


@pytest.mark.parametrize("bytes_per_lookup", [1, 10**12])
def test_the_nodes_a_layer_names_are_found_from_either_side(bytes_per_lookup, monkeypatch):
    """The context's types and labels of the resources a layer names, and the layer's
    subjects the base holds: the same whether read from the layer's text (a small layer)
    or by looking the other side's nodes up in the loaded layer (a large one)."""
    import alliancegraph.build as build_module

    monkeypatch.setattr(build_module, "_BYTES_PER_LOOKUP", bytes_per_lookup)
    rdf_type, label = ox.NamedNode(RDF + "type"), ox.NamedNode(RDFS + "label")
    a, b, c, d, e = (ox.NamedNode(AGR + n) for n in ("a", "b", "c", "d", "e"))
    g, layer_g = ox.NamedNode(AGR + "graph-curated"), ox.NamedNode(AGR + "graph-import-x")
    context = ox.Store()
    context.extend([
        ox.Quad(a, rdf_type, ox.NamedNode(ORG + "Organization"), g),  # subject in the layer
        ox.Quad(b, label, ox.Literal("乙", language="zh"), g),  # object in the layer
        ox.Quad(c, label, ox.Literal("丙", language="zh"), g),  # not named by the layer
        ox.Quad(d, rdf_type, ox.NamedNode(ORG + "Organization"), g),  # a predicate there
    ])  # fmt: skip
    text = (f"{a} {ORG_HAS} {b} {layer_g} .\n{e} {d} \"x\" {layer_g} .\n"
            f"{a} {label} \"甲\"@zh {layer_g} .\n").encode()  # fmt: skip
    loaded = ox.Store()
    loaded.bulk_load(text, format=ox.RdfFormat.N_QUADS)
    found = set(build_module._described_of(text, loaded, context))
    assert found == {q for q in context if q.subject in (a, b, d)}
    subjects = set(build_module._subjects(text, context, loaded, {layer_g}))
    assert subjects == {a}  # e is a subject of the layer the context holds nothing about


def test_a_large_layer_on_a_small_base_appends_the_quads_of_a_full_build(tmp_path, monkeypatch):
    """Every layer read as a large one (its nodes found by looking the base's up, the base
    read in one pass for what the layer entails): a list naming curated organisations and
    restating a curated membership appends exactly what a full build holds."""
    import alliancegraph.build as build_module

    monkeypatch.setattr(build_module, "_BYTES_PER_LOOKUP", 1)
    monkeypatch.setattr(build_module, "_PASS_PER_LOOKUP", 10**9)  # the base read in one pass
    env = {"root": ROOT, "cache_dir": tmp_path / "cache", "home": tmp_path / "home"}
    rows = _rows(
        tmp_path / "m.csv",
        ["单位名称", "单位类型", "角色"],
        ["重庆示例大层一号科技有限公司", "企业", "成员单位"],
        ["西南大学", "高等院校"],
    )
    report = import_members(rows, CHEM, "大层名单", **env)
    b = _same_as_full(env, report.build_key, tmp_path)
    assert _graphs_of_swu_membership(b) == [AGR + "graph-curated"]


def test_an_appended_build_whose_layer_changed_dumps_its_quads(tmp_path):
    """The merge reads the import's layer file: if it no longer has the hash it was
    validated with, the N-Quads come from the store itself."""
    env = {"root": ROOT, "cache_dir": tmp_path / "cache", "home": tmp_path / "home"}
    rows = _rows(tmp_path / "m.csv", ["单位名称", "单位类型"], ["重庆示例改层科技有限公司", "企业"])
    report = import_members(rows, CHEM, "改层名单", **env)
    b = Cache(env["cache_dir"]).get(report.build_key)
    assert b is not None and "appended_to" in b.info
    layer = env["home"] / "imports" / f"{report.id}.nq"
    layer.write_bytes(layer.read_bytes().replace("示例".encode(), "改过".encode()))
    assert _appended_lines(b) is None
    assert set(b.nquads_path.read_bytes().decode().splitlines()) == _quads(b)


def test_a_merge_that_does_not_give_the_builds_count_is_not_kept(tmp_path):
    """A merge short of a line (an append file damaged) is thrown away for the dump."""
    env = {"root": ROOT, "cache_dir": tmp_path / "cache", "home": tmp_path / "home"}
    rows = _rows(tmp_path / "m.csv", ["单位名称", "单位类型"], ["西南大学", "高等院校"])
    report = import_members(rows, CHEM, "少行名单", **env)
    b = Cache(env["cache_dir"]).get(report.build_key)
    assert b is not None and "appended_to" in b.info
    plus = b.path / "append-plus.nq"
    lines = plus.read_bytes().splitlines(keepends=True)
    assert lines  # the inferred triples and short forms the append added
    plus.write_bytes(b"".join(lines[1:]))
    assert set(b.nquads_path.read_bytes().decode().splitlines()) == _quads(b)
    assert not list(b.path.glob(".merged.*"))


# -- a large layer's store, made at its first use ----------------------------------------------


def _deferred(env: dict[str, Path], key: str | None) -> Build:
    """The build ``key``, appended without its on-disk store: not there until asked for."""
    assert key is not None
    b = Cache(env["cache_dir"]).get(key)
    assert b is not None and b.info.get("store") == "deferred"
    assert not (b.path / "store").exists()
    return b


def test_a_large_layer_leaves_its_store_to_its_first_use(tmp_path, monkeypatch, capsys):
    """Every layer read as a large one (build.DEFER_ABOVE): the import writes no store, and
    the store made on first use holds what a full build holds, including the short forms of
    a new alliance and the counts of its info, told without the store. The next import
    makes its base's store first (a deferred build on a deferred build); a synthetic list
    into a graph that has a synthetic graph already cannot count without the store, so its
    store is written."""
    monkeypatch.setattr("alliancegraph.build.DEFER_ABOVE", 0)
    env = {"root": ROOT, "cache_dir": tmp_path / "cache", "home": tmp_path / "home"}
    rows = _rows(
        tmp_path / "m.csv",
        ["单位名称", "单位类型", "角色", "统一社会信用代码"],
        ["重庆示例延后一号科技有限公司", "企业", "理事长单位", "91500000MA5U7J1U56"],
        ["西南大学", "高等院校", "成员单位", ""],
    )
    first = _deferred(env, import_members(rows, CHEM, "延后名单", **env).build_key)
    entities = _rows(
        tmp_path / "entities.csv",
        ["id", "type", "label_zh", "label_en", "alt_labels", "note"],
        ["alliance-demo-deferred", "Alliance", "重庆市示例延后技术创新战略联盟", "", "", ""],
    )
    second = _deferred(env, import_table(entities, "entities", **env).build_key)
    assert (first.path / "store").is_dir()  # made by the second import, which read it
    b = _same_as_full(env, second.key, tmp_path / "full-1", carried=False)
    assert (b.path / "store").is_dir()
    said = capsys.readouterr().err  # a first use that takes a while says what it does
    assert f"making the on-disk store of build {b.key} ({b.info['quads']:,} quads)" in said
    store = ox.Store.read_only(str(b.store_path))
    forms = store.quads_for_pattern(ox.NamedNode(AGR + "alliance-demo-deferred"), None, None,
                                    ox.NamedNode(AGR + "graph-generated"))  # fmt: skip
    assert "示例延后联盟" in {q.object.value for q in forms}
    del store
    write(generate(0.01, seed=5), tmp_path / "syn1")
    syn = _deferred(env, import_synthetic(tmp_path / "syn1", **env).build_key)
    _same_as_full(env, syn.key, tmp_path / "full-2", carried=False)
    write(generate(0.01, seed=6), tmp_path / "syn2")
    again = Cache(env["cache_dir"]).get(import_synthetic(tmp_path / "syn2", **env).build_key)
    assert again is not None and "store" not in again.info and (again.path / "store").is_dir()
    _same_as_full(env, again.key, tmp_path / "full-3")  # a small layer: rows carried


#: a process that asks for a build's store and prints its count of quads
_MAKE_STORE = """
import sys
from pathlib import Path
import pyoxigraph as ox
from alliancegraph.build import Cache
b = Cache(Path(sys.argv[1])).get(sys.argv[2])
print(len(ox.Store.read_only(str(b.store_path))))
"""


def test_processes_asking_for_a_deferred_store_at_once_make_it_once(tmp_path, monkeypatch):
    import subprocess
    import sys

    monkeypatch.setattr("alliancegraph.build.DEFER_ABOVE", 0)
    env = {"root": ROOT, "cache_dir": tmp_path / "cache", "home": tmp_path / "home"}
    rows = _rows(tmp_path / "m.csv", ["单位名称", "单位类型"], ["重庆示例并发科技有限公司", "企业"])
    b = _deferred(env, import_members(rows, CHEM, "并发名单", **env).build_key)
    cmd = [sys.executable, "-c", _MAKE_STORE, str(env["cache_dir"]), b.key]
    both = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]  # fmt: skip
    outs = [p.communicate(timeout=120) for p in both]  # waited for: no child left behind
    assert [int(out) for out, _ in outs] == [b.info["quads"]] * 2
    said = [err.count("making the on-disk store") for _, err in outs]
    assert sorted(said) == [0, 1]  # made by one; the other waited and found it
    assert [p.name for p in b.path.iterdir() if p.name.startswith(".store-making")] == []


def test_a_deferred_store_whose_base_or_layer_is_gone_says_how_to_build_again(
    tmp_path, monkeypatch
):
    import shutil

    from alliancegraph.errors import AllianceGraphError

    monkeypatch.setattr("alliancegraph.build.DEFER_ABOVE", 0)
    env = {"root": ROOT, "cache_dir": tmp_path / "cache", "home": tmp_path / "home"}
    rows = _rows(tmp_path / "m.csv", ["单位名称", "单位类型"], ["重庆示例缺失科技有限公司", "企业"])
    report = import_members(rows, CHEM, "缺失名单", **env)
    b = _deferred(env, report.build_key)
    layer = Path(b.info["layer"]["path"])
    kept = layer.read_bytes()
    layer.write_bytes(kept + b"\n")
    with pytest.raises(AllianceGraphError, match=r"gone or changed.*build --force"):
        b.store_path  # noqa: B018
    layer.write_bytes(kept)
    shutil.rmtree(Cache(env["cache_dir"]).build_dir(b.info["appended_to"]))
    with pytest.raises(AllianceGraphError, match=r"no longer in the cache.*build --force"):
        b.store_path  # noqa: B018
    assert not (b.path / "store").exists()
