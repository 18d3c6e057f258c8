"""The web application behind `drafter serve`: 起草, 预览, 核对, 数字.

The pages live in `drafter.web.views` (one module per page) and only translate HTTP into
calls of the library and back into pages; this module registers their routes, the door's
locks (`drafter.web.security`) and the error pages in one place, and keeps the server's
state on the app object (`app.state.web`, see `drafter.web.state`).

Security, since a server is a door:
- every POST form carries a CSRF token, checked against a cookie (double submit,
  SameSite=Strict); the Origin, when the browser sends one, must be this server (`null` is refused);
- the Host header must be one of the names the server was told to answer (no DNS rebinding);
- a request body is cut off at the upload limit while it arrives;
- an upload is inspected and checked in a worker process with memory, CPU and time limits
  (`drafter.web.worker`), lives in a private folder (0700) and is deleted once checked;
- files are downloaded by an opaque random id that maps to a path on the server;
  no request parameter is ever used as a path;
- pages show masked source URLs only; errors are one Chinese message, never a traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from drafter.errors import DrafterError
from drafter.web.jobs import Workspace
from drafter.web.security import FORM_OVERHEAD, BodyLimit, BodyTooLarge, HostGuard, SecurityHeaders, scrub_server_log
from drafter.web.state import LOOPBACK_HOSTS, Settings, WebState
from drafter.web.uploads import MAX_UPLOAD, UploadLimits
from drafter.web.views import build, check, errors, figures, files, preview
from drafter.web.worker import WorkerLimits


def routes() -> list[BaseRoute]:
    """Every address of the site and the view that answers it."""
    return [
        Route("/", build.build_page, methods=["GET"]),
        Route("/build", build.start_build, methods=["POST"]),
        Route("/jobs/{job:str}", build.job_page, methods=["GET"]),
        Route("/jobs/{job:str}/status", build.job_status, methods=["GET"]),
        Route("/preview", preview.preview_latest, methods=["GET"]),
        Route("/preview/{job:str}", preview.preview_job, methods=["GET"]),
        Route("/preview/file/{file:str}", preview.preview_file, methods=["GET"]),
        Route("/check", check.check_page, methods=["GET"]),
        Route("/check", check.run_check, methods=["POST"]),
        Route("/check/{check:str}", check.check_result, methods=["GET"]),
        Route("/figures", figures.figures_page, methods=["GET"]),
        Route("/figures.csv", figures.figures_csv, methods=["GET"]),
        Route("/download/{file:str}", files.download, methods=["GET"]),
        Mount("/static", app=StaticFiles(packages=[("drafter.web", "static")]), name="static"),
    ]


def create_app(
    config: str | Path = "config.yaml",
    *,
    max_upload: int = MAX_UPLOAD,
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS,
    workspace: Path | None = None,
    worker: WorkerLimits | None = None,
) -> Starlette:
    """The application for the project whose config.yaml is `config`, answering the host
    names `allowed_hosts` (explicit names; a wildcard is refused)."""
    settings = Settings(Path(config).resolve(), max_upload, tuple(allowed_hosts), workspace, worker or WorkerLimits())
    web = WebState(settings, Workspace(settings.config, workspace), UploadLimits(max_bytes=max_upload))
    scrub_server_log()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            web.workspace.close()  # drafts, checklists and annotated copies of this session

    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(HostGuard, allowed_hosts=settings.allowed_hosts),
            Middleware(BodyLimit, limit=max_upload + FORM_OVERHEAD),
        ],
        lifespan=lifespan,
        exception_handlers={
            HTTPException: errors.http_error,
            BodyTooLarge: errors.too_large,
            DrafterError: errors.input_error,
            Exception: errors.server_error,
        },
    )
    app.state.web = web
    app.state.workspace = web.workspace
    app.state.settings = settings
    return app
