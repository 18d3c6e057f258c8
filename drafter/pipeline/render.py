"""The renderer: a project's templates made ready once, one draft rendered per unit's run.

The section files are found, the Word master read and its tags checked once; the Jinja
environments are made per draft with that draft's figure registry, sharing one cache of
compiled code (`TracingEnvironment.code_cache`), so that a template compiles once however
many drafts are rendered.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from drafter.data.comparisons import comparison_context, result_value
from drafter.data.figures import FigureRegistry
from drafter.data.runner import RunResult, build_parameters
from drafter.errors import DrafterError
from drafter.project.config import Config
from drafter.project.model import Project
from drafter.project.settings import fill_setting, text_setting_values
from drafter.project.units import Unit
from drafter.text.blocks import ChartBlock, TableBlock
from drafter.text.environment import make_environment
from drafter.text.sections import Block, Paragraph, paragraphs_of, render_sections, section_files
from drafter.word.document import MasterTemplate, compose, open_master
from drafter.word.styles import style_drift
from drafter.word.tables import TableCells


@dataclass
class Draft:
    """A draft composed in memory, before it is written."""

    document: Any
    registry: FigureRegistry
    paragraphs: list[Paragraph]
    context: dict[str, Any]
    conditions: dict[str, Any] = field(default_factory=dict)  # traced conditions by cid (text.wording)
    # A draft only compared (Renderer's `compare_only`): its tables as their cells read, by the
    # text of the paragraph standing for each in the document (drafter.word.tables.TableCells).
    table_cells: dict[str, TableCells] = field(default_factory=dict)


def report_context(config: Config, unit: Unit | None = None) -> dict[str, Any]:
    """Names about the report itself, for the master, the sections and file names; with
    `unit` also `unit`, for the title too."""
    report = config.report
    period = config.period
    title = fill_setting(report.title, text_setting_values(config, unit), config, "report.title")
    params = build_parameters(config)
    meta = {
        "agency": report.agency,
        "signature": report.signature or report.agency,
        "title": title,
        "date": config.report_date,
        "recipient": report.recipient,
        "doc_number": report.doc_number,
        "signer": [report.signer] if isinstance(report.signer, str) else list(report.signer or []),
        "banner": report.banner,
        "attachments": [*report.attachments, *appendix_titles(config)],
    }
    return {
        **meta,
        **({"unit": unit.context()} if unit is not None else {}),
        "year": period.year,
        "period": period,
        "period_start": params["period_start"],
        "period_end": params["period_end"],
        "params": dict(config.parameters),
        "report": meta,
    }


def appendix_titles(config: Config) -> list[str]:
    """The titles of the appendices switched on, as the `附件：` line lists them."""
    return [
        fill_setting(a.title, text_setting_values(config), config, "templates.appendices")
        for a in config.templates.appendices
        if a.enabled
    ]


def query_context(run: RunResult) -> dict[str, Any]:
    """Every query's result (a stand-in for a failed one) under its name; comparison runs are
    reached through `prev` and `last` (comparison_context)."""
    return {name: result_value(result) for name, result in run.current.items()}


def draft_context(project: Project, run: RunResult, unit: Unit | None = None) -> dict[str, Any]:
    """Everything the templates of one draft see."""
    config = project.config
    return {**query_context(run), **report_context(config, unit), **comparison_context(config, project.queries, run)}


class Renderer:
    """A project's templates ready for many drafts: section files found, the Word master read
    (and its tags checked) once, compiled code shared by the drafts' environments."""

    def __init__(
        self, project: Project, *, strict: bool = False, save_only: bool = False, compare_only: bool = False
    ) -> None:
        config = project.config
        self.project = project
        self.strict = strict
        # Drafts that are only saved (build): their tables go into the file as text, never
        # into the document's tree (drafter.word.tables.build_tables). Drafts only compared
        # with another (check): their tables are only their cells' texts and figures.
        self.save_only = save_only
        self.compare_only = compare_only
        self.files = section_files(config.templates.sections, config.resolve)
        self.master_path = config.resolve(config.templates.master)
        open_master(self.master_path)  # refuses a missing master or broken tags, once
        self.master_bytes = self.master_path.read_bytes()
        self._sections_code: dict[tuple, tuple[Any, dict]] = {}
        self._master_code: dict[tuple, tuple[Any, dict]] = {}
        self._master_warnings: list[str] | None = None

    def master_warnings(self, document: Any) -> list[str]:
        """The master's style drift (pipeline/finish.py), read from the first draft: every draft
        of this renderer has the master's styles."""
        if self._master_warnings is None:
            self._master_warnings = style_warnings(document, self.project.config)
        return self._master_warnings

    def render(self, run: RunResult, unit: Unit | None = None) -> Draft:
        """The draft of one unit (None: the whole report) from its run. A figure that cannot be
        computed is a placeholder, or with `strict` an error naming the template and line."""
        try:
            return self._render(draft_context(self.project, run, unit), run)
        except DrafterError as exc:
            if run.failures:  # a template needed a figure of a failed query: say which failed
                failed = list(dict.fromkeys(f"  - {one_line(f.error)}" for f in run.failures))[:5]
                exc.context = "\n".join(filter(None, [exc.context, "这些查询未能执行，可能就是原因：", *failed]))
                exc.hint = "先按上面列出的原因修正这些查询或数据源。" + (exc.hint or "")
            raise

    def _render(self, context: dict[str, Any], run: RunResult) -> Draft:
        config = self.project.config
        registry = FigureRegistry()
        registry.failed = {f.name: f.error.message for f in run.failures}
        sections_env = make_environment(
            registry,
            search_path=list(dict.fromkeys(f.parent for f in self.files)),
            strict=self.strict,
            period=config.period,
            trace=True,
            code_cache=self._sections_code,
        )
        master_env = make_environment(
            registry,
            autoescape=True,
            strict=self.strict,
            sentences=False,
            period=config.period,
            code_cache=self._master_code,
        )
        blocks = render_sections(sections_env, self.files, context, registry, compiled=self.project.templates)
        appendices = render_appendices(self.project, sections_env, context, registry, blocks)
        master = MasterTemplate(io.BytesIO(self.master_bytes))
        master.init_docx()
        table_cells: dict[str, TableCells] = {}
        document = compose(
            self.master_path,
            master_env,
            context,
            blocks,
            registry,
            config.style,
            appendices,
            master=master,
            tables_as_text=self.save_only,
            table_cells=table_cells if self.compare_only else None,
        )
        tracer = getattr(sections_env, "tracer", None)
        conditions = dict(tracer.conditions) if tracer else {}
        return Draft(document, registry, paragraphs_of(blocks), context, conditions, table_cells)


def render_appendices(
    project: Project, env: Any, context: dict[str, Any], registry: FigureRegistry, body: list[Block]
) -> list[tuple[str, list[Block]]]:
    """The appendices switched on, each (title, blocks); tables and charts numbered after the body's."""
    config = project.config
    enabled = [a for a in config.templates.appendices if a.enabled]
    if not enabled:
        return []
    numbers = (sum(isinstance(b, TableBlock) for b in body), sum(isinstance(b, ChartBlock) for b in body))
    out = []
    for appendix, title in zip(enabled, appendix_titles(config)):
        files = section_files([appendix.file], config.resolve)
        blocks = render_sections(env, files, context, registry, numbers)
        numbers = (
            numbers[0] + sum(isinstance(b, TableBlock) for b in blocks),
            numbers[1] + sum(isinstance(b, ChartBlock) for b in blocks),
        )
        for block in blocks:
            if isinstance(block, (Paragraph, TableBlock, ChartBlock)):
                block.part = f"附件：{title}"
        for occ in registry:
            if occ.part == files[0].stem:
                occ.part = f"附件：{title}"
        out.append((title, blocks))
    return out


def compose_draft(project: Project, run: RunResult, *, strict: bool = False, unit: Unit | None = None) -> Draft:
    """One draft in memory, with a renderer of its own (check, refresh and figures render one)."""
    return Renderer(project, strict=strict).render(run, unit)


def one_line(error: DrafterError) -> str:
    """An error's first line with the start of its cause: enough to tell what to fix."""
    line = error.render().splitlines()[0]
    cause = (error.cause or "").strip().splitlines()
    if cause:
        first = cause[0] if len(cause[0]) <= 160 else cause[0][:160] + "…"
        line += f"（原因：{first}）"
    return line


def style_warnings(document: Any, config: Config) -> list[str]:
    """One warning when the master's styles differ from `style:`: a changed `style:` does not
    reach a master that exists, which surprises whoever changed it."""
    drift = style_drift(document, config.style)
    if not drift:
        return []
    master = config.resolve(config.templates.master)
    lines = "\n".join(f"  - {line}" for line in drift)
    return [
        f"Word 母版 {master} 的样式与 config.yaml 的 style: 不一致，草稿按母版排版：\n{lines}\n"
        "  字体、字号在生成母版时写进母版，之后改 style: 不会改变已有的母版。要按 style: 排版，运行 "
        "drafter master --force 重新生成母版（原母版备份为 .bak，在 Word 中对母版做过的修改需重做）；"
        "若母版是有意这样改的，把 style: 改成与母版一致，就不再提示。"
    ]
