"""The rollup rule: the units' figures add up to the whole's figure.

    各街镇排查企业主体家次之和 = 全区排查企业主体家次

`rollup(parts, whole)` is the rule itself, on plain values: the sum of the parts, the
difference from the whole, and whether they agree (within `tolerance`). `check_rollup`
applies it to checked drafts: the part figure (by its ref, e.g. `town_screening.screenings`)
in every unit's draft, the whole figure (e.g. `district_screening.screenings`) in a draft
without a unit, or, when the whole is a figure every unit's draft prints, in those drafts
(where it must be the same).

The drafts are taken a period at a time (a folder holding Q1 and Q2 gives two results, never
a mix); of a unit's drafts of one period the newest is taken and the older ones are named as
set aside, and two that cannot be told apart by when they were built are refused. A unit of
the project with no draft of the period is named ("崇明区 缺少草稿") instead of a sum without
it. Two comparisons are made and both told: of the values each manifest recorded when the
draft was built, and, after a check, of the values on the current data; a figure the editors
changed by hand is named in the result.

On the command line: `drafter check output/*.docx --rollup town_screening.screenings=district_screening.screenings`.
The consistency rules of `rules:` (issue 11) can call `rollup()` for a rule of kind
`rollup: {parts: <ref>, whole: <ref>}` over the drafts of a batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from drafter.errors import DrafterError
from drafter.review.checker import CONSISTENT

if TYPE_CHECKING:
    from drafter.review.checker import CheckReport, FigureCheck


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@dataclass
class RollupResult:
    part: str  # ref of the units' figure
    whole: str  # ref of the whole's figure
    parts: dict[str, Any] = field(default_factory=dict)  # unit → value recorded when its draft was built
    whole_value: Any = None
    total: Decimal | None = None
    difference: Decimal | None = None  # total - whole, of the values recorded at build time
    ok: bool = False  # both comparisons agree (the current one where it could be made)
    problems: list[str] = field(default_factory=list)  # why it could not be told, or what to know
    period: str = ""  # 2025年第二季度: the period of the drafts added up
    set_aside: list[str] = field(default_factory=list)  # older drafts of a unit, left out
    missing: list[str] = field(default_factory=list)  # units of the project with no draft of the period
    built_ok: bool | None = None  # the values recorded when the drafts were built
    current_total: Decimal | None = None
    current_whole: Any = None
    current_difference: Decimal | None = None
    current_ok: bool | None = None  # the values on the current data; None: not computed (no check)


@dataclass
class DraftFigures:
    """What a rollup needs of one draft: its unit, period, when it was built, and the values of
    its figures as recorded at build time and, after a check, on the current data."""

    name: str
    unit: str | None
    period: str
    built_at: str | None
    built: dict[str, Any]
    current: dict[str, Any] | None = None  # None: the draft was not checked against the data
    edited: dict[str, str] = field(default_factory=dict)  # ref → status, where not 一致


def figures_of_report(report: CheckReport) -> DraftFigures:
    """A checked draft as a rollup reads it (the first figure of each ref)."""
    built: dict[str, Any] = {}
    current: dict[str, Any] = {}
    edited: dict[str, str] = {}
    for fc in report.figures:
        if fc.ref in built:
            continue
        built[fc.ref] = _value(fc)
        current[fc.ref] = fc.current_value if fc.current_text is not None else None
        if fc.status != CONSISTENT:
            edited[fc.ref] = fc.status
    return DraftFigures(report.draft.name, report.unit, report.period_label, report.built_at, built, current, edited)


def plain_number(value: Any) -> str:
    """A value as the rollup's text shows it: 172436, 1.5 (no exponent, no trailing zeros)."""
    number = _number(value)
    if number is None:
        return str(value)
    return format(number.normalize(), "f") if number == number.to_integral_value() else str(number)


def rollup(parts: Mapping[str, Any], whole: Any, *, tolerance: Any = 0) -> tuple[Decimal, Decimal, bool]:
    """(sum of the parts, sum − whole, whether |sum − whole| ≤ tolerance). Values are numbers
    (int, float, Decimal or their text); anything else raises ValueError naming it."""
    total = Decimal(0)
    for name, value in parts.items():
        number = _number(value)
        if number is None:
            raise ValueError(f"{name} 的值“{value}”不是数字")
        total += number
    whole_number = _number(whole)
    if whole_number is None:
        raise ValueError(f"整体的值“{whole}”不是数字")
    limit = _number(tolerance) or Decimal(0)
    difference = total - whole_number
    return total, difference, abs(difference) <= limit


def _value(fc: FigureCheck) -> Any:
    return fc.built_value if fc.built_text is not None else fc.current_value


def check_rollup(
    reports: Iterable[CheckReport | DraftFigures],
    part: str,
    whole: str,
    *,
    tolerance: Any = 0,
    units: Sequence[str] | None = None,
) -> RollupResult:
    """The rollup rule over the drafts of one period (the newest period when they hold several;
    `check_rollups` gives one result a period)."""
    results = check_rollups(reports, part, whole, tolerance=tolerance, units=units)
    return results[-1]


def check_rollups(
    reports: Iterable[CheckReport | DraftFigures],
    part: str,
    whole: str,
    *,
    tolerance: Any = 0,
    units: Sequence[str] | None = None,
) -> list[RollupResult]:
    """The rollup rule over checked drafts, one result for each period they are of (see the
    module docstring). `units`: all the project's units, so that a unit without a draft is named."""
    drafts = [r if isinstance(r, DraftFigures) else figures_of_report(r) for r in reports]
    return _by_period(drafts, part, whole, tolerance, units)


def _by_period(
    drafts: list[DraftFigures], part: str, whole: str, tolerance: Any, units: Sequence[str] | None
) -> list[RollupResult]:
    periods = list(dict.fromkeys(d.period for d in drafts))
    if not periods:
        result = RollupResult(part, whole)
        result.problems.append("没有可核对的草稿")
        return [result]
    return [_rollup_of_period([d for d in drafts if d.period == p], part, whole, tolerance, units, p) for p in periods]


def _newest(drafts: list[DraftFigures], result: RollupResult) -> dict[str, DraftFigures] | None:
    """The newest draft of each unit; the older ones named in `set_aside`. None (with the
    problem told) when a unit has two drafts that cannot be told apart by when they were built."""
    by_unit: dict[str, list[DraftFigures]] = {}
    for d in drafts:
        if d.unit:
            by_unit.setdefault(d.unit, []).append(d)
    chosen: dict[str, DraftFigures] = {}
    for unit, found in by_unit.items():
        found.sort(key=lambda d: d.built_at or "", reverse=True)
        if len(found) > 1 and (not found[0].built_at or found[0].built_at == found[1].built_at):
            result.problems.append(
                f"单位“{unit}”有多份同期草稿（{'、'.join(d.name for d in found)}），无法判断哪一份是最新的："
                "请只核对其中一份"
            )
            return None
        chosen[unit] = found[0]
        result.set_aside += [f"{d.name}（{unit}，生成于 {d.built_at or '未知'}）" for d in found[1:]]
    return chosen


def _rollup_of_period(
    drafts: list[DraftFigures],
    part: str,
    whole: str,
    tolerance: Any,
    units: Sequence[str] | None,
    period: str,
) -> RollupResult:
    result = RollupResult(part, whole, period=period)
    chosen = _newest(drafts, result)
    if chosen is None:
        return result
    if not chosen:
        result.problems.append("没有按单位生成的草稿（build --each 生成的草稿才记录单位）")
        return result
    result.missing = [u for u in units or [] if u not in chosen]
    parts: dict[str, DraftFigures] = {}
    for unit, d in chosen.items():
        if part not in d.built:
            result.problems.append(f"{d.name}（{unit}）中没有数字 {part}")
        else:
            parts[unit] = d
    result.parts = {unit: d.built[part] for unit, d in parts.items()}
    edited = [f"{unit}（{d.edited[part]}）" for unit, d in parts.items() if part in d.edited]
    if edited:
        result.problems.append(f"这些草稿中的 {part} 不是“一致”：{'、'.join(edited)}")
    holders = [d for d in drafts if not d.unit] or list(chosen.values())
    wholes = [d for d in holders if whole in d.built]
    if not wholes:
        result.problems.append(f"草稿中没有数字 {whole}")
        return result
    distinct = {str(d.built[whole]) for d in wholes}
    if len(distinct) > 1:
        result.problems.append(f"各草稿中的 {whole} 不同（{'、'.join(sorted(distinct))}），取 {wholes[0].name} 的")
    result.whole_value = wholes[0].built[whole]
    if result.missing:
        result.problems += [f"{u} 缺少草稿" for u in result.missing]
        return result  # a sum without them would only mislead
    _compare(result, parts, wholes[0], part, whole, tolerance)
    return result


def _compare(
    result: RollupResult, parts: dict[str, DraftFigures], holder: DraftFigures, part: str, whole: str, tolerance: Any
) -> None:
    """Both comparisons: of the values recorded at build time, and of the current data's."""
    try:
        result.total, result.difference, result.built_ok = rollup(result.parts, result.whole_value, tolerance=tolerance)
    except ValueError as exc:
        result.problems.append(str(exc))
        result.total = None
        return
    if all(d.current is not None for d in parts.values()) and holder.current is not None:
        current = {unit: (d.current or {}).get(part) for unit, d in parts.items()}
        result.current_whole = holder.current.get(whole)
        try:
            result.current_total, result.current_difference, result.current_ok = rollup(
                current, result.current_whole, tolerance=tolerance
            )
        except ValueError as exc:
            result.problems.append(f"按现在的数据无法相加：{exc}")
    result.ok = bool(result.built_ok) and result.current_ok is not False


def parse_rollup(text: str) -> tuple[str, str]:
    """`部分=整体` of `--rollup`, as two figure refs."""
    part, sep, whole = text.partition("=")
    if not sep or not part.strip() or not whole.strip():
        raise DrafterError(
            f"--rollup 的写法不对：“{text}”",
            hint="写成 各单位的数字=整体的数字，如 --rollup town_screening.screenings=district_screening.screenings"
            "（数字的写法见 drafter figures 的“查询”列）。",
        )
    return part.strip(), whole.strip()
