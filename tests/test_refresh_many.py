"""`drafter refresh` of many drafts in one call: the queries run once, each copy as one refresh writes it.

The per-town example (examples/towns) is built with --each over private copies of the sample
databases; two drafts are edited (a word of prose, a figure typed over), the data change, and
all the drafts are refreshed in one call. The figures expected are counted again with plain
sqlite3; the statements sent to the databases are counted by a SQLAlchemy event.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from editing import reword
from reading import read_paragraphs
from sqlalchemy import event
from sqlalchemy.engine import Engine

from drafter.batch import build_units
from drafter.cli import main
from drafter.outcome import batch_refresh_exit_code
from drafter.review.checker import EDITED, STALE, check
from drafter.review.refresh import refresh, refresh_many, refreshed_path
from drafter.review.scan import control_id, run_text
from drafter.review.wordings import WordingCheck
from drafter.word.manifest import read_manifest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def towns(tmp_path, sample_project) -> Path:
    """examples/towns with a private copy of the sample databases (the test changes them)."""
    target = tmp_path / "examples" / "towns"
    shutil.copytree(REPO / "examples" / "towns", target, ignore=shutil.ignore_patterns("output"))
    shutil.copytree(sample_project.parent / "sample", tmp_path / "sample")
    return target / "config.yaml"


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement sent to a database meanwhile (any engine)."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def _db(towns: Path, name: str) -> sqlite3.Connection:
    return sqlite3.connect(towns.parents[2] / "sample" / f"{name}.db")


def _count(towns: Path, town: str) -> tuple[int, int]:
    """(screenings, rescue team members) of `town` in 2025, counted outside drafter."""
    with contextlib.closing(_db(towns, "hazards")) as db:
        screenings = db.execute(
            "SELECT COUNT(*) FROM screening WHERE town = ? AND screened_on >= '2025-01-01' AND screened_on < '2026-01-01'",
            (town,),
        ).fetchone()[0]
    with contextlib.closing(_db(towns, "disaster")) as db:
        members = db.execute(
            "SELECT COALESCE(SUM(member_count), 0) FROM rescue_team WHERE town = ? AND filed_on >= '2025-01-01' "
            "AND filed_on < '2026-01-01'",
            (town,),
        ).fetchone()[0]
    return screenings, members


def _controls(path: Path) -> dict[str, str]:
    """ref → the text of its figure control, as a reader sees it."""
    doc = Document(str(path))
    ids = {f.id: f.ref for f in read_manifest(doc).figures}
    out: dict[str, str] = {}
    for sdt in doc.element.body.iter(qn("w:sdt")):
        cid = control_id(sdt)
        if cid in ids and ids[cid] not in out:
            out[ids[cid]] = "".join(run_text(r) for r in sdt.iter(qn("w:r")))
    return out


def _type_over(path: Path, ref: str, text: str) -> None:
    doc = Document(str(path))
    fid = next(f.id for f in read_manifest(doc).figures if f.ref == ref)
    sdt = next(s for s in doc.element.body.iter(qn("w:sdt")) if control_id(s) == fid)
    ts = list(sdt.iter(qn("w:t")))
    ts[0].text = text
    for t in ts[1:]:
        t.text = ""
    doc.save(str(path))


def _change_data(towns: Path, town: str) -> None:
    """One screening fewer in `town`; five more members in every town's first rescue team."""
    with contextlib.closing(_db(towns, "hazards")) as db, db:
        assert (
            db.execute(
                "DELETE FROM screening WHERE id = (SELECT MIN(id) FROM screening WHERE town = ? "
                "AND screened_on >= '2025-01-01')",
                (town,),
            ).rowcount
            == 1
        )
    with contextlib.closing(_db(towns, "disaster")) as db, db:
        assert (
            db.execute(
                "UPDATE rescue_team SET member_count = member_count + 5 WHERE id IN (SELECT MIN(id) FROM rescue_team "
                "WHERE filed_on >= '2025-01-01' GROUP BY town)"
            ).rowcount
            > 1
        )


def test_refresh_of_many_drafts_runs_each_query_once_and_writes_each_copy_with_its_edits(towns, tmp_path):
    built = build_units(towns, jobs=1)
    drafts = [o.path for o in built.outcomes]
    worded, typed = drafts[2], drafts[5]
    worded_town = built.outcomes[2].unit
    reword(worded, "涉及企业", "覆盖企业")
    typed_teams = str(int(_controls(typed)["town_rescue.teams"]) + 3)
    _type_over(typed, "town_rescue.teams", typed_teams)
    before = {d: d.read_bytes() for d in drafts}
    _change_data(towns, worded_town)

    checked = check(worded, towns)  # the reworded sentence is told even where its figures' data changed
    assert [w.plain for w in checked.findings if isinstance(w, WordingCheck)] == [True]
    assert "town_screening.screenings" in {f.ref for f in checked.figures if f.status == STALE}

    with statements() as sent:
        batch = refresh_many(drafts, tmp_path / "更新后", towns)
    assert not batch.errors and len(batch.results) == len(drafts) == 12
    assert all(d.read_bytes() == before[d] for d in drafts)  # the drafts themselves are never written
    # The `-- per:` queries ran once for all twelve towns, the query without :unit once, the one
    # per-unit query (LIMIT) once a town.
    assert sum("FROM rescue_team" in s for s in sent) == 1
    assert sum("COUNT(DISTINCT domain)" in s for s in sent) == 1
    assert sum("FROM screening" in s and "LIMIT 3" in s for s in sent) == 12
    assert batch.queries_run == 2 + 5 + 12, batch.queries_run

    by_draft = {r.draft: r for r in batch.results}
    for outcome in built.outcomes:
        result = by_draft[outcome.path]
        assert result.path == tmp_path / "更新后" / refreshed_path(outcome.path).name
        screenings, members = _count(towns, outcome.unit)
        shown = _controls(result.path)
        assert shown["town_rescue.members"] == str(members)  # the new data in every copy
        assert shown["town_screening.screenings"] == str(screenings)
    worded_copy, typed_copy = by_draft[worded].path, by_draft[typed].path
    assert any("覆盖企业" in p for p in read_paragraphs(worded_copy))  # the prose edit kept, uncommented
    assert not list(Document(str(worded_copy)).comments)
    (told,) = check(worded_copy, towns).findings  # the figures now agree; the rewording is still told
    assert isinstance(told, WordingCheck) and told.plain and "覆盖企业" in (told.draft_text or "")
    assert {"town_screening.screenings", "town_rescue.members", "district_screening.screenings"} <= {
        f.ref for f in by_draft[worded].updated
    }
    assert _controls(typed_copy)["town_rescue.teams"] == typed_teams  # the hand edit kept, flagged
    assert [f.ref for f in by_draft[typed].kept] == ["town_rescue.teams"]
    assert any("手工修改" in c.text for c in Document(str(typed_copy)).comments)
    assert [f.ref for f in check(typed_copy, towns).findings] == ["town_rescue.teams"]
    assert batch_refresh_exit_code(batch) == 1  # a hand edit to see to


def test_one_draft_that_cannot_be_refreshed_is_named_and_the_others_are_written(towns, tmp_path):
    built = build_units(towns, units=["夏阳街道", "盈浦街道"], jobs=1)
    good = [o.path for o in built.outcomes]
    broken = tmp_path / "坏的草稿.docx"
    broken.write_bytes(b"not a word file")
    _change_data(towns, "夏阳街道")

    out = tmp_path / "副本"
    result = CliRunner().invoke(
        main, ["refresh", str(good[0]), str(broken), str(good[1]), "-c", str(towns), "-o", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert f"无法更新 {broken}" in result.output
    assert "3 份草稿：写出更新后的副本 2 份，无法更新 1 份" in result.output
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(refreshed_path(d).name for d in good)
    for path in out.iterdir():
        town = "夏阳街道" if "夏阳街道" in path.name else "盈浦街道"
        assert _controls(path)["town_rescue.members"] == str(_count(towns, town)[1])


def test_a_folder_is_its_drafts_and_copies_go_beside_them_never_over_a_file(towns, tmp_path):
    built = build_units(towns, units=["夏阳街道", "盈浦街道"], jobs=1)
    folder = built.outcomes[0].path.parent
    (folder / "~$lock.docx").write_bytes(b"word's lock file")
    taken = refreshed_path(built.outcomes[0].path)
    taken.write_bytes(b"someone's file")
    _change_data(towns, "夏阳街道")

    result = CliRunner().invoke(main, ["refresh", str(folder), "-c", str(towns)])
    assert result.exit_code == 0, result.output
    # Word's lock file is not a draft; a copy an earlier refresh wrote is not refreshed again…
    assert "2 份草稿：写出更新后的副本 2 份" in result.output and "略过先前更新写出的副本 1 份" in result.output
    assert taken.read_bytes() == b"someone's file"  # …nor written over
    assert "已存在，未覆盖" in result.output
    assert (folder / f"{taken.stem}-2.docx").is_file()

    a_file = tmp_path / "x.docx"
    a_file.write_bytes(b"")
    refused = CliRunner().invoke(
        main, ["refresh", *(str(o.path) for o in built.outcomes), "-c", str(towns), "-o", str(a_file)]
    )
    assert refused.exit_code == 2 and "更新多份草稿时，-o 须是文件夹" in refused.output


def test_one_draft_refreshes_as_before_through_the_cli_and_as_one_of_a_batch(towns, tmp_path):
    """One draft given: the copy beside it, named and written as always; the same copy (text,
    figures, comments, manifest) as the library's single refresh and as a batch of one."""
    built = build_units(towns, units=["盈浦街道"], jobs=1)
    draft = built.outcomes[0].path
    reword(draft, "涉及企业", "覆盖企业")
    _change_data(towns, "盈浦街道")

    cli = CliRunner().invoke(main, ["refresh", str(draft), "-c", str(towns)])
    assert cli.exit_code == 0, cli.output
    assert cli.stdout.strip() == str(refreshed_path(draft))
    assert cli.stderr.startswith("更新数字 4 个。") and "份草稿" not in cli.output
    single = refresh(draft, tmp_path / "single.docx", towns)
    batch = refresh_many([draft], tmp_path / "batch", towns).results[0]

    def seen(path: Path) -> tuple:
        doc = Document(str(path))
        manifest = read_manifest(doc).model_dump(mode="json")
        for key in ("refreshed_at", "refreshed_from"):
            manifest.pop(key)
        for entry in manifest["queries"].values():
            entry.pop("elapsed_ms", None)
        return read_paragraphs(path), [c.text for c in doc.comments], manifest

    assert seen(refreshed_path(draft)) == seen(single.path) == seen(batch.path)
    assert any("覆盖企业" in p for p in read_paragraphs(single.path))
    (told,) = check(single.path, towns).findings  # the figures agree; the rewording is told
    assert isinstance(told, WordingCheck) and told.plain
    assert EDITED not in {f.status for f in check(batch.path, towns).figures}


def _two_drafts_the_first_failing(towns, module, monkeypatch) -> tuple[Path, Path]:
    """Two towns' drafts; `module`'s `check` raises an unexpected error on the first one."""
    built = build_units(towns, units=["夏阳街道", "盈浦街道"], jobs=1)
    first, second = (o.path for o in built.outcomes)
    real_check = module.check

    def check_failing_on_first(draft, *args, **kwargs):
        if Path(draft) == first:
            raise RuntimeError("boom")
        return real_check(draft, *args, **kwargs)

    monkeypatch.setattr(module, "check", check_failing_on_first)
    return first, second


def test_an_unexpected_fault_with_one_draft_is_that_draft_s_error(towns, tmp_path, monkeypatch):
    import drafter.review.refresh as refresh_module

    first, second = _two_drafts_the_first_failing(towns, refresh_module, monkeypatch)
    batch = refresh_many([first, second], tmp_path / "out", towns)
    assert [r.draft for r in batch.results] == [second] and (tmp_path / "out" / refreshed_path(second).name).is_file()
    [(path, error)] = batch.errors
    assert path == first and error.message == "更新时出现内部错误" and "RuntimeError: boom" in (error.cause or "")
    assert batch_refresh_exit_code(batch) == 2


def test_an_unexpected_fault_with_one_draft_is_that_draft_s_error_in_a_batch_check(towns, monkeypatch):
    import drafter.review.batch as batch_module
    from drafter.outcome import batch_check_exit_code
    from drafter.review.batch import check_many

    first, second = _two_drafts_the_first_failing(towns, batch_module, monkeypatch)
    checked = check_many([first, second], towns)
    assert [r.draft for r in checked.reports] == [second]
    [(path, error)] = checked.errors
    assert path == first and error.message == "核对时出现内部错误" and "RuntimeError: boom" in (error.cause or "")
    assert batch_check_exit_code(checked) == 2


def test_a_batch_loads_the_project_once_a_period_and_finds_what_each_draft_alone_finds(towns, tmp_path, monkeypatch):
    """Check and refresh of many drafts load and compile the project once for all the drafts of
    one period (not once a draft), and tell each draft what checking it alone tells."""
    import drafter.review.checker as checker
    from drafter.review.batch import check_many

    built = build_units(towns, jobs=1)
    drafts = [o.path for o in built.outcomes]
    reword(drafts[3], "涉及企业", "覆盖企业")
    _type_over(drafts[7], "town_rescue.teams", "999")
    _change_data(towns, built.outcomes[0].unit)
    alone = {d: [(type(f).__name__, f.id) for f in check(d, towns).findings] for d in drafts}

    loads, renderers = [], []
    real_load, real_renderer = checker.load_project, checker.Renderer
    monkeypatch.setattr(checker, "load_project", lambda *a, **k: loads.append(k) or real_load(*a, **k))
    monkeypatch.setattr(checker, "Renderer", lambda *a, **k: renderers.append(a) or real_renderer(*a, **k))
    batch = check_many(drafts, towns)
    assert (len(loads), len(renderers)) == (1, 1)
    assert {r.draft: [(type(f).__name__, f.id) for f in r.findings] for r in batch.reports} == alone
    assert alone[drafts[3]] and alone[drafts[7]] and alone[drafts[0]]

    loads.clear(), renderers.clear()
    refreshed = refresh_many(drafts, tmp_path / "更新后", towns)
    assert not refreshed.errors and (len(loads), len(renderers)) == (1, 1)
