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
    assert result.set_aside == ["旧-黄浦区.docx（黄浦区，生成于 2026-01-01 08:00:00）"]
    assert "已略去较早的草稿：旧-黄浦区.docx" in render_rollup(result)
    units = [*UNITS, "静安区"]
    many = [_draft(u, "2025年度", 10, 40) for u in units] + [
        _draft(u, "2025年度", 1, 40, built_at="2026-01-01T08:00:00", name=f"旧-{u}.docx") for u in units
    ]
    (folder,) = check_rollups(many, PART, WHOLE, units=units)  # a folder refreshed whole: one line
    told = [line for line in render_rollup(folder).splitlines() if "已略去" in line]
    assert folder.ok and len(told) == 1 and "已略去较早的草稿 4 份（每个单位只加最新的一份）" in told[0]


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


def test_a_part_a_unit_could_not_print_blocks_the_sum_naming_the_unit_and_why():
    drafts = [_draft(u, "2025年度", 10, 30) for u in UNITS]
    drafts[1].built.pop(PART)
    drafts[1].waiting[PART] = "查询 town 执行出错（原因：division by zero）"
    drafts[2].built.pop(PART)  # the template's condition left it out
    (result,) = check_rollups(drafts, PART, WHOLE, units=UNITS)
    text = render_rollup(result)
    assert not result.ok and result.total is None and result.waiting == ["徐汇区", "崇明区"]
    assert "徐汇区 的 town.n 为【待补充】（查询 town 执行出错（原因：division by zero））" in text
    assert "崇明区 的草稿中没有数字 town.n" in text and "相差" not in text


def test_a_whole_printed_as_a_placeholder_blocks_the_sum():
    drafts = [_draft(u, "2025年度", 10, 30) for u in UNITS]
    for d in drafts:
        d.built.pop(WHOLE)
        d.waiting[WHOLE] = "查询 district 执行出错"
    (result,) = check_rollups(drafts, PART, WHOLE, units=UNITS)
    assert result.total is None and "各草稿中的 district.n 为【待补充】（查询 district 执行出错）" in render_rollup(
        result
    )


def test_a_refreshed_copy_is_newer_than_its_draft_and_ties_name_every_unit():
    drafts = [_draft(u, "2025年度", 10, 30) for u in UNITS]
    copy = _draft("黄浦区", "2025年度", 10, 30, name="黄浦区（更新）.docx")
    copy.refreshed_at = "2026-04-09T10:00:00"
    (result,) = check_rollups([*drafts, copy], PART, WHOLE, units=UNITS)
    assert result.ok and result.set_aside == ["2025年度-黄浦区.docx（黄浦区，生成于 2026-04-02 09:00:00）"]
    assert result.refreshed == 1 and "（按各草稿生成或更新时记录的值）" in render_rollup(result)
    twins = [_draft(u, "2025年度", 10, 30, name=f"副本-{u}.docx") for u in UNITS]
    (tied,) = check_rollups(drafts + twins, PART, WHOLE, units=UNITS)
    assert tied.total is None and all(f"副本-{u}.docx" in tied.problems[0] for u in UNITS)


def test_a_hand_edit_that_is_not_a_plain_number_is_said_not_summed():
    drafts = [_draft(u, "2025年度", 10, 30) for u in UNITS]
    drafts[0].printed[PART] = ("一十二", None)
    drafts[0].edited[PART] = "手工修改"
    (result,) = check_rollups(drafts, PART, WHOLE, units=UNITS)
    text = render_rollup(result)
    assert result.built_ok and result.printed_total is None
    assert "在草稿中为“一十二”，生成时为 10" in text and "按生成时记录的值" in text
    drafts[0].printed[PART] = ("12", 12)
    (summed,) = check_rollups(drafts, PART, WHOLE, units=UNITS)
    assert summed.printed_total == 32 and summed.printed_ok is False and not summed.ok
    assert "按草稿中印出的数字" in render_rollup(summed) and "相差 2" in render_rollup(summed)
