"""Client addresses (transparent mode) on a real PostgreSQL: bindings, leases, expiry, audit, NOTIFY."""

from __future__ import annotations

import asyncio
import json
import string
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from admin import clients
from admin.clients import ClientError
from admin.directory import add_employee, add_org
from admin.i18n import REFUSALS, refusal_text

HOUR = timedelta(hours=1)


@pytest.fixture
async def people(db: asyncpg.Pool) -> dict[str, int]:
    await add_org(db, "DISKOMINFO", "Dinas Komunikasi dan Informatika")
    return {
        name: await add_employee(db, name, "kata-sandi-uji-1", org="DISKOMINFO", full_name=f"Uji {name}")
        for name in ("budi", "siti", "printer-lt2")
    }


class Notices:
    """LISTEN clients_changed on a connection of its own; `drain` returns what arrived since last time."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.payloads: list[str] = []

    def _on(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self.payloads.append(payload)

    async def drain(self) -> list[str]:
        # A committed NOTIFY signals the listening backend before the commit returns; the backend sends it
        # before answering our next query, and asyncpg calls the listener soon after. No clock involved.
        for _ in range(3):
            await self.conn.fetchval("SELECT 1")
            await asyncio.sleep(0)
        arrived, self.payloads = self.payloads, []
        return arrived


@pytest.fixture
async def notices(database_url: str) -> AsyncIterator[Notices]:
    conn = await asyncpg.connect(database_url)
    found = Notices(conn)
    await conn.add_listener("clients_changed", found._on)
    await found.drain()
    yield found
    await conn.close()


async def audit_rows(db: asyncpg.Pool) -> list[tuple[str, str, str, dict[str, object]]]:
    rows = await db.fetch("SELECT actor, action, target, details FROM audit_log ORDER BY id")
    return [(r["actor"], r["action"], r["target"], json.loads(r["details"])) for r in rows]


async def bindings(db: asyncpg.Pool) -> dict[str, tuple[str, str, str]]:
    rows = await db.fetch(
        "SELECT b.client_ip, e.username, b.note, b.created_by FROM client_bindings b "
        "JOIN employees e ON e.id = b.employee_id"
    )
    return {str(r["client_ip"]): (r["username"], r["note"], r["created_by"]) for r in rows}


async def leases(db: asyncpg.Pool) -> dict[str, str]:
    rows = await db.fetch(
        "SELECT l.client_ip, e.username FROM client_leases l JOIN employees e ON e.id = l.employee_id"
    )
    return {str(r["client_ip"]): r["username"] for r in rows}


# Addresses


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("10.1.2.3", "10.1.2.3"),
        (" 192.168.0.7 ", "192.168.0.7"),
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("::ffff:10.0.0.5", "10.0.0.5"),  # as the proxy keys an IPv4 client on a dual-stack socket
        ("fe80::1", "fe80::1"),
    ],
)
def test_addresses_are_normalised(raw: str, normalised: str) -> None:
    assert clients.parse_address(raw) == normalised


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("", "client_not_an_address"),
        ("printer.local", "client_not_an_address"),
        ("10.0.0.0/24", "client_not_an_address"),
        ("10.0.0.256", "client_not_an_address"),
        ("fe80::1%eth0", "client_not_an_address"),
        ("<script>", "client_not_an_address"),
        ("x" * 10_000, "client_not_an_address"),
        ("0.0.0.0", "client_not_a_device"),
        ("::", "client_not_a_device"),
        ("224.0.0.1", "client_not_a_device"),
    ],
)
def test_what_is_not_one_device_address_is_refused(raw: str, key: str) -> None:
    with pytest.raises(ClientError) as refused:
        clients.parse_address(raw)
    assert refused.value.key == key
    assert len(str(refused.value)) < 200  # a huge input is not echoed whole


def test_refusals_read_in_both_languages() -> None:
    refusal = ClientError("client_no_binding", address="10.0.0.9")
    assert str(refusal) == refusal_text(refusal, "en") == "10.0.0.9 has no binding"
    assert refusal_text(refusal, "id") == "10.0.0.9 tidak punya ikatan"
    for key, english in ClientError.MESSAGES.items():
        assert key.startswith("client_")
        assert fields(REFUSALS[key]) == fields(english), key  # the Indonesian uses the same values


def fields(template: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}


# Bindings


async def test_bind_replace_and_unbind_are_audited_and_listed(
    db: asyncpg.Pool, people: dict[str, int]
) -> None:
    async with db.acquire() as conn:
        bound = await clients.bind(conn, "10.0.0.9", "printer-lt2", " Printer lantai 2 ", "admin")
        assert bound == "10.0.0.9"
        assert await bindings(db) == {"10.0.0.9": ("printer-lt2", "Printer lantai 2", "admin")}
        await clients.bind(conn, "10.0.0.9", "BUDI", "kios", "cli:root")  # replaces; username any case
        assert await bindings(db) == {"10.0.0.9": ("budi", "kios", "cli:root")}
        listed = await clients.clients(conn)
        assert [(str(r["client_ip"]), r["kind"], r["username"], r["note"]) for r in listed] == [
            ("10.0.0.9", "binding", "budi", "kios")
        ]
        assert listed[0]["last_seen"] is None and listed[0]["expires_at"] is None
        assert await clients.unbind(conn, " 10.0.0.9 ", "admin") == "10.0.0.9"
    assert await bindings(db) == {}
    first = {"employee": "printer-lt2", "note": "Printer lantai 2", "replaced": None}
    second = {"employee": "budi", "note": "kios", "replaced": "printer-lt2"}
    assert await audit_rows(db) == [
        ("admin", "client_bound", "10.0.0.9", first),
        ("cli:root", "client_bound", "10.0.0.9", second),
        ("admin", "client_unbound", "10.0.0.9", {"employee": "budi"}),
    ]


@pytest.mark.parametrize(
    ("address", "username", "note", "key"),
    [
        ("10.0.0.9", "nobody", "", "client_unknown_employee"),
        ("10.0.0.9", "bu\x00di", "", "client_unknown_employee"),
        ("printer", "budi", "", "client_not_an_address"),
        ("10.0.0.9", "budi", "x" * 201, "client_note_too_long"),
        ("10.0.0.9", "budi", "satu\x00dua", "client_note_control"),
        ("10.0.0.9", "budi", "baris\nbaru", "client_note_control"),
    ],
)
async def test_a_refused_binding_changes_nothing(
    db: asyncpg.Pool, people: dict[str, int], address: str, username: str, note: str, key: str
) -> None:
    async with db.acquire() as conn:
        await clients.bind(conn, "10.0.0.9", "siti", "lama", "admin")
        with pytest.raises(ClientError) as refused:
            await clients.bind(conn, address, username, note, "admin")
    assert refused.value.key == key
    assert await bindings(db) == {"10.0.0.9": ("siti", "lama", "admin")}
    assert [row[1] for row in await audit_rows(db)] == ["client_bound"]


async def test_a_note_of_exactly_the_limit_is_kept(db: asyncpg.Pool, people: dict[str, int]) -> None:
    async with db.acquire() as conn:
        await clients.bind(conn, "10.0.0.9", "budi", "n" * clients.MAX_NOTE, "admin")
    assert (await bindings(db))["10.0.0.9"][1] == "n" * clients.MAX_NOTE


async def test_unbinding_a_free_address_is_refused(db: asyncpg.Pool, people: dict[str, int]) -> None:
    async with db.acquire() as conn:
        with pytest.raises(ClientError) as refused:
            await clients.unbind(conn, "10.0.0.77", "admin")
    assert refused.value.key == "client_no_binding"
    assert await audit_rows(db) == []


# Leases


async def test_a_lease_is_taken_replaced_and_ended_with_audit(
    db: asyncpg.Pool, people: dict[str, int]
) -> None:
    async with db.acquire() as conn:
        await clients.start_lease(conn, "10.0.5.1", people["budi"], "budi", HOUR)
        first = await clients.lease_of(conn, "10.0.5.1")
        assert first is not None and first["username"] == "budi"
        assert first["expires_at"] - first["started_at"] == HOUR
        await clients.start_lease(conn, "10.0.5.1", people["siti"], "siti", 2 * HOUR)  # same device, new user
        assert (await clients.lease_of(conn, "10.0.5.1"))["username"] == "siti"  # type: ignore[index]
        assert not await clients.end_lease(conn, "10.0.5.1", people["budi"], "budi")  # not budi's any more
        assert await leases(db) == {"10.0.5.1": "siti"}
        assert await clients.end_lease(conn, "10.0.5.1", people["siti"], "siti")
        assert await clients.lease_of(conn, "10.0.5.1") is None
    assert await audit_rows(db) == [
        ("budi", "lease_started", "10.0.5.1", {"lifetime_s": 3600}),
        ("siti", "lease_ended", "10.0.5.1", {"employee": "budi", "reason": "replaced"}),
        ("siti", "lease_started", "10.0.5.1", {"lifetime_s": 7200}),
        ("siti", "lease_ended", "10.0.5.1", {"employee": "siti", "reason": "sign_out"}),
    ]
    client_ips = await db.fetch("SELECT client_ip FROM audit_log ORDER BY id")
    assert {str(r["client_ip"]) for r in client_ips} == {"10.0.5.1"}


async def test_signing_in_again_renews_without_ending_anything(
    db: asyncpg.Pool, people: dict[str, int]
) -> None:
    async with db.acquire() as conn:
        await clients.start_lease(conn, "10.0.5.1", people["budi"], "budi", HOUR)
        await clients.start_lease(conn, "10.0.5.1", people["budi"], "budi", HOUR)
    assert [row[1] for row in await audit_rows(db)] == ["lease_started", "lease_started"]


async def test_leases_end_at_their_lifetime_or_when_idle_and_each_end_is_audited(
    db: asyncpg.Pool, people: dict[str, int]
) -> None:
    async with db.acquire() as conn:
        await clients.start_lease(conn, "10.0.5.1", people["budi"], "budi", timedelta(0))  # over at once
        await clients.start_lease(conn, "10.0.5.2", people["siti"], "siti", HOUR)
        await clients.start_lease(conn, "10.0.5.3", people["printer-lt2"], "printer-lt2", HOUR)
        # Time passes for .2 and .3 (written as it would be by then); the proxy saw traffic from .3 only.
        await conn.execute(
            "UPDATE client_leases SET last_seen = now() - interval '2 hours' WHERE client_ip <> '10.0.5.1'"
        )
        await conn.execute(clients.queries.leases_seen, ["10.0.5.3"], [datetime.now(UTC)])
        ended = await clients.expire_leases(conn, HOUR)
        assert sorted((str(r["client_ip"]), r["username"], r["reason"]) for r in ended) == [
            ("10.0.5.1", "budi", "lifetime"),
            ("10.0.5.2", "siti", "idle"),
        ]
        assert await clients.expire_leases(conn, HOUR) == []  # nothing twice
    assert await leases(db) == {"10.0.5.3": "printer-lt2"}
    expiries = [row for row in await audit_rows(db) if row[1] == "lease_ended"]
    assert sorted(expiries, key=lambda row: row[2]) == [
        ("system", "lease_ended", "10.0.5.1", {"employee": "budi", "reason": "lifetime"}),
        ("system", "lease_ended", "10.0.5.2", {"employee": "siti", "reason": "idle"}),
    ]


async def test_leases_seen_never_moves_last_seen_back(db: asyncpg.Pool, people: dict[str, int]) -> None:
    async with db.acquire() as conn:
        await clients.start_lease(conn, "10.0.5.1", people["budi"], "budi", HOUR)
        before = (await clients.lease_of(conn, "10.0.5.1"))["last_seen"]  # type: ignore[index]
        await conn.execute(clients.queries.leases_seen, ["10.0.5.1"], [before - HOUR])
        assert (await clients.lease_of(conn, "10.0.5.1"))["last_seen"] == before  # type: ignore[index]


async def test_the_map_holds_leases_and_bindings(db: asyncpg.Pool, people: dict[str, int]) -> None:
    async with db.acquire() as conn:
        await clients.start_lease(conn, "10.0.5.1", people["budi"], "budi", HOUR)
        await clients.bind(conn, "10.0.5.1", "printer-lt2", "", "admin")  # a binding wins; both are kept
        rows = await conn.fetch(clients.queries.client_map)
    assert sorted((str(r["client_ip"]), r["kind"], r["employee_id"]) for r in rows) == [
        ("10.0.5.1", "binding", people["printer-lt2"]),
        ("10.0.5.1", "lease", people["budi"]),
    ]


# NOTIFY clients_changed: proxies reload their map on it, so it fires on changes, and only on changes.


async def test_binding_changes_notify_the_proxies(
    db: asyncpg.Pool, people: dict[str, int], notices: Notices
) -> None:
    async with db.acquire() as conn:
        await clients.bind(conn, "10.0.0.9", "budi", "", "admin")
        assert await notices.drain() == ["client_bindings"]
        await clients.bind(conn, "10.0.0.9", "siti", "", "admin")
        assert await notices.drain() == ["client_bindings"]
        await clients.unbind(conn, "10.0.0.9", "admin")
        assert await notices.drain() == ["client_bindings"]
        with pytest.raises(ClientError):
            await clients.bind(conn, "10.0.0.9", "nobody", "", "admin")
        with pytest.raises(ClientError):
            await clients.unbind(conn, "10.0.0.9", "admin")
        assert await notices.drain() == []


async def test_lease_changes_notify_but_traffic_and_empty_sweeps_do_not(
    db: asyncpg.Pool, people: dict[str, int], notices: Notices
) -> None:
    async with db.acquire() as conn:
        await clients.start_lease(conn, "10.0.5.1", people["budi"], "budi", HOUR)
        await clients.start_lease(conn, "10.0.5.2", people["siti"], "siti", HOUR)
        assert await notices.drain() == ["client_leases", "client_leases"]
        # The proxies write last_seen every few seconds: that must not make every proxy reload.
        await conn.execute(clients.queries.leases_seen, ["10.0.5.1", "10.0.5.2"], [datetime.now(UTC)] * 2)
        assert await notices.drain() == []
        # Nor must a sweep that ends nothing (every proxy sweeps every few seconds).
        assert await clients.expire_leases(conn, HOUR) == []
        assert not await clients.end_lease(conn, "10.0.5.1", people["siti"], "siti")
        assert await notices.drain() == []
        # A sweep that ends two leases: one notification for its transaction.
        assert len(await clients.expire_leases(conn, timedelta(0))) == 2
        assert await notices.drain() == ["client_leases"]
        await clients.start_lease(conn, "10.0.5.1", people["budi"], "budi", HOUR)
        await notices.drain()
        assert await clients.end_lease(conn, "10.0.5.1", people["budi"], "budi")
        assert await notices.drain() == ["client_leases"]
