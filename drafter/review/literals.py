"""Numbers written literally in the section templates: carried from period to period unseen.

“26个重点领域”, “评选出区级10佳”, “第8号台风”, “三个维度” are in the template's own text, not from a query,
so nothing updates them when the year changes. `template_literals` lists every such number
outside the `{{ }}` / `{% %}` / `{# #}` tags that is not a year, a date (`2025年`, `3月5日`,
`6·8`), an outline number (一、 （一） 1. （1）) or inside 《》 — numbers in Chinese numerals before
a measure word (一百二十家, 三个) too, so an editor confirms them each
period (`drafter lint`, and the end of `drafter check`'s report).

A literal confirmed to stay (a model's name such as “1+17+12”, a hotline “12345”) is entered in
config.yaml under `fixed_numbers:` as the text around it appears in the template, or marked in
the template itself by a comment `{# fixed: 1+17+12 #}` (several separated by 、); every number
inside an occurrence of that text is then no longer listed. A `fixed_numbers:` entry found in no
template is listed too, so the list does not go stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from drafter.errors import DrafterError
from drafter.review.scan import is_incidental, numbers
from drafter.text.sections import read_template, section_files

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_BLANK = "\u241f"  # keeps offsets and stops digits from joining across a tag
_DOTTED_DATE = re.compile(r"\d{1,2}[·・]\d{1,2}")
# `{# fixed: 1+17+12 #}` in a template: that text's numbers are reviewed and stay each period.
# 一百二十家, 三个, 两批: a number in Chinese numerals before a measure word. Not 第一 (an ordinal),
# not a lone 一 (一村一品, 一处 read as words), not an outline number (一、 （一）).
_CN_NUMBER = re.compile(
    r"(?<![第零一二两三四五六七八九十百千万亿])(?:[零一二两三四五六七八九十百千万亿]{2,12}|[二两三四五六七八九十])"
    r"(?=余?[家个项人次件起名所条批支座户处场期类宗台辆艘篇份种套])"
)
_CN_OUTLINE = re.compile(r"^\s*[（(]?[一二三四五六七八九十]+[）)、]")
_FIXED_COMMENT = re.compile(r"\{#-?\s*(?:fixed|固定)\s*[:：]\s*(.+?)\s*-?#\}")


@dataclass(frozen=True)
class Literal:
    """A number written in a template's own text."""

    text: str  # the number as written
    path: Path
    line: int
    sentence: str
    fixed: bool = False

    def render(self) -> str:
        return f"{self.path.as_posix()}:{self.line}：{self.text}　{self.sentence}"


@dataclass(frozen=True)
class StaleFixed:
    """A `fixed_numbers:` entry that no template holds any more."""

    text: str

    def render(self) -> str:
        return f"config.yaml 的 fixed_numbers: 中的“{self.text}”在模板中已找不到，可以删去。"


def _blank_tags(source: str) -> str:
    return _TAG.sub(lambda m: "".join("\n" if c == "\n" else _BLANK for c in m.group()), source)


def _is_date(line: str, start: int, end: int) -> bool:
    return any(m.start() <= start and end <= m.end() for m in _DOTTED_DATE.finditer(line))


def _around(text: str, start: int, end: int, width: int = 14) -> str:
    a, b = max(0, start - width), min(len(text), end + width)
    return ("…" if a else "") + text[a:b].strip() + ("…" if b < len(text.rstrip()) else "")


def _chinese_numbers(line: str) -> list[tuple[int, int]]:
    """Spans of numbers written in Chinese numerals in a template line's own text."""
    outline = _CN_OUTLINE.match(line)
    skip = outline.end() if outline else 0
    return [(m.start(), m.end()) for m in _CN_NUMBER.finditer(line) if m.start() >= skip]


def literals_heading(items: list) -> str:
    """`模板中写死的数字 10 处` counting numbers only; stale `fixed_numbers:` entries counted apart."""
    numbers_ = sum(1 for item in items if isinstance(item, Literal))
    stale = len(items) - numbers_
    head = f"模板中写死的数字 {numbers_} 处（每期请确认；确认不变的可在 config.yaml 的 fixed_numbers: 中登记）"
    if stale:
        head += f"，另有 fixed_numbers: 中已不在模板里的 {stale} 条"
    return head + "："


def literals_in(source: str, path: Path, fixed: list[str]) -> tuple[list[Literal], set[str]]:
    """(the numbers of `source`'s own text, the `fixed` entries that occur in it)."""
    found: list[Literal] = []
    used: set[str] = set()
    marked = [text for m in _FIXED_COMMENT.finditer(source) for text in re.split(r"[、,，]\s*", m.group(1)) if text]
    fixed = [*fixed, *marked]
    for n, (raw, line) in enumerate(zip(source.splitlines(), _blank_tags(source).splitlines()), start=1):
        text = line.replace(_BLANK, " ")
        stripped = text.lstrip()
        offset = len(text) - len(stripped)
        spans = []
        for entry in fixed:
            for m in re.finditer(re.escape(entry), raw):
                spans.append((m.start(), m.end()))
                used.add(entry)
        kept: list[tuple[int, int]] = []
        for number in numbers(line):
            local = type(number)(number.text, number.value, number.start - offset, number.end - offset)
            if is_incidental(stripped, local) or _is_date(line, number.start, number.end):
                continue
            if kept and line[kept[-1][1] : number.start] in ("+", "＋"):  # “1+17+12” is one literal
                kept[-1] = (kept[-1][0], number.end)
            else:
                kept.append((number.start, number.end))
        kept += _chinese_numbers(line)
        for a, b in kept:
            is_fixed = any(x <= a and b <= y for x, y in spans)
            found.append(Literal(text[a:b], path, n, _around(text, a, b), is_fixed))
    return found, used


def template_literals(config, *, include_fixed: bool = False) -> list[Literal | StaleFixed]:
    """The literal numbers of the project's section templates to confirm (not marked fixed),
    then the `fixed_numbers:` entries no template holds."""
    try:
        files = section_files(config.templates.sections, config.resolve)
    except DrafterError:
        return []  # reported by lint and build as such
    out: list[Literal | StaleFixed] = []
    used: set[str] = set()
    for path in files:
        try:
            source = read_template(path)
        except DrafterError:
            continue
        try:
            shown = path.resolve().relative_to(config.root.resolve())
        except ValueError:
            shown = path
        found, seen = literals_in(source, shown, list(config.fixed_numbers))
        used |= seen
        out += [lit for lit in found if include_fixed or not lit.fixed]
    out += [StaleFixed(entry) for entry in config.fixed_numbers if entry not in used]
    return out
