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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafter.data.figures import json_value
from drafter.data.runner import QueryFailure, QueryResult, RunResult, run_queries
from drafter.errors import DrafterError
from drafter.project.config import Config
from drafter.project.queries import QuerySpec, sql_fingerprint, sql_parameters
from drafter.review.checker import CheckReport, check


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
        return (
            spec.name,
            spec.source,
            settings.url if settings else None,
            spec.returns,
            tuple(sql_fingerprint(t) for t in texts),
            bound,
        )

    def __call__(
        self,
        config: Config,
        specs: dict[str, QuerySpec],
        *,
        params: dict[str, Any],
        on_done: Callable[[str], None] | None = None,
    ) -> RunResult:
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
        from drafter.outcome import batch_check_exit_code

        return batch_check_exit_code(self)


def check_many(
    drafts: Sequence[str | Path],
    config: str | Path | Config = "config.yaml",
    *,
    sources: dict[str, str] | None = None,
    year: int | None = None,
    on_done: Callable[[Path], None] | None = None,
) -> BatchCheck:
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
