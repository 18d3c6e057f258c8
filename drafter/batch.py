"""`drafter.batch`: the names of `build --each / --unit` under their old module, for code
written against it. The pipeline itself is drafter/pipeline/ (build.py, plan.py)."""

from __future__ import annotations

from drafter.pipeline.build import BatchResult, UnitOutcome, build_units, default_jobs, unit_output
from drafter.pipeline.plan import GROUPED, PER_UNIT, SHARED, query_kind

__all__ = [
    "GROUPED",
    "PER_UNIT",
    "SHARED",
    "BatchResult",
    "UnitOutcome",
    "build_units",
    "default_jobs",
    "query_kind",
    "unit_output",
]
