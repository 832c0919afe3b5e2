"""A simple bar chart of a published table: one numeric column by kelurahan/kecamatan or by year. Pure.

The page draws it as SVG from these numbers (no script, no inline style: the CSP forbids both). It is drawn
from the public rows, after small cells are hidden: a group holding a hidden cell is shown as hidden, not
as the sum of its visible part (the difference with a total would reveal the hidden count).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

REGION_TABLES = ("wilayah_kelurahan", "wilayah_kecamatan")
WIDTH = 720.0
LABEL_WIDTH = 220.0
BAR_HEIGHT = 16.0
GAP = 4.0
MAX_ROWS = 20_000  # above this the page does not read the whole version to draw a chart


@dataclass(frozen=True)
class ChartBar:
    label: str
    value: float | None  # None: hidden (a small count in the group)
    y: float
    width: float
    text_y: float


@dataclass(frozen=True)
class Chart:
    value_field: str
    group_field: str
    by: str  # "region" or "year"
    bars: list[ChartBar]
    height: float
    year: str | None = None  # a chart by area of a table with years shows the latest year only
    label_width: float = LABEL_WIDTH
    width: float = WIDTH

    @property
    def bar_area(self) -> float:
        return self.width - self.label_width - 80


def _foreign_region_fields(schema: Mapping[str, Any]) -> list[str]:
    found = []
    for key in schema.get("foreignKeys", []) or []:
        fields = key.get("fields")
        names = [fields] if isinstance(fields, str) else list(fields or [])
        if len(names) == 1 and (key.get("reference") or {}).get("resource") in REGION_TABLES:
            found.append(str(names[0]))
    return found


def choose_fields(
    schema: Mapping[str, Any], suppressed: frozenset[str]
) -> tuple[str, str, str, str | None] | None:
    """(group field, value field, "region" | "year", year field), or None when the table has no such shape."""
    fields = [f for f in schema.get("fields", []) if isinstance(f, Mapping)]
    regions = _foreign_region_fields(schema)
    years = [
        str(f["name"])
        for f in fields
        if f.get("type") == "year"
        or (f.get("type") == "integer" and str(f["name"]).lower() in ("tahun", "year"))
    ]
    numbers = [
        str(f["name"])
        for f in fields
        if f.get("type") in ("integer", "number")
        and str(f["name"]) not in years
        and str(f["name"]) not in regions
    ]
    if not numbers:
        return None
    numbers.sort(key=lambda name: name in suppressed)  # a column without hidden cells draws best
    if regions:
        return regions[0], numbers[0], "region", years[0] if years else None
    if years:
        return years[0], numbers[0], "year", None
    return None


def bar_chart(
    schema: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    hidden: Sequence[frozenset[str]],
    suppressed: frozenset[str],
    names: Mapping[str, str],
) -> Chart | None:
    """The sum of the value per group, groups in code/year order; `names`: region code → name."""
    chosen = choose_fields(schema, suppressed)
    if chosen is None or not rows:
        return None
    group_field, value_field, by, year_field = chosen
    latest = None
    if year_field is not None:
        # Areas of several years: adding years up means nothing, so the chart shows the latest one.
        known = [r.get(year_field) for r in rows if isinstance(r.get(year_field), int | str)]
        latest = max(known, key=lambda year: (len(str(year)), str(year)), default=None)
        pairs = [(r, h) for r, h in zip(rows, hidden, strict=True) if r.get(year_field) == latest]
        rows, hidden = [r for r, _h in pairs], [h for _r, h in pairs]
    sums: dict[str, float] = {}
    hidden_groups: set[str] = set()
    for row, row_hidden in zip(rows, hidden, strict=True):
        group = row.get(group_field)
        if group is None:
            continue
        key = str(group)
        if value_field in row_hidden:
            hidden_groups.add(key)
        value = row.get(value_field)
        if isinstance(value, int | float) and not isinstance(value, bool):
            sums[key] = sums.get(key, 0) + value
        else:
            sums.setdefault(key, 0)
    if not sums:
        return None
    largest = max((v for k, v in sums.items() if k not in hidden_groups), default=0) or 1
    bars = []
    for i, key in enumerate(sorted(sums)):
        y = i * (BAR_HEIGHT + GAP)
        shown = None if key in hidden_groups else sums[key]
        width = 0.0 if shown is None else max(0.0, shown / largest * (WIDTH - LABEL_WIDTH - 80))
        label = names.get(key, key) if by == "region" else key
        bars.append(ChartBar(label, shown, round(y, 2), round(width, 2), round(y + BAR_HEIGHT - 4, 2)))
    height = round(len(bars) * (BAR_HEIGHT + GAP), 2)
    return Chart(value_field, group_field, by, bars, height, None if latest is None else str(latest))


def region_table(schema: Mapping[str, Any], group_field: str) -> str | None:
    for key in schema.get("foreignKeys", []) or []:
        fields = key.get("fields")
        names = [fields] if isinstance(fields, str) else list(fields or [])
        if names == [group_field]:
            return str((key.get("reference") or {}).get("resource"))
    return None
