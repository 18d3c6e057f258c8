"""`drafter check a.docx b.docx …`: many drafts checked in one run.

Each draft is checked as `check` checks one (its own year, parameters and unit, from its
manifest); a query whose SQL, source and bound parameters are the same for two drafts is
run once (`SharedRunner`): the queries of a town's report that do not depend on the town
run once for all the towns. A draft that cannot be checked is reported and the others go on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from drafter.data.figures import json_value
from drafter.data.runner import Job, QueryFailure, QueryResult, RunResult, build_parameters, run_jobs
from drafter.errors import DrafterError
from drafter.pipeline.units import resolve_units
from drafter.project.config import Config
from drafter.project.grouping import UNIT_PARAM
from drafter.project.model import load_project
from drafter.project.queries import sql_fingerprint, sql_parameters
from drafter.review.checker import CheckReport, check


class SharedRunner:
    """`run_jobs` that remembers: a query run again with the same SQL, source and parameters
    (a comparison run included) gives the result it gave before instead of asking the
    database again. A `-- per:` query asked for one of `units` is run for all of them at
    once, grouped as the build runs it (drafter/pipeline/plan.py), and the other units'
    results wait in the cache."""

    def __init__(self, units: Sequence[str] = ()) -> None:
        self.cache: dict[tuple, QueryResult | QueryFailure] = {}
        self.units = tuple(units)
        self.ran = 0  # queries sent to a database
        self.reused = 0  # queries answered from the cache

    @staticmethod
    def key(config: Config, job: Job) -> tuple:
        spec = job.spec
        texts = [spec.sql] + [p.read_text(encoding="utf-8") for p in sorted(spec.variants.values())]
        used = sorted({name for text in texts for name in sql_parameters(text)})
        bound = json.dumps(
            {name: json_value(job.params.get(name)) for name in used}, sort_keys=True, ensure_ascii=False
        )
        settings = config.sources.get(spec.source)
        return (
            job.key,
            spec.name,
            spec.source,
            settings.url if settings else None,
            spec.returns,
            tuple(sql_fingerprint(t) for t in texts),
            bound,
        )

    def __call__(self, config: Config, jobs: list[Job], *, on_done: Callable[[str], None] | None = None) -> RunResult:
        started = time.monotonic()
        keys = {job.key: self.key(config, job) for job in jobs}
        self._run_grouped(config, [job for job in jobs if keys[job.key] not in self.cache])
        missing = [job for job in jobs if keys[job.key] not in self.cache]
        if missing:
            run = run_jobs(config, missing, on_done=on_done)
            for key, result in run.results.items():
                self.cache[keys[key]] = result
        self.ran += len(missing)
        self.reused += len(jobs) - len(missing)
        combined = RunResult({job.key: self.cache[keys[job.key]] for job in jobs})
        combined.elapsed = time.monotonic() - started
        return combined

    def _run_grouped(self, config: Config, jobs: list[Job]) -> None:
        """The `-- per:` jobs among `jobs` run once for all the batch's units, into the cache."""
        grouped: dict[tuple, Job] = {}
        for job in jobs:
            if job.spec.per and self.units and job.params.get(UNIT_PARAM) in self.units:
                others = {k: v for k, v in job.params.items() if k != UNIT_PARAM}
                grouped.setdefault(self.key(config, replace(job, params=others)), replace(job, params=others))
        if not grouped:
            return
        run = run_jobs(config, [replace(job, units=self.units) for job in grouped.values()])
        for job in grouped.values():
            for unit, result in run.by_unit[job.key].items():
                self.cache[self.key(config, replace(job, params={**job.params, UNIT_PARAM: unit}))] = result
        self.ran += len(grouped)


def batch_units(config: str | Path | Config, sources: dict[str, str] | None) -> list[str]:
    """The project's units, for grouping a batch check's `-- per:` queries; none when it has
    none or they cannot be listed (each draft's check then says what is wrong)."""
    try:
        project = load_project(config, sources=sources)
        if project.config.units is None:
            return []
        return [u.name for u in resolve_units(project, build_parameters(project.config))[0]]
    except DrafterError:
        return []


@dataclass
class BatchCheck:
    """The reports of a batch check, in the order the drafts were given."""

    reports: list[CheckReport]
    errors: list[tuple[Path, DrafterError]] = field(default_factory=list)  # drafts that could not be checked
    queries_run: int = 0
    queries_reused: int = 0
    elapsed: float = 0.0
    rollups: list[Any] = field(default_factory=list)  # drafter.review.rollup.RollupResult


def project_rollups(config: str | Path | Config, reports: Sequence[CheckReport]) -> list[Any]:
    """The project's `rollup:` rules (drafter/project/rules.py) over the checked drafts."""
    from drafter.project.config import load_config
    from drafter.project.rules import load_rules
    from drafter.review.rollup import check_rollup

    cfg = config if isinstance(config, Config) else load_config(config)
    return [
        check_rollup(reports, rule.spec["part"], rule.spec["whole"], tolerance=rule.spec.get("tolerance", 0))
        for rule in load_rules(cfg).rollups
    ]


def check_many(
    drafts: Sequence[str | Path],
    config: str | Path | Config = "config.yaml",
    *,
    sources: dict[str, str] | None = None,
    year: int | None = None,
    period: Any = None,
    on_done: Callable[[Path], None] | None = None,
) -> BatchCheck:
    """Check every draft of `drafts`; queries shared where their parameters agree."""
    started = time.perf_counter()
    runner = SharedRunner(batch_units(config, sources) if len(drafts) > 1 else ())
    batch = BatchCheck(reports=[])
    for draft in drafts:
        path = Path(draft)
        try:
            batch.reports.append(check(path, config, sources=sources, year=year, period=period, runner=runner))
        except DrafterError as exc:
            batch.errors.append((path, exc))
        if on_done:
            on_done(path)
    batch.queries_run, batch.queries_reused = runner.ran, runner.reused
    batch.rollups = project_rollups(config, batch.reports)
    batch.elapsed = time.perf_counter() - started
    return batch
