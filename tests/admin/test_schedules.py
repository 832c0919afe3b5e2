"""Schedules and holidays in PostgreSQL: checked before saving, saved with their windows, audited."""

from __future__ import annotations

import asyncio
import json
from datetime import date, time

import asyncpg
import pytest

from admin.policy_rules import RuleSpec, add_rule, delete_rule
from admin.schedules import (
    ScheduleError,
    add_holiday,
    add_schedule,
    change_schedule,
    check_windows,
    delete_schedule,
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


async def _schedule_id(db: asyncpg.Pool | asyncpg.Connection, name: str) -> int:
    return await db.fetchval("SELECT id FROM schedules WHERE name = $1", name)


async def test_a_schedule_is_changed_whole_and_audited_with_what_it_was(db: asyncpg.Pool) -> None:
    office = await _schedule_id(db, "jam-kerja")
    split = [
        Window(1, time(13), time(16)),
        Window(1, time(7, 30), time(12)),
        Window(5, time(7, 30), time(11)),
    ]
    async with db.acquire() as conn:
        await change_schedule(conn, office, split, "admin", except_holidays=False)
    schedules = {s["name"]: s for s in await list_schedules(db)}
    assert schedules["jam-kerja"]["windows"] == [split[1], split[0], split[2]]
    assert schedules["jam-kerja"]["except_holidays"] is False
    row = await db.fetchrow("SELECT actor, action, target, details FROM audit_log")
    assert (row["actor"], row["action"], row["target"]) == ("admin", "schedule_changed", "jam-kerja")
    details = json.loads(row["details"])
    assert details["windows"] == [[1, "07:30", "12:00"], [1, "13:00", "16:00"], [5, "07:30", "11:00"]]
    assert details["except_holidays"] is False
    assert details["from"]["except_holidays"] is True and len(details["from"]["windows"]) == 5


@pytest.mark.parametrize(
    ("windows", "key"),
    [
        ([], "schedule_no_window"),
        ([Window(1, time(8), time(12)), Window(1, time(11), time(13))], "schedule_windows_overlap"),
        ([Window(2, time(9), time(8))], "schedule_window_backwards"),
    ],
)
async def test_a_refused_change_saves_nothing(db: asyncpg.Pool, windows: list[Window], key: str) -> None:
    office = await _schedule_id(db, "jam-kerja")
    before = await list_schedules(db)
    async with db.acquire() as conn:
        with pytest.raises(ScheduleError) as refused:
            await change_schedule(conn, office, windows, "admin", except_holidays=False)
    assert refused.value.key == key
    assert await list_schedules(db) == before
    assert await db.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_an_unknown_schedule_cannot_be_changed_or_deleted(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        with pytest.raises(ScheduleError, match="no schedule 999"):
            await change_schedule(conn, 999, [Window(1, time(8), time(9))], "admin", except_holidays=True)
        with pytest.raises(ScheduleError, match="no schedule 999"):
            await delete_schedule(conn, 999, "admin")
    assert await db.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_a_schedule_in_use_is_not_deleted_and_the_rules_are_named(db: asyncpg.Pool) -> None:
    office = await _schedule_id(db, "jam-kerja")
    async with db.acquire() as conn:
        first = await add_rule(conn, RuleSpec("block", "domain", "a.test", schedule="jam-kerja"), "admin")
        await add_rule(conn, RuleSpec("block", "domain", "b.test"), "admin")
        third = await add_rule(conn, RuleSpec("warn", "domain", "c.test", schedule="jam-kerja"), "admin")
        with pytest.raises(ScheduleError) as refused:
            await delete_schedule(conn, office, "admin")
    assert str(refused.value) == (
        f"the schedule 'jam-kerja' is still used by rule(s) {first}, {third}: delete those rules first, "
        "then the schedule"
    )
    assert await _schedule_id(db, "jam-kerja") == office
    assert "schedule_deleted" not in [r["action"] for r in await db.fetch("SELECT action FROM audit_log")]

    async with db.acquire() as conn:
        await delete_rule(conn, first, "admin")
        await delete_rule(conn, third, "admin")
        assert await delete_schedule(conn, office, "admin") == "jam-kerja"
    assert await list_schedules(db) == []
    assert await db.fetchval("SELECT count(*) FROM schedule_windows") == 0  # they went with it
    row = await db.fetchrow("SELECT actor, target, details FROM audit_log WHERE action = 'schedule_deleted'")
    assert (row["actor"], row["target"]) == ("admin", "jam-kerja")
    assert json.loads(row["details"])["windows"][0] == [1, "07:30", "16:00"]


async def test_every_schedule_change_tells_the_proxies(db: asyncpg.Pool) -> None:
    """The proxies reload on policy_changed: the triggers on schedules and schedule_windows send it."""
    heard: list[str] = []

    def hear(_conn: object, _pid: int, _channel: str, table: str) -> None:
        heard.append(table)

    listener = await db.acquire()
    await listener.add_listener("policy_changed", hear)

    async def tables_heard() -> set[str]:
        await listener.execute("SELECT 1")  # a notification committed before this arrives before its answer
        await asyncio.sleep(0)
        found = set(heard)
        heard.clear()
        return found

    try:
        async with db.acquire() as conn:
            added = await add_schedule(conn, "uji", [Window(1, time(8), time(9))], "admin")
            assert {"schedules", "schedule_windows"} <= await tables_heard()
            await change_schedule(conn, added, [Window(2, time(8), time(9))], "admin", except_holidays=False)
            assert {"schedules", "schedule_windows"} <= await tables_heard()
            await delete_schedule(conn, added, "admin")
            assert "schedules" in await tables_heard()
    finally:
        await listener.remove_listener("policy_changed", hear)
        await db.release(listener)
