"""``python -m benchmarks``: every main job at 1×, 10× (and 100×) the reported scale, against
baselines measured in the same run; writes ``RESULTS.md`` and ``scaling.png``.

    python -m benchmarks                      # 1× and 10× (the default), into benchmarks/
    python -m benchmarks --scales 1,10,100    # 100× where it fits (budgets below)
    python -m benchmarks --quick              # CI smoke: 1×, few repetitions, into a tmp dir
    python -m benchmarks --from-json R.json   # rewrite the report from a saved run

Sections, each from the single-area script that owns it (imported, not copied):
``bench_cold_query`` (cold CLI vs ``python -c pass`` vs the ``oxigraph`` CLI),
``bench_queries`` (build + import, peak RSS; each named query on our API, pyoxigraph and
rdflib), ``bench_analysis`` (the analyze suite, igraph-backed vs networkx only),
``bench_views`` (generation and time-to-stable in Chromium vs an empty view and pyvis),
``bench_serve`` (20 concurrent clients; pooled vs per-query-fork server, and the
``oxigraph serve-read-only`` engine floor). Medians of several runs, warm-up excluded.
A section that fails is reported as failed; the others still run. Synthetic data, stores
and caches go to a temporary folder, never into ``data/``, the repo or the user's cache.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

LIBRARIES = [
    "alliancegraph",
    "pyoxigraph",
    "rdflib",
    "pyshacl",
    "networkx",
    "igraph",
    "pyvis",
    "playwright",
    "starlette",
    "uvicorn",
    "httpx",
    "matplotlib",
    "psutil",
]
CLIENTS = 20


_T0 = time.monotonic()


def log(text: str) -> None:
    """A progress line on stderr, stamped with the minutes since the run began."""
    print(f"{(time.monotonic() - _T0) / 60:5.1f} min  {text}", file=sys.stderr, flush=True)


# -- machine -------------------------------------------------------------------------------


def _cmd_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout
        return out.strip().splitlines()[0] if out.strip() else "?"
    except (OSError, subprocess.SubprocessError):
        return "not installed"


def machine() -> dict:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import psutil

        ram = psutil.virtual_memory().total / 2**30
    except ImportError:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = {}
    for lib in LIBRARIES:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            versions[lib] = "not installed"
    versions["oxigraph (CLI)"] = _cmd_version(["oxigraph", "--version"])
    versions["chromium"] = _cmd_version(["/usr/bin/chromium", "--version"])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(ram, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "load_start": [round(x, 2) for x in os.getloadavg()],
    }


# -- sections (each wraps the owning script's functions) ----------------------------------


def section_cold(opts) -> dict:
    import bench_cold_query

    return bench_cold_query.run(runs=opts.cold_runs)


def section_queries(opts, work: Path) -> dict:
    import bench_queries

    return bench_queries.run(
        opts.scales,
        work,
        reps=opts.reps,
        budget=opts.budget,
        build_timeout=opts.build_timeout,
        seed=opts.seed,
        log=log,
        curated=opts.curated,
        serve=(CLIENTS, opts.serve_seconds),
    )


def section_analysis(opts, work: Path) -> dict:
    import bench_analysis

    from alliancegraph.analysis import comembership

    out = {}
    for scale in opts.scales:
        if scale > opts.analysis_max_scale:
            out[scale] = {"skipped": f"above --analysis-max-scale {opts.analysis_max_scale:g}"}
            continue
        s = max(1, round(scale))  # the analysis generator takes whole multiples
        log(f"[analysis] {s}×: loading the synthetic graph …")
        g = bench_analysis.open_synthetic(s, opts.seed)
        C = comembership(g)
        entry = {
            "scale_used": s,
            "quads": len(g.store),
            "orgs": C.number_of_nodes(),
            "edges": C.number_of_edges(),
        }
        del C
        log(f"[analysis] {s}×: suite (auto engine) …")
        fast = bench_analysis.suite(g, "auto", opts.seed, work)
        entry["auto"] = fast
        if s <= opts.analysis_baseline_max_scale:
            log(f"[analysis] {s}×: suite (networkx only, the baseline) …")
            entry["networkx"] = bench_analysis.suite(g, "networkx", opts.seed, work)
        out[scale] = entry
        del g
    return out


def section_views(opts, work: Path) -> dict:
    import bench_views
    import networkx as nx
    from playwright.sync_api import sync_playwright

    from alliancegraph import views

    out: dict = {"sizes": {}}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=bench_views.CHROMIUM, headless=True, args=bench_views.ARGS
        )
        try:
            views.render(bench_views.organisations(10))  # warm-up
            floor_path = views.render(nx.Graph(), title="empty").save(work / "empty.html")
            out["floor_s"], _ = bench_views.time_to_stable(browser, floor_path, opts.view_reps)
            for n in opts.view_sizes:
                log(f"[views] {n} nodes …")
                G = bench_views.organisations(n)
                gen, v = bench_views.median_time(
                    lambda G=G: views.render(G, title=f"{len(G)} nodes"), opts.view_reps
                )
                path = v.save(work / f"ours-{n}.html")
                stable, external = bench_views.time_to_stable(browser, path, opts.view_reps)
                entry = {
                    "edges": v.edge_count,
                    "generate_s": gen,
                    "stable_s": stable,
                    "kib": len(v.html.encode()) // 1024,
                    "physics": bool(v.physics),
                    "external_requests": external,
                }
                if opts.pyvis_timeout > 0:
                    bench_views.pyvis_page(G, work / f"pyvis-{n}.html")
                    took, ext = bench_views.pyvis_time(
                        browser, work / f"pyvis-{n}.html", opts.pyvis_timeout
                    )
                    entry.update(
                        pyvis_s=took, pyvis_timeout=opts.pyvis_timeout, pyvis_external_requests=ext
                    )
                out["sizes"][n] = entry
        finally:
            browser.close()
    return out


def section_serve(opts, work: Path) -> dict:
    """The bundled graph under ``CLIENTS`` clients sending ``bench_serve.MIX``: serve as
    shipped (``pool``), each query in a forked child (``baseline``) and ``oxigraph
    serve-read-only`` on a copy of the same store."""
    import asyncio

    import bench_serve

    import alliancegraph as ag

    cache = work / "serve-cache"
    shutil.copytree(opts.curated[0], cache)
    g = ag.open(root=ROOT, cache_dir=cache)
    queries = [g.query_text(n, v or None) for n, v in bench_serve.MIX]
    out: dict = {
        "query": ", ".join(dict.fromkeys(n for n, _ in bench_serve.MIX)),
        "clients": CLIENTS,
        "duration_s": opts.serve_seconds,
    }
    for mode in ("pool", "baseline"):
        log(f"[serve] alliancegraph serve ({mode}) …")
        proc, base = bench_serve.start(mode, str(cache))
        try:
            out[mode] = asyncio.run(
                bench_serve.load(base + "/sparql", queries, CLIENTS, opts.serve_seconds)
            )
        finally:
            proc.terminate()
            proc.wait(30)
    log("[serve] oxigraph serve-read-only (engine floor) …")
    assert g.build is not None
    with bench_serve.oxigraph(g.build.store_path, work) as url:
        out["oxigraph"] = asyncio.run(bench_serve.load(url, queries, CLIENTS, opts.serve_seconds))
    return out


SECTIONS = {
    "cold": section_cold,
    "queries": section_queries,
    "analysis": section_analysis,
    "views": section_views,
    "serve": section_serve,
}


def run_all(opts) -> dict:
    results: dict = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S %z")}
    skip = ("out", "from_json", "curated")
    results["options"] = {k: v for k, v in vars(opts).items() if k not in skip}
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="alliancegraph-bench-") as tmp:
        work = Path(tmp)
        # nothing below may touch the user's cache or imports
        os.environ["ALLIANCEGRAPH_CACHE"] = str(work / "cache")
        os.environ["ALLIANCEGRAPH_DATA"] = str(work / "data-home")
        from alliancegraph.build import Cache, Inputs, ensure_built

        log("== the curated build (once; copied where a section needs it)")
        t = time.perf_counter()
        ensure_built(Inputs(ROOT / "data", ROOT / "ontology", []), Cache(work / "curated"))
        opts.curated = (work / "curated", time.perf_counter() - t)
        results["curated_build_s"] = opts.curated[1]
        for name, fn in SECTIONS.items():
            if name not in opts.only:
                continue
            log(f"== {name}")
            t = time.perf_counter()
            (work / name).mkdir(exist_ok=True)
            try:
                results[name] = fn(opts) if name == "cold" else fn(opts, work / name)
            except Exception as e:  # a failed section is a result too
                traceback.print_exc()
                results[name] = {"error": f"{type(e).__name__}: {e}"[:500]}
            results.setdefault("section_seconds", {})[name] = time.perf_counter() - t
    results["total_seconds"] = time.perf_counter() - t_all
    results["machine"]["load_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--scales",
        help="comma-separated multiples of the reported scale (default 1,10; --quick: 1)",
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="CI smoke run: 1×, few repetitions, small budgets, output to a tmp dir",
    )
    ap.add_argument(
        "--out",
        type=Path,
        help="where RESULTS.md and scaling.png go (default benchmarks/; --quick: a new tmp dir)",
    )
    ap.add_argument("--only", default=",".join(SECTIONS), help="sections to run")
    ap.add_argument("--reps", type=int, help="repetitions per timing (median; default 5)")
    ap.add_argument("--budget", type=float, help="seconds per query per engine (default 20)")
    ap.add_argument(
        "--build-timeout",
        type=float,
        default=600.0,
        help="seconds for one build + import (default 600)",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--from-json", type=Path, help="write the report from a saved results.json")
    opts = ap.parse_args(argv)
    q = opts.quick
    opts.scales = [float(s) for s in (opts.scales or ("1" if q else "1,10")).split(",")]
    opts.only = [s.strip() for s in opts.only.split(",")]
    opts.reps = opts.reps or (2 if q else 5)
    opts.budget = opts.budget or (5.0 if q else 20.0)
    opts.cold_runs = 3 if q else 15
    opts.analysis_max_scale = 10.0
    opts.analysis_baseline_max_scale = 0 if q else 1
    opts.view_sizes = [200] if q else [200, 2000]
    opts.view_reps = 1 if q else 3
    # pyvis's 2,000-node page never settles: "> 30 s" says it as well as "> 60 s" did
    opts.pyvis_timeout = 0.0 if q else 30.0
    opts.serve_seconds = 2.0 if q else 15.0
    if opts.out is None:
        opts.out = Path(tempfile.mkdtemp(prefix="alliancegraph-bench-out-")) if q else HERE
    return opts


def main(argv: list[str] | None = None) -> None:
    from report import write_plot, write_report

    opts = parse_args(argv)
    opts.out.mkdir(parents=True, exist_ok=True)
    if opts.from_json:
        results = json.loads(opts.from_json.read_text(encoding="utf-8"))
    else:
        # through JSON once, so a live run and --from-json give the report the same keys
        results = json.loads(json.dumps(run_all(opts), default=str))
        raw = (HERE / "scratch" if opts.out.resolve() == HERE else opts.out) / "results.json"
        raw.parent.mkdir(parents=True, exist_ok=True)
        raw.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
        log(f"raw results: {raw}")
    png = write_plot(results, opts.out / "scaling.png")
    md = write_report(results, opts.out / "RESULTS.md", png.name if png else None)
    print(f"wrote {md} and {png}")


if __name__ == "__main__":
    main()
