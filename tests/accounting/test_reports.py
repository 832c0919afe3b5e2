"""Report queries over the rollups: local days in SMEDI_TZ, every hour for the chart, days in ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from accounting.reports import (
    GROUPINGS,
    NO_OPD,
    NOT_SIGNED_IN,
    local_day_bounds,
    report_columns,
    report_total,
    usage_by_hour,
    usage_report,
)
from tests.usage_fixtures import write_usage

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


@pytest.fixture
async def usage_days(db: asyncpg.Pool) -> asyncpg.Pool:
    """Three days of usage (1-3 December) between two days that must not count; siti moved OPD."""
    kominfo = await db.fetchval(
        "INSERT INTO org_units (code, name) VALUES ('DISKOMINFO', 'Dinas Kominfo') RETURNING id"
    )
    bkpp = await db.fetchval(
        "INSERT INTO org_units (code, name) VALUES ('BKPP', 'Badan Kepegawaian') RETURNING id"
    )
    budi = await db.fetchval(
        "INSERT INTO employees (username, full_name, org_unit_id, password_hash) "
        "VALUES ('budi', 'Budi Santoso', $1, 'x') RETURNING id",
        kominfo,
    )
    siti = await db.fetchval(
        "INSERT INTO employees (username, full_name, org_unit_id, password_hash) "
        "VALUES ('siti', 'Siti Aminah', $1, 'x') RETURNING id",
        bkpp,
    )
    rows = [
        (date(2026, 11, 30), budi, kominfo, "video.test", "streaming", 100, 0, 10**9, 10**9),  # before
        (date(2026, 12, 1), budi, kominfo, "video.test", "streaming", 10, 0, 1000, 50000),
        (date(2026, 12, 3), budi, kominfo, "news.test", "", 5, 1, 500, 5000),
        (date(2026, 12, 2), siti, kominfo, "news.test", "", 2, 0, 200, 2000),  # before she moved to BKPP
        (date(2026, 12, 2), siti, bkpp, "judi.test", "judi", 3, 3, 300, 300),
        (date(2026, 12, 2), 0, 0, "news.test", "", 4, 0, 400, 4000),  # nobody signed in
        (date(2026, 12, 3), 0, 0, "old.test", "lama", 1, 0, 1, 1),  # a category since removed
        (date(2026, 12, 3), 0, 0, "aaa.test", "", 1, 0, 1, 1),  # ties old.test: the key decides
        (date(2026, 12, 4), siti, bkpp, "news.test", "", 100, 0, 10**9, 10**9),  # after
    ]
    await write_usage(db, rows)
    return db


DECEMBER_1, DECEMBER_3 = date(2026, 12, 1), date(2026, 12, 3)
TOTAL = {"requests": 26, "blocked": 4, "bytes_up": 2402, "bytes_down": 61302, "bytes": 63704}


def counts(requests: int, blocked: int, up: int, down: int) -> dict[str, int]:
    return {"requests": requests, "blocked": blocked, "bytes_up": up, "bytes_down": down, "bytes": up + down}


async def test_usage_per_employee_over_days(usage_days: asyncpg.Pool) -> None:
    rows = await usage_report(usage_days, DECEMBER_1, DECEMBER_3, "employee", JAKARTA)
    assert rows == [
        {
            "username": "budi",
            "full_name": "Budi Santoso",
            "org_code": "DISKOMINFO",
            **counts(15, 1, 1500, 55000),
        },
        {"username": "", "full_name": NOT_SIGNED_IN, "org_code": "", **counts(6, 0, 402, 4002)},
        # one row although she moved: the OPD shown is her current one
        {"username": "siti", "full_name": "Siti Aminah", "org_code": "BKPP", **counts(5, 3, 500, 2300)},
    ]
    assert report_total(rows) == TOTAL


async def test_usage_per_org_counts_the_opd_at_the_time_of_use(usage_days: asyncpg.Pool) -> None:
    rows = await usage_report(usage_days, DECEMBER_1, DECEMBER_3, "org", JAKARTA)
    assert rows == [
        {"org_code": "DISKOMINFO", "org_name": "Dinas Kominfo", **counts(17, 1, 1700, 57000)},
        {"org_code": "", "org_name": NO_OPD, **counts(6, 0, 402, 4002)},
        {"org_code": "BKPP", "org_name": "Badan Kepegawaian", **counts(3, 3, 300, 300)},
    ]
    assert report_total(rows) == TOTAL


async def test_usage_per_host_ties_ordered_by_host(usage_days: asyncpg.Pool) -> None:
    rows = await usage_report(usage_days, DECEMBER_1, DECEMBER_3, "host", JAKARTA)
    assert rows == [
        {"host": "video.test", **counts(10, 0, 1000, 50000)},
        {"host": "news.test", **counts(11, 1, 1100, 11000)},
        {"host": "judi.test", **counts(3, 3, 300, 300)},
        {"host": "aaa.test", **counts(1, 0, 1, 1)},
        {"host": "old.test", **counts(1, 0, 1, 1)},
    ]
    assert report_total(rows) == TOTAL


async def test_usage_per_category_names_the_category_when_it_exists(usage_days: asyncpg.Pool) -> None:
    rows = await usage_report(usage_days, DECEMBER_1, DECEMBER_3, "category", JAKARTA)
    streaming = {"category": "streaming", "name_id": "Streaming video", "name_en": "Video streaming"}
    nothing = {"category": "", "name_id": "(tanpa kategori)", "name_en": "(no category)"}
    assert rows == [
        {**streaming, **counts(10, 0, 1000, 50000)},
        {**nothing, **counts(12, 1, 1101, 11001)},
        {"category": "judi", "name_id": "Perjudian", "name_en": "Gambling", **counts(3, 3, 300, 300)},
        {"category": "lama", "name_id": "", "name_en": "", **counts(1, 0, 1, 1)},  # no longer a category
    ]
    assert report_total(rows) == TOTAL


@pytest.mark.parametrize("by", list(GROUPINGS))
async def test_both_ends_of_the_range_are_included_and_nothing_beyond(
    usage_days: asyncpg.Pool, by: str
) -> None:
    first = await usage_report(usage_days, DECEMBER_1, DECEMBER_1, by, JAKARTA)
    last = await usage_report(usage_days, DECEMBER_3, DECEMBER_3, by, JAKARTA)
    assert report_total(first) == counts(10, 0, 1000, 50000)
    assert report_total(last) == counts(7, 1, 502, 5002)
    assert all(tuple(r) == report_columns(by) for r in first + last)
    assert await usage_report(usage_days, date(2026, 1, 1), date(2026, 11, 29), by, JAKARTA) == []


async def test_a_report_refuses_a_reversed_range_and_an_unknown_grouping(db: asyncpg.Pool) -> None:
    with pytest.raises(ValueError, match="after the last day"):
        await usage_report(db, DECEMBER_3, DECEMBER_1, "employee", JAKARTA)
    with pytest.raises(ValueError, match="cannot group a report by 'host; DROP TABLE usage_daily_totals'"):
        await usage_report(db, DECEMBER_1, DECEMBER_3, "host; DROP TABLE usage_daily_totals", JAKARTA)
