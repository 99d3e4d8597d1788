"""Issue 14, items 3, 5 and 7: imports serialised and safe across processes, CSV meant for
spreadsheets escaped (the endpoint's W3C CSV exact), and the importer's limits and
encodings.

Real processes, real files, real builds: two ``alliancegraph import members`` at once,
``ImportStore.add`` from many processes, a build SIGKILLed in the middle, a forced rebuild
while another process reads the build. Fixtures are tiny member lists whose answers are
known by hand.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliancegraph.build import Cache, Inputs, build, ensure_built
from alliancegraph.errors import DataError
from alliancegraph.imports import ImportStore, import_members, inputs_for
from alliancegraph.members import read_table
from alliancegraph.namespaces import AGR

ROOT = Path(__file__).resolve().parent.parent
ALLIANCE = AGR + "alliance-functional-materials"
CLI = [sys.executable, "-m", "alliancegraph.cli"]


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory) -> Path:
    """One build cache for the module (builds are keyed by content)."""
    cache = tmp_path_factory.mktemp("safety-cache")
    build(Inputs.default(ROOT), Cache(cache))
    return cache


def member_list(path: Path, *names: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["单位名称", "单位类型"])
        w.writerows([n, "企业"] for n in names)
    return path


def env_for(home: Path, cache: Path) -> dict[str, str]:
    return {**os.environ, "ALLIANCEGRAPH_DATA": str(home), "ALLIANCEGRAPH_CACHE": str(cache),
            "ALLIANCEGRAPH_HOME": str(ROOT)}  # fmt: skip


def leftovers(cache: Path) -> list[str]:
    """Temporary build folders (``builds/.KEY.*``) in a cache."""
    builds = cache / "builds"
    return sorted(d.name for d in builds.iterdir() if d.is_dir() and d.name.startswith("."))


# -- item 3: imports serialised, builds never removed under a reader -------------------------


def test_two_concurrent_import_processes_both_land_20_times(tmp_path, shared_cache):
    """Two `import members` started together (different files) both land, every time: the
    manifest lists both and the current build holds both organisations."""
    a = member_list(tmp_path / "a.csv", "重庆甲并发测试科技有限公司")
    b = member_list(tmp_path / "b.csv", "重庆乙并发测试科技有限公司")
    started = time.perf_counter()
    for i in range(20):
        home = tmp_path / f"home{i}"
        env = env_for(home, shared_cache)
        args = [[*CLI, "import", "members", str(f), "--alliance", ALLIANCE, "--source", "并发"]
                for f in (a, b)]  # fmt: skip
        pipe = subprocess.PIPE
        procs = [subprocess.Popen(a, env=env, stdout=pipe, stderr=pipe, text=True) for a in args]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        records = ImportStore(home).records()
        assert sorted(Path(r["file"]).name for r in records) == ["a.csv", "b.csv"], (i, outs)
        current = Cache(shared_cache).get(inputs_for(ROOT, home).key())
        assert current is not None, i
        store = ox.Store.read_only(str(current.store_path))
        for name in ("重庆甲并发测试科技有限公司", "重庆乙并发测试科技有限公司"):
            assert store.query(f'ASK {{ GRAPH ?g {{ ?o ?p "{name}"@zh }} }}'), (i, name)
        del store, current
    assert time.perf_counter() - started < 120


def _add_record(home: str, n: int, go) -> None:
    go.wait()
    store = ImportStore(home)
    record = {"id": f"m-{n:012d}", "kind": "members", "file": f"f{n}.csv", "file_sha256": "",
              "alliance": None, "source": "s", "rows": 1, "quads": 1, "new": {},
              "created": "", "layer": f"m-{n:012d}.nq", "synthetic": False,
              "layer_sha256": ""}  # fmt: skip
    store.add(record, f"# layer {n}\n".encode())  # type: ignore[arg-type]


def test_import_store_add_from_many_processes_never_loses_a_record(tmp_path):
    ctx = multiprocessing.get_context("fork")
    go = ctx.Event()
    n = 12
    procs = [ctx.Process(target=_add_record, args=(str(tmp_path), i, go)) for i in range(n)]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    records = ImportStore(tmp_path).records()
    assert sorted(r["id"] for r in records) == [f"m-{i:012d}" for i in range(n)]
    assert all((tmp_path / "imports" / r["layer"]).exists() for r in records)


def test_a_second_import_waits_for_the_first_and_says_so(tmp_path, shared_cache):
    home = tmp_path / "home"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from alliancegraph.imports import ImportStore
            with ImportStore({str(home)!r}).lock():
                print("held", flush=True)
                time.sleep(2.5)
        """)], stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    a = member_list(tmp_path / "a.csv", "重庆丙等待测试科技有限公司")
    started = time.perf_counter()
    done = subprocess.run([*CLI, "import", "members", str(a), "--alliance", ALLIANCE,
                           "--source", "等待测试"], env=env_for(home, shared_cache),
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    holder.wait(30)
    assert done.returncode == 0, done.stderr
    assert time.perf_counter() - started >= 1.5  # it waited for the holder
    assert f"waiting for another import or undo in {home} (process {holder.pid})" in done.stderr
    assert len(ImportStore(home).records()) == 1


def _big_layer(path: Path, n: int) -> Path:
    """An N-Quads layer of ``n`` plain quads (enough to keep a build busy for a moment)."""
    graph = f"<{AGR}graph/import/m-killtest>"
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            f.write(f'<{AGR}kill-{i}> <{AGR}p> "v{i}" {graph} .\n')
    return path


def test_a_build_killed_midway_leaves_nothing_after_the_next_start(tmp_path):
    cache = tmp_path / "cache"
    layer = _big_layer(tmp_path / "layer.nq", 300_000)
    import hashlib

    digest = hashlib.sha256(layer.read_bytes()).hexdigest()
    script = textwrap.dedent(f"""
        from pathlib import Path
        from alliancegraph.build import Cache, Inputs, build
        base = Inputs.default(Path({str(ROOT)!r}))
        layer = Path({str(layer)!r})
        inputs = Inputs(base.data_dir, base.ontology_dir, [layer], validated={{layer: {digest!r}}})
        build(inputs, Cache(Path({str(cache)!r})))
    """)
    child = subprocess.Popen([sys.executable, "-c", script])
    builds = cache / "builds"
    deadline = time.monotonic() + 120
    while child.poll() is None and time.monotonic() < deadline:
        if builds.is_dir() and leftovers(cache):
            time.sleep(0.05)  # let it write into the folder
            child.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    child.wait(30)
    assert child.returncode == -signal.SIGKILL, "the build ended before it could be killed"
    assert leftovers(cache)  # what a killed build leaves
    ensure_built(Inputs.default(ROOT), Cache(cache))  # the next start
    assert leftovers(cache) == []


def test_a_live_builders_folder_is_kept_and_removed_once_it_is_dead(tmp_path):
    cache = Cache(tmp_path)
    (tmp_path / "builds" / ".0123456789abcdef0123.x1").mkdir(parents=True)
    builder = cache.building()  # as a process writing a build holds it
    cache.clean()
    assert leftovers(tmp_path) == [".0123456789abcdef0123.x1"]
    assert builder is not None
    builder.release()
    cache.clean()
    assert leftovers(tmp_path) == []


def test_a_forced_rebuild_never_removes_a_build_another_process_reads(tmp_path, shared_cache):
    cache = tmp_path / "cache"
    inputs = Inputs.default(ROOT)
    first = build(inputs, Cache(cache))
    store = ox.Store.read_only(str(first.store_path))
    n = len(list(store.quads_for_pattern(None, None, None)))
    rebuilt = subprocess.run(
        [sys.executable, "-c", "from pathlib import Path; from alliancegraph.build import "
         f"Cache, Inputs, build; build(Inputs.default(Path({str(ROOT)!r})), "
         f"Cache(Path({str(cache)!r})), force=True)"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert first.store_path.exists()  # still there: this process reads it
    assert len(list(store.quads_for_pattern(None, None, None))) == n
    newest = Cache(cache).get(first.key)
    assert newest is not None and newest.path != first.path  # a new version beside it
    del store, first
    Cache(cache).clean()  # nobody reads the old version now: it goes
    assert [d.name for d in Cache(cache).versions(newest.key)] == [newest.path.name]
    assert newest.store_path.exists()


# -- item 5: spreadsheet-safe CSV --------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://x.example","点我")', "+SUM(1;2)", "@SUM(A1)",
            "-2+3+cmd|' /C calc'!A0"]  # fmt: skip


@pytest.fixture(scope="module")
def formula_home(tmp_path_factory, shared_cache) -> Path:
    home = tmp_path_factory.mktemp("formula-home")
    f = member_list(home / "formulas.csv", *FORMULAS)
    report = import_members(f, ALLIANCE, "公式测试", root=ROOT, cache_dir=shared_cache, home=home)
    assert report.changed
    return home


def test_import_warns_about_formula_like_names_with_file_and_line(tmp_path, shared_cache):
    f = member_list(tmp_path / "formulas.csv", *FORMULAS)
    report = import_members(f, ALLIANCE, "公式测试", root=ROOT, cache_dir=shared_cache,
                            home=tmp_path / "home")  # fmt: skip
    found = [w for w in report.warnings if "formula" in w]
    assert [w.split(":")[:2] for w in found] == [["formulas.csv", str(i)] for i in (2, 3, 4, 5)]


def _cli(args: list[str], home: Path, cache: Path) -> str:
    done = subprocess.run([*CLI, *args], env=env_for(home, cache), capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def _cells(text: str) -> set[str]:
    return {c for row in csv.reader(io.StringIO(text)) for c in row}


def test_query_csv_is_escaped_and_csv_exact_is_the_w3c_form(formula_home, shared_cache):
    sparql = ("SELECT ?l WHERE { ?o a ag:Enterprise ; rdfs:label ?l "
              "FILTER(REGEX(?l, '^[-=+@]')) }")  # fmt: skip
    safe = _cells(_cli(["query", "--format", "csv", sparql], formula_home, shared_cache))
    exact = _cells(_cli(["query", "--format", "csv-exact", sparql], formula_home, shared_cache))
    assert {"'" + f for f in FORMULAS} <= safe and not set(FORMULAS) & safe
    assert set(FORMULAS) <= exact


def test_find_and_analyze_csv_are_escaped(formula_home, shared_cache):
    found = _cells(_cli(["find", "SUM", "--format", "csv"], formula_home, shared_cache))
    assert "'+SUM(1;2)" in found and "'@SUM(A1)" in found and "+SUM(1;2)" not in found
    central = _cells(_cli(["analyze", "central", "--top", "0", "--format", "csv"],
                          formula_home, shared_cache))  # fmt: skip
    assert {"'" + f for f in FORMULAS} <= central and not set(FORMULAS) & central


def test_analyze_export_csv_tables_are_escaped(formula_home, shared_cache, tmp_path):
    out = tmp_path / "net.csv"
    _cli(["analyze", "export", "--out", str(out), "--projection", "two-mode"], formula_home,
         shared_cache)  # fmt: skip
    nodes = _cells((tmp_path / "net.nodes.csv").read_text(encoding="utf-8"))
    edges = _cells(out.read_text(encoding="utf-8"))
    assert not set(FORMULAS) & (nodes | edges)
    assert {"'" + f for f in FORMULAS} <= nodes


def test_query_page_download_is_escaped_and_sparql_csv_is_exact(formula_home, shared_cache):
    from starlette.testclient import TestClient

    import alliancegraph as ag
    from alliancegraph.web.app import Settings, create_app

    g = ag.open(root=ROOT, cache_dir=shared_cache, data_home=formula_home)
    sparql = ("SELECT ?l WHERE { ?o a ag:Enterprise ; rdfs:label ?l "
              "FILTER(REGEX(?l, '^[-=+@]')) }")  # fmt: skip
    with TestClient(create_app(g, Settings(timeout=20, pool=False))) as c:
        page = c.get("/query", params={"query": sparql}).text
        assert 'href="/query.csv?' in page
        download = c.get("/query.csv", params={"query": sparql})
        exact = c.get("/sparql", params={"query": sparql}, headers={"Accept": "text/csv"})
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert {"'" + f for f in FORMULAS} <= _cells(download.text)
    assert not set(FORMULAS) & _cells(download.text)
    assert set(FORMULAS) <= _cells(exact.text)


# -- item 7: importer limits and encodings -------------------------------------------------------


def one_line(e: pytest.ExceptionInfo[DataError]) -> str:
    """The one problem of a DataError, as its one line (``file:line:column: what``)."""
    assert len(e.value.problems) == 1
    text = str(e.value.problems[0])
    assert "\n" not in text and "Traceback" not in text
    return text


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.csv"
    with big.open("wb") as f:  # 100 MB, sparse: nothing to read if the size is checked first
        f.truncate(100 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(DataError) as e:
        read_table(big)
    assert time.perf_counter() - started < 0.5
    assert one_line(e).startswith("big.csv: 104,857,600 bytes; the limit is 52,428,800")


def test_rows_over_the_limit_are_refused_while_streaming(tmp_path):
    from alliancegraph.members.readers import Limits

    f = member_list(tmp_path / "rows.csv", *(f"重庆{i}号测试有限公司" for i in range(11)))
    assert len(read_table(f, limits=Limits(max_rows=11)).rows) == 11
    with pytest.raises(DataError) as e:
        read_table(f, limits=Limits(max_rows=10))
    assert one_line(e).startswith("rows.csv:12: more than 10 rows")


def test_a_cell_over_the_cell_limit_is_named_by_file_line_and_column(tmp_path):
    f = tmp_path / "cell.csv"
    f.write_text("单位名称,单位类型\n重材院,科研机构\n企业,\"" + "长" * 5000 + "\"\n",
                 encoding="utf-8")  # fmt: skip
    with pytest.raises(DataError) as e:
        read_table(f)
    assert one_line(e) == "cell.csv:3:4: a cell of 5,000 characters; cells hold at most 4,096"


def test_a_cell_over_128_kb_is_a_one_line_error_not_a_csv_traceback(tmp_path):
    f = tmp_path / "huge.csv"
    f.write_text("单位名称,单位类型\n重材院,科研机构\n企业," + "x" * 200_000 + "\n",
                 encoding="utf-8")  # fmt: skip
    with pytest.raises(DataError) as e:
        read_table(f)
    assert one_line(e).startswith("huge.csv:3:4: a cell longer than the CSV reader's limit")


def _xlsx_bomb(path: Path, cell_mb: int) -> Path:
    """A workbook whose one shared string unzips to ``cell_mb`` MB (stored deflated)."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',  # noqa: E501
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',  # noqa: E501
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',  # noqa: E501
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',  # noqa: E501
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row><row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>',  # noqa: E501
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in parts.items():
            z.writestr(name, text)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')  # fmt: skip
            chunk = b"a" * (1 << 20)
            for _ in range(cell_mb):
                f.write(chunk)
            f.write(b"</t></si></sst>")
    return path


def test_an_xlsx_that_unzips_to_400_mb_is_refused_before_anything_is_unzipped(
    tmp_path, monkeypatch
):
    """Refused from the sizes the archive declares, nothing decompressed (not a timing:
    under load, a second was not always enough even for that)."""
    import zipfile

    bomb = _xlsx_bomb(tmp_path / "bomb.xlsx", 400)
    assert bomb.stat().st_size < 1024 * 1024

    def unzipped(*args, **kwargs):
        raise AssertionError("a member of the archive was unzipped")

    monkeypatch.setattr(zipfile.ZipExtFile, "read", unzipped)
    monkeypatch.setattr(zipfile.ZipExtFile, "read1", unzipped)
    with pytest.raises(DataError) as e:
        read_table(bomb)
    assert "unzip to 419,43" in one_line(e) and "the limit is 209,715,200" in one_line(e)


def test_gb18030_bytes_that_are_also_valid_utf8_are_read_as_gb18030_and_the_doubt_named(
    tmp_path,
):
    data = "name\n欧陆\n".encode("gb18030")
    assert data.decode("utf-8") == "name\nŷ½\n"  # valid UTF-8 too: the trap
    f = tmp_path / "gb.csv"
    f.write_bytes(data)
    table = read_table(f)
    assert table.encoding == "gb18030" and table.rows == [(2, ["欧陆"])]
    assert "valid UTF-8 too" in table.describe() and "'ŷ½'" in table.describe()
    # a French name in UTF-8 is not taken for it
    fr = tmp_path / "fr.csv"
    fr.write_text("name\nSociété Générale\n", encoding="utf-8")
    assert read_table(fr).encoding == "utf-8"


def test_the_encoding_is_reported_in_the_import_summary(tmp_path, shared_cache):
    f = tmp_path / "gb.csv"
    f.write_bytes("name\n欧陆\n".encode("gb18030"))
    report = import_members(f, ALLIANCE, "编码测试", root=ROOT, cache_dir=shared_cache,
                            home=tmp_path / "home")  # fmt: skip
    assert any(line.startswith("read gb.csv: GB18030 (the bytes are valid UTF-8 too")
               for line in report.lines())  # fmt: skip


def test_a_bom_before_gb18030_bytes_is_a_located_one_line_error(tmp_path):
    f = tmp_path / "bom.csv"
    f.write_bytes(b"\xef\xbb\xbf" + "单位名称\n重材院\n".encode("gb18030"))
    with pytest.raises(DataError) as e:
        read_table(f)
    assert one_line(e) == (
        "bom.csv:1:1: a UTF-8 byte-order mark, but byte 0xB5 is not UTF-8; the rest reads as "
        "GB18030: remove the BOM or save as CSV UTF-8"
    )


def test_a_stray_byte_in_utf8_is_reported_at_its_real_position(tmp_path):
    f = tmp_path / "stray.csv"
    text = "单位名称,单位类型\n重庆材料研究院,科研机构\n重庆邮电大学,高校\n"
    data = text.encode("utf-8")
    at = data.index("邮".encode())  # line 3, column 3
    f.write_bytes(data[:at] + b"\xff" + data[at:])
    with pytest.raises(DataError) as e:
        read_table(f)
    assert one_line(e).startswith("stray.csv:3:3: byte 0xFF is not UTF-8")


def test_duplicate_rows_are_reported_and_read_once(tmp_path, shared_cache):
    f = member_list(tmp_path / "dup.csv", "重庆丁重复测试有限公司", "重庆戊重复测试有限公司",
                    "重庆丁重复测试有限公司")  # fmt: skip
    table = read_table(f)
    assert table.duplicates == [(4, 2)] and [line for line, _ in table.rows] == [2, 3]
    report = import_members(f, ALLIANCE, "重复测试", root=ROOT, cache_dir=shared_cache,
                            home=tmp_path / "home")  # fmt: skip
    assert "dup.csv:4: the same row as line 2; imported once" in report.warnings
    assert report.rows == 2


def test_import_store_add_keeps_the_hash_its_import_made_else_hashes_the_layer(tmp_path):
    """The pipeline hashed the layer's bytes already (0.6 s at 10×): ``add`` keeps that
    hash; a record without one gets the hash of the bytes written."""
    import hashlib

    store = ImportStore(tmp_path)
    base = {"kind": "members", "file": "f.csv", "file_sha256": "", "alliance": None,
            "source": "s", "rows": 1, "quads": 1, "new": {}, "created": "",
            "synthetic": False}  # fmt: skip
    layer = b"# a layer\n"
    given = store.add({**base, "id": "m-1", "layer": "m-1.nq", "layer_sha256": "ab" * 32},  # type: ignore[typeddict-item]
                      layer)  # fmt: skip
    made = store.add({**base, "id": "m-2", "layer": "m-2.nq", "layer_sha256": ""}, layer)  # type: ignore[typeddict-item]
    assert given["layer_sha256"] == "ab" * 32
    assert made["layer_sha256"] == hashlib.sha256(layer).hexdigest()
    assert (tmp_path / "imports" / "m-2.nq").read_bytes() == layer
