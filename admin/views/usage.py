"""Today's usage per OPD and per employee (local day in SMEDI_TZ), as a page and as JSON."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from accounting.reports import today, usage_by_employee, usage_by_hour, usage_by_org
from admin.keys import DB, SETTINGS
from admin.pages import page


def _day(request: web.Request) -> date:
    raw = request.query.get("tanggal", "")
    if not raw:
        return today(request.app[SETTINGS].tz)
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = None
    # The first and last days of the calendar have no UTC bounds in every time zone (OverflowError).
    if day is None or not date.min < day < date.max:
        raise web.HTTPBadRequest(text=f"tanggal: expected YYYY-MM-DD, got {raw[:40]!r}")
    return day


async def _usage(request: web.Request) -> dict[str, object]:
    day, tz = _day(request), request.app[SETTINGS].tz
    orgs = await usage_by_org(request.app[DB], day, tz)
    employees = await usage_by_employee(request.app[DB], day, tz)
    return {"date": day.isoformat(), "timezone": tz.key, "orgs": orgs, "employees": employees}


@page("usage/today.html")
async def usage_page(request: web.Request) -> dict[str, object]:
    usage = await _usage(request)
    rows = usage["employees"] + usage["orgs"]  # type: ignore[operator]
    usage["max_bytes"] = max((r["bytes_up"] + r["bytes_down"] for r in rows), default=0) or 1
    hours = await usage_by_hour(
        request.app[DB], date.fromisoformat(str(usage["date"])), request.app[SETTINGS].tz
    )
    usage["hours"] = hours
    usage["max_hour_bytes"] = max((h["bytes_up"] + h["bytes_down"] for h in hours), default=0) or 1
    return usage


async def usage_api(request: web.Request) -> web.Response:
    return web.json_response(await _usage(request))
