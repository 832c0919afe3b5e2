"""The policy's blocked domains: normalised on the way in; the proxy reloads on NOTIFY."""

from __future__ import annotations

import asyncpg

from proxy_addons.hostnames import InvalidHost, normalize_host
from smedi.sql import load_queries

queries = load_queries("admin")


def normalize_domains(raw: list[str]) -> list[str]:
    """Normalised, de-duplicated domains; raises InvalidHost naming the first bad entry."""
    domains = []
    for entry in raw:
        try:
            domains.append(normalize_host(entry.removeprefix("*.")))
        except InvalidHost as exc:
            raise InvalidHost("host_entry", entry=entry, reason=exc) from None
    return list(dict.fromkeys(domains))


async def block(
    db: asyncpg.Pool | asyncpg.Connection, domains: list[str], reason: str, actor: str
) -> list[str]:
    return [r["domain"] for r in await db.fetch(queries.block_domains, domains, reason, actor)]


async def unblock(db: asyncpg.Pool | asyncpg.Connection, domains: list[str]) -> list[str]:
    return [r["domain"] for r in await db.fetch(queries.unblock_domains, domains)]
