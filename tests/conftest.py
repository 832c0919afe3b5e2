"""Shared fixtures: a real PostgreSQL (DATABASE_URL, or the embedded one) and a clean database per test."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import hypothesis
import pytest

from smedi.db import connect, create_pool, migrate
from smedi.logs import configure_logging

configure_logging(json=True)
# No per-example deadline: CI machines are shared and noisy; a slow example is not a failure.
hypothesis.settings.register_profile("smedi", deadline=None)
hypothesis.settings.load_profile("smedi")


def with_database_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _admin_execute(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PostgreSQL server: DATABASE_URL when set, otherwise the embedded one in a temporary folder."""
    if url := os.environ.get("DATABASE_URL"):
        return url
    from smedi.embedded import start_embedded

    return start_embedded(tmp_path_factory.mktemp("pgdata"))


@pytest.fixture(scope="session")
def template_database(server_url: str) -> Iterator[str]:
    """A database built only by running the migrations; each test copies it."""
    name = f"smedi_template_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin_execute(server_url, f'CREATE DATABASE "{name}"'))

    async def build() -> None:
        conn = await connect(with_database_name(server_url, name))
        try:
            await migrate(conn)
        finally:
            await conn.close()

    asyncio.run(build())
    yield name
    asyncio.run(_admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(server_url: str, template_database: str) -> Iterator[str]:
    """The URL of a fresh, migrated database of this test's own."""
    name = f"smedi_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin_execute(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
    yield with_database_name(server_url, name)
    asyncio.run(_admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url)
    yield pool
    await pool.close()


@pytest.fixture
def smedi_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home
