"""What the query layer's safety costs: a query with a deadline (forked child that opens the
read-only store) against the same query in-process, and find() on the bundled graph.

Run: python benchmarks/bench_query_layer.py  (builds into a temporary cache)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import alliancegraph as ag
from alliancegraph.search import find

ROOT = Path(__file__).resolve().parent.parent
Q = "SELECT ?a ?l WHERE { ?a a ag:Alliance ; rdfs:label ?l }"


def median(f, n: int = 20) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        g = ag.open(root=ROOT, cache_dir=cache)
        g.query(Q)
        inproc = median(lambda: g.query(Q))
        child = median(lambda: g.query(Q, timeout=30))
        print(f"query in-process        {inproc * 1e3:8.2f} ms")
        print(f"query with deadline     {child * 1e3:8.2f} ms  ({child / inproc:.0f}x)")
        find(g, "重材院")
        for text in ("重材院", "chongcaiyuan", "materials research"):
            print(f"find {text!r:22}  {median(lambda t=text: find(g, t), 10) * 1e3:8.2f} ms")
        env = {"ALLIANCEGRAPH_CACHE": cache, "ALLIANCEGRAPH_HOME": str(ROOT), "PATH": ""}
        cli = [sys.executable, "-m", "alliancegraph.cli", "query", Q, "-f", "csv"]

        def run(extra):
            subprocess.run([*cli, *extra], env=env, check=True, capture_output=True)

        base = median(lambda: run(["--timeout", "0"]), 7)
        dead = median(lambda: run([]), 7)
        print(f"CLI query, no deadline  {base * 1e3:8.1f} ms")
        print(f"CLI query, 30 s default {dead * 1e3:8.1f} ms  ({dead / base:.2f}x)")


if __name__ == "__main__":
    main()
