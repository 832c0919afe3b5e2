"""Every byte the device's socket carried is in usage_events exactly once: a counting relay (the tap)
between curl and the real proxy says what the client sent and received; the rows must add up to it."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import re
import ssl
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, BytesMessage, CloseConnection, Message, Request, TextMessage

from tests.e2e.conftest import EMPLOYEE, PASSWORD, Gateway, curl, split_status
from tests.e2e.origin import MIB, sized_body
from tests.e2e.tap import (
    POLL_ATTEMPTS,
    POLL_SECONDS,
    Tap,
    adds_up,
    byte_totals,
    describe,
    rows_adding_up_to,
    tap_in_front_of,
    usage_rows,
)

pytestmark = pytest.mark.e2e
CREDENTIALS = ["--proxy-user", f"{EMPLOYEE}:{PASSWORD}"]


def assert_exact(rows: list[asyncpg.Record], tap: Tap) -> None:
    """Exact, but for bytes in flight when the proxy ended a connection (Tap.in_doubt): usually none."""
    up, down = byte_totals(rows)
    print(f"client sent/received {tap.up}/{tap.down}; rows {up}/{down}\n{describe(rows)}")  # shown by -rA
    assert adds_up(rows, tap), (
        f"client sent {tap.up} (in doubt: {tap.in_doubt}) and received {tap.down} bytes over "
        f"{len(tap.connections)} connection(s); "
        f"the rows say {byte_totals(rows)}:\n{describe(rows)}\n"
        + "\n".join(f"connection {i}: {' | '.join(c.trace)}" for i, c in enumerate(tap.connections))
    )


def basic_token() -> str:
    return base64.b64encode(f"{EMPLOYEE}:{PASSWORD}".encode()).decode()


def all_budis(rows: list[asyncpg.Record]) -> bool:
    return all(r["username"] == EMPLOYEE for r in rows)


async def proxy_logged(tmp_path: Path, event: str, **fields: object) -> None:
    """The proxy logged `event` with `fields` (e.g. a policy reload): seen without sending any traffic."""
    for _ in range(POLL_ATTEMPTS):
        for log in tmp_path.glob("proxy*.log"):
            for line in log.read_text(errors="replace").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("event") == event and all(entry.get(k) == v for k, v in fields.items()):
                    return
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError(f"the proxy never logged {event} {fields}")


async def smedi_ok(gw: Gateway, *args: str) -> None:
    rc, _, err = await gw.smedi(*args)
    assert rc == 0, err


# -- 1. plain HTTP/1.1


async def test_plain_http_keep_alive_to_two_hosts_bills_each_host_its_own_bytes(
    gateway: Gateway, database_url: str
) -> None:
    port, big, small = gateway.http.port, 200_000, 3_000
    async with tap_in_front_of(gateway.proxy_port) as tap:
        rc, out, err = await curl(
            "-x", tap.url, *CREDENTIALS,
            f"http://news.test:{port}/bytes/{big}",
            f"http://intranet.test:{port}/bytes/{small}?chunked=1",
            f"http://intranet.test:{port}/bytes/{small}?gzip=1",
        )  # fmt: skip
        assert rc == 0 and out.count(b"\n200") == 3, err
        rows = await rows_adding_up_to(database_url, tap)
    assert len(tap.connections) == 1  # curl kept the one connection to the proxy for both hosts
    assert_exact(rows, tap)
    assert all_budis(rows), describe(rows)

    news = [r for r in rows if r["host"] == "news.test"]
    intranet = [r for r in rows if r["host"] == "intranet.test"]
    assert len(news) + len(intranet) == len(rows), describe(rows)
    # Bodies as on the wire: without the chunked framing, still compressed.
    intranet_bodies = small + len(gzip.compress(sized_body(small)))
    assert sum(r["response_body_bytes"] for r in news) == big, describe(rows)
    assert sum(r["response_body_bytes"] for r in intranet) == intranet_bodies, describe(rows)
    # The connection's bytes are shared by what each request moved: heads are only estimated, so
    # "about": each host gets its body plus a few hundred bytes of heads, not the other's body.
    news_up, news_down = byte_totals(news)
    intranet_up, intranet_down = byte_totals(intranet)
    assert big < news_down < big + 1_000, describe(rows)
    assert intranet_bodies < intranet_down < intranet_bodies + 2_000, describe(rows)
    assert 0 < news_up < 1_000 and 0 < intranet_up < 2_000, describe(rows)


# -- 2. intercepted HTTPS


async def test_intercepted_https_bills_connect_handshake_and_requests_exactly(
    gateway: Gateway, database_url: str
) -> None:
    port = gateway.https.port
    async with tap_in_front_of(gateway.proxy_port) as tap:
        rc, out, err = await curl(
            "-x", tap.url, *CREDENTIALS, "--cacert", str(gateway.ca_file),
            f"https://news.test:{port}/bytes/50000", f"https://news.test:{port}/bytes/1000",
        )  # fmt: skip
        assert rc == 0 and out.count(b"\n200") == 2, err
        rows = await rows_adding_up_to(database_url, tap)
    assert len(tap.connections) == 1
    assert_exact(rows, tap)
    assert all_budis(rows), describe(rows)
    assert {r["host"] for r in rows} == {"news.test"}, describe(rows)
    requests = [r for r in rows if r["kind"] == "request" and r["method"] == "GET"]
    assert sorted(r["response_body_bytes"] for r in requests) == [1000, 50000], describe(rows)
    assert all(r["scheme"] == "https" and r["status"] == 200 for r in requests), describe(rows)
    # The TLS handshake (some kilobytes of certificates) is billed too, with the first request.
    assert byte_totals(rows)[1] > 51_000 + 2_000


# -- 3. HTTP/2


async def test_http2_streams_on_one_connection_add_up_exactly(gateway: Gateway, database_url: str) -> None:
    port = gateway.https.port
    sizes = [120_000, 40_000, 7_000, 1]
    async with tap_in_front_of(gateway.proxy_port) as tap:
        rc, out, err = await curl(
            "-x", tap.url, *CREDENTIALS, "--cacert", str(gateway.ca_file), "--http2", "--parallel",
            "-w", "\n%{http_version} %{http_code}",
            *(f"https://news.test:{port}/bytes/{size}" for size in sizes),
        )  # fmt: skip
        assert rc == 0, err
        assert out.count(b"\n2 200") == len(sizes), out[-200:]  # every stream spoke HTTP/2 to the proxy
        rows = await rows_adding_up_to(database_url, tap)
    assert len(tap.connections) == 1  # the streams were multiplexed on one connection
    assert_exact(rows, tap)
    assert all_budis(rows), describe(rows)
    requests = [r for r in rows if r["method"] == "GET"]
    assert sorted(r["response_body_bytes"] for r in requests) == sorted(sizes), describe(rows)
    assert len({r["flow_id"] for r in requests}) == len(sizes)


# -- 4. WebSocket

WS_MESSAGES: list[str | bytes] = ["Halo Semarang", "x" * 5_000, bytes(range(256)) * 80, "selesai"]


class RawWebSocket:
    """A WebSocket client on a plain socket (wsproto): aiohttp sends `GET ws://…` to a proxy, which is
    not an HTTP request target, so a plain-text WebSocket through a proxy needs its own client."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.events: list[object] = []

    @classmethod
    async def open(cls, proxy_port: int, url: str, headers: dict[str, str]) -> RawWebSocket:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
        client = cls(reader, writer)
        authority = url.split("/")[2]
        extra = [(k.encode(), v.encode()) for k, v in headers.items()]
        client.send(Request(host=authority, target=url, extra_headers=extra))  # absolute form: a proxy
        accepted = await client.next_event()
        assert isinstance(accepted, AcceptConnection), accepted
        return client

    def send(self, event: Request | Message | CloseConnection) -> None:
        self.writer.write(self.ws.send(event))

    async def next_event(self) -> object:
        while not self.events:
            data = await asyncio.wait_for(self.reader.read(65536), 10)
            self.ws.receive_data(data or None)
            self.events += self.ws.events()
        return self.events.pop(0)

    async def echo(self, message: str | bytes) -> str | bytes:
        self.send(TextMessage(message) if isinstance(message, str) else BytesMessage(message))
        text, data = "", b""  # a message may come in fragments
        while True:
            event = await self.next_event()
            if isinstance(event, TextMessage):
                text += event.data
            else:
                assert isinstance(event, BytesMessage), event
                data += event.data
            if event.message_finished:
                return text if isinstance(message, str) else data

    async def close(self) -> None:
        self.send(CloseConnection(code=1000))
        while not isinstance(await self.next_event(), CloseConnection):
            pass
        self.writer.close()
        await self.writer.wait_closed()


async def websocket_echoes(gateway: Gateway, tap: Tap, scheme: str) -> list[str | bytes]:
    auth = {"Proxy-Authorization": f"Basic {basic_token()}"}
    echoed: list[str | bytes] = []
    if scheme == "ws":
        client = await RawWebSocket.open(tap.port, f"http://news.test:{gateway.http.port}/ws", auth)
        for message in WS_MESSAGES:
            echoed.append(await client.echo(message))
        await client.close()
        return echoed
    context = ssl.create_default_context(cafile=str(gateway.ca_file))
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(
            f"wss://news.test:{gateway.https.port}/ws", proxy=tap.url, proxy_headers=auth, ssl=context
        ) as ws:  # CONNECT, then the WebSocket inside the intercepted TLS
            for message in WS_MESSAGES:
                if isinstance(message, str):
                    await ws.send_str(message)
                    echoed.append(await ws.receive_str())
                else:
                    await ws.send_bytes(message)
                    echoed.append(await ws.receive_bytes())
    return echoed


@pytest.mark.parametrize("scheme", ["ws", "wss"])
async def test_websocket_messages_and_frames_are_billed_exactly(
    gateway: Gateway, database_url: str, scheme: str
) -> None:
    payload = sum(len(m.encode() if isinstance(m, str) else m) for m in WS_MESSAGES)
    async with tap_in_front_of(gateway.proxy_port) as tap:
        assert await websocket_echoes(gateway, tap, scheme) == WS_MESSAGES
        rows = await rows_adding_up_to(database_url, tap)
    assert len(tap.connections) == 1
    assert_exact(rows, tap)
    assert all_budis(rows), describe(rows)
    # The messages' payloads (no frame headers, no close frames) are the WebSocket's body bytes.
    assert sum(r["request_body_bytes"] for r in rows) == payload, describe(rows)
    assert sum(r["response_body_bytes"] for r in rows) == payload, describe(rows)
    assert byte_totals(rows)[0] > payload  # client frames carry a 4-byte mask and a header each


# -- 5. TLS passed through undecrypted


async def test_a_passed_through_tls_connection_is_one_tunnel_row(
    gateway: Gateway, database_url: str, tmp_path: Path
) -> None:
    await smedi_ok(gateway, "rule", "add", "--action", "passthrough", "--domain", "bank.test")
    await proxy_logged(tmp_path, "policy_loaded", rules=1)
    async with tap_in_front_of(gateway.proxy_port) as tap:
        rc, out, err = await curl(
            "-x", tap.url, *CREDENTIALS, "--cacert", str(gateway.test_ca),
            f"https://bank.test:{gateway.https.port}/bytes/20000",
        )  # fmt: skip
        assert split_status(out) == (sized_body(20_000), 200), err  # the origin's own certificate
        rows = await rows_adding_up_to(database_url, tap)
    assert_exact(rows, tap)
    assert [(r["kind"], r["scheme"], r["method"], r["host"], r["decision"], r["username"]) for r in rows] == [
        ("request", "tls", "TUNNEL", "bank.test", "passthrough", EMPLOYEE)
    ], describe(rows)
    assert (rows[0]["bytes_up"], rows[0]["bytes_down"]) == (tap.up, tap.down)


# -- 6. refused traffic


def content_length(curl_verbose: str) -> int:
    """The Content-Length of the proxy's answer to a CONNECT, from curl -v."""
    match = re.search(r"^< content-length: (\d+)", curl_verbose, re.IGNORECASE | re.MULTILINE)
    assert match, curl_verbose
    return int(match[1])


async def test_407s_are_billed_to_nobody_but_billed_exactly(gateway: Gateway, database_url: str) -> None:
    async with tap_in_front_of(gateway.proxy_port) as tap:
        rc, out, err = await curl("-x", tap.url, f"http://news.test:{gateway.http.port}/")
        page, status = split_status(out)
        assert status == 407, err
        rc, out, err = await curl(
            "-v", "-x", tap.url, "--cacert", str(gateway.ca_file), f"https://news.test:{gateway.https.port}/"
        )
        assert rc != 0 and "CONNECT tunnel failed, response 407" in err
        connect_page = content_length(err)
        rows = await rows_adding_up_to(database_url, tap)
    assert len(tap.connections) == 2
    assert_exact(rows, tap)
    assert gateway.http.requests == gateway.https.requests == []
    assert all(r["username"] is None for r in rows), describe(rows)  # nobody signed in: billed to no one
    refused = sorted(
        (r["method"], r["status"], r["decision"], r["response_body_bytes"])
        for r in rows
        if r["kind"] == "request"
    )
    assert refused == [
        ("CONNECT", 407, "auth_required", connect_page),
        ("GET", 407, "auth_required", len(page)),
    ], describe(rows)


@pytest.fixture
async def judi_blocked(gateway: Gateway, tmp_path: Path) -> None:
    await smedi_ok(gateway, "policy", "block", "judi.test")
    await proxy_logged(tmp_path, "policy_loaded", blocked_domains=1)


@pytest.mark.usefixtures("judi_blocked")
async def test_a_block_page_over_http_is_billed_exactly(gateway: Gateway, database_url: str) -> None:
    async with tap_in_front_of(gateway.proxy_port) as tap:
        rc, out, err = await curl("-x", tap.url, *CREDENTIALS, f"http://judi.test:{gateway.http.port}/")
        page, status = split_status(out)
        assert status == 403 and b"judi.test" in page, err
        rows = await rows_adding_up_to(database_url, tap)
    assert_exact(rows, tap)
    assert [(r["kind"], r["host"], r["method"], r["status"], r["decision"], r["username"]) for r in rows] == [
        ("request", "judi.test", "GET", 403, "block", EMPLOYEE)
    ], describe(rows)
    assert rows[0]["response_body_bytes"] == len(page), describe(rows)  # the block page, as sent
    assert gateway.http.requests == []


@pytest.mark.usefixtures("judi_blocked")
async def test_a_refused_connect_is_billed_exactly(gateway: Gateway, database_url: str) -> None:
    async with tap_in_front_of(gateway.proxy_port) as tap:
        rc, out, err = await curl(
            "-v", "-x", tap.url, *CREDENTIALS, "--cacert", str(gateway.ca_file),
            f"https://judi.test:{gateway.https.port}/",
        )  # fmt: skip
        assert rc != 0 and "CONNECT tunnel failed, response 403" in err
        page = content_length(err)
        rows = await rows_adding_up_to(database_url, tap)
    assert_exact(rows, tap)
    assert [(r["kind"], r["host"], r["method"], r["status"], r["decision"], r["username"]) for r in rows] == [
        ("request", "judi.test", "CONNECT", 403, "block", EMPLOYEE)
    ], describe(rows)
    assert rows[0]["response_body_bytes"] == page, describe(rows)  # the block page, as sent
    assert gateway.https.connections == 0


@pytest.mark.usefixtures("judi_blocked")
async def test_a_tls_connection_refused_at_the_sni_is_billed_exactly(
    gateway: Gateway, database_url: str
) -> None:
    """CONNECT to an allowed host, then a ClientHello naming a blocked one: refused before connecting."""
    token = basic_token()
    async with tap_in_front_of(gateway.proxy_port) as tap:
        reader, writer = await asyncio.open_connection("127.0.0.1", tap.port)
        writer.write(
            f"CONNECT news.test:{gateway.https.port} HTTP/1.1\r\nHost: news.test\r\n"
            f"Proxy-Authorization: Basic {token}\r\n\r\n".encode()
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.split()[1] == b"200"
        context = ssl.create_default_context(cafile=str(gateway.ca_file))
        with pytest.raises((ssl.SSLError, ConnectionError, asyncio.IncompleteReadError, OSError)):
            await asyncio.wait_for(writer.start_tls(context, server_hostname="judi.test"), 10)
        writer.close()
        rows = await rows_adding_up_to(database_url, tap)
    assert_exact(rows, tap)
    assert [(r["kind"], r["scheme"], r["method"], r["host"], r["decision"], r["username"]) for r in rows] == [
        ("request", "tls", "TUNNEL", "judi.test", "block", EMPLOYEE)
    ], describe(rows)
    assert gateway.https.connections == 0


# -- 7. a long download


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_a_long_download_is_billed_while_it_runs_and_exactly_at_the_end(
    gateway: Gateway, database_url: str, scheme: str
) -> None:
    """50 MiB (52,428,800 bytes) streamed by the origin over about 15 s."""
    port = gateway.http.port if scheme == "http" else gateway.https.port
    async with tap_in_front_of(gateway.proxy_port) as tap:
        args = [
            "-x", tap.url, *CREDENTIALS, "--cacert", str(gateway.ca_file), "--max-time", "180",
            "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
            f"{scheme}://news.test:{port}/slow/50?pause=0.3",
        ]  # fmt: skip
        download = asyncio.create_task(curl(*args))
        intervals_while_running: list[asyncpg.Record] = []
        while not download.done() and not intervals_while_running:
            rows = await usage_rows(database_url)
            intervals_while_running = [r for r in rows if r["kind"] == "interval"]
            await asyncio.wait([download], timeout=POLL_SECONDS)
        rc, out, err = await download
        assert rc == 0 and out == f"200 {50 * MIB}".encode(), err
        rows = await rows_adding_up_to(database_url, tap)
    assert intervals_while_running, "no interval row was written while the download ran"
    assert_exact(rows, tap)
    assert all_budis(rows), describe(rows)
    flow = intervals_while_running[0]["flow_id"]
    download_rows = [r for r in rows if r["flow_id"] == flow]
    assert [r["kind"] for r in download_rows][-1] == "request", describe(rows)
    assert {r["kind"] for r in download_rows[:-1]} == {"interval"}, describe(rows)
    assert sum(r["response_body_bytes"] for r in download_rows) == 50 * MIB == 52_428_800, describe(rows)
    assert sum(r["bytes_down"] for r in download_rows) > 50 * MIB
