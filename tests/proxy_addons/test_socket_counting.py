"""Accounting's socket wrappers against a real mitmproxy Master in this process: they sit where mitmproxy
12.3.1 keeps a client's streams (`Proxyserver.connections[client.id].transports[client].reader/.writer`),
and what they count is what a raw client socket sent and received."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web
from mitmproxy import connection, http
from mitmproxy.addons import core, next_layer, proxyserver
from mitmproxy.master import Master
from mitmproxy.options import Options

from accounting.records import UsageRecord
from proxy_addons.accounting import Accounting, _LastBytes

BODY = b"Semarang " * 1000  # 9,000 bytes
WHERE = "Proxyserver.connections[client.id].transports[client].reader/.writer"


class CollectingWriter:
    """The writer's interface for hooks: records are collected instead of written."""

    def __init__(self) -> None:
        self.records: list[UsageRecord] = []

    def submit(self, record: UsageRecord) -> None:
        self.records.append(record)

    def pending(self) -> int:
        return len(self.records)


class WrapperProbe:
    """Right after Accounting.client_connected: what sits where the wrappers should be."""

    def __init__(self, server: proxyserver.Proxyserver) -> None:
        self.server = server
        self.found: list[str] = []

    def client_connected(self, client: connection.Client) -> None:
        try:
            io = self.server.connections[client.id].transports[client]
            self.found.append(f"{type(io.reader).__name__}/{type(io.writer).__name__}")
        except (KeyError, AttributeError) as exc:
            self.found.append(f"{type(exc).__name__}: {exc}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def origin() -> AsyncIterator[int]:
    async def handle(_request: web.Request) -> web.Response:
        return web.Response(body=BODY, content_type="text/plain")

    app = web.Application()
    app.router.add_get("/", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def running_proxy(confdir: Path, *ours: object, server: proxyserver.Proxyserver) -> AsyncIterator[int]:
    """A Master with `ours` first and only the mitmproxy core they need (as proxy_addons/chain.py)."""
    logging.getLogger("mitmproxy").setLevel(logging.WARNING)
    port = free_port()
    master = Master(Options())
    master.addons.add(*ours, core.Core(), server, next_layer.NextLayer())
    master.options.update(
        mode=[f"regular@127.0.0.1:{port}"], confdir=str(confdir), connection_strategy="lazy"
    )
    task = asyncio.create_task(master.run())
    try:
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()  # a connection without a byte: no record
            await writer.wait_closed()
            break
        yield port
    finally:
        master.shutdown()
        await task


async def exchange(port: int, request: bytes) -> tuple[int, int]:
    """Send `request` from a plain socket, read until the proxy closes: (bytes sent, bytes received)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    received = len(await asyncio.wait_for(reader.read(), 10))
    writer.close()
    await writer.wait_closed()
    return len(request), received


async def records_of(writer: CollectingWriter, up: int, down: int) -> list[UsageRecord]:
    """Records come at client_disconnected, a moment after the socket closes."""
    for _ in range(100):
        if (sum(r.bytes_up for r in writer.records), sum(r.bytes_down for r in writer.records)) == (up, down):
            break
        await asyncio.sleep(0.05)
    return writer.records


async def test_the_socket_wrappers_sit_where_mitmproxy_keeps_the_client_streams(tmp_path: Path) -> None:
    server = proxyserver.Proxyserver()
    writer = CollectingWriter()
    accounting = Accounting(writer, server, tunnels={})  # type: ignore[arg-type]
    probe = WrapperProbe(server)
    async with origin() as origin_port, running_proxy(tmp_path, accounting, probe, server=server) as port:
        sent, received = await exchange(
            port,
            f"GET http://127.0.0.1:{origin_port}/ HTTP/1.1\r\nHost: 127.0.0.1:{origin_port}\r\n"
            "Connection: close\r\n\r\n".encode(),
        )
        records = await records_of(writer, sent, received)

    assert probe.found, "client_connected never fired"
    assert probe.found[-1] == "_CountingReader/_CountingWriter", (
        f"Accounting could not wrap the client socket: found {probe.found[-1]} at {WHERE}. mitmproxy has "
        "moved a connection's streams; proxy_addons/accounting.py (client_connected, _cut) must follow "
        "them before this version is used."
    )
    assert (sum(r.bytes_up for r in records), sum(r.bytes_down for r in records)) == (sent, received), (
        f"the client sent {sent} and received {received} bytes; the records say {records}: the wrappers at "
        f"{WHERE} no longer see every byte (did mitmproxy change how it reads or writes them?)"
    )
    assert [r.kind for r in records] == ["request"]
    assert records[0].response_body_bytes == len(BODY)


class PageOfOurs:
    """Answers every request itself, as the policy answers a blocked one."""

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        flow.response = http.Response.make(403, BODY, {"Content-Type": "text/plain", "Connection": "close"})


class SettleRightAfterResponse:
    """The settle loop is a task of its own: it may run right after the response hook, before mitmproxy
    writes a page that an addon made (the write follows the hook). Here it does, every time."""

    def __init__(self, accounting: Accounting) -> None:
        self.accounting = accounting

    def response(self, flow: http.HTTPFlow) -> None:
        self.accounting.settle()


async def test_a_page_of_ours_is_billed_to_its_request_even_if_a_settle_runs_before_it_is_written(
    tmp_path: Path,
) -> None:
    server = proxyserver.Proxyserver()
    writer = CollectingWriter()
    accounting = Accounting(writer, server, tunnels={})  # type: ignore[arg-type]
    ours = (PageOfOurs(), accounting, SettleRightAfterResponse(accounting))
    async with running_proxy(tmp_path, *ours, server=server) as port:
        sent, received = await exchange(port, b"GET http://news.test/ HTTP/1.1\r\nHost: news.test\r\n\r\n")
        records = await records_of(writer, sent, received)

    assert (sum(r.bytes_up for r in records), sum(r.bytes_down for r in records)) == (sent, received)
    shape = [(r.kind, r.host, r.status, r.bytes_up, r.bytes_down, r.response_body_bytes) for r in records]
    assert shape == [("request", "news.test", 403, sent, received, len(BODY))], shape


def test_bytes_left_in_the_kernel_when_the_socket_closes_are_counted() -> None:
    """What the device sent after mitmproxy stopped reading is acknowledged by the kernel, so it is the
    device's: _LastBytes asks the kernel at connection_lost, just before asyncio closes the socket."""

    lost: list[Exception | None] = []

    class Protocol:
        def connection_lost(self, exc: Exception | None) -> None:
            lost.append(exc)

    counted: list[int] = []
    ours, device = socket.socketpair()
    with ours, device:
        device.sendall(b"\x15\x03\x03\x00\x13" + bytes(19))  # a TLS alert record, 24 bytes
        wrapped = _LastBytes(Protocol(), ours, counted.append)
        wrapped.connection_lost(None)
    assert counted == [24] and lost == [None]
    _LastBytes(Protocol(), None, counted.append).connection_lost(None)  # no socket to ask: nothing more
    assert counted == [24, 0]
