"""`drafter init`: a neutral project that builds, lints and checks at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from reading import read_paragraphs

from drafter.cli import main
from drafter.intake.scaffold import EXAMPLE_SOURCE, example_rows
from drafter.project.period import default_period
from drafter.text.numbers import date_cn, pct, pp, ratio, yoy

SAMPLE_WORDS = ("青浦", "上海", "应急管理", "法治政府")


def _run(args: list[str], cwd: Path | None = None, monkeypatch=None):
    if cwd is not None and monkeypatch is not None:
        monkeypatch.chdir(cwd)
    return CliRunner().invoke(main, args)


def _texts_of(root: Path) -> dict[str, str]:
    """Every text a reader of the project sees: text files, Word paragraphs, workbook cells."""
    out = {}
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if path.suffix == ".docx":
            out[rel] = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
        elif path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path)
            out[rel] = "\n".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row)
        else:
            out[rel] = path.read_text(encoding="utf-8")
    return out


@pytest.mark.parametrize("kind", ["year", "half", "quarter", "month"])
def test_init_build_lint_check_in_a_new_folder_for_each_period_kind(tmp_path, monkeypatch, kind):
    project = tmp_path / "新项目"
    made = _run(["init", str(project), "--agency", "东河区市场监督管理局", "--period", kind])
    assert made.exit_code == 0, made.output
    assert (project / "config.yaml").is_file() and (project / EXAMPLE_SOURCE).is_file()

    monkeypatch.chdir(project)
    built = _run(["build"])
    assert built.exit_code == 0, built.output
    draft = Path(built.output.strip().splitlines()[-1])
    assert draft.is_file()
    lint = _run(["lint"])
    assert lint.exit_code == 0, lint.output
    check = _run(["check", str(draft)])
    assert check.exit_code == 0, check.output
    assert "全部一致" in check.output

    # The period is the latest of its kind that has ended; the figures are those of the
    # example 台账 in it and a year before, counted here without SQL.
    today = dt.date.today()
    period = default_period(kind, None, today)
    rows = example_rows(today)

    def counts(p):
        inside = [r for r in rows if p.start <= r[1] < p.end]
        kinds = {c: sum(r[2] == c for r in inside) for c in ("行政检查", "行政许可", "投诉举报", "咨询服务")}
        return len(inside), kinds, sum(r[4] == "是" for r in inside)

    total, count, closed = counts(period)
    before, _, closed_before = counts(period.prev)
    text = [p for p in read_paragraphs(draft) if p.strip()]
    assert text[0].replace("\n", "") == f"东河区市场监督管理局关于{period.label}工作情况的报告"
    assert text[1] == f"现将{period.label}有关工作情况报告如下。"
    assert (
        f"{period.label}，我单位共办理各类事项{total}件，{yoy(total, before)}，其中行政检查{count['行政检查']}件、"
        f"行政许可{count['行政许可']}件、投诉举报{count['投诉举报']}件、咨询服务{count['咨询服务']}件；"
        f"办结率{pct(ratio(closed, total), 1, fixed=True)}，"
        f"{pp(ratio(closed, total), ratio(closed_before, before), prefix='同比')}。"
    ) in text
    assert text[-3:] == ["特此报告。", "东河区市场监督管理局", date_cn(period.last_day)]
    assert draft.name == f"东河区市场监督管理局{period.label}工作情况报告（草稿）.docx"


def test_nothing_of_the_sample_office_is_in_a_new_project(tmp_path, monkeypatch):
    project = tmp_path / "p"
    assert _run(["init", str(project), "--agency", "西山县司法局"]).exit_code == 0
    monkeypatch.chdir(project)
    assert _run(["build"]).exit_code == 0
    for rel, text in _texts_of(project).items():
        for word in SAMPLE_WORDS:
            assert word not in text, (rel, word)


def test_the_config_is_commented_and_valid_yaml(tmp_path):
    project = tmp_path / "p"
    assert _run(["init", str(project), "--agency", "南湖区卫生健康委员会"]).exit_code == 0
    text = (project / "config.yaml").read_text(encoding="utf-8")
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 8
    data = yaml.safe_load(text)
    assert data["report"]["agency"] == "南湖区卫生健康委员会"
    assert data["sources"]["example"]["url"] == EXAMPLE_SOURCE


def test_a_title_names_the_document_and_its_closing_line(tmp_path, monkeypatch):
    project = tmp_path / "p"
    made = _run(["init", str(project), "--agency", "北岸市城市管理局", "--title", "执法检查情况通报"])
    assert made.exit_code == 0, made.output
    assert (project / "templates/sections/9-结尾.txt").read_text(encoding="utf-8").strip() == "特此通报。"
    monkeypatch.chdir(project)
    built = _run(["build"])
    assert built.exit_code == 0, built.output
    draft = Path(built.output.strip().splitlines()[-1])
    year = dt.date.today().year - 1
    assert draft.name == f"北岸市城市管理局{year}年度执法检查情况通报（草稿）.docx"
    text = [p for p in read_paragraphs(draft) if p.strip()]
    assert text[0].replace("\n", "") == f"北岸市城市管理局关于{year}年度执法检查情况的通报"  # 关于…的通报
    assert "特此通报。" in text


def test_a_folder_that_holds_anything_is_refused_and_left_alone(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    (project / "config.yaml").write_text("# 本单位原有的配置\n", encoding="utf-8")
    refused = _run(["init", str(project), "--agency", "某局"])
    assert refused.exit_code == 2
    assert "文件夹不是空的，未写入任何文件" in refused.output and "--force" in refused.output
    assert sorted(p.name for p in project.iterdir()) == ["config.yaml"]


def test_force_adds_what_is_missing_and_overwrites_nothing(tmp_path):
    project = tmp_path / "p"
    (project / "templates/sections").mkdir(parents=True)
    mine = project / "templates/sections/1-主要工作.txt"
    mine.write_text("一、我写的\n", encoding="utf-8")
    (project / "config.yaml").write_text("# 原有\n", encoding="utf-8")
    forced = _run(["init", str(project), "--agency", "某局", "--force"])
    assert forced.exit_code == 0, forced.output
    assert mine.read_text(encoding="utf-8") == "一、我写的\n"
    assert (project / "config.yaml").read_text(encoding="utf-8") == "# 原有\n"
    assert "已存在，未改动" in forced.output and str(mine) in forced.output
    assert (project / "queries/items.sql").is_file() and (project / "templates/report.docx").is_file()


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--agency", "  "], "发文机关名称不能为空"),
        (["--agency", "某局", "--period", "decade"], "--period 的值“decade”无效"),
    ],
)
def test_bad_arguments(tmp_path, args, needle):
    result = _run(["init", str(tmp_path / "p"), *args])
    assert result.exit_code == 2 and needle in result.output and "Traceback" not in result.output
    assert not (tmp_path / "p").exists()


def test_a_file_in_the_way(tmp_path):
    (tmp_path / "p").write_text("x", encoding="utf-8")
    result = _run(["init", str(tmp_path / "p"), "--agency", "某局"])
    assert result.exit_code == 2 and "不是文件夹" in result.output
