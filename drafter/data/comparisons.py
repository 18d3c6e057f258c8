"""Comparisons without duplicated queries: `prev` (同比) and `last` (环比).

A template writes `{{ prev.q.col }}` for column `col` of query `q` over the same period one
year earlier, and `{{ last.q.col }}` for the period just before (drafter/project/period.py).
The query file is the same; only its period parameters shift (:year, :period_start,
:period_end, :half/:quarter/:month), every other parameter stays.

Which comparison runs a build needs is read from the templates before any query runs (the
validation pass finds them in the section templates, their includes and the Word master:
`Project.comparisons`), so they run concurrently with the report's own queries (`comparison_jobs`, one connection
per source and comparison). A reference the AST cannot show (`{% set p = prev %}{{ p.q.n }}`)
is run when the template asks for it (`Comparison`), so it is never wrong, only slower.

A comparison run's figures are named `prev.q.col` (`Provenance.query` = `prev.q`); its result
sits in `RunResult.results` under `prev.q`, so the manifest records it with its own SQL and
parameters, and `check` re-runs and compares it like any other figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drafter.data.figures import Figure, MissingRow, MissingRows, Provenance
from drafter.data.runner import Job, QueryFailure, QueryResult, RunResult, build_parameters, run_jobs
from drafter.errors import TemplateError
from drafter.project.period import Period

if TYPE_CHECKING:
    from drafter.project.config import Config
    from drafter.project.queries import QuerySpec

# name in templates → what it means, for descriptions and messages
COMPARISONS = {"prev": "上年同期", "last": "上一期"}


def shifted_parameters(params: dict[str, Any], period: Period, which: str) -> dict[str, Any]:
    """`params` with the period's own parameters replaced by those of its `which` neighbour."""
    own = period.parameters()
    shifted = {k: v for k, v in params.items() if k not in own}
    shifted.update(period.shifted(which).parameters())
    return shifted


# -- which comparison runs the templates need ---------------------------------------------------


def comparison_jobs(
    specs: dict[str, QuerySpec], refs: dict[str, list[str]], params: dict[str, Any], period: Period
) -> list[Job]:
    """One job for each comparison run `refs` names, with the shifted parameters."""
    jobs = []
    for which, names in refs.items():
        shifted = shifted_parameters(params, period, which)
        other = period.shifted(which)
        for name in names:
            spec = specs[name]
            jobs.append(
                Job(
                    f"{which}.{name}",
                    spec,
                    shifted,
                    group=which,
                    period=other,
                    description=f"{spec.description}（{COMPARISONS[which]}：{other.label}）",
                )
            )
    return jobs


# -- what templates see ---------------------------------------------------------------------------


def missing_value(spec: QuerySpec, key: str | None = None, description: str | None = None) -> Any:
    """What a template gets for a query that failed (named `key`, `prev.q` for a comparison run)."""
    name = key or spec.name
    description = spec.description if description is None else description
    if spec.returns == "rows":
        return MissingRows(name, spec.source, description)
    if spec.returns == "scalar":
        prov = Provenance(name, spec.source, "value")
        return Figure(None, name, (prov,), description)
    return MissingRow(name, spec.source, description)


def result_value(result: QueryResult | QueryFailure) -> Any:
    if result.ok:
        assert isinstance(result, QueryResult)
        return result.value
    description = None
    if result.compare:
        description = f"{result.spec.description}（{COMPARISONS[result.compare]}）"
    return missing_value(result.spec, result.key or None, description)


class Comparison:
    """`prev` or `last` in a template: `prev.q` is query q's result over the shifted period,
    `prev.period` that period. A run the templates' AST did not show is run when asked for."""

    def __init__(
        self,
        which: str,
        config: Config,
        specs: dict[str, QuerySpec],
        run: RunResult,
        params: dict[str, Any],
        period: Period,
    ):
        self._which = which
        self._config = config
        self._specs = specs
        self._run = run
        self._params = params
        self._period = period

    @property
    def period(self) -> Period:
        return self._period.shifted(self._which)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        key = f"{self._which}.{name}"
        if key not in self._run.results:
            if name not in self._specs:
                raise UnknownComparison(self._which, name, list(self._specs))
            # Not seen in the templates' text: run it now (results join the run, hence the manifest).
            jobs = comparison_jobs(self._specs, {self._which: [name]}, self._params, self._period)
            self._run.results.update(run_jobs(self._config, jobs).results)
        return result_value(self._run.results[key])

    def __getitem__(self, name: str) -> Any:
        return self.__getattr__(name)

    def __repr__(self) -> str:
        return f"Comparison({self._which}: {self.period.label})"


class UnknownComparison(TemplateError):
    """`prev.x` where x is no query."""

    def __init__(self, which: str, name: str, known: list[str]):
        import difflib

        close = difflib.get_close_matches(name, known, n=2)
        super().__init__(
            f"{which}.{name}：没有名为“{name}”的查询",
            hint=(f"是否想写“{which}.{close[0]}”？" if close else "")
            + f"{which} 后面写查询名，如 {{{{ {which}.查询名.列名 }}}}（{COMPARISONS[which]}的同一查询）。",
        )


def comparison_context(
    config: Config,
    specs: dict[str, QuerySpec],
    run: RunResult,
    params: dict[str, Any] | None = None,
    period: Period | None = None,
) -> dict[str, Comparison]:
    period = period or config.period
    params = run.params if params is None else params
    params = build_parameters(config, period) if params is None else params
    return {which: Comparison(which, config, specs, run, params, period) for which in COMPARISONS}


__all__ = [
    "COMPARISONS",
    "Comparison",
    "comparison_context",
    "comparison_jobs",
    "shifted_parameters",
]
