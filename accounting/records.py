"""One usage record per finished flow, and the hourly rollup of a batch: plain data, pure functions."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo


class UsageRecord(NamedTuple):
    """A row of usage_events, fields in column order (the writer COPYs tuples as they are)."""

    ts: datetime  # UTC
    employee_id: int | None
    org_unit_id: int | None
    client_ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    host: str
    scheme: str
    method: str
    status: int | None
    decision: str  # allow | block | warn | passthrough | quota | notice | auth_required | error
    category: str  # slug of the category that decided, or ''
    rule: str  # what decided, e.g. "rule:12", "category:judi"; '' when nothing matched
    bytes_up: int
    bytes_down: int
    request_body_bytes: int
    response_body_bytes: int
    duration_ms: int
    reference: str | None = None  # shown on a block or warning page
    kind: str = "request"  # request | interval | connection (sql/0008_accounting.sql says what each is)
    flow_id: str | None = None  # the request (or connection) the row belongs to


COLUMNS = UsageRecord._fields
BLOCKING_DECISIONS = frozenset({"block", "quota"})


class HourlyRow(NamedTuple):
    hour: datetime
    employee_id: int  # 0 for flows refused before anyone signed in
    host: str
    category: str
    requests: int
    blocked: int
    bytes_up: int
    bytes_down: int


def rollup_hourly(records: Iterable[UsageRecord]) -> list[HourlyRow]:
    """Sum a batch by hour × employee × host × category, as usage_hourly keeps it."""
    totals: dict[tuple[datetime, int, str, str], list[int]] = {}
    for r in records:
        key = (r.ts.replace(minute=0, second=0, microsecond=0), r.employee_id or 0, r.host, r.category)
        sums = totals.setdefault(key, [0, 0, 0, 0])
        sums[0] += r.kind == "request"  # intervals and connection bytes are parts, not requests
        sums[1] += r.decision in BLOCKING_DECISIONS
        sums[2] += r.bytes_up
        sums[3] += r.bytes_down
    return [HourlyRow(*key, *sums) for key, sums in totals.items()]


class DailyRow(NamedTuple):
    day: date  # local day in SMEDI_TZ
    employee_id: int
    org_unit_id: int  # the employee's OPD when the bytes were used; 0 for none
    host: str
    category: str
    requests: int
    blocked: int
    bytes_up: int
    bytes_down: int


class TotalsRow(NamedTuple):
    day: date
    employee_id: int
    org_unit_id: int
    category: str
    bytes_up: int
    bytes_down: int


def rollup_daily(records: Iterable[UsageRecord], tz: ZoneInfo) -> list[DailyRow]:
    """Sum a batch by local day × employee × OPD × host × category, as usage_daily keeps it."""
    totals: dict[tuple[date, int, int, str, str], list[int]] = {}
    # One time-zone conversion per UTC hour of the batch, where that hour lies within one local day.
    days: dict[datetime, date | None] = {}
    for r in records:
        hour = r.ts.replace(minute=0, second=0, microsecond=0)
        if hour not in days:
            local = hour.astimezone(tz)
            days[hour] = local.date() if local.minute == 0 else None  # e.g. India: UTC+5:30
        day = days[hour] or r.ts.astimezone(tz).date()
        key = (day, r.employee_id or 0, r.org_unit_id or 0, r.host, r.category)
        sums = totals.setdefault(key, [0, 0, 0, 0])
        sums[0] += r.kind == "request"
        sums[1] += r.decision in BLOCKING_DECISIONS
        sums[2] += r.bytes_up
        sums[3] += r.bytes_down
    return [DailyRow(*key, *sums) for key, sums in totals.items()]


def rollup_totals(daily: Iterable[DailyRow]) -> list[TotalsRow]:
    """The daily rows without the host: what quotas count."""
    totals: dict[tuple[date, int, int, str], list[int]] = {}
    for d in daily:
        sums = totals.setdefault((d.day, d.employee_id, d.org_unit_id, d.category), [0, 0])
        sums[0] += d.bytes_up
        sums[1] += d.bytes_down
    return [TotalsRow(*key, *sums) for key, sums in totals.items()]
