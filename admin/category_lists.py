"""Category lists in PostgreSQL: import a new version atomically, roll back, summarise, search."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import asyncpg

from admin import audit
from admin.list_formats import ParsedList
from proxy_addons.hostnames import InvalidHost, domain_and_parents, normalize_host
from smedi.refusals import Refusal
from smedi.sql import load_queries

queries = load_queries("lists")


class ListError(Refusal):
    """A list operation refused; the message is for the person who asked."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "list_unknown_category": "unknown category {slug!r}; see 'smedi lists show' for the categories",
        "list_no_earlier": "category {slug!r} has no earlier list to return to",
        "list_not_a_host": "not a host name: {reason}",
    }


@dataclass(frozen=True)
class Imported:
    list_id: int
    category: str
    domains: int


async def check_category(conn: asyncpg.Connection, slug: str) -> None:
    await _category_id(conn, slug)


async def _category_id(conn: asyncpg.Connection, slug: str) -> int:
    category_id = await conn.fetchval(queries.category_id, slug)
    if category_id is None:
        raise ListError("list_unknown_category", slug=slug)
    return category_id


async def import_list(
    conn: asyncpg.Connection, slug: str, parsed: ParsedList, source: str, actor: str
) -> Imported:
    """Store `parsed` as the category's active list in one transaction; the old one stays for rollback."""
    async with conn.transaction():
        category_id = await _category_id(conn, slug)
        list_id = await conn.fetchval(
            queries.list_create, category_id, source[:300], parsed.format, actor, len(parsed.domains),
            len(parsed.urls), parsed.duplicates, parsed.invalid, parsed.unsupported,
            "\n".join(parsed.domains).encode(),
        )  # fmt: skip
        await conn.copy_records_to_table(
            "list_domains", records=((list_id, d) for d in parsed.domains), columns=("list_id", "domain")
        )
        if parsed.urls:
            await conn.copy_records_to_table(
                "list_urls", records=((list_id, u) for u in parsed.urls), columns=("list_id", "url")
            )
        await conn.execute(queries.list_deactivate, category_id)
        await conn.execute(queries.list_activate, list_id)
        await conn.execute(queries.list_prune, category_id, list_id)
        await audit.record(
            conn, actor, "list_imported", slug,
            {"list_id": list_id, "source": source[:300], "format": parsed.format,
             "domains": len(parsed.domains), "duplicates": parsed.duplicates, "invalid": parsed.invalid},
        )  # fmt: skip
    return Imported(list_id, slug, len(parsed.domains))


async def roll_back(conn: asyncpg.Connection, slug: str, actor: str) -> dict[str, Any]:
    """Make the previous version active again (the current one becomes the one to return to)."""
    async with conn.transaction():
        category_id = await _category_id(conn, slug)
        previous = await conn.fetchrow(queries.list_previous, category_id)
        if previous is None:
            raise ListError("list_no_earlier", slug=slug)
        await conn.execute(queries.list_deactivate, category_id)
        await conn.execute(queries.list_activate, previous["id"])
        await audit.record(conn, actor, "list_rolled_back", slug, {"list_id": previous["id"]})
    return dict(previous)


async def summaries(db: asyncpg.Pool | asyncpg.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(queries.list_summaries)]


async def search(db: asyncpg.Pool | asyncpg.Connection, raw: str) -> list[dict[str, Any]]:
    """Which active lists hold this host or one of its parents, most specific first."""
    try:
        host = normalize_host(raw)
    except InvalidHost as exc:
        raise ListError("list_not_a_host", reason=exc) from None
    return [dict(r) for r in await db.fetch(queries.list_search, domain_and_parents(host))]
