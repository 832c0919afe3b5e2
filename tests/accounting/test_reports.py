"""Report queries over the hourly rollup: local days in SMEDI_TZ, every hour present for the chart."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import asyncpg

from accounting.reports import local_day_bounds, usage_by_hour

JAKARTA = ZoneInfo("Asia/Jakarta")


def test_a_local_day_in_jakarta_starts_at_17_utc_the_day_before() -> None:
    start, end = local_day_bounds(date(2026, 12, 4), JAKARTA)
    assert start == datetime(2026, 12, 3, 17, tzinfo=UTC) and end == datetime(2026, 12, 4, 17, tzinfo=UTC)


def test_a_day_across_a_dst_change_has_23_hours() -> None:
    start, end = local_day_bounds(date(2026, 3, 29), ZoneInfo("Europe/Amsterdam"))
    assert (end - start).total_seconds() == 23 * 3600


async def test_usage_by_hour_fills_every_hour_and_labels_local_time(db: asyncpg.Pool) -> None:
    employee = await db.fetchval(
        "INSERT INTO employees (username, password_hash) VALUES ('budi', 'x') RETURNING id"
    )
    await db.execute(
        "INSERT INTO usage_hourly (hour, employee_id, host, requests, bytes_up, bytes_down) VALUES "
        "('2026-12-04 02:00Z', $1, 'a.test', 2, 10, 100), ('2026-12-04 02:00Z', $1, 'b.test', 1, 5, 50), "
        "('2026-12-04 02:00Z', 0, 'c.test', 9, 9, 9), ('2026-12-04 18:00Z', $1, 'a.test', 1, 1, 1)",
        employee,
    )
    hours = await usage_by_hour(db, date(2026, 12, 4), JAKARTA)
    assert len(hours) == 24
    assert [h["label"] for h in hours[:3]] == ["00", "01", "02"]
    nine = hours[9]  # 02:00 UTC is 09:00 in Jakarta; the not-signed-in row (employee 0) is left out
    assert (nine["label"], nine["requests"], nine["bytes_up"], nine["bytes_down"]) == ("09", 3, 15, 150)
    assert sum(h["requests"] for h in hours) == 3  # 18:00 UTC belongs to the next local day
