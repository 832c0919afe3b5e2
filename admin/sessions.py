"""Server-side portal sessions in PostgreSQL: revocable, the cookie holds only a random token."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from smedi.sql import load_queries

queries = load_queries("admin")
SESSION_LIFETIME = timedelta(hours=12)  # one working day, then sign in again
IDLE_LIMIT = timedelta(hours=2)  # a forgotten browser on a shared desk does not stay signed in


@dataclass(frozen=True)
class User:
    id: int
    username: str
    full_name: str
    roles: frozenset[str]
    csrf_token: str
    org_unit_id: int | None = None  # the employee's own OPD
    scope_org_id: int | None = None  # the OPD their roles are limited to (with those below); None: the city


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def create(db: asyncpg.Pool, employee_id: int, client_ip: str | None, user_agent: str) -> str:
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + SESSION_LIFETIME
    await db.execute(
        queries.session_create,
        _digest(token),
        employee_id,
        secrets.token_urlsafe(32),
        expires,
        client_ip,
        user_agent[:300],
    )
    return token


async def lookup(db: asyncpg.Pool, token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    row = await db.fetchrow(queries.session_lookup, _digest(token), IDLE_LIMIT)
    if row is None:
        return None
    return User(
        row["id"], row["username"], row["full_name"], frozenset(row["roles"]), row["csrf_token"],
        row["org_unit_id"], row["scope_org_unit_id"],
    )  # fmt: skip


async def delete(db: asyncpg.Pool, token: str) -> None:
    await db.execute(queries.session_delete, _digest(token))
