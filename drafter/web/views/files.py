"""Downloads, by an opaque id the workspace maps to a path (no request parameter is a path)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from drafter.web.state import attachment, state


async def download(request: Request) -> Response:
    found = state(request).workspace.download(request.path_params["file"])
    if found is None:
        raise HTTPException(404, "找不到要下载的文件（服务重启后临时文件会清空）。")
    return FileResponse(found.path, media_type=found.media_type, headers=attachment(found.filename))
