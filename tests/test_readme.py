"""Every example in the README runs: its Python blocks on the bundled graph, and its
command lines (those that need no server, no file of the reader's own and no benchmark run)
through the installed ``alliancegraph`` command, exit 0."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: commands that need a server, a file of the reader's own, a long run or a published store
#: (the reader's own tables for ``import entities|facts|members`` are the last five: the
#: workspace test, tests/test_workspace.py, imports such files of its own)
SKIP = ("serve", "bench", "publish", "--endpoint", "my-question.rq", "members.csv", "--undo",
        "synth", "COUNT(DISTINCT ?m) AS ?known",
        "new-alliance.csv", "new-alliance-facts.csv", "members.xlsx", " entities.csv",
        " facts.csv")  # fmt: skip


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, re.S)


def command_lines() -> list[str]:
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("alliancegraph ") and not any(s in line for s in SKIP):
                lines.append(line)
    return lines


def test_the_readme_has_examples_to_run():
    assert len(python_blocks()) >= 3 and len(command_lines()) >= 25


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_python_example_runs(index, session_cache, bundled_build, monkeypatch):
    monkeypatch.setenv("ALLIANCEGRAPH_CACHE", str(session_cache))
    monkeypatch.setenv("ALLIANCEGRAPH_HOME", str(ROOT))
    namespace: dict = {}
    exec(compile(python_blocks()[index], f"README python block {index + 1}", "exec"), namespace)
    assert "g" in namespace and namespace["g"].build is not None


@pytest.mark.slow
@pytest.mark.parametrize("line", command_lines())
def test_command_example_runs(line, tmp_path, session_cache, bundled_build):
    env = {**os.environ, "ALLIANCEGRAPH_CACHE": str(session_cache), "ALLIANCEGRAPH_HOME": str(ROOT),
           "ALLIANCEGRAPH_DATA": str(tmp_path / "home")}  # fmt: skip
    args = [sys.executable, "-m", "alliancegraph.cli", *shlex.split(line)[1:]]
    r = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{line}\n{r.stderr}"
    assert r.stdout or list(tmp_path.iterdir()), f"{line} printed and wrote nothing"
