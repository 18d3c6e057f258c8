"""Plain values as every layer hands them on: user text without drafter's own marker
characters, and raw values as JSON holds them (a manifest, a unit's attributes). Pure
functions with no drafter import, so config.yaml and the units can use them below the data layer."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

# Every private-use character drafter gives a meaning to: never accepted from data or config.
# U+E000… are data/figures.py's figure and wording marks, U+E020… text/blocks.py's line and chart marks.
INTERNAL_MARKS = re.compile("[\ue000-\ue02f]")


def strip_internal_marks(value: Any) -> Any:
    """`value` (text from config.yaml, a parameter, a template) without drafter's marker
    characters, so that nothing but drafter itself can frame a figure; containers too."""
    if isinstance(value, str):
        return INTERNAL_MARKS.sub("", value)
    if isinstance(value, list):
        return [strip_internal_marks(v) for v in value]
    if isinstance(value, tuple):
        return tuple(strip_internal_marks(v) for v in value)
    if isinstance(value, dict):
        return {strip_internal_marks(k): strip_internal_marks(v) for k, v in value.items()}
    return value


def json_value(value: Any) -> Any:
    """A raw value as JSON can hold it without losing exactness."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value
