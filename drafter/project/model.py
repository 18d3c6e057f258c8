"""`Project`: a configuration with its queries and templates read and validated, nothing run.

Everything a build needs but the data: the config, the queries with their parsed SQL, the
section templates compiled by the validation pass, and the comparison runs (`prev.q`,
`last.q`) the templates name. Loading a project executes no query (see drafter/pipeline/).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType

from drafter.project.config import Config
from drafter.project.period import Period
from drafter.project.queries import QuerySpec
from drafter.project.validation import validate


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
