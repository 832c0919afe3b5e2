"""One usage record per finished flow, and the hourly rollup of a batch: plain data, pure functions."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple


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
    decision: str  # allow | block | warn | auth_required | error
    category: str  # slug of the category that decided, or ''
    rule: str  # what decided, e.g. "rule:12", "category:judi"; '' when nothing matched
    bytes_up: int
    bytes_down: int
    request_body_bytes: int
    response_body_bytes: int
    duration_ms: int
    reference: str | None = None  # shown on a block or warning page


COLUMNS = UsageRecord._fields
BLOCKING_DECISIONS = frozenset({"block"})


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
        sums[0] += 1
        sums[1] += r.decision in BLOCKING_DECISIONS
        sums[2] += r.bytes_up
        sums[3] += r.bytes_down
    return [HourlyRow(*key, *sums) for key, sums in totals.items()]
