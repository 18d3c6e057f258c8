"""Python's cyclic garbage collector paused for one build or check.

A draft with a long table holds hundreds of thousands of small objects (figures, their
provenance, XML proxies); the collector would walk all of them again and again while they
are being made, which took a third of a 10,000-row build and two thirds of its check. They
are freed by reference counting as usual; cycles wait for the end of the call.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def paused_gc(fn: F) -> F:
    """Run `fn` with the cyclic collector off (unless it was already off), then switch it back on."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return wrapper  # type: ignore[return-value]
