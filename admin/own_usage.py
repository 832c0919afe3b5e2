"""An employee's own usage for "Penggunaan saya": today and this month from the rollups, per day, per
category and per host, and their latest blocked attempts from the raw events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from accounting.reports import local_day_bounds
from smedi.sql import load_queries

queries = load_queries("my_usage")
type Executor = asyncpg.Pool | asyncpg.Connection

COUNTS = ("requests", "blocked", "bytes_up", "bytes_down")
TOP_HOSTS = 10
BLOCKED_SHOWN = 20
BLOCKED_DAYS = 30  # how far back the blocked attempts go (never past the raw events' retention)


@dataclass(frozen=True, slots=True)
class Period:
    """One period's use: totals, per category, the top hosts."""

    first: date
    last: date
    totals: dict[str, int]
    categories: list[dict[str, Any]]
    hosts: list[dict[str, Any]]


def month_days(day: date) -> list[date]:
    """Every day of the month `day` is in, from the 1st to its last."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return [first + timedelta(days=i) for i in range((following - first).days)]


def totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {c: sum(int(r[c]) for r in rows) for c in COUNTS}


def per_day(days: list[date], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per day, zeros where nothing was used, with the day's total bytes."""
    found = {r["day"]: r for r in rows}
    empty = dict.fromkeys(COUNTS, 0)
    return [
        {**empty, **{c: int(found[d][c]) for c in COUNTS if d in found}, "day": d,
         "bytes": int(found[d]["bytes_up"] + found[d]["bytes_down"]) if d in found else 0}
        for d in days
    ]  # fmt: skip


async def period_use(db: Executor, employee_id: int, first: date, last: date, tz: ZoneInfo) -> Period:
    categories = [dict(r) for r in await db.fetch(queries.own_by_category, employee_id, first, last)]
    start, end = local_day_bounds(first, tz)[0], local_day_bounds(last, tz)[1]
    hosts = [dict(r) for r in await db.fetch(queries.own_top_hosts, employee_id, start, end, TOP_HOSTS)]
    return Period(first, last, totals(categories), categories, hosts)


async def days_use(db: Executor, employee_id: int, days: list[date]) -> list[dict[str, Any]]:
    rows = [dict(r) for r in await db.fetch(queries.own_by_day, employee_id, days[0], days[-1])]
    return per_day(days, rows)


async def blocked_attempts(
    db: Executor, employee_id: int, now: datetime | None = None
) -> list[dict[str, Any]]:
    since = (now or datetime.now(UTC)) - timedelta(days=BLOCKED_DAYS)
    return [dict(r) for r in await db.fetch(queries.own_blocked, employee_id, since, BLOCKED_SHOWN)]
