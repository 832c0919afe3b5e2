"""The proxy's Prometheus metrics (text format 0.0.4) on SMEDI_METRICS_LISTEN: what the writer did."""

from __future__ import annotations

from aiohttp import web

from accounting.writer import UsageWriter
from smedi.settings import Listen

METRICS = (
    # name, type, help
    ("smedi_usage_records_written_total", "counter", "Usage records committed to PostgreSQL."),
    ("smedi_usage_records_pending", "gauge", "Usage records in memory, neither in PostgreSQL nor spooled."),
    (
        "smedi_usage_records_dropped_total",
        "counter",
        "Usage records lost: database, spool and memory all full.",
    ),
    (
        "smedi_usage_spooled_batches_total",
        "counter",
        "Batches spooled while PostgreSQL was away.",
    ),
    ("smedi_usage_replayed_batches_total", "counter", "Spooled batches replayed into PostgreSQL."),
    ("smedi_usage_spool_files", "gauge", "Batches waiting in the spool."),
    ("smedi_usage_spool_bytes", "gauge", "Bytes waiting in the spool."),
    ("smedi_usage_spool_full_total", "counter", "Times a batch found the spool at its size cap."),
    (
        "smedi_usage_spool_errors_total",
        "counter",
        "Times the spool could not be written (disk full, rights).",
    ),
    ("smedi_usage_write_errors_total", "counter", "Failed attempts to write to PostgreSQL."),
)


def render(writer: UsageWriter | None) -> str:
    if writer is None:
        return ""
    stats, spool = writer.stats, writer.spool
    values = {
        "smedi_usage_records_written_total": stats.written,
        "smedi_usage_records_pending": writer.pending(),
        "smedi_usage_records_dropped_total": stats.dropped,
        "smedi_usage_spooled_batches_total": stats.spooled_batches,
        "smedi_usage_replayed_batches_total": stats.replayed_batches,
        "smedi_usage_spool_files": len(spool.files()) if spool else 0,
        "smedi_usage_spool_bytes": spool.size() if spool else 0,
        "smedi_usage_spool_full_total": stats.spool_full,
        "smedi_usage_spool_errors_total": stats.spool_errors,
        "smedi_usage_write_errors_total": stats.write_errors,
    }
    lines = []
    for name, kind, text in METRICS:
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}", f"{name} {values[name]}"]
    return "\n".join(lines) + "\n"


async def serve_metrics(listen: Listen, writer: UsageWriter | None) -> web.AppRunner:
    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(text=render(writer), content_type="text/plain", charset="utf-8")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, listen.host, listen.port).start()
    return runner
