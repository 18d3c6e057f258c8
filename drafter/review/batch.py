"""`drafter check a.docx b.docx …`: many drafts checked in one run.

Each draft is checked as `check` checks one (its own year, parameters and unit, from its
manifest); a query whose SQL, source and bound parameters are the same for two drafts is
run once (`SharedRunner`): the queries of a town's report that do not depend on the town
run once for all the towns. A draft that cannot be checked is reported and the others go on.
"""

from __future__ import annotations

import difflib
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from drafter.data.figures import json_value
from drafter.data.runner import Job, QueryFailure, QueryResult, RunResult, build_parameters, run_jobs
from drafter.errors import DrafterError
from drafter.pipeline.units import resolve_units
from drafter.pipeline.validate import load_project
from drafter.project.config import Config, load_config
from drafter.project.grouping import UNIT_PARAM
from drafter.project.period import PeriodLike
from drafter.project.queries import QuerySpec, load_queries, sql_fingerprint, sql_parameters
from drafter.project.rules import RuleSet, load_rules
from drafter.project.units import warns_of
from drafter.project.validation import BUILTIN_NAMES
from drafter.review.checker import CheckReport, LoadedProject, check
from drafter.review.rollup import DraftFigures, RollupResult, RollupRule, check_rollups, parse_rollup

T = TypeVar("T")  # what the work on one draft of a batch gives (each_draft)


class SharedRunner:
    """`run_jobs` that remembers: a query run again with the same SQL, source and parameters
    (a comparison run included) gives the result it gave before instead of asking the
    database again. A `-- per:` query asked for one of `units` is run for all of them at
    once, grouped as the build runs it (drafter/pipeline/plan.py), and the other units'
    results wait in the cache."""

    def __init__(self, units: Sequence[str] = ()) -> None:
        self.cache: dict[tuple, QueryResult | QueryFailure] = {}
        self.units = tuple(units)
        self.unmatched: dict[tuple, list[str]] = {}  # a grouped job's key → the rows it left to no unit
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
        for group in filter(None, (self._group(config, job) for job in jobs)):
            combined.unmatched_keys += [w for w in self.unmatched.get(group[0], []) if w not in combined.unmatched_keys]
        return combined

    def _group(self, config: Config, job: Job) -> tuple[tuple, Job] | None:
        """(the key, the job) of the run for all the batch's units a `-- per:` job is part of."""
        if not (job.spec.per and self.units and job.params.get(UNIT_PARAM) in self.units):
            return None
        whole = replace(job, params={k: v for k, v in job.params.items() if k != UNIT_PARAM})
        return self.key(config, whole), whole

    def _run_grouped(self, config: Config, jobs: list[Job]) -> None:
        """The `-- per:` jobs among `jobs` run once for all the batch's units, into the cache;
        the rows each left to no unit kept for every draft that reads it (as build tells them)."""
        grouped = dict(filter(None, (self._group(config, job) for job in jobs)))
        if not grouped:
            return
        run = run_jobs(config, [replace(job, units=self.units) for job in grouped.values()])
        for key, job in grouped.items():
            for unit, result in run.by_unit[job.key].items():
                self.cache[self.key(config, replace(job, params={**job.params, UNIT_PARAM: unit}))] = result
            self.unmatched[key] = [w for w in run.unmatched_keys if warns_of(w, job.key)]
        self.ran += len(grouped)


def draft_paths(arguments: Sequence[str | Path]) -> list[Path]:
    """The drafts named on a command line, a folder standing for the .docx files in it (by name,
    not its subfolders; Word's `~$` lock files and drafter's temporary files left out). A folder
    without a draft is refused (exit 2): the command would otherwise do nothing and say so."""
    out: list[Path] = []
    for argument in map(Path, arguments):
        if not argument.is_dir():
            out.append(argument)
            continue
        found = sorted(
            p
            for p in argument.iterdir()
            if p.suffix.lower() == ".docx" and p.is_file() and not p.name.startswith(("~$", "."))
        )
        if not found:
            raise DrafterError(
                "文件夹中没有 .docx 草稿", path=argument, hint="写草稿所在的文件夹，或直接写草稿文件名。"
            )
        out += found
    return out


def config_loads(config: str | Path | Config, sources: dict[str, str] | None = None) -> None:
    """A configuration that does not load (YAML, an unset variable, a source named on the command
    line that it has not) fails a batch as a whole, told once, not once a draft."""
    if not isinstance(config, Config):
        load_config(config, sources=sources)


def project_unit_names(config: str | Path | Config, sources: dict[str, str] | None = None) -> list[str] | None:
    """All the units of the project, for grouping a batch check's `-- per:` queries and naming a
    unit without a draft in a rollup; None when it has none or they cannot be listed (each
    draft's check then says what is wrong)."""
    try:
        project = load_project(config, sources=sources)
        if project.config.units is None:
            return None
        return [u.name for u in resolve_units(project, build_parameters(project.config))[0]]
    except DrafterError:
        return None


@dataclass
class BatchCheck:
    """The reports of a batch check, in the order the drafts were given."""

    reports: list[CheckReport]
    errors: list[tuple[Path, DrafterError]] = field(default_factory=list)  # drafts that could not be checked
    queries_run: int = 0
    queries_reused: int = 0
    elapsed: float = 0.0
    rollups: list[Any] = field(default_factory=list)  # drafter.review.rollup.RollupResult
    # The rows grouped queries left to no unit, told once for the batch (not in each draft's warnings).
    unmatched_keys: list[str] = field(default_factory=list)

    @property
    def incomplete(self) -> list[CheckReport]:
        """The drafts checked in part: some of their figures could not be checked (a query failed)."""
        return [r for r in self.reports if r.unchecked]


def rollup_rules(ruleset: RuleSet) -> list[RollupRule]:
    """Each `rollup:` rule of the project (drafter/project/rules.py), with its name."""
    return [RollupRule(r.spec["part"], r.spec["whole"], r.spec.get("tolerance", 0), r.name) for r in ruleset.rollups]


def run_rollups(
    config: Config,
    drafts: Sequence[CheckReport | DraftFigures],
    rules: Sequence[RollupRule] | None = None,
    units: Sequence[str] | None = None,
) -> list[RollupResult]:
    """The rollup rules (the project's, or `rules`) over drafts, one result a rule and period.
    `build --each` calls it on the batch it just wrote, `check` on the drafts it checked."""
    rules = rollup_rules(load_rules(config)) if rules is None else rules
    if not rules:
        return []
    known = project_unit_names(config) if units is None else list(units)
    return [
        result
        for rule in rules
        for result in check_rollups(
            drafts, rule.part, rule.whole, tolerance=rule.tolerance, units=known, name=rule.name
        )
    ]


def command_line_rollups(
    config: str | Path | Config, texts: Sequence[str], sources: dict[str, str] | None = None
) -> list[RollupRule]:
    """The `--rollup 部分=整体` of a command line that the project's own rules do not already
    make (each made once), their figures checked against the project's queries first: a
    misspelt name is refused with what it was likely meant to be, before any draft is checked."""
    cfg = config if isinstance(config, Config) else load_config(config, sources=sources)
    specs = load_queries(cfg.resolve(cfg.queries))
    made = {(r.part, r.whole) for r in rollup_rules(load_rules(cfg))}
    rules: list[RollupRule] = []
    for text in texts:
        part, whole = parse_rollup(text)
        for ref in (part, whole):
            _check_rollup_ref(ref, text, specs)
        if (part, whole) not in made:
            made.add((part, whole))
            rules.append(RollupRule(part, whole))
    return rules


def _check_rollup_ref(ref: str, text: str, specs: dict[str, QuerySpec]) -> None:
    """`query.column` (or a scalar query's name) of a `--rollup` names a query and a column it
    returns; a comparison (`prev.q.x`) or a row (`q[0].x`) is left to the rollup to find."""
    name, rest = re.match(r"(\w*)(.*)", ref).groups()  # type: ignore[union-attr]  # \w* always matches
    if name in BUILTIN_NAMES or (rest and not rest.startswith(".")):
        return
    column = rest[1:]
    spec = specs.get(name)
    if spec is None:
        close = difflib.get_close_matches(name, list(specs), n=1)
        meant = f"{close[0]}.{column}" if close and column else (close[0] if close else "")
        raise DrafterError(
            f"--rollup {text}：没有名为“{name}”的查询",
            hint=(f"是否想写“{meant}”？" if meant else "")
            + "写成 查询名.列名（查询名是 queries/ 下的文件名；数字的写法见 drafter figures 的“查询”列）。",
        )
    parsed = spec.parsed.columns
    columns = list(parsed) if parsed is not None else None
    if column and columns is not None and column not in columns:
        close = difflib.get_close_matches(column, columns, n=1)
        raise DrafterError(
            f"--rollup {text}：查询 {name} 没有“{column}”这一列",
            hint=(f"是否想写“{name}.{close[0]}”？" if close else "") + f"查询 {name} 返回的列：{'、'.join(columns)}。",
        )


def project_rollups(
    config: str | Path | Config,
    reports: Sequence[CheckReport],
    units: Sequence[str] | None = None,
    sources: dict[str, str] | None = None,
) -> list[Any]:
    """The project's `rollup:` rules over the checked drafts; `units`: all the project's; `sources`:
    those given on the command line (the configuration is read as the checks read it)."""
    cfg = config if isinstance(config, Config) else load_config(config, sources=sources)
    return run_rollups(cfg, reports, units=units)


def told_once(reports: Sequence[CheckReport]) -> list[str]:
    """The rows grouped queries left to no unit, as the reports' warnings tell them, taken out of
    each report's warnings: a batch tells them once, as build --each does."""
    told: list[str] = []
    # Drafts of more than one period: the same query's rows are told for each, naming the period.
    periods = {report.period for report in reports if report.unmatched_keys}
    for report in reports:
        prefix = f"{report.period.label}：" if len(periods) > 1 and report.period is not None else ""
        told += [t for w in report.unmatched_keys if (t := prefix + w) not in told]
        report.warnings = [w for w in report.warnings if w not in report.unmatched_keys]
    return told


def each_draft(
    drafts: Sequence[str | Path], work: Callable[[Path], T], verb: str, on_done: Callable[[Path], None] | None = None
) -> tuple[list[T], list[tuple[Path, DrafterError]]]:
    """`work(draft)` for every draft of a batch (check, refresh), in order: what it gave, and the
    drafts it could not do with why. A fault with one draft is that draft's alone, an unexpected
    one too (told as an internal error of that draft, `verb` saying of what): the others are done."""
    done: list[T] = []
    errors: list[tuple[Path, DrafterError]] = []
    for path in map(Path, drafts):
        try:
            done.append(work(path))
        except DrafterError as exc:
            errors.append((path, exc))
        except Exception as exc:
            cause = f"{type(exc).__name__}: {exc}"
            hint = f"请加 --debug 单独{verb}这份草稿，并把输出报告给维护者。"
            errors.append((path, DrafterError(f"{verb}时出现内部错误", path=path, cause=cause, hint=hint)))
        if on_done:
            on_done(path)
    return done, errors


def check_many(
    drafts: Sequence[str | Path],
    config: str | Path | Config = "config.yaml",
    *,
    sources: dict[str, str] | None = None,
    period: PeriodLike | None = None,
    on_done: Callable[[Path], None] | None = None,
) -> BatchCheck:
    """Check every draft of `drafts`; queries shared where their parameters agree."""
    started = time.perf_counter()
    config_loads(config, sources)
    names = project_unit_names(config, sources) if len(drafts) > 1 else None
    runner = SharedRunner(names or ())
    projects: dict[tuple, LoadedProject] = {}
    reports, errors = each_draft(
        drafts,
        lambda path: check(path, config, sources=sources, period=period, runner=runner, projects=projects),
        "核对",
        on_done,
    )
    batch = BatchCheck(reports=reports, errors=errors)
    batch.unmatched_keys = told_once(batch.reports)
    batch.queries_run, batch.queries_reused = runner.ran, runner.reused
    batch.rollups = project_rollups(config, batch.reports, names, sources)
    batch.elapsed = time.perf_counter() - started
    return batch
