"""Byte quotas: add, list and remove them (each change audited), and what each has used in its period.

The proxies enforce them from an in-memory copy (proxy_addons/quota.py), following changes through
NOTIFY `quotas_changed`; the use shown here is read from the daily totals the usage writer keeps current.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import asyncpg

from accounting.periods import PERIODS, Period, period_end, period_start, resets_at
from accounting.quota_use import NOTICE_SHARE
from admin import audit
from smedi.refusals import Refusal
from smedi.settings import SettingsError, parse_size
from smedi.sql import load_queries

queries = load_queries("quotas")
type Executor = asyncpg.Pool | asyncpg.Connection

SCOPES = ("employee", "org", "category")
MAX_NOTE = 200
# More than the city's links carry in a month: a larger limit is a typing mistake (and bigint must hold it).
MAX_LIMIT = 1024**5
MAX_TYPED = 40  # a refused value is echoed back cut to this


class QuotaError(Refusal):
    """A quota refused, or one that does not exist; the message is for the person who asked."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "quota_unknown_scope": "unknown scope {scope!r}; scopes are employee, org, category",
        "quota_unknown_period": "unknown period {period!r}; periods are day, week, month",
        "quota_employee_target": "an employee quota needs the employee's username, and no OPD or category",
        "quota_org_target": "an OPD quota needs the OPD's code, and no employee or category",
        "quota_category_target": "a category quota needs the category, and at most one OPD or one employee "
        "(neither: everyone)",
        "quota_unknown_employee": "unknown employee {username!r}",
        "quota_unknown_org": "unknown OPD {code!r}",
        "quota_unknown_category": "unknown category {slug!r}",
        "quota_limit_invalid": "limit: expected a size such as 500M, 1.5G or 2G, got {raw!r}",
        "quota_limit_too_large": "limit: at most {maximum}",
        "quota_note_too_long": "the note is longer than {max_length} characters",
        "quota_note_control": "the note holds control characters (line breaks, tabs, ...)",
        "quota_exists": "quota {quota_id} already limits the same for the same period: remove it first to "
        "change the limit",
        "quota_unknown": "no quota {quota_id}",
    }


@dataclass(frozen=True, slots=True)
class QuotaSpec:
    """A quota as typed: names, not ids; the limit in bytes or as a size such as `1.5G`."""

    scope: str
    period: str
    limit: int | str
    employee: str | None = None  # username
    org: str | None = None  # OPD code
    category: str | None = None  # slug
    note: str = ""


@dataclass(frozen=True, slots=True)
class Quota:
    """A quota as stored, with its target's names."""

    id: int
    scope: str
    period: Period
    limit_bytes: int
    note: str
    created_by: str
    created_at: datetime
    employee: str | None  # username
    employee_name: str
    org: str | None  # OPD code
    org_name: str
    category: str | None
    category_name_id: str
    category_name_en: str

    @property
    def target(self) -> str:
        """Who and what it limits, in English (the CLI's words; the portal says it in the reader's)."""
        if self.scope == "employee":
            return f"employee {self.employee}"
        if self.scope == "org":
            return f"OPD {self.org} with the OPDs under it, together"
        if self.employee:
            return f"category {self.category} for employee {self.employee}"
        if self.org:
            return f"category {self.category} for each employee of OPD {self.org}"
        return f"category {self.category} for each employee"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "scope": self.scope, "employee": self.employee, "org": self.org,
            "category": self.category, "period": self.period, "limit_bytes": self.limit_bytes,
            "note": self.note, "created_by": self.created_by, "created_at": self.created_at.isoformat(),
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Use:
    """What one subject has used of a quota in its current period: an employee, or an OPD (OPD quotas)."""

    used: int
    limit_bytes: int
    employee: str | None  # username; None for an OPD's shared use
    employee_name: str
    org: str | None
    org_name: str

    @property
    def percent(self) -> int:
        """Whole percent used, floored; more than 100 when the last transfers overshot the limit."""
        return self.used * 100 // self.limit_bytes

    @property
    def bar(self) -> float:
        """The share of a bar to fill: 0 to 100."""
        return min(100.0, round(self.used * 100 / self.limit_bytes, 1))

    @property
    def level(self) -> str:
        """ok, notice (the proxy has told the employee, at 80 %) or exceeded (the proxy refuses)."""
        if self.used >= self.limit_bytes:
            return "exceeded"
        return "notice" if self.used >= NOTICE_SHARE * self.limit_bytes else "ok"

    @property
    def remaining(self) -> int:
        return max(0, self.limit_bytes - self.used)


@dataclass(frozen=True, slots=True)
class QuotaUsage:
    """A quota in its current period and what its subjects have used, most first."""

    quota: Quota
    period_start: date  # local day
    period_end: date  # the local day the next period begins
    resets_at: datetime  # UTC: local midnight of period_end
    uses: tuple[Use, ...]


def parse_limit(raw: int | str) -> int:
    """A limit in bytes from a whole number of bytes or a size such as `500M`, `1.5G`, `2GB`."""
    if isinstance(raw, str):
        try:
            limit = parse_size("limit", raw)
        except SettingsError:
            raise QuotaError("quota_limit_invalid", raw=raw.strip()[:MAX_TYPED]) from None
    else:
        limit = raw
        if limit <= 0:
            raise QuotaError("quota_limit_invalid", raw=str(raw)[:MAX_TYPED])
    if limit > MAX_LIMIT:
        raise QuotaError("quota_limit_too_large", maximum=f"{MAX_LIMIT // 1024**4}T")
    return limit


def _name(raw: str | None) -> str | None:
    """A name from a form or an option: stripped; empty is not given."""
    return (raw.strip() or None) if raw is not None else None


def _check_target(scope: str, employee: str | None, org: str | None, category: str | None) -> None:
    if scope not in SCOPES:
        raise QuotaError("quota_unknown_scope", scope=scope[:MAX_TYPED])
    if scope == "employee" and (employee is None or org or category):
        raise QuotaError("quota_employee_target")
    if scope == "org" and (org is None or employee or category):
        raise QuotaError("quota_org_target")
    if scope == "category" and (category is None or (employee and org)):
        raise QuotaError("quota_category_target")


async def _ids(
    conn: asyncpg.Connection, employee: str | None, org: str | None, category: str | None
) -> tuple[int | None, int | None]:
    """The employee's and the OPD's ids; refused when a named employee, OPD or category does not exist."""
    employee_id = org_id = None
    if employee is not None:
        employee_id = await conn.fetchval(queries.employee_id, employee) if employee.isprintable() else None
        if employee_id is None:
            raise QuotaError("quota_unknown_employee", username=employee[:MAX_TYPED])
    if org is not None:
        org_id = await conn.fetchval(queries.org_id, org) if org.isprintable() else None
        if org_id is None:
            raise QuotaError("quota_unknown_org", code=org[:MAX_TYPED])
    if category is not None and not (
        category.isprintable() and await conn.fetchval(queries.category_exists, category)
    ):
        raise QuotaError("quota_unknown_category", slug=category[:MAX_TYPED])
    return employee_id, org_id


async def add_quota(conn: asyncpg.Connection, spec: QuotaSpec, actor: str) -> int:
    """Add a quota (audited `quota_added`); refused with the reason when it is not one. Returns its id."""
    scope, period = spec.scope.strip(), spec.period.strip()
    employee = _name(spec.employee)
    employee = employee.lower() if employee else None  # usernames are stored in lower case
    org, category, note = _name(spec.org), _name(spec.category), spec.note.strip()
    _check_target(scope, employee, org, category)
    if period not in PERIODS:
        raise QuotaError("quota_unknown_period", period=period[:MAX_TYPED])
    limit = parse_limit(spec.limit)
    if len(note) > MAX_NOTE:
        raise QuotaError("quota_note_too_long", max_length=MAX_NOTE)
    if not note.isprintable():
        raise QuotaError("quota_note_control")  # PostgreSQL text cannot even hold a NUL
    async with conn.transaction():
        employee_id, org_id = await _ids(conn, employee, org, category)
        await conn.execute(queries.quotas_lock)
        same = await conn.fetchval(queries.quota_same, scope, employee_id, org_id, category, period)
        if same is not None:
            raise QuotaError("quota_exists", quota_id=same)
        quota_id = await conn.fetchval(
            queries.quota_insert, scope, employee_id, org_id, category, period, limit, note, actor
        )
        details = {"scope": scope, "employee": employee, "org": org, "category": category, "period": period,
                   "limit_bytes": limit, "note": note}  # fmt: skip
        await audit.record(conn, actor, "quota_added", str(quota_id), details)
    return quota_id


async def remove_quota(conn: asyncpg.Connection, quota_id: int, actor: str) -> Quota:
    """Remove a quota (audited `quota_removed`); returns what it was."""
    async with conn.transaction():
        removed = next((q for q in await list_quotas(conn) if q.id == quota_id), None)
        if removed is None or await conn.fetchval(queries.quota_delete, quota_id) is None:
            raise QuotaError("quota_unknown", quota_id=quota_id)
        details = removed.as_json()
        del details["id"], details["created_at"]
        await audit.record(conn, actor, "quota_removed", str(quota_id), details)
    return removed


async def list_quotas(db: Executor) -> list[Quota]:
    """Every quota with its target's names, oldest first."""
    return [Quota(**dict(row)) for row in await db.fetch(queries.quota_list)]


async def employee_id_of(db: Executor, username: str) -> int:
    """The id of the employee with this username; refused when there is none."""
    username = username.strip().lower()
    employee_id = await db.fetchval(queries.employee_id, username) if username.isprintable() else None
    if employee_id is None:
        raise QuotaError("quota_unknown_employee", username=username[:MAX_TYPED])
    return employee_id


def _periods(now: datetime, tz: ZoneInfo) -> tuple[list[str], list[date], list[date]]:
    """The current day, week and month in `tz` as the query takes them: names, first days, next first days."""
    today = now.astimezone(tz).date()
    return list(PERIODS), [period_start(p, today) for p in PERIODS], [period_end(p, today) for p in PERIODS]


def _usage(quota: Quota, now: datetime, tz: ZoneInfo, rows: list[asyncpg.Record]) -> QuotaUsage:
    today = now.astimezone(tz).date()
    uses = tuple(
        Use(r["used"], quota.limit_bytes, r["employee"], r["employee_name"], r["org"], r["org_name"])
        for r in rows
    )
    return QuotaUsage(
        quota, period_start(quota.period, today), period_end(quota.period, today),
        resets_at(quota.period, now, tz), uses,
    )  # fmt: skip


async def quota_usage(db: Executor, now: datetime, tz: ZoneInfo) -> list[QuotaUsage]:
    """Every quota with what each subject has used so far in the period holding `now` (local days in `tz`).

    Employee quotas have the employee as their one subject and OPD quotas the OPD; a category quota for one
    employee has that employee; one for everyone or an OPD has each employee who used some, most first.
    """
    quotas = await list_quotas(db)
    rows: dict[int, list[asyncpg.Record]] = {q.id: [] for q in quotas}
    for row in await db.fetch(queries.quota_use, *_periods(now, tz)):
        rows.setdefault(row["quota_id"], []).append(row)
    return [_usage(q, now, tz, rows[q.id]) for q in quotas]


async def quota_use_for_employee(
    db: Executor, employee_id: int, now: datetime, tz: ZoneInfo
) -> list[QuotaUsage]:
    """Every quota that applies to the employee now, each with one use: the employee's own, or for an OPD
    quota the OPD's shared use (the employee's current OPD is the quota's OPD or one under it)."""
    used = {r["quota_id"]: r for r in await db.fetch(queries.quota_use_of_employee, employee_id,
                                                       *_periods(now, tz))}  # fmt: skip
    return [_usage(q, now, tz, [used[q.id]]) for q in await list_quotas(db) if q.id in used]


async def form_choices(db: Executor) -> dict[str, list[dict[str, str]]]:
    """The categories and OPDs a quota may name, for the portal's form."""
    choices: dict[str, list[dict[str, str]]] = {"category": [], "org": []}
    for row in await db.fetch(queries.form_choices):
        choices[row["kind"]].append(
            {"value": row["value"], "name_id": row["name_id"], "name_en": row["name_en"]}
        )
    return choices
