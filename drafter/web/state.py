"""What every page needs: the server's state (kept on the app object, `app.state.web`),
the project as config.yaml has it now, and one way to answer with a page."""

from __future__ import annotations

import secrets
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from drafter.errors import DrafterError
from drafter.project.config import load_config
from drafter.web import pages
from drafter.web.jobs import Workspace
from drafter.web.security import CSRF_COOKIE
from drafter.web.uploads import MAX_UPLOAD, UploadLimits
from drafter.web.worker import WorkerLimits

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


@dataclass
class Settings:
    config: Path
    max_upload: int = MAX_UPLOAD
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    workspace: Path | None = None
    worker: WorkerLimits = field(default_factory=WorkerLimits)

    @property
    def max_mb(self) -> str:
        return f"{self.max_upload / 1024 / 1024:g}"


@dataclass
class WebState:
    """The server's state: its settings, its workspace, the limits an upload is held to."""

    settings: Settings
    workspace: Workspace
    limits: UploadLimits


def state(request: Request) -> WebState:
    found: WebState = request.app.state.web
    return found


@dataclass
class ProjectInfo:
    """Agency, year and period of the project as config.yaml has them now (it may change
    while the server runs); all empty when it cannot be read."""

    agency: str = ""
    year: Any = ""
    config: Any = None  # drafter.project.config.Config
    period_label: str = ""
    period_code: str = ""


def project_info(settings: Settings) -> ProjectInfo:
    try:
        cfg = load_config(settings.config)
    except DrafterError:
        return ProjectInfo()
    return ProjectInfo(cfg.report.agency, cfg.report.year, cfg, cfg.period.label, cfg.period.code)


def page(
    request: Request,
    template: str,
    active: str,
    status_code: int = 200,
    info: ProjectInfo | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page of the site, with the CSRF cookie its forms need."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) < 20:
        token = secrets.token_urlsafe(32)
    info = info or project_info(state(request).settings)
    html = pages.render(template, active=active, agency=info.agency, csrf_token=token, **context)
    response = HTMLResponse(html, status_code=status_code)
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")
    return response


def error_page(
    request: Request, active: str, heading: str, error: DrafterError, status_code: int = 400
) -> HTMLResponse:
    return page(
        request,
        "error.html",
        active,
        status_code=status_code,
        heading=heading,
        message=error.message,
        cause=error.cause,
        hint=error.hint,
    )


def attachment(filename: str) -> dict[str, str]:
    """Content-Disposition for a Chinese file name (RFC 6266 / 5987), with an ASCII fallback."""
    stem, dot, suffix = filename.rpartition(".")
    ascii_stem = "".join(ch for ch in stem if ch.isascii() and (ch.isalnum() or ch in "_-"))
    ascii_name = f"{ascii_stem or 'drafter'}{dot}{''.join(ch for ch in suffix if ch.isascii() and ch.isalnum())}"
    quoted = urllib.parse.quote(filename, safe="")
    return {"content-disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"}
