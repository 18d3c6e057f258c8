"""`check` tells every sentence an editor reworded, and names the template line the draft was built from.

On the per-town example (examples/towns, not the shipped sample): a word of the template's plain
text changed in the draft (no condition, no figure) is 措辞已手改 with its template line, an edit
(exit 1) and not a data mismatch; a changed conditional wording is told once, not again as plain
text; after lines are added to the template, a finding names the line recorded when the draft
was built and says that the template changed since.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from editing import reword

from drafter.batch import build_units
from drafter.cli import main
from drafter.outcome import check_exit_code
from drafter.review.annotate import annotate
from drafter.review.checker import check
from drafter.review.report_text import render_check
from drafter.review.wordings import HAND_EDITED, WordingCheck

REPO = Path(__file__).resolve().parents[1]
SECTION = "templates/sections/1-数据汇总.txt"


@pytest.fixture
def towns(tmp_path, sample_project) -> Path:
    target = tmp_path / "examples" / "towns"
    shutil.copytree(REPO / "examples" / "towns", target, ignore=shutil.ignore_patterns("output"))
    (tmp_path / "sample").symlink_to(sample_project.parent / "sample")  # only read
    return target / "config.yaml"


@pytest.fixture
def draft(towns) -> Path:
    return build_units(towns, units=["盈浦街道"], jobs=1).outcomes[0].path


def _template_line(towns: Path, needle: str) -> int:
    lines = (towns.parent / SECTION).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def test_the_unedited_draft_is_all_consistent(towns, draft):
    report = check(draft, towns)
    assert report.findings == [] and check_exit_code(report) == 0
    assert render_check(report).endswith("全部一致。")


def test_a_word_of_the_templates_plain_text_changed_is_an_edit_with_its_template_line(towns, draft, tmp_path):
    edited = reword(draft, "涉及企业", "覆盖企业", tmp_path / "edited.docx")
    report = check(edited, towns)
    (finding,) = report.findings
    assert isinstance(finding, WordingCheck) and finding.plain and finding.status == HAND_EDITED
    assert finding.template == "1-数据汇总.txt" and finding.line == _template_line(towns, "涉及企业")
    assert "覆盖企业" in (finding.draft_text or "") and "涉及企业" in (finding.built_text or "")
    assert all(f.status == "一致" for f in report.figures)  # an edit, not a data mismatch
    assert check_exit_code(report) == 1
    text = render_check(report)
    assert f"[措辞已手改] 正文第 2 段的模板文字（1-数据汇总.txt:{finding.line}）" in text
    assert "模板文字措辞已手改 1 处" in text and "全部一致" not in text

    commented = annotate(report, tmp_path / "annotated.docx")
    comments = [c.text for c in Document(str(commented)).comments]
    assert len(comments) == 1 and "覆盖企业" in comments[0] and "请核实改动的依据" in comments[0]
    cli = CliRunner().invoke(main, ["check", str(edited), "-c", str(towns)])
    assert cli.exit_code == 1 and "正文第 2 段的模板文字" in cli.output


def test_a_changed_conditional_wording_is_told_once_not_again_as_plain_text(towns, draft, tmp_path):
    edited = reword(draft, "台账", "清单", tmp_path / "edited.docx")
    report = check(edited, towns)
    (finding,) = report.findings
    assert not finding.plain and finding.status == HAND_EDITED and finding.condition


def test_a_finding_names_the_line_the_draft_was_built_from_after_the_template_changed(towns, draft, tmp_path):
    built_line = _template_line(towns, "town_ebike.communities > 0")
    edited = reword(draft, "台账", "清单", tmp_path / "edited.docx")
    section = towns.parent / SECTION
    lines = section.read_text(encoding="utf-8").split("\n")
    section.write_text("\n".join([lines[0], "{# 按街镇生成 #}", "{# 数字来自隐患排查平台 #}", *lines[1:]]), "utf-8")

    report = check(edited, towns)
    (finding,) = report.findings  # still compared: the condition is the same one, two lines lower
    assert finding.status == HAND_EDITED and finding.line == built_line
    assert finding.template_changed and finding.current_line == built_line + 2
    assert (
        f"（1-数据汇总.txt:{built_line}，生成草稿时的模板；模板此后已改动，现为第 {built_line + 2} 行）"
        in render_check(report)
    )
    assert not report.warnings  # no wording left unchecked

    plain = check(reword(draft, "涉及企业", "覆盖企业", tmp_path / "plain.docx"), towns)
    (edit,) = plain.findings
    assert edit.line == 2 and edit.template_changed and "模板此后已改动" in render_check(plain)
