"""Reading member lists: CSV (UTF-8, UTF-8 with BOM, GB18030; comma-, semicolon- or
tab-separated, sniffed from the header line) or an XLSX sheet, into a
:class:`Table` of cells with their row numbers, and the header mapped to the import format's
columns (zh or en headers).

Reading never judges a cell (:mod:`.normalise` and :mod:`.compiler` do), only the shape of
a row: a value beyond the header's last column is an error naming its file and line. It
never writes.

Limits (:class:`Limits`, checked while reading, before anything is kept): a file of at most
50 MB, 200,000 rows and 4,096 characters a cell; an XLSX workbook whose parts unzip to at
most 200 MB (the zip's own sizes are checked before any part is opened, and the sheet is
read in openpyxl's streaming mode). Each limit is an argument of :func:`read_table`.

The encoding of a CSV file, by this rule (:func:`detect_encoding`): a byte-order mark
names it (UTF-8; a UTF-16 mark is refused); else the bytes are UTF-8 if they decode so
strictly, else GB18030 if they decode so strictly. Two cases are named rather than
guessed: GB18030 bytes that are also valid UTF-8 (every hanzi read as a pair of Latin or
Greek letters, 欧陆 as ŷ½) are read as GB18030 and the report says so; and UTF-8 text with
a few stray bytes is an error at the first stray byte, not GB18030 mojibake. Every
decoding or CSV error is one line, ``file:line:column: what``. Rows that repeat an
earlier row exactly are reported (:attr:`Table.duplicates`) and read once.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError, Problem

__all__ = [
    "COLUMNS",
    "COLUMN_NAMES",
    "DELIMITERS",
    "LIMITS",
    "Encoding",
    "Limits",
    "Table",
    "detect_encoding",
    "map_header",
    "read_table",
    "sniff_delimiter",
    "unknown_headers",
]

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


def _header_key(text: str) -> str:
    t = unicodedata.normalize("NFKC", str(text)).casefold().strip()
    return re.sub(r"[\s_\-]+", " ", t)


_HEADERS = {_header_key(h): col for col, hs in COLUMNS.items() for h in hs}


#: The delimiters a CSV member list may use, by the name a report gives them.
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


@dataclass
class Table:
    """The cells of a member list: the header, and data rows with their row numbers;
    ``delimiter`` is the one the CSV file uses ("" for a workbook)."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str
    delimiter: str = ""
    #: why the encoding was chosen when another reading was possible (GB18030 bytes that
    #: are also valid UTF-8), for the report
    note: str = ""
    #: (line, line it repeats) for each row that repeats an earlier one exactly (read once)
    duplicates: list[tuple[int, int]] = field(default_factory=list)

    def describe(self) -> str:
        """How the file was read, for the import report: ``members.csv: UTF-8 CSV,
        semicolon-separated, 12 rows``."""
        encoding = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM"}.get(
            self.encoding, self.encoding.upper()
        )
        if self.note:
            encoding += f" ({self.note})"
        sep = DELIMITERS.get(self.delimiter, repr(self.delimiter))
        how = f"{encoding} CSV, {sep}-separated" if self.delimiter else "XLSX sheet"
        return f"{self.name}: {how}, {len(self.rows)} row{'s' if len(self.rows) != 1 else ''}"


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV text: of comma, semicolon and tab, the one its header line
    (the first line with any text) holds most often outside quotes; comma if none."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in first:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])  # ties: the order of DELIMITERS
    return best if counts[best] else ","


def _check_widths(table: Table) -> Table:
    """A row with a value beyond the header's last column is an error naming file:line
    (a delimiter inside an unquoted cell, say): nothing is dropped silently. Empty cells
    past the header, as spreadsheets write them, are harmless."""
    width = len(table.header)
    problems = [
        Problem(
            f"{table.name}:{line}",
            f"{len(cells)} cells but the header has {width} columns; extra "
            f"{'value' if len(extra) == 1 else 'values'} {', '.join(map(repr, extra))} "
            "(a delimiter inside a cell? quote the cell or add a column)",
        )
        for line, cells in table.rows
        if (extra := [c for c in cells[width:] if c.strip()])
    ]
    if problems:
        raise DataError(problems)
    return table


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class Limits:
    """How much a member list may hold; beyond it, reading stops with an error naming the
    limit (split the list, or pass larger limits to :func:`read_table`)."""

    #: bytes of the file (a CSV, or an XLSX as stored)
    max_bytes: int = 50 * 1024 * 1024
    #: data rows (the header not counted)
    max_rows: int = 200_000
    #: characters of one cell
    max_cell: int = 4096
    #: bytes an XLSX workbook's parts unzip to, together
    max_unzipped: int = 200 * 1024 * 1024


LIMITS = Limits()

_BOM = b"\xef\xbb\xbf"
#: CJK ideographs, their punctuation and full-width forms: what a Chinese list holds
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _position(data: bytes, offset: int, start: int = 0) -> tuple[int, int]:
    """The 1-based line and character column of byte ``offset`` (lines counted from
    ``start``, the first byte after a BOM), the text before it read as UTF-8."""
    line = data.count(b"\n", start, offset) + 1
    begin = max(data.rfind(b"\n", start, offset) + 1, start)
    column = len(data[begin:offset].decode("utf-8", errors="replace")) + 1
    return line, column


_LEADS = bytes(range(0xC2, 0xF5))  # the first byte of a multi-byte UTF-8 character
_STRAY = threading.local()


def _note_stray(e: UnicodeError) -> tuple[str, int]:
    assert isinstance(e, UnicodeDecodeError)
    _STRAY.found.append((e.start, e.end))
    return "", e.end


codecs.register_error("alliancegraph.stray", _note_stray)


def _bad_utf8(data: bytes, start: int) -> tuple[int, int, int, str]:
    """(offset of the first byte that is not UTF-8 or -1, how many bytes are not, how many
    multi-byte characters are, the text read without them) of ``data[start:]``."""
    _STRAY.found = []
    text = data[start:].decode("utf-8", errors="alliancegraph.stray")
    found: list[tuple[int, int]] = _STRAY.found
    _STRAY.found = []
    bad = sum(b - a for a, b in found)
    multibyte = len(data) - start - len(data[start:].translate(None, _LEADS))
    first = start + found[0][0] if found else -1
    return first, bad, max(0, multibyte - bad), text


def _mojibake(utf8: str, gb: str) -> bool:
    """Whether ``utf8`` (bytes read as UTF-8) looks like GB18030 text misread: no CJK
    character, and most of its non-ASCII characters stand next to another one (each
    hanzi's two bytes became one Latin, Greek or Cyrillic letter: 欧陆 -> ŷ½), while
    ``gb`` (the same bytes read as GB18030) holds CJK text. A French or German name
    (isolated accented letters) is not taken for it."""
    if _CJK.search(utf8) or not _CJK.search(gb):
        return False
    non_ascii = paired = 0
    for i, ch in enumerate(utf8):
        if ord(ch) < 0x80:
            continue
        non_ascii += 1
        before = i > 0 and ord(utf8[i - 1]) >= 0x80
        after = i + 1 < len(utf8) and ord(utf8[i + 1]) >= 0x80
        paired += before or after
    return non_ascii > 0 and paired * 2 >= non_ascii


@dataclass(frozen=True)
class Encoding:
    """What :func:`detect_encoding` chose: the codec, where the text starts (after a
    BOM), and a note when the choice was not the only reading."""

    codec: str
    start: int = 0
    note: str = ""


def detect_encoding(data: bytes, name: str) -> Encoding:
    """The encoding of CSV bytes by the rule of this module; raise DataError (one line,
    ``name:line:column``) if the bytes are not text in one of them."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError([Problem(f"{name}:1:1", "UTF-16 text; save the list as CSV UTF-8")])
    if data.startswith(_BOM):
        first, _, _, _ = _bad_utf8(data, 3)
        if first < 0:
            return Encoding("utf-8-sig", 3)
        line, column = _position(data, first, 3)
        hint = ""
        try:
            data[3:].decode("gb18030")
            hint = "; the rest reads as GB18030: remove the BOM or save as CSV UTF-8"
        except UnicodeDecodeError:
            pass
        raise DataError(
            [Problem(f"{name}:{line}:{column}",
                     f"a UTF-8 byte-order mark, but byte 0x{data[first]:02X} is not UTF-8{hint}")]
        )  # fmt: skip
    first, bad, multibyte, utf8 = _bad_utf8(data, 0)
    if first < 0:
        if _CJK.search(utf8):  # Chinese in UTF-8: the common case, settled
            return Encoding("utf-8")
        try:
            gb = data.decode("gb18030")
        except UnicodeDecodeError:
            return Encoding("utf-8")
        if _mojibake(utf8, gb):
            sample = next((w for w in utf8.split() if any(ord(c) >= 0x80 for c in w)), "")[:12]
            shown = next((w for w in gb.split() if _CJK.search(w)), "")[:12]
            return Encoding(
                "gb18030",
                note=f"the bytes are valid UTF-8 too, but read so they hold no Chinese "
                f"({sample!r}); read as GB18030 ({shown!r})",
            )
        return Encoding("utf-8")
    del utf8
    line, column = _position(data, first)
    where = f"{name}:{line}:{column}"
    if multibyte >= 4 * bad:  # UTF-8 text with a few stray bytes: not GB18030 mojibake
        raise DataError(
            [Problem(where, f"byte 0x{data[first]:02X} is not UTF-8 ({bad} such byte"
                     f"{'s' if bad != 1 else ''} in a UTF-8 file); fix or remove it")]
        )  # fmt: skip
    try:
        data.decode("gb18030")
    except UnicodeDecodeError as e:
        gl, gc = _position(data, e.start)
        raise DataError(
            [Problem(where, f"not UTF-8 (byte 0x{data[first]:02X}) nor GB18030 (byte "
                     f"0x{data[e.start]:02X} at {gl}:{gc}); save the list as CSV UTF-8")]
        ) from None  # fmt: skip
    return Encoding("gb18030")


def _too_big(name: str, size: int, limits: Limits) -> DataError:
    return DataError(
        [Problem(name, f"{size:,} bytes; the limit is {limits.max_bytes:,} "
                 "(split the list, or raise the limit)")]
    )  # fmt: skip


def _field_spans(text: str, delimiter: str) -> list[tuple[int, int]]:
    """(start, end) of each field of one CSV record's raw text, quotes understood."""
    spans, start, quoted = [], 0, False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == delimiter:
            spans.append((start, i))
            start = i + 1
    spans.append((start, len(text.rstrip("\r\n"))))
    return spans


def _locate(record: str, first_line: int, offset: int) -> tuple[int, int]:
    line = first_line + record.count("\n", 0, offset)
    return line, offset - (record.rfind("\n", 0, offset) + 1) + 1


@dataclass
class _Rows:
    """The rows of a table as a reader meets them (CSV or XLSX alike): the first is the
    header, a row repeating an earlier one (trailing empty cells aside) is noted as a
    duplicate instead, and past ``limits.max_rows`` reading stops with the line named."""

    name: str
    limits: Limits
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    duplicates: list[tuple[int, int]] = field(default_factory=list)
    seen: dict[tuple[str, ...], int] = field(default_factory=dict)

    def add(self, line: int, cells: list[str]) -> None:
        if self.header is None:
            self.header = cells
            return
        key = tuple(cells)
        while key and not key[-1]:
            key = key[:-1]
        if key in self.seen:
            self.duplicates.append((line, self.seen[key]))
            return
        self.seen[key] = line
        self.rows.append((line, cells))
        if len(self.rows) > self.limits.max_rows:
            raise DataError(
                [Problem(f"{self.name}:{line}",
                         f"more than {self.limits.max_rows:,} rows; split the list, or raise "
                         "the limit")]
            )  # fmt: skip


def read_table(path: Path, sheet: str | None = None, limits: Limits = LIMITS) -> Table:
    """Read a CSV (UTF-8, UTF-8 with BOM or GB18030) or an XLSX sheet into a Table,
    within ``limits``; raise DataError (every message ``file:line:column: what``)."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise _too_big(name, size, limits)
        with path.open("rb") as f:
            data = f.read(limits.max_bytes + 1)
    except OSError as e:
        raise DataError([Problem(str(path), f"cannot read: {e.strerror}")]) from None
    if len(data) > limits.max_bytes:  # grew since: still refused
        raise _too_big(name, len(data), limits)
    if path.suffix.lower() in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, name, sheet, limits)
    enc = detect_encoding(data, name)
    # the delimiter from the first lines only; the rows are decoded as they are read
    head = data[: enc.start + 65536].decode(enc.codec, errors="ignore")
    delimiter = sniff_delimiter(head)
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=enc.codec, newline="")
    raw: list[str] = []

    def lines() -> Iterator[str]:
        for text in stream:
            raw.append(text)
            yield text

    reader = csv.reader(lines(), delimiter=delimiter)
    got = _Rows(name, limits)
    line = 1
    while True:
        raw.clear()
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            record = "".join(raw)
            spans = _field_spans(record, delimiter)
            long = next((a for a, b in spans if b - a > limits.max_cell), None)
            at = _locate(record, line, long if long is not None else 0)
            what = f"CSV: {e}"
            if long is not None:
                what = f"a cell longer than the CSV reader's limit; at most {limits.max_cell:,}"
            raise DataError([Problem(f"{name}:{at[0]}:{at[1]}", what)]) from None
        long_cell = next((i for i, c in enumerate(cells) if len(c) > limits.max_cell), None)
        if long_cell is not None:
            record = "".join(raw)
            spans = _field_spans(record, delimiter)
            offset = spans[long_cell][0] if long_cell < len(spans) else 0
            at = _locate(record, line, offset)
            raise DataError(
                [Problem(f"{name}:{at[0]}:{at[1]}",
                         f"a cell of {len(cells[long_cell]):,} characters; cells hold at most "
                         f"{limits.max_cell:,}")]
            )  # fmt: skip
        if any(c.strip() for c in cells):
            got.add(line, [c.strip() for c in cells])
        line = reader.line_num + 1
    table = Table(name, got.header or [], got.rows, enc.codec, delimiter, note=enc.note)
    table.duplicates = got.duplicates
    return _check_widths(table)


def _read_xlsx(data: bytes, name: str, sheet: str | None, limits: Limits = LIMITS) -> Table:
    import zipfile

    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unzipped = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError) as e:
        raise DataError([Problem(name, f"not a readable XLSX workbook: {e}")]) from None
    if unzipped > limits.max_unzipped:
        raise DataError(
            [Problem(name, f"an XLSX workbook whose parts unzip to {unzipped:,} bytes; the "
                     f"limit is {limits.max_unzipped:,} (split the list, or save it as CSV)")]
        )  # fmt: skip
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise DataError([Problem(name, f"not a readable XLSX workbook: {e}")]) from None
    shown = f"{name}" if not sheet else f"{name}[{sheet}]"
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise DataError(
                [Problem(name, f"no sheet {sheet!r}; the sheets are {', '.join(wb.sheetnames)}")]
            )
        ws = wb[sheet] if sheet else wb.worksheets[0]
        got = _Rows(shown, limits)
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            for col, c in enumerate(cells, start=1):
                if len(c) > limits.max_cell:
                    raise DataError(
                        [Problem(f"{shown}:{number}:{col}",
                                 f"a cell of {len(c):,} characters; cells hold at most "
                                 f"{limits.max_cell:,}")]
                    )  # fmt: skip
            if any(cells):
                got.add(number, cells)
    finally:
        wb.close()
    table = Table(shown, got.header or [], got.rows, "xlsx")
    table.duplicates = got.duplicates
    return _check_widths(table)


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
