"""Usage written the way the proxy writes it (UsageWriter: raw events and both rollups together)."""

from __future__ import annotations

import ipaddress
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from accounting.records import UsageRecord
from accounting.writer import UsageWriter

JAKARTA = ZoneInfo("Asia/Jakarta")
type Usage = tuple[date, int, int, str, str, int, int, int, int]  # day, employee, OPD, host, category,
# requests, blocked, bytes up, bytes down


def records(row: Usage, tz: ZoneInfo = JAKARTA) -> list[UsageRecord]:
    """`requests` requests at local noon of the day, `blocked` of them blocked, the bytes on the last."""
    day, employee, org, host, category, requests, blocked, up, down = row
    noon = datetime.combine(day, time(12), tz).astimezone(UTC)
    made = []
    for i in range(requests):
        last = i == requests - 1
        made.append(
            UsageRecord(
                noon + timedelta(seconds=i),
                employee or None,
                org or None,
                ipaddress.ip_address("198.18.1.2"),
                host,
                "https",
                "GET",
                200,
                "block" if i < blocked else "allow",
                category,
                "",
                up if last else 0,
                down if last else 0,
                0,
                0,
                1,
            )
        )
    return made


async def write_usage(db: asyncpg.Pool, rows: list[Usage], tz: ZoneInfo = JAKARTA) -> None:
    writer = UsageWriter(db, tz)
    for row in rows:
        for record in records(row, tz):
            writer.submit(record)
    assert await writer.flush()
