"""A suspended employee through the real proxy: refused with a page saying until when and why (HTTP and
decrypted HTTPS), a pass-through tunnel refused before connecting; let through again once lifted."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from accounting.alert_scan import store_findings
from accounting.anomaly import Finding
from admin import alerts
from tests.e2e.conftest import EMPLOYEE, PASSWORD, Gateway, curl, split_status
from tests.e2e.origin import BODY

pytestmark = pytest.mark.e2e
REASON = "Unggahan besar <sedang diperiksa>"


async def eventually(check, attempts: int = 50) -> None:  # type: ignore[no-untyped-def]
    """The proxy reloads the directory on NOTIFY; give it a moment, then the check must hold."""
    for _ in range(attempts - 1):
        if await check():
            return
        await asyncio.sleep(0.1)
    assert await check()


async def fetch(gw: Gateway, url: str, ca: Path) -> tuple[int, int, bytes]:
    rc, out, _err = await curl(
        "-x", gw.proxy, "--proxy-user", f"{EMPLOYEE}:{PASSWORD}", "--cacert", str(ca), url
    )
    body, status = split_status(out) if rc == 0 else (b"", 0)
    return rc, status, body


async def test_a_suspended_employee_is_refused_until_the_suspension_is_lifted(
    gateway: Gateway, database_url: str, tmp_path: Path
) -> None:
    bank = tmp_path / "bank.txt"
    bank.write_text("bank.test\n")
    rc, _out, err = await gateway.smedi("lists", "import", "perbankan", str(bank))
    assert rc == 0, err
    http_url = f"http://news.test:{gateway.http.port}/x"
    https_url = f"https://news.test:{gateway.https.port}/x"
    bank_url = f"https://bank.test:{gateway.https.port}/x"
    assert (await fetch(gateway, http_url, gateway.ca_file))[1:] == (200, BODY)

    conn = await asyncpg.connect(database_url)
    try:
        employee_id = await conn.fetchval("SELECT id FROM employees WHERE username = $1", EMPLOYEE)
        hour = await conn.fetchval("SELECT date_trunc('hour', now())")
        [alert_id] = await store_findings(
            conn, [Finding("upload_spike", employee_id, hour, hour + timedelta(hours=1), "high", {})]
        )
        await alerts.suspend(conn, alert_id, timedelta(hours=2), REASON, "admin")

        async def refused() -> bool:
            return (await fetch(gateway, http_url, gateway.ca_file))[1] == 403

        await eventually(refused)
        _rc, status, page = await fetch(gateway, http_url, gateway.ca_file)
        text = page.decode()
        assert "Akses internet Anda ditangguhkan" in text
        assert "Unggahan besar &lt;sedang diperiksa&gt;" in text and REASON not in text  # escaped
        assert "sampai" in text
        _rc, status, page = await fetch(gateway, https_url, gateway.ca_file)
        assert status == 403 and b"ditangguhkan" in page  # decrypted: the same page
        before = gateway.https.connections
        rc, _status, _page = await fetch(gateway, bank_url, gateway.test_ca)
        assert rc != 0 and gateway.https.connections == before  # never decrypted, so refused unconnected
        refusal = "SELECT decision FROM usage_events WHERE rule LIKE 'suspension:%' LIMIT 1"
        for _ in range(50):  # the writer flushes every FLUSH_SECONDS
            if await conn.fetchval(refusal) is not None:
                break
            await asyncio.sleep(0.1)
        assert await conn.fetchval(refusal) == "block"  # counted as refused, against the employee

        await alerts.lift_suspension(conn, alert_id, "admin")

        async def let_through() -> bool:
            return (await fetch(gateway, http_url, gateway.ca_file))[1] == 200

        await eventually(let_through)
        assert (await fetch(gateway, https_url, gateway.ca_file))[1:] == (200, BODY)
        assert (await fetch(gateway, bank_url, gateway.test_ca))[1:] == (200, BODY)
    finally:
        await conn.close()
