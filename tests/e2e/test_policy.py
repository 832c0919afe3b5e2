"""Policy actions through the real proxy: category block at the SNI, pass-through (the origin's own
certificate), URL rules after decryption, and live reload while requests flow."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from admin.directory import add_employee
from tests.e2e.conftest import EMPLOYEE, PASSWORD, Gateway, curl, split_status
from tests.e2e.origin import BODY

pytestmark = pytest.mark.e2e


def proxy_args(gw: Gateway) -> list[str]:
    return ["-x", gw.proxy, "--proxy-user", f"{EMPLOYEE}:{PASSWORD}"]


async def smedi_ok(gw: Gateway, *args: str) -> str:
    rc, out, err = await gw.smedi(*args)
    assert rc == 0, err
    return out


async def eventually(check, attempts: int = 50) -> None:  # type: ignore[no-untyped-def]
    """The proxy reloads on NOTIFY; give it a moment, then the check must hold."""
    for _ in range(attempts - 1):
        if await check():
            return
        await asyncio.sleep(0.1)
    assert await check()


async def test_categories_block_at_the_sni_and_pass_banking_through(gateway: Gateway, tmp_path: Path) -> None:
    judi, bank = tmp_path / "judi.txt", tmp_path / "bank.txt"
    judi.write_text("judi.test\njudionline\n")
    bank.write_text("0.0.0.0 bank.test\n")
    await smedi_ok(gateway, "lists", "import", "judi", str(judi))
    await smedi_ok(gateway, "lists", "import", "perbankan", str(bank), "--format", "hosts")
    port = gateway.https.port

    async def judi_refused() -> bool:
        rc, _, _ = await curl(
            *proxy_args(gateway), "--cacert", str(gateway.ca_file), f"https://judi.test:{port}/"
        )
        return rc != 0

    before = gateway.https.connections
    await eventually(judi_refused)
    assert gateway.https.connections == before  # refused at the SNI: the site never saw us

    # Pass-through: the client verifies the origin's own certificate (the test CA), not ours.
    rc, out, err = await curl(
        *proxy_args(gateway), "--cacert", str(gateway.test_ca), f"https://bank.test:{port}/x"
    )
    assert split_status(out) == (BODY, 200), err
    rc, out, err = await curl(
        *proxy_args(gateway), "--cacert", str(gateway.ca_file), f"https://bank.test:{port}/x"
    )
    assert rc != 0 and "certificate" in err.lower()  # our CA did not sign it: nothing was decrypted
    # An ordinary site is intercepted: our CA signed what the client sees.
    rc, out, err = await curl(
        *proxy_args(gateway), "--cacert", str(gateway.ca_file), f"https://news.test:{port}/"
    )
    assert split_status(out) == (BODY, 200), err


async def test_a_url_rule_applies_after_decryption_in_its_schedule(gateway: Gateway) -> None:
    await smedi_ok(gateway, "rule", "add", "--action", "block", "--url-prefix", "video.test/shorts",
                   "--note", "shorts")  # fmt: skip
    base = f"https://video.test:{gateway.https.port}"

    async def shorts_blocked() -> bool:
        _, out, _ = await curl(*proxy_args(gateway), "--cacert", str(gateway.ca_file), f"{base}/shorts/abc")
        return split_status(out)[1] == 403

    await eventually(shorts_blocked)
    _, out, _ = await curl(*proxy_args(gateway), "--cacert", str(gateway.ca_file), f"{base}/shorts/abc")
    assert "aturan kebijakan nomor 1" in out.decode()
    _, out, _ = await curl(*proxy_args(gateway), "--cacert", str(gateway.ca_file), f"{base}/watch")
    assert split_status(out) == (BODY, 200)
    assert ("video.test", "GET", "/shorts/abc", 0) not in gateway.https.requests

    why = await smedi_ok(gateway, "policy", "test", f"{base}/shorts/abc", "--user", EMPLOYEE)
    assert why.startswith("block  (rule:1)")


async def test_live_reload_while_requests_flow_fails_no_request(gateway: Gateway, tmp_path: Path) -> None:
    """Rule changes and a two-million-domain list import (index rebuilt, swapped) while requests flow."""
    big = tmp_path / "big.txt"
    big.write_text("".join(f"situs-{i}.example\n" for i in range(2_000_000)) + "judi.test\n")
    url = f"http://news.test:{gateway.http.port}/"
    statuses: list[int] = []
    stop = asyncio.Event()

    async def browse() -> None:
        while not stop.is_set():
            _, out, _ = await curl(*proxy_args(gateway), url)
            statuses.append(split_status(out)[1])

    browsers = [asyncio.create_task(browse()) for _ in range(3)]
    for i in range(4):
        await smedi_ok(gateway, "rule", "add", "--action", "block", "--domain", f"other{i}.test")
    await smedi_ok(gateway, "lists", "import", "judi", str(big))

    async def judi_blocked() -> bool:
        _, out, _ = await curl(*proxy_args(gateway), f"http://judi.test:{gateway.http.port}/")
        return split_status(out)[1] == 403

    await eventually(judi_blocked)  # the new index is in use
    stop.set()
    await asyncio.gather(*browsers)
    assert len(statuses) > 10 and set(statuses) == {200}


async def test_warn_then_continue_and_block_page_details(gateway: Gateway, database_url: str) -> None:
    await smedi_ok(gateway, "rule", "add", "--action", "warn", "--domain", "news.test")
    await smedi_ok(gateway, "rule", "add", "--action", "block", "--domain", "judi.test")
    url = f"http://news.test:{gateway.http.port}/baca?x=1"

    async def warned() -> bool:
        _, out, _ = await curl(*proxy_args(gateway), url)
        return b"Lanjutkan ke situs" in out

    await eventually(warned)
    assert gateway.http.requests == []  # the warning came from the proxy
    _, out, _ = await curl(*proxy_args(gateway), url)
    link = re.search(rb'href="([^"]+smedi_lanjut[^"]+)"', out)[1].decode().replace("&amp;", "&")
    _, out, _ = await curl(*proxy_args(gateway), "-D", "-", link)
    assert split_status(out)[1] == 303 and f"Location: {url}".encode() in out
    _, out, _ = await curl(*proxy_args(gateway), url)
    assert split_status(out) == (BODY, 200)  # continued: no warning for a while

    _, out, _ = await curl(*proxy_args(gateway), f"http://judi.test:{gateway.http.port}/")
    page = out.decode()
    reference = re.search(r'name="ref" value="([0-9A-F]{8})"', page)[1]
    assert "aturan kebijakan nomor 2" in page and "Ajukan pengecualian" in page
    assert f'action="http://127.0.0.1:{gateway.portal_port}/pengecualian/baru"' in page

    conn = await asyncpg.connect(database_url)
    try:
        for _ in range(50):
            row = await conn.fetchrow(
                "SELECT decision, rule, host FROM usage_events WHERE reference = $1", reference
            )
            if row:
                break
            await asyncio.sleep(0.1)
        assert row is not None and tuple(row) == ("block", "rule:2", "judi.test")
        warns = await conn.fetchval("SELECT count(*) FROM usage_events WHERE decision = 'warn'")
        assert warns >= 1
    finally:
        await conn.close()


async def test_exception_workflow_from_block_page_to_expiry(
    gateway: Gateway, portal: str, database_url: str
) -> None:
    """Blocked → the employee asks from the block page → an admin approves → allowed → expires → blocked."""
    pool = await asyncpg.create_pool(database_url)
    await add_employee(pool, "kepala", "admin-rahasia-2", org=None, roles=("admin",))
    await smedi_ok(gateway, "rule", "add", "--action", "block", "--domain", "judi.test")
    url = f"http://judi.test:{gateway.http.port}/"

    async def status() -> int:
        _, out, _ = await curl(*proxy_args(gateway), url)
        return split_status(out)[1]

    await eventually(lambda: _is(status(), 403))
    _, out, _ = await curl(*proxy_args(gateway), url)
    form_action = re.search(rb'<form method="get" action="([^"]+)">', out)[1].decode()
    reference = re.search(rb'name="ref" value="([0-9A-F]{8})"', out)[1].decode()
    await eventually(lambda: _has_event(pool, reference))

    employee = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    admin = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    try:
        await _sign_in(employee, portal, EMPLOYEE, PASSWORD)
        async with employee.get(form_action, params={"ref": reference}) as r:
            page = await r.text()
            assert r.status == 200 and "judi.test" in page
        form = {"csrf_token": _csrf(page), "ref": reference, "reason": "Memeriksa laporan warga"}
        async with employee.post(f"{portal}/pengecualian/baru", data=form) as r:
            assert r.url.path == "/pengecualian/saya" and "Menunggu" in await r.text()

        await _sign_in(admin, portal, "kepala", "admin-rahasia-2")
        async with admin.get(f"{portal}/pengecualian") as r:
            review = await r.text()
        request_id = await pool.fetchval("SELECT id FROM exception_requests WHERE reference = $1", reference)
        decision = {"csrf_token": _csrf(review), "duration": "1h", "scope": "employee", "note": "boleh"}
        async with admin.post(
            f"{portal}/pengecualian/putusan", data={**decision, "id": str(request_id), "verdict": "approve"}
        ) as r:
            assert r.status == 200
        await eventually(lambda: _is(status(), 200))  # allowed now, for this employee

        async with employee.get(f"{portal}/pengecualian/saya") as r:
            assert "Disetujui" in await r.text()
        # The hour passes: the allow rule ends by itself and the site is blocked again.
        await pool.execute("UPDATE rules SET expires_at = now() - interval '1 second' WHERE action = 'allow'")
        await eventually(lambda: _is(status(), 403))
        actions = [r["action"] for r in await pool.fetch("SELECT action FROM audit_log ORDER BY id")]
        assert {"exception_requested", "exception_approved"} <= set(actions)
    finally:
        await employee.close()
        await admin.close()
        await pool.close()


async def _is(awaitable, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return await awaitable == expected


async def _has_event(pool: asyncpg.Pool, reference: str) -> bool:
    return await pool.fetchval("SELECT count(*) FROM usage_events WHERE reference = $1", reference) > 0


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html)[1]


async def _sign_in(session: aiohttp.ClientSession, portal: str, username: str, password: str) -> None:
    async with session.get(f"{portal}/masuk") as r:
        token = _csrf(await r.text())
    form = {"csrf_token": token, "username": username, "password": password, "next": "/"}
    async with session.post(f"{portal}/masuk", data=form) as r:
        assert r.status == 200, await r.text()


async def test_a_ut1_folder_blocks_its_domains_and_its_urls(gateway: Gateway, tmp_path: Path) -> None:
    folder = tmp_path / "gambling"
    folder.mkdir()
    (folder / "domains").write_text("judi.test\n")
    (folder / "urls").write_text("news.test/judi\n")
    out = await smedi_ok(gateway, "lists", "import", "judi", str(folder))
    assert "1 domains active" in out and "1 URLs" in out
    base = f"http://news.test:{gateway.http.port}"

    async def url_blocked() -> bool:
        _, out, _ = await curl(*proxy_args(gateway), f"{base}/judi/meja")
        return split_status(out)[1] == 403

    await eventually(url_blocked)
    _, out, _ = await curl(*proxy_args(gateway), f"{base}/berita")
    assert split_status(out) == (BODY, 200)
    _, out, _ = await curl(*proxy_args(gateway), f"http://judi.test:{gateway.http.port}/")
    assert split_status(out)[1] == 403
