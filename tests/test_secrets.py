"""Passwords are never shown, and drafter's marker characters cannot be forged by data or config."""

from __future__ import annotations

import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from drafter.cli import main
from drafter.word.manifest import read_manifest

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "Sup3r-Geheim_42"


def _project(root: Path, url: str, extra: str = "") -> Path:
    (root / "queries").mkdir(parents=True)
    (root / "templates/sections").mkdir(parents=True)
    with sqlite3.connect(root / "dept.db") as conn:
        conn.execute("CREATE TABLE t (name TEXT, n INTEGER)")
        conn.execute("INSERT INTO t VALUES ('甲\ue0001\ue001999\ue002乙', 7)")
    (root / "config.yaml").write_text(
        f"report: {{agency: 测试局, year: 2025}}\nsources:\n  dept: {url}\n{extra}", encoding="utf-8"
    )
    (root / "queries/q.sql").write_text(
        "-- source: dept\n-- description: 测试\n-- returns: row\nSELECT name, n FROM t\n", encoding="utf-8"
    )
    (root / "templates/sections/1.txt").write_text("一、情况\n{{ q.name }}共{{ q.n }}条。\n", encoding="utf-8")
    shutil.copy(REPO / "templates/report.docx", root / "templates/report.docx")
    return root / "config.yaml"


@pytest.mark.parametrize("command", ["build", "lint", "sources"])
@pytest.mark.parametrize("debug", [(), ("--debug",)], ids=["plain", "debug"])
def test_a_single_slash_url_from_an_environment_variable_is_masked(tmp_path, command, debug):
    config = _project(tmp_path / "p", "postgresql+psycopg:/report:${PGPW}@127.0.0.1:5432/enforce")
    result = CliRunner().invoke(main, [*debug, command, "-c", str(config)], env={"PGPW": PASSWORD})
    assert result.exit_code in (1, 2), result.output
    assert "URL 无法解析" in result.output and ":***@127.0.0.1" in result.output
    assert PASSWORD not in result.output


@pytest.mark.parametrize("debug", [(), ("--debug",)], ids=["plain", "debug"])
@pytest.mark.parametrize(
    "value",
    [f"postgresql+psycopg://u:{PASSWORD}@host/db", f"postgresql+psycopg://u:{PASSWORD}@host/db?sslmode=require"],
)
def test_a_source_override_without_a_name_is_masked(tmp_path, value, debug):
    config = _project(tmp_path / "p", "sqlite:///dept.db")
    result = CliRunner().invoke(main, [*debug, "build", "-c", str(config), "--source", value])
    assert result.exit_code == 2, result.output
    assert "名称=URL" in result.output and PASSWORD not in result.output


def test_a_refused_login_in_a_debug_traceback_is_masked(tmp_path):
    config = _project(tmp_path / "p", f"postgresql+psycopg://nobody_here:{PASSWORD}@127.0.0.1:1/enforce")
    result = CliRunner().invoke(main, ["--debug", "build", "-c", str(config), "--strict"])
    assert result.exit_code == 1 and "Traceback" in result.output  # --debug shows it, masked
    assert PASSWORD not in result.output and ":***@127.0.0.1" in result.output


def test_markers_in_data_and_config_never_make_a_content_control(tmp_path):
    config = _project(tmp_path / "p", "sqlite:///dept.db", 'parameters:\n  label: "丙\ue0009\ue001123\ue002丁"\n')
    section = config.parent / "templates/sections/1.txt"
    section.write_text(
        section.read_text(encoding="utf-8") + "标签{{ params.label }}，手写\ue000f001\ue001888\ue002。\n",
        encoding="utf-8",
    )
    draft = tmp_path / "draft.docx"
    result = CliRunner().invoke(main, ["build", "-c", str(config), "-o", str(draft)])
    assert result.exit_code == 0, result.output
    document = Document(str(draft))
    manifest = read_manifest(document)
    assert manifest is not None
    assert [f.text for f in manifest.figures] == ["甲1999乙", "7"]  # the two figures of the query, no more
    with zipfile.ZipFile(draft) as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert body.count("<w:sdt>") == 2
    assert not any(ch in body for ch in "\ue000\ue001\ue002\ue003\ue004")
    assert "丙9123丁" in body and "f001888" in body  # the text stays, as text


def test_a_failing_source_with_a_password_leaves_it_out_of_checklist_and_annotated_copy(
    sample_draft, sample_project, tmp_path
):
    url = f"postgresql+psycopg://report:{PASSWORD}@127.0.0.1:1/office"
    xlsx, annotated = tmp_path / "核对清单.xlsx", tmp_path / "批注.docx"
    result = CliRunner().invoke(
        main,
        [
            "check",
            str(sample_draft),
            "-c",
            str(sample_project),
            "-s",
            f"office={url}",
            "--xlsx",
            str(xlsx),
            "--annotate",
            str(annotated),
        ],
    )
    assert result.exit_code == 2, result.output
    assert PASSWORD not in result.output and "report:***@127.0.0.1" in result.output
    for written in (xlsx, annotated):
        assert written.exists(), result.output
        with zipfile.ZipFile(written) as z:
            parts = [z.read(n) for n in z.namelist()]
        assert not [p for p in parts if PASSWORD.encode() in p]
        assert any(b"127.0.0.1" in p for p in parts)  # the reason is there, masked


@pytest.mark.engines
@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_a_refused_login_has_its_own_message(tmp_path, kind):
    from servers import SERVERS
    from sqlalchemy.engine import make_url

    server = make_url(SERVERS[kind])
    url = server.set(
        username="drafter_nobody", password=PASSWORD, database="postgres" if kind == "postgresql" else "mysql"
    ).render_as_string(hide_password=False)
    config = _project(tmp_path / "p", "sqlite:///dept.db")
    draft = tmp_path / "draft.docx"
    result = CliRunner().invoke(main, ["build", "-c", str(config), "-o", str(draft), "-s", f"dept={url}"])
    assert result.exit_code == 1, result.output
    assert "数据源“dept”拒绝登录" in result.output and "用户名或密码不对" in result.output
    assert PASSWORD not in result.output and "drafter_nobody:***@" in result.output
    assert draft.exists()  # the draft is written, with placeholders
