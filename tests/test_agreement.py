"""lint and build agree: both read a project through the one validation pass.

Each case breaks (or bends) a small project in one way, then asserts that `lint` and `build`
say the same thing: either lint has no error-level finding and build writes a draft, or build
stops (exit code 2, nothing written) with exactly lint's first error, same message, file,
line and hint. `check` and `figures` stop at the same finding as build.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document
from small_project import SECTION_FILE, write_small_project

from drafter import DrafterError, build, lint


@pytest.fixture(scope="module")
def master(tmp_path_factory) -> Path:
    from drafter.word.master import build_master

    path = tmp_path_factory.mktemp("master") / "report.docx"
    build_master(path)
    return path


@pytest.fixture
def project(tmp_path, master) -> Path:
    return write_small_project(tmp_path / "project", master)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_section(old: str, new: str) -> Callable[[Path], None]:
    return lambda config: edit(config.parent / SECTION_FILE, old, new)


def edit_config(old: str, new: str) -> Callable[[Path], None]:
    return lambda config: edit(config, old, new)


def write_query(name: str, text: str) -> Callable[[Path], None]:
    return lambda config: (config.parent / "queries" / name).write_text(text, encoding="utf-8")


def edit_master_cell(text: str) -> Callable[[Path], None]:
    """Put `text` into a cell of a table added to the master."""

    def change(config: Path) -> None:
        path = config.parent / "templates/report.docx"
        document = Document(str(path))
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "年度"
        table.cell(0, 1).text = text
        document.save(str(path))

    return change


def build_error(config: Path, tmp_path: Path) -> DrafterError | None:
    out = tmp_path / "out" / "draft.docx"
    try:
        build(config, output=out)
    except DrafterError as exc:
        assert not out.exists()
        return exc
    assert out.is_file()
    return None


# Each case: (id, change, whether the project is still valid, text of lint's first error).
REFUSED = [
    (
        "rows-query-column-directly",
        edit_section("累计{{ total }}件", "累计{{ by_kind.n }}件"),
        "查询 by_kind 返回多行，不能直接写 by_kind.n",
    ),
    (
        "params-in-title",
        edit_config("  year: 2025\n", "  year: 2025\n  title: '{{ params.kind }}报告'\n"),
        "配置项 report.title 中的模板有误",
    ),
    (
        "parameter-redefines-year",
        edit_config("  kind: 行政处罚\n", "  kind: 行政处罚\n  year: 2024\n"),
        "parameters: 中的“year”与内置参数重名",
    ),
    (
        "parameter-redefines-period-start",
        edit_config("  kind: 行政处罚\n", "  kind: 行政处罚\n  period_start: 2024-01-01\n"),
        "parameters: 中的“period_start”与内置参数重名",
    ),
    ("master-table-cell-typo", edit_master_cell("{{ yaer }}"), "模板用到了未定义的名称“yaer”"),
    ("undefined-name", edit_section("累计{{ total }}件", "累计{{ totla }}件"), "模板用到了未定义的名称“totla”"),
    ("unknown-column", edit_section("{{ cases.n }}", "{{ cases.nn }}"), "查询 cases 没有“nn”这一列"),
    ("unknown-column-in-loop", edit_section("{{ r.kind }}", "{{ r.knd }}"), "查询 by_kind 没有“knd”这一列"),
    (
        "column-of-scalar",
        edit_section("累计{{ total }}件", "累计{{ total.n }}件"),
        "查询 total 返回一个值（scalar），没有“n”这一列",
    ),
    ("unknown-filter", edit_section("| wan_yuan", "| wanyuan"), "未知的过滤器“wanyuan”"),
    (
        "unknown-test",
        edit_section("累计{{ total }}件", "{% if total is bigger %}累计{% endif %}"),
        "未知的判断“is bigger”",
    ),
    (
        "whole-row-printed",
        edit_section("累计{{ total }}件", "累计{{ cases }}件"),
        "查询 cases 返回的是一行多列，不能整个写进报告",
    ),
    (
        "whole-rows-printed",
        edit_section("累计{{ total }}件", "累计{{ by_kind }}件"),
        "模板直接输出了查询 by_kind 的全部结果",
    ),
    (
        "private-attribute",
        edit_section("累计{{ total }}件", "累计{{ total.__class__ }}件"),
        "模板访问了不允许访问的内容，已阻止",
    ),
    (
        "mutating-call",
        edit_section("累计{{ total }}件", "累计{{ by_kind.append(1) }}件"),
        "模板访问了不允许访问的内容，已阻止",
    ),
    ("report-key-typo", edit_section("累计{{ total }}件", "累计{{ report.agnecy }}件"), "report 中没有“agnecy”"),
    ("params-key-typo", edit_section("累计{{ total }}件", "累计{{ params.knd }}件"), "params 中没有“knd”"),
    (
        "unknown-source",
        write_query("extra.sql", "-- source: ofice\n-- description: 其他\n-- returns: scalar\nSELECT 1 AS x\n"),
        "查询 extra 的数据源“ofice”未在 config.yaml 的 sources: 中配置",
    ),
    (
        "undefined-parameter",
        write_query(
            "extra.sql",
            "-- source: office\n-- description: 其他\n-- returns: scalar\n"
            "SELECT COUNT(*) AS x FROM cases WHERE kind = :knd\n",
        ),
        "查询 extra 用到的参数 :knd 没有定义",
    ),
    (
        "reserved-query-name",
        write_query("report.sql", "-- source: office\n-- description: 其他\n-- returns: scalar\nSELECT 1 AS x\n"),
        "查询名“report”与内置名称冲突",
    ),
    (
        "not-a-select",
        write_query("extra.sql", "-- source: office\n-- description: 其他\n-- returns: scalar\nDELETE FROM cases\n"),
        None,
    ),
    ("template-syntax", edit_section("{% endfor %}\n{% for r in by_month", "\n{% for r in by_month"), None),
    ("full-width-tag", edit_section("累计{{ total }}件", "累计｛｛ total ｝｝件"), None),
    (
        "filename-unknown-name",
        edit_config("  kind: 行政处罚\n", "  kind: 行政处罚\noutput:\n  filename: '{{ unit }}.docx'\n"),
        "配置项 output.filename 中的模板有误",
    ),
    ("broken-master-tag", edit_master_cell("{{ year "), "Word 母版的模板标记不完整"),
]

ACCEPTED = [
    ("loop-variable-reused-over-two-rows-queries", lambda config: None),
    (
        "unused-query-is-only-a-warning",
        write_query("extra.sql", "-- source: office\n-- description: 其他\n-- returns: scalar\nSELECT 1 AS x\n"),
    ),
    ("scalar-value-attribute", edit_section("累计{{ total }}件", "累计{{ total.value }}件")),
    ("rows-query-first-row", edit_section("累计{{ total }}件", "累计{{ by_kind[0].n }}件")),
    (
        "nested-loop-shadows-outer",
        edit_section(
            "{% for r in by_month %}",
            "{% for r in by_kind %}{% for r in by_month %}{{ r.month }}{% endfor %}{% endfor %}{% for r in by_month %}",
        ),
    ),
]


@pytest.mark.parametrize("change, expected", [(c, e) for _, c, e in REFUSED], ids=[i for i, _, _ in REFUSED])
def test_build_stops_at_lints_first_error(project, tmp_path, change, expected):
    change(project)
    errors = [f for f in lint(project) if f.severity == "error"]
    assert errors, "lint found nothing"
    if expected is not None:
        assert expected in errors[0].message, errors[0].render()
    error = build_error(project, tmp_path)
    assert error is not None, "build accepted what lint refuses"
    assert error.exit_code == 2
    assert error.render() == errors[0].render()


@pytest.mark.parametrize("change", [c for _, c in ACCEPTED], ids=[i for i, _ in ACCEPTED])
def test_what_lint_accepts_builds(project, tmp_path, change):
    change(project)
    assert [f.render() for f in lint(project) if f.severity == "error"] == []
    assert build_error(project, tmp_path) is None


def test_the_loop_variable_reused_reads_each_loops_own_columns(project, tmp_path):
    from reading import draft_text

    out = tmp_path / "d.docx"
    build(project, output=out)
    text = draft_text(out)
    assert "行政处罚2件；行政许可1件；" in text
    assert "2025-03罚款5000元；2025-06罚款12000元；2025-07罚款0元；" in text


def test_check_and_figures_stop_at_the_same_finding(project, tmp_path):
    from drafter import check
    from drafter.review.listing import list_figures

    draft = tmp_path / "d.docx"
    build(project, output=draft)
    edit(project.parent / SECTION_FILE, "{{ cases.n }}", "{{ cases.nn }}")
    first = next(f for f in lint(project) if f.severity == "error")
    for run in (lambda: check(draft, config=project), lambda: list_figures(project)):
        with pytest.raises(DrafterError) as caught:
            run()
        assert caught.value.render() == first.render()
        assert caught.value.exit_code == 2
