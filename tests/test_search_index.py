"""Search with an index (issue 16, item 4): labels, aliases, pinyin and types gathered once
per build, kept in the build's folder and loaded once per process; the same answers as
reading the graph through SPARQL on every search."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from conftest import ROOT

import alliancegraph as ag
from alliancegraph import internal, search
from alliancegraph.namespaces import AGR, RDFS, SKOS
from alliancegraph.search import INDEX_FILE, SearchIndex, find, resolve, suggest
from alliancegraph.store import EmbeddedStore

CMRI = AGR + "chongqing-materials-research-institute"
TEXTS = ["重庆", "重材院", "cqupt", "chongqing", "cqyd", "materials", "TSINGHUA", "联盟", "zzz"]


class Counting:
    """A store that counts the label-table queries it answers."""

    def __init__(self, store):
        self.inner, self.label_queries = store, 0

    def query(self, sparql, timeout=None, bindings=None):
        if sparql == internal.text("search-labels"):
            self.label_queries += 1
        return self.inner.query(sparql, timeout=timeout, bindings=bindings)

    def describe_location(self) -> str:
        return "counting"


@pytest.fixture()
def fresh(session_cache, bundled_build):
    """The bundled graph with no index on disk or in this process."""
    (bundled_build.path / INDEX_FILE).unlink(missing_ok=True)
    search._BY_FOLDER.clear()
    search._BY_STORE.clear()
    yield bundled_build
    search._BY_FOLDER.clear()


def test_the_index_is_written_once_and_reused(fresh, session_cache):
    g = ag.open(root=ROOT, cache_dir=session_cache, store="disk")
    g.store = counting = Counting(g.store)
    assert g.find("重材院")[0].iri == CMRI
    path = fresh.path / INDEX_FILE
    assert path.exists() and counting.label_queries == 1
    written = path.stat().st_mtime_ns
    g.find("cqupt"), g.resolve("重材院"), g.suggest("功能材料协会")
    assert counting.label_queries == 1  # loaded once per process
    search._BY_FOLDER.clear()  # another process: reads the file, asks no labels
    again = ag.open(root=ROOT, cache_dir=session_cache, store="disk")
    again.store = counting = Counting(again.store)
    assert again.find("重材院")[0].iri == CMRI
    assert counting.label_queries == 0 and path.stat().st_mtime_ns == written


def test_an_index_of_another_layout_is_rebuilt(fresh, session_cache):
    path = fresh.path / INDEX_FILE
    path.write_text(json.dumps({"version": -1, "entities": [], "types": {}}))
    g = ag.open(root=ROOT, cache_dir=session_cache, store="disk")
    assert g.find("重材院")[0].iri == CMRI
    assert json.loads(path.read_bytes())["version"] == search.INDEX_VERSION


def test_the_same_answers_with_and_without_the_index(graph):
    plain = EmbeddedStore(graph.store.store)  # a mutable store: read through SPARQL each time
    assert not plain.cacheable
    for text in TEXTS:
        with_index = [m.to_dict() for m in graph.find(text, limit=50)]
        without = [m.to_dict() for m in find(plain, text, limit=50)]
        assert with_index == without, text
        assert graph.suggest(text) == suggest(plain, text), text
    assert graph.find("重庆", type="ag:Alliance") == find(plain, "重庆", type="ag:Alliance")
    assert graph.resolve("重材院") == resolve(plain, "重材院")


def test_the_index_finds_what_the_scan_finds_on_a_tiny_graph():
    """Hand-made: alias, prefix, substring, full pinyin, initials, through the file form."""
    s = ox.Store()
    a, b, c = (ox.NamedNode(AGR + x) for x in "abc")
    s.add(ox.Quad(a, ox.NamedNode(RDFS + "label"), ox.Literal("重庆大学", language="zh")))
    s.add(ox.Quad(a, ox.NamedNode(SKOS + "altLabel"), ox.Literal("重大", language="zh")))
    s.add(ox.Quad(b, ox.NamedNode(RDFS + "label"), ox.Literal("重大项目", language="zh")))
    s.add(ox.Quad(c, ox.NamedNode(RDFS + "label"), ox.Literal("Big Project", language="en")))
    store = EmbeddedStore(s)
    index = SearchIndex.from_json(SearchIndex.read(store).to_json())
    assert index is not None
    expected = {
        "重大": [("a", "alias"), ("b", "prefix")],
        "chongqingdaxue": [("a", "exact")],
        "cqdx": [("a", "exact")],
        "daxiang": [("b", "substring")],
        "project": [("c", "substring")],
        "BIG": [("c", "prefix")],
    }
    for text, want in expected.items():
        got = [(m.iri[len(AGR) :], m.kind) for m in find(store, text, index=index)]
        assert got == want, text
        assert find(store, text) == find(store, text, index=index), text
