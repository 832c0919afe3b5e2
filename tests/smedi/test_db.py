"""Migrations from an empty database: all apply, a second run changes nothing, the lock is released."""

from __future__ import annotations

import asyncio

from smedi.db import connect, list_migrations, migrate
from tests.conftest import _admin_execute, with_database_name


async def _schema(conn) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    rows = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' ORDER BY table_name, column_name"
    )
    return [(r["table_name"], r["column_name"]) for r in rows]


async def test_migrations_from_empty_database_are_idempotent(server_url: str) -> None:
    name = "smedi_empty_migration_test"
    await _admin_execute(
        server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )
    conn = await connect(with_database_name(server_url, name))
    try:
        applied = await migrate(conn)
        assert [m.version for m in applied] == [m.version for m in list_migrations()]
        before = await _schema(conn)
        assert await migrate(conn) == []
        assert await _schema(conn) == before
        recorded = await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
        assert [r["version"] for r in recorded] == [m.version for m in list_migrations()]
        tables = {t for t, _ in before}
        assert {
            "org_units",
            "employees",
            "portal_sessions",
            "audit_log",
            "categories",
            "category_lists",
            "list_domains",
            "rules",
            "schedules",
            "holidays",
            "blocked_domains",
            "usage_events",
            "usage_hourly",
        } <= tables
        partitioned = await conn.fetchval("SELECT relkind FROM pg_class WHERE relname = 'usage_events'")
        assert partitioned == b"p" or partitioned == "p"
    finally:
        await conn.close()
        await _admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_concurrent_migrators_apply_each_migration_once(server_url: str) -> None:
    name = "smedi_concurrent_migration_test"
    await _admin_execute(
        server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )
    url = with_database_name(server_url, name)
    conns = [await connect(url) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(c) for c in conns))
        assert sorted(len(r) for r in results) == [0, 0, len(list_migrations())]
    finally:
        for c in conns:
            await c.close()
        await _admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
