"""Anomaly alerts (/peringatan): the list with filters, an alert's page with its evidence and a chart of the
employee's hours against their baseline, status changes with a note, and the corrective actions.

Admins act; inspectors read. Both see only the OPDs their scope reaches, and every look at an alert (a
named employee's traffic) is audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from accounting.anomaly import DETECTORS
from admin import alerts
from admin.access import may_read_org, visible_orgs
from admin.alert_chart import chart_geometry
from admin.audit import record
from admin.forms import FormError, text, whole_number
from admin.keys import DB, SETTINGS
from admin.pages import render_page
from admin.quotas import PERIODS, QuotaError
from admin.security import current_user

PAGE = "/peringatan"
DETAIL = "/peringatan/lihat"
# The evidence's numbers shown in its table, in this order (top hosts, baseline and chart have their own).
EVIDENCE_SHOWN = (
    "value", "score", "bytes_down", "up_down_ratio", "usual_up_down_ratio", "requests", "hosts",
    "known_hosts", "threshold", "local_time", "reasons", "categories", "examples",
)  # fmt: skip


async def alerts_page(request: web.Request) -> web.Response:
    db, user = request.app[DB], current_user(request)
    filters = alerts.Filters.from_query(request.query)
    visible = await visible_orgs(db, user)
    context = {
        "rows": await alerts.list_alerts(db, filters, visible),
        "counts": await alerts.open_counts(db, visible),
        "filters": filters,
        "statuses": alerts.STATUSES,
        "severities": alerts.SEVERITIES,
        "detectors": DETECTORS,
        "orgs": await alerts.org_choices(db),
        "limit": alerts.LIST_LIMIT,
        "timezone": request.app[SETTINGS].tz.key,
    }
    return render_page("alerts/index.html", request, context)


def _alert_id(raw: object) -> int:
    try:
        number = whole_number({"id": raw}, "id")
    except FormError:
        number = None
    if number is None:
        raise web.HTTPNotFound(text="no such alert")
    return number


async def _readable_alert(request: web.Request, alert_id: int) -> alerts.Alert:
    """The alert, if the reader's scope reaches its OPD; otherwise as if it did not exist."""
    db = request.app[DB]
    try:
        alert = await alerts.get_alert(db, alert_id)
    except alerts.AlertError:
        raise web.HTTPNotFound(text="no such alert") from None
    if not await may_read_org(db, current_user(request), alert.org_unit_id):
        raise web.HTTPNotFound(text="no such alert")
    return alert


async def _render_detail(
    request: web.Request, alert: alerts.Alert, *, status: int = 200, error: Exception | None = None,
    form: Mapping[str, str] | None = None,
) -> web.Response:  # fmt: skip
    db, settings = request.app[DB], request.app[SETTINGS]
    evidence = alert.evidence
    top_hosts = [h for h in evidence.get("top_hosts", []) if isinstance(h, dict)]
    chart = evidence.get("chart") or {}
    context: dict[str, Any] = {
        "alert": alert,
        "evidence": evidence,
        "shown": [(k, evidence[k]) for k in EVIDENCE_SHOWN if k in evidence],
        "baseline": evidence.get("baseline"),
        "top_hosts": top_hosts,
        "blocked": await alerts.blocked_state(db, [str(h.get("host", "")) for h in top_hosts]),
        "chart": chart_geometry(chart.get("hours", []), settings.tz),
        "chart_metric": chart.get("metric", "bytes"),
        "state": await alerts.employee_state(db, alert.employee_id) if alert.employee_id else None,
        "actions": await alerts.actions_of(db, alert.id),
        "may_act": "admin" in current_user(request).roles,
        "periods": PERIODS,
        "timezone": settings.tz.key,
        "error": error,
        "form": form or {},
        "path": f"{DETAIL}?id={alert.id}",
    }
    return render_page("alerts/detail.html", request, context, status=status)


async def alert_page(request: web.Request) -> web.Response:
    alert = await _readable_alert(request, _alert_id(request.query.get("id", "")))
    user = current_user(request)
    # A look at a named employee's traffic: recorded, like every view of personal detail.
    await record(
        request.app[DB], user.username, "alert_viewed", alert.username,
        {"alert": alert.id, "detector": alert.detector}, request.remote,
    )  # fmt: skip
    return await _render_detail(request, alert)


def _typed(form: Mapping[str, object]) -> dict[str, str]:
    return {k: v[: alerts.MAX_NOTE] for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


async def status_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    alert = await _readable_alert(request, _alert_id(form.get("id", "")))
    try:
        async with request.app[DB].acquire() as conn:
            await alerts.set_status(
                conn, alert.id, text(form, "expected", 20), text(form, "status", 20),
                text(form, "note", alerts.MAX_NOTE), current_user(request).username,
            )  # fmt: skip
    except (FormError, alerts.AlertError) as exc:
        fresh = await alerts.get_alert(request.app[DB], alert.id)
        return await _render_detail(request, fresh, status=400, error=exc, form=_typed(form))
    raise web.HTTPSeeOther(f"{DETAIL}?id={alert.id}")


async def _act(request: web.Request, alert: alerts.Alert, form: Mapping[str, object]) -> None:
    action, actor = text(form, "action", 20), current_user(request).username
    async with request.app[DB].acquire() as conn:
        if action == "suspend":
            duration = alerts.parse_duration(text(form, "duration", 20))
            await alerts.suspend(conn, alert.id, duration, text(form, "reason", alerts.MAX_REASON), actor)
        elif action == "lift":
            await alerts.lift_suspension(conn, alert.id, actor)
        elif action == "quota":
            await alerts.apply_quota(conn, alert.id, text(form, "period", 16), text(form, "limit", 40), actor)
        elif action == "unquota":
            quota_id = whole_number(form, "quota")
            if quota_id is None:
                raise FormError("form_which_quota")
            await alerts.remove_quota(conn, alert.id, quota_id, actor)
        elif action == "block":
            await alerts.block_domain(conn, alert.id, text(form, "domain", 300), actor)
        elif action == "unblock":
            await alerts.unblock_domain(conn, alert.id, text(form, "domain", 300), actor)
        elif action == "end_lease":
            await alerts.end_leases(conn, alert.id, actor)
        else:
            raise alerts.AlertError("alert_action_unknown", action=action[:20])


async def action_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    alert = await _readable_alert(request, _alert_id(form.get("id", "")))
    try:
        await _act(request, alert, form)
    except (FormError, alerts.AlertError, QuotaError) as exc:
        return await _render_detail(request, alert, status=400, error=exc, form=_typed(form))
    raise web.HTTPSeeOther(f"{DETAIL}?id={alert.id}#tindakan")
