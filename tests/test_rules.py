"""Consistency rules: each kind passing and failing on crafted figures, the sample's own rules on its
data, and rules at build (warnings, --strict, manifest, reviewer's copy) and at check."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from drafter import build, check
from drafter.cli import main
from drafter.data.figures import Figure, FigureRegistry, Provenance, Row
from drafter.errors import ConfigError, DataError
from drafter.linter import lint
from drafter.outcome import check_exit_code
from drafter.project.config import load_config
from drafter.project.rules import load_rules, parse_rule
from drafter.review.report_text import render_check
from drafter.review.rules import _Missing, check_rule
from drafter.word.manifest import read_manifest


def row(query: str, **columns) -> Row:
    return Row(query, {k: Figure(v, f"{query}.{k}", (Provenance(query, "s", k),)) for k, v in columns.items()})


def rule(**spec):
    return parse_rule(spec, Path("config.yaml"), 7, 0)


CONTEXT = {
    "q": row("q", total=10, a=4, b=6, done=927, all=1000, rate=0.927, pct=92.7, n=50, cap=40),
    "z": row("z", zero=0, empty=None),
}


@pytest.mark.parametrize(
    "spec, fails",
    [
        ({"name": "合计", "total": "q.total", "parts": ["q.a", "q.b"]}, False),
        ({"name": "合计", "total": "q.total", "parts": ["q.a", "q.a"]}, True),
        ({"name": "合计（容差）", "total": "q.total", "parts": ["q.a", "q.a"], "tolerance": 2}, False),
        ({"name": "比率", "rate": "q.rate", "numerator": "q.done", "denominator": "q.all"}, False),
        ({"name": "比率", "rate": "q.rate", "numerator": "q.a", "denominator": "q.all"}, True),
        (
            {
                "name": "百分数",
                "rate": "q.pct",
                "numerator": "q.done",
                "denominator": "q.all",
                "percent": True,
                "digits": 1,
            },
            False,
        ),
        ({"name": "范围", "figure": "q.n", "min": 0, "max": 100}, False),
        ({"name": "范围", "figure": "q.n", "max": "q.cap"}, True),
        ({"name": "范围", "figure": "q.a + q.b", "min": "q.total"}, False),
    ],
)
def test_each_rule_kind_passes_and_fails_on_crafted_figures(spec, fails):
    finding = check_rule(rule(**spec), CONTEXT)
    assert (finding is not None) == fails
    if finding:
        assert finding.rule == spec["name"] and finding.where == "config.yaml:7"
        assert finding.figures and all(ref for ref, _ in finding.figures)


def test_a_failed_sum_names_the_figures_and_their_values():
    finding = check_rule(rule(name="合计", total="q.total", parts=["q.a", "q.a"]), CONTEXT)
    assert finding.message == "合计 q.total 为 10，各部分之和为 8，相差 2。"
    assert finding.figures == [("q.total", 10), ("q.a", 4), ("q.a", 4)]
    assert "q.total = 10，q.a = 4" in "\n".join(finding.report_lines())


def test_a_rate_is_compared_at_the_precision_the_draft_shows_it():
    registry = FigureRegistry()
    figure = CONTEXT["q"].rate
    spec = dict(name="比率", rate="q.rate", numerator="q.done", denominator="q.all")
    far = {"q": row("q", done=9300, all=10000, rate=0.927)}  # 93.0% against a stored 92.7%
    assert check_rule(rule(**spec), far) is None  # at the default 2 decimals of the fraction: 0.93 = 0.93 …
    registry.record(figure, "92.7%", "pct")
    finding = check_rule(rule(**spec), far, registry)  # … but the draft shows 92.7%: one decimal of a percent
    assert finding is not None and "按 3 位小数比较" in finding.message
    near = {"q": row("q", done=9274, all=10000, rate=0.927)}
    assert check_rule(rule(**spec), near, registry) is None


def test_prior_period_rule_uses_the_same_query_a_year_earlier():
    spec = rule(name="与上年比", figure="q.n", within="30%")
    assert check_rule(spec, CONTEXT, prior={"q": row("q", n=45)}) is None
    finding = check_rule(spec, CONTEXT, prior={"q": row("q", n=25)})
    assert finding is not None and "增长 100%" in finding.message and "超出 ±30%" in finding.message
    with pytest.raises(_Missing):
        check_rule(spec, CONTEXT, prior={"q": row("q", n=0)})


def test_a_figure_without_value_skips_the_rule_instead_of_failing_it():
    with pytest.raises(_Missing):
        check_rule(rule(name="空", figure="z.empty", max=1), CONTEXT)
    with pytest.raises(_Missing):
        check_rule(rule(name="零", rate="q.rate", numerator="q.a", denominator="z.zero"), CONTEXT)


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"name": "x", "figure": "q.n", "maximum": 3}, "不认识的键“maximum”"),
        ({"name": "x", "total": "q.total"}, "缺少 parts"),
        ({"name": "x", "figure": "q.n"}, "缺少 min 或 max"),
        ({"name": "x"}, "没有写检查什么"),
        ({"name": "x", "figure": "q.n", "within": "三成"}, "within 应是百分数"),
    ],
)
def test_a_mistyped_rule_is_an_error_naming_file_and_line(spec, message):
    with pytest.raises(ConfigError) as info:
        rule(**spec)
    assert message in info.value.message and info.value.line == 7 and "README" in info.value.hint


# --------------------------------------------------------------------------- the sample's rules


def test_the_sample_ships_rules_of_every_kind_but_sum_and_they_pass_on_its_data(sample_project, sample_draft):
    ruleset = load_rules(load_config(sample_project))
    kinds = {r.kind for r in ruleset.rules}
    assert {"bounds", "prior"} <= kinds and len(ruleset.sql_tests) >= 3
    assert read_manifest(Document(str(sample_draft))).rules == []
    report = check(sample_draft, sample_project)
    assert report.rules == [] and check_exit_code(report) == 0
    assert lint(sample_project) == []


def _sql(project: Path, db: str, statement: str) -> None:
    con = sqlite3.connect(project.parent / "sample" / f"{db}.db")
    with con:
        con.execute(statement)
    con.close()


def test_data_that_break_a_rule_are_a_warning_at_build_an_error_under_strict_and_a_finding_at_check(
    sample_project_copy, tmp_path
):
    project = sample_project_copy
    # 20 inspections whose cleared hazards exceed the hazards found: a bounds rule and a SQL test fail
    _sql(
        project,
        "enforcement",
        "UPDATE inspection SET hazards_cleared = hazards_found + 5 WHERE id IN "
        "(SELECT id FROM inspection WHERE inspected_on >= '2025-01-01' LIMIT 20)",
    )
    result = build(project, output=tmp_path / "d.docx")
    names = [f.rule for f in result.rules.findings]
    assert names == ["执法检查消除的隐患不超过发现的隐患", *["inspection_cleared_more_than_found"] * 20]
    bounds, first, *rows = result.rules.findings
    assert "inspections.hazards_cleared 为 961，大于上限 inspections.hazards_found（861）" in bounds.message
    # the SQL data test: every failing row is a finding with its values
    assert first.message.startswith("消除隐患数多于发现隐患数的检查记录（第 1 行，共 20 行）：id = ")
    assert all(dict(f.figures)["hazards_cleared"] == dict(f.figures)["hazards_found"] + 5 for f in [first, *rows])
    assert first.where == "rules/inspection_cleared_more_than_found.sql"
    assert [r["rule"] for r in read_manifest(Document(str(result.path))).rules] == names

    with pytest.raises(DataError) as info:
        build(project, output=tmp_path / "strict.docx", strict=True)
    assert "一致性规则未通过 21 条" in info.value.message and not (tmp_path / "strict.docx").exists()

    out = CliRunner().invoke(main, ["build", "-c", str(project), "-o", str(tmp_path / "cli.docx"), "--comments"])
    assert out.exit_code == 0, out.output
    assert "一致性规则未通过 21 条" in out.output and "警告：规则“执法检查消除的隐患不超过发现的隐患”" in out.output
    reviewer = Document(str(tmp_path / "cli（审核版）.docx"))
    rule_comments = [c.text for c in reviewer.comments if "【规则未通过】" in c.text]
    assert len(rule_comments) == 2 and any("inspections.hazards_cleared = 961" in c for c in rule_comments)
    assert "（第 20 行，共 20 行）" in rule_comments[1]  # a SQL data test's rows in one comment

    report = check(project.parent / "draft-2025.docx", project)
    assert [f.rule for f in report.rules] == names and check_exit_code(report) == 1
    assert "[规则未通过] 执法检查消除的隐患不超过发现的隐患" in render_check(report)


def test_a_prior_period_rule_reports_a_jump_from_last_year(sample_project_copy, tmp_path):
    project = sample_project_copy
    _sql(project, "office", "DELETE FROM petition WHERE received_on >= '2024-01-01' AND received_on < '2024-12-01'")
    result = build(project, output=tmp_path / "d.docx")
    [finding] = result.rules.findings
    assert finding.rule == "受理信访件数与上年相比" and finding.kind == "prior"
    assert "上年同期为" in finding.message and "超出 ±50%" in finding.message


def test_rules_in_config_yaml_and_lint_names_an_unknown_query(sample_project_copy):
    config = sample_project_copy
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text + "\nrules:\n  - name: 拼错的查询\n    figure: inspectoins.inspections\n    max: 1000\n", encoding="utf-8"
    )
    findings = lint(config)
    assert [f.message for f in findings] == ["规则“拼错的查询”用到了未定义的查询“inspectoins”"]
    assert findings[0].line == text.count("\n") + 3 and "inspections" in findings[0].hint


def test_lint_names_a_column_a_rule_reads_that_its_query_does_not_return(sample_project_copy):
    rules = sample_project_copy.parent / "rules" / "额外.yaml"
    rules.write_text(
        "- name: 列名拼错\n  figure: inspections.hazard_found\n  max: inspections.hazards_found\n", encoding="utf-8"
    )
    [finding] = lint(sample_project_copy)
    assert finding.message == "规则“列名拼错”用到了查询 inspections 没有的列“hazard_found”"
    assert (finding.path, finding.line) == (rules, 1) and "inspections.hazards_found" in finding.hint
    with pytest.raises(Exception) as info:  # build stops before any query runs, naming the rule's file
        build(sample_project_copy, output=sample_project_copy.parent / "x.docx")
    assert getattr(info.value, "exit_code", None) == 2 and "hazard_found" in info.value.message


def test_a_sql_data_test_lists_twenty_rows_then_counts_the_rest():
    from drafter.project.rules import RuleSet
    from drafter.review.rules import run_rules

    class Result:
        ok, sql = True, "SELECT …"
        value = [row("t", id=n, bad=1) for n in range(25)]

    class Spec:
        name, description, source = "bad_rows", "不合格的记录", "office"
        path = Path("rules/bad_rows.sql")

    ruleset = RuleSet(sql_tests=[Spec()])  # type: ignore[list-item]
    out = run_rules(ruleset, {}, sql_results=lambda: {"bad_rows": Result()})
    assert len(out.findings) == 21 and out.findings[0].figures == [("id", 0), ("bad", 1)]
    assert "另有 5 行不符合" in out.findings[-1].message
