"""The rollup rule: the units' figures add up to the whole's figure.

    各街镇排查企业主体家次之和 = 全区排查企业主体家次

`rollup(parts, whole)` is the rule itself, on plain values: the sum of the parts, the
difference from the whole, and whether they agree (within `tolerance`). `check_rollup`
applies it to checked drafts: the part figure (by its ref, e.g. `town_screening.screenings`)
in every unit's draft, the whole figure (e.g. `district_screening.screenings`) in a draft
without a unit, or, when the whole is a figure every unit's draft prints, in those drafts
(where it must be the same). A draft's value is the raw value its manifest recorded when
it was built (the current data's value when the draft lost its manifest); a figure the
editors changed by hand is named in the result, since the sum is then of the built values.

On the command line: `drafter check output/*.docx --rollup town_screening.screenings=district_screening.screenings`.
The consistency rules of `rules:` (issue 11) can call `rollup()` for a rule of kind
`rollup: {parts: <ref>, whole: <ref>}` over the drafts of a batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from drafter.errors import DrafterError
from drafter.review.checker import CONSISTENT, CheckReport, FigureCheck


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
    parts: dict[str, Any] = field(default_factory=dict)  # unit → value
    whole_value: Any = None
    total: Decimal | None = None
    difference: Decimal | None = None  # total - whole
    ok: bool = False
    problems: list[str] = field(default_factory=list)  # why it could not be told, or what to know


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


def _first(report: CheckReport, ref: str) -> FigureCheck | None:
    return next((f for f in report.figures if f.ref == ref), None)


def check_rollup(reports: Iterable[CheckReport], part: str, whole: str, *, tolerance: Any = 0) -> RollupResult:
    """The rollup rule over checked drafts (see the module docstring)."""
    reports = list(reports)
    result = RollupResult(part, whole)
    unit_reports = [r for r in reports if r.unit]
    if not unit_reports:
        result.problems.append("没有按单位生成的草稿（build --each 生成的草稿才记录单位）")
        return result
    edited = []
    for report in unit_reports:
        assert report.unit is not None
        fc = _first(report, part)
        if fc is None:
            result.problems.append(f"{report.draft.name}（{report.unit}）中没有数字 {part}")
            continue
        if report.unit in result.parts:
            result.problems.append(f"单位“{report.unit}”有不止一份草稿，只计第一份")
            continue
        result.parts[report.unit] = _value(fc)
        if fc.status != CONSISTENT:
            edited.append(f"{report.unit}（{fc.status}）")
    wholes = [(r, _first(r, whole)) for r in reports if not r.unit] or [(r, _first(r, whole)) for r in unit_reports]
    values = [(r, _value(fc)) for r, fc in wholes if fc is not None]
    if not values:
        result.problems.append(f"草稿中没有数字 {whole}")
    else:
        distinct = {str(v) for _, v in values}
        if len(distinct) > 1:
            result.problems.append(
                f"各草稿中的 {whole} 不同（{'、'.join(sorted(distinct))}），取 {values[0][0].draft.name} 的"
            )
        result.whole_value = values[0][1]
    if result.parts and result.whole_value is not None:
        try:
            result.total, result.difference, result.ok = rollup(result.parts, result.whole_value, tolerance=tolerance)
        except ValueError as exc:
            result.problems.append(str(exc))
            result.total = None
    if edited:
        result.problems.append(f"这些草稿中的 {part} 不是“一致”，按生成时的值相加：{'、'.join(edited)}")
    return result


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
