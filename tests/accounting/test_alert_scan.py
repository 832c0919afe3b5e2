"""The alert scan on a real PostgreSQL, with usage written through the real writer: findings stored once
however often the scan runs; the webhook posts them to a real local server, signed and retried."""

from __future__ import annotations

import ipaddress
import json
import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpServer

from accounting.alert_scan import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ScanResult,
    Webhook,
    deliver_pending,
    parse_since,
    scan_alerts,
    signature,
    verify_signature,
)
from accounting.anomaly import MB
from accounting.records import UsageRecord
from accounting.writer import UsageWriter
from admin.directory import add_employee, add_org
from smedi.settings import SettingsError, load_settings
from tests.smedi.test_cli import smedi

JAKARTA = ZoneInfo("Asia/Jakarta")
MONDAY = datetime(2026, 3, 2, tzinfo=JAKARTA).astimezone(UTC)
SPIKE = MONDAY + timedelta(days=30, hours=10)  # Wednesday of the fifth week, 10:00 local
SECRET = "rahasia-webhook-uji"


def record(ts: datetime, employee: int, org: int, host: str, up: int, down: int) -> UsageRecord:
    return UsageRecord(
        ts, employee, org, ipaddress.ip_address("198.18.0.7"), host, "https", "GET", 200, "allow",
        "pemerintahan", "", up, down, 0, 0, 5,
    )  # fmt: skip


@pytest.fixture
async def employee(db: asyncpg.Pool) -> tuple[int, int]:
    org = await add_org(db, "BAPPEDA", "Badan Perencanaan Pembangunan Daerah")
    return await add_employee(db, "sari", "kata-sandi-uji-1", org="BAPPEDA", full_name="Sari"), org


@pytest.fixture
async def spike_in_usage(db: asyncpg.Pool, employee: tuple[int, int]) -> int:
    """Five weeks of office hours (about 40 MB an hour) and a 2 GB hour on the fifth Wednesday."""
    employee_id, org = employee
    writer = UsageWriter(db, JAKARTA)
    for day in range(35):
        if day % 7 >= 5:
            continue
        for hour in range(7, 16):
            ts = MONDAY + timedelta(days=day, hours=hour, minutes=10)
            for i in range(3):
                writer.submit(
                    record(ts, employee_id, org, f"kerja-{i}.go.id", MB // 5, (10 + day % 5 + i) * MB)
                )
    writer.submit(
        record(SPIKE + timedelta(minutes=20), employee_id, org, "<b>unduh</b>.example", MB, 2048 * MB)
    )
    assert await writer.flush()
    return employee_id


async def test_the_scan_stores_a_finding_once_however_often_it_runs(
    db: asyncpg.Pool, spike_in_usage: int
) -> None:
    since, now = MONDAY + timedelta(days=28), MONDAY + timedelta(days=35)
    progress: list[ScanResult] = []
    first = await scan_alerts(db, JAKARTA, since=since, now=now, progress=progress.append)
    assert len(first.new_alerts) == 1
    assert len(progress) == 8  # a day of windows at a time, and the hour `now` falls in
    assert first.window_start == since and first.window_end == now + timedelta(hours=1)
    row = await db.fetchrow("SELECT * FROM alerts")
    assert (row["detector"], row["employee_id"], row["status"]) == ("volume_spike", spike_in_usage, "new")
    assert row["window_start"] == SPIKE and row["org_unit_id"] is not None
    evidence = json.loads(row["evidence"])
    assert evidence["top_hosts"][0]["host"] == "<b>unduh</b>.example"  # stored as it came: escaped on pages
    again = await scan_alerts(db, JAKARTA, since=since, now=now)
    assert again.findings == 1 and again.new_alerts == []
    assert await db.fetchval("SELECT count(*) FROM alerts") == 1


async def test_the_default_scan_looks_at_the_last_hours_only(db: asyncpg.Pool, spike_in_usage: int) -> None:
    before = await scan_alerts(db, JAKARTA, now=SPIKE - timedelta(hours=1))
    assert before.new_alerts == []
    during = await scan_alerts(db, JAKARTA, now=SPIKE + timedelta(minutes=30))
    assert len(during.new_alerts) == 1
    assert during.window_end - during.window_start == timedelta(hours=3)


def test_a_signature_verifies_once_and_only_while_fresh() -> None:
    body = b'{"id":1}'
    header = signature(SECRET, "1700000000", body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify_signature(SECRET, "1700000000", body, header, now=1700000010)
    assert not verify_signature(SECRET, "1700000000", body + b" ", header, now=1700000010)
    assert not verify_signature("another", "1700000000", body, header, now=1700000010)
    assert not verify_signature(SECRET, "1700000000", body, header, now=1700000000 + 3600)  # a replay


async def test_the_webhook_posts_new_alerts_signed_and_retries_a_failed_delivery(
    db: asyncpg.Pool, spike_in_usage: int, aiohttp_server: AiohttpServer
) -> None:
    received: list[tuple[dict[str, str], bytes]] = []
    answers = [503]  # the receiver is down once, then takes deliveries

    async def receive(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        return web.Response(status=answers.pop(0) if answers else 204)

    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    server = await aiohttp_server(receiver)
    webhook = Webhook(str(server.make_url("/hook")), SECRET)
    assert SECRET not in repr(webhook)
    await scan_alerts(db, JAKARTA, since=MONDAY + timedelta(days=28), now=MONDAY + timedelta(days=35))

    async with aiohttp.ClientSession() as session:
        assert await deliver_pending(db, session, webhook, "http://portal.test") == (0, 1)
        assert await deliver_pending(db, session, webhook, "http://portal.test") == (1, 0)
        assert await deliver_pending(db, session, webhook, "http://portal.test") == (0, 0)  # sent once

    assert len(received) == 2
    headers, body = received[-1]
    assert verify_signature(SECRET, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    payload = json.loads(body)
    alert_id = await db.fetchval("SELECT id FROM alerts")
    assert payload["id"] == alert_id and payload["detector"] == "volume_spike"
    assert payload["employee"] == "sari" and payload["org"] == "BAPPEDA"
    assert payload["url"] == f"http://portal.test/peringatan/lihat?id={alert_id}"
    assert payload["evidence"]["top_hosts"][0]["host"] == "<b>unduh</b>.example"
    row = await db.fetchrow("SELECT webhook_sent_at, webhook_attempts FROM alerts")
    assert row["webhook_sent_at"] is not None and row["webhook_attempts"] == 2


async def test_an_unreachable_webhook_never_holds_up_the_scan(db: asyncpg.Pool, spike_in_usage: int) -> None:
    webhook = Webhook("http://127.0.0.1:9/hook", SECRET)  # discard port: nothing listens
    result = await scan_alerts(
        db, JAKARTA, since=MONDAY + timedelta(days=28), now=MONDAY + timedelta(days=35)
    )
    assert len(result.new_alerts) == 1  # stored before and apart from any delivery
    async with aiohttp.ClientSession() as session:
        assert await deliver_pending(db, session, webhook, "http://portal.test") == (0, 1)
    assert await db.fetchval("SELECT webhook_attempts FROM alerts") == 1


def test_the_webhook_settings_need_the_secret_and_never_show_it() -> None:
    with pytest.raises(SettingsError, match="SMEDI_ALERT_WEBHOOK_SECRET"):
        load_settings({"SMEDI_ALERT_WEBHOOK_URL": "https://siem.example/hook"})
    settings = load_settings(
        {"SMEDI_ALERT_WEBHOOK_URL": "https://siem.example/hook/", "SMEDI_ALERT_WEBHOOK_SECRET": SECRET}
    )
    assert (
        settings.alert_webhook_url == "https://siem.example/hook" and settings.alert_webhook_secret == SECRET
    )
    assert SECRET not in repr(settings)


def test_since_is_a_duration_back_or_a_local_moment() -> None:
    now = datetime(2026, 4, 6, 5, tzinfo=UTC)
    assert parse_since("6h", now, JAKARTA) == now - timedelta(hours=6)
    assert parse_since("2026-04-01", now, JAKARTA) == datetime(2026, 4, 1, tzinfo=JAKARTA)
    for wrong in ("yesterday", "0h", "400d", "2025-01-01", "2027-01-01"):
        with pytest.raises(ValueError, match="--since"):
            parse_since(wrong, now, JAKARTA)


def test_the_command_prints_a_progress_line_and_a_summary(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    done = smedi("alerts", "scan", "--since", "2d", env=env)
    assert done.returncode == 0, done.stderr
    assert "0 findings, 0 new alerts" in done.stdout.splitlines()[-1]
    assert done.stderr.count("scanned from ") == 3  # a line a day of windows: two days back, then this hour's
    refused = smedi("alerts", "scan", "--since", "kemarin", env=env)
    assert refused.returncode == 2 and "smedi alerts: --since: expected" in refused.stderr


async def test_hosts_of_the_baseline_weeks_are_known_and_a_burst_of_new_ones_is_not(
    db: asyncpg.Pool, employee: tuple[int, int], spike_in_usage: int
) -> None:
    employee_id, org = employee
    burst = SPIKE + timedelta(hours=2, minutes=5)
    writer = UsageWriter(db, JAKARTA)
    for i in range(60):
        writer.submit(record(burst, employee_id, org, f"{i:06x}.acak.example", 800, 1600))
    writer.submit(record(burst, employee_id, org, "kerja-0.go.id", 800, 1600))  # known from before
    assert await writer.flush()
    result = await scan_alerts(db, JAKARTA, since=burst, now=burst)  # the burst's hour only
    assert len(result.new_alerts) == 1
    row = await db.fetchrow("SELECT detector, evidence FROM alerts WHERE id = $1", result.new_alerts[0])
    evidence = json.loads(row["evidence"])
    assert row["detector"] == "new_domains" and evidence["value"] == 60
    assert evidence["hosts"] == 63  # and the three known ones of that office hour
    assert evidence["known_hosts"] == 4  # kerja-0, -1, -2 and the spike's host, from the baseline weeks
