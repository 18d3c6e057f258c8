"""`drafter sources`: each source's engine, read-only session, time limit and account rights."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from servers import scratch_database, server_user
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from drafter.cli import main
from drafter.data.inspect import inspect_sources

PASSWORD = "Ro-Only_7x"


def test_the_sample_sources_are_read_only_sqlite_files(sample_project):
    result = CliRunner().invoke(main, ["sources", "-c", str(sample_project)])
    assert result.exit_code == 0, result.output
    for name in ("enforcement", "hazards", "licensing", "disaster", "office"):
        assert f"{name}（" in result.stdout
    assert result.stdout.count("会话只读：是") == 5 and result.stdout.count("账号可写：否") == 5
    assert "数据库：SQLite 3." in result.stdout and "查询时限：进度回调，30 秒" in result.stdout


def test_a_missing_file_is_told_and_exits_1(sample_project, tmp_path):
    result = CliRunner().invoke(
        main, ["sources", "-c", str(sample_project), "-s", f"office=sqlite:///{tmp_path / 'gone.db'}"]
    )
    assert result.exit_code == 1
    assert "数据源“office”的 SQLite 文件不存在" in result.stdout and "需要处理：office" in result.stderr


@pytest.mark.engines
@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_an_account_that_could_write_is_warned_with_the_grants_and_a_select_only_one_is_not(sample_project, kind):
    with scratch_database(kind) as url:
        engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE t (a INTEGER)")
        engine.dispose()
        admin = inspect_sources(sample_project, sources={"office": url})
        [office] = [r for r in admin if r.name == "office"]
        assert office.read_only is True and office.superuser and office.can_write
        assert office.time_limit and (
            "statement_timeout = 30s" in office.time_limit or "max_statement_time = 30" in office.time_limit
        )
        assert office.engine == ("PostgreSQL" if kind == "postgresql" else "MariaDB")
        [warning] = office.warnings
        assert "超级用户" in warning and "GRANT SELECT ON" in warning and "drafter_report" in warning
        result = CliRunner().invoke(main, ["sources", "-c", str(sample_project), "-s", f"office={url}"])
        assert result.exit_code == 1 and "警告：" in result.stdout
        with server_user(kind, url, PASSWORD) as reader:
            result = CliRunner().invoke(main, ["sources", "-c", str(sample_project), "-s", f"office={reader}"])
            assert result.exit_code == 0, result.output
            assert PASSWORD not in result.output and ":***@" in result.stdout
            assert "账号可写：否" in result.stdout and "超级用户：否" in result.stdout


def test_a_spreadsheet_source_is_told_as_a_file_read_not_an_account(tmp_path):
    from openpyxl import Workbook

    book = tmp_path / "台账.xlsx"
    wb = Workbook()
    wb.active.title = "检查记录"
    wb.active.append(["检查日期", "次数"])
    wb.active.append(["2025-03-01", 2])
    wb.save(book)
    (tmp_path / "config.yaml").write_text(
        "report: {agency: 测试局, year: 2025}\nsources:\n  ledger:\n    url: 台账.xlsx\n    description: 检查台账\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["sources", "-c", str(tmp_path / "config.yaml")])
    assert result.exit_code == 0, result.output
    assert "文件：Excel 工作簿 检查记录（1 张表）" in result.stdout and "文件本身从不写入" in result.stdout
    assert "账号可写" not in result.stdout and "超级用户" not in result.stdout and "会话只读" not in result.stdout
