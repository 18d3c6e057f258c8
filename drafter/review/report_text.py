"""The check report as `drafter check` prints it: text made from a CheckReport, kept out of
the data class so the web page, the checklist and the terminal each lay it out their own way."""

from __future__ import annotations

import re
from typing import Any

from drafter.data.runner import FAILED_AT_SOURCE
from drafter.review.batch import BatchCheck
from drafter.review.checker import (
    CONSISTENT,
    MODE_LABELS,
    PARAGRAPHS,
    STATUSES,
    UNBACKED,
    CheckReport,
    FigureCheck,
    UnbackedNumber,
)
from drafter.review.literals import literals_heading
from drafter.review.rollup import RollupResult, plain_number
from drafter.review.rules import rules_count
from drafter.review.tables import TableFinding
from drafter.review.wordings import HAND_EDITED, REWORDED, WordingCheck


def mode_label(report: CheckReport) -> str:
    return MODE_LABELS[report.mode]


def summary(report: CheckReport) -> str:
    counts = report.counts()
    wording = (REWORDED, HAND_EDITED)
    parts = [f"{s} {counts[s]}" for s in STATUSES[:-1] if s not in wording and (counts[s] or s == CONSISTENT)]
    tables = f"；表格和图表 {len(report.tables)} 处" if report.tables else ""
    text = f"{len(report.figures)} 个数字：{'，'.join(parts)}；{UNBACKED} {counts[UNBACKED]} 处{tables}。"
    conditional = [w for w in report.wordings if not w.plain]
    plain = len(report.wordings) - len(conditional)
    if conditional:
        counted = {s: sum(w.status == s for w in conditional) for s in wording}
        changed = "，".join(f"{s} {counted[s]} 处" for s in wording if counted[s] or s == REWORDED)
        text += f"条件措辞 {len(conditional)} 处：{changed}。"
    if plain:
        text += f"模板文字{HAND_EDITED} {plain} 处。"
    if report.rules:
        text += rules_count(report.rules) + "。"
    return text


def render_check(report: CheckReport) -> str:
    """The report as `drafter check` prints it."""
    head = f"核对 {report.draft.name}（{report.unit + '，' if report.unit else ''}{report.period_label}"
    if report.built_at:
        head += f"，生成于 {report.built_at.replace('T', ' ')}"
    if report.refreshed_at:  # a copy `drafter refresh` wrote: its figures are as of then
        head += f"，更新于 {report.refreshed_at.replace('T', ' ')}"
    head += "）"
    lines = [head, f"方式：{mode_label(report)}"]
    if report.mode == PARAGRAPHS:
        lines.append(
            "  草稿中的内容控件或清单已被去掉（WPS、LibreOffice 另存可能如此），只能按段落比对数字，结果仅供参考。"
        )
    lines += [f"注意：{w}" for w in report.warnings]
    lines.append(summary(report))
    for item in report.findings:
        lines.append("")
        if isinstance(item, TableFinding):
            lines.append(f"[{item.status}] {item.text}")
            lines.append(f"  表题：{item.sentence}")
        elif isinstance(item, UnbackedNumber):
            lines.append(f"[{UNBACKED}] {item.text}（{item.part or '正文'}）")
            lines.append(f"  {'位置' if item.cell else '句子'}：{item.cell or item.sentence}")
        elif isinstance(item, WordingCheck):
            lines.append(item.heading)
            if item.part:
                lines.append(f"  部分：{item.part}")
            lines += item.lines()
        else:
            lines.append(f"[{item.status}] {item.id} {item.description}（{item.ref}）")
            if item.part:
                lines.append(f"  部分：{item.part}")
            if item.cell:
                lines.append(f"  位置：{item.cell}")
            else:
                lines.append(f"  句子：{item.sentence}")
            lines.append("  " + "　".join(_values(item)))
        if item.note:
            lines.append(f"  说明：{item.note}")
    for finding in report.rules:
        lines.append("")
        lines += finding.report_lines()
    if report.fixed_numbers:
        lines.append("")
        lines.append(literals_heading(report.fixed_numbers))
        lines += [f"  {n.render()}" for n in report.fixed_numbers]
    if not report.findings and not report.rules:
        lines.append("全部一致。")
    return "\n".join(lines)


def _values(item: FigureCheck) -> list[str]:
    out = [f"草稿：{_shown(item.draft_text)}"]
    if item.built_text is not None:
        out.append(f"生成时：{_shown(item.built_text)}")
    out.append(f"当前数据：{_shown(item.current_text)}")
    return out


def _shown(text: str | None) -> str:
    if text is None:
        return "—"
    return f"“{text}”" if text else "（空）"


def render_rollup(result: RollupResult) -> str:
    """`汇总核对“规则名”（2025年第二季度）：各单位 x 之和 N（k 个单位），y 为 M：一致。` — the values
    recorded when the drafts were built, then as the drafts print them (where edited by hand),
    then those of the current data — or what keeps the sum from being made; then what to know."""
    name = f"“{result.name}”" if result.name else ""
    period = f"（{result.period}）" if result.period else ""
    head = f"汇总核对{name}{period}：各单位 {result.part} 之和"
    if result.total is None or result.whole_value is None:
        lines = [f"{head} 与 {result.whole} 无法比较：" + "；".join(result.problems or ["原因不明"]) + "。"]
    else:
        lines = [
            f"{head} {plain_number(result.total)}（{len(result.parts)} 个单位），{result.whole} 为 "
            f"{plain_number(result.whole_value)}：{_verdict(result.built_ok, result.difference)}"
            + (
                "（按刚生成的各草稿中的值）。"
                if result.just_built
                else "（按各草稿生成或更新时记录的值）。"
                if result.refreshed
                else "（按各草稿生成时记录的值）。"
            )
        ]
        if result.printed_edits and result.printed_total is not None:
            lines.append(
                f"  按草稿中印出的数字（{'；'.join(result.printed_edits)}）：之和 {plain_number(result.printed_total)}，"
                f"{result.whole} 为 {plain_number(result.printed_whole)}："
                f"{_verdict(result.printed_ok, result.printed_difference)}。"
            )
        elif result.printed_edits:
            lines.append(f"  草稿中改过的数字：{'；'.join(result.printed_edits)}。")
        if result.current_ok is not None and result.current_total is not None:
            lines.append(
                f"  按现在的数据：之和 {plain_number(result.current_total)}，{result.whole} 为 "
                f"{plain_number(result.current_whole)}：{_verdict(result.current_ok, result.current_difference)}。"
            )
        elif result.current_blocked:
            lines.append(f"  按现在的数据：无法比较：{'；'.join(result.current_blocked)}。")
        elif not result.just_built:
            lines.append("  未按现在的数据比较（草稿未与数据库核对）。")
    lines += [f"  注意：{p}" for p in result.notes]
    if len(result.set_aside) > 3:  # a folder refreshed whole: one line, not one a unit
        shown = "；".join(result.set_aside[:3])
        lines.append(f"  已略去较早的草稿 {len(result.set_aside)} 份（每个单位只加最新的一份）：{shown} 等")
    else:
        lines += [f"  已略去较早的草稿：{d}" for d in result.set_aside]
    return "\n".join(lines)


def _verdict(ok: bool | None, difference: Any) -> str:
    return "一致" if ok else f"不一致，相差 {plain_number(difference)}"


def render_batch_summary(batch: BatchCheck) -> str:
    """The closing lines of a check of many drafts. A draft some of whose figures could not be
    checked (a query failed) is counted apart, as its exit code (2) counts it."""
    incomplete = batch.incomplete
    with_findings = [r for r in batch.reports if (r.findings or r.rules) and r not in incomplete]
    checked = len(batch.reports) + len(batch.errors)
    consistent = len(batch.reports) - len(with_findings) - len(incomplete)
    partly = f"{len(incomplete)} 份无法完全核对，" if incomplete else ""
    lines = [
        f"共核对 {checked} 份草稿：{consistent} 份全部一致，"
        f"{len(with_findings)} 份有发现，{partly}{len(batch.errors)} 份无法核对；"
        f"查询 {batch.queries_run} 次（另有 {batch.queries_reused} 次与其他草稿相同，未重复查询），"
        f"用时 {batch.elapsed:.1f} 秒。"
    ]
    for report in with_findings:
        unit = f"{report.unit}，" if report.unit else ""
        lines.append(f"  有发现：{report.draft.name}（{unit}{len(report.findings)} 处）")
    lines += [f"  无法完全核对：{unchecked_line(report)}" for report in incomplete]
    for path, error in batch.errors:
        lines.append(f"  无法核对：{path.name}：{error.message}")
    lines += [f"警告：{w}" for w in batch.unmatched_keys]
    lines += [render_rollup(r) for r in batch.rollups]
    return "\n".join(lines)


def unchecked_line(report: CheckReport) -> str:
    """`东区.docx（东区，2 个数字无法核对：<why>；另有 1 处发现）`: a draft checked in part, and why."""
    unchecked = report.unchecked
    reasons = list(dict.fromkeys(f.note for f in unchecked if f.note))
    why = "；".join(reasons[:2]) + (f" 等 {len(reasons)} 条原因" if len(reasons) > 2 else "")
    others = len([f for f in report.findings if f not in unchecked])
    unit = f"{report.unit}，" if report.unit else ""
    more = f"；另有 {others} 处发现" if others else ""
    return f"{report.draft.name}（{unit}{len(unchecked)} 个数字无法核对{'：' + why if why else ''}{more}）"


# A query that failed for its source's own fault, as data/sources.py words it (the server, the
# login, the file, the URL), after what RunResult failures say of the query (QueryFailure.describe).
_UNREACHABLE = re.compile(FAILED_AT_SOURCE.pattern + r"((?:无法连接)?数据源“[^”]+”.*)$")


def unreachable_sources(
    warnings_by_draft: list[list[str]], consequence: str = "相应数字无法核对、未更新"
) -> tuple[list[str], list[list[str]]]:
    """A source that could not be reached fails every query of every draft of a batch alike:
    told once, with how many drafts and queries it kept from running, instead of once a query
    and a draft; each draft keeps its other warnings."""
    counted: dict[str, tuple[set[int], int]] = {}
    rest: list[list[str]] = []
    for i, warnings in enumerate(warnings_by_draft):
        mine = []
        for w in warnings:
            m = _UNREACHABLE.search(w)
            if m is None:
                mine.append(w)
                continue
            drafts, queries = counted.get(m.group(1), (set(), 0))
            counted[m.group(1)] = (drafts | {i}, queries + 1)
        rest.append(mine)
    once = [
        f"{cause}——本批 {len(drafts)} 份草稿用到它的查询因此都未能执行，{consequence}"
        for cause, (drafts, queries) in counted.items()
    ]
    return once, rest
