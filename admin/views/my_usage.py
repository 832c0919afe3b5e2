"""The page "Penggunaan saya": every signed-in employee's own usage today and this month, their quotas, their
blocked attempts, their exception requests and the privacy notice (what is kept, who sees it, how long,
their rights under UU 27/2022)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from accounting.reports import today
from admin import exceptions, own_usage, quotas
from admin.keys import DB, SETTINGS
from admin.pages import page
from admin.security import current_user

SHOWN_REQUESTS = 5  # exception requests on this page; /pengecualian/saya has them all


@page("my_usage/index.html")
async def my_usage(request: web.Request) -> dict[str, object]:
    db, settings = request.app[DB], request.app[SETTINGS]
    tz, me = settings.tz, current_user(request)
    day = today(tz)
    days = own_usage.month_days(day)
    month_days = await own_usage.days_use(db, me.id, days)
    return {
        "today": await own_usage.period_use(db, me.id, day, day, tz),
        "month": await own_usage.period_use(db, me.id, days[0], day, tz),
        "days": month_days,
        "max_day_bytes": max((d["bytes"] for d in month_days), default=0) or 1,
        "quota_uses": await quotas.quota_use_for_employee(db, me.id, datetime.now(UTC), tz),
        "blocked": await own_usage.blocked_attempts(db, me.id),
        "blocked_days": own_usage.BLOCKED_DAYS,
        "requests": (await exceptions.requests_of(db, me.id))[:SHOWN_REQUESTS],
        "retention_days": settings.retention_days,
        "rollup_retention_days": settings.rollup_retention_days,
        "tz": tz,
        "timezone": tz.key,
    }
