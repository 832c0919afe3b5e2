"""The live dashboard's sliding window: batch summaries in, the last 5 and the last 60 minutes out.

Pure and in memory, fed by admin/live.py. Two spans of slots: 2-second slots over the last 5 minutes and
1-minute slots over the last 60. A summary (accounting/live_feed.py) goes into the slot of each span its
time falls in, and into that span's running totals, so a snapshot never adds the slots up again: it takes
the top of each running total and, for the distinct active employees, merges the slots' HyperLogLog
sketches (numpy, a few hundred kilobytes). When a slot leaves its span it is taken out of the totals again.

The top lists are the heavy hitters: each summary carries the employees, OPDs, hosts and categories that
moved the most bytes in its batch, and a closed minute keeps its largest few hundred per list, so an entry
that never stands out in any batch or minute is not counted. Totals, blocked and throughput are exact.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from accounting import live_feed
from accounting.live_feed import Entry, Summary

FINE_SECONDS, SHORT_SECONDS = 2, 5 * 60
COARSE_SECONDS, LONG_SECONDS = 60, 60 * 60
KEEP_PER_MINUTE = 300  # entries of each list a closed minute keeps: 60 of them bound the memory
TOP = 10
LISTS = ("employees", "orgs", "hosts", "categories")

type Tally = dict[Any, list[int]]  # key → [bytes up, bytes down, requests]
type Sketch = npt.NDArray[np.uint8]


def _bytes(counts: list[int]) -> int:
    return counts[0] + counts[1]


def _add_entries(tally: Tally, entries: Iterable[Entry[Any]]) -> None:
    for key, up, down, requests in entries:
        counts = tally.get(key)
        if counts is None:
            tally[key] = [up, down, requests]
        else:
            counts[0] += up
            counts[1] += down
            counts[2] += requests


def _subtract(totals: Tally, part: Tally) -> None:
    for key, (up, down, requests) in part.items():
        counts = totals.get(key)
        if counts is None:
            continue  # an all-zero entry another slot took out already
        counts[0] -= up
        counts[1] -= down
        counts[2] -= requests
        if not any(counts):
            del totals[key]


def top_entries(tally: Tally, count: int) -> list[list[Any]]:
    """The `count` largest by bytes (then requests, then key), as [key, up, down, requests]."""
    # By bytes alone first (cheap), then the few candidates in the full order; keys of a list share a type.
    candidates = heapq.nlargest(2 * count, ((c[0] + c[1], key) for key, c in tally.items()))
    ordered = sorted(candidates, key=lambda bk: (-bk[0], -tally[bk[1]][2], str(bk[1])))[:count]
    return [[key, *tally[key]] for _bytes, key in ordered]


def active_employees(sketches: Iterable[Sketch]) -> int:
    stacked = list(sketches)
    if not stacked:
        return 0
    merged = np.maximum.reduce(stacked)
    harmonic = float(np.ldexp(1.0, -merged.astype(np.int32)).sum())
    return live_feed.estimate_from_registers(int(np.count_nonzero(merged == 0)), harmonic)


@dataclass
class Slot:
    start: int  # seconds since the epoch, a multiple of the span's step
    records: int = 0
    requests: int = 0
    blocked: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    lists: dict[str, Tally] = field(default_factory=lambda: {name: {} for name in LISTS})
    sketch: Sketch = field(default_factory=lambda: np.zeros(live_feed.SKETCH_SIZE, np.uint8))
    trimmed: bool = False


class Span:
    """Slots of `step` seconds over the last `seconds`, with running totals over all of them."""

    def __init__(self, step: int, seconds: int, keep: int | None = None) -> None:
        self.step, self.seconds, self.keep = step, seconds, keep
        self.slots: dict[int, Slot] = {}
        self.totals: dict[str, Tally] = {name: {} for name in LISTS}
        self.counts = {"records": 0, "requests": 0, "blocked": 0, "bytes_up": 0, "bytes_down": 0}

    def current(self, now: float) -> int:
        return int(now // self.step) * self.step

    def oldest(self, now: float) -> int:
        """The start of the oldest slot still in the span (the current slot is the newest)."""
        return self.current(now) - self.seconds + self.step

    def add(self, summary: Summary, ts: float) -> None:
        start = int(ts // self.step) * self.step
        slot = self.slots.get(start)
        if slot is None:
            slot = self.slots[start] = Slot(start)
        for name in self.counts:
            value = getattr(summary, name)
            setattr(slot, name, getattr(slot, name) + value)
            self.counts[name] += value
        for name in LISTS:
            entries = getattr(summary, name)
            _add_entries(slot.lists[name], entries)
            _add_entries(self.totals[name], entries)
        np.maximum(slot.sketch, np.frombuffer(summary.sketch, np.uint8), out=slot.sketch)

    def advance(self, now: float) -> None:
        """Take slots that left the span out of the totals; trim closed slots to `keep` entries a list."""
        oldest, current = self.oldest(now), self.current(now)
        for start in [s for s in self.slots if s < oldest]:
            slot = self.slots.pop(start)
            for name in self.counts:
                self.counts[name] -= getattr(slot, name)
            for name in LISTS:
                _subtract(self.totals[name], slot.lists[name])
        if self.keep is None:
            return
        for slot in self.slots.values():
            if slot.trimmed or slot.start >= current:
                continue
            slot.trimmed = True
            for name in LISTS:
                tally = slot.lists[name]
                if len(tally) <= self.keep:
                    continue
                kept = dict(heapq.nlargest(self.keep, tally.items(), key=lambda kv: _bytes(kv[1])))
                _subtract(self.totals[name], {k: v for k, v in tally.items() if k not in kept})
                slot.lists[name] = kept

    def series(self, now: float) -> dict[str, object]:
        """Bytes per second of each complete slot in the span, oldest first (the current one is partial)."""
        starts = range(self.oldest(now), self.current(now), self.step)
        empty = Slot(0)
        slots = [self.slots.get(start, empty) for start in starts]
        return {
            "start": starts.start,
            "step": self.step,
            "up": [round(s.bytes_up / self.step) for s in slots],
            "down": [round(s.bytes_down / self.step) for s in slots],
        }

    def view(self, now: float, top: int) -> dict[str, object]:
        return {
            "seconds": self.seconds,
            **self.counts,
            "active_employees": active_employees(s.sketch for s in self.slots.values()),
            "top": {name: top_entries(self.totals[name], top) for name in LISTS},
            "series": self.series(now),
        }


class LiveWindow:
    """The last 5 minutes in 2-second slots and the last 60 minutes in 1-minute slots."""

    def __init__(self) -> None:
        self.short = Span(FINE_SECONDS, SHORT_SECONDS)
        self.long = Span(COARSE_SECONDS, LONG_SECONDS, keep=KEEP_PER_MINUTE)
        self.summaries = 0
        self.too_old = 0  # summaries of records older than the window (a spool replayed late)

    def add(self, summary: Summary, now: float) -> bool:
        """Count a summary at its records' time (never later than now); False when it is too old."""
        self.advance(now)
        ts = min(summary.ts, now)  # a proxy's clock ahead of ours: it happened now
        if ts < self.long.oldest(now):
            self.too_old += 1
            return False
        self.summaries += 1
        self.long.add(summary, ts)
        if ts >= self.short.oldest(now):
            self.short.add(summary, ts)
        return True

    def advance(self, now: float) -> None:
        self.short.advance(now)
        self.long.advance(now)

    def snapshot(self, now: float, top: int = TOP) -> dict[str, object]:
        """Plain data for the dashboard: ids and host names as they came, bytes per second in the series."""
        self.advance(now)
        last = self.short.slots.get(self.short.current(now) - FINE_SECONDS)
        return {
            "at": round(now, 3),
            "rate": {
                "up": round(last.bytes_up / FINE_SECONDS) if last else 0,
                "down": round(last.bytes_down / FINE_SECONDS) if last else 0,
            },
            "last5": self.short.view(now, top),
            "last60": self.long.view(now, top),
        }
