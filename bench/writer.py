"""`python -m bench.writer`: usage records per second into PostgreSQL, UsageWriter against single INSERTs.

Both write generated records (bench/usage_records.py) into one freshly migrated database, in interleaved
rounds: the writer as the proxy runs it (submit, run, close), the baseline one autocommitted INSERT per
record. Each round checks that the rows PostgreSQL gained are exactly the records it was given.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import textwrap
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import asyncpg

from accounting.records import COLUMNS, UsageRecord
from accounting.writer import QUEUE_LIMIT, UsageWriter, WriterStats, prepare_connection
from bench.services import BenchError, Database, bench_database, cancel_on_sigterm, log
from bench.usage_records import CATEGORIES, EMPLOYEES, HOSTS, generated_records
from smedi.db import connect, create_pool, migrate
from smedi.logs import configure_logging

TARGET_RECORDS_PER_S = 50_000
TARGET_RATIO = 10.0
SEED = 2024  # the same records every run, so runs compare
TZ = ZoneInfo("Asia/Jakarta")  # SMEDI_TZ's default: the local days of usage_daily
SUBMIT_CHUNK = 1_000  # records submitted between two yields to the event loop, where the writer runs
HIGH_WATER = QUEUE_LIMIT // 2  # the producer waits above this: past QUEUE_LIMIT the writer drops records
WRITER, INSERTS = "UsageWriter", "single INSERTs"

# Bench-only SQL (product SQL lives in sql/queries): the baseline's statement and the check of each run.
INSERT_ONE = (
    f"INSERT INTO usage_events ({', '.join(COLUMNS)}) "  # noqa: S608  # column names from UsageRecord
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(COLUMNS) + 1))})"
)
TOTALS = """
SELECT (SELECT count(*) FROM usage_events) AS events,
       (SELECT count(*) FROM usage_hourly) AS hourly_rows,
       (SELECT coalesce(sum(bytes_up), 0) FROM usage_hourly)::bigint AS hourly_up,
       (SELECT coalesce(sum(bytes_down), 0) FROM usage_hourly)::bigint AS hourly_down
"""


class Totals(NamedTuple):
    events: int
    hourly_rows: int
    hourly_up: int
    hourly_down: int

    def __sub__(self, other: tuple[int, ...]) -> Totals:
        return Totals(*(a - b for a, b in zip(self, other, strict=True)))


@dataclass(frozen=True)
class Timed:
    round: int
    case: str
    records: int
    seconds: float
    cpu_seconds: float  # this process, the writer's Python side (PostgreSQL is another process)

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


async def totals(conn: asyncpg.Connection) -> Totals:
    return Totals(*(await conn.fetchrow(TOTALS)))


async def through_writer(
    url: str, records: list[UsageRecord], spool_dir: Path
) -> tuple[float, float, WriterStats]:
    """Submit every record while the writer runs, then close it: wall and CPU seconds, its counters."""
    pool = await create_pool(url, max_size=2, setup=prepare_connection)  # as the proxy opens it
    try:
        writer = UsageWriter(pool, TZ, spool_dir)
        task = asyncio.create_task(writer.run())
        cpu, start = cpu_seconds(), time.perf_counter()
        for first in range(0, len(records), SUBMIT_CHUNK):
            for record in records[first : first + SUBMIT_CHUNK]:
                writer.submit(record)
            await asyncio.sleep(0)  # the writer's turn, as between two flows in the proxy
            # pending() has no event to wait on: the producer polls the writer's progress.
            while writer.pending() > HIGH_WATER and not task.done():  # noqa: ASYNC110
                await asyncio.sleep(0.001)
            if task.done():
                break  # it failed: close() says why
        try:
            await writer.close(task)
        except Exception as exc:  # whatever the writer raised is the finding: report it, stop this bench
            raise BenchError(f"the writer failed: {type(exc).__name__}: {exc}") from exc
        return time.perf_counter() - start, cpu_seconds() - cpu, writer.stats
    finally:
        await pool.close()


async def through_inserts(conn: asyncpg.Connection, records: list[UsageRecord]) -> tuple[float, float]:
    cpu, start = cpu_seconds(), time.perf_counter()
    for record in records:
        await conn.execute(INSERT_ONE, *record)
    return time.perf_counter() - start, cpu_seconds() - cpu


def mismatches(case: str, round_: int, records: list[UsageRecord], gained: Totals) -> list[str]:
    """What PostgreSQL gained against what it was given; the baseline leaves usage_hourly alone."""
    rollup = case == WRITER
    expected = {
        "usage_events rows": len(records),
        "usage_hourly bytes_up": sum(r.bytes_up for r in records) if rollup else 0,
        "usage_hourly bytes_down": sum(r.bytes_down for r in records) if rollup else 0,
    }
    found = dict(zip(expected, (gained.events, gained.hourly_up, gained.hourly_down), strict=True))
    return [
        f"  !! round {round_} {case}: {what} gained {found[what]:,}, expected {wanted:,}"
        for what, wanted in expected.items()
        if found[what] != wanted
    ]


def split(records: list[UsageRecord], total: int, rounds: int) -> list[list[UsageRecord]]:
    return [records[i * total // rounds : (i + 1) * total // rounds] for i in range(rounds)]


async def measure_rounds(
    conn: asyncpg.Connection, url: str, given: dict[str, list[list[UsageRecord]]], home: Path
) -> tuple[list[Timed], list[WriterStats], list[str], int]:
    """Each case once a round, the order alternating: runs, writer counters, mismatches, new hourly rows."""
    runs: list[Timed] = []
    stats: list[WriterStats] = []
    problems: list[str] = []
    hourly_rows = 0
    rounds = len(given[WRITER])
    for round_ in range(1, rounds + 1):
        for case in (WRITER, INSERTS) if round_ % 2 else (INSERTS, WRITER):
            mine = given[case][round_ - 1]
            before = await totals(conn)
            if case == WRITER:
                # A spool per round: what one round leaves there is not replayed into the next one's count.
                spool = home / f"spool-{round_}"
                seconds, cpu, writer_stats = await through_writer(url, mine, spool)
                stats.append(writer_stats)
            else:
                seconds, cpu = await through_inserts(conn, mine)
            gained = await totals(conn) - before
            hourly_rows += gained.hourly_rows
            problems += mismatches(case, round_, mine, gained)
            runs.append(Timed(round_, case, len(mine), seconds, cpu))
            log(f"round {round_}/{rounds} {case}: {runs[-1].per_second:,.0f} records/s")
    return runs, stats, problems, hourly_rows


async def run_writer_bench(
    records: int = 300_000, baseline: int = 20_000, rounds: int = 3
) -> tuple[list[str], bool]:
    """Both on one fresh database in interleaved rounds: the report's lines, and whether every row matched."""
    rng = random.Random(SEED)  # noqa: S311  # test data, seeded so runs compare
    log(f"generating {max(records, baseline):,} usage records")
    generated = generated_records(max(records, baseline), rng)
    given = {WRITER: split(generated, records, rounds), INSERTS: split(generated, baseline, rounds)}
    home = Path(tempfile.mkdtemp(prefix="smedi-bench-writer-"))
    try:
        async with bench_database(home) as database:
            conn = await connect(database.url)
            try:
                await migrate(conn)
                runs, stats, problems, hourly_rows = await measure_rounds(conn, database.url, given, home)
            finally:
                await conn.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    checks = [counters(stats), *(problems or [verified(records, hourly_rows)])]
    return report(database, runs, checks, matched=not problems), not problems


def counters(stats: list[WriterStats]) -> str:
    def total(name: str) -> int:
        return sum(getattr(s, name) for s in stats)

    return (
        f"writer, all rounds: {total('written'):,} records in {total('batches')} batches, "
        f"{total('write_errors')} write errors, {total('spooled_batches')} batches spooled, "
        f"{total('dropped')} records dropped"
    )


def verified(records: int, hourly_rows: int) -> str:
    return (
        "verified: new usage_events rows = records in every run; usage_hourly bytes = those submitted to "
        f"the writer\n  ({records:,} records folded into {hourly_rows:,} hourly rows)"
    )


def report(database: Database, runs: list[Timed], checks: list[str], *, matched: bool) -> list[str]:
    row = "{:>6}  {:<16}{:>10}{:>10}{:>12}{:>11}"
    rounds = max(run.round for run in runs)
    median = {
        case: statistics.median(run.per_second for run in runs if run.case == case)
        for case in (WRITER, INSERTS)
    }
    ratio = median[WRITER] / median[INSERTS] if median[INSERTS] else 0.0
    per_round = [
        w.per_second / i.per_second
        for w in runs
        for i in runs
        if w.case == WRITER and i.case == INSERTS and w.round == i.round and i.per_second
    ]
    spread = f"; per round {min(per_round):.1f}× to {max(per_round):.1f}×" if len(per_round) > 1 else ""
    met = median[WRITER] >= TARGET_RECORDS_PER_S and ratio >= TARGET_RATIO
    lines = [
        f"usage writer ingest: records per second into PostgreSQL, {rounds} interleaved round(s)",
        f"records: page views of {EMPLOYEES:,} employees on {HOSTS:,} hosts in {len(CATEGORIES)} categories "
        "over the last hour (bench/usage_records.py)",
        f"{os.cpu_count()} CPU(s), {database.description}, freshly migrated",
        "",
        row.format("round", "case", "records", "seconds", "records/s", "bench CPU"),
        *(
            row.format(
                run.round,
                run.case,
                f"{run.records:,}",
                f"{run.seconds:.2f}",
                f"{run.per_second:,.0f}",
                f"{100 * run.cpu_seconds / run.seconds:.0f}%" if run.seconds else "-",
            )
            for run in runs
        ),
        *(row.format("median", case, "", "", f"{rate:,.0f}", "") for case, rate in median.items()),
        "",
        f"{WRITER} / {INSERTS} = {ratio:.1f}×  (median records/s {median[WRITER]:,.0f} / "
        f"{median[INSERTS]:,.0f}{spread})",
        f"target: ≥ {TARGET_RECORDS_PER_S:,} records/s and ≥ {TARGET_RATIO:g}× the baseline — "
        + ("met" if met and matched else "NOT met" if matched else "NOT met (the rows do not match)"),
        *checks,
    ]
    note = (
        f"{WRITER}: UsageWriter(pool, tz, spool_dir) as the proxy runs it, submit() {SUBMIT_CHUNK:,} records "
        f"at a time between yields to the event loop (waiting while more than {HIGH_WATER:,} are pending), "
        "timed from the first submit to close() returning; each batch COPYs usage_events and updates the "
        f"rollups in one transaction. {INSERTS}: one autocommitted INSERT INTO usage_events per record on "
        "one connection, no rollups: a commit (a WAL flush) per record, so it follows the disk's flush "
        "latency. bench CPU: this process's share of the wall time (PostgreSQL is another process)."
    )
    return [*(line.rstrip() for line in lines), "", *textwrap.wrap(note, 110)]


def whole(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value.replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"expected {low:,} to {high:,}, got {number:,}")
        return number

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.writer",
        description="Usage records per second into PostgreSQL through accounting.writer.UsageWriter "
        "against a loop of single-row INSERTs, on generated records and a freshly migrated database, in "
        f"interleaved rounds. Target: ≥ {TARGET_RECORDS_PER_S:,} records/s and ≥ {TARGET_RATIO:g}× the "
        "baseline.",
        epilog="With DATABASE_URL set, a fresh database on that server is used and dropped afterwards; "
        "otherwise the embedded PostgreSQL in a temporary directory. Exit status 1 if the rows written do "
        "not match the records given; timings never fail the run.",
    )
    parser.add_argument(
        "--records",
        type=whole(1, 10_000_000),
        default=300_000,
        help="records through the writer, all rounds (default: 300,000)",
    )
    parser.add_argument(
        "--baseline",
        type=whole(1, 1_000_000),
        default=20_000,
        help="records through single INSERTs, all rounds (default: 20,000)",
    )
    parser.add_argument(
        "--rounds", type=whole(1, 10), default=3, help="rounds of both, the order alternating (default: 3)"
    )
    return parser


async def _standalone(args: argparse.Namespace) -> tuple[list[str], bool]:
    cancel_on_sigterm()
    return await run_writer_bench(args.records, args.baseline, args.rounds)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(json=False, level=logging.WARNING)  # migrations say nothing; writer warnings show
    warnings.filterwarnings("ignore", category=UserWarning, module="platformdirs")  # as in bench/__main__
    try:
        lines, matched = asyncio.run(_standalone(args))
    except BenchError as exc:
        log(f"FAILED: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted; the database the bench made is removed")
        return 130
    except asyncio.CancelledError:
        log("terminated; the database the bench made is removed")
        return 143
    print("\n".join(lines))
    return 0 if matched else 1


if __name__ == "__main__":
    sys.exit(main())
