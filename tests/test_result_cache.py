"""The endpoint's result cache (issue 16, item 5): a build's dataset never changes, so a
whole answer is kept by (build, query, Accept, format, caps) and served again, tagged with
an ETag per build; never another build's answer, never an error or a cut answer."""

from __future__ import annotations

import httpx
import pyoxigraph as ox
import pytest
from engines import running

from alliancegraph.build import Build
from alliancegraph.graph import AllianceGraph
from alliancegraph.namespaces import AG, AGR, RDF
from alliancegraph.store import EmbeddedStore
from alliancegraph.web.app import create_app
from alliancegraph.web.data import Cache
from alliancegraph.web.engine import Settings

QUERY = "SELECT ?a WHERE { ?a a ag:Alliance } ORDER BY ?a"
JSON = {"Accept": "application/sparql-results+json"}


class Counting(EmbeddedStore):
    """An in-memory store that counts the queries it answers."""

    asked = 0

    def query(self, sparql, timeout=None, bindings=None, substitutions=None):
        self.asked += 1
        return super().query(sparql, timeout, bindings, substitutions)


def graph_of(key: str, alliances: list[str], tmp_path) -> tuple[AllianceGraph, Counting]:
    """A graph of ``alliances`` as if built with key ``key``."""
    s = ox.Store()
    for name in alliances:
        s.add(
            ox.Quad(
                ox.NamedNode(AGR + name), ox.NamedNode(RDF + "type"), ox.NamedNode(AG + "Alliance")
            )
        )
    store = Counting(s)
    return AllianceGraph(store, Build(key, tmp_path / key, {"quads": len(s)})), store


def ask(url: str, query: str = QUERY, **headers: str) -> httpx.Response:
    return httpx.post(
        url + "/sparql", data={"query": query}, headers={**JSON, **headers}, timeout=30
    )


def test_the_same_request_is_answered_once_then_from_the_cache(tmp_path):
    g, store = graph_of("k1", ["a", "b"], tmp_path)
    with running(create_app(g, Settings(timeout=10, pool=False))) as url:
        first, second = ask(url), ask(url)
        assert first.status_code == second.status_code == 200
        assert first.content == second.content and store.asked == 1
        etag = first.headers["ETag"]
        assert etag == second.headers["ETag"] and etag.startswith('"k1-')
        unchanged = ask(url, **{"If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.content == b""
        assert ask(url, Accept="text/csv").text.split() == ["a", AGR + "a", AGR + "b"]
        assert store.asked == 2  # another format is another answer


def test_another_build_never_gets_this_builds_answer(tmp_path):
    one, _ = graph_of("k1", ["a"], tmp_path)
    two, _ = graph_of("k2", ["z"], tmp_path)
    with (
        running(create_app(one, Settings(timeout=10, pool=False))) as u1,
        running(create_app(two, Settings(timeout=10, pool=False))) as u2,
    ):
        r1 = ask(u1)
        r2 = ask(u2, **{"If-None-Match": r1.headers["ETag"]})
        assert r2.status_code == 200 and r2.headers["ETag"] != r1.headers["ETag"]
        assert AGR + "z" in r2.text and AGR + "a" not in r2.text


@pytest.mark.parametrize("bad", ["cut", "error"])
def test_errors_and_cut_answers_are_never_kept(tmp_path, bad):
    g, store = graph_of("k1", ["a", "b", "c"], tmp_path)
    app = create_app(g, Settings(timeout=10, pool=False, max_rows=2))
    query = QUERY if bad == "cut" else "SELECT ?a WHERE { ?a a ag:Alliance } ORDER BY ?nope("
    with running(app) as url:
        answers = [ask(url, query), ask(url, query)]
    engine = app.state.engine
    if bad == "cut":
        assert all(r.status_code == 200 and "X-Result-Truncated" in r.headers for r in answers)
        assert "ETag" not in answers[0].headers and store.asked == 2
    else:
        assert all(r.status_code == 400 for r in answers)
    assert engine.results.items == {}


def test_a_graph_whose_data_may_change_is_not_cached(tmp_path):
    g = AllianceGraph(EmbeddedStore(ox.Store()))  # no build: nothing says it is fixed
    with running(create_app(g, Settings(timeout=10, pool=False))) as url:
        r = ask(url)
    assert r.status_code == 200 and "ETag" not in r.headers


def test_the_cache_keeps_at_most_its_bytes():
    cache = Cache(size=100, max_bytes=800)
    assert cache.put("a", b"x" * 100, 100) and cache.put("b", b"y" * 100, 100)
    assert not cache.put("huge", b"z" * 101, 101)  # more than an eighth: not kept
    for i in range(8):
        cache.put(i, b"w" * 100, 100)
    assert cache.peek("a") is None and cache.bytes <= 800 and cache.peek(7) is not None


@pytest.mark.parametrize("header", [{"Cache-Control": "no-cache"}, {"Pragma": "no-cache"}])
def test_a_request_for_a_fresh_answer_is_answered_by_the_store(tmp_path, header):
    """``Cache-Control: no-cache`` (RFC 9111, 5.2.1.4) asks for an answer not served from a
    store without validation: the query runs again (and its answer is kept for the next)."""
    g, store = graph_of("k1", ["a", "b"], tmp_path)
    with running(create_app(g, Settings(timeout=10, pool=False))) as url:
        first = ask(url)
        fresh = ask(url, **header)
        assert fresh.status_code == 200 and fresh.content == first.content
        assert store.asked == 2
        assert ask(url).content == first.content and store.asked == 2
