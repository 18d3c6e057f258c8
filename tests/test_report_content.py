"""End to end: the shipped config, queries and templates over the sample databases.

A project is copied into a temporary directory with freshly generated sample
databases, drafts are built with `drafter.build` and read back as a reader sees
them (`tests/reading.py`, which includes text inside content controls). The same
drafts built on PostgreSQL and MariaDB are compared with these in test_engines.py.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from conftest import copy_shipped_project
from reading import read_paragraphs

from drafter import build
from drafter.outcome import check_exit_code
from drafter.sample import create_sqlite

HEADINGS = (
    "一、{year}年推进法治政府建设的主要举措和工作成效",
    "二、存在的不足和原因分析",
    "三、主要负责人履行推进法治政府建设第一责任人工作情况",
    "四、{next}年推进法治政府建设主要安排",
)


def seed_phrases() -> list[str]:
    shared = Path(__file__).resolve().parents[2] / "shared/reference/seed_phrases.txt"
    path = shared if shared.exists() else Path(__file__).parent / "data/seed_phrases.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Path:
    """config.yaml of a project whose sample/ holds freshly generated databases."""
    config = copy_shipped_project(tmp_path_factory.mktemp("content") / "project")
    create_sqlite(config.parent / "sample")
    return config


@pytest.fixture(scope="session")
def draft_2025(project) -> list[str]:
    result = build(project, output=project.parent / "draft-2025.docx")
    assert result.year == 2025
    return read_paragraphs(result.path)


@pytest.fixture(scope="session")
def draft_2024(project) -> list[str]:
    result = build(project, year=2024, output=project.parent / "draft-2024.docx")
    assert result.year == 2024
    return read_paragraphs(result.path)


def test_the_2025_draft_contains_every_seed_phrase(draft_2025):
    text = "\n".join(draft_2025)
    phrases = seed_phrases()
    assert len(phrases) == 79
    missing = [p for p in phrases if p not in text]
    assert not missing


def test_no_figure_is_left_as_a_placeholder(draft_2025, draft_2024):
    for paragraphs in (draft_2025, draft_2024):
        assert not [p for p in paragraphs if "待补充" in p]


@pytest.mark.parametrize("draft,year", [("draft_2025", 2025), ("draft_2024", 2024)])
def test_the_four_parts_stand_in_order(request, draft, year):
    paragraphs = request.getfixturevalue(draft)
    headings = [h.format(year=year, next=year + 1) for h in HEADINGS]
    positions = [paragraphs.index(h) for h in headings]
    assert positions == sorted(positions)
    # the outline runs 一 … 四 with 二级 headings and 24 numbered items in part 一
    part_one = paragraphs[positions[0] : positions[1]]
    assert [p.split(".")[0] for p in part_one if re.match(r"\d+\.", p)] == [str(n) for n in range(1, 25)]
    assert sum(1 for p in part_one if re.match(r"（[一二三四五六七八]）", p)) == 8


def test_body_text_uses_full_width_punctuation(draft_2025):
    body = draft_2025[draft_2025.index(HEADINGS[0].format(year=2025)) :]
    for paragraph in body:
        assert not re.search(r"[,;:()]", paragraph), paragraph
        assert '"' not in paragraph


# -- 2024: every figure equals an independent count over the sample rows ------------------


def _q(sample: Path, system: str, sql: str) -> tuple:
    con = sqlite3.connect(sample / f"{system}.db")
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


def _in(column: str, year: int) -> str:
    return f"{column} >= '{year}-01-01' AND {column} < '{year + 1}-01-01'"


def _approx(value: int, unit: int) -> str:
    return f"{value // unit * unit}余"


def _wan(value: int, digits: int) -> str:
    step = 10000 // 10**digits
    whole = Decimal(value // step) / 10**digits
    return f"{whole}万余"


def _wan_yuan(value) -> str:
    return f"{(Decimal(value) / 10000).normalize():f}万元"


def _pct(num: int, den: int, digits: int) -> str:
    value = (Decimal(num) / Decimal(den) * 100).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    return f"{value.normalize():f}%"  # 100%, not 100.0%


def expected_2024(sample: Path) -> list[str]:
    """Phrases of the 2024 draft, each figure counted here with sqlite3, not by the shipped queries."""
    y = 2024
    ciie = _q(
        sample,
        "hazards",
        "SELECT SUM(officer_count), SUM(safety_manager_count), SUM(patrol_staff_count), "
        f"COUNT(*), SUM(hazards_rectified) FROM ciie_patrol WHERE {_in('patrolled_on', y)}",
    )
    screened = _q(sample, "hazards", f"SELECT COUNT(*) FROM screening WHERE {_in('screened_on', y)}")[0]
    found, fixed, major, major_fixed = _q(
        sample,
        "hazards",
        "SELECT COUNT(*), COUNT(rectified_on), SUM(is_major), "
        f"SUM(CASE WHEN is_major = 1 THEN rectified_on IS NOT NULL END) FROM hazard WHERE {_in('found_on', y)}",
    )
    actions = {
        kind: _q(
            sample,
            "hazards",
            "SELECT COUNT(DISTINCT enterprise_id), SUM(fine_amount) "
            f"FROM enforcement_action WHERE action_type = '{kind}' AND {_in('acted_on', y)}",
        )
        for kind in ("责令停产停业", "约谈惩戒", "行政处罚")
    }
    listed, converted = _q(
        sample, "hazards", f"SELECT COUNT(*), COUNT(converted_on) FROM ebike_community WHERE {_in('listed_on', y)}"
    )
    zombies = _q(sample, "hazards", f"SELECT COUNT(*) FROM ebike_zombie_removal WHERE {_in('removed_on', y)}")[0]
    batteries = _q(sample, "hazards", f"SELECT COUNT(*) FROM ebike_battery_test WHERE {_in('tested_on', y)}")[0]
    profiled = _q(
        sample, "enforcement", f"SELECT COUNT(DISTINCT enterprise_id) FROM risk_profile WHERE {_in('profiled_on', y)}"
    )[0]
    permits = _q(
        sample,
        "licensing",
        "SELECT COUNT(*), SUM(decision = '准予许可'), SUM(channel = '全程网办'), "
        "SUM(decided_on <= due_on), SUM(correction_count = 0) FROM permit_application "
        f"WHERE permit_type = '危险化学品经营许可' AND {_in('received_on', y)}",
    )
    accident = _q(
        sample,
        "enforcement",
        "SELECT COUNT(DISTINCT c.id), COUNT(DISTINCT p.case_id), "
        "SUM(p.fine_amount) FROM case_file c LEFT JOIN penalty_decision p ON p.case_id = c.id "
        f"WHERE c.case_source = '事故调查' AND {_in('c.filed_on', y)}",
    )
    responses, hours = _q(
        sample, "disaster", f"SELECT COUNT(*), SUM(duration_hours) FROM warning_response WHERE {_in('started_at', y)}"
    )
    levels = {
        lv: _q(
            sample,
            "disaster",
            f"SELECT COUNT(*) FROM response_level_change WHERE response_level = '{lv}' AND {_in('effective_at', y)}",
        )[0]
        for lv in "ⅣⅢⅡ"
    }
    points = _q(
        sample, "disaster", f"SELECT COUNT(*) FROM storage_point WHERE tier <> '村居' AND {_in('confirmed_on', y)}"
    )[0]
    teams = {
        cat: _q(
            sample,
            "disaster",
            "SELECT COUNT(*), SUM(member_count) FROM rescue_team "
            f"WHERE team_category = '{cat}' AND {_in('filed_on', y)}",
        )
        for cat in ("防汛抢险", "行业专业", "社会救援")
    }
    orgs = _q(
        sample,
        "disaster",
        f"SELECT COUNT(*) FROM rescue_org_application WHERE result = '通过' AND {_in('reviewed_on', y)}",
    )[0]
    trained = _q(
        sample, "disaster", f"SELECT COUNT(DISTINCT officer_id) FROM info_officer_training WHERE {_in('trained_on', y)}"
    )[0]
    awarded = _q(
        sample,
        "disaster",
        "SELECT COUNT(DISTINCT officer_id) FROM info_officer_award "
        f"WHERE award_level = '国家级' AND award_kind = '个人' AND {_in('awarded_on', y)}",
    )[0]
    codes, rated, happy = _q(
        sample,
        "enforcement",
        "SELECT COUNT(*), COUNT(rating), "
        f"SUM(rating IN ('满意', '基本满意')) FROM check_code WHERE {_in('sent_at', y)}",
    )
    insp = _q(
        sample,
        "enforcement",
        "SELECT SUM(officer_count), COUNT(*), COUNT(DISTINCT CASE WHEN "
        "is_key_enterprise = 1 THEN enterprise_id END), SUM(hazards_found), SUM(hazards_cleared) "
        f"FROM inspection WHERE {_in('inspected_on', y)}",
    )
    plan, done = _q(
        sample,
        "enforcement",
        f"SELECT COUNT(*), COUNT(inspection_id) FROM inspection_plan WHERE {_in('planned_on', y)}",
    )
    cases, fines = _q(
        sample,
        "enforcement",
        "SELECT COUNT(DISTINCT c.id), SUM(p.fine_amount) FROM case_file c "
        "LEFT JOIN penalty_decision p ON p.case_id = c.id "
        f"WHERE c.case_source = '执法检查' AND {_in('c.filed_on', y)}",
    )
    assessed = _q(
        sample,
        "enforcement",
        "SELECT COUNT(DISTINCT a.enterprise_id), COUNT(h.id), COUNT(h.rectified_on) "
        "FROM accident_assessment a JOIN assessment_hazard h ON h.assessment_id = a.id "
        f"WHERE {_in('a.assessed_on', y)}",
    )
    waivers = {
        kind: _q(
            sample,
            "enforcement",
            "SELECT COUNT(*), SUM(waived_amount) FROM penalty_waiver "
            f"WHERE waiver_type = '{kind}' AND {_in('decided_on', y)}",
        )
        for kind in ("不予立案", "首违不罚")
    }
    triggered = _q(sample, "enforcement", f"SELECT COUNT(*) FROM triggered_supervision WHERE {_in('handled_on', y)}")[0]
    credit = _q(
        sample,
        "enforcement",
        f"SELECT COUNT(DISTINCT enterprise_id) FROM credit_recommendation WHERE {_in('recommended_on', y)}",
    )[0]
    reviews = _q(
        sample,
        "enforcement",
        f"SELECT COUNT(DISTINCT case_id), COUNT(*) FROM legal_review WHERE {_in('reviewed_on', y)}",
    )
    meetings = _q(sample, "enforcement", f"SELECT COUNT(*) FROM review_meeting WHERE {_in('held_on', y)}")[0]
    discussed = {
        kind: _q(
            sample,
            "enforcement",
            "SELECT COUNT(DISTINCT case_no) FROM collective_discussion "
            f"WHERE discussion_type = '{kind}' AND {_in('discussed_on', y)}",
        )[0]
        for kind in ("重大行政处罚", "轻微免罚")
    }
    hearings = _q(sample, "enforcement", f"SELECT COUNT(*) FROM hearing WHERE {_in('held_on', y)}")[0]
    compliance = _q(sample, "enforcement", f"SELECT COUNT(*) FROM compliance_review WHERE {_in('reviewed_on', y)}")[0]
    proceedings = {
        kind: _q(
            sample,
            "office",
            "SELECT COUNT(*), SUM(instance = '一审' AND concluded_on IS NULL) "
            f"FROM legal_proceeding WHERE proceeding_kind = '{kind}' AND {_in('filed_on', y)}",
        )
        for kind in ("行政复议", "行政诉讼")
    }
    court = _q(
        sample, "office", f"SELECT COUNT(*), SUM(head_appeared) FROM court_appearance WHERE {_in('heard_on', y)}"
    )
    petitions = _q(
        sample,
        "office",
        f"SELECT COUNT(*), COUNT(closed_on), SUM(substantiated) FROM petition WHERE {_in('received_on', y)}",
    )
    rewards = _q(
        sample,
        "office",
        f"SELECT COUNT(DISTINCT petition_id), SUM(amount) FROM petition_reward WHERE {_in('paid_on', y)}",
    )
    ambassadors = _q(sample, "office", f"SELECT COUNT(*) FROM science_ambassador WHERE {_in('selected_on', y)}")[0]
    people, materials = _q(
        sample, "office", f"SELECT SUM(participants), SUM(materials) FROM publicity_event WHERE {_in('held_on', y)}"
    )
    study = _q(
        sample,
        "office",
        f"SELECT COUNT(*) FROM study_session WHERE session_kind LIKE '中心组%' AND {_in('held_on', y)}",
    )[0]
    staff = _q(
        sample,
        "office",
        "SELECT SUM(in_post), SUM(in_post * enforcement_certified), "
        f"SUM(in_post * judicial_exam_passed), SUM(in_post * public_lawyer) FROM staff_roster "
        f"WHERE {_in('snapshot_on', y)}",
    )
    hours_text = f"{Decimal(str(hours)).normalize():f}"
    return [
        f"累计出动执法人员{_approx(ciie[0], 100)}人次，调集各类安全管理人员{ciie[1]}人次，安保巡查人员{ciie[2]}人次，"
        f"开展各类巡查{ciie[3]}轮，联合排查并完成整改各类安全隐患{_approx(ciie[4], 100)}项",
        "举办“2024年青浦区第七届进博会安全保障",
        f"累计排查各类企业主体{_wan(screened, 0)}家次，排查发现安全隐患数{_wan(found, 1)}项，已整改{_wan(fixed, 1)}项，"
        f"整改率{_pct(fixed, found, 2)}；其中重大事故隐患{major}处，已完成整改{major_fixed}处；"
        f"责令停产停业{actions['责令停产停业'][0]}家，约谈惩戒{actions['约谈惩戒'][0]}家，"
        f"处罚单位{actions['行政处罚'][0]}家，罚款{_wan_yuan(actions['行政处罚'][1])}。",
        f"完成{converted}个居民小区充电设施“非改直”改造（覆盖率{_pct(converted, listed, 1)}，全市第三），"
        f"清理僵尸车{zombies}辆、锂电池检测{batteries}辆",
        f"2024年以来，已完成区内{_approx(profiled, 100)}家生产经营单位安全状态“画像”。",
        f"全年共受理危险化学品经营许可申请{permits[0]}件，审批通过{permits[1]}件。"
        f"全程网办率{_pct(permits[2], permits[0], 1)}，按时办结率{_pct(permits[3], permits[0], 1)}，"
        f"首办成功率{_pct(permits[4], permits[0], 0)}。",
        f"全年共立案{accident[0]}起，已对{accident[1]}起事故的相关责任单位及责任人进行行政处罚，"
        f"处罚金额约{_wan_yuan(accident[2])}。",
        "被列为区级2024年度重大行政决策项目",
        f"共启动防汛防台预警响应{responses}次、累计时长{hours_text}小时，其中Ⅳ级响应{levels['Ⅳ']}次，"
        f"Ⅲ级响应{levels['Ⅲ']}次，Ⅱ级响应{levels['Ⅱ']}次。",
        f"落实{points}个区镇级防汛物资储备点位",
        f"组建区、镇、村三级抢险队伍{teams['防汛抢险'][0]}支、共计{_approx(teams['防汛抢险'][1], 100)}人；",
        f"审核通过{orgs}家民非救援组织。目前我区共有行业性专业救援队伍{teams['行业专业'][0]}支，"
        f"社会救援队伍{teams['社会救援'][0]}支。",
        f"组织全区{trained}名灾害信息员参加全市培训",
        f"{awarded}名信息员获全国个人奖",
        f"发送“检查码”{_approx(codes, 100)}条，执法评议满意度{_pct(happy, rated, 1)}。",
        f"全年共出动执法人员{insp[0]}人次，检查企业{insp[1]}家次，其中重点监管企业{insp[2]}家，发现隐患{insp[3]}项，"
        f"消除隐患{insp[4]}项，整改率{_pct(insp[4], insp[3], 1)}，已完成全年执法计划{_pct(done, plan, 1)}；"
        f"共立案{cases}件，处罚金额{_wan_yuan(fines)}。",
        f"结合2023年我区生产安全事故发生的实际情况，开展生产安全事故后评估，共计完成对{assessed[0]}家事故责任单位的评估工作，"
        f"累计排查隐患总数为{assessed[1]}处，整改率{_pct(assessed[2], assessed[1], 1)}。",
        f"今年我局依法不予立案{waivers['不予立案'][0]}起，“首违不罚”{waivers['首违不罚'][0]}起，"
        f"减免处罚金额{_wan_yuan(waivers['不予立案'][1] + waivers['首违不罚'][1])}；",
        f"全年共处理各类触发式监管{triggered}家次；",
        f"推荐我区{credit}家安全生产信用标杆企业",
        f"全年共审核案件{reviews[0]}起，出具{reviews[1]}份法制审核意见书，召开案审会{meetings}次，"
        f"对{discussed['重大行政处罚']}起重大行政处罚案件和{discussed['轻微免罚']}起轻微免罚案件展开集体讨论，"
        f"召开听证会{hearings}起，审核企业及个人合规行为{_approx(compliance, 10)}次。",
        f"全年共被提起行政复议{proceedings['行政复议'][0]}起，行政诉讼{proceedings['行政诉讼'][0]}起，"
        f"除{proceedings['行政诉讼'][1]}起一审案件未审结外，无纠错或败诉案件，"
        f"行政负责人出庭率{_pct(court[1], court[0], 1)}。",
        f"全年共受理人民来信来访{petitions[0]}件，已办结{petitions[1]}件，属实件{petitions[2]}件；"
        f"完成{rewards[0]}件信访属实件的奖励给付，共计发放奖金{rewards[1]}元。",
        f"选拔培育{ambassadors}名“青浦区应急科普推广大使”。",  # nobody honoured in 2024: no “其中…”
        f"全区{(Decimal(people) / 10000).quantize(Decimal('0.1'), ROUND_HALF_UP)}万人次参与系列普法活动，"
        f"发放宣传资料{_approx(materials, 100)}份。",
        f"落实局党委理论学习中心组和扩大会议专题学习{study}次",
        f"目前我局在编在岗{staff[0]}人，{staff[1]}人有行政执法证，通过国家司法考试{staff[2]}人，公职律师{staff[3]}名。",
        "《2024年青浦区应急管理局普法责任清单》",
    ]


def test_the_2024_draft_prints_independently_counted_figures(project, draft_2024):
    text = "\n".join(draft_2024)
    expected = expected_2024(project.parent / "sample")
    missing = [phrase for phrase in expected if phrase not in text]
    assert not missing
    assert "荣获市级“应急科普优秀讲解员”称号" not in text


def test_the_2024_draft_differs_from_2025_in_its_figures(draft_2024, draft_2025):
    assert len(draft_2024) == len(draft_2025)
    changed = [(a, b) for a, b in zip(draft_2024, draft_2025) if a != b]
    assert len(changed) > 20


# -- changing rows changes exactly the figures that depend on them ---------------------------


def test_changed_rows_change_only_their_figures(tmp_path, project, draft_2025):
    config = copy_shipped_project(tmp_path / "project")
    shutil.copytree(project.parent / "sample", config.parent / "sample")
    sample = config.parent / "sample"

    con = sqlite3.connect(sample / "enforcement.db")
    with con:
        con.execute(
            "DELETE FROM inspection WHERE id IN (SELECT id FROM inspection "
            f"WHERE {_in('inspected_on', 2025)} ORDER BY id LIMIT 3)"
        )
    con.close()
    con = sqlite3.connect(sample / "hazards.db")
    with con:
        screening_id, enterprise = con.execute(
            f"SELECT id, enterprise_id FROM screening WHERE {_in('screened_on', 2025)} ORDER BY id DESC"
        ).fetchone()
        con.execute(
            "INSERT INTO hazard (id, screening_id, enterprise_id, found_on, is_major, rectified_on) "
            "VALUES (2025999999, ?, ?, '2025-12-30', 1, NULL)",
            (screening_id, enterprise),
        )
    con.close()

    after = read_paragraphs(build(config, output=tmp_path / "after.docx").path)
    assert len(after) == len(draft_2025)
    changed = {i for i, (a, b) in enumerate(zip(draft_2025, after)) if a != b}
    item = {n: next(i for i, p in enumerate(draft_2025) if p.startswith(f"{n}.")) for n in (6, 16)}
    assert changed == {item[6], item[16]}

    officers, visits, key, found, cleared = _q(
        sample,
        "enforcement",
        "SELECT SUM(officer_count), COUNT(*), COUNT(DISTINCT CASE WHEN is_key_enterprise = 1 "
        f"THEN enterprise_id END), SUM(hazards_found), SUM(hazards_cleared) FROM inspection "
        f"WHERE {_in('inspected_on', 2025)}",
    )
    assert visits == 643
    assert (
        f"全年共出动执法人员{officers}人次，检查企业{visits}家次，其中重点监管企业{key}家，"
        f"发现隐患{found}项，消除隐患{cleared}项，整改率100%"
    ) in after[item[16]]
    assert "其中重大事故隐患226处，已完成整改225处；责令停产停业5家" in after[item[6]]
    # the other figures of both paragraphs stand as they were
    assert _numbers(after[item[16]])[-2:] == _numbers(draft_2025[item[16]])[-2:]
    assert "整改率98.74%" in after[item[6]] and "罚款1187.21万元" in after[item[6]]


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", text)


def test_a_year_the_databases_hold_nothing_for_is_drafted_with_a_warning(project, tmp_path):
    result = build(project, year=2023, output=tmp_path / "2023.docx")
    assert result.warnings == [
        "该年度没有数据：2023 年度的查询结果全部为 0 或空，数据库中可能还没有该年度的数据，"
        "请核对 --year 或 config.yaml 的 report.year。"
    ]
    text = "\n".join(read_paragraphs(result.path))
    assert "一、2023年推进法治政府建设的主要举措和工作成效" in text
    # Counts are 0; a rate over a count of 0 cannot be computed and waits for the editor.
    reasons = {o.reason for o in result.registry.placeholders}
    assert reasons and all(r.startswith("分母 ") and r.endswith(" 为 0") for r in reasons)
    # a computed figure is named by what it is, not by an internal expression
    assert "整改率【待补充：全年执法检查：出动执法人员、检查企业、重点监管企业、发现和消除隐患】" in text
    # The reviewer's check agrees with the data, and says what still waits for a figure.
    from drafter import check

    report = check(result.path, project)
    assert check_exit_code(report) == 0
    [waiting] = [w for w in report.warnings if "【待补充】" in w]
    assert f"仍有 {len(result.registry.placeholders)} 处【待补充】" in waiting
    assert build(project, output=tmp_path / "2025.docx").warnings == []
