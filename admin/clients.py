"""Who is behind a client address in transparent mode: captive-portal leases and static bindings.

Every change is audited here; the proxies follow through NOTIFY (`clients_changed`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

import asyncpg

from admin import audit
from smedi.refusals import Refusal
from smedi.sql import load_queries

queries = load_queries("clients")
MAX_NOTE = 200


class ClientError(Refusal):
    """A refused binding: the message says why (the Indonesian is in admin/i18n.py)."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "client_not_an_address": "{raw!r} is not an IP address",
        "client_not_a_device": "{address} is not the address of a device (unspecified or multicast)",
        "client_note_too_long": "the note is longer than {max_length} characters",
        "client_note_control": "the note holds control characters (line breaks, tabs, ...)",
        "client_unknown_employee": "unknown employee {username!r}",
        "client_no_binding": "{address} has no binding",
    }


def parse_address(raw: str) -> str:
    """One IPv4 or IPv6 host address, normalised; a network, a name or junk is refused.

    Normalised as the proxies key their map (proxy_addons/addresses.py): an IPv4-mapped IPv6 address is
    the IPv4 address it carries. A zone (`fe80::1%eth0`) is refused: PostgreSQL's inet has no zones.
    """
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        raise ClientError("client_not_an_address", raw=raw[:60]) from None
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:
            raise ClientError("client_not_an_address", raw=raw[:60])
        address = address.ipv4_mapped or address
    if address.is_unspecified or address.is_multicast:
        raise ClientError("client_not_a_device", address=str(address))
    return str(address)


def leasable(address: str | None) -> bool:
    """A device's address can be leased; loopback (the portal used on the gateway itself) cannot."""
    if not address:
        return False
    try:
        return not ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


async def start_lease(
    conn: asyncpg.Connection, address: str, employee_id: int, username: str, lifetime: timedelta
) -> None:
    """Lease `address` to the employee who signed in from it; whoever held it loses it (both audited)."""
    async with conn.transaction():
        replaced = await conn.fetchval(queries.lease_take, address, employee_id, lifetime.total_seconds())
        if replaced is not None:
            await audit.record(
                conn, username, "lease_ended", address, {"employee": replaced, "reason": "replaced"}, address
            )
        await audit.record(
            conn, username, "lease_started", address, {"lifetime_s": int(lifetime.total_seconds())}, address
        )


async def end_lease(conn: asyncpg.Connection, address: str, employee_id: int, username: str) -> bool:
    """Sign-out: the employee's lease on `address` ends (audited). False when they held none."""
    async with conn.transaction():
        if await conn.fetchval(queries.lease_end, address, employee_id) is None:
            return False
        await audit.record(
            conn, username, "lease_ended", address, {"employee": username, "reason": "sign_out"}, address
        )
        return True


async def expire_leases(conn: asyncpg.Connection, idle: timedelta) -> list[asyncpg.Record]:
    """End leases past their lifetime or idle too long; each ending audited. Returns what ended."""
    async with conn.transaction():
        ended = await conn.fetch(queries.leases_expire, idle.total_seconds())
        for row in ended:
            await audit.record(
                conn, "system", "lease_ended", str(row["client_ip"]),
                {"employee": row["username"], "reason": row["reason"]},
            )  # fmt: skip
    return ended


async def lease_of(db: asyncpg.Pool | asyncpg.Connection, address: str) -> asyncpg.Record | None:
    return await db.fetchrow(queries.lease_of, address)


async def clients(db: asyncpg.Pool | asyncpg.Connection) -> list[dict[str, Any]]:
    """Leases and bindings, by address, with the employee's name."""
    return [dict(r) for r in await db.fetch(queries.clients)]


async def bind(conn: asyncpg.Connection, raw_address: str, username: str, note: str, actor: str) -> str:
    """Bind an address to an employee or service account (servers, printers, kiosks). Returns the address."""
    address = parse_address(raw_address)
    username, note = username.strip().lower(), note.strip()  # usernames are stored in lower case
    if len(note) > MAX_NOTE:
        raise ClientError("client_note_too_long", max_length=MAX_NOTE)
    if not note.isprintable():
        raise ClientError("client_note_control")  # PostgreSQL text cannot even hold a NUL
    async with conn.transaction():
        employee_id = await conn.fetchval(queries.employee_id, username) if username.isprintable() else None
        if employee_id is None:
            raise ClientError("client_unknown_employee", username=username[:64])
        replaced = await conn.fetchval(queries.binding_set, address, employee_id, note, actor)
        await audit.record(
            conn, actor, "client_bound", address, {"employee": username, "note": note, "replaced": replaced}
        )
    return address


async def unbind(conn: asyncpg.Connection, raw_address: str, actor: str) -> str:
    address = parse_address(raw_address)
    async with conn.transaction():
        username = await conn.fetchval(queries.binding_remove, address)
        if username is None:
            raise ClientError("client_no_binding", address=address)
        await audit.record(conn, actor, "client_unbound", address, {"employee": username})
    return address
