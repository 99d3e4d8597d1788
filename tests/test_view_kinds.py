"""The charts that compare alliances (issue 17, item 3): overlap heatmap, timeline and
composition bars, as analysis answers, as views (HTML, PNG, SVG), from the CLI, in Chromium
with the network cut, and linked from the explorer's alliance page.

Answers known by hand from data/facts.csv: the general-aviation alliance's lead institution
is 重庆通用航空产业集团; the industrial-internet alliance was founded 2019-06; ISO/IEC 21823-2
was issued 2020-04 (no alliance developed it). Counts are checked against the existing
composition question (the curated member lists are being extended in parallel).
"""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from test_views import Visit, browser  # noqa: F401  (the Chromium fixture)

from alliancegraph import analysis, views
from alliancegraph.analysis.comparisons import cluster_order
from alliancegraph.cli import app

AGR = "https://w3id.org/alliancegraph/resource/"
AVIATION = AGR + "alliance-general-aviation"
INTERNET = AGR + "alliance-industrial-internet"


def test_cluster_order_puts_alike_rows_together_deterministically():
    # a and c share almost everything, b shares nothing: a and c end up adjacent
    d = {("a", "b"): 1.0, ("a", "c"): 0.1, ("b", "c"): 1.0, ("a", "d"): 0.9, ("b", "d"): 0.2,
         ("c", "d"): 0.9}  # fmt: skip
    order = cluster_order(["a", "b", "c", "d"], d)
    assert abs(order.index("a") - order.index("c")) == 1
    assert abs(order.index("b") - order.index("d")) == 1
    assert order == cluster_order(["a", "b", "c", "d"], d)


def test_overlap_matrix_agrees_with_composition(graph):
    m = analysis.overlap_matrix(graph)
    n = len(m.attrs["order"])
    assert len(m) == n * n and sorted(m.attrs["order"]) == sorted(set(m["alliance"]))
    members = analysis.composition(graph).set_index("alliance")["members"]
    own = m[m["alliance"] == m["other"]].set_index("alliance")
    for a, count in members.items():  # the diagonal holds each alliance's own members
        assert own.loc[a, "shared"] == count
        assert len([x for x in own.loc[a, "members"].split("|") if x]) == count
    lead = own.loc[AVIATION, "member_labels"].split("|")
    assert "重庆通用航空产业集团有限公司" in lead
    # symmetric, Jaccard = shared / union
    for r in m[m["alliance"] != m["other"]].itertuples():
        back = m[(m["alliance"] == r.other) & (m["other"] == r.alliance)].iloc[0]
        assert (back["shared"], back["jaccard"]) == (r.shared, r.jaccard)
        union = members[r.alliance] + members[r.other] - r.shared
        assert r.jaccard == round(r.shared / union, 4) if union else r.jaccard == 0


def test_composition_by_role_agrees_with_composition(graph):
    c = analysis.composition_by_role(graph).set_index("alliance")
    mix = analysis.composition(graph).set_index("alliance")
    kinds = ["enterprises", "universities", "institutes", "government", "other"]
    assert (c[kinds] == mix.loc[c.index, kinds]).all().all()
    assert (c[["lead", "supporting", "member"]].sum(axis=1) == c["members"]).all()
    assert c.loc[AVIATION, "lead"] == 1  # 重庆通用航空产业集团, its one lead institution
    assert c["reported"].isna().all()  # no source reports a member count per alliance


def test_timeline_by_hand_and_filtered(graph):
    t = analysis.timeline(graph)
    rows = {(r.date, r.event, r.entity) for r in t.itertuples()}
    assert ("2019-06", "founded", INTERNET) in rows
    assert ("2020-04", "issued", AGR + "iso-iec-21823-2") in rows
    assert list(t["start"]) == sorted(t["start"])
    only = analysis.timeline(graph, alliances=["重庆市工业互联网技术创新战略联盟"])
    assert set(only["alliance"]) == {INTERNET} and "founded" in set(only["event"])
    assert analysis.timeline(graph, since="2020").shape[0] == (t["start"] >= "2020").sum()


@pytest.fixture(scope="module")
def charts(graph, tmp_path_factory):
    out = tmp_path_factory.mktemp("charts")
    made = {k: views.make(graph, k) for k in ("overlap", "timeline", "composition")}
    made["overlap-en"] = views.make(graph, "overlap", lang="en", explorer="/")
    for name, v in made.items():
        v.save(out / f"{name}.html")
    return out, made


@pytest.mark.parametrize("kind", ["overlap", "timeline", "composition"])
def test_each_chart_saves_offline_html_png_and_svg(charts, kind, tmp_path):
    _, made = charts
    v = made[kind]
    assert v.kind == kind and v.node_count > 0
    head = v.html.split('<script id="ag-data"')[0]
    assert "http://" not in head and "https://" not in head
    assert "Content-Security-Policy" in v.html and "'unsafe-inline'" not in v.html.split(
        "script-src")[1].split(";")[0]  # fmt: skip
    png, svg = v.save(tmp_path / "x.png"), v.save(tmp_path / "x.svg")
    from PIL import Image

    img = Image.open(io.BytesIO(png.read_bytes()))
    assert img.width > 400 and png.stat().st_size < 200_000
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert v.table.shape[0] > 0


def test_one_alliance_overlap_keeps_it_and_its_partners(graph):
    v = views.make(graph, "overlap", "重庆市通用航空装备技术创新战略联盟")
    assert AVIATION in v.table["alliance"].tolist()
    assert set(v.table["alliance"]) == set(v.table.attrs["order"])


def test_charts_are_not_pyvis_networks(charts):
    from alliancegraph.errors import UsageError

    with pytest.raises(UsageError, match="not a network"):
        charts[1]["timeline"].to_pyvis()


def test_cli_writes_each_chart(cli_env, tmp_path):
    for kind in ("overlap", "timeline", "composition"):
        out = tmp_path / f"{kind}.png"
        r = CliRunner().invoke(app, ["view", kind, "--out", str(out)], env=cli_env)
        assert r.exit_code == 0, r.output
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = CliRunner().invoke(app, ["view", "timeline", "--engine", "pyvis", "--out",
                                 str(tmp_path / "t.html")], env=cli_env)  # fmt: skip
    assert r.exit_code != 0 and "not a network" in r.output


# --------------------------------------------------------------------------- in Chromium


@pytest.mark.browser
def test_overlap_cell_lists_the_shared_members(browser, charts):  # noqa: F811
    folder, made = charts
    visit = Visit(browser, (folder / "overlap-en.html").as_uri())
    page = visit.page
    try:
        visit.wait_stable()
        order = made["overlap"].table.attrs["order"]
        i = order.index(AVIATION)
        n = len(order)
        assert page.evaluate("agView.cells") == n * n
        page.locator(f'rect.ag-cell[data-i="{i}"][data-j="{i}"]').click()
        listed = page.locator("#ag-panel li").all_inner_texts()
        want = made["overlap"].table
        want = want[(want["alliance"] == AVIATION) & (want["other"] == AVIATION)]
        assert listed == want.iloc[0]["member_labels"].split("|")
        href = page.locator("#ag-panel li a").first.get_attribute("href")
        assert href.startswith("/entity?iri=https%3A%2F%2Fw3id.org")
        page.locator("#ag-controls button", has_text="Jaccard").click()
        assert visit.external == [] and visit.errors == [] and visit.dialogs == []
    finally:
        visit.close()


@pytest.mark.browser
def test_timeline_filters_by_alliance(browser, charts):  # noqa: F811
    folder, made = charts
    visit = Visit(browser, (folder / "timeline.html").as_uri())
    page = visit.page
    try:
        visit.wait_stable()
        total = made["timeline"].node_count
        assert page.evaluate("agView.shown") == total
        assert page.locator("circle.ag-event").count() == total
        page.select_option("#ag-controls select", INTERNET)
        n = int((made["timeline"].table["alliance"] == INTERNET).sum())
        assert page.locator("circle.ag-event").count() == n >= 1
        assert visit.external == [] and visit.errors == []
    finally:
        visit.close()


@pytest.mark.browser
def test_composition_draws_a_segment_per_count(browser, charts):  # noqa: F811
    folder, made = charts
    visit = Visit(browser, (folder / "composition.html").as_uri())
    try:
        visit.wait_stable()
        t = made["composition"].table
        kinds = ["enterprises", "universities", "institutes", "government", "other"]
        want = int((t[kinds] > 0).to_numpy().sum() + (t[["lead", "supporting", "member"]] > 0)
                   .to_numpy().sum())  # fmt: skip
        assert visit.page.evaluate("agView.bars") == want
        assert visit.external == [] and visit.errors == []
    finally:
        visit.close()


def test_alliance_page_links_to_its_charts(graph):
    import httpx
    from test_web import running

    from alliancegraph.web.app import Settings, create_app

    with running(create_app(graph, Settings(timeout=20, workers=1))) as url:
        page = httpx.get(url + "/alliance/alliance-general-aviation", timeout=60)
        assert page.status_code == 200
        for kind in ("overlap", "timeline", "composition"):
            assert f'data-chart="{kind}"' in page.text
            r = httpx.get(url + f"/view/{kind}", params={"iri": AVIATION}, timeout=60)
            assert r.status_code == 200 and 'id="ag-data"' in r.text


def test_a_chart_saves_as_html_and_shows_a_fallback_in_notebooks(graph, tmp_path):
    """Charts are views: saved as a page like any other, and their notebook output carries
    the static picture too (a reduced view's side files do not apply to them)."""
    view = graph.view("composition")
    page = view.save(tmp_path / "c.html")
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.html"]
    bundle = view._repr_mimebundle_()
    assert bundle["image/png"] and "re-run" in bundle["text/plain"]
