"""Report periods: parsing, labels, neighbours, the default period, and end-to-end builds
and checks for every kind on a small project of its own."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from periodproject import make_project, paragraphs, rendered, set_month, totals

from drafter.errors import ConfigError
from drafter.outcome import check_exit_code
from drafter.project.period import Period, PeriodError, as_period, default_period, latest_ended

D = dt.date


@pytest.mark.parametrize(
    "text, kind, start, end, label, code",
    [
        ("2025", "year", D(2025, 1, 1), D(2026, 1, 1), "2025年度", "2025"),
        ("2025H1", "half", D(2025, 1, 1), D(2025, 7, 1), "2025年上半年", "2025H1"),
        ("2025h2", "half", D(2025, 7, 1), D(2026, 1, 1), "2025年下半年", "2025H2"),
        ("2025Q1", "quarter", D(2025, 1, 1), D(2025, 4, 1), "2025年第一季度", "2025Q1"),
        ("2025q4", "quarter", D(2025, 10, 1), D(2026, 1, 1), "2025年第四季度", "2025Q4"),
        ("2025-03", "month", D(2025, 3, 1), D(2025, 4, 1), "2025年3月", "2025-03"),
        ("2025-12", "month", D(2025, 12, 1), D(2026, 1, 1), "2025年12月", "2025-12"),
        (
            "2025-01-01..2025-03-31",
            "range",
            D(2025, 1, 1),
            D(2025, 4, 1),
            "2025年1月1日至3月31日",
            "2025-01-01..2025-03-31",
        ),
        (
            "2024-12-01..2025-02-28",
            "range",
            D(2024, 12, 1),
            D(2025, 3, 1),
            "2024年12月1日至2025年2月28日",
            "2024-12-01..2025-02-28",
        ),
        (" ２０２５Ｑ２ ", "quarter", D(2025, 4, 1), D(2025, 7, 1), "2025年第二季度", "2025Q2"),
    ],
)
def test_every_written_form(text, kind, start, end, label, code):
    period = Period.parse(text)
    assert (period.kind, period.start, period.end, period.label, period.code) == (kind, start, end, label, code)
    assert Period.parse(period.code) == period  # the code reads back
    assert Period.from_json(json.loads(json.dumps(period.to_json()))) == period


@pytest.mark.parametrize(
    "text, said",
    [
        ("25", "年份应为四位数字"),
        ("2025Q5", "季度只有 Q1–Q4"),
        ("2025H3", "半年只有 H1、H2"),
        ("2025-13", "月份应为 1–12"),
        ("2025-3-1", "年份应为四位数字"),
        ("2025-03-31..2025-01-01", "早于开始日"),
        ("2025-02-30..2025-03-31", "不是有效的日期"),
        ("20250101..20250331", "YYYY-MM-DD"),
        ("1800", "超出范围"),
        ("第一季度", "年份应为四位数字"),
        ("", "年份应为四位数字"),
    ],
)
def test_bad_forms_say_what_is_wrong_and_list_the_forms(text, said):
    with pytest.raises(PeriodError) as info:
        Period.parse(text)
    message = str(info.value)
    assert said in message
    assert f"无法识别的期间“{text}”" in message
    assert "2025Q1（季度）" in message and "2025-01-01..2025-03-31" in message


def test_parameters_of_each_kind():
    assert Period.parse("2025").parameters() == {
        "year": 2025,
        "period_start": D(2025, 1, 1),
        "period_end": D(2026, 1, 1),
    }
    assert Period.parse("2025H2").parameters()["half"] == 2
    assert Period.parse("2025Q3").parameters()["quarter"] == 3
    assert "quarter" not in Period.parse("2025-03").parameters()
    assert Period.parse("2025-03").parameters()["month"] == 3
    ranged = Period.parse("2025-02-10..2025-02-20").parameters()
    assert ranged == {"year": 2025, "period_start": D(2025, 2, 10), "period_end": D(2025, 2, 21)}


@pytest.mark.parametrize(
    "text, prev, last",
    [
        ("2025", "2024", "2024"),
        ("2025H1", "2024H1", "2024H2"),
        ("2025H2", "2024H2", "2025H1"),
        ("2025Q1", "2024Q1", "2024Q4"),
        ("2025Q3", "2024Q3", "2025Q2"),
        ("2025-01", "2024-01", "2024-12"),
        ("2025-03", "2024-03", "2025-02"),
        ("2025-01-01..2025-03-31", "2024-01-01..2024-03-31", "2024-10-01..2024-12-31"),
        ("2025-02-11..2025-02-20", "2024-02-11..2024-02-20", "2025-02-01..2025-02-10"),
        ("2024-02-01..2024-02-29", "2023-02-01..2023-02-28", "2024-01-01..2024-01-31"),
    ],
)
def test_same_period_a_year_earlier_and_the_period_just_before(text, prev, last):
    period = Period.parse(text)
    assert period.prev == Period.parse(prev)
    assert period.last == Period.parse(last)


def test_default_period_rules():
    today = D(2026, 5, 20)
    assert default_period(None, 2025, today) == Period.parse("2025")
    assert default_period("year", None, today) == Period.parse("2025")
    assert default_period("quarter", None, today) == Period.parse("2026Q1")
    assert default_period("month", None, today) == Period.parse("2026-04")
    assert default_period("half", None, today) == Period.parse("2025H2")
    # With a year: its latest period ended by today, its last when the year is over, its first before.
    assert default_period("quarter", 2025, today) == Period.parse("2025Q4")
    assert default_period("quarter", 2026, today) == Period.parse("2026Q1")
    assert default_period("month", 2026, D(2026, 1, 10)) == Period.parse("2026-01")
    assert default_period("2025Q2", 2024, today) == Period.parse("2025Q2")
    assert latest_ended("month", D(2026, 1, 1)) == Period.parse("2025-12")


# -- config ------------------------------------------------------------------------------------


def test_config_period_kind_and_specific_period(tmp_path):
    from drafter.project.config import load_config

    config = make_project(tmp_path, period="quarter")
    loaded = load_config(config, today=D(2025, 8, 3))
    assert loaded.period == Period.parse("2025Q2") and loaded.report.year == 2025
    assert loaded.report_date == D(2025, 6, 30)  # the period's last day
    assert load_config(config, period="2025-03").period.label == "2025年3月"
    assert load_config(config, year=2024).period == Period.parse("2024")
    text = config.read_text(encoding="utf-8").replace("period: quarter", "period: 2025H1")
    config.write_text(text, encoding="utf-8")
    assert load_config(config).period == Period.parse("2025H1")


def test_config_bad_period_names_the_line(tmp_path):
    from drafter.project.config import load_config

    config = make_project(tmp_path, period="2025Q7")
    with pytest.raises(ConfigError) as info:
        load_config(config)
    assert info.value.line == 4 and "report.period" in info.value.message
    assert "季度只有 Q1–Q4" in info.value.cause


def test_config_without_year_or_period(tmp_path):
    from drafter.project.config import load_config

    config = make_project(tmp_path)
    config.write_text(
        config.read_text(encoding="utf-8").replace("  year: 2025\n  period: quarter\n", ""), encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        load_config(config)
    assert "report.year" in info.value.message and "report.period: quarter" in info.value.hint


@pytest.mark.parametrize("key", ["period_start", "year", "quarter"])
def test_builtin_parameters_cannot_be_redefined(tmp_path, key):
    from drafter import build, lint

    config = make_project(tmp_path, parameters=f"parameters:\n  unit: 市局\n  {key}: 2024-01-01\n")
    with pytest.raises(ConfigError) as info:
        build(config, period="2025Q1")
    assert f"“{key}”与内置参数重名" in info.value.message and info.value.exit_code == 2
    assert info.value.line == 11 and info.value.path == config.resolve()
    findings = lint(config)
    same = [f for f in findings if f"“{key}”与内置参数重名" in f.message]
    assert len(same) == 1 and same[0].line == 11
    # The rest of the project is still checked with the configuration that loaded.
    assert not [f for f in findings if "数据源" in f.message]
    assert not list(config.parent.glob("output/*.docx"))


def test_a_quarter_parameter_in_a_year_report_says_when_it_exists(tmp_path):
    from drafter.builder import load_project
    from drafter.errors import QueryError

    sql = "-- source: main\n-- description: 本季度\n-- returns: scalar\nSELECT :quarter AS q\n"
    config = make_project(tmp_path, extra_queries={"q": sql}, section="一、情况\n第{{ q }}季度。\n")
    assert load_project(config, period="2025Q3").queries["q"].name == "q"
    with pytest.raises(QueryError) as info:
        load_project(config, year=2025)
    assert ":quarter 只在报告期间是季度时才有" in info.value.message
    assert "--period 2025Q1" in info.value.hint


# -- end to end --------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["2025", "2025H2", "2025Q1", "2025-03", "2025-02-10..2025-05-20"])
def test_build_and_check_each_kind(tmp_path, written):
    from drafter import build, check, lint

    config = make_project(tmp_path)
    period = Period.parse(written)
    result = build(config, period=written)
    assert result.period == period
    label = period.label
    assert result.path.name == f"示例市执法局{label}检查通报（草稿）.docx"
    text = [t.replace("\n", "") for t in paragraphs(result.path)]  # a long title is broken into lines
    assert f"示例市执法局关于{label}法治政府建设情况报告" in text  # the default title
    checks, found, _fixed = totals(period.start, period.end)
    body = next(t for t in text if t.startswith(label + "（"))
    first, last = period.start, period.last_day
    assert body.startswith(
        f"{label}（{first.year}年{first.month}月{first.day}日至"
        f"{last.year}年{last.month}月{last.day}日）共检查{checks}次，发现隐患{found}处"
    )
    assert f"一、{label}检查情况" in text
    report = check(result.path, config)
    assert check_exit_code(report) == 0, rendered(report)
    assert report.period == period and report.year_from == "草稿清单"
    assert lint(config) == []
    assert rendered(report).startswith(f"核对 {result.path.name}（{label}")


def test_check_reruns_the_period_of_the_draft_not_the_configuration(tmp_path):
    from drafter import build, check

    config = make_project(tmp_path)
    draft = build(config, period="2025Q2").path
    set_month(config, 2025, 5, 1)  # inside Q2
    set_month(config, 2025, 8, 1)  # inside Q3: no figure of the Q2 draft changes
    report = check(draft, config, period="2025Q3")
    assert report.period == Period.parse("2025Q2")
    assert [f.status for f in report.figures if f.ref == "checks.checks"] == ["数据已变化"]
    assert "草稿记录的期间是2025年第二季度，已忽略 --period 2025Q3" in rendered(report)


def test_a_draft_built_before_periods_checks_as_its_year(tmp_path):
    from docx import Document

    from drafter import build, check
    from drafter.word.manifest import Manifest, read_manifest, write_manifest

    config = make_project(tmp_path)
    draft = build(config, year=2024).path
    document = Document(str(draft))
    data = read_manifest(document).model_dump(mode="json", exclude_unset=True)
    assert data["period"]["code"] == "2024"
    del data["period"]  # as drafter wrote manifests before periods
    write_manifest(document, Manifest.model_validate(data))
    document.save(str(draft))
    report = check(draft, config)
    assert report.period == Period.parse("2024") and check_exit_code(report) == 0, rendered(report)


def test_check_without_manifest_reads_the_period_from_the_title(tmp_path):
    from docx import Document

    from drafter import build, check
    from drafter.word.manifest import MANIFEST_NS

    config = make_project(tmp_path)
    draft = build(config, period="2025-03").path
    document = Document(str(draft))
    rels = document.part.rels
    for rel_id, rel in list(rels.items()):
        if not rel.is_external and MANIFEST_NS.encode() in rel.target_part.blob[:400]:
            del rels[rel_id]
    document.save(str(draft))
    report = check(draft, config)
    assert (report.period, report.year_from) == (Period.parse("2025-03"), "标题")
    assert not [f for f in report.figures if f.status != "一致"], rendered(report)


def test_cli_period_option(tmp_path):
    from drafter.cli import main

    config = make_project(tmp_path)
    runner = CliRunner()
    out = runner.invoke(main, ["build", "-c", str(config), "--period", "2025Q1"])
    assert out.exit_code == 0, out.output
    assert "已生成2025年第一季度草稿" in out.stderr
    assert out.stdout.strip().endswith("示例市执法局2025年第一季度检查通报（草稿）.docx")
    bad = runner.invoke(main, ["build", "-c", str(config), "--period", "2025Q5"])
    assert bad.exit_code == 2
    assert "季度只有 Q1–Q4" in bad.stderr and "2025-03（月）" in bad.stderr
    both = runner.invoke(main, ["build", "-c", str(config), "--period", "2025Q1", "--year", "2025"])
    assert both.exit_code == 2 and "--year 和 --period 只能用一个" in both.stderr
    listing = runner.invoke(main, ["figures", "-c", str(config), "-p", "2025-02", "-f", "json"])
    assert listing.exit_code == 0, listing.output
    data = json.loads(listing.stdout)
    assert data["period"]["label"] == "2025年2月"
    assert [f["value"] for f in data["figures"] if f["ref"] == "checks.checks"] == [
        totals(D(2025, 2, 1), D(2025, 3, 1))[0]
    ]


def test_the_sample_annual_draft_is_unchanged(sample_draft, sample_project):
    """The sample's annual report reads exactly as before periods existed (snapshot of its text)."""
    from reading import read_paragraphs

    from drafter.builder import default_output, load_project

    snapshot = (Path(__file__).parent / "data/sample-2025-draft.txt").read_text(encoding="utf-8")
    assert [p.replace("\n", "\\n") for p in read_paragraphs(sample_draft)] == snapshot.splitlines()
    project = load_project(sample_project)
    assert project.period == Period.parse("2025")
    assert default_output(project.config).name == "青浦区应急管理局2025年度法治政府建设情况报告（草稿）.docx"


@pytest.mark.parametrize(
    "title, lines",
    [
        (
            "示例市执法局关于2025年第二季度法治政府建设情况报告",
            ["示例市执法局", "关于2025年第二季度法治政府建设情况报告"],
        ),
        ("某市应急管理局2025年第三季度执法检查情况通报", ["某市应急管理局", "2025年第三季度执法检查情况通报"]),
        ("示例市执法局关于2025年上半年法治政府建设情况报告", ["示例市执法局", "关于2025年上半年法治政府建设情况报告"]),
    ],
)
def test_a_long_title_never_splits_its_period_label(title, lines):
    from drafter.word.titles import balance_title

    assert balance_title(title) == lines


def test_a_period_is_read_in_one_place_from_each_form_a_caller_names():
    """`as_period`: what the command line, the web form and the library's `period=`/`year=` give."""
    q3 = Period.parse("2025Q3")
    assert as_period(None) is None and as_period(q3) is q3
    assert as_period(2024) == as_period("2024") == Period.of_year(2024)
    assert as_period("２０２５ｑ３") == q3
    with pytest.raises(ConfigError) as bad:
        as_period("2025Q5")
    assert bad.value.exit_code == 2 and "2025Q5" in bad.value.message and "README" in (bad.value.hint or "")
    with pytest.raises(PeriodError):
        as_period(1800)


def test_the_public_api_takes_year_or_period_and_the_layers_below_only_a_period():
    import inspect

    from drafter import build, check, load_config, load_project
    from drafter.pipeline.validate import validate
    from drafter.project.validation import load_checked
    from drafter.review.batch import check_many
    from drafter.review.listing import list_figures
    from drafter.review.pageview import view_of_project

    for edge in (build, check, load_config, load_project):
        assert {"year", "period"} <= set(inspect.signature(edge).parameters), edge.__name__
    for inner in (validate, load_checked, check_many, list_figures, view_of_project):
        parameters = inspect.signature(inner).parameters
        assert "period" in parameters and "year" not in parameters, inner.__name__
