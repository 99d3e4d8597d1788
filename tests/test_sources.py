"""The stored sources (issue 15, item 5): each has its row and address in sources.csv,
every quote of every one of them stands verbatim in its text, and what the newer sources
state comes back with its provenance (source and quote)."""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox

import alliancegraph as ag
from alliancegraph.namespaces import AGR
from alliancegraph.quotes import SOURCES_DIR

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"

NOTICE = "source-cqstb-2021-alliance-proposed-recognition"
CQUPT_PAGE = "source-cqupt-2017-iso-iec-21823-2-approved"
SMART_SENSING = "source-chinanews-2020-smart-sensing-alliance-en"
CHEMICALS = "source-xinhua-chemical-new-materials-alliance"


def rows(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def stored() -> list[str]:
    return sorted(p.stem for p in (DATA / SOURCES_DIR).glob("*.txt"))


def test_every_stored_source_has_a_row_with_an_address():
    sources = {r["id"]: r for r in rows("sources.csv")}
    assert len(stored()) >= 8
    for sid in stored():
        assert sid in sources, f"{SOURCES_DIR}/{sid}.txt has no row in sources.csv"
        row = sources[sid]
        # an address: the page's URL, or (the scanned print article) a note that says so
        assert row["url"].startswith(("http://", "https://")) or "from print" in row["note"], sid
        assert row["publisher"] and row["title"], sid
    # a page that is a copy of someone else's report says so (until sources.csv has a column)
    for sid in (NOTICE, SMART_SENSING, CHEMICALS):
        assert sources[sid]["note"].startswith("Secondary copy"), sid
    assert sources[CQUPT_PAGE]["note"].startswith("Primary"), CQUPT_PAGE


def test_every_quote_of_every_stored_source_is_verbatim():
    texts = set(stored())
    quotes = [
        (name, r)
        for name in sorted(p.name for p in DATA.glob("*.csv"))
        for r in rows(name)
        if r.get("evidence") and r.get("source") in texts
    ]
    report = ag.check_quotes(root=ROOT)
    assert report.ok, report.lines()
    assert report.checked == len(quotes)  # every quote of a stored source was held to it
    quoted = {r["source"] for _, r in quotes}
    assert quoted == texts  # and every stored source gives at least one quote


def test_a_new_source_fact_comes_back_with_its_provenance(graph):
    q = """
    SELECT ?who ?src ?quote WHERE {
      ?who a org:Organization ; ag:developed agr:iso-iec-21823-2 .
      ?r rdf:subject ?who ; rdf:predicate ag:developed ; rdf:object agr:iso-iec-21823-2 ;
         prov:wasDerivedFrom ?src ; ag:evidenceText ?quote .
    }"""
    r = graph.query(q)
    got = set(zip(r.values("who"), r.values("src"), r.values("quote"), strict=True))
    assert got == {
        (AGR + "cqupt", AGR + CQUPT_PAGE,
         "ISO/IEC 21823-2 Built Under the Leadership of CQUPT"),
    }  # fmt: skip


def test_recognition_steps_are_dated_events_with_their_source(graph):
    q = """
    SELECT ?start ?end ?src WHERE {
      ?e a ag:Event ; ag:eventType ag:PublicNotice ; schema:about agr:alliance-intelligent-sensing ;
         schema:startDate ?start ; schema:endDate ?end .
      ?r rdf:subject ?e ; rdf:predicate schema:startDate ; prov:wasDerivedFrom ?src .
    }"""
    r = graph.query(q)
    assert list(zip(r.values("start"), r.values("end"), r.values("src"), strict=True)) == [
        ("2021-10-27", "2021-11-02", AGR + NOTICE)
    ]
    # proposed, not recognised; and no source puts the newcomers among the article's 24
    ask = """ASK { VALUES ?a { agr:alliance-intelligent-sensing agr:alliance-agricultural-machinery
                              agr:alliance-allergic-disease-prevention
                              agr:alliance-international-smart-sensing
                              agr:alliance-chemical-new-materials }
                   { ?a ag:partOfSystem ?s } UNION
                   { ?e ag:eventType ag:Recognition ; schema:about ?a } }"""
    assert not graph.query(ask).boolean


def test_reported_figures_and_look_alikes_from_the_new_sources(graph):
    q = """
    SELECT ?m ?v WHERE {
      ?s a ag:ReportedStatistic ; ag:scope agr:alliance-international-smart-sensing ;
         ag:measure ?m ; rdf:value ?v .
      ?r rdf:subject ?s ; rdf:predicate rdf:value ; prov:wasDerivedFrom ?src .
    }"""
    r = graph.query(q, bindings={"src": ox.NamedNode(AGR + SMART_SENSING)})
    got = {m.rsplit("/", 1)[1]: int(v) for m, v in zip(r.values("m"), r.values("v"), strict=True)}
    assert got == {
        "measure-member-units": 58,
        "measure-member-universities": 7,
        "measure-member-research-institutes": 9,
        "measure-member-enterprises": 42,
    }
    leads = graph.query(
        "SELECT ?o WHERE { agr:alliance-chemical-new-materials ag:leadInstitution ?o }"
    ).values("o")
    assert sorted(leads) == [AGR + "chongqing-university", AGR + "huafeng-group"]
    # the look-alikes are other bodies, never alliances
    ask = "ASK { VALUES ?x { agr:aii-chongqing-chapter agr:high-tech-zones-alliance } ?x a ?c }"
    assert graph.query(ask).boolean
    ask = ask.replace("?c", "ag:Alliance")
    assert not graph.query(ask).boolean
