"""Binding a report's numbers to queries without writing Jinja: the bindings workbook.

`write_bindings` lists every `{{ unbound("…") }}` of the section templates in an .xlsx, one row
a number (file, line, sentence, the number as written), with an empty 查询.列 and 写法 to choose
(drop-down lists of the project's query columns and of the number forms), and suggestions: the
figures of the current data that, in some form, print exactly the number the report wrote.

`apply_bindings` reads the workbook back and writes each chosen expression into its template
line (`{{ query.column | 写法 }}`, or the original text kept for 保留原文), after a backup.
Every cell is checked against a small grammar first: a workbook is input like any other.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from drafter.data.figures import Figure, Row
from drafter.errors import DrafterError
from drafter.outputs import write_atomically
from drafter.text.environment import FORMAT_FILTERS
from drafter.text.sections import read_template, section_files
from drafter.text.unbound import UNBOUND_CALL, Unbound, unbound_in

__all__ = [
    "HEADER",
    "KEEP",
    "WRITINGS",
    "BindResult",
    "apply_bindings",
    "bindings_rows",
    "current_values",
    "suggestions",
    "unbound_places",
    "write_bindings",
]

SHEET = "绑定表"
HEADER = ("序号", "文件", "行", "行内第几个", "句子", "原文", "查询.列", "写法", "建议（当前数据中值相同的）")
KEEP = "保留原文"
PLAIN = "原样"
# The number forms offered; any other filter the README lists may be typed in too.
WRITINGS = (
    PLAIN,
    KEEP,
    "wan",
    "wan(1)",
    "wan(2)",
    "wan(1, approx=False)",
    "wan(2, approx=False)",
    "approx(10)",
    "approx(100)",
    "approx(1000)",
    "pct(0)",
    "pct(1)",
    "pct(2)",
    "pct(1, fixed=True)",
    "pct(2, fixed=True)",
    "wan_yuan",
    "wan_yuan(1)",
    "wan_yuan(2)",
    "wan_yuan(4)",
    "yuan",
    "cn_num",
)
_EXPR = re.compile(r"^[\w.\[\]\s+\-*/()]+$")
_WRITING = re.compile(r"^[a-z_]+(?:\(\s*[\w.\s]*(?:,\s*\w+\s*=\s*\w+)?\s*\))?$")


def unbound_places(config) -> list[Unbound]:
    """Every unbound number of the project's section templates, file by file, line by line."""
    found: list[Unbound] = []
    for path in section_files(config.templates.sections, config.resolve):
        found.extend(unbound_in(path, read_template(path)))
    return found


# -- suggestions from the current data ------------------------------------------------------


def current_values(run) -> dict[str, Any]:
    """`query.column` (or `query` for a scalar) → value, for the queries that returned one row."""
    values: dict[str, Any] = {}
    for name, result in run.current.items():
        if not getattr(result, "ok", False):
            continue
        if isinstance(result.value, Figure):
            values[name] = result.value.value
        elif isinstance(result.value, Row):
            for figure in result.value.figures():
                values[figure.ref] = figure.value
    return values


def _formatted(value: Any, writing: str) -> str | None:
    name, _, args = writing.partition("(")
    fn = FORMAT_FILTERS.get(name)
    if fn is None or value is None or isinstance(value, (str, bool)):
        return None
    positional, keywords = [], {}
    for arg in filter(None, (a.strip() for a in args.rstrip(")").split(","))):
        if "=" in arg:
            key, _, raw = arg.partition("=")
            keywords[key.strip()] = raw.strip() == "True"
        else:
            positional.append(int(arg))
    try:
        return fn(value, *positional, **keywords)
    except (TypeError, ValueError, ArithmeticError):
        return None


def suggestions(original: str, values: dict[str, Any]) -> list[tuple[str, str]]:
    """(查询.列, 写法) pairs whose current value prints as `original`; for a percentage, also
    the quotients of two columns of one query."""
    writings = [w for w in WRITINGS if w != KEEP]
    found = []
    for ref, value in values.items():
        for writing in writings:
            shown = _formatted(value, "num" if writing == PLAIN else writing)
            if shown == original:
                found.append((ref, writing))
                break
    if original.endswith("%"):
        for a, b, value in _quotients(values):
            for writing in ("pct(0)", "pct(1)", "pct(2)", "pct(1, fixed=True)", "pct(2, fixed=True)"):
                if _formatted(value, writing) == original:
                    found.append((f"{a} / {b}", writing))
                    break
    return found


def _quotients(values: dict[str, Any]):
    by_query: dict[str, list[str]] = {}
    for ref in values:
        by_query.setdefault(ref.split(".")[0], []).append(ref)
    for refs in by_query.values():
        for a in refs:
            for b in refs:
                va, vb = values[a], values[b]
                if a != b and isinstance(va, (int, Decimal, float)) and isinstance(vb, (int, Decimal, float)) and vb:
                    yield a, b, Decimal(str(va)) / Decimal(str(vb))


# -- the workbook ---------------------------------------------------------------------------


@dataclass
class BindingRow:
    place: Unbound
    suggested: list[tuple[str, str]] = field(default_factory=list)


def bindings_rows(config, values: dict[str, Any]) -> list[BindingRow]:
    return [BindingRow(u, suggestions(u.original, values)) for u in unbound_places(config)]


def write_bindings(config, rows: list[BindingRow], columns: list[str], out: Path) -> None:
    """The bindings workbook at `out`: one row a number, drop-down lists of `columns` and
    of the number forms (a hidden sheet 选项 holds them: a list in a formula is limited to 255
    characters)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(HEADER))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    root = config.resolve(Path("."))
    for n, row in enumerate(rows, 1):
        u = row.place
        shown = "；".join(f"{ref} | {w}" for ref, w in row.suggested)
        first = row.suggested[0] if len(row.suggested) == 1 else (None, None)
        ws.append([n, _relative(u.path, root), u.line, u.index, u.sentence, u.original, first[0], first[1], shown])
        if u.unit:  # the unit stays in the text: the number alone is bound
            ws.cell(n + 1, 6).comment = _note(f"单位“{u.unit}”不属于绑定，绑定后照原文保留。")
    options = wb.create_sheet("选项")
    options.sheet_state = "hidden"
    for i, name in enumerate(columns, 1):
        options.cell(i, 1, name)
    for i, name in enumerate(WRITINGS, 1):
        options.cell(i, 2, name)
    last = max(len(rows) + 1, 2)
    if columns:
        refs = DataValidation(type="list", formula1=f"=选项!$A$1:$A${len(columns)}", allow_blank=True)
        refs.showErrorMessage = False  # an expression such as a / b may be typed in too
        refs.add(f"G2:G{last}")
        ws.add_data_validation(refs)
    forms = DataValidation(type="list", formula1=f"=选项!$B$1:$B${len(WRITINGS)}", allow_blank=True)
    forms.showErrorMessage = False
    forms.add(f"H2:H{last}")
    ws.add_data_validation(forms)
    for letter, width in zip("ABCDEFGHI", (6, 28, 6, 8, 60, 14, 30, 18, 40)):
        ws.column_dimensions[letter].width = width
    for cells in ws.iter_rows(min_row=2, min_col=5, max_col=5):
        cells[0].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    write_atomically(out, wb.save, what="绑定表", hint="检查写权限；若该文件正在 Excel/WPS 中打开，请先关闭。")


def _note(text: str):
    from openpyxl.comments import Comment

    return Comment(text, "drafter")


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


# -- binding ----------------------------------------------------------------------------------


@dataclass
class BindResult:
    bound: int = 0
    kept: int = 0  # 保留原文
    left: int = 0  # rows without a choice: still unbound
    changed: list[Path] = field(default_factory=list)
    backup: Path | None = None
    stale: list[str] = field(default_factory=list)  # rows whose number is no longer at that place


def _cell_error(workbook: Path, cell: str, message: str, hint: str) -> DrafterError:
    return DrafterError(f"绑定表 {SHEET}!{cell}：{message}", path=workbook, hint=hint)


def _replacement(workbook: Path, n: int, original: str, ref: str, writing: str) -> str | None:
    """The template text for one row; None when it is left unbound."""
    if writing == KEEP:
        return original
    if not ref:
        if writing and writing != PLAIN:
            raise _cell_error(
                workbook, f"G{n}", "选了写法却没有选查询.列", "在 G 列选查询.列，或把写法改为“保留原文”。"
            )
        return None
    if not _EXPR.match(ref) or "__" in ref:
        raise _cell_error(
            workbook, f"G{n}", f"“{ref}”不是查询.列或它们的算式", "写成 查询名.列名，或 a.x / a.y 这样的算式。"
        )
    if writing and writing != PLAIN and not _WRITING.match(writing):
        raise _cell_error(workbook, f"H{n}", f"“{writing}”不是写法", "从下拉列表中选，如 wan(1)、pct(2)。")
    expression = ref.strip()
    if writing and writing != PLAIN:
        if any(op in expression for op in "+-*/"):
            expression = f"({expression})"  # the filter binds first: (a / b) | pct(1)
        expression += f" | {writing}"
    return "{{ " + expression + " }}"


def _read_rows(workbook: Path) -> list[tuple[int, str, int, int, str, str, str]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(workbook, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise DrafterError(
            "不是有效的 .xlsx 工作簿", path=workbook, cause=str(exc), hint="用 drafter bindings 重新生成。"
        ) from exc
    if SHEET not in wb.sheetnames:
        raise DrafterError(f"工作簿中没有“{SHEET}”工作表", path=workbook, hint="用 drafter bindings 生成的绑定表。")
    rows = []
    for n, values in enumerate(wb[SHEET].iter_rows(min_row=2, values_only=True), 2):
        if not values or values[1] is None:
            continue
        cells = [("" if v is None else str(v)).strip() for v in (list(values) + [None] * 9)[:9]]
        try:
            line, index = int(cells[2]), int(cells[3])
        except ValueError as exc:
            raise _cell_error(workbook, f"C{n}", "行号不是整数", "不要改动 A–F 列。") from exc
        rows.append((n, cells[1], line, index, cells[5], cells[6], cells[7]))
    return rows


def apply_bindings(config, workbook: Path, *, now: dt.datetime | None = None) -> BindResult:
    """Write the choices of `workbook` into the section templates; see the module docstring."""
    root = config.resolve(Path(".")).resolve()
    sections = {p.resolve() for p in _section_paths(config)}
    plan: dict[Path, dict[tuple[int, int], tuple[str, str]]] = {}
    result = BindResult()
    for n, name, line, index, original, ref, writing in _read_rows(workbook):
        path = (root / name).resolve()
        if path not in sections:
            raise _cell_error(workbook, f"B{n}", f"“{name}”不是本项目的正文模板", "不要改动 A–F 列。")
        text = _replacement(workbook, n, original, ref, writing)
        if text is None:
            result.left += 1
            continue
        plan.setdefault(path, {})[(line, index)] = (original, text)
        if writing == KEEP:
            result.kept += 1
        else:
            result.bound += 1
    if not plan:
        return result
    result.backup = _backup(root, list(plan), now or dt.datetime.now())
    for path, changes in plan.items():
        _rewrite(path, changes, result)
    return result


def _section_paths(config) -> list[Path]:
    return section_files(config.templates.sections, config.resolve)


def _backup(root: Path, paths: list[Path], now: dt.datetime) -> Path:
    folder = root / "backup" / f"bind-{now:%Y%m%d-%H%M%S}"
    for path in paths:
        target = folder / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return folder


def _rewrite(path: Path, changes: dict[tuple[int, int], tuple[str, str]], result: BindResult) -> None:
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    for line_no in sorted({line for line, _ in changes}):
        if line_no > len(lines):
            result.stale.append(f"{path.name}:{line_no}")
            continue
        count = 0

        def swap(m: re.Match[str], line_no: int = line_no) -> str:
            nonlocal count
            count += 1
            change = changes.get((line_no, count))
            if change is None or change[0] != m.group(1):
                if change is not None:
                    result.stale.append(f"{path.name}:{line_no} 第{count}个（{change[0]}）")
                return m.group(0)
            return change[1] + (m.group(2) or "")  # the unit goes back into the text

        lines[line_no - 1] = UNBOUND_CALL.sub(swap, lines[line_no - 1])
    write_atomically(
        path, lambda tmp: tmp.write_text("\n".join(lines), encoding="utf-8"), what=path.name, hint="检查写权限。"
    )
    result.changed.append(path)
