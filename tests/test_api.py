"""The public API: every name of `drafter.__all__` is what it says, whatever was imported first."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types

import drafter


def test_no_api_name_is_shadowed_by_a_submodule():
    # Importing every submodule first is the order that once turned `drafter.lint` into a module.
    code = (
        "import importlib, pkgutil, types, drafter\n"
        "for m in pkgutil.walk_packages(drafter.__path__, 'drafter.'):\n"
        "    importlib.import_module(m.name)\n"
        "from drafter import build, check, lint, load_project, load_config\n"
        "bad = [n for n in drafter.__all__ if isinstance(getattr(drafter, n), types.ModuleType)]\n"
        "assert not bad, bad\n"
        "assert all(callable(f) for f in (build, check, lint, load_project, load_config))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_api_name_resolves():
    for name in drafter.__all__:
        assert getattr(drafter, name) is not None
    assert not any(isinstance(getattr(drafter, n), types.ModuleType) for n in drafter.__all__)


def test_every_module_imports():
    for module in pkgutil.walk_packages(drafter.__path__, "drafter."):
        importlib.import_module(module.name)
