"""Source URLs: the installed driver stands in for a missing default; a missing driver is named."""

from __future__ import annotations

import importlib.util

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from drafter.cli import main
from drafter.data.sources import open_engine, with_installed_driver
from drafter.errors import SourceError
from drafter.project.config import SourceSettings


def _missing(module: str) -> bool:
    return importlib.util.find_spec(module) is None


@pytest.mark.skipif(not _missing("MySQLdb"), reason="mysqlclient is installed: mysql:// keeps its default")
@pytest.mark.parametrize(
    "url, expected",
    [
        ("mysql://root@127.0.0.1:3306/test", "mysql+pymysql"),
        ("mariadb://root@127.0.0.1:3306/test", "mariadb+pymysql"),
    ],
)
def test_a_mysql_url_without_a_driver_takes_pymysql(url, expected):
    assert with_installed_driver(make_url(url)).drivername == expected


@pytest.mark.skipif(not _missing("psycopg2"), reason="psycopg2 is installed: postgresql:// keeps its default")
def test_a_postgresql_url_without_a_driver_takes_psycopg():
    assert with_installed_driver(make_url("postgresql://u:pw@h/db")).drivername == "postgresql+psycopg"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://u@h/db",
        "mysql+pymysql://u@h/db",
        "sqlite:///x.db",
        "oracle://u@h/x",
    ],
)
def test_a_named_driver_or_another_database_is_left_alone(url):
    assert with_installed_driver(make_url(url)) == make_url(url)


@pytest.mark.skipif(not _missing("oracledb") or not _missing("cx_Oracle"), reason="an Oracle driver is installed")
def test_a_missing_driver_is_named_with_what_to_install():
    with pytest.raises(SourceError) as caught:
        open_engine("office", SourceSettings(url="oracle://report:s3cret@db.example/x"))
    text = caught.value.render()
    assert "数据源“office”所需的数据库驱动未安装（oracle）" in text
    assert "oracledb" in text  # the module Python could not import
    assert "drafter[postgres]" in text and "pip install" in text
    assert "s3cret" not in text


@pytest.mark.skipif(not _missing("oracledb") or not _missing("cx_Oracle"), reason="an Oracle driver is installed")
def test_a_build_that_fails_on_a_failed_source_says_why_the_source_failed(sample_project, tmp_path):
    out = tmp_path / "draft.docx"
    result = CliRunner().invoke(
        main,
        ["build", "-c", str(sample_project), "-o", str(out), "--source", "office=oracle://report:s3cret@db.example/x"],
    )
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    # The office queries failed; whatever the template says, the reason is on screen.
    assert "数据源“office”所需的数据库驱动未安装" in result.output
    assert "oracledb" in result.output
    assert "s3cret" not in result.output
