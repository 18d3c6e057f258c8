"""Row-level records of the five systems, made to add up to `targets.TARGETS`.

One function a system. Each draws from its own `random.Random` seeded with the
system and the year (never the clock), so `generate(system, year)` returns the
same rows on every machine. Counts that the report prints are taken from the
targets and laid out as individual records: one inspection, one hazard, one
patrol round … a row; amounts and head counts are spread over the rows so that
their sums are exact.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any, Callable

import drafter.sample.names as names
from drafter.sample.targets import TARGETS

Rows = list[dict[str, Any]]


class Gen:
    """The random source and helpers for one system and year."""

    def __init__(self, system: str, year: int):
        if year not in TARGETS:
            raise ValueError(f"no sample targets for {year}; years with targets: {sorted(TARGETS)}")
        self.year = year
        # Counts (and money in whole 元) as ints for range() and sampling; the one figure with
        # a fraction (response hours) is read from `exact`.
        self.exact = TARGETS[year]
        self.t: dict[str, int] = {k: v for k, v in self.exact.items() if isinstance(v, int)}
        self.rng = random.Random(f"drafter-sample/{system}/{year}")
        self.first = dt.date(year, 1, 1)
        self.last = dt.date(year, 12, 31)

    # -- ids and dates --------------------------------------------------------------------------
    def ids(self, rows: Rows) -> Rows:
        """Number rows `year * 1_000_000 + 1, + 2, …` in their current order."""
        base = self.year * 1_000_000
        for n, row in enumerate(rows, 1):
            row["id"] = base + n
        return rows

    def day(self, start: tuple[int, int] = (1, 1), end: tuple[int, int] = (12, 31), workday: bool = True) -> dt.date:
        """A random date of the year between `start` and `end` (month, day), inclusive."""
        lo = dt.date(self.year, *start).toordinal()
        hi = dt.date(self.year, *end).toordinal()
        while True:
            d = dt.date.fromordinal(self.rng.randint(lo, hi))
            if not workday or d.weekday() < 5 or lo == hi:
                return d

    def after(self, d: dt.date, lo: int, hi: int) -> dt.date:
        """A date `lo`..`hi` days after `d`, but not past 31 December."""
        return min(d + dt.timedelta(days=self.rng.randint(lo, hi)), self.last)

    def at(self, d: dt.date, hours: tuple[int, int] = (8, 18)) -> dt.datetime:
        """A time on day `d` between the given hours."""
        minute = self.rng.randint(hours[0] * 60, hours[1] * 60 - 1)
        return dt.datetime(d.year, d.month, d.day, minute // 60, minute % 60)

    # -- exact totals ---------------------------------------------------------------------------
    def spread(self, total: int, n: int, lo: int = 0, hi: int | None = None) -> list[int]:
        """`n` integers in lo..hi, uneven like real records, summing exactly to `total`."""
        if n == 0:
            if total:
                raise ValueError(f"cannot spread {total} over no rows")
            return []
        if total < n * lo or (hi is not None and total > n * hi):
            raise ValueError(f"cannot spread {total} over {n} rows within {lo}..{hi}")
        free = total - n * lo
        weights = [self.rng.expovariate(1.0) for _ in range(n)]
        scale = free / sum(weights)
        cap = hi if hi is not None else total
        parts = [min(lo + int(w * scale), cap) for w in weights]
        short = total - sum(parts)
        room = [i for i in range(n) if parts[i] < cap]
        while short:
            i = self.rng.choice(room)
            step = min(short, cap - parts[i], max(1, short // n))
            parts[i] += step
            short -= step
            if parts[i] == cap:
                room.remove(i)
        return parts

    def chosen(self, n: int, k: int) -> list[bool]:
        """`n` flags of which exactly `k` are true, in random places."""
        if not 0 <= k <= n:
            raise ValueError(f"cannot choose {k} of {n}")
        flags = [True] * k + [False] * (n - k)
        self.rng.shuffle(flags)
        return flags

    def thin(self, values: list[int], total: int) -> list[int]:
        """Values no larger than `values`, summing to `total` (for cleared ≤ found)."""
        out = list(values)
        cut = sum(out) - total
        if cut < 0:
            raise ValueError(f"cannot thin {sum(values)} up to {total}")
        while cut:
            i = self.rng.randrange(len(out))
            if out[i]:
                out[i] -= 1
                cut -= 1
        return out

    def money(self, total: int | Decimal, n: int, lo: int, unit: int) -> list[Decimal]:
        """`n` amounts in 元, multiples of `unit`, at least `lo`, summing to `total`."""
        if total % unit:
            raise ValueError(f"{total} is not a multiple of {unit}")
        units = self.spread(int(total) // unit, n, lo // unit)
        return [Decimal(u * unit) for u in units]


def _by_date(rows: Rows, key: str) -> Rows:
    rows.sort(key=lambda r: r[key])
    return rows


# =============================================================================================
# enforcement 统一综合执法系统
# =============================================================================================

def enforcement(g: Gen) -> dict[str, Rows]:
    t, rng, year = g.t, g.rng, g.year
    pool = list(names.regulated())
    rng.shuffle(pool)
    key_firms = pool[: t["key_enterprises"]]
    other_firms = pool[t["key_enterprises"]: 2400]

    # Inspections: every key enterprise at least once, some twice; the rest elsewhere.
    n = t["inspections"]
    key_visits = key_firms + rng.sample(key_firms, len(key_firms) // 8)
    firms = key_visits + [rng.choice(other_firms) for _ in range(n - len(key_visits))]
    officers = g.spread(t["inspection_officers"], n, lo=2, hi=6)
    found = g.spread(t["inspection_hazards_found"], n, lo=0, hi=9)
    cleared = g.thin(found, t["inspection_hazards_cleared"])
    key_ids = {f.uscc for f in key_firms}
    inspections = _by_date([
        {
            "enterprise_id": f.uscc, "enterprise_name": f.name,
            "industry": f.industry, "inspected_on": g.day(),
            "is_key_enterprise": int(f.uscc in key_ids), "officer_count": officers[i],
            "hazards_found": found[i], "hazards_cleared": cleared[i],
        }
        for i, f in enumerate(firms)
    ], "inspected_on")
    g.ids(inspections)
    for row in inspections:
        row["inspection_no"] = f"JC{year}{row['id'] % 1_000_000:05d}"

    # The year's plan: tasks done by one of the inspections, the rest still open.
    done = rng.sample(inspections, t["plan_tasks_done"])
    plan = [{"enterprise_id": r["enterprise_id"], "planned_on": r["inspected_on"].replace(day=1),
             "inspection_id": r["id"]} for r in done]
    plan += [{"enterprise_id": rng.choice(other_firms).uscc,
              "planned_on": dt.date(year, rng.randint(6, 12), 1), "inspection_id": None}
             for _ in range(t["plan_tasks"] - t["plan_tasks_done"])]
    g.ids(_by_date(plan, "planned_on"))

    # 检查码: sent for most inspections; some rated by the enterprise afterwards.
    coded = _by_date(rng.sample(inspections, t["check_codes"]), "inspected_on")
    rated = g.chosen(len(coded), t["check_codes_rated"])
    satisfied, unhappy = t["check_codes_satisfied"], t["check_codes_rated"] - t["check_codes_satisfied"]
    ratings = ["满意"] * (satisfied - satisfied // 10) + ["基本满意"] * (satisfied // 10) + ["不满意"] * unhappy
    rng.shuffle(ratings)
    rating_iter = iter(ratings)
    check_codes = []
    for insp, is_rated in zip(coded, rated):
        sent = g.at(insp["inspected_on"], (8, 10))
        rating = next(rating_iter) if is_rated else None
        rated_at = None
        if rating:
            rated_at = min(sent + dt.timedelta(hours=rng.randint(2, 72)), dt.datetime(year, 12, 31, 23, 0))
        check_codes.append({
            "code": f"JCM{year}{rng.getrandbits(48):012X}", "inspection_id": insp["id"],
            "enterprise_id": insp["enterprise_id"], "sent_at": sent, "rating": rating, "rated_at": rated_at,
        })
    g.ids(check_codes)

    # Review meetings (案审会) through the year.
    meetings = _by_date([{"held_on": g.day((1, 20), (12, 20)), "chair": rng.choice(names.people("staff", 70)[:4])}
                         for _ in range(t["review_meetings"])], "held_on")
    g.ids(meetings)
    for m in meetings:
        m["meeting_no"] = f"AS{year}-{m['id'] % 1_000_000:02d}"

    # Cases: from inspections, accident investigations, and complaints (the rest reviewed).
    others = t["reviewed_cases"] - t["enforcement_cases"] - t["accident_cases"]
    sources = (["执法检查"] * t["enforcement_cases"] + ["事故调查"] * t["accident_cases"] + ["举报核查"] * others)
    cases: Rows = []
    for source in sources:
        f = rng.choice(pool[:2400])
        cases.append({"enterprise_id": f.uscc, "enterprise_name": f.name, "case_source": source,
                      "filed_on": g.day((1, 5), (10, 31)), "closed_on": None, "is_major": 0})
    g.ids(_by_date(cases, "filed_on"))
    for c in cases:
        c["case_no"] = f"青应急立〔{year}〕{c['id'] % 1_000_000}号"

    penalised = ([c for c in cases if c["case_source"] == "执法检查"]
                 + rng.sample([c for c in cases if c["case_source"] == "事故调查"], t["accident_cases_penalised"])
                 + [c for c in cases if c["case_source"] == "举报核查"])
    major = rng.sample([c for c in penalised if c["case_source"] != "举报核查"], t["major_cases_discussed"])
    discussions: Rows = []
    for c in major:  # a major case is discussed at a meeting held after filing, decided after that
        c["is_major"] = 1
        later = [m for m in meetings if m["held_on"] >= c["filed_on"] + dt.timedelta(days=7)] or meetings[-1:]
        m = rng.choice(later)
        if m["held_on"] < c["filed_on"] + dt.timedelta(days=7):
            c["filed_on"] = max(g.first, m["held_on"] - dt.timedelta(days=rng.randint(7, 30)))
        discussions.append({"meeting_id": m["id"], "case_no": c["case_no"], "discussion_type": "重大行政处罚",
                            "discussed_on": m["held_on"]})
        c["decided_on"] = g.after(m["held_on"], 2, 10)
    for c in penalised:
        c.setdefault("decided_on", g.after(c["filed_on"], 15, 60))

    decisions: Rows = []
    fines = {
        "执法检查": iter(g.money(t["enforcement_case_fines"], t["enforcement_cases"], 5000, 1000)),
        "举报核查": iter(g.money(rng.randint(10, 30) * 1000 * others, others, 3000, 1000)),
    }
    # Accident cases: the unit fined in round ten-thousands, responsible persons by income.
    accident = [c for c in penalised if c["case_source"] == "事故调查"]
    persons = [rng.randint(1, 2) for _ in accident]
    unit_total = int(t["accident_case_fines"]) * 3 // 4 // 10000 * 10000
    unit_fines = iter(g.money(unit_total, len(accident), 100000, 10000))
    person_fines = iter(Decimal(v) for v in g.spread(int(t["accident_case_fines"]) - unit_total, sum(persons), lo=20000))
    for c in penalised:
        if c["case_source"] == "事故调查":
            parties = [("单位", c["enterprise_name"], next(unit_fines))]
            parties += [("个人", rng.choice(names.people("persons", 400)), next(person_fines))
                        for _ in range(persons[accident.index(c)])]
        else:
            parties = [("单位", c["enterprise_name"], next(fines[c["case_source"]]))]
        for party_type, party, amount in parties:
            decisions.append({"case_id": c["id"], "party_type": party_type, "party_name": party,
                              "decided_on": c["decided_on"], "fine_amount": amount})
        closing = c["decided_on"] + dt.timedelta(days=rng.randint(10, 40))
        c["closed_on"] = closing if closing <= g.last else None
    g.ids(_by_date(decisions, "decided_on"))
    for d in decisions:
        d["decision_no"] = f"青应急罚〔{year}〕{d['id'] % 1_000_000}号"

    # 法制审核: every case reviewed at two to four stages, one opinion a stage.
    stages_by_count = {2: ("立案", "处罚决定"), 3: ("立案", "处罚呈批", "处罚决定"),
                       4: ("立案", "处罚呈批", "处罚决定", "结案")}
    reviews: Rows = []
    for c, k in zip(cases, g.spread(t["review_opinions"], len(cases), lo=2, hi=4)):
        end = c.get("decided_on") or g.after(c["filed_on"], 20, 60)
        span = max((end - c["filed_on"]).days, 0)
        for j, stage in enumerate(stages_by_count[k]):
            reviews.append({"case_id": c["id"], "review_stage": stage,
                            "reviewed_on": c["filed_on"] + dt.timedelta(days=span * j // k)})
    g.ids(_by_date(reviews, "reviewed_on"))
    for r in reviews:
        r["opinion_no"] = f"法审〔{year}〕{r['id'] % 1_000_000}号"

    # Hearings on major cases, before the decision.
    hearings = []
    for c in rng.sample(major, t["hearings"]):
        held = max(c["decided_on"] - dt.timedelta(days=rng.randint(3, 8)), c["filed_on"])
        hearings.append({"case_id": c["id"], "held_on": held, "applicant": c["enterprise_name"]})
    g.ids(_by_date(hearings, "held_on"))

    # Non-filing decisions and first-violation waivers; waivers discussed collectively.
    kinds = ["不予立案"] * t["non_filing_decisions"] + ["首违不罚"] * t["first_violation_waivers"]
    amounts = g.money(t["waived_amount"], len(kinds), 2000, 1000)
    waivers: Rows = []
    for kind, amount in zip(kinds, amounts):
        f = rng.choice(other_firms)
        waivers.append({"enterprise_id": f.uscc, "enterprise_name": f.name, "waiver_type": kind,
                        "decided_on": g.day(), "waived_amount": amount})
    light = rng.sample([w for w in waivers if w["waiver_type"] == "首违不罚"], t["light_cases_discussed"])
    for w in light:
        m = rng.choice(meetings)
        w["decided_on"] = g.after(m["held_on"], 1, 5)
        discussions.append({"meeting_id": m["id"], "case_no": None, "discussion_type": "轻微免罚",
                            "discussed_on": m["held_on"], "_waiver": w})
    g.ids(_by_date(waivers, "decided_on"))
    for w in waivers:
        w["waiver_no"] = f"青应急免〔{year}〕{w['id'] % 1_000_000}号"
    for d in discussions:
        if "_waiver" in d:
            d["case_no"] = d.pop("_waiver")["waiver_no"]
    g.ids(_by_date(discussions, "discussed_on"))

    triggered = []
    for _ in range(t["triggered_supervision"]):
        on = g.day((1, 1), (12, 28), workday=False)
        triggered.append({"enterprise_id": rng.choice(pool[:2400]).uscc,
                          "trigger_type": rng.choice(("许可超期", "许可超期", "备案超期", "隐患逾期")),
                          "triggered_at": g.at(on, (0, 24)), "handled_on": g.after(on, 0, 3)})
    g.ids(_by_date(triggered, "handled_on"))

    compliance = []
    for _ in range(t["compliance_reviews"]):
        if rng.random() < 0.8:
            subject_type, subject = "企业", rng.choice(pool).name
        else:
            subject_type, subject = "个人", rng.choice(names.people("persons", 400))
        compliance.append({"subject_type": subject_type, "subject_name": subject, "reviewed_on": g.day(),
                           "conclusion": "合规" if rng.random() < 0.93 else "不合规"})
    g.ids(_by_date(compliance, "reviewed_on"))

    batch_day = g.day((9, 1), (9, 30))
    credit = [{"enterprise_id": f.uscc, "enterprise_name": f.name, "recommended_on": batch_day,
               "batch": f"{year}年第一批"} for f in rng.sample(pool[:2400], t["credit_benchmarks"])]
    g.ids(credit)

    assessments = []
    for f in rng.sample(pool[:2400], t["assessed_enterprises"]):
        accident_on = dt.date(year - 1, rng.randint(1, 12), rng.randint(1, 28))
        assessments.append({"enterprise_id": f.uscc, "enterprise_name": f.name,
                            "accident_on": accident_on, "assessed_on": g.day((3, 1), (10, 31))})
    g.ids(_by_date(assessments, "assessed_on"))
    per_firm = g.spread(t["assessment_hazards"], len(assessments), lo=2, hi=15)
    findings: Rows = []
    for a, k in zip(assessments, per_firm):
        for _ in range(k):
            findings.append({"assessment_id": a["id"], "found_on": a["assessed_on"],
                             "description": rng.choice(_ASSESSMENT_FINDINGS), "rectified_on": None})
    for h, fixed in zip(findings, g.chosen(len(findings), t["assessment_hazards_rectified"])):
        if fixed:
            h["rectified_on"] = g.after(h["found_on"], 5, 45)
    g.ids(_by_date(findings, "found_on"))

    profiled = rng.sample(pool[:3000], t["profiled_enterprises"])
    profiled += rng.sample(profiled, len(profiled) // 12)  # some profiled again later in the year
    grades = "AAAABBBBCCD"
    profiles = [{"enterprise_id": f.uscc, "profiled_on": g.day(), "risk_labels": rng.randint(0, 6),
                 "credit_labels": rng.randint(0, 4), "supervision_grade": rng.choice(grades)} for f in profiled]
    g.ids(_by_date(profiles, "profiled_on"))

    for c in cases:
        c.pop("decided_on", None)
    return {
        "inspection": inspections, "inspection_plan": plan, "check_code": check_codes,
        "case_file": cases, "penalty_decision": decisions, "legal_review": reviews,
        "review_meeting": meetings, "collective_discussion": discussions, "hearing": hearings,
        "penalty_waiver": waivers, "triggered_supervision": triggered, "compliance_review": compliance,
        "credit_recommendation": credit, "accident_assessment": assessments,
        "assessment_hazard": findings, "risk_profile": profiles,
    }


_ASSESSMENT_FINDINGS = (
    "安全操作规程未及时修订", "有限空间作业未落实审批", "动火作业票证不全", "安全培训记录缺失",
    "应急预案未演练", "设备防护装置缺失", "消防通道堵塞", "危险化学品储存不规范",
    "电气线路私拉乱接", "警示标识缺失", "事故整改措施未闭环", "特种作业人员无证上岗",
)


# =============================================================================================
# hazards 隐患排查平台
# =============================================================================================

_DOMAINS = ("厂库房", "危险化学品", "道路交通", "消防", "特种设备", "建设施工", "燃气", "有限空间",
            "粉尘涉爆", "冶金工贸", "人员密集场所", "电动自行车", "水上交通", "农业机械")
_DEPARTMENTS = ("区应急局", "区消防救援支队", "区市场监管局", "区建管委", "区交通委", "区公安分局",
                "区商务委", "区文旅局", "区教育局", "区卫健委", "区民政局", "区农业农村委",
                "区水务局", "区绿化市容局", "区房管局", "区规划资源局", "区国资委")
_CIIE = {"布展": ((10, 20), (11, 4)), "展期": ((11, 5), (11, 10)), "撤展": ((11, 11), (11, 15))}
_CIIE_AREAS = ("国家会展中心周边", "徐泾镇商圈", "华新镇物流园区", "赵巷镇商业综合体", "酒店宾馆",
               "危险化学品企业", "加油加气站", "城市综合体", "轨交站点周边")


def hazards(g: Gen) -> dict[str, Rows]:
    t, rng, year = g.t, g.rng, g.year
    firms = [e.uscc for e in names.enterprises()]
    days = [dt.date.fromordinal(o) for o in range(g.first.toordinal(), g.last.toordinal() + 1)]
    n = t["screenings"]
    choice, choices = rng.choice, rng.choices
    base = year * 1_000_000
    screenings: Rows = [
        {"id": base + i + 1, "enterprise_id": firm, "screened_on": d, "town": town, "domain": domain,
         "department": dept}
        for i, (d, firm, town, domain, dept) in enumerate(zip(
            sorted(choices(days, k=n)), choices(firms, k=n), choices(names.TOWNS, k=n),
            choices(_DOMAINS, k=n), choices(_DEPARTMENTS, k=n)))
    ]

    found_in = sorted(choices(range(n), k=t["hazards_found"]))
    major = g.chosen(len(found_in), t["major_hazards"])
    major_open = t["major_hazards"] - t["major_hazards_rectified"]
    open_total = t["hazards_found"] - t["hazards_rectified"]
    # Hazards still open at year end are mostly the ones found late in the year.
    late = [i for i, j in enumerate(found_in) if screenings[j]["screened_on"] >= dt.date(year, 10, 1)]
    open_major = rng.sample([i for i in late if major[i]], major_open)
    open_minor = rng.sample([i for i in late if not major[i]], open_total - major_open)
    still_open = set(open_major) | set(open_minor)
    hazard_rows: Rows = []
    for i, j in enumerate(found_in):
        s = screenings[j]
        hazard_rows.append({
            "id": base + i + 1, "screening_id": s["id"], "enterprise_id": s["enterprise_id"],
            "found_on": s["screened_on"], "is_major": int(major[i]),
            "rectified_on": None if i in still_open else g.after(s["screened_on"], 0, 30 if not major[i] else 60),
        })

    pool = list(names.enterprises())
    actions = []

    def act(kind: str, firm_count: int, rows: int, fines: list[Decimal] | None = None) -> None:
        chosen = rng.sample(pool, firm_count)
        for k in range(rows):
            f = chosen[k] if k < firm_count else rng.choice(chosen)
            actions.append({"enterprise_id": f.uscc, "enterprise_name": f.name, "action_type": kind,
                            "acted_on": g.day(), "department": rng.choice(_DEPARTMENTS[:8]),
                            "fine_amount": fines[k] if fines else None})

    act("责令停产停业", t["suspended_enterprises"], t["suspended_enterprises"])
    act("约谈惩戒", t["interviewed_enterprises"], t["interviewed_enterprises"] + 1)
    act("行政处罚", t["penalised_units"], t["penalty_actions"],
        g.money(t["hazard_fines"], t["penalty_actions"], 1000, 100))
    g.ids(_by_date(actions, "acted_on"))

    communities = []
    for name, converted in zip(names.community_names(rng, t["ebike_communities"]),
                               g.chosen(t["ebike_communities"], t["ebike_converted"])):
        listed = g.day((1, 2), (3, 31))
        communities.append({"community_name": name, "town": choice(names.TOWNS[:11]), "listed_on": listed,
                            "converted_on": g.after(listed, 30, 240) if converted else None})
    g.ids(_by_date(communities, "listed_on"))
    community_ids = [c["id"] for c in communities]
    k = t["zombie_bikes"]
    removals: Rows = [{"community_id": c, "removed_on": d}
                for c, d in zip(choices(community_ids, k=k), choices(days, k=k))]
    g.ids(_by_date(removals, "removed_on"))
    for r in removals:
        r["tag_no"] = f"JSC{year}{r['id'] % 1_000_000:05d}"
    k = t["battery_tests"]
    tests = [{"community_id": c, "tested_on": d, "result": r} for c, d, r in zip(
        choices(community_ids, k=k), choices(days, k=k), choices(("合格", "不合格"), (96, 4), k=k))]
    g.ids(_by_date(tests, "tested_on"))

    rounds = t["ciie_rounds"]
    phases = [rng.choices(("布展", "展期", "撤展"), (4, 5, 2))[0] for _ in range(rounds)]
    officers = g.spread(t["ciie_officers"], rounds, hi=3)
    managers = g.spread(t["ciie_safety_managers"], rounds, hi=4)
    staff = g.spread(t["ciie_patrol_staff"], rounds, lo=2, hi=20)
    ciie_found = g.spread(t["ciie_hazards"], rounds, hi=30)
    patrols: Rows = [{"patrolled_on": g.day(*_CIIE[p], workday=False), "phase": p, "area": choice(_CIIE_AREAS),
                "officer_count": officers[i], "safety_manager_count": managers[i],
                "patrol_staff_count": staff[i], "hazards_found": ciie_found[i],
                "hazards_rectified": ciie_found[i]} for i, p in enumerate(phases)]
    g.ids(_by_date(patrols, "patrolled_on"))
    for p in patrols:
        p["round_no"] = f"JBXC{year}-{p['id'] % 1_000_000:04d}"

    return {"screening": screenings, "hazard": hazard_rows, "enforcement_action": actions,
            "ebike_community": communities, "ebike_zombie_removal": removals,
            "ebike_battery_test": tests, "ciie_patrol": patrols}


# =============================================================================================
# licensing 行政审批系统
# =============================================================================================

def licensing(g: Gen) -> dict[str, Rows]:
    t, rng, year = g.t, g.rng, g.year
    pool = [e for e in names.regulated() if e.industry == "危险化学品"] + list(names.enterprises()[6000:7000])
    n = t["permit_applications"]
    approved = g.chosen(n, t["permits_approved"])
    online = g.chosen(n, t["permits_online"])
    on_time = g.chosen(n, t["permits_on_time"])
    first_pass = g.chosen(n, t["permits_first_pass"])
    rows: Rows = []
    for i in range(n):
        f = rng.choice(pool)
        received = g.day((1, 2), (11, 20) if on_time[i] else (10, 31))
        due = received + dt.timedelta(days=28)  # 20 working days
        decided = (received + dt.timedelta(days=rng.randint(1, 27)) if on_time[i]
                   else due + dt.timedelta(days=rng.randint(1, 5)))
        rows.append({"enterprise_id": f.uscc, "enterprise_name": f.name, "permit_type": "危险化学品经营许可",
                     "application_kind": rng.choice(("新办", "延续", "延续", "变更")),
                     "channel": "全程网办" if online[i] else "窗口", "received_on": received, "due_on": due,
                     "decided_on": decided, "decision": "准予许可" if approved[i] else "不予许可",
                     "correction_count": 0 if first_pass[i] else rng.randint(1, 2)})
    for _ in range(t["other_permit_applications"]):  # another permit in the same system
        f = rng.choice(pool)
        received = g.day((1, 2), (11, 20))
        rows.append({"enterprise_id": f.uscc, "enterprise_name": f.name, "permit_type": "烟花爆竹经营许可",
                     "application_kind": rng.choice(("新办", "延续")), "channel": rng.choice(("全程网办", "窗口")),
                     "received_on": received, "due_on": received + dt.timedelta(days=28),
                     "decided_on": received + dt.timedelta(days=rng.randint(3, 20)), "decision": "准予许可",
                     "correction_count": rng.choice((0, 0, 0, 1))})
    g.ids(_by_date(rows, "received_on"))
    for r in rows:
        r["application_no"] = f"XK{year}{r['id'] % 1_000_000:06d}"
    return {"permit_application": rows}


# =============================================================================================
# disaster 防汛防灾平台
# =============================================================================================

_LEVELS = ("Ⅳ", "Ⅲ", "Ⅱ", "Ⅰ")
_SOCIAL_TEAMS = ("厚天救援队", "蓝天救援队", "啸翔航空救援队", "海洋王照明救援队", "寰鹰无人机救援队", "安迅物流物资保障队")
_INDUSTRY_TEAMS = ("危险化学品", "燃气抢修", "供电抢修", "供水抢修", "道路抢通", "水上搜救", "医疗救护",
                   "通信保障", "排水抢险", "电梯救援", "工程抢险", "森林火灾")


def disaster(g: Gen) -> dict[str, Rows]:
    t, rng, year = g.t, g.rng, g.year
    counts = {"Ⅳ": t["level_iv_responses"], "Ⅲ": t["level_iii_responses"],
              "Ⅱ": t["level_ii_responses"], "Ⅰ": t["level_i_responses"]}
    escalations = sum(counts.values()) - t["warning_responses"]
    levels: list[list[str]] = []
    for _ in range(escalations):  # a response raised from a lower level to the next one
        low = next(lv for lv in _LEVELS if counts[lv] and any(counts[h] for h in _LEVELS[_LEVELS.index(lv) + 1:]))
        high = next(h for h in _LEVELS[_LEVELS.index(low) + 1:] if counts[h])
        counts[low] -= 1
        counts[high] -= 1
        levels.append([low, high])
    levels += [[lv] for lv in _LEVELS for _ in range(counts[lv])]
    rng.shuffle(levels)
    half_hours = g.spread(int(g.exact["response_hours"] * 2), len(levels), lo=2, hi=96)
    responses: Rows = []
    changes: Rows = []
    for steps, halves in zip(levels, half_hours):
        start = g.at(g.day((5, 20), (10, 10), workday=False), (0, 24))
        hours = Decimal(halves) / 2
        end = start + dt.timedelta(minutes=30 * halves)
        kind = "台风" if halves > 20 else rng.choice(("暴雨", "暴雨", "强对流"))
        responses.append({"hazard_kind": kind, "started_at": start, "ended_at": end, "duration_hours": hours,
                          "_steps": steps})
    g.ids(_by_date(responses, "started_at"))
    for r in responses:
        r["response_no"] = f"FXXY{year}-{r['id'] % 1_000_000:03d}"
        steps = r.pop("_steps")
        for k, lv in enumerate(steps):
            moment = r["started_at"] + (r["ended_at"] - r["started_at"]) * k / len(steps)
            changes.append({"response_id": r["id"], "response_level": lv,
                            "effective_at": moment.replace(second=0, microsecond=0)})
    g.ids(changes)

    points: Rows = [{"point_name": f"青浦区防汛物资储备仓库（{n}号库）", "tier": "区级", "town": "盈浦街道"} for n in (1, 2)]
    towns = list(names.TOWNS)
    rng.shuffle(towns)
    points += [{"point_name": f"{town}防汛物资储备点", "tier": "镇级", "town": town}
               for town in towns[: t["district_town_storage_points"] - 2]]
    for k in range(t["village_storage_points"]):
        town = rng.choice(names.TOWNS[3:11])
        points.append({"point_name": f"{town}第{k + 1}村居防汛物资储备点", "tier": "村居", "town": town})
    for p in points:
        p["confirmed_on"] = g.day((3, 1), (5, 31))
    g.ids(points)

    teams = []
    n_teams = t["flood_teams"]
    district, town_teams = 4, 24
    village = n_teams - district - town_teams
    members = t["flood_team_members"]
    tiers = ([("区级", m) for m in g.spread(100 * district, district, lo=60, hi=150)]
             + [("镇级", m) for m in g.spread(45 * town_teams, town_teams, lo=25, hi=80)]
             + [("村级", m) for m in g.spread(members - 100 * district - 45 * town_teams, village, lo=8, hi=40)])
    for k, (tier, m) in enumerate(tiers):
        town = names.TOWNS[k % 12]
        label = {"区级": f"青浦区防汛抢险队第{k + 1}分队", "镇级": f"{town}防汛抢险队（{k % 2 + 1}）",
                 "村级": f"{town}村居防汛抢险队{k:03d}"}[tier]
        teams.append({"team_name": label, "team_category": "防汛抢险", "tier": tier, "town": town, "member_count": m})
    for k in range(t["industry_teams"]):
        teams.append({"team_name": f"青浦区{_INDUSTRY_TEAMS[k % len(_INDUSTRY_TEAMS)]}专业救援队（{k // len(_INDUSTRY_TEAMS) + 1}）",
                      "team_category": "行业专业", "tier": None, "town": rng.choice(names.TOWNS),
                      "member_count": rng.randint(10, 60)})
    for k in range(t["social_teams"]):
        teams.append({"team_name": _SOCIAL_TEAMS[k], "team_category": "社会救援", "tier": None,
                      "town": rng.choice(names.TOWNS), "member_count": rng.randint(15, 80)})
    for team in teams:
        team["filed_on"] = g.day((1, 10), (4, 30))
    g.ids(teams)

    orgs = [("通过", n) for n in range(t["rescue_orgs_approved"])] + [("不通过", n) for n in range(t["rescue_orgs_rejected"])]
    applications = []
    for result, n in orgs:
        applied = g.day((2, 1), (10, 31))
        applications.append({"org_name": f"青浦区{rng.choice(('平安', '安澜', '青禾', '淀湖', '泖水', '安心'))}应急救援服务中心",
                             "applied_on": applied, "reviewed_on": g.after(applied, 10, 40), "result": result})
    g.ids(_by_date(applications, "applied_on"))

    officer_names = names.people("info-officers", 420)
    trained = sorted(rng.sample(range(420), t["info_officers_trained"]))
    course_day = g.day((4, 10), (4, 30))
    training = [{"officer_id": 10001 + k, "officer_name": officer_names[k], "town": names.TOWNS[k % 12],
                 "course": f"{year}年上海市灾害信息员业务培训班", "trained_on": course_day} for k in trained]
    refresher = g.day((9, 1), (9, 30))
    training += [{**row, "course": f"{year}年灾情统计调查制度专题培训", "trained_on": refresher}
                 for row in rng.sample(training, 25)]
    g.ids(training)
    award_day = g.day((11, 1), (11, 30))
    contest = "全国首届灾害信息员业务技能大赛" if year == 2025 else "全国灾害信息员工作表现突出个人"
    awards = [{"officer_id": 10001 + k, "award_name": f"{contest}个人奖", "award_level": "国家级",
               "award_kind": "个人", "awarded_on": award_day}
              for k in rng.sample(trained, t["info_officer_national_awards"])]
    awards.append({"officer_id": None, "award_name": "团体优胜奖", "award_level": "省级", "award_kind": "团体",
                   "awarded_on": award_day})
    g.ids(awards)

    return {"warning_response": responses, "response_level_change": changes, "storage_point": points,
            "rescue_team": teams, "rescue_org_application": applications,
            "info_officer_training": training, "info_officer_award": awards}


# =============================================================================================
# office 办公记录
# =============================================================================================

_POSTS = ("局领导", "办公室", "法制宣教科", "安全生产监管科", "灾害防治科", "应急管理科", "执法大队", "执法大队", "执法大队")
_STUDY = ("习近平法治思想", "总体国家安全观", "党章及党内法规修订解读", "《习近平法治思想学习问答》",
          "关于安全生产的重要论述", "关于防灾减灾救灾的重要论述", "全面依法治国", "党的二十届四中全会精神",
          "新修订的《突发事件应对法》", "作风建设", "中央八项规定精神", "韧性安全城市建设")
_CAMPAIGNS = {"安全生产月": ((6, 1), (6, 30)), "防灾减灾宣传周": ((5, 10), (5, 16)),
              "全国消防日": ((11, 1), (11, 15)), "宪法宣传周": ((12, 1), (12, 7)), "日常普法": ((1, 5), (12, 20))}
_SUBJECTS = ("举报企业违法生产", "反映安全隐患", "举报无证经营危险化学品", "反映员工安全培训不到位",
             "投诉执法程序", "举报非法储存", "反映消防通道堵塞", "咨询政策")


def office(g: Gen) -> dict[str, Rows]:
    t, rng, year = g.t, g.rng, g.year
    staff_names = names.people("staff", 70)
    in_post = t["staff_in_post"]
    roster = []
    lawyers, exam, certified = t["staff_public_lawyers"], t["staff_judicial_exam"], t["staff_certified"]
    for k in range(in_post + 3):  # three on secondment or leave are listed but not in post
        here = k < in_post
        roster.append({"snapshot_on": dt.date(year, 12, 1), "staff_no": f"QPYJ{k + 1:03d}",
                       "staff_name": staff_names[k], "post": _POSTS[k % len(_POSTS)] if k >= 4 else "局领导",
                       "in_post": int(here),
                       "enforcement_certified": int(here and k < certified),
                       "judicial_exam_passed": int(here and 4 <= k < 4 + exam),
                       "public_lawyer": int(here and 4 <= k < 4 + lawyers)})
    if certified > in_post:
        raise ValueError("more certified staff than staff in post")
    g.ids(roster)

    sessions = [{"held_on": g.day(), "session_kind": rng.choice(("中心组学习", "中心组学习", "中心组扩大学习")),
                 "topic": rng.choice(_STUDY), "attendees": rng.randint(9, 40)} for _ in range(t["study_sessions"])]
    sessions += [{"held_on": g.day(), "session_kind": "支部学习", "topic": rng.choice(_STUDY),
                  "attendees": rng.randint(8, 20)} for _ in range(rng.randint(18, 26))]
    g.ids(_by_date(sessions, "held_on"))

    ambassador_names = names.people("ambassadors", 30)
    chosen_day = g.day((3, 1), (4, 30))
    honours = g.chosen(t["science_ambassadors"], t["ambassador_honours"])
    ambassadors = [{"ambassador_name": ambassador_names[k + (year - 2024) * 12], "selected_on": chosen_day,
                    "honour": "市级“应急科普优秀讲解员”" if honours[k] else None}
                   for k in range(t["science_ambassadors"])]
    g.ids(ambassadors)

    n_events = 30 + rng.randint(0, 12)
    campaigns = [rng.choice(list(_CAMPAIGNS)) for _ in range(n_events)]
    people = g.spread(t["publicity_participants"], n_events, lo=40, hi=3000)
    materials = g.spread(t["publicity_materials"], n_events, hi=600)
    events = [{"event_name": f"{year}年{c}{rng.choice(('主题宣传', '进企业', '进社区', '进校园', '咨询日'))}活动",
               "campaign": c, "held_on": g.day(*_CAMPAIGNS[c], workday=False),
               "participants": people[i], "materials": materials[i]} for i, c in enumerate(campaigns)]
    g.ids(_by_date(events, "held_on"))

    n = t["petitions"]
    closed = g.chosen(n, t["petitions_closed"])
    petitions: Rows = [{"channel": rng.choice(("来信", "来访", "网上信访")), "subject": rng.choice(_SUBJECTS),
                  "received_on": g.day((1, 2), (12, 20)), "closed_on": None, "substantiated": 0}
                 for _ in range(n)]
    for p, is_closed in zip(petitions, closed):
        if is_closed:
            p["closed_on"] = g.after(p["received_on"], 3, 40)
    closed_rows = [p for p in petitions if p["closed_on"]]
    for p in rng.sample(closed_rows, t["petitions_substantiated"]):
        p["substantiated"] = 1
    g.ids(_by_date(petitions, "received_on"))
    for p in petitions:
        p["petition_no"] = f"XF{year}{p['id'] % 1_000_000:04d}"
    rewarded = rng.sample([p for p in petitions if p["substantiated"] and p["closed_on"] < dt.date(year, 12, 1)],
                          t["rewarded_petitions"])
    rewards = [{"petition_id": p["id"], "paid_on": g.after(p["closed_on"], 5, 25), "amount": a}
               for p, a in zip(rewarded, g.money(t["reward_amount"], len(rewarded), 500, 100))]
    g.ids(_by_date(rewards, "paid_on"))

    proceedings: Rows = []
    for k in range(t["reconsiderations"]):
        filed = g.day((1, 5), (10, 31))
        proceedings.append({"proceeding_kind": "行政复议", "instance": None, "filed_on": filed,
                            "concluded_on": g.after(filed, 30, 60), "outcome": rng.choice(("维持", "驳回", "撤回"))})
    pending = g.chosen(t["lawsuits"], t["lawsuits_pending"])
    for k in range(t["lawsuits"]):
        filed = g.day((1, 5), (11, 30))
        instance = "一审" if pending[k] or k % 5 else "二审"
        proceedings.append({"proceeding_kind": "行政诉讼", "instance": instance, "filed_on": filed,
                            "concluded_on": None if pending[k] else g.after(filed, 40, 120),
                            "outcome": None if pending[k] else rng.choice(("驳回", "维持", "撤回"))})
    concluded = [p for p in proceedings if p["outcome"]]
    for p in rng.sample(concluded, t["proceedings_lost"]):
        p["outcome"] = rng.choice(("撤销", "确认违法"))
    g.ids(_by_date(proceedings, "filed_on"))
    for p in proceedings:
        prefix = "青府复" if p["proceeding_kind"] == "行政复议" else "（%d）沪0118行初" % year
        p["case_no"] = f"{prefix}{p['id'] % 1_000_000}号"
    suits = [p for p in proceedings if p["proceeding_kind"] == "行政诉讼"]
    heads = names.people("staff", 70)[:4]
    appearances = []
    for k, appeared in enumerate(g.chosen(t["court_hearings"], t["head_appearances"])):
        p = suits[k % len(suits)]
        appearances.append({"proceeding_id": p["id"], "heard_on": g.after(p["filed_on"], 20, 60),
                            "head_appeared": int(appeared), "appearing_official": rng.choice(heads) if appeared else None})
    g.ids(_by_date(appearances, "heard_on"))

    return {"staff_roster": roster, "study_session": sessions, "science_ambassador": ambassadors,
            "publicity_event": events, "petition": petitions, "petition_reward": rewards,
            "legal_proceeding": proceedings, "court_appearance": appearances}


GENERATORS: dict[str, Callable[[Gen], dict[str, Rows]]] = {
    "enforcement": enforcement, "hazards": hazards, "licensing": licensing,
    "disaster": disaster, "office": office,
}
