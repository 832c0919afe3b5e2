"""Real origins for end-to-end tests: HTTP and HTTPS (own test CA), with request and connection logs."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import WSMsgType, web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

BODY = b"Selamat datang di origin uji. " * 40  # 1,200 bytes, known exactly


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_test_ca(directory: Path, names: list[str]) -> tuple[Path, Path, Path]:
    """A throwaway CA and a leaf for `names`: (ca.pem, leaf.pem, leaf.key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Intranet Test CA"))
        .issuer_name(_name("Intranet Test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "test-ca.pem", directory / "origin.pem", directory / "origin.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


@dataclass
class Origin:
    """One listening server; `requests` logs (host header, method, path, body length)."""

    port: int = 0
    connections: int = 0
    requests: list[tuple[str, str, str, int]] = field(default_factory=list)

    def hosts_seen(self) -> set[str]:
        return {host.split(":")[0] for host, *_ in self.requests}


class _Counting:
    """Counts TCP connections before TLS or HTTP: proves a blocked site never saw a packet."""

    def __init__(self, origin: Origin, inner: asyncio.Protocol) -> None:
        self.origin, self.inner = origin, inner

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.origin.connections += 1
        self.inner.connection_made(transport)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.inner, name)  # every other protocol method goes to aiohttp's handler


def origin_app(origin: Origin) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        origin.requests.append((request.host, request.method, request.path, len(body)))
        if request.path == "/echo-length":
            return web.Response(text=str(len(body)))
        return web.Response(body=BODY, content_type="text/plain")

    app = web.Application(client_max_size=50 * 1024 * 1024)
    app.add_routes(byte_routes(origin))
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


MIB = 1024 * 1024


def sized_body(size: int) -> bytes:
    """What /bytes/N answers (before any compression): N bytes of text."""
    return (b"Semarang " * (size // 9 + 1))[:size]


def byte_routes(origin: Origin) -> list[web.RouteDef]:
    """Bodies of known sizes for byte accounting: /bytes/N (?chunked=1, ?gzip=1), /slow/N MiB, /ws echo."""

    async def sized(request: web.Request) -> web.Response:
        origin.requests.append((request.host, request.method, request.path, 0))
        body = sized_body(int(request.match_info["size"]))
        if request.query.get("gzip"):  # sent compressed as it is: the client does not ask us to decode
            return web.Response(
                body=gzip.compress(body), headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"}
            )
        response = web.Response(body=body, content_type="text/plain")
        if request.query.get("chunked"):
            response.enable_chunked_encoding()
        return response

    async def slow(request: web.Request) -> web.StreamResponse:
        """N MiB in 1 MiB chunks with a pause after each: a download that runs for a while."""
        origin.requests.append((request.host, request.method, request.path, 0))
        mib = int(request.match_info["mib"])
        pause = float(request.query.get("pause", "0.3"))
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.content_length = mib * MIB
        await response.prepare(request)
        chunk = bytes(range(256)) * (MIB // 256)
        for _ in range(mib):
            await response.write(chunk)
            await asyncio.sleep(pause)
        await response.write_eof()
        return response

    async def echo(request: web.Request) -> web.WebSocketResponse:
        """Echoes every text and binary message until the client closes."""
        origin.requests.append((request.host, request.method, request.path, 0))
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await ws.send_str(message.data)
            elif message.type == WSMsgType.BINARY:
                await ws.send_bytes(message.data)
        return ws

    return [
        web.get(r"/bytes/{size:\d+}", sized),
        web.get(r"/slow/{mib:\d+}", slow),
        web.get("/ws", echo),
    ]


async def start_origin(
    origin: Origin, ssl_context: ssl.SSLContext | None = None, sock: socket.socket | None = None
) -> tuple[web.AppRunner, asyncio.Server]:
    """Serve on 127.0.0.1 (a free port), or on `sock`, a listening socket made elsewhere (a namespace)."""
    runner = web.AppRunner(origin_app(origin), access_log=None)
    await runner.setup()
    loop = asyncio.get_running_loop()
    where = {"sock": sock} if sock is not None else {"host": "127.0.0.1", "port": 0}
    server = await loop.create_server(lambda: _Counting(origin, runner.server()), ssl=ssl_context, **where)
    origin.port = server.sockets[0].getsockname()[1]
    return runner, server
