"""Network views: offline, safe with any label, legible, fast enough to stay interactive.

Pages are checked in Debian's Chromium (Playwright), with every request that would leave
the machine intercepted, counted and aborted. Expected counts come from the curated data,
worked out by hand from data/facts.csv.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import warnings
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from alliancegraph import views
from alliancegraph.cli import app
from alliancegraph.errors import UsageError

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_SCRIPT = "<script>alert(1)</script>"
AGR = "https://w3id.org/alliancegraph/resource/"


def hostile_graph() -> nx.MultiDiGraph:
    """Three nodes whose names, aliases, class label and quote are all markup."""
    G = nx.MultiDiGraph()
    G.add_node(
        AGR + "x",
        label=HOSTILE,
        label_zh=HOSTILE,
        label_en="hostile",
        type="ag:University",
        type_label=HOSTILE_SCRIPT,
        aliases=f"{HOSTILE_SCRIPT}|重邮",
    )
    G.add_node(AGR + "a", label="工业互联网联盟", label_en="IIoT alliance", type="ag:Alliance",
               type_label="产业技术创新战略联盟", aliases="")  # fmt: skip
    G.add_node(AGR + "e", label="重庆品胜科技有限公司", type="ag:Enterprise", type_label="企业",
               aliases="品胜科技", synthetic=True)  # fmt: skip
    ev = "</script><script>alert(2)</script>\u2028"
    G.add_edge(AGR + "a", AGR + "x", predicate="ag:leadInstitution", label="牵头单位",
               label_en="lead institution", evidence=ev, source="<b>重庆日报</b>")  # fmt: skip
    G.add_edge(AGR + "a", AGR + "x", predicate="org:hasMember", label="成员单位",
               label_en="member", evidence="吸纳成员单位", source="重庆日报")  # fmt: skip
    G.add_edge(AGR + "a", AGR + "e", predicate="ag:assisted", label="帮扶", label_en="assisted",
               evidence="在物联网联盟的帮助下", source="重庆日报")  # fmt: skip
    return G


def big_graph(n: int, seed: int = 1) -> nx.Graph:
    """A scale-free organisation network of ``n`` nodes with contract attributes."""
    G = nx.barabasi_albert_graph(n, 2, seed=seed)
    rng = random.Random(seed)
    types = ["ag:Enterprise", "ag:University", "ag:ResearchInstitute", "ag:Alliance"]
    H = nx.Graph()
    for i in G:
        t = rng.choice(types)
        H.add_node(f"{AGR}org-{i}", label=f"机构{i}", label_en=f"org {i}", type=t,
                   type_label=t, aliases="")  # fmt: skip
    for u, v in G.edges():
        H.add_edge(f"{AGR}org-{u}", f"{AGR}org-{v}", predicate="ag:collaboratesWith",
                   label="合作", label_en="collaborates with", evidence="合作", source="synthetic",
                   weight=rng.randint(1, 4))  # fmt: skip
    return H


def ink(img, threshold: int) -> tuple[float, int]:
    """Share of pixels darker than white-ish (R+G+B below ``threshold``), distinct colours."""
    import numpy as np

    a = np.asarray(img.convert("RGB")).reshape(-1, 3).astype(np.int32)
    share = float((a.sum(axis=1) < threshold).mean())
    return share, len(np.unique(a[:, 0] << 16 | a[:, 1] << 8 | a[:, 2]))


# --------------------------------------------------------------------------- pure Python


def test_script_json_cannot_end_the_script_element():
    nasty = {"a": "</script><!-- & \u2028\u2029 <b>"}
    text = views.script_json(nasty)
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == nasty


def test_hostile_text_never_reaches_the_html_as_markup():
    html = views.render(hostile_graph(), title=HOSTILE + " @@DATA@@").html
    for bad in (HOSTILE, HOSTILE_SCRIPT, "<b>重庆日报", "alert(2)</script>"):
        assert bad not in html
    assert "&lt;img src=x onerror=alert(1)&gt; @@DATA@@</title>" in html  # one-pass template
    # the only <script> elements are ours: data, vis-network, the view script
    assert len(re.findall(r"^<script\b", html, re.M)) == 3


def test_page_points_nowhere_off_the_machine():
    html = views.render(hostile_graph()).html
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//|@import|sourceMappingURL", html, re.I)
    assert "cdn" not in html.lower().replace("cdnjs", "")  # no CDN blocks, no bootstrap
    assert "bootstrap" not in html.lower()
    assert "default-src 'none'" in html  # CSP: only our hashed scripts may run


def test_render_leaves_the_input_graph_alone():
    G = hostile_graph()
    before = (list(G.nodes(data=True)), list(G.edges(keys=True, data=True)))
    views.render(G, color_by="type", size_by="degree")
    assert (list(G.nodes(data=True)), list(G.edges(keys=True, data=True))) == before


def test_same_graph_same_seed_same_page():
    G = big_graph(150)
    assert views.render(G, seed=3).html == views.render(G, seed=3).html


def test_language_and_sizes():
    G = hostile_graph()
    zh = views.render(G)
    en = views.render(G, lang="en", type_labels={"ag:Alliance": {"en": "alliance"}})
    labels_zh = [n.label for n in zh._spec.nodes]
    labels_en = [n.label for n in en._spec.nodes]
    assert "工业互联网联盟" in labels_zh and "IIoT alliance" in labels_en
    assert "重庆品胜科技有限公司" in labels_en  # no English name: falls back to Chinese
    assert {p for p, _ in en._spec.predicates} == {"lead institution", "member", "assisted"}
    assert "alliance" in [g.label for g in en._spec.groups]
    # by degree, as analysis measures it (distinct neighbours): the alliance has two (x
    # and e), x and e one each, though x is tied to the alliance by two facts
    size = {n.key: n.size for n in zh._spec.nodes}
    assert size[AGR + "a"] > size[AGR + "x"] == size[AGR + "e"]
    # by weighted degree (facts, parallel ones summed): alliance 3 > x 2 > enterprise 1
    by_facts = views.render(G, size_by="weighted_degree")._spec
    size = {n.key: n.size for n in by_facts.nodes}
    assert size[AGR + "a"] > size[AGR + "x"] > size[AGR + "e"]
    assert "weighted_degree: 3" in next(n.title for n in by_facts.nodes if n.key == AGR + "a")
    with pytest.raises(UsageError):
        views.render(G, size_by="no_such_metric")
    with pytest.raises(UsageError):
        views.render(G, lang="fr")


def test_tooltips_carry_type_aliases_evidence_and_source():
    spec = views.render(hostile_graph())._spec
    node = next(n for n in spec.nodes if n.key == AGR + "e")
    assert "企业" in node.title and "品胜科技" in node.title and "合成数据" in node.title
    assist = next(e for e in spec.edges if spec.predicates[e.predicate][0] == "帮扶")
    assert "“在物联网联盟的帮助下”" in assist.title and "来源: 重庆日报" in assist.title


def test_large_views_are_precomputed_and_static():
    v = views.render(big_graph(2000))
    spec = v._spec
    assert not v.physics and not spec.edge_labels
    assert len({(n.x, n.y) for n in spec.nodes}) > 1900  # laid out, not piled up
    assert len(v.html.encode()) < 1_500_000  # compact: vis-network plus ~0.5 KiB a node


def test_notebook_repr_is_a_sandboxed_srcdoc_iframe(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frame = views.render(hostile_graph())._repr_html_()
    assert frame.startswith('<iframe sandbox="allow-scripts"') and " srcdoc=" in frame
    assert HOSTILE not in frame and "<script" not in frame  # the whole page is an attribute
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_save_by_suffix(tmp_path):
    v = views.render(hostile_graph())
    assert v.save(tmp_path / "v.html").read_bytes().decode("utf-8") == v.html
    assert (v.save(tmp_path / "v.svg").read_bytes()).lstrip().startswith(b"<?xml")
    with pytest.raises(UsageError):
        v.save(tmp_path / "v.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.html", "v.svg"]


# --------------------------------------------------------------------------- curated graph


@pytest.fixture(scope="module")
def curated(graph, tmp_path_factory):
    """Each view kind of the bundled graph, rendered once and saved as HTML."""
    out = tmp_path_factory.mktemp("views")
    made = {
        "overview": views.make(graph, "overview"),
        "alliance": views.make(graph, "alliance", "重庆市通用航空装备技术创新战略联盟"),
        "ego": views.make(graph, "ego", "重材院"),
        "path": views.make(graph, "path", "铂制品", "重庆市功能材料技术创新战略联盟"),
        "co-membership": views.make(graph, "co-membership"),
        "chain": views.make(graph, "chain", "机器人及智能制造"),
        "chain-all": views.make(graph, "chain", lang="en"),
    }
    for name, v in made.items():
        v.save(out / f"{name}.html")
    return out, made


# (nodes, edges) worked out by hand from data/facts.csv:
# alliance: general aviation + system, bureau, lead group, field, its member units
#   (collectively; issue 15: the four institutions they drew on are no supporting
#   institutions of the alliance, and the 55 projects are theirs, applied for);
# path: 铂制品 -(所处领域)- 重材院 -(牵头单位)- functional-materials alliance (爱美科 is
#   one hop from the alliance since issue 15: it moved because of the alliance's resources);
# co-membership: the three curated leads alone, the chemical new materials alliance's six
#   organisations (C(6,2) = 15 edges);
# chain: the robotics field, its three segments, 3 hasSegment + 2 feedsInto.
HAND_COUNTS = {"alliance": (6, 5), "path": (3, 2), "co-membership": (9, 15), "chain": (4, 5)}


def test_curated_counts_by_hand(curated):
    _, made = curated
    for kind, counts in HAND_COUNTS.items():
        assert (made[kind].node_count, made[kind].edge_count) == counts, kind


def test_path_view_shows_evidence_on_every_edge(curated):
    spec = curated[1]["path"]._spec
    assert [n.label for n in spec.nodes if n.focus] == [
        "铂制品",
        "重庆市功能材料技术创新战略联盟",
    ] or {n.label for n in spec.nodes if n.focus} == {
        "铂制品",
        "重庆市功能材料技术创新战略联盟",
    }
    assert "重庆材料研究院" in [n.label for n in spec.nodes]
    for e in spec.edges:
        assert re.search(r"“.+”", e.title), e.title
        assert "来源: 24个创新联盟助重庆重点产业加速跑" in e.title
    assert spec.edge_labels
    xs = {n.label: n.x for n in spec.nodes}
    assert xs["铂制品"] < xs["重庆材料研究院"] < xs["重庆市功能材料技术创新战略联盟"]


def test_chain_is_laid_out_upstream_to_downstream(curated):
    spec = curated[1]["chain"]._spec
    pos = {n.label: (n.x, n.y) for n in spec.nodes}
    up, mid, down = (pos[f"机器人产业链{s}"] for s in ("上游", "中游", "下游"))
    assert up[0] < mid[0] < down[0]
    assert pos["机器人及智能制造"][1] < min(up[1], mid[1], down[1])  # field above segments
    full = curated[1]["chain-all"]._spec
    y = {n.key: n.y for n in full.nodes}
    orgs = [n.key for n in full.nodes if full.groups[n.group].key == "ag:Enterprise"]
    segs = [n.key for n in full.nodes if full.groups[n.group].key == "ag:ChainSegment"]
    assert orgs and min(y[o] for o in orgs) > max(y[s] for s in segs)  # organisations below


def test_alliance_view_groups_members_by_role(curated):
    v = curated[1]["alliance"]
    spec = v._spec
    assert spec.title == "重庆市通用航空装备技术创新战略联盟"
    centre = next(n for n in spec.nodes if n.focus)
    assert (centre.x, centre.y) == (0, 0)
    types = {g.key: g.count for g in spec.groups}
    # no supporting institutions since issue 15 (依托… is what the members drew on)
    assert "ag:University" not in types and types["ag:Enterprise"] == 1
    assert {p for p, _ in spec.predicates} >= {"牵头单位", "聚焦领域", "集体所属主体"}


def test_alliance_png_is_legible(curated, tmp_path):
    from PIL import Image

    assert views.cjk_families(), "no CJK font found (install fonts-noto-cjk)"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a matplotlib warning
        data = curated[1]["alliance"].to_image("png")
    img = Image.open(io.BytesIO(data))
    assert img.width >= 1000 and img.height >= 700
    share, colours = ink(img, 720)
    assert share > 0.02
    assert colours > 200  # shapes in class colours, anti-aliased text
    path = tmp_path / "alliance.png"
    curated[1]["alliance"].save(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_or_ambiguous_names_are_usage_errors(graph):
    with pytest.raises(UsageError, match="no entity"):
        views.make(graph, "ego", "不存在的机构名称")
    with pytest.raises(UsageError, match="takes 2"):
        views.make(graph, "path", "爱美科")
    with pytest.raises(UsageError, match="unknown view"):
        views.make(graph, "galaxy")


def test_cli_view_writes_html_and_png(cli_env, tmp_path):
    runner = CliRunner()
    html, png = tmp_path / "iot.html", tmp_path / "iot.png"
    r = runner.invoke(app, ["view", "alliance", "物联网联盟", "-o", str(html), "-o", str(png)])
    assert r.exit_code == 0, r.output
    assert "重庆市物联网技术创新战略联盟" in html.read_text(encoding="utf-8")
    assert png.read_bytes()[:4] == b"\x89PNG"
    r = runner.invoke(app, ["view", "ego", "不存在的机构名称", "-o", str(tmp_path / "x.html")])
    assert r.exit_code == 2 and r.output.startswith("error: ") and "Traceback" not in r.output
    r = runner.invoke(app, ["view", "overview", "-o", str(tmp_path / "x.pdf")])
    assert r.exit_code == 2 and "use .html, .png or .svg" in r.output
    assert not (tmp_path / "x.html").exists()


# --------------------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():  # CI installs it (.ci/run); a laptop may not have it
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


class Visit:
    """One page load with the network cut: what it asked for, logged and popped up."""

    def __init__(self, browser, url: str | None = None, content: str | None = None):
        self.context = browser.new_context(viewport={"width": 1200, "height": 800})
        self.page = self.context.new_page()
        self.external: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.route("**/*", self._route)
        if url:
            self.page.goto(url)
        else:
            self.page.set_content(content)

    def _route(self, route):
        if route.request.url.startswith(("file:", "data:", "about:", "blob:")):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def wait_stable(self, frame=None):
        (frame or self.page).wait_for_function(
            "window.agView && window.agView.stable === true", timeout=15000
        )

    def counts(self, frame=None):
        return tuple((frame or self.page).evaluate("[agView.nodes.length, agView.edges.length]"))

    def canvas_ink(self) -> tuple[float, int]:
        from PIL import Image

        shot = self.page.locator("#ag-network canvas").screenshot()
        return ink(Image.open(io.BytesIO(shot)), 740)

    def close(self):
        self.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["overview", "alliance", "ego", "path", "co-membership", "chain"])
def test_each_view_kind_in_chromium(browser, curated, kind):
    folder, made = curated
    visit = Visit(browser, (folder / f"{kind}.html").as_uri())
    try:
        visit.wait_stable()
        assert visit.external == []
        assert visit.errors == []
        assert visit.dialogs == []
        assert visit.counts() == (made[kind].node_count, made[kind].edge_count)
        if kind in HAND_COUNTS:
            assert visit.counts() == HAND_COUNTS[kind]
        share, colours = visit.canvas_ink()
        assert share > 0.003 and colours > 20, (share, colours)
        # physics, where it ran, is off once stable: nothing keeps moving
        assert visit.page.evaluate("agView.network.physics.options.enabled") is False
    finally:
        visit.close()


@pytest.mark.browser
def test_hostile_labels_display_literally_and_run_nothing(browser, tmp_path):
    v = views.render(hostile_graph(), title=HOSTILE)
    path = v.save(tmp_path / "hostile.html")
    visit = Visit(browser, path.as_uri())
    page = visit.page
    try:
        visit.wait_stable()
        assert page.locator("#ag-title").inner_text() == HOSTILE
        assert page.title() == HOSTILE
        labels = page.evaluate("agView.nodes.get().map(n => n.label)")
        assert HOSTILE in labels
        assert HOSTILE_SCRIPT in page.locator("#ag-legend").inner_text()
        # hover the hostile node: its tooltip shows the markup as text
        x, y = page.evaluate(
            """() => {
              const id = agView.nodes.get().find(n => n.label.startsWith('<img')).id;
              const p = agView.network.canvasToDOM(agView.network.getPositions([id])[id]);
              const r = document.getElementById('ag-network').getBoundingClientRect();
              return [p.x + r.left, p.y + r.top];
            }"""
        )
        page.mouse.move(x, y)
        tip = page.locator("div.vis-tooltip")
        tip.wait_for(state="visible", timeout=5000)
        text = tip.inner_text()
        assert text.startswith(HOSTILE) and HOSTILE_SCRIPT in text
        # text only: innerText turns line breaks into <br>, and nothing else is an element
        assert page.locator("div.vis-tooltip *:not(br)").count() == 0
        page.wait_for_timeout(300)
        assert page.locator("img").count() == 0
        assert visit.dialogs == [] and visit.errors == [] and visit.external == []
    finally:
        visit.close()


@pytest.mark.browser
def test_legend_toggles_a_class_and_find_focuses(browser, tmp_path):
    path = views.render(hostile_graph()).save(tmp_path / "legend.html")
    visit = Visit(browser, path.as_uri())
    page = visit.page
    try:
        visit.wait_stable()
        page.locator("#ag-legend button", has_text="企业").click()
        assert page.evaluate("agView.nodes.get({filter: n => n.hidden}).length") == 1
        page.fill("#ag-find-input", "品胜")
        page.press("#ag-find-input", "Enter")
        assert page.evaluate("agView.network.getSelectedNodes().length") == 1
        assert visit.errors == []
    finally:
        visit.close()


@pytest.mark.browser
def test_two_thousand_nodes_load_without_physics(browser, tmp_path):
    v = views.render(big_graph(2000), title="2000")
    path = v.save(tmp_path / "big.html")
    visit = Visit(browser, path.as_uri())
    try:
        visit.wait_stable()
        assert visit.counts() == (2000, v.edge_count)
        assert visit.page.evaluate("agView.network.physics.options.enabled") is False
        assert visit.external == [] and visit.errors == []
        share, _ = visit.canvas_ink()
        assert share > 0.01
    finally:
        visit.close()


@pytest.mark.browser
def test_notebook_iframe_renders_offline(browser):
    v = views.render(hostile_graph())
    visit = Visit(browser, content=f"<!DOCTYPE html><body>{v._repr_html_()}</body>")
    try:
        frame = visit.page.frame_locator("iframe")
        frame.locator("#ag-network canvas").wait_for(timeout=10000)
        inner = visit.page.frames[1]
        visit.wait_stable(inner)
        assert visit.counts(inner) == (3, 3)
        assert visit.external == [] and visit.errors == [] and visit.dialogs == []
    finally:
        visit.close()


# --------------------------------------------------------------------------- notebook


@pytest.mark.slow
def test_view_displays_inline_in_a_real_kernel(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    code = (
        "import networkx as nx\n"
        "from alliancegraph import views\n"
        "G = nx.Graph()\n"
        "G.add_node('a', label='重庆邮电大学', type='ag:University', type_label='高等院校')\n"
        "G.add_node('b', label='<img src=x onerror=alert(1)>', type='ag:Alliance')\n"
        "G.add_edge('a', 'b', label='牵头单位')\n"
        "views.render(G, title='nb')"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    where = {"metadata": {"path": str(tmp_path)}}
    NotebookClient(nb, timeout=120, kernel_name="python3", resources=where).execute()
    out = nb.cells[0].outputs[0]["data"]["text/html"]
    assert out.startswith("<iframe") and "srcdoc=" in out and HOSTILE not in out
    assert list(tmp_path.iterdir()) == []  # displaying wrote no file


def test_template_files_ship_with_the_package():
    """The wheel takes src/alliancegraph whole; .gitignore must not hide the templates."""
    root = Path(__file__).resolve().parent.parent
    templates = root / "src" / "alliancegraph" / "views" / "templates"
    for name in ("view.html", "view.js", "view.css"):
        assert (templates / name).is_file()
    if shutil.which("git") and (root / ".git").exists():
        import subprocess

        ignored = subprocess.run(
            ["git", "check-ignore", *(str(templates / n) for n in ("view.html", "view.js"))],
            cwd=root,
            capture_output=True,
            text=True,
        )
        assert ignored.stdout.strip() == ""
