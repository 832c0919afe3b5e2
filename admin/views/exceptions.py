"""Exception requests in the portal: the employee asks and follows up; an admin approves or refuses."""

from __future__ import annotations

from aiohttp import web

from admin import exceptions
from admin.forms import FormError, whole_number
from admin.keys import DB
from admin.pages import page, render_page
from admin.security import current_user


@page("exceptions/new.html")
async def new_form(request: web.Request) -> dict[str, object]:
    reference = request.query.get("ref", "")
    event = (
        await exceptions.refused_event(request.app[DB], current_user(request).id, reference)
        if reference
        else None
    )
    unknown = None if event else exceptions.ExceptionError("exc_reference_unknown")
    return {"reference": reference[:16], "event": event, "error": unknown,
            "reason": ""}  # fmt: skip


async def submit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    reference, reason = str(form.get("ref", ""))[:16], str(form.get("reason", ""))
    user = current_user(request)
    async with request.app[DB].acquire() as conn:
        try:
            await exceptions.submit(conn, user.id, user.username, reference, reason, request.remote)
        except exceptions.ExceptionError as exc:
            event = await exceptions.refused_event(conn, user.id, reference)
            context = {"reference": reference, "event": event, "error": exc, "reason": reason}
            return render_page("exceptions/new.html", request, context, status=400)
    raise web.HTTPSeeOther("/pengecualian/saya")


@page("exceptions/mine.html")
async def mine(request: web.Request) -> dict[str, object]:
    return {"requests": await exceptions.requests_of(request.app[DB], current_user(request).id)}


@page("exceptions/review.html")
async def review(request: web.Request) -> dict[str, object]:
    return {"requests": await exceptions.for_review(request.app[DB]), "durations": list(exceptions.DURATIONS),
            "error": None}  # fmt: skip


async def decide(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    actor = current_user(request).username
    async with request.app[DB].acquire() as conn:
        try:
            request_id = whole_number(form, "id")
            if request_id is None:
                raise exceptions.ExceptionError("exc_not_pending")
            if form.get("verdict") == "approve":
                await exceptions.approve(conn, request_id, actor, str(form.get("duration", "")),
                                         str(form.get("scope", "")), str(form.get("note", "")))  # fmt: skip
            else:
                await exceptions.refuse(conn, request_id, actor, str(form.get("note", "")))
        except (exceptions.ExceptionError, FormError) as exc:
            error = (
                exc
                if isinstance(exc, exceptions.ExceptionError)
                else exceptions.ExceptionError("exc_not_pending")
            )
            context = {"requests": await exceptions.for_review(request.app[DB]),
                       "durations": list(exceptions.DURATIONS), "error": error}  # fmt: skip
            return render_page("exceptions/review.html", request, context, status=400)
    raise web.HTTPSeeOther("/pengecualian")
