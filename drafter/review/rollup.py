"""The rollup rule: the units' figures add up to the whole's figure.

    各街镇排查企业主体家次之和 = 全区排查企业主体家次

`rollup(parts, whole)` is the rule itself, on plain values: the sum of the parts, the
difference from the whole, and whether they agree (within `tolerance`). `check_rollup`
applies it to checked drafts: the part figure (by its ref, e.g. `town_screening.screenings`)
in every unit's draft, the whole figure (e.g. `district_screening.screenings`) in a draft
without a unit, or, when the whole is a figure every unit's draft prints, in those drafts
(where it must be the same).

The drafts are taken a period at a time (a folder holding Q1 and Q2 gives two results, never
a mix); of a unit's drafts of one period the newest is taken (by when its figures were last
written: refreshed, else built, so that `refresh output/` then `check output/` takes the
（更新） copies) and the older ones are named as set aside; drafts that cannot be told apart
are refused, every such unit named. The sum is made only over every unit: a unit of the
project with no draft of the period ("崇明区 缺少草稿"), a unit whose draft prints the part as
【待补充】 (its query failed; why, when known) or not at all, and a whole printed as 【待补充】
all keep it from being made (无法比较), never a sum over the rest. What blocks the sum is told
first; what to know besides (figures changed by hand, differing wholes) after, as notes.

Up to three comparisons are made and told: of the values each manifest recorded when the
draft was built; where editors changed a part or the whole by hand, of what the drafts as
printed add up to (read only where the figure is printed as a plain number); and, after a
check, of the values on the current data.

On the command line: `drafter check output/*.docx --rollup town_screening.screenings=district_screening.screenings`.
A consistency rule `{name: …, part: <ref>, whole: <ref>}` in `rules:` runs over the drafts of
a batch check and of `build --each`; its name heads its result.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from drafter.errors import DrafterError
from drafter.review.checker import CONSISTENT, UNCHECKED

if TYPE_CHECKING:
    from drafter.review.checker import CheckReport, FigureCheck

PLACEHOLDER = "【待补充"  # how a figure the build could not compute is printed
_PLAIN = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?")


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@dataclass(frozen=True)
class RollupRule:
    """One rollup to make: the units' `part` figures add up to the `whole` figure."""

    part: str
    whole: str
    tolerance: Any = 0
    name: str = ""  # the rule's `name:` in config.yaml or rules/; "" for a `--rollup`


@dataclass
class RollupResult:
    part: str  # ref of the units' figure
    whole: str  # ref of the whole's figure
    parts: dict[str, Any] = field(default_factory=dict)  # unit → value recorded when its draft was built
    whole_value: Any = None
    total: Decimal | None = None
    difference: Decimal | None = None  # total - whole, of the values recorded at build time
    ok: bool = False  # every comparison made agrees
    problems: list[str] = field(default_factory=list)  # what keeps the sum from being made
    period: str = ""  # 2025年第二季度: the period of the drafts added up
    set_aside: list[str] = field(default_factory=list)  # older drafts of a unit, left out
    missing: list[str] = field(default_factory=list)  # units of the project with no draft of the period
    built_ok: bool | None = None  # the values recorded when the drafts were built
    refreshed: int = 0  # of the drafts added up, copies `drafter refresh` wrote: their values are as updated
    current_total: Decimal | None = None
    current_whole: Any = None
    current_difference: Decimal | None = None
    current_ok: bool | None = None  # the values on the current data; None: not computed (no check)
    name: str = ""  # the rule's name, where it has one
    notes: list[str] = field(default_factory=list)  # what to know besides (hand edits, differing wholes)
    waiting: list[str] = field(default_factory=list)  # units whose part figure is 【待补充】 or absent
    printed_edits: list[str] = field(default_factory=list)  # figures the drafts print otherwise than built
    printed_total: Decimal | None = None  # the values the drafts print, where editors changed some
    printed_whole: Any = None
    printed_difference: Decimal | None = None
    printed_ok: bool | None = None  # None: nothing changed by hand, or what was typed is not a number
    current_blocked: list[str] = field(default_factory=list)  # figures the check could not compare now
    just_built: bool = False  # over drafts `build --each` has just written: their values are the current data


@dataclass
class DraftFigures:
    """What a rollup needs of one draft: its unit, period, when it was built (and refreshed), and
    the values of its figures as recorded at build time and, after a check, on the current data."""

    name: str
    unit: str | None
    period: str
    built_at: str | None
    built: dict[str, Any]
    current: dict[str, Any] | None = None  # None: the draft was not checked against the data
    edited: dict[str, str] = field(default_factory=dict)  # ref → status, where not 一致
    # ref → why the draft prints 【待补充】 instead of the figure ("" when not known)
    waiting: dict[str, str] = field(default_factory=dict)
    # ref → (what the draft prints, its value when it reads as a plain number), where that is
    # not what the build wrote (an editor's change; "" for a figure deleted)
    printed: dict[str, tuple[str, Decimal | None]] = field(default_factory=dict)
    refreshed_at: str | None = None  # when `drafter refresh` wrote this copy
    unchecked: dict[str, str] = field(default_factory=dict)  # ref → why check could not compare it now

    @property
    def when(self) -> str | None:
        """When the figures were last written: refreshed, else built."""
        return self.refreshed_at or self.built_at


def figures_of_report(report: CheckReport) -> DraftFigures:
    """A checked draft as a rollup reads it (the first figure of each ref)."""
    built: dict[str, Any] = {}
    current: dict[str, Any] = {}
    edited: dict[str, str] = {}
    waiting: dict[str, str] = {}
    printed: dict[str, tuple[str, Decimal | None]] = {}
    unchecked: dict[str, str] = {}
    for fc in report.figures:
        if fc.ref in built or fc.ref in waiting:
            continue
        current[fc.ref] = fc.current_value if fc.current_text is not None else None
        if fc.status == UNCHECKED:
            unchecked[fc.ref] = fc.note or ""
        if _is_placeholder(fc.built_text) or _is_placeholder(fc.draft_text):
            waiting[fc.ref] = fc.note
            continue
        built[fc.ref] = _value(fc)
        if fc.status != CONSISTENT:
            edited[fc.ref] = fc.status
        if fc.built_text is not None and fc.draft_text != fc.built_text:
            printed[fc.ref] = (fc.draft_text or "", _printed_value(fc))
    figures = DraftFigures(report.draft.name, report.unit, report.period_label, report.built_at, built, current)
    figures.edited, figures.waiting, figures.printed = edited, waiting, printed
    figures.refreshed_at = report.refreshed_at
    figures.unchecked = unchecked
    return figures


def _is_placeholder(text: str | None) -> bool:
    return bool(text) and text.strip().startswith(PLACEHOLDER)  # type: ignore[union-attr]


def _plain(text: str | None) -> Decimal | None:
    """`1,234` or `５６` as a number; None for anything else (`1.2万`, `12.5%`, words)."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    return _number(folded.replace(",", "")) if _PLAIN.fullmatch(folded) else None


def _printed_value(fc: FigureCheck) -> Decimal | None:
    """The value an editor's text stands for, read only where the build printed the figure as a
    plain number (its text read the same way gives back the value): `1.2万` could mean anything."""
    built = _plain(fc.built_text)
    if built is None or built != _number(fc.built_value):
        return None
    return _plain(fc.draft_text)


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
    name: str = "",
) -> RollupResult:
    """The rollup rule over the drafts of one period (the newest period when they hold several;
    `check_rollups` gives one result a period)."""
    results = check_rollups(reports, part, whole, tolerance=tolerance, units=units, name=name)
    return results[-1]


def check_rollups(
    reports: Iterable[CheckReport | DraftFigures],
    part: str,
    whole: str,
    *,
    tolerance: Any = 0,
    units: Sequence[str] | None = None,
    name: str = "",
) -> list[RollupResult]:
    """The rollup rule over checked drafts, one result for each period they are of (see the
    module docstring). `units`: all the project's units, so that a unit without a draft is named."""
    drafts = [r if isinstance(r, DraftFigures) else figures_of_report(r) for r in reports]
    rule = RollupRule(part, whole, tolerance, name)
    periods = list(dict.fromkeys(d.period for d in drafts))
    if not periods:
        result = RollupResult(part, whole, name=name)
        result.problems.append("没有可核对的草稿")
        return [result]
    return [_rollup_of_period([d for d in drafts if d.period == p], rule, units, p) for p in periods]


def _instant(stamp: str | None) -> str:
    """An ISO time comparable with another: one with a zone as the local time it stands for."""
    if not stamp:
        return ""
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)
    return when.isoformat(timespec="seconds")


def _recency(d: DraftFigures) -> tuple[str, bool]:
    """When a draft's figures were last written; at the same second, a refreshed copy is the
    newer of the two (a refresh follows what it copies)."""
    return _instant(d.when), d.refreshed_at is not None


def _newest_first(found: list[DraftFigures]) -> list[DraftFigures]:
    return sorted(found, key=_recency, reverse=True)


def _newest(drafts: list[DraftFigures], result: RollupResult) -> dict[str, DraftFigures] | None:
    """The newest draft of each unit; the older ones named in `set_aside`. None (with the
    problem told, every such unit named) when a unit has two drafts that cannot be told apart."""
    by_unit: dict[str, list[DraftFigures]] = {}
    for d in drafts:
        if d.unit:
            by_unit.setdefault(d.unit, []).append(d)
    chosen: dict[str, DraftFigures] = {}
    ambiguous: list[str] = []
    for unit, found in by_unit.items():
        found = _newest_first(found)
        first = found[0]
        if len(found) > 1 and (not first.when or _recency(first) == _recency(found[1])):
            ambiguous.append(f"{unit}（{'、'.join(d.name for d in found)}）")
            continue
        chosen[unit] = first
        result.set_aside += [
            f"{d.name}（{unit}，{'更新于' if d.refreshed_at else '生成于'} {(d.when or '未知').replace('T', ' ')}）"
            for d in found[1:]
        ]
    if ambiguous:
        result.problems.append(
            f"{len(ambiguous)} 个单位有多份同期草稿，无法判断哪一份是最新的：{'；'.join(ambiguous)}。"
            "请每个单位只核对其中一份"
        )
        return None
    return chosen


def _rollup_of_period(
    drafts: list[DraftFigures], rule: RollupRule, units: Sequence[str] | None, period: str
) -> RollupResult:
    result = RollupResult(rule.part, rule.whole, period=period, name=rule.name)
    chosen = _newest(drafts, result)
    if chosen is None:
        return result
    if not chosen:
        result.problems.append("没有按单位生成的草稿（build --each 生成的草稿才记录单位）")
        return result
    # What keeps the sum from being made comes first (a sum without it would only mislead),
    # then what to know besides.
    result.missing = [u for u in units or [] if u not in chosen]
    result.problems += [f"{u} 缺少草稿" for u in result.missing]
    parts = _parts(result, chosen, rule.part, drafts)
    holder = _whole_holder(result, [d for d in drafts if not d.unit] or list(chosen.values()), rule.whole)
    _note_edits(result, parts, holder, rule)
    if result.problems or holder is None:
        return result
    result.parts = {unit: d.built[rule.part] for unit, d in parts.items()}
    result.refreshed = sum(1 for d in parts.values() if d.refreshed_at)
    _compare(result, parts, holder, rule)
    return result


def _why(reasons: Mapping[str, str]) -> str:
    """`（reason）` of placeholders, the same reason said once."""
    said = list(dict.fromkeys(r for r in reasons.values() if r))
    return f"（{'；'.join(said)}）" if said else ""


def _parts(
    result: RollupResult, chosen: dict[str, DraftFigures], part: str, drafts: list[DraftFigures]
) -> dict[str, DraftFigures]:
    """The units' drafts that print the part figure; each one that does not is a problem."""
    waiting = {unit: d.waiting[part] for unit, d in chosen.items() if part in d.waiting}
    absent = [unit for unit, d in chosen.items() if part not in d.built and part not in d.waiting]
    if waiting:
        result.problems.append(f"{'、'.join(waiting)} 的 {part} 为【待补充】{_why(waiting)}")
    if absent and len(absent) == len(chosen):
        known = sorted({ref for d in drafts for ref in (*d.built, *d.waiting)})
        close = difflib.get_close_matches(part, known, n=1)
        result.problems.append(f"各单位的草稿中都没有数字 {part}" + (f"（是否想写“{close[0]}”？）" if close else ""))
    elif absent:
        result.problems.append(f"{'、'.join(absent)} 的草稿中没有数字 {part}（模板没有写出它）")
    result.waiting = [*waiting, *absent]
    return {unit: d for unit, d in chosen.items() if part in d.built}


def _whole_holder(result: RollupResult, holders: list[DraftFigures], whole: str) -> DraftFigures | None:
    """The draft whose whole figure is compared (the newest), the whole's value set; None, with
    the problem told, when no draft prints it."""
    holders = _newest_first(holders)
    found = [d for d in holders if whole in d.built]
    waiting = {d.name: d.waiting[whole] for d in holders if whole in d.waiting}
    if not found:
        where = "各草稿中" if len(waiting) > 1 else f"{next(iter(waiting), '')} 中"
        result.problems.append(
            f"{where}的 {whole} 为【待补充】{_why(waiting)}" if waiting else f"草稿中没有数字 {whole}"
        )
        return None
    if waiting:
        result.notes.append(f"{'、'.join(waiting)} 中的 {whole} 为【待补充】，取 {found[0].name} 的")
    distinct = {str(d.built[whole]) for d in found}
    if len(distinct) > 1:
        result.notes.append(f"各草稿中的 {whole} 不同（{'、'.join(sorted(distinct))}），取 {found[0].name} 的")
    result.whole_value = found[0].built[whole]
    return found[0]


def _note_edits(
    result: RollupResult, parts: dict[str, DraftFigures], holder: DraftFigures | None, rule: RollupRule
) -> None:
    edited = [f"{unit}（{d.edited[rule.part]}）" for unit, d in parts.items() if rule.part in d.edited]
    if edited:
        result.notes.append(f"这些草稿中的 {rule.part} 不是“一致”：{'、'.join(edited)}")
    if holder is not None and rule.whole in holder.edited:
        result.notes.append(f"{holder.name} 中的 {rule.whole} 不是“一致”：{holder.edited[rule.whole]}")


def _compare(result: RollupResult, parts: dict[str, DraftFigures], holder: DraftFigures, rule: RollupRule) -> None:
    """Every comparison that can be made: of the values recorded at build time, of what the
    drafts print where editors changed it, and of the current data's."""
    try:
        result.total, result.difference, result.built_ok = rollup(
            result.parts, result.whole_value, tolerance=rule.tolerance
        )
    except ValueError as exc:
        result.problems.append(str(exc))
        result.total = None
        return
    _compare_printed(result, parts, holder, rule)
    if all(d.current is not None for d in parts.values()) and holder.current is not None:
        current = {unit: (d.current or {}).get(rule.part) for unit, d in parts.items()}
        result.current_whole = holder.current.get(rule.whole)
        result.current_blocked = [
            f"{unit} 的 {rule.part} 无法核对" + (f"（{d.unchecked[rule.part]}）" if d.unchecked[rule.part] else "")
            for unit, d in parts.items()
            if rule.part in d.unchecked
        ]
        if rule.whole in holder.unchecked:
            why = holder.unchecked[rule.whole]
            result.current_blocked.append(f"{holder.name} 中的 {rule.whole} 无法核对" + (f"（{why}）" if why else ""))
        if result.current_blocked:  # a query fails now: the current data cannot be added up
            result.ok = bool(result.built_ok) and result.printed_ok is not False
            return
        try:
            result.current_total, result.current_difference, result.current_ok = rollup(
                current, result.current_whole, tolerance=rule.tolerance
            )
        except ValueError as exc:
            result.notes.append(f"按现在的数据无法相加：{exc}")
    result.ok = bool(result.built_ok) and result.current_ok is not False and result.printed_ok is not False


def _compare_printed(
    result: RollupResult, parts: dict[str, DraftFigures], holder: DraftFigures, rule: RollupRule
) -> None:
    """Where editors changed a part or the whole, what the drafts as printed add up to."""
    changed = {
        f"{unit} 的 {rule.part}": (d.printed[rule.part], d.built[rule.part])
        for unit, d in parts.items()
        if rule.part in d.printed
    }
    if rule.whole in holder.printed:
        changed[f"{holder.name} 的 {rule.whole}"] = (holder.printed[rule.whole], result.whole_value)
    if not changed:
        return
    result.printed_edits = [
        f"{what} 在草稿中为“{text}”，生成时为 {plain_number(built)}" if text else f"{what} 已从草稿中删去"
        for what, ((text, _), built) in changed.items()
    ]
    unread = [what for what, ((_, value), _) in changed.items() if value is None]
    if unread:
        result.notes.append(
            f"{'、'.join(unread)} 在草稿中不是一个数字，无法按草稿中印出的数字相加；上面的和是按生成时记录的值算的"
        )
        return
    values = {
        unit: d.printed[rule.part][1] if rule.part in d.printed else d.built[rule.part] for unit, d in parts.items()
    }
    whole_text = holder.printed.get(rule.whole)
    result.printed_whole = whole_text[1] if whole_text else result.whole_value
    result.printed_total, result.printed_difference, result.printed_ok = rollup(
        values, result.printed_whole, tolerance=rule.tolerance
    )


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
