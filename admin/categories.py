"""Categories in PostgreSQL: the action a site in the category gets when no rule decides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import asyncpg

from admin import audit
from proxy_addons.rules import ACTIONS
from smedi.refusals import Refusal
from smedi.sql import load_queries

queries = load_queries("categories")


class CategoryError(Refusal):
    """A category change refused; the message is for the person who asked."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "category_unknown_action": "unknown action {action!r}; actions are {actions}",
        "category_unknown": "unknown category {slug!r}",
    }


async def set_default_action(conn: asyncpg.Connection, slug: str, action: str, actor: str) -> None:
    if action not in ACTIONS:
        raise CategoryError("category_unknown_action", action=action, actions=", ".join(ACTIONS))
    async with conn.transaction():
        previous = await conn.fetchrow(queries.category_set_default_action, slug, action)
        if previous is None:
            raise CategoryError("category_unknown", slug=slug)
        await audit.record(
            conn, actor, "category_action_changed", slug, {"from": previous["default_action"], "to": action}
        )
