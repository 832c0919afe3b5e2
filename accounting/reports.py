"""Usage reports read the rollups (hourly, daily), never the raw events; days are local days in SMEDI_TZ."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from smedi.sql import load_queries

queries = load_queries("accounting")
report_queries = load_queries("reports")

COUNTS = ("requests", "blocked", "bytes_up", "bytes_down", "bytes")
# What a report over days can be grouped by: the named block in sql/queries/reports.sql and the columns
# naming a row. `by` is only ever looked up here, never put into SQL.
GROUPINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "employee": ("usage_by_employee_days", ("username", "full_name", "org_code")),
    "org": ("usage_by_org_days", ("org_code", "org_name")),
    "host": ("usage_by_host_days", ("host",)),
    "category": ("usage_by_category_days", ("category", "name_id", "name_en")),
}
# The rows of nobody, no OPD and no category have an empty key; their name says what they are.
NOT_SIGNED_IN = "(not signed in)"
NO_OPD = "(no OPD)"
NO_CATEGORY = {"name_id": "(tanpa kategori)", "name_en": "(no category)"}


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where `day` starts and ends in `tz`."""
    start = datetime.combine(day, time.min, tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def today(tz: ZoneInfo) -> date:
    return datetime.now(tz).date()


async def usage_by_employee(
    db: asyncpg.Pool | asyncpg.Connection, day: date, tz: ZoneInfo
) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(queries.usage_by_employee, *local_day_bounds(day, tz))]


async def usage_by_org(
    db: asyncpg.Pool | asyncpg.Connection, day: date, tz: ZoneInfo
) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(queries.usage_by_org, *local_day_bounds(day, tz))]


async def usage_by_hour(
    db: asyncpg.Pool | asyncpg.Connection, day: date, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """Every hour of the local day (24, or 23/25 across a DST change), zeros where nothing was used."""
    start, end = local_day_bounds(day, tz)
    rows = {r["hour"]: dict(r) for r in await db.fetch(queries.usage_by_hour, start, end)}
    hours = []
    hour = start
    while hour < end:
        row = rows.get(hour, {"requests": 0, "blocked": 0, "bytes_up": 0, "bytes_down": 0})
        hours.append({**row, "hour": hour, "label": hour.astimezone(tz).strftime("%H")})
        hour += timedelta(hours=1)
    return hours


def report_columns(by: str) -> tuple[str, ...]:
    """The columns of a report's rows, in order: the key columns, then the counts."""
    return (*_grouping(by)[1], *COUNTS)


def report_total(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {c: sum(int(r[c]) for r in rows) for c in COUNTS}


def label_empty_keys(row: dict[str, Any], by: str) -> dict[str, Any]:
    """Name the row of nobody signed in, no OPD or no category, whose key is ''."""
    if by == "employee" and row["username"] == "":
        return {**row, "full_name": NOT_SIGNED_IN}
    if by == "org" and row["org_code"] == "":
        return {**row, "org_name": NO_OPD}
    if by == "category" and row["category"] == "":
        return {**row, **NO_CATEGORY}
    return row


async def usage_report(
    db: asyncpg.Pool | asyncpg.Connection, first: date, last: date, by: str, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """Totals over the local days first..last (both included) per employee, org, host or category:
    from the daily rollup, or for hosts from the hourly one (the daily rollup has no hosts)."""
    query, _keys = _grouping(by)
    if first > last:
        raise ValueError(f"the first day {first} is after the last day {last}")
    bounds = (
        (local_day_bounds(first, tz)[0], local_day_bounds(last, tz)[1]) if by == "host" else (first, last)
    )
    rows = await db.fetch(getattr(report_queries, query), *bounds)
    return [label_empty_keys(dict(r), by) for r in rows]


def _grouping(by: str) -> tuple[str, tuple[str, ...]]:
    try:
        return GROUPINGS[by]
    except KeyError:
        raise ValueError(f"cannot group a report by {by!r}; expected one of {', '.join(GROUPINGS)}") from None
