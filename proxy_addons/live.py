"""Keeps the proxy's snapshots current: loaded before the listeners open, reloaded on NOTIFY."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from accounting.quota_use import Quota
from proxy_addons.addresses import ClientMap
from proxy_addons.policy_loader import load_policy
from proxy_addons.snapshots import Directory, PolicySnapshot, Suspension, suspensions_from_rows
from smedi.db import DatabaseUnavailable, connect
from smedi.sql import load_queries

log = structlog.get_logger(__name__)
queries = load_queries("proxy")
client_queries = load_queries("clients")
quota_queries = load_queries("quota_use")
alert_queries = load_queries("alerts")  # suspensions in force (sql/queries/alerts.sql)

CHANNELS = ("directory_changed", "policy_changed", "clients_changed", "quotas_changed")
EVERYTHING = frozenset({"directory", "policy", "lists", "clients", "quotas"})
# Only a list change rebuilds the domain index (seconds for millions of domains); a rule, category or
# blocked-domain change reuses it, so it reaches the proxy well within a second.
LIST_TABLES = frozenset({"category_lists"})
RECONNECT_SECONDS = 2.0


class LiveState:
    """The current Directory, PolicySnapshot and ClientMap; hooks read the attributes and never wait."""

    def __init__(self, pool: asyncpg.Pool, url: str, tz: ZoneInfo) -> None:
        self.directory = Directory.empty()
        self.policy = PolicySnapshot.empty()
        self.clients = ClientMap()
        self.quotas: tuple[Quota, ...] = ()
        self.suspensions: Mapping[int, Suspension] = {}  # employee id → suspended until (with the directory)
        self.org_paths: dict[int, tuple[int, ...]] = {}  # OPD id → ids from the top down to it
        self._pool = pool
        self._url = url
        self.tz = tz
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._listening = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        # Listening before the first load: a change made while the proxy starts is never missed.
        self._tasks = [asyncio.create_task(self._listen())]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), 10)
        await self.reload(EVERYTHING)  # what is notified meanwhile is reloaded once more, right after
        self._tasks.append(asyncio.create_task(self._reload_when_told()))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def reload(self, parts: frozenset[str] | set[str]) -> None:
        if "directory" in parts:
            self.directory = Directory.from_rows(await self._pool.fetch(queries.directory))
            suspended = await self._pool.fetch(alert_queries.suspensions_in_force)
            self.suspensions = suspensions_from_rows(suspended)
            log.info("directory_loaded", employees=len(self.directory.by_username))
        if "quotas" in parts or "directory" in parts:
            self.quotas = tuple(Quota(**r) for r in await self._pool.fetch(quota_queries.quotas))
            self.org_paths = {
                r["id"]: tuple(r["path"]) for r in await self._pool.fetch(quota_queries.org_paths)
            }
        if "clients" in parts:
            self.clients = ClientMap.from_rows(await self._pool.fetch(client_queries.client_map))
            log.info("clients_loaded", addresses=len(self.clients.by_address))
        if "policy" in parts:
            reuse = None if "lists" in parts else self.policy
            async with self._pool.acquire() as conn:
                policy = await load_policy(conn, self.tz, reuse)
            self.policy = policy  # one assignment: a hook sees the old snapshot or the new, never a mix
            log.info(
                "policy_loaded",
                blocked_domains=len(policy.blocked_domains),
                listed_domains=len(policy.index),
                rules=len(policy.rules),
                index_rebuilt=reuse is None,
            )

    def _notified(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        if channel == "directory_changed":
            self._dirty.add("directory")
        elif channel == "clients_changed":
            self._dirty.add("clients")
        elif channel == "quotas_changed":
            self._dirty.add("quotas")
        else:
            self._dirty.add("policy")
            if payload in LIST_TABLES:
                self._dirty.add("lists")
        self._wake.set()

    async def _reload_when_told(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            parts, self._dirty = self._dirty, set()
            try:
                await self.reload(parts)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                # Keep serving with the snapshot we have; the listener reloads all on reconnect.
                log.warning("snapshot_reload_failed", error=str(exc))

    async def _listen(self) -> None:
        """Hold a LISTEN connection; after a loss, reconnect and reload everything we may have missed."""
        first = True
        while True:
            try:
                conn = await connect(self._url)
            except DatabaseUnavailable as exc:  # keep serving from memory
                log.warning("listen_connect_failed", error=str(exc))
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            try:
                for channel in CHANNELS:
                    await conn.add_listener(channel, self._notified)
                self._listening.set()
                if not first:  # whatever changed while we were away
                    self._dirty |= EVERYTHING
                    self._wake.set()
                first = False
                while not conn.is_closed():
                    await asyncio.sleep(RECONNECT_SECONDS)
                    await conn.execute("SELECT 1")  # notices a dead server, not only a closed socket
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("listen_connection_lost", error=str(exc))
            finally:
                conn.terminate()
