"""The URL map and the one table that says which roles may use each route."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aiohttp import web

from admin.keys import PUBLIC
from admin.views import auth, ca, usage

STATIC_DIR = Path(__file__).parent / "static"
ADMIN = frozenset({"admin"})

# route name → roles allowed (PUBLIC: anyone). A route missing here is refused (see security.authorize).
ROUTE_ROLES: Mapping[str, frozenset[str]] = {
    "home": PUBLIC,
    "login_form": PUBLIC,
    "login": PUBLIC,
    "logout": PUBLIC,
    "language": PUBLIC,
    "static": PUBLIC,
    "ca": PUBLIC,
    "ca_pem": PUBLIC,
    "ca_der": PUBLIC,
    "usage": ADMIN,
    "api_usage": ADMIN,
}


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/", auth.home, name="home")
    r.add_get("/masuk", auth.login_form, name="login_form")
    r.add_post("/masuk", auth.login, name="login")
    r.add_post("/keluar", auth.logout, name="logout")
    r.add_post("/bahasa", auth.set_language, name="language")
    r.add_get("/penggunaan", usage.usage_page, name="usage")
    r.add_get("/api/v1/usage/today", usage.usage_api, name="api_usage")
    r.add_get("/ca", ca.ca_page, name="ca")
    r.add_get("/ca/smedi-ca.pem", ca.ca_pem, name="ca_pem")
    r.add_get("/ca/smedi-ca.cer", ca.ca_der, name="ca_der")
    r.add_static("/static/", STATIC_DIR, name="static")
