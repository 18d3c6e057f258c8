"""Numbers that state a fact, found in a sentence of an office's own report.

A report turned into a project keeps its wording; what must come from a query each period
is every number that states a fact (GB/T 15835-2011 forms: 1428, 1.7万余, 98.74%,
894.2845万元, 同比增长16.2%, 3个百分点; Chinese numerals that count: 三个维度). Each is
found here as a `Fact` span; `drafter/intake/project.py` writes it into the template as a
binding to fill (`{{ unbound("…") }}`).

Never taken for a figure: outline numbers (the caller strips them), dates (2025年3月31日,
6月, “6·8”), 《》 titles and “” names, 文号 (〔2026〕5号, 2号卫星站), ordinals (第八届),
numbers run into Latin letters (5G, AI3). Years are period words, not facts: `period_words`
writes them as period expressions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Fact", "find_facts", "period_words", "unit_after"]

_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_SCALE = r"(?:万亿|亿|万|千)?"
_ABOUT = r"(?:余|多)?"
_UNIT_PART = r"(?:%|‰|万元|亿元|元|个百分点)?"
_CHANGE = r"(?:(?:同比|环比|比上年|较上年|比去年|较去年)?(?:增长|下降|增加|减少|上升|提高|降低|回落|持平))"
_CN = "一二三四五六七八九十百千两"
# A Chinese numeral counts when a measure word follows it (三个维度, 两项制度).
_MEASURES = "个项家次人名件起条份批支轮处"

FACT = re.compile(
    rf"(?P<change>{_CHANGE})?(?P<num>{_ARABIC}{_SCALE}{_ABOUT}{_UNIT_PART})"
    rf"|(?P<cn>(?<![第{_CN}])[{_CN}]+(?:余|多)?(?=[{_MEASURES}]))"
)
# Spans never read: 《titles》, “names”, 〔year〕 numbers, dates, times.
_SHIELDS = (
    re.compile(r"《[^》]*》"),
    re.compile(r"“[^”]*”|\"[^\"]*\""),
    re.compile(r"〔\d{4}〕\d+号|\[\d{4}\]\d+号"),
    re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日|\d{4}[-./]\d{1,2}[-./]\d{1,2}"),
    re.compile(r"\d+[·.．]\d+(?=[”\"])|\d+[:：]\d{2}"),
    re.compile(r"\d{4}(?=年)"),  # years: period words
    re.compile(r"\d{4}\s*[—–-]\s*\d{4}"),
)
_AFTER_BLOCKED = re.compile(r"^(?:号|年|月|日|时|届|级|版|楼|室|号线)")
_BEFORE_BLOCKED = re.compile(r"(?:第|No\.?|[A-Za-z_Ⅰ-Ⅻ·])$")


# The unit a count is written with (1428人次): a binding's placeholder shows it with the number.
UNIT = re.compile(
    r"^(?:万人次|人次|家次|户次|件次|台次|车次|余人|平方米|公里|小时|[人家户项件起次处条份轮支名个批期场所座辆台吨天亩元])"
)


def unit_after(fact_text: str, rest: str) -> str:
    """The unit that follows a number written without one (1428 → 人次 in 1428人次)."""
    if fact_text.endswith(("%", "‰", "元", "个百分点")) or not re.search(
        r"[\d万亿千余多一二三四五六七八九十百两]$", fact_text
    ):
        return ""
    m = UNIT.match(rest)
    return m.group(0) if m else ""


@dataclass(frozen=True)
class Fact:
    start: int
    end: int
    text: str


def _shielded(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for pattern in _SHIELDS for m in pattern.finditer(text)]


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans) or any(s < end and start < e for s, e in spans)


def _taken(text: str, match: re.Match[str]) -> bool:
    before, after = text[: match.start()], text[match.end() :]
    if _BEFORE_BLOCKED.search(before):
        return False
    if match.group("num") and not match.group("change"):
        number = match.group("num")
        if re.fullmatch(r"\d+", number) and _AFTER_BLOCKED.match(after):
            return False  # 2号卫星站, 10月, 三级: names, dates, grades
        if re.search(r"[A-Za-z]$", before) or re.match(r"[A-Za-z]", after):
            return False  # 5G, AI3
    # 三级响应; 一处、一批: "one" as a word, not a count a report states
    return not (match.group("cn") and (re.match(r"[级年届]", after) or match.group("cn") == "一"))


def find_facts(text: str) -> list[Fact]:
    """The numbers stating facts in `text` (one paragraph, its outline number removed)."""
    shields = _shielded(text)
    facts = []
    for match in FACT.finditer(text):
        start, end = match.span()
        if not match.group(0) or _inside(start, end, shields) or not _taken(text, match):
            continue
        facts.append(Fact(start, end, match.group(0)))
    return facts


# -- period words ---------------------------------------------------------------------------


def period_words(text: str, year: int | None, label: str | None) -> str:
    """`text` with the report's period label written `{{ period.label }}` and its years as
    `{{ year }}`, `{{ year - 1 }}`, `{{ year + 1 }}` (outside 《》 titles, where a year is a
    name)."""
    if year is None:
        return text
    titles = [(m.start(), m.end()) for m in re.finditer(r"《[^》]*》", text)]
    out: list[str] = []
    pos = 0
    pattern = re.compile((re.escape(label) + "|" if label else "") + r"(?<!\d)(\d{4})(?=年)")
    for m in pattern.finditer(text):
        if _inside(m.start(), m.end(), titles):
            continue
        out.append(text[pos : m.start()])
        if label and m.group(0) == label:
            out.append("{{ period.label }}")
        else:
            out.append(_year_expression(int(m.group(1)), year))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _year_expression(found: int, year: int) -> str:
    delta = found - year
    if delta == 0:
        return "{{ year }}"
    if abs(delta) <= 2:
        return f"{{{{ year {'+' if delta > 0 else '-'} {abs(delta)} }}}}"
    return str(found)
