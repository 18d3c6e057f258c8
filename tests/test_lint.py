"""`drafter lint`: config, queries and templates checked together, without a database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from drafter import Finding, lint
from drafter.cli import main
from drafter.pipeline.render import report_context
from drafter.project.config import ReportSettings, load_config
from drafter.project.sql import analyse
from drafter.project.validation import REPORT_KEYS

REPO = Path(__file__).resolve().parents[1]

CONFIG = """\
report:
  agency: 测试县市场监督管理局
  year: 2025
sources:
  market:
    url: sqlite:///data/market.db
parameters:
  town: 城关镇
"""

QUERIES = {
    "checks.sql": """\
-- source: market
-- description: 全年日常检查
-- returns: row
SELECT COUNT(*) AS checks, SUM(officers) AS officer_trips, SUM(fine_yuan) AS fines
FROM inspection
WHERE checked_on >= :period_start AND checked_on < :period_end
""",
    "by_town.sql": """\
-- source: market
-- description: 各镇检查次数
-- returns: rows
SELECT town, COUNT(*) AS checks FROM inspection GROUP BY town
""",
    "total.sql": """\
-- source: market
-- description: 本镇检查次数
-- returns: scalar
SELECT COUNT(*) FROM inspection WHERE town = :town
""",
}

SECTION = """\
一、{{ year }}年主要工作
全年检查{{ checks.checks }}次，出动{{ checks.officer_trips }}人次，罚款{{ checks.fines | wan_yuan }}，本镇{{ total }}次。
{% for row in by_town %}
{{ loop.index }}.{{ row.town }}检查{{ row.checks }}次。
{% endfor %}
{% set n = checks.checks %}{% if n > 0 %}{{ report.agency }}在{{ params.town }}{% endif %}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A clean project; its database does not even exist, since lint never opens one."""
    (tmp_path / "queries").mkdir()
    for name, text in QUERIES.items():
        (tmp_path / "queries" / name).write_text(text, encoding="utf-8")
    (tmp_path / "templates/sections").mkdir(parents=True)
    (tmp_path / "templates/sections/1-工作.txt").write_text(SECTION, encoding="utf-8")
    shutil.copy(REPO / "templates/report.docx", tmp_path / "templates/report.docx")
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    return tmp_path / "config.yaml"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def where(finding: Finding, root: Path) -> str:
    """`queries/checks.sql:1`, `templates/report.docx（第 5 段）`."""
    return finding.location().replace(str(root.resolve()) + "/", "").replace(str(root) + "/", "")


def test_the_shipped_project_lints_clean():
    assert lint(REPO / "config.yaml") == []
    result = CliRunner().invoke(main, ["lint", "-c", str(REPO / "config.yaml")])
    assert result.exit_code == 0, result.output
    assert "未发现问题" in result.output


def test_a_clean_project_needs_no_database(project):
    assert not (project.parent / "data/market.db").exists()
    edit(project, "sqlite:///data/market.db", "postgresql+psycopg://report@192.0.2.1:5432/market")
    assert lint(project) == []


def test_every_problem_is_reported_at_once_with_file_and_line(project):
    root = project.parent
    section = root / "templates/sections/1-工作.txt"
    edit(root / "queries/checks.sql", "-- source: market", "-- source: markt")
    edit(root / "queries/by_town.sql", "GROUP BY town", "GROUP BY town; DELETE FROM inspection")
    (root / "queries/unused.sql").write_text(
        "-- source: market\n-- description: 未用\nSELECT 1 AS a WHERE :nope = 1\n", encoding="utf-8"
    )
    (root / "queries/headless.sql").write_text("-- description: 缺数据源\nSELECT 1 AS a\n", encoding="utf-8")
    edit(section, "{{ total }}", "{{ totla }}")
    edit(section, "checks.officer_trips", "checks.officer_trip")
    edit(section, "row.checks", "row.check")
    edit(section, "| wan_yuan", "| wanyuan")
    edit(section, "{{ report.agency }}", "{{ report.agncy }}")
    (root / "templates/sections/2-不足.txt").write_text("二、存在的不足\n{% if %}\n", encoding="utf-8")

    findings = lint(project)
    found = [(where(f, root), f.message) for f in findings]
    assert found == [
        ("queries/by_town.sql:4", "查询文件中有多条语句（分号后还有内容）"),
        ("queries/checks.sql:1", "查询 checks 的数据源“markt”未在 config.yaml 的 sources: 中配置"),
        ("queries/headless.sql:1", "查询文件头缺少“source”"),
        ("queries/total.sql:1", "查询 total 没有在任何模板中使用"),
        ("queries/unused.sql:1", "查询 unused 没有在任何模板中使用"),
        ("queries/unused.sql:3", "查询 unused 用到的参数 :nope 没有定义"),
        ("templates/sections/1-工作.txt:2", "未知的过滤器“wanyuan”"),
        ("templates/sections/1-工作.txt:2", "查询 checks 没有“officer_trip”这一列"),
        ("templates/sections/1-工作.txt:2", "模板用到了未定义的名称“totla”"),
        ("templates/sections/1-工作.txt:4", "查询 by_town 没有“check”这一列"),
        ("templates/sections/1-工作.txt:6", "report 中没有“agncy”"),
        ("templates/sections/2-不足.txt:2", "模板语法错误"),
    ]
    hints = {f.message: f.hint for f in findings}
    assert "是否想写“market”" in hints["查询 checks 的数据源“markt”未在 config.yaml 的 sources: 中配置"]
    assert "是否想写“wan_yuan”" in hints["未知的过滤器“wanyuan”"]
    assert "是否想写“checks.officer_trips”" in hints["查询 checks 没有“officer_trip”这一列"]
    assert "是否想写“total”" in hints["模板用到了未定义的名称“totla”"]
    assert "是否想写“by_town.checks”" in hints["查询 by_town 没有“check”这一列"]
    assert all(f.hint for f in findings)

    result = CliRunner().invoke(main, ["lint", "-c", str(project)])
    assert result.exit_code == 1
    assert "发现 12 个问题" in result.output
    # each finding says what it is, an error as a warning does (as build's errors read)
    assert f"错误：{section}:2: 模板用到了未定义的名称“totla”" in result.output
    assert "> 2 | …" in result.output and "{{ totla }}" in result.output  # a long line, around the name
    assert "Traceback" not in result.output


def test_the_master_is_checked_paragraph_by_paragraph(project):
    master = project.parent / "templates/report.docx"
    document = Document(str(master))
    for p in document.paragraphs:
        if p.text == "{{ title }}":
            p.runs[0].text = "{{ title }"
        if p.text == "{{ signature }}":
            p.runs[0].text = "{{ signatur }}"
    document.save(str(master))
    found = [(where(f, project.parent), f.message) for f in lint(project)]
    assert found == [
        ("templates/report.docx（第 5 段）", "Word 母版的模板标记不完整：“{{”之后缺少“}}”"),
        ("templates/report.docx（第 18 段）", "模板用到了未定义的名称“signatur”"),
    ]


def test_names_a_template_declares_itself_are_not_reported(project):
    section = project.parent / "templates/sections/1-工作.txt"
    section.write_text(
        section.read_text(encoding="utf-8")
        + (
            "{% macro times(x) %}{{ x }}次{% endmacro %}{{ times(checks.checks) }}\n"
            "{% for name in report.attachments %}{{ name }}{% endfor %}"
            "{% with k = total %}{{ k }}{% endwith %}{{ range(3) | list | length }}{{ period_end | date_cn }}\n"
        ),
        encoding="utf-8",
    )
    assert lint(project) == []


def test_a_broken_config_is_one_finding_and_the_rest_is_still_checked(project):
    edit(project, "  year: 2025", "  yeer: 2025")
    edit(project.parent / "templates/sections/1-工作.txt", "{{ total }}", "{{ totla }}")
    found = [(where(f, project.parent), f.message) for f in lint(project)]
    assert ("config.yaml:3", "未知的配置项“report.yeer”") in found
    assert ("templates/sections/1-工作.txt:2", "模板用到了未定义的名称“totla”") in found


def test_lint_that_cannot_run_exits_2(tmp_path):
    result = CliRunner().invoke(main, ["lint", "-c", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert result.output.startswith("错误：") and "找不到配置文件" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("broken", ["report:\n  agency: [青浦\n", "report:\n  agency: 某局\n  yeer: 2025\n"])
def test_a_config_that_does_not_load_exits_2_in_lint_as_in_build_and_check(project, broken):
    """An input error is exit 2 for every command (drafter/outcome.py); lint still lists it
    with the rest, but the project as configured could not be checked."""
    assert CliRunner().invoke(main, ["lint", "-c", str(project)]).exit_code == 0  # the project before
    project.write_text(broken, encoding="utf-8")
    draft = project.parent / "draft.docx"
    draft.write_bytes(b"")
    codes = {
        command: CliRunner().invoke(main, [command, *args, "-c", str(project)])
        for command, args in (("lint", []), ("build", []), ("check", [str(draft)]))
    }
    assert {c: r.exit_code for c, r in codes.items()} == {"lint": 2, "build": 2, "check": 2}, codes
    assert "config.yaml:" in codes["lint"].output and "Traceback" not in codes["lint"].output


def test_missing_folders_and_master_are_findings(project):
    root = project.parent
    shutil.rmtree(root / "queries")
    (root / "templates/report.docx").write_text("不是 Word", encoding="utf-8")
    messages = [f.message for f in lint(project)]
    assert messages == ["找不到查询目录", "Word 母版不是 .docx 文件"]


@pytest.mark.parametrize(
    "sql, columns",
    [
        ("SELECT COUNT(*) AS n, SUM(x) AS total FROM t", ["n", "total"]),
        ('SELECT town, t.kind, x AS "名称" FROM t', ["town", "kind", "名称"]),
        ("WITH a AS (SELECT 1 AS z FROM t) SELECT DISTINCT a.z, (SELECT MAX(y) FROM u) AS m FROM a", ["z", "m"]),
        ("SELECT a AS x FROM t UNION ALL SELECT b FROM u", ["x"]),
        ("SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END AS flag -- AS nope\nFROM t", ["flag"]),
        ("SELECT 'a, b' AS s, COALESCE(x, 0) AS c FROM t", ["s", "c"]),
        ("SELECT COUNT(*) FROM t", None),
        ("SELECT * FROM t", None),
        ("SELECT t.* FROM t", None),
        ("SELECT SUM(x) total FROM t", ["total"]),  # an alias without AS is still an alias to the parser
        ("(SELECT 1 AS a)", ["a"]),
        ("SELECT comment, load AS do FROM t", ["comment", "do"]),
    ],
)
def test_select_columns_only_when_sure(sql, columns):
    parsed = analyse(sql)
    assert (list(parsed.columns) if parsed.columns is not None else None) == columns


def test_a_whole_row_or_list_of_rows_printed_is_a_finding(project):
    section = project.parent / "templates/sections/1-工作.txt"
    edit(section, "罚款{{ checks.fines | wan_yuan }}", "罚款{{ checks }}，各镇{{ by_town }}")
    findings = lint(project)
    messages = {f.message: f for f in findings}
    row = messages["查询 checks 返回的是一行多列，不能整个写进报告"]
    rows = messages["模板直接输出了查询 by_town 的全部结果"]
    assert row.path == section and row.line == 2 and "{{ checks.checks }}" in row.hint
    assert rows.line == 2 and "{% for r in by_town %}" in rows.hint
    assert not [f for f in findings if "total" in f.message]  # a scalar printed whole is fine


def test_yuan_over_an_average_is_a_warning_and_rounding_it_is_not(project):
    root = project.parent
    (root / "queries/avg_fine.sql").write_text(
        "-- source: market\n-- description: 平均罚款\n-- returns: row\n"
        "SELECT AVG(fine_yuan) AS avg_fine, SUM(fine_yuan) / COUNT(*) AS per_case, SUM(fine_yuan) AS fines,"
        " ROUND(AVG(fine_yuan), 0) AS rounded FROM inspection\n",
        encoding="utf-8",
    )
    (root / "queries/avg_only.sql").write_text(
        "-- source: market\n-- description: 平均罚款\n-- returns: scalar\nSELECT AVG(fine_yuan) FROM inspection\n",
        encoding="utf-8",
    )
    section = root / "templates/sections/1-工作.txt"
    section.write_text(
        section.read_text(encoding="utf-8")
        + "平均{{ avg_fine.avg_fine | yuan }}，每案{{ avg_fine.per_case | yuan }}，合计{{ avg_fine.fines | yuan }}，"
        "取整{{ avg_fine.rounded | yuan }}，{{ avg_fine.avg_fine | yuan(0) }}，{{ avg_only | yuan }}。\n",
        encoding="utf-8",
    )
    found = [f for f in lint(project) if "平均值或比值" in f.message]
    assert [f.message.split(" ")[0] for f in found] == ["avg_fine.avg_fine", "avg_fine.per_case", "avg_only"]
    assert [(f.severity, f.line) for f in found] == [("warning", 7)] * 3 and "yuan(0)" in (found[0].hint or "")
    cli = CliRunner().invoke(main, ["lint", "-c", str(project)])  # warnings only: said so, exit 1 all the same
    assert cli.exit_code == 1 and "发现 3 个问题。都是警告，不妨碍生成草稿" in cli.stderr and "其余" not in cli.stderr
    assert cli.stdout.count("警告：") == 3 and "错误：" not in cli.stdout


def test_a_units_project_whose_config_does_not_load_is_not_told_unit_is_undefined(tmp_path):
    """`unit` is a name config.yaml's units: defines: with a YAML error it cannot be judged,
    and the one finding is the YAML error (found by a fresh tester)."""
    root = tmp_path / "towns"
    shutil.copytree(REPO / "examples/towns", root, ignore=shutil.ignore_patterns("output"))
    config = root / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("agency: ", 'agency: "', 1), encoding="utf-8")
    messages = [f.message for f in lint(config)]
    assert messages and not [m for m in messages if "“unit”" in m]


def test_the_report_names_templates_may_read_are_the_report_settings_the_build_gives(project):
    """One place defines them: a field added to config.yaml's `report:` is known to template
    validation, and the build's report context must give it."""
    config = load_config(project)
    given = report_context(config)
    assert set(REPORT_KEYS) == set(ReportSettings.model_fields) - {"year", "period"}
    assert set(given["report"]) == set(REPORT_KEYS) and set(REPORT_KEYS) <= set(given)
    section = project.parent / "templates/sections/1-工作.txt"
    uses = "".join(f"{{{{ report.{k} }}}}{{{{ {k} }}}}" for k in REPORT_KEYS)
    section.write_text(section.read_text(encoding="utf-8") + uses + "{{ report.agncy }}\n", encoding="utf-8")
    findings = lint(project)
    assert [f.message for f in findings] == ["report 中没有“agncy”"]
    assert "、".join(REPORT_KEYS) in (findings[0].hint or "")


def test_a_password_variable_not_set_is_a_warning_for_lint_and_an_error_for_build(project, monkeypatch):
    from drafter.linter import lint_project

    monkeypatch.delenv("DRAFTER_TEST_UNSET_PW", raising=False)
    edit(
        project, "url: sqlite:///data/market.db", "url: postgresql+psycopg://reader:${DRAFTER_TEST_UNSET_PW}@db/market"
    )
    linted = lint_project(project)
    assert linted.config_loaded
    (finding,) = linted.findings
    assert finding.severity == "warning" and finding.message == "环境变量 DRAFTER_TEST_UNSET_PW 未设置"
    assert finding.path == project and finding.line == 6 and "export DRAFTER_TEST_UNSET_PW=" in (finding.hint or "")
    cli = CliRunner().invoke(main, ["lint", "-c", str(project)])
    assert cli.exit_code == 1 and "都是警告" in cli.stderr
    build = CliRunner().invoke(main, ["build", "-c", str(project)])  # build needs it: refused, as before
    assert build.exit_code == 2 and "环境变量 DRAFTER_TEST_UNSET_PW 未设置" in build.output


def test_a_source_given_on_the_command_line_needs_no_password_variable_of_its_config_url(project, monkeypatch):
    """`-s name=URL` (or DRAFTER_SOURCE_NAME) replaces the configured URL: a variable in that URL
    is not needed then, while one anywhere else still is."""
    from drafter.errors import ConfigError
    from drafter.project.config import load_config

    monkeypatch.delenv("DRAFTER_TEST_UNSET_PW", raising=False)
    configured = "postgresql+psycopg://reader:${DRAFTER_TEST_UNSET_PW}@db/market"
    edit(project, "url: sqlite:///data/market.db", f"url: {configured}")
    with pytest.raises(ConfigError, match="环境变量 DRAFTER_TEST_UNSET_PW 未设置"):
        load_config(project)
    name = next(iter(load_config(project, environ={"DRAFTER_TEST_UNSET_PW": "x"}).sources))
    given = load_config(project, sources={name: "sqlite:///elsewhere.db"})
    assert given.sources[name].url.endswith("/elsewhere.db")  # made relative to the project
    from_env = load_config(project, environ={f"DRAFTER_SOURCE_{name.upper()}": "sqlite:///env.db"})
    assert from_env.sources[name].url.endswith("/env.db")
    # a DRAFTER_SOURCE_* variable left set for another project is named as the cause
    with pytest.raises(ConfigError, match="来自环境变量 DRAFTER_SOURCE_NOSUCH") as refused:
        load_config(project, environ={"DRAFTER_SOURCE_NOSUCH": "sqlite:///x.db"}, sources={name: "sqlite:///e.db"})
    assert "unset DRAFTER_SOURCE_NOSUCH" in (refused.value.hint or "")
    with pytest.raises(ConfigError) as named:  # given on the command line: no variable named
        load_config(project, environ={"DRAFTER_TEST_UNSET_PW": "x"}, sources={"nosuch": "sqlite:///x.db"})
    assert "nosuch" in named.value.message and "环境变量" not in named.value.message
    edit(project, "agency:", "agency: ${DRAFTER_TEST_UNSET_PW}\n  old_agency:")
    with pytest.raises(ConfigError, match="DRAFTER_TEST_UNSET_PW"):  # elsewhere: still needed
        load_config(project, sources={name: "sqlite:///elsewhere.db"})


def test_commands_that_connect_to_nothing_need_no_password_variable(project, monkeypatch):
    """fonts reads the styles, never a database: a password variable that is not set does not stop
    it (lint's listing of fixed numbers, bind and adopt read the configuration the same way; build
    still needs the variable)."""
    monkeypatch.delenv("DRAFTER_TEST_UNSET_PW", raising=False)
    edit(project, "url: sqlite:///data/market.db", "url: postgresql+psycopg://r:${DRAFTER_TEST_UNSET_PW}@db/market")
    fonts = CliRunner().invoke(main, ["fonts", "-c", str(project)])
    assert "环境变量" not in fonts.output and fonts.exit_code in (0, 1), fonts.output
