"""Synthetic member lists: their shape, determinism, and an import at the reported scale
(1,934 members) end to end, kept apart from the curated data and flagged."""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from alliancegraph.build import Cache
from alliancegraph.cli import app
from alliancegraph.members import credit_code_valid
from alliancegraph.namespaces import GRAPH_CURATED, GRAPH_SYNTHETIC
from alliancegraph.store import EmbeddedStore
from alliancegraph.synthetic import REPORTED, generate, import_synthetic, write

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def lists():
    return generate(1, seed=7)


def test_reported_scale_and_shape(lists):
    counts = lists.counts()
    assert counts["alliances"] == REPORTED["alliances"] == 24
    assert counts["members"] == REPORTED["members"] == 1934
    assert counts["platforms"] == REPORTED["platforms"] == 430
    sizes = sorted(Counter(m["联盟"] for m in lists.members).values())
    assert sizes[-1] > 3 * statistics.median(sizes)  # heavy tail: a few large alliances
    seats = Counter(m["单位名称"] for m in lists.members)
    assert sum(1 for n in seats.values() if n > 1) > 0.1 * len(seats)  # several alliances
    kinds = Counter({m["单位名称"]: m["单位类型"] for m in lists.members}.values())
    assert kinds["企业"] > 0.6 * len(seats)
    assert kinds["高等院校"] > 0 and kinds["科研机构"] > 0  # 产学研
    firms = [m for m in lists.members if m["单位类型"] == "企业"]
    assert sum(1 for m in firms if m["产业链环节"]) > 0.5 * len(firms)
    assert all(m["单位名称"].startswith("合成·") for m in lists.members)
    codes = [m["统一社会信用代码"] for m in lists.members if m["统一社会信用代码"]]
    assert codes and all(c.startswith("X") and credit_code_valid(c) for c in codes)


def test_deterministic_for_a_seed(tmp_path):
    runner = CliRunner()
    for d in ("a", "b", "c"):
        seed = "3" if d != "c" else "4"
        r = runner.invoke(
            app, ["synth", "--scale", "0.2", "--seed", seed, "--out", str(tmp_path / d)]
        )
        assert r.exit_code == 0, r.output
    same = (tmp_path / "a" / "members.csv").read_bytes() == (
        tmp_path / "b" / "members.csv"
    ).read_bytes()
    other = (tmp_path / "a" / "members.csv").read_bytes() != (
        tmp_path / "c" / "members.csv"
    ).read_bytes()
    assert same and other
    with (tmp_path / "a" / "members.csv").open(encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header[:3] == ["联盟", "单位名称", "英文名称"]


@pytest.fixture(scope="module")
def imported(lists, tmp_path_factory):
    """The scale-1 lists imported into a private data folder and cache."""
    base = tmp_path_factory.mktemp("synthetic")
    write(lists, base / "lists")
    report = import_synthetic(
        base / "lists", root=ROOT, cache_dir=base / "cache", home=base / "home"
    )
    store = EmbeddedStore.open(Cache(base / "cache").current().store_path)
    return report, store, base


def test_import_at_reported_scale_shows_known_versus_reported(imported):
    report, store, _ = imported
    assert report.changed and report.new["org"] == 1934
    # the article's system-wide figure (another source reports 58 first members of the
    # smart-sensing alliance with the same measure)
    row = store.query(
        """SELECT (COUNT(DISTINCT ?m) AS ?known) ?reported WHERE {
             ?a org:hasMember ?m .
             ?s a ag:ReportedStatistic ; ag:measure agr:measure-member-units ;
                ag:scope agr:alliance-system-chongqing ; rdf:value ?reported
           } GROUP BY ?reported"""
    ).rows[0]
    known, reported = int(row[0].value), int(row[1].value)
    assert reported == 1934
    synthetic = store.query(
        "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?a org:hasMember ?m . ?m ag:synthetic true }"
    ).rows[0][0]
    assert int(synthetic.value) == 1934
    assert known > 1934  # the curated members (lead institutions) besides the synthetic ones
    platforms = store.query(
        "SELECT (COUNT(?p) AS ?n) WHERE { ?p a ag:ResearchPlatform ; ag:synthetic true }"
    ).rows[0][0]
    assert int(platforms.value) == 430


def test_synthetic_nodes_are_flagged_and_kept_apart(imported):
    _, store, _ = imported
    unflagged = store.query(
        f"""SELECT DISTINCT ?s WHERE {{
              GRAPH <{GRAPH_SYNTHETIC}> {{ ?s a ?t }}
              FILTER NOT EXISTS {{ ?s ag:synthetic true }}
              FILTER NOT EXISTS {{ ?s a org:Role }}
              FILTER NOT EXISTS {{ ?s a rdf:Statement }}
            }}"""
    ).rows
    assert unflagged == []
    # provenance records of synthetic facts derive from the flagged synthetic source
    records = store.query(
        f"""SELECT (COUNT(?r) AS ?n) (SUM(IF(EXISTS {{ ?src ag:synthetic true }}, 1, 0)) AS ?ok)
            WHERE {{ GRAPH <{GRAPH_SYNTHETIC}> {{ ?r a rdf:Statement ;
                     prov:wasDerivedFrom ?src }} }}"""
    ).rows[0]
    assert int(records[0].value) > 2000 and records[0].value == records[1].value
    mixed = store.query(f"ASK {{ GRAPH <{GRAPH_CURATED}> {{ ?s ?p ?o }} ?s ag:synthetic true }}")
    assert mixed.boolean is False
    # no synthetic fact touches a curated entity
    crossing = store.query(
        f"""SELECT ?s ?o WHERE {{ GRAPH <{GRAPH_SYNTHETIC}> {{ ?s ?p ?o }}
              FILTER(isIRI(?o)) ?s ag:synthetic true .
              GRAPH <{GRAPH_CURATED}> {{ ?o rdfs:label ?l }} }} LIMIT 5"""
    ).rows
    assert crossing == []


def test_imported_facts_all_carry_provenance(imported):
    # the library's quality query stays empty after a 1,934-member import: every imported
    # fact is annotated by a record naming its file and row
    from alliancegraph.library import get

    _, store, _ = imported
    assert len(store.query(get("facts-without-provenance").text)) == 0


def test_tiny_scales_terminate_with_every_seat_filled():
    # below 0.1 one alliance is asked for more seats than there are organisations: capped
    lists = generate(0.05, seed=2)
    counts = lists.counts()
    assert counts["alliances"] == 1 and counts["memberships"] == counts["members"] == 97


def test_more_organisations_than_two_syllable_names_still_terminate(monkeypatch):
    """At 100x (193,400 organisations) two-syllable trade names (157,248 in all, 96,768 for
    firms) run out, and the generator drew forever. Shrunk here: 4 syllables give 4*3 trades,
    so 0.1x (193 organisations) asks for more names than two syllables can make."""
    import signal

    from alliancegraph import synthetic

    monkeypatch.setattr(synthetic, "SYLLABLES", ("甲", "乙", "丙", "丁"))

    def stuck(*_):
        raise TimeoutError("generate() did not terminate")

    signal.signal(signal.SIGALRM, stuck)
    signal.alarm(30)
    try:
        lists = generate(0.1, seed=3)
    finally:
        signal.alarm(0)
    names = {m["单位名称"] for m in lists.members}
    assert len(names) == lists.counts()["members"] == 193
    assert all(name.startswith("合成·") for name in names)


def test_two_syllable_names_are_kept_where_they_suffice():
    """The wider names start only where two syllables cannot name everyone: the lists of
    smaller scales stay as they were (same seed, same names)."""
    names = [m["单位名称"] for m in generate(0.1, seed=1).members[:3]]
    assert names == [
        "合成·工东精密制造有限公司",
        "合成·辰景新材料有限责任公司",
        "合成·嘉辰电子有限责任公司",
    ]


def test_a_generated_folder_is_read_within_the_rows_it_declares(tmp_path):
    """At 100x members.csv holds 228,344 rows in 54 MB, over a hand-made list's limits
    (200,000 rows, 50 MB): the import refused it. A generated folder is read with the limits
    raised to the rows its synth.json declares, and no further."""
    from alliancegraph.members.readers import LIMITS
    from alliancegraph.synthetic import ROW_BYTES, SyntheticFolder

    folder = tmp_path / "lists"
    write(generate(0.1, seed=1), folder)
    assert SyntheticFolder(folder).limits() == LIMITS  # 228 rows: a list's own limits
    info = json.loads((folder / "synth.json").read_text(encoding="utf-8"))
    info["memberships"] = 228_344
    (folder / "synth.json").write_text(json.dumps(info), encoding="utf-8")
    raised = SyntheticFolder(folder).limits()
    assert raised.max_rows == 228_344 and raised.max_bytes == 228_344 * ROW_BYTES
    assert raised.max_cell == LIMITS.max_cell
    (folder / "synth.json").write_text("not json", encoding="utf-8")
    assert SyntheticFolder(folder).limits() == LIMITS
