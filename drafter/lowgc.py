"""Python's cyclic garbage collector paused for one command of the `drafter` CLI.

A draft with a long table holds hundreds of thousands of small objects (figures, their
provenance, XML proxies); the collector would walk all of them again and again while they
are being made, which took a third of a 10,000-row build and two thirds of its check. They
are freed by reference counting as usual; cycles wait for the end of the command.

Only the CLI, whose process runs that one command, pauses it: a library call (a build
thread of `drafter serve`) never switches it off for a whole server.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic collector off for the block (unless it was already off), then back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
