"""Who is behind a client address in transparent mode, answered from memory.

The map of leases and bindings comes from PostgreSQL through LiveState (NOTIFY `clients_changed`);
activity is noted here as requests arrive, written back every few seconds, and leases idle too long or
past their lifetime are ended in the database (audited), which every proxy then hears about.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING

import asyncpg
import structlog
from mitmproxy import connection

from admin.clients import expire_leases
from proxy_addons.snapshots import Employee
from smedi.sql import load_queries

if TYPE_CHECKING:
    from proxy_addons.live import LiveState

log = structlog.get_logger(__name__)
queries = load_queries("clients")
UPKEEP_SECONDS = 5.0


def transparent(client: connection.Client) -> bool:
    """Did the device reach us through the gateway's redirect rather than a proxy setting?"""
    return client.proxy_mode.type_name == "transparent"


def device_address(peer: str) -> str:
    """The address leases are keyed by: an IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d."""
    if ":" not in peer:
        return peer  # IPv4, as almost every device: no parsing on the request path
    address = ipaddress.ip_address(peer.partition("%")[0])
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


@dataclass(frozen=True, slots=True)
class Holder:
    employee_id: int
    lease: bool  # False: a static binding, which never expires
    expires_at: float = math.inf  # epoch seconds
    last_seen: float = 0.0


@dataclass(frozen=True)
class ClientMap:
    by_address: Mapping[str, Holder] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, object]]) -> ClientMap:
        holders: dict[str, Holder] = {}
        for row in rows:
            address = str(row["client_ip"])
            if row["kind"] == "binding":
                holders[address] = Holder(row["employee_id"], lease=False)  # type: ignore[arg-type]
            elif address not in holders or holders[address].lease:
                expires, seen = row["expires_at"], row["last_seen"]
                assert isinstance(expires, datetime) and isinstance(seen, datetime)
                holders[address] = Holder(row["employee_id"], True, expires.timestamp(), seen.timestamp())  # type: ignore[arg-type]
        return cls(MappingProxyType(holders))


class Addresses:
    """Client address → employee for transparent mode; hooks call `employee` and never wait."""

    def __init__(
        self, state: LiveState, pool: asyncpg.Pool, idle: timedelta, clock: Callable[[], float] = time.time
    ) -> None:
        self.state = state
        self._pool = pool
        self._idle_seconds = idle.total_seconds()  # compared on every request
        self._clock = clock
        self._seen: dict[str, float] = {}  # address → last request here, written back by `run`
        self._unwritten: set[str] = set()

    def employee(self, peer: str) -> Employee | None:
        """The employee behind the device at `peer` now, noting the activity; None sends it to sign in."""
        address = device_address(peer)
        holder = self.state.clients.by_address.get(address)
        if holder is None:
            return None
        if holder.lease:
            now = self._clock()
            last = max(holder.last_seen, self._seen.get(address, 0.0))
            if now >= holder.expires_at or now - last >= self._idle_seconds:
                return None
            self._seen[address] = now
            self._unwritten.add(address)
        return self.state.directory.active(holder.employee_id)

    async def run(self) -> None:
        """Every few seconds: write activity back, then end the leases that are over."""
        while True:
            await asyncio.sleep(UPKEEP_SECONDS)
            try:
                await self.upkeep()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("lease_upkeep_failed", error=str(exc))  # memory still decides; retried later

    async def upkeep(self) -> None:
        addresses, self._unwritten = sorted(self._unwritten), set()
        async with self._pool.acquire() as conn:
            if addresses:
                seen = [datetime.fromtimestamp(self._seen[a], UTC) for a in addresses]
                try:
                    await conn.execute(queries.leases_seen, addresses, seen)
                except BaseException:
                    self._unwritten.update(addresses)
                    raise
            for ended in await expire_leases(conn, timedelta(seconds=self._idle_seconds)):
                log.info(
                    "lease_ended",
                    client=str(ended["client_ip"]),
                    employee=ended["username"],
                    reason=ended["reason"],
                )
        if len(self._seen) > 100_000:  # forget addresses no lease names any more
            self._seen = {a: t for a, t in self._seen.items() if a in self.state.clients.by_address}
