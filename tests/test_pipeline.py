"""One pipeline for one draft and for many (issue 19): a unit drafted alone (`build --unit`)
and within a whole batch (`build --each`, worker processes) is the same draft, with the same
manifest, the same consistency rule findings and the same exit code; `--strict` and the rules
hold on the unit path as on a whole-report build."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from docx import Document
from reading import read_paragraphs

from drafter.cli import main
from drafter.outcome import units_exit_code
from drafter.pipeline.build import build_units
from drafter.word.manifest import read_manifest

REPO = Path(__file__).resolve().parents[1]
CLOCK = dt.datetime(2026, 1, 15, 9, 30)
UNIT = "青浦工业园区"
# A rule that fails for every town: more than 0 screenings (examples/towns has many).
FAILING_RULE = "\nrules:\n  - name: 排查次数不超过 0\n    figure: town_screening.screenings\n    max: 0\n"


def _towns(root: Path, sample_project: Path, rules: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    target = root / "examples" / "towns"
    shutil.copytree(REPO / "examples" / "towns", target, ignore=shutil.ignore_patterns("output"))
    (root / "sample").symlink_to(sample_project.parent / "sample")
    config = target / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + rules, encoding="utf-8")
    return config


def _manifest(path: Path) -> dict:
    data = json.loads(read_manifest(Document(str(path))).model_dump_json())
    data.pop("built_at", None)
    for query in data["queries"].values():  # how long a query took differs from run to run
        query.pop("elapsed_ms", None)
    return data


def test_a_unit_drafted_alone_and_in_a_batch_is_the_same_draft(sample_project, tmp_path):
    config = _towns(tmp_path / "p", sample_project, FAILING_RULE)
    alone = build_units(config, units=[UNIT], directory=tmp_path / "alone", jobs=1, clock=lambda: CLOCK)
    batch = build_units(config, directory=tmp_path / "batch", jobs=2, clock=lambda: CLOCK)
    one = alone.outcomes[0]
    same = next(o for o in batch.outcomes if o.unit == UNIT)
    assert one.path is not None and same.path is not None and one.path.name == same.path.name
    assert read_paragraphs(one.path) == read_paragraphs(same.path)
    assert _manifest(one.path) == _manifest(same.path)
    assert one.findings == same.findings and len(one.findings) == 1 and "排查次数不超过 0" in one.findings[0]
    assert [r["rule"] for r in _manifest(one.path)["rules"]] == ["排查次数不超过 0"]
    assert units_exit_code(alone) == units_exit_code(batch) == 0

    args = ["build", "-c", str(config), "--unit", UNIT, "--output", str(tmp_path / "cli"), "--comments"]
    cli = CliRunner().invoke(main, args)
    assert cli.exit_code == 0, cli.output
    written = sorted((tmp_path / "cli").glob("*.docx"))
    assert [p.name for p in written] == [one.path.name, one.path.stem + "（审核版）.docx"]
    assert read_paragraphs(written[0]) == read_paragraphs(one.path)
    assert "一致性规则未通过" in cli.stderr and "排查次数不超过 0" in cli.stderr


def test_strict_with_a_failing_rule_on_the_unit_path_writes_nothing_and_fails(sample_project, tmp_path):
    """The case of issue 19: a rule `max: 0` and `build --unit 青浦工业园区 --strict`."""
    config = _towns(tmp_path / "p", sample_project, FAILING_RULE)
    out = tmp_path / "out"
    cli = CliRunner().invoke(main, ["build", "-c", str(config), "--unit", UNIT, "--strict", "--output", str(out)])
    assert cli.exit_code == 1, cli.output
    assert "一致性规则未通过 1 条，--strict 模式下不生成草稿" in cli.stderr and UNIT in cli.stderr
    assert not out.exists() or list(out.glob("*.docx")) == []
    every = CliRunner().invoke(main, ["build", "-c", str(config), "--each", "--strict", "--output", str(out)])
    assert every.exit_code == 1 and list(out.glob("*.docx")) == []


def test_the_word_master_is_never_a_unit_s_draft(sample_project, tmp_path):
    """The guard of a whole-report build holds for a unit's draft: --force does not replace the master."""
    config = _towns(tmp_path / "p", sample_project)
    text = config.read_text(encoding="utf-8")
    text = text.replace(
        'filename: "{{ year }}年度{{ unit }}安全生产和防灾减灾工作数据汇总（草稿）.docx"', 'filename: "report.docx"'
    )
    config.write_text(text.replace("dir: output", "dir: templates"), encoding="utf-8")
    master = config.parent / "templates" / "report.docx"
    before = master.read_bytes()
    (config.parent / "templates" / f"report-{UNIT}.docx").write_bytes(before)
    # The unit's file is report-<unit>.docx beside the master: a draft, never the master itself.
    result = build_units(config, units=[UNIT], jobs=1, force=True)
    assert result.outcomes[0].path is not None and master.read_bytes() == before


def test_a_grouped_query_that_fails_for_one_unit_fails_for_that_unit_only(sample_project, tmp_path):
    """Issue 21: the query for all units fails on one town's data; each town's own query is run
    then, so only that town's draft has placeholders, and its message names the town."""
    config = _towns(tmp_path / "p", sample_project)
    bad = "金泽镇"
    (config.parent / "queries" / "town_fragile.sql").write_text(
        "-- source: hazards\n-- description: 一个只在金泽镇出错的查询\n-- returns: scalar\n-- per: town\n"
        f"SELECT MAX(json(CASE WHEN town = '{bad}' THEN 'not json' ELSE '1' END)) AS value\n"
        "FROM screening\nWHERE town = :unit\n",
        encoding="utf-8",
    )
    section = next((config.parent / "templates" / "sections").glob("*.txt"))
    section.write_text(section.read_text(encoding="utf-8") + "脆弱查询：{{ town_fragile }}。\n", encoding="utf-8")
    result = build_units(config, units=["夏阳街道", bad, UNIT], directory=tmp_path / "out", jobs=1)
    by_unit = {o.unit: o for o in result.outcomes}
    assert by_unit["夏阳街道"].broken == [] and by_unit[UNIT].broken == []
    assert not any("town_fragile" in p for p in by_unit["夏阳街道"].placeholders)
    broken = by_unit[bad].broken
    assert len(broken) == 1 and "town_fragile" in broken[0] and f"单位：{bad}" in broken[0] and "JSON" in broken[0]
    assert units_exit_code(result) == 1
    # the batch's summary lists each placeholder with its reason and the units that have it
    summary = result.summary()
    assert "【待补充】的数字和原因：\n  - town_fragile：" in summary and f"（{bad}）" in summary


def test_a_library_build_leaves_the_garbage_collector_alone(sample_project, tmp_path, monkeypatch):
    """A `drafter serve` thread builds through the library: it must not switch the collector
    off for the whole server (only the CLI pauses it, for its own process)."""
    import gc

    from drafter import build

    def refuse() -> None:
        raise AssertionError("gc.disable() inside a library call")

    monkeypatch.setattr(gc, "disable", refuse)
    result = build(sample_project, output=tmp_path / "draft.docx")
    assert result.path.exists() and gc.isenabled()


def test_build_year_on_the_command_line_is_the_year_period(sample_project, tmp_path):
    out = tmp_path / "2024.docx"
    cli = CliRunner().invoke(main, ["build", "-c", str(sample_project), "-y", "2024", "-o", str(out)])
    assert cli.exit_code == 0, cli.output
    assert "已生成2024年度草稿" in cli.stderr and any("2024年" in p for p in read_paragraphs(out)[:5])


def test_a_draft_saved_fast_holds_what_python_docx_would_save(tmp_path):
    """save_docx writes python-docx's package at zlib's fastest level: the same parts, the same
    XML, every part deflated, and Word's reader (python-docx) opens it as before."""
    import zipfile

    from drafter.word.document import save_docx

    document = Document(str(REPO / "templates" / "report.docx"))
    document.add_paragraph("一、测试段落 12,345 件")
    document.save(str(tmp_path / "plain.docx"))
    save_docx(document, tmp_path / "fast.docx")
    with zipfile.ZipFile(tmp_path / "plain.docx") as plain, zipfile.ZipFile(tmp_path / "fast.docx") as fast:
        assert plain.namelist() == fast.namelist()
        assert all(plain.read(name) == fast.read(name) for name in plain.namelist())
        assert {info.compress_type for info in fast.infolist()} == {zipfile.ZIP_DEFLATED}
    assert Document(str(tmp_path / "fast.docx")).paragraphs[-1].text == "一、测试段落 12,345 件"
