"""The cases of the proxy comparison (ours, ours without accounting, bare mitmdump, direct) and their runs."""

from __future__ import annotations

import argparse
import asyncio
import base64
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.services import (
    BenchError,
    Children,
    Database,
    free_port,
    log,
    process_cpu_seconds,
    tail,
    usage_rows,
    wait_for_port,
)
from bench.traffic import Result, run_load

ORG, USER, PASSWORD = "BENCH", "bench", "benchpass1"
WARMUP_REQUESTS = 200  # the first requests pay for argon2, connection setup and lazy imports: not measured
ACCOUNTING_GRACE = 2.0  # the usage writer flushes every 0.5 s: four flushes' grace before counting rows
MITMDUMP = Path(sys.executable).parent / "mitmdump"
OURS, WITHOUT_ACCOUNTING, BARE, DIRECT = "ours", "no-acct", "bare", "direct"


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    proxy: str | None = None
    headers: dict[str, str] | None = None
    process: asyncio.subprocess.Process | None = None  # the proxy, whose CPU time is measured
    log_path: Path | None = None


@dataclass(frozen=True)
class Run:
    round: int
    case: Case
    result: Result
    proxy_cpu: float | None  # CPU seconds the proxy process spent during the run

    @property
    def cpu_ms_per_request(self) -> float | None:
        if self.proxy_cpu is None or not self.result.answered:
            return None
        return self.proxy_cpu * 1000 / self.result.answered


def basic_auth(username: str, password: str) -> str:
    # Plain HTTP through a proxy is one absolute-form request, so the header rides on it: aiohttp 3.14
    # deprecates proxy_auth=, and its replacement proxy_headers= is only sent with CONNECT.
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def smedi_proxy(port: int, *flags: str) -> tuple[list[str], dict[str, str]]:
    return [sys.executable, "-m", "smedi", "proxy", *flags], {"SMEDI_PROXY_LISTEN": f"127.0.0.1:{port}"}


def mitmdump(port: int, home: Path) -> tuple[list[str], dict[str, str]]:
    argv = [str(MITMDUMP), "-q", "--listen-host", "127.0.0.1", "--listen-port", str(port)]
    argv += ["--set", "connection_strategy=lazy"]
    argv += ["--set", f"confdir={home / 'mitmdump'}"]  # its own CA and no config.yaml from ~/.mitmproxy
    return argv, {}


async def start_proxies(children: Children, env: dict[str, str], home: Path) -> list[Case]:
    """Start the three proxies at once (the smedi ones share SMEDI_HOME: ensure_ca is race-safe)."""
    auth = {"Proxy-Authorization": basic_auth(USER, PASSWORD)}
    ports = {name: free_port() for name in (OURS, WITHOUT_ACCOUNTING, BARE)}
    wanted = [
        (
            OURS,
            f"smedi proxy: Proxy-Authorization Basic as {USER}, policy, usage accounting to PostgreSQL",
            auth,
            smedi_proxy(ports[OURS]),
        ),
        (
            WITHOUT_ACCOUNTING,
            "smedi proxy --without-accounting: the same addon chain and sign-in, no usage accounting",
            auth,
            smedi_proxy(ports[WITHOUT_ACCOUNTING], "--without-accounting"),
        ),
        (
            BARE,
            "mitmdump -q --set connection_strategy=lazy (mitmproxy's default addons, no auth)",
            None,
            mitmdump(ports[BARE], home),
        ),
    ]
    log("starting " + ", ".join(f"{name} on 127.0.0.1:{port}" for name, port in ports.items()))
    cases = []
    for name, description, headers, (argv, listen_env) in wanted:
        log_path = home / f"proxy-{name}.log"
        proc = await children.start(*argv, env={**env, **listen_env}, log_path=log_path)
        cases.append(Case(name, description, f"http://127.0.0.1:{ports[name]}", headers, proc, log_path))
    await asyncio.gather(
        *(
            wait_for_port(c.name, ports[c.name], c.process, c.log_path)
            for c in cases
            if c.process and c.log_path
        )
    )
    return [*cases, Case(DIRECT, "no proxy: the ceiling of this client and origin on this machine")]


async def measure(
    case: Case, round_: int, url: str, *, concurrency: int, requests: int | None, seconds: float | None
) -> Run:
    pid = case.process.pid if case.process else None
    cpu_before = process_cpu_seconds(pid) if pid else None
    result = await run_load(
        url,
        concurrency=concurrency,
        requests=requests,
        seconds=None if requests is not None else seconds,
        proxy=case.proxy,
        headers=case.headers,
    )
    cpu_after = process_cpu_seconds(pid) if pid else None
    proxy_cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    return Run(round_, case, result, proxy_cpu)


async def warm_up(cases: list[Case], url: str, concurrency: int) -> dict[str, int]:
    """Send WARMUP_REQUESTS through each case; fail if one passes nothing. Returns those answered, by case."""
    answered = {}
    for case in cases:
        warm = await measure(case, 0, url, concurrency=concurrency, requests=WARMUP_REQUESTS, seconds=None)
        answered[case.name] = warm.result.answered
        if not warm.result.ok:
            where = tail(case.log_path) if case.log_path else ""
            raise BenchError(f"no request through {case.name} succeeded: {dict(warm.result.errors)}\n{where}")
        log(f"warm-up {case.name}: {warm.result.rps:.0f} req/s, {warm.result.error_count} errors")
    return answered


async def measure_rounds(cases: list[Case], url: str, args: argparse.Namespace) -> list[Run]:
    runs = []
    for round_ in range(1, args.rounds + 1):
        shift = (round_ - 1) % len(cases)  # each case takes each position in turn: drift hits all alike
        for case in cases[shift:] + cases[:shift]:
            run = await measure(
                case, round_, url, concurrency=args.concurrency, requests=args.requests, seconds=args.seconds
            )
            runs.append(run)
            errors = run.result.error_count
            loud = f"  !! {errors} ERRORS: {dict(run.result.errors)}" if errors else ""
            log(f"round {round_}/{args.rounds} {case.name}: {run.result.rps:.0f} req/s{loud}")
    return runs


async def check_accounting(
    database: Database, children: Children, ours: Case, answered: dict[str, int]
) -> list[str]:
    """Rows for the bench user while ours runs and after it stopped, against the requests ours answered."""
    log(f"waiting {ACCOUNTING_GRACE:g} s for the usage writer")
    await asyncio.sleep(ACCOUNTING_GRACE)
    events_running, hourly_running = await usage_rows(database.url, USER)
    assert ours.process is not None and ours.log_path is not None
    exit_code = await children.stop(ours.process)
    events_final, hourly_final = await usage_rows(database.url, USER)
    expected, unaccounted = answered[OURS], answered.get(WITHOUT_ACCOUNTING, 0)

    def share(rows: int) -> str:
        return f"{100 * rows / expected:.1f}%" if expected else "-"

    lines = [
        f"accounting: {expected} requests answered through {OURS} (warm-up included); rows for {USER}:",
        f"  {ACCOUNTING_GRACE:g} s after the last run  usage_events {events_running} "
        f"({share(events_running)}), usage_hourly.requests {hourly_running}",
        f"  after the proxy stopped    usage_events {events_final} "
        f"({share(events_final)}), usage_hourly.requests {hourly_final}",
    ]
    if events_final != expected or hourly_final != expected:
        lines.append("  !! the rows do not match the requests answered")
        if unaccounted and events_final >= expected + unaccounted:
            lines.append(f"  !! {WITHOUT_ACCOUNTING} wrote usage rows: it answered {unaccounted} requests")
    elif unaccounted:
        lines.append(f"  {WITHOUT_ACCOUNTING} answered {unaccounted} requests as {USER} and added no rows")
    if exit_code != 0:
        lines.append(f"  !! smedi proxy exited {exit_code}, not 0 after SIGTERM:\n{tail(ours.log_path)}")
    return lines
