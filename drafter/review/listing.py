"""Every figure of the report without the prose — the library call behind `drafter figures`.

The queries are run and the report rendered in memory (nothing is written), so
the list is exactly the figures a draft of that year would hold, in its order.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from drafter.data.figures import formula_text, json_value
from drafter.data.runner import RunResult, build_parameters
from drafter.pipeline.execute import run_project, run_shared, unit_run
from drafter.pipeline.plan import make_plan
from drafter.pipeline.render import compose_draft
from drafter.pipeline.units import refuse_unit_queries, resolve_units
from drafter.pipeline.validate import load_project
from drafter.project.config import Config
from drafter.project.model import Project
from drafter.project.period import Period, PeriodLike
from drafter.project.units import Unit, pick_units

FORMATS = ("table", "csv", "json")
HEADERS = {
    "id": "编号",
    "part": "部分",
    "text": "文字",
    "value": "原始值",
    "ref": "查询.列",
    "sources": "数据源",
    "description": "说明",
    "filter": "写法",
    "placeholder": "待补充",
}


@dataclass
class FigureRow:
    id: str
    part: str
    text: str
    value: Any  # as JSON holds it: Decimals and dates as text
    ref: str
    queries: list[str]
    sources: list[str]
    description: str
    filter: str
    placeholder: bool
    formula: str = ""  # a derived figure's formula over its inputs (`a.x / b.y * 100`)


@dataclass
class FigureListing:
    year: int
    agency: str
    figures: list[FigureRow]
    failures: list[str] = field(default_factory=list)  # one message a failed query
    period: Period | None = None

    @property
    def label(self) -> str:
        return self.period.label if self.period else f"{self.year}年度"


def list_figures(
    config: str | Path | Config = "config.yaml",
    *,
    sources: dict[str, str] | None = None,
    period: PeriodLike | None = None,
    unit: str | None = None,
) -> FigureListing:
    """The figures of one draft: the report's, or with `unit` that unit's (a project with units:)."""
    project = load_project(config, sources=sources, period=period)
    chosen, run = _run_for(project, unit)
    draft = compose_draft(project, run, unit=chosen)
    labels = {
        name: (f"{name}（{s.description}）" if s.description else name) for name, s in project.config.sources.items()
    }
    rows = [
        FigureRow(
            id=occ.id,
            part=occ.part or "",
            text=occ.text,
            value=json_value(occ.value),
            ref=occ.ref,
            queries=occ.queries,
            sources=[labels.get(s, s) for s in dict.fromkeys(p.source for p in occ.sources)],
            description=occ.description,
            filter=occ.filter,
            placeholder=occ.placeholder,
            formula=formula_text(occ.expr) if occ.expr is not None else "",
        )
        for occ in draft.registry
    ]
    failures = [f.error.render() for f in run.failures]
    return FigureListing(project.year, project.config.report.agency, rows, failures, project.period)


def _run_for(project: Project, unit: str | None) -> tuple[Unit | None, RunResult]:
    """The run behind one draft's figures: the implicit unit's, or the named unit's."""
    cfg = project.config
    if unit is None:
        refuse_unit_queries(
            project, "用 drafter figures --unit 单位名称（网页上在“单位”栏填写）列出该单位草稿中的数字。"
        )
        return None, run_project(project)
    listed, _ = resolve_units(project, build_parameters(cfg))
    (chosen,) = pick_units(listed, [unit], cfg.path)
    plan = make_plan(project, units=[chosen], known=listed)
    return chosen, unit_run(plan, run_shared(plan), chosen)


def to_json(listing: FigureListing) -> str:
    data = asdict(listing)
    data["period"] = listing.period.to_json() if listing.period else None
    return json.dumps(data, ensure_ascii=False, indent=1)


def to_csv(listing: FigureListing) -> str:
    """One line a figure, Chinese headers."""
    buffer = io.StringIO()
    keys = list(HEADERS)
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([HEADERS[k] for k in keys])
    for row in listing.figures:
        data = asdict(row)
        data["sources"] = "、".join(row.sources)
        data["placeholder"] = "是" if row.placeholder else ""
        data["value"] = "" if row.value is None else row.value
        writer.writerow([data[k] for k in keys])
    return buffer.getvalue()


def to_table(listing: FigureListing):
    """A rich Table for the terminal: the part by its number, sources by name, long values cut."""
    from rich.table import Table

    table = Table(
        title=f"{listing.agency} {listing.label}报告中的数字（{len(listing.figures)} 个）", header_style="bold"
    )
    table.add_column(HEADERS["id"], style="dim", no_wrap=True)
    table.add_column(HEADERS["part"], no_wrap=True)
    table.add_column(HEADERS["text"], style="bold", no_wrap=True)
    table.add_column(HEADERS["value"], overflow="fold")
    table.add_column(HEADERS["ref"], style="cyan", overflow="fold")
    table.add_column(HEADERS["sources"], overflow="fold")
    table.add_column(HEADERS["description"], overflow="fold", ratio=1)
    for row in listing.figures:
        table.add_row(
            row.id,
            row.part.split("、")[0] if row.part else "",
            row.text,
            _short_value(row.value),
            row.ref,
            "、".join(s.split("（")[0] for s in row.sources),
            row.description,
        )
    return table


def _short_value(value: Any) -> str:
    text = "" if value is None else str(value)
    whole, dot, frac = text.partition(".")
    return f"{whole}.{frac[:6]}…" if dot and len(frac) > 6 and whole.lstrip("-").isdigit() else text


def render(listing: FigureListing, fmt: str) -> Any:
    """The listing in `fmt` (table → a rich Table; csv, json → text)."""
    if fmt == "csv":
        return to_csv(listing)
    if fmt == "json":
        return to_json(listing)
    return to_table(listing)
