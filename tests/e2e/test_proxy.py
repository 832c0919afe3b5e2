"""The real proxy with our addons, real origins, real PostgreSQL, curl as the client."""

from __future__ import annotations

import asyncio
import base64
import re
import ssl

import aiohttp
import asyncpg
import pytest

from admin.directory import add_employee
from tests.e2e.conftest import EMPLOYEE, PASSWORD, Gateway, curl, split_status
from tests.e2e.origin import BODY

pytestmark = pytest.mark.e2e


def auth_proxy(gw: Gateway, user: str = EMPLOYEE, password: str = PASSWORD) -> list[str]:
    return ["-x", gw.proxy, "--proxy-user", f"{user}:{password}"]


async def usage_rows(database_url: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch(
            "SELECT u.* FROM usage_events u JOIN employees e ON e.id = u.employee_id WHERE e.username = $1 "
            "ORDER BY ts",
            EMPLOYEE,
        )
    finally:
        await conn.close()


async def test_without_credentials_the_proxy_answers_407_and_forwards_nothing(gateway: Gateway) -> None:
    url = f"http://news.test:{gateway.http.port}/"
    for extra in ([], ["--proxy-user", f"{EMPLOYEE}:salah"], ["--proxy-user", f"tidakada:{PASSWORD}"]):
        rc, out, _ = await curl("-x", gateway.proxy, *extra, "-D", "-", url)
        assert rc == 0
        assert split_status(out)[1] == 407
        assert b'Proxy-Authenticate: Basic realm="S\'MEDI"' in out
    assert gateway.http.requests == [] and gateway.http.connections == 0


@pytest.mark.parametrize(
    "header",
    ["Basic !!!", "Basic " + "QUJD" * 300_000, "Negotiate abc", "Basic Og==", "Basic YnVkaQ=="],
    ids=["not-base64", "megabytes", "unknown-scheme", "empty-user", "no-colon"],
)
async def test_malformed_proxy_authorization_gets_407(gateway: Gateway, header: str) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.proxy_port)
    writer.write(
        f"GET http://news.test:{gateway.http.port}/ HTTP/1.1\r\nHost: news.test\r\n"
        f"Proxy-Authorization: {header}\r\n\r\n".encode()
    )
    await writer.drain()
    status = await reader.readline()
    writer.close()
    # mitmproxy refuses a header this long itself (431/400); either way nothing is forwarded.
    assert status.split()[1] in (b"407", b"431", b"400")
    assert gateway.http.requests == []
    rc, out, _ = await curl(*auth_proxy(gateway), f"http://news.test:{gateway.http.port}/")
    assert split_status(out) == (BODY, 200)  # the proxy is still serving


async def test_http_and_https_are_proxied_and_every_body_byte_is_accounted(
    gateway: Gateway, database_url: str
) -> None:
    upload = b"x" * 70_001
    rc, out, err = await curl(*auth_proxy(gateway), f"http://news.test:{gateway.http.port}/halaman")
    assert split_status(out) == (BODY, 200), err
    rc, out, err = await curl(
        *auth_proxy(gateway),
        "--data-binary",
        "@-",
        f"http://news.test:{gateway.http.port}/echo-length",
        stdin=upload,
    )
    assert split_status(out) == (b"70001", 200), err
    rc, out, err = await curl(
        *auth_proxy(gateway), "--cacert", str(gateway.ca_file), f"https://news.test:{gateway.https.port}/aman"
    )
    assert split_status(out) == (BODY, 200), err
    assert gateway.https.hosts_seen() == {"news.test"}

    rows = await _wait_rows(database_url, 3)
    by_path = {(r["scheme"], r["method"]): r for r in rows}
    get, post, tls = by_path[("http", "GET")], by_path[("http", "POST")], by_path[("https", "GET")]
    assert (get["request_body_bytes"], get["response_body_bytes"]) == (0, len(BODY))
    assert (post["request_body_bytes"], post["response_body_bytes"]) == (len(upload), 5)
    assert (tls["request_body_bytes"], tls["response_body_bytes"]) == (0, len(BODY))
    for r in rows:
        assert r["host"] == "news.test" and r["decision"] == "allow" and r["status"] == 200
        assert r["bytes_down"] > r["response_body_bytes"] and r["bytes_up"] >= r["request_body_bytes"]
        assert str(r["client_ip"]) == "127.0.0.1" and r["org_unit_id"] is not None


async def _wait_rows(database_url: str, count: int) -> list[asyncpg.Record]:
    for _ in range(50):
        rows = await usage_rows(database_url)
        if len(rows) >= count:
            return rows
        await asyncio.sleep(0.2)
    raise AssertionError(f"expected {count} usage rows, found {len(rows)}")


async def test_blocked_domains_never_reach_the_origin_and_take_effect_without_restart(
    gateway: Gateway, database_url: str
) -> None:
    http_url = f"http://www.blocked.test:{gateway.http.port}/"
    https_url = f"https://blocked.test:{gateway.https.port}/"
    rc, out, _ = await curl(*auth_proxy(gateway), http_url)
    assert split_status(out)[1] == 200  # not blocked yet

    rc, out, err = await gateway.smedi("policy", "block", "Blocked.Test.")
    assert rc == 0, err
    connections_before = (gateway.http.connections, gateway.https.connections)
    requests_before = len(gateway.http.requests)
    for _ in range(50):  # the proxy reloads on NOTIFY; allow it a moment
        rc, out, _ = await curl(*auth_proxy(gateway), http_url)
        if split_status(out)[1] == 403:
            break
        await asyncio.sleep(0.1)
        requests_before = len(gateway.http.requests)
        connections_before = (gateway.http.connections, gateway.https.connections)
    body, status = split_status(out)
    assert status == 403
    assert "diblokir" in body.decode() and "www.blocked.test" in body.decode()

    rc, out, err = await curl(*auth_proxy(gateway), "--cacert", str(gateway.ca_file), https_url)
    assert rc != 0  # CONNECT refused: curl reports the tunnel failure
    assert "403" in err
    assert len(gateway.http.requests) == requests_before
    assert (gateway.http.connections, gateway.https.connections) == connections_before

    rows = await _wait_rows(database_url, 3)
    blocked = [r for r in rows if r["decision"] == "block"]
    assert {r["host"] for r in blocked} == {"www.blocked.test", "blocked.test"}

    rc, out, err = await gateway.smedi("policy", "unblock", "blocked.test")
    assert rc == 0, err
    for _ in range(50):
        rc, out, _ = await curl(*auth_proxy(gateway), http_url)
        if split_status(out)[1] == 200:
            break
        await asyncio.sleep(0.1)
    assert split_status(out) == (BODY, 200)


async def test_a_blocked_sni_inside_an_allowed_tunnel_is_refused_before_connecting(gateway: Gateway) -> None:
    rc, out, err = await gateway.smedi("policy", "block", "blocked.test")
    assert rc == 0, err
    await asyncio.sleep(1)  # reload on NOTIFY
    before = gateway.https.connections
    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.proxy_port)
    token = base64.b64encode(f"{EMPLOYEE}:{PASSWORD}".encode()).decode()
    writer.write(
        f"CONNECT news.test:{gateway.https.port} HTTP/1.1\r\nHost: news.test\r\n"
        f"Proxy-Authorization: Basic {token}\r\n\r\n".encode()
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert head.split()[1] == b"200"
    context = ssl.create_default_context(cafile=str(gateway.ca_file))
    with pytest.raises((ssl.SSLError, ConnectionError, asyncio.IncompleteReadError, OSError)):
        await asyncio.wait_for(writer.start_tls(context, server_hostname="blocked.test"), 10)
    writer.close()
    assert gateway.https.connections == before


async def test_the_portal_lists_the_employee_under_todays_usage(
    gateway: Gateway, portal: str, database_url: str
) -> None:
    rc, out, _ = await curl(*auth_proxy(gateway), f"http://news.test:{gateway.http.port}/")
    assert split_status(out)[1] == 200
    await _wait_rows(database_url, 1)
    pool = await asyncpg.create_pool(database_url)
    await add_employee(pool, "kepala", "admin-rahasia-2", org=None, roles=("admin",))
    await pool.close()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:  # IP host
        async with session.get(f"{portal}/masuk") as r:
            token = re.search(r'name="csrf_token" value="([^"]+)"', await r.text())[1]
        form = {
            "csrf_token": token,
            "username": "kepala",
            "password": "admin-rahasia-2",
            "next": "/penggunaan",
        }
        async with session.post(f"{portal}/masuk", data=form) as r:
            assert r.status == 200 and r.url.path == "/penggunaan"
            page = await r.text()
    assert "Budi Santoso" in page and "DISKOMINFO" in page
