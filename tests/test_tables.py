"""Tables, ranked lists and charts from `rows` queries, and `check` on them.

The project is the shipped sample with its appendix 数据汇总表 switched on (two tables,
one with a two-line merged header and a 合计 row) plus one section holding a table over a
query of many rows, a ranked sentence, numbered paragraphs and a chart. Drafts are built
into tmp_path, read back with python-docx, edited like an editor would in Word, and checked.
"""

from __future__ import annotations

import copy
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from openpyxl import load_workbook
from reading import paragraph_text

from drafter import build, check
from drafter.errors import TemplateError
from drafter.outcome import check_exit_code
from drafter.review.annotate import annotate
from drafter.review.checker import CONSISTENT, EDITED, REMOVED, STALE, UNBACKED
from drafter.review.checklist import write_checklist
from drafter.review.report_text import render_check, summary
from drafter.review.scan import control_id, run_text
from drafter.review.tables import TableFinding
from drafter.text.blocks import mark_table_lines, split_cells
from drafter.text.lists import cn_sep
from drafter.word.gongwen import StyleSettings
from drafter.word.manifest import read_manifest

SECTION = """\
五、数据附表
表：{{ year }}年检查次数较多的企业
单位：家次
| 企业 | 检查 | 出动人员 |
{% for r in enterprise_checks %}
| {{ r.enterprise_name }} | {{ r.inspections }} | {{ r.officer_trips }} |
{% endfor %}
检查较多的行业领域依次为{% for r in inspections_by_industry | top(3, "inspections") %}{{ r.industry }}（{{ r.inspections }}家次）{{ loop | cn_sep }}{% endfor %}。
前两位是{{ inspections_by_industry | top(2, "inspections") | join_cn("industry") }}。
{% for r in inspections_by_industry | top(5, "hazards_found") %}
{{ loop.index }}.{{ r.industry }}，发现隐患{{ r.hazards_found }}项。
{% endfor %}
{{ chart(inspections_by_industry, "bar", x="industry", y="inspections", title="各行业领域检查家次", unit="家次") }}
"""

ENTERPRISE_CHECKS = """\
-- source: enforcement
-- description: 检查次数较多的企业
-- returns: rows
SELECT enterprise_name, COUNT(*) AS inspections, COALESCE(SUM(officer_count), 0) AS officer_trips
FROM inspection
WHERE inspected_on >= :period_start AND inspected_on < :period_end
GROUP BY enterprise_name
ORDER BY COUNT(*) DESC, enterprise_name
LIMIT 60
"""


def make_project(sample_project: Path, target: Path) -> Path:
    shutil.copytree(sample_project.parent, target)
    config = target / "config.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("enabled: false", "enabled: true"), encoding="utf-8")
    (target / "queries/enforcement/enterprise_checks.sql").write_text(ENTERPRISE_CHECKS, encoding="utf-8")
    (target / "templates/sections/5-数据附表.txt").write_text(SECTION, encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def project(sample_project, tmp_path_factory) -> Path:
    return make_project(sample_project, tmp_path_factory.mktemp("tables") / "project")


@pytest.fixture(scope="module")
def draft(project) -> Path:
    return build(project, output=project.parent / "tables.docx", force=True).path


@pytest.fixture
def project_copy(project, draft, tmp_path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(project.parent, target)
    return target / "config.yaml"


def db_rows(project: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(project.parent / "sample/enforcement.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


BY_INDUSTRY = (
    "SELECT industry, COUNT(*), SUM(officer_count), SUM(hazards_found), SUM(hazards_cleared) "
    "FROM inspection WHERE inspected_on >= '2025-01-01' AND inspected_on < '2026-01-01' "
    "GROUP BY industry ORDER BY COUNT(*) DESC, industry"
)


def cell_text(cell) -> str:
    return paragraph_text(cell._tc).strip()


def tables_of(path: Path):
    doc = Document(str(path))
    return doc, doc.tables


def table_titled(doc, title_part: str):
    """The table whose title paragraph (just before it) holds `title_part`."""
    body = doc.element.body
    for tbl in body.iter(qn("w:tbl")):
        prev = tbl.getprevious()
        while prev is not None and prev.tag == qn("w:p") and paragraph_text(prev).startswith("单位"):
            prev = prev.getprevious()
        if prev is not None and title_part in paragraph_text(prev):
            return next(t for t in doc.tables if t._tbl is tbl), paragraph_text(prev)
    raise AssertionError(f"no table titled {title_part}")


# --------------------------------------------------------------------------- reading the tables back


def test_a_table_reads_back_with_its_cells_from_the_query(project, draft):
    doc, _ = tables_of(draft)
    table, title = table_titled(doc, "分行业领域执法检查情况")
    assert re.fullmatch(r"表\d+\u30002025年分行业领域执法检查情况", title)
    rows = [[cell_text(c) for c in r.cells] for r in table.rows]
    expected = db_rows(project, BY_INDUSTRY)
    assert rows[2 : 2 + len(expected)] == [[str(v) for v in row] for row in expected]
    totals = db_rows(
        project,
        "SELECT COUNT(*), SUM(officer_count), SUM(hazards_found), SUM(hazards_cleared) "
        "FROM inspection WHERE inspected_on >= '2025-01-01' AND inspected_on < '2026-01-01'",
    )[0]
    assert rows[-1] == ["合计", *map(str, totals)]
    unit = paragraph_text(table._tbl.getprevious())
    assert unit == "单位：家次、人次、项"


def test_a_two_line_header_merges_across_and_down(draft):
    doc, _ = tables_of(draft)
    table, _ = table_titled(doc, "分行业领域执法检查情况")
    first, second = table.rows[0]._tr, table.rows[1]._tr
    tcs = first.findall(qn("w:tc"))
    spans = [tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}") for tc in tcs]
    assert [paragraph_text(tc).strip() for tc in tcs] == ["行业领域", "执法检查", "安全隐患"]
    assert [None if s is None else s.get(qn("w:val")) for s in spans] == [None, "2", "2"]
    down = [tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}") for tc in second.findall(qn("w:tc"))]
    assert down[0] is not None and down[0].get(qn("w:val")) in (None, "continue")
    assert tcs[0].find(f"{qn('w:tcPr')}/{qn('w:vMerge')}").get(qn("w:val")) == "restart"
    assert [paragraph_text(tc).strip() for tc in second.findall(qn("w:tc"))][1:] == [
        "检查企业",
        "出动人员",
        "发现",
        "消除",
    ]
    # python-docx sees the merged grid: the top-left cell spans both header rows
    assert table.cell(0, 0)._tc is table.cell(1, 0)._tc
    assert table.cell(0, 1)._tc is table.cell(0, 2)._tc


def test_header_rows_repeat_on_each_page_and_body_rows_do_not(draft):
    doc, _ = tables_of(draft)
    table, _ = table_titled(doc, "检查次数较多的企业")
    flags = [r._tr.trPr is not None and r._tr.trPr.find(qn("w:tblHeader")) is not None for r in table.rows]
    assert flags[0] and not any(flags[1:])
    table2, _ = table_titled(doc, "分行业领域执法检查情况")
    flags2 = [r._tr.trPr is not None and r._tr.trPr.find(qn("w:tblHeader")) is not None for r in table2.rows]
    assert flags2[:2] == [True, True] and not any(flags2[2:])


def _jc(p) -> str | None:
    el = p._p.pPr.find(qn("w:jc")) if p._p.pPr is not None else None
    return None if el is None else el.get(qn("w:val"))


def test_numbers_align_right_text_left_and_no_first_line_indent(draft):
    doc, _ = tables_of(draft)
    table, _ = table_titled(doc, "检查次数较多的企业")
    body = table.rows[1]
    name, count, trips = (c.paragraphs[0] for c in body.cells)
    assert (_jc(name), _jc(count), _jc(trips)) == ("left", "right", "right")
    assert _jc(table.rows[0].cells[1].paragraphs[0]) == "center"
    style = name.style
    assert style.name == "表格文字"
    assert style.paragraph_format.first_line_indent == 0
    assert style.font.size.pt == 14.0 and "仿宋" in style.element.rPr.rFonts.get(qn("w:eastAsia"))
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                ind = p._p.pPr.find(qn("w:ind")) if p._p.pPr is not None else None
                assert ind is None or ind.get(qn("w:firstLine")) in (None, "0")


def test_a_table_spans_the_type_area_exactly(draft):
    doc, _ = tables_of(draft)
    width = StyleSettings().type_width
    for table in doc.tables:
        grid = [int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(grid) == width == int(table._tbl.tblPr.find(qn("w:tblW")).get(qn("w:w")))
        assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"


def test_every_cell_figure_is_a_traced_control_with_its_table_row_and_column(draft):
    doc, _ = tables_of(draft)
    manifest = read_manifest(doc).model_dump(mode="json")
    figures = {f["id"]: f for f in manifest["figures"]}
    table, title = table_titled(doc, "分行业领域执法检查情况")
    number = int(re.match(r"表(\d+)", title).group(1))
    columns = ["行业领域", "执法检查·检查企业", "执法检查·出动人员", "安全隐患·发现", "安全隐患·消除"]
    for r, row in enumerate(table.rows[2:], 1):
        total = r == len(table.rows) - 2  # 合计 is the template's word; its four numbers are figures
        sdts = list(row._tr.iter(qn("w:sdt")))
        assert len(sdts) == (4 if total else 5)
        ids = [control_id(s) for s in sdts]
        cells = [figures[i]["cell"] for i in ids]
        assert {c["table"] for c in cells} == {number} and {c["row"] for c in cells} == {r}
        assert [c["column"] for c in cells] == columns[1:] if total else columns
        assert cells[0]["key"] == cell_text(row.cells[0])
    recorded = next(t for t in manifest["tables"] if t["number"] == number)
    assert [r["key"] for r in recorded["rows"]][-1] == "合计"
    assert [len(r["figures"]) for r in recorded["rows"]] == [5] * (len(recorded["rows"]) - 1) + [4]


def test_tables_are_numbered_in_the_order_of_the_draft(draft):
    doc, _ = tables_of(draft)
    titles = [
        paragraph_text(p) for p in doc.element.body.iter(qn("w:p")) if re.match(r"表\d+\u3000", paragraph_text(p))
    ]
    assert [t.split("\u3000")[0] for t in titles] == ["表1", "表2", "表3"]
    assert "检查次数较多的企业" in titles[0]  # the body's table, then the appendix's


# --------------------------------------------------------------------------- lists


def test_cn_sep_punctuates_one_two_and_many_items():
    class Loop:
        def __init__(self, revindex0):
            self.revindex0 = revindex0

    def sentence(n):
        return "".join(f"{chr(65 + i)}{cn_sep(Loop(n - 1 - i))}" for i in range(n))

    assert [sentence(n) for n in (1, 2, 3, 4)] == ["A", "A和B", "A、B和C", "A、B、C和D"]


def test_a_ranked_sentence_and_numbered_paragraphs_come_from_the_rows(project, draft):
    doc = Document(str(draft))
    texts = [paragraph_text(p) for p in doc.element.body.iter(qn("w:p"))]
    ranked = sorted(db_rows(project, BY_INDUSTRY), key=lambda r: -r[1])
    top3 = "、".join(f"{r[0]}（{r[1]}家次）" for r in ranked[:2]) + f"和{ranked[2][0]}（{ranked[2][1]}家次）"
    assert f"检查较多的行业领域依次为{top3}。" in texts
    assert f"前两位是{ranked[0][0]}和{ranked[1][0]}。" in texts
    by_hazards = sorted(db_rows(project, BY_INDUSTRY), key=lambda r: -r[3])
    numbered = [t for t in texts if re.match(r"\d+\..+，发现隐患\d+项。$", t)]
    assert numbered == [f"{i}.{r[0]}，发现隐患{r[3]}项。" for i, r in enumerate(by_hazards, 1)]
    p = next(p for p in doc.element.body.iter(qn("w:p")) if paragraph_text(p).startswith("检查较多的行业领域"))
    assert len([control_id(s) for s in p.iter(qn("w:sdt"))]) == 6  # three names, three numbers


# --------------------------------------------------------------------------- charts


def test_a_chart_is_a_picture_across_the_type_area_with_its_caption_and_data(project, draft):
    doc = Document(str(draft))
    shapes = doc.inline_shapes
    assert len(shapes) == 1
    assert shapes[0].width == round(StyleSettings().type_width * 635)  # twips → EMU
    texts = [paragraph_text(p) for p in doc.element.body.iter(qn("w:p"))]
    assert "图1\u3000各行业领域检查家次" in texts
    chart = read_manifest(doc).charts[0]
    assert chart.rows == [[r[0], r[1]] for r in db_rows(project, BY_INDUSTRY)]
    blob = shapes[0]._inline.graphic.graphicData.pic.blipFill.blip.embed
    image = doc.part.related_parts[blob].blob
    assert image[:8] == b"\x89PNG\r\n\x1a\n" and b"tIME" not in image and b"Software" not in image


def test_the_same_data_draw_the_same_chart(project, draft, tmp_path):
    again = build(project, output=tmp_path / "again.docx").path

    def image(path):
        doc = Document(str(path))
        rid = doc.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip.embed
        return doc.part.related_parts[rid].blob

    assert image(again) == image(draft)


def test_no_cjk_font_names_what_to_install(monkeypatch):
    from matplotlib import font_manager

    from drafter.word import charts

    charts.cjk_font.cache_clear()
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(charts, "_fontconfig_files", list)
    try:
        with pytest.raises(charts.ChartError) as info:
            charts.cjk_font()
    finally:
        monkeypatch.undo()
        charts.cjk_font.cache_clear()
    assert "中文的字体" in info.value.message and "apt-get install fonts-noto-cjk" in info.value.hint


# --------------------------------------------------------------------------- check on tables


class Edit:
    def __init__(self, draft: Path, tmp_path: Path):
        self.path = tmp_path / "edited.docx"
        self.doc = Document(str(draft))

    def table(self, title_part: str):
        return table_titled(self.doc, title_part)[0]

    def save(self) -> Path:
        self.doc.save(str(self.path))
        return self.path


def test_an_edited_cell_is_named_by_table_row_and_column(project, draft, tmp_path):
    edit = Edit(draft, tmp_path)
    table = edit.table("分行业领域执法检查情况")
    row = table.rows[3]  # the second body row
    key = cell_text(row.cells[0])
    sdt = next(iter(row.cells[1]._tc.iter(qn("w:sdt"))))
    old = "".join(run_text(r) for r in sdt.iter(qn("w:r")))
    next(sdt.iter(qn("w:t"))).text = "999"
    report = check(edit.save(), project)
    [finding] = report.findings
    assert finding.status == EDITED and finding.draft_text == "999" and finding.built_text == old
    assert finding.cell == f"表2 第2行（{key}）“执法检查·检查企业”"
    assert f"位置：表2 第2行（{key}）“执法检查·检查企业”" in render_check(report)
    ws = load_workbook(write_checklist(report, tmp_path / "c.xlsx"))["核对清单"]
    header = [c.value for c in ws[1]]
    row_values = [dict(zip(header, (c.value for c in r))) for r in ws.iter_rows(min_row=2)]
    edited = next(r for r in row_values if r["状态"] == EDITED)
    assert edited["位置"] == finding.cell
    out = annotate(report, tmp_path / "批注.docx")
    comments = [c.text for c in Document(str(out)).comments]
    assert any(f"位置：{finding.cell}" in c for c in comments)


def test_a_row_deleted_by_hand_is_one_finding(project, draft, tmp_path):
    edit = Edit(draft, tmp_path)
    table = edit.table("分行业领域执法检查情况")
    row = table.rows[4]  # the third body row
    key = cell_text(row.cells[0])
    row._tr.getparent().remove(row._tr)
    report = check(edit.save(), project)
    [finding] = report.findings
    assert isinstance(finding, TableFinding) and finding.status == REMOVED
    assert finding.text == f"表2 第3行（{key}） 已删除"
    assert sum(1 for f in report.figures if f.status == REMOVED) == 5  # counted, covered by the row
    assert "表格和图表 1 处" in summary(report) and check_exit_code(report) == 1


def test_a_row_added_by_hand_is_a_finding_and_its_numbers_are_not_reported_twice(project, draft, tmp_path):
    edit = Edit(draft, tmp_path)
    table = edit.table("分行业领域执法检查情况")
    source = table.rows[2]._tr
    added = copy.deepcopy(source)
    for k, sdt in enumerate(list(added.iter(qn("w:sdt")))):  # typed anew, not copied controls
        r, t = OxmlElement("w:r"), OxmlElement("w:t")
        t.text = "消防" if k == 0 else str(12 + k)
        r.append(t)
        sdt.addprevious(r)
        sdt.getparent().remove(sdt)
    table.rows[-1]._tr.addprevious(added)
    report = check(edit.save(), project)
    [finding] = report.findings
    assert isinstance(finding, TableFinding) and finding.status == EDITED
    assert finding.text.startswith("表2 新增第") and "手工加入" in finding.note
    assert not report.unbacked


def test_a_copied_row_is_a_row_added_by_hand(project, draft, tmp_path):
    edit = Edit(draft, tmp_path)
    table = edit.table("行政处罚案件来源")
    table.rows[-1]._tr.addprevious(copy.deepcopy(table.rows[1]._tr))
    report = check(edit.save(), project)
    rows = [f for f in report.findings if isinstance(f, TableFinding)]
    assert [f.status for f in rows] == [EDITED] and "复制" in rows[0].note


def test_a_table_whose_query_returns_other_rows_is_stale_with_the_rows_that_differ(project_copy):
    draft = project_copy.parent / "tables.docx"
    con = sqlite3.connect(project_copy.parent / "sample/enforcement.db")
    with con:
        con.execute(
            "INSERT INTO inspection (id, inspection_no, enterprise_id, enterprise_name, industry, inspected_on, "
            "is_key_enterprise, officer_count, hazards_found, hazards_cleared) VALUES "
            "(990001, 'X-1', '91310000XXXXXXXX01', '测试企业', '消防安全', '2025-06-01', 0, 2, 1, 1)"
        )
    con.close()
    report = check(draft, project_copy)
    tables = [f for f in report.findings if isinstance(f, TableFinding)]
    by_label = {f.table: f for f in tables}
    assert by_label["表2"].status == STALE and "当前数据多出“消防安全”" in by_label["表2"].note
    assert by_label["图1"].status == STALE and "消防安全" in by_label["图1"].note
    stale_cells = {f.cell for f in report.figures if f.status == STALE}
    assert "表2 第6行（合计）“执法检查·检查企业”" in stale_cells
    assert all(f.status == CONSISTENT for f in report.figures if f.cell.startswith("表2 第1行"))


def test_refresh_never_leaves_a_table_whose_rows_changed_without_a_comment_and_exit_1(project_copy, tmp_path):
    import zipfile

    from click.testing import CliRunner

    from drafter.cli import main

    draft = project_copy.parent / "tables.docx"
    con = sqlite3.connect(project_copy.parent / "sample/enforcement.db")
    with con:
        con.execute(
            "INSERT INTO inspection (id, inspection_no, enterprise_id, enterprise_name, industry, inspected_on, "
            "is_key_enterprise, officer_count, hazards_found, hazards_cleared) VALUES "
            "(990001, 'X-1', '91310000XXXXXXXX01', '测试企业', '消防安全', '2025-06-01', 0, 2, 1, 1)"
        )
    con.close()
    out = tmp_path / "refreshed.docx"
    result = CliRunner().invoke(main, ["refresh", str(draft), "-o", str(out), "--config", str(project_copy)])
    assert result.exit_code == 1, result.output
    with zipfile.ZipFile(out) as z:
        comments = z.read("word/comments.xml").decode()
    assert "表2 的行与当前数据不同" in comments and "当前数据多出“消防安全”" in comments
    again = check(out, project_copy)  # the cells were updated, the rows still differ: still a finding
    assert any(isinstance(f, TableFinding) and f.table == "表2" and f.status == STALE for f in again.findings)
    assert check_exit_code(again) == 1


def test_an_unchanged_draft_with_tables_is_consistent(project, draft):
    report = check(draft, project)
    assert report.findings == [] and check_exit_code(report) == 0
    assert sum(1 for f in report.figures if f.cell) > 200


def test_a_number_typed_into_a_cell_without_control_is_unbacked_with_its_place(project, draft, tmp_path):
    edit = Edit(draft, tmp_path)
    table = edit.table("行政处罚案件来源")
    sdt = next(iter(table.rows[1].cells[2]._tc.iter(qn("w:sdt"))))
    r, t = OxmlElement("w:r"), OxmlElement("w:t")
    t.text = "77"
    r.append(t)
    sdt.addprevious(r)
    sdt.getparent().remove(sdt)
    report = check(edit.save(), project)
    unbacked = [f for f in report.findings if f.status == UNBACKED]
    assert [u.text for u in unbacked] == ["77"]
    first = db_rows(
        project,
        "SELECT case_source FROM case_file WHERE filed_on >= '2025-01-01' AND filed_on < "
        "'2026-01-01' GROUP BY case_source ORDER BY COUNT(*) DESC, case_source",
    )[0][0]
    assert unbacked[0].cell == f"表3 第1行（{first}）“其中重大案件”"


# --------------------------------------------------------------------------- bad input


def _build_with(project: Path, tmp_path: Path, section: str):
    target = tmp_path / "bad"
    shutil.copytree(project.parent, target)
    (target / "templates/sections/5-数据附表.txt").write_text(section, encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        build(target / "config.yaml", output=target / "x.docx")
    return info.value


def test_a_row_with_the_wrong_number_of_cells_names_file_and_line(project, tmp_path):
    error = _build_with(
        project,
        tmp_path,
        "表：测试\n| 甲 | 乙 |\n{% for r in cases_by_source %}\n"
        "| {{ r.case_source }} | {{ r.cases }} | {{ r.major_cases }} |\n{% endfor %}\n",
    )
    assert error.path.name == "5-数据附表.txt" and error.line == 4
    assert "3 格" in error.message and "表头有 2 格" in error.message


def test_a_loop_over_a_scalar_query_names_file_and_line(project, tmp_path):
    error = _build_with(
        project,
        tmp_path,
        "五、附表\n表：测试\n| 甲 |\n{% for r in triggered_supervision %}\n| {{ r }} |\n{% endfor %}\n",
    )
    assert error.path.name == "5-数据附表.txt" and error.line == 4
    assert "不能逐行循环" in error.message and "returns: rows" in error.hint


def test_a_loop_over_a_one_row_query_names_file_and_line(project, tmp_path):
    error = _build_with(project, tmp_path, "{% for r in inspections %}{{ r }}{% endfor %}\n")
    assert error.line == 1 and "返回一行，不能逐行循环" in error.message


def test_a_chart_over_a_text_column_names_file_and_line(project, tmp_path):
    error = _build_with(
        project, tmp_path, '五、附表\n{{ chart(cases_by_source, "bar", x="cases", y="case_source", title="t") }}\n'
    )
    assert error.path.name == "5-数据附表.txt" and error.line == 2
    assert "不是数字" in error.message and "case_source" in error.message


def test_rows_without_a_title_name_file_and_line(project, tmp_path):
    error = _build_with(project, tmp_path, "五、附表\n\n| 甲 | 乙 |\n")
    assert error.line == 3 and "表题" in error.message


def test_a_one_line_loop_gives_one_row_an_iteration():
    source = "表：x\n| a | b |\n{% for r in q %}| {{ r.a }} | {{ r.b }} |{% endfor %}\n"
    marked = mark_table_lines(source)
    assert marked.count("\ue020") == 3
    assert "\ue0203\ue021| {{ r.a }}" in marked


def test_a_line_continuing_a_tag_is_not_a_table_row():
    source = "共{{ x.n\n| wan }}家。\n"
    assert mark_table_lines(source) == source


def test_a_bar_in_database_text_does_not_split_a_cell():
    marked = "\ue000f001\ue001A|B\ue002"
    assert split_cells(f"| {marked} | 3 |") == [marked, "3"]


# --------------------------------------------------------------------------- rendering


@pytest.mark.render
def test_rendered_tables_fit_the_type_area_and_repeat_their_header(draft, tmp_path):
    import os

    if shutil.which("soffice") is None:
        if os.environ.get("DRAFTER_REQUIRE_RENDER") == "1":
            pytest.fail("DRAFTER_REQUIRE_RENDER=1 but soffice not installed")
        pytest.skip("soffice not installed")
    import pdfplumber

    from drafter.word.preview import render_pdf

    pdf = render_pdf(draft, tmp_path / "pdf")
    mm = 72 / 25.4
    settings = StyleSettings()
    left, right = settings.margin_left_mm * mm, (210 - settings.margin_right_mm) * mm
    header_pages = []
    with pdfplumber.open(str(pdf)) as doc:
        for page in doc.pages:
            edges = [e for e in page.edges if e["orientation"] == "v"]
            if not edges:
                continue
            xs = [e["x0"] for e in edges]
            assert min(xs) >= left - 1.5 and max(xs) <= right + 1.5
            assert max(xs) - min(xs) >= 156 * mm - 3  # the full width
            words = page.extract_text() or ""
            if "企业" in words and "出动人员" in words:
                header_pages.append(page.page_number)
    assert len(header_pages) >= 2  # the 60-row table runs onto a second page, header repeated


# --------------------------------------------------------------------------- the Word master, manifests, charts


def test_a_table_row_loop_in_the_word_master_is_traced_and_located(project, tmp_path):
    target = tmp_path / "master"
    shutil.copytree(project.parent, target)
    master = target / "templates/report.docx"
    doc = Document(str(master))
    body_p = next(p for p in doc.paragraphs if p.text == "{{ body }}")
    table = doc.add_table(rows=4, cols=2)
    for (r, c), text in {
        (0, 0): "案件来源",
        (0, 1): "立案",
        (1, 0): "{%tr for r in cases_by_source %}",
        (2, 0): "{{ r.case_source }}",
        (2, 1): "{{ r.cases }}",
        (3, 0): "{%tr endfor %}",
    }.items():
        table.cell(r, c).text = text
    body_p._p.addnext(table._tbl)
    doc.save(str(master))
    draft = build(target / "config.yaml", output=target / "m.docx").path
    built = Document(str(draft))
    master_table = next(t for t in built.tables if cell_text(t.rows[0].cells[0]) == "案件来源")
    rows = [[cell_text(c) for c in r.cells] for r in master_table.rows]
    expected = db_rows(
        project,
        "SELECT case_source, COUNT(*) FROM case_file WHERE filed_on >= '2025-01-01' AND "
        "filed_on < '2026-01-01' GROUP BY case_source ORDER BY COUNT(*) DESC, case_source",
    )
    assert rows[1:] == [[a, str(b)] for a, b in expected]
    sdt = list(master_table.rows[2]._tr.iter(qn("w:sdt")))[1]
    next(sdt.iter(qn("w:t"))).text = "1000"
    built.save(str(tmp_path / "edited.docx"))
    report = check(tmp_path / "edited.docx", target / "config.yaml")
    [finding] = report.findings
    assert finding.status == EDITED and finding.draft_text == "1000"
    assert finding.cell == "第2个表格 第2行 第2列“立案”"


def test_a_manifest_over_ten_megabytes_is_read_back(tmp_path):
    from drafter.word.manifest import FigureEntry, Manifest, write_manifest

    doc = Document()
    data = Manifest(figures=[FigureEntry(id=f"f{i:05d}", ref="q.n", text="数" * 200) for i in range(30_000)])
    write_manifest(doc, data)
    doc.save(str(tmp_path / "big.docx"))
    assert read_manifest(Document(str(tmp_path / "big.docx"))) == data


@pytest.mark.parametrize("kind", ["bar", "line", "pie"])
def test_each_kind_of_chart_draws_a_deterministic_picture(kind):
    from drafter.text.charts import ChartSpec
    from drafter.word.charts import render_png

    spec = ChartSpec(
        kind=kind,
        title="t",
        query="q",
        x="a",
        y=["n"],
        names=["检查家次"],
        unit="家次",
        labels=["危险化学品", "工贸", "有限空间"],
        values=[[12.0, 30.0, 7.0]],
    )
    one, two = render_png(spec, 156), render_png(spec, 156)
    assert one == two and one[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(one[16:20], "big")
    assert width == round(156 / 25.4 * 200)


def test_a_pie_of_two_columns_is_refused_with_file_and_line(project, tmp_path):
    error = _build_with(
        project,
        tmp_path,
        '五、附表\n\n{{ chart(cases_by_source, "pie", x="case_source", y=["cases", "major_cases"]) }}\n',
    )
    assert error.line == 3 and "饼图只能有一个数值列" in error.message


def test_join_cn_and_top_on_plain_rows():
    from drafter.data.figures import Figure, Provenance, Row
    from drafter.text.lists import top

    def row(i, name, n):
        prov = Provenance("q", "s", "n", i)
        return Row("q", {"name": Figure(name, f"q[{i}].name", (prov,)), "n": Figure(n, f"q[{i}].n", (prov,))})

    rows = [row(0, "甲", 3), row(1, "乙", 9), row(2, "丙", None), row(3, "丁", 9)]
    assert [r.name.value for r in top(rows, 3, "n")] == ["乙", "丁", "甲"]  # ties keep the query's order
    assert [r.name.value for r in top(rows, 2)] == ["甲", "乙"]
    with pytest.raises(TemplateError):
        top(rows, 2, "name")


def test_paragraph_mode_finds_an_edited_cell_in_a_stripped_draft(project, draft, tmp_path):
    doc = Document(str(draft))
    for sdt in list(doc.element.body.iter(qn("w:sdt"))):  # what an office suite that drops controls leaves
        parent, index = sdt.getparent(), sdt.getparent().index(sdt)
        for k, child in enumerate(list(sdt.find(qn("w:sdtContent")))):
            parent.insert(index + k, child)
        parent.remove(sdt)
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/customXml"):
            del doc.part.rels[rel_id]
    table = table_titled(doc, "行政处罚案件来源")[0]
    t = next(table.rows[1].cells[1]._tc.iter(qn("w:t")))
    t.text = "500"
    doc.save(str(tmp_path / "stripped.docx"))
    report = check(tmp_path / "stripped.docx", project)
    assert report.mode == "paragraphs"
    [finding] = report.findings
    assert finding.status == EDITED and finding.draft_text == "500"
    assert finding.cell.startswith("表3 第1行")


def test_a_table_right_after_a_line_ending_in_a_block_tag_is_still_a_table(project, tmp_path):
    target = tmp_path / "joined"
    shutil.copytree(project.parent, target)
    (target / "templates/sections/5-数据附表.txt").write_text(
        "五、附表\n共有{% if case_totals.cases > 0 %}案件{% endif %}\n表：来源\n| 来源 | 立案 |\n"
        "{% for r in cases_by_source %}\n| {{ r.case_source }} | {{ r.cases }} |\n{% endfor %}\n",
        encoding="utf-8",
    )
    draft = build(target / "config.yaml", output=target / "j.docx").path
    doc = Document(str(draft))
    table, title = table_titled(doc, "来源")
    assert title == "表1\u3000来源" and cell_text(table.rows[0].cells[0]) == "来源"
    assert "共有案件" in [paragraph_text(p) for p in doc.element.body.iter(qn("w:p"))]


# --------------------------------------------------------------------------- the bulletin example

BULLETIN = Path(__file__).resolve().parents[1] / "examples/bulletin"


@pytest.fixture(scope="module")
def bulletin(tmp_path_factory):
    target = tmp_path_factory.mktemp("bulletin-tables") / "bulletin"
    shutil.copytree(BULLETIN, target, ignore=shutil.ignore_patterns("output", "__pycache__"))
    result = build(target / "config.yaml", output=target / "draft.docx", force=True)
    return target / "config.yaml", result.path


def _bulletin_counts():
    """Planned and done checks by unit, checks with problems by kind, in the example's default
    period, counted from the workbook's cells (tests/test_bulletin.py's reader)."""
    from collections import Counter, defaultdict

    from test_bulletin import PERIOD, Cells

    cells = Cells()
    rows = cells.checks(PERIOD)
    planned: dict[str, int] = defaultdict(int)
    for unit, _month, n in cells.plan(PERIOD):
        planned[unit] += n
    done = Counter(r[2] for r in rows)
    problems = Counter(r[4] for r in rows if r[5] > 0)
    return PERIOD, planned, done, problems


def test_the_bulletin_has_a_table_by_unit_a_top_five_and_a_chart(bulletin):
    from fractions import Fraction

    from drafter.text.numbers import pct, ratio

    config, draft = bulletin
    period, planned, done, problems = _bulletin_counts()
    doc = Document(str(draft))
    table, title = table_titled(doc, "各分局执法检查计划完成情况")
    assert title == f"表1\u3000{period.label}各分局执法检查计划完成情况"
    ranked = sorted(planned, key=lambda u: (-Fraction(done[u], planned[u]), u))
    rows = [[cell_text(c) for c in r.cells] for r in table.rows]
    assert rows[0] == ["分局", "计划检查", "完成检查", "计划完成率", "排名"]
    assert rows[1:-1] == [
        [u, str(planned[u]), str(done[u]), pct(ratio(done[u], planned[u]), 1, fixed=True), str(k)]
        for k, u in enumerate(ranked, 1)
    ]
    total_plan, total_done = sum(planned.values()), sum(done.values())
    assert rows[-1] == [
        "合计",
        str(total_plan),
        str(total_done),
        pct(ratio(total_done, total_plan), 1, fixed=True),
        "—",
    ]
    five = sorted(problems, key=lambda k: -problems[k])[:5]
    sentence = next(
        paragraph_text(p)
        for p in doc.element.body.iter(qn("w:p"))
        if paragraph_text(p).startswith("发现问题的检查次数居前五位")
    )
    listed = re.findall(r"([^、和为（]+)（(\d+)次）", sentence)
    assert [(k, int(n)) for k, n in listed] == [(k, problems[k]) for k in five]
    assert "、" in sentence and f"和{five[-1]}（" in sentence
    chart = read_manifest(doc).charts[0]
    assert chart.title == f"{period.label}各分局计划和完成检查次数"
    assert chart.rows == [[u, planned[u], done[u]] for u in ranked]
    assert len(doc.inline_shapes) == 1
    report = check(draft, config)
    assert (
        report.findings == [] and sum(1 for f in report.figures if f.cell.startswith("表1")) == 5 * 5 + 3
    )  # names too


def test_a_table_in_an_included_template_is_a_table(project, tmp_path):
    target = tmp_path / "included"
    shutil.copytree(project.parent, target)
    (target / "templates/sections/_表格.txt").write_text(
        "表：来源\n| 来源 | 立案 |\n{% for r in cases_by_source %}\n| {{ r.case_source }} | {{ r.cases }} |\n{% endfor %}\n",
        encoding="utf-8",
    )
    (target / "templates/sections/5-数据附表.txt").write_text('五、附表\n{% include "_表格.txt" %}\n', encoding="utf-8")
    config = target / "config.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("sections: templates/sections", "sections: [templates/sections/5-数据附表.txt]"), encoding="utf-8"
    )
    draft = build(config, output=target / "i.docx").path
    table, title = table_titled(Document(str(draft)), "来源")
    assert title == "表1\u3000来源" and len(table.rows) == 1 + len(
        db_rows(
            project,
            "SELECT DISTINCT case_source FROM case_file WHERE filed_on >= '2025-01-01' AND filed_on < '2026-01-01'",
        )
    )


def test_a_deleted_table_and_a_deleted_chart_are_findings(project, draft, tmp_path):
    edit = Edit(draft, tmp_path)
    table = edit.table("行政处罚案件来源")
    table._tbl.getparent().remove(table._tbl)
    picture = next(p for p in edit.doc.element.body.iter(qn("w:p")) if list(p.iter(qn("w:drawing"))))
    picture.getparent().remove(picture)
    report = check(edit.save(), project)
    tables = {f.table: f for f in report.findings if isinstance(f, TableFinding)}
    assert tables["表3"].status == REMOVED and "整个表格被删除" in tables["表3"].text
    assert tables["图1"].status == REMOVED and tables["图1"].text == "图1 已不在草稿中"
    assert not [f for f in report.findings if not isinstance(f, TableFinding)]  # covered by the table's finding


# --------------------------------------------------------------------------- tables written as text

# Fourteen columns of seven-digit numbers (derived figures): wider than a portrait page takes.
WIDE = (
    "六、宽表\n表：各行业领域检查明细\n| 行业领域 | "
    + " | ".join(f"第{n}项" for n in range(1, 14))
    + " |\n{% for r in inspections_by_industry %}\n| {{ r.industry }} | "
    + " | ".join(f"{{{{ r.officer_trips * {1234567 + n} }}}}" for n in range(13))
    + " |\n{% endfor %}\n"
)


def test_a_built_draft_holds_the_same_tables_as_the_tree_check_renders(project, tmp_path, monkeypatch):
    """`build` writes its tables into the file as XML text (never a tree): the document it saves
    is byte for byte the one written from the whole tree, landscape table, appendix and all."""
    import datetime as dt
    import zipfile

    import drafter.pipeline.build as build_module

    target = tmp_path / "project"
    shutil.copytree(project.parent, target)
    (target / "templates/sections/6-宽表.txt").write_text(WIDE, encoding="utf-8")
    clock = lambda: dt.datetime(2026, 1, 5, 9, 30)
    as_text = build(target / "config.yaml", output=tmp_path / "as-text.docx", force=True, clock=clock)
    whole = build_module.Renderer

    def tree_renderer(*args, **kwargs):
        return whole(*args, **{**kwargs, "save_only": False})

    monkeypatch.setattr(build_module, "Renderer", tree_renderer)
    in_tree = build(target / "config.yaml", output=tmp_path / "in-tree.docx", force=True, clock=clock)

    def document_xml(path: Path) -> bytes:
        with zipfile.ZipFile(path) as z:
            return z.read("word/document.xml")

    text, tree = document_xml(as_text.path), document_xml(in_tree.path)
    assert text == tree
    assert text.count(b"<w:tbl>") >= 4 and b'w:orient="landscape"' in text
    assert b"drafter-table" not in text and b"_drafter_table" not in text
    doc = Document(str(as_text.path))
    assert len(doc.tables) == text.count(b"<w:tbl>")
    assert (
        read_manifest(doc).json_data()["figures"] == read_manifest(Document(str(in_tree.path))).json_data()["figures"]
    )


LONG_QUERY = """\
-- source: ledger
-- description: 台账明细
-- returns: rows
SELECT name, a, b FROM item ORDER BY id
"""

LONG_SECTION = """\
一、台账明细
表：各单位台账
| 单位 | 甲 | 乙 |
|:---|---:|---:|
{% for r in items %}
| {{ r.name }} | {{ r.a }} | {{ r.b }} |
{% endfor %}
"""


def test_a_long_table_is_built_whole_and_check_finds_the_one_cell_edited(tmp_path):
    """A 3,000-row table of a project of its own (not the sample's): every cell a traced control,
    read back whole; check of the untouched draft finds nothing, of an edited cell exactly it."""
    rows = 3000
    config = _ledger_project(tmp_path, rows, LONG_SECTION)

    built = build(config, output=tmp_path / "ledger.docx", force=True)
    assert len(built.registry) == rows * 3
    doc = Document(str(built.path))
    [table] = doc.tables
    assert len(table.rows) == rows + 1
    last = table.rows[-1]
    assert [cell_text(c) for c in last.cells] == [
        f"站点{rows - 1:04d}",
        str(((rows - 1) * 37) % 1000),
        str((rows - 1) * 11),
    ]
    tags = [control_id(sdt) for sdt in table._tbl.iter(qn("w:sdt"))]
    assert len(tags) == rows * 3 and len(set(tags)) == rows * 3
    assert check(built.path, config).findings == []

    row = table.rows[1 + 1234]
    next(row.cells[2]._tc.iter(qn("w:t"))).text = "77777"
    edited = tmp_path / "ledger-edited.docx"
    doc.save(str(edited))
    [finding] = check(edited, config).findings
    assert finding.status == EDITED and finding.draft_text == "77777" and finding.built_text == str(1234 * 11)
    assert finding.cell == "表1 第1235行（站点1234）“乙”"


def test_check_reads_a_table_kept_as_cells_as_it_would_read_the_table_in_the_tree(project, tmp_path):
    """`check` renders its fresh side with the tables kept as their cells' texts and figures
    (never XML): read that way, every paragraph, table, cell position and wording range is what
    reading the same render with its tables in the tree gives (merged two-line header, landscape
    table, appendix); and a cell's text with line ends, a joiner and XML's own characters reads
    as its written XML reads."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    from drafter.data.figures import MARK_CLOSE, MARK_OPEN, MARK_SEP
    from drafter.data.runner import build_parameters
    from drafter.pipeline.execute import run_project
    from drafter.pipeline.render import Renderer
    from drafter.pipeline.validate import load_project
    from drafter.review.scan import scan_document, scan_paragraph, wording_ranges
    from drafter.review.tables import draft_tables, scan_with_cells
    from drafter.word.tables import CellWriter

    target = tmp_path / "project"
    shutil.copytree(project.parent, target)
    (target / "templates/sections/6-宽表.txt").write_text(WIDE, encoding="utf-8")
    loaded = load_project(target / "config.yaml")
    run = run_project(loaded, params=build_parameters(loaded.config))
    in_tree = Renderer(loaded).render(run)
    as_cells = Renderer(loaded, compare_only=True).render(run)
    assert len(as_cells.table_cells) >= 4 and not as_cells.document.element.body.findall(qn("w:tbl"))

    def read(paragraphs):
        return [(p.index, p.text, [(s.id, s.start, s.end) for s in p.figures]) for p in paragraphs]

    tree_body, cells_body = in_tree.document.element.body, as_cells.document.element.body
    tree_paragraphs = scan_document(in_tree.document)
    cell_paragraphs, kept = scan_with_cells(cells_body, as_cells.table_cells)
    assert read(cell_paragraphs) == read(tree_paragraphs)
    tree_tables, tree_positions = draft_tables(tree_paragraphs, tree_body)
    cell_tables, cell_positions = draft_tables(cell_paragraphs, cells_body, kept)
    assert cell_positions == tree_positions
    assert [(t.index, sorted(t.header_rows), [[read(c) for c in row] for row in t.rows]) for t in cell_tables] == [
        (t.index, sorted(t.header_rows), [[read(c) for c in row] for row in t.rows]) for t in tree_tables
    ]
    assert wording_ranges(as_cells.document, cell_paragraphs) == wording_ranges(in_tree.document)

    occ = next(iter(as_cells.registry))
    mark = f"{MARK_OPEN}{occ.id}{MARK_SEP}1\r\n2\u20603&<>\r{MARK_CLOSE}"
    unknown = f"{MARK_OPEN}f99999{MARK_SEP}7\r8{MARK_CLOSE}"
    for text in ("", "a\r\nb\rc\nd", f"约{mark}{mark}家\u2060次", f"x{unknown}y{mark}", mark):
        writer = CellWriter(as_cells.registry, 1)
        written = scan_paragraph(parse_xml(f"<w:p {nsdecls('w')}>{writer.runs(text)}</w:p>"), 0)
        assert writer.content(text) == (written.text, [(s.id, s.start, s.end) for s in written.figures])


def _ledger_project(tmp_path: Path, rows: int, section: str) -> Path:
    """A project of its own: `items` returns `rows` rows (站点0000 …, a, b), one section."""
    db = tmp_path / "ledger.db"
    con = sqlite3.connect(db)
    with con:
        con.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, a INTEGER, b INTEGER)")
        con.executemany(
            "INSERT INTO item VALUES (?, ?, ?, ?)", [(i, f"站点{i:04d}", (i * 37) % 1000, i * 11) for i in range(rows)]
        )
    con.close()
    root = tmp_path / "ledger"
    (root / "queries").mkdir(parents=True)
    (root / "templates/sections").mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parents[1] / "templates/report.docx", root / "templates/report.docx")
    (root / "queries/items.sql").write_text(LONG_QUERY, encoding="utf-8")
    (root / "templates/sections/1-台账.txt").write_text(section, encoding="utf-8")
    config = root / "config.yaml"
    config.write_text(
        f"report:\n  agency: 某某站\n  year: 2024\nsources:\n  ledger: sqlite:///{db}\n", encoding="utf-8"
    )
    return config


def _unwrap_controls(el) -> None:
    """Every content control under `el` taken away, its text left as plain text."""
    for sdt in list(el.iter(qn("w:sdt"))):
        for child in list(sdt.find(qn("w:sdtContent"))):
            sdt.addprevious(child)
        sdt.getparent().remove(sdt)


def test_a_long_table_edited_in_many_ways_gives_each_edit_its_one_finding(tmp_path):
    """A 2,000-row table edited as an editor would: a cell retyped, a cell's control taken away
    (its number left as plain text), a cell's control deleted, a row added by hand, a row
    deleted, a row copied whole. Each is told once, at its row, and nothing else is."""
    config = _ledger_project(tmp_path, 2000, LONG_SECTION + "共{{ items | length }}个单位。\n")
    built = build(config, output=tmp_path / "ledger.docx", force=True)
    doc = Document(str(built.path))
    [table] = doc.tables
    trs = [r._tr for r in table.rows]  # trs[1 + k]: the row of 站点k
    next(trs[1 + 100].findall(qn("w:tc"))[2].iter(qn("w:t"))).text = "77777"
    _unwrap_controls(trs[1 + 800].findall(qn("w:tc"))[1])
    for sdt in list(trs[1 + 900].findall(qn("w:tc"))[2].iter(qn("w:sdt"))):
        sdt.getparent().remove(sdt)
    added = copy.deepcopy(trs[1 + 1500])
    _unwrap_controls(added)
    for tc, text in zip(added.findall(qn("w:tc")), ("新站点", "12", "345"), strict=True):
        next(tc.iter(qn("w:t"))).text = text
    trs[1 + 1500].addnext(added)
    trs[1 + 500].getparent().remove(trs[1 + 500])
    trs[1 + 1700].addnext(copy.deepcopy(trs[1 + 1700]))
    edited = tmp_path / "edited.docx"
    doc.save(str(edited))

    report = check(edited, config)
    found = [(f.status, f.label, getattr(f, "cell", None) or None, f.note) for f in report.findings]
    assert found == [
        (REMOVED, "表1 第501行（站点0500） 已删除", None, "生成时这一行是：站点0500 | 500 | 5500。确认是有意删去。"),
        (EDITED, "f303 台账明细", "表1 第101行（站点0100）“乙”", ""),
        (
            REMOVED,
            "f2402 台账明细",
            "表1 第801行（站点0800）“甲”",
            "内容控件已不在草稿中。同一段中有手工输入的“600”。",
        ),
        (UNBACKED, "“600”", "表1 第800行（站点0800）“甲”", "可能是 f2402（台账明细）删除内容控件后手工输入的。"),
        (REMOVED, "f2703 台账明细", "表1 第901行（站点0900）“乙”", "内容控件已不在草稿中。"),
        (
            EDITED,
            "表1 新增第1501行（新站点）",
            None,
            "这一行不来自查询，是手工加入的；核实其数字的出处，或在模板/查询中加上这一行后重新生成。行中的数字：12、345。",
        ),
        (
            EDITED,
            "表1 新增第1702行（站点1700）",
            None,
            "这一行不来自查询，是手工加入的（复制了另一行的数字）；核实其数字的出处，或在模板/查询中加上这一行后重新生成。",
        ),
    ]
    edited_cell = report.findings[1]
    assert (edited_cell.draft_text, edited_cell.built_text, edited_cell.current_text) == ("77777", "1100", "1100")
    counts = report.counts()
    assert (counts[CONSISTENT], counts[EDITED], counts[REMOVED], counts[UNBACKED]) == (5994, 1, 5, 1)
    assert report.warnings == [] and report.mode == "controls"


def test_cell_positions_of_merged_nested_and_wrapped_cells(tmp_path):
    """A table's cell positions: a cell spanning two grid columns moves the next one two columns
    on, a table inside a cell is a table of its own (its paragraphs also its outer cell's), a row
    wrapped in a content control is not read as a row of the table."""
    from docx.oxml import OxmlElement

    from drafter.review.scan import scan_document
    from drafter.review.tables import draft_tables

    doc = Document()
    table = doc.add_table(rows=3, cols=3)
    for r in range(3):
        for c in range(3):
            table.cell(r, c).text = f"r{r}c{c}"
    table.cell(0, 0).merge(table.cell(0, 1))  # one cell over grid columns 0 and 1
    table.cell(1, 2).add_table(rows=1, cols=2).cell(0, 1).text = "inner"
    tr = table.rows[2]._tr
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    tr.addprevious(sdt)
    sdt.append(content)
    content.append(tr)
    doc.save(str(tmp_path / "cells.docx"))
    doc = Document(str(tmp_path / "cells.docx"))
    paragraphs = scan_document(doc)
    tables, positions = draft_tables(paragraphs, doc.element.body)
    at = {p.text: positions.get(p.index) for p in paragraphs if p.text}
    assert len(tables) == 2 and len(tables[0].rows) == 2
    assert (at["r0c0"].column, at["r0c1"].column, at["r0c2"].column) == (0, 0, 2)  # the merged cell keeps both
    assert (at["r1c0"].row, at["r1c2"].column, at["inner"].table, at["inner"].column) == (1, 2, 0, 2)
    assert [len(cell) for cell in tables[1].rows[0]] == [1, 1] and at["r2c0"] is None
