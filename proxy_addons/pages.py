"""The pages the proxy answers with itself: sign-in required and blocked. Autoescaped: hosts are hostile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

import jinja2
from mitmproxy import http

from proxy_addons.snapshots import Decision

REALM = "S'MEDI"
_HTML = "text/html; charset=utf-8"
# The pages carry no scripts and load nothing; they may never be framed.
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("proxy_addons", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render(name: str, **context: object) -> bytes:
    return _templates().get_template(name).render(**context).encode("utf-8")


def auth_required_response() -> http.Response:
    return http.Response.make(
        407,
        render("auth_required.html"),
        {"Proxy-Authenticate": f'Basic realm="{REALM}"', "Content-Type": _HTML, **_SECURITY_HEADERS},
    )


def sign_in_response(url: str, *, redirect: bool) -> http.Response:
    """Transparent mode, a device nobody has signed in on: to the portal's sign-in page. Plain HTTP is
    redirected (what devices' captive-portal checks look for); HTTPS, decrypted with our CA, gets a page
    with the link (511, RFC 6585), since a redirect there would look like the site's own."""
    body = render("sign_in.html", url=url)
    headers = {"Content-Type": _HTML, **_SECURITY_HEADERS}
    if redirect:
        return http.Response.make(302, body, {**headers, "Location": url})
    return http.Response.make(511, body, headers)


@dataclass(frozen=True)
class PageContext:
    """What a block or warning page tells the employee; every field may hold hostile text (escaped)."""

    decision: Decision
    url: str
    reason_id: str
    reason_en: str
    at: datetime  # local time
    reference: str
    portal_url: str
    continue_url: str = ""
    lang: str = "id"  # Indonesian first; the page links to itself in the other language
    other_language_url: str = ""


def block_response(page: PageContext) -> http.Response:
    return http.Response.make(
        403, render("blocked.html", page=page), {"Content-Type": _HTML, **_SECURITY_HEADERS}
    )


def warn_response(page: PageContext) -> http.Response:
    return http.Response.make(
        200, render("warn.html", page=page), {"Content-Type": _HTML, **_SECURITY_HEADERS}
    )
