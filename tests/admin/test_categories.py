"""A category's default action in PostgreSQL: changed, audited, announced to the proxies."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest

from admin.categories import CategoryError, set_default_action
from smedi.db import connect


async def test_a_default_action_change_is_saved_audited_and_announced(
    db: asyncpg.Pool, database_url: str
) -> None:
    announced: asyncio.Queue[str] = asyncio.Queue()
    listener = await connect(database_url)  # its own connection, as a proxy listens on one
    try:
        await listener.add_listener("policy_changed", lambda *args: announced.put_nowait(args[-1]))
        async with db.acquire() as conn:
            await set_default_action(conn, "media-sosial", "block", "admin")
        # The proxies reload on this notification (the trigger on categories sends it).
        assert await asyncio.wait_for(announced.get(), timeout=5) == "categories"
    finally:
        await listener.close()

    assert await db.fetchval("SELECT default_action FROM categories WHERE slug = 'media-sosial'") == "block"
    row = await db.fetchrow("SELECT actor, action, target, details FROM audit_log")
    assert tuple(row)[:3] == ("admin", "category_action_changed", "media-sosial")
    assert json.loads(row["details"]) == {"from": "allow", "to": "block"}


@pytest.mark.parametrize(
    ("slug", "action", "message"),
    [
        ("media-sosial", "hapus", "unknown action 'hapus'; actions are allow, block, passthrough, warn"),
        ("media-sosial", "", "unknown action ''"),
        ("tidak-ada", "block", "unknown category 'tidak-ada'"),
    ],
)
async def test_a_refused_change_changes_nothing(
    db: asyncpg.Pool, slug: str, action: str, message: str
) -> None:
    async with db.acquire() as conn:
        with pytest.raises(CategoryError, match=message):
            await set_default_action(conn, slug, action, "admin")
    assert await db.fetchval("SELECT default_action FROM categories WHERE slug = 'media-sosial'") == "allow"
    assert await db.fetchval("SELECT count(*) FROM audit_log") == 0
