"""What a chart shows (`ChartSpec`): its kind, rows and provenance, as the template's
`chart(…)` call made it (drafter/text/charts.py) and the draft draws it (drafter/word/charts.py).
A type of its own, so the blocks of a section (drafter/text/blocks.py) name it without the chart code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drafter.values import json_value

KINDS = {"bar": "柱状图", "line": "折线图", "pie": "饼图"}


@dataclass
class ChartSpec:
    """What a chart shows: its rows as labels and numbers, and where they came from."""

    kind: str
    title: str
    query: str
    x: str
    y: list[str]
    names: list[str]
    unit: str
    labels: list[str] = field(default_factory=list)
    values: list[list[float]] = field(default_factory=list)  # one list a series
    raw: list[list[Any]] = field(default_factory=list)  # one list a row: label, then each y value
    description: str = ""
    number: int = 0

    def manifest(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "kind": self.kind,
            "query": self.query,
            "x": self.x,
            "y": self.y,
            "unit": self.unit,
            "rows": [[json_value(v) for v in row] for row in self.raw],
        }
