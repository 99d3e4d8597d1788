"""``alliancegraph serve`` under load: 20 concurrent keep-alive clients on a mix of named
queries, side by side with ``oxigraph serve-read-only`` on a copy of the same store.

Servers, each in its own process on a free loopback port, each measured in the same run
on the same data and the same query mix:

- baseline: every query under the store's own deadline (a forked child per query);
- disk: long-lived worker processes, each with a read-only handle on the store on disk,
  no result cache (``serve`` before issue 16);
- memory: the same workers, each answering from its own in-memory copy, no result cache;
- serve: ``serve`` as shipped: the store chosen by the memory budget (auto) and whole
  answers kept per build (a repeated request is answered without a worker);
- oxigraph: ``oxigraph serve-read-only --union-default-graph`` on a copy of the store (the
  engine's floor: no deadlines, no limits, no cache).

Every client sends the mix in turn, starting at its own place in it. Admission is opened
to the 20 clients (``per_client``), which all come from 127.0.0.1, so that the figures
measure answering, not the fairness policy. Prints requests, errors, throughput, p50/p99
per server and the ratio of each to oxigraph, and writes ``benchmarks/bench_serve.json``.

Run: python benchmarks/bench_serve.py [--duration 30] [--clients 20]
       [--build FOLDER]  (an existing build folder, e.g. a 10x one; read, never written)
       [--servers disk,memory,serve,oxigraph]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).with_suffix(".json")
SERVERS = ("baseline", "disk", "memory", "serve", "oxigraph")

#: The query mix: (named query, parameters). Whole-graph questions and one entity's or
#: one alliance's, as the explorer and an analyst's scripts ask them.
MIX: list[tuple[str, dict[str, str]]] = [
    ("alliances", {}),
    ("alliance-members", {}),
    ("alliance-members", {"alliance": "物联网联盟"}),
    ("alliance-members", {"alliance": "重庆市功能材料技术创新战略联盟"}),
    ("entity-facts", {"entity": "cqupt"}),
    ("standards", {}),
    ("projects", {}),
    ("industry-chain", {}),
]


def serve_forever(mode: str, cache: str, folder: str | None) -> None:
    """Child process: serve the graph on a free loopback port and print its address."""
    import alliancegraph as ag
    from alliancegraph.graph import AllianceGraph
    from alliancegraph.web.app import Settings, serve

    if folder:
        g = AllianceGraph.open_build_folder(folder, store="disk")
    else:
        g = ag.open(root=ROOT, cache_dir=cache, store="disk")
    store = {"disk": "disk", "memory": "memory"}.get(mode, "auto")
    settings = Settings(
        timeout=60, workers=4, per_client=100, queue=100, pool=(mode != "baseline"),
        store=store, result_cache_bytes=(64 << 20) if mode in ("serve", "pool") else 0,
    )  # fmt: skip
    serve(g, "127.0.0.1", 0, settings, announce=lambda s: print(s, flush=True))


def start(mode: str, cache: str, folder: str | None = None) -> tuple[subprocess.Popen, str]:
    """Start the server ``mode`` (also ``pool``: as shipped) on the graph in ``cache`` (or
    the build ``folder``); its process and base URL once it listens."""
    args = [sys.executable, __file__, "--serve", mode, "--cache", cache]
    proc = subprocess.Popen(args + (["--build", folder] if folder else []),
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("alliancegraph explorer: "):
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    base = line.split(": ", 1)[1].strip().rstrip("/")
    for line in iter(proc.stdout.readline, ""):  # the rest of the announcement
        if line.startswith("store: "):
            print(f"  {mode}: {line.strip()}", flush=True)
            break
    return proc, base


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def oxigraph(store: Path, work: Path):
    """``oxigraph serve-read-only`` on a copy of ``store``; yields its query URL (its
    process id is ``oxigraph.pid`` meanwhile, for its memory)."""
    import httpx

    copy = work / "oxigraph-store-copy"
    shutil.copytree(store, copy)
    port = free_port()
    proc = subprocess.Popen(
        ["oxigraph", "serve-read-only", "--location", str(copy), "--bind",
         f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/query"
    oxigraph.pid = proc.pid  # type: ignore[attr-defined]
    try:
        for _ in range(300):
            try:
                httpx.get(url, params={"query": "ASK {}"}, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(copy, ignore_errors=True)


async def load(url: str, queries: list[str], clients: int, duration: float) -> dict:
    """``clients`` keep-alive clients POSTing ``queries`` in turn (each from its own place
    in the list) for ``duration`` seconds, after one untimed round of connections."""
    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    headers = {"Accept": "application/sparql-results+json"}

    async def ask(c: httpx.AsyncClient, query: str) -> bool:
        try:
            r = await c.post(url, data={"query": query}, headers=headers)
            if r.status_code == 200:
                r.json()
                return True
            errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
        except httpx.HTTPError as e:
            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
        return False

    async def client(c: httpx.AsyncClient, first: int, stop: float) -> None:
        i = first
        while time.perf_counter() < stop:
            t = time.perf_counter()
            if await ask(c, queries[i % len(queries)]):
                latencies.append(time.perf_counter() - t)
            i += 1

    async with contextlib.AsyncExitStack() as stack:
        cs = [
            await stack.enter_async_context(httpx.AsyncClient(timeout=120)) for _ in range(clients)
        ]
        await asyncio.gather(*(ask(c, "ASK {}") for c in cs))  # connect, untimed
        errors.clear()
        t0 = time.perf_counter()
        await asyncio.gather(*(client(c, i, t0 + duration) for i, c in enumerate(cs)))
        wall = time.perf_counter() - t0
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n,
        "errors": errors,
        "throughput_per_s": round(n / wall, 1),
        "p50_ms": round(1e3 * statistics.median(latencies), 2) if n else None,
        "p99_ms": round(1e3 * latencies[min(n - 1, int(0.99 * n))], 2) if n else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--duration", type=float, default=30.0, help="seconds per server (<= 300)")
    ap.add_argument("--clients", type=int, default=20, help="concurrent clients (<= 100)")
    ap.add_argument("--build", help="serve this build folder instead of the bundled graph")
    ap.add_argument("--servers", default="disk,memory,serve,oxigraph", help="which, in order")
    ap.add_argument("--serve", choices=[*SERVERS, "pool"], help=argparse.SUPPRESS)
    ap.add_argument("--cache", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve_forever(args.serve, args.cache, args.build)
        return
    duration = min(max(args.duration, 1.0), 300.0)
    clients = min(max(args.clients, 1), 100)
    servers = [s for s in args.servers.split(",") if s in SERVERS]

    import alliancegraph as ag
    from alliancegraph.graph import AllianceGraph

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        cache = str(Path(tmp) / "cache")
        if args.build:
            g = AllianceGraph.open_build_folder(args.build, store="disk")
        else:
            g = ag.open(root=ROOT, cache_dir=cache, store="disk")  # built outside the timings
        assert g.build is not None
        queries = [g.query_text(name, values or None) for name, values in MIX]
        print(f"{g.build.info.get('quads', '?'):,} quads; mix of {len(queries)} queries; "
              f"{clients} clients x {duration:g} s", flush=True)  # fmt: skip
        for mode in servers:
            if mode == "oxigraph":
                with oxigraph(g.build.store_path, Path(tmp)) as url:
                    asyncio.run(load(url, queries, clients, min(duration, 5)))  # warm up
                    results[mode] = asyncio.run(load(url, queries, clients, duration))
            else:
                proc, base = start(mode, cache, args.build)
                try:
                    asyncio.run(load(base + "/sparql", queries, clients, min(duration, 5)))
                    results[mode] = asyncio.run(load(base + "/sparql", queries, clients, duration))
                finally:
                    proc.terminate()
                    proc.wait(30)
            r = results[mode]
            print(f"  {mode}: {r}", flush=True)
        floor = results.get("oxigraph", {}).get("throughput_per_s")
        print(f"{'server':<10}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>10}"
              f"{'p99 ms':>10}{'x oxigraph':>12}")  # fmt: skip
        for mode, r in results.items():
            ratio = f"{r['throughput_per_s'] / floor:.2f}" if floor else "-"
            errs = sum(r["errors"].values())
            print(f"{mode:<10}{r['requests']:>10}{errs:>8}{r['throughput_per_s']:>9}"
                  f"{r['p50_ms']!s:>10}{r['p99_ms']!s:>10}{ratio:>12}")  # fmt: skip
        doc = {
            "quads": g.build.info.get("quads"),
            "mix": [[n, v] for n, v in MIX],
            "clients": clients,
            "duration_s": duration,
            "results": results,
            "throughput_vs_oxigraph": {
                m: round(r["throughput_per_s"] / floor, 2) for m, r in results.items()
            } if floor else None,
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                # Other work on the machine skews absolute figures; the ratios less so.
                "load_average_1min_at_end": round(os.getloadavg()[0], 2),
            },
            "measured": time.strftime("%Y-%m-%d"),
        }  # fmt: skip
    OUT.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
