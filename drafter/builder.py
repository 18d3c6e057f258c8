"""`build`: from config.yaml to a draft .docx — the library call behind `drafter build`."""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType
from typing import Any

from jinja2 import StrictUndefined
from jinja2.exceptions import TemplateError as JinjaError
from jinja2.sandbox import SandboxedEnvironment

from drafter.data.comparisons import comparison_context, comparison_jobs, result_value
from drafter.data.figures import FigureRegistry, Occurrence
from drafter.data.runner import QueryFailure, RunResult, build_parameters, run_queries
from drafter.errors import ConfigError, DataError, DrafterError
from drafter.lowgc import paused_gc
from drafter.outputs import check_output_name
from drafter.project.config import Config
from drafter.project.period import Period
from drafter.project.queries import QuerySpec
from drafter.project.validation import validate
from drafter.text.blocks import ChartBlock, TableBlock
from drafter.text.environment import make_environment
from drafter.text.sections import Block, Paragraph, paragraphs_of, render_sections, section_files
from drafter.word.document import compose, save_new
from drafter.word.styles import style_drift


@dataclass
class Project:
    """A configuration with its queries loaded and validated: everything a build needs but the data."""

    config: Config
    queries: dict[str, QuerySpec]
    templates: dict[Path, CodeType] = field(default_factory=dict)  # compiled by the validation pass
    comparisons: dict[str, list[str]] = field(default_factory=dict)  # prev.q / last.q the templates name

    @property
    def year(self) -> int:
        return self.config.period.year

    @property
    def period(self) -> Period:
        return self.config.period


def load_project(
    config: str | Path | Config = "config.yaml",
    *,
    year: int | None = None,
    sources: dict[str, str] | None = None,
    period: Period | str | None = None,
) -> Project:
    """The project at `config`, after the one validation pass: stops at the first error-level
    finding, the same one `drafter lint` lists first (exit code 2, nothing has run). `period`
    (a Period or its written form) wins over `year`; without either, the project's default."""
    validation = validate(config, year=year, sources=sources, period=period)
    validation.raise_first_error()
    assert validation.config is not None  # a config that did not load is an error finding
    return Project(validation.config, validation.queries, validation.templates, validation.comparisons)


def text_setting_values(config: Config, unit: Any = None) -> dict[str, Any]:
    """What the short text settings (report.title, output.filename) may name: `unit` too in a
    project drafted per unit (a `drafter.project.units.Unit`, or None while validating)."""
    values: dict[str, Any] = {"agency": config.report.agency, "year": config.period.year, "period": config.period}
    if unit is not None:
        values["unit"] = unit.context()
    return values


_SETTINGS_ENV = SandboxedEnvironment(undefined=StrictUndefined)


@functools.lru_cache(maxsize=64)
def _setting_template(template: str) -> Any:
    return _SETTINGS_ENV.from_string(template)


def fill_setting(template: str, values: dict[str, Any], config: Config, key: str) -> str:
    """Render a short text setting such as the title or the output file name."""
    try:
        return _setting_template(template).render(values)
    except JinjaError as exc:
        raise ConfigError(
            f"配置项 {key} 中的模板有误",
            path=config.path,
            line=config.line(*key.split(".")),
            cause=str(exc),
            hint=f"此处只能用 {'、'.join('{{ ' + k + ' }}' for k in values)}（period 可写 period.label 等）。",
        ) from exc


def report_context(config: Config, unit: Any = None) -> dict[str, Any]:
    """Names about the report itself, for the master, the sections and file names; with
    `unit` (a `drafter.project.units.Unit`) also `unit`, for the title too."""
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


def run_project(
    project: Project,
    *,
    params: dict[str, Any] | None = None,
    on_done: Callable[[str], None] | None = None,
    also: dict[str, list[str]] | None = None,
    ruleset: Any = None,
    runner: Callable[..., RunResult] | None = None,
) -> RunResult:
    """Run the project's queries for its period and, alongside them, the comparison runs
    (`prev.q`, `last.q`) its templates name, and those `also` names (check: the ones the draft
    recorded, so a figure the templates no longer print is still checked). `params` replaces the
    period's parameters (check: those the draft recorded). With a `ruleset`, the consistency
    rules' SQL data tests and prior-period re-runs run alongside (group of the report's own)."""
    config = project.config
    params = build_parameters(config) if params is None else params
    refs = {which: list(names) for which, names in project.comparisons.items()}
    for which, names in (also or {}).items():
        refs[which] = list(dict.fromkeys([*refs.get(which, []), *(n for n in names if n in project.queries)]))
    extra = comparison_jobs(project.queries, refs, params, config.period)
    if ruleset:  # the consistency rules' own queries, on the same connections (drafter/review/rules.py)
        from drafter.review.rules import rule_jobs, take_rule_tests

        own = rule_jobs(ruleset, project, refs, params)
        keys = {job.key for job in own}

        def report(key: str) -> None:  # progress counts the report's queries, not the rules' own
            if on_done is not None and key not in keys:
                on_done(key)

        return take_rule_tests(
            run_queries(config, project.queries, params=params, on_done=report, extra=[*extra, *own], runner=runner)
        )
    return run_queries(config, project.queries, params=params, on_done=on_done, extra=extra, runner=runner)


def default_output(config: Config) -> Path:
    name = fill_setting(config.output.filename, text_setting_values(config), config, "output.filename")
    return config.resolve(config.output.dir) / name


@dataclass
class Draft:
    """A draft composed in memory, before it is written."""

    document: Any
    registry: FigureRegistry
    paragraphs: list[Paragraph]
    context: dict[str, Any]
    conditions: dict[str, Any] = field(default_factory=dict)  # traced conditions by cid (text.wording)


def compose_draft(
    project: Project, run: RunResult, *, strict: bool = False, unit: Any = None, renderer: Any = None
) -> Draft:
    """The draft in memory. A figure that cannot be computed is a placeholder, or with
    `strict` an error naming the template and line. `unit`: the unit the draft is for;
    `renderer`: the templates made ready once for many drafts (`drafter.batch.Renderer`)."""
    config = project.config
    registry = FigureRegistry()
    registry.failed = {f.name: f.error.message for f in run.failures}
    context = {**query_context(run), **report_context(config, unit), **comparison_context(config, project.queries, run)}
    try:
        if renderer is not None:
            blocks, document = renderer.render(context, registry)
            tracer = getattr(renderer.sections_env, "tracer", None)
            return Draft(document, registry, paragraphs_of(blocks), context, dict(tracer.conditions) if tracer else {})
        files = section_files(config.templates.sections, config.resolve)
        env = make_environment(
            registry,
            search_path=list(dict.fromkeys(f.parent for f in files)),
            strict=strict,
            period=config.period,
            trace=True,
        )
        paragraphs = render_sections(env, files, context, registry, compiled=project.templates)
        appendices = _render_appendices(project, env, context, registry, paragraphs)
        master_env = make_environment(registry, autoescape=True, strict=strict, sentences=False, period=config.period)
        document = compose(
            config.resolve(config.templates.master), master_env, context, paragraphs, registry, config.style, appendices
        )
    except DrafterError as exc:
        if run.failures:  # a template needed a figure of a failed query: say which failed
            failed = list(dict.fromkeys(f"  - {_one_line(f.error)}" for f in run.failures))[:5]
            exc.context = "\n".join(filter(None, [exc.context, "这些查询未能执行，可能就是原因：", *failed]))
            exc.hint = "先按上面列出的原因修正这些查询或数据源。" + (exc.hint or "")
        raise
    tracer = getattr(env, "tracer", None)
    return Draft(document, registry, paragraphs_of(paragraphs), context, dict(tracer.conditions) if tracer else {})


def _render_appendices(
    project: Project, env, context: dict[str, Any], registry: FigureRegistry, body: list[Block]
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


def _one_line(error: DrafterError) -> str:
    """An error's first line with the start of its cause: enough to tell what to fix."""
    line = error.render().splitlines()[0]
    cause = (error.cause or "").strip().splitlines()
    if cause:
        first = cause[0] if len(cause[0]) <= 160 else cause[0][:160] + "…"
        line += f"（原因：{first}）"
    return line


def empty_year_warnings(run: RunResult, period: Period | int) -> list[str]:
    """One warning when every query that ran gave only 0 or NULL: most likely a period the
    databases hold nothing for (a mistyped --year or --period), not one in which nothing happened."""
    values = [
        f.value
        for key, result in run.results.items()
        if result.ok and key == result.spec.name
        for f in result.figures()
    ]
    if not values or any(v not in (None, 0) for v in values):
        return []
    if isinstance(period, int) or period.kind == "year":
        year = period if isinstance(period, int) else period.year
        return [
            f"{year} 年度的查询结果全部为 0 或空：数据库中可能还没有该年度的数据，"
            "请核对 --year 或 config.yaml 的 report.year。"
        ]
    return [
        f"{period.label}的查询结果全部为 0 或空：数据库中可能还没有该期间的数据，"
        "请核对 --period 或 config.yaml 的 report.period。"
    ]


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


@dataclass
class BuildResult:
    path: Path
    year: int
    project: Project
    run: RunResult
    registry: FigureRegistry
    paragraphs: list[Paragraph]
    requested_path: Path
    built_at: dt.datetime
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # one message each, for the user
    rules: Any = None  # drafter.review.rules.RuleRun: the consistency rules on this build's figures

    @property
    def findings(self) -> list[Any]:
        """The consistency rules this build's figures fail (drafter/review/rules.py)."""
        return list(self.rules.findings) if self.rules is not None else []

    @property
    def placeholders(self) -> list[Occurrence]:
        return self.registry.placeholders

    @property
    def failures(self) -> list[QueryFailure]:
        return self.run.failures

    @property
    def broken_queries(self) -> list[QueryFailure]:
        """Failures that are not missing data (no rows): SQL the database refused, a result of
        the wrong shape, a source that could not be opened. The draft is then incomplete."""
        return [f for f in self.run.failures if not isinstance(f.error, DataError)]

    @property
    def renamed(self) -> bool:
        return self.path != self.requested_path

    @property
    def period(self) -> Period:
        return self.project.period


@paused_gc
def build(
    config: str | Path | Config = "config.yaml",
    *,
    year: int | None = None,
    output: str | Path | None = None,
    sources: dict[str, str] | None = None,
    period: Period | str | None = None,
    force: bool = False,
    strict: bool = False,
    clock: Callable[[], dt.datetime] | None = None,
    on_query_done: Callable[[str], None] | None = None,
) -> BuildResult:
    """Run the queries, render the templates and write the draft. Returns where it went.

    An existing file is never overwritten unless `force`: the draft goes to the next
    free name instead. With `strict`, a figure that cannot be computed fails the build. `period` (a Period
    or its written form, `2025Q1`) wins over `year`; without either, the project's default.
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    project = load_project(config, year=year, sources=sources, period=period)
    per_unit = [name for name, spec in project.queries.items() if spec.uses_unit]
    if project.config.units is not None and per_unit:
        raise ConfigError(
            "本项目按单位生成草稿（config.yaml 声明了 units:），查询"
            f" {'、'.join(per_unit[:5])}{' 等' if len(per_unit) > 5 else ''} 要用到单位（:unit）",
            path=project.config.path,
            line=project.config.line("units"),
            hint="用 drafter build --each 为每个单位各生成一份草稿，或 drafter build --unit 单位名称 只生成一份。",
        )
    requested = Path(output) if output is not None else default_output(project.config)
    # With --force an existing .docx is replaced: never the Word master itself.
    check_output_name(
        requested,
        (".docx",),
        "草稿",
        "--output 草稿.docx",
        protected=(project.config.resolve(project.config.templates.master),),
        hint="文件名模板见 config.yaml 的 output.filename。",
    )
    from drafter.project.rules import load_rules

    ruleset = load_rules(project.config)  # a mistake in a rule is told before any query runs
    timings["load"] = time.perf_counter() - started

    t = time.perf_counter()
    run = run_project(project, on_done=on_query_done, ruleset=ruleset)
    timings["queries"] = time.perf_counter() - t
    if strict and run.failures:
        raise run.failures[0].error

    t = time.perf_counter()
    draft = compose_draft(project, run, strict=strict)
    timings["render"] = time.perf_counter() - t
    empty_year = empty_year_warnings(run, project.period)
    warnings = style_warnings(draft.document, project.config) + empty_year
    rule_run = None
    if ruleset and not empty_year:  # rules over a period without data would only repeat that warning
        from drafter.review.rules import run_project_rules

        t = time.perf_counter()
        rule_run = run_project_rules(draft.context, draft.registry, ruleset, run)
        timings["rules"] = time.perf_counter() - t
        if rule_run.skipped:
            warnings.append(
                f"{len(rule_run.skipped)} 条一致性规则未能核对：\n"
                + "\n".join(f"  - {line}" for line in rule_run.skipped)
            )
        if strict and rule_run.findings:
            raise DataError(
                f"一致性规则未通过 {len(rule_run.findings)} 条，--strict 模式下不生成草稿",
                cause="\n".join(f.warning() for f in rule_run.findings),
                hint="核实数据或修正查询；确属正常的，改规则（config.yaml 的 rules: 或 rules/ 下的文件）；"
                "去掉 --strict 则照常生成草稿，未通过的规则列为警告。",
            )

    built_at = (clock or dt.datetime.now)()

    t = time.perf_counter()
    from drafter.word.manifest import attach_manifest

    attach_manifest(
        draft.document,
        project,
        run,
        draft.registry,
        built_at,
        [f.to_json() for f in rule_run.findings] if rule_run else None,
    )
    path = save_new(draft.document, requested, force=force)
    timings["write"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    return BuildResult(
        path=path,
        year=project.year,
        project=project,
        run=run,
        registry=draft.registry,
        paragraphs=draft.paragraphs,
        requested_path=requested,
        built_at=built_at,
        timings=timings,
        warnings=warnings,
        rules=rule_run,
    )
