"""The alert page's chart: an employee's hours around a finding against their baseline, as SVG geometry
(bars for the hours, lines for the usual and the unusual level). Pure: numbers in, coordinates out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

WIDTH = 600
HEIGHT = 160
TOP = 10  # room above the highest bar
BOTTOM = 18  # room for the hour labels


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # local hour, HH
    value: int


@dataclass(frozen=True)
class Chart:
    bars: tuple[Bar, ...]
    median_points: str  # polyline points "x,y x,y ..."
    upper_points: str
    maximum: int
    width: int = WIDTH
    height: int = HEIGHT


def _number(value: object) -> int:
    return int(value) if isinstance(value, int | float) and value >= 0 else 0


def chart_geometry(hours: Sequence[Any], tz: ZoneInfo) -> Chart | None:
    """Geometry for the evidence's `chart.hours`; None when there is nothing to draw. Values that are not
    numbers (the evidence is stored JSON) count as zero rather than break the page."""
    rows = [h for h in hours if isinstance(h, dict)]
    if not rows:
        return None
    values = [(_number(h.get("value")), _number(h.get("median")), _number(h.get("upper"))) for h in rows]
    maximum = max(max(v) for v in values) or 1
    plot = HEIGHT - TOP - BOTTOM
    step = WIDTH / len(rows)

    def y(value: int) -> float:
        return round(TOP + plot - plot * value / maximum, 1)

    bars, median, upper = [], [], []
    for i, (row, (value, usual, high)) in enumerate(zip(rows, values, strict=True)):
        try:
            label = datetime.fromisoformat(str(row.get("hour"))).astimezone(tz).strftime("%H")
        except ValueError:
            label = ""
        x = round(i * step, 1)
        top = y(value)
        bars.append(
            Bar(
                round(x + step * 0.15, 1), top, round(step * 0.7, 1), round(TOP + plot - top, 1), label, value
            )
        )
        centre = round(x + step / 2, 1)
        median.append(f"{centre},{y(usual)}")
        upper.append(f"{centre},{y(high)}")
    return Chart(tuple(bars), " ".join(median), " ".join(upper), maximum)
