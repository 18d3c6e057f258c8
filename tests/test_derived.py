"""Derived figures keep their provenance: arithmetic, round, num(digits), fixed=True; the manifest
records formula and inputs; check recomputes them from the current inputs."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from periodproject import make_project, manifest_json, paragraphs, rendered, set_month, totals

from drafter.data.figures import Figure, FigureRegistry, Provenance, evaluate, formula_text
from drafter.outcome import check_exit_code
from drafter.text.environment import make_environment

A = Provenance("q", "src", "a")
B = Provenance("q", "src", "b")


def fig(value, prov=A) -> Figure:
    return Figure.from_column(value, prov, "测试")


def render(source: str, **context):
    registry = FigureRegistry()
    text = make_environment(registry).from_string(source).render(context)
    from drafter.data.figures import strip_marks

    return strip_marks(text), list(registry)


def test_arithmetic_records_formula_and_inputs():
    a, b = fig(12301), fig(433, B)
    rate = (a / b * 1000).rounded(1)
    assert rate.value == Decimal("28408.8")
    assert rate.derived and not a.derived
    assert rate.inputs == (("q.a", 12301), ("q.b", 433))
    assert formula_text(rate.expr) == "round(q.a / q.b * 1000, 1)"
    assert formula_text((a - (b - 1)).expr) == "q.a - (q.b - 1)"
    assert formula_text(((a + b) / 2).expr) == "(q.a + q.b) / 2"
    # evaluated from the manifest's JSON exactly as the build computed it
    as_json = json.loads(json.dumps(rate.expr))
    assert evaluate(as_json, {"q.a": 12301, "q.b": 433}) == rate.value
    assert evaluate(as_json, {"q.a": 12301, "q.b": 0}) is None  # a zero denominator in the data
    assert evaluate(json.loads(json.dumps((a / b).expr)), {"q.a": 1, "q.b": 3}) == Decimal(1) / Decimal(3)
    with pytest.raises(ValueError):
        evaluate(["exec", "x"], {})


@pytest.mark.parametrize(
    "source, text",
    [
        ("{{ (a / b) | num }}", "284.0646651270207852193995381"),
        ("{{ (a / b) | num(1) }}", "284.1"),
        ("{{ (a / b) | round(1) }}", "284.1"),
        ("{{ (a / b) | round(1, 'floor') }}", "284"),
        ("{{ (a / b) | round(2) | num(2, fixed=True) }}", "284.06"),
        ("{{ (b / b * 284) | num(1, fixed=True) }}", "284.0"),
        ("{{ (a - b) }}、{{ a + b }}、{{ a * 2 }}", "122567、123433、246000"),
        ("{{ (c / 10) | wan_yuan(2, fixed=True) }}", "25.40万元"),
        ("{{ (c / c * 0.95) | pct(1, fixed=True) }}", "95.0%"),
        ("{{ (c / 10) | wan(1, approx=False, fixed=True) }}", "25.4万"),
        ("{{ (c * 10) | wan(1, approx=False, fixed=True) }}", "2540.0万"),
        ("{{ '%.1f' | format(a / b) }}次", "284.1次"),
    ],
)
def test_filters_on_derived_figures(source, text):
    shown, occurrences = render(source, a=fig(123000), b=fig(433, B), c=fig(2540000, Provenance("r", "src", "c")))
    assert shown == text
    assert occurrences and all(o.sources for o in occurrences)  # every printed figure keeps its provenance
    derived = [o for o in occurrences if o.expr is not None]
    assert derived, "a derived figure records its formula"
    assert all(dict(o.inputs) for o in derived)


def test_round_on_a_plain_number_is_jinjas():
    shown, occurrences = render("{{ 2.25 | round(1) }}")
    assert shown == "2.2" and occurrences == []  # Python's round, as before; not a figure


SECTION = """\
一、{{ period.label }}检查情况
共检查{{ checks.checks }}次，发现隐患{{ checks.found }}处，每百次检查发现隐患{{ (checks.found / checks.checks * 100) | num(1, fixed=True) }}处，\
整改率{{ checks.fixed | ratio(checks.found) | pct(1, fixed=True) }}，未整改{{ checks.found - checks.fixed }}处。
"""


def test_the_manifest_records_formula_and_inputs(tmp_path):

    from drafter import build

    config = make_project(tmp_path, section=SECTION)
    result = build(config, period="2025Q1")
    checks, found, fixed = totals(dt.date(2025, 1, 1), dt.date(2025, 4, 1))
    per_hundred = (Decimal(found) / Decimal(checks) * 100).quantize(Decimal("0.1"))
    body = next(t for t in paragraphs(result.path) if t.startswith("共检查"))
    assert f"每百次检查发现隐患{per_hundred:.1f}处" in body
    assert f"未整改{found - fixed}处" in body
    figures = {f["ref"]: f for f in manifest_json(result.path)["figures"]}
    rate = figures["((checks.found/checks.checks)*100)"]
    assert rate["formula"] == "checks.found / checks.checks * 100"
    assert rate["inputs"] == [{"ref": "checks.found", "value": found}, {"ref": "checks.checks", "value": checks}]
    assert rate["expr"] == ["*", ["/", ["ref", "checks.found"], ["ref", "checks.checks"]], ["const", "100"]]
    assert figures["(checks.found-checks.fixed)"]["value"] == found - fixed
    assert "formula" not in figures["checks.found"]  # a query's own value is no formula


def test_check_recomputes_a_derived_figure_from_its_inputs(tmp_path):
    from drafter import build, check

    config = make_project(tmp_path, section=SECTION)
    draft = build(config, period="2025Q1").path
    assert check_exit_code(check(draft, config)) == 0
    set_month(config, 2025, 2, checks=1)  # changes checks.checks, an input of the rate per hundred
    report = check(draft, config)
    stale = {f.ref: f for f in report.figures if f.status == "数据已变化"}
    assert set(stale) == {"checks.checks", "((checks.found/checks.checks)*100)"}, rendered(report)
    note = stale["((checks.found/checks.checks)*100)"].note
    assert "算式 checks.found / checks.checks * 100 的输入变化：checks.checks" in note


def test_a_derived_figure_the_templates_no_longer_print_is_checked_through_its_inputs(tmp_path):
    from drafter import build, check

    config = make_project(tmp_path, section=SECTION)
    draft = build(config, period="2025Q1").path
    # The editor removes the sentence from the template after the draft was built.
    template = config.parent / "templates/sections/1-检查.txt"
    template.write_text(SECTION.replace("未整改{{ checks.found - checks.fixed }}处", "已整改"), encoding="utf-8")
    report = check(draft, config)
    [gone] = [f for f in report.figures if f.ref == "(checks.found-checks.fixed)"]
    assert gone.status == "一致" and "结果不变" in gone.note, rendered(report)
    set_month(config, 2025, 3, checks=1)  # not an input of found - fixed
    assert [f.status for f in check(draft, config).figures if f.ref == gone.ref] == ["一致"]
    with __import__("sqlite3").connect(config.parent / "data/main.db") as conn:
        conn.execute("UPDATE inspection SET fixed = 0 WHERE day = '2025-02-15'")
    [now] = [f for f in check(draft, config).figures if f.ref == gone.ref]
    assert now.status == "数据已变化"
    assert "checks.fixed" in now.note and "按草稿记录的算式 checks.found - checks.fixed" in now.note


def test_a_round_that_is_not_a_number_of_digits_names_the_line(tmp_path):
    from drafter import build
    from drafter.errors import TemplateError

    config = make_project(tmp_path, section="一、情况\n{{ checks.checks | round('x') }}\n")
    with pytest.raises(TemplateError) as info:
        build(config, period="2025Q1")
    assert info.value.line == 2 and "round" in info.value.message


def test_a_derived_figure_over_a_comparison_is_checked_after_the_template_drops_it(tmp_path):
    from drafter import build, check

    section = "一、情况\n比上年同期多检查{{ checks.checks - prev.checks.checks }}次。\n"
    config = make_project(tmp_path, section=section)
    draft = build(config, period="2025Q1").path
    template = config.parent / "templates/sections/1-检查.txt"
    template.write_text("一、情况\n共检查{{ checks.checks }}次。\n", encoding="utf-8")
    set_month(config, 2024, 2, checks=1)  # the prior year's rows: an input of the difference
    [diff] = [f for f in check(draft, config).figures if f.ref == "(checks.checks-prev.checks.checks)"]
    assert diff.status == "数据已变化", diff.note
    assert "prev.checks.checks" in diff.note and "按草稿记录的算式 checks.checks - prev.checks.checks" in diff.note


def test_figures_json_lists_the_formula(tmp_path):
    from drafter.review.listing import list_figures, to_json

    config = make_project(tmp_path, section=SECTION)
    data = json.loads(to_json(list_figures(config, period="2025Q1")))
    formulas = {f["ref"]: f["formula"] for f in data["figures"]}
    assert formulas["((checks.found/checks.checks)*100)"] == "checks.found / checks.checks * 100"
    assert formulas["checks.checks"] == ""
