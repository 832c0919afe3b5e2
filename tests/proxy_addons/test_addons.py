"""Identity, policy and accounting addons on mitmproxy's own test flows (tflow), with in-memory snapshots."""

from __future__ import annotations

import base64
import ssl
from datetime import timedelta
from types import MappingProxyType, SimpleNamespace

import pytest
from mitmproxy import connection
from mitmproxy.proxy import context, server_hooks
from mitmproxy.proxy.mode_specs import ProxyMode
from mitmproxy.test import taddons, tflow
from mitmproxy.tls import ClientHello, ClientHelloData

from proxy_addons.addresses import Addresses, ClientMap, Holder
from proxy_addons.credentials import hash_password
from proxy_addons.identity import Identity
from proxy_addons.policy import Policy
from proxy_addons.rules import Rule
from proxy_addons.snapshots import Directory, PolicySnapshot

PASSWORD = "rahasia123"


def state(*blocked: str) -> SimpleNamespace:
    """The two attributes addons read from LiveState: a fake over the real snapshot types."""
    directory = Directory.from_rows(
        [
            {
                "id": 7,
                "username": "budi",
                "full_name": "Budi",
                "org_unit_id": 3,
                "org_code": "DISKOMINFO",
                "password_hash": hash_password(PASSWORD),
                "active": True,
            }
        ]
    )
    return SimpleNamespace(
        directory=directory, policy=PolicySnapshot(frozenset(blocked)), clients=ClientMap()
    )


def addresses(live: SimpleNamespace, clock: float = 1_000_000.0) -> Addresses:
    return Addresses(live, pool=None, idle=timedelta(minutes=30), clock=lambda: clock)  # type: ignore[arg-type]


def client_hello_bytes(sni: str) -> bytes:
    """A real ClientHello from Python's TLS stack, without record (5) and handshake (4) headers."""
    bio_in, bio_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ssl.create_default_context().wrap_bio(bio_in, bio_out, server_hostname=sni)
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return bio_out.read()[9:]


def auth_header(password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"budi:{password}".encode()).decode()


async def test_identity_refuses_without_credentials_and_strips_the_header_with_them() -> None:
    live = state()
    identity = Identity(live, addresses(live), "http://portal.test")  # type: ignore[arg-type]
    with taddons.context(identity):
        anonymous = tflow.tflow()
        await identity.requestheaders(anonymous)
        assert anonymous.response.status_code == 407
        assert anonymous.response.headers["Proxy-Authenticate"] == 'Basic realm="S\'MEDI"'

        wrong = tflow.tflow()
        wrong.request.headers["Proxy-Authorization"] = auth_header("salah")
        await identity.requestheaders(wrong)
        assert wrong.response.status_code == 407 and "Proxy-Authorization" not in wrong.request.headers

        signed = tflow.tflow()
        signed.request.headers["Proxy-Authorization"] = auth_header()
        await identity.requestheaders(signed)
        assert signed.response is None
        assert signed.metadata["employee"].username == "budi"
        assert "Proxy-Authorization" not in signed.request.headers  # never forwarded, never kept


async def test_an_authenticated_connect_covers_the_requests_inside_its_tunnel() -> None:
    live = state()
    identity = Identity(live, addresses(live), "http://portal.test")  # type: ignore[arg-type]
    with taddons.context(identity):
        connect = tflow.tflow()
        connect.request.method = "CONNECT"
        connect.request.headers["Proxy-Authorization"] = auth_header()
        await identity.http_connect(connect)
        inner = tflow.tflow(client_conn=connect.client_conn)
        await identity.requestheaders(inner)
        assert inner.metadata["employee"].id == 7
        identity.client_disconnected(connect.client_conn)
        after = tflow.tflow(client_conn=connect.client_conn)
        await identity.requestheaders(after)
        assert after.response.status_code == 407


async def test_policy_blocks_a_listed_domain_and_its_subdomains_with_a_page() -> None:
    live = state("judi.test")
    policy = Policy(live, addresses(live), "http://portal.test")  # type: ignore[arg-type]
    with taddons.context(policy):
        for host in ("judi.test", "WWW.Judi.Test.", "a.b.judi.test"):
            f = tflow.tflow()
            f.request.host = host
            policy.requestheaders(f)
            assert f.response.status_code == 403, host
            assert b"diblokir" in f.response.content
            assert f.metadata["decision"].rule == "blocked_domain:judi.test"
        allowed = tflow.tflow()
        allowed.request.host = "notjudi.test"
        policy.requestheaders(allowed)
        assert allowed.response is None and not allowed.metadata["decision"].blocked


async def test_block_page_escapes_hostile_urls() -> None:
    live = state("judi.test")
    policy = Policy(live, addresses(live), "http://portal.test")  # type: ignore[arg-type]
    with taddons.context(policy):
        f = tflow.tflow()
        f.request.host = "judi.test"
        f.request.path = "/<script>alert(1)</script>"
        policy.requestheaders(f)
        assert b"<script>alert" not in f.response.content
        assert b"&lt;script&gt;" in f.response.content


async def test_an_invalid_host_is_refused_with_400() -> None:
    live = state()
    policy = Policy(live, addresses(live), "http://portal.test")  # type: ignore[arg-type]
    with taddons.context(policy):
        f = tflow.tflow()
        f.request.host = "bad..host"
        policy.requestheaders(f)
        assert f.response.status_code == 400


async def test_a_blocked_sni_is_never_connected() -> None:
    live = state("judi.test")
    policy = Policy(live, addresses(live), "http://portal.test")  # type: ignore[arg-type]
    with taddons.context(policy) as tctx:
        client = connection.Client(
            peername=("198.18.1.2", 50000), sockname=("198.18.1.1", 8080), timestamp_start=0
        )
        ctx = context.Context(client, tctx.options)
        hello = ClientHello(client_hello_bytes("www.judi.test"))
        data = ClientHelloData(ctx, hello)
        policy.tls_clienthello(data)
        assert data.ignore_connection
        server = connection.Server(address=("judi.test", 443))
        policy.server_connect(server_hooks.ServerConnectionHookData(server, client))
        assert server.error == "blocked by policy (SNI)"
        policy.client_disconnected(client)
        other = connection.Server(address=("judi.test", 443))
        policy.server_connect(server_hooks.ServerConnectionHookData(other, client))
        assert other.error is None


async def test_the_block_page_speaks_indonesian_and_links_to_english() -> None:
    live = state("judi.test")
    policy = Policy(live, addresses(live), "http://portal.test")  # type: ignore[arg-type]
    with taddons.context(policy):
        f = tflow.tflow()
        f.request.host, f.request.path = "judi.test", "/meja?x=1"
        policy.requestheaders(f)
        page = f.response.content.decode()
        assert "Akses ke situs ini diblokir" in page and "Ajukan pengecualian" in page
        assert "smedi_bahasa=en" in page
        english = tflow.tflow()
        english.request.host, english.request.path = "judi.test", "/meja?x=1&smedi_bahasa=en"
        policy.requestheaders(english)
        page = english.response.content.decode()
        assert "Access to this site is blocked" in page and "Request an exception" in page
        assert "/meja?x=1</code>" in page  # the address is shown without our parameter


def transparent_flow(
    host: str, path: str = "/", scheme: str = "http", peer: str = "198.18.1.2"
) -> tflow.HTTPFlow:
    f = tflow.tflow()
    f.client_conn.proxy_mode = ProxyMode.parse("transparent")
    f.client_conn.peername = (peer, 40000)
    f.request.scheme, f.request.host, f.request.path = scheme, host, path
    f.request.headers["Host"] = host
    return f


NOW = 1_000_000.0


@pytest.mark.parametrize(
    ("holder", "signed_in"),
    [
        (None, False),
        (Holder(7, lease=True, expires_at=NOW + 60, last_seen=NOW - 10), True),
        (Holder(7, lease=True, expires_at=NOW - 1, last_seen=NOW - 10), False),  # past its lifetime
        (Holder(7, lease=True, expires_at=NOW + 9999, last_seen=NOW - 1800), False),  # idle 30 minutes
        (Holder(7, lease=False), True),  # a static binding
        (Holder(8, lease=False), False),  # bound to someone the directory does not know
    ],
)
async def test_transparent_identity_by_address(holder: Holder | None, signed_in: bool) -> None:
    live = state()
    if holder is not None:
        live.clients = ClientMap(MappingProxyType({"198.18.1.2": holder}))
    identity = Identity(live, addresses(live, NOW), "http://portal.test")  # type: ignore[arg-type]
    with taddons.context(identity):
        f = transparent_flow("news.test", "/baca?x=1")
        await identity.requestheaders(f)
        if signed_in:
            assert f.response is None and f.metadata["employee"].username == "budi"
        else:
            assert f.response.status_code == 302 and "employee" not in f.metadata
            assert f.response.headers["Location"] == (
                "http://portal.test/masuk?next=http%3A%2F%2Fnews.test%2Fbaca%3Fx%3D1"
            )
        https = transparent_flow("news.test", "/", scheme="https")
        await identity.requestheaders(https)
        assert (https.response is None) if signed_in else (https.response.status_code == 511)
        if not signed_in:
            assert (
                b'href="http://portal.test/masuk?next=https%3A%2F%2Fnews.test%2F"' in https.response.content
            )


@pytest.mark.parametrize(
    ("host", "path", "status", "body"),
    [
        ("connectivitycheck.gstatic.com", "/generate_204", 204, b""),
        ("captive.apple.com", "/hotspot-detect.html", 200, b"Success"),
        ("www.msftconnecttest.com", "/connecttest.txt", 200, b"Microsoft Connect Test"),
        ("detectportal.firefox.com", "/success.txt", 200, b"success\n"),
    ],
)
async def test_captive_probes_redirect_before_sign_in_and_pass_after(
    host: str, path: str, status: int, body: bytes
) -> None:
    live = state()
    identity = Identity(live, addresses(live, NOW), "http://portal.test")  # type: ignore[arg-type]
    with taddons.context(identity):
        before = transparent_flow(host, path)
        await identity.requestheaders(before)
        assert before.response.status_code == 302  # the device opens its "sign in to network" window
        live.clients = ClientMap(MappingProxyType({"198.18.1.2": Holder(7, lease=False)}))
        after = transparent_flow(host, path)
        await identity.requestheaders(after)
        assert after.response.status_code == status and body in after.response.content


async def test_a_device_nobody_signed_in_on_is_never_passed_through_undecrypted() -> None:
    live = state()
    live.policy = PolicySnapshot(frozenset(), rules=(Rule(1, "passthrough", "domain", pattern="bank.test"),))
    policy = Policy(live, addresses(live, NOW), "http://portal.test")  # type: ignore[arg-type]
    with taddons.context(policy):
        for bound, ignored in ((False, False), (True, True)):
            if bound:
                live.clients = ClientMap(MappingProxyType({"198.18.1.2": Holder(7, lease=False)}))
            client = connection.Client(peername=("198.18.1.2", 40000), sockname=("198.18.2.2", 443))
            client.proxy_mode = ProxyMode.parse("transparent")
            ctx = context.Context(client, taddons.context().options)
            data = ClientHelloData(ctx, ClientHello(client_hello_bytes("bank.test")))
            policy.tls_clienthello(data)
            assert data.ignore_connection is ignored
            assert (client.id in policy.tunnels) is ignored
