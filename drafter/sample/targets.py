"""What the sample rows add up to, year by year.

Each line: the figure's name, its 2024 and 2025 values, and the words of the
2025 reference report (青浦区应急管理局关于2025年度法治政府建设情况报告) that
print it. The generator makes row-level records that aggregate to exactly these
values; the 2025 column reproduces the reference report, the 2024 column is a
plausible year of its own. Money is in 元. `TARGETS[year][figure]` is the lookup.
"""

from __future__ import annotations

from decimal import Decimal

#  figure                               2024       2025  reference wording (2025)
FIGURES: list[tuple[str, int | Decimal, int | Decimal, str]] = [
    # enforcement 统一综合执法系统 ----------------------------------------------------------
    ("inspections",                      598,       646, "检查企业646家次"),
    ("inspection_officers",             1302,      1428, "全年共出动执法人员1428人次"),
    ("key_enterprises",                  176,       193, "其中重点监管企业193家（不同企业数）"),
    ("inspection_hazards_found",         794,       861, "发现隐患861项"),
    ("inspection_hazards_cleared",       788,       861, "消除隐患861项，整改率100%"),
    ("plan_tasks",                       560,       600, "全年执法计划任务数"),
    ("plan_tasks_done",                  552,       600, "已完成全年执法计划100%"),
    ("check_codes",                      512,       637, "发送“检查码”600余条"),
    ("check_codes_rated",                380,       421, "企业已评议的检查码"),
    ("check_codes_satisfied",            378,       421, "执法评议满意度100%"),
    ("enforcement_cases",                 12,        14, "共立案14件（来源：执法检查）"),
    ("enforcement_case_fines",        198000,    261000, "处罚金额26.1万元"),
    ("accident_cases",                    23,        26, "全年共立案26起（事故调查）"),
    ("accident_cases_penalised",          21,        24, "已对24起事故的相关责任单位及责任人进行行政处罚"),
    ("accident_case_fines",          7635420,   8942845, "处罚金额约894.2845万元"),
    ("reviewed_cases",                    44,        49, "全年共审核案件49起（其余为举报核查案件）"),
    ("review_opinions",                  115,       128, "出具128份法制审核意见书"),
    ("review_meetings",                   10,        11, "召开案审会11次"),
    ("major_cases_discussed",             21,        24, "对24起重大行政处罚案件……展开集体讨论"),
    ("light_cases_discussed",              3,         4, "和4起轻微免罚案件展开集体讨论"),
    ("hearings",                           2,         1, "召开听证会1起"),
    ("non_filing_decisions",              43,        50, "今年我局依法不予立案50起"),
    ("first_violation_waivers",            3,         4, "“首违不罚”4起"),
    ("waived_amount",                 436000,    521000, "减免处罚金额52.1万元"),
    ("triggered_supervision",            131,       154, "全年共处理各类触发式监管154家次"),
    ("compliance_reviews",               342,       386, "审核企业及个人合规行为380余次"),
    ("credit_benchmarks",                 18,        20, "推荐我区20家安全生产信用标杆企业"),
    ("assessed_enterprises",              10,        12, "共计完成对12家事故责任单位的评估工作"),
    ("assessment_hazards",                71,        83, "累计排查隐患总数为83处"),
    ("assessment_hazards_rectified",      71,        83, "整改率100%"),
    ("profiled_enterprises",            2316,      2538, "已完成区内2500余家生产经营单位安全状态“画像”"),
    # hazards 隐患排查平台 ------------------------------------------------------------------
    ("screenings",                    153284,    172436, "累计排查各类企业主体17万余家次"),
    ("hazards_found",                  62470,     68180, "排查发现安全隐患数6.8万余项"),
    ("hazards_rectified",              61318,     67321, "已整改6.7万余项，整改率98.74%"),
    ("major_hazards",                    198,       225, "其中重大事故隐患225处"),
    ("major_hazards_rectified",          196,       225, "全部完成整改"),
    ("suspended_enterprises",              4,         5, "责令停产停业5家"),
    ("interviewed_enterprises",            9,         7, "约谈惩戒7家"),
    ("penalised_units",                  962,      1045, "处罚单位1045家（不同单位数）"),
    ("penalty_actions",                  993,      1081, "处罚决定数（有的单位被处罚两次）"),
    ("hazard_fines",                10436500,  11872100, "罚款1187.21万元"),
    ("ebike_communities",                480,       493, "纳入“非改直”台账的居民小区"),
    ("ebike_converted",                  401,       457, "完成457个居民小区充电设施“非改直”改造（覆盖率92.7%）"),
    ("zombie_bikes",                    8417,      9812, "清理僵尸车9812辆"),
    ("battery_tests",                  12936,     16468, "锂电池检测16468辆"),
    ("ciie_rounds",                      688,       734, "开展各类巡查734轮"),
    ("ciie_officers",                    284,       326, "累计出动执法人员300余人次"),
    ("ciie_safety_managers",             452,       488, "调集各类安全管理人员488人次"),
    ("ciie_patrol_staff",               4415,      4782, "安保巡查人员4782人次"),
    ("ciie_hazards",                    4106,      4532, "联合排查并完成整改各类安全隐患4500余项"),
    # licensing 行政审批系统 ----------------------------------------------------------------
    ("permit_applications",              586,       640, "全年共受理危险化学品经营许可申请640件"),
    ("permits_approved",                 584,       640, "审批通过640件"),
    ("permits_online",                   579,       640, "全程网办率100%"),
    ("permits_on_time",                  586,       640, "按时办结率100%"),
    ("permits_first_pass",               561,       621, "首办成功率97%"),
    ("other_permit_applications",         41,        37, "烟花爆竹经营许可申请（不计入危化品许可）"),
    # disaster 防汛防灾平台 -----------------------------------------------------------------
    ("warning_responses",                 31,        35, "共启动防汛防台预警响应35次"),
    ("response_hours",       Decimal("162.5"), Decimal("145"), "累计时长145小时"),
    ("level_iv_responses",                22,        25, "其中Ⅳ级响应25次"),
    ("level_iii_responses",                8,         9, "Ⅲ级响应9次"),
    ("level_ii_responses",                 2,         2, "Ⅱ级响应2次（一次响应由Ⅳ级升为Ⅲ级，故各级之和比次数多1）"),
    ("level_i_responses",                  0,         0, "（Ⅰ级响应）"),
    ("district_town_storage_points",      13,        14, "落实14个区镇级防汛物资储备点位"),
    ("village_storage_points",           166,       181, "一村居一处物资储备点"),
    ("flood_teams",                      518,       532, "组建区、镇、村三级抢险队伍532支"),
    ("flood_team_members",              9182,      9436, "共计9400余人"),
    ("industry_teams",                    27,        29, "行业性专业救援队伍29支"),
    ("social_teams",                       4,         5, "社会救援队伍5支"),
    ("rescue_orgs_approved",               2,         4, "审核通过4家民非救援组织"),
    ("rescue_orgs_rejected",               1,         1, "审核未通过的申请"),
    ("info_officers_trained",            372,       385, "组织全区385名灾害信息员参加全市培训"),
    ("info_officer_national_awards",       2,         3, "3名信息员获全国个人奖"),
    # office 办公记录 -----------------------------------------------------------------------
    ("staff_in_post",                     59,        61, "目前我局在编在岗61人"),
    ("staff_certified",                   54,        57, "57人有行政执法证"),
    ("staff_judicial_exam",                2,         3, "通过国家司法考试3人"),
    ("staff_public_lawyers",               2,         2, "公职律师2名"),
    ("study_sessions",                    11,        12, "落实局党委理论学习中心组和扩大会议专题学习12次"),
    ("science_ambassadors",                8,        11, "选拔培育11名“青浦区应急科普推广大使”"),
    ("ambassador_honours",                 0,         1, "其中1人荣获市级“应急科普优秀讲解员”称号"),
    ("publicity_participants",         22040,     24016, "全区2.4万人次参与系列普法活动"),
    ("publicity_materials",             4630,      5046, "发放宣传资料5000余份"),
    ("petitions",                        121,       137, "全年共受理人民来信来访137件"),
    ("petitions_closed",                 118,       117, "已办结117件"),
    ("petitions_substantiated",           47,        56, "属实件56件"),
    ("rewarded_petitions",                 3,         4, "完成4件信访属实件的奖励给付"),
    ("reward_amount",                   3600,      5000, "共计发放奖金5000元"),
    ("reconsiderations",                   4,         5, "全年共被提起行政复议5起"),
    ("lawsuits",                           5,         6, "行政诉讼6起"),
    ("lawsuits_pending",                   1,         2, "除2起一审案件未审结外"),
    ("proceedings_lost",                   0,         0, "无纠错或败诉案件"),
    ("court_hearings",                     3,         4, "开庭次数"),
    ("head_appearances",                   3,         4, "行政负责人出庭率100%"),
]

YEARS = (2024, 2025)
TARGETS: dict[int, dict[str, int | Decimal]] = {
    year: {name: values[i] for name, *values, _ in FIGURES} for i, year in enumerate(YEARS)
}
WORDING: dict[str, str] = {name: words for name, _, _, words in FIGURES}
