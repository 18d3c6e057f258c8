"""The error catalogue: every way office staff break a project, and the one message each gets.

Each case runs the real `drafter` command on a small project written into tmp_path with one
thing broken, and asserts
- the exit code (0 success, 1 a failed build, 2 bad usage or input),
- that no traceback is printed,
- that the message names the file (and the line, where there is one) and says what to do
  (a `处理：` line),
- that nothing a user has was damaged: every file that existed is byte-identical and no
  temporary file is left behind (a new draft appears only where a build succeeds).

`CATALOGUE` lists the cases whose set-up is a small edit; the cases that need more (a Word
master edited with python-docx, a save that fails halfway) are test functions below it.
"""

from __future__ import annotations

import copy
import errno
import hashlib
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from drafter.cli import main

AGENCY = "测试区司法局"
DRAFT_NAME = f"{AGENCY}2025年度法治政府建设情况报告（草稿）.docx"

CONFIG = """\
report:
  agency: 测试区司法局
  year: 2025
sources:
  office:
    url: sqlite:///data/office.db
    description: 办公系统
parameters:
  kind: 行政处罚
"""

CASES_SQL = """\
-- source: office
-- description: 全年办理案件
-- returns: row
SELECT COUNT(*) AS n, SUM(fine) AS fines
FROM cases
WHERE kind = :kind AND opened_on >= :period_start AND opened_on < :period_end
"""

TOTAL_SQL = """\
-- source: office
-- description: 累计案件
-- returns: scalar
SELECT COUNT(*) AS total FROM cases WHERE opened_on < :period_end
"""

SECTION = """\
一、{{ year }}年主要工作
全年办理案件{{ cases.n }}件，罚款{{ cases.fines | wan_yuan }}，累计{{ total }}件。
二、存在的不足
文字。
"""

ROWS = [
    ("行政处罚", "2025-03-01", 5000),
    ("行政处罚", "2025-06-01", 12000),
    ("行政许可", "2025-07-01", 0),
    ("行政处罚", "2024-05-01", 3000),
]

SECTION_FILE = "templates/sections/1-工作.txt"


@dataclass
class Project:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    @property
    def draft(self) -> Path:
        """The draft an earlier build left: no case may change it."""
        return self.root / "output" / DRAFT_NAME

    def path(self, rel: str) -> Path:
        return (self.root / rel).resolve()

    def write(self, rel: str, text: str, encoding: str = "utf-8") -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding=encoding)
        return path

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def sql(self, statement: str) -> None:
        with sqlite3.connect(self.root / "data/office.db") as conn:
            conn.execute(statement)

    def edit_master(self, change: Callable) -> None:
        path = self.root / "templates/report.docx"
        document = Document(str(path))
        change(document)
        document.save(str(path))


def write_project(root: Path, master: Path) -> Project:
    project = Project(root)
    project.write("config.yaml", CONFIG)
    project.write("queries/cases.sql", CASES_SQL)
    project.write("queries/total.sql", TOTAL_SQL)
    project.write(SECTION_FILE, SECTION)
    shutil.copy(master, root / "templates/report.docx")
    (root / "data").mkdir()
    with sqlite3.connect(root / "data/office.db") as conn:
        conn.execute("CREATE TABLE cases (id INTEGER PRIMARY KEY, kind TEXT, opened_on TEXT, fine INTEGER)")
        conn.executemany("INSERT INTO cases (kind, opened_on, fine) VALUES (?, ?, ?)", ROWS)
    return project


@pytest.fixture(scope="session")
def base_project(tmp_path_factory) -> Path:
    """The small project, built once: its output/ holds the draft of an earlier build."""
    from drafter.word.master import build_master

    master = tmp_path_factory.mktemp("master") / "report.docx"
    build_master(master)
    project = write_project(tmp_path_factory.mktemp("errors") / "project", master)
    result = CliRunner().invoke(main, ["build", "-c", str(project.config)])
    assert result.exit_code == 0, result.output
    assert project.draft.is_file()
    return project.root


@pytest.fixture
def project(base_project, tmp_path, monkeypatch) -> Project:
    root = tmp_path / "project"
    shutil.copytree(base_project, root)
    monkeypatch.chdir(root)
    for name in ("OFFICE_DB", "DRAFTER_SOURCE_OFFICE"):
        monkeypatch.delenv(name, raising=False)
    return Project(root)


# -- what every case asserts ------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def drafter(project: Project, *args: str, env: dict | None = None):
    """Run the CLI as a user would, with the project's config unless the case gives one."""
    if "-c" not in args and args and args[0] in ("build", "figures", "lint"):
        args = (args[0], "-c", str(project.config), *args[1:])
    return CliRunner().invoke(main, list(args), env=env, prog_name="drafter")


def assert_one_message(result, code: int, *needles: str, hint: bool = True) -> None:
    out = result.output
    assert result.exit_code == code, out
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in out and 'File "' not in out, out
    for needle in needles:
        assert needle in out, f"{needle!r} not in:\n{out}"
    if hint:
        assert "处理：" in out, out


def assert_unharmed(
    before: dict[str, str], root: Path, *, new: tuple[str, ...] = (), changed: tuple[str, ...] = ()
) -> None:
    """Every file that was there is byte-identical (but `changed`); the only new files are `new`."""
    after = snapshot(root)
    for name, digest in before.items():
        if name in changed:
            continue
        assert after.get(name) == digest, f"{name} was changed or removed"
    stray = sorted(set(after) - set(before) - set(new))
    assert not stray, f"unexpected files: {stray}"
    assert not [n for n in after if ".drafter-" in n or n.endswith(".tmp")]


def draft_2() -> str:
    return f"output/{DRAFT_NAME.removesuffix('.docx')}-2.docx"


# -- the catalogue of simple cases -------------------------------------------------------------


@dataclass
class Case:
    id: str
    setup: Callable[[Project], object] | None
    args: tuple[str, ...]
    code: int
    needles: Callable[[Project], list[str]]  # what the message must contain (file, line, text)
    new: tuple[str, ...] = ()  # files the command may create
    hint: bool = True
    env: dict = field(default_factory=dict)


def _set(rel: str, old: str, new: str) -> Callable[[Project], None]:
    return lambda p: p.edit(rel, old, new)


def _cfg(p: Project) -> str:
    return str(p.config)


CATALOGUE = [
    # -- config.yaml ------------------------------------------------------------------------
    Case(
        "config-missing",
        None,
        ("build", "-c", "nirgends.yaml"),
        2,
        lambda p: ["nirgends.yaml", "找不到配置文件", "--config"],
    ),
    Case(
        "config-yaml-syntax",
        _set("config.yaml", "  year: 2025", "  year: [2025"),
        ("build",),
        2,
        lambda p: [
            f"{_cfg(p)}:4:8",
            "YAML 语法错误",
            "3 |   year: [2025",
            "> 4 | sources:",
            "原因：expected ',' or ']'",
        ],
    ),
    Case(
        "config-full-width-colon",
        _set("config.yaml", "  year: 2025", "  year：2025"),
        ("build",),
        2,
        lambda p: [f"{_cfg(p)}:3", "第 3 行的冒号是全角的“：”", "> 3 |   year：2025", "英文输入法"],
    ),
    Case(
        "config-tab-indent",
        _set("config.yaml", "  year: 2025", "\tyear: 2025"),
        ("build",),
        2,
        lambda p: [f"{_cfg(p)}:3:1", "YAML 语法错误", "不能用 Tab 键"],
    ),
    Case(
        "config-unknown-key",
        _set("config.yaml", "  year: 2025", "  yeer: 2025"),
        ("build",),
        2,
        lambda p: [f"{_cfg(p)}:3", "未知的配置项“report.yeer”", "是否想写“year”"],
    ),
    Case(
        "config-unknown-nested-key",
        _set("config.yaml", "    description:", "    descripton:"),
        ("build",),
        2,
        lambda p: [f"{_cfg(p)}:7", "未知的配置项“sources.office.descripton”", "是否想写“description”"],
    ),
    Case(
        "config-wrong-type",
        _set("config.yaml", "  year: 2025", "  year: 二〇二五"),
        ("build",),
        2,
        lambda p: [f"{_cfg(p)}:3", "配置项“report.year”的值不合要求", "二〇二五", "整数"],
    ),
    Case(
        "config-year-out-of-range",
        _set("config.yaml", "  year: 2025", "  year: 1850"),
        ("build",),
        2,
        lambda p: [f"{_cfg(p)}:3", "report.year", "不小于 1901"],
    ),
    Case(
        "config-not-utf8",
        lambda p: p.write("config.yaml", CONFIG, encoding="gbk"),
        ("build",),
        2,
        lambda p: [_cfg(p), "不是 UTF-8 编码", "UTF-8 编码另存"],
    ),
    Case(
        "config-sources-missing",
        _set("config.yaml", "sources:\n  office:\n    url: sqlite:///data/office.db\n    description: 办公系统\n", ""),
        ("build",),
        2,
        lambda p: [f"{p.path('queries/cases.sql')}:1", "未在 config.yaml 的 sources: 中配置", "已配置的数据源：（无）"],
    ),
    Case(
        "config-source-of-a-query-missing",
        _set("config.yaml", "  office:\n", "  ofice:\n"),
        ("build",),
        2,
        lambda p: [
            f"{p.path('queries/cases.sql')}:1",
            "数据源“office”未在 config.yaml 的 sources: 中配置",
            "是否想写“ofice”",
        ],
    ),
    Case(
        "config-parameter-missing",
        _set("config.yaml", "parameters:\n  kind: 行政处罚\n", ""),
        ("build",),
        2,
        lambda p: [f"{p.path('queries/cases.sql')}:6", "参数 :kind 没有定义", "parameters:"],
    ),
    Case(
        "config-env-var-unset",
        _set("config.yaml", "sqlite:///data/office.db", "sqlite:///${OFFICE_DB}"),
        ("build",),
        2,
        lambda p: [f"{_cfg(p)}:6", "环境变量 OFFICE_DB 未设置", "export OFFICE_DB="],
    ),
    Case(
        "config-url-unparseable",
        _set("config.yaml", "sqlite:///data/office.db", "office database"),
        ("build",),
        2,
        lambda p: [f"{_cfg(p)}:6", "数据源“office”的 URL 无法解析：office database", "sqlite:///"],
    ),
    Case(
        "config-url-bad-port-password-masked",
        _set("config.yaml", "sqlite:///data/office.db", "postgresql://amt:geheim@db.local:fuenf/akten"),
        ("build",),
        2,
        lambda p: [f"{_cfg(p)}:6", "URL 无法解析：postgresql://amt:***@db.local:fuenf/akten"],
    ),
    Case(
        "config-source-override-unknown",
        None,
        ("build", "--source", "offize=sqlite:///x.db"),
        2,
        lambda p: ["要改写的数据源“offize”在配置中不存在", "office"],
    ),
    Case(
        "config-source-override-malformed",
        None,
        ("build", "--source", "office"),
        2,
        lambda p: ["错误：--source / -s 的值有误：“office”格式不对", "名称=URL", "drafter build --help"],
    ),
    # -- query files ------------------------------------------------------------------------
    Case(
        "query-folder-missing",
        _set("config.yaml", "parameters:", "queries: abfragen\nparameters:"),
        ("build",),
        2,
        lambda p: [str(p.path("abfragen")), "找不到查询目录"],
    ),
    Case(
        "query-header-incomplete",
        _set("queries/cases.sql", "-- description: 全年办理案件\n", ""),
        ("build",),
        2,
        lambda p: [f"{p.path('queries/cases.sql')}:1", "查询文件头缺少“description”"],
    ),
    Case(
        "query-header-unknown-key",
        _set("queries/cases.sql", "-- source:", "-- sorce:"),
        ("build",),
        2,
        lambda p: [f"{p.path('queries/cases.sql')}:1", "未知的项“sorce”", "是否想写“source”"],
    ),
    Case(
        "query-returns-invalid",
        _set("queries/cases.sql", "-- returns: row", "-- returns: table"),
        ("build",),
        2,
        lambda p: [f"{p.path('queries/cases.sql')}:3", "returns 的值“table”无效", "scalar"],
    ),
    Case(
        "query-name-differs-from-file",
        _set("queries/cases.sql", "-- source:", "-- name: faelle\n-- source:"),
        ("build",),
        2,
        lambda p: [f"{p.path('queries/cases.sql')}:1", "查询名“faelle”与文件名“cases”不一致"],
    ),
    Case(
        "query-duplicate-name",
        lambda p: p.write("queries/sub/cases.sql", CASES_SQL),
        ("build",),
        2,
        lambda p: ["查询名“cases”重复", str(p.path("queries/cases.sql")), str(p.path("queries/sub/cases.sql"))],
    ),
    Case(
        "query-named-like-a-builtin",
        lambda p: p.write("queries/year.sql", TOTAL_SQL),
        ("build",),
        2,
        lambda p: [str(p.path("queries/year.sql")), "与内置名称冲突"],
    ),
    Case(
        "query-unknown-source",
        _set("queries/cases.sql", "-- source: office", "-- source: offce"),
        ("build",),
        2,
        lambda p: [f"{p.path('queries/cases.sql')}:1", "数据源“offce”", "是否想写“office”"],
    ),
    Case(
        "query-without-sql",
        lambda p: p.write("queries/total.sql", TOTAL_SQL.split("SELECT")[0]),
        ("build",),
        2,
        lambda p: [str(p.path("queries/total.sql")), "没有 SQL 语句"],
    ),
    Case(
        "query-not-utf8",
        lambda p: p.write("queries/total.sql", TOTAL_SQL, encoding="gbk"),
        ("build",),
        2,
        lambda p: [str(p.path("queries/total.sql")), "不是 UTF-8 编码"],
    ),
    Case(
        "query-second-statement",
        _set("queries/total.sql", "< :period_end", "< :period_end;\nDROP TABLE cases"),
        ("build",),
        2,
        lambda p: [f"{p.path('queries/total.sql')}:4", "多条语句"],
    ),
    Case(
        "query-that-writes",
        lambda p: p.write(
            "queries/total.sql",
            TOTAL_SQL.replace(
                "SELECT COUNT(*) AS total FROM cases",
                "WITH gone AS (DELETE FROM cases RETURNING id) SELECT COUNT(*) AS total FROM gone",
            ),
        ),
        ("build",),
        2,
        lambda p: [f"{p.path('queries/total.sql')}:4", "会修改数据或设置的语句“DELETE”", "只读取数据"],
    ),
    # SQL the parser cannot read is refused before any database is opened (exit 2).
    Case(
        "query-sql-syntax-error",
        _set("queries/cases.sql", "WHERE kind", "WHERE WHERE kind"),
        ("build",),
        2,
        lambda p: [f"{p.path('queries/cases.sql')}:6", "查询的 SQL 无法解析", "原因：", "方言变体"],
    ),
    # A query the database refuses leaves the draft incomplete: written, said so, exit 1.
    Case(
        "query-sql-unknown-column",
        _set("queries/cases.sql", "WHERE kind", "WHERE kindd"),
        ("build",),
        1,
        lambda p: [
            "警告：",
            str(p.path("queries/cases.sql")),
            "查询 cases 执行出错",
            "no such column: kindd",
            "【待补充】",
            "cases.n：查询 cases 执行出错（见上面的警告）",
            f"{p.path(SECTION_FILE)}:2",
            "草稿已生成但不完整：1 条查询出错",
        ],
        new=(draft_2(),),
    ),
    Case(
        "query-sql-unknown-column-strict",
        _set("queries/cases.sql", "WHERE kind", "WHERE kindd"),
        ("build", "--strict"),
        1,
        lambda p: [str(p.path("queries/cases.sql")), "查询 cases 执行出错", "原因：no such column: kindd"],
    ),
    Case(
        "query-unknown-table-strict",
        _set("queries/total.sql", "FROM cases", "FROM casez"),
        ("build", "--strict"),
        1,
        lambda p: [str(p.path("queries/total.sql")), "原因：no such table: casez"],
    ),
    Case(
        "query-no-rows",
        _set(
            "queries/total.sql",
            "SELECT COUNT(*) AS total FROM cases WHERE",
            "SELECT id AS total FROM cases WHERE id < 0 AND",
        ),
        ("build",),
        0,
        lambda p: ["查询 total 没有返回任何行", "total：查询 total 没有返回任何行（见上面的警告）"],
        new=(draft_2(),),
    ),
    Case(
        "query-no-rows-strict",
        _set(
            "queries/total.sql",
            "SELECT COUNT(*) AS total FROM cases WHERE",
            "SELECT id AS total FROM cases WHERE id < 0 AND",
        ),
        ("build", "--strict"),
        1,
        lambda p: [str(p.path("queries/total.sql")), "查询 total 没有返回任何行", "COUNT/SUM"],
    ),
    Case(
        "query-null",
        _set("config.yaml", "kind: 行政处罚", "kind: 行政强制"),
        ("build",),
        0,
        lambda p: [
            "1 处【待补充】",
            "补齐后重新生成",
            "cases.fines：查询结果为空（NULL）",
            f"{p.path(SECTION_FILE)}:2",
        ],
        new=(draft_2(),),
        hint=False,
    ),
    Case(
        "query-null-strict",
        _set("config.yaml", "kind: 行政处罚", "kind: 行政强制"),
        ("build", "--strict"),
        1,
        lambda p: [f"{p.path(SECTION_FILE)}:2", "数字 cases.fines 无法计算：查询结果为空（NULL）", "--strict"],
    ),
    Case(
        "data-zero-denominator",
        lambda p: (
            p.edit("config.yaml", "kind: 行政处罚", "kind: 行政许可"),  # one case, fines 0
            p.edit(SECTION_FILE, "{{ cases.n }}", "{{ cases.n | ratio(cases.fines) | pct }}"),
        ),
        ("build",),
        0,
        lambda p: ["1 处【待补充】", "(cases.n/cases.fines)：分母 cases.fines 为 0", f"{p.path(SECTION_FILE)}:2"],
        new=(draft_2(),),
        hint=False,
    ),
    Case(
        "data-zero-denominator-strict",
        lambda p: (
            p.edit("config.yaml", "kind: 行政处罚", "kind: 行政许可"),
            p.edit(SECTION_FILE, "{{ cases.n }}", "{{ cases.n | ratio(cases.fines) | pct }}"),
        ),
        ("build", "--strict"),
        1,
        lambda p: [f"{p.path(SECTION_FILE)}:2", "无法计算：分母 cases.fines 为 0", "--strict"],
    ),
    Case(
        "query-scalar-with-two-columns",
        _set("queries/total.sql", "AS total", "AS total, 1 AS one"),
        ("build", "--strict"),
        1,
        lambda p: [str(p.path("queries/total.sql")), "返回了 2 列（total、one）", "returns: row"],
    ),
    Case(
        "query-row-with-two-rows",
        _set("queries/total.sql", "< :period_end", "< :period_end GROUP BY kind"),
        ("build", "--strict"),
        1,
        lambda p: [str(p.path("queries/total.sql")), "返回了 2 行", "returns: rows"],
    ),
    Case(
        "query-text-for-a-number",
        _set("queries/cases.sql", "SUM(fine) AS fines", "'五千元' AS fines"),
        ("build",),
        0,
        lambda p: [
            "cases.fines：cases.fines 的值“五千元”不能用过滤器 wan_yuan 格式化",
            f"{p.path(SECTION_FILE)}:2",
            "补齐后重新生成",
        ],
        new=(draft_2(),),
        hint=False,
    ),
    Case(
        "query-text-for-a-number-strict",
        _set("queries/cases.sql", "SUM(fine) AS fines", "'五千元' AS fines"),
        ("build", "--strict"),
        1,
        lambda p: [f"{p.path(SECTION_FILE)}:2", "“五千元”不能用过滤器 wan_yuan 格式化"],
    ),
    Case(
        "query-database-missing",
        lambda p: (p.root / "data/office.db").unlink(),
        ("build",),
        1,
        lambda p: [
            f"警告（查询 cases、total）：{_cfg(p)}:5",
            "SQLite 文件不存在",
            "3 处【待补充】",
            "草稿已生成但不完整：2 条查询出错",
        ],
        new=(draft_2(),),
    ),
    Case(
        "query-database-missing-strict",
        lambda p: (p.root / "data/office.db").unlink(),
        ("build", "--strict"),
        1,
        lambda p: [f"{_cfg(p)}:5", "数据源“office”的 SQLite 文件不存在"],
    ),
    # -- templates --------------------------------------------------------------------------
    Case(
        "template-syntax-error",
        _set(SECTION_FILE, "{{ cases.n }}", "{{ cases.n }"),
        ("build",),
        2,
        lambda p: [f"{p.path(SECTION_FILE)}:2", "模板语法错误", "> 2 |", "原因：unexpected '}'"],
    ),
    Case(
        "template-unknown-figure",
        _set(SECTION_FILE, "{{ cases.n }}", "{{ casse.n }}"),
        ("build",),
        2,
        lambda p: [f"{p.path(SECTION_FILE)}:2", "未定义的名称“casse”", "是否想写“cases”"],
    ),
    Case(
        "template-unknown-column",
        _set(SECTION_FILE, "{{ cases.n }}", "{{ cases.nn }}"),
        ("build",),
        2,
        lambda p: [f"{p.path(SECTION_FILE)}:2", "查询 cases 没有“nn”这一列", "cases.n", "n、fines"],
    ),
    Case(
        "template-unknown-filter",
        _set(SECTION_FILE, "| wan_yuan", "| wan_yaun"),
        ("build",),
        2,
        lambda p: [f"{p.path(SECTION_FILE)}:2", "未知的过滤器“wan_yaun”", "是否想写“wan_yuan"],
    ),
    Case(
        "template-two-number-filters",
        _set(SECTION_FILE, "{{ cases.n }}", "{{ cases.n | num | wan }}"),
        ("build",),
        2,
        lambda p: [f"{p.path(SECTION_FILE)}:2", "已经格式化", "只用一个格式过滤器"],
    ),
    Case(
        "template-division-by-zero",
        _set(SECTION_FILE, "{{ cases.n }}", "{{ (cases.n / 0) | pct }}"),
        ("build",),
        1,
        lambda p: [f"{p.path(SECTION_FILE)}:2", "除数为 0"],
    ),
    # A condition over a figure without a value: its sentence becomes 【待补充】, the draft is written.
    Case(
        "template-null-in-a-condition",
        lambda p: (
            p.edit("config.yaml", "kind: 行政处罚", "kind: 行政强制"),
            p.edit(SECTION_FILE, "文字。", "{% if cases.fines > 0 %}有罚款。{% endif %}"),
        ),
        ("build",),
        0,
        lambda p: [
            "2 处【待补充】",
            "cases.fines：查询结果为空（NULL）；本段的条件或算式用到了它",
            f"{p.path(SECTION_FILE)}:4",
        ],
        new=(draft_2(),),
        hint=False,
    ),
    Case(
        "template-null-in-a-condition-strict",
        lambda p: (
            p.edit("config.yaml", "kind: 行政处罚", "kind: 行政强制"),
            p.edit(SECTION_FILE, "文字。", "{% if cases.fines > 0 %}有罚款。{% endif %}"),
        ),
        ("build", "--strict"),
        1,
        lambda p: [f"{p.path(SECTION_FILE)}:2", "数字 cases.fines 无法计算", "--strict"],
    ),
    Case(
        "template-condition-on-a-failed-query",
        lambda p: (
            (p.root / "data/office.db").unlink(),
            p.edit(SECTION_FILE, "文字。", "{% if cases.n > 0 %}有案件。{% endif %}"),
        ),
        ("build",),
        1,
        lambda p: [
            f"{_cfg(p)}:5: 数据源“office”的 SQLite 文件不存在",
            "4 处【待补充】",
            "cases.n：数据源“office”的 SQLite 文件不存在",
            "本段的条件或算式用到了它",
            f"{p.path(SECTION_FILE)}:4",
            "草稿已生成但不完整",
        ],
        new=(draft_2(),),
    ),
    Case(
        "template-condition-on-a-failed-query-strict",
        lambda p: (
            (p.root / "data/office.db").unlink(),
            p.edit(SECTION_FILE, "文字。", "{% if cases.n > 0 %}有案件。{% endif %}"),
        ),
        ("build", "--strict"),
        1,
        lambda p: [f"{_cfg(p)}:5: 数据源“office”的 SQLite 文件不存在"],
    ),
    Case(
        "template-folder-missing",
        _set("config.yaml", "parameters:", "templates:\n  sections: teile\nparameters:"),
        ("build",),
        2,
        lambda p: [str(p.path("teile")), "找不到分部分模板目录"],
    ),
    Case(
        "template-not-utf8",
        lambda p: p.write(SECTION_FILE, SECTION, encoding="gbk"),
        ("build",),
        2,
        lambda p: [str(p.path(SECTION_FILE)), "不是 UTF-8 编码"],
    ),
    Case(
        "template-sandbox-escape",
        _set(SECTION_FILE, "{{ cases.n }}", "{{ ''.__class__.__mro__ }}"),
        ("build",),
        2,
        lambda p: [f"{p.path(SECTION_FILE)}:2", "不允许访问", "__class__"],
    ),
    Case(
        "master-missing",
        lambda p: (p.root / "templates/report.docx").unlink(),
        ("build",),
        2,
        lambda p: [str(p.path("templates/report.docx")), "找不到 Word 母版", "drafter master"],
    ),
    Case(
        "master-not-a-docx",
        lambda p: p.write("templates/report.docx", "这是一个文本文件"),
        ("build",),
        2,
        lambda p: [str(p.path("templates/report.docx")), "不是 .docx 文件", "另存为"],
    ),
    # -- output -----------------------------------------------------------------------------
    Case("output-not-docx", None, ("build", "-o", "草稿.pdf"), 2, lambda p: ["草稿.pdf", "须以 .docx 结尾"]),
    Case(
        "output-folder-is-a-file",
        lambda p: p.write("belegt", "x"),
        ("build", "-o", "belegt/草稿.docx"),
        1,
        lambda p: ["belegt", "无法创建输出目录", "--output"],
    ),
    Case(
        "output-over-the-master",
        None,
        ("build", "-o", "templates/report.docx", "--force"),
        2,
        lambda p: ["templates/report.docx", "草稿不能写在 report.docx 本身上"],
    ),
    Case(
        "figures-output-over-the-config",
        None,
        ("figures", "-f", "csv", "-o", "config.yaml"),
        2,
        lambda p: ["config.yaml", "数字清单的文件名须以 .csv 结尾", "-o 数字清单.csv"],
    ),
    Case(
        "figures-output-suffix-of-another-format",
        None,
        ("figures", "-f", "json", "-o", "数字.csv"),
        2,
        lambda p: ["数字.csv", "须以 .json 结尾"],
    ),
    Case(
        "checklist-over-the-draft",
        None,
        ("check", f"output/{DRAFT_NAME}", "--xlsx", f"output/{DRAFT_NAME}"),
        2,
        lambda p: [DRAFT_NAME, "核对清单的文件名须以 .xlsx 结尾"],
    ),
    Case(
        "annotated-copy-over-the-draft",
        None,
        ("check", f"output/{DRAFT_NAME}", "--annotate", f"output/{DRAFT_NAME}"),
        2,
        lambda p: [DRAFT_NAME, "批注副本不能写在", "本身上"],
    ),
    # -- command line -----------------------------------------------------------------------
    Case(
        "year-not-a-year",
        None,
        ("build", "--year", "20x5"),
        2,
        lambda p: ["错误：--year / -y 的值有误：“20x5”不是有效的年份", "四位数字", "drafter build --help"],
    ),
    Case("year-out-of-range", None, ("build", "--year", "1800"), 2, lambda p: ["“1800”不是有效的年份"]),
    Case(
        "option-misspelt", None, ("build", "--yera", "2024"), 2, lambda p: ["错误：没有选项 --yera，是否想写 --year？"]
    ),
    Case("command-misspelt", None, ("biuld",), 2, lambda p: ["错误：没有命令 biuld，是否想写 build？"]),
    Case("check-without-a-draft", None, ("check",), 2, lambda p: ["错误：缺少参数 DRAFT。", "drafter check --help"]),
    Case(
        "format-not-a-choice",
        None,
        ("figures", "-f", "xml"),
        2,
        lambda p: ["--format / -f 的值“xml”无效，可选：table、csv、json。"],
    ),
    Case("check-draft-missing", None, ("check", "没有这个草稿.docx"), 2, lambda p: ["没有这个草稿.docx"]),
    Case(
        "check-draft-not-docx",
        lambda p: p.write("草稿.docx", "不是 Word"),
        ("check", "草稿.docx"),
        2,
        lambda p: ["草稿.docx"],
    ),
]


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_catalogue(case: Case, project: Project):
    if case.setup is not None:
        case.setup(project)
    before = snapshot(project.root)
    result = drafter(project, *case.args, env=case.env or None)
    assert_one_message(result, case.code, *case.needles(project), hint=case.hint)
    assert "geheim" not in result.output  # a password never shows
    assert_unharmed(before, project.root, new=case.new)


def test_the_catalogue_has_at_least_thirty_cases():
    assert len(CATALOGUE) >= 30
    assert len({c.id for c in CATALOGUE}) == len(CATALOGUE)


# -- --debug shows the traceback the plain message hides ----------------------------------------


def test_debug_shows_a_traceback_and_the_same_message(project):
    project.edit(SECTION_FILE, "{{ cases.n }}", "{{ casse.n }}")
    result = CliRunner().invoke(main, ["--debug", "build", "-c", str(project.config)])
    assert result.exit_code == 2
    assert "Traceback" in result.output and "未定义的名称“casse”" in result.output


def test_a_real_process_prints_one_message_and_no_traceback(project):
    import subprocess
    import sys

    project.edit("config.yaml", "  year: 2025", "  yeer: 2025")
    drafter_exe = Path(sys.executable).with_name("drafter")
    done = subprocess.run([str(drafter_exe), "build"], cwd=project.root, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("错误：config.yaml:3: 未知的配置项“report.yeer”")
    assert "Traceback" not in done.stderr


# -- placeholders: highlighted in the draft, listed at the end; --strict refuses ---------------


def test_a_placeholder_is_yellow_in_the_draft_and_listed_last(project):
    from docx.enum.text import WD_COLOR_INDEX
    from docx.oxml.ns import qn

    project.edit("config.yaml", "kind: 行政处罚", "kind: 行政强制")
    result = drafter(project, "build", "-o", "draft.docx")
    assert_one_message(result, 0, hint=False)
    err = result.stderr.rstrip("\n").splitlines()
    assert err[-2] == "草稿中有 1 处【待补充】（已黄色标出；补齐后重新生成，或用 --strict 让它们报错）："
    assert err[-1].startswith("  - cases.fines：查询结果为空（NULL）") and err[-1].endswith(f"{SECTION_FILE}:2")
    body = Document(str(project.root / "draft.docx")).element.body
    holders = [
        sdt
        for sdt in body.iter(qn("w:sdt"))
        if "【待补充：cases.fines】" in "".join(t.text or "" for t in sdt.iter(qn("w:t")))
    ]
    assert len(holders) == 1
    runs = list(holders[0].iter(qn("w:r")))
    assert runs and all(r.find(f"{qn('w:rPr')}/{qn('w:highlight')}").get(qn("w:val")) == "yellow" for r in runs)
    assert WD_COLOR_INDEX.YELLOW  # the value python-docx writes as "yellow"


def test_strict_writes_nothing(project):
    project.edit("config.yaml", "kind: 行政处罚", "kind: 行政强制")
    before = snapshot(project.root)
    result = drafter(project, "build", "--strict", "-o", "draft.docx")
    assert_one_message(result, 1, "cases.fines")
    assert_unharmed(before, project.root)


# -- the Word master -------------------------------------------------------------------------


def _title_paragraph(document):
    return next(p for p in document.paragraphs if p.text == "{{ title }}")


def _split_title(document):
    """What Word does to a tag typed in two goes: three runs, a spelling mark between them."""
    from docx.oxml.ns import qn

    p = _title_paragraph(document)
    run = p.runs[0]
    run.text = "{{ ti"
    second = copy.deepcopy(run._r)
    run._r.addnext(second)
    proof = run._r.makeelement(qn("w:proofErr"), {qn("w:type"): "spellStart"})
    run._r.addnext(proof)
    p.runs[1].text = "tle }"
    third = copy.deepcopy(second)
    second.addnext(third)
    p.runs[2].text = "}"
    p.runs[1].bold = True


def test_master_tags_split_across_runs_are_repaired(project):
    project.edit_master(_split_title)
    result = drafter(project, "build", "-o", "draft.docx")
    assert_one_message(result, 0, hint=False)
    texts = [p.text for p in Document(str(project.root / "draft.docx")).paragraphs]
    assert any(t.replace("\n", "") == f"{AGENCY}关于2025年度法治政府建设情况报告" for t in texts), texts[:6]


def _unclosed_title(document):
    _title_paragraph(document).runs[0].text = "{{ title "


def _title_across_paragraphs(document):
    p = _title_paragraph(document)
    p.runs[0].text = "{{ ti"
    second = copy.deepcopy(p._p)
    p._p.addnext(second)
    from docx.text.paragraph import Paragraph

    Paragraph(second, p._parent).runs[0].text = "tle }}"


def _misspelt_title(document):
    _title_paragraph(document).runs[0].text = "{{ titel }}"


def _no_body(document):
    p = next(p for p in document.paragraphs if p.text == "{{ body }}")
    p._p.getparent().remove(p._p)


@pytest.mark.parametrize(
    "change, needles",
    [
        (_unclosed_title, ["第 5 段", "“{{”之后缺少“}}”", "同一段"]),
        (_title_across_paragraphs, ["第 5 段", "“{{”之后缺少“}}”"]),
        (_misspelt_title, ["第 5 段", "未定义的名称“titel”", "是否想写“title”"]),
        (_no_body, ["没有 {{ body }} 段落"]),
    ],
    ids=["tag-left-open", "tag-across-paragraphs", "unknown-name", "no-body"],
)
def test_master_mistakes_name_the_paragraph(project, change, needles):
    project.edit_master(change)
    before = snapshot(project.root)
    result = drafter(project, "build")
    assert_one_message(result, 2, str(project.path("templates/report.docx")), *needles)
    assert_unharmed(before, project.root)


def test_a_zip_that_is_no_word_document_is_named(project):
    import zipfile

    with zipfile.ZipFile(project.root / "templates/report.docx", "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    before = snapshot(project.root)
    result = drafter(project, "build")
    assert_one_message(result, 2, str(project.path("templates/report.docx")), "Word")
    assert_unharmed(before, project.root)


# -- output: never overwritten, never half-written ---------------------------------------------


def test_an_existing_draft_is_kept_and_the_next_free_name_is_said(project):
    before = snapshot(project.root)
    first = drafter(project, "build")
    assert_one_message(first, 0, "已存在，未覆盖", f"{DRAFT_NAME.removesuffix('.docx')}-2.docx", "--force", hint=False)
    assert first.stdout.strip() == str(project.root / draft_2())
    second = drafter(project, "build")
    assert second.stdout.strip().endswith("（草稿）-3.docx")
    assert_unharmed(before, project.root, new=(draft_2(), draft_2().replace("-2.", "-3.")))


def test_force_replaces_the_draft_in_one_step(project):
    before = snapshot(project.root)
    result = drafter(project, "build", "--force")
    assert_one_message(result, 0, hint=False)
    assert "未覆盖" not in result.output
    assert_unharmed(before, project.root, changed=(f"output/{DRAFT_NAME}",))
    Document(str(project.draft))  # a whole .docx


def test_an_unwritable_folder_is_said_and_nothing_is_written(project, monkeypatch):
    import drafter.outputs as outputs

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", kwargs.get("dir"))

    monkeypatch.setattr(outputs, "_temporary", refuse)
    before = snapshot(project.root)
    result = drafter(project, "build", "--force")
    assert_one_message(result, 1, str(project.root / "output"), "输出目录不可写", "Permission denied")
    assert_unharmed(before, project.root)


@pytest.mark.parametrize(
    "failure", [OSError(errno.ENOSPC, "No space left on device"), RuntimeError("boom")], ids=["disk-full", "unexpected"]
)
@pytest.mark.parametrize("force", [False, True], ids=["new-name", "force"])
def test_a_save_failing_halfway_leaves_nothing_behind(project, monkeypatch, failure, force):
    from drafter.word import document

    def half_then_fail(doc, path):
        with open(path, "wb") as f:
            f.write(b"PK\x03\x04 half a zip")
        raise failure

    monkeypatch.setattr(document, "save_docx", half_then_fail)
    before = snapshot(project.root)
    result = drafter(project, "build", *(["--force"] if force else []))
    if isinstance(failure, OSError):
        assert_one_message(result, 1, "草稿写入失败，未留下不完整的文件", "No space left on device")
    else:
        assert_one_message(result, 1, "内部错误", "boom", "--debug")
    assert_unharmed(before, project.root)


def test_a_long_template_line_is_shown_around_the_name_at_fault(project):
    padding = "为推进法治政府建设，我局持续加强执法规范化建设，" * 8
    project.edit(SECTION_FILE, "全年办理案件{{ cases.n }}件", f"{padding}全年办理案件{{{{ cases.nn }}}}件")
    result = drafter(project, "build")
    assert_one_message(result, 2, f"{project.path(SECTION_FILE)}:2", "查询 cases 没有“nn”这一列")
    [shown] = [line for line in result.output.splitlines() if line.startswith("  > 2 | ")]
    assert shown.startswith("  > 2 | …") and "{{ cases.nn }}" in shown and len(shown) < 110


@pytest.mark.parametrize("command", ["build", "lint", "figures"])
def test_a_folder_given_as_the_config_is_named(project, command):
    (project.root / "ordner").mkdir()
    result = CliRunner().invoke(main, [command, "-c", "ordner"])
    assert_one_message(result, 2, "ordner", "文件夹", "--config")


def test_a_folder_named_like_a_query_is_not_a_query(project):
    (project.root / "queries/alt.sql").mkdir()
    result = drafter(project, "build", "-o", "draft.docx")
    assert_one_message(result, 0, hint=False)


@pytest.mark.parametrize(
    "expression, needles",
    [
        ("{{ cases }}", ["查询 cases 返回的是一行多列，不能整个写进报告", "{{ cases.n }}", "n、fines"]),
        ("{{ attachments }}", ["全部结果", "{% for r in 查询名 %}"]),
    ],
    ids=["row", "list"],
)
def test_a_whole_result_printed_is_refused_not_written_as_python(project, expression, needles):
    project.edit(SECTION_FILE, "文字。", f"文字{expression}。")
    before = snapshot(project.root)
    result = drafter(project, "build")
    assert_one_message(result, 2, f"{project.path(SECTION_FILE)}:4", *needles)
    assert_unharmed(before, project.root)


@pytest.mark.parametrize(
    "typed, needles",
    [
        ("｛｛ cases.n ｝｝", ["模板标记“｛｛”是全角字符，不会被当作标记", "英文输入法"]),
        ("{{ cases.n ｜ num }}", ["模板标记中有全角字符“｜”", "英文输入法"]),
        ("{{ cases．n }}", ["模板标记中有全角字符“．”"]),
    ],
    ids=["wide-braces", "wide-bar", "wide-dot"],
)
def test_tags_typed_with_a_chinese_input_method_are_named(project, typed, needles):
    project.edit(SECTION_FILE, "{{ cases.n }}", typed)
    before = snapshot(project.root)
    result = drafter(project, "build")
    assert_one_message(result, 2, f"{project.path(SECTION_FILE)}:2", *needles)
    assert_unharmed(before, project.root)
    linted = drafter(project, "lint")
    assert linted.exit_code == 1 and f"{project.path(SECTION_FILE)}:2" in linted.output and needles[0] in linted.output


def test_a_full_width_tag_in_the_master_is_named_with_its_paragraph(project):
    project.edit_master(lambda d: setattr(_title_paragraph(d).runs[0], "text", "｛｛ title ｝｝"))
    before = snapshot(project.root)
    result = drafter(project, "build")
    assert_one_message(result, 2, str(project.path("templates/report.docx")), "第 5 段", "“｛｛”是全角字符")
    assert_unharmed(before, project.root)
    linted = drafter(project, "lint")
    assert linted.exit_code == 1 and "第 5 段" in linted.output and "全角" in linted.output


def test_a_query_header_typed_with_a_full_width_colon_is_read(project):
    project.edit("queries/cases.sql", "-- source: office", "-- source：office")
    result = drafter(project, "build", "-o", "draft.docx")
    assert_one_message(result, 0, hint=False)
