"""drafter: draft a Chinese government office's year-end report from its databases.

The public API; the `drafter` command is a thin layer over these names. They are
imported on first use, so `import drafter.text.numbers` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = {
    "BuildResult": ".pipeline.build",
    "Project": ".project.model",
    "build": ".pipeline.build",
    "CheckReport": ".review.checker",
    "check": ".review.checker",
    "load_project": ".pipeline.validate",
    "Config": ".project.config",
    "load_config": ".project.config",
    "Finding": ".linter",
    "lint": ".linter",
    "ConfigError": ".errors",
    "DataError": ".errors",
    "DraftError": ".errors",
    "DrafterError": ".errors",
    "OutputError": ".errors",
    "QueryError": ".errors",
    "QueryTimeout": ".errors",
    "SourceError": ".errors",
    "TemplateError": ".errors",
}

__all__ = [*sorted(_API), "__version__"]  # noqa: PLE0604 — the names of _API, strings at run time


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(importlib.import_module(_API[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'drafter' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
