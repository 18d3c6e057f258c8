"""Report periods: a year, a half-year, a quarter, a month or an explicit date range.

A `Period` is a value: its kind, its first day (`start`, inclusive) and the day after its
last (`end`, exclusive), so that a query selects `date >= :period_start AND date < :period_end`
whatever the kind. It knows its Chinese label (`2025年第一季度`), the bound parameters it gives
the queries, and the periods a report compares it with: `prev` (the same period a year
earlier, 同比) and `last` (the period just before, 环比).

Written forms (`Period.parse`, `drafter build --period`):

    2025                     年度          2025年度
    2025H1 / 2025H2          半年          2025年上半年 / 2025年下半年
    2025Q1 … 2025Q4          季度          2025年第一季度
    2025-03                  月            2025年3月
    2025-01-01..2025-03-31   日期范围（含两端）  2025年1月1日至3月31日

A project's default period (config.yaml `report.period` / `report.year`) is chosen by
`default_period`: see its docstring.

Supported range: a report period lies within the years 1901–2999 (`MIN_YEAR`–`MAX_YEAR`),
so that the period a year before it (同比) is a real date too; outside it, every way in
(`--period`, `--year`, config.yaml, the web form, a draft's manifest) is refused with one
message. The periods compared with (`prev`, `last`) are derived, never checked: they may
reach back into 1900.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from drafter.errors import ConfigError

PeriodKind = Literal["year", "half", "quarter", "month", "range"]
KINDS: tuple[str, ...] = ("year", "half", "quarter", "month")  # the kinds a project may default to
KIND_LABELS = {"year": "年度", "half": "半年", "quarter": "季度", "month": "月", "range": "日期范围"}

# Names the period binds for the queries; config.yaml `parameters:` may not redefine them.
BUILTIN_PARAMETERS = ("year", "period_start", "period_end", "half", "quarter", "month")

MIN_YEAR, MAX_YEAR = 1901, 2999  # of a report period; its comparisons may reach 1900

ACCEPTED_FORMS = (
    "2025（年度）、2025H1（上半年）、2025Q1（季度）、2025-03（月）、2025-01-01..2025-03-31（日期范围，含两端）"
)

_CN_ORDINAL = {1: "一", 2: "二", 3: "三", 4: "四"}


class PeriodError(ConfigError, ValueError):
    """A period written in a form drafter does not take, or outside the supported years: an
    input error wherever it surfaces (exit 2, one message). A ValueError too, for the
    validators of config.yaml."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("hint", f"报告期须在 {MIN_YEAR}–{MAX_YEAR} 年之间；期间写法见 README 的“报告期间”。")
        super().__init__(message, **kwargs)

    def __str__(self) -> str:
        return self.message  # quoted inside other messages; `render()` adds the hint


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `day`'s month (day must be a first)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _minus_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _check_year(year: int, text: str) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"“{text}”中的年份 {year} 超出范围（支持 {MIN_YEAR}–{MAX_YEAR} 年）")
    return year


@dataclass(frozen=True)
class Period:
    """One report period; `end` is exclusive."""

    kind: PeriodKind
    start: dt.date
    end: dt.date

    # -- constructors ----------------------------------------------------------------------
    @classmethod
    def of_year(cls, year: int) -> Period:
        _check_year(year, str(year))
        return cls("year", dt.date(year, 1, 1), dt.date(year + 1, 1, 1))

    @classmethod
    def of_half(cls, year: int, half: int) -> Period:
        if half not in (1, 2):
            raise PeriodError(f"半年只有 H1、H2，没有 H{half}")
        start = dt.date(_check_year(year, str(year)), 6 * half - 5, 1)
        return cls("half", start, _add_months(start, 6))

    @classmethod
    def of_quarter(cls, year: int, quarter: int) -> Period:
        if quarter not in (1, 2, 3, 4):
            raise PeriodError(f"季度只有 Q1–Q4，没有 Q{quarter}")
        start = dt.date(_check_year(year, str(year)), 3 * quarter - 2, 1)
        return cls("quarter", start, _add_months(start, 3))

    @classmethod
    def of_month(cls, year: int, month: int) -> Period:
        if not 1 <= month <= 12:
            raise PeriodError(f"月份应为 1–12，不是 {month}")
        start = dt.date(_check_year(year, str(year)), month, 1)
        return cls("month", start, _add_months(start, 1))

    @classmethod
    def of_range(cls, first: dt.date, last: dt.date) -> Period:
        """The days from `first` to `last`, both included."""
        if last < first:
            raise PeriodError(f"日期范围的结束日 {last.isoformat()} 早于开始日 {first.isoformat()}")
        _check_year(first.year, first.isoformat())
        _check_year(last.year, last.isoformat())
        return cls("range", first, last + dt.timedelta(days=1))

    @classmethod
    def of_kind(cls, kind: str, year: int, number: int = 1) -> Period:
        """The `number`-th period of `kind` in `year` (1 for a year)."""
        if kind == "year":
            return cls.of_year(year)
        if kind == "half":
            return cls.of_half(year, number)
        if kind == "quarter":
            return cls.of_quarter(year, number)
        if kind == "month":
            return cls.of_month(year, number)
        raise PeriodError(f"未知的期间类型“{kind}”，可用：{'、'.join(KINDS)}")

    @classmethod
    def parse(cls, text: str) -> Period:
        """A period from its written form; PeriodError (in Chinese, listing the forms) otherwise."""
        raw = str(text)
        # Full-width digits and letters typed with a Chinese input method count as their
        # half-width selves; `２０２５Ｑ１` is 2025Q1.
        norm = unicodedata.normalize("NFKC", raw).strip().upper().replace("～", "..").replace("~", "..")
        try:
            return cls._parse(norm)
        except PeriodError as exc:
            raise PeriodError(f"无法识别的期间“{raw}”：{exc}。可用的写法：{ACCEPTED_FORMS}") from exc
        except ValueError as exc:
            raise PeriodError(f"无法识别的期间“{raw}”。可用的写法：{ACCEPTED_FORMS}") from exc

    @classmethod
    def _parse(cls, text: str) -> Period:
        if ".." in text:
            first, _, last = text.partition("..")
            return cls.of_range(_iso_day(first.strip()), _iso_day(last.strip()))
        for letter, make in (("Q", cls.of_quarter), ("H", cls.of_half)):
            if letter in text:
                year, _, number = text.partition(letter)
                return make(_year(year), _whole(number))
        if text.count("-") == 1:
            year, _, month = text.partition("-")
            return cls.of_month(_year(year), _whole(month))
        return cls.of_year(_year(text))

    # -- what it is --------------------------------------------------------------------------
    @property
    def year(self) -> int:
        return self.start.year

    @property
    def half(self) -> int | None:
        return (self.start.month + 5) // 6 if self.kind == "half" else None

    @property
    def quarter(self) -> int | None:
        return (self.start.month + 2) // 3 if self.kind == "quarter" else None

    @property
    def month(self) -> int | None:
        return self.start.month if self.kind == "month" else None

    @property
    def last_day(self) -> dt.date:
        """The period's last day (inclusive), for `截至3月31日`."""
        return self.end - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def code(self) -> str:
        """The written form `parse` reads back: 2025, 2025H1, 2025Q1, 2025-03, 2025-01-01..2025-03-31."""
        if self.kind == "year":
            return str(self.year)
        if self.kind == "half":
            return f"{self.year}H{self.half}"
        if self.kind == "quarter":
            return f"{self.year}Q{self.quarter}"
        if self.kind == "month":
            return f"{self.year}-{self.month:02d}"
        return f"{self.start.isoformat()}..{self.last_day.isoformat()}"

    @property
    def label(self) -> str:
        """The period as a report names it: 2025年度, 2025年上半年, 2025年第一季度, 2025年3月,
        2025年1月1日至3月31日 (the end's year written only when it differs)."""
        if self.kind == "year":
            return f"{self.year}年度"
        if self.kind == "half":
            return f"{self.year}年{'上' if self.half == 1 else '下'}半年"
        if self.kind == "quarter":
            return f"{self.year}年第{_CN_ORDINAL[self.quarter or 1]}季度"
        if self.kind == "month":
            return f"{self.year}年{self.month}月"
        first, last = self.start, self.last_day
        end = f"{last.month}月{last.day}日" if last.year == first.year else f"{last.year}年{last.month}月{last.day}日"
        return f"{first.year}年{first.month}月{first.day}日至{end}"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    # -- neighbours ---------------------------------------------------------------------------
    @property
    def prev(self) -> Period:
        """The same period one year earlier (同比)."""
        if self.kind == "range":  # derived, so not checked against the supported years
            return Period("range", _minus_year(self.start), _minus_year(self.last_day) + dt.timedelta(days=1))
        return Period(self.kind, _minus_year(self.start), _minus_year(self.end))

    @property
    def last(self) -> Period:
        """The period just before (环比): the previous year, half, quarter or month; for a date
        range of whole months, as many months before it; for another range, as many days."""
        if self.kind == "range":
            if self.start.day == 1 and self.end.day == 1:  # whole months: as many months before
                span = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
                return Period("range", _add_months(self.start, -span), self.start)
            return Period("range", self.start - dt.timedelta(days=self.days), self.start)
        months = {"year": 12, "half": 6, "quarter": 3, "month": 1}[self.kind]
        return Period(self.kind, _add_months(self.start, -months), self.start)

    def shifted(self, which: str) -> Period:
        """`prev` or `last`."""
        if which == "prev":
            return self.prev
        if which == "last":
            return self.last
        raise ValueError(f"unknown comparison {which!r}")

    # -- for queries and manifests --------------------------------------------------------------
    def parameters(self) -> dict[str, Any]:
        """The bound parameters of this period: :year, :period_start, :period_end (exclusive),
        and :half / :quarter / :month for a period of that kind."""
        params: dict[str, Any] = {"year": self.year, "period_start": self.start, "period_end": self.end}
        for name in ("half", "quarter", "month"):
            value = getattr(self, name)
            if value is not None:
                params[name] = value
        return params

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "code": self.code,
            "label": self.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }

    @classmethod
    def from_json(cls, data: Any) -> Period | None:
        """The period a manifest recorded, or None when it recorded none it can read."""
        if not isinstance(data, dict):
            return None
        try:
            kind, start, end = data["kind"], dt.date.fromisoformat(data["start"]), dt.date.fromisoformat(data["end"])
        except (KeyError, TypeError, ValueError):
            return None
        if kind not in KIND_LABELS or end <= start:
            return None
        period = cls(kind, start, end)
        for day in (start, period.last_day):
            _check_year(day.year, f"草稿清单记录的期间 {period.label}")
        if kind != "range" and Period.parse(period.code) != period:
            return None
        return period

    def __str__(self) -> str:
        return self.label


# A period as a caller names one: a Period, a year (2025) or its written form ("2025Q3").
PeriodLike = Period | int | str


def as_period(value: PeriodLike | None) -> Period | None:
    """The one reading of a period a caller names (the command line, the web form, the library's
    `period=` and `year=`): a Period as it is, a year its year period, a text its written form;
    None for none. A text that does not read is a ConfigError (exit code 2) saying why."""
    if value is None or isinstance(value, Period):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Period.of_year(value)
    try:
        return Period.parse(str(value))
    except PeriodError as exc:
        error = ConfigError(str(exc), hint="期间写法见 README 的“报告期间”。")
        error.exit_code = 2
        raise error from exc


def _year(text: str) -> int:
    if not (len(text) == 4 and text.isdigit()):
        raise PeriodError(f"年份应为四位数字，不是“{text}”")
    return _check_year(int(text), text)


def _whole(text: str) -> int:
    if not text.isdigit() or len(text) > 2:
        raise PeriodError(f"“{text}”不是序号")
    return int(text)


def _iso_day(text: str) -> dt.date:
    if len(text) != 10:  # fromisoformat alone would also take 20250101 or 2025-W01-1
        raise PeriodError(f"日期应写成 YYYY-MM-DD，不是“{text}”")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise PeriodError(f"“{text}”不是有效的日期") from exc


def latest_ended(kind: str, today: dt.date, year: int | None = None) -> Period:
    """The latest period of `kind` that has ended by `today`; within `year` when given.

    With a year: its latest period ended by today; the year's last period when the whole year
    is over; its first period when none of it has ended yet.
    """
    if kind not in KINDS:
        raise PeriodError(f"未知的期间类型“{kind}”，可用：{'、'.join(KINDS)}")
    if year is None:
        if kind == "year":
            return Period.of_year(today.year - 1)
        current = Period.of_kind(kind, today.year, _number_of(kind, today))
        return current.last
    count = {"year": 1, "half": 2, "quarter": 4, "month": 12}[kind]
    periods = [Period.of_kind(kind, year, n) for n in range(1, count + 1)]
    ended = [p for p in periods if p.end <= today]
    return ended[-1] if ended else periods[0]


def _number_of(kind: str, day: dt.date) -> int:
    return {"year": 1, "half": (day.month + 5) // 6, "quarter": (day.month + 2) // 3, "month": day.month}[kind]


def default_period(setting: str | None, year: int | None, today: dt.date | None = None) -> Period:
    """The period a bare `drafter build` means, from config.yaml `report.period` and `report.year`.

    - `report.period` names a period (`2025Q1`): that period.
    - `report.period` names a kind (`quarter`), or is absent (a year): with `report.year`, the
      latest period of that kind in that year that has ended by today (the year's last one when
      the year is over, its first when none has ended yet); without `report.year`, the latest
      period of that kind that has ended by today (for a year: last year).
    """
    today = today or dt.date.today()
    kind = (setting or "year").strip()
    if kind not in KINDS:
        return Period.parse(kind)
    if kind == "year" and year is not None:
        return Period.of_year(year)
    return latest_ended(kind, today, year)


def query_parameters(period: Period, configured: Mapping[str, Any]) -> dict[str, Any]:
    """The bound parameters every query may use: the period's (:year, :period_start, :period_end,
    and :half/:quarter/:month where they apply), then config `parameters:` (`configured`, which
    may not redefine them)."""
    params = period.parameters()
    params.update({k: v for k, v in configured.items() if k not in params})
    return params
