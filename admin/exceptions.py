"""Exception requests: asked from the block page, decided by an admin, every step audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from admin import audit
from admin.policy_rules import RuleSpec, add_rule
from smedi.sql import load_queries

queries = load_queries("exceptions")
DURATIONS = {
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
MAX_REASON = 2000


class ExceptionError(ValueError):
    """A request or decision that cannot be taken; the message is for the person who tried."""


async def refused_event(
    db: asyncpg.Pool | asyncpg.Connection, employee_id: int, reference: str
) -> dict[str, Any] | None:
    """The employee's own block or warning with this reference (never someone else's)."""
    row = await db.fetchrow(queries.refused_event, employee_id, reference.strip().upper()[:16])
    return dict(row) if row else None


async def submit(
    conn: asyncpg.Connection,
    employee_id: int,
    username: str,
    reference: str,
    reason: str,
    client_ip: str | None,
) -> int:
    reason = reason.strip()
    if not reason:
        raise ExceptionError("reason_required")
    if len(reason) > MAX_REASON:
        raise ExceptionError("reason_too_long")
    async with conn.transaction():
        event = await refused_event(conn, employee_id, reference)
        if event is None:
            raise ExceptionError("reference_unknown")
        request_id = await conn.fetchval(
            queries.request_insert, employee_id, reference.strip().upper(), event["host"], event["rule"],
            event["category"], reason,
        )  # fmt: skip
        if request_id is None:
            raise ExceptionError("already_requested")
        await audit.record(conn, username, "exception_requested", str(request_id),
                           {"host": event["host"], "reference": reference, "rule": event["rule"]},
                           client_ip=client_ip)  # fmt: skip
    return request_id


async def requests_of(db: asyncpg.Pool, employee_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(queries.requests_of, employee_id)]


async def for_review(db: asyncpg.Pool) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(queries.requests_for_review)]


async def approve(
    conn: asyncpg.Connection, request_id: int, actor: str, duration: str, scope: str, note: str
) -> int:
    """An allow rule for the host, on top of all rules, ending by itself; returns the rule's id."""
    if duration not in DURATIONS:
        raise ExceptionError("duration_invalid")
    if scope not in ("employee", "org"):
        raise ExceptionError("scope_invalid")
    async with conn.transaction():
        request = await conn.fetchrow(queries.request_pending, request_id)
        if request is None:
            raise ExceptionError("not_pending")
        if scope == "org" and not request["org_code"]:
            raise ExceptionError("no_org")
        expires = datetime.now(UTC) + DURATIONS[duration]
        spec = RuleSpec(
            "allow", "domain", request["host"], scope,
            request["username"] if scope == "employee" else request["org_code"],
            note=f"pengecualian #{request_id} ({request['reference']})", position=1, expires_at=expires,
        )  # fmt: skip
        rule_id = await add_rule(conn, spec, actor)
        await conn.execute(queries.request_decide, request_id, "approved", actor, note.strip()[:2000], scope,
                           expires, rule_id)  # fmt: skip
        await audit.record(
            conn,
            actor,
            "exception_approved",
            str(request_id),
            {"rule_id": rule_id, "scope": scope, "expires_at": expires.isoformat(), "note": note},
        )
    return rule_id


async def refuse(conn: asyncpg.Connection, request_id: int, actor: str, note: str) -> None:
    async with conn.transaction():
        if await conn.fetchrow(queries.request_pending, request_id) is None:
            raise ExceptionError("not_pending")
        await conn.execute(
            queries.request_decide, request_id, "refused", actor, note.strip()[:2000], None, None, None
        )
        await audit.record(conn, actor, "exception_refused", str(request_id), {"note": note})
