"""A row of usage_events as the proxy makes it and the writer copies it."""

from __future__ import annotations

import ipaddress
import uuid
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
    # The request (or connection) the row belongs to: mitmproxy's id, a UUID as text, which asyncpg
    # copies into the uuid column as it is (no UUID object made per row).
    flow_id: str | uuid.UUID | None = None


COLUMNS = UsageRecord._fields
