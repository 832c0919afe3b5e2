"""`smedi proxy`: mitmproxy embedded with our addon chain, on the settings' listen address."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal

import structlog
from mitmproxy.options import Options

from accounting.writer import Retention, UsageWriter, prepare_connection
from certs.authority import build_upstream_bundle, ensure_ca
from proxy_addons.addresses import Addresses
from proxy_addons.chain import addons
from proxy_addons.dispatch import master_with_kept_handlers
from proxy_addons.live import LiveState
from smedi.db import create_pool
from smedi.metrics import serve_metrics
from smedi.settings import Settings

log = structlog.get_logger(__name__)


def proxy_options(settings: Settings) -> dict[str, object]:
    modes = [f"regular@{settings.proxy_listen}"]
    if settings.transparent_listen is not None:
        modes.append(f"transparent@{settings.transparent_listen}")
    options: dict[str, object] = {
        "mode": modes,
        "confdir": str(settings.certs_dir),
        "connection_strategy": "lazy",  # deny before connecting: a blocked site never sees us
    }
    if settings.upstream_ca:
        bundle = build_upstream_bundle(settings.upstream_ca, settings.certs_dir / "upstream-trust.pem")
        options["ssl_verify_upstream_trusted_ca"] = str(bundle)
    return options


def usage_writer(pool: object, settings: Settings) -> UsageWriter:
    return UsageWriter(
        pool,  # type: ignore[arg-type]
        settings.tz,
        settings.spool_dir,
        spool_max_bytes=settings.spool_max_bytes,
        retention=Retention(settings.retention_days, settings.rollup_retention_days),
    )


async def run_proxy(settings: Settings, *, accounting: bool = True) -> None:
    """Serve until SIGINT/SIGTERM; then every usage record still queued is written (or spooled)."""
    assert settings.database_url, "the command line resolves the database before starting the proxy"
    ensure_ca(settings.certs_dir)
    pool = await create_pool(settings.database_url, max_size=4)
    # The writer's own connections: a COPY never waits behind a policy reload, and they carry its codecs.
    writer_pool = await create_pool(settings.database_url, max_size=2, setup=prepare_connection)
    state = LiveState(pool, settings.database_url, settings.tz)
    writer = usage_writer(writer_pool, settings) if accounting else None
    addresses = Addresses(state, pool, settings.lease_idle)
    try:
        await state.start()  # before the listeners open: no flow meets an empty policy
        writer_task = asyncio.create_task(writer.run()) if writer else None
        upkeep_task = asyncio.create_task(addresses.run())
        metrics = await serve_metrics(settings.metrics_listen, writer) if settings.metrics_listen else None
        master = master_with_kept_handlers(Options())
        master.addons.add(*addons(state, addresses, writer, pool, settings.portal_url))
        master.options.update(**proxy_options(settings))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, master.shutdown)
        log.info(
            "proxy_starting",
            listen=str(settings.proxy_listen),
            transparent=str(settings.transparent_listen),
            accounting=accounting,
        )
        gc.freeze()  # what start-up built lives as long as the process: full collections skip it
        try:
            await master.run()  # the addons' done() bills connections still open into the queue
        finally:
            upkeep_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await upkeep_task
            if writer is not None and writer_task is not None:
                await writer.close(writer_task)
                log.info(
                    "proxy_stopped",
                    unwritten=writer.pending(),
                    dropped=writer.dropped,
                    spooled=len(writer.spool.files()) if writer.spool else 0,
                )
            if metrics is not None:
                await metrics.cleanup()
    finally:
        await state.close()
        await writer_pool.close()
        await pool.close()
