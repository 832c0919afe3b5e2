"""The audit log page (admins and inspectors): filter by actor, action, target and local time, newest
first, a page at a time, with whether the hash chain verifies."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from aiohttp import web

from admin import audit, audit_log, query_params
from admin.access import visible_orgs
from admin.i18n import language, translator
from admin.keys import DB, SETTINGS
from admin.pages import page
from admin.security import current_user

PAGE = "/audit"
# query parameter → what it filters; the form uses the same names, so a link keeps the filters.
FILTERS = ("pelaku", "tindakan", "sasaran", "dari", "sampai")


def bad_request(request: web.Request, error: query_params.BadQuery) -> web.HTTPBadRequest:
    """A query that cannot be read, said in the reader's language."""
    return web.HTTPBadRequest(text=translator(language(request))(error.key).format(**error.params))


def audit_filter(query: Mapping[str, str], request: web.Request) -> audit_log.AuditFilter:
    tz = request.app[SETTINGS].tz
    try:
        return audit_log.AuditFilter(
            actor=query_params.text(query, "pelaku", 200),
            action=query_params.text(query, "tindakan", 100),
            target=query_params.text(query, "sasaran", 200),
            since=query_params.local_moment(query, "dari", tz),
            until=query_params.local_moment(query, "sampai", tz, end=True),
            before_id=query_params.whole_number(query, "sebelum"),
        )
    except query_params.BadQuery as exc:
        raise bad_request(request, exc) from None


@page("audit/index.html")
async def audit_log_page(request: web.Request) -> dict[str, object]:
    db = request.app[DB]
    where = audit_filter(request.query, request)
    orgs = await visible_orgs(db, current_user(request))
    found = await audit_log.audit_page(db, where, orgs)
    checked, broken = await audit.verify_chain(db)
    kept = {name: request.query.get(name, "").strip() for name in FILTERS}
    older = f"{PAGE}?{urlencode({**kept, 'sebelum': found.older})}" if found.older else None
    return {
        "entries": found.entries,
        "older_url": older,
        "newest_url": f"{PAGE}?{urlencode(kept)}" if where.before_id else None,
        "form": kept,
        "actions": await audit_log.action_names(db),
        "checked": checked,
        "broken": broken,
        "scoped": orgs is not None,
        "timezone": request.app[SETTINGS].tz.key,
    }
