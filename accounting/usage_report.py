"""The periodic usage report: one employee, one OPD with the OPDs below it, or the whole city, over a local
day, week, month (SMEDI_TZ) or a range of days. Read from the rollups only, never from usage_events.

Active time online: the 5-minute slots of the local day in which the subject had any traffic (a request,
part of a long transfer, a TLS handshake), times 5 minutes; for an OPD or the city it is summed over its
employees (employee-hours). Office hours against after hours is counted per 5-minute slot: a slot is office
time when it starts inside SMEDI_OFFICE_HOURS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import asyncpg

from accounting.office_hours import SLOT_MINUTES, OfficeHours
from accounting.periods import period_end, period_start
from smedi.sql import load_queries

queries = load_queries("usage_report")
type Executor = asyncpg.Pool | asyncpg.Connection
type Row = dict[str, Any]

PeriodKind = Literal["day", "week", "month", "range"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("day", "week", "month", "range")
SubjectKind = Literal["employee", "org", "city"]
SUBJECT_KINDS: tuple[SubjectKind, ...] = ("employee", "org", "city")
MAX_RANGE_DAYS = 366
TOP = 10  # hosts and categories shown
COUNTS = ("requests", "blocked", "bytes_up", "bytes_down")
SLOTS_PER_HOUR = 60 // SLOT_MINUTES


class ReportError(ValueError):
    """A report asked for wrongly: an unknown subject, a bad period. The message is for the reader."""


@dataclass(frozen=True)
class ReportPeriod:
    kind: PeriodKind
    first: date
    last: date  # included

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The UTC instants where the first local day starts and the day after the last starts."""
        start = datetime.combine(self.first, time.min, tz)
        end = datetime.combine(self.last + timedelta(days=1), time.min, tz)
        return start.astimezone(UTC), end.astimezone(UTC)


def report_period(kind: str, day: date, last: date | None = None) -> ReportPeriod:
    """The local day, week (from Monday) or month holding `day`; or the range day..last."""
    if kind in ("day", "week", "month"):
        first = period_start(kind, day)  # type: ignore[arg-type]  # checked just above
        return ReportPeriod(kind, first, period_end(kind, day) - timedelta(days=1))  # type: ignore[arg-type]
    if kind != "range":
        raise ReportError(f"unknown period {kind!r}; periods are {', '.join(PERIOD_KINDS)}")
    if last is None or last < day:
        raise ReportError(f"the range must end on or after its first day {day}")
    if (last - day).days + 1 > MAX_RANGE_DAYS:
        raise ReportError(f"a range holds at most {MAX_RANGE_DAYS} days")
    return ReportPeriod("range", day, last)


@dataclass(frozen=True)
class Subject:
    kind: SubjectKind
    id: int | None = None  # the employee's or the OPD's id; None for the city
    key: str = ""  # username or OPD code
    name: str = ""
    org_id: int | None = None  # an employee's current OPD
    org_code: str = ""
    org_ids: tuple[int, ...] | None = None  # an OPD's subtree; None: not limited to OPDs

    @property
    def employee_id(self) -> int | None:
        return self.id if self.kind == "employee" else None

    def describe(self) -> Row:
        return {"kind": self.kind, "key": self.key, "name": self.name, "org_code": self.org_code}


CITY = Subject("city")


async def employee_subject(db: Executor, username: str) -> Subject:
    row = await db.fetchrow(queries.employee_subject, username)
    if row is None:
        raise ReportError(f"unknown employee {username[:64]!r}")
    return Subject(
        "employee", row["id"], row["username"], row["full_name"], row["org_unit_id"], row["org_code"]
    )


async def org_subject(db: Executor, code: str) -> Subject:
    row = await db.fetchrow(queries.org_subject, code)
    if row is None:
        raise ReportError(f"unknown OPD {code[:32]!r}")
    ids = tuple(r["id"] for r in await db.fetch(queries.org_subtree_ids, row["id"]))
    return Subject("org", row["id"], row["code"], row["name"], row["id"], row["code"], ids)


async def org_subject_by_id(db: Executor, org_id: int) -> Subject:
    row = await db.fetchrow(queries.org_subject_by_id, org_id)
    if row is None:
        raise ReportError(f"unknown OPD #{org_id}")
    return await org_subject(db, row["code"])


def _zero() -> Row:
    return dict.fromkeys((*COUNTS, "active_minutes"), 0)


def _add(into: Row, row: Row) -> None:
    for column in COUNTS:
        into[column] += int(row[column])


def split_slots(slots: list[Row], office_hours: OfficeHours) -> dict[str, Row]:
    """Office hours against after hours: traffic and active time of the slots in and out of office hours."""
    parts = {"office": _zero(), "after": _zero()}
    for slot in slots:
        part = parts[
            "office" if office_hours.is_office_slot(slot["day"].isoweekday(), slot["slot"]) else "after"
        ]
        _add(part, slot)
        part["active_minutes"] += int(slot["active"]) * SLOT_MINUTES
    return parts


def hourly_trend(slots: list[Row]) -> list[Row]:
    """The 24 local hours of a one-day report, zeros where nothing was used."""
    hours = [{"label": f"{h:02d}", **_zero()} for h in range(24)]
    for slot in slots:
        hour = hours[slot["slot"] // SLOTS_PER_HOUR]
        _add(hour, slot)
        hour["active_minutes"] += int(slot["active"]) * SLOT_MINUTES
    return hours


def daily_trend(days: list[Row], slots: list[Row], period: ReportPeriod) -> list[Row]:
    """Every local day of the period, zeros where nothing was used."""
    by_day = {r["day"]: r for r in days}
    active: dict[date, int] = {}
    for slot in slots:
        active[slot["day"]] = active.get(slot["day"], 0) + int(slot["active"]) * SLOT_MINUTES
    trend = []
    for n in range(period.days):
        day = period.first + timedelta(days=n)
        point = {"label": day.isoformat(), **_zero(), "active_minutes": active.get(day, 0)}
        if day in by_day:
            _add(point, by_day[day])
        trend.append(point)
    return trend


def _with_bytes(row: Row) -> Row:
    return {**row, "bytes": int(row["bytes_up"]) + int(row["bytes_down"])}


def shape_report(
    subject: Subject,
    period: ReportPeriod,
    *,
    tz: ZoneInfo,
    office_hours: OfficeHours,
    totals: Row,
    days: list[Row],
    slots: list[Row],
    hosts: list[Row],
    categories: list[Row],
    notices: list[Row],
    orgs: list[Row],
    generated_at: datetime,
) -> Row:
    """The report as plain JSON-ready data: what the page, the CSV, the PDF, the API and the archive show."""
    parts = split_slots(slots, office_hours)
    active_minutes = parts["office"]["active_minutes"] + parts["after"]["active_minutes"]
    one_day = period.days == 1
    trend = hourly_trend(slots) if one_day else daily_trend(days, slots, period)
    return {
        "subject": subject.describe(),
        "period": {
            "kind": period.kind,
            "first": period.first.isoformat(),
            "last": period.last.isoformat(),
            "days": period.days,
            "timezone": tz.key,
        },
        "office_hours": str(office_hours),
        "totals": {
            **_with_bytes({c: int(totals[c]) for c in COUNTS}),
            "employees": int(totals["employees"]),
            "active_minutes": active_minutes,
        },
        "office": {name: _with_bytes(part) for name, part in parts.items()},
        "quota": {
            "refused": sum(int(s["quota_refused"]) for s in slots),
            "notices": sum(int(n["notices"]) for n in notices),
            "by_quota": [
                {k: n[k] for k in ("quota_id", "scope", "period", "limit_bytes", "notices")} for n in notices
            ],
        },
        "trend": {"unit": "hour" if one_day else "day", "points": [_with_bytes(p) for p in trend]},
        "hosts": [_with_bytes(h) for h in hosts],
        "categories": [_with_bytes(c) for c in categories],
        "orgs": [
            {k: r[k] for k in ("code", "name", "depth", "employees", *COUNTS)}
            | {"bytes": r["bytes_up"] + r["bytes_down"]}
            for r in orgs
        ],
        "generated_at": generated_at.astimezone(UTC).isoformat(),
    }


async def build_report(
    db: Executor, subject: Subject, period: ReportPeriod, tz: ZoneInfo, office_hours: OfficeHours
) -> Row:
    """Read the rollups for the subject and the period and shape the report."""
    orgs = list(subject.org_ids) if subject.org_ids is not None else None
    where = (period.first, period.last, subject.employee_id, orgs)
    start, end = period.bounds(tz)
    totals = dict(await db.fetchrow(queries.totals, *where))
    days = [dict(r) for r in await db.fetch(queries.per_day, *where)]
    if subject.kind == "employee":
        slots = [dict(r) for r in await db.fetch(queries.per_slot, *where)]
    else:
        slots = [dict(r) for r in await db.fetch(queries.per_slot_of_orgs, period.first, period.last, orgs)]
    categories = [dict(r) for r in await db.fetch(queries.per_category, *where, TOP)]
    if subject.kind == "employee":
        hosts = await db.fetch(queries.hosts_of_employee, start, end, subject.id, TOP)
        tree: list[Row] = []
    else:
        hosts = await db.fetch(queries.hosts_of_orgs, period.first, period.last, orgs, TOP)
        tree = [dict(r) for r in await db.fetch(queries.org_tree, subject.id, period.first, period.last)]
    notices = [dict(r) for r in await db.fetch(queries.quota_notices, start, end, subject.employee_id, orgs)]
    return shape_report(
        subject,
        period,
        tz=tz,
        office_hours=office_hours,
        totals=totals,
        days=days,
        slots=slots,
        hosts=[dict(h) for h in hosts],
        categories=categories,
        notices=notices,
        orgs=tree,
        generated_at=datetime.now(UTC),
    )
