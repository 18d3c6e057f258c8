"""Numbers written literally in section templates: listed for an editor to confirm each period,
except years, dates, outline numbers, 《》 titles and the literals a project marked fixed."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from drafter import check
from drafter.cli import main
from drafter.outcome import check_exit_code
from drafter.project.config import load_config
from drafter.review.literals import StaleFixed, literals_in, template_literals
from drafter.review.report_text import render_check


def listed(source: str, fixed: list[str] | None = None) -> list[str]:
    found, _ = literals_in(source, Path("t.txt"), fixed or [])
    return [lit.text for lit in found if not lit.fixed]


def test_years_dates_outline_numbers_titles_and_tags_are_not_listed():
    source = (
        "{#- 2 注释里的数字 -#}\n"
        "1.{{ year }}年以来，2024年、3月5日、“6·8”强降雨，学习《2035年远景目标》，{{ x.n | approx(100) }}家。\n"
        "（1）完成{{ a.b }}项。\n"
    )
    assert listed(source) == []


def test_counts_written_in_the_text_are_listed_once_a_literal_with_their_line():
    source = "一、总体\n建立“1+17+12”监管模式，对26个重点领域开展排查，评选出10佳“吹哨人”。\n"
    found, _ = literals_in(source, Path("t.txt"), [])
    assert [(lit.text, lit.line) for lit in found] == [("1+17+12", 2), ("26", 2), ("10", 2)]
    assert "26个重点领域" in found[1].render() and found[1].render().startswith("t.txt:2：26")


def test_a_literal_marked_fixed_is_not_listed_and_a_stale_mark_is(sample_project_copy):
    config = sample_project_copy
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("fixed_numbers:\n", "fixed_numbers:\n  - 26个重点领域\n  - 已删去的100项\n"), encoding="utf-8"
    )
    out = template_literals(load_config(config))
    texts = [getattr(x, "text", None) for x in out]
    assert "26" not in texts and "1+17+12" in texts
    assert [x.text for x in out if isinstance(x, StaleFixed)] == ["已删去的100项"]
    # the shipped fixed literals (a hotline, a name) are never listed
    assert "12345" not in texts and "2" not in texts


def test_lint_lists_them_without_failing_and_check_reports_them(sample_project, sample_draft):
    result = CliRunner().invoke(main, ["lint", "-c", str(sample_project)])
    assert result.exit_code == 0, result.output
    assert "请确认：模板中写死的数字" in result.output and "26个重点领域" in result.output
    assert "1-主要举措和工作成效.txt:11：1+17+12" in result.output
    report = check(sample_draft, sample_project)
    assert check_exit_code(report) == 0 and "模板中写死的数字" in render_check(report)
    assert any(lit.text == "26" for lit in report.fixed_numbers)


def test_a_template_comment_marks_its_literals_fixed():
    source = "{# fixed: 1+17+12、26个重点领域 #}\n建立“1+17+12”监管模式，对26个重点领域、10个街镇开展排查。\n"
    assert listed(source) == ["10"]
