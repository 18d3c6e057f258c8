"""The short text settings (report.title, output.filename): Jinja one-liners over the report's names."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined
from jinja2.exceptions import TemplateError as JinjaError
from jinja2.sandbox import SandboxedEnvironment

from drafter.errors import ConfigError
from drafter.project.config import Config


def text_setting_values(config: Config, unit: Any = None) -> dict[str, Any]:
    """What the short text settings (report.title, output.filename) may name: `unit` too in a
    project drafted per unit (a `drafter.project.units.Unit`, or None while validating)."""
    values: dict[str, Any] = {"agency": config.report.agency, "year": config.period.year, "period": config.period}
    if unit is not None:
        values["unit"] = unit.context()
    return values


_SETTINGS_ENV = SandboxedEnvironment(undefined=StrictUndefined)


@functools.lru_cache(maxsize=64)
def _setting_template(template: str) -> Any:
    return _SETTINGS_ENV.from_string(template)


def fill_setting(template: str, values: dict[str, Any], config: Config, key: str) -> str:
    """Render a short text setting such as the title or the output file name."""
    try:
        return _setting_template(template).render(values)
    except JinjaError as exc:
        raise ConfigError(
            f"配置项 {key} 中的模板有误",
            path=config.path,
            line=config.line(*key.split(".")),
            cause=str(exc),
            hint=f"此处只能用 {'、'.join('{{ ' + k + ' }}' for k in values)}（period 可写 period.label 等）。",
        ) from exc


def default_output(config: Config) -> Path:
    """Where a whole-report draft goes: output.dir / output.filename."""
    name = fill_setting(config.output.filename, text_setting_values(config), config, "output.filename")
    return config.resolve(config.output.dir) / name
