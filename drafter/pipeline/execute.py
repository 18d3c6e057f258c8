"""The executor: runs a plan's jobs (drafter.data.runner: one connection a source, sources in
parallel) and hands each unit the results that are its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drafter.data.runner import QueryFailure, QueryResult, RunResult, run_jobs
from drafter.errors import DrafterError
from drafter.pipeline.plan import GROUPED, Plan, make_plan, query_kind
from drafter.pipeline.units import resolve_units
from drafter.project.grouping import UNIT_PARAM
from drafter.project.model import Project
from drafter.project.rules import RuleSet
from drafter.project.units import Unit
from drafter.review.rules import take_rule_tests

Runner = Callable[..., RunResult]  # run_jobs, or what stands in for it (a batch check's cache)


def run_shared(
    plan: Plan,
    *,
    on_done: Callable[[str], None] | None = None,
    runner: Runner | None = None,
    known: dict[str, QueryResult | QueryFailure] | None = None,
) -> RunResult:
    """The jobs run once for the whole run (grouped ones for all units at once); `known`: results
    there already (the units query, run to list the units)."""

    def report(key: str) -> None:  # progress counts the report's queries, not the rules' own
        if on_done is not None and key not in plan.rule_keys:
            on_done(key)

    jobs = [job for job in plan.shared_jobs() if job.key not in (known or {})]
    run = (runner or run_jobs)(plan.project.config, jobs, on_done=report) if jobs else RunResult()
    run.results.update(known or {})
    return run


def unit_run(plan: Plan, shared: RunResult, unit: Unit | None, *, runner: Runner | None = None) -> RunResult:
    """Everything one unit's draft reads (None: the one implicit unit): its share of the shared
    and grouped results and its own per-unit jobs, run here; the rules' SQL data tests kept
    apart (`rule_tests`)."""
    own = plan.unit_jobs(unit)
    own_run = (runner or run_jobs)(plan.project.config, own) if own else RunResult()
    mine = own_run.results
    params = dict(plan.params) if unit is None else {**plan.params, UNIT_PARAM: unit.name}
    warnings = shared.warnings + [w for w in own_run.warnings if w not in shared.warnings]
    run = RunResult(params=params, elapsed=shared.elapsed, warnings=warnings)
    run.unmatched_keys = shared.unmatched_keys + [w for w in own_run.unmatched_keys if w not in shared.unmatched_keys]
    for job in plan.jobs:
        if job.key in mine:
            run.results[job.key] = mine[job.key]
        elif job.key in shared.by_unit and unit is not None:
            run.results[job.key] = shared.by_unit[job.key][unit.name]
        else:
            run.results[job.key] = shared.results[job.key]
    return take_rule_tests(run)


def unit_share(shared: RunResult, unit: Unit) -> dict[str, Any]:
    """The grouped results of one unit: what a worker process drafting it is handed."""
    return {key: by_unit[unit.name] for key, by_unit in shared.by_unit.items()}


def run_project(
    project: Project,
    *,
    params: dict[str, Any] | None = None,
    on_done: Callable[[str], None] | None = None,
    also: dict[str, list[str]] | None = None,
    ruleset: RuleSet | None = None,
    runner: Runner | None = None,
) -> RunResult:
    """One implicit unit's run: the project's queries for its period (or `params`: those a draft
    recorded), the comparison runs its templates name and those `also` names, and with a
    `ruleset` the consistency rules' own queries alongside."""
    plan = make_plan(project, params=params, also=also, ruleset=ruleset)
    return unit_run(plan, run_shared(plan, on_done=on_done, runner=runner), None, runner=runner)


def run_unit_draft(
    project: Project,
    unit: Unit,
    *,
    params: dict[str, Any],
    also: dict[str, list[str]] | None = None,
    ruleset: RuleSet | None = None,
) -> RunResult:
    """A unit's draft run again alone (check, refresh): its `-- per:` queries grouped for all the
    project's units as `build --unit` runs them, so that the rows no unit received are told
    (`unmatched_keys`) as build tells them; the figures are those the unit's own queries give.
    Without a grouped query, or when the units cannot be listed now (their query fails: each
    query's own failure is then told), the run `run_project` makes."""
    if project.config.units is None or not any(query_kind(s) == GROUPED for s in project.queries.values()):
        return run_project(project, params=params, also=also, ruleset=ruleset)
    try:
        every, _ = resolve_units(project, params)
    except DrafterError:
        return run_project(project, params=params, also=also, ruleset=ruleset)
    plan = make_plan(project, params=params, units=[unit], also=also, ruleset=ruleset, known=every)
    return unit_run(plan, run_shared(plan), unit)
