"""Writing what drafter makes: never half a file, never over something the user has.

Every output (a draft, an annotated copy, a checklist, a figure listing) is written to a
temporary file beside its target and renamed into place, so a failure halfway (a full
disk, a file open in Word) leaves the old file as it was. Its name must end as its kind
does, which keeps a mistyped `-o config.yaml` or `--xlsx 草稿.docx` from replacing a
project file or the draft being checked.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from drafter.errors import DrafterError, OutputError


def check_output_name(path: Path, suffixes: tuple[str, ...], what: str, example: str,
                      protected: tuple[Path, ...] = (), hint: str = "") -> None:
    """Refuse a target whose name does not end in one of `suffixes`, or that is a file in
    `protected`: a mistake in the command (exit 2), found before any work is done."""
    if path.suffix.lower() not in suffixes:
        raise DrafterError(f"{what}的文件名须以 {' 或 '.join(suffixes)} 结尾", path=path,
                          hint=f"例如 {example}；{hint or '已有的文件不会被改动。'}")
    for other in protected:
        if path.exists() and other.exists() and path.resolve() == other.resolve():
            raise DrafterError(f"{what}不能写在 {other.name} 本身上", path=path,
                              hint=f"换一个文件名，例如 {example}；{other.name} 没有被改动。")


def write_atomically(path: Path, write: Callable[[Path], object], *, what: str, hint: str) -> Path:
    """Call `write(tmp)` for a temporary file beside `path`, then rename it to `path`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError("无法创建输出目录", path=path.parent, cause=str(exc),
                          hint="换一个有写权限的目录（--output），或检查磁盘空间。") from exc
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".drafter-", suffix=path.suffix + ".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError("输出目录不可写", path=path.parent, cause=str(exc),
                          hint="换一个有写权限的目录（--output），或检查文件夹权限。") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{what}写入失败，未留下不完整的文件", path=path, cause=str(exc), hint=hint) from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
