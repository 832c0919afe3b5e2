"""One usage record per finished flow, and one per TLS connection relayed undecrypted (counted at the
socket), handed to the writer's queue; serving never waits on it."""

from __future__ import annotations

import ipaddress
import time
from datetime import UTC, datetime
from typing import Any

from mitmproxy import connection, http
from mitmproxy.addons.proxyserver import Proxyserver
from mitmproxy.net.http.http1 import assemble_request_head, assemble_response_head

from accounting.records import UsageRecord
from accounting.writer import UsageWriter
from proxy_addons.hostnames import InvalidHost, normalize_host
from proxy_addons.snapshots import Decision, Employee


def _host(flow: http.HTTPFlow) -> str:
    decision: Decision | None = flow.metadata.get("decision")
    if decision is not None:
        return decision.host
    try:
        return normalize_host(flow.request.host)
    except InvalidHost:
        return "(invalid)"


def _decision(flow: http.HTTPFlow) -> str:
    decision: Decision | None = flow.metadata.get("decision")
    if decision is not None and decision.action in ("block", "warn") and flow.metadata.get("reference"):
        return decision.action  # the request was answered with a block or warning page
    if flow.response is not None and flow.response.status_code == 407:
        return "auth_required"
    return "error" if flow.error else "allow"


def usage_record(flow: http.HTTPFlow) -> UsageRecord:
    """Bytes as seen by the employee's device: heads (re-assembled) plus bodies as on the wire."""
    employee: Employee | None = flow.metadata.get("employee")
    request, response = flow.request, flow.response
    request_body = len(request.raw_content or b"")
    response_body = len(response.raw_content or b"") if response else 0
    bytes_up = len(assemble_request_head(request)) + request_body
    bytes_down = len(assemble_response_head(response)) + response_body if response else 0
    end = (response and response.timestamp_end) or time.time()
    decision: Decision | None = flow.metadata.get("decision")
    peer = flow.client_conn.peername
    return UsageRecord(
        ts=datetime.fromtimestamp(request.timestamp_start, UTC),
        employee_id=employee.id if employee else None,
        org_unit_id=employee.org_unit_id if employee else None,
        client_ip=ipaddress.ip_address(peer[0]) if peer else None,
        host=_host(flow),
        scheme=request.scheme,
        method=request.method[:16],
        status=response.status_code if response else None,
        decision=_decision(flow),
        category=decision.category if decision else "",
        rule=decision.rule if decision else "",
        bytes_up=bytes_up,
        bytes_down=bytes_down,
        request_body_bytes=request_body,
        response_body_bytes=response_body,
        duration_ms=max(0, round((end - request.timestamp_start) * 1000)),
        reference=flow.metadata.get("reference"),
    )


class WireCount:
    """Bytes read from and written to one client socket: what the device sent and received, TLS included."""

    __slots__ = ("down", "up")

    def __init__(self) -> None:
        self.up = 0
        self.down = 0


class _CountingReader:
    __slots__ = ("_count", "_inner")

    def __init__(self, inner: Any, count: WireCount) -> None:
        self._inner, self._count = inner, count

    async def read(self, n: int = -1) -> bytes:
        data = await self._inner.read(n)
        self._count.up += len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _CountingWriter:
    __slots__ = ("_count", "_inner")

    def __init__(self, inner: Any, count: WireCount) -> None:
        self._inner, self._count = inner, count

    def write(self, data: bytes) -> None:
        self._count.down += len(data)
        self._inner.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def tunnel_record(
    client: connection.Client, decision: Decision, employee: Employee | None, count: WireCount
) -> UsageRecord:
    """A TLS connection relayed without decryption: one record with the socket's bytes."""
    start, end = client.timestamp_start, client.timestamp_end or time.time()
    return UsageRecord(
        ts=datetime.fromtimestamp(start, UTC),
        employee_id=employee.id if employee else None,
        org_unit_id=employee.org_unit_id if employee else None,
        client_ip=ipaddress.ip_address(client.peername[0]) if client.peername else None,
        host=decision.host,
        scheme="tls",
        method="TUNNEL",
        status=None,
        decision=decision.action,
        category=decision.category,
        rule=decision.rule,
        bytes_up=count.up,
        bytes_down=count.down,
        request_body_bytes=0,
        response_body_bytes=0,
        duration_ms=max(0, round((end - start) * 1000)),
    )


class Accounting:
    def __init__(
        self,
        writer: UsageWriter,
        server: Proxyserver,
        passed_through: dict[str, tuple[Decision, Employee | None]],
    ) -> None:
        self.writer = writer
        self._server = server
        self._passed_through = passed_through  # filled by the policy at the ClientHello
        self._wire: dict[str, WireCount] = {}

    def client_connected(self, client: connection.Client) -> None:
        # Counting wrappers around the client socket, before its read loop starts (mitmproxy internals:
        # pinned version, and tests/proxy_addons test this against the kernel's own counters).
        io = self._server.connections[client.id].transports[client]
        count = self._wire[client.id] = WireCount()
        io.reader, io.writer = _CountingReader(io.reader, count), _CountingWriter(io.writer, count)  # type: ignore[assignment]

    def client_disconnected(self, client: connection.Client) -> None:
        count = self._wire.pop(client.id, None)
        tunnel = self._passed_through.pop(client.id, None)
        if tunnel is not None and count is not None:
            self.writer.submit(tunnel_record(client, *tunnel, count))

    def response(self, flow: http.HTTPFlow) -> None:
        self._record(flow)

    def http_connect_error(self, flow: http.HTTPFlow) -> None:
        self._record(flow)  # a refused CONNECT: 407 or blocked

    def error(self, flow: http.HTTPFlow) -> None:
        if flow.request.method == "CONNECT" and flow.response is not None:
            return  # an established tunnel ending; its requests were recorded one by one
        self._record(flow)

    def _record(self, flow: http.HTTPFlow) -> None:
        if flow.metadata.get("accounted"):
            return  # an error after the response: the flow's bytes are already counted once
        flow.metadata["accounted"] = True
        self.writer.submit(usage_record(flow))
