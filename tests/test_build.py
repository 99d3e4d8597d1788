"""Build, validate, cache and export: bad input is named and loses nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from conftest import ROOT

from alliancegraph.build import Cache, Inputs, build, ensure_built, export_dataset
from alliancegraph.cli import app
from alliancegraph.errors import DataError
from alliancegraph.validation import validate


def run(args: list[str], root: Path, cache: Path):
    return CliRunner().invoke(app, [*args, "--root", str(root), "--cache", str(cache)])


def replace_line(path: Path, old: str, new: str) -> int:
    """Replace the first line containing ``old``; return its 1-based line number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        if old in line:
            lines[i] = line.replace(old, new)
            path.write_text("\n".join(lines), encoding="utf-8")
            return i + 1
    raise AssertionError(f"{old!r} not in {path}")


BAD_INPUTS = {
    "unknown entity": (
        "data/facts.csv",
        "重材院还入股爱美科",
        None,
        lambda p: replace_line(
            p,
            "chongqing-materials-research-institute,ag:holdsEquityIn,aimeike",
            "chongqing-materials-research-institute,ag:holdsEquityIn,no-such-firm",
        ),
        "unknown object 'no-such-firm'",
    ),
    "entity without zh label": (
        "data/entities.csv",
        None,
        None,
        lambda p: replace_line(
            p, "tsinghua-university,University,清华大学,", "tsinghua-university,University,,"
        ),
        "no Chinese label",
    ),
    "malformed date": (
        "data/facts.csv",
        None,
        None,
        lambda p: replace_line(p, "schema:foundingDate,2019-06,", "schema:foundingDate,2019-13,"),
        "malformed value '2019-13'",
    ),
    "ontology syntax error": (
        "ontology/alliance.ttl",
        None,
        None,
        lambda p: replace_line(
            p, "    a owl:ObjectProperty ;", "    a owl:ObjectProperty ;;; <bro ken"
        ),
        "Turtle syntax error",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_named_and_previous_build_answers(case, project_copy, tmp_path):
    rel, _, _, breaker, expected = BAD_INPUTS[case]
    cache = tmp_path / "cache"
    good = run(["build"], project_copy, cache)
    assert good.exit_code == 0, good.output
    current = (cache / "current").read_text()
    line = breaker(project_copy / rel)

    bad = run(["build"], project_copy, cache)
    assert bad.exit_code == 1
    assert f"{rel}:{line}" in bad.output and expected in bad.output, bad.output
    assert "Traceback" not in bad.output
    assert (cache / "current").read_text() == current  # the good build stays current

    answered = run(
        ["query", "--format", "csv", "SELECT (COUNT(*) AS ?n) { ?a a ag:Alliance }"],
        project_copy,
        cache,
    )
    assert answered.exit_code == 0
    # the 6 alliances of the article and the 5 of the other sources (data/entities.csv)
    assert answered.stdout.splitlines()[-1].strip() == "11"
    assert "last good build" in answered.stderr


def test_all_problems_are_listed_at_once(project_copy, tmp_path):
    facts = project_copy / "data" / "facts.csv"
    a = replace_line(
        facts, "aimeike,ag:relocatedFrom,place-chengdu", "aimeike,ag:relocatedFrom,atlantis"
    )
    b = replace_line(facts, "alliance-iot,ag:assisted,", "alliance-iot,ag:helpedOut,")
    with pytest.raises(DataError) as err:
        build(Inputs.default(project_copy), Cache(tmp_path / "c"))
    where = {p.location for p in err.value.problems}
    assert {f"data/facts.csv:{a}", f"data/facts.csv:{b}"} <= where
    assert "unknown predicate 'ag:helpedOut'" in str(err.value)


def test_shacl_violation_names_file_and_row(project_copy, tmp_path):
    # a lead institution that is a place, not an organisation: only SHACL can see this (the
    # curated leads are rows of memberships.csv since issue 15)
    memberships = project_copy / "data" / "memberships.csv"
    line = replace_line(
        memberships,
        "alliance-general-aviation,chongqing-general-aviation-group,role-lead-unit",
        "alliance-general-aviation,place-chengdu,role-lead-unit",
    )
    with pytest.raises(DataError) as err:
        build(Inputs.default(project_copy), Cache(tmp_path / "c"))
    text = str(err.value)
    assert f"data/memberships.csv:{line}" in text and "must be an organisation" in text


def test_failed_build_without_previous_build_is_an_error(project_copy, tmp_path):
    replace_line(
        project_copy / "data" / "entities.csv",
        "nuaa,University,南京航空航天大学",
        "nuaa,Universe,南京航空航天大学",
    )
    result = run(["query", "ASK { ?s ?p ?o }"], project_copy, tmp_path / "empty")
    assert result.exit_code == 1
    assert "unknown type 'Universe'" in result.output
    assert not (tmp_path / "empty" / "current").exists()


def test_cache_is_keyed_by_content(project_copy, tmp_path):
    cache = Cache(tmp_path / "c")
    first = build(Inputs.default(project_copy), cache)
    again = ensure_built(Inputs.default(project_copy), cache)
    assert again.key == first.key
    with open(project_copy / "data" / "entities.csv", "a", encoding="utf-8") as f:
        f.write("place-wanzhou,Place,万州区,Wanzhou District,,\n")
    changed = ensure_built(Inputs.default(project_copy), cache)
    assert changed.key != first.key
    assert changed.info["quads"] == first.info["quads"] + 3  # type, zh and en labels


def test_built_graph_conforms_to_the_shapes(bundled_build):
    import pyoxigraph as ox

    from alliancegraph.namespaces import GRAPH_ONTOLOGY

    quads = ox.parse(path=str(bundled_build.nquads_path), format=ox.RdfFormat.N_QUADS)
    data = [q.triple for q in quads if q.graph_name.value != GRAPH_ONTOLOGY]
    assert validate(data, ROOT / "ontology" / "shapes.ttl") == []


@pytest.mark.parametrize(
    "fmt,rdflib_format",
    [("ttl", "turtle"), ("nt", "nt"), ("nq", "nquads"), ("trig", "trig"), ("jsonld", "json-ld")],
)
def test_export_parses_and_is_byte_stable(
    fmt, rdflib_format, bundled_build, session_cache, tmp_path
):
    data = export_dataset(bundled_build, fmt)
    ds = rdflib.Dataset()
    ds.parse(data=data, format=rdflib_format)
    assert sum(len(g) for g in ds.graphs()) > 1900
    # a fresh process with another hash seed writes the same bytes
    out = tmp_path / f"again.{fmt}"
    env = {
        **os.environ,
        "PYTHONHASHSEED": "12345",
        "ALLIANCEGRAPH_CACHE": str(session_cache),
        "ALLIANCEGRAPH_HOME": str(ROOT),
    }
    subprocess.run(
        [sys.executable, "-m", "alliancegraph.cli", "export", "--format", fmt, "--out", str(out)],
        check=True,
        env=env,
        capture_output=True,
    )
    assert out.read_bytes() == data


def test_rebuild_from_scratch_gives_same_bytes(bundled_build, tmp_path):
    other = build(Inputs.default(ROOT), Cache(tmp_path / "fresh"), force=True)
    assert other.nquads_path.read_bytes() == bundled_build.nquads_path.read_bytes()


@pytest.mark.parametrize("name", ["alliance.ttl", "shapes.ttl"])
def test_rapper_parses_ontology_files(name):
    assert shutil.which("rapper"), "rapper (Debian raptor2-utils) is installed by .ci/run"
    done = subprocess.run(
        ["rapper", "-i", "turtle", "-c", str(ROOT / "ontology" / name)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "returned" in done.stderr and " 0 triples" not in done.stderr


def test_info_records_the_build(bundled_build):
    info = json.loads((bundled_build.path / "info.json").read_text())
    assert info["quads"] > 1900 and info["inferred"] > 50


def test_export_reads_the_format_registry(bundled_build):
    import pyoxigraph as ox

    from alliancegraph.errors import UsageError

    nt = export_dataset(bundled_build, "nt")
    rdfxml = export_dataset(bundled_build, "rdfxml")  # every RDF format of the registry
    assert len(list(ox.parse(rdfxml, format=ox.RdfFormat.RDF_XML))) == nt.count(b"\n")
    assert export_dataset(bundled_build, "rdfxml") == rdfxml
    assert export_dataset(bundled_build, "trig").startswith(b"@prefix")  # prefixes kept
    with pytest.raises(UsageError, match="expected one of ttl, nt, nq, trig, jsonld, rdfxml"):
        export_dataset(bundled_build, "csv")


def test_cache_pointer_is_written_whole_with_the_users_mode(tmp_path):
    import stat

    cache = Cache(tmp_path / "c")
    old = os.umask(0o022)
    try:
        cache.set_current("abc")
        cache.record_failure("abc", "it broke\n")
    finally:
        os.umask(old)
    current = cache.path / "current"
    assert current.read_text(encoding="utf-8") == "abc\n"
    assert stat.S_IMODE(current.stat().st_mode) == 0o644  # not mkstemp's 0600
    assert cache.failure("abc") == "it broke\n"
    assert not [p for p in cache.path.rglob(".*") if p.is_file()]  # no temporary file left
