"""Writing what drafter makes: never half a file, never over something the user has.

Every output (a draft, an annotated copy, a checklist, a figure listing) is written to a
temporary file beside its target and renamed into place, so a failure halfway (a full
disk, a file open in Word) leaves the old file as it was. Its name must end as its kind
does, which keeps a mistyped `-o config.yaml` or `--xlsx 草稿.docx` from replacing a
project file or the draft being checked.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Callable
from pathlib import Path

from drafter.errors import DrafterError, OutputError


def check_output_name(
    path: Path, suffixes: tuple[str, ...], what: str, example: str, protected: tuple[Path, ...] = (), hint: str = ""
) -> None:
    """Refuse a target whose name does not end in one of `suffixes`, or that is a file in
    `protected`: a mistake in the command (exit 2), found before any work is done."""
    if path.suffix.lower() not in suffixes:
        raise DrafterError(
            f"{what}的文件名须以 {' 或 '.join(suffixes)} 结尾",
            path=path,
            hint=f"例如 {example}；{hint or '已有的文件不会被改动。'}",
        )
    for other in protected:
        if path.exists() and other.exists() and path.resolve() == other.resolve():
            raise DrafterError(
                f"{what}不能写在 {other.name} 本身上",
                path=path,
                hint=f"换一个文件名，例如 {example}；{other.name} 没有被改动。",
            )


# Temporary files: `.drafter-<host>-<pid>-<random><suffix>.tmp` beside their target, so that a
# later run recognises one left by a process that died (a SIGKILL, a power cut) and removes it.
_TMP_PREFIX = ".drafter-"
_TMP_NAME = re.compile(r"^\.drafter-(?:(?P<host>[A-Za-z0-9_-]+)-(?P<pid>\d+)-)?[A-Za-z0-9_]+.*\.tmp$")
STALE_AFTER = 60 * 60  # seconds: a temporary file this old is stale whoever made it


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname())[:40] or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: a process of another user holds that id
        return True
    return True


def remove_stale_temporaries(directory: Path, now: float | None = None) -> list[Path]:
    """Remove drafter's temporary files in `directory` left by a process that no longer runs
    (same machine), or older than STALE_AFTER (any machine, or an older drafter's); return them."""
    removed: list[Path] = []
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        match = _TMP_NAME.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        pid = int(match.group("pid")) if match.group("pid") else None
        dead = pid is not None and match.group("host") == _host() and pid != os.getpid() and not _alive(pid)
        if dead or age > STALE_AFTER:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


SWEEP_EVERY = 60.0  # seconds: a batch writing hundreds of drafts to one folder sweeps it once a minute
_swept: dict[str, float] = {}  # folder → when this process last swept it (time.monotonic)


def _sweep(directory: Path) -> None:
    """remove_stale_temporaries, at most once every SWEEP_EVERY seconds a folder in this process:
    a batch of N drafts would otherwise list its output folder N times over (O(N²))."""
    key, now = os.path.abspath(directory), time.monotonic()
    last = _swept.get(key)
    if last is not None and now - last < SWEEP_EVERY:
        return
    _swept[key] = now
    remove_stale_temporaries(directory)


def _temporary(path: Path) -> Path:
    """A new empty file beside `path`, created with the permissions the umask gives (a draft is
    a document for colleagues, not a secret: mkstemp's 0600 would hide it from them)."""
    for _ in range(100):
        tmp = path.with_name(f"{_TMP_PREFIX}{_host()}-{os.getpid()}-{secrets.token_hex(4)}{path.suffix}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(path.parent)


def _prepare(path: Path) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            "无法创建输出目录",
            path=path.parent,
            cause=str(exc),
            hint="换一个有写权限的目录（--output），或检查磁盘空间。",
        ) from exc
    _sweep(path.parent)
    try:
        return _temporary(path)
    except OSError as exc:
        raise OutputError(
            "输出目录不可写",
            path=path.parent,
            cause=str(exc),
            hint="换一个有写权限的目录（--output），或检查文件夹权限。",
        ) from exc


def write_atomically(path: Path, write: Callable[[Path], object], *, what: str, hint: str) -> Path:
    """Call `write(tmp)` for a temporary file beside `path`, then rename it to `path`
    (replacing what was there)."""
    tmp = _prepare(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{what}写入失败，未留下不完整的文件", path=path, cause=str(exc), hint=hint) from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def numbered(path: Path, n: int) -> Path:
    """`x.docx` for 1, `x-2.docx`, `x-3.docx` … after."""
    return path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")


def write_new(path: Path, write: Callable[[Path], object], *, what: str, hint: str, force: bool = False) -> Path:
    """Write a new file: `path`, else the first of `x-2`, `x-3` … that nobody has, claimed
    atomically (a hard link of the finished temporary file fails if the name exists), so that
    runs at the same time into one folder never take the same name nor replace each other's
    file. With `force`, `path` is replaced instead. Returns the path written."""
    tmp = _prepare(path)
    try:
        write(tmp)
        if force:
            os.replace(tmp, path)
            return path
        n = 1
        while True:
            candidate = numbered(path, n)
            try:
                _claim(tmp, candidate)
            except FileExistsError:
                n += 1
                continue
            return candidate
    except OSError as exc:
        raise OutputError(f"{what}写入失败，未留下不完整的文件", path=path, cause=str(exc), hint=hint) from exc
    finally:
        if tmp.exists():
            tmp.unlink()


def _claim(tmp: Path, target: Path) -> None:
    """Give the finished `tmp` the name `target` unless that name exists (FileExistsError)."""
    try:
        os.link(tmp, target)
        return
    except FileExistsError:
        raise
    except OSError as exc:  # a file system without hard links (some network shares, FAT)
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
            raise
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # claimed: nobody else gets this name
    try:
        with os.fdopen(fd, "wb") as out, tmp.open("rb") as src:
            shutil.copyfileobj(src, out)
    except BaseException:
        with contextlib.suppress(OSError):
            target.unlink()
        raise
