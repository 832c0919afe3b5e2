"""Schedules (weekly windows rules can refer to) and public holidays: checked, saved and audited together."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, ClassVar

import asyncpg

from admin import audit
from proxy_addons.rules import Window
from smedi.refusals import Refusal
from smedi.sql import load_queries

queries = load_queries("schedules")
MAX_NAME_LENGTH = 80  # the schedules table checks the same


class ScheduleError(Refusal):
    """A schedule or holiday refused; the message is for the person who typed it."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "schedule_name_length": "the schedule name needs 1 to {max_length} characters",
        "schedule_name_control": "the schedule name holds control characters",
        "holiday_name_length": "the holiday name needs 1 to {max_length} characters",
        "holiday_name_control": "the holiday name holds control characters",
        "schedule_no_window": "a schedule needs at least one window: without one it is never on",
        "schedule_weekday_range": "weekday {weekday}: use 1 (Monday) to 7 (Sunday)",
        "schedule_window_backwards": (
            "weekday {weekday}: the window ends ({ends:%H:%M}) before it starts ({starts:%H:%M})"
        ),
        "schedule_windows_overlap": (
            "weekday {weekday}: the windows {first_starts:%H:%M}-{first_ends:%H:%M} and "
            "{second_starts:%H:%M}-{second_ends:%H:%M} overlap"
        ),
        "schedule_exists": "a schedule named {name!r} already exists",
        "schedule_unknown": "no schedule {schedule_id}",
        "schedule_in_use": (
            "the schedule {name!r} is still used by rule(s) {rules}: delete those rules first, "
            "then the schedule"
        ),
        "holiday_exists": "{day} is already a holiday",
        "holiday_unknown": "{day} is not a holiday",
    }


def check_name(name: str, what: str) -> str:
    """The name stripped; `what` is "schedule" or "holiday"."""
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise ScheduleError(f"{what}_name_length", max_length=MAX_NAME_LENGTH)
    if not name.isprintable():
        raise ScheduleError(f"{what}_name_control")
    return name


def check_windows(windows: Sequence[Window]) -> list[Window]:
    """The windows in week order; refused when empty, out of range, backwards or overlapping."""
    if not windows:
        raise ScheduleError("schedule_no_window")
    ordered = sorted(windows, key=lambda w: (w.weekday, w.starts))
    for window in ordered:
        if not 1 <= window.weekday <= 7:
            raise ScheduleError("schedule_weekday_range", weekday=window.weekday)
        if window.ends <= window.starts:
            raise ScheduleError(
                "schedule_window_backwards", weekday=window.weekday, starts=window.starts, ends=window.ends
            )
    for before, after in itertools.pairwise(ordered):
        if before.weekday == after.weekday and after.starts < before.ends:
            raise ScheduleError(
                "schedule_windows_overlap", weekday=after.weekday, first_starts=before.starts,
                first_ends=before.ends, second_starts=after.starts, second_ends=after.ends,
            )  # fmt: skip
    return ordered


def _as_audit(windows: Sequence[Window]) -> list[list[object]]:
    return [[w.weekday, f"{w.starts:%H:%M}", f"{w.ends:%H:%M}"] for w in windows]


async def list_schedules(db: asyncpg.Pool | asyncpg.Connection) -> list[dict[str, Any]]:
    """Every schedule by name, each with its windows in week order."""
    windows: dict[int, list[Window]] = {}
    for row in await db.fetch(queries.schedule_windows):
        windows.setdefault(row["schedule_id"], []).append(Window(row["weekday"], row["starts"], row["ends"]))
    return [
        {**dict(row), "windows": windows.get(row["id"], [])} for row in await db.fetch(queries.schedule_list)
    ]


async def _insert_windows(conn: asyncpg.Connection, schedule_id: int, ordered: Sequence[Window]) -> None:
    await conn.execute(
        queries.schedule_windows_insert,
        schedule_id,
        [w.weekday for w in ordered],
        [w.starts for w in ordered],
        [w.ends for w in ordered],
    )


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
            raise ScheduleError("schedule_exists", name=name) from None
        await _insert_windows(conn, schedule_id, ordered)
        await audit.record(conn, actor, "schedule_added", name, {
            "except_holidays": except_holidays, "windows": _as_audit(ordered),
        })  # fmt: skip
    return schedule_id


async def _locked(conn: asyncpg.Connection, schedule_id: int) -> tuple[str, bool, list[Window]]:
    """(name, except holidays, windows) of a schedule, locked until the transaction ends."""
    row = await conn.fetchrow(queries.schedule_for_update, schedule_id)
    if row is None:
        raise ScheduleError("schedule_unknown", schedule_id=schedule_id)
    rows = await conn.fetch(queries.schedule_windows_of, schedule_id)
    return row["name"], row["except_holidays"], [Window(r["weekday"], r["starts"], r["ends"]) for r in rows]


async def change_schedule(
    conn: asyncpg.Connection,
    schedule_id: int,
    windows: Sequence[Window],
    actor: str,
    *,
    except_holidays: bool,
) -> None:
    """Replace a schedule's windows and holiday flag in one transaction: all of it is saved, or nothing."""
    ordered = check_windows(windows)
    async with conn.transaction():
        name, was_except_holidays, before = await _locked(conn, schedule_id)
        await conn.execute(queries.schedule_set_except_holidays, schedule_id, except_holidays)
        await conn.execute(queries.schedule_windows_delete, schedule_id)
        await _insert_windows(conn, schedule_id, ordered)
        await audit.record(conn, actor, "schedule_changed", name, {
            "except_holidays": except_holidays, "windows": _as_audit(ordered),
            "from": {"except_holidays": was_except_holidays, "windows": _as_audit(before)},
        })  # fmt: skip


async def delete_schedule(conn: asyncpg.Connection, schedule_id: int, actor: str) -> str:
    """Delete a schedule no rule uses; returns its name. Refused, naming the rules, while one does."""
    async with conn.transaction():
        # The lock comes first: a rule that refers to the schedule waits for it, and is seen after it.
        name, except_holidays, windows = await _locked(conn, schedule_id)
        rules = [r["id"] for r in await conn.fetch(queries.schedule_rules, schedule_id)]
        if rules:
            raise ScheduleError("schedule_in_use", name=name, rules=", ".join(map(str, rules)))
        await conn.execute(queries.schedule_delete, schedule_id)
        await audit.record(conn, actor, "schedule_deleted", name, {
            "except_holidays": except_holidays, "windows": _as_audit(windows),
        })  # fmt: skip
    return name


async def list_holidays(db: asyncpg.Pool | asyncpg.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(queries.holiday_list)]


async def add_holiday(conn: asyncpg.Connection, day: date, name: str, actor: str) -> None:
    name = check_name(name, "holiday")
    async with conn.transaction():
        if await conn.fetchval(queries.holiday_insert, day, name) is None:
            raise ScheduleError("holiday_exists", day=day.isoformat())
        await audit.record(conn, actor, "holiday_added", day.isoformat(), {"name": name})


async def remove_holiday(conn: asyncpg.Connection, day: date, actor: str) -> None:
    async with conn.transaction():
        name = await conn.fetchval(queries.holiday_delete, day)
        if name is None:
            raise ScheduleError("holiday_unknown", day=day.isoformat())
        await audit.record(conn, actor, "holiday_removed", day.isoformat(), {"name": name})
