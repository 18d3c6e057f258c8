"""`drafter check a.docx b.docx …`: many drafts checked in one run.

Each draft is checked as `check` checks one (its own year, parameters and unit, from its
manifest); a query whose SQL, source and bound parameters are the same for two drafts is
run once (`SharedRunner`): the queries of a town's report that do not depend on the town
run once for all the towns. A draft that cannot be checked is reported and the others go on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.data.figures import json_value
from drafter.data.runner import QueryFailure, QueryResult, RunResult, run_queries
from drafter.errors import DrafterError
from drafter.project.config import Config
from drafter.project.queries import QuerySpec, sql_fingerprint, sql_parameters
from drafter.review.checker import EXIT_CANNOT_CHECK, EXIT_FINDINGS, EXIT_OK, CheckReport, check


class SharedRunner:
    """`run_queries` that remembers: a query run again with the same SQL, source and
    parameters gives the result it gave before instead of asking the database again."""

    def __init__(self) -> None:
        self.cache: dict[tuple, QueryResult | QueryFailure] = {}
        self.ran = 0  # queries sent to a database
        self.reused = 0  # queries answered from the cache

    @staticmethod
    def key(config: Config, spec: QuerySpec, params: dict[str, Any]) -> tuple:
        texts = [spec.sql] + [p.read_text(encoding="utf-8") for p in sorted(spec.variants.values())]
        used = sorted({name for text in texts for name in sql_parameters(text)})
        bound = json.dumps({name: json_value(params.get(name)) for name in used}, sort_keys=True, ensure_ascii=False)
        settings = config.sources.get(spec.source)
        return (spec.name, spec.source, settings.url if settings else None, spec.returns,
                tuple(sql_fingerprint(t) for t in texts), bound)

    def __call__(self, config: Config, specs: dict[str, QuerySpec], *, params: dict[str, Any],
                 on_done: Callable[[str], None] | None = None) -> RunResult:
        started = time.monotonic()
        keys = {name: self.key(config, spec, params) for name, spec in specs.items()}
        missing = {name: spec for name, spec in specs.items() if keys[name] not in self.cache}
        if missing:
            run = run_queries(config, missing, params=params, on_done=on_done)
            for name, result in run.results.items():
                self.cache[keys[name]] = result
        self.ran += len(missing)
        self.reused += len(specs) - len(missing)
        combined = RunResult({name: self.cache[keys[name]] for name in specs})
        combined.elapsed = time.monotonic() - started
        return combined


@dataclass
class BatchCheck:
    """The reports of a batch check, in the order the drafts were given."""

    reports: list[CheckReport]
    errors: list[tuple[Path, DrafterError]] = field(default_factory=list)  # drafts that could not be checked
    queries_run: int = 0
    queries_reused: int = 0
    elapsed: float = 0.0
    rollups: list[Any] = field(default_factory=list)  # drafter.review.rollup.RollupResult

    @property
    def exit_code(self) -> int:
        codes = [r.exit_code for r in self.reports] + [EXIT_CANNOT_CHECK for _ in self.errors]
        codes += [EXIT_FINDINGS for r in self.rollups if not r.ok]
        return max(codes, default=EXIT_OK)

    def summary(self) -> str:
        """The closing lines of a batch check, in Chinese."""
        with_findings = [r for r in self.reports if r.findings]
        head = (f"共核对 {len(self.reports) + len(self.errors)} 份草稿：{len(self.reports) - len(with_findings)} 份全部一致，"
                f"{len(with_findings)} 份有发现，{len(self.errors)} 份无法核对；"
                f"查询 {self.queries_run} 次（另有 {self.queries_reused} 次与其他草稿相同，未重复查询），"
                f"用时 {self.elapsed:.1f} 秒。")
        lines = [head]
        for report in with_findings:
            lines.append(f"  有发现：{report.draft.name}（{report.unit + '，' if report.unit else ''}{len(report.findings)} 处）")
        for path, error in self.errors:
            lines.append(f"  无法核对：{path.name}：{error.message}")
        lines += [r.render() for r in self.rollups]
        return "\n".join(lines)


def check_many(drafts: list[str | Path], config: str | Path | Config = "config.yaml", *,
               sources: dict[str, str] | None = None, year: int | None = None,
               on_done: Callable[[Path], None] | None = None) -> BatchCheck:
    """Check every draft of `drafts`; queries shared where their parameters agree."""
    started = time.perf_counter()
    runner = SharedRunner()
    batch = BatchCheck(reports=[])
    for draft in drafts:
        path = Path(draft)
        try:
            batch.reports.append(check(path, config, sources=sources, year=year, runner=runner))
        except DrafterError as exc:
            batch.errors.append((path, exc))
        if on_done:
            on_done(path)
    batch.queries_run, batch.queries_reused = runner.ran, runner.reused
    batch.elapsed = time.perf_counter() - started
    return batch
