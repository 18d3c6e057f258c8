"""The sample departmental databases: deterministic, row-level, and adding up to the reference report.

Every figure is recomputed here from the generated rows by plain Python, with
no help from the generator's targets or the shipped queries, then compared with
the words of the 2025 reference report (seed phrases) and with the 2024 plan.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from drafter import sample
from drafter.errors import DrafterError
from drafter.sample import SYSTEMS, TARGETS, create_sqlite, generate

YEARS = (2024, 2025)

# The column that places a row in its year, for every table.
YEAR_COLUMN = {
    "inspection": "inspected_on",
    "inspection_plan": "planned_on",
    "check_code": "sent_at",
    "case_file": "filed_on",
    "penalty_decision": "decided_on",
    "legal_review": "reviewed_on",
    "review_meeting": "held_on",
    "collective_discussion": "discussed_on",
    "hearing": "held_on",
    "penalty_waiver": "decided_on",
    "triggered_supervision": "handled_on",
    "compliance_review": "reviewed_on",
    "credit_recommendation": "recommended_on",
    "accident_assessment": "assessed_on",
    "assessment_hazard": "found_on",
    "risk_profile": "profiled_on",
    "screening": "screened_on",
    "hazard": "found_on",
    "enforcement_action": "acted_on",
    "ebike_community": "listed_on",
    "ebike_zombie_removal": "removed_on",
    "ebike_battery_test": "tested_on",
    "ciie_patrol": "patrolled_on",
    "permit_application": "received_on",
    "warning_response": "started_at",
    "response_level_change": "effective_at",
    "storage_point": "confirmed_on",
    "rescue_team": "filed_on",
    "rescue_org_application": "reviewed_on",
    "info_officer_training": "trained_on",
    "info_officer_award": "awarded_on",
    "staff_roster": "snapshot_on",
    "study_session": "held_on",
    "science_ambassador": "selected_on",
    "publicity_event": "held_on",
    "petition": "received_on",
    "petition_reward": "paid_on",
    "legal_proceeding": "filed_on",
    "court_appearance": "heard_on",
}


@pytest.fixture(scope="module")
def rows() -> dict[int, dict[str, list[dict]]]:
    """All tables of all systems, by year."""
    out: dict[int, dict[str, list[dict]]] = {}
    for year in YEARS:
        out[year] = {}
        for system in SYSTEMS:
            out[year].update(generate(system, year))
    return out


@pytest.fixture(scope="module")
def agg(rows) -> dict[int, dict[str, object]]:
    return {year: aggregates(rows[year]) for year in YEARS}


def aggregates(t: dict[str, list[dict]]) -> dict[str, object]:
    """Every report figure, counted from the rows by hand."""

    def count(table, pred=lambda r: True):
        return sum(1 for r in t[table] if pred(r))

    def total(table, col, pred=lambda r: True):
        return sum(r[col] for r in t[table] if pred(r))

    def distinct(table, col, pred=lambda r: True):
        return len({r[col] for r in t[table] if pred(r)})

    cases = {c["id"]: c for c in t["case_file"]}
    source = lambda kind: lambda d: cases[d["case_id"]]["case_source"] == kind
    assessed = {a["id"] for a in t["accident_assessment"]}
    hazchem = lambda r: r["permit_type"] == "危险化学品经营许可"
    flood = lambda r: r["team_category"] == "防汛抢险"
    in_post = [r for r in t["staff_roster"] if r["in_post"]]
    return {
        "inspections": count("inspection"),
        "inspection_officers": total("inspection", "officer_count"),
        "key_enterprises": distinct("inspection", "enterprise_id", lambda r: r["is_key_enterprise"] == 1),
        "inspection_hazards_found": total("inspection", "hazards_found"),
        "inspection_hazards_cleared": total("inspection", "hazards_cleared"),
        "plan_tasks": count("inspection_plan"),
        "plan_tasks_done": count("inspection_plan", lambda r: r["inspection_id"] is not None),
        "check_codes": count("check_code"),
        "check_codes_rated": count("check_code", lambda r: r["rating"] is not None),
        "check_codes_satisfied": count("check_code", lambda r: r["rating"] in ("满意", "基本满意")),
        "enforcement_cases": count("case_file", lambda r: r["case_source"] == "执法检查"),
        "enforcement_case_fines": total("penalty_decision", "fine_amount", source("执法检查")),
        "accident_cases": count("case_file", lambda r: r["case_source"] == "事故调查"),
        "accident_cases_penalised": distinct("penalty_decision", "case_id", source("事故调查")),
        "accident_case_fines": total("penalty_decision", "fine_amount", source("事故调查")),
        "reviewed_cases": distinct("legal_review", "case_id"),
        "review_opinions": count("legal_review"),
        "review_meetings": count("review_meeting"),
        "major_cases_discussed": distinct(
            "collective_discussion", "case_no", lambda r: r["discussion_type"] == "重大行政处罚"
        ),
        "light_cases_discussed": distinct(
            "collective_discussion", "case_no", lambda r: r["discussion_type"] == "轻微免罚"
        ),
        "hearings": count("hearing"),
        "non_filing_decisions": count("penalty_waiver", lambda r: r["waiver_type"] == "不予立案"),
        "first_violation_waivers": count("penalty_waiver", lambda r: r["waiver_type"] == "首违不罚"),
        "waived_amount": total("penalty_waiver", "waived_amount"),
        "triggered_supervision": count("triggered_supervision"),
        "compliance_reviews": count("compliance_review"),
        "credit_benchmarks": distinct("credit_recommendation", "enterprise_id"),
        "assessed_enterprises": distinct("accident_assessment", "enterprise_id"),
        "assessment_hazards": count("assessment_hazard", lambda r: r["assessment_id"] in assessed),
        "assessment_hazards_rectified": count("assessment_hazard", lambda r: r["rectified_on"] is not None),
        "profiled_enterprises": distinct("risk_profile", "enterprise_id"),
        "screenings": count("screening"),
        "hazards_found": count("hazard"),
        "hazards_rectified": count("hazard", lambda r: r["rectified_on"] is not None),
        "major_hazards": count("hazard", lambda r: r["is_major"] == 1),
        "major_hazards_rectified": count("hazard", lambda r: r["is_major"] == 1 and r["rectified_on"] is not None),
        "suspended_enterprises": distinct(
            "enforcement_action", "enterprise_id", lambda r: r["action_type"] == "责令停产停业"
        ),
        "interviewed_enterprises": distinct(
            "enforcement_action", "enterprise_id", lambda r: r["action_type"] == "约谈惩戒"
        ),
        "penalised_units": distinct("enforcement_action", "enterprise_id", lambda r: r["action_type"] == "行政处罚"),
        "penalty_actions": count("enforcement_action", lambda r: r["action_type"] == "行政处罚"),
        "hazard_fines": total("enforcement_action", "fine_amount", lambda r: r["action_type"] == "行政处罚"),
        "ebike_communities": count("ebike_community"),
        "ebike_converted": count("ebike_community", lambda r: r["converted_on"] is not None),
        "zombie_bikes": count("ebike_zombie_removal"),
        "battery_tests": count("ebike_battery_test"),
        "ciie_rounds": count("ciie_patrol"),
        "ciie_officers": total("ciie_patrol", "officer_count"),
        "ciie_safety_managers": total("ciie_patrol", "safety_manager_count"),
        "ciie_patrol_staff": total("ciie_patrol", "patrol_staff_count"),
        "ciie_hazards": total("ciie_patrol", "hazards_rectified"),
        "permit_applications": count("permit_application", hazchem),
        "permits_approved": count("permit_application", lambda r: hazchem(r) and r["decision"] == "准予许可"),
        "permits_online": count("permit_application", lambda r: hazchem(r) and r["channel"] == "全程网办"),
        "permits_on_time": count("permit_application", lambda r: hazchem(r) and r["decided_on"] <= r["due_on"]),
        "permits_first_pass": count("permit_application", lambda r: hazchem(r) and r["correction_count"] == 0),
        "other_permit_applications": count("permit_application", lambda r: not hazchem(r)),
        "warning_responses": count("warning_response"),
        "response_hours": total("warning_response", "duration_hours"),
        "level_iv_responses": count("response_level_change", lambda r: r["response_level"] == "Ⅳ"),
        "level_iii_responses": count("response_level_change", lambda r: r["response_level"] == "Ⅲ"),
        "level_ii_responses": count("response_level_change", lambda r: r["response_level"] == "Ⅱ"),
        "level_i_responses": count("response_level_change", lambda r: r["response_level"] == "Ⅰ"),
        "district_town_storage_points": count("storage_point", lambda r: r["tier"] in ("区级", "镇级")),
        "village_storage_points": count("storage_point", lambda r: r["tier"] == "村居"),
        "flood_teams": count("rescue_team", flood),
        "flood_team_members": total("rescue_team", "member_count", flood),
        "industry_teams": count("rescue_team", lambda r: r["team_category"] == "行业专业"),
        "social_teams": count("rescue_team", lambda r: r["team_category"] == "社会救援"),
        "rescue_orgs_approved": count("rescue_org_application", lambda r: r["result"] == "通过"),
        "rescue_orgs_rejected": count("rescue_org_application", lambda r: r["result"] != "通过"),
        "info_officers_trained": distinct("info_officer_training", "officer_id"),
        "info_officer_national_awards": distinct(
            "info_officer_award", "officer_id", lambda r: r["award_level"] == "国家级" and r["award_kind"] == "个人"
        ),
        "staff_in_post": len(in_post),
        "staff_certified": sum(r["enforcement_certified"] for r in in_post),
        "staff_judicial_exam": sum(r["judicial_exam_passed"] for r in in_post),
        "staff_public_lawyers": sum(r["public_lawyer"] for r in in_post),
        "study_sessions": count("study_session", lambda r: r["session_kind"] in ("中心组学习", "中心组扩大学习")),
        "science_ambassadors": count("science_ambassador"),
        "ambassador_honours": count("science_ambassador", lambda r: r["honour"] is not None),
        "publicity_participants": total("publicity_event", "participants"),
        "publicity_materials": total("publicity_event", "materials"),
        "petitions": count("petition"),
        "petitions_closed": count("petition", lambda r: r["closed_on"] is not None),
        "petitions_substantiated": count("petition", lambda r: r["substantiated"] == 1),
        "rewarded_petitions": distinct("petition_reward", "petition_id"),
        "reward_amount": total("petition_reward", "amount"),
        "reconsiderations": count("legal_proceeding", lambda r: r["proceeding_kind"] == "行政复议"),
        "lawsuits": count("legal_proceeding", lambda r: r["proceeding_kind"] == "行政诉讼"),
        "lawsuits_pending": count(
            "legal_proceeding",
            lambda r: r["proceeding_kind"] == "行政诉讼" and r["instance"] == "一审" and r["concluded_on"] is None,
        ),
        "proceedings_lost": count(
            "legal_proceeding", lambda r: r["outcome"] in ("撤销", "变更", "确认违法", "责令履行")
        ),
        "court_hearings": count("court_appearance"),
        "head_appearances": total("court_appearance", "head_appeared"),
    }


# -- what the 2025 reference report says, phrase by phrase -----------------------------------


def yu(base: int, unit: int):
    """“300余” with unit 100: more than 300, less than 400."""
    return lambda v: base < v < base + unit


def wan(text: str, approx: bool = True):
    """“6.8万余” (more than 6.8万, less than the next step) or “2.4万” (rounded)."""
    step = Decimal(1).scaleb(-len(text.split(".")[1])) if "." in text else Decimal(1)
    base = Decimal(text) * 10000
    if approx:
        return lambda v: base < v < base + step * 10000
    return lambda v: (Decimal(v) / 10000).quantize(step, ROUND_HALF_UP) == Decimal(text)


def rate(num: str, den: str, text: str):
    """`num/den` rounds half-up to the percentage printed, e.g. “98.74”."""
    exp = Decimal(1).scaleb(-len(text.split(".")[1])) if "." in text else Decimal(1)
    return num, den, lambda a: (Decimal(a[num]) / Decimal(a[den]) * 100).quantize(exp, ROUND_HALF_UP) == Decimal(text)


REFERENCE_2025 = {  # figure → the value (or test) its seed phrase demands
    "ciie_officers": yu(300, 100),  # 累计出动执法人员300余人次
    "ciie_safety_managers": 488,
    "ciie_patrol_staff": 4782,
    "ciie_rounds": 734,
    "ciie_hazards": yu(4500, 100),  # 联合排查并完成整改各类安全隐患4500余项
    "screenings": wan("17"),  # 累计排查各类企业主体17万余家次
    "hazards_found": wan("6.8"),
    "hazards_rectified": wan("6.7"),
    "major_hazards": 225,
    "suspended_enterprises": 5,
    "interviewed_enterprises": 7,
    "penalised_units": 1045,
    "hazard_fines": 11872100,  # 罚款1187.21万元
    "ebike_converted": 457,
    "zombie_bikes": 9812,
    "battery_tests": 16468,
    "profiled_enterprises": yu(2500, 100),
    "permit_applications": 640,
    "permits_approved": 640,
    "accident_cases": 26,
    "accident_cases_penalised": 24,
    "accident_case_fines": 8942845,
    "warning_responses": 35,
    "response_hours": 145,
    "level_iv_responses": 25,
    "level_iii_responses": 9,
    "level_ii_responses": 2,
    "district_town_storage_points": 14,
    "flood_teams": 532,
    "flood_team_members": yu(9400, 100),
    "rescue_orgs_approved": 4,
    "industry_teams": 29,
    "social_teams": 5,
    "info_officers_trained": 385,
    "info_officer_national_awards": 3,
    "check_codes": yu(600, 100),
    "inspection_officers": 1428,
    "inspections": 646,
    "key_enterprises": 193,
    "inspection_hazards_found": 861,
    "inspection_hazards_cleared": 861,
    "enforcement_cases": 14,
    "enforcement_case_fines": 261000,  # 26.1万元
    "assessed_enterprises": 12,
    "assessment_hazards": 83,
    "non_filing_decisions": 50,
    "first_violation_waivers": 4,
    "waived_amount": 521000,
    "triggered_supervision": 154,
    "credit_benchmarks": 20,
    "reviewed_cases": 49,
    "review_opinions": 128,
    "review_meetings": 11,
    "major_cases_discussed": 24,
    "light_cases_discussed": 4,
    "hearings": 1,
    "compliance_reviews": yu(380, 10),  # 审核企业及个人合规行为380余次
    "reconsiderations": 5,
    "lawsuits": 6,
    "lawsuits_pending": 2,
    "proceedings_lost": 0,
    "petitions": 137,
    "petitions_closed": 117,
    "petitions_substantiated": 56,
    "rewarded_petitions": 4,
    "reward_amount": 5000,
    "science_ambassadors": 11,
    "ambassador_honours": 1,
    "publicity_participants": wan("2.4", approx=False),
    "publicity_materials": yu(5000, 100),
    "study_sessions": 12,
    "staff_in_post": 61,
    "staff_certified": 57,
    "staff_judicial_exam": 3,
    "staff_public_lawyers": 2,
}
RATES_2025 = [  # 整改率、覆盖率、办结率…: numerator, denominator, the percentage printed
    rate("hazards_rectified", "hazards_found", "98.74"),
    rate("major_hazards_rectified", "major_hazards", "100"),
    rate("ebike_converted", "ebike_communities", "92.7"),
    rate("permits_online", "permit_applications", "100"),
    rate("permits_on_time", "permit_applications", "100"),
    rate("permits_first_pass", "permit_applications", "97"),
    rate("check_codes_satisfied", "check_codes_rated", "100"),
    rate("inspection_hazards_cleared", "inspection_hazards_found", "100"),
    rate("plan_tasks_done", "plan_tasks", "100"),
    rate("assessment_hazards_rectified", "assessment_hazards", "100"),
    rate("head_appearances", "court_hearings", "100"),
]


def test_generation_is_deterministic(rows):
    for system, year in (("office", 2025), ("enforcement", 2024)):
        assert generate(system, year) == {k: rows[year][k] for k in SYSTEMS[system].tables}


def _digest_in_subprocess(hashseed: str) -> str:
    code = (
        "import hashlib, json\n"
        "from drafter.sample import generate\n"
        "rows = [generate(s, 2025) for s in ('enforcement', 'disaster', 'office')]\n"
        "print(hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.strip()


def test_generation_does_not_depend_on_hash_seed_or_clock():
    assert _digest_in_subprocess("1") == _digest_in_subprocess("2")


def test_every_table_is_generated_with_its_columns(rows):
    for system in SYSTEMS.values():
        for name, table in system.tables.items():
            columns = set(table.columns.keys())
            for year in YEARS:
                assert rows[year][name], f"{name} {year} has no rows"
                for row in rows[year][name]:
                    assert set(row) == columns, name


@pytest.mark.parametrize("year", YEARS)
def test_rows_have_unique_ids_and_dates_in_their_year(rows, year):
    assert {n: t.info["year_column"] for s in SYSTEMS.values() for n, t in s.tables.items()} == YEAR_COLUMN
    for table, column in YEAR_COLUMN.items():
        ids = [r["id"] for r in rows[year][table]]
        assert len(ids) == len(set(ids)), table
        assert all(i // 1_000_000 == year for i in ids), table
        for r in rows[year][table]:
            assert isinstance(r[column], (dt.date, dt.datetime)), (table, column)
            assert r[column].year == year, (table, r)


def test_rows_are_records_not_totals(rows):
    t = rows[2025]
    assert len(t["screening"]) == TARGETS[2025]["screenings"]  # one row a screening
    assert len(t["hazard"]) == TARGETS[2025]["hazards_found"]  # one row a hazard
    assert len(t["ebike_zombie_removal"]) == 9812  # one row a bike
    assert max(r["officer_count"] for r in t["inspection"]) <= 6
    assert max(r["fine_amount"] for r in t["enforcement_action"] if r["fine_amount"]) < 1_000_000
    # references point at rows that exist
    inspections = {r["id"] for r in t["inspection"]}
    assert {r["inspection_id"] for r in t["check_code"]} <= inspections
    assert {r["screening_id"] for r in t["hazard"]} <= {r["id"] for r in t["screening"]}
    assert {r["case_id"] for r in t["penalty_decision"]} <= {r["id"] for r in t["case_file"]}
    assert {r["response_id"] for r in t["response_level_change"]} <= {r["id"] for r in t["warning_response"]}
    # a penalised accident case has a penalty decided after filing
    cases = {c["id"]: c for c in t["case_file"]}
    assert all(d["decided_on"] >= cases[d["case_id"]]["filed_on"] for d in t["penalty_decision"])
    # rectified hazards were rectified after they were found
    assert all(h["rectified_on"] >= h["found_on"] for h in t["hazard"] if h["rectified_on"])
    # the enterprise ids are well-formed 统一社会信用代码
    assert Counter(len(r["enterprise_id"]) for r in t["inspection"]) == {18: len(t["inspection"])}


@pytest.mark.parametrize("year", YEARS)
def test_rows_add_up_to_the_targets(agg, year):
    got = agg[year]
    assert set(got) == set(TARGETS[year])
    wrong = {k: (got[k], TARGETS[year][k]) for k in got if got[k] != TARGETS[year][k]}
    assert not wrong


@pytest.mark.parametrize("figure", sorted(REFERENCE_2025))
def test_2025_rows_reproduce_the_reference_report(agg, figure):
    value = agg[2025][figure]
    expected = REFERENCE_2025[figure]
    if callable(expected):
        assert expected(value), f"{figure}={value}"
    else:
        assert value == expected


@pytest.mark.parametrize("num,den,check", RATES_2025, ids=[r[0] for r in RATES_2025])
def test_2025_rates_round_to_the_reference_report(agg, num, den, check):
    assert check(agg[2025])


def test_2024_is_a_different_plausible_year(agg):
    a24, a25 = agg[2024], agg[2025]
    differ = [k for k in a24 if a24[k] != a25[k]]
    assert len(differ) >= len(a24) * 0.8
    assert a24["hazards_rectified"] < a24["hazards_found"]  # not everything fixed by year end
    assert a24["major_hazards_rectified"] < a24["major_hazards"]
    assert a24["ambassador_honours"] == 0


def test_unknown_system_or_year_is_refused():
    with pytest.raises(ValueError, match="unknown sample system"):
        generate("payroll", 2025)
    with pytest.raises(ValueError, match="no sample targets for 2019"):
        generate("office", 2019)


# -- the SQLite files ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_2025(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("sample") / "sample"
    written = create_sqlite(directory, years=(2025,))
    assert written == [directory / f"{s}.db" for s in SYSTEMS]
    return directory


def _one(directory: Path, system: str, sql: str):
    con = sqlite3.connect(directory / f"{system}.db")
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


def test_sqlite_files_hold_the_rows(sqlite_2025, rows):
    for name, system in SYSTEMS.items():
        for table in system.tables:
            (n,) = _one(sqlite_2025, name, f"SELECT COUNT(*) FROM {table}")
            assert n == len(rows[2025][table]), table
    assert not list(sqlite_2025.glob(".*tmp"))


def test_sqlite_counts_match_the_reference_report(sqlite_2025):
    assert _one(
        sqlite_2025, "hazards", "SELECT COUNT(*), SUM(rectified_on IS NOT NULL), SUM(is_major) FROM hazard"
    ) == (68180, 67321, 225)
    assert _one(
        sqlite_2025,
        "hazards",
        "SELECT COUNT(DISTINCT enterprise_id), SUM(fine_amount) FROM enforcement_action WHERE action_type = '行政处罚'",
    ) == (1045, 11872100)
    assert _one(
        sqlite_2025,
        "enforcement",
        "SELECT SUM(p.fine_amount) FROM penalty_decision p JOIN case_file c ON c.id = p.case_id "
        "WHERE c.case_source = '事故调查'",
    ) == (8942845,)
    assert _one(
        sqlite_2025,
        "enforcement",
        "SELECT COUNT(*), SUM(officer_count) FROM inspection "
        "WHERE inspected_on >= '2025-01-01' AND inspected_on < '2026-01-01'",
    ) == (646, 1428)
    assert _one(sqlite_2025, "disaster", "SELECT COUNT(*), SUM(duration_hours) FROM warning_response") == (35, 145)
    assert _one(sqlite_2025, "office", "SELECT SUM(amount) FROM petition_reward") == (5000,)
    # dates are stored as SQLAlchemy stores them, so text comparisons with ISO dates work
    assert _one(sqlite_2025, "disaster", "SELECT MIN(started_at) FROM warning_response")[0][:4] == "2025"
    assert len(_one(sqlite_2025, "office", "SELECT MIN(received_on) FROM petition")[0]) == 10


def test_create_sqlite_refuses_to_overwrite(tmp_path):
    directory = tmp_path / "sample"
    directory.mkdir()
    existing = directory / "hazards.db"
    existing.write_bytes(b"someone's data")
    with pytest.raises(DrafterError) as info:
        create_sqlite(directory, years=())
    assert "hazards.db" in info.value.message and info.value.hint
    assert existing.read_bytes() == b"someone's data"
    assert sorted(p.name for p in directory.iterdir()) == ["hazards.db"]  # nothing else written

    written = create_sqlite(directory, years=(), overwrite=True)
    assert len(written) == len(SYSTEMS)
    assert _one(directory, "hazards", "SELECT COUNT(*) FROM screening") == (0,)


def test_load_reports_rows_per_table(tmp_path):
    counts = sample.load(f"sqlite:///{tmp_path / 'all.db'}", systems=["licensing", "office"], years=(2024,))
    assert (
        counts["permit_application"]
        == TARGETS[2024]["permit_applications"] + TARGETS[2024]["other_permit_applications"]
    )
    assert counts["petition"] == TARGETS[2024]["petitions"]
    assert set(counts) == set(SYSTEMS["licensing"].tables) | set(SYSTEMS["office"].tables)


def test_readme_documents_every_table_column_and_target():
    readme = (Path(__file__).resolve().parents[1] / "sample/README.md").read_text(encoding="utf-8")
    for system in SYSTEMS.values():
        assert f"### {system.name} {system.title}" in readme
        for name, table in system.tables.items():
            section = readme.split(f"#### `{name}` ", 1)[1].split("\n#### ", 1)[0]
            for column in table.columns:
                assert f"| `{column.name}` |" in section, (name, column.name)
    for name, v2024, v2025, _ in sample.FIGURES:
        assert f"| `{name}` | {v2024} | {v2025} |" in readme
