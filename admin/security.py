"""Middlewares: one error shape, sessions, one role check per route, body limits, CSRF, security headers."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import quote

import structlog
from aiohttp import web

from admin import sessions
from admin.keys import API_TOKEN, BODY_LIMITS, DB, PRE_CSRF, PUBLIC, ROUTE_ROLES, USER

log = structlog.get_logger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SESSION_COOKIE = "smedi_session"
PRE_SESSION_COOKIE = "smedi_csrf"  # CSRF token for forms shown before sign-in (double submit)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def error_detail(exc: web.HTTPException) -> str:
    """The text a handler raised with, or '' when aiohttp only filled in its default."""
    return exc.text if exc.text and exc.text != f"{exc.status}: {exc.reason}" else ""


def api_error(status: int, code: str, message: str, details: object = None) -> web.Response:
    """The API's one error shape: {"error": {"code", "message", "details"}}."""
    return web.json_response({"error": {"code": code, "message": message, "details": details}}, status=status)


@web.middleware
async def api_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_api(request):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = error_detail(exc) or exc.reason
        response = api_error(exc.status, exc.reason.lower().replace(" ", "_"), message)
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]  # a 405 must still say which methods work
        return response
    except Exception:
        # An API client must get the one error shape even for a bug; the traceback goes to the log only.
        log.exception("api_request_failed", path=request.path, method=request.method)
        return api_error(500, "internal_server_error", "Internal Server Error")


@web.middleware
async def authorize(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Load the session, then apply the route's roles; a route missing from the table is refused."""
    request[USER] = await sessions.lookup(request.app[DB], request.cookies.get(SESSION_COOKIE, ""))
    if request.match_info.http_exception is not None:
        # 404 / 405: nothing to protect. Raised here, so a POST to a wrong URL says 404/405, not "CSRF".
        raise request.match_info.http_exception
    allowed = request.app[ROUTE_ROLES].get(request.match_info.route.name or "")
    if allowed is None:
        raise web.HTTPForbidden(text="route has no role rule")  # fail closed
    if allowed is PUBLIC or allowed is API_TOKEN:  # API_TOKEN: the handler checks the signed token
        return await handler(request)
    user = request[USER]
    if user is None:
        if is_api(request):
            raise web.HTTPUnauthorized(text="sign in first")
        raise web.HTTPSeeOther(f"/masuk?next={quote(request.path_qs, safe='')}")
    if not user.roles & allowed:
        raise web.HTTPForbidden(text="your role may not open this page")
    return await handler(request)


def current_user(request: web.Request) -> sessions.User:
    """The signed-in user of a route that requires one (authorize has already checked)."""
    user = request[USER]
    if user is None:
        raise web.HTTPUnauthorized(text="sign in first")
    return user


@web.middleware
async def body_limits(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A route in the body-limit table may receive more than the application's form-sized limit.

    After authorize on purpose: only someone the route admits may send that much. Before csrf, which reads
    the whole form (upload included) before it can compare the token.
    """
    limit = request.app[BODY_LIMITS].get(request.match_info.route.name or "")
    if limit is None:
        return await handler(request)
    # aiohttp has one client_max_size per application; a clone of the request is how one route gets its own.
    larger = request.clone(client_max_size=limit)
    try:
        return await handler(larger)
    finally:
        # aiohttp closes (so deletes) the uploads' temporary files of the request it made, not of a clone.
        larger._finish()


def csrf_token(request: web.Request) -> str:
    user = request.get(USER)
    if user is not None:
        return user.csrf_token
    if PRE_CSRF not in request:
        request[PRE_CSRF] = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(32)
    return request[PRE_CSRF]


@web.middleware
async def csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    token_route = request.app[ROUTE_ROLES].get(request.match_info.route.name or "") is API_TOKEN
    if request.method in UNSAFE_METHODS and not token_route:
        sent = request.headers.get("X-CSRF-Token", "")
        if not sent and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            # request.post() caches the parsed form, so the view reads the same form again. It also reads a
            # multipart body whole (up to client_max_size): views must use request.post(), not
            # request.multipart(), or uploads must send the token in the X-CSRF-Token header.
            sent = str((await request.post()).get("csrf_token", ""))
        user = request.get(USER)
        expected = user.csrf_token if user is not None else request.cookies.get(PRE_SESSION_COOKIE, "")
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise web.HTTPForbidden(text="CSRF token missing or wrong: reload the page and try again")
    response = await handler(request)
    if PRE_CSRF in request and request.cookies.get(PRE_SESSION_COOKIE) != request[PRE_CSRF]:
        response.set_cookie(
            PRE_SESSION_COOKIE,
            request[PRE_CSRF],
            httponly=True,
            samesite="Strict",
            path="/",
            secure=request.secure,
        )
    return response


async def security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")
