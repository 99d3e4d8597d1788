"""pyvis interop (issue 17, item 4): View.to_pyvis() is a pyvis Network holding the view's
nodes, positions, styles and escaped titles, that renders offline with the vis-network we
vendor; `view --engine pyvis` writes through it; nothing reads pyvis's folder at run time."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_views import HOSTILE, Visit, browser, hostile_graph  # noqa: F401

from alliancegraph import views
from alliancegraph.cli import app
from alliancegraph.views import html as page

ASSETS = Path(views.__file__).with_name("assets")
VIS_SHA256 = "1f20f0736f32cb9bedf8f6383b25cfea2f839e1abe80d6e8040b4d5bea378c69"


def test_vis_network_is_vendored_with_licence_and_version():
    js = (ASSETS / "vis-network.min.js").read_bytes()
    assert hashlib.sha256(js).hexdigest() == VIS_SHA256
    assert b"@version 9.1.2" in js[:400]
    licence = (ASSETS / "LICENSE").read_text()
    assert "MIT" in licence and "Apache" in licence
    assert "9.1.2" in (ASSETS / "README.md").read_text() and VIS_SHA256 in (
        ASSETS / "README.md").read_text()  # fmt: skip


def test_pages_take_vis_network_from_the_package_not_from_pyvis():
    source = Path(page.__file__).read_text(encoding="utf-8")
    assert "import pyvis" not in source and "pyvis.__file__" not in source
    assert page._vis_js().startswith((ASSETS / "vis-network.min.js").read_text()[:200])
    assert "sourceMappingURL" not in page._vis_js()


def test_to_pyvis_holds_nodes_positions_styles_and_escaped_titles():
    from pyvis.network import Network

    v = views.render(hostile_graph(), title=HOSTILE)
    net = v.to_pyvis()
    assert isinstance(net, Network) and net.cdn_resources == "in_line"
    assert len(net.nodes) == v.node_count and len(net.edges) == v.edge_count
    spec = v._spec
    for node, n in zip(net.nodes, spec.nodes, strict=True):
        assert (node["x"], node["y"], node["size"], node["label"]) == (n.x, n.y, n.size, n.label)
        assert node["shape"] == spec.groups[n.group].style.shape
        assert "<" not in node["title"]  # escaped: markup in any pyvis template shows as text
    assert any("&lt;img" in node["title"] for node in net.nodes)
    html = net.generate_html()
    assert "cdn" not in html.lower() and "https://" not in html.split("<script>")[0]
    net.add_node("extra", label="extra")  # the user continues in pyvis
    assert len(net.nodes) == v.node_count + 1


@pytest.mark.browser
def test_pyvis_page_draws_the_same_nodes_offline(browser, tmp_path, graph):  # noqa: F811
    for v in (views.render(hostile_graph(), title=HOSTILE),
              views.make(graph, "path", "爱美科", "重庆市功能材料技术创新战略联盟")):  # fmt: skip
        path = v.save(tmp_path / "pyvis.html", engine="pyvis")
        visit = Visit(browser, path.as_uri())
        page_ = visit.page
        try:
            page_.wait_for_function("window.agPyvis && agPyvis.stable", timeout=15000)
            drawn = page_.evaluate("agPyvis.network.body.nodeIndices.length")
            assert drawn == v.node_count
            assert page_.evaluate("agPyvis.edges.length") == v.edge_count
            assert visit.external == [] and visit.errors == [] and visit.dialogs == []
            assert page_.locator("img").count() == 0
        finally:
            visit.close()


def test_cli_engine_pyvis(cli_env, tmp_path):
    out = tmp_path / "p.html"
    r = CliRunner().invoke(
        app, ["view", "path", "爱美科", "重庆市功能材料技术创新战略联盟", "--engine", "pyvis",
              "--out", str(out)], env=cli_env,
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "agPyvis" in text and "vis.Network" in text
