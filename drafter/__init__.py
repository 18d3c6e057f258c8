"""drafter: draft a Chinese government office's year-end report from its databases.

The public API; the `drafter` command is a thin layer over these names. They are
imported on first use, so `import drafter.numbers` stays light.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__version__ = "0.1.0"

_API = {
    "BuildResult": ".build",
    "Project": ".build",
    "build": ".build",
    "CheckReport": ".check",
    "check": ".check",
    "load_project": ".build",
    "Config": ".config",
    "load_config": ".config",
    "Finding": ".lint",
    "lint": ".lint",
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

__all__ = sorted([*_API, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(importlib.import_module(_API[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'drafter' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__


class _Package(types.ModuleType):
    """`drafter.build` and `drafter.check` name a function of the API and also the module that
    defines it. Importing such a module (as `drafter.check` does `.build`) sets the package's
    attribute to the module; the function is kept there instead, so that `from drafter import
    build` gives the function whatever was imported before. Reach the modules themselves with
    `from drafter.build import …` or `sys.modules["drafter.build"]`."""

    def __setattr__(self, name: str, value: Any) -> None:
        if (isinstance(value, types.ModuleType) and _API.get(name) == f".{name}"
                and value.__name__ == f"{__name__}.{name}" and hasattr(value, name)):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
