"""Flushes usage records to PostgreSQL with COPY, keeping usage_hourly current in the same transaction."""

from __future__ import annotations

import asyncio
import collections
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog

from accounting.records import COLUMNS, UsageRecord, rollup_hourly
from smedi.sql import load_queries

log = structlog.get_logger(__name__)
queries = load_queries("accounting")

FLUSH_SECONDS = 0.5  # the issue asks for at least once a second; reports then lag under a second
BATCH_SIZE = 2000
QUEUE_LIMIT = 200_000  # about 60 MB of records: minutes of a city's traffic while PostgreSQL is away
PARTITION_DAYS_AHEAD = 7
RETRY_SECONDS = 2.0


class UsageWriter:
    """Hooks call `submit` (no await, O(1)); `run` flushes; `close` writes everything still queued."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._queue: collections.deque[UsageRecord] = collections.deque()
        self._wake = asyncio.Event()
        self._closing = False
        self._partitions_until: datetime | None = None
        self.dropped = 0

    def submit(self, record: UsageRecord) -> None:
        if len(self._queue) >= QUEUE_LIMIT:
            # Serving never waits on the database; past the limit we say so loudly and count it.
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.error("usage_queue_full", dropped=self.dropped, limit=QUEUE_LIMIT)
            return
        self._queue.append(record)
        if len(self._queue) >= BATCH_SIZE:
            self._wake.set()

    def pending(self) -> int:
        return len(self._queue)

    async def run(self) -> None:
        while not self._closing:
            try:
                await asyncio.wait_for(self._wake.wait(), FLUSH_SECONDS)
            except TimeoutError:
                pass
            self._wake.clear()
            if not await self.flush():
                await asyncio.sleep(RETRY_SECONDS)

    async def close(self, task: asyncio.Task[None]) -> None:
        """Stop the loop and write what is queued; retry a few times if PostgreSQL is briefly away."""
        self._closing = True
        self._wake.set()
        await task
        for _ in range(5):
            if await self.flush() and not self._queue:
                return
            await asyncio.sleep(RETRY_SECONDS)
        log.error("usage_records_unwritten_at_exit", records=len(self._queue))

    async def flush(self) -> bool:
        """Write queued batches; on failure put the batch back in front and return False."""
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(BATCH_SIZE, len(self._queue)))]
            try:
                await self._write(batch)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self._queue.extendleft(reversed(batch))
                log.warning("usage_flush_failed", error=str(exc), queued=len(self._queue))
                return False
        return True

    async def _write(self, batch: list[UsageRecord]) -> None:
        hourly = rollup_hourly(batch)
        async with self._pool.acquire() as conn:
            await self._ensure_partitions(conn)
            async with conn.transaction():
                await conn.copy_records_to_table("usage_events", records=batch, columns=COLUMNS)
                await conn.execute(queries.upsert_hourly, *(list(col) for col in zip(*hourly, strict=True)))

    async def _ensure_partitions(self, conn: asyncpg.Connection) -> None:
        now = datetime.now(UTC)
        if self._partitions_until is not None and now < self._partitions_until:
            return
        try:
            await conn.execute(
                queries.ensure_partitions, (now - timedelta(days=1)).date(), PARTITION_DAYS_AHEAD
            )
        except asyncpg.PostgresError as exc:
            # Rows still land in the default partition; nothing is lost, retention is just coarser.
            log.warning("usage_partitions_not_created", error=str(exc))
        self._partitions_until = now + timedelta(hours=6)
