"""Time and peak memory (RSS) of importing synthetic member lists, at 1× and 10× the
reported scale (1,934 and about 19,340 members), each phase timed, in one run.

    python benchmarks/bench_import.py            # 1× then 10×
    python benchmarks/bench_import.py --scales 1  # only 1×

Each scale runs in a fresh child process (so peak RSS is that import's own), into a
scratch data folder and cache under a temporary directory; nothing touches the user's
imports or cache. The 1× run is the baseline the 10× figures are compared with.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time, threading
from pathlib import Path
import psutil
from alliancegraph.synthetic import generate, write, import_synthetic

scale, base, root = float(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
proc, peak = psutil.Process(), [0]
def watch():
    while True:
        peak[0] = max(peak[0], proc.memory_info().rss)
        time.sleep(0.05)
threading.Thread(target=watch, daemon=True).start()
from alliancegraph.build import Cache, Inputs, ensure_built
ensure_built(Inputs(root / "data", root / "ontology"), Cache(base / "cache"))  # curated, not timed
t0 = time.perf_counter()
lists = generate(scale, seed=1)
write(lists, base / "lists")
t1 = time.perf_counter()
rss_before = proc.memory_info().rss
report = import_synthetic(base / "lists", root=root, cache_dir=base / "cache", home=base / "home")
t2 = time.perf_counter()
peak[0] = max(peak[0], proc.memory_info().rss,
              resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
build = Cache(base / "cache").get(report.build_key)
print(json.dumps({"scale": scale, **lists.counts(), "quads": report.quads,
                  "dataset_quads": build.info["quads"],
                  "generate_s": round(t1 - t0, 2), "import_s": round(t2 - t1, 2),
                  "phases_s": report.seconds, "build_phases_s": build.info["seconds"],
                  "peak_rss_mb": round(peak[0] / 2**20),
                  "rss_before_import_mb": round(rss_before / 2**20)}))
"""


def run(scale: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(scale), tmp, str(ROOT)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    args = ap.parse_args()
    results = []
    for scale in args.scales:
        t = time.perf_counter()
        r = run(scale)
        r["wall_s"] = round(time.perf_counter() - t, 2)
        results.append(r)
        print(
            f"{scale:g}×: {r['members']} members, {r['memberships']} memberships, "
            f"{r['platforms']} platforms, {r['quads']} quads | import {r['import_s']} s "
            f"(check {r['phases_s']['check']}, SHACL {r['phases_s']['validate']}, "
            f"build {r['phases_s']['build']}) | peak RSS {r['peak_rss_mb']} MB",
            flush=True,
        )
        phases = ", ".join(f"{k} {v}" for k, v in r["build_phases_s"].items())
        print(f"    build phases (s): {phases}", flush=True)
    if len(results) > 1:
        base = results[0]
        for r in results[1:]:
            rows = r["scale"] / base["scale"]
            time_ratio = r["import_s"] / base["import_s"]
            rss_ratio = r["peak_rss_mb"] / base["peak_rss_mb"]
            print(f"{rows:g}× the rows: {time_ratio:.1f}× the time, {rss_ratio:.1f}× the peak RSS")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
