"""Error pages: one Chinese message, never a traceback (that goes to the server's log, masked)."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from drafter.errors import DrafterError
from drafter.web import pages
from drafter.web.state import error_page, page, state

log = logging.getLogger("drafter.web")

HEADINGS = {403: "请求被拒绝", 404: "找不到页面", 405: "不支持的请求方式", 413: "上传的文件太大"}
DETAILS = {404: "没有这个页面。", 405: "这个地址不接受这种请求。"}


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else None
    return page(
        request,
        "error.html",
        "",
        status_code=exc.status_code,
        heading=HEADINGS.get(exc.status_code, "请求无法处理"),
        message=detail or DETAILS.get(exc.status_code, "请求无法处理。"),
        hint=None,
    )


async def input_error(request: Request, exc: Exception) -> Response:
    """A library's DrafterError that a view did not answer itself (a period out of range in a
    draft's manifest, say): its message, as the CLI would print it, with 400."""
    assert isinstance(exc, DrafterError)
    return error_page(request, "", "无法完成请求", exc)


async def server_error(request: Request, exc: Exception) -> Response:
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    html = pages.render(
        "error.html",
        active="",
        agency="",
        heading="服务器内部错误",
        message="处理请求时出现内部错误，未能完成。",
        hint="请稍后重试；若一再出现，请把运行 drafter serve 的终端中的信息报告给维护者。",
    )
    return HTMLResponse(html, status_code=500)


async def too_large(request: Request, exc: Exception) -> Response:
    return page(
        request,
        "error.html",
        "",
        status_code=413,
        heading="上传的文件太大",
        message=f"请求超过 {state(request).settings.max_mb} MB，不予接收。",
        hint=None,
    )
