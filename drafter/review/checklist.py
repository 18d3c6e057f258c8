"""The reviewer's checklist: a check report as an Excel workbook (`drafter check --xlsx`).

Sheet 核对清单 has one row a figure, in the order of the draft, then one row a
number that no figure backs; sheet 概况 says which draft, year and mode.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from drafter.outputs import check_output_name, write_atomically
from drafter.project.rules import KIND_LABELS
from drafter.review.batch import BatchCheck
from drafter.review.checker import (
    CONSISTENT,
    COPIED,
    EDITED,
    MOVED,
    REMOVED,
    STALE,
    STATUSES,
    UNBACKED,
    UNCHECKED,
    CheckReport,
)
from drafter.review.report_text import mode_label, render_rollup
from drafter.review.wordings import HAND_EDITED, REWORDED, reads_text

COLUMNS = (  # header, width, wrap
    ("编号", 7, False),
    ("部分", 18, True),
    ("句子", 60, True),
    ("草稿中的值", 14, True),
    ("生成时的值", 14, True),
    ("当前值", 14, True),
    ("状态", 11, False),
    ("说明", 36, True),
    ("查询", 24, True),
    ("数据源", 20, True),
    ("SQL", 70, True),
    ("位置", 26, True),  # in a table: 表1 第3行（key）“column”
)

_FILLS = {
    CONSISTENT: "E2EFDA",
    EDITED: "FCE4D6",
    STALE: "FFF2CC",
    REMOVED: "F8CBAD",
    UNCHECKED: "D9D9D9",
    UNBACKED: "DDEBF7",
    COPIED: "F4B183",
    MOVED: "F4B183",
    REWORDED: "FFD966",
    HAND_EDITED: "F4B183",
}
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_THIN = Side(style="thin", color="BFBFBF")


def rows(report: CheckReport) -> list[list[str]]:
    """The checklist's rows, without the header."""
    out = []
    for f in report.figures:
        out.append(
            [
                f.id,
                f.part,
                f.sentence,
                "" if f.draft_text is None else f.draft_text,
                "" if f.built_text is None else f.built_text,
                "" if f.current_text is None else f.current_text,
                f.status,
                f.note.strip(),
                "、".join(f.queries) + (f"\n{f.ref}" if f.ref else ""),
                "、".join(f.sources),
                f.sql,
                f.cell,
            ]
        )
    for n in report.unbacked:
        out.append(["", n.part, n.sentence, n.text, "", "", UNBACKED, n.note, "", "", "", n.cell])
    for t in report.tables:
        out.append(["", t.part, t.sentence, "", "", "", t.status, t.note, "", "", "", t.text])
    return out


WORDING_COLUMNS = (
    ("编号", 7),
    ("部分", 18),
    ("句子", 60),
    ("草稿中的措辞", 30),
    ("生成时", 30),
    ("数据现在给出的措辞", 30),
    ("状态", 11),
    ("条件", 40),
    ("说明", 36),
)
RULE_COLUMNS = (("规则", 30), ("种类", 16), ("位置", 24), ("问题", 60), ("数字", 50), ("明细", 60))


def wording_rows(report: CheckReport) -> list[list[str]]:
    """Sheet 条件措辞: one row a traced wording, the branch in the draft and the one the data give now."""
    out = []
    for w in report.wordings:
        built = f"{w.built_label}（{reads_text(w.built_reads)}）" if w.built_label is not None else ""
        condition = f"{w.condition}（{w.where}）；当前 {reads_text(w.current_reads)}"
        now = f"{w.current_label}：{w.current_text or '（无文字）'}"
        if w.plain:  # the template's plain text, reworded: as the template wrote it
            built, condition, now = f"模板写出的文字：{w.built_text}", f"无条件（{w.where}）", ""
        out.append(
            [
                w.id,
                w.part,
                w.sentence,
                w.draft_text or "",
                built,
                now,
                w.status,
                condition,
                w.note.strip(),
            ]
        )
    return out


def rule_rows(report: CheckReport) -> list[list[str]]:
    return [
        [r.rule, KIND_LABELS.get(r.kind, r.kind), r.where, r.message, r.values_text(), r.detail] for r in report.rules
    ]


def _extra_sheet(wb, title: str, columns, rows: list[list[str]]) -> None:
    ws = wb.create_sheet(title)
    ws.append([c[0] for c in columns])
    for row in rows:
        ws.append(row)
    for col, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        ws.cell(row=1, column=col).font = Font(bold=True, color="FFFFFF")
        ws.cell(row=1, column=col).fill = _HEADER_FILL
        for r in range(2, ws.max_row + 1):
            ws.cell(row=r, column=col).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def check_checklist_path(path: Path) -> None:
    """Refuse a checklist name before the check runs: it must be an .xlsx file."""
    check_output_name(path, (".xlsx",), "核对清单", "--xlsx 核对清单.xlsx")


def write_checklist(report: CheckReport, path: str | Path) -> Path:
    """Write the workbook (replacing an older one); returns its path."""
    path = Path(path)
    check_checklist_path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "核对清单"
    _fill_checklist(ws, report)
    if report.wordings:
        _extra_sheet(wb, "条件措辞", WORDING_COLUMNS, wording_rows(report))
    if report.rules:
        _extra_sheet(wb, "一致性规则", RULE_COLUMNS, rule_rows(report))
    _fill_info(wb.create_sheet("概况"), report)
    return write_atomically(
        path, wb.save, what="核对清单", hint="检查写权限；若该文件正在 Excel/WPS 中打开，请先关闭。"
    )


def _fill_checklist(ws, report: CheckReport) -> None:
    ws.append([c[0] for c in COLUMNS])
    for row in rows(report):
        ws.append(row)

    header_font = Font(bold=True, color="FFFFFF")
    for col, (_, width, wrap) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = width
        cell = ws.cell(row=1, column=col)
        cell.font = header_font
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        for r in range(2, ws.max_row + 1):
            ws.cell(row=r, column=col).alignment = Alignment(wrap_text=wrap, vertical="top")
            ws.cell(row=r, column=col).border = Border(bottom=_THIN)
    status_col = [c[0] for c in COLUMNS].index("状态") + 1
    for r in range(2, ws.max_row + 1):
        cell = ws.cell(row=r, column=status_col)
        color = _FILLS.get(cell.value)
        if color:
            cell.fill = PatternFill("solid", fgColor=color)
        if cell.value != CONSISTENT:
            cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    ws.row_dimensions[1].height = 20


def _fill_info(info, report: CheckReport) -> None:
    counts = report.counts()
    for key, value in (
        ("草稿", report.draft.name),
        *([("单位", report.unit)] if report.unit else []),
        ("期间", report.period_label),
        ("生成时间", (report.built_at or "—").replace("T", " ")),
        ("生成程序", report.generator or "—"),
        ("核对方式", mode_label(report)),
        *[(status, counts[status]) for status in counts],
        *[("注意", w) for w in report.warnings],
    ):
        info.append([key, value])
    info.column_dimensions["A"].width = 12
    info.column_dimensions["B"].width = 80
    for cell in info["A"]:
        cell.font = Font(bold=True)


_SHEET_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\'"})
SUMMARY_COLUMNS = ("工作表", "草稿", "单位", "期间", "核对方式", *[s for s in STATUSES], "结论", "注意")


def _sheet_name(index: int, report_name: str, used: set[str]) -> str:
    """`1-夏阳街道`: Excel's sheet names are at most 31 characters, without []:*?/\\."""
    base = f"{index}-{report_name.translate(_SHEET_FORBIDDEN)}"[:31]
    name, n = base, 2
    while name.lower() in used:
        name = f"{base[:28]}~{n}"
        n += 1
    used.add(name.lower())
    return name


def _verdict(report: CheckReport) -> str:
    """A draft's row in the batch's sheet 汇总: as the batch's summary line counts it."""
    if report.unchecked:
        return f"无法完全核对（{len(report.unchecked)} 个数字无法核对）"
    return "全部一致" if not report.findings else f"{len(report.findings)} 处发现"


def write_batch_checklist(batch: BatchCheck, path: str | Path) -> Path:
    """One workbook for a batch check: sheet 汇总 (a row a draft, then the rollups), then a
    checklist sheet per draft, named by its unit or file name."""
    path = Path(path)
    check_checklist_path(path)
    wb = Workbook()
    summary = wb.active
    summary.title = "汇总"
    summary.append(list(SUMMARY_COLUMNS))
    used = {"汇总"}
    for i, report in enumerate(batch.reports, start=1):
        name = _sheet_name(i, report.unit or report.draft.stem, used)
        counts = report.counts()
        verdict = _verdict(report)
        summary.append(
            [
                name,
                report.draft.name,
                report.unit or "",
                report.period_label,
                mode_label(report),
                *[counts[s] for s in STATUSES],
                verdict,
                "\n".join(report.warnings),
            ]
        )
        _fill_checklist(wb.create_sheet(name), report)
    for draft, error in batch.errors:
        summary.append(["", draft.name, "", "", "无法核对", *["" for _ in STATUSES], error.message, error.hint or ""])
    if batch.unmatched_keys:  # told once for the batch, as check and build tell them
        summary.append([])
        for warning in batch.unmatched_keys:
            summary.append(["", f"警告：{warning}"])
    if batch.rollups:
        summary.append([])
        summary.append(["汇总核对"])
        for rollup in batch.rollups:
            summary.append(["", render_rollup(rollup)])
    header_font = Font(bold=True, color="FFFFFF")
    for col in range(1, len(SUMMARY_COLUMNS) + 1):
        cell = summary.cell(row=1, column=col)
        cell.font, cell.fill = header_font, _HEADER_FILL
        summary.column_dimensions[get_column_letter(col)].width = 12
    summary.column_dimensions["A"].width = 16
    summary.column_dimensions["B"].width = 40
    summary.column_dimensions[get_column_letter(len(SUMMARY_COLUMNS))].width = 50
    summary.freeze_panes = "A2"
    return write_atomically(
        path, wb.save, what="核对汇总", hint="检查写权限；若该文件正在 Excel/WPS 中打开，请先关闭。"
    )
