"""Search, resolve and describe: names, aliases and pinyin find the right entity; several
candidates are listed, never guessed; describe shows every fact with its evidence."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from alliancegraph.errors import AmbiguousEntity, UnknownEntity, UsageError
from alliancegraph.namespaces import AGR, RDFS, SKOS
from alliancegraph.search import describe, find, pinyin_keys, resolve
from alliancegraph.store import EmbeddedStore

CMRI = AGR + "chongqing-materials-research-institute"


@pytest.mark.parametrize(
    "text,slug,kind",
    [
        ("重材院", "chongqing-materials-research-institute", "alias"),
        ("chongcaiyuan", "chongqing-materials-research-institute", "alias"),
        ("重邮", "cqupt", "alias"),
        ("CQUPT", "cqupt", "alias"),
        ("cqupt", "cqupt", "alias"),
        ("物联网联盟", "alliance-iot", "alias"),
        ("重庆邮电大学", "cqupt", "exact"),
        ("chongqingyoudiandaxue", "cqupt", "exact"),  # full pinyin of the zh label
        ("cqyddx", "cqupt", "exact"),  # pinyin initials
        ("Tsinghua University", "tsinghua-university", "exact"),
        ("materials research", "chongqing-materials-research-institute", "substring"),
    ],
)
def test_find_puts_the_right_entity_first(graph, text, slug, kind):
    matches = find(graph, text)
    assert matches[0].iri == AGR + slug
    assert matches[0].kind == kind


def test_find_ranks_exact_alias_prefix_substring(graph):
    matches = find(graph, "物联网联盟")
    assert [(m.iri.removeprefix(AGR), m.kind) for m in matches] == [
        ("alliance-iot", "alias"),
        ("name-gongye-wulianwang-lianmeng", "substring"),  # 工业物联网联盟
    ]
    ranks = [m.rank for m in find(graph, "重庆")]
    assert ranks == sorted(ranks) and ranks[0] == 1 and 2 in ranks  # 重庆 is 重庆市's alias


def test_match_fields(graph):
    m = find(graph, "重材院")[0]
    assert m.label == "重庆材料研究院"
    assert m.label_en == "Chongqing Materials Research Institute"
    assert m.type == "ag:ResearchInstitute"
    assert m.matched == "重材院"


def test_find_is_case_insensitive_and_limited(graph):
    assert find(graph, "TSINGHUA")[0].iri == AGR + "tsinghua-university"
    assert len(find(graph, "重庆", limit=2)) == 2
    assert find(graph, "no such name anywhere") == []
    assert find(graph, "   ") == []


def test_pinyin_keys_cover_heteronyms():
    full, initials = pinyin_keys("重材院")
    assert "chongcaiyuan" in full and "zhongcaiyuan" in full
    assert "ccy" in initials
    assert pinyin_keys("CQUPT") == ((), ())


def test_resolve_iri_slug_prefixed_and_name(graph):
    for text in (
        CMRI,
        f"<{CMRI}>",
        "agr:chongqing-materials-research-institute",
        "chongqing-materials-research-institute",
        "重材院",
        "chongcaiyuan",
    ):
        assert resolve(graph, text) == CMRI, text


def test_resolve_lists_candidates_instead_of_guessing(graph):
    with pytest.raises(AmbiguousEntity) as err:
        resolve(graph, "materials research")
    assert err.value.candidates[0][0] == CMRI
    assert {iri.removeprefix(AGR) for iri, _ in err.value.candidates} == {
        "chongqing-materials-research-institute",
        "place-cmri-park",
        "project-cmri-aimeike-joint",
    }
    assert "重庆材料研究院所在园区" in str(err.value)
    assert isinstance(err.value, UsageError) and err.value.exit_code == 2


def test_resolve_unknown(graph):
    for text in ("no such entity", "agr:no-such-entity", "http://example.org/nothing"):
        with pytest.raises(UnknownEntity):
            resolve(graph, text)


def test_search_runs_on_any_store_interface():
    """A tiny hand-made graph: the same code path as on the bundled one."""
    s = ox.Store()
    a, b = ox.NamedNode(AGR + "a"), ox.NamedNode(AGR + "b")
    s.add(ox.Quad(a, ox.NamedNode(RDFS + "label"), ox.Literal("重庆大学", language="zh")))
    s.add(ox.Quad(a, ox.NamedNode(SKOS + "altLabel"), ox.Literal("重大", language="zh")))
    s.add(ox.Quad(b, ox.NamedNode(RDFS + "label"), ox.Literal("重大项目", language="zh")))
    store = EmbeddedStore(s)
    assert [(m.iri, m.kind) for m in find(store, "重大")] == [
        (AGR + "a", "alias"),
        (AGR + "b", "prefix"),
    ]
    assert resolve(store, "重大") == AGR + "a"
    assert resolve(store, "chongqingdaxue") == AGR + "a"


def test_describe_shows_every_fact_with_evidence_and_source(graph):
    d = describe(graph, "重材院")
    assert d.iri == CMRI and d.label == "重庆材料研究院" and d.aliases == ["重材院"]
    assert "ag:ResearchInstitute" in d.types
    sourced = [f for f in d.facts if f.source]
    assert len(sourced) == 7  # the rows of data/facts.csv naming it
    equity = next(f for f in d.facts if f.predicate == "ag:holdsEquityIn")
    assert (equity.direction, equity.other_label, equity.evidence) == (
        "out",
        "成都爱美科科技材料有限公司",
        "重材院还入股爱美科",
    )
    assert equity.source_label == "24个创新联盟助重庆重点产业加速跑"
    lead = next(f for f in d.facts if f.predicate == "ag:leadInstitution")
    assert lead.direction == "in" and lead.other_label == "重庆市功能材料技术创新战略联盟"
    member_of = next(f for f in d.facts if f.predicate == "org:memberOf")
    assert member_of.inferred and member_of.source is None


def test_describe_refuses_to_guess(graph):
    with pytest.raises(AmbiguousEntity):
        describe(graph, "materials research")


def test_description_becomes_a_dataframe(graph):
    df = graph.describe("爱美科").to_dataframe()
    equity = df[(df.predicate_iri.str.endswith("holdsEquityIn")) & (df.direction == "in")]
    assert equity.evidence.tolist() == ["重材院还入股爱美科"]
    assert equity.other.tolist() == ["重庆材料研究院"]
