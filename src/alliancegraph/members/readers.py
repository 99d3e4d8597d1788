"""Reading member lists: CSV (UTF-8, UTF-8 with BOM, GB18030; comma-, semicolon- or
tab-separated, sniffed from the header line) or an XLSX sheet, into a
:class:`Table` of cells with their row numbers, and the header mapped to the import format's
columns (zh or en headers).

Reading never judges a cell (:mod:`.normalise` and :mod:`.compiler` do), only the shape of
a row: a value beyond the header's last column is an error naming its file and line. It
never writes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError, Problem

__all__ = [
    "COLUMNS",
    "COLUMN_NAMES",
    "DELIMITERS",
    "Table",
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

    def describe(self) -> str:
        """How the file was read, for the import report: ``members.csv: UTF-8 CSV,
        semicolon-separated, 12 rows``."""
        encoding = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM"}.get(
            self.encoding, self.encoding.upper()
        )
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
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
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
    return _check_widths(Table(name, header or [], rows, encoding, delimiter))


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
    return _check_widths(
        Table(f"{name}" if not sheet else f"{name}[{sheet}]", header or [], rows, "xlsx")
    )


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
