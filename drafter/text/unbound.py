"""Numbers of a report made into a project that no query gives yet: `{{ unbound("1428", "人次") }}`.

`drafter init --from` writes every number that states a fact as such a call, with the unit
that followed it. It prints as a highlighted placeholder 【待绑定：1428人次】 (a build works at once), `lint` lists each with its
file, line and sentence, and `drafter bind` replaces it with the expression chosen in the
bindings workbook (drafter/intake/bindings.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drafter.data.figures import Figure, FigureRegistry

__all__ = ["UNBOUND_CALL", "Unbound", "make_unbound", "unbound_in", "unbound_text"]

# The call exactly as drafter writes it; `bind` replaces the n-th one of a line.
UNBOUND_CALL = re.compile(
    r"\{\{-?\s*unbound\(\s*\"((?:[^\"\\]|\\.)*)\"(?:\s*,\s*\"((?:[^\"\\]|\\.)*)\")?\s*\)\s*-?\}\}"
)
UNBOUND_REASON = "尚未绑定查询：在绑定表中为它选定查询和写法（drafter bindings / drafter bind）"


def unbound_text(original: str) -> str:
    return f"【待绑定：{original}】"


def make_unbound(registry: FigureRegistry, position: Callable[[], tuple[str | None, int | None]]) -> Callable[..., str]:
    """The `unbound` template function; `position` tells the template file and line being rendered."""

    def unbound(original: str, unit: str = "") -> str:
        template, line = position()
        figure = Figure(None, "待绑定", (), f"待绑定的数字：{original}{unit}", UNBOUND_REASON)
        return registry.record(
            figure,
            unbound_text(f"{original}{unit}"),
            "unbound",
            placeholder=True,
            reason=UNBOUND_REASON,
            template=template,
            line=line,
        )

    return unbound


@dataclass(frozen=True)
class Unbound:
    path: Path
    line: int
    index: int  # the n-th unbound number of its line, from 1
    original: str  # the number as the report wrote it
    unit: str  # the unit written after it (人次), part of the call, not of the template text
    sentence: str  # the sentence around it as a reader sees it, the number in 【】


def _readable(line: str, keep: int) -> str:
    """The template line as text: unbound calls as their numbers, number `keep` in 【】, tags
    other than those left as they are."""
    count = 0

    def show(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        unit = m.group(2) or ""
        return f"【{m.group(1)}】{unit}" if count == keep else m.group(1) + unit

    return UNBOUND_CALL.sub(show, line)


def _sentence(text: str) -> str:
    """The sentence of `text` that holds the 【】 mark."""
    at = text.find("【")
    start = max(text.rfind(p, 0, at) for p in "。；！？") + 1
    ends = [i for i in (text.find(p, at) for p in "。；！？") if i >= 0]
    return text[start : (min(ends) + 1 if ends else len(text))].strip()


def unbound_in(path: Path, source: str) -> list[Unbound]:
    found = []
    for n, line in enumerate(source.splitlines(), 1):
        for k, m in enumerate(UNBOUND_CALL.finditer(line), 1):
            found.append(Unbound(path, n, k, m.group(1), m.group(2) or "", _sentence(_readable(line, k))))
    return found
