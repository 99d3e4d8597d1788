"""Exceptions of our own, each saying where (file, line, position) and what was expected.

The CLI turns these into one-line messages and meaningful exit codes; nothing here
prints or exits.
"""

from __future__ import annotations

from dataclasses import dataclass


class AllianceGraphError(Exception):
    """Base class: an error a user can act on, with a message that says how."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as ``file:line`` where known."""

    location: str
    message: str
    subject: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        who = f"[{self.subject}] " if self.subject else ""
        return f"{where}{who}{self.message}"


class DataError(AllianceGraphError):
    """The curated data, ontology or shapes are invalid; lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        count = len(problems)
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the input:\n{lines}")


class QuerySyntaxError(AllianceGraphError):
    """A SPARQL query that does not parse; ``line`` and ``column`` (1-based, characters)
    are in the user's text. ``message`` says what was found there, ``token`` is the text
    found, ``suggestion`` what to do, and ``context`` the line with a caret under the token
    (see :mod:`alliancegraph.sparqlcheck`). ``str()`` is the headline, then the context.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        line: int | None = None,
        column: int | None = None,
        *,
        token: str | None = None,
        suggestion: str | None = None,
        context: str | None = None,
    ):
        self.message, self.line, self.column = message, line, column
        self.token, self.suggestion, self.context = token, suggestion, context
        where = f" at line {line}, column {column}" if line is not None else ""
        advice = f"; {suggestion}" if suggestion else ""
        shown = "".join(f"\n  {x}" for x in context.split("\n")) if context else ""
        super().__init__(f"SPARQL syntax error{where}: {message}{advice}{shown}")

    @property
    def headline(self) -> str:
        """The message without the caret lines: where, what, and what to do."""
        return str(self).split("\n", 1)[0]


class QueryTimeout(AllianceGraphError):
    """A query ran past its deadline and was stopped."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(
            f"query stopped after its {seconds:g} s deadline; "
            "narrow it (LIMIT, more specific patterns) or raise --timeout"
        )


class EndpointError(AllianceGraphError):
    """A remote SPARQL endpoint could not be reached or answered with an error."""


class AnswerCut(EndpointError):
    """A remote endpoint sent part of the answer and said it stopped at its cap (rows or
    bytes): read as the whole answer, it would make every count and network wrong."""


class QueryOutOfMemory(AllianceGraphError):
    """A query needed more memory than its process may use (``megabytes``) and was
    stopped; the process that ran it is replaced."""

    def __init__(self, megabytes: int):
        self.megabytes = megabytes
        super().__init__(
            f"the query needed more than {megabytes:,} MB of memory, the most a query may "
            "use here, and was stopped; narrow it (LIMIT, fewer or shorter values)"
        )


class UsageError(AllianceGraphError):
    """The request itself is wrong (unknown name, missing parameter)."""

    exit_code = 2


class UnknownEntity(UsageError):
    """No entity has this IRI, slug, label or alias."""

    def __init__(self, text: str, suggestions: list[tuple[str, str]] | None = None):
        self.text = text
        #: the nearest names (IRI, label), best first: spelling, pinyin or a shared part
        self.suggestions = list(suggestions or ())
        near = "; ".join(f"{label} <{iri}>" for iri, label in self.suggestions)
        hint = f". Nearest names: {near}" if near else ""
        super().__init__(
            f"no entity matches {text!r}; search with part of a name, an alias or its pinyin"
            + hint
        )


class AmbiguousEntity(UsageError):
    """Several entities match; ``candidates`` lists them (IRI, label), best first."""

    def __init__(self, text: str, candidates: list[tuple[str, str]]):
        self.text = text
        self.candidates = candidates
        shown = "; ".join(f"{label} <{iri}>" for iri, label in candidates[:8])
        more = f" (and {len(candidates) - 8} more)" if len(candidates) > 8 else ""
        super().__init__(
            f"{text!r} matches {len(candidates)} entities: {shown}{more}; "
            "give an IRI, a slug or a longer name"
        )
