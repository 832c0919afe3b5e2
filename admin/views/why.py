""" "Why?": the decision the proxy would take for a URL, an employee and a time, and what made it."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from aiohttp import web

from admin.i18n import language
from admin.keys import DB, SETTINGS
from admin.pages import page
from proxy_addons.hostnames import InvalidHost, normalize_host
from proxy_addons.policy_loader import load_policy
from proxy_addons.snapshots import Directory
from smedi.sql import load_queries

proxy_queries = load_queries("proxy")


@page("why/index.html")
async def why(request: web.Request) -> dict[str, object]:
    raw_url, username, at = (request.query.get(k, "").strip()[:2000] for k in ("url", "user", "at"))
    context: dict[str, object] = {
        "url": raw_url,
        "username": username,
        "at": at,
        "error": None,
        "answer": None,
    }
    if not raw_url:
        return context
    tz = request.app[SETTINGS].tz
    parts = urlsplit(raw_url if "://" in raw_url else f"http://{raw_url}")
    try:
        host = normalize_host(parts.hostname or "")
        moment = datetime.fromisoformat(at).replace(tzinfo=tz) if at else datetime.now(tz)
    except (InvalidHost, ValueError) as exc:
        raise web.HTTPBadRequest(text=f"{exc}") from None
    async with request.app[DB].acquire() as conn:
        directory = Directory.from_rows(await conn.fetch(proxy_queries.directory))
        policy = await load_policy(conn, tz, only_host=host)
    entry = directory.by_username.get(username.lower()) if username else None
    if username and entry is None:
        raise web.HTTPBadRequest(text=f"no employee {username!r}")
    url = f"{parts.scheme}://{host}{parts.path or '/'}{'?' + parts.query if parts.query else ''}"
    decision = policy.decide(host, entry.employee.requester if entry else None, url, moment.astimezone(UTC))
    reason_id, reason_en = policy.explain(decision)
    context["answer"] = {
        "action": decision.action, "rule": decision.rule, "url": url, "at": moment,
        "reason": reason_en if language(request) == "en" else reason_id,
        "categories": sorted(policy.categories[i].slug for i in policy.categories_of(host, url)),
    }  # fmt: skip
    return context
