"""The writer on a real PostgreSQL: COPY and the hourly rollup in one transaction, nothing lost on failure."""

from __future__ import annotations

import asyncio
import ipaddress
from datetime import UTC, datetime, timedelta

import asyncpg

from accounting.records import UsageRecord, rollup_hourly
from accounting.writer import UsageWriter

T0 = datetime(2026, 12, 3, 9, 15, tzinfo=UTC)


def record(
    minutes: int = 0,
    employee: int | None = 1,
    host: str = "news.test",
    decision: str = "allow",
    up: int = 100,
    down: int = 1000,
) -> UsageRecord:
    return UsageRecord(
        T0 + timedelta(minutes=minutes),
        employee,
        None,
        ipaddress.ip_address("198.18.1.2"),
        host,
        "https",
        "GET",
        200,
        decision,
        "",
        "",
        up,
        down,
        0,
        down - 200,
        12,
    )


def test_rollup_sums_by_hour_employee_host_and_category() -> None:
    rows = rollup_hourly(
        [
            record(0),
            record(10, decision="block"),
            record(40, host="x.test"),
            record(65),
            record(0, employee=None),
        ]
    )
    by_key = {(r.hour.hour, r.employee_id, r.host): r for r in rows}
    assert by_key[(9, 1, "news.test")][4:] == (2, 1, 200, 2000)
    assert by_key[(9, 1, "x.test")][4:] == (1, 0, 100, 1000)
    assert by_key[(10, 1, "news.test")][4:] == (1, 0, 100, 1000)
    assert by_key[(9, 0, "news.test")][4:] == (1, 0, 100, 1000)  # not signed in: employee 0


async def _totals(db: asyncpg.Pool) -> tuple[int, int, int]:
    events = await db.fetchval("SELECT count(*) FROM usage_events")
    hourly = await db.fetchval("SELECT coalesce(sum(requests), 0) FROM usage_hourly")
    down = await db.fetchval("SELECT coalesce(sum(bytes_down), 0) FROM usage_hourly")
    return events, hourly, down


async def test_records_and_rollup_land_together(db: asyncpg.Pool) -> None:
    writer = UsageWriter(db)
    for i in range(2500):  # more than one batch
        writer.submit(record(i % 120))
    assert await writer.flush()
    assert await _totals(db) == (2500, 2500, 2_500_000)
    partitions = await db.fetchval(
        "SELECT count(*) FROM pg_inherits WHERE inhparent = 'usage_events'::regclass"
    )
    assert partitions >= 7  # days ahead created, beside the default partition


async def test_a_failed_flush_keeps_the_batch_and_writes_it_exactly_once_later(db: asyncpg.Pool) -> None:
    writer = UsageWriter(db)
    for i in range(10):
        writer.submit(record(i))
    await db.execute(
        "ALTER TABLE usage_hourly RENAME TO usage_hourly_away"
    )  # the rollup fails mid-transaction
    assert not await writer.flush()
    assert writer.pending() == 10
    assert await db.fetchval("SELECT count(*) FROM usage_events") == 0  # COPY rolled back with it
    await db.execute("ALTER TABLE usage_hourly_away RENAME TO usage_hourly")
    assert await writer.flush()
    assert writer.pending() == 0
    assert await _totals(db) == (10, 10, 10_000)


async def test_close_writes_everything_queued(db: asyncpg.Pool) -> None:
    writer = UsageWriter(db)
    task = asyncio.create_task(writer.run())
    for i in range(300):
        writer.submit(record(i))
    await writer.close(task)
    assert await _totals(db) == (300, 300, 300_000)
