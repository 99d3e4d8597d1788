"""``alliancegraph bench``: run the benchmarks of a source checkout (``python -m
benchmarks``); they do not ship in the wheel."""

from __future__ import annotations

import subprocess
import sys

import click

from alliancegraph import config

from .common import usage


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args: tuple[str, ...]) -> None:
    """Run the benchmarks (`python -m benchmarks` in a source checkout) with ARGS, its
    options (`python -m benchmarks --help` lists them).

    \b
    Examples:
      alliancegraph bench --quick              # smoke run, results in a tmp dir
      alliancegraph bench --scales 1,10,100    # writes benchmarks/RESULTS.md, scaling.png
    """
    checkout = config.PACKAGE_DIR.parent.parent
    if not (checkout / "benchmarks" / "__main__.py").exists():
        raise usage("the benchmarks ship with the source checkout, not the wheel")
    code = subprocess.call([sys.executable, "-m", "benchmarks", *args], cwd=checkout)
    raise SystemExit(code)
