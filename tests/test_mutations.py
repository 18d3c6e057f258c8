"""Mutation tests of `check`: every kind of editor's edit, planted at random places, is found there.

The generator (tests/mutations.py) opens a built draft — the sample, examples/bulletin, a unit's
draft of examples/towns — and applies edits of every kind README's 核对 section lists, one kind
alone and all kinds together, seeded. `check` must report each planted edit at its paragraph with
a status its kind allows, report nothing anywhere else, and an unedited draft must be clean.
After `refresh`, `check` of the refreshed copy reports exactly the hand edits again, and a second
refresh does not pile up comments. The mutation score (found / planted per kind) is printed.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from mutations import KINDS, Mutator, Score, score

from drafter import build, check
from drafter.batch import build_units
from drafter.outcome import check_exit_code
from drafter.review.refresh import refresh
from drafter.review.report_text import render_check

REPO = Path(__file__).resolve().parents[1]
SEEDS = (1, 2, 3)
ALWAYS = [k for k in KINDS if k not in ("add_row", "delete_row", "table_cell")]  # every draft has these
TABLE_KINDS = ["table_cell", "add_row", "delete_row"]  # drafts with tables (the bulletin)


@pytest.fixture(scope="module")
def bulletin(tmp_path_factory) -> tuple[Path, Path]:
    target = tmp_path_factory.mktemp("bulletin") / "bulletin"
    shutil.copytree(REPO / "examples" / "bulletin", target, ignore=shutil.ignore_patterns("output", "__pycache__"))
    config = target / "config.yaml"
    return config, build(config, output=target / "draft.docx", force=True).path


@pytest.fixture(scope="module")
def town(tmp_path_factory, sample_project) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("towns")
    target = root / "examples" / "towns"
    shutil.copytree(REPO / "examples" / "towns", target, ignore=shutil.ignore_patterns("output"))
    (root / "sample").symlink_to(sample_project.parent / "sample")
    config = target / "config.yaml"
    result = build_units(config, units=["徐泾镇"], directory=root / "out", jobs=1)
    (outcome,) = result.written
    assert outcome.path is not None
    return config, outcome.path


@pytest.fixture(scope="module")
def bases(sample_project, sample_draft, bulletin, town) -> dict[str, tuple[Path, Path, list[str]]]:
    return {
        "sample": (sample_project, sample_draft, ALWAYS),
        "bulletin": (*bulletin, ALWAYS + TABLE_KINDS),
        "town": (*town, ALWAYS),
    }


TOTAL = Score()
NO_PLACE: dict[str, set[str]] = {}  # kind -> drafts that have no place for it


def _run(config: Path, draft: Path, kinds: list[str], seed: int, out: Path) -> tuple[Score, Mutator, Path]:
    mutator = Mutator(draft, seed)
    for kind in kinds:
        if not mutator.plant(kind):
            NO_PLACE.setdefault(kind, set()).add(draft.name)
    edited = mutator.save(out)
    result = score(check(edited, config), mutator.planted)
    TOTAL.add(result)
    return result, mutator, edited


@pytest.mark.parametrize("base", ["sample", "bulletin", "town"])
def test_an_unedited_draft_has_no_finding(bases, base):
    config, draft, _ = bases[base]
    report = check(draft, config)
    assert report.findings == [] and not report.rules and check_exit_code(report) == 0, render_check(report)


@pytest.mark.parametrize("base", ["sample", "bulletin", "town"])
@pytest.mark.parametrize("seed", SEEDS[:2])
def test_each_kind_of_edit_alone_is_found_at_its_place_and_nothing_else(bases, base, seed, tmp_path):
    config, draft, kinds = bases[base]
    missed = []
    for kind in kinds:
        result, mutator, _ = _run(config, draft, [kind], seed, tmp_path / f"{kind}.docx")
        if result.found.get(kind, 0) != result.planted.get(kind, 0) or result.false:
            missed.append((kind, [(p.index, p.what) for p in mutator.planted], result.false))
    assert missed == [], "\n".join(map(str, missed))


@pytest.mark.parametrize("base", ["sample", "bulletin", "town"])
@pytest.mark.parametrize("seed", SEEDS)
def test_all_kinds_together_are_each_found_and_refresh_keeps_exactly_the_hand_edits(bases, base, seed, tmp_path):
    config, draft, kinds = bases[base]
    order = list(kinds)
    Mutator(draft, seed).rng.shuffle(order)
    result, _, edited = _run(config, draft, order, seed, tmp_path / "all.docx")
    assert result.found == result.planted, (result.lines(), result.false)
    assert result.false == []
    before = check(edited, config)
    refreshed = refresh(edited, tmp_path / "refreshed.docx", config).path
    after = check(refreshed, config)
    assert _statuses(after) == _statuses(before)
    again = refresh(refreshed, tmp_path / "again.docx", config).path
    assert _drafter_comments(again) == _drafter_comments(refreshed)  # replaced, not piled up


@pytest.mark.render
@pytest.mark.parametrize("base", ["sample", "bulletin"])
def test_edits_survive_a_libreoffice_round_trip(bases, base, tmp_path):
    from test_check import _libreoffice_round_trip

    config, draft, kinds = bases[base]
    mutator = Mutator(draft, 7)
    for kind in kinds:
        if kind not in ("comment", "tracked"):  # LibreOffice accepts or drops these
            mutator.plant(kind)  # a kind with no place in this draft is left out
    edited = mutator.save(tmp_path / "edited.docx")
    converted = _libreoffice_round_trip(edited, tmp_path / "lo")
    result = score(check(converted, config), mutator.planted)
    TOTAL.add(result)
    assert result.found == result.planted, (result.lines(), result.false)
    assert result.false == []


# what paragraph mode can tell: a copy or a move has no tag left to follow, a retyped number is a number
PARAGRAPH_MODE = [
    "edit_inside",
    "edit_outside",
    "delete_control",
    "split",
    "merge",
    "comment",
    "wording",
    "typed_beside",
]


@pytest.mark.parametrize("base", ["sample", "bulletin", "town"])
@pytest.mark.parametrize("seed", SEEDS[:2])
def test_edits_are_found_when_an_office_suite_dropped_the_controls(bases, base, seed, tmp_path):
    """A WPS-style save: controls and bookmarks gone, the manifest kept; the weaker paragraph mode."""
    config, draft, _ = bases[base]
    mutator = Mutator(draft, seed)
    for kind in PARAGRAPH_MODE:
        mutator.plant(kind)
    mutator.strip_controls()
    report = check(mutator.save(tmp_path / "stripped.docx"), config)
    assert report.mode == "paragraphs"
    result = score(report, mutator.planted)
    TOTAL.add(result)
    assert result.found == result.planted, (result.lines(), result.false)
    assert result.false == []


def _statuses(report) -> list[tuple[str, int | None]]:
    return sorted((f.status, f.paragraph) for f in report.findings)


def _drafter_comments(path: Path) -> int:
    with zipfile.ZipFile(path) as z:
        if "word/comments.xml" not in z.namelist():
            return 0
        return z.read("word/comments.xml").decode().count('w:author="drafter"')


def test_zz_mutation_score(capsys):
    """The score of every mutation run of this module (runs last: pytest keeps file order)."""
    with capsys.disabled():
        print("\nmutation score (found/planted):\n  " + "\n  ".join(TOTAL.lines()))
        for kind, drafts in sorted(NO_PLACE.items()):
            print(f"  no place for {kind} in: {', '.join(sorted(drafts))}")
    if TOTAL.planted:  # the whole module ran: every kind was planted somewhere, and all were found
        assert set(TOTAL.planted) == set(KINDS)
        assert TOTAL.found == TOTAL.planted and TOTAL.false == []
