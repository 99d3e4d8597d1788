"""The query files: the public library (``queries/*.rq``) read with its headers, and the
library published as SHACL-SPARQL executables for the examples graph.

Each file starts with grlc-style ``#+`` header lines (a small YAML subset)::

    #+ summary: Leads and members of each alliance
    #+ summary_zh: 各联盟的牵头单位与成员单位
    #+ description: One row per alliance and member; role says lead or member.
    #+ tags:
    #+   - alliances
    #+ params:
    #+   - name: alliance
    #+     type: entity
    #+     required: false
    #+     description: the alliance (IRI, slug or name)
    #+     class: ag:Alliance
    #+ view: graph

(``class``, for an ``entity`` parameter: a name is resolved among that class's entities.)

This module only reads files and makes RDF terms: it runs no query, so the build (which
publishes the library into the graph) can use it. Binding and running live in
:mod:`alliancegraph.library`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import UsageError
from .namespaces import DCTERMS, PREFIXES, RDF, RDFS, SCHEMA, SH, XSD

__all__ = [
    "LIBRARY_DIR",
    "PARAM_TYPES",
    "NamedQuery",
    "Param",
    "example_quads",
    "get",
    "load_library",
    "query_files",
    "read_query_file",
    "standalone_text",
]

LIBRARY_DIR = Path(__file__).resolve().parent / "queries"
#: The examples are documents about the graph, not entities in it: their own namespace.
EXAMPLE_NS = "https://w3id.org/alliancegraph/query/"

#: Parameter types and what a value of each looks like.
PARAM_TYPES: dict[str, str] = {
    "entity": "an IRI, prefixed name, slug or a name that resolves to one entity",
    "iri": "an IRI, a prefixed name (ag:University) or a slug (cqupt)",
    "class": "a class of the ontology: ag:University, University or a label such as 高等院校",
    "string": "any text (matched as a value, never as SPARQL)",
    "integer": "a whole number",
    "decimal": "a decimal number",
    "boolean": "true or false",
    "date": "a date YYYY-MM-DD",
    "gYear": "a year YYYY",
}
VIEWS = ("table", "graph", "timeline", "bar")

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_HEADER = re.compile(r"^#\+ ?(.*)$")


@dataclass(frozen=True)
class Param:
    """One parameter: binds the query variable of the same name."""

    name: str
    type: str
    required: bool = True
    description: str = ""
    example: str | None = None
    #: for an ``entity`` parameter: the class a name is resolved among (``ag:Alliance``)
    cls: str | None = None

    def describe(self) -> str:
        opt = "" if self.required else "?"
        return f"{self.name}{opt}:{self.type}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "description": self.description,
            "example": self.example,
            "class": self.cls,
        }


@dataclass(frozen=True)
class NamedQuery:
    """One question of the library."""

    name: str
    path: Path
    text: str
    summary: str
    summary_zh: str
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    view: str
    form: str = "SELECT"
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """The query's description as JSON-ready fields (CLI ``queries --format json``, web)."""
        return {
            "name": self.name,
            "summary": self.summary,
            "summary_zh": self.summary_zh,
            "description": self.description,
            "tags": list(self.tags),
            "params": [p.to_dict() for p in self.params],
            "view": self.view,
            "form": self.form,
        }


# -- header parsing --------------------------------------------------------------------------


def _scalar(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    return text


def parse_header(lines: list[str], where: str) -> dict:
    """Parse the ``#+`` lines: ``key: value``, ``key:`` + ``- item`` lists, and lists of
    ``- key: value`` mappings (for params). Enough YAML for grlc-style headers."""
    meta: dict[str, Any] = {}
    key: str | None = None
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        if indent == 0:
            k, sep, v = line.partition(":")
            if not sep:
                raise UsageError(f"{where}: header line {n}: expected 'key: value', got {raw!r}")
            key = k.strip()
            meta[key] = _scalar(v) if v.strip() else []
            continue
        if key is None or not isinstance(meta.get(key), list):
            raise UsageError(f"{where}: header line {n}: indented line outside a list")
        items = meta[key]
        if line.startswith("- "):
            body = line[2:].strip()
            k, sep, v = body.partition(":")
            if sep and re.match(r"^[A-Za-z_]\w*$", k.strip()) and (v == "" or v.startswith(" ")):
                items.append({k.strip(): _scalar(v)})
            else:
                items.append(_scalar(body))
        else:
            k, sep, v = line.partition(":")
            if not sep or not items or not isinstance(items[-1], dict):
                raise UsageError(f"{where}: header line {n}: expected '- item' or 'key: value'")
            items[-1][k.strip()] = _scalar(v)
    return meta


def _form(text: str) -> str:
    body = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    m = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body, re.I)
    return m.group(1).upper() if m else "SELECT"


def read_query_file(path: Path) -> NamedQuery:
    """Read one ``.rq`` file; raise UsageError naming the file if its header is wrong."""
    text = path.read_text(encoding="utf-8")
    header = []
    for line in text.splitlines():
        m = _HEADER.match(line)
        if not m:
            break
        header.append(m.group(1))
    where = path.name
    meta = parse_header(header, where)
    for required in ("summary", "summary_zh", "description", "tags", "view"):
        if required not in meta:
            raise UsageError(f"{where}: header has no {required!r}")
    params = []
    for p in meta.get("params") or []:
        if not isinstance(p, dict) or "name" not in p or "type" not in p:
            raise UsageError(f"{where}: each param needs a name and a type")
        if p["type"] not in PARAM_TYPES:
            raise UsageError(
                f"{where}: param {p['name']!r} has unknown type {p['type']!r}; "
                f"expected one of {', '.join(PARAM_TYPES)}"
            )
        params.append(
            Param(
                name=str(p["name"]),
                type=str(p["type"]),
                required=bool(p.get("required", True)),
                description=str(p.get("description", "")),
                example=None if p.get("example") is None else str(p.get("example")),
                cls=None if p.get("class") is None else str(p.get("class")),
            )
        )
    if meta["view"] not in VIEWS:
        raise UsageError(f"{where}: view {meta['view']!r} is not one of {', '.join(VIEWS)}")
    return NamedQuery(
        name=path.stem,
        path=path,
        text=text,
        summary=str(meta["summary"]),
        summary_zh=str(meta["summary_zh"]),
        description=str(meta["description"]),
        tags=tuple(str(t) for t in meta["tags"]),
        params=tuple(params),
        view=str(meta["view"]),
        form=_form(text),
        meta=meta,
    )


@lru_cache(maxsize=8)
def _load(directory: str, stamp: tuple) -> dict[str, NamedQuery]:
    return {p.stem: read_query_file(p) for p in sorted(Path(directory).glob("*.rq"))}


def load_library(directory: Path | None = None) -> dict[str, NamedQuery]:
    """Every named query of ``directory`` (default: the bundled library), by name."""
    d = Path(directory or LIBRARY_DIR)
    files = sorted(d.glob("*.rq"))
    stamp = tuple((f.name, f.stat().st_mtime_ns) for f in files)
    return _load(str(d), stamp)


def query_files(directory: Path | None = None) -> list[Path]:
    """The library's files (the build hashes them: an edited query rebuilds the examples)."""
    return sorted(Path(directory or LIBRARY_DIR).glob("*.rq"))


def get(name: str, directory: Path | None = None) -> NamedQuery:
    """The named query ``name``; a UsageError suggests close names if there is none."""
    library = load_library(directory)
    if name in library:
        return library[name]
    close = difflib.get_close_matches(name, list(library), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UsageError(f"no named query {name!r}{hint} (the library has {len(library)})")


# -- publishing as SHACL-SPARQL executables ---------------------------------------------------


def used_prefixes(text: str) -> dict[str, str]:
    """The predeclared prefixes a query uses, so its published text runs anywhere."""
    body = re.sub(r"#[^\n]*", "", text)
    return {p: iri for p, iri in PREFIXES.items() if re.search(rf"(?<![\w?$]){p}:", body)}


def standalone_text(nq: NamedQuery) -> str:
    """The query with its PREFIX lines, as a SPARQL client outside this package needs it."""
    prefixes = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in used_prefixes(nq.text).items())
    return prefixes + nq.text


def example_quads(graph: str, directory: Path | None = None) -> list[ox.Quad]:
    """The library as ``sh:SPARQLExecutable`` resources in ``graph`` (SIB sparql-examples
    style: rdfs:comment, schema:keywords, sh:select/sh:ask/sh:construct, sh:prefixes)."""
    g = ox.NamedNode(graph)
    quads: list[ox.Quad] = []

    def add(s, p: str, o) -> None:
        quads.append(ox.Quad(s, ox.NamedNode(p), o, g))

    decl_node = ox.NamedNode(EXAMPLE_NS + "prefixes")
    add(decl_node, RDF + "type", ox.NamedNode("http://www.w3.org/2002/07/owl#Ontology"))
    for p, iri in PREFIXES.items():
        d = ox.NamedNode(f"{EXAMPLE_NS}prefixes/{p}")
        add(decl_node, SH + "declare", d)
        add(d, SH + "prefix", ox.Literal(p))
        add(d, SH + "namespace", ox.Literal(iri, datatype=ox.NamedNode(XSD + "anyURI")))
    forms = {
        "SELECT": (SH + "SPARQLSelectExecutable", SH + "select"),
        "ASK": (SH + "SPARQLAskExecutable", SH + "ask"),
        "CONSTRUCT": (SH + "SPARQLConstructExecutable", SH + "construct"),
        "DESCRIBE": (SH + "SPARQLExecutable", SH + "describe"),
    }
    for nq in load_library(directory).values():
        s = ox.NamedNode(EXAMPLE_NS + nq.name)
        cls, prop = forms[nq.form]
        add(s, RDF + "type", ox.NamedNode(SH + "SPARQLExecutable"))
        add(s, RDF + "type", ox.NamedNode(cls))
        add(s, RDFS + "comment", ox.Literal(nq.summary, language="en"))
        add(s, RDFS + "comment", ox.Literal(nq.summary_zh, language="zh"))
        add(s, SCHEMA + "description", ox.Literal(nq.description, language="en"))
        add(s, DCTERMS + "identifier", ox.Literal(nq.name))
        for tag in nq.tags:
            add(s, SCHEMA + "keywords", ox.Literal(tag))
        add(s, SCHEMA + "encodingFormat", ox.Literal(f"view:{nq.view}"))
        add(s, SH + "prefixes", decl_node)
        add(s, ox.NamedNode(prop).value, ox.Literal(standalone_text(nq)))
        for param in nq.params:
            pn = ox.NamedNode(f"{EXAMPLE_NS}{nq.name}/param/{param.name}")
            add(s, SH + "parameter", pn)
            add(pn, SH + "path", ox.NamedNode(f"{EXAMPLE_NS}param/{param.name}"))
            add(pn, SH + "name", ox.Literal(param.name))
            add(
                pn,
                SH + "optional",
                ox.Literal(
                    "false" if param.required else "true", datatype=ox.NamedNode(XSD + "boolean")
                ),
            )
            add(pn, SH + "description", ox.Literal(f"{param.type}: {param.description}"))
    return quads
