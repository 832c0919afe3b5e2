"""Anomaly alerts for the portal: list and read them, move them through their statuses with a note, and
the corrective actions taken from one (suspend the internet, a quota, block a domain, end a lease), each
audited with the alert's id and each reversible."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import asyncpg

from accounting.anomaly import DETECTORS
from admin import audit, blocklist, quotas
from proxy_addons.hostnames import InvalidHost
from smedi.refusals import Refusal
from smedi.sql import load_queries

queries = load_queries("alerts")
type Executor = asyncpg.Pool | asyncpg.Connection

STATUSES = ("new", "acknowledged", "resolved", "false_positive")
OPEN = ("new", "acknowledged")
SEVERITIES = ("low", "medium", "high")
# Where each status may go. A closed alert can be opened again (acknowledged): a decision is reversible.
NEXT_STATUSES: Mapping[str, tuple[str, ...]] = {
    "new": ("acknowledged", "resolved", "false_positive"),
    "acknowledged": ("resolved", "false_positive"),
    "resolved": ("acknowledged",),
    "false_positive": ("acknowledged",),
}
NOTE_REQUIRED = frozenset({"resolved", "false_positive"})  # closing says why
MAX_NOTE = 1000
MAX_REASON = 500
# A suspension is a stop-gap while a case is looked into, not a sanction: a week at the most.
MAX_SUSPENSION = timedelta(days=7)
LIST_LIMIT = 500


class AlertError(Refusal):
    """An alert or action refused; the message is for the admin who asked (Indonesian in admin/i18n.py)."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "alert_unknown": "no alert {alert_id}",
        "alert_status_unknown": "unknown status {status!r}",
        "alert_status_move": "an alert that is {current} cannot become {status}",
        "alert_status_changed": "the alert changed meanwhile (now {current}): look at it again",
        "alert_note_required": "say why in the note when closing an alert",
        "alert_note_too_long": "the note is longer than {max_length} characters",
        "alert_no_employee": "the alert names no employee",
        "alert_reason_required": "give the reason the employee will read",
        "alert_reason_too_long": "the reason is longer than {max_length} characters",
        "alert_duration": "duration: from 1 minute to {max_days} days, e.g. 30m, 4h, 2d; got {raw!r}",
        "alert_not_suspended": "the employee's internet is not suspended",
        "alert_domain_invalid": "not a domain: {domain!r}",
        "alert_domain_already": "{domain} is already blocked",
        "alert_domain_not_blocked": "{domain} is not on the blocked list",
        "alert_no_lease": "the employee holds no captive-portal lease",
        "alert_action_unknown": "unknown action {action!r}",
    }


@dataclass(frozen=True)
class Alert:
    id: int
    detector: str
    severity: str
    status: str
    window_start: datetime
    window_end: datetime
    evidence: dict[str, Any]
    note: str
    created_at: datetime
    updated_at: datetime
    updated_by: str
    employee_id: int | None
    org_unit_id: int | None
    username: str
    full_name: str
    org_code: str
    org_name: str

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return NEXT_STATUSES[self.status]


def _alert(row: asyncpg.Record) -> Alert:
    values = dict(row)
    values["evidence"] = json.loads(values["evidence"])
    values["username"] = values["username"] or ""
    values["full_name"] = values["full_name"] or ""
    return Alert(**values)


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    severity: str | None = None
    detector: str | None = None
    org: str | None = None  # OPD code: that OPD and those below it

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        """From the page's query string; an unknown value is no filter (the choices are fixed lists)."""

        def pick(name: str, allowed: tuple[str, ...]) -> str | None:
            value = query.get(name, "")
            return value if value in allowed else None

        org = query.get("org", "").strip()[:32] or None
        return cls(pick("status", STATUSES), pick("severity", SEVERITIES), pick("detector", DETECTORS), org)


async def list_alerts(db: Executor, filters: Filters, visible: frozenset[int] | None) -> list[dict[str, Any]]:
    orgs = None
    if filters.org:
        orgs = [r["id"] for r in await db.fetch(queries.org_subtree_ids, filters.org)]
    scope = None if visible is None else sorted(visible)
    rows = await db.fetch(
        queries.alert_list, filters.status, filters.severity, filters.detector, orgs, scope, LIST_LIMIT
    )
    return [dict(r) for r in rows]


async def open_counts(db: Executor, visible: frozenset[int] | None) -> dict[str, int]:
    scope = None if visible is None else sorted(visible)
    return {r["severity"]: r["alerts"] for r in await db.fetch(queries.alert_counts, scope)}


async def org_choices(db: Executor) -> list[dict[str, str]]:
    return [dict(r) for r in await db.fetch(queries.org_choices)]


async def get_alert(db: Executor, alert_id: int) -> Alert:
    row = await db.fetchrow(queries.alert_get, alert_id)
    if row is None:
        raise AlertError("alert_unknown", alert_id=alert_id)
    return _alert(row)


async def actions_of(db: Executor, alert_id: int) -> list[dict[str, Any]]:
    rows = await db.fetch(queries.alert_actions, str(alert_id))
    return [{**dict(r), "details": json.loads(r["details"])} for r in rows]


def _note(note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise AlertError("alert_note_too_long", max_length=MAX_NOTE)
    return note


async def set_status(
    conn: asyncpg.Connection, alert_id: int, expected: str, status: str, note: str, actor: str
) -> None:
    """Move an alert from the status the admin saw to another (audited `alert_status_changed`)."""
    if status not in STATUSES:
        raise AlertError("alert_status_unknown", status=status[:40])
    note = _note(note)
    if status in NOTE_REQUIRED and not note:
        raise AlertError("alert_note_required")
    async with conn.transaction():
        alert = await get_alert(conn, alert_id)
        if alert.status != expected:
            raise AlertError("alert_status_changed", current=alert.status)
        if status not in NEXT_STATUSES[alert.status]:
            raise AlertError("alert_status_move", current=alert.status, status=status)
        if await conn.fetchval(queries.alert_set_status, alert_id, expected, status, note, actor) is None:
            raise AlertError("alert_status_changed", current=(await get_alert(conn, alert_id)).status)
        await audit.record(
            conn, actor, "alert_status_changed", f"alert:{alert_id}",
            {"alert": alert_id, "from": expected, "to": status, "note": note},
        )  # fmt: skip


# -- the employee's current state, for the alert's page


async def employee_state(db: Executor, employee_id: int) -> dict[str, Any]:
    """What the actions can undo: a suspension in force, quotas, leases."""
    suspension = await db.fetchrow(queries.suspension_current, employee_id)
    return {
        "suspension": dict(suspension) if suspension else None,
        "quotas": [dict(r) for r in await db.fetch(queries.employee_quotas, employee_id)],
        "leases": [dict(r) for r in await db.fetch(queries.leases_of_employee, employee_id)],
    }


# -- corrective actions: each in one transaction with its audit entry naming the alert


def parse_duration(raw: str) -> timedelta:
    """`30m`, `4h`, `2d`: from a minute to MAX_SUSPENSION."""
    text = raw.strip().lower()
    units = {"m": 60, "h": 3600, "d": 86400}
    number, unit = text[:-1], text[-1:]
    if unit in units and number.isascii() and number.isdecimal() and len(number) <= 6:
        duration = timedelta(seconds=int(number) * units[unit])
        if timedelta(minutes=1) <= duration <= MAX_SUSPENSION:
            return duration
    raise AlertError("alert_duration", max_days=MAX_SUSPENSION.days, raw=raw[:40])


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise AlertError("alert_reason_required")
    if len(reason) > MAX_REASON:
        raise AlertError("alert_reason_too_long", max_length=MAX_REASON)
    return reason


def _employee(alert: Alert) -> int:
    if alert.employee_id is None:
        raise AlertError("alert_no_employee")
    return alert.employee_id


async def _audit(conn: asyncpg.Connection, actor: str, action: str, alert: Alert, **details: Any) -> None:
    await audit.record(conn, actor, action, alert.username, {"alert": alert.id, **details})


async def suspend(
    conn: asyncpg.Connection, alert_id: int, duration: timedelta, reason: str, actor: str,
    now: datetime | None = None,
) -> int:  # fmt: skip
    """Suspend the alert's employee's internet for `duration`; the proxies refuse them at once."""
    reason = _reason(reason)
    async with conn.transaction():
        alert = await get_alert(conn, alert_id)
        until = (now or datetime.now(UTC)) + duration
        suspension_id = await conn.fetchval(
            queries.suspension_add, _employee(alert), alert.id, reason, until, actor
        )
        await _audit(
            conn, actor, "internet_suspended", alert, suspension=suspension_id, until=until.isoformat(),
            reason=reason,
        )  # fmt: skip
    return int(suspension_id)


async def lift_suspension(conn: asyncpg.Connection, alert_id: int, actor: str) -> list[int]:
    async with conn.transaction():
        alert = await get_alert(conn, alert_id)
        lifted = [r["id"] for r in await conn.fetch(queries.suspension_lift, _employee(alert), actor)]
        if not lifted:
            raise AlertError("alert_not_suspended")
        await _audit(conn, actor, "internet_suspension_lifted", alert, suspensions=lifted)
    return lifted


async def apply_quota(conn: asyncpg.Connection, alert_id: int, period: str, limit: str, actor: str) -> int:
    async with conn.transaction():
        alert = await get_alert(conn, alert_id)
        _employee(alert)
        spec = quotas.QuotaSpec(
            scope="employee", period=period, limit=limit, employee=alert.username,
            note=f"peringatan #{alert.id}",
        )  # fmt: skip
        quota_id = await quotas.add_quota(conn, spec, actor)
        await _audit(conn, actor, "alert_quota_applied", alert, quota=quota_id, period=period, limit=limit)
    return quota_id


async def remove_quota(conn: asyncpg.Connection, alert_id: int, quota_id: int, actor: str) -> None:
    async with conn.transaction():
        alert = await get_alert(conn, alert_id)
        await quotas.remove_quota(conn, quota_id, actor)
        await _audit(conn, actor, "alert_quota_removed", alert, quota=quota_id)


def _domain(raw: str) -> str:
    try:
        return blocklist.normalize_domains([raw])[0]
    except (InvalidHost, IndexError):
        raise AlertError("alert_domain_invalid", domain=raw[:100]) from None


async def block_domain(conn: asyncpg.Connection, alert_id: int, raw: str, actor: str) -> str:
    domain = _domain(raw)
    async with conn.transaction():
        alert = await get_alert(conn, alert_id)
        reason = f"peringatan #{alert.id}"
        if not await blocklist.block(conn, [domain], reason, actor):
            raise AlertError("alert_domain_already", domain=domain)
        await audit.record(conn, actor, "domain_blocked", domain, {"reason": reason, "alert": alert.id})
    return domain


async def unblock_domain(conn: asyncpg.Connection, alert_id: int, raw: str, actor: str) -> str:
    domain = _domain(raw)
    async with conn.transaction():
        alert = await get_alert(conn, alert_id)
        if not await blocklist.unblock(conn, [domain]):
            raise AlertError("alert_domain_not_blocked", domain=domain)
        await audit.record(conn, actor, "domain_unblocked", domain, {"alert": alert.id})
    return domain


async def end_leases(conn: asyncpg.Connection, alert_id: int, actor: str) -> list[str]:
    """End the employee's captive-portal leases: their devices sign in again (undone by signing in)."""
    async with conn.transaction():
        alert = await get_alert(conn, alert_id)
        ended = [
            str(r["client_ip"]) for r in await conn.fetch(queries.leases_end_for_employee, _employee(alert))
        ]
        if not ended:
            raise AlertError("alert_no_lease")
        for address in ended:
            await audit.record(
                conn, actor, "lease_ended", address,
                {"employee": alert.username, "reason": "alert_action", "alert": alert.id},
            )  # fmt: skip
    return ended


async def blocked_state(db: Executor, hosts: list[str]) -> dict[str, bool]:
    """For the evidence's hosts: whether each is on the blocked list now."""
    found = {}
    for host in hosts:
        found[host] = await db.fetchrow(queries.blocked_domain_get, host) is not None
    return found
