"""The alert scan: the hourly rollup of the last hours and the baseline weeks before them through the
detectors (accounting/anomaly.py), each finding stored once as an alert; and the optional webhook that
posts new alerts, signed, retried, never holding up a scan."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import structlog

from accounting.anomaly import BASELINE_WEEKS, HOUR, Calendar, Finding, HourlyUse, scan
from accounting.office_hours import DEFAULT_OFFICE_HOURS, OfficeHours
from smedi.sql import load_queries

log = structlog.get_logger(__name__)
queries = load_queries("alerts")
type Executor = asyncpg.Pool | asyncpg.Connection

# The scan looks at the current hour and the two before it: an hour is scanned again while its traffic
# still arrives (a late batch, a proxy's spool replayed), and an alert already stored is not stored twice.
RECENT_HOURS = 3
CHUNK = timedelta(days=1)  # a scan over a long --since reads its baseline a day of windows at a time
SCAN_EVERY = timedelta(minutes=5)
MAX_SINCE = timedelta(days=92)  # a scan further back reads rollups older than anyone acts on
# Webhook: each attempt waits at most this long; a receiver that failed is tried again on the next rounds
# (every WEBHOOK_EVERY) up to WEBHOOK_ATTEMPTS times, then given up (logged; the alert stays on the page).
WEBHOOK_TIMEOUT = 5.0
WEBHOOK_EVERY = timedelta(seconds=30)
WEBHOOK_ATTEMPTS = 10
WEBHOOK_BATCH = 50
SIGNATURE_HEADER = "X-Smedi-Signature"
TIMESTAMP_HEADER = "X-Smedi-Timestamp"  # signed with the body: a replayed request is older than allowed
SIGNATURE_MAX_AGE = 300  # seconds a receiver should accept a timestamp for


@dataclass(frozen=True)
class ScanResult:
    window_start: datetime
    window_end: datetime
    employees: int = 0
    findings: int = 0
    new_alerts: list[int] = field(default_factory=list)


def hour_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


async def calendar(db: Executor, tz: ZoneInfo, office: OfficeHours = DEFAULT_OFFICE_HOURS) -> Calendar:
    holidays = frozenset(r["day"] for r in await db.fetch(queries.holidays))
    return Calendar(tz, office, holidays)


async def store_findings(db: Executor, findings: list[Finding]) -> list[int]:
    """Insert each finding as an alert; returns the ids of the ones that were new."""
    new = []
    for f in findings:
        alert_id = await db.fetchval(
            queries.alert_insert, f.detector, f.employee_id, f.severity, f.window_start, f.window_end,
            json.dumps(f.evidence),
        )  # fmt: skip
        if alert_id is not None:
            new.append(alert_id)
    return new


async def scan_window(
    db: Executor, cal: Calendar, window_start: datetime, window_end: datetime, weeks: int = BASELINE_WEEKS
) -> ScanResult:
    baseline_start = window_start - timedelta(weeks=weeks)
    bounds = (baseline_start, window_start, window_end)
    rows = [HourlyUse(**dict(r)) for r in await db.fetch(queries.hourly_for_scan, *bounds)]
    known = {
        r["employee_id"]: frozenset(r["hosts"]) for r in await db.fetch(queries.known_hosts_for_scan, *bounds)
    }
    # Pure CPU (seconds for a city): in a thread, so the portal keeps answering while it runs.
    findings = await asyncio.to_thread(scan, rows, window_start, window_end, cal, weeks, known)
    new = await store_findings(db, findings)
    employees = len({r.employee_id for r in rows})
    return ScanResult(window_start, window_end, employees, len(findings), new)


def parse_since(raw: str, now: datetime, tz: ZoneInfo) -> datetime:
    """`--since`: a duration back from now (`6h`, `7d`, at most MAX_SINCE) or a local date or time
    (`2026-03-01`, `2026-03-01T08:00`); ValueError saying what was expected."""
    text = raw.strip().lower()
    units = {"h": 3600, "d": 86400}
    if text[-1:] in units and text[:-1].isascii() and text[:-1].isdecimal():
        back = timedelta(seconds=int(text[:-1]) * units[text[-1]])
        if not timedelta(0) < back <= MAX_SINCE:
            raise ValueError(f"--since: from 1h to {MAX_SINCE.days}d back, got {raw!r}")
        return now - back
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since: expected 6h, 7d, 2026-03-01 or 2026-03-01T08:00, got {raw!r}") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=tz)
    if not now - MAX_SINCE <= moment <= now:
        raise ValueError(f"--since: within the last {MAX_SINCE.days} days, got {raw!r}")
    return moment


async def scan_alerts(
    db: Executor,
    tz: ZoneInfo,
    *,
    office: OfficeHours = DEFAULT_OFFICE_HOURS,
    since: datetime | None = None,
    now: datetime | None = None,
    progress: Callable[[ScanResult], None] | None = None,
) -> ScanResult:
    """Scan from `since` (default: the last RECENT_HOURS hours) to the end of the current hour."""
    end = hour_floor(now or datetime.now(UTC)) + HOUR
    start = hour_floor(since) if since is not None else end - RECENT_HOURS * HOUR
    cal = await calendar(db, tz, office)
    total = ScanResult(start, end)
    chunk_start = start
    while chunk_start < end:
        chunk_end = min(chunk_start + CHUNK, end)
        part = await scan_window(db, cal, chunk_start, chunk_end)
        total = ScanResult(
            start, end, max(total.employees, part.employees), total.findings + part.findings,
            total.new_alerts + part.new_alerts,
        )  # fmt: skip
        if progress is not None:
            progress(part)
        chunk_start = chunk_end
    log.info("alert_scan_done", start=start.isoformat(), end=end.isoformat(), findings=total.findings,
             new_alerts=len(total.new_alerts))  # fmt: skip
    return total


# -- the webhook


@dataclass(frozen=True)
class Webhook:
    url: str
    secret: str = field(repr=False)  # never logged


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over `timestamp.body` under the secret, as `sha256=<hex>`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify_signature(secret: str, timestamp: str, body: bytes, header: str, now: float | None = None) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent (no replays)."""
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > SIGNATURE_MAX_AGE:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def alert_payload(row: asyncpg.Record | dict[str, Any], portal_url: str) -> dict[str, Any]:
    return {
        "id": row["id"], "detector": row["detector"], "severity": row["severity"], "status": row["status"],
        "employee": row["username"], "org": row["org_code"],
        "window_start": row["window_start"].isoformat(), "window_end": row["window_end"].isoformat(),
        "created_at": row["created_at"].isoformat(), "evidence": json.loads(row["evidence"]),
        "url": f"{portal_url}/peringatan/lihat?id={row['id']}",
    }  # fmt: skip


async def post_alert(session: aiohttp.ClientSession, webhook: Webhook, payload: dict[str, Any]) -> bool:
    body = json.dumps(payload, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(webhook.secret, timestamp, body),
    }  # fmt: skip
    try:
        async with session.post(
            webhook.url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT)
        ) as response:
            if 200 <= response.status < 300:
                return True
            log.warning("alert_webhook_refused", alert=payload["id"], status=response.status)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        log.warning("alert_webhook_failed", alert=payload["id"], error=str(exc) or type(exc).__name__)
    return False


async def deliver_pending(
    db: Executor, session: aiohttp.ClientSession, webhook: Webhook, portal_url: str
) -> tuple[int, int]:
    """Post every alert not delivered yet; (delivered, failed) this round."""
    delivered = failed = 0
    for row in await db.fetch(queries.webhook_pending, WEBHOOK_ATTEMPTS, WEBHOOK_BATCH):
        taken = await post_alert(session, webhook, alert_payload(row, portal_url))
        await db.execute(queries.webhook_attempted, row["id"], taken)
        delivered += taken
        failed += not taken
    return delivered, failed


async def run_scans(db: asyncpg.Pool, tz: ZoneInfo, office: OfficeHours, wake: asyncio.Event) -> None:
    """The portal's background scan: every SCAN_EVERY; a scan that fails is logged and tried again."""
    while True:
        try:
            result = await scan_alerts(db, tz, office=office)
            if result.new_alerts:
                wake.set()  # the webhook posts them now, not at its next round
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("alert_scan_failed", error=str(exc) or type(exc).__name__)
        await asyncio.sleep(SCAN_EVERY.total_seconds())


async def run_webhook(db: asyncpg.Pool, webhook: Webhook, portal_url: str, wake: asyncio.Event) -> None:
    """Deliver new alerts: when the scan found some, and every WEBHOOK_EVERY for retries."""
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                await deliver_pending(db, session, webhook, portal_url)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("alert_webhook_round_failed", error=str(exc) or type(exc).__name__)
            wake.clear()
            try:
                await asyncio.wait_for(wake.wait(), WEBHOOK_EVERY.total_seconds())
            except TimeoutError:
                pass
