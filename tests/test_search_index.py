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


# -- ranking on a hand-made index (issue 16: find fast at scale, answers unchanged) -------------

#: slug: (zh label, en label, aliases)
HAND = {
    "cq": ("重庆", "Chongqing", []),
    "cqu": ("重庆大学", "Chongqing University", ["重大"]),
    "project": ("重大项目", None, []),
    "bigproject": (None, "Big Project", []),
    "town": ("大学城", None, ["学城"]),
    "union": ("重庆市大学联盟", None, []),
    "ua": (None, "University Alliance of Chongqing", []),
    "qd": ("庆大", None, []),
    "cd": ("长大", None, []),
    "m1": ("合成材料", None, []),
    "m2": ("合成材料", None, []),
    "m3": ("材料甲", None, []),
    "m0": ("材料乙", None, []),
    "by": (None, "by", []),
    "xa": (None, "xa", []),
}


@pytest.fixture(scope="module")
def hand():
    """The store and index of HAND (through the index's file form)."""
    s = ox.Store()
    for slug, (zh, en, aliases) in HAND.items():
        node = ox.NamedNode(AGR + slug)
        for text, lang in ((zh, "zh"), (en, "en")):
            if text:
                s.add(ox.Quad(node, ox.NamedNode(RDFS + "label"), ox.Literal(text, language=lang)))
        for alias in aliases:
            s.add(ox.Quad(node, ox.NamedNode(SKOS + "altLabel"), ox.Literal(alias, language="zh")))
    store = EmbeddedStore(s)
    index = SearchIndex.from_json(SearchIndex.read(store).to_json())
    assert index is not None
    return store, index


def _found(store, index, text: str, limit: int = 100) -> list[tuple[str, str, str]]:
    return [(m.iri[len(AGR) :], m.kind, m.matched) for m in find(store, text, limit, index=index)]


def test_find_ranks_a_hand_made_index_as_by_hand(hand):
    """Exact label > alias > prefix > substring; then the shorter name, then the name, then
    the entity's label and IRI; pinyin counts as the name (substrings from three letters),
    initials only whole or as a prefix of two letters or more."""
    store, index = hand
    expected = {
        "重庆": [("cq", "exact", "重庆"), ("cqu", "prefix", "重庆大学"),
                 ("union", "prefix", "重庆市大学联盟")],
        "chongqing": [("cq", "exact", "重庆"), ("cqu", "prefix", "重庆大学"),
                      ("union", "prefix", "重庆市大学联盟"),
                      ("ua", "substring", "University Alliance of Chongqing")],
        "重大": [("cqu", "alias", "重大"), ("project", "prefix", "重大项目")],
        "zd": [("cd", "exact", "长大"), ("cqu", "alias", "重大"),
               ("project", "prefix", "重大项目")],
        "daxue": [("town", "prefix", "大学城"), ("cqu", "substring", "重庆大学"),
                  ("union", "substring", "重庆市大学联盟")],
        "dx": [("town", "prefix", "大学城")],  # cqdx holds dx: initials match no substring
        "da": [("town", "prefix", "大学城")],  # zhongda holds da: two letters are no substring
        "dai": [("qd", "substring", "庆大")],  # a second reading, qingdai
        "学城": [("town", "alias", "学城")],
        "材料": [("m0", "prefix", "材料乙"), ("m3", "prefix", "材料甲"),
                 ("m1", "substring", "合成材料"), ("m2", "substring", "合成材料")],
        "BIG": [("bigproject", "prefix", "Big Project")],
        "y\x00x": [],  # no match across two names
    }  # fmt: skip
    for text, want in expected.items():
        assert _found(store, index, text) == want, text
        for n in range(1, len(want) + 1):  # the best n, however early search stops
            assert _found(store, index, text, n) == want[:n], (text, n)


def _reference(index: SearchIndex, text: str) -> list[tuple[str, str, str]]:
    """find's ranking written out plainly: every name of every entity graded, all sorted."""
    query = search._fold(text)
    squeezed = search._NOT_ALNUM.sub("", query)
    latin = not search._CJK.search(query) and bool(squeezed)
    if not query:
        return []
    graded = []
    for e in index.entities:
        grades = []
        for names, exact in ((e.labels, "exact"), (e.aliases, "alias")):
            for n in names:
                kinds = []
                if n.folded == query:
                    kinds.append(exact)
                elif n.folded.startswith(query):
                    kinds.append("prefix")
                elif query in n.folded:
                    kinds.append("substring")
                full, initials = n.keys()
                for key in full if latin else ():
                    if key == squeezed:
                        kinds.append(exact)
                    elif key.startswith(squeezed):
                        kinds.append("prefix")
                    elif len(squeezed) >= 3 and squeezed in key:
                        kinds.append("substring")
                for key in initials if latin else ():
                    if key == squeezed:
                        kinds.append(exact)
                    elif len(squeezed) >= 2 and key.startswith(squeezed):
                        kinds.append("prefix")
                grades += [(search.RANK[k], len(n.text), n.text, k) for k in kinds]
        if grades:
            graded.append((min(grades), e.zh or e.en or e.iri, e.iri))
    graded.sort()
    return [(iri[len(AGR) :], g[3], g[2]) for g, _, iri in graded]


def test_find_agrees_with_grading_every_name_for_every_part_of_every_name(hand, monkeypatch):
    """Every piece of every name and pinyin key, at every limit, with and without the
    trigram lookup: the best ``limit`` of the full ranking."""
    store, index = hand
    pieces = {"y\x00x", "ZD", " daxue ", "chong qing"}
    for e in index.entities:
        for n in (*e.labels, *e.aliases):
            for w in (n.text, *n.keys()[0], *n.keys()[1]):
                pieces.update(w[i:j] for i in range(len(w)) for j in range(i + 1, len(w) + 1))
    for text in sorted(pieces):
        want = _reference(index, text)
        assert _found(store, index, text) == want, text
        for n in range(1, len(want)):
            assert _found(store, index, text, n) == want[:n], (text, n)
    plain = SearchIndex(index.entities, index.types)  # keys that are not ASCII: a scan
    monkeypatch.setattr(search, "_trigrams", lambda hay, starts: None)
    for text in sorted(pieces):
        assert _found(store, plain, text) == _reference(index, text), text
    assert plain.tables().pinyin().grams is None
