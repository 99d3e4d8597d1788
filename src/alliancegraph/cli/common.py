"""What every command shares: its options, opening the graph, one-line errors, rendering.

Options default to None and :mod:`alliancegraph.config` supplies the defaults (the same
``ALLIANCEGRAPH_*`` variables ``alliancegraph.open()`` reads), so the CLI and the API
honour the environment identically. Rendering turns what the API returns (query results,
DataFrames, records) into tables for people or CSV/JSON for scripts; it never computes.
Heavy libraries (rich, pandas) load only when something is rendered.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from alliancegraph import config
from alliancegraph.errors import AllianceGraphError, UsageError

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from alliancegraph.graph import AllianceGraph
    from alliancegraph.results import QueryResult

F = TypeVar("F", bound=Callable[..., Any])
Progress = Callable[[str, int, int], None]


class OrderedGroup(click.Group):
    """Lists its commands in the order they were added (the order of the data flow)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


# -- errors ------------------------------------------------------------------------------------


def fail(error: AllianceGraphError) -> click.exceptions.Exit:
    """Print one clear message and return the exit to raise (1 data/request, 2 usage)."""
    click.echo(f"error: {error}", err=True)
    return click.exceptions.Exit(error.exit_code)


@contextmanager
def reported() -> Iterator[None]:
    """Turn a library error inside the block into one line on stderr and its exit code."""
    try:
        yield
    except AllianceGraphError as e:
        raise fail(e) from None


# -- options -----------------------------------------------------------------------------------


def root_option(f: F) -> F:
    """--root and --cache, shared by every command that opens the graph."""
    f = click.option(
        "--cache",
        "cache",
        type=click.Path(path_type=Path),
        default=None,
        help="Cache folder (default $ALLIANCEGRAPH_CACHE or ~/.cache/alliancegraph).",
    )(f)
    return click.option(
        "--root",
        "root",
        type=click.Path(path_type=Path),
        default=None,
        help="Project folder or workspace (alliancegraph init) holding data/ and ontology/ "
        "(default $ALLIANCEGRAPH_HOME, this checkout, or the bundled copy).",
    )(f)


def data_option(f: F) -> F:
    """--data: the folder holding imports/ (default $ALLIANCEGRAPH_DATA)."""
    return click.option(
        "--data",
        "data",
        type=click.Path(path_type=Path),
        default=None,
        help="Folder for imports (default: the workspace itself, else $ALLIANCEGRAPH_DATA or "
        "~/.local/share/alliancegraph).",
    )(f)


def query_options(default_timeout: float | None = config.DEFAULT_TIMEOUT) -> Callable[[F], F]:
    """--endpoint and --timeout, shared by the commands that ask the graph questions.

    ``default_timeout`` applies when neither --timeout nor $ALLIANCEGRAPH_TIMEOUT is set
    (None: no deadline)."""
    when_unset = f"{default_timeout:g} s" if default_timeout else "none"

    def deco(f: F) -> F:
        f = click.option(
            "--endpoint",
            "-e",
            default=None,
            metavar="URL",
            help="Ask this SPARQL 1.1 endpoint instead of the embedded store "
            "(default $ALLIANCEGRAPH_ENDPOINT).",
        )(f)
        f = click.option(
            "--timeout",
            "-t",
            type=click.FloatRange(min=0),
            default=None,
            metavar="SECONDS",
            help="Stop a query after this many seconds, 0: no deadline "
            f"(default $ALLIANCEGRAPH_TIMEOUT, else {when_unset}).",
        )(f)
        return f

    return deco


def deadline(timeout: float | None, default: float | None = config.DEFAULT_TIMEOUT) -> float:
    """The deadline to open the graph with: --timeout, else $ALLIANCEGRAPH_TIMEOUT, else
    ``default``; 0 means none."""
    seconds = config.timeout(timeout)
    return seconds if seconds is not None else (default or 0.0)


def format_option(
    choices: Sequence[str], default: str = "table", help: str | None = None
) -> Callable[[F], F]:
    """--format/-f with ``choices`` (from :mod:`alliancegraph.formats` where they are
    serialisations of the format table)."""
    return click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice(tuple(choices)),
        default=default,
        show_default=True,
        help=help,
    )


# -- opening the graph -------------------------------------------------------------------------


def open_graph(
    root: Path | None = None,
    cache: Path | None = None,
    *,
    data: Path | None = None,
    endpoint: str | None = None,
    timeout: float | None = None,
) -> AllianceGraph:
    """The graph a command asks: ``alliancegraph.open()`` with the command's options (a
    remote endpoint if given or configured, else the embedded build). A command lives for
    a second, so it reads the on-disk store (opens in 50 ms) rather than loading a copy
    into memory; ``serve``'s query workers choose for themselves."""
    from alliancegraph.graph import open as open_api

    return open_api(
        root=root, cache_dir=cache, endpoint=endpoint, data_home=data, timeout=timeout,
        store="disk",
    )  # fmt: skip


def open_embedded(
    root: Path | None = None,
    cache: Path | None = None,
    *,
    data: Path | None = None,
    strict: bool = False,
    force: bool = False,
) -> AllianceGraph:
    """The embedded build, whatever endpoint is configured (build, export, publish and
    imports work on the dataset itself)."""
    from alliancegraph.graph import AllianceGraph

    return AllianceGraph.embedded(root, cache, data, strict=strict, force=force)


# -- rendering ---------------------------------------------------------------------------------


#: Width of the page when stdout is not a terminal: wide enough that no cell is ever cut
#: (a table is only as wide as its cells need).
PIPED_WIDTH = 100_000


def console(width: int | None = None) -> Console:
    """The console tables print on: the terminal's width on a terminal (cells wrap there,
    see :func:`rich_table`), unlimited when piped, so every cell arrives whole."""
    from rich.console import Console

    if width is None and not sys.stdout.isatty():
        width = PIPED_WIDTH
    return Console(highlight=False, markup=False, emoji=False, width=width)


def rich_table(*columns: str) -> Any:
    """A rich Table whose cells wrap, never cut: a long label or quote (Chinese has no
    spaces to break at) folds onto further lines instead of ending in "…"."""
    from rich.table import Column, Table

    cols = [Column(str(c), overflow="fold", no_wrap=False) for c in columns]
    return Table(*cols, header_style="bold")


def table(columns: Sequence[str], rows: Sequence[Sequence[str]], footer: str = "") -> None:
    """Print a rich table of text cells, with a dim footer line."""
    t = rich_table(*columns)
    for row in rows:
        t.add_row(*row)
    out = console()
    out.print(t)
    if footer:
        out.print(footer, style="dim")


#: English plurals that do not just add "s".
IRREGULAR = {"query": "queries", "match": "matches", "entity": "entities", "child": "children"}


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and ``word`` in the English form for that count: 1 fact, 2 facts, 0 queries
    (``many`` for a plural :data:`IRREGULAR` does not know)."""
    if n == 1:
        return f"{n} {word}"
    return f"{n} {many or IRREGULAR.get(word) or word + 's'}"


def term_text(term: Any) -> str:
    """A result cell for people: IRIs shortened to prefixed names, else the value."""
    from alliancegraph.namespaces import shorten
    from alliancegraph.results import term_json

    if term is None:
        return ""
    return shorten(term.value) if term_json(term)["type"] == "uri" else str(term.value)


def print_table(result: QueryResult) -> None:
    """A SELECT result as a table, with its row count."""
    rows = [[term_text(t) for t in row] for row in result.rows]
    table(result.variables, rows, plural(len(result.rows), "row"))


def print_result(result: QueryResult, fmt: str) -> None:
    """Print a QueryResult for people (table) or scripts (W3C formats); graphs as Turtle."""
    if result.kind == "graph":
        sys.stdout.write(result.serialize("ttl"))
        return
    if fmt == "table":
        if result.kind == "ask":
            click.echo("true" if result.boolean else "false")
            return
        print_table(result)
        return
    if fmt == "csv":  # for spreadsheets: formula-like cells escaped (csv-exact: W3C as is)
        sys.stdout.write(result.spreadsheet_csv())
        return
    sys.stdout.write(result.serialize("csv" if fmt == "csv-exact" else fmt))
    if fmt in ("json", "xml"):  # the documents end without one, as Oxigraph writes them
        sys.stdout.write("\n")


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def describe_meta(meta: dict[str, Any]) -> str:
    """One line on what was measured and how (projection size, method, engine, seed)."""
    parts = []
    if "projection" in meta:
        size = ", ".join(f"{meta[k]} {k}" for k in ("nodes", "edges") if k in meta)
        parts.append(f"projection {meta['projection']}" + (f" ({size})" if size else ""))
    if "metric" in meta:
        parts.append(f"{meta['metric']}: {meta['method']}, engine {meta['engine']}")
    elif "methods" in meta:
        parts.append("; ".join(f"{k}: {v}" for k, v in meta["methods"].items()))
    if "modularity" in meta:
        parts.append(
            f"Louvain seed {meta['seed']}, engine {meta['engine']}, "
            f"modularity {meta['modularity']:.4f}"
        )
    for key in ("gaps", "paths", "roles"):
        if key in meta:
            parts.append(f"{key}: {meta[key]}")
    return " · ".join(parts)


def frame_meta(df: pd.DataFrame) -> dict[str, Any]:
    """The JSON-ready part of an analysis DataFrame's ``attrs`` (projection, method …)."""
    return {
        str(k): v for k, v in df.attrs.items() if isinstance(v, str | int | float | bool | dict)
    }


def frame_to_dict(df: pd.DataFrame) -> dict[str, Any]:
    """An analysis DataFrame as JSON: ``{"meta": {...attrs}, "rows": [{...}, ...]}``."""
    rows = json.loads(df.to_json(orient="records", force_ascii=False))
    return {"meta": frame_meta(df), "rows": rows}


def _cell(v: Any) -> str:
    from alliancegraph.namespaces import shorten

    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, str) and v.startswith(("http://", "https://")):
        return shorten(v)
    return str(v)


def emit_frame(df: pd.DataFrame, fmt: str, note: str = "") -> None:
    """Print a DataFrame as a table (IRIs shortened, numbers rounded), CSV or JSON
    (:func:`frame_to_dict`). The note (engine, method) goes under the table, or to stderr
    for csv, so the data stays clean."""
    note = note or describe_meta(frame_meta(df))
    if fmt == "csv":  # for spreadsheets: formula-like text cells escaped
        from alliancegraph.results import spreadsheet_frame

        sys.stdout.write(spreadsheet_frame(df).to_csv(index=False))
        if note:
            click.echo(f"# {note}", err=True)
        if df.attrs.get("note"):
            click.echo(f"# note: {df.attrs['note']}", err=True)
        return
    if fmt == "json":
        click.echo(json.dumps(frame_to_dict(df), ensure_ascii=False, indent=1))
        return
    t = rich_table(*[str(c) for c in df.columns])
    for row in df.itertuples(index=False):
        t.add_row(*[_cell(v) for v in row])
    out = console()
    out.print(t)
    out.print(plural(len(df), "row") + (f" · {note}" if note else ""), style="dim")
    if df.attrs.get("note"):
        out.print(f"note: {df.attrs['note']}")


class ProgressBar:
    """A rich progress bar on a terminal (stderr); silent otherwise. ``with`` gives the
    ``progress(stage, done, total)`` callback to hand to the API, or None."""

    def __enter__(self) -> Progress | None:
        from rich.console import Console

        out = Console(stderr=True)
        self.progress = None
        self.tasks: dict[str, Any] = {}
        if out.is_terminal:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=out,
                transient=True,
            )
            self.progress.start()
        return self.update if self.progress else None

    def update(self, stage: str, done: int, total: int) -> None:
        assert self.progress is not None
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self.progress:
            self.progress.stop()


def usage(message: str) -> click.exceptions.Exit:
    """A usage error (exit 2) as one line."""
    return fail(UsageError(message))
