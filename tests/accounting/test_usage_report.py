"""The periodic usage report on usage written through the real writer: known answers, period edges in
SMEDI_TZ, office hours, active time and quota events."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from accounting.office_hours import DEFAULT_OFFICE_HOURS, parse_office_hours
from accounting.records import UsageRecord
from accounting.usage_report import (
    CITY,
    ReportError,
    build_report,
    employee_subject,
    org_subject,
    report_period,
)
from accounting.writer import UsageWriter
from admin import quotas
from admin.directory import add_employee, add_org
from smedi.sql import load_queries
from tests.usage_fixtures import JAKARTA, records

TUESDAY = date(2026, 12, 1)  # a Tuesday


def at(day: date, hour: int, minute: int, record: UsageRecord, second: int = 0) -> UsageRecord:
    return record._replace(ts=datetime.combine(day, time(hour, minute, second), JAKARTA).astimezone(UTC))


async def write(db: asyncpg.Pool, made: list[UsageRecord], tz: ZoneInfo = JAKARTA) -> None:
    writer = UsageWriter(db, tz)
    for record in made:
        writer.submit(record)
    assert await writer.flush()


@pytest.fixture
async def city(db: asyncpg.Pool) -> dict[str, int]:
    """An OPD with a sub-unit and another OPD, one employee in each."""
    ids = {
        "DINKES": await add_org(db, "DINKES", "Dinas Kesehatan"),
        "PKM-1": await add_org(db, "PKM-1", "Puskesmas Satu", parent="DINKES"),
        "DISDIK": await add_org(db, "DISDIK", "Dinas Pendidikan"),
    }
    ids["ani"] = await add_employee(db, "ani", "kata-sandi-1", org="DINKES")
    ids["budi"] = await add_employee(db, "budi", "kata-sandi-1", org="PKM-1")
    ids["cici"] = await add_employee(db, "cici", "kata-sandi-1", org="DISDIK")
    return ids


def one(
    employee: int, org: int, host: str, category: str = "", up: int = 100, down: int = 1000
) -> UsageRecord:
    return records((TUESDAY, employee, org, host, category, 1, 0, up, down))[0]


async def test_an_employees_day_office_hours_active_time_and_hosts(
    db: asyncpg.Pool, city: dict[str, int]
) -> None:
    ani, dinkes = city["ani"], city["DINKES"]
    await write(
        db,
        [
            at(TUESDAY, 9, 0, one(ani, dinkes, "kantor.go.id", "pemerintahan", 10, 1000)),
            at(TUESDAY, 9, 2, one(ani, dinkes, "kantor.go.id", "pemerintahan", 10, 1000)),  # same slot
            at(TUESDAY, 9, 7, one(ani, dinkes, "berita.test", "", 5, 500)),  # next slot
            at(TUESDAY, 7, 25, one(ani, dinkes, "pagi.test", "", 1, 7)),  # before 07:30: after hours
            at(TUESDAY, 20, 0, one(ani, dinkes, "video.test", "streaming", 50, 9000)),
            at(TUESDAY, 20, 1, one(ani, dinkes, "judi.test", "judi")._replace(decision="block")),
            at(TUESDAY, 21, 0, one(ani, dinkes, "video.test", "streaming", 0, 0)._replace(decision="quota")),
            at(TUESDAY, 9, 0, one(city["budi"], city["PKM-1"], "lain.test")),  # someone else
        ],
    )
    subject = await employee_subject(db, "ani")
    report = await build_report(db, subject, report_period("day", TUESDAY), JAKARTA, DEFAULT_OFFICE_HOURS)

    assert report["subject"] == {"kind": "employee", "key": "ani", "name": "", "org_code": "DINKES"}
    assert report["period"] == {
        "kind": "day", "first": "2026-12-01", "last": "2026-12-01", "days": 1, "timezone": "Asia/Jakarta",
    }  # fmt: skip
    totals = report["totals"]
    assert (totals["requests"], totals["blocked"], totals["employees"]) == (7, 2, 1)
    assert (totals["bytes_up"], totals["bytes_down"]) == (10 + 10 + 5 + 1 + 50 + 100, 2500 + 7 + 9000 + 1000)
    # slots with traffic: 09:00, 09:05, 07:25, 20:00, 21:00 → 5 × 5 minutes
    assert totals["active_minutes"] == 25
    office, after = report["office"]["office"], report["office"]["after"]
    assert (office["requests"], office["bytes_down"], office["active_minutes"]) == (3, 2500, 10)
    assert (after["requests"], after["bytes_down"], after["active_minutes"]) == (4, 7 + 9000 + 1000, 15)
    assert report["quota"]["refused"] == 1
    assert report["trend"]["unit"] == "hour" and len(report["trend"]["points"]) == 24
    assert report["trend"]["points"][9]["bytes_down"] == 2500
    assert report["trend"]["points"][20]["requests"] == 2
    assert [h["host"] for h in report["hosts"]][:2] == ["video.test", "kantor.go.id"]
    assert "lain.test" not in {h["host"] for h in report["hosts"]}
    assert report["categories"][0]["category"] == "streaming"
    assert report["orgs"] == []


async def test_an_opd_report_holds_its_sub_units_and_not_the_others(
    db: asyncpg.Pool, city: dict[str, int]
) -> None:
    await write(
        db,
        [
            at(TUESDAY, 10, 0, one(city["ani"], city["DINKES"], "a.test", down=100)),
            at(TUESDAY, 10, 0, one(city["budi"], city["PKM-1"], "b.test", down=200)),
            at(TUESDAY, 10, 0, one(city["cici"], city["DISDIK"], "c.test", down=400)),
        ],
    )
    period = report_period("week", TUESDAY)
    assert (period.first, period.last) == (date(2026, 11, 30), date(2026, 12, 6))
    report = await build_report(db, await org_subject(db, "DINKES"), period, JAKARTA, DEFAULT_OFFICE_HOURS)
    assert report["totals"]["bytes_down"] == 300 and report["totals"]["employees"] == 2
    assert report["totals"]["active_minutes"] == 10  # two employees, one slot each
    assert sorted(h["host"] for h in report["hosts"]) == ["a.test", "b.test"]
    assert [(o["code"], o["depth"], o["bytes_down"]) for o in report["orgs"]] == [
        ("DINKES", 0, 100), ("PKM-1", 1, 200),
    ]  # fmt: skip
    assert report["trend"]["unit"] == "day" and len(report["trend"]["points"]) == 7
    assert report["trend"]["points"][1]["label"] == "2026-12-01"
    assert report["trend"]["points"][1]["bytes_down"] == 300

    whole = await build_report(db, CITY, period, JAKARTA, DEFAULT_OFFICE_HOURS)
    assert whole["totals"]["bytes_down"] == 700
    assert [o["code"] for o in whole["orgs"]] == ["DINKES", "PKM-1", "DISDIK"]


async def test_the_month_ends_at_local_midnight(db: asyncpg.Pool, city: dict[str, int]) -> None:
    ani, org = city["ani"], city["DINKES"]
    last_of_november = date(2026, 11, 30)
    await write(
        db,
        [
            at(last_of_november, 23, 59, one(ani, org, "akhir.test", down=1), second=30),
            at(TUESDAY, 0, 0, one(ani, org, "awal.test", down=2), second=10),  # 17:00:10 UTC on Nov 30
        ],
    )
    subject = await employee_subject(db, "ani")
    november = await build_report(
        db, subject, report_period("month", last_of_november), JAKARTA, DEFAULT_OFFICE_HOURS
    )
    december = await build_report(db, subject, report_period("month", TUESDAY), JAKARTA, DEFAULT_OFFICE_HOURS)
    assert november["totals"]["bytes_down"] == 1 and [h["host"] for h in november["hosts"]] == ["akhir.test"]
    assert december["totals"]["bytes_down"] == 2 and [h["host"] for h in december["hosts"]] == ["awal.test"]
    assert len(november["trend"]["points"]) == 30 and len(december["trend"]["points"]) == 31
    assert november["trend"]["points"][-1]["active_minutes"] == 5


async def test_a_range_and_another_time_zone(db: asyncpg.Pool, city: dict[str, int]) -> None:
    utc = ZoneInfo("UTC")
    record = one(city["ani"], city["DINKES"], "x.test", down=5)._replace(
        ts=datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    )
    await write(db, [record], tz=utc)
    subject = await employee_subject(db, "ani")
    period = report_period("range", date(2026, 12, 2), date(2026, 12, 2))
    report = await build_report(db, subject, period, utc, DEFAULT_OFFICE_HOURS)
    assert report["totals"]["bytes_down"] == 5
    assert report["trend"]["points"][23]["bytes_down"] == 5
    assert report["office"]["after"]["bytes_down"] == 5


async def test_quota_notices_are_counted(db: asyncpg.Pool, city: dict[str, int]) -> None:
    async with db.acquire() as conn:
        quota = await quotas.add_quota(
            conn, quotas.QuotaSpec(scope="employee", period="day", limit="1G", employee="ani"), "admin"
        )
    today = datetime.now(JAKARTA).date()
    await db.execute(load_queries("quota_use").claim_notice, quota, city["ani"], today)
    subject = await employee_subject(db, "ani")
    report = await build_report(db, subject, report_period("day", today), JAKARTA, DEFAULT_OFFICE_HOURS)
    assert report["quota"]["notices"] == 1
    assert report["quota"]["by_quota"] == [
        {"quota_id": quota, "scope": "employee", "period": "day", "limit_bytes": 1024**3, "notices": 1}
    ]
    other = await build_report(
        db, await org_subject(db, "DISDIK"), report_period("day", today), JAKARTA, DEFAULT_OFFICE_HOURS
    )
    assert other["quota"]["notices"] == 0


async def test_unknown_subjects_and_bad_periods_are_refused(db: asyncpg.Pool) -> None:
    with pytest.raises(ReportError, match="unknown employee"):
        await employee_subject(db, "tidak-ada")
    with pytest.raises(ReportError, match="unknown OPD"):
        await org_subject(db, "TIDAK-ADA")
    with pytest.raises(ReportError, match="unknown period"):
        report_period("year", TUESDAY)
    with pytest.raises(ReportError, match="on or after"):
        report_period("range", TUESDAY, TUESDAY - timedelta(days=1))
    with pytest.raises(ReportError, match="at most"):
        report_period("range", TUESDAY, TUESDAY + timedelta(days=400))


def test_office_hours_setting() -> None:
    hours = parse_office_hours("Mon-Thu 07:30-16:00; Fri 07:30-11:30")
    assert str(hours) == "Mon-Thu 07:30-16:00; Fri 07:30-11:30"
    assert hours.is_office_slot(1, 7 * 12 + 6)  # Monday 07:30
    assert not hours.is_office_slot(1, 7 * 12 + 5)  # Monday 07:25
    assert not hours.is_office_slot(1, 16 * 12)  # Monday 16:00
    assert not hours.is_office_slot(5, 11 * 12 + 6)  # Friday 11:30
    assert not hours.is_office_slot(6, 10 * 12)  # Saturday
    for bad in (
        "Mon-Fri 7-16",
        "Fri-Mon 07:30-16:00",
        "Mon 16:00-07:30",
        "Xyz 07:30-16:00",
        "Mon 07:31-16:00",
    ):
        with pytest.raises(ValueError):
            parse_office_hours(bad)


async def test_a_slot_written_in_two_batches_counts_once_for_the_opd(
    db: asyncpg.Pool, city: dict[str, int]
) -> None:
    ani, org = city["ani"], city["DINKES"]
    await write(db, [at(TUESDAY, 10, 1, one(ani, org, "a.test", down=1))])
    await write(db, [at(TUESDAY, 10, 3, one(ani, org, "b.test", down=2))])  # the same 5 minutes, later batch
    await write(db, [at(TUESDAY, 10, 6, one(city["budi"], city["PKM-1"], "c.test", down=4))])
    period = report_period("day", TUESDAY)
    opd = await build_report(db, await org_subject(db, "DINKES"), period, JAKARTA, DEFAULT_OFFICE_HOURS)
    assert opd["totals"]["active_minutes"] == 10  # ani's 10:00 slot once, budi's 10:05 slot
    assert opd["office"]["office"]["bytes_down"] == 7
    assert opd["trend"]["points"][10]["active_minutes"] == 10
    alone = await build_report(db, await employee_subject(db, "ani"), period, JAKARTA, DEFAULT_OFFICE_HOURS)
    assert alone["totals"]["active_minutes"] == 5
