"""Markup in what the traffic carries (the URL, the Host header, the SNI) and in what an employee types,
sent through the real proxy: the block page shows it as text, and no portal page or export shows what
was stored of it as markup."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import ssl
from datetime import datetime

import aiohttp
import asyncpg
import pytest

from admin.directory import add_employee
from smedi.settings import Settings
from tests.e2e.conftest import EMPLOYEE, PASSWORD, Gateway
from tests.e2e.test_policy import _csrf, _has_event, _sign_in, eventually, smedi_ok

pytestmark = pytest.mark.e2e

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img/src=x/onerror=alert(1)>'  # no spaces: it travels in the request line
MARKERS = (SCRIPT, "<img/src=x", "<b>x</b>", "<svg/onload")


async def raw_proxy_request(gw: Gateway, request_line: str, host: str) -> bytes:
    """One HTTP/1.1 request written byte for byte: clients would escape what we want the proxy to see."""
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.proxy_port)
    credentials = base64.b64encode(f"{EMPLOYEE}:{PASSWORD}".encode()).decode()
    writer.write(
        f"{request_line} HTTP/1.1\r\nHost: {host}\r\nProxy-Authorization: Basic {credentials}\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    return answer


async def hostile_sni(gw: Gateway) -> None:
    """A CONNECT to an allowed name, then a ClientHello naming markup: refused or relayed, never stored."""
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.proxy_port)
    credentials = base64.b64encode(f"{EMPLOYEE}:{PASSWORD}".encode()).decode()
    writer.write(
        f"CONNECT news.test:{gw.https.port} HTTP/1.1\r\nHost: news.test:{gw.https.port}\r\n"
        f"Proxy-Authorization: Basic {credentials}\r\n\r\n".encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    try:
        await writer.start_tls(context, server_hostname="x<svg/onload=alert(1)>.test")
    except (ssl.SSLError, ConnectionError, ValueError):
        pass  # refused at the ClientHello: what matters is what was stored
    writer.close()
    with contextlib.suppress(ssl.SSLError, ConnectionError):
        await writer.wait_closed()


def assert_no_markup(where: str, text: str) -> None:
    for marker in MARKERS:
        assert marker not in text, f"{where} shows {marker!r} as markup"


async def test_markup_from_the_traffic_is_text_on_every_page_and_export(
    gateway: Gateway, portal: str, database_url: str
) -> None:
    pool = await asyncpg.create_pool(database_url)
    await add_employee(pool, "kepala", "admin-rahasia-2", org=None, roles=("admin",))
    await add_employee(pool, "irban", "inspektur-rahasia-3", org=None, roles=("inspector",))
    await smedi_ok(gateway, "rule", "add", "--action", "block", "--domain", "judi.test")
    port = gateway.http.port

    async def blocked() -> bool:
        answer = await raw_proxy_request(gateway, f"GET http://judi.test:{port}/", f"judi.test:{port}")
        return answer.startswith(b"HTTP/1.1 403")

    await eventually(blocked)
    # The URL carries markup: the block page shows it as text.
    page = await raw_proxy_request(
        gateway, f"GET http://judi.test:{port}/{SCRIPT}?q={IMAGE}", f"judi.test:{port}"
    )
    assert page.startswith(b"HTTP/1.1 403")
    assert_no_markup("the block page", page.decode(errors="replace"))
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page
    reference = re.search(rb'name="ref" value="([0-9A-F]{8})"', page)[1].decode()
    # The Host header and the SNI carry markup: refused, and recorded (if at all) without it.
    await raw_proxy_request(gateway, f"GET http://news.test:{port}/", "<b>x</b>.test")
    await raw_proxy_request(gateway, "GET http://<b>x</b>.test/", "<b>x</b>.test")
    await hostile_sni(gateway)
    await eventually(lambda: _has_event(pool, reference))
    await asyncio.sleep(1.5)  # the writer flushes every 0.5 s: the refused requests are in the store too
    hosts = {row["host"] for row in await pool.fetch("SELECT DISTINCT host FROM usage_events")}
    # The host a client named is kept as it came (it is evidence); every page must show it as text.
    assert {"judi.test", "<b>x</b>.test"} <= hosts, hosts

    employee = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    admin = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    inspector = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    try:
        # What an employee types is shown as text to the admin who reviews it.
        await _sign_in(employee, portal, EMPLOYEE, PASSWORD)
        async with employee.get(f"{portal}/pengecualian/baru", params={"ref": reference}) as r:
            form = {"csrf_token": _csrf(await r.text()), "ref": reference, "reason": f"perlu {SCRIPT}"}
        async with employee.post(f"{portal}/pengecualian/baru", data=form) as r:
            assert r.status == 200
            assert_no_markup("/pengecualian/saya", await r.text())

        today = datetime.now(Settings().tz).date().isoformat()  # the gateway runs with the default SMEDI_TZ
        pages = {
            employee: ["/penggunaan/saya", "/kuota/saya", "/pengecualian/saya"],
            admin: [
                "/penggunaan",
                "/api/v1/usage/today",
                "/pengecualian",
                "/audit",
                "/peringatan",
                f"/laporan/lihat?subjek=city&periode=day&tanggal={today}",
                f"/laporan/lihat?subjek=employee&pegawai={EMPLOYEE}&periode=day&tanggal={today}",
                f"/laporan/unduh.csv?subjek=city&periode=day&tanggal={today}",
                f"/api/v1/reports/usage?subjek=city&periode=day&tanggal={today}",
            ],
            inspector: [
                f"/pemeriksaan/rincian?pegawai={EMPLOYEE}&dari={today}&sampai={today}&perkara=ITJ-2026-007",
                f"/pemeriksaan/rincian.csv?pegawai={EMPLOYEE}&dari={today}&sampai={today}&perkara=ITJ-2026-007",
                f"/api/v1/inspect/detail?pegawai={EMPLOYEE}&dari={today}&sampai={today}&perkara=ITJ-2026-007",
            ],
        }
        await _sign_in(admin, portal, "kepala", "admin-rahasia-2")
        await _sign_in(inspector, portal, "irban", "inspektur-rahasia-3")
        for session, paths in pages.items():
            for path in paths:
                async with session.get(f"{portal}{path}") as r:
                    body = await r.text()
                    assert r.status == 200, (path, r.status, body[:300])
                    assert r.headers["X-Content-Type-Options"] == "nosniff"  # data is never sniffed as HTML
                    if r.content_type == "text/html":
                        assert_no_markup(path, body)
                    else:  # CSV and JSON carry the host exactly as stored, as data a browser will not render
                        assert r.content_type in ("text/csv", "application/json"), (path, r.content_type)
                    if path.startswith("/laporan/lihat"):  # the page does show the traffic, as text
                        assert "judi.test" in body and "&lt;b&gt;x&lt;/b&gt;.test" in body
        async with admin.get(f"{portal}/pengecualian") as r:
            review = await r.text()
            assert "perlu &lt;script&gt;alert(1)&lt;/script&gt;" in review  # shown, as text
        async with admin.get(f"{portal}/laporan/unduh.pdf?subjek=city&periode=day&tanggal={today}") as r:
            assert r.status == 200 and (await r.read()).startswith(b"%PDF")
    finally:
        for session in (employee, admin, inspector):
            await session.close()
        await pool.close()
