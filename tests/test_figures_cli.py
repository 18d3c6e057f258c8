"""`drafter figures` (every figure without the prose) and `drafter build --comments` (the reviewer's copy)."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from reading import read_paragraphs

from drafter import check
from drafter.cli import main
from drafter.outcome import check_exit_code
from drafter.review.listing import list_figures
from drafter.word.manifest import read_manifest


def test_the_listing_is_the_figures_of_the_draft_in_its_order(sample_project, sample_draft):
    listing = list_figures(sample_project)
    manifest = read_manifest(Document(str(sample_draft))).model_dump(mode="json", exclude_unset=True)
    assert listing.year == 2025 and listing.failures == []
    assert [(r.id, r.ref, r.text) for r in listing.figures] == [
        (f["id"], f["ref"], f["text"]) for f in manifest["figures"]
    ]
    first = listing.figures[0]
    assert (first.text, first.value, first.queries, first.sources) == (
        "300余",
        326,
        ["ciie"],
        ["hazards（隐患排查平台）"],
    )
    assert first.part == "一、2025年推进法治政府建设的主要举措和工作成效"
    assert first.description.startswith("进博会安全保障")


def test_figures_prints_json_csv_and_a_table(sample_project):
    runner = CliRunner()
    out = runner.invoke(main, ["figures", "-c", str(sample_project), "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["year"] == 2025 and len(data["figures"]) >= 79
    rate = next(f for f in data["figures"] if f["ref"] == "(hazard_screening.rectified/hazard_screening.found)")
    assert rate["text"] == "98.74%" and rate["value"].startswith("0.9874")  # exact Decimal, as text

    out = runner.invoke(main, ["figures", "-c", str(sample_project), "-f", "csv"])
    rows = list(csv.reader(io.StringIO(out.output)))
    assert rows[0][:5] == ["编号", "部分", "文字", "原始值", "查询.列"]
    assert len(rows) == len(data["figures"]) + 1 and rows[1][2:4] == ["300余", "326"]

    out = runner.invoke(main, ["figures", "-c", str(sample_project)])
    assert out.exit_code == 0 and "f001" in out.output and "300余" in out.output
    assert "青浦区应急管理局 2025年度报告中的数字" in out.output
    # piped, not a terminal: the table keeps its columns whole (a query's name on one line)
    assert "hazard_screening.rectified" in out.output


def test_figures_of_another_year_and_to_a_file_excel_opens(sample_project, tmp_path):
    target = tmp_path / "数字.csv"
    out = CliRunner().invoke(main, ["figures", "-c", str(sample_project), "-y", "2024", "-f", "csv", "-o", str(target)])
    assert out.exit_code == 0, out.output
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese right
    text = raw.decode("utf-8-sig")
    assert "2024年推进法治政府建设" in text and "2025年推进" not in text


def test_figures_to_a_new_folder_and_again_over_the_last_listing(sample_project, tmp_path):
    target = tmp_path / "新文件夹" / "数字.json"
    for _ in range(2):  # the second run replaces the listing the first one wrote
        out = CliRunner().invoke(main, ["figures", "-c", str(sample_project), "-f", "json", "-o", str(target)])
        assert out.exit_code == 0, out.output
    listing = json.loads(target.read_text(encoding="utf-8"))
    assert listing["year"] == 2025 and len(listing["figures"]) >= 79 and listing["failures"] == []
    assert [p.name for p in target.parent.iterdir()] == ["数字.json"]  # no temporary file left


def test_figures_reports_a_bad_config_in_one_line(tmp_path):
    out = CliRunner().invoke(main, ["figures", "-c", str(tmp_path / "missing.yaml")])
    assert out.exit_code == 2 and out.output.startswith("错误：") and "Traceback" not in out.output


def test_build_comments_writes_a_reviewers_copy_with_a_comment_a_figure(sample_project_copy):
    project = sample_project_copy.parent
    out = CliRunner().invoke(
        main, ["build", "-c", str(sample_project_copy), "-o", str(project / "报告（草稿）.docx"), "--comments"]
    )
    assert out.exit_code == 0, out.output
    draft = project / "报告（草稿）.docx"
    copy = project / "报告（草稿）（审核版）.docx"
    assert copy.exists() and f"审核版（每个数字一条批注）：{copy}" in out.output
    assert len(Document(str(draft)).comments) == 0
    doc = Document(str(copy))
    comments = list(doc.comments)
    manifest = read_manifest(doc).model_dump(mode="json", exclude_unset=True)
    assert len(comments) == len(manifest["figures"]) >= 79
    first = comments[0].text
    assert first.startswith("f001 进博会安全保障")
    assert "查询 ciie（queries/hazards/ciie.sql），列 officer_trips，数据源 hazards（隐患排查平台）" in first
    assert "原始值：326；写作“300余”（approx）" in first
    # comments sit around the controls, the text is the draft's, and the copy checks clean
    for sdt in doc.element.body.iter(qn("w:sdt")):
        assert not list(sdt.iter(qn("w:commentReference")))
    assert read_paragraphs(copy) == read_paragraphs(draft)
    assert check_exit_code(check(copy, sample_project_copy)) == 0


def test_a_second_reviewers_copy_never_overwrites_the_first(sample_project_copy):
    from drafter.review.annotate import reviewer_copy

    draft = sample_project_copy.parent / "draft-2025.docx"
    first = reviewer_copy(draft)
    second = reviewer_copy(draft)
    assert first.name == "draft-2025（审核版）.docx" and second.name == "draft-2025（审核版）-2.docx"
    assert reviewer_copy(draft, force=True) == first
