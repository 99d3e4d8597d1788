"""How long each analyst notebook takes, top to bottom with a real kernel, against a floor
measured in the same run: a one-cell notebook that only starts the kernel and imports
``alliancegraph`` (what any notebook pays before its first answer).

Usage: python benchmarks/bench_notebooks.py [--runs 1] [notebooks/01-tour.ipynb ...]
Prints wall seconds, the kernel's CPU seconds, the ratio to the floor and the slowest cells.
Each run gets a fresh temporary cache, import folder and TMPDIR (cold, as in CI); nothing is
written outside that folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 60.0  # seconds: the budget each notebook is held to (issue 8)


def _run(nb) -> tuple[float, float, list[tuple[float, str]]]:
    """Execute ``nb`` in a fresh private environment; wall and kernel CPU seconds, cells."""
    saved = {k: os.environ.get(k) for k in ("ALLIANCEGRAPH_CACHE", "ALLIANCEGRAPH_DATA", "TMPDIR")}
    with tempfile.TemporaryDirectory(prefix="ag-bench-nb-") as tmp:
        os.environ["ALLIANCEGRAPH_CACHE"] = f"{tmp}/cache"
        os.environ["ALLIANCEGRAPH_DATA"] = f"{tmp}/imports"
        os.environ["TMPDIR"] = tmp
        try:
            before = os.times()
            t0 = time.perf_counter()
            NotebookClient(
                nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": tmp}}
            ).execute()
            wall = time.perf_counter() - t0
            after = os.times()  # the kernel is a reaped child once the client shut it down
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    cells = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in meta and "shell.execute_reply" in meta:
            start = dt.datetime.fromisoformat(meta["iopub.execute_input"].replace("Z", "+00:00"))
            end = dt.datetime.fromisoformat(meta["shell.execute_reply"].replace("Z", "+00:00"))
            first = (cell.source.splitlines() or [""])[0][:60]
            cells.append(((end - start).total_seconds(), f"{cell.get('id', '?')}: {first}"))
    return wall, cpu, sorted(cells, reverse=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("notebooks", nargs="*", type=Path)
    args = ap.parse_args()
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))

    floor_nb = new_notebook(cells=[new_code_cell("import alliancegraph")])
    floor = statistics.median(_run(nbformat.from_dict(floor_nb))[0] for _ in range(args.runs))
    print(f"floor (kernel start + import alliancegraph): {floor:.1f} s")
    over = 0
    for path in paths:
        results = [_run(nbformat.read(path, as_version=4)) for _ in range(args.runs)]
        wall = statistics.median(r[0] for r in results)
        cpu = statistics.median(r[1] for r in results)
        flag = "ok" if wall < LIMIT else f"OVER {LIMIT:.0f} s"
        over += wall >= LIMIT
        print(
            f"{path.name}: {wall:.1f} s wall, {cpu:.1f} s kernel CPU, "
            f"{wall / floor:.1f}× floor, {flag}"
        )
        for secs, what in results[-1][2][:3]:
            print(f"    {secs:6.1f} s  {what}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
