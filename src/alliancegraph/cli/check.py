"""``alliancegraph check``: checks a curator runs before committing data.

``check quotes`` holds evidence quotes to the source texts stored in ``data/sources/``
(the same rule the build applies).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

import alliancegraph as ag

from .common import OrderedGroup, format_option, print_json, reported


@click.group("check", cls=OrderedGroup)
def check() -> None:
    """Checks on the curated data (the build runs them too)."""


@check.command("quotes")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Project folder holding data/ (default $ALLIANCEGRAPH_HOME or this checkout).",
)
@format_option(("text", "json"), default="text")
def quotes(files: tuple[Path, ...], root: Path | None, fmt: str) -> None:
    """Is every evidence quote verbatim in its source's stored text?

    Without FILES, every quote of data/facts.csv and data/statistics.csv is checked against
    data/sources/<source id>.txt. With FILES (or - for standard input), each non-empty line
    is a quote, checked against every stored source. White space is ignored (the article
    was scanned from print); "…" marks omitted text. Exits 1 if a quote is not found.

    \b
    Examples:
      alliancegraph check quotes
      echo 吸纳成员单位1934家 | alliancegraph check quotes -
    """
    given: list[str] | None = None
    with reported():
        if files:
            given = []
            for f in files:
                text = sys.stdin.read() if str(f) == "-" else f.read_text(encoding="utf-8")
                given += text.splitlines()
        report = ag.check_quotes(given, root=root)
    if fmt == "json":
        print_json(report.to_dict())
    else:
        for line in report.lines():
            click.echo(line, err=line.endswith("found verbatim"))
    if not report.ok:
        raise SystemExit(1)
