"""A draft as a page: the model behind the web preview and `drafter preview --html`.

The body is read as `check` reads it (`scan_document`): paragraphs in document
order with their figure controls located; each paragraph gets a kind from its
Word style (title, 公文 heading levels, body, signature…), tables keep their
rows and cells, and the text is cut into segments — plain text, a figure
(by its occurrence id), a number a check reported, a placeholder 【待补充】.

What a figure came from is taken from the draft's own manifest (query,
description, SQL, parameters, raw value); the project, when given, adds each
source's masked URL. After a check, each figure carries its status.
Nothing here knows HTML: `drafter.web.pages` renders this model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx.oxml.ns import qn
from lxml import etree

from drafter.data.figures import json_value
from drafter.data.sources import masked_url
from drafter.pipeline.execute import run_project
from drafter.pipeline.render import compose_draft
from drafter.pipeline.validate import load_project
from drafter.project.period import Period, PeriodLike
from drafter.review.checker import open_draft
from drafter.review.report_text import mode_label, summary
from drafter.review.scan import ScannedParagraph, scan_document
from drafter.word.manifest import attach_manifest, read_manifest

if TYPE_CHECKING:
    from drafter.project.config import Config
    from drafter.review.checker import CheckReport
    from drafter.word.manifest import Manifest

_TBL, _TR, _TC, _P = qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:p")
_PPR, _PSTYLE, _VAL = qn("w:pPr"), qn("w:pStyle"), qn("w:val")
_DRAWING, _PICT = qn("w:drawing"), qn("w:pict")
_SECT_PR = qn("w:sectPr")

# Word style names (as the master names them) → kind of paragraph on the page.
STYLE_KINDS = {
    "公文标题": "title",
    "Title": "title",
    "发文字号": "docnumber",
    "主送机关": "recipient",
    "一级标题": "h1",
    "heading 1": "h1",
    "二级标题": "h2",
    "heading 2": "h2",
    "三级标题": "h3",
    "heading 3": "h3",
    "四级标题": "h4",
    "heading 4": "h4",
    "附件说明": "attachment",
    "署名": "signature",
    "成文日期": "date",
}
PLACEHOLDER = re.compile(r"【待补充[^】]*】")


@dataclass
class Segment:
    text: str
    figure: str | None = None  # occurrence id of a figure (f001), or of a check finding without one (n1)
    status: str | None = None  # after a check
    placeholder: bool = False


@dataclass
class DrawingView:
    """A picture (shown inline) or a Word chart (shown as its data) in a paragraph."""

    kind: str  # image, chart, other
    title: str = ""
    data_uri: str | None = None  # image: the picture itself, when small enough and of a safe type
    chart_type: str = ""
    categories: list[str] = field(default_factory=list)
    series: list[tuple[str, list[str]]] = field(default_factory=list)  # name, values by category


@dataclass
class ParagraphView:
    index: int  # as scan_document indexes it: the place a check finding names
    kind: str  # title, h1..h4, body, recipient, signature, date, attachment, docnumber
    segments: list[Segment]
    drawings: list[DrawingView] = field(default_factory=list)  # pictures and charts in the paragraph

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass
class TableView:
    rows: list[list[list[ParagraphView]]]  # rows → cells → paragraphs
    kind: str = "table"


@dataclass
class FindingView:
    """One line of the findings list, pointing at its place on the page."""

    anchor: str  # the segment id on the page
    status: str
    label: str
    sentence: str
    draft_text: str | None
    built_text: str | None
    current_text: str | None
    note: str


@dataclass
class DraftView:
    title: str
    year: Any
    agency: str
    built_at: str | None
    generator: str | None
    blocks: list[ParagraphView | TableView]
    figures: dict[str, dict[str, Any]]  # id → what the side panel shows
    queries: dict[str, dict[str, Any]]  # name → description, source, SQL, parameters
    sources: dict[str, dict[str, Any]]  # name → description, masked URL
    has_manifest: bool
    check: dict[str, Any] | None = None  # summary after a check
    findings: list[FindingView] = field(default_factory=list)
    period_label: str = ""  # 2025年度, 2025年第一季度 (a draft made before periods: its year)
    refreshed_at: str | None = None  # a copy `drafter refresh` wrote: when

    @property
    def placeholder_count(self) -> int:
        return sum(1 for f in self.figures.values() if f.get("placeholder"))

    def panel_data(self) -> dict[str, Any]:
        """What the page's script needs, as JSON-ready data."""
        return {"figures": self.figures, "queries": self.queries, "sources": self.sources}


def _style_names(document) -> dict[str, str]:
    names: dict[str, str] = {}
    for style in document.styles:
        try:
            names[style.style_id] = style.name or style.style_id
        except (AttributeError, ValueError):  # pragma: no cover — a broken style entry
            continue
    return names


def _kind(p: etree._Element, names: dict[str, str]) -> str:
    ppr = p.find(_PPR)
    style = ppr.find(_PSTYLE) if ppr is not None else None
    if style is None:
        return "body"
    style_id = style.get(_VAL, "")
    return STYLE_KINDS.get(names.get(style_id, style_id), "body")


def _split_placeholders(text: str, figure: str | None, status: str | None) -> list[Segment]:
    out: list[Segment] = []
    pos = 0
    for m in PLACEHOLDER.finditer(text):
        if m.start() > pos:
            out.append(Segment(text[pos : m.start()], figure, status))
        out.append(Segment(m.group(), figure, status, placeholder=True))
        pos = m.end()
    if pos < len(text) or not out:
        out.append(Segment(text[pos:], figure, status))
    return out


def _segments(p: ScannedParagraph, marks: list[tuple[int, int, str]], statuses: dict[str, str]) -> list[Segment]:
    """The paragraph's text cut at its figure controls and at the located findings."""
    spans = sorted([(s.start, s.end, s.id) for s in p.figures] + marks)
    chosen: list[tuple[int, int, str]] = []
    for start, end, ident in spans:  # the first of overlapping spans wins
        if end <= start or (chosen and start < chosen[-1][1]):
            continue
        chosen.append((start, end, ident))
    out: list[Segment] = []
    pos = 0
    for start, end, ident in chosen:
        if start > pos:
            out += _split_placeholders(p.text[pos:start], None, None)
        out += _split_placeholders(p.text[start:end], ident, statuses.get(ident))
        pos = end
    if pos < len(p.text) or not out:
        out += _split_placeholders(p.text[pos:], None, None)
    return [s for s in out if s.text or not out[1:]]


def _has_drawing(p: etree._Element) -> bool:
    return next(p.iter(_DRAWING, _PICT), None) is not None


_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})  # no SVG: it can hold script
MAX_IMAGE = 1024 * 1024  # bytes; a bigger picture is named, not embedded, to keep the page light
CHART_TYPES = {
    "barChart": "柱状图",
    "bar3DChart": "柱状图",
    "lineChart": "折线图",
    "line3DChart": "折线图",
    "pieChart": "饼图",
    "pie3DChart": "饼图",
    "doughnutChart": "圆环图",
    "areaChart": "面积图",
    "scatterChart": "散点图",
    "radarChart": "雷达图",
}


def _drawings(p: etree._Element, part: Any) -> list[DrawingView]:
    out: list[DrawingView] = []
    for drawing in p.iter(_DRAWING, _PICT):
        doc_pr = next(drawing.iter(f"{{{_WP}}}docPr"), None)
        title = ""
        if doc_pr is not None:
            title = doc_pr.get("title") or doc_pr.get("descr") or ""
        chart = next(drawing.iter(f"{{{_C}}}chart"), None)
        blip = next(drawing.iter(f"{{{_A}}}blip"), None)
        target = None
        rel_id = (
            chart.get(f"{{{_R}}}id") if chart is not None else blip.get(f"{{{_R}}}embed") if blip is not None else None
        )
        if rel_id and rel_id in part.rels and not part.rels[rel_id].is_external:
            target = part.rels[rel_id].target_part
        if chart is not None and target is not None:
            out.append(_chart(target.blob, title))
        elif blip is not None and target is not None:
            view = DrawingView("image", title)
            blob, content_type = target.blob, getattr(target, "content_type", "")
            if content_type in IMAGE_TYPES and len(blob) <= MAX_IMAGE:
                import base64

                view.data_uri = f"data:{content_type};base64,{base64.b64encode(blob).decode('ascii')}"
            out.append(view)
        else:
            out.append(DrawingView("other", title))
    return out


def _chart(blob: bytes, title: str) -> DrawingView:
    """A Word chart part read as data: its type, title, categories and series."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(blob, parser)
    except etree.XMLSyntaxError:
        return DrawingView("chart", title)
    view = DrawingView("chart", title)
    plot = next(root.iter(f"{{{_C}}}plotArea"), None)
    if plot is None:
        return view
    kind = next((etree.QName(el).localname for el in plot if etree.QName(el).localname in CHART_TYPES), "")
    view.chart_type = CHART_TYPES.get(kind, "")
    chart_title = next(root.iter(f"{{{_C}}}title"), None)
    if chart_title is not None and not view.title:
        view.title = "".join(t.text or "" for t in chart_title.iter(f"{{{_A}}}t"))

    def points(el: etree._Element | None) -> list[str]:
        if el is None:
            return []
        pts = sorted(el.iter(f"{{{_C}}}pt"), key=lambda pt: int(pt.get("idx", "0") or 0))
        return [(pt.findtext(f"{{{_C}}}v") or "") for pt in pts]

    for ser in plot.iter(f"{{{_C}}}ser"):
        tx = ser.find(f"{{{_C}}}tx")
        name = "".join(v.text or "" for v in tx.iter(f"{{{_C}}}v")) if tx is not None else ""
        if not view.categories:
            view.categories = points(ser.find(f"{{{_C}}}cat"))
        view.series.append((name, points(ser.find(f"{{{_C}}}val"))))
    return view


def _source_entries(manifest: dict[str, Any] | None, config: Config | None) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, entry in ((manifest or {}).get("sources") or {}).items():
        out[name] = {"description": (entry or {}).get("description") or ""}
    if config is not None:
        for name, settings in config.sources.items():
            out.setdefault(name, {"description": settings.description or ""})
            out[name]["url"] = masked_url(settings.url)
    return out


def _query_entries(manifest: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    keep = ("source", "description", "returns", "file", "sql", "sql_file", "params", "error")
    return {
        name: {k: entry[k] for k in keep if k in entry}
        for name, entry in ((manifest or {}).get("queries") or {}).items()
        if isinstance(entry, dict)
    }


def _figure_entries(manifest: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for fig in (manifest or {}).get("figures") or []:
        if not isinstance(fig, dict) or not isinstance(fig.get("id"), str):
            continue
        out[fig["id"]] = {
            "id": fig["id"],
            "ref": fig.get("ref", ""),
            "text": fig.get("text", ""),
            "value": fig.get("value"),
            "filter": fig.get("filter", ""),
            "part": fig.get("part") or "",
            "placeholder": bool(fig.get("placeholder")),
            "description": fig.get("description", ""),
            "sources": [s for s in fig.get("sources") or [] if isinstance(s, dict)],
        }
    return out


def draft_view(
    document,
    manifest: Manifest | dict[str, Any] | None,
    *,
    config: Config | None = None,
    report: CheckReport | None = None,
    title: str | None = None,
) -> DraftView:
    """The page model of an opened draft (python-docx Document) and its manifest.

    With `report` (a check of this very draft), each figure carries its status, the
    numbers without a source are marked where they stand, and `findings` lists them."""
    if manifest is not None and not isinstance(manifest, dict):  # the Manifest model: read as its JSON
        manifest = manifest.json_data(exclude_unset=False)
    scanned = scan_document(document)
    by_element = {id(p.element): p for p in scanned}
    names = _style_names(document)
    figures = _figure_entries(manifest)
    statuses: dict[str, str] = {}
    marks: dict[int, list[tuple[int, int, str]]] = {}
    findings: list[FindingView] = []
    check: dict[str, Any] | None = None
    if report is not None:
        _add_checked_figures(report, scanned, figures, statuses, marks)
        findings = _finding_views(report, figures)
        check = _check_summary(report)
    blocks = _blocks(document, by_element, names, marks, statuses)

    if title is None:
        title = next((b.text for b in blocks if isinstance(b, ParagraphView) and b.kind == "title"), "")
        title = title or next((b.text for b in blocks if isinstance(b, ParagraphView) and b.text.strip()), "草稿")
    return DraftView(
        title=title,
        year=(manifest or {}).get("year", report.year if report else ""),
        agency=(manifest or {}).get("agency", ""),
        built_at=(manifest or {}).get("built_at"),
        refreshed_at=(manifest or {}).get("refreshed_at"),
        generator=(manifest or {}).get("generator"),
        blocks=blocks,
        figures=figures,
        queries=_query_entries(manifest),
        sources=_source_entries(manifest, config),
        has_manifest=manifest is not None,
        check=check,
        findings=findings,
        period_label=_period_label(manifest, report),
    )


def _add_checked_figures(
    report: CheckReport,
    scanned: list,
    figures: dict[str, dict[str, Any]],
    statuses: dict[str, str],
    marks: dict[int, list[tuple[int, int, str]]],
) -> None:
    """Each checked figure's status into `figures` and `statuses`; the numbers found outside a
    content control (and those without a source, ids n1, n2, …) marked where they stand."""
    control_spans = {(p.index, s.id) for p in scanned for s in p.figures}
    for f in report.figures:
        statuses[f.id] = f.status
        entry = figures.setdefault(
            f.id,
            {
                "id": f.id,
                "ref": f.ref,
                "text": f.built_text or "",
                "value": json_value(f.built_value),
                "filter": "",
                "part": f.part,
                "placeholder": False,
                "description": f.description,
                "sources": [{"query": q, "source": "", "column": "", "row": None} for q in f.queries],
            },
        )
        entry["check"] = {
            "status": f.status,
            "draft": f.draft_text,
            "built": f.built_text,
            "current": f.current_text,
            "current_value": json_value(f.current_value),
            "note": f.note.strip(),
        }
        if f.paragraph is not None and f.span is not None and (f.paragraph, f.id) not in control_spans:
            marks.setdefault(f.paragraph, []).append((f.span[0], f.span[1], f.id))
    for n, u in enumerate(report.unbacked, start=1):
        ident = f"n{n}"
        statuses[ident] = u.status
        figures[ident] = {
            "id": ident,
            "ref": "",
            "text": u.text,
            "value": None,
            "filter": "",
            "part": u.part,
            "placeholder": False,
            "description": "正文中的数字，没有查询支持",
            "sources": [],
            "check": {
                "status": u.status,
                "draft": u.text,
                "built": None,
                "current": None,
                "current_value": None,
                "note": u.note.strip(),
            },
        }
        marks.setdefault(u.paragraph, []).append((u.span[0], u.span[1], ident))


def _finding_views(report: CheckReport, figures: dict[str, dict[str, Any]]) -> list[FindingView]:
    findings: list[FindingView] = []
    unbacked_ids = {id(u): f"n{n}" for n, u in enumerate(report.unbacked, start=1)}
    for item in report.findings:
        ident = unbacked_ids.get(id(item)) or str(getattr(item, "id", ""))
        fc = figures.get(ident, {}).get("check", {})
        findings.append(
            FindingView(
                anchor=ident,
                status=item.status,
                label=item.label,
                sentence=item.sentence,
                draft_text=fc.get("draft", getattr(item, "draft_text", None)),
                built_text=fc.get("built", getattr(item, "built_text", None)),
                current_text=fc.get("current", getattr(item, "current_text", None)),
                note=item.note.strip(),
            )
        )
    return findings


def _check_summary(report: CheckReport) -> dict[str, Any]:
    return {
        "summary": summary(report),
        "mode": mode_label(report),
        "counts": report.counts(),
        "warnings": list(report.warnings),
        "year": report.year,
    }


def _blocks(
    document,
    by_element: dict[int, Any],
    names: dict[str, str],
    marks: dict[int, list[tuple[int, int, str]]],
    statuses: dict[str, str],
) -> list[ParagraphView | TableView]:
    """The body's paragraphs and tables in order, each paragraph with its figures marked."""

    def paragraph(el: etree._Element) -> ParagraphView | None:
        p = by_element.get(id(el))
        if p is None:
            return None
        return ParagraphView(
            p.index,
            _kind(el, names),
            _segments(p, marks.get(p.index, []), statuses),
            drawings=_drawings(el, document.part) if _has_drawing(el) else [],
        )

    def paragraphs(el: etree._Element) -> list[ParagraphView]:
        return [v for v in (paragraph(p) for p in el.iter(_P)) if v is not None]

    blocks: list[ParagraphView | TableView] = []
    for child in document.element.body:
        if child.tag == _P:
            view = paragraph(child)
            if view is not None:
                blocks.append(view)
        elif child.tag == _TBL:
            blocks.append(TableView([[paragraphs(tc) for tc in tr.findall(_TC)] for tr in child.iter(_TR)]))
        elif child.tag != _SECT_PR:  # content controls around blocks, custom XML: their paragraphs in order
            blocks.extend(paragraphs(child))
    return blocks


def _period_label(manifest: dict[str, Any] | None, report: CheckReport | None) -> str:
    recorded = Period.from_json((manifest or {}).get("period"))
    if recorded is not None:
        return recorded.label
    if report is not None and report.period is not None:
        return report.period.label
    year = (manifest or {}).get("year")
    return f"{year}年度" if year else ""


def view_of_file(path: str | Path, *, config: Config | None = None, report: CheckReport | None = None) -> DraftView:
    """The page model of a draft file (opened read-only, as `check` opens it)."""
    document, _ = open_draft(path)
    return draft_view(document, read_manifest(document), config=config, report=report)


def view_of_project(
    config: str | Path | Config = "config.yaml",
    *,
    sources: dict[str, str] | None = None,
    period: PeriodLike | None = None,
) -> DraftView:
    """The page model of the draft a build would write now, composed in memory (nothing is written)."""
    import datetime as dt

    project = load_project(config, sources=sources, period=period)
    run = run_project(project)  # the comparison runs (prev, last) alongside, as a build runs them
    draft = compose_draft(project, run)
    manifest = attach_manifest(draft.document, project, run, draft.registry, dt.datetime.now())
    return draft_view(draft.document, manifest, config=project.config)
