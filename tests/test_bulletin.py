"""examples/bulletin/: a second project of another genre (a city bureau's quarterly
执法检查情况通报 across its district units) over spreadsheets. It builds, lints and checks
clean for its default period (2025年第四季度) and others, its data is what make_data.py
writes, and its figures — counts, 同比 and 环比, derived rates, rankings — equal what is
counted here straight from the cells."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import shutil
from collections import Counter, defaultdict
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from reading import read_paragraphs

from drafter import build
from drafter.cli import main
from drafter.project.period import Period
from drafter.text.numbers import date_cn, mom, num, pct, pp, ratio, wan_yuan, yoy

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples/bulletin"
PERIOD = Period.parse("2025Q4")  # the example's default: the last quarter of 2025 that has ended


def _make_data():
    spec = importlib.util.spec_from_file_location("bulletin_make_data", EXAMPLE / "make_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the example (its output folder left out), as a user would have it."""
    target = tmp_path_factory.mktemp("bulletin") / "bulletin"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("output", "__pycache__"))
    return target / "config.yaml"


@pytest.fixture(scope="module")
def draft(project) -> Path:
    result = build(project, output=project.parent / "draft.docx", force=True)
    assert result.project.config.period == PERIOD
    assert not result.failures and not result.placeholders
    return result.path


@pytest.fixture(scope="module")
def text(draft) -> list[str]:
    return [p for p in read_paragraphs(draft) if p.strip()]


def _pct(a: int, b: int) -> str:
    """a/b as the report writes a rate (formatting only; the counts are ours)."""
    return pct(ratio(a, b), 1, fixed=True)


def _day(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


class Cells:
    """The cells of the committed workbook and CSV file, read without drafter."""

    def __init__(self) -> None:
        wb = openpyxl.load_workbook(EXAMPLE / "data/执法检查台账.xlsx")
        self.inspections = list(wb["检查记录"].iter_rows(min_row=2, values_only=True))
        self.plan_rows = list(wb["检查计划"].iter_rows(min_row=2, values_only=True))
        with (EXAMPLE / "data/案件/立案.csv").open(encoding="utf-8-sig", newline="") as f:
            self.case_rows = list(csv.DictReader(f))

    def checks(self, p: Period) -> list[tuple]:
        return [r for r in self.inspections if p.start <= _day(r[1]) < p.end]

    def plan(self, p: Period) -> list[tuple]:
        return [r for r in self.plan_rows if p.start <= _day(r[1]) < p.end]

    def cases(self, p: Period) -> list[dict]:
        return [c for c in self.case_rows if p.start <= dt.date.fromisoformat(c["立案日期"]) < p.end]


@pytest.fixture(scope="module")
def cells() -> Cells:
    return Cells()


def test_the_committed_data_is_what_make_data_writes(tmp_path):
    paths = _make_data().write(tmp_path)
    for path in paths:
        committed = EXAMPLE / "data" / path.relative_to(tmp_path)
        assert committed.read_bytes() == path.read_bytes(), committed


def test_the_master_is_the_one_build_master_writes(tmp_path):
    from drafter.word.master import build_master

    build_master(tmp_path / "report.docx")
    assert (EXAMPLE / "templates/report.docx").read_bytes() == (tmp_path / "report.docx").read_bytes()


def test_it_lints_builds_and_checks_clean(project, draft):
    runner = CliRunner()
    lint = runner.invoke(main, ["lint", "-c", str(project)])
    assert lint.exit_code == 0, lint.output
    check = runner.invoke(main, ["check", str(draft), "-c", str(project)])
    assert check.exit_code == 0, check.output
    assert "全部一致" in check.output and "无来源数字 0 处" in check.output


def test_the_overall_figures_and_their_comparisons_are_the_counts_of_the_cells(text, cells):
    now, before, last = cells.checks(PERIOD), cells.checks(PERIOD.prev), cells.checks(PERIOD.last)
    planned = sum(r[2] for r in cells.plan(PERIOD))
    problems = sum(r[5] for r in now)

    def found(rows):
        return sum(1 for r in rows if r[5] > 0)

    cases, cases_before = cells.cases(PERIOD), cells.cases(PERIOD.prev)
    expected = (
        f"{PERIOD.label}，全市市场监管部门共开展执法检查{len(now)}次，{yoy(len(now), len(before))}，"
        f"{mom(len(now), len(last))}，为计划检查次数（{planned}次）的{_pct(len(now), planned)}。"
        f"检查市场主体{len({r[3] for r in now})}户，发现问题{problems}个，"
        f"平均每次检查发现问题{num(ratio(problems, len(now)), 2, fixed=True)}个；"
        f"问题检出率{_pct(found(now), len(now))}，"
        f"{pp(ratio(found(now), len(now)), ratio(found(before), len(before)), prefix='同比')}；"
        f"责令整改{sum(1 for r in now if r[6] == '是')}次。检查后立案{len(cases)}件，"
        f"{yoy(len(cases), len(cases_before), words='增加')}，罚没款{wan_yuan(sum(int(c['罚没金额']) for c in cases))}。"
    )
    assert expected in text


def test_units_are_ranked_by_plan_completion_and_those_behind_are_named(text, cells):
    done = Counter(r[2] for r in cells.checks(PERIOD))
    planned: dict[str, int] = defaultdict(int)
    for unit, _month, n in cells.plan(PERIOD):
        planned[unit] += n
    rate = {u: Fraction(done[u], planned[u]) for u in planned}
    ranked = sorted(planned, key=lambda u: (-rate[u], u))
    listing = "、".join(f"{u}（{_pct(done[u], planned[u])}）" for u in ranked)
    paragraph = next(p for p in text if p.startswith("按计划完成率排名"))
    assert paragraph.startswith(f"按计划完成率排名，依次为{listing}。")
    behind = [u for u in sorted(planned, key=lambda u: (rate[u], u)) if rate[u] < Fraction(9, 10)]
    if behind:
        assert f"{'、'.join(behind)}计划完成率低于90%" in paragraph
    else:
        assert paragraph.endswith("各分局计划完成率均在90%以上。")


def test_detection_rates_cases_and_kinds(text, cells):
    by_unit: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in cells.checks(PERIOD):
        for key, table in ((r[2], by_unit), (r[4], by_kind)):
            table[key][0] += 1
            table[key][1] += r[5] > 0
    order = sorted(by_unit, key=lambda u: (-Fraction(by_unit[u][1], by_unit[u][0]), u))
    listing = "、".join(f"{u}（{_pct(by_unit[u][1], by_unit[u][0])}）" for u in order)
    assert any(p.startswith(f"问题检出率由高到低依次为{listing}。") for p in text)

    cases: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in cells.cases(PERIOD):
        cases[c["办案单位"]][0] += 1
        cases[c["办案单位"]][1] += int(c["罚没金额"])
    ranked = sorted(cases, key=lambda u: (-cases[u][0], -cases[u][1], u))
    assert "；".join(f"{u}立案{cases[u][0]}件、罚没款{wan_yuan(cases[u][1])}" for u in ranked) + "。" in text

    kinds = sorted(by_kind, key=lambda k: (-by_kind[k][0], k))
    assert (
        "；".join(f"{k}检查{by_kind[k][0]}次，问题检出率{_pct(by_kind[k][1], by_kind[k][0])}" for k in kinds) + "。"
        in text
    )


def test_it_reads_as_a_bulletin_of_its_own_office(text):
    assert text[0] == "云市监〔2026〕5号"
    assert text[1].split("\n") == ["云川市市场监督管理局", "关于2025年第四季度全市执法检查情况的通报"]
    assert text[2] == "各区分局，局机关各处室："
    assert (
        text[3]
        == f"为推动各分局均衡开展执法检查、及时发现和解决问题，现将{PERIOD.label}全市市场监管执法检查情况通报如下。"
    )
    assert text[-3:] == ["特此通报。", "云川市市场监督管理局", date_cn(PERIOD.last_day)]
    assert not any(w in p for p in text for w in ("青浦", "上海", "应急管理", "法治政府"))


@pytest.mark.parametrize("period", ["2025Q1", "2025", "2025H1", "2025-06"])
def test_other_periods_build_and_check_clean(project, cells, tmp_path, period):
    """The same queries and templates for another quarter, the year, a half-year, a month."""
    p = Period.parse(period)
    result = build(project, period=period, output=tmp_path / "d.docx")
    assert not result.failures and not result.placeholders
    text = [t for t in read_paragraphs(result.path) if t.strip()]
    checks = len(cells.checks(p))
    assert text[4] == "一、总体情况"
    assert text[5].startswith(
        f"{p.label}，全市市场监管部门共开展执法检查{checks}次，{yoy(checks, len(cells.checks(p.prev)))}，"
        f"{mom(checks, len(cells.checks(p.last)))}，"
    )
    check = CliRunner().invoke(main, ["check", str(result.path), "-c", str(project)])
    assert check.exit_code == 0, check.output


def test_a_changed_workbook_is_noticed_by_check(project, draft, tmp_path):
    copy = tmp_path / "bulletin"
    shutil.copytree(project.parent, copy)
    book = copy / "data/执法检查台账.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["检查记录"]
    for row in ws.iter_rows(min_row=2):
        if PERIOD.start <= _day(row[1].value) < PERIOD.end:
            row[6].value = "否" if row[6].value == "是" else "是"  # one 责令整改 flipped
            break
    wb.save(book)
    result = CliRunner().invoke(main, ["check", str(copy / "draft.docx"), "-c", str(copy / "config.yaml")])
    assert result.exit_code == 1
    assert "数据源“ledger”的表格文件 data/执法检查台账.xlsx 自生成草稿以来已修改" in result.output
    assert "[数据已变化]" in result.output and "inspections.orders" in result.output
