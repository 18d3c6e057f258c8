"""End to end on a small project of another office: the engine is not tied to the sample.

A project is written into tmp_path (its own database, queries, sections and the
default Word master), built through the real CLI, and the .docx is read back.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from reading import read_paragraphs

from drafter import build
from drafter.cli import main
from drafter.word.manifest import read_manifest

REPO = Path(__file__).resolve().parents[1]

CONFIG = """\
report:
  agency: 测试县市场监督管理局
  year: 2025
sources:
  market:
    url: sqlite:///data/market.db
    description: 市场监管业务系统
"""

CHECKS_SQL = """\
-- source: market
-- description: 全年日常检查
-- returns: row
SELECT COUNT(*) AS checks, SUM(officers) AS officer_trips, SUM(fine_yuan) AS fines
FROM inspection
WHERE checked_on >= :period_start AND checked_on < :period_end
"""

BY_TOWN_SQL = """\
-- source: market
-- description: 各镇检查次数
-- returns: rows
SELECT town, COUNT(*) AS checks FROM inspection
WHERE checked_on >= :period_start AND checked_on < :period_end
GROUP BY town ORDER BY town
"""

TOTAL_SQL = """\
-- source: market
-- description: 累计检查次数
-- returns: scalar
SELECT COUNT(*) AS n FROM inspection WHERE checked_on < :period_end
"""

SECTION = """\
一、{{ year }}年主要工作
（一）日常检查
1.加强日常检查。全年检查{{ checks.checks }}次，出动{{ checks.officer_trips }}人次，罚款{{ checks.fines | wan_yuan }}，累计检查{{ total }}次。
{% for row in by_town %}
{{ row.town }}检查{{ row.checks }}次。
{% endfor %}
二、存在的不足
文字。
"""

ROWS = [
    ("2025-02-01", "城关镇", 2, 5000),
    ("2025-03-09", "城关镇", 3, 12000),
    ("2025-07-15", "河西镇", 1, 0),
    ("2024-11-30", "河西镇", 4, 30000),
]


def _insert(db: Path, rows) -> None:
    with sqlite3.connect(db) as conn:
        conn.executemany("INSERT INTO inspection (checked_on, town, officers, fine_yuan) VALUES (?, ?, ?, ?)", rows)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    db = tmp_path / "data/market.db"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE inspection (id INTEGER PRIMARY KEY, checked_on TEXT, town TEXT,"
            " officers INTEGER, fine_yuan INTEGER)"
        )
    _insert(db, ROWS)
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries/checks.sql").write_text(CHECKS_SQL, encoding="utf-8")
    (tmp_path / "queries/by_town.sql").write_text(BY_TOWN_SQL, encoding="utf-8")
    (tmp_path / "queries/total.sql").write_text(TOTAL_SQL, encoding="utf-8")
    (tmp_path / "templates/sections").mkdir(parents=True)
    (tmp_path / "templates/sections/1-工作.txt").write_text(SECTION, encoding="utf-8")
    shutil.copy(REPO / "templates/report.docx", tmp_path / "templates/report.docx")
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    return tmp_path / "config.yaml"


def body(paragraphs: list[str]) -> str:
    return "\n".join(paragraphs)


def test_the_cli_writes_the_draft_under_output_and_prints_its_path(project, monkeypatch):
    monkeypatch.chdir(project.parent)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    assert path == project.parent / "output/测试县市场监督管理局2025年度法治政府建设情况报告（草稿）.docx"
    text = body(read_paragraphs(path))
    # The title is balanced over two lines with a line break, as GB/T 9704 lays it out.
    assert read_paragraphs(path)[0].replace("\n", "") == "测试县市场监督管理局关于2025年度法治政府建设情况报告"
    assert "全年检查3次，出动6人次，罚款1.7万元，累计检查4次。" in text
    assert "城关镇检查2次。\n河西镇检查1次。" in text
    assert "Traceback" not in result.output


def test_a_year_is_a_parameter_not_text(project):
    result = build(project, year=2024, output=project.parent / "d.docx")
    text = body(read_paragraphs(result.path))
    assert "一、2024年主要工作" in text
    assert "全年检查1次，出动4人次，罚款3万元，累计检查1次。" in text
    assert "城关镇" not in text


def test_changing_rows_changes_exactly_the_affected_figures(project):
    before = read_paragraphs(build(project, output=project.parent / "a.docx").path)
    _insert(project.parent / "data/market.db", [("2025-12-31", "河西镇", 5, 1000)])
    after = read_paragraphs(build(project, output=project.parent / "b.docx").path)
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after)
    assert changed == [
        (
            "1.加强日常检查。全年检查3次，出动6人次，罚款1.7万元，累计检查4次。",
            "1.加强日常检查。全年检查4次，出动11人次，罚款1.8万元，累计检查5次。",
        ),
        ("河西镇检查1次。", "河西镇检查2次。"),
    ]


def test_each_figure_sits_in_a_tagged_content_control_and_the_manifest_names_its_query(project):
    result = build(project, output=project.parent / "d.docx")
    doc = Document(str(result.path))
    tags = [t.get(qn("w:val")) for t in doc.element.body.iter(qn("w:tag"))]
    assert "drafter:f001:checks.checks" in tags
    assert any(t.endswith("by_town[1].checks") for t in tags)
    assert len(tags) == len(result.registry) >= 7
    manifest = read_manifest(doc).model_dump(mode="json", exclude_unset=True)
    assert manifest["year"] == 2025
    first = manifest["figures"][0]
    assert (first["ref"], first["text"], first["value"]) == ("checks.checks", "3", 3)
    assert manifest["queries"]["checks"]["params"] == {"period_start": "2025-01-01", "period_end": "2026-01-01"}
    assert "SUM(officers)" in manifest["queries"]["checks"]["sql"]


def test_outline_levels_take_the_gongwen_styles(project):
    result = build(project, output=project.parent / "d.docx")
    styles = {p.text: p.style.name for p in Document(str(result.path)).paragraphs if p.text}
    assert styles["一、2025年主要工作"] == "一级标题"
    assert styles["（一）日常检查"] == "二级标题"
    # Body text is Word's built-in Normal, which Chinese Word and WPS show as 正文.
    assert styles["文字。"] == "Normal"


def test_a_master_of_an_earlier_drafter_keeps_its_own_zhengwen_style_for_body_text(project):
    # Earlier masters set body text in a custom style named 正文 (beside the built-in Normal).
    from docx.enum.style import WD_STYLE_TYPE

    master = project.parent / "templates/report.docx"
    old = Document(str(master))
    old.styles.add_style("正文", WD_STYLE_TYPE.PARAGRAPH).font.name = "华文仿宋"
    old.save(str(master))
    result = build(project, output=project.parent / "d.docx")
    doc = Document(str(result.path))
    styles = {p.text: p.style.name for p in doc.paragraphs if p.text}
    assert styles["文字。"] == "正文" and styles["一、2025年主要工作"] == "一级标题"
    assert [s.name for s in doc.styles].count("正文") == 1


def test_a_style_setting_the_master_does_not_have_is_one_warning_naming_master_force(project):
    assert build(project, output=project.parent / "a.docx").warnings == []
    project.write_text(CONFIG + "style:\n  heading1_font: 方正黑体_GBK\n  body_size: 15\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["build", "-c", str(project), "-o", str(project.parent / "d.docx")])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("警告") == 1
    assert "一级标题的中文字体是“黑体”，而 style.heading1_font 是“方正黑体_GBK”" in result.stderr
    assert "的字号是 16 磅，而 style.body_size 是 15 磅" in result.stderr
    assert "drafter master --force" in result.stderr
    assert Path(result.stdout.strip()) == project.parent / "d.docx"
    # Rebuilding the master from config.yaml makes the settings take effect, and the warning goes.
    assert runner.invoke(main, ["master", "-c", str(project), "--force"]).exit_code == 0
    again = runner.invoke(main, ["build", "-c", str(project), "-o", str(project.parent / "e.docx")])
    assert again.exit_code == 0 and "警告" not in again.stderr
    heading = Document(str(project.parent / "e.docx")).styles["一级标题"].element
    assert heading.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正黑体_GBK"


def test_an_existing_draft_is_never_overwritten(project):
    out = project.parent / "d.docx"
    out.write_bytes(b"edited by hand")
    result = build(project, output=out)
    assert out.read_bytes() == b"edited by hand"
    assert result.path == project.parent / "d-2.docx"
    assert result.renamed
    forced = build(project, output=out, force=True)
    assert forced.path == out and out.read_bytes() != b"edited by hand"


def test_a_null_figure_becomes_a_listed_placeholder_and_strict_fails(project):
    with sqlite3.connect(project.parent / "data/market.db") as conn:
        conn.execute("DELETE FROM inspection WHERE checked_on >= '2025-01-01'")
    runner = CliRunner()
    result = runner.invoke(main, ["build", "-c", str(project), "-o", str(project.parent / "d.docx")])
    assert result.exit_code == 0, result.output
    text = body(read_paragraphs(project.parent / "d.docx"))
    assert "出动【待补充：checks.officer_trips】人次" in text
    assert "checks.officer_trips" in result.stderr
    strict = runner.invoke(main, ["build", "-c", str(project), "--strict", "-o", str(project.parent / "e.docx")])
    assert strict.exit_code == 1
    assert "待补充" not in strict.stdout
    assert not (project.parent / "e.docx").exists()


# What a plain `drafter build` of the sample must not load (issue 21: a build process within
# 2.2× the bare import of its libraries): review code, the process pool of `build --each`,
# jieba's own package code (only its word list is read), spreadsheets, charts and the web app.
_NOT_IN_A_PLAIN_BUILD = (
    "drafter.review.batch",
    "drafter.review.checker",
    "concurrent.futures.process",
    "jieba",
    "pkg_resources",
    "openpyxl",
    "python_calamine",
    "matplotlib",
    "drafter.web",
)


def test_plain_build_process_loads_only_what_it_uses(sample_project_copy):
    import subprocess
    import sys

    code = (
        "import atexit, runpy, sys\n"
        "atexit.register(lambda: print('\\n'.join(sorted(sys.modules)), file=sys.stderr))\n"
        "sys.argv = ['drafter', 'build', '-c', sys.argv[1], '-o', sys.argv[2], '--force']\n"
        "runpy.run_module('drafter.cli', run_name='__main__')\n"
    )
    out = sample_project_copy.parent / "plain.docx"
    run = subprocess.run(
        [sys.executable, "-c", code, str(sample_project_copy), str(out)],
        capture_output=True,
        text=True,
        cwd=sample_project_copy.parent,
    )
    assert run.returncode == 0, run.stderr
    assert out.exists()
    loaded = set(run.stderr.split())
    assert "drafter.pipeline.build" in loaded and "sqlalchemy" in loaded  # the listing is the build's
    # (sqlglot is not: the session's first build left the readings of these queries in the
    # cache the tests share, drafter/project/sqlcache.py; test_sqlcache checks that case)
    assert sorted(loaded & set(_NOT_IN_A_PLAIN_BUILD)) == []
