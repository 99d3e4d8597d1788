"""The curated article graph: honest facts, provenance on every fact, entailments."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT

import alliancegraph as ag
from alliancegraph.build import Cache, Inputs, build
from alliancegraph.errors import DataError
from alliancegraph.quotes import found, squeeze

ARTICLE = "https://w3id.org/alliancegraph/resource/source-cq-daily-24-alliances"


def rows(name: str) -> list[dict]:
    with open(ROOT / "data" / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_every_article_quote_is_verbatim():
    stored = {p.stem for p in (ROOT / "data" / "sources").glob("*.txt")}
    quotes = [
        r
        for name in ("facts.csv", "statistics.csv", "memberships.csv", "aliases.csv")
        for r in rows(name)
        if r["source"] in stored
    ]
    assert len([r for r in quotes if r["source"] == "source-cq-daily-24-alliances"]) > 90
    report = ag.check_quotes(root=ROOT)
    assert report.ok, report.lines()
    # every quote of a source whose text is stored was held to it (memberships and
    # quoted aliases included)
    assert report.checked == len(quotes)


def test_the_quote_rule_ignores_white_space_and_honours_ellipses():
    text = squeeze("由重庆邮电大学牵头成立的重庆 [图片说明] 市工业互联网技术创新战略联盟")
    assert found("由重庆邮 电大学牵头成立", text)
    assert found("由重庆邮电大学牵头成立的重庆…市工业互联网技术创新战略联盟", text)
    assert not found("由重庆大学牵头成立", text)
    assert not found("…", text)
    report = ag.check_quotes(["吸纳成员单位1934家", "吸纳成员单位1935家"], root=ROOT)
    assert report.checked == 2 and [q for _, q, _ in report.missing] == ["吸纳成员单位1935家"]


def test_the_build_holds_every_quote_to_its_stored_source(project_copy):
    facts = project_copy / "data" / "facts.csv"
    lines = facts.read_text(encoding="utf-8").splitlines()
    assert lines[1].endswith(",重庆相继成立了24个产业技术创新战略联盟")
    lines[1] = lines[1].replace("24个", "25个")
    facts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        build(Inputs.default(project_copy), Cache(project_copy / "cache"))
    assert "data/facts.csv:2" in str(e.value) and "not verbatim in sources/" in str(e.value)


def test_check_quotes_command(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "alliancegraph.cli", "check", "quotes", "--root", str(ROOT)],
        capture_output=True, text=True,
    )  # fmt: skip
    counted = re.search(r"(\d+) of (\d+) quotes found verbatim", done.stderr)
    assert done.returncode == 0 and counted and counted[1] == counted[2]
    bad = tmp_path / "q.txt"
    bad.write_text("吸纳成员单位1934家\n吸纳成员单位1935家\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "alliancegraph.cli", "check", "quotes", str(bad),
         "--root", str(ROOT)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1 and "吸纳成员单位1935家" in done.stdout


@pytest.mark.slow
def test_quote_test_passes_in_a_clone_with_nothing_beside_it(tmp_path):
    """The project carries what it needs: a user's clone has nothing beside it."""
    clone = tmp_path / "lonely" / "alliancegraph"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    assert sorted(p.name for p in clone.parent.iterdir()) == ["alliancegraph"]
    env = {**os.environ, "PYTHONPATH": str(clone / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_curation.py", "-k", "verbatim or stored_source or check_quotes"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout  # the checker, the build's check and the command


def test_quotes_are_short():
    for name in ("facts.csv", "statistics.csv"):
        for r in rows(name):
            assert 2 <= len(r["evidence"]) <= 60, r


# Left out: names and notes, the curators' own marks (ag:curatorAlias: no source gives it,
# which tests/test_audit.py checks), the industry-field scheme (skos:inScheme, skos:prefLabel
# = rdfs:label) and the structure of an org:Membership, whose org:role carries the record.
FACTS_WITHOUT_RECORD = """
SELECT ?s ?p ?o WHERE {
  GRAPH agr:graph-curated { ?s ?p ?o }
  FILTER(?p NOT IN (rdf:type, rdfs:label, skos:altLabel, skos:editorialNote, ag:curatorAlias,
                    skos:inScheme, skos:prefLabel, org:member, org:organization,
                    org:memberDuring, <http://www.w3.org/2006/time#hasBeginning>))
  FILTER NOT EXISTS { GRAPH agr:graph-curated { ?s a rdf:Statement } }
  FILTER NOT EXISTS { GRAPH agr:graph-curated { ?s a ag:SourceDocument } }
  FILTER NOT EXISTS { ?r rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }
}"""

RECORDS_NOT_ASSERTED = """
SELECT ?r WHERE {
  GRAPH agr:graph-curated { ?r a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ;
                               rdf:object ?o }
  FILTER NOT EXISTS { GRAPH agr:graph-curated { ?s ?p ?o } }
}"""


def test_every_fact_has_a_provenance_record(graph):
    assert len(graph.query(FACTS_WITHOUT_RECORD)) == 0
    assert len(graph.query("SELECT ?r { ?r a rdf:Statement }")) >= 120


def test_every_record_is_asserted_and_complete(graph):
    assert len(graph.query(RECORDS_NOT_ASSERTED)) == 0
    incomplete = graph.query(
        "SELECT ?r { ?r a rdf:Statement "
        "FILTER NOT EXISTS { ?r prov:wasDerivedFrom ?src ; ag:evidenceText ?q } }"
    )
    assert len(incomplete) == 0


def test_lead_institutions_are_the_articles(graph):
    r = graph.query(
        # the article's alliances only: the other sources' alliances (e.g. the 化工新材料
        # alliance, led by 华峰集团 and 重庆大学) are not part of its system of 24
        "SELECT ?l WHERE { ?a a ag:Alliance ; ag:partOfSystem agr:alliance-system-chongqing ; "
        "ag:leadInstitution/rdfs:label ?l FILTER(lang(?l) = 'zh') }"
    )
    assert sorted(r.values("l")) == [
        "重庆材料研究院",
        "重庆通用航空产业集团有限公司",
        "重庆邮电大学",
    ]


def test_subclass_entailment_finds_universities(graph):
    r = graph.query("SELECT ?x WHERE { ?x a org:Organization ; a ag:University }")
    assert {v.rsplit("/", 1)[1] for v in r.values("x")} == {
        "cqupt",
        "tsinghua-university",
        "beihang-university",
        "nuaa",
        "chongqing-university",
        "southwest-university",
    }


def test_memberof_is_entailed_from_lead_institution(graph):
    # org:memberOf is never written down in data/, and no lead is written as org:hasMember:
    # a lead's membership comes from ag:leadInstitution ⊑ org:hasMember and org:memberOf
    # owl:inverseOf org:hasMember. The only org:hasMember rows in data/facts.csv are the
    # plain members the Xinhua report and the AII chapter's page name (issue 15).
    assert len(graph.query("SELECT * { GRAPH agr:graph-curated { ?o org:memberOf ?a } }")) == 0
    stated = graph.query("SELECT ?a ?o { GRAPH agr:graph-curated { ?a org:hasMember ?o } }")
    stated_pairs = {
        (o.rsplit("/", 1)[1], a.rsplit("/", 1)[1])
        for o, a in zip(stated.values("o"), stated.values("a"), strict=True)
    }
    assert stated_pairs == {
        ("yuntianhua-tianju", "alliance-chemical-new-materials"),
        ("cq-life-science-new-materials-group", "alliance-chemical-new-materials"),
        ("cas-institute-of-process-engineering", "alliance-chemical-new-materials"),
        ("southwest-university", "alliance-chemical-new-materials"),
        ("zongshen-group", "aii-chongqing-chapter"),
    }
    leads = {
        ("chongqing-materials-research-institute", "alliance-functional-materials"),
        ("cqupt", "alliance-industrial-internet"),
        ("chongqing-general-aviation-group", "alliance-general-aviation"),
        ("huafeng-group", "alliance-chemical-new-materials"),
        ("chongqing-university", "alliance-chemical-new-materials"),
    }
    assert not leads & stated_pairs  # leads are entailed, never stated as members
    r = graph.query("SELECT ?o ?a WHERE { ?o org:memberOf ?a }")
    pairs = {
        (o.rsplit("/", 1)[1], a.rsplit("/", 1)[1])
        for o, a in zip(r.values("o"), r.values("a"), strict=True)
    }
    assert pairs == leads | stated_pairs


def test_symmetric_collaboration(graph):
    assert graph.query(
        "ASK { agr:chongqing-materials-research-institute ag:collaboratesWith agr:aimeike }"
    ).boolean


def test_reported_figures_in_base_units(graph):
    # the article's figures (other sources report e.g. a second member-units figure, 58)
    r = graph.query(
        "SELECT ?m ?v WHERE { ?s a ag:ReportedStatistic ; ag:measure ?m ; rdf:value ?v . "
        "?r rdf:subject ?s ; rdf:predicate rdf:value ; "
        "prov:wasDerivedFrom agr:source-cq-daily-24-alliances }"
    )
    figures = {
        m.rsplit("measure-", 1)[1]: v for m, v in zip(r.values("m"), r.values("v"), strict=True)
    }
    assert figures == {
        "alliances": "24",
        "member-units": "1934",
        "research-platforms": "430",
        "industry-plans": "13",
        "national-projects": "21",
        "national-funding": "440000000",
        "municipal-projects": "145",
        "core-technologies": "86",
        "high-tech-products": "57",
        "joint-provincial-projects": "55",
        "roadmap-fields": "6",
    }
    # the other sources' figures, by statistic (statistics.csv), a percentage kept decimal
    r = graph.query(
        "SELECT ?s ?v WHERE { ?s a ag:ReportedStatistic ; rdf:value ?v . "
        "FILTER NOT EXISTS { ?r rdf:subject ?s ; rdf:predicate rdf:value ; "
        "prov:wasDerivedFrom agr:source-cq-daily-24-alliances } }"
    )
    others = {s.rsplit("/", 1)[1]: v for s, v in zip(r.values("s"), r.values("v"), strict=True)}
    assert others == {
        "stat-2021-alliances-proposed": "13",
        "stat-smart-sensing-first-members": "58",
        "stat-smart-sensing-first-universities": "7",
        "stat-smart-sensing-first-institutes": "9",
        "stat-smart-sensing-first-enterprises": "42",
        "stat-chemical-materials-enterprises": "32",
        "stat-chemical-materials-universities-institutes": "17",
        "stat-iso-iec-21823-2-np-vote": "87.5",
        "stat-iso-iec-21823-2-np-countries": "7",
        "stat-iso-iec-21823-2-adopting-countries": "6",
    }


def test_aliases_sit_on_one_node(graph):
    r = graph.query(
        "SELECT ?e WHERE { ?e skos:altLabel ?a FILTER(str(?a) IN "
        "('重材院', '品胜科技', '爱美科', '物联网联盟', '市科技局', '重邮')) }"
    )
    assert len(r) == 6 and len(set(r.values("e"))) == 6
    assert len(graph.query("SELECT ?e WHERE { ?e rdfs:label '重庆材料研究院'@zh }")) == 1


def test_ambiguous_name_is_recorded_with_candidates(graph):
    r = graph.query(
        "SELECT ?c ?note WHERE { ?n a ag:UnresolvedName ; rdfs:label '工业物联网联盟'@zh ; "
        "ag:candidate ?c ; skos:editorialNote ?note }"
    )
    assert {c.rsplit("/", 1)[1] for c in r.values("c")} == {
        "alliance-industrial-internet",
        "alliance-iot",
    }


def test_outside_fact_cites_its_own_source(graph):
    r = graph.query(
        "SELECT ?src ?q WHERE { ?r rdf:subject agr:iso-iec-21823-2 ; "
        "rdf:predicate ag:standardNumber ; prov:wasDerivedFrom ?src ; ag:evidenceText ?q }"
    )
    assert r.values("src") == [
        "https://w3id.org/alliancegraph/resource/source-iso-iec-21823-2-catalogue"
    ]


def test_article_date_is_not_invented(graph):
    assert not graph.query(f"ASK {{ <{ARTICLE}> dcterms:issued ?d }}").boolean
    r = graph.query("SELECT ?d WHERE { agr:alliance-industrial-internet schema:foundingDate ?d }")
    d = r.rows[0][0]
    assert (d.value, d.datatype.value) == ("2019-06", "http://www.w3.org/2001/XMLSchema#gYearMonth")
