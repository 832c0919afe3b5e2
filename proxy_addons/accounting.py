"""Bills every byte of the employee's device: counted at its socket, shared among the requests and
tunnels of the connection (accounting/meter.py), handed to the writer's queue; serving never waits."""

from __future__ import annotations

import asyncio
import fcntl
import ipaddress
import itertools
import struct
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache, partial
from typing import Any

import structlog
from mitmproxy import connection, http, tls
from mitmproxy.addons.proxyserver import Proxyserver

from accounting.meter import ConnectionMeter, Part, Share
from accounting.quota_use import QuotaUse
from accounting.records import UsageRecord
from accounting.writer import UsageWriter
from proxy_addons.hostnames import InvalidHost, normalize_host
from proxy_addons.snapshots import Decision, Employee

log = structlog.get_logger(__name__)
DRAIN_SECONDS = 5.0  # at shutdown, how long requests under way may take to finish
PAGE_OF_OURS = "accounting_page_of_ours"  # flow.metadata: answered by an addon, not by the origin


@dataclass(frozen=True, slots=True)
class Tunnel:
    """A TLS connection decided whole at the ClientHello: relayed undecrypted, or refused."""

    client: connection.Client
    decision: Decision
    employee: Employee | None


def _host(flow: http.HTTPFlow) -> str:
    decision: Decision | None = flow.metadata.get("decision")
    if decision is not None:
        return decision.host
    try:
        return normalize_host(flow.request.host)
    except InvalidHost:
        return "(invalid)"


def _decision(flow: http.HTTPFlow) -> str:
    if quota := flow.metadata.get("quota_answer"):
        return str(quota)  # quota | notice: answered with the quota's page
    decision: Decision | None = flow.metadata.get("decision")
    if decision is not None and decision.action in ("block", "warn") and flow.metadata.get("reference"):
        return decision.action  # the request was answered with a block or warning page
    if flow.response is not None and flow.response.status_code == 407:
        return "auth_required"
    return "error" if flow.error else "allow"


@lru_cache(maxsize=4096)
def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """Parsed once per device, not once per row: a device makes many requests."""
    return ipaddress.ip_address(host)


def _ip(client: connection.Client) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    return _address(client.peername[0]) if client.peername else None


def _row(share: Share) -> UsageRecord:
    """The usage row for a share of a connection's bytes. (Built from positional fields in column order:
    there is a row per request, and keyword arguments made building one three times slower.)"""
    subject = share.subject
    if isinstance(subject, http.HTTPFlow):
        employee: Employee | None = subject.metadata.get("employee")
        decision: Decision | None = subject.metadata.get("decision")
        request, response, final = subject.request, subject.response, share.kind == "request"
        # employee, OPD, client_ip, host, scheme, method, status, decision, category, rule
        who = (
            employee.id if employee else None,
            employee.org_unit_id if employee else None,
            _ip(subject.client_conn),
            _host(subject),
            request.scheme,
            request.method[:16],
            response.status_code if response and final else None,  # status
            _decision(subject) if final else "allow",
            decision.category if decision else "",
            decision.rule if decision else "",
        )
        reference, flow_id = subject.metadata.get("reference"), subject.id
    elif isinstance(subject, Tunnel):
        employee, decision = subject.employee, subject.decision
        who = (
            employee.id if employee else None,
            employee.org_unit_id if employee else None,
            _ip(subject.client),
            decision.host,
            "tls",  # scheme
            "TUNNEL",  # method
            None,  # status
            decision.action,  # decision
            decision.category,
            decision.rule,
        )
        reference, flow_id = None, subject.client.id
    else:
        assert isinstance(subject, connection.Client)
        # bytes on a connection that never made a request we understood: decision "error"
        who = (None, None, _ip(subject), "(none)", "tcp", "", None, "error", "", "")
        reference, flow_id = None, subject.id
    return UsageRecord(
        datetime.fromtimestamp(share.since, UTC),
        *who,
        share.bytes_up,
        share.bytes_down,
        share.body_up,  # request_body_bytes
        share.body_down,  # response_body_bytes
        max(0, round((share.until - share.since) * 1000)),  # duration_ms
        reference,
        share.kind,
        flow_id,
    )


def _head_size(headers: http.Headers, first_line: int) -> int:
    """About what a head weighs on the wire: only used to share a connection's bytes among its requests.
    (Each field is name, ": ", value and CRLF; summed without a Python loop, twice per request.)"""
    fields = headers.fields
    return first_line + sum(map(len, itertools.chain.from_iterable(fields))) + 4 * len(fields) + 2


class _CountingReader:
    __slots__ = ("_inner", "_meter")

    def __init__(self, inner: Any, meter: ConnectionMeter) -> None:
        self._inner, self._meter = inner, meter

    async def read(self, n: int = -1) -> bytes:
        data = await self._inner.read(n)
        self._meter.up += len(data)
        return data

    def unread(self) -> int:
        """Bytes received but never read: mitmproxy stops reading when it closes a connection, and what
        the device sent just before (a TLS close_notify, say) stays in asyncio's buffer."""
        return len(getattr(self._inner, "_buffer", b""))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _CountingWriter:
    __slots__ = ("_inner", "_meter", "drain")

    def __init__(self, inner: Any, meter: ConnectionMeter) -> None:
        self._inner, self._meter = inner, meter
        self.drain = inner.drain  # mitmproxy drains after every read: not through __getattr__

    def write(self, data: bytes) -> None:
        self._meter.wrote(len(data))
        self._inner.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _LastBytes:
    """The client transport's protocol, wrapped: asyncio calls connection_lost just before it closes the
    socket, when what the device sent after mitmproxy stopped reading (a TLS close_notify, say) sits
    unread in the kernel. The kernel has acknowledged it to the device, so it is the device's: counted."""

    __slots__ = ("_inner", "_on_lost", "_sock")

    def __init__(self, inner: Any, sock: Any, on_lost: Callable[[int], None]) -> None:
        self._inner, self._sock, self._on_lost = inner, sock, on_lost

    def connection_lost(self, exc: Exception | None) -> None:
        try:
            self._on_lost(_kernel_unread(self._sock))
        finally:
            self._inner.connection_lost(exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _kernel_unread(sock: Any) -> int:
    """Bytes in the socket's receive queue (FIONREAD); 0 when there is no socket to ask."""
    try:
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
    except (AttributeError, OSError, ValueError):
        return 0


def _body_counter(part: Part, upload: bool) -> Callable[[bytes], bytes]:
    """A stream callable: bodies go through unbuffered and are counted as they pass."""
    if upload:

        def count_up(chunk: bytes) -> bytes:
            part.body_up += len(chunk)
            part.weight_up += len(chunk)
            return chunk

        return count_up

    def count_down(chunk: bytes) -> bytes:
        part.body_down += len(chunk)
        part.weight_down += len(chunk)
        return chunk

    return count_down


async def _wait_until(condition: Callable[[], bool], seconds: float) -> None:
    """Polls: what it waits for happens inside mitmproxy, which offers nothing to await."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)


class Accounting:
    def __init__(
        self,
        writer: UsageWriter,
        server: Proxyserver,
        tunnels: dict[str, tuple[Decision, Employee | None]],
        quota_use: QuotaUse | None = None,
        over_quota: Callable[[Employee | None, str, int], bool] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.writer = writer
        self._server = server
        self._tunnels = tunnels  # filled by the policy at the ClientHello
        self._quota_use = quota_use
        self._over_quota = over_quota
        self._clock = clock
        self.meters: dict[str, ConnectionMeter] = {}
        self._readers: dict[str, _CountingReader] = {}
        self._draining = False

    # -- lifecycle: the writer bills open connections (settle) before each flush

    def running(self) -> None:
        self.writer.before_flush = self.settle

    async def done(self) -> None:
        """Stop cleanly: no new connections, requests under way finish (for a few seconds), the rest is
        closed, and every connection is billed before the writer's last flush. (mitmproxy itself would
        leave its listeners and connections running after done.)"""
        self._draining = True  # responses from now on close their connection (HTTP/1: Connection: close)
        await self._server.servers.update([])
        await _wait_until(lambda: not self._requests_running(), DRAIN_SECONDS)
        for client_id in list(self.meters):
            self._close(client_id, "proxy stopping")
        await _wait_until(lambda: not self.meters, 2.0)  # their client_disconnected bills them
        now = self._clock()
        for client_id, meter in self.meters.items():
            meter.up += self._readers[client_id].unread() if client_id in self._readers else 0
            self._submit(meter.settle(now, closing=True))
        self.meters.clear()
        self._readers.clear()

    def _requests_running(self) -> bool:
        return any(
            isinstance(p.subject, http.HTTPFlow) and not p.finished
            for meter in self.meters.values()
            for p in meter.parts.values()
        )

    def _close(self, client_id: str, why: str) -> None:
        handler = self._server.connections.get(client_id)
        io = handler.transports.get(handler.client) if handler else None
        if io is not None and io.handler is not None:
            io.handler.cancel(why)

    def settle(self) -> None:
        now = self._clock()
        cut = []
        for client_id, meter in self.meters.items():
            if meter.idle():
                continue
            self._submit(meter.settle(now))
            if self._over_quota is not None and any(self._runs_over(meter, p) for p in meter.parts.values()):
                cut.append(client_id)
        for client_id in cut:
            self._cut(client_id)

    def _runs_over(self, meter: ConnectionMeter, part: Part) -> bool:
        """Whether a transfer still running has used up its quota, with what it moved not yet in a row."""
        assert self._over_quota is not None
        subject, unbilled = part.subject, meter.unbilled()
        if part.finished:
            return False
        if isinstance(subject, http.HTTPFlow):
            decision: Decision | None = subject.metadata.get("decision")
            category = decision.category if decision else ""
            return self._over_quota(subject.metadata.get("employee"), category, unbilled)
        if isinstance(subject, Tunnel) and subject.decision.action == "passthrough":
            return self._over_quota(subject.employee, subject.decision.category, unbilled)
        return False

    def _cut(self, client_id: str) -> None:
        """A download, stream or tunnel still running when its quota runs out: its connection is closed."""
        log.info("quota_connection_cut", client=client_id)
        self._close(client_id, "quota used up")

    def _submit(self, shares: list[Share]) -> None:
        for share in shares:
            record = _row(share)
            self.writer.submit(record)
            if self._quota_use is not None:
                self._quota_use.add_local(record)

    # -- connections

    def client_connected(self, client: connection.Client) -> None:
        # Counting wrappers around the client socket, before its read loop starts (mitmproxy internals:
        # pinned version; tests/proxy_addons checks them against the kernel's own counters).
        meter = self.meters[client.id] = ConnectionMeter(client, self._clock())
        io = self._server.connections[client.id].transports[client]
        reader = self._readers[client.id] = _CountingReader(io.reader, meter)
        transport = getattr(io.writer, "transport", None)  # none for mitmproxy_rs streams (WireGuard, local)
        if transport is not None:
            sock, on_lost = transport.get_extra_info("socket"), partial(self._unread_at_close, client)
            transport.set_protocol(_LastBytes(transport.get_protocol(), sock, on_lost))
        io.reader, io.writer = reader, _CountingWriter(io.writer, meter)  # type: ignore[assignment]

    def _unread_at_close(self, client: connection.Client, unread: int) -> None:
        if not unread:
            return
        meter = self.meters.get(client.id)
        if meter is not None:
            meter.up += unread  # billed at client_disconnected, which follows
            return
        # The socket outlived client_disconnected (its last writes were still queued): a row of its own.
        late = ConnectionMeter(client, self._clock())
        late.up, late.requests = unread, 1  # after the connection's requests: a `connection` row
        self._submit(late.settle(self._clock(), closing=True))

    def client_disconnected(self, client: connection.Client) -> None:
        meter = self.meters.pop(client.id, None)
        reader = self._readers.pop(client.id, None)
        if meter is not None:
            meter.up += reader.unread() if reader else 0
            self._submit(meter.settle(self._clock(), closing=True))

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        client = data.context.client
        tunnel = self._tunnels.get(client.id)
        meter = self.meters.get(client.id)
        if tunnel is not None and meter is not None:
            meter.open(client.id, Tunnel(client, *tunnel), self._clock())

    def part(self, flow: http.HTTPFlow) -> Part | None:
        meter = self.meters.get(flow.client_conn.id)
        return meter.parts.get(flow.id) if meter else None

    # -- requests

    def http_connect(self, flow: http.HTTPFlow) -> None:
        meter = self.meters.get(flow.client_conn.id)
        if meter is None:
            return
        if flow.response is not None:  # refused (407, blocked): a request of its own
            part = meter.open(flow.id, flow, flow.request.timestamp_start)
            part.body_down += len(flow.response.raw_content or b"")
            part.weight_down += part.body_down + _head_size(flow.response.headers, 17)
            meter.unsent.append(part)  # written after this hook
        else:
            meter.context = flow  # its bytes and the handshake go with the first request inside

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        meter = self.meters.get(flow.client_conn.id)
        if meter is None:
            return
        part = meter.open(flow.id, flow, flow.request.timestamp_start)
        request = flow.request
        part.weight_up += _head_size(request.headers, len(request.method) + len(request.path) + 12)
        if flow.response is None and flow.error is None:
            request.stream = _body_counter(part, upload=True)

    def request(self, flow: http.HTTPFlow) -> None:
        part = self.part(flow)
        if part is not None and not callable(flow.request.stream):  # answered by us: the body was read
            size = len(flow.request.raw_content or b"")
            part.body_up += size
            part.weight_up += size
        if flow.response is not None:
            flow.metadata[PAGE_OF_OURS] = True

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        if flow.metadata.get(PAGE_OF_OURS):
            return  # mitmproxy calls this hook for pages of ours too, then sends them whole, not streamed
        part = self.part(flow)
        if self._draining and flow.response is not None:
            flow.response.headers["Connection"] = "close"
        if part is not None and flow.response is not None:
            part.weight_down += _head_size(flow.response.headers, 17 + len(flow.response.reason))
            flow.response.stream = _body_counter(part, upload=False)

    def response(self, flow: http.HTTPFlow) -> None:
        part = self.part(flow)
        meter = self.meters.get(flow.client_conn.id)
        if part is None or meter is None or flow.response is None:
            return
        if self._draining and flow.websocket is None:
            flow.response.headers["Connection"] = "close"
        if flow.websocket is not None:
            return  # it goes on: finished at websocket_end
        meter.context = flow  # bytes after it with no request open (a TLS alert, say): its employee's
        if flow.metadata.get(PAGE_OF_OURS):  # sent whole after this hook: finished once written
            size = len(flow.response.raw_content or b"")
            part.body_down += size
            part.weight_down += size + _head_size(flow.response.headers, 17)
            meter.unsent.append(part)
        else:
            part.finished = True

    def websocket_message(self, flow: http.HTTPFlow) -> None:
        part = self.part(flow)
        assert flow.websocket is not None
        message = flow.websocket.messages[-1]
        if part is not None:
            size = len(message.content)
            if message.from_client:
                part.body_up += size
                part.weight_up += size + 6
            else:
                part.body_down += size
                part.weight_down += size + 2
        del flow.websocket.messages[:-1]  # a long WebSocket would otherwise keep every message

    def websocket_end(self, flow: http.HTTPFlow) -> None:
        self._finish(flow)

    def http_connect_error(self, flow: http.HTTPFlow) -> None:
        self._finish(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        self._finish(flow)

    def _finish(self, flow: http.HTTPFlow) -> None:
        part = self.part(flow)
        if part is not None:
            part.finished = True
