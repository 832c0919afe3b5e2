"""The inspector's detail: every usage row of one named employee over a range of local days.

Only for a case: a view needs a case reference, stays within the inspector's scope (admin/access.py), and
is written to the audit log (`personal_detail_viewed`, with the reference, the employee and the range) in
the same transaction that reads the rows, so nothing is shown that was not recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from accounting.reports import local_day_bounds
from admin import audit
from admin.access import visible_orgs
from admin.sessions import User
from smedi.sql import load_queries

queries = load_queries("inspect")
type Executor = asyncpg.Pool | asyncpg.Connection

REFERENCE_LENGTH = (3, 40)  # e.g. ITJ-2026-041
MAX_DAYS = 92  # a quarter: a longer look is a new case, or several views, each recorded
COLUMNS = ("ts", "kind", "host", "scheme", "method", "status", "decision", "category", "rule", "bytes_up",
           "bytes_down", "duration_ms", "client_ip")  # fmt: skip


class InspectionError(ValueError):
    """A view refused: a CATALOGUE key, the HTTP status that says why, and the values the text names."""

    def __init__(self, key: str, status: int, **params: object) -> None:
        super().__init__(key, params)
        self.key = key
        self.status = status
        self.params = params


@dataclass(frozen=True, slots=True)
class DetailAsk:
    """What an inspector asks to see, as typed (checked by `check_ask`)."""

    username: str
    first: date
    last: date
    reference: str


@dataclass(frozen=True, slots=True)
class Detail:
    employee: dict[str, Any]
    rows: list[dict[str, Any]]
    truncated: bool  # more rows than the limit: the view says so
    audit_id: int
    first: date
    last: date


def case_reference(raw: str | None) -> str:
    """The case reference, stripped: 3 to 40 printable characters; refused (400) when missing or not one."""
    reference = (raw or "").strip()
    if not reference:
        raise InspectionError("inspect_reference_required", 400)
    low, high = REFERENCE_LENGTH
    if not (low <= len(reference) <= high and reference.isprintable()):
        raise InspectionError("inspect_reference_invalid", 400, low=low, high=high)
    return reference


def check_ask(ask: DetailAsk) -> None:
    """Refuse (400) what no case should ask: a range backwards or longer than MAX_DAYS, no employee."""
    if not ask.username:
        raise InspectionError("inspect_employee_required", 400)
    if ask.first > ask.last:
        raise InspectionError("inspect_range_backwards", 400, first=ask.first, last=ask.last)
    if ask.last - ask.first >= timedelta(days=MAX_DAYS):
        raise InspectionError("inspect_range_too_long", 400, days=MAX_DAYS)
    case_reference(ask.reference)


async def view_detail(
    db: asyncpg.Pool, user: User, ask: DetailAsk, shown_as: str, tz: ZoneInfo, limit: int,
    client_ip: str | None = None,
) -> Detail:  # fmt: skip
    """The employee's rows in the asked days, oldest first, at most `limit`; recorded in the audit log.

    Refused: without a valid reference or range (400), for an unknown employee (404), for an employee
    outside the inspector's scope (403). `shown_as` (page, csv, json) goes into the audit entry.
    """
    check_ask(ask)
    reference = case_reference(ask.reference)
    username = ask.username.strip().lower()
    asked = {"case_reference": reference, "from": ask.first.isoformat(), "to": ask.last.isoformat(),
             "shown_as": shown_as}  # fmt: skip
    try:
        return await _read_and_record(db, user, username, asked, (ask.first, ask.last), tz, limit, client_ip)
    except InspectionError as exc:
        if exc.status == 403:  # an inspector reaching past their scope is itself worth knowing
            await audit.record(db, user.username, "personal_detail_refused", username, asked, client_ip)
        raise


async def _read_and_record(
    db: asyncpg.Pool, user: User, username: str, asked: dict[str, str], days: tuple[date, date],
    tz: ZoneInfo, limit: int, client_ip: str | None,
) -> Detail:  # fmt: skip
    async with db.acquire() as conn, conn.transaction():
        employee = (
            await conn.fetchrow(queries.inspected_employee, username) if username.isprintable() else None
        )
        if employee is None:
            raise InspectionError("inspect_unknown_employee", 404, username=username[:64])
        orgs = await visible_orgs(conn, user)
        if orgs is not None and employee["org_unit_id"] not in orgs:
            raise InspectionError("inspect_out_of_scope", 403, username=username)
        start, end = local_day_bounds(days[0], tz)[0], local_day_bounds(days[1], tz)[1]
        found = await conn.fetch(
            queries.employee_detail, employee["id"], start, end, sorted(orgs) if orgs is not None else None,
            limit + 1,
        )  # fmt: skip
        rows = [dict(r) for r in found[:limit]]
        details = {**asked, "rows": len(rows), "truncated": len(found) > limit}
        audit_id = await audit.record(
            conn, user.username, "personal_detail_viewed", username, details, client_ip
        )
    return Detail(dict(employee), rows, len(found) > limit, audit_id, *days)


# A spreadsheet runs a cell that starts with one of these as a formula: host names come from the traffic.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a leading formula character gets a ' in front."""
    text = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
