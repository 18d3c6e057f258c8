"""`build` and `build_units`: the one pipeline (plan → execute → render → finish) for one
implicit unit (a whole report) and for N units on a process pool.

Every draft, of a whole report or of a unit, goes through `draft_one`: its run assembled
from the plan's results, `--strict` on failed queries, the renderer, then the finishing step
(rules, warnings, manifest, atomic write). Problems of the project itself (config, query
files, templates, the units query) raise a DrafterError before any draft is written; in a
batch, a problem of one unit is recorded in its `UnitOutcome` and the others go on.

Workers are processes (`jobs`, default the number of cores, fewer for a small run): rendering
is Python work that threads would serialise. Each worker compiles the templates once and
keeps one draft in memory at a time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.data.figures import FigureRegistry, Occurrence
from drafter.data.runner import QueryFailure, QueryResult, RunResult, build_parameters
from drafter.errors import DataError, DrafterError, OutputError
from drafter.pipeline.execute import run_shared, unit_run, unit_share
from drafter.pipeline.finish import Finished, check_target, finish_draft
from drafter.pipeline.plan import Plan, make_plan
from drafter.pipeline.render import Draft, Renderer, one_line
from drafter.pipeline.units import refuse_unit_queries, resolve_units
from drafter.pipeline.validate import load_project
from drafter.project.config import Config
from drafter.project.model import Project
from drafter.project.period import Period, PeriodLike
from drafter.project.rules import RuleSet, load_rules
from drafter.project.settings import default_output, fill_setting, text_setting_values
from drafter.project.units import Unit, filename_part, pick_units
from drafter.text.sections import Paragraph


@dataclass(frozen=True)
class BuildOptions:
    """How drafts are made, the same for one draft and for many (black's `Mode` is the model)."""

    force: bool = False  # replace an existing draft instead of writing the next free name
    strict: bool = False  # a figure that cannot be computed, or a failing rule, fails the draft


@dataclass
class Drafting:
    """What every draft of one run shares: small enough to hand to a worker process."""

    project: Project
    plan: Plan
    shared: RunResult
    ruleset: RuleSet
    options: BuildOptions
    built_at: dt.datetime
    rollup_refs: frozenset[str] = frozenset()  # figures the rollup rules add up, kept in each outcome


@dataclass
class Drafted:
    run: RunResult
    draft: Draft
    finished: Finished
    timings: dict[str, float]


def draft_one(drafting: Drafting, renderer: Renderer, unit: Unit | None, requested: Path) -> Drafted:
    """One draft from the run's results: the unit's run, rendered, finished and written."""
    options = drafting.options
    timings: dict[str, float] = {}
    t = time.perf_counter()
    run = unit_run(drafting.plan, drafting.shared, unit)
    timings["queries"] = time.perf_counter() - t
    if options.strict and run.failures:
        raise run.failures[0].error
    t = time.perf_counter()
    draft = renderer.render(run, unit)
    timings["render"] = time.perf_counter() - t
    t = time.perf_counter()
    finished = finish_draft(
        draft,
        drafting.project,
        run,
        ruleset=drafting.ruleset,
        requested=requested,
        built_at=drafting.built_at,
        force=options.force,
        strict=options.strict,
        unit=unit,
        master_warnings=renderer.master_warnings(draft.document),
    )
    timings["write"] = time.perf_counter() - t
    return Drafted(run, draft, finished, timings)


# -- one draft ----------------------------------------------------------------------------------


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


def build(
    config: str | Path | Config = "config.yaml",
    *,
    year: int | None = None,
    output: str | Path | None = None,
    sources: dict[str, str] | None = None,
    period: PeriodLike | None = None,
    force: bool = False,
    strict: bool = False,
    clock: Callable[[], dt.datetime] | None = None,
    on_query_done: Callable[[str], None] | None = None,
) -> BuildResult:
    """Run the queries, render the templates and write the draft. Returns where it went.

    An existing file is never overwritten unless `force`: the draft goes to the next
    free name instead. With `strict`, a figure that cannot be computed fails the build. `period` (a Period,
    a year or its written form, `2025Q1`) wins over `year`, the public API's short form of a year
    period; without either, the project's default.
    """
    started = time.perf_counter()
    project = load_project(config, sources=sources, period=year if period is None else period)
    refuse_unit_queries(
        project, "用 drafter build --each 为每个单位各生成一份草稿，或 drafter build --unit 单位名称 只生成一份。"
    )
    requested = Path(output) if output is not None else default_output(project.config)
    check_target(requested, project.config)
    ruleset = load_rules(project.config)  # a mistake in a rule is told before any query runs
    plan = make_plan(project, ruleset=ruleset)
    renderer = Renderer(project, strict=strict, save_only=True)
    load = time.perf_counter() - started
    shared = run_shared(plan, on_done=on_query_done)
    drafting = Drafting(project, plan, shared, ruleset, BuildOptions(force, strict), (clock or dt.datetime.now)())
    done = draft_one(drafting, renderer, None, requested)
    timings = {"load": load, **done.timings, "total": time.perf_counter() - started}
    timings["queries"] += shared.elapsed
    return BuildResult(
        path=done.finished.path,
        year=project.year,
        project=project,
        run=done.run,
        registry=done.draft.registry,
        paragraphs=done.draft.paragraphs,
        requested_path=requested,
        built_at=drafting.built_at,
        timings=timings,
        warnings=done.finished.warnings,
        rules=done.finished.rules,
    )


# -- many units --------------------------------------------------------------------------------


def _placeholder_reasons(outcomes: list[UnitOutcome], most: int = 10) -> str:
    """Each placeholder's figure and reason once, with the units whose drafts have it, as a
    single build lists them (a batch of 200 units: the first `most`)."""
    units: dict[str, list[str]] = {}
    for o in outcomes:
        for line in dict.fromkeys(o.placeholders):
            units.setdefault(line, []).append(o.unit)
    told = []
    for line, names in list(units.items())[:most]:
        who = "、".join(names[:3]) + (f" 等 {len(names)} 个单位" if len(names) > 3 else "")
        told.append(f"\n  - {line}（{who}）")
    more = f"\n  另有 {len(units) - most} 条，见各单位草稿中黄色标出的【待补充】" if len(units) > most else ""
    return "【待补充】的数字和原因：" + "".join(told) + more


@dataclass
class UnitOutcome:
    """What became of one unit: small, so that a run of many units stays small."""

    unit: str
    path: Path | None = None  # None: no draft written
    figures: int = 0
    placeholders: list[str] = field(default_factory=list)  # `ref：reason`
    broken: list[str] = field(default_factory=list)  # queries that failed (not for want of data)
    error: str | None = None  # why no draft was written, rendered for the user
    renamed: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # the consistency rules this draft fails
    values: dict[str, Any] = field(default_factory=dict)  # ref → value, of the figures rollups add up
    waiting: dict[str, str] = field(default_factory=dict)  # ref → why, of those printed as 【待补充】

    @property
    def failed(self) -> bool:
        return self.error is not None or bool(self.broken)


def unit_output(config: Config, unit: Unit, directory: Path | None = None) -> Path:
    """The draft's file: `output.filename` with {{ unit }} (its name made safe for a file
    name); without {{ unit }} in it, the name gains `-<unit>` before `.docx`."""
    template = config.output.filename
    safe = Unit(filename_part(unit.name), unit.attributes)
    name = fill_setting(template, text_setting_values(config, safe), config, "output.filename")
    if "unit" not in template:
        stem, dot, suffix = name.rpartition(".")
        name = f"{stem}-{safe.name}.{suffix}" if dot else f"{name}-{safe.name}"
    folder = directory if directory is not None else config.resolve(config.output.dir)
    path = folder / name
    if folder.resolve() not in path.resolve().parents:
        raise OutputError(
            f"单位“{unit.name}”的草稿文件名跳出了输出目录", path=path, hint="检查 config.yaml 的 output.filename。"
        )
    return path


def draft_unit(drafting: Drafting, renderer: Renderer, unit: Unit, directory: Path | None) -> UnitOutcome:
    """One unit's draft; never raises: what went wrong is the outcome's `error`."""
    outcome = UnitOutcome(unit.name)
    try:
        requested = unit_output(drafting.project.config, unit, directory)
        done = draft_one(drafting, renderer, unit, requested)
    except DrafterError as exc:
        outcome.error = exc.render()
        return outcome
    except Exception as exc:  # a bug shown for this unit; the other units go on
        outcome.error = (
            f"生成时出现内部错误：{type(exc).__name__}: {exc}\n处理：请加 --debug 重新运行，并把输出报告给维护者。"
        )
        return outcome
    outcome.path, outcome.renamed = done.finished.path, done.finished.path != requested
    outcome.timings = done.timings
    outcome.figures = len(done.draft.registry)
    outcome.placeholders = [f"{o.ref}：{o.reason}" if o.reason else o.ref for o in done.draft.registry.placeholders]
    outcome.broken = [one_line(f.error) for f in done.run.failures if not isinstance(f.error, DataError)]
    outcome.warnings = done.finished.warnings
    outcome.findings = [f.warning() for f in (done.finished.rules.findings if done.finished.rules else [])]
    failed = {f.name: _why_failed(f.error) for f in done.run.failures}
    outcome.values, outcome.waiting = rollup_values(done.draft.registry, drafting.rollup_refs, failed)
    return outcome


def _why_failed(error: DrafterError) -> str:
    """A failed query's error in a line, the database's reason in it, without the file's path."""
    cause = (error.cause or "").strip().splitlines()
    return error.message + (f"（原因：{cause[0][:160]}）" if cause else "")


def rollup_values(
    registry: FigureRegistry, refs: frozenset[str], failed: dict[str, str] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The value each of `refs` has where the draft first prints it, as a check of the draft
    reads it for a rollup; apart, those it prints as a placeholder, with why (the rollup names
    them): the error of its failed query (`failed`: query → error, the database's reason in it)."""
    failed = failed or {}
    values: dict[str, Any] = {}
    waiting: dict[str, str] = {}
    for occ in registry:
        if occ.ref not in refs or occ.ref in values or occ.ref in waiting:
            continue
        if occ.placeholder:
            errors = [failed[p.query] for p in occ.sources if p.query in failed]
            waiting[occ.ref] = errors[0] if errors else occ.reason or ""
        else:
            values[occ.ref] = occ.value
    return values, waiting


@dataclass
class BatchResult:
    year: int
    units: list[Unit]
    outcomes: list[UnitOutcome]
    query_counts: dict[str, int]  # kind → number of queries of that kind
    jobs: int
    timings: dict[str, float] = field(default_factory=dict)
    period_label: str = ""  # 2025年度, 2025年第三季度 …
    rollups: list[Any] = field(default_factory=list)  # drafter.review.rollup.RollupResult, over all units
    strict: bool = False  # a rollup that does not add up fails the run (drafter.outcome)

    @property
    def written(self) -> list[UnitOutcome]:
        return [o for o in self.outcomes if o.path is not None]

    @property
    def failed(self) -> list[UnitOutcome]:
        return [o for o in self.outcomes if o.failed]

    @property
    def placeholders(self) -> int:
        return sum(len(o.placeholders) for o in self.outcomes)

    @property
    def warnings(self) -> list[str]:
        """Each unit's warnings once: a warning every draft shares (the master's styles) is told once."""
        seen: dict[str, list[str]] = {}
        for o in self.outcomes:
            for w in o.warnings:
                seen.setdefault(w, []).append(o.unit)
        n = len(self.outcomes)
        return [w if len(units) == n else f"{'、'.join(units[:5])}：{w}" for w, units in seen.items()]

    def summary(self) -> str:
        """The closing lines of `drafter build --each`, in Chinese."""
        n = len(self.outcomes)
        not_written = [o for o in self.outcomes if o.path is None]
        incomplete = [o for o in self.outcomes if o.path is not None and o.broken]
        lines = [
            f"{self.period_label}：{n} 个单位，已生成 {len(self.written)} 份草稿，用时 {self.timings.get('total', 0):.1f} 秒；"
            f"【待补充】共 {self.placeholders} 处；失败 {len(not_written)} 个"
            + (f"，不完整 {len(incomplete)} 份" if incomplete else "")
            + "。"
        ]
        lines += [f"警告：{w}" for w in self.warnings]
        if self.rollups:
            from drafter.review.report_text import render_rollup  # lazily loaded: review code only for rollups

            lines += [render_rollup(r) for r in self.rollups]
        if self.strict and any(not r.ok for r in self.rollups):
            lines.append("汇总核对未通过，--strict 模式下退出码为 1（草稿已生成）。")
        with_placeholders = [o for o in self.outcomes if o.placeholders]
        if with_placeholders:
            lines.append(
                "有【待补充】的草稿："
                + "、".join(f"{o.unit}（{len(o.placeholders)} 处）" for o in with_placeholders[:20])
                + (" 等" if len(with_placeholders) > 20 else "")
            )
            lines.append(_placeholder_reasons(with_placeholders))
        for o in self.outcomes:
            if o.findings:
                lines.append(
                    f"一致性规则未通过：{o.unit}（{len(o.findings)} 条，--strict 时不生成草稿）\n  - "
                    + "\n  - ".join(o.findings[:5])
                )
        for o in not_written:
            lines.append(f"失败：{o.unit}（未生成草稿）\n  " + (o.error or "").replace("\n", "\n  "))
        for o in incomplete:
            lines.append(f"不完整：{o.unit}（查询出错，相应数字以【待补充】占位）\n  - " + "\n  - ".join(o.broken[:5]))
        return "\n".join(lines)


UNITS_PER_PROCESS = 20  # a worker process costs about a second to start: worth it from this many drafts


def default_jobs(units: int | None = None) -> int:
    """The number of cores; for a small run fewer, one process per UNITS_PER_PROCESS units
    (a worker's start-up would cost more than it saves: see benchmarks/bench_units.py)."""
    cores = max(1, os.cpu_count() or 1)
    return cores if units is None else max(1, min(cores, units // UNITS_PER_PROCESS))


def build_units(
    config: str | Path | Config = "config.yaml",
    *,
    units: list[str] | None = None,
    period: PeriodLike | None = None,
    sources: dict[str, str] | None = None,
    directory: str | Path | None = None,
    force: bool = False,
    strict: bool = False,
    jobs: int | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    on_units: Callable[[int], None] | None = None,
    on_unit_done: Callable[[UnitOutcome], None] | None = None,
) -> BatchResult:
    """One draft per unit (`units`: the names to draft, None for all), written as it is made.
    `on_units(n)` is told how many units there are, `on_unit_done` each unit as it is done
    (in the calling thread)."""
    started = time.perf_counter()
    project = load_project(config, sources=sources, period=period)
    cfg = project.config
    all_units, units_result = resolve_units(project, build_parameters(cfg))
    chosen = all_units if units is None else pick_units(all_units, units, cfg.path)
    if on_units:
        on_units(len(chosen))
    ruleset = load_rules(cfg)
    plan = make_plan(project, units=chosen, ruleset=ruleset, known=all_units)
    renderer = Renderer(project, strict=strict, save_only=True)  # template problems stop the run before any draft
    folder = Path(directory) if directory is not None else None
    workers = max(1, min(jobs or default_jobs(len(chosen)), len(chosen)))
    with contextlib.ExitStack() as stack:
        pool = None
        if workers > 1:  # started now, so that the workers get ready while the queries run
            pool = WorkerPool(project, strict, workers)
            stack.callback(pool.close)
        timings = {"load": time.perf_counter() - started}
        options = BuildOptions(force, strict)
        drafting, rules = _query_units(project, plan, ruleset, units_result, options, clock, timings, units is None)
        outcomes: dict[str, UnitOutcome] = {}
        t = time.perf_counter()
        drafted = (
            (draft_unit(drafting, renderer, unit, folder) for unit in chosen)
            if pool is None
            else pool.draft(drafting, chosen, folder)
        )
        for outcome in drafted:
            outcomes[outcome.unit] = outcome
            if on_unit_done:
                on_unit_done(outcome)
        timings["drafts"] = time.perf_counter() - t
    ordered = [outcomes[u.name] for u in chosen]
    rollups = batch_rollups(cfg, rules, ordered, project.period.label, drafting.built_at)
    timings["total"] = time.perf_counter() - started
    return BatchResult(
        year=project.year,
        period_label=project.period.label,
        units=chosen,
        outcomes=ordered,
        query_counts=plan.query_counts(),
        jobs=workers,
        timings=timings,
        rollups=rollups,
        strict=strict,
    )


def _query_units(
    project: Project,
    plan: Plan,
    ruleset: RuleSet,
    units_result: QueryResult | None,
    options: BuildOptions,
    clock: Callable[[], dt.datetime] | None,
    timings: dict[str, float],
    rollups: bool,
) -> tuple[Drafting, list[Any]]:  # drafter.review.rollup.RollupRule
    """The batch's queries run once (the units query's result kept), and what every draft shares."""
    t = time.perf_counter()
    known: dict[str, QueryResult | QueryFailure] = {units_result.spec.name: units_result} if units_result else {}
    shared = run_shared(plan, known=known)
    timings["queries"] = time.perf_counter() - t
    if options.strict:
        refuse_unmatched_keys(shared)
    from drafter.review.batch import rollup_rules  # lazily loaded: review code only for `build --each`

    rules = rollup_rules(ruleset) if rollups else []  # a rollup needs every unit's draft
    drafting = Drafting(
        project,
        plan,
        shared,
        ruleset,
        options,
        (clock or dt.datetime.now)(),
        frozenset(ref for rule in rules for ref in (rule.part, rule.whole)),
    )
    return drafting, rules


def refuse_unmatched_keys(shared: RunResult) -> None:
    """`--strict`: rows of a grouped query that no unit received (an unknown or NULL unit key)
    stop the batch before any draft is written."""
    keys = shared.unmatched_keys
    if keys:
        raise DataError(
            keys[0] if len(keys) == 1 else f"{len(keys)} 条查询按单位分配数据时有结果行未计入任何单位",
            cause=None if len(keys) == 1 else "\n".join(f"{i}. {w}" for i, w in enumerate(keys, 1)),
            hint="核对数据中的单位名称与 config.yaml 的 units 是否一致（错字、多余空格、缺失的单位名）；"
            "去掉 --strict 则照常生成，这些行不计入任何单位。",
        )


def batch_rollups(
    config: Config, rules: list[Any], outcomes: list[UnitOutcome], period: str, built_at: dt.datetime
) -> list[Any]:
    """The project's rollup rules over the drafts just written, with the values they print."""
    if not rules:
        return []
    # lazily loaded: review code (the checker behind a rollup) only when the project has rollup rules
    from drafter.review.batch import run_rollups
    from drafter.review.rollup import DraftFigures

    stamp = built_at.isoformat(timespec="seconds")
    drafts = [
        DraftFigures(o.path.name, o.unit, period, stamp, dict(o.values), waiting=dict(o.waiting))
        for o in outcomes
        if o.path is not None
    ]
    results = run_rollups(config, drafts, rules, units=[o.unit for o in outcomes])
    for result in results:  # the drafts were written from the data just now
        result.just_built = True
    return results


# -- worker processes ----------------------------------------------------------------------------
#
# The pool is started before the queries run (`WorkerPool.start`): while the database works, each
# worker imports drafter, compiles the section templates and reads the Word master. What every
# draft shares (the run's shared results, its options) goes to the workers once the queries are
# done, pickled once and unpickled once a worker; each unit goes with its share of the grouped results.

_worker_renderer: Renderer | DrafterError | None = None
_worker_drafting: tuple[int, Drafting, Path | None] | None = None  # (token, what is shared, folder)


def _init_worker(project: Project, strict: bool) -> None:
    """A worker's start: its renderer made ready, then what it has loaded moved out of the
    collector's way (`gc.freeze`: a collection then walks only what a draft makes)."""
    global _worker_renderer
    import gc

    try:
        _worker_renderer = Renderer(project, strict=strict, save_only=True)
    except DrafterError as exc:  # told as each unit's error
        _worker_renderer = exc
    gc.freeze()


def _work(unit: Unit, share: dict[str, Any], token: int, shared: bytes) -> UnitOutcome:
    """A unit drafted in a worker process, with the templates that worker compiled."""
    global _worker_drafting
    import pickle

    if isinstance(_worker_renderer, DrafterError):
        return UnitOutcome(unit.name, error=_worker_renderer.render())
    assert _worker_renderer is not None
    if _worker_drafting is None or _worker_drafting[0] != token:
        _worker_drafting = (token, *pickle.loads(shared))
    _, drafting, directory = _worker_drafting
    run = dataclasses.replace(drafting.shared, by_unit={key: {unit.name: r} for key, r in share.items()})
    return draft_unit(dataclasses.replace(drafting, shared=run), _worker_renderer, unit, directory)


class WorkerPool:
    """Worker processes for the drafts of one batch, started before its queries run."""

    def __init__(self, project: Project, strict: bool, workers: int) -> None:
        # lazily loaded: only a batch of many units starts processes
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")  # the same on Windows; no fork of a threaded process
        # Compiled code does not pickle: each worker compiles the section templates once itself.
        self.project = dataclasses.replace(project, templates={})
        self.workers = workers
        self.pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(self.project, strict)
        )
        for _ in range(workers):  # start them now: they get ready while the queries run
            self.pool.submit(int)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def draft(self, drafting: Drafting, units: list[Unit], directory: Path | None) -> Iterator[UnitOutcome]:
        """Units drafted by the workers; at most two units a worker are in flight, so the
        grouped results handed over stay few whatever the number of units."""
        import pickle
        from concurrent.futures import FIRST_COMPLETED, Future, wait

        light = dataclasses.replace(
            drafting,
            project=self.project,
            plan=dataclasses.replace(drafting.plan, project=self.project),
            shared=dataclasses.replace(drafting.shared, by_unit={}),
        )
        shared = pickle.dumps((light, directory), protocol=pickle.HIGHEST_PROTOCOL)
        token = id(light)
        pending = iter(units)
        running: dict[Future, Unit] = {}

        def submit_next() -> None:
            unit = next(pending, None)
            if unit is not None:
                share = unit_share(drafting.shared, unit)
                running[self.pool.submit(_work, unit, share, token, shared)] = unit

        for _ in range(self.workers * 2):
            submit_next()
        while running:
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                unit = running.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:
                    outcome = UnitOutcome(unit.name, error=f"生成时出现内部错误：{type(exc).__name__}: {exc}")
                yield outcome
                submit_next()
