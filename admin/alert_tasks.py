"""The portal's alert tasks (cleanup_ctx): the anomaly scan every few minutes and, when
SMEDI_ALERT_WEBHOOK_URL is set, the webhook that posts new alerts; cancelled and awaited at shutdown."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from aiohttp import web
from yarl import URL

from accounting.alert_scan import Webhook, run_scans, run_webhook
from admin.keys import DB, SETTINGS

log = structlog.get_logger(__name__)
FIRST_SCAN_DELAY = 30.0  # seconds: the proxies' first batches after a restart are in by then


async def _scans_after_a_while(app: web.Application, wake: asyncio.Event) -> None:
    await asyncio.sleep(FIRST_SCAN_DELAY)
    settings = app[SETTINGS]
    await run_scans(app[DB], settings.tz, settings.office_hours, wake)


async def alert_tasks(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    wake = asyncio.Event()
    tasks = [asyncio.create_task(_scans_after_a_while(app, wake), name="alert_scan")]
    if settings.alert_webhook_url:
        webhook = Webhook(settings.alert_webhook_url, settings.alert_webhook_secret)
        tasks.append(
            asyncio.create_task(
                run_webhook(app[DB], webhook, settings.portal_url, wake), name="alert_webhook"
            )
        )
        # The host only: never the secret, nor credentials or tokens a URL may carry.
        log.info("alert_webhook_enabled", host=URL(settings.alert_webhook_url).host)
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
