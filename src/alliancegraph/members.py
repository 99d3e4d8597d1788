"""Read alliance member lists (CSV or XLSX) and turn them into memberships with provenance.

A member list is what an alliance secretariat keeps: one row per member unit, with its
name, type, role, join date, place, field and credit code. This module reads such a file
(UTF-8, UTF-8 with BOM, GB18030, or XLSX; zh or en headers), checks every row, resolves
every name against the organisations the graph already knows, and compiles the rows into
quads:

- ``alliance org:hasMember org`` for every row, and an ``org:Membership`` (``org:member``,
  ``org:organization``, ``org:role``, ``org:memberDuring``) where the row gives a role or a
  join date: nothing the file does not say is invented;
- a provenance record (``rdf:Statement``) for each fact, ``prov:wasDerivedFrom`` the source
  document of the import, with the row as a short ``ag:evidenceText`` and its
  ``ag:sourceLocation`` (``members.csv:12``).

Entity resolution normalises names (full/half width, spaces, brackets such as （集团）,
suffixes 有限公司 / 有限责任公司 / 股份有限公司). A credit code is decisive; a name that
matches two organisations, or a code that names one organisation while the name names
another, is a conflict for the analyst and blocks the import: nothing is merged silently.
A new spelling of a known organisation is recorded as ``skos:altLabel``; a short name that
two organisations share is reported and recorded as an ``ag:UnresolvedName``.

Every problem in a file is collected (``file:row``, column, value, what was expected)
before anything is returned; this module never writes a file (see :mod:`.imports`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .errors import DataError, Problem
from .namespaces import AG, AGR, DCTERMS, ORG, PROV, RDF, RDFS, SCHEMA, SKOS, XSD

__all__ = [
    "ROLES",
    "TYPES",
    "CompiledImport",
    "Index",
    "MemberCompiler",
    "QuadBuffer",
    "Table",
    "credit_code_valid",
    "name_key",
    "parse_date",
    "read_table",
]

TIME = "http://www.w3.org/2006/time#"

Progress = Callable[[str, int, int], None]

# -- the import format ---------------------------------------------------------------------

#: canonical column -> accepted headers (compared after NFKC, casefold, spaces squeezed)
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": (
        "单位名称",
        "成员单位",
        "成员单位名称",
        "名称",
        "中文名称",
        "name",
        "name zh",
        "name (zh)",
    ),
    "name_en": ("英文名称", "英文名", "name en", "english name", "name (en)"),
    "alias": ("简称", "别名", "short name", "alias"),
    "type": ("单位类型", "类型", "单位性质", "type"),
    "role": ("角色", "联盟职务", "职务", "role"),
    "join_date": ("加入时间", "入盟时间", "加入日期", "入盟日期", "join date", "joined"),
    "location": ("所在地", "所在区县", "区县", "城市", "所在城市", "city", "district", "location"),
    "field": ("产业领域", "行业领域", "所属领域", "领域", "industry field", "industry", "field"),
    "segment": ("产业链环节", "环节", "chain segment", "segment"),
    "credit_code": ("统一社会信用代码", "信用代码", "社会信用代码", "credit code", "uscc"),
    "alliance": ("联盟", "所属联盟", "alliance"),
}
COLUMN_NAMES = {
    "name": "单位名称 (name)",
    "name_en": "英文名称 (English name)",
    "alias": "简称 (short name)",
    "type": "单位类型 (type)",
    "role": "角色 (role)",
    "join_date": "加入时间 (join date)",
    "location": "所在地 (city or district)",
    "field": "产业领域 (industry field)",
    "segment": "产业链环节 (chain segment)",
    "credit_code": "统一社会信用代码 (credit code)",
    "alliance": "联盟 (alliance)",
}

#: member type as written -> ontology class (local name)
TYPES: dict[str, str] = {
    "企业": "Enterprise",
    "高等院校": "University",
    "高校": "University",
    "科研机构": "ResearchInstitute",
    "科研院所": "ResearchInstitute",
    "政府部门": "GovernmentAgency",
    "其他": "OtherOrganization",
    "enterprise": "Enterprise",
    "university": "University",
    "research institute": "ResearchInstitute",
    "government agency": "GovernmentAgency",
    "other": "OtherOrganization",
}
TYPE_CHOICES = "企业, 高等院校, 科研机构, 政府部门, 其他 (or enterprise, university, …)"

#: role slug -> (zh label, en label, spellings accepted besides the zh label)
ROLES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "role-chair-unit": ("理事长单位", "chair unit", ("chair",)),
    "role-vice-chair-unit": ("副理事长单位", "vice-chair unit", ("vice chair", "vice-chair")),
    "role-secretary-general-unit": (
        "秘书长单位",
        "secretary-general unit",
        ("secretary general", "secretary-general", "秘书处单位"),
    ),
    "role-deputy-secretary-general-unit": (
        "副秘书长单位",
        "deputy secretary-general unit",
        ("deputy secretary-general", "deputy secretary general"),
    ),
    "role-executive-council-unit": (
        "常务理事单位",
        "executive council unit",
        ("executive council member",),
    ),
    "role-council-unit": ("理事单位", "council unit", ("council member",)),
    "role-supervisor-unit": ("监事单位", "supervisor unit", ("监事长单位", "supervisor")),
    "role-lead-unit": ("牵头单位", "lead unit", ("lead", "lead institution")),
    "role-member-unit": ("成员单位", "member unit", ("会员单位", "member")),
}
_ROLE_LOOKUP = {_k: slug for slug, (zh, en, more) in ROLES.items() for _k in (zh, en, *more)}
ROLE_CHOICES = "、".join(zh for zh, _, _ in ROLES.values())


def _header_key(text: str) -> str:
    t = unicodedata.normalize("NFKC", str(text)).casefold().strip()
    return re.sub(r"[\s_\-]+", " ", t)


_HEADERS = {_header_key(h): col for col, hs in COLUMNS.items() for h in hs}


# -- names ---------------------------------------------------------------------------------

_BRACKETS = re.compile(r"[()\[\]{}<>《》〈〉【】〔〕「」『』\"'“”‘’·・.,，、]")
_SPACE = re.compile(r"\s+")
_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司")
_EN_SUFFIXES = ("co", "ltd", "limited", "company", "inc", "corp", "corporation")


def name_key(text: str) -> str:
    """The form two spellings of one name share: width, case, spaces, brackets and company
    suffixes do not count.

    >>> name_key("重庆材料研究院（有限公司）") == name_key("重庆材料研究院有限公司")
    True
    >>> name_key("西南铝业（集团）有限责任公司")
    '西南铝业集团'
    """
    t = unicodedata.normalize("NFKC", text).casefold()
    t = _BRACKETS.sub(" ", t)
    if re.search(r"[\u3400-\u9fff]", t):
        t = _SPACE.sub("", t)
        changed = True
        while changed:
            changed = False
            for suffix in _SUFFIXES:
                if t.endswith(suffix) and len(t) > len(suffix):
                    t, changed = t[: -len(suffix)], True
        return t
    words = [w for w in re.split(r"[^0-9a-z\u00c0-\uffff]+", t) if w]
    while len(words) > 1 and words[-1] in _EN_SUFFIXES:
        words.pop()
    return " ".join(words)


def lang_of(text: str) -> str:
    return "zh" if re.search(r"[\u3400-\u9fff]", text) else "en"


# -- credit codes (GB 32100-2015) ----------------------------------------------------------

_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code, from the first 17 (GB 32100)."""
    total = sum(_CODE_CHARS.index(c) * w for c, w in zip(first17, _CODE_WEIGHTS, strict=True))
    return _CODE_CHARS[(31 - total % 31) % 31]


def credit_code_valid(code: str) -> bool:
    """True for 18 characters of the code alphabet whose check character is right.

    >>> credit_code_valid("91500000202805720T")
    True
    >>> credit_code_valid("91500000202805720X")
    False
    """
    if len(code) != 18 or any(c not in _CODE_CHARS for c in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


# -- dates -------------------------------------------------------------------------------------

_DATE_FORMS = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"), 3),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"), 3),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), 2),
    (re.compile(r"^(\d{4})年(\d{1,2})月$"), 2),
    (re.compile(r"^(\d{4})年?$"), 1),
)


def parse_date(text: str) -> tuple[str, str] | None:
    """``(lexical form, xsd datatype)`` as precise as written, or None if not a date.

    >>> parse_date("2019年5月")
    ('2019-05', 'http://www.w3.org/2001/XMLSchema#gYearMonth')
    """
    text = unicodedata.normalize("NFKC", text).strip()
    for pattern, parts in _DATE_FORMS:
        m = pattern.match(text)
        if not m:
            continue
        y = int(m.group(1))
        if not 1900 <= y <= 2100:
            return None
        if parts == 1:
            return f"{y:04d}", XSD + "gYear"
        mo = int(m.group(2))
        if not 1 <= mo <= 12:
            return None
        if parts == 2:
            return f"{y:04d}-{mo:02d}", XSD + "gYearMonth"
        try:
            d = dt.date(y, mo, int(m.group(3)))
        except ValueError:
            return None
        return d.isoformat(), XSD + "date"
    return None


# -- reading files -------------------------------------------------------------------------


@dataclass
class Table:
    """The cells of a member list: the header, and data rows with their row numbers."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(path: Path, sheet: str | None = None) -> Table:
    """Read a CSV (UTF-8, UTF-8 with BOM or GB18030) or an XLSX sheet into a Table."""
    path = Path(path)
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError([Problem(str(path), f"cannot read: {e.strerror}")]) from None
    if path.suffix.lower() in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, name, sheet)
    if data.startswith(b"\xef\xbb\xbf"):
        text, encoding = data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("gb18030"), "gb18030"
            except UnicodeDecodeError as e:
                raise DataError(
                    [Problem(name, f"not UTF-8 or GB18030 text (byte {e.start}); save as CSV")]
                ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    line = 1
    for cells in reader:
        if header is None:
            if any(c.strip() for c in cells):
                header = [c.strip() for c in cells]
        elif any(c.strip() for c in cells):
            rows.append((line, [c.strip() for c in cells]))
        line = reader.line_num + 1
    return Table(name, header or [], rows, encoding)


def _read_xlsx(data: bytes, name: str, sheet: str | None) -> Table:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise DataError([Problem(name, f"not a readable XLSX workbook: {e}")]) from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise DataError(
                [Problem(name, f"no sheet {sheet!r}; the sheets are {', '.join(wb.sheetnames)}")]
            )
        ws = wb[sheet] if sheet else wb.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if not any(cells):
                continue
            if header is None:
                header = cells
            else:
                rows.append((number, cells))
    finally:
        wb.close()
    return Table(f"{name}" if not sheet else f"{name}[{sheet}]", header or [], rows, "xlsx")


def map_header(table: Table) -> dict[str, int]:
    """canonical column -> position; raises DataError if the name column is missing."""
    where = f"{table.name}:1"
    mapping: dict[str, int] = {}
    problems = []
    for i, h in enumerate(table.header):
        col = _HEADERS.get(_header_key(h))
        if col is None:
            continue
        if col in mapping:
            problems.append(
                Problem(where, f"columns {table.header[mapping[col]]!r} and {h!r} both mean {col}")
            )
        mapping[col] = i
    if "name" not in mapping:
        problems.append(
            Problem(
                where,
                f"no name column; expected one of {', '.join(COLUMNS['name'][:4])} or 'name' "
                f"(header read: {', '.join(table.header) or 'empty'})",
            )
        )
    if problems:
        raise DataError(problems)
    return mapping


def unknown_headers(table: Table) -> list[str]:
    return [h for h in table.header if h and _header_key(h) not in _HEADERS]


# -- what the graph already knows ----------------------------------------------------------

INDEX_QUERY = """
SELECT ?s ?kind ?name ?syn ?main WHERE {
  VALUES (?cls ?kind) { (org:Organization "org") (ag:Place "place")
                        (ag:IndustryField "field") (ag:ChainSegment "segment")
                        (ag:Alliance "alliance") (ag:UnresolvedName "name") }
  ?s a ?cls .
  { ?s rdfs:label ?name BIND(true AS ?main) } UNION { ?s skos:altLabel ?name }
  OPTIONAL { ?s ag:synthetic ?syn }
}"""
CODES_QUERY = "SELECT ?s ?code WHERE { ?s schema:taxID ?code }"
IRIS_QUERY = f"""
SELECT DISTINCT ?s WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), "{AGR}")) }}"""


@dataclass
class Index:
    """Names, codes and IRIs the graph already holds, for one side: curated and imported
    (``synthetic=False``) or synthetic (``True``); the two never resolve to each other."""

    synthetic: bool = False
    #: kind ("org", "place", "field", "segment") -> name key -> IRIs
    keys: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    #: IRI -> every label and alias, as written
    names: dict[str, set[str]] = field(default_factory=dict)
    #: IRI -> its Chinese label (for messages)
    label: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    code_of: dict[str, str] = field(default_factory=dict)
    iris: set[str] = field(default_factory=set)
    alliances: set[str] = field(default_factory=set)
    synthetic_iris: set[str] = field(default_factory=set)

    @classmethod
    def from_store(cls, store, synthetic: bool = False) -> Index:
        """Read the index from an Oxigraph store (or anything with ``query``) with the
        union of its graphs as the default graph."""
        index = cls(synthetic=synthetic)
        rows = _select(store, INDEX_QUERY)
        syn = {r[0].value for r in rows if r[3] is not None and r[3].value in ("true", "1")}
        index.synthetic_iris = syn
        for s, kind, name, _, main in rows:
            iri = s.value
            if (iri in syn) != synthetic:
                continue
            if kind.value == "alliance":
                index.alliances.add(iri)
                continue
            index.add(kind.value, iri, name.value)
            if main is not None and getattr(name, "language", None) == "zh":
                index.label.setdefault(iri, name.value)
        for k in ("org", "place", "field", "segment"):
            for _key, iris in index.keys.get(k, {}).items():
                iris.difference_update(index.alliances)
        for s, code in _select(store, CODES_QUERY):
            if (s.value in syn) == synthetic:
                index.codes[code.value] = s.value
                index.code_of[s.value] = code.value
        index.iris = {r[0].value for r in _select(store, IRIS_QUERY)}
        return index

    def add(self, kind: str, iri: str, name: str) -> None:
        self.keys.setdefault(kind, {}).setdefault(name_key(name), set()).add(iri)
        self.names.setdefault(iri, set()).add(name)

    def find(self, kind: str, name: str) -> set[str]:
        return set(self.keys.get(kind, {}).get(name_key(name), ()))

    def show(self, iri: str) -> str:
        from .namespaces import shorten

        return f"{self.label.get(iri, '?')} <{shorten(iri)}>"


def _select(store, sparql: str) -> list[tuple]:
    """Rows of a SELECT on an Oxigraph store (union default graph) or a project Store."""
    from .namespaces import prefix_block

    if isinstance(store, ox.Store):
        result = store.query(prefix_block() + sparql, use_default_graph_as_union=True)
        return [tuple(sol) for sol in result]
    raw = getattr(store, "store", None)
    if isinstance(raw, ox.Store):
        return _select(raw, sparql)
    return list(store.query(sparql).rows)


# -- compiling rows ------------------------------------------------------------------------


class QuadBuffer:
    """The quads of one import, held as N-Quads text rather than as ``Quad`` objects.

    A 10× synthetic list compiles to 1.45M quads: as Python ``Quad`` objects they took
    about 1 GB, as text a quarter of that. Quads are written as N-Quads lines (by
    Oxigraph's serialiser, or from terms already in N-Triples form) and kept in chunks;
    :meth:`nquads` sorts and deduplicates once (the layer file's bytes, which are also
    what validation and the build load); iterating parses them back. ``len`` counts
    appends, as a list would.

    >>> b = QuadBuffer()
    >>> n = ox.NamedNode("http://example.org/n")
    >>> b.append(ox.Quad(n, n, ox.Literal("x"), n)); b.append(ox.Quad(n, n, ox.Literal("x"), n))
    >>> len(b), b.nquads()
    (2, b'<http://example.org/n> <http://example.org/n> "x" <http://example.org/n> .\\n')
    """

    CHUNK = 50_000

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._chunks: list[bytes] = []
        self._count = 0
        self._sorted = True  # _chunks is one sorted, deduplicated chunk (or none)

    def append(self, quad: ox.Quad) -> None:
        self.add_terms(str(quad.subject), str(quad.predicate), str(quad.object),
                       str(quad.graph_name))  # fmt: skip

    def add_terms(self, s: str, p: str, o: str, g: str) -> None:
        """Add a quad given as its four terms in N-Triples form (``str`` of an Oxigraph term,
        which has checked it): the line Oxigraph's N-Quads serialiser writes for it."""
        self._lines.append(f"{s} {p} {o} {g} .\n")
        self._count += 1
        if len(self._lines) >= self.CHUNK:
            self._flush()

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        for q in quads:
            self.append(q)

    def _flush(self) -> None:
        if self._lines:
            self._chunks.append("".join(self._lines).encode("utf-8"))
            self._lines = []
            self._sorted = False

    def __len__(self) -> int:
        return self._count

    def nquads(self) -> bytes:
        """Sorted, deduplicated N-Quads: the same quads give the same bytes (UTF-8 byte
        order is code point order, so this is the order of sorted text)."""
        self._flush()
        if not self._sorted:
            lines: list[bytes] = []
            while self._chunks:  # drop each chunk once split: text is held about twice
                lines += self._chunks.pop().splitlines(keepends=True)
            lines.sort()
            unique = [line for i, line in enumerate(lines) if not i or line != lines[i - 1]]
            del lines
            self._chunks = [b"".join(unique)]
            self._sorted = True
        return self._chunks[0] if self._chunks else b""

    def __iter__(self):
        return iter(ox.parse(self.nquads(), format=ox.RdfFormat.N_QUADS))


@dataclass
class CompiledImport:
    """The quads of one import and what the analyst should hear about it."""

    quads: QuadBuffer = field(default_factory=QuadBuffer)
    origins: dict[str, str] = field(default_factory=dict)
    fact_origins: dict[tuple[str, str, str], str] = field(default_factory=dict)
    minted: set[str] = field(default_factory=set)
    rows: int = 0
    new: dict[str, int] = field(default_factory=dict)
    linked: int = 0
    aliases: int = 0
    warnings: list[str] = field(default_factory=list)


def _slug_text(text: str) -> str:
    from pypinyin import lazy_pinyin

    t = unicodedata.normalize("NFKC", text)
    parts = lazy_pinyin(t)
    s = re.sub(r"[^a-z0-9]+", "-", "".join(parts).casefold()).strip("-")
    return s[:48].strip("-") or "x"


def _digest(*parts: str, n: int = 10) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:n]


def evidence_of(cells: Iterable[str], limit: int = 60) -> str:
    """The row as a short text: its non-empty cells joined, cut at ``limit`` characters."""
    text = "，".join(c for c in cells if c)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class MemberCompiler:
    """Checks, resolves and compiles member rows into quads of one named graph.

    ``alliance`` is the IRI rows belong to unless a row names its own (an ``alliance``
    column, resolved against ``alliances``: label -> IRI). In synthetic mode every node
    minted gets ``ag:synthetic true``.
    """

    def __init__(
        self,
        index: Index,
        import_id: str,
        graph: str,
        source: str,
        alliance: str | None = None,
        alliances: dict[str, str] | None = None,
        synthetic: bool = False,
        progress: Progress | None = None,
    ):
        self.index = index
        self.import_id = import_id
        self.graph = ox.NamedNode(graph)
        self.source = ox.NamedNode(source)
        self.alliance = alliance
        self.alliances = {name_key(k): v for k, v in (alliances or {}).items()}
        self.synthetic = synthetic
        self.progress = progress
        self.problems: list[Problem] = []
        self.out = CompiledImport()
        self._emitted_roles: set[str] = set()
        #: short name -> (organisations sharing it, first row that shared it)
        self._shared: dict[str, tuple[set[str], str]] = {}
        self._done: set[tuple[str, str, str]] = set()
        self._aliased: dict[str, set[str]] = {}
        # what the graph knew before this import (the index grows as rows resolve)
        self._graph_names = {iri: frozenset(names) for iri, names in index.names.items()}
        self._graph_codes = set(index.code_of)
        self._iris: dict[str, str] = {}
        self._graph = str(self.graph)

    # -- output helpers ------------------------------------------------------------------

    def add(self, s: str, p: str, o: ox.NamedNode | ox.Literal) -> None:
        self.out.quads.add_terms(self._iri(s), self._iri(p), str(o), self._graph)

    def _iri(self, iri: str) -> str:
        """``<iri>`` once ``NamedNode`` has checked it (a subject recurs in many quads)."""
        text = self._iris.get(iri)
        if text is None:
            if len(self._iris) > 100_000:
                self._iris.clear()
            text = self._iris[iri] = str(ox.NamedNode(iri))
        return text

    def fact(self, where: str, s: str, p: str, o: ox.NamedNode | ox.Literal, ev: str) -> None:
        """Assert ``s p o`` and its provenance record."""
        self.add(s, p, o)
        digest = _digest(s, p, str(o), self.source.value, ev, where, n=16)
        rec = f"{AGR}statement/{digest}"
        self.add(rec, RDF + "type", ox.NamedNode(RDF + "Statement"))
        self.add(rec, RDF + "subject", ox.NamedNode(s))
        self.add(rec, RDF + "predicate", ox.NamedNode(p))
        self.add(rec, RDF + "object", o)
        self.add(rec, PROV + "wasDerivedFrom", self.source)
        self.add(rec, AG + "evidenceText", ox.Literal(ev, language=lang_of(ev)))
        self.add(rec, AG + "sourceLocation", ox.Literal(where))
        self.out.origins[rec] = where
        self.out.fact_origins.setdefault((f"<{s}>", f"<{p}>", str(o)), where)

    def flag(self, iri: str) -> None:
        self.add(iri, AG + "synthetic", ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")))

    def mint(self, kind: str, name: str, where: str) -> str:
        """A new, stable IRI for a node this import creates."""
        if self.synthetic:
            slug = f"syn-{kind}-{_digest(name_key(name))}"
        else:
            prefix = "" if kind == "org" else f"{kind}-"
            slug = prefix + _slug_text(name_key(name) or name)
            if AGR + slug in self.index.iris or AGR + slug in self.out.minted:
                slug = f"{slug}-{_digest(name_key(name), n=6)}"
        iri = AGR + slug
        self.out.minted.add(iri)
        self.index.iris.add(iri)
        self.out.origins.setdefault(iri, where)
        if self.synthetic:
            self.flag(iri)
        return iri

    def problem(self, where: str, column: str, value: str, expected: str) -> None:
        name = COLUMN_NAMES.get(column, column)
        self.problems.append(Problem(where, f"column {name}: {value!r}; expected {expected}"))

    # -- the source document -------------------------------------------------------------

    def describe_source(self, title: str, file_name: str, extra: dict[str, str]) -> None:
        s = self.source.value
        self.add(s, RDF + "type", ox.NamedNode(AG + "SourceDocument"))
        if lang_of(title) == "zh":
            self.add(s, RDFS + "label", ox.Literal(title, language="zh"))
        else:
            self.add(s, RDFS + "label", ox.Literal(title, language="en"))
            self.add(s, RDFS + "label", ox.Literal(f"成员名单：{file_name}", language="zh"))
        self.add(s, DCTERMS + "title", ox.Literal(title))
        self.add(s, DCTERMS + "identifier", ox.Literal(file_name))
        self.add(s, AG + "importId", ox.Literal(self.import_id))
        for p, v in extra.items():
            self.add(s, p, ox.Literal(v))
        if self.synthetic:
            self.flag(s)
        self.out.origins[s] = file_name

    def role_node(self, slug: str) -> ox.NamedNode:
        iri = AGR + slug
        if slug not in self._emitted_roles:
            self._emitted_roles.add(slug)
            zh, en, _ = ROLES[slug]
            self.add(iri, RDF + "type", ox.NamedNode(ORG + "Role"))
            self.add(iri, RDFS + "label", ox.Literal(zh, language="zh"))
            self.add(iri, RDFS + "label", ox.Literal(en, language="en"))
        return ox.NamedNode(iri)

    # -- rows ----------------------------------------------------------------------------

    def compile_table(self, table: Table) -> None:
        """Check and compile every row of ``table``; problems accumulate in ``self.problems``."""
        cols = map_header(table)
        if "alliance" not in cols and self.alliance is None:
            raise DataError(
                [Problem(f"{table.name}:1", "no alliance: give --alliance or a 联盟 column")]
            )
        checked = []
        total = len(table.rows)
        for i, (line, cells) in enumerate(table.rows):
            where = f"{table.name}:{line}"
            row = {c: (cells[j].strip() if j < len(cells) else "") for c, j in cols.items()}
            parsed = self.check_row(where, row)
            if parsed is not None:
                checked.append((where, row, parsed, evidence_of(cells)))
            if self.progress and (i % 500 == 0 or i == total - 1):
                self.progress("checking rows", i + 1, total)
        for where, row, parsed, ev in checked:
            self.resolve_row(where, row, parsed, ev)
        if self.problems:
            return
        for i, item in enumerate(checked):
            self.emit_row(*item)
            if self.progress and (i % 500 == 0 or i == len(checked) - 1):
                self.progress("compiling rows", i + 1, len(checked))
        self.out.rows += len(checked)
        self.record_shared_names()

    def check_row(self, where: str, row: dict[str, str]) -> dict | None:
        """Check the cells of one row; return parsed values, or None (problems recorded)."""
        n = len(self.problems)
        parsed: dict = {}
        if not row.get("name"):
            self.problem(where, "name", "", "the member's name (every row needs one)")
        t = row.get("type", "")
        if t:
            cls = TYPES.get(t) or TYPES.get(t.casefold())
            if cls is None:
                self.problem(where, "type", t, f"one of {TYPE_CHOICES}")
            parsed["type"] = cls
        r = row.get("role", "")
        if r:
            slug = _ROLE_LOOKUP.get(r) or _ROLE_LOOKUP.get(r.casefold())
            if slug is None:
                self.problem(where, "role", r, f"one of {ROLE_CHOICES}")
            parsed["role"] = slug
        d = row.get("join_date", "")
        if d:
            date = parse_date(d)
            if date is None:
                self.problem(
                    where, "join_date", d, "a date such as 2019-05-20, 2019-05, 2019年5月 or 2019"
                )
            parsed["date"] = date
        c = row.get("credit_code", "")
        if c:
            code = unicodedata.normalize("NFKC", c).replace(" ", "").upper()
            if len(code) != 18 or any(ch not in _CODE_CHARS for ch in code):
                self.problem(
                    where,
                    "credit_code",
                    c,
                    "18 characters of 0-9 and A-Y without I, O, S, V, Z (GB 32100-2015)",
                )
            elif not credit_code_valid(code):
                self.problem(
                    where,
                    "credit_code",
                    c,
                    f"a valid check character (GB 32100-2015): the last character would be "
                    f"{credit_code_check_char(code[:17])!r}",
                )
            parsed["code"] = code
        a = row.get("alliance", "")
        if a:
            iri = self.alliances.get(name_key(a))
            if iri is None:
                self.problem(where, "alliance", a, "an alliance named in this import")
            parsed["alliance"] = iri
        else:
            parsed["alliance"] = self.alliance
            if self.alliance is None:
                self.problem(where, "alliance", "", "the alliance the member belongs to")
        return parsed if len(self.problems) == n else None

    def resolve_row(self, where: str, row: dict[str, str], parsed: dict, ev: str) -> None:
        """Link the row to a known organisation, or plan a new one; record conflicts."""
        index = self.index
        name = row["name"]
        code = parsed.get("code")
        by_code = index.codes.get(code) if code else None
        by_name = index.find("org", name)
        iri: str | None = None
        if by_code:
            others = by_name - {by_code}
            if by_name and others:
                self.problem(
                    where,
                    "credit_code",
                    code,
                    f"a code consistent with the name: the code belongs to "
                    f"{index.show(by_code)}, the name matches "
                    f"{'; '.join(index.show(i) for i in sorted(others))} (conflict; not merged)",
                )
                return
            iri = by_code
            if not by_name and name not in index.names.get(iri, ()):
                self.out.warnings.append(
                    f"{where}: {name!r} linked to {index.show(iri)} by its credit code "
                    f"{code}; the name is recorded as an alias"
                )
        elif len(by_name) > 1:
            self.problem(
                where,
                "name",
                name,
                "a name that identifies one organisation; it matches "
                + "; ".join(index.show(i) for i in sorted(by_name))
                + " (give the full name or the credit code)",
            )
            return
        elif by_name:
            iri = next(iter(by_name))
            known = index.code_of.get(iri)
            if code and known and known != code:
                self.problem(
                    where,
                    "credit_code",
                    code,
                    f"the code of {index.show(iri)}, {known}, which the name matches "
                    "(conflict: two organisations with one name? not merged)",
                )
                return
        parsed["new"] = iri is None
        if iri is None:
            iri = self.mint("org", name, where)
            index.label[iri] = name
        parsed["iri"] = iri
        # later rows see this row's names and code
        index.add("org", iri, name)
        if row.get("alias"):
            for alias in _split(row["alias"]):
                holders = index.find("org", alias) - {iri}
                if holders:
                    entry = self._shared.setdefault(alias, (set(), where))
                    entry[0].update(holders | {iri})
                    parsed.setdefault("shared", []).append(alias)
                index.add("org", iri, alias)
        if code:
            index.codes.setdefault(code, iri)
            index.code_of.setdefault(iri, code)

    def emit_row(self, where: str, row: dict[str, str], parsed: dict, ev: str) -> None:
        iri = parsed["iri"]
        new = parsed["new"]
        if new:
            self.out.new["org"] = self.out.new.get("org", 0) + 1
            self._aliased.setdefault(iri, set()).add(row["name"])
            self.add(iri, RDFS + "label", ox.Literal(row["name"], language=lang_of(row["name"])))
            if lang_of(row["name"]) != "zh":
                self.add(iri, RDFS + "label", ox.Literal(row["name"], language="zh"))
            if row.get("name_en"):
                self.add(iri, RDFS + "label", ox.Literal(row["name_en"], language="en"))
                self._aliased[iri].add(row["name_en"])
            if not parsed.get("type"):
                self.add(iri, RDF + "type", ox.NamedNode(ORG + "Organization"))
        else:
            self.out.linked += 1
            # the spelling of this file is an alias where the graph did not have it yet
            if not self._has_name(iri, row["name"]):
                self.alias(iri, row["name"])
            if row.get("name_en") and not self._has_name(iri, row["name_en"]):
                self.alias(iri, row["name_en"])
        for alias in _split(row.get("alias", "")):
            if not self._has_name(iri, alias) and alias != row["name"]:
                self.alias(iri, alias)
        if parsed.get("type"):
            self.add(iri, RDF + "type", ox.NamedNode(AG + parsed["type"]))
        alliance = parsed["alliance"]
        self.fact(where, alliance, ORG + "hasMember", ox.NamedNode(iri), ev)
        role, date = parsed.get("role"), parsed.get("date")
        if role or date:
            m = f"{AGR}import/{self.import_id}/m{where.rsplit(':', 1)[-1]}"
            if self.synthetic:
                self.flag(m)
            self.add(m, RDF + "type", ox.NamedNode(ORG + "Membership"))
            self.add(m, ORG + "member", ox.NamedNode(iri))
            self.add(m, ORG + "organization", ox.NamedNode(alliance))
            if role:
                self.fact(where, m, ORG + "role", self.role_node(role), ev)
                if role == "role-lead-unit":
                    self.fact(where, alliance, AG + "leadInstitution", ox.NamedNode(iri), ev)
            if date:
                lexical, datatype = date
                interval, instant = f"{m}-during", f"{m}-start"
                self.add(m, ORG + "memberDuring", ox.NamedNode(interval))
                self.add(interval, RDF + "type", ox.NamedNode(TIME + "Interval"))
                self.add(interval, TIME + "hasBeginning", ox.NamedNode(instant))
                self.add(instant, RDF + "type", ox.NamedNode(TIME + "Instant"))
                prop = {"date": "inXSDDate", "gYearMonth": "inXSDgYearMonth", "gYear": "inXSDgYear"}
                p = TIME + prop[datatype.removeprefix(XSD)]
                lit = ox.Literal(lexical, datatype=ox.NamedNode(datatype))
                self.fact(where, instant, p, lit, ev)
                if self.synthetic:
                    self.flag(interval)
                    self.flag(instant)
        code = parsed.get("code")
        if code and iri not in self._graph_codes:
            self.fact(where, iri, SCHEMA + "taxID", ox.Literal(code), ev)
        if row.get("location"):
            place = self.concept("place", AG + "Place", row["location"], where)
            self.fact(where, iri, AG + "locatedIn", ox.NamedNode(place), ev)
        field_iri = None
        if row.get("field"):
            field_iri = self.concept("field", AG + "IndustryField", row["field"], where)
            self.fact(where, iri, AG + "operatesIn", ox.NamedNode(field_iri), ev)
        if row.get("segment"):
            segment = self.concept("segment", AG + "ChainSegment", row["segment"], where)
            self.fact(where, iri, AG + "operatesIn", ox.NamedNode(segment), ev)
            if field_iri and segment in self.out.minted:
                key = ("seg", field_iri, segment)
                if key not in self._done:
                    self._done.add(key)
                    self.fact(where, field_iri, AG + "hasSegment", ox.NamedNode(segment), ev)

    def _has_name(self, iri: str, name: str) -> bool:
        return name in self._graph_names.get(iri, ()) or name in self._aliased.get(iri, ())

    def alias(self, iri: str, name: str) -> None:
        if name in self._aliased.setdefault(iri, set()):
            return
        self._aliased[iri].add(name)
        self.add(iri, SKOS + "altLabel", ox.Literal(name, language=lang_of(name)))
        self.out.aliases += 1

    def concept(self, kind: str, cls: str, name: str, where: str) -> str:
        """A place, field or segment by name: the known one, or a new node."""
        found = self.index.find(kind, name)
        if len(found) >= 1:
            return sorted(found)[0]
        iri = self.mint(kind, name, where)
        self.index.add(kind, iri, name)
        self.out.new[kind] = self.out.new.get(kind, 0) + 1
        self.add(iri, RDF + "type", ox.NamedNode(cls))
        self.add(iri, RDFS + "label", ox.Literal(name, language=lang_of(name)))
        if lang_of(name) != "zh":
            self.add(iri, RDFS + "label", ox.Literal(name, language="zh"))
        return iri

    def record_shared_names(self) -> None:
        """Report short names two organisations share, and keep the doubt queryable."""
        for alias, (iris, where) in sorted(self._shared.items()):
            shown = "; ".join(self.index.show(i) for i in sorted(iris))
            self.out.warnings.append(
                f"short name {alias!r} is shared by {len(iris)} organisations ({shown}); "
                "kept apart, recorded as ag:UnresolvedName"
            )
            node = f"{AGR}name-{_digest('shared', name_key(alias))}"
            self.add(node, RDF + "type", ox.NamedNode(AG + "UnresolvedName"))
            self.add(node, RDFS + "label", ox.Literal(alias, language=lang_of(alias)))
            if lang_of(alias) != "zh":
                self.add(node, RDFS + "label", ox.Literal(alias, language="zh"))
            note = f"简称“{alias}”为多个成员单位共用，未合并，待分析人员确认。"
            self.add(node, SKOS + "editorialNote", ox.Literal(note, language="zh"))
            if self.synthetic:
                self.flag(node)
            self.out.origins.setdefault(node, where)
            for iri in sorted(iris):
                ev = evidence_of([alias, self.index.label.get(iri, "")])
                self.fact(where, node, AG + "candidate", ox.NamedNode(iri), ev)

    def finish(self) -> CompiledImport:
        if self.problems:
            raise DataError(self.problems)
        return self.out


def _split(text: str) -> list[str]:
    return [a.strip() for a in re.split(r"[|；;、]", text or "") if a.strip()]
