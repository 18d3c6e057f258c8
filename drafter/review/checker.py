"""`check`: is an edited draft still what the databases say? — the library call behind `drafter check`.

The check re-runs the queries with the year and parameters recorded in the
draft's manifest and renders the report afresh (`Renderer`), then compares
the draft with that fresh render, figure by figure:

    一致        the control shows the text it was built with, and the data still give it
    手工修改    the text in the control is not what was built
    数据已变化  the control is as built, but the databases now give another text
    已删除      the figure's control (or, in the weaker mode, its text) is gone
    无法核对    its query failed now, or the current templates no longer print it
    无来源数字  a number in the text that no figure backs and the templates do not print

Two modes. 内容控件模式: the draft has its manifest and figure controls; each
figure is read from its control. 段落比对模式（较弱）: an office suite stripped
the controls or the manifest; the draft's paragraphs are aligned with the fresh
render's (difflib on the texts) and each figure is looked for at its place in
the aligned paragraph. Either way, numbers in the text outside figures are
compared with the numbers of the aligned fresh paragraph, so the templates' own
years, item numbers and titles are never reported.
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import hashlib
import io
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx.oxml.ns import qn

from drafter.data.figures import Figure, Occurrence, Row, cell_dict, cell_label, evaluate, formula_text, json_value
from drafter.data.runner import QueryResult, RunResult, build_parameters
from drafter.errors import DrafterError, DraftError
from drafter.pipeline.execute import run_project, run_unit_draft
from drafter.pipeline.render import Draft, Renderer
from drafter.pipeline.validate import load_project
from drafter.project.config import Config
from drafter.project.model import Project
from drafter.project.period import Period, PeriodLike, as_period
from drafter.project.rules import load_rules
from drafter.project.units import Unit
from drafter.review.literals import template_literals
from drafter.review.rules import run_project_rules
from drafter.review.scan import (
    Number,
    ScannedParagraph,
    counted_numbers,
    map_span,
    normalise,
    numbers,
    scan_document,
    sentence_around,
    unmatched,
    wording_ranges,
)
from drafter.review.tables import (
    TableFinding,
    align_cells,
    chart_findings,
    draft_tables,
    located_label,
    scan_with_cells,
    table_findings,
)
from drafter.review.wordings import (
    HAND_EDITED,
    REWORDED,
    WordingCheck,
    compare_wordings,
    mark_changed_templates,
    text_edits,
)
from drafter.word.manifest import Manifest, read_manifest

CONSISTENT = "一致"
EDITED = "手工修改"
STALE = "数据已变化"
REMOVED = "已删除"
UNCHECKED = "无法核对"
UNBACKED = "无来源数字"
COPIED = "复制的数字"  # a figure's control copied (same tag) into another sentence
MOVED = "已移动"  # a figure's only control stands in another sentence than its template's
STATUSES = (CONSISTENT, EDITED, STALE, REMOVED, UNCHECKED, COPIED, MOVED, REWORDED, HAND_EDITED, UNBACKED)

_UNKNOWN = object()  # no current value for an input

CONTROLS = "controls"
PARAGRAPHS = "paragraphs"
MODE_LABELS = {CONTROLS: "内容控件模式", PARAGRAPHS: "段落比对模式（较弱）"}


@dataclass(slots=True)  # one a figure: 40,000 in a long table's check
class FigureCheck:
    """One figure of the draft and what became of it."""

    id: str
    ref: str
    status: str
    part: str
    description: str
    sentence: str
    draft_text: str | None  # None: not found in the draft
    built_text: str | None  # None: the draft carries no manifest
    current_text: str | None  # None: could not be computed now
    built_value: Any = None
    current_value: Any = None
    queries: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    sql: str = ""
    note: str = ""
    paragraph: int | None = None  # index of the draft paragraph, for annotations
    span: tuple[int, int] | None = None  # where in that paragraph's text; None: the whole paragraph
    cell: str = ""  # in a table: 表1 第3行（徐泾镇）“检查家次”
    row_removed: bool = False  # its whole table row was deleted: the row's finding covers it

    @property
    def finding(self) -> bool:
        return self.status != CONSISTENT and not self.row_removed

    @property
    def label(self) -> str:
        return f"{self.id} {self.description or self.ref}"


@dataclass
class UnbackedNumber:
    """A number in the draft's text that no figure backs."""

    text: str
    part: str
    sentence: str
    paragraph: int
    span: tuple[int, int]
    note: str = ""
    status: str = UNBACKED
    finding: bool = True
    cell: str = ""  # in a table: where

    @property
    def label(self) -> str:
        return f"“{self.text}”"


@dataclass
class CheckReport:
    draft: Path
    sha256: str
    mode: str
    year: int
    year_from: str  # where the period came from: 草稿清单, --period (or `year=`), 标题, 配置
    has_manifest: bool
    built_at: str | None
    generator: str | None
    figures: list[FigureCheck]
    unbacked: list[UnbackedNumber]
    warnings: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # seconds: open, queries, render, compare
    wordings: list[WordingCheck] = field(default_factory=list)
    rules: list[Any] = field(default_factory=list)  # drafter.review.rules.RuleFinding, on current data
    fixed_numbers: list[Any] = field(default_factory=list)  # drafter.review.literals.Literal to confirm
    run: Any = field(default=None, repr=False)  # the queries as run now (for refresh)
    tables: list[TableFinding] = field(default_factory=list)  # rows added or deleted, tables and charts changed
    period: Period | None = None
    unit: str | None = None  # the unit of a unit's draft (`build --each`)
    refreshed_at: str | None = None  # when `drafter refresh` wrote this copy (its manifest says)
    unmatched_keys: list[str] = field(default_factory=list)  # rows a grouped query left to no unit (also warned)

    @property
    def unchecked(self) -> list[FigureCheck]:
        """The figures that could not be checked (a query failed now, or the templates no longer
        print them): the check is then incomplete."""
        return [f for f in self.figures if f.status == UNCHECKED]

    @property
    def period_label(self) -> str:
        return self.period.label if self.period else f"{self.year}年度"

    @property
    def findings(self) -> list[FigureCheck | UnbackedNumber | TableFinding | WordingCheck]:
        """Everything a reviewer should look at, in the order of the draft."""
        found: list[FigureCheck | UnbackedNumber | TableFinding | WordingCheck] = [f for f in self.figures if f.finding]
        found += self.unbacked
        found += self.tables
        found += [w for w in self.wordings if w.finding]

        def where(item):
            para = item.paragraph if item.paragraph is not None else 10**9
            start = item.span[0] if item.span else -1
            return (para, start)

        return sorted(found, key=where)

    def counts(self) -> dict[str, int]:
        counts = {s: 0 for s in STATUSES}
        for f in self.figures:
            counts[f.status] += 1
        counts[REWORDED] = sum(1 for w in self.wordings if w.status == REWORDED)
        counts[HAND_EDITED] = sum(1 for w in self.wordings if w.status == HAND_EDITED)
        counts[UNBACKED] = len(self.unbacked)
        return counts


# --------------------------------------------------------------------------- opening the draft


def open_draft(path: str | Path):
    """The draft as a python-docx Document, read from memory so the file is never written."""
    from docx import Document

    path = Path(path)
    if not path.exists():
        raise DraftError("找不到草稿文件", path=path, hint="检查文件名和路径；路径中有空格时请加引号。")
    if not path.is_file():
        raise DraftError("这不是一个文件", path=path, hint="请给出草稿 .docx 文件的路径。")
    data = path.read_bytes()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DraftError(
            "这不是 .docx 文件",
            path=path,
            hint="drafter 只能核对 Word 2007 及以后的 .docx；.doc 或 .wps 请先在 Word/WPS 中“另存为”.docx。",
        )
    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:
        raise DraftError(
            "无法作为 Word 文档打开",
            path=path,
            cause=f"{type(exc).__name__}: {exc}",
            hint="确认这是 Word 文档（不是 Excel 等其他 Office 文件）；可用 Word 打开后另存一次。",
        ) from exc
    return document, hashlib.sha256(data).hexdigest()


_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年度")
_TITLE_RANGE = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日至(?:((?:19|20)\d{2})年)?(\d{1,2})月(\d{1,2})日")
_TITLE_PERIOD = re.compile(r"((?:19|20)\d{2})\s*年\s*(?:(上|下)半年|第([一二三四])季度|(\d{1,2})\s*月(?!\d|份?\d))")


def period_from_title(paragraphs: list[ScannedParagraph]) -> Period | None:
    """The report period as the title states it: 2025年度, 2025年上半年, 2025年第一季度, 2025年3月,
    2025年1月1日至3月31日 (the label drafter writes)."""
    seen = 0
    for p in paragraphs:
        if not p.text.strip():
            continue
        text = normalise(p.text)
        try:
            if match := _TITLE_RANGE.search(text):
                y1, m1, d1, y2, m2, d2 = match.groups()
                return Period.of_range(dt.date(int(y1), int(m1), int(d1)), dt.date(int(y2 or y1), int(m2), int(d2)))
            if match := _TITLE_YEAR.search(text):
                return Period.of_year(int(match.group(1)))
            if match := _TITLE_PERIOD.search(text):
                year, half, quarter, month = match.groups()
                if half:
                    return Period.of_half(int(year), 1 if half == "上" else 2)
                if quarter:
                    return Period.of_quarter(int(year), "一二三四".index(quarter) + 1)
                return Period.of_month(int(year), int(month))
        except ValueError:  # 2025年13月: not a period after all
            pass
        seen += 1
        if seen >= 3:
            break
    return None


# --------------------------------------------------------------------------- aligning paragraphs


_PLACEHOLDER = re.compile(r"【待补充[^】]*】")


def _key(text: str) -> str:
    """A paragraph's text with its numbers masked, and its placeholders too: a figure whose query
    fails now stands there as 【待补充：…】 in the fresh render, and its paragraph is still the same."""
    return re.sub(r"\d+(?:[.,．]\d+)*", "#", _PLACEHOLDER.sub("#", re.sub(r"\s+", "", text)))


def align_paragraphs(draft: list[str], fresh: list[str]) -> dict[int, int]:
    """Fresh paragraph index → draft paragraph index, for the paragraphs that correspond.

    Paragraphs equal up to their numbers pair off first (difflib on the texts with
    numbers masked); inside a changed stretch each draft paragraph takes the most
    similar fresh one after the last pair, if they are at least half alike.
    """
    dk, fk = [_key(t) for t in draft], [_key(t) for t in fresh]
    pairs: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, fk, dk, autojunk=False)
    for op, f1, f2, d1, d2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(f2 - f1):
                if fk[f1 + k]:
                    pairs[f1 + k] = d1 + k
        elif op == "replace":
            nxt = f1
            for d in range(d1, d2):
                if not dk[d]:
                    continue
                best, best_ratio = None, 0.5
                for f in range(nxt, f2):
                    if not fk[f]:
                        continue
                    m = difflib.SequenceMatcher(None, fk[f], dk[d], autojunk=False)
                    if m.real_quick_ratio() < best_ratio or m.quick_ratio() < best_ratio:
                        continue
                    ratio = m.ratio()
                    if ratio > best_ratio:
                        best, best_ratio = f, ratio
                if best is not None:
                    pairs[best] = d
                    nxt = best + 1
    return pairs


def merged_paragraphs(draft: list[str], fresh: list[str], pairs: dict[int, int]) -> dict[int, int]:
    """Fresh paragraph index → draft paragraph index, for the fresh paragraphs left unpaired because
    an editor joined them to a neighbour: their words (numbers masked) stand, nearly all, in the
    draft paragraph paired with the fresh one just before or after, beside that one's own words."""
    dk, fk = [_key(t) for t in draft], [_key(t) for t in fresh]
    paired = sorted(pairs)
    out: dict[int, int] = {}
    for f, key in enumerate(fk):
        if f in pairs or len(key) < _MERGED_MIN:
            continue
        k = bisect.bisect_left(paired, f)
        for neighbour in paired[max(k - 1, 0) : k + 1]:
            d = pairs[neighbour]
            if len(dk[d]) < len(fk[neighbour]) + _MERGED_SHARE * len(key):
                continue  # too short to hold both
            m = difflib.SequenceMatcher(None, key, dk[d], autojunk=False)
            if sum(b.size for b in m.get_matching_blocks()) >= _MERGED_SHARE * len(key):
                out[f] = d
                break
    return out


_MERGED_MIN = 8  # a shorter text (a 合计, a date) stands by chance in many paragraphs
_MERGED_SHARE = 0.8


# --------------------------------------------------------------------------- the check


@dataclass(slots=True)
class _Expected:
    """A figure the draft should hold: from its manifest, else from the fresh render."""

    id: str
    ref: str
    description: str
    part: str
    built_text: str | None
    built_value: Any
    queries: list[str]
    sources: list[str]
    fresh: Occurrence | None
    wording: str | None = None  # the built wording it was printed in
    expr: Any = None  # a derived figure's formula, as the manifest recorded it
    inputs: list[dict] = field(default_factory=list)  # its inputs: {"ref", "value"}
    cell: dict | None = None


def _cell_key(cell: dict) -> tuple:
    return (cell.get("table"), cell.get("key"), cell.get("column"))


def _expected_figures(
    manifest: Manifest | None, fresh: list[Occurrence], fresh_wordings: dict | None = None, dropped: dict | None = None
) -> list[_Expected]:
    if manifest is None:
        return [
            _Expected(
                o.id,
                o.ref,
                o.description,
                o.part or "",
                None,
                None,
                o.queries,
                list(dict.fromkeys(s.source for s in o.sources)),
                o,
                cell=o.cell,
            )
            for o in fresh
        ]
    fresh_wordings, dropped = fresh_wordings or {}, dropped or {}
    built_cid = {w.id: w.cid for w in manifest.wordings}
    by_ref: dict[str, list[Occurrence]] = {}
    by_place: dict[tuple[str, str | None], list[Occurrence]] = {}
    by_cell: dict[tuple, list[Occurrence]] = {}
    for occ in fresh:
        if occ.cell:  # a table's figure is found by its cell alone
            by_cell.setdefault(_cell_key(occ.cell), []).append(occ)
            continue
        by_ref.setdefault(occ.ref, []).append(occ)
        cid = fresh_wordings[occ.wording].cid if occ.wording in fresh_wordings else None
        by_place.setdefault((occ.ref, cid), []).append(occ)
    claimed: set[str] = set()
    out = []
    # A long table's figures share a few queries and sources: their lists are made once and
    # shared by the figures' checks, which only read them.
    sourced: dict[tuple, tuple[list[str], list[str]]] = {}
    for fig in manifest.figures:
        cell = cell_dict(fig.cell) if fig.cell is not None else None
        # The k-th of a ref in the same conditional wording (or outside any) is the k-th of that ref
        # there now; a figure of a wording whose branch changed may have no counterpart.
        wording: str | None = fig.wording
        if cell:  # a table's figure is the one at the same table, row key and column now
            candidates = [o for o in by_cell.get(_cell_key(cell), ()) if o.id not in claimed]
        else:
            candidates = [o for o in by_place.get((fig.ref, built_cid.get(wording or "")), ()) if o.id not in claimed]
            if not candidates and wording not in dropped:
                candidates = [o for o in by_ref.get(fig.ref, ()) if o.id not in claimed]
        match = candidates[0] if candidates else None  # the k-th of a ref is the k-th of a ref
        if match is not None:
            claimed.add(match.id)
        srcs = fig.sources
        key = ((srcs[0].query, srcs[0].source),) if len(srcs) == 1 else tuple((s.query, s.source) for s in srcs)
        named = sourced.get(key)
        if named is None:
            named = sourced[key] = (
                list(dict.fromkeys(q for q, _ in key)),
                list(dict.fromkeys(src for _, src in key)),
            )
        out.append(
            _Expected(
                fig.id,
                fig.ref,
                fig.description,
                fig.part or "",
                fig.text,
                fig.value,
                named[0],
                named[1],
                match,
                wording,
                fig.expr,
                [i for i in fig.inputs if isinstance(i, dict) and "ref" in i] if fig.inputs else [],
                cell,
            )
        )
    return out


def _parameters(
    project: Project, manifest: Manifest | None, warnings: list[str], unit: Unit | None = None
) -> dict[str, Any]:
    """The parameters recorded in the draft, typed as `build_parameters` types them; a
    unit's draft is checked with its `:unit`."""
    params = build_parameters(project.config)
    if unit is not None:
        params["unit"] = unit.name
    if manifest is None or not manifest.parameters:
        return params
    recorded = dict(manifest.parameters)
    changed = []
    for key, value in recorded.items():
        now = params.get(key)
        if isinstance(now, dt.date) and isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                pass
        if key not in params or json_value(now) != json_value(value):
            changed.append(key)
        params[key] = value
    if changed:
        warnings.append(f"参数 {'、'.join(changed)} 与当前配置不同，已按草稿记录的参数重新查询。")
    return params


def _sql_for(queries: list[str], manifest: Manifest | None, run: RunResult) -> str:
    texts = []
    for q in queries:
        entry = manifest.queries.get(q) if manifest is not None else None
        sql = entry.sql if entry is not None else None
        if sql is None:
            result = run.results.get(q)
            sql = result.sql if isinstance(result, QueryResult) else ""
        texts.append(f"-- {q}\n{sql}" if len(queries) > 1 else sql)
    return "\n\n".join(texts)


def _source_label(name: str, project: Project) -> str:
    settings = project.config.sources.get(name)
    desc = getattr(settings, "description", None) if settings is not None else None
    return f"{name}（{desc}）" if desc else name


def _part_of(paragraphs: list[ScannedParagraph], index: int) -> str:
    for p in reversed(paragraphs[: index + 1]):
        if re.match(r"^[一二三四五六七八九十]+、", p.text.strip()):
            return p.text.strip()
    return ""


@dataclass
class _Read:
    """Stage 1: the draft as read — its bytes' digest, manifest, paragraphs and tables."""

    path: Path
    document: Any
    sha256: str
    manifest: Manifest | None
    paragraphs: list[ScannedParagraph]
    warnings: list[str] = field(default_factory=list)

    @property
    def has_controls(self) -> bool:
        return any(p.figures for p in self.paragraphs)


@dataclass
class _Rerun:
    """Stage 2: the queries re-run for the draft's period and the report rendered afresh."""

    project: Project
    period_from: str
    unit: Unit | None
    ruleset: Any
    run: RunResult
    fresh_draft: Any  # drafter.pipeline.render.Draft


@dataclass
class _Compared:
    """Stage 3: the draft compared with the fresh render."""

    mode: str
    figures: list[FigureCheck]
    unbacked: list[UnbackedNumber]
    tables: list[TableFinding]
    wordings: list[WordingCheck]


def read_draft(draft_path: str | Path) -> _Read:
    """Stage 1 of `check`: open the draft (only read) and scan its paragraphs."""
    path = Path(draft_path)
    document, sha = open_draft(path)
    return _Read(path, document, sha, read_manifest(document), scan_document(document))


def _period_used(read: _Read, asked: Period | None) -> tuple[Period | None, str]:
    """(the period to re-run, where it came from): the manifest's, else the one asked, else the
    title's, else (None) the configuration's."""
    recorded = read.manifest.report_period() if read.manifest is not None else None
    if recorded is not None:
        if asked is not None and asked != recorded:
            read.warnings.append(f"草稿记录的期间是{recorded.label}，已忽略 --period {asked.code}。")
        return recorded, "草稿清单"
    if asked is not None:
        return asked, "--period"
    if (titled := period_from_title(read.paragraphs)) is not None:
        return titled, "标题"
    return None, "配置"


def _recorded_runs(manifest: Manifest | None) -> dict[str, list[str]]:
    """The comparison runs (`prev.q`) the draft was built with."""
    runs: dict[str, list[str]] = {}
    for entry in manifest.queries.values() if manifest is not None else []:
        if entry.compare and entry.query:
            runs.setdefault(entry.compare, []).append(entry.query)
    return runs


def _run_warnings(manifest: Manifest | None, run: RunResult, unit: Unit | None = None) -> list[str]:
    """What the re-run tells: each failed query with its unit and reason, the rows a grouped
    query left to no unit (as build tells them), SQL and spreadsheets changed since the build."""
    warnings = [failure.describe(unit.name if unit else None) for failure in run.failures]
    warnings += [w for w in run.unmatched_keys if w not in warnings]
    if manifest is None:
        return warnings
    changed_sql = [
        name
        for name, entry in manifest.queries.items()
        if isinstance(now := run.results.get(name), QueryResult) and entry.sql_hash and entry.sql_hash != now.sql_hash
    ]
    if changed_sql:
        warnings.append(f"查询 {'、'.join(changed_sql)} 的 SQL 自生成草稿以来已修改，数字变化可能来自 SQL。")
    return warnings + changed_spreadsheets(manifest, run)


@dataclass
class LoadedProject:
    """A project loaded for one period, and its renderer (section templates compiled once) made
    at its first render: the drafts of a batch check or refresh that share a period share it."""

    project: Project
    renderer: Renderer | None = None

    def render(self, run: RunResult, unit: Unit | None) -> Draft:
        if self.renderer is None:
            self.renderer = Renderer(self.project, compare_only=True)
        return self.renderer.render(run, unit)


def _loaded(
    config: str | Path | Config,
    sources: dict[str, str] | None,
    period: Period | None,
    projects: dict[tuple, LoadedProject] | None,
) -> LoadedProject:
    """The project for `period`, from `projects` (a batch's, kept between its drafts) when it
    holds it; a draft checked alone loads its own."""
    key = (
        id(config) if isinstance(config, Config) else str(Path(config).resolve()),
        tuple(sorted((sources or {}).items())),
        period,
    )
    if projects is not None and key in projects:
        return projects[key]
    loaded = LoadedProject(load_project(config, sources=sources, period=period))
    if projects is not None:
        projects[key] = loaded
    return loaded


def rerun(
    read: _Read,
    config: str | Path | Config,
    *,
    sources: dict[str, str] | None,
    period: Period | None,
    runner: Callable[..., RunResult] | None,
    timings: dict[str, float],
    projects: dict[tuple, LoadedProject] | None = None,
) -> _Rerun:
    """Stage 2 of `check`: re-run the queries with the period and parameters the draft records
    and render the report afresh."""
    manifest = read.manifest
    period_used, period_from = _period_used(read, period)
    unit = Unit.from_json(manifest.unit) if manifest is not None else None
    loaded = _loaded(config, sources, period_used, projects)
    project = loaded.project
    if manifest is not None and manifest.agency and manifest.agency != project.config.report.agency:
        read.warnings.append(f"草稿的发文机关是“{manifest.agency}”，当前配置是“{project.config.report.agency}”。")
    ruleset = load_rules(project.config)
    t = time.perf_counter()
    params = _parameters(project, manifest, read.warnings, unit)
    also = _recorded_runs(manifest)
    if unit is not None and runner is None:  # alone: grouped as `build --unit` runs it (rows no unit received)
        run = run_unit_draft(project, unit, params=params, also=also, ruleset=ruleset)
    else:
        run = run_project(project, params=params, also=also, ruleset=ruleset, runner=runner)
    timings["queries"] = time.perf_counter() - t
    read.warnings.extend(_run_warnings(manifest, run, unit))
    t = time.perf_counter()
    fresh_draft = loaded.render(run, unit)
    timings["render"] = time.perf_counter() - t
    return _Rerun(project, period_from, unit, ruleset, run, fresh_draft)


def _mode(read: _Read, fresh: list[ScannedParagraph], alignment: dict[int, int]) -> str:
    """内容控件模式 when the draft has its manifest and controls; else paragraph mode, refused
    when the draft's paragraphs do not match the templates at all."""
    mode = CONTROLS if read.manifest is not None and read.has_controls else PARAGRAPHS
    if mode == PARAGRAPHS:
        wanted = [j for j, p in enumerate(fresh) if p.text.strip()]
        if wanted and sum(1 for j in wanted if j in alignment) < len(wanted) / 3:
            raise DraftError(
                "草稿中既没有 drafter 的内容控件和清单，段落也与当前模板对不上，无法核对",
                path=read.path,
                hint="请确认这是用本配置生成的草稿（期间可用 --period 或 --year 指定）；或重新生成草稿后再编辑。",
            )
    if read.has_controls and read.manifest is None:
        read.warnings.append("草稿中的清单已被去掉，无法区分“手工修改”和“数据已变化”。")
    return mode


def _fresh_places(fresh: list[ScannedParagraph]) -> dict[str, tuple[int, tuple[int, int]]]:
    fresh_at: dict[str, tuple[int, tuple[int, int]]] = {}
    for p in fresh:
        for span in p.figures:
            fresh_at.setdefault(span.id, (p.index, (span.start, span.end)))
    return fresh_at


def compare(read: _Read, again: _Rerun) -> _Compared:
    """Stage 3 of `check`: the draft's figures, wordings, numbers and tables against the fresh render."""
    manifest, fresh_draft = read.manifest, again.fresh_draft
    registry = fresh_draft.registry
    fresh_body = fresh_draft.document.element.body
    fresh, kept = scan_with_cells(fresh_body, fresh_draft.table_cells)
    drafted = draft_tables(read.paragraphs, read.document.element.body)
    alignment, merged = _alignment(read.paragraphs, fresh, drafted, draft_tables(fresh, fresh_body, kept))
    mode = _mode(read, fresh, alignment)
    wording = compare_wordings(
        manifest,
        registry.wordings,
        fresh_draft.conditions,
        read.paragraphs,
        fresh,
        alignment | merged,
        # the draft's bookmarks place only the wordings its manifest records (a long table's
        # body is 40,000 cells to look through for none)
        wording_ranges(read.document) if mode == CONTROLS and manifest is not None and manifest.wordings else {},
        wording_ranges(fresh_draft.document, fresh),
    )
    read.warnings.extend(wording.warnings)
    expected = _expected_figures(manifest, list(registry), registry.wordings, wording.dropped)
    # a wording an editor rewrote as the data now give it: its old figures are rightly gone
    expected = [e for e in expected if e.fresh is not None or e.wording not in wording.rewritten]
    if manifest is None:  # a figure the changed wording now gives is told by its 措辞已变化
        changed = wording.changed_now(registry.wordings)
        expected = [e for e in expected if not (e.fresh and e.fresh.wording in changed)]
    checker = _Checker(
        again.project, manifest, again.run, read.paragraphs, fresh, alignment, _fresh_places(fresh), wording.dropped
    )
    checker.merged = merged
    checker.unit = again.unit.name if again.unit else None
    checker.fresh_tables = {t.number for t in registry.tables}
    figures, covered = checker.by_controls(expected) if mode == CONTROLS else checker.by_paragraphs(expected)
    for index, spans in wording.covered.items():
        covered.setdefault(index, []).extend(spans)
    unbacked = checker.unbacked(covered, figures)
    tables, unbacked = _compare_tables(read, registry, mode, drafted, figures, unbacked)
    # words typed with a pasted, moved or retyped figure are told by that finding, not again
    told = [f for f in figures if f.status in (COPIED, MOVED, REMOVED)] + unbacked + tables
    told += [w for w in wording.checks if w.finding]
    if mode == CONTROLS:  # the draft's figures located by their controls, its words comparable
        wording.checks += text_edits(manifest, read.paragraphs, wording.checks, told)
    mark_changed_templates(wording.checks, manifest, again.project.config.root)
    read.warnings.extend(_waiting(figures))
    return _Compared(mode, figures, unbacked, tables, wording.checks)


def _compare_tables(
    read: _Read, registry: Any, mode: str, drafted, figures: list[FigureCheck], unbacked: list[UnbackedNumber]
) -> tuple[list[TableFinding], list[UnbackedNumber]]:
    """The tables' and charts' findings; figures and numbers in a table are told by their cell, a
    number typed in an added row by that row's finding."""
    d_tables, positions = drafted
    known: dict[int, tuple[int, list[str]]] = {}
    statuses = {"stale": STALE, "removed": REMOVED, "edited": EDITED, "unchecked": UNCHECKED}
    manifest = read.manifest if mode == CONTROLS else None
    tables, row_figures, added_rows = table_findings(manifest, registry, d_tables, statuses, known)
    tables += chart_findings(read.manifest, registry, read.document, STALE, REMOVED)
    for fc in figures:
        if fc.id in row_figures and fc.status == REMOVED:
            fc.row_removed = True
            fc.note += "所在的行已删除（见该行的发现）。"
    for item in unbacked:
        if item.paragraph in positions:
            item.cell = located_label(d_tables, positions[item.paragraph], known)
    typed = [n for n in unbacked if n.paragraph in added_rows]
    for finding in tables:
        rows_typed = [
            n.text
            for n in typed
            if finding.paragraph is not None and _same_row(read.paragraphs, finding.paragraph, n.paragraph)
        ]
        if rows_typed:
            finding.note += f"行中的数字：{'、'.join(rows_typed)}。"
    for fc in figures:
        if not fc.cell and fc.paragraph in positions:
            fc.cell = located_label(d_tables, positions[fc.paragraph], known)
    return tables, [n for n in unbacked if n.paragraph not in added_rows]


def _waiting(figures: list[FigureCheck]) -> list[str]:
    waiting = [f.id for f in figures if f.draft_text and f.draft_text.startswith("【待补充")]
    if not waiting:
        return []
    # consistent with the data, yet not a figure a final text can carry
    more = " 等" if len(waiting) > 10 else ""
    return [
        f"草稿中仍有 {len(waiting)} 处【待补充】（{'、'.join(waiting[:10])}{more}），"
        "定稿前需补齐数据后重新生成，或由编辑填写。"
    ]


def _check_rules(read: _Read, again: _Rerun, timings: dict[str, float]) -> list[Any]:
    """The consistency rules on the fresh render's figures."""
    if not again.ruleset:
        return []

    t = time.perf_counter()
    fresh_draft = again.fresh_draft
    rule_run = run_project_rules(fresh_draft.context, fresh_draft.registry, again.ruleset, again.run)
    read.warnings.extend(rule_run.skipped)
    if rule_run.no_prior:
        read.warnings.append(f"数据库中没有上一期的数据，{len(rule_run.no_prior)} 条与上年比的规则未核对。")
    timings["rules"] = time.perf_counter() - t
    return rule_run.findings


def check(
    draft_path: str | Path,
    config: str | Path | Config = "config.yaml",
    *,
    sources: dict[str, str] | None = None,
    year: int | None = None,
    period: PeriodLike | None = None,
    runner: Callable[..., RunResult] | None = None,
    projects: dict[tuple, LoadedProject] | None = None,
) -> CheckReport:
    """Check a draft against the databases; see the module docstring for what is reported.

    Three stages: read the draft (`read_draft`), re-run its queries and render the report afresh
    (`rerun`), compare the two (`compare`), then the consistency rules on the current data.
    The queries run for the period the draft's manifest records (a draft built before periods
    existed records its year: a year period). `period` (a Period, a year or its written form;
    `year`, the public API's short form of a year period) is used only when the draft
    no longer carries its manifest; then the period its title names, then the configuration's.
    The draft file is only read. A unit's draft (`build --each`) is checked for the unit its
    manifest records. `runner` stands in for `run_jobs` (a batch check shares query results
    between drafts); `projects` keeps the project loaded for a period between a batch's drafts.
    """
    started = time.perf_counter()
    read = read_draft(draft_path)
    timings: dict[str, float] = {"open": time.perf_counter() - started}
    asked = as_period(year if period is None else period)
    again = rerun(read, config, sources=sources, period=asked, runner=runner, timings=timings, projects=projects)
    t = time.perf_counter()
    compared = compare(read, again)
    timings["compare"] = time.perf_counter() - t
    rule_findings = _check_rules(read, again, timings)
    manifest, project = read.manifest, again.project
    return CheckReport(
        draft=read.path,
        sha256=read.sha256,
        mode=compared.mode,
        year=project.year,
        year_from=again.period_from,
        has_manifest=manifest is not None,
        built_at=manifest.built_at if manifest else None,
        generator=manifest.generator if manifest else None,
        figures=compared.figures,
        unbacked=compared.unbacked,
        warnings=read.warnings,
        elapsed=time.perf_counter() - started,
        timings=timings,
        tables=compared.tables,
        wordings=compared.wordings,
        rules=rule_findings,
        fixed_numbers=template_literals(project.config),
        run=again.run,
        period=project.period,
        unit=again.unit.name if again.unit else None,
        refreshed_at=manifest.refreshed_at if manifest else None,
        unmatched_keys=list(again.run.unmatched_keys),
    )


def _alignment(
    draft: list[ScannedParagraph], fresh: list[ScannedParagraph], drafted, freshly
) -> tuple[dict[int, int], dict[int, int]]:
    """Fresh → draft paragraph index: text paragraphs by difflib, table cells by table, row and column
    (a long table would otherwise be thousands of look-alike paragraphs for difflib); and, apart,
    fresh paragraphs an editor merged into a neighbour's draft paragraph (see merged_paragraphs)."""
    cells, draft_cells, fresh_cells = align_cells(drafted, freshly)
    d_rest = [p for p in draft if p.index not in draft_cells]
    f_rest = [p for p in fresh if p.index not in fresh_cells]
    d_texts, f_texts = [p.text for p in d_rest], [p.text for p in f_rest]
    pairs = align_paragraphs(d_texts, f_texts)
    merged = {f_rest[f].index: d_rest[d].index for f, d in merged_paragraphs(d_texts, f_texts, pairs).items()}
    alignment = {f_rest[f].index: d_rest[d].index for f, d in pairs.items()}
    alignment.update(cells)
    return alignment, merged


def _same_row(draft: list[ScannedParagraph], a: int, b: int | None) -> bool:
    if b is None:
        return False
    tr_a = _row_of(draft[a].element)
    return tr_a is not None and tr_a is _row_of(draft[b].element)


def _row_of(p):
    parent = p.getparent()
    while parent is not None and parent.tag != qn("w:tr"):
        parent = parent.getparent()
    return parent


def changed_spreadsheets(manifest: Manifest, run: RunResult) -> list[str]:
    """A line for each spreadsheet source whose file differs from the one the draft was built from."""
    now: dict[str, str] = {}
    for result in run.results.values():
        digest = getattr(result, "source_hash", None)
        if result.ok and digest:
            now[result.source] = digest
    lines = []
    for name, info in manifest.sources.items():
        if not info.sha256 or name not in now or info.sha256 == now[name]:
            continue
        lines.append(
            f"数据源“{name}”的表格文件 {info.file or name} 自生成草稿以来已修改（内容指纹不同），"
            "下面的数字按修改后的文件核对。"
        )
    return lines


class _Checker:
    def __init__(
        self,
        project: Project,
        manifest: Manifest | None,
        run: RunResult,
        draft: list[ScannedParagraph],
        fresh: list[ScannedParagraph],
        alignment: dict[int, int],
        fresh_at: dict[str, tuple[int, tuple[int, int]]],
        dropped: dict[str, WordingCheck] | None = None,
    ) -> None:
        self.dropped: dict[str, WordingCheck] = dropped or {}
        self.project = project
        self.manifest = manifest
        self.run = run
        self.draft: list[ScannedParagraph] = draft
        self.fresh: list[ScannedParagraph] = fresh
        self.alignment: dict[int, int] = alignment  # fresh → draft
        self.fresh_at = fresh_at
        self.fresh_tables: set[int] = set()
        self.merged: dict[int, int] = {}  # fresh → the draft paragraph an editor merged it into
        self.unit: str | None = None  # a unit's draft: named in the failures of its queries
        self._matchers: dict[tuple[int, int], difflib.SequenceMatcher] = {}
        self._source_labels: dict[int, tuple[list[str], Any]] = {}  # see _once
        self._sql_texts: dict[int, tuple[list[str], Any]] = {}
        self._failures: dict[int, tuple[list[str], Any]] = {}

    # -- shared ------------------------------------------------------------------------------
    def _base(self, exp: _Expected, status: str) -> FigureCheck:
        fresh = exp.fresh
        return FigureCheck(
            id=exp.id,
            ref=exp.ref,
            status=status,
            part=exp.part or (fresh.part if fresh else "") or "",
            description=exp.description,
            sentence="",
            draft_text=None,
            built_text=exp.built_text,
            current_text=None if fresh is None else fresh.text,
            built_value=exp.built_value,
            current_value=None if fresh is None else json_value(fresh.value),
            queries=exp.queries,
            sources=self._labels(exp.sources),
            sql=self._sql(exp.queries),
            cell=cell_label(exp.cell),
        )

    # The figures of a long table share a few queries and sources (the same lists: _expected_figures):
    # what is made of a list is made once, and shared by the checks, which only read it.
    @staticmethod
    def _once(made: dict[int, tuple[list[str], Any]], names: list[str], make: Callable[[list[str]], Any]) -> Any:
        # by the list's id, the list kept with it (an id is another list's once the list is gone)
        found = made.get(id(names))
        if found is None or found[0] is not names:
            found = made[id(names)] = (names, make(names))
        return found[1]

    def _labels(self, sources: list[str]) -> list[str]:
        return self._once(self._source_labels, sources, lambda s: [_source_label(x, self.project) for x in s])

    def _sql(self, queries: list[str]) -> str:
        return self._once(self._sql_texts, queries, lambda q: _sql_for(q, self.manifest, self.run))

    # -- derived figures: recomputed from their inputs --------------------------------------------
    def _current_value(self, ref: str) -> Any:
        """The raw value the current run gives for `q.col`, `q[3].col` or `prev.q.col`; _UNKNOWN
        when it has none to give (the query failed, the row or column is gone)."""
        key, dot, column = ref.rpartition(".")
        row = None
        index = re.fullmatch(r"(.*)\[(\d+)\]", key)
        if index:
            key, row = index.group(1), int(index.group(2))
        result = self.run.results.get(key) if dot else None
        if not isinstance(result, QueryResult):
            return _UNKNOWN
        value = result.value
        if isinstance(value, list):
            if row is None or not 0 <= row < len(value):
                return _UNKNOWN
            value = value[row]
        if isinstance(value, Row):
            if column not in value:
                return _UNKNOWN
            value = value[column]
        return value.value if isinstance(value, Figure) else _UNKNOWN

    def _recompute(self, exp: _Expected) -> tuple[Any, list[str]] | None:
        """(the derived figure's value from the current inputs, "ref 旧→新" for each input that
        changed), or None when it is not derived or an input cannot be had now."""
        if exp.expr is None or not exp.inputs:
            return None
        now: dict[str, Any] = {}
        for item in exp.inputs:
            value = self._current_value(item["ref"])
            if value is _UNKNOWN:
                return None
            now[item["ref"]] = value
        try:
            value = evaluate(exp.expr, now)
        except (ValueError, ArithmeticError, DrafterError):
            return None
        changed = [
            f"{i['ref']} {i.get('value')}→{json_value(now[i['ref']])}"
            for i in exp.inputs
            if json_value(now[i["ref"]]) != i.get("value")
        ]
        return value, changed

    def _inputs_note(self, fc: FigureCheck, exp: _Expected) -> None:
        """A derived figure whose data changed says which of its inputs did."""
        if fc.status != STALE:
            return
        again = self._recompute(exp)
        if again and again[1]:
            fc.note += f"算式 {formula_text(exp.expr)} 的输入变化：{'；'.join(again[1])}。"

    def _judge_by_inputs(self, fc: FigureCheck, exp: _Expected, draft_text: str) -> bool:
        """A derived figure the current templates no longer print is checked through its recorded
        formula and inputs; False when that cannot be done (then it cannot be checked)."""
        again = self._recompute(exp)
        if again is None or exp.built_text is None:
            return False
        value, changed = again
        fc.draft_text, fc.current_value = draft_text, json_value(value)
        formula = formula_text(exp.expr)
        if draft_text != exp.built_text:
            fc.status = EDITED
            fc.note = f"当前模板中已没有这个数字；按草稿记录的算式 {formula} 由当前数据重新计算，原始值为 {json_value(value)}。"
        elif json_value(value) != json_value(exp.built_value):
            fc.status = STALE
            fc.note = (
                f"当前模板中已没有这个数字；按草稿记录的算式 {formula} 由当前数据重新计算，"
                f"原始值由 {exp.built_value} 变为 {json_value(value)}（输入变化：{'；'.join(changed)}）。"
            )
        else:
            fc.status = CONSISTENT
            fc.note = f"当前模板中已没有这个数字；按草稿记录的算式 {formula} 由当前数据重新计算，结果不变。"
        return True

    def _failed(self, exp: _Expected) -> str | None:
        failed = self._once(self._failures, exp.queries, self._query_failure)
        if failed is not None:
            return failed
        if exp.fresh is None and exp.wording not in self.dropped:
            return "当前模板中已没有这个数字"
        return None

    def _query_failure(self, queries: list[str]) -> str | None:
        for q in queries:
            result = self.run.results.get(q)
            if result is None:
                return f"当前查询目录中没有查询 {q}"
            if not result.ok:
                return result.describe(self.unit)
        return None

    def _query_failed(self, exp: _Expected) -> bool:
        """Whether a query of the figure fails now: the fresh render then has no sentence to judge
        the place of its control by (a placeholder, or a paragraph its condition could not decide),
        so the figure stays where the draft has it, 无法核对, never 已移动 or 已删除."""
        return (self._failed(exp) or "").startswith("查询")

    def _dropped(self, fc: FigureCheck, exp: _Expected) -> None:
        """A figure of a wording whose condition now takes another branch: the data no longer
        print it (数据已变化), unless an editor changed it (手工修改)."""
        wc = self.dropped.get(exp.wording or "")
        if wc is None or exp.fresh is not None:
            return
        fc.current_text = None
        now = f"“{wc.current_text}”" if wc.current_text else "（无文字）"
        say = f"条件“{wc.condition}”现在取另一分支（{wc.id} {REWORDED}），数据现在给出的措辞{now}中没有这个数字。"
        if fc.status == EDITED:
            fc.note = say
        elif fc.status in (STALE, CONSISTENT):
            fc.status, fc.note = STALE, say

    def _fresh_place(self, exp: _Expected) -> tuple[int | None, int | None, tuple[int, int] | None]:
        """(fresh paragraph, aligned draft paragraph, span in the fresh paragraph)."""
        if exp.fresh is None or exp.fresh.id not in self.fresh_at:
            return None, None, None
        j, span = self.fresh_at[exp.fresh.id]
        return j, self.alignment.get(j, self.merged.get(j)), span

    def _matcher(self, j: int, i: int) -> difflib.SequenceMatcher:
        key = (j, i)
        if key not in self._matchers:
            self._matchers[key] = difflib.SequenceMatcher(None, self.fresh[j].text, self.draft[i].text, autojunk=False)
        return self._matchers[key]

    def _anchor_for_missing(self, j: int | None, i: int | None) -> int | None:
        """The draft paragraph a note about a vanished figure goes on."""
        if i is not None:
            return i
        if j is None:
            return None
        earlier = [d for f, d in self.alignment.items() if f < j]
        return max(earlier) if earlier else None

    def _judge(self, fc: FigureCheck, draft_text: str) -> None:
        built, current = fc.built_text, fc.current_text
        fc.draft_text = draft_text
        if built is None:  # no manifest: only the fresh render to compare with
            if draft_text == current:
                fc.status = CONSISTENT
            else:
                fc.status = EDITED
                fc.note = "草稿没有生成记录，也可能是数据已变化。"
            return
        if draft_text != built:
            fc.status = EDITED
            if current is not None and draft_text == current:
                fc.note = "已改为当前数据给出的数字。"
            elif current is not None and current != built:
                fc.note = f"数据也已变化：当前应为“{current}”。"
            return
        if current != built:
            fc.status = STALE
            raw = "" if str(fc.current_value) == current else f"（原始值 {fc.current_value}）"
            fc.note = f"数据库现在给出“{current}”{raw}。"
            return
        fc.status = CONSISTENT
        if json_value(fc.built_value) != fc.current_value and fc.built_value is not None:
            fc.note = f"原始值由 {fc.built_value} 变为 {fc.current_value}，写出的文字不变。"

    # -- 内容控件模式 -------------------------------------------------------------------------
    def by_controls(self, expected: list[_Expected]):
        located: dict[str, list[tuple[ScannedParagraph, Any]]] = {}
        for p in self.draft:
            for span in p.figures:
                located.setdefault(span.id, []).append((p, span))
        covered: dict[int, list[tuple[int, int]]] = {}
        for p in self.draft:  # every control's text is backed by its figure
            covered[p.index] = [(s.start, s.end) for s in p.figures]
        out = []
        for exp in expected:
            fc = self._base(exp, CONSISTENT)
            places = located.get(exp.id, [])
            nonempty = [(p, s) for p, s in places if p.text[s.start : s.end].strip()]
            home, others = self._home(exp, nonempty)
            if home is not None:
                self._judge_control(fc, exp, *home)
            elif others and self._plain_in_place(fc, exp, covered):
                pass  # its number stands in its own sentence as plain text: the control elsewhere is a copy
            elif others:  # its only place is in another sentence: moved there
                home, *others = others
                self._judge_control(fc, exp, *home)
                self._moved(fc, exp)
            else:
                self._removed(fc, exp, places)
            out.append(fc)
            out += [self._copy(exp, fc, p, s) for p, s in others]
        return out, covered

    def _context(self, text: str, start: int, end: int) -> str:
        """A figure's sentence with the figure and every number masked: where it stands, for
        telling a copied or moved control from the one the template put there."""
        return _key(sentence_around(text[:start] + "#" + text[end:], start, start + 1))

    def _home(self, exp: _Expected, nonempty: list) -> tuple[tuple | None, list]:
        """(the control in the figure's own sentence, the controls elsewhere: copies). Its own
        sentence is the fresh render's, the one the template writes it in now; a figure the
        templates no longer print keeps its first control."""
        j, i, fspan = self._fresh_place(exp)
        if not nonempty or j is None or fspan is None:
            return (nonempty[0] if nonempty else None), nonempty[1:]
        if exp.cell:  # a table's copied rows are told by the table's findings
            return nonempty[0], []
        if len(nonempty) == 1 and nonempty[0][0].index == i:  # its one control in its paragraph: a rewritten sentence
            return nonempty[0], []
        want = self._context(self.fresh[j].text, *fspan)
        scored = []
        for p, s in nonempty:
            ratio = difflib.SequenceMatcher(None, want, self._context(p.text, s.start, s.end), autojunk=False).ratio()
            scored.append((ratio + (0.25 if p.index == i else 0), p, s))
        best = max(scored, key=lambda x: x[0])
        if best[0] < 0.6 and not self._query_failed(exp):
            return None, [(p, s) for _, p, s in sorted(scored, key=lambda x: -x[0])]
        return (best[1], best[2]), [(p, s) for _, p, s in scored if s is not best[2]]

    def _judge_control(self, fc: FigureCheck, exp: _Expected, p: ScannedParagraph, s: Any) -> None:
        fc.paragraph, fc.span = p.index, (s.start, s.end)
        fc.sentence = sentence_around(p.text, s.start, s.end)
        shown = p.text[s.start : s.end]
        failed = self._failed(exp)
        if (
            exp.fresh is None
            and exp.cell
            and exp.cell.get("table") in self.fresh_tables
            and not (failed or "").startswith("查询")
        ):
            fc.draft_text = shown
            if fc.draft_text != fc.built_text:
                fc.status, fc.note = EDITED, "数据也已变化：当前数据中已没有这一行。"
            else:
                fc.status, fc.note = STALE, "当前数据中已没有这一行（见该表的发现）。"
        elif failed and exp.fresh is None and self._judge_by_inputs(fc, exp, shown):
            pass
        elif failed:
            fc.status, fc.draft_text, fc.note = UNCHECKED, shown, failed
        else:
            self._judge(fc, shown)
            self._dropped(fc, exp)
            self._inputs_note(fc, exp)
        self._digits_beside(fc, exp, p, s)
        if s.split:
            fc.note += f"同一数字被拆成 {len(s.controls)} 个内容控件、文字重复（LibreOffice 7.4 另存的已知问题）。"

    def _plain_in_place(self, fc: FigureCheck, exp: _Expected, covered: dict[int, list[tuple[int, int]]]) -> bool:
        """Whether the figure's own sentence still shows its built text, as plain text: an office
        suite that keeps one bookmark of a name gave the copy the identity and left the original
        plain. Then the original is judged there and the control elsewhere is a copy."""
        j, i, fspan = self._fresh_place(exp)
        if i is None or j is None or fspan is None or not exp.built_text:
            return False
        da, db = map_span(self.fresh[j].text, self.draft[i].text, *fspan, matcher=self._matcher(j, i))
        if self.draft[i].text[da:db] != exp.built_text:
            return False
        fc.paragraph, fc.span = i, (da, db)
        fc.sentence = sentence_around(self.draft[i].text, da, db)
        self._judge(fc, exp.built_text)
        fc.note += "这个数字的内容控件已丢失（办公软件另存时），按原处的文字核对。"
        covered.setdefault(i, []).append((da, db))
        return True

    def _digits_beside(self, fc: FigureCheck, exp: _Expected, p: ScannedParagraph, s: Any) -> None:
        """Digits typed right against a control (`1428` + `0`) make the reader see another number:
        the figure is then edited, read as the whole number (unless the template itself writes
        digits there)."""
        if not (_joins(p.text[s.start - 1 : s.start]) or _joins(p.text[s.end : s.end + 1])):
            return  # nothing a number is made of touches the control: no number runs across its edge
        token = next((n for n in numbers(p.text) if n.start < s.end and n.end > s.start), None)
        if token is None or (token.start >= s.start and token.end <= s.end) or fc.status == UNCHECKED:
            return
        j, _, fspan = self._fresh_place(exp)
        if j is not None and fspan is not None:
            fresh = next((n for n in numbers(self.fresh[j].text) if n.start < fspan[1] and n.end > fspan[0]), None)
            if fresh is not None and not (fresh.start >= fspan[0] and fresh.end <= fspan[1]):
                return  # the template writes digits against it
        fc.status, fc.draft_text = EDITED, token.text
        fc.span = (token.start, token.end)
        fc.note += f"内容控件旁紧挨着输入了数字，读者看到的是“{token.text}”。"

    def _moved(self, fc: FigureCheck, exp: _Expected) -> None:
        j, _, fspan = self._fresh_place(exp)
        assert j is not None and fspan is not None, "only a figure the template prints can move"
        was = "" if fc.status == CONSISTENT else f"（且{fc.status}：{fc.note}）"
        fc.status = MOVED
        fc.note = (
            f"内容控件被移到了这一句，不在模板写它的句子中{was}；原句（按当前模板）："
            f"“{sentence_around(self.fresh[j].text, *fspan)}”。请核实这句的说法，并补回原句的数字。"
        )

    def _copy(self, exp: _Expected, home: FigureCheck, p: ScannedParagraph, s: Any) -> FigureCheck:
        """A copy of a figure's control (Word keeps its tag) standing in another sentence."""
        fc = self._base(exp, COPIED)
        fc.paragraph, fc.span = p.index, (s.start, s.end)
        fc.sentence = sentence_around(p.text, s.start, s.end)
        fc.draft_text = p.text[s.start : s.end]
        typed = "" if fc.draft_text == home.built_text else "，其中的文字也已改动"
        where = f"第 {home.paragraph + 1} 段" if home.paragraph is not None else "原处"
        fc.note = (
            f"{exp.id} 的内容控件被复制到了这一句{typed}；模板写它的地方在{where}。"
            "这一句的数字不来自查询，请核实或改为普通文字。"
        )
        return fc

    def _removed(self, fc: FigureCheck, exp: _Expected, places: list) -> None:
        j, i, fspan = self._fresh_place(exp)
        fc.status = REMOVED
        if places:
            p, s = places[0]
            fc.paragraph, fc.span, fc.draft_text = p.index, None, ""
            fc.sentence = sentence_around(p.text, s.start, s.end)
            fc.note = "内容控件还在，但其中的文字已删空。"
        elif i is not None:  # its paragraph is still there: say where it stood
            assert j is not None and fspan is not None, "i is the draft paragraph aligned to j"
            da, db = map_span(self.fresh[j].text, self.draft[i].text, *fspan, matcher=self._matcher(j, i))
            fc.paragraph, fc.span = i, ((da, db) if db > da else None)
            fc.sentence = sentence_around(self.draft[i].text, da, db)
            fc.note = "内容控件已不在草稿中。"
        else:
            fc.paragraph = self._anchor_for_missing(j, i)
            if j is not None:
                assert fspan is not None, "a fresh paragraph j comes with the figure's span in it"
                fc.sentence = "（按当前模板）" + sentence_around(self.fresh[j].text, *fspan)
            fc.note = "内容控件和所在段落都已不在草稿中。"

    # -- 段落比对模式 -------------------------------------------------------------------------
    def by_paragraphs(self, expected: list[_Expected]):
        covered: dict[int, list[tuple[int, int]]] = {}
        out = []
        for exp in expected:
            fc = self._base(exp, CONSISTENT)
            j, i, fspan = self._fresh_place(exp)
            failed = self._failed(exp)
            wc = self.dropped.get(exp.wording or "")
            if j is None and wc is not None and not failed:
                self._in_changed_wording(fc, exp, wc)
                out.append(fc)
                continue
            if j is None:
                fc.status, fc.note = UNCHECKED, failed or "当前模板中已没有这个数字，段落比对模式下无法定位。"
                out.append(fc)
                continue
            assert fspan is not None, "a fresh paragraph j comes with the figure's span in it"
            if i is None and failed:  # not found, yet maybe untouched: its query cannot say
                fc.status, fc.note = UNCHECKED, failed
                fc.paragraph = self._anchor_for_missing(j, i)
                out.append(fc)
                continue
            if i is None:
                fc.status = REMOVED
                fc.paragraph = self._anchor_for_missing(j, i)
                fc.sentence = "（按当前模板）" + sentence_around(self.fresh[j].text, *fspan)
                fc.note = "所在段落已不在草稿中。"
                out.append(fc)
                continue
            da, db = map_span(self.fresh[j].text, self.draft[i].text, *fspan, matcher=self._matcher(j, i))
            if _gone(self.draft[i].text[da:db], fc.current_text):
                i, da, db = self._split_off(j, i, fspan, fc.current_text) or (i, da, db)
            p = self.draft[i]
            shown = p.text[da:db]
            fc.paragraph, fc.span = i, (da, db)
            fc.sentence = sentence_around(p.text, da, db)
            if failed:
                fc.status, fc.draft_text, fc.note = UNCHECKED, shown, failed
            elif _gone(shown, fc.current_text):
                fc.status, fc.draft_text, fc.span = REMOVED, "", None
                fc.note = "段落还在，但这个数字已不在原处。"
            else:
                self._judge(fc, shown)
                self._inputs_note(fc, exp)
            if fc.span:
                covered.setdefault(i, []).append(fc.span)
            out.append(fc)
        return out, covered

    def _in_changed_wording(self, fc: FigureCheck, exp: _Expected, wc: WordingCheck) -> None:
        """A figure whose wording changed branch: looked for where the draft's wording stands."""
        fc.paragraph = wc.paragraph
        text = self.draft[wc.paragraph].text if wc.paragraph is not None else ""
        a, b = wc.span or (0, len(text))
        at = text.find(exp.built_text or "\0", a, b) if exp.built_text else -1
        if at >= 0:
            fc.span = (at, at + len(exp.built_text or ""))
            fc.sentence = sentence_around(text, *fc.span)
            self._judge(fc, exp.built_text or "")
        else:
            fc.sentence = wc.sentence
            fc.draft_text, fc.status = "", STALE
        self._dropped(fc, exp)

    def _split_off(self, j: int, i: int, fspan: tuple[int, int], figure: str | None) -> tuple[int, int, int] | None:
        """(draft paragraph, span) of a figure not at its place in draft paragraph i because an editor
        split its sentence off into a paragraph of its own: the unpaired draft paragraph just after or
        before i, when the figure's sentence (numbers masked) stands there."""
        text = self.fresh[j].text
        sentence = _key(sentence_around(text, *fspan, limit=len(text)))
        paired = set(self.alignment.values())
        for n in (i + 1, i - 1):
            if not 0 <= n < len(self.draft) or n in paired or sentence not in _key(self.draft[n].text):
                continue
            da, db = map_span(text, self.draft[n].text, *fspan, matcher=self._matcher(j, n))
            if not _gone(self.draft[n].text[da:db], figure):
                return n, da, db
        return None

    # -- 无来源数字 -----------------------------------------------------------------------------
    def _expected_numbers(self, index: int, draft_to_fresh: dict[int, int], aligned: list[int]) -> list[Number]:
        """The template's own numbers a draft paragraph may hold: those of its fresh paragraph, and
        of fresh paragraphs an editor split off or merged in — the unaligned ones between its
        aligned neighbours (or, for a paragraph that has no fresh one, its neighbours' too)."""
        j = draft_to_fresh.get(index)
        # all its numbers, item numbers too: merged into another paragraph, `3.` is no longer first
        expected = numbers(self.fresh[j].static_text()) if j is not None else []
        k = bisect.bisect_left(aligned, index)
        before = aligned[k - 1] if k > 0 else None
        after_at = k + 1 if j is not None else k
        after = aligned[after_at] if after_at < len(aligned) else None
        low = draft_to_fresh[before] if before is not None else -1
        high = draft_to_fresh[after] if after is not None else len(self.fresh)
        taken = set(self.alignment)
        gap = [f for f in range(low + 1, high) if f not in taken]
        if j is None:
            gap += [f for f in (low, high) if 0 <= f < len(self.fresh)]
        for f in gap:
            expected += numbers(self.fresh[f].static_text())
        return expected

    def unbacked(self, covered: dict[int, list[tuple[int, int]]], figures: list[FigureCheck]) -> list[UnbackedNumber]:
        draft_to_fresh = {d: f for f, d in self.alignment.items()}
        aligned = sorted(draft_to_fresh)
        removed_by_paragraph: dict[int, list[FigureCheck]] = {}
        for fc in figures:
            if fc.status == REMOVED and fc.paragraph is not None:
                removed_by_paragraph.setdefault(fc.paragraph, []).append(fc)
        out = []
        for p in self.draft:
            spans = covered.get(p.index, [])
            if spans and not _digits_outside(p.text, spans):
                continue  # every digit is a figure's (a table cell): no number of its own
            # a number touching a figure's control is that figure's (digits typed against it: 手工修改)
            outside = [n for n in counted_numbers(p.text) if not any(n.start < b and n.end > a for a, b in spans)]
            if not outside:
                continue
            expected = self._expected_numbers(p.index, draft_to_fresh, aligned)
            for n in unmatched(outside, expected):
                note = "" if p.index in draft_to_fresh else "所在段落是草稿中新写的（当前模板中没有对应段落）。"
                note = _retyped(n, removed_by_paragraph.get(p.index, [])) or note
                out.append(
                    UnbackedNumber(
                        text=_with_unit(p.text, n),
                        part=_part_of(self.draft, p.index),
                        sentence=sentence_around(p.text, n.start, n.end),
                        paragraph=p.index,
                        span=(n.start, n.end),
                        note=note,
                    )
                )
        return out


def _digits_outside(text: str, spans: list[tuple[int, int]]) -> bool:
    """Whether `text` has a digit outside the figures' `spans`."""
    pos = 0
    for a, b in sorted(spans):
        if any(ch.isdigit() for ch in text[pos:a]):
            return True
        pos = max(pos, b)
    return any(ch.isdigit() for ch in text[pos:])


def _joins(ch: str) -> bool:
    """Whether `ch` (one character or none) may be part of a number (scan.numbers)."""
    return bool(ch) and (ch.isdigit() or ch in ",.．")


def _gone(shown: str, figure: str | None) -> bool:
    """Nothing of a figure at its place: no text, or no digit where the figure has digits."""
    return not shown.strip() or (any(c.isdigit() for c in figure or "") and not any(c.isdigit() for c in shown))


def _retyped(n: Number, removed: list[FigureCheck]) -> str:
    """A number typed where a figure's control was deleted says so (and the figure notes it)."""
    for fc in removed:
        if (fc.built_text and normalise(fc.built_text).startswith(n.value)) or (
            fc.current_text and normalise(fc.current_text).startswith(n.value)
        ):
            fc.note += f"同一段中有手工输入的“{n.text}”。"
            return f"可能是 {fc.id}（{fc.description}）删除内容控件后手工输入的。"
    return ""


_UNIT_TAIL = re.compile(r"(?:万|亿)?余?%?")


def _with_unit(text: str, n: Number) -> str:
    """`17` of `17万余家` reads `17万余`."""
    tail = _UNIT_TAIL.match(text, n.end)
    return text[n.start : tail.end()] if tail else n.text
