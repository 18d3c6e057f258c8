"""Progress on stderr for work that takes more than a moment.

Shown only when stderr is a terminal (never in a pipe, a log file or a test's
captured output), and only once the work has run for `DELAY` seconds, so a
quick build prints nothing extra. The display is transient: it disappears when
the work ends, leaving the command's own messages.

    with Progress("查询数据库") as progress:
        build(..., on_query_done=progress.advance)
"""

from __future__ import annotations

import sys
import threading
from typing import IO, Any

DELAY = 0.5  # seconds before anything is shown


class Progress:
    """A delayed, transient rich progress display; `advance` may be called from any thread."""

    def __init__(
        self,
        description: str,
        total: int | None = None,
        *,
        unit: str = "个查询",
        stream: IO[str] | None = None,
        delay: float = DELAY,
        enabled: bool | None = None,
    ) -> None:
        self.description = description
        self.total = total
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.completed = 0
        self.last: str | None = None
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._display: Any = None  # rich.progress.Progress once shown
        self._task: Any = None
        self._closed = False

    @property
    def shown(self) -> bool:
        return self._display is not None

    def __enter__(self) -> Progress:
        if self.enabled:
            self._timer = threading.Timer(self.delay, self._show)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            if self._display is not None:
                self._display.stop()

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        with self._lock:
            if self._closed:
                return
            counted = "{task.completed}/{task.total}" if self.total is not None else "{task.completed}"
            display = RichProgress(
                SpinnerColumn(),
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                TextColumn(f"{counted} {self.unit}"),
                TextColumn("[dim]{task.fields[last]}"),
                TimeElapsedColumn(),
                console=Console(file=self.stream, force_terminal=True if self.enabled else None),
                transient=True,
            )
            self._task = display.add_task(
                self.description, total=self.total, completed=self.completed, last=self.last or ""
            )
            display.start()
            self._display = display

    def advance(self, label: str | None = None, amount: int = 1) -> None:
        """One more item done (a query name, or `amount` rows)."""
        with self._lock:
            self.completed += amount
            if label is not None:
                self.last = label
            if self._display is not None and not self._closed:
                self._display.update(self._task, completed=self.completed, last=self.last or "")
