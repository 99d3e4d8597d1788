"""``alliancegraph serve`` under load: 20 concurrent clients for 30 s on a named query.

Two servers on the bundled graph, each in its own process on a free loopback port, each
measured in the same run:

- baseline: every query under the store's own deadline (``EmbeddedStore.query(timeout=)``:
  a forked child that opens the store afresh, killed at the deadline);
- pool: what ``serve`` does on an on-disk store: long-lived worker processes, each with its
  own read-only handle, killed (and replaced) only when a query passes its deadline.

Both stop a runaway query for real; the question is what that safety costs per request.
Prints p50/p99 latency, throughput and errors for each, the ratios, and writes them to
``benchmarks/bench_serve.json``. Loopback only; bounded by ``--duration`` and ``--clients``.

Run: python benchmarks/bench_serve.py [--duration 30] [--clients 20] [--query alliance-members]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).with_suffix(".json")


def serve_forever(mode: str, cache: str) -> None:
    """Child process: serve the bundled graph on a free loopback port and print it."""
    import alliancegraph as ag
    from alliancegraph.web.app import Settings, serve

    g = ag.open(root=ROOT, cache_dir=cache)
    settings = Settings(timeout=30, workers=4, pool=(mode == "pool"))
    serve(g, "127.0.0.1", 0, settings, announce=lambda s: print(s, flush=True))


def start(mode: str, cache: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", mode, "--cache", cache],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    if not line.startswith("alliancegraph explorer: "):
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return proc, line.split(": ", 1)[1].strip().rstrip("/")


async def load(base: str, query: str, clients: int, duration: float) -> dict:
    """``clients`` keep-alive clients, each sending the query back to back for ``duration``."""
    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    rows: set[int] = set()
    stop = time.perf_counter() + duration

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as c:
            while time.perf_counter() < stop:
                t = time.perf_counter()
                try:
                    r = await c.post("/sparql", data={"query": query})
                    ok = r.status_code == 200
                    if ok:
                        rows.add(len(r.json()["results"]["bindings"]))
                    else:
                        errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
                except httpx.HTTPError as e:
                    ok = False
                    errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                if ok:
                    latencies.append(time.perf_counter() - t)

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.perf_counter() - t0
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n,
        "errors": errors,
        "rows_per_answer": sorted(rows),
        "throughput_per_s": round(n / wall, 1),
        "p50_ms": round(1e3 * statistics.median(latencies), 2) if n else None,
        "p99_ms": round(1e3 * latencies[min(n - 1, int(0.99 * n))], 2) if n else None,
        "max_ms": round(1e3 * latencies[-1], 2) if n else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=30.0, help="seconds per server (<= 120)")
    ap.add_argument("--clients", type=int, default=20, help="concurrent clients (<= 100)")
    ap.add_argument("--query", default="alliance-members", help="named query to send")
    ap.add_argument("--serve", choices=["baseline", "pool"], help=argparse.SUPPRESS)
    ap.add_argument("--cache", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve_forever(args.serve, args.cache)
        return
    duration = min(max(args.duration, 1.0), 120.0)
    clients = min(max(args.clients, 1), 100)

    import alliancegraph as ag
    from alliancegraph.library import client_text as example_text

    query = example_text(args.query)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as cache:
        ag.open(root=ROOT, cache_dir=cache)  # build once, outside the timings
        for mode in ("baseline", "pool"):
            proc, base = start(mode, cache)
            try:
                asyncio.run(load(base, query, clients, 2.0))  # warm up
                results[mode] = asyncio.run(load(base, query, clients, duration))
            finally:
                proc.terminate()
                proc.wait(30)
    b, p = results["baseline"], results["pool"]
    print(f"{clients} clients x {duration:g} s, POST /sparql, named query {args.query!r}")
    print(f"{'server':<10}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for mode, r in results.items():
        errs = sum(r["errors"].values())
        print(
            f"{mode:<10}{r['requests']:>10}{errs:>8}{r['throughput_per_s']:>9}"
            f"{r['p50_ms']:>9}{r['p99_ms']:>9}"
        )
    ratios = {
        "throughput": round(p["throughput_per_s"] / b["throughput_per_s"], 1),
        "p50": round(b["p50_ms"] / p["p50_ms"], 1),
        "p99": round(b["p99_ms"] / p["p99_ms"], 1),
    }
    print(
        f"pool vs baseline: {ratios['throughput']}x throughput, p50 {ratios['p50']}x lower, "
        f"p99 {ratios['p99']}x lower"
    )
    OUT.write_text(
        json.dumps(
            {
                "query": args.query,
                "clients": clients,
                "duration_s": duration,
                "results": results,
                "pool_vs_baseline": ratios,
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    # Other work on the machine skews absolute figures; the ratios less so.
                    "load_average_1min_at_end": round(os.getloadavg()[0], 2),
                },
                "measured": time.strftime("%Y-%m-%d"),
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
