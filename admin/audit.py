"""The tamper-evident audit log: append under the chain's lock, verify by recomputing every hash."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import asyncpg

from smedi.sql import load_queries

queries = load_queries("admin")
type Executor = asyncpg.Pool | asyncpg.Connection


async def record(
    db: Executor,
    actor: str,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    client_ip: str | None = None,
) -> int:
    """Append one entry; actions are stable snake_case names such as `login_failed`, `domain_blocked`."""
    return await db.fetchval(
        queries.audit_append, actor, action, target, json.dumps(details or {}), client_ip
    )


@dataclass(frozen=True)
class ChainBreak:
    row_id: int
    reason: str


async def verify_chain(db: Executor) -> tuple[int, ChainBreak | None]:
    """(entries checked, the first broken entry or None)."""
    expected_prev = b""
    checked = 0
    for row in await db.fetch(queries.audit_chain):
        if row["prev_hash"] != expected_prev:
            return checked, ChainBreak(
                row["id"], "previous-hash link does not match (an entry was removed or reordered)"
            )
        if row["recomputed"] != row["hash"]:
            return checked, ChainBreak(row["id"], "content does not match its hash (the entry was edited)")
        expected_prev = row["hash"]
        checked += 1
    return checked, None
