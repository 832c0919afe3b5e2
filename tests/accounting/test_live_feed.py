"""The live feed's summary of a batch: what it counts, how small it stays, and that it reads back."""

from __future__ import annotations

import ipaddress
import json
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from accounting import live_feed
from accounting.records import UsageRecord
from accounting.spool import Batch
from accounting.writer import UsageWriter

T0 = datetime(2025, 3, 4, 3, 0, tzinfo=UTC)
HOSTILE = [
    '"><script>alert(1)</script>',
    "evil\nhost\r\n\r\ndata: forged",
    "\x00nul\x01\x1f",
    "ünïcødé-😀.example",
    "\\" * 40 + '"' * 40,
    "x" * 5000,
]


def record(
    employee: int | None = 1,
    host: str = "news.test",
    *,
    org: int | None = 7,
    category: str = "",
    up: int = 100,
    down: int = 1000,
    decision: str = "allow",
    kind: str = "request",
    seconds: float = 0.0,
) -> UsageRecord:
    return UsageRecord(
        T0 + timedelta(seconds=seconds), employee, org, ipaddress.ip_address("10.0.0.1"), host, "https",
        "GET", 200, decision, category, "", up, down, 0, 0, 1, kind=kind,
    )  # fmt: skip


def test_a_batch_is_counted_as_write_batch_counts_it() -> None:
    batch = [
        record(1, "a.test", up=10, down=100, seconds=0.2),
        record(1, "a.test", up=5, down=50, kind="interval"),  # bytes, not a request
        record(2, "b.test", org=8, category="judi", up=1, down=2, decision="block"),
        record(3, "c.test", up=0, down=7, decision="quota", seconds=0.1),
        record(None, "a.test", org=None, up=3, down=5, decision="auth_required"),
    ]
    summary = live_feed.summarise(batch)
    assert (summary.records, summary.requests, summary.blocked) == (5, 4, 2)
    assert (summary.bytes_up, summary.bytes_down) == (19, 164)
    assert summary.ts == (T0 + timedelta(seconds=0.2)).timestamp()
    assert summary.employees == ((1, 15, 150, 1), (0, 3, 5, 1), (3, 0, 7, 1), (2, 1, 2, 1))
    assert summary.orgs == ((7, 15, 157, 2), (0, 3, 5, 1), (8, 1, 2, 1))
    assert summary.hosts == (("a.test", 18, 155, 2), ("c.test", 0, 7, 1), ("b.test", 1, 2, 1))
    assert summary.categories == (("", 18, 162, 3), ("judi", 1, 2, 1))
    assert live_feed.estimate(summary.sketch) == 3  # signed in: 1, 2, 3


def test_an_empty_batch() -> None:
    summary = live_feed.summarise([])
    assert (summary.records, summary.requests, summary.bytes_up, summary.employees) == (0, 0, 0, ())
    assert live_feed.decode(live_feed.encode(summary)) == summary


def test_the_payload_reads_back_as_the_summary() -> None:
    batch = [
        record(e, f"h{e % 5}.test", org=e % 3, category="streaming", up=e, down=10 * e) for e in range(1, 40)
    ]
    summary = live_feed.summarise(batch)
    assert live_feed.decode(live_feed.encode(summary)) == summary


def test_the_lists_are_cut_to_their_limits_largest_first() -> None:
    batch = [record(e, f"host{e}.test", org=e, up=0, down=e) for e in range(1, 501)]
    summary = live_feed.summarise(batch)
    assert len(summary.employees) == live_feed.LIMITS["employees"]
    assert [e[0] for e in summary.employees[:3]] == [500, 499, 498]
    assert len(summary.hosts) == live_feed.LIMITS["hosts"] and summary.hosts[0][0] == "host500.test"
    assert summary.bytes_down == sum(range(1, 501))  # totals count everything, cut or not


def test_five_thousand_distinct_hosts_with_hostile_names_stay_under_the_notify_limit() -> None:
    rng = random.Random(6)  # noqa: S311  # test data
    batch = [
        record(
            rng.randint(1, 2000),
            f"{rng.choice(HOSTILE)}{i}-{'é' * rng.randint(0, 300)}",
            org=rng.randint(1, 200),
            category=rng.choice(HOSTILE),
            up=rng.randint(0, 10**6),
            down=rng.randint(0, 10**9),
        )
        for i in range(5000)
    ]
    summary = live_feed.summarise(batch)
    text = live_feed.encode(summary)
    assert len(text.encode()) <= live_feed.PAYLOAD_LIMIT < 8000
    assert text.isascii() and "\n" not in text and "\x00" not in text
    back = live_feed.decode(text)
    # Totals and the sketch always survive; the lists are a prefix of the summary's, hosts cut to 253.
    assert (back.records, back.bytes_up, back.bytes_down, back.sketch) == (
        5000, summary.bytes_up, summary.bytes_down, summary.sketch,
    )  # fmt: skip
    assert back.hosts and all(len(h[0]) <= live_feed.HOST_CHARS for h in back.hosts)
    assert [h[0] for h in back.hosts] == [
        h[0][: live_feed.HOST_CHARS] for h in summary.hosts[: len(back.hosts)]
    ]
    assert back.employees == summary.employees[: len(back.employees)]
    assert live_feed.estimate(back.sketch) == pytest.approx(len({r.employee_id for r in batch}), rel=0.1)


def test_every_list_may_be_cut_to_fit_a_small_limit() -> None:
    batch = [record(e, "x" * 250 + str(e), up=e, down=e) for e in range(1, 200)]
    text = live_feed.encode(live_feed.summarise(batch), limit=2000)
    assert len(text) <= 2000
    assert live_feed.decode(text).bytes_up == sum(range(1, 200))


def test_the_sketch_counts_distinct_employees() -> None:
    assert live_feed.estimate(live_feed.EMPTY_SKETCH) == 0
    for count in (1, 10, 100, 2000, 20_000):
        sketch = live_feed.sketch_of(range(1, count + 1))
        assert live_feed.estimate(sketch) == pytest.approx(count, rel=0.08), count
    halves = [live_feed.sketch_of(range(1, 1001)), live_feed.sketch_of(range(501, 1501))]
    assert live_feed.estimate(live_feed.merge_sketches(halves)) == pytest.approx(1500, rel=0.08)


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "not json",
        "[]",
        json.dumps({"v": 99}),
        json.dumps({"v": 1, "ts": "soon"}),
        json.dumps({"v": 1, "ts": 1.0, "sketch": "!!"}),
        json.dumps({"v": 1, "ts": 1.0, "sketch": "eJwDAAAAAAE="}),  # a valid, empty zlib stream: 0 registers
    ],
)
def test_anything_but_a_summary_is_refused(payload: str) -> None:
    with pytest.raises(ValueError):
        live_feed.decode(payload)


def test_bad_lists_and_counts_are_refused() -> None:
    good = json.loads(live_feed.encode(live_feed.summarise([record()])))
    for field, value in [
        ("employees", [["1", 1, 1, 1]]),
        ("hosts", [[1, 1, 1, 1]]),
        ("hosts", [["a", -1, 1, 1]]),
        ("orgs", [[1, 1, 1]]),
        ("orgs", "many"),
        ("requests", -3),
        ("blocked", True),
        ("employees", [[-1, 1, 1, 1]]),
    ]:
        with pytest.raises(ValueError):
            live_feed.decode(json.dumps({**good, field: value}))


# --- the writer announces each batch it commits, on a real PostgreSQL -------------------------------


@pytest.fixture
async def heard(database_url: str) -> AsyncIterator[tuple[asyncpg.Connection, list[str]]]:
    """A listener on usage_live and what it has heard."""
    conn = await asyncpg.connect(database_url)
    payloads: list[str] = []
    await conn.add_listener(live_feed.CHANNEL, lambda _c, _pid, _channel, payload: payloads.append(payload))
    yield conn, payloads
    await conn.close()


async def delivered(conn: asyncpg.Connection) -> None:
    """PostgreSQL sends a listener its notifications at the latest before answering its next query."""
    await conn.execute("SELECT 1")


async def test_the_writer_announces_each_committed_batch_once(
    db: asyncpg.Pool, heard: tuple[asyncpg.Connection, list[str]], tmp_path: Path
) -> None:
    conn, payloads = heard
    writer = UsageWriter(db, ZoneInfo("Asia/Jakarta"), tmp_path / "spool")
    batch = Batch(uuid.uuid4(), [record(e, HOSTILE[0], up=1, down=10) for e in (1, 2, 2)])
    await writer._write(batch)
    await delivered(conn)
    assert [live_feed.decode(p) for p in payloads] == [live_feed.summarise(batch.records)]
    await writer._write(batch)  # a replay of a committed batch (its answer was lost): written and told once
    await delivered(conn)
    assert len(payloads) == 1
    summary = live_feed.decode(payloads[0])
    assert (summary.requests, summary.bytes_down, summary.hosts[0][0]) == (3, 30, HOSTILE[0])


async def test_a_batch_that_does_not_commit_is_not_announced(
    db: asyncpg.Pool, heard: tuple[asyncpg.Connection, list[str]]
) -> None:
    conn, payloads = heard
    writer = UsageWriter(db, ZoneInfo("Asia/Jakarta"))
    too_big = record(up=2**62)  # two of them overflow bigint in the rollup: the transaction rolls back
    with pytest.raises(asyncpg.PostgresError):
        await writer._write(Batch(uuid.uuid4(), [too_big, too_big]))
    await delivered(conn)
    assert payloads == []
    assert await db.fetchval("SELECT count(*) FROM usage_events") == 0
