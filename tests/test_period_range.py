"""Periods outside the supported years (1901–2999) are input errors on every command and
page: one message, exit 2, never 内部错误 or a 500 — also where the templates compare with the
year before, and where an uploaded draft's manifest names such a period."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from periodproject import make_project
from starlette.testclient import TestClient

from drafter.cli import main
from drafter.errors import ConfigError
from drafter.project.period import MAX_YEAR, MIN_YEAR, Period, PeriodError
from drafter.web.app import create_app
from drafter.web.uploads import private_dir

COMPARING = "一、{{ period.label }}\n本期检查{{ checks.checks }}次，上年同期{{ prev.checks.checks }}次，上期{{ last.checks.checks }}次。\n"
OUT_OF_RANGE = ["1900-01-01..1900-03-31", "1900", "1900Q1", "1900-12", "1899H2", "3000", "2999-12-01..3000-01-31"]


@pytest.fixture(scope="module")
def comparing(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("range") / "p", section=COMPARING)


def test_the_supported_range_and_its_comparisons():
    assert (MIN_YEAR, MAX_YEAR) == (1901, 2999)
    first = Period.parse("1901-01-01..1901-03-31")
    assert first.prev.start.year == 1900 and first.last.start.year == 1900  # derived, never refused
    assert Period.parse("1901Q1").prev.code == "1900Q1" and Period.parse("1901-01").last.code == "1900-12"
    for text in OUT_OF_RANGE:
        with pytest.raises(PeriodError, match="超出范围"):
            Period.parse(text)
    assert issubclass(PeriodError, ConfigError) and issubclass(PeriodError, ValueError)


@pytest.mark.parametrize("period", OUT_OF_RANGE[:4])
@pytest.mark.parametrize("command", ["build", "figures", "preview"])
def test_every_command_refuses_an_out_of_range_period_as_an_input_error(comparing, tmp_path, command, period):
    args = {
        "build": ["build", "-c", str(comparing), "-o", str(tmp_path / "d.docx"), "--period", period],
        "figures": ["figures", "-c", str(comparing), "--period", period],
        "preview": ["preview", "-c", str(comparing), "--html", str(tmp_path / "p.html"), "--period", period],
    }[command]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "超出范围" in result.output and "1901–2999" in result.output
    assert "内部错误" not in result.output and "Traceback" not in result.output
    assert result.output.count("错误：") == 1
    assert not (tmp_path / "d.docx").exists()


def test_the_first_supported_period_compares_with_1900_without_an_error(comparing, tmp_path):
    draft = tmp_path / "d.docx"
    result = CliRunner().invoke(main, ["build", "-c", str(comparing), "-o", str(draft), "--period", "1901Q1"])
    assert result.exit_code == 0, result.output
    assert draft.exists() and "内部错误" not in result.output


def test_check_refuses_an_out_of_range_period_and_year(comparing, tmp_path):
    draft = tmp_path / "d.docx"
    assert CliRunner().invoke(main, ["build", "-c", str(comparing), "-o", str(draft)]).exit_code == 0
    for option in (["--period", "1900-01-01..1900-03-31"], ["--year", "1900"]):
        result = CliRunner().invoke(main, ["check", str(draft), "-c", str(comparing), *option])
        assert result.exit_code == 2 and "内部错误" not in result.output, result.output


@pytest.mark.parametrize("setting", ["year: 1900", "period: 1900Q1", "year: 3000"])
def test_a_config_with_an_out_of_range_period_is_refused(tmp_path, setting):
    config = make_project(tmp_path / "p", section=COMPARING)
    text = config.read_text(encoding="utf-8")
    key = setting.split(":")[0]
    text = re.sub(rf"(?m)^  {key}: .*$", f"  {setting}", text)
    config.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "-c", str(config), "-o", str(tmp_path / "d.docx")])
    assert result.exit_code == 2 and "内部错误" not in result.output, result.output
    assert "config.yaml" in result.output


def with_manifest_period(draft: Path, target: Path, period_json: str) -> Path:
    """A copy of `draft` whose manifest records `period_json` as the report period."""
    out = io.BytesIO()
    with zipfile.ZipFile(draft) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("customXml/item") and b'"period":{' in data:
                data = re.sub(rb'"period":\{[^}]*\}', period_json.encode(), data, count=1)
            dst.writestr(info, data)
    target.write_bytes(out.getvalue())
    return target


MANIFEST_1900 = [
    '"period":{"kind":"range","code":"1900-01-01..1900-03-31","label":"x","start":"1900-01-01","end":"1900-04-01"}',
    '"period":{"kind":"year","code":"1900","label":"1900年度","start":"1900-01-01","end":"1901-01-01"}',
    '"period":{"kind":"month","code":"0001-01","label":"x","start":"0001-01-01","end":"0001-02-01"}',
]


@pytest.mark.parametrize("recorded", MANIFEST_1900, ids=["range", "year", "year-1"])
def test_a_draft_whose_manifest_names_1900_is_an_input_error(sample_project, sample_draft, tmp_path, recorded):
    hostile = with_manifest_period(sample_draft, tmp_path / "1900.docx", recorded)
    result = CliRunner().invoke(main, ["check", str(hostile), "-c", str(sample_project)])
    assert result.exit_code == 2 and "内部错误" not in result.output, result.output
    assert "超出范围" in result.output


@pytest.fixture
def client(comparing, tmp_path):
    app = create_app(comparing, allowed_hosts=("testserver",), workspace=private_dir(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("period", OUT_OF_RANGE)
def test_the_figures_page_answers_400_for_an_out_of_range_period(client, period):
    for path in ("/figures", "/figures.csv"):
        r = client.get(path, params={"period": period})
        assert r.status_code == 400 and "超出范围" in r.text, (path, r.status_code, r.text[-1500:])


def test_the_build_form_refuses_an_out_of_range_period(client):
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    r = client.post("/build", data={"csrf_token": token, "period": "1900-01-01..1900-03-31"})
    assert r.status_code == 400 and "超出范围" in r.text
    assert not client.app.state.workspace.jobs


@pytest.mark.parametrize("recorded", MANIFEST_1900, ids=["range", "year", "year-1"])
def test_an_uploaded_draft_whose_manifest_names_1900_gets_a_message_not_a_500(
    sample_project, sample_draft, tmp_path, recorded
):
    hostile = with_manifest_period(sample_draft, tmp_path / "1900.docx", recorded)
    app = create_app(sample_project, allowed_hosts=("testserver",), workspace=private_dir(tmp_path))
    with TestClient(app, raise_server_exceptions=False) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/check").text).group(1)
        files = {"draft": ("1900.docx", hostile.read_bytes(), "application/octet-stream")}
        r = c.post("/check", data={"csrf_token": token}, files=files)
        assert r.status_code == 400 and "超出范围" in r.text, r.text[-1500:]
