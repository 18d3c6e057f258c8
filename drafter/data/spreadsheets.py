"""Offices' spreadsheets as sources: an .xlsx workbook or a folder of .csv files.

A source whose `url:` is a path (relative to config.yaml) of an `.xlsx` workbook, a `.csv`
file or a folder of `.csv` files is read into an in-memory SQLite database, one table a
sheet (named as the sheet) or a CSV file (named as the file without `.csv`), so that queries
are ordinary SQL (SQLite's) and the runner, its read-only session and its time limit work
unchanged. The file is only read; the database is a copy in memory, set to query_only.
It is loaded as the file is read (a CSV file 20,000 rows at a time, typed a column at a
time), and its image is what the parse cache keeps: each engine gets a copy in one step.

The first row of a sheet gives the column names (Chinese allowed; line breaks inside a
header cell are dropped). Types are inferred per column from all its cells: integers,
decimals, dates (stored as ISO text `2025-03-31`, as SQLite keeps dates and as drafter
binds `:period_start`), date-times, else text; an empty cell is NULL. Text that keeps a
leading zero (`0012`, codes, telephone numbers) stays text, and so does a whole number
too long for SQLite's 64-bit integers (a card or account number). A merged cell below the header
gives its value to every cell it covers, as a reader sees it.

A workbook that cannot be read as a table — no header, merged header cells, a header cell
left empty above data, two columns of one name — is refused with a message naming the
file, the sheet and the cell. A query that names a sheet the workbook lacks is told which
sheets there are (`missing_table_error`).

The SHA-256 of the file's bytes (of each CSV file's, for a folder) is kept on the engine
(`content_hash`), recorded in the draft's manifest, and compared by `check`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import re
import sqlite3
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

from drafter.errors import QueryError, SourceError
from drafter.project.sourcekind import OLD_FORMATS, SPREADSHEET_SUFFIXES, is_spreadsheet

__all__ = [
    "SPREADSHEET_SUFFIXES",
    "Table",
    "column_letters",
    "content_hash",
    "is_spreadsheet",
    "load_tables",
    "missing_table_error",
    "open_spreadsheet",
    "spreadsheet_problems",
]

_HASH_ATTR = "drafter_content_hash"
_TABLES_ATTR = "drafter_tables"
_PATH_ATTR = "drafter_spreadsheet"


# --------------------------------------------------------------------------- tables


@dataclass
class Column:
    name: str
    kind: str = "TEXT"  # INTEGER, REAL, DATE, DATETIME or TEXT


@dataclass
class Table:
    """One sheet or CSV file: its name and columns (types inferred). Its rows are in the
    in-memory database the file was loaded into (`image`, shared by the file's tables)."""

    name: str
    columns: list[Column]
    where: str = ""  # how to name it in a message: 工作表“检查记录” or 文件 检查记录.csv
    image: bytes = field(default=b"", repr=False)

    @property
    def rows(self) -> list[tuple]:
        """The rows as stored, in the file's order."""
        conn = _database([self])
        try:
            return conn.execute(f"SELECT * FROM {_quote(self.name)} ORDER BY rowid").fetchall()
        finally:
            conn.close()


def column_letters(index: int) -> str:
    """Column letters of a 0-based index: 0 → A, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


_INT = re.compile(r"^[+-]?(?:0|[1-9]\d*)$")
_DEC = re.compile(r"^[+-]?(?:0|[1-9]\d*)\.\d+$")
_DATE = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})|年(\d{1,2})月(\d{1,2})日)$")
_DATETIME = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _classify(value: Any) -> tuple[str, Any]:
    """(kind, value) of one cell: NULL, INTEGER, REAL, DATE, DATETIME or TEXT."""
    if value is None:
        return "NULL", None
    if isinstance(value, (bool, int, float)):
        return _classify_number(value)
    if isinstance(value, (dt.date, dt.time)):
        return _classify_temporal(value)
    text = str(value).strip()
    if not text:
        return "NULL", None
    return _classify_text(text)


def _classify_number(value: bool | int | float) -> tuple[str, Any]:
    if isinstance(value, float) and not (value.is_integer() and abs(value) < 2**53):
        return "REAL", value
    return "INTEGER", int(value)


def _classify_temporal(value: dt.date | dt.time) -> tuple[str, Any]:
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return "DATE", value.date()
        return "DATETIME", value.replace(microsecond=0)
    if isinstance(value, dt.date):
        return "DATE", value
    return "TEXT", value.isoformat()


def _classify_text(text: str) -> tuple[str, Any]:
    """A typed cell: an integer, a decimal, a date (2025-03-01, 2025年3月1日) or a date and time."""
    if _INT.match(text) and len(text) <= 20 and -(2**63) <= (number := int(text)) < 2**63:
        return "INTEGER", number  # a longer one (a card or account number) is kept as typed, as text
    if _DEC.match(text):
        return "REAL", float(text)
    try:
        if m := _DATE.match(text):
            return "DATE", dt.date(int(m[1]), int(m[2] or m[4]), int(m[3] or m[5]))
        if m := _DATETIME.match(text):
            return "DATETIME", dt.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0))
    except ValueError:  # 2025-02-30: text, as the office typed it
        pass
    return "TEXT", text


def _text_of(kind: str, value: Any, original: Any) -> str:
    """A cell of a text column as the office typed it."""
    if isinstance(original, str):
        return original.strip()
    if kind in ("DATE", "DATETIME"):
        return _iso(value)
    return str(value)


def _iso(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return value.isoformat()


def _column_kind(kinds: set[str]) -> str:
    kinds = kinds - {"NULL"}
    if not kinds:
        return "TEXT"
    if kinds == {"INTEGER"}:
        return "INTEGER"
    if kinds <= {"INTEGER", "REAL"}:
        return "REAL"
    if kinds == {"DATE"}:
        return "DATE"
    if kinds <= {"DATE", "DATETIME"}:
        return "DATETIME"
    return "TEXT"


def _transpose(rows: list[Any], width: int, fill: Any) -> list[tuple]:
    """The columns of `rows`, each cut or padded (with `fill`) to `width` cells."""
    if not rows:
        return [() for _ in range(width)]
    if set(map(len, rows)) == {width}:
        return list(zip(*rows))
    fitted = [row if len(row) == width else (list(row) + [fill] * width)[:width] for row in rows]
    return list(zip(*fitted))


def _typed(names: list[str], columns: list[tuple]) -> tuple[list[Column], list[list[Any]]]:
    """Columns with their inferred kinds and their cells converted to them, worked out a
    column at a time (`_typed_column`). Columns without a name hold nothing (checked before)
    and are left out."""
    kinds: list[Column] = []
    values: list[list[Any]] = []
    for name, cells in zip(names, columns):
        if name:
            kind, converted = _typed_column(list(cells))
            kinds.append(Column(name, kind))
            values.append(converted)
    return kinds, values


def _typed_column(cells: list[Any]) -> tuple[str, list[Any]]:
    """(kind, values) of one column of cells, as `_classify` and `_column_kind` make them,
    with fast ways for the common columns: text, whole numbers, numbers and dates as a
    workbook stores them (`_text_kind` for text)."""
    kinds = set(map(type, cells))
    if kinds <= {str, type(None)}:
        stripped = (
            list(map(str.strip, cells)) if str in kinds and len(kinds) == 1 else [c.strip() if c else "" for c in cells]
        )
        values, filled = _blanks_none(stripped)
        kind, iso = _text_kind(filled)
        final = "TEXT" if kind == "NULL" else kind
        return final, _converted(final, kind, iso, values)
    present = [c for c in cells if c is not None and c != ""]  # calamine gives "" for an empty cell
    kinds = set(map(type, present))
    if kinds == {float} and all(map(float.is_integer, present)) and min(present) > -(2**53) and max(present) < 2**53:
        if len(present) == len(cells):
            return "INTEGER", list(map(int, cells))
        return "INTEGER", [None if c is None or c == "" else int(c) for c in cells]
    if kinds <= {int, float}:
        if all(isinstance(c, int) or (c.is_integer() and abs(c) < 2**53) for c in present):
            return "INTEGER", [None if c is None or c == "" else int(c) for c in cells]
        return "REAL", [None if c is None or c == "" else float(c) for c in cells]
    if kinds == {dt.date}:
        days = {day: day.isoformat() for day in set(present)}  # a ledger has few days, many rows each
        if len(present) == len(cells):
            return "DATE", list(map(days.__getitem__, cells))
        return "DATE", [None if c is None or c == "" else days[c] for c in cells]
    return _typed_slowly([None if c == "" else c for c in cells])


def _blanks_none(stripped: list[str]) -> tuple[list[Any], list[str]]:
    """Text cells stripped of spaces with None for each empty one, and the non-empty ones."""
    filled = list(filter(None, stripped))
    if len(filled) == len(stripped):
        return stripped, filled
    return [v or None for v in stripped], filled


_INT_LINES = re.compile(r"(?:[+-]?(?:0|[1-9]\d{0,17})\n)*[+-]?(?:0|[1-9]\d{0,17})")  # within SQLite's 64 bits
_NUMBER_LINES = re.compile(  # decimals, and whole numbers as above
    r"(?:[+-]?(?:(?:0|[1-9]\d*)\.\d+|0|[1-9]\d{0,17})\n)*[+-]?(?:(?:0|[1-9]\d*)\.\d+|0|[1-9]\d{0,17})"
)
_ISO_DATE_LINES = re.compile(r"(?:\d{4}-\d\d-\d\d\n)*\d{4}-\d\d-\d\d")
# A number or a date starts with a digit, after a sign; a cell or line that does not is text.
_TYPED_START = re.compile(r"[+-]?\d")
_TEXT_LINE = re.compile(r"\n(?![+-]?\d)")


def _text_kind(filled: list[str]) -> tuple[str, bool]:
    """The kind `_column_kind` gives the stripped non-empty text cells `filled` (NULL for
    none), and whether they are all ISO dates (stored as they are). Tried as one block of
    lines against each kind, in C; cell by cell only for the mixed columns left."""
    if not filled:
        return "NULL", False
    if not _TYPED_START.match(filled[0]):  # one text cell makes the column text
        return "TEXT", False
    blob = "\n".join(filled)
    if blob.count("\n") != len(filled) - 1:  # a cell with a line break in it is text
        return "TEXT", False
    if _INT_LINES.fullmatch(blob):
        return "INTEGER", False
    if _NUMBER_LINES.fullmatch(blob):  # whole numbers too long for these: cell by cell
        return "REAL", False
    if _ISO_DATE_LINES.fullmatch(blob):
        try:
            for day in set(filled):  # every one a real date, else the slow way
                dt.date.fromisoformat(day)
            return "DATE", True
        except ValueError:
            pass
    if _TEXT_LINE.search("\n" + blob):
        return "TEXT", False
    return _column_kind({_classify(c)[0] for c in filled}), False


def _joined_kind(a: str, b: str) -> str:
    """The kind of a column two parts of which have kinds `a` and `b` (NULL: empty)."""
    if a == "NULL" or a == b:
        return b
    if b == "NULL":
        return a
    return _column_kind({a, b})


def _converted(kind: str, part_kind: str, iso: bool, values: list[Any]) -> list[Any]:
    """Stripped text cells (`values`, None for empty) of a column of `kind` as stored: a part
    of the column whose own kind is `part_kind` (`_text_kind`, `iso` its flag)."""
    if part_kind == "NULL" or kind == "TEXT" or (iso and kind in ("DATE", "DATETIME")):
        return values
    if kind in ("INTEGER", "REAL"):
        number = int if kind == "INTEGER" else float
        if None in values:
            return [None if v is None else number(v) for v in values]
        return list(map(number, values))
    return [_cell_value(kind, v) for v in values]


def _cell_value(kind: str, original: Any) -> Any:
    """One cell as a column of `kind` stores it."""
    cell_kind, value = _classify(original)
    if value is None:
        return None
    if kind == "INTEGER":
        return int(value)
    if kind == "REAL":
        return float(value)
    if kind in ("DATE", "DATETIME"):
        return _iso(value)
    return _text_of(cell_kind, value, original)


def _typed_slowly(cells: list[Any]) -> tuple[str, list[Any]]:
    """One cell at a time, for the mixed columns the fast ways leave."""
    kind = _column_kind({_classify(c)[0] for c in cells})
    return kind, [_cell_value(kind, c) for c in cells]


def _header_name(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return re.sub(r"\s*[\r\n]+\s*", "", text)  # Alt+Enter inside a header cell


def _check_header(path: Path, label: str, header_cells: list[Any], data_columns: set[int], cell: Any) -> list[str]:
    """The column names of row 1, or a SourceError naming the cell. `label` names the sheet
    (`台账.xlsx 的工作表“检查记录”`) or the file (`检查记录.csv `)."""
    if not any(v is not None and str(v).strip() for v in header_cells) and data_columns:
        raise SourceError(
            f"{label}没有表头：第 1 行是空的",
            path=path,
            hint="第 1 行应是列名（表头），数据从第 2 行起；把表头移到第 1 行（删去表头上方的标题行或空行）。",
        )
    if header_cells and all(v is None or not isinstance(v, str) for v in header_cells) and data_columns:
        first = next(i for i, v in enumerate(header_cells) if v is not None)
        raise SourceError(
            f"{label}没有表头：第 1 行是数据（{cell(first)} 是 {header_cells[first]}），不是列名",
            path=path,
            hint="在第 1 行插入一行列名（如 区、检查日期、检查次数），数据从第 2 行起。",
        )
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, value in enumerate(header_cells):
        name = _header_name(value)
        if not name:
            if i in data_columns:
                raise SourceError(
                    f"{label}的表头 {cell(i)} 是空的，而这一列有数据",
                    path=path,
                    hint=f"在 {cell(i)} 填上列名；若这一列不用，删去整列。",
                )
            names.append("")
            continue
        key = name.casefold()
        if key in seen:
            raise SourceError(
                f"{label}有两列同名“{name}”（{cell(seen[key])} 和 {cell(i)}）",
                path=path,
                hint="查询按列名取数，列名须各不相同（不区分英文大小写）：改掉其中一个。",
            )
        seen[key] = i
        names.append(name)
    return names


def _workbook_tables(path: Path, data: bytes, store: _Store) -> list[Table]:
    """The worksheets of a workbook, read with calamine (a reader written in Rust: a
    100,000-row sheet in well under a second); openpyxl stays for writing workbooks."""
    from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        package = zipfile.ZipFile(io.BytesIO(data))
    except (CalamineError, zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise SourceError(
            f"{path.name} 无法作为 Excel 工作簿打开",
            path=path,
            cause=f"{type(exc).__name__}: {exc}",
            hint="数据源须是 Excel 2007 及以后的 .xlsx 文件：用 Excel 或 WPS 打开后“另存为”.xlsx。",
        ) from exc
    try:
        xml_paths = _sheet_paths(package)
        tables = []
        for meta in book.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue  # a chart sheet holds no cells
            try:
                xml = _sheet_xml(package, xml_paths.get(meta.name))
                table = _sheet_table(path, book, meta.name, xml, store)
            except (CalamineError, ValueError, zipfile.BadZipFile) as exc:  # a damaged sheet
                raise SourceError(
                    f"{path.name} 的工作表“{meta.name}”无法读取",
                    path=path,
                    cause=f"{type(exc).__name__}: {exc}",
                    hint="用 Excel 或 WPS 打开该工作簿，确认这张工作表能正常显示后重新保存为 .xlsx。",
                ) from exc
            if table is not None:
                tables.append(table)
        return tables
    finally:
        book.close()
        package.close()


_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _sheet_paths(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the path of its XML in the package (xl/workbook.xml and its relationships)."""
    from lxml import etree

    try:
        workbook = etree.fromstring(package.read("xl/workbook.xml"))
        rels = etree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, etree.XMLSyntaxError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for sheet in workbook.iter("{*}sheet"):
        target = targets.get(sheet.get(f"{{{_REL_NS}}}id"), "")
        out[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return out


def _sheet_xml(package: zipfile.ZipFile, sheet_path: str | None) -> bytes:
    if not sheet_path:
        return b""
    try:
        return package.read(sheet_path)
    except KeyError:
        return b""


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Za-z]{1,3}\d+)"')


def _has_formula_element(xml: bytes) -> bool:
    """Whether the XML holds an element f (`<f>`, `<x:f …/>`): found from the letter f, rare in
    a sheet's XML, rather than from `<`, which is everywhere (one pass, not two)."""
    at = xml.find(b"f")
    for _ in range(1000):
        if at < 0:
            return False
        if xml[at - 1 : at] in (b"<", b":"):
            return True
        at = xml.find(b"f", at + 1)
    return b"<f" in xml or b":f" in xml  # a sheet full of the letter f: the plain way


def _formula_without_value(xml: bytes) -> str | None:
    """The first cell holding a formula whose result the file does not store (a workbook a
    program wrote and no spreadsheet application saved): it would read as empty."""
    if not _has_formula_element(xml):
        return None
    for match in _CELL.finditer(xml):
        inner = match.group(2) or b""
        # No stored result: no <v>, or an empty one in a cell that is not a text result (t="str").
        if (
            re.search(rb"<(?:\w+:)?f\b", inner)
            and not re.search(rb"<(?:\w+:)?v>[^<]", inner)
            and not re.search(rb'\bt="(?:str|e)"', match.group(1))
        ):
            ref = _REF.search(match.group(1))
            return ref.group(1).decode("ascii").upper() if ref else "?"
    return None


def _sheet_table(path: Path, book: Any, title: str, xml: bytes, store: _Store) -> Table | None:
    """One worksheet as a table; None for an empty sheet (Sheet2 …)."""
    where = f"工作表“{title}”"
    sheet = book.get_sheet_by_name(title)
    grid = sheet.to_python(skip_empty_area=False)
    while grid and all(v is None or (isinstance(v, str) and not v.strip()) for v in grid[-1]):
        grid.pop()
    if not grid:
        return None
    width = max(map(len, grid))
    if min(map(len, grid)) != width:
        grid = [r if len(r) == width else r + [""] * (width - len(r)) for r in grid]

    def cell(i: int, row: int = 1) -> str:
        return f"{column_letters(i)}{row}"

    formula = _formula_without_value(xml)
    if formula is not None:
        raise SourceError(
            f"{path.name} 的{where}单元格 {formula} 是公式，但文件中没有保存它的计算结果",
            path=path,
            hint="这样的工作簿多由程序生成、未在 Excel 中保存过，公式读出来是空的：用 Excel 或 WPS 打开后保存一次"
            "（会算出并保存公式的结果），或把公式改成数值。",
        )
    _spread_merged(path, where, grid, sheet.merged_cell_ranges or [])
    # calamine reads every number as a float: 2025, not 2025.0, in a message about the header
    header = [None if v == "" else int(v) if isinstance(v, float) and v.is_integer() else v for v in grid[0]]
    columns = _transpose(grid[1:], width, "")
    data_columns = {i for i, col in enumerate(columns) if any(v is not None and str(v).strip() for v in col)}
    names = _check_header(path, f"{path.name} 的{where}", header, data_columns, cell)
    typed_columns, values = _typed(names, columns)
    table = Table(title, typed_columns, where)
    store.insert(store.create(table), values, len(values[0]) if values else 0)
    return table


def _spread_merged(path: Path, where: str, grid: list[list[Any]], ranges: list[Any]) -> None:
    """A merged range below the header gives its value to every cell it covers; a merged
    header cell is refused."""
    for (min_row, min_col), (max_row, max_col) in ranges:  # 0-based
        if min_row == 0:
            ref = f"{column_letters(min_col)}{min_row + 1}:{column_letters(max_col)}{max_row + 1}"
            raise SourceError(
                f"{path.name} 的{where}表头有合并单元格 {ref}",
                path=path,
                hint="表头每列一个单元格、一个列名：取消合并（“合并后居中”再点一次），给每列填上自己的列名；"
                "表头上方的大标题行请删去。",
            )
        if min_row >= len(grid) or min_col >= len(grid[0]):
            continue  # formatting beyond the data
        value = grid[min_row][min_col]
        for r in range(min_row, min(max_row + 1, len(grid))):
            for c in range(min_col, min(max_col + 1, len(grid[0]))):
                grid[r][c] = value


def _decode(path: Path, data: bytes) -> str:
    """CSV text: UTF-8 (with or without BOM), else GB18030 as Excel saves it on Chinese Windows."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SourceError(
        f"{path.name} 既不是 UTF-8 也不是 GBK 编码",
        path=path,
        hint="用 Excel 或 WPS 打开后另存为“CSV UTF-8（逗号分隔）”。",
    )


_BATCH_ROWS = 20_000  # rows of a CSV file read, typed and kept at a time


@dataclass
class _CsvPart:
    """Consecutive rows of a CSV file, a column at a time: stripped text (None for empty),
    and the kind of each column's cells in these rows (`_text_kind`)."""

    rows: int
    values: list[list[Any]]
    kinds: list[tuple[str, bool]]


@dataclass
class _CsvBody:
    kinds: list[str]  # of each column so far (`_joined_kind` of its parts')
    parts: list[_CsvPart] = field(default_factory=list)
    kept: int = 0  # rows up to the last one that is not blank (blank rows at the end are dropped)
    too_long: tuple[int, int] | None = None  # (row number, fields) of the first row with data beyond the header


def _csv_body(reader: Iterable[list[str]], width: int) -> _CsvBody:
    """The rows after the header, read and typed a batch at a time: a million-row file is
    never held as a list of rows, and each column is typed in C-speed passes."""
    body = _CsvBody(["NULL"] * width)
    seen = 0
    while batch := list(itertools.islice(reader, _BATCH_ROWS)):
        lengths = set(map(len, batch))
        if max(lengths) > width and body.too_long is None:
            body.too_long = next(
                (
                    (n, len(r))
                    for n, r in enumerate(batch, seen + 2)
                    if len(r) > width and any(map(str.strip, r[width:]))
                ),
                None,
            )
        if lengths != {width}:
            batch = [r if len(r) == width else (r + [""] * width)[:width] for r in batch]
        last = next((i for i in range(len(batch) - 1, -1, -1) if any(map(str.strip, batch[i]))), None)
        if last is not None:
            body.kept = seen + last + 1
        seen += len(batch)
        part = _CsvPart(len(batch), [], [])
        for i, column in enumerate(zip(*batch) if width else ()):
            values, filled = _blanks_none(list(map(str.strip, column)))
            # Once a column holds text it is text: its other rows need no trying.
            kind = ("TEXT", False) if body.kinds[i] == "TEXT" and filled else _text_kind(filled)
            body.kinds[i] = _joined_kind(body.kinds[i], kind[0])
            part.values.append(values)
            part.kinds.append(kind)
        body.parts.append(part)
    return body


def _csv_table(path: Path, data: bytes, store: _Store) -> Table | None:
    text = _decode(path, data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        width = len(header)
        body = _csv_body(reader, width)
    except csv.Error as exc:
        raise SourceError(
            f"{path.name} 不是有效的 CSV 文件",
            path=path,
            cause=str(exc),
            hint="用 Excel 或 WPS 打开后另存为“CSV UTF-8（逗号分隔）”。",
        ) from exc
    if not body.kept and not any(map(str.strip, header)):
        return None
    if body.too_long is not None:
        n, fields = body.too_long
        raise SourceError(
            f"{path.name} 第 {n} 行有 {fields} 列，而表头只有 {width} 列",
            path=path,
            line=n,
            hint="检查该行是否多了逗号（含逗号的文字要用英文双引号括起来），或给多出的列补上列名。",
        )
    kinds = body.kinds
    names = _csv_header(path, header, {i for i, kind in enumerate(kinds) if kind != "NULL"})
    named = [i for i, name in enumerate(names) if name]
    final = ["TEXT" if kinds[i] == "NULL" else kinds[i] for i in range(width)]
    table = Table(path.stem, [Column(names[i], final[i]) for i in named], f"文件 {path.name}")
    insert = store.create(table)
    left = body.kept
    for part in body.parts:
        if left <= 0:
            break
        columns = [_converted(final[i], *part.kinds[i], part.values[i]) for i in named]
        store.insert(insert, columns, min(left, part.rows))
        left -= part.rows
    return table


def _csv_header(path: Path, header: list[str], data_columns: set[int]) -> list[str]:
    """The column names of a CSV file's first row, checked (`_check_header`)."""

    def cell(i: int, row: int = 1) -> str:
        return f"第 {row} 行第 {i + 1} 列（{column_letters(i)}{row}）"

    raw_header: list[Any] = [v if v.strip() else None for v in header]
    # A CSV header is always text: "no header" means row 1 looks like data (numbers, dates).
    if (
        raw_header
        and all(v is None or _classify(v)[0] in ("INTEGER", "REAL", "DATE", "DATETIME") for v in raw_header)
        and any(v is not None for v in raw_header)
        and data_columns
    ):
        first = next(i for i, v in enumerate(raw_header) if v is not None)
        raise SourceError(
            f"{path.name} 没有表头：第 1 行是数据（{cell(first)} 是 {raw_header[first]}），不是列名",
            path=path,
            line=1,
            hint="在第 1 行加上列名（如 区,检查日期,检查次数），数据从第 2 行起。",
        )
    return _check_header(path, f"{path.name} ", raw_header, data_columns, cell)


# --------------------------------------------------------------------------- loading


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
        if not files:
            raise SourceError(
                f"文件夹 {path} 中没有 .csv 文件",
                path=path,
                hint="数据源为文件夹时，每个 .csv 文件是一张表（表名即文件名，不含 .csv）。",
            )
        return files
    return [path]


def content_hash(path: Path) -> str:
    """SHA-256 of a workbook's bytes; for a folder, of each CSV file's name and bytes."""
    if path.is_dir():
        digest = hashlib.sha256()
        for f in _files(path):
            digest.update(f.name.encode("utf-8") + b"\0" + hashlib.sha256(f.read_bytes()).digest())
        return digest.hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_tables(path: Path) -> tuple[list[Table], str]:
    """The tables of a workbook, a CSV file or a folder of CSV files, and the content hash
    of exactly the bytes they were read from."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise SourceError(
            f"找不到数据源文件 {path}",
            path=path,
            hint="在 config.yaml 的 sources 中写对路径（相对于 config.yaml 所在目录），"
            "如 data/执法检查台账.xlsx 或 data/csv（放 .csv 文件的文件夹）。",
        )
    if path.is_file() and suffix in OLD_FORMATS:
        raise SourceError(
            f"{path.name} 是旧版或其他格式的表格，drafter 读不了",
            path=path,
            hint="用 Excel 或 WPS 打开后“另存为”.xlsx 工作簿，再把 config.yaml 中的路径改成新文件。",
        )
    if path.is_file() and suffix not in SPREADSHEET_SUFFIXES:
        raise SourceError(
            f"{path.name} 不是 .xlsx 工作簿、.csv 文件或放 .csv 文件的文件夹",
            path=path,
            hint="数据库请写 SQLAlchemy URL（如 sqlite:///data/x.db），表格请写 .xlsx 或 .csv 的路径。",
        )
    contents = [(f, f.read_bytes()) for f in _files(path)]
    digest = hashlib.sha256()
    for f, data in contents:
        if path.is_dir():
            digest.update(f.name.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
        else:
            digest.update(data)
    key = (str(path.resolve()), digest.hexdigest())
    # A build opens a source once for the current period and once for each comparison (prev,
    # last), in parallel threads: the same bytes are parsed once, the others wait for it.
    with _lock_for(key[0]):
        cached = _PARSED.get(key)
        if cached is not None:
            _PARSED.move_to_end(key)
            return cached, key[1]
        tables = _parse(path, contents)
        _PARSED[key] = tables
        while len(_PARSED) > _PARSED_MAX:
            _PARSED.popitem(last=False)
    return tables, key[1]


_PARSED: OrderedDict[tuple[str, str], list[Table]] = OrderedDict()  # (file, SHA-256) → its tables
_PARSED_MAX = 8
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(path: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(path, threading.Lock())


def _parse(path: Path, contents: list[tuple[Path, bytes]]) -> list[Table]:
    """The tables of the files read (`contents`), checked and loaded into one in-memory
    database, whose image each table keeps (`Table.image`)."""
    store = _Store(path)
    try:
        tables: list[Table] = []
        for f, data in contents:
            if f.suffix.lower() == ".csv":
                table = _csv_table(f, data, store)
                if table is not None:
                    tables.append(table)
            else:
                tables.extend(_workbook_tables(f, data, store))
        image = store.image()
    finally:
        store.close()
    for table in tables:
        table.image = image
    return tables


_ROWS_PER_INSERT = 64  # rows an INSERT statement carries: a quarter less work than one row each


@dataclass
class _Insert:
    """The statements inserting rows into one table: `per` rows at a time, and one."""

    width: int
    per: int
    many: str
    one: str


class _Store:
    """The in-memory SQLite database a source's tables are loaded into as they are read: one
    transaction, no rollback journal (a throwaway copy, made again from the file if need be)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.names: dict[str, Table] = {}

    def create(self, table: Table) -> _Insert:
        """Create the table (its name checked: one name a table); how to insert its rows."""
        key = table.name.casefold()
        if table.name.lower().startswith("sqlite_"):
            raise SourceError(
                f"{self.path.name} 的{table.where}的名称以 sqlite_ 开头，不能作表名",
                path=self.path,
                hint="给工作表或文件改名。",
            )
        if key in self.names:
            raise SourceError(
                f"{self.path.name} 中{self.names[key].where}与{table.where}同名（不区分英文大小写）",
                path=self.path,
                hint="查询按名称找表，表名须各不相同：改掉其中一个。",
            )
        self.names[key] = table
        cols = ", ".join(f"{_quote(c.name)} {c.kind}" for c in table.columns)
        self.conn.execute(f"CREATE TABLE {_quote(table.name)} ({cols})")
        width = len(table.columns)
        per = max(1, min(_ROWS_PER_INSERT, self.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
        row = f"({', '.join('?' * width)})"
        into = f"INSERT INTO {_quote(table.name)} VALUES "
        return _Insert(width, per, into + ", ".join([row] * per), into + row)

    def insert(self, target: _Insert, columns: list[list[Any]], count: int) -> None:
        """The first `count` rows of `columns`, many rows a statement: binding is what costs."""
        if not columns:
            return
        cells = itertools.chain.from_iterable(itertools.islice(zip(*columns), count))
        step = target.per * target.width
        self.conn.executemany(target.many, (tuple(itertools.islice(cells, step)) for _ in range(count // target.per)))
        self.conn.executemany(target.one, zip(*[cells] * target.width))

    def image(self) -> bytes:
        self.conn.commit()
        return self.conn.serialize()

    def close(self) -> None:
        self.conn.close()


def spreadsheet_problems(config: Any) -> list[SourceError]:
    """What keeps each spreadsheet source of a configuration from being read (for lint): a
    missing file, an unreadable workbook, a sheet without a proper header."""
    problems = []
    for name, source in config.sources.items():
        if not is_spreadsheet(source.url):
            continue
        try:
            load_tables(Path(source.url))
        except SourceError as exc:
            exc.message = f"数据源“{name}”：{exc.message}"
            problems.append(exc)
    return problems


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _database(tables: Iterable[Table]) -> sqlite3.Connection:
    """A read-only in-memory database holding `tables` (loaded from one source): a copy of
    the image they were loaded into, made in one step."""
    images = {id(t.image): t.image for t in tables if t.image}
    if len(images) > 1:
        raise ValueError("tables loaded from different sources")
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    for image in images.values():
        conn.deserialize(image)
    conn.execute("PRAGMA query_only = ON")
    return conn


def open_spreadsheet(name: str, path: Path) -> Engine:
    """An engine over an in-memory SQLite copy of the spreadsheet at `path`."""
    tables, digest = load_tables(path)
    conn = _database(tables)
    engine = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool)
    setattr(engine, _HASH_ATTR, digest)
    setattr(engine, _TABLES_ATTR, {t.name: [c.name for c in t.columns] for t in tables})
    setattr(engine, _PATH_ATTR, path)
    return engine


def engine_hash(engine: Engine) -> str | None:
    """The content hash of the spreadsheet an engine was loaded from; None for a database."""
    return getattr(engine, _HASH_ATTR, None)


_NO_TABLE = re.compile(r"no such table: (?:main\.)?(.+)$")
_NO_COLUMN = re.compile(r"no such column: (.+)$")


def missing_table_error(engine: Engine, query: str, sql_file: Path, cause: str) -> QueryError | None:
    """A clear message when a query over a spreadsheet names a sheet or column it lacks."""
    tables: dict[str, list[str]] | None = getattr(engine, _TABLES_ATTR, None)
    path: Path | None = getattr(engine, _PATH_ATTR, None)
    if tables is None or path is None:
        return None
    first = cause.strip().splitlines()[0] if cause.strip() else ""
    kind = "文件夹" if path.is_dir() else "工作簿"
    unit = "CSV 文件（表名即文件名）" if path.is_dir() else "工作表"
    m = _NO_TABLE.search(first)
    if m:
        wanted = m.group(1).strip().strip('"`[]')
        have = "、".join(tables) or "（没有非空的工作表）"
        return QueryError(
            f"查询 {query} 用到的表“{wanted}”在{kind} {path.name} 中没有",
            path=sql_file,
            cause=first,
            hint=f"现有的{unit}：{have}。把 SQL 中的表名改成其中之一，或在{kind}中添加“{wanted}”。",
        )
    m = _NO_COLUMN.search(first)
    if m:
        listing = "；".join(f"{t}：{'、'.join(cols)}" for t, cols in tables.items())
        return QueryError(
            f"查询 {query} 用到的列“{m.group(1).strip()}”在{kind} {path.name} 的表头中没有",
            path=sql_file,
            cause=first,
            hint=f"列名即第 1 行的表头（{listing}）。",
        )
    return None
