"""Python's cyclic garbage collector paused for one command of the `drafter` CLI.

A draft with a long table holds hundreds of thousands of small objects (figures, their
provenance, XML proxies); the collector would walk all of them again and again while they
are being made, which took a third of a 10,000-row build and two thirds of its check. They
are freed by reference counting as usual; cycles wait for the end of the command.

When the block ends, what it left alive (the command's result: a check's report holds 40,000
figures) is frozen before the collector is switched back on: otherwise its first passes would
walk all of it once more (a second), for a process that only prints the result and ends. The
next block gives the frozen objects back to the collector (a process running many commands,
a test run, frees their cycles in its next full pass).

Only a process that runs that one command pauses it: the CLI's, and the child process in
which `drafter serve` checks or previews one upload (drafter/web/worker.py: its memory limit
still holds, and the child's memory is freed when it exits). A library call (a build thread
of `drafter serve`) never switches it off for a whole server.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic collector off for the block (unless it was already off), then back on, what
    the block left alive frozen (see the module docstring)."""
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.unfreeze()  # what an earlier block froze: collectable again
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()
