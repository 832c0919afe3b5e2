"""SAMAWA routes: datasets, the submission API and the Walidata's review, with the roles allowed on each."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

# route name → roles allowed (admin.keys.PUBLIC: anyone; admin.keys.API_TOKEN: a signed token, checked by the view)
ROUTE_ROLES: Mapping[str, frozenset[str]] = {}
BODY_LIMITS: Mapping[str, int] = {}


def setup_routes(app: web.Application) -> None:
    del app
