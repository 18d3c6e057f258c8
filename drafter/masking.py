"""Passwords never shown: the one place that finds the secrets of a URL and masks them.

A URL is shown only through `masked_url`; a driver's message, a log line or a traceback
passes through `scrub` (the secrets of one URL) or `scrub_known` (every secret drafter
has seen in this process: the sources of config.yaml, `DRAFTER_SOURCE_*`, `--source`).
A URL is masked on the object SQLAlchemy parses it into (`make_url`): the password and the
secret query values are replaced there and the URL rendered again. A password written in a
URL without percent-encoding (`@ / : ? # %` in it) cannot be told from the host, so
config.yaml refuses it before anything is parsed (`unencoded_password`); the refusal shows
no part of it. A URL SQLAlchemy cannot parse at all (a single slash) is shown without its
user part: everything between the scheme and the last `@` is replaced.
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
    """The URL as it may be shown: password and secret query values replaced by ***, on the
    parsed URL object."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return without_userinfo(str(url))
    if unencoded_password(str(url)):  # SQLAlchemy split it at the wrong `@`: show no user part
        return without_userinfo(str(url))
    shown = parsed.set(query={}).render_as_string(hide_password=True)
    query = [
        (key, "***" if SECRET_KEYS.search(key) else urllib.parse.quote(value, safe=""))
        for key, values in parsed.query.items()
        for value in ([values] if isinstance(values, str) else values)
    ]
    return shown + ("?" + "&".join(f"{urllib.parse.quote(k, safe='')}={v}" for k, v in query) if query else "")


# The characters that end a password in a URL unless percent-encoded (RFC 3986 gen-delims,
# the space), and a `%` that does not start an escape.
_RESERVED = re.compile(r"[@/:?#\[\]\s]|%(?![0-9A-Fa-f]{2})")
_SCHEME = re.compile(r"^\s*([A-Za-z][\w+.-]*:/*)")


def _userinfo(url: str) -> tuple[str, str, str] | None:
    """(scheme with its slashes, user info, what follows the last `@`), or None without one."""
    scheme = _SCHEME.match(url)
    if not scheme or "@" not in url[scheme.end() :] or "///" in scheme.group(1):
        return None  # no user part; three slashes start a path (sqlite:///data/a@b.db)
    userinfo, _, rest = url[scheme.end() :].rpartition("@")
    return scheme.group(1), userinfo, rest


def unencoded_password(url: str) -> bool:
    """True when the user part of `url` (between `scheme://` and its last `@`) holds a
    character that must be percent-encoded: `@ / : ? # [ ]`, a space, or a lone `%`."""
    found = _userinfo(url)
    if found is None:
        return False
    user, _, password = found[1].partition(":")
    return bool(_RESERVED.search(user) or _RESERVED.search(password))


def without_userinfo(url: str) -> str:
    """`url` with its password replaced by ***: the user name is kept when it is plain (it
    ends at the first `:`, so no part of a password can be in it); otherwise everything
    between the scheme and the last `@` is replaced."""
    found = _userinfo(url)
    if found is None:
        return _SECRET_QUERY.sub(r"\1***", url)
    scheme, userinfo, rest = found
    user, colon, _ = userinfo.partition(":")
    shown = f"{user}:***" if colon and user and not _RESERVED.search(user) else "***"
    return _SECRET_QUERY.sub(r"\1***", f"{scheme}{shown}@{rest}")


def with_password(url: str, password: str) -> str:
    """`url` with `password` set on the parsed URL (percent-encoded as it must be)."""
    return make_url(url).set(password=password).render_as_string(hide_password=False)


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


def remember_secret(secret: str) -> None:
    """Keep a password given apart from a URL (config `password:`), as written and encoded."""
    _KNOWN.update(s for s in (secret, urllib.parse.quote(secret, safe="")) if len(s) >= 2)


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
