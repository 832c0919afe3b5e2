"""Usage reports (/laporan): choose a subject and a period, read the report, export it as CSV or PDF or
JSON, and the archive of scheduled reports. Admins, HR and inspectors, each within their scope."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from aiohttp import web

from accounting import scheduled_reports
from accounting.reports import NO_CATEGORY, today
from accounting.usage_report import (
    CITY,
    PERIOD_KINDS,
    SUBJECT_KINDS,
    ReportError,
    ReportPeriod,
    Subject,
    build_report,
    employee_subject,
    org_subject,
    org_subject_by_id,
    report_period,
)
from admin import audit
from admin.access import visible_orgs
from admin.i18n import language, translator
from admin.keys import DB, SETTINGS
from admin.pages import page, render_page
from admin.report_charts import ranking_bars, share_bar, trend_bars
from admin.report_exports import active_time, report_csv, report_pdf, report_title
from admin.security import current_user

FORMATS = ("html", "csv", "pdf", "json")
ARCHIVE_SHOWN = 200


def _date(raw: str, field: str) -> date:
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or not date.min < day < date.max:
        raise web.HTTPBadRequest(text=f"{field}: expected YYYY-MM-DD, got {raw[:40]!r}")
    return day


async def _subject(request: web.Request, default_org: int | None) -> Subject:
    """The subject asked for; a user limited to an OPD who asks for nothing gets their OPD."""
    query, db = request.query, request.app[DB]
    kind = query.get("subjek", "")
    try:
        if kind == "employee":
            return await employee_subject(db, query.get("pegawai", "").strip())
        if kind == "org":
            return await org_subject(db, query.get("opd", "").strip())
        if kind in ("", "city"):
            if kind == "" and default_org is not None:
                return await org_subject_by_id(db, default_org)
            return CITY
    except ReportError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    raise web.HTTPBadRequest(text=f"subjek: expected one of {', '.join(SUBJECT_KINDS)}, got {kind[:20]!r}")


def _period(request: web.Request) -> ReportPeriod:
    query = request.query
    day = _date(query["tanggal"], "tanggal") if query.get("tanggal") else today(request.app[SETTINGS].tz)
    last = _date(query["sampai"], "sampai") if query.get("sampai") else None
    try:
        return report_period(query.get("periode", "day") or "day", day, last)
    except ReportError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None


async def _authorised(request: web.Request, subject: Subject) -> None:
    """A user limited to an OPD reads that OPD, those below it and their employees; nothing else."""
    orgs = await visible_orgs(request.app[DB], current_user(request))
    if orgs is None:
        return
    reachable = subject.kind != "city" and subject.org_id is not None and subject.org_id in orgs
    if not reachable:
        raise web.HTTPForbidden(text="this report is outside the OPDs your role may read")


async def _audited(request: web.Request, subject: Subject, period: ReportPeriod, fmt: str) -> None:
    if subject.kind != "employee":
        return
    user = current_user(request)
    details = {
        "period": period.kind,
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
        "format": fmt,
    }
    await audit.record(
        request.app[DB], user.username, "employee_report_viewed", subject.key, details, request.remote
    )


async def _report(request: web.Request, fmt: str) -> dict[str, Any]:
    user = current_user(request)
    subject = await _subject(request, user.scope_org_id)
    await _authorised(request, subject)
    period = _period(request)
    settings = request.app[SETTINGS]
    report = await build_report(request.app[DB], subject, period, settings.tz, settings.office_hours)
    await _audited(request, subject, period, fmt)
    return report


def category_namer(lang: str) -> Callable[[dict[str, Any]], str]:
    def name(row: dict[str, Any]) -> str:
        if not row["category"]:
            return NO_CATEGORY["name_en" if lang == "en" else "name_id"]
        return str(row["name_en" if lang == "en" else "name_id"] or row["category"])

    return name


def report_context(report: dict[str, Any], lang: str, export_query: str, source: str) -> dict[str, object]:
    _ = translator(lang)
    office, after = report["office"]["office"], report["office"]["after"]
    shares = share_bar(
        [
            ("office", _("report_office_hours"), office["bytes"]),
            ("after", _("report_after_hours"), after["bytes"]),
        ]
    )
    return {
        "report": report,
        "title": report_title(report, _),
        "trend": trend_bars(report["trend"]["points"]),
        "shares": shares,
        "category_bars": list(
            zip(report["categories"], ranking_bars(report["categories"], 420), strict=True)
        ),
        "host_bars": list(zip(report["hosts"], ranking_bars(report["hosts"], 420), strict=True)),
        "category_name": category_namer(lang),
        "active_time": lambda minutes: active_time(minutes, _),
        "export_query": export_query,
        "source": source,
    }


async def _export(request: web.Request, report: dict[str, Any], fmt: str, name: str) -> web.StreamResponse:
    lang = language(request)
    _ = translator(lang)
    if fmt == "csv":
        body, content_type = report_csv(report, _), "text/csv"
        filename = f"{name}.csv"
    else:
        body, content_type = report_pdf(report, _, category_namer(lang)), "application/pdf"
        filename = f"{name}.pdf"
    return web.Response(
        body=body,
        content_type=content_type,
        charset="utf-8" if fmt == "csv" else None,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _file_name(report: dict[str, Any]) -> str:
    subject, period = report["subject"], report["period"]
    who = (
        "kota"
        if subject["kind"] == "city"
        else "".join(c for c in subject["key"] if c.isalnum() or c in "._-")
    )
    return f"laporan-{who}-{period['kind']}-{period['first']}"


@page("reports/index.html")
async def choose(request: web.Request) -> dict[str, object]:
    user = current_user(request)
    return {
        "subjects": SUBJECT_KINDS,
        "periods": PERIOD_KINDS,
        "today": today(request.app[SETTINGS].tz).isoformat(),
        "city_allowed": await visible_orgs(request.app[DB], user) is None,
    }


async def view(request: web.Request) -> web.Response:
    report = await _report(request, "html")
    context = report_context(report, language(request), request.query_string, "live")
    return render_page("reports/report.html", request, context)


async def export_csv(request: web.Request) -> web.StreamResponse:
    report = await _report(request, "csv")
    return await _export(request, report, "csv", _file_name(report))


async def export_pdf(request: web.Request) -> web.StreamResponse:
    report = await _report(request, "pdf")
    return await _export(request, report, "pdf", _file_name(report))


async def api_report(request: web.Request) -> web.Response:
    return web.json_response(await _report(request, "json"))


@page("reports/archive.html")
async def archive(request: web.Request) -> dict[str, object]:
    orgs = await visible_orgs(request.app[DB], current_user(request))
    return {"reports": await scheduled_reports.list_generated(request.app[DB], orgs, ARCHIVE_SHOWN)}


async def _stored(request: web.Request) -> dict[str, Any]:
    raw = request.query.get("id", "")
    if not raw.isdigit() or len(raw) > 18:
        raise web.HTTPBadRequest(text=f"id: expected the number of a report, got {raw[:20]!r}")
    row = await scheduled_reports.get_generated(request.app[DB], int(raw))
    if row is None:
        raise web.HTTPNotFound(text=f"no scheduled report {raw}")
    orgs = await visible_orgs(request.app[DB], current_user(request))
    if orgs is not None and row["org_unit_id"] not in orgs:
        raise web.HTTPForbidden(text="this report is outside the OPDs your role may read")
    report: dict[str, Any] = json.loads(row["report"])
    return report


async def archive_view(request: web.Request) -> web.Response:
    report = await _stored(request)
    context = report_context(report, language(request), f"id={request.query['id']}", "archive")
    return render_page("reports/report.html", request, context)


async def archive_file(request: web.Request) -> web.StreamResponse:
    fmt = request.query.get("format", "pdf")
    if fmt not in ("csv", "pdf"):
        raise web.HTTPBadRequest(text=f"format: expected csv or pdf, got {fmt[:10]!r}")
    report = await _stored(request)
    return await _export(request, report, fmt, _file_name(report))
