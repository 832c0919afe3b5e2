"""The inspector's detail view of one named employee (role inspector, within their scope): every request
over a range of local days, only with a case reference, each view audited; as a page, CSV and JSON."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import urlencode

from aiohttp import web

from accounting.reports import today
from admin import inspection, query_params
from admin.i18n import language, translator
from admin.inspection import DetailAsk, InspectionError
from admin.keys import DB, SETTINGS
from admin.pages import page
from admin.security import current_user

PAGE_ROWS = 2_000  # a page a browser still shows at once; the CSV has the rest
EXPORT_ROWS = 100_000  # CSV and JSON: a quarter of a busy employee's requests, bounded
QUERY = ("pegawai", "dari", "sampai", "perkara")  # employee, first day, last day, case reference
STATUS_ERRORS = {400: web.HTTPBadRequest, 403: web.HTTPForbidden, 404: web.HTTPNotFound}


def refused(error: InspectionError | query_params.BadQuery, lang: str) -> web.HTTPException:
    status = error.status if isinstance(error, InspectionError) else 400
    return STATUS_ERRORS[status](text=translator(lang)(error.key).format(**error.params))


def detail_ask(query: Mapping[str, str], request: web.Request) -> DetailAsk:
    tz = request.app[SETTINGS].tz
    last = query_params.day(query, "sampai", today(tz))
    return DetailAsk(
        username=query_params.text(query, "pegawai", 64) or "",
        first=query_params.day(query, "dari", last),
        last=last,
        reference=query.get("perkara", ""),  # inspection.case_reference says what a reference must be
    )


async def _detail(request: web.Request, shown_as: str, limit: int, lang: str) -> inspection.Detail:
    try:
        ask = detail_ask(request.query, request)
        return await inspection.view_detail(
            request.app[DB], current_user(request), ask, shown_as, request.app[SETTINGS].tz, limit,
            request.remote,
        )  # fmt: skip
    except (InspectionError, query_params.BadQuery) as exc:
        raise refused(exc, lang) from None


@page("inspect/form.html")
async def inspect_form(request: web.Request) -> dict[str, object]:
    last = today(request.app[SETTINGS].tz)
    return {
        "first": (last - timedelta(days=6)).isoformat(),
        "last": last.isoformat(),
        "max_days": inspection.MAX_DAYS,
        "timezone": request.app[SETTINGS].tz.key,
    }


@page("inspect/detail.html")
async def inspect_detail(request: web.Request) -> dict[str, object]:
    detail = await _detail(request, "page", PAGE_ROWS, language(request))
    kept = {name: request.query.get(name, "").strip() for name in QUERY}
    return {
        "detail": detail,
        "ask": kept,
        "csv_url": f"/pemeriksaan/rincian.csv?{urlencode(kept)}",
        "shown_rows": PAGE_ROWS,
        "tz": request.app[SETTINGS].tz,
        "timezone": request.app[SETTINGS].tz.key,
    }


async def inspect_csv(request: web.Request) -> web.Response:
    detail = await _detail(request, "csv", EXPORT_ROWS, language(request))
    tz = request.app[SETTINGS].tz
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(inspection.COLUMNS)
    for row in detail.rows:
        local = {**row, "ts": row["ts"].astimezone(tz)}
        writer.writerow([inspection.safe_cell(local[c]) for c in inspection.COLUMNS])
    # The username is one of ours ([a-z0-9._-]); the audit entry's number ties the file to its record.
    name = f"rincian-{detail.employee['username']}-audit-{detail.audit_id}.csv"
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def inspect_api(request: web.Request) -> web.Response:
    detail = await _detail(request, "json", EXPORT_ROWS, "en")
    tz = request.app[SETTINGS].tz
    employee = detail.employee
    return web.json_response(
        {
            "employee": {k: employee[k] for k in ("username", "full_name", "org_code", "org_name")},
            "from": detail.first.isoformat(),
            "to": detail.last.isoformat(),
            "timezone": tz.key,
            "audit_id": detail.audit_id,
            "truncated": detail.truncated,
            "rows": [{**r, "ts": r["ts"].astimezone(tz).isoformat()} for r in detail.rows],
        }
    )
