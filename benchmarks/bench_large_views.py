"""Large views (issue 17, item 2): the co-membership view reduced, beside today's renderer.

For each synthetic scale (``alliancegraph synth --scale S`` then ``alliancegraph import
synthetic``, in a private ``ALLIANCEGRAPH_DATA``/``ALLIANCEGRAPH_CACHE``), on the same
graph, in a child process per scale:

- analysis: the co-membership projection with betweenness and Louvain communities
  (``analysis.measured``), cold: the part both renderers share;
- generation: ``views.make(g, "co-membership", reduce=...)`` once the analysis is cached
  (the view's own cost), and cold + view = the whole ``view co-membership`` command;
- page size (UTF-8 bytes of the HTML);
- first draw in headless Chromium (Debian's, via Playwright, network cut): from navigation
  start to the first frame after labels are placed (``agView.stableAt``, the page's own
  ``performance.now()``), median of 3 fresh pages (1 for the full page, capped).

``reduce=False`` is today's renderer (every edge drawn); ``reduce=None`` the new default
(backbone edges, communities as super-nodes, full data as CSV links).

    python benchmarks/bench_large_views.py [--scales 1 10] [--timeout 120]
    python benchmarks/bench_large_views.py --store PATH --scales 10   # a built store, read-only

``--store`` measures an existing on-disk store (opened read-only, nothing written into it)
instead of importing a fresh one: the 10x store another benchmark already built.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]  # fmt: skip
#: above this page size the full page is not opened in the browser (it would not finish)
BROWSER_MAX_BYTES = 100_000_000
#: above this many edges today's renderer is not run (millions of edge tooltips: minutes, GBs)
FULL_MAX_EDGES = 1_000_000


def first_draw(path: Path, repeat: int, timeout: float) -> float | None:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for _ in range(repeat):
            ctx = browser.new_context(viewport={"width": 1200, "height": 800})
            page = ctx.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                ("file:", "data:", "about:", "blob:")) else r.abort())  # fmt: skip
            try:
                page.goto(path.as_uri(), timeout=timeout * 1000)
                page.wait_for_function("window.agView && window.agView.stable",
                                       timeout=timeout * 1000)  # fmt: skip
                times.append(page.evaluate("agView.stableAt") / 1000)
            except Exception:
                ctx.close()
                return None
            ctx.close()
        browser.close()
    return statistics.median(times)


def measure(out: Path, timeout: float, store: str | None = None) -> dict[str, Any]:
    """Run in the child (environment already pointing at the private data)."""
    import alliancegraph as ag
    from alliancegraph import analysis, views

    g = ag.AllianceGraph.open_store(store) if store else ag.open()
    t = time.perf_counter()
    G = analysis.measured(g, "comembership", ["betweenness"], communities=True, seed=0)
    cold = time.perf_counter() - t
    result: dict[str, Any] = {"nodes": len(G), "edges": G.number_of_edges(), "analysis_s": cold}
    for name, reduce in (("full", False), ("reduced", None)):
        if reduce is False and G.number_of_edges() > FULL_MAX_EDGES:
            continue
        t = time.perf_counter()
        v = views.make(g, "co-membership", reduce=reduce)
        gen = time.perf_counter() - t
        path = v.save(out / f"{name}.html")
        size = path.stat().st_size
        draw = None
        if size <= BROWSER_MAX_BYTES:
            draw = first_draw(path, 1 if reduce is False else 3, timeout)
        result[name] = {"generate_s": gen, "bytes": size, "first_draw_s": draw,
                        "drawn_nodes": v.node_count, "drawn_edges": v.edge_count}  # fmt: skip
    return result


def run_scale(scale: float, timeout: float, store: str | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-large-{scale}-") as tmp:
        tmp_path = Path(tmp)
        env = dict(os.environ, ALLIANCEGRAPH_DATA=str(tmp_path / "data"),
                   ALLIANCEGRAPH_CACHE=str(tmp_path / "cache"))  # fmt: skip
        synth = tmp_path / "synth"
        if store is None:
            for cmd in (["synth", "--scale", str(scale), "--out", str(synth)],
                        ["import", "synthetic", str(synth)]):  # fmt: skip
                subprocess.run(["alliancegraph", *cmd], env=env, check=True,
                               capture_output=True)  # fmt: skip
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(tmp_path), "--timeout", str(timeout),
             *(["--store", store] if store else [])],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        return dict(json.loads(child.stdout.strip().splitlines()[-1]))


def _fmt(x: float | None, unit: str = "s") -> str:
    return "n/a" if x is None else f"{x:.2f} {unit}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    ap.add_argument("--timeout", type=float, default=120.0, help="browser cap per page, s")
    ap.add_argument("--store", help="an existing on-disk store to measure (read-only)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.child), args.timeout, args.store)))
        return
    print(f"{'scale':>5} {'nodes':>6} {'edges':>9} {'renderer':>8} {'drawn n/e':>13} "
          f"{'page MB':>8} {'view s':>7} {'+analysis s':>11} {'first draw':>10}")  # fmt: skip
    for scale in args.scales:
        r = run_scale(scale, args.timeout, args.store)
        for name in ("full", "reduced"):
            if name not in r:
                print(f"{scale:>5g} {r['nodes']:>6} {r['edges']:>9} {name:>8} "
                      f"not run (more than {FULL_MAX_EDGES:,} edges)")  # fmt: skip
                continue
            m = r[name]
            print(f"{scale:>5g} {r['nodes']:>6} {r['edges']:>9} {name:>8} "
                  f"{m['drawn_nodes']:>6}/{m['drawn_edges']:<6} {m['bytes'] / 1e6:>8.2f} "
                  f"{m['generate_s']:>7.2f} {m['generate_s'] + r['analysis_s']:>11.2f} "
                  f"{_fmt(m['first_draw_s']):>10}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
