"""`drafter init --from REPORT.docx`, `drafter bindings`, `drafter bind`: an office's own report
made into a project whose numbers are then bound to queries."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from reading import read_paragraphs

from drafter.cli import main
from drafter.intake.bindings import KEEP, WRITINGS, _formatted, current_values
from drafter.intake.facts import find_facts, period_words
from drafter.intake.project import init_from_report, period_of_title
from drafter.word.manifest import read_manifest

REPO = Path(__file__).resolve().parents[1]


def facts(text: str) -> list[str]:
    return [f.text for f in find_facts(text)]


# -- which numbers are facts --------------------------------------------------------------------


def test_facts_in_the_forms_of_gbt_15835():
    text = (
        "全年共出动执法人员1428人次，排查企业1.7万余家，整改率98.74%，比上年提高3个百分点，"
        "罚款894.2845万元，同比增长16.2%，从三个维度发力。"
    )
    assert facts(text) == ["1428", "1.7万余", "98.74%", "比上年提高3个百分点", "894.2845万元", "同比增长16.2%", "三"]


def test_dates_titles_names_and_document_numbers_are_no_facts():
    text = (
        "根据《法治政府建设实施纲要（2021—2025年）》和云市监〔2026〕5号文件，2025年3月31日前，"
        "依托“12345”热线和上海应急2号卫星便携站，举办第八届推演，抵御“6·8”暴雨，推进5G应用，"
        "实行三级响应。"
    )
    assert facts(text) == []


def test_years_and_the_period_label_become_period_expressions():
    text = "2025年第一季度共检查，较2024年增加；《规划（2021—2025年）》；2026年安排"
    assert period_words(text, 2025, "2025年第一季度") == (
        "{{ period.label }}共检查，较{{ year - 1 }}年增加；《规划（2021—2025年）》；{{ year + 1 }}年安排"
    )


@pytest.mark.parametrize(
    ("title", "period"),
    [
        ("某局关于2025年度法治政府建设情况报告", "2025"),
        ("某局关于2025年第四季度执法检查情况的通报", "2025Q4"),
        ("某局关于2024年上半年安全生产工作的报告", "2024H1"),
        ("某局关于2025年3月信访工作情况的通报", "2025-03"),
    ],
)
def test_the_period_of_the_title(title, period):
    assert period_of_title(title)[0] == period


# -- a report of our own shape ------------------------------------------------------------------


def own_report(path: Path) -> Path:
    """A 上行文 with 文号 and 签发人, a recipient, four outline levels, a table and a closing,
    in plain styles (no drafter styles at all), as an office's own Word file would be."""
    d = docx.Document()
    for text in (
        "某某县交通运输局文件",
        "某交〔2026〕3号　　　　签发人：王某某",
        "某某县交通运输局",
        "关于2025年上半年道路运输安全工作情况的报告",
        "县人民政府：",
        "现将2025年上半年道路运输安全工作情况报告如下。",
        "一、工作开展情况",
        "（一）隐患排查。共检查运输企业312家次，发现隐患1,046处，整改率97.5%，同比提高2.1个百分点。",
        "1.客运。检查客运站18个。",
        "（1）重点时段。节假日出动执法人员1.2万余人次，查处违法行为两百余起。",
        "表1　2025年上半年各乡镇检查情况",
        "单位：家次",
    ):
        d.add_paragraph(text)
    table = d.add_table(rows=3, cols=3)
    for r, row in enumerate([["乡镇", "检查", "隐患"], ["城关镇", "120", "431"], ["合计", "312", "1046"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    for text in ("二、下一步工作", "继续做好2025年下半年工作。", "特此报告。", "某某县交通运输局", "2025年7月10日"):
        d.add_paragraph(text)
    d.save(str(path))
    return path


def test_a_report_of_our_own_shape_becomes_a_project_that_builds(tmp_path):
    source = own_report(tmp_path / "上半年报告.docx")
    result = init_from_report(tmp_path / "p", source)
    assert result.report is not None
    assert result.report.doc_number == "某交〔2026〕3号"
    assert result.report.signer == "王某某"
    assert result.report.recipient == "县人民政府"
    assert result.report.closing == "特此报告。"
    assert result.report.date == "2025年7月10日"
    config = (tmp_path / "p" / "config.yaml").read_text(encoding="utf-8")
    assert 'period: "2025H1"' in config
    assert 'title: "{{ agency }}关于{{ period.label }}道路运输安全工作情况的报告"' in config
    assert 'signer: "王某某"' in config
    sections = sorted(p.name for p in (tmp_path / "p" / "templates" / "sections").iterdir())
    assert sections == ["0-开头.txt", "1-工作开展情况.txt", "2-下一步工作.txt", "9-结尾.txt"]
    body = (tmp_path / "p" / "templates" / "sections" / "1-工作开展情况.txt").read_text(encoding="utf-8")
    assert '（一）隐患排查。共检查运输企业{{ unbound("312", "家次") }}，' in body  # the unit in the call
    assert '{{ unbound("同比提高2.1个百分点") }}' in body
    assert (
        '（1）重点时段。节假日出动执法人员{{ unbound("1.2万余", "人次") }}，查处违法行为{{ unbound("两百余", "起") }}。'
        in body
    )
    assert "表：{{ period.label }}各乡镇检查情况" in body
    assert "单位：家次" in body
    assert '| 城关镇 | {{ unbound("120") }} | {{ unbound("431") }} |' in body
    opening = (tmp_path / "p" / "templates" / "sections" / "0-开头.txt").read_text(encoding="utf-8")
    assert opening == "现将{{ period.label }}道路运输安全工作情况报告如下。\n"

    runner = CliRunner()
    config_path = str(tmp_path / "p" / "config.yaml")
    built = runner.invoke(main, ["build", "-c", config_path, "-o", str(tmp_path / "draft.docx")])
    assert built.exit_code == 0, built.output
    text = "\n".join(read_paragraphs(tmp_path / "draft.docx"))
    assert "共检查运输企业【待绑定：312家次】" in text
    assert "关于2025年上半年\n道路运输安全工作情况的报告" in text  # the title balanced on two lines
    highlighted = [
        r
        for r in docx.Document(str(tmp_path / "draft.docx")).element.body.iter(qn("w:r"))
        if r.find(f"{qn('w:rPr')}/{qn('w:highlight')}") is not None
    ]
    assert highlighted, "unbound numbers are highlighted"

    linted = runner.invoke(main, ["lint", "-c", config_path])
    assert "1-工作开展情况.txt:2" in linted.output
    assert "待绑定的数字“312”" in linted.output
    assert "共检查运输企业【312】家次" in linted.output  # the sentence, the number marked


def test_a_folder_that_holds_files_is_refused(tmp_path):
    source = own_report(tmp_path / "r.docx")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "mine.txt").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path / "p"), "--from", str(source)])
    assert result.exit_code == 2
    assert (tmp_path / "p" / "mine.txt").read_text(encoding="utf-8") == "x"
    assert not (tmp_path / "p" / "config.yaml").exists()


def test_a_file_that_is_not_word_is_told(tmp_path):
    bad = tmp_path / "报告.docx"
    bad.write_bytes(b"not a zip")
    result = CliRunner().invoke(main, ["init", str(tmp_path / "p"), "--from", str(bad)])
    assert result.exit_code == 2
    assert "不是有效的 Word 文件" in result.output


def test_a_doc_without_libreoffice_is_told(tmp_path, monkeypatch):
    old = tmp_path / "报告.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on this PATH
    result = CliRunner().invoke(main, ["init", str(tmp_path / "p"), "--from", str(old)])
    assert result.exit_code == 2
    assert "LibreOffice" in result.output


# -- the sample's own draft, bound again -------------------------------------------------------


def stripped_copy(draft: Path, target: Path) -> Path:
    """The draft as another office suite leaves it: controls' text as plain runs, no manifest."""
    d = docx.Document(str(draft))
    for sdt in list(d.element.body.iter(qn("w:sdt"))):
        parent, index = sdt.getparent(), sdt.getparent().index(sdt)
        for k, child in enumerate(list(sdt.find(qn("w:sdtContent")))):
            parent.insert(index + k, child)
        parent.remove(sdt)
    for rel_id, rel in list(d.part.rels.items()):
        if rel.reltype == RT.CUSTOM_XML:
            del d.part.rels[rel_id]
    d.save(str(target))
    return target


def use_sources_of(project_config: Path, shipped_config: Path) -> None:
    """The new project reads the shipped project's databases and queries."""
    text = project_config.read_text(encoding="utf-8")
    shipped = shipped_config.read_text(encoding="utf-8")
    block = re.search(r"^sources:\n(?:(?:  .*|\s*)\n)+", shipped, re.M).group(0)
    block = block.replace("sqlite:///", f"sqlite:///{shipped_config.parent}/")
    text = re.sub(r"^sources:\n(?:(?:  .*|\s*)\n)+", lambda m: block, text, flags=re.M)
    text = text.replace("queries: queries", f"queries: {shipped_config.parent / 'queries'}")
    project_config.write_text(text, encoding="utf-8")


def fill_like_a_person(workbook: Path, figures, values) -> tuple[int, list[str], list[str]]:
    """Each row: the figure of the sample draft printed at that place (the person knows which
    system each number comes from), in the form that prints the report's text; a number no
    query gives (a name, a count written into the wording) kept as it is."""
    wb = openpyxl.load_workbook(workbook)
    ws = wb["绑定表"]
    k, found, kept = 0, 0, []
    for row in ws.iter_rows(min_row=2):
        original = row[5].value
        if k < len(figures) and figures[k].text == original:
            ref = figures[k].ref
            k += 1
            if ref.startswith("("):
                a, b = ref[1:-1].split("/")
                expr, value = f"{a} / {b}", Decimal(str(values[a])) / Decimal(str(values[b]))
            else:
                expr = ref if ref in values else ref.split(".")[0]  # a scalar query
                value = values[expr]
            writing = next(
                w for w in WRITINGS if w != KEEP and _formatted(value, "num" if w == "原样" else w) == original
            )
            row[6].value, row[7].value = expr, writing
            found += 1
        else:
            row[7].value = KEEP
            kept.append(original)
    wb.save(workbook)
    return found, kept, [f.text for f in figures[k:]]


def test_the_sample_draft_bound_again_builds_the_same_text(sample_project, sample_draft, tmp_path):
    report = stripped_copy(sample_draft, tmp_path / "2025年报告.docx")
    runner = CliRunner()
    made = runner.invoke(main, ["init", str(tmp_path / "p"), "--from", str(report)])
    assert made.exit_code == 0, made.output
    config = tmp_path / "p" / "config.yaml"
    use_sources_of(config, sample_project)
    workbook = tmp_path / "绑定表.xlsx"
    written = runner.invoke(main, ["bindings", "-c", str(config), "-o", str(workbook)])
    assert written.exit_code == 0, written.output
    ws = openpyxl.load_workbook(workbook)["绑定表"]
    assert ws["A1"].value == "序号" and ws["F2"].value == "300余"
    assert "ciie.officer_trips | approx(100)" in ws["I2"].value  # suggested from the current data
    assert ws.data_validations.dataValidation  # drop-down lists

    from drafter.builder import load_project, run_project

    values = current_values(run_project(load_project(config)))
    figures = read_manifest(docx.Document(str(sample_draft))).figures
    found, kept, missed = fill_like_a_person(workbook, figures, values)
    assert (found, missed) == (84, [])
    assert len(kept) == 8  # numbers the sample's own templates write as text (26个重点领域, 10佳, 三个维度 …)

    sections = tmp_path / "p" / "templates" / "sections"
    before = {p.name: p.read_text(encoding="utf-8") for p in sections.iterdir()}
    bound = runner.invoke(main, ["bind", str(workbook), "-c", str(config)])
    assert bound.exit_code == 0, bound.output
    assert "已绑定 84 个数字，保留原文 8 个，仍待绑定 0 个" in bound.output
    backups = list((tmp_path / "p" / "backup").rglob("*.txt"))
    assert {p.name: p.read_text(encoding="utf-8") for p in backups} == {
        k: v for k, v in before.items() if "unbound(" in v
    }
    assert "unbound(" not in "".join(p.read_text(encoding="utf-8") for p in sections.iterdir())

    built = runner.invoke(main, ["build", "-c", str(config), "-o", str(tmp_path / "again.docx")])
    assert built.exit_code == 0, built.output
    assert read_paragraphs(tmp_path / "again.docx") == read_paragraphs(sample_draft)
    again = read_manifest(docx.Document(str(tmp_path / "again.docx")))
    assert len(again.figures) == 84 and not any(f.placeholder for f in again.figures)


def test_the_bulletin_draft_becomes_a_project(tmp_path):
    bulletin = tmp_path / "bulletin"
    shutil.copytree(REPO / "examples" / "bulletin", bulletin)
    from drafter import build

    draft = build(bulletin / "config.yaml", output=tmp_path / "bulletin.docx").path
    report = stripped_copy(draft, tmp_path / "通报.docx")
    result = init_from_report(tmp_path / "p", report)
    assert result.report is not None
    assert result.report.doc_number == "云市监〔2026〕5号"
    assert result.report.recipient == "各区分局，局机关各处室"
    assert result.report.closing == "特此通报。"
    figures = [f.text for f in read_manifest(docx.Document(str(draft))).figures if re.search(r"\d", f.text)]
    from drafter.intake.bindings import unbound_places
    from drafter.project.config import load_config

    taken = [u.original for u in unbound_places(load_config(tmp_path / "p" / "config.yaml"))]
    # every figure of the draft is taken, in order; what else is taken is template text (90%以上)
    it = iter(taken)
    assert all(any(t == f for t in it) for f in figures)
    assert len(figures) == 72 and len(taken) == 73  # and 各分局计划完成率均在90%以上, a literal of the template
    built = CliRunner().invoke(
        main, ["build", "-c", str(tmp_path / "p" / "config.yaml"), "-o", str(tmp_path / "d.docx")]
    )
    assert built.exit_code == 0, built.output


# -- hostile workbooks ---------------------------------------------------------------------------


def test_a_workbook_cell_that_is_no_expression_is_refused(tmp_path):
    source = own_report(tmp_path / "r.docx")
    init_from_report(tmp_path / "p", source)
    config = tmp_path / "p" / "config.yaml"
    workbook = tmp_path / "b.xlsx"
    runner = CliRunner()
    assert runner.invoke(main, ["bindings", "-c", str(config), "-o", str(workbook)]).exit_code == 0
    wb = openpyxl.load_workbook(workbook)
    wb["绑定表"]["G2"] = "items.total }}{% for x in range(10**9) %}"
    wb.save(workbook)
    sections = tmp_path / "p" / "templates" / "sections"
    before = {p.name: p.read_text(encoding="utf-8") for p in sections.iterdir()}
    result = runner.invoke(main, ["bind", str(workbook), "-c", str(config)])
    assert result.exit_code == 2
    assert "绑定表!G2" in result.output
    assert {p.name: p.read_text(encoding="utf-8") for p in sections.iterdir()} == before
    wb["绑定表"]["G2"] = "items.total"
    wb["绑定表"]["H2"] = "pct(2) }}{{ 7 * 7"
    wb.save(workbook)
    result = runner.invoke(main, ["bind", str(workbook), "-c", str(config)])
    assert result.exit_code == 2 and "绑定表!H2" in result.output
    assert {p.name: p.read_text(encoding="utf-8") for p in sections.iterdir()} == before
    wb["绑定表"]["G2"] = None
    wb["绑定表"]["H2"] = None
    wb["绑定表"]["B3"] = "../../etc/passwd"
    wb.save(workbook)
    result = runner.invoke(main, ["bind", str(workbook), "-c", str(config)])
    assert result.exit_code == 2 and "绑定表!B3" in result.output


def test_a_doc_file_is_read_through_libreoffice(tmp_path):
    import subprocess

    from conftest import require_programs

    office = require_programs("render", "soffice", "libreoffice")
    source = own_report(tmp_path / "上半年报告.docx")
    subprocess.run(
        [office, "--headless", "--convert-to", "doc", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    result = init_from_report(tmp_path / "p", tmp_path / "上半年报告.doc")
    assert result.report is not None
    assert result.report.doc_number == "某交〔2026〕3号" and result.report.recipient == "县人民政府"
    assert result.facts == init_from_report(tmp_path / "q", source).facts == 11
