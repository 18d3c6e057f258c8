"""数字: every figure of the report for a period, filtered, and as CSV."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from drafter.errors import DrafterError
from drafter.web.jobs import CSV, period_arguments
from drafter.web.state import attachment, error_page, page, project_info, state

COLUMNS = ["id", "part", "text", "value", "ref", "sources", "description", "filter"]


def figure_listing(config: Path, period: str, unit: str = "") -> Any:
    """The figures of the report for `period`, or of one unit's draft (a project with units:)."""
    # lazily: the server starts without it; loaded by the first request that needs it
    from drafter.review.listing import list_figures

    return list_figures(config, unit=unit.strip() or None, **period_arguments(period, list_figures))


def _query(request: Request) -> tuple[str, str, str]:
    params = request.query_params
    return params.get("period", "")[:40], params.get("q", "")[:100], params.get("unit", "")[:100]


async def figures_page(request: Request) -> Response:
    # lazily: the server starts without it; loaded by the first request that needs it
    from drafter.review.listing import HEADERS

    period, q, unit = _query(request)
    info = project_info(state(request).settings)
    listing, error = None, None
    try:
        listing = await run_in_threadpool(figure_listing, state(request).settings.config, period, unit)
    except DrafterError as exc:
        error = exc
    rows = filtered(listing.figures, q) if listing else []
    query = {k: v for k, v in (("period", period), ("unit", unit), ("q", q)) if v}
    return page(
        request,
        "figures.html",
        "figures",
        info=info,
        listing=listing,
        rows=rows,
        error=error,
        period=period,
        q=q,
        unit=unit,
        has_units=getattr(info.config, "units", None) is not None,
        default_period=info.year,
        headers=HEADERS,
        columns=COLUMNS,
        csv_query=("?" + urllib.parse.urlencode(query)) if query else "",
        status_code=400 if error else 200,
    )


async def figures_csv(request: Request) -> Response:
    # lazily: the server starts without it; loaded by the first request that needs it
    from drafter.review.listing import FigureListing, to_csv

    period, q, unit = _query(request)
    try:
        listing = await run_in_threadpool(figure_listing, state(request).settings.config, period, unit)
    except DrafterError as exc:
        return error_page(request, "figures", "无法列出数字", exc)
    shown = FigureListing(listing.year, listing.agency, filtered(listing.figures, q), listing.failures, listing.period)
    name = f"{listing.agency}{listing.label}报告数字.csv"
    # A BOM so that Excel on Windows reads the Chinese text as UTF-8.
    return Response("\ufeff" + to_csv(shown), media_type=CSV, headers=attachment(name))


def filtered(rows: list[Any], q: str) -> list[Any]:
    """The rows holding every word of `q` in any column, case-insensitively."""
    words = [w.lower() for w in q.split() if w]
    return [row for row in rows if all(w in _row_text(row) for w in words)]


def _row_text(row: Any) -> str:
    values = (row.id, row.part, row.text, row.value, row.ref, " ".join(row.sources), row.description, row.filter)
    return " ".join(str(v) for v in values).lower()
