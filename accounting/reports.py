"""Usage reports read the hourly rollup, never the raw events; days are local days in SMEDI_TZ."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
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
) -> list[dict[str, object]]:
    return [dict(r) for r in await db.fetch(queries.usage_by_employee, *local_day_bounds(day, tz))]


async def usage_by_org(
    db: asyncpg.Pool | asyncpg.Connection, day: date, tz: ZoneInfo
) -> list[dict[str, object]]:
    return [dict(r) for r in await db.fetch(queries.usage_by_org, *local_day_bounds(day, tz))]
