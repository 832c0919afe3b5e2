"""Exception requests: asked from the block page, decided by an admin, every step audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import asyncpg

from admin import audit
from admin.policy_rules import RuleSpec, add_rule
from smedi.refusals import Refusal
from smedi.sql import load_queries

queries = load_queries("exceptions")
DURATIONS = {
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
MAX_REASON = 2000


class ExceptionError(Refusal):
    """A request or decision that cannot be taken; the message is for the person who tried."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "exc_reference_unknown": "This reference is not known for your account. "
        "Open the link from the block page again in a few seconds.",
        "exc_reason_required": "Please give a reason.",
        "exc_reason_too_long": "The reason is too long ({max_length} characters at most).",
        "exc_already_requested": "A request for this reference was already sent.",
        "exc_not_pending": "This request was already decided.",
        "exc_duration_invalid": "Choose how long the exception lasts.",
        "exc_scope_invalid": "Choose who the exception is for.",
        "exc_no_org": "This employee has no OPD.",
    }


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
        raise ExceptionError("exc_reason_required")
    if len(reason) > MAX_REASON:
        raise ExceptionError("exc_reason_too_long", max_length=MAX_REASON)
    async with conn.transaction():
        event = await refused_event(conn, employee_id, reference)
        if event is None:
            raise ExceptionError("exc_reference_unknown")
        request_id = await conn.fetchval(
            queries.request_insert, employee_id, reference.strip().upper(), event["host"], event["rule"],
            event["category"], reason,
        )  # fmt: skip
        if request_id is None:
            raise ExceptionError("exc_already_requested")
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
        raise ExceptionError("exc_duration_invalid")
    if scope not in ("employee", "org"):
        raise ExceptionError("exc_scope_invalid")
    async with conn.transaction():
        request = await conn.fetchrow(queries.request_pending, request_id)
        if request is None:
            raise ExceptionError("exc_not_pending")
        if scope == "org" and not request["org_code"]:
            raise ExceptionError("exc_no_org")
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
            raise ExceptionError("exc_not_pending")
        await conn.execute(
            queries.request_decide, request_id, "refused", actor, note.strip()[:2000], None, None, None
        )
        await audit.record(conn, actor, "exception_refused", str(request_id), {"note": note})
