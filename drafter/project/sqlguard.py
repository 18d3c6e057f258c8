"""Refuse any query file that is not one read-only SELECT, before it reaches a database.

The reading itself (strings and comments as each engine reads them, then a real parse)
lives in `drafter.project.sql`, the one SQL reader of drafter; this module keeps the
name the rest of drafter has always called.
"""

from __future__ import annotations

from drafter.project.sql import ALLOWED_FUNCTIONS, NEVER_ALLOWED, check_select

__all__ = ["ALLOWED_FUNCTIONS", "NEVER_ALLOWED", "check_select"]
