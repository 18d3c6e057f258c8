"""Work on an upload in a child process with hard limits, so no file can take the server down.

Opening a .docx builds every XML part as a tree in memory (a part of 1 MiB of `<w:p/>` is
175 000 elements); a crafted file can ask for gigabytes and a long parse. The inspection
(`uploads.inspect_docx`), the check and the preview of an upload therefore run in a process
of their own, started from a clean fork server (never a fork of the threaded server), with

- RLIMIT_AS (address space) `memory` bytes: past it, allocation fails in the child only;
- RLIMIT_CPU `cpu_seconds`: the kernel stops a child that computes too long;
- `wall_seconds`: the server kills a child that has not answered by then (a slow database
  counts here too);
- at most `concurrent` children at once (further uploads wait for a slot).

So the server's own memory never grows with an upload, and while checks run it stays under
its own size plus `concurrent` × `memory`. The child's memory is the operating system's
again when it exits. A child's answer is plain data (a `DrafterError`'s class name and
fields, or the function's result); an unexpected error comes back as its (masked) traceback
for the server's log.
"""

from __future__ import annotations

import logging
import multiprocessing
import resource
import signal
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drafter import errors
from drafter.errors import DrafterError, DraftError
from drafter.lowgc import paused_gc
from drafter.masking import scrub_known

log = logging.getLogger("drafter.web")

MIB = 1024 * 1024
# Modules loaded once in the fork server, so a child starts in milliseconds.
PRELOAD = ["drafter.review.checker", "drafter.review.pageview", "drafter.review.annotate", "drafter.web.uploads"]


@dataclass(frozen=True)
class WorkerLimits:
    memory: int = 1024 * MIB  # address space of one child (RLIMIT_AS)
    cpu_seconds: int = 120
    wall_seconds: float = 300.0
    concurrent: int = 2


class WorkerFailed(Exception):
    """The child failed in a way that is not the user's doing (the traceback is logged)."""


_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def _slot(limits: WorkerLimits) -> threading.BoundedSemaphore:
    with _slots_lock:
        return _slots.setdefault(limits.concurrent, threading.BoundedSemaphore(limits.concurrent))


def _context() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def run_limited(function: Callable[..., Any], *args: Any, limits: WorkerLimits, name: str = "上传的文件") -> Any:
    """`function(*args)` in a limited child process; its result, or its DrafterError raised
    here. Blocking: call it from a worker thread."""
    with _slot(limits):
        receive, send = _context().Pipe(duplex=False)
        child = _context().Process(target=_child, args=(send, limits, function, args), daemon=True)
        child.start()
        send.close()
        timed_out = False
        try:
            timed_out = not receive.poll(limits.wall_seconds)
            answer = None if timed_out else receive.recv()
        except EOFError:  # the child died without answering: killed by a limit
            answer = None
        finally:
            if child.is_alive():
                child.kill()
            child.join(5)
            receive.close()
    if answer is None:
        raise _stopped(name, limits, child.exitcode, timed_out)
    return _unpack(answer, limits, name)


def _child(send: Any, limits: WorkerLimits, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    try:
        with paused_gc():  # this process is the one job's alone, as a CLI command's is
            answer: tuple[Any, ...] = ("ok", function(*args))
    except DrafterError as exc:
        path = str(exc.path) if exc.path is not None else None
        answer = ("error", type(exc).__name__, exc.message, exc.cause, exc.hint, exc.context, path, exc.line)
    except MemoryError:
        answer = ("memory",)
    except BaseException:
        answer = ("internal", scrub_known(traceback.format_exc()))
    try:
        send.send(answer)
    except MemoryError:
        send.send(("memory",))
    send.close()


def _unpack(answer: tuple[Any, ...], limits: WorkerLimits, name: str) -> Any:
    kind = answer[0]
    if kind == "ok":
        return answer[1]
    if kind == "error":
        cls = getattr(errors, answer[1], None)
        cls = cls if isinstance(cls, type) and issubclass(cls, DrafterError) else DraftError
        raise cls(answer[2], cause=answer[3], hint=answer[4], context=answer[5], path=answer[6], line=answer[7])
    if kind == "memory":
        raise _too_big(name, limits)
    log.error("upload worker failed:\n%s", answer[1])
    raise WorkerFailed("the upload worker failed")


def _stopped(name: str, limits: WorkerLimits, exitcode: int | None, timed_out: bool) -> DraftError:
    """The child ended without an answer: the wall-time or CPU limit, or memory (a C library
    that cannot allocate may abort rather than raise)."""
    log.warning("upload worker for %s stopped (exit code %s, timed out: %s)", name, exitcode, timed_out)
    if timed_out or exitcode == -signal.SIGXCPU:
        return DraftError(
            f"“{name}”的处理超过时间上限，已停止",
            cause=f"CPU {limits.cpu_seconds} 秒 / 总时长 {limits.wall_seconds:g} 秒",
            hint="文件可能异常复杂；请上传 drafter 生成、在 Word 或 WPS 中编辑后保存的草稿。若数据库很慢，请稍后再试。",
        )
    return _too_big(name, limits)


def _too_big(name: str, limits: WorkerLimits) -> DraftError:
    return DraftError(
        f"“{name}”打开后所需内存超过上限（{limits.memory // MIB} MB），不予处理",
        hint="文件中可能有异常巨大的部件（疑似“压缩炸弹”）；请上传正常的草稿。",
    )
