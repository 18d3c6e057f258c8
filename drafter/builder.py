"""`drafter.builder`: the names of the one pipeline (drafter/pipeline/) under their old module,
for code written against it. New code imports from drafter.pipeline and drafter.project."""

from __future__ import annotations

from drafter.pipeline.build import BuildResult, build
from drafter.pipeline.execute import run_project
from drafter.pipeline.finish import empty_period_warnings
from drafter.pipeline.render import Draft, compose_draft, query_context, report_context, style_warnings
from drafter.pipeline.validate import load_project
from drafter.project.model import Project
from drafter.project.settings import default_output, fill_setting, text_setting_values

__all__ = [
    "BuildResult",
    "Draft",
    "Project",
    "build",
    "compose_draft",
    "default_output",
    "empty_period_warnings",
    "fill_setting",
    "load_project",
    "query_context",
    "report_context",
    "run_project",
    "style_warnings",
    "text_setting_values",
]
