"""What start-up does before serving: migrate, create the CA, create the first admin."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from admin import audit
from admin.directory import add_employee
from certs.authority import ensure_ca
from smedi.db import connect, migrate
from smedi.settings import Settings
from smedi.sql import load_queries

queries = load_queries("admin")
FIRST_ADMIN = "admin"


@dataclass(frozen=True)
class Bootstrapped:
    ca_file: Path
    admin_password: str | None  # set only when we generated it now: printed once, never stored


async def bootstrap(settings: Settings) -> Bootstrapped:
    assert settings.database_url
    conn = await connect(settings.database_url)
    try:
        await migrate(conn)
        generated = None
        if not await conn.fetchval(queries.admin_exists):
            password = settings.admin_password or secrets.token_urlsafe(12)
            await add_employee(
                conn, FIRST_ADMIN, password, org=None, full_name="Administrator", roles=("admin",)
            )
            await audit.record(conn, "system", "first_admin_created", FIRST_ADMIN)
            generated = None if settings.admin_password else password
    finally:
        await conn.close()
    confdir = ensure_ca(settings.certs_dir)
    return Bootstrapped(confdir / "mitmproxy-ca-cert.pem", generated)
