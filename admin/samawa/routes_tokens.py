"""SAMAWA routes: token pages of the Walidata and admins, with the roles allowed on each."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from admin.keys import PUBLIC
from admin.samawa import views_tokens

TOKEN_KEEPERS = frozenset({"walidata", "admin"})  # who issues, revokes and reads the uses of OPD tokens

# route name → roles allowed (session routes only: every form carries the CSRF token)
ROUTE_ROLES: Mapping[str, frozenset[str]] = {
    "samawa_tokens": TOKEN_KEEPERS,
    "samawa_token_issue": TOKEN_KEEPERS,
    "samawa_token_revoke": TOKEN_KEEPERS,
    "samawa_token_uses": TOKEN_KEEPERS,
    "samawa_key_rotate": TOKEN_KEEPERS,
    "api_signing_keys": PUBLIC,  # public halves only: anyone may check a receipt's signature
}
BODY_LIMITS: Mapping[str, int] = {}


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/samawa/token", views_tokens.tokens_page, name="samawa_tokens")
    r.add_post("/samawa/token", views_tokens.issue_form, name="samawa_token_issue")
    r.add_post("/samawa/token/cabut", views_tokens.revoke_form, name="samawa_token_revoke")
    r.add_get("/samawa/token/penggunaan", views_tokens.uses_page, name="samawa_token_uses")
    r.add_post("/samawa/token/rotasi-kunci", views_tokens.rotate_form, name="samawa_key_rotate")
    r.add_get("/api/v1/keys", views_tokens.public_keys_jwks, name="api_signing_keys")
