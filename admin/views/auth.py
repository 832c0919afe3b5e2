"""Sign-in and sign-out. A wrong password and an unknown user get the same answer; both are audited."""

from __future__ import annotations

import asyncio

from aiohttp import web
from yarl import URL

from admin import audit, clients, sessions
from admin.i18n import LANG_COOKIE, LANGUAGES
from admin.keys import DB, SETTINGS, THROTTLE, USER
from admin.pages import page, render_page
from admin.security import SESSION_COOKIE
from proxy_addons.credentials import DUMMY_HASH, verify_password
from smedi.sql import load_queries

queries = load_queries("admin")


def _safe_next(value: str) -> str:
    """Only a local path: `next` must never send someone to another site after sign-in."""
    # Browsers read a backslash as '/', and yarl (which writes the Location header) drops tabs and
    # newlines: "/\\evil.test" and "/\t/evil.test" both end up as //evil.test. Refuse them, don't clean them.
    if value.startswith("/") and not value.startswith("//") and "\\" not in value and value.isprintable():
        return value
    return "/"


def _captive_next(value: str) -> str | None:
    """Where a device was going when the gateway sent it to sign in: shown as a link, never redirected to."""
    url = URL(value) if value.isprintable() and len(value) <= 2000 else None
    return value if url is not None and url.scheme in ("http", "https") and url.host else None


def _next(value: str) -> str:
    return _captive_next(value) or _safe_next(value)


@page("auth/login.html")
async def login_form(request: web.Request) -> dict[str, object]:
    return {"next": _next(request.query.get("next", "/")), "error": None, "username": ""}


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))[:1024]
    next_url = _next(str(form.get("next", "/")))
    address = request.remote or ""
    db, throttle = request.app[DB], request.app[THROTTLE]

    def again(error: str, status: int) -> web.Response:
        context = {"next": next_url, "error": error, "username": username}
        return render_page("auth/login.html", request, context, status=status)

    if throttle.blocked(address, username):
        await audit.record(db, username or "-", "login_throttled", username, client_ip=address or None)
        return again("login_throttled", 429)
    row = await db.fetchrow(queries.employee_for_login, username)
    ok = await asyncio.to_thread(verify_password, row["password_hash"] if row else DUMMY_HASH, password)
    if not (ok and row and row["active"]):
        throttle.failed(address, username)
        await audit.record(db, username or "-", "login_failed", username, client_ip=address or None)
        return again("login_failed", 401)
    throttle.succeeded(username)
    # A new session on every sign-in (no fixation); the browser's previous session, if any, ends here.
    if previous := request.cookies.get(SESSION_COOKIE):
        await sessions.delete(db, previous)
    token = await sessions.create(db, row["id"], address or None, request.headers.get("User-Agent", ""))
    await audit.record(db, username, "login_succeeded", username, client_ip=address or None)
    settings = request.app[SETTINGS]
    if clients.leasable(address):  # the gateway now knows who is behind this device's address
        async with db.acquire() as conn:
            await clients.start_lease(conn, address, row["id"], username, settings.lease_max)
    if _captive_next(next_url):
        lease = await clients.lease_of(db, address) if clients.leasable(address) else None
        context = {
            "continue_url": next_url,
            "lease": lease,
            "idle_minutes": max(1, round(settings.lease_idle.total_seconds() / 60)),
        }
        response: web.StreamResponse = render_page("auth/connected.html", request, context)
    else:
        response = web.HTTPSeeOther(next_url)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        path="/",
        secure=request.secure,
        max_age=int(sessions.SESSION_LIFETIME.total_seconds()),
    )
    if isinstance(response, web.HTTPException):
        raise response
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    db = request.app[DB]
    await sessions.delete(db, request.cookies.get(SESSION_COOKIE, ""))
    if user is not None:
        await audit.record(db, user.username, "logout", user.username, client_ip=request.remote)
        if clients.leasable(request.remote):  # the device goes back to the captive portal
            async with db.acquire() as conn:
                await clients.end_lease(conn, request.remote or "", user.id, user.username)
    response = web.HTTPSeeOther("/masuk")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def set_language(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    lang = str(form.get("lang", "id"))
    response = web.HTTPSeeOther(_safe_next(str(form.get("next", "/"))))
    response.set_cookie(
        LANG_COOKIE, lang if lang in LANGUAGES else "id", samesite="Lax", path="/", max_age=365 * 24 * 3600
    )
    raise response


async def home(request: web.Request) -> web.StreamResponse:
    user = request[USER]
    if user is None:
        raise web.HTTPSeeOther("/masuk")
    raise web.HTTPSeeOther("/penggunaan" if "admin" in user.roles else "/pengecualian/saya")
