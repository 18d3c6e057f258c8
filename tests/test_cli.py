"""The command line: help in Chinese, the master command, previews."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
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


@pytest.mark.render
def test_build_preview_writes_png_pages_beside_the_draft(tmp_path):
    if not shutil.which("soffice"):
        if os.environ.get("DRAFTER_REQUIRE_RENDER") == "1":
            pytest.fail("LibreOffice (soffice) is required in CI")
        pytest.skip("LibreOffice is not installed")
    from drafter.sample import create_sqlite

    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(REPO / "queries", tmp_path / "queries")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    create_sqlite(tmp_path / "sample")
    result = CliRunner().invoke(main, ["build", "-c", str(tmp_path / "config.yaml"), "--preview",
                                       "-o", str(tmp_path / "d.docx")])
    assert result.exit_code == 0, result.output
    pages = sorted((tmp_path / "d-预览").glob("*.png"))
    assert len(pages) >= 5
    assert pages[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
