"""The planner: which query jobs a run needs, and how each is run.

A run is for one implicit unit (a whole report, or a draft being checked) or for many units.
Every job is one of three kinds, each run as seldom as it can be:

    shared     does not use :unit             once for the whole run, its result in every draft
    grouped    uses :unit, `-- per: <column>`  once for all units (drafter.project.grouping)
    per unit   uses :unit otherwise           once per unit, in the worker drafting that unit

The jobs are the report's queries, their comparison runs (`prev.q`, `last.q`: those the
templates name and those `also` adds) and the consistency rules' own queries; a comparison
run of a `-- per:` query is grouped like the query itself.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from drafter.data.comparisons import comparison_jobs
from drafter.data.runner import Job, build_parameters
from drafter.project.grouping import UNIT_PARAM
from drafter.project.model import Project
from drafter.project.queries import QuerySpec
from drafter.project.rules import RuleSet
from drafter.project.units import Unit
from drafter.review.rules import rule_jobs

SHARED, GROUPED, PER_UNIT = "shared", "grouped", "per_unit"


def query_kind(spec: QuerySpec) -> str:
    if not spec.uses_unit:
        return SHARED
    return GROUPED if spec.per else PER_UNIT


@dataclass
class Plan:
    """The jobs of one run, by kind; `units` None for one implicit unit (a whole report)."""

    project: Project
    params: dict[str, Any]
    units: list[Unit] | None
    jobs: list[Job]  # every job, in the order results are kept: the queries in file order first
    kinds: dict[str, str]  # job key → SHARED, GROUPED or PER_UNIT
    rule_keys: set[str] = field(default_factory=set)  # the rules' own jobs (not counted as progress)
    known: tuple[str, ...] = ()  # every unit of the project, of which `units` may be some

    def of_kind(self, kind: str) -> list[Job]:
        return [job for job in self.jobs if self.kinds[job.key] == kind]

    def shared_jobs(self) -> list[Job]:
        """What runs once for the whole run: the shared jobs and the grouped ones (for all units)."""
        names = tuple(u.name for u in self.units or [])
        return [
            dataclasses.replace(job, units=names, known_units=self.known) if self.kinds[job.key] == GROUPED else job
            for job in self.jobs
            if self.kinds[job.key] != PER_UNIT
        ]

    def unit_jobs(self, unit: Unit | None) -> list[Job]:
        """What runs for `unit` alone, its name bound as :unit."""
        if unit is None:
            return []
        return [
            dataclasses.replace(job, params={**job.params, UNIT_PARAM: unit.name}) for job in self.of_kind(PER_UNIT)
        ]

    def query_counts(self) -> dict[str, int]:
        """How many of the report's own queries are of each kind."""
        counts = {SHARED: 0, GROUPED: 0, PER_UNIT: 0}
        for name in self.project.queries:
            counts[self.kinds[name]] += 1
        return counts


def comparison_refs(project: Project, also: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """The comparison runs a run needs: those the templates name, and those `also` adds (check:
    the ones the draft recorded, so a figure the templates no longer print is still checked)."""
    refs = {which: list(names) for which, names in project.comparisons.items()}
    for which, names in (also or {}).items():
        refs[which] = list(dict.fromkeys([*refs.get(which, []), *(n for n in names if n in project.queries)]))
    return refs


def make_plan(
    project: Project,
    *,
    params: dict[str, Any] | None = None,
    units: list[Unit] | None = None,
    also: dict[str, list[str]] | None = None,
    ruleset: RuleSet | None = None,
    known: list[Unit] | None = None,
) -> Plan:
    """The jobs a run of `project` needs. `params` replaces the period's parameters (check:
    those the draft recorded); `units` None is one implicit unit, every job then shared;
    `known`: all the project's units when `units` are some of them (`--unit`)."""
    config = project.config
    params = build_parameters(config) if params is None else params
    refs = comparison_refs(project, also)
    jobs = [Job(spec.name, spec, params) for spec in project.queries.values()]
    jobs += comparison_jobs(project.queries, refs, params, config.period)
    own = rule_jobs(ruleset, project, refs, params) if ruleset else []
    jobs += own
    kinds = {job.key: SHARED if units is None else query_kind(job.spec) for job in jobs}
    every = tuple(u.name for u in known or units or [])
    return Plan(project, params, units, jobs, kinds, {job.key for job in own}, every)
