"""Office hours (SMEDI_OFFICE_HOURS): which 5-minute slots of a local weekday are office time.

Written as `Mon-Fri 07:30-16:00`, several windows separated by `;` (e.g. `Mon-Thu 07:30-16:00; Fri
07:30-11:30`). Holidays are not taken out: a report over a holiday counts its office-hour slots as office.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

SLOT_MINUTES = 5
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # ISO order: Monday is 1
DEFAULT = "Mon-Fri 07:30-16:00"
WINDOW = re.compile(r"(\w{3})(?:-(\w{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")


@dataclass(frozen=True)
class Window:
    first_weekday: int  # 1 Monday … 7 Sunday
    last_weekday: int
    starts: time
    ends: time  # 24:00 is time.max

    def __str__(self) -> str:
        days = WEEKDAYS[self.first_weekday - 1].title()
        if self.last_weekday != self.first_weekday:
            days += "-" + WEEKDAYS[self.last_weekday - 1].title()
        ends = "24:00" if self.ends == time.max else f"{self.ends:%H:%M}"
        return f"{days} {self.starts:%H:%M}-{ends}"


@dataclass(frozen=True)
class OfficeHours:
    windows: tuple[Window, ...]

    def __str__(self) -> str:
        return "; ".join(str(w) for w in self.windows)

    def is_office_slot(self, isoweekday: int, slot: int) -> bool:
        """Whether the 5-minute slot (0 … 287) of a local day with this ISO weekday is office time: a slot
        counts when it starts inside a window."""
        minutes = slot * SLOT_MINUTES
        return any(
            w.first_weekday <= isoweekday <= w.last_weekday
            and _minutes(w.starts) <= minutes < _minutes(w.ends)
            for w in self.windows
        )


def _minutes(moment: time) -> int:
    return 24 * 60 if moment == time.max else moment.hour * 60 + moment.minute


def _weekday(name: str) -> int:
    try:
        return WEEKDAYS.index(name.lower()) + 1
    except ValueError:
        raise ValueError(f"unknown weekday {name!r}; use Mon, Tue, Wed, Thu, Fri, Sat, Sun") from None


def _clock(hours: str, minutes: str) -> time:
    h, m = int(hours), int(minutes)
    if (h, m) == (24, 0):
        return time.max
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(f"{hours}:{minutes} is not a time of day")
    if m % SLOT_MINUTES:
        raise ValueError(f"{hours}:{minutes}: office hours start and end on a multiple of 5 minutes")
    return time(h, m)


def parse_office_hours(value: str) -> OfficeHours:
    """`Mon-Fri 07:30-16:00[; Sat 08:00-12:00 ...]`; ValueError saying what is wrong."""
    windows = []
    for part in (p.strip() for p in value.split(";")):
        if not part:
            continue
        match = WINDOW.fullmatch(part)
        if match is None:
            raise ValueError(f"expected windows such as 'Mon-Fri 07:30-16:00', got {part!r}")
        first = _weekday(match[1])
        last = _weekday(match[2]) if match[2] else first
        starts, ends = _clock(match[3], match[4]), _clock(match[5], match[6])
        if last < first:
            raise ValueError(f"{part!r}: the weekdays run backwards")
        if _minutes(ends) <= _minutes(starts):
            raise ValueError(f"{part!r}: the window ends before it starts")
        windows.append(Window(first, last, starts, ends))
    if not windows:
        raise ValueError("expected at least one window such as 'Mon-Fri 07:30-16:00'")
    return OfficeHours(tuple(windows))


DEFAULT_OFFICE_HOURS = parse_office_hours(DEFAULT)
