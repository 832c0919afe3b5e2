"""The transparent gateway in a real topology: devices with no proxy setting, the captive portal, leases.

Three kinds of network namespace (tests/e2e/netns.py): two employees' devices, the gateway running
`smedi proxy` and `smedi portal` behind the rules of `smedi gateway rules --apply`, and an "internet"
with HTTP and HTTPS origins. curl runs on the devices; nothing is configured on them but a hosts file.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import ssl
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import asyncpg
import pytest

from admin.directory import add_employee, add_org
from smedi.db import create_pool
from tests.e2e.conftest import NAMES, split_status, stop_child
from tests.e2e.netns import GATEWAY_LAN, INTERNET, LAN_INTERFACE, Topology, topology
from tests.e2e.origin import BODY, Origin, make_test_ca, start_origin

pytestmark = pytest.mark.e2e
PROBE_NAMES = ["connectivitycheck.gstatic.com", "captive.apple.com", "www.msftconnecttest.com"]
TRANSPARENT_PORT, PORTAL_PORT = 8081, 8000
PORTAL = f"http://{GATEWAY_LAN}:{PORTAL_PORT}"
PEOPLE = {"budi": "rahasia-budi-1", "siti": "rahasia-siti-1"}


@dataclass
class Site:
    net: Topology
    env: dict[str, str]
    database_url: str
    home: Path
    test_ca: Path
    http: Origin
    https: Origin
    tmp: Path

    @property
    def mitm_ca(self) -> Path:
        return self.home / "certs" / "mitmproxy-ca-cert.pem"

    async def curl(self, client: int, *args: str) -> tuple[int, bytes, str]:
        """curl on device `client` (0 or 1), with no proxy setting at all."""
        proc = await asyncio.create_subprocess_exec(
            *self.net.exec_args(self.net.clients[client], "curl", "-sS", "--noproxy", "*", "--max-time", "20",
                                "-w", "\n%{http_code}", *args),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await proc.communicate()
        return proc.returncode or 0, out, err.decode()

    async def smedi(self, *args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "smedi", *args, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        return out.decode()

    async def sign_in(self, client: int, user: str, password: str, next_url: str) -> bytes:
        jar = str(self.tmp / f"cookies-{client}")
        _, page, _ = await self.curl(
            client, "-c", jar, "-b", jar, f"{PORTAL}/masuk?next={quote(next_url, safe='')}"
        )
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page)[1].decode()
        rc, out, err = await self.curl(
            client, "-c", jar, "-b", jar, "--data-urlencode", f"csrf_token={token}",
            "--data-urlencode", f"username={user}", "--data-urlencode", f"password={password}",
            "--data-urlencode", f"next={next_url}", f"{PORTAL}/masuk",
        )  # fmt: skip
        assert rc == 0 and split_status(out)[1] == 200, (out, err)
        return out

    async def sign_out(self, client: int) -> None:
        jar = str(self.tmp / f"cookies-{client}")
        _, page, _ = await self.curl(client, "-L", "-c", jar, "-b", jar, f"{PORTAL}/")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page)[1].decode()
        _, out, _ = await self.curl(
            client, "-c", jar, "-b", jar, "-d", f"csrf_token={token}", f"{PORTAL}/keluar"
        )
        assert split_status(out)[1] == 303


async def eventually(check, tries: int = 100) -> None:  # type: ignore[no-untyped-def]
    for _ in range(tries):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{check.__name__} never held")


async def start_in(
    net: Topology, ns: str, command: str, env: dict[str, str], log: Path
) -> asyncio.subprocess.Process:
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            *net.exec_args(ns, sys.executable, "-m", "smedi", *command.split()),
            env=env, stdout=out, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip


@pytest.fixture
async def site(database_url: str, smedi_home: Path, tmp_path: Path) -> AsyncIterator[Site]:
    if os.geteuid() != 0:
        pytest.skip("the gateway topology needs root: network namespaces and nftables (CI runs as root)")
    if not shutil.which("nft"):
        pytest.skip("nft is missing: run bin/ensure-netfilter (make test does)")
    if "host=/" not in database_url:
        pytest.skip("the gateway namespace reaches PostgreSQL through a Unix socket: unset DATABASE_URL")
    pool = await create_pool(database_url)
    await add_org(pool, "DISKOMINFO", "Dinas Komunikasi dan Informatika")
    for user, password in PEOPLE.items():
        await add_employee(pool, user, password, org="DISKOMINFO", full_name=user.title())
    await pool.close()

    test_ca, cert, key = make_test_ca(tmp_path, NAMES)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SMEDI_HOME": str(smedi_home),
        "SMEDI_PROXY_LISTEN": "127.0.0.1:8080",
        "SMEDI_TRANSPARENT_LISTEN": f"0.0.0.0:{TRANSPARENT_PORT}",
        "SMEDI_PORTAL_LISTEN": f"{GATEWAY_LAN}:{PORTAL_PORT}",
        "SMEDI_PORTAL_URL": PORTAL,
        "SMEDI_UPSTREAM_CA": str(test_ca),
        "SMEDI_ADMIN_PASSWORD": "admin-rahasia-1",
    }
    hosts = {name: INTERNET for name in [*NAMES, *PROBE_NAMES]}
    with topology(hosts) as net:
        http_origin, https_origin = Origin(port=80), Origin(port=443)
        runners = [
            await start_origin(http_origin, sock=net.listen(net.internet, INTERNET, 80)),
            await start_origin(https_origin, tls, sock=net.listen(net.internet, INTERNET, 443)),
        ]
        procs = []
        try:
            rules = await asyncio.create_subprocess_exec(
                *net.exec_args(net.gateway, sys.executable, "-m", "smedi", "gateway", "rules",
                               "--interface", LAN_INTERFACE, "--nft", "--apply"),
                env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await rules.communicate()
            assert rules.returncode == 0, (out, err)
            site = Site(net, env, database_url, smedi_home, test_ca, http_origin, https_origin, tmp_path)
            await site.smedi("ca", "export")  # the CA exists before two processes race for it
            for name, port, address in (
                ("proxy", TRANSPARENT_PORT, "127.0.0.1"),
                ("portal", PORTAL_PORT, GATEWAY_LAN),
            ):
                log = tmp_path / f"{name}.log"
                procs.append(await start_in(net, net.gateway, name, env, log))
                await net.wait_for_port(net.gateway, address, port, procs[-1], log)
            yield site
        finally:
            for proc in procs:
                await stop_child(proc)
            for runner, server in runners:
                server.close()
                await runner.cleanup()


async def test_devices_sign_in_at_the_captive_portal_and_are_accounted(site: Site) -> None:
    news = "http://news.test/baca?hal=1"

    # A device nobody has signed in on: plain HTTP goes to the sign-in page, the site sees nothing.
    _, out, _ = await site.curl(0, "-D", "-", news)
    assert split_status(out)[1] == 302
    assert f"Location: {PORTAL}/masuk?next={quote(news, safe='')}".encode() in out
    for probe in (
        "http://connectivitycheck.gstatic.com/generate_204",
        "http://captive.apple.com/hotspot-detect.html",
    ):
        _, out, _ = await site.curl(0, probe)
        assert split_status(out)[1] == 302  # the device shows its own "sign in to network" prompt
    # HTTPS: with our CA installed a page with the sign-in link; without it, no connection at all.
    _, out, _ = await site.curl(0, "--cacert", str(site.mitm_ca), "https://news.test/")
    body, status = split_status(out)
    assert status == 511 and f"{PORTAL}/masuk?next=".encode() in body
    rc, _, err = await site.curl(0, "--cacert", str(site.test_ca), "https://bank.test/")
    assert rc != 0, err  # not even the pass-through bank is let through for an unknown device
    assert site.http.requests == [] and site.https.requests == []

    # Sign in through the portal (CSRF included): the device's address is leased to budi.
    page = await site.sign_in(0, "budi", PEOPLE["budi"], news)
    assert b"198.18.1.2" in page and news.encode() in page

    async def browsing() -> bool:
        _, out, _ = await site.curl(0, news)
        return split_status(out) == (BODY, 200)

    await eventually(browsing)
    _, out, _ = await site.curl(0, "http://connectivitycheck.gstatic.com/generate_204")
    assert split_status(out)[1] == 204  # the probe now finds an open network
    _, out, _ = await site.curl(0, "--cacert", str(site.mitm_ca), "https://news.test/x")
    assert split_status(out) == (BODY, 200)

    # The second device is kept apart: still sent to sign in.
    _, out, _ = await site.curl(1, news)
    assert split_status(out)[1] == 302

    # A blocked site is blocked for the signed-in device; HTTPS to it is refused before connecting.
    await site.smedi("policy", "block", "judi.test")

    async def judi_blocked() -> bool:
        _, out, _ = await site.curl(0, "http://judi.test/")
        return split_status(out)[1] == 403

    await eventually(judi_blocked)
    before = site.https.connections
    rc, _, _ = await site.curl(0, "--cacert", str(site.mitm_ca), "https://judi.test/")
    assert rc != 0 and site.https.connections == before

    # The bank passes through undecrypted: the device verifies the bank's own certificate.
    await site.smedi("rule", "add", "--action", "passthrough", "--domain", "bank.test")

    async def bank_untouched() -> bool:
        _, out, _ = await site.curl(0, "--cacert", str(site.test_ca), "https://bank.test/saldo")
        return split_status(out) == (BODY, 200)

    await eventually(bank_untouched)

    conn = await asyncpg.connect(site.database_url)
    try:

        async def accounted() -> bool:
            rows = await conn.fetch(
                "SELECT u.host, u.scheme, u.decision, host(u.client_ip) AS ip, u.bytes_up, u.bytes_down,"
                "       e.username FROM usage_events u JOIN employees e ON e.id = u.employee_id"
            )
            hosts = {
                (r["host"], r["scheme"]) for r in rows if r["username"] == "budi" and r["ip"] == "198.18.1.2"
            }
            tunnels = [r for r in rows if r["scheme"] == "tls" and r["host"] == "bank.test"]
            return {("news.test", "http"), ("news.test", "https"), ("judi.test", "http")} <= hosts and any(
                t["decision"] == "passthrough" and t["bytes_down"] > len(BODY) and t["bytes_up"] > 0
                for t in tunnels
            )

        await eventually(accounted)

        # Sign-out ends the lease: the device is sent back to sign in.
        await site.sign_out(0)

        async def back_to_sign_in() -> bool:
            _, out, _ = await site.curl(0, news)
            return split_status(out)[1] == 302

        await eventually(back_to_sign_in)

        # A second employee on the same device replaces the first; both are audited.
        await site.sign_in(0, "budi", PEOPLE["budi"], news)
        await site.sign_in(0, "siti", PEOPLE["siti"], news)
        await eventually(browsing)
        actions = await conn.fetch(
            "SELECT action, details->>'reason' AS reason FROM audit_log"
            " WHERE target = '198.18.1.2' ORDER BY id"
        )
        assert [(a["action"], a["reason"]) for a in actions][-3:] == [
            ("lease_started", None), ("lease_ended", "replaced"), ("lease_started", None),
        ]  # fmt: skip

        # The lease reaches its lifetime: the proxy sends the device back, then ends it in the database.
        await conn.execute("UPDATE client_leases SET expires_at = now() WHERE client_ip = '198.18.1.2'")
        await eventually(back_to_sign_in)

        async def expiry_audited() -> bool:
            return bool(await conn.fetchval(
                "SELECT count(*) FROM audit_log"
                " WHERE action = 'lease_ended' AND details->>'reason' = 'lifetime'"
            ))  # fmt: skip

        await eventually(expiry_audited, tries=200)
    finally:
        await conn.close()
