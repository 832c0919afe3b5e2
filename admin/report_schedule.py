"""The portal's background task that generates the scheduled reports (accounting/scheduled_reports.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from accounting.scheduled_reports import run_schedule
from admin.keys import DB, SETTINGS


async def scheduled_reports(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the task runs while the portal does, and is cancelled and awaited when it stops."""
    settings = app[SETTINGS]
    task = asyncio.create_task(
        run_schedule(app[DB], settings.tz, settings.office_hours), name="scheduled_reports"
    )
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
