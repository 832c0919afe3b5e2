"""Both ends of the traffic: the origin (`python -m bench.traffic`, a process of its own) and the client."""

from __future__ import annotations

import asyncio
import collections
import os
import socket
import statistics
import time
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

BODY = (b"Semarang " * 114)[:1024]  # exactly 1 KB, the body size measured in MITMPROXY_NOTES section 6
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=10)  # a stuck request counts as an error, never hangs a run
MAX_RUN_SECONDS = 60.0  # a run of --requests stops here even if they were not all sent
MAX_ERRORS = 1000  # a dead proxy fails fast; after this many there is nothing left to measure


async def index(_request: web.Request) -> web.Response:
    return web.Response(body=BODY, content_type="text/plain")


def serve_origin() -> None:
    """Serve GET / on 127.0.0.1; the port goes to stdout first, so the parent knows where to send."""
    app = web.Application()
    app.router.add_get("/", index, name="index")
    sock = socket.socket()  # bound here and handed over: no other process can take the port meanwhile
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    web.run_app(app, sock=sock, access_log=None, print=None)


@dataclass
class Result:
    ok: int = 0
    answered: int = 0  # requests that got any HTTP response: each one the proxy has to account for
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    client_cpu: float = 0.0  # CPU seconds of this process: close to `elapsed`, the client was the limit
    cut_short: str = ""

    @property
    def rps(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def latency_ms(self, percent: int) -> float | None:
        if len(self.latencies) < 2:
            return None
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[percent - 1] * 1000


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


async def run_load(
    url: str,
    *,
    concurrency: int,
    requests: int | None = None,
    seconds: float | None = None,
    proxy: str | None = None,
    headers: dict[str, str] | None = None,
) -> Result:
    """GET `url` until `requests` are sent or `seconds` pass; non-200s and wrong bodies are errors."""
    result = Result()
    remaining = requests
    start = time.perf_counter()
    deadline = start + (seconds if seconds is not None else MAX_RUN_SECONDS)

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal remaining
        while True:
            if remaining is not None:
                if remaining <= 0:
                    return
                remaining -= 1
            if time.perf_counter() >= deadline:
                if requests is not None:
                    result.cut_short = f"time limit {MAX_RUN_SECONDS:g} s"
                return
            if result.error_count >= MAX_ERRORS:
                result.cut_short = f"{MAX_ERRORS} errors"
                return
            sent = time.perf_counter()
            try:
                async with session.get(url, proxy=proxy, headers=headers) as response:
                    body = await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                result.errors[type(exc).__name__] += 1
                continue
            result.answered += 1
            if response.status != 200:
                result.errors[f"HTTP {response.status}"] += 1
            elif body != BODY:
                result.errors["wrong body"] += 1
            else:
                result.ok += 1
                result.latencies.append(time.perf_counter() - sent)

    cpu_before = _cpu_seconds()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=REQUEST_TIMEOUT) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - start
    result.client_cpu = _cpu_seconds() - cpu_before
    return result


if __name__ == "__main__":
    serve_origin()
