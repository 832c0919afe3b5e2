"""End-to-end fixtures: real origins, the real proxy and portal as child processes, private hosts file."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from admin.directory import add_employee, add_org
from smedi.db import create_pool
from tests.e2e.origin import Origin, make_test_ca, start_origin

NAMES = [
    "news.test",
    "blocked.test",
    "www.blocked.test",
    "intranet.test",
    "bank.test",
    "judi.test",
    "video.test",
]
EMPLOYEE, PASSWORD = "budi", "rahasia-budi-1"
pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_for_port(port: int, proc: asyncio.subprocess.Process, log: Path) -> None:
    for _ in range(300):
        if proc.returncode is not None:
            raise RuntimeError(f"process exited with {proc.returncode}:\n{log.read_text()}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise RuntimeError(f"port {port} never opened:\n{log.read_text()}")


@dataclass
class Gateway:
    """A running S'MEDI: proxy (and portal) processes over one test database."""

    home: Path
    env: dict[str, str]
    proxy_port: int
    portal_port: int
    http: Origin
    https: Origin
    test_ca: Path
    hosts: Path
    tmp: Path
    procs: list[asyncio.subprocess.Process] = field(default_factory=list)

    async def start_proxy(self, port: int, **env: str) -> asyncio.subprocess.Process:
        """A proxy process on `port` (another one beside the first, or the first again after a stop)."""
        log = self.tmp / f"proxy-{port}-{len(self.procs)}.log"
        proc = await start_child(
            "proxy", {**self.env, "SMEDI_PROXY_LISTEN": f"127.0.0.1:{port}", **env}, self.hosts, log
        )
        self.procs.append(proc)
        await wait_for_port(port, proc, log)
        return proc

    def proxy_log(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.tmp.glob("proxy-*.log")))

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    @property
    def ca_file(self) -> Path:
        return self.home / "certs" / "mitmproxy-ca-cert.pem"

    async def smedi(self, *args: str, stdin: bytes = b"") -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "smedi",
            *args,
            env=self.env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate(stdin)
        return proc.returncode or 0, out.decode(), err.decode()


async def curl(*args: str, stdin: bytes | None = None) -> tuple[int, bytes, str]:
    """Run curl; returns (exit code, body, stderr). -w appends the status code on its own last line."""
    proc = await asyncio.create_subprocess_exec(
        "curl", "-sS", "--max-time", "20", "-w", "\n%{http_code}", *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate(stdin)
    return proc.returncode or 0, out, err.decode()


def split_status(out: bytes) -> tuple[bytes, int]:
    body, _, status = out.rpartition(b"\n")
    return body, int(status or 0)


async def start_child(
    command: str, env: dict[str, str], hosts: Path, log: Path
) -> asyncio.subprocess.Process:
    # A private mount namespace with our hosts file over /etc/hosts: news.test resolves to 127.0.0.1
    # for this process only (root; CI runs as root).
    script = f'mount --bind "{hosts}" /etc/hosts && exec "{sys.executable}" -m smedi {command}'
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            "unshare",
            "-m",
            "sh",
            "-c",
            script,
            env=env,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )


async def stop_child(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 20)
        except TimeoutError:
            proc.kill()
            await proc.wait()


@contextlib.asynccontextmanager
async def open_gateway(
    database_url: str, home: Path, tmp_path: Path, env: dict[str, str] | None = None
) -> AsyncIterator[Gateway]:
    """Origins, budi of DISKOMINFO in the database, and one proxy process; everything stopped after."""
    if os.geteuid() != 0:
        pytest.fail("end-to-end tests need root for a private /etc/hosts (unshare -m); CI runs as root")
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost " + " ".join(NAMES) + "\n::1 localhost\n")
    test_ca, cert, key = make_test_ca(tmp_path, NAMES)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    http_origin, https_origin = Origin(), Origin()
    runners = [await start_origin(http_origin), await start_origin(https_origin, tls)]

    pool = await create_pool(database_url)
    await add_org(pool, "DISKOMINFO", "Dinas Komunikasi dan Informatika")
    await add_employee(pool, EMPLOYEE, PASSWORD, org="DISKOMINFO", full_name="Budi Santoso")
    await pool.close()

    proxy_port, portal_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SMEDI_HOME": str(home),
        "SMEDI_PROXY_LISTEN": f"127.0.0.1:{proxy_port}",
        "SMEDI_PORTAL_LISTEN": f"127.0.0.1:{portal_port}",
        "SMEDI_UPSTREAM_CA": str(test_ca),
        "SMEDI_ADMIN_PASSWORD": "admin-rahasia-1",
        **(env or {}),
    }
    gw = Gateway(home, env, proxy_port, portal_port, http_origin, https_origin, test_ca, hosts, tmp_path)
    rc, out, err = await gw.smedi("ca", "export")  # creates the CA before two processes race for it
    assert rc == 0, err
    try:
        await gw.start_proxy(proxy_port)
        yield gw
    finally:
        for proc in gw.procs:
            await stop_child(proc)
        for runner, server in runners:
            server.close()
            await runner.cleanup()


@pytest.fixture
async def gateway(database_url: str, smedi_home: Path, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with open_gateway(database_url, smedi_home, tmp_path) as gw:
        yield gw


@pytest.fixture
async def portal(gateway: Gateway, tmp_path: Path) -> AsyncIterator[str]:
    """The real portal process beside the gateway's proxy; yields its base URL."""
    log = tmp_path / "portal.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "smedi",
            "portal",
            env=gateway.env,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        await wait_for_port(gateway.portal_port, proc, log)
        yield f"http://127.0.0.1:{gateway.portal_port}"
    finally:
        await stop_child(proc)
