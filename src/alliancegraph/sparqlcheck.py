"""What is wrong with a query, said as a person would: our message layer over the parser's.

Oxigraph's parser reports the furthest point it reached and every token it could have
accepted there (``error at 1:10: expected CONSTRUCT`` for a misspelt ``SELEC``). This
module reads the user's own text with a small SPARQL tokenizer and says instead what was
found, where (line, column, the line with a caret under it) and what to do: the nearest
keyword for an unknown word, the declared prefixes for an unknown one, a missing ``.``
between two triple patterns, a string or a ``{`` never closed. Where none of these
applies, the parser's own position and its readable alternatives are kept.

It also lints the ``ag:`` terms a query uses against the terms the ontology defines
(:func:`lint`): a misspelt class or property makes an empty answer, so each unknown term
gets a warning naming the nearest defined one.

Pure text in, text out: every store (embedded and remote) and the API use it; it runs no
query and knows no store.

>>> e = explain("error at 1:10: expected CONSTRUCT", "SELEC ?x WHERE { ?x ?p ?o }")
>>> (e.line, e.column, e.token, e.suggestion)
(1, 1, 'SELEC', 'did you mean SELECT?')
>>> print(e.context)
SELEC ?x WHERE { ?x ?p ?o }
^^^^^
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache

from .errors import QuerySyntaxError
from .namespaces import AG, PREFIXES

__all__ = [
    "KEYWORDS",
    "Token",
    "ag_terms",
    "caret",
    "explain",
    "first_keyword",
    "iter_tokens",
    "lint",
    "mentions",
    "nearest",
    "service_keyword",
    "tokens",
]

#: SPARQL 1.1 query and update keywords, built-in functions and aggregates, and the
#: SPARQL 1.2 / Oxigraph additions, upper-cased (the language is case-insensitive here).
KEYWORDS = frozenset(
    """
    BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK FROM NAMED WHERE GROUP BY HAVING ORDER ASC
    DESC LIMIT OFFSET DISTINCT REDUCED AS VALUES UNDEF OPTIONAL GRAPH SERVICE SILENT BIND
    MINUS UNION FILTER NOT IN EXISTS A TRUE FALSE SEPARATOR
    STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT
    STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR
    MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384
    SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX
    SUBSTR REPLACE COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT
    INSERT DELETE DATA LOAD CLEAR DROP CREATE ADD MOVE COPY TO INTO WITH USING DEFAULT ALL
    LATERAL ADJUST LANGDIR STRLANGDIR HASLANG HASLANGDIR ISTRIPLE TRIPLE SUBJECT PREDICATE
    OBJECT VERSION
    """.split()  # noqa: SIM905
)

#: Keywords shown as suggestions (functions are suggested too, in their usual spelling).
_SPELLING = {k: k for k in KEYWORDS} | {
    "A": "a",
    "TRUE": "true",
    "FALSE": "false",
    "SAMETERM": "sameTerm",
    "ISIRI": "isIRI",
    "ISURI": "isURI",
    "ISBLANK": "isBLANK",
    "ISLITERAL": "isLITERAL",
    "ISNUMERIC": "isNUMERIC",
    "HASLANG": "hasLANG",
    "HASLANGDIR": "hasLANGDIR",
    "ISTRIPLE": "isTRIPLE",
}

#: Words after which the next terms are not part of a triple pattern.
_CLAUSE = frozenset(
    """
    WHERE FROM NAMED GROUP ORDER BY HAVING LIMIT OFFSET SELECT CONSTRUCT DESCRIBE ASK
    DISTINCT REDUCED VALUES GRAPH SERVICE SILENT OPTIONAL MINUS UNION NOT EXISTS LATERAL
    PREFIX BASE
    """.split()  # noqa: SIM905
)
#: Words whose parenthesised expression ends, after which a triple pattern may start.
_EXPRESSION = frozenset({"FILTER", "BIND"})

_TOKEN_PATTERN = (
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    | (?P<open_string>\"\"\"|'''|["'])
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][^\W]\w*)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<bnode>_:[\w.-]*\w|_:\w?)
    | (?P<pname>(?:[^\W\d_][\w.-]*)?:(?:[\w:%-]|\\.|\.(?=[\w:%-]))*)
    | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
    | (?P<word>[^\W\d]\w*)
    | (?P<punct>\^\^|\|\||&&|!=|<=|>=|[{}()\[\].,;|/^*+?!=<>-])
    | (?P<other>\S)
    """
)

_POSITION = re.compile(r"error at (\d+):(\d+): ?(.*)", re.S)


@dataclass(frozen=True)
class Token:
    """One token of the user's text: its kind (``word``, ``pname``, ``var``, ``iri``,
    ``string``, ``punct`` …), its text and where it starts (0-based offset)."""

    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@cache
def _token_re() -> re.Pattern[str]:
    """The tokenizer, compiled on first use (it costs a CLI start ~6 ms otherwise)."""
    return re.compile(_TOKEN_PATTERN, re.X | re.S)


def tokens(text: str) -> list[Token]:
    """The tokens of ``text`` (spaces and comments left out)."""
    out = []
    for m in _token_re().finditer(text):
        kind = m.lastgroup or "other"
        if kind not in ("space", "comment"):
            out.append(Token(kind, m.group(), m.start()))
    return out


def iter_tokens(text: str) -> Iterator[Token]:
    """The tokens of ``text`` one at a time (spaces and comments left out), so a caller that
    needs the first few reads no further."""
    for m in _token_re().finditer(text):
        kind = m.lastgroup or "other"
        if kind not in ("space", "comment"):
            yield Token(kind, m.group(), m.start())


# -- positions and the caret -----------------------------------------------------------------


def _offset(text: str, line: int, column: int) -> int:
    """The 0-based offset of a 1-based (line, column in characters) position."""
    lines = text.split("\n")
    line = min(max(line, 1), len(lines))
    return sum(len(x) + 1 for x in lines[: line - 1]) + max(column - 1, 0)


def _position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of a 0-based offset."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def caret(text: str, line: int, column: int, length: int = 1, window: int = 60) -> str:
    """The line ``line`` of ``text`` with ``^`` under ``length`` characters from ``column``
    (both 1-based), lined up under wide (CJK) characters and tabs; a long line is cut to
    ``window`` characters either side, marked with ``…``.

    >>> print(caret("  ?x ag:p 重庆 ?y }", 1, 14, 2))
      ?x ag:p 重庆 ?y }
                   ^^
    """
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return ""
    source = lines[line - 1].rstrip("\r")
    start = min(max(column - 1, 0), len(source))
    length = max(1, min(length, max(len(source) - start, 1)))
    lo, hi = max(0, start - window), min(len(source), start + length + window)
    if len(source) <= 2 * window:
        lo, hi = 0, len(source)
    head = "…" if lo > 0 else ""
    shown = head + source[lo:hi] + ("…" if hi < len(source) else "")
    pad = "".join("\t" if c == "\t" else " " * _width(c) for c in head + source[lo:start])
    marks = sum(_width(c) for c in source[start : start + length]) or 1
    return f"{shown}\n{pad}{'^' * marks}"


# -- suggestions -------------------------------------------------------------------------------


def nearest(word: str, candidates: Iterable[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """The candidates closest in spelling to ``word`` (case-insensitive), best first.

    >>> nearest("Univercity", ["University", "Enterprise", "Alliance"])
    ['University']
    """
    by_folded: dict[str, str] = {}
    for c in candidates:
        by_folded.setdefault(c.casefold(), c)
    close = difflib.get_close_matches(word.casefold(), list(by_folded), n=n, cutoff=cutoff)
    return [by_folded[c] for c in close]


def _declared(toks: list[Token]) -> dict[str, str]:
    """The predeclared prefixes and those the query declares (``PREFIX ex: <…>``)."""
    out = dict(PREFIXES)
    for i, t in enumerate(toks[:-2]):
        if t.kind == "word" and t.text.upper() == "PREFIX" and toks[i + 1].kind == "pname":
            name = toks[i + 1].text
            if name.endswith(":") and toks[i + 2].kind == "iri":
                out[name[:-1]] = toks[i + 2].text[1:-1]
    return out


# -- the problems we can name ------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    """One problem: where (offset, length), what, and what to do."""

    start: int
    length: int
    token: str
    message: str
    suggestion: str | None = None
    certain: bool = True


def _unknown_prefixes(toks: list[Token], declared: Mapping[str, str]) -> list[_Found]:
    out = []
    for i, t in enumerate(toks):
        if t.kind != "pname":
            continue
        prefix = t.text.split(":", 1)[0]
        if prefix in declared:
            continue
        if i > 0 and toks[i - 1].kind == "word" and toks[i - 1].text.upper() == "PREFIX":
            continue
        if t.start > 0 and i > 0 and toks[i - 1].text == "<" and toks[i - 1].end == t.start:
            continue  # an IRI that did not tokenize (a space in it): the parser says so
        names = sorted(declared)
        close = nearest(prefix, names, cutoff=0.5)
        listed = ", ".join(f"{p}:" for p in names)
        hint = f"did you mean {close[0]}:? " if close else ""
        out.append(
            _Found(
                t.start, len(prefix) + 1, t.text,
                f"unknown prefix {prefix}: in {t.text}",
                f"{hint}the declared prefixes are {listed}; declare others with "
                f"PREFIX {prefix}: <…>",
            )
        )  # fmt: skip
    return out


def _unknown_words(toks: list[Token]) -> list[_Found]:
    out = []
    for i, t in enumerate(toks):
        if t.kind != "word" or t.text.upper() in KEYWORDS:
            continue
        if i > 0 and toks[i - 1].kind == "number" and t.text[:1] in "eE":
            continue
        close = nearest(t.text.upper(), [k for k in KEYWORDS if len(k) > 1], cutoff=0.7)
        if close:
            hint = f"did you mean {_SPELLING[close[0]]}?"
        elif t.text.isascii():
            hint = f"a name needs a prefix (ag:{t.text}), a variable a ? (?{t.text})"
        else:
            hint = f'a name needs a prefix, a text needs quotes ("{t.text}")'
        out.append(
            _Found(t.start, len(t.text), t.text, f"found {t.text}, which is not SPARQL", hint)
        )
    return out


def _incomplete_clauses(toks: list[Token]) -> list[_Found]:
    """ORDER and GROUP without their BY."""
    out = []
    for i, t in enumerate(toks):
        if t.kind == "word" and t.text.upper() in ("ORDER", "GROUP"):
            after = toks[i + 1] if i + 1 < len(toks) else None
            if after is None or after.text.upper() != "BY":
                found = after.text if after is not None else "the end of the query"
                out.append(
                    _Found(
                        t.start, len(t.text), t.text,
                        f"found {found} after {t.text}", f"write {t.text} BY",
                    )
                )  # fmt: skip
    return out


def _unclosed(toks: list[Token], text: str) -> list[_Found]:
    out = []
    stack: list[Token] = []
    pairs = {"}": "{", ")": "(", "]": "["}
    for t in toks:
        if t.kind == "open_string":
            out.append(
                _Found(
                    t.start, len(t.text), t.text, "this string is never closed",
                    f"end it with {t.text} on the same line (or use \"\"\" for several lines)",
                )
            )  # fmt: skip
            return out
        if t.kind != "punct":
            continue
        if t.text in "{([":
            stack.append(t)
        elif t.text in pairs:
            if stack and stack[-1].text == pairs[t.text]:
                stack.pop()
            else:
                opened = f"'{pairs[t.text]}'"
                what = f"nothing is open here to close with '{t.text}'"
                if stack:
                    line, col = _position(text, stack[-1].start)
                    what = (
                        f"found '{t.text}' where '{stack[-1].text}' (line {line}, column {col})"
                        " is still open"
                    )
                    opened = f"'{_CLOSING[stack[-1].text]}'"
                    out.append(_Found(t.start, 1, t.text, what, f"close it with {opened} first"))
                else:
                    out.append(_Found(t.start, 1, t.text, what, f"remove it, or add {opened}"))
                return out
    if stack:
        t = stack[-1]
        out.append(
            _Found(
                t.start, 1, t.text, f"the query ends with this '{t.text}' still open",
                f"close it with '{_CLOSING[t.text]}'",
            )
        )  # fmt: skip
    return out


_CLOSING = {"{": "}", "(": ")", "[": "]"}
_TERMS = ("var", "iri", "pname", "string", "number", "bnode")


def _is_term(t: Token) -> bool:
    return t.kind in _TERMS or (t.kind == "word" and t.text.upper() in ("A", "TRUE", "FALSE"))


@dataclass
class _Frame:
    """One open bracket while reading triple patterns: ``kind`` is group (``{``), data
    (the ``{`` of VALUES), expr (``(``) or bnode (``[``); ``n`` counts the terms of the
    pattern being read (None: not in a pattern, after a clause word)."""

    kind: str
    n: int | None = None
    terms: list[str] = field(default_factory=list)
    #: after FILTER or BIND: a pattern may start when their expression closes
    expression: bool = False
    #: an expression that opened right after a word (a function call, FILTER's own)
    called: bool = False

    def reset(self, n: int | None) -> None:
        self.n, self.terms, self.expression = n, [], False


def _triples(toks: list[Token]) -> list[_Found]:
    """Triple patterns that run into each other (a missing ``.``) or stop short (no
    object): counted per ``{ }`` group, leaving out expressions, VALUES and clauses."""
    out: list[_Found] = []
    frames = [_Frame("top")]
    join = False  # the next term continues a path or a literal (after | / ^^)
    values = False  # the next "{" opens a VALUES data block
    for i, t in enumerate(toks):
        frame = frames[-1]
        if t.kind == "punct" and t.text == "{":
            frames.append(_Frame("data" if values else "group", None if values else 0))
            values = join = False
            continue
        if t.kind == "punct" and t.text == "}":
            if frame.kind == "group" and _stops_short(frame, toks, i):
                out.append(_short_pattern(t, frame.terms))
            if len(frames) > 1:
                frames.pop()
            if frames[-1].kind == "group":
                frames[-1].reset(0)  # a pattern may follow a group without a "."
            continue
        if t.kind == "punct" and t.text in "([":
            called = t.text == "(" and i > 0 and toks[i - 1].kind == "word"
            frames.append(_Frame("expr" if t.text == "(" else "bnode", called=called))
            continue
        if t.kind == "punct" and t.text in ")]":
            closed = frames.pop() if len(frames) > 1 else frame
            frame = frames[-1]
            if frame.kind == "group":
                if closed.called and frame.expression:
                    frame.reset(0)
                elif frame.n is not None and not closed.called:
                    _count(frame, Token(t.kind, "(…)" if t.text == ")" else "[…]", t.start),
                           out, join)  # fmt: skip
            join = False
            continue
        if frame.kind != "group":
            continue
        word = t.text.upper() if t.kind == "word" else ""
        if word in _EXPRESSION:
            frame.reset(None)
            frame.expression = True
        elif word in _CLAUSE:
            frame.reset(None)
            values = word == "VALUES"
        elif t.kind == "punct":
            if t.text == ".":
                if _stops_short(frame, toks, i):
                    out.append(_short_pattern(t, frame.terms))
                frame.reset(0)
            elif t.text == ";" and frame.n is not None:
                frame.n, frame.terms = 1, frame.terms[:1]
            elif t.text == "," and frame.n is not None:
                frame.n, frame.terms = 2, frame.terms[:2]
            elif t.text in ("|", "/", "^^"):
                join = True
        elif _is_term(t) and frame.n is not None:
            _count(frame, t, out, join)
            join = False
    return out


def _stops_short(frame: _Frame, toks: list[Token], i: int) -> bool:
    """A pattern with a subject and a predicate but no object (or a subject alone, unless
    a trailing ``;`` ended it)."""
    return frame.n == 2 or (frame.n == 1 and not _after(toks, i, ";"))


def _after(toks: list[Token], i: int, punct: str) -> bool:
    return i > 0 and toks[i - 1].kind == "punct" and toks[i - 1].text == punct


def _count(frame: _Frame, t: Token, out: list[_Found], join: bool) -> None:
    assert frame.n is not None
    if join:
        if frame.terms:
            frame.terms[-1] = frame.terms[-1] + "/" + t.text
        return
    if frame.n == 3:
        pattern = " ".join(frame.terms)
        out.append(
            _Found(
                t.start, len(t.text), t.text,
                f"found {t.text} after the complete triple pattern {_clip(pattern)}",
                f"a '.' (or '}}') may be missing before {t.text}",
                certain=False,
            )
        )  # fmt: skip
        frame.n, frame.terms = 1, [t.text]
        return
    frame.n += 1
    frame.terms.append(t.text)


def _short_pattern(t: Token, terms: list[str]) -> _Found:
    pattern = _clip(" ".join(terms))
    missing = "an object" if len(terms) == 2 else "a predicate and an object"
    return _Found(
        t.start, len(t.text), t.text,
        f"found '{t.text}' where the triple pattern {pattern} still needs {missing}",
        "complete the pattern, or remove it",
        certain=False,
    )  # fmt: skip


def _clip(text: str, keep: int = 60) -> str:
    return text if len(text) <= keep else text[: keep - 1] + "…"


# -- the parser's own words, cleaned ----------------------------------------------------------


def _alternatives(message: str, keep: int = 10) -> tuple[list[str], list[str]]:
    """Oxigraph's ``expected …`` as (tokens it could accept, notes such as "The SELECT
    contains a variable that is unbound"); character classes and internal names dropped."""
    message = " ".join(message.split())
    _, sep, rest = message.partition("expected ")
    if not sep:
        return [], [message] if message else []
    rest = rest.removeprefix("one of ")
    items = re.split(r", (?=(?:[^\[\]]*\[[^\[\]]*\])*[^\[\]]*$)", rest)
    accepted, notes = [], []
    for item in items:
        item = item.strip()
        if not item or item.startswith("[") or item == "Prefix not found":
            continue
        if " " in item and not item.startswith('"'):
            notes.append(item)
        else:
            accepted.append(item.strip('"') if item.startswith('"') else item)
    more = ["…"] if len(accepted) > keep else []
    return accepted[:keep] + more, notes


def _at(toks: list[Token], offset: int) -> Token | None:
    """The token at ``offset``, else the last one that starts before it."""
    best = None
    for t in toks:
        if t.start <= offset:
            best = t
            if offset < t.end:
                return t
    return best if best is not None and offset <= best.end else None


def _fallback(toks: list[Token], text: str, offset: int, message: str) -> _Found:
    accepted, notes = _alternatives(message)
    token = _at(toks, offset)
    expected = f"; expected one of {', '.join(accepted)}" if len(accepted) > 1 else (
        f"; expected {accepted[0]}" if accepted else ""
    )  # fmt: skip
    if any("IRI" in n for n in notes):
        start = text.rfind("<", 0, offset + 1)
        if start >= 0:
            end = text.find(">", start)
            iri = text[start : end + 1 if end >= 0 else offset + 1]
            return _Found(start, len(iri), iri, f"{iri} is not a valid IRI",
                          "an IRI holds no spaces, quotes, braces or backslashes")  # fmt: skip
    if notes:
        what = notes[0][:1].lower() + notes[0][1:]
        where = f" at {token.text}" if token is not None else ""
        return _Found(offset, len(token.text) if token else 1, token.text if token else "",
                      f"{what}{where}", None)  # fmt: skip
    end = len(text.rstrip())
    if token is None or offset >= end:
        what = f"the query ends too early{expected}" if accepted else (
            "the query cannot be read to its end (the parser stopped here)"
        )  # fmt: skip
        return _Found(max(end - 1, 0), 1, "", what)
    # the parser's own column (it may point inside the token)
    return _Found(offset, token.end - offset, token.text, f"found {token.text}{expected}")


# -- the one entry point -----------------------------------------------------------------------


def explain(parser_message: str, text: str, line_offset: int = 0) -> QuerySyntaxError:
    """The :class:`QuerySyntaxError` for ``text`` (the user's query) that a parser refused
    with ``parser_message`` (Oxigraph's ``error at L:C: …``, lines counted after
    ``line_offset`` prepended lines): the token found, its line and column, the line with
    a caret under it and a suggestion."""
    m = _POSITION.search(parser_message)
    if m:
        line = max(int(m.group(1)) - line_offset, 1)
        offset = min(_offset(text, line, int(m.group(2))), len(text))
        rest = m.group(3)
    else:
        offset, rest = len(text), parser_message
    toks = tokens(text)
    found = (
        _unclosed_strings(toks, text)
        + _unknown_prefixes(toks, _declared(toks))
        + _unknown_words(toks)
        + _incomplete_clauses(toks)
    )
    if not found:
        structural = sorted(_triples(toks), key=lambda f: f.start)
        before = [f for f in structural if f.start <= offset]
        found = before[:1] or _unclosed(toks, text)
    if not found and not m:
        return QuerySyntaxError(" ".join(parser_message.split()) or "the query does not parse")
    problem = min(found, key=lambda f: f.start) if found else _fallback(toks, text, offset, rest)
    line, column = _position(text, problem.start)
    return QuerySyntaxError(
        problem.message, line, column,
        token=problem.token or None,
        suggestion=problem.suggestion,
        context=caret(text, line, column, problem.length),
    )  # fmt: skip


def _unclosed_strings(toks: list[Token], text: str) -> list[_Found]:
    """Only the unterminated-string part of :func:`_unclosed` (a certain error)."""
    return [f for f in _unclosed(toks, text) if f.message == "this string is never closed"]


# -- lint: the ontology's terms ----------------------------------------------------------------


def ag_terms(text: str, namespace: str = AG) -> list[tuple[Token, str]]:
    """Each use of a term of ``namespace`` in ``text`` (prefixed with any prefix bound to
    it, or a full ``<IRI>``), outside strings and comments: (token, full IRI)."""
    toks = tokens(text)
    declared = _declared(toks)
    out = []
    for i, t in enumerate(toks):
        if i > 0 and toks[i - 1].kind == "word" and toks[i - 1].text.upper() == "PREFIX":
            continue
        if t.kind == "pname":
            prefix, local = t.text.split(":", 1)
            if local and declared.get(prefix) == namespace:
                out.append((t, namespace + local.replace("\\", "")))
        elif (
            t.kind == "iri"
            and t.text[1:-1].startswith(namespace)
            and len(t.text) > len(namespace) + 2
        ):
            out.append((t, t.text[1:-1]))
    return out


def mentions(text: str, namespace: str = AG) -> bool:
    """Whether ``text`` may name a term of ``namespace`` (a quick test before :func:`lint`
    reads the ontology)."""
    prefixes = [p for p, ns in PREFIXES.items() if ns == namespace]
    return namespace in text or any(f"{p}:" in text for p in prefixes) or "PREFIX" in text.upper()


def lint(
    text: str,
    defined: Mapping[str, str],
    bound: Iterable[str] = (),
    namespace: str = AG,
) -> list[str]:
    """A warning for each distinct ``ag:`` term ``text`` uses (and each ``bound`` IRI of the
    namespace) that ``defined`` (IRI -> label to show, "" for none) lacks, naming the
    nearest defined term. Nothing when ``defined`` is empty (a graph without its ontology).

    >>> lint("ASK { ?x a ag:Univercity }", {AG + "University": "高等院校"})
    ['ag:Univercity (line 1, column 12) is not a term of the ontology; did you mean ag:University (高等院校)?']
    """  # noqa: E501
    if not defined:
        return []
    uses: list[tuple[str, str]] = []
    for t, iri in ag_terms(text, namespace):
        line, column = _position(text, t.start)
        uses.append((iri, f"line {line}, column {column}"))
    uses += [(iri, "a parameter value") for iri in bound if iri.startswith(namespace)]
    warnings: list[str] = []
    seen: set[str] = set()
    locals_ = {iri[len(namespace) :]: iri for iri in defined if iri.startswith(namespace)}
    for iri, where in uses:
        if iri in defined or iri in seen:
            continue
        seen.add(iri)
        local = iri[len(namespace) :]
        shown = f"ag:{local}" if namespace == AG else f"<{iri}>"
        hint = _did_you_mean(local, locals_, defined)
        warnings.append(f"{shown} ({where}) is not a term of the ontology{hint}")
    return warnings


def _did_you_mean(local: str, locals_: Mapping[str, str], defined: Mapping[str, str]) -> str:
    """``; did you mean ag:X (label)?``: the nearest defined term, preferring one of the
    same sort (a capital for classes, lower case for properties)."""
    same = [n for n in locals_ if n[:1].isupper() == local[:1].isupper()]
    close = nearest(local, same, cutoff=0.6) or nearest(local, locals_, cutoff=0.6)
    if not close:
        return ""
    label = defined.get(locals_[close[0]], "")
    return f"; did you mean ag:{close[0]}" + (f" ({label})" if label else "") + "?"


# -- what a query does: its first keyword, and whether it may call another endpoint ------------


def first_keyword(text: str) -> str | None:
    """The first keyword of ``text`` after its prologue (``PREFIX p: <…>``, ``BASE <…>``,
    ``VERSION "…"``) and comments, upper-cased; None when the query starts otherwise. Reads
    only as far as that keyword, so it costs nothing on a long query.

    >>> first_keyword("# DELETE me\\nPREFIX a: <http://a/> insert data { a:x a:y a:z }")
    'INSERT'
    >>> first_keyword("SELECT * { ?s ?p ?o }")
    'SELECT'
    """
    skip = 0
    for t in iter_tokens(text):
        if skip:
            skip -= 1
            continue
        word = t.text.upper() if t.kind == "word" else None
        if word == "PREFIX":
            skip = 2
        elif word in ("BASE", "VERSION"):
            skip = 1
        else:
            return word
    return None


_SERVICE_LETTERS = re.compile(r"[sS][eE][rR][vV][iI][cC][eE]")
#: Tokens after which ``<`` may be the less-than operator (an expression's operand ends).
_OPERAND = frozenset({"var", "number", "string", "iri", "pname", "bnode", "lang", "word"})
#: Open brackets a reading remembers; deeper ones are forgotten (an unknown bracket counts
#: as a parenthesis, where ``<`` may be the operator), so readings merge and stay few.
_DEPTH = 4
#: Past this many lexer states per character of the query after the first fork, give up
#: and assume the worst (a reading has at most one token per character, and readings that
#: fork merge again at the end of the IRI; only a query built so that its readings never
#: merge gets here).
_STATES_PER_CHAR = 1
#: An IRI whose text reads the same as code: nothing in it opens a string, a comment or a
#: bracket, or spells the keyword (then the operator reading need not be followed).
_INERT = re.compile(r"[^'#()\[\]]*")


def service_keyword(text: str) -> Token | None:
    """Where ``text`` may call another endpoint: a token that a SPARQL engine may
    read as the keyword ``SERVICE``; None if no reading of the query has one.

    Read with the tokenizer above, as the engine reads a query: strings (with their
    escapes), comments and IRIs hide what they hold, variables (``?service``) and the local
    part of prefixed names (``ag:service``) are names. Two things a lexer alone cannot
    settle are settled in favour of refusing:

    - ``<`` starts an IRI or is the less-than operator depending on where the parser is
      (``FILTER(?a<?b)SERVICE:x#>`` holds no IRI). Wherever it may be the operator (inside
      parentheses after an operand, or after another ``<``), both readings are followed, and
      a keyword in either counts.
    - Oxigraph matches keywords without a word boundary (``?s ?p trueSERVICE <…> {…}`` is
      ``true SERVICE``; ``24SERVICE`` is ``24 SERVICE``), so a bare word or the prefix of
      a prefixed name that contains the letters counts, wherever they stand in it.

    Linear in the length of the query (readings that meet again are merged; a query built
    to keep them apart is answered as if it called SERVICE, at its first character); a
    query without the letters ``service`` (in any case) costs one scan.

    >>> service_keyword("SELECT * { ?s ?p 24SERVICE <http://x/> { ?a ?b ?c } }").text
    'SERVICE'
    >>> service_keyword('SELECT ?service { ?service rdfs:label "SERVICE" } # SERVICE') is None
    True
    """
    if not _SERVICE_LETTERS.search(text):
        return None
    match, letters = _token_re().match, _SERVICE_LETTERS.search
    # a state: (position, the innermost open brackets, whether the last token ended an
    # operand); "*" first in the brackets: some were forgotten. Until a first fork there
    # is one reading, and nothing to merge.
    seen: set[tuple[int, str, bool]] = set()
    todo: list[tuple[int, str, bool]] = [(0, "", False)]
    forked = False
    budget = _STATES_PER_CHAR * len(text) + 4096
    while todo:
        state = todo.pop()
        if forked:
            if state in seen:
                continue
            seen.add(state)
            if len(seen) > budget:
                return Token("unsure", "", 0)
        pos, brackets, operand = state
        m = match(text, pos)
        while m is not None and (m.lastgroup == "space" or m.lastgroup == "comment"):
            m = match(text, m.end())
        if m is None:
            continue
        kind, end, found = m.lastgroup, m.end(), m.group()
        if kind == "word" or kind == "pname":
            if letters(found if kind == "word" else found.split(":", 1)[0]):
                return Token(kind, found, m.start())
            todo.append((end, brackets, True))
        elif kind == "iri":
            todo.append((end, brackets, True))
            start = m.start()
            maybe_operator = (operand and brackets[-1:] in ("(", "*")) or (
                start > 0 and text[start - 1] == "<"
            )  # after an operand in parentheses, or the second ``<`` of ``<<``
            if maybe_operator and not (_INERT.fullmatch(found, 1, len(found) - 1)
                                       and not letters(found)):  # fmt: skip
                todo.append((start + 1, brackets, False))  # the operator: read on after it
                forked = True
        elif kind == "punct" and found in ("(", "[", "{"):
            opened = brackets + found
            if len(opened) > _DEPTH:
                opened = "*" + opened[-_DEPTH:]
            todo.append((end, opened, False))
        elif kind == "punct" and found in (")", "]", "}"):
            todo.append((end, brackets[:-1] if brackets not in ("", "*") else brackets, True))
        else:
            todo.append((end, brackets, kind in _OPERAND))
    return None
