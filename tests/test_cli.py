"""The command line: help in Chinese, the master command, previews."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import require_programs
from docx import Document

from drafter.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_every_command_has_chinese_help():
    runner = CliRunner()
    top = runner.invoke(main, ["--help"])
    assert top.exit_code == 0 and "生成" in top.output
    for name, command in main.commands.items():
        out = runner.invoke(main, [name, "--help"])
        assert out.exit_code == 0, name
        assert command.help and any("\u4e00" <= ch <= "\u9fff" for ch in command.help), name


def test_a_year_that_is_not_a_year_is_a_usage_error():
    result = CliRunner().invoke(main, ["build", "--year", "20x5"])
    assert result.exit_code == 2
    assert "不是有效的年份" in result.output
    assert "Traceback" not in result.output


def test_master_writes_a_master_and_never_overwrites_without_force(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("report: {agency: 测试局, year: 2025}\nsources: {}\nstyle: {}\n", encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(main, ["master", "-c", str(config)])
    assert first.exit_code == 0, first.output
    master = tmp_path / "templates/report.docx"
    names = {s.name for s in Document(str(master)).styles}
    assert {"公文标题", "Normal", "一级标题", "署名", "成文日期"} <= names
    master.write_bytes(b"edited in Word")
    again = runner.invoke(main, ["master", "-c", str(config)])
    assert again.exit_code == 2 and "已存在" in again.output
    assert master.read_bytes() == b"edited in Word"
    forced = runner.invoke(main, ["master", "-c", str(config), "--force"])
    assert forced.exit_code == 0
    assert (tmp_path / "templates/report.docx.bak").read_bytes() == b"edited in Word"
    assert master.read_bytes() != b"edited in Word"


def _new_office(root: Path) -> Path:
    """A project of another office from scratch: one database, one query, one section, no master."""
    import sqlite3

    (root / "queries").mkdir(parents=True)
    (root / "templates/sections").mkdir(parents=True)
    with sqlite3.connect(root / "cases.db") as conn:
        conn.execute("CREATE TABLE cases (id INTEGER PRIMARY KEY, opened TEXT)")
        conn.executemany("INSERT INTO cases (opened) VALUES (?)", [("2026-01-05",), ("2026-03-01",), ("2025-12-30",)])
    (root / "config.yaml").write_text(
        "report:\n  agency: 松江区司法局\n  year: 2026\nsources:\n  cases: sqlite:///cases.db\n", encoding="utf-8"
    )
    (root / "queries/cases.sql").write_text(
        "-- source: cases\n-- description: 全年案件\n-- returns: scalar\n"
        "SELECT COUNT(*) AS n FROM cases WHERE opened >= :period_start AND opened < :period_end\n",
        encoding="utf-8",
    )
    (root / "templates/sections/1-工作.txt").write_text(
        "一、{{ year }}年主要工作\n全年办理案件{{ cases }}件。\n", encoding="utf-8"
    )
    return root / "config.yaml"


def test_a_master_made_for_another_office_holds_no_wording_of_its_own(tmp_path):
    from reading import read_paragraphs

    config = _new_office(tmp_path / "office")
    runner = CliRunner()
    assert runner.invoke(main, ["master", "-c", str(config)]).exit_code == 0
    out = tmp_path / "office/draft.docx"
    built = runner.invoke(main, ["build", "-c", str(config), "-o", str(out)])
    assert built.exit_code == 0, built.output
    text = read_paragraphs(out)
    assert "全年办理案件2件。" in text and "松江区司法局" in text
    assert not any(w in p for p in text for w in ("青浦", "上海", "法治政府建设工作", "特此报告"))
    # The opening and the closing line are section text, changed without Word.
    sections = tmp_path / "office/templates/sections"
    (sections / "0-开头.txt").write_text("{{ year }}年，我局依法履职，现将有关情况报告如下。\n", encoding="utf-8")
    (sections / "9-结尾.txt").write_text("特此报告。\n", encoding="utf-8")
    again = runner.invoke(main, ["build", "-c", str(config), "-o", str(out), "--force"])
    assert again.exit_code == 0, again.output
    text = [p for p in read_paragraphs(out) if p.strip()]
    title = 0
    assert text[title].replace("\n", "") == "松江区司法局关于2026年度法治政府建设情况报告"
    assert text[title + 1 : title + 4] == [
        "2026年，我局依法履职，现将有关情况报告如下。",
        "一、2026年主要工作",
        "全年办理案件2件。",
    ]
    assert text[title + 4] == "特此报告。"


def test_a_master_rebuilt_with_force_keeps_the_opening_and_closing_of_an_older_master(tmp_path):
    from reading import read_paragraphs

    from drafter.word.master import build_master

    config = _new_office(tmp_path / "office")
    runner = CliRunner()
    master = tmp_path / "office/templates/report.docx"
    # A master as older drafters made it, its opening and 特此报告。 around {{ body }}.
    build_master(
        master,
        intro=("按照区委部署要求，我局及时总结", "{{ year }}", "年工作，现将相关情况报告如下。"),
        closing=("特此报告。",),
    )
    older = master.read_bytes()
    rebuilt = runner.invoke(main, ["master", "-c", str(config), "--force"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "开头段沿用原母版" in rebuilt.output
    assert (tmp_path / "office/templates/report.docx.bak").read_bytes() == older
    out = tmp_path / "office/draft.docx"
    assert runner.invoke(main, ["build", "-c", str(config), "-o", str(out)]).exit_code == 0
    text = read_paragraphs(out)
    assert "按照区委部署要求，我局及时总结2026年工作，现将相关情况报告如下。" in text
    assert text.index("全年办理案件2件。") + 1 == text.index("特此报告。")


def test_master_refuses_a_name_that_is_not_a_docx(tmp_path):
    config = _new_office(tmp_path / "office")
    result = CliRunner().invoke(main, ["master", "-c", str(config), "-o", str(config)])
    assert result.exit_code == 2
    assert "母版的文件名须以 .docx 结尾" in result.output and "Traceback" not in result.output
    assert config.read_text(encoding="utf-8").startswith("report:")


@pytest.mark.render
def test_build_preview_writes_png_pages_beside_the_draft(tmp_path):
    require_programs("render", "soffice")
    from drafter.sample import create_sqlite

    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(REPO / "queries", tmp_path / "queries")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    create_sqlite(tmp_path / "sample")
    result = CliRunner().invoke(
        main, ["build", "-c", str(tmp_path / "config.yaml"), "--preview", "-o", str(tmp_path / "d.docx")]
    )
    assert result.exit_code == 0, result.output
    pages = sorted((tmp_path / "d-预览").glob("*.png"))
    assert len(pages) >= 5
    assert pages[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_debug_shows_the_chained_cause_with_the_password_masked(tmp_path, monkeypatch):
    """--debug prints the whole chain (the driver's own error included); a password in a URL
    never appears, here a source that cannot be parsed."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text(
        "report:\n  agency: 某局\n  year: 2025\nsources:\n  office:\n    url: 'postgresql+psycopg://u:s3cr3t@h:notaport/db'\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--debug", "lint"])
    result_build = CliRunner().invoke(main, ["--debug", "build"])
    for r in (result, result_build):
        assert "s3cr3t" not in r.output
    assert "The above exception was the direct cause" in result_build.output
    assert "ValueError" in result_build.output or "ArgumentError" in result_build.output
