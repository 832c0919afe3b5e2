"""Whose usage a user may read: the whole city, or an OPD with the OPDs below it."""

from __future__ import annotations

import asyncpg

from admin.access import may_read_org, visible_orgs
from admin.sessions import User


async def test_a_scope_reaches_its_opd_and_those_below_it_only(db: asyncpg.Pool) -> None:
    async def org(code: str, parent: int | None = None) -> int:
        return await db.fetchval(
            "INSERT INTO org_units (code, name, parent_id) VALUES ($1, $1, $2) RETURNING id", code, parent
        )

    disdik = await org("DISDIK")
    school, other = await org("SMPN1", disdik), await org("DINKES")
    grandchild = await org("SMPN1-LAB", school)
    await db.execute("UPDATE org_units SET parent_id = $1 WHERE id = $2", grandchild, disdik)  # a loop
    city = User(1, "hr", "", frozenset({"hr"}), "t")
    scoped = User(2, "hr-disdik", "", frozenset({"hr"}), "t", disdik, disdik)

    assert await visible_orgs(db, city) is None
    assert await may_read_org(db, city, other) and await may_read_org(db, city, None)
    assert await visible_orgs(db, scoped) == {disdik, school, grandchild}  # the loop ends
    assert await may_read_org(db, scoped, grandchild)
    assert not await may_read_org(db, scoped, other)
    assert not await may_read_org(db, scoped, None)


async def test_the_session_carries_the_scope(db: asyncpg.Pool) -> None:
    from admin import sessions

    org = await db.fetchval("INSERT INTO org_units (code, name) VALUES ('DISDIK', 'D') RETURNING id")
    eid = await db.fetchval(
        "INSERT INTO employees (username, password_hash, org_unit_id, roles, scope_org_unit_id) "
        "VALUES ('hr-disdik', 'x', $1, '{hr,employee}', $1) RETURNING id",
        org,
    )
    token = await sessions.create(db, eid, None, "test")
    user = await sessions.lookup(db, token)
    assert user is not None and (user.org_unit_id, user.scope_org_id) == (org, org)
