"""Devices and addresses page, and the PAC file, through the real portal and database."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from markupsafe import escape
from pytest_aiohttp import AiohttpClient

from admin import clients
from admin.app import create_app
from admin.pac import pac_script
from smedi.settings import Listen, Settings
from tests.admin.conftest import NewClient, csrf_token, sign_in

PAGE, UNBIND = "/jaringan/alamat", "/jaringan/alamat/hapus"
HOSTILE = "<script>alert(1)</script>"


def escaped(text: str) -> str:
    return str(escape(text))


@pytest.fixture
async def admin(new_client: NewClient) -> tuple[TestClient, str]:
    client = await new_client()
    return client, await sign_in(client, "admin")


async def post(client: TestClient, path: str, form: dict[str, str]) -> tuple[int, str, str]:
    response = await client.post(path, data=form, allow_redirects=False)
    return response.status, response.headers.get("Location", ""), await response.text()


async def bindings(db: asyncpg.Pool) -> dict[str, tuple[str, str]]:
    rows = await db.fetch(
        "SELECT b.client_ip, e.username, b.note FROM client_bindings b "
        "JOIN employees e ON e.id = b.employee_id"
    )
    return {str(r["client_ip"]): (r["username"], r["note"]) for r in rows}


async def audited(db: asyncpg.Pool) -> list[tuple[str, str, str]]:
    rows = await db.fetch(
        "SELECT actor, action, target FROM audit_log WHERE action LIKE 'client%' ORDER BY id"
    )
    return [(r["actor"], r["action"], r["target"]) for r in rows]


# The page


async def test_the_page_lists_leases_and_bindings(
    admin: tuple[TestClient, str], db: asyncpg.Pool, users: dict[str, int]
) -> None:
    client, _token = admin
    empty = await (await client.get(PAGE)).text()
    assert "Belum ada sewa atau ikatan." in empty
    async with db.acquire() as conn:
        await clients.start_lease(conn, "10.0.5.1", users["pegawai"], "pegawai", timedelta(hours=10))
        await clients.bind(conn, "10.0.0.9", "hr", "Printer lantai 2", "admin")
    response = await client.get(PAGE)
    assert response.status == 200
    page = await response.text()
    assert escaped("Perangkat & alamat") in page and f'href="{PAGE}"' in page  # the nav links to it
    lease = page.split('id="address-10.0.5.1"')[1].split("</tr>")[0]
    assert "Sewa (login)" in lease and "Uji pegawai" in lease and UNBIND not in lease
    binding = page.split('id="address-10.0.0.9"')[1].split("</tr>")[0]
    assert "Ikatan tetap" in binding and "Printer lantai 2" in binding and "oleh admin" in binding
    assert UNBIND in binding and 'name="address" value="10.0.0.9"' in binding
    assert "style=" not in page and "<script" not in page  # the CSP allows neither


async def test_add_replace_and_remove_a_binding(admin: tuple[TestClient, str], db: asyncpg.Pool) -> None:
    client, token = admin
    form = {"csrf_token": token, "address": "10.0.0.9", "username": "pegawai", "note": "Kios lobi"}
    status, location, _ = await post(client, PAGE, form)
    assert (status, location) == (303, f"{PAGE}#address-10.0.0.9")
    assert await bindings(db) == {"10.0.0.9": ("pegawai", "Kios lobi")}
    status, _, _ = await post(client, PAGE, {**form, "username": "hr", "note": ""})  # replaces
    assert status == 303 and await bindings(db) == {"10.0.0.9": ("hr", "")}
    status, location, _ = await post(client, UNBIND, {"csrf_token": token, "address": "10.0.0.9"})
    assert (status, location) == (303, PAGE)
    assert await bindings(db) == {}
    assert await audited(db) == [
        ("admin", "client_bound", "10.0.0.9"),
        ("admin", "client_bound", "10.0.0.9"),
        ("admin", "client_unbound", "10.0.0.9"),
    ]


@pytest.mark.parametrize(
    ("changes", "indonesian", "english"),
    [
        ({"username": "nobody"}, "pegawai 'nobody' tidak dikenal", "unknown employee 'nobody'"),
        ({"address": "printer-lt2"}, "'printer-lt2' bukan alamat IP", "'printer-lt2' is not an IP address"),
        ({"address": "10.0.0.0/24"}, "'10.0.0.0/24' bukan alamat IP", "'10.0.0.0/24' is not an IP address"),
        ({"note": "x" * 201}, "catatan lebih dari 200 karakter", "the note is longer than 200 characters"),
        ({"address": "x" * 101}, "address: lebih dari 100 karakter", "address: longer than 100 characters"),
    ],
)
async def test_a_refused_binding_says_why_in_the_page_language_and_keeps_the_typed_values(
    admin: tuple[TestClient, str], db: asyncpg.Pool, changes: dict[str, str], indonesian: str, english: str
) -> None:
    client, token = admin
    form = {"csrf_token": token, "address": "10.0.0.9", "username": "pegawai", "note": "Kios lobi", **changes}
    status, _, page = await post(client, PAGE, form)
    assert status == 400
    assert escaped(indonesian) in page and "Tidak ada yang disimpan." in page
    assert f'name="username" value="{escaped(form["username"])}"' in page
    assert f'name="note" value="{escaped(form["note"])}"' in page
    await client.post("/bahasa", data={"csrf_token": token, "lang": "en", "next": PAGE})
    status, _, page = await post(client, PAGE, form)
    assert status == 400 and escaped(english) in page and "Nothing was saved." in page
    assert await bindings(db) == {} and await audited(db) == []


async def test_removing_a_binding_that_is_not_there_says_so(
    admin: tuple[TestClient, str], db: asyncpg.Pool
) -> None:
    client, token = admin
    status, _, page = await post(client, UNBIND, {"csrf_token": token, "address": "10.0.0.77"})
    assert status == 400 and "10.0.0.77 tidak punya ikatan" in page
    assert await audited(db) == []


async def test_hostile_values_are_escaped(
    admin: tuple[TestClient, str], db: asyncpg.Pool, users: dict[str, int]
) -> None:
    client, token = admin
    status, _, _ = await post(client, PAGE, {"csrf_token": token, "address": "10.0.0.9", "username": "hr",
                                             "note": HOSTILE})  # fmt: skip
    assert status == 303
    page = await (await client.get(PAGE)).text()
    assert HOSTILE not in page and escaped(HOSTILE) in page
    status, _, page = await post(client, PAGE, {"csrf_token": token, "address": HOSTILE, "username": HOSTILE})
    assert status == 400 and HOSTILE not in page


async def test_only_admins_see_the_page(new_client: NewClient) -> None:
    client = await new_client()
    await sign_in(client, "pegawai")
    assert PAGE not in await (await client.get("/ca")).text()
    assert (await client.get(PAGE)).status == 403
    token = await csrf_token(client, "/ca")
    status, _, _ = await post(
        client, PAGE, {"csrf_token": token, "address": "10.0.0.9", "username": "pegawai"}
    )
    assert status == 403


# The PAC file

PAC_RUNNER = r"""
// A PAC runtime as browsers give it, strict about DNS: a lookup for a name fails the test.
const vm = require("vm");
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const octets = (s) => s.split(".").reduce((a, b) => a * 256 + Number(b), 0);
const context = vm.createContext({
  isPlainHostName: (h) => h.indexOf(".") < 0,
  dnsDomainIs: (h, d) => h.length >= d.length && h.substring(h.length - d.length) == d,
  isInNet: (h, pattern, mask) => {
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(h)) throw new Error("isInNet would resolve " + h);
    return octets(h) - (octets(h) % (2 ** 32 - octets(mask))) == octets(pattern);
  },
  dnsResolve: (h) => { throw new Error("dnsResolve " + h); },
  isResolvable: (h) => { throw new Error("isResolvable " + h); },
});
vm.runInContext(input.pac, context);
console.log(JSON.stringify(input.cases.map(([url, host]) => context.FindProxyForURL(url, host))));
"""


def run_pac(pac: str, hosts: list[str]) -> dict[str, str]:
    """Evaluate the PAC for each host with node: host → what FindProxyForURL answers."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the PAC text checks still run")
    cases = [[f"http://{h if ':' not in h or h.startswith('[') else f'[{h}]'}/", h] for h in hosts]
    result = subprocess.run(
        [node, "-e", PAC_RUNNER], input=json.dumps({"pac": pac, "cases": cases}),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return dict(zip(hosts, json.loads(result.stdout), strict=True))


CITY = Settings(portal_url="https://portal.semarangkota.go.id", proxy_listen=Listen("0.0.0.0", 3128))
DIRECT_HOSTS = [
    "intranet", "simpeg", "portal.semarangkota.go.id", "PORTAL.SemarangKota.go.id", "localhost",
    "app.localhost", "127.0.0.1", "127.9.9.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
    "169.254.10.20", "::1", "[::1]", "fd00::10", "fc12:3456::1", "fe80::1", "[fe80::abcd]",
]  # fmt: skip
PROXIED_HOSTS = [
    "example.com", "www.semarangkota.go.id", "semarangkota.go.id", "8.8.8.8", "11.0.0.1", "172.32.0.1",
    "172.15.255.255", "192.169.0.1", "169.255.0.1", "2001:db8::1", "fd::1", "[2606:4700:4700::1111]",
    "10.example.com", "192.168.1.1.evil.test", "localhost.evil.test", "fe80.example.com",
]  # fmt: skip


def test_the_pac_sends_the_web_through_the_proxy_and_keeps_local_traffic_direct() -> None:
    answers = run_pac(pac_script(CITY), DIRECT_HOSTS + PROXIED_HOSTS)
    assert {h: answers[h] for h in DIRECT_HOSTS} == dict.fromkeys(DIRECT_HOSTS, "DIRECT")
    assert {h: answers[h] for h in PROXIED_HOSTS} == dict.fromkeys(
        PROXIED_HOSTS, "PROXY portal.semarangkota.go.id:3128"
    )


def test_an_ipv6_proxy_address_is_bracketed() -> None:
    settings = Settings(portal_url="http://[FD00::10]:8000", proxy_listen=Listen("::", 8080))
    assert '"PROXY [fd00::10]:8080"' in pac_script(settings)
    assert run_pac(pac_script(settings), ["example.com", "fd00::10"]) == {
        "example.com": "PROXY [fd00::10]:8080",
        "fd00::10": "DIRECT",
    }


def test_the_pac_text() -> None:
    """Without a JS engine: the proxy, no fallback to DIRECT after it, and isInNet only on literals."""
    pac = pac_script(CITY)
    assert pac.isascii() and "function FindProxyForURL(url, host)" in pac
    assert 'var proxy = "PROXY portal.semarangkota.go.id:3128";' in pac
    assert "; DIRECT" not in pac and "dnsResolve" not in pac and "isResolvable" not in pac
    assert pac.count("isInNet(") == 5
    literal_check = pac.index("/^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$/.test(host)")
    assert literal_check < pac.index("isInNet(")
    assert 'host == "portal.semarangkota.go.id"' in pac and "isPlainHostName(host)" in pac


async def test_the_portal_serves_the_pac_to_anyone(client: TestClient, settings: Settings) -> None:
    for path in ("/proxy.pac", "/wpad.dat"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 200, path
        assert response.content_type == "application/x-ns-proxy-autoconfig"
        assert response.headers["Cache-Control"] == "max-age=300"
        body = await response.text()
        assert body == pac_script(settings) and '"PROXY 127.0.0.1:8080"' in body


async def test_the_pac_follows_the_settings(
    aiohttp_client: AiohttpClient, settings: Settings, users: dict[str, int]
) -> None:
    city = dataclasses.replace(settings, portal_url=CITY.portal_url, proxy_listen=CITY.proxy_listen)
    client = await aiohttp_client(create_app(city))
    body = await (await client.get("/wpad.dat")).text()
    assert run_pac(body, ["example.com", "portal.semarangkota.go.id"]) == {
        "example.com": "PROXY portal.semarangkota.go.id:3128",
        "portal.semarangkota.go.id": "DIRECT",
    }


def test_the_readme_names_the_pac_file() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    assert "/proxy.pac" in readme and "/wpad.dat" in readme
