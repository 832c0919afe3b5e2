"""Reading the audit log: entries filtered by actor, action, target and time, newest first, by pages.

Writing it, and checking its chain, is admin/audit.py. A reader limited to OPDs (admin/access.py) sees the
entries whose actor or target is an employee of those OPDs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from smedi.sql import load_queries

queries = load_queries("audit_log")
type Executor = asyncpg.Pool | asyncpg.Connection
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What to show; None is no condition. Times are UTC instants, `until` excluded."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None  # paging: entries older than this one


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[dict[str, Any]]
    older: int | None  # the id to page on from (the last entry shown), None when there is nothing older


async def audit_page(
    db: Executor, where: AuditFilter, orgs: frozenset[int] | None, size: int = PAGE_SIZE
) -> AuditPage:
    """One page of entries, newest first; `orgs` narrows it to those OPDs' people (None: everything)."""
    rows = await db.fetch(
        queries.audit_page,
        where.actor,
        where.action,
        where.target,
        where.since,
        where.until,
        where.before_id,
        sorted(orgs) if orgs is not None else None,
        size + 1,  # one more than shown: is there an older page?
    )
    entries = [{**dict(r), "details": json.loads(r["details"])} for r in rows[:size]]
    older = entries[-1]["id"] if len(rows) > size else None
    return AuditPage(entries, older)


async def action_names(db: Executor) -> list[str]:
    return [r["action"] for r in await db.fetch(queries.audit_actions)]
