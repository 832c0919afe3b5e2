"""Whose usage a signed-in user may read: roles limited to an OPD reach that OPD and the OPDs below it.

Which roles may open which route is the one table in admin/routes.py; this module narrows what a route
shows to the user's scope (`employees.scope_org_unit_id`; none is the whole city).
"""

from __future__ import annotations

import asyncpg

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
