"""The door's locks, as ASGI middleware and one form check.

- `HostGuard`: the Host header must be one of the names the server was told to answer
  (no `*`): a page elsewhere that rebinds its DNS name to this server is refused;
- `BodyLimit`: a request body is cut off at the upload limit while it arrives;
- `SecurityHeaders`: CSP and friends on every answer;
- `ScrubSecrets`: the server's log with known passwords masked;
- `verified_form`: a POSTed form is read only when its CSRF token matches the cookie
  (double submit, SameSite=Strict) and its Origin, when the browser sends one, is this
  server; `Origin: null` (a sandboxed frame, a file: page, a redirect) is refused too.
"""

from __future__ import annotations

import hmac
import logging
import urllib.parse
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drafter.masking import scrub_known

CSRF_COOKIE = "drafter_csrf"
CSRF_FIELD = "csrf_token"
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the token, on top of the file
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # Not `no-referrer`: under it Chromium sends `Origin: null` with the site's own forms, and
    # `null` is refused. `same-origin` still sends nothing to other sites.
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


class BodyTooLarge(Exception):
    """The request body passed the limit while it arrived."""


class BodyLimit:
    """Refuse a declared Content-Length over the limit at once, and stop reading a body
    (chunked or lying) as soon as it passes the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._declared(scope) > self.limit:
            await self.app(scope, _refuse_body, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, limited, send)

    def _declared(self, scope: Scope) -> int:
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return self.limit + 1
        return 0


async def _refuse_body() -> Message:
    raise BodyTooLarge()


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for key, value in SECURITY_HEADERS.items():
                    if key.encode() not in present:
                        headers.append((key.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def host_name(header: str) -> str:
    """The name of a Host header without its port, lower case: `[::1]:8000` → `[::1]`. A port
    that is not digits is kept, so that `localhost:80@evil.com` matches no allowed name."""
    header = header.strip().lower()
    if header.startswith("[") and "]" in header:
        name, _, rest = header.partition("]")
        return name + "]" if rest == "" or (rest[:1] == ":" and rest[1:].isdigit()) else header
    name, sep, port = header.rpartition(":")
    return name if sep and port.isdigit() and ":" not in name else header


class HostGuard:
    """Answer only requests whose Host header names this server (an explicit list, no
    wildcard): a DNS-rebinding page sends its own name and gets 400."""

    def __init__(self, app: ASGIApp, allowed_hosts: tuple[str, ...]) -> None:
        if any("*" in h for h in allowed_hosts):
            raise ValueError("allowed_hosts must name the hosts; a wildcard is refused")
        self.app = app
        self.allowed = frozenset(host_name(h) for h in allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        host = host_name(headers.get(b"host", b"").decode("latin-1"))
        if host not in self.allowed:
            response = PlainTextResponse("Invalid host header / 主机名不在允许之列", status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def verified_form(request: Request) -> FormData:
    """The POSTed form once its CSRF token and origin are right; else 403."""
    check_origin(request)
    form = await request.form(max_files=1, max_fields=20)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent: Any = form.get(CSRF_FIELD, "")
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(cookie.encode(), sent.encode()):
        await form.close()
        raise HTTPException(403, "表单已过期或来源不明（缺少有效的 CSRF 令牌）。请刷新页面后重试。")
    return form


def check_origin(request: Request) -> None:
    """An Origin (or, without one, a Referer) that is not this server is refused; so is
    `Origin: null`, which a sandboxed frame or a local file sends."""
    origin = request.headers.get("origin")
    if origin is None:
        return  # an old browser or a script without one: the CSRF token still has to match
    host = urllib.parse.urlsplit(origin).netloc if origin != "null" else ""
    if not host or host.lower() != request.headers.get("host", "").lower():
        raise HTTPException(403, "请求来自其他网站，已拒绝。")


class ScrubSecrets(logging.Filter):
    """The server's log lines and tracebacks with every known secret masked: a driver's
    message in an unexpected error may quote a connection string."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = scrub_known(record.getMessage()), ()
        if record.exc_info:
            record.exc_text = scrub_known(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def scrub_server_log() -> None:
    """Install `ScrubSecrets` on drafter's web logger and uvicorn's, once."""
    for name in ("drafter.web", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, ScrubSecrets) for f in logger.filters):
            logger.addFilter(ScrubSecrets())
