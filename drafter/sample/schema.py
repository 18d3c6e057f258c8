"""Tables of the five sample departmental systems.

Portable SQLAlchemy Core types only (Integer, SmallInteger, String(n), Date,
DateTime, Numeric(14, 2)), so the same rows load into SQLite, PostgreSQL and
MariaDB. Yes/no fields are SmallInteger 0/1. Ids are `year * 1_000_000 + n`, so
the rows of several years share a table without clashing. References between
tables (`inspection_id`, `case_id`, …) are plain integer columns, not declared
foreign keys, as in many operational systems; sample/README.md names each one.
Table names are unique across the systems, so all five may share one database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Column, Date, DateTime, Integer, MetaData, Numeric, SmallInteger, String, Table

# Keeps Chinese text intact on MariaDB whatever the server's default charset.
_MYSQL_CHARSET, _MYSQL_COLLATE = "utf8mb4", "utf8mb4_unicode_ci"


def _id() -> Column:
    return Column("id", Integer, primary_key=True, autoincrement=False)


def _flag(name: str, comment: str) -> Column:
    return Column(name, SmallInteger, nullable=False, default=0, comment=f"{comment}（1 是，0 否）")


def _money(name: str, comment: str, nullable: bool = False) -> Column:
    return Column(name, Numeric(14, 2), nullable=nullable, comment=comment)


def _enterprise() -> tuple[Column, Column]:
    return (
        Column("enterprise_id", String(18), nullable=False, comment="统一社会信用代码"),
        Column("enterprise_name", String(100), nullable=False, comment="单位名称"),
    )


@dataclass
class System:
    """One departmental system: its tables in their own MetaData."""

    name: str
    title: str
    metadata: MetaData = field(default_factory=MetaData)

    @property
    def tables(self) -> dict[str, Table]:
        return dict(self.metadata.tables)

    def table(self, name: str, comment: str, year_column: str, *columns: Column) -> Table:
        """A table whose rows belong to the year of their `year_column`."""
        table = Table(name, self.metadata, _id(), *columns, comment=comment, info={"year_column": year_column},
                      mysql_charset=_MYSQL_CHARSET, mysql_collate=_MYSQL_COLLATE)
        if year_column not in table.columns:
            raise ValueError(f"{name}: no column {year_column}")
        return table


# -- enforcement 统一综合执法系统 -------------------------------------------------------------
enforcement = System("enforcement", "统一综合执法系统")
enforcement.table(
    "inspection", "执法检查（一次检查一行）", "inspected_on",
    Column("inspection_no", String(20), nullable=False, comment="检查编号"),
    *_enterprise(),
    Column("industry", String(20), nullable=False, comment="行业领域"),
    Column("inspected_on", Date, nullable=False, comment="检查日期"),
    _flag("is_key_enterprise", "是否重点监管企业"),
    Column("officer_count", SmallInteger, nullable=False, comment="出动执法人员数"),
    Column("hazards_found", SmallInteger, nullable=False, comment="发现隐患数"),
    Column("hazards_cleared", SmallInteger, nullable=False, comment="消除隐患数"),
)
enforcement.table(
    "inspection_plan", "年度执法计划任务（一项计划检查一行）", "planned_on",
    Column("enterprise_id", String(18), nullable=False, comment="统一社会信用代码"),
    Column("planned_on", Date, nullable=False, comment="计划检查月份（当月1日）"),
    Column("inspection_id", Integer, comment="完成该任务的检查 → inspection.id；未完成为空"),
)
enforcement.table(
    "check_code", "涉企检查“检查码”（发送一条一行）", "sent_at",
    Column("code", String(24), nullable=False, comment="检查码"),
    Column("inspection_id", Integer, nullable=False, comment="→ inspection.id"),
    Column("enterprise_id", String(18), nullable=False, comment="统一社会信用代码"),
    Column("sent_at", DateTime, nullable=False, comment="发送时间"),
    Column("rating", String(8), comment="企业评议：满意/基本满意/不满意；未评议为空"),
    Column("rated_at", DateTime, comment="评议时间"),
)
enforcement.table(
    "case_file", "行政处罚案件（立案一件一行）", "filed_on",
    Column("case_no", String(30), nullable=False, comment="案件编号"),
    *_enterprise(),
    Column("case_source", String(10), nullable=False, comment="案件来源：执法检查/事故调查/举报核查"),
    Column("filed_on", Date, nullable=False, comment="立案日期"),
    Column("closed_on", Date, comment="结案日期"),
    _flag("is_major", "是否重大行政处罚案件"),
)
enforcement.table(
    "penalty_decision", "行政处罚决定（一个当事人一份决定一行）", "decided_on",
    Column("case_id", Integer, nullable=False, comment="→ case_file.id"),
    Column("decision_no", String(30), nullable=False, comment="处罚决定书文号"),
    Column("party_type", String(4), nullable=False, comment="当事人类型：单位/个人"),
    Column("party_name", String(100), nullable=False, comment="当事人"),
    Column("decided_on", Date, nullable=False, comment="决定日期"),
    _money("fine_amount", "罚款金额（元）"),
)
enforcement.table(
    "legal_review", "法制审核意见书（出具一份一行）", "reviewed_on",
    Column("case_id", Integer, nullable=False, comment="→ case_file.id"),
    Column("review_stage", String(10), nullable=False, comment="审核环节：立案/处罚呈批/处罚决定/结案"),
    Column("opinion_no", String(30), nullable=False, comment="审核意见书编号"),
    Column("reviewed_on", Date, nullable=False, comment="审核日期"),
)
enforcement.table(
    "review_meeting", "案审会（召开一次一行）", "held_on",
    Column("meeting_no", String(20), nullable=False, comment="会议编号"),
    Column("held_on", Date, nullable=False, comment="召开日期"),
    Column("chair", String(20), nullable=False, comment="主持人"),
)
enforcement.table(
    "collective_discussion", "集体讨论（讨论一个案件一行）", "discussed_on",
    Column("meeting_id", Integer, nullable=False, comment="→ review_meeting.id"),
    Column("case_no", String(30), nullable=False, comment="案件编号（case_file.case_no 或 penalty_waiver.waiver_no）"),
    Column("discussion_type", String(10), nullable=False, comment="讨论类型：重大行政处罚/轻微免罚"),
    Column("discussed_on", Date, nullable=False, comment="讨论日期"),
)
enforcement.table(
    "hearing", "听证会（举行一次一行）", "held_on",
    Column("case_id", Integer, nullable=False, comment="→ case_file.id"),
    Column("held_on", Date, nullable=False, comment="听证日期"),
    Column("applicant", String(100), nullable=False, comment="申请人"),
)
enforcement.table(
    "penalty_waiver", "不予立案与“首违不罚”决定（一件一行）", "decided_on",
    Column("waiver_no", String(30), nullable=False, comment="决定编号"),
    *_enterprise(),
    Column("waiver_type", String(10), nullable=False, comment="类型：不予立案/首违不罚"),
    Column("decided_on", Date, nullable=False, comment="决定日期"),
    _money("waived_amount", "减免的处罚金额（元）"),
)
enforcement.table(
    "triggered_supervision", "触发式监管事件（一次触发一行）", "handled_on",
    Column("enterprise_id", String(18), nullable=False, comment="统一社会信用代码"),
    Column("trigger_type", String(10), nullable=False, comment="触发类型：许可超期/备案超期/隐患逾期"),
    Column("triggered_at", DateTime, nullable=False, comment="系统预警时间"),
    Column("handled_on", Date, nullable=False, comment="处理日期"),
)
enforcement.table(
    "compliance_review", "企业及个人合规行为审核（一次审核一行）", "reviewed_on",
    Column("subject_type", String(4), nullable=False, comment="对象：企业/个人"),
    Column("subject_name", String(100), nullable=False, comment="审核对象"),
    Column("reviewed_on", Date, nullable=False, comment="审核日期"),
    Column("conclusion", String(10), nullable=False, comment="结论：合规/不合规"),
)
enforcement.table(
    "credit_recommendation", "安全生产信用标杆企业推荐（推荐一家一行）", "recommended_on",
    *_enterprise(),
    Column("recommended_on", Date, nullable=False, comment="推荐日期"),
    Column("batch", String(20), nullable=False, comment="推荐批次"),
)
enforcement.table(
    "accident_assessment", "生产安全事故后评估（评估一家事故责任单位一行）", "assessed_on",
    *_enterprise(),
    Column("accident_on", Date, nullable=False, comment="事故发生日期（上一年度）"),
    Column("assessed_on", Date, nullable=False, comment="评估日期"),
)
enforcement.table(
    "assessment_hazard", "事故后评估中排查出的隐患（一项一行）", "found_on",
    Column("assessment_id", Integer, nullable=False, comment="→ accident_assessment.id"),
    Column("found_on", Date, nullable=False, comment="发现日期"),
    Column("description", String(100), nullable=False, comment="隐患描述"),
    Column("rectified_on", Date, comment="整改完成日期；未整改为空"),
)
enforcement.table(
    "risk_profile", "企业安全状态“画像”（生成一次一行）", "profiled_on",
    Column("enterprise_id", String(18), nullable=False, comment="统一社会信用代码"),
    Column("profiled_on", Date, nullable=False, comment="画像日期"),
    Column("risk_labels", SmallInteger, nullable=False, comment="风险标签数"),
    Column("credit_labels", SmallInteger, nullable=False, comment="信用标签数"),
    Column("supervision_grade", String(1), nullable=False, comment="监管等级：A无感监管/B主动帮扶/C重点抽查/D全量体检"),
)

# -- hazards 隐患排查平台 ---------------------------------------------------------------------
hazards = System("hazards", "隐患排查平台")
hazards.table(
    "screening", "企业主体排查（排查一家次一行）", "screened_on",
    Column("enterprise_id", String(18), nullable=False, comment="统一社会信用代码"),
    Column("screened_on", Date, nullable=False, comment="排查日期"),
    Column("town", String(10), nullable=False, comment="街镇"),
    Column("domain", String(10), nullable=False, comment="重点领域"),
    Column("department", String(20), nullable=False, comment="排查部门"),
)
hazards.table(
    "hazard", "排查发现的安全隐患（一项一行）", "found_on",
    Column("screening_id", Integer, nullable=False, comment="→ screening.id"),
    Column("enterprise_id", String(18), nullable=False, comment="统一社会信用代码"),
    Column("found_on", Date, nullable=False, comment="发现日期"),
    _flag("is_major", "是否重大事故隐患"),
    Column("rectified_on", Date, comment="整改完成日期；未整改为空"),
)
hazards.table(
    "enforcement_action", "执法措施（一项措施一行）", "acted_on",
    *_enterprise(),
    Column("action_type", String(10), nullable=False, comment="措施：责令停产停业/约谈惩戒/行政处罚"),
    Column("acted_on", Date, nullable=False, comment="决定日期"),
    Column("department", String(20), nullable=False, comment="实施部门"),
    _money("fine_amount", "罚款金额（元）；非处罚为空", nullable=True),
)
hazards.table(
    "ebike_community", "电动自行车充电设施“非改直”台账（一个居民小区一行）", "listed_on",
    Column("community_name", String(50), nullable=False, comment="小区名称"),
    Column("town", String(10), nullable=False, comment="街镇"),
    Column("listed_on", Date, nullable=False, comment="纳入年度改造台账日期"),
    Column("converted_on", Date, comment="“非改直”改造完成日期；未完成为空"),
)
hazards.table(
    "ebike_zombie_removal", "僵尸车清理（清理一辆一行）", "removed_on",
    Column("community_id", Integer, nullable=False, comment="→ ebike_community.id"),
    Column("removed_on", Date, nullable=False, comment="清理日期"),
    Column("tag_no", String(20), nullable=False, comment="清理登记号"),
)
hazards.table(
    "ebike_battery_test", "电动自行车锂电池检测（检测一辆一行）", "tested_on",
    Column("community_id", Integer, nullable=False, comment="→ ebike_community.id"),
    Column("tested_on", Date, nullable=False, comment="检测日期"),
    Column("result", String(4), nullable=False, comment="结果：合格/不合格"),
)
hazards.table(
    "ciie_patrol", "进博会安全保障巡查（巡查一轮一行）", "patrolled_on",
    Column("round_no", String(20), nullable=False, comment="巡查轮次编号"),
    Column("patrolled_on", Date, nullable=False, comment="巡查日期"),
    Column("phase", String(4), nullable=False, comment="阶段：布展/展期/撤展"),
    Column("area", String(20), nullable=False, comment="巡查区域"),
    Column("officer_count", SmallInteger, nullable=False, comment="执法人员数"),
    Column("safety_manager_count", SmallInteger, nullable=False, comment="安全管理人员数"),
    Column("patrol_staff_count", SmallInteger, nullable=False, comment="安保巡查人员数"),
    Column("hazards_found", SmallInteger, nullable=False, comment="发现隐患数"),
    Column("hazards_rectified", SmallInteger, nullable=False, comment="完成整改隐患数"),
)

# -- licensing 行政审批系统 -------------------------------------------------------------------
licensing = System("licensing", "行政审批系统")
licensing.table(
    "permit_application", "行政许可申请（一件一行）", "received_on",
    Column("application_no", String(24), nullable=False, comment="申请编号"),
    *_enterprise(),
    Column("permit_type", String(20), nullable=False, comment="许可事项：危险化学品经营许可/烟花爆竹经营许可"),
    Column("application_kind", String(4), nullable=False, comment="申请类别：新办/延续/变更"),
    Column("channel", String(6), nullable=False, comment="办理渠道：全程网办/窗口"),
    Column("received_on", Date, nullable=False, comment="受理日期"),
    Column("due_on", Date, nullable=False, comment="承诺办结日期"),
    Column("decided_on", Date, comment="办结日期；未办结为空"),
    Column("decision", String(6), comment="决定：准予许可/不予许可；未办结为空"),
    Column("correction_count", SmallInteger, nullable=False, comment="补正次数（0 即首次办理成功）"),
)

# -- disaster 防汛防灾平台 --------------------------------------------------------------------
disaster = System("disaster", "防汛防灾平台")
disaster.table(
    "warning_response", "防汛防台预警响应（启动一次一行）", "started_at",
    Column("response_no", String(20), nullable=False, comment="响应编号"),
    Column("hazard_kind", String(6), nullable=False, comment="灾种：暴雨/台风/强对流"),
    Column("started_at", DateTime, nullable=False, comment="启动时间"),
    Column("ended_at", DateTime, nullable=False, comment="解除时间"),
    Column("duration_hours", Numeric(6, 1), nullable=False, comment="响应时长（小时，系统按启动、解除时间记录）"),
)
disaster.table(
    "response_level_change", "响应级别（启动或调整一次一行）", "effective_at",
    Column("response_id", Integer, nullable=False, comment="→ warning_response.id"),
    Column("response_level", String(2), nullable=False, comment="响应级别：Ⅳ/Ⅲ/Ⅱ/Ⅰ"),
    Column("effective_at", DateTime, nullable=False, comment="生效时间"),
)
disaster.table(
    "storage_point", "防汛物资储备点位（年度落实一处一行）", "confirmed_on",
    Column("point_name", String(50), nullable=False, comment="点位名称"),
    Column("tier", String(4), nullable=False, comment="层级：区级/镇级/村居"),
    Column("town", String(10), nullable=False, comment="街镇"),
    Column("confirmed_on", Date, nullable=False, comment="年度落实日期"),
)
disaster.table(
    "rescue_team", "救援队伍（年度备案一支一行）", "filed_on",
    Column("team_name", String(50), nullable=False, comment="队伍名称"),
    Column("team_category", String(10), nullable=False, comment="类别：防汛抢险/行业专业/社会救援"),
    Column("tier", String(4), comment="防汛抢险队伍层级：区级/镇级/村级"),
    Column("town", String(10), nullable=False, comment="街镇"),
    Column("member_count", SmallInteger, nullable=False, comment="队员人数"),
    Column("filed_on", Date, nullable=False, comment="备案日期"),
)
disaster.table(
    "rescue_org_application", "民非救援组织审核（申请一件一行）", "reviewed_on",
    Column("org_name", String(50), nullable=False, comment="组织名称"),
    Column("applied_on", Date, nullable=False, comment="申请日期"),
    Column("reviewed_on", Date, nullable=False, comment="审核日期"),
    Column("result", String(4), nullable=False, comment="审核结果：通过/不通过"),
)
disaster.table(
    "info_officer_training", "灾害信息员参加培训（一人一场一行）", "trained_on",
    Column("officer_id", Integer, nullable=False, comment="灾害信息员编号"),
    Column("officer_name", String(20), nullable=False, comment="姓名"),
    Column("town", String(10), nullable=False, comment="街镇"),
    Column("course", String(30), nullable=False, comment="培训班"),
    Column("trained_on", Date, nullable=False, comment="培训日期"),
)
disaster.table(
    "info_officer_award", "灾害信息员获奖（一项奖一行）", "awarded_on",
    Column("officer_id", Integer, comment="获奖信息员编号；团体奖为空"),
    Column("award_name", String(50), nullable=False, comment="奖项"),
    Column("award_level", String(4), nullable=False, comment="级别：国家级/省级"),
    Column("award_kind", String(4), nullable=False, comment="个人/团体"),
    Column("awarded_on", Date, nullable=False, comment="获奖日期"),
)

# -- office 办公记录 --------------------------------------------------------------------------
office = System("office", "办公记录")
office.table(
    "staff_roster", "年度人员统计（统计时点每人一行）", "snapshot_on",
    Column("snapshot_on", Date, nullable=False, comment="统计时点"),
    Column("staff_no", String(10), nullable=False, comment="工号"),
    Column("staff_name", String(20), nullable=False, comment="姓名"),
    Column("post", String(20), nullable=False, comment="岗位"),
    _flag("in_post", "在编在岗"),
    _flag("enforcement_certified", "持行政执法证"),
    _flag("judicial_exam_passed", "通过国家司法考试（法律职业资格考试）"),
    _flag("public_lawyer", "公职律师"),
)
office.table(
    "study_session", "理论学习（一次学习一行）", "held_on",
    Column("held_on", Date, nullable=False, comment="学习日期"),
    Column("session_kind", String(20), nullable=False, comment="类型：中心组学习/中心组扩大学习/支部学习"),
    Column("topic", String(100), nullable=False, comment="专题"),
    Column("attendees", SmallInteger, nullable=False, comment="参加人数"),
)
office.table(
    "science_ambassador", "应急科普推广大使（选拔一人一行）", "selected_on",
    Column("ambassador_name", String(20), nullable=False, comment="姓名"),
    Column("selected_on", Date, nullable=False, comment="选拔日期"),
    Column("honour", String(50), comment="获得的市级称号；无为空"),
)
office.table(
    "publicity_event", "普法宣传活动（一场一行）", "held_on",
    Column("event_name", String(60), nullable=False, comment="活动名称"),
    Column("campaign", String(20), nullable=False, comment="所属活动：安全生产月/防灾减灾宣传周/…"),
    Column("held_on", Date, nullable=False, comment="举办日期"),
    Column("participants", Integer, nullable=False, comment="参与人次"),
    Column("materials", Integer, nullable=False, comment="发放宣传资料份数"),
)
office.table(
    "petition", "人民来信来访（受理一件一行）", "received_on",
    Column("petition_no", String(20), nullable=False, comment="信访件编号"),
    Column("channel", String(6), nullable=False, comment="渠道：来信/来访/网上信访"),
    Column("subject", String(50), nullable=False, comment="事由"),
    Column("received_on", Date, nullable=False, comment="受理日期"),
    Column("closed_on", Date, comment="办结日期；未办结为空"),
    _flag("substantiated", "反映情况属实"),
)
office.table(
    "petition_reward", "举报奖励给付（给付一笔一行）", "paid_on",
    Column("petition_id", Integer, nullable=False, comment="→ petition.id"),
    Column("paid_on", Date, nullable=False, comment="给付日期"),
    _money("amount", "奖励金额（元）"),
)
office.table(
    "legal_proceeding", "行政复议和行政诉讼（一件一行）", "filed_on",
    Column("case_no", String(30), nullable=False, comment="案号"),
    Column("proceeding_kind", String(4), nullable=False, comment="类别：行政复议/行政诉讼"),
    Column("instance", String(4), comment="审级：一审/二审；复议为空"),
    Column("filed_on", Date, nullable=False, comment="收到复议申请或起诉状日期"),
    Column("concluded_on", Date, comment="审结日期；未审结为空"),
    Column("outcome", String(10), comment="结果：维持/驳回/撤回/撤销/确认违法/责令履行；未审结为空"),
)
office.table(
    "court_appearance", "开庭与行政机关负责人出庭（开庭一次一行）", "heard_on",
    Column("proceeding_id", Integer, nullable=False, comment="→ legal_proceeding.id"),
    Column("heard_on", Date, nullable=False, comment="开庭日期"),
    _flag("head_appeared", "行政机关负责人出庭"),
    Column("appearing_official", String(20), comment="出庭负责人"),
)

SYSTEMS: dict[str, System] = {s.name: s for s in (enforcement, hazards, licensing, disaster, office)}
