"""Write the bulletin example's data: an Excel 台账 and a folder of CSV exports.

    python examples/bulletin/make_data.py            # writes examples/bulletin/data/

The data of a fictional city bureau (云川市市场监督管理局) and its five district units for
2024 and 2025: every inspection with its date, unit, object and findings, the monthly
inspection plan of each unit (workbook 执法检查台账.xlsx, sheets 检查记录 and 检查计划), and
the cases opened after inspections (folder 案件/, file 立案.csv). The same bytes every time:
a fixed random seed, fixed workbook dates and zip member dates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import sys
import zipfile
from pathlib import Path

UNITS = {  # unit → (monthly plan, how far it keeps to the plan)
    "清河分局": (34, 1.08),
    "白沙分局": (28, 0.97),
    "松岭分局": (22, 0.84),
    "临江分局": (30, 1.01),
    "开发区分局": (18, 0.91),
}
OBJECT_TYPES = ("食品经营", "特种设备", "药品零售", "网络交易", "计量器具")
CASE_CAUSES = {
    "食品经营": "食品安全",
    "特种设备": "特种设备安全",
    "药品零售": "药品质量",
    "网络交易": "不正当竞争",
    "计量器具": "计量违法",
}
FIRST, LAST = dt.date(2024, 1, 1), dt.date(2025, 12, 31)
WORKBOOK = "执法检查台账.xlsx"
CASES = "案件/立案.csv"
FIXED = dt.datetime(2026, 1, 5, 9, 0, 0)


def _months():
    day = FIRST
    while day <= LAST:
        yield day
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def generate(seed: int = 2025) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """(inspections, plan, cases) as rows, in the order they are written."""
    rng = random.Random(seed)
    inspections: list[tuple] = []
    plan: list[tuple] = []
    cases: list[tuple] = []
    number = 0
    for month in _months():
        days = ((dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)) - month).days
        # A slower first quarter, a busier fourth, and a little more each year.
        season = {1: 0.85, 2: 1.0, 3: 1.0, 4: 1.12}[(month.month - 1) // 3 + 1] * (1.06 if month.year == 2025 else 1.0)
        for unit, (monthly, keeps) in UNITS.items():
            planned = round(monthly * (1.1 if month.year == 2025 else 1.0))
            plan.append((unit, month, planned))
            done = max(0, round(planned * keeps * season * rng.uniform(0.85, 1.15)))
            for _ in range(done):
                number += 1
                kind = rng.choices(OBJECT_TYPES, weights=(40, 15, 15, 20, 10))[0]
                day = month + dt.timedelta(days=rng.randrange(days))
                problems = 0 if rng.random() < 0.68 else rng.choices((1, 2, 3, 4, 5), weights=(40, 25, 15, 12, 8))[0]
                ordered = "是" if problems and rng.random() < 0.75 else "否"
                subject = f"{unit[:2]}{rng.randrange(1, 260):04d}"
                inspections.append((f"JC{day:%Y%m}{number:05d}", day, unit, subject, kind, problems, ordered))
                if problems >= 3 and rng.random() < 0.45:
                    opened = day + dt.timedelta(days=rng.randrange(3, 25))
                    if opened <= LAST:
                        fine = rng.randrange(20, 1500) * 100
                        cases.append((f"AJ{opened:%Y}{len(cases) + 1:04d}", opened, unit, CASE_CAUSES[kind], fine))
    cases.sort(key=lambda c: (c[1], c[0]))
    return inspections, plan, cases


def _reproducible(data: bytes) -> bytes:
    """The same package with fixed member dates, and the save time openpyxl writes as
    `modified` replaced by the fixed one."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*",
                    rb"\g<1>" + FIXED.strftime("%Y-%m-%dT%H:%M:%SZ").encode(),
                    content,
                )
            dst.writestr(fixed, content)
    return out.getvalue()


def workbook_bytes(inspections: list[tuple], plan: list[tuple]) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "检查记录"
    ws.append(["检查编号", "检查日期", "检查单位", "检查对象", "对象类型", "发现问题数", "责令整改"])
    for row in inspections:
        ws.append(list(row))
    for row in range(2, ws.max_row + 1):
        ws.cell(row, 2).number_format = "yyyy-mm-dd"
    sheet = wb.create_sheet("检查计划")
    sheet.append(["单位", "计划月份", "计划检查数"])
    for row in plan:
        sheet.append(list(row))
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, 2).number_format = "yyyy-mm"
    for s in (ws, sheet):
        for cell in s[1]:
            cell.font = Font(bold=True)
        s.freeze_panes = "A2"
    wb.properties.created = wb.properties.modified = FIXED
    wb.properties.creator = "examples/bulletin/make_data.py"
    buffer = io.BytesIO()
    wb.save(buffer)
    return _reproducible(buffer.getvalue())


def cases_text(cases: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["案件编号", "立案日期", "办案单位", "案由类别", "罚没金额"])
    for number, opened, unit, cause, fine in cases:
        writer.writerow([number, opened.isoformat(), unit, cause, fine])
    return out.getvalue()


def write(target: Path) -> list[Path]:
    inspections, plan, cases = generate()
    book = target / WORKBOOK
    csv_file = target / CASES
    csv_file.parent.mkdir(parents=True, exist_ok=True)
    book.write_bytes(workbook_bytes(inspections, plan))
    csv_file.write_text(cases_text(cases), encoding="utf-8-sig")  # with BOM: Excel opens it as UTF-8
    return [book, csv_file]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "data"
    for path in write(target):
        print(path)
