"""`smedi up`: prepare everything, then run proxy and portal as child processes until Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import structlog

from smedi.bootstrap import FIRST_ADMIN, bootstrap
from smedi.cli import with_database
from smedi.settings import Settings

log = structlog.get_logger(__name__)
STOP_GRACE_SECONDS = 15  # time for the writer to flush what is queued before we insist
CHILDREN = ("proxy", "portal")


def banner(settings: Settings, ca_file: os.PathLike[str], admin_password: str | None) -> str:
    password = admin_password or "(from SMEDI_ADMIN_PASSWORD, or as set before)"
    return "\n".join(
        [
            "",
            "S'MEDI berjalan / is running",
            f"  Proxy        : http://{settings.proxy_listen}",
            f"                 curl -x http://USER:PASS@{settings.proxy_listen} URL",
            *([f"  Transparent  : {settings.transparent_listen}"] if settings.transparent_listen else []),
            f"  Portal       : {settings.portal_url}/",
            f"  Admin        : {FIRST_ADMIN} / {password}",
            f"  Sertifikat CA: {ca_file}   (also at {settings.portal_url}/ca)",
            "  Ctrl-C menghentikan semuanya / stops everything.",
            "",
        ]
    )


async def _listening(settings: Settings, children: dict[str, asyncio.subprocess.Process]) -> bool:
    """Wait until proxy and portal accept connections, or one of them exits (then False)."""
    pending = [settings.proxy_listen, settings.portal_listen]
    while pending:
        if any(proc.returncode is not None for proc in children.values()):
            return False
        listen = pending[0]
        try:
            _, writer = await asyncio.open_connection(listen.host, listen.port)
        except OSError:
            await asyncio.sleep(0.2)
            continue
        writer.close()
        pending.pop(0)
    return True


async def _stop(children: dict[str, asyncio.subprocess.Process]) -> None:
    for proc in children.values():
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    for name, proc in children.items():
        try:
            await asyncio.wait_for(proc.wait(), STOP_GRACE_SECONDS)
        except TimeoutError:
            log.error("child_killed", child=name)
            proc.kill()
            await proc.wait()


async def run_all(settings: Settings) -> int:
    settings = with_database(settings)
    prepared = await bootstrap(settings)
    env = {**os.environ, "DATABASE_URL": settings.database_url or "", "SMEDI_HOME": str(settings.home)}
    env.pop("SMEDI_ADMIN_PASSWORD", None)  # the children never need it
    children = {
        name: await asyncio.create_subprocess_exec(sys.executable, "-m", "smedi", name, env=env)
        for name in CHILDREN
    }
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    starting = asyncio.create_task(_listening(settings, children))
    await asyncio.wait([starting, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
    if starting.done() and starting.result():
        print(banner(settings, prepared.ca_file, prepared.admin_password), flush=True)
    waiters = {asyncio.create_task(proc.wait()): name for name, proc in children.items()}
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([stopper, *waiters], return_when=asyncio.FIRST_COMPLETED)
    failed = [waiters[t] for t in done if t in waiters]
    if failed:
        log.error("child_exited", child=failed[0], code=children[failed[0]].returncode)
    await _stop(children)
    stopper.cancel()
    print("S'MEDI berhenti / stopped.", flush=True)
    return 1 if failed else 0
