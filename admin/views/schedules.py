"""Schedules with their weekly windows, and public holidays: list, add, remove a holiday."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from admin.forms import FormError, clock, day, text
from admin.keys import DB
from admin.pages import render_page
from admin.schedules import (
    MAX_NAME_LENGTH,
    ScheduleError,
    add_holiday,
    add_schedule,
    list_holidays,
    list_schedules,
    remove_holiday,
)
from admin.security import current_user
from proxy_addons.rules import Window

PAGE = "/kebijakan/jadwal"
WEEKDAYS = range(1, 8)  # ISO: 1 Monday .. 7 Sunday; the form has one window per weekday
MAX_TYPED_LENGTH = 200
SCHEDULE_FIELDS = ("name", *(f"{edge}_{d}" for d in WEEKDAYS for edge in ("starts", "ends")))
EMPTY_SCHEDULE: Mapping[str, object] = {**dict.fromkeys(SCHEDULE_FIELDS, ""), "except_holidays": True}
EMPTY_HOLIDAY: Mapping[str, str] = {"day": "", "holiday_name": ""}


def typed(form: Mapping[str, object], fields: Mapping[str, object]) -> dict[str, object]:
    """The text fields as typed, to show them again beside the reason they were refused."""
    return {
        key: value[:MAX_TYPED_LENGTH] if isinstance(value := form.get(key, ""), str) else "" for key in fields
    }


async def render(
    request: web.Request,
    *,
    status: int = 200,
    schedule_form: Mapping[str, object] = EMPTY_SCHEDULE,
    holiday_form: Mapping[str, object] = EMPTY_HOLIDAY,
    error: str | None = None,
) -> web.Response:
    db = request.app[DB]
    context = {
        "schedules": await list_schedules(db),
        "holidays": await list_holidays(db),
        "weekdays": WEEKDAYS,
        "schedule_form": schedule_form,
        "holiday_form": holiday_form,
        "error": error,
        "path": PAGE,  # the language switch returns to the page, not to a POST-only URL
    }
    return render_page("schedules/index.html", request, context, status=status)


async def schedules_page(request: web.Request) -> web.Response:
    return await render(request)


def windows(form: Mapping[str, object]) -> list[Window]:
    found = []
    for weekday in WEEKDAYS:
        starts, ends = clock(form, f"starts_{weekday}"), clock(form, f"ends_{weekday}")
        if starts is None and ends is None:
            continue  # no window that day
        if starts is None or ends is None:
            raise FormError(f"weekday {weekday}: give both the start and the end, or neither")
        found.append(Window(weekday, starts, ends))
    return found


async def add_schedule_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    except_holidays = form.get("except_holidays") == "1"
    try:
        name, chosen = text(form, "name", MAX_NAME_LENGTH), windows(form)
        async with request.app[DB].acquire() as conn:
            await add_schedule(
                conn, name, chosen, current_user(request).username, except_holidays=except_holidays
            )
    except (FormError, ScheduleError) as exc:
        again = {**typed(form, EMPTY_SCHEDULE), "except_holidays": except_holidays}
        return await render(request, status=400, schedule_form=again, error=str(exc))
    raise web.HTTPSeeOther(PAGE)


async def add_holiday_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        chosen, name = day(form, "day"), text(form, "holiday_name", MAX_NAME_LENGTH)
        async with request.app[DB].acquire() as conn:
            await add_holiday(conn, chosen, name, current_user(request).username)
    except (FormError, ScheduleError) as exc:
        return await render(request, status=400, holiday_form=typed(form, EMPTY_HOLIDAY), error=str(exc))
    raise web.HTTPSeeOther(PAGE)


async def remove_holiday_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        chosen = day(form, "day")
        async with request.app[DB].acquire() as conn:
            await remove_holiday(conn, chosen, current_user(request).username)
    except (FormError, ScheduleError) as exc:
        return await render(request, status=400, error=str(exc))
    raise web.HTTPSeeOther(PAGE)
