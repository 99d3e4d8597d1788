"""The ``alliancegraph`` command line: build, query, export and explore the graph.

Tables for people, ``--format json|csv|tsv`` for scripts; exit codes mean something:
0 ok, 1 invalid data or a failed request, 2 a usage or query syntax error. Errors print
one clear message, never a traceback.

Every command is a thin surface: it parses its options, opens the graph once through the
API (:func:`alliancegraph.open`) and renders what an API method returns. No module here
holds SPARQL, builds a projection or computes a metric (``tests/test_surfaces.py`` walks
their syntax trees). Each command group lives in its own module, imported only when one
of its commands runs, so ``alliancegraph query`` starts fast.

==================  ===================================================================
``common``          shared options, opening the graph, errors, rendering (tables, frames)
``query``           query, summary, queries, find, describe
``data``            build, export, publish
``analyze``         the ``analyze`` group (network analysis)
``view``            view (offline network pages and pictures)
``serve``           serve (SPARQL endpoint and explorer)
``workspace``       init (a curation workspace)
``imports``         import (members, entities, facts, synthetic, --undo), imports, synth
``bench``           bench (the benchmarks of a source checkout)
==================  ===================================================================
"""

from __future__ import annotations

import importlib

import click

#: Every command, in the order ``--help`` lists them (the order of the data flow), and
#: the ``module:function`` that defines it, imported only when the command is asked for.
COMMANDS: dict[str, str] = {
    "init": "alliancegraph.cli.workspace:init",
    "build": "alliancegraph.cli.data:build",
    "export": "alliancegraph.cli.data:export",
    "query": "alliancegraph.cli.query:query",
    "summary": "alliancegraph.cli.query:summary",
    "queries": "alliancegraph.cli.query:queries",
    "find": "alliancegraph.cli.query:find",
    "describe": "alliancegraph.cli.query:describe",
    "publish": "alliancegraph.cli.data:publish",
    "analyze": "alliancegraph.cli.analyze:analyze",
    "view": "alliancegraph.cli.view:view",
    "serve": "alliancegraph.cli.serve:serve",
    "import": "alliancegraph.cli.imports:import_",
    "imports": "alliancegraph.cli.imports:imports_command",
    "synth": "alliancegraph.cli.imports:synth",
    "check": "alliancegraph.cli.check:check",
    "bench": "alliancegraph.cli.bench:bench",
}


class LazyGroup(click.Group):
    """A group whose commands are ``module:function`` strings, imported on first use."""

    def __init__(self, *args: object, lazy: dict[str, str] | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy, *(name for name in self.commands if name not in self.lazy)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        target = self.lazy.get(cmd_name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        self.commands[cmd_name] = command
        return command


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="alliancegraph")
def app() -> None:
    """Knowledge graph of Chongqing's industrial technology innovation strategic
    alliances (产业技术创新战略联盟): build, query, analyse and view it.

    \b
    Quick tour:
      alliancegraph summary
      alliancegraph query 'SELECT ?l WHERE { ?a a ag:Alliance ; rdfs:label ?l }'
      alliancegraph export --format ttl --out alliances.ttl
    """


def main() -> None:
    """Console-script entry point."""
    app(prog_name="alliancegraph")


__all__ = ["COMMANDS", "LazyGroup", "app", "main"]
