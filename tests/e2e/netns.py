"""A real gateway topology from network namespaces: employees' devices, the gateway, the internet.

    client 1 (198.18.1.2) ─┐
                           ├─ br0 198.18.1.1  GATEWAY  198.18.2.1 ── 198.18.2.2 INTERNET (origins)
    client 2 (198.18.1.3) ─┘

Names resolve through /etc/netns/<ns>/hosts (`ip netns exec` mounts it over /etc/hosts). Everything
is removed on exit, even when the test fails. Root only.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
GATEWAY_LAN, GATEWAY_WAN, INTERNET = "198.18.1.1", "198.18.2.1", "198.18.2.2"
LAN_INTERFACE = "br0"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


@dataclass
class Topology:
    gateway: str
    internet: str
    clients: list[str]
    client_addresses: list[str]
    made: list[str] = field(default_factory=list)

    def exec_args(self, ns: str, *command: str) -> list[str]:
        return ["ip", "netns", "exec", ns, *command]

    def in_namespace(self, ns: str, work: Callable[[], T]) -> T:
        """Run `work` in a fresh thread that has entered `ns` (sockets it makes stay there)."""
        result: list[T] = []
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with open(f"/run/netns/{ns}") as handle:
                    os.setns(handle.fileno(), os.CLONE_NEWNET)
                result.append(work())
            except BaseException as exc:  # handed to the caller's thread
                errors.append(exc)

        thread = threading.Thread(target=run)  # never a pool thread: it would stay in the namespace
        thread.start()
        thread.join()
        if errors:
            raise errors[0]
        return result[0]

    def listen(self, ns: str, address: str, port: int) -> socket.socket:
        def bind() -> socket.socket:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((address, port))
            sock.listen(128)
            sock.setblocking(False)
            return sock

        return self.in_namespace(ns, bind)

    async def wait_for_port(
        self, ns: str, address: str, port: int, process: asyncio.subprocess.Process, log: Path
    ) -> None:
        def try_connect() -> bool:
            try:
                socket.create_connection((address, port), timeout=1).close()
                return True
            except OSError:
                return False

        for _ in range(300):
            if process.returncode is not None:
                raise RuntimeError(f"process exited with {process.returncode}:\n{log.read_text()}")
            if self.in_namespace(ns, try_connect):
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"{address}:{port} in {ns} never opened:\n{log.read_text()}")


@contextmanager
def topology(hosts: dict[str, str], clients: int = 2) -> Iterator[Topology]:
    """Build the namespaces; `hosts` maps names to addresses for the clients' hosts files."""
    suffix = secrets.token_hex(3)
    net = Topology(f"smedi-gw-{suffix}", f"smedi-in-{suffix}", [], [])
    try:
        for ns in (net.gateway, net.internet):
            _add_namespace(net, ns, {})
        _ip("-n", net.gateway, "link", "add", LAN_INTERFACE, "type", "bridge")
        _ip("-n", net.gateway, "addr", "add", f"{GATEWAY_LAN}/24", "dev", LAN_INTERFACE)
        _ip("-n", net.gateway, "link", "set", LAN_INTERFACE, "up")
        for number in range(1, clients + 1):
            ns, address = f"smedi-c{number}-{suffix}", f"198.18.1.{number + 1}"
            _add_namespace(net, ns, hosts)
            device, port = f"c{number}{suffix}", f"g{number}{suffix}"
            _veth(device, ns, port, net.gateway)
            _ip("-n", ns, "addr", "add", f"{address}/24", "dev", device)
            _ip("-n", ns, "link", "set", device, "up")
            _ip("-n", ns, "route", "add", "default", "via", GATEWAY_LAN)
            _ip("-n", net.gateway, "link", "set", port, "master", LAN_INTERFACE, "up")
            net.clients.append(ns)
            net.client_addresses.append(address)
        wan, uplink = f"w{suffix}", f"i{suffix}"
        _veth(uplink, net.internet, wan, net.gateway)
        _ip("-n", net.gateway, "addr", "add", f"{GATEWAY_WAN}/24", "dev", wan)
        _ip("-n", net.gateway, "link", "set", wan, "up")
        _ip("-n", net.internet, "addr", "add", f"{INTERNET}/24", "dev", uplink)
        _ip("-n", net.internet, "link", "set", uplink, "up")
        _ip("-n", net.internet, "route", "add", "default", "via", GATEWAY_WAN)
        yield net
    finally:
        for ns in reversed(net.made):
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True)
            shutil.rmtree(f"/etc/netns/{ns}", ignore_errors=True)


def _veth(name: str, ns: str, peer: str, peer_ns: str) -> None:
    _ip("link", "add", name, "netns", ns, "type", "veth", "peer", "name", peer, "netns", peer_ns)


def _add_namespace(net: Topology, ns: str, hosts: dict[str, str]) -> None:
    _ip("netns", "add", ns)
    net.made.append(ns)
    _ip("-n", ns, "link", "set", "lo", "up")
    etc = Path("/etc/netns") / ns
    etc.mkdir(parents=True, exist_ok=True)
    lines = ["127.0.0.1 localhost", "::1 localhost", *(f"{a} {name}" for name, a in hosts.items())]
    (etc / "hosts").write_text("\n".join(lines) + "\n")
    (etc / "resolv.conf").write_text("")  # no name server: nothing waits for one
