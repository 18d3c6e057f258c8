import datetime as dt
from pathlib import Path

import pytest

from drafter.errors import ConfigError
from drafter.project.config import load_config

MINIMAL = """\
report:
  agency: 测试区应急管理局
  year: 2025
sources:
  enforcement: sqlite:///data/enforcement.db
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_short_source_form_and_paths_relative_to_the_file(tmp_path):
    config = load_config(write(tmp_path, MINIMAL), environ={})
    url = config.sources["enforcement"].url
    assert url == f"sqlite:///{(tmp_path / 'data/enforcement.db').resolve()}"
    assert config.resolve(config.queries) == tmp_path / "queries"
    assert config.report_date == dt.date(2025, 12, 31)
    assert config.sources["enforcement"].timeout == 60


def test_environment_variables_are_expanded(tmp_path):
    text = MINIMAL.replace("sqlite:///data/enforcement.db", "postgresql+psycopg://u:${PGPW}@h/${DB:-test}")
    config = load_config(write(tmp_path, text), environ={"PGPW": "s3cret"})
    assert config.sources["enforcement"].url == "postgresql+psycopg://u:s3cret@h/test"


def test_an_unset_environment_variable_names_the_line(tmp_path):
    text = MINIMAL.replace("sqlite:///data/enforcement.db", "postgresql://u:${PGPW}@h/db")
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), environ={})
    assert "PGPW" in info.value.message
    assert info.value.line == 5


def test_yaml_syntax_error_shows_line_column_and_context(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "report:\n  agency: [a\n  year: 2025\n"), environ={})
    err = info.value
    assert err.message == "YAML 语法错误"
    assert err.line is not None and err.column is not None
    assert "agency" in err.context


def test_unknown_key_suggests_the_right_one(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, MINIMAL + "ouput:\n  dir: x\n"), environ={})
    assert "ouput" in info.value.message
    assert "output" in info.value.hint
    assert info.value.line == 6


def test_unknown_nested_key_names_its_line(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, MINIMAL.replace("  year: 2025", "  year: 2025\n  agnecy: x")), environ={})
    assert "report.agnecy" in info.value.message
    assert "agency" in info.value.hint
    assert info.value.line == 4


def test_wrong_type_names_the_key_and_line(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, MINIMAL.replace("year: 2025", "year: 二〇二五")), environ={})
    assert "report.year" in info.value.message
    assert info.value.line == 3


def test_missing_required_key(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "report:\n  year: 2025\nsources: {}\n"), environ={})
    assert "report.agency" in info.value.message


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="找不到配置文件"):
        load_config(tmp_path / "nope.yaml")


def test_year_override_moves_a_configured_date(tmp_path):
    text = MINIMAL.replace("  year: 2025", "  year: 2025\n  date: 2025-12-30")
    config = load_config(write(tmp_path, text), year=2024, environ={})
    assert config.report.year == 2024
    assert config.report_date == dt.date(2024, 12, 30)


def test_source_overrides_from_environment_and_command_line(tmp_path):
    path = write(tmp_path, MINIMAL)
    config = load_config(path, environ={"DRAFTER_SOURCE_ENFORCEMENT": "mysql+pymysql://root@h/a"})
    assert config.sources["enforcement"].url == "mysql+pymysql://root@h/a"
    config = load_config(
        path,
        sources={"enforcement": "postgresql+psycopg://x@h/b"},
        environ={"DRAFTER_SOURCE_ENFORCEMENT": "mysql+pymysql://root@h/a"},
    )
    assert config.sources["enforcement"].url == "postgresql+psycopg://x@h/b"


def test_overriding_an_unknown_source_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="nope"):
        load_config(write(tmp_path, MINIMAL), sources={"nope": "sqlite://"}, environ={})
