"""The live dashboard (admins): the page, and the server-sent events that feed its charts.

The stream copies the hub's latest snapshot event (admin/live.py computes one per tick for every stream),
says `: heartbeat` when no snapshot came for a while, and ends when the client goes away (the next write
fails) or the portal shuts down (the hub closes).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from admin import audit
from admin.keys import DB, SETTINGS
from admin.live import HEARTBEAT_SECONDS, LIVE
from admin.pages import page
from admin.security import current_user

STREAM = "/api/v1/live"
RETRY_MS = 3000  # EventSource reconnects after this long when the stream breaks


def _whole_city_only(request: web.Request) -> None:
    """The live numbers are the whole city's and cannot be narrowed: a role limited to an OPD is refused."""
    if current_user(request).scope_org_id is not None:
        raise web.HTTPForbidden(
            text="the live dashboard shows the whole city; your role is limited to one OPD (see /laporan)"
        )


@page("dashboard/index.html")
async def dashboard_page(request: web.Request) -> dict[str, object]:
    _whole_city_only(request)
    return {"stream": STREAM, "timezone": request.app[SETTINGS].tz.key}


async def live_stream(request: web.Request) -> web.StreamResponse:
    _whole_city_only(request)
    hub = request.app[LIVE]
    # The stream names the employees who move the most bytes: who watched it, and when, is recorded.
    user = current_user(request)
    await audit.record(request.app[DB], user.username, "live_dashboard_watched", "", {}, request.remote)
    response = web.StreamResponse(headers={"X-Accel-Buffering": "no"})  # no proxy in front may buffer it
    response.content_type = "text/event-stream"
    response.charset = "utf-8"
    await response.prepare(request)
    hub.streams += 1
    try:
        await response.write(f"retry: {RETRY_MS}\n\n".encode())
        seen = 0
        while True:
            try:
                async with asyncio.timeout(HEARTBEAT_SECONDS):
                    message = await hub.next_message(seen)
            except TimeoutError:
                await response.write(b": heartbeat\n\n")
                continue
            if message is None:  # the portal shuts down
                await response.write(b"event: end\ndata: {}\n\n")
                break
            seen, event = message
            await response.write(event)
    except ConnectionResetError:
        pass  # the client went away: nothing to tell it
    finally:
        hub.streams -= 1
    return response
