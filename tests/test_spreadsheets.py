"""Spreadsheets as sources: an .xlsx workbook or a folder of .csv files, queried with SQL.

End to end: a project whose source is a workbook builds a draft whose figures equal counts
made directly from the cells; `check` sees the workbook change; bad workbooks are refused
with a message naming file, sheet and cell.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from reading import read_paragraphs

from drafter import build
from drafter.cli import main
from drafter.data.spreadsheets import is_spreadsheet, load_tables, open_spreadsheet
from drafter.errors import SourceError
from drafter.word.manifest import read_manifest

ROWS = [  # 区, 检查日期, 检查次数, 罚款金额, 企业代码
    ("东城区", dt.date(2025, 1, 5), 3, 1200.5, "0012"),
    ("西城区", dt.datetime(2025, 2, 5, 0, 0), 2, 300, "0013"),
    ("东城区", "2025-04-01", 1, None, "0014"),
    ("南城区", dt.date(2024, 12, 31), 7, 50, "0015"),  # another year
]


def _workbook(path: Path, rows=ROWS) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "检查记录"
    ws.append(["区", "检查日期", "检查\n次数", "罚款金额", "企业代码"])  # a line break typed in a header cell
    for row in rows:
        ws.append(list(row))
    wb.create_sheet("Sheet2")  # empty: no table
    wb.save(path)
    return path


def _project(root: Path, url: str, sql: str) -> Path:
    from drafter.word.master import build_master

    (root / "queries").mkdir(parents=True, exist_ok=True)
    (root / "templates/sections").mkdir(parents=True, exist_ok=True)
    (root / "config.yaml").write_text(
        f"report: {{agency: 测试局, year: 2025}}\nsources:\n  ledger:\n    url: {url}\n    description: 检查台账\n",
        encoding="utf-8",
    )
    (root / "queries/checks.sql").write_text(
        f"-- source: ledger\n-- description: 全年检查\n-- returns: row\n{sql}\n", encoding="utf-8"
    )
    (root / "templates/sections/1-工作.txt").write_text(
        "全年检查{{ checks.n }}条，共{{ checks.times }}次，罚款{{ checks.fine }}元。\n", encoding="utf-8"
    )
    build_master(root / "templates/report.docx")
    return root / "config.yaml"


SQL = (
    "SELECT COUNT(*) AS n, SUM(检查次数) AS times, SUM(罚款金额) AS fine FROM 检查记录 "
    "WHERE 检查日期 >= :period_start AND 检查日期 < :period_end"
)


def _expected(rows=ROWS):
    """The figures counted from the rows themselves, without SQL."""

    def day(v):
        return v.date() if isinstance(v, dt.datetime) else dt.date.fromisoformat(v) if isinstance(v, str) else v

    inside = [r for r in rows if dt.date(2025, 1, 1) <= day(r[1]) < dt.date(2026, 1, 1)]
    fine = sum(r[3] for r in inside if r[3] is not None)
    return len(inside), sum(r[2] for r in inside), fine


class TestPaths:
    def test_a_path_is_a_spreadsheet_and_a_url_is_not(self, tmp_path):
        (tmp_path / "csv").mkdir()
        assert is_spreadsheet("data/台账.xlsx") and is_spreadsheet("导出.CSV") and is_spreadsheet("旧台账.xls")
        assert is_spreadsheet("csv", tmp_path) and is_spreadsheet(str(tmp_path / "csv"))
        assert not is_spreadsheet("sqlite:///x.db") and not is_spreadsheet("postgresql+psycopg://u@h/db")
        # Neither a spreadsheet's name nor a folder that exists: a mistyped URL, told as one (exit 2).
        assert not is_spreadsheet("office database", tmp_path) and not is_spreadsheet("csv2", tmp_path)

    def test_a_folder_that_does_not_exist_is_a_url_that_cannot_be_parsed(self, tmp_path):
        config = _project(tmp_path, "导出", SQL)
        result = CliRunner().invoke(main, ["build", "-c", str(config)])
        assert result.exit_code == 2
        assert "数据源“ledger”的 URL 无法解析：导出" in result.output and "放 .csv 文件的已有文件夹" in result.output


class TestWorkbook:
    def test_types_are_inferred_per_column(self, tmp_path):
        tables, digest = load_tables(_workbook(tmp_path / "台账.xlsx"))
        assert [t.name for t in tables] == ["检查记录"]  # the empty Sheet2 is no table
        table = tables[0]
        assert [(c.name, c.kind) for c in table.columns] == [
            ("区", "TEXT"),
            ("检查日期", "DATE"),
            ("检查次数", "INTEGER"),
            ("罚款金额", "REAL"),
            ("企业代码", "TEXT"),
        ]
        assert table.rows[1] == ("西城区", "2025-02-05", 2, 300.0, "0013")  # leading zeros kept
        assert table.rows[2][1] == "2025-04-01" and table.rows[2][3] is None
        assert len(digest) == 64

    def test_a_build_over_a_workbook_gives_the_counts_of_its_cells(self, tmp_path):
        (tmp_path / "data").mkdir()
        book = _workbook(tmp_path / "data/台账.xlsx")
        before = book.read_bytes()
        config = _project(tmp_path, "data/台账.xlsx", SQL)
        result = build(config, output=tmp_path / "d.docx")
        n, times, fine = _expected()
        assert f"全年检查{n}条，共{times}次，罚款{fine:g}元。" in read_paragraphs(result.path)
        assert book.read_bytes() == before  # only read
        manifest = read_manifest(docx.Document(str(result.path)))
        assert manifest.sources["ledger"].file == "data/台账.xlsx"
        assert manifest.sources["ledger"].sha256 == load_tables(book)[1]

    def test_the_path_is_relative_to_config_yaml_not_the_working_directory(self, tmp_path, monkeypatch):
        _workbook(tmp_path / "台账.xlsx")
        config = _project(tmp_path / "p", "../台账.xlsx", SQL)
        monkeypatch.chdir(tmp_path / "p/queries")
        result = build(config, output=tmp_path / "d.docx")
        assert not result.failures

    def test_the_copy_in_memory_refuses_writes(self, tmp_path):
        engine = open_spreadsheet("ledger", _workbook(tmp_path / "台账.xlsx"))
        from sqlalchemy import event, text

        from drafter.data.sources import _session_setup
        from drafter.project.config import SourceSettings

        settings = SourceSettings(url="台账.xlsx", timeout=5)
        event.listen(engine, "connect", _session_setup("ledger", "sqlite", settings))
        with engine.connect() as conn:
            with pytest.raises(Exception, match=r"readonly|read-only|query_only"):
                conn.execute(text("DELETE FROM 检查记录"))
            assert conn.execute(text("SELECT COUNT(*) FROM 检查记录")).scalar() == 4
        engine.dispose()

    def test_a_build_with_comparisons_parses_the_workbook_once(self, tmp_path, monkeypatch):
        import drafter.data.spreadsheets as spreadsheets

        book = _workbook(tmp_path / "台账.xlsx")
        config = _project(tmp_path, "台账.xlsx", SQL)
        (tmp_path / "templates/sections/1-工作.txt").write_text(
            "全年检查{{ checks.n }}条，上年{{ prev.checks.n }}条，上期{{ last.checks.n }}条。\n", encoding="utf-8"
        )
        calls = []
        parse = spreadsheets._workbook_tables
        monkeypatch.setattr(spreadsheets, "_workbook_tables", lambda *a: calls.append(a[0]) or parse(*a))
        result = build(config, output=tmp_path / "d.docx")
        assert not result.failures
        assert "全年检查3条，上年1条，上期1条。" in read_paragraphs(result.path)
        assert len(calls) == 1  # three runs (this year, prev, last), one parse of the same bytes
        wb = openpyxl.load_workbook(book)
        wb["检查记录"]["A2"] = "北城区"
        wb.save(book)
        build(config, output=tmp_path / "e.docx")
        assert len(calls) == 2  # changed bytes are read again

    def test_merged_cells_below_the_header_give_their_value_to_every_cell(self, tmp_path):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "台账"
        ws.append(["区", "企业"])
        ws.append(["东城区", "甲"])
        ws.append([None, "乙"])
        ws.merge_cells("A2:A3")
        wb.save(tmp_path / "m.xlsx")
        rows = load_tables(tmp_path / "m.xlsx")[0][0].rows
        assert rows == [("东城区", "甲"), ("东城区", "乙")]

    def test_check_notices_that_the_workbook_changed(self, tmp_path):
        book = _workbook(tmp_path / "台账.xlsx")
        config = _project(tmp_path, "台账.xlsx", SQL)
        draft = build(config, output=tmp_path / "d.docx").path
        same = CliRunner().invoke(main, ["check", str(draft), "-c", str(config)])
        assert same.exit_code == 0 and "已修改" not in same.output
        wb = openpyxl.load_workbook(book)
        wb["检查记录"]["C3"] = 5  # 西城区: 2 → 5 checks
        wb.save(book)
        changed = CliRunner().invoke(main, ["check", str(draft), "-c", str(config)])
        assert "数据源“ledger”的表格文件 台账.xlsx 自生成草稿以来已修改" in changed.output
        assert "[数据已变化]" in changed.output and "当前数据：“9”" in changed.output
        assert changed.exit_code == 1

    def test_a_change_that_leaves_every_figure_alone_is_still_told(self, tmp_path):
        book = _workbook(tmp_path / "台账.xlsx")
        config = _project(tmp_path, "台账.xlsx", SQL)
        draft = build(config, output=tmp_path / "d.docx").path
        wb = openpyxl.load_workbook(book)
        wb["检查记录"]["E2"] = "0099"  # a column no query reads
        wb.save(book)
        result = CliRunner().invoke(main, ["check", str(draft), "-c", str(config)])
        assert "自生成草稿以来已修改" in result.output and "全部一致" in result.output
        assert result.exit_code == 0


class TestCsvFolder:
    def test_each_csv_file_is_a_table_named_as_the_file(self, tmp_path):
        folder = tmp_path / "csv"
        folder.mkdir()
        (folder / "检查记录.csv").write_text(
            "区,检查日期,检查次数,罚款金额,企业代码\n"
            + "".join(
                f"{r[0]},{(r[1].date() if isinstance(r[1], dt.datetime) else r[1])},{r[2]},"
                f"{'' if r[3] is None else r[3]},{r[4]}\n"
                for r in ROWS
            ),
            encoding="utf-8-sig",
        )
        # Excel on Chinese Windows saves CSV in GBK.
        (folder / "单位.csv").write_bytes("区,单位名称\n东城区,东城执法大队\n".encode("gb18030"))
        (folder / "说明.txt").write_text("not a table", encoding="utf-8")
        tables, _ = load_tables(folder)
        assert sorted(t.name for t in tables) == ["单位", "检查记录"]
        config = _project(tmp_path, "csv", SQL + " AND 区 IN (SELECT 区 FROM 单位) OR 区 = '西城区'")
        result = build(config, output=tmp_path / "d.docx")
        assert not result.failures
        assert "全年检查3条，共6次，罚款1500.5元。" in read_paragraphs(result.path)

    def test_a_csv_row_with_more_fields_than_the_header_is_named(self, tmp_path):
        (tmp_path / "a.csv").write_text("区,次数\n东城区,1\n西城区,2,3\n", encoding="utf-8")
        with pytest.raises(SourceError) as info:
            load_tables(tmp_path / "a.csv")
        assert "a.csv 第 3 行有 3 列，而表头只有 2 列" in info.value.render()

    def test_a_folder_without_csv_files(self, tmp_path):
        (tmp_path / "empty").mkdir()
        with pytest.raises(SourceError, match=r"没有 \.csv 文件"):
            load_tables(tmp_path / "empty")


def _sheet(path: Path, rows: list[list], merge: str | None = None, title: str = "检查记录") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


class TestBadWorkbooks:
    @pytest.mark.parametrize(
        "rows, merge, needles",
        [
            ([[None, None], ["东城区", 3]], None, ["工作表“检查记录”没有表头：第 1 行是空的"]),
            ([[2025, 3], ["东城区", 3]], None, ["工作表“检查记录”没有表头：第 1 行是数据（A1 是 2025）"]),
            (
                [["执法检查台账", None], ["区", "次数"], ["东城区", 3]],
                "A1:B1",
                ["工作表“检查记录”表头有合并单元格 A1:B1", "取消合并"],
            ),
            ([["区", "次数", "区"], ["东城区", 3, "x"]], None, ["工作表“检查记录”有两列同名“区”（A1 和 C1）"]),
            ([["区", None, "次数"], ["东城区", 3, 4]], None, ["工作表“检查记录”的表头 B1 是空的，而这一列有数据"]),
        ],
        ids=["no-header", "data-in-row-1", "merged-header", "duplicate-name", "empty-name"],
    )
    def test_is_refused_naming_file_sheet_and_cell(self, tmp_path, rows, merge, needles):
        book = _sheet(tmp_path / "台账.xlsx", rows, merge)
        with pytest.raises(SourceError) as info:
            load_tables(book)
        message = info.value.render()
        assert str(book) in message and "台账.xlsx" in message
        for needle in needles:
            assert needle in message
        assert info.value.hint

    def test_a_bad_workbook_in_a_build_is_one_warning_and_placeholders(self, tmp_path):
        _sheet(tmp_path / "台账.xlsx", [["区", "检查次数", "区"], ["东城区", 3, "x"]])
        config = _project(tmp_path, "台账.xlsx", SQL)
        result = CliRunner().invoke(main, ["build", "-c", str(config), "-o", str(tmp_path / "d.docx")])
        assert result.exit_code == 1
        assert "有两列同名“区”（A1 和 C1）" in result.output and "Traceback" not in result.output
        strict = CliRunner().invoke(main, ["build", "-c", str(config), "-o", str(tmp_path / "e.docx"), "--strict"])
        assert strict.exit_code == 1 and "有两列同名“区”" in strict.output
        assert not (tmp_path / "e.docx").exists()

    def test_a_formula_without_a_stored_result_is_refused_naming_its_cell(self, tmp_path):
        book = _sheet(tmp_path / "台账.xlsx", [["区", "次数", "合计"], ["东城区", 3, "=B2*2"]])
        with pytest.raises(SourceError) as info:
            load_tables(book)
        assert "工作表“检查记录”单元格 C2 是公式，但文件中没有保存它的计算结果" in info.value.render()
        assert "打开后保存一次" in info.value.render()

    def test_a_formula_with_its_stored_result_reads_as_the_result(self, tmp_path):
        import zipfile

        book = _sheet(tmp_path / "台账.xlsx", [["区", "次数", "合计"], ["东城区", 3, "=B2*2"]])
        # As Excel saves it: the formula and its cached value.
        with zipfile.ZipFile(book) as z:
            parts = {n: z.read(n) for n in z.namelist()}
        sheet = "xl/worksheets/sheet1.xml"
        assert b"<f>B2*2</f>" in parts[sheet]
        parts[sheet] = (
            parts[sheet]
            .replace(b"<f>B2*2</f><v></v>", b"<f>B2*2</f><v>6</v>")
            .replace(b"<f>B2*2</f></c>", b"<f>B2*2</f><v>6</v></c>")
        )
        with zipfile.ZipFile(book, "w") as z:
            for name, data in parts.items():
                z.writestr(name, data)
        assert load_tables(book)[0][0].rows == [("东城区", 3, 6)]

    def test_a_sheet_a_query_needs_is_missing(self, tmp_path):
        _workbook(tmp_path / "台账.xlsx")
        config = _project(tmp_path, "台账.xlsx", SQL.replace("FROM 检查记录", "FROM 检查台账"))
        result = CliRunner().invoke(main, ["build", "-c", str(config), "-o", str(tmp_path / "d.docx")])
        assert result.exit_code == 1
        out = result.output
        assert "queries/checks.sql: 查询 checks 用到的表“检查台账”在工作簿 台账.xlsx 中没有" in out
        assert "现有的工作表：检查记录" in out and "Traceback" not in out

    def test_a_column_a_query_needs_is_missing(self, tmp_path):
        _workbook(tmp_path / "台账.xlsx")
        config = _project(tmp_path, "台账.xlsx", SQL.replace("SUM(检查次数)", "SUM(检查人次)"))
        result = CliRunner().invoke(main, ["build", "-c", str(config), "-o", str(tmp_path / "d.docx")])
        assert "用到的列“检查人次”在工作簿 台账.xlsx 的表头中没有" in result.output
        assert "检查记录：区、检查日期、检查次数、罚款金额、企业代码" in result.output

    @pytest.mark.parametrize(
        "name, needle",
        [
            ("台账.xls", "旧版或其他格式"),
            ("缺失.xlsx", "找不到数据源文件"),
            ("notes.txt", "不是 .xlsx 工作簿"),
        ],
    )
    def test_files_that_are_no_workbook(self, tmp_path, name, needle):
        if name != "缺失.xlsx":
            (tmp_path / name).write_bytes(b"\xd0\xcf\x11\xe0 old")
        with pytest.raises(SourceError, match=needle):
            load_tables(tmp_path / name)

    def test_a_file_named_xlsx_that_is_not_one(self, tmp_path):
        (tmp_path / "x.xlsx").write_text("区,次数\n", encoding="utf-8")
        with pytest.raises(SourceError, match="无法作为 Excel 工作簿打开"):
            load_tables(tmp_path / "x.xlsx")

    def test_lint_accepts_a_spreadsheet_source(self, tmp_path):
        _workbook(tmp_path / "台账.xlsx")
        config = _project(tmp_path, "台账.xlsx", SQL)
        result = CliRunner().invoke(main, ["lint", "-c", str(config)])
        assert result.exit_code == 0, result.output

    def test_lint_reads_the_workbook_and_names_the_cell(self, tmp_path):
        _sheet(tmp_path / "台账.xlsx", [["区", None, "次数"], ["东城区", 3, 4]])
        config = _project(tmp_path, "台账.xlsx", SQL)
        result = CliRunner().invoke(main, ["lint", "-c", str(config)])
        assert result.exit_code == 1
        assert (
            f"{tmp_path / '台账.xlsx'}: 数据源“ledger”：台账.xlsx 的工作表“检查记录”的表头 B1 是空的" in result.output
        )
        (tmp_path / "台账.xlsx").unlink()
        missing = CliRunner().invoke(main, ["lint", "-c", str(config)])
        assert missing.exit_code == 1 and "数据源“ledger”：找不到数据源文件" in missing.output


def test_a_sqlite_database_source_has_no_content_hash(tmp_path):
    with sqlite3.connect(tmp_path / "x.db") as conn:
        conn.execute("CREATE TABLE 检查记录 (区 TEXT, 检查日期 TEXT, 检查次数 INT, 罚款金额 REAL)")
    config = _project(tmp_path, "sqlite:///x.db", SQL)
    result = build(config, output=tmp_path / "d.docx")
    manifest = read_manifest(docx.Document(str(result.path)))
    assert manifest.sources["ledger"].sha256 is None and manifest.sources["ledger"].file is None


def test_a_damaged_sheet_is_named_not_a_traceback(tmp_path):
    import zipfile

    book = tmp_path / "台账.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "检查记录"
    wb.active.append(["区", "次数"])
    wb.active.append(["东城区", 3])
    wb.save(book)
    with zipfile.ZipFile(book) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"][:200]  # cut off mid-element
    with zipfile.ZipFile(book, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(SourceError) as info:
        load_tables(book)
    assert "台账.xlsx" in info.value.message and "检查记录" in info.value.message


def test_a_million_cells_keep_their_types_column_by_column(tmp_path):
    """The fast column passes give what the cell-by-cell reading gives: text with a leading
    zero stays text, a bad date makes its column text, a line break inside a cell is kept."""
    (tmp_path / "记录.csv").write_text(
        "代码,数,小数,日期,坏日期,备注\n"
        '0012,1,1.5,2025-01-02,2025-02-30,"两行\n文字"\n'
        "0013,-2,3,2025-12-31,2025-01-01,\n"
        " 0014 ,,,,,普通\n",
        encoding="utf-8",
    )
    (table,) = load_tables(tmp_path / "记录.csv")[0]
    assert [(c.name, c.kind) for c in table.columns] == [
        ("代码", "TEXT"),
        ("数", "INTEGER"),
        ("小数", "REAL"),
        ("日期", "DATE"),
        ("坏日期", "TEXT"),
        ("备注", "TEXT"),
    ]
    assert table.rows[0] == ("0012", 1, 1.5, "2025-01-02", "2025-02-30", "两行\n文字")
    assert table.rows[2] == ("0014", None, None, None, None, "普通")


# A CSV file and a workbook covering each type rule and edge case, and the tables drafter
# loaded from them before the loading was made fast (read cell by cell into Python rows):
# the fast load must give exactly these, read in one batch or many.
LEDGER_CSV = (
    "代码,整数,小数,ISO日期,中文日期,日期时间,坏日期,混合,数与日期,地址,备注,空列,全角,大数,\n"
    '0012,1,1.5,2025-01-02,2025年3月1日,2025-01-02 10:30,2025-02-30,1,1,3号楼,"两行\n文字",,1２,12345678901234567,\n'
    "0013,-2,3,2025-12-31,2025/3/2,2025-01-03,2025-01-01,2025-01-01,2025-01-01,12,,,3,-9,\n"
    "\n"  # a blank row inside the table is kept, as a row of empty cells
    " 0014 ,+3,,,2025.3.3,2025/1/4 8:05:09,,x,,, 普通 ,,,0\n"  # a short row
    ",,-0.25,2024-02-29,,,2025-1-1,,,4,,,,,,,\n"  # a long row whose extra cells are empty
    "0015,0\n"
    ",,,,\n"  # blank rows at the end are dropped
    "\n"
)
LEDGER_CSV_TABLE = (
    [
        ("代码", "TEXT"),
        ("整数", "INTEGER"),
        ("小数", "REAL"),
        ("ISO日期", "DATE"),
        ("中文日期", "DATE"),
        ("日期时间", "DATETIME"),
        ("坏日期", "TEXT"),
        ("混合", "TEXT"),
        ("数与日期", "TEXT"),
        ("地址", "TEXT"),
        ("备注", "TEXT"),
        ("空列", "TEXT"),
        ("全角", "INTEGER"),
        ("大数", "INTEGER"),
    ],
    [
        (
            "0012",
            1,
            1.5,
            "2025-01-02",
            "2025-03-01",
            "2025-01-02 10:30:00",
            "2025-02-30",
            "1",
            "1",
            "3号楼",
            "两行\n文字",
            None,
            12,
            12345678901234567,
        ),
        (
            "0013",
            -2,
            3.0,
            "2025-12-31",
            "2025-03-02",
            "2025-01-03",
            "2025-01-01",
            "2025-01-01",
            "2025-01-01",
            "12",
            None,
            None,
            3,
            -9,
        ),
        (None,) * 14,
        ("0014", 3, None, None, "2025-03-03", "2025-01-04 08:05:09", None, "x", None, None, "普通", None, None, 0),
        (None, None, -0.25, "2024-02-29", None, None, "2025-1-1", None, None, "4", None, None, None, None),
        ("0015", 0) + (None,) * 12,
    ],
)


def _ledger_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "记录"
    ws.append(["区", "整数", "小数", "日期", "日期时间", "时刻", "布尔", "代码", "数字文本", "混合", 2025, None, "空"])
    ws.append(
        [
            "东城区",
            3,
            1200.5,
            dt.date(2025, 1, 5),
            dt.datetime(2025, 1, 5, 9, 30),
            dt.time(8, 15),
            True,
            "0012",
            "12",
            1.5,
            "a",
            None,
            None,
        ]
    )
    ws.append(
        [
            "西城区",
            2.0,
            300,
            dt.datetime(2025, 2, 5),
            dt.date(2025, 2, 6),
            dt.time(9, 0),
            False,
            "0013",
            "13",
            "x",
            "b",
            None,
            None,
        ]
    )
    ws.append(
        [
            None,
            None,
            None,
            "2025-04-01",
            "2025-04-01 10:00",
            None,
            None,
            None,
            None,
            dt.date(2025, 1, 1),
            None,
            None,
            None,
        ]
    )
    ws.append(["合并", 7, 2**60, dt.date(2024, 12, 31), None, None, None, " 0015 ", "-4", 3, "c", None, None])
    ws.append(["", None, None, None, None, None, None, None, None, None, None, None, None])
    ws.append(
        ["南城区", -1, -0.5, None, dt.datetime(2025, 3, 1, 23, 59, 59), None, True, "", "+5", None, "d", None, None]
    )
    ws.merge_cells("A5:A6")
    wb.create_sheet("空表")
    wb.create_sheet("第二张").append(["名称", "数"])
    wb["第二张"].append(["甲", 1])
    wb.save(path)
    return path


LEDGER_WORKBOOK_TABLES = {
    "记录": (
        [
            ("区", "TEXT"),
            ("整数", "INTEGER"),
            ("小数", "REAL"),
            ("日期", "DATE"),
            ("日期时间", "DATETIME"),
            ("时刻", "TEXT"),
            ("布尔", "INTEGER"),
            ("代码", "TEXT"),
            ("数字文本", "INTEGER"),
            ("混合", "TEXT"),
            ("2025", "TEXT"),
            ("空", "TEXT"),
        ],
        [
            ("东城区", 3, 1200.5, "2025-01-05", "2025-01-05 09:30:00", "08:15:00", 1, "0012", 12, "1.5", "a", None),
            ("西城区", 2, 300.0, "2025-02-05", "2025-02-06", "09:00:00", 0, "0013", 13, "x", "b", None),
            (None, None, None, "2025-04-01", "2025-04-01 10:00:00", None, None, None, None, "2025-01-01", None, None),
            ("合并", 7, float(2**60), "2024-12-31", None, None, None, "0015", -4, "3", "c", None),
            ("合并",) + (None,) * 11,
            ("南城区", -1, -0.5, None, "2025-03-01 23:59:59", None, 1, None, 5, None, "d", None),
        ],
    ),
    "第二张": ([("名称", "TEXT"), ("数", "INTEGER")], [("甲", 1)]),
}


@pytest.mark.parametrize("batch", [2, 3, 20_000])
def test_a_ledger_loads_as_it_did_cell_by_cell(tmp_path, monkeypatch, batch):
    from drafter.data import spreadsheets

    monkeypatch.setattr(spreadsheets, "_BATCH_ROWS", batch)
    (tmp_path / "台账.csv").write_text(LEDGER_CSV, encoding="utf-8")
    (table,) = load_tables(tmp_path / "台账.csv")[0]
    assert ([(c.name, c.kind) for c in table.columns], table.rows) == LEDGER_CSV_TABLE
    tables = load_tables(_ledger_workbook(tmp_path / "台账.xlsx"))[0]
    assert {t.name: ([(c.name, c.kind) for c in t.columns], t.rows) for t in tables} == LEDGER_WORKBOOK_TABLES


def _reference(columns: list[list[str]]) -> tuple[list[str], list[tuple]]:
    """Kinds and rows of CSV columns worked out one cell at a time by the rules (`_classify`)."""
    from drafter.data.spreadsheets import _classify, _column_kind, _iso

    kinds, out = [], []
    for cells in columns:
        classified = [_classify(c) for c in cells]
        kind = _column_kind({k for k, _ in classified})
        values = []
        for original, (_, value) in zip(cells, classified):
            if value is None:
                values.append(None)
            elif kind == "INTEGER":
                values.append(int(value))
            elif kind == "REAL":
                values.append(float(value))
            elif kind in ("DATE", "DATETIME"):
                values.append(_iso(value))
            else:
                values.append(original.strip())
        kinds.append(kind)
        out.append(values)
    return kinds, list(zip(*out))


def test_random_columns_load_as_the_cell_by_cell_rules_say(tmp_path, monkeypatch):
    """Columns drawn from values of every kind, read in batches of 3 rows: the column kinds
    and values are those the per-cell rules give, whichever batch a value falls in."""
    import csv
    import random

    from drafter.data import spreadsheets

    monkeypatch.setattr(spreadsheets, "_BATCH_ROWS", 3)
    pools = [
        ["1", "-2", "+3", "0", " 7 ", ""],
        ["1", "2.5", "-0.25", ""],
        ["2025-01-02", "2024-02-29", ""],
        ["2025-01-02", "2025/3/1", "2025年3月1日", "2025-01-02 10:30", ""],
        ["2025-02-30", "2025-01-02", "1", ""],
        ["0012", "12", "x", "", "3号楼"],
        ["1", "2025-01-02", ""],
        ["12345678901234567890", "1", ""],  # too long for SQLite's integers: text
        ["99999999999999999999", "9223372036854775807", "-9223372036854775808", "2.5", ""],
        ["", " "],
    ]
    rng = random.Random(21)
    for attempt in range(30):
        columns = [[rng.choice(pool) for _ in range(rng.randint(1, 9))] for pool in pools]
        height = max(map(len, columns))
        columns = [c + [""] * (height - len(c)) for c in columns]
        rows = list(zip(*columns))
        while rows and not any(v.strip() for v in rows[-1]):
            rows.pop()
        path = tmp_path / f"r{attempt}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([[f"列{i}" for i in range(len(pools))], *rows])
        kinds, expected = _reference([list(c) for c in zip(*rows)] if rows else [[] for _ in pools])
        (table,) = load_tables(path)[0]
        assert [c.kind for c in table.columns] == [k if k != "NULL" else "TEXT" for k in kinds], rows
        assert table.rows == expected, rows
