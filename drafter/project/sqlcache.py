"""A cache across runs of what drafter read in a query file's SQL, so that a build whose query
files did not change parses none of them (and does not even import sqlglot).

An entry is one JSON file under the user's cache folder (`cache_dir()`: DRAFTER_CACHE_DIR,
else %LOCALAPPDATA%\\drafter\\cache on Windows, ~/Library/Caches/drafter on macOS,
$XDG_CACHE_HOME/drafter or ~/.cache/drafter elsewhere; DRAFTER_NO_CACHE=1 turns it off). Its
name is the SHA-256 of everything the result depends on: the exact SQL text, the dialect it
is read in, what kind of result it is, the code that computed it (drafter's version and a hash
of the module's own source, which holds the allow-list) and sqlglot's version. A source's
`allow_functions:` is not part of it: what is cached is the reading before that setting is
applied (`sql.refusals` applies it on every run, from config.yaml as it is now).

The threat model. The cache is never shipped with a project and is read only from the user's
own folder. Its entries are still not trusted for what they say: each carries an HMAC-SHA256,
under a random key kept beside them (`key`, 32 bytes, mode 0600, which must belong to the user
running drafter), over the whole key material (the SQL text included) and the result. So a
file written there by anyone who cannot read that key — a folder shared or synced by mistake,
a cache copied from another machine or user, a tampered or truncated entry, an entry of
another drafter or sqlglot — fails the check and is silently recomputed and overwritten. Who
can read the key runs as the user, and could as well edit drafter itself or config.yaml. And
the allow-list is defence in depth: the database account (a SELECT-only role, read-only
transactions) is the boundary. Entries are JSON only (never pickle) and are written to a
temporary file then renamed, so a reader sees a whole entry or none.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import importlib.util
import json
import os
import stat
import sys
import time
from pathlib import Path
from typing import Any

from drafter import __version__ as DRAFTER_VERSION

FORMAT = 1
_KEY_BYTES = 32
_MAX_ENTRY = 1 << 20  # bytes: a larger file is no entry of ours
KEEP_DAYS = 60


def cache_dir() -> Path | None:
    """The folder of drafter's cache of SQL readings, None when the cache is off."""
    if os.environ.get("DRAFTER_NO_CACHE", "") not in ("", "0"):
        return None
    chosen = os.environ.get("DRAFTER_CACHE_DIR")
    if chosen:
        return Path(chosen)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "drafter" / "cache" if base else None
    try:
        home = Path.home()
    except (RuntimeError, KeyError):  # no home folder to be found: no cache
        return None
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "drafter"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".cache") / "drafter"


@functools.cache
def code_version(module_file: str) -> str:
    """drafter's version and the hash of the source of the module computing a result: a change
    of its code or of its allow-list makes every entry it wrote unfound."""
    digest = hashlib.sha256(Path(module_file).read_bytes()).hexdigest()[:32]
    return f"{DRAFTER_VERSION}:{digest}"


@functools.cache
def sqlglot_version() -> str:
    """sqlglot's version, read from its `_version.py` without importing sqlglot (a build whose
    queries are all cached should not pay for that import)."""
    if "sqlglot" in sys.modules:
        return str(sys.modules["sqlglot"].__version__)
    spec = importlib.util.find_spec("sqlglot")
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    for folder in locations:
        version = Path(folder) / "_version.py"
        if version.is_file():
            return hashlib.sha256(version.read_bytes()).hexdigest()[:32]
    from importlib.metadata import version as installed  # the slow way, where _version.py is not

    return installed("sqlglot")


def _canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _owned_privately(path: Path) -> bool:
    """Whether `path` belongs to the user running drafter and no one else may read or write it."""
    st = path.lstat()  # a symbolic link is not followed: it could point at any file of the user's
    if not stat.S_ISREG(st.st_mode):
        return False
    if os.name != "posix":  # elsewhere the per-user folder's own permissions guard it
        return True
    return st.st_uid == os.geteuid() and not st.st_mode & 0o077


def _write_new(path: Path, data: bytes) -> None:
    """`data` into `path` whole, via a new temporary file (mode 0600) in the same folder."""
    tmp = path.with_name(f".tmp-{os.getpid()}-{os.urandom(8).hex()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@functools.cache
def _secret(folder: Path) -> bytes | None:
    """The HMAC key of the cache in `folder`, made on first use; None when it cannot be had
    safely (then nothing is read from or written to the cache)."""
    key = folder / "key"
    try:
        if not key.exists():
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            _write_new(key, os.urandom(_KEY_BYTES))  # two racing processes: one key wins, the
            # other's entries fail their check and are written again
        if not _owned_privately(key):
            return None
        secret = key.read_bytes()
    except OSError:
        return None
    return secret if len(secret) == _KEY_BYTES else None


def _material(kind: str, module_file: str, text: str, dialect: str | None) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "kind": kind,
        "code": code_version(module_file),
        "sqlglot": sqlglot_version(),
        "dialect": dialect,
        "text": text,
    }


def _mac(secret: bytes, material: dict[str, Any], value: Any) -> str:
    return hmac.new(secret, _canonical({"key": material, "value": value}), hashlib.sha256).hexdigest()


def _entry_path(folder: Path, material: dict[str, Any]) -> Path:
    return folder / "sql" / f"{hashlib.sha256(_canonical(material)).hexdigest()}.json"


def load(kind: str, module_file: str, text: str, dialect: str | None) -> Any | None:
    """The cached result for `text` read in `dialect` by `module_file`'s code, or None when
    there is none that passes every check (missing, unreadable, foreign, tampered)."""
    folder = cache_dir()
    try:
        secret = _secret(folder) if folder is not None else None
        if folder is None or secret is None:
            return None
        material = _material(kind, module_file, text, dialect)
        path = _entry_path(folder, material)
        with path.open("rb") as f:
            data = f.read(_MAX_ENTRY + 1)
        if len(data) > _MAX_ENTRY:
            return None
        entry = json.loads(data)
        if not isinstance(entry, dict) or entry.get("key") != material or "value" not in entry:
            return None
        mac = entry.get("mac")
        if not isinstance(mac, str) or not hmac.compare_digest(mac, _mac(secret, material, entry["value"])):
            return None
        return entry["value"]
    except (OSError, ImportError, ValueError, TypeError, RecursionError):  # missing, unreadable, not JSON, a
        return None  # signature that is no hex string (compare_digest refuses non-ASCII): computed again


def store(kind: str, module_file: str, text: str, dialect: str | None, value: Any) -> None:
    """Keep `value` (plain JSON data) for `text` in `dialect`; a cache that cannot be written
    is left as it is (the next run computes the result again)."""
    folder = cache_dir()
    try:
        secret = _secret(folder) if folder is not None else None
        if folder is None or secret is None:
            return
        material = _material(kind, module_file, text, dialect)
        path = _entry_path(folder, material)
        entry = {"key": material, "value": value, "mac": _mac(secret, material, value)}
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_new(path, _canonical(entry))
        if path.name.startswith("0"):  # now and then (a sixteenth of the writes), not every run
            prune(path.parent)
    except (OSError, ImportError, ValueError):
        return


def prune(folder: Path, now: float | None = None) -> None:
    """Remove the entries (and temporary files left by a process that died) not written for
    KEEP_DAYS: queries edited long ago, older drafters'. One still in use is computed again once."""
    limit = (time.time() if now is None else now) - KEEP_DAYS * 86400
    for entry in os.scandir(folder):
        with contextlib.suppress(OSError):
            ours = entry.name.endswith(".json") or entry.name.startswith(".tmp-")
            if ours and entry.stat(follow_symlinks=False).st_mtime < limit:
                os.unlink(entry.path)


def forget() -> None:
    """Forget the key read in this process (tests that change DRAFTER_CACHE_DIR)."""
    _secret.cache_clear()
