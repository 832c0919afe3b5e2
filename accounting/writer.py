"""Flushes usage records to PostgreSQL with COPY, keeping the rollups current in the same transaction;
while PostgreSQL is away, batches go to the spool on disk and are replayed in order, each exactly once."""

from __future__ import annotations

import asyncio
import collections
import functools
import ipaddress
import itertools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from accounting import live_feed
from accounting.records import COLUMNS, UsageRecord
from accounting.spool import Batch, Spool, SpoolFull, decode
from smedi.sql import load_queries

log = structlog.get_logger(__name__)
queries = load_queries("accounting")

FLUSH_SECONDS = 0.5  # a crash loses at most this long of records; reports lag under a second
BATCH_SIZE = 10_000
# After write_batch, the rollups by local day ($1 the time zone), the rows two batches share most last: a
# second batch does most of its work while the first commits.
LOCAL_DAY_STEPS = (queries.write_batch_totals, queries.write_batch_activity, queries.write_batch_hosts)
CONCURRENT_BATCHES = 2  # rollup rows are taken in one order (write_batch…), so two never deadlock
QUEUE_LIMIT = 200_000  # records held in memory when neither PostgreSQL nor the spool takes them
RETRY_SECONDS = 2.0  # while PostgreSQL is away, batches go straight to the spool between attempts
WRITE_TIMEOUT = 15.0  # a PostgreSQL that hangs (not only one that refuses) sends batches to the spool
PARTITION_DAYS_AHEAD = 7
MAINTENANCE_EVERY = timedelta(hours=6)
DB_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


@dataclass(frozen=True)
class Retention:
    raw_days: int = 90
    rollup_days: int = 730


@dataclass
class WriterStats:
    """Counters for /metrics and the shutdown line."""

    written: int = 0
    batches: int = 0
    spooled_batches: int = 0
    replayed_batches: int = 0
    spool_full: int = 0
    spool_errors: int = 0
    dropped: int = 0
    write_errors: int = 0


class UsageWriter:
    """Hooks call `submit` (no await, O(1)); `run` flushes; `close` writes or spools everything queued."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        tz: ZoneInfo,
        spool_dir: Path | None = None,
        *,
        spool_max_bytes: int = 1024**3,
        retention: Retention | None = None,
    ) -> None:
        self._pool = pool
        self._tz = tz
        self.spool = Spool(spool_dir, spool_max_bytes) if spool_dir is not None else None
        self._retention = retention or Retention()
        self._queue: collections.deque[UsageRecord] = collections.deque()
        self._held: collections.deque[Batch] = collections.deque()  # batches neither written nor spooled
        self._held_records = 0
        self._wake = asyncio.Event()
        self._closing = False
        self._maintained_at: datetime | None = None
        self._retry_at = 0.0  # monotonic; set while PostgreSQL is away
        self.stats = WriterStats()
        # Told about every committed batch (the proxy's quota view stops counting them as its own).
        self.on_commit: Callable[[list[UsageRecord]], None] | None = None
        # Called before each flush: the proxy bills its open connections then, so a row waits at most
        # one flush interval between the bytes and the database.
        self.before_flush: Callable[[], None] | None = None

    @property
    def dropped(self) -> int:
        return self.stats.dropped

    def submit(self, record: UsageRecord) -> None:
        if len(self._queue) + self._held_records >= QUEUE_LIMIT:
            # Serving never waits on the database; with PostgreSQL and the spool both failing, past the
            # limit we say so loudly and count it.
            self.stats.dropped += 1
            if self.stats.dropped % 1000 == 1:
                log.error("usage_queue_full", dropped=self.stats.dropped, limit=QUEUE_LIMIT)
            return
        self._queue.append(record)
        if len(self._queue) >= BATCH_SIZE:
            self._wake.set()

    def pending(self) -> int:
        """Records in memory, not yet in PostgreSQL nor in the spool."""
        return len(self._queue) + self._held_records

    async def run(self) -> None:
        while not self._closing:
            try:
                await asyncio.wait_for(self._wake.wait(), FLUSH_SECONDS)
            except TimeoutError:
                pass
            self._wake.clear()
            if self.before_flush is not None:
                self.before_flush()
            await self.flush()

    async def close(self, task: asyncio.Task[None]) -> None:
        """Stop the loop and write what is queued; what PostgreSQL cannot take now goes to the spool."""
        self._closing = True
        self._wake.set()
        await task
        self._retry_at = 0.0  # one more attempt, whatever the last one said
        await self.flush()
        if self.pending():
            log.error("usage_records_unwritten_at_exit", records=self.pending())

    async def flush(self) -> bool:
        """Replay the spool, then write held and queued batches. False when PostgreSQL did not take all;
        then what is queued goes to the spool, so a crash loses at most one flush interval."""
        if time.monotonic() < self._retry_at or not await self._replay():
            self._spool_everything()  # keep the order: nothing overtakes what waits on disk
            return False
        while batches := self._next_batches(CONCURRENT_BATCHES):
            # Two batches at once: one is encoded and sent while PostgreSQL works on the other.
            results = await asyncio.gather(*(self._write(b) for b in batches), return_exceptions=True)
            for batch, result in zip(batches, results, strict=True):
                if result is None:
                    self._held.remove(batch)
                    self._held_records -= len(batch.records)
            failures = [r for r in results if r is not None]
            for failure in failures:
                if not isinstance(failure, DB_ERRORS):
                    raise failure
            if failures:
                self._failed(failures[0])
                self._spool_everything()
                return False
        if self._retry_at:
            log.info("usage_database_back", spooled=self.stats.spooled_batches)
            self._retry_at = 0.0
        return True

    def _failed(self, exc: BaseException) -> None:
        self.stats.write_errors += 1
        if not self._retry_at:  # once per outage, not every half second
            log.warning(
                "usage_database_unreachable", error=str(exc) or type(exc).__name__, queued=self.pending()
            )
        self._retry_at = time.monotonic() + RETRY_SECONDS

    def _next(self) -> Batch | None:
        """The oldest batch not yet written; a new one from the queue is held until it is written."""
        batches = self._next_batches(1)
        return batches[0] if batches else None

    def _next_batches(self, count: int) -> list[Batch]:
        while len(self._held) < count and self._queue:
            size = min(BATCH_SIZE, len(self._queue))
            self._held.append(Batch(uuid.uuid4(), [self._queue.popleft() for _ in range(size)]))
            self._held_records += size
        return list(itertools.islice(self._held, count))

    def _done(self, batch: Batch) -> None:
        self._held.popleft()
        self._held_records -= len(batch.records)

    def _spool_everything(self) -> None:
        """Move held and queued batches to disk, in order; what the spool refuses stays in memory."""
        if self.spool is None:
            return
        while batch := self._next():
            try:
                self.spool.append(batch)
            except SpoolFull as exc:
                self.stats.spool_full += 1
                if self.stats.spool_full % 100 == 1:
                    log.error("usage_spool_full", error=str(exc), held=self.pending())
                return
            except OSError as exc:
                self.stats.spool_errors += 1
                if self.stats.spool_errors % 100 == 1:
                    log.error(
                        "usage_spool_unwritable",
                        directory=str(self.spool.directory),
                        error=exc.strerror or str(exc),
                        held=self.pending(),
                    )
                return
            self.stats.spooled_batches += 1
            self._done(batch)

    async def _replay(self) -> bool:
        if self.spool is None:
            return True
        for path in self.spool.files():
            try:
                batch = decode(path.read_bytes())
            except (OSError, ValueError, IndexError, TypeError) as exc:
                broken = path.with_suffix(".broken")
                path.rename(broken)
                log.error("usage_spool_file_unreadable", file=str(broken), error=str(exc))
                continue
            try:
                await self._write(batch)
            except DB_ERRORS as exc:
                self._failed(exc)
                return False
            path.unlink()
            self.stats.replayed_batches += 1
            log.info("usage_spool_replayed", file=path.name, records=len(batch.records))
        return True

    async def _write(self, batch: Batch) -> None:
        async with asyncio.timeout(WRITE_TIMEOUT), self._pool.acquire() as conn:
            await self._maintain(conn)
            await conn.execute(queries.create_batch_table)
            async with conn.transaction():
                # The batch id makes a replay of an already committed batch (the answer was lost) a no-op.
                if not await conn.fetchval(queries.claim_batch, batch.id, len(batch.records)):
                    log.info("usage_batch_already_written", batch=str(batch.id))
                    return
                await conn.copy_records_to_table("usage_batch", records=batch.records, columns=COLUMNS)
                await conn.execute(queries.write_batch)
                for step in LOCAL_DAY_STEPS:
                    await conn.execute(step, self._tz.key)
            # The live dashboard's feed (admin/live.py), told once the batch is in, so only then. Not inside
            # the transaction: there NOTIFY holds PostgreSQL's notify lock through the commit's WAL flush,
            # one batch's commit waiting for the other's. A crash right after the commit loses one summary,
            # never a row. Summarised here, not in a thread: a thread holding the GIL stalls the proxy's loop.
            try:
                await conn.execute(live_feed.NOTIFY, live_feed.payload(batch.records))
            except DB_ERRORS as exc:
                log.warning("usage_live_notify_failed", error=str(exc) or type(exc).__name__)
        self.stats.written += len(batch.records)
        self.stats.batches += 1
        if self.on_commit is not None:
            self.on_commit(batch.records)

    async def _maintain(self, conn: asyncpg.Connection) -> None:
        """Partitions for the days ahead; retention drops old days. Every few hours, in any proxy."""
        now = datetime.now(UTC)
        if self._maintained_at is not None and now - self._maintained_at < MAINTENANCE_EVERY:
            return
        self._maintained_at = now
        today = now.date()
        try:
            await conn.execute(queries.ensure_partitions, today - timedelta(days=1), PARTITION_DAYS_AHEAD)
            dropped = await conn.fetchval(
                queries.drop_partitions_before, today - timedelta(days=self._retention.raw_days)
            )
            rollup_cutoff = today - timedelta(days=self._retention.rollup_days)
            await conn.execute(queries.delete_rollups_before, rollup_cutoff)
            await conn.execute(
                queries.delete_batches_before, today - timedelta(days=self._retention.raw_days)
            )
        except asyncpg.PostgresError as exc:
            # Rows still land in the default partition; nothing is lost, retention is just coarser.
            log.warning("usage_maintenance_failed", error=str(exc))
            return
        if dropped:
            log.info("usage_partitions_dropped", partitions=dropped, retention_days=self._retention.raw_days)


@functools.lru_cache(maxsize=4096)
def _encode_inet(value: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bytes:
    """PostgreSQL's binary inet (family, prefix bits, is_cidr, length, address): asyncpg's own encoder
    parses every address again and took half of the COPY's time. Cached: a device makes many rows."""
    address = ipaddress.ip_address(value) if isinstance(value, str) else value
    packed = address.packed
    return bytes((2 if address.version == 4 else 3, len(packed) * 8, 0, len(packed))) + packed


def _decode_inet(data: bytes) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(data[4:])


async def prepare_connection(conn: asyncpg.Connection) -> None:
    """For the writer's own pool (create_pool(setup=...)): a fast inet codec."""
    await conn.set_type_codec(
        "inet", schema="pg_catalog", encoder=_encode_inet, decoder=_decode_inet, format="binary"
    )
