"""Chart geometry for the usage report: plain numbers the page's SVG and the PDF both draw."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TREND_WIDTH, TREND_HEIGHT = 720.0, 160.0
SHARE_WIDTH = 720.0


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    up: float  # the upload part's height, drawn at the bottom of the bar
    label: str
    value: int
    show_label: bool


def trend_bars(
    points: list[dict[str, Any]], width: float = TREND_WIDTH, height: float = TREND_HEIGHT
) -> list[Bar]:
    """One bar per hour or day, bytes down over bytes up, scaled to the largest."""
    if not points:
        return []
    largest = max(int(p["bytes"]) for p in points) or 1
    step = width / len(points)
    every = max(1, len(points) // 12)  # at most about a dozen labels under the bars
    bars = []
    for i, point in enumerate(points):
        total = int(point["bytes"]) / largest * height
        up = int(point["bytes_up"]) / largest * height
        label = point["label"][-2:] if len(point["label"]) == 10 else point["label"]  # a date: its day
        bars.append(
            Bar(
                round(i * step + step * 0.1, 2), round(height - total, 2), round(step * 0.8, 2),
                round(total, 2), round(up, 2), label, int(point["bytes"]), i % every == 0,
            )
        )  # fmt: skip
    return bars


@dataclass(frozen=True)
class Share:
    key: str
    label: str
    x: float
    width: float
    value: int
    percent: float


def share_bar(parts: list[tuple[str, str, int]], width: float = SHARE_WIDTH) -> list[Share]:
    """Parts of one whole (office against after hours) laid side by side on one bar."""
    total = sum(value for _key, _label, value in parts) or 1
    shares, x = [], 0.0
    for key, label, value in parts:
        w = value / total * width
        shares.append(Share(key, label, round(x, 2), round(w, 2), value, round(value / total * 100, 1)))
        x += w
    return shares


def ranking_bars(rows: list[dict[str, Any]], width: float = SHARE_WIDTH) -> list[float]:
    """Bar lengths for a top-N list (categories, hosts), the first the longest."""
    largest = max((int(r["bytes"]) for r in rows), default=0) or 1
    return [round(int(r["bytes"]) / largest * width, 2) for r in rows]
