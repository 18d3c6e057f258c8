"""The rollup over a batch of drafts: a period at a time, the newest draft of a unit, every
unit without a draft named, the values recorded at build time and the current data's both
compared; and `build --each` running it over the batch it wrote."""

from __future__ import annotations

import dataclasses

from drafter.review.report_text import render_rollup
from drafter.review.rollup import DraftFigures, check_rollups

PART, WHOLE = "town.n", "district.n"
UNITS = ["黄浦区", "徐汇区", "崇明区"]


def _draft(unit, period, n, whole, built_at="2026-04-02T09:00:00", current=None, name=None):
    built = {PART: n, WHOLE: whole}
    now = None if current is None else {PART: current[0], WHOLE: current[1]}
    return DraftFigures(name or f"{period}-{unit}.docx", unit, period, built_at, built, now)


def test_drafts_of_two_periods_are_two_rollups_never_a_mix():
    drafts = [_draft(u, "2025年第一季度", 10, 30) for u in UNITS]
    drafts += [_draft(u, "2025年第二季度", n, 60) for u, n in zip(UNITS, (20, 25, 15))]
    first, second = check_rollups(drafts, PART, WHOLE, units=UNITS)
    assert (first.period, first.ok, first.total) == ("2025年第一季度", True, 30)
    assert (second.period, second.ok, second.total) == ("2025年第二季度", True, 60)
    assert "（2025年第二季度）" in render_rollup(second)


def test_the_newest_draft_of_a_unit_counts_and_the_older_one_is_named():
    drafts = [_draft(u, "2025年度", 10, 30) for u in UNITS]
    drafts.append(_draft("黄浦区", "2025年度", 99, 30, built_at="2026-01-01T08:00:00", name="旧-黄浦区.docx"))
    (result,) = check_rollups(drafts, PART, WHOLE, units=UNITS)
    assert result.ok and result.parts["黄浦区"] == 10
    assert result.set_aside == ["旧-黄浦区.docx（黄浦区，生成于 2026-01-01T08:00:00）"]
    assert "已略去较早的草稿：旧-黄浦区.docx" in render_rollup(result)


def test_two_drafts_of_a_unit_built_at_the_same_time_are_refused():
    drafts = [_draft(u, "2025年度", 10, 30) for u in UNITS]
    drafts.append(_draft("黄浦区", "2025年度", 11, 30, name="副本.docx"))
    (result,) = check_rollups(drafts, PART, WHOLE, units=UNITS)
    assert not result.ok and result.total is None
    assert "黄浦区" in result.problems[0] and "副本.docx" in result.problems[0]


def test_a_unit_without_a_draft_is_named_not_a_false_difference():
    drafts = [_draft(u, "2025年度", 10, 30) for u in UNITS[:2]]
    (result,) = check_rollups(drafts, PART, WHOLE, units=UNITS)
    assert not result.ok and result.difference is None and result.missing == ["崇明区"]
    text = render_rollup(result)
    assert "崇明区 缺少草稿" in text and "相差" not in text


def test_built_and_current_values_are_both_compared_and_said():
    drafts = [_draft(u, "2025年度", 10, 30, current=(10, 30)) for u in UNITS]
    (result,) = check_rollups(drafts, PART, WHOLE, units=UNITS)
    assert result.ok and result.built_ok and result.current_ok
    assert "按各草稿生成时记录的值" in render_rollup(result) and "按现在的数据" in render_rollup(result)
    drafts[0] = dataclasses.replace(drafts[0], current={PART: 14, WHOLE: 30})  # the data changed since
    (changed,) = check_rollups(drafts, PART, WHOLE, units=UNITS)
    assert changed.built_ok and changed.current_ok is False and not changed.ok
    assert "按现在的数据：之和 34" in render_rollup(changed) and "相差 4" in render_rollup(changed)
    unchecked = [_draft(u, "2025年度", 10, 30) for u in UNITS]
    (plain,) = check_rollups(unchecked, PART, WHOLE, units=UNITS)
    assert plain.ok and plain.current_ok is None and "未按现在的数据比较" in render_rollup(plain)
