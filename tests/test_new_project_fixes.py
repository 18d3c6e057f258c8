"""What an editor hit on a new project (issue 24, item 3): wan_yuan and to_wan, a filter that
binds before an operator, the 的 of a title, a period without data, spreadsheet sources in
`drafter sources`, ties in top()."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from drafter.cli import main
from drafter.data.figures import Figure, FigureUnavailable, Row
from drafter.intake.scaffold import init_project
from drafter.text.lists import top
from drafter.text.numbers import to_wan, wan_yuan, yoy

REPO = Path(__file__).resolve().parents[1]


def test_wan_yuan_to_the_yuan_by_default_and_to_wan_for_a_table_cell():
    assert wan_yuan(31117796) == "3111.7796万元"
    assert wan_yuan(31117796, 2) == "3111.78万元"
    assert to_wan(31117796) == "3111.78"
    assert to_wan(254000, 2, fixed=True) == "25.40"
    assert to_wan(31117796, 0) == "3112"


def test_to_wan_is_a_template_filter(tmp_path):
    init_project(tmp_path / "p", agency="某某局")
    section = tmp_path / "p" / "templates" / "sections" / "1-主要工作.txt"
    section.write_text(section.read_text(encoding="utf-8") + "合计{{ items.total | to_wan(2) }}。\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "-c", str(tmp_path / "p" / "config.yaml")])
    assert "未知的过滤器" not in result.output


def test_a_filter_that_binds_before_the_division_is_found_by_lint(tmp_path):
    init_project(tmp_path / "p", agency="某某局", period="quarter")
    section = tmp_path / "p" / "templates" / "sections" / "1-主要工作.txt"
    section.write_text(
        section.read_text(encoding="utf-8") + "比例{{ (items.closed + items.total) / items.total | pct(1) }}。\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    config = str(tmp_path / "p" / "config.yaml")
    linted = runner.invoke(main, ["lint", "-c", config])
    assert linted.exit_code == 1
    assert "1-主要工作.txt:8: 过滤器 pct 只作用在“/”一侧的数上" in linted.output
    assert "“|”比“/”先结合" in linted.output
    built = runner.invoke(main, ["build", "-c", config, "-o", str(tmp_path / "d.docx")])
    assert built.exit_code == 2
    assert "f0" not in built.output  # no internal id


def test_the_parenthesised_form_passes(tmp_path):
    init_project(tmp_path / "p", agency="某某局")
    section = tmp_path / "p" / "templates" / "sections" / "1-主要工作.txt"
    section.write_text(
        section.read_text(encoding="utf-8") + "比例{{ ((items.closed + items.total) / items.total) | pct(1) }}。\n",
        encoding="utf-8",
    )
    linted = CliRunner().invoke(main, ["lint", "-c", str(tmp_path / "p" / "config.yaml")])
    assert "只作用在" not in linted.output


def test_a_title_of_a_bulletin_has_its_de(tmp_path):
    init_project(tmp_path / "p", agency="某某局", period="quarter", title="执法检查情况通报")
    config = (tmp_path / "p" / "config.yaml").read_text(encoding="utf-8")
    assert '"{{ agency }}关于{{ period.label }}执法检查情况的通报"' in config
    assert '"{{ agency }}{{ period.label }}执法检查情况通报（草稿）.docx"' in config
    assert (tmp_path / "p" / "templates" / "sections" / "9-结尾.txt").read_text(encoding="utf-8") == "特此通报。\n"


def test_a_relative_change_from_zero_says_why_in_chinese():
    with pytest.raises(ValueError, match="上期数为 0"):
        yoy(5, 0)


def test_top_keeps_the_query_order_for_ties_and_an_empty_list_is_no_sentence():
    rows = [
        Row("q", {"name": Figure("甲", "q.name", ()), "n": Figure(3, "q.n", ())}),
        Row("q", {"name": Figure("乙", "q.name", ()), "n": Figure(5, "q.n", ())}),
        Row("q", {"name": Figure("丙", "q.name", ()), "n": Figure(3, "q.n", ())}),
    ]
    assert [r["name"].value for r in top(rows, 2, "n")] == ["乙", "甲"]  # 甲 and 丙 tie: the query's order
    with pytest.raises(FigureUnavailable, match="该期间没有数据"):
        top([], 5, "n")


def test_a_period_without_data_says_so_and_no_sentence_ends_in_yici_wei(tmp_path):
    project = tmp_path / "bulletin"
    shutil.copytree(REPO / "examples" / "bulletin", project)
    from reading import read_paragraphs

    from drafter import build

    result = build(project / "config.yaml", period="2019Q1", output=tmp_path / "d.docx")
    assert any(w.startswith("该期间没有数据：2019年第一季度") for w in result.warnings)
    text = read_paragraphs(result.path)
    assert "【待补充：排名列表（该期间没有数据）】" in text
    assert not any(p.rstrip("。").endswith(("依次为", "依次为：")) and "top(" in p for p in text)
    assert not any("(" in p and "/" in p and "【待补充：(" in p for p in text)  # no internal expression
    reasons = [o.reason or "" for o in result.registry.placeholders]
    assert not any(r.isascii() and r for r in reasons)


def test_sources_reads_the_spreadsheet_sources_of_the_bulletin(monkeypatch):
    monkeypatch.chdir(REPO / "examples" / "bulletin")
    result = CliRunner().invoke(main, ["sources"])
    assert result.exit_code == 0, result.output
    assert "Excel 工作簿 检查记录、检查计划（2 张表）" in result.output
    assert "CSV 文件夹 立案（1 张表）" in result.output
    assert "Could not parse" not in result.output


def test_a_comparison_with_a_period_that_has_no_data_names_the_comparison_and_the_other_side(tmp_path):
    """The first year of a new project's 台账 has no year before it: the placeholders say that the
    同比 (and the change of a rate) is missing, not the figure, which is printed beside them, and
    the reasons name the previous period's figures."""
    import datetime as dt

    from reading import read_paragraphs

    from drafter import build

    project = tmp_path / "新项目"
    init_project(project, agency="测试局", period="year")
    first = dt.date.today().year - 2  # the example rows begin then (intake.scaffold.example_rows)
    result = build(project / "config.yaml", period=str(first), output=tmp_path / "d.docx")
    (text,) = [p for p in read_paragraphs(result.path) if "待补充" in p]
    total = next(o for o in result.registry if o.ref == "items.total")
    assert f"各类事项{total.text}件，【待补充：items.total 同比】" in text
    assert "各类事项办理情况（示例台账“办理记录”工作表）的同比变化】" in text  # pp's prefix="同比"
    reasons = [o.reason for o in result.registry if o.placeholder]
    assert reasons == [
        "与 prev.items.total（0）比较：上期数为 0，无法计算增减幅度",
        "prev.items.closed 的查询结果为空（NULL）",
    ]


def test_a_null_figure_of_the_other_period_is_named_as_the_reason(tmp_path):
    from drafter.data.figures import FigureRegistry
    from drafter.text.environment import make_environment

    registry = FigureRegistry()
    env = make_environment(registry)
    now, before = Figure(12, "q.n", ()), Figure(None, "prev.q.n", ())
    env.from_string("{{ a | yoy(b) }}，{{ a | pp(b, prefix='环比') }}").render(a=now, b=before)
    yoy_, pp_ = list(registry)
    assert yoy_.text == "【待补充：q.n 同比】" and pp_.text == "【待补充：q.n的环比变化】"
    assert yoy_.reason == pp_.reason == "prev.q.n 的查询结果为空（NULL）"
