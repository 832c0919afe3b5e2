"""Byte quotas: every quota with its use in the current period, add one, remove one (admins); and the
signed-in employee's own quotas."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from aiohttp import web

from admin import quotas
from admin.forms import FormError, text, whole_number
from admin.keys import DB, SETTINGS
from admin.pages import page, render_page
from admin.security import current_user

PAGE = "/kuota"
MAX_TYPED = 1000  # a refused value is shown again cut to this; the store refuses notes over 200
SHOWN_SUBJECTS = 10  # per quota on the page: the employees who used most (the CLI lists them all)
EMPTY_FORM: Mapping[str, str] = {
    "scope": "employee", "employee": "", "org": "", "category": "", "period": "day", "limit": "", "note": "",
}  # fmt: skip


async def render(
    request: web.Request,
    *,
    status: int = 200,
    form: Mapping[str, str] = EMPTY_FORM,
    error: Exception | None = None,
) -> web.Response:
    db, tz = request.app[DB], request.app[SETTINGS].tz
    context = {
        "usages": await quotas.quota_usage(db, datetime.now(UTC), tz),
        "choices": await quotas.form_choices(db),
        "scopes": quotas.SCOPES,
        "periods": quotas.PERIODS,
        "shown_subjects": SHOWN_SUBJECTS,
        "max_note": quotas.MAX_NOTE,
        "timezone": tz.key,
        "form": form,
        "error": error,
        "path": PAGE,  # the language switch returns to the page, not to a POST-only URL
    }
    return render_page("quotas/index.html", request, context, status=status)


async def quotas_page(request: web.Request) -> web.Response:
    return await render(request)


def quota_spec(form: Mapping[str, object]) -> quotas.QuotaSpec:
    """The form as a quota; fields the chosen scope does not use are ignored (they may stay filled)."""
    scope = text(form, "scope", 16)
    employee, org = text(form, "employee", 64) or None, text(form, "org", 32) or None
    category = text(form, "category", 40) or None
    return quotas.QuotaSpec(
        scope=scope,
        period=text(form, "period", 16),
        limit=text(form, "limit", 40),
        employee=employee if scope in ("employee", "category") else None,
        org=org if scope in ("org", "category") else None,
        category=category if scope == "category" else None,
        note=text(form, "note", MAX_TYPED),
    )


async def add_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        spec = quota_spec(form)
        async with request.app[DB].acquire() as conn:
            quota_id = await quotas.add_quota(conn, spec, current_user(request).username)
    except (FormError, quotas.QuotaError) as exc:
        typed = {
            key: value[:MAX_TYPED] if isinstance(value := form.get(key, ""), str) else ""
            for key in EMPTY_FORM
        }
        return await render(request, status=400, form=typed, error=exc)
    raise web.HTTPSeeOther(f"{PAGE}#quota-{quota_id}")


async def remove_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        quota_id = whole_number(form, "id")
        if quota_id is None:
            raise FormError("form_which_quota")
        async with request.app[DB].acquire() as conn:
            await quotas.remove_quota(conn, quota_id, current_user(request).username)
    except (FormError, quotas.QuotaError) as exc:
        return await render(request, status=400, error=exc)
    raise web.HTTPSeeOther(PAGE)


@page("quotas/mine.html")
async def mine(request: web.Request) -> dict[str, object]:
    tz = request.app[SETTINGS].tz
    usages = await quotas.quota_use_for_employee(
        request.app[DB], current_user(request).id, datetime.now(UTC), tz
    )
    return {"usages": usages, "timezone": tz.key}
