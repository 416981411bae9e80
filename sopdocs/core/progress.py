"""A one-line progress display for long operations, on a terminal only.

``linting 4,000/10,000`` is rewritten in place on stderr while a long run goes on, and
erased when it ends. Nothing is written when stderr is not a terminal (pipes, files,
CI logs), when ``CI`` is set (CI runners that fake a terminal), when ``TERM=dumb``, or
for short runs: the line appears only after half a second.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

# Below this many items a run is short; no line at all.
MIN_ITEMS = 100
# Wait this long before the first line, so quick runs never flash one
# ($SOPDOCS_PROGRESS_DELAY, in seconds, changes it: 0 shows every run's progress).
DELAY_S = 0.5
# Redraw at most this often.
INTERVAL_S = 0.1


def wanted(stream: TextIO | None = None) -> bool:
    """True when progress may be shown on ``stream`` (default: stderr)."""
    stream = stream or sys.stderr
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        return False
    return tty and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


def _delay() -> float:
    try:
        value = float(os.environ.get("SOPDOCS_PROGRESS_DELAY", DELAY_S))
    except ValueError:
        return DELAY_S
    return value if value >= 0 else DELAY_S


class Progress:
    """``with Progress("linting", total) as p: ... p.advance(n)``."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = (wanted(self.stream) if enabled is None else enabled) and total >= MIN_ITEMS
        self.started = time.monotonic()
        self.delay = _delay()
        self.drawn = 0.0  # monotonic time of the last redraw; 0: nothing on screen
        self.width = 0

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < self.delay or now - self.drawn < INTERVAL_S:
            return
        self.drawn = now
        text = f"{self.label} {self.done:,}/{self.total:,}"
        self._write("\r" + text.ljust(self.width))
        self.width = len(text)

    def close(self) -> None:
        if self.enabled and self.width:
            self._write("\r" + " " * self.width + "\r")
            self.width = 0

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: stop drawing
            self.enabled = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
