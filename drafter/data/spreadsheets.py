"""Offices' spreadsheets as sources: an .xlsx workbook or a folder of .csv files.

A source whose `url:` is a path (relative to config.yaml) of an `.xlsx` workbook, a `.csv`
file or a folder of `.csv` files is read into an in-memory SQLite database, one table a
sheet (named as the sheet) or a CSV file (named as the file without `.csv`), so that queries
are ordinary SQL (SQLite's) and the runner, its read-only session and its time limit work
unchanged. The file is only read; the database is a copy in memory, set to query_only.

The first row of a sheet gives the column names (Chinese allowed; line breaks inside a
header cell are dropped). Types are inferred per column from all its cells: integers,
decimals, dates (stored as ISO text `2025-03-31`, as SQLite keeps dates and as drafter
binds `:period_start`), date-times, else text; an empty cell is NULL. Text that keeps a
leading zero (`0012`, codes, telephone numbers) stays text. A merged cell below the header
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
import re
import sqlite3
import threading
import warnings
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

__all__ = [
    "SPREADSHEET_SUFFIXES",
    "Table",
    "content_hash",
    "is_spreadsheet",
    "load_tables",
    "missing_table_error",
    "open_spreadsheet",
    "spreadsheet_problems",
]

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv")
_OLD_FORMATS = (".xls", ".et", ".ods")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_HASH_ATTR = "drafter_content_hash"
_TABLES_ATTR = "drafter_tables"
_PATH_ATTR = "drafter_spreadsheet"


def is_spreadsheet(url: str, root: Path | None = None) -> bool:
    """Whether a source's `url:` is a spreadsheet path rather than a database URL: no
    `scheme://`, and either the name of a workbook or CSV file (`.xlsx`, `.xlsm`, `.csv`, and
    the old `.xls`/`.et`/`.ods`, refused when opened with what to do) or a folder that exists
    (relative to `root`). Anything else is a URL, and a mistyped one is told as such."""
    text = url.strip()
    if not text or _URL_SCHEME.match(text):
        return False
    path = Path(text)
    if path.suffix.lower() in SPREADSHEET_SUFFIXES + _OLD_FORMATS:
        return True
    if root is not None and not path.is_absolute():
        path = root / path
    return path.is_dir()


# --------------------------------------------------------------------------- tables


@dataclass
class Column:
    name: str
    kind: str = "TEXT"  # INTEGER, REAL, DATE, DATETIME or TEXT


@dataclass
class Table:
    """One sheet or CSV file: its name, columns (types inferred) and rows of Python values."""

    name: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    where: str = ""  # how to name it in a message: 工作表“检查记录” or 文件 检查记录.csv


def _letters(index: int) -> str:
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
    if isinstance(value, bool):
        return "INTEGER", int(value)
    if isinstance(value, int):
        return "INTEGER", value
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return "INTEGER", int(value)
        return "REAL", value
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return "DATE", value.date()
        return "DATETIME", value.replace(microsecond=0)
    if isinstance(value, dt.date):
        return "DATE", value
    if isinstance(value, dt.time):
        return "TEXT", value.isoformat()
    text = str(value).strip()
    if not text:
        return "NULL", None
    if _INT.match(text):
        return "INTEGER", int(text)
    if _DEC.match(text):
        return "REAL", float(text)
    m = _DATE.match(text)
    if m:
        y, mo, d = int(m[1]), int(m[2] or m[4]), int(m[3] or m[5])
        try:
            return "DATE", dt.date(y, mo, d)
        except ValueError:
            return "TEXT", text
    m = _DATETIME.match(text)
    if m:
        try:
            return "DATETIME", dt.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0))
        except ValueError:
            return "TEXT", text
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


def _typed(header: list[str], raw_rows: list[list[Any]]) -> tuple[list[Column], list[list[Any]]]:
    """Columns with their inferred kinds and the rows converted to them."""
    n = len(header)
    classified = [[_classify(row[i] if i < len(row) else None) for i in range(n)] for row in raw_rows]
    columns = []
    for i, name in enumerate(header):
        columns.append(Column(name, _column_kind({c[i][0] for c in classified})))
    rows = []
    for raw, cells in zip(raw_rows, classified):
        out: list[Any] = []
        for i, (kind, value) in enumerate(cells):
            target = columns[i].kind
            if value is None:
                out.append(None)
            elif target == "INTEGER":
                out.append(int(value))
            elif target == "REAL":
                out.append(float(value))
            elif target in ("DATE", "DATETIME"):
                out.append(_iso(value))
            else:
                out.append(_text_of(kind, value, raw[i] if i < len(raw) else None))
        rows.append(out)
    return columns, rows


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


def _drop_unnamed(names: list[str], rows: list[list[Any]]) -> tuple[list[str], list[list[Any]]]:
    """Columns without a name hold nothing (checked before): leave them out."""
    keep = [i for i, n in enumerate(names) if n]
    return [names[i] for i in keep], [[row[i] if i < len(row) else None for i in keep] for row in rows]


def _workbook_tables(path: Path, data: bytes) -> list[Table]:
    try:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError as exc:  # a declared dependency; only a broken installation lacks it
        raise SourceError(
            "读取 Excel 工作簿需要 openpyxl", path=path, cause=str(exc), hint="pip install openpyxl"
        ) from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not read
            # Read-only mode reads cell values about twice as fast; it does not give merged
            # ranges, which are read from each sheet's XML instead (`_merged_ranges`).
            book = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
            package = zipfile.ZipFile(io.BytesIO(data))
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise SourceError(
            f"{path.name} 无法作为 Excel 工作簿打开",
            path=path,
            cause=f"{type(exc).__name__}: {exc}",
            hint="数据源须是 Excel 2007 及以后的 .xlsx 文件：用 Excel 或 WPS 打开后“另存为”.xlsx。",
        ) from exc
    try:
        return [table for ws in book.worksheets if (table := _sheet_table(path, ws, package)) is not None]
    finally:
        book.close()
        package.close()


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]{1,3}\d+(?::[A-Za-z]{1,3}\d+)?)"')


def _sheet_xml(package: zipfile.ZipFile, sheet_path: str | None) -> bytes:
    if not sheet_path:
        return b""
    try:
        return package.read(sheet_path.lstrip("/"))
    except KeyError:
        return b""


def _merged_ranges(xml: bytes) -> list[tuple[str, int, int, int, int]]:
    """(ref, min_col, min_row, max_col, max_row) of each merged range of a sheet, from its XML."""
    from openpyxl.utils.cell import range_boundaries

    out = []
    for match in _MERGE_CELL.finditer(xml):
        ref = match.group(1).decode("ascii").upper()
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        out.append((ref, min_col, min_row, max_col or min_col, max_row or min_row))
    return out


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Za-z]{1,3}\d+)"')


def _formula_without_value(xml: bytes) -> str | None:
    """The first cell holding a formula whose result the file does not store (a workbook a
    program wrote and no spreadsheet application saved): it would read as empty."""
    if b"<f" not in xml and b":f" not in xml:
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


def _sheet_table(path: Path, ws: Any, package: zipfile.ZipFile) -> Table | None:
    """One worksheet as a table; None for an empty sheet (Sheet2 …)."""
    where = f"工作表“{ws.title}”"
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # a file whose stored dimension is wrong (some tools write A1) is read in full
    grid = [list(row) for row in ws.iter_rows(values_only=True)]
    while grid and all(v is None or (isinstance(v, str) and not v.strip()) for v in grid[-1]):
        grid.pop()
    if not grid:
        return None
    width = max(len(r) for r in grid)
    grid = [r + [None] * (width - len(r)) for r in grid]

    def cell(i: int, row: int = 1) -> str:
        return f"{_letters(i)}{row}"

    xml = _sheet_xml(package, getattr(ws, "_worksheet_path", None))
    formula = _formula_without_value(xml)
    if formula is not None:
        raise SourceError(
            f"{path.name} 的{where}单元格 {formula} 是公式，但文件中没有保存它的计算结果",
            path=path,
            hint="这样的工作簿多由程序生成、未在 Excel 中保存过，公式读出来是空的：用 Excel 或 WPS 打开后保存一次"
            "（会算出并保存公式的结果），或把公式改成数值。",
        )
    for ref, min_col, min_row, max_col, max_row in _merged_ranges(xml):
        if min_row <= 1:
            raise SourceError(
                f"{path.name} 的{where}表头有合并单元格 {ref}",
                path=path,
                hint="表头每列一个单元格、一个列名：取消合并（“合并后居中”再点一次），给每列填上自己的列名；"
                "表头上方的大标题行请删去。",
            )
        if min_row > len(grid) or min_col > width:
            continue  # formatting beyond the data
        value = grid[min_row - 1][min_col - 1]
        for r in range(min_row, min(max_row, len(grid)) + 1):
            for c in range(min_col, min(max_col, width) + 1):
                grid[r - 1][c - 1] = value
    header, body = grid[0], grid[1:]
    data_columns = {i for row in body for i, v in enumerate(row) if v is not None and str(v).strip()}
    names = _check_header(path, f"{path.name} 的{where}", header, data_columns, cell)
    names, body = _drop_unnamed(names, body)
    columns, rows = _typed(names, body)
    return Table(ws.title, columns, rows, where)


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


def _csv_table(path: Path, data: bytes) -> Table | None:
    text = _decode(path, data)
    try:
        grid = [row for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise SourceError(
            f"{path.name} 不是有效的 CSV 文件",
            path=path,
            cause=str(exc),
            hint="用 Excel 或 WPS 打开后另存为“CSV UTF-8（逗号分隔）”。",
        ) from exc
    while grid and not any(v.strip() for v in grid[-1]):
        grid.pop()
    if not grid:
        return None

    def cell(i: int, row: int = 1) -> str:
        return f"第 {row} 行第 {i + 1} 列（{_letters(i)}{row}）"

    header, body = grid[0], grid[1:]
    width = len(header)
    for n, row in enumerate(body, 2):
        if len(row) > width and any(v.strip() for v in row[width:]):
            raise SourceError(
                f"{path.name} 第 {n} 行有 {len(row)} 列，而表头只有 {width} 列",
                path=path,
                line=n,
                hint="检查该行是否多了逗号（含逗号的文字要用英文双引号括起来），或给多出的列补上列名。",
            )
    data_columns = {i for row in body for i, v in enumerate(row[:width]) if v.strip()}
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
    names = _check_header(path, f"{path.name} ", raw_header, data_columns, cell)
    names, rows = _drop_unnamed(names, [list(r[:width]) for r in body])
    columns, typed = _typed(names, [[v if v.strip() else None for v in r] for r in rows])
    return Table(path.stem, columns, typed, f"文件 {path.name}")


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
    if path.is_file() and suffix in _OLD_FORMATS:
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
    """The tables of the files read (`contents`), checked: one name a table."""
    tables: list[Table] = []
    for f, data in contents:
        if f.suffix.lower() == ".csv":
            table = _csv_table(f, data)
            if table is not None:
                tables.append(table)
        else:
            tables.extend(_workbook_tables(f, data))
    seen: dict[str, Table] = {}
    for table in tables:
        key = table.name.casefold()
        if table.name.lower().startswith("sqlite_"):
            raise SourceError(
                f"{path.name} 的{table.where}的名称以 sqlite_ 开头，不能作表名", path=path, hint="给工作表或文件改名。"
            )
        if key in seen:
            raise SourceError(
                f"{path.name} 中{seen[key].where}与{table.where}同名（不区分英文大小写）",
                path=path,
                hint="查询按名称找表，表名须各不相同：改掉其中一个。",
            )
        seen[key] = table
    return tables


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
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    for table in tables:
        cols = ", ".join(f"{_quote(c.name)} {c.kind}" for c in table.columns)
        conn.execute(f"CREATE TABLE {_quote(table.name)} ({cols})")
        marks = ", ".join("?" for _ in table.columns)
        conn.executemany(f"INSERT INTO {_quote(table.name)} VALUES ({marks})", table.rows)
    conn.commit()
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
