"""`build --each / --unit`: one draft per unit, queries shared, drafts rendered in parallel.

The queries of a project with units fall into three kinds, each run as seldom as it can be:

    shared     does not use :unit             once for the whole run, its result in every draft
    grouped    uses :unit, `-- per: <column>`  once for all units (drafter.data.grouping)
    per unit   uses :unit otherwise           once per unit, in the worker drafting that unit

The templates are compiled once per worker (`Renderer`) and reused for every unit it
drafts. Drafts are written as they are made, and a worker keeps one draft in memory at a
time, so memory does not grow with the number of units. Workers are processes (`jobs`,
default the number of cores, fewer for a small run): rendering is Python work that threads
would serialise.
A unit that fails is reported and the others go on; see `BatchResult`.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.builder import Project, compose_draft, fill_setting, load_project, text_setting_values
from drafter.data.comparisons import comparison_jobs
from drafter.data.figures import FigureRegistry
from drafter.data.runner import QueryFailure, QueryResult, RunResult, build_parameters, run_queries
from drafter.errors import DataError, DrafterError, OutputError
from drafter.project.config import Config
from drafter.project.queries import QuerySpec
from drafter.project.units import Unit, filename_part, pick_units, resolve_units

SHARED, GROUPED, PER_UNIT = "shared", "grouped", "per_unit"


def query_kind(spec: QuerySpec) -> str:
    if not spec.uses_unit:
        return SHARED
    return GROUPED if spec.per else PER_UNIT


# -- templates compiled once ----------------------------------------------------------------


class _RegistryProxy:
    """Stands for the registry of the draft being rendered in this thread: the Jinja
    environments (and their filters) are made once, the registry changes with each draft."""

    def __init__(self) -> None:
        self._local = threading.local()

    def use(self, registry: FigureRegistry) -> None:
        self._local.target = registry

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._local.target, name)

    def __iter__(self):
        return iter(self._local.target)

    def __len__(self) -> int:
        return len(self._local.target)


def _memoize_compile(env: Any) -> None:
    """`env.compile` keeps what it compiled: a section template, or the Word master's XML
    that docxtpl hands to `from_string`, is compiled for the first draft only."""
    compile_ = env.compile
    cache: dict[tuple, Any] = {}

    def compile(source, name=None, filename=None, raw=False, defer_init=False):
        if raw:
            return compile_(source, name, filename, raw, defer_init)
        key = (source, name, filename, defer_init)
        code = cache.get(key)
        if code is None:
            code = cache[key] = compile_(source, name, filename, raw, defer_init)
        return code

    env.compile = compile


class Renderer:
    """A project's templates ready for many drafts: section files found, Jinja environments
    made and templates compiled once, the Word master read (and its tags checked) once."""

    def __init__(self, project: Project, *, strict: bool = False) -> None:
        from drafter.text.environment import make_environment
        from drafter.text.sections import section_files
        from drafter.word.document import open_master

        config = project.config
        self.project = project
        self.config = config
        self.compiled = project.templates  # section templates the validation pass compiled
        self.files = section_files(config.templates.sections, config.resolve)
        self.master_path = config.resolve(config.templates.master)
        open_master(self.master_path)  # refuses a missing master or broken tags, once
        self.master_bytes = self.master_path.read_bytes()
        self.registry = _RegistryProxy()
        proxy: Any = self.registry
        # The same environments as compose_draft makes for one draft.
        self.sections_env = make_environment(
            proxy,
            search_path=list(dict.fromkeys(f.parent for f in self.files)),
            strict=strict,
            period=config.period,
            trace=True,
        )
        self.master_env = make_environment(proxy, autoescape=True, strict=strict, sentences=False, period=config.period)
        _memoize_compile(self.sections_env)
        _memoize_compile(self.master_env)

    def render(self, context: dict[str, Any], registry: FigureRegistry) -> tuple[list, Any]:
        from docxtpl import DocxTemplate

        from drafter.text.sections import render_sections
        from drafter.word.document import compose

        self.registry.use(registry)
        from drafter.builder import _render_appendices

        blocks = render_sections(self.sections_env, self.files, context, registry, compiled=self.compiled)
        appendices = _render_appendices(self.project, self.sections_env, context, registry, blocks)
        master = DocxTemplate(io.BytesIO(self.master_bytes))
        master.init_docx()
        document = compose(
            self.master_path, self.master_env, context, blocks, registry, self.config.style, appendices, master=master
        )
        return blocks, document


# -- one unit -------------------------------------------------------------------------------


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
    values: dict[str, Any] = field(default_factory=dict)  # ref → value, of the figures rollups add up

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


@dataclass
class _State:
    project: Project
    params: dict[str, Any]
    shared: dict[str, QueryResult | QueryFailure]  # by job key: comparison runs of shared queries too
    per_unit: dict[str, QuerySpec]
    unit_refs: dict[str, list[str]]  # comparison runs (prev/last) of the queries that use :unit
    directory: Path | None
    force: bool
    strict: bool
    built_at: dt.datetime
    rollup_refs: frozenset[str] = frozenset()  # figures the rollup rules add up, kept in each outcome


_worker_state: _State | None = None
_worker_renderer: Renderer | None = None


def _init_worker(state: _State) -> None:
    global _worker_state, _worker_renderer
    _worker_state, _worker_renderer = state, None


def _one_line(error: DrafterError) -> str:
    from drafter.builder import _one_line as line

    return line(error)


def draft_unit(
    state: _State, renderer: Renderer, unit: Unit, grouped: dict[str, QueryResult | QueryFailure]
) -> UnitOutcome:
    """Query what is the unit's own, render and write its draft; never raises: what went
    wrong is the outcome's `error`."""
    from drafter.word.document import next_free_path, save_atomically
    from drafter.word.manifest import attach_manifest

    outcome = UnitOutcome(unit.name)
    try:
        t = time.perf_counter()
        config = state.project.config
        params = {**state.params, "unit": unit.name}
        own: dict[str, QueryResult | QueryFailure] = {}
        if state.per_unit or any(state.unit_refs.values()):  # its own queries, and comparison runs of any
            extra = comparison_jobs(state.project.queries, state.unit_refs, params, config.period)
            own = run_queries(config, state.per_unit, params=params, extra=extra).results
        run = RunResult(params=params)
        for name in state.project.queries:  # the queries in file order, then the comparison runs
            run.results[name] = (
                state.shared[name] if name in state.shared else grouped[name] if name in grouped else own[name]
            )
        for source in (state.shared, own):
            run.results.update({key: result for key, result in source.items() if key not in run.results})
        outcome.timings["queries"] = time.perf_counter() - t
        if state.strict and run.failures:
            raise run.failures[0].error
        t = time.perf_counter()
        draft = compose_draft(state.project, run, strict=state.strict, unit=unit, renderer=renderer)
        outcome.timings["render"] = time.perf_counter() - t
        t = time.perf_counter()
        requested = unit_output(state.project.config, unit, state.directory)
        path = requested if state.force else next_free_path(requested)
        attach_manifest(draft.document, state.project, run, draft.registry, state.built_at, unit=unit)
        save_atomically(draft.document, path)
        outcome.timings["write"] = time.perf_counter() - t
    except DrafterError as exc:
        outcome.error = exc.render()
        return outcome
    except Exception as exc:  # a bug shown for this unit; the other units go on
        outcome.error = (
            f"生成时出现内部错误：{type(exc).__name__}: {exc}\n处理：请加 --debug 重新运行，并把输出报告给维护者。"
        )
        return outcome
    outcome.path, outcome.renamed = path, path != requested
    outcome.figures = len(draft.registry)
    if state.rollup_refs:
        for occ in reversed(list(draft.registry)):
            if occ.ref in state.rollup_refs and not occ.placeholder:
                outcome.values[occ.ref] = occ.value
    outcome.placeholders = [f"{o.ref}：{o.reason}" if o.reason else o.ref for o in draft.registry.placeholders]
    outcome.broken = [_one_line(f.error) for f in run.failures if not isinstance(f.error, DataError)]
    return outcome


def _work(unit: Unit, grouped: dict[str, QueryResult | QueryFailure]) -> UnitOutcome:
    """A unit drafted in a worker process, with the templates that worker compiled."""
    global _worker_renderer
    assert _worker_state is not None
    if _worker_renderer is None:
        try:
            _worker_renderer = Renderer(_worker_state.project, strict=_worker_state.strict)
        except DrafterError as exc:
            return UnitOutcome(unit.name, error=exc.render())
    return draft_unit(_worker_state, _worker_renderer, unit, grouped)


# -- the run ----------------------------------------------------------------------------------


@dataclass
class BatchResult:
    year: int
    units: list[Unit]
    outcomes: list[UnitOutcome]
    query_counts: dict[str, int]  # kind → number of queries of that kind
    jobs: int
    timings: dict[str, float] = field(default_factory=dict)
    period_label: str = ""  # 2025年度, 2025年第三季度 …
    warnings: list[str] = field(default_factory=list)  # rows no unit received (drafter.project.units)
    rollups: list[Any] = field(default_factory=list)  # drafter.review.rollup.RollupResult, over all units
    strict: bool = False  # a rollup that does not add up fails the run

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
    def exit_code(self) -> int:
        from drafter.outcome import units_exit_code

        return units_exit_code(self)

    def stage_seconds(self) -> dict[str, float]:
        """Seconds spent in each stage, summed over the units (workers run side by side)."""
        total = {
            "queries": self.timings.get("shared_queries", 0.0) + self.timings.get("grouped_queries", 0.0),
            "render": 0.0,
            "write": 0.0,
        }
        for o in self.outcomes:
            for key in ("queries", "render", "write"):
                total[key] += o.timings.get(key, 0.0)
        return total

    def summary(self) -> str:
        """The closing lines of `drafter build --each`, in Chinese."""
        n = len(self.outcomes)
        written = len(self.written)
        not_written = [o for o in self.outcomes if o.path is None]
        incomplete = [o for o in self.outcomes if o.path is not None and o.broken]
        lines = [
            f"{self.period_label}：{n} 个单位，已生成 {written} 份草稿，用时 {self.timings.get('total', 0):.1f} 秒；"
            f"【待补充】共 {self.placeholders} 处；失败 {len(not_written)} 个"
            + (f"，不完整 {len(incomplete)} 份" if incomplete else "")
            + "。"
        ]
        lines += [f"注意：{w}" for w in self.warnings]
        if self.rollups:
            from drafter.review.report_text import render_rollup

            lines += [render_rollup(r) for r in self.rollups]
        with_placeholders = [o for o in self.outcomes if o.placeholders]
        if with_placeholders:
            lines.append(
                "有【待补充】的草稿："
                + "、".join(f"{o.unit}（{len(o.placeholders)} 处）" for o in with_placeholders[:20])
                + (" 等" if len(with_placeholders) > 20 else "")
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
    year: int | None = None,
    period: Any = None,
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

    Problems of the project itself (config, query files, templates, the units query)
    raise a DrafterError before any draft is written; a problem of one unit is recorded
    in its `UnitOutcome` and the others go on. `on_units(n)` is told how many units there
    are, `on_unit_done` each unit as it is done (in the calling thread).
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    project = load_project(config, year=year, sources=sources, period=period)
    cfg = project.config
    params = build_parameters(cfg)
    all_units, units_result = resolve_units(project, params)
    chosen = all_units if units is None else pick_units(all_units, units, cfg.path)
    if on_units:
        on_units(len(chosen))
    renderer = Renderer(project, strict=strict)  # template problems stop the run before any draft
    folder = Path(directory) if directory is not None else None
    timings["load"] = time.perf_counter() - started

    kinds = {name: query_kind(spec) for name, spec in project.queries.items()}
    specs_of = {
        k: {n: project.queries[n] for n, kind in kinds.items() if kind == k} for k in (SHARED, GROUPED, PER_UNIT)
    }
    t = time.perf_counter()
    shared_specs = dict(specs_of[SHARED])
    shared: dict[str, QueryResult | QueryFailure] = {}
    if units_result is not None and units_result.spec.name in shared_specs:
        shared[units_result.spec.name] = units_result  # already run, for the list of units
        del shared_specs[units_result.spec.name]
    # Comparison runs (`prev.q`, `last.q`) the templates name: with the shared queries once, with
    # the queries that use :unit for each unit (a comparison run is not grouped).
    refs = project.comparisons
    shared_refs = {which: [n for n in names if n in specs_of[SHARED]] for which, names in refs.items()}
    unit_refs = {which: [n for n in names if n not in specs_of[SHARED]] for which, names in refs.items()}
    extra = comparison_jobs(project.queries, shared_refs, params, cfg.period)
    if shared_specs or extra:
        shared.update(run_queries(cfg, shared_specs, params=params, extra=extra).results)
    timings["shared_queries"] = time.perf_counter() - t
    t = time.perf_counter()
    notes: list[str] = []
    names = [u.name for u in chosen]
    grouped = run_grouped_queries(cfg, specs_of[GROUPED], params, names, known=[u.name for u in all_units], notes=notes)
    timings["grouped_queries"] = time.perf_counter() - t
    if strict and notes:
        raise DataError(
            notes[0],
            hint="核对数据中的单位名称与 config.yaml 的 units 是否一致（错字、多余空格、缺失的单位名）；"
            "去掉 --strict 则照常生成，这些行不计入任何单位。",
        )

    built_at = (clock or dt.datetime.now)()
    rules = _batch_rollup_rules(cfg) if units is None else []  # a rollup needs every unit's draft
    state = _State(
        project,
        params,
        shared,
        specs_of[PER_UNIT],
        unit_refs,
        folder,
        force,
        strict,
        built_at,
        frozenset(ref for part, whole, _ in rules for ref in (part, whole)),
    )
    workers = max(1, min(jobs or default_jobs(len(chosen)), len(chosen)))
    outcomes: dict[str, UnitOutcome] = {}

    def done(outcome: UnitOutcome) -> None:
        outcomes[outcome.unit] = outcome
        if on_unit_done:
            on_unit_done(outcome)

    def for_unit(unit: Unit) -> dict[str, QueryResult | QueryFailure]:
        return {name: by_unit[unit.name] for name, by_unit in grouped.items()}

    t = time.perf_counter()
    if workers == 1:
        for unit in chosen:
            done(draft_unit(state, renderer, unit, for_unit(unit)))
    else:
        _run_in_processes(state, chosen, for_unit, workers, done)
    timings["drafts"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    return BatchResult(
        year=project.year,
        period_label=project.period.label,
        units=chosen,
        outcomes=[outcomes[u.name] for u in chosen],
        query_counts={k: len(v) for k, v in specs_of.items()},
        jobs=workers,
        timings=timings,
        warnings=notes,
        rollups=_batch_rollups(cfg, rules, [outcomes[u.name] for u in chosen], project.period.label, built_at),
        strict=strict,
    )


def _batch_rollup_rules(config: Config) -> list[tuple[str, str, Any]]:
    from drafter.review.batch import rollup_rules

    return rollup_rules(config)


def _batch_rollups(
    config: Config, rules: list[tuple[str, str, Any]], outcomes: list[UnitOutcome], period: str, built_at: dt.datetime
) -> list[Any]:
    """The project's rollup rules over the drafts just written, with the values they print."""
    if not rules:
        return []
    from drafter.review.batch import run_rollups
    from drafter.review.rollup import DraftFigures

    stamp = built_at.isoformat(timespec="seconds")
    drafts = [DraftFigures(o.path.name, o.unit, period, stamp, dict(o.values)) for o in outcomes if o.path is not None]
    return run_rollups(config, drafts, rules, units=[o.unit for o in outcomes])


def _run_in_processes(
    state: _State, units: list[Unit], for_unit: Callable, workers: int, done: Callable[[UnitOutcome], None]
) -> None:
    """Units drafted by `workers` processes; at most two units a worker are in flight, so
    the grouped results handed over stay few whatever the number of units."""
    import dataclasses
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # the same on Windows; no fork of a threaded process
    # Compiled code does not pickle: each worker compiles the section templates once itself.
    state = dataclasses.replace(state, project=dataclasses.replace(state.project, templates={}))
    pending = iter(units)
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(state,)
    ) as pool:
        running: dict[Future, Unit] = {}

        def submit_next() -> None:
            unit = next(pending, None)
            if unit is not None:
                running[pool.submit(_work, unit, for_unit(unit))] = unit

        for _ in range(workers * 2):
            submit_next()
        while running:
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in finished:
                unit = running.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:
                    outcome = UnitOutcome(unit.name, error=f"生成时出现内部错误：{type(exc).__name__}: {exc}")
                done(outcome)
                submit_next()


def run_grouped_queries(
    config: Config,
    specs: dict[str, QuerySpec],
    params: dict[str, Any],
    units: list[str],
    *,
    known: list[str] | None = None,
    notes: list[str] | None = None,
) -> dict[str, dict[str, QueryResult | QueryFailure]]:
    """Query name → unit → result: each grouped query run once, sources side by side. Rows
    whose unit key matches none of `known` (all the project's units) are told in `notes`."""
    from concurrent.futures import ThreadPoolExecutor

    from drafter.data.grouping import run_grouped
    from drafter.data.runner import _at_source
    from drafter.data.sources import connect, open_engine
    from drafter.errors import SourceError

    if not specs:
        return {}
    by_source: dict[str, list[QuerySpec]] = {}
    for spec in specs.values():
        by_source.setdefault(spec.source, []).append(spec)

    def run_source(source: str, group: list[QuerySpec]) -> dict[str, dict[str, Any]]:
        settings = config.sources[source]
        out: dict[str, dict[str, Any]] = {}
        try:
            engine = open_engine(source, settings)
        except SourceError as exc:
            _at_source(exc, config, source)
            return {spec.name: {u: QueryFailure(spec, exc) for u in units} for spec in group}
        try:
            with connect(source, engine, settings) as conn:
                for spec in group:
                    out[spec.name] = run_grouped(
                        conn, spec, source, params, units, settings.timeout, known=known or units, notes=notes
                    )
        except SourceError as exc:
            _at_source(exc, config, source)
            for spec in group:
                out.setdefault(spec.name, {u: QueryFailure(spec, exc) for u in units})
        finally:
            engine.dispose()
        return out

    collected: dict[str, dict[str, Any]] = {}
    workers = max(1, min(config.concurrency, len(by_source)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="drafter-grouped") as pool:
        for result in pool.map(lambda item: run_source(*item), by_source.items()):
            collected.update(result)
    return {name: collected[name] for name in specs}
