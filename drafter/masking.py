"""Passwords never shown: the one place that finds the secrets of a URL and masks them.

A URL is shown only through `masked_url`; a driver's message, a log line or a traceback
passes through `scrub` (the secrets of one URL) or `scrub_known` (every secret drafter
has seen in this process: the sources of config.yaml, `DRAFTER_SOURCE_*`, `--source`).
A URL SQLAlchemy cannot parse (a single slash, a stray space) is masked all the same:
whatever stands between the first `:` of its user part and its last `@` is taken for a
password.
"""

from __future__ import annotations

import re
import urllib.parse

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

# Query-string keys whose values are secrets (psycopg accepts ?password=…, some drivers ?pwd=…).
SECRET_KEYS = re.compile(r"pass|pwd|secret|token|credential|key$", re.IGNORECASE)
_SECRET_QUERY = re.compile(r"(?i)((?:[\w.-]*(?:pass|pwd|secret|token|credential)[\w.-]*|[\w.-]*key)=)[^&\s'\"]*")
# scheme:, up to three slashes, a user, `:`, the password up to the last `@` before the host.
_USERINFO = re.compile(
    r"(?P<head>\b[A-Za-z][\w+.-]*:/{0,3}[^\s:/@'\"]*:)(?P<secret>[^\s'\"]*)@(?=[^\s@'\"]*(?:[\s'\"]|$))"
)

_KNOWN: set[str] = set()


def mask_userinfo(text: str) -> str:
    """`text` with anything that looks like the password of a URL, parsable or not, replaced by ***."""
    return _SECRET_QUERY.sub(r"\1***", _USERINFO.sub(lambda m: f"{m.group('head')}***@", text))


def masked_url(url: str | URL) -> str:
    """The URL as it may be shown: password and secret query values replaced by ***."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return mask_userinfo(str(url))
    query = {k: ("***" if SECRET_KEYS.search(k) else v) for k, v in parsed.query.items()}
    return mask_userinfo(parsed.set(query=query).render_as_string(hide_password=True))


def secrets_of(url: str | URL) -> list[str]:
    """The secret parts of `url` (password, secret query values), decoded and as written."""
    found: list[str] = []
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        text = str(url)
        for match in _USERINFO.finditer(text):
            found.append(match.group("secret"))
        found += [m.group(0).split("=", 1)[1] for m in _SECRET_QUERY.finditer(text)]
    else:
        if parsed.password:
            found.append(str(parsed.password))
        found += [m.group("secret") for m in _USERINFO.finditer(str(url))]
        for key, value in parsed.query.items():
            if SECRET_KEYS.search(key):
                found.extend([value] if isinstance(value, str) else list(value))
    found += [urllib.parse.unquote(s) for s in found] + [urllib.parse.quote(s, safe="") for s in found]
    return sorted({s for s in found if s and s != "***"}, key=len, reverse=True)


def remember(url: str | URL) -> None:
    """Keep the secrets of `url`, so that `scrub_known` masks them wherever they turn up."""
    _KNOWN.update(s for s in secrets_of(url) if len(s) >= 2)


def scrub(text: str, url: str | URL) -> str:
    """`text` (a driver's message) with every secret of `url` replaced by ***."""
    for secret in secrets_of(url):
        text = text.replace(secret, "***")
    return mask_userinfo(text)


def scrub_known(text: str) -> str:
    """`text` with every secret drafter has seen replaced by ***, and URL passwords masked."""
    for secret in sorted(_KNOWN, key=len, reverse=True):
        text = text.replace(secret, "***")
    return mask_userinfo(text)
