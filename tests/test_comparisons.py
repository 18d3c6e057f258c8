"""`prev` (同比) and `last` (环比): the same query over a shifted period, run only when a template
names it, with its own provenance, checked like any other figure; yoy / mom / pp wording."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from periodproject import make_project, manifest_json, paragraphs, rendered, set_month, totals

from drafter.outcome import check_exit_code
from drafter.project.period import Period
from drafter.text import numbers

SECTION = """\
一、{{ period.label }}检查情况
本期检查{{ checks.checks }}次，{{ checks.checks | yoy(prev.checks.checks) }}，\
{{ checks.checks | mom(last.checks.checks, words="增加") }}；上年同期检查{{ prev.checks.checks }}次，\
{{ last.period.label }}检查{{ last.checks.checks }}次。
整改率{{ checks.fixed | ratio(checks.found) | pct(1) }}，\
{{ (checks.fixed / checks.found) | pp(prev.checks.fixed / prev.checks.found, prefix="同比") }}。
"""

OTHER_SQL = """\
-- source: main
-- description: 检查记录条数
-- returns: scalar
SELECT COUNT(*) AS n FROM inspection WHERE day >= :period_start AND day < :period_end
"""


def _pct_change(cur: int, prev: int) -> str:
    return numbers.yoy(cur, prev)[2:]  # 增长12.5% without 同比


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path, section=SECTION + "共{{ other }}条记录。\n", extra_queries={"other": OTHER_SQL})


def _body(path) -> str:
    return next(t for t in paragraphs(path) if t.startswith("本期检查"))


def test_prev_and_last_are_the_same_query_over_the_shifted_periods(project):

    from drafter import build

    result = build(project, period="2025Q2")
    now = totals(dt.date(2025, 4, 1), dt.date(2025, 7, 1))
    prev = totals(dt.date(2024, 4, 1), dt.date(2024, 7, 1))
    last = totals(dt.date(2025, 1, 1), dt.date(2025, 4, 1))
    assert _body(result.path) == (
        f"本期检查{now[0]}次，同比{_pct_change(now[0], prev[0])}，环比{numbers.mom(now[0], last[0], words='增加')[2:]}；"
        f"上年同期检查{prev[0]}次，2025年第一季度检查{last[0]}次。"
    )
    assert now[0] > last[0] > prev[0]  # the data make every comparison a distinct number
    rate = next(t for t in paragraphs(result.path) if t.startswith("整改率"))
    expected_pp = numbers.pp(Decimal(now[2]) / now[1], Decimal(prev[2]) / prev[1], prefix="同比")
    assert rate.endswith(f"，{expected_pp}。") and "个百分点" in expected_pp

    manifest = manifest_json(result.path)
    queries = manifest["queries"]
    # Only the comparison runs a template names: `other` is never run for prev/last.
    assert sorted(queries) == ["checks", "last.checks", "other", "prev.checks"]
    entry = queries["prev.checks"]
    assert (entry["query"], entry["compare"], entry["period"]["code"]) == ("checks", "prev", "2024Q2")
    assert entry["params"] == {"period_start": "2024-04-01", "period_end": "2024-07-01"}
    assert entry["sql"] == queries["checks"]["sql"]
    assert queries["last.checks"]["params"] == {"period_start": "2025-01-01", "period_end": "2025-04-01"}
    figure = next(f for f in manifest["figures"] if f["ref"] == "prev.checks.checks")
    assert figure["value"] == prev[0] and figure["sources"][0]["query"] == "prev.checks"
    assert "上年同期：2024年第二季度" in figure["description"]
    yoy = next(f for f in manifest["figures"] if f["filter"] == "yoy")
    assert [s["query"] for s in yoy["sources"]] == ["checks", "prev.checks"]


@pytest.mark.parametrize(
    "month, changed",
    [
        ((2024, 5), {"prev.checks.checks", "checks.checks|prev.checks.checks"}),  # inside 2024Q2
        ((2025, 2), {"last.checks.checks", "checks.checks|last.checks.checks"}),  # inside 2025Q1
        ((2024, 8), set()),  # in neither
        ((2025, 5), {"checks.checks", "checks.checks|prev.checks.checks", "checks.checks|last.checks.checks"}),
    ],
)
def test_a_comparison_figure_changes_exactly_when_its_rows_change(project, month, changed):
    from drafter import build, check

    draft = build(project, period="2025Q2").path
    assert check_exit_code(check(draft, project)) == 0
    set_month(project, *month, checks=5)
    report = check(draft, project)
    stale = {f.ref for f in report.figures if f.status == "数据已变化"}
    assert stale == changed, rendered(report)
    assert all(f.status in ("一致", "数据已变化") for f in report.figures)


def test_a_reference_the_ast_cannot_see_is_run_when_asked(tmp_path):

    from drafter import build, check

    section = "一、情况\n{% set earlier = prev %}上年同期{{ earlier.checks.visits }}条，{{ earlier.period.label }}。\n"
    config = make_project(tmp_path, section=section)
    result = build(config, period="2025-03")
    assert "上年同期1条，2024年3月。" in paragraphs(result.path)
    manifest = manifest_json(result.path)
    assert manifest["queries"]["prev.checks"]["params"]["period_start"] == "2024-03-01"
    assert check_exit_code(check(result.path, config)) == 0


def test_an_unknown_query_after_prev_names_the_line(tmp_path):
    from drafter import build, lint
    from drafter.errors import TemplateError

    config = make_project(
        tmp_path,
        section="一、情况\n上年{{ prev.chekcs.checks }}次，{{ checks.checks }}。\n上期{{ last.checks.nosuch }}。\n",
    )
    with pytest.raises(TemplateError) as info:
        build(config, period="2025Q1")  # stopped by the validation pass, as lint reports it
    assert info.value.line == 2 and "prev.chekcs：没有名为“chekcs”的查询" in info.value.message
    assert "prev.checks" in info.value.hint
    findings = {(f.line, f.message) for f in lint(config)}
    assert (2, "prev.chekcs：没有名为“chekcs”的查询") in findings
    assert (3, "查询 checks 没有“nosuch”这一列") in findings


def test_lint_accepts_comparisons_and_prev_period(tmp_path):
    from drafter import lint

    config = make_project(tmp_path, section=SECTION + "{{ prev.period.label }}、{{ last.period.code }}。\n")
    assert lint(config) == []


def test_a_failed_comparison_run_is_a_placeholder_named_after_it(tmp_path):
    from drafter import build

    sql = (
        "-- source: main\n-- description: 仅本季度\n-- returns: scalar\n"
        "SELECT COUNT(*) AS n FROM inspection WHERE day >= :period_start AND day < :period_end AND :quarter <> 4\n"
        "HAVING COUNT(*) > 0\n"
    )
    config = make_project(
        tmp_path, section="一、情况\n本期{{ q }}条，上一期{{ last.q }}条。\n", extra_queries={"q": sql}
    )
    result = build(config, period="2025Q1")  # last is 2024Q4: the query returns no row
    assert "本期3条，上一期【待补充：last.q】条。" in paragraphs(result.path)
    assert [o.ref for o in result.placeholders] == ["last.q"]
    assert "没有返回任何行" in result.placeholders[0].reason


def test_comparison_runs_are_concurrent_with_the_current_ones(project):
    from drafter.builder import load_project, run_project

    run = run_project(load_project(project, period="2025Q2"))
    assert list(run.results) == ["checks", "other", "prev.checks", "last.checks"]
    assert list(run.current) == ["checks", "other"]
    assert run.results["prev.checks"].period == Period.parse("2024Q2")


# -- wording -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, text",
    [
        (lambda: numbers.yoy(112.5, 100), "同比增长12.5%"),
        (lambda: numbers.yoy(96.8, 100), "同比下降3.2%"),
        (lambda: numbers.yoy(100, 100), "与上年持平"),
        (lambda: numbers.yoy(120, 100, words="增加"), "同比增加20%"),
        (lambda: numbers.yoy(80, 100, words="增加"), "同比减少20%"),
        (lambda: numbers.yoy(80, 100, words="上升"), "同比下降20%"),
        (lambda: numbers.yoy(130, 100, words="上升", prefix=False), "上升30%"),
        (lambda: numbers.yoy(100.4, 100, flat=0.5), "与上年持平"),
        (lambda: numbers.yoy(100.6, 100, flat=0.5), "同比增长0.6%"),
        (lambda: numbers.yoy(100.4, 100, flat=0.5, prefix=False), "持平"),
        (lambda: numbers.yoy(120, 100, fixed=True), "同比增长20.0%"),
        (lambda: numbers.yoy(120, 100, words="提升/回落"), "同比提升20%"),
        (lambda: numbers.mom(90, 100), "环比下降10%"),
        (lambda: numbers.mom(100, 100), "与上期持平"),
        (lambda: numbers.mom(110, 100, prefix=False, digits=2, fixed=True), "增长10.00%"),
        (lambda: numbers.pp(Decimal("0.953"), Decimal("0.932")), "提高2.1个百分点"),
        (lambda: numbers.pp(0.90, 0.95, words="上升", prefix="同比"), "同比下降5个百分点"),
        (lambda: numbers.pp(0.95, 0.95, prefix="环比"), "环比持平"),
        (lambda: numbers.pp(0.951, 0.95, flat=0.2), "持平"),
        (lambda: numbers.pp(0.97, 0.95, fixed=True), "提高2.0个百分点"),
    ],
)
def test_change_wording(call, text):
    assert call() == text


def test_unknown_words_and_a_zero_base_are_refused():
    with pytest.raises(ValueError):
        numbers.yoy(1, 2, words="变")
    with pytest.raises(ValueError):
        numbers.mom(1, 0)


def test_yoy_in_a_quarter_says_same_period_and_old_templates_keep_their_wording(tmp_path):
    from drafter import build

    section = "一、情况\n{{ checks.visits | yoy(prev.checks.visits) }}；{{ checks.visits | yoy(prev.checks.visits, prefix=False) }}。\n"
    config = make_project(tmp_path, section=section)
    assert "与上年同期持平；持平。" in paragraphs(build(config, period="2025Q1").path)
    assert "与上年持平；持平。" in paragraphs(build(config, period="2025").path)


def test_strict_stops_at_a_failed_comparison_run_and_names_it(tmp_path):
    from drafter import build
    from drafter.errors import DataError

    sql = (
        "-- source: main\n-- description: 仅本季度\n-- returns: scalar\n"
        "SELECT COUNT(*) AS n FROM inspection WHERE day >= :period_start AND day < :period_end AND :quarter <> 4\n"
        "HAVING COUNT(*) > 0\n"
    )
    config = make_project(tmp_path, section="一、情况\n上一期{{ last.q }}条。\n", extra_queries={"q": sql})
    with pytest.raises(DataError) as info:
        build(config, period="2025Q1", strict=True)
    assert "查询 q 没有返回任何行（last.q：2024年第四季度）" in info.value.message
    assert not list(config.parent.glob("output/*.docx"))  # no draft written


def test_a_comparison_in_the_word_master_is_found_before_the_queries_run(tmp_path):
    from docx import Document

    from drafter import build
    from drafter.builder import load_project

    config = make_project(tmp_path, section="一、情况\n本期{{ checks.checks }}次。\n")
    master = config.parent / "templates/report.docx"
    document = Document(str(master))
    document.add_paragraph("上年同期检查{{ prev.checks.checks }}次。")
    document.save(str(master))
    project = load_project(config, period="2025Q1")
    assert project.comparisons == {"prev": ["checks"], "last": []}
    result = build(config, period="2025Q1")
    prev = totals(dt.date(2024, 1, 1), dt.date(2024, 4, 1))[0]
    assert f"上年同期检查{prev}次。" in paragraphs(result.path)
    assert "prev.checks" in result.run.results
