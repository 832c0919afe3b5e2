"""The page "Penggunaan saya": each employee sees their own usage (today, this month, per day, per
category, top hosts), quotas, blocked attempts, exception requests and the privacy notice; nobody else's;
all escaped."""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime

import asyncpg
import pytest

from accounting.records import UsageRecord
from accounting.reports import today
from accounting.writer import UsageWriter
from admin import exceptions, quotas
from admin.directory import add_employee
from admin.own_usage import month_days, per_day
from smedi.settings import Settings
from tests.admin.conftest import PASSWORD, NewClient, signed_in_client
from tests.usage_fixtures import write_usage

HOSTILE = "<script>alert(1)</script>.test"
REFERENCE = "B7C8D9E0"


def blocked_record(employee: int, org: int, host: str, reference: str | None = None) -> UsageRecord:
    return UsageRecord(
        datetime.now(UTC), employee, org, ipaddress.ip_address("198.18.1.2"), host, "https", "GET", 403,
        "block", "judi", "category:judi", 50, 700, 0, 0, 1, reference,
    )  # fmt: skip


@pytest.fixture
async def usage(db: asyncpg.Pool, users: dict[str, int], settings: Settings) -> dict[str, int]:
    """pegawai: two hosts today and a blocked attempt at a hostile host; budi (same OPD): his own."""
    org = await db.fetchval("SELECT id FROM org_units WHERE code = 'DISKOMINFO'")
    ids = {**users, "budi": await add_employee(db, "budi", PASSWORD, org="DISKOMINFO")}
    day = today(settings.tz)
    await write_usage(db, [
        (day, ids["pegawai"], org, "kerja.go.id", "pemerintahan", 4, 0, 1_000, 50_000),
        (day, ids["pegawai"], org, "video.test", "streaming", 2, 0, 500, 200_000),
        (day, ids["budi"], org, "rahasia-budi.test", "", 9, 0, 9, 9_999_999),
    ], settings.tz)  # fmt: skip
    writer = UsageWriter(db, settings.tz)
    writer.submit(blocked_record(ids["pegawai"], org, HOSTILE, REFERENCE))
    writer.submit(blocked_record(ids["budi"], org, "blokir-budi.test"))
    assert await writer.flush()
    async with db.acquire() as conn:
        await exceptions.submit(conn, ids["pegawai"], "pegawai", REFERENCE, "untuk pekerjaan", None)
        await quotas.add_quota(conn, quotas.QuotaSpec("employee", "day", "1M", employee="pegawai"), "admin")
    return ids


def cells(html: str, section: str) -> str:
    found = re.search(rf'<section class="card" id="{section}">(.*?)</section>', html, re.S)
    assert found, section
    return found.group(1)


async def test_the_employee_sees_their_own_usage_only(new_client: NewClient, usage: dict[str, int]) -> None:
    client = await signed_in_client(new_client, "pegawai")
    response = await client.get("/penggunaan/saya")
    html = await response.text()
    assert response.status == 200, html
    today_part = cells(html, "today")
    assert 'data-bytes="250700"' in today_part  # bytes down: 50,000 + 200,000 + 700 (the blocked attempt)
    assert 'data-bytes="1550"' in today_part  # bytes up: 1,000 + 500 + 50
    assert "kerja.go.id" in today_part and "video.test" in today_part
    assert "Streaming" in today_part or "streaming" in today_part
    assert "rahasia-budi" not in html and "blokir-budi" not in html  # budi's use is budi's


async def test_the_month_chart_has_a_bar_for_every_day(
    new_client: NewClient, usage: dict[str, int], settings: Settings
) -> None:
    client = await signed_in_client(new_client, "pegawai")
    month = cells(await (await client.get("/penggunaan/saya")).text(), "month")
    bars = dict(re.findall(r'<g data-day="([0-9-]+)" data-bytes="([0-9]+)">', month))
    days = month_days(today(settings.tz))
    assert list(bars) == [d.isoformat() for d in days]
    assert bars[today(settings.tz).isoformat()] == str(1_550 + 250_700)
    assert sum(int(v) for v in bars.values()) == 1_550 + 250_700


async def test_blocked_attempts_quota_and_requests_are_shown_escaped(
    new_client: NewClient, usage: dict[str, int]
) -> None:
    client = await signed_in_client(new_client, "pegawai")
    html = await (await client.get("/penggunaan/saya")).text()
    assert "<script>alert(1)</script>" not in html
    blocked = cells(html, "blocked")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.test" in blocked and REFERENCE in blocked
    assert "&lt;script&gt;" in cells(html, "requests") and 'href="/pengecualian/saya"' in html
    assert "Menunggu" in cells(html, "requests")
    quota = cells(html, "quotas")
    assert "Kuota Anda" in quota and 'data-bytes="252250"' in quota


async def test_the_privacy_notice_in_indonesian_and_english(
    new_client: NewClient, usage: dict[str, int], settings: Settings
) -> None:
    client = await signed_in_client(new_client, "budi")
    indonesian = cells(await (await client.get("/penggunaan/saya")).text(), "privacy")
    assert "Undang-Undang Nomor 27 Tahun 2022" in indonesian
    assert f"disimpan {settings.retention_days} hari" in indonesian
    assert f"disimpan {settings.rollup_retention_days} hari" in indonesian
    assert "Inspektorat" in indonesian
    client.session.cookie_jar.update_cookies({"lang": "en"})
    english = await (await client.get("/penggunaan/saya")).text()
    notice = cells(english, "privacy")
    assert "Law No. 27 of 2022 on Personal Data Protection" in notice
    assert f"kept for {settings.retention_days} days" in notice
    assert "No blocked attempts" not in english  # budi has one
    assert "blokir-budi.test" in cells(english, "blocked")


async def test_an_employee_without_usage_sees_an_empty_page(
    new_client: NewClient, users: dict[str, int]
) -> None:
    client = await signed_in_client(new_client, "hr")
    html = await (await client.get("/penggunaan/saya")).text()
    assert "Belum ada penggunaan tercatat pada hari ini." in html
    assert "Tidak ada upaya yang diblokir dalam 30 hari terakhir." in html
    assert "Tidak ada kuota yang berlaku untuk Anda." in html


async def test_signing_in_is_needed(new_client: NewClient, users: dict[str, int]) -> None:
    client = await new_client()
    response = await client.get("/penggunaan/saya", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/masuk?next=")


def test_per_day_fills_the_days_without_use() -> None:
    days = month_days(datetime(2024, 2, 10).date())
    assert len(days) == 29 and days[0].day == 1 and days[-1].day == 29  # a leap year's February
    row = {"day": days[3], "requests": 2, "blocked": 1, "bytes_up": 5, "bytes_down": 7}
    filled = per_day(days, [row])
    assert filled[3]["bytes"] == 12 and filled[3]["requests"] == 2
    assert all(d["bytes"] == 0 for i, d in enumerate(filled) if i != 3)
