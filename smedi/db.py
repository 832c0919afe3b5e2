"""The asyncpg pool and the forward-only migration runner."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import structlog

from admin.samawa.regions import sync_reference_codes
from smedi.sql import SQL_DIR

log = structlog.get_logger(__name__)

MIGRATION_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
MIGRATION_LOCK = 0x534D454449  # "SMEDI": one migrator at a time across processes


class DatabaseUnavailable(RuntimeError):
    """PostgreSQL cannot be reached; the message names the target (never the password)."""


def describe_target(url: str) -> str:
    """user@host:port/db of a URL, without the password, for messages and logs."""
    parts = urlsplit(url)
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    host = parts.hostname or query.get("host", "localhost")
    port = parts.port or query.get("port", 5432)
    return f"{parts.username or ''}@{host}:{port}{parts.path or '/'}"


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.execute("SET TIME ZONE 'UTC'")


async def create_pool(
    url: str,
    *,
    min_size: int = 1,
    max_size: int = 5,
    setup: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
) -> asyncpg.Pool:
    """`setup` prepares each new connection further (the usage writer's codecs)."""

    async def init(conn: asyncpg.Connection) -> None:
        await _init_connection(conn)
        if setup is not None:
            await setup(conn)

    try:
        return await asyncpg.create_pool(url, min_size=min_size, max_size=max_size, init=init, timeout=10)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        reason = str(exc) or type(exc).__name__
        raise DatabaseUnavailable(
            f"cannot connect to PostgreSQL at {describe_target(url)}: {reason}"
        ) from None


async def connect(url: str) -> asyncpg.Connection:
    try:
        conn = await asyncpg.connect(url, timeout=10)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        reason = str(exc) or type(exc).__name__
        raise DatabaseUnavailable(
            f"cannot connect to PostgreSQL at {describe_target(url)}: {reason}"
        ) from None
    await _init_connection(conn)
    return conn


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def list_migrations(directory: Path = SQL_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = MIGRATION_FILE.match(path.name)
        if match is None:
            raise ValueError(f"{path.name}: migrations are named NNNN_name.sql")
        found.append(Migration(int(match[1]), match[2], path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError("two migrations share a number")
    return found


async def migrate(conn: asyncpg.Connection, directory: Path = SQL_DIR) -> list[Migration]:
    """Apply the migrations not yet recorded, each in its own transaction; return those applied."""
    applied_now = []
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        for migration in list_migrations(directory):
            if migration.version in done:
                continue
            async with conn.transaction():
                await conn.execute(migration.path.read_text(encoding="utf-8"))
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    migration.version,
                    migration.name,
                )
            log.info("migration_applied", version=migration.version, name=migration.name)
            applied_now.append(migration)
        # Reference data shipped as files (SAMAWA's region codes) follows the files on every migrate;
        # still under the lock, so concurrent migrators do not race. Unchanged rows are not rewritten.
        await sync_reference_codes(conn)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
    return applied_now
