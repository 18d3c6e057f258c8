"""Many units in one run: `build --each / --unit`, grouped queries, batch check, the rollup rule.

The per-town example (examples/towns) runs over the session's sample databases; every
figure a test expects is counted here again with plain sqlite3, independently of the
queries and of drafter.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
import shutil
import sqlite3
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from reading import read_paragraphs

from drafter.batch import build_units, unit_output
from drafter.cli import main
from drafter.data.figures import json_value
from drafter.errors import ConfigError
from drafter.outcome import batch_check_exit_code, check_exit_code, units_exit_code
from drafter.project.grouping import NotGroupable, group_sql
from drafter.project.units import Unit, units_from_list
from drafter.review.batch import check_many
from drafter.review.checker import CONSISTENT, EDITED, check
from drafter.review.report_text import render_check, render_rollup
from drafter.review.rollup import check_rollup, rollup
from drafter.word.manifest import read_manifest

REPO = Path(__file__).resolve().parents[1]
CLOCK = dt.datetime(2026, 1, 5, 9, 30)


def _towns_copy(root: Path, sample_project: Path) -> Path:
    """examples/towns under root/examples/towns, its ../../sample the session's databases."""
    root.mkdir(parents=True, exist_ok=True)
    target = root / "examples" / "towns"
    shutil.copytree(REPO / "examples" / "towns", target, ignore=shutil.ignore_patterns("output"))
    (root / "sample").symlink_to(sample_project.parent / "sample")
    return target / "config.yaml"


@pytest.fixture(scope="module")
def towns(tmp_path_factory, sample_project) -> Path:
    return _towns_copy(tmp_path_factory.mktemp("towns"), sample_project)


@pytest.fixture(scope="module")
def towns_built(towns) -> tuple[Path, object]:
    """--each on the per-town example, drafted by two worker processes."""
    result = build_units(towns, jobs=2, clock=lambda: CLOCK)
    return towns, result


@contextlib.contextmanager
def _sample(towns: Path, name: str) -> Iterator[sqlite3.Connection]:
    with contextlib.closing(sqlite3.connect(towns.parents[2] / "sample" / f"{name}.db")) as db:
        yield db


def _expected(towns: Path, town: str, year: int = 2025) -> dict[str, int]:
    """The town's figures counted with plain SQL, outside drafter."""
    start, end = f"{year}-01-01", f"{year + 1}-01-01"
    with _sample(towns, "hazards") as db:
        screenings, enterprises = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT enterprise_id) FROM screening WHERE town = ? AND screened_on >= ? "
            "AND screened_on < ?",
            (town, start, end),
        ).fetchone()
        communities = db.execute(
            "SELECT COUNT(*) FROM ebike_community WHERE town = ? AND listed_on >= ? AND listed_on < ?",
            (town, start, end),
        ).fetchone()[0]
    with _sample(towns, "disaster") as db:
        teams, members = db.execute(
            "SELECT COUNT(*), COALESCE(SUM(member_count), 0) FROM rescue_team WHERE town = ? "
            "AND filed_on >= ? AND filed_on < ?",
            (town, start, end),
        ).fetchone()
        points = db.execute(
            "SELECT COUNT(*) FROM storage_point WHERE town = ? AND confirmed_on >= ? AND confirmed_on < ?",
            (town, start, end),
        ).fetchone()[0]
    return {
        "screenings": screenings,
        "enterprises": enterprises,
        "communities": communities,
        "teams": teams,
        "members": members,
        "points": points,
    }


def _towns_in(towns: Path) -> list[str]:
    with _sample(towns, "hazards") as db:
        return [r[0] for r in db.execute("SELECT DISTINCT town FROM screening ORDER BY town")]


# --------------------------------------------------------------------------- --each


def test_each_writes_one_valid_draft_per_unit_with_its_own_figures(towns_built):
    towns, result = towns_built
    names = _towns_in(towns)
    assert len(names) == 12 and [u.name for u in result.units] == names
    assert units_exit_code(result) == 0 and not result.failed and len(result.written) == 12
    assert result.query_counts == {"shared": 2, "grouped": 5, "per_unit": 1}
    for outcome in result.outcomes:
        path = outcome.path
        assert path.parent == towns.parent / "output" and outcome.unit in path.name
        text = "\n".join(read_paragraphs(path))
        want = _expected(towns, outcome.unit)
        assert text.startswith(f"{outcome.unit}2025年度")  # the title names the town
        assert f"{outcome.unit}共排查企业主体{want['screenings']}家次，涉及企业{want['enterprises']}家" in text
        assert f"年度备案救援队伍{want['teams']}支、队员{want['members']}人" in text
        assert f"落实防汛物资储备点位{want['points']}处" in text
        if want["communities"]:
            assert f"纳入年度改造台账的居民小区{want['communities']}个" in text
        else:  # a town with no rows in the grouped query's table: the 0 its own query gives
            assert "没有居民小区纳入“非改直”改造台账（0个）" in text
        assert "【待补充" not in text
        manifest = read_manifest(__import__("docx").Document(str(path)))
        assert manifest.unit["name"] == outcome.unit
        assert manifest.parameters["unit"] == outcome.unit
        assert manifest.queries["town_screening"].params["unit"] == outcome.unit
        assert ":unit" in manifest.queries["town_screening"].sql  # the unit's own query, as written
        assert "drafter_unit_key" not in manifest.queries["town_screening"].sql
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None


def test_the_shares_of_the_towns_add_up_and_the_rollup_rule_says_so(towns_built):
    towns, result = towns_built
    total = sum(_expected(towns, t)["screenings"] for t in _towns_in(towns))
    batch = check_many([o.path for o in result.outcomes], towns)
    assert batch_check_exit_code(batch) == 0 and not batch.errors
    assert all(r.unit for r in batch.reports)
    assert batch.queries_reused >= 2 * 11  # the town-independent queries ran once, not once a draft
    # As the build plans them: 2 shared queries once, the 5 `-- per:` ones grouped once for all
    # towns, the one per-unit query (LIMIT) once a town.
    assert batch.queries_run == 2 + 5 + 12, batch.queries_run
    outcome = check_rollup(batch.reports, "town_screening.screenings", "district_screening.screenings")
    assert outcome.ok and outcome.total == total and len(outcome.parts) == 12
    assert "：一致。" in render_rollup(outcome)
    wrong = check_rollup(batch.reports, "town_rescue.teams", "district_screening.screenings")
    assert not wrong.ok and wrong.difference is not None and wrong.difference != 0


def test_rollup_is_a_plain_rule_on_values():
    total, difference, ok = rollup({"甲": 3, "乙": Decimal("4.5"), "丙": "2"}, 9.5)
    assert (total, difference, ok) == (Decimal("9.5"), Decimal(0), True)
    assert rollup({"甲": 3, "乙": 4}, 8) == (Decimal(7), Decimal(-1), False)
    assert rollup({"甲": 3, "乙": 4}, 8, tolerance=1)[2] is True
    with pytest.raises(ValueError, match="乙"):
        rollup({"甲": 3, "乙": None}, 3)


def test_check_of_a_unit_draft_reruns_with_its_unit(towns_built):
    towns, result = towns_built
    draft = result.outcomes[3].path
    report = check(draft, towns)
    assert report.unit == result.outcomes[3].unit
    assert check_exit_code(report) == 0 and all(f.status == CONSISTENT for f in report.figures)
    assert not any("参数" in w for w in report.warnings)  # :unit is the draft's, not a changed parameter
    assert f"（{report.unit}，2025年度" in render_check(report)


def test_batch_check_finds_the_edit_planted_in_one_draft(towns_built, tmp_path):
    from docx import Document
    from docx.oxml.ns import qn

    from drafter.review.scan import control_id

    towns, result = towns_built
    drafts = [shutil.copy(o.path, tmp_path / o.path.name) for o in result.outcomes]
    victim = Path(drafts[5])
    doc = Document(str(victim))
    manifest = read_manifest(doc)
    fig = next(f for f in manifest.figures if f.ref == "town_rescue.members")
    sdt = next(s for s in doc.element.body.iter(qn("w:sdt")) if control_id(s) == fig.id)
    ts = list(sdt.iter(qn("w:t")))
    ts[0].text = str(int(fig.value) + 7)
    for t in ts[1:]:
        t.text = ""
    doc.save(str(victim))

    xlsx = tmp_path / "核对汇总.xlsx"
    cli = CliRunner().invoke(
        main,
        [
            "check",
            *map(str, drafts),
            "-c",
            str(towns),
            "--xlsx",
            str(xlsx),
            "--rollup",
            "town_screening.screenings=district_screening.screenings",
        ],
    )
    assert cli.exit_code == 1, cli.output
    assert "12 份草稿：11 份全部一致，1 份有发现" in cli.output
    assert f"有发现：{victim.name}" in cli.output
    assert "[手工修改]" in cli.output and str(int(fig.value) + 7) in cli.output
    assert "汇总核对（2025年度）：各单位 town_screening.screenings 之和" in cli.output and "：一致。" in cli.output
    book = load_workbook(xlsx)
    assert book.sheetnames[0] == "汇总" and len(book.sheetnames) == 13
    rows = list(book["汇总"].iter_rows(min_row=2, values_only=True))
    flagged = [r for r in rows if r and r[1] == victim.name]
    assert flagged and flagged[0][-2] == "1 处发现"
    assert sum(1 for r in rows if r and r[-2] == "全部一致") == 11
    sheet = book[flagged[0][0]]
    statuses = [row[6] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert statuses.count(EDITED) == 1

    report = check(victim, towns)
    assert [f.ref for f in report.figures if f.status == EDITED] == ["town_rescue.members"]


# --------------------------------------------------------------------------- grouped = per unit


def _strip_per(config: Path) -> None:
    for sql in (config.parent / "queries").glob("*.sql"):
        sql.write_text(
            re.sub(r"^-- per:.*\n", "", sql.read_text(encoding="utf-8"), flags=re.MULTILINE), encoding="utf-8"
        )


def _manifest_without_timings(path: Path) -> dict:
    from docx import Document

    data = read_manifest(Document(str(path))).model_dump(mode="json")
    for entry in data["queries"].values():
        entry.pop("elapsed_ms", None)
    data.pop("config", None)
    return data


def test_grouped_and_per_unit_runs_give_identical_drafts(tmp_path, sample_project):
    grouped_cfg = _towns_copy(tmp_path / "grouped", sample_project)
    plain_cfg = _towns_copy(tmp_path / "plain", sample_project)
    _strip_per(plain_cfg)
    grouped = build_units(grouped_cfg, jobs=1, clock=lambda: CLOCK)
    plain = build_units(plain_cfg, jobs=1, clock=lambda: CLOCK)
    assert grouped.query_counts["grouped"] == 5 and plain.query_counts["grouped"] == 0
    assert plain.query_counts["per_unit"] == 6
    for a, b in zip(grouped.outcomes, plain.outcomes, strict=True):
        assert a.unit == b.unit and a.path.name == b.path.name
        with zipfile.ZipFile(a.path) as za, zipfile.ZipFile(b.path) as zb:
            assert za.read("word/document.xml") == zb.read("word/document.xml")
        assert _manifest_without_timings(a.path) == _manifest_without_timings(b.path)


def test_group_sql_rewrites_the_unit_condition_into_a_grouping():
    g = group_sql("SELECT COUNT(*) AS n FROM t WHERE d >= :period_start AND town = :unit", "town", "sqlite")
    assert "GROUP BY town" in g.sql and "drafter_unit_key" in g.sql and ":unit" not in g.sql
    assert ":period_start" in g.sql and g.empty_sql is not None and "1 = 0" in g.empty_sql
    rows = group_sql(
        "SELECT kind, COUNT(*) AS n FROM t WHERE t.town = :unit GROUP BY kind ORDER BY n DESC, kind",
        "town",
        "postgresql",
    )
    assert "GROUP BY kind, t.town" in rows.sql and rows.empty_sql is None and ":unit" not in rows.sql
    listing = group_sql("SELECT name FROM t WHERE :unit = town ORDER BY name", "town", "mysql")
    assert "GROUP BY" not in listing.sql and listing.empty_sql is None


@pytest.mark.parametrize(
    "sql, why",
    [
        ("SELECT COUNT(*) FROM t WHERE town = :unit OR x = 1", "OR"),
        ("SELECT COUNT(*) FROM (SELECT * FROM t WHERE town = :unit) s", "最外层 WHERE"),
        ("SELECT COUNT(*) FROM t WHERE town = :unit LIMIT 3", "LIMIT"),
        ("SELECT COUNT(*) FROM t WHERE area = :unit", "per: 写的列"),
        ("SELECT COUNT(*) FROM t WHERE town = :unit AND town <> :unit", "恰好出现一次"),
        ("SELECT a FROM t WHERE town = :unit UNION SELECT a FROM u", "UNION"),
        ("SELECT x, RANK() OVER (ORDER BY x) FROM t WHERE town = :unit", "窗口函数"),
    ],
)
def test_group_sql_refuses_what_it_cannot_group_and_says_why(sql, why):
    with pytest.raises(NotGroupable, match=why):
        group_sql(sql, "town", "sqlite")


def test_a_per_query_that_cannot_be_grouped_is_refused_before_any_draft(towns, tmp_path):
    from drafter.linter import lint

    config = _towns_copy(tmp_path / "p", towns.parent.parent.parent / "x")  # databases are never reached
    sql = config.parent / "queries" / "town_top_domains.sql"
    sql.write_text(
        sql.read_text(encoding="utf-8").replace("-- returns: rows", "-- returns: rows\n-- per: town"), encoding="utf-8"
    )
    findings = lint(config)
    assert any("不能按单位合并查询" in f.message and "LIMIT" in f.message and f.line == 4 for f in findings)
    cli = CliRunner().invoke(main, ["build", "-c", str(config), "--each"])
    assert cli.exit_code == 2 and "town_top_domains.sql:4" in cli.output
    assert not (config.parent / "output").exists()


# --------------------------------------------------------------------------- failures, names, CLI


def test_a_failing_unit_leaves_the_others_written(tmp_path, sample_project):
    config = _towns_copy(tmp_path / "f", sample_project)
    # One row per town that has ebike communities: none for a town without any, which with
    # --strict is a unit that cannot be drafted.
    (config.parent / "queries" / "town_ebike_row.sql").write_text(
        "-- source: hazards\n-- description: 本街镇纳入台账小区（有台账的街镇）\n-- returns: row\n"
        "SELECT town, COUNT(*) AS n FROM ebike_community WHERE town = :unit GROUP BY town\n",
        encoding="utf-8",
    )
    section = next((config.parent / "templates" / "sections").glob("*.txt"))
    section.write_text(
        section.read_text(encoding="utf-8") + "历年纳入台账小区{{ town_ebike_row.n | num }}个。\n", encoding="utf-8"
    )
    with _sample(config, "hazards") as db:
        without = [
            t
            for t in _towns_in(config)
            if not db.execute("SELECT 1 FROM ebike_community WHERE town = ?", (t,)).fetchone()
        ]
    assert without  # the sample has a town without ebike communities
    cli = CliRunner().invoke(main, ["build", "-c", str(config), "--each", "--strict", "-j", "1"])
    assert cli.exit_code == 1, cli.output
    written = sorted((config.parent / "output").glob("*.docx"))
    assert len(written) == 12 - len(without)
    assert not any(t in p.name for p in written for t in without)
    assert f"已生成 {12 - len(without)} 份草稿" in cli.output and f"失败 {len(without)} 个" in cli.output
    assert f"失败：{without[0]}（未生成草稿）" in cli.output and "town_ebike_row" in cli.output

    # Without --strict the same unit is drafted with a placeholder, and counted as such.
    again = build_units(config, jobs=1, force=True)
    assert len(again.written) == 12 and units_exit_code(again) == 0
    assert again.placeholders == len(without)


def test_unit_picks_one_and_an_unknown_name_gets_a_did_you_mean(towns, tmp_path):
    out = tmp_path / "out"
    cli = CliRunner().invoke(main, ["build", "-c", str(towns), "--unit", "朱家角镇", "--dir", str(out)])
    assert cli.exit_code == 0, cli.output
    assert [p.name for p in out.iterdir()] == ["2025年度朱家角镇安全生产和防灾减灾工作数据汇总（草稿）.docx"]
    assert "2025年度：1 个单位，已生成 1 份草稿" in cli.output
    bad = CliRunner().invoke(main, ["build", "-c", str(towns), "--unit", "朱家角"])
    assert bad.exit_code == 2 and "没有名为“朱家角”的单位" in bad.output and "是否想写“朱家角镇”" in bad.output


def test_plain_build_of_a_units_project_says_to_use_each(towns):
    cli = CliRunner().invoke(main, ["build", "-c", str(towns)])
    assert cli.exit_code == 2
    assert "按单位生成" in cli.output and "--each" in cli.output and "--unit" in cli.output


def test_figures_lists_one_unit_s_figures_and_says_to_name_a_unit(towns, towns_built):
    import json

    plain = CliRunner().invoke(main, ["figures", "-c", str(towns)])
    assert plain.exit_code == 2 and "按单位生成" in plain.output and "figures --unit" in plain.output
    cli = CliRunner().invoke(main, ["figures", "-c", str(towns), "--unit", "朱家角镇", "-f", "json"])
    assert cli.exit_code == 0, cli.output
    listed = {f["ref"]: f["value"] for f in json.loads(cli.stdout)["figures"]}
    (draft,) = [o.path for o in towns_built[1].outcomes if o.unit == "朱家角镇"]
    built = {f.ref: json_value(f.value) for f in read_manifest(__import__("docx").Document(str(draft))).figures}
    assert listed == built and listed  # the unit's own figures, as its draft holds them
    want = _expected(towns, "朱家角镇")
    assert str(want["screenings"]) in {str(v) for v in listed.values()}
    bad = CliRunner().invoke(main, ["figures", "-c", str(towns), "--unit", "朱家角"])
    assert bad.exit_code == 2 and "是否想写“朱家角镇”" in bad.output


def test_a_units_list_with_attributes_reaches_templates_and_file_names(tmp_path, sample_project):
    config = _towns_copy(tmp_path / "l", sample_project)
    text = config.read_text(encoding="utf-8").replace(
        "units:\n  query: towns",
        "units:\n  - {name: 金泽镇, kind: 镇, leader: 张三}\n  - {name: 夏阳街道, kind: 街道, leader: 李四}",
    )
    text = text.replace(
        'filename: "{{ year }}年度{{ unit }}安全生产和防灾减灾工作数据汇总（草稿）.docx"',
        'filename: "{{ unit.kind }}-汇总.docx"',
    )
    config.write_text(text, encoding="utf-8")
    section = next((config.parent / "templates" / "sections").glob("*.txt"))
    section.write_text(
        section.read_text(encoding="utf-8") + "联系人：{{ unit.leader }}（{{ unit.name }}）。\n", encoding="utf-8"
    )
    result = build_units(config, jobs=1)
    assert [o.unit for o in result.outcomes] == ["金泽镇", "夏阳街道"]
    assert [o.path.name for o in result.outcomes] == ["镇-汇总.docx", "街道-汇总.docx"]
    assert "联系人：李四（夏阳街道）。" in read_paragraphs(result.outcomes[1].path)


def test_unit_names_are_checked_and_kept_inside_the_output_folder(towns):
    from drafter.project.config import load_config

    with pytest.raises(ConfigError, match="重复"):
        units_from_list(["甲镇", "甲镇"])
    with pytest.raises(ConfigError, match="在文件名中相同"):
        units_from_list(["甲/镇", "甲:镇"])
    with pytest.raises(ConfigError, match="缺少 name"):
        units_from_list([{"kind": "镇"}])
    config = load_config(towns)
    path = unit_output(config, Unit("../../etc/passwd"))
    assert path.parent == config.resolve(config.output.dir) and "/" not in path.name.removesuffix(".docx")


def test_default_file_name_gains_the_unit(sample_project):
    from drafter.project.config import load_config

    config = load_config(sample_project)
    path = unit_output(config, Unit("夏阳街道"))
    assert path.name == "青浦区应急管理局2025年度法治政府建设情况报告（草稿）-夏阳街道.docx"


# --------------------------------------------------------------------------- on the servers


@pytest.mark.engines
@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_grouped_queries_on_a_server_give_what_each_unit_s_own_query_gives(kind, towns, towns_built, tmp_path):
    from contextlib import ExitStack

    from servers import scratch_database, select_only

    from drafter import sample
    from drafter.data.runner import build_parameters, run_queries
    from drafter.pipeline.execute import run_shared
    from drafter.pipeline.plan import GROUPED, make_plan, query_kind
    from drafter.pipeline.validate import load_project
    from drafter.project.units import Unit

    _, sqlite_result = towns_built
    with scratch_database(kind) as owner, ExitStack() as stack:
        sample.load(owner, systems=["hazards", "disaster"], years=(2025,))
        url = stack.enter_context(select_only(kind, owner))  # as an office would connect drafter
        overrides = {"hazards": url, "disaster": url}
        project = load_project(towns, sources=overrides)
        params = build_parameters(project.config)
        units = _towns_in(towns)
        specs = {n: s for n, s in project.queries.items() if query_kind(s) == GROUPED}
        grouped = run_shared(make_plan(project, units=[Unit(u) for u in units])).by_unit
        for unit in units:
            own = run_queries(project.config, specs, params={**params, "unit": unit})
            for name in specs:
                assert grouped[name][unit].ok and own.results[name].ok, (name, unit)
                assert [f.value for f in grouped[name][unit].figures()] == [
                    f.value for f in own.results[name].figures()
                ], (name, unit)
        result = build_units(towns, sources=overrides, directory=tmp_path, jobs=1)
        assert units_exit_code(result) == 0 and len(result.written) == 12
        on_sqlite = {o.unit: o.path for o in sqlite_result.outcomes}
        for outcome in result.outcomes:
            assert read_paragraphs(outcome.path) == read_paragraphs(on_sqlite[outcome.unit])


def test_the_towns_example_lints_clean_and_progress_counts_units_of_a_total(towns, tmp_path):
    from drafter.linter import lint

    assert [f.render() for f in lint(towns)] == []
    totals: list[int] = []
    done: list[str] = []
    result = build_units(
        towns,
        units=["盈浦街道", "金泽镇"],
        directory=tmp_path,
        jobs=1,
        on_units=totals.append,
        on_unit_done=lambda o: done.append(o.unit),
    )
    assert totals == [2] and done == ["盈浦街道", "金泽镇"] and len(result.written) == 2


def test_an_unexpected_error_in_one_unit_is_that_unit_s_failure(towns, tmp_path, monkeypatch):
    from drafter.pipeline.render import Renderer

    real = Renderer.render

    def render(self, run, unit=None):
        if unit.name == "金泽镇":
            raise RuntimeError("模拟的程序错误")
        return real(self, run, unit)

    monkeypatch.setattr(Renderer, "render", render)
    result = build_units(towns, units=["盈浦街道", "金泽镇", "夏阳街道"], directory=tmp_path, jobs=1)
    assert [o.unit for o in result.written] == ["盈浦街道", "夏阳街道"]
    failed = result.failed
    assert [o.unit for o in failed] == ["金泽镇"] and "RuntimeError: 模拟的程序错误" in (failed[0].error or "")
    assert units_exit_code(result) == 1 and "失败：金泽镇（未生成草稿）" in result.summary()


def test_templates_compiled_once_render_what_a_single_build_renders(towns_built):
    """The Renderer made once (compiled code reused across drafts) against compose_draft
    compiling for one draft: the same Word body."""
    from drafter.data.runner import build_parameters, run_queries
    from drafter.pipeline.render import Renderer, compose_draft
    from drafter.pipeline.units import resolve_units
    from drafter.pipeline.validate import load_project

    towns, _ = towns_built
    project = load_project(towns)
    params = build_parameters(project.config)
    unit = resolve_units(project, params)[0][4]
    run = run_queries(project.config, project.queries, params={**params, "unit": unit.name})
    renderer = Renderer(project)
    for _ in range(2):  # the second time from the compiled code
        batch = renderer.render(run, unit)
        single = compose_draft(project, run, unit=unit)
        assert batch.document.element.xml == single.document.element.xml
        assert [o.text for o in batch.registry] == [o.text for o in single.registry]


def test_a_rollup_rule_in_the_project_runs_in_a_batch_check(towns_built, tmp_path, sample_project):
    """`rollup:` is a kind of consistency rule (issue 14's rules/): lint checks its figures, a
    single draft's check leaves it to the batch, and `check` of the units' drafts runs it."""
    _, result = towns_built
    config = _towns_copy(tmp_path / "root", sample_project)
    (config.parent / "rules").mkdir(exist_ok=True)
    rules = config.parent / "rules" / "rollup.yaml"
    rules.write_text(
        "- name: 各镇排查之和等于全区\n  part: town_screening.screenings\n  whole: district_screening.screenings\n"
        "- name: 故意写错的汇总\n  part: town_rescue.teams\n  whole: district_screening.screenings\n",
        encoding="utf-8",
    )
    from drafter import lint

    assert [f.render() for f in lint(config) if f.severity == "error"] == []
    batch = check_many([o.path for o in result.outcomes], config)
    names = [(r.part, r.whole, r.ok) for r in batch.rollups]
    assert names == [
        ("town_screening.screenings", "district_screening.screenings", True),
        ("town_rescue.teams", "district_screening.screenings", False),
    ]
    assert batch_check_exit_code(batch) == 1  # the wrong rollup is a finding
    assert all(r.current_ok is not None for r in batch.rollups)  # checked: the current data compared too
    assert "按现在的数据" in render_rollup(batch.rollups[0])

    # build --each runs the rules over the batch it wrote; only --strict fails on them.
    built = build_units(config, directory=tmp_path / "each", jobs=1, clock=lambda: CLOCK)
    assert [(r.part, r.ok) for r in built.rollups] == [
        ("town_screening.screenings", True),
        ("town_rescue.teams", False),
    ]
    assert built.rollups[0].total == batch.rollups[0].total and not built.rollups[0].missing
    assert units_exit_code(built) == 0 and "汇总核对" in built.summary()
    assert units_exit_code(dataclasses.replace(built, strict=True)) == 1
    single = check(result.outcomes[0].path, config)
    assert check_exit_code(single) == 0  # one draft cannot add the units up: the rule waits for the batch

    rules.write_text(
        "- name: 查询名写错\n  part: town_screenin.screenings\n  whole: district_screening.screenings\n",
        encoding="utf-8",
    )
    errors = [f for f in lint(config) if f.severity == "error"]
    assert errors and "town_screenin" in errors[0].message and errors[0].path == rules


def test_grouped_jobs_share_as_many_connections_as_may_run_at_once(tmp_path):
    """Each grouped job is one long query; they are dealt out in turn to `concurrency`
    connections of their source (each set up and its account checked once), not one each."""
    from drafter.data.runner import Job, job_groups
    from drafter.project.queries import parse_query

    def spec(name: str, source: str, per: bool):
        path = tmp_path / f"{name}.sql"
        head = f"-- source: {source}\n-- description: 次数\n-- returns: scalar\n" + ("-- per: town\n" if per else "")
        path.write_text(head + "SELECT COUNT(*) FROM t WHERE town = :unit\n", encoding="utf-8")
        return parse_query(path)

    grouped = [Job(f"g{i}", spec(f"g{i}", "a", True), {}, units=("x", "y")) for i in range(6)]
    other = [Job("h", spec("h", "b", True), {}, units=("x",))]
    shared = [Job("s", spec("s", "a", False), {}), Job("prev.s", spec("s", "a", False), {}, group="prev")]
    groups = job_groups([*grouped, *shared, *other], concurrency=4)
    lanes = [
        [job.key for job in jobs] for (source, name), jobs in groups.items() if source == "a" and "grouped" in name
    ]
    assert lanes == [["g0", "g4"], ["g1", "g5"], ["g2"], ["g3"]]
    assert [[j.key for j in jobs] for (source, name), jobs in groups.items() if "grouped" not in name] == [
        ["s"],
        ["prev.s"],
    ]
    assert [[j.key for j in jobs] for (source, _), jobs in groups.items() if source == "b"] == [["h"]]
    assert [len(jobs) for jobs in job_groups(grouped, concurrency=1).values()] == [6]
