"""`Project`: a configuration with its queries and templates read and validated, nothing run
(made by drafter/pipeline/validate.load_project).

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
