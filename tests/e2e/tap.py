"""A counting TCP relay in front of the proxy (what the device's socket really carried), and the usage
rows to compare it with."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg

POLL_SECONDS = 0.2
POLL_ATTEMPTS = 100  # 20 s: the writer flushes every 0.5 s; a loaded machine may take longer
# struct tcp_info (linux/tcp.h): tcpi_state is its first byte; tcpi_bytes_acked a u64 at byte 120 (Linux 4.1+)
TCP_INFO_SIZE, BYTES_ACKED, TCP_CLOSE = 136, slice(120, 128), 7


@dataclass
class Tapped:
    """One client connection: bytes the proxy received from the client (`up`) and the client received
    (`down`), counted exactly. Bytes the client sends after the proxy has closed the connection (a TLS
    close_notify, say) are refused by the proxy's kernel with a reset: sent, but never the proxy's."""

    sent: int = 0
    down: int = 0
    unreceived: int = 0  # of `sent`: never acknowledged by the proxy's TCP
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    trace: list[str] = field(default_factory=list)  # "up 517", "down EOF", …: what happened, in order

    @property
    def up(self) -> int:
        return self.sent - self.unreceived


class Tap:
    """Listens on a free 127.0.0.1 port; every accepted connection is relayed to `target_port`."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.connections: list[Tapped] = []
        self._server: asyncio.Server | None = None
        self._relays: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def up(self) -> int:
        return sum(c.up for c in self.connections)

    @property
    def down(self) -> int:
        return sum(c.down for c in self.connections)

    @property
    def in_doubt(self) -> int:
        """Bytes the client sent that the proxy's TCP never acknowledged before the connection ended: at a
        close the proxy may still have read them or found them in its kernel (an acknowledgement delayed,
        then a reset instead), so they are the only bytes allowed on either side of the count."""
        return sum(c.unreceived for c in self.connections)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in self._relays:
            task.cancel()
        await asyncio.gather(*self._relays, return_exceptions=True)

    async def all_closed(self, timeout: float = 20) -> None:
        """Both directions of every connection so far have ended (a bound, not a measurement)."""
        await asyncio.wait_for(asyncio.gather(*(c.closed.wait() for c in self.connections)), timeout)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._relays.add(task)
        tapped = Tapped()
        self.connections.append(tapped)
        try:
            await self._relay(tapped, client_reader, client_writer)
        finally:
            tapped.closed.set()
            self._relays.discard(task)

    async def _relay(
        self, tapped: Tapped, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        try:
            proxy_reader, proxy_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.transport.abort()
            return

        reset_acked: list[int | None] = []

        async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, upward: bool) -> None:
            direction = "up" if upward else "down"
            try:
                while data := await reader.read(65536):
                    if upward:
                        tapped.sent += len(data)
                    else:
                        tapped.down += len(data)
                    tapped.trace.append(f"{direction} {len(data)}")
                    writer.write(data)
                    await writer.drain()
            except OSError as exc:  # a reset on either side: the other side gets a reset too
                tapped.trace.append(f"{direction} {type(exc).__name__}")
                reset_acked.append(bytes_acked(proxy_writer.get_extra_info("socket")))  # before it is gone
                client_writer.transport.abort()
                proxy_writer.transport.abort()
                return
            tapped.trace.append(f"{direction} EOF")
            with contextlib.suppress(OSError):
                if writer.can_write_eof() and not writer.is_closing():
                    writer.write_eof()  # half-close, as the sender did: the other way keeps flowing

        try:
            await asyncio.gather(
                pump(client_reader, proxy_writer, upward=True),
                pump(proxy_reader, client_writer, upward=False),
            )
            if reset_acked:
                acked = reset_acked[0] if reset_acked[0] is not None else tapped.sent
            else:
                acked = await acknowledged(proxy_writer.get_extra_info("socket"), tapped.sent)
            tapped.unreceived = tapped.sent - min(tapped.sent, acked)
            if tapped.unreceived:
                tapped.trace.append(f"up {tapped.unreceived} refused by the proxy (closed)")
        finally:
            for writer in (client_writer, proxy_writer):
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()


def bytes_acked(sock: socket.socket | None) -> int | None:
    """The kernel's tcpi_bytes_acked for the socket (data and a FIN the peer acknowledged, the FIN counted
    as one byte); None when the socket is already gone."""
    try:
        assert sock is not None
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCP_INFO_SIZE)
    except (AssertionError, OSError):
        return None
    return int.from_bytes(info[BYTES_ACKED], "little")


def closed(sock: socket.socket) -> bool:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCP_INFO_SIZE)[0] == TCP_CLOSE


async def acknowledged(sock: socket.socket | None, sent: int) -> int:
    """Bytes of `sent` the peer's TCP acknowledged, once it has taken all of them and our FIN or has
    reset the connection; polled, bounded. A socket already gone reports all of `sent`: the assertion
    then shows the trace."""
    acked = None
    for _ in range(POLL_ATTEMPTS):
        acked = bytes_acked(sock)
        if acked is None or acked > sent or closed(sock):  # type: ignore[arg-type]
            break
        await asyncio.sleep(POLL_SECONDS / 10)
    return sent if acked is None else acked


@contextlib.asynccontextmanager
async def tap_in_front_of(port: int) -> AsyncIterator[Tap]:
    tap = Tap(port)
    await tap.start()
    try:
        yield tap
    finally:
        await tap.close()


USAGE_ROWS = """
SELECT u.*, e.username FROM usage_events u LEFT JOIN employees e ON e.id = u.employee_id ORDER BY u.ts
"""


async def usage_rows(database_url: str) -> list[asyncpg.Record]:
    """Every usage row of the test's database (every client of this test's proxy), oldest first."""
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch(USAGE_ROWS)
    finally:
        await conn.close()


def byte_totals(rows: list[asyncpg.Record]) -> tuple[int, int]:
    return sum(r["bytes_up"] for r in rows), sum(r["bytes_down"] for r in rows)


async def rows_adding_up_to(database_url: str, tap: Tap) -> list[asyncpg.Record]:
    """The usage rows once their byte sums reach what the tap counted (or after the polling bound: the
    caller's assertion then shows both numbers)."""
    await tap.all_closed()
    rows: list[asyncpg.Record] = []
    for _ in range(POLL_ATTEMPTS):
        rows = await usage_rows(database_url)
        if adds_up(rows, tap):
            await asyncio.sleep(1)  # and nothing more follows: a late row would be billed twice
            return await usage_rows(database_url)
        await asyncio.sleep(POLL_SECONDS)
    return rows


def adds_up(rows: list[asyncpg.Record], tap: Tap) -> bool:
    """The rows bill what the tap counted: down exactly, up exactly but for the bytes in doubt."""
    up, down = byte_totals(rows)
    return down == tap.down and abs(up - tap.up) <= tap.in_doubt


def describe(rows: list[asyncpg.Record]) -> str:
    """The rows as a table, for assertion messages."""
    cols = ("kind", "username", "host", "scheme", "method", "status", "decision", "bytes_up", "bytes_down",
            "request_body_bytes", "response_body_bytes", "flow_id")  # fmt: skip
    return "\n".join(" | ".join(str(r[c]) for c in cols) for r in rows)
