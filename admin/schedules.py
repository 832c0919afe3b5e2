"""Schedules (weekly windows rules can refer to) and public holidays: checked, saved and audited together."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg

from admin import audit
from proxy_addons.rules import Window
from smedi.sql import load_queries

queries = load_queries("schedules")
MAX_NAME_LENGTH = 80  # the schedules table checks the same


class ScheduleError(ValueError):
    """A schedule or holiday refused; the message is for the person who typed it."""


def check_name(name: str, what: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise ScheduleError(f"the {what} name needs 1 to {MAX_NAME_LENGTH} characters")
    if not name.isprintable():
        raise ScheduleError(f"the {what} name holds control characters")
    return name


def check_windows(windows: Sequence[Window]) -> list[Window]:
    """The windows in week order; refused when empty, out of range, backwards or overlapping."""
    if not windows:
        raise ScheduleError("a schedule needs at least one window: without one it is never on")
    ordered = sorted(windows, key=lambda w: (w.weekday, w.starts))
    for window in ordered:
        if not 1 <= window.weekday <= 7:
            raise ScheduleError(f"weekday {window.weekday}: use 1 (Monday) to 7 (Sunday)")
        if window.ends <= window.starts:
            raise ScheduleError(
                f"weekday {window.weekday}: the window ends ({window.ends:%H:%M}) "
                f"before it starts ({window.starts:%H:%M})"
            )
    for before, after in itertools.pairwise(ordered):
        if before.weekday == after.weekday and after.starts < before.ends:
            raise ScheduleError(
                f"weekday {after.weekday}: the windows {before.starts:%H:%M}-{before.ends:%H:%M} and "
                f"{after.starts:%H:%M}-{after.ends:%H:%M} overlap"
            )
    return ordered


async def list_schedules(db: asyncpg.Pool | asyncpg.Connection) -> list[dict[str, Any]]:
    """Every schedule by name, each with its windows in week order."""
    windows: dict[int, list[Window]] = {}
    for row in await db.fetch(queries.schedule_windows):
        windows.setdefault(row["schedule_id"], []).append(Window(row["weekday"], row["starts"], row["ends"]))
    return [
        {**dict(row), "windows": windows.get(row["id"], [])} for row in await db.fetch(queries.schedule_list)
    ]


async def add_schedule(
    conn: asyncpg.Connection,
    name: str,
    windows: Sequence[Window],
    actor: str,
    *,
    except_holidays: bool = True,
) -> int:
    name = check_name(name, "schedule")
    ordered = check_windows(windows)
    async with conn.transaction():
        try:
            schedule_id: int = await conn.fetchval(queries.schedule_insert, name, except_holidays)
        except asyncpg.UniqueViolationError:
            raise ScheduleError(f"a schedule named {name!r} already exists") from None
        await conn.execute(
            queries.schedule_windows_insert,
            schedule_id,
            [w.weekday for w in ordered],
            [w.starts for w in ordered],
            [w.ends for w in ordered],
        )
        await audit.record(conn, actor, "schedule_added", name, {
            "except_holidays": except_holidays,
            "windows": [[w.weekday, f"{w.starts:%H:%M}", f"{w.ends:%H:%M}"] for w in ordered],
        })  # fmt: skip
    return schedule_id


async def list_holidays(db: asyncpg.Pool | asyncpg.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(queries.holiday_list)]


async def add_holiday(conn: asyncpg.Connection, day: date, name: str, actor: str) -> None:
    name = check_name(name, "holiday")
    async with conn.transaction():
        if await conn.fetchval(queries.holiday_insert, day, name) is None:
            raise ScheduleError(f"{day.isoformat()} is already a holiday")
        await audit.record(conn, actor, "holiday_added", day.isoformat(), {"name": name})


async def remove_holiday(conn: asyncpg.Connection, day: date, actor: str) -> None:
    async with conn.transaction():
        name = await conn.fetchval(queries.holiday_delete, day)
        if name is None:
            raise ScheduleError(f"{day.isoformat()} is not a holiday")
        await audit.record(conn, actor, "holiday_removed", day.isoformat(), {"name": name})
