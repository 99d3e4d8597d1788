"""The right store for the process (issue 16, item 1): long-lived processes answer from an
in-memory copy when the dataset fits the memory budget and say so; one-shot CLI commands
keep the on-disk store. The rule, the environment, the graph's own account of its store,
the same rows from both, and deadlines on the in-memory store."""

from __future__ import annotations

import pytest
from conftest import ROOT

import alliancegraph as ag
from alliancegraph import config
from alliancegraph.cli.common import open_graph
from alliancegraph.errors import QueryTimeout, UsageError
from alliancegraph.store import BYTES_PER_QUAD, choose_kind, memory_needed
from alliancegraph.web.engine import Engine, Settings

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_the_rule_chooses_memory_when_the_copies_fit_the_budget():
    quads = 1_000_000  # 400 MB a copy at BYTES_PER_QUAD = 400
    assert BYTES_PER_QUAD == 400 and memory_needed(quads) == 382
    assert memory_needed(quads, copies=4) == 1526
    assert choose_kind("auto", quads, budget=400) == "memory"
    assert choose_kind("auto", quads, budget=381) == "disk"
    assert choose_kind("auto", quads, budget=1000, copies=4) == "disk"  # 4 workers' copies
    assert choose_kind("memory", quads, budget=0) == "memory"  # asked for: as asked
    assert choose_kind("disk", quads, budget=10**9) == "disk"


def test_the_environment_sets_the_choice_and_the_budget(monkeypatch):
    monkeypatch.delenv("ALLIANCEGRAPH_STORE", raising=False)
    monkeypatch.delenv("ALLIANCEGRAPH_MEMORY_BUDGET", raising=False)
    assert config.store_choice() == "auto"
    assert config.memory_budget() > 0  # a quarter of RAM
    monkeypatch.setenv("ALLIANCEGRAPH_STORE", "Disk")
    monkeypatch.setenv("ALLIANCEGRAPH_MEMORY_BUDGET", "512")
    assert config.store_choice() == "disk" and config.store_choice("memory") == "memory"
    assert config.memory_budget() == 512 and config.memory_budget(7) == 7
    monkeypatch.setenv("ALLIANCEGRAPH_STORE", "ram")
    with pytest.raises(UsageError, match="ALLIANCEGRAPH_STORE='ram' must be one of auto"):
        config.store_choice()
    monkeypatch.setenv("ALLIANCEGRAPH_MEMORY_BUDGET", "lots")
    with pytest.raises(UsageError, match="ALLIANCEGRAPH_MEMORY_BUDGET='lots'"):
        config.memory_budget()


def test_open_says_which_store_it_answers_from(bundled_build, session_cache, monkeypatch):
    monkeypatch.delenv("ALLIANCEGRAPH_STORE", raising=False)
    monkeypatch.setenv("ALLIANCEGRAPH_MEMORY_BUDGET", "100000")
    big = ag.open(root=ROOT, cache_dir=session_cache)
    assert big.store_kind == "memory" and "(memory)" in repr(big)
    assert "in memory (loaded from" in big.store.describe_location()
    monkeypatch.setenv("ALLIANCEGRAPH_MEMORY_BUDGET", "0")  # nothing fits
    small = ag.open(root=ROOT, cache_dir=session_cache)
    assert small.store_kind == "disk" and small.store_path == bundled_build.store_path
    assert ag.open(root=ROOT, cache_dir=session_cache, store="memory").store_kind == "memory"
    monkeypatch.setenv("ALLIANCEGRAPH_STORE", "memory")
    assert ag.open(root=ROOT, cache_dir=session_cache).store_kind == "memory"


def test_one_shot_commands_keep_the_store_on_disk(bundled_build, session_cache, monkeypatch):
    monkeypatch.setenv("ALLIANCEGRAPH_STORE", "memory")  # for long-lived processes only
    g = open_graph(ROOT, session_cache)
    assert g.store_kind == "disk" and g.store_path == bundled_build.store_path


def test_both_stores_give_the_same_rows(bundled_build, session_cache):
    disk = ag.open(root=ROOT, cache_dir=session_cache, store="disk")
    memory = ag.open(root=ROOT, cache_dir=session_cache, store="memory")
    assert len(disk.store) == len(memory.store) == bundled_build.info["quads"]
    asked = {"alliances": {}, "alliance-members": {}, "capital-and-relocation": {}}
    asked["organisations-by-type"] = {"type": "ag:University"}
    for name, params in asked.items():
        rows = [sorted(map(str, g.named(name, **params).rows)) for g in (disk, memory)]
        assert rows[0] == rows[1] and rows[0], name


def test_a_deadline_stops_a_query_on_the_in_memory_store(session_cache):
    g = ag.open(root=ROOT, cache_dir=session_cache, store="memory")
    with pytest.raises(QueryTimeout):
        g.query(CARTESIAN, timeout=0.5)
    assert g.query("ASK { ?a a ag:Alliance }", timeout=10).boolean is True  # still usable


@pytest.mark.parametrize(("budget", "kind"), [(100_000, "memory"), (0, "disk")])
def test_serve_workers_hold_a_copy_when_they_fit_the_budget(graph, budget, kind):
    engine = Engine(graph, Settings(timeout=20, workers=1, memory_budget=budget))
    engine.start()
    try:
        assert engine.store_kind == kind
        assert engine.store_note.startswith(f"store: {kind}, 1 query workers")
        assert f"budget {budget:,} MB" in engine.store_note
        assert (engine.pool.folder is not None) is (kind == "memory")
        assert engine.query("ASK { ?a a ag:Alliance }").boolean is True
    finally:
        engine.stop()


def test_memory_answers_a_large_imports_graph_without_making_its_store(tmp_path, monkeypatch):
    """An import of a large layer leaves the on-disk store to its first use
    (build.DEFER_ABOVE): ``ag.open()`` in memory and serve's in-memory workers load the
    merged N-Quads and never make it; a one-shot command (disk) makes it."""
    import csv

    from alliancegraph.build import Cache
    from alliancegraph.imports import import_members

    monkeypatch.setattr("alliancegraph.build.DEFER_ABOVE", 0)
    env = {"root": ROOT, "cache_dir": tmp_path / "cache", "data_home": tmp_path / "home"}
    rows = tmp_path / "m.csv"
    with rows.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["单位名称", "单位类型"], ["重庆示例内存科技有限公司", "企业"]])
    alliance = "https://w3id.org/alliancegraph/resource/alliance-iot"
    report = import_members(rows, alliance, "名单", root=ROOT, cache_dir=env["cache_dir"],
                            home=env["data_home"])  # fmt: skip
    b = Cache(env["cache_dir"]).get(report.build_key)
    assert b is not None and b.info["store"] == "deferred"
    ask = "ASK { ?o rdfs:label '重庆示例内存科技有限公司'@zh }"
    g = ag.open(**env, store="memory")
    assert g.store_kind == "memory" and g.query(ask).boolean is True
    engine = Engine(g, Settings(timeout=20, workers=1, memory_budget=100_000))
    engine.start()
    try:
        assert engine.store_kind == "memory" and engine.query(ask).boolean is True
    finally:
        engine.stop()
    assert not (b.path / "store").exists()
    disk = ag.open(**env, store="disk")
    assert disk.store_kind == "disk" and disk.query(ask).boolean is True
    assert (b.path / "store").is_dir()
