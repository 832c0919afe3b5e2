"""Typed application keys shared by the app factory, middlewares and views."""

from __future__ import annotations

from collections.abc import Mapping

import asyncpg
from aiohttp import web

from admin.sessions import User
from admin.throttle import LoginThrottle
from smedi.settings import Settings

PUBLIC: frozenset[str] = frozenset({"*"})  # marker in the role table: no sign-in needed
# Marker in the role table: the handler authenticates a signed API token (Authorization: Bearer); no session
# cookie is read, so there is nothing for a cross-site request to ride on and no CSRF token to check.
API_TOKEN: frozenset[str] = frozenset({"api-token"})

DB = web.AppKey("db", asyncpg.Pool)
SETTINGS = web.AppKey("settings", Settings)
ROUTE_ROLES = web.AppKey("route_roles", Mapping)
THROTTLE = web.AppKey("throttle", LoginThrottle)
BODY_LIMITS = web.AppKey("body_limits", Mapping)  # route name → bytes, for routes that take uploads

# Per request: the signed-in user (None: nobody), and the CSRF token of a visitor not signed in yet.
USER = web.RequestKey[User | None]("user")
PRE_CSRF = web.RequestKey("pre_csrf", str)
