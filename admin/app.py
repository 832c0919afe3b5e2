"""The portal's app factory: settings in, a configured aiohttp application out."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator

import aiohttp_jinja2
import jinja2
import structlog
from aiohttp import web

from admin.alert_tasks import alert_tasks
from admin.i18n import human_bytes
from admin.keys import BODY_LIMITS, DB, ROUTE_ROLES, SETTINGS, THROTTLE
from admin.live import end_live_streams, live_dashboard
from admin.pages import error_pages
from admin.report_schedule import scheduled_reports
from admin.routes import BODY_LIMITS as BODY_LIMIT_TABLE
from admin.routes import ROUTE_ROLES as ROLE_TABLE
from admin.routes import setup_routes
from admin.security import api_errors, authorize, body_limits, csrf, security_headers
from admin.throttle import LoginThrottle
from smedi.db import create_pool
from smedi.settings import Settings

log = structlog.get_logger(__name__)
# Forms. A route that takes uploads gets its own limit in routes.BODY_LIMITS, for those it admits only:
# a global 200 MB would let anyone make the portal spool that much to disk by posting to the sign-in form.
MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: Settings) -> web.Application:
    # Outermost first, and the order is behaviour: api_errors shapes every API error, including those of
    # authorize; authorize loads the session that csrf compares the submitted token with; body_limits
    # raises a route's limit only once authorize has admitted the sender, and before csrf reads the body.
    app = web.Application(
        middlewares=[api_errors, error_pages, authorize, body_limits, csrf], client_max_size=MAX_BODY_BYTES
    )
    app[SETTINGS] = settings
    app[ROUTE_ROLES] = ROLE_TABLE
    app[BODY_LIMITS] = BODY_LIMIT_TABLE
    app[THROTTLE] = LoginThrottle()
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("admin", "templates"),
        autoescape=True,  # hosts and URLs come from the traffic: attacker-controlled
        undefined=jinja2.StrictUndefined,  # a name missing from a page's context is a bug: fail, don't blank
    )
    env.filters["bytes"] = human_bytes
    env.filters["localtime"] = lambda moment: moment.astimezone(settings.tz).strftime("%d-%m-%Y %H:%M")

    async def database(app: web.Application) -> AsyncIterator[None]:
        assert settings.database_url
        app[DB] = await create_pool(settings.database_url)
        yield
        await app[DB].close()

    app.cleanup_ctx.append(database)
    app.cleanup_ctx.append(live_dashboard)  # after the pool: it reads through it; closed before it
    app.on_shutdown.append(end_live_streams)  # the live streams end before aiohttp waits for requests
    app.cleanup_ctx.append(scheduled_reports)  # after database: it uses the pool
    app.cleanup_ctx.append(alert_tasks)  # after database: the anomaly scan and the webhook use the pool
    app.on_response_prepare.append(security_headers)
    setup_routes(app)
    return app


async def run_portal(settings: Settings) -> None:
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.portal_listen.host, settings.portal_listen.port)
    await site.start()
    log.info("portal_started", url=settings.portal_url, listen=str(settings.portal_listen))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
