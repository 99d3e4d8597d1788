"""The audit of issue 15: the article graph says what the article says, no more.

One test per audit item. Each query is answered by the bundled graph; the answers were read
off the article (data/sources/source-cq-daily-24-alliances.txt) by hand.
"""

from __future__ import annotations

import csv

import pytest
from conftest import ROOT

from alliancegraph.build import Cache, Inputs, build
from alliancegraph.errors import DataError
from alliancegraph.namespaces import AGR

ARTICLE = AGR + "source-cq-daily-24-alliances"


def rows(name: str) -> list[dict]:
    with open(ROOT / "data" / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def slugs(values) -> list[str]:
    return sorted(v.removeprefix(AGR) for v in values)


def table(r) -> list[tuple]:
    """The rows of a result as tuples of strings (None where unbound)."""
    return list(zip(*(r.values(v) for v in r.variables), strict=True))


# -- Must show ----------------------------------------------------------------------------


def test_cqupts_lead_role_is_a_membership(graph):
    r = graph.query("SELECT ?m WHERE { ?m a org:Membership ; org:role ?r ; org:member agr:cqupt }")
    assert len(r) == 1
    m = r.values("m")[0]
    detail = graph.query(
        f"""SELECT ?a ?role ?start ?evidence WHERE {{
          <{m}> org:organization ?a ; org:role ?r ;
                org:memberDuring/<http://www.w3.org/2006/time#hasBeginning>/
                  <http://www.w3.org/2006/time#inXSDgYearMonth> ?start .
          ?r rdfs:label ?role FILTER(lang(?role) = "zh")
          ?rec rdf:subject <{m}> ; rdf:predicate org:role ; ag:evidenceText ?evidence ;
               prov:wasDerivedFrom <{ARTICLE}> }}"""
    )
    assert [(a.removeprefix(AGR), role, start) for a, role, start, _ in table(detail)] == [
        ("alliance-industrial-internet", "牵头单位", "2019-06")
    ]
    assert "由重庆邮电大学牵头成立" in detail.values("evidence")[0]
    # the plain triple is stated too, exactly as imports do
    assert graph.query("ASK { agr:alliance-industrial-internet ag:leadInstitution agr:cqupt }")


def test_every_lead_has_its_membership_with_the_same_role_iri_imports_use(graph):
    leads = table(graph.query("SELECT ?a ?o WHERE { ?a ag:leadInstitution ?o }"))
    with_role = table(
        graph.query(
            """SELECT ?a ?o WHERE { ?m a org:Membership ; org:organization ?a ; org:member ?o ;
                                         org:role agr:role-lead-unit }"""
        )
    )
    assert sorted(leads) == sorted(with_role) and len(leads) >= 3


def test_who_developed_the_standard_finds_an_organisation_or_the_graph_says_why(graph):
    orgs = graph.query(
        "SELECT ?x WHERE { ?x a org:Organization ; ag:developed agr:iso-iec-21823-2 }"
    ).values("x")
    # the article's own developer is a name no alliance bears: the graph says so and why
    why = graph.query(
        """SELECT ?n ?note WHERE { ?n a ag:UnresolvedName ; ag:developed agr:iso-iec-21823-2 ;
                                     skos:editorialNote ?note }"""
    )
    assert why.values("n") == [AGR + "name-gongye-wulianwang-lianmeng"]
    note = graph.query(
        "SELECT ?note WHERE { agr:iso-iec-21823-2 skos:editorialNote ?note }"
    ).values("note")
    assert orgs or (note and "工业物联网联盟" in note[0])
    assert note and "names no organisation" in note[0]


def test_the_alliance_system_acts_collectively_by_its_alliances(graph):
    r = graph.query(
        """SELECT ?x ?doc WHERE { ?x a org:Organization ; ag:developed ?doc ;
                                    ag:collectiveOf agr:alliance-system-chongqing }"""
    )
    assert set(slugs(r.values("x"))) == {"alliances-of-system-chongqing"}
    assert slugs(r.values("doc")) == [
        "guide-chongqing-information-industry",
        "guide-iiot-iot-frequency-2020",
        "plan-high-end-metal-structural-materials",
        "plan-intelligent-connected-vehicles",
    ]
    # a collective is not counted among the organisations
    assert not graph.query("ASK { agr:alliances-of-system-chongqing a org:FormalOrganization }")
    # no ag:developed fact has a subject that is not an organisation, but for the name
    # the article leaves unresolved
    odd = graph.query(
        """SELECT ?x WHERE { ?x ag:developed ?d
                             FILTER NOT EXISTS { ?x a org:Organization }
                             FILTER NOT EXISTS { ?x a ag:UnresolvedName } }"""
    )
    assert len(odd) == 0


# -- one test per audit item --------------------------------------------------------------


def test_no_supporting_institution_is_read_into_ylian_on(graph):
    """facts.csv 52-55: 依托清华大学… is what the members drew on, not a secretariat host."""
    assert len(graph.query("SELECT ?a ?o WHERE { ?a ag:supportingInstitution ?o }")) == 0
    r = graph.query(
        """SELECT ?o ?ev WHERE { agr:member-units-of-general-aviation ag:drewOn ?o .
             ?rec rdf:subject agr:member-units-of-general-aviation ; rdf:predicate ag:drewOn ;
                  rdf:object ?o ; ag:evidenceText ?ev }"""
    )
    assert slugs(r.values("o")) == [
        "beihang-university", "nuaa", "southwest-aluminium-group", "tsinghua-university"
    ]  # fmt: skip
    assert all(ev.startswith("依托") for ev in r.values("ev"))


def test_the_55_projects_were_applied_for_by_the_members_and_are_a_group(graph):
    """facts.csv 57: 申报 (applied for) by 各成员单位; one node is not 55 projects."""
    assert not graph.query("ASK { ?x ag:undertook agr:project-aviation-key-research }")
    assert graph.query(
        """ASK { agr:member-units-of-general-aviation
                   ag:appliedFor agr:project-aviation-key-research ;
                   ag:collectiveOf agr:alliance-general-aviation .
                 agr:project-aviation-key-research a ag:ProjectGroup }"""
    )
    counted = graph.analyze.coverage()
    row = counted[counted["measure"] == "联合申报省部级重点科研项目数"].iloc[0]
    assert int(row["reported"]) == 55 and int(row["counted"]) == 0  # none is named


def test_the_municipal_programme_is_a_funding_programme_with_its_years(graph):
    r = graph.query(
        """SELECT ?y WHERE { ?p a ag:FundingProgramme ; ag:programmeYear ?y ;
                                 rdfs:label "重庆市技术创新与产业化项目"@zh }"""
    )
    assert sorted(r.values("y")) == ["2018", "2019"]
    dt = graph.query("SELECT (DATATYPE(?y) AS ?t) WHERE { ?p ag:programmeYear ?y } LIMIT 1").values(
        "t"
    )
    assert dt == ["http://www.w3.org/2001/XMLSchema#gYear"]
    informed = graph.query(
        "SELECT ?r WHERE { ?r ag:informed agr:programme-cq-innovation-industrialisation }"
    )
    assert len(informed) == 3


def test_the_four_activity_brands_are_brands(graph):
    r = graph.query("SELECT ?b WHERE { agr:alliance-iot ag:hasBrand ?b . ?b a ag:Brand }")
    assert slugs(r.values("b")) == [
        "brand-into-enterprises",
        "brand-iot-innovation-conference",
        "brand-iot-vtalk-salon",
        "brand-wulian-chongqing",
    ]
    assert not graph.query("ASK { agr:alliance-iot ag:organized ?e }")


def test_statistics_have_a_reference_period_and_the_rounded_one_is_approximate(graph):
    r = graph.query(
        """SELECT ?s ?period ?approx WHERE {
             ?s a ag:ReportedStatistic ; ag:scope agr:alliance-system-chongqing .
             OPTIONAL { ?s ag:referencePeriod ?period }
             OPTIONAL { ?s ag:approximate ?approx } }"""
    )
    got = {s.removeprefix(AGR): (p and p.removeprefix(AGR), a) for s, p, a in table(r)}
    assert got["stat-national-funding"] == ("period-recent-years", "true")  # 达4.4亿元
    assert got["stat-research-platforms"] == ("period-at-report", None)  # 拥有…430个
    assert got["stat-industry-plans"] == ("period-at-report", None)  # 目前…已累计
    assert all(p for p, _ in got.values()), got  # every system-wide figure has one
    assert [s for s, (_, a) in got.items() if a] == ["stat-national-funding"]
    # today's properties stay; the figure is an RDF Data Cube observation too
    assert graph.query(
        """ASK { agr:stat-national-funding rdf:value 440000000 ; ag:measure ?m ; ag:unit ?u ;
                   a <http://purl.org/linked-data/cube#Observation> }"""
    )


def test_industry_fields_are_a_skos_concept_scheme(graph):
    fields = {e["id"] for e in rows("entities.csv") if e["type"] == "IndustryField"}
    r = graph.query(
        """SELECT ?f ?zh ?en WHERE { ?f a skos:Concept ;
             skos:inScheme ?scheme ; skos:prefLabel ?zh , ?en .
             ?scheme a skos:ConceptScheme .
             FILTER(lang(?zh) = "zh" && lang(?en) = "en") }"""
    )
    assert set(slugs(r.values("f"))) == fields
    assert len(r) == len(fields)  # one prefLabel per language
    # every skos:broader link is the curators' inference, and marked so
    broader = graph.query(
        """SELECT ?n ?b ?marked WHERE { GRAPH agr:graph-curated { ?n skos:broader ?b }
             OPTIONAL { ?rec rdf:subject ?n ; rdf:predicate skos:broader ; rdf:object ?b ;
                             ag:curatorInference ?marked } }"""
    )
    assert len(broader) >= 4 and set(broader.values("marked")) == {"true"}


def test_the_quotes_of_facts_47_and_68_support_their_facts(graph):
    def evidence(s: str, p: str, o: str) -> list[str]:
        return graph.query(
            f"""SELECT ?ev WHERE {{ ?rec rdf:subject agr:{s} ; rdf:predicate {p} ;
                                        rdf:object agr:{o} ; ag:evidenceText ?ev }}"""
        ).values("ev")

    # 47: the IoT alliance is a candidate because the article calls it 物联网联盟
    ev = evidence("name-gongye-wulianwang-lianmeng", "ag:candidate", "alliance-iot")
    assert ev == ["在物联网联盟的帮助下"]
    # 68: the article names 铂制品 as 重材院's strength, not 贵金属
    assert evidence("chongqing-materials-research-institute", "ag:operatesIn",
                    "field-platinum-products")[0].startswith("铂制品是其重要产品之一")  # fmt: skip
    assert not graph.query(
        "ASK { agr:chongqing-materials-research-institute ag:operatesIn agr:field-precious-metals }"
    )


def test_every_alias_is_quoted_or_marked_as_the_curators(graph):
    r = graph.query(
        """SELECT ?e ?alias WHERE { GRAPH agr:graph-curated { ?e skos:altLabel ?alias }
             FILTER NOT EXISTS { ?rec rdf:subject ?e ; rdf:predicate skos:altLabel ;
                                      rdf:object ?alias ; prov:wasDerivedFrom ?src ;
                                      ag:evidenceText ?ev }
             FILTER NOT EXISTS { ?e ag:curatorAlias ?alias } }"""
    )
    assert len(r) == 0, table(r)
    quoted = graph.query(
        """SELECT ?alias WHERE { ?rec rdf:subject agr:chongqing-materials-research-institute ;
             rdf:predicate skos:altLabel ; rdf:object ?alias ; ag:evidenceText ?ev }"""
    )
    assert quoted.values("alias") == ["重材院"]
    assert graph.query('ASK { agr:cqupt ag:curatorAlias "重邮"@zh }')


def test_nanhang_is_no_alias_of_nuaa(graph):
    """南航 names no organisation: it is only an ambiguous name, marked as such."""
    assert not graph.query('ASK { ?x skos:altLabel|ag:curatorAlias "南航"@zh }')
    holders = graph.query('SELECT ?x WHERE { ?x rdfs:label "南航"@zh }')
    assert [r["x"].value for r in holders] == [AGR + "name-nanhang"]
    assert graph.query("ASK { agr:name-nanhang a ag:UnresolvedName }")
    assert [m.iri for m in graph.find("南航")] == [AGR + "name-nanhang"]


def test_the_missing_must_haves_are_in_the_graph_with_quotes(graph):
    # the robotics alliance's decision consulting for government and firms since 2018
    r = graph.query(
        """SELECT ?start ?audience ?plan WHERE {
             agr:alliance-robotics-intelligent-manufacturing ag:provides ?s .
             ?s a ag:Service ; schema:startDate ?start ; ag:audience ?audience ;
                ag:aboutDocument ?plan }"""
    )
    assert table(r) == [("2018", "政府部门和企业", AGR + "plan-robotics-14th-five-year")]
    # 爱美科 moved because the functional materials alliance 拥有大量专业资源
    ev = graph.query(
        """SELECT ?ev WHERE { agr:aimeike ag:attractedBy agr:alliance-functional-materials .
             ?rec rdf:subject agr:aimeike ; rdf:predicate ag:attractedBy ; ag:evidenceText ?ev }"""
    ).values("ev")
    assert len(ev) == 1 and "拥有大量专业资源" in ev[0]
    # the programme years are data (test above); every new fact is quoted from the article
    for p in ("ag:provides", "ag:attractedBy", "ag:programmeYear", "schema:startDate"):
        assert graph.query(f"ASK {{ ?rec rdf:predicate {p} ; prov:wasDerivedFrom <{ARTICLE}> }}"), p


# -- the new tables: errors name file and line --------------------------------------------


def test_membership_and_alias_rows_are_checked_with_file_and_line(project_copy, tmp_path):
    data = project_copy / "data"
    with open(data / "memberships.csv", "a", encoding="utf-8") as f:
        f.write(
            "alliance-iot,cqupt,role-chair,,source-cq-daily-24-alliances,在物联网联盟的帮助下\n"
        )
        f.write("alliance-iot,cqupt,role-lead-unit,2019-13,source-cq-daily-24-alliances,"
                "在物联网联盟的帮助下\n")  # fmt: skip
    with open(data / "aliases.csv", "a", encoding="utf-8") as f:
        f.write("cqupt,重邮,source-cq-daily-24-alliances,由重庆邮电大学牵头成立\n")
    with open(data / "statistics.csv", "a", encoding="utf-8") as f:
        f.write("stat-x,measure-alliances,24,unit-ge,alliance-system-chongqing,"
                "source-cq-daily-24-alliances,重庆相继成立了24个产业技术创新战略联盟,"
                "place-chongqing,maybe\n")  # fmt: skip
    n_m = len((data / "memberships.csv").read_text(encoding="utf-8").splitlines())
    n_a = len((data / "aliases.csv").read_text(encoding="utf-8").splitlines())
    n_s = len((data / "statistics.csv").read_text(encoding="utf-8").splitlines())
    with pytest.raises(DataError) as err:
        build(Inputs.default(project_copy), Cache(tmp_path / "c"))
    text = str(err.value)
    assert f"data/memberships.csv:{n_m - 1}: unknown role 'role-chair'" in text
    assert f"data/memberships.csv:{n_m}: malformed value '2019-13' in column since" in text
    assert f"data/aliases.csv:{n_a}: alias '重邮' does not stand in its quote" in text
    assert f"data/statistics.csv:{n_s}: period 'place-chongqing' is not a reference period" in text
    assert f"data/statistics.csv:{n_s}: malformed value 'maybe' in column approximate" in text


def test_a_supporting_role_is_a_membership_and_the_plain_triple(project_copy, tmp_path):
    """The n-ary form of ag:supportingInstitution (no curated row uses it: the article names
    no supporting institution), checked on a copy."""
    with open(project_copy / "data" / "memberships.csv", "a", encoding="utf-8") as f:
        f.write("alliance-general-aviation,tsinghua-university,role-supporting-unit,2020,"
                "source-cq-daily-24-alliances,依托清华大学\n")  # fmt: skip
    b = build(Inputs.default(project_copy), Cache(tmp_path / "c"))
    import alliancegraph as ag

    g = ag.open(root=project_copy, cache_dir=tmp_path / "c")
    assert b is not None
    r = g.query(
        """SELECT ?role ?y WHERE { ?m org:member agr:tsinghua-university ;
             org:organization agr:alliance-general-aviation ; org:role/rdfs:label ?role ;
             org:memberDuring/<http://www.w3.org/2006/time#hasBeginning>/
               <http://www.w3.org/2006/time#inXSDgYear> ?y FILTER(lang(?role) = "zh") }"""
    )
    assert table(r) == [("依托单位", "2020")]
    assert g.query(
        "ASK { agr:alliance-general-aviation ag:supportingInstitution agr:tsinghua-university }"
    )
