"""The proxy's /metrics over real HTTP: the writer's counters in Prometheus text, the full spool too."""

from __future__ import annotations

import socket
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg

from accounting.writer import UsageWriter
from smedi.metrics import serve_metrics
from smedi.settings import Listen
from tests.accounting.test_writer import record


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_metrics_say_when_the_spool_is_full(tmp_path: Path) -> None:
    pool = await asyncpg.create_pool("postgresql://postgres@127.0.0.1:9/none", min_size=0, timeout=2)
    writer = UsageWriter(pool, ZoneInfo("Asia/Jakarta"), tmp_path / "spool", spool_max_bytes=2048)
    for i in range(50):
        writer.submit(record(i))
    assert not await writer.flush()
    port = free_port()
    runner = await serve_metrics(Listen("127.0.0.1", port), writer)
    try:
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as r:
            text = await r.text()
            assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain")
    finally:
        await runner.cleanup()
        await pool.close()
    values = dict(line.split(" ") for line in text.splitlines() if not line.startswith("#"))
    assert values["smedi_usage_spool_full_total"] == "1"
    assert values["smedi_usage_records_pending"] == "50"
    assert values["smedi_usage_write_errors_total"] == "1"
    assert "# TYPE smedi_usage_records_written_total counter" in text
