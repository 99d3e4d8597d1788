"""The code's own checks, run by the suite so CI runs them: ruff, the layer contracts
(import-linter: surfaces above the API above analysis and views above the store above the
build, no cycles, imports inside functions included) and the type checker."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)


def tool(name: str) -> str:
    path = shutil.which(name) or str(Path(sys.executable).with_name(name))
    assert Path(path).exists(), f"{name} is a test dependency: pip install -e '.[test]'"
    return path


def test_ruff_is_clean():
    r = run(tool("ruff"), "check", "src", "tests", "benchmarks")
    assert r.returncode == 0, r.stdout + r.stderr


def test_layers_hold_and_nothing_imports_in_a_cycle():
    r = run(tool("lint-imports"), "--no-cache")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Contracts: 2 kept, 0 broken" in r.stdout


def test_type_checker_is_clean():
    r = run(sys.executable, "-m", "mypy")
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_package_ships_its_types():
    assert (ROOT / "src" / "alliancegraph" / "py.typed").is_file()
