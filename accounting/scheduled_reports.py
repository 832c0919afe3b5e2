"""Scheduled reports: after each local day, week and month ends, the system generates the report of the whole
city and of each top-level OPD once, and keeps it (generated_reports) for the archive page."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from accounting.office_hours import OfficeHours
from accounting.usage_report import CITY, ReportPeriod, Subject, build_report, org_subject, report_period
from smedi.sql import load_queries

log = structlog.get_logger(__name__)
queries = load_queries("usage_report")
type Executor = asyncpg.Pool | asyncpg.Connection

SCHEDULED_PERIODS = ("day", "week", "month")
# The writer flushes every half second and a spooled batch can arrive later: wait a little past the end.
SETTLE = timedelta(minutes=5)
FIRST_RUN_SECONDS = 30.0  # after the portal starts: not in the way of its first requests
EVERY_SECONDS = 600.0


@dataclass(frozen=True)
class Generated:
    period: ReportPeriod
    subject: Subject
    created: bool  # False: it had been generated before


def last_complete(kind: str, now: datetime, tz: ZoneInfo) -> ReportPeriod:
    """The latest day, week or month that ended (with SETTLE to spare) before `now`."""
    local = (now - SETTLE).astimezone(tz).date()
    current = report_period(kind, local)
    return report_period(kind, current.first - timedelta(days=1))


async def subjects(db: Executor) -> list[Subject]:
    """The whole city, then each top-level OPD."""
    return [CITY, *[await org_subject(db, row["code"]) for row in await db.fetch(queries.top_level_orgs)]]


async def generate(
    db: Executor,
    period: ReportPeriod,
    tz: ZoneInfo,
    office_hours: OfficeHours,
    *,
    by: str = "system",
    progress: Callable[[int, int, Subject, bool], None] | None = None,
) -> list[Generated]:
    """The period's reports for the city and every top-level OPD; one already kept is not made again."""
    made = []
    everyone = await subjects(db)
    for n, subject in enumerate(everyone, 1):
        exists = await db.fetchval(queries.generated_exists, period.kind, period.first, subject.id)
        created = False
        if not exists:
            report = await build_report(db, subject, period, tz, office_hours)
            stored = await db.fetchval(
                queries.store_generated,
                period.kind,
                period.first,
                period.last,
                subject.id,
                json.dumps(report),
                by,
            )
            created = stored is not None  # another portal may have stored it meanwhile
        made.append(Generated(period, subject, created))
        if progress is not None:
            progress(n, len(everyone), subject, created)
    return made


async def generate_due(db: Executor, tz: ZoneInfo, office_hours: OfficeHours, now: datetime) -> int:
    """Generate what is due for the latest ended day, week and month; how many reports were made."""
    created = 0
    for kind in SCHEDULED_PERIODS:
        done = await generate(db, last_complete(kind, now, tz), tz, office_hours)
        created += sum(g.created for g in done)
    return created


async def run_schedule(db: asyncpg.Pool, tz: ZoneInfo, office_hours: OfficeHours) -> None:
    """The portal's background task: check every few minutes; a failure is logged and tried again."""
    await asyncio.sleep(FIRST_RUN_SECONDS)
    while True:
        try:
            created = await generate_due(db, tz, office_hours, datetime.now(UTC))
            if created:
                log.info("scheduled_reports_generated", reports=created)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("scheduled_reports_failed", error=str(exc) or type(exc).__name__)
        await asyncio.sleep(EVERY_SECONDS)


async def list_generated(db: Executor, orgs: frozenset[int] | None, limit: int) -> list[dict[str, Any]]:
    """The kept reports, newest first; for a user limited to OPDs, only those OPDs' (never the city's)."""
    rows = await db.fetch(queries.list_generated, sorted(orgs) if orgs is not None else None, limit)
    return [dict(r) for r in rows]


async def get_generated(db: Executor, report_id: int) -> dict[str, Any] | None:
    row = await db.fetchrow(queries.get_generated, report_id)
    return dict(row) if row is not None else None
