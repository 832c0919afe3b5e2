"""A progress bar for long commands: redrawn in place on a terminal, a line every 10 % otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


class ProgressBar:
    def __init__(self, label: str, total: int, stream: TextIO = sys.stderr) -> None:
        self.label, self.total, self.stream = label, max(total, 1), stream
        self.tty = stream.isatty()
        self._last_decile = -1
        self._last_draw = 0.0
        self._start = time.monotonic()

    def update(self, done: int) -> None:
        fraction = min(done / self.total, 1.0)
        now = time.monotonic()
        if self.tty:
            if now - self._last_draw < 0.1 and fraction < 1.0:
                return  # redrawing more often only costs time
            self._last_draw = now
            filled = round(fraction * WIDTH)
            bar = "#" * filled + "." * (WIDTH - filled)
            self.stream.write(f"\r{self.label} [{bar}] {fraction:4.0%} {_size(done)}/{_size(self.total)}")
        elif int(fraction * 10) > self._last_decile:
            self._last_decile = int(fraction * 10)
            self.stream.write(f"{self.label}: {fraction:.0%} ({_size(done)} of {_size(self.total)})\n")
        self.stream.flush()

    def finish(self, message: str) -> None:
        elapsed = time.monotonic() - self._start
        self.stream.write(("\r" + " " * (len(self.label) + WIDTH + 30) + "\r") if self.tty else "")
        self.stream.write(f"{self.label}: {message} ({elapsed:.1f} s)\n")
        self.stream.flush()
