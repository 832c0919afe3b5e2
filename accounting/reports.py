"""Usage reports read the hourly rollup, never the raw events; days are local days in SMEDI_TZ."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from smedi.sql import load_queries

queries = load_queries("accounting")


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
