"""The ``--help`` examples run: every example line of every command's help text (the
``Examples:`` and ``Quick tour:`` blocks) that needs no server and no file of the user's
own is executed, as a shell would run it, in a scratch folder, and exits 0.

A line is left out only for a reason named here (a server to talk to, a file or an import
id that only the user has, or a run that rewrites the checkout); the test fails if a reason
no longer matches any line, so the list cannot rot.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from alliancegraph.cli import app

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

#: (pattern, why the line does not run here)
NOT_RUN: list[tuple[str, str]] = [
    (r"--endpoint\s+https?://|localhost:|127\.0\.0\.1|^curl\b", "needs a running server"),
    (r"^alliancegraph serve\b", "starts a server that runs until stopped"),
    (r"--undo\s+\S+", "undoes an import id only the user has"),
    (r"^alliancegraph bench\b(?!.*--quick)", "rewrites benchmarks/RESULTS.md in the checkout"),
    (r"^alliancegraph bench --quick\b", "runs the benchmark suite (tests/test_benchmarks.py)"),
]
#: a token naming a file the example reads (an input the user brings), not one it writes
_INPUT_FILE = re.compile(r"\.(csv|xlsx|xls|tsv|rq|txt|nq|ttl|json)$", re.IGNORECASE)
_OUTPUT_OPTIONS = {"--out", "-o", "--output"}


def _commands(cmd: click.Command, path: tuple[str, ...] = ()):
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(click.Context(cmd)):
            sub = cmd.get_command(click.Context(cmd), name)
            if sub is not None and not sub.hidden:
                yield from _commands(sub, (*path, name))


def example_lines() -> list[tuple[str, str]]:
    """(command, example line) of every help text, continuation lines joined."""
    found: list[tuple[str, str]] = []
    for path, cmd in _commands(app):
        lines = (cmd.help or "").splitlines()
        inside = False
        pending = ""
        for raw in lines:
            line = raw.strip()
            if re.match(r"^(Examples|Quick tour):$", line):
                inside, pending = True, ""
                continue
            if not inside:
                continue
            if not line:
                inside = False
                continue
            line = pending + line
            if line.endswith("\\"):
                pending = line[:-1].rstrip() + " "
                continue
            pending = ""
            found.append((" ".join(("alliancegraph", *path)), line))
    return found


def _reason(line: str) -> str | None:
    for pattern, why in NOT_RUN:
        if re.search(pattern, line):
            return why
    tokens = shlex.split(line.split(" #", 1)[0])
    for before, tok in zip(["", *tokens], tokens, strict=False):
        if _INPUT_FILE.search(tok) and before not in _OUTPUT_OPTIONS and not tok.startswith("-"):
            return f"reads {tok}, a file of the user's own"
    return None


EXAMPLES = example_lines()


def test_the_help_texts_have_examples():
    assert len(EXAMPLES) >= 15
    commands = {c for c, _ in EXAMPLES}
    assert {"alliancegraph", "alliancegraph query", "alliancegraph find"} <= commands


def test_every_reason_to_skip_still_matches_a_line():
    for pattern, why in NOT_RUN:
        assert any(re.search(pattern, line) for _, line in EXAMPLES), (pattern, why)


@pytest.fixture(scope="module")
def scratch_env(tmp_path_factory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("help-examples")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "ALLIANCEGRAPH_HOME": str(ROOT),
        "ALLIANCEGRAPH_CACHE": str(base / "cache"),
        "ALLIANCEGRAPH_DATA": str(base / "data-home"),
        "COLUMNS": "200",
    }
    env.pop("ALLIANCEGRAPH_ENDPOINT", None)
    subprocess.run(["alliancegraph", "build"], env=env, check=True, capture_output=True)
    return env


#: the examples this test runs (the others are listed, with why, by the test above)
RUNNABLE = [(c, x) for c, x in EXAMPLES if _reason(x) is None]


def test_most_examples_run_here():
    assert len(RUNNABLE) >= 15 and len(RUNNABLE) * 2 > len(EXAMPLES)


@pytest.mark.parametrize(
    "command,line", [pytest.param(c, x, id=x[:60]) for c, x in RUNNABLE]
)  # fmt: skip
def test_help_example_runs(command, line, scratch_env, tmp_path):
    assert line.split()[0] in ("alliancegraph", "echo", "export"), line
    r = subprocess.run(
        ["bash", "-o", "pipefail", "-c", line],
        cwd=tmp_path,
        env=scratch_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, f"{command}: {line}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
