"""Schedules with their weekly windows, and public holidays: list, add, change and delete a schedule; add
and remove a holiday."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from aiohttp import web
from multidict import MultiMapping

from admin.forms import FormError, clocks, day, text, whole_number
from admin.keys import DB
from admin.pages import render_page
from admin.schedules import (
    MAX_NAME_LENGTH,
    ScheduleError,
    add_holiday,
    add_schedule,
    change_schedule,
    delete_schedule,
    list_holidays,
    list_schedules,
    remove_holiday,
)
from admin.security import current_user
from proxy_addons.rules import Window
from smedi.refusals import Refusal

PAGE = "/kebijakan/jadwal"
WEEKDAYS = range(1, 8)  # ISO: 1 Monday .. 7 Sunday
SLOTS = 3  # empty windows the form offers per weekday; a day with more shows them all and one empty more
MAX_TYPED_LENGTH = 200
type Typed = list[tuple[str, str]]  # one weekday's windows as typed: (starts, ends)
EMPTY_HOLIDAY: Mapping[str, str] = {"day": "", "holiday_name": ""}


def slots(by_day: Mapping[int, Typed]) -> dict[int, Typed]:
    """Each weekday's windows, then empty ones: at least SLOTS in all and one empty to add a window in; the
    same number for every day, so the form is a table."""
    filled = {d: [w for w in by_day.get(d, []) if w != ("", "")] for d in WEEKDAYS}
    width = max(SLOTS, *(len(windows) + 1 for windows in filled.values()))
    return {d: windows + [("", "")] * (width - len(windows)) for d, windows in filled.items()}


def schedule_form(
    windows: Sequence[Window] = (),
    *,
    name: str = "",
    except_holidays: bool = True,
    schedule_id: int | None = None,
) -> dict[str, object]:
    """What the add or change form shows: the windows of each weekday, with empty slots after them."""
    by_day: dict[int, Typed] = {d: [] for d in WEEKDAYS}
    for w in windows:
        by_day[w.weekday].append((f"{w.starts:%H:%M}", f"{w.ends:%H:%M}"))
    return {"id": schedule_id, "name": name, "except_holidays": except_holidays,
            "windows": slots(by_day)}  # fmt: skip


def typed(form: MultiMapping[object], name: str) -> list[str]:
    """Every value of a field as typed (cut short), to show it again beside the reason it was refused."""
    return [v[:MAX_TYPED_LENGTH] if isinstance(v, str) else "" for v in form.getall(name, [])]


def typed_schedule(form: MultiMapping[object], schedule_id: int | None = None) -> dict[str, object]:
    pairs = {d: itertools.zip_longest(typed(form, f"starts_{d}"), typed(form, f"ends_{d}"), fillvalue="")
             for d in WEEKDAYS}  # fmt: skip
    windows = slots({d: list(found) for d, found in pairs.items()})
    return {"id": schedule_id, "name": (typed(form, "name") or [""])[0],
            "except_holidays": form.get("except_holidays") == "1", "windows": windows}  # fmt: skip


async def render(
    request: web.Request,
    *,
    status: int = 200,
    new_schedule: Mapping[str, object] | None = None,
    changed_schedule: Mapping[str, object] | None = None,
    holiday_form: Mapping[str, object] = EMPTY_HOLIDAY,
    error: Refusal | None = None,
) -> web.Response:
    db = request.app[DB]
    schedules = await list_schedules(db)
    if changed_schedule is not None:  # the schedule's name, which the change form shows but does not send
        names = {s["id"]: s["name"] for s in schedules}
        changed_schedule = {**changed_schedule, "name": names.get(changed_schedule["id"], "")}
    context = {
        "schedules": schedules,
        "holidays": await list_holidays(db),
        "weekdays": WEEKDAYS,
        "schedule_form": new_schedule or schedule_form(),
        "change_form": changed_schedule,
        "holiday_form": holiday_form,
        "error": error,
        # the language switch returns to the page (and the schedule being changed), not to a POST-only URL
        "path": f"{PAGE}?ubah={changed_schedule['id']}" if changed_schedule else PAGE,
    }
    return render_page("schedules/index.html", request, context, status=status)


async def schedules_page(request: web.Request) -> web.Response:
    """The page; `?ubah=ID` opens the change form of that schedule."""
    try:
        chosen = whole_number(request.query, "ubah")
    except FormError as exc:
        return await render(request, status=400, error=exc)
    if chosen is None:
        return await render(request)
    found = next((s for s in await list_schedules(request.app[DB]) if s["id"] == chosen), None)
    if found is None:
        return await render(request, status=404, error=ScheduleError("schedule_unknown", schedule_id=chosen))
    form = schedule_form(found["windows"], except_holidays=found["except_holidays"], schedule_id=chosen)
    return await render(request, changed_schedule=form)


def windows(form: MultiMapping[object]) -> list[Window]:
    """The windows of every weekday: `starts_D` and `ends_D` repeat, one pair per window, in form order."""
    found = []
    for weekday in WEEKDAYS:
        starts, ends = clocks(form, f"starts_{weekday}"), clocks(form, f"ends_{weekday}")
        for start, end in itertools.zip_longest(starts, ends):  # a field not sent is one left empty
            if start is None and end is None:
                continue  # an empty slot
            if start is None or end is None:
                raise FormError("form_window_half", weekday=weekday)
            found.append(Window(weekday, start, end))
    return found


def schedule_id(form: Mapping[str, object]) -> int:
    found = whole_number(form, "id")
    if found is None:
        raise FormError("form_which_schedule")
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
        return await render(request, status=400, new_schedule=typed_schedule(form), error=exc)
    raise web.HTTPSeeOther(PAGE)


async def change_schedule_form(request: web.Request) -> web.StreamResponse:
    """New windows and holiday flag for a schedule; refused whole (nothing saved) with the reason."""
    form = await request.post()
    try:
        chosen = schedule_id(form)
    except FormError as exc:
        return await render(request, status=400, error=exc)
    try:
        async with request.app[DB].acquire() as conn:
            await change_schedule(conn, chosen, windows(form), current_user(request).username,
                                  except_holidays=form.get("except_holidays") == "1")  # fmt: skip
    except (FormError, ScheduleError) as exc:
        again = None if exc.key == "schedule_unknown" else typed_schedule(form, chosen)
        return await render(request, status=400, changed_schedule=again, error=exc)
    raise web.HTTPSeeOther(f"{PAGE}#schedule-{chosen}")


async def delete_schedule_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        chosen = schedule_id(form)
        async with request.app[DB].acquire() as conn:
            await delete_schedule(conn, chosen, current_user(request).username)
    except (FormError, ScheduleError) as exc:
        return await render(request, status=400, error=exc)
    raise web.HTTPSeeOther(PAGE)


async def add_holiday_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        chosen, name = day(form, "day"), text(form, "holiday_name", MAX_NAME_LENGTH)
        async with request.app[DB].acquire() as conn:
            await add_holiday(conn, chosen, name, current_user(request).username)
    except (FormError, ScheduleError) as exc:
        again = {key: (typed(form, key) or [""])[0] for key in EMPTY_HOLIDAY}
        return await render(request, status=400, holiday_form=again, error=exc)
    raise web.HTTPSeeOther(PAGE)


async def remove_holiday_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        chosen = day(form, "day")
        async with request.app[DB].acquire() as conn:
            await remove_holiday(conn, chosen, current_user(request).username)
    except (FormError, ScheduleError) as exc:
        return await render(request, status=400, error=exc)
    raise web.HTTPSeeOther(PAGE)
