"""Network views: generation time and browser time-to-stable at 200 and 2,000 nodes.

Measures, in one run on this machine:

- generation: ``views.render`` on a scale-free organisation graph (layout included),
  median of 3;
- time to stable in headless Chromium (Debian's, network cut by route interception): from
  navigation start to the first frame drawn after physics is off (``agView.stableAt``,
  the page's own ``performance.now()``), median of 3 fresh pages;
- baselines from the same run: an empty view (the floor: parsing the inlined vis-network
  script) and pyvis's own page for the same graph (``cdn_resources="in_line"``, default
  physics), time to first draw, capped at ``--pyvis-timeout`` seconds.

Targets (issue 6): 2,000 nodes generated in under 3 s and stable within 1.5 s.

    python benchmarks/bench_views.py [--sizes 200 2000] [--no-pyvis]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import networkx as nx

from alliancegraph import views

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AGR = "https://w3id.org/alliancegraph/resource/"


def organisations(n: int, seed: int = 1) -> nx.Graph:
    """Scale-free collaboration network with the projection contract's attributes."""
    base = nx.barabasi_albert_graph(n, 2, seed=seed)
    types = ["ag:Enterprise", "ag:University", "ag:ResearchInstitute", "ag:Alliance"]
    G = nx.Graph()
    for i in base:
        t = types[i % 4]
        G.add_node(f"{AGR}org-{i}", label=f"合成机构{i}", label_en=f"org {i}", type=t,
                   type_label=t, aliases="", synthetic=True)  # fmt: skip
    for u, v in base.edges():
        G.add_edge(f"{AGR}org-{u}", f"{AGR}org-{v}", predicate="ag:collaboratesWith",
                   label="合作", label_en="collaborates with", evidence="", source="")  # fmt: skip
    return G


def median_time(fn, repeat: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def cut_network(page, counter: list[str]) -> None:
    def route(r):
        if r.request.url.startswith(("file:", "data:", "about:", "blob:")):
            r.continue_()
        else:
            counter.append(r.request.url)
            r.abort()

    page.route("**/*", route)


def time_to_stable(browser, path: Path, repeat: int = 3) -> tuple[float, int]:
    """Median seconds from navigation start to the first stable frame; external requests."""
    times, external = [], []
    for _ in range(repeat):
        ctx = browser.new_context(viewport={"width": 1200, "height": 800})
        page = ctx.new_page()
        cut_network(page, external)
        page.goto(path.as_uri())
        page.wait_for_function("window.agView && window.agView.stable", timeout=60000)
        times.append(page.evaluate("agView.stableAt") / 1000)
        ctx.close()
    return statistics.median(times), len(external)


def pyvis_page(G: nx.Graph, path: Path) -> None:
    from pyvis.network import Network

    net = Network(height="750px", width="100%", cdn_resources="in_line")
    index = {k: i for i, k in enumerate(G)}
    net.add_nodes(list(range(len(G))), label=[G.nodes[k]["label"] for k in G])
    for u, v in G.edges():  # add_edge in a loop: the cost the issue warns about, measured too
        net.add_edge(index[u], index[v])
    path.write_text(net.generate_html(), encoding="utf-8")


def pyvis_time(browser, path: Path, timeout: float) -> tuple[float | None, int]:
    """Seconds until pyvis's page first draws (None past ``timeout``); external requests."""
    external: list[str] = []
    ctx = browser.new_context(viewport={"width": 1200, "height": 800})
    page = ctx.new_page()
    cut_network(page, external)
    # first draw: with stabilisation on, vis-network draws only once it has stabilised
    page.add_init_script(
        "document.addEventListener('DOMContentLoaded', () => {"
        "  if (typeof network !== 'undefined') network.once('afterDrawing',"
        "    () => { window.__stable = performance.now(); }); });"
    )
    try:
        page.goto(path.as_uri(), timeout=timeout * 1000)
        page.wait_for_function("window.__stable", timeout=timeout * 1000)
        took = page.evaluate("window.__stable") / 1000
    except Exception:
        took = None
    ctx.close()
    return took, len(external)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 2000])
    ap.add_argument("--no-pyvis", action="store_true", help="skip the pyvis baseline")
    ap.add_argument("--pyvis-timeout", type=float, default=60.0)
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-views-") as tmp, sync_playwright() as p:
        tmp = Path(tmp)
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        views.render(organisations(10))  # warm: imports, the vis-network script, templates
        floor_path = views.render(nx.Graph(), title="empty").save(tmp / "empty.html")
        floor, _ = time_to_stable(browser, floor_path)
        print(f"floor (empty view, vis-network parse): stable in {floor:.3f} s")
        print()
        header = (
            f"{'nodes':>6} {'edges':>6} {'generate s':>10} {'KiB':>6} {'physics':>7} "
            f"{'stable s':>8} {'x floor':>7} {'external':>8} {'pyvis s':>8} {'pyvis/ours':>10}"
        )
        print(header)
        for n in args.sizes:
            G = organisations(n)
            gen, v = median_time(lambda G=G: views.render(G, title=f"{len(G)} nodes"))
            path = v.save(tmp / f"ours-{n}.html")
            stable, external = time_to_stable(browser, path)
            base = base_ext = None
            if not args.no_pyvis:
                pyvis_page(G, tmp / f"pyvis-{n}.html")
                base, base_ext = pyvis_time(browser, tmp / f"pyvis-{n}.html", args.pyvis_timeout)
            if base is not None:
                base_s, ratio = f"{base:8.2f}", f"{base / stable:10.1f}"
            else:  # not stable within the cap: report the cap as a lower bound
                base_s = f">{args.pyvis_timeout:7.0f}"
                ratio = f">{args.pyvis_timeout / stable:9.0f}"
            if args.no_pyvis:
                base_s, ratio = f"{'-':>8}", f"{'-':>10}"
            print(
                f"{n:>6} {v.edge_count:>6} {gen:>10.3f} {len(v.html.encode()) // 1024:>6} "
                f"{v.physics!s:>7} {stable:>8.3f} {stable / floor:>7.1f} {external:>8} "
                f"{base_s} {ratio}"
            )
            if base_ext:
                print(f"       pyvis's page tried {base_ext} external request(s), all blocked")
        browser.close()
    print()
    print("targets: 2,000 nodes generated < 3 s, stable < 1.5 s, 0 external requests")


if __name__ == "__main__":
    main()
