"""Page rendering: every template gets the signed-in user, the language, its translator and the CSRF token."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping

import aiohttp_jinja2
from aiohttp import web

from admin.i18n import ERROR_KEYS, language, translator
from admin.keys import USER
from admin.security import csrf_token, error_detail, is_api

View = Callable[[web.Request], Awaitable[Mapping[str, object]]]


def render_page(
    template_name: str, request: web.Request, context: Mapping[str, object], *, status: int = 200
) -> web.Response:
    lang = language(request)
    base = {
        "user": request.get(USER),
        "lang": lang,
        "_": translator(lang),
        "csrf_token": csrf_token(request),
        "path": request.path_qs,
    }
    return aiohttp_jinja2.render_template(template_name, request, {**base, **context}, status=status)


def page(template_name: str) -> Callable[[View], Callable[[web.Request], Awaitable[web.Response]]]:
    """aiohttp_jinja2.template plus the base context.

    Not aiohttp_jinja2's context processors: their middleware stores a plain str key in the request, which
    aiohttp warns about, and the test suite turns warnings into errors.
    """

    def decorate(view: View) -> Callable[[web.Request], Awaitable[web.Response]]:
        @functools.wraps(view)
        async def handler(request: web.Request) -> web.Response:
            return render_page(template_name, request, await view(request))

        return handler

    return decorate


@web.middleware
async def error_pages(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Pages (not the API) show errors as a page in the reader's language, with the technical reason below."""
    if is_api(request):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        detail = error_detail(exc)
        key = f"error_{exc.status}" if f"error_{exc.status}" in ERROR_KEYS else "error_other"
        context = {"status": exc.status, "detail": detail, "error_key": key}
        response = render_page("errors/error.html", request, context, status=exc.status)
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
