"""Schedules and holidays in PostgreSQL: checked before saving, saved with their windows, audited."""

from __future__ import annotations

from datetime import date, time

import asyncpg
import pytest

from admin.schedules import (
    ScheduleError,
    add_holiday,
    add_schedule,
    check_windows,
    list_holidays,
    list_schedules,
    remove_holiday,
)
from proxy_addons.rules import Window


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ([], "at least one window"),
        ([Window(0, time(8), time(9))], "weekday 0: use 1"),
        ([Window(8, time(8), time(9))], "weekday 8: use 1"),
        ([Window(1, time(9), time(9))], "the window ends (09:00) before it starts (09:00)"),
        (
            [Window(1, time(8), time(12)), Window(1, time(11), time(13))],
            "08:00-12:00 and 11:00-13:00 overlap",
        ),
        ([Window(1, time(8), time(9)), Window(1, time(8), time(10))], "overlap"),
    ],
)
def test_windows_that_cannot_be_saved_are_refused(windows: list[Window], message: str) -> None:
    with pytest.raises(ScheduleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_windows(windows)


def test_windows_come_back_in_week_order_and_may_touch() -> None:
    lunch = [Window(2, time(13), time(16)), Window(1, time(8), time(12)), Window(2, time(8), time(13))]
    assert check_windows(lunch) == [lunch[1], lunch[2], lunch[0]]


async def test_a_schedule_is_saved_with_its_windows_and_audited(db: asyncpg.Pool) -> None:
    windows = [Window(3, time(13), time(15)), Window(3, time(8), time(12))]
    async with db.acquire() as conn:
        await add_schedule(conn, "  shift-pagi  ", windows, "admin", except_holidays=False)
        with pytest.raises(ScheduleError, match="already exists"):
            await add_schedule(conn, "shift-pagi", windows, "admin")
        for name in ("", "x" * 81, "baris\nbaru"):
            with pytest.raises(ScheduleError, match="name"):
                await add_schedule(conn, name, windows, "admin")

    schedules = {s["name"]: s for s in await list_schedules(db)}
    assert schedules["shift-pagi"]["except_holidays"] is False
    assert schedules["shift-pagi"]["windows"] == [Window(3, time(8), time(12)), Window(3, time(13), time(15))]
    assert len(schedules["jam-kerja"]["windows"]) == 5  # seeded by the migration
    audit = await db.fetch("SELECT actor, action, target, details FROM audit_log ORDER BY id")
    assert [(r["actor"], r["action"], r["target"]) for r in audit] == [
        ("admin", "schedule_added", "shift-pagi")
    ]
    assert '"windows": [[3, "08:00", "12:00"], [3, "13:00", "15:00"]]' in audit[0]["details"]


async def test_holidays_are_added_once_and_removed(db: asyncpg.Pool) -> None:
    day = date(2025, 12, 25)
    async with db.acquire() as conn:
        await add_holiday(conn, day, " Hari Raya Natal ", "admin")
        with pytest.raises(ScheduleError, match="already a holiday"):
            await add_holiday(conn, day, "Natal", "admin")
        assert await list_holidays(conn) == [{"day": day, "name": "Hari Raya Natal"}]
        await remove_holiday(conn, day, "admin")
        with pytest.raises(ScheduleError, match="is not a holiday"):
            await remove_holiday(conn, day, "admin")
    assert await list_holidays(db) == []
    actions = [r["action"] for r in await db.fetch("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["holiday_added", "holiday_removed"]
