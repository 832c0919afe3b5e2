"""One usage record per finished flow, and the hourly rollup of a batch: plain data, pure functions."""

from __future__ import annotations

import ipaddress
import uuid
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
    flow_id: uuid.UUID | None = None  # the request (or connection) the row belongs to


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


class DailyRow(NamedTuple):
    day: date  # local day in SMEDI_TZ
    employee_id: int
    org_unit_id: int  # the employee's OPD when the bytes were used; 0 for none
    category: str
    requests: int
    blocked: int
    bytes_up: int
    bytes_down: int


def rollups(records: Iterable[UsageRecord], tz: ZoneInfo) -> tuple[list[HourlyRow], list[DailyRow]]:
    """Sum a batch as usage_hourly (hour × employee × host × category) and usage_daily_totals (local day
    × employee × OPD × category) keep it, in one pass. Intervals and connection bytes count as bytes, not
    as requests."""
    hourly: dict[tuple[datetime, int, str, str], list[int]] = {}
    daily: dict[tuple[date, int, int, str], list[int]] = {}
    # The writer's hot loop (tens of thousands of records a second): one time-zone conversion per UTC
    # hour of the batch, where that hour lies within one local day, and no list made for a known key.
    hours: dict[tuple[int, int, int, int], tuple[datetime, date | None]] = {}
    for r in records:
        ts = r.ts
        slot = hours.get((ts.year, ts.month, ts.day, ts.hour))
        if slot is None:
            hour = ts.replace(minute=0, second=0, microsecond=0)
            local = hour.astimezone(tz)
            slot = hours[(ts.year, ts.month, ts.day, ts.hour)] = (hour, local.date() if local.minute == 0 else None)
        hour, day = slot
        employee, category = r.employee_id or 0, r.category
        request, blocked = r.kind == "request", r.decision in BLOCKING_DECISIONS
        key = (hour, employee, r.host, category)
        sums = hourly.get(key)
        if sums is None:
            hourly[key] = [request, blocked, r.bytes_up, r.bytes_down]
        else:
            sums[0] += request
            sums[1] += blocked
            sums[2] += r.bytes_up
            sums[3] += r.bytes_down
        day_key = (day or ts.astimezone(tz).date(), employee, r.org_unit_id or 0, category)  # e.g. UTC+5:30
        sums = daily.get(day_key)
        if sums is None:
            daily[day_key] = [request, blocked, r.bytes_up, r.bytes_down]
        else:
            sums[0] += request
            sums[1] += blocked
            sums[2] += r.bytes_up
            sums[3] += r.bytes_down
    return (
        [HourlyRow(*key, *map(int, sums)) for key, sums in sorted(hourly.items())],
        [DailyRow(*key, *map(int, sums)) for key, sums in sorted(daily.items())],
    )  # sorted: concurrent writers lock rollup rows in one order, never in a cycle
