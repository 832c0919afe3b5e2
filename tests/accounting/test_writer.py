"""The writer on a real PostgreSQL: COPY and the rollups in one transaction; while PostgreSQL is away,
batches go to the spool and are replayed in order, each exactly once; a full or broken spool is said."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from structlog.testing import capture_logs

from accounting.records import UsageRecord
from accounting.spool import Batch, decode, encode
from accounting.writer import BATCH_SIZE, Retention, UsageWriter

T0 = datetime(2026, 12, 3, 9, 15, tzinfo=UTC)


def record(
    minutes: int = 0,
    employee: int | None = 1,
    host: str = "news.test",
    decision: str = "allow",
    up: int = 100,
    down: int = 1000,
    kind: str = "request",
) -> UsageRecord:
    return UsageRecord(
        T0 + timedelta(minutes=minutes),
        employee,
        None,
        ipaddress.ip_address("198.18.1.2"),
        host,
        "https",
        "GET",
        200,
        decision,
        "",
        "",
        up,
        down,
        0,
        down - 200,
        12,
        kind=kind,
        flow_id=uuid.uuid4(),
    )


JAKARTA = ZoneInfo("Asia/Jakarta")


async def hourly(db: asyncpg.Pool) -> dict[tuple[int, int, str], tuple[int, int, int, int]]:
    rows = await db.fetch("SELECT * FROM usage_hourly")
    return {
        (r["hour"].hour, r["employee_id"], r["host"]): (
            r["requests"],
            r["blocked"],
            r["bytes_up"],
            r["bytes_down"],
        )
        for r in rows
    }


async def test_the_hourly_rollup_sums_by_hour_employee_host_and_category(db: asyncpg.Pool) -> None:
    writer = UsageWriter(db, JAKARTA)
    for r in (
        record(0),
        record(10, decision="block"),
        record(40, host="x.test"),
        record(65),
        record(0, employee=None),
    ):
        writer.submit(r)
    assert await writer.flush()
    assert await hourly(db) == {
        (9, 1, "news.test"): (2, 1, 200, 2000),
        (9, 1, "x.test"): (1, 0, 100, 1000),
        (10, 1, "news.test"): (1, 0, 100, 1000),
        (9, 0, "news.test"): (1, 0, 100, 1000),  # not signed in: employee 0
    }


async def test_intervals_count_bytes_but_not_requests(db: asyncpg.Pool) -> None:
    writer = UsageWriter(db, JAKARTA)
    for r in (record(0), record(1, kind="interval"), record(2, kind="connection")):
        writer.submit(r)
    assert await writer.flush()
    assert await hourly(db) == {(9, 1, "news.test"): (1, 0, 300, 3000)}


async def test_the_daily_rollup_uses_the_local_day(db: asyncpg.Pool) -> None:
    late = record(0)._replace(ts=datetime(2026, 12, 3, 17, 30, tzinfo=UTC))  # 00:30 on the 4th in Jakarta
    early = record(0)._replace(ts=datetime(2026, 12, 3, 16, 59, tzinfo=UTC))
    india = record(0, employee=2)._replace(ts=datetime(2026, 12, 3, 18, 29, tzinfo=UTC))  # 23:59 in India
    for tz, records in ((JAKARTA, [late, early]), (ZoneInfo("Asia/Kolkata"), [india])):
        writer = UsageWriter(db, tz)
        for r in records:
            writer.submit(r)
        assert await writer.flush()
    days = await db.fetch("SELECT day, employee_id FROM usage_daily_totals ORDER BY employee_id, day")
    assert [(r["day"], r["employee_id"]) for r in days] == [
        (date(2026, 12, 3), 1), (date(2026, 12, 4), 1), (date(2026, 12, 3), 2)
    ]  # fmt: skip


async def _totals(db: asyncpg.Pool) -> tuple[int, int, int]:
    events = await db.fetchval("SELECT count(*) FROM usage_events")
    hourly = await db.fetchval("SELECT coalesce(sum(requests), 0) FROM usage_hourly")
    down = await db.fetchval("SELECT coalesce(sum(bytes_down), 0) FROM usage_daily_totals")
    return events, hourly, down


def test_a_spool_file_round_trips_and_a_cut_one_is_refused() -> None:
    batch = Batch(uuid.uuid4(), [record(i) for i in range(3)] + [record(0)._replace(client_ip=None)])
    data = encode(batch)
    assert decode(data) == batch
    with pytest.raises(ValueError, match="expected 4 records"):
        decode(data[: data.rindex(b"\n", 0, -1) + 1])


@pytest.fixture
async def unreachable() -> AsyncIterator[asyncpg.Pool]:
    """A pool to a port where no PostgreSQL listens: every acquire is refused, as when the server is down."""
    pool = await asyncpg.create_pool("postgresql://postgres@127.0.0.1:9/none", min_size=0, timeout=2)
    yield pool
    await pool.close()


async def test_records_and_rollups_land_together(db: asyncpg.Pool) -> None:
    writer = UsageWriter(db, JAKARTA)
    for i in range(BATCH_SIZE + 500):  # more than one batch
        writer.submit(record(i % 120))
    assert await writer.flush()
    n = BATCH_SIZE + 500
    assert await _totals(db) == (n, n, n * 1000)
    assert await db.fetchval("SELECT sum(bytes_up + bytes_down) FROM usage_daily_totals") == n * 1100
    assert await db.fetchval("SELECT count(*) FROM usage_batches") == 2
    partitions = await db.fetchval(
        "SELECT count(*) FROM pg_inherits WHERE inhparent = 'usage_events'::regclass"
    )
    assert partitions >= 7  # days ahead created, beside the default partition


async def test_a_failed_flush_without_spool_keeps_the_batch_and_writes_it_exactly_once_later(
    db: asyncpg.Pool,
) -> None:
    writer = UsageWriter(db, JAKARTA)
    for i in range(10):
        writer.submit(record(i))
    await db.execute("ALTER TABLE usage_hourly RENAME TO usage_hourly_away")  # fails mid-transaction
    with capture_logs() as logs:
        assert not await writer.flush()
    assert "usage_database_unreachable" in [e["event"] for e in logs]
    assert writer.pending() == 10
    assert await db.fetchval("SELECT count(*) FROM usage_events") == 0  # COPY rolled back with it
    await db.execute("ALTER TABLE usage_hourly_away RENAME TO usage_hourly")
    writer._retry_at = 0.0  # the retry pause is for a real outage
    assert await writer.flush()
    assert writer.pending() == 0
    assert await _totals(db) == (10, 10, 10_000)


async def test_while_postgresql_is_away_batches_are_spooled_and_replayed_once_in_order(
    db: asyncpg.Pool, unreachable: asyncpg.Pool, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    away = UsageWriter(unreachable, JAKARTA, spool)
    for i in range(BATCH_SIZE * 2 + 7):
        away.submit(record(i % 600))
    assert not await away.flush()
    assert away.pending() == 0 and len(away.spool.files()) == 3  # type: ignore[union-attr]
    for i in range(5):  # more arrive while it is still away: behind the others, never before
        away.submit(record(i, host="later.test"))
    assert not await away.flush()
    files = away.spool.files()  # type: ignore[union-attr]
    assert len(files) == 4 and oct(files[0].stat().st_mode & 0o777) == "0o600"
    assert decode(files[-1].read_bytes()).records[0].host == "later.test"

    back = UsageWriter(db, JAKARTA, spool)  # the same spool, PostgreSQL reachable again (or a restart)
    with capture_logs() as logs:
        assert await back.flush()
    assert [e["event"] for e in logs].count("usage_spool_replayed") == 4
    n = BATCH_SIZE * 2 + 12
    assert await _totals(db) == (n, n, n * 1000)
    assert back.spool.files() == []  # type: ignore[union-attr]


async def test_a_batch_whose_commit_answer_was_lost_is_not_written_twice(
    db: asyncpg.Pool, tmp_path: Path
) -> None:
    writer = UsageWriter(db, JAKARTA, tmp_path / "spool")
    batch = Batch(uuid.uuid4(), [record(i) for i in range(20)])
    await writer._write(batch)  # committed...
    writer.spool.append(batch)  # type: ignore[union-attr]  # ...but the writer thought it failed and spooled it
    with capture_logs() as logs:
        assert await writer.flush()
    assert "usage_batch_already_written" in [e["event"] for e in logs]
    assert await _totals(db) == (20, 20, 20_000)


async def test_a_full_spool_is_said_and_records_wait_in_memory(
    unreachable: asyncpg.Pool, tmp_path: Path
) -> None:
    writer = UsageWriter(unreachable, JAKARTA, tmp_path / "spool", spool_max_bytes=4096)
    for i in range(200):
        writer.submit(record(i))
    with capture_logs() as logs:
        assert not await writer.flush()
    assert "usage_spool_full" in [e["event"] for e in logs]
    assert writer.pending() == 200 and writer.stats.spool_full == 1


async def test_an_unwritable_spool_is_said_and_records_wait_in_memory(
    unreachable: asyncpg.Pool, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("not a directory")
    writer = UsageWriter(unreachable, JAKARTA, tmp_path / "file" / "spool")
    writer.submit(record(0))
    with capture_logs() as logs:
        assert not await writer.flush()
    event = next(e for e in logs if e["event"] == "usage_spool_unwritable")
    assert event["log_level"] == "error" and "spool" in event["directory"]
    assert writer.pending() == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tiny tmpfs needs root (CI runs as root)")
async def test_a_disk_full_spool_is_said_and_nothing_half_written_is_left(
    unreachable: asyncpg.Pool, tmp_path: Path
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], check=True)  # noqa: ASYNC221
    try:
        writer = UsageWriter(unreachable, JAKARTA, disk / "spool")
        for i in range(3000):
            writer.submit(record(i % 600))
        with capture_logs() as logs:
            assert not await writer.flush()
        event = next(e for e in logs if e["event"] == "usage_spool_unwritable")
        assert "space" in event["error"].lower()
        assert not list((disk / "spool").glob("*.tmp"))  # the failed file was removed
        spooled = sum(len(decode(p.read_bytes()).records) for p in writer.spool.files())  # type: ignore[union-attr]
        assert spooled + writer.pending() == 3000  # on disk or in memory: none lost
    finally:
        subprocess.run(["umount", str(disk)], check=True)  # noqa: ASYNC221


async def test_close_writes_everything_queued(db: asyncpg.Pool) -> None:
    writer = UsageWriter(db, JAKARTA)
    task = asyncio.create_task(writer.run())
    for i in range(300):
        writer.submit(record(i))
    await writer.close(task)
    assert await _totals(db) == (300, 300, 300_000)


async def test_close_while_postgresql_is_away_spools_everything(
    unreachable: asyncpg.Pool, tmp_path: Path
) -> None:
    writer = UsageWriter(unreachable, JAKARTA, tmp_path / "spool")
    task = asyncio.create_task(writer.run())
    for i in range(300):
        writer.submit(record(i))
    await writer.close(task)
    assert writer.pending() == 0
    assert sum(len(decode(p.read_bytes()).records) for p in writer.spool.files()) == 300  # type: ignore[union-attr]


async def test_retention_drops_old_days_and_keeps_the_rest(db: asyncpg.Pool) -> None:
    today = datetime.now(UTC).date()
    old = today - timedelta(days=40)
    await db.execute("SELECT ensure_usage_partitions($1, 2)", old)
    await db.execute(
        "INSERT INTO usage_daily_totals (day, category, bytes_down) VALUES ($1, 'old', 1), ($2, 'new', 2)",
        today - timedelta(days=400),
        today,
    )
    writer = UsageWriter(db, JAKARTA, retention=Retention(raw_days=30, rollup_days=365))
    writer.submit(record(0)._replace(ts=datetime.now(UTC)))
    assert await writer.flush()
    names = {r["relname"] for r in await db.fetch(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'usage_events'::regclass"
    )}  # fmt: skip
    assert f"usage_events_{old:%Y%m%d}" not in names and f"usage_events_{today:%Y%m%d}" in names
    kept = {r["category"] for r in await db.fetch("SELECT category FROM usage_daily_totals")}
    assert "new" in kept and "old" not in kept
