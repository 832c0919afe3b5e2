"""Categories in PostgreSQL: the action a site in the category gets when no rule decides."""

from __future__ import annotations

import asyncpg

from admin import audit
from proxy_addons.rules import ACTIONS
from smedi.sql import load_queries

queries = load_queries("categories")


class CategoryError(ValueError):
    """A category change refused; the message is for the person who asked."""


async def set_default_action(conn: asyncpg.Connection, slug: str, action: str, actor: str) -> None:
    if action not in ACTIONS:
        raise CategoryError(f"unknown action {action!r}; actions are {', '.join(ACTIONS)}")
    async with conn.transaction():
        previous = await conn.fetchrow(queries.category_set_default_action, slug, action)
        if previous is None:
            raise CategoryError(f"unknown category {slug!r}")
        await audit.record(
            conn, actor, "category_action_changed", slug, {"from": previous["default_action"], "to": action}
        )
