"""Whose usage a signed-in user may read: roles limited to an OPD reach that OPD and the OPDs below it.

Which roles may open which route is the one table in admin/routes.py; this module narrows what a route
shows to the user's scope (`employees.scope_org_unit_id`; none is the whole city).
"""

from __future__ import annotations

import asyncpg

from admin import audit
from admin.directory import DirectoryError
from admin.sessions import User
from smedi.sql import load_queries

queries = load_queries("access")
type Executor = asyncpg.Pool | asyncpg.Connection


async def visible_orgs(db: Executor, user: User) -> frozenset[int] | None:
    """The ids of the OPDs whose usage the user may read; None when their roles reach the whole city."""
    if user.scope_org_id is None:
        return None
    return frozenset(row["id"] for row in await db.fetch(queries.org_subtree, user.scope_org_id))


async def may_read_org(db: Executor, user: User, org_id: int | None) -> bool:
    """Whether the user's scope covers this OPD (None, no OPD: only for a user of the whole city)."""
    orgs = await visible_orgs(db, user)
    return orgs is None or (org_id is not None and org_id in orgs)


async def set_scope(conn: asyncpg.Connection, username: str, org_code: str | None, actor: str) -> str | None:
    """Limit an employee's roles to an OPD and those below it (None: the whole city); audited
    `employee_scope_changed`. Returns the previous scope's OPD code (None: it was the city)."""
    username = username.strip().lower()
    async with conn.transaction():
        employee = await conn.fetchrow(queries.employee_scope, username) if username.isprintable() else None
        if employee is None:
            raise DirectoryError(f"no employee {username[:64]!r}")
        org_id = None
        if org_code is not None:
            org_id = await conn.fetchval(queries.org_id_by_code, org_code) if org_code.isprintable() else None
            if org_id is None:
                raise DirectoryError(f"OPD {org_code[:32]!r} does not exist (see 'smedi org add')")
        await conn.execute(queries.set_scope, employee["id"], org_id)
        previous = employee["scope_code"] or None
        details = {"scope_org": org_code, "previous_scope_org": previous}
        await audit.record(conn, actor, "employee_scope_changed", username, details)
    return previous
